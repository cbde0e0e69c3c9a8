//! The embedded engine: one SQLite file, WAL, durable commits.
//!
//! Durability: `journal_mode=WAL` with `synchronous=FULL` means a commit that
//! returned is on disk; it survives a process crash and a power loss. Every
//! append runs in one `BEGIN IMMEDIATE` transaction with its projections.

use std::path::Path;
use std::time::Duration;

use casefile_core::{
    CaseState, CompanyState, Draft, Entry, GENESIS, Status, StreamKind, normalize_company_name,
    verify_chain,
};
use jiff::Timestamp;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};
use uuid::Uuid;

use crate::*;

/// Each migration moves the schema up one version. `rebuild` asks for the
/// projections to be folded again afterwards.
struct Migration {
    sql: &'static str,
    rebuild: bool,
}

const MIGRATIONS: &[Migration] = &[
    // 1: the journal itself.
    Migration {
        sql: "
        CREATE TABLE streams (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('case', 'company')),
            handle INTEGER NOT NULL,
            head_seq INTEGER NOT NULL,
            head_hash TEXT NOT NULL,
            UNIQUE (kind, handle)
        );
        CREATE TABLE entries (
            stream TEXT NOT NULL REFERENCES streams(id),
            seq INTEGER NOT NULL,
            id TEXT NOT NULL UNIQUE,
            at TEXT NOT NULL,
            recorded TEXT NOT NULL,
            author TEXT NOT NULL,
            kind TEXT NOT NULL,
            event TEXT NOT NULL,
            prev TEXT NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (stream, seq)
        ) WITHOUT ROWID;",
        rebuild: false,
    },
    // 2: projections, folded in Rust from the journal.
    Migration {
        sql: "
        CREATE TABLE cases (
            id TEXT PRIMARY KEY REFERENCES streams(id),
            handle INTEGER NOT NULL UNIQUE,
            title TEXT NOT NULL,
            company TEXT,
            status TEXT NOT NULL,
            opened_ms INTEGER,
            last_ms INTEGER,
            next_due_ms INTEGER,
            entries INTEGER NOT NULL,
            state TEXT NOT NULL
        );
        CREATE INDEX cases_by_status ON cases (status, last_ms);
        CREATE INDEX cases_by_company ON cases (company, last_ms);
        CREATE INDEX cases_by_last ON cases (last_ms);
        CREATE TABLE companies (
            id TEXT PRIMARY KEY REFERENCES streams(id),
            handle INTEGER NOT NULL UNIQUE,
            name TEXT NOT NULL,
            state TEXT NOT NULL
        );
        CREATE TABLE company_names (
            norm TEXT NOT NULL,
            company TEXT NOT NULL REFERENCES companies(id),
            PRIMARY KEY (norm, company)
        );
        CREATE TABLE due_items (
            item TEXT PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases(id),
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            what TEXT NOT NULL,
            due_ms INTEGER NOT NULL,
            due TEXT NOT NULL
        );
        CREATE INDEX due_by_time ON due_items (due_ms);
        CREATE INDEX due_by_case ON due_items (case_id);
        CREATE VIRTUAL TABLE entry_text USING fts5(
            body, stream UNINDEXED, seq UNINDEXED,
            tokenize = 'unicode61 remove_diacritics 2'
        );",
        rebuild: true,
    },
];

/// The schema version this build writes.
pub const LATEST_SCHEMA: i64 = MIGRATIONS.len() as i64;

pub struct SqliteStore {
    conn: Connection,
    busy_timeout: Duration,
}

fn engine(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return StoreError::Busy { waited_ms: 0 };
            }
            ErrorCode::NotADatabase => return StoreError::NotCasefile("the file".into()),
            ErrorCode::DatabaseCorrupt => return StoreError::Corrupt(e.to_string()),
            _ => {}
        }
    }
    StoreError::Engine(e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn parse_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what} cannot be read: {e}")))
}

fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("bad id {s:?}: {e}")))
}

