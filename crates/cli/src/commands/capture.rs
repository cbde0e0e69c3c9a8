//! Commands that record: each builds drafts from the case's state and appends them.

use std::io::{BufRead, IsTerminal, Write};

use casefile_core::*;
use jiff::Timestamp;
use uuid::Uuid;

use casefile_app::ops::{
    self, FactInput, GoalInput, NewCase, Op, Settlement, Step, answer_named, at_within,
    fact_kind_named, outcome_named, ref_kind_named,
};

use crate::cli::*;
use crate::ctx::{Ctx, Report};
use crate::dates::{Tense, parse_day, parse_minutes, parse_when_in};
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
    let (id, new) = ops::company_id(ctx, name)?;
    if new && !ctx.json && !ctx.quiet {
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

    /// Asks until the answer passes `check` or is blank; a refused answer is
    /// explained and asked again, and every earlier answer is kept.
    fn ask_checked(
        &self,
        question: &str,
        check: impl Fn(&str) -> Result<()>,
    ) -> Result<Option<String>> {
        loop {
            let Some(answer) = self.ask(question)? else {
                return Ok(None);
            };
            match check(&answer) {
                Ok(()) => return Ok(Some(answer)),
                Err(e) => {
                    eprintln!("  {}", e.message);
                    if let Some(h) = &e.hint {
                        eprintln!("  ({h}; or leave it blank)");
                    }
                }
            }
        }
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
            let is_date = matches!(kind, "acquired" | "began");
            let answer = p.ask_checked(q, |v| {
                if is_date {
                    parse_day(v, ctx.now, &ctx.tz).map(|_| ())
                } else {
                    Ok(())
                }
            })?;
            if let Some(v) = answer {
                a.facts.push(format!("{kind}={v}"));
            }
        }
        while let Some(id) = p.ask_checked(
            "An identifier as Label=value, e.g. Account=12345678 (blank to finish):",
            |v| match v.split_once('=') {
                Some((l, x)) if !l.trim().is_empty() && !x.trim().is_empty() => Ok(()),
                _ => Err(CliError::invalid(format!("'{v}' is not Label=value"))
                    .hint("the label, =, then the value, e.g. Account=12345678")),
            },
        )? {
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

/// Opens a case from answers already gathered (flags or the wizard).
/// Returns its number, the entries written and its title.
pub fn open_case(ctx: &mut Ctx, a: OpenArgs) -> Result<(u64, Vec<Entry>, String)> {
    let title = a.title.clone().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        CliError::invalid("a case needs a title").hint("casefile open \"Router refund\" --company Acme --problem ... --resolution ...  (or run it on a terminal for the wizard)")
    })?;
    if a.problem.is_some() != a.resolution.is_some() {
        return Err(CliError::invalid("give both --problem and --resolution, or neither").hint("a goal is a problem and the exact outcome you want; set it later with `casefile goal CASE`"));
    }
    let mut facts = Vec::new();
    for f in &a.facts {
        let (k, v) = split_pair("--fact", f)?;
        facts.push(FactInput {
            kind: fact_kind_named(k)?,
            label: None,
            value: v.to_string(),
            sensitive: false,
        });
    }
    for (list, sensitive) in [(&a.ids, false), (&a.sensitive_ids, true)] {
        for f in list {
            let (label, v) = split_pair(if sensitive { "--sensitive-id" } else { "--id" }, f)?;
            facts.push(FactInput {
                kind: FactKind::Identifier,
                label: Some(label.to_string()),
                value: v.to_string(),
                sensitive,
            });
        }
    }
    let goal = GoalInput {
        problem: a.problem,
        resolution: a.resolution,
        alternatives: a.alternatives,
        fair: a.fair.map(fairness),
        fairness_note: a.fairness_note,
        reason: None,
    };
    let ((handle, entries), new_company) = ops::open_case(
        ctx,
        NewCase {
            title: Some(title.clone()),
            company: a.company.clone(),
            goal: Some(goal),
            facts,
            at: a.at,
        },
    )?;
    if new_company && !ctx.json && !ctx.quiet {
        eprintln!(
            "New company recorded: {}",
            a.company.as_deref().unwrap_or_default().trim()
        );
    }
    Ok((handle, entries, title.trim().to_string()))
}

/// Records one operation and reports it.
fn record(ctx: &mut Ctx, case: &str, at: Option<&str>, op: Op) -> Result<()> {
    let (handle, entries) = ops::record(ctx, case, at, op)?;
    ctx.report(handle, &entries);
    Ok(())
}

pub fn goal(ctx: &mut Ctx, a: GoalArgs) -> Result<()> {
    let goal = GoalInput {
        problem: a.problem,
        resolution: a.resolution,
        alternatives: a.alternatives,
        fair: a.fair.map(fairness),
        fairness_note: a.fairness_note,
        reason: a.reason,
    };
    record(ctx, &a.case, a.at.as_deref(), Op::Goal(goal))
}

