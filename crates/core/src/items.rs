//! A case's state cut into parts a store keeps one row each: a small header
//! and one item per thing the journal created (a contact with its reps and
//! holds, a promise, a note, ...). An append loads the header and the few
//! items its event names, applies the event, and writes back what changed, so
//! it costs the same at 10 entries or 50,000. The whole fold stays the truth:
//! [`CaseState::from_parts`] of every stored item equals [`CaseState::fold`].

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{Event, Status};
use crate::state::*;

/// What a case's row holds besides its items.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseHeader {
    pub id: Uuid,
    pub title: String,
    pub company: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub opened: Option<Timestamp>,
    pub head: u64,
    #[serde(default, deserialize_with = "crate::instant::de::option")]
    pub last_at: Option<Timestamp>,
    /// The current status, kept here because a partial state cannot tell it.
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helper: Option<String>,
}

/// One stored part of a case's state, keyed by the entry that created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum CaseItem {
    Goal(GoalVersion),
    Fact(FactItem),
    Contact(Contact),
    Reference(Reference),
    Note(NoteItem),
    Promise(Promise),
    Offer(Offer),
    Escalation(Escalation),
    Expense(ExpenseItem),
    Time(TimeItem),
    FollowUp(FollowUp),
    Letter(Letter),
    Attachment(Attachment),
    Status(StatusChange),
    Lesson(Lesson),
    Amendment(AmendmentItem),
}

/// The kinds of item, as a store names them in a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Goal,
    Fact,
    Contact,
    Reference,
    Note,
    Promise,
    Offer,
    Escalation,
    Expense,
    Time,
    FollowUp,
    Letter,
    Attachment,
    Status,
    Lesson,
    Amendment,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Goal => "goal",
            ItemKind::Fact => "fact",
            ItemKind::Contact => "contact",
            ItemKind::Reference => "reference",
            ItemKind::Note => "note",
            ItemKind::Promise => "promise",
            ItemKind::Offer => "offer",
            ItemKind::Escalation => "escalation",
            ItemKind::Expense => "expense",
            ItemKind::Time => "time",
            ItemKind::FollowUp => "follow_up",
            ItemKind::Letter => "letter",
            ItemKind::Attachment => "attachment",
            ItemKind::Status => "status",
            ItemKind::Lesson => "lesson",
            ItemKind::Amendment => "amendment",
        }
    }
}

/// The item's body without its kind, and back: a store keeps the kind in a
/// column of its own, and reading a body by its known kind skips the buffering
/// an internally tagged enum needs (most of the cost of reading a long case).
macro_rules! bodies {
    ($($v:ident),* $(,)?) => {
        impl ItemKind {
            pub fn parse(s: &str) -> Option<ItemKind> {
                [$(ItemKind::$v),*].into_iter().find(|k| k.as_str() == s)
            }
        }

        impl CaseItem {
            /// The body as stored: compact, without what reading restores
            /// (absent values, an origin not retracted and not amended).
            pub fn body_json(&self) -> String {
                let mut v = match self {
                    $(CaseItem::$v(x) => serde_json::to_value(x),)*
                }
                .unwrap_or_default();
                compact(&mut v);
                v.to_string()
            }

            pub fn from_body(kind: ItemKind, body: &str) -> serde_json::Result<CaseItem> {
                Ok(match kind {
                    $(ItemKind::$v => CaseItem::$v(serde_json::from_str(body)?),)*
                })
            }
        }
    };
}

/// Drops what deserializing gives back by default: null fields (every
/// optional field reads a missing value as none) and an origin's
/// `retracted: false` and `amended_by: []`. A third of a case's bytes, and as
/// much of the time it takes to read.
fn compact(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, x| {
                !(x.is_null()
                    || (k == "retracted" && x == &serde_json::Value::Bool(false))
                    || (k == "amended_by" && x.as_array().is_some_and(|a| a.is_empty())))
            });
            map.values_mut().for_each(compact);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(compact),
        _ => {}
    }
}

bodies!(
    Goal, Fact, Contact, Reference, Note, Promise, Offer, Escalation, Expense, Time, FollowUp,
    Letter, Attachment, Status, Lesson, Amendment,
);

