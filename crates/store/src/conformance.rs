//! The conformance suite: what every storage engine must do, written against
//! the [`Store`] trait only. An engine's crate stamps it out with
//! [`conformance_tests!`](crate::conformance_tests), giving a function that
//! makes a fresh, empty store (and keeps alive whatever it needs, such as a
//! temporary directory).

use std::any::Any;

use casefile_core::*;
use jiff::Timestamp;
use uuid::Uuid;

use crate::{CaseFilter, Store, StoreError, sync};

/// A fresh store and whatever must live as long as it.
pub type Made<S> = (S, Box<dyn Any>);

fn t(s: &str) -> Timestamp {
    format!("2026-11-{s}:00Z").parse().expect("test time")
}

fn opened(title: &str, company: Option<Uuid>) -> Draft {
    Draft::new(
        t("01T09:00"),
        Event::CaseOpened {
            title: title.into(),
            company,
        },
    )
}

fn note(text: &str) -> Draft {
    Draft::new(
        t("02T10:00"),
        Event::NoteAdded {
            contact: None,
            text: text.into(),
        },
    )
}

fn new_company<S: Store>(s: &mut S, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    s.append(
        id,
        0,
        "owner",
        vec![Draft::new(
            t("01T08:00"),
            Event::CompanyCreated { name: name.into() },
        )],
    )
    .expect("company");
    id
}

/// An entry as a view may read it: without its author and chain.
fn unchained(e: &Entry) -> Entry {
    Entry {
        author: String::new(),
        prev: String::new(),
        hash: String::new(),
        ..e.clone()
    }
}

/// An outbound phone call on the 3rd.
fn phone_call() -> Draft {
    Draft::new(
        t("03T14:05"),
        Event::ContactStarted {
            channel: Channel::Phone,
            direction: Direction::Outbound,
            via: None,
        },
    )
}

/// A case with a call, two reps, a promise due on the 5th and a follow-up on the 7th.
fn seeded_case<S: Store + ?Sized>(s: &mut S, title: &str, company: Option<Uuid>) -> Uuid {
    let id = Uuid::now_v7();
    let call = phone_call();
    let cid = call.id;
    s.append(
        id,
        0,
        "owner",
        vec![
            opened(title, company),
            call,
            Draft::new(
                t("03T14:06"),
                Event::RepJoined {
                    contact: cid,
                    rep: Rep {
                        name: "Dana".into(),
                        department: Some("Billing".into()),
                        ..Rep::default()
                    },
                },
            ),
            Draft::new(
                t("03T14:20"),
                Event::RepJoined {
                    contact: cid,
                    rep: Rep {
                        name: "Marcus".into(),
                        role: Some("supervisor".into()),
                        ..Rep::default()
                    },
                },
            ),
            Draft::new(
                t("03T14:30"),
                Event::PromiseMade {
                    contact: Some(cid),
                    by: Some("Marcus".into()),
                    what: "call back about the refund".into(),
                    due: Some(t("05T14:30")),
                },
            ),
            Draft::new(
                t("03T14:40"),
                Event::ContactEnded {
                    contact: cid,
                    outcome: None,
                    rating: Some(2),
                },
            ),
            Draft::new(
                t("03T15:00"),
                Event::FollowUpPlanned {
                    what: "chase the refund".into(),
                    due: t("07T09:00"),
                },
            ),
        ],
    )
    .expect("seeded case");
    id
}

pub fn append_then_read_back<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = Uuid::now_v7();
    let written = s
        .append(
            id,
            0,
            "owner",
            vec![opened("Router", None), note("first"), note("second")],
        )
        .unwrap();
    assert_eq!(written.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(written[0].prev, GENESIS);
    assert_eq!(written[1].prev, written[0].hash);
    assert_eq!(s.read_stream(id).unwrap(), written);
    let rec = s.case(id).unwrap();
    assert_eq!(
        (rec.handle, rec.state.title.as_str(), rec.state.notes.len()),
        (1, "Router", 2)
    );
    assert_eq!(s.case_by_handle(1).unwrap(), Some(id));
    assert_eq!(s.case_by_handle(2).unwrap(), None);
    assert!(s.verify().unwrap().is_empty());
    // The store sets `recorded`; `at` is what the caller said.
    assert_eq!(written[1].at, t("02T10:00"));
    assert!(written[1].recorded > t("02T10:00"));
}

pub fn a_stale_head_is_a_conflict_and_writes_nothing<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = Uuid::now_v7();
    s.append(id, 0, "owner", vec![opened("Router", None)])
        .unwrap();
    let err = s.append(id, 0, "owner", vec![note("late")]).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 0,
                actual: 1
            }
        ),
        "{err:?}"
    );
    let err = s
        .append(Uuid::now_v7(), 3, "owner", vec![opened("New", None)])
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(s.read_stream(id).unwrap().len(), 1);
    assert_eq!(s.list_cases(&CaseFilter::default()).unwrap().len(), 1);
}

pub fn a_batch_sent_again_lands_once<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = Uuid::now_v7();
    s.append(id, 0, "owner", vec![opened("Router", None)])
        .unwrap();
    let batch = vec![note("said on the phone"), note("and then this")];
    let first = s.append(id, 1, "owner", batch.clone()).unwrap();
    // Another writer moved the case on; the same batch sent again (its
    // answer was lost) gets what was stored, not a conflict or a copy.
    s.append(id, 3, "owner", vec![note("later")]).unwrap();
    let again = s.append(id, 1, "owner", batch.clone()).unwrap();
    assert_eq!(again, first);
    assert_eq!(s.entry(first[1].id).unwrap().as_ref(), Some(&first[1]));
    assert_eq!(s.entry(Uuid::now_v7()).unwrap(), None);
    let stream = s.read_stream(id).unwrap();
    assert_eq!(stream.len(), 4);
    assert_eq!(s.case(id).unwrap().state.notes.len(), 3);
    // An id names one entry: sent to another case it is refused.
    let other = Uuid::now_v7();
    s.append(other, 0, "owner", vec![opened("Other", None)])
        .unwrap();
    assert!(s.append(other, 1, "owner", batch).is_err());
    assert_eq!(s.read_stream(other).unwrap().len(), 1);
    assert!(s.verify().unwrap().is_empty());
}

pub fn seals_are_kept_through_rebuilds<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = Uuid::now_v7();
    s.append(id, 0, "owner", vec![opened("Router", None), note("one")])
        .unwrap();
    let heads = s.heads().unwrap();
    assert_eq!(heads.len(), 1);
    assert_eq!((heads[0].stream, heads[0].seq), (id, 2));
    let seal = casefile_core::seal::Seal::new(t("03T10:00"), heads);
    s.put_seal(&seal).unwrap();
    // The same seal twice is one seal.
    s.put_seal(&seal).unwrap();
    s.rebuild().unwrap();
    assert_eq!(s.seals().unwrap(), vec![seal.clone()]);
    s.append(id, 2, "owner", vec![note("two")]).unwrap();
    assert_eq!(s.heads().unwrap()[0].seq, 3);
    assert_eq!(s.seals().unwrap()[0].digest(), seal.digest());
}

pub fn a_refused_entry_leaves_the_whole_batch_unwritten<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = Uuid::now_v7();
    s.append(id, 0, "owner", vec![opened("Router", None)])
        .unwrap();
    let bad = Draft::new(
        t("02T10:00"),
        Event::Amended {
            target: Uuid::now_v7(),
            reason: "typo".into(),
            correction: None,
            retracts: false,
        },
    );
    let err = s
        .append(id, 1, "owner", vec![note("fine"), bad])
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Domain {
                seq: 3,
                err: DomainError::Missing { .. }
            }
        ),
        "{err:?}"
    );
    assert_eq!(s.read_stream(id).unwrap().len(), 1);
    assert_eq!(s.case(id).unwrap().state.seq(), 1);
    assert!(s.search("fine", 10).unwrap().is_empty());
    // A journal must start with an opening.
    assert!(matches!(
        s.append(Uuid::now_v7(), 0, "owner", vec![note("orphan")]),
        Err(StoreError::Domain { seq: 1, .. })
    ));
    assert_eq!(s.streams().unwrap().len(), 1);
}

