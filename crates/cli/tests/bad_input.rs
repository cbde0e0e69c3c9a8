//! Bad input gets a clear message naming the problem and the fix, a non-zero
//! exit, and no partial write.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::Env;

/// Runs a failing command and checks that the journal did not change.
fn refused(env: &Env, args: &[&str], code: i32, needle: &str) -> String {
    let before = env.journal();
    let (got, err) = env.fails(args);
    assert_eq!(got, code, "exit code of {args:?}; stderr:\n{err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in:\n{err}"
    );
    assert!(err.starts_with("error: ") || code == 2, "{err}");
    assert_eq!(env.journal(), before, "{args:?} wrote something");
    err
}

#[test]
fn malformed_and_impossible_dates() {
    let env = Env::new();
    env.open_router_case();
    let err = refused(
        &env,
        &["note", "1", "hello", "--at", "the thirtieth of Febtember"],
        4,
        "not a date and time casefile understands",
    );
    assert!(err.contains("hint: write it like"), "{err}");
    refused(
        &env,
        &["note", "1", "hello", "--at", "2026-02-30 10:00"],
        4,
        "not a date",
    );
    refused(
        &env,
        &["note", "1", "hello", "--at", "tomorrow"],
        4,
        "is in the future",
    );
    refused(
        &env,
        &["promise", "1", "call back", "--due", "whenever"],
        4,
        "not a date",
    );
    refused(
        &env,
        &["log", "1", "--start", "2026-11-03 14:05", "--end", "13:00"],
        4,
        "ends",
    );
    refused(
        &env,
        &[
            "log",
            "1",
            "--start",
            "2026-11-03 14:05",
            "--end",
            "14:30",
            "--rep",
            "Dana, at=15:00",
        ],
        4,
        "falls outside the contact",
    );
    refused(
        &env,
        &[
            "log",
            "1",
            "--start",
            "2026-11-03 14:05",
            "--end",
            "14:30",
            "--hold",
            "soon-later",
        ],
        4,
        "not a time range",
    );
    refused(
        &env,
        &["time", "1", "a while", "waiting"],
        4,
        "not a length of time",
    );
    refused(
        &env,
        &["due", "--within", "a fortnight-ish"],
        4,
        "not a length of time",
    );
}

#[test]
fn unknown_cases_companies_and_entries() {
    let env = Env::new();
    env.open_router_case();
    let err = refused(&env, &["show", "7"], 3, "there is no case 7");
    assert!(err.contains("casefile list"));
    refused(&env, &["note", "abc", "x"], 3, "there is no case abc");
    refused(
        &env,
        &["company", "show", "Globex"],
        3,
        "no company is called 'Globex'",
    );
    refused(&env, &["list", "--company", "Globex"], 3, "no company");
    refused(
        &env,
        &["amend", "1", "99", "--reason", "typo"],
        3,
        "case 1 has no entry #99",
    );
    refused(
        &env,
        &["amend", "1", "x", "--reason", "typo"],
        4,
        "not an entry number",
    );
    refused(
        &env,
        &["kept", "1", "2"],
        3,
        "entry #2 of case 1 is not a promise",
    );
    refused(
        &env,
        &["answer", "1", "3", "full"],
        3,
        "entry #3 of case 1 is not an offer",
    );
    refused(&env, &["done", "1", "3"], 3, "is not a follow-up");
    refused(
        &env,
        &["contact", "end", "1"],
        4,
        "no contact is open in case 1",
    );
}

#[test]
fn empty_required_fields_and_bad_fields() {
    let env = Env::new();
    env.ok(&["list"]);
    refused(
        &env,
        &["open", "   ", "--no-wizard"],
        4,
        "a case needs a title",
    );
    refused(
        &env,
        &["open", "X", "--problem", "broken", "--no-wizard"],
        4,
        "give both --problem and --resolution",
    );
    env.open_router_case();
    refused(&env, &["note", "1", "  "], 4, "the note is empty");
    refused(
        &env,
        &["goal", "1", "--resolution", "a new router"],
        4,
        "revising a goal needs a reason",
    );
    refused(
        &env,
        &[
            "log",
            "1",
            "--start",
            "2026-11-03 14:05",
            "--minutes",
            "20",
            "--rep",
            "Dana, dpet=Billing",
        ],
        4,
        "unknown field 'dpet'",
    );
    refused(
        &env,
        &[
            "log",
            "1",
            "--start",
            "2026-11-03 14:05",
            "--minutes",
            "20",
            "--offer",
            "credit, answer=maybe",
        ],
        4,
        "not an answer to an offer",
    );
    refused(
        &env,
        &["expense", "1", "twelve", "postage"],
        4,
        "not an amount of money",
    );
    refused(
        &env,
        &["fact", "1", "acquired", "last Octember"],
        4,
        "not a date",
    );
    refused(
        &env,
        &["open", "Y", "--fact", "colour=blue", "--no-wizard"],
        4,
        "not a kind of fact",
    );
    // clap's own checks exit 2.
    refused(
        &env,
        &[
            "log",
            "1",
            "--start",
            "2026-11-03 14:05",
            "--minutes",
            "5",
            "--rating",
            "9",
        ],
        2,
        "9",
    );
}

