//! The coach's commands: brief, advice, scripts, cost, the tone check,
//! letters, the record for a regulator or court, and the templates.

use std::io::{Read, Write};
use std::path::PathBuf;

use casefile_core::coach::letters::{self, Format};
use casefile_core::coach::templates::{Addressing, SCRIPTS};
use casefile_core::coach::tone::{DraftKind, Severity};
use casefile_core::coach::{self, Rates, Templates, Urgency};
use casefile_core::text;
use serde_json::json;

use crate::cli::*;
use crate::ctx::Ctx;
use crate::error::{CliError, Exit, Result};
use crate::render;
pub use casefile_app::intel::{PublicRecord, public_record};
pub use casefile_app::templates::{load_templates, templates_dir};

use super::views::print_json;

/// The rates of the settings, with this command's `--hourly` and
/// `--agent-minute` on top.
fn rates(ctx: &Ctx, hourly: Option<&str>, agent_minute: Option<&str>) -> Result<Rates> {
    if hourly.is_none() && agent_minute.is_none() {
        return Ok(ctx.settings.rates.clone());
    }
    let flags = casefile_app::Layer {
        hourly_value: hourly.map(|h| casefile_app::Amount::Text(h.into())),
        agent_minute: agent_minute.map(|a| casefile_app::Amount::Text(a.into())),
        ..Default::default()
    };
    Ok(ctx
        .settings
        .with_flags(flags)
        .map_err(crate::ctx::settings_error)?
        .rates)
}

pub fn brief(ctx: &Ctx, a: CaseArg) -> Result<()> {
    let rec = ctx.case_file_without_notes(&a.case)?;
    let company = rec.company_state();
    let b = coach::brief(
        &rec.state, company, &rec.rates, ctx.now, &ctx.tz, ctx.reveal,
    );
    let public = public_record(ctx, &rec.state)?;
    let lessons = ctx.company_lessons(&rec.state)?;
    if ctx.json {
        let mut v =
            serde_json::to_value(&b).map_err(|e| CliError::new(Exit::Internal, e.to_string()))?;
        v["lessons_with_company"] = json!(
            lessons
                .iter()
                .map(|(case, text)| json!({"case": case, "lesson": text}))
                .collect::<Vec<_>>()
        );
        v["public_record"] = public.as_ref().map_or(
            serde_json::Value::Null,
            |(card, sim, scope)| json!({"company": card, "similar": sim, "scope": scope}),
        );
        return print_json(&v);
    }
    print!("{}", coach::brief::render(&b, rec.handle));
    if !lessons.is_empty() {
        println!(
            "\nWhat you learned with {} before",
            rec.company_name().unwrap_or_else(|| "this company".into())
        );
        for (case, text) in &lessons {
            println!("  case {case}: {}", render::one_line(text));
        }
    }
    if let Some((card, sim, scope)) = &public {
        println!("\nWhat the public record shows (CFPB complaints)");
        if let Some(c) = card {
            println!(
                "  {}: {} complaints; of the {} with a final answer, {:.1}% closed with monetary relief, {:.1}% with non-monetary relief.",
                c.company, c.complaints, c.closed, c.monetary_relief, c.non_monetary_relief
            );
            if let Some(l) = casefile_app::intel::product_line(
                c,
                sim,
                &casefile_app::intel::case_words(&rec.state),
            ) {
                println!(
                    "  About {} (what complaints like yours are about): monetary relief {}, non-monetary {}, answered on time {}.",
                    l.name,
                    casefile_app::intel::rate_text(l.monetary, l.closed),
                    casefile_app::intel::rate_text(l.non_monetary, l.closed),
                    casefile_app::intel::rate_text(l.timely_yes, l.timely_known)
                );
            }
        }
        let total: u64 = sim.outcomes.iter().map(|o| o.count).sum();
        if total > 0 {
            let money = sim
                .outcomes
                .iter()
                .find(|o| o.name == "Closed with monetary relief")
                .map_or(0, |o| o.count);
            // From fewer than ten, the count alone: a percentage would claim more.
            let share = if total >= 10 {
                format!(" ({:.0}%)", money as f64 * 100.0 / total as f64)
            } else {
                String::new()
            };
            println!(
                "  Of the {total} complaints most like yours ({scope}), {money}{share} were closed with monetary relief. `casefile intel similar {}` lists them.",
                rec.handle
            );
        }
    }
    if !ctx.reveal && rec.state.facts.iter().any(|f| f.fact.sensitive) {
        println!(
            "\n(Sensitive identifiers are masked; `casefile brief {} --reveal` shows them to read out.)",
            rec.handle
        );
    }
    Ok(())
}