pub fn lists_filter_by_status_and_company<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let acme = new_company(&mut s, "Acme Broadband, Inc.");
    let a = seeded_case(&mut s, "Router refund", Some(acme));
    let b = seeded_case(&mut s, "Phone bill", None);
    s.append(
        b,
        7,
        "owner",
        vec![Draft::new(
            t("09T10:00"),
            Event::StatusChanged {
                status: Status::Resolved,
                note: None,
            },
        )],
    )
    .unwrap();
    let all = s.list_cases(&CaseFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, b, "most recent activity first");
    let of_acme = s
        .list_cases(&CaseFilter {
            company: Some(acme),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(of_acme.iter().map(|r| r.id).collect::<Vec<_>>(), [a]);
    assert_eq!(
        of_acme[0].company_name.as_deref(),
        Some("Acme Broadband, Inc.")
    );
    let resolved = s
        .list_cases(&CaseFilter {
            status: Some(Status::Resolved),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(resolved.iter().map(|r| r.id).collect::<Vec<_>>(), [b]);
    assert_eq!(all[1].next_due, Some(t("05T14:30")));
    let first = s
        .list_cases(&CaseFilter {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        first.iter().map(|r| r.id).collect::<Vec<_>>(),
        [b],
        "a limit keeps the most recent"
    );
    assert_eq!(
        s.count_cases(&CaseFilter {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap(),
        2
    );
    assert_eq!(
        s.count_cases(&CaseFilter {
            status: Some(Status::Resolved),
            ..Default::default()
        })
        .unwrap(),
        1
    );
}

pub fn due_spans_cases_and_skips_closed_ones<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let a = seeded_case(&mut s, "A", None);
    let b = seeded_case(&mut s, "B", None);
    let due = s.due(t("06T00:00"), None, None).unwrap();
    assert_eq!(due.len(), 2, "both promises, neither follow-up");
    assert!(due.iter().all(|d| d.item.kind == DueKind::Promise));
    assert_eq!(s.due(t("30T00:00"), None, None).unwrap().len(), 4);
    assert_eq!(s.count_due(t("30T00:00"), None).unwrap(), 4);
    let soonest = s.due(t("30T00:00"), Some(1), None).unwrap();
    assert_eq!(
        (soonest.len(), soonest[0].item.kind),
        (1, DueKind::Promise),
        "a limit keeps the soonest"
    );
    s.append(
        b,
        7,
        "owner",
        vec![Draft::new(
            t("09T10:00"),
            Event::StatusChanged {
                status: Status::Abandoned,
                note: None,
            },
        )],
    )
    .unwrap();
    let promise = s.case(a).unwrap().state.promises[0].origin.entry;
    s.append(
        a,
        7,
        "owner",
        vec![Draft::new(
            t("06T10:00"),
            Event::PromiseBroken {
                promise,
                note: None,
            },
        )],
    )
    .unwrap();
    let due = s.due(t("30T00:00"), None, None).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].case, due[0].item.kind), (a, DueKind::FollowUp));
}

pub fn search_finds_words_in_any_script<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = Uuid::now_v7();
    s.append(
        id,
        0,
        "owner",
        vec![
            opened("Router", None),
            note("They said the modem firmware is at fault"),
            note("Le technicien viendra à Montréal"),
            note("\"quotes\" AND OR NEAR( * syntax"),
        ],
    )
    .unwrap();
    let hits = s.search("firmware modem", 10).unwrap();
    assert_eq!(hits.iter().map(|h| h.entry.seq).collect::<Vec<_>>(), [2]);
    assert_eq!(
        s.search("montreal", 10).unwrap().len(),
        1,
        "diacritics folded"
    );
    assert_eq!(s.search("NEAR( \"quotes", 10).unwrap().len(), 1);
    assert!(s.search("absent", 10).unwrap().is_empty());
    assert!(s.search("*", 10).unwrap().is_empty());
}

pub fn companies_match_forgivingly_and_gather_cases<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let acme = new_company(&mut s, "Acme Broadband, Inc.");
    s.append(
        acme,
        1,
        "owner",
        vec![Draft::new(
            t("01T08:01"),
            Event::CompanyAliasAdded {
                alias: "AcmeNet".into(),
            },
        )],
    )
    .unwrap();
    assert_eq!(s.company_by_name("acme broadband").unwrap(), Some(acme));
    assert_eq!(s.company_by_name("ACME BROADBAND LLC").unwrap(), Some(acme));
    assert_eq!(s.company_by_name("acmenet").unwrap(), Some(acme));
    assert_eq!(s.company_by_name("Globex").unwrap(), None);
    assert_eq!(
        s.company_by_name("acme").unwrap(),
        Some(acme),
        "the first word alone, when it is unique"
    );
    assert_eq!(s.company_by_name("acm").unwrap(), None, "whole words only");
    assert_eq!(s.company_by_name("%").unwrap(), None);
    let a = seeded_case(&mut s, "Router", Some(acme));
    let other = seeded_case(&mut s, "Other", None);
    for (case, lesson) in [(a, "Ask for the retention team"), (other, "Not theirs")] {
        let head = s.case(case).unwrap().state.seq();
        s.append(
            case,
            head,
            "owner",
            vec![Draft::new(
                t("04T09:00"),
                Event::LessonLearned {
                    text: lesson.into(),
                },
            )],
        )
        .unwrap();
    }
    let lessons = s
        .company_items(acme, casefile_core::ItemKind::Lesson)
        .unwrap();
    assert_eq!(lessons.len(), 1, "only the company's cases, only lessons");
    assert_eq!(lessons[0].1, a);
    assert!(
        matches!(&lessons[0].2, casefile_core::CaseItem::Lesson(l) if l.text == "Ask for the retention team")
    );
    assert!(
        s.company_items(acme, casefile_core::ItemKind::Letter)
            .unwrap()
            .is_empty()
    );
    let cases = s.cases_of_company(acme).unwrap();
    assert_eq!(cases.iter().map(|c| c.state.id).collect::<Vec<_>>(), [a]);
    let map = org_map(cases.iter().map(|c| &c.state));
    assert_eq!(map.people.len(), 2);
    assert_eq!(map.transfers.len(), 1);
    assert_eq!(s.companies().unwrap().len(), 1);
    assert_eq!(s.company(acme).unwrap().state.aliases, ["AcmeNet"]);
    new_company(&mut s, "Acme Rockets");
    assert_eq!(
        s.company_by_name("acme").unwrap(),
        None,
        "ambiguous: two companies begin with it"
    );
    // A company's lessons come case by case, in the order the cases were
    // opened, each case's in the order learned.
    let b = seeded_case(&mut s, "Modem", Some(acme));
    let head = s.case(b).unwrap().state.seq();
    let learned = ["Write to the executive office", "Keep the chat transcript"]
        .map(|text| Draft::new(t("05T09:00"), Event::LessonLearned { text: text.into() }))
        .to_vec();
    s.append(b, head, "owner", learned).unwrap();
    let lessons: Vec<(u64, Uuid, String)> = s
        .company_items(acme, casefile_core::ItemKind::Lesson)
        .unwrap()
        .into_iter()
        .map(|(handle, case, item)| match item {
            casefile_core::CaseItem::Lesson(l) => (handle, case, l.text),
            other => panic!("not a lesson: {other:?}"),
        })
        .collect();
    let handle = |id| s.case(id).unwrap().handle;
    assert_eq!(
        lessons,
        [
            (handle(a), a, "Ask for the retention team".to_string()),
            (handle(b), b, "Write to the executive office".to_string()),
            (handle(b), b, "Keep the chat transcript".to_string()),
        ]
    );
}

