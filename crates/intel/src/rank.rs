//! `known_bm25`: FTS5's own bm25 ranking, given each phrase's IDF instead of
//! counting it. bm25 counts, on its first row, every complaint that holds each
//! phrase of the query (a walk of each word's whole list, and of the
//! company's name): half of a search's time at 5,000,000 complaints. The
//! counts are kept at each import (`word_counts`), so the search passes the
//! IDFs it already knows.
//!
//! Called as `known_bm25(complaint_text, w1, .., wC, idf1, .., idfP)`: one
//! weight per column of the index (as bm25 takes them), then one IDF per
//! phrase of the MATCH, in the order they are written. A phrase with no IDF
//! given counts for nothing (the company's name, whose column weighs 0).

use std::ffi::{c_int, c_void};
use std::ptr;

use rusqlite::{Connection, ffi};

/// bm25's constants, as FTS5 has them.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Registers `known_bm25` with the connection's FTS5.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let api = fts5_api(conn)?;
    // SAFETY: `api` is the live FTS5 API of this connection (checked not
    // null); the function has no user data to free.
    let rc = unsafe {
        match (*api).xCreateFunction {
            Some(create) => create(
                api,
                c"known_bm25".as_ptr(),
                ptr::null_mut(),
                Some(known_bm25),
                None,
            ),
            None => ffi::SQLITE_MISUSE,
        }
    };
    check(rc)
}

fn check(rc: c_int) -> rusqlite::Result<()> {
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rusqlite::Error::SqliteFailure(
            ffi::Error::new(rc),
            Some("the ranking of similar complaints could not be set up".into()),
        ))
    }
}

/// The connection's `fts5_api`, as SQLite hands it out: `SELECT fts5(?1)`
/// with a pointer bound to the parameter.
fn fts5_api(conn: &Connection) -> rusqlite::Result<*mut ffi::fts5_api> {
    let mut api: *mut ffi::fts5_api = ptr::null_mut();
    // SAFETY: the statement is prepared on this connection's handle, used
    // once and finalized here; `api` outlives it.
    let rc = unsafe {
        let db = conn.handle();
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        let mut rc = ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            ptr::null_mut(),
        );
        if rc == ffi::SQLITE_OK {
            rc = ffi::sqlite3_bind_pointer(
                stmt,
                1,
                (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>(),
                c"fts5_api_ptr".as_ptr(),
                None,
            );
            if rc == ffi::SQLITE_OK {
                rc = ffi::sqlite3_step(stmt);
                if rc == ffi::SQLITE_ROW || rc == ffi::SQLITE_DONE {
                    rc = ffi::SQLITE_OK;
                }
            }
        }
        ffi::sqlite3_finalize(stmt);
        rc
    };
    check(rc)?;
    if api.is_null() {
        return check(ffi::SQLITE_ERROR).map(|()| api);
    }
    Ok(api)
}

/// What one query keeps between its rows.
struct Query {
    avgdl: f64,
    freq: Vec<f64>,
}

unsafe extern "C" fn drop_query(p: *mut c_void) {
    // SAFETY: made by `Box::into_raw` in `known_bm25`, freed once by FTS5.
    drop(unsafe { Box::from_raw(p.cast::<Query>()) });
}

unsafe extern "C" fn known_bm25(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n: c_int,
    vals: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 calls this with its API, the query's context and `n`
    // values; every callback used is checked present.
    unsafe {
        match score(&*api, fts, n, vals) {
            Ok(s) => ffi::sqlite3_result_double(ctx, -s),
            Err(rc) => ffi::sqlite3_result_error_code(ctx, rc),
        }
    }
}

