//! The events a journal holds. Every field is serialised, `None` as `null`,
//! so the canonical encoding (and so the hash) never depends on defaults.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::money::Money;

/// The event enum as written below, and beside it the same variants as a
/// remote, externally tagged form: a stored event starts with its `type`,
/// and reading the tag first lets each variant's fields be read straight
/// into it, where serde's internally tagged derive buffers every field first
/// (most of the cost of reading a long journal).
macro_rules! with_tag_first_reader {
    ($(#[$m:meta])* pub enum Event { $( $(#[$vm:meta])* $v:ident $body:tt ),* $(,)? }) => {
        $(#[$m])* pub enum Event { $( $(#[$vm])* $v $body ),* }

        #[derive(Deserialize)]
        #[serde(remote = "Event", rename_all = "snake_case")]
        enum ByTag { $( $v $body ),* }
    };
}

with_tag_first_reader! {
/// One thing that happened in a case or was learned about a company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    // --- case streams ---
    CaseOpened {
        title: String,
        company: Option<Uuid>,
    },
    GoalSet(Goal),
    FactRecorded(Fact),
    ContactStarted {
        channel: Channel,
        direction: Direction,
        /// The number, address or handle used.
        via: Option<String>,
    },
    RepJoined {
        contact: Uuid,
        rep: Rep,
    },
    ReferenceRecorded {
        contact: Option<Uuid>,
        kind: RefKind,
        value: String,
    },
    NoteAdded {
        contact: Option<Uuid>,
        text: String,
    },
    HoldStarted {
        contact: Uuid,
    },
    HoldEnded {
        contact: Uuid,
    },
    /// An email message, imported: what identifies it and its thread. The
    /// contact it belongs to holds the rest (who, when, the body as a note).
    EmailRecorded {
        contact: Uuid,
        message_id: String,
        in_reply_to: Option<String>,
        subject: Option<String>,
        from: Option<String>,
        to: Vec<String>,
    },
    /// The person marked, during a contact, that they are frustrated: a
    /// signal for the coach to suggest a break, never shown to the company.
    FrustrationNoted {
        contact: Uuid,
    },
    PromiseMade {
        contact: Option<Uuid>,
        by: Option<String>,
        what: String,
        due: Option<Timestamp>,
    },
    PromiseKept {
        promise: Uuid,
        note: Option<String>,
    },
    PromiseBroken {
        promise: Uuid,
        note: Option<String>,
    },
    OfferMade {
        contact: Option<Uuid>,
        by: Option<String>,
        what: String,
        value: Option<Money>,
    },
    OfferAnswered {
        offer: Uuid,
        answer: OfferAnswer,
        note: Option<String>,
    },
    EscalationRequested {
        contact: Option<Uuid>,
        /// Whom or what was asked for: a supervisor, a department, the executive office.
        to: Option<String>,
        reason: Option<String>,
    },
    EscalationAnswered {
        escalation: Uuid,
        outcome: EscalationOutcome,
        note: Option<String>,
    },
    ContactEnded {
        contact: Uuid,
        outcome: Option<String>,
        rating: Option<u8>,
    },
    ExpenseIncurred {
        what: String,
        amount: Money,
    },
    TimeSpent {
        minutes: u32,
        what: String,
    },
    FollowUpPlanned {
        what: String,
        due: Timestamp,
    },
    FollowUpDone {
        follow_up: Uuid,
        note: Option<String>,
    },
    LetterSent {
        to: String,
        kind: String,
        via: Option<String>,
        summary: Option<String>,
    },
    AttachmentAdded {
        name: String,
        sha256: String,
        bytes: u64,
    },
    StatusChanged {
        status: Status,
        note: Option<String>,
    },
    /// Who the case is for and who works it, on a server shared by helpers.
    /// Each sets both: a field left out is cleared.
    CaseAssigned {
        /// The person the dispute is for (a helper's client).
        client: Option<String>,
        /// The helper working it, by the email they sign in with.
        helper: Option<String>,
    },
    LessonLearned {
        text: String,
    },
    Amended {
        target: Uuid,
        reason: String,
        correction: Option<String>,
        /// The target no longer counts (a promise that was never made, a wrong rep).
        retracts: bool,
    },

    // --- company streams ---
    CompanyCreated {
        name: String,
    },
    CompanyAliasAdded {
        alias: String,
    },
    CompanyChannelAdded {
        channel: CompanyChannel,
    },
}
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(tag_first::EventVisitor)
    }
}