fn ts(s: &str) -> Result<Timestamp> {
    s.parse()
        .map_err(|e| StoreError::Corrupt(format!("bad time {s:?}: {e}")))
}

fn ms(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.as_millisecond())
}

fn kind_str(k: StreamKind) -> &'static str {
    match k {
        StreamKind::Case => "case",
        StreamKind::Company => "company",
    }
}

fn kind_of(s: &str) -> Result<StreamKind> {
    match s {
        "case" => Ok(StreamKind::Case),
        "company" => Ok(StreamKind::Company),
        other => Err(StoreError::Corrupt(format!(
            "unknown stream kind {other:?}"
        ))),
    }
}

fn status_of(s: &str) -> Result<Status> {
    parse_json("a status", &format!("\"{s}\""))
}

const ENTRY_COLUMNS: &str = "id, stream, seq, at, recorded, author, event, prev, hash";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<[String; 9]> {
    Ok([
        r.get(0)?,
        r.get(1)?,
        r.get::<_, i64>(2)?.to_string(),
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ])
}

fn entry_from_cols(c: [String; 9]) -> Result<Entry> {
    let [id, stream, seq, at, recorded, author, event, prev, hash] = c;
    Ok(Entry {
        id: uuid(&id)?,
        stream: uuid(&stream)?,
        seq: seq
            .parse()
            .map_err(|_| StoreError::Corrupt("bad seq".into()))?,
        at: ts(&at)?,
        recorded: ts(&recorded)?,
        author,
        event: parse_json("an entry", &event)?,
        prev,
        hash,
    })
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        Self::open_with_timeout(path, Duration::from_secs(5))
    }

    /// As [`open`](Self::open), waiting at most `busy_timeout` for another process's write.
    pub fn open_with_timeout(path: &Path, busy_timeout: Duration) -> Result<SqliteStore> {
        let not_ours = || StoreError::NotCasefile(path.display().to_string());
        let conn = Connection::open(path).map_err(|e| match engine(e) {
            StoreError::NotCasefile(_) => not_ours(),
            other => other,
        })?;
        conn.busy_timeout(busy_timeout).map_err(engine)?;
        // Each CLI command is a short-lived process; checkpointing the WAL on
        // every close would cost two extra fsyncs per note. The WAL is still
        // checkpointed as it grows (every 1000 pages), and commits stay durable.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map_err(engine)?;
        let mut store = SqliteStore { conn, busy_timeout };
        store.setup().map_err(|e| match e {
            StoreError::NotCasefile(_) => not_ours(),
            other => other,
        })?;
        Ok(store)
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(engine)
    }

    /// Creates a database at only the first `version` migrations: for tests of upgrades.
    pub fn create_at_version(path: &Path, version: i64) -> Result<()> {
        let mut conn = Connection::open(path).map_err(engine)?;
        let tx = conn.transaction().map_err(engine)?;
        for m in &MIGRATIONS[..version as usize] {
            tx.execute_batch(m.sql).map_err(engine)?;
        }
        tx.pragma_update(None, "user_version", version)
            .map_err(engine)?;
        tx.commit().map_err(engine)
    }

    /// Appends a raw entry with no checks at all: for tests that need a broken chain.
    pub fn append_unchecked_for_tests(&mut self, e: &Entry) -> Result<()> {
        insert_entry(&self.conn, e)
    }

    /// Runs raw SQL: for tests that tamper with the file the way an outsider could.
    pub fn execute_for_tests(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(engine)
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
            let tx = self.begin()?;
            // Another process may have migrated while we waited for the lock.
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(engine)?;
            let mut rebuild = false;
            for (i, m) in MIGRATIONS.iter().enumerate().skip(now as usize) {
                tx.execute_batch(m.sql).map_err(engine)?;
                tx.pragma_update(None, "user_version", i as i64 + 1)
                    .map_err(engine)?;
                rebuild |= m.rebuild;
            }
            if rebuild {
                rebuild_in(&tx)?;
            }
            tx.commit().map_err(engine)?;
        }
        Ok(())
    }

    fn begin(&mut self) -> Result<Transaction<'_>> {
        let waited_ms = self.busy_timeout.as_millis() as u64;
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| match engine(e) {
                StoreError::Busy { .. } => StoreError::Busy { waited_ms },
                other => other,
            })
    }

    fn busy(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Busy { .. } => StoreError::Busy {
                waited_ms: self.busy_timeout.as_millis() as u64,
            },
            other => other,
        }
    }
}

