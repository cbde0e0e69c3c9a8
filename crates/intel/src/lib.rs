//! Company intelligence from the US CFPB Consumer Complaint Database: a
//! streaming import of its CSV exports (by header name, any known variant),
//! a company scorecard, and complaints like a case's own.
//!
//! The data lives in its own SQLite file beside the journal; an import never
//! touches the journal. Everything here can be rebuilt by importing again.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use casefile_core::normalize_company_name;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

mod build;
mod rank;

use build::{StatsFold, TextBuild};

#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "this does not look like a CFPB complaints export: it has no {missing} column (its first line has: {found})"
    )]
    NotCfpb { missing: String, found: String },
    #[error("the file cannot be read as CSV: {0}")]
    NotCsv(String),
    /// A file of another kind, told from its first bytes: what it is, and
    /// what to do instead.
    #[error("this is {what}, not a CSV export")]
    Foreign { what: String, hint: String },
    #[error("complaint data error: {0}")]
    Engine(String),
    #[error(
        "the complaint data was written by a newer casefile (version {found}; this one reads up to {LATEST})"
    )]
    Newer { found: i64 },
    #[error(
        "an import of complaint data has not finished (it is still running, or it was stopped): its complaints cannot be searched or counted yet"
    )]
    Unfinished,
    #[error("the complaint data is busy: another import is writing to it")]
    Busy,
}

fn engine(e: rusqlite::Error) -> IntelError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            IntelError::Busy
        }
        _ => IntelError::Engine(e.to_string()),
    }
}

pub type Result<T, E = IntelError> = std::result::Result<T, E>;

/// The columns casefile reads, each with the header names it is known by
/// (the website export, the API's snake_case names), compared without case,
/// spaces or punctuation.
const FIELDS: &[(&str, &[&str])] = &[
    ("Complaint ID", &["complaintid", "id"]),
    ("Company", &["company", "companyname"]),
    ("Date received", &["datereceived"]),
    ("Product", &["product"]),
    ("Sub-product", &["subproduct"]),
    ("Issue", &["issue"]),
    ("Sub-issue", &["subissue"]),
    (
        "Consumer complaint narrative",
        &[
            "consumercomplaintnarrative",
            "complaintwhathappened",
            "narrative",
        ],
    ),
    ("Company public response", &["companypublicresponse"]),
    ("State", &["state"]),
    ("ZIP code", &["zipcode", "zip"]),
    ("Tags", &["tags"]),
    ("Consumer consent provided?", &["consumerconsentprovided"]),
    ("Submitted via", &["submittedvia"]),
    ("Date sent to company", &["datesenttocompany"]),
    (
        "Company response to consumer",
        &["companyresponsetoconsumer", "companyresponse"],
    ),
    ("Timely response?", &["timelyresponse", "timely"]),
    ("Consumer disputed?", &["consumerdisputed"]),
];

/// Where each of [`FIELDS`] is in the file's rows, if it has it (found
/// once from the header; a row looks its fields up by position).
type Columns = [Option<usize>; FIELDS.len()];

/// The position in [`FIELDS`] of the field called `name` (at compile time).
const fn field(name: &str) -> usize {
    let mut i = 0;
    'fields: while i < FIELDS.len() {
        let (a, b) = (FIELDS[i].0.as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() {
                if a[k] != b[k] {
                    i += 1;
                    continue 'fields;
                }
                k += 1;
            }
            return i;
        }
        i += 1;
    }
    panic!("not a field")
}

const COMPLAINT_ID: usize = field("Complaint ID");
const COMPANY: usize = field("Company");
const DATE_RECEIVED: usize = field("Date received");

fn squash(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One row that could not be imported, by its line in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadRow {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Known columns found, by their usual name.
    pub columns_used: Vec<String>,
    /// Headers in the file that casefile does not read.
    pub columns_ignored: Vec<String>,
    /// Known columns the file lacks (a subset export).
    pub columns_missing: Vec<String>,
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub bad: u64,
    /// The first bad rows, with line numbers.
    pub bad_rows: Vec<BadRow>,
    /// Rows whose Complaint ID is stored already for another complaint
    /// (another company or date received): the stored one is kept.
    pub clashes: u64,
    /// The file has no Complaint ID column: each row is keyed by its
    /// content, so a changed row imported again is added, not matched.
    pub derived_ids: bool,
    /// The file ends in the middle of a row (this line): it was cut short.
    /// That row was not imported; the ones before it were.
    pub cut_short: Option<u64>,
    /// How the file was read: "csv", "tsv", and "gzip" when compressed.
    pub format: Vec<String>,
}

/// A complaint as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: i64,
    pub received: Option<String>,
    pub product: Option<String>,
    pub sub_product: Option<String>,
    pub issue: Option<String>,
    pub sub_issue: Option<String>,
    pub narrative: Option<String>,
    pub public_response: Option<String>,
    pub company: String,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub tags: Option<String>,
    pub consent: Option<String>,
    pub via: Option<String>,
    pub sent: Option<String>,
    pub response: Option<String>,
    pub timely: Option<bool>,
    pub disputed: Option<bool>,
}

/// `2020-03-18`, `03/18/2020`, `3/18/20`, `2020-03-18T12:00:00-05:00` as `2020-03-18`.
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let head = s.split(['T', ' ']).next().unwrap_or(s);
    if let Ok(d) = head.parse::<jiff::civil::Date>() {
        return Some(d.to_string());
    }
    let parts: Vec<&str> = head.split('/').collect();
    if parts.len() == 3 {
        let (m, d, y) = (
            parts[0].parse::<i8>().ok()?,
            parts[1].parse::<i8>().ok()?,
            parts[2].parse::<i16>().ok()?,
        );
        let y = match y {
            0..=39 => 2000 + y,
            40..=99 => 1900 + y,
            y => y,
        };
        return jiff::civil::Date::new(y, m, d).ok().map(|d| d.to_string());
    }
    None
}

/// `Yes`/`No`, `1`/`0`, `true`/`false`; `N/A` and blanks are unknown
/// (`Some(None)`); anything else cannot be read (`None`).
pub fn parse_flag(s: &str) -> Option<Option<bool>> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "1" | "true" => Some(Some(true)),
        "no" | "n" | "0" | "false" => Some(Some(false)),
        "" | "n/a" | "na" | "none" => Some(None),
        _ => None,
    }
}

