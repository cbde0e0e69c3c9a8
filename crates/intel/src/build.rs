//! A first import's text index and counts, made while its rows load.
//!
//! Building the text index after the load took half of a first import's
//! time on one core. Here a second thread indexes each new row's text into a
//! scratch file beside the complaint data while the first parses and stores
//! rows; at the end the index's tables are copied in (the same library wrote
//! both, so the bytes are the same index), in the transaction that writes
//! the counts and clears the import's unfinished mark; each word's count is
//! read from the scratch index meanwhile, on its thread. The counts by
//! company are folded from the rows as they pass instead of grouped again
//! from the table.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use foldhash::HashMap;
use rusqlite::{Connection, params};

use crate::Complaint;

/// How the text index splits words; the scratch index must split them the
/// same way as the one it is copied into.
pub(crate) const TOKENIZE: &str = "unicode61 remove_diacritics 2";

/// Words FTS5 holds in memory before writing a segment: at its default
/// (1 MB) a million complaints make thousands of small segments, merged
/// again and again; 16 MB took a third off the index's build.
pub(crate) const HASH_SIZE: i64 = 16 << 20;

/// Segments of one size the scratch index gathers before merging them
/// (FTS5's default is 4): every merge writes their words again. At 16 a
/// first import of 1M rows took about a second less (9.7 s against 10.9 s,
/// four runs each, taken in turn), and the index it copies in has 11
/// segments instead of 5 (a search took the same time). Only the scratch
/// index is set so: the complaint data's own index keeps the default, and
/// merges those segments bit by bit as later imports write to it.
const AUTOMERGE: i64 = 16;

/// Rows handed to the indexing thread at a time, and batches in flight.
/// The queue holds more rows than the load commits at once (`BATCH`), so the
/// index goes on while a batch is written, and the load goes on while FTS5
/// writes a segment (with 8 in flight, each waited for the other: 16 s at
/// 1M rows against 12.6 s); it bounds the memory between them (about 20 MB).
const ROWS_PER_SEND: usize = 512;
const SENDS_IN_FLIGHT: usize = 128;

/// Rows for the index, their text in one buffer: sent to the indexing
/// thread and back again to be filled anew, so no row's text is allocated
/// on one thread and freed on the other (each such free locks the other
/// thread's heap).
#[derive(Default)]
struct Batch {
    text: String,
    rows: Vec<Spans>,
}

/// A row of a [`Batch`]: its complaint and where its columns end in the
/// batch's text (in the index's column order), `None` for a missing value.
struct Spans {
    id: i64,
    ends: [Option<usize>; 4],
}

impl Batch {
    fn push(&mut self, id: i64, columns: [Option<&str>; 4]) {
        let mut ends = [None; 4];
        for (end, value) in ends.iter_mut().zip(columns) {
            if let Some(v) = value {
                self.text.push_str(v);
                *end = Some(self.text.len());
            }
        }
        self.rows.push(Spans { id, ends });
    }

    /// Each row's complaint and column values.
    fn rows(&self) -> impl Iterator<Item = (i64, [Option<&str>; 4])> {
        let mut start = 0;
        self.rows.iter().map(move |r| {
            let values = r.ends.map(|end| {
                end.map(|end| {
                    let v = &self.text[start..end];
                    start = end;
                    v
                })
            });
            (r.id, values)
        })
    }

    fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }
}

/// Word counts handed over at a time, read from the scratch index while the
/// main thread copies the index in.
const WORDS_PER_SEND: usize = 4096;

/// Each word and how many complaints hold it.
type WordCounts = Vec<(String, i64)>;

/// The text index under way on its thread, in its scratch file.
pub(crate) struct TextBuild {
    path: PathBuf,
    batch: Batch,
    send: Option<SyncSender<Batch>>,
    /// Batches the thread has indexed, to fill again.
    spent: Receiver<Batch>,
    /// Told once the scratch index holds every row (and may be read).
    built: Receiver<()>,
    words: Receiver<WordCounts>,
    worker: Option<JoinHandle<rusqlite::Result<()>>>,
}

impl TextBuild {
    /// Starts indexing beside the complaint data at `data` (a scratch file
    /// named after it; one left by a stopped import is replaced).
    pub fn start(data: &Path) -> std::io::Result<TextBuild> {
        let path = scratch(data);
        remove(&path)?;
        let (send, receive) = sync_channel(SENDS_IN_FLIGHT);
        let (give_back, spent) = sync_channel(SENDS_IN_FLIGHT + 1);
        let (tell_built, built) = sync_channel(1);
        let (send_words, words) = sync_channel(4);
        let scratch = path.clone();
        let worker = std::thread::Builder::new()
            .name("text index".into())
            .spawn(move || index(&scratch, receive, give_back, tell_built, send_words))?;
        Ok(TextBuild {
            path,
            batch: Batch::default(),
            send: Some(send),
            spent,
            built,
            words,
            worker: Some(worker),
        })
    }

