//! The server engine: PostgreSQL, for helpers and organisations.
//!
//! A [`PgStore`] is one connection scoped to one workspace; every query names
//! the workspace, so one database holds thousands of them side by side (and
//! Citus can spread them by that column). What an append, verify, rebuild or
//! import must do is decided once in [`casefile_store::journal`]; this crate
//! holds only rows and SQL.
//!
//! Concurrency: an append locks its stream's row (`SELECT ... FOR UPDATE`),
//! so appends to one case queue and a stale head is a conflict, while appends
//! to different cases run side by side. New handles and company names are
//! taken under a per-workspace advisory lock. Commits are durable as the
//! server is configured (`synchronous_commit` on by default).

use std::cell::RefCell;
use std::collections::HashMap;

use casefile_core::{
    CaseHeader, CaseItem, CompanyState, DueItem, Entry, GENESIS, ItemKind, StreamKind,
    normalize_company_name,
};
use casefile_store::codec::*;
use casefile_store::journal::{self, CaseColumns, Head, Items, SigRow, Tx, Unreadable};
use casefile_store::signing::Signing;
use casefile_store::*;
use jiff::Timestamp;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, NoTls, Row, Statement, Transaction};
use uuid::Uuid;

mod accounts;
mod schema;

pub use accounts::{Account, Member, SessionOf};

pub use schema::LATEST_SCHEMA;

/// The name of the workspace a database URL alone opens.
pub const DEFAULT_WORKSPACE: &str = "default";

pub struct PgStore {
    conn: RefCell<Conn>,
    workspace: Uuid,
    device: Uuid,
    /// The server's key, and the notes beside it: each head written is signed.
    signing: Signing,
}

/// A connection with its prepared statements, kept for its life.
struct Conn {
    client: Held,
    stmts: HashMap<String, Statement>,
}

/// The client, closed off the async threads: closing it blocks, which a
/// tokio worker (a server shutting down, a pool dropped in a handler) forbids.
struct Held(Option<Client>);

impl std::ops::Deref for Held {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.0.as_ref().expect("the client is held until dropped")
    }
}

impl std::ops::DerefMut for Held {
    fn deref_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("the client is held until dropped")
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(client) = self.0.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            std::thread::spawn(move || drop(client));
        }
    }
}

pub(crate) fn engine(e: postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::LOCK_NOT_AVAILABLE
            || *code == SqlState::QUERY_CANCELED
        {
            return StoreError::Busy { waited_ms: 0 };
        }
        if *code == SqlState::DISK_FULL {
            return StoreError::DiskFull;
        }
        if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
            return StoreError::ReadOnly(
                "the PostgreSQL server (a read-only replica, or in recovery)".into(),
            );
        }
        return StoreError::Engine(format!("PostgreSQL said: {}", db.message()));
    }
    if e.is_closed() {
        return StoreError::Engine("the connection to PostgreSQL was closed".into());
    }
    StoreError::Engine(format!("PostgreSQL: {e}"))
}

