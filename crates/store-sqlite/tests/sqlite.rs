//! The SQLite engine: the shared conformance suite on real files, and what is
//! particular to SQLite (migrations, locking, tampering with the file).

use std::path::PathBuf;
use std::time::Duration;

use casefile_core::*;
use casefile_store::conformance::Made;
use casefile_store::*;
use casefile_store_sqlite::{LATEST_SCHEMA, SqliteStore};
use uuid::Uuid;

fn fresh() -> Made<SqliteStore> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("casefile.db")).unwrap();
    (store, Box::new(dir))
}

/// Two handles on one file, as two processes would have.
fn pair() -> (SqliteStore, SqliteStore, Box<dyn std::any::Any>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casefile.db");
    let first = SqliteStore::open(&path).unwrap();
    let second = SqliteStore::open(&path).unwrap();
    (first, second, Box::new(dir))
}

/// Tampering as an outsider with the sqlite3 shell could.
fn tamper(s: &mut SqliteStore, t: casefile_store::conformance::Tamper) {
    use casefile_store::conformance::Tamper::*;
    let sql = match t {
        EntryText { stream, seq } => format!(
            "UPDATE entries SET event = replace(event, 'refund', 'rebate') WHERE stream = '{stream}' AND seq = {seq}"
        ),
        DropItem { case, seq } => {
            format!("DELETE FROM case_items WHERE case_id = '{case}' AND seq = {seq}")
        }
        ListRow { case } => {
            format!("UPDATE cases SET title = 'Something else' WHERE id = '{case}'")
        }
        DueLines { case } => format!("DELETE FROM due_items WHERE case_id = '{case}'"),
        CompanyView { company } => format!(
            "UPDATE companies SET state = replace(state, 'Acme', 'Acne') WHERE id = '{company}'"
        ),
        DropStream { stream } => format!(
            "PRAGMA foreign_keys = OFF; DELETE FROM streams WHERE id = '{stream}'; PRAGMA foreign_keys = ON;"
        ),
        SearchText { case, seq } => {
            format!("DELETE FROM entry_text WHERE stream = '{case}' AND seq = {seq}")
        }
        DropSignature { stream } => format!("DELETE FROM head_signatures WHERE stream = '{stream}'"),
        ForgeSignature { stream } => format!(
            "UPDATE head_signatures SET hash = '{}' WHERE stream = '{stream}'",
            "f".repeat(64)
        ),
        CutTail { stream } => format!(
            "DELETE FROM entries WHERE stream = '{stream}' AND seq = (SELECT head_seq FROM streams WHERE id = '{stream}');
             UPDATE streams SET head_seq = head_seq - 1,
               head_hash = (SELECT hash FROM entries WHERE stream = '{stream}' AND seq = streams.head_seq - 1)
             WHERE id = '{stream}';"
        ),
        HideWhole { stream } => format!(
            "PRAGMA foreign_keys = OFF; DELETE FROM entries WHERE stream = '{stream}'; DELETE FROM streams WHERE id = '{stream}';
             DELETE FROM head_signatures WHERE stream = '{stream}'; PRAGMA foreign_keys = ON;"
        ),
    };
    s.execute_for_tests(&sql).unwrap();
}

casefile_store::conformance_tests!(fresh, pair, tamper);

fn t(s: &str) -> jiff::Timestamp {
    format!("2026-11-{s}:00Z").parse().unwrap()
}

fn db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casefile.db");
    (dir, path)
}

/// Sixty notes to append at once, each with its text.
fn sixty_notes(text: impl Fn(usize) -> String) -> Vec<Draft> {
    (0..60)
        .map(|i| {
            Draft::new(
                t("02T10:00"),
                Event::NoteAdded {
                    contact: None,
                    text: text(i),
                },
            )
        })
        .collect()
}

fn open_case(s: &mut SqliteStore, title: &str) -> Uuid {
    let id = Uuid::now_v7();
    s.append(
        id,
        0,
        "owner",
        vec![
            Draft::new(
                t("01T09:00"),
                Event::CaseOpened {
                    title: title.into(),
                    company: None,
                },
            ),
            Draft::new(
                t("01T09:05"),
                Event::NoteAdded {
                    contact: None,
                    text: "refund asked".into(),
                },
            ),
        ],
    )
    .unwrap();
    id
}

