//! Typed operations: what a person records, as values, not as a command
//! line. A command's flags and a web form's fields are each read by their own
//! face into these; the checks, the drafts and the words for bad input are
//! here, once. Times a person typed stay text until here, so "yesterday 3pm"
//! is read against the same clock and zone in every face.

use casefile_core::*;
use jiff::Timestamp;
use uuid::Uuid;

use crate::ctx::Ctx;
use crate::dates::{Tense, parse_day, parse_minutes, parse_when_in};
use crate::error::{Error, Result};

/// A fact as given: its kind, an optional label, the value as typed.
#[derive(Debug, Clone)]
pub struct FactInput {
    pub kind: FactKind,
    pub label: Option<String>,
    pub value: String,
    pub sensitive: bool,
}

/// A goal as given; empty parts of a revision keep the goal's current ones.
#[derive(Debug, Clone, Default)]
pub struct GoalInput {
    pub problem: Option<String>,
    pub resolution: Option<String>,
    pub alternatives: Vec<String>,
    pub fair: Option<Fairness>,
    pub fairness_note: Option<String>,
    pub reason: Option<String>,
}

/// A new case, with what is known when it opens.
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    pub title: Option<String>,
    pub company: Option<String>,
    pub goal: Option<GoalInput>,
    pub facts: Vec<FactInput>,
    pub at: Option<String>,
}

/// How an earlier promise, offer, escalation or follow-up was settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    Kept,
    Broken,
    Done,
    Answer(OfferAnswer),
    Escalation(EscalationOutcome),
}

/// One step of a contact under way.
#[derive(Debug, Clone)]
pub enum Step {
    Start {
        channel: Channel,
        inbound: bool,
        via: Option<String>,
    },
    Rep(Rep),
    Hold,
    Resume,
    /// The person is frustrated: the coach suggests a break.
    Frustrated,
    End {
        outcome: Option<String>,
        rating: Option<u8>,
    },
}

/// One thing recorded in a case.
#[derive(Debug, Clone)]
pub enum Op {
    Note {
        text: String,
    },
    Reference {
        kind: RefKind,
        value: String,
    },
    Promise {
        by: Option<String>,
        what: String,
        due: Option<String>,
    },
    /// An offer, and its answer when it was given at once: one append.
    Offer {
        by: Option<String>,
        what: String,
        value: Option<String>,
        answer: Option<OfferAnswer>,
    },
    Escalate {
        to: Option<String>,
        reason: Option<String>,
    },
    Settle {
        entry: String,
        how: Settlement,
        note: Option<String>,
    },
    Expense {
        what: String,
        amount: String,
    },
    Time {
        what: String,
        duration: String,
    },
    FollowUp {
        what: String,
        due: String,
    },
    Sent {
        to: String,
        kind: String,
        via: Option<String>,
        summary: Option<String>,
    },
    Attachment {
        name: String,
        sha256: String,
        bytes: u64,
    },
    Status {
        status: Status,
        note: Option<String>,
    },
    Lesson {
        text: String,
    },
    Fact(FactInput),
    Goal(GoalInput),
    Amend {
        entry: String,
        reason: String,
        correction: Option<String>,
        retract: bool,
    },
    /// Who the case is for and the helper working it: for each, None keeps
    /// what the case has, Some(None) clears it.
    Assign {
        client: Option<Option<String>>,
        helper: Option<Option<String>>,
    },
    Contact(Step),
}

/// What a write recorded: the case's number and its new entries.
pub type Written = (u64, Vec<Entry>);

/// A fact, with date kinds read as days (`YYYY-MM-DD`).
pub fn fact(ctx: &Ctx, f: FactInput) -> Result<Fact> {
    let value = if f.kind.is_date() {
        parse_day(&f.value, ctx.now, &ctx.tz)?
    } else {
        f.value.trim().to_string()
    };
    Ok(Fact {
        kind: f.kind,
        label: f
            .label
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty()),
        value,
        sensitive: f.sensitive,
    })
}

/// A kind of fact by one of its names.
pub fn fact_kind_named(name: &str) -> Result<FactKind> {
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
                Error::invalid(format!("'{other}' is not a kind of fact")).hint(
                    "kinds: acquired, began, identifier, status, change, expected, tried, other",
                ),
            );
        }
    })
}

