//! Lighthouse's mobile audit of the web app's main pages, signed in, on a
//! case in the middle of a call: accessibility and best practices must each
//! score 100. The reports are kept in target/e2e-artifacts.
//!
//! Needs Lighthouse (`.ci/lighthouse.sh` installs it from the npm registry
//! and prints `export LIGHTHOUSE=...`) and Debian's Chromium. Without
//! LIGHTHOUSE set the test skips, printing how to run it; CI sets it when
//! the registry lets it install.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{cli_now as cli, free_port, serve_file};
use serde_json::Value;

#[test]
fn the_main_pages_score_100_for_accessibility_and_best_practices() {
    let Some(lighthouse) = std::env::var_os("LIGHTHOUSE").map(PathBuf::from) else {
        eprintln!(
            "skipping: LIGHTHOUSE is not set. To run: eval \"$(.ci/lighthouse.sh)\" && cargo test --test lighthouse"
        );
        return;
    };
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("Lighthouse needs Chromium (Debian's chromium package)");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    cli(
        &db,
        &[
            "open",
            "Router refund",
            "--company",
            "Acme Broadband",
            "--problem",
            "The X200 router stopped connecting on Oct 31",
            "--resolution",
            "A full refund of $129 within 10 days",
            "--fair",
            "yes",
            "--sensitive-id",
            "Account=8812447109",
        ],
    );
    cli(&db, &["contact", "start", "1"]);
    cli(&db, &["contact", "rep", "1", "Dana Reyes, dept=Billing"]);
    cli(&db, &["contact", "rep", "1", "Marcus Lee, dept=Retention"]);
    cli(&db, &["promise", "1", "call back", "--due", "in 48h"]);
    cli(&db, &["offer", "1", "a $40 credit", "--value", "40"]);

    let port = free_port();
    let (_server, link) = serve_file(&db, port);
    // The one-time link, exchanged for a session as a browser would.
    let (_, cookie) = common::pair(&link);

    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let headers = serde_json::json!({ "Cookie": cookie }).to_string();
    let mut failures = Vec::new();
    for path in [
        "/",
        "/cases/1",
        "/cases/1/call",
        "/companies/1",
        "/cases/1/record",
        "/cases/new",
    ] {
        let report = artifacts.join(format!(
            "lighthouse{}.json",
            path.replace('/', "-").trim_end_matches('-')
        ));
        let status = Command::new(&lighthouse)
            .arg(format!("http://127.0.0.1:{port}{path}"))
            .args([
                "--quiet",
                "--only-categories=accessibility,best-practices",
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
                "--output=json",
            ])
            .arg(format!("--extra-headers={headers}"))
            .arg(format!("--output-path={}", report.display()))
            .env("CHROME_PATH", &chromium)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "lighthouse failed on {path}");
        let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(
            r["finalDisplayedUrl"].as_str().unwrap_or_default(),
            format!("http://127.0.0.1:{port}{path}"),
            "the audit was of the signed-in page"
        );
        for cat in ["accessibility", "best-practices"] {
            let score = r["categories"][cat]["score"].as_f64().unwrap_or(0.0);
            if score < 1.0 {
                let failing: Vec<String> = r["audits"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(_, a)| a["score"].as_f64().is_some_and(|s| s < 1.0))
                    .map(|(k, a)| format!("{k}: {}", a["title"].as_str().unwrap_or_default()))
                    .collect();
                failures.push(format!("{path} {cat} {score}: {}", failing.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