/// Reads `{"type": "...", ...fields}`: the tag, then the fields straight
/// into the variant. An object whose tag is not first (typed by hand, or by
/// another program) is gathered whole and read the slow way.
mod tag_first {
    use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
    use serde::forward_to_deserialize_any;

    use super::{ByTag, Event};

    pub struct EventVisitor;

    impl<'de> Visitor<'de> for EventVisitor {
        type Value = Event;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an event: an object with its \"type\"")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
            let Some(first) = map.next_key::<String>()? else {
                return Err(de::Error::missing_field("type"));
            };
            if first == "type" {
                let tag: String = map.next_value()?;
                return ByTag::deserialize(Tagged { tag, map });
            }
            // The slow way: every field, then the tag found among them.
            let mut fields = serde_json::Map::new();
            fields.insert(first, map.next_value()?);
            while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                fields.insert(k, v);
            }
            let Some(serde_json::Value::String(tag)) = fields.remove("type") else {
                return Err(de::Error::missing_field("type"));
            };
            let value = serde_json::Value::Object(
                [(tag, serde_json::Value::Object(fields))]
                    .into_iter()
                    .collect(),
            );
            ByTag::deserialize(value).map_err(de::Error::custom)
        }
    }

    /// The rest of a map whose tag was read, offered as an externally tagged
    /// enum: the tag names the variant, the remaining fields are its body.
    struct Tagged<A> {
        tag: String,
        map: A,
    }

    impl<'de, A: MapAccess<'de>> de::Deserializer<'de> for Tagged<A> {
        type Error = A::Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
            visitor.visit_enum(self)
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct enum identifier ignored_any
        }
    }

    impl<'de, A: MapAccess<'de>> de::EnumAccess<'de> for Tagged<A> {
        type Error = A::Error;
        type Variant = Body<A>;

        fn variant_seed<S: DeserializeSeed<'de>>(
            self,
            seed: S,
        ) -> Result<(S::Value, Body<A>), A::Error> {
            let tag: de::value::StringDeserializer<A::Error> = self.tag.into_deserializer();
            Ok((seed.deserialize(tag)?, Body(self.map)))
        }
    }

    struct Body<A>(A);

    impl<'de, A: MapAccess<'de>> de::VariantAccess<'de> for Body<A> {
        type Error = A::Error;

        fn unit_variant(self) -> Result<(), A::Error> {
            Err(de::Error::custom("no event is a bare tag"))
        }

        fn newtype_variant_seed<S: DeserializeSeed<'de>>(
            self,
            seed: S,
        ) -> Result<S::Value, A::Error> {
            seed.deserialize(de::value::MapAccessDeserializer::new(self.0))
        }

        fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, A::Error> {
            Err(de::Error::custom("no event is a tuple"))
        }

        fn struct_variant<V: Visitor<'de>>(
            self,
            _fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, A::Error> {
            visitor.visit_map(self.0)
        }
    }
}

