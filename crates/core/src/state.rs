//! A case's state: a pure fold over its entries. Every item remembers the
//! entry it came from, so views can cite `#seq` and amendments can mark it.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entry::Entry;
use crate::event::*;
use crate::money::{Money, totals};
use crate::scan;

/// What makes an entry impossible in the state it would join.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("a case journal must begin with the case being opened")]
    NotOpened,
    #[error("this case is already open; a journal has one opening")]
    AlreadyOpened,
    #[error("{0} is empty; give it some text")]
    Empty(&'static str),
    #[error("{what} is {len} bytes, over the limit of {limit} bytes; attach it as a file instead")]
    TooLong {
        what: &'static str,
        len: usize,
        limit: usize,
    },
    #[error("{what} contains control characters or invisible direction overrides; remove them")]
    ControlChars { what: &'static str },
    #[error("there is no {what} {id} in this case")]
    Missing { what: &'static str, id: Uuid },
    #[error("contact #{0} has already ended")]
    ContactEnded(u64),
    #[error("contact #{0} is already on hold")]
    AlreadyOnHold(u64),
    #[error("contact #{0} is not on hold")]
    NotOnHold(u64),
    #[error("the {what} #{seq} was already answered")]
    AlreadyAnswered { what: &'static str, seq: u64 },
    #[error("a rating is from 1 to 5, not {0}")]
    Rating(u8),
    #[error("this event belongs to a {0:?} journal, not this one")]
    WrongStream(StreamKind),
    #[error("{0}")]
    Invalid(String),
}

/// Longest text one entry may carry; above it, attach a file.
pub const MAX_TEXT: usize = 64 * 1024;

pub(crate) fn check_text(what: &'static str, s: &str, required: bool) -> Result<(), DomainError> {
    if required && s.trim().is_empty() {
        return Err(DomainError::Empty(what));
    }
    if s.len() > MAX_TEXT {
        return Err(DomainError::TooLong {
            what,
            len: s.len(),
            limit: MAX_TEXT,
        });
    }
    // Newlines and tabs are text; other C0/C1 controls are terminal escapes or
    // noise, and the bidirectional overrides and isolates make a record read
    // differently from what it holds. None is ASCII but C0 and DEL, so ASCII
    // text is checked by byte.
    let (ascii_control, non_ascii) = scan::scan_bytes(s.as_bytes(), |c| {
        (c < 0x20 && !matches!(c, b'\n' | b'\t' | b'\r')) || c == 0x7f
    });
    let control = if !non_ascii {
        ascii_control
    } else {
        s.chars().any(|c| {
            (c.is_control() && c != '\n' && c != '\t' && c != '\r')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
    };
    if control {
        return Err(DomainError::ControlChars { what });
    }
    Ok(())
}

fn check_opt(what: &'static str, s: &Option<String>) -> Result<(), DomainError> {
    match s {
        Some(s) => check_text(what, s, true),
        None => Ok(()),
    }
}

/// Where an item came from in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub entry: Uuid,
    pub seq: u64,
    #[serde(deserialize_with = "crate::instant::de::timestamp")]
    pub at: Timestamp,
    /// Set when a later amendment retracted it: it no longer counts.
    #[serde(default)]
    pub retracted: bool,
    /// Seqs of amendments made to it.
    #[serde(default)]
    pub amended_by: Vec<u64>,
    /// The principal text as first recorded, when a correction replaced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
}

impl Origin {
    fn of(e: &Entry) -> Origin {
        Origin {
            entry: e.id,
            seq: e.seq,
            at: e.at,
            retracted: false,
            amended_by: vec![],
            original: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalVersion {
    pub origin: Origin,
    pub goal: Goal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactItem {
    pub origin: Origin,
    pub fact: Fact,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepVisit {
    pub origin: Origin,
    pub rep: Rep,
    /// The rep before this one in the same contact, when this join was a transfer.
    pub transferred_from: Option<String>,
}

impl RepVisit {
    pub fn is_transfer(&self) -> bool {
        self.transferred_from.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    #[serde(deserialize_with = "crate::instant::de::timestamp")]
    pub start: Timestamp,
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub end: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub origin: Origin,
    pub channel: Channel,
    pub direction: Direction,
    pub via: Option<String>,
    #[serde(deserialize_with = "exactly")]
    pub reps: Vec<RepVisit>,
    pub holds: Vec<Hold>,
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub ended: Option<Timestamp>,
    pub outcome: Option<String>,
    pub rating: Option<u8>,
    /// When the person last marked that they were frustrated in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::instant::de::option")]
    pub frustrated: Option<Timestamp>,
    /// The email message this contact is, when it was imported from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailMeta>,
}

/// A list read with no room to spare: a long case's contacts each hold a
/// few reps, and room for four apiece would double what a read touches.
fn exactly<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    let mut v = Vec::<T>::deserialize(d)?;
    v.shrink_to_fit();
    Ok(v)
}

/// What identifies an imported email and its thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailMeta {
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub subject: Option<String>,
}

impl Contact {
    pub fn started(&self) -> Timestamp {
        self.origin.at
    }

    pub fn is_open(&self) -> bool {
        self.ended.is_none()
    }

    /// Length of the contact; an open one is measured up to `now`.
    pub fn duration(&self, now: Timestamp) -> SignedDuration {
        let end = self.ended.unwrap_or(now);
        end.duration_since(self.origin.at).max(SignedDuration::ZERO)
    }

    pub fn hold_time(&self, now: Timestamp) -> SignedDuration {
        let end_of_contact = self.ended.unwrap_or(now);
        self.holds
            .iter()
            .map(|h| {
                h.end
                    .unwrap_or(end_of_contact)
                    .duration_since(h.start)
                    .max(SignedDuration::ZERO)
            })
            .sum()
    }

    pub fn on_hold(&self) -> bool {
        self.holds.last().is_some_and(|h| h.end.is_none())
    }

    pub fn live_reps(&self) -> impl Iterator<Item = &RepVisit> {
        self.reps.iter().filter(|r| !r.origin.retracted)
    }

    pub fn transfers(&self) -> usize {
        self.live_reps().filter(|r| r.is_transfer()).count()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub origin: Origin,
    pub contact: Option<Uuid>,
    pub kind: RefKind,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteItem {
    pub origin: Origin,
    pub contact: Option<Uuid>,
    /// The start of the note. The whole text stays in the journal (timeline,
    /// search, export); the state keeps what views show, so it stays small
    /// and each append rewrites little.
    pub preview: String,
    /// The note's full length in characters.
    pub chars: usize,
}

/// How much of a note the state keeps.
pub const NOTE_PREVIEW: usize = 280;

/// Characters in `text`; ASCII (most notes) is counted by its length.
fn char_count(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

fn preview(text: &str) -> String {
    // The first NOTE_PREVIEW characters, cut at a character's boundary.
    let b = text.as_bytes();
    if b.len() <= NOTE_PREVIEW {
        return text.to_string();
    }
    let cut = if b[..=NOTE_PREVIEW].is_ascii() {
        NOTE_PREVIEW
    } else {
        match text.char_indices().nth(NOTE_PREVIEW) {
            None => return text.to_string(),
            Some((cut, _)) => cut,
        }
    };
    // Sized once: a long case folds a preview per note.
    let mut out = String::with_capacity(cut + '…'.len_utf8());
    out.push_str(&text[..cut]);
    out.push('…');
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromiseState {
    Open,
    Kept,
    Broken,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    pub origin: Origin,
    pub contact: Option<Uuid>,
    pub by: Option<String>,
    pub what: String,
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub due: Option<Timestamp>,
    pub state: PromiseState,
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub settled_at: Option<Timestamp>,
    pub note: Option<String>,
}

impl Promise {
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.state == PromiseState::Open && self.due.is_some_and(|d| d < now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub origin: Origin,
    pub contact: Option<Uuid>,
    pub by: Option<String>,
    pub what: String,
    pub value: Option<Money>,
    pub answer: Option<OfferAnswer>,
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub answered_at: Option<Timestamp>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub origin: Origin,
    pub contact: Option<Uuid>,
    pub to: Option<String>,
    pub reason: Option<String>,
    pub outcome: Option<EscalationOutcome>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpenseItem {
    pub origin: Origin,
    pub what: String,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeItem {
    pub origin: Origin,
    pub minutes: u32,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub origin: Origin,
    pub what: String,
    #[serde(deserialize_with = "crate::instant::de::timestamp")]
    pub due: Timestamp,
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub done_at: Option<Timestamp>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub origin: Origin,
    pub to: String,
    pub kind: String,
    pub via: Option<String>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub origin: Origin,
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub origin: Origin,
    pub status: Status,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lesson {
    pub origin: Origin,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentItem {
    pub origin: Origin,
    pub target: Uuid,
    pub target_seq: u64,
    pub reason: String,
    pub correction: Option<String>,
    pub retracts: bool,
}

/// Everything known about a case, folded from its journal.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseState {
    pub id: Uuid,
    pub title: String,
    pub company: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub opened: Option<Timestamp>,
    /// Who the case is for, on a shared server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The helper working the case, by email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helper: Option<String>,
    pub goals: Vec<GoalVersion>,
    pub facts: Vec<FactItem>,
    pub contacts: Vec<Contact>,
    pub references: Vec<Reference>,
    pub notes: Vec<NoteItem>,
    pub promises: Vec<Promise>,
    pub offers: Vec<Offer>,
    pub escalations: Vec<Escalation>,
    pub expenses: Vec<ExpenseItem>,
    pub time_spent: Vec<TimeItem>,
    pub follow_ups: Vec<FollowUp>,
    pub letters: Vec<Letter>,
    pub attachments: Vec<Attachment>,
    pub statuses: Vec<StatusChange>,
    pub lessons: Vec<Lesson>,
    pub amendments: Vec<AmendmentItem>,
    /// How many entries have been applied: the stream's head.
    pub head: u64,
    /// The latest `at` seen.
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub last_at: Option<Timestamp>,
    /// Entry id to position, for amendments that name an entry creating no
    /// item. Filled by a whole fold; a store's partial state holds only what
    /// one append needs. Not part of the state's value.
    #[serde(skip)]
    pub index: EntryIndex,
}

/// Entry ids seen by a fold, with their positions. Never compared or stored:
/// the journal already holds it. Hashed with foldhash, still seeded per
/// process: SipHash was a twentieth of a long case's timeline.
#[derive(Debug, Clone, Default)]
pub struct EntryIndex(pub std::collections::HashMap<Uuid, u64, foldhash::fast::RandomState>);

/// An item that an entry of the journal made.
pub trait Made {
    fn origin(&self) -> &Origin;
}

macro_rules! made {
    ($($t:ty),*) => {
        $(impl Made for $t {
            fn origin(&self) -> &Origin {
                &self.origin
            }
        })*
    };
}
made!(Contact, Promise, Offer, Escalation, FollowUp);

/// Where the item made by entry `id` sits among `items`, which are kept in
/// journal order: found through the index in a few probes when the state has
/// one (a fold), by a walk otherwise (a state read in parts). Without this a
/// fold of a long case is quadratic: every rep, hold and answer looked its
/// target up from the start.
fn locate<T: Made>(items: &[T], index: &EntryIndex, id: Uuid) -> Option<usize> {
    if let Some(seq) = index.0.get(&id)
        && let Ok(i) = items.binary_search_by_key(seq, |x| x.origin().seq)
        && items[i].origin().entry == id
    {
        return Some(i);
    }
    items.iter().position(|x| x.origin().entry == id)
}

impl PartialEq for EntryIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for EntryIndex {}

impl CaseState {
    /// Folds a whole journal. Fails on the first entry that cannot apply,
    /// but for an entry from a device's series that its place allows: two
    /// devices may each have done what only one could (both ended the same
    /// call), and the one merged later then changes nothing.
    pub fn fold(entries: &[Entry]) -> Result<CaseState, (u64, DomainError)> {
        let mut s = CaseState::default();
        for e in entries {
            s.apply_merged(e).map_err(|err| (e.seq, err))?;
        }
        Ok(s)
    }

    /// Applies an entry as the fold does: one from a device's series that
    /// cannot apply here is passed over (it keeps its place, changes nothing).
    pub fn apply_merged(&mut self, e: &Entry) -> Result<(), DomainError> {
        match self.apply(e) {
            Err(_) if self.may_pass_over(e) => {
                self.head = e.seq;
                Ok(())
            }
            r => r,
        }
    }

    /// Whether `e` may be passed over when it cannot apply: it comes from a
    /// device's series, at the next position, in an opened case.
    pub fn may_pass_over(&self, e: &Entry) -> bool {
        e.series.is_some()
            && e.seq == self.head + 1
            && self.head > 0
            && e.event.stream_kind() == StreamKind::Case
            && !matches!(e.event, Event::CaseOpened { .. })
    }

    pub fn seq(&self) -> u64 {
        self.head
    }

    /// Applies one entry, refusing it if it cannot belong here.
    /// On error the state is unchanged.
    pub fn apply(&mut self, e: &Entry) -> Result<(), DomainError> {
        self.check(e)?;
        let o = Origin::of(e);
        match &e.event {
            Event::CaseOpened { title, company } => {
                self.id = e.stream;
                self.title = title.clone();
                self.company = *company;
                self.opened = Some(e.at);
            }
            Event::GoalSet(goal) => self.goals.push(GoalVersion {
                origin: o,
                goal: goal.clone(),
            }),
            Event::FactRecorded(fact) => self.facts.push(FactItem {
                origin: o,
                fact: fact.clone(),
            }),
            Event::ContactStarted {
                channel,
                direction,
                via,
            } => self.contacts.push(Contact {
                origin: o,
                channel: *channel,
                direction: *direction,
                via: via.clone(),
                reps: vec![],
                holds: vec![],
                ended: None,
                outcome: None,
                rating: None,
                frustrated: None,
                email: None,
            }),
            Event::RepJoined { contact, rep } => {
                let c = self.contact_mut(*contact)?;
                let transferred_from = c.live_reps().last().map(|r| r.rep.name.clone());
                c.reps.push(RepVisit {
                    origin: o,
                    rep: rep.clone(),
                    transferred_from,
                });
            }
            Event::ReferenceRecorded {
                contact,
                kind,
                value,
            } => self.references.push(Reference {
                origin: o,
                contact: *contact,
                kind: *kind,
                value: value.clone(),
            }),
            Event::NoteAdded { contact, text } => self.notes.push(NoteItem {
                origin: o,
                contact: *contact,
                preview: preview(text),
                chars: char_count(text),
            }),
            Event::HoldStarted { contact } => self.contact_mut(*contact)?.holds.push(Hold {
                start: e.at,
                end: None,
            }),
            Event::HoldEnded { contact } => {
                if let Some(h) = self.contact_mut(*contact)?.holds.last_mut() {
                    h.end = Some(e.at);
                }
            }
            Event::FrustrationNoted { contact } => {
                self.contact_mut(*contact)?.frustrated = Some(e.at);
            }
            Event::EmailRecorded {
                contact,
                message_id,
                in_reply_to,
                subject,
                ..
            } => {
                self.contact_mut(*contact)?.email = Some(EmailMeta {
                    message_id: message_id.clone(),
                    in_reply_to: in_reply_to.clone(),
                    subject: subject.clone(),
                });
            }
            Event::PromiseMade {
                contact,
                by,
                what,
                due,
            } => self.promises.push(Promise {
                origin: o,
                contact: *contact,
                by: by.clone(),
                what: what.clone(),
                due: *due,
                state: PromiseState::Open,
                settled_at: None,
                note: None,
            }),
            Event::PromiseKept { promise, note } | Event::PromiseBroken { promise, note } => {
                let kept = matches!(e.event, Event::PromiseKept { .. });
                let p = locate(&self.promises, &self.index, *promise)
                    .map(|i| &mut self.promises[i])
                    .ok_or(DomainError::Missing {
                        what: "promise",
                        id: *promise,
                    })?;
                p.state = if kept {
                    PromiseState::Kept
                } else {
                    PromiseState::Broken
                };
                p.settled_at = Some(e.at);
                p.note = note.clone();
            }
            Event::OfferMade {
                contact,
                by,
                what,
                value,
            } => self.offers.push(Offer {
                origin: o,
                contact: *contact,
                by: by.clone(),
                what: what.clone(),
                value: value.clone(),
                answer: None,
                answered_at: None,
                note: None,
            }),
            Event::OfferAnswered {
                offer,
                answer,
                note,
            } => {
                let x = locate(&self.offers, &self.index, *offer)
                    .map(|i| &mut self.offers[i])
                    .ok_or(DomainError::Missing {
                        what: "offer",
                        id: *offer,
                    })?;
                x.answer = Some(*answer);
                x.answered_at = Some(e.at);
                x.note = note.clone();
            }
            Event::EscalationRequested {
                contact,
                to,
                reason,
            } => self.escalations.push(Escalation {
                origin: o,
                contact: *contact,
                to: to.clone(),
                reason: reason.clone(),
                outcome: None,
                note: None,
            }),
            Event::EscalationAnswered {
                escalation,
                outcome,
                note,
            } => {
                let x = locate(&self.escalations, &self.index, *escalation)
                    .map(|i| &mut self.escalations[i])
                    .ok_or(DomainError::Missing {
                        what: "escalation",
                        id: *escalation,
                    })?;
                x.outcome = Some(*outcome);
                x.note = note.clone();
            }
            Event::ContactEnded {
                contact,
                outcome,
                rating,
            } => {
                let at = e.at;
                let c = self.contact_mut(*contact)?;
                c.ended = Some(at);
                if let Some(h) = c.holds.last_mut() {
                    h.end.get_or_insert(at);
                }
                c.outcome = outcome.clone();
                c.rating = *rating;
            }
            Event::ExpenseIncurred { what, amount } => self.expenses.push(ExpenseItem {
                origin: o,
                what: what.clone(),
                amount: amount.clone(),
            }),
            Event::TimeSpent { minutes, what } => self.time_spent.push(TimeItem {
                origin: o,
                minutes: *minutes,
                what: what.clone(),
            }),
            Event::FollowUpPlanned { what, due } => self.follow_ups.push(FollowUp {
                origin: o,
                what: what.clone(),
                due: *due,
                done_at: None,
                note: None,
            }),
            Event::FollowUpDone { follow_up, note } => {
                let f = locate(&self.follow_ups, &self.index, *follow_up)
                    .map(|i| &mut self.follow_ups[i])
                    .ok_or(DomainError::Missing {
                        what: "follow-up",
                        id: *follow_up,
                    })?;
                f.done_at = Some(e.at);
                f.note = note.clone();
            }
            Event::LetterSent {
                to,
                kind,
                via,
                summary,
            } => self.letters.push(Letter {
                origin: o,
                to: to.clone(),
                kind: kind.clone(),
                via: via.clone(),
                summary: summary.clone(),
            }),
            Event::AttachmentAdded {
                name,
                sha256,
                bytes,
            } => self.attachments.push(Attachment {
                origin: o,
                name: name.clone(),
                sha256: sha256.clone(),
                bytes: *bytes,
            }),
            Event::CaseAssigned { client, helper } => {
                self.client = client.clone();
                self.helper = helper.clone();
            }
            Event::StatusChanged { status, note } => self.statuses.push(StatusChange {
                origin: o,
                status: *status,
                note: note.clone(),
            }),
            Event::LessonLearned { text } => self.lessons.push(Lesson {
                origin: o,
                text: text.clone(),
            }),
            Event::Amended {
                target,
                reason,
                correction,
                retracts,
            } => {
                let target_seq = self.seq_of(*target).ok_or(DomainError::Missing {
                    what: "entry",
                    id: *target,
                })?;
                self.mark_amended(*target, e.seq, *retracts, correction.as_deref());
                self.amendments.push(AmendmentItem {
                    origin: o,
                    target: *target,
                    target_seq,
                    reason: reason.clone(),
                    correction: correction.clone(),
                    retracts: *retracts,
                });
            }
            Event::CompanyCreated { .. }
            | Event::CompanyAliasAdded { .. }
            | Event::CompanyChannelAdded { .. } => {
                unreachable!("check() refuses company events in a case")
            }
        }
        self.head = e.seq;
        self.index.0.insert(e.id, e.seq);
        self.last_at = Some(self.last_at.map_or(e.at, |l| l.max(e.at)));
        Ok(())
    }

    /// Everything that could make `apply` refuse the entry, checked before any change.
    fn check(&self, e: &Entry) -> Result<(), DomainError> {
        if e.seq != self.seq() + 1 {
            return Err(DomainError::Invalid(format!(
                "entry {} cannot follow entry {}",
                e.seq,
                self.seq()
            )));
        }
        let opened = self.head > 0;
        match (&e.event, opened) {
            (Event::CaseOpened { .. }, true) => return Err(DomainError::AlreadyOpened),
            (Event::CaseOpened { .. }, false) => {}
            (_, false) => return Err(DomainError::NotOpened),
            _ => {}
        }
        if e.event.stream_kind() != StreamKind::Case {
            return Err(DomainError::WrongStream(StreamKind::Company));
        }
        match &e.event {
            Event::CaseOpened { title, .. } => check_text("the title", title, true)?,
            Event::GoalSet(g) => {
                check_text("the problem", &g.problem, true)?;
                check_text("the resolution", &g.resolution, true)?;
                for a in &g.alternatives {
                    check_text("an alternative", a, true)?;
                }
                check_opt("the fairness note", &g.fairness_note)?;
                check_opt("the reason", &g.reason)?;
            }
            Event::FactRecorded(f) => {
                check_text("the fact", &f.value, true)?;
                check_opt("the label", &f.label)?;
            }
            Event::ContactStarted { via, .. } => check_opt("the number or address", via)?,
            Event::RepJoined { contact, rep } => {
                check_text("the representative's name", &rep.name, true)?;
                for (w, f) in [
                    ("the extension", &rep.ext),
                    ("the email", &rep.email),
                    ("the department", &rep.department),
                    ("the role", &rep.role),
                    ("the supervisor", &rep.reports_to),
                ] {
                    check_opt(w, f)?;
                }
                self.open_contact(*contact)?;
            }
            Event::ReferenceRecorded { contact, value, .. } => {
                check_text("the reference", value, true)?;
                self.optional_contact(*contact)?;
            }
            Event::NoteAdded { contact, text } => {
                check_text("the note", text, true)?;
                self.optional_contact(*contact)?;
            }
            Event::HoldStarted { contact } => {
                let c = self.open_contact(*contact)?;
                if c.on_hold() {
                    return Err(DomainError::AlreadyOnHold(c.origin.seq));
                }
            }
            Event::HoldEnded { contact } => {
                let c = self.open_contact(*contact)?;
                if !c.on_hold() {
                    return Err(DomainError::NotOnHold(c.origin.seq));
                }
            }
            Event::FrustrationNoted { contact } => {
                self.open_contact(*contact)?;
            }
            Event::EmailRecorded {
                contact,
                message_id,
                in_reply_to,
                subject,
                from,
                to,
            } => {
                check_text("the message id", message_id, true)?;
                check_opt("the message it replies to", in_reply_to)?;
                check_opt("the subject", subject)?;
                check_opt("the sender", from)?;
                for t in to {
                    check_text("a recipient", t, true)?;
                }
                self.open_contact(*contact)?;
            }
            Event::PromiseMade {
                contact, by, what, ..
            }
            | Event::OfferMade {
                contact, by, what, ..
            } => {
                check_text("what was promised or offered", what, true)?;
                check_opt("who made it", by)?;
                self.optional_contact(*contact)?;
            }
            Event::PromiseKept { promise, note } | Event::PromiseBroken { promise, note } => {
                check_opt("the note", note)?;
                let p = locate(&self.promises, &self.index, *promise)
                    .map(|i| &self.promises[i])
                    .ok_or(DomainError::Missing {
                        what: "promise",
                        id: *promise,
                    })?;
                if p.state != PromiseState::Open {
                    return Err(DomainError::AlreadyAnswered {
                        what: "promise",
                        seq: p.origin.seq,
                    });
                }
            }
            Event::OfferAnswered { offer, note, .. } => {
                check_opt("the note", note)?;
                let x = locate(&self.offers, &self.index, *offer)
                    .map(|i| &self.offers[i])
                    .ok_or(DomainError::Missing {
                        what: "offer",
                        id: *offer,
                    })?;
                if x.answer.is_some() {
                    return Err(DomainError::AlreadyAnswered {
                        what: "offer",
                        seq: x.origin.seq,
                    });
                }
            }
            Event::EscalationRequested {
                contact,
                to,
                reason,
            } => {
                check_opt("whom it was asked for", to)?;
                check_opt("the reason", reason)?;
                self.optional_contact(*contact)?;
            }
            Event::EscalationAnswered {
                escalation, note, ..
            } => {
                check_opt("the note", note)?;
                let x = locate(&self.escalations, &self.index, *escalation)
                    .map(|i| &self.escalations[i])
                    .ok_or(DomainError::Missing {
                        what: "escalation",
                        id: *escalation,
                    })?;
                if x.outcome.is_some() {
                    return Err(DomainError::AlreadyAnswered {
                        what: "escalation",
                        seq: x.origin.seq,
                    });
                }
            }
            Event::ContactEnded {
                contact,
                outcome,
                rating,
            } => {
                check_opt("the outcome", outcome)?;
                if let Some(r) = rating
                    && !(1..=5).contains(r)
                {
                    return Err(DomainError::Rating(*r));
                }
                self.open_contact(*contact)?;
            }
            Event::ExpenseIncurred { what, .. } => {
                check_text("what the expense was for", what, true)?
            }
            Event::TimeSpent { minutes, what } => {
                check_text("what the time was spent on", what, true)?;
                if *minutes == 0 {
                    return Err(DomainError::Invalid(
                        "time spent must be at least one minute".into(),
                    ));
                }
            }
            Event::FollowUpPlanned { what, .. } => check_text("the follow-up", what, true)?,
            Event::FollowUpDone { follow_up, note } => {
                check_opt("the note", note)?;
                let f = locate(&self.follow_ups, &self.index, *follow_up)
                    .map(|i| &self.follow_ups[i])
                    .ok_or(DomainError::Missing {
                        what: "follow-up",
                        id: *follow_up,
                    })?;
                if f.done_at.is_some() {
                    return Err(DomainError::AlreadyAnswered {
                        what: "follow-up",
                        seq: f.origin.seq,
                    });
                }
            }
            Event::LetterSent {
                to,
                kind,
                via,
                summary,
            } => {
                check_text("the recipient", to, true)?;
                check_text("the kind of letter", kind, true)?;
                check_opt("how it was sent", via)?;
                check_opt("the summary", summary)?;
            }
            Event::AttachmentAdded { name, sha256, .. } => {
                check_text("the file name", name, true)?;
                if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(DomainError::Invalid(
                        "an attachment's hash must be 64 hex digits of SHA-256".into(),
                    ));
                }
            }
            Event::StatusChanged { note, .. } => check_opt("the note", note)?,
            Event::CaseAssigned { client, helper } => {
                check_opt("the client's name", client)?;
                check_opt("the helper", helper)?;
            }
            Event::LessonLearned { text } => check_text("the lesson", text, true)?,
            Event::Amended {
                target,
                reason,
                correction,
                ..
            } => {
                check_text("the reason for the amendment", reason, true)?;
                check_opt("the correction", correction)?;
                let seq = self.seq_of(*target).ok_or(DomainError::Missing {
                    what: "entry",
                    id: *target,
                })?;
                if seq == 1 {
                    return Err(DomainError::Invalid("the opening of a case cannot be amended; change the title with a note or open a new case".into()));
                }
            }
            Event::CompanyCreated { .. }
            | Event::CompanyAliasAdded { .. }
            | Event::CompanyChannelAdded { .. } => {
                return Err(DomainError::WrongStream(StreamKind::Company));
            }
        }
        Ok(())
    }

    fn contact_mut(&mut self, id: Uuid) -> Result<&mut Contact, DomainError> {
        locate(&self.contacts, &self.index, id)
            .map(|i| &mut self.contacts[i])
            .ok_or(DomainError::Missing {
                what: "contact",
                id,
            })
    }

    pub fn contact(&self, id: Uuid) -> Option<&Contact> {
        locate(&self.contacts, &self.index, id).map(|i| &self.contacts[i])
    }

    fn open_contact(&self, id: Uuid) -> Result<&Contact, DomainError> {
        let c = self.contact(id).ok_or(DomainError::Missing {
            what: "contact",
            id,
        })?;
        if !c.is_open() {
            return Err(DomainError::ContactEnded(c.origin.seq));
        }
        Ok(c)
    }

    fn optional_contact(&self, id: Option<Uuid>) -> Result<(), DomainError> {
        match id {
            Some(id) => self.contact(id).map(|_| ()).ok_or(DomainError::Missing {
                what: "contact",
                id,
            }),
            None => Ok(()),
        }
    }

    /// The position of an entry: from the fold's index, else from the items it
    /// made (a state read from its parts has no index).
    pub fn seq_of(&self, id: Uuid) -> Option<u64> {
        if let Some(seq) = self.index.0.get(&id) {
            return Some(*seq);
        }
        let mut found = None;
        self.for_each_origin(|o| {
            if o.entry == id {
                found = Some(o.seq);
            }
        });
        found
    }

    /// Calls `f` on the origin of every item, rep visits included.
    pub fn for_each_origin(&self, mut f: impl FnMut(&Origin)) {
        self.goals.iter().for_each(|x| f(&x.origin));
        self.facts.iter().for_each(|x| f(&x.origin));
        for c in &self.contacts {
            f(&c.origin);
            c.reps.iter().for_each(|x| f(&x.origin));
        }
        self.references.iter().for_each(|x| f(&x.origin));
        self.notes.iter().for_each(|x| f(&x.origin));
        self.promises.iter().for_each(|x| f(&x.origin));
        self.offers.iter().for_each(|x| f(&x.origin));
        self.escalations.iter().for_each(|x| f(&x.origin));
        self.expenses.iter().for_each(|x| f(&x.origin));
        self.time_spent.iter().for_each(|x| f(&x.origin));
        self.follow_ups.iter().for_each(|x| f(&x.origin));
        self.letters.iter().for_each(|x| f(&x.origin));
        self.attachments.iter().for_each(|x| f(&x.origin));
        self.statuses.iter().for_each(|x| f(&x.origin));
        self.lessons.iter().for_each(|x| f(&x.origin));
        self.amendments.iter().for_each(|x| f(&x.origin));
    }

    /// Marks the item `target` made as amended by entry `by`; a correction
    /// replaces the item's principal text (a rep's name, a fact's value, what
    /// was promised), and the first wording is kept on its origin.
    fn mark_amended(&mut self, target: Uuid, by: u64, retracts: bool, correction: Option<&str>) {
        fn mark(o: &mut Origin, target: Uuid, by: u64, retracts: bool) -> bool {
            if o.entry != target {
                return false;
            }
            o.amended_by.push(by);
            o.retracted |= retracts;
            true
        }
        // Replaces `field` with the correction, remembering the first wording.
        fn correct(o: &mut Origin, field: &mut String, c: Option<&str>) {
            if let Some(c) = c {
                if o.original.is_none() {
                    o.original = Some(field.clone());
                }
                *field = c.to_string();
            }
        }
        fn correct_opt(o: &mut Origin, field: &mut Option<String>, c: Option<&str>) {
            if let Some(c) = c {
                if o.original.is_none() {
                    o.original = Some(field.clone().unwrap_or_default());
                }
                *field = Some(c.to_string());
            }
        }
        let c = if retracts { None } else { correction };
        let (t, b, r) = (target, by, retracts);
        for x in &mut self.goals {
            mark(&mut x.origin, t, b, r);
        }
        for x in &mut self.facts {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.fact.value, c);
            }
        }
        let mut renamed: Option<(String, String)> = None;
        for x in &mut self.contacts {
            if mark(&mut x.origin, t, b, r) {
                correct_opt(&mut x.origin, &mut x.via, c);
            }
            let mut here = false;
            for v in &mut x.reps {
                if let Some((old, new)) = renamed.as_ref().filter(|_| here)
                    && v.transferred_from.as_deref() == Some(old.as_str())
                {
                    v.transferred_from = Some(new.clone());
                }
                if mark(&mut v.origin, t, b, r) {
                    let old = v.rep.name.clone();
                    correct(&mut v.origin, &mut v.rep.name, c);
                    renamed = Some((old, v.rep.name.clone()));
                    here = true;
                }
            }
        }
        // What that person promised or offered carries the corrected name.
        if let Some((old, new)) = renamed.filter(|(o, n)| o != n) {
            for by in self
                .promises
                .iter_mut()
                .map(|p| &mut p.by)
                .chain(self.offers.iter_mut().map(|o| &mut o.by))
            {
                if by.as_deref() == Some(old.as_str()) {
                    *by = Some(new.clone());
                }
            }
        }
        for x in &mut self.references {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.value, c);
            }
        }
        for x in &mut self.notes {
            if mark(&mut x.origin, t, b, r) && c.is_some() {
                correct(&mut x.origin, &mut x.preview, c.map(preview).as_deref());
                x.chars = c.map_or(x.chars, char_count);
            }
        }
        for x in &mut self.promises {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.what, c);
            }
        }
        for x in &mut self.offers {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.what, c);
            }
        }
        for x in &mut self.escalations {
            if mark(&mut x.origin, t, b, r) {
                correct_opt(&mut x.origin, &mut x.to, c);
            }
        }
        for x in &mut self.expenses {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.what, c);
            }
        }
        for x in &mut self.time_spent {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.what, c);
            }
        }
        for x in &mut self.follow_ups {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.what, c);
            }
        }
        for x in &mut self.letters {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.to, c);
            }
        }
        for x in &mut self.attachments {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.name, c);
            }
        }
        for x in &mut self.statuses {
            if mark(&mut x.origin, t, b, r) {
                correct_opt(&mut x.origin, &mut x.note, c);
            }
        }
        for x in &mut self.lessons {
            if mark(&mut x.origin, t, b, r) {
                correct(&mut x.origin, &mut x.text, c);
            }
        }
        for x in &mut self.amendments {
            mark(&mut x.origin, t, b, r);
        }
    }

    // --- derived views (retracted items never count) ---

    /// The goal now: the latest revision no other revises. Revisions made
    /// apart on two devices (each revising the same version) are both kept;
    /// the one made later is the goal, the other is said beside it.
    pub fn goal(&self) -> Option<&GoalVersion> {
        let last = self.goals.iter().rev().find(|g| !g.origin.retracted)?;
        // Goals written before versions were named: the last is the goal.
        if last.goal.replaces.is_none() {
            return Some(last);
        }
        self.goal_heads()
            .max_by_key(|g| (g.origin.at, g.origin.seq))
            .or(Some(last))
    }

    /// Goal versions that no other (not retracted) revises.
    fn goal_heads(&self) -> impl Iterator<Item = &GoalVersion> {
        let live = || self.goals.iter().filter(|g| !g.origin.retracted);
        live().filter(move |g| {
            g.goal.replaces.is_some()
                && !live().any(|other| other.goal.replaces == Some(g.origin.entry))
        })
    }

    /// Revisions made apart from the current goal (on another device,
    /// before the two synced): kept, and said beside the goal.
    pub fn goals_made_apart(&self) -> Vec<&GoalVersion> {
        let Some(current) = self.goal() else {
            return vec![];
        };
        if current.goal.replaces.is_none() {
            return vec![];
        }
        // Those that revise what it revises: a later revision seen by both
        // settles them.
        self.goal_heads()
            .filter(|g| {
                g.origin.entry != current.origin.entry && g.goal.replaces == current.goal.replaces
            })
            .collect()
    }

    pub fn status(&self) -> Status {
        self.statuses
            .iter()
            .rev()
            .find(|s| !s.origin.retracted)
            .map_or(Status::Open, |s| s.status)
    }

    pub fn live_facts(&self) -> impl DoubleEndedIterator<Item = &FactItem> {
        self.facts.iter().filter(|f| !f.origin.retracted)
    }

    pub fn live_contacts(&self) -> impl DoubleEndedIterator<Item = &Contact> {
        self.contacts.iter().filter(|c| !c.origin.retracted)
    }

    pub fn open_contact_now(&self) -> Option<&Contact> {
        self.live_contacts().rev().find(|c| c.is_open())
    }

    pub fn live_promises(&self) -> impl DoubleEndedIterator<Item = &Promise> {
        self.promises.iter().filter(|p| !p.origin.retracted)
    }

    pub fn live_offers(&self) -> impl DoubleEndedIterator<Item = &Offer> {
        self.offers.iter().filter(|p| !p.origin.retracted)
    }

    pub fn live_references(&self) -> impl DoubleEndedIterator<Item = &Reference> {
        self.references.iter().filter(|p| !p.origin.retracted)
    }

    /// Open promises with a due time and follow-ups not yet done, soonest first.
    pub fn due_items(&self) -> Vec<DueItem> {
        let mut out: Vec<DueItem> = self
            .live_promises()
            .filter(|p| p.state == PromiseState::Open)
            .filter_map(|p| {
                p.due.map(|due| DueItem {
                    item: p.origin.entry,
                    seq: p.origin.seq,
                    kind: DueKind::Promise,
                    what: match &p.by {
                        Some(by) => format!("{by}: {}", p.what),
                        None => p.what.clone(),
                    },
                    due,
                })
            })
            .chain(
                self.follow_ups
                    .iter()
                    .filter(|f| !f.origin.retracted && f.done_at.is_none())
                    .map(|f| DueItem {
                        item: f.origin.entry,
                        seq: f.origin.seq,
                        kind: DueKind::FollowUp,
                        what: f.what.clone(),
                        due: f.due,
                    }),
            )
            .collect();
        out.sort_by_key(|d| (d.due, d.seq));
        out
    }

    pub fn next_due(&self) -> Option<Timestamp> {
        self.due_items().first().map(|d| d.due)
    }

    /// Time, money and effort the dispute has taken so far.
    pub fn costs(&self, now: Timestamp) -> Costs {
        let contacts: Vec<&Contact> = self.live_contacts().collect();
        Costs {
            contacts: contacts.len(),
            contact_time: contacts.iter().map(|c| c.duration(now)).sum(),
            hold_time: contacts.iter().map(|c| c.hold_time(now)).sum(),
            off_contact_time: SignedDuration::from_mins(
                self.time_spent
                    .iter()
                    .filter(|t| !t.origin.retracted)
                    .map(|t| i64::from(t.minutes))
                    .sum(),
            ),
            expenses: totals(
                self.expenses
                    .iter()
                    .filter(|x| !x.origin.retracted)
                    .map(|x| &x.amount),
            ),
            reps: contacts.iter().map(|c| c.live_reps().count()).sum(),
            transfers: contacts.iter().map(|c| c.transfers()).sum(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    Promise,
    FollowUp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueItem {
    pub item: Uuid,
    pub seq: u64,
    pub kind: DueKind,
    pub what: String,
    #[serde(deserialize_with = "crate::instant::de::timestamp")]
    pub due: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Costs {
    pub contacts: usize,
    pub contact_time: SignedDuration,
    pub hold_time: SignedDuration,
    pub off_contact_time: SignedDuration,
    pub expenses: Vec<Money>,
    pub reps: usize,
    pub transfers: usize,
}