fn unique_violation(e: &postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// A database URL with any password left out, for messages.
pub fn redacted(url: &str) -> String {
    match url.parse::<postgres::Config>() {
        Ok(c) => {
            let host = c
                .get_hosts()
                .iter()
                .map(|h| match h {
                    postgres::config::Host::Tcp(h) => h.clone(),
                    postgres::config::Host::Unix(p) => p.display().to_string(),
                })
                .collect::<Vec<_>>()
                .join(",");
            let port = c
                .get_ports()
                .first()
                .map_or(String::new(), |p| format!(":{p}"));
            let user = c.get_user().map_or(String::new(), |u| format!("{u}@"));
            let db = c.get_dbname().unwrap_or("");
            format!("postgres://{user}{host}{port}/{db}")
        }
        Err(_) => "the database URL".into(),
    }
}

/// Reads a row's columns as an entry, in [`ENTRY_COLUMNS`] order from `at`.
fn entry_cols(r: &Row, at: usize) -> Result<EntryCols> {
    let get_err = |e: postgres::Error| StoreError::Corrupt(format!("an entry cannot be read: {e}"));
    Ok(EntryCols {
        id: r.try_get(at).map_err(get_err)?,
        stream: r.try_get(at + 1).map_err(get_err)?,
        seq: r.try_get(at + 2).map_err(get_err)?,
        at: r.try_get(at + 3).map_err(get_err)?,
        recorded: r.try_get(at + 4).map_err(get_err)?,
        author: r.try_get(at + 5).map_err(get_err)?,
        event: r.try_get(at + 6).map_err(get_err)?,
        prev: r.try_get(at + 7).map_err(get_err)?,
        hash: r.try_get(at + 8).map_err(get_err)?,
        series: r
            .try_get::<_, Option<Uuid>>(at + 9)
            .map_err(get_err)?
            .map(|s| s.to_string()),
        n: r.try_get(at + 10).map_err(get_err)?,
    })
}

/// An entry's words for search: lower case, diacritics dropped ("Montréal"
/// is found by "montreal"), split at anything not a letter or digit.
pub fn fold_words(text: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A stored item from its kind and body columns.
fn item_of(kind: &str, body: &str) -> Result<CaseItem> {
    let k = ItemKind::parse(kind).ok_or_else(|| {
        StoreError::Corrupt(format!("a case's item has an unknown kind {kind:?}"))
    })?;
    CaseItem::from_body(k, body)
        .map_err(|e| StoreError::Corrupt(format!("a case's item cannot be read: {e}")))
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// Where statements run: inside a transaction, or alone (a single statement
/// is its own consistent snapshot, and skips two round trips).
enum On<'a, 'c> {
    Tx(&'a mut Transaction<'c>),
    Alone(&'a mut Client),
}

impl On<'_, '_> {
    fn prepare(&mut self, sql: &str) -> std::result::Result<Statement, postgres::Error> {
        match self {
            On::Tx(t) => t.prepare(sql),
            On::Alone(c) => c.prepare(sql),
        }
    }

    fn query(
        &mut self,
        st: &Statement,
        p: Params<'_>,
    ) -> std::result::Result<Vec<Row>, postgres::Error> {
        match self {
            On::Tx(t) => t.query(st, p),
            On::Alone(c) => c.query(st, p),
        }
    }

    fn query_opt(
        &mut self,
        st: &Statement,
        p: Params<'_>,
    ) -> std::result::Result<Option<Row>, postgres::Error> {
        match self {
            On::Tx(t) => t.query_opt(st, p),
            On::Alone(c) => c.query_opt(st, p),
        }
    }

    fn execute(
        &mut self,
        st: &Statement,
        p: Params<'_>,
    ) -> std::result::Result<u64, postgres::Error> {
        match self {
            On::Tx(t) => t.execute(st, p),
            On::Alone(c) => c.execute(st, p),
        }
    }
}

/// The row verbs inside one transaction (or one statement), scoped to the workspace.
struct Rows<'a, 'c> {
    tx: On<'a, 'c>,
    stmts: &'a mut HashMap<String, Statement>,
    ws: Uuid,
    device: Uuid,
}

impl Rows<'_, '_> {
    fn prepared(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).map_err(engine)?;
        self.stmts.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    fn query(&mut self, sql: &str, p: Params<'_>) -> Result<Vec<Row>> {
        let st = self.prepared(sql)?;
        self.tx.query(&st, p).map_err(engine)
    }

    fn opt(&mut self, sql: &str, p: Params<'_>) -> Result<Option<Row>> {
        let st = self.prepared(sql)?;
        self.tx.query_opt(&st, p).map_err(engine)
    }

    fn exec(&mut self, sql: &str, p: Params<'_>) -> Result<u64> {
        let st = self.prepared(sql)?;
        self.tx.execute(&st, p).map_err(engine)
    }

    /// Holds a lock named by this workspace and `what` until the transaction ends.
    fn lock(&mut self, what: &str) -> Result<()> {
        let key = format!("{}:{what}", self.ws);
        self.exec(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&key],
        )?;
        Ok(())
    }

    fn entries(&mut self, sql: &str, p: Params<'_>) -> Result<Vec<Entry>> {
        self.query(sql, p)?
            .iter()
            .map(|r| entry_cols(r, 0)?.entry())
            .collect()
    }

    fn items(&mut self, sql: &str, p: Params<'_>) -> Result<Vec<CaseItem>> {
        self.query(sql, p)?
            .iter()
            .map(|r| item_of(r.get(0), r.get(1)))
            .collect()
    }

    fn head_row(r: &Row) -> Result<Head> {
        Ok(Head {
            info: StreamInfo {
                id: r.get(0),
                kind: kind_of(r.get(1))?,
                handle: r.get::<_, i64>(2) as u64,
                head_seq: r.get::<_, i64>(3) as u64,
            },
            hash: r.get(4),
        })
    }

    fn case_handle(&mut self, case: Uuid) -> Result<Option<u64>> {
        Ok(self
            .opt(
                "SELECT handle FROM cases WHERE workspace = $1 AND id = $2",
                &[&self.ws.clone(), &case],
            )?
            .map(|r| r.get::<_, i64>(0) as u64))
    }
}

impl Tx for Rows<'_, '_> {
    fn device(&self) -> Uuid {
        self.device
    }

    fn series_head(&mut self, stream: Uuid, series: Option<Uuid>) -> Result<Option<(u64, String)>> {
        let ws = self.ws;
        let row = match series {
            Some(s) => self.opt(
                "SELECT n, hash FROM entries WHERE workspace = $1 AND stream = $2 AND series = $3 ORDER BY n DESC LIMIT 1",
                &[&ws, &stream, &s],
            )?,
            None => self.opt(
                "SELECT seq, hash FROM entries WHERE workspace = $1 AND stream = $2 AND series IS NULL ORDER BY seq DESC LIMIT 1",
                &[&ws, &stream],
            )?,
        };
        Ok(row.map(|r| (r.get::<_, i64>(0) as u64, r.get(1))))
    }

    fn read_after(&mut self, stream: Uuid, after: u64, limit: usize) -> Result<Vec<Entry>> {
        let ws = self.ws;
        self.entries(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE workspace = $1 AND stream = $2 AND seq > $3 ORDER BY seq LIMIT $4"
            ),
            &[
                &ws,
                &stream,
                &(after as i64),
                &i64::try_from(limit).unwrap_or(i64::MAX),
            ],
        )
    }

    fn move_entries(&mut self, stream: Uuid, moves: &[(Uuid, u64)]) -> Result<()> {
        let ws = self.ws;
        // Two steps, so no position is held twice in between.
        for (id, seq) in moves {
            self.exec(
                "UPDATE entries SET seq = $3 WHERE workspace = $1 AND id = $2",
                &[&ws, id, &(-(*seq as i64))],
            )?;
        }
        self.exec(
            "UPDATE entries SET seq = -seq WHERE workspace = $1 AND stream = $2 AND seq < 0",
            &[&ws, &stream],
        )?;
        Ok(())
    }

    fn clear_case(&mut self, case: Uuid) -> Result<()> {
        let ws = self.ws;
        for sql in [
            "DELETE FROM due_items WHERE workspace = $1 AND case_id = $2",
            "DELETE FROM case_items WHERE workspace = $1 AND case_id = $2",
            "DELETE FROM entry_words WHERE workspace = $1 AND stream = $2",
        ] {
            self.exec(sql, &[&ws, &case])?;
        }
        Ok(())
    }

    fn head(&mut self, stream: Uuid) -> Result<Option<Head>> {
        // The row lock queues writers of one stream; the second reads the
        // first's head once it commits, and so sees a conflict.
        let ws = self.ws;
        self.opt(
            "SELECT id, kind, handle, head_seq, head_hash FROM streams WHERE workspace = $1 AND id = $2 FOR UPDATE",
            &[&ws, &stream],
        )?
        .map(|r| Self::head_row(&r))
        .transpose()
    }

    fn create_stream(&mut self, stream: Uuid, kind: StreamKind) -> Result<u64> {
        self.lock("handles")?;
        let ws = self.ws;
        let kind = kind_str(kind);
        let handle: i64 = self.query(
            "SELECT coalesce(max(handle), 0) + 1 FROM streams WHERE workspace = $1 AND kind = $2",
            &[&ws, &kind],
        )?[0]
            .get(0);
        let made = self.exec(
            "INSERT INTO streams (workspace, id, kind, handle, head_seq, head_hash) VALUES ($1, $2, $3, $4, 0, $5)
             ON CONFLICT (workspace, id) DO NOTHING",
            &[&ws, &stream, &kind, &handle, &GENESIS],
        )?;
        if made == 0 {
            // Another writer began the same stream first.
            return Err(StoreError::Conflict {
                expected: 0,
                actual: 1,
            });
        }
        Ok(handle as u64)
    }

    fn set_head(&mut self, stream: Uuid, seq: u64, hash: &str) -> Result<()> {
        let ws = self.ws;
        self.exec(
            "UPDATE streams SET head_seq = $1, head_hash = $2 WHERE workspace = $3 AND id = $4",
            &[&(seq as i64), &hash, &ws, &stream],
        )?;
        Ok(())
    }

    fn heads(&mut self) -> Result<Vec<Head>> {
        let ws = self.ws;
        self.query(
            "SELECT id, kind, handle, head_seq, head_hash FROM streams WHERE workspace = $1 ORDER BY id",
            &[&ws],
        )?
        .iter()
        .map(Self::head_row)
        .collect()
    }

    fn insert_entry(&mut self, e: &Entry) -> Result<()> {
        let (ws, device) = (self.ws, self.device);
        let st = self.prepared(&format!(
            "INSERT INTO entries (workspace, device, kind, {ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))?;
        let device = e.series.unwrap_or(device);
        let n = e.series.is_some().then_some(e.n as i64);
        self.tx
            .execute(
                &st,
                &[
                    &ws,
                    &device,
                    &e.event.kind(),
                    &e.id,
                    &e.stream,
                    &(e.seq as i64),
                    &e.at.to_string(),
                    &e.recorded.to_string(),
                    &e.author,
                    &json(&e.event),
                    &e.prev,
                    &e.hash,
                    &e.series,
                    &n,
                ],
            )
            .map_err(|err| {
                if unique_violation(&err) {
                    StoreError::Import(format!("entry {} is already stored elsewhere", e.id))
                } else {
                    engine(err)
                }
            })?;
        self.index_text(e)
    }

    fn text_matches(&mut self, stream: Uuid, entries: &[Entry]) -> Result<bool> {
        let ws = self.ws;
        let stored: Vec<(u64, Vec<String>)> = self
            .query(
                "SELECT seq, words FROM entry_words WHERE workspace = $1 AND stream = $2 ORDER BY seq",
                &[&ws, &stream],
            )?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<_, i64>(0).map_err(engine)? as u64,
                    r.try_get::<_, Vec<String>>(1).map_err(engine)?,
                ))
            })
            .collect::<Result<_>>()?;
        let expected: Vec<(u64, Vec<String>)> = journal::indexed_texts(entries)
            .into_iter()
            .map(|(seq, body)| (seq, fold_words(&body)))
            .filter(|(_, w)| !w.is_empty())
            .collect();
        Ok(stored == expected)
    }

    fn put_head_signature(&mut self, r: &SigRow) -> Result<()> {
        let ws = self.ws;
        self.exec(
            "INSERT INTO head_signatures (workspace, stream, seq, hash, key, sig) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (workspace, stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key = excluded.key, sig = excluded.sig",
            &[&ws, &r.stream, &(r.seq as i64), &r.hash, &r.key, &r.sig],
        )?;
        Ok(())
    }

    fn head_signatures(&mut self) -> Result<Vec<SigRow>> {
        let ws = self.ws;
        self.query(
            "SELECT stream, seq, hash, key, sig FROM head_signatures WHERE workspace = $1",
            &[&ws],
        )?
        .iter()
        .map(|r| {
            Ok(SigRow {
                stream: r.try_get(0).map_err(engine)?,
                seq: r.try_get::<_, i64>(1).map_err(engine)?.max(0) as u64,
                hash: r.try_get(2).map_err(engine)?,
                key: r.try_get(3).map_err(engine)?,
                sig: r.try_get(4).map_err(engine)?,
            })
        })
        .collect()
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        let ws = self.ws;
        Ok(self
            .opt(
                "SELECT value FROM workspace_meta WHERE workspace = $1 AND key = $2",
                &[&ws, &key],
            )?
            .map(|r| r.get(0)))
    }

    fn put_meta(&mut self, key: &str, value: &str) -> Result<()> {
        let ws = self.ws;
        self.exec(
            "INSERT INTO workspace_meta (workspace, key, value) VALUES ($1, $2, $3)
             ON CONFLICT (workspace, key) DO UPDATE SET value = excluded.value",
            &[&ws, &key, &value],
        )?;
        Ok(())
    }

    fn index_text(&mut self, e: &Entry) -> Result<()> {
        if e.event.stream_kind() != StreamKind::Case {
            return Ok(());
        }
        let words = fold_words(&e.event.texts().join("\n"));
        if words.is_empty() {
            return Ok(());
        }
        let ws = self.ws;
        self.exec(
            "INSERT INTO entry_words (workspace, stream, seq, words) VALUES ($1, $2, $3, $4)
             ON CONFLICT (workspace, stream, seq) DO UPDATE SET words = excluded.words",
            &[&ws, &e.stream, &(e.seq as i64), &words],
        )?;
        Ok(())
    }

    fn entry(&mut self, id: Uuid) -> Result<Option<Entry>> {
        let ws = self.ws;
        Ok(self
            .entries(
                &format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE workspace = $1 AND id = $2"),
                &[&ws, &id],
            )?
            .pop())
    }

    fn read_stream(&mut self, stream: Uuid) -> Result<(Vec<Entry>, Option<Unreadable>)> {
        let ws = self.ws;
        let rows = self.query(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE workspace = $1 AND stream = $2 ORDER BY seq"
            ),
            &[&ws, &stream],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            match entry_cols(r, 0).and_then(EntryCols::exact_entry) {
                Ok(e) => out.push(e),
                Err(e) => {
                    let seq: i64 = r.try_get(2).unwrap_or_default();
                    let id: Option<Uuid> = r.try_get(0).ok();
                    return Ok((out, Some((seq.max(0) as u64, id, e.to_string()))));
                }
            }
        }
        Ok((out, None))
    }

    fn case_header(&mut self, case: Uuid) -> Result<Option<CaseHeader>> {
        let ws = self.ws;
        self.opt(
            "SELECT header FROM cases WHERE workspace = $1 AND id = $2",
            &[&ws, &case],
        )?
        .map(|r| parse_json("a case's header", r.get(0)))
        .transpose()
    }

    fn case_items(&mut self, case: Uuid, which: Items<'_>) -> Result<Vec<CaseItem>> {
        let ws = self.ws;
        match which {
            Items::All => self.items(
                "SELECT kind, item FROM case_items WHERE workspace = $1 AND case_id = $2 ORDER BY seq",
                &[&ws, &case],
            ),
            Items::AllBut(k) => self.items(
                "SELECT kind, item FROM case_items WHERE workspace = $1 AND case_id = $2 AND kind <> $3 ORDER BY seq",
                &[&ws, &case, &k.as_str()],
            ),
            Items::Last(k, n) => {
                let mut items = self.items(
                    "SELECT kind, item FROM case_items WHERE workspace = $1 AND case_id = $2 AND kind = $3 ORDER BY seq DESC LIMIT $4",
                    &[&ws, &case, &k.as_str(), &(n.min(i64::MAX as usize) as i64)],
                )?;
                items.reverse();
                Ok(items)
            }
            Items::OfKind(k) => self.items(
                "SELECT kind, item FROM case_items WHERE workspace = $1 AND case_id = $2 AND kind = $3",
                &[&ws, &case, &k.as_str()],
            ),
            Items::OpenContacts => self.items(
                "SELECT kind, item FROM case_items WHERE workspace = $1 AND case_id = $2 AND kind = 'contact' AND open",
                &[&ws, &case],
            ),
            Items::BySeq(seqs) => {
                let seqs: Vec<i64> = seqs.iter().map(|s| *s as i64).collect();
                self.items(
                    "SELECT kind, item FROM case_items WHERE workspace = $1 AND case_id = $2 AND seq = ANY($3) ORDER BY seq",
                    &[&ws, &case, &seqs],
                )
            }
            Items::ByEntry(ids) => {
                let ids: Vec<Uuid> = ids.to_vec();
                self.items(
                    "SELECT kind, item FROM case_items WHERE workspace = $1 AND entry = ANY($2) AND case_id = $3 ORDER BY seq",
                    &[&ws, &ids, &case],
                )
            }
        }
    }

    fn count_items(&mut self, case: Uuid, kind: ItemKind) -> Result<u64> {
        let ws = self.ws;
        let n: i64 = self
            .query(
                "SELECT count(*) FROM case_items WHERE workspace = $1 AND case_id = $2 AND kind = $3",
                &[&ws, &case, &kind.as_str()],
            )?
            .first()
            .map_or(0, |r| r.get(0));
        Ok(n.max(0) as u64)
    }

    fn put_case(&mut self, handle: u64, h: &CaseHeader, items: &[CaseItem]) -> Result<()> {
        let ws = self.ws;
        let case = h.id;
        let closed = h.status.is_closed();
        for item in items {
            let o = item.origin();
            let open = matches!(item, CaseItem::Contact(c) if c.is_open() && !c.origin.retracted);
            self.exec(
                "INSERT INTO case_items (workspace, case_id, seq, entry, kind, item, open) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (workspace, case_id, seq) DO UPDATE SET item = excluded.item, open = excluded.open",
                &[
                    &ws,
                    &case,
                    &(o.seq as i64),
                    &o.entry,
                    &item.kind().as_str(),
                    &item.body_json(),
                    &open,
                ],
            )?;
            self.exec(
                "DELETE FROM due_items WHERE workspace = $1 AND item = $2",
                &[&ws, &o.entry],
            )?;
            if let Some(d) = item.due() {
                self.exec(
                    "INSERT INTO due_items (workspace, item, case_id, seq, kind, what, due_ms, due, open)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        &ws,
                        &d.item,
                        &case,
                        &(d.seq as i64),
                        &due_kind_str(d.kind),
                        &d.what,
                        &d.due.as_millisecond(),
                        &d.due.to_string(),
                        &!closed,
                    ],
                )?;
            }
        }
        // A case that closes or reopens takes its due lines off or back on the list.
        self.exec(
            "UPDATE due_items SET open = $1 WHERE workspace = $2 AND case_id = $3 AND open <> $1",
            &[&!closed, &ws, &case],
        )?;
        let next_due: Option<i64> = if closed {
            None
        } else {
            self.query(
                "SELECT min(due_ms) FROM due_items WHERE workspace = $1 AND case_id = $2",
                &[&ws, &case],
            )?[0]
                .get(0)
        };
        self.exec(
            "INSERT INTO cases (workspace, id, handle, title, company, status, opened_ms, last_ms, next_due_ms, entries, header, client, helper)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (workspace, id) DO UPDATE SET title = excluded.title, company = excluded.company,
               status = excluded.status, opened_ms = excluded.opened_ms, last_ms = excluded.last_ms,
               next_due_ms = excluded.next_due_ms, entries = excluded.entries, header = excluded.header,
               client = excluded.client, helper = excluded.helper",
            &[
                &ws,
                &case,
                &(handle as i64),
                &h.title,
                &h.company,
                &h.status.as_str(),
                &ms(h.opened),
                &ms(h.last_at),
                &next_due,
                &(h.head as i64),
                &json(h),
                &h.client,
                &h.helper,
            ],
        )?;
        Ok(())
    }

    fn case_columns(&mut self, case: Uuid) -> Result<Option<CaseColumns>> {
        let ws = self.ws;
        let Some(r) = self.opt(
            "SELECT handle, title, company, status, opened_ms, last_ms, next_due_ms, entries, client, helper FROM cases WHERE workspace = $1 AND id = $2",
            &[&ws, &case],
        )?
        else {
            return Ok(None);
        };
        Ok(Some(CaseColumns {
            handle: r.get::<_, i64>(0) as u64,
            title: r.get(1),
            company: r.get(2),
            // An unknown status is a stale row, not an unreadable database.
            status: status_of(r.get(3)).unwrap_or(casefile_core::Status::Abandoned),
            opened: from_ms(r.get(4)),
            last_at: from_ms(r.get(5)),
            next_due: from_ms(r.get(6)),
            entries: r.get::<_, i64>(7) as u64,
            client: r.get(8),
            helper: r.get(9),
        }))
    }

    fn case_due(&mut self, case: Uuid) -> Result<Vec<DueItem>> {
        let ws = self.ws;
        self.query(
            "SELECT item, seq, kind, what, due FROM due_items WHERE workspace = $1 AND case_id = $2 ORDER BY due_ms, seq",
            &[&ws, &case],
        )?
        .iter()
        .map(|r| due_item(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
    }

    fn company(&mut self, id: Uuid) -> Result<Option<CompanyState>> {
        let ws = self.ws;
        self.opt(
            "SELECT state FROM companies WHERE workspace = $1 AND id = $2",
            &[&ws, &id],
        )?
        .map(|r| parse_json("a company's state", r.get(0)))
        .transpose()
    }

    fn put_company(&mut self, handle: u64, s: &CompanyState) -> Result<()> {
        let ws = self.ws;
        self.exec(
            "INSERT INTO companies (workspace, id, handle, name, state) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (workspace, id) DO UPDATE SET name = excluded.name, state = excluded.state",
            &[&ws, &s.id, &(handle as i64), &s.name, &json(s)],
        )?;
        self.exec(
            "DELETE FROM company_names WHERE workspace = $1 AND company = $2",
            &[&ws, &s.id],
        )?;
        for key in s.match_keys() {
            self.exec(
                "INSERT INTO company_names (workspace, norm, company) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&ws, &key, &s.id],
            )?;
        }
        Ok(())
    }

    fn company_keys(&mut self, id: Uuid) -> Result<Vec<String>> {
        let ws = self.ws;
        Ok(self
            .query(
                "SELECT norm FROM company_names WHERE workspace = $1 AND company = $2 ORDER BY norm COLLATE \"C\"",
                &[&ws, &id],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn company_named(&mut self, norm: &str) -> Result<Option<Uuid>> {
        // Checked under a lock held to commit: of two writers naming the same
        // new company, the second sees the first's name.
        self.lock("company-names")?;
        let ws = self.ws;
        Ok(self
            .opt(
                "SELECT company FROM company_names WHERE workspace = $1 AND norm = $2 ORDER BY company LIMIT 1",
                &[&ws, &norm],
            )?
            .map(|r| r.get(0)))
    }

    fn streams_without_rows(&mut self) -> Result<Vec<Uuid>> {
        let ws = self.ws;
        Ok(self
            .query(
                "SELECT DISTINCT stream FROM entries e WHERE workspace = $1
                 AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.workspace = e.workspace AND s.id = e.stream)
                 ORDER BY stream",
                &[&ws],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn clear_projections(&mut self) -> Result<()> {
        self.lock("handles")?;
        let ws = self.ws;
        for table in [
            "due_items",
            "case_items",
            "cases",
            "company_names",
            "companies",
            "entry_words",
        ] {
            self.exec(&format!("DELETE FROM {table} WHERE workspace = $1"), &[&ws])?;
        }
        Ok(())
    }
}

impl PgStore {
    /// Connects to the database at `url`, brings its schema up to date, and
    /// opens the workspace of that name (made if new).
    pub fn open(url: &str, workspace: &str) -> Result<PgStore> {
        let mut store = Self::connect(url)?;
        store.workspace = store.workspace_named(workspace, true)?.ok_or_else(|| {
            StoreError::Engine(format!("the workspace {workspace:?} could not be made"))
        })?;
        Ok(store)
    }

    /// Connects and migrates, with no workspace chosen yet (the nil id, which
    /// holds nothing): for a server that picks the workspace per request.
    pub fn connect(url: &str) -> Result<PgStore> {
        let config: postgres::Config = url.parse().map_err(|e| {
            StoreError::Engine(format!(
                "the database URL cannot be read ({e}); write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            ))
        })?;
        let mut client = config.connect(NoTls).map_err(|e| {
            StoreError::Engine(format!(
                "cannot connect to {}: {}",
                redacted(url),
                std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string())
            ))
        })?;
        let device = match schema::current(&mut client)? {
            Some(device) => device,
            None => {
                let mut tx = client.transaction().map_err(engine)?;
                let device = schema::migrate(&mut tx)?;
                tx.commit().map_err(engine)?;
                device
            }
        };
        Ok(PgStore {
            conn: RefCell::new(Conn {
                client: Held(Some(client)),
                stmts: HashMap::new(),
            }),
            workspace: Uuid::nil(),
            device,
            signing: Signing::default(),
        })
    }

    /// The workspace of that name, made if `create` and new.
    pub fn workspace_named(&mut self, name: &str, create: bool) -> Result<Option<Uuid>> {
        let conn = self.conn.get_mut();
        if create {
            conn.client
                .execute(
                    "INSERT INTO workspaces (workspace, name, created_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                    &[&Uuid::now_v7(), &name, &Timestamp::now().as_millisecond()],
                )
                .map_err(engine)?;
        }
        Ok(conn
            .client
            .query_opt("SELECT workspace FROM workspaces WHERE name = $1", &[&name])
            .map_err(engine)?
            .map(|r| r.get(0)))
    }

    /// Scopes every later call to this workspace.
    pub fn set_workspace(&mut self, workspace: Uuid) {
        self.workspace = workspace;
    }

    pub fn workspace(&self) -> Uuid {
        self.workspace
    }

    /// Runs raw SQL: for tests that tamper with the database as an outsider could.
    pub fn execute_for_tests(&self, sql: &str) -> Result<()> {
        self.conn
            .borrow_mut()
            .client
            .batch_execute(sql)
            .map_err(engine)
    }

    /// Runs `f` over the rows in one write transaction, committed only if it succeeds.
    fn write<T>(&mut self, f: impl FnOnce(&mut Rows<'_, '_>) -> Result<T>) -> Result<T> {
        let (ws, device) = (self.workspace, self.device);
        let conn = self.conn.get_mut();
        let mut tx = conn.client.transaction().map_err(engine)?;
        let out = f(&mut Rows {
            tx: On::Tx(&mut tx),
            stmts: &mut conn.stmts,
            ws,
            device,
        })?;
        tx.commit().map_err(engine)?;
        Ok(out)
    }

    /// A write whose heads the server signs, in the same transaction (see
    /// [`Signing::sign_written`]).
    fn signed_write<T>(
        &mut self,
        f: impl FnOnce(&mut Rows<'_, '_>) -> Result<T>,
        written: impl Fn(&T) -> Option<&[Entry]>,
        all: bool,
    ) -> Result<T> {
        self.signing.may_write()?;
        let signing = std::mem::take(&mut self.signing);
        let ws = self.workspace.to_string();
        let adopt = signing.adopting(&ws);
        let out = self.write(|rows| {
            let out = f(rows)?;
            if let Some(entries) = written(&out) {
                signing.sign_written(rows, &ws, entries, adopt, all)?;
            }
            Ok(out)
        });
        self.signing = signing;
        let out = out?;
        if written(&out).is_some() {
            self.signing.committed(&ws, adopt);
        }
        Ok(out)
    }

    /// Runs `f` over one consistent snapshot.
    fn read<T>(&self, f: impl FnOnce(&mut Rows<'_, '_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.borrow_mut();
        let conn = &mut *conn;
        let mut tx = conn
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(engine)?;
        let out = f(&mut Rows {
            tx: On::Tx(&mut tx),
            stmts: &mut conn.stmts,
            ws: self.workspace,
            device: self.device,
        });
        tx.commit().map_err(engine)?;
        out
    }

    /// Runs `f`, which makes one statement, outside any transaction.
    fn once<T>(&self, f: impl FnOnce(&mut Rows<'_, '_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.borrow_mut();
        let conn = &mut *conn;
        f(&mut Rows {
            tx: On::Alone(&mut conn.client),
            stmts: &mut conn.stmts,
            ws: self.workspace,
            device: self.device,
        })
    }

    fn case_with(
        &self,
        id: Uuid,
        load: impl FnOnce(&mut Rows<'_, '_>) -> Result<Option<casefile_core::CaseState>>,
    ) -> Result<CaseRecord> {
        self.read(|rows| match (rows.case_handle(id)?, load(rows)?) {
            (Some(handle), Some(state)) => Ok(CaseRecord { handle, state }),
            _ => Err(StoreError::NoSuchStream { kind: "case", id }),
        })
    }
}

fn limit(l: Option<usize>) -> Option<i64> {
    l.map(|l| l.min(i64::MAX as usize) as i64)
}

impl Store for PgStore {
    fn use_workspace(&mut self, workspace: Uuid) -> bool {
        self.set_workspace(workspace);
        true
    }

    fn is_usable(&self) -> bool {
        !self.conn.borrow().client.is_closed()
    }

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

    fn set_anchor(&mut self, dir: &std::path::Path) {
        self.signing.set_anchor(dir);
    }

    fn set_signer_unavailable(&mut self, why: String) {
        self.signing.set_unusable(why);
    }

    fn read_stream(&self, stream: Uuid) -> Result<Vec<Entry>> {
        self.once(|rows| {
            let ws = rows.ws;
            rows.entries(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM entries WHERE workspace = $1 AND stream = $2 ORDER BY seq"
                ),
                &[&ws, &stream],
            )
        })
    }

    fn entry_at(&self, stream: Uuid, seq: u64) -> Result<Option<Entry>> {
        self.once(|rows| {
            let ws = rows.ws;
            Ok(rows
                .entries(
                    &format!(
                        "SELECT {ENTRY_COLUMNS} FROM entries WHERE workspace = $1 AND stream = $2 AND seq = $3"
                    ),
                    &[&ws, &stream, &(seq as i64)],
                )?
                .pop())
        })
    }

    fn entry(&self, id: Uuid) -> Result<Option<Entry>> {
        self.once(|rows| rows.entry(id))
    }

    fn heads(&self) -> Result<Vec<casefile_core::seal::SealedHead>> {
        self.once(|rows| {
            Ok(rows
                .heads()?
                .into_iter()
                .map(|h| casefile_core::seal::SealedHead {
                    stream: h.info.id,
                    seq: h.info.head_seq,
                    hash: h.hash,
                })
                .collect())
        })
    }

    fn put_seal(&mut self, seal: &casefile_core::seal::Seal) -> Result<()> {
        let text = casefile_store::codec::seal_text(seal)?;
        let digest = seal.digest();
        self.write(|rows| {
            let ws = rows.ws;
            rows.exec(
                "INSERT INTO seals (workspace, made_ms, seal, digest) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&ws, &seal.made.as_millisecond(), &text, &digest],
            )?;
            Ok(())
        })
    }

    fn calendar_key(&self) -> Result<Option<String>> {
        self.read(|rows| rows.meta("calendar"))
    }

    fn set_calendar_key(&mut self, hash: &str) -> Result<()> {
        self.write(|rows| rows.put_meta("calendar", hash))
    }

    fn seals(&self) -> Result<Vec<casefile_core::seal::Seal>> {
        self.once(|rows| {
            let ws = rows.ws;
            rows.query(
                "SELECT seal FROM seals WHERE workspace = $1 ORDER BY made_ms, digest",
                &[&ws],
            )?
            .iter()
            .map(|r| {
                let text: String = r.try_get(0).map_err(engine)?;
                casefile_store::codec::seal_of(&text)
            })
            .collect()
        })
    }

    fn streams(&self) -> Result<Vec<StreamInfo>> {
        self.once(|rows| Ok(rows.heads()?.into_iter().map(|h| h.info).collect()))
    }

    fn case(&self, id: Uuid) -> Result<CaseRecord> {
        // The header and every item in one statement: one snapshot, one round trip.
        self.once(|rows| {
            let ws = rows.ws;
            let found = rows.query(
                "SELECT c.handle, c.header, i.kind, i.item FROM cases c
                 LEFT JOIN case_items i ON i.workspace = c.workspace AND i.case_id = c.id
                 WHERE c.workspace = $1 AND c.id = $2 ORDER BY i.seq",
                &[&ws, &id],
            )?;
            let Some(first) = found.first() else {
                return Err(StoreError::NoSuchStream { kind: "case", id });
            };
            let handle = first.get::<_, i64>(0) as u64;
            let header = parse_json("a case's header", first.get(1))?;
            let items = found
                .iter()
                .filter_map(|r| Some((r.get::<_, Option<&str>>(2)?, r.get::<_, Option<&str>>(3)?)))
                .map(|(kind, body)| item_of(kind, body))
                .collect::<Result<Vec<_>>>()?;
            Ok(CaseRecord {
                handle,
                state: casefile_core::CaseState::from_parts(header, items),
            })
        })
    }

    fn case_parts(&self, id: Uuid, parts: &Parts) -> Result<CaseRecord> {
        self.case_with(id, |rows| journal::load_parts(rows, id, parts))
    }

    fn count_items(&self, case: Uuid, kind: ItemKind) -> Result<u64> {
        self.read(|rows| rows.count_items(case, kind))
    }

    fn case_by_handle(&self, handle: u64) -> Result<Option<Uuid>> {
        self.once(|rows| {
            let ws = rows.ws;
            Ok(rows
                .opt(
                    "SELECT id FROM cases WHERE workspace = $1 AND handle = $2",
                    &[&ws, &(handle.min(i64::MAX as u64) as i64)],
                )?
                .map(|r| r.get(0)))
        })
    }

    fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRow>> {
        self.once(|rows| {
            let ws = rows.ws;
            let status = filter.status.map(|s| s.as_str());
            rows.query(
                "SELECT c.id, c.handle, c.title, c.company, co.name, c.status, c.opened_ms, c.last_ms, c.next_due_ms, c.entries, c.client, c.helper
                 FROM cases c LEFT JOIN companies co ON co.workspace = c.workspace AND co.id = c.company
                 WHERE c.workspace = $1 AND ($2::text IS NULL OR c.status = $2) AND ($3::uuid IS NULL OR c.company = $3)
                   AND ($5::text IS NULL OR c.helper = $5)
                 ORDER BY c.last_ms DESC NULLS LAST, c.handle DESC LIMIT $4",
                &[&ws, &status, &filter.company, &limit(filter.limit), &filter.helper],
            )?
            .iter()
            .map(|r| {
                Ok(CaseRow {
                    id: r.get(0),
                    handle: r.get::<_, i64>(1) as u64,
                    title: r.get(2),
                    company: r.get(3),
                    company_name: r.get(4),
                    status: status_of(r.get(5))?,
                    opened: from_ms(r.get(6)),
                    last_at: from_ms(r.get(7)),
                    next_due: from_ms(r.get(8)),
                    entries: r.get::<_, i64>(9) as u64,
                    client: r.get(10),
                    helper: r.get(11),
                })
            })
            .collect()
        })
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let mut words = fold_words(query);
        words.sort();
        words.dedup();
        if words.is_empty() || limit == 0 {
            return Ok(vec![]);
        }
        let cols = ENTRY_COLUMNS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        self.once(|rows| {
            let ws = rows.ws;
            // Best first: the share of an entry's words that are the ones asked for.
            rows.query(
                &format!(
                    "SELECT c.handle, c.title, {cols} FROM entry_words w
                     JOIN entries e ON e.workspace = w.workspace AND e.stream = w.stream AND e.seq = w.seq
                     JOIN cases c ON c.workspace = w.workspace AND c.id = w.stream
                     WHERE w.workspace = $1 AND w.words @> $2
                     ORDER BY (SELECT count(*) FROM unnest(w.words) x WHERE x = ANY($2))::float8
                              / (cardinality(w.words) + 5) DESC, w.stream, w.seq
                     LIMIT $3"
                ),
                &[&ws, &words, &(limit.min(i64::MAX as usize) as i64)],
            )?
            .iter()
            .map(|r| {
                let entry = entry_cols(r, 2)?.entry()?;
                Ok(SearchHit {
                    case: entry.stream,
                    handle: r.get::<_, i64>(0) as u64,
                    title: r.get(1),
                    entry,
                })
            })
            .collect()
        })
    }

    fn count_cases(&self, filter: &CaseFilter) -> Result<u64> {
        self.once(|rows| {
            let ws = rows.ws;
            let status = filter.status.map(|s| s.as_str());
            Ok(rows.query(
                "SELECT count(*) FROM cases WHERE workspace = $1 AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR company = $3)
                 AND ($4::text IS NULL OR helper = $4)",
                &[&ws, &status, &filter.company, &filter.helper],
            )?[0]
                .get::<_, i64>(0) as u64)
        })
    }

    fn count_due(&self, until: Timestamp, helper: Option<&str>) -> Result<u64> {
        self.once(|rows| {
            let ws = rows.ws;
            Ok(rows.query(
                "SELECT count(*) FROM due_items d WHERE d.workspace = $1 AND d.open AND d.due_ms <= $2
                 AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM cases c WHERE c.workspace = d.workspace AND c.id = d.case_id AND c.helper = $3))",
                &[&ws, &until.as_millisecond(), &helper],
            )?[0]
                .get::<_, i64>(0) as u64)
        })
    }

    fn due(&self, until: Timestamp, l: Option<usize>, helper: Option<&str>) -> Result<Vec<DueRow>> {
        self.once(|rows| {
            let ws = rows.ws;
            rows.query(
                "SELECT d.case_id, c.handle, c.title, d.item, d.seq, d.kind, d.what, d.due
                 FROM due_items d JOIN cases c ON c.workspace = d.workspace AND c.id = d.case_id
                 WHERE d.workspace = $1 AND d.open AND d.due_ms <= $2 AND ($4::text IS NULL OR c.helper = $4)
                 ORDER BY d.due_ms, c.handle, d.seq LIMIT $3",
                &[&ws, &until.as_millisecond(), &limit(l), &helper],
            )?
            .iter()
            .map(|r| {
                Ok(DueRow {
                    case: r.get(0),
                    handle: r.get::<_, i64>(1) as u64,
                    title: r.get(2),
                    item: due_item(r.get(3), r.get(4), r.get(5), r.get(6), r.get(7))?,
                })
            })
            .collect()
        })
    }

    fn company(&self, id: Uuid) -> Result<CompanyRecord> {
        self.once(|rows| {
            let ws = rows.ws;
            let r = rows
                .opt(
                    "SELECT handle, state FROM companies WHERE workspace = $1 AND id = $2",
                    &[&ws, &id],
                )?
                .ok_or(StoreError::NoSuchStream {
                    kind: "company",
                    id,
                })?;
            Ok(CompanyRecord {
                handle: r.get::<_, i64>(0) as u64,
                state: parse_json("a company's state", r.get(1))?,
            })
        })
    }

    fn company_by_name(&self, name: &str) -> Result<Option<Uuid>> {
        let key = normalize_company_name(name);
        if key.is_empty() {
            return Ok(None);
        }
        self.once(|rows| {
            let ws = rows.ws;
            if let Some(r) = rows.opt(
                "SELECT company FROM company_names WHERE workspace = $1 AND norm = $2 ORDER BY company LIMIT 1",
                &[&ws, &key],
            )? {
                return Ok(Some(r.get(0)));
            }
            // "acme" finds "Acme Broadband" when no other company starts with that word.
            let prefix = format!("{key} ");
            let found = rows.query(
                "SELECT DISTINCT company FROM company_names WHERE workspace = $1 AND starts_with(norm, $2) LIMIT 2",
                &[&ws, &prefix],
            )?;
            Ok(match found.as_slice() {
                [one] => Some(one.get(0)),
                _ => None,
            })
        })
    }

    fn companies(&self) -> Result<Vec<CompanyRecord>> {
        self.once(|rows| {
            let ws = rows.ws;
            rows.query(
                "SELECT handle, state FROM companies WHERE workspace = $1 ORDER BY lower(name), name",
                &[&ws],
            )?
            .iter()
            .map(|r| {
                Ok(CompanyRecord {
                    handle: r.get::<_, i64>(0) as u64,
                    state: parse_json("a company's state", r.get(1))?,
                })
            })
            .collect()
        })
    }

    fn company_items(&self, company: Uuid, kind: ItemKind) -> Result<Vec<(u64, Uuid, CaseItem)>> {
        // One statement, the kind written into it so that lessons are read
        // from their own index (a company may have thousands of cases).
        let sql = format!(
            "SELECT c.handle, c.id, i.kind, i.item FROM case_items i
             JOIN cases c ON c.workspace = i.workspace AND c.id = i.case_id
             WHERE i.workspace = $1 AND i.kind = '{}' AND c.company = $2
             ORDER BY c.handle, i.seq",
            kind.as_str()
        );
        self.read(|rows| {
            let ws = rows.ws;
            rows.query(&sql, &[&ws, &company])?
                .iter()
                .map(|r| {
                    let item = item_of(r.get(2), r.get(3))?;
                    Ok((r.get::<_, i64>(0) as u64, r.get(1), item))
                })
                .collect()
        })
    }

    fn cases_of_company(&self, id: Uuid) -> Result<Vec<CaseRecord>> {
        self.read(|rows| {
            let ws = rows.ws;
            let found: Vec<(Uuid, i64)> = rows
                .query(
                    "SELECT id, handle FROM cases WHERE workspace = $1 AND company = $2 ORDER BY handle",
                    &[&ws, &id],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            found
                .into_iter()
                .map(|(case, handle)| {
                    let state = journal::load_case(rows, case)?
                        .ok_or(StoreError::NoSuchStream { kind: "case", id: case })?;
                    Ok(CaseRecord {
                        handle: handle as u64,
                        state,
                    })
                })
                .collect()
        })
    }

    fn verify_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<Vec<Finding>> {
        let ws = self.workspace.to_string();
        self.read(|rows| {
            let mut findings = journal::verify(rows, progress)?;
            findings.extend(self.signing.findings(rows, &ws)?);
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
        // What a backup brings back, the server vouches for from now on.
        self.signed_write(
            |rows| journal::import(rows, entries, progress),
            |_| Some(&[][..]),
            true,
        )
    }

    fn device(&self) -> Uuid {
        self.device
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
    use super::{fold_words, redacted};

    #[test]
    fn words_fold_case_and_diacritics_and_drop_punctuation() {
        assert_eq!(
            fold_words("Le technicien viendra à Montréal"),
            ["le", "technicien", "viendra", "a", "montreal"]
        );
        assert_eq!(fold_words("NEAR( \"quotes\" *"), ["near", "quotes"]);
        assert_eq!(fold_words("CAS-1234"), ["cas", "1234"]);
        assert!(fold_words(" *** () ").is_empty());
        assert_eq!(fold_words("Привет мир"), ["привет", "мир"]);
    }

    #[test]
    fn a_url_shown_in_a_message_never_carries_its_password() {
        let shown = redacted("postgres://ana:s3cret@db.example:5433/casefile");
        assert_eq!(shown, "postgres://ana@db.example:5433/casefile");
        assert!(!redacted("postgres://u:pw@h/d").contains("pw"));
    }
}
