//! Read commands. Each prints text for people or, with --json, data for scripts.

use std::collections::HashMap;

use casefile_core::text;
use casefile_store::CaseFilter;
use jiff::Span;
use serde_json::json;

use crate::cli::{CalendarArgs, CaseArg, DueArgs, ListArgs, SearchArgs};
use crate::ctx::Ctx;
use crate::error::{CliError, Result};
use crate::render;

pub use crate::json::{print_json, versioned_json};

pub fn list(ctx: &Ctx, a: ListArgs) -> Result<()> {
    let company = match &a.company {
        Some(name) => Some(ctx.store.company_by_name(name)?.ok_or_else(|| {
            CliError::not_found(format!("no company is called '{name}'"))
                .hint("`casefile company list` shows the companies casefile knows")
        })?),
        None => None,
    };
    let helper = if a.mine {
        Some(ctx.author.to_lowercase())
    } else {
        a.helper.as_deref().map(|h| h.trim().to_lowercase())
    };
    let filter = CaseFilter {
        status: a.status.map(super::capture::status),
        company,
        helper,
        limit: (!a.all).then_some(a.limit),
    };
    let rows = ctx.store.list_cases(&filter)?;
    if ctx.json {
        return print_json(&rows);
    }
    print!("{}", render::case_list(&rows, &ctx.tz, ctx.now));
    // The rest, counted but not shown, so long lists stay quick.
    if !a.all && rows.len() == a.limit {
        let total = ctx.store.count_cases(&filter)?;
        if total > rows.len() as u64 {
            println!(
                "\n{} of {total} cases shown, the most recently active; `casefile list --all` shows every one.",
                rows.len()
            );
        }
    }
    Ok(())
}

pub fn show(ctx: &Ctx, a: CaseArg) -> Result<()> {
    if !ctx.json {
        let (rec, notes) = ctx.case_file_recent_notes(&a.case, render::NOTES_SHOWN)?;
        let page = render::case_view(
            rec.handle,
            &rec.state,
            notes as usize,
            rec.company_name().as_deref(),
            &ctx.tz,
            ctx.now,
            ctx.reveal,
        );
        print!("{page}");
        return Ok(());
    }
    // The JSON carries the whole state, every note included.
    let rec = ctx.case_file(&a.case)?;
    let s = &rec.state;
    let company = rec.company_name();
    print_json(&json!({
            "handle": rec.handle,
            "company_name": company,
            "status": s.status(),
            "goal": s.goal().map(|g| &g.goal),
            "costs": s.costs(ctx.now),
            "due": s.due_items(),
            "state": text::masked_state(s, ctx.reveal),
    }))
}

