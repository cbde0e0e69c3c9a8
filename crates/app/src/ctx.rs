//! A session with the journal, what every face needs: the store (any engine,
//! through the trait), the clock, the time zone, the settings, and the one
//! write path, so a command, a web page and the call console write alike.

use std::path::PathBuf;

use crate::settings::{Layer, Settings, SettingsError};
use crate::write::{WriteError, append_case};
use casefile_core::coach::Rates;
use casefile_core::coach::templates::{Addressing, CaseContext, case_context};
use casefile_core::{CaseState, CompanyState, Draft, Entry};
use casefile_store::{CaseRecord, CompanyRecord, Parts, Store, StoreError};
use casefile_store_sqlite::SqliteStore;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use uuid::Uuid;

use crate::dates::{Tense, parse_when_in};
use crate::error::{Error, Exit, Result};

pub struct Ctx {
    /// The journal, through the trait: any engine.
    pub store: Box<dyn Store + Send>,
    /// The journal's file.
    pub db_path: PathBuf,
    pub tz: TimeZone,
    pub now: Timestamp,
    pub json: bool,
    pub reveal: bool,
    /// Print nothing about writes (the web server reports in pages instead).
    pub quiet: bool,
    pub author: String,
    pub currency: String,
    /// Resolved once from the config file, the environment and the flags;
    /// every face reads its rates and templates from here.
    pub settings: Settings,
}

/// The settings for this process, with `--db` as the flags' layer.
pub fn settings(db: Option<PathBuf>) -> Result<Settings> {
    Settings::load(
        &|k| std::env::var(k).ok(),
        Layer {
            db,
            ..Layer::default()
        },
    )
    .map_err(settings_error)
}

pub fn settings_error(e: SettingsError) -> Error {
    let hint = e.hint();
    Error::invalid(e.to_string()).hint(hint)
}

/// The journal's file: as set, else the default place in the data folder.
pub fn db_path(settings: &Settings) -> Result<PathBuf> {
    match &settings.db {
        Some(p) => Ok(p.clone()),
        None => default_db_path(),
    }
}

