//! The whole dispute as the method tells it, through the real binary: a call
//! with three representatives (two transfers), a case number, a promised
//! callback that is then broken, an offer accepted not as full resolution, an
//! escalation, a second call that refers to the first, and a resolution.

mod common;

use common::Env;

#[test]
fn a_whole_dispute_from_first_call_to_resolution() {
    let env = Env::new();
    env.open_router_case();
    env.ok(&[
        "company",
        "channel",
        "acme",
        "phone",
        "800 555 0100",
        "--label",
        "Billing",
        "--hours",
        "Mon-Fri 8-20 ET",
    ]);

    // First call, logged right after it ended.
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
        "Dana Reyes, ext=4471, dept=Billing, role=agent",
        "--escalate",
        "a supervisor, reason=Dana cannot refund after 3 days, outcome=granted, at=14:18",
        "--rep",
        "Marcus Lee, ext=212, dept=Retention, role=supervisor, at=14:20",
        "--hold",
        "14:22-14:32",
        "--rep",
        "Priya Natarajan, dept=Returns, reports-to=Marcus Lee, at=14:35",
        "--ref",
        "CAS-88120, kind=case",
        "--promise",
        "call me back about the refund, by=Marcus Lee, due=in 48h",
        "--offer",
        "a $25 service credit, by=Priya Natarajan, value=25, answer=not-full",
        "--note",
        "Priya said the X200 batch has a known fault, at=14:40",
        "--outcome",
        "credit applied; refund to be decided by Marcus",
        "--rating",
        "2",
    ]);
    let show = env.ok(&["show", "1"]);
    assert!(
        show.contains("→ 14:20 (transfer) Marcus Lee (ext 212, Retention, supervisor)"),
        "{show}"
    );
    assert!(
        show.contains("→ 14:35 (transfer) Priya Natarajan"),
        "{show}"
    );
    assert!(show.contains("case number: CAS-88120"), "{show}");
    assert!(show.contains("accepted, not as full resolution"), "{show}");
    assert!(
        show.contains("asked for a supervisor: put through"),
        "{show}"
    );
    assert!(
        show.contains("3 representative(s), 2 transfer(s)"),
        "{show}"
    );
    assert!(show.contains("47m in all, 10m on hold"), "{show}");
    assert!(
        show.contains("••••7109") && !show.contains("8812 4471 09"),
        "the account number is masked: {show}"
    );

    // The promise falls due on Nov 5 at 14:52 and nobody calls.
    let due = env.ok(&["due"]);
    assert!(due.contains("2026-11-05 14:52  overdue  1 #"), "{due}");
    let promise_seq = env.json(&["show", "1"])["state"]["promises"][0]["origin"]["seq"]
        .as_u64()
        .unwrap();
    env.ok(&[
        "broken",
        "1",
        &promise_seq.to_string(),
        "--note",
        "no call by Nov 6",
        "--at",
        "2026-11-06 09:00",
    ]);
    assert_eq!(env.ok(&["due"]), "Nothing is due.\n");

    // Before the second call, the coach says what to do and with what words.
    let brief = env.ok(&["brief", "1"]);
    for expected in [
        "I spoke with Priya Natarajan on November 3, case number CAS-88120",
        // The $25 credit accepted not as full resolution comes off what is asked.
        "I'm hoping you can help me get the remaining $104.00",
        "broken   Marcus Lee: call me back about the refund",
        "Best way in: 800 555 0100 (Billing, Mon-Fri 8-20 ET)",
    ] {
        assert!(
            brief.contains(expected),
            "brief lacks {expected:?}:\n{brief}"
        );
    }
    let advice = env.ok(&["advice", "1"]);
    assert!(
        advice.contains("1 promise(s) broken")
            && advice.contains("Offer #")
            && advice.contains("below the $129.00"),
        "{advice}"
    );
    let plea = env.ok(&["script", "1", "plea", "--rep", "Alex Kim"]);
    assert!(
        plea.starts_with("Good afternoon, Alex Kim.") && plea.contains("passed along twice"),
        "{plea}"
    );
    let letter = env.ok(&["letter", "1", "executive", "--from", "Sam Smith"]);
    assert!(letter.contains("Marcus Lee promised to call me back about the refund by 5 November 2026; that did not happen."), "{letter}");

    // Second call: refers to the first by date, name and case number.
    env.ok(&[
        "contact",
        "start",
        "1",
        "--at",
        "2026-11-06 10:00",
        "--via",
        "800 555 0100",
    ]);
    env.ok(&[
        "contact",
        "rep",
        "1",
        "Alex Kim, ext=5520, dept=Billing, at=2026-11-06 10:03",
    ]);
    env.ok(&["note", "1", "Told Alex: on Nov 3 Marcus Lee (ext 212) promised a callback within 48h on case CAS-88120; it did not come", "--at", "2026-11-06 10:04"]);
    env.ok(&[
        "escalate",
        "1",
        "--to",
        "the executive office",
        "--reason",
        "promise broken",
        "--at",
        "2026-11-06 10:10",
    ]);
    let esc = env.json(&["show", "1"])["state"]["escalations"][1]["origin"]["seq"]
        .as_u64()
        .unwrap();
    env.ok(&[
        "escalation",
        "1",
        &esc.to_string(),
        "granted",
        "--at",
        "2026-11-06 10:12",
    ]);
    env.ok(&[
        "contact",
        "rep",
        "1",
        "Jordan Blake, dept=Executive Office, role=executive liaison, at=2026-11-06 10:15",
    ]);
    env.ok(&[
        "offer",
        "1",
        "full refund of $129 to the card",
        "--by",
        "Jordan Blake",
        "--value",
        "129",
        "--at",
        "2026-11-06 10:20",
    ]);
    let offer = env.json(&["show", "1"])["state"]["offers"][1]["origin"]["seq"]
        .as_u64()
        .unwrap();
    env.ok(&[
        "answer",
        "1",
        &offer.to_string(),
        "full",
        "--at",
        "2026-11-06 10:21",
    ]);
    env.ok(&[
        "ref",
        "1",
        "EXR-5531",
        "--kind",
        "complaint",
        "--at",
        "2026-11-06 10:22",
    ]);
    env.ok(&[
        "contact",
        "end",
        "1",
        "--outcome",
        "refund agreed",
        "--rating",
        "5",
        "--at",
        "2026-11-06 10:25",
    ]);
    env.ok(&[
        "expense",
        "1",
        "4.50",
        "postage for returning the router",
        "--at",
        "2026-11-07 12:00",
    ]);
    env.ok(&[
        "time",
        "1",
        "1h 15m",
        "writing the complaint and finding the executive address",
        "--at",
        "2026-11-05 20:00",
    ]);
    env.ok(&[
        "status",
        "1",
        "resolved",
        "--note",
        "refund arrived",
        "--at",
        "2026-11-09 09:00",
    ]);
    env.ok(&[
        "lesson",
        "1",
        "Ask for the supervisor's direct extension before the transfer",
    ]);

    // Every view shows what it should.
    let show = env.ok(&["show", "1"]);
    assert!(
        show.starts_with("Case 1 · Router refund · resolved · Acme Broadband, Inc."),
        "{show}"
    );
    assert!(
        show.contains("BROKEN   Marcus Lee: call me back about the refund"),
        "{show}"
    );
    assert!(
        show.contains(
            "Jordan Blake: full refund of $129 to the card ($129.00): accepted as full resolution"
        ),
        "{show}"
    );
    assert!(show.contains("complaint number: EXR-5531"), "{show}");
    assert!(show.contains("2 contact(s)"), "{show}");
    assert!(show.contains("Expenses: $4.50"), "{show}");
    assert!(show.contains("Time away from contacts: 1h 15m"), "{show}");

    let timeline = env.ok(&["timeline", "1"]);
    let pos = |s: &str| {
        timeline
            .find(s)
            .unwrap_or_else(|| panic!("{s} missing from:\n{timeline}"))
    };
    assert!(pos("Call to the company started") < pos("Transferred from Dana Reyes to Marcus Lee"));
    assert!(
        pos("Transferred from Marcus Lee to Priya Natarajan") < pos("broken: no call by Nov 6")
    );
    assert!(
        pos("Time spent: 1h 15m") < pos("broken: no call by Nov 6"),
        "back-dated entries sort by when they happened"
    );
    assert!(pos("Status: resolved: refund arrived") > pos("Call ended after 25m"));

    let list = env.ok(&["list"]);
    assert!(
        list.contains("1  resolved  Acme Broadband, Inc.  Router refund"),
        "{list}"
    );
    assert!(env.ok(&["list", "--status", "open"]).contains("No cases"));

    let found = env.ok(&["search", "executive", "office"]);
    assert!(
        found.contains("Asked to escalate to the executive office"),
        "{found}"
    );
    assert!(env.ok(&["search", "batch"]).contains("known fault"));

    let company = env.ok(&["company", "show", "Acme Broadband"]);
    for expected in [
        "800 555 0100",
        "Mon-Fri 8-20 ET",
        "Dana Reyes",
        "ext 4471",
        "Alex Kim",
        "reports to Marcus Lee",
        "Dana Reyes → Marcus Lee",
        "Marcus Lee → Priya Natarajan",
        "Alex Kim → Jordan Blake",
        "Departments: Billing, Executive Office, Retention, Returns",
        "1  resolved  Router refund",
    ] {
        assert!(
            company.contains(expected),
            "missing {expected:?} in:\n{company}"
        );
    }

    // After it: the cost, the final letter and the record a regulator or court could read.
    let cost = env.ok(&["cost", "1"]);
    assert!(
        cost.contains("Your expenses:  $4.50") && cost.contains("2 rep(s)"),
        "{cost}"
    );
    let thanks = env.ok(&["letter", "1", "commend", "--rep", "Jordan Blake"]);
    assert!(thanks.contains("I would like to commend Jordan Blake (Executive Office), who helped me on 6 November 2026"), "{thanks}");
    let record = env.ok(&["timeline", "1", "--format", "md"]);
    for expected in [
        "### #8 Call, 2026-11-03 14:05–14:52 (47m, 10m on hold)",
        "broken 2026-11-06 09:00",
        "accepted as full resolution",
        "Asked to escalate to the executive office",
    ] {
        assert!(
            record.contains(expected),
            "record lacks {expected:?}:\n{record}"
        );
    }
    assert!(
        env.ok(&["advice", "1"])
            .contains("Nothing needs doing right now.")
    );

    assert!(env.ok(&["verify"]).starts_with("All 2 journals verify"));
    // Nothing is due for a resolved case.
    assert_eq!(
        env.ok(&["due", "--within", "365 days"]),
        "Nothing is due.\n"
    );
}

