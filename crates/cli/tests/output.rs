//! What people read, snapshot-tested, and the ways text gets in: the wizard,
//! $EDITOR, stdin. Also --json on every read command.

mod common;

use common::Env;

/// A case with one logged call, a second contact still open, a follow-up and an amendment.
fn sample() -> Env {
    let env = Env::new();
    env.open_router_case();
    env.acme_channels();
    env.ok(&[
        "log",
        "1",
        "--start",
        "2026-11-03 14:05",
        "--end",
        "14:52",
        "--via",
        "800 555 0100",
        "--rep",
        "Dana Reyes, ext=4471, dept=Billing",
        "--rep",
        "Marcus Lee, ext=212, dept=Retention, role=supervisor, at=14:20",
        "--rep",
        "Priya N, dept=Returns, at=14:35",
        "--hold",
        "14:22-14:32",
        "--ref",
        "CAS-88120",
        "--promise",
        "call me back about the refund, by=Marcus Lee, due=in 48h",
        "--offer",
        "a $25 credit, by=Priya N, value=25, answer=not-full",
        "--outcome",
        "credit only",
        "--rating",
        "2",
    ]);
    env.ok(&[
        "followup",
        "1",
        "call again if no refund",
        "--due",
        "2026-11-12 10:00",
    ]);
    env.ok(&[
        "amend",
        "1",
        "11",
        "--reason",
        "misheard the surname",
        "--correction",
        "Marcus Leigh",
    ]);
    env.ok(&[
        "open",
        "Phone bill overcharge",
        "--company",
        "Globex Mobile",
        "--no-wizard",
        "--at",
        "2026-11-08 10:00",
    ]);
    env
}

/// Output with the parts that change run to run (ids) replaced.
fn stable(s: &str) -> String {
    let re_uuid = |t: &str| {
        let mut out = String::new();
        let chars: Vec<char> = t.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let rest: String = chars[i..chars.len().min(i + 36)].iter().collect();
            if rest.len() == 36 && uuid_like(&rest) {
                out.push_str("[uuid]");
                i += 36;
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out
    };
    re_uuid(s)
}

fn uuid_like(s: &str) -> bool {
    s.char_indices().all(|(i, c)| {
        if [8, 13, 18, 23].contains(&i) {
            c == '-'
        } else {
            c.is_ascii_hexdigit()
        }
    })
}

#[test]
fn show_timeline_list_due_and_company_read_well() {
    let env = sample();
    insta::assert_snapshot!("show", env.ok(&["show", "1"]));
    insta::assert_snapshot!("show_revealed", env.ok(&["show", "1", "--reveal"]));
    insta::assert_snapshot!("timeline", env.ok(&["timeline", "1"]));
    insta::assert_snapshot!("list", env.ok(&["list"]));
    insta::assert_snapshot!("due", env.ok(&["due"]));
    insta::assert_snapshot!("company", env.ok(&["company", "show", "acme"]));
    insta::assert_snapshot!("companies", env.ok(&["company", "list"]));
    insta::assert_snapshot!("search", env.ok(&["search", "refund"]));
}

#[test]
fn help_reads_well() {
    let env = Env::new();
    insta::assert_snapshot!("help", env.ok(&["--help"]));
    insta::assert_snapshot!("help_log", env.ok(&["log", "--help"]));
    insta::assert_snapshot!("help_open", env.ok(&["open", "--help"]));
}

#[test]
fn every_read_command_offers_json() {
    let env = sample();
    let show = env.json(&["show", "1"]);
    assert_eq!(show["handle"], 1);
    assert_eq!(show["costs"]["transfers"], 2);
    assert_eq!(
        show["goal"]["resolution"],
        "A full refund of $129 to my card within 10 days"
    );
    let facts = show["state"]["facts"].to_string();
    assert!(
        facts.contains("••••7109") && !facts.contains("8812 4471 09"),
        "{facts}"
    );
    assert!(
        env.json(&["--reveal", "show", "1"])["state"]["facts"]
            .to_string()
            .contains("8812 4471 09")
    );

    let timeline = env.json(&["timeline", "1"]);
    assert!(timeline.as_array().unwrap().iter().any(|r| r["text"]
        == "Transferred from Dana Reyes to Marcus Lee (ext 212, Retention, supervisor)"));
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 2);
    assert_eq!(
        env.json(&["list", "--company", "globex"])[0]["title"],
        "Phone bill overcharge"
    );
    let due = env.json(&["due", "--within", "30 days"]);
    assert_eq!(due.as_array().unwrap().len(), 2);
    assert_eq!(due[0]["overdue"], true);
    assert_eq!(env.json(&["search", "credit"])[0]["case"], 1);
    let company = env.json(&["company", "show", "Acme Broadband"]);
    assert_eq!(company["org"]["people"].as_array().unwrap().len(), 3);
    assert_eq!(company["org"]["transfers"][0]["from"], "Dana Reyes");
    assert_eq!(env.json(&["company", "list"]).as_array().unwrap().len(), 2);
    assert_eq!(env.json(&["verify"])["ok"], true);
    let write = env.json(&["note", "1", "scripted"]);
    assert_eq!(write["case"], 1);
    assert_eq!(write["entries"][0]["kind"], "note_added");
    insta::assert_snapshot!(
        "show_json",
        stable(&serde_json::to_string_pretty(&show["state"]["contacts"]).unwrap())
    );
}