/// The user's time zone: TZ, else /etc/localtime. Reads the one zone file it
/// needs (jiff's own lookup scans the whole zoneinfo tree, a millisecond of a
/// capture that should take a few); falls back to jiff where that fails.
pub fn local_time_zone() -> TimeZone {
    const ZONEINFO: &str = "/usr/share/zoneinfo";
    let from_file = |name: &str, path: &std::path::Path| {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| TimeZone::tzif(name, &bytes).ok())
    };
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim_start_matches(':');
        if tz.is_empty() || tz == "UTC" {
            return TimeZone::UTC;
        }
        let safe = !tz.contains("..")
            && tz
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c));
        if safe && let Some(z) = from_file(tz, &std::path::Path::new(ZONEINFO).join(tz)) {
            return z;
        }
        return TimeZone::get(tz)
            .or_else(|_| TimeZone::posix(tz))
            .unwrap_or(TimeZone::UTC);
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let name = target
            .to_string_lossy()
            .split("zoneinfo/")
            .nth(1)
            .map(str::to_string);
        if let Some(name) = name
            && let Some(z) = from_file(&name, std::path::Path::new("/etc/localtime"))
        {
            return z;
        }
    }
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// The complaint data's file: CASEFILE_INTEL_DB, or one named after the
/// journal beside it (`cases.db` has `cases.intel.db`), so two journals in
/// one folder keep their own. The default journal keeps reading an
/// `intel.db` imported before files were named so.
pub fn intel_db_path(journal: &std::path::Path) -> PathBuf {
    if let Some(p) = std::env::var_os("CASEFILE_INTEL_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let dir = journal.parent().unwrap_or(std::path::Path::new(""));
    let stem = journal
        .file_stem()
        .map_or_else(|| "casefile".into(), |s| s.to_string_lossy().into_owned());
    let own = dir.join(format!("{stem}.intel.db"));
    let older = dir.join("intel.db");
    if stem == "casefile" && !own.exists() && older.exists() {
        return older;
    }
    own
}

/// Where the database lives unless told otherwise.
pub fn default_db_path() -> Result<PathBuf> {
    let base = dirs::data_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/share")))
        .ok_or_else(|| {
            Error::new(Exit::Database, "cannot tell where your data directory is")
                .hint("give the database's path with --db PATH or CASEFILE_DB")
        })?;
    Ok(base.join("casefile").join("casefile.db"))
}

/// Opens the journal the settings name: a PostgreSQL server's workspace
/// when `database` is set, else the SQLite file at `path`.
pub fn open_store(path: &std::path::Path, settings: &Settings) -> Result<Box<dyn Store + Send>> {
    if let Some(url) = &settings.database {
        let unreachable = |e: StoreError| {
            match e {
            StoreError::Engine(m) => Error::new(Exit::Database, m).hint(
                "check the URL in CASEFILE_DATABASE (or --database, or database in config.toml) and that the server is running",
            ),
            other => Error::from(other),
        }
        };
        let mut store = casefile_store_postgres::PgStore::connect(url).map_err(unreachable)?;
        // The default workspace is made on first use; any other is made by
        // `casefile users add`, so a misspelt name is not a new, empty one.
        let ws = settings.workspace.as_str();
        let id = store
            .workspace_named(ws, ws == "default")
            .map_err(unreachable)?
            .ok_or_else(|| {
                Error::new(Exit::NotFound, format!("there is no workspace named {ws:?} on this server"))
                    .hint("check CASEFILE_WORKSPACE; `casefile users list` shows the workspaces, `casefile users add` makes one")
            })?;
        store.set_workspace(id);
        sign_with_device_key(&mut store, settings);
        return Ok(Box::new(store));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            Error::new(
                Exit::Database,
                format!("cannot create the folder {}: {e}", parent.display()),
            )
            .hint("choose another place with --db PATH")
        })?;
    }
    // How long to wait for another process's write before saying the database is busy.
    let wait_ms: u64 = match std::env::var("CASEFILE_BUSY_TIMEOUT_MS") {
        Ok(v) => v.trim().parse().map_err(|_| {
            Error::invalid(format!(
                "CASEFILE_BUSY_TIMEOUT_MS={v} is not a number of milliseconds"
            ))
        })?,
        Err(_) => 5000,
    };
    let mut store = SqliteStore::open_with_timeout(path, std::time::Duration::from_millis(wait_ms))
        .map_err(|e| match e {
            StoreError::Engine(m) => Error::new(
                Exit::Database,
                format!("cannot open {}: {m}", path.display()),
            )
            .hint("check the path and its permissions, or choose another with --db PATH"),
            other => Error::from(other),
        })?;
    sign_with_device_key(&mut store, settings);
    Ok(Box::new(store))
}

/// Gives the store this device's key (a server's: every instance of one
/// server shares it) and the folder beside it for its notes. Reading never
/// needs the key, so it is read (or made) at the first write or `verify`; a
/// write without it is refused with why. Settings that name no key (made
/// without an environment, as tests make them) sign nothing.
fn sign_with_device_key(store: &mut dyn Store, settings: &Settings) {
    let Some(path) = settings.signing_key.clone() else {
        return;
    };
    if let Some(dir) = path.parent() {
        store.set_anchor(dir);
    }
    store.set_signer_loader(Box::new(move || {
        signing_key(&path).map_err(|e| match &e.hint {
            Some(h) => format!("{}; {h}", e.message),
            None => e.message.clone(),
        })
    }));
}

/// This device's Ed25519 key, made on first use (readable by the user only).
pub fn signing_key(path: &std::path::Path) -> Result<ed25519_dalek::SigningKey> {
    let path = path.to_path_buf();
    let bad = |why: String| {
        Error::new(Exit::Database, format!("the signing key {} {why}", path.display())).hint(
            "move the file away and a new key is made; `casefile verify` then reports what the old key signed",
        )
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(text.trim(), &mut bytes)
                .map_err(|_| bad("is not a key (64 hex digits)".into()))?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            argon2::password_hash::rand_core::RngCore::fill_bytes(
                &mut argon2::password_hash::rand_core::OsRng,
                &mut bytes,
            );
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| bad(format!("cannot be made: {e}")))?;
            }
            let text = hex::encode(bytes);
            // Written whole to a file of its own, then linked into place: a
            // process starting at the same moment sees no key or a whole one.
            let mut tmp = path.clone().into_os_string();
            tmp.push(format!(
                ".{}.{:x}",
                std::process::id(),
                bytes[0] as u32 * 7919
            ));
            let tmp = PathBuf::from(tmp);
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            let written = o.open(&tmp).and_then(|mut f| {
                std::io::Write::write_all(&mut f, format!("{text}\n").as_bytes())?;
                f.sync_all()
            });
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(bad(format!("cannot be made: {e}")));
            }
            let linked = std::fs::hard_link(&tmp, &path);
            let _ = std::fs::remove_file(&tmp);
            match linked {
                Ok(()) => Ok(ed25519_dalek::SigningKey::from_bytes(&bytes)),
                // Another process made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => signing_key(&path),
                Err(e) => Err(bad(format!("cannot be made: {e}"))),
            }
        }
        Err(e) => Err(bad(format!("cannot be read: {e}"))),
    }
}