/// Everything a reader can see, for comparing a store with itself or another.
fn observable<S: Store>(s: &S) -> String {
    let mut out = String::new();
    let rows = s.list_cases(&CaseFilter::default()).unwrap();
    out.push_str(&format!("{rows:?}\n"));
    for r in &rows {
        out.push_str(&format!("{:?}\n", s.case(r.id).unwrap()));
    }
    out.push_str(&format!(
        "{:?}\n",
        s.due(t("30T00:00"), None, None).unwrap()
    ));
    out.push_str(&format!("{:?}\n", s.companies().unwrap()));
    out.push_str(&format!("{:?}\n", s.search("refund", 50).unwrap()));
    out
}

pub fn rebuild_equals_incremental<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let acme = new_company(&mut s, "Acme");
    let a = seeded_case(&mut s, "Router refund", Some(acme));
    seeded_case(&mut s, "Bill", None);
    let promise = s.case(a).unwrap().state.promises[0].origin.entry;
    s.append(
        a,
        7,
        "owner",
        vec![Draft::new(
            t("04T10:00"),
            Event::Amended {
                target: promise,
                reason: "misheard".into(),
                correction: None,
                retracts: true,
            },
        )],
    )
    .unwrap();
    let before = observable(&s);
    let total: u64 = s.streams().unwrap().iter().map(|x| x.head_seq).sum();
    let mut seen = Vec::new();
    s.rebuild_with(&mut |done, all| seen.push((done, all)))
        .unwrap();
    assert_eq!(
        seen.first(),
        Some(&(0, total)),
        "progress starts at nothing"
    );
    assert_eq!(
        seen.last(),
        Some(&(total, total)),
        "and ends at every entry"
    );
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "and never goes back"
    );
    let mut checked = Vec::new();
    assert!(
        s.verify_with(&mut |done, all| checked.push((done, all)))
            .unwrap()
            .is_empty()
    );
    assert_eq!(checked.last(), Some(&(total, total)));
    assert_eq!(observable(&s), before);
    assert!(s.verify().unwrap().is_empty());
}

pub fn import_is_verbatim_idempotent_and_refuses_divergence<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut src, _k1) = make();
    let acme = new_company(&mut src, "Acme");
    let a = seeded_case(&mut src, "Router refund", Some(acme));
    let all: Vec<Entry> = src
        .streams()
        .unwrap()
        .iter()
        .flat_map(|i| src.read_stream(i.id).unwrap())
        .collect();

    let (mut dst, _k2) = make();
    let mut heard = Vec::new();
    let sum = dst
        .import_with(all.clone(), &mut |done, total| heard.push((done, total)))
        .unwrap();
    let n = all.len() as u64;
    assert_eq!(heard.first(), Some(&(0, n)));
    assert_eq!(heard.last(), Some(&(n, n)), "progress reaches every entry");
    assert_eq!(
        (
            sum.streams_added,
            sum.entries_added,
            sum.entries_already_present
        ),
        (2, all.len(), 0)
    );
    assert_eq!(observable(&dst), observable(&src));
    assert_eq!(dst.read_stream(a).unwrap(), src.read_stream(a).unwrap());
    let again = dst.import(all.clone()).unwrap();
    assert_eq!(
        (again.entries_added, again.entries_already_present),
        (0, all.len())
    );

    // Grows: the source gains an entry; importing the longer stream adds just that.
    src.append(a, 7, "owner", vec![note("later")]).unwrap();
    let longer = src.read_stream(a).unwrap();
    assert_eq!(dst.import(longer).unwrap().entries_added, 1);

    // Diverges: a different entry 9 here than there.
    dst.append(a, 8, "owner", vec![note("only here")]).unwrap();
    src.append(a, 8, "owner", vec![note("only there")]).unwrap();
    let before = observable(&dst);
    assert!(matches!(
        dst.import(src.read_stream(a).unwrap()),
        Err(StoreError::Import(_))
    ));
    assert_eq!(observable(&dst), before, "nothing written");

    // A broken chain is refused whole.
    let mut broken = all.clone();
    broken[3].author = "mallory".into();
    let (mut fresh, _k3) = make();
    assert!(matches!(fresh.import(broken), Err(StoreError::Import(_))));
    assert!(fresh.streams().unwrap().is_empty());
}

/// A small deterministic generator, so every engine sees the same sequences.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// A random next event for the case as it stands; some are meant to be
/// refused (a hold on an ended call, an offer answered twice).
fn random_event(r: &mut Lcg, s: &CaseState, all: &[Entry]) -> Event {
    let pick = |r: &mut Lcg, v: &[Uuid]| v.get(r.below(v.len())).copied();
    let contacts: Vec<Uuid> = s.contacts.iter().map(|c| c.origin.entry).collect();
    let any_contact = pick(r, &contacts);
    let word = ["refund", "router", "Dana", "billing", "ticket"][r.below(5)];
    match r.below(16) {
        0 => Event::ContactStarted {
            channel: Channel::Phone,
            direction: Direction::Outbound,
            via: None,
        },
        1 | 2 => Event::RepJoined {
            contact: any_contact.unwrap_or_else(Uuid::now_v7),
            rep: Rep {
                name: format!("Rep {}", r.below(4)),
                ..Rep::default()
            },
        },
        3 => Event::NoteAdded {
            contact: any_contact.filter(|_| r.below(2) == 0),
            text: format!("{word} note {}", r.below(1000)),
        },
        4 => Event::PromiseMade {
            contact: any_contact,
            by: Some("Dana".into()),
            what: format!("call back about the {word}"),
            due: Some(t("05T12:00")),
        },
        5 => match pick(
            r,
            &s.promises
                .iter()
                .map(|p| p.origin.entry)
                .collect::<Vec<_>>(),
        ) {
            Some(promise) if r.below(2) == 0 => Event::PromiseKept {
                promise,
                note: None,
            },
            Some(promise) => Event::PromiseBroken {
                promise,
                note: Some("no call".into()),
            },
            None => Event::LessonLearned {
                text: "ask for names".into(),
            },
        },
        6 => Event::OfferMade {
            contact: any_contact,
            by: None,
            what: "a credit".into(),
            value: None,
        },
        7 => match pick(
            r,
            &s.offers.iter().map(|p| p.origin.entry).collect::<Vec<_>>(),
        ) {
            Some(offer) => Event::OfferAnswered {
                offer,
                answer: OfferAnswer::AcceptedNotFull,
                note: None,
            },
            None => Event::TimeSpent {
                minutes: 5,
                what: "letters".into(),
            },
        },
        8 => match any_contact {
            Some(contact) if r.below(2) == 0 => Event::HoldStarted { contact },
            Some(contact) => Event::HoldEnded { contact },
            None => Event::FollowUpPlanned {
                what: "chase".into(),
                due: t("09T09:00"),
            },
        },
        9 => match any_contact {
            Some(contact) => Event::ContactEnded {
                contact,
                outcome: Some("nothing yet".into()),
                rating: Some(1 + r.below(5) as u8),
            },
            None => Event::ReferenceRecorded {
                contact: None,
                kind: RefKind::Case,
                value: "CAS-1".into(),
            },
        },
        10 => Event::StatusChanged {
            status: [
                Status::Open,
                Status::Waiting,
                Status::Resolved,
                Status::Escalated,
            ][r.below(4)],
            note: None,
        },
        11 if r.below(3) == 0 => Event::CaseAssigned {
            client: (r.below(2) == 0).then(|| format!("client {word}")),
            helper: ["ana@clinic.org", "bo@clinic.org"]
                .get(r.below(3))
                .map(|h| h.to_string()),
        },
        11 => Event::FollowUpPlanned {
            what: format!("chase the {word}"),
            due: t(&format!("{:02}T09:00", 3 + r.below(20))),
        },
        12 => match pick(
            r,
            &s.follow_ups
                .iter()
                .map(|f| f.origin.entry)
                .collect::<Vec<_>>(),
        ) {
            Some(follow_up) => Event::FollowUpDone {
                follow_up,
                note: None,
            },
            None => Event::ExpenseIncurred {
                what: "postage".into(),
                amount: Money::parse("2.50", "USD").unwrap(),
            },
        },
        13 | 14 => {
            // Any earlier entry, corrected or retracted.
            let target = all[r.below(all.len())].id;
            let retracts = r.below(3) == 0;
            Event::Amended {
                target,
                reason: "misheard".into(),
                correction: (!retracts).then(|| format!("corrected {word}")),
                retracts,
            }
        }
        _ => Event::GoalSet(Goal {
            replaces: None,
            problem: format!("the {word} is broken"),
            resolution: "a refund".into(),
            alternatives: vec![],
            fair: Some(Fairness::Yes),
            fairness_note: None,
            reason: None,
        }),
    }
}

