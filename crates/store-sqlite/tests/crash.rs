//! Crash safety: a child process appends and reports each acknowledged entry
//! (notes in three cases, and now and then a new company), signing every head
//! as a device does; it is killed with SIGKILL at random instants (the first
//! round's can land while it makes the file). After every kill, each acknowledged entry is
//! present, every chain and signature verifies, and the projections equal a
//! rebuild from the journal.
//!
//! CI runs a few dozen kills; `CASEFILE_CRASH_ROUNDS=500` runs more.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use casefile_core::*;
use casefile_store::{CaseFilter, Store};
use casefile_store_sqlite::SqliteStore;
use uuid::Uuid;

const CHILD: &str = "CASEFILE_CRASH_CHILD_DB";

/// The device key of the test: the child signs with it, the parent checks.
fn signed(mut s: SqliteStore, db: &std::path::Path) -> SqliteStore {
    s.set_signer(ed25519_dalek::SigningKey::from_bytes(&[9; 32]));
    s.set_anchor(db.parent().unwrap());
    s
}

/// The child's work: append batches to three cases forever, acknowledging
/// each, with a new company every seventh batch.
fn child(db: &str) -> ! {
    let path = std::path::Path::new(db);
    let mut s = signed(SqliteStore::open(path).expect("open"), path);
    let now = jiff::Timestamp::now();
    let cases: Vec<Uuid> = (0..3)
        .map(|i| {
            let existing = s.case_by_handle(i + 1).expect("lookup");
            existing.unwrap_or_else(|| {
                let id = Uuid::now_v7();
                s.append(
                    id,
                    0,
                    "owner",
                    vec![Draft::new(
                        now,
                        Event::CaseOpened {
                            title: format!("case {i}"),
                            company: None,
                        },
                    )],
                )
                .expect("open case");
                id
            })
        })
        .collect();
    let mut n: u64 = 0;
    loop {
        let case = cases[(n % 3) as usize];
        let head = s.case(case).expect("case").state.seq();
        // Batches of one to three entries: each lands whole or not at all.
        let batch = 1 + (n % 3) as usize;
        let drafts: Vec<Draft> = (0..batch)
            .map(|k| {
                Draft::new(
                    now,
                    Event::NoteAdded {
                        contact: None,
                        text: format!("note {n}.{k} {}", "x".repeat((n % 50) as usize)),
                    },
                )
            })
            .collect();
        let ids: Vec<String> = drafts.iter().map(|d| d.id.to_string()).collect();
        s.append(case, head, "owner", drafts).expect("append");
        println!("ack {}", ids.join(" "));
        if n.is_multiple_of(7) {
            let company = Draft::new(
                now,
                Event::CompanyCreated {
                    name: format!("Company {} {n}", std::process::id()),
                },
            );
            let id = company.id.to_string();
            s.append(Uuid::now_v7(), 0, "owner", vec![company])
                .expect("new company");
            println!("ack {id}");
        }
        n += 1;
    }
}

/// A tiny deterministic generator, so a failing run can be repeated by its seed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn observable(s: &SqliteStore) -> String {
    let rows = s.list_cases(&CaseFilter::default()).unwrap();
    let mut out = format!("{rows:?}");
    for r in &rows {
        out.push_str(&format!("{:?}", s.case(r.id).unwrap()));
    }
    out.push_str(&format!("{:?}", s.search("note", 1000).unwrap().len()));
    out
}

#[test]
fn killed_at_random_instants_nothing_acknowledged_is_lost() {
    if let Ok(db) = std::env::var(CHILD) {
        child(&db);
    }
    let rounds: usize = std::env::var("CASEFILE_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("CASEFILE_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed);
    let mut rng = Lcg(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut acked: Vec<Uuid> = Vec::new();
    let exe = std::env::current_exe().unwrap();
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "killed_at_random_instants_nothing_acknowledged_is_lost",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<Uuid>>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("ack ") {
                    let _ = tx.send(
                        rest.split(' ')
                            .filter_map(|s| Uuid::parse_str(s).ok())
                            .collect(),
                    );
                }
            }
        });
        // Let it run a random while, then kill it mid-whatever.
        let wait = Duration::from_millis(5 + rng.next() % 120);
        let started = Instant::now();
        while started.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        acked.extend(rx.try_iter().flatten());

        let mut s = signed(
            SqliteStore::open(&db)
                .unwrap_or_else(|e| panic!("round {round} (seed {seed}): cannot reopen: {e}")),
            &db,
        );
        let present: std::collections::HashSet<Uuid> = s
            .streams()
            .unwrap()
            .iter()
            .flat_map(|i| s.read_stream(i.id).unwrap())
            .map(|e| e.id)
            .collect();
        let lost: Vec<&Uuid> = acked.iter().filter(|id| !present.contains(id)).collect();
        assert!(
            lost.is_empty(),
            "round {round} (seed {seed}): {} acknowledged entries lost",
            lost.len()
        );
        let findings = s.verify().unwrap();
        assert!(
            findings.is_empty(),
            "round {round} (seed {seed}): {findings:?}"
        );
        let before = observable(&s);
        s.rebuild().unwrap();
        assert_eq!(
            observable(&s),
            before,
            "round {round} (seed {seed}): projections differ from a rebuild"
        );
    }
    assert!(
        acked.len() > rounds,
        "the child should have acknowledged entries ({} in {rounds} rounds)",
        acked.len()
    );
}