pub struct Intel {
    conn: Connection,
    /// How many complaints hold a word: a case's words are looked up once
    /// however many searches use them.
    counted: std::cell::RefCell<std::collections::HashMap<String, u64>>,
    total: std::cell::Cell<Option<u64>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS complaints (
    id INTEGER PRIMARY KEY,
    received TEXT, product TEXT, sub_product TEXT, issue TEXT, sub_issue TEXT,
    narrative TEXT, public_response TEXT,
    company TEXT NOT NULL, company_norm TEXT NOT NULL,
    state TEXT, zip TEXT, tags TEXT, consent TEXT, via TEXT, sent TEXT,
    response TEXT, timely INTEGER, disputed INTEGER
);
CREATE VIRTUAL TABLE IF NOT EXISTS complaint_text USING fts5(
    narrative, issue, product, company_norm, content = 'complaints', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS complaint_vocab USING fts5vocab(complaint_text, 'row');
CREATE TRIGGER IF NOT EXISTS complaints_ai AFTER INSERT ON complaints BEGIN
    INSERT INTO complaint_text (rowid, narrative, issue, product, company_norm) VALUES (new.id, new.narrative, new.issue, new.product, new.company_norm);
END;
CREATE TRIGGER IF NOT EXISTS complaints_ad AFTER DELETE ON complaints BEGIN
    INSERT INTO complaint_text (complaint_text, rowid, narrative, issue, product, company_norm) VALUES ('delete', old.id, old.narrative, old.issue, old.product, old.company_norm);
END;
CREATE TRIGGER IF NOT EXISTS complaints_au AFTER UPDATE ON complaints BEGIN
    INSERT INTO complaint_text (complaint_text, rowid, narrative, issue, product, company_norm) VALUES ('delete', old.id, old.narrative, old.issue, old.product, old.company_norm);
    INSERT INTO complaint_text (rowid, narrative, issue, product, company_norm) VALUES (new.id, new.narrative, new.issue, new.product, new.company_norm);
END;
-- Counts by company, folded at the end of each import, so a scorecard sums
-- hundreds of rows instead of scanning a large company's complaints.
-- first and last: the days received, so a scorecard's dates read no complaint.
CREATE TABLE IF NOT EXISTS company_stats (
    company_norm TEXT NOT NULL, company TEXT NOT NULL, product TEXT, issue TEXT, response TEXT,
    year INTEGER, timely INTEGER, disputed INTEGER, narrative INTEGER NOT NULL, n INTEGER NOT NULL,
    first TEXT, last TEXT
);
-- How many complaints there are, kept with the counts: a search sizes what
-- makes a word rare by it, and summing the counts costs a scan.
CREATE TABLE IF NOT EXISTS totals (complaints INTEGER NOT NULL);
-- How many complaints hold each word, copied from the text index's
-- vocabulary at each import: asking the vocabulary reads a word's whole
-- list of complaints (a third of a search's time at a million complaints);
-- this is one lookup.
CREATE TABLE IF NOT EXISTS word_counts (term TEXT PRIMARY KEY, complaints INTEGER NOT NULL) WITHOUT ROWID;
-- A row while a first import loads without its text index (built at the
-- end): an import stopped before then left rows nothing can search, and
-- the next import finishes the job.
CREATE TABLE IF NOT EXISTS unfinished (started TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS company_stats_by_norm ON company_stats (company_norm);
";

/// The version of the complaint data this build writes. Each step up is one
/// entry of [`migrate`], run in one transaction with the version it sets.
pub const LATEST: i64 = 5;

/// Folds the counts the scorecard reads, from all complaints.
const STATS: &str = "
DELETE FROM company_stats;
INSERT INTO company_stats (company_norm, company, product, issue, response, year, timely, disputed, narrative, n, first, last)
SELECT company_norm, company, product, issue, response, CAST(substr(received, 1, 4) AS INTEGER), timely, disputed, narrative IS NOT NULL, count(*), min(received), max(received)
FROM complaints GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1;
DELETE FROM totals;
INSERT INTO totals (complaints) SELECT coalesce(sum(n), 0) FROM company_stats;
";

/// Copies each word's count of complaints out of the text index (one pass
/// over it: about a second per million complaints).
const WORDS: &str = "
DELETE FROM word_counts;
INSERT INTO word_counts (term, complaints) SELECT term, doc FROM complaint_vocab;
";

/// Brings the file to [`LATEST`], all or nothing; refuses a newer file.
fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(engine)?;
    if version > LATEST {
        return Err(IntelError::Newer { found: version });
    }
    if version == LATEST {
        return Ok(());
    }
    let steps: &[&str] = &[
        // 0 → 5: a new file gets the whole schema (and an older one what it lacks).
        SCHEMA,
        // 1 → 2: the company goes into the text index, and counts by company are kept.
        "DROP TRIGGER IF EXISTS complaints_ai; DROP TRIGGER IF EXISTS complaints_ad; DROP TRIGGER IF EXISTS complaints_au;
         DROP TABLE IF EXISTS complaint_vocab; DROP TABLE IF EXISTS complaint_text;",
    ];
    let tx = conn.unchecked_transaction().map_err(engine)?;
    if version == 1 {
        tx.execute_batch(steps[1]).map_err(engine)?;
    }
    // 2 → 3: the counts by company keep their first and last days, and the
    // total is kept beside them; both are folded again from the complaints.
    if version == 1 || version == 2 {
        tx.execute_batch("DROP TABLE IF EXISTS company_stats;")
            .map_err(engine)?;
    }
    tx.execute_batch(steps[0]).map_err(engine)?;
    if version == 1 {
        tx.execute_batch("INSERT INTO complaint_text (complaint_text) VALUES ('rebuild');")
            .map_err(engine)?;
    }
    if version == 1 || version == 2 {
        tx.execute_batch(STATS).map_err(engine)?;
    }
    // 3 → 4: each word's count of complaints is kept.
    if (1..=3).contains(&version) {
        tx.execute_batch(WORDS).map_err(engine)?;
    }
    // 4 → 5: the counts by company in the order of the company's name (a
    // first import wrote them in no order).
    if version == 4 {
        tx.execute_batch(
            "CREATE TEMP TABLE sorted_stats AS SELECT * FROM company_stats ORDER BY company_norm, rowid;
             DELETE FROM company_stats;
             INSERT INTO company_stats SELECT * FROM sorted_stats;
             DROP TABLE temp.sorted_stats;",
        )
        .map_err(engine)?;
    }
    tx.pragma_update(None, "user_version", LATEST)
        .map_err(engine)?;
    tx.commit().map_err(engine)
}

/// Reads through to `inner`, telling `progress` how many bytes have passed.
struct Counted<'a, R> {
    inner: R,
    seen: u64,
    progress: &'a mut dyn FnMut(u64),
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen += n as u64;
        (self.progress)(self.seen);
        Ok(n)
    }
}

/// Rows written per transaction during an import.
const BATCH: u64 = 20_000;

impl Intel {
    pub fn open(path: &Path) -> Result<Intel> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| IntelError::Engine(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(engine)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(engine)?;
        // Derived data that an import can rebuild: WAL, and a lighter sync.
        // Searches read pages into SQLite's small default cache: a memory map,
        // or a large cache, cost more in page faults than the reads they save
        // (at 5,000,000 complaints a search faulted in 180 MB through the map).
        let (version, mode) = conn
            .query_row(
                "SELECT user_version, journal_mode FROM pragma_user_version, pragma_journal_mode",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::NotADatabase =>
                {
                    IntelError::Engine(format!("{} is not a complaints database", path.display()))
                }
                other => engine(other),
            })?;
        // A first import loads with a rollback journal and puts the WAL back
        // at its end: a file found in that mode is left so (changing it would
        // wait for that import, where reading it does not).
        if version == 0 || !mode.eq_ignore_ascii_case("delete") {
            conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
                .map_err(engine)?;
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL;")
            .map_err(engine)?;
        migrate(&conn)?;
        rank::register(&conn).map_err(engine)?;
        Ok(Intel {
            conn,
            counted: Default::default(),
            total: Default::default(),
        })
    }

    /// How many complaints are stored (kept at each import: no scan).
    pub fn count(&self) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT coalesce((SELECT complaints FROM totals), (SELECT sum(n) FROM company_stats), 0)",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(engine)
    }

    /// [`count`](Self::count), read once for the searches of one command.
    fn count_once(&self) -> Result<u64> {
        if let Some(n) = self.total.get() {
            return Ok(n);
        }
        let n = self.count()?;
        self.total.set(Some(n));
        Ok(n)
    }

