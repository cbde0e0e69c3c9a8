//! Signatures and seals. Each head is signed with this device's key, kept
//! outside the file, so `verify` itself catches a history rewritten with
//! every hash recomputed, or cut short, or its signatures removed (a note
//! beside the key says this device signs every journal of the file). A
//! seal's digest, kept outside too,
//! proves the history even against someone who also removes the
//! signatures: each way to change the past and still pass `verify`
//! (rewrite and rechain, cut the tail, hide a whole case, remove the seal)
//! fails the proof.

mod common;

use casefile_core::{Entry, compute_hash};
use casefile_store::Store;
use casefile_store_sqlite::SqliteStore;
use common::Env;

/// A case with a few notes and another case; sealed; a note after the seal.
fn sealed() -> (Env, String) {
    let env = Env::new();
    env.open_router_case();
    for n in ["first call: no answer", "second call: promised a refund"] {
        env.ok(&["note", "1", n]);
    }
    env.ok(&[
        "open",
        "Billing error",
        "--company",
        "Globex",
        "--problem",
        "They charged me twice in October",
        "--resolution",
        "A refund of $40 within 10 days",
        "--fair",
        "yes",
    ]);
    let seal = env.json(&["seal"]);
    let digest = seal["digest"].as_str().unwrap().to_string();
    assert_eq!(seal["journals"], 4, "two cases and two companies: {seal}");
    // What comes after a seal is fine: the seal covers history up to it.
    env.ok(&["note", "1", "third call, after the seal"]);
    env.ok(&["verify", "--digest", &digest]);
    (env, digest)
}

/// What someone who knows where signatures are kept would also do.
/// `verify` on this device names every journal left unsigned.
fn drop_signatures(env: &Env) {
    let s = SqliteStore::open(&env.db).unwrap();
    s.execute_for_tests("DELETE FROM head_signatures").unwrap();
    drop(s);
    env.ok(&["rebuild"]);
    let out = env.run(&["verify"]);
    assert_eq!(out.status.code(), Some(6));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("carries no signature"), "{said}");
}

/// The note beside the key that this device signs here, gone: the file as
/// another machine, or someone with the config folder too, would verify it.
fn forget_anchor(env: &Env) {
    for f in std::fs::read_dir(env.dir.path()).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|x| x == "signed") {
            std::fs::remove_file(p).unwrap();
        }
    }
}

fn case_id(s: &SqliteStore, handle: u64) -> uuid::Uuid {
    s.case_by_handle(handle).unwrap().unwrap()
}

/// Cuts case 1's last `n` entries off and sets its head back to match.
fn cut_case_1(env: &Env, n: usize) {
    let s = SqliteStore::open(&env.db).unwrap();
    let id = case_id(&s, 1);
    let entries = s.read_stream(id).unwrap();
    let keep = entries.len() - n;
    s.execute_for_tests(&format!(
        "DELETE FROM entries WHERE stream = '{id}' AND seq > {keep};
         UPDATE streams SET head_seq = {keep}, head_hash = '{}' WHERE id = '{id}'",
        entries[keep - 1].hash
    ))
    .unwrap();
}

/// Rewrites case 1's first note with `f`, then recomputes every hash from
/// it to the head, as someone with the file and this program's source could.
fn rewrite_and_rechain(env: &Env, f: impl Fn(&mut Entry)) {
    let s = SqliteStore::open(&env.db).unwrap();
    let id = case_id(&s, 1);
    let mut entries = s.read_stream(id).unwrap();
    let seq = entries
        .iter()
        .find(|e| matches!(e.event, casefile_core::Event::NoteAdded { .. }))
        .unwrap()
        .seq;
    let mut prev = entries[seq as usize - 2].hash.clone();
    for e in entries.iter_mut().skip(seq as usize - 1) {
        if e.seq == seq {
            f(e);
        }
        e.prev = prev.clone();
        e.hash = compute_hash(e);
        prev = e.hash.clone();
        let event = serde_json::to_string(&e.event).unwrap().replace('\'', "''");
        s.execute_for_tests(&format!(
            "UPDATE entries SET event = '{event}', prev = '{}', hash = '{}' WHERE stream = '{id}' AND seq = {}",
            e.prev, e.hash, e.seq
        ))
        .unwrap();
    }
    s.execute_for_tests(&format!(
        "UPDATE streams SET head_hash = '{prev}' WHERE id = '{id}'"
    ))
    .unwrap();
}