pub fn projections_equal_the_fold_for_random_journals<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    for seed in 0..12u64 {
        let mut r = Lcg(seed * 7919 + 1);
        let id = seeded_case(&mut s, &format!("Case {seed}"), None);
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..60 {
            let before = s.case(id).unwrap();
            let all = s.read_stream(id).unwrap();
            let event = random_event(&mut r, &before.state, &all);
            let head = before.state.seq();
            match s.append(id, head, "owner", vec![Draft::new(t("04T10:00"), event)]) {
                Ok(_) => accepted += 1,
                Err(StoreError::Domain { .. }) => {
                    refused += 1;
                    assert_eq!(
                        s.case(id).unwrap(),
                        before,
                        "a refused append changes nothing"
                    );
                    assert_eq!(s.read_stream(id).unwrap().len() as u64, head);
                    continue;
                }
                Err(e) => panic!("seed {seed}: {e}"),
            }
            let entries = s.read_stream(id).unwrap();
            let folded = CaseState::fold(&entries).unwrap();
            assert_eq!(
                s.case(id).unwrap().state,
                folded,
                "seed {seed}: projection differs from the fold"
            );
        }
        assert!(
            accepted > 20 && refused > 0,
            "seed {seed}: {accepted} accepted, {refused} refused"
        );
    }
    assert!(s.verify().unwrap().is_empty());
    let before = observable(&s);
    s.rebuild().unwrap();
    assert_eq!(observable(&s), before);
}

/// What a writer asks for is what it gets: the open contact, the goals, the
/// items of the named entries, and the status, and nothing else.
pub fn partial_reads_hold_what_writers_need<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = seeded_case(&mut s, "Partial", None);
    let head = s.case(id).unwrap().state.seq();
    let call = Draft::new(
        t("04T09:00"),
        Event::ContactStarted {
            channel: Channel::Phone,
            direction: Direction::Outbound,
            via: None,
        },
    );
    let goal = Draft::new(
        t("04T09:30"),
        Event::GoalSet(Goal {
            replaces: None,
            problem: "the router is broken".into(),
            resolution: "a replacement".into(),
            alternatives: vec![],
            fair: Some(Fairness::Yes),
            fairness_note: None,
            reason: None,
        }),
    );
    let waiting = Draft::new(
        t("04T09:40"),
        Event::StatusChanged {
            status: Status::Waiting,
            note: None,
        },
    );
    s.append(
        id,
        head,
        "owner",
        vec![
            call,
            note("on hold again"),
            goal,
            note("asked for a supervisor"),
            waiting,
        ],
    )
    .unwrap();
    let full = s.case(id).unwrap().state;

    let none = s.case_parts(id, &crate::Parts::default()).unwrap().state;
    assert!(none.contacts.is_empty() && none.goals.is_empty() && none.notes.is_empty());
    assert_eq!(none.status(), Status::Waiting);
    assert_eq!(none.seq(), full.seq());
    assert_eq!(none.title, "Partial");

    let open = s
        .case_parts(
            id,
            &crate::Parts {
                open_contacts: true,
                ..Default::default()
            },
        )
        .unwrap()
        .state;
    assert_eq!(open.contacts.len(), 1, "only the contact still open");
    assert_eq!(open.contacts[0], full.contacts[1]);

    let goals = s
        .case_parts(
            id,
            &crate::Parts {
                goals: true,
                seqs: vec![5],
                ..Default::default()
            },
        )
        .unwrap()
        .state;
    assert_eq!(goals.goals, full.goals);
    assert_eq!(goals.promises, full.promises, "entry 5 made the promise");
    assert!(goals.contacts.is_empty() && goals.follow_ups.is_empty());

    // Everything but the notes: the same state, without its notes.
    let no_notes = s
        .case_parts(
            id,
            &crate::Parts {
                all_but: Some(ItemKind::Note),
                ..Default::default()
            },
        )
        .unwrap()
        .state;
    let mut expected = full.clone();
    expected.notes.clear();
    assert!(!full.notes.is_empty());
    assert_eq!(no_notes, expected);
    assert_eq!(no_notes.status(), Status::Waiting);

    // ...with the latest note, or all of them when fewer than asked.
    let notes = full.notes.len();
    assert!(notes >= 2, "the case has notes to choose from");
    assert_eq!(s.count_items(id, ItemKind::Note).unwrap(), notes as u64);
    assert_eq!(s.count_items(id, ItemKind::Letter).unwrap(), 0);
    for (recent, kept) in [(1, 1), (notes + 3, notes)] {
        let latest = s
            .case_parts(
                id,
                &crate::Parts {
                    all_but: Some(ItemKind::Note),
                    recent,
                    ..Default::default()
                },
            )
            .unwrap()
            .state;
        let mut expected = full.clone();
        expected.notes.drain(..notes - kept);
        assert_eq!(latest, expected, "the last {recent} note(s)");
    }

    match s.case_parts(Uuid::now_v7(), &crate::Parts::default()) {
        Err(StoreError::NoSuchStream { kind: "case", .. }) => {}
        other => panic!("an unknown case is not found: {other:?}"),
    }
}

/// Things that are not there are errors or nothing, never a panic.
pub fn what_is_missing_is_reported<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let nobody = Uuid::now_v7();
    assert!(matches!(
        s.case(nobody),
        Err(StoreError::NoSuchStream { kind: "case", .. })
    ));
    assert!(matches!(
        s.company(nobody),
        Err(StoreError::NoSuchStream {
            kind: "company",
            ..
        })
    ));
    assert_eq!(s.case_by_handle(99).unwrap(), None);
    assert_eq!(s.company_by_name("Nobody Ltd").unwrap(), None);
    assert_eq!(s.entry_at(nobody, 1).unwrap(), None);
    assert!(s.read_stream(nobody).unwrap().is_empty());
    // Appending to a stream that is not there, as if it had entries.
    assert!(s.append(nobody, 3, "owner", vec![note("lost")]).is_err());
    assert!(s.streams().unwrap().is_empty(), "nothing was made");
    let id = seeded_case(&mut s, "Here", None);
    assert_eq!(s.entry_at(id, 99).unwrap(), None);
    assert_eq!(s.entry_at(id, 1).unwrap().unwrap().seq, 1);
}

