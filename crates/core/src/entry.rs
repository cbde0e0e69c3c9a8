//! Entries: events with their place in a stream, sealed into a hash chain.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::event::Event;

/// The hash a stream's first entry points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version of the canonical encoding that the hash covers: 1 for entries
/// of a journal's first series (their position is hashed), 2 for entries
/// in a device's series (the series and the place in it are hashed; the
/// position in the merged journal is not, so merging never changes a hash).
pub const HASH_VERSION: u32 = 1;
pub const SERIES_HASH_VERSION: u32 = 2;

/// An entry as stored: immutable once appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: Uuid,
    pub stream: Uuid,
    /// 1-based position in the stream.
    pub seq: u64,
    /// When it happened in the world.
    pub at: Timestamp,
    /// When the store wrote it.
    pub recorded: Timestamp,
    pub author: String,
    pub event: Event,
    /// The previous entry's hash ([`GENESIS`] for the first).
    pub prev: String,
    pub hash: String,
    /// The device whose series this entry belongs to. None for a journal's
    /// first series, written on one device before series existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<Uuid>,
    /// 1-based place in its series (0 in the first series, where `seq` is the place).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// An entry a face wants appended; the store gives it a place and a hash.
/// Ids are chosen by the caller so that entries in one batch can refer to each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: Uuid,
    pub at: Timestamp,
    pub event: Event,
}

impl Draft {
    pub fn new(at: Timestamp, event: Event) -> Draft {
        Draft {
            id: Uuid::now_v7(),
            at,
            event,
        }
    }
}

#[derive(Serialize)]
struct Canonical<'a> {
    v: u32,
    id: &'a Uuid,
    stream: &'a Uuid,
    seq: u64,
    at: &'a Timestamp,
    recorded: &'a Timestamp,
    author: &'a str,
    event: &'a Event,
    prev: &'a str,
}

#[derive(Serialize)]
struct CanonicalInSeries<'a> {
    v: u32,
    id: &'a Uuid,
    stream: &'a Uuid,
    series: &'a Uuid,
    n: u64,
    at: &'a Timestamp,
    recorded: &'a Timestamp,
    author: &'a str,
    event: &'a Event,
    prev: &'a str,
}

/// The SHA-256, in lower-case hex, over the canonical JSON of everything but
/// the hash (and, in a device's series, but the merged position).
pub fn compute_hash(e: &Entry) -> String {
    if let Some(series) = &e.series {
        let canonical = CanonicalInSeries {
            v: SERIES_HASH_VERSION,
            id: &e.id,
            stream: &e.stream,
            series,
            n: e.n,
            at: &e.at,
            recorded: &e.recorded,
            author: &e.author,
            event: &e.event,
            prev: &e.prev,
        };
        let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
        return hex::encode(Sha256::digest(&bytes));
    }
    let canonical = Canonical {
        v: HASH_VERSION,
        id: &e.id,
        stream: &e.stream,
        seq: e.seq,
        at: &e.at,
        recorded: &e.recorded,
        author: &e.author,
        event: &e.event,
        prev: &e.prev,
    };
    // Serialising plain structs and enums of strings cannot fail.
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

impl Entry {
    /// Builds and seals the entry that follows `prev_hash` at `seq` (a
    /// journal's first series, where the position is hashed).
    pub fn seal(
        draft: Draft,
        stream: Uuid,
        seq: u64,
        recorded: Timestamp,
        author: &str,
        prev_hash: &str,
    ) -> Entry {
        Entry::sealed(draft, stream, seq, None, recorded, author, prev_hash)
    }

    /// Builds and seals the entry that follows `prev_hash` at place `n` of
    /// `series`, at position `seq` of the merged journal.
    #[allow(clippy::too_many_arguments)]
    pub fn seal_in_series(
        draft: Draft,
        stream: Uuid,
        seq: u64,
        series: Uuid,
        n: u64,
        recorded: Timestamp,
        author: &str,
        prev_hash: &str,
    ) -> Entry {
        Entry::sealed(
            draft,
            stream,
            seq,
            Some((series, n)),
            recorded,
            author,
            prev_hash,
        )
    }

    fn sealed(
        draft: Draft,
        stream: Uuid,
        seq: u64,
        place: Option<(Uuid, u64)>,
        recorded: Timestamp,
        author: &str,
        prev_hash: &str,
    ) -> Entry {
        let mut e = Entry {
            id: draft.id,
            stream,
            seq,
            at: draft.at,
            recorded,
            author: author.to_string(),
            event: draft.event,
            prev: prev_hash.to_string(),
            hash: String::new(),
            series: place.map(|p| p.0),
            n: place.map_or(0, |p| p.1),
        };
        e.hash = compute_hash(&e);
        e
    }

    /// Where this entry sits in its series: the place, and which series.
    pub fn place(&self) -> u64 {
        if self.series.is_some() {
            self.n
        } else {
            self.seq
        }
    }
}

/// Where each series of a journal ends: its last place and that entry's hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesHeads {
    heads: Vec<(Option<Uuid>, u64, String)>,
}

