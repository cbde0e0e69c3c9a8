//! export -> import -> export is byte-identical, for generated journals.

use casefile_core::*;
use casefile_store::{Store, jsonl};
use casefile_store_sqlite::SqliteStore;
use proptest::prelude::*;
use uuid::Uuid;

/// One step of a generated dispute; indices pick earlier items where they exist.
#[derive(Debug, Clone)]
enum Op {
    Note(String),
    Fact(String, bool),
    Call { reps: Vec<String>, minutes: u8 },
    Promise(String),
    Settle(usize, bool),
    Offer(String, i64),
    Answer(usize, u8),
    Amend(usize, bool),
    Status(u8),
}

fn op() -> impl Strategy<Value = Op> {
    // Any printable text, including right-to-left scripts and emoji.
    let text = "[a-zA-Zé日ש][a-zA-Z0-9 ,.!?'\"éßø日本語שלוםمرحبا👋]{0,39}";
    prop_oneof![
        text.prop_map(Op::Note),
        (text, any::<bool>()).prop_map(|(v, s)| Op::Fact(v, s)),
        (prop::collection::vec("[A-Z][a-z]{2,8}", 1..4), 1u8..90)
            .prop_map(|(reps, minutes)| Op::Call { reps, minutes }),
        text.prop_map(Op::Promise),
        (any::<usize>(), any::<bool>()).prop_map(|(i, k)| Op::Settle(i, k)),
        (text, 0i64..100_000).prop_map(|(w, c)| Op::Offer(w, c)),
        (any::<usize>(), 0u8..3).prop_map(|(i, a)| Op::Answer(i, a)),
        (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Op::Amend(i, r)),
        (0u8..5).prop_map(Op::Status),
    ]
}

fn t0() -> jiff::Timestamp {
    "2026-01-01T09:00:00Z".parse().unwrap()
}

/// Appends one case built from `ops`, skipping steps that have nothing to refer to.
fn build_case(store: &mut SqliteStore, ops: &[Op]) {
    let id = Uuid::now_v7();
    let mut at = t0();
    let mut tick = || {
        at += jiff::SignedDuration::from_mins(7);
        at
    };
    let mut drafts = vec![Draft::new(
        tick(),
        Event::CaseOpened {
            title: "Generated".into(),
            company: None,
        },
    )];
    let (mut promises, mut offers, mut all) = (Vec::new(), Vec::new(), Vec::new());
    for op in ops {
        let new: Vec<Draft> = match op {
            Op::Note(t) => vec![Draft::new(
                tick(),
                Event::NoteAdded {
                    contact: None,
                    text: t.clone(),
                },
            )],
            Op::Fact(v, s) => vec![Draft::new(
                tick(),
                Event::FactRecorded(Fact {
                    kind: FactKind::Identifier,
                    label: Some("Account".into()),
                    value: v.clone(),
                    sensitive: *s,
                }),
            )],
            Op::Call { reps, minutes } => {
                let start = Draft::new(
                    tick(),
                    Event::ContactStarted {
                        channel: Channel::Phone,
                        direction: Direction::Outbound,
                        via: None,
                    },
                );
                let cid = start.id;
                let mut v = vec![start];
                v.extend(reps.iter().map(|r| {
                    Draft::new(
                        tick(),
                        Event::RepJoined {
                            contact: cid,
                            rep: Rep {
                                name: r.clone(),
                                ..Rep::default()
                            },
                        },
                    )
                }));
                let end = tick() + jiff::SignedDuration::from_mins(i64::from(*minutes));
                v.push(Draft::new(
                    end,
                    Event::ContactEnded {
                        contact: cid,
                        outcome: None,
                        rating: Some(3),
                    },
                ));
                v
            }
            Op::Promise(w) => {
                let d = Draft::new(
                    tick(),
                    Event::PromiseMade {
                        contact: None,
                        by: None,
                        what: w.clone(),
                        due: Some(t0() + jiff::SignedDuration::from_hours(48)),
                    },
                );
                promises.push(d.id);
                vec![d]
            }
            Op::Settle(i, kept) if !promises.is_empty() => {
                let promise = promises.remove(i % promises.len());
                vec![Draft::new(
                    tick(),
                    if *kept {
                        Event::PromiseKept {
                            promise,
                            note: None,
                        }
                    } else {
                        Event::PromiseBroken {
                            promise,
                            note: None,
                        }
                    },
                )]
            }
            Op::Offer(w, cents) => {
                let d = Draft::new(
                    tick(),
                    Event::OfferMade {
                        contact: None,
                        by: None,
                        what: w.clone(),
                        value: Some(Money {
                            cents: *cents,
                            currency: "EUR".into(),
                        }),
                    },
                );
                offers.push(d.id);
                vec![d]
            }
            Op::Answer(i, a) if !offers.is_empty() => {
                let offer = offers.remove(i % offers.len());
                let answer = [
                    OfferAnswer::Declined,
                    OfferAnswer::AcceptedNotFull,
                    OfferAnswer::AcceptedFull,
                ][*a as usize];
                vec![Draft::new(
                    tick(),
                    Event::OfferAnswered {
                        offer,
                        answer,
                        note: None,
                    },
                )]
            }
            Op::Amend(i, retracts) if !all.is_empty() => {
                let target = all[i % all.len()];
                vec![Draft::new(
                    tick(),
                    Event::Amended {
                        target,
                        reason: "generated".into(),
                        correction: Some("fixed".into()),
                        retracts: *retracts,
                    },
                )]
            }
            Op::Status(s) => {
                let status = [
                    Status::Open,
                    Status::Waiting,
                    Status::Escalated,
                    Status::Resolved,
                    Status::Abandoned,
                ][*s as usize];
                vec![Draft::new(
                    tick(),
                    Event::StatusChanged { status, note: None },
                )]
            }
            _ => vec![],
        };
        all.extend(new.iter().map(|d| d.id));
        drafts.extend(new);
    }
    store
        .append(id, 0, "owner", drafts)
        .expect("generated journal is valid");
}

