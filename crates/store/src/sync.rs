//! Sync between a person's devices through a server, written once over
//! [`Tx`]. Each device writes its own series of a journal, so entries only
//! ever get added. The server's order is the journal's order: a device
//! sends what it wrote on top of the server's head as it last saw it
//! ([`accept`]), and places what it receives after what it had from the
//! server, before what it has not sent yet ([`merge`]). A write that lands is
//! one transaction, so a sync stopped at any instant loses and doubles
//! nothing; the next one carries on from the heads.

use casefile_core::{CaseState, Entry, SeriesHeads, StreamKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::journal::{Tx, apply_case_entry, project_whole};
use crate::{Result, StoreError, StreamInfo};

/// What a server did with entries a device sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The stream's last position on the server now.
    pub head: u64,
    pub added: u64,
    /// Entries the server had already (a send whose answer was lost).
    pub present: u64,
}

/// What a device did with entries a server sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merged {
    pub added: u64,
    /// Entries the device had already (its own, sent before).
    pub present: u64,
    /// Whether the device's unsent entries moved after the new ones (the
    /// case's views were folded again).
    pub moved: bool,
    /// How many positions of the stream now match the server's.
    pub synced: u64,
}

/// Why a series refuses an entry, as a message that names it.
fn refused(stream: Uuid, e: &Entry, problem: &str) -> StoreError {
    let series = match e.series {
        Some(s) => format!("device {s}'s series"),
        None => "the journal's first series".into(),
    };
    StoreError::Import(format!(
        "journal {stream}: entry {} (number {} of {series}) {problem}; nothing of this journal was taken",
        e.id,
        e.place()
    ))
}

/// Where each series `entries` belong to ends in the store now.
fn series_heads(tx: &mut impl Tx, stream: Uuid, entries: &[Entry]) -> Result<SeriesHeads> {
    let mut heads = SeriesHeads::default();
    let mut seen: Vec<Option<Uuid>> = Vec::new();
    for e in entries {
        if seen.contains(&e.series) {
            continue;
        }
        seen.push(e.series);
        if let Some((n, hash)) = tx.series_head(stream, e.series)? {
            heads.set(e.series, n, &hash);
        }
    }
    Ok(heads)
}

/// Checks `e` follows its series and takes position `seq`: an entry of the
/// first series must already say that position (its hash covers it).
fn placed(stream: Uuid, mut e: Entry, seq: u64, heads: &mut SeriesHeads) -> Result<Entry> {
    if e.stream != stream {
        return Err(refused(stream, &e, "belongs to another journal"));
    }
    if e.series.is_none() && e.seq != seq {
        return Err(refused(
            stream,
            &e,
            &format!("was written at position {} but would go at {seq}", e.seq),
        ));
    }
    if let Some(problem) = heads.refuse(&e) {
        return Err(refused(stream, &e, &problem));
    }
    heads.set(e.series, e.place(), &e.hash);
    e.seq = seq;
    Ok(e)
}

/// Applies one entry at the end of a stream's projection and stores it.
/// An entry of a device's series that cannot apply here (both devices ended
/// the same call) is kept and changes nothing, as the fold does.
fn append_entry(tx: &mut impl Tx, info: &StreamInfo, e: &Entry) -> Result<()> {
    match info.kind {
        StreamKind::Case => {
            let header = tx.case_header(info.id)?.unwrap_or_default();
            let (h, changed) = match apply_case_entry(tx, &header, e) {
                Ok(done) => done,
                Err(_) if may_pass_over(&header, e) => {
                    let mut h = header.clone();
                    h.head = e.seq;
                    (h, vec![])
                }
                Err(err) => return Err(StoreError::Domain { seq: e.seq, err }),
            };
            tx.insert_entry(e)?;
            tx.put_case(info.handle, &h, &changed)?;
        }
        StreamKind::Company => {
            let mut state = tx.company(info.id)?.unwrap_or_default();
            state
                .apply_merged(e)
                .map_err(|err| StoreError::Domain { seq: e.seq, err })?;
            tx.insert_entry(e)?;
            tx.put_company(info.handle, &state)?;
        }
    }
    Ok(())
}

