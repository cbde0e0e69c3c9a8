//! Wording shown to people about the journal, kept in one place so it can be
//! reviewed and tested as a whole.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::entry::Entry;
use crate::event::*;
use crate::mask::mask;
use crate::state::CaseState;

/// `n` in `width` digits, zero-padded.
fn push_digits(out: &mut String, n: u16, width: u32) {
    for p in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10u16.pow(p) % 10) as u8));
    }
}

/// `2026-11-03 14:05` in the given zone.
pub fn when(t: Timestamp, tz: &TimeZone) -> String {
    // Written by hand: a timeline prints thousands, and both strftime and
    // padded formatting cost more than the digits. The years casefile
    // records have four digits.
    let d = tz.to_datetime(t);
    let Ok(year) = u16::try_from(d.year()) else {
        return d.strftime("%Y-%m-%d %H:%M").to_string();
    };
    let mut out = String::with_capacity(16);
    push_digits(&mut out, year, 4);
    let parts = [
        ('-', d.month()),
        ('-', d.day()),
        (' ', d.hour()),
        (':', d.minute()),
    ];
    for (sep, n) in parts {
        out.push(sep);
        push_digits(&mut out, n as u16, 2);
    }
    out
}

/// `14:05` in the given zone.
pub fn clock(t: Timestamp, tz: &TimeZone) -> String {
    // By hand, as `when`: a long case page prints one per representative.
    let d = tz.to_datetime(t);
    let mut out = String::with_capacity(5);
    push_digits(&mut out, d.hour() as u16, 2);
    out.push(':');
    push_digits(&mut out, d.minute() as u16, 2);
    out
}

/// `1h 05m`, `47m`, `0m`.
pub fn duration(d: SignedDuration) -> String {
    let mins = d.as_secs().max(0) / 60;
    if mins >= 60 {
        format!("{}h {:02}m", mins / 60, mins % 60)
    } else {
        format!("{mins}m")
    }
}

/// `1 hour 5 minutes`, `47 minutes`, for letters.
pub fn duration_words(d: SignedDuration) -> String {
    let mins = d.as_secs().max(0) / 60;
    let (h, m) = (mins / 60, mins % 60);
    let unit = |n: i64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    match (h, m) {
        (0, m) => unit(m, "minute"),
        (h, 0) => unit(h, "hour"),
        (h, m) => format!("{} {}", unit(h, "hour"), unit(m, "minute")),
    }
}

pub fn channel(c: Channel) -> &'static str {
    match c {
        Channel::Phone => "phone",
        Channel::Chat => "chat",
        Channel::Email => "email",
        Channel::Letter => "letter",
        Channel::InPerson => "in person",
        Channel::Social => "social media",
        Channel::Web => "web form",
        Channel::Other => "other",
    }
}

pub fn contact_noun(c: Channel) -> &'static str {
    match c {
        Channel::Phone => "Call",
        Channel::Chat => "Chat",
        Channel::Email => "Email",
        Channel::Letter => "Letter",
        Channel::InPerson => "Visit",
        Channel::Social => "Social media contact",
        Channel::Web => "Web form",
        Channel::Other => "Contact",
    }
}

pub fn fact_kind(k: FactKind) -> &'static str {
    match k {
        FactKind::Acquired => "acquired",
        FactKind::ProblemBegan => "problem began",
        FactKind::Identifier => "identifier",
        FactKind::CurrentStatus => "status now",
        FactKind::Change => "since it began",
        FactKind::Expected => "expected",
        FactKind::Tried => "already tried",
        FactKind::Other => "other",
    }
}

pub fn ref_kind(k: RefKind) -> &'static str {
    match k {
        RefKind::Case => "case number",
        RefKind::Ticket => "ticket",
        RefKind::Complaint => "complaint number",
        RefKind::Order => "order number",
        RefKind::Other => "reference",
    }
}

pub fn offer_answer(a: OfferAnswer) -> &'static str {
    match a {
        OfferAnswer::Declined => "declined",
        OfferAnswer::AcceptedNotFull => "accepted, not as full resolution",
        OfferAnswer::AcceptedFull => "accepted as full resolution",
    }
}

pub fn escalation_outcome(o: EscalationOutcome) -> &'static str {
    match o {
        EscalationOutcome::Granted => "put through",
        EscalationOutcome::CallbackPromised => "a callback was promised",
        EscalationOutcome::Refused => "refused",
    }
}

