//! Commands that record: each builds drafts from the case's state and appends them.

use std::io::{BufRead, IsTerminal, Write};

use casefile_core::*;
use casefile_store::Store;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::cli::*;
use crate::ctx::Ctx;
use crate::dates::{Tense, parse_day, parse_minutes, parse_when};
use crate::error::{CliError, Result};
use crate::input::text_arg;
use crate::specs::*;

pub fn fairness(f: FairArg) -> Fairness {
    match f {
        FairArg::Yes => Fairness::Yes,
        FairArg::No => Fairness::No,
        FairArg::Unsure => Fairness::Unsure,
    }
}

pub fn channel(c: ChannelArg) -> Channel {
    match c {
        ChannelArg::Phone => Channel::Phone,
        ChannelArg::Chat => Channel::Chat,
        ChannelArg::Email => Channel::Email,
        ChannelArg::Letter => Channel::Letter,
        ChannelArg::InPerson => Channel::InPerson,
        ChannelArg::Social => Channel::Social,
        ChannelArg::Web => Channel::Web,
        ChannelArg::Other => Channel::Other,
    }
}

pub fn status(s: StatusArg) -> Status {
    match s {
        StatusArg::Open => Status::Open,
        StatusArg::Waiting => Status::Waiting,
        StatusArg::Escalated => Status::Escalated,
        StatusArg::Resolved => Status::Resolved,
        StatusArg::Abandoned => Status::Abandoned,
    }
}

fn fact_kind_named(name: &str) -> Result<FactKind> {
    Ok(match name.trim().to_lowercase().as_str() {
        "acquired" | "bought" => FactKind::Acquired,
        "began" | "problem-began" | "started" => FactKind::ProblemBegan,
        "identifier" | "id" => FactKind::Identifier,
        "status" | "now" => FactKind::CurrentStatus,
        "change" | "changed" => FactKind::Change,
        "expected" => FactKind::Expected,
        "tried" => FactKind::Tried,
        "other" => FactKind::Other,
        other => {
            return Err(
                CliError::invalid(format!("'{other}' is not a kind of fact")).hint(
                    "kinds: acquired, began, identifier, status, change, expected, tried, other",
                ),
            );
        }
    })
}

fn fact_kind(k: FactKindArg) -> FactKind {
    match k {
        FactKindArg::Acquired => FactKind::Acquired,
        FactKindArg::Began => FactKind::ProblemBegan,
        FactKindArg::Identifier => FactKind::Identifier,
        FactKindArg::Status => FactKind::CurrentStatus,
        FactKindArg::Change => FactKind::Change,
        FactKindArg::Expected => FactKind::Expected,
        FactKindArg::Tried => FactKind::Tried,
        FactKindArg::Other => FactKind::Other,
    }
}

/// A fact, with date kinds normalised to `YYYY-MM-DD`.
fn make_fact(
    ctx: &Ctx,
    kind: FactKind,
    label: Option<String>,
    value: &str,
    sensitive: bool,
) -> Result<Fact> {
    let value = if kind.is_date() {
        parse_day(value, ctx.now, &ctx.tz)?
    } else {
        value.trim().to_string()
    };
    Ok(Fact {
        kind,
        label: label
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty()),
        value,
        sensitive,
    })
}

fn split_pair<'a>(flag: &str, s: &'a str) -> Result<(&'a str, &'a str)> {
    s.split_once('=')
        .map(|(a, b)| (a.trim(), b.trim()))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .ok_or_else(|| {
            CliError::invalid(format!("{flag} '{s}' is not NAME=VALUE"))
                .hint(format!("for example: {flag} \"Order number=A-1001\""))
        })
}

/// Finds the company by name, creating it if it is new.
pub fn company_id(ctx: &mut Ctx, name: &str) -> Result<Uuid> {
    if name.trim().is_empty() {
        return Err(CliError::invalid("the company name is empty"));
    }
    if let Some(id) = ctx.store.company_by_name(name)? {
        return Ok(id);
    }
    let id = Uuid::now_v7();
    ctx.store.append(
        id,
        0,
        &ctx.author,
        vec![Draft::new(
            ctx.now,
            Event::CompanyCreated {
                name: name.trim().to_string(),
            },
        )],
    )?;
    if !ctx.json && !ctx.quiet {
        eprintln!("New company recorded: {}", name.trim());
    }
    Ok(id)
}

