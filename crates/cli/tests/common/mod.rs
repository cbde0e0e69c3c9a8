//! Runs the real `casefile` binary against a real SQLite file in a temporary
//! directory, with a fixed clock and time zone so output is reproducible.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;

pub const NOW: &str = "2026-11-10T17:00:00Z";

pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("data").join("casefile.db");
        Env { dir, db }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("casefile").unwrap();
        c.args(args)
            .env("CASEFILE_DB", &self.db)
            .env("TZ", "America/New_York")
            .env("CASEFILE_NOW", NOW)
            .env("NO_COLOR", "1")
            .env_remove("CASEFILE_USER")
            .env_remove("CASEFILE_CURRENCY")
            .env_remove("CASEFILE_DATE_ORDER")
            .env_remove("CASEFILE_HOURLY_VALUE")
            .env_remove("CASEFILE_AGENT_MINUTE")
            .env("CASEFILE_TEMPLATES", self.dir.path().join("templates"))
            // No one's own config file: a test sets one here when it needs one.
            .env("CASEFILE_CONFIG", self.dir.path().join("config.toml"))
            .env_remove("EDITOR")
            .env_remove("VISUAL")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        use std::io::Write;
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    }

    /// Runs a command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "casefile {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail; returns (exit code, stderr).
    pub fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "casefile {args:?} should have failed but printed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    /// The whole journal as exported, for checking that nothing was written.
    pub fn journal(&self) -> String {
        if !self.db.exists() {
            return String::new();
        }
        self.ok(&["export", "--reveal"])
    }

    /// The standard case of the tests: opened on Nov 1 with a goal and facts.
    pub fn open_router_case(&self) {
        self.ok(&[
            "open",
            "Router refund",
            "--company",
            "Acme Broadband, Inc.",
            "--problem",
            "The X200 router I bought on Oct 28 stopped connecting on Oct 31",
            "--resolution",
            "A full refund of $129 to my card within 10 days",
            "--alternative",
            "A new X200 shipped overnight",
            "--fair",
            "yes",
            "--fairness-note",
            "a dead-on-arrival unit is the maker's cost",
            "--fact",
            "acquired=2026-10-28",
            "--fact",
            "began=2026-10-31",
            "--fact",
            "tried=factory reset twice; another cable; another socket",
            "--id",
            "Order=A-1001",
            "--sensitive-id",
            "Account=8812 4471 09",
            "--at",
            "2026-11-01 09:00",
        ]);
    }

    /// Acme's billing line, with its hours, and its executive office.
    pub fn acme_channels(&self) {
        self.ok(&[
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
        self.ok(&[
            "company",
            "channel",
            "acme",
            "executive",
            "Office of the President, 1 Acme Way, Springfield",
        ]);
    }
}

/// A child process killed (and reaped) when the test lets go of it.
pub struct Kill(pub std::process::Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nothing listens on, for a server the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The PostgreSQL server to test on (CASEFILE_TEST_DATABASE; `.ci/postgres.sh`
/// starts one). Without it a test skips, saying so, except under CI=true,
/// where it fails.
pub fn test_database() -> Option<String> {
    match std::env::var("CASEFILE_TEST_DATABASE") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but CASEFILE_TEST_DATABASE is not set: start one with .ci/postgres.sh")
        }
        _ => {
            eprintln!("skipped: no PostgreSQL (set CASEFILE_TEST_DATABASE, see .ci/postgres.sh)");
            None
        }
    }
}

/// `casefile serve` on a file and a port; returns the server and its
/// one-time link.
pub fn serve_file(db: &std::path::Path, port: u16) -> (Kill, String) {
    let mut server = Command::cargo_bin("casefile")
        .unwrap()
        .args(["serve", "--port", &port.to_string()])
        .env("CASEFILE_DB", db)
        // The same config (and so the same signing key) as `cli_now`.
        .env("CASEFILE_CONFIG", db.with_extension("toml"))
        .env("TZ", "UTC")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let link = first.trim().rsplit(' ').next().unwrap().to_string();
    assert!(link.starts_with("http://127.0.0.1:"), "{first}");
    (Kill(server), link)
}

/// The CLI on a file, on the real clock (a server's), for tests that
/// start one.
pub fn cli_now(db: &std::path::Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("casefile")
        .unwrap()
        .args(args)
        .env("CASEFILE_DB", db)
        .env("TZ", "UTC")
        .env("CASEFILE_CONFIG", db.with_extension("toml"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "casefile {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Exchanges a server's one-time link for a session, as a browser would:
/// an agent that does not follow redirects, and the session cookie.
pub fn pair(link: &str) -> (ureq::Agent, String) {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let paired = match agent.get(link).call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{link}: {e}"),
    };
    let cookie = paired
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    (agent, cookie)
}