/// Search returns at most the limit asked for, the best match first.
pub fn search_limits_and_ranks<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = Uuid::now_v7();
    let mut drafts = vec![opened("Refunds", None)];
    for i in 0..30 {
        drafts.push(note(&format!(
            "Call {i}: a long talk about the weather, the hold music, the queue, and once a refund"
        )));
    }
    drafts.push(note("Refund refund refund"));
    s.append(id, 0, "owner", drafts).unwrap();
    let hits = s.search("refund", 5).unwrap();
    assert_eq!(hits.len(), 5, "the limit holds");
    assert_eq!(hits[0].entry.seq, 32, "the closest match comes first");
    assert_eq!((hits[0].handle, hits[0].case), (1, id));
    assert_eq!(s.search("refund", 100).unwrap().len(), 31);
    assert!(s.search("refund", 0).unwrap().is_empty());
}

/// Streams come oldest first, entries in their order, each chained to the last.
pub fn streams_and_entries_come_in_order<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let acme = new_company(&mut s, "Acme");
    let a = seeded_case(&mut s, "First", Some(acme));
    let b = seeded_case(&mut s, "Second", None);
    s.append(b, 7, "owner", vec![note("later")]).unwrap();
    let ids: Vec<Uuid> = s.streams().unwrap().iter().map(|x| x.id).collect();
    assert_eq!(ids, [acme, a, b]);
    let entries = s.read_stream(b).unwrap();
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert_eq!(verify_chain(b, &entries, None), None);
    // Read for a view, the same entries in the same order: only the author
    // and the chain may be left out.
    let shown = s.read_stream_without_chain(b).unwrap();
    assert_eq!(
        shown.iter().map(unchained).collect::<Vec<_>>(),
        entries.iter().map(unchained).collect::<Vec<_>>()
    );
    let handles: Vec<u64> = [a, b].iter().map(|c| s.case(*c).unwrap().handle).collect();
    assert_eq!(
        handles,
        [1, 2],
        "case numbers in the order cases were opened"
    );
}

/// A long case (an engine may read it in parts, or on more than one thread)
/// reads back whole: every entry once, in order, each as written (the chain
/// holds), the state from its items equal to the fold, and the case page's
/// parts holding every contact and the latest notes.
pub fn a_long_case_reads_whole_and_in_order<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = Uuid::now_v7();
    s.append(id, 0, "owner", vec![opened("Long", None)])
        .unwrap();
    let (calls, per_append) = (300, 20);
    for first in (0..calls).step_by(per_append) {
        let mut drafts = Vec::new();
        for i in first..first + per_append {
            let call = phone_call();
            let cid = call.id;
            drafts.push(call);
            drafts.extend([
                Draft::new(
                    t("03T14:06"),
                    Event::RepJoined {
                        contact: cid,
                        rep: Rep {
                            name: format!("Rep {i} Ñoño"),
                            ..Rep::default()
                        },
                    },
                ),
                Draft::new(
                    t("03T14:07"),
                    Event::ReferenceRecorded {
                        contact: Some(cid),
                        kind: RefKind::Ticket,
                        value: format!("T-{i}"),
                    },
                ),
                Draft::new(
                    t("03T14:08"),
                    Event::NoteAdded {
                        contact: Some(cid),
                        text: format!("note {i}: «quoted» 日本語 \"escaped\"\nsecond line"),
                    },
                ),
                Draft::new(
                    t("03T14:40"),
                    Event::ContactEnded {
                        contact: cid,
                        outcome: Some(format!("outcome {i}")),
                        rating: None,
                    },
                ),
            ]);
        }
        let head = s.case(id).unwrap().state.seq();
        s.append(id, head, "owner", drafts).unwrap();
    }
    let total = 1 + calls as u64 * 5;
    let entries = s.read_stream(id).unwrap();
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=total).collect::<Vec<_>>()
    );
    assert_eq!(
        verify_chain(id, &entries, None),
        None,
        "each entry as written"
    );
    assert_eq!(
        s.read_stream_without_chain(id)
            .unwrap()
            .iter()
            .map(unchained)
            .collect::<Vec<_>>(),
        entries.iter().map(unchained).collect::<Vec<_>>()
    );
    let folded = CaseState::fold(&entries).unwrap();
    assert_eq!(folded.contacts.len(), calls);
    assert_eq!(s.case(id).unwrap().state, folded, "items equal the fold");
    let page = s
        .case_parts(
            id,
            &crate::Parts {
                all_but: Some(ItemKind::Note),
                recent: 5,
                ..crate::Parts::default()
            },
        )
        .unwrap()
        .state;
    assert_eq!(page.contacts, folded.contacts);
    assert_eq!(page.references, folded.references);
    assert_eq!(page.notes, folded.notes[calls - 5..]);
}

/// An export masks sensitive values unless asked to reveal them.
pub fn exports_mask_what_is_sensitive<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = Uuid::now_v7();
    s.append(
        id,
        0,
        "owner",
        vec![
            opened("Bank", None),
            Draft::new(
                t("01T09:01"),
                Event::FactRecorded(Fact {
                    kind: FactKind::Identifier,
                    label: Some("Account".into()),
                    value: "88124471093".into(),
                    sensitive: true,
                }),
            ),
        ],
    )
    .unwrap();
    let mut masked = Vec::new();
    let header = crate::jsonl::export(&s, false, &mut masked).unwrap();
    let masked = String::from_utf8(masked).unwrap();
    assert!(header.masked);
    assert!(!masked.contains("88124471093"), "{masked}");
    assert!(
        masked.contains("1093"),
        "the last digits stay, to tell accounts apart"
    );
    let mut full = Vec::new();
    crate::jsonl::export(&s, true, &mut full).unwrap();
    assert!(String::from_utf8(full).unwrap().contains("88124471093"));
}

/// Two handles on one store, writing at once: every append lands, in one
/// unbroken chain, and each refused one is a conflict that a retry resolves.
pub fn concurrent_writers_all_land<S: Store + Send + 'static>(
    make_pair: &dyn Fn() -> (S, S, Box<dyn Any>),
) {
    let (mut first, second, _keep) = make_pair();
    let id = seeded_case(&mut first, "Busy", None);
    let writer = |mut s: S, who: &'static str| {
        std::thread::spawn(move || {
            let mut conflicts = 0;
            for i in 0..40 {
                loop {
                    let head = s.case(id).unwrap().state.seq();
                    match s.append(id, head, who, vec![note(&format!("{who} {i}"))]) {
                        Ok(_) => break,
                        Err(StoreError::Conflict { .. }) | Err(StoreError::Busy { .. }) => {
                            conflicts += 1
                        }
                        Err(e) => panic!("{who}: {e}"),
                    }
                }
            }
            (s, conflicts)
        })
    };
    let a = writer(first, "ana");
    let b = writer(second, "bo");
    let (s, _) = a.join().unwrap();
    b.join().unwrap();
    let entries = s.read_stream(id).unwrap();
    assert_eq!(entries.len(), 7 + 80);
    assert_eq!(verify_chain(id, &entries, None), None);
    for who in ["ana", "bo"] {
        assert_eq!(entries.iter().filter(|e| e.author == who).count(), 40);
    }
    assert_eq!(
        s.case(id).unwrap().state,
        CaseState::fold(&entries).unwrap()
    );
    assert!(s.verify().unwrap().is_empty());
}