struct Prompter {
    forced: bool,
}

impl Prompter {
    fn ask(&self, question: &str) -> Result<Option<String>> {
        let mut err = std::io::stderr();
        write!(err, "{question} ")?;
        err.flush()?;
        let mut line = String::new();
        let n = std::io::stdin().lock().read_line(&mut line)?;
        if n == 0 && self.forced {
            return Ok(None);
        }
        let line = line.trim().to_string();
        Ok(if line.is_empty() { None } else { Some(line) })
    }

    fn ask_required(&self, question: &str) -> Result<String> {
        for _ in 0..3 {
            if let Some(a) = self.ask(question)? {
                return Ok(a);
            }
            eprintln!("  (this one is needed)");
        }
        Err(CliError::invalid(
            "no answer was given; nothing was recorded",
        ))
    }
}

pub fn open(ctx: &mut Ctx, mut a: OpenArgs) -> Result<()> {
    let interactive = !a.no_wizard
        && (a.wizard || std::io::stdin().is_terminal())
        && (a.title.is_none() || a.problem.is_none() || a.resolution.is_none());
    if interactive {
        let p = Prompter { forced: a.wizard };
        eprintln!("Opening a case. A clear goal and the facts at hand make every contact shorter.");
        if a.title.is_none() {
            a.title = Some(p.ask_required("Short title for the case (e.g. \"Router refund\"):")?);
        }
        if a.company.is_none() {
            a.company = p.ask("Company:")?;
        }
        if a.problem.is_none() {
            a.problem = Some(p.ask_required(
                "What is wrong, in one sentence? Name the thing and what it does or fails to do:",
            )?);
        }
        if a.resolution.is_none() {
            a.resolution =
                Some(p.ask_required("What exactly do you want? (what, how much, by when):")?);
        }
        while let Some(alt) = p.ask("Another outcome you would accept (blank to go on):")? {
            a.alternatives.push(alt);
        }
        if a.fair.is_none() {
            a.fair = match p.ask("If every customer asked for this, could the company still stay in business? [yes/no/unsure]:")?.as_deref().map(str::to_lowercase).as_deref() {
                Some("yes" | "y") => Some(FairArg::Yes),
                Some("no" | "n") => Some(FairArg::No),
                Some(_) => Some(FairArg::Unsure),
                None => None,
            };
        }
        for (kind, q) in [
            ("acquired", "When did you get it? (a date, blank to skip):"),
            (
                "began",
                "When did the problem begin? (a date, blank to skip):",
            ),
            ("status", "What is happening now? (blank to skip):"),
            ("expected", "What did you expect? (blank to skip):"),
            ("tried", "What have you already tried? (blank to skip):"),
        ] {
            if let Some(v) = p.ask(q)? {
                a.facts.push(format!("{kind}={v}"));
            }
        }
        while let Some(id) =
            p.ask("An identifier as Label=value, e.g. Account=12345678 (blank to finish):")?
        {
            let sensitive = matches!(
                p.ask("  Is it sensitive (masked unless revealed)? [y/N]:")?
                    .as_deref(),
                Some("y" | "Y" | "yes")
            );
            if sensitive {
                a.sensitive_ids.push(id)
            } else {
                a.ids.push(id)
            }
        }
    }
    let (handle, entries, title) = open_case(ctx, a)?;
    if ctx.json {
        ctx.report(handle, &entries);
    } else {
        println!("Opened case {handle}: {}", title);
        println!(
            "Next: `casefile show {handle}`, or log a contact with `casefile log {handle} --start ...`."
        );
    }
    Ok(())
}