    /// Whether any complaint has words to match a case against: a narrative
    /// or an issue (some exports have neither).
    pub fn has_text(&self) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM company_stats WHERE narrative = 1 OR issue IS NOT NULL)",
                [],
                |r| r.get(0),
            )
            .map_err(engine)
    }

    /// Whether no complaint is stored yet.
    fn is_empty(&self) -> Result<bool> {
        self.conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM complaints)", [], |r| {
                r.get(0)
            })
            .map_err(engine)
    }

    /// Whether a first import is under way or stopped before it finished:
    /// its rows are stored but not yet searchable, and counted nowhere.
    pub fn unfinished(&self) -> Result<bool> {
        self.conn
            .query_row("SELECT EXISTS (SELECT 1 FROM unfinished)", [], |r| r.get(0))
            .map_err(engine)
    }

    /// Streams a CSV export into the database, by header name. Rows are
    /// keyed by Complaint ID: importing again, or a newer export, updates
    /// them. A gzip-compressed or tab-separated export is read as it is;
    /// other kinds of file are named and refused before anything is written.
    pub fn import(&self, reader: impl Read, progress: &mut dyn FnMut(u64)) -> Result<ImportReport> {
        // Counts read before an import are not the counts after it.
        self.total.set(None);
        self.counted.borrow_mut().clear();
        // A fixed 64 MB page cache while importing: a batch's pages stay in
        // memory instead of spilling to the WAL again and again, and memory
        // stays flat however large the file.
        self.conn
            .execute_batch("PRAGMA cache_size = -65536;")
            .map_err(engine)?;
        let counted = Counted {
            inner: reader,
            seen: 0,
            progress,
        };
        let mut format = Vec::new();
        let mut raw = std::io::BufReader::with_capacity(1 << 20, counted);
        let head = peek(&mut raw)?;
        let mut text: Box<dyn std::io::BufRead + '_> = if head.starts_with(&[0x1f, 0x8b]) {
            format.push("gzip".to_string());
            Box::new(std::io::BufReader::with_capacity(
                1 << 20,
                flate2::bufread::MultiGzDecoder::new(raw),
            ))
        } else {
            Box::new(raw)
        };
        let head = peek(&mut text)?;
        refuse_foreign(&head)?;
        let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
        let tabs = first_line.contains(&b'\t') && !first_line.contains(&b',');
        let tail = std::rc::Rc::new(std::cell::RefCell::new(Tail::default()));
        format.push(if tabs { "tsv" } else { "csv" }.to_string());
        let mut csv = csv::ReaderBuilder::new()
            .flexible(false)
            .delimiter(if tabs { b'\t' } else { b',' })
            .from_reader(Tailed {
                inner: text,
                tail: tail.clone(),
            });
        let headers = match csv.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(IntelError::NotCsv(e.to_string())),
        };
        if headers.is_empty() || (headers.len() == 1 && headers[0].trim().is_empty()) {
            return Err(IntelError::Empty);
        }
        let mut report = ImportReport {
            format,
            ..ImportReport::default()
        };
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, h) in headers.iter().enumerate() {
            let key = squash(h);
            match FIELDS
                .iter()
                .find(|(_, names)| names.contains(&key.as_str()))
            {
                Some((name, _)) if !index.contains_key(name) => {
                    index.insert(name, i);
                    report.columns_used.push(name.to_string());
                }
                _ => report.columns_ignored.push(h.to_string()),
            }
        }
        for (name, _) in FIELDS {
            if !index.contains_key(name) {
                report.columns_missing.push(name.to_string());
            }
        }
        // A file without Complaint IDs is keyed by its rows' content; one
        // without a company cannot be scored at all.
        report.derived_ids = !index.contains_key("Complaint ID");
        if !index.contains_key("Company") {
            let found: Vec<String> = headers
                .iter()
                .take(8)
                .map(|h| format!("{:?}", h.chars().take(40).collect::<String>()))
                .collect();
            return Err(IntelError::NotCfpb {
                missing: "'Company'".into(),
                found: found.join(", "),
            });
        }
        let update = update_sql(&index);
        let mut columns: Columns = [None; FIELDS.len()];
        for (i, (name, _)) in FIELDS.iter().enumerate() {
            columns[i] = index.get(name).copied();
        }

        let _only = self.import_lock()?;
        // Batches of rows per transaction; an import cut short keeps whole
        // batches, and importing again fills in the rest.
        let conn = &self.conn;
        // Into an empty database, the rows load without the triggers that
        // index them one by one (several times slower). Every trigger goes,
        // not only the insert's: a Complaint ID repeated in the file updates a
        // row the index has not seen yet. So does a file whose first import
        // stopped before its index was built, which builds it at the end.
        let empty = self.is_empty()?;
        let bulk = empty || self.unfinished()?;
        // Into an empty file, the text index is built on a second core as
        // the rows load, and the counts folded as they pass.
        let mut side = Side::default();
        if let Some(path) = conn.path().filter(|p| empty && !p.is_empty()) {
            side.text = TextBuild::start(Path::new(path)).ok();
            side.stats = side.text.as_ref().map(|_| StatsFold::default());
        }
        // Nothing reads complaints by company (the counts by company answer
        // that): an index older files kept for it only slowed their imports.
        conn.execute_batch("DROP INDEX IF EXISTS complaints_by_company;")
            .map_err(engine)?;
        if bulk {
            // Marked first, durably: whatever stops this import, the next
            // one knows to build the index.
            conn.execute_batch(
                "BEGIN; DELETE FROM unfinished; INSERT INTO unfinished (started) VALUES (datetime('now'));
                 DROP TRIGGER IF EXISTS complaints_ai; DROP TRIGGER IF EXISTS complaints_au; DROP TRIGGER IF EXISTS complaints_ad;
                 COMMIT;",
            )
            .map_err(engine)?;
            // Derived data: the load skips the syncs (a power cut means
            // importing again). It keeps a journal: without one, an import
            // killed while writing leaves a file no later command can open.
            // A rollback journal, not the WAL: the pages a load adds are
            // written once, not to the WAL and again into the file (a fifth
            // of the load's time).
            // Another connection open on the file keeps it in WAL mode.
            conn.execute_batch("PRAGMA synchronous = OFF;")
                .map_err(engine)?;
            conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
                .map_err(engine)?;
        }
        conn.execute_batch("BEGIN").map_err(engine)?;
        let mut insert = conn.prepare(INSERT).map_err(engine)?;
        let mut take = |row: &csv::StringRecord, report: &mut ImportReport, side: &mut Side| {
            self.take_row(row, &columns, &mut insert, &update, report, side)
        };
        let loaded = (|| -> Result<Option<u64>> {
            let mut in_batch = 0;
            let mut record = csv::StringRecord::new();
            // Each row is written once the next is read, so a last row that the
            // file cuts off in the middle is known before it is written.
            let mut pending = csv::StringRecord::new();
            let mut has_pending = false;
            // A short row at the very end is a file cut in the middle of a row.
            let mut last_short = None;
            loop {
                match csv.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        last_short = None;
                        if has_pending {
                            take(&pending, &mut report, &mut side)?;
                        }
                        std::mem::swap(&mut record, &mut pending);
                        has_pending = true;
                    }
                    Err(e) => {
                        if has_pending {
                            take(&pending, &mut report, &mut side)?;
                            has_pending = false;
                        }
                        let line = e.position().map_or(0, |p| p.line());
                        report.rows += 1;
                        last_short = match e.kind() {
                            csv::ErrorKind::UnequalLengths {
                                expected_len, len, ..
                            } if len < expected_len => Some(line),
                            _ => None,
                        };
                        bad_row(&mut report, line, csv_reason(&e));
                        if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                            // The rows before stay, searchable and counted (a
                            // broken file would fail at the same place again).
                            self.finish(bulk, &report, &mut side)?;
                            return Err(IntelError::NotCsv(e.to_string()));
                        }
                    }
                }
                in_batch += 1;
                if in_batch >= BATCH {
                    conn.execute_batch("COMMIT; BEGIN").map_err(engine)?;
                    in_batch = 0;
                }
            }
            if has_pending {
                let start = pending.position().map_or(0, |p| p.byte());
                if tail.borrow().ends_inside_quotes(start) {
                    let line = pending.position().map_or(0, |p| p.line());
                    report.rows += 1;
                    last_short = Some(line);
                    bad_row(
                        &mut report,
                        line,
                        "the file ends inside this row's quoted text".into(),
                    );
                } else {
                    take(&pending, &mut report, &mut side)?;
                }
            }
            Ok(last_short)
        })();
        let last_short = match loaded {
            Ok(l) => l,
            Err(e) => {
                // The batch under way goes; the whole batches before it stay.
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        };
        report.cut_short = last_short;
        self.finish(bulk, &report, &mut side)?;
        Ok(report)
    }

    /// Held for an import's whole run. Two imports into one file would
    /// interleave their batches, and a first import puts in place, whole, a
    /// text index of the rows it loaded itself. The file beside the data
    /// stays (removing it would let a later import lock a file no one else
    /// sees); a lock dies with its process.
    fn import_lock(&self) -> Result<Option<std::fs::File>> {
        let Some(path) = self.conn.path().filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let lock = format!("{path}.import-lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(|e| IntelError::Engine(format!("cannot open {lock}: {e}")))?;
        match file.try_lock() {
            Ok(()) => {
                // A stopped first import's scratch index, kept by no one now.
                build::discard_stale(Path::new(path)).map_err(|e| {
                    IntelError::Engine(format!("cannot remove {path}.text-build: {e}"))
                })?;
                Ok(Some(file))
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(IntelError::Busy),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(IntelError::Engine(format!("cannot lock {lock}: {e}")))
            }
        }
    }

    /// Ends an import, whole or stopped by a file that cannot be read on:
    /// what was stored becomes searchable and counted.
    fn finish(&self, bulk: bool, report: &ImportReport, side: &mut Side) -> Result<()> {
        let conn = &self.conn;
        conn.execute_batch("COMMIT").map_err(engine)?;
        if bulk {
            // The row-by-row triggers, for later imports.
            conn.execute_batch(SCHEMA).map_err(engine)?;
        }
        let mut built = false;
        if let (Some(mut text), Some(stats)) = (side.text.take(), side.stats.take()) {
            // Built beside the load; if that failed, it is built below.
            if text.finish().is_ok() {
                self.install(&mut text, stats)?;
                built = true;
            }
        }
        if bulk && !built {
            conn.execute_batch(&format!(
                "INSERT INTO complaint_text (complaint_text, rank) VALUES ('hashsize', {});
                 INSERT INTO complaint_text (complaint_text) VALUES ('rebuild');",
                build::HASH_SIZE
            ))
            .map_err(engine)?;
        }
        if !built && (bulk || report.inserted + report.updated > 0) {
            conn.execute_batch(&format!(
                "BEGIN; {STATS} {WORDS} DELETE FROM unfinished; COMMIT;"
            ))
            .map_err(engine)?;
        }
        if bulk {
            conn.execute_batch("PRAGMA synchronous = NORMAL;")
                .map_err(engine)?;
        }
        // Back to the WAL after a first import's rollback journal. A reader
        // with the file open keeps it as it is (all is committed either way;
        // the next import tries again).
        let _ = conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()));
        Ok(())
    }

    /// Puts in place a text index built beside the load, with the counts
    /// folded from it, in one transaction that also ends the import's
    /// unfinished mark. On a connection of its own: FTS5 keeps what it has
    /// read of an index per connection, and sees a change made by another.
    fn install(&self, text: &mut TextBuild, stats: StatsFold) -> Result<()> {
        let path = self
            .conn
            .path()
            .ok_or_else(|| IntelError::Engine("the complaint data has no file".into()))?;
        let other = Connection::open(path).map_err(engine)?;
        other
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(engine)?;
        other
            .execute_batch("PRAGMA synchronous = NORMAL;")
            .map_err(engine)?;
        text.attach(&other).map_err(engine)?;
        let tx = other.unchecked_transaction().map_err(engine)?;
        text.copy(&tx).map_err(engine)?;
        stats.write(&tx).map_err(engine)?;
        text.write_words(&tx).map_err(IntelError::Engine)?;
        tx.execute_batch("DELETE FROM unfinished;")
            .map_err(engine)?;
        tx.commit().map_err(engine)
    }
}

