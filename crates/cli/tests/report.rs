//! `casefile report` and the web's report: the organisation's figures, by
//! status and company, money recovered, time to resolution; as a table,
//! CSV and JSON, snapshot-tested.

mod common;

use common::Env;

/// Three companies' cases: one resolved after four days with a $129 refund
/// accepted, one with a €20 credit accepted in part, one with an offer
/// declined, one abandoned with no company.
fn org() -> Env {
    let env = Env::new();
    for (title, company, at) in [
        ("Router refund", Some("Acme, Inc."), "2026-11-01 09:00"),
        ("Bill error", Some("Globex"), "2026-11-02 09:00"),
        ("Second router", Some("Acme, Inc."), "2026-11-03 09:00"),
        ("Lost parcel", None, "2026-11-04 09:00"),
    ] {
        let mut args = vec!["open", title, "--at", at];
        if let Some(c) = company {
            args.extend(["--company", c]);
        }
        env.ok(&args);
    }
    env.ok(&[
        "offer",
        "1",
        "a full refund",
        "--value",
        "129",
        "--at",
        "2026-11-03 10:00",
    ]);
    env.ok(&["answer", "1", "2", "full"]);
    env.ok(&["status", "1", "resolved", "--at", "2026-11-05 09:00"]);
    env.ok(&[
        "offer",
        "2",
        "a credit",
        "--value",
        "20 EUR",
        "--at",
        "2026-11-03 10:00",
    ]);
    env.ok(&["answer", "2", "2", "not-full"]);
    env.ok(&[
        "offer",
        "3",
        "a voucher",
        "--value",
        "10",
        "--at",
        "2026-11-04 10:00",
    ]);
    env.ok(&["answer", "3", "2", "declined"]);
    env.ok(&["status", "3", "resolved", "--at", "2026-11-09 09:00"]);
    env.ok(&["status", "4", "abandoned", "--at", "2026-11-06 09:00"]);
    env
}

#[test]
fn the_report_counts_cases_money_and_days() {
    let env = org();
    insta::assert_snapshot!("report", env.ok(&["report"]));
    insta::assert_snapshot!("report_csv", env.ok(&["report", "--csv"]));
    let j = env.json(&["report"]);
    assert_eq!(j["total"]["cases"], 4);
    assert_eq!(j["total"]["by_status"]["resolved"], 2);
    assert_eq!(j["total"]["by_status"]["abandoned"], 1);
    // Accepted offers only: the declined voucher is not money recovered.
    assert_eq!(
        j["total"]["recovered"],
        serde_json::json!([{"cents": 2000, "currency": "EUR"}, {"cents": 12900, "currency": "USD"}])
    );
    // Resolved after 4 and 6 days: the median is 5.
    assert_eq!(j["total"]["median_days_to_resolution"], 5.0);
    let acme = &j["companies"][0];
    assert_eq!(
        (acme["company"].as_str(), acme["cases"].as_u64()),
        (Some("Acme, Inc."), Some(2))
    );
}

#[test]
fn an_empty_journal_reports_that_there_is_nothing_yet() {
    let env = Env::new();
    assert_eq!(env.ok(&["report"]), "No cases yet, so nothing to report.\n");
    assert_eq!(
        env.ok(&["report", "--csv"]),
        "company,cases,open,waiting,escalated,resolved,abandoned,median_days_to_resolution\r\nAll companies,0,0,0,0,0,0,\r\n"
    );
}