#[test]
fn answering_twice_and_amending_the_opening_are_refused() {
    let env = Env::new();
    env.open_router_case();
    env.ok(&["promise", "1", "call back", "--due", "in 2 days"]);
    env.ok(&["kept", "1", "8"]);
    refused(&env, &["broken", "1", "8"], 4, "was already answered");
    refused(
        &env,
        &["amend", "1", "1", "--reason", "wrong title"],
        4,
        "cannot be amended",
    );
}

#[test]
fn a_huge_note_control_characters_and_other_scripts() {
    let env = Env::new();
    env.open_router_case();
    let before = env.journal();
    let huge = vec![b'a'; 10 << 20];
    let out = env.run_with_stdin(&["note", "1", "-"], &huge);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("over the limit") && err.contains("casefile attach"),
        "{err}"
    );
    assert_eq!(env.journal(), before);

    refused(
        &env,
        &["note", "1", "clear screen \u{1b}[2J now"],
        4,
        "control characters",
    );
    let out = env.run_with_stdin(&["note", "1", "-"], &[0xff, 0xfe, 0x00]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not UTF-8"));

    // Right-to-left text, combining marks and emoji are recorded and shown as given.
    let text = "الموظف قال: سنتصل بك — שלום 👋 e\u{301}";
    env.ok(&["note", "1", text]);
    assert!(env.ok(&["timeline", "1"]).contains(text));
    assert!(env.ok(&["search", "שלום"]).contains("1 #8"));
}

#[test]
fn broken_import_files_write_nothing() {
    let env = Env::new();
    env.open_router_case();
    let good = env.ok(&["export", "--reveal"]);
    let other = Env::new();
    let write = |name: &str, body: &str| {
        let p = other.dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    let cut = write("cut.jsonl", &good[..good.len() - 30]);
    let (code, err) = other.fails(&["import", &cut]);
    assert_eq!(code, 4);
    assert!(err.contains("line") && err.contains("cut short"), "{err}");
    let short = write(
        "short.jsonl",
        &good.lines().take(3).collect::<Vec<_>>().join("\n"),
    );
    assert!(
        other
            .fails(&["import", &short])
            .1
            .contains("holds 2 of the")
    );
    let csv = write("c.csv", "Date received,Product\n2020-01-01,Mortgage\n");
    assert!(
        other
            .fails(&["import", &csv])
            .1
            .contains("not a casefile export")
    );
    let empty = write("e.jsonl", "");
    assert!(other.fails(&["import", &empty]).1.contains("empty"));
    let masked = write("m.jsonl", &env.ok(&["export"]));
    assert!(other.fails(&["import", &masked]).1.contains("--reveal"));
    let edited = write("x.jsonl", &good.replace("A-1001", "A-9999"));
    let (code, err) = other.fails(&["import", &edited]);
    assert_eq!(code, 4);
    assert!(err.contains("altered"), "{err}");
    assert_eq!(other.fails(&["import", "/nonexistent/file.jsonl"]).0, 3);
    assert_eq!(
        other.ok(&["list"]),
        "No cases yet. Open one with `casefile open`.\n"
    );
}

#[test]
fn a_database_held_by_another_process_is_reported_not_hung() {
    let env = Env::new();
    env.open_router_case();
    // The sqlite3 shell takes the write lock and keeps it for two seconds.
    let mut holder = Command::new("sqlite3")
        .arg(&env.db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the sqlite3 shell is needed by this test");
    {
        use std::io::Write;
        let mut stdin = holder.stdin.take().unwrap();
        writeln!(stdin, "PRAGMA busy_timeout=5000; BEGIN IMMEDIATE; INSERT INTO entries SELECT * FROM entries WHERE 0;\n.shell sleep 2\nROLLBACK;").unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));
    let before = std::time::Instant::now();
    let out = env
        .cmd(&["note", "1", "during the lock"])
        .env("CASEFILE_BUSY_TIMEOUT_MS", "300")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("busy") && err.contains("try again"), "{err}");
    assert!(
        !err.contains("database is locked"),
        "the engine's words do not reach the user: {err}"
    );
    assert!(before.elapsed() < Duration::from_secs(2));
    holder.wait().unwrap();
    env.ok(&["note", "1", "after the lock"]);
}