/// What a first import makes beside its load (none for later imports).
#[derive(Default)]
struct Side {
    text: Option<TextBuild>,
    stats: Option<StatsFold>,
    norms: Norms,
}

/// Each company's name as matched, worked out once per import: an export
/// names a few thousand companies over a million rows.
#[derive(Default)]
struct Norms(foldhash::HashMap<String, String>);

impl Norms {
    fn of(&mut self, company: &str) -> &str {
        if !self.0.contains_key(company) {
            self.0
                .insert(company.to_string(), normalize_company_name(company));
        }
        &self.0[company]
    }
}

impl Intel {
    /// Writes one row read from the file, or says why it cannot be.
    fn take_row(
        &self,
        record: &csv::StringRecord,
        columns: &Columns,
        insert: &mut rusqlite::Statement<'_>,
        update: &str,
        report: &mut ImportReport,
        side: &mut Side,
    ) -> Result<()> {
        report.rows += 1;
        let line = record.position().map_or(0, |p| p.line());
        match row(record, columns) {
            Ok(c) => {
                let company_norm = side.norms.of(&c.company);
                match upsert(&self.conn, insert, &c, company_norm, update).map_err(engine)? {
                    Upsert::Inserted => {
                        report.inserted += 1;
                        if let (Some(text), Some(stats)) = (&mut side.text, &mut side.stats) {
                            stats.add(&c, company_norm);
                            text.add(
                                c.id,
                                [
                                    c.narrative.as_deref(),
                                    c.issue.as_deref(),
                                    c.product.as_deref(),
                                    Some(company_norm),
                                ],
                            );
                        }
                    }
                    Upsert::Updated => {
                        report.updated += 1;
                        // A row the file repeats changed what was indexed and
                        // counted: the index is built from the table instead.
                        side.text = None;
                        side.stats = None;
                    }
                    Upsert::Unchanged => report.unchanged += 1,
                    Upsert::Clash { company, received } => {
                        report.clashes += 1;
                        bad_row(
                            report,
                            line,
                            format!(
                                "Complaint ID {} is stored already for another complaint ({company}, received {}); this row is {}, received {}; the stored one was kept",
                                c.id,
                                received.as_deref().unwrap_or("on a date not given"),
                                c.company,
                                c.received.as_deref().unwrap_or("on a date not given"),
                            ),
                        );
                    }
                }
            }
            Err(reason) => bad_row(report, line, reason),
        }
        Ok(())
    }
}

fn bad_row(report: &mut ImportReport, line: u64, reason: String) {
    report.bad += 1;
    if report.bad_rows.len() < 50 {
        report.bad_rows.push(BadRow { line, reason });
    }
}

/// The last stretch of what the CSV reader was given, to tell at the end
/// whether the file stops inside a quoted field (cut off mid-row).
#[derive(Default)]
struct Tail {
    kept: Vec<u8>,
    total: u64,
}

const TAIL_KEEP: usize = 1 << 20;

impl Tail {
    fn ends_inside_quotes(&self, record_start: u64) -> bool {
        if self.kept.last() == Some(&b'\n') || self.kept.is_empty() {
            return false;
        }
        let first_kept = self.total - self.kept.len() as u64;
        // A last row longer than what is kept: too long to be a cut row's end.
        let Some(from) = record_start.checked_sub(first_kept) else {
            return false;
        };
        let quotes = self.kept[from as usize..]
            .iter()
            .filter(|&&b| b == b'"')
            .count();
        quotes % 2 == 1
    }
}

struct Tailed<R> {
    inner: R,
    tail: std::rc::Rc<std::cell::RefCell<Tail>>,
}

impl<R: Read> Read for Tailed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut t = self.tail.borrow_mut();
        t.total += n as u64;
        t.kept.extend_from_slice(&buf[..n]);
        if t.kept.len() > 2 * TAIL_KEEP {
            let cut = t.kept.len() - TAIL_KEEP;
            t.kept.drain(..cut);
        }
        Ok(n)
    }
}

/// The first bytes of a file, without consuming them.
fn peek(r: &mut impl std::io::BufRead) -> Result<Vec<u8>> {
    r.fill_buf()
        .map(|b| b[..b.len().min(4096)].to_vec())
        .map_err(|e| IntelError::NotCsv(e.to_string()))
}