/// Opens a case from answers already gathered (flags, the wizard, a web form).
/// Returns its number, the entries written and its title.
pub fn open_case(ctx: &mut Ctx, a: OpenArgs) -> Result<(u64, Vec<Entry>, String)> {
    let title = a.title.clone().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        CliError::invalid("a case needs a title").hint("casefile open \"Router refund\" --company Acme --problem ... --resolution ...  (or run it on a terminal for the wizard)")
    })?;
    if a.problem.is_some() != a.resolution.is_some() {
        return Err(CliError::invalid("give both --problem and --resolution, or neither").hint("a goal is a problem and the exact outcome you want; set it later with `casefile goal CASE`"));
    }
    let at = ctx.past(a.at.as_deref())?;
    let mut facts: Vec<Fact> = Vec::new();
    for f in &a.facts {
        let (k, v) = split_pair("--fact", f)?;
        facts.push(make_fact(ctx, fact_kind_named(k)?, None, v, false)?);
    }
    for (list, sensitive) in [(&a.ids, false), (&a.sensitive_ids, true)] {
        for f in list {
            let (label, v) = split_pair(if sensitive { "--sensitive-id" } else { "--id" }, f)?;
            facts.push(make_fact(
                ctx,
                FactKind::Identifier,
                Some(label.to_string()),
                v,
                sensitive,
            )?);
        }
    }
    let company = match a.company.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(name) => Some(company_id(ctx, name)?),
        None => None,
    };
    let mut drafts = vec![Draft::new(
        at,
        Event::CaseOpened {
            title: title.trim().to_string(),
            company,
        },
    )];
    if let (Some(problem), Some(resolution)) = (a.problem, a.resolution) {
        drafts.push(Draft::new(
            at,
            Event::GoalSet(Goal {
                problem,
                resolution,
                alternatives: a.alternatives,
                fair: a.fair.map(fairness),
                fairness_note: a.fairness_note,
                reason: None,
            }),
        ));
    }
    drafts.extend(
        facts
            .into_iter()
            .map(|f| Draft::new(at, Event::FactRecorded(f))),
    );
    let id = Uuid::now_v7();
    let entries = ctx.store.append(id, 0, &ctx.author, drafts)?;
    let handle = ctx.store.case(id)?.handle;
    Ok((handle, entries, title.trim().to_string()))
}

pub fn goal(ctx: &mut Ctx, a: GoalArgs) -> Result<()> {
    let case = ctx.case_to_write(&a.case, &[])?;
    let at = ctx.past(a.at.as_deref())?;
    let entries = ctx.append_case(&case, &[], |_, s| {
        let prev = s.goal().map(|g| g.goal.clone());
        if prev.is_some() && a.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(CliError::invalid("revising a goal needs a reason")
                .hint("add --reason \"what you learned or why it changed\""));
        }
        let problem = a
            .problem
            .clone()
            .or_else(|| prev.as_ref().map(|g| g.problem.clone()));
        let resolution = a
            .resolution
            .clone()
            .or_else(|| prev.as_ref().map(|g| g.resolution.clone()));
        let (Some(problem), Some(resolution)) = (problem, resolution) else {
            return Err(CliError::invalid(
                "a first goal needs both --problem and --resolution",
            ));
        };
        let alternatives = if a.alternatives.is_empty() {
            prev.as_ref()
                .map(|g| g.alternatives.clone())
                .unwrap_or_default()
        } else {
            a.alternatives.clone()
        };
        Ok(vec![Draft::new(
            at,
            Event::GoalSet(Goal {
                problem,
                resolution,
                alternatives,
                fair: a
                    .fair
                    .map(fairness)
                    .or_else(|| prev.as_ref().and_then(|g| g.fair)),
                fairness_note: a
                    .fairness_note
                    .clone()
                    .or_else(|| prev.as_ref().and_then(|g| g.fairness_note.clone())),
                reason: a.reason.clone(),
            }),
        )])
    })?;
    ctx.report(case.handle, &entries);
    Ok(())
}

pub fn fact(ctx: &mut Ctx, a: FactArgs) -> Result<()> {
    let case = ctx.case_to_write(&a.case, &[])?;
    let at = ctx.past(a.at.as_deref())?;
    let fact = make_fact(ctx, fact_kind(a.kind), a.label, &a.value, a.sensitive)?;
    let entries = ctx.append_case(&case, &[], |_, _| {
        Ok(vec![Draft::new(at, Event::FactRecorded(fact.clone()))])
    })?;
    ctx.report(case.handle, &entries);
    Ok(())
}