#[test]
fn a_sealed_history_rewritten_and_rechained_fails_the_proof() {
    let (env, digest) = sealed();
    rewrite_and_rechain(&env, |e| {
        if let casefile_core::Event::NoteAdded { text, .. } = &mut e.event {
            *text = "first call: they said no refund, ever".into();
        }
    });
    // With the signatures removed too, the chain is whole again; plain
    // `verify` still names the journals left unsigned, and where it cannot
    // (no note beside the key)...
    drop_signatures(&env);
    forget_anchor(&env);
    env.ok(&["verify"]);
    // ...the digest kept outside can.
    let (code, err) = env.fails(&["verify", "--digest", &digest]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("case 1: entry #") && err.contains("is not the one that was sealed"),
        "{err}"
    );
}

#[test]
fn a_sealed_history_cut_short_fails_the_proof() {
    let (env, digest) = sealed();
    // Cut back to before the seal, and set the head to match.
    cut_case_1(&env, 3);
    drop_signatures(&env);
    forget_anchor(&env);
    env.ok(&["verify"]);
    let (code, err) = env.fails(&["verify", "--digest", &digest]);
    assert_eq!(code, 6);
    assert!(
        err.contains("case 1: entry #") && err.contains("is gone"),
        "{err}"
    );
}

#[test]
fn a_hidden_case_or_a_removed_seal_fails_the_proof() {
    let (env, digest) = sealed();
    let s = SqliteStore::open(&env.db).unwrap();
    let id = case_id(&s, 2);
    // The case's journal goes, and the views are folded again without it.
    s.execute_for_tests(&format!(
        "DELETE FROM entries WHERE stream = '{id}'; DELETE FROM streams WHERE id = '{id}';"
    ))
    .unwrap();
    drop(s);
    drop_signatures(&env);
    forget_anchor(&env);
    env.ok(&["verify"]);
    let (code, err) = env.fails(&["verify", "--digest", &digest]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("is gone"), "{err}");

    let (env, digest) = sealed();
    let s = SqliteStore::open(&env.db).unwrap();
    s.execute_for_tests("DELETE FROM seals").unwrap();
    drop(s);
    let (code, err) = env.fails(&["verify", "--digest", &digest]);
    assert_eq!(code, 6);
    assert!(err.contains("no seal with digest"), "{err}");
}