/// Files that are plainly something else, named with what to do instead.
fn refuse_foreign(head: &[u8]) -> Result<()> {
    let text = String::from_utf8_lossy(head);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let (what, hint) = if head.starts_with(b"PK\x03\x04") {
        (
            "a zip archive",
            "unzip it (the CFPB's download is complaints.csv.zip) and import the CSV inside",
        )
    } else if start.starts_with('{') && start.contains("\"casefile-journal\"") {
        (
            "a casefile journal export",
            "bring it back with `casefile import FILE`; `intel import` reads public complaint data",
        )
    } else if start.starts_with('{') || start.starts_with('[') {
        (
            "JSON",
            "download the CSV export of the CFPB Consumer Complaint Database (the API's format=csv), or save it as CSV",
        )
    } else if head.starts_with(b"%PDF") {
        ("a PDF document", "download the complaints as CSV")
    } else if head.starts_with(b"SQLite format 3") {
        (
            "an SQLite database",
            "give the CSV export; a complaint database is opened with CASEFILE_INTEL_DB",
        )
    } else {
        return Ok(());
    };
    Err(IntelError::Foreign {
        what: what.to_string(),
        hint: hint.to_string(),
    })
}

/// Columns and their parameters in [`upsert`]'s statements.
const COLUMNS: &[(&str, &str, usize)] = &[
    ("Date received", "received", 2),
    ("Product", "product", 3),
    ("Sub-product", "sub_product", 4),
    ("Issue", "issue", 5),
    ("Sub-issue", "sub_issue", 6),
    ("Consumer complaint narrative", "narrative", 7),
    ("Company public response", "public_response", 8),
    ("Company", "company", 9),
    ("State", "state", 11),
    ("ZIP code", "zip", 12),
    ("Tags", "tags", 13),
    ("Consumer consent provided?", "consent", 14),
    ("Submitted via", "via", 15),
    ("Date sent to company", "sent", 16),
    ("Company response to consumer", "response", 17),
    ("Timely response?", "timely", 18),
    ("Consumer disputed?", "disputed", 19),
];

/// The update of a stored complaint from a row of this file. A column the
/// file does not have keeps what is stored (its value is always NULL here),
/// so a narrower export never erases what a fuller one brought. A row whose
/// company or date received differs from the stored one is another
/// complaint under the same ID, and is not written over it.
fn update_sql(index: &BTreeMap<&str, usize>) -> String {
    let value = |field: &str, col: &str, n: usize| {
        if index.contains_key(field) {
            format!("?{n}")
        } else {
            format!("coalesce(?{n}, {col})")
        }
    };
    let set: Vec<String> = COLUMNS
        .iter()
        .map(|(f, c, n)| format!("{c} = {}", value(f, c, *n)))
        .chain(std::iter::once("company_norm = ?10".to_string()))
        .collect();
    let cols: Vec<&str> = COLUMNS.iter().map(|(_, c, _)| *c).collect();
    let vals: Vec<String> = COLUMNS.iter().map(|(f, c, n)| value(f, c, *n)).collect();
    format!(
        "UPDATE complaints SET {} WHERE id = ?1 AND company_norm = ?10 AND (received IS NULL OR ?2 IS NULL OR received = ?2)
         AND ({}) IS NOT ({})",
        set.join(", "),
        cols.join(", "),
        vals.join(", ")
    )
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("it has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "it is not valid UTF-8 text".into(),
        _ => e.to_string(),
    }
}