pub fn advice(ctx: &Ctx, a: CaseArg) -> Result<()> {
    let rec = ctx.case_file_without_notes(&a.case)?;
    let company = rec.company_state();
    let list = coach::advise(&rec.state, company, ctx.now, &ctx.tz);
    let now_at = coach::current_rung(&rec.state);
    // Before any contact there is no ladder to climb yet: the front line first.
    let contacted = rec.state.live_contacts().next().is_some();
    let (next, how) = coach::next_rung(&rec.state, company);
    let (next, how) = if contacted {
        (Some(next), how)
    } else {
        (None, String::new())
    };
    let tips = in_call_tips(ctx, &rec, &a.case)?;
    if ctx.json {
        return print_json(
            &json!({"rung": now_at, "next_rung": next, "next_rung_how": how, "advice": list, "in_call": tips}),
        );
    }
    match next {
        Some(next) => println!(
            "Case {} · {} · reached {}; next rung: {}",
            rec.handle,
            render::one_line(&rec.state.title),
            now_at.name(),
            next.name()
        ),
        None => println!(
            "Case {} · {} · no contact yet: the front line comes first",
            rec.handle,
            render::one_line(&rec.state.title),
        ),
    }
    if let Some(c) = rec.state.open_contact_now() {
        println!("\nOn contact #{} now", c.origin.seq);
        print_tips(&tips);
    }
    if list.is_empty() {
        println!("\nNothing needs doing right now.");
        if !rec.state.status().is_closed() && !how.is_empty() {
            println!("If the next contact does not settle it: {how}");
        }
        return Ok(());
    }
    for x in &list {
        let mark = match x.urgency {
            Urgency::Now => "NOW ",
            Urgency::Act => "NEXT",
            Urgency::Note => "NOTE",
        };
        println!("\n{mark} {}", x.seen);
        println!(
            "     → {}",
            x.next.replace(" CASE", &format!(" {}", rec.handle))
        );
        println!("     why: {}", x.why);
    }
    Ok(())
}

/// What to say on the open contact of `case` now (none when no contact is
/// open). `rec` may be read without notes; the tips need them (a policy
/// cited), so the whole case is read when a contact is open.
pub fn in_call_tips(
    ctx: &Ctx,
    rec: &casefile_app::ctx::CaseFile,
    case: &str,
) -> Result<Vec<coach::live::Tip>> {
    if rec.state.open_contact_now().is_none() {
        return Ok(vec![]);
    }
    let rec = ctx.case_file(case)?;
    let Some(c) = rec.state.open_contact_now() else {
        return Ok(vec![]);
    };
    let templates = load_templates()?;
    let cc = rec.context(&Addressing::default(), ctx);
    Ok(coach::live::in_call(
        &rec.state,
        c.origin.entry,
        &cc,
        &templates,
        ctx.now,
    ))
}

pub fn print_tips(tips: &[coach::live::Tip]) {
    for t in tips {
        println!("  • {}", t.title);
        if let Some(say) = &t.say {
            println!("    say: {}", say.replace('\n', "\n         "));
        }
    }
}

pub fn script(ctx: &Ctx, a: ScriptArgs) -> Result<()> {
    let rec = ctx.case_file_without_notes(&a.case)?;
    let templates = load_templates()?;
    let who = Addressing {
        rep: a.rep.clone(),
        ..Addressing::default()
    };
    let c = rec.context(&who, ctx);
    let kinds: Vec<(&str, &str)> = match &a.kind {
        Some(k) => SCRIPTS.iter().filter(|(n, _)| n == k).copied().collect(),
        None => SCRIPTS.to_vec(),
    };
    let mut out = Vec::new();
    for (kind, about) in kinds {
        let t =
            letters::script(kind, &c, &templates).map_err(|e| CliError::invalid(e.to_string()))?;
        out.push((kind, about, t));
    }
    if ctx.json {
        return print_json(
            &out.iter()
                .map(|(k, about, t)| json!({"kind": k, "about": about, "text": t.trim()}))
                .collect::<Vec<_>>(),
        );
    }
    if a.kind.is_some() {
        print!("{}", out[0].2);
        return Ok(());
    }
    for (i, (kind, about, t)) in out.iter().enumerate() {
        if i > 0 {
            println!();
        }
        println!("{kind}: {about}");
        println!("  {}", t.trim().replace('\n', "\n  "));
    }
    Ok(())
}