impl Ctx {
    pub fn open(db: Option<PathBuf>, json: bool, reveal: bool) -> Result<Ctx> {
        let settings = settings(db)?;
        let path = db_path(&settings)?;
        Ctx::open_with(path, settings, json, reveal)
    }

    /// Opens the journal with settings already resolved: the PostgreSQL
    /// server they name, else the file at `path`.
    pub fn open_with(path: PathBuf, settings: Settings, json: bool, reveal: bool) -> Result<Ctx> {
        let store = open_store(&path, &settings)?;
        Ctx::with_store(store, path, settings, json, reveal)
    }

    /// A session over a store already open (a server's pooled connection).
    pub fn with_store(
        store: Box<dyn Store + Send>,
        path: PathBuf,
        settings: Settings,
        json: bool,
        reveal: bool,
    ) -> Result<Ctx> {
        let tz = local_time_zone();
        // CASEFILE_NOW fixes the clock that relative dates are read against
        // (for reproducible scripts and tests); `recorded` is always the real time.
        let now = match std::env::var("CASEFILE_NOW") {
            Ok(s) if !s.is_empty() => s.parse::<Timestamp>().map_err(|e| {
                Error::invalid(format!("CASEFILE_NOW={s} is not a timestamp: {e}"))
                    .hint("use RFC 3339, e.g. 2026-11-22T15:00:00Z")
            })?,
            _ => Timestamp::now(),
        };
        Ok(Ctx {
            store,
            db_path: path,
            tz,
            now,
            json,
            reveal,
            quiet: false,
            author: settings.author.clone(),
            currency: settings.currency.clone(),
            settings,
        })
    }

    /// Gives back the store, for a pool to keep.
    pub fn into_store(self) -> Box<dyn Store + Send> {
        self.store
    }

    pub fn past(&self, at: Option<&str>) -> Result<Timestamp> {
        match at {
            Some(s) => parse_when_in(s, self.now, &self.tz, Tense::Past, self.settings.date_order),
            None => Ok(self.now),
        }
    }

    pub fn future(&self, s: &str) -> Result<Timestamp> {
        parse_when_in(
            s,
            self.now,
            &self.tz,
            Tense::Future,
            self.settings.date_order,
        )
    }

    /// What the person learned in their other cases with the same company,
    /// newest case first: (case number, lesson).
    pub fn company_lessons(&self, s: &casefile_core::CaseState) -> Result<Vec<(u64, String)>> {
        let Some(company) = s.company else {
            return Ok(vec![]);
        };
        let mut out: Vec<(u64, String)> = self
            .store
            .company_items(company, casefile_core::ItemKind::Lesson)?
            .into_iter()
            .filter(|(_, case, _)| *case != s.id)
            .filter_map(|(handle, _, item)| match item {
                casefile_core::CaseItem::Lesson(l) if !l.origin.retracted => Some((handle, l.text)),
                _ => None,
            })
            .collect();
        // Newest case first; a case's own lessons stay in the order learned.
        out.sort_by_key(|(handle, _)| std::cmp::Reverse(*handle));
        Ok(out)
    }

    /// A case by its number or id, with only what a writer needs: the
    /// header, the open contacts, the goals, and the items at `seqs`. Its
    /// state is partial; a note on a long case then costs what a note costs.
    pub fn case_to_write(&self, arg: &str, seqs: &[u64]) -> Result<CaseRecord> {
        let id = self.case_id(arg)?;
        let parts = Self::write_parts(seqs);
        self.store.case_parts(id, &parts).map_err(|e| match e {
            StoreError::NoSuchStream { .. } => Self::no_case(arg),
            other => other.into(),
        })
    }

