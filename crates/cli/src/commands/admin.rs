//! Keeping the journal safe: verify, rebuild, export and import.

use std::io::{BufRead, BufReader, Write};

use casefile_core::{Entry, StreamKind, text};
use casefile_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cli::{ExportArgs, ImportArgs};
use crate::ctx::Ctx;
use crate::error::{CliError, Exit, Result};

use super::views::print_json;

/// The first line of every export.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Header {
    format: String,
    version: u32,
    masked: bool,
    entries: u64,
}

const FORMAT: &str = "casefile-journal";
const VERSION: u32 = 1;

pub fn verify(ctx: &Ctx) -> Result<()> {
    let streams = ctx.store.streams()?;
    let entries: u64 = streams.iter().map(|s| s.head_seq).sum();
    let findings = ctx.store.verify()?;
    if ctx.json {
        print_json(
            &json!({"ok": findings.is_empty(), "journals": streams.len(), "entries": entries, "findings": findings}),
        )?;
    } else if findings.is_empty() {
        println!(
            "All {} journals verify: {entries} entries, every hash chain intact, every view in step.",
            streams.len()
        );
    } else {
        for f in &findings {
            let what = match f.kind {
                StreamKind::Case => format!("case {}", f.handle),
                StreamKind::Company => format!("company {}", f.handle),
            };
            println!("{what}, entry #{}: {}", f.chain.seq, f.chain.problem);
        }
    }
    if findings.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(Exit::VerifyFailed, format!("{} journal(s) failed verification", findings.len()))
            .hint("restore from your last `casefile export --reveal`; a stale view alone is mended by `casefile rebuild`"))
    }
}

pub fn rebuild(ctx: &mut Ctx) -> Result<()> {
    ctx.store.rebuild()?;
    let streams = ctx.store.streams()?;
    let cases = streams
        .iter()
        .filter(|s| s.kind == StreamKind::Case)
        .count();
    if ctx.json {
        return print_json(&json!({"cases": cases, "companies": streams.len() - cases}));
    }
    println!(
        "Rebuilt the views of {cases} case(s) and {} compan(ies) from the journal.",
        streams.len() - cases
    );
    Ok(())
}

pub fn export(ctx: &Ctx, a: ExportArgs) -> Result<()> {
    let streams = ctx.store.streams()?;
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        masked: !ctx.reveal,
        entries: streams.iter().map(|s| s.head_seq).sum(),
    };
    let mut buf: Vec<u8> = Vec::new();
    push_line(&mut buf, &header);
    for s in &streams {
        let entries = ctx.store.read_stream(s.id)?;
        let state = match s.kind {
            StreamKind::Case => Some(ctx.store.case(s.id)?.state),
            StreamKind::Company => None,
        };
        for e in &entries {
            let e = match &state {
                Some(st) => text::masked_entry(e, st, ctx.reveal),
                None => e.clone(),
            };
            push_line(&mut buf, &e);
        }
    }
    match &a.output {
        Some(path) => {
            // Written beside the target and renamed, so a crash never leaves half a backup.
            let tmp = path.with_extension("partial");
            std::fs::write(&tmp, &buf).map_err(|e| {
                CliError::new(
                    Exit::Invalid,
                    format!("cannot write {}: {e}", tmp.display()),
                )
            })?;
            std::fs::rename(&tmp, path).map_err(|e| {
                CliError::new(
                    Exit::Invalid,
                    format!("cannot write {}: {e}", path.display()),
                )
            })?;
            if !ctx.json {
                eprintln!("Exported {} entries to {}.", header.entries, path.display());
            }
        }
        None => std::io::stdout().write_all(&buf)?,
    }
    if header.masked {
        eprintln!(
            "Sensitive values are masked, so this file cannot restore them. For a backup, export with --reveal and keep the file safe."
        );
    }
    Ok(())
}

/// One JSON value on one line. Entries and the header are plain data, so this cannot fail.
fn push_line<T: Serialize>(buf: &mut Vec<u8>, v: &T) {
    if serde_json::to_writer(&mut *buf, v).is_ok() {
        buf.push(b'\n');
    }
}

pub fn import(ctx: &mut Ctx, a: ImportArgs) -> Result<()> {
    let name = a.file.display().to_string();
    let reader: Box<dyn BufRead> = if name == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(&a.file)
            .map_err(|e| CliError::not_found(format!("cannot read {name}: {e}")))?;
        Box::new(BufReader::new(f))
    };
    let bad = |line: usize, why: String| {
        CliError::invalid(format!("{name}, line {line}: {why}")).hint(
            "nothing was imported; the file must be a whole, unedited `casefile export --reveal`",
        )
    };
    let mut header: Option<Header> = None;
    let mut entries: Vec<Entry> = Vec::new();
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
                    return Err(bad(
                        n,
                        format!(
                            "the export is version {}, newer than this casefile reads ({VERSION})",
                            h.version
                        ),
                    )
                    .hint("install a newer casefile to read it"));
                }
                if h.masked {
                    return Err(bad(n, "its sensitive values were masked, so it cannot restore them".into()).hint("export again with `casefile export --reveal` to make a file that can be imported"));
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
    let Some(h) = header else {
        return Err(CliError::invalid(format!("{name} is empty"))
            .hint("give the file written by `casefile export --reveal`"));
    };
    if entries.len() as u64 != h.entries {
        return Err(CliError::invalid(format!(
            "{name} holds {} of the {} entries its header announces: it is cut short or edited",
            entries.len(),
            h.entries
        ))
        .hint("nothing was imported; export again and copy the whole file"));
    }
    let sum = ctx.store.import(entries)?;
    if ctx.json {
        return print_json(&sum);
    }
    println!(
        "Imported {} entries in {} new journal(s); {} were already here.",
        sum.entries_added, sum.streams_added, sum.entries_already_present
    );
    Ok(())
}
