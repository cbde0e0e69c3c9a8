//! Rules that read the case and name the next step, and why.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::coach::goal::{amount_in, check_goal};
use crate::company::CompanyState;
use crate::event::{Channel, ChannelKind, EscalationOutcome, OfferAnswer, Status};
use crate::state::{CaseState, PromiseState};
use crate::text;

/// The rungs of escalation, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rung {
    FrontLine,
    Supervisor,
    OtherDepartment,
    ExecutiveOffice,
    WrittenComplaint,
    Regulator,
    SmallClaims,
}

impl Rung {
    pub fn name(self) -> &'static str {
        match self {
            Rung::FrontLine => "the front line",
            Rung::Supervisor => "a supervisor",
            Rung::OtherDepartment => "another department",
            Rung::ExecutiveOffice => "the executive office",
            Rung::WrittenComplaint => "a formal written complaint",
            Rung::Regulator => "the regulator or ombudsman",
            Rung::SmallClaims => "small claims court",
        }
    }

    fn next(self) -> Rung {
        match self {
            Rung::FrontLine => Rung::Supervisor,
            Rung::Supervisor => Rung::OtherDepartment,
            Rung::OtherDepartment => Rung::ExecutiveOffice,
            Rung::ExecutiveOffice => Rung::WrittenComplaint,
            Rung::WrittenComplaint => Rung::Regulator,
            Rung::Regulator | Rung::SmallClaims => Rung::SmallClaims,
        }
    }
}

/// How far up the case has gone, from what the journal shows.
pub fn current_rung(s: &CaseState) -> Rung {
    let mut rung = Rung::FrontLine;
    let said = |t: &Option<String>, words: &[&str]| {
        t.as_deref().is_some_and(|t| {
            let t = t.to_lowercase();
            words.iter().any(|w| t.contains(w))
        })
    };
    for e in s
        .escalations
        .iter()
        .filter(|e| !e.origin.retracted && e.outcome == Some(EscalationOutcome::Granted))
    {
        let r = if said(&e.to, &["executive", "president", "ceo", "office of"]) {
            Rung::ExecutiveOffice
        } else if said(&e.to, &["department", "team"]) {
            Rung::OtherDepartment
        } else {
            Rung::Supervisor
        };
        rung = rung.max(r);
    }
    for l in s.letters.iter().filter(|l| !l.origin.retracted) {
        let k = l.kind.to_lowercase();
        let r = if k.contains("regulator") || k.contains("ombudsman") {
            Rung::Regulator
        } else if k.contains("court") || k.contains("claim") {
            Rung::SmallClaims
        } else if k.contains("executive") {
            Rung::ExecutiveOffice
        } else {
            Rung::WrittenComplaint
        };
        rung = rung.max(r);
    }
    // A rep's title raises the rung to the executive office at most: once
    // there, a long case's other reps need not be read.
    for c in s.live_contacts() {
        if rung >= Rung::ExecutiveOffice {
            break;
        }
        for r in c.live_reps() {
            // Most reps have no role and no department: nothing to read.
            let (role, dept) = (r.rep.role.as_deref(), r.rep.department.as_deref());
            if role.is_none_or(str::is_empty) && dept.is_none_or(str::is_empty) {
                continue;
            }
            let role = format!("{} {}", role.unwrap_or(""), dept.unwrap_or("")).to_lowercase();
            if role.contains("executive") || role.contains("office of the president") {
                rung = rung.max(Rung::ExecutiveOffice);
            } else if ["supervisor", "manager", "team lead", "lead"]
                .iter()
                .any(|w| role.contains(w))
            {
                rung = rung.max(Rung::Supervisor);
            }
        }
    }
    rung
}

/// What the coach reads off a case once, for the brief and the advice
/// alike: the answers heard more than once, and the next rung.
pub struct Reading {
    same: Vec<SameAnswer>,
    pub rung: Rung,
    /// How to reach the next rung with what the company record knows.
    pub how: String,
}