unsafe fn score(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    n: c_int,
    vals: *mut *mut ffi::sqlite3_value,
) -> Result<f64, c_int> {
    let (
        Some(get_aux),
        Some(set_aux),
        Some(columns),
        Some(phrases),
        Some(rows),
        Some(total_size),
        Some(inst_count),
        Some(inst),
        Some(column_size),
    ) = (
        api.xGetAuxdata,
        api.xSetAuxdata,
        api.xColumnCount,
        api.xPhraseCount,
        api.xRowCount,
        api.xColumnTotalSize,
        api.xInstCount,
        api.xInst,
        api.xColumnSize,
    )
    else {
        return Err(ffi::SQLITE_MISUSE);
    };
    let ok = |rc: c_int| {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(rc)
        }
    };
    // SAFETY: the callbacks are FTS5's, called with its own context; the
    // values are read only below `n`.
    unsafe {
        let ncol = columns(fts).max(0) as usize;
        let nphrase = phrases(fts).max(0) as usize;
        let arg = |i: usize| -> Option<f64> {
            (i < n.max(0) as usize).then(|| ffi::sqlite3_value_double(*vals.add(i)))
        };
        let mut q = get_aux(fts, 0).cast::<Query>();
        if q.is_null() {
            let (mut nrow, mut ntok) = (0i64, 0i64);
            ok(rows(fts, &mut nrow))?;
            ok(total_size(fts, -1, &mut ntok))?;
            let made = Box::into_raw(Box::new(Query {
                avgdl: if nrow > 0 {
                    ntok as f64 / nrow as f64
                } else {
                    1.0
                },
                freq: vec![0.0; nphrase],
            }));
            ok(set_aux(fts, made.cast(), Some(drop_query)))?;
            q = made;
        }
        let q = &mut *q;
        q.freq.iter_mut().for_each(|f| *f = 0.0);
        let mut count = 0;
        ok(inst_count(fts, &mut count))?;
        for i in 0..count {
            let (mut ip, mut ic, mut io) = (0, 0, 0);
            ok(inst(fts, i, &mut ip, &mut ic, &mut io))?;
            let w = if (ic as usize) < ncol {
                arg(ic as usize).unwrap_or(1.0)
            } else {
                1.0
            };
            if let Some(f) = q.freq.get_mut(ip as usize) {
                *f += w;
            }
        }
        let mut ntok = 0;
        ok(column_size(fts, -1, &mut ntok))?;
        let d = ntok as f64;
        let mut s = 0.0;
        for (i, f) in q.freq.iter().enumerate() {
            let idf = arg(ncol + i).unwrap_or(0.0);
            s += idf * (f * (K1 + 1.0)) / (f + K1 * (1.0 - B + B * d / q.avgdl));
        }
        Ok(s)
    }
}

/// The IDF bm25 gives a phrase held by `hits` of `rows` complaints.
pub(crate) fn idf(rows: u64, hits: u64) -> f64 {
    let idf = ((rows as f64 - hits as f64 + 0.5) / (hits as f64 + 0.5)).ln();
    // Below zero (a word in over half of them) bm25 takes a token weight.
    if idf > 0.0 { idf } else { 1e-6 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Given the IDFs bm25 would count, the scores are bm25's own.
    #[test]
    fn with_the_counted_idfs_the_scores_are_bm25s() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5(a, b, c);")
            .unwrap();
        let docs = [
            ("escrow payment misapplied twice", "escrow", "mortgage"),
            (
                "late fees charged on my escrow account",
                "fees",
                "wells fargo",
            ),
            ("the bank charged late fees", "", "acme"),
            ("nothing here", "payment", "wells fargo"),
            ("escrow escrow escrow", "", "wells fargo"),
            ("my payment was late", "late", "other"),
        ];
        for (a, b, c) in docs {
            conn.execute("INSERT INTO t (a, b, c) VALUES (?1, ?2, ?3)", [a, b, c])
                .unwrap();
        }
        let words = ["escrow", "late", "payment"];
        let query = r#"{a b} : ("escrow" OR "late" OR "payment") AND c : ("wells fargo")"#;
        let rows: u64 = 6;
        let idfs: Vec<f64> = words
            .iter()
            .map(|w| {
                let hits: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM t WHERE t MATCH ?1",
                        [format!("{{a b}} : \"{w}\"")],
                        |r| r.get(0),
                    )
                    .unwrap();
                idf(rows, hits as u64)
            })
            .collect();
        let mut st = conn
            .prepare(
                "SELECT rowid, bm25(t, 2.0, 1.0, 0.0), known_bm25(t, 2.0, 1.0, 0.0, ?2, ?3, ?4)
                 FROM t WHERE t MATCH ?1 ORDER BY rowid",
            )
            .unwrap();
        let got: Vec<(i64, f64, f64)> = st
            .query_map(rusqlite::params![query, idfs[0], idfs[1], idfs[2]], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [2, 4, 5]);
        for (id, theirs, ours) in got {
            assert!(theirs < 0.0, "row {id} scores");
            assert!(
                (theirs - ours).abs() < 1e-9,
                "row {id}: bm25 {theirs}, ours {ours}"
            );
        }
    }

    #[test]
    fn a_phrase_without_an_idf_counts_for_nothing() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(a); INSERT INTO t (a) VALUES ('escrow late');",
        )
        .unwrap();
        let score = |sql: &str| -> f64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        let one = score("SELECT known_bm25(t, 1.0, 2.0) FROM t WHERE t MATCH 'escrow OR late'");
        let both =
            score("SELECT known_bm25(t, 1.0, 2.0, 2.0) FROM t WHERE t MATCH 'escrow OR late'");
        assert!(one < 0.0 && both < one, "{one} {both}");
        assert!((both - 2.0 * one).abs() < 1e-12, "{one} {both}");
    }
}