#[test]
fn unusable_database_files() {
    let env = Env::new();
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    std::fs::write(
        &env.db,
        "plain text, not SQLite at all, long enough to look like a header......",
    )
    .unwrap();
    let (code, err) = env.fails(&["list"]);
    assert_eq!(code, 7);
    assert!(
        err.contains("is not a casefile database") && err.contains("--db"),
        "{err}"
    );

    let newer = Env::new();
    newer.open_router_case();
    let st = Command::new("sqlite3")
        .arg(&newer.db)
        .arg("PRAGMA user_version = 99;")
        .status()
        .unwrap();
    assert!(st.success());
    let (code, err) = newer.fails(&["list"]);
    assert_eq!(code, 7);
    assert!(
        err.contains("newer casefile") && err.contains("not changed"),
        "{err}"
    );

    let dir_as_db = Env::new();
    std::fs::create_dir_all(&dir_as_db.db).unwrap();
    assert_eq!(dir_as_db.fails(&["list"]).0, 7);
}

#[test]
fn verify_reports_tampering_with_exit_6() {
    let env = Env::new();
    env.open_router_case();
    env.ok(&["note", "1", "the rep said the refund is approved"]);
    assert!(env.ok(&["verify"]).contains("every hash chain intact"));
    let st = Command::new("sqlite3")
        .arg(&env.db)
        .arg("UPDATE entries SET event = replace(event, 'approved', 'denied') WHERE seq = 8;")
        .status()
        .unwrap();
    assert!(st.success());
    let out = env.run(&["verify"]);
    assert_eq!(out.status.code(), Some(6));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("case 1, entry #8") && text.contains("altered"),
        "{text}"
    );
    let json = env.run(&["--json", "verify"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["findings"][0]["seq"], 8);
}

/// Output piped into a reader that has gone (`casefile show 1 | head -1`)
/// ends quietly: no panic, no message about the pipe, nothing written twice.
#[test]
fn a_closed_pipe_ends_quietly() {
    let env = Env::new();
    env.open_router_case();
    // More than a pipe's buffer (64 KiB), so a write must meet the closed end.
    let long = "the rep read the same script again. ".repeat(100);
    for i in 0..25 {
        env.ok(&["note", "1", &format!("note number {i}: {long}")]);
    }
    for args in [
        &["show", "1"][..],
        &["timeline", "1"],
        &["export"],
        &["list", "--json"],
    ] {
        let out = env.run_into_closed_pipe(args);
        assert!(
            !out.status.success(),
            "{args:?}: the output was not all written"
        );
    }
    let notes = env.journal().matches("note number").count();
    assert_eq!(notes, 25);
}

