//! `casefile intel`: public complaint data beside the journal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use casefile_intel::{ImportReport, Intel, IntelError, Lookup, Scorecard, SimilarReport};
use serde_json::json;

use crate::cli::IntelCommand;
use crate::ctx::{Ctx, default_db_path, intel_db_path};
use crate::error::{CliError, Result};
use crate::render;
use casefile_app::intel::{intel_error, rate_text as rate, similar_for};

use super::views::print_json;

fn open_existing(path: &Path) -> Result<Intel> {
    if !path.exists() {
        return Err(CliError::not_found(format!(
            "there is no complaint data yet ({} does not exist)",
            path.display()
        ))
        .hint("import a CFPB export first: casefile intel import complaints.csv"));
    }
    let intel = Intel::open(path).map_err(intel_error)?;
    if intel.unfinished().map_err(intel_error)? {
        return Err(intel_error(IntelError::Unfinished));
    }
    Ok(intel)
}

pub fn import(db: Option<PathBuf>, file: &Path, json_out: bool) -> Result<()> {
    let journal = match db {
        Some(p) => p,
        None => default_db_path()?,
    };
    let path = intel_db_path(&journal);
    let name = file.display().to_string();
    // A refused import leaves no new, empty complaint database behind.
    let existed = path.exists();
    let result = import_into(&path, file, &name, json_out);
    if result.is_err() && !existed {
        let stored = Intel::open(&path).ok().and_then(|i| i.count().ok());
        if stored == Some(0) {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
    result
}

fn import_into(path: &Path, file: &Path, name: &str, json_out: bool) -> Result<()> {
    let name = name.to_string();
    let (reader, size): (Box<dyn std::io::Read>, Option<u64>) = if name == "-" {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let f = std::fs::File::open(file)
            .map_err(|e| CliError::not_found(format!("cannot read {name}: {e}")))?;
        let size = f.metadata().ok().map(|m| m.len());
        (
            Box::new(std::io::BufReader::with_capacity(1 << 20, f)),
            size,
        )
    };
    // A bar on a terminal; nothing when piped or scripted.
    let bar = if std::io::stderr().is_terminal() && !json_out {
        let b = match size {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::no_length(),
        };
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} {wide_bar} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let intel = Intel::open(path).map_err(intel_error)?;
    let report = intel
        .import(reader, &mut |n| bar.set_position(n))
        .map_err(|e| intel_error(e).hint_with(&name))?;
    bar.finish_and_clear();
    if json_out {
        print_json(
            &json!({"database": path, "total": intel.count().map_err(intel_error)?, "report": report}),
        )?;
        return match report.cut_short {
            Some(line) => Err(CliError::invalid(format!(
                "{name} looks cut short at line {line}"
            ))),
            None => Ok(()),
        };
    }
    print_report(&name, &report, intel.count().map_err(intel_error)?, path);
    if let Some(line) = report.cut_short {
        return Err(CliError::invalid(format!(
            "{name} looks cut short: it ends in the middle of a row (line {line}), which was not imported; the {} whole rows before it were",
            report.inserted + report.updated + report.unchanged
        ))
        .hint("download the export again and import it again: the rows imported already are matched, not doubled"));
    }
    // Rows are reported and skipped as the import goes on; a file of nothing but bad rows fails.
    if report.rows > 0 && report.bad == report.rows {
        let first = report
            .bad_rows
            .first()
            .map(|b| format!(" (line {}: {})", b.line, b.reason))
            .unwrap_or_default();
        return Err(CliError::invalid(format!(
            "none of the {} rows of {name} could be read{first}",
            report.rows
        ))
        .hint("check that it is a CFPB export saved as UTF-8 CSV"));
    }
    Ok(())
}

trait HintWith {
    fn hint_with(self, file: &str) -> CliError;
}

impl HintWith for CliError {
    fn hint_with(mut self, file: &str) -> CliError {
        self.message = format!("{file}: {}", self.message);
        self
    }
}

fn print_report(name: &str, r: &ImportReport, total: u64, path: &Path) {
    println!(
        "Imported {name}: {} rows; {} new, {} updated, {} unchanged, {} could not be read.",
        r.rows, r.inserted, r.updated, r.unchanged, r.bad
    );
    println!(
        "The complaint database ({}) now holds {total} complaints.",
        path.display()
    );
    if r.format.iter().any(|f| f != "csv") {
        println!("Read as: {}.", r.format.join(", "));
    }
    println!("Columns read: {}", r.columns_used.join(", "));
    if r.derived_ids {
        println!(
            "This file has no Complaint ID column: each complaint is keyed by its content. Importing the same file again matches its rows, but a row changed in a later export is added as another complaint."
        );
    }
    let missing = |c: &str| r.columns_missing.iter().any(|m| m == c);
    if missing("Consumer complaint narrative") && missing("Issue") {
        println!(
            "With neither narratives nor issues, `casefile intel similar` cannot find complaints like yours in this file; the company's scorecard still counts them."
        );
    }
    if r.clashes > 0 {
        println!(
            "{} row(s) reuse a Complaint ID stored for another complaint (another company or date); the stored ones were kept (see the lines below).",
            r.clashes
        );
    }
    if !r.columns_missing.is_empty() {
        println!(
            "Not in this file (a partial export): {}",
            r.columns_missing.join(", ")
        );
    }
    if !r.columns_ignored.is_empty() {
        println!("Columns not used: {}", r.columns_ignored.join(", "));
    }
    if !r.bad_rows.is_empty() {
        println!(
            "Rows skipped{}:",
            if r.bad > r.bad_rows.len() as u64 {
                format!(" (the first {} of {})", r.bad_rows.len(), r.bad)
            } else {
                String::new()
            }
        );
        for b in &r.bad_rows {
            println!("  line {}: {}", b.line, b.reason);
        }
    }
}

pub fn run(ctx: &mut Ctx, cmd: IntelCommand) -> Result<()> {
    let path = intel_db_path(&ctx.db_path);
    match cmd {
        IntelCommand::Import { .. } => Ok(()),
        IntelCommand::Company { name } => {
            let intel = open_existing(&path)?;
            // A company casefile knows brings its aliases along.
            let mut names = vec![name.clone()];
            if let Some(id) = ctx.store.company_by_name(&name)? {
                let c = ctx.store.company(id)?.state;
                names.push(c.name.clone());
                names.extend(c.aliases.clone());
            }
            match intel.company(&names).map_err(intel_error)? {
                Lookup::Found(card) => {
                    if ctx.json {
                        return print_json(&card);
                    }
                    print!("{}", scorecard_text(&card));
                    Ok(())
                }
                Lookup::Ambiguous { candidates } => Err(CliError::invalid(format!("'{name}' begins the names of several companies: {}", candidates.join("; ")))
                    .hint("give more of the name, or add the exact one as an alias: casefile company alias NAME \"EXACT NAME\"")),
                Lookup::NotFound => Err(CliError::not_found(format!("no complaints name a company like '{name}'"))
                    .hint("try the name as the company registers it (e.g. \"Wells Fargo\"), or import a larger export")),
            }
        }
        IntelCommand::Similar {
            case,
            all_companies,
            limit,
        } => {
            let intel = open_existing(&path)?;
            if !intel.has_text().map_err(intel_error)? {
                return Err(CliError::not_found(
                    "the imported complaint data has neither narratives nor issues, so there is nothing to match this case against",
                )
                .hint("import an export with the Consumer complaint narrative or Issue column (the CFPB's full CSV has both)"));
            }
            let rec = ctx.case(&case)?;
            let (report, scope) = similar_for(ctx, &intel, &rec.state, all_companies, limit)?;
            if ctx.json {
                return print_json(&json!({"scope": scope, "report": report}));
            }
            print!("{}", similar_text(&report, &scope));
            Ok(())
        }
    }
}

/// Complaints like the case's problem: at its company first, everywhere if none.
pub fn scorecard_text(c: &Scorecard) -> String {
    let mut o = format!(
        "{} · {} complaints in the CFPB database",
        c.company, c.complaints
    );
    if c.names.len() > 1 {
        o.push_str(&format!(" (as {})", c.names.join("; ")));
    }
    if let (Some(a), Some(b)) = (&c.first_received, &c.last_received) {
        o.push_str(&format!(", received {a} to {b}"));
    }
    o.push('\n');
    let in_progress = c.complaints - c.closed;
    o.push_str(&format!(
        "Of the {} with a final answer: monetary relief {}, non-monetary relief {}",
        c.closed,
        rate(c.monetary, c.closed),
        rate(c.non_monetary, c.closed)
    ));
    if c.relief_unspecified > 0 {
        o.push_str(&format!(
            ", relief of a kind not recorded {}",
            rate(c.relief_unspecified, c.closed)
        ));
    }
    if in_progress > 0 {
        o.push_str(&format!("; {in_progress} still in progress or unanswered"));
    }
    o.push_str(".\n");
    o.push_str(&format!(
        "Answered on time: {}. Disputed by the consumer: {}{}.\n",
        rate(c.timely_yes, c.timely_known),
        rate(c.disputed_yes, c.disputed_known),
        match c.disputed_years {
            Some((a, b)) if a == b =>
                format!(" (the CFPB asked only until April 2017; known for {a})"),
            Some((a, b)) =>
                format!(" (the CFPB asked only until April 2017; known for {a} to {b})"),
            None => " (the CFPB asked only until April 2017)".into(),
        }
    ));
    let lines = |o: &mut String, title: &str, lines: &[casefile_intel::Line]| {
        o.push_str(&format!("\n{title}\n"));
        let mut rows = vec![vec![
            String::new(),
            "complaints".into(),
            "monetary relief".into(),
            "non-monetary".into(),
            "on time".into(),
        ]];
        rows.extend(lines.iter().map(|l| {
            vec![
                format!("  {}", render::truncate(&l.name, 48)),
                l.complaints.to_string(),
                rate(l.monetary, l.closed),
                rate(l.non_monetary, l.closed),
                rate(l.timely_yes, l.timely_known),
            ]
        }));
        o.push_str(&render::align(&rows));
    };
    lines(
        &mut o,
        "By product (by its name since 2017)",
        &c.by_product[..c.by_product.len().min(10)],
    );
    lines(&mut o, "By issue (the ten most common)", &c.by_issue);
    lines(&mut o, "By year", &c.years);
    let section = |o: &mut String, title: &str, items: &[casefile_intel::Share]| {
        o.push_str(&format!("\n{title}\n"));
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|s| {
                vec![
                    format!("  {}", render::truncate(&s.name, 60)),
                    s.count.to_string(),
                    format!("{:.1}%", s.percent),
                ]
            })
            .collect();
        o.push_str(&render::align(&rows));
    };
    section(&mut o, "How the company answered", &c.responses);
    if !c.others.is_empty() {
        let others: Vec<String> = c
            .others
            .iter()
            .map(|x| format!("{} ({})", x.name, x.complaints))
            .collect();
        o.push_str(&format!(
            "\nThe name could also mean: {}. Give more of the name for one of them.\n",
            others.join("; ")
        ));
    }
    o
}

pub fn similar_text(r: &SimilarReport, scope: &str) -> String {
    if r.matches.is_empty() {
        return "No complaints in the imported data resemble this case's problem.\n".into();
    }
    let mut o = format!(
        "Complaints like this one ({scope}; searched for: {})\n",
        r.words.join(", ")
    );
    for m in &r.matches {
        o.push_str(&format!(
            "\n#{} · {} · {} · {}\n  {}\n  {}\n",
            m.id,
            m.received.as_deref().unwrap_or("undated"),
            m.company,
            m.issue.as_deref().unwrap_or("no issue given"),
            m.response.as_deref().unwrap_or("no response recorded"),
            if m.excerpt.is_empty() {
                "(the consumer did not publish a narrative)"
            } else {
                &m.excerpt
            }
        ));
    }
    let total: u64 = r.outcomes.iter().map(|s| s.count).sum();
    o.push_str(&format!("\nHow the closest {total} were answered:\n"));
    for s in &r.outcomes {
        // From a handful, a percentage says more than it knows.
        if total < 10 {
            o.push_str(&format!("  {:<40} {:>4}\n", s.name, s.count));
        } else {
            o.push_str(&format!(
                "  {:<40} {:>4}  {:.0}%\n",
                s.name, s.count, s.percent
            ));
        }
    }
    o
}
