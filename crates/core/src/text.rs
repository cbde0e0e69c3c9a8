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
    let mut out = String::with_capacity(16);
    push_when(&mut out, t, tz);
    out
}

/// [`when`] written onto the end of `out`.
pub fn push_when(out: &mut String, t: Timestamp, tz: &TimeZone) {
    // Written by hand: a timeline prints thousands, and both strftime and
    // padded formatting cost more than the digits. The years casefile
    // records have four digits.
    let d = tz.to_datetime(t);
    let Ok(year) = u16::try_from(d.year()) else {
        use std::fmt::Write as _;
        let _ = write!(out, "{}", d.strftime("%Y-%m-%d %H:%M"));
        return;
    };
    push_digits(out, year, 4);
    let parts = [
        ('-', d.month()),
        ('-', d.day()),
        (' ', d.hour()),
        (':', d.minute()),
    ];
    for (sep, n) in parts {
        out.push(sep);
        push_digits(out, n as u16, 2);
    }
}

/// `14:05` in the given zone.
pub fn clock(t: Timestamp, tz: &TimeZone) -> String {
    let mut out = String::with_capacity(5);
    push_clock(&mut out, t, tz);
    out
}

/// [`clock`] written onto the end of `out`.
pub fn push_clock(out: &mut String, t: Timestamp, tz: &TimeZone) {
    // By hand, as `when`: a long case page prints one per representative.
    let d = tz.to_datetime(t);
    push_digits(out, d.hour() as u16, 2);
    out.push(':');
    push_digits(out, d.minute() as u16, 2);
}

/// `1h 05m`, `47m`, `0m`.
pub fn duration(d: SignedDuration) -> String {
    let mut out = String::with_capacity(8);
    push_duration(&mut out, d);
    out
}

/// [`duration`] written onto the end of `out`.
pub fn push_duration(out: &mut String, d: SignedDuration) {
    use std::fmt::Write as _;
    let mins = d.as_secs().max(0) / 60;
    let _ = if mins >= 60 {
        write!(out, "{}h {:02}m", mins / 60, mins % 60)
    } else {
        write!(out, "{mins}m")
    };
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
    let mut out = String::with_capacity(r.name.len() + 48);
    push_rep(&mut out, r);
    out
}

/// [`rep`] written onto the end of `out`.
pub fn push_rep(out: &mut String, r: &Rep) {
    // Pushed in place: a long case page names a representative per contact.
    out.push_str(&r.name);
    let mut first = true;
    let mut part = |out: &mut String, lead: &str, x: &str| {
        out.push_str(if first { " (" } else { ", " });
        first = false;
        out.push_str(lead);
        out.push_str(x);
    };
    if let Some(x) = &r.ext {
        part(out, "ext ", x);
    }
    for x in [&r.department, &r.role, &r.email].into_iter().flatten() {
        part(out, "", x);
    }
    if let Some(x) = &r.reports_to {
        part(out, "reports to ", x);
    }
    if !first {
        out.push(')');
    }
}

/// A fact's value as it may be shown.
pub fn fact_value(f: &Fact, reveal: bool) -> String {
    if f.sensitive && !reveal {
        mask(&f.value)
    } else {
        f.value.clone()
    }
}

/// `: note` after what was written, if there is a note.
fn push_note(out: &mut String, note: &Option<String>) {
    if let Some(n) = note {
        out.push_str(": ");
        out.push_str(n);
    }
}

/// `#12`, or `?` for an entry this case does not hold.
fn push_seq_of(out: &mut String, state: &CaseState, id: uuid::Uuid) {
    use std::fmt::Write as _;
    match state.seq_of(id) {
        Some(s) => {
            let _ = write!(out, "#{s}");
        }
        None => out.push('?'),
    }
}

/// One line describing what an entry records.
pub fn describe(e: &Entry, state: &CaseState, tz: &TimeZone, reveal: bool) -> String {
    let mut out = String::new();
    describe_into(&mut out, e, state, tz, reveal);
    out
}

