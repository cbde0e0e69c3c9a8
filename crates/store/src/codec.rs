//! How values become columns and back, the same for every engine: ids and
//! times as text, instants as milliseconds, states as JSON. A column that
//! does not read back is damage, named as such.

use casefile_core::{DueItem, Entry, Status, StreamKind};
use jiff::Timestamp;
use uuid::Uuid;

use crate::{Result, StoreError};

/// The entry columns every engine stores, in this order.
pub const ENTRY_COLUMNS: &str =
    "id, stream, seq, at, recorded, author, event, prev, hash, series, n";

pub fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

pub fn parse_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what} cannot be read: {e}")))
}

pub fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("bad id {s:?}: {e}")))
}

pub fn ts(s: &str) -> Result<Timestamp> {
    casefile_core::instant::parse(s)
        .map_err(|e| StoreError::Corrupt(format!("bad time {s:?}: {e}")))
}

pub fn ms(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.as_millisecond())
}

pub fn from_ms(m: Option<i64>) -> Option<Timestamp> {
    m.and_then(|m| Timestamp::from_millisecond(m).ok())
}

pub fn kind_str(k: StreamKind) -> &'static str {
    match k {
        StreamKind::Case => "case",
        StreamKind::Company => "company",
    }
}

pub fn kind_of(s: &str) -> Result<StreamKind> {
    match s {
        "case" => Ok(StreamKind::Case),
        "company" => Ok(StreamKind::Company),
        other => Err(StoreError::Corrupt(format!(
            "unknown stream kind {other:?}"
        ))),
    }
}

pub fn status_of(s: &str) -> Result<Status> {
    parse_json("a status", &format!("\"{s}\""))
}

/// A due kind as its column holds it (`promise`, `follow_up`).
pub fn due_kind_str(k: casefile_core::DueKind) -> String {
    json(&k).trim_matches('"').to_string()
}

pub fn due_item(item: Uuid, seq: i64, kind: &str, what: String, due: &str) -> Result<DueItem> {
    Ok(DueItem {
        item,
        seq: seq as u64,
        kind: parse_json("a due kind", &format!("\"{kind}\""))?,
        what,
        due: ts(due)?,
    })
}

/// An entry from its stored columns, in [`ENTRY_COLUMNS`] order (ids as text).
pub struct EntryCols {
    pub id: Uuid,
    pub stream: Uuid,
    pub seq: i64,
    pub at: String,
    pub recorded: String,
    pub author: String,
    pub event: String,
    pub prev: String,
    pub hash: String,
    /// The series as stored (none for a journal's first series), and the place in it.
    pub series: Option<String>,
    pub n: Option<i64>,
}

impl EntryCols {
    /// The entry its columns hold, parsed. Views read this way: a column in
    /// a form casefile never writes still parses to the value that was hashed,
    /// and [`exact_entry`](Self::exact_entry) (what `verify` reads) names it.
    pub fn entry(self) -> Result<Entry> {
        Ok(self.parsed()?.0)
    }

    /// The entry, if its columns hold exactly what casefile writes: the hash
    /// is over the canonical encoding, so an instant written another way or
    /// a field casefile does not know would otherwise pass unseen.
    pub fn exact_entry(self) -> Result<Entry> {
        let (e, cols) = self.parsed()?;
        let altered = |what: &str| {
            StoreError::Corrupt(format!(
                "entry {} holds {what} in a form casefile never writes: the journal was altered",
                e.id
            ))
        };
        if e.at.to_string() != cols.at {
            return Err(altered("its time"));
        }
        if e.recorded.to_string() != cols.recorded {
            return Err(altered("its recording time"));
        }
        if json(&e.event) != cols.event {
            return Err(altered("its event (a field added, dropped or rewritten)"));
        }
        if e.series.map(|s| s.to_string()) != cols.series {
            return Err(altered("its series"));
        }
        Ok(e)
    }

    fn parsed(self) -> Result<(Entry, Texts)> {
        let e = EntryText {
            id: self.id,
            stream: self.stream,
            seq: self.seq,
            at: &self.at,
            recorded: &self.recorded,
            author: &self.author,
            event: &self.event,
            prev: &self.prev,
            hash: &self.hash,
            series: self.series.as_deref(),
            n: self.n,
        }
        .entry()?;

        let texts = Texts {
            at: self.at,
            recorded: self.recorded,
            event: self.event,
            series: self.series,
        };
        Ok((e, texts))
    }
}

/// An entry's columns read in place (borrowed from the engine's row), for
/// the views: parsed without copying the text first.
pub struct EntryText<'a> {
    pub id: Uuid,
    pub stream: Uuid,
    pub seq: i64,
    pub at: &'a str,
    pub recorded: &'a str,
    pub author: &'a str,
    pub event: &'a str,
    pub prev: &'a str,
    pub hash: &'a str,
    pub series: Option<&'a str>,
    pub n: Option<i64>,
}

impl EntryText<'_> {
    pub fn entry(&self) -> Result<Entry> {
        Ok(Entry {
            id: self.id,
            stream: self.stream,
            seq: u64::try_from(self.seq)
                .map_err(|_| StoreError::Corrupt(format!("bad position {}", self.seq)))?,
            at: ts(self.at)?,
            recorded: ts(self.recorded)?,
            author: self.author.to_owned(),
            event: parse_json("an entry", self.event)?,
            prev: self.prev.to_owned(),
            hash: self.hash.to_owned(),
            series: self
                .series
                .map(|s| {
                    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt(format!("bad series {s:?}")))
                })
                .transpose()?,
            n: u64::try_from(self.n.unwrap_or(0))
                .map_err(|_| StoreError::Corrupt(format!("bad place {:?}", self.n)))?,
        })
    }
}

/// The stored text of the columns whose form the exact read checks.
struct Texts {
    series: Option<String>,
    at: String,
    recorded: String,
    event: String,
}

/// A seal as stored: its JSON.
pub fn seal_text(seal: &casefile_core::seal::Seal) -> Result<String> {
    serde_json::to_string(seal)
        .map_err(|e| StoreError::Engine(format!("a seal cannot be written: {e}")))
}

/// A stored seal read back; one that does not parse is damage.
pub fn seal_of(text: &str) -> Result<casefile_core::seal::Seal> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("a seal cannot be read: {e}")))
}
