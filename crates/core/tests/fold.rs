//! The fold and the chain, tested on journals built in memory.

use casefile_core::*;
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

fn t(s: &str) -> Timestamp {
    format!("2026-11-{s}:00Z").parse().unwrap()
}

fn rep(name: &str) -> Rep {
    Rep {
        name: name.into(),
        ..Rep::default()
    }
}

/// A call with three reps, a promise and an offer.
fn dispute() -> (Uuid, Vec<Draft>, Uuid, Uuid, Uuid) {
    let case = Uuid::now_v7();
    let call = Draft::new(
        t("03T14:05"),
        Event::ContactStarted {
            channel: Channel::Phone,
            direction: Direction::Outbound,
            via: Some("800-555-0100".into()),
        },
    );
    let promise = Draft::new(
        t("03T14:40"),
        Event::PromiseMade {
            contact: Some(call.id),
            by: Some("Marcus".into()),
            what: "call back".into(),
            due: Some(t("05T14:40")),
        },
    );
    let offer = Draft::new(
        t("03T14:45"),
        Event::OfferMade {
            contact: Some(call.id),
            by: Some("Priya".into()),
            what: "a $25 credit".into(),
            value: Some(Money::parse("25", "USD").unwrap()),
        },
    );
    let (cid, pid, oid) = (call.id, promise.id, offer.id);
    let drafts = vec![
        Draft::new(
            t("01T09:00"),
            Event::CaseOpened {
                title: "Router refund".into(),
                company: None,
            },
        ),
        Draft::new(
            t("01T09:01"),
            Event::GoalSet(Goal {
                replaces: None,
                problem: "router dead on arrival".into(),
                resolution: "full refund of $129".into(),
                alternatives: vec![],
                fair: Some(Fairness::Yes),
                fairness_note: None,
                reason: None,
            }),
        ),
        call,
        Draft::new(
            t("03T14:06"),
            Event::RepJoined {
                contact: cid,
                rep: rep("Dana"),
            },
        ),
        Draft::new(
            t("03T14:20"),
            Event::RepJoined {
                contact: cid,
                rep: rep("Marcus"),
            },
        ),
        Draft::new(t("03T14:22"), Event::HoldStarted { contact: cid }),
        Draft::new(t("03T14:32"), Event::HoldEnded { contact: cid }),
        Draft::new(
            t("03T14:33"),
            Event::RepJoined {
                contact: cid,
                rep: rep("Priya"),
            },
        ),
        promise,
        offer,
        Draft::new(
            t("03T14:50"),
            Event::ContactEnded {
                contact: cid,
                outcome: Some("credit only".into()),
                rating: Some(3),
            },
        ),
    ];
    (case, drafts, cid, pid, oid)
}

fn sealed(case: Uuid, drafts: Vec<Draft>) -> Vec<Entry> {
    seal_all(case, "owner", drafts, t("03T15:00"))
}

#[test]
fn transfers_holds_and_costs_come_from_the_fold() {
    let (case, drafts, ..) = dispute();
    let s = CaseState::fold(&sealed(case, drafts)).unwrap();
    let c = &s.contacts[0];
    assert_eq!(c.reps.len(), 3);
    assert_eq!(c.transfers(), 2);
    assert_eq!(c.reps[1].transferred_from.as_deref(), Some("Dana"));
    assert_eq!(c.reps[2].transferred_from.as_deref(), Some("Marcus"));
    assert_eq!(c.duration(t("30T00:00")), SignedDuration::from_mins(45));
    assert_eq!(c.hold_time(t("30T00:00")), SignedDuration::from_mins(10));
    let costs = s.costs(t("30T00:00"));
    assert_eq!((costs.contacts, costs.reps, costs.transfers), (1, 3, 2));
    assert_eq!(s.goal().unwrap().goal.resolution, "full refund of $129");
    assert_eq!(s.status(), Status::Open);
}

