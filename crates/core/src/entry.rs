//! Entries: events with their place in a stream, sealed into a hash chain.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::event::Event;

/// The hash a stream's first entry points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version of the canonical encoding that the hash covers.
pub const HASH_VERSION: u32 = 1;

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

/// The SHA-256, in lower-case hex, over the canonical JSON of everything but the hash.
pub fn compute_hash(e: &Entry) -> String {
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
    /// Builds and seals the entry that follows `prev_hash` at `seq`.
    pub fn seal(
        draft: Draft,
        stream: Uuid,
        seq: u64,
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
        };
        e.hash = compute_hash(&e);
        e
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
/// Returns the first break, naming the entry.
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
        if e.prev != prev {
            return brk(
                e.seq,
                Some(e.id),
                "does not link to the entry before it".into(),
            );
        }
        if compute_hash(e) != e.hash {
            return brk(
                e.seq,
                Some(e.id),
                "its content does not match its hash: it was altered".into(),
            );
        }
        prev = e.hash.clone();
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