fn row(r: &csv::StringRecord, columns: &Columns) -> std::result::Result<Complaint, String> {
    let get = |field: usize| {
        columns[field]
            .and_then(|i| r.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let company = get(COMPANY).ok_or("it names no company")?;
    let id: i64 = if columns[COMPLAINT_ID].is_some() {
        let id_text = get(COMPLAINT_ID).ok_or("it has no Complaint ID")?;
        id_text
            .parse()
            .map_err(|_| format!("its Complaint ID '{id_text}' is not a number"))?
    } else {
        content_key(r, columns)
    };
    let date = |f: usize| -> std::result::Result<Option<String>, String> {
        match get(f) {
            None => Ok(None),
            Some(v) => parse_date(&v)
                .map(Some)
                .ok_or_else(|| format!("its {} '{v}' is not a date", FIELDS[f].0)),
        }
    };
    let flag = |f: usize| -> std::result::Result<Option<bool>, String> {
        match get(f) {
            None => Ok(None),
            Some(v) => {
                parse_flag(&v).ok_or_else(|| format!("its {} '{v}' is not yes or no", FIELDS[f].0))
            }
        }
    };
    Ok(Complaint {
        id,
        received: date(DATE_RECEIVED)?,
        product: get(const { field("Product") }),
        sub_product: get(const { field("Sub-product") }),
        issue: get(const { field("Issue") }),
        sub_issue: get(const { field("Sub-issue") }),
        narrative: get(const { field("Consumer complaint narrative") }),
        public_response: get(const { field("Company public response") }),
        company,
        state: get(const { field("State") }),
        zip: get(const { field("ZIP code") }),
        tags: get(const { field("Tags") }),
        consent: get(const { field("Consumer consent provided?") }),
        via: get(const { field("Submitted via") }),
        sent: date(const { field("Date sent to company") })?,
        response: get(const { field("Company response to consumer") }),
        timely: flag(const { field("Timely response?") })?,
        disputed: flag(const { field("Consumer disputed?") })?,
    })
}

/// A key for a row of a file without Complaint IDs: from its content, below
/// zero so it never meets a real ID. The same row imported again matches.
fn content_key(r: &csv::StringRecord, columns: &Columns) -> i64 {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for ((name, _), at) in FIELDS.iter().zip(columns) {
        if let Some(v) = at.and_then(|i| r.get(i)) {
            h.update(name.as_bytes());
            h.update([0x1f]);
            h.update(v.trim().as_bytes());
            h.update([0x1e]);
        }
    }
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    -((u64::from_be_bytes(b) >> 1) as i64) - 1
}

enum Upsert {
    Inserted,
    Updated,
    Unchanged,
    /// The ID is stored for another complaint: its company and date received.
    Clash {
        company: String,
        received: Option<String>,
    },
}

/// A complaint's row, if its ID is new (prepared once for an import).
const INSERT: &str = "INSERT OR IGNORE INTO complaints (id, received, product, sub_product, issue, sub_issue, narrative, public_response, company, company_norm,
     state, zip, tags, consent, via, sent, response, timely, disputed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

fn upsert(
    tx: &Connection,
    insert: &mut rusqlite::Statement<'_>,
    c: &Complaint,
    company_norm: &str,
    update: &str,
) -> rusqlite::Result<Upsert> {
    let values = params![
        c.id,
        c.received,
        c.product,
        c.sub_product,
        c.issue,
        c.sub_issue,
        c.narrative,
        c.public_response,
        c.company,
        company_norm,
        c.state,
        c.zip,
        c.tags,
        c.consent,
        c.via,
        c.sent,
        c.response,
        c.timely,
        c.disputed
    ];
    let inserted = insert.execute(values)?;
    if inserted == 1 {
        return Ok(Upsert::Inserted);
    }
    // Already there: update only if something changed, so the text index is
    // touched only then, and only if it is the same complaint.
    if tx.prepare_cached(update)?.execute(values)? == 1 {
        return Ok(Upsert::Updated);
    }
    let (company, norm, received): (String, String, Option<String>) = tx
        .prepare_cached("SELECT company, company_norm, received FROM complaints WHERE id = ?1")?
        .query_row([c.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let same_date = received.is_none() || c.received.is_none() || received == c.received;
    Ok(if norm == company_norm && same_date {
        Upsert::Unchanged
    } else {
        Upsert::Clash { company, received }
    })
}

/// A product by the name the CFPB has used for it since April 2017 (the
/// export keeps the older names on older complaints).
pub fn product_now(name: &str) -> &str {
    match name {
        "Bank account or service" => "Checking or savings account",
        "Credit reporting" => {
            "Credit reporting, credit repair services, or other personal consumer reports"
        }
        "Credit card" | "Prepaid card" => "Credit card or prepaid card",
        "Payday loan" => "Payday loan, title loan, or personal loan",
        "Money transfers" | "Virtual currency" => {
            "Money transfer, virtual currency, or money service"
        }
        other => other,
    }
}

/// A count with its share of the whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub name: String,
    pub count: u64,
    pub percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// The company's name as the complaints spell it most often.
    pub company: String,
    /// Every spelling that matched.
    pub names: Vec<String>,
    pub complaints: u64,
    pub with_narrative: u64,
    pub products: Vec<Share>,
    pub issues: Vec<Share>,
    pub responses: Vec<Share>,
    /// Share closed with monetary relief.
    pub monetary_relief: f64,
    pub non_monetary_relief: f64,
    /// Of complaints whose timeliness is known.
    pub timely: Option<f64>,
    /// Of complaints whose dispute status is known.
    pub disputed: Option<f64>,
    pub by_year: Vec<(i32, u64)>,
    /// Complaints with a final answer (neither "In progress" nor blank):
    /// what the relief rates are shares of.
    #[serde(default)]
    pub closed: u64,
    #[serde(default)]
    pub monetary: u64,
    #[serde(default)]
    pub non_monetary: u64,
    /// "Closed with relief": the export's older answer, relief of a kind
    /// it did not record.
    #[serde(default)]
    pub relief_unspecified: u64,
    #[serde(default)]
    pub timely_known: u64,
    #[serde(default)]
    pub timely_yes: u64,
    #[serde(default)]
    pub disputed_known: u64,
    #[serde(default)]
    pub disputed_yes: u64,
    /// The years whose complaints say whether the consumer disputed the
    /// answer (the CFPB stopped asking in April 2017).
    #[serde(default)]
    pub disputed_years: Option<(i32, i32)>,
    /// The first and last dates received: what the data covers.
    #[serde(default)]
    pub first_received: Option<String>,
    #[serde(default)]
    pub last_received: Option<String>,
    /// Rates by year, oldest first.
    #[serde(default)]
    pub years: Vec<Line>,
    /// Rates by product (by its name since 2017), most complaints first.
    #[serde(default)]
    pub by_product: Vec<Line>,
    /// Rates by issue, most complaints first (the ten most common).
    #[serde(default)]
    pub by_issue: Vec<Line>,
    /// Other companies the name could have meant, most complaints first.
    #[serde(default)]
    pub others: Vec<OtherCompany>,
}

/// How one slice of a company's complaints (a year, a product) was answered,
/// with the counts each rate is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub name: String,
    pub complaints: u64,
    /// With a final answer: the relief rates' denominator.
    pub closed: u64,
    pub monetary: u64,
    pub non_monetary: u64,
    pub timely_known: u64,
    pub timely_yes: u64,
}

impl Line {
    fn add(&mut self, response: Option<&str>, timely: Option<bool>, n: u64) {
        self.complaints += n;
        match response {
            None | Some("In progress") => {}
            Some(r) => {
                self.closed += n;
                match r {
                    "Closed with monetary relief" => self.monetary += n,
                    "Closed with non-monetary relief" => self.non_monetary += n,
                    _ => {}
                }
            }
        }
        if let Some(t) = timely {
            self.timely_known += n;
            if t {
                self.timely_yes += n;
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherCompany {
    pub name: String,
    pub complaints: u64,
}

/// What a lookup by name found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "match", rename_all = "snake_case")]
pub enum Lookup {
    Found(Box<Scorecard>),
    /// Several companies begin with the name; the user must choose.
    Ambiguous {
        candidates: Vec<String>,
    },
    NotFound,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64) * 100.0 / (whole as f64)
    }
}

/// Names people say for the largest companies, and the name the complaint
/// data files them under (normalised).
const BRANDS: &[(&str, &str)] = &[
    ("chase", "jpmorgan chase"),
    ("jp morgan", "jpmorgan chase"),
    ("jp morgan chase", "jpmorgan chase"),
    ("jpmorgan", "jpmorgan chase"),
    ("bofa", "bank of america"),
    ("boa", "bank of america"),
    ("amex", "american express"),
    ("usaa", "united services automobile association"),
];

/// How a company name matched: the closer the tier, the stronger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// The name, or the name the data files a brand under.
    Exact,
    /// A longer name that begins with the name's words ("wells" → "wells fargo").
    Words,
    /// A name that begins with the letters ("citi" → "citibank").
    Letters,
    /// A name with the name's words inside it ("chase" → "jpmorgan chase").
    Inside,
}

impl Intel {
    /// Companies whose normalised name is in `[from, to)`, with their counts.
    fn names_between(&self, from: &str, to: &str) -> Result<Vec<(String, u64)>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT company_norm, sum(n) FROM company_stats WHERE company_norm >= ?1 AND company_norm < ?2
                 GROUP BY company_norm ORDER BY 2 DESC LIMIT 50",
            )
            .map_err(engine)?;
        let rows = st
            .query_map([from, to], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(engine)?;
        rows.map(|r| r.map_err(engine)).collect()
    }

    /// Every way the names match, with each company's number of complaints.
    fn candidates(&self, names: &[String]) -> Result<BTreeMap<String, (Tier, u64)>> {
        let mut keys: Vec<(String, bool)> = Vec::new();
        for n in names {
            let k = normalize_company_name(n);
            if k.is_empty() {
                continue;
            }
            if let Some((_, filed)) = BRANDS.iter().find(|(b, _)| *b == k) {
                keys.push((filed.to_string(), true));
            }
            keys.push((k, false));
        }
        let mut found: BTreeMap<String, (Tier, u64)> = BTreeMap::new();
        fn add(found: &mut BTreeMap<String, (Tier, u64)>, name: String, tier: Tier, n: u64) {
            let e = found.entry(name).or_insert((tier, n));
            e.0 = e.0.min(tier);
        }
        for (k, brand) in &keys {
            for (name, n) in self.names_between(k, &format!("{k}\u{1}"))? {
                add(&mut found, name, Tier::Exact, n);
            }
            // "!" sorts right after the space: names that go on with more words.
            let words = if *brand { Tier::Exact } else { Tier::Words };
            for (name, n) in self.names_between(&format!("{k} "), &format!("{k}!"))? {
                add(&mut found, name, words, n);
            }
            if k.chars().count() >= 3 {
                for (name, n) in self.names_between(k, &format!("{k}\u{10ffff}"))? {
                    add(&mut found, name, Tier::Letters, n);
                }
            }
        }
        if found.is_empty() {
            let mut st = self
                .conn
                .prepare_cached(
                    "SELECT company_norm, sum(n) FROM company_stats WHERE ' ' || company_norm || ' ' LIKE ?1
                     GROUP BY company_norm ORDER BY 2 DESC LIMIT 50",
                )
                .map_err(engine)?;
            for (k, _) in &keys {
                let pattern = format!("% {} %", k.replace(['%', '_'], ""));
                let rows = st
                    .query_map([pattern], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                    })
                    .map_err(engine)?;
                for r in rows {
                    let (name, n) = r.map_err(engine)?;
                    add(&mut found, name, Tier::Inside, n);
                }
            }
        }
        Ok(found)
    }

    /// Normalised company keys the names (a company's name and its aliases)
    /// stand for, and the other companies they could mean, best supported
    /// first. The exact name wins unless another match has ten times its
    /// complaints ("citi" means Citibank); otherwise the best supported wins
    /// if it has three times the next one's, or the caller must choose (Err).
    /// A name's later, longer spellings come along ("experian" and "experian
    /// information solutions" are one company across the export's eras).
    pub fn match_company(
        &self,
        names: &[String],
    ) -> Result<std::result::Result<Vec<String>, Vec<String>>> {
        Ok(self.match_with_others(names)?.map(|(chosen, _)| chosen))
    }

    #[allow(clippy::type_complexity)]
    fn match_with_others(
        &self,
        names: &[String],
    ) -> Result<std::result::Result<(Vec<String>, Vec<(String, u64)>), Vec<String>>> {
        let found = self.candidates(names)?;
        if found.is_empty() {
            return Ok(Ok((vec![], vec![])));
        }
        let mut ranked: Vec<(&String, Tier, u64)> =
            found.iter().map(|(k, (t, n))| (k, *t, *n)).collect();
        ranked.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)).then(a.0.cmp(b.0)));
        let most = ranked[0].2;
        let exact: Vec<&String> = ranked
            .iter()
            .filter(|c| c.1 == Tier::Exact)
            .map(|c| c.0)
            .collect();
        let best_exact = ranked
            .iter()
            .find(|c| c.1 == Tier::Exact)
            .map_or(0, |c| c.2);
        let mut chosen: Vec<String> = if !exact.is_empty() && best_exact * 10 > most {
            exact.iter().map(|s| s.to_string()).collect()
        } else {
            let runner_up = ranked.get(1).map_or(0, |c| c.2);
            if ranked[0].1 == Tier::Exact || most >= runner_up * 3 {
                vec![ranked[0].0.clone()]
            } else {
                return Ok(Err(ranked.iter().take(8).map(|c| c.0.clone()).collect()));
            }
        };
        // The same company under its longer names.
        let extended: Vec<String> = ranked
            .iter()
            .filter(|c| chosen.iter().any(|k| c.0.starts_with(&format!("{k} "))))
            .map(|c| c.0.clone())
            .collect();
        chosen.extend(extended);
        chosen.sort();
        chosen.dedup();
        let others = ranked
            .iter()
            .filter(|c| !chosen.contains(c.0))
            .take(5)
            .map(|c| (c.0.clone(), c.2))
            .collect();
        Ok(Ok((chosen, others)))
    }

    pub fn company(&self, names: &[String]) -> Result<Lookup> {
        let (norms, others) = match self.match_with_others(names)? {
            Ok((n, _)) if n.is_empty() => return Ok(Lookup::NotFound),
            Ok(n) => n,
            Err(candidates) => {
                let mut shown = Vec::new();
                for c in candidates {
                    shown.push(self.display_name(&[c])?);
                }
                return Ok(Lookup::Ambiguous { candidates: shown });
            }
        };
        let mut card = self.scorecard(&norms)?;
        for (norm, complaints) in others {
            card.others.push(OtherCompany {
                name: self.display_name(&[norm])?,
                complaints,
            });
        }
        Ok(Lookup::Found(Box::new(card)))
    }

    fn display_name(&self, norms: &[String]) -> Result<String> {
        let list = norms.iter().map(|_| "?").collect::<Vec<_>>().join(",");
        self.conn
            .query_row(
                &format!("SELECT company FROM company_stats WHERE company_norm IN ({list}) GROUP BY company ORDER BY sum(n) DESC, company LIMIT 1"),
                rusqlite::params_from_iter(norms),
                |r| r.get(0),
            )
            .map_err(engine)
    }

    fn scorecard(&self, norms: &[String]) -> Result<Scorecard> {
        let list = norms.iter().map(|_| "?").collect::<Vec<_>>().join(",");
        let p = || rusqlite::params_from_iter(norms.iter());
        let from = format!("FROM company_stats WHERE company_norm IN ({list})");
        let counts = |sql: &str| -> Result<Vec<(String, u64)>> {
            let mut st = self.conn.prepare(sql).map_err(engine)?;
            let rows = st
                .query_map(p(), |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?
                            .unwrap_or_else(|| "(not given)".into()),
                        r.get::<_, i64>(1)? as u64,
                    ))
                })
                .map_err(engine)?;
            rows.map(|r| r.map_err(engine)).collect()
        };
        let (total, with_narrative): (i64, i64) = self
            .conn
            .query_row(
                &format!("SELECT coalesce(sum(n), 0), coalesce(sum(n * narrative), 0) {from}"),
                p(),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(engine)?;
        let total = total as u64;
        let share = |v: Vec<(String, u64)>| {
            v.into_iter()
                .map(|(name, count)| Share {
                    percent: pct(count, total),
                    name,
                    count,
                })
                .collect::<Vec<_>>()
        };
        let issues = share(counts(&format!(
            "SELECT issue, sum(n) c {from} GROUP BY issue ORDER BY c DESC, issue LIMIT 10"
        ))?);
        let responses = share(counts(&format!(
            "SELECT response, sum(n) c {from} GROUP BY response ORDER BY c DESC, response"
        ))?);
        // The rates with their counts: by year, by product, and whole.
        let mut whole = Line::default();
        let mut years: BTreeMap<i32, Line> = BTreeMap::new();
        let mut product_lines: BTreeMap<String, Line> = BTreeMap::new();
        let mut issue_lines: BTreeMap<String, Line> = BTreeMap::new();
        let (mut disputed_known, mut disputed_yes) = (0, 0);
        let mut disputed_years: Option<(i32, i32)> = None;
        let mut unspecified = 0;
        {
            let mut st = self
                .conn
                .prepare(&format!(
                    "SELECT product, year, response, timely, disputed, sum(n), issue {from} GROUP BY 1, 2, 3, 4, 5, 7"
                ))
                .map_err(engine)?;
            let rows = st
                .query_map(p(), |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<bool>>(3)?,
                        r.get::<_, Option<bool>>(4)?,
                        r.get::<_, i64>(5)? as u64,
                        r.get::<_, Option<String>>(6)?,
                    ))
                })
                .map_err(engine)?;
            for row in rows {
                let (product, year, response, timely, disputed, n, issue) = row.map_err(engine)?;
                let issue = issue.unwrap_or_else(|| "(not given)".to_string());
                issue_lines
                    .entry(issue.clone())
                    .or_insert_with(|| Line {
                        name: issue,
                        ..Line::default()
                    })
                    .add(response.as_deref(), timely, n);
                let response = response.as_deref();
                whole.add(response, timely, n);
                if response == Some("Closed with relief") {
                    unspecified += n;
                }
                if let Some(y) = year {
                    let y = y as i32;
                    years
                        .entry(y)
                        .or_insert_with(|| Line {
                            name: y.to_string(),
                            ..Line::default()
                        })
                        .add(response, timely, n);
                    if disputed.is_some() {
                        disputed_years = Some(match disputed_years {
                            None => (y, y),
                            Some((a, b)) => (a.min(y), b.max(y)),
                        });
                    }
                }
                if let Some(d) = disputed {
                    disputed_known += n;
                    if d {
                        disputed_yes += n;
                    }
                }
                let product = product.map_or_else(
                    || "(not given)".to_string(),
                    |p| product_now(&p).to_string(),
                );
                product_lines
                    .entry(product.clone())
                    .or_insert_with(|| Line {
                        name: product,
                        ..Line::default()
                    })
                    .add(response, timely, n);
            }
        }
        // Products by their names since the 2017 renaming, so a company's
        // counts run on across the change.
        let mut by_product: Vec<Line> = product_lines.into_values().collect();
        by_product.sort_by(|a, b| b.complaints.cmp(&a.complaints).then(a.name.cmp(&b.name)));
        let mut by_issue: Vec<Line> = issue_lines.into_values().collect();
        by_issue.sort_by(|a, b| b.complaints.cmp(&a.complaints).then(a.name.cmp(&b.name)));
        by_issue.truncate(10);
        let products = share(
            by_product
                .iter()
                .take(10)
                .map(|l| (l.name.clone(), l.complaints))
                .collect(),
        );
        let (first_received, last_received): (Option<String>, Option<String>) = self
            .conn
            .query_row(
                &format!(
                    "SELECT min(first), max(last) FROM company_stats WHERE company_norm IN ({list})"
                ),
                p(),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(engine)?;
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT year, sum(n) {from} AND year IS NOT NULL GROUP BY year ORDER BY year"
            ))
            .map_err(engine)?;
        let by_year = st
            .query_map(p(), |r| {
                Ok((r.get::<_, i64>(0)? as i32, r.get::<_, i64>(1)? as u64))
            })
            .map_err(engine)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(engine)?;
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT DISTINCT company {from} ORDER BY company LIMIT 20"
            ))
            .map_err(engine)?;
        let names = st
            .query_map(p(), |r| r.get::<_, String>(0))
            .map_err(engine)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(engine)?;
        Ok(Scorecard {
            company: self.display_name(norms)?,
            names,
            complaints: total,
            with_narrative: with_narrative as u64,
            monetary_relief: pct(whole.monetary, whole.closed),
            non_monetary_relief: pct(whole.non_monetary, whole.closed),
            products,
            issues,
            responses,
            timely: (whole.timely_known > 0).then(|| pct(whole.timely_yes, whole.timely_known)),
            disputed: (disputed_known > 0).then(|| pct(disputed_yes, disputed_known)),
            by_year,
            closed: whole.closed,
            monetary: whole.monetary,
            non_monetary: whole.non_monetary,
            relief_unspecified: unspecified,
            timely_known: whole.timely_known,
            timely_yes: whole.timely_yes,
            disputed_known,
            disputed_yes,
            disputed_years,
            first_received,
            last_received,
            years: years.into_values().collect(),
            by_product,
            by_issue,
            others: vec![],
        })
    }
}