/// A writer that read the case before another wrote is given the case as it
/// now stands, inside the lock, and appends without a conflict; a build that
/// declines writes nothing.
pub fn a_built_append_sees_the_case_as_it_stands<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let id = seeded_case(&mut s, "Built", None);
    let parts = crate::Parts {
        open_contacts: true,
        goals: true,
        ..crate::Parts::default()
    };
    let stale = s.case_parts(id, &parts).unwrap().state;
    s.append(id, stale.seq(), "other", vec![note("in between")])
        .unwrap();
    let mut seen = None;
    let written = s
        .append_built(id, &stale, "me", &parts, &mut |st| {
            seen = Some(st.seq());
            Some(vec![note("after")])
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        seen,
        Some(stale.seq() + 1),
        "built on the case as it now stands"
    );
    assert_eq!(written[0].seq, stale.seq() + 2);
    let before = s.read_stream(id).unwrap().len();
    let fresh = s.case_parts(id, &parts).unwrap().state;
    assert_eq!(
        s.append_built(id, &fresh, "me", &parts, &mut |_| None)
            .unwrap(),
        None
    );
    assert_eq!(
        s.read_stream(id).unwrap().len(),
        before,
        "a declined build writes nothing"
    );
    assert!(matches!(
        s.append_built(Uuid::now_v7(), &fresh, "me", &parts, &mut |_| Some(vec![
            note("x")
        ])),
        Err(StoreError::NoSuchStream { .. })
    ));
    assert!(s.verify().unwrap().is_empty());
}

/// A case names who it is for and the helper working it; lists, the due
/// list and their counts find a helper's cases; the views hold it after a
/// rebuild and verify checks it.
pub fn cases_are_found_by_the_helper_working_them<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let a = seeded_case(&mut s, "Ana's", None);
    let b = seeded_case(&mut s, "Bo's", None);
    let assign = |client: &str, helper: &str| {
        vec![Draft::new(
            t("03T16:00"),
            Event::CaseAssigned {
                client: Some(client.into()),
                helper: Some(helper.into()),
            },
        )]
    };
    let head = s.case(a).unwrap().state.seq();
    s.append(a, head, "owner", assign("Mrs Jones", "ana@clinic.org"))
        .unwrap();
    let head = s.case(b).unwrap().state.seq();
    s.append(b, head, "owner", assign("Mr Smith", "bo@clinic.org"))
        .unwrap();
    let mine = CaseFilter {
        helper: Some("ana@clinic.org".into()),
        ..CaseFilter::default()
    };
    let rows = s.list_cases(&mine).unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [a]);
    assert_eq!(
        (rows[0].client.as_deref(), rows[0].helper.as_deref()),
        (Some("Mrs Jones"), Some("ana@clinic.org"))
    );
    assert_eq!(s.count_cases(&mine).unwrap(), 1);
    let due = s.due(t("30T00:00"), None, Some("bo@clinic.org")).unwrap();
    assert!(!due.is_empty() && due.iter().all(|d| d.case == b));
    assert_eq!(
        s.count_due(t("30T00:00"), Some("bo@clinic.org")).unwrap(),
        due.len() as u64
    );
    assert!(
        s.due(t("30T00:00"), None, Some("nobody@x.org"))
            .unwrap()
            .is_empty()
    );
    // Unassigned again: off the helper's list.
    let head = s.case(a).unwrap().state.seq();
    s.append(
        a,
        head,
        "owner",
        vec![Draft::new(
            t("03T17:00"),
            Event::CaseAssigned {
                client: Some("Mrs Jones".into()),
                helper: None,
            },
        )],
    )
    .unwrap();
    assert!(s.list_cases(&mine).unwrap().is_empty());
    assert_eq!(
        s.case(a).unwrap().state.client.as_deref(),
        Some("Mrs Jones")
    );
    assert!(s.verify().unwrap().is_empty());
    s.rebuild().unwrap();
    assert!(s.verify().unwrap().is_empty());
    assert_eq!(
        s.list_cases(&CaseFilter {
            helper: Some("bo@clinic.org".into()),
            ..CaseFilter::default()
        })
        .unwrap()
        .len(),
        1
    );
}

/// A way an outsider could change what a store holds, for the engine to do
/// to its own files or tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// Edit the stored text of an entry (the promise at #5 says "rebate").
    EntryText { stream: Uuid, seq: u64 },
    /// Remove one stored item of a case's view.
    DropItem { case: Uuid, seq: u64 },
    /// Change the title in the case list's row.
    ListRow { case: Uuid },
    /// Remove a case's lines from the due list.
    DueLines { case: Uuid },
    /// Change the company's stored view (its name).
    CompanyView { company: Uuid },
    /// Remove a stream's row, hiding its entries from every list.
    DropStream { stream: Uuid },
    /// Remove what the search index holds for one entry (#5), so a search
    /// no longer finds it.
    SearchText { case: Uuid, seq: u64 },
    /// Remove the signature of a journal's head.
    DropSignature { stream: Uuid },
    /// Change what a head signature says it signed.
    ForgeSignature { stream: Uuid },
    /// Remove a journal's last entry and set its head back to the one
    /// before: a chain that is whole again.
    CutTail { stream: Uuid },
    /// Remove a whole journal: its entries, its row and its signature.
    HideWhole { stream: Uuid },
}

