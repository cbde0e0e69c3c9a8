//! The embedded engine: one SQLite file, WAL, durable commits.
//!
//! Durability: `journal_mode=WAL` with `synchronous=FULL` means a commit that
//! returned is on disk; it survives a process crash and a power loss. Every
//! append runs in one `BEGIN IMMEDIATE` transaction with its projections.
//!
//! This crate holds only rows and SQL: what an append, verify, rebuild or
//! import must do is decided once in [`casefile_store::journal`]. Every table
//! is keyed first by the workspace (a local file has one), and every entry
//! names the device that wrote it, so a server engine and sync add rows, not
//! a new schema.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use casefile_core::{
    CaseHeader, CaseItem, CompanyState, DueItem, Entry, GENESIS, ItemKind, Status, StreamKind,
    normalize_company_name,
};
use casefile_store::codec::*;
use casefile_store::journal::{self, CaseColumns, Head, Items, SigRow, Tx, Unreadable};
use casefile_store::signing::Signing;
use casefile_store::*;
use jiff::Timestamp;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};
use uuid::Uuid;

mod pipeline;
mod schema;

pub use schema::LATEST_SCHEMA;

pub struct SqliteStore {
    conn: Connection,
    busy_timeout: Duration,
    workspace: String,
    device: String,
    /// This device's key, and the note beside it: each head written is signed.
    signing: Signing,
}

fn engine(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return StoreError::Busy { waited_ms: 0 };
            }
            ErrorCode::NotADatabase => return StoreError::NotCasefile("the file".into()),
            ErrorCode::DiskFull => return StoreError::DiskFull,
            ErrorCode::ReadOnly => return StoreError::ReadOnly("the database".into()),
            ErrorCode::DatabaseCorrupt => return StoreError::Corrupt(e.to_string()),
            _ => {}
        }
    }
    StoreError::Engine(e.to_string())
}

/// How much of a file reads may map (SQLite caps it at its own limit).
const MMAP_BYTES: i64 = 1 << 30;

/// How many pages the WAL may hold before it is copied into the file and
/// emptied (a note writes about 25): every command reads the WAL whole when it
/// opens the file, and each emptying costs an fsync of the file.
const WAL_PAGES: std::ffi::c_int = 256;

/// The connection's own handle, for its WAL hook to set how long the
/// hook's checkpoint may wait (rusqlite's hook is given no connection).
struct RawHandle(*mut rusqlite::ffi::sqlite3);

// SAFETY: the handle is only used by the connection's WAL hook, which SQLite
// calls on the thread committing through that connection.
unsafe impl Send for RawHandle {}

impl RawHandle {
    fn busy_timeout(&self, ms: std::ffi::c_int) {
        // SAFETY: called from the connection's WAL hook, inside its commit,
        // while the connection (and so the handle) is open.
        unsafe { rusqlite::ffi::sqlite3_busy_timeout(self.0, ms) };
    }
}

/// An entry's columns as stored, in [`ENTRY_COLUMNS`] order.
struct RawEntry {
    text: [String; 9],
    series: Option<String>,
    n: Option<i64>,
}

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawEntry> {
    Ok(RawEntry {
        text: [
            r.get(0)?,
            r.get(1)?,
            r.get::<_, i64>(2)?.to_string(),
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
        ],
        series: r.get(9)?,
        n: r.get(10)?,
    })
}

/// The ids a run of rows repeats (the stream, the series), each parsed once
/// and reused while the next row holds the same text.
#[derive(Default)]
struct IdCache {
    stream: Option<(String, Uuid)>,
    series: Option<(String, Uuid)>,
}

fn cached_uuid(slot: &mut Option<(String, Uuid)>, text: &str) -> Result<Uuid> {
    if let Some((t, id)) = slot
        && t == text
    {
        return Ok(*id);
    }
    let id = uuid(text)?;
    *slot = Some((text.to_owned(), id));
    Ok(id)
}

/// An entry for the views, parsed from the row's columns (in
/// [`ENTRY_COLUMNS`] order from `at`) where they lie.
fn entry_in_place(r: &rusqlite::Row<'_>, at: usize, ids: &mut IdCache) -> Result<Entry> {
    let text = |i: usize| -> Result<&str> {
        r.get_ref(at + i)
            .and_then(|v| v.as_str().map_err(Into::into))
            .map_err(engine)
    };
    let series = r
        .get_ref(at + 9)
        .map_err(engine)?
        .as_str_or_null()
        .map_err(|e| StoreError::Corrupt(format!("an entry's series cannot be read: {e}")))?;
    ids.entry(
        [
            text(0)?,
            text(1)?,
            text(3)?,
            text(4)?,
            text(5)?,
            text(6)?,
            text(7)?,
            text(8)?,
        ],
        r.get(at + 2).map_err(engine)?,
        series,
        r.get(at + 10).map_err(engine)?,
    )
}

impl IdCache {
    /// An entry from its columns' text: id, stream, at, recorded, author,
    /// event, prev, hash; then its position, series and place.
    fn entry(
        &mut self,
        [id, stream, at, recorded, author, event, prev, hash]: [&str; 8],
        seq: i64,
        series: Option<&str>,
        n: Option<i64>,
    ) -> Result<Entry> {
        let mut e = EntryText {
            id: uuid(id)?,
            stream: cached_uuid(&mut self.stream, stream)?,
            seq,
            at,
            recorded,
            author,
            event,
            prev,
            hash,
            series: None,
            n,
        }
        .entry()?;
        e.series = series
            .map(|s| {
                cached_uuid(&mut self.series, s)
                    .map_err(|_| StoreError::Corrupt(format!("bad series {s:?}")))
            })
            .transpose()?;
        Ok(e)
    }
}

/// An entry's columns as read, ids parsed.
fn entry_cols(c: RawEntry) -> Result<EntryCols> {
    let RawEntry { text, series, n } = c;
    let [id, stream, seq, at, recorded, author, event, prev, hash] = text;
    Ok(EntryCols {
        id: uuid(&id)?,
        stream: uuid(&stream)?,
        seq: seq
            .parse()
            .map_err(|_| StoreError::Corrupt("bad seq".into()))?,
        at,
        recorded,
        author,
        event,
        prev,
        hash,
        series,
        n,
    })
}

/// An entry from its columns, refusing any form casefile never writes (what
/// `verify` reads; the views only parse).
fn exact_entry(c: RawEntry) -> Result<Entry> {
    // An id written another way (upper case, braces) is not what was hashed.
    let (id_text, stream_text) = (c.text[0].clone(), c.text[1].clone());
    let cols = entry_cols(c)?;
    if cols.id.to_string() != id_text || cols.stream.to_string() != stream_text {
        return Err(StoreError::Corrupt(format!(
            "entry {} holds its id in a form casefile never writes: the journal was altered",
            cols.id
        )));
    }
    cols.exact_entry()
}

/// The row verbs over one connection (inside a transaction when writing),
/// scoped to this file's workspace.
/// Each journal's indexed text as (position, SHA-256 of the text), in order.
type TextDigests = HashMap<String, Vec<(u64, [u8; 32])>>;

struct Rows<'c> {
    conn: &'c Connection,
    ws: &'c str,
    device: &'c str,
    /// The search index's text, digested, read in one pass the first time a
    /// check needs it: the full-text table has no index by journal, so
    /// reading it journal by journal would scan it once per case.
    texts: Option<TextDigests>,
}

