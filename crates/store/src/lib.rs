//! Storage for casefile: domain-level verbs behind the [`Store`] trait, the
//! journal's rules written once over an engine's primitives ([`journal`]),
//! the export format, and one conformance suite every engine must pass.
//! Engines live in crates of their own (`casefile-store-sqlite`).

pub mod codec;
pub mod conformance;
pub mod journal;
pub mod jsonl;
pub mod signing;
pub mod sync;

use casefile_core::{
    CaseState, ChainBreak, CompanyState, DomainError, Draft, DueItem, Entry, Status, StreamKind,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A case as the store holds it: its local handle and its folded state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// The short number people type (`casefile show 3`). Local to this store.
    pub handle: u64,
    pub state: CaseState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRecord {
    pub handle: u64,
    pub state: CompanyState,
}

/// One line of the case list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRow {
    pub id: Uuid,
    pub handle: u64,
    pub title: String,
    pub company: Option<Uuid>,
    pub company_name: Option<String>,
    pub status: Status,
    pub opened: Option<Timestamp>,
    pub last_at: Option<Timestamp>,
    pub next_due: Option<Timestamp>,
    pub entries: u64,
    /// Who it is for, and the helper working it (on a shared server).
    pub client: Option<String>,
    pub helper: Option<String>,
}

/// Which parts of a case a partial read brings (the header always). Writers
/// need little of a case; reading all of it would make a note on a long case
/// cost what the case costs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    pub open_contacts: bool,
    pub goals: bool,
    /// Items created by the entries at these positions.
    pub seqs: Vec<u64>,
    /// Instead of the above, every item but those of this kind: for views
    /// that never read it (the brief reads no notes).
    pub all_but: Option<casefile_core::ItemKind>,
    /// With `all_but`, the last this many of that kind all the same (the
    /// case page shows the latest notes).
    pub recent: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub status: Option<Status>,
    pub company: Option<Uuid>,
    /// Only the cases this helper works.
    pub helper: Option<String>,
    /// At most this many, most recently active first.
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub case: Uuid,
    pub handle: u64,
    pub title: String,
    pub entry: Entry,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueRow {
    pub case: Uuid,
    pub handle: u64,
    pub title: String,
    pub item: DueItem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub id: Uuid,
    pub kind: StreamKind,
    pub handle: u64,
    pub head_seq: u64,
}