/// Parses a time inside a contact: a bare time takes the contact's day.
fn at_within(ctx: &Ctx, s: Option<&str>, base: Timestamp) -> Result<Timestamp> {
    match s {
        None => Ok(base),
        Some(s) => {
            let t = parse_when(s, base, &ctx.tz, Tense::Future)?;
            if t > ctx.now + jiff::Span::new().minutes(5) {
                return Err(CliError::invalid(format!(
                    "'{s}' is in the future; a logged contact happened already"
                )));
            }
            Ok(t)
        }
    }
}

fn rep_from(spec: &Spec) -> Rep {
    let get = |k: &str| spec.get(k).map(str::to_string);
    Rep {
        name: spec.head.clone(),
        ext: get("ext"),
        email: get("email"),
        department: get("dept"),
        role: get("role"),
        reports_to: get("reports-to"),
    }
}

fn answer_named(s: &str) -> Result<OfferAnswer> {
    Ok(match s.trim().to_lowercase().as_str() {
        "declined" | "decline" | "no" => OfferAnswer::Declined,
        "not-full" | "partial" | "accepted-not-full" => OfferAnswer::AcceptedNotFull,
        "full" | "accepted" | "accepted-full" => OfferAnswer::AcceptedFull,
        other => return Err(CliError::invalid(format!("'{other}' is not an answer to an offer")).hint("answer=declined, answer=not-full (accepted, not as full resolution) or answer=full")),
    })
}

fn outcome_named(s: &str) -> Result<EscalationOutcome> {
    Ok(match s.trim().to_lowercase().as_str() {
        "granted" | "yes" => EscalationOutcome::Granted,
        "callback" => EscalationOutcome::CallbackPromised,
        "refused" | "no" => EscalationOutcome::Refused,
        other => {
            return Err(
                CliError::invalid(format!("'{other}' is not an escalation outcome"))
                    .hint("outcome=granted, outcome=callback or outcome=refused"),
            );
        }
    })
}

fn ref_kind_named(s: &str) -> Result<RefKind> {
    Ok(match s.trim().to_lowercase().as_str() {
        "case" => RefKind::Case,
        "ticket" => RefKind::Ticket,
        "complaint" => RefKind::Complaint,
        "order" => RefKind::Order,
        "other" => RefKind::Other,
        other => {
            return Err(
                CliError::invalid(format!("'{other}' is not a kind of reference"))
                    .hint("kind=case, ticket, complaint, order or other"),
            );
        }
    })
}