    /// Queues a complaint's indexed text: its narrative, issue, product
    /// and company (as matched).
    pub fn add(&mut self, id: i64, columns: [Option<&str>; 4]) {
        self.batch.push(id, columns);
        if self.batch.rows.len() >= ROWS_PER_SEND {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let next = self.spent.try_recv().unwrap_or_default();
        let batch = std::mem::replace(&mut self.batch, next);
        if let Some(send) = &self.send {
            // A thread that stopped has its error, told by `finish`.
            if send.send(batch).is_err() {
                self.send = None;
            }
        }
    }

    /// Waits for every row to be indexed (its words are still being
    /// counted); the scratch file's path, or why the index could not be
    /// built.
    pub fn finish(&mut self) -> Result<&Path, String> {
        if !self.batch.rows.is_empty() {
            self.flush();
        }
        self.send = None;
        match self.built.recv() {
            Ok(()) => Ok(&self.path),
            // The thread ended without the index: its error says why.
            Err(_) => Err(self
                .join()
                .err()
                .unwrap_or_else(|| "the index was finished already".into())),
        }
    }

    fn join(&mut self) -> Result<(), String> {
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Ok(()))) => Ok(()),
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
    /// index: FTS5 would keep what it read). The words are counted
    /// meanwhile, for [`TextBuild::write_words`].
    pub fn copy(&self, tx: &Connection) -> rusqlite::Result<()> {
        tx.execute_batch(
            "DELETE FROM main.complaint_text_data;
             DELETE FROM main.complaint_text_idx;
             DELETE FROM main.complaint_text_docsize;
             INSERT INTO main.complaint_text_data SELECT * FROM text_build.complaint_text_data;
             INSERT INTO main.complaint_text_idx SELECT * FROM text_build.complaint_text_idx;
             INSERT INTO main.complaint_text_docsize SELECT * FROM text_build.complaint_text_docsize;",
        )
    }

    /// Replaces the kept word counts with the index's, in the transaction
    /// under way on `tx`, as its thread reads them.
    pub fn write_words(&mut self, tx: &Connection) -> Result<(), String> {
        tx.execute_batch("DELETE FROM main.word_counts;")
            .map_err(|e| e.to_string())?;
        let mut insert = tx
            .prepare("INSERT INTO main.word_counts (term, complaints) VALUES (?1, ?2)")
            .map_err(|e| e.to_string())?;
        for chunk in &self.words {
            for (term, complaints) in chunk {
                insert
                    .execute(params![term, complaints])
                    .map_err(|e| e.to_string())?;
            }
        }
        // All of them, or the thread's error.
        self.join()
    }
}

impl Drop for TextBuild {
    fn drop(&mut self) {
        // Every channel to the thread closes, so it does not wait on a
        // reader that is gone.
        self.send = None;
        self.built = sync_channel(1).1;
        self.words = sync_channel(1).1;
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
fn index(
    path: &Path,
    rows: Receiver<Batch>,
    spent: SyncSender<Batch>,
    built: SyncSender<()>,
    words: SyncSender<WordCounts>,
) -> rusqlite::Result<()> {
    let conn = Connection::open(path)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16384;
         CREATE VIRTUAL TABLE complaint_text USING fts5(
             narrative, issue, product, company_norm, content = '', tokenize = '{TOKENIZE}'
         );
         INSERT INTO complaint_text (complaint_text, rank) VALUES ('hashsize', {HASH_SIZE});
         INSERT INTO complaint_text (complaint_text, rank) VALUES ('automerge', {AUTOMERGE});
         BEGIN;"
    ))?;
    {
        let mut insert = conn.prepare(
            "INSERT INTO complaint_text (rowid, narrative, issue, product, company_norm) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for mut batch in rows {
            for (id, [narrative, issue, product, company]) in batch.rows() {
                insert.execute(params![id, narrative, issue, product, company])?;
            }
            batch.clear();
            // Kept for refilling while the other thread is there to take it.
            let _ = spent.try_send(batch);
        }
    }
    conn.execute_batch("COMMIT;")?;
    if built.send(()).is_err() {
        return Ok(());
    }
    // Each word's count of complaints, read from the index while the
    // main thread copies it in.
    conn.execute_batch(
        "CREATE VIRTUAL TABLE temp.complaint_vocab USING fts5vocab(main, complaint_text, 'row');",
    )?;
    let mut counts = conn.prepare("SELECT term, doc FROM temp.complaint_vocab")?;
    let mut found = counts.query([])?;
    let mut chunk = Vec::with_capacity(WORDS_PER_SEND);
    while let Some(row) = found.next()? {
        chunk.push((row.get(0)?, row.get(1)?));
        if chunk.len() == WORDS_PER_SEND {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(WORDS_PER_SEND));
            if words.send(full).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _ = words.send(chunk);
    }
    Ok(())
}