/// Reads the case for the coach (see [`Reading`]).
pub fn reading(s: &CaseState, company: Option<&CompanyState>) -> Reading {
    let ended: Vec<_> = s.live_contacts().filter(|c| !c.is_open()).collect();
    let same = same_answers(&ended);
    let (rung, how) = next_rung_given(s, company, !same.is_empty());
    Reading { same, rung, how }
}

/// The next rung and how to reach it with what the company record knows.
pub fn next_rung(s: &CaseState, company: Option<&CompanyState>) -> (Rung, String) {
    let r = reading(s, company);
    (r.rung, r.how)
}

fn next_rung_given(
    s: &CaseState,
    company: Option<&CompanyState>,
    repeated: bool,
) -> (Rung, String) {
    let now_at = current_rung(s);
    let mut rung = now_at.next();
    // The history can call for a bigger step than the next one: once past
    // the front line, a broken promise, the same answer from different
    // people, or two months without a settlement go to the executive
    // office; from there, the same go to the regulator or ombudsman.
    let broken = s.live_promises().any(|p| p.state == PromiseState::Broken);
    let long = match (s.opened, s.last_at) {
        (Some(a), Some(b)) => b.duration_since(a).as_hours() >= 24 * 60,
        _ => false,
    };
    if broken || repeated || long {
        if now_at >= Rung::ExecutiveOffice {
            rung = rung.max(Rung::Regulator);
        } else if now_at >= Rung::Supervisor {
            rung = rung.max(Rung::ExecutiveOffice);
        }
    }
    let channel =
        |kind: ChannelKind| company.and_then(|c| c.channels.iter().find(|ch| ch.kind == kind));
    let how = match rung {
        Rung::Supervisor => "On the next contact, thank the rep for their help and ask politely for a supervisor or team lead; take their name and direct extension.".to_string(),
        Rung::OtherDepartment => "Ask which department can actually decide this (retention, billing disputes, complaints) and to be transferred there with a note on the case.".to_string(),
        Rung::ExecutiveOffice => match channel(ChannelKind::Executive) {
            Some(ch) => format!("Write to the executive office ({}) with your log: dates, names, case numbers and what you are asking for. `casefile letter CASE executive` drafts it.", ch.value),
            None => "Find the executive office's address or email (investor-relations pages and annual reports list it) and write with your log. `casefile letter CASE executive` drafts it.".to_string(),
        },
        Rung::WrittenComplaint => "Send a formal written complaint and ask for a final response by a date. `casefile letter CASE final-response` drafts it.".to_string(),
        Rung::Regulator => match channel(ChannelKind::Regulator) {
            Some(ch) => format!("Take it to the regulator or ombudsman ({}), with your timeline. `casefile letter CASE regulator` drafts the complaint.", ch.value),
            None => "Take it to the regulator or ombudsman that oversees the company, with your timeline. `casefile letter CASE regulator` drafts the complaint.".to_string(),
        },
        Rung::SmallClaims => "Consider small claims court. `casefile timeline CASE --format html` gives the record to print.".to_string(),
        Rung::FrontLine => String::new(),
    };
    (rung, how)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Worth knowing.
    Note,
    /// Worth doing before or during the next contact.
    Act,
    /// Do it now.
    Now,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    pub rule: String,
    pub urgency: Urgency,
    /// What the journal shows.
    pub seen: String,
    /// What to do next.
    pub next: String,
    /// Why it helps.
    pub why: String,
    pub rung: Option<Rung>,
}

fn advice(
    rule: &str,
    urgency: Urgency,
    seen: String,
    next: String,
    why: &str,
    rung: Option<Rung>,
) -> Advice {
    Advice {
        rule: rule.into(),
        urgency,
        seen,
        next,
        why: why.into(),
        rung,
    }
}

fn words(s: &str) -> std::collections::BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(|w| w.to_lowercase())
        .collect()
}