pub fn log(ctx: &mut Ctx, a: LogArgs) -> Result<()> {
    let case = ctx.case_to_write(&a.case, &[])?;
    let start = ctx.past(Some(&a.start))?;
    let end = match (&a.end, &a.minutes) {
        (Some(e), _) => at_within(ctx, Some(e), start)?,
        (None, Some(m)) => start + jiff::SignedDuration::from_mins(i64::from(parse_minutes(m)?)),
        (None, None) => {
            return Err(CliError::invalid(
                "give the end of the contact with --end, or its length with --minutes",
            ));
        }
    };
    if end < start {
        return Err(CliError::invalid(format!(
            "the contact ends ({}) before it starts ({})",
            text::when(end, &ctx.tz),
            text::when(start, &ctx.tz)
        )));
    }
    let started = Draft::new(
        start,
        Event::ContactStarted {
            channel: channel(a.channel),
            direction: if a.inbound {
                Direction::Inbound
            } else {
                Direction::Outbound
            },
            via: a.via.clone(),
        },
    );
    let cid = started.id;
    let contact = Some(cid);
    let mut timed: Vec<Draft> = Vec::new();
    let mut last_rep_at = start;
    for r in &a.reps {
        let spec = Spec::parse("--rep", r, REP_KEYS)?;
        let at = at_within(ctx, spec.get("at"), start)?.max(if spec.get("at").is_some() {
            start
        } else {
            last_rep_at
        });
        last_rep_at = at;
        timed.push(Draft::new(
            at,
            Event::RepJoined {
                contact: cid,
                rep: rep_from(&spec),
            },
        ));
    }
    for r in &a.refs {
        let spec = Spec::parse("--ref", r, REF_KEYS)?;
        let kind = spec
            .get("kind")
            .map(ref_kind_named)
            .transpose()?
            .unwrap_or(RefKind::Case);
        timed.push(Draft::new(
            at_within(ctx, spec.get("at"), start)?,
            Event::ReferenceRecorded {
                contact,
                kind,
                value: spec.head.clone(),
            },
        ));
    }
    for n in &a.notes {
        let spec = Spec::parse("--note", n, NOTE_KEYS)?;
        timed.push(Draft::new(
            at_within(ctx, spec.get("at"), start)?,
            Event::NoteAdded {
                contact,
                text: spec.head.clone(),
            },
        ));
    }
    for h in &a.holds {
        let (from, to) = split_range(ctx, h, start)?;
        timed.push(Draft::new(from, Event::HoldStarted { contact: cid }));
        timed.push(Draft::new(to, Event::HoldEnded { contact: cid }));
    }
    for p in &a.promises {
        let spec = Spec::parse("--promise", p, PROMISE_KEYS)?;
        let due = spec
            .get("due")
            .map(|d| parse_when(d, end, &ctx.tz, Tense::Future))
            .transpose()?;
        timed.push(Draft::new(
            at_within(ctx, spec.get("at"), end)?,
            Event::PromiseMade {
                contact,
                by: spec.get("by").map(str::to_string),
                what: spec.head.clone(),
                due,
            },
        ));
    }
    for o in &a.offers {
        let spec = Spec::parse("--offer", o, OFFER_KEYS)?;
        let value = spec
            .get("value")
            .map(|v| Money::parse(v, &ctx.currency))
            .transpose()
            .map_err(|e| CliError::invalid(e.to_string()))?;
        let at = at_within(ctx, spec.get("at"), end)?;
        let offer = Draft::new(
            at,
            Event::OfferMade {
                contact,
                by: spec.get("by").map(str::to_string),
                what: spec.head.clone(),
                value,
            },
        );
        let oid = offer.id;
        timed.push(offer);
        if let Some(ans) = spec.get("answer") {
            timed.push(Draft::new(
                at,
                Event::OfferAnswered {
                    offer: oid,
                    answer: answer_named(ans)?,
                    note: None,
                },
            ));
        }
    }
    for e in &a.escalations {
        let spec = Spec::parse("--escalate", e, ESCALATE_KEYS)?;
        let at = at_within(ctx, spec.get("at"), start)?;
        let esc = Draft::new(
            at,
            Event::EscalationRequested {
                contact,
                to: Some(spec.head.clone()),
                reason: spec.get("reason").map(str::to_string),
            },
        );
        let eid = esc.id;
        timed.push(esc);
        if let Some(o) = spec.get("outcome") {
            timed.push(Draft::new(
                at,
                Event::EscalationAnswered {
                    escalation: eid,
                    outcome: outcome_named(o)?,
                    note: None,
                },
            ));
        }
    }
    for d in &timed {
        if d.at < start || d.at > end {
            return Err(CliError::invalid(format!(
                "something logged at {} falls outside the contact ({}–{})",
                text::when(d.at, &ctx.tz),
                text::clock(start, &ctx.tz),
                text::clock(end, &ctx.tz)
            ))
            .hint("give times within the contact with `at=HH:MM`, or widen --start/--end"));
        }
    }
    // Chronological, keeping the given order among equal times.
    timed.sort_by_key(|d| d.at);
    let mut drafts = vec![started];
    drafts.extend(timed);
    drafts.push(Draft::new(
        end,
        Event::ContactEnded {
            contact: cid,
            outcome: a.outcome.clone(),
            rating: a.rating,
        },
    ));
    let entries = ctx.append_case(&case, &[], |_, _| Ok(drafts.clone()))?;
    ctx.report(case.handle, &entries);
    Ok(())
}

fn split_range(ctx: &Ctx, s: &str, base: Timestamp) -> Result<(Timestamp, Timestamp)> {
    for (i, _) in s.match_indices('-') {
        let (a, b) = (&s[..i], &s[i + 1..]);
        if let (Ok(x), Ok(y)) = (at_within(ctx, Some(a), base), at_within(ctx, Some(b), base)) {
            if y < x {
                return Err(CliError::invalid(format!(
                    "the hold '{s}' ends before it starts"
                )));
            }
            return Ok((x, y));
        }
    }
    Err(CliError::invalid(format!("'{s}' is not a time range"))
        .hint("write a hold as START-END, e.g. --hold \"14:22-14:32\""))
}