#[test]
fn uses_wal_and_full_sync() {
    let (_d, path) = db();
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), LATEST_SCHEMA);
    drop(s);
    let conn = rusqlite_free_check(&path);
    assert!(conn.contains("wal"), "{conn}");
}

/// Reads the journal mode with the sqlite3 shell, as an outsider would.
fn rusqlite_free_check(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sqlite3")
        .arg(path)
        .arg("PRAGMA journal_mode;")
        .output()
        .expect("the sqlite3 shell (Debian package sqlite3) is needed by this test");
    String::from_utf8_lossy(&out.stdout).to_lowercase()
}

#[test]
fn an_older_file_upgrades_in_place_and_gains_its_projections() {
    let (_d, path) = db();
    // A schema-2 file as the previous release wrote it: the journal only
    // (its projections are folded again on upgrade).
    SqliteStore::create_at_version(&path, 2).unwrap();
    let id = Uuid::now_v7();
    let entries = seal_all(
        id,
        "owner",
        vec![
            Draft::new(
                t("01T09:00"),
                Event::CaseOpened {
                    title: "Old router".into(),
                    company: None,
                },
            ),
            Draft::new(
                t("01T09:05"),
                Event::NoteAdded {
                    contact: None,
                    text: "refund asked".into(),
                },
            ),
        ],
        t("01T10:00"),
    );
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let last = entries.last().unwrap();
        conn.execute(
            "INSERT INTO streams (id, kind, handle, head_seq, head_hash) VALUES (?1, 'case', 1, ?2, ?3)",
            rusqlite::params![id.to_string(), last.seq as i64, last.hash],
        )
        .unwrap();
        for e in &entries {
            conn.execute(
                "INSERT INTO entries (id, stream, seq, at, recorded, author, kind, event, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                rusqlite::params![
                    e.id.to_string(),
                    id.to_string(),
                    e.seq as i64,
                    e.at.to_string(),
                    e.recorded.to_string(),
                    e.author,
                    e.event.kind(),
                    serde_json::to_string(&e.event).unwrap(),
                    e.prev,
                    e.hash
                ],
            )
            .unwrap();
        }
    }
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), LATEST_SCHEMA);
    assert_eq!(s.case(id).unwrap().state.title, "Old router");
    assert_eq!(s.read_stream(id).unwrap(), entries, "entries kept verbatim");
    assert_eq!(s.search("refund", 5).unwrap().len(), 1);
    assert!(s.verify().unwrap().is_empty());
    assert!(!s.workspace().is_empty() && !s.device().is_empty());
}

#[test]
fn a_schema_1_file_made_from_scratch_opens() {
    let (_d, path) = db();
    SqliteStore::create_at_version(&path, 1).unwrap();
    let mut s = SqliteStore::open(&path).unwrap();
    open_case(&mut s, "New");
    assert_eq!(s.list_cases(&CaseFilter::default()).unwrap().len(), 1);
}

#[test]
fn a_newer_file_is_refused_and_left_alone() {
    let (_d, path) = db();
    {
        let s = SqliteStore::open(&path).unwrap();
        s.execute_for_tests(&format!("PRAGMA user_version = {};", LATEST_SCHEMA + 1))
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::NewerSchema { found, known }) => {
            assert_eq!((found, known), (LATEST_SCHEMA + 1, LATEST_SCHEMA))
        }
        other => panic!("expected NewerSchema, got {:?}", other.err()),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn files_that_are_not_casefile_databases_are_refused() {
    let (_d, path) = db();
    std::fs::write(
        &path,
        "this is a text file, not a database, and it is long enough to have a header",
    )
    .unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::NotCasefile(_))
    ));
    let (_d2, other) = db();
    let made = std::process::Command::new("sqlite3")
        .arg(&other)
        .arg("CREATE TABLE x (y);")
        .status()
        .expect("the sqlite3 shell is needed by this test");
    assert!(made.success());
    assert!(matches!(
        SqliteStore::open(&other),
        Err(StoreError::NotCasefile(_))
    ));
}

