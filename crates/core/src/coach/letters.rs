//! Letters, and the case record written out for a regulator or a court.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::coach::templates::{CaseContext, TemplateError, Templates, plain_text, print_html};
use crate::entry::Entry;
use crate::state::{CaseState, PromiseState};
use crate::text::{self, when};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Markdown,
    Text,
    Html,
}

/// Renders a letter (`executive`, `regulator`, `final-response`, `commend`).
pub fn letter(
    kind: &str,
    ctx: &CaseContext,
    templates: &Templates,
    format: Format,
) -> Result<String, TemplateError> {
    let md = templates.render(&format!("letter/{kind}.md"), ctx)?;
    Ok(match format {
        Format::Markdown => md,
        Format::Text => plain_text(&md),
        Format::Html => print_html(&format!("{}: {}", ctx.title, kind), &md),
    })
}

/// Renders a script (`greeting`, `plea`, ...).
pub fn script(
    kind: &str,
    ctx: &CaseContext,
    templates: &Templates,
) -> Result<String, TemplateError> {
    templates.render(&format!("script/{kind}.txt"), ctx)
}

fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The case's record in Markdown: goal, facts, each contact with its entries,
/// promises, offers, costs, amendments, and the full chronology.
pub fn record_markdown(
    s: &CaseState,
    entries: &[Entry],
    company: Option<&str>,
    costs_line: &str,
    now: Timestamp,
    tz: &TimeZone,
    reveal: bool,
) -> String {
    let rows = text::timeline(entries, s, tz, reveal);
    let mut o = String::new();
    let mut p = |line: String| {
        o.push_str(&line);
        o.push('\n');
    };
    p(format!("# Case record: {}", cell(&s.title)));
    p(String::new());
    p(format!(
        "{}Prepared {}. Times are in {}. Entries are numbered as in the journal (#n). Nothing has been deleted or rewritten: a correction is a later entry that amends an earlier one, and both are shown.{}",
        company.map(|c| format!("Company: {}. ", cell(c).trim_end_matches('.'))).unwrap_or_default(),
        when(now, tz),
        tz.iana_name().unwrap_or("local time"),
        entries.last().map(|e| format!(" The journal holds {} entries, chained by SHA-256; the last entry's hash begins {}.", entries.len(), &e.hash[..16])).unwrap_or_default()
    ));
    if !reveal && s.facts.iter().any(|f| f.fact.sensitive) {
        p(String::new());
        p("Sensitive identifiers are shown masked (••••).".into());
    }
    if let Some(g) = s.goal() {
        p(String::new());
        p("## What is asked".into());
        p(String::new());
        p(format!("- Problem: {}", cell(&g.goal.problem)));
        p(format!(
            "- Resolution asked for: {}",
            cell(&g.goal.resolution)
        ));
        for a in &g.goal.alternatives {
            p(format!("- Would also accept: {}", cell(a)));
        }
        if s.goals.len() > 1 {
            for v in &s.goals[..s.goals.len() - 1] {
                p(format!(
                    "- Earlier goal (#{}, {}): {}",
                    v.origin.seq,
                    when(v.origin.at, tz),
                    cell(&v.goal.resolution)
                ));
            }
        }
    }
    if !s.facts.is_empty() {
        p(String::new());
        p("## Facts".into());
        p(String::new());
        p("| # | Fact | Value |".into());
        p("|---|---|---|".into());
        for f in &s.facts {
            let label = f
                .fact
                .label
                .as_ref()
                .map(|l| format!("{}: {l}", text::fact_kind(f.fact.kind)))
                .unwrap_or_else(|| text::fact_kind(f.fact.kind).into());
            p(format!(
                "| #{} | {} | {}{} |",
                f.origin.seq,
                cell(&label),
                cell(&text::fact_value(&f.fact, reveal)),
                amended(&f.origin)
            ));
        }
    }
    if !s.contacts.is_empty() {
        p(String::new());
        p("## Contacts".into());
        for c in &s.contacts {
            p(String::new());
            let end = c
                .ended
                .map(|e| text::clock(e, tz))
                .unwrap_or_else(|| "still open".into());
            let hold = c.hold_time(now);
            p(format!(
                "### #{} {}, {}–{} ({}{}){}",
                c.origin.seq,
                text::contact_noun(c.channel),
                when(c.started(), tz),
                end,
                text::duration(c.duration(now)),
                if hold.as_secs() > 0 {
                    format!(", {} on hold", text::duration(hold))
                } else {
                    String::new()
                },
                amended(&c.origin)
            ));
            p(String::new());
            for r in rows
                .iter()
                .filter(|r| r.contact == Some(c.origin.seq) && r.seq != c.origin.seq)
            {
                p(format!(
                    "- {} (#{}) {}{}",
                    text::clock(r.at, tz),
                    r.seq,
                    cell(&r.text),
                    row_marks(r)
                ));
            }
        }
    }
    if !s.promises.is_empty() {
        p(String::new());
        p("## Promises".into());
        p(String::new());
        p("| # | Made | By | What | Due | Outcome |".into());
        p("|---|---|---|---|---|---|".into());
        for x in &s.promises {
            let outcome = match x.state {
                PromiseState::Open if x.is_overdue(now) => "not kept (overdue)".to_string(),
                PromiseState::Open => "open".into(),
                PromiseState::Kept => format!(
                    "kept {}",
                    x.settled_at.map(|t| when(t, tz)).unwrap_or_default()
                ),
                PromiseState::Broken => format!(
                    "broken {}",
                    x.settled_at.map(|t| when(t, tz)).unwrap_or_default()
                ),
            };
            p(format!(
                "| #{} | {} | {} | {} | {} | {}{} |",
                x.origin.seq,
                when(x.origin.at, tz),
                cell(x.by.as_deref().unwrap_or("-")),
                cell(&x.what),
                x.due.map(|d| when(d, tz)).unwrap_or_else(|| "-".into()),
                outcome,
                amended(&x.origin)
            ));
        }
    }
    if !s.offers.is_empty() {
        p(String::new());
        p("## Offers".into());
        p(String::new());
        p("| # | Made | By | What | Value | Answer |".into());
        p("|---|---|---|---|---|---|".into());
        for x in &s.offers {
            p(format!(
                "| #{} | {} | {} | {} | {} | {}{} |",
                x.origin.seq,
                when(x.origin.at, tz),
                cell(x.by.as_deref().unwrap_or("-")),
                cell(&x.what),
                x.value
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into()),
                x.answer.map_or("not answered", text::offer_answer),
                amended(&x.origin)
            ));
        }
    }
    p(String::new());
    p("## Costs".into());
    p(String::new());
    p(costs_line.to_string());
    if !s.amendments.is_empty() {
        p(String::new());
        p("## Amendments".into());
        p(String::new());
        p("| # | Made | Amends | Reason | Correction |".into());
        p("|---|---|---|---|---|".into());
        for a in &s.amendments {
            let corr = match (&a.correction, a.retracts) {
                (Some(c), true) => format!("withdrawn; {}", cell(c)),
                (Some(c), false) => cell(c),
                (None, true) => "withdrawn".into(),
                (None, false) => "-".into(),
            };
            let corr = if !reveal
                && s.facts
                    .iter()
                    .any(|f| f.origin.entry == a.target && f.fact.sensitive)
            {
                crate::mask::mask(&corr)
            } else {
                corr
            };
            p(format!(
                "| #{} | {} | #{} | {} | {} |",
                a.origin.seq,
                when(a.origin.at, tz),
                a.target_seq,
                cell(&a.reason),
                corr
            ));
        }
    }
    p(String::new());
    p("## Full chronology".into());
    p(String::new());
    p("| When | # | Entry | Recorded |".into());
    p("|---|---|---|---|".into());
    for r in &rows {
        p(format!(
            "| {} | #{} | {}{} | {} |",
            when(r.at, tz),
            r.seq,
            cell(&r.text),
            row_marks(r),
            when(r.recorded, tz)
        ));
    }
    o
}

fn amended(o: &crate::state::Origin) -> String {
    text::marks(o.retracted, &o.amended_by)
}

fn row_marks(r: &text::TimelineRow) -> String {
    text::marks(r.retracted, &r.amended_by)
}