/// Applies entries at the end of a stream's projection and stores them. A
/// long run is folded in memory from the stream's state and written once
/// (a first sync brings thousands); a short one goes entry by entry, each
/// reading only what it touches.
fn append_entries(tx: &mut impl Tx, info: &StreamInfo, entries: &[Entry]) -> Result<()> {
    if entries.len() < 32 {
        for e in entries {
            append_entry(tx, info, e)?;
        }
        return Ok(());
    }
    match info.kind {
        StreamKind::Case => {
            let mut s = crate::journal::load_case(tx, info.id)?.unwrap_or_default();
            let before: std::collections::HashMap<u64, casefile_core::CaseItem> =
                s.items().into_iter().map(|i| (i.origin().seq, i)).collect();
            for e in entries {
                s.apply_merged(e)
                    .map_err(|err| StoreError::Domain { seq: e.seq, err })?;
                tx.insert_entry(e)?;
            }
            let changed: Vec<casefile_core::CaseItem> = s
                .items()
                .into_iter()
                .filter(|i| before.get(&i.origin().seq) != Some(i))
                .collect();
            tx.put_case(info.handle, &s.header(), &changed)?;
        }
        StreamKind::Company => {
            let mut state = tx.company(info.id)?.unwrap_or_default();
            for e in entries {
                state
                    .apply_merged(e)
                    .map_err(|err| StoreError::Domain { seq: e.seq, err })?;
                tx.insert_entry(e)?;
            }
            tx.put_company(info.handle, &state)?;
        }
    }
    Ok(())
}

/// The fold's rule (`CaseState::may_pass_over`), asked of a stored header.
fn may_pass_over(header: &casefile_core::CaseHeader, e: &Entry) -> bool {
    let s = CaseState {
        head: header.head,
        ..CaseState::default()
    };
    s.may_pass_over(e)
}

/// The stream's row, made (with the next handle of its kind) when the
/// entries are the first this store sees of it.
fn stream_info(
    tx: &mut impl Tx,
    stream: Uuid,
    head: Option<crate::journal::Head>,
    first: &Entry,
) -> Result<StreamInfo> {
    Ok(match head {
        Some(h) => h.info,
        None => {
            let kind = first.event.stream_kind();
            let handle = tx.create_stream(stream, kind)?;
            StreamInfo {
                id: stream,
                kind,
                handle,
                head_seq: 0,
            }
        }
    })
}

/// [`accept`], with the entries a head signature is then made from
/// ([`head_marks`]): what an engine that signs needs, in one call.
pub fn accept_marked(
    tx: &mut impl Tx,
    stream: Uuid,
    base: u64,
    entries: Vec<Entry>,
) -> Result<(Accepted, Vec<Entry>)> {
    let new = tx.head(stream)?.is_none();
    let a = accept(tx, stream, base, entries)?;
    Ok((a, head_marks(tx, stream, new)?))
}

/// [`merge`], with the entries a head signature is then made from.
pub fn merge_marked(
    tx: &mut impl Tx,
    stream: Uuid,
    have: u64,
    entries: Vec<Entry>,
) -> Result<(Merged, Vec<Entry>)> {
    let new = tx.head(stream)?.is_none();
    let m = merge(tx, stream, have, entries)?;
    Ok((m, head_marks(tx, stream, new)?))
}