impl Rows<'_> {
    fn query_entries(&self, sql: &str, p: impl rusqlite::Params) -> Result<Vec<Entry>> {
        self.query_entries_into(Vec::new(), sql, p)
    }

    /// [`query_entries`](Self::query_entries) onto `out`, which may come
    /// sized: a long journal grown by doubling copies it again and again and
    /// touches twice its memory (fresh pages are dear).
    fn query_entries_into(
        &self,
        mut out: Vec<Entry>,
        sql: &str,
        p: impl rusqlite::Params,
    ) -> Result<Vec<Entry>> {
        let mut st = self.conn.prepare_cached(sql).map_err(engine)?;
        if pipeline::worth_it(out.capacity()) {
            return pipeline::read(st.query(p).map_err(engine)?, out);
        }
        let mut ids = IdCache::default();
        let rows = st
            .query_map(p, |r| Ok(entry_in_place(r, 0, &mut ids)))
            .map_err(engine)?;
        for r in rows {
            out.push(r.map_err(engine)??);
        }
        Ok(out)
    }

    /// Each item the query finds, handed over as it is read. Past the first
    /// rows of a long read the items are parsed on another thread.
    fn items_each(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        each: &mut dyn FnMut(CaseItem),
    ) -> Result<()> {
        use pipeline::unreadable;
        let mut st = self.conn.prepare_cached(sql).map_err(engine)?;
        let mut rows = st.query(p).map_err(engine)?;
        let mut read = 0;
        while let Some(r) = rows.next().map_err(engine)? {
            let kind = pipeline::item_kind(r)?;
            // Read in place: the item's text is parsed, never copied first.
            let body = r
                .get_ref(1)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(|e| unreadable(&e))?;
            each(CaseItem::from_body(kind, body).map_err(|e| unreadable(&e))?);
            read += 1;
            if read == pipeline::ITEMS_ALONE && pipeline::worth_it(pipeline::MIN_ROWS) {
                return pipeline::items(rows, each);
            }
        }
        Ok(())
    }
}