/// A complaint like the case's, with what the company did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Similar {
    pub id: i64,
    pub received: Option<String>,
    pub company: String,
    pub product: Option<String>,
    pub issue: Option<String>,
    pub response: Option<String>,
    pub excerpt: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarReport {
    /// The words the search used (the case's rarest ones).
    pub words: Vec<String>,
    pub matches: Vec<Similar>,
    /// How the closest complaints (up to 100) were answered.
    pub outcomes: Vec<Share>,
}

const STOP: &[&str] = &[
    "the", "and", "for", "that", "this", "with", "was", "were", "have", "has", "had", "not", "but",
    "they", "them", "their", "from", "you", "your", "are", "been", "would", "could", "should",
    "about", "after", "before", "into", "when", "what", "which", "there", "then", "than", "also",
    "just", "only", "very", "want", "wants", "get", "got", "did", "does", "will", "can", "its",
    "our", "out", "over", "she", "him", "his", "her", "who", "all", "any", "one", "two", "xxxx",
    "xx",
];

impl Intel {
    /// Complaints whose narratives resemble `text`, at `companies` if given.
    /// How many complaints hold `word` (counted from the text index at each
    /// import), looked up once however many searches of one command use it.
    fn complaints_with(&self, word: &str) -> Result<u64> {
        if let Some(n) = self.counted.borrow().get(word) {
            return Ok(*n);
        }
        let n: Option<i64> = self
            .conn
            .prepare_cached("SELECT complaints FROM word_counts WHERE term = ?1")
            .and_then(|mut st| st.query_row([word], |r| r.get(0)).optional())
            .map_err(engine)?;
        let n = n.unwrap_or(0).max(0) as u64;
        self.counted.borrow_mut().insert(word.to_string(), n);
        Ok(n)
    }

