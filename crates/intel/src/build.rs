//! A first import's text index and counts, made while its rows load.
//!
//! Building the text index after the load took half of a first import's
//! time on one core. Here a second thread indexes each new row's text into a
//! scratch file beside the complaint data while the first parses and stores
//! rows; at the end the index's tables are copied in (the same library wrote
//! both, so the bytes are the same index), in the transaction that writes
//! the counts and clears the import's unfinished mark. The counts by
//! company are folded from the rows as they pass instead of grouped again
//! from the table.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rusqlite::{Connection, params};

use crate::Complaint;

/// How the text index splits words; the scratch index must split them the
/// same way as the one it is copied into.
pub(crate) const TOKENIZE: &str = "unicode61 remove_diacritics 2";

/// Words FTS5 holds in memory before writing a segment: at its default
/// (1 MB) a million complaints make thousands of small segments, merged
/// again and again; 16 MB took a third off the index's build.
pub(crate) const HASH_SIZE: i64 = 16 << 20;

/// Rows handed to the indexing thread at a time, and batches in flight.
/// The queue holds more rows than the load commits at once (`BATCH`), so the
/// index goes on while a batch is written, and the load goes on while FTS5
/// writes a segment (with 8 in flight, each waited for the other: 16 s at
/// 1M rows against 12.6 s); it bounds the memory between them (about 20 MB).
const ROWS_PER_SEND: usize = 512;
const SENDS_IN_FLIGHT: usize = 128;

/// What the text index holds of a complaint.
pub(crate) struct TextRow {
    pub id: i64,
    pub narrative: Option<String>,
    pub issue: Option<String>,
    pub product: Option<String>,
    pub company_norm: String,
}

/// The text index under way on its thread, in its scratch file.
pub(crate) struct TextBuild {
    path: PathBuf,
    batch: Vec<TextRow>,
    send: Option<SyncSender<Vec<TextRow>>>,
    worker: Option<JoinHandle<rusqlite::Result<()>>>,
}

impl TextBuild {
    /// Starts indexing beside the complaint data at `data` (a scratch file
    /// named after it; one left by a stopped import is replaced).
    pub fn start(data: &Path) -> std::io::Result<TextBuild> {
        let path = scratch(data);
        remove(&path)?;
        let (send, receive) = sync_channel(SENDS_IN_FLIGHT);
        let scratch = path.clone();
        let worker = std::thread::Builder::new()
            .name("text index".into())
            .spawn(move || index(&scratch, receive))?;
        Ok(TextBuild {
            path,
            batch: Vec::with_capacity(ROWS_PER_SEND),
            send: Some(send),
            worker: Some(worker),
        })
    }

    pub fn add(&mut self, row: TextRow) {
        self.batch.push(row);
        if self.batch.len() >= ROWS_PER_SEND {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(ROWS_PER_SEND));
        if let Some(send) = &self.send {
            // A thread that stopped has its error, told by `finish`.
            if send.send(batch).is_err() {
                self.send = None;
            }
        }
    }

    /// Waits for every row to be indexed; the scratch file's path, or why
    /// the index could not be built.
    pub fn finish(&mut self) -> Result<&Path, String> {
        if !self.batch.is_empty() {
            self.flush();
        }
        self.send = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Ok(()))) => Ok(&self.path),
            Some(Ok(Err(e))) => Err(e.to_string()),
            Some(Err(_)) => Err("the indexing thread stopped".into()),
            None => Err("the index was finished already".into()),
        }
    }

    /// Opens the finished index on `conn` (outside any transaction: SQLite
    /// attaches files only there), for [`TextBuild::copy`].
    pub fn attach(&self, conn: &Connection) -> rusqlite::Result<()> {
        conn.execute("ATTACH ?1 AS text_build", [self.path.to_string_lossy()])
            .map(drop)
    }

    /// Copies the attached index into the complaint data's text index, in
    /// the transaction under way on `tx` (whose connection has not read the
    /// index: FTS5 would keep what it read).
    pub fn copy(&self, tx: &Connection) -> rusqlite::Result<()> {
        tx.execute_batch(
            "DELETE FROM main.complaint_text_data;
             DELETE FROM main.complaint_text_idx;
             DELETE FROM main.complaint_text_docsize;
             INSERT INTO main.complaint_text_data SELECT * FROM text_build.complaint_text_data;
             INSERT INTO main.complaint_text_idx SELECT * FROM text_build.complaint_text_idx;
             INSERT INTO main.complaint_text_docsize SELECT * FROM text_build.complaint_text_docsize;
             DELETE FROM main.word_counts;
             INSERT INTO main.word_counts (term, complaints) SELECT term, complaints FROM text_build.word_counts;",
        )
    }
}

impl Drop for TextBuild {
    fn drop(&mut self) {
        self.send = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
        let _ = remove(&self.path);
    }
}

/// The scratch file of the complaint data at `data`.
fn scratch(data: &Path) -> PathBuf {
    let mut name = data.as_os_str().to_owned();
    name.push(".text-build");
    PathBuf::from(name)
}