/// [`describe`] written onto the end of `out` (a timeline reuses one buffer
/// for every row).
pub fn describe_into(out: &mut String, e: &Entry, state: &CaseState, tz: &TimeZone, reveal: bool) {
    use std::fmt::Write as _;
    // Writing into a String cannot fail.
    macro_rules! put {
        ($($t:tt)*) => {{
            let _ = write!(out, $($t)*);
        }};
    }
    match &e.event {
        Event::CaseOpened { title, .. } => put!("Case opened: {title}"),
        Event::GoalSet(g) => {
            let verb = if state.goals.first().is_some_and(|f| f.origin.entry == e.id) {
                "Goal set"
            } else {
                "Goal revised"
            };
            put!("{verb}: {} → wants: {}", g.problem, g.resolution);
            if let Some(r) = &g.reason {
                put!(" (why: {r})");
            }
        }
        Event::FactRecorded(f) => {
            put!("Fact, {}: ", fact_kind(f.kind));
            if let Some(l) = &f.label {
                put!("{l}: ");
            }
            out.push_str(&fact_value(f, reveal));
        }
        Event::ContactStarted {
            channel: ch,
            direction,
            via,
        } => {
            let dir = match direction {
                Direction::Outbound => "to the company",
                Direction::Inbound => "from the company",
            };
            put!("{} {dir} started ({}", contact_noun(*ch), channel(*ch));
            if let Some(v) = via {
                put!(", {v}");
            }
            out.push(')');
        }
        Event::RepJoined { contact, rep: r } => {
            let visit = state
                .contact(*contact)
                .and_then(|c| c.reps.iter().find(|v| v.origin.entry == e.id));
            match visit.and_then(|v| v.transferred_from.as_ref()) {
                Some(from) => put!("Transferred from {from} to {}", rep(r)),
                None => put!("Speaking with {}", rep(r)),
            }
        }
        Event::ReferenceRecorded { kind, value, .. } => put!("Got {}: {value}", ref_kind(*kind)),
        Event::NoteAdded { text, .. } => {
            out.push_str("Note: ");
            out.push_str(text);
        }
        Event::HoldStarted { .. } => out.push_str("Put on hold"),
        Event::HoldEnded { .. } => out.push_str("Back from hold"),
        Event::FrustrationNoted { .. } => out.push_str("Marked as frustrated"),
        Event::EmailRecorded { subject, from, .. } => match (from, subject) {
            (Some(f), Some(s)) => put!("Email from {f}: {s}"),
            (Some(f), None) => put!("Email from {f}"),
            (None, Some(s)) => put!("Email: {s}"),
            (None, None) => out.push_str("Email"),
        },
        Event::PromiseMade { by, what, due, .. } => {
            let who = by.as_deref().unwrap_or("They");
            put!("Promise: {who} will {what}");
            if let Some(d) = due {
                out.push_str(", by ");
                push_when(out, *d, tz);
            }
        }
        Event::PromiseKept { promise, note } => {
            out.push_str("Promise ");
            push_seq_of(out, state, *promise);
            out.push_str(" kept");
            push_note(out, note);
        }
        Event::PromiseBroken { promise, note } => {
            out.push_str("Promise ");
            push_seq_of(out, state, *promise);
            out.push_str(" broken");
            push_note(out, note);
        }
        Event::OfferMade {
            by, what, value, ..
        } => {
            match by {
                Some(who) => put!("Offer from {who}: {what}"),
                None => put!("Offer: {what}"),
            }
            if let Some(v) = value {
                put!(" ({v})");
            }
        }
        Event::OfferAnswered {
            offer,
            answer,
            note,
        } => {
            out.push_str("Offer ");
            push_seq_of(out, state, *offer);
            put!(" {}", offer_answer(*answer));
            push_note(out, note);
        }
        Event::EscalationRequested { to, reason, .. } => {
            out.push_str("Asked to escalate");
            if let Some(t) = to {
                put!(" to {t}");
            }
            if let Some(r) = reason {
                put!(", because {r}");
            }
        }
        Event::EscalationAnswered {
            escalation,
            outcome,
            note,
        } => {
            out.push_str("Escalation ");
            push_seq_of(out, state, *escalation);
            put!(": {}", escalation_outcome(*outcome));
            push_note(out, note);
        }
        Event::ContactEnded {
            contact,
            outcome,
            rating,
        } => {
            match state.contact(*contact) {
                Some(c) => {
                    put!(
                        "{} ended after {}",
                        contact_noun(c.channel),
                        duration(c.duration(e.at))
                    );
                    let hold = c.hold_time(e.at);
                    if hold > SignedDuration::ZERO {
                        put!(", {} on hold", duration(hold));
                    }
                }
                None => out.push_str("Contact ended"),
            }
            if let Some(o) = outcome {
                put!(": {o}");
            }
            if let Some(r) = rating {
                put!(" (rated {r}/5)");
            }
        }
        Event::ExpenseIncurred { what, amount } => put!("Expense: {amount} for {what}"),
        Event::TimeSpent { minutes, what } => put!(
            "Time spent: {} on {what}",
            duration(SignedDuration::from_mins(i64::from(*minutes)))
        ),
        Event::FollowUpPlanned { what, due } => {
            out.push_str("Follow-up planned for ");
            push_when(out, *due, tz);
            put!(": {what}");
        }
        Event::FollowUpDone { follow_up, note } => {
            out.push_str("Follow-up ");
            push_seq_of(out, state, *follow_up);
            out.push_str(" done");
            push_note(out, note);
        }
        Event::LetterSent { to, kind, via, .. } => {
            put!("Letter ({kind}) sent to {to}");
            if let Some(v) = via {
                put!(" by {v}");
            }
        }
        Event::AttachmentAdded {
            name,
            sha256,
            bytes,
        } => put!(
            "Attached {name} ({bytes} bytes, sha256 {})",
            &sha256[..12.min(sha256.len())]
        ),
        Event::StatusChanged { status, note } => {
            put!("Status: {}", status.as_str());
            push_note(out, note);
        }
        Event::CaseAssigned { client, helper } => {
            match helper {
                Some(h) => put!("Worked by {h}"),
                None => out.push_str("Not assigned to a helper"),
            }
            if let Some(c) = client {
                put!("; for {c}");
            }
        }
        Event::LessonLearned { text } => put!("Lesson: {text}"),
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
            out.push_str("Amends ");
            push_seq_of(out, state, *target);
            if *retracts {
                out.push_str(": withdrawn");
            }
            put!(", because {reason}");
            if let Some(c) = correction {
                out.push_str(". Correction: ");
                if target_is_sensitive && !reveal {
                    out.push_str(&mask(c));
                } else {
                    out.push_str(c);
                }
            }
        }
        Event::CompanyCreated { name } => put!("Company recorded: {name}"),
        Event::CompanyAliasAdded { alias } => put!("Also known as {alias}"),
        Event::CompanyChannelAdded { channel } => put!("Channel: {}", channel.value),
    }
}

