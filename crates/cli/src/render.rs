//! Text output for people: tables, the case view, the timeline.

use casefile_core::text::{self, when};
use casefile_core::*;
use casefile_store::{CaseRow, DueRow};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// A table with a header row.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut all: Vec<Vec<String>> = vec![headers.iter().map(|h| h.to_string()).collect()];
    all.extend(rows.iter().cloned());
    align(&all)
}

/// Left-aligned columns, padded by display width (CJK and emoji count double).
pub fn align(rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = Vec::new();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if width.len() <= i {
                width.push(0);
            }
            width[i] = width[i].max(c.width());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            line.push_str(c);
            if i + 1 < r.len() {
                line.push_str(&" ".repeat(width[i] - c.width() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub use casefile_core::text::one_line;

pub fn case_list(rows: &[CaseRow], tz: &TimeZone, now: Timestamp) -> String {
    if rows.is_empty() {
        return "No cases yet. Open one with `casefile open`.\n".into();
    }
    let data: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.handle.to_string(),
                r.status.as_str().to_string(),
                r.company_name.clone().unwrap_or_else(|| "-".into()),
                one_line(&r.title),
                r.last_at.map(|t| when(t, tz)).unwrap_or_default(),
                match r.next_due {
                    Some(d) if d < now => format!("{} OVERDUE", when(d, tz)),
                    Some(d) => when(d, tz),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    table(
        &[
            "#",
            "STATUS",
            "COMPANY",
            "TITLE",
            "LAST ACTIVITY",
            "NEXT DUE",
        ],
        &data,
    )
}

pub fn due_list(rows: &[DueRow], tz: &TimeZone, now: Timestamp) -> String {
    if rows.is_empty() {
        return "Nothing is due.\n".into();
    }
    let data: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                when(r.item.due, tz),
                if r.item.due < now {
                    "overdue".into()
                } else {
                    "due".into()
                },
                format!("{} #{}", r.handle, r.item.seq),
                match r.item.kind {
                    DueKind::Promise => "promise".into(),
                    DueKind::FollowUp => "follow-up".into(),
                },
                one_line(&r.item.what),
                one_line(&r.title),
            ]
        })
        .collect();
    table(&["WHEN", "STATE", "CASE", "KIND", "WHAT", "TITLE"], &data)
}

fn section(out: &mut String, title: &str) {
    out.push('\n');
    out.push_str(title);
    out.push('\n');
}

fn tags(o: &state::Origin) -> String {
    text::marks(o.retracted, &o.amended_by)
}

fn push_tags(out: &mut String, o: &state::Origin) {
    text::push_marks(out, o.retracted, &o.amended_by);
}

/// How many of the latest notes the case view shows.
pub const NOTES_SHOWN: usize = 5;

/// The case's current state, for `casefile show`: `s` may hold only the
/// latest notes, of `notes` in all.
pub fn case_view(
    handle: u64,
    s: &CaseState,
    notes: usize,
    company: Option<&str>,
    tz: &TimeZone,
    now: Timestamp,
    reveal: bool,
) -> String {
    // Room for a long case's page at once: growing by doubling copies it
    // again and again, and room never written costs nothing.
    let parts = s.facts.len() + s.promises.len() + s.offers.len() + s.escalations.len();
    let mut out = String::with_capacity(4096 + 512 * s.contacts.len() + 256 * parts);
    let _ = write!(
        out,
        "Case {handle} · {} · {}",
        one_line(&s.title),
        s.status().as_str()
    );
    if let Some(c) = company {
        let _ = write!(out, " · {c}");
    }
    out.push('\n');
    if let Some(o) = s.opened {
        let _ = writeln!(out, "Opened {} · {} entries", when(o, tz), s.seq());
    }

    section(&mut out, "Goal");
    match s.goal() {
        Some(g) => {
            let _ = writeln!(out, "  Problem:      {}", one_line(&g.goal.problem));
            let _ = writeln!(out, "  Resolution:   {}", one_line(&g.goal.resolution));
            for a in &g.goal.alternatives {
                let _ = writeln!(out, "  Would accept: {}", one_line(a));
            }
            let _ = write!(out, "  Fair to ask:  {}", text::fairness(g.goal.fair));
            if let Some(n) = &g.goal.fairness_note {
                let _ = write!(out, " ({})", one_line(n));
            }
            out.push('\n');
            for apart in s.goals_made_apart() {
                let _ = writeln!(
                    out,
                    "  Also revised on another device at the same time (#{}): {} → {}; the one above was made later.",
                    apart.origin.seq,
                    one_line(&apart.goal.problem),
                    one_line(&apart.goal.resolution)
                );
            }
            if s.goals.iter().filter(|g| !g.origin.retracted).count() > 1 {
                let _ = writeln!(
                    out,
                    "  Revised {}; `casefile timeline {handle}` shows why.",
                    match s.goals.len() - 1 {
                        1 => "once".to_string(),
                        2 => "twice".to_string(),
                        n => format!("{n} times"),
                    }
                );
            }
        }
        None => {
            let _ = writeln!(
                out,
                "  Not set. Set it with `casefile goal {handle} --problem ... --resolution ...`"
            );
        }
    }

    if !s.facts.is_empty() {
        section(&mut out, "Facts");
        let rows: Vec<Vec<String>> = s
            .facts
            .iter()
            .map(|f| {
                let label = match &f.fact.label {
                    Some(l) => format!("{}: {l}", text::fact_kind(f.fact.kind)),
                    None => text::fact_kind(f.fact.kind).to_string(),
                };
                vec![
                    format!("  #{}", f.origin.seq),
                    label,
                    one_line(&text::fact_value(&f.fact, reveal)) + &tags(&f.origin),
                ]
            })
            .collect();
        out.push_str(&align(&rows));
    }

    // Each contact's references, found once rather than by a walk of all
    // of them per contact.
    let mut refs_of: std::collections::HashMap<uuid::Uuid, Vec<&state::Reference>> =
        std::collections::HashMap::new();
    for r in &s.references {
        if let Some(c) = r.contact {
            refs_of.entry(c).or_default().push(r);
        }
    }
    if !s.contacts.is_empty() {
        section(
            &mut out,
            &format!("Contacts ({})", s.live_contacts().count()),
        );
        // Pushed piece by piece: a long case lists hundreds of contacts, and
        // formatting each line (and each piece first) was most of the page.
        for c in &s.contacts {
            let _ = write!(out, "  #{} ", c.origin.seq);
            out.push_str(text::contact_noun(c.channel));
            out.push(' ');
            text::push_when(&mut out, c.started(), tz);
            out.push('–');
            match c.ended {
                Some(e) => text::push_clock(&mut out, e, tz),
                None => out.push_str("still open"),
            }
            out.push_str(" (");
            text::push_duration(&mut out, c.duration(now));
            let hold = c.hold_time(now);
            if hold > jiff::SignedDuration::ZERO {
                out.push_str(", ");
                text::push_duration(&mut out, hold);
                out.push_str(" on hold");
            }
            out.push_str("), ");
            out.push_str(match (c.direction, c.channel) {
                (Direction::Outbound, Channel::Phone) => "you called",
                (Direction::Outbound, _) => "you wrote",
                (Direction::Inbound, _) => "they reached you",
            });
            if let Some(v) = &c.via {
                out.push_str(" via ");
                out.push_str(v);
            }
            push_tags(&mut out, &c.origin);
            out.push('\n');
            for r in &c.reps {
                if r.is_transfer() {
                    out.push_str("      → ");
                    text::push_clock(&mut out, r.origin.at, tz);
                    out.push_str(" (transfer) ");
                } else {
                    out.push_str("      · ");
                }
                text::push_rep(&mut out, &r.rep);
                push_tags(&mut out, &r.origin);
                out.push('\n');
            }
            for r in refs_of.get(&c.origin.entry).into_iter().flatten() {
                out.push_str("      ");
                out.push_str(text::ref_kind(r.kind));
                out.push_str(": ");
                out.push_str(&r.value);
                push_tags(&mut out, &r.origin);
                out.push('\n');
            }
            if let Some(o) = &c.outcome {
                out.push_str("      outcome: ");
                text::push_one_line(&mut out, o);
                out.push('\n');
            }
            if let Some(r) = c.rating {
                let _ = writeln!(out, "      rated {r}/5");
            }
        }
    }
    let loose_refs: Vec<_> = s
        .references
        .iter()
        .filter(|r| r.contact.is_none())
        .collect();
    if !loose_refs.is_empty() {
        section(&mut out, "References");
        for r in loose_refs {
            let _ = writeln!(
                out,
                "  #{} {}: {}{}",
                r.origin.seq,
                text::ref_kind(r.kind),
                r.value,
                tags(&r.origin)
            );
        }
    }

    if !s.promises.is_empty() {
        section(&mut out, "Promises");
        for p in &s.promises {
            let state = match p.state {
                PromiseState::Open if p.is_overdue(now) => "OVERDUE".to_string(),
                PromiseState::Open => "open".into(),
                PromiseState::Kept => "kept".into(),
                PromiseState::Broken => "BROKEN".into(),
            };
            let due = p
                .due
                .map(|d| format!(", due {}", when(d, tz)))
                .unwrap_or_default();
            let by = p.by.as_deref().unwrap_or("they");
            let _ = writeln!(
                out,
                "  #{} {state:<8} {by}: {}{due}{}",
                p.origin.seq,
                one_line(&p.what),
                tags(&p.origin)
            );
        }
    }
    if !s.offers.is_empty() {
        section(&mut out, "Offers");
        for o in &s.offers {
            let value = o
                .value
                .as_ref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default();
            let answer = o
                .answer
                .map(text::offer_answer)
                .unwrap_or("not answered yet");
            let by = o.by.as_deref().unwrap_or("they");
            let _ = writeln!(
                out,
                "  #{} {by}: {}{value}: {answer}{}",
                o.origin.seq,
                one_line(&o.what),
                tags(&o.origin)
            );
        }
    }
    if !s.escalations.is_empty() {
        section(&mut out, "Escalations");
        for e in &s.escalations {
            let to = e.to.as_deref().unwrap_or("someone with more authority");
            let outcome = e
                .outcome
                .map(text::escalation_outcome)
                .unwrap_or("no answer yet");
            let _ = writeln!(
                out,
                "  #{} {} asked for {}: {outcome}{}",
                e.origin.seq,
                when(e.origin.at, tz),
                one_line(to),
                tags(&e.origin)
            );
        }
    }
    if !s.follow_ups.is_empty() {
        section(&mut out, "Follow-ups");
        for f in &s.follow_ups {
            let state = match f.done_at {
                Some(d) => format!("done {}", when(d, tz)),
                None if f.due < now => "OVERDUE".into(),
                None => "planned".into(),
            };
            let _ = writeln!(
                out,
                "  #{} {} {}: {}{}",
                f.origin.seq,
                when(f.due, tz),
                state,
                one_line(&f.what),
                tags(&f.origin)
            );
        }
    }
    if !s.letters.is_empty() || !s.attachments.is_empty() {
        section(&mut out, "Letters and files");
        for l in &s.letters {
            let _ = writeln!(
                out,
                "  #{} {} {} to {}{}",
                l.origin.seq,
                when(l.origin.at, tz),
                l.kind,
                l.to,
                tags(&l.origin)
            );
        }
        for a in &s.attachments {
            let _ = writeln!(
                out,
                "  #{} {} ({} bytes, sha256 {}){}",
                a.origin.seq,
                a.name,
                a.bytes,
                &a.sha256[..16],
                tags(&a.origin)
            );
        }
    }

    let c = s.costs(now);
    section(&mut out, "Cost so far");
    let _ = writeln!(
        out,
        "  {} contact(s), {} in all, {} on hold; {} representative(s), {} transfer(s)",
        c.contacts,
        text::duration(c.contact_time),
        text::duration(c.hold_time),
        c.reps,
        c.transfers
    );
    let _ = writeln!(
        out,
        "  Time away from contacts: {}",
        text::duration(c.off_contact_time)
    );
    let spent: Vec<String> = c.expenses.iter().map(|m| m.to_string()).collect();
    let _ = writeln!(
        out,
        "  Expenses: {}",
        if spent.is_empty() {
            "none".to_string()
        } else {
            spent.join(" + ")
        }
    );

    if notes > 0 {
        section(&mut out, &format!("Notes ({notes})"));
        for n in s.notes.iter().rev().take(NOTES_SHOWN).rev() {
            let _ = writeln!(
                out,
                "  #{} {} {}{}",
                n.origin.seq,
                when(n.origin.at, tz),
                truncate(&one_line(&n.preview), 100),
                tags(&n.origin)
            );
        }
        if notes > NOTES_SHOWN {
            let _ = writeln!(out, "  (older notes in `casefile timeline {handle}`)");
        }
    }
    if !s.lessons.is_empty() {
        section(&mut out, "Lessons");
        for l in &s.lessons {
            let _ = writeln!(out, "  #{} {}", l.origin.seq, one_line(&l.text));
        }
    }
    if !s.amendments.is_empty() {
        section(&mut out, "Amendments");
        for a in &s.amendments {
            let what = if a.retracts { "withdraws" } else { "corrects" };
            // A correction of a sensitive identifier is as sensitive as it.
            let sensitive = s
                .facts
                .iter()
                .any(|f| f.origin.entry == a.target && f.fact.sensitive);
            let corr = a
                .correction
                .as_ref()
                .map(|c| match sensitive && !reveal {
                    true => format!(": {}", casefile_core::mask::mask(c)),
                    false => format!(": {}", one_line(c)),
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  #{} {what} #{} because {}{corr}",
                a.origin.seq,
                a.target_seq,
                one_line(&a.reason)
            );
        }
    }
    out
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// A case's timeline as text, written a row at a time (a long case's rows
/// are never all held at once).
pub fn write_timeline(
    out: &mut dyn std::io::Write,
    handle: u64,
    title: &str,
    rows: &text::Timeline<'_>,
    tz: &TimeZone,
) -> std::io::Result<()> {
    let mut line = format!(
        "Case {handle} · {} · timeline (times in {})\n\n",
        one_line(title),
        tz.iana_name().unwrap_or("local time")
    );
    rows.each_line(|r| {
        let indent = if r.contact.is_some() && r.kind != "contact_started" {
            "    "
        } else {
            ""
        };
        text::push_when(&mut line, r.at, tz);
        let _ = write!(line, "  #{:<4} {indent}", r.seq);
        text::push_one_line(&mut line, r.text);
        text::push_marks(&mut line, r.retracted, r.amended_by);
        line.push('\n');
        // Written in blocks, not a call per row.
        if line.len() >= 1 << 16 {
            out.write_all(line.as_bytes())?;
            line.clear();
        }
        Ok::<(), std::io::Error>(())
    })?;
    out.write_all(line.as_bytes())
}