/// Entries given in one `log`, in whatever order the flags came, keep the
/// order they happened in: an answer never before its offer, a transfer
/// after the escalation that led to it.
#[test]
fn one_logged_contact_keeps_its_real_order() {
    let env = Env::new();
    env.open_router_case();
    env.ok(&[
        "log",
        "1",
        "--start",
        "2026-11-03 14:05",
        "--end",
        "14:52",
        "--promise",
        "call back, at=14:45, due=in 48h",
        "--ref",
        "CAS-1, at=14:40",
        "--offer",
        "a $25 credit, by=Marcus, value=25, answer=not-full, at=14:30",
        "--escalate",
        "a supervisor, outcome=granted, at=14:19",
        "--rep",
        "Dana Reyes",
        "--rep",
        "Marcus Lee, at=14:20",
        "--note",
        "first note, at=14:10",
    ]);
    let timeline = env.json(&["timeline", "1"]);
    let rows = timeline["entries"]
        .as_array()
        .or_else(|| timeline.as_array())
        .expect("timeline rows")
        .clone();
    let kinds: Vec<String> = rows
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or_default().to_string())
        .filter(|k| k != "case_opened" && k != "goal_set" && k != "fact_recorded")
        .collect();
    assert_eq!(
        kinds,
        [
            "contact_started",
            "rep_joined",
            "note_added",
            "escalation_requested",
            "escalation_answered",
            "rep_joined",
            "offer_made",
            "offer_answered",
            "reference_recorded",
            "promise_made",
            "contact_ended"
        ],
        "{timeline}"
    );
    // And the journal's own order agrees: each answer after what it answers.
    let seq = |kind: &str| {
        rows.iter()
            .find(|r| r["kind"] == kind)
            .and_then(|r| r["seq"].as_u64())
            .unwrap()
    };
    assert!(seq("offer_answered") > seq("offer_made"));
    assert!(seq("escalation_answered") > seq("escalation_requested"));
}

/// A numeric date is read day first unless the setting says month first,
/// in every command that takes a time.
#[test]
fn numeric_dates_follow_the_date_order_setting() {
    let env = Env::new();
    env.open_router_case();
    env.ok(&["note", "1", "read day first", "--at", "05/11/2026 10:00"]);
    let out = env
        .cmd(&["note", "1", "read month first", "--at", "11/05/2026 11:00"])
        .env("CASEFILE_DATE_ORDER", "month-first")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let timeline = env.ok(&["timeline", "1"]);
    let line = |text: &str| {
        timeline
            .lines()
            .find(|l| l.contains(text))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("read day first").contains("2026-11-05"), "{timeline}");
    assert!(
        line("read month first").contains("2026-11-05"),
        "{timeline}"
    );
    let bad = env
        .cmd(&["list"])
        .env("CASEFILE_DATE_ORDER", "sideways")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("day-first or month-first"));
}
