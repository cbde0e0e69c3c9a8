//! Journals written on several devices: each series its own chain, the fold
//! lenient where two devices each did what only one could, and goals
//! revised apart both kept.

use casefile_core::*;
use jiff::Timestamp;
use uuid::Uuid;

fn t(s: &str) -> Timestamp {
    format!("2026-11-{s}:00Z").parse().unwrap()
}

/// Seals drafts into one journal, each in the series named beside it, in
/// the order given (the server's).
fn journal(case: Uuid, drafts: Vec<(Uuid, Draft)>) -> Vec<Entry> {
    let mut heads = SeriesHeads::default();
    let mut out = Vec::new();
    for (i, (series, d)) in drafts.into_iter().enumerate() {
        let (n, prev) = heads.get(Some(series));
        let prev = prev.to_string();
        let e = Entry::seal_in_series(
            d,
            case,
            i as u64 + 1,
            series,
            n + 1,
            t("20T10:00"),
            "owner",
            &prev,
        );
        heads.set(Some(series), n + 1, &e.hash);
        out.push(e);
    }
    out
}

fn goal(at: &str, resolution: &str, replaces: Uuid) -> Draft {
    Draft::new(
        t(at),
        Event::GoalSet(Goal {
            problem: "the router fails".into(),
            resolution: resolution.into(),
            alternatives: vec![],
            fair: None,
            fairness_note: None,
            reason: None,
            replaces: Some(replaces),
        }),
    )
}

#[test]
fn each_series_is_a_chain_and_a_gap_in_one_is_named() {
    let (case, a, b) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let open = Draft::new(
        t("01T09:00"),
        Event::CaseOpened {
            title: "Router".into(),
            company: None,
        },
    );
    let note = |s: &str| {
        Draft::new(
            t("02T09:00"),
            Event::NoteAdded {
                contact: None,
                text: s.into(),
            },
        )
    };
    let entries = journal(
        case,
        vec![(a, open), (b, note("b1")), (a, note("a2")), (b, note("b2"))],
    );
    assert_eq!(verify_chain(case, &entries, None), None);
    assert_eq!(
        entries[3].prev, entries[1].hash,
        "b's second links to b's first"
    );
    // Take b's first away and close the positions up: b's series has a gap.
    let mut cut: Vec<Entry> = entries
        .iter()
        .filter(|e| e.id != entries[1].id)
        .cloned()
        .collect();
    for (i, e) in cut.iter_mut().enumerate() {
        e.seq = i as u64 + 1;
    }
    let brk = verify_chain(case, &cut, None).unwrap();
    assert!(
        brk.problem.contains(&format!("device {b}'s series")),
        "{}",
        brk.problem
    );
    // The position is not hashed in a series: moving entries keeps every hash.
    let mut moved = entries.clone();
    moved.swap(1, 2);
    moved[1].seq = 2;
    moved[2].seq = 3;
    assert_eq!(verify_chain(case, &moved, None), None);
    // The place in the series is.
    let mut altered = entries.clone();
    altered[3].n = 7;
    assert!(
        verify_chain(case, &altered, None)
            .unwrap()
            .problem
            .contains("missing or out of order")
    );
}

#[test]
fn goals_revised_apart_are_both_kept_and_the_later_made_is_the_goal() {
    let (case, a, b) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let open = Draft::new(
        t("01T09:00"),
        Event::CaseOpened {
            title: "Router".into(),
            company: None,
        },
    );
    let first = goal("01T09:05", "a refund", case);
    let first_id = first.id;
    // b revised at 11:00, a at 12:00; b's reached the server last.
    let a_rev = goal("03T12:00", "a replacement", first_id);
    let b_rev = goal("03T11:00", "a credit", first_id);
    let (a_id, b_id) = (a_rev.id, b_rev.id);
    let settle = goal("04T09:00", "a replacement, agreed", a_id);
    let entries = journal(
        case,
        vec![(a, open), (a, first), (a, a_rev), (b, b_rev), (b, settle)],
    );
    let s = CaseState::fold(&entries[..4]).unwrap();
    assert_eq!(
        s.goal().unwrap().origin.entry,
        a_id,
        "the later made is the goal"
    );
    let apart: Vec<Uuid> = s
        .goals_made_apart()
        .iter()
        .map(|g| g.origin.entry)
        .collect();
    assert_eq!(apart, [b_id]);
    // A revision of the goal settles it: nothing is said apart any more.
    let s = CaseState::fold(&entries).unwrap();
    assert_eq!(s.goal().unwrap().goal.resolution, "a replacement, agreed");
    assert!(s.goals_made_apart().is_empty());
    // Goals from before versions were named: the last is the goal, nothing apart.
    let legacy = vec![Entry::seal(
        Draft::new(
            t("01T09:00"),
            Event::CaseOpened {
                title: "Old".into(),
                company: None,
            },
        ),
        case,
        1,
        t("01T09:00"),
        "owner",
        GENESIS,
    )];
    let mut l = CaseState::fold(&legacy).unwrap();
    for (i, r) in ["a refund", "a credit"].iter().enumerate() {
        let mut g = goal("02T09:00", r, case);
        if let Event::GoalSet(x) = &mut g.event {
            x.replaces = None;
        }
        let prev = if i == 0 {
            legacy[0].hash.clone()
        } else {
            String::new()
        };
        let e = Entry::seal(g, case, l.seq() + 1, t("02T09:00"), "owner", &prev);
        l.apply(&e).unwrap();
    }
    assert_eq!(l.goal().unwrap().goal.resolution, "a credit");
    assert!(l.goals_made_apart().is_empty());
}

#[test]
fn a_second_device_ending_the_same_call_changes_nothing_and_keeps_its_place() {
    let (case, a, b) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let open = Draft::new(
        t("01T09:00"),
        Event::CaseOpened {
            title: "Router".into(),
            company: None,
        },
    );
    let call = Draft::new(
        t("02T09:00"),
        Event::ContactStarted {
            channel: Channel::Phone,
            direction: Direction::Outbound,
            via: None,
        },
    );
    let cid = call.id;
    let end = |outcome: &str| {
        Draft::new(
            t("02T09:30"),
            Event::ContactEnded {
                contact: cid,
                outcome: Some(outcome.into()),
                rating: None,
            },
        )
    };
    let entries = journal(
        case,
        vec![
            (a, open),
            (a, call),
            (a, end("refund agreed")),
            (b, end("they hung up")),
        ],
    );
    let s = CaseState::fold(&entries).unwrap();
    assert_eq!(s.seq(), 4, "the passed-over entry keeps its place");
    assert_eq!(s.contacts[0].outcome.as_deref(), Some("refund agreed"));
    // The same entry in a journal of one device (no series) is refused, as before.
    let mut strict = CaseState::default();
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let d = Draft {
            id: e.id,
            at: e.at,
            event: e.event.clone(),
        };
        let v1 = Entry::seal(d, case, i as u64 + 1, e.recorded, "owner", &prev);
        prev = v1.hash.clone();
        if i < 3 {
            strict.apply(&v1).unwrap();
        } else {
            assert!(strict.apply(&v1).is_err());
        }
    }
}