#[test]
fn a_digest_is_read_as_typed_and_a_wrong_one_is_named() {
    let (env, digest) = sealed();
    env.ok(&[
        "verify",
        "--digest",
        &digest.to_uppercase().replace('-', " "),
    ]);
    let (code, err) = env.fails(&["verify", "--digest", "not-a-digest"]);
    assert_eq!(code, 4);
    assert!(
        err.contains("is not a seal's digest") && err.contains("hint:"),
        "{err}"
    );
    let (code, err) = env.fails(&["verify", "--digest", "0000-0000-0000-0000-0000"]);
    assert_eq!(code, 6);
    assert!(err.contains("no seal with digest"), "{err}");
    // An empty journal has nothing to seal.
    let empty = Env::new();
    let (code, err) = empty.fails(&["seal"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("nothing to seal"), "{err}");
}

#[test]
fn verify_catches_a_rewritten_and_rechained_history_by_its_signature() {
    let (env, _) = sealed();
    rewrite_and_rechain(&env, |e| {
        if let casefile_core::Event::NoteAdded { text, .. } = &mut e.event {
            *text = "first call: they said no refund, ever".into();
        }
    });
    env.ok(&["rebuild"]);
    let (code, err) = env.fails(&["verify"]);
    assert_eq!(code, 6, "{err}");
    let out = env.run(&["verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("case 1, entry #") && text.contains("is not the one this device signed"),
        "{text}"
    );
}

#[test]
fn verify_catches_a_cut_tail_by_its_signature_and_names_another_key() {
    let (env, _) = sealed();
    cut_case_1(&env, 1);
    env.ok(&["rebuild"]);
    let out = env.run(&["verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{text}");
    assert!(text.contains("entries were cut off"), "{text}");

    // The same file verified with another device's key: every head it did
    // not sign is named.
    let (env, _) = sealed();
    another_key_finds_heads_it_did_not_sign(&env);
    // The key is kept readable by the user only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = env.dir.path().join("signing.key");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
}

#[test]
fn without_a_usable_key_reads_go_on_and_writes_are_refused_with_why() {
    let (env, _) = sealed();
    // A key path that cannot be read as a key (a folder).
    let bad = env.dir.path().join("keys-folder");
    std::fs::create_dir_all(&bad).unwrap();
    let run = |args: &[&str]| {
        env.cmd(args)
            .env("CASEFILE_SIGNING_KEY", &bad)
            .output()
            .unwrap()
    };
    let list = run(&["list"]);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let before = env.journal();
    let note = run(&["note", "1", "written without a key"]);
    let err = String::from_utf8_lossy(&note.stderr);
    assert!(!note.status.success(), "{err}");
    assert!(
        err.contains("nothing was written") && err.contains("signing key"),
        "{err}"
    );
    assert_eq!(env.journal(), before, "nothing written");
}

#[test]
fn journals_written_before_signing_are_signed_by_the_first_write_and_then_watched() {
    let env = Env::new();
    // A file from before signing: two cases written with no key at all.
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    let mut s = SqliteStore::open(&env.db).unwrap();
    for title in ["Old case", "Older case"] {
        s.append(
            uuid::Uuid::now_v7(),
            0,
            "owner",
            vec![casefile_core::Draft::new(
                "2026-10-01T10:00:00Z".parse().unwrap(),
                casefile_core::Event::CaseOpened {
                    title: title.into(),
                    company: None,
                },
            )],
        )
        .unwrap();
    }
    drop(s);
    // Read before any write here: nothing to say about signatures yet.
    env.ok(&["verify"]);
    // The first write signs every journal, the old ones included...
    env.ok(&["note", "1", "picked up again"]);
    env.ok(&["verify"]);
    // ...so a signature removed from one of them is found.
    let s = SqliteStore::open(&env.db).unwrap();
    let id = case_id(&s, 2);
    s.execute_for_tests(&format!(
        "DELETE FROM head_signatures WHERE stream = '{id}'"
    ))
    .unwrap();
    drop(s);
    let out = env.run(&["verify"]);
    assert_eq!(out.status.code(), Some(6));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("case 2") && said.contains("carries no signature"),
        "{said}"
    );
}

#[test]
fn verify_catches_a_whole_case_hidden_with_its_signature() {
    let (env, _) = sealed();
    let s = SqliteStore::open(&env.db).unwrap();
    let id = case_id(&s, 2);
    s.execute_for_tests(&format!(
        "DELETE FROM entries WHERE stream = '{id}'; DELETE FROM streams WHERE id = '{id}';
         DELETE FROM head_signatures WHERE stream = '{id}';"
    ))
    .unwrap();
    drop(s);
    env.ok(&["rebuild"]);
    let out = env.run(&["verify"]);
    assert_eq!(out.status.code(), Some(6));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("the file: it holds 3 journal(s) where this device signed for 4"),
        "{said}"
    );
    // The signed list itself removed: named too.
    let s = SqliteStore::open(&env.db).unwrap();
    s.execute_for_tests("DELETE FROM meta WHERE key = 'roster'")
        .unwrap();
    drop(s);
    let said = String::from_utf8_lossy(&env.run(&["verify"]).stdout).into_owned();
    assert!(
        said.contains("the list of its journals carries no signature"),
        "{said}"
    );
}

/// Reads never read the device's key, nor make one (making its public half
/// cost every short command a few percent): the first write makes it, and
/// what it wrote is signed.
#[test]
fn the_key_is_made_by_the_first_write_and_never_by_a_read() {
    let env = Env::new();
    let key = env.dir.path().join("signing.key");
    env.ok(&["list"]);
    env.ok(&["due"]);
    assert!(!key.exists(), "a read made the key");
    env.open_router_case();
    assert!(key.exists(), "the first write made no key");
    env.ok(&["show", "1"]);
    env.ok(&["verify"]);
    // Signed: another key finds the head signed by one it does not hold.
    another_key_finds_heads_it_did_not_sign(&env);
}

/// `verify` run as another device would, with a key of its own, fails and
/// names the heads it did not sign.
fn another_key_finds_heads_it_did_not_sign(env: &Env) {
    let out = env
        .cmd(&["verify"])
        .env("CASEFILE_SIGNING_KEY", env.dir.path().join("other.key"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{text}");
    assert!(
        text.contains("signed by a key this device does not hold"),
        "{text}"
    );
}