/// A group of the counts by company (the columns of `company_stats` that
/// are not counts), its names as numbers given by [`Names`].
#[derive(PartialEq, Eq, Hash, Clone, Copy)]
struct Group {
    company: u32,
    company_norm: u32,
    product: Option<u32>,
    issue: Option<u32>,
    response: Option<u32>,
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

/// Each name the groups hold, stored once: a group's key is then a few
/// numbers, found without building strings for every row.
#[derive(Default)]
struct Names {
    number: HashMap<String, u32>,
    name: Vec<String>,
}

impl Names {
    fn of(&mut self, name: &str) -> u32 {
        if let Some(&n) = self.number.get(name) {
            return n;
        }
        let n = self.name.len() as u32;
        self.name.push(name.to_string());
        self.number.insert(name.to_string(), n);
        n
    }

    fn get(&self, n: u32) -> &str {
        &self.name[n as usize]
    }
}

/// The counts by company, folded from the rows of a first import as
/// `STATS` groups them from the table.
#[derive(Default)]
pub(crate) struct StatsFold {
    names: Names,
    groups: HashMap<Group, Tally>,
}

impl StatsFold {
    pub fn add(&mut self, c: &Complaint, company_norm: &str) {
        let names = &mut self.names;
        let group = Group {
            company: names.of(&c.company),
            company_norm: names.of(company_norm),
            product: c.product.as_deref().map(|p| names.of(p)),
            issue: c.issue.as_deref().map(|i| names.of(i)),
            response: c.response.as_deref().map(|r| names.of(r)),
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
        let names = &self.names;
        let name = |n: Option<u32>| n.map(|n| names.get(n));
        // In the order of the company's name: a scorecard then reads one
        // run of pages, where the map's order scattered a large company's
        // rows over the whole table (Wells Fargo's 994 over all 1,424 pages
        // at 1,000,000 complaints, read again by each of its queries).
        let mut groups: Vec<(Group, Tally)> = self.groups.into_iter().collect();
        groups.sort_unstable_by(|(a, _), (b, _)| {
            names.get(a.company_norm).cmp(names.get(b.company_norm))
        });
        let mut total = 0u64;
        for (g, t) in groups {
            total += t.n;
            insert.execute(params![
                names.get(g.company_norm),
                names.get(g.company),
                name(g.product),
                name(g.issue),
                name(g.response),
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

    use super::{Batch, TextBuild, WORDS_PER_SEND, year};

    #[test]
    fn a_batch_gives_back_each_rows_values_as_they_were_put_in() {
        let rows: [(i64, [Option<&str>; 4]); 4] = [
            (
                7,
                [
                    Some("the café\u{301} said “no”"),
                    None,
                    Some(""),
                    Some("acme"),
                ],
            ),
            (-3, [None, None, None, None]),
            (9, [Some("x"), Some("y"), Some("z"), Some("w")]),
            (10, [None, Some("🦀 issue"), None, Some("bank")]),
        ];
        let mut batch = Batch::default();
        for (id, values) in rows {
            batch.push(id, values);
        }
        assert!(batch.rows().eq(rows));
        // Cleared for refilling, it holds nothing of the rows before.
        batch.clear();
        batch.push(1, [None, Some("only"), None, None]);
        assert!(batch.rows().eq([(1, [None, Some("only"), None, None])]));
    }

    #[test]
    fn a_build_dropped_before_its_words_are_taken_ends_and_leaves_nothing() {
        // More words than the queue to the main thread holds: the thread is
        // waiting to hand them over when the build is dropped (an import
        // that failed while copying the index in).
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("intel.db");
        let (done, ended) = std::sync::mpsc::channel();
        let scratch = {
            let data = data.clone();
            std::thread::spawn(move || {
                let mut build = TextBuild::start(&data).unwrap();
                for id in 0..(8 * WORDS_PER_SEND as i64) {
                    let word = format!("word{id}");
                    build.add(id, [Some(&word), None, Some("mortgage"), Some("acme")]);
                }
                let scratch = build.finish().unwrap().to_path_buf();
                assert!(scratch.exists());
                drop(build);
                done.send(scratch).unwrap();
            })
        };
        let path = ended
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("the dropped build ends");
        scratch.join().unwrap();
        assert!(!path.exists(), "its scratch file is removed");
    }

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
