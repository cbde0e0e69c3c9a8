//! The journal's rules, written once over an engine's primitives: append
//! (seal, apply to a partial state, write what changed), verify, rebuild and
//! import. An engine provides [`Tx`], a handful of row-level verbs inside one
//! transaction; everything that decides what is right lives here.

use std::collections::HashMap;

use casefile_core::{
    CaseHeader, CaseItem, CaseState, ChainBreak, CompanyState, Draft, DueItem, Entry, Event,
    GENESIS, ItemKind, StreamKind, apply_partial, touched_entries, verify_chain,
};
use jiff::Timestamp;
use uuid::Uuid;

use crate::{Finding, ImportSummary, Result, StoreError, StreamInfo};

/// A stream's row: what it is and where its chain ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub info: StreamInfo,
    pub hash: String,
}

/// Which items of a case to read.
#[derive(Debug, Clone, Copy)]
pub enum Items<'a> {
    /// The items created by these entries (those that created one).
    ByEntry(&'a [Uuid]),
    OfKind(ItemKind),
    /// Items at these positions.
    BySeq(&'a [u64]),
    /// Contacts not ended and not retracted.
    OpenContacts,
    All,
    /// Every item but those of one kind.
    AllBut(ItemKind),
    /// The last items of one kind, at most this many, in order.
    Last(ItemKind, usize),
}

/// The columns a case's row keeps for lists, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseColumns {
    pub handle: u64,
    pub title: String,
    pub company: Option<Uuid>,
    pub status: casefile_core::Status,
    pub opened: Option<Timestamp>,
    pub last_at: Option<Timestamp>,
    pub next_due: Option<Timestamp>,
    pub entries: u64,
    pub client: Option<String>,
    pub helper: Option<String>,
}

/// One journal's head as a device signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigRow {
    pub stream: Uuid,
    pub seq: u64,
    pub hash: String,
    /// The signing device's public key, in hex.
    pub key: String,
    pub sig: String,
}

/// An entry row that may no longer parse: its position, id and the problem.
pub type Unreadable = (u64, Option<Uuid>, String);

/// The row-level verbs an engine provides inside one transaction. Every verb
/// is scoped to the engine's workspace.
pub trait Tx {
    fn head(&mut self, stream: Uuid) -> Result<Option<Head>>;
    /// The device this store writes as: the series its entries go in.
    fn device(&self) -> Uuid;
    /// Where a series of a stream ends (none: the journal's first series):
    /// its last place and that entry's hash.
    fn series_head(&mut self, stream: Uuid, series: Option<Uuid>) -> Result<Option<(u64, String)>>;
    /// A stream's entries after a position, in order, at most `limit`.
    fn read_after(&mut self, stream: Uuid, after: u64, limit: usize) -> Result<Vec<Entry>>;
    /// Gives entries new positions in their stream (a merge placing a
    /// device's unsent entries after those the server had first). Nothing
    /// the hash covers changes.
    fn move_entries(&mut self, stream: Uuid, moves: &[(Uuid, u64)]) -> Result<()>;
    /// Drops one case's items, due-list lines and search words, for a refold.
    fn clear_case(&mut self, case: Uuid) -> Result<()>;
    /// Makes a stream row with an empty chain and the next free handle of its kind.
    fn create_stream(&mut self, stream: Uuid, kind: StreamKind) -> Result<u64>;
    fn set_head(&mut self, stream: Uuid, seq: u64, hash: &str) -> Result<()>;
    fn heads(&mut self) -> Result<Vec<Head>>;

    /// Stores an entry and indexes its text.
    fn insert_entry(&mut self, e: &Entry) -> Result<()>;
    fn entry(&mut self, id: Uuid) -> Result<Option<Entry>>;
    /// A stream's entries in order, stopping at the first that does not parse.
    fn read_stream(&mut self, stream: Uuid) -> Result<(Vec<Entry>, Option<Unreadable>)>;

