//! Runs the real `casefile` binary against a real SQLite file in a temporary
//! directory, with a fixed clock and time zone so output is reproducible.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;

/// A config file of the tests' own, under target/ (never the user's): its
/// folder holds the signing key and notes the commands make.
pub fn test_config() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("casefile-test-config/config.toml")
}

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
            .env_remove("CASEFILE_TONE_MODEL")
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

    /// Runs with its standard output closed at once, as `| head -0` would:
    /// whatever it writes meets a closed pipe. Fails the test on a panic.
    pub fn run_into_closed_pipe(&self, args: &[&str]) -> Output {
        let mut child = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
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

    /// A read command's JSON: every one is an object that starts with its
    /// version; a list comes under "items", which this returns.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.ok(&a);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["version"], 1,
            "casefile {args:?} --json names its version:\n{out}"
        );
        assert!(
            out.trim_start().starts_with("{\n  \"version\": 1"),
            "the version comes first: {out}"
        );
        match v.get("items") {
            Some(items) => items.clone(),
            None => v,
        }
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

/// The web app on the test's journal, with the CLI's clock and config.
pub struct Web {
    _server: Kill,
    pub base: String,
    agent: ureq::Agent,
    cookie: String,
    pub csrf: String,
}

impl Web {
    pub fn start(env: &Env) -> Web {
        let port = free_port();
        let mut server = env
            .cmd(&["serve", "--port", &port.to_string()])
            .env("TZ", "UTC")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(server.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let link = first.trim().rsplit(' ').next().unwrap().to_string();
        let (agent, cookie) = pair(&link);
        let session = cookie.split_once('=').unwrap().1.to_string();
        Web {
            _server: Kill(server),
            base: format!("http://127.0.0.1:{port}"),
            agent,
            csrf: casefile_app::accounts::csrf_of(&session),
            cookie,
        }
    }

    pub fn get(&self, path: &str) -> String {
        let r = self
            .agent
            .get(&format!("{}{path}", self.base))
            .set("Cookie", &self.cookie)
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        r.into_string().unwrap()
    }

    /// A form posted; a redirect is taken as done, any other failure fails.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) {
        self.post_page(path, fields);
    }

    /// A form posted, and the page it answers with (empty for a redirect).
    pub fn post_page(&self, path: &str, fields: &[(&str, &str)]) -> String {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        match self
            .agent
            .post(&format!("{}{path}", self.base))
            .set("Cookie", &self.cookie)
            .set("Origin", &self.base)
            .send_form(&all)
        {
            Ok(r) => r.into_string().unwrap(),
            Err(ureq::Error::Status(303, _)) => String::new(),
            Err(ureq::Error::Status(code, r)) => panic!(
                "POST {path} {fields:?}: {code} {}",
                r.into_string().unwrap_or_default()
            ),
            Err(e) => panic!("POST {path}: {e}"),
        }
    }

    /// The readable text of the element with this id on a page.
    pub fn text(&self, path: &str, id: &str) -> String {
        text_of(&self.get(path), id).unwrap_or_else(|| panic!("no #{id} on {path}"))
    }
}

/// The text a person reads in the element `id` of `html`: tags dropped,
/// a line per block, entities decoded.
pub fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let open = html[..at].rfind('<')?;
    let tag: String = html[open + 1..]
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    // The matching close tag, counting nested ones of the same name.
    let mut depth = 0;
    let mut i = open;
    let end = loop {
        let next_open = html[i + 1..].find(&format!("<{tag}")).map(|p| p + i + 1);
        let next_close = html[i + 1..]
            .find(&format!("</{tag}>"))
            .map(|p| p + i + 1)?;
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                i = o;
            }
            _ => {
                if depth == 0 {
                    break next_close;
                }
                depth -= 1;
                i = next_close;
            }
        }
    };
    let inner = &html[open..end];
    let mut out = String::new();
    let mut in_tag = false;
    let mut name = String::new();
    for c in inner.chars() {
        match c {
            '<' => {
                in_tag = true;
                name.clear();
            }
            '>' if in_tag => {
                in_tag = false;
                let n = name.trim_start_matches('/').to_lowercase();
                if [
                    "p",
                    "li",
                    "h1",
                    "h2",
                    "br",
                    "section",
                    "div",
                    "blockquote",
                    "summary",
                ]
                .contains(&n.as_str())
                {
                    out.push('\n');
                }
            }
            c if in_tag => {
                if !name.contains(' ') {
                    name.push(c)
                }
            }
            c => out.push(c),
        }
    }
    let decoded = out
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    Some(
        decoded
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// The calendar address a "Make my calendar address" page shows, as a
/// browser reads the attribute.
pub fn calendar_link(page: &str) -> String {
    page.split("id=\"cal-link\" readonly value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or_else(|| panic!("no calendar address on the page: {page}"))
        .replace("&#x2f;", "/")
}