impl Tx for Rows<'_> {
    fn head(&mut self, stream: Uuid) -> Result<Option<Head>> {
        let row: Option<(String, i64, i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT kind, handle, head_seq, head_hash FROM streams WHERE workspace = ?1 AND id = ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![self.ws, stream.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()
            })
            .map_err(engine)?;
        row.map(|(kind, handle, seq, hash)| {
            Ok(Head {
                info: StreamInfo {
                    id: stream,
                    kind: kind_of(&kind)?,
                    handle: handle as u64,
                    head_seq: seq as u64,
                },
                hash,
            })
        })
        .transpose()
    }

    fn device(&self) -> Uuid {
        Uuid::parse_str(self.device).unwrap_or_default()
    }

    fn series_head(&mut self, stream: Uuid, series: Option<Uuid>) -> Result<Option<(u64, String)>> {
        let sql = match series {
            Some(_) => {
                "SELECT n, hash FROM entries WHERE workspace = ?1 AND stream = ?2 AND series = ?3 ORDER BY n DESC LIMIT 1"
            }
            None => {
                "SELECT seq, hash FROM entries WHERE workspace = ?1 AND stream = ?2 AND series IS NULL AND ?3 IS NULL ORDER BY seq DESC LIMIT 1"
            }
        };
        self.conn
            .prepare_cached(sql)
            .and_then(|mut st| {
                st.query_row(
                    params![self.ws, stream.to_string(), series.map(|s| s.to_string())],
                    |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
                )
                .optional()
            })
            .map_err(engine)
    }

    fn read_after(&mut self, stream: Uuid, after: u64, limit: usize) -> Result<Vec<Entry>> {
        self.query_entries(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE workspace = ?1 AND stream = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4"
            ),
            params![
                self.ws,
                stream.to_string(),
                after as i64,
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
        )
    }

    fn move_entries(&mut self, stream: Uuid, moves: &[(Uuid, u64)]) -> Result<()> {
        // Two steps, so no position is held twice in between.
        for (id, seq) in moves {
            self.conn
                .prepare_cached("UPDATE entries SET seq = ?3 WHERE workspace = ?1 AND id = ?2")
                .and_then(|mut st| st.execute(params![self.ws, id.to_string(), -(*seq as i64)]))
                .map_err(engine)?;
        }
        self.conn
            .prepare_cached(
                "UPDATE entries SET seq = -seq WHERE workspace = ?1 AND stream = ?2 AND seq < 0",
            )
            .and_then(|mut st| st.execute(params![self.ws, stream.to_string()]))
            .map_err(engine)?;
        Ok(())
    }

    fn clear_case(&mut self, case: Uuid) -> Result<()> {
        for sql in [
            "DELETE FROM due_items WHERE workspace = ?1 AND case_id = ?2",
            "DELETE FROM case_items WHERE workspace = ?1 AND case_id = ?2",
            "DELETE FROM entry_text WHERE workspace = ?1 AND stream = ?2",
        ] {
            self.conn
                .execute(sql, params![self.ws, case.to_string()])
                .map_err(engine)?;
        }
        Ok(())
    }

    fn create_stream(&mut self, stream: Uuid, kind: StreamKind) -> Result<u64> {
        let handle: i64 = self
            .conn
            .query_row(
                "SELECT coalesce(max(handle), 0) + 1 FROM streams WHERE workspace = ?1 AND kind = ?2",
                params![self.ws, kind_str(kind)],
                |r| r.get(0),
            )
            .map_err(engine)?;
        self.conn
            .execute(
                "INSERT INTO streams (workspace, id, kind, handle, head_seq, head_hash) VALUES (?1, ?2, ?3, ?4, 0, ?5)",
                params![self.ws, stream.to_string(), kind_str(kind), handle, GENESIS],
            )
            .map_err(engine)?;
        Ok(handle as u64)
    }

    fn set_head(&mut self, stream: Uuid, seq: u64, hash: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE streams SET head_seq = ?1, head_hash = ?2 WHERE workspace = ?3 AND id = ?4",
            )
            .and_then(|mut st| st.execute(params![seq as i64, hash, self.ws, stream.to_string()]))
            .map_err(engine)?;
        Ok(())
    }

    fn heads(&mut self) -> Result<Vec<Head>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, kind, handle, head_seq, head_hash FROM streams WHERE workspace = ?1 ORDER BY id",
            )
            .map_err(engine)?;
        let rows = st
            .query_map([self.ws], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(engine)?;
        rows.map(|r| {
            let (id, kind, handle, head, hash) = r.map_err(engine)?;
            Ok(Head {
                info: StreamInfo {
                    id: uuid(&id)?,
                    kind: kind_of(&kind)?,
                    handle: handle as u64,
                    head_seq: head as u64,
                },
                hash,
            })
        })
        .collect()
    }

    fn insert_entry(&mut self, e: &Entry) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO entries (workspace, device, kind, {ENTRY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
            ))
            .and_then(|mut st| {
                let series = e.series.map(|s| s.to_string());
                st.execute(params![
                    self.ws,
                    series.as_deref().unwrap_or(self.device),
                    e.event.kind(),
                    e.id.to_string(),
                    e.stream.to_string(),
                    e.seq as i64,
                    e.at.to_string(),
                    e.recorded.to_string(),
                    e.author,
                    json(&e.event),
                    e.prev,
                    e.hash,
                    series,
                    (e.series.is_some()).then_some(e.n as i64),
                ])
            })
            .map_err(|err| match &err {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == ErrorCode::ConstraintViolation =>
                {
                    StoreError::Import(format!("entry {} is already stored elsewhere", e.id))
                }
                _ => engine(err),
            })?;
        self.index_text(e)
    }

    fn text_matches(&mut self, stream: Uuid, entries: &[Entry]) -> Result<bool> {
        use sha2::{Digest, Sha256};
        if self.texts.is_none() {
            let mut st = self
                .conn
                .prepare("SELECT stream, seq, body FROM entry_text WHERE workspace = ?1")
                .map_err(engine)?;
            let mut all = TextDigests::new();
            let rows = st
                .query_map([self.ws], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)? as u64,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(engine)?;
            for row in rows {
                let (stream, seq, body) = row.map_err(engine)?;
                all.entry(stream)
                    .or_default()
                    .push((seq, Sha256::digest(body.as_bytes()).into()));
            }
            for v in all.values_mut() {
                v.sort_unstable();
            }
            self.texts = Some(all);
        }
        let stored = self
            .texts
            .as_ref()
            .and_then(|t| t.get(&stream.to_string()))
            .map_or(&[][..], Vec::as_slice);
        let expected: Vec<(u64, [u8; 32])> = journal::indexed_texts(entries)
            .into_iter()
            .map(|(seq, body)| (seq, Sha256::digest(body.as_bytes()).into()))
            .collect();
        Ok(stored == expected.as_slice())
    }

    fn put_head_signature(&mut self, r: &SigRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO head_signatures (workspace, stream, seq, hash, key, sig) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (workspace, stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key = excluded.key, sig = excluded.sig",
            )
            .and_then(|mut st| {
                st.execute(params![self.ws, r.stream.to_string(), r.seq as i64, r.hash, r.key, r.sig])
            })
            .map_err(engine)?;
        Ok(())
    }

    fn head_signatures(&mut self) -> Result<Vec<SigRow>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT stream, seq, hash, key, sig FROM head_signatures WHERE workspace = ?1",
            )
            .map_err(engine)?;
        let rows = st
            .query_map([self.ws], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(engine)?;
        let mut out = Vec::new();
        for row in rows {
            let (stream, seq, hash, key, sig) = row.map_err(engine)?;
            out.push(SigRow {
                // A signature row whose journal id is not one names nothing
                // that can be found; it reads as a journal gone.
                stream: Uuid::parse_str(&stream).unwrap_or_default(),
                seq: seq.max(0) as u64,
                hash,
                key,
                sig,
            });
        }
        Ok(out)
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(engine)
    }

    fn put_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map_err(engine)?;
        Ok(())
    }

    fn index_text(&mut self, e: &Entry) -> Result<()> {
        if e.event.stream_kind() != StreamKind::Case {
            return Ok(());
        }
        let body = e.event.texts().join("\n");
        if body.is_empty() {
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "INSERT INTO entry_text (body, workspace, stream, seq) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut st| {
                st.execute(params![body, self.ws, e.stream.to_string(), e.seq as i64])
            })
            .map_err(engine)?;
        Ok(())
    }

    fn entry(&mut self, id: Uuid) -> Result<Option<Entry>> {
        Ok(self
            .query_entries(
                &format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE workspace = ?1 AND id = ?2"),
                params![self.ws, id.to_string()],
            )?
            .pop())
    }

    fn read_stream(&mut self, stream: Uuid) -> Result<(Vec<Entry>, Option<Unreadable>)> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE workspace = ?1 AND stream = ?2 ORDER BY seq"
            ))
            .map_err(engine)?;
        let rows = st
            .query_map(params![self.ws, stream.to_string()], |r| {
                Ok((
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(0)?,
                    entry_from_row(r)?,
                ))
            })
            .map_err(engine)?;
        let mut out = Vec::new();
        for r in rows {
            let (seq, id, cols) = r.map_err(engine)?;
            match exact_entry(cols) {
                Ok(e) => out.push(e),
                Err(e) => {
                    return Ok((
                        out,
                        Some((seq.max(0) as u64, Uuid::parse_str(&id).ok(), e.to_string())),
                    ));
                }
            }
        }
        Ok((out, None))
    }

    fn case_header(&mut self, case: Uuid) -> Result<Option<CaseHeader>> {
        let h: Option<String> = self
            .conn
            .prepare_cached("SELECT header FROM cases WHERE workspace = ?1 AND id = ?2")
            .and_then(|mut st| {
                st.query_row(params![self.ws, case.to_string()], |r| r.get(0))
                    .optional()
            })
            .map_err(engine)?;
        h.map(|h| parse_json("a case's header", &h)).transpose()
    }

    fn case_items(&mut self, case: Uuid, which: Items<'_>) -> Result<Vec<CaseItem>> {
        let mut out = Vec::new();
        self.each_case_item(case, which, &mut |i| out.push(i))?;
        Ok(out)
    }

    fn each_case_item(
        &mut self,
        case: Uuid,
        which: Items<'_>,
        each: &mut dyn FnMut(CaseItem),
    ) -> Result<()> {
        let c = case.to_string();
        match which {
            Items::All => self.items_each(
                "SELECT kind, item FROM case_items WHERE workspace = ?1 AND case_id = ?2 ORDER BY seq",
                params![self.ws, c],
                each,
            ),
            Items::AllBut(k) => self.items_each(
                "SELECT kind, item FROM case_items WHERE workspace = ?1 AND case_id = ?2 AND kind != ?3 ORDER BY seq",
                params![self.ws, c, k.as_str()],
                each,
            ),
            Items::Last(k, n) => self.items_each(
                // The positions from the kind index alone (it holds them),
                // then only those rows: sorting whole rows would copy
                // every item of the kind.
                "SELECT kind, item FROM case_items WHERE workspace = ?1 AND case_id = ?2 AND seq IN (
                     SELECT seq FROM case_items INDEXED BY case_items_by_kind
                     WHERE workspace = ?1 AND case_id = ?2 AND kind = ?3 ORDER BY seq DESC LIMIT ?4
                 ) ORDER BY seq",
                params![self.ws, c, k.as_str(), n.min(i64::MAX as usize) as i64],
                each,
            ),
            Items::OfKind(k) => self.items_each(
                // Without statistics the planner would walk the whole case
                // in position order; the kind index reads only these. Callers sort.
                "SELECT kind, item FROM case_items INDEXED BY case_items_by_kind WHERE workspace = ?1 AND case_id = ?2 AND kind = ?3",
                params![self.ws, c, k.as_str()],
                each,
            ),
            Items::OpenContacts => self.items_each(
                "SELECT kind, item FROM case_items INDEXED BY case_items_by_kind WHERE workspace = ?1 AND case_id = ?2 AND kind = 'contact' AND open = 1",
                params![self.ws, c],
                each,
            ),
            Items::BySeq(seqs) => {
                for seq in seqs {
                    self.items_each(
                        "SELECT kind, item FROM case_items WHERE workspace = ?1 AND case_id = ?2 AND seq = ?3",
                        params![self.ws, c, *seq as i64],
                        each,
                    )?;
                }
                Ok(())
            }
            Items::ByEntry(ids) => {
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    self.items_each(
                        "SELECT kind, item FROM case_items WHERE workspace = ?1 AND entry = ?2 AND case_id = ?3",
                        params![self.ws, id.to_string(), c],
                        &mut |i| out.push(i),
                    )?;
                }
                out.sort_by_key(|i| i.origin().seq);
                out.dedup_by_key(|i| i.origin().seq);
                out.into_iter().for_each(each);
                Ok(())
            }
        }
    }

    fn count_items(&mut self, case: Uuid, kind: ItemKind) -> Result<u64> {
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM case_items INDEXED BY case_items_by_kind WHERE workspace = ?1 AND case_id = ?2 AND kind = ?3",
            )
            .and_then(|mut st| {
                st.query_row(params![self.ws, case.to_string(), kind.as_str()], |r| {
                    r.get::<_, i64>(0)
                })
            })
            .map(|n| n.max(0) as u64)
            .map_err(engine)
    }

    fn put_case(&mut self, handle: u64, h: &CaseHeader, items: &[CaseItem]) -> Result<()> {
        let case = h.id.to_string();
        let closed = h.status.is_closed();
        for item in items {
            let o = item.origin();
            self.conn
                .prepare_cached(
                    "INSERT INTO case_items (workspace, case_id, seq, entry, kind, item, open) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (workspace, case_id, seq) DO UPDATE SET item = excluded.item, open = excluded.open",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        self.ws,
                        case,
                        o.seq as i64,
                        o.entry.to_string(),
                        item.kind().as_str(),
                        item.body_json(),
                        matches!(item, CaseItem::Contact(c) if c.is_open() && !c.origin.retracted),
                    ])
                })
                .map_err(engine)?;
            self.conn
                .prepare_cached("DELETE FROM due_items WHERE workspace = ?1 AND item = ?2")
                .and_then(|mut st| st.execute(params![self.ws, o.entry.to_string()]))
                .map_err(engine)?;
            if let Some(d) = item.due() {
                let kind = due_kind_str(d.kind);
                self.conn
                    .prepare_cached(
                        "INSERT INTO due_items (workspace, item, case_id, seq, kind, what, due_ms, due, open)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    )
                    .and_then(|mut st| {
                        st.execute(params![
                            self.ws,
                            d.item.to_string(),
                            case,
                            d.seq as i64,
                            kind,
                            d.what,
                            d.due.as_millisecond(),
                            d.due.to_string(),
                            !closed
                        ])
                    })
                    .map_err(engine)?;
            }
        }
        // A case that closes or reopens takes its due lines off or back on the list.
        self.conn
            .prepare_cached(
                "UPDATE due_items SET open = ?1 WHERE workspace = ?2 AND case_id = ?3 AND open != ?1",
            )
            .and_then(|mut st| st.execute(params![!closed, self.ws, case]))
            .map_err(engine)?;
        let next_due: Option<i64> = if closed {
            None
        } else {
            self.conn
                .prepare_cached(
                    "SELECT min(due_ms) FROM due_items WHERE workspace = ?1 AND case_id = ?2",
                )
                .and_then(|mut st| st.query_row(params![self.ws, case], |r| r.get(0)))
                .map_err(engine)?
        };
        self.conn
            .prepare_cached(
                "INSERT INTO cases (workspace, id, handle, title, company, status, opened_ms, last_ms, next_due_ms, entries, header, client, helper)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (workspace, id) DO UPDATE SET title = excluded.title, company = excluded.company,
                   status = excluded.status, opened_ms = excluded.opened_ms, last_ms = excluded.last_ms,
                   next_due_ms = excluded.next_due_ms, entries = excluded.entries, header = excluded.header,
                   client = excluded.client, helper = excluded.helper",
            )
            .and_then(|mut st| {
                st.execute(params![
                    self.ws,
                    case,
                    handle as i64,
                    h.title,
                    h.company.map(|c| c.to_string()),
                    h.status.as_str(),
                    ms(h.opened),
                    ms(h.last_at),
                    next_due,
                    h.head as i64,
                    json(h),
                    h.client,
                    h.helper,
                ])
            })
            .map_err(engine)?;
        Ok(())
    }

    fn case_columns(&mut self, case: Uuid) -> Result<Option<CaseColumns>> {
        type Row = (
            i64,
            String,
            Option<String>,
            String,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            i64,
            (Option<String>, Option<String>),
        );
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT handle, title, company, status, opened_ms, last_ms, next_due_ms, entries, client, helper FROM cases WHERE workspace = ?1 AND id = ?2",
                params![self.ws, case.to_string()],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        (r.get(8)?, r.get(9)?),
                    ))
                },
            )
            .optional()
            .map_err(engine)?;
        row.map(
            |(handle, title, company, status, opened, last, due, entries, (client, helper))| {
                Ok(CaseColumns {
                    handle: handle as u64,
                    title,
                    company: company.as_deref().map(uuid).transpose()?,
                    // An unknown status is a stale row, not an unreadable file.
                    status: status_of(&status).unwrap_or(Status::Abandoned),
                    opened: from_ms(opened),
                    last_at: from_ms(last),
                    next_due: from_ms(due),
                    entries: entries as u64,
                    client,
                    helper,
                })
            },
        )
        .transpose()
    }

    fn case_due(&mut self, case: Uuid) -> Result<Vec<DueItem>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT item, seq, kind, what, due FROM due_items WHERE workspace = ?1 AND case_id = ?2 ORDER BY due_ms, seq",
            )
            .map_err(engine)?;
        let rows = st
            .query_map(params![self.ws, case.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(engine)?;
        rows.map(|r| {
            let (item, seq, kind, what, due) = r.map_err(engine)?;
            due_item(uuid(&item)?, seq, &kind, what, &due)
        })
        .collect()
    }

    fn company(&mut self, id: Uuid) -> Result<Option<CompanyState>> {
        let s: Option<String> = self
            .conn
            .prepare_cached("SELECT state FROM companies WHERE workspace = ?1 AND id = ?2")
            .and_then(|mut st| {
                st.query_row(params![self.ws, id.to_string()], |r| r.get(0))
                    .optional()
            })
            .map_err(engine)?;
        s.map(|s| parse_json("a company's state", &s)).transpose()
    }

    fn put_company(&mut self, handle: u64, s: &CompanyState) -> Result<()> {
        let id = s.id.to_string();
        self.conn
            .execute(
                "INSERT INTO companies (workspace, id, handle, name, state) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (workspace, id) DO UPDATE SET name = excluded.name, state = excluded.state",
                params![self.ws, id, handle as i64, s.name, json(s)],
            )
            .map_err(engine)?;
        self.conn
            .execute(
                "DELETE FROM company_names WHERE workspace = ?1 AND company = ?2",
                params![self.ws, id],
            )
            .map_err(engine)?;
        for key in s.match_keys() {
            self.conn
                .execute(
                    "INSERT OR IGNORE INTO company_names (workspace, norm, company) VALUES (?1, ?2, ?3)",
                    params![self.ws, key, id],
                )
                .map_err(engine)?;
        }
        Ok(())
    }

    fn company_keys(&mut self, id: Uuid) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT norm FROM company_names WHERE workspace = ?1 AND company = ?2 ORDER BY norm",
            )
            .map_err(engine)?;
        let rows = st
            .query_map(params![self.ws, id.to_string()], |r| r.get::<_, String>(0))
            .map_err(engine)?;
        rows.map(|r| r.map_err(engine)).collect()
    }

    fn streams_without_rows(&mut self) -> Result<Vec<Uuid>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT stream FROM entries e WHERE workspace = ?1
                 AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.workspace = e.workspace AND s.id = e.stream)",
            )
            .map_err(engine)?;
        let rows = st
            .query_map([self.ws], |r| r.get::<_, String>(0))
            .map_err(engine)?;
        rows.map(|r| uuid(&r.map_err(engine)?)).collect()
    }

    fn company_named(&mut self, norm: &str) -> Result<Option<Uuid>> {
        let id: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT company FROM company_names WHERE workspace = ?1 AND norm = ?2 ORDER BY company LIMIT 1",
            )
            .and_then(|mut st| st.query_row(params![self.ws, norm], |r| r.get(0)).optional())
            .map_err(engine)?;
        id.map(|i| uuid(&i)).transpose()
    }

    fn clear_projections(&mut self) -> Result<()> {
        for table in [
            "due_items",
            "case_items",
            "cases",
            "company_names",
            "companies",
            "entry_text",
        ] {
            self.conn
                .execute(
                    &format!("DELETE FROM {table} WHERE workspace = ?1"),
                    [self.ws],
                )
                .map_err(engine)?;
        }
        Ok(())
    }
}