    fn case_header(&mut self, case: Uuid) -> Result<Option<CaseHeader>>;
    fn case_items(&mut self, case: Uuid, which: Items<'_>) -> Result<Vec<CaseItem>>;
    /// [`case_items`](Self::case_items) handed over one at a time, in the
    /// same order: a long case's items are then never all held twice.
    fn each_case_item(
        &mut self,
        case: Uuid,
        which: Items<'_>,
        each: &mut dyn FnMut(CaseItem),
    ) -> Result<()> {
        self.case_items(case, which)?.into_iter().for_each(each);
        Ok(())
    }
    /// How many items of one kind a case holds.
    fn count_items(&mut self, case: Uuid, kind: ItemKind) -> Result<u64>;
    /// Writes the case's row from its header, and each given item with its
    /// due-list line (none when it no longer has one).
    fn put_case(&mut self, handle: u64, header: &CaseHeader, items: &[CaseItem]) -> Result<()>;
    fn case_columns(&mut self, case: Uuid) -> Result<Option<CaseColumns>>;
    /// The due-list lines stored for a case, soonest first.
    fn case_due(&mut self, case: Uuid) -> Result<Vec<DueItem>>;

    fn company(&mut self, id: Uuid) -> Result<Option<CompanyState>>;
    fn put_company(&mut self, handle: u64, state: &CompanyState) -> Result<()>;
    /// The normalised names stored for a company's lookups, sorted.
    fn company_keys(&mut self, id: Uuid) -> Result<Vec<String>>;
    /// A company one of whose normalised names is exactly `norm`.
    fn company_named(&mut self, norm: &str) -> Result<Option<Uuid>>;
    /// Streams that have entries but no stream row (hidden from every list).
    fn streams_without_rows(&mut self) -> Result<Vec<Uuid>>;

    /// Empties every projection and the text index, keeping the journal.
    fn clear_projections(&mut self) -> Result<()>;
    /// Indexes an entry's text again (for rebuild).
    fn index_text(&mut self, e: &Entry) -> Result<()>;
    /// Whether the search index holds exactly what these entries (one case's
    /// journal, in order) say: no entry's words missing, changed or added.
    fn text_matches(&mut self, stream: Uuid, entries: &[Entry]) -> Result<bool>;

    /// Keeps a journal's head signature (one per journal: the newest).
    fn put_head_signature(&mut self, row: &SigRow) -> Result<()>;
    /// Every head signature kept.
    fn head_signatures(&mut self) -> Result<Vec<SigRow>>;
    /// A value the workspace keeps about itself (the signed list of journals).
    fn meta(&mut self, key: &str) -> Result<Option<String>>;
    fn put_meta(&mut self, key: &str, value: &str) -> Result<()>;
}

/// A case read whole from its projection.
pub fn load_case(tx: &mut impl Tx, case: Uuid) -> Result<Option<CaseState>> {
    let Some(header) = tx.case_header(case)? else {
        return Ok(None);
    };
    // Stored items come in position order.
    let mut s = CaseState::from_header(header);
    tx.each_case_item(case, Items::All, &mut |i| s.push_item(i))?;
    Ok(Some(s))
}

/// A case with only the parts asked for: the header always, then the open
/// contacts, the goals and the items at the given positions.
pub fn load_parts(tx: &mut impl Tx, case: Uuid, parts: &crate::Parts) -> Result<Option<CaseState>> {
    let Some(header) = tx.case_header(case)? else {
        return Ok(None);
    };
    if let Some(kind) = parts.all_but {
        // Everything but one kind (and its last few, if asked): statuses
        // included, so the state is whole but for that kind.
        // Each read comes in position order, and the second holds only the
        // kind the first left out, so every kind's list is in order.
        let mut s = CaseState::from_header(header);
        tx.each_case_item(case, Items::AllBut(kind), &mut |i| s.push_item(i))?;
        if parts.recent > 0 {
            tx.each_case_item(case, Items::Last(kind, parts.recent), &mut |i| {
                s.push_item(i)
            })?;
        }
        return Ok(Some(s));
    }
    let mut items = Vec::new();
    if parts.open_contacts {
        items.extend(tx.case_items(case, Items::OpenContacts)?);
    }
    if parts.goals {
        items.extend(tx.case_items(case, Items::OfKind(ItemKind::Goal))?);
    }
    if !parts.seqs.is_empty() {
        items.extend(tx.case_items(case, Items::BySeq(&parts.seqs))?);
    }
    items.sort_by_key(|i| i.origin().seq);
    items.dedup_by_key(|i| i.origin().seq);
    let mut s = CaseState::from_parts(header.clone(), items);
    // The status cannot be told from a partial list of status changes.
    s.statuses = vec![casefile_core::state::StatusChange {
        origin: casefile_core::state::Origin {
            entry: Uuid::nil(),
            seq: 0,
            at: header.opened.unwrap_or_default(),
            retracted: false,
            amended_by: vec![],
            original: None,
        },
        status: header.status,
        note: None,
    }];
    Ok(Some(s))
}

/// Appends drafts to a stream whose head is `expected_head`, in the caller's
/// transaction. Each draft is applied to only the parts of the state it
/// touches, so the cost does not grow with the case.
pub fn append(
    tx: &mut impl Tx,
    stream: Uuid,
    expected_head: u64,
    author: &str,
    recorded: Timestamp,
    drafts: Vec<Draft>,
) -> Result<Vec<Entry>> {
    let Some(first) = drafts.first() else {
        return Ok(vec![]);
    };
    let (kind, handle, mut seq, mut prev) = match tx.head(stream)? {
        Some(h) => (h.info.kind, h.info.handle, h.info.head_seq, h.hash),
        None => {
            let kind = first.event.stream_kind();
            let handle = tx.create_stream(stream, kind)?;
            (kind, handle, 0, GENESIS.to_string())
        }
    };
    // A batch whose first id is stored already is a retry of a write that
    // landed (a phone that lost the answer sends again): it gets what was
    // stored, and nothing is written twice. Asked after head(), which takes
    // the stream's lock where rows can be locked, so a racing retry waits.
    if let Some(done) = tx.entry(first.id)? {
        if done.stream != stream {
            return Err(StoreError::Import(format!(
                "entry id {} belongs to another stream; an entry id names one entry",
                first.id
            )));
        }
        let mut out = vec![done];
        for d in &drafts[1..] {
            out.extend(tx.entry(d.id)?);
        }
        return Ok(out);
    }
    if seq != expected_head {
        return Err(StoreError::Conflict {
            expected: expected_head,
            actual: seq,
        });
    }
    // Each device writes its own series of the journal, so entries merged
    // from others never change one of its hashes.
    let series = tx.device();
    let (mut n, mut series_prev) = if seq == 0 {
        (0, GENESIS.to_string())
    } else {
        tx.series_head(stream, Some(series))?
            .unwrap_or((0, GENESIS.to_string()))
    };
    let mut seal = |d: Draft, seq: u64| {
        n += 1;
        let e = Entry::seal_in_series(d, stream, seq, series, n, recorded, author, &series_prev);
        series_prev.clone_from(&e.hash);
        e
    };
    let mut out = Vec::with_capacity(drafts.len());
    match kind {
        StreamKind::Case => {
            let mut header = tx.case_header(stream)?.unwrap_or_default();
            for d in drafts {
                seq += 1;
                let e = seal(d, seq);
                let (h, changed) = apply_case_entry(tx, &header, &e)
                    .map_err(|err| StoreError::Domain { seq, err })?;
                tx.insert_entry(&e)?;
                tx.put_case(handle, &h, &changed)?;
                header = h;
                prev.clone_from(&e.hash);
                out.push(e);
            }
        }
        StreamKind::Company => {
            let mut state = tx.company(stream)?.unwrap_or_default();
            let keys_before = state.match_keys();
            for d in drafts {
                seq += 1;
                let e = seal(d, seq);
                state
                    .apply(&e)
                    .map_err(|err| StoreError::Domain { seq, err })?;
                tx.insert_entry(&e)?;
                prev.clone_from(&e.hash);
                out.push(e);
            }
            // A name is one company's, checked in this transaction: two writers
            // naming the same new company cannot both create it.
            for key in state.match_keys() {
                if keys_before.contains(&key) || key.is_empty() {
                    continue;
                }
                if let Some(other) = tx.company_named(&key)?.filter(|o| *o != stream) {
                    return Err(StoreError::CompanyExists {
                        name: state.name.clone(),
                        id: other,
                    });
                }
            }
            tx.put_company(handle, &state)?;
        }
    }
    tx.set_head(stream, seq, &prev)?;
    Ok(out)
}

/// The time an append is recorded at: now, to the millisecond (what rows keep).
pub fn recorded_now() -> Timestamp {
    Timestamp::from_millisecond(Timestamp::now().as_millisecond()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Builds drafts from the case as it stands under the caller's write lock
/// and appends them: `state` is used when it is still the head, else the
/// `parts` of the case are read again here. See [`crate::Store::append_built`].
pub fn append_built(
    tx: &mut impl Tx,
    case: Uuid,
    state: &CaseState,
    author: &str,
    recorded: Timestamp,
    parts: &crate::Parts,
    build: &mut dyn FnMut(&CaseState) -> Option<Vec<Draft>>,
) -> Result<Option<Vec<Entry>>> {
    // An engine's head() takes the stream's lock where rows can be locked.
    let head = tx.head(case)?.ok_or(StoreError::NoSuchStream {
        kind: "case",
        id: case,
    })?;
    let fresh;
    let current = if head.info.head_seq == state.seq() {
        state
    } else {
        fresh = load_parts(tx, case, parts)?.ok_or(StoreError::NoSuchStream {
            kind: "case",
            id: case,
        })?;
        &fresh
    };
    let Some(drafts) = build(current) else {
        return Ok(None);
    };
    append(tx, case, current.seq(), author, recorded, drafts).map(Some)
}

/// Loads what `e` touches, applies it, and returns the new header and the
/// items to write. A domain error means nothing may be written.
pub(crate) fn apply_case_entry(
    tx: &mut impl Tx,
    header: &CaseHeader,
    e: &Entry,
) -> std::result::Result<(CaseHeader, Vec<CaseItem>), casefile_core::DomainError> {
    let loaded = load_touched(tx, e);
    // A read failure here is reported as the entry being unusable; the
    // store's own error would lose the entry's number.
    let (items, target, all_statuses) = loaded.map_err(|err| {
        casefile_core::DomainError::Invalid(format!("the case could not be read: {err}"))
    })?;
    apply_partial(header, items, target, all_statuses, e)
}

/// The items `e` touches, the amendment's target with its position, and
/// whether every status change was loaded.
type Touched = (Vec<CaseItem>, Option<(Uuid, u64)>, bool);

fn load_touched(tx: &mut impl Tx, e: &Entry) -> Result<Touched> {
    let mut wanted = touched_entries(&e.event);
    let mut target = None;
    let mut all_statuses = false;
    let mut renames_rep = false;
    if let Event::Amended { target: t, .. } = &e.event {
        // The target may be any entry of this case; its item may sit inside
        // a contact (a rep joining).
        if let Some(te) = tx.entry(*t)?.filter(|te| te.stream == e.stream) {
            target = Some((te.id, te.seq));
            if let Event::RepJoined { contact, .. } = te.event {
                wanted.push(contact);
                renames_rep = true;
            }
            all_statuses = matches!(te.event, Event::StatusChanged { .. });
        }
    }
    let mut items = tx.case_items(e.stream, Items::ByEntry(&wanted))?;
    if renames_rep {
        // A corrected name follows into what that person promised or offered.
        for kind in [ItemKind::Promise, ItemKind::Offer] {
            items.retain(|i| i.kind() != kind);
            items.extend(tx.case_items(e.stream, Items::OfKind(kind))?);
        }
    }
    if all_statuses {
        items.retain(|i| i.kind() != ItemKind::Status);
        items.extend(tx.case_items(e.stream, Items::OfKind(ItemKind::Status))?);
    }
    Ok((items, target, all_statuses))
}

/// Folds a whole stream and writes every part of its projection.
pub(crate) fn project_whole(tx: &mut impl Tx, info: &StreamInfo, entries: &[Entry]) -> Result<()> {
    match info.kind {
        StreamKind::Case => {
            let s =
                CaseState::fold(entries).map_err(|(seq, err)| StoreError::Domain { seq, err })?;
            tx.put_case(info.handle, &s.header(), &s.items())
        }
        StreamKind::Company => {
            let s = CompanyState::fold(entries)
                .map_err(|(seq, err)| StoreError::Domain { seq, err })?;
            tx.put_company(info.handle, &s)
        }
    }
}

/// Drops every projection and folds them again from the journal, telling
/// `progress` the entries done so far and the total.
pub fn rebuild(tx: &mut impl Tx, progress: &mut dyn FnMut(u64, u64)) -> Result<()> {
    tx.clear_projections()?;
    let heads = tx.heads()?;
    let total: u64 = heads.iter().map(|h| h.info.head_seq).sum();
    let mut done = 0;
    progress(done, total);
    for h in heads {
        let (entries, unreadable) = tx.read_stream(h.info.id)?;
        if let Some((seq, _, problem)) = unreadable {
            return Err(StoreError::Corrupt(format!(
                "entry {seq} of {} {} {problem}; run `casefile verify`",
                kind_name(h.info.kind),
                h.info.handle
            )));
        }
        for e in &entries {
            tx.index_text(e)?;
        }
        project_whole(tx, &h.info, &entries)?;
        done += h.info.head_seq;
        progress(done, total);
    }
    Ok(())
}

fn kind_name(k: StreamKind) -> &'static str {
    match k {
        StreamKind::Case => "case",
        StreamKind::Company => "company",
    }
}

/// Checks every chain, and every stored view against a fresh fold, telling
/// `progress` the entries done so far and the total.
pub fn verify(tx: &mut impl Tx, progress: &mut dyn FnMut(u64, u64)) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let heads = tx.heads()?;
    let total: u64 = heads.iter().map(|h| h.info.head_seq).sum();
    let mut done = 0;
    for h in heads {
        progress(done, total);
        done += h.info.head_seq;
        let info = h.info.clone();
        let finding = |chain| Finding {
            kind: info.kind,
            handle: info.handle,
            chain,
        };
        let (entries, unreadable) = tx.read_stream(info.id)?;
        let unreadable = unreadable.map(|(seq, entry, problem)| ChainBreak {
            stream: info.id,
            seq,
            entry,
            problem: format!("cannot be read, so it was altered: {problem}"),
        });
        if let Some(b) = verify_chain(info.id, &entries, Some((info.head_seq, &h.hash))) {
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
        let stale = |what: &str| ChainBreak {
            stream: info.id,
            seq: info.head_seq,
            entry: None,
            problem: format!(
                "the stored {what} is out of step with the journal; run `casefile rebuild`"
            ),
        };
        match info.kind {
            StreamKind::Case => match CaseState::fold(&entries) {
                Err((seq, err)) => findings.push(finding(ChainBreak {
                    stream: info.id,
                    seq,
                    entry: entries.get(seq as usize - 1).map(|e| e.id),
                    problem: format!("cannot be applied: {err}"),
                })),
                Ok(fresh) => {
                    if let Some(what) = stale_case_view(tx, &info, &fresh)? {
                        findings.push(finding(stale(what)));
                    } else if !tx.text_matches(info.id, &entries)? {
                        findings.push(finding(stale("search index")));
                    }
                }
            },
            StreamKind::Company => {
                let fresh = CompanyState::fold(&entries).ok();
                let stored = tx.company(info.id)?;
                let mut keys = fresh.as_ref().map(|f| f.match_keys()).unwrap_or_default();
                keys.sort();
                keys.dedup();
                if fresh != stored {
                    findings.push(finding(stale("company view")));
                } else if tx.company_keys(info.id)? != keys {
                    findings.push(finding(stale("company name index")));
                }
            }
        }
    }
    // Entries whose stream row is gone are hidden from every view: the
    // journal was altered, and no rebuild brings them back.
    for stream in tx.streams_without_rows()? {
        let (entries, _) = tx.read_stream(stream)?;
        let kind = entries
            .first()
            .map_or(StreamKind::Case, |e| e.event.stream_kind());
        findings.push(Finding {
            kind,
            handle: 0,
            chain: ChainBreak {
                stream,
                seq: 1,
                entry: entries.first().map(|e| e.id),
                problem: format!(
                    "{} entries have no journal row, so they are hidden: the journal was altered",
                    entries.len()
                ),
            },
        });
    }
    progress(done, total);
    Ok(findings)
}

/// Which stored view of a case differs from the fold, if any.
fn stale_case_view(
    tx: &mut impl Tx,
    info: &StreamInfo,
    fresh: &CaseState,
) -> Result<Option<&'static str>> {
    if load_case(tx, info.id)?.as_ref() != Some(fresh) {
        return Ok(Some("case view"));
    }
    let closed = fresh.status().is_closed();
    // Rows keep times to the millisecond.
    let ms =
        |t: Option<Timestamp>| t.and_then(|t| Timestamp::from_millisecond(t.as_millisecond()).ok());
    let expected = CaseColumns {
        handle: info.handle,
        title: fresh.title.clone(),
        company: fresh.company,
        status: fresh.status(),
        opened: ms(fresh.opened),
        last_at: ms(fresh.last_at),
        next_due: if closed { None } else { ms(fresh.next_due()) },
        entries: fresh.seq(),
        client: fresh.client.clone(),
        helper: fresh.helper.clone(),
    };
    if tx.case_columns(info.id)?.as_ref() != Some(&expected) {
        return Ok(Some("case list row"));
    }
    if tx.case_due(info.id)? != fresh.due_items() {
        return Ok(Some("due list"));
    }
    Ok(None)
}

/// Each case entry's words as the search index keeps them, in order.
pub fn indexed_texts(entries: &[Entry]) -> Vec<(u64, String)> {
    entries
        .iter()
        .filter(|e| e.event.stream_kind() == StreamKind::Case)
        .map(|e| (e.seq, e.event.texts().join("\n")))
        .filter(|(_, body)| !body.is_empty())
        .collect()
}

/// Adds entries exported elsewhere, verbatim. Entries already present are
/// skipped; a stream that diverges is refused. The caller's transaction makes
/// it all or nothing. `progress` hears the entries done so far and the total.
pub fn import(
    tx: &mut impl Tx,
    entries: Vec<Entry>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportSummary> {
    let total = entries.len() as u64;
    let mut done = 0;
    progress(done, total);
    let mut by_stream: HashMap<Uuid, Vec<Entry>> = HashMap::new();
    for e in entries {
        by_stream.entry(e.stream).or_default().push(e);
    }
    let mut order: Vec<Uuid> = by_stream.keys().copied().collect();
    order.sort();
    let mut summary = ImportSummary::default();
    for stream in order {
        let incoming = by_stream.remove(&stream).unwrap_or_default();
        progress(done, total);
        done += incoming.len() as u64;
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
        let (existing, _) = tx.read_stream(stream)?;
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
        let handle = match tx.head(stream)? {
            Some(h) => h.info.handle,
            None => {
                summary.streams_added += 1;
                tx.create_stream(stream, kind)?
            }
        };
        for e in &incoming[existing.len()..] {
            tx.insert_entry(e)?;
            summary.entries_added += 1;
        }
        let last = incoming.last().map(|e| (e.seq, e.hash.clone()));
        if let Some((seq, hash)) = &last {
            tx.set_head(stream, *seq, hash)?;
        }
        let info = StreamInfo {
            id: stream,
            kind,
            handle,
            head_seq: last.map_or(0, |l| l.0),
        };
        project_whole(tx, &info, &incoming).map_err(|e| match e {
            StoreError::Domain { seq, err } => StoreError::Import(format!(
                "stream {stream}, entry {seq} cannot be applied: {err}"
            )),
            other => other,
        })?;
    }
    progress(done, total);
    Ok(summary)
}