/// Under `--json` an error is JSON too (on standard error), with the same
/// message, hint and exit code a person would see.
#[test]
fn errors_are_json_under_json() {
    let env = Env::new();
    env.open_router_case();
    let out = env.run(&["show", "99", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON on stderr");
    assert_eq!(err["error"]["exit"], 3);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no case 99"),
        "{err}"
    );
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("casefile list"),
        "{err}"
    );
    let out = env.run(&["expense", "1", "lots", "postage", "--json"]);
    assert_eq!(out.status.code(), Some(4));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(
        err["error"]["message"].as_str().unwrap().contains("lots"),
        "{err}"
    );
    // Without --json, words for a person.
    let out = env.run(&["show", "99"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
}

/// The wizard checks a date and an identifier as they are typed and asks
/// again; no earlier answer is lost.
#[test]
fn the_wizard_asks_again_and_keeps_every_answer() {
    let env = Env::new();
    let answers = "Router refund\nAcme\nThe router died\nA refund of $129\n\nyes\n\
                   the 45th of Smarch\n2026-10-28\n\n\n\n\nAccount 1234\nAccount=8812\nn\n\n";
    let out = env.run_with_stdin(&["open", "--wizard"], answers.as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("'the 45th of Smarch' is not a date"),
        "{stderr}"
    );
    assert!(
        stderr.contains("'Account 1234' is not Label=value"),
        "{stderr}"
    );
    let show = env.ok(&["show", "1"]);
    assert!(
        show.contains("acquired") && show.contains("2026-10-28"),
        "{show}"
    );
    assert!(show.contains("Account") && show.contains("8812"), "{show}");
    assert!(show.contains("A refund of $129"), "{show}");
}

/// A logged contact's end can name its day ("yesterday 14:52", as the help
/// shows); a bare time takes the start's day.
#[test]
fn a_logged_contact_reads_its_times_as_meant() {
    let env = Env::new();
    env.open_router_case();
    env.ok(&[
        "log",
        "1",
        "--start",
        "yesterday 14:05",
        "--end",
        "yesterday 14:52",
    ]);
    env.ok(&["log", "1", "--start", "2026-11-05 10:00", "--end", "10:40"]);
    let case = env.json(&["show", "1", "--json"]);
    let contacts = case["state"]["contacts"]
        .as_array()
        .or_else(|| case["contacts"].as_array())
        .unwrap()
        .clone();
    let ends: Vec<String> = contacts
        .iter()
        .map(|c| c["ended"].as_str().unwrap().to_string())
        .collect();
    // CASEFILE_NOW is 2026-11-10 17:00Z; the zone is New York.
    assert!(ends[0].starts_with("2026-11-09T19:52"), "{ends:?}");
    assert!(ends[1].starts_with("2026-11-05T15:40"), "{ends:?}");
}

/// An export that cannot finish leaves nothing behind: no half file.
#[test]
fn a_failed_export_leaves_no_partial_file() {
    let env = Env::new();
    env.open_router_case();
    // The target is a folder: the finished file cannot take its place.
    let target = env.dir.path().join("backup");
    std::fs::create_dir(&target).unwrap();
    let (code, err) = env.fails(&["export", "--output", target.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("cannot write"), "{err}");
    assert!(
        !target.with_extension("partial").exists(),
        "no partial file is left"
    );
}

/// A database this user may read but not write, in a folder where SQLite
/// cannot make its side files either: reading and exporting work, a write
/// says the file is read-only and what to do, and nothing changes. As root
/// (CI), the commands run as `nobody`, since root may write anything.
#[cfg(unix)]
#[test]
fn a_read_only_database_is_read_and_a_write_says_why() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.open_router_case();
    env.ok(&["note", "1", "before the file was locked"]);
    // The file on its own, as a copy or a backup would be.
    let s = casefile_store_sqlite::SqliteStore::open(&env.db).unwrap();
    s.execute_for_tests("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(s);
    for side in ["casefile.db-wal", "casefile.db-shm"] {
        let _ = std::fs::remove_file(env.db.with_file_name(side));
    }
    let data = env.db.parent().unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    if root {
        // nobody reads the files and the key, and writes nothing of the data.
        mode(env.dir.path(), 0o755);
        mode(data, 0o755);
        mode(&env.db, 0o644);
        let key = env.dir.path().join("signing.key");
        std::os::unix::fs::chown(&key, Some(65534), Some(65534)).unwrap();
    } else {
        mode(&env.db, 0o444);
        mode(data, 0o555);
    }
    let run = |args: &[&str]| {
        let mut c = env.cmd(args);
        if root {
            let program = c.get_program().to_owned();
            let mut wrapped = Command::new("setpriv");
            wrapped.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
            wrapped.arg(program).args(args);
            for (k, v) in c.get_envs() {
                match v {
                    Some(v) => wrapped.env(k, v),
                    None => wrapped.env_remove(k),
                };
            }
            c = wrapped;
        }
        c.stdin(Stdio::null()).output().unwrap()
    };
    let list = run(&["list"]);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    assert!(String::from_utf8_lossy(&list.stdout).contains("Router refund"));
    let show = run(&["show", "1"]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("before the file was locked"));
    assert!(run(&["verify"]).status.success());
    let export = run(&["export"]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );

    let note = run(&["note", "1", "after"]);
    assert_eq!(note.status.code(), Some(7));
    let err = String::from_utf8_lossy(&note.stderr);
    assert!(err.contains("read-only: nothing was written"), "{err}");
    assert!(
        err.contains("make the file and its folder writable"),
        "{err}"
    );
    if !root {
        mode(data, 0o755);
        mode(&env.db, 0o644);
    }
    assert!(!env.ok(&["show", "1"]).contains("after"));
}
