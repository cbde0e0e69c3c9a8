//! Scripts and letters are minijinja templates filled from the case. The
//! built-in ones ship inside the binary; a user may override any of them.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use minijinja::Environment;
use serde::Serialize;

use crate::coach::brief::Labelled;
use crate::coach::economics::{Rates, economics};
use crate::company::CompanyState;
use crate::event::{ChannelKind, FactKind, OfferAnswer};
use crate::money::totals;
use crate::state::{CaseState, PromiseState};
use crate::text;

const BUILTIN: &[(&str, &str)] = &[
    (
        "script/greeting.txt",
        include_str!("../../templates/script/greeting.txt"),
    ),
    (
        "script/escalate.txt",
        include_str!("../../templates/script/escalate.txt"),
    ),
    (
        "script/plea.txt",
        include_str!("../../templates/script/plea.txt"),
    ),
    (
        "script/offer.txt",
        include_str!("../../templates/script/offer.txt"),
    ),
    (
        "script/accept.txt",
        include_str!("../../templates/script/accept.txt"),
    ),
    (
        "script/callback.txt",
        include_str!("../../templates/script/callback.txt"),
    ),
    (
        "script/policy.txt",
        include_str!("../../templates/script/policy.txt"),
    ),
    (
        "script/commend.txt",
        include_str!("../../templates/script/commend.txt"),
    ),
    (
        "script/restart.txt",
        include_str!("../../templates/script/restart.txt"),
    ),
    (
        "script/collect.txt",
        include_str!("../../templates/script/collect.txt"),
    ),
    (
        "script/calm.txt",
        include_str!("../../templates/script/calm.txt"),
    ),
    (
        "script/pause.txt",
        include_str!("../../templates/script/pause.txt"),
    ),
    (
        "letter/executive.md",
        include_str!("../../templates/letter/executive.md"),
    ),
    (
        "letter/regulator.md",
        include_str!("../../templates/letter/regulator.md"),
    ),
    (
        "letter/final-response.md",
        include_str!("../../templates/letter/final-response.md"),
    ),
    (
        "letter/commend.md",
        include_str!("../../templates/letter/commend.md"),
    ),
];

/// The scripts, in the order a dispute tends to need them.
pub const SCRIPTS: &[(&str, &str)] = &[
    (
        "greeting",
        "Open the contact: the rep's name, the problem, the resolution",
    ),
    (
        "escalate",
        "Ask, with thanks, to go to someone who can do more",
    ),
    (
        "plea",
        "After being passed around: ask this person for their help",
    ),
    ("offer", "Ask what they can offer to put it right"),
    ("accept", "Accept an offer, not as full resolution"),
    (
        "callback",
        "Get a direct number, a callback time and the case number",
    ),
    (
        "policy",
        "Ask for the reason behind a policy and who can make an exception",
    ),
    ("commend", "Thank a rep who helped, and ask whom to tell"),
    (
        "restart",
        "Start over with a new person: who you are, what this contact has given, the problem, the resolution",
    ),
    (
        "collect",
        "Get the person's full name, a direct line and who they report to",
    ),
    ("calm", "Say you are upset at the situation, not at them"),
    (
        "pause",
        "Take a break and come back to it, with where you got to noted",
    ),
];

pub const LETTERS: &[(&str, &str)] = &[
    ("executive", "Escalation to the executive office"),
    ("regulator", "Complaint to a regulator or ombudsman"),
    ("final-response", "Request for a final response in writing"),
    ("commend", "A letter commending a rep"),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {name}: {message}")]
pub struct TemplateError {
    pub name: String,
    pub message: String,
}

/// The template set: built-ins, with the user's overrides on top.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    overrides: BTreeMap<String, String>,
}

impl Templates {
    pub fn builtin() -> Templates {
        Templates::default()
    }

