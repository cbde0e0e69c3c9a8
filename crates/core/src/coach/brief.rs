//! The brief: one screen to read before any contact.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::coach::advice::{Advice, Rung, advise_from, reading};
use crate::coach::economics::{Rates, economics};
use crate::coach::goal::{GoalFinding, check_goal};
use crate::company::CompanyState;
use crate::event::{ChannelKind, CompanyChannel, FactKind, Fairness, Goal};
use crate::money::Money;
use crate::state::{CaseState, PromiseState};
use crate::text::{self, when};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labelled {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactLine {
    pub seq: u64,
    pub when: String,
    pub channel: String,
    pub duration: String,
    /// Names with extension and department, in order; transfers marked.
    pub people: Vec<String>,
    pub references: Vec<String>,
    pub outcome: Option<String>,
    pub rating: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseLine {
    pub seq: u64,
    pub by: Option<String>,
    pub what: String,
    pub due: Option<String>,
    /// open, overdue, kept or broken.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferLine {
    pub seq: u64,
    pub by: Option<String>,
    pub what: String,
    pub value: Option<Money>,
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brief {
    pub title: String,
    pub company: Option<String>,
    pub status: String,
    pub goal: Option<Goal>,
    /// What a rep is likely to ask that is not written down yet, with the
    /// fact kind that records it ("when the problem began (began)").
    #[serde(default)]
    pub missing: Vec<String>,
    /// Once offers accepted not as full resolution cover part of the money:
    /// "$104.00 ($25.00 of the $129.00 agreed)".
    #[serde(default)]
    pub still_owed: Option<String>,
    pub goal_findings: Vec<GoalFinding>,
    /// The fairness question was answered "no".
    pub unfair: bool,
    pub identifiers: Vec<Labelled>,
    pub dates: Vec<Labelled>,
    pub situation: Vec<Labelled>,
    pub last_contacts: Vec<ContactLine>,
    pub promises: Vec<PromiseLine>,
    pub offers: Vec<OfferLine>,
    pub cost: String,
    pub channel: Option<CompanyChannel>,
    pub opening: String,
    /// What happened before, to say when they ask: "I spoke with Priya
    /// Natarajan on November 3, case number CAS-88120."
    #[serde(default)]
    pub before: Option<String>,
    pub advice: Vec<Advice>,
    pub next_rung: Rung,
    pub next_rung_how: String,
}

/// Lower-cases the first letter so a sentence can continue with it, unless
/// the first word looks like a name, an acronym or "I".
pub fn continue_with(s: &str) -> String {
    let s = s.trim().trim_end_matches('.');
    let first = s.split_whitespace().next().unwrap_or("");
    let mut letters = first.chars();
    let ordinary = match letters.next() {
        Some(f) if f.is_uppercase() => {
            first != "I"
                && !first.starts_with("I'")
                && letters.all(|c| c.is_lowercase() && c.is_alphabetic())
        }
        _ => false,
    };
    if !ordinary
        || COMMON_FIRST_WORDS
            .iter()
            .all(|w| !first.eq_ignore_ascii_case(w))
            && first.chars().count() > 1
            && !first.chars().skip(1).all(char::is_lowercase)
    {
        return s.to_string();
    }
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// Words that start sentences and are never names.
const COMMON_FIRST_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "my",
    "our",
    "their",
    "its",
    "this",
    "that",
    "full",
    "replacement",
    "refund",
];

pub fn brief(
    s: &CaseState,
    company: Option<&CompanyState>,
    rates: &Rates,
    now: Timestamp,
    tz: &TimeZone,
    reveal: bool,
) -> Brief {
    let facts: Vec<_> = s.live_facts().collect();
    let labelled = |kinds: &[FactKind]| -> Vec<Labelled> {
        facts
            .iter()
            .filter(|f| kinds.contains(&f.fact.kind))
            .map(|f| Labelled {
                label: f
                    .fact
                    .label
                    .clone()
                    .unwrap_or_else(|| text::fact_kind(f.fact.kind).to_string()),
                value: text::fact_value(&f.fact, reveal),
            })
            .collect()
    };
    let identifiers = labelled(&[FactKind::Identifier]);
    let dates = labelled(&[FactKind::Acquired, FactKind::ProblemBegan]);
    let situation = labelled(&[
        FactKind::CurrentStatus,
        FactKind::Change,
        FactKind::Expected,
        FactKind::Tried,
        FactKind::Other,
    ]);

    let contacts: Vec<_> = s.live_contacts().collect();
    let last_contacts: Vec<ContactLine> = contacts
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|c| ContactLine {
            seq: c.origin.seq,
            when: when(c.started(), tz),
            channel: text::channel(c.channel).to_string(),
            duration: text::duration(c.duration(now)),
            people: c
                .live_reps()
                .map(|r| {
                    if r.is_transfer() {
                        format!("→ {}", text::rep(&r.rep))
                    } else {
                        text::rep(&r.rep)
                    }
                })
                .collect(),
            references: s
                .live_references()
                .filter(|r| r.contact == Some(c.origin.entry))
                .map(|r| format!("{} {}", text::ref_kind(r.kind), r.value))
                .collect(),
            outcome: c.outcome.clone(),
            rating: c.rating,
        })
        .collect();

    let promises = s
        .live_promises()
        .map(|p| PromiseLine {
            seq: p.origin.seq,
            by: p.by.clone(),
            what: p.what.clone(),
            due: p.due.map(|d| when(d, tz)),
            state: match p.state {
                PromiseState::Open if p.is_overdue(now) => "overdue",
                PromiseState::Open => "open",
                PromiseState::Kept => "kept",
                PromiseState::Broken => "broken",
            }
            .into(),
        })
        .collect();
    let offers = s
        .live_offers()
        .map(|o| OfferLine {
            seq: o.origin.seq,
            by: o.by.clone(),
            what: o.what.clone(),
            value: o.value.clone(),
            answer: o
                .answer
                .map_or("not answered yet", text::offer_answer)
                .into(),
        })
        .collect();

    let eco = economics(s, rates, now);
    let cost = if eco.contacts.is_empty() {
        "nothing yet".to_string()
    } else {
        format!(
            "{} contact(s), {} ({} on hold), {} away from contacts; {} at {}/hour plus expenses",
            eco.contacts.len(),
            text::duration(eco.contact_time),
            text::duration(eco.hold_time),
            text::duration(eco.off_contact_time),
            eco.customer_total,
            rates.hourly_value
        )
    };

    let channel = company.and_then(|c| {
        c.channels
            .iter()
            .find(|ch| ch.kind == ChannelKind::Phone && ch.hours.is_some())
            .or_else(|| {
                c.channels
                    .iter()
                    .find(|ch| matches!(ch.kind, ChannelKind::Phone | ChannelKind::Chat))
            })
            .or_else(|| c.channels.first())
            .cloned()
    });

    let opening = opening(s, &identifiers);
    let before = before(s, tz);
    let goal = s.goal().map(|g| g.goal.clone());
    let read = reading(s, company);
    Brief {
        title: s.title.clone(),
        company: company.map(|c| c.name.clone()),
        status: s.status().as_str().into(),
        unfair: goal.as_ref().is_some_and(|g| g.fair == Some(Fairness::No)),
        goal_findings: check_goal(goal.as_ref()),
        goal,
        identifiers,
        dates,
        situation,
        last_contacts,
        promises,
        offers,
        cost,
        channel,
        opening,
        before,
        missing: missing_facts(s),
        still_owed: crate::coach::ask::remainder(s)
            .map(|r| format!("{} ({} of the {} agreed)", r.left, r.agreed, r.want)),
        advice: advise_from(s, now, tz, &read),
        next_rung: read.rung,
        next_rung_how: read.how.clone(),
    }
}

/// Greeting, the problem with its identifier and date, the last contact, the resolution.
fn opening(s: &CaseState, ids: &[Labelled]) -> String {
    let Some(g) = s.goal() else {
        return "Set a goal first (`casefile goal`): the opening names the problem and the resolution you want.".into();
    };
    // Two sentences, said in one breath: who you are to them (the number
    // they will ask for first, and the case it is about), then the problem
    // and what you ask for.
    let (thanks, lead) = crate::coach::ask::channel_words(s.open_contact_now().map(|c| c.channel));
    let problem = crate::coach::ask::problem_words(&g.goal.problem, lead);
    let reference = s.live_references().last().map(|r| r.value.clone());
    let mut first = format!("Hello, {thanks}");
    match (ids.first(), reference) {
        (Some(id), Some(x)) => first.push_str(&format!(
            "; {} {}, and it's about case {x}.",
            lower_my(&crate::coach::ask::id_phrase(&id.label)),
            id.value
        )),
        (Some(id), None) => first.push_str(&format!(
            "; {} {}.",
            lower_my(&crate::coach::ask::id_phrase(&id.label)),
            id.value
        )),
        (None, Some(x)) => first.push_str(&format!("; it's about case {x}.")),
        (None, None) => first.push('.'),
    }
    format!(
        "{first} {} {}, {}.",
        problem.intro,
        strip_stop(&problem.after_intro),
        crate::coach::templates::AskWords::for_case(s).and_hoping
    )
}

/// The facts a rep tends to ask for before anything else, not yet recorded:
/// the words for each, and the kind `casefile fact` records it as.
pub fn missing_facts(s: &CaseState) -> Vec<String> {
    let has = |k: FactKind| s.live_facts().any(|f| f.fact.kind == k);
    [
        (
            FactKind::Identifier,
            "an account, order or serial number",
            "identifier",
        ),
        (FactKind::Acquired, "when you got it", "acquired"),
        (FactKind::ProblemBegan, "when the problem began", "began"),
        (
            FactKind::Change,
            "what has changed since it began",
            "change",
        ),
        (FactKind::CurrentStatus, "what is happening now", "status"),
        (FactKind::Tried, "what you have already tried", "tried"),
    ]
    .into_iter()
    .filter(|(k, _, _)| !has(*k))
    .map(|(_, words, kind)| format!("{words} ({kind})"))
    .collect()
}

/// The last contact that ended, as a sentence: who, when, which case number.
fn before(s: &CaseState, tz: &TimeZone) -> Option<String> {
    let c = s.live_contacts().rev().find(|c| !c.is_open())?;
    let rep = c.live_reps().last().map(|r| r.rep.name.clone());
    let reference = s
        .live_references()
        .filter(|r| r.contact == Some(c.origin.entry))
        .map(|r| r.value.clone())
        .next();
    let day = c
        .started()
        .to_zoned(tz.clone())
        .strftime("%B %-d")
        .to_string();
    match (rep, reference) {
        (Some(r), Some(x)) => Some(format!("I spoke with {r} on {day}, case number {x}.")),
        (Some(r), None) => Some(format!("I spoke with {r} on {day}.")),
        (None, Some(x)) => Some(format!("I got in touch on {day}, case number {x}.")),
        (None, None) => None,
    }
}

/// "My account number is" inside a sentence.
fn lower_my(s: &str) -> String {
    s.replacen("My ", "my ", 1)
}

fn strip_stop(s: &str) -> &str {
    s.trim().trim_end_matches(['.', '!'])
}

/// The brief as text for a terminal.
pub fn render(b: &Brief, handle: u64) -> String {
    let mut o = String::new();
    let line = |o: &mut String, s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    line(
        &mut o,
        format!(
            "Brief for case {handle} · {} · {}{}",
            b.title,
            b.status,
            b.company
                .as_ref()
                .map(|c| format!(" · {c}"))
                .unwrap_or_default()
        ),
    );
    line(&mut o, String::new());
    line(&mut o, "Say first".into());
    line(&mut o, format!("  {}", b.opening));
    if let Some(before) = &b.before {
        line(
            &mut o,
            format!("  If they ask what happened before: {before}"),
        );
    }
    line(&mut o, String::new());
    line(&mut o, "Goal".into());
    match &b.goal {
        Some(g) => {
            line(&mut o, format!("  Problem:      {}", g.problem));
            line(&mut o, format!("  Resolution:   {}", g.resolution));
            if let Some(owed) = &b.still_owed {
                line(&mut o, format!("  Still owed:   {owed}"));
            }
            for a in &g.alternatives {
                line(&mut o, format!("  Would accept: {a}"));
            }
            line(
                &mut o,
                format!("  Fair to ask:  {}", text::fairness(g.fair)),
            );
        }
        None => line(&mut o, "  not set".into()),
    }
    if b.unfair {
        line(&mut o, "  ! You said the company could not afford this if everyone asked. Lead with an outcome that passes that test.".into());
    }
    for f in b.goal_findings.iter().filter(|f| f.rule != "unfair") {
        line(&mut o, format!("  ! {}", f.message));
    }
    let block = |o: &mut String, title: &str, items: &[Labelled]| {
        if !items.is_empty() {
            o.push('\n');
            o.push_str(title);
            o.push('\n');
            let w = items
                .iter()
                .map(|i| i.label.chars().count())
                .max()
                .unwrap_or(0);
            for i in items {
                o.push_str(&format!("  {:<w$}  {}\n", i.label, i.value));
            }
        }
    };
    block(&mut o, "Have ready", &b.identifiers);
    block(&mut o, "Dates", &b.dates);
    block(&mut o, "The situation", &b.situation);
    // (What is not written down yet is said in the next steps.)
    if !b.last_contacts.is_empty() {
        line(&mut o, String::new());
        line(&mut o, "Last contacts".into());
        for c in &b.last_contacts {
            line(
                &mut o,
                format!(
                    "  #{} {} {} ({}){}",
                    c.seq,
                    c.when,
                    c.channel,
                    c.duration,
                    c.rating
                        .map(|r| format!(", rated {r}/5"))
                        .unwrap_or_default()
                ),
            );
            if !c.people.is_empty() {
                line(&mut o, format!("      {}", c.people.join(" ")));
            }
            if !c.references.is_empty() {
                line(&mut o, format!("      {}", c.references.join(", ")));
            }
            if let Some(x) = &c.outcome {
                line(&mut o, format!("      outcome: {x}"));
            }
        }
    }
    if !b.promises.is_empty() {
        line(&mut o, String::new());
        line(&mut o, "Promises".into());
        for p in &b.promises {
            line(
                &mut o,
                format!(
                    "  #{} {:<8} {}: {}{}",
                    p.seq,
                    p.state,
                    p.by.as_deref().unwrap_or("they"),
                    p.what,
                    p.due
                        .as_ref()
                        .map(|d| format!(", due {d}"))
                        .unwrap_or_default()
                ),
            );
        }
    }
    if !b.offers.is_empty() {
        line(&mut o, String::new());
        line(&mut o, "Offers".into());
        for x in &b.offers {
            line(
                &mut o,
                format!(
                    "  #{} {}: {}{}: {}",
                    x.seq,
                    x.by.as_deref().unwrap_or("they"),
                    x.what,
                    x.value
                        .as_ref()
                        .map(|v| format!(" ({v})"))
                        .unwrap_or_default(),
                    x.answer
                ),
            );
        }
    }
    line(&mut o, String::new());
    line(&mut o, format!("Cost so far: {}", b.cost));
    if let Some(ch) = &b.channel {
        let extra: Vec<&str> = [ch.label.as_deref(), ch.hours.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        line(
            &mut o,
            format!(
                "Best way in: {}{}",
                ch.value,
                if extra.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", extra.join(", "))
                }
            ),
        );
    }
    if !b.advice.is_empty() {
        line(&mut o, String::new());
        line(&mut o, "Next steps".into());
        for a in &b.advice {
            let mark = match a.urgency {
                crate::coach::Urgency::Now => "NOW",
                crate::coach::Urgency::Act => "do ",
                crate::coach::Urgency::Note => "   ",
            };
            line(&mut o, format!("  {mark} {}", a.seen));
            // The command to run, with this case's number in it.
            line(
                &mut o,
                format!("      → {}", a.next.replace(" CASE", &format!(" {handle}"))),
            );
        }
    }
    o
}