/// An answer to an offer by one of its names.
pub fn answer_named(s: &str) -> Result<OfferAnswer> {
    Ok(match s.trim().to_lowercase().as_str() {
        "declined" | "decline" | "no" => OfferAnswer::Declined,
        "not-full" | "partial" | "accepted-not-full" => OfferAnswer::AcceptedNotFull,
        "full" | "accepted" | "accepted-full" => OfferAnswer::AcceptedFull,
        other => return Err(
            Error::invalid(format!("'{other}' is not an answer to an offer")).hint(
                "the answers are declined, not-full (accepted, not as full resolution) and full",
            ),
        ),
    })
}

/// An escalation's outcome by one of its names.
pub fn outcome_named(s: &str) -> Result<EscalationOutcome> {
    Ok(match s.trim().to_lowercase().as_str() {
        "granted" | "yes" => EscalationOutcome::Granted,
        "callback" => EscalationOutcome::CallbackPromised,
        "refused" | "no" => EscalationOutcome::Refused,
        other => {
            return Err(
                Error::invalid(format!("'{other}' is not an escalation outcome"))
                    .hint("the outcomes are granted, callback and refused"),
            );
        }
    })
}

/// A kind of reference by its name.
pub fn ref_kind_named(s: &str) -> Result<RefKind> {
    Ok(match s.trim().to_lowercase().as_str() {
        "case" => RefKind::Case,
        "ticket" => RefKind::Ticket,
        "complaint" => RefKind::Complaint,
        "order" => RefKind::Order,
        "other" => RefKind::Other,
        other => {
            return Err(
                Error::invalid(format!("'{other}' is not a kind of reference"))
                    .hint("the kinds are case, ticket, complaint, order and other"),
            );
        }
    })
}

/// A rating of a contact, from 1 to 5.
pub fn rating(s: &str) -> Result<u8> {
    s.trim()
        .parse::<u8>()
        .ok()
        .filter(|r| (1..=5).contains(r))
        .ok_or_else(|| Error::invalid(format!("'{s}' is not a rating from 1 to 5")))
}

fn money(ctx: &Ctx, s: &str) -> Result<Money> {
    Money::parse(s, &ctx.currency).map_err(|e| {
        Error::invalid(e.to_string()).hint("an amount is like 12.50, $12.50 or \"12.50 EUR\"")
    })
}

/// Finds the company by name, creating it if it is new; says whether it was new.
pub fn company_id(ctx: &mut Ctx, name: &str) -> Result<(Uuid, bool)> {
    if name.trim().is_empty() {
        return Err(Error::invalid("the company name is empty"));
    }
    if let Some(id) = ctx.store.company_by_name(name)? {
        return Ok((id, false));
    }
    let id = Uuid::now_v7();
    let author = ctx.author.clone();
    let created = ctx.store.append(
        id,
        0,
        &author,
        vec![Draft::new(
            ctx.now,
            Event::CompanyCreated {
                name: name.trim().to_string(),
            },
        )],
    );
    match created {
        Ok(_) => Ok((id, true)),
        // Another writer created it a moment ago: that one is this one.
        Err(casefile_store::StoreError::CompanyExists { id, .. }) => Ok((id, false)),
        Err(e) => Err(e.into()),
    }
}