    pub fn write_parts(seqs: &[u64]) -> Parts {
        Parts {
            open_contacts: true,
            goals: true,
            seqs: seqs.to_vec(),
            ..Parts::default()
        }
    }

    fn no_case(arg: &str) -> Error {
        Error::not_found(format!("there is no case {arg}"))
            .hint("`casefile list` shows your cases and their numbers")
    }

    fn case_id(&self, arg: &str) -> Result<Uuid> {
        let a = arg.trim().trim_start_matches('#');
        let id = if let Ok(n) = a.parse::<u64>() {
            self.store.case_by_handle(n)?
        } else {
            Uuid::parse_str(a).ok()
        };
        id.ok_or_else(|| Self::no_case(arg))
    }

    /// Finds a case by its number (`3` or `#3`) or its full id.
    pub fn case(&self, arg: &str) -> Result<CaseRecord> {
        let a = arg.trim().trim_start_matches('#');
        let id = if let Ok(n) = a.parse::<u64>() {
            self.store.case_by_handle(n)?
        } else {
            Uuid::parse_str(a).ok()
        };
        let missing = || {
            Error::not_found(format!("there is no case {arg}"))
                .hint("`casefile list` shows your cases and their numbers")
        };
        let id = id.ok_or_else(missing)?;
        self.store.case(id).map_err(|e| match e {
            StoreError::NoSuchStream { .. } => missing(),
            other => other.into(),
        })
    }

    /// Appends to a company what `build` makes from its current state; when
    /// another writer got there first, reads it again and retries, as case
    /// writes do.
    pub fn append_company(
        &mut self,
        id: Uuid,
        build: impl Fn(&CompanyState) -> Result<Vec<Draft>>,
    ) -> Result<Vec<Entry>> {
        for attempt in 0..50u64 {
            let current = self.store.company(id)?;
            let drafts = build(&current.state)?;
            let author = self.author.clone();
            match self.store.append(id, current.state.seq, &author, drafts) {
                Err(StoreError::Conflict { .. }) => crate::write::wait_before_retry(attempt),
                other => return Ok(other?),
            }
        }
        Err(write_error(WriteError::KeptChanging))
    }

    /// A case with what every view of it needs: its company and the rates of
    /// the settings. Every face loads a case to show through here.
    pub fn case_file(&self, arg: &str) -> Result<CaseFile> {
        let rec = self.case(arg)?;
        self.file_of(rec)
    }

    /// [`case_file`](Self::case_file) without the notes, for the views that
    /// never read them (the brief, the advice, the costs, scripts and letters):
    /// on a long case, notes are most of what there is to read.
    pub fn case_file_without_notes(&self, arg: &str) -> Result<CaseFile> {
        let id = self.case_id(arg)?;
        let parts = Parts {
            all_but: Some(casefile_core::ItemKind::Note),
            ..Parts::default()
        };
        let rec = self.store.case_parts(id, &parts).map_err(|e| match e {
            StoreError::NoSuchStream { .. } => Self::no_case(arg),
            other => other.into(),
        })?;
        self.file_of(rec)
    }

    /// A case for its page: whole but for its notes, of which only the
    /// latest `recent`, with how many there are in all. A long case's notes
    /// are most of what it holds, and the page shows a few.
    pub fn case_file_recent_notes(&self, arg: &str, recent: usize) -> Result<(CaseFile, u64)> {
        let id = self.case_id(arg)?;
        let parts = Parts {
            all_but: Some(casefile_core::ItemKind::Note),
            recent,
            ..Parts::default()
        };
        let rec = self.store.case_parts(id, &parts).map_err(|e| match e {
            StoreError::NoSuchStream { .. } => Self::no_case(arg),
            other => other.into(),
        })?;
        let notes = self.store.count_items(id, casefile_core::ItemKind::Note)?;
        Ok((self.file_of(rec)?, notes))
    }

    /// A case with its whole journal, for views that show every entry (the
    /// timeline, the printable record, the console's log). The state is
    /// folded from the entries read, the truth, instead of read again from
    /// its stored parts.
    pub fn case_file_with_entries(&self, arg: &str) -> Result<(CaseFile, Vec<Entry>)> {
        let id = self.case_id(arg)?;
        self.journal_of(id).map_err(|e| match e.exit {
            Exit::NotFound => Self::no_case(arg),
            _ => e,
        })
    }