/// The server's side: takes entries a device wrote on top of position
/// `base`. Refused whole if the server moved on since (the device merges
/// first), or if any entry does not follow its series (named). Entries the
/// server has already are counted, not stored twice.
pub fn accept(tx: &mut impl Tx, stream: Uuid, base: u64, entries: Vec<Entry>) -> Result<Accepted> {
    let Some(first) = entries.first() else {
        let head = tx.head(stream)?.map_or(0, |h| h.info.head_seq);
        return Ok(Accepted {
            head,
            ..Accepted::default()
        });
    };
    // Asked first: it takes the stream's lock where rows can be locked.
    let head = tx.head(stream)?;
    if tx.entry(first.id)?.is_some() {
        // A send that landed and whose answer was lost: what is here must be
        // what was sent; if some of it is not here, the device is behind and
        // brings the server's entries down first.
        let mut present = 0;
        for e in &entries {
            match tx.entry(e.id)? {
                Some(h) if h.hash == e.hash && h.stream == stream => present += 1,
                Some(_) => {
                    return Err(refused(
                        stream,
                        e,
                        "differs from what the server holds: the device's copy was altered or restored from an old backup",
                    ));
                }
                None => {
                    let actual = head.map_or(0, |h| h.info.head_seq);
                    return Err(StoreError::Conflict {
                        expected: base,
                        actual,
                    });
                }
            }
        }
        return Ok(Accepted {
            head: head.map_or(0, |h| h.info.head_seq),
            added: 0,
            present,
        });
    }
    let at = head.as_ref().map_or(0, |h| h.info.head_seq);
    if at != base {
        return Err(StoreError::Conflict {
            expected: base,
            actual: at,
        });
    }
    let info = stream_info(tx, stream, head, first)?;
    let mut heads = series_heads(tx, stream, &entries)?;
    let mut seq = at;
    let added = entries.len() as u64;
    let mut placed_entries = Vec::with_capacity(entries.len());
    for e in entries {
        seq += 1;
        placed_entries.push(placed(stream, e, seq, &mut heads)?);
    }
    append_entries(tx, &info, &placed_entries)?;
    if let Some(last) = placed_entries.last() {
        tx.set_head(stream, seq, &last.hash)?;
    }
    Ok(Accepted {
        head: seq,
        added,
        present: 0,
    })
}