/// How many items of one kind advice lists before it sums up the rest.
const SHOWN: usize = 3;

/// "#3, #8 and #12", or "#3, #8, #12 and 40 more" for a long list.
fn seq_list(seqs: &[u64]) -> String {
    const NAMED: usize = 5;
    let named: Vec<String> = seqs.iter().take(NAMED).map(|s| format!("#{s}")).collect();
    match (seqs.len(), named.split_last()) {
        (_, None) => String::new(),
        (1, Some((one, _))) => one.clone(),
        (n, Some((last, rest))) if n <= NAMED => format!("{} and {last}", rest.join(", ")),
        (n, _) => format!("{} and {} more", named.join(", "), n - NAMED),
    }
}

fn contacts_phrase(seqs: &[u64]) -> String {
    if seqs.len() == 1 {
        format!("contact #{}", seqs[0])
    } else {
        format!("contacts {}", seq_list(seqs))
    }
}

/// Contacts that ended with much the same answer from different people.
struct SameAnswer {
    answer: String,
    contacts: Vec<u64>,
}

/// Groups ended contacts by their answer. Each contact is compared with the
/// most recent groups only, so the work grows with the case, not its square.
fn same_answers(ended: &[&crate::state::Contact]) -> Vec<SameAnswer> {
    const RECENT: usize = 32;
    struct Group {
        words: std::collections::BTreeSet<String>,
        answer: String,
        contacts: Vec<u64>,
        reps: std::collections::BTreeSet<Option<String>>,
    }
    let mut groups: Vec<Group> = Vec::new();
    // Group indices, the most recently joined first.
    let mut recent: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    for c in ended {
        let Some(outcome) = &c.outcome else { continue };
        // An answer word for word the same as a group's is similar to it;
        // its words are made only when a group's answer differs (a long
        // case repeats a few answers hundreds of times).
        let mut w = None;
        let found = recent.iter().take(RECENT).position(|g| {
            let group = &groups[*g];
            group.answer == *outcome
                || similar(&group.words, w.get_or_insert_with(|| words(outcome)))
        });
        if found.is_none() && w.get_or_insert_with(|| words(outcome)).is_empty() {
            continue;
        }
        let rep = c.live_reps().last().map(|r| r.rep.name.to_lowercase());
        let g = match found {
            Some(at) => {
                let g = recent.remove(at).unwrap_or_default();
                let group = &mut groups[g];
                group.contacts.push(c.origin.seq);
                group.reps.insert(rep);
                g
            }
            None => {
                groups.push(Group {
                    words: w.unwrap_or_default(),
                    answer: outcome.clone(),
                    contacts: vec![c.origin.seq],
                    reps: [rep].into(),
                });
                groups.len() - 1
            }
        };
        recent.push_front(g);
    }
    let mut out: Vec<SameAnswer> = groups
        .into_iter()
        .filter(|g| g.reps.len() >= 2)
        .map(|g| SameAnswer {
            answer: g.answer,
            contacts: g.contacts,
        })
        .collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.contacts.len()));
    out
}

/// Whether two answers say much the same (most of their words shared).
fn similar(a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>) -> bool {
    let shared = a.intersection(b).count() as f64;
    shared / (a.union(b).count() as f64) >= 0.5
}