pub fn search(ctx: &Ctx, a: SearchArgs) -> Result<()> {
    let query = a.words.join(" ");
    let hits = ctx.store.search(&query, a.limit.clamp(1, 1000))?;
    let mut states = HashMap::new();
    let mut out = Vec::new();
    for h in &hits {
        if let std::collections::hash_map::Entry::Vacant(v) = states.entry(h.case) {
            v.insert(ctx.store.case(h.case)?.state);
        }
        let s = &states[&h.case];
        out.push(json!({
            "case": h.handle,
            "title": h.title,
            "seq": h.entry.seq,
            "at": h.entry.at,
            "kind": h.entry.event.kind(),
            "text": text::describe(&h.entry, s, &ctx.tz, ctx.reveal),
        }));
    }
    if ctx.json {
        return print_json(&out);
    }
    if out.is_empty() {
        println!("Nothing matches '{query}'.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = hits
        .iter()
        .zip(&out)
        .map(|(h, o)| {
            vec![
                format!("{} #{}", h.handle, h.entry.seq),
                text::when(h.entry.at, &ctx.tz),
                render::truncate(
                    &render::one_line(o["text"].as_str().unwrap_or_default()),
                    90,
                ),
            ]
        })
        .collect();
    print!("{}", render::table(&["CASE", "WHEN", "WHAT"], &rows));
    Ok(())
}

pub fn due(ctx: &Ctx, a: DueArgs) -> Result<()> {
    let span: Span = a.within.trim().parse().map_err(|_| {
        CliError::invalid(format!("'{}' is not a length of time", a.within))
            .hint("for example --within \"7 days\" or --within 48h")
    })?;
    let until = ctx
        .now
        .to_zoned(ctx.tz.clone())
        .checked_add(span)
        .map_err(|e| CliError::invalid(e.to_string()))?
        .timestamp();
    let mine = a.mine.then(|| ctx.author.to_lowercase());
    let rows = ctx
        .store
        .due(until, (!a.all).then_some(a.limit), mine.as_deref())?;
    if ctx.json {
        let out: Vec<_> = rows.iter().map(|r| json!({"case": r.handle, "title": r.title, "overdue": r.item.due < ctx.now, "item": r.item})).collect();
        return print_json(&out);
    }
    print!("{}", render::due_list(&rows, &ctx.tz, ctx.now));
    if !a.all && rows.len() == a.limit {
        let total = ctx.store.count_due(until, mine.as_deref())?;
        if total > rows.len() as u64 {
            println!(
                "\n{} of {total} items shown, the soonest; `casefile due --all` shows every one.",
                rows.len()
            );
        }
    }
    Ok(())
}

pub fn calendar(ctx: &Ctx, a: CalendarArgs) -> Result<()> {
    let remind: Span = a.remind.trim().parse().map_err(|_| {
        CliError::invalid(format!("'{}' is not a length of time", a.remind))
            .hint("for example --remind 1h, --remind 30m or --remind 1d")
    })?;
    let remind = jiff::SignedDuration::try_from(remind)
        .or_else(|_| {
            remind
                .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
                .map_err(|e| e.to_string())
        })
        .map_err(|e| CliError::invalid(format!("'{}' cannot be a reminder: {e}", a.remind)))?;
    if remind.is_negative() {
        return Err(CliError::invalid("a reminder comes before the due time")
            .hint("give how long before, e.g. --remind 1h"));
    }
    // Everything still open, however far off.
    let until = ctx.now + jiff::SignedDuration::from_hours(24 * 365 * 20);
    let mine = a.mine.then(|| ctx.author.to_lowercase());
    let rows = ctx.store.due(until, None, mine.as_deref())?;
    let events = casefile_app::calendar::events(&rows, remind);
    if ctx.json {
        return print_json(&events);
    }
    let feed = casefile_app::calendar::feed(&events, ctx.now);
    super::coach::write_out(ctx, a.output.as_ref(), &feed)
}

/// What every page ends with: the environment casefile reads and its exit codes.
const MAN_TAIL: &str = r#".SH ENVIRONMENT
.TP
\fBCASEFILE_DB\fR
The journal's file (also \fB--db\fR); by default casefile.db in casefile's data folder.
.TP
\fBCASEFILE_CONFIG\fR
The config file; by default config.toml in casefile's config folder. It takes author,
currency, hourly_value, agent_minute, date_order, addresses, db, database, workspace and
templates. Flags
override the environment, which overrides the file.
.TP
\fBCASEFILE_DATABASE\fR, \fBCASEFILE_WORKSPACE\fR
A PostgreSQL server's URL (postgres://USER:PASSWORD@HOST/NAME), used instead of the
file, and the workspace on it (default "default", made on first use; others are made by
\fBcasefile users add\fR).
.TP
\fBCASEFILE_USER\fR, \fBCASEFILE_CURRENCY\fR, \fBCASEFILE_HOURLY_VALUE\fR, \fBCASEFILE_AGENT_MINUTE\fR
The author of entries, the default currency, and the rates costs are counted at.
.TP
\fBCASEFILE_TEMPLATES\fR
A folder of your own scripts and letters.
.TP
\fBCASEFILE_ADDRESSES\fR
Your own email addresses, separated by commas: mail from them is recorded as sent by you.
.TP
\fBCASEFILE_EXHIBITS\fR
Where attached files are kept (by default a folder beside the journal, casefile.exhibits).
.TP
\fBCASEFILE_SIGNING_KEY\fR
This device's signing key (by default signing.key beside the config file).
.TP
\fBCASEFILE_INTEL_DB\fR
The public complaint data (by default beside the journal, named after it: casefile.intel.db).
.TP
\fBCASEFILE_NOW\fR
The clock relative dates are read against, for reproducible scripts; it never changes
when an entry was recorded.
.TP
\fBCASEFILE_BUSY_TIMEOUT_MS\fR
How long to wait for another writer (default 5000).
.TP
\fBCASEFILE_WEB_KEY\fR
A fixed one-time link key for \fBcasefile serve\fR, 16 characters or more.
.TP
\fBCASEFILE_POOL_SIZE\fR
How many connections \fBcasefile serve\fR keeps open at most (default 16).
.TP
\fBTZ\fR, \fBEDITOR\fR, \fBVISUAL\fR, \fBNO_COLOR\fR
Your time zone, the editor for long notes, and plain output.
.SH "EXIT STATUS"
.TP
0
Done.
.TP
1
Something unexpected inside casefile or the database engine.
.TP
2
A bad command line.
.TP
3
A case, company or entry that does not exist.
.TP
4
Input that cannot be recorded; nothing was written.
.TP
5
The database is busy or changed underneath; trying again may work.
.TP
6
\fBverify\fR found a problem.
.TP
7
The database file cannot be used by this casefile.
.TP
8, 9
\fBcheck\fR found suggestions only (8), or something that will hurt (9).
"#;

fn man_page(cmd: clap::Command, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(cmd).render(out)?;
    out.write_all(MAN_TAIL.as_bytes())
}

/// `casefile man`: the main page on standard output, or every page into a folder.
pub fn man(dir: Option<std::path::PathBuf>) -> Result<()> {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let Some(dir) = dir else {
        return Ok(man_page(cmd, &mut std::io::stdout())?);
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::invalid(format!("cannot create {}: {e}", dir.display()))
            .hint("choose a folder you can write to")
    })?;
    fn write_all(cmd: clap::Command, dir: &std::path::Path, n: &mut usize) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            write_all(sub, dir, n)?;
        }
        let name = format!("{}.1", cmd.get_display_name().unwrap_or(cmd.get_name()));
        let path = dir.join(name);
        let mut f = std::fs::File::create(&path)
            .map_err(|e| CliError::invalid(format!("cannot write {}: {e}", path.display())))?;
        man_page(cmd, &mut f)?;
        *n += 1;
        Ok(())
    }
    let mut n = 0;
    write_all(cmd, &dir, &mut n)?;
    println!("Wrote {n} man pages to {}.", dir.display());
    Ok(())
}