#[test]
fn promises_offers_and_due_items() {
    let (case, mut drafts, _, pid, oid) = dispute();
    let s = CaseState::fold(&sealed(case, drafts.clone())).unwrap();
    assert_eq!(s.due_items().len(), 1);
    assert!(s.promises[0].is_overdue(t("06T00:00")));
    assert!(!s.promises[0].is_overdue(t("04T00:00")));

    drafts.push(Draft::new(
        t("06T09:00"),
        Event::PromiseBroken {
            promise: pid,
            note: Some("no call".into()),
        },
    ));
    drafts.push(Draft::new(
        t("06T09:01"),
        Event::OfferAnswered {
            offer: oid,
            answer: OfferAnswer::AcceptedNotFull,
            note: None,
        },
    ));
    let s = CaseState::fold(&sealed(case, drafts.clone())).unwrap();
    assert_eq!(s.promises[0].state, PromiseState::Broken);
    assert_eq!(s.offers[0].answer, Some(OfferAnswer::AcceptedNotFull));
    assert!(s.due_items().is_empty());

    // A second answer to the same promise is refused.
    drafts.push(Draft::new(
        t("06T09:02"),
        Event::PromiseKept {
            promise: pid,
            note: None,
        },
    ));
    let err = CaseState::fold(&sealed(case, drafts)).unwrap_err();
    assert!(
        matches!(
            err.1,
            DomainError::AlreadyAnswered {
                what: "promise",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_retracting_amendment_takes_the_item_out_of_every_count() {
    let (case, mut drafts, _, pid, _) = dispute();
    drafts.push(Draft::new(
        t("04T09:00"),
        Event::Amended {
            target: pid,
            reason: "misheard; no promise was made".into(),
            correction: None,
            retracts: true,
        },
    ));
    let s = CaseState::fold(&sealed(case, drafts)).unwrap();
    assert!(s.promises[0].origin.retracted);
    assert_eq!(s.promises[0].origin.amended_by, vec![12]);
    assert!(s.due_items().is_empty());
    assert_eq!(s.amendments[0].target_seq, 9);
}

#[test]
fn impossible_entries_are_refused_with_reasons() {
    let (case, drafts, cid, ..) = dispute();
    let base = sealed(case, drafts.clone());
    let try_one = |ev: Event| {
        let mut d = drafts.clone();
        d.push(Draft::new(t("04T00:00"), ev));
        CaseState::fold(&sealed(case, d)).unwrap_err().1
    };
    assert!(matches!(
        try_one(Event::Amended {
            target: Uuid::now_v7(),
            reason: "x".into(),
            correction: None,
            retracts: false
        }),
        DomainError::Missing { what: "entry", .. }
    ));
    assert!(matches!(
        try_one(Event::RepJoined {
            contact: cid,
            rep: rep("Late")
        }),
        DomainError::ContactEnded(3)
    ));
    assert!(matches!(
        try_one(Event::NoteAdded {
            contact: None,
            text: "  ".into()
        }),
        DomainError::Empty(_)
    ));
    assert!(matches!(
        try_one(Event::NoteAdded {
            contact: None,
            text: "bell\u{7}".into()
        }),
        DomainError::ControlChars { .. }
    ));
    // A right-to-left override makes a record read otherwise than it holds.
    for spoof in ["refund \u{202E}001$ of", "rep \u{2066}Dana\u{2069}"] {
        assert!(matches!(
            try_one(Event::NoteAdded {
                contact: None,
                text: spoof.into()
            }),
            DomainError::ControlChars { .. }
        ));
    }
    // Right-to-left text itself, with its marks, is text.
    let mut hebrew = drafts.clone();
    hebrew.push(Draft::new(
        t("04T00:00"),
        Event::NoteAdded {
            contact: None,
            text: "\u{5E9}\u{5DC}\u{5D5}\u{5DD} \u{200F}(Dana)".into(),
        },
    ));
    assert!(CaseState::fold(&sealed(case, hebrew)).is_ok());
    assert!(matches!(
        try_one(Event::NoteAdded {
            contact: None,
            text: "x".repeat(10 << 20)
        }),
        DomainError::TooLong { .. }
    ));
    assert!(matches!(
        try_one(Event::CaseOpened {
            title: "again".into(),
            company: None
        }),
        DomainError::AlreadyOpened
    ));
    assert!(matches!(
        try_one(Event::CompanyCreated {
            name: "Acme".into()
        }),
        DomainError::WrongStream(_)
    ));
    // Right-to-left text and emoji are text like any other.
    let mut d = drafts.clone();
    d.push(Draft::new(
        t("04T00:00"),
        Event::NoteAdded {
            contact: None,
            text: "שלום — مرحبا 👋".into(),
        },
    ));
    assert_eq!(CaseState::fold(&sealed(case, d)).unwrap().notes.len(), 1);
    // The state keeps a preview of long notes; the journal keeps the text.
    let mut d = drafts.clone();
    let long = "é".repeat(1000);
    d.push(Draft::new(
        t("04T00:00"),
        Event::NoteAdded {
            contact: None,
            text: long.clone(),
        },
    ));
    let s = CaseState::fold(&sealed(case, d)).unwrap();
    assert_eq!(
        (s.notes[0].chars, s.notes[0].preview.chars().count()),
        (1000, state::NOTE_PREVIEW + 1)
    );
    // A journal must start with the opening.
    assert!(matches!(
        CaseState::fold(&base[1..]).unwrap_err().1,
        DomainError::Invalid(_)
    ));
}

#[test]
fn the_chain_names_the_first_altered_entry() {
    let (case, drafts, ..) = dispute();
    let mut entries = sealed(case, drafts);
    let head = (entries.len() as u64, entries.last().unwrap().hash.clone());
    assert_eq!(verify_chain(case, &entries, Some((head.0, &head.1))), None);

    let mut altered = entries.clone();
    if let Event::NoteAdded { .. } | Event::RepJoined { .. } = altered[4].event {}
    altered[4].event = Event::RepJoined {
        contact: Uuid::nil(),
        rep: rep("Someone else"),
    };
    let b = verify_chain(case, &altered, Some((head.0, &head.1))).unwrap();
    assert_eq!(b.seq, 5);
    assert!(b.problem.contains("altered"));

    entries.remove(6);
    let b = verify_chain(case, &entries, Some((head.0, &head.1))).unwrap();
    assert_eq!(b.seq, 7);

    let (case2, drafts2, ..) = dispute();
    let mut e2 = sealed(case2, drafts2);
    let n = e2.len() as u64;
    let last = e2.pop().unwrap();
    let b = verify_chain(case2, &e2, Some((n, &last.hash))).unwrap();
    assert_eq!(b.seq, n, "a removed last entry is named");
}

#[test]
fn timeline_orders_by_when_and_marks_transfers() {
    let (case, mut drafts, ..) = dispute();
    // Logged late but back-dated: it sorts by `at`.
    drafts.push(Draft::new(
        t("02T10:00"),
        Event::FactRecorded(Fact {
            kind: FactKind::Identifier,
            label: Some("Account".into()),
            value: "1234567890".into(),
            sensitive: true,
        }),
    ));
    let entries = sealed(case, drafts);
    let s = CaseState::fold(&entries).unwrap();
    let tz = jiff::tz::TimeZone::UTC;
    let rows = text::timeline(&entries, &s, &tz, false);
    assert_eq!(rows[2].seq, 12);
    assert!(rows[2].text.contains("••••7890") && !rows[2].text.contains("123456"));
    assert!(
        rows.iter()
            .any(|r| r.text == "Transferred from Dana to Marcus")
    );
    assert!(
        text::timeline(&entries, &s, &tz, true)[2]
            .text
            .contains("1234567890")
    );
    let masked = text::masked_entry(&entries[11], &s, false);
    assert!(
        !serde_json::to_string(&masked)
            .unwrap()
            .contains("1234567890")
    );
}

/// Every kind of entry as the timeline words it, marks included: the words
/// are written by hand into one reused buffer, so each kind is pinned here.
#[test]
fn every_kind_of_entry_reads_as_one_line() {
    let case = Uuid::now_v7();
    let d = |at: &str, ev: Event| Draft::new(t(at), ev);
    let call = d(
        "02T10:00",
        Event::ContactStarted {
            channel: Channel::Chat,
            direction: Direction::Inbound,
            via: None,
        },
    );
    let c = call.id;
    let fact = d(
        "01T09:02",
        Event::FactRecorded(Fact {
            kind: FactKind::Identifier,
            label: Some("Account".into()),
            value: "1234567890".into(),
            sensitive: true,
        }),
    );
    let promise = d(
        "02T10:20",
        Event::PromiseMade {
            contact: Some(c),
            by: None,
            what: "send a label".into(),
            due: None,
        },
    );
    let promise2 = d(
        "02T10:21",
        Event::PromiseMade {
            contact: Some(c),
            by: Some("Dana".into()),
            what: "call back".into(),
            due: Some(t("05T09:00")),
        },
    );
    let offer = d(
        "02T10:25",
        Event::OfferMade {
            contact: Some(c),
            by: None,
            what: "a replacement".into(),
            value: None,
        },
    );
    let escalation = d(
        "02T10:30",
        Event::EscalationRequested {
            contact: Some(c),
            to: Some("a supervisor".into()),
            reason: Some("the label never came".into()),
        },
    );
    let follow_up = d(
        "02T12:00",
        Event::FollowUpPlanned {
            what: "check the label".into(),
            due: t("04T09:00"),
        },
    );
    let note = d(
        "02T10:12",
        Event::NoteAdded {
            contact: Some(c),
            text: "line one\nline  two".into(),
        },
    );
    let goal = Goal {
        replaces: None,
        problem: "router dead".into(),
        resolution: "a refund".into(),
        alternatives: vec![],
        fair: None,
        fairness_note: None,
        reason: None,
    };
    let (fid, pid, qid, oid, eid, uid, nid) = (
        fact.id,
        promise.id,
        promise2.id,
        offer.id,
        escalation.id,
        follow_up.id,
        note.id,
    );
    let drafts = vec![
        d(
            "01T09:00",
            Event::CaseOpened {
                title: "Router refund".into(),
                company: None,
            },
        ),
        d("01T09:01", Event::GoalSet(goal.clone())),
        fact,
        call,
        d(
            "02T10:05",
            Event::RepJoined {
                contact: c,
                rep: rep("Dana"),
            },
        ),
        d(
            "02T10:06",
            Event::ReferenceRecorded {
                contact: Some(c),
                kind: RefKind::Ticket,
                value: "T-1".into(),
            },
        ),
        d("02T10:07", Event::HoldStarted { contact: c }),
        d("02T10:09", Event::HoldEnded { contact: c }),
        d("02T10:10", Event::FrustrationNoted { contact: c }),
        d(
            "02T10:11",
            Event::EmailRecorded {
                contact: c,
                message_id: "<m1@example.com>".into(),
                in_reply_to: None,
                subject: Some("Your return".into()),
                from: Some("help@example.com".into()),
                to: vec![],
            },
        ),
        note,
        promise,
        promise2,
        offer,
        escalation,
        d(
            "02T10:40",
            Event::ContactEnded {
                contact: c,
                outcome: Some("label promised".into()),
                rating: Some(2),
            },
        ),
        d(
            "02T11:00",
            Event::PromiseBroken {
                promise: pid,
                note: Some("no label".into()),
            },
        ),
        d(
            "02T11:01",
            Event::PromiseKept {
                promise: qid,
                note: None,
            },
        ),
        d(
            "02T11:02",
            Event::OfferAnswered {
                offer: oid,
                answer: OfferAnswer::Declined,
                note: Some("not enough".into()),
            },
        ),
        d(
            "02T11:03",
            Event::EscalationAnswered {
                escalation: eid,
                outcome: EscalationOutcome::CallbackPromised,
                note: None,
            },
        ),
        d(
            "02T11:04",
            Event::ExpenseIncurred {
                what: "postage".into(),
                amount: Money::parse("4.50", "USD").unwrap(),
            },
        ),
        d(
            "02T11:05",
            Event::TimeSpent {
                minutes: 95,
                what: "calls".into(),
            },
        ),
        follow_up,
        d(
            "02T12:01",
            Event::FollowUpDone {
                follow_up: uid,
                note: Some("still nothing".into()),
            },
        ),
        d(
            "02T12:02",
            Event::LetterSent {
                to: "the executive office".into(),
                kind: "complaint".into(),
                via: Some("email".into()),
                summary: None,
            },
        ),
        d(
            "02T12:03",
            Event::AttachmentAdded {
                name: "receipt.pdf".into(),
                sha256: "0123456789abcdef".repeat(4),
                bytes: 2048,
            },
        ),
        d(
            "02T12:04",
            Event::StatusChanged {
                status: Status::Escalated,
                note: Some("executive letter sent".into()),
            },
        ),
        d(
            "02T12:05",
            Event::CaseAssigned {
                client: Some("R. Client".into()),
                helper: None,
            },
        ),
        d(
            "02T12:06",
            Event::LessonLearned {
                text: "ask for the ticket first".into(),
            },
        ),
        d(
            "02T12:07",
            Event::GoalSet(Goal {
                reason: Some("they offered store credit".into()),
                ..goal
            }),
        ),
        d(
            "02T12:08",
            Event::Amended {
                target: fid,
                reason: "a typo".into(),
                correction: Some("1234567899".into()),
                retracts: false,
            },
        ),
        d(
            "02T12:09",
            Event::Amended {
                target: nid,
                reason: "wrong call".into(),
                correction: None,
                retracts: true,
            },
        ),
    ];
    let entries = sealed(case, drafts);
    let s = CaseState::fold(&entries).unwrap();
    let tz = jiff::tz::TimeZone::UTC;
    let mut lines = String::new();
    text::Timeline::new(&entries, &s, &tz, false)
        .each_line(|r| {
            lines.push_str(&format!("#{} {}: ", r.seq, r.kind));
            text::push_one_line(&mut lines, r.text);
            text::push_marks(&mut lines, r.retracted, r.amended_by);
            lines.push('\n');
            Ok::<(), ()>(())
        })
        .unwrap();
    // The rows made whole say the same.
    let rows = text::timeline(&entries, &s, &tz, false);
    let whole: String = rows
        .iter()
        .map(|r| {
            format!(
                "#{} {}: {}{}\n",
                r.seq,
                r.kind,
                text::one_line(&r.text),
                text::marks(r.retracted, &r.amended_by)
            )
        })
        .collect();
    assert_eq!(lines, whole);
    // Company entries are worded by the same function.
    let company = Uuid::now_v7();
    let co = seal_all(
        company,
        "owner",
        vec![
            d(
                "01T08:00",
                Event::CompanyCreated {
                    name: "Acme".into(),
                },
            ),
            d(
                "01T08:01",
                Event::CompanyAliasAdded {
                    alias: "Acme Inc.".into(),
                },
            ),
            d(
                "01T08:02",
                Event::CompanyChannelAdded {
                    channel: CompanyChannel {
                        kind: ChannelKind::Phone,
                        value: "800-555-0100".into(),
                        label: None,
                        hours: None,
                    },
                },
            ),
        ],
        t("01T08:03"),
    );
    for e in &co {
        lines.push_str(&text::describe(e, &s, &tz, false));
        lines.push('\n');
    }
    insta::assert_snapshot!(lines);
}