    /// [`case_file_with_entries`](Self::case_file_with_entries) for a view
    /// of what the entries record (the timeline as text or JSON): their
    /// author and chain may be left empty (see
    /// [`Store::read_stream_without_chain`]), which spares a long case's
    /// read thousands of copies.
    pub fn case_file_with_entries_without_chain(
        &self,
        arg: &str,
    ) -> Result<(CaseFile, Vec<Entry>)> {
        let id = self.case_id(arg)?;
        self.journal(id, false).map_err(|e| match e.exit {
            Exit::NotFound => Self::no_case(arg),
            _ => e,
        })
    }

    /// [`case_file_with_entries`](Self::case_file_with_entries) by the case's id.
    pub fn journal_of(&self, id: Uuid) -> Result<(CaseFile, Vec<Entry>)> {
        self.journal(id, true)
    }

    fn journal(&self, id: Uuid, chain: bool) -> Result<(CaseFile, Vec<Entry>)> {
        let handle = self.store.case_parts(id, &Parts::default())?.handle;
        let entries = if chain {
            self.store.read_stream(id)?
        } else {
            self.store.read_stream_without_chain(id)?
        };
        let state = CaseState::fold(&entries).map_err(|(seq, e)| {
            Error::new(
                Exit::Database,
                format!("entry #{seq} of case {handle} cannot be applied: {e}"),
            )
            .hint("run `casefile verify`")
        })?;
        let file = self.file_of(CaseRecord { handle, state })?;
        Ok((file, entries))
    }

    fn file_of(&self, rec: CaseRecord) -> Result<CaseFile> {
        let company = rec
            .state
            .company
            .map(|c| self.store.company(c))
            .transpose()?;
        Ok(CaseFile {
            handle: rec.handle,
            state: rec.state,
            company,
            rates: self.settings.rates.clone(),
        })
    }

    /// Appends what `build` makes from the case's current state; if another
    /// process wrote first, reads the state again and retries. `seqs` names
    /// the items `build` looks up besides the open contacts and the goals.
    pub fn append_case(
        &mut self,
        case: &CaseRecord,
        seqs: &[u64],
        build: impl Fn(&CaseState) -> Result<Vec<Draft>>,
    ) -> Result<Vec<Entry>> {
        let author = self.author.clone();
        append_case(
            &mut *self.store,
            &author,
            case,
            &Self::write_parts(seqs),
            build,
        )
        .map_err(write_error)
    }

    /// Resolves `#12`/`12` to the entry id within a case.
    pub fn entry_seq(arg: &str) -> Result<u64> {
        arg.trim()
            .trim_start_matches('#')
            .parse::<u64>()
            .map_err(|_| {
                Error::invalid(format!("'{arg}' is not an entry number")).hint(
                    "entries are numbered #1, #2, ... in `casefile show` and `casefile timeline`",
                )
            })
    }
}

/// A case as the faces show it: its state, its company and the rates its
/// costs are counted at.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub handle: u64,
    pub state: CaseState,
    pub company: Option<CompanyRecord>,
    pub rates: Rates,
}

impl CaseFile {
    pub fn company_state(&self) -> Option<&CompanyState> {
        self.company.as_ref().map(|c| &c.state)
    }

    pub fn company_name(&self) -> Option<String> {
        self.company_state().map(|c| c.name.clone())
    }

    /// What scripts, letters and the in-call tips are written from, for the
    /// people `who` names, as the session sees time and sensitive values.
    pub fn context(&self, who: &Addressing, ctx: &Ctx) -> CaseContext {
        case_context(
            &self.state,
            self.company_state(),
            &self.rates,
            who,
            ctx.now,
            &ctx.tz,
            ctx.reveal,
        )
    }
}

/// What the write path's refusal means to a person at the command line.
pub fn write_error(e: WriteError<Error>) -> Error {
    match e {
        WriteError::Build(e) => e,
        WriteError::Store(e) => e.into(),
        WriteError::KeptChanging => Error::new(
            Exit::Busy,
            "the case kept changing while this command tried to write",
        )
        .hint("run the command again"),
    }
}
