//! Public complaint data through the binary, on the real CFPB sample.

mod common;

use common::Env;

fn sample() -> String {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/cfpb/complaints-sample.csv")
        .display()
        .to_string()
}

#[test]
fn import_then_ask_about_a_company_and_a_case() {
    let env = Env::new();
    let out = env.run(&["intel", "import", &sample()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "no progress bar when not on a terminal: {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("Imported ")
            && text.contains("6623 rows; 6623 new, 0 updated, 0 unchanged, 0 could not be read."),
        "{text}"
    );
    assert!(
        !env.db.exists(),
        "importing complaints never touches the journal"
    );

    let again = env.json(&["intel", "import", &sample()]);
    assert_eq!(again["report"]["unchanged"], 6623);
    assert_eq!(again["total"], 6623);

    insta::assert_snapshot!("intel_company", env.ok(&["intel", "company", "Experian"]));
    let card = env.json(&["intel", "company", "wells fargo"]);
    assert_eq!(card["company"], "WELLS FARGO & COMPANY");
    assert_eq!(card["complaints"], 174);

    // casefile's own company record, with an alias, leads to the right complaints.
    env.ok(&[
        "company",
        "add",
        "Big Bank",
        "--alias",
        "Wells Fargo & Company",
    ]);
    assert_eq!(
        env.json(&["intel", "company", "Big Bank"])["complaints"],
        174
    );

    env.ok(&[
        "open",
        "Mortgage escrow",
        "--company",
        "Big Bank",
        "--problem",
        "My mortgage escrow payment was misapplied and I was charged late fees",
        "--resolution",
        "Reverse the $90 of late fees within 30 days",
        "--fair",
        "yes",
        "--no-wizard",
    ]);
    let similar = env.json(&["intel", "similar", "1"]);
    assert_eq!(similar["scope"], "Big Bank");
    let matches = similar["report"]["matches"].as_array().unwrap();
    assert!(
        !matches.is_empty()
            && matches
                .iter()
                .all(|m| m["company"] == "WELLS FARGO & COMPANY")
    );
    assert!(
        similar["report"]["words"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "escrow")
    );
    let text = env.ok(&["intel", "similar", "1", "--all-companies", "--limit", "3"]);
    assert!(
        text.contains("(all companies;") && text.contains("How the closest"),
        "{text}"
    );

    let brief = env.ok(&["brief", "1"]);
    assert!(
        brief.contains("What the public record shows (CFPB complaints)")
            && brief.contains("WELLS FARGO & COMPANY: 174 complaints"),
        "{brief}"
    );
    assert!(env.json(&["brief", "1"])["public_record"]["company"]["complaints"] == 174);
}

#[test]
fn bad_files_and_unknown_names_get_clear_answers() {
    let env = Env::new();
    let (code, err) = env.fails(&["intel", "company", "Acme"]);
    assert_eq!(code, 3);
    assert!(
        err.contains("there is no complaint data yet") && err.contains("casefile intel import"),
        "{err}"
    );

    let write = |name: &str, body: &[u8]| {
        let p = env.dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    let broken = write("broken.csv", b"Complaint ID,Company,Date received\n1,Acme Bank,2020-01-01\n2,Acme Bank,2020-01-02,extra\nX,Acme Bank,2020-01-03\n4,Acme Bank,2020-01-04\n");
    let out = env.ok(&["intel", "import", &broken]);
    assert!(
        out.contains("4 rows; 2 new") && out.contains("2 could not be read"),
        "{out}"
    );
    assert!(
        out.contains("line 3: it has 4 fields where the header has 3")
            && out.contains("line 4: its Complaint ID 'X' is not a number"),
        "{out}"
    );
    assert!(
        out.contains("Not in this file (a partial export): Product"),
        "{out}"
    );

    for (name, body, needle) in [
        ("empty.csv", &b""[..], "the file is empty"),
        (
            "journal.jsonl",
            &b"{\"format\":\"casefile-journal\"}\n"[..],
            "this is a casefile journal export",
        ),
        (
            "latin1.csv",
            &b"Complaint ID,Company\n1,Soci\xe9t\xe9\n"[..],
            "UTF-8",
        ),
    ] {
        let p = write(name, body);
        let (code, err) = env.fails(&["intel", "import", &p]);
        assert_eq!(code, 4, "{name}: {err}");
        assert!(
            err.contains(needle) && err.contains("hint:"),
            "{name}: {err}"
        );
    }
    assert_eq!(env.fails(&["intel", "import", "/no/such.csv"]).0, 3);

    let (code, err) = env.fails(&["intel", "company", "Globex"]);
    assert_eq!(code, 3);
    assert!(err.contains("no complaints name a company like 'Globex'"));
    write("two.csv", b"Complaint ID,Company\n10,Acme Loans LLC\n");
    env.ok(&[
        "intel",
        "import",
        &env.dir.path().join("two.csv").display().to_string(),
    ]);
    let (code, err) = env.fails(&["intel", "company", "acme"]);
    assert_eq!(code, 4);
    assert!(
        err.contains("several companies")
            && err.contains("Acme Bank")
            && err.contains("Acme Loans LLC"),
        "{err}"
    );
}

#[test]
fn refused_and_cut_imports_say_so_and_leave_nothing_behind() {
    let env = Env::new();
    let write = |name: &str, body: &[u8]| {
        let p = env.dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    let data_dir = env.db.parent().unwrap().to_path_buf();
    // A refused file leaves no empty complaint database behind.
    let json = write("api.json", b"[{\"complaint_id\": 1}]");
    let (code, err) = env.fails(&["intel", "import", &json]);
    assert_eq!(code, 4);
    assert!(
        err.contains("this is JSON") && err.contains("hint:"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(&data_dir)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(
        !left.iter().any(|n| n.to_string_lossy().contains("intel")),
        "{left:?}"
    );

    // A file cut mid-row: the whole rows go in, the cut one does not, and
    // the exit says it was cut short.
    let cut = write(
        "cut.csv",
        b"Complaint ID,Company,Date received,Issue\n1,Acme,2020-01-01,Late fee\n2,Acme,2020-01-02,\"Incorrect inf",
    );
    let out = env.run(&["intel", "import", &cut]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("looks cut short") && err.contains("line 3"),
        "{err}"
    );
    let company = env.json(&["intel", "company", "Acme"]);
    assert_eq!(company["complaints"], 1, "{company}");

    // Complaint data is the journal's own: another journal in the same
    // folder starts with none.
    let other = data_dir.join("other.db");
    let out = env
        .cmd(&["intel", "company", "Acme"])
        .env("CASEFILE_DB", &other)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data_dir.join("casefile.intel.db").exists());

    // Output into a closed pipe ends quietly, without a panic.
    let big: String = std::iter::once("Complaint ID,Company\n".to_string())
        .chain((100..3000).map(|i| format!("{i},\"Company {i}, Inc.\"\n")))
        .collect();
    let big = write("big.csv", big.as_bytes());
    env.run_into_closed_pipe(&["intel", "import", &big]);
}

#[test]
fn similar_widens_past_a_company_with_few_and_counts_small_numbers_plainly() {
    let env = Env::new();
    let csv = env.dir.path().join("few.csv");
    let mut rows = String::from(
        "Complaint ID,Company,Date received,Issue,Consumer complaint narrative,Company response to consumer\n",
    );
    rows.push_str("1,Tiny Router Co,2020-01-01,Defective router,The router stopped connecting after two days,Closed with monetary relief\n");
    for i in 2..8 {
        rows.push_str(&format!(
            "{i},Other Net {i},2020-01-0{i},Defective router,My router stopped connecting and they refused a refund,Closed with explanation\n"
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    env.ok(&["intel", "import", &csv.display().to_string()]);
    env.ok(&[
        "open",
        "Router refund",
        "--company",
        "Tiny Router Co",
        "--problem",
        "The router stopped connecting",
        "--resolution",
        "A full refund of $129 within 10 days",
        "--fair",
        "yes",
    ]);
    let out = env.ok(&["intel", "similar", "1"]);
    assert!(
        out.contains("all companies; only 1 at Tiny Router Co"),
        "widened, and says why: {out}"
    );
    // Seven complaints: counts, no percentages.
    let tail = out.split("How the closest").nth(1).unwrap();
    assert!(!tail.contains('%'), "{tail}");
    let brief = env.ok(&["brief", "1"]);
    assert!(
        brief.contains("1 were closed with monetary relief")
            || brief.contains("Of the 7 complaints"),
        "{brief}"
    );
    assert!(!brief.contains("(14%)"), "{brief}");

    // Data with neither narratives nor issues cannot answer `similar`, and says so.
    let bare = Env::new();
    let f = bare.dir.path().join("bare.csv");
    std::fs::write(
        &f,
        "Complaint ID,Company,Date received\n1,Tiny Router Co,2020-01-01\n",
    )
    .unwrap();
    bare.ok(&["intel", "import", &f.display().to_string()]);
    bare.ok(&[
        "open",
        "Router",
        "--company",
        "Tiny Router Co",
        "--problem",
        "It broke",
        "--resolution",
        "A refund of $10 within 10 days",
        "--fair",
        "yes",
    ]);
    let (code, err) = bare.fails(&["intel", "similar", "1"]);
    assert_eq!(code, 3);
    assert!(err.contains("neither narratives nor issues"), "{err}");
}

#[test]
fn the_brief_gives_the_companys_record_for_the_cases_own_product() {
    let env = Env::new();
    env.ok(&["intel", "import", &sample()]);
    env.ok(&[
        "open",
        "Escrow error",
        "--company",
        "Wells Fargo",
        "--problem",
        "My mortgage escrow was miscalculated and my payment doubled",
        "--resolution",
        "Correct the escrow and refund $412 within 30 days",
        "--fair",
        "yes",
    ]);
    let brief = env.ok(&["brief", "1"]);
    // Counted independently from the sample: Wells Fargo's mortgage
    // complaints, 45, of which 2 closed with monetary relief and all 45 on time.
    assert!(
        brief.contains(
            "About Mortgage (what complaints like yours are about): monetary relief 4.4% (2 of 45)"
        ) && brief.contains("answered on time 100.0% (45 of 45)"),
        "{brief}"
    );
}

#[test]
fn an_import_killed_midway_says_so_and_the_next_finishes_it() {
    use std::io::Write;
    let env = Env::new();
    let mut csv = String::from("Complaint ID,Company,Consumer complaint narrative\n");
    for i in 1..=3000 {
        let words = if i % 100 == 7 {
            "escrow misapplied"
        } else {
            "late fees"
        };
        csv.push_str(&format!("{i},Acme Bank,My {words} number {i}\n"));
    }
    // The file arrives on a pipe that stays open, and the import is killed
    // once it has begun to load.
    let mut child = env
        .cmd(&["intel", "import", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(csv.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let started = std::time::Instant::now();
    let stopped = loop {
        let out = env.run(&["intel", "company", "Acme"]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        if err.contains("has not finished") {
            break (out.status.code(), err);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the import never began: {err}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    let out = env.run(&["intel", "company", "Acme"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert_eq!(stopped.0, Some(7));
    assert!(
        err.contains("has not finished (it is still running, or it was stopped)")
            && err.contains("import the same export again"),
        "{err}"
    );

    // The same file again finishes the job.
    let file = env.dir.path().join("complaints.csv");
    std::fs::write(&file, &csv).unwrap();
    let again = env.json(&["intel", "import", file.to_str().unwrap()]);
    assert_eq!(again["total"], 3000, "{again}");
    assert_eq!(env.json(&["intel", "company", "Acme"])["complaints"], 3000);
    env.ok(&[
        "open",
        "Escrow",
        "--company",
        "Acme Bank",
        "--problem",
        "The escrow payment was misapplied",
        "--resolution",
        "Reverse the late fee",
        "--no-wizard",
    ]);
    // Every complaint with the case's words is found, those loaded before the kill included.
    let similar = env.json(&["intel", "similar", "1"]);
    assert_eq!(similar["report"]["outcomes"][0]["count"], 30, "{similar}");
}