/// Removes a scratch index an import stopped before its end left behind
/// (called by an import holding the import lock).
pub(crate) fn discard_stale(data: &Path) -> std::io::Result<()> {
    remove(&scratch(data))
}

fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The indexing thread: a scratch file with no journal and no syncs (it is
/// thrown away if anything stops), one transaction for all of it.
fn index(path: &Path, rows: Receiver<Vec<TextRow>>) -> rusqlite::Result<()> {
    let conn = Connection::open(path)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16384;
         CREATE VIRTUAL TABLE complaint_text USING fts5(
             narrative, issue, product, company_norm, content = '', tokenize = '{TOKENIZE}'
         );
         INSERT INTO complaint_text (complaint_text, rank) VALUES ('hashsize', {HASH_SIZE});
         BEGIN;"
    ))?;
    {
        let mut insert = conn.prepare(
            "INSERT INTO complaint_text (rowid, narrative, issue, product, company_norm) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for batch in rows {
            for r in batch {
                insert.execute(params![
                    r.id,
                    r.narrative,
                    r.issue,
                    r.product,
                    r.company_norm
                ])?;
            }
        }
    }
    // Each word's count of complaints, read from the index while the
    // rows' thread makes its own index.
    conn.execute_batch(
        "CREATE VIRTUAL TABLE complaint_vocab USING fts5vocab(complaint_text, 'row');
         CREATE TABLE word_counts (term TEXT PRIMARY KEY, complaints INTEGER NOT NULL) WITHOUT ROWID;
         INSERT INTO word_counts (term, complaints) SELECT term, doc FROM complaint_vocab;
         COMMIT;",
    )
}

/// A group of the counts by company (the columns of `company_stats` that
/// are not counts).
#[derive(PartialEq, Eq, Hash)]
struct Group {
    company_norm: String,
    company: String,
    product: Option<String>,
    issue: Option<String>,
    response: Option<String>,
    year: Option<i64>,
    timely: Option<bool>,
    disputed: Option<bool>,
    narrative: bool,
}

struct Tally {
    n: u64,
    first: Option<String>,
    last: Option<String>,
}

/// The counts by company, folded from the rows of a first import as
/// `STATS` groups them from the table.
#[derive(Default)]
pub(crate) struct StatsFold {
    groups: HashMap<Group, Tally>,
}

impl StatsFold {
    pub fn add(&mut self, c: &Complaint, company_norm: &str) {
        let group = Group {
            company_norm: company_norm.to_string(),
            company: c.company.clone(),
            product: c.product.clone(),
            issue: c.issue.clone(),
            response: c.response.clone(),
            year: c.received.as_deref().map(year),
            timely: c.timely,
            disputed: c.disputed,
            narrative: c.narrative.is_some(),
        };
        let tally = self.groups.entry(group).or_insert(Tally {
            n: 0,
            first: None,
            last: None,
        });
        tally.n += 1;
        if let Some(day) = &c.received {
            if tally.first.as_ref().is_none_or(|f| day < f) {
                tally.first = Some(day.clone());
            }
            if tally.last.as_ref().is_none_or(|l| day > l) {
                tally.last = Some(day.clone());
            }
        }
    }

    /// Replaces the stored counts with these.
    pub fn write(self, tx: &Connection) -> rusqlite::Result<()> {
        tx.execute_batch("DELETE FROM company_stats; DELETE FROM totals;")?;
        let mut insert = tx.prepare(
            "INSERT INTO company_stats (company_norm, company, product, issue, response, year, timely, disputed, narrative, n, first, last)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        let mut total = 0u64;
        for (g, t) in self.groups {
            total += t.n;
            insert.execute(params![
                g.company_norm,
                g.company,
                g.product,
                g.issue,
                g.response,
                g.year,
                g.timely,
                g.disputed,
                g.narrative,
                t.n as i64,
                t.first,
                t.last
            ])?;
        }
        tx.execute(
            "INSERT INTO totals (complaints) VALUES (?1)",
            [total as i64],
        )?;
        Ok(())
    }
}

/// The year of a stored date as `CAST(substr(received, 1, 4) AS INTEGER)`
/// reads it: the leading digits of its first four characters, 0 if none.
fn year(day: &str) -> i64 {
    let head: String = day.chars().take(4).collect();
    let head = head.trim_start();
    let digits = head
        .strip_prefix(['+', '-'])
        .map_or(head, |rest| rest)
        .chars()
        .take_while(char::is_ascii_digit)
        .count();
    let sign = usize::from(head.starts_with(['+', '-']));
    let value: i64 = head[sign..sign + digits].parse().unwrap_or(0);
    if head.starts_with('-') { -value } else { value }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::year;

    #[test]
    fn the_year_is_read_as_sqlite_casts_it() {
        let conn = Connection::open_in_memory().unwrap();
        for day in [
            "2015-03-18",
            "1999-12-31",
            "",
            "abcd",
            "12",
            "-123",
            "+2020",
            " 201",
        ] {
            let sql: i64 = conn
                .query_row("SELECT CAST(substr(?1, 1, 4) AS INTEGER)", [day], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(year(day), sql, "{day:?}");
        }
    }
}