pub fn cost(ctx: &Ctx, a: CostArgs) -> Result<()> {
    let rec = ctx.case_file_without_notes(&a.case)?;
    let r = rates(ctx, a.hourly.as_deref(), a.agent_minute.as_deref())?;
    let e = coach::economics(&rec.state, &r, ctx.now);
    if ctx.json {
        return print_json(&e);
    }
    println!(
        "Cost of case {} · {}",
        rec.handle,
        render::one_line(&rec.state.title)
    );
    if !e.contacts.is_empty() {
        println!("\nContacts");
        let rows: Vec<Vec<String>> = e
            .contacts
            .iter()
            .map(|c| {
                vec![
                    format!("  #{}", c.seq),
                    text::when(c.at, &ctx.tz),
                    format!("{}m", c.minutes),
                    if c.hold_minutes > 0 {
                        format!("{}m on hold", c.hold_minutes)
                    } else {
                        String::new()
                    },
                    format!("{} rep(s)", c.reps),
                    format!("company ≈ {}", c.company_cost),
                ]
            })
            .collect();
        print!("{}", render::align(&rows));
    }
    println!();
    println!(
        "Your time:      {} (contacts {}, of which on hold {}; away from contacts {})",
        text::duration(e.total_time),
        text::duration(e.contact_time),
        text::duration(e.hold_time),
        text::duration(e.off_contact_time)
    );
    let spent: Vec<String> = e.expenses.iter().map(|m| m.to_string()).collect();
    println!(
        "Your expenses:  {}",
        if spent.is_empty() {
            "none".into()
        } else {
            spent.join(" + ")
        }
    );
    println!(
        "At {}/hour your time is worth {}; with expenses, {}.",
        r.hourly_value, e.time_value, e.customer_total
    );
    println!(
        "The company's cost ≈ {} (staffed minutes × {}; an estimate, not their figures).",
        e.company_total, r.agent_minute
    );
    println!("\nSay it calmly:\n  \"{}\"", e.sentence);
    Ok(())
}

fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

pub fn check(ctx: Option<&mut Ctx>, a: &CheckArgs, json_out: bool) -> Result<()> {
    let kind = match a.kind {
        DraftKindArg::Chat => DraftKind::Chat,
        DraftKindArg::Email => DraftKind::Email,
        DraftKindArg::Letter => DraftKind::Letter,
    };
    let purpose = if a.thanks {
        coach::Purpose::Thanks
    } else {
        coach::Purpose::Request
    };
    if a.jsonl {
        return check_lines(a.file.as_deref(), kind, purpose);
    }
    let file = a.file.clone().unwrap_or_else(|| PathBuf::from("-"));
    let name = file.display().to_string();
    let draft = if name == "-" {
        crate::input::read_stdin()?
    } else {
        let mut s = String::new();
        std::fs::File::open(&file)
            .and_then(|mut f| f.read_to_string(&mut s))
            .map_err(|e| {
                CliError::not_found(format!("cannot read {name}: {e}"))
                    .hint("give a text file, or - to read standard input")
            })?;
        s
    };
    let state = match (ctx, &a.case) {
        (Some(ctx), Some(c)) => Some(ctx.case(c)?.state),
        _ => None,
    };
    let r = coach::check_draft(&draft, kind, purpose, state.as_ref());
    if let Some(p) = r.model_problem.as_deref().filter(|_| !json_out) {
        eprintln!("note: {p}.");
        eprintln!(
            "  hint: point CASEFILE_TONE_MODEL at a folder with model.safetensors, tokenizer.json \
             and heads.json, unset it for the model built in, or set it to off for the rules alone"
        );
    }
    if json_out {
        print_json(&r)?;
    } else if r.is_clean() {
        println!("Nothing to flag: the tone is civil and the draft has what it needs.");
        println!("{}", reads_line(&r));
    } else {
        println!("{}", reads_line(&r));
        let harmful = r
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Harmful)
            .count();
        let suggestions = r.findings.len() - harmful + r.missing.len();
        println!("{harmful} thing(s) that will hurt, {suggestions} suggestion(s).");
        for group in r.groups() {
            let f = &group[0];
            let places: Vec<(usize, usize)> =
                group.iter().map(|f| line_col(&draft, f.start)).collect();
            let excerpts: Vec<String> = group
                .iter()
                .map(|f| {
                    format!(
                        "\"{}\"",
                        render::truncate(&render::one_line(&f.excerpt), 60)
                    )
                })
                .collect();
            println!(
                "\n{}: {} {}",
                places_words(&places),
                f.kind.replace('_', " "),
                excerpts.join(", ")
            );
            println!("  why: {}", f.why);
            println!("  instead: {}", f.instead);
            match f.rewrite.as_deref() {
                Some("") => println!("  rewrite: leave this sentence out"),
                Some(r) => println!("  rewrite: {r}"),
                None => {}
            }
        }
        if !r.missing.is_empty() {
            println!("\nMissing:");
            for m in &r.missing {
                println!("  - {}: {}", m.what, m.why);
            }
        }
    }
    match r.worst() {
        None => Ok(()),
        Some(Severity::Suggestion) => Err(CliError::new(Exit::CheckSuggestions, "")),
        Some(Severity::Harmful) => Err(CliError::new(Exit::CheckHarmful, "")),
    }
}