/// The device's side: places entries the server holds at positions
/// `have + 1...` (`have`: how many positions matched the server before).
/// Entries the device sent already keep their place if the server put them
/// there; the device's unsent entries move after the new ones, and then the
/// case is folded again. Every new entry must follow its series.
pub fn merge(tx: &mut impl Tx, stream: Uuid, have: u64, pulled: Vec<Entry>) -> Result<Merged> {
    let Some(first) = pulled.first() else {
        return Ok(Merged {
            synced: have,
            ..Merged::default()
        });
    };
    let head = tx.head(stream)?;
    let head_seq = head.as_ref().map_or(0, |h| h.info.head_seq);
    if have > head_seq {
        return Err(StoreError::Import(format!(
            "journal {stream}: the server was said to match {have} entries here but only {head_seq} are stored"
        )));
    }
    let pending = tx.read_after(stream, have, usize::MAX)?;
    let info = stream_info(tx, stream, head, first)?;
    // What is new, checked against its series; what the device sent before
    // must be exactly what it holds.
    let mut new_ids = Vec::new();
    let mut heads = series_heads(tx, stream, &pulled)?;
    let mut fresh: Vec<Entry> = Vec::new();
    let mut present = 0;
    for (i, e) in pulled.into_iter().enumerate() {
        let seq = have + 1 + i as u64;
        if let Some(mine) = pending.iter().find(|p| p.id == e.id) {
            if mine.hash != e.hash {
                return Err(refused(
                    stream,
                    &e,
                    "differs from this device's copy: one of them was altered",
                ));
            }
            present += 1;
            new_ids.push(e.id);
            continue;
        }
        if tx.entry(e.id)?.is_some() {
            return Err(refused(
                stream,
                &e,
                "is stored here at another place than the server's: this file and the server disagree",
            ));
        }
        if e.series == Some(tx.device()) {
            let name = match info.kind {
                StreamKind::Case => format!("case {}", info.handle),
                StreamKind::Company => format!("company {}", info.handle),
            };
            return Err(StoreError::Import(format!(
                "the server holds entries of {name} written as this device that this file lacks: this file is a copy of another (or was restored from an older backup), and both copies were written to. Nothing of {name} was changed here or on the server; keep using the other copy, and copy across by hand what was written only here"
            )));
        }
        let e = placed(stream, e, seq, &mut heads)?;
        new_ids.push(e.id);
        fresh.push(e);
    }
    let server_count = new_ids.len() as u64;
    for p in &pending {
        if !new_ids.contains(&p.id) {
            new_ids.push(p.id);
        }
    }
    let unmoved = new_ids.iter().zip(&pending).all(|(id, p)| *id == p.id);
    let added = fresh.len() as u64;
    let total = have + new_ids.len() as u64;
    let moved = !unmoved;
    if unmoved {
        // The common case: nothing of this device's waits, or the server
        // took it as it stands; the new entries go on the end.
        let mut seq = head_seq;
        for e in &mut fresh {
            seq += 1;
            if e.series.is_none() && e.seq != seq {
                return Err(refused(stream, e, "would not keep its position"));
            }
            e.seq = seq;
        }
        append_entries(tx, &info, &fresh)?;
    } else {
        // Unsent entries move after the server's: new positions for the
        // entries this device holds, then the whole case folded again.
        let position =
            |id: &Uuid| have + 1 + new_ids.iter().position(|x| x == id).unwrap_or(0) as u64;
        let moves: Vec<(Uuid, u64)> = pending
            .iter()
            .filter(|p| p.series.is_some())
            .map(|p| (p.id, position(&p.id)))
            .filter(|(id, seq)| pending.iter().any(|p| p.id == *id && p.seq != *seq))
            .collect();
        if pending.iter().any(|p| p.series.is_none()) {
            return Err(StoreError::Import(format!(
                "journal {stream} was written on this device before it could sync and also reached the server from elsewhere (a copy or an import); nothing of it was taken. Export this case, and import it into the server's workspace instead"
            )));
        }
        tx.move_entries(stream, &moves)?;
        for mut e in fresh {
            e.seq = position(&e.id);
            tx.insert_entry(&e)?;
        }
        let (entries, unreadable) = tx.read_stream(stream)?;
        if let Some((seq, _, problem)) = unreadable {
            return Err(StoreError::Corrupt(format!(
                "entry {seq} of journal {stream} {problem}; run `casefile verify`"
            )));
        }
        if info.kind == StreamKind::Case {
            tx.clear_case(stream)?;
            for e in &entries {
                tx.index_text(e)?;
            }
        }
        project_whole(
            tx,
            &StreamInfo {
                head_seq: total,
                ..info.clone()
            },
            &entries,
        )?;
    }
    let last = tx.read_after(stream, total - 1, 1)?;
    if let Some(e) = last.first() {
        tx.set_head(stream, total, &e.hash)?;
    }
    let synced = have + server_count;
    set_synced(tx, stream, synced)?;
    Ok(Merged {
        added,
        present,
        moved,
        synced,
    })
}

fn synced_key(stream: Uuid) -> String {
    format!("synced:{stream}")
}