/// Something `verify` found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: StreamKind,
    pub handle: u64,
    #[serde(flatten)]
    pub chain: ChainBreak,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub streams_added: usize,
    pub entries_added: usize,
    pub entries_already_present: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no {kind} with id {id}")]
    NoSuchStream { kind: &'static str, id: Uuid },
    #[error("the case changed while you were writing (expected entry {expected}, found {actual})")]
    Conflict { expected: u64, actual: u64 },
    #[error("entry {seq} was refused: {err}")]
    Domain { seq: u64, err: DomainError },
    #[error("the database is busy: another casefile process held it for more than {waited_ms} ms")]
    Busy { waited_ms: u64 },
    #[error(
        "this database was written by a newer casefile (schema {found}; this one knows up to {known})"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("{0} is not a casefile database")]
    NotCasefile(String),
    #[error("a company named {name:?} is recorded already")]
    CompanyExists { name: String, id: Uuid },
    #[error("{0}")]
    Import(String),
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    #[error("the disk is full: nothing was written")]
    DiskFull,
    #[error("{0} is read-only: nothing was written")]
    ReadOnly(String),
    #[error("database error: {0}")]
    Engine(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The domain-level verbs every storage engine provides. Writes are atomic:
/// each call either lands whole, with its projections, or not at all.
pub trait Store {
    /// Scopes later calls to another workspace, on an engine that holds many
    /// (a server's). An engine of one workspace says false and changes nothing.
    fn use_workspace(&mut self, _workspace: Uuid) -> bool {
        false
    }

    /// Signs each journal's head as it is written, with this device's key
    /// (kept outside the database); `verify` then checks the signatures. An
    /// engine that keeps no signatures ignores it.
    fn set_signer(&mut self, _key: ed25519_dalek::SigningKey) {}

    /// [`set_signer`](Self::set_signer) with the key read by `load` when a
    /// write or `verify` first needs it (or [`set_signer_unavailable`] with
    /// the reason `load` gives); reads never read it. By default it is read
    /// at once.
    ///
    /// [`set_signer_unavailable`]: Self::set_signer_unavailable
    fn set_signer_loader(&mut self, load: signing::KeyLoader) {
        match load() {
            Ok(key) => self.set_signer(key),
            Err(why) => self.set_signer_unavailable(why),
        }
    }

    /// A folder outside the journal, beside the key, where the device notes
    /// the workspaces it signs: once noted, every head must carry its
    /// signature, so one removed is found. An engine that signs nothing
    /// ignores it.
    fn set_anchor(&mut self, _dir: &std::path::Path) {}

    /// The device's key cannot be used (`why`): reads go on, and every
    /// write is refused with that reason rather than left unsigned.
    fn set_signer_unavailable(&mut self, _why: String) {}

    /// Whether the store can serve another request (a server's connection
    /// may have been closed); a pool drops one that cannot.
    fn is_usable(&self) -> bool {
        true
    }

    /// Appends drafts to a stream whose last entry is `expected_head` (0 for a
    /// new stream, whose first draft must open a case or create a company).
    fn append(
        &mut self,
        stream: Uuid,
        expected_head: u64,
        author: &str,
        drafts: Vec<Draft>,
    ) -> Result<Vec<Entry>>;

    /// Appends what `build` makes of a case, inside the engine's write lock:
    /// if the case moved on since `state` was read, it is read again (the
    /// `parts` of it) under the lock and `build` runs on that. Writers of one
    /// case so queue rather than conflict. `build` returning None writes
    /// nothing and gives None.
    fn append_built(
        &mut self,
        case: Uuid,
        state: &CaseState,
        author: &str,
        parts: &Parts,
        build: &mut dyn FnMut(&CaseState) -> Option<Vec<Draft>>,
    ) -> Result<Option<Vec<Entry>>>;

    /// Every entry of a stream, in order.
    fn read_stream(&self, stream: Uuid) -> Result<Vec<Entry>>;

    /// Every entry of a stream, in order, for a view of what the entries
    /// record (the timeline): an engine may leave each entry's author and
    /// chain (`prev`, `hash`) empty, so what reads these may never verify,
    /// export, hash or show them.
    fn read_stream_without_chain(&self, stream: Uuid) -> Result<Vec<Entry>> {
        self.read_stream(stream)
    }

    /// The entry at a position of a stream.
    fn entry_at(&self, stream: Uuid, seq: u64) -> Result<Option<Entry>>;

    /// An entry by its id, in whichever stream it is.
    fn entry(&self, id: Uuid) -> Result<Option<Entry>>;

    /// Every journal's head now, for a seal.
    fn heads(&self) -> Result<Vec<casefile_core::seal::SealedHead>>;

    /// Keeps a seal. Seals are only ever added.
    fn put_seal(&mut self, seal: &casefile_core::seal::Seal) -> Result<()>;

    /// Every seal kept, oldest first.
    fn seals(&self) -> Result<Vec<casefile_core::seal::Seal>>;

    /// The SHA-256 (hex) of the secret in the workspace's private calendar
    /// address, if one was made.
    fn calendar_key(&self) -> Result<Option<String>>;

    /// Keeps the hash of a new calendar secret; the old address stops working.
    fn set_calendar_key(&mut self, hash: &str) -> Result<()>;

    /// All streams, oldest first (by id, which is time-ordered).
    fn streams(&self) -> Result<Vec<StreamInfo>>;

    fn case(&self, id: Uuid) -> Result<CaseRecord>;

    /// The case with only the parts asked for: a partial state, for writers.
    fn case_parts(&self, id: Uuid, parts: &Parts) -> Result<CaseRecord>;

    fn case_by_handle(&self, handle: u64) -> Result<Option<Uuid>>;

    /// How many items of one kind a case holds (its notes, say, when only
    /// the latest were read).
    fn count_items(&self, case: Uuid, kind: casefile_core::ItemKind) -> Result<u64>;

    fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRow>>;

    /// Entries whose text matches every word of `query`, best first.
    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>>;

    /// Open promises and follow-ups due at or before `until`, in open cases
    /// (those `helper` works, when one is named).
    fn due(
        &self,
        until: Timestamp,
        limit: Option<usize>,
        helper: Option<&str>,
    ) -> Result<Vec<DueRow>>;

    /// How many cases the filter matches, whatever its limit.
    fn count_cases(&self, filter: &CaseFilter) -> Result<u64>;

    /// How many items are due at or before `until`, in open cases (those
    /// `helper` works, when one is named).
    fn count_due(&self, until: Timestamp, helper: Option<&str>) -> Result<u64>;

    fn company(&self, id: Uuid) -> Result<CompanyRecord>;

    /// The company whose name or alias matches, forgivingly (case, punctuation, Inc./LLC),
    /// or failing that the one company whose name begins with those words.
    fn company_by_name(&self, name: &str) -> Result<Option<Uuid>>;

    fn companies(&self) -> Result<Vec<CompanyRecord>>;

    fn cases_of_company(&self, id: Uuid) -> Result<Vec<CaseRecord>>;

    /// The items of one kind in every case with this company, each with its
    /// case's number and id, by case number: what the lessons learned with a
    /// company read, without reading each case whole.
    fn company_items(
        &self,
        company: Uuid,
        kind: casefile_core::ItemKind,
    ) -> Result<Vec<(u64, Uuid, casefile_core::CaseItem)>>;

    /// Checks every chain and every projection; an empty list means all is well.
    fn verify(&self) -> Result<Vec<Finding>> {
        self.verify_with(&mut |_, _| {})
    }

    /// [`verify`](Self::verify), telling `progress` the entries checked and the total.
    fn verify_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<Vec<Finding>>;

    /// Drops every projection and folds them again from the journal.
    fn rebuild(&mut self) -> Result<()> {
        self.rebuild_with(&mut |_, _| {})
    }

    /// [`rebuild`](Self::rebuild), telling `progress` the entries folded and the total.
    fn rebuild_with(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<()>;

    /// Adds entries exported elsewhere, verbatim (ids, times and hashes kept).
    /// Entries already present are skipped; a stream that diverges is refused.
    /// All or nothing.
    fn import(&mut self, entries: Vec<Entry>) -> Result<ImportSummary> {
        self.import_with(entries, &mut |_, _| {})
    }

    /// [`import`](Self::import), telling `progress` the entries done and the total.
    fn import_with(
        &mut self,
        entries: Vec<Entry>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportSummary>;

    /// The device this store writes as (the series its entries go in).
    fn device(&self) -> Uuid;

    /// Sync: a stream's entries after a position, in order, at most `limit`.
    fn entries_after(&self, stream: Uuid, after: u64, limit: usize) -> Result<Vec<Entry>>;

    /// Sync, a server's side: entries a device wrote on top of position
    /// `base` ([`sync::accept`]).
    fn accept_entries(
        &mut self,
        stream: Uuid,
        base: u64,
        entries: Vec<Entry>,
    ) -> Result<sync::Accepted>;

    /// Sync, a device's side: the server's entries from position `have + 1`
    /// ([`sync::merge`]).
    fn merge_entries(
        &mut self,
        stream: Uuid,
        have: u64,
        entries: Vec<Entry>,
    ) -> Result<sync::Merged>;

    /// Sync: how many positions of each stream match the server's, as last known.
    fn synced(&self, stream: Uuid) -> Result<u64>;

    /// Sync: notes that the server holds a stream's first `n` positions as here.
    fn set_synced(&mut self, stream: Uuid, n: u64) -> Result<()>;
}

pub use signing::head_message;