fn insert_entry(conn: &Connection, e: &Entry) -> Result<()> {
    conn.prepare_cached(&format!("INSERT INTO entries ({ENTRY_COLUMNS}, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"))
        .and_then(|mut st| {
            st.execute(params![
                e.id.to_string(),
                e.stream.to_string(),
                e.seq as i64,
                e.at.to_string(),
                e.recorded.to_string(),
                e.author,
                json(&e.event),
                e.prev,
                e.hash,
                e.event.kind(),
            ])
        })
        .map_err(|err| match &err {
            rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation => {
                StoreError::Import(format!("entry {} is already stored elsewhere", e.id))
            }
            _ => engine(err),
        })?;
    if e.event.stream_kind() == StreamKind::Case {
        let body = e.event.texts().join("\n");
        if !body.is_empty() {
            conn.prepare_cached("INSERT INTO entry_text (body, stream, seq) VALUES (?1, ?2, ?3)")
                .and_then(|mut st| st.execute(params![body, e.stream.to_string(), e.seq as i64]))
                .map_err(engine)?;
        }
    }
    Ok(())
}

/// Rows of a stream as stored text, unparsed: (seq, id, columns).
fn read_stream_raw(conn: &Connection, stream: Uuid) -> Result<Vec<(i64, String, [String; 9])>> {
    let mut st = conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE stream = ?1 ORDER BY seq"
        ))
        .map_err(engine)?;
    let rows = st
        .query_map([stream.to_string()], |r| {
            Ok((
                r.get::<_, i64>(2)?,
                r.get::<_, String>(0)?,
                entry_from_row(r)?,
            ))
        })
        .map_err(engine)?;
    rows.map(|r| r.map_err(engine)).collect()
}

fn read_stream_in(conn: &Connection, stream: Uuid) -> Result<Vec<Entry>> {
    let mut st = conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE stream = ?1 ORDER BY seq"
        ))
        .map_err(engine)?;
    let rows = st
        .query_map([stream.to_string()], entry_from_row)
        .map_err(engine)?;
    rows.map(|r| r.map_err(engine).and_then(entry_from_cols))
        .collect()
}

fn write_case(tx: &Connection, handle: u64, s: &CaseState) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO cases (id, handle, title, company, status, opened_ms, last_ms, next_due_ms, entries, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, company = excluded.company, status = excluded.status,
           opened_ms = excluded.opened_ms, last_ms = excluded.last_ms, next_due_ms = excluded.next_due_ms,
           entries = excluded.entries, state = excluded.state",
    )
    .and_then(|mut st| {
        st.execute(params![
            s.id.to_string(),
            handle as i64,
            s.title,
            s.company.map(|c| c.to_string()),
            s.status().as_str(),
            ms(s.opened),
            ms(s.last_at),
            ms(if s.status().is_closed() { None } else { s.next_due() }),
            s.seq() as i64,
            json(s),
        ])
    })
    .map_err(engine)?;
    tx.execute(
        "DELETE FROM due_items WHERE case_id = ?1",
        [s.id.to_string()],
    )
    .map_err(engine)?;
    if !s.status().is_closed() {
        let mut st = tx
            .prepare_cached("INSERT INTO due_items (item, case_id, seq, kind, what, due_ms, due) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(engine)?;
        for d in s.due_items() {
            let kind = json(&d.kind);
            st.execute(params![
                d.item.to_string(),
                s.id.to_string(),
                d.seq as i64,
                kind.trim_matches('"'),
                d.what,
                d.due.as_millisecond(),
                d.due.to_string()
            ])
            .map_err(engine)?;
        }
    }
    Ok(())
}