impl CaseItem {
    pub fn origin(&self) -> &Origin {
        match self {
            CaseItem::Goal(x) => &x.origin,
            CaseItem::Fact(x) => &x.origin,
            CaseItem::Contact(x) => &x.origin,
            CaseItem::Reference(x) => &x.origin,
            CaseItem::Note(x) => &x.origin,
            CaseItem::Promise(x) => &x.origin,
            CaseItem::Offer(x) => &x.origin,
            CaseItem::Escalation(x) => &x.origin,
            CaseItem::Expense(x) => &x.origin,
            CaseItem::Time(x) => &x.origin,
            CaseItem::FollowUp(x) => &x.origin,
            CaseItem::Letter(x) => &x.origin,
            CaseItem::Attachment(x) => &x.origin,
            CaseItem::Status(x) => &x.origin,
            CaseItem::Lesson(x) => &x.origin,
            CaseItem::Amendment(x) => &x.origin,
        }
    }

    pub fn kind(&self) -> ItemKind {
        match self {
            CaseItem::Goal(_) => ItemKind::Goal,
            CaseItem::Fact(_) => ItemKind::Fact,
            CaseItem::Contact(_) => ItemKind::Contact,
            CaseItem::Reference(_) => ItemKind::Reference,
            CaseItem::Note(_) => ItemKind::Note,
            CaseItem::Promise(_) => ItemKind::Promise,
            CaseItem::Offer(_) => ItemKind::Offer,
            CaseItem::Escalation(_) => ItemKind::Escalation,
            CaseItem::Expense(_) => ItemKind::Expense,
            CaseItem::Time(_) => ItemKind::Time,
            CaseItem::FollowUp(_) => ItemKind::FollowUp,
            CaseItem::Letter(_) => ItemKind::Letter,
            CaseItem::Attachment(_) => ItemKind::Attachment,
            CaseItem::Status(_) => ItemKind::Status,
            CaseItem::Lesson(_) => ItemKind::Lesson,
            CaseItem::Amendment(_) => ItemKind::Amendment,
        }
    }

    /// The due-list line this item puts up, if it is open and has a due time.
    pub fn due(&self) -> Option<DueItem> {
        match self {
            CaseItem::Promise(p)
                if !p.origin.retracted && p.state == PromiseState::Open && p.due.is_some() =>
            {
                Some(DueItem {
                    item: p.origin.entry,
                    seq: p.origin.seq,
                    kind: DueKind::Promise,
                    what: match &p.by {
                        Some(by) => format!("{by}: {}", p.what),
                        None => p.what.clone(),
                    },
                    due: p.due?,
                })
            }
            CaseItem::FollowUp(f) if !f.origin.retracted && f.done_at.is_none() => Some(DueItem {
                item: f.origin.entry,
                seq: f.origin.seq,
                kind: DueKind::FollowUp,
                what: f.what.clone(),
                due: f.due,
            }),
            _ => None,
        }
    }
}

/// What an append must load besides the header to apply `event`: the
/// entries whose items it touches. An amendment's target is resolved by the
/// store (its item may live inside a contact).
pub fn touched_entries(event: &Event) -> Vec<Uuid> {
    match event {
        Event::RepJoined { contact, .. }
        | Event::HoldStarted { contact }
        | Event::HoldEnded { contact }
        | Event::FrustrationNoted { contact }
        | Event::EmailRecorded { contact, .. }
        | Event::ContactEnded { contact, .. } => vec![*contact],
        Event::ReferenceRecorded { contact, .. }
        | Event::NoteAdded { contact, .. }
        | Event::PromiseMade { contact, .. }
        | Event::OfferMade { contact, .. }
        | Event::EscalationRequested { contact, .. } => contact.iter().copied().collect(),
        Event::PromiseKept { promise, .. } | Event::PromiseBroken { promise, .. } => {
            vec![*promise]
        }
        Event::OfferAnswered { offer, .. } => vec![*offer],
        Event::EscalationAnswered { escalation, .. } => vec![*escalation],
        Event::FollowUpDone { follow_up, .. } => vec![*follow_up],
        Event::Amended { target, .. } => vec![*target],
        _ => vec![],
    }
}

impl CaseState {
    /// The header of this state.
    pub fn header(&self) -> CaseHeader {
        CaseHeader {
            id: self.id,
            title: self.title.clone(),
            company: self.company,
            opened: self.opened,
            head: self.head,
            last_at: self.last_at,
            status: self.status(),
            client: self.client.clone(),
            helper: self.helper.clone(),
        }
    }