impl SeriesHeads {
    pub fn get(&self, series: Option<Uuid>) -> (u64, &str) {
        self.heads
            .iter()
            .find(|(s, _, _)| *s == series)
            .map_or((0, GENESIS), |(_, n, h)| (*n, h.as_str()))
    }

    pub fn set(&mut self, series: Option<Uuid>, n: u64, hash: &str) {
        match self.heads.iter_mut().find(|(s, _, _)| *s == series) {
            Some(h) => {
                h.1 = n;
                h.2 = hash.to_string();
            }
            None => self.heads.push((series, n, hash.to_string())),
        }
    }

    /// Why `e` cannot come next in its series, if it cannot: it must take
    /// the next place, link to the last entry and match its hash.
    pub fn refuse(&self, e: &Entry) -> Option<String> {
        let (n, prev) = self.get(e.series);
        let place = e.place();
        if place != n + 1 {
            return Some(match e.series {
                Some(s) => format!(
                    "expected entry {} of device {s}'s series here but found entry {place}: an entry is missing or out of order",
                    n + 1
                ),
                None => format!(
                    "expected entry {} here but found entry {place}: an entry is missing or out of order",
                    n + 1
                ),
            });
        }
        if e.prev != prev {
            return Some("does not link to the entry before it".into());
        }
        if compute_hash(e) != e.hash {
            return Some("its content does not match its hash: it was altered".into());
        }
        None
    }
}

/// Why a stream's chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainBreak {
    pub stream: Uuid,
    /// The first entry (by position) that does not match.
    pub seq: u64,
    pub entry: Option<Uuid>,
    pub problem: String,
}

/// Checks one stream's entries, in stored order, against its recorded head.
/// Positions run 1, 2, 3...; the first series (if any) comes first, each
/// series is a hash chain of its own. Returns the first break, naming the entry.
pub fn verify_chain(
    stream: Uuid,
    entries: &[Entry],
    head: Option<(u64, &str)>,
) -> Option<ChainBreak> {
    let brk = |seq: u64, entry: Option<Uuid>, problem: String| {
        Some(ChainBreak {
            stream,
            seq,
            entry,
            problem,
        })
    };
    let mut series = SeriesHeads::default();
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as u64 + 1;
        if e.stream != stream {
            return brk(expected_seq, Some(e.id), "belongs to another stream".into());
        }
        if e.seq != expected_seq {
            return brk(
                expected_seq,
                Some(e.id),
                format!(
                    "expected entry {expected_seq} here but found entry {}: an entry is missing or out of order",
                    e.seq
                ),
            );
        }
        if e.series.is_none() && series.get(None).0 != i as u64 {
            return brk(
                e.seq,
                Some(e.id),
                "an entry of the journal's first series follows a device's entries: it was moved"
                    .into(),
            );
        }
        if let Some(problem) = series.refuse(e) {
            return brk(e.seq, Some(e.id), problem);
        }
        series.set(e.series, e.place(), &e.hash);
        prev.clone_from(&e.hash);
    }
    if let Some((head_seq, head_hash)) = head {
        let n = entries.len() as u64;
        if head_seq > n {
            return brk(
                n + 1,
                None,
                format!("the stream should have {head_seq} entries but only {n} remain"),
            );
        }
        if head_seq < n {
            return brk(
                head_seq + 1,
                entries.get(head_seq as usize).map(|e| e.id),
                "entries follow the recorded end of the stream".into(),
            );
        }
        if n > 0 && head_hash != prev {
            return brk(
                n,
                entries.last().map(|e| e.id),
                "the last entry is not the one recorded as the stream's end".into(),
            );
        }
    }
    None
}