#[test]
fn a_held_write_lock_is_reported_as_busy_after_the_wait() {
    let (_d, path) = db();
    let mut a = SqliteStore::open(&path).unwrap();
    let id = open_case(&mut a, "Router");
    a.execute_for_tests("BEGIN IMMEDIATE;").unwrap();
    let mut b = SqliteStore::open_with_timeout(&path, Duration::from_millis(200)).unwrap();
    let err = b
        .append(
            id,
            2,
            "owner",
            vec![Draft::new(
                t("02T00:00"),
                Event::NoteAdded {
                    contact: None,
                    text: "x".into(),
                },
            )],
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Busy { waited_ms: 200 }),
        "{err:?}"
    );
    a.execute_for_tests("ROLLBACK;").unwrap();
    b.append(
        id,
        2,
        "owner",
        vec![Draft::new(
            t("02T00:00"),
            Event::NoteAdded {
                contact: None,
                text: "x".into(),
            },
        )],
    )
    .unwrap();
}

#[test]
fn verify_names_edits_deletions_and_stale_projections() {
    let (_d, path) = db();
    let mut s = SqliteStore::open(&path).unwrap();
    let a = open_case(&mut s, "A");
    let b = open_case(&mut s, "B");
    s.append(
        b,
        2,
        "owner",
        vec![Draft::new(
            t("02T00:00"),
            Event::NoteAdded {
                contact: None,
                text: "third".into(),
            },
        )],
    )
    .unwrap();
    assert!(s.verify().unwrap().is_empty());

    s.execute_for_tests(&format!("UPDATE entries SET event = replace(event, 'refund asked', 'nothing asked') WHERE stream = '{a}' AND seq = 2")).unwrap();
    s.execute_for_tests(&format!(
        "DELETE FROM entries WHERE stream = '{b}' AND seq = 3"
    ))
    .unwrap();
    let f = s.verify().unwrap();
    assert_eq!(f.len(), 2, "{f:?}");
    let fa = f.iter().find(|x| x.chain.stream == a).unwrap();
    assert_eq!((fa.handle, fa.chain.seq), (1, 2));
    assert!(fa.chain.problem.contains("altered"));
    let fb = f.iter().find(|x| x.chain.stream == b).unwrap();
    assert_eq!(fb.chain.seq, 3);

    let (_d2, path2) = db();
    let mut s2 = SqliteStore::open(&path2).unwrap();
    let c = open_case(&mut s2, "C");
    s2.execute_for_tests(&format!(
        "UPDATE cases SET header = replace(header, '\"C\"', '\"Z\"') WHERE id = '{c}'"
    ))
    .unwrap();
    let f = s2.verify().unwrap();
    assert!(f[0].chain.problem.contains("rebuild"), "{f:?}");
    s2.rebuild().unwrap();
    assert!(s2.verify().unwrap().is_empty());
    assert_eq!(s2.case(c).unwrap().state.title, "C");
}

/// A full disk (SQLite's page limit stands in for it) is named as such,
/// and the append that met it leaves nothing behind.
#[test]
fn a_full_disk_is_named_and_nothing_is_half_written() {
    let (_dir, path) = db();
    let mut s = SqliteStore::open(&path).unwrap();
    let case = open_case(&mut s, "Full");
    s.execute_for_tests("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let pages: i64 = {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap()
    };
    s.execute_for_tests(&format!("PRAGMA max_page_count = {pages}"))
        .unwrap();
    let big = "a long note ".repeat(5_000);
    let err = s
        .append(
            case,
            2,
            "owner",
            vec![Draft::new(
                t("01T10:00"),
                Event::NoteAdded {
                    contact: None,
                    text: big,
                },
            )],
        )
        .unwrap_err();
    assert!(
        matches!(err, casefile_store::StoreError::DiskFull),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "the disk is full: nothing was written");
    assert_eq!(s.read_stream(case).unwrap().len(), 2);
    assert!(s.verify().unwrap().is_empty());
}

