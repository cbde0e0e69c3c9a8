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
            "no 'Complaint ID' column",
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
