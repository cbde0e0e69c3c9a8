//! Keeping the journal safe: verify, rebuild, export and import.

use std::io::{BufReader, IsTerminal, Write};

use casefile_core::StreamKind;
use casefile_store::jsonl;
use serde_json::json;

use crate::cli::{BundleArgs, ExportArgs, ImportArgs, VerifyArgs};
use crate::ctx::Ctx;
use crate::error::{CliError, Exit, Result};

use super::views::print_json;

/// A bar of entries on a terminal; nothing when piped, scripted or under --json.
pub(crate) fn entries_bar(ctx: &Ctx, doing: &'static str) -> indicatif::ProgressBar {
    progress_bar(ctx, doing, "entries")
}

/// A progress bar on standard error, when that is a terminal and no JSON is asked for.
pub(crate) fn progress_bar(ctx: &Ctx, doing: &str, unit: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() || ctx.json || ctx.quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{doing} {{pos}}/{{len}} {unit} {{wide_bar}} {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Seals the journal and prints the digest to keep.
pub fn seal(ctx: &mut Ctx) -> Result<()> {
    let seal = casefile_app::seal::seal(&mut *ctx.store, ctx.now)?;
    let entries: u64 = seal.heads.iter().map(|h| h.seq).sum();
    if ctx.json {
        return print_json(&json!({
            "digest": seal.short(), "full_digest": seal.digest(), "made": seal.made,
            "journals": seal.heads.len(), "entries": entries,
        }));
    }
    println!(
        "Sealed {} journal(s), {entries} entries, at {}.",
        seal.heads.len(),
        casefile_core::text::when(seal.made, &ctx.tz)
    );
    println!("Digest: {}", seal.short());
    println!(
        "Write it down or email it to yourself. Later, `casefile verify --digest {}` proves this file still holds everything recorded up to now.",
        seal.short()
    );
    Ok(())
}

pub fn verify(ctx: &Ctx, a: VerifyArgs) -> Result<()> {
    let streams = ctx.store.streams()?;
    let entries: u64 = streams.iter().map(|s| s.head_seq).sum();
    let bar = entries_bar(ctx, "Verifying");
    let mut findings = ctx.store.verify_with(&mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    // The exhibits kept beside the journal, against the fingerprints it holds:
    // a changed copy is a finding; one never kept (or removed) is said.
    let exhibits = casefile_app::exhibits::check(ctx, None)?;
    let by_handle: std::collections::HashMap<u64, uuid::Uuid> = streams
        .iter()
        .filter(|s| s.kind == StreamKind::Case)
        .map(|s| (s.handle, s.id))
        .collect();
    for x in &exhibits {
        if x.state == casefile_app::exhibits::Kept::Altered {
            findings.push(casefile_store::Finding {
                kind: StreamKind::Case,
                handle: x.case,
                chain: casefile_core::ChainBreak {
                    stream: by_handle.get(&x.case).copied().unwrap_or_default(),
                    seq: x.seq,
                    entry: None,
                    problem: format!(
                        "the kept copy of {} no longer matches the fingerprint recorded for it: the file was changed",
                        x.name
                    ),
                },
            });
        }
    }
    let missing: Vec<_> = exhibits
        .iter()
        .filter(|x| x.state == casefile_app::exhibits::Kept::Missing)
        .collect();
    bar.finish_and_clear();
    if ctx.json {
        print_json(
            &json!({"ok": findings.is_empty(), "journals": streams.len(), "entries": entries, "findings": findings, "exhibits": exhibits}),
        )?;
    } else if findings.is_empty() {
        println!(
            "All {} journals verify: {entries} entries, every hash chain intact, every view in step.",
            streams.len()
        );
        let whole = exhibits.len() - missing.len();
        if whole > 0 {
            println!("{whole} exhibit(s) kept, each matching its fingerprint.");
        }
        for x in &missing {
            println!(
                "Note: no copy of {} (case {}, #{}) is kept; attach it again to keep it with the record.",
                x.name, x.case, x.seq
            );
        }
    } else {
        for f in &findings {
            // A finding about the file as a whole names no journal.
            if f.chain.stream.is_nil() {
                println!("the file: {}", f.chain.problem);
                continue;
            }
            let what = match f.kind {
                StreamKind::Case => format!("case {}", f.handle),
                StreamKind::Company => format!("company {}", f.handle),
            };
            println!("{what}, entry #{}: {}", f.chain.seq, f.chain.problem);
        }
    }
    if findings.is_empty() {
        if let Some(d) = &a.digest {
            let seal = casefile_app::seal::prove(&*ctx.store, d)?;
            if !ctx.json {
                println!(
                    "The journal still holds everything sealed on {} ({} journal(s)).",
                    casefile_core::text::when(seal.made, &ctx.tz),
                    seal.heads.len()
                );
            }
        }
        Ok(())
    } else {
        Err(CliError::new(Exit::VerifyFailed, format!("{} journal(s) failed verification", findings.len()))
            .hint("restore from your last `casefile export --reveal`; a stale view alone is mended by `casefile rebuild`"))
    }
}

pub fn rebuild(ctx: &mut Ctx) -> Result<()> {
    let bar = entries_bar(ctx, "Rebuilding");
    ctx.store.rebuild_with(&mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
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
    let header = match &a.output {
        Some(path) => {
            // Written beside the target and renamed, so a crash never leaves half a backup.
            let tmp = path.with_extension("partial");
            let cannot = |e: std::io::Error| {
                CliError::invalid(format!("cannot write {}: {e}", tmp.display()))
                    .hint("choose another place with --output")
            };
            let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(cannot)?);
            let written = jsonl::export(&*ctx.store, ctx.reveal, &mut f)
                .map_err(CliError::from)
                .and_then(|header| {
                    f.into_inner()
                        .map_err(|e| cannot(e.into_error()))?
                        .sync_all()
                        .map_err(cannot)?;
                    std::fs::rename(&tmp, path).map_err(cannot)?;
                    Ok(header)
                });
            // A failed export (a full disk) leaves nothing behind, not half a file.
            if written.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            let header = written?;
            if !ctx.json {
                eprintln!("Exported {} entries to {}.", header.entries, path.display());
            }
            header
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let header = jsonl::export(&*ctx.store, ctx.reveal, &mut out)?;
            out.flush()?;
            header
        }
    };
    if header.masked {
        eprintln!(
            "Sensitive values are masked, so this file cannot restore them. For a backup, export with --reveal and keep the file safe."
        );
    }
    Ok(())
}

pub fn import(ctx: &mut Ctx, a: ImportArgs) -> Result<()> {
    let name = a.file.display().to_string();
    let reader: Box<dyn std::io::BufRead> = if name == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(&a.file)
            .map_err(|e| CliError::not_found(format!("cannot read {name}: {e}")))?;
        Box::new(BufReader::new(f))
    };
    let (_, entries) =
        jsonl::read(reader).map_err(|e| CliError::invalid(format!("{name}: {e}")).hint(e.hint))?;
    let bar = entries_bar(ctx, "Importing");
    let sum = ctx.store.import_with(entries, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    if ctx.json {
        return print_json(&sum);
    }
    println!(
        "Imported {} entries in {} new journal(s); {} were already here.",
        sum.entries_added, sum.streams_added, sum.entries_already_present
    );
    Ok(())
}

pub fn bundle(ctx: &Ctx, a: BundleArgs) -> Result<()> {
    let (handle, zip, exhibits) = casefile_app::exhibits::bundle_case(ctx, &a.case)?;
    let path = a
        .output
        .unwrap_or_else(|| std::path::PathBuf::from(format!("case-{handle}.zip")));
    let tmp = path.with_extension("partial");
    let written = std::fs::write(&tmp, &zip)
        .and_then(|_| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|_| std::fs::rename(&tmp, &path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(
            CliError::invalid(format!("cannot write {}: {e}", path.display()))
                .hint("choose another place with --output"),
        );
    }
    let left_out: Vec<_> = exhibits
        .iter()
        .filter(|x| x.state != casefile_app::exhibits::Kept::Whole)
        .collect();
    if ctx.json {
        return print_json(
            &json!({"case": handle, "file": path, "bytes": zip.len(), "exhibits": exhibits}),
        );
    }
    println!(
        "Wrote {}: the record of case {handle} and {} exhibit(s).",
        path.display(),
        exhibits.len() - left_out.len()
    );
    for x in left_out {
        println!(
            "  Not included: {} (#{}), {}.",
            x.name,
            x.seq,
            match x.state {
                casefile_app::exhibits::Kept::Missing =>
                    "no copy was kept; attach it again to keep it",
                _ => "the kept copy no longer matches its fingerprint (`casefile verify` names it)",
            }
        );
    }
    Ok(())
}