    pub fn similar(
        &self,
        text: &str,
        companies: Option<&[String]>,
        limit: usize,
    ) -> Result<SimilarReport> {
        let mut words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .filter(|w| {
                w.chars().count() >= 3
                    && !STOP.contains(&w.as_str())
                    && !w.chars().all(|c| c.is_ascii_digit())
            })
            .collect();
        words.sort();
        words.dedup();
        if words.is_empty() {
            return Ok(SimilarReport {
                words,
                matches: vec![],
                outcomes: vec![],
            });
        }
        // Rare words find like complaints; common ones (in more than 5% of
        // them) only slow the search. The five rarest are asked for.
        let total = self.count_once()?.max(1) as f64;
        let common = ((total * 0.05) as u64).max(50);
        let mut scored: Vec<(u64, String)> = Vec::new();
        for w in &words {
            match self.complaints_with(w)? {
                0 => {}
                df if df <= common => scored.push((df, w.clone())),
                _ => {}
            }
        }
        scored.sort();
        scored.truncate(5);
        // Each chosen word's count, in the order the query names them.
        let counts: Vec<u64> = scored.iter().map(|(df, _)| *df).collect();
        let chosen: Vec<String> = scored.into_iter().map(|(_, w)| w).collect();
        if chosen.is_empty() {
            return Ok(SimilarReport {
                words: chosen,
                matches: vec![],
                outcomes: vec![],
            });
        }
        let words = chosen
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" OR ");
        // The company is a column of the text index, so the search narrows to it there.
        let query = match companies {
            Some(list) if !list.is_empty() => {
                let names = list
                    .iter()
                    .map(|c| format!("\"{}\"", c.replace('"', "")))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                format!("{{narrative issue product}} : ({words}) AND company_norm : ({names})")
            }
            _ => format!("{{narrative issue product}} : ({words})"),
        };
        // Ranked as bm25 ranks, with each word's IDF from the kept counts
        // (bm25 would count them again, reading each word's whole list).
        let idfs = counts
            .iter()
            .map(|df| format!(", {:?}", rank::idf(total as u64, *df)))
            .collect::<String>();
        let sql = format!(
            "SELECT c.id, c.received, c.company, c.product, c.issue, c.response, coalesce(c.narrative, '')
             FROM complaint_text t JOIN complaints c ON c.id = t.rowid
             WHERE complaint_text MATCH ?1 ORDER BY known_bm25(complaint_text, 4.0, 1.0, 0.5, 0.0{idfs}) LIMIT 100"
        );
        let mut st = self.conn.prepare(&sql).map_err(engine)?;
        let rows = st
            .query_map([query], |r| {
                let narrative: String = r.get(6)?;
                Ok(Similar {
                    id: r.get(0)?,
                    received: r.get(1)?,
                    company: r.get(2)?,
                    product: r.get(3)?,
                    issue: r.get(4)?,
                    response: r.get(5)?,
                    excerpt: excerpt(&narrative, &chosen),
                })
            })
            .map_err(engine)?;
        let all: Vec<Similar> = rows.collect::<rusqlite::Result<_>>().map_err(engine)?;
        let mut tally: BTreeMap<String, u64> = BTreeMap::new();
        for s in &all {
            *tally
                .entry(s.response.clone().unwrap_or_else(|| "(not given)".into()))
                .or_default() += 1;
        }
        let n = all.len() as u64;
        let mut outcomes: Vec<Share> = tally
            .into_iter()
            .map(|(name, count)| Share {
                percent: pct(count, n),
                name,
                count,
            })
            .collect();
        outcomes.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        Ok(SimilarReport {
            words: chosen,
            matches: all.into_iter().take(limit).collect(),
            outcomes,
        })
    }
}

/// A sentence-sized piece of the narrative around the first matching word.
fn excerpt(text: &str, words: &[String]) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = flat.to_lowercase();
    let at = words
        .iter()
        .filter_map(|w| lower.find(w.as_str()))
        .min()
        .unwrap_or(0);
    let chars: Vec<char> = flat.chars().collect();
    let pos = flat[..at.min(flat.len())].chars().count();
    let start = pos.saturating_sub(60);
    let end = (start + 220).min(chars.len());
    let mut s: String = chars[start..end].iter().collect();
    if start > 0 {
        s = format!("…{s}");
    }
    if end < chars.len() {
        s.push('…');
    }
    s
}