fn write_company(tx: &Connection, handle: u64, s: &CompanyState) -> Result<()> {
    tx.execute(
        "INSERT INTO companies (id, handle, name, state) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, state = excluded.state",
        params![s.id.to_string(), handle as i64, s.name, json(s)],
    )
    .map_err(engine)?;
    tx.execute(
        "DELETE FROM company_names WHERE company = ?1",
        [s.id.to_string()],
    )
    .map_err(engine)?;
    for key in s.match_keys() {
        tx.execute(
            "INSERT INTO company_names (norm, company) VALUES (?1, ?2)",
            params![key, s.id.to_string()],
        )
        .map_err(engine)?;
    }
    Ok(())
}

fn stream_rows(conn: &Connection) -> Result<Vec<StreamInfo>> {
    let mut st = conn
        .prepare_cached("SELECT id, kind, handle, head_seq FROM streams ORDER BY id")
        .map_err(engine)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .map_err(engine)?;
    rows.map(|r| {
        let (id, kind, handle, head) = r.map_err(engine)?;
        Ok(StreamInfo {
            id: uuid(&id)?,
            kind: kind_of(&kind)?,
            handle: handle as u64,
            head_seq: head as u64,
        })
    })
    .collect()
}

/// Folds one stream and writes its projection.
fn project_stream(tx: &Connection, info: &StreamInfo, entries: &[Entry]) -> Result<()> {
    match info.kind {
        StreamKind::Case => {
            let s =
                CaseState::fold(entries).map_err(|(seq, err)| StoreError::Domain { seq, err })?;
            write_case(tx, info.handle, &s)
        }
        StreamKind::Company => {
            let s = CompanyState::fold(entries)
                .map_err(|(seq, err)| StoreError::Domain { seq, err })?;
            write_company(tx, info.handle, &s)
        }
    }
}

fn rebuild_in(tx: &Connection) -> Result<()> {
    tx.execute_batch("DELETE FROM due_items; DELETE FROM cases; DELETE FROM company_names; DELETE FROM companies; DELETE FROM entry_text;")
        .map_err(engine)?;
    for info in stream_rows(tx)? {
        let entries = read_stream_in(tx, info.id)?;
        for e in &entries {
            if e.event.stream_kind() == StreamKind::Case {
                let body = e.event.texts().join("\n");
                if !body.is_empty() {
                    tx.prepare_cached(
                        "INSERT INTO entry_text (body, stream, seq) VALUES (?1, ?2, ?3)",
                    )
                    .and_then(|mut st| {
                        st.execute(params![body, e.stream.to_string(), e.seq as i64])
                    })
                    .map_err(engine)?;
                }
            }
        }
        project_stream(tx, &info, &entries)?;
    }
    Ok(())
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

/// A stream's folded state, as its projection table keeps it: cases and companies.
trait Projected: Default + serde::de::DeserializeOwned {
    /// Reads the stored state of a stream by its id.
    const LOAD: &'static str;
    const WHAT: &'static str;
    fn apply(&mut self, e: &Entry) -> std::result::Result<(), casefile_core::DomainError>;
    fn write(&self, tx: &Connection, handle: u64) -> Result<()>;
}

impl Projected for CaseState {
    const LOAD: &'static str = "SELECT state FROM cases WHERE id = ?1";
    const WHAT: &'static str = "a case's state";
    fn apply(&mut self, e: &Entry) -> std::result::Result<(), casefile_core::DomainError> {
        CaseState::apply(self, e)
    }
    fn write(&self, tx: &Connection, handle: u64) -> Result<()> {
        write_case(tx, handle, self)
    }
}

impl Projected for CompanyState {
    const LOAD: &'static str = "SELECT state FROM companies WHERE id = ?1";
    const WHAT: &'static str = "a company's state";
    fn apply(&mut self, e: &Entry) -> std::result::Result<(), casefile_core::DomainError> {
        CompanyState::apply(self, e)
    }
    fn write(&self, tx: &Connection, handle: u64) -> Result<()> {
        write_company(tx, handle, self)
    }
}

/// Where new entries go and who writes them.
struct Place<'a> {
    stream: Uuid,
    handle: u64,
    recorded: Timestamp,
    author: &'a str,
}