pub fn fact(ctx: &mut Ctx, a: FactArgs) -> Result<()> {
    let f = FactInput {
        kind: fact_kind(a.kind),
        label: a.label,
        value: a.value,
        sensitive: a.sensitive,
    };
    record(ctx, &a.case, a.at.as_deref(), Op::Fact(f))
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
            .map(|d| parse_when_in(d, end, &ctx.tz, Tense::Future, ctx.settings.date_order))
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
    let entries = ctx.append_case(&case, &[], |_| Ok(drafts.clone()))?;
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

pub fn contact(ctx: &mut Ctx, cmd: ContactCommand) -> Result<()> {
    let (case, at, step) = match cmd {
        ContactCommand::Start {
            case,
            channel: ch,
            inbound,
            via,
            at,
        } => (
            case,
            at,
            Step::Start {
                channel: channel(ch),
                inbound,
                via,
            },
        ),
        ContactCommand::Rep { case, spec } => {
            let spec = Spec::parse("--rep", &spec, REP_KEYS)?;
            let at = spec.get("at").map(str::to_string);
            (case, at, Step::Rep(rep_from(&spec)))
        }
        ContactCommand::Hold { case, at } => (case, at, Step::Hold),
        ContactCommand::Resume { case, at } => (case, at, Step::Resume),
        ContactCommand::Frustrated { case, at } => {
            record(ctx, &case, at.as_deref(), Op::Contact(Step::Frustrated))?;
            // The point of marking it: the words for a break, right away.
            if !ctx.quiet && !ctx.json {
                let rec = ctx.case_file_without_notes(&case)?;
                let tips = super::coach::in_call_tips(ctx, &rec, &case)?;
                let calming: Vec<_> = tips
                    .into_iter()
                    .filter(|t| matches!(t.script.as_deref(), Some("pause" | "calm")))
                    .collect();
                super::coach::print_tips(&calming);
            }
            return Ok(());
        }
        ContactCommand::End {
            case,
            outcome,
            rating,
            at,
        } => (case, at, Step::End { outcome, rating }),
    };
    record(ctx, &case, at.as_deref(), Op::Contact(step))
}

pub fn note(ctx: &mut Ctx, a: NoteArgs) -> Result<()> {
    let text = text_arg(a.text, "note")?;
    record(ctx, &a.case, a.at.as_deref(), Op::Note { text })
}

pub fn reference(ctx: &mut Ctx, a: RefArgs) -> Result<()> {
    let kind = match a.kind {
        RefKindArg::Case => RefKind::Case,
        RefKindArg::Ticket => RefKind::Ticket,
        RefKindArg::Complaint => RefKind::Complaint,
        RefKindArg::Order => RefKind::Order,
        RefKindArg::Other => RefKind::Other,
    };
    let op = Op::Reference {
        kind,
        value: a.value,
    };
    record(ctx, &a.case, a.at.as_deref(), op)
}

pub fn promise(ctx: &mut Ctx, a: PromiseArgs) -> Result<()> {
    let op = Op::Promise {
        by: a.by,
        what: a.what,
        due: a.due,
    };
    record(ctx, &a.case, a.at.as_deref(), op)
}

pub fn offer(ctx: &mut Ctx, a: OfferArgs) -> Result<()> {
    let op = Op::Offer {
        by: a.by,
        what: a.what,
        value: a.value,
        answer: None,
    };
    record(ctx, &a.case, a.at.as_deref(), op)
}

pub fn escalate(ctx: &mut Ctx, a: EscalateArgs) -> Result<()> {
    let op = Op::Escalate {
        to: a.to,
        reason: a.reason,
    };
    record(ctx, &a.case, a.at.as_deref(), op)
}

/// Settles an earlier promise, offer, escalation or follow-up.
pub fn settle(ctx: &mut Ctx, a: SettleArgs, how: Settlement) -> Result<()> {
    settle_entry(ctx, &a.case, a.entry, a.note, a.at, how)
}

fn settle_entry(
    ctx: &mut Ctx,
    case: &str,
    entry: String,
    note: Option<String>,
    at: Option<String>,
    how: Settlement,
) -> Result<()> {
    record(ctx, case, at.as_deref(), Op::Settle { entry, how, note })
}

pub fn answer(ctx: &mut Ctx, a: AnswerArgs) -> Result<()> {
    let answer = match a.answer {
        AnswerArg::Declined => OfferAnswer::Declined,
        AnswerArg::NotFull => OfferAnswer::AcceptedNotFull,
        AnswerArg::Full => OfferAnswer::AcceptedFull,
    };
    settle_entry(
        ctx,
        &a.case,
        a.entry,
        a.note,
        a.at,
        Settlement::Answer(answer),
    )
}

pub fn escalation(ctx: &mut Ctx, a: EscalationArgs) -> Result<()> {
    let outcome = match a.outcome {
        OutcomeArg::Granted => EscalationOutcome::Granted,
        OutcomeArg::Callback => EscalationOutcome::CallbackPromised,
        OutcomeArg::Refused => EscalationOutcome::Refused,
    };
    let how = Settlement::Escalation(outcome);
    settle_entry(ctx, &a.case, a.entry, a.note, a.at, how)
}

pub fn expense(ctx: &mut Ctx, a: ExpenseArgs) -> Result<()> {
    let op = Op::Expense {
        what: a.what,
        amount: a.amount,
    };
    record(ctx, &a.case, a.at.as_deref(), op)
}

pub fn time(ctx: &mut Ctx, a: TimeArgs) -> Result<()> {
    let op = Op::Time {
        what: a.what,
        duration: a.duration,
    };
    record(ctx, &a.case, a.at.as_deref(), op)
}

pub fn followup(ctx: &mut Ctx, a: FollowupArgs) -> Result<()> {
    let op = Op::FollowUp {
        what: a.what,
        due: a.due,
    };
    record(ctx, &a.case, None, op)
}

pub fn sent(ctx: &mut Ctx, a: SentArgs) -> Result<()> {
    let op = Op::Sent {
        to: a.to,
        kind: a.kind,
        via: a.via,
        summary: a.summary,
    };
    record(ctx, &a.case, a.at.as_deref(), op)
}

pub fn attach(ctx: &mut Ctx, a: AttachArgs) -> Result<()> {
    let content = std::fs::read(&a.file).map_err(|e| {
        CliError::not_found(format!("cannot read {}: {e}", a.file.display()))
            .hint("check the file's path")
    })?;
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| a.file.display().to_string());
    // The copy is kept before the journal names it, so no entry points at
    // a file that is not there.
    let dir = casefile_app::exhibits::dir(&ctx.db_path);
    let sha256 = casefile_app::exhibits::keep(&dir, &content)?;
    let op = Op::Attachment {
        name,
        sha256: sha256.clone(),
        bytes: content.len() as u64,
    };
    record(ctx, &a.case, a.at.as_deref(), op)?;
    if !ctx.json {
        println!(
            "A copy is kept in {} (SHA-256 {}…); `casefile bundle {}` gathers it with the record.",
            dir.display(),
            &sha256[..16],
            a.case
        );
    }
    Ok(())
}