/// Every rule that applies now, most urgent first.
pub fn advise(
    s: &CaseState,
    company: Option<&CompanyState>,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Vec<Advice> {
    advise_from(s, now, tz, &reading(s, company))
}

/// [`advise`] with the case read already.
pub fn advise_from(
    s: &CaseState,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
    read: &Reading,
) -> Vec<Advice> {
    let mut out = Vec::new();
    // A case that has ended is worth a line for next time.
    if matches!(s.status(), Status::Resolved | Status::Abandoned)
        && !s.lessons.iter().any(|l| !l.origin.retracted)
    {
        out.push(advice(
            "lesson",
            Urgency::Note,
            format!("The case is {}.", s.status().as_str()),
            "Write down what worked and what you would do differently (`casefile lesson CASE \"...\"`); the brief of your next case with this company shows it.".into(),
            "What one dispute taught you is the head start on the next.",
            None,
        ));
    }
    if s.status().is_closed() {
        return out;
    }
    let (rung, how) = (read.rung, read.how.clone());

    for f in check_goal(s.goal().map(|g| &g.goal)) {
        let urgency = if matches!(
            f.rule.as_str(),
            "no_goal" | "feeling_not_outcome" | "vague_problem" | "unfair"
        ) {
            Urgency::Act
        } else {
            Urgency::Note
        };
        out.push(advice(
            &f.rule,
            urgency,
            f.message,
            "Revise it with `casefile goal CASE ... --reason ...`.".into(),
            "A clear, fair goal is what lets a rep say yes.",
            None,
        ));
    }

    if let Some(c) = s.open_contact_now() {
        out.push(advice(
            "contact_open",
            Urgency::Now,
            format!(
                "Contact #{} (started {}) is still open.",
                c.origin.seq,
                text::when(c.started(), tz)
            ),
            "End it with `casefile contact end CASE` once it is over, so its time counts.".into(),
            "An open contact keeps its clock running.",
            None,
        ));
    }

    let overdue: Vec<_> = s.live_promises().filter(|p| p.is_overdue(now)).collect();
    for p in overdue.iter().take(SHOWN) {
        let who = p.by.as_deref().unwrap_or("They");
        let due = p.due.map(|d| text::when(d, tz)).unwrap_or_default();
        out.push(advice(
            "promise_overdue",
            Urgency::Now,
            format!("{who} promised to {} by {due}; it has not happened.", p.what),
            format!(
                "Mark it broken (`casefile broken CASE {}`), then contact them citing the promise by date, name and case number, and ask for {}.",
                p.origin.seq,
                rung.name()
            ),
            "A broken promise is the clearest reason to go up a rung, and the record makes it hard to dispute.",
            Some(rung),
        ));
    }
    if overdue.len() > SHOWN {
        let rest: Vec<u64> = overdue[SHOWN..].iter().map(|p| p.origin.seq).collect();
        out.push(advice(
            "promise_overdue",
            Urgency::Now,
            format!("{} more promises are overdue: {}.", rest.len(), seq_list(&rest)),
            "Mark each one kept or broken, so the record says which were honoured.".into(),
            "A broken promise is the clearest reason to go up a rung, and the record makes it hard to dispute.",
            Some(rung),
        ));
    }
    let broken: Vec<_> = s
        .live_promises()
        .filter(|p| p.state == PromiseState::Broken)
        .collect();
    if let Some(last) = broken.last() {
        let escalated_since = s.escalations.iter().any(|e| {
            !e.origin.retracted && e.origin.at > last.settled_at.unwrap_or(last.origin.at)
        });
        if !escalated_since {
            out.push(advice(
                "promise_broken",
                Urgency::Act,
                format!("{} promise(s) broken, the latest: {}.", broken.len(), last.what),
                how.clone(),
                "Going back to the same desk after a broken promise tends to get the same promise again.",
                Some(rung),
            ));
        }
    }

    let ended: Vec<_> = s.live_contacts().filter(|c| !c.is_open()).collect();
    for g in read.same.iter().take(SHOWN) {
        let who = if g.contacts.len() == 2 {
            format!("Contacts #{} and #{}", g.contacts[0], g.contacts[1])
        } else {
            format!("Contacts {}", seq_list(&g.contacts))
        };
        out.push(advice(
            "same_answer",
            Urgency::Act,
            format!("{who} got the same answer from different people (\"{}\").", g.answer),
            format!("Don't ask the front line again. Ask for {}, or for the reason behind the policy and who can make an exception.", rung.name()),
            "Two reps reading the same script means the answer lives above them.",
            Some(rung),
        ));
    }

    if let Some(c) = s.live_contacts().last() {
        let t = c.transfers();
        if t >= 3 {
            out.push(advice(
                "third_transfer",
                Urgency::Act,
                format!("Contact #{} was transferred {t} times.", c.origin.seq),
                format!("Phone routing is not reaching anyone who can decide. Ask the person you have to own it and give you a direct line; if not, put it in writing: {how}"),
                "Each transfer starts the story over; writing reaches someone with authority directly.",
                Some(rung.max(Rung::ExecutiveOffice)),
            ));
        } else if t >= 2 && c.is_open() {
            // Advice for the person on the line: gone once the contact ends.
            out.push(advice(
                "plea",
                Urgency::Act,
                format!("Contact #{} was transferred {t} times.", c.origin.seq),
                "Start over with the new person, by name, and ask for *their* help: `casefile script CASE plea`.".into(),
                "After being passed around, asking one person for their help often turns them into your advocate.",
                None,
            ));
        }
    }

    let progress = s.live_promises().any(|p| p.state == PromiseState::Kept)
        || s.live_offers()
            .any(|o| o.answer == Some(OfferAnswer::AcceptedFull));
    if ended.len() >= 3 && !progress {
        out.push(advice(
            "no_progress",
            Urgency::Act,
            format!(
                "{} contacts and no promise kept or offer that settles it.",
                ended.len()
            ),
            how.clone(),
            "More of the same contacts cost you time without moving the case; go up a rung.",
            Some(rung),
        ));
    }

    if let Some(goal) = s.goal()
        && let Some(want) = amount_in(&goal.goal.resolution, "USD")
    {
        {
            for o in s
                .live_offers()
                .rev()
                .filter(|o| o.answer.is_none() || o.answer == Some(OfferAnswer::AcceptedNotFull))
                .take(SHOWN)
            {
                if let Some(v) = o
                    .value
                    .as_ref()
                    .filter(|v| v.currency == want.currency && v.cents < want.cents)
                {
                    let next = if o.answer.is_none() {
                        "Thank them, and accept it only \"not as full resolution\" (`casefile script CASE accept`), or decline and ask what else they can do.".to_string()
                    } else {
                        format!(
                            "You accepted it not as full resolution; keep going for the rest: {how}"
                        )
                    };
                    out.push(advice(
                        "offer_below_goal",
                        Urgency::Act,
                        format!("Offer #{} ({v}) is below the {want} you are asking for.", o.origin.seq),
                        next,
                        "Accepting a partial offer as full resolution closes the case on their records.",
                        Some(rung),
                    ));
                }
            }
        }
    }

    let live_calls: Vec<_> = ended
        .iter()
        .filter(|c| {
            matches!(
                c.channel,
                Channel::Phone | Channel::Chat | Channel::InPerson
            )
        })
        .collect();
    let unnamed: Vec<u64> = live_calls
        .iter()
        .filter(|c| c.live_reps().next().is_none())
        .map(|c| c.origin.seq)
        .collect();
    if !unnamed.is_empty() {
        out.push(advice(
            "no_name",
            Urgency::Note,
            format!("No name was taken on {}.", contacts_phrase(&unnamed)),
            "Ask every person for their name and extension or employee id, and use their name."
                .into(),
            "Names make a contact citable and make the person accountable.",
            None,
        ));
    }
    let referenced: std::collections::HashSet<uuid::Uuid> =
        s.live_references().filter_map(|r| r.contact).collect();
    let unreferenced: Vec<u64> = live_calls
        .iter()
        .filter(|c| !referenced.contains(&c.origin.entry))
        .map(|c| c.origin.seq)
        .collect();
    if !unreferenced.is_empty() {
        out.push(advice(
            "no_reference",
            Urgency::Note,
            format!(
                "No case or ticket number was taken on {}.",
                contacts_phrase(&unreferenced)
            ),
            "Ask for a case number at the start of each contact.".into(),
            "A case number lets the next rep find the history and you cite it.",
            None,
        ));
    }

    // A hard contact just ended: a rest before the next one, not a retreat.
    if let Some(c) = ended.last()
        && s.open_contact_now().is_none()
        && c.ended
            .is_some_and(|end| now.duration_since(end) < jiff::SignedDuration::from_hours(24))
        && (c.frustrated.is_some() || c.rating.is_some_and(|r| r <= 2))
    {
        out.push(advice(
            "pause",
            Urgency::Note,
            format!(
                "Contact #{} was hard going{}.",
                c.origin.seq,
                if c.frustrated.is_some() {
                    " (you marked that you were frustrated)"
                } else {
                    ""
                }
            ),
            "Take a break before the next contact; the record keeps where you got to.".into(),
            "A rested caller stays calm and is easier to help; nothing is lost by waiting a day.",
            None,
        ));
    }

    if let Some(c) = ended.last() {
        let refused = s.escalations.iter().any(|e| {
            e.contact == Some(c.origin.entry) && e.outcome == Some(EscalationOutcome::Refused)
        });
        if c.rating.is_some_and(|r| r <= 2) || refused {
            out.push(advice(
                "rep_cannot_help",
                Urgency::Act,
                format!("Contact #{} did not help{}.", c.origin.seq, if refused { " and escalation was refused" } else { "" }),
                if rung <= Rung::OtherDepartment {
                    format!("Next time, thank them for trying and ask politely for {}: `casefile script CASE escalate`.", rung.name())
                } else {
                    // Past the phone lines, the next step is a letter, not a transfer.
                    format!("Thank them for trying; the next step is in writing. {how}")
                },
                "Someone without the authority cannot say yes, however kind.",
                Some(rung),
            ));
        }
    }

    let late: Vec<_> = s
        .follow_ups
        .iter()
        .filter(|f| !f.origin.retracted && f.done_at.is_none() && f.due < now)
        .collect();
    for f in late.iter().take(SHOWN) {
        out.push(advice(
            "follow_up_overdue",
            Urgency::Now,
            format!(
                "Follow-up #{} was due {}: {}.",
                f.origin.seq,
                text::when(f.due, tz),
                f.what
            ),
            format!("Do it, then `casefile done CASE {}`.", f.origin.seq),
            "Patience and persistence win these; a missed follow-up lets the case go cold.",
            None,
        ));
    }
    if late.len() > SHOWN {
        let rest: Vec<u64> = late[SHOWN..].iter().map(|f| f.origin.seq).collect();
        out.push(advice(
            "follow_up_overdue",
            Urgency::Now,
            format!(
                "{} more follow-ups are overdue: {}.",
                rest.len(),
                seq_list(&rest)
            ),
            "Do them or mark them done, oldest first.".into(),
            "Patience and persistence win these; a missed follow-up lets the case go cold.",
            None,
        ));
    }

    let missing = crate::coach::brief::missing_facts(s);
    if s.status() == Status::Open && s.live_contacts().next().is_none() && !missing.is_empty() {
        out.push(advice(
            "facts_missing",
            Urgency::Note,
            format!("Not written down yet: {}.", missing.join("; ")),
            "Write them down before you call (`casefile fact CASE KIND VALUE`), so nothing has to be looked up while they wait.".into(),
            "A rep works from the facts you give in the first minute; a missing number or date sends you round again.",
            None,
        ));
    }
    if s.status() == Status::Open && s.live_contacts().next().is_none() && s.goal().is_some() {
        out.push(advice(
            "first_contact",
            Urgency::Note,
            "No contact yet.".into(),
            "Read `casefile brief CASE` before you call; have the identifiers and dates at hand."
                .into(),
            "Every fact you have to look up mid-call costs the rep's patience and yours.",
            None,
        ));
    }

    out.sort_by_key(|a| std::cmp::Reverse(a.urgency));
    out
}