    /// Every template name, e.g. `letter/executive.md`.
    pub fn names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(n, _)| *n)
    }

    pub fn source(&self, name: &str) -> Option<&str> {
        self.overrides
            .get(name)
            .map(String::as_str)
            .or_else(|| BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, s)| *s))
    }

    /// Replaces a built-in template; refuses an unknown name or a template that does not compile.
    pub fn set_override(&mut self, name: &str, source: String) -> Result<(), TemplateError> {
        if !BUILTIN.iter().any(|(n, _)| *n == name) {
            return Err(TemplateError {
                name: name.into(),
                message: format!(
                    "there is no built-in template of that name; names are {}",
                    Templates::names().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        let mut env = Environment::new();
        env.add_template_owned(name.to_string(), source.clone())
            .map_err(|e| TemplateError {
                name: name.into(),
                message: e.to_string(),
            })?;
        self.overrides.insert(name.to_string(), source);
        Ok(())
    }

    pub fn render(&self, name: &str, ctx: &impl Serialize) -> Result<String, TemplateError> {
        let err = |e: minijinja::Error| TemplateError {
            name: name.into(),
            message: e.to_string(),
        };
        let source = self.source(name).ok_or_else(|| TemplateError {
            name: name.into(),
            message: "no such template".into(),
        })?;
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_template(name, source).map_err(err)?;
        let out = env
            .get_template(name)
            .map_err(err)?
            .render(ctx)
            .map_err(err)?;
        Ok(tidy(&out))
    }
}

/// Collapses runs of blank lines that optional sections leave behind.
fn tidy(s: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactSummary {
    pub date: String,
    pub channel: String,
    pub people: Vec<String>,
    pub references: Vec<String>,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PromiseSummary {
    pub by: Option<String>,
    pub what: String,
    pub due: Option<String>,
    pub made_on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfferSummary {
    pub by: Option<String>,
    pub what: String,
    pub value: Option<String>,
    /// "declined it", "accepted it, not as full resolution", ...
    pub answer_phrase: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CostSummary {
    pub contacts: usize,
    pub time: String,
    pub expenses: Option<String>,
    pub total: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamedHash {
    pub name: String,
    pub sha256: String,
}

/// Everything a script or letter may say about the case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseContext {
    pub title: String,
    pub company: Option<String>,
    pub problem: String,
    /// The problem as a sentence of its own: first letter upper case, no final stop.
    pub problem_sentence: String,
    pub resolution: String,
    /// The resolution said in whole sentences, however it was typed.
    pub ask: AskWords,
    /// The contact's opening words on its channel ("thanks for taking my
    /// call", "I'm calling because"), the phone's when no contact is open.
    pub thanks: String,
    pub reason_intro: String,
    /// The first identifier as said aloud: "My account number is 8812".
    pub identifier_said: Option<String>,
    /// Within the open contact: the people spoken with before the one on
    /// the line, and the case number it gave.
    pub earlier_here: Vec<String>,
    pub reference_here: Option<String>,
    pub alternatives: Vec<String>,
    pub identifier: Option<Labelled>,
    pub identifiers: Vec<Labelled>,
    pub acquired: Option<String>,
    pub began: Option<String>,
    pub expected: Option<String>,
    pub tried: Vec<String>,
    /// The rep on the line (or named with --rep).
    pub rep: Option<String>,
    /// The rep a commendation is about: the one named, or the last met.
    pub rep_about: Option<String>,
    pub rep_detail: Option<String>,
    pub rep_date: Option<String>,
    /// What that person did, from the record, as a list ending with the
    /// ownership they took ("offered a $25 credit, saw the call through
    /// (refund approved), and took ownership of the problem").
    pub rep_did: Option<String>,
    /// Who they report to, when the record knows: a commendation goes there.
    pub rep_reports_to: Option<String>,
    pub reference: Option<String>,
    pub references: Vec<String>,
    pub transfers: usize,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub last_rep: Option<String>,
    pub last_outcome: Option<String>,
    pub offer: Option<OfferSummary>,
    pub contacts: Vec<ContactSummary>,
    pub promises_broken: Vec<PromiseSummary>,
    pub offers: Vec<OfferSummary>,
    pub cost: CostSummary,
    pub attachments: Vec<NamedHash>,
    pub today: String,
    pub part_of_day: String,
    pub deadline: String,
    pub recipient: Option<String>,
    /// The address given for this letter, if any.
    pub recipient_address: Option<String>,
    /// The company's executive or postal address, as recorded.
    pub company_address: Option<String>,
    /// The regulator's or ombudsman's address, as recorded on the company.
    pub regulator_address: Option<String>,
    pub sender: Option<String>,
}

/// The resolution in the sentences scripts and letters need.
#[derive(Debug, Clone, Serialize)]
pub struct AskWords {
    /// "I'm hoping you can restore service."
    pub hoping: String,
    /// "and I'm hoping you can restore service" (after a clause).
    pub and_hoping: String,
    /// "I still need you to restore service."
    pub still: String,
    /// "I could really use your help to restore service."
    pub help: String,
    /// "I still need someone to restore service, though."
    pub not_yet: String,
    /// After "What I am asking for is": "that you restore service".
    pub asking_for: String,
    /// The same, said to someone else: "that they restore service".
    pub asking_them: String,
}

impl AskWords {
    /// The words for a case: for its resolution as typed, or, once part of
    /// the money has been agreed, for what is left of it.
    pub fn for_case(s: &CaseState) -> AskWords {
        let resolution = s.goal().map(|g| g.goal.resolution.as_str());
        let a = crate::coach::ask::read(resolution.unwrap_or("[the resolution you want]"));
        match crate::coach::ask::remainder(s) {
            Some(r) => AskWords {
                hoping: r.hoping(),
                and_hoping: r.and_hoping(),
                still: r.still(),
                help: r.help(),
                not_yet: r.not_yet(),
                asking_for: r.asking_for(),
                asking_them: r.asking_for(),
            },
            None => AskWords {
                hoping: a.hoping(),
                and_hoping: a.and_hoping(),
                still: a.still(),
                help: a.help(),
                not_yet: a.not_yet(),
                asking_for: a.asking_for(),
                asking_them: a.asking_them(),
            },
        }
    }
}

/// Who a script or letter is addressed to, and other choices the user makes.
#[derive(Debug, Clone, Default)]
pub struct Addressing {
    pub rep: Option<String>,
    pub recipient: Option<String>,
    pub recipient_address: Option<String>,
    pub sender: Option<String>,
    pub deadline_days: Option<u32>,
}

fn day(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%-d %B %Y").to_string()
}

/// `2026-10-28` as `28 October 2026`; other text as it is.
fn long_date(s: &str) -> String {
    s.parse::<jiff::civil::Date>()
        .map(|d| d.strftime("%-d %B %Y").to_string())
        .unwrap_or_else(|_| s.to_string())
}

fn strip_period(s: &str) -> String {
    s.trim().trim_end_matches('.').to_string()
}

fn answer_phrase(a: Option<OfferAnswer>) -> String {
    match a {
        None => "have not answered yet".into(),
        Some(OfferAnswer::Declined) => "declined it".into(),
        Some(OfferAnswer::AcceptedNotFull) => "accepted it, not as full resolution".into(),
        Some(OfferAnswer::AcceptedFull) => "accepted it".into(),
    }
}

pub fn case_context(
    s: &CaseState,
    company: Option<&CompanyState>,
    rates: &Rates,
    who: &Addressing,
    now: Timestamp,
    tz: &TimeZone,
    reveal: bool,
) -> CaseContext {
    let fact = |k: FactKind| {
        s.live_facts()
            .find(|f| f.fact.kind == k)
            .map(|f| f.fact.value.clone())
    };
    let identifiers: Vec<Labelled> = s
        .live_facts()
        .filter(|f| f.fact.kind == FactKind::Identifier)
        .map(|f| Labelled {
            label: f.fact.label.clone().unwrap_or_else(|| "Reference".into()),
            value: text::fact_value(&f.fact, reveal),
        })
        .collect();
    let contacts: Vec<_> = s.live_contacts().collect();
    let ended: Vec<_> = contacts.iter().filter(|c| !c.is_open()).collect();
    let last_rep = contacts
        .last()
        .and_then(|c| c.live_reps().last())
        .map(|r| r.rep.name.clone());
    // Mid-call, "the rep" is whoever is on the line; otherwise only the one the user names.
    let rep = who.rep.clone().or_else(|| {
        s.open_contact_now()
            .and_then(|c| c.live_reps().last())
            .map(|r| r.rep.name.clone())
    });
    let about = rep.clone().or_else(|| last_rep.clone());
    let rep_visit = about.as_ref().and_then(|name| {
        contacts
            .iter()
            .rev()
            .flat_map(|c| c.live_reps().collect::<Vec<_>>())
            .find(|r| r.rep.name.eq_ignore_ascii_case(name))
    });
    // What that person did, from the record: the contact they were on.
    let rep_contact = rep_visit.and_then(|v| {
        contacts
            .iter()
            .rev()
            .find(|c| c.live_reps().any(|r| r.origin.entry == v.origin.entry))
    });
    let rep_did = rep_visit.and_then(|v| {
        let name = &v.rep.name;
        // "by=Marcus" is Marcus Lee: a first name alone names them too.
        let mine = |by: &Option<String>| {
            by.as_deref().is_some_and(|b| {
                b.eq_ignore_ascii_case(name)
                    || name
                        .split_whitespace()
                        .next()
                        .is_some_and(|first| first.eq_ignore_ascii_case(b.trim()))
            })
        };
        let mut did = Vec::new();
        for p in s.live_promises().filter(|p| mine(&p.by)) {
            if p.state == crate::PromiseState::Kept {
                did.push(format!(
                    "promised to {} and kept that promise",
                    strip_period(&p.what)
                ));
            }
        }
        for o in s.live_offers().filter(|o| mine(&o.by)) {
            did.push(format!("offered {}", strip_period(&o.what)));
        }
        if let Some(c) = rep_contact
            && c.live_reps()
                .last()
                .is_some_and(|r| r.origin.entry == v.origin.entry)
            && let Some(outcome) = &c.outcome
        {
            did.push(format!("saw the call through ({})", strip_period(outcome)));
        }
        if did.is_empty() {
            return None;
        }
        did.push("took ownership of the problem".into());
        let last = did.pop().unwrap_or_default();
        Some(format!("{}, and {last}", did.join(", ")))
    });
    let rep_reports_to = rep_visit.and_then(|v| v.rep.reports_to.clone());
    let refs: Vec<String> = s.live_references().map(|r| r.value.clone()).collect();
    let offer_summary = |o: &crate::state::Offer| OfferSummary {
        by: o.by.clone(),
        what: strip_period(&o.what),
        // "a $20 credit ($20.00)" says the amount twice: once is enough.
        value: o.value.as_ref().map(|v| v.to_string()).filter(|v| {
            let amount: String = v
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let whole = amount.trim_end_matches(".00");
            whole.is_empty() || !o.what.contains(whole)
        }),
        answer_phrase: answer_phrase(o.answer),
    };
    let eco = economics(s, rates, now);
    let expenses = totals(
        s.expenses
            .iter()
            .filter(|e| !e.origin.retracted)
            .map(|e| &e.amount),
    );
    let hour = now.to_zoned(tz.clone()).hour();
    let lead = crate::coach::ask::channel_words(s.open_contact_now().map(|c| c.channel)).1;
    let problem = match s.goal() {
        Some(g) => crate::coach::ask::problem_words(&g.goal.problem, lead),
        None => crate::coach::ask::ProblemWords {
            intro: format!("{lead} because"),
            after_intro: "[the problem]".into(),
            sentence: "[The problem]".into(),
        },
    };
    CaseContext {
        title: s.title.clone(),
        company: company.map(|c| c.name.clone()),
        problem: problem.after_intro,
        problem_sentence: problem.sentence,
        resolution: s.goal().map_or_else(
            || "[the resolution you want]".into(),
            |g| strip_period(&crate::coach::brief::continue_with(&g.goal.resolution)),
        ),
        ask: AskWords::for_case(s),
        thanks: crate::coach::ask::channel_words(s.open_contact_now().map(|c| c.channel))
            .0
            .to_string(),
        reason_intro: problem.intro,
        identifier_said: identifiers
            .first()
            .map(|i| format!("{} {}", crate::coach::ask::id_phrase(&i.label), i.value)),
        earlier_here: s
            .open_contact_now()
            .map(|c| {
                let reps: Vec<String> = c.live_reps().map(|r| r.rep.name.clone()).collect();
                reps[..reps.len().saturating_sub(1)].to_vec()
            })
            .unwrap_or_default(),
        reference_here: s.open_contact_now().and_then(|c| {
            s.live_references()
                .filter(|r| r.contact == Some(c.origin.entry))
                .map(|r| r.value.clone())
                .next_back()
        }),
        alternatives: s
            .goal()
            .map(|g| {
                g.goal
                    .alternatives
                    .iter()
                    .map(|a| strip_period(&crate::coach::brief::continue_with(a)))
                    .collect()
            })
            .unwrap_or_default(),
        identifier: identifiers.first().cloned(),
        identifiers,
        acquired: fact(FactKind::Acquired).map(|d| long_date(&d)),
        began: fact(FactKind::ProblemBegan).map(|d| long_date(&d)),
        expected: fact(FactKind::Expected).map(|e| strip_period(&e)),
        tried: s
            .live_facts()
            .filter(|f| f.fact.kind == FactKind::Tried)
            .map(|f| strip_period(&f.fact.value))
            .collect(),
        rep_detail: rep_visit
            .map(|r| {
                let mut parts = Vec::new();
                if let Some(x) = &r.rep.ext {
                    parts.push(format!("ext {x}"));
                }
                if let Some(d) = &r.rep.department {
                    parts.push(d.clone());
                }
                parts.join(", ")
            })
            .filter(|d| !d.is_empty()),
        rep_date: rep_visit.map(|r| day(r.origin.at, tz)),
        rep_did,
        rep_reports_to,
        rep_about: about,
        rep,
        reference: refs.last().cloned(),
        references: refs,
        transfers: contacts.last().map_or(0, |c| c.transfers()),
        first_date: contacts.first().map(|c| day(c.started(), tz)),
        last_date: ended.last().map(|c| {
            c.started()
                .to_zoned(tz.clone())
                .strftime("%B %-d")
                .to_string()
        }),
        last_rep: ended
            .last()
            .and_then(|c| c.live_reps().last())
            .map(|r| r.rep.name.clone()),
        last_outcome: ended
            .last()
            .and_then(|c| c.outcome.clone())
            .map(|o| strip_period(&o)),
        offer: s
            .live_offers()
            .rev()
            .find(|o| o.answer.is_none())
            .or_else(|| s.live_offers().last())
            .map(offer_summary),
        contacts: contacts
            .iter()
            .map(|c| ContactSummary {
                date: day(c.started(), tz),
                channel: text::channel(c.channel).into(),
                people: c.live_reps().map(|r| text::rep(&r.rep)).collect(),
                references: s
                    .live_references()
                    .filter(|r| r.contact == Some(c.origin.entry))
                    .map(|r| format!("{} {}", text::ref_kind(r.kind), r.value))
                    .collect(),
                outcome: c.outcome.as_deref().map(strip_period),
            })
            .collect(),
        promises_broken: s
            .live_promises()
            .filter(|p| p.state == PromiseState::Broken || p.is_overdue(now))
            .map(|p| PromiseSummary {
                by: p.by.clone(),
                what: strip_period(&p.what),
                due: p.due.map(|d| day(d, tz)),
                made_on: day(p.origin.at, tz),
            })
            .collect(),
        offers: s.live_offers().map(offer_summary).collect(),
        cost: CostSummary {
            contacts: eco.contacts.len(),
            time: text::duration_words(eco.total_time),
            expenses: (!expenses.is_empty()).then(|| {
                expenses
                    .iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(" + ")
            }),
            total: eco.customer_total.to_string(),
        },
        attachments: s
            .attachments
            .iter()
            .filter(|a| !a.origin.retracted)
            .map(|a| NamedHash {
                name: a.name.clone(),
                sha256: a.sha256.clone(),
            })
            .collect(),
        today: day(now, tz),
        part_of_day: match hour {
            5..=11 => "morning",
            12..=17 => "afternoon",
            _ => "evening",
        }
        .into(),
        deadline: format!("{} days", who.deadline_days.unwrap_or(14)),
        recipient: who.recipient.clone(),
        recipient_address: who.recipient_address.clone(),
        company_address: company
            .and_then(|c| {
                c.channels
                    .iter()
                    .find(|ch| ch.kind == ChannelKind::Executive)
                    .or_else(|| c.channels.iter().find(|ch| ch.kind == ChannelKind::Postal))
            })
            .map(|ch| ch.value.clone()),
        regulator_address: company
            .and_then(|c| {
                c.channels
                    .iter()
                    .find(|ch| ch.kind == ChannelKind::Regulator)
            })
            .map(|ch| ch.value.clone()),
        sender: who.sender.clone(),
    }
}

/// Markdown to a standalone page fit for the browser's print to PDF.
pub fn print_html(title: &str, markdown: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n<main>\n{}</main>\n</body>\n</html>\n",
        esc(title),
        PRINT_CSS,
        print_body(markdown)
    )
}

/// The HTML of a record or letter's body, safe to put in a page: what the
/// user wrote is text, and nothing in it fetches or runs.
pub fn print_body(markdown: &str) -> String {
    use pulldown_cmark::{Event as Md, Tag, TagEnd};
    let mut body = String::new();
    // User text may hold markup; it is shown as text, never run. A link or an
    // image becomes its words and its address, as text: opening the file
    // fetches nothing and no click runs anything.
    let mut addresses = Vec::new();
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES)
        .filter_map(|ev| match ev {
            Md::Html(s) | Md::InlineHtml(s) => Some(Md::Text(s)),
            Md::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                addresses.push(dest_url);
                None
            }
            Md::End(TagEnd::Link | TagEnd::Image) => addresses
                .pop()
                .map(|url| Md::Text(format!(" ({url})").into())),
            other => Some(other),
        });
    pulldown_cmark::html::push_html(&mut body, parser);
    body
}

const PRINT_CSS: &str = "body { font: 11pt/1.5 Georgia, 'Times New Roman', serif; color: #111; margin: 0; }
main { max-width: 42em; margin: 2em auto; padding: 0 1.5em; }
h1, h2, h3 { font-family: Helvetica, Arial, sans-serif; line-height: 1.2; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
@media print { main { margin: 0; max-width: none; } a { color: inherit; text-decoration: none; } tr { break-inside: avoid; } }";

/// Markdown to plain text: headings and emphasis markers dropped.
pub fn plain_text(markdown: &str) -> String {
    markdown
        .lines()
        .map(|l| {
            let l = l.trim_start_matches('#').trim_start_matches(' ');
            l.replace("**", "").replace("__", "")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