fn open_contact_of(s: &CaseState, handle: u64) -> Result<Uuid> {
    s.open_contact_now().map(|c| c.origin.entry).ok_or_else(|| {
        CliError::invalid(format!("no contact is open in case {handle}"))
            .hint(format!("start one with `casefile contact start {handle}`"))
    })
}

/// Makes a live-contact step's drafts from the context, the case and its number.
type Builder = Box<dyn Fn(&Ctx, &CaseState, u64) -> Result<Vec<Draft>>>;

pub fn contact(ctx: &mut Ctx, cmd: ContactCommand) -> Result<()> {
    let (case_arg, build): (String, Builder) = match cmd {
        ContactCommand::Start {
            case,
            channel: ch,
            inbound,
            via,
            at,
        } => (
            case,
            Box::new(move |ctx, s, handle| {
                if let Some(c) = s.open_contact_now() {
                    return Err(CliError::invalid(format!(
                        "contact #{} is still open in case {handle}",
                        c.origin.seq
                    ))
                    .hint(format!("end it first with `casefile contact end {handle}`")));
                }
                Ok(vec![Draft::new(
                    ctx.past(at.as_deref())?,
                    Event::ContactStarted {
                        channel: channel(ch),
                        direction: if inbound {
                            Direction::Inbound
                        } else {
                            Direction::Outbound
                        },
                        via: via.clone(),
                    },
                )])
            }),
        ),
        ContactCommand::Rep { case, spec } => (
            case,
            Box::new(move |ctx, s, handle| {
                let spec = Spec::parse("--rep", &spec, REP_KEYS)?;
                let contact = open_contact_of(s, handle)?;
                Ok(vec![Draft::new(
                    ctx.past(spec.get("at"))?,
                    Event::RepJoined {
                        contact,
                        rep: rep_from(&spec),
                    },
                )])
            }),
        ),
        ContactCommand::Hold { case, at } => (
            case,
            Box::new(move |ctx, s, handle| {
                Ok(vec![Draft::new(
                    ctx.past(at.as_deref())?,
                    Event::HoldStarted {
                        contact: open_contact_of(s, handle)?,
                    },
                )])
            }),
        ),
        ContactCommand::Resume { case, at } => (
            case,
            Box::new(move |ctx, s, handle| {
                Ok(vec![Draft::new(
                    ctx.past(at.as_deref())?,
                    Event::HoldEnded {
                        contact: open_contact_of(s, handle)?,
                    },
                )])
            }),
        ),
        ContactCommand::End {
            case,
            outcome,
            rating,
            at,
        } => (
            case,
            Box::new(move |ctx, s, handle| {
                let contact = open_contact_of(s, handle)?;
                let at = ctx.past(at.as_deref())?;
                let mut out = Vec::new();
                if s.contact(contact).is_some_and(|c| c.on_hold()) {
                    out.push(Draft::new(at, Event::HoldEnded { contact }));
                }
                out.push(Draft::new(
                    at,
                    Event::ContactEnded {
                        contact,
                        outcome: outcome.clone(),
                        rating,
                    },
                ));
                Ok(out)
            }),
        ),
    };
    let case = ctx.case_to_write(&case_arg, &[])?;
    let handle = case.handle;
    let entries = ctx.append_case(&case, &[], |ctx, s| build(ctx, s, handle))?;
    ctx.report(handle, &entries);
    Ok(())
}

/// One event that belongs to the open contact, if there is one.
fn simple(
    ctx: &mut Ctx,
    case_arg: &str,
    at: Option<&str>,
    make: impl Fn(Option<Uuid>) -> Event,
) -> Result<()> {
    let case = ctx.case_to_write(case_arg, &[])?;
    let at = ctx.past(at)?;
    let entries = ctx.append_case(&case, &[], |_, s| {
        Ok(vec![Draft::new(
            at,
            make(s.open_contact_now().map(|c| c.origin.entry)),
        )])
    })?;
    ctx.report(case.handle, &entries);
    Ok(())
}

pub fn note(ctx: &mut Ctx, a: NoteArgs) -> Result<()> {
    let text = text_arg(a.text, "note")?;
    simple(ctx, &a.case, a.at.as_deref(), |contact| Event::NoteAdded {
        contact,
        text: text.clone(),
    })
}