#[test]
fn the_wizard_asks_for_what_is_missing() {
    let env = Env::new();
    let answers = "Washer repair\nSpinwell Appliances\nThe washer leaks from the door seal on every wash\nA free repair under the 2-year warranty within 14 days\nA replacement washer\n\ny\n2025-06-01\n2026-11-02\nleaks on every cycle\nno leaks for the warranty's term\ncleaned the seal\nSerial=SW-99-12345\nn\nAccount=4455667788\ny\n\n";
    let out = env.run_with_stdin(&["open", "--wizard"], answers.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let prompts = String::from_utf8_lossy(&out.stderr);
    assert!(prompts.contains("What exactly do you want?"), "{prompts}");
    assert!(
        prompts.contains("could the company still stay in business"),
        "{prompts}"
    );
    let show = env.ok(&["show", "1"]);
    for expected in [
        "Case 1 · Washer repair · open · Spinwell Appliances",
        "Problem:      The washer leaks from the door seal on every wash",
        "Would accept: A replacement washer",
        "Fair to ask:  yes",
        "acquired             2025-06-01",
        "identifier: Serial   SW-99-12345",
        "identifier: Account  ••••7788",
        "already tried        cleaned the seal",
    ] {
        assert!(show.contains(expected), "missing {expected:?}:\n{show}");
    }
    // Without answers it stops, records nothing and says why.
    let empty = Env::new();
    let out = empty.run_with_stdin(&["open", "--wizard"], b"");
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no answer was given"));
    assert_eq!(empty.json(&["list"]).as_array().unwrap().len(), 0);
}

#[test]
fn long_text_comes_from_stdin_or_the_editor() {
    let env = Env::new();
    env.open_router_case();
    let letter = "Dear Acme,\n\nOn 3 November I spoke with Marcus Lee...\n\nRegards";
    let out = env.run_with_stdin(&["note", "1", "-"], letter.as_bytes());
    assert!(out.status.success());
    // The whole text is in the journal; the case view keeps a preview.
    let timeline = env.json(&["timeline", "1"]);
    assert!(
        timeline
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["text"] == format!("Note: {letter}"))
    );
    assert_eq!(
        env.json(&["show", "1"])["state"]["notes"][0]["chars"],
        letter.chars().count()
    );

    // A scripted "editor" that writes the note into the file it is given.
    let editor = env.dir.path().join("fake-editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'Written in the editor\\n# a comment line\\n' > \"$1\"\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&editor)
        .status()
        .unwrap();
    // The editor opens only on a terminal; piped, an empty stdin is an empty note.
    let out = env
        .cmd(&["note", "1"])
        .env("EDITOR", &editor)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("the note is empty"));
}