pub fn fairness(f: Option<Fairness>) -> &'static str {
    match f {
        Some(Fairness::Yes) => "yes",
        Some(Fairness::No) => "no",
        Some(Fairness::Unsure) => "not sure",
        None => "not answered",
    }
}

/// `Dana Reyes (ext 4471, Billing, supervisor)`.
pub fn rep(r: &Rep) -> String {
    // Pushed in place: a long case page names a representative per contact.
    let mut out = String::with_capacity(r.name.len() + 48);
    out.push_str(&r.name);
    let mut first = true;
    let mut part = |out: &mut String, lead: &str, x: &str| {
        out.push_str(if first { " (" } else { ", " });
        first = false;
        out.push_str(lead);
        out.push_str(x);
    };
    if let Some(x) = &r.ext {
        part(&mut out, "ext ", x);
    }
    for x in [&r.department, &r.role, &r.email].into_iter().flatten() {
        part(&mut out, "", x);
    }
    if let Some(x) = &r.reports_to {
        part(&mut out, "reports to ", x);
    }
    if !first {
        out.push(')');
    }
    out
}

/// A fact's value as it may be shown.
pub fn fact_value(f: &Fact, reveal: bool) -> String {
    if f.sensitive && !reveal {
        mask(&f.value)
    } else {
        f.value.clone()
    }
}

fn with_note(s: String, note: &Option<String>) -> String {
    match note {
        Some(n) => format!("{s}: {n}"),
        None => s,
    }
}

fn seq_of(state: &CaseState, id: uuid::Uuid) -> String {
    state
        .seq_of(id)
        .map_or_else(|| "?".to_string(), |s| format!("#{s}"))
}

