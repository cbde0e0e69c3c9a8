//! Writes a realistic, seeded journal for benchmarks: companies, cases with
//! goals and facts, calls with reps and transfers, case numbers, notes whose
//! text is real consumer-complaint narratives (shared/data/cfpb), promises kept
//! and broken, offers and answers, expenses, time, follow-ups.
//!
//! cargo run --release -p casefile --example gen_journal -- --db PATH --entries N --cases M [--seed S] [--narratives CSV]
//!
//! Everything goes through the store's ordinary append, projections included.

use std::path::PathBuf;

use casefile_core::*;
use casefile_store::Store;
use casefile_store_sqlite::SqliteStore;
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: small, seeded, good enough to vary the data.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn narratives(path: &PathBuf) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(mut r) = csv::Reader::from_path(path) else {
        return out;
    };
    for rec in r.records().flatten() {
        if let Some(text) = rec.get(2).filter(|t| t.len() > 40) {
            // Notes are what a person types: cap at a long paragraph.
            let t: String = text.chars().take(900).collect();
            out.push(t.replace(|c: char| c.is_control() && c != '\n', " "));
        }
    }
    out
}

const FIRST: &[&str] = &[
    "Dana", "Marcus", "Priya", "Alex", "Jordan", "Sam", "Taylor", "Chris", "Morgan", "Jamie",
    "Lee", "Robin", "Ana", "Omar", "Mei", "Ivan",
];
const LAST: &[&str] = &[
    "Reyes",
    "Lee",
    "Natarajan",
    "Kim",
    "Blake",
    "Smith",
    "Garcia",
    "Okafor",
    "Nguyen",
    "Rossi",
    "Novak",
    "Haddad",
];
const DEPTS: &[&str] = &[
    "Billing",
    "Retention",
    "Returns",
    "Technical Support",
    "Disputes",
    "Claims",
    "Executive Office",
];
const COMPANIES: &[&str] = &[
    "Acme Broadband",
    "Globex Mobile",
    "Initech Bank",
    "Umbrella Insurance",
    "Soylent Energy",
    "Hooli Cloud",
    "Stark Appliances",
    "Wayne Airlines",
];

/// Moves the case's clock on by a few minutes to an hour and a half.
fn step(at: &mut Timestamp, rng: &mut Rng) -> Timestamp {
    *at += SignedDuration::from_mins(1 + rng.below(90) as i64);
    *at
}