#[test]
fn devices_converge_through_a_server() {
    let mut moved = 0;
    for seed in 0..6 {
        let (mut server, _s) = fresh();
        let (mut a, _a) = fresh();
        let (mut b, _b) = fresh();
        let (mut c, _c) = fresh();
        let r = casefile_store::conformance::devices_converge_through_a_server(
            &mut server,
            &mut [&mut a, &mut b, &mut c],
            seed,
        );
        assert!(r.pulled > 0 && r.pushed > 0, "seed {seed}: {r:?}");
        moved += r.moved;
    }
    // Offline writes on two devices at once happened, and were merged.
    assert!(moved > 0);
}

#[test]
fn a_server_refuses_an_altered_entry() {
    let (mut server, _s) = fresh();
    let (mut device, _d) = fresh();
    casefile_store::conformance::a_server_refuses_an_altered_entry(&mut server, &mut device);
}

#[test]
fn a_journal_from_before_series_grows_and_syncs() {
    let (mut server, _s) = fresh();
    let (mut device, _d) = fresh();
    let (mut other, _o) = fresh();
    casefile_store::conformance::a_journal_from_before_series_grows_and_syncs(
        &mut server,
        &mut device,
        &mut other,
    );
}

/// A long case is read on two threads; a row that cannot be read there is
/// named as it is on one, with nothing half-returned and no panic.
#[test]
fn a_bad_row_deep_in_a_long_case_is_named() {
    let (_dir, path) = db();
    let mut s = SqliteStore::open(&path).unwrap();
    let id = open_case(&mut s, "Long");
    for batch in 0..10 {
        let drafts = sixty_notes(|i| format!("note {batch}-{i}"));
        let head = s.case(id).unwrap().state.seq();
        s.append(id, head, "owner", drafts).unwrap();
    }
    assert_eq!(s.read_stream(id).unwrap().len(), 602);
    assert_eq!(s.case(id).unwrap().state.notes.len(), 601);
    s.execute_for_tests(&format!(
        "UPDATE entries SET event = '{{\"type\":\"note_added\",\"text\":' WHERE stream = '{id}' AND seq = 500;
         UPDATE case_items SET item = '{{\"text\":' WHERE case_id = '{id}' AND seq = 480;"
    ))
    .unwrap();
    for read in [
        s.read_stream(id).map(|_| ()),
        s.read_stream_without_chain(id).map(|_| ()),
        s.case(id).map(|_| ()),
    ] {
        match read {
            Err(StoreError::Corrupt(why)) => assert!(why.contains("cannot be read"), "{why}"),
            other => panic!("expected the bad row named, got {other:?}"),
        }
    }
}

/// The WAL is emptied after a commit once it is long. A reader still on it
/// must not hold the writer, whose entries are already safe, for the whole
/// busy timeout: the emptying is tried once and left to a later commit.
#[test]
fn a_reader_on_a_long_wal_does_not_hold_up_a_write() {
    let (_d, path) = db();
    let wal = path.with_extension("db-wal");
    let wal_pages = || std::fs::metadata(&wal).map_or(0, |m| m.len() / 4096);
    let mut w = SqliteStore::open_with_timeout(&path, Duration::from_secs(600)).unwrap();
    let id = open_case(&mut w, "Router");
    let reader = rusqlite::Connection::open(&path).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
        .unwrap();
    let notes = move |w: &mut SqliteStore, batches: usize| {
        for batch in 0..batches {
            let drafts = sixty_notes(|i| {
                format!("note {batch}-{i}: {}", "the router drops out ".repeat(20))
            });
            let head = w.case(id).unwrap().state.seq();
            w.append(id, head, "owner", drafts).unwrap();
        }
    };
    let (done, finished) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        notes(&mut w, 6);
        done.send(()).unwrap();
        w
    });
    // Held up, the writer would wait out its ten minutes at the first commit
    // past the WAL's limit.
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("a reader on the WAL held the writer up");
    let mut w = writer.join().unwrap();
    assert!(
        wal_pages() > 256,
        "the WAL was not past its limit: {}",
        wal_pages()
    );
    // With the reader gone, the next commit empties it.
    drop(reader);
    notes(&mut w, 1);
    assert_eq!(wal_pages(), 0);
}