impl SqliteStore {
    /// A stream's entries, these columns read (in [`ENTRY_COLUMNS`] order).
    fn read_stream_columns(&self, stream: Uuid, columns: &str) -> Result<Vec<Entry>> {
        let rows = self.rows();
        // Positions run from 1 with no gaps, so the last one says how many to
        // make room for (bounded: it is only a hint).
        let last: Option<i64> = rows
            .conn
            .prepare_cached("SELECT max(seq) FROM entries WHERE workspace = ?1 AND stream = ?2")
            .and_then(|mut st| {
                st.query_row(params![self.workspace, stream.to_string()], |r| r.get(0))
            })
            .map_err(engine)?;
        let room = usize::try_from(last.unwrap_or(0)).unwrap_or(0).min(1 << 20);
        rows.query_entries_into(
            Vec::with_capacity(room),
            &format!(
                "SELECT {columns} FROM entries WHERE workspace = ?1 AND stream = ?2 ORDER BY seq"
            ),
            params![self.workspace, stream.to_string()],
        )
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        Self::open_with_timeout(path, Duration::from_secs(5))
    }

    /// As [`open`](Self::open), waiting at most `busy_timeout` for another process's write.
    pub fn open_with_timeout(path: &Path, busy_timeout: Duration) -> Result<SqliteStore> {
        match Self::open_writable(path, busy_timeout) {
            // A file this user may read but not write (or in a folder where
            // the WAL's side files cannot be made) is still read.
            Err(e @ (StoreError::ReadOnly(_) | StoreError::Engine(_))) if path.is_file() => {
                Self::open_read_only(path, busy_timeout).map_err(|_| e)
            }
            other => other,
        }
    }