/// "line 2, column 5", "line 1, columns 1, 12 and 28", or each place in
/// full when they are on different lines.
fn places_words(places: &[(usize, usize)]) -> String {
    let and = |items: Vec<String>| match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    };
    match places {
        [(l, c)] => format!("line {l}, column {c}"),
        [(l, _), ..] if places.iter().all(|p| p.0 == *l) => {
            format!(
                "line {l}, columns {}",
                and(places.iter().map(|p| p.1.to_string()).collect())
            )
        }
        _ => and(places
            .iter()
            .map(|(l, c)| format!("line {l}, column {c}"))
            .collect()),
    }
}

/// "Reads as: polite (politeness 0.91 of 1)".
fn reads_line(r: &coach::ToneReport) -> String {
    format!(
        "Reads as: {} (politeness {:.2} of 1).",
        r.reads.words(),
        r.politeness
    )
}

/// `check --jsonl`: one answer per line read, in order, written a batch at
/// a time (a closed pipe ends the run quietly). A line that
/// cannot be read is answered with its error and the rest go on.
fn check_lines(
    file: Option<&std::path::Path>,
    kind: DraftKind,
    purpose: coach::Purpose,
) -> Result<()> {
    use std::io::{BufRead, Write};
    /// Each answer starts with its version and line, as every JSON
    /// casefile prints starts with its version.
    #[derive(serde::Serialize)]
    #[serde(untagged)]
    enum Answer {
        Checked {
            version: u64,
            line: usize,
            #[serde(flatten)]
            report: coach::ToneReport,
        },
        Unreadable {
            version: u64,
            line: usize,
            error: String,
        },
    }
    #[derive(serde::Deserialize)]
    struct Line {
        text: String,
        #[serde(default)]
        kind: Option<DraftKind>,
    }
    fn read_line(line: &[u8]) -> std::result::Result<Line, String> {
        std::str::from_utf8(line)
            .map_err(|_| "the line is not UTF-8".to_string())
            .and_then(|l| {
                serde_json::from_str::<Line>(l)
                    .map_err(|e| format!("not a JSON object with a \"text\": {e}"))
            })
            .and_then(|l| {
                if l.text.len() > casefile_core::state::MAX_TEXT {
                    Err(format!(
                        "the text is {} bytes, over the {} a message may have",
                        l.text.len(),
                        casefile_core::state::MAX_TEXT
                    ))
                } else {
                    Ok(l)
                }
            })
    }
    let input: Box<dyn BufRead> = match file {
        Some(p) if p.as_os_str() != "-" => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).map_err(|e| {
                CliError::not_found(format!("cannot read {}: {e}", p.display()))
                    .hint("give a JSON Lines file, or - to read standard input")
            })?,
        )),
        _ => Box::new(std::io::BufReader::new(std::io::stdin())),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut unreadable = 0usize;
    // The model reads lines together, BATCH at a time: several times faster
    // than one by one. Answers still come in the order of the lines.
    const BATCH: usize = 256;
    let mut lines = input.split(b'\n').enumerate().peekable();
    while lines.peek().is_some() {
        let mut batch: Vec<(usize, std::result::Result<Line, String>)> = Vec::new();
        for (i, line) in lines.by_ref() {
            let n = i + 1;
            let line = line.map_err(|e| CliError::invalid(format!("cannot read line {n}: {e}")))?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            batch.push((n, read_line(&line)));
            if batch.len() == BATCH {
                break;
            }
        }
        let drafts: Vec<(&str, DraftKind)> = batch
            .iter()
            .filter_map(|(_, l)| l.as_ref().ok())
            .map(|l| (l.text.as_str(), l.kind.unwrap_or(kind)))
            .collect();
        let mut reports = coach::tone::check_drafts(&drafts, purpose, None).into_iter();
        for (n, read) in batch {
            let answer = match read {
                Ok(_) => Answer::Checked {
                    version: crate::json::JSON_VERSION,
                    line: n,
                    report: reports.next().expect("one report per readable line"),
                },
                Err(error) => {
                    unreadable += 1;
                    Answer::Unreadable {
                        version: crate::json::JSON_VERSION,
                        line: n,
                        error,
                    }
                }
            };
            let written = serde_json::to_writer(&mut out, &answer)
                .map_err(std::io::Error::from)
                .and_then(|_| out.write_all(b"\n"));
            if let Err(e) = written {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return Ok(());
                }
                return Err(CliError::new(Exit::Internal, format!("cannot write: {e}")));
            }
        }
        // Each batch reaches the reader as soon as it is checked.
        if let Err(e) = out.flush() {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(CliError::new(Exit::Internal, format!("cannot write: {e}")));
        }
    }
    if unreadable > 0 {
        return Err(CliError::invalid(format!(
            "{unreadable} line(s) could not be read; each is answered with its error"
        ))
        .hint("each line must be a JSON object such as {\"text\": \"...\"}"));
    }
    Ok(())
}