/// One line describing what an entry records.
pub fn describe(e: &Entry, state: &CaseState, tz: &TimeZone, reveal: bool) -> String {
    match &e.event {
        Event::CaseOpened { title, .. } => format!("Case opened: {title}"),
        Event::GoalSet(g) => {
            let verb = if state.goals.first().is_some_and(|f| f.origin.entry == e.id) {
                "Goal set"
            } else {
                "Goal revised"
            };
            let mut s = format!("{verb}: {} → wants: {}", g.problem, g.resolution);
            if let Some(r) = &g.reason {
                s.push_str(&format!(" (why: {r})"));
            }
            s
        }
        Event::FactRecorded(f) => match &f.label {
            Some(l) => format!(
                "Fact, {}: {l}: {}",
                fact_kind(f.kind),
                fact_value(f, reveal)
            ),
            None => format!("Fact, {}: {}", fact_kind(f.kind), fact_value(f, reveal)),
        },
        Event::ContactStarted {
            channel: ch,
            direction,
            via,
        } => {
            let dir = match direction {
                Direction::Outbound => "to the company",
                Direction::Inbound => "from the company",
            };
            match via {
                Some(v) => format!(
                    "{} {dir} started ({}, {v})",
                    contact_noun(*ch),
                    channel(*ch)
                ),
                None => format!("{} {dir} started ({})", contact_noun(*ch), channel(*ch)),
            }
        }
        Event::RepJoined { contact, rep: r } => {
            let visit = state
                .contact(*contact)
                .and_then(|c| c.reps.iter().find(|v| v.origin.entry == e.id));
            match visit.and_then(|v| v.transferred_from.as_ref()) {
                Some(from) => format!("Transferred from {from} to {}", rep(r)),
                None => format!("Speaking with {}", rep(r)),
            }
        }
        Event::ReferenceRecorded { kind, value, .. } => format!("Got {}: {value}", ref_kind(*kind)),
        Event::NoteAdded { text, .. } => format!("Note: {text}"),
        Event::HoldStarted { .. } => "Put on hold".to_string(),
        Event::HoldEnded { .. } => "Back from hold".to_string(),
        Event::FrustrationNoted { .. } => "Marked as frustrated".to_string(),
        Event::EmailRecorded { subject, from, .. } => match (from, subject) {
            (Some(f), Some(s)) => format!("Email from {f}: {s}"),
            (Some(f), None) => format!("Email from {f}"),
            (None, Some(s)) => format!("Email: {s}"),
            (None, None) => "Email".to_string(),
        },
        Event::PromiseMade { by, what, due, .. } => {
            let who = by.as_deref().unwrap_or("They");
            match due {
                Some(d) => format!("Promise: {who} will {what}, by {}", when(*d, tz)),
                None => format!("Promise: {who} will {what}"),
            }
        }
        Event::PromiseKept { promise, note } => {
            with_note(format!("Promise {} kept", seq_of(state, *promise)), note)
        }
        Event::PromiseBroken { promise, note } => {
            with_note(format!("Promise {} broken", seq_of(state, *promise)), note)
        }
        Event::OfferMade {
            by, what, value, ..
        } => {
            let who = by.as_deref().unwrap_or("They");
            match value {
                Some(v) => format!("Offer from {who}: {what} ({v})"),
                None => format!("Offer from {who}: {what}"),
            }
        }
        Event::OfferAnswered {
            offer,
            answer,
            note,
        } => with_note(
            format!("Offer {} {}", seq_of(state, *offer), offer_answer(*answer)),
            note,
        ),
        Event::EscalationRequested { to, reason, .. } => {
            let s = match to {
                Some(t) => format!("Asked to escalate to {t}"),
                None => "Asked to escalate".to_string(),
            };
            match reason {
                Some(r) => format!("{s}, because {r}"),
                None => s,
            }
        }
        Event::EscalationAnswered {
            escalation,
            outcome,
            note,
        } => with_note(
            format!(
                "Escalation {}: {}",
                seq_of(state, *escalation),
                escalation_outcome(*outcome)
            ),
            note,
        ),
        Event::ContactEnded {
            contact,
            outcome,
            rating,
        } => {
            let mut s = "Contact ended".to_string();
            if let Some(c) = state.contact(*contact) {
                s = format!(
                    "{} ended after {}",
                    contact_noun(c.channel),
                    duration(c.duration(e.at))
                );
                let hold = c.hold_time(e.at);
                if hold > SignedDuration::ZERO {
                    s.push_str(&format!(", {} on hold", duration(hold)));
                }
            }
            if let Some(o) = outcome {
                s.push_str(&format!(": {o}"));
            }
            if let Some(r) = rating {
                s.push_str(&format!(" (rated {r}/5)"));
            }
            s
        }
        Event::ExpenseIncurred { what, amount } => format!("Expense: {amount} for {what}"),
        Event::TimeSpent { minutes, what } => {
            format!(
                "Time spent: {} on {what}",
                duration(SignedDuration::from_mins(i64::from(*minutes)))
            )
        }
        Event::FollowUpPlanned { what, due } => {
            format!("Follow-up planned for {}: {what}", when(*due, tz))
        }
        Event::FollowUpDone { follow_up, note } => with_note(
            format!("Follow-up {} done", seq_of(state, *follow_up)),
            note,
        ),
        Event::LetterSent { to, kind, via, .. } => match via {
            Some(v) => format!("Letter ({kind}) sent to {to} by {v}"),
            None => format!("Letter ({kind}) sent to {to}"),
        },
        Event::AttachmentAdded {
            name,
            sha256,
            bytes,
        } => {
            format!(
                "Attached {name} ({bytes} bytes, sha256 {})",
                &sha256[..12.min(sha256.len())]
            )
        }
        Event::StatusChanged { status, note } => {
            with_note(format!("Status: {}", status.as_str()), note)
        }
        Event::CaseAssigned { client, helper } => {
            let who = match helper {
                Some(h) => format!("Worked by {h}"),
                None => "Not assigned to a helper".to_string(),
            };
            match client {
                Some(c) => format!("{who}; for {c}"),
                None => who,
            }
        }
        Event::LessonLearned { text } => format!("Lesson: {text}"),
        Event::Amended {
            target,
            reason,
            correction,
            retracts,
        } => {
            let target_is_sensitive = state
                .facts
                .iter()
                .any(|f| f.origin.entry == *target && f.fact.sensitive);
            let mut s = if *retracts {
                format!(
                    "Amends {}: withdrawn, because {reason}",
                    seq_of(state, *target)
                )
            } else {
                format!("Amends {}, because {reason}", seq_of(state, *target))
            };
            if let Some(c) = correction {
                let c = if target_is_sensitive && !reveal {
                    mask(c)
                } else {
                    c.clone()
                };
                s.push_str(&format!(". Correction: {c}"));
            }
            s
        }
        Event::CompanyCreated { name } => format!("Company recorded: {name}"),
        Event::CompanyAliasAdded { alias } => format!("Also known as {alias}"),
        Event::CompanyChannelAdded { channel } => format!("Channel: {}", channel.value),
    }
}