    /// Every item, in the order of the entries that created them.
    pub fn items(&self) -> Vec<CaseItem> {
        let mut out: Vec<CaseItem> = Vec::new();
        out.extend(self.goals.iter().cloned().map(CaseItem::Goal));
        out.extend(self.facts.iter().cloned().map(CaseItem::Fact));
        out.extend(self.contacts.iter().cloned().map(CaseItem::Contact));
        out.extend(self.references.iter().cloned().map(CaseItem::Reference));
        out.extend(self.notes.iter().cloned().map(CaseItem::Note));
        out.extend(self.promises.iter().cloned().map(CaseItem::Promise));
        out.extend(self.offers.iter().cloned().map(CaseItem::Offer));
        out.extend(self.escalations.iter().cloned().map(CaseItem::Escalation));
        out.extend(self.expenses.iter().cloned().map(CaseItem::Expense));
        out.extend(self.time_spent.iter().cloned().map(CaseItem::Time));
        out.extend(self.follow_ups.iter().cloned().map(CaseItem::FollowUp));
        out.extend(self.letters.iter().cloned().map(CaseItem::Letter));
        out.extend(self.attachments.iter().cloned().map(CaseItem::Attachment));
        out.extend(self.statuses.iter().cloned().map(CaseItem::Status));
        out.extend(self.lessons.iter().cloned().map(CaseItem::Lesson));
        out.extend(self.amendments.iter().cloned().map(CaseItem::Amendment));
        out.sort_by_key(|i| i.origin().seq);
        out
    }

    /// A state from its header and items (in any order).
    pub fn from_parts(header: CaseHeader, mut items: Vec<CaseItem>) -> CaseState {
        items.sort_by_key(|i| i.origin().seq);
        let mut s = CaseState::from_header(header);
        for item in items {
            s.push_item(item);
        }
        s
    }

    /// A state with no items yet: [`push_item`](Self::push_item) adds them,
    /// each kind in position order, so a store can build it as it reads.
    pub fn from_header(header: CaseHeader) -> CaseState {
        CaseState {
            id: header.id,
            title: header.title,
            company: header.company,
            opened: header.opened,
            head: header.head,
            last_at: header.last_at,
            client: header.client,
            helper: header.helper,
            ..CaseState::default()
        }
    }

    /// Adds an item after those of its kind (it must come after them in the journal).
    pub fn push_item(&mut self, item: CaseItem) {
        let s = self;
        match item {
            CaseItem::Goal(x) => s.goals.push(x),
            CaseItem::Fact(x) => s.facts.push(x),
            CaseItem::Contact(x) => s.contacts.push(x),
            CaseItem::Reference(x) => s.references.push(x),
            CaseItem::Note(x) => s.notes.push(x),
            CaseItem::Promise(x) => s.promises.push(x),
            CaseItem::Offer(x) => s.offers.push(x),
            CaseItem::Escalation(x) => s.escalations.push(x),
            CaseItem::Expense(x) => s.expenses.push(x),
            CaseItem::Time(x) => s.time_spent.push(x),
            CaseItem::FollowUp(x) => s.follow_ups.push(x),
            CaseItem::Letter(x) => s.letters.push(x),
            CaseItem::Attachment(x) => s.attachments.push(x),
            CaseItem::Status(x) => s.statuses.push(x),
            CaseItem::Lesson(x) => s.lessons.push(x),
            CaseItem::Amendment(x) => s.amendments.push(x),
        }
    }
}

/// Applies one entry to a partial state (the header and the items it
/// touches) and says what to write back: the new header and the items that
/// are new or changed. `all_statuses` says the partial state holds every
/// status change, so the status can be recomputed.
pub fn apply_partial(
    header: &CaseHeader,
    loaded: Vec<CaseItem>,
    target: Option<(Uuid, u64)>,
    all_statuses: bool,
    e: &crate::Entry,
) -> Result<(CaseHeader, Vec<CaseItem>), DomainError> {
    let before = loaded.clone();
    let mut s = CaseState::from_parts(header.clone(), loaded);
    if let Some((id, seq)) = target {
        s.index.0.insert(id, seq);
    }
    s.apply(e)?;
    let mut h = s.header();
    h.status = match &e.event {
        Event::StatusChanged { status, .. } => *status,
        _ if all_statuses => s.status(),
        _ => header.status,
    };
    let changed: Vec<CaseItem> = s
        .items()
        .into_iter()
        .filter(|i| !before.contains(i))
        .collect();
    Ok((h, changed))
}