/// `casefile report`: the organisation's figures, as a table, CSV or JSON.
pub fn report(ctx: &mut Ctx, a: crate::cli::ReportArgs) -> Result<()> {
    let r = casefile_app::report::build(ctx.store.as_ref())?;
    if ctx.json {
        return print_json(&r);
    }
    if a.csv {
        print!("{}", casefile_app::report::csv(&r));
        return Ok(());
    }
    if r.total.cases == 0 {
        println!("No cases yet, so nothing to report.");
        return Ok(());
    }
    let mut head = vec!["COMPANY", "CASES"];
    head.extend(
        casefile_app::report::STATUSES
            .iter()
            .map(|s| match s.as_str() {
                "open" => "OPEN",
                "waiting" => "WAITING",
                "escalated" => "ESCALATED",
                "resolved" => "RESOLVED",
                _ => "ABANDONED",
            }),
    );
    head.extend(["RECOVERED", "MEDIAN DAYS"]);
    let rows: Vec<Vec<String>> = r
        .companies
        .iter()
        .chain(std::iter::once(&r.total))
        .map(|l| {
            let mut row = vec![l.company.clone(), l.cases.to_string()];
            row.extend(l.by_status.iter().map(u64::to_string));
            row.push(l.recovered_text());
            row.push(l.median_text());
            row
        })
        .collect();
    print!("{}", crate::render::table(&head, &rows));
    println!(
        "Recovered: the value of offers accepted. Median days: from opening to resolution, resolved cases only."
    );
    Ok(())
}