/// The signatures catch what the hash chain alone cannot: a head's
/// signature removed or forged, a tail cut off with the head set back, a
/// whole journal hidden with its signature. The first write of a device that
/// signs signs every head, so none of these passes for an older journal.
pub fn signatures_catch_what_the_chain_cannot<S: Store>(
    make: &dyn Fn() -> Made<S>,
    tamper: &dyn Fn(&mut S, Tamper),
) {
    let anchor = std::env::temp_dir().join(format!("casefile-anchor-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&anchor).unwrap();
    type Setup = (&'static str, fn(Uuid) -> Tamper);
    let setups: [Setup; 4] = [
        ("carries no signature", |stream| Tamper::DropSignature {
            stream,
        }),
        ("does not match", |stream| Tamper::ForgeSignature { stream }),
        ("cut off", |stream| Tamper::CutTail { stream }),
        ("journal(s) where this device signed for", |stream| {
            Tamper::HideWhole { stream }
        }),
    ];
    for (needle, how) in setups {
        for older in [false, true] {
            let (mut s, _keep) = make();
            // A journal written before the device signed: its first write adopts it.
            let before = seeded_case(&mut s, "Written before signing", None);
            s.set_signer(ed25519_dalek::SigningKey::from_bytes(&[7; 32]));
            s.set_anchor(&anchor);
            let acme = new_company(&mut s, "Acme");
            let case = seeded_case(&mut s, "Tampered", Some(acme));
            assert!(s.verify().unwrap().is_empty(), "clean before");
            let t = how(if older { before } else { case });
            tamper(&mut s, t);
            if matches!(t, Tamper::HideWhole { .. } | Tamper::CutTail { .. }) {
                // Views folded again from what is left: only the signatures can tell.
                s.rebuild().unwrap();
            }
            let found = s.verify().unwrap();
            assert!(
                found.iter().any(|f| f.chain.problem.contains(needle)),
                "{t:?} (older journal: {older}): {found:?}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&anchor);
}

/// `verify` names each kind of tampering and each stale view, on the stream
/// it hit; `rebuild` mends the views, and never an altered entry.
pub fn verify_finds_tampering_and_stale_views<S: Store>(
    make: &dyn Fn() -> Made<S>,
    tamper: &dyn Fn(&mut S, Tamper),
) {
    // What verify must say, and the tampering, given the case and the company.
    type Setup = (&'static str, fn(Uuid, Uuid) -> Tamper);
    let setups: [Setup; 7] = [
        ("altered", |case, _| Tamper::EntryText {
            stream: case,
            seq: 5,
        }),
        ("search index", |case, _| Tamper::SearchText {
            case,
            seq: 5,
        }),
        ("case view", |case, _| Tamper::DropItem { case, seq: 5 }),
        ("case list row", |case, _| Tamper::ListRow { case }),
        ("due list", |case, _| Tamper::DueLines { case }),
        ("company view", |_, company| Tamper::CompanyView { company }),
        ("hidden", |case, _| Tamper::DropStream { stream: case }),
    ];
    for (needle, how) in setups {
        let (mut s, _keep) = make();
        let acme = new_company(&mut s, "Acme");
        let case = seeded_case(&mut s, "Tampered", Some(acme));
        let other = seeded_case(&mut s, "Untouched", None);
        assert!(s.verify().unwrap().is_empty(), "clean before");
        let t = how(case, acme);
        tamper(&mut s, t);
        let found = s.verify().unwrap();
        assert_eq!(found.len(), 1, "{t:?}: {found:?}");
        let hit = if matches!(t, Tamper::CompanyView { .. }) {
            acme
        } else {
            case
        };
        assert_eq!(found[0].chain.stream, hit, "{t:?}");
        assert!(
            found[0].chain.problem.contains(needle),
            "{t:?}: {}",
            found[0].chain.problem
        );
        assert!(found.iter().all(|f| f.chain.stream != other));
        match t {
            Tamper::EntryText { .. } | Tamper::DropStream { .. } => {
                assert!(
                    s.rebuild().is_err() || !s.verify().unwrap().is_empty(),
                    "an altered entry is never mended into a valid chain"
                );
            }
            _ => {
                s.rebuild().unwrap();
                assert!(
                    s.verify().unwrap().is_empty(),
                    "{t:?}: rebuild mends a stale view"
                );
            }
        }
    }
}

/// The calendar address's secret is kept as its hash, replaced by a new
/// one, and kept through a rebuild (it is not a view).
pub fn a_calendar_key_is_kept_and_replaced<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    assert_eq!(s.calendar_key().unwrap(), None);
    s.set_calendar_key("aaaa").unwrap();
    s.set_calendar_key("bbbb").unwrap();
    s.rebuild().unwrap();
    assert_eq!(s.calendar_key().unwrap().as_deref(), Some("bbbb"));
}

/// A name belongs to one company: a second company or an alias taking it is
/// refused in the same transaction, naming the company that has it.
pub fn a_company_name_is_one_companys<S: Store>(make: &dyn Fn() -> Made<S>) {
    let (mut s, _keep) = make();
    let acme = new_company(&mut s, "Acme Inc.");
    let before = s.streams().unwrap().len();
    let twin = Uuid::now_v7();
    match s.append(
        twin,
        0,
        "owner",
        vec![Draft::new(
            t("01T09:00"),
            Event::CompanyCreated {
                name: "ACME".into(),
            },
        )],
    ) {
        Err(StoreError::CompanyExists { id, .. }) => assert_eq!(id, acme),
        other => panic!("a second Acme is refused: {other:?}"),
    }
    assert_eq!(s.streams().unwrap().len(), before, "nothing was made");
    let globex = new_company(&mut s, "Globex");
    let head = s.company(globex).unwrap().state.seq;
    let alias = |name: &str| {
        vec![Draft::new(
            t("01T09:30"),
            Event::CompanyAliasAdded { alias: name.into() },
        )]
    };
    assert!(matches!(
        s.append(globex, head, "owner", alias("Acme")),
        Err(StoreError::CompanyExists { id, .. }) if id == acme
    ));
    s.append(globex, head, "owner", alias("Globex Corporation"))
        .unwrap();
    assert_eq!(s.company_by_name("globex corp").unwrap(), Some(globex));
}

/// Stamps out the suite as `#[test]` functions for one engine: given a
/// fresh store, a pair of handles on one store, and a way to tamper with it.
/// An engine that needs a server adds `if $available` (a bool expression):
/// each test then returns at once, passing, when it is false.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!($make; if true);
    };
    ($make:expr; if $available:expr) => {
        $crate::conformance_tests!(@each $make; $available;
            append_then_read_back,
            a_stale_head_is_a_conflict_and_writes_nothing,
            a_refused_entry_leaves_the_whole_batch_unwritten,
            a_batch_sent_again_lands_once,
            seals_are_kept_through_rebuilds,
            lists_filter_by_status_and_company,
            due_spans_cases_and_skips_closed_ones,
            search_finds_words_in_any_script,
            companies_match_forgivingly_and_gather_cases,
            rebuild_equals_incremental,
            import_is_verbatim_idempotent_and_refuses_divergence,
            projections_equal_the_fold_for_random_journals,
            partial_reads_hold_what_writers_need,
            what_is_missing_is_reported,
            search_limits_and_ranks,
            streams_and_entries_come_in_order,
            a_long_case_reads_whole_and_in_order,
            exports_mask_what_is_sensitive,
            a_company_name_is_one_companys,
            a_built_append_sees_the_case_as_it_stands,
            cases_are_found_by_the_helper_working_them,
            a_calendar_key_is_kept_and_replaced,
        );
    };
    ($make:expr, $make_pair:expr, $tamper:expr) => {
        $crate::conformance_tests!($make, $make_pair, $tamper; if true);
    };
    ($make:expr, $make_pair:expr, $tamper:expr; if $available:expr) => {
        $crate::conformance_tests!($make; if $available);
        #[test]
        fn concurrent_writers_all_land() {
            if $available {
                $crate::conformance::concurrent_writers_all_land(&$make_pair);
            }
        }
        #[test]
        fn verify_finds_tampering_and_stale_views() {
            if $available {
                $crate::conformance::verify_finds_tampering_and_stale_views(&$make, &$tamper);
            }
        }
        #[test]
        fn signatures_catch_what_the_chain_cannot() {
            if $available {
                $crate::conformance::signatures_catch_what_the_chain_cannot(&$make, &$tamper);
            }
        }
    };
    (@each $make:expr; $available:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if $available {
                    $crate::conformance::$name(&$make);
                }
            }
        )*
    };
}

/// Devices that write offline and sync through a server in a random order
/// end with the same entries in the same order and the same views; every
/// chain holds everywhere. `devices` must write as distinct devices.
pub fn devices_converge_through_a_server(
    server: &mut dyn Store,
    devices: &mut [&mut dyn Store],
    seed: u64,
) -> sync::Report {
    use crate::sync;
    let mut total = sync::Report::default();
    let mut add = |r: sync::Report| {
        total.pulled += r.pulled;
        total.pushed += r.pushed;
        total.moved += r.moved;
        total.new_journals += r.new_journals;
    };
    let mut r = Lcg(seed.wrapping_mul(2654435761).wrapping_add(17));
    let n = devices.len();
    // A case opened on the first device, known to all before the offline work.
    let case = seeded_case(&mut *devices[0], "Shared", None);
    for d in devices.iter_mut() {
        sync::sync(&mut **d, &mut &mut *server, 7).unwrap();
    }
    // Many batches' worth, sent and brought down by one sync each.
    let first = devices[0].case(case).unwrap().state.seq();
    for (head, i) in (first..).zip(0..25) {
        devices[0]
            .append(case, head, "owner", vec![note(&format!("batch note {i}"))])
            .unwrap();
    }
    // Two at a time on the first device; the others bring them down, and
    // send their own, in runs long enough to be folded in one go.
    for (i, d) in devices.iter_mut().enumerate() {
        if i > 0 {
            let mut head = d.case(case).map_or(0, |c| c.state.seq());
            if head > 0 {
                for k in 0..35 {
                    d.append(
                        case,
                        head,
                        "owner",
                        vec![note(&format!("device {i} note {k}"))],
                    )
                    .unwrap();
                    head += 1;
                }
            }
        }
        add(sync::sync(&mut **d, &mut &mut *server, if i == 0 { 2 } else { 64 }).unwrap());
        let heads = sync::Remote::heads(&mut &mut *server).unwrap();
        assert!(sync::waiting(&**d, Some(&heads)).unwrap().is_empty());
    }
    let mut cases = vec![case];
    for step in 0..60 {
        let d = r.below(n);
        match r.below(10) {
            0..=1 => {
                add(sync::sync(&mut *devices[d], &mut &mut *server, 1 + r.below(9)).unwrap());
                // One sync sends everything, however many batches it takes.
                let heads = sync::Remote::heads(&mut &mut *server).unwrap();
                let waiting = sync::waiting(&*devices[d], Some(&heads)).unwrap();
                assert!(
                    waiting.iter().all(|w| w.up == 0 && w.down == 0),
                    "seed {seed} step {step}: {waiting:?}"
                );
            }
            2 if cases.len() < 4 => {
                let id = Uuid::now_v7();
                devices[d]
                    .append(id, 0, "owner", vec![opened(&format!("Case {step}"), None)])
                    .unwrap();
                cases.push(id);
            }
            _ => {
                let known: Vec<Uuid> = cases
                    .iter()
                    .copied()
                    .filter(|c| devices[d].case(*c).is_ok())
                    .collect();
                let Some(&c) = known.get(r.below(known.len())) else {
                    continue;
                };
                let before = devices[d].case(c).unwrap();
                let all = devices[d].read_stream(c).unwrap();
                let event = random_event(&mut r, &before.state, &all);
                match devices[d].append(
                    c,
                    before.state.seq(),
                    "owner",
                    vec![Draft::new(t("04T10:00"), event)],
                ) {
                    Ok(_) | Err(StoreError::Domain { .. }) => {}
                    Err(e) => panic!("seed {seed} step {step}: {e}"),
                }
            }
        }
    }
    // Two rounds: the first device then hears what the last sent.
    for _ in 0..2 {
        for d in devices.iter_mut() {
            add(sync::sync(&mut **d, &mut &mut *server, 5).unwrap());
        }
    }
    type Journal = (Uuid, Vec<(Uuid, u64, String)>);
    let journals = |s: &dyn Store| -> Vec<Journal> {
        let mut ids: Vec<Uuid> = s.streams().unwrap().into_iter().map(|i| i.id).collect();
        ids.sort();
        ids.into_iter()
            .map(|id| {
                let entries = s.read_stream(id).unwrap();
                (
                    id,
                    entries.into_iter().map(|e| (e.id, e.seq, e.hash)).collect(),
                )
            })
            .collect()
    };
    let want = journals(&*server);
    assert_eq!(
        want.len(),
        cases.len(),
        "seed {seed}: every case reached the server"
    );
    assert!(
        server.verify().unwrap().is_empty(),
        "seed {seed}: server verifies"
    );
    for (i, d) in devices.iter().enumerate() {
        assert_eq!(
            journals(&**d),
            want,
            "seed {seed}: device {i} holds what the server holds"
        );
        assert!(
            d.verify().unwrap().is_empty(),
            "seed {seed}: device {i}: {:?}",
            d.verify().unwrap()
        );
        for c in &cases {
            assert_eq!(
                d.case(*c).unwrap().state,
                server.case(*c).unwrap().state,
                "seed {seed}: device {i} shows case {c} as the server does"
            );
            let entries = d.read_stream(*c).unwrap();
            assert_eq!(
                d.case(*c).unwrap().state,
                CaseState::fold(&entries).unwrap()
            );
        }
        assert!(
            sync::waiting(&**d, Some(&sync::Remote::heads(&mut &mut *server).unwrap()))
                .unwrap()
                .is_empty()
        );
    }
    // Every series keeps its own chain: more than one device wrote the first case.
    let series: std::collections::HashSet<Option<Uuid>> = server
        .read_stream(case)
        .unwrap()
        .iter()
        .map(|e| e.series)
        .collect();
    assert!(series.len() >= 2 || n < 2, "seed {seed}: {series:?}");
    total
}

/// A server refuses an entry that does not match its hash or its series,
/// naming it, and takes nothing of that batch.
pub fn a_server_refuses_an_altered_entry(server: &mut dyn Store, device: &mut dyn Store) {
    let case = seeded_case(device, "Tampered", None);
    let mut entries = device.read_stream(case).unwrap();
    entries[2].author = "mallory".into();
    let altered = entries[2].id;
    let err = server
        .accept_entries(case, 0, entries.clone())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&altered.to_string()) && err.contains("altered"),
        "{err}"
    );
    assert!(server.streams().unwrap().is_empty(), "nothing taken: {err}");
    // Out of order: the third entry before the second.
    let mut entries = device.read_stream(case).unwrap();
    entries.swap(1, 2);
    let err = server
        .accept_entries(case, 0, entries)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing or out of order"), "{err}");
    // The honest copy goes through, once, however often it is sent.
    let honest = device.read_stream(case).unwrap();
    let first = server.accept_entries(case, 0, honest.clone()).unwrap();
    assert_eq!(
        (first.added, first.head),
        (honest.len() as u64, honest.len() as u64)
    );
    let again = server.accept_entries(case, 0, honest.clone()).unwrap();
    assert_eq!((again.added, again.present), (0, honest.len() as u64));
    // A device behind the server is told so, and nothing is taken.
    let head = device.read_stream(case).unwrap().len() as u64;
    let more = device
        .append(case, head, "owner", vec![note("later")])
        .unwrap();
    match server.accept_entries(case, 1, more.clone()) {
        Err(StoreError::Conflict {
            expected: 1,
            actual,
        }) => assert_eq!(actual, head),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.accept_entries(case, head, more).unwrap().head,
        head + 1
    );
    assert!(server.verify().unwrap().is_empty());
}