/// ` [withdrawn]`, ` [amended by #22, #30]`, or nothing: how every view marks an
/// entry that later entries corrected.
pub fn marks(retracted: bool, amended_by: &[u64]) -> String {
    let mut m = String::new();
    push_marks(&mut m, retracted, amended_by);
    m
}

/// [`marks`] written onto the end of `out`.
pub fn push_marks(out: &mut String, retracted: bool, amended_by: &[u64]) {
    use std::fmt::Write as _;
    if retracted {
        out.push_str(" [withdrawn]");
    }
    for (i, s) in amended_by.iter().enumerate() {
        let lead = if i == 0 { " [amended by #" } else { ", #" };
        let _ = write!(out, "{lead}{s}");
    }
    if !amended_by.is_empty() {
        out.push(']');
    }
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

    /// Each row in turn, borrowed, with its text written into one buffer
    /// reused for every row: what a long timeline written as text needs,
    /// without a row's strings made and dropped thousands of times.
    pub fn each_line<E>(
        &self,
        mut f: impl FnMut(&TimelineLine<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut text = String::new();
        for &i in &self.order {
            let e = &self.entries[i as usize];
            text.clear();
            describe_into(&mut text, e, &self.state, self.tz, self.reveal);
            let (amended_by, retracted) = self
                .amendments
                .get(&e.id)
                .map_or((&[][..], false), |(by, r)| (&by[..], *r));
            f(&TimelineLine {
                seq: e.seq,
                at: e.at,
                kind: e.event.kind(),
                text: &text,
                contact: self.contact(e),
                amended_by,
                retracted,
            })?;
        }
        Ok(())
    }

    fn contact(&self, e: &Entry) -> Option<u64> {
        contact_of(&e.event)
            .and_then(|c| self.state.seq_of(c))
            .or(match e.event {
                Event::ContactStarted { .. } => Some(e.seq),
                _ => None,
            })
    }

    fn row(&self, e: &Entry) -> TimelineRow {
        let (amended_by, retracted) = self.amendments.get(&e.id).cloned().unwrap_or_default();
        TimelineRow {
            seq: e.seq,
            at: e.at,
            recorded: e.recorded,
            kind: e.event.kind().to_string(),
            text: describe(e, &self.state, self.tz, self.reveal),
            contact: self.contact(e),
            amended_by,
            retracted,
        }
    }
}

/// A [`TimelineRow`] borrowed for writing: see [`Timeline::each_line`].
pub struct TimelineLine<'a> {
    pub seq: u64,
    pub at: Timestamp,
    pub kind: &'static str,
    pub text: &'a str,
    pub contact: Option<u64>,
    pub amended_by: &'a [u64],
    pub retracted: bool,
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

/// A space other than ' ' (tab, line break, vertical tab, form feed,
/// carriage return).
fn odd_space(c: u8) -> bool {
    c.wrapping_sub(b'\t') < 5
}

/// Where, from `from` on, the first space other than ' ' or the first of
/// two spaces together is.
fn next_irregular(b: &[u8], from: usize) -> Option<usize> {
    let irregular = |i: usize| odd_space(b[i]) || (b[i] == b' ' && b.get(i + 1) == Some(&b' '));
    let block_hit = |w: &[u8; 65]| {
        let mut hit = 0u8;
        for j in 0..64 {
            hit |=
                u8::from(odd_space(w[j])) | (u8::from(w[j] == b' ') & u8::from(w[j + 1] == b' '));
        }
        hit != 0
    };
    let mut i = from;
    // Blocks of 64 bytes (and the one after), each checked whole with
    // byte-wide flags, which compiles to vector compares; the byte is
    // looked for only in the block that has it. The last block is copied
    // into one padded with zeros, which are not spaces.
    while i < b.len() {
        let hit = match b.get(i..i + 65) {
            Some(w) => block_hit(w.try_into().ok()?),
            None => {
                let mut w = [0u8; 65];
                w[..b.len() - i].copy_from_slice(&b[i..]);
                block_hit(&w)
            }
        };
        if hit {
            return (i..(i + 64).min(b.len())).find(|&j| irregular(j));
        }
        i += 64;
    }
    None
}

/// [`one_line`] written onto the end of `out`.
pub fn push_one_line(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let edges_plain = b.first() != Some(&b' ') && b.last() != Some(&b' ');
    if !b.is_ascii() {
        let plain = edges_plain
            && next_irregular(b, 0).is_none()
            && !s.chars().any(|c| c.is_whitespace() && c != ' ');
        if plain {
            out.push_str(s);
        } else {
            for (i, word) in s.split_whitespace().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
        return;
    }
    // ASCII: the words joined by one space. The runs between breaks, tabs
    // and double spaces are copied whole (most text is one run).
    let Some(start) = b.iter().position(|&c| !is_space(c)) else {
        return;
    };
    let end = b
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |e| e + 1);
    let mut i = start;
    while let Some(j) = next_irregular(&b[..end], i) {
        // A single space before the break goes with the break.
        let cut = if j > i && b[j - 1] == b' ' { j - 1 } else { j };
        out.push_str(&s[i..cut]);
        out.push(' ');
        i = j;
        while is_space(b[i]) {
            i += 1;
        }
    }
    out.push_str(&s[i..end]);
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