pub fn reference(ctx: &mut Ctx, a: RefArgs) -> Result<()> {
    let kind = match a.kind {
        RefKindArg::Case => RefKind::Case,
        RefKindArg::Ticket => RefKind::Ticket,
        RefKindArg::Complaint => RefKind::Complaint,
        RefKindArg::Order => RefKind::Order,
        RefKindArg::Other => RefKind::Other,
    };
    simple(ctx, &a.case, a.at.as_deref(), |contact| {
        Event::ReferenceRecorded {
            contact,
            kind,
            value: a.value.trim().to_string(),
        }
    })
}

pub fn promise(ctx: &mut Ctx, a: PromiseArgs) -> Result<()> {
    let due = a.due.as_deref().map(|d| ctx.future(d)).transpose()?;
    simple(ctx, &a.case, a.at.as_deref(), |contact| {
        Event::PromiseMade {
            contact,
            by: a.by.clone(),
            what: a.what.clone(),
            due,
        }
    })
}

pub fn offer(ctx: &mut Ctx, a: OfferArgs) -> Result<()> {
    let value = a
        .value
        .as_deref()
        .map(|v| Money::parse(v, &ctx.currency))
        .transpose()
        .map_err(|e| CliError::invalid(e.to_string()))?;
    simple(ctx, &a.case, a.at.as_deref(), |contact| Event::OfferMade {
        contact,
        by: a.by.clone(),
        what: a.what.clone(),
        value: value.clone(),
    })
}

pub fn escalate(ctx: &mut Ctx, a: EscalateArgs) -> Result<()> {
    simple(ctx, &a.case, a.at.as_deref(), |contact| {
        Event::EscalationRequested {
            contact,
            to: a.to.clone(),
            reason: a.reason.clone(),
        }
    })
}

/// Which earlier item an answer refers to.
#[derive(Clone, Copy)]
pub enum Target {
    Promise,
    Offer,
    Escalation,
    FollowUp,
}

fn find_target(s: &CaseState, handle: u64, seq: u64, t: Target) -> Result<Uuid> {
    let (name, plural, mut origins): (
        &str,
        &str,
        Box<dyn Iterator<Item = &casefile_core::state::Origin>>,
    ) = match t {
        Target::Promise => (
            "a promise",
            "promises",
            Box::new(s.promises.iter().map(|x| &x.origin)),
        ),
        Target::Offer => (
            "an offer",
            "offers",
            Box::new(s.offers.iter().map(|x| &x.origin)),
        ),
        Target::Escalation => (
            "an escalation request",
            "escalations",
            Box::new(s.escalations.iter().map(|x| &x.origin)),
        ),
        Target::FollowUp => (
            "a follow-up",
            "follow-ups",
            Box::new(s.follow_ups.iter().map(|x| &x.origin)),
        ),
    };
    let found = origins.find(|o| o.seq == seq).map(|o| o.entry);
    found.ok_or_else(|| {
        CliError::not_found(format!("entry #{seq} of case {handle} is not {name}")).hint(format!(
            "`casefile show {handle}` lists the {plural} with their #numbers"
        ))
    })
}

pub fn settle(
    ctx: &mut Ctx,
    a: SettleArgs,
    target: Target,
    make: impl Fn(Uuid, Option<String>) -> Event,
) -> Result<()> {
    let seq = Ctx::entry_seq(&a.entry)?;
    let case = ctx.case_to_write(&a.case, &[seq])?;
    let at = ctx.past(a.at.as_deref())?;
    let handle = case.handle;
    let entries = ctx.append_case(&case, &[seq], |_, s| {
        Ok(vec![Draft::new(
            at,
            make(find_target(s, handle, seq, target)?, a.note.clone()),
        )])
    })?;
    ctx.report(handle, &entries);
    Ok(())
}

pub fn answer(ctx: &mut Ctx, a: AnswerArgs) -> Result<()> {
    let answer = match a.answer {
        AnswerArg::Declined => OfferAnswer::Declined,
        AnswerArg::NotFull => OfferAnswer::AcceptedNotFull,
        AnswerArg::Full => OfferAnswer::AcceptedFull,
    };
    settle(
        ctx,
        SettleArgs {
            case: a.case,
            entry: a.entry,
            note: a.note,
            at: a.at,
        },
        Target::Offer,
        |offer, note| Event::OfferAnswered {
            offer,
            answer,
            note,
        },
    )
}

