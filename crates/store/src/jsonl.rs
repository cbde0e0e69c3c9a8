//! The export format: JSON Lines, a header then every entry, streams in id
//! order and entries in sequence. Lossless with `reveal`, so that
//! export -> import -> export gives the same bytes.

use std::io::{BufRead, Write};

use casefile_core::{Entry, StreamKind, text};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError};

pub const FORMAT: &str = "casefile-journal";
pub const VERSION: u32 = 1;

/// The first line of every export.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// Sensitive values were masked: the file cannot restore them.
    pub masked: bool,
    /// How many entries follow, so a file cut short is noticed.
    pub entries: u64,
}

/// Why a file cannot be read as an export. `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct ReadError {
    pub line: Option<usize>,
    pub message: String,
    pub hint: &'static str,
}

const WHOLE: &str =
    "nothing was imported; the file must be a whole, unedited `casefile export --reveal`";

fn push_line<T: Serialize>(out: &mut Vec<u8>, v: &T) {
    // Entries and the header are plain data: serialising them cannot fail.
    if serde_json::to_writer(&mut *out, v).is_ok() {
        out.push(b'\n');
    }
}

/// Writes the whole journal. Sensitive values are masked unless `reveal`.
pub fn export(
    store: &(impl Store + ?Sized),
    reveal: bool,
    out: &mut impl Write,
) -> Result<Header, StoreError> {
    let streams = store.streams()?;
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        masked: !reveal,
        entries: streams.iter().map(|s| s.head_seq).sum(),
    };
    let mut buf = Vec::new();
    push_line(&mut buf, &header);
    for s in &streams {
        let entries = store.read_stream(s.id)?;
        let state = match s.kind {
            StreamKind::Case if !reveal => Some(store.case(s.id)?.state),
            _ => None,
        };
        for e in &entries {
            match &state {
                Some(st) => push_line(&mut buf, &text::masked_entry(e, st, false)),
                None => push_line(&mut buf, e),
            }
        }
        out.write_all(&buf)
            .map_err(|e| StoreError::Engine(format!("cannot write the export: {e}")))?;
        buf.clear();
    }
    out.write_all(&buf)
        .map_err(|e| StoreError::Engine(format!("cannot write the export: {e}")))?;
    Ok(header)
}

/// Reads an export, refusing masked, newer, truncated or edited files with the line at fault.
pub fn read(reader: impl BufRead) -> Result<(Header, Vec<Entry>), ReadError> {
    let bad = |line: usize, message: String| ReadError {
        line: Some(line),
        message,
        hint: WHOLE,
    };
    let mut header: Option<Header> = None;
    let mut entries = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| bad(n, format!("cannot be read as UTF-8 text ({e})")))?;
        if line.trim().is_empty() {
            continue;
        }
        match &header {
            None => {
                let h: Header = serde_json::from_str(&line).map_err(|_| {
                    bad(
                        n,
                        "this is not a casefile export (its first line is not the export header)"
                            .into(),
                    )
                })?;
                if h.format != FORMAT {
                    return Err(bad(
                        n,
                        format!("the format is '{}', not '{FORMAT}'", h.format),
                    ));
                }
                if h.version > VERSION {
                    return Err(ReadError {
                        line: Some(n),
                        message: format!(
                            "the export is version {}, newer than this casefile reads ({VERSION})",
                            h.version
                        ),
                        hint: "install a newer casefile to read it",
                    });
                }
                if h.masked {
                    return Err(ReadError {
                        line: Some(n),
                        message: "its sensitive values were masked, so it cannot restore them"
                            .into(),
                        hint: "export again with `casefile export --reveal` to make a file that can be imported",
                    });
                }
                header = Some(h);
            }
            Some(_) => {
                let e: Entry = serde_json::from_str(&line).map_err(|e| {
                    bad(
                        n,
                        format!(
                            "is not a complete entry ({e}); the file may be cut short or edited"
                        ),
                    )
                })?;
                entries.push(e);
            }
        }
    }
    let h = header.ok_or(ReadError {
        line: None,
        message: "the file is empty".into(),
        hint: "give the file written by `casefile export --reveal`",
    })?;
    if entries.len() as u64 != h.entries {
        return Err(ReadError {
            line: None,
            message: format!(
                "the file holds {} of the {} entries its header announces: it is cut short or edited",
                entries.len(),
                h.entries
            ),
            hint: WHOLE,
        });
    }
    Ok((h, entries))
}
