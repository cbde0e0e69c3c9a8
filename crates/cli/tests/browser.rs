//! The web app in a real browser: Debian's headless Chromium driven through
//! chromedriver (W3C WebDriver) at a phone's 390x844. Opens a case through
//! the form, logs a call with two transfers, reloads midway and finds every
//! tap saved, reads the timeline, prints a letter to PDF. A note with a
//! script in it shows as text. Screenshots and the PDF are kept in
//! target/e2e-artifacts.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages; .ci/run installs
//! them). Skipped when missing, except under CI=true, where it fails.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use common::{Kill, cli_now as cli, free_port, serve_file};
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Browser {
    base: String,
    session: String,
}

impl Browser {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"))
    }

    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let res = match (method, body) {
            ("GET", _) => ureq::get(&url).call(),
            ("DELETE", _) => ureq::delete(&url).call(),
            (_, b) => ureq::post(&url).send_json(b.unwrap_or(json!({}))),
        };
        match res {
            Ok(r) => Ok(r.into_json::<Value>().unwrap()["value"].clone()),
            Err(ureq::Error::Status(code, r)) => {
                Err(format!("{code} {}", r.into_string().unwrap_or_default()))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    fn fill(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/clear"), None);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Clicks; an element the page just swapped for a fresh copy (the call
    /// page updates itself) is found again.
    fn click(&self, css: &str) {
        for _ in 0..20 {
            let id = self.find(css);
            match self.try_call("POST", &format!("/element/{id}/click"), None) {
                Ok(_) => return,
                Err(e) if e.contains("stale element") => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(e) => panic!("clicking {css}: {e}"),
            }
        }
        panic!("{css} kept being replaced");
    }

    /// Runs a script in the page and returns what it returns.
    fn exec(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Until the call page keeps nothing unsent: its note of what waits
    /// (which moves the buttons as it comes and goes) is gone.
    fn wait_sent(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self
            .exec("return document.getElementById('waiting').textContent;")
            .as_str()
            .unwrap_or("x")
            .is_empty()
        {
            assert!(Instant::now() < deadline, "the waiting list never emptied");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Until the field can be typed in (its form open).
    fn wait_shown(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let script = format!("return document.querySelector('{css}').offsetParent !== null;");
        while self.exec(&script) != json!(true) {
            assert!(
                Instant::now() < deadline,
                "the form holding {css} did not open"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn source(&self) -> String {
        self.call("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits for a navigation a click started to arrive.
    fn wait_url(&self, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.url() != want {
            if Instant::now() > deadline {
                self.screenshot("failed.png");
                panic!("waited for {want}, at {}:\n{}", self.url(), self.source());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the page says something.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.source();
            if s.contains(needle) {
                return s;
            }
            if Instant::now() > deadline {
                self.screenshot("failed.png");
                panic!("waited for {needle:?} at {}:\n{s}", self.url());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn save(&self, name: &str, base64: &str) {
        use base64::Engine;
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64)
            .unwrap();
        std::fs::write(dir.join(name), &bytes).unwrap();
    }

    fn screenshot(&self, name: &str) {
        let b64 = self.call("GET", "/screenshot", None);
        self.save(name, b64.as_str().unwrap());
    }
}

fn tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    let driver = ["/usr/bin/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "chromium and chromium-driver are required in CI (.ci/run installs them)"
            );
            eprintln!("skipping: chromium or chromedriver is not installed");
            None
        }
    }
}

/// chromedriver on a free port, and a phone-sized headless Chromium session
/// with a fresh profile under `dir`.
fn browser(
    chromium: &std::path::Path,
    driver: &std::path::Path,
    dir: &std::path::Path,
) -> (Kill, Browser) {
    let dport = free_port();
    let driver = Kill(
        Command::new(driver)
            .arg(format!("--port={dport}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{dport}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while ureq::get(&format!("{base}/status")).call().is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let profile = dir.join("profile");
    let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "binary": chromium,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.display())],
        "mobileEmulation": {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2.0}}
    }}}});
    let session = ureq::post(&format!("{base}/session"))
        .send_json(caps)
        .unwrap()
        .into_json::<Value>()
        .unwrap()["value"]["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    (driver, Browser { base, session })
}

#[test]
fn a_phone_sized_browser_opens_a_case_logs_a_call_and_prints_a_letter() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("web.db");

    // The app, on a free port.
    let port = free_port();
    let (_server, login) = serve_file(&db, port);
    let app = format!("http://127.0.0.1:{port}");

    // The browser.
    let (_driver, b) = browser(&chromium, &driver, dir.path());

    // Without the key, nothing; with it, the case list.
    b.go(&app);
    assert!(b.source().contains("This casefile is private"));
    b.go(&login);
    b.wait_url(&format!("{app}/"));
    b.screenshot("cases-empty-390x844.png");

    // Open a case through the form.
    b.click("a[href='/cases/new']");
    b.wait_url(&format!("{app}/cases/new"));
    b.fill("#title", "Router refund");
    b.fill("#company", "Acme Broadband");
    b.fill("#problem", "The X200 router stopped connecting on Oct 31");
    b.fill("#resolution", "A full refund of $129 within 10 days");
    b.click("input[name=fair][value=yes]");
    b.fill("#began", "2026-10-31");
    b.fill("#id_label", "Account");
    b.fill("#id_value", "8812447109");
    b.screenshot("new-case-390x844.png");
    b.click("form[action='/cases'] button[type=submit]");
    b.wait_url(&format!("{app}/cases/1"));
    let page = b.source();
    assert!(
        page.contains("Router refund") && page.contains("••••7109"),
        "{page}"
    );

    // A call: start, three reps (two transfers), a case number, a note with a script in it.
    b.click("a[href='/cases/1/call']");
    b.wait_for("Start the call");
    b.click("form:has(#via) button");
    b.wait_for("Nobody yet");
    let rep = |name: &str, dept: &str| {
        b.click("details:has(#rep-name) summary");
        b.fill("#rep-name", name);
        b.fill("#rep-dept", dept);
        b.click("form:has(#rep-name) button");
        b.wait_for(&format!("With {name}"));
    };
    rep("Dana Reyes", "Billing");
    rep("Marcus Lee", "Retention");
    // Midway, a reload: everything tapped so far is there.
    b.call("POST", "/refresh", None);
    let mid = b.source();
    assert!(
        mid.contains("Transferred from Dana Reyes to Marcus Lee") && mid.contains("1 transfer"),
        "{mid}"
    );
    rep("Priya Natarajan", "Returns");
    b.click("details:has(#ref) summary");
    b.fill("#ref", "CAS-88120");
    b.click("form:has(#ref) button");
    b.wait_for("Got case number: CAS-88120");
    b.click("details:has(#call-note) summary");
    b.fill(
        "#call-note",
        "<script>document.title='pwned'</script> she said refunds take 5 days",
    );
    b.click("form:has(#call-note) button");
    let call = b.wait_for("she said refunds take 5 days");
    assert!(
        call.contains("2 transfers")
            && call.contains("With Priya Natarajan")
            && call.contains("CAS-88120"),
        "{call}"
    );
    assert!(
        call.contains("&lt;script&gt;document.title") && !call.contains("<script>document.title"),
        "the note is text"
    );
    let title = b.call("GET", "/title", None);
    assert!(
        !title.as_str().unwrap_or_default().contains("pwned"),
        "no script ran"
    );
    b.screenshot("call-390x844.png");
    b.click("details:has(#eo) summary");
    b.fill("#eo", "credit only");
    b.click("form:has(#eo) button.end");
    b.wait_for("Start the call");

    // The timeline, and a letter printed to PDF.
    b.go(&format!("{app}/cases/1"));
    let case = b.source();
    assert!(
        case.contains("Transferred from Marcus Lee to Priya Natarajan")
            && case.contains("Got case number: CAS-88120"),
        "{case}"
    );
    b.screenshot("case-390x844.png");
    b.go(&format!("{app}/cases/1/letter/executive?from=Sam%20Smith"));
    assert!(b.source().contains("Yours sincerely"));
    let pdf = b.call("POST", "/print", Some(json!({"orientation": "portrait"})));
    b.save("letter-executive.pdf", pdf.as_str().unwrap());
    let pdf_path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/e2e-artifacts/letter-executive.pdf");
    assert!(std::fs::read(&pdf_path).unwrap().starts_with(b"%PDF"));
    b.call("DELETE", "", None);

    // What the browser did is in the journal.
    let out = Command::new(cargo_bin("casefile"))
        .env("CASEFILE_CONFIG", common::test_config())
        .args(["--json", "show", "1"])
        .env("CASEFILE_DB", &db)
        .output()
        .unwrap();
    let show: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(show["costs"]["transfers"], 2);
    assert_eq!(show["state"]["contacts"][0]["outcome"], "credit only");
}

/// Two people, each a helper of their own organisation's workspace, sign in
/// on one PostgreSQL-backed server in a real browser and each work a case;
/// neither sees the other's.
#[test]
fn two_helpers_sign_in_on_a_postgresql_server_and_each_work_a_case() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let Some(url) = common::test_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let password = "four unrelated words";
    let people = [
        (
            format!("ana-{tag}@clinic.example"),
            format!("clinic-{tag}"),
            "Ana's router refund",
        ),
        (
            format!("bo-{tag}@union.example"),
            format!("union-{tag}"),
            "Bo's billing error",
        ),
    ];
    for (email, ws, _) in &people {
        let mut add = Command::new(cargo_bin("casefile"))
            .env("CASEFILE_CONFIG", common::test_config())
            .args(["users", "add", email, "--workspace", ws, "--role", "helper"])
            .env("CASEFILE_DATABASE", &url)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(add.stdin.take().unwrap(), "{password}").unwrap();
        assert!(add.wait().unwrap().success());
    }
    let port = free_port();
    let mut server = Command::new(cargo_bin("casefile"))
        .env("CASEFILE_CONFIG", common::test_config())
        .args(["serve", "--port", &port.to_string(), "--database", &url])
        .env("TZ", "UTC")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let _server = Kill(server);
    let app = format!("http://127.0.0.1:{port}");
    assert_eq!(first.trim(), format!("casefile is serving at {app}/login"));
    let (_driver, b) = browser(&chromium, &driver, dir.path());

    for (i, (email, ws, title)) in people.iter().enumerate() {
        // Signed out, every page leads to the sign-in form.
        b.go(&format!("{app}/cases/1"));
        b.wait_url(&format!("{app}/login"));
        b.fill("#email", email);
        b.fill("#password", "not the password");
        b.click("form[action='/login'] button");
        b.wait_for("do not match an account");
        b.fill("#password", password);
        b.click("form[action='/login'] button");
        b.wait_url(&format!("{app}/"));
        let list = b.source();
        assert!(list.contains(&format!("{email} · {ws} (helper)")), "{list}");
        for (_, _, other) in &people {
            assert!(
                !list.contains(&other.replace('\'', "&#x27;")) && !list.contains(other),
                "{list}"
            );
        }
        b.click("a[href='/cases/new']");
        b.wait_url(&format!("{app}/cases/new"));
        b.fill("#title", title);
        b.fill("#problem", "It went wrong");
        b.fill("#resolution", "Put it right within 10 days");
        b.click("input[name=fair][value=yes]");
        b.click("form[action='/cases'] button[type=submit]");
        b.wait_url(&format!("{app}/cases/1"));
        b.click("details:has(#note-text) summary");
        b.fill("#note-text", &format!("Called; note {i}"));
        b.click("form:has(#note-text) button");
        let page = b.wait_for(&format!("Called; note {i}"));
        assert!(
            page.contains(&format!(
                "Called; note {i} <span class=\"by\">({email})</span>"
            )),
            "{page}"
        );
        for (j, (_, _, other)) in people.iter().enumerate() {
            if j != i {
                assert!(!page.contains(&other.replace('\'', "&#x27;")), "{page}");
            }
        }
        b.screenshot(&format!("server-case-{i}-390x844.png"));
        b.click("form.who button");
        b.wait_url(&format!("{app}/login"));
    }
    b.call("DELETE", "", None);

    // Each workspace holds its own case, one each, written by its helper.
    for (email, ws, title) in &people {
        let out = Command::new(cargo_bin("casefile"))
            .env("CASEFILE_CONFIG", common::test_config())
            .args(["--json", "list"])
            .env("CASEFILE_DATABASE", &url)
            .env("CASEFILE_WORKSPACE", ws)
            .output()
            .unwrap();
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        let titles: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, [*title], "{email}");
    }
}

/// One event on the call page: the field its form opens with, what to
/// type where, and what the call's log then shows.
type Tap<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

/// Mid-call on a phone: what to say is on the first screen of a busy call
/// (three transfers, an offer, a promise); each event is two taps and some
/// typing and the page keeps its place; no page scrolls sideways, however
/// long the names; and with the server gone, what is recorded waits on the
/// phone and lands once when it is back.
#[test]
fn mid_call_on_a_phone_the_moment_leads_and_nothing_is_lost_offline() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    let long_company = "Transcontinental Telecommunications and Broadband Services Incorporated";
    let long_dept = "CustomerExperienceEscalationsAndRetentionDepartmentNorthAmerica";
    cli(
        &db,
        &[
            "open",
            "Router refund for the X200 that stopped connecting after the firmware update",
            "--company",
            long_company,
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
    cli(&db, &["contact", "start", "1", "--via", "800 555 0100"]);
    for (name, dept) in [
        ("Dana Reyes", "Billing"),
        ("Marcus Lee", "Retention"),
        ("Priya Natarajan", long_dept),
        ("Alexandria Montgomery-Featherstonehaugh", "Returns"),
    ] {
        cli(
            &db,
            &["contact", "rep", "1", &format!("{name}, dept={dept}")],
        );
    }
    cli(
        &db,
        &[
            "promise",
            "1",
            "call back about the refund",
            "--due",
            "in 48h",
        ],
    );
    cli(&db, &["offer", "1", "a $40 credit", "--value", "40"]);
    cli(
        &db,
        &[
            "note",
            "1",
            &"a very long note without any spaces at all "
                .replace(' ', "")
                .repeat(6),
        ],
    );

    let port = free_port();
    let (server, link) = serve_file(&db, port);
    let app = format!("http://127.0.0.1:{port}");
    let (_driver, b) = browser(&chromium, &driver, dir.path());
    b.go(&link);
    b.wait_url(&format!("{app}/"));

    // What to say now is on the first screen.
    b.go(&format!("{app}/cases/1/call"));
    b.wait_for("Say now");
    b.screenshot("phone-call-390x844.png");
    let say = b.exec(
        "const r = document.querySelector('.say').getBoundingClientRect(); \
         return {top: r.top, bottom: r.bottom, text: document.querySelector('.say').textContent, h: window.innerHeight};",
    );
    assert!(
        say["bottom"].as_f64().unwrap() <= say["h"].as_f64().unwrap()
            && say["top"].as_f64().unwrap() >= 0.0,
        "what to say now is off the first screen: {say}"
    );
    assert!(say["text"].as_str().unwrap().trim().len() > 20, "{say}");
    assert!(b.source().contains("3 transfers"));

    // Each event: one tap opens its form, one saves it; the page stays
    // where it was (no reload) and the call's log shows it.
    b.exec("window.notReloaded = true; return 0;");
    let taps: &[Tap] = &[
        (
            "#ref",
            &[("#ref", "CAS-88120")],
            "Got case number: CAS-88120",
        ),
        (
            "#call-note",
            &[("#call-note", "she said refunds take 5 days")],
            "she said refunds take 5 days",
        ),
        (
            "#pw",
            &[("#pw", "email the returns label"), ("#pd", "tomorrow")],
            "email the returns label",
        ),
        (
            "#ow",
            &[("#ow", "a replacement router"), ("#ov", "129")],
            "a replacement router",
        ),
        (
            "#xt",
            &[("#xt", "a supervisor"), ("#xr", "the offer is short")],
            // The log's line: "a supervisor" is the field's own default.
            "because the offer is short",
        ),
        (
            "#rep-name",
            &[("#rep-name", "Sam Okafor"), ("#rep-dept", "Escalations")],
            "With Sam Okafor",
        ),
    ];
    for (field, fill, shows) in taps {
        // A thumb taps where the buttons are once the page is still; a
        // click computed while the note of what waits goes away can land
        // beside the button.
        b.wait_sent();
        b.click(&format!("details:has({field}) summary"));
        b.wait_shown(field);
        for (css, text) in *fill {
            b.fill(css, text);
        }
        b.click(&format!("details:has({field}) form button"));
        b.wait_for(shows);
        assert_eq!(
            b.exec("return window.notReloaded === true;"),
            json!(true),
            "{field} reloaded the page"
        );
    }
    // Hold is one tap.
    b.click("form.now button");
    b.wait_for("Back from hold");
    b.click("form.now button");
    b.wait_for(">On hold<");
    assert_eq!(b.exec("return window.notReloaded === true;"), json!(true));

    // A form just opened stays open when the page brings itself up to date
    // (here, after a note saved from another form): it was swapped for a
    // fresh, closed copy under the thumb, and what was typed next went
    // nowhere.
    b.click("details:has(#ref) summary");
    b.exec(
        "document.getElementById('log').dataset.old = '1'; \
         const f = document.querySelector('#call-note'); f.value = 'a note from another form'; \
         f.form.requestSubmit(); return 0;",
    );
    b.wait_for("a note from another form");
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.exec("return document.getElementById('log').dataset.old === '1';") == json!(true) {
        assert!(
            Instant::now() < deadline,
            "the page never brought itself up to date"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        b.exec("return document.querySelector('details:has(#ref)').open;"),
        json!(true),
        "the open form was closed by the page's update"
    );
    b.fill("#ref", "CAS-88121");
    b.click("details:has(#ref) form button");
    b.wait_for("Got case number: CAS-88121");

    // Nothing scrolls sideways, on any page, with long names and notes;
    // every button, field and menu link is a thumb's width tall (44 px),
    // a box to tick 24 px inside a label that tall.
    for path in [
        "/",
        "/cases/1",
        "/cases/1/call",
        "/companies",
        "/companies/1",
        "/due",
        "/search?q=refund",
        "/reports",
        "/check",
        "/cases/1/record",
        "/cases/1/letter/executive",
        "/cases/1/script/plea",
        "/cases/new",
    ] {
        b.go(&format!("{app}{path}"));
        let w = b.exec("return [document.documentElement.scrollWidth, window.innerWidth];");
        let name = format!(
            "phone{}.png",
            path.replace(['/', '?', '='], "-").trim_end_matches('-')
        );
        b.screenshot(&name);
        assert!(
            w[0].as_u64().unwrap() <= w[1].as_u64().unwrap(),
            "{path} scrolls sideways: {w}"
        );
        // Every button, field and menu link is a thumb's width tall (44 px);
        // a box to tick is 24 px inside a label that tall.
        let small = b.exec(
            "return [...document.querySelectorAll('button, summary, select, textarea, input:not([type=hidden]), nav a, a.button')] \
               .filter(e => e.offsetParent !== null) \
               .filter(e => e.getBoundingClientRect().height < (e.matches('[type=checkbox],[type=radio]') ? 24 : 44)) \
               .map(e => e.outerHTML.slice(0, 80));",
        );
        assert_eq!(small, json!([]), "{path}: too small to tap");
        // Tables are cards on a phone: each row a box of its own.
        let rows = b.exec(
            "return [...document.querySelectorAll('table.cards tbody tr')].map(r => getComputedStyle(r).display);",
        );
        assert!(
            rows.as_array().unwrap().iter().all(|d| d == "block"),
            "{path}: {rows}"
        );
    }

    // The advice speaks web: links, no command lines, no Markdown marks.
    b.go(&format!("{app}/cases/1"));
    let case = b.source();
    let advice = case.split("id=\"advice-h\"").nth(1).unwrap_or_default();
    let advice = advice.split("</section>").next().unwrap_or_default();
    assert!(!advice.is_empty(), "the case has advice: {case}");
    assert!(
        !advice.contains("casefile ") && !advice.contains('`') && !advice.contains("*their*"),
        "{advice}"
    );

    // The record is styled by the app and leads back to the case.
    b.go(&format!("{app}/cases/1/record"));
    let record = b.source();
    assert!(record.contains("href=\"/cases/1\"") && record.contains("/assets/app.css"));
    let font = b.exec("return getComputedStyle(document.querySelector('.paper')).fontFamily;");
    assert!(font.as_str().unwrap().contains("Georgia"), "{font}");

    // Offline: the server goes away mid-call. What is recorded waits on
    // the phone, survives a reload, and lands once when the server is back.
    b.go(&format!("{app}/cases/1/call"));
    b.wait_for("Say now");
    // The service worker has the page (it installs on the first visit).
    b.exec("return navigator.serviceWorker && navigator.serviceWorker.ready.then(() => 1);");
    drop(server);
    std::thread::sleep(Duration::from_millis(300));
    b.click("details:has(#call-note) summary");
    b.fill("#call-note", "said while the line was down");
    b.click("details:has(#call-note) form button");
    b.click("details:has(#ref) summary");
    b.fill("#ref", "OFF-77");
    b.click("details:has(#ref) form button");
    b.wait_for("2 things kept on this device");
    b.call("POST", "/refresh", None);
    let offline = b.wait_for("2 things kept on this device");
    assert!(offline.contains("Say now"), "the call page opens offline");
    b.screenshot("phone-offline-390x844.png");

    let (_server, _) = serve_file(&db, port);
    b.wait_for("Got case number: OFF-77");
    b.wait_for("said while the line was down");
    b.wait_sent();

    // Ending is two taps.
    b.click("details:has(#eo) summary");
    b.click("details:has(#eo) form button");
    b.wait_for("Start the call");
    b.call("DELETE", "", None);

    let export = cli(&db, &["export"]);
    assert_eq!(
        export.matches("said while the line was down").count(),
        1,
        "{export}"
    );
    assert_eq!(export.matches("OFF-77").count(), 1, "{export}");
    // Each keeps the time it was tapped, before it reached the server.
    let note: Value = export
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e.to_string().contains("said while the line was down"))
        .unwrap();
    let (at, recorded) = (
        note["at"].as_str().unwrap(),
        note["recorded"].as_str().unwrap(),
    );
    assert!(
        at < recorded,
        "at {at} should be before recorded {recorded}"
    );
    cli(&db, &["verify"]);
}

/// A record and a letter saved as HTML, opened in the browser from disk,
/// fetch nothing: images, styles, scripts, frames and links the person typed
/// into notes are shown as text, and a listener those notes point at is
/// never called.
#[test]
fn exported_records_and_letters_fetch_nothing_when_opened() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("export.db");

    // Anything that connects here is data leaving the machine.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = stop.clone();
    let watcher = std::thread::spawn(move || {
        while !stopping.load(std::sync::atomic::Ordering::SeqCst) {
            if listener.accept().is_ok() {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });

    let at = format!("http://127.0.0.1:{port}");
    cli(
        &db,
        &[
            "open",
            "Router refund",
            "--company",
            "Acme",
            "--problem",
            "The X200 router stopped connecting on Oct 31",
            "--resolution",
            "A full refund of $129 within 10 days",
            "--fair",
            "yes",
        ],
    );
    for note in [
        format!("![receipt]({at}/pixel.png) and <img src=\"{at}/tag.png\">"),
        format!("<link rel=stylesheet href=\"{at}/x.css\"><style>@import url({at}/y.css);</style>"),
        format!("<script src=\"{at}/x.js\"></script><iframe src=\"{at}/frame\"></iframe>"),
        format!("[the terms]({at}/terms) and [click](javascript:alert(1)) and {at}/bare"),
        format!("<video src=\"{at}/v.mp4\" autoplay></video><object data=\"{at}/o\"></object>"),
    ] {
        cli(&db, &["note", "1", &note]);
    }
    cli(&db, &["contact", "start", "1"]);
    cli(&db, &["contact", "rep", "1", "Dana Reyes"]);
    cli(
        &db,
        &["promise", "1", &format!("refund, see ![x]({at}/p.png)")],
    );
    cli(&db, &["contact", "end", "1"]);
    let record = dir.path().join("record.html");
    let letter = dir.path().join("letter.html");
    cli(
        &db,
        &[
            "timeline",
            "1",
            "--format",
            "html",
            "--output",
            record.to_str().unwrap(),
        ],
    );
    cli(
        &db,
        &[
            "letter",
            "1",
            "executive",
            "--format",
            "html",
            "--output",
            letter.to_str().unwrap(),
        ],
    );

    let (_driver, b) = browser(&chromium, &driver, dir.path());
    for file in [&record, &letter] {
        b.go(&format!("file://{}", file.display()));
        // Long enough for any fetch the page would start to reach the listener.
        std::thread::sleep(Duration::from_millis(800));
        let counts = b.exec(
            "return [document.querySelectorAll('img,script,link,iframe,video,object,embed,audio,source').length,
                     document.querySelectorAll('a[href^=\"javascript\"], a[href^=\"http\"]').length,
                     performance.getEntriesByType('resource').length];",
        );
        assert_eq!(
            counts,
            json!([0, 0, 0]),
            "{}: {}",
            file.display(),
            b.source()
        );
        let text = b.exec("return document.body.innerText;");
        assert!(
            text.as_str()
                .unwrap_or_default()
                .contains(&format!("{at}/pixel.png"))
                || file == &letter,
            "the typed link shows as text: {text}"
        );
    }
    b.screenshot("record-from-disk.png");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    watcher.join().unwrap();
    assert_eq!(
        calls.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "opening the saved files called out"
    );
}