pub fn escalation(ctx: &mut Ctx, a: EscalationArgs) -> Result<()> {
    let outcome = match a.outcome {
        OutcomeArg::Granted => EscalationOutcome::Granted,
        OutcomeArg::Callback => EscalationOutcome::CallbackPromised,
        OutcomeArg::Refused => EscalationOutcome::Refused,
    };
    settle(
        ctx,
        SettleArgs {
            case: a.case,
            entry: a.entry,
            note: a.note,
            at: a.at,
        },
        Target::Escalation,
        |escalation, note| Event::EscalationAnswered {
            escalation,
            outcome,
            note,
        },
    )
}

pub fn expense(ctx: &mut Ctx, a: ExpenseArgs) -> Result<()> {
    let amount =
        Money::parse(&a.amount, &ctx.currency).map_err(|e| CliError::invalid(e.to_string()))?;
    simple(ctx, &a.case, a.at.as_deref(), |_| Event::ExpenseIncurred {
        what: a.what.clone(),
        amount: amount.clone(),
    })
}

pub fn time(ctx: &mut Ctx, a: TimeArgs) -> Result<()> {
    let minutes = parse_minutes(&a.duration)?;
    simple(ctx, &a.case, a.at.as_deref(), |_| Event::TimeSpent {
        minutes,
        what: a.what.clone(),
    })
}

pub fn followup(ctx: &mut Ctx, a: FollowupArgs) -> Result<()> {
    let due = ctx.future(&a.due)?;
    simple(ctx, &a.case, None, |_| Event::FollowUpPlanned {
        what: a.what.clone(),
        due,
    })
}

pub fn sent(ctx: &mut Ctx, a: SentArgs) -> Result<()> {
    simple(ctx, &a.case, a.at.as_deref(), |_| Event::LetterSent {
        to: a.to.clone(),
        kind: a.kind.clone(),
        via: a.via.clone(),
        summary: a.summary.clone(),
    })
}

pub fn attach(ctx: &mut Ctx, a: AttachArgs) -> Result<()> {
    let mut file = std::fs::File::open(&a.file).map_err(|e| {
        CliError::not_found(format!("cannot read {}: {e}", a.file.display()))
            .hint("check the file's path")
    })?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    let sha256: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| a.file.display().to_string());
    simple(ctx, &a.case, a.at.as_deref(), |_| Event::AttachmentAdded {
        name: name.clone(),
        sha256: sha256.clone(),
        bytes,
    })?;
    if !ctx.json {
        println!(
            "Keep the file itself safe: casefile records its fingerprint (SHA-256 {}…), not its contents.",
            &sha256[..16]
        );
    }
    Ok(())
}

pub fn set_status(ctx: &mut Ctx, a: StatusArgs) -> Result<()> {
    let st = status(a.status);
    simple(ctx, &a.case, a.at.as_deref(), |_| Event::StatusChanged {
        status: st,
        note: a.note.clone(),
    })
}

pub fn lesson(ctx: &mut Ctx, a: LessonArgs) -> Result<()> {
    simple(ctx, &a.case, None, |_| Event::LessonLearned {
        text: a.text.clone(),
    })
}

pub fn amend(ctx: &mut Ctx, a: AmendArgs) -> Result<()> {
    let case = ctx.case_to_write(&a.case, &[])?;
    let seq = Ctx::entry_seq(&a.entry)?;
    let handle = case.handle;
    let now = ctx.now;
    // Entries are never rewritten, so #seq names the same entry on a retry.
    let target = ctx
        .store
        .entry_at(case.state.id, seq)?
        .map(|e| e.id)
        .ok_or_else(|| {
            CliError::not_found(format!(
                "case {handle} has no entry #{seq} (it has {})",
                case.state.seq()
            ))
            .hint(format!(
                "`casefile timeline {handle}` shows every entry's #number"
            ))
        })?;
    let entries = ctx.append_case(&case, &[], |_, _| {
        Ok(vec![Draft::new(
            now,
            Event::Amended {
                target,
                reason: a.reason.clone(),
                correction: a.correction.clone(),
                retracts: a.retract,
            },
        )])
    })?;
    ctx.report(handle, &entries);
    Ok(())
}