/// How many positions of a stream match the server's, as last known.
pub fn synced(tx: &mut impl Tx, stream: Uuid) -> Result<u64> {
    Ok(tx
        .meta(&synced_key(stream))?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

pub fn set_synced(tx: &mut impl Tx, stream: Uuid, n: u64) -> Result<()> {
    tx.put_meta(&synced_key(stream), &n.to_string())
}

/// The entries a head signature after a sync is made from: the stream's
/// last, after its first when the sync brought the stream (so the list of
/// journals is signed again).
pub fn head_marks(rows: &mut impl Tx, stream: Uuid, new: bool) -> Result<Vec<Entry>> {
    let Some(head) = rows.head(stream)? else {
        return Ok(vec![]);
    };
    let mut marks = Vec::new();
    if new {
        marks.extend(rows.read_after(stream, 0, 1)?);
    }
    marks.extend(rows.read_after(stream, head.info.head_seq.saturating_sub(1), 1)?);
    Ok(marks)
}

/// A server as a device's sync sees it: its heads, its entries, and taking
/// a device's. [`StoreError::Conflict`] from `push` means the server moved
/// on since `base` (the device merges, then sends again).
pub trait Remote {
    /// Every journal the server holds, with its last position.
    fn heads(&mut self) -> Result<Vec<(Uuid, u64)>>;
    fn pull(&mut self, stream: Uuid, after: u64, limit: usize) -> Result<Vec<Entry>>;
    fn push(&mut self, stream: Uuid, base: u64, entries: Vec<Entry>) -> Result<Accepted>;
}

/// A store of the same process as the server (tests, benchmarks).
impl<S: crate::Store + ?Sized> Remote for &mut S {
    fn heads(&mut self) -> Result<Vec<(Uuid, u64)>> {
        Ok(self
            .streams()?
            .into_iter()
            .map(|s| (s.id, s.head_seq))
            .collect())
    }

    fn pull(&mut self, stream: Uuid, after: u64, limit: usize) -> Result<Vec<Entry>> {
        self.entries_after(stream, after, limit)
    }

    fn push(&mut self, stream: Uuid, base: u64, entries: Vec<Entry>) -> Result<Accepted> {
        self.accept_entries(stream, base, entries)
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Entries that came down, and went up.
    pub pulled: u64,
    pub pushed: u64,
    /// Journals in which this device's unsent entries moved after others'.
    pub moved: u64,
    /// Journals that came down new.
    pub new_journals: u64,
}

/// What is waiting, per journal: entries to send up, and to bring down.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub stream: Uuid,
    pub handle: Option<u64>,
    pub kind: Option<StreamKind>,
    pub up: u64,
    pub down: u64,
}

/// How many entries a request carries at most.
pub const BATCH: usize = 2000;

/// About how many bytes a request carries at most: a run of long notes
/// goes in more requests rather than one too large to send or read.
pub const BUDGET: usize = 4 << 20;

/// Keeps the first entries whose text fits `budget` bytes (always one).
pub fn within_budget(entries: &mut Vec<Entry>, budget: usize) {
    let mut used = 0;
    let keep = entries
        .iter()
        .position(|e| {
            used += 400 + e.event.texts().iter().map(|t| t.len() * 2).sum::<usize>();
            used > budget
        })
        .unwrap_or(entries.len());
    entries.truncate(keep.max(1));
}

/// Brings down what the server has that this device lacks, then sends up
/// what this device wrote that the server lacks, in batches. Each batch is
/// one transaction on each side, so a sync stopped anywhere is carried on
/// by the next, and nothing crosses twice.
pub fn sync(local: &mut dyn crate::Store, remote: &mut dyn Remote, batch: usize) -> Result<Report> {
    sync_with(local, remote, batch, &mut |_, _| {})
}

/// [`sync`], telling `progress` the entries moved so far and how many wait
/// (known once the server's heads are in).
pub fn sync_with(
    local: &mut dyn crate::Store,
    remote: &mut dyn Remote,
    batch: usize,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    let mut report = Report::default();
    let streams = local.streams()?;
    let heads = remote.heads()?;
    let mut total = 0;
    for w in waiting(local, Some(&heads))? {
        total += w.up + w.down;
    }
    progress(0, total);
    let known: std::collections::HashSet<Uuid> = streams.iter().map(|s| s.id).collect();
    for (stream, head) in heads {
        if !known.contains(&stream) && head > 0 {
            report.new_journals += 1;
        }
        pull_stream(local, remote, stream, head, batch, &mut report)?;
        progress(report.pulled + report.pushed, total);
    }
    for info in local.streams()? {
        // Another device may send between this one's pull and push: then
        // this one merges and tries again, a few times.
        let mut conflicts = 0;
        loop {
            let have = local.synced(info.id)?;
            let mut pending = local.entries_after(info.id, have, batch)?;
            if pending.is_empty() {
                break;
            }
            within_budget(&mut pending, BUDGET);
            let n = pending.len() as u64;
            match remote.push(info.id, have, pending) {
                Ok(_) => {
                    local.set_synced(info.id, have + n)?;
                    report.pushed += n;
                    progress(report.pulled + report.pushed, total);
                }
                Err(StoreError::Conflict { actual, .. }) if conflicts < 8 => {
                    conflicts += 1;
                    pull_stream(local, remote, info.id, actual, batch, &mut report)?;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(report)
}

fn pull_stream(
    local: &mut dyn crate::Store,
    remote: &mut dyn Remote,
    stream: Uuid,
    head: u64,
    batch: usize,
    report: &mut Report,
) -> Result<()> {
    loop {
        let have = local.synced(stream)?;
        if have > head {
            return Err(StoreError::Import(format!(
                "the server holds {head} entries of journal {stream} but this device had {have} from it: was the server restored from an older backup? Nothing was changed"
            )));
        }
        if have == head {
            return Ok(());
        }
        let entries = remote.pull(stream, have, batch)?;
        if entries.is_empty() {
            return Err(StoreError::Import(format!(
                "the server said journal {stream} has {head} entries but sent none after {have}"
            )));
        }
        let m = local.merge_entries(stream, have, entries)?;
        report.pulled += m.added;
        report.moved += u64::from(m.moved);
    }
}

/// What waits to go up and to come down, per journal with anything waiting.
/// `server` is the server's heads, when it could be asked.
pub fn waiting(local: &dyn crate::Store, server: Option<&[(Uuid, u64)]>) -> Result<Vec<Waiting>> {
    let mut out: Vec<Waiting> = Vec::new();
    let streams = local.streams()?;
    for s in &streams {
        let have = local.synced(s.id)?;
        let down = server
            .and_then(|h| h.iter().find(|(id, _)| *id == s.id))
            .map_or(0, |(_, head)| head.saturating_sub(have));
        let up = s.head_seq.saturating_sub(have);
        if up > 0 || down > 0 {
            out.push(Waiting {
                stream: s.id,
                handle: Some(s.handle),
                kind: Some(s.kind),
                up,
                down,
            });
        }
    }
    for (id, head) in server.unwrap_or_default() {
        if *head > 0 && !streams.iter().any(|s| s.id == *id) {
            out.push(Waiting {
                stream: *id,
                handle: None,
                kind: None,
                up: 0,
                down: *head,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use casefile_core::{Draft, Event, GENESIS};

    fn note(len: usize) -> Entry {
        let d = Draft::new(
            jiff::Timestamp::UNIX_EPOCH,
            Event::NoteAdded {
                contact: None,
                text: "x".repeat(len),
            },
        );
        Entry::seal(
            d,
            Uuid::nil(),
            1,
            jiff::Timestamp::UNIX_EPOCH,
            "owner",
            GENESIS,
        )
    }

    #[test]
    fn a_run_of_long_notes_is_cut_to_the_budget_and_one_always_goes() {
        let mut long: Vec<Entry> = (0..100).map(|_| note(60_000)).collect();
        within_budget(&mut long, BUDGET);
        assert!(long.len() > 10 && long.len() < 40, "{}", long.len());
        let bytes: usize = long
            .iter()
            .map(|e| serde_json::to_string(e).unwrap().len())
            .sum();
        assert!(bytes <= BUDGET, "{bytes}");
        let mut short: Vec<Entry> = (0..100).map(|_| note(50)).collect();
        within_budget(&mut short, BUDGET);
        assert_eq!(short.len(), 100);
        let mut one = vec![note(60_000)];
        within_budget(&mut one, 10);
        assert_eq!(one.len(), 1);
    }
}