pub fn set_status(ctx: &mut Ctx, a: StatusArgs) -> Result<()> {
    let op = Op::Status {
        status: status(a.status),
        note: a.note,
    };
    record(ctx, &a.case, a.at.as_deref(), op)
}

pub fn assign(ctx: &mut Ctx, a: crate::cli::AssignArgs) -> Result<()> {
    let op = Op::Assign {
        client: if a.no_client {
            Some(None)
        } else {
            a.client.map(Some)
        },
        helper: if a.unassign {
            Some(None)
        } else {
            a.helper.map(Some)
        },
    };
    record(ctx, &a.case, None, op)
}

pub fn lesson(ctx: &mut Ctx, a: LessonArgs) -> Result<()> {
    record(ctx, &a.case, None, Op::Lesson { text: a.text })
}

pub fn amend(ctx: &mut Ctx, a: AmendArgs) -> Result<()> {
    let op = Op::Amend {
        entry: a.entry,
        reason: a.reason,
        correction: a.correction,
        retract: a.retract,
    };
    // An amendment is made now: it says when the record was corrected.
    record(ctx, &a.case, None, op)
}

pub fn mail(ctx: &mut Ctx, cmd: MailCommand) -> Result<()> {
    let MailCommand::Import { file, case } = cmd;
    let bytes = if file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
        b
    } else {
        std::fs::read(&file).map_err(|e| {
            CliError::invalid(format!("cannot read {}: {e}", file.display()))
                .hint("give the path of an .eml file or an mbox archive, or - for standard input")
        })?
    };
    let bar = super::admin::progress_bar(ctx, "Importing", "messages");
    let report = casefile_app::mail::import(ctx, &bytes, case.as_deref(), &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let report = report?;
    if ctx.json {
        super::views::print_json(&report)?;
    } else {
        for m in &report.imported {
            println!(
                "Case {}: recorded #{}–#{} ({}).",
                m.case,
                m.first_entry,
                m.last_entry,
                m.subject.as_deref().unwrap_or("no subject")
            );
            for r in &m.references {
                println!(
                    "  It mentions {r}: if that is their number for this, `casefile ref {} {r}` records it.",
                    m.case
                );
            }
        }
        match report.already.len() {
            0 => {}
            1 => println!("1 message was imported before; nothing was added for it."),
            n => println!("{n} messages were imported before; nothing was added for them."),
        }
        for r in &report.refused {
            eprintln!(
                "Message {}{} was not imported: {}",
                r.position,
                r.subject
                    .as_deref()
                    .map(|s| format!(" (\"{s}\")"))
                    .unwrap_or_default(),
                r.why
            );
        }
    }
    if report.refused.is_empty() {
        Ok(())
    } else {
        Err(CliError::invalid(format!(
            "{} of the messages were not imported (the others were)",
            report.refused.len()
        ))
        .hint("each is named above with why; import the file again once mended: what is in already is skipped"))
    }
}