/// ` [withdrawn]`, ` [amended by #22, #30]`, or nothing: how every view marks an
/// entry that later entries corrected.
pub fn marks(retracted: bool, amended_by: &[u64]) -> String {
    let mut m = String::new();
    if retracted {
        m.push_str(" [withdrawn]");
    }
    if !amended_by.is_empty() {
        let by: Vec<String> = amended_by.iter().map(|s| format!("#{s}")).collect();
        m.push_str(&format!(" [amended by {}]", by.join(", ")));
    }
    m
}

/// One row of a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub seq: u64,
    pub at: Timestamp,
    pub recorded: Timestamp,
    pub kind: String,
    pub text: String,
    /// The contact this entry belongs to, by its seq.
    pub contact: Option<u64>,
    pub amended_by: Vec<u64>,
    pub retracted: bool,
}

/// The case in the order things happened (by `at`, then by position).
pub fn timeline(
    entries: &[Entry],
    state: &CaseState,
    tz: &TimeZone,
    reveal: bool,
) -> Vec<TimelineRow> {
    Timeline::new(entries, state, tz, reveal).rows().collect()
}

/// A case's timeline made one row at a time, so a long case can be written
/// out without every row (and its text) held at once.
pub struct Timeline<'a> {
    entries: &'a [Entry],
    state: std::borrow::Cow<'a, CaseState>,
    tz: &'a TimeZone,
    reveal: bool,
    amendments: std::collections::HashMap<uuid::Uuid, (Vec<u64>, bool)>,
    /// Positions in `entries`, by `at` and then by position.
    order: Vec<u32>,
}

impl<'a> Timeline<'a> {
    pub fn new(entries: &'a [Entry], state: &'a CaseState, tz: &'a TimeZone, reveal: bool) -> Self {
        // A state read from its parts has no index of entries; these entries
        // give it one, so each lookup is one probe, not a walk of the case.
        let state = if state.index.0.len() < entries.len() {
            let mut s = state.clone();
            s.index.0.extend(entries.iter().map(|e| (e.id, e.seq)));
            std::borrow::Cow::Owned(s)
        } else {
            std::borrow::Cow::Borrowed(state)
        };
        let mut amendments: std::collections::HashMap<uuid::Uuid, (Vec<u64>, bool)> =
            std::collections::HashMap::new();
        for a in &state.amendments {
            let slot = amendments.entry(a.target).or_default();
            slot.0.push(a.origin.seq);
            slot.1 |= a.retracts;
        }
        let mut order: Vec<u32> = (0..entries.len() as u32).collect();
        order.sort_by_key(|&i| (entries[i as usize].at, entries[i as usize].seq));
        Timeline {
            entries,
            state,
            tz,
            reveal,
            amendments,
            order,
        }
    }

    pub fn rows(&self) -> impl Iterator<Item = TimelineRow> + '_ {
        self.order
            .iter()
            .map(|&i| self.row(&self.entries[i as usize]))
    }

    fn row(&self, e: &Entry) -> TimelineRow {
        let state: &CaseState = &self.state;
        let contact = contact_of(&e.event)
            .and_then(|c| state.seq_of(c))
            .or(match e.event {
                Event::ContactStarted { .. } => Some(e.seq),
                _ => None,
            });
        let (amended_by, retracted) = self.amendments.get(&e.id).cloned().unwrap_or_default();
        TimelineRow {
            seq: e.seq,
            at: e.at,
            recorded: e.recorded,
            kind: e.event.kind().to_string(),
            text: describe(e, state, self.tz, self.reveal),
            contact,
            amended_by,
            retracted,
        }
    }
}

/// The contact an event happened in, if it names one.
pub fn contact_of(ev: &Event) -> Option<uuid::Uuid> {
    match ev {
        Event::RepJoined { contact, .. }
        | Event::HoldStarted { contact }
        | Event::HoldEnded { contact }
        | Event::FrustrationNoted { contact }
        | Event::EmailRecorded { contact, .. }
        | Event::ContactEnded { contact, .. } => Some(*contact),
        Event::ReferenceRecorded { contact, .. }
        | Event::NoteAdded { contact, .. }
        | Event::PromiseMade { contact, .. }
        | Event::OfferMade { contact, .. }
        | Event::EscalationRequested { contact, .. } => *contact,
        _ => None,
    }
}