    /// Opens a file for reading only: no WAL switch, no migration. Writes
    /// are answered "read-only".
    fn open_read_only(path: &Path, busy_timeout: Duration) -> Result<SqliteStore> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
        let plain = Connection::open_with_flags(path, flags);
        // Without the WAL's side files and no way to make them, SQLite reads
        // the file as it is only when told nothing else is writing it.
        let conn = match plain.and_then(|c| {
            c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
                .map(|_| c)
        }) {
            Ok(c) => c,
            Err(_) => {
                let uri = format!("file:{}?immutable=1", path.display());
                Connection::open_with_flags(uri, flags).map_err(engine)?
            }
        };
        conn.busy_timeout(busy_timeout).map_err(engine)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(engine)?;
        if version != LATEST_SCHEMA {
            return Err(StoreError::ReadOnly(path.display().to_string()));
        }
        let (workspace, device) = schema::identity(&conn)?;
        Ok(SqliteStore {
            conn,
            busy_timeout,
            workspace,
            device,
            signing: Signing::default(),
        })
    }

    fn open_writable(path: &Path, busy_timeout: Duration) -> Result<SqliteStore> {
        let not_ours = || StoreError::NotCasefile(path.display().to_string());
        let mut conn = Connection::open(path).map_err(|e| match engine(e) {
            StoreError::NotCasefile(_) => not_ours(),
            other => other,
        })?;
        conn.busy_timeout(busy_timeout).map_err(engine)?;
        // Each CLI command is a short-lived process; checkpointing the WAL on
        // every close would cost two extra fsyncs per note. Commits stay durable.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map_err(engine)?;
        // The WAL is emptied once it holds WAL_PAGES pages. SQLite's own
        // checkpoint after a commit cannot do it here: every process that
        // opens the file first rebuilds the WAL's index by reading the WAL
        // whole, which forgets what was checkpointed, so the WAL was never
        // started again, grew by every note, was read whole by every command
        // and copied whole after every commit.
        //
        // The emptying waits for readers still on the WAL, through the busy
        // handler: with the busy timeout it held a note, already committed,
        // for as long as a reader (the web server streaming a long case, a
        // sqlite3 shell) stayed, up to the whole timeout. It is tried once,
        // without waiting; nothing is lost when it cannot run now: the pages
        // stay in the WAL and a later commit tries again.
        let handle = RawHandle(unsafe { conn.handle() });
        let wait_ms = std::ffi::c_int::try_from(busy_timeout.as_millis()).unwrap_or(i32::MAX);
        conn.wal_hook(Some(
            move |wal: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int| {
                if pages >= WAL_PAGES {
                    handle.busy_timeout(0);
                    let _ = wal.checkpoint_v2(rusqlite::wal::CheckpointMode::TRUNCATE);
                    handle.busy_timeout(wait_ms);
                }
                Ok(())
            },
        ))
        .map_err(engine)?;
        // Reads through a mapping of the file, not a read call per page: a
        // long case's timeline reads thousands of pages. Writes still go
        // through SQLite's own calls; the map only ever grows to the file.
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)
            .map_err(engine)?;
        let mut store = SqliteStore {
            conn,
            busy_timeout,
            workspace: String::new(),
            device: String::new(),
            signing: Signing::default(),
        };
        // Processes making a new file together race to switch it to WAL and
        // to migrate it; SQLite answers some of those steps busy at once,
        // without waiting, so the wait is here, up to the same timeout.
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match store.setup() {
                Ok(()) => return Ok(store),
                Err(StoreError::Busy { .. }) if started.elapsed() < busy_timeout => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(StoreError::Busy { .. }) => {
                    return Err(StoreError::Busy {
                        waited_ms: busy_timeout.as_millis() as u64,
                    });
                }
                Err(StoreError::NotCasefile(_)) => return Err(not_ours()),
                Err(other) => return Err(other),
            }
        }
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(engine)
    }

    /// The workspace this file holds.
    pub fn workspace(&self) -> &str {
        &self.workspace
    }

    /// The device this file's entries are written on.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// Creates a database at only the first `version` migrations: for tests of upgrades.
    pub fn create_at_version(path: &Path, version: i64) -> Result<()> {
        let mut conn = Connection::open(path).map_err(engine)?;
        let tx = conn.transaction().map_err(engine)?;
        schema::migrate(&tx, 0, version)?;
        tx.commit().map_err(engine)
    }

    /// Appends a raw entry with no checks at all: for tests that need a broken chain.
    pub fn append_unchecked_for_tests(&mut self, e: &Entry) -> Result<()> {
        self.rows().insert_entry(e)
    }

    /// Runs raw SQL: for tests that tamper with the file the way an outsider could.
    pub fn execute_for_tests(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(engine)
    }

    fn rows(&self) -> Rows<'_> {
        Rows {
            conn: &self.conn,
            ws: &self.workspace,
            device: &self.device,
            texts: None,
        }
    }

    fn setup(&mut self) -> Result<()> {
        // Version and table count from one snapshot, so a migration committing
        // in another process between the two reads cannot mislead us.
        let (version, tables): (i64, i64) = {
            let tx = self.conn.transaction().map_err(engine)?;
            let v = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(engine)?;
            let t = tx
                .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
                .map_err(engine)?;
            tx.commit().map_err(engine)?;
            (v, t)
        };
        if version > LATEST_SCHEMA {
            return Err(StoreError::NewerSchema {
                found: version,
                known: LATEST_SCHEMA,
            });
        }
        if version == 0 && tables > 0 {
            return Err(StoreError::NotCasefile(String::new()));
        }
        // WAL cannot be entered inside a transaction, so it comes first.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(engine)?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            return Err(StoreError::Engine(format!(
                "could not switch the journal to WAL (got {mode})"
            )));
        }
        self.conn
            .execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .map_err(engine)?;
        if version < LATEST_SCHEMA {
            let busy = self.busy_timeout.as_millis() as u64;
            let tx = begin(&mut self.conn, busy)?;
            // Another process may have migrated while we waited for the lock.
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(engine)?;
            let rebuild = schema::migrate(&tx, now, LATEST_SCHEMA)?;
            let (ws, device) = schema::identity(&tx)?;
            if rebuild {
                journal::rebuild(
                    &mut Rows {
                        conn: &tx,
                        ws: &ws,
                        device: &device,
                        texts: None,
                    },
                    &mut |_, _| {},
                )?;
            }
            tx.commit().map_err(engine)?;
        }
        let (ws, device) = schema::identity(&self.conn)?;
        self.workspace = ws;
        self.device = device;
        Ok(())
    }

    /// A write whose heads this device signs, in the same transaction: the
    /// journals `written` names, every head when `all` (an import) or on the
    /// device's first write here, and the list of journals when one is added.
    fn signed_write<T>(
        &mut self,
        f: impl FnOnce(&mut Rows<'_>) -> Result<T>,
        written: impl Fn(&T) -> Option<&[Entry]>,
        all: bool,
    ) -> Result<T> {
        self.signing.may_write()?;
        let signing = std::mem::take(&mut self.signing);
        let ws = self.workspace.clone();
        let adopt = signing.adopting(&ws);
        let out = self.write(|rows| {
            let out = f(rows)?;
            if let Some(entries) = written(&out) {
                signing.sign_written(rows, &ws, entries, adopt, all)?;
            }
            Ok(out)
        });
        self.signing = signing;
        let out = out.map_err(|e| self.busy(e))?;
        if written(&out).is_some() {
            self.signing.committed(&ws, adopt);
        }
        Ok(out)
    }

    fn busy(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Busy { .. } => StoreError::Busy {
                waited_ms: self.busy_timeout.as_millis() as u64,
            },
            other => other,
        }
    }

    /// Runs `f` over the rows in one write transaction, committed only if it succeeds.
    fn write<T>(&mut self, f: impl FnOnce(&mut Rows<'_>) -> Result<T>) -> Result<T> {
        let busy = self.busy_timeout.as_millis() as u64;
        let tx = begin(&mut self.conn, busy)?;
        let out = f(&mut Rows {
            conn: &tx,
            ws: &self.workspace,
            device: &self.device,
            texts: None,
        })?;
        tx.commit().map_err(|e| match engine(e) {
            StoreError::Busy { .. } => StoreError::Busy { waited_ms: busy },
            other => other,
        })?;
        Ok(out)
    }

    /// Runs `f` over one consistent snapshot of the file.
    fn read<T>(&self, f: impl FnOnce(&mut Rows<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.unchecked_transaction().map_err(engine)?;
        let out = f(&mut Rows {
            conn: &tx,
            ws: &self.workspace,
            device: &self.device,
            texts: None,
        });
        tx.finish().map_err(engine)?;
        out
    }

    /// A case's handle with its state as `load` folds it, in one snapshot.
    fn case_with(
        &self,
        id: Uuid,
        load: impl FnOnce(&mut Rows<'_>) -> Result<Option<casefile_core::CaseState>>,
    ) -> Result<CaseRecord> {
        self.read(|rows| {
            let handle: Option<i64> = rows
                .conn
                .query_row(
                    "SELECT handle FROM cases WHERE workspace = ?1 AND id = ?2",
                    params![rows.ws, id.to_string()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(engine)?;
            match (handle, load(rows)?) {
                (Some(h), Some(state)) => Ok(CaseRecord {
                    handle: h as u64,
                    state,
                }),
                _ => Err(StoreError::NoSuchStream { kind: "case", id }),
            }
        })
    }
}

fn begin(conn: &mut Connection, waited_ms: u64) -> Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| match engine(e) {
            StoreError::Busy { .. } => StoreError::Busy { waited_ms },
            other => other,
        })
}

/// Turns what a person typed into an FTS5 query that cannot be a syntax error:
/// every word quoted, all of them required.
fn fts_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-' && c != '_')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(words.join(" AND "))
    }
}