fn main() {
    let db = PathBuf::from(arg("--db").expect("--db PATH"));
    let entries: u64 = arg("--entries")
        .and_then(|v| v.parse().ok())
        .expect("--entries N");
    let cases: u64 = arg("--cases")
        .and_then(|v| v.parse().ok())
        .expect("--cases M");
    let mut rng = Rng(arg("--seed")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x00C0_FFEE)
        | 1);
    let texts =
        narratives(&PathBuf::from(arg("--narratives").unwrap_or_else(|| {
            "../shared/data/cfpb/narratives-by-product.csv".into()
        })));
    let texts: Vec<String> = if texts.is_empty() {
        vec!["They said the refund would be processed within five to seven business days.".into()]
    } else {
        texts
    };
    let mut s = SqliteStore::open(&db).expect("open database");
    let base: Timestamp = "2025-01-06T14:00:00Z".parse().unwrap();

    let companies: Vec<Uuid> = COMPANIES
        .iter()
        .map(|name| {
            let id = Uuid::now_v7();
            let drafts = vec![
                Draft::new(
                    base,
                    Event::CompanyCreated {
                        name: format!("{name}, Inc."),
                    },
                ),
                Draft::new(
                    base,
                    Event::CompanyChannelAdded {
                        channel: CompanyChannel {
                            kind: ChannelKind::Phone,
                            value: format!("800 555 {:04}", rng.below(10000)),
                            label: Some("Customer service".into()),
                            hours: Some("Mon-Fri 8-20".into()),
                        },
                    },
                ),
            ];
            s.append(id, 0, "owner", drafts).expect("company");
            id
        })
        .collect();

    let per_case = (entries / cases).max(8);
    let mut written: u64 = 0;
    for c in 0..cases {
        let id = Uuid::now_v7();
        let mut at = base + SignedDuration::from_hours((c * 7 % 5000) as i64);
        let company = *rng.pick(&companies);
        let amount = 20 + rng.below(500);
        let mut drafts = vec![
            Draft::new(
                step(&mut at, &mut rng),
                Event::CaseOpened {
                    title: format!("Dispute {c}: refund of ${amount}"),
                    company: Some(company),
                },
            ),
            Draft::new(
                step(&mut at, &mut rng),
                Event::GoalSet(Goal {
                    replaces: None,
                    problem: rng.pick(&texts).chars().take(160).collect(),
                    resolution: format!("A refund of ${amount} within 14 days"),
                    alternatives: vec!["A credit on the next bill".into()],
                    fair: Some(Fairness::Yes),
                    fairness_note: None,
                    reason: None,
                }),
            ),
            Draft::new(
                step(&mut at, &mut rng),
                Event::FactRecorded(Fact {
                    kind: FactKind::Identifier,
                    label: Some("Account".into()),
                    value: format!("{:010}", rng.below(10_000_000_000)),
                    sensitive: true,
                }),
            ),
            Draft::new(
                step(&mut at, &mut rng),
                Event::FactRecorded(Fact {
                    kind: FactKind::Acquired,
                    label: None,
                    value: "2024-11-02".into(),
                    sensitive: false,
                }),
            ),
        ];
        let mut promises: Vec<Uuid> = Vec::new();
        while (drafts.len() as u64) < per_case {
            let start = Draft::new(
                step(&mut at, &mut rng),
                Event::ContactStarted {
                    channel: Channel::Phone,
                    direction: Direction::Outbound,
                    via: None,
                },
            );
            let contact = start.id;
            drafts.push(start);
            for _ in 0..1 + rng.below(3) {
                let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
                drafts.push(Draft::new(
                    step(&mut at, &mut rng),
                    Event::RepJoined {
                        contact,
                        rep: Rep {
                            name,
                            ext: Some(format!("{}", 100 + rng.below(9000))),
                            department: Some(rng.pick(DEPTS).to_string()),
                            ..Rep::default()
                        },
                    },
                ));
            }
            drafts.push(Draft::new(
                step(&mut at, &mut rng),
                Event::ReferenceRecorded {
                    contact: Some(contact),
                    kind: RefKind::Case,
                    value: format!("CAS-{}", rng.below(1_000_000)),
                },
            ));
            for _ in 0..1 + rng.below(3) {
                drafts.push(Draft::new(
                    step(&mut at, &mut rng),
                    Event::NoteAdded {
                        contact: Some(contact),
                        text: rng.pick(&texts).clone(),
                    },
                ));
            }
            match rng.below(4) {
                0 => {
                    let due = at + SignedDuration::from_hours(48);
                    let p = Draft::new(
                        step(&mut at, &mut rng),
                        Event::PromiseMade {
                            contact: Some(contact),
                            by: Some(rng.pick(FIRST).to_string()),
                            what: "call back about the refund".into(),
                            due: Some(due),
                        },
                    );
                    promises.push(p.id);
                    drafts.push(p);
                }
                1 => {
                    let o = Draft::new(
                        step(&mut at, &mut rng),
                        Event::OfferMade {
                            contact: Some(contact),
                            by: None,
                            what: "a service credit".into(),
                            value: Some(Money {
                                cents: (amount as i64) * 25,
                                currency: "USD".into(),
                            }),
                        },
                    );
                    let oid = o.id;
                    drafts.push(o);
                    drafts.push(Draft::new(
                        step(&mut at, &mut rng),
                        Event::OfferAnswered {
                            offer: oid,
                            answer: OfferAnswer::AcceptedNotFull,
                            note: None,
                        },
                    ));
                }
                _ => {}
            }
            drafts.push(Draft::new(
                step(&mut at, &mut rng),
                Event::ContactEnded {
                    contact,
                    outcome: Some("no resolution yet".into()),
                    rating: Some(1 + rng.below(5) as u8),
                },
            ));
            if let Some(p) = promises.pop().filter(|_| rng.below(2) == 0) {
                drafts.push(Draft::new(
                    step(&mut at, &mut rng),
                    if rng.below(2) == 0 {
                        Event::PromiseBroken {
                            promise: p,
                            note: None,
                        }
                    } else {
                        Event::PromiseKept {
                            promise: p,
                            note: None,
                        }
                    },
                ));
            }
            if rng.below(5) == 0 {
                drafts.push(Draft::new(
                    step(&mut at, &mut rng),
                    Event::ExpenseIncurred {
                        what: "postage".into(),
                        amount: Money {
                            cents: 450,
                            currency: "USD".into(),
                        },
                    },
                ));
                drafts.push(Draft::new(
                    step(&mut at, &mut rng),
                    Event::TimeSpent {
                        minutes: 30,
                        what: "writing a letter".into(),
                    },
                ));
            }
        }
        // Most cases have something due: a follow-up a little in the future.
        drafts.push(Draft::new(
            at,
            Event::FollowUpPlanned {
                what: "chase the refund".into(),
                due: Timestamp::now() + SignedDuration::from_hours(rng.below(24 * 30) as i64),
            },
        ));
        written += drafts.len() as u64;
        // Appends of a few hundred entries, as a long-running case would have had.
        let mut head = 0;
        for chunk in drafts.chunks(400) {
            s.append(id, head, "owner", chunk.to_vec()).expect("append");
            head += chunk.len() as u64;
        }
    }
    println!(
        "{}",
        serde_json::json!({"entries": written, "cases": cases, "companies": companies.len(), "db": db})
    );
}