/// Seals each draft after `prev`, applies it to the stream's state (refusing
/// what cannot apply), stores it, and writes the state's projection.
fn append_into<S: Projected>(
    tx: &Connection,
    at: &Place<'_>,
    seq: &mut u64,
    prev: &mut String,
    drafts: Vec<Draft>,
    out: &mut Vec<Entry>,
) -> Result<()> {
    let mut state: S = if *seq == 0 {
        S::default()
    } else {
        let s: String = tx
            .query_row(S::LOAD, [at.stream.to_string()], |r| r.get(0))
            .map_err(engine)?;
        parse_json(S::WHAT, &s)?
    };
    for d in drafts {
        *seq += 1;
        let e = Entry::seal(d, at.stream, *seq, at.recorded, at.author, prev);
        state
            .apply(&e)
            .map_err(|err| StoreError::Domain { seq: *seq, err })?;
        insert_entry(tx, &e)?;
        prev.clone_from(&e.hash);
        out.push(e);
    }
    state.write(tx, at.handle)
}

impl Store for SqliteStore {
    fn append(
        &mut self,
        stream: Uuid,
        expected_head: u64,
        author: &str,
        drafts: Vec<Draft>,
    ) -> Result<Vec<Entry>> {
        let Some(first) = drafts.first() else {
            return Ok(vec![]);
        };
        let first_kind = first.event.stream_kind();
        let tx = self.begin()?;
        let head: Option<(String, i64, i64, String)> = tx
            .query_row(
                "SELECT kind, handle, head_seq, head_hash FROM streams WHERE id = ?1",
                [stream.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(engine)?;
        let (kind, handle, mut seq, mut prev) = match head {
            Some((kind, handle, seq, hash)) => (kind_of(&kind)?, handle as u64, seq as u64, hash),
            None => {
                let handle: i64 = tx
                    .query_row(
                        "SELECT coalesce(max(handle), 0) + 1 FROM streams WHERE kind = ?1",
                        [kind_str(first_kind)],
                        |r| r.get(0),
                    )
                    .map_err(engine)?;
                tx.execute(
                    "INSERT INTO streams (id, kind, handle, head_seq, head_hash) VALUES (?1, ?2, ?3, 0, ?4)",
                    params![stream.to_string(), kind_str(first_kind), handle, GENESIS],
                )
                .map_err(engine)?;
                (first_kind, handle as u64, 0, GENESIS.to_string())
            }
        };
        if seq != expected_head {
            return Err(StoreError::Conflict {
                expected: expected_head,
                actual: seq,
            });
        }
        let recorded = Timestamp::from_millisecond(Timestamp::now().as_millisecond())
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let mut out = Vec::with_capacity(drafts.len());
        let at = Place {
            stream,
            handle,
            recorded,
            author,
        };
        match kind {
            StreamKind::Case => {
                append_into::<CaseState>(&tx, &at, &mut seq, &mut prev, drafts, &mut out)?
            }
            StreamKind::Company => {
                append_into::<CompanyState>(&tx, &at, &mut seq, &mut prev, drafts, &mut out)?
            }
        }
        tx.execute(
            "UPDATE streams SET head_seq = ?1, head_hash = ?2 WHERE id = ?3",
            params![seq as i64, prev, stream.to_string()],
        )
        .map_err(engine)?;
        tx.commit().map_err(|e| self.busy(engine(e)))?;
        Ok(out)
    }

    fn read_stream(&self, stream: Uuid) -> Result<Vec<Entry>> {
        read_stream_in(&self.conn, stream)
    }

    fn streams(&self) -> Result<Vec<StreamInfo>> {
        stream_rows(&self.conn)
    }

    fn case(&self, id: Uuid) -> Result<CaseRecord> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT handle, state FROM cases WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(engine)?;
        let (handle, state) = row.ok_or(StoreError::NoSuchStream { kind: "case", id })?;
        Ok(CaseRecord {
            handle: handle as u64,
            state: parse_json("a case's state", &state)?,
        })
    }

    fn case_by_handle(&self, handle: u64) -> Result<Option<Uuid>> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM cases WHERE handle = ?1",
                [handle as i64],
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
                "SELECT c.id, c.handle, c.title, c.company, co.name, c.status, c.opened_ms, c.last_ms, c.next_due_ms, c.entries
                 FROM cases c LEFT JOIN companies co ON co.id = c.company
                 WHERE (?1 IS NULL OR c.status = ?1) AND (?2 IS NULL OR c.company = ?2)
                 ORDER BY c.last_ms DESC, c.handle DESC LIMIT ?3",
            )
            .map_err(engine)?;
        let rows = st
            .query_map(
                params![
                    filter.status.map(|s| s.as_str()),
                    filter.company.map(|c| c.to_string()),
                    filter.limit.map_or(-1, |l| l as i64)
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
                    ))
                },
            )
            .map_err(engine)?;
        let t = |m: Option<i64>| m.and_then(|m| Timestamp::from_millisecond(m).ok());
        rows.map(|r| {
            let (id, handle, title, company, company_name, status, opened, last, due, entries) =
                r.map_err(engine)?;
            Ok(CaseRow {
                id: uuid(&id)?,
                handle: handle as u64,
                title,
                company: company.as_deref().map(uuid).transpose()?,
                company_name,
                status: status_of(&status)?,
                opened: t(opened),
                last_at: t(last),
                next_due: t(due),
                entries: entries as u64,
            })
        })
        .collect()
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(q) = fts_query(query) else {
            return Ok(vec![]);
        };
        let mut st = self
            .conn
            .prepare_cached(
                &format!("SELECT c.handle, c.title, {} FROM entry_text t JOIN entries e ON e.stream = t.stream AND e.seq = t.seq JOIN cases c ON c.id = t.stream WHERE entry_text MATCH ?1 ORDER BY rank LIMIT ?2",
                ENTRY_COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ")),
            )
            .map_err(engine)?;
        let rows = st
            .query_map(params![q, limit as i64], |r| {
                let handle: i64 = r.get(0)?;
                let title: String = r.get(1)?;
                let mut cols: [String; 9] = Default::default();
                for (i, c) in cols.iter_mut().enumerate() {
                    *c = if i == 2 {
                        r.get::<_, i64>(i + 2)?.to_string()
                    } else {
                        r.get(i + 2)?
                    };
                }
                Ok((handle, title, cols))
            })
            .map_err(engine)?;
        rows.map(|r| {
            let (handle, title, cols) = r.map_err(engine)?;
            let entry = entry_from_cols(cols)?;
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
        // With no filter, a plain count reads the smallest index, not the
        // table (whose rows carry each case's state).
        if filter.status.is_none() && filter.company.is_none() {
            return self
                .conn
                .query_row("SELECT count(*) FROM cases", [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(engine);
        }
        self.conn
            .query_row(
                "SELECT count(*) FROM cases WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR company = ?2)",
                params![filter.status.map(|s| s.as_str()), filter.company.map(|c| c.to_string())],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(engine)
    }

    fn count_due(&self, until: Timestamp) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM due_items WHERE due_ms <= ?1",
                [until.as_millisecond()],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(engine)
    }

    fn due(&self, until: Timestamp, limit: Option<usize>) -> Result<Vec<DueRow>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT d.case_id, c.handle, c.title, d.item, d.seq, d.kind, d.what, d.due FROM due_items d JOIN cases c ON c.id = d.case_id
                 WHERE d.due_ms <= ?1 ORDER BY d.due_ms, c.handle, d.seq LIMIT ?2",
            )
            .map_err(engine)?;
        let rows = st
            .query_map(
                params![until.as_millisecond(), limit.map_or(-1, |l| l as i64)],
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
                item: DueItem {
                    item: uuid(&item)?,
                    seq: seq as u64,
                    kind: parse_json("a due kind", &format!("\"{kind}\""))?,
                    what,
                    due: ts(&due)?,
                },
            })
        })
        .collect()
    }

    fn company(&self, id: Uuid) -> Result<CompanyRecord> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT handle, state FROM companies WHERE id = ?1",
                [id.to_string()],
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
                "SELECT company FROM company_names WHERE norm = ?1 ORDER BY company LIMIT 1",
                [&key],
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
                "SELECT DISTINCT company FROM company_names WHERE norm LIKE ?1 ESCAPE '\\' LIMIT 2",
            )
            .map_err(engine)?;
        let found: Vec<String> = st
            .query_map([format!("{escaped} %")], |r| r.get(0))
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
            .prepare_cached("SELECT handle, state FROM companies ORDER BY name COLLATE NOCASE")
            .map_err(engine)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
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
        let mut st = self
            .conn
            .prepare_cached("SELECT handle, state FROM cases WHERE company = ?1 ORDER BY handle")
            .map_err(engine)?;
        let rows = st
            .query_map([id.to_string()], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(engine)?;
        rows.map(|r| {
            let (handle, state) = r.map_err(engine)?;
            Ok(CaseRecord {
                handle: handle as u64,
                state: parse_json("a case's state", &state)?,
            })
        })
        .collect()
    }

    fn verify(&self) -> Result<Vec<Finding>> {
        let mut findings = Vec::new();
        let mut st = self
            .conn
            .prepare_cached("SELECT head_hash FROM streams WHERE id = ?1")
            .map_err(engine)?;
        for info in stream_rows(&self.conn)? {
            let head_hash: String = st
                .query_row([info.id.to_string()], |r| r.get(0))
                .map_err(engine)?;
            let finding = |chain| Finding {
                kind: info.kind,
                handle: info.handle,
                chain,
            };
            // Read row by row: an entry that no longer parses is itself a finding.
            let mut entries = Vec::new();
            let mut unreadable = None;
            for (seq, id, cols) in read_stream_raw(&self.conn, info.id)? {
                match entry_from_cols(cols) {
                    Ok(e) => entries.push(e),
                    Err(e) => {
                        unreadable = Some(casefile_core::ChainBreak {
                            stream: info.id,
                            seq: seq.max(0) as u64,
                            entry: Uuid::parse_str(&id).ok(),
                            problem: format!("cannot be read, so it was altered: {e}"),
                        });
                        break;
                    }
                }
            }
            if let Some(b) = verify_chain(info.id, &entries, Some((info.head_seq, &head_hash))) {
                // A break before the unreadable entry is the first one.
                let first = match unreadable {
                    Some(u) if u.seq <= b.seq => u,
                    _ => b,
                };
                findings.push(finding(first));
                continue;
            }
            if let Some(u) = unreadable {
                findings.push(finding(u));
                continue;
            }
            // The chain holds; the stored projection must equal a fresh fold.
            let stale = |what: &str| casefile_core::ChainBreak {
                stream: info.id,
                seq: info.head_seq,
                entry: None,
                problem: format!(
                    "the stored {what} is out of step with the journal; run `casefile rebuild`"
                ),
            };
            match info.kind {
                StreamKind::Case => {
                    let fresh = CaseState::fold(&entries);
                    let stored = self.case(info.id).ok().map(|c| c.state);
                    match fresh {
                        Err((seq, err)) => findings.push(finding(casefile_core::ChainBreak {
                            stream: info.id,
                            seq,
                            entry: entries.get(seq as usize - 1).map(|e| e.id),
                            problem: format!("cannot be applied: {err}"),
                        })),
                        Ok(f) if Some(&f) != stored.as_ref() => {
                            findings.push(finding(stale("case view")))
                        }
                        Ok(_) => {}
                    }
                }
                StreamKind::Company => {
                    let fresh = CompanyState::fold(&entries).ok();
                    let stored = self.company(info.id).ok().map(|c| c.state);
                    if fresh != stored {
                        findings.push(finding(stale("company view")));
                    }
                }
            }
        }
        Ok(findings)
    }

    fn rebuild(&mut self) -> Result<()> {
        let tx = self.begin()?;
        rebuild_in(&tx)?;
        tx.commit().map_err(engine)
    }

    fn import(&mut self, entries: Vec<Entry>) -> Result<ImportSummary> {
        // Group by stream, keeping the order in which streams first appear.
        let mut order: Vec<Uuid> = Vec::new();
        let mut by_stream: std::collections::HashMap<Uuid, Vec<Entry>> = Default::default();
        for e in entries {
            if !by_stream.contains_key(&e.stream) {
                order.push(e.stream);
            }
            by_stream.entry(e.stream).or_default().push(e);
        }
        order.sort();
        let tx = self.begin()?;
        let mut summary = ImportSummary::default();
        for stream in order {
            let incoming = by_stream.remove(&stream).unwrap_or_default();
            if let Some(b) = verify_chain(stream, &incoming, None) {
                return Err(StoreError::Import(format!(
                    "stream {stream}, entry {}: {}",
                    b.seq, b.problem
                )));
            }
            let Some(first) = incoming.first() else {
                continue;
            };
            let kind = first.event.stream_kind();
            let existing = read_stream_in(&tx, stream)?;
            for (have, new) in existing.iter().zip(&incoming) {
                if have.hash != new.hash {
                    return Err(StoreError::Import(format!(
                        "stream {stream} differs from the one in this database at entry {}; nothing was imported",
                        have.seq
                    )));
                }
            }
            summary.entries_already_present += existing.len().min(incoming.len());
            if incoming.len() <= existing.len() {
                continue;
            }
            let handle: i64 = if existing.is_empty() {
                let h: i64 = tx
                    .query_row(
                        "SELECT coalesce(max(handle), 0) + 1 FROM streams WHERE kind = ?1",
                        [kind_str(kind)],
                        |r| r.get(0),
                    )
                    .map_err(engine)?;
                tx.execute("INSERT INTO streams (id, kind, handle, head_seq, head_hash) VALUES (?1, ?2, ?3, 0, ?4)", params![stream.to_string(), kind_str(kind), h, GENESIS])
                    .map_err(engine)?;
                summary.streams_added += 1;
                h
            } else {
                tx.query_row(
                    "SELECT handle FROM streams WHERE id = ?1",
                    [stream.to_string()],
                    |r| r.get(0),
                )
                .map_err(engine)?
            };
            for e in &incoming[existing.len()..] {
                insert_entry(&tx, e)?;
                summary.entries_added += 1;
            }
            let last = incoming
                .last()
                .map(|e| (e.seq, e.hash.clone()))
                .unwrap_or_default();
            tx.execute(
                "UPDATE streams SET head_seq = ?1, head_hash = ?2 WHERE id = ?3",
                params![last.0 as i64, last.1, stream.to_string()],
            )
            .map_err(engine)?;
            let info = StreamInfo {
                id: stream,
                kind,
                handle: handle as u64,
                head_seq: last.0,
            };
            project_stream(&tx, &info, &incoming).map_err(|e| match e {
                StoreError::Domain { seq, err } => StoreError::Import(format!(
                    "stream {stream}, entry {seq} cannot be applied: {err}"
                )),
                other => other,
            })?;
        }
        tx.commit().map_err(engine)?;
        Ok(summary)
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