/// Writes `content` to `path` (beside it first, then renamed: a full disk
/// never leaves half a file), or to standard output.
pub(crate) fn write_out(ctx: &Ctx, path: Option<&PathBuf>, content: &str) -> Result<()> {
    write_out_with(ctx, path, |w| w.write_all(content.as_bytes()))
}

/// [`write_out`] for output made a piece at a time: a file is written whole
/// or not at all; standard output gets it as it comes.
pub(crate) fn write_out_with(
    ctx: &Ctx,
    path: Option<&PathBuf>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match path {
        Some(p) => {
            let tmp = p.with_extension("partial");
            let cannot = |e: std::io::Error| {
                CliError::invalid(format!("cannot write {}: {e}", p.display()))
                    .hint("choose another place with --output")
            };
            let written = std::fs::File::create(&tmp)
                .and_then(|f| {
                    let mut w = std::io::BufWriter::new(f);
                    write(&mut w)?;
                    w.into_inner().map_err(|e| e.into_error())?.sync_all()
                })
                .and_then(|_| std::fs::rename(&tmp, p));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(cannot(e));
            }
            if !ctx.json {
                eprintln!("Written to {}.", p.display());
            }
            Ok(())
        }
        None => {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            write(&mut w)
                .and_then(|_| w.flush())
                .map_err(|e| CliError::new(Exit::Internal, format!("cannot write the output: {e}")))
        }
    }
}

