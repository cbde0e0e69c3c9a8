//! Several casefile processes append to one case at once while others read:
//! no entry is lost or duplicated, and no "database is locked" reaches anyone.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::Env;

#[test]
fn concurrent_writers_and_readers_lose_nothing() {
    let env = Arc::new(Env::new());
    env.open_router_case();
    let writers = 4;
    let per_writer = 15;
    let done = Arc::new(AtomicBool::new(false));

    let readers: Vec<_> = (0..2)
        .map(|r| {
            let (env, done) = (env.clone(), done.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !done.load(Ordering::Relaxed) {
                    let args: &[&str] = if r == 0 { &["show", "1"] } else { &["list"] };
                    let out = env.run(args);
                    let err = String::from_utf8_lossy(&out.stderr).to_string();
                    assert!(out.status.success(), "reader {args:?} failed: {err}");
                    reads += 1;
                }
                reads
            })
        })
        .collect();

    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let env = env.clone();
            std::thread::spawn(move || {
                for n in 0..per_writer {
                    let text = format!("writer {w} note {n}");
                    let out = env.run(&["note", "1", &text]);
                    let err = String::from_utf8_lossy(&out.stderr).to_string();
                    assert!(out.status.success(), "writer {w} note {n} failed: {err}");
                    assert!(!err.to_lowercase().contains("locked"), "{err}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer");
    }
    done.store(true, Ordering::Relaxed);
    let reads: usize = readers.into_iter().map(|r| r.join().expect("reader")).sum();
    assert!(reads > 0);

    let show = env.json(&["show", "1"]);
    let mut notes: Vec<String> = show["state"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["preview"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(notes.len(), writers * per_writer, "every note once");
    notes.sort();
    notes.dedup();
    assert_eq!(notes.len(), writers * per_writer, "no duplicates");
    assert!(env.ok(&["verify"]).starts_with("All "));
}

/// Eight people's processes naming the same new company at once make one
/// company, and eight adding names to it at once all succeed.
#[test]
fn a_company_named_at_once_is_one_company() {
    let env = Arc::new(Env::new());
    // The file exists before the race: creating it is not what is measured here.
    env.ok(&["list"]);
    let opened: Vec<_> = (0..8)
        .map(|i| {
            let env = env.clone();
            std::thread::spawn(move || {
                env.run(&[
                    "open",
                    &format!("Case {i}"),
                    "--company",
                    "Globex Corp",
                    "--no-wizard",
                ])
            })
        })
        .collect();
    for t in opened {
        let out = t.join().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let companies = env.json(&["company", "list", "--json"]).to_string();
    assert_eq!(companies.matches("Globex Corp").count(), 1, "{companies}");
    let aliased: Vec<_> = (0..8)
        .map(|i| {
            let env = env.clone();
            std::thread::spawn(move || {
                env.run(&["company", "alias", "Globex", &format!("Globex {i}")])
            })
        })
        .collect();
    for t in aliased {
        let out = t.join().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let show = env.ok(&["company", "show", "Globex"]);
    for i in 0..8 {
        assert!(show.contains(&format!("Globex {i}")), "{show}");
    }
    for i in 0..8 {
        let case = env.json(&["show", &(i + 1).to_string(), "--json"]);
        assert_eq!(case["company_name"], "Globex Corp", "case {}", i + 1);
    }
}

/// Eight processes starting on a file that does not exist yet, with no
/// signing key yet either: every one lands, the file is made once, the key
/// once, the company once, and it all verifies.
#[test]
fn eight_processes_on_a_brand_new_file_all_land() {
    let env = Arc::new(Env::new());
    assert!(!env.db.exists());
    let opened: Vec<_> = (0..8)
        .map(|i| {
            let env = env.clone();
            std::thread::spawn(move || {
                env.run(&[
                    "open",
                    &format!("Case {i}"),
                    "--company",
                    "Globex Corp",
                    "--no-wizard",
                ])
            })
        })
        .collect();
    for t in opened {
        let out = t.join().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = env.json(&["list"]);
    assert_eq!(list.as_array().unwrap().len(), 8, "{list}");
    let companies = env.json(&["company", "list"]).to_string();
    assert_eq!(companies.matches("Globex Corp").count(), 1, "{companies}");
    env.ok(&["verify"]);
}

/// Each command is a process of its own, and each one that opens the file
/// reads the WAL whole first: the WAL must be emptied as it fills, or every
/// command gets slower with every note ever taken.
#[test]
fn the_write_ahead_log_stays_small_over_many_notes() {
    let env = Env::new();
    env.open_router_case();
    let wal = env.db.with_extension("db-wal");
    let mut largest = 0;
    for i in 0..80 {
        env.ok(&[
            "note",
            "1",
            &format!("note {i}: the rep said to call back tomorrow"),
        ]);
        largest = largest.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
    }
    // About 25 pages of 4 KB a note: 80 notes would be 8 MB of WAL.
    assert!(largest < 1_600_000, "the WAL grew to {largest} bytes");
    let notes = env.json(&["show", "1"])["state"]["notes"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(notes, 80);
    assert!(env.ok(&["verify"]).contains("every hash chain intact"));
}