fn exported(store: &SqliteStore) -> Vec<u8> {
    let mut out = Vec::new();
    jsonl::export(store, true, &mut out).unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn export_import_export_is_byte_identical(cases in prop::collection::vec(prop::collection::vec(op(), 0..25), 1..4)) {
        let dir = tempfile::tempdir().unwrap();
        let mut a = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        for ops in &cases {
            build_case(&mut a, ops);
        }
        let first = exported(&a);
        let (_, entries) = jsonl::read(&first[..]).unwrap();
        let mut b = SqliteStore::open(&dir.path().join("b.db")).unwrap();
        b.import(entries).unwrap();
        let second = exported(&b);
        prop_assert_eq!(&first, &second);
        prop_assert!(b.verify().unwrap().is_empty());
    }
}

#[test]
fn masked_exports_hide_sensitive_values_and_cannot_be_imported() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    build_case(
        &mut s,
        &[
            Op::Fact("9988776655".into(), true),
            Op::Fact("ORDER-1".into(), false),
        ],
    );
    let mut out = Vec::new();
    let h = jsonl::export(&s, false, &mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(
        h.masked
            && !text.contains("9988776655")
            && text.contains("••••6655")
            && text.contains("ORDER-1")
    );
    let err = jsonl::read(&out[..]).unwrap_err();
    assert_eq!(err.line, Some(1));
    assert!(err.hint.contains("--reveal"));
}

#[test]
fn damaged_files_are_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    build_case(&mut s, &[Op::Note("one".into()), Op::Note("two".into())]);
    let good = String::from_utf8(exported(&s)).unwrap();
    let lines: Vec<&str> = good.lines().collect();

    // Cut mid-line.
    let cut = &good[..good.len() - 20];
    assert_eq!(
        jsonl::read(cut.as_bytes()).unwrap_err().line,
        Some(lines.len())
    );
    // Whole lines missing from the end.
    let short = lines[..lines.len() - 1].join("\n");
    let e = jsonl::read(short.as_bytes()).unwrap_err();
    assert!(e.message.contains("2 of the 3"), "{e}");
    // Not an export at all, and empty.
    assert_eq!(
        jsonl::read("Date received,Product\n1,2\n".as_bytes())
            .unwrap_err()
            .line,
        Some(1)
    );
    assert_eq!(jsonl::read("".as_bytes()).unwrap_err().line, None);
    // Edited but well-formed: the chain catches it at import.
    let edited = good.replace("\"two\"", "\"TWO\"");
    let (_, entries) = jsonl::read(edited.as_bytes()).unwrap();
    let mut fresh = SqliteStore::open(&dir.path().join("b.db")).unwrap();
    assert!(fresh.import(entries).is_err());
    assert!(fresh.streams().unwrap().is_empty());
}