pub fn letter(ctx: &Ctx, a: LetterArgs) -> Result<()> {
    let rec = ctx.case_file_without_notes(&a.case)?;
    let templates = load_templates()?;
    let who = Addressing {
        rep: a.rep.clone(),
        recipient: a.to.clone(),
        recipient_address: a.address.clone(),
        sender: a.sender.clone(),
        deadline_days: Some(a.within),
    };
    let c = rec.context(&who, ctx);
    let format = match a.format {
        FormatArg::Md => Format::Markdown,
        FormatArg::Text => Format::Text,
        FormatArg::Html => Format::Html,
    };
    let md = letters::letter(&a.kind, &c, &templates, Format::Markdown)
        .map_err(|e| CliError::invalid(e.to_string()))?;
    let purpose = if a.kind == "commend" {
        coach::Purpose::Thanks
    } else {
        coach::Purpose::Request
    };
    let report = coach::check_draft(&md, DraftKind::Letter, purpose, Some(&rec.state));
    let out = if format == Format::Markdown {
        md.clone()
    } else {
        letters::letter(&a.kind, &c, &templates, format)
            .map_err(|e| CliError::invalid(e.to_string()))?
    };
    if ctx.json {
        return print_json(&json!({"kind": a.kind, "format": format, "text": out, "tone": report}));
    }
    write_out(ctx, a.output.as_ref(), &out)?;
    if !report.findings.is_empty() {
        eprintln!(
            "Note: the tone check flags {} thing(s) in this letter; run `casefile check` on it before sending.",
            report.findings.len()
        );
    }
    if !ctx.reveal && rec.state.facts.iter().any(|f| f.fact.sensitive) {
        eprintln!("Sensitive identifiers are masked; add --reveal to put them in the letter.");
    }
    Ok(())
}

pub fn timeline(ctx: &Ctx, a: TimelineArgs) -> Result<()> {
    // The text and JSON rows show no entry's author or chain; the record
    // (Markdown, HTML) ends with the chain's head.
    let (rec, entries) = if matches!(a.format, TimelineFormat::Md | TimelineFormat::Html) {
        ctx.case_file_with_entries(&a.case)?
    } else {
        ctx.case_file_with_entries_without_chain(&a.case)?
    };
    let rows = || text::Timeline::new(&entries, &rec.state, &ctx.tz, ctx.reveal);
    if ctx.json || matches!(a.format, TimelineFormat::Json) {
        let body = super::views::versioned_json(&rows().rows().collect::<Vec<_>>())? + "\n";
        return write_out(ctx, a.output.as_ref(), &body);
    }
    let content = match a.format {
        TimelineFormat::Text => {
            let rows = rows();
            return write_out_with(ctx, a.output.as_ref(), |w| {
                render::write_timeline(w, rec.handle, &rec.state.title, &rows, &ctx.tz)
            });
        }
        TimelineFormat::Md => casefile_app::record::markdown(ctx, &rec, &entries),
        TimelineFormat::Html => coach::templates::print_html(
            &format!("Case record: {}", rec.state.title),
            &casefile_app::record::markdown(ctx, &rec, &entries),
        ),
        TimelineFormat::Json => unreachable!("handled above"),
    };
    write_out(ctx, a.output.as_ref(), &content)
}

pub fn templates(cmd: &TemplatesCommand, json_out: bool) -> Result<()> {
    let loaded = load_templates()?;
    let dir = templates_dir();
    match cmd {
        TemplatesCommand::List => {
            let rows: Vec<(String, bool, Option<String>)> = Templates::names()
                .map(|n| {
                    let path = dir.as_ref().map(|d| d.join(n));
                    let overridden = path.as_ref().is_some_and(|p| p.exists());
                    (
                        n.to_string(),
                        overridden,
                        path.map(|p| p.display().to_string()),
                    )
                })
                .collect();
            if json_out {
                return print_json(
                    &rows
                        .iter()
                        .map(|(n, o, p)| json!({"name": n, "overridden": o, "path": p}))
                        .collect::<Vec<_>>(),
                );
            }
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|(n, o, _)| {
                    vec![
                        n.clone(),
                        if *o {
                            "yours".into()
                        } else {
                            "built-in".into()
                        },
                    ]
                })
                .collect();
            print!("{}", render::table(&["TEMPLATE", "SOURCE"], &table));
            if let Some(d) = dir {
                println!(
                    "\nTo change one, save your version as {}/NAME (e.g. {}/letter/executive.md).",
                    d.display(),
                    d.display()
                );
                println!(
                    "`casefile templates show NAME` prints the built-in source to start from."
                );
            }
            Ok(())
        }
        TemplatesCommand::Show { name } => {
            let src = loaded.source(name).ok_or_else(|| {
                CliError::not_found(format!("there is no template {name}"))
                    .hint("`casefile templates list` shows their names")
            })?;
            print!("{src}");
            Ok(())
        }
    }
}