impl Event {
    /// The tag used in storage and JSON, e.g. `note_added`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::CaseOpened { .. } => "case_opened",
            Event::GoalSet(_) => "goal_set",
            Event::FactRecorded(_) => "fact_recorded",
            Event::ContactStarted { .. } => "contact_started",
            Event::RepJoined { .. } => "rep_joined",
            Event::ReferenceRecorded { .. } => "reference_recorded",
            Event::NoteAdded { .. } => "note_added",
            Event::HoldStarted { .. } => "hold_started",
            Event::HoldEnded { .. } => "hold_ended",
            Event::FrustrationNoted { .. } => "frustration_noted",
            Event::EmailRecorded { .. } => "email_recorded",
            Event::PromiseMade { .. } => "promise_made",
            Event::PromiseKept { .. } => "promise_kept",
            Event::PromiseBroken { .. } => "promise_broken",
            Event::OfferMade { .. } => "offer_made",
            Event::OfferAnswered { .. } => "offer_answered",
            Event::EscalationRequested { .. } => "escalation_requested",
            Event::EscalationAnswered { .. } => "escalation_answered",
            Event::ContactEnded { .. } => "contact_ended",
            Event::ExpenseIncurred { .. } => "expense_incurred",
            Event::TimeSpent { .. } => "time_spent",
            Event::FollowUpPlanned { .. } => "follow_up_planned",
            Event::FollowUpDone { .. } => "follow_up_done",
            Event::LetterSent { .. } => "letter_sent",
            Event::AttachmentAdded { .. } => "attachment_added",
            Event::StatusChanged { .. } => "status_changed",
            Event::CaseAssigned { .. } => "case_assigned",
            Event::LessonLearned { .. } => "lesson_learned",
            Event::Amended { .. } => "amended",
            Event::CompanyCreated { .. } => "company_created",
            Event::CompanyAliasAdded { .. } => "company_alias_added",
            Event::CompanyChannelAdded { .. } => "company_channel_added",
        }
    }

    /// Which kind of stream this event may start or belong to.
    pub fn stream_kind(&self) -> StreamKind {
        match self {
            Event::CompanyCreated { .. }
            | Event::CompanyAliasAdded { .. }
            | Event::CompanyChannelAdded { .. } => StreamKind::Company,
            _ => StreamKind::Case,
        }
    }

    /// Every piece of free text in the event, for the full-text index.
    pub fn texts(&self) -> Vec<&str> {
        fn opt<'a>(o: &'a Option<String>, out: &mut Vec<&'a str>) {
            if let Some(s) = o {
                out.push(s.as_str())
            }
        }
        let mut out: Vec<&str> = Vec::new();
        match self {
            Event::CaseOpened { title, .. } => out.push(title),
            Event::GoalSet(g) => {
                out.push(&g.problem);
                out.push(&g.resolution);
                out.extend(g.alternatives.iter().map(String::as_str));
                opt(&g.fairness_note, &mut out);
                opt(&g.reason, &mut out);
            }
            Event::FactRecorded(f) => {
                opt(&f.label, &mut out);
                out.push(&f.value);
            }
            Event::ContactStarted { via, .. } => opt(via, &mut out),
            Event::RepJoined { rep, .. } => {
                out.push(&rep.name);
                for o in [
                    &rep.ext,
                    &rep.email,
                    &rep.department,
                    &rep.role,
                    &rep.reports_to,
                ] {
                    opt(o, &mut out);
                }
            }
            Event::ReferenceRecorded { value, .. } => out.push(value),
            Event::NoteAdded { text, .. } | Event::LessonLearned { text } => out.push(text),
            Event::HoldStarted { .. }
            | Event::HoldEnded { .. }
            | Event::FrustrationNoted { .. } => {}
            Event::EmailRecorded { subject, from, .. } => {
                opt(subject, &mut out);
                opt(from, &mut out);
            }
            Event::PromiseMade { by, what, .. } | Event::OfferMade { by, what, .. } => {
                opt(by, &mut out);
                out.push(what);
            }
            Event::PromiseKept { note, .. }
            | Event::PromiseBroken { note, .. }
            | Event::OfferAnswered { note, .. }
            | Event::EscalationAnswered { note, .. }
            | Event::FollowUpDone { note, .. }
            | Event::StatusChanged { note, .. } => opt(note, &mut out),
            Event::EscalationRequested { to, reason, .. } => {
                opt(to, &mut out);
                opt(reason, &mut out);
            }
            Event::ContactEnded { outcome, .. } => opt(outcome, &mut out),
            Event::CaseAssigned { client, helper } => {
                opt(client, &mut out);
                opt(helper, &mut out);
            }
            Event::ExpenseIncurred { what, .. }
            | Event::TimeSpent { what, .. }
            | Event::FollowUpPlanned { what, .. } => out.push(what),
            Event::LetterSent {
                to,
                kind,
                via,
                summary,
            } => {
                out.push(to);
                out.push(kind);
                opt(via, &mut out);
                opt(summary, &mut out);
            }
            Event::AttachmentAdded { name, .. } => out.push(name),
            Event::Amended {
                reason, correction, ..
            } => {
                out.push(reason);
                opt(correction, &mut out);
            }
            Event::CompanyCreated { name } => out.push(name),
            Event::CompanyAliasAdded { alias } => out.push(alias),
            Event::CompanyChannelAdded { channel } => {
                out.push(&channel.value);
                opt(&channel.label, &mut out);
                opt(&channel.hours, &mut out);
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    Case,
    Company,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub problem: String,
    pub resolution: String,
    pub alternatives: Vec<String>,
    /// The answer to: would the company survive if every customer asked for this?
    pub fair: Option<Fairness>,
    pub fairness_note: Option<String>,
    /// Why the goal changed, for revisions.
    pub reason: Option<String>,
    /// The version this one revises as its writer saw the case (the case's
    /// id for a first goal; none in goals recorded before this was kept):
    /// two revisions of the same version were made apart, on two devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fairness {
    Yes,
    No,
    Unsure,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub kind: FactKind,
    /// For identifiers: what it is ("Account number", "Serial").
    pub label: Option<String>,
    pub value: String,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// When the product or service was acquired.
    Acquired,
    /// When the problem began.
    ProblemBegan,
    /// An account, order, serial, model or other number.
    Identifier,
    /// What is happening now.
    CurrentStatus,
    /// How things changed since the problem began.
    Change,
    /// What the customer expected.
    Expected,
    /// What the customer already tried.
    Tried,
    Other,
}

impl FactKind {
    pub const ALL: [FactKind; 8] = [
        FactKind::Acquired,
        FactKind::ProblemBegan,
        FactKind::Identifier,
        FactKind::CurrentStatus,
        FactKind::Change,
        FactKind::Expected,
        FactKind::Tried,
        FactKind::Other,
    ];

    pub fn is_date(self) -> bool {
        matches!(self, FactKind::Acquired | FactKind::ProblemBegan)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Chat,
    Email,
    Letter,
    InPerson,
    Social,
    Web,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The customer reached out.
    Outbound,
    /// The company reached out.
    Inbound,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rep {
    pub name: String,
    /// Employee id or phone extension.
    pub ext: Option<String>,
    pub email: Option<String>,
    pub department: Option<String>,
    pub role: Option<String>,
    /// The name of this person's supervisor, where they said.
    pub reports_to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    Case,
    Ticket,
    Complaint,
    Order,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferAnswer {
    Declined,
    /// Taken, with the record saying it does not settle the matter.
    AcceptedNotFull,
    AcceptedFull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationOutcome {
    /// Put through to the person or team asked for.
    Granted,
    /// A callback from them was promised.
    CallbackPromised,
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Open,
    /// Waiting on the company.
    Waiting,
    Escalated,
    Resolved,
    Abandoned,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Waiting => "waiting",
            Status::Escalated => "escalated",
            Status::Resolved => "resolved",
            Status::Abandoned => "abandoned",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Status::Resolved | Status::Abandoned)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyChannel {
    pub kind: ChannelKind,
    pub value: String,
    pub label: Option<String>,
    /// Opening hours as the company states them.
    pub hours: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Phone,
    Chat,
    Email,
    Postal,
    /// An executive's or the executive office's address, email or number.
    Executive,
    Web,
    Social,
    /// A regulator or ombudsman that oversees the company.
    Regulator,
}