/// Opens a case. Returns its number, the entries written and whether its
/// company was new.
pub fn open_case(ctx: &mut Ctx, a: NewCase) -> Result<(Written, bool)> {
    let title = a
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::invalid("a case needs a title"))?
        .to_string();
    let goal = a
        .goal
        .filter(|g| g.problem.is_some() || g.resolution.is_some());
    if let Some(g) = &goal
        && (g.problem.is_none() || g.resolution.is_none())
    {
        return Err(
            Error::invalid("give both the problem and the resolution, or neither")
                .hint("a goal is a problem and the exact outcome you want; it can be set later"),
        );
    }
    let at = ctx.past(a.at.as_deref())?;
    let facts = a
        .facts
        .into_iter()
        .map(|f| fact(ctx, f))
        .collect::<Result<Vec<_>>>()?;
    let (company, new_company) = match a.company.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(name) => {
            let (id, new) = company_id(ctx, name)?;
            (Some(id), new)
        }
        None => (None, false),
    };
    let mut drafts = vec![Draft::new(at, Event::CaseOpened { title, company })];
    if let Some(g) = goal {
        drafts.push(Draft::new(
            at,
            Event::GoalSet(Goal {
                replaces: None,
                problem: g.problem.unwrap_or_default(),
                resolution: g.resolution.unwrap_or_default(),
                alternatives: g.alternatives,
                fair: g.fair,
                fairness_note: g.fairness_note,
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
    let author = ctx.author.clone();
    let entries = ctx.store.append(id, 0, &author, drafts)?;
    let handle = ctx.store.case(id)?.handle;
    Ok(((handle, entries), new_company))
}

fn open_contact_of(s: &CaseState, handle: u64) -> Result<Uuid> {
    s.open_contact_now().map(|c| c.origin.entry).ok_or_else(|| {
        Error::invalid(format!("no contact is open in case {handle}"))
            .hint(format!("start one with `casefile contact start {handle}`"))
    })
}

/// Which earlier item a settlement refers to, by its number.
fn find_target(s: &CaseState, handle: u64, seq: u64, how: Settlement) -> Result<Uuid> {
    use casefile_core::state::Origin;
    let (name, plural, origins): (&str, &str, Vec<&Origin>) = match how {
        Settlement::Kept | Settlement::Broken => (
            "a promise",
            "promises",
            s.promises.iter().map(|x| &x.origin).collect(),
        ),
        Settlement::Answer(_) => (
            "an offer",
            "offers",
            s.offers.iter().map(|x| &x.origin).collect(),
        ),
        Settlement::Escalation(_) => (
            "an escalation request",
            "escalations",
            s.escalations.iter().map(|x| &x.origin).collect(),
        ),
        Settlement::Done => (
            "a follow-up",
            "follow-ups",
            s.follow_ups.iter().map(|x| &x.origin).collect(),
        ),
    };
    origins
        .into_iter()
        .find(|o| o.seq == seq)
        .map(|o| o.entry)
        .ok_or_else(|| {
            Error::not_found(format!("entry #{seq} of case {handle} is not {name}")).hint(format!(
                "`casefile show {handle}` lists the {plural} with their #numbers"
            ))
        })
}

/// Records one thing in a case, at `at` (now when none): reads only the
/// parts of the case it needs, and writes through the one write path.
pub fn record(ctx: &mut Ctx, case: &str, at: Option<&str>, op: Op) -> Result<Written> {
    record_as(ctx, case, At::Said(at), None, op)
}

/// When a thing happened: as the user said it (now when nothing), or the
/// exact time a device stamped on it.
pub enum At<'a> {
    Said(Option<&'a str>),
    Exactly(Timestamp),
}

/// Records one thing as a device made it: `key` is the id its first entry
/// takes, made on the device, so sending it again (the answer was lost,
/// the line dropped) returns what was stored instead of writing it twice.
pub fn record_as(
    ctx: &mut Ctx,
    case: &str,
    at: At<'_>,
    key: Option<Uuid>,
    op: Op,
) -> Result<Written> {
    let seqs: Vec<u64> = match &op {
        Op::Settle { entry, .. } => vec![Ctx::entry_seq(entry)?],
        _ => vec![],
    };
    let rec = ctx.case_to_write(case, &seqs)?;
    let handle = rec.handle;
    if let Some(key) = key
        && let Some(done) = ctx.store.entry(key)?
    {
        if done.stream != rec.state.id {
            return Err(Error::invalid(format!(
                "entry id {key} was used already, in another case"
            ))
            .hint("a device makes a new id for each thing it records"));
        }
        return Ok((handle, vec![done]));
    }
    let at = match at {
        At::Said(text) => ctx.past(text)?,
        // A device's clock a little ahead of the server's is not the future.
        At::Exactly(t) => t.min(ctx.now),
    };
    // What is read from the text once, whatever the case's state on a retry.
    let due = match &op {
        Op::Promise { due: Some(d), .. } | Op::FollowUp { due: d, .. } => Some(ctx.future(d)?),
        _ => None,
    };
    let amount = match &op {
        Op::Offer { value: Some(v), .. } | Op::Expense { amount: v, .. } => Some(money(ctx, v)?),
        _ => None,
    };
    let minutes = match &op {
        Op::Time { duration, .. } => Some(parse_minutes(duration)?),
        _ => None,
    };
    let fact_made = match &op {
        Op::Fact(f) => Some(fact(ctx, f.clone())?),
        _ => None,
    };
    let amend_target = match &op {
        Op::Amend { entry, .. } => {
            let seq = Ctx::entry_seq(entry)?;
            // Entries are never rewritten, so #seq names the same entry on a retry.
            Some(
                ctx.store
                    .entry_at(rec.state.id, seq)?
                    .map(|e| e.id)
                    .ok_or_else(|| {
                        Error::not_found(format!(
                            "case {handle} has no entry #{seq} (it has {})",
                            rec.state.seq()
                        ))
                        .hint(format!(
                            "`casefile timeline {handle}` shows every entry's #number"
                        ))
                    })?,
            )
        }
        _ => None,
    };
    let entries = ctx.append_case(&rec, &seqs, |s| {
        let build = || -> Result<Vec<Draft>> {
            let open = s.open_contact_now().map(|c| c.origin.entry);
            let one = |e: Event| Ok(vec![Draft::new(at, e)]);
            match &op {
                Op::Note { text } => one(Event::NoteAdded {
                    contact: open,
                    text: text.clone(),
                }),
                Op::Reference { kind, value } => one(Event::ReferenceRecorded {
                    contact: open,
                    kind: *kind,
                    value: value.trim().to_string(),
                }),
                Op::Promise { by, what, .. } => one(Event::PromiseMade {
                    contact: open,
                    by: by.clone(),
                    what: what.clone(),
                    due,
                }),
                Op::Offer {
                    by, what, answer, ..
                } => {
                    let offer = Draft::new(
                        at,
                        Event::OfferMade {
                            contact: open,
                            by: by.clone(),
                            what: what.clone(),
                            value: amount.clone(),
                        },
                    );
                    let id = offer.id;
                    let mut out = vec![offer];
                    if let Some(answer) = answer {
                        out.push(Draft::new(
                            at,
                            Event::OfferAnswered {
                                offer: id,
                                answer: *answer,
                                note: None,
                            },
                        ));
                    }
                    Ok(out)
                }
                Op::Escalate { to, reason } => one(Event::EscalationRequested {
                    contact: open,
                    to: to.clone(),
                    reason: reason.clone(),
                }),
                Op::Settle { how, note, .. } => {
                    let t = find_target(s, handle, seqs[0], *how)?;
                    let note = note.clone();
                    one(match *how {
                        Settlement::Kept => Event::PromiseKept { promise: t, note },
                        Settlement::Broken => Event::PromiseBroken { promise: t, note },
                        Settlement::Done => Event::FollowUpDone { follow_up: t, note },
                        Settlement::Answer(answer) => Event::OfferAnswered {
                            offer: t,
                            answer,
                            note,
                        },
                        Settlement::Escalation(outcome) => Event::EscalationAnswered {
                            escalation: t,
                            outcome,
                            note,
                        },
                    })
                }
                Op::Expense { what, .. } => one(Event::ExpenseIncurred {
                    what: what.clone(),
                    amount: amount.clone().expect("read above"),
                }),
                Op::Time { what, .. } => one(Event::TimeSpent {
                    minutes: minutes.unwrap_or_default(),
                    what: what.clone(),
                }),
                Op::FollowUp { what, .. } => one(Event::FollowUpPlanned {
                    what: what.clone(),
                    due: due.unwrap_or(at),
                }),
                Op::Sent {
                    to,
                    kind,
                    via,
                    summary,
                } => one(Event::LetterSent {
                    to: to.clone(),
                    kind: kind.clone(),
                    via: via.clone(),
                    summary: summary.clone(),
                }),
                Op::Attachment {
                    name,
                    sha256,
                    bytes,
                } => one(Event::AttachmentAdded {
                    name: name.clone(),
                    sha256: sha256.clone(),
                    bytes: *bytes,
                }),
                Op::Status { status, note } => one(Event::StatusChanged {
                    status: *status,
                    note: note.clone(),
                }),
                Op::Lesson { text } => one(Event::LessonLearned { text: text.clone() }),
                Op::Assign { client, helper } => {
                    let tidy = |v: &Option<String>| {
                        v.as_deref()
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(str::to_string)
                    };
                    let client = client.as_ref().map_or_else(|| s.client.clone(), tidy);
                    let helper = helper
                        .as_ref()
                        .map_or_else(|| s.helper.clone(), |h| tidy(h).map(|h| h.to_lowercase()));
                    if client == s.client && helper == s.helper {
                        return Err(Error::invalid(
                        "that is how the case stands already; nothing to change",
                    )
                    .hint(
                        "name a different helper with --helper EMAIL or client with --client NAME",
                    ));
                    }
                    one(Event::CaseAssigned { client, helper })
                }
                Op::Fact(_) => one(Event::FactRecorded(fact_made.clone().expect("read above"))),
                Op::Goal(g) => one(Event::GoalSet(revised_goal(s, g)?)),
                Op::Amend {
                    reason,
                    correction,
                    retract,
                    ..
                } => one(Event::Amended {
                    target: amend_target.expect("read above"),
                    reason: reason.clone(),
                    correction: correction.clone(),
                    retracts: *retract,
                }),
                Op::Contact(step) => contact_step(s, handle, at, step),
            }
        };
        build().map(|d| with_key(d, key))
    })?;
    Ok((handle, entries))
}

/// The first draft takes the device's id; the only batch whose entries
/// refer to each other, an offer with its answer, follows it.
fn with_key(mut drafts: Vec<Draft>, key: Option<Uuid>) -> Vec<Draft> {
    if let (Some(key), Some(first)) = (key, drafts.first_mut()) {
        let old = std::mem::replace(&mut first.id, key);
        for d in &mut drafts[1..] {
            if let Event::OfferAnswered { offer, .. } = &mut d.event
                && *offer == old
            {
                *offer = key;
            }
        }
    }
    drafts
}

/// A goal revised: what is not given is kept; a revision needs its reason.
fn revised_goal(s: &CaseState, g: &GoalInput) -> Result<Goal> {
    let prev = s.goal().map(|g| g.goal.clone());
    if prev.is_some() && g.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(Error::invalid("revising a goal needs a reason")
            .hint("say what you learned or why it changed"));
    }
    let problem = g
        .problem
        .clone()
        .or_else(|| prev.as_ref().map(|g| g.problem.clone()));
    let resolution = g
        .resolution
        .clone()
        .or_else(|| prev.as_ref().map(|g| g.resolution.clone()));
    let (Some(problem), Some(resolution)) = (problem, resolution) else {
        return Err(Error::invalid(
            "a first goal needs both the problem and the resolution",
        ));
    };
    let alternatives = if g.alternatives.is_empty() {
        prev.as_ref()
            .map(|g| g.alternatives.clone())
            .unwrap_or_default()
    } else {
        g.alternatives.clone()
    };
    Ok(Goal {
        // The version revised, or the case itself for a first goal.
        replaces: Some(s.goal().map_or(s.id, |g| g.origin.entry)),
        problem,
        resolution,
        alternatives,
        fair: g.fair.or_else(|| prev.as_ref().and_then(|p| p.fair)),
        fairness_note: g
            .fairness_note
            .clone()
            .or_else(|| prev.as_ref().and_then(|p| p.fairness_note.clone())),
        reason: g.reason.clone(),
    })
}

fn contact_step(s: &CaseState, handle: u64, at: Timestamp, step: &Step) -> Result<Vec<Draft>> {
    Ok(match step {
        Step::Start {
            channel,
            inbound,
            via,
        } => {
            if let Some(c) = s.open_contact_now() {
                return Err(Error::invalid(format!(
                    "contact #{} is still open in case {handle}",
                    c.origin.seq
                ))
                .hint(format!("end it first with `casefile contact end {handle}`")));
            }
            vec![Draft::new(
                at,
                Event::ContactStarted {
                    channel: *channel,
                    direction: if *inbound {
                        Direction::Inbound
                    } else {
                        Direction::Outbound
                    },
                    via: via.clone(),
                },
            )]
        }
        Step::Rep(rep) => vec![Draft::new(
            at,
            Event::RepJoined {
                contact: open_contact_of(s, handle)?,
                rep: rep.clone(),
            },
        )],
        Step::Hold => vec![Draft::new(
            at,
            Event::HoldStarted {
                contact: open_contact_of(s, handle)?,
            },
        )],
        Step::Resume => vec![Draft::new(
            at,
            Event::HoldEnded {
                contact: open_contact_of(s, handle)?,
            },
        )],
        Step::Frustrated => vec![Draft::new(
            at,
            Event::FrustrationNoted {
                contact: open_contact_of(s, handle)?,
            },
        )],
        Step::End { outcome, rating } => {
            let contact = open_contact_of(s, handle)?;
            let mut out = Vec::new();
            if s.contact(contact).is_some_and(|c| c.on_hold()) {
                out.push(Draft::new(at, Event::HoldEnded { contact }));
            }
            out.push(Draft::new(
                at,
                Event::ContactEnded {
                    contact,
                    outcome: outcome.clone(),
                    rating: *rating,
                },
            ));
            out
        }
    })
}

/// A time inside a contact: a bare time takes the contact's day, and a
/// logged contact cannot reach into the future.
pub fn at_within(ctx: &Ctx, s: Option<&str>, base: Timestamp) -> Result<Timestamp> {
    match s {
        None => Ok(base),
        Some(s) => {
            // A bare clock time is on the contact's day; anything with a day
            // in it ("yesterday 14:52", a date) is read as elsewhere, from now.
            let t = if is_clock_time(s) {
                parse_when_in(s, base, &ctx.tz, Tense::Future, ctx.settings.date_order)?
            } else {
                parse_when_in(s, ctx.now, &ctx.tz, Tense::Past, ctx.settings.date_order)?
            };
            if t > ctx.now + jiff::Span::new().minutes(5) {
                return Err(Error::invalid(format!(
                    "'{s}' is in the future; a logged contact happened already"
                )));
            }
            Ok(t)
        }
    }
}

/// A status by its name.
pub fn status_named(s: &str) -> Result<Status> {
    Ok(match s.trim().to_lowercase().as_str() {
        "open" => Status::Open,
        "waiting" => Status::Waiting,
        "escalated" => Status::Escalated,
        "resolved" => Status::Resolved,
        "abandoned" => Status::Abandoned,
        other => {
            return Err(Error::invalid(format!("'{other}' is not a status"))
                .hint("the statuses are open, waiting, escalated, resolved and abandoned"));
        }
    })
}

/// A channel by its name.
pub fn channel_named(s: &str) -> Result<Channel> {
    Ok(match s.trim().to_lowercase().as_str() {
        "phone" => Channel::Phone,
        "chat" => Channel::Chat,
        "email" => Channel::Email,
        "letter" => Channel::Letter,
        "in-person" | "in person" => Channel::InPerson,
        "social" => Channel::Social,
        "web" => Channel::Web,
        "other" => Channel::Other,
        other => {
            return Err(Error::invalid(format!("'{other}' is not a channel")).hint(
                "the channels are phone, chat, email, letter, in-person, social, web and other",
            ));
        }
    })
}

/// The answer to "could the company stay in business if everyone asked this?"
pub fn fairness_named(s: &str) -> Result<Fairness> {
    Ok(match s.trim().to_lowercase().as_str() {
        "yes" | "y" => Fairness::Yes,
        "no" | "n" => Fairness::No,
        "unsure" => Fairness::Unsure,
        _ => return Err(Error::invalid("the fairness answer is yes, no or unsure")),
    })
}

/// `14:52`, `9:05`, `2pm`, `2:30 pm`: a time of day and nothing else.
fn is_clock_time(s: &str) -> bool {
    let t = s.trim().to_ascii_lowercase();
    let t = t
        .strip_suffix("am")
        .or_else(|| t.strip_suffix("pm"))
        .unwrap_or(&t)
        .trim_end();
    !t.is_empty()
        && t.len() <= 5
        && t.chars().all(|c| c.is_ascii_digit() || c == ':')
        && t.chars().next().is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::is_clock_time;

    #[test]
    fn a_clock_time_is_only_a_time_of_day() {
        for yes in ["14:52", "9:05", "2pm", "2:30 pm", "11am"] {
            assert!(is_clock_time(yes), "{yes}");
        }
        for no in [
            "yesterday 14:52",
            "2026-11-03 14:05",
            "friday 5pm",
            "in 2h",
            "",
            "pm",
        ] {
            assert!(!is_clock_time(no), "{no}");
        }
    }
}