#[test]
fn completions_man_page_and_version() {
    let env = Env::new();
    let bash = env.ok(&["completions", "bash"]);
    assert!(bash.contains("casefile") && bash.contains("timeline"));
    assert!(
        env.ok(&["completions", "zsh"])
            .contains("#compdef casefile")
    );
    let man = env.ok(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH casefile"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert!(man.contains("dispute"));
    assert!(man.contains(".SH ENVIRONMENT") && man.contains("CASEFILE_CONFIG"));
    assert!(man.contains(".SH \"EXIT STATUS\""));
    // A page per verb, each with its example, environment and exit codes.
    let dir = env.dir.path().join("man1");
    let said = env.ok(&["man", "--dir", dir.to_str().unwrap()]);
    assert!(said.starts_with("Wrote "), "{said}");
    for verb in [
        "casefile.1",
        "casefile-note.1",
        "casefile-contact-start.1",
        "casefile-intel-similar.1",
    ] {
        let page =
            std::fs::read_to_string(dir.join(verb)).unwrap_or_else(|e| panic!("{verb}: {e}"));
        assert!(
            page.contains(".SH ENVIRONMENT") && page.contains("EXIT STATUS"),
            "{verb}"
        );
    }
    let note = std::fs::read_to_string(dir.join("casefile-note.1")).unwrap();
    assert!(
        note.contains("casefile note 1"),
        "the example is in the page"
    );
    assert!(env.ok(&["--version"]).starts_with("casefile "));
    assert!(!env.db.exists(), "completions and man touch no database");
}

#[test]
fn export_then_import_through_the_binary_is_lossless() {
    let env = sample();
    let first = env.ok(&["export", "--reveal"]);
    let file = env.dir.path().join("backup.jsonl");
    std::fs::write(&file, &first).unwrap();
    let other = Env::new();
    let out = other.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("Imported"), "{out}");
    assert_eq!(other.ok(&["export", "--reveal"]), first);
    assert_eq!(other.ok(&["show", "1"]), env.ok(&["show", "1"]));
    // Importing again adds nothing.
    assert!(
        other
            .ok(&["import", file.to_str().unwrap()])
            .contains("Imported 0 entries")
    );
    // --output writes the same bytes to a file.
    let out_file = other.dir.path().join("again.jsonl");
    other.ok(&["export", "--reveal", "--output", out_file.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(out_file).unwrap(), first);
    // Masked by default, with a warning.
    let masked = env.run(&["export"]);
    assert!(!String::from_utf8_lossy(&masked.stdout).contains("8812 4471 09"));
    assert!(String::from_utf8_lossy(&masked.stderr).contains("--reveal"));
}

#[test]
fn rebuild_leaves_every_view_as_it_was() {
    let env = sample();
    let views = |e: &Env| {
        [
            e.ok(&["show", "1"]),
            e.ok(&["list"]),
            e.ok(&["due", "--within", "60 days"]),
            e.ok(&["company", "show", "acme"]),
            e.ok(&["search", "credit"]),
        ]
    };
    let before = views(&env);
    assert!(
        env.ok(&["rebuild"])
            .contains("Rebuilt the views of 2 case(s)")
    );
    assert_eq!(views(&env), before);
}

#[test]
fn long_lists_show_the_most_pressing_and_say_how_many_more() {
    let env = sample();
    env.ok(&["open", "Third", "--no-wizard", "--at", "2026-11-09 10:00"]);
    env.ok(&[
        "followup",
        "3",
        "check the bill",
        "--due",
        "2026-11-11 09:00",
    ]);
    let list = env.ok(&["list", "--limit", "2"]);
    assert_eq!(
        list.lines().filter(|l| l.contains("  open  ")).count(),
        2,
        "{list}"
    );
    assert!(
        list.ends_with(
            "2 of 3 cases shown, the most recently active; `casefile list --all` shows every one.\n"
        ),
        "{list}"
    );
    assert!(!env.ok(&["list", "--all"]).contains("shown"));
    assert!(
        !env.ok(&["list"]).contains("shown"),
        "under the default limit: no footer"
    );
    let due = env.ok(&["due", "--limit", "1"]);
    assert!(
        due.contains("2026-11-05 14:52") && !due.contains("check the bill"),
        "the soonest first: {due}"
    );
    assert!(
        due.ends_with("1 of 3 items shown, the soonest; `casefile due --all` shows every one.\n"),
        "{due}"
    );
    assert_eq!(env.json(&["due", "--all"]).as_array().unwrap().len(), 3);
}

/// A correction of a sensitive identifier is masked wherever the identifier
/// is, and shown only when asked for.
#[test]
fn a_corrected_sensitive_identifier_stays_masked() {
    let env = Env::new();
    env.open_router_case();
    // The entry of the standard case's sensitive account number.
    let show = env.ok(&["show", "1"]);
    let seq = show
        .lines()
        .find(|l| l.contains("Account"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .trim_start_matches('#')
        .to_string();
    env.ok(&[
        "amend",
        "1",
        &seq,
        "--reason",
        "wrong digits",
        "--correction",
        "7712 4471 99",
    ]);
    for args in [
        vec!["show", "1"],
        vec!["timeline", "1"],
        vec!["brief", "1"],
        vec!["show", "1", "--json"],
        vec!["export"],
    ] {
        let out = env.ok(&args);
        assert!(
            !out.contains("7712 4471 99"),
            "{args:?} shows the correction in clear:\n{out}"
        );
        assert!(
            !out.contains("8812 4471 09"),
            "{args:?} shows the original in clear:\n{out}"
        );
    }
    let revealed = env.ok(&["show", "1", "--reveal"]);
    assert!(revealed.contains("7712 4471 99"), "{revealed}");
}

/// docs/json.md says what each command's JSON holds; this keeps it true.
#[test]
fn the_json_documentation_matches_what_commands_print() {
    let env = Env::new();
    env.open_router_case();
    env.ok(&[
        "log",
        "1",
        "--start",
        "2026-11-05 10:00",
        "--minutes",
        "20",
        "--rep",
        "Dana",
        "--ref",
        "CAS-1",
        "--promise",
        "call back, due=2026-11-12",
        "--offer",
        "a $20 credit, value=20",
    ]);
    env.ok(&["followup", "1", "chase", "--due", "2026-11-25"]);
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/json.md"))
        .unwrap();
    let mut checked = 0;
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let command = cells[1].trim_matches('`');
        let args: Vec<&str> = command
            .split_whitespace()
            .map(|w| match w {
                "CASE" => "1",
                "WORDS" => "refund",
                "NAME" => "acme",
                "KIND" => "executive",
                w => w,
            })
            .collect();
        let want: Vec<&str> = cells[2].trim_start_matches("items: ").split(", ").collect();
        let listed = cells[2].starts_with("items: ");
        let mut all = vec!["--json"];
        all.extend_from_slice(&args);
        let printed: serde_json::Value = serde_json::from_str(&env.ok(&all)).unwrap();
        assert_eq!(printed["version"], 1, "{command}");
        let object = if listed {
            printed["items"][0].clone()
        } else {
            printed.clone()
        };
        let got: Vec<String> = object
            .as_object()
            .unwrap_or_else(|| panic!("{command}: {printed}"))
            .keys()
            .filter(|k| listed || *k != "version")
            .cloned()
            .collect();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want_sorted: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want_sorted.sort();
        assert_eq!(
            got_sorted,
            want_sorted,
            "docs/json.md is out of date for `{command}`; it prints: {}",
            got.join(", ")
        );
        checked += 1;
    }
    assert!(
        checked >= 16,
        "the table lists the read commands ({checked})"
    );
}