/// A journal written before series existed (its entries hash their
/// position) grows in this device's series, verifies, and syncs: the server
/// and another device hold it whole, the old entries first.
pub fn a_journal_from_before_series_grows_and_syncs(
    server: &mut dyn Store,
    device: &mut dyn Store,
    other: &mut dyn Store,
) {
    let case = Uuid::now_v7();
    let mut old = Vec::new();
    let mut prev = GENESIS.to_string();
    for (i, d) in [
        opened("Router refund", None),
        note("before series"),
        note("still before"),
    ]
    .into_iter()
    .enumerate()
    {
        let e = Entry::seal(d, case, i as u64 + 1, t("01T09:00"), "owner", &prev);
        prev = e.hash.clone();
        old.push(e);
    }
    device.import(old.clone()).unwrap();
    device
        .append(case, 3, "owner", vec![note("after series")])
        .unwrap();
    let entries = device.read_stream(case).unwrap();
    assert_eq!(entries.iter().filter(|e| e.series.is_none()).count(), 3);
    assert_eq!(entries[3].series, Some(device.device()));
    assert_eq!(entries[3].n, 1, "the device's series starts at 1");
    assert!(device.verify().unwrap().is_empty());
    sync::sync(device, &mut &mut *server, 2).unwrap();
    sync::sync(other, &mut &mut *server, 2).unwrap();
    other
        .append(case, 4, "owner", vec![note("from the other device")])
        .unwrap();
    sync::sync(other, &mut &mut *server, 2).unwrap();
    sync::sync(device, &mut &mut *server, 2).unwrap();
    for s in [&*server, &*device, &*other] {
        assert!(s.verify().unwrap().is_empty());
        let e = s.read_stream(case).unwrap();
        assert_eq!(e.len(), 5);
        assert_eq!(e[..3], old[..], "the old entries, verbatim, first");
    }
}