/// A copy of the entry fit to show or export: sensitive values masked unless revealed.
pub fn masked_entry(e: &Entry, state: &CaseState, reveal: bool) -> Entry {
    if reveal {
        return e.clone();
    }
    let mut out = e.clone();
    match &mut out.event {
        Event::FactRecorded(f) if f.sensitive => f.value = mask(&f.value),
        Event::Amended {
            target,
            correction: Some(c),
            ..
        } if state
            .facts
            .iter()
            .any(|f| f.origin.entry == *target && f.fact.sensitive) =>
        {
            *c = mask(c)
        }
        _ => {}
    }
    out
}

/// A copy of the state fit to show: sensitive facts (and corrections to them) masked.
pub fn masked_state(s: &CaseState, reveal: bool) -> CaseState {
    if reveal {
        return s.clone();
    }
    let mut out = s.clone();
    let sensitive: Vec<uuid::Uuid> = s
        .facts
        .iter()
        .filter(|f| f.fact.sensitive)
        .map(|f| f.origin.entry)
        .collect();
    for f in out.facts.iter_mut().filter(|f| f.fact.sensitive) {
        f.fact.value = mask(&f.fact.value);
        if let Some(o) = &mut f.origin.original {
            *o = mask(o);
        }
    }
    for a in out
        .amendments
        .iter_mut()
        .filter(|a| sensitive.contains(&a.target))
    {
        if let Some(c) = &mut a.correction {
            *c = mask(c);
        }
    }
    out
}

/// Replaces line breaks so one item stays on one line.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_one_line(&mut out, s);
    out
}

/// Whitespace as `char::is_whitespace` has it, for ASCII (vertical tab
/// included, which `u8::is_ascii_whitespace` leaves out).
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// [`one_line`] written onto the end of `out`.
pub fn push_one_line(out: &mut String, s: &str) {
    // Most text is on one line with single spaces: copied as is.
    let b = s.as_bytes();
    let (odd_space, non_ascii) = crate::scan::scan_bytes(b, |c| is_space(c) && c != b' ');
    let plain = !odd_space
        && b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && memchr::memmem::find(b, b"  ").is_none()
        && (!non_ascii || !s.chars().any(|c| c.is_whitespace() && c != ' '));
    if plain {
        out.push_str(s);
        return;
    }
    if s.is_ascii() {
        // Runs of text with single spaces are copied whole; only a break,
        // a tab or several spaces cut a run. Splitting by char would decode
        // every one.
        out.reserve(b.len());
        let mut i = 0;
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        let mut start = i;
        while i < b.len() {
            if !is_space(b[i]) {
                i += 1;
                continue;
            }
            let gap = i;
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            if i == b.len() {
                out.push_str(&s[start..gap]);
                start = i;
            } else if !(i - gap == 1 && b[gap] == b' ') {
                out.push_str(&s[start..gap]);
                out.push(' ');
                start = i;
            }
        }
        out.push_str(&s[start..]);
    } else {
        for (i, word) in s.split_whitespace().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rep_reads_with_what_is_known_of_them() {
        let mut r = Rep {
            name: "Ana Novak".into(),
            ext: None,
            email: None,
            department: None,
            role: None,
            reports_to: None,
        };
        assert_eq!(rep(&r), "Ana Novak");
        r.department = Some("Billing".into());
        assert_eq!(rep(&r), "Ana Novak (Billing)");
        r.ext = Some("7067".into());
        r.role = Some("supervisor".into());
        r.email = Some("ana@example.com".into());
        r.reports_to = Some("Robin Reyes".into());
        assert_eq!(
            rep(&r),
            "Ana Novak (ext 7067, Billing, supervisor, ana@example.com, reports to Robin Reyes)"
        );
    }

    #[test]
    fn times_read_in_the_given_zone() {
        let t: Timestamp = "2026-03-08T09:05:00Z".parse().unwrap();
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(clock(t, &TimeZone::UTC), "09:05");
        assert_eq!(clock(t, &ny), "05:05");
        assert_eq!(when(t, &ny), "2026-03-08 05:05");
        let late: Timestamp = "2026-12-31T23:59:00Z".parse().unwrap();
        assert_eq!(clock(late, &TimeZone::UTC), "23:59");
    }
}