impl Store for SqliteStore {
    fn append(
        &mut self,
        stream: Uuid,
        expected_head: u64,
        author: &str,
        drafts: Vec<casefile_core::Draft>,
    ) -> Result<Vec<Entry>> {
        if drafts.is_empty() {
            return Ok(vec![]);
        }
        let recorded = journal::recorded_now();
        self.signed_write(
            |rows| journal::append(rows, stream, expected_head, author, recorded, drafts),
            |out| Some(out.as_slice()),
            false,
        )
    }

    fn append_built(
        &mut self,
        case: Uuid,
        state: &casefile_core::CaseState,
        author: &str,
        parts: &Parts,
        build: &mut dyn FnMut(&casefile_core::CaseState) -> Option<Vec<casefile_core::Draft>>,
    ) -> Result<Option<Vec<Entry>>> {
        let recorded = journal::recorded_now();
        self.signed_write(
            |rows| journal::append_built(rows, case, state, author, recorded, parts, build),
            |out| out.as_deref(),
            false,
        )
    }

    fn set_signer(&mut self, key: ed25519_dalek::SigningKey) {
        self.signing.set_key(key);
    }

    fn set_signer_loader(&mut self, load: casefile_store::signing::KeyLoader) {
        self.signing.set_key_loader(load);
    }

    fn set_anchor(&mut self, dir: &std::path::Path) {
        self.signing.set_anchor(dir);
    }

    fn set_signer_unavailable(&mut self, why: String) {
        self.signing.set_unusable(why);
    }

    fn read_stream(&self, stream: Uuid) -> Result<Vec<Entry>> {
        self.read_stream_columns(stream, ENTRY_COLUMNS)
    }

    fn read_stream_without_chain(&self, stream: Uuid) -> Result<Vec<Entry>> {
        // Empty text in place of the author and the chain: nothing copied.
        self.read_stream_columns(
            stream,
            "id, stream, seq, at, recorded, '', event, '', '', series, n",
        )
    }

    fn entry_at(&self, stream: Uuid, seq: u64) -> Result<Option<Entry>> {
        Ok(self
            .rows()
            .query_entries(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM entries WHERE workspace = ?1 AND stream = ?2 AND seq = ?3"
                ),
                params![self.workspace, stream.to_string(), seq as i64],
            )?
            .pop())
    }

    fn entry(&self, id: Uuid) -> Result<Option<Entry>> {
        self.rows().entry(id)
    }

    fn heads(&self) -> Result<Vec<casefile_core::seal::SealedHead>> {
        Ok(self
            .rows()
            .heads()?
            .into_iter()
            .map(|h| casefile_core::seal::SealedHead {
                stream: h.info.id,
                seq: h.info.head_seq,
                hash: h.hash,
            })
            .collect())
    }

    fn put_seal(&mut self, seal: &casefile_core::seal::Seal) -> Result<()> {
        let text = casefile_store::codec::seal_text(seal)?;
        let digest = seal.digest();
        self.write(|rows| {
            rows.conn
                .execute(
                    "INSERT OR IGNORE INTO seals (workspace, made_ms, seal, digest) VALUES (?1, ?2, ?3, ?4)",
                    params![rows.ws, seal.made.as_millisecond(), text, digest],
                )
                .map_err(engine)?;
            Ok(())
        })
    }

    fn calendar_key(&self) -> Result<Option<String>> {
        self.read(|rows| rows.meta("calendar"))
    }

    fn set_calendar_key(&mut self, hash: &str) -> Result<()> {
        self.write(|rows| rows.put_meta("calendar", hash))
            .map_err(|e| self.busy(e))
    }

    fn seals(&self) -> Result<Vec<casefile_core::seal::Seal>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT seal FROM seals WHERE workspace = ?1 ORDER BY made_ms, digest")
            .map_err(engine)?;
        let rows = st
            .query_map([&self.workspace], |r| r.get::<_, String>(0))
            .map_err(engine)?;
        rows.map(|r| casefile_store::codec::seal_of(&r.map_err(engine)?))
            .collect()
    }

    fn streams(&self) -> Result<Vec<StreamInfo>> {
        Ok(self.rows().heads()?.into_iter().map(|h| h.info).collect())
    }

    fn case(&self, id: Uuid) -> Result<CaseRecord> {
        self.case_with(id, |rows| journal::load_case(rows, id))
    }

    fn case_parts(&self, id: Uuid, parts: &Parts) -> Result<CaseRecord> {
        self.case_with(id, |rows| journal::load_parts(rows, id, parts))
    }

    fn count_items(&self, case: Uuid, kind: ItemKind) -> Result<u64> {
        self.read(|rows| rows.count_items(case, kind))
    }

    fn case_by_handle(&self, handle: u64) -> Result<Option<Uuid>> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM cases WHERE workspace = ?1 AND handle = ?2",
                params![self.workspace, handle as i64],
                |r| r.get(0),
            )
            .optional()
            .map_err(engine)?;
        id.map(|s| uuid(&s)).transpose()
    }

    fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRow>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT c.id, c.handle, c.title, c.company, co.name, c.status, c.opened_ms, c.last_ms, c.next_due_ms, c.entries, c.client, c.helper
                 FROM cases c LEFT JOIN companies co ON co.workspace = c.workspace AND co.id = c.company
                 WHERE c.workspace = ?4 AND (?1 IS NULL OR c.status = ?1) AND (?2 IS NULL OR c.company = ?2)
                   AND (?5 IS NULL OR c.helper = ?5)
                 ORDER BY c.last_ms DESC, c.handle DESC LIMIT ?3",
            )
            .map_err(engine)?;
        let rows = st
            .query_map(
                params![
                    filter.status.map(|s| s.as_str()),
                    filter.company.map(|c| c.to_string()),
                    filter.limit.map_or(-1, |l| l as i64),
                    self.workspace,
                    filter.helper,
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                        r.get::<_, Option<i64>>(7)?,
                        r.get::<_, Option<i64>>(8)?,
                        r.get::<_, i64>(9)?,
                        (
                            r.get::<_, Option<String>>(10)?,
                            r.get::<_, Option<String>>(11)?,
                        ),
                    ))
                },
            )
            .map_err(engine)?;
        rows.map(|r| {
            let (
                id,
                handle,
                title,
                company,
                company_name,
                status,
                opened,
                last,
                due,
                entries,
                (client, helper),
            ) = r.map_err(engine)?;
            Ok(CaseRow {
                id: uuid(&id)?,
                handle: handle as u64,
                title,
                company: company.as_deref().map(uuid).transpose()?,
                company_name,
                status: status_of(&status)?,
                opened: from_ms(opened),
                last_at: from_ms(last),
                next_due: from_ms(due),
                entries: entries as u64,
                client,
                helper,
            })
        })
        .collect()
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(q) = fts_query(query) else {
            return Ok(vec![]);
        };
        let cols = ENTRY_COLUMNS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT c.handle, c.title, {cols} FROM entry_text t
                 JOIN entries e ON e.workspace = t.workspace AND e.stream = t.stream AND e.seq = t.seq
                 JOIN cases c ON c.workspace = t.workspace AND c.id = t.stream
                 WHERE entry_text MATCH ?1 AND t.workspace = ?3 ORDER BY rank LIMIT ?2"
            ))
            .map_err(engine)?;
        let mut ids = IdCache::default();
        let rows = st
            .query_map(params![q, limit as i64, self.workspace], |r| {
                let handle: i64 = r.get(0)?;
                let title: String = r.get(1)?;
                Ok((handle, title, entry_in_place(r, 2, &mut ids)))
            })
            .map_err(engine)?;
        rows.map(|r| {
            let (handle, title, entry) = r.map_err(engine)?;
            let entry = entry?;
            Ok(SearchHit {
                case: entry.stream,
                handle: handle as u64,
                title,
                entry,
            })
        })
        .collect()
    }

    fn count_cases(&self, filter: &CaseFilter) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM cases WHERE workspace = ?3 AND (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR company = ?2)
                 AND (?4 IS NULL OR helper = ?4)",
                params![
                    filter.status.map(|s| s.as_str()),
                    filter.company.map(|c| c.to_string()),
                    self.workspace,
                    filter.helper
                ],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(engine)
    }

    fn count_due(&self, until: Timestamp, helper: Option<&str>) -> Result<u64> {
        let count = |sql: &str, p: &[&dyn rusqlite::ToSql]| {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut st| st.query_row(p, |r| r.get::<_, i64>(0)))
                .map(|n| n as u64)
                .map_err(engine)
        };
        let until = until.as_millisecond();
        // Two statements, not one with "?3 IS NULL OR ...": SQLite looked
        // each item's case up even with no helper named (25,000 lookups in
        // the 1,000,000-entry bench).
        match helper {
            None => count(
                "SELECT count(*) FROM due_items WHERE workspace = ?2 AND open = 1 AND due_ms <= ?1",
                &[&until, &self.workspace],
            ),
            Some(h) => count(
                "SELECT count(*) FROM due_items d JOIN cases c ON c.workspace = d.workspace AND c.id = d.case_id
                 WHERE d.workspace = ?2 AND d.open = 1 AND d.due_ms <= ?1 AND c.helper = ?3",
                &[&until, &self.workspace, &h],
            ),
        }
    }

    fn due(
        &self,
        until: Timestamp,
        limit: Option<usize>,
        helper: Option<&str>,
    ) -> Result<Vec<DueRow>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT d.case_id, c.handle, c.title, d.item, d.seq, d.kind, d.what, d.due
                 FROM due_items d JOIN cases c ON c.workspace = d.workspace AND c.id = d.case_id
                 WHERE d.workspace = ?3 AND d.open = 1 AND d.due_ms <= ?1 AND (?4 IS NULL OR c.helper = ?4)
                 ORDER BY d.due_ms, c.handle, d.seq LIMIT ?2",
            )
            .map_err(engine)?;
        let rows = st
            .query_map(
                params![
                    until.as_millisecond(),
                    limit.map_or(-1, |l| l as i64),
                    self.workspace,
                    helper
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                    ))
                },
            )
            .map_err(engine)?;
        rows.map(|r| {
            let (case, handle, title, item, seq, kind, what, due) = r.map_err(engine)?;
            Ok(DueRow {
                case: uuid(&case)?,
                handle: handle as u64,
                title,
                item: due_item(uuid(&item)?, seq, &kind, what, &due)?,
            })
        })
        .collect()
    }

    fn company(&self, id: Uuid) -> Result<CompanyRecord> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT handle, state FROM companies WHERE workspace = ?1 AND id = ?2",
                params![self.workspace, id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(engine)?;
        let (handle, state) = row.ok_or(StoreError::NoSuchStream {
            kind: "company",
            id,
        })?;
        Ok(CompanyRecord {
            handle: handle as u64,
            state: parse_json("a company's state", &state)?,
        })
    }

    fn company_by_name(&self, name: &str) -> Result<Option<Uuid>> {
        let key = normalize_company_name(name);
        if key.is_empty() {
            return Ok(None);
        }
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT company FROM company_names WHERE workspace = ?2 AND norm = ?1 ORDER BY company LIMIT 1",
                params![key, self.workspace],
                |r| r.get(0),
            )
            .optional()
            .map_err(engine)?;
        if let Some(id) = id {
            return Ok(Some(uuid(&id)?));
        }
        // "acme" finds "Acme Broadband" when no other company starts with that word.
        let escaped = key
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT company FROM company_names WHERE workspace = ?2 AND norm LIKE ?1 ESCAPE '\\' LIMIT 2",
            )
            .map_err(engine)?;
        let found: Vec<String> = st
            .query_map(params![format!("{escaped} %"), self.workspace], |r| {
                r.get(0)
            })
            .map_err(engine)?
            .collect::<rusqlite::Result<_>>()
            .map_err(engine)?;
        match found.as_slice() {
            [one] => Ok(Some(uuid(one)?)),
            _ => Ok(None),
        }
    }

    fn companies(&self) -> Result<Vec<CompanyRecord>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT handle, state FROM companies WHERE workspace = ?1 ORDER BY name COLLATE NOCASE",
            )
            .map_err(engine)?;
        let rows = st
            .query_map([&self.workspace], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(engine)?;
        rows.map(|r| {
            let (handle, state) = r.map_err(engine)?;
            Ok(CompanyRecord {
                handle: handle as u64,
                state: parse_json("a company's state", &state)?,
            })
        })
        .collect()
    }

    fn cases_of_company(&self, id: Uuid) -> Result<Vec<CaseRecord>> {
        let ids: Vec<String> = {
            let mut st = self
                .conn
                .prepare_cached(
                    "SELECT id FROM cases WHERE workspace = ?1 AND company = ?2 ORDER BY handle",
                )
                .map_err(engine)?;
            st.query_map(params![self.workspace, id.to_string()], |r| r.get(0))
                .map_err(engine)?
                .collect::<rusqlite::Result<_>>()
                .map_err(engine)?
        };
        ids.iter().map(|c| self.case(uuid(c)?)).collect()
    }

    fn company_items(&self, company: Uuid, kind: ItemKind) -> Result<Vec<(u64, Uuid, CaseItem)>> {
        // One statement, the kind written into it. Lessons have an index of
        // their own and are few: every lesson of the workspace is read from
        // it and its case checked. Any other kind is looked for in each of
        // the company's cases. (The order and the indexes are named: with
        // no statistics SQLite would rather walk every case by number.)
        let from = if kind == ItemKind::Lesson {
            "case_items i INDEXED BY case_items_lessons CROSS JOIN cases c"
        } else {
            "cases c INDEXED BY cases_by_company CROSS JOIN case_items i"
        };
        let sql = format!(
            "SELECT c.handle, c.id, i.item FROM {from}
             WHERE i.workspace = ?1 AND i.kind = '{}' AND c.workspace = ?1 AND c.company = ?2
               AND c.id = i.case_id
             ORDER BY c.handle, i.seq",
            kind.as_str()
        );
        self.read(|rows| {
            let mut st = rows.conn.prepare_cached(&sql).map_err(engine)?;
            let mut found = st
                .query(params![rows.ws, company.to_string()])
                .map_err(engine)?;
            let mut out = Vec::new();
            while let Some(r) = found.next().map_err(engine)? {
                let handle: i64 = r.get(0).map_err(engine)?;
                let id = uuid(r.get_ref(1).and_then(|v| Ok(v.as_str()?)).map_err(engine)?)?;
                let body = r.get_ref(2).and_then(|v| Ok(v.as_str()?)).map_err(engine)?;
                let item = CaseItem::from_body(kind, body).map_err(|e| pipeline::unreadable(&e))?;
                out.push((handle as u64, id, item));
            }
            Ok(out)
        })
    }

    fn verify_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<Vec<Finding>> {
        let signing = &self.signing;
        let ws = &self.workspace;
        self.read(|rows| {
            let mut findings = journal::verify(rows, progress)?;
            findings.extend(signing.findings(rows, ws)?);
            Ok(findings)
        })
    }

    fn rebuild_with(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<()> {
        self.write(|rows| journal::rebuild(rows, progress))
    }

    fn import_with(
        &mut self,
        entries: Vec<Entry>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportSummary> {
        // What a backup brings back, this device vouches for from now on.
        self.signed_write(
            |rows| journal::import(rows, entries, progress),
            |_| Some(&[][..]),
            true,
        )
    }

    fn device(&self) -> Uuid {
        self.rows().device()
    }

    fn entries_after(&self, stream: Uuid, after: u64, limit: usize) -> Result<Vec<Entry>> {
        self.read(|rows| rows.read_after(stream, after, limit))
    }

    fn accept_entries(
        &mut self,
        stream: Uuid,
        base: u64,
        entries: Vec<Entry>,
    ) -> Result<casefile_store::sync::Accepted> {
        // The head signature covers what the store now holds.
        self.signed_write(
            |rows| casefile_store::sync::accept_marked(rows, stream, base, entries),
            |(_, m)| Some(&m[..]),
            false,
        )
        .map(|(done, _)| done)
    }

    fn merge_entries(
        &mut self,
        stream: Uuid,
        have: u64,
        entries: Vec<Entry>,
    ) -> Result<casefile_store::sync::Merged> {
        // The head signature covers what the store now holds.
        self.signed_write(
            |rows| casefile_store::sync::merge_marked(rows, stream, have, entries),
            |(_, m)| Some(&m[..]),
            false,
        )
        .map(|(done, _)| done)
    }

    fn synced(&self, stream: Uuid) -> Result<u64> {
        self.read(|rows| casefile_store::sync::synced(rows, stream))
    }

    fn set_synced(&mut self, stream: Uuid, n: u64) -> Result<()> {
        self.write(|rows| casefile_store::sync::set_synced(rows, stream, n))
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn search_words_are_quoted_so_no_input_is_a_syntax_error() {
        assert_eq!(
            fts_query("refund AND \"x"),
            Some("\"refund\" AND \"AND\" AND \"x\"".into())
        );
        assert_eq!(fts_query("  *** () "), None);
        assert_eq!(fts_query("CAS-1234"), Some("\"CAS-1234\"".into()));
    }
}
