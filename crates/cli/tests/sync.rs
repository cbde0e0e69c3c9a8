//! `casefile sync` end to end: real `casefile` processes on their own SQLite
//! files (devices), a real `casefile serve` (on PostgreSQL with accounts, and
//! on a person's own file with a one-time link), over HTTP on loopback.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use common::{Kill, free_port};
use proptest::prelude::*;

const PASSWORD: &str = "four unrelated words";

/// A journal's id and its entries (id, position, hash), in order.
type Journal = (String, Vec<(String, u64, String)>);

/// One device: its own file and config folder (so its own key and sign-in).
struct Device {
    dir: tempfile::TempDir,
}

impl Device {
    fn new() -> Device {
        Device {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("casefile.db")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("casefile").unwrap();
        c.args(args)
            .env("CASEFILE_DB", self.db())
            .env("CASEFILE_CONFIG", self.dir.path().join("config.toml"))
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env_remove("CASEFILE_USER")
            .env_remove("CASEFILE_DATABASE")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "casefile {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    fn login_with_password(&self, url: &str, email: &str) -> Output {
        let mut child = self
            .cmd(&["sync", "login", url, "--email", email])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let _ = writeln!(input, "{PASSWORD}");
        drop(input);
        child.wait_with_output().unwrap()
    }

    /// Every journal's entries (id, position, hash), by journal id.
    fn journals(&self) -> Vec<Journal> {
        let export = self.ok(&["export", "--reveal"]);
        let mut by: std::collections::BTreeMap<String, Vec<(String, u64, String)>> =
            Default::default();
        for line in export.lines().skip(1) {
            let e: serde_json::Value = serde_json::from_str(line).unwrap();
            by.entry(e["stream"].as_str().unwrap().to_string())
                .or_default()
                .push((
                    e["id"].as_str().unwrap().to_string(),
                    e["seq"].as_u64().unwrap(),
                    e["hash"].as_str().unwrap().to_string(),
                ));
        }
        let mut out: Vec<_> = by.into_iter().collect();
        for (_, v) in &mut out {
            v.sort_by_key(|x| x.1);
        }
        out
    }

    /// Each case's timeline and page by its id (numbers are each device's own).
    fn views(&self) -> Vec<(String, String, serde_json::Value)> {
        let list = self.json(&["list", "--all"]);
        let mut out: Vec<_> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let handle = c["handle"].as_u64().unwrap().to_string();
                let mut page = self.json(&["show", &handle]);
                page.as_object_mut().unwrap().remove("handle");
                // The header names the case by this device's number.
                let timeline = self.ok(&["timeline", &handle]);
                let timeline = timeline.replacen(&format!("Case {handle} ·"), "Case ·", 1);
                (c["id"].as_str().unwrap().to_string(), timeline, page)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn verifies(&self) {
        let out = self.run(&["verify"]);
        assert!(
            out.status.success(),
            "verify: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `casefile serve` on PostgreSQL, with one account that owns a workspace of
/// this test's own.
struct PgServer {
    _server: Kill,
    _dir: tempfile::TempDir,
    url: String,
    email: String,
    database: String,
    workspace: String,
}

fn wait_for(port: u16) {
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on port {port}");
}

impl PgServer {
    fn start() -> Option<PgServer> {
        let database = common::test_database()?;
        let dir = tempfile::tempdir().unwrap();
        let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        let email = format!("sync-{tag}@example.org");
        let base = || {
            let mut c = Command::cargo_bin("casefile").unwrap();
            c.env("CASEFILE_DATABASE", &database)
                .env("CASEFILE_CONFIG", dir.path().join("config.toml"))
                .env("TZ", "UTC");
            c
        };
        let mut add = base()
            .args([
                "users",
                "add",
                &email,
                "--workspace",
                &format!("sync-{tag}"),
                "--role",
                "owner",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        assert!(add.wait().unwrap().success());
        let port = free_port();
        let server = base()
            .args(["serve", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Kill(server);
        wait_for(port);
        Some(PgServer {
            _server: server,
            _dir: dir,
            url: format!("http://127.0.0.1:{port}"),
            email,
            database,
            workspace: format!("sync-{tag}"),
        })
    }

    /// Another member of the workspace, in `role`; returns the email.
    fn member(&self, who: &str, role: &str) -> String {
        let email = format!("{who}-{}", self.email);
        let mut add = Command::cargo_bin("casefile")
            .unwrap()
            .args([
                "users",
                "add",
                &email,
                "--workspace",
                &self.workspace,
                "--role",
                role,
            ])
            .env("CASEFILE_DATABASE", &self.database)
            .env("CASEFILE_CONFIG", self._dir.path().join("config.toml"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        assert!(add.wait().unwrap().success());
        email
    }

    fn device(&self) -> Device {
        let d = Device::new();
        let out = d.login_with_password(&self.url, &self.email);
        assert!(
            out.status.success(),
            "login: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        d
    }
}

/// What a test syncs with: it signs a new device in.
trait Serves {
    fn device(&self) -> Device;
}

impl Serves for PgServer {
    fn device(&self) -> Device {
        PgServer::device(self)
    }
}

/// `casefile serve` on a person's own file: the browser that opened the
/// printed link makes a one-time link for each device ("Add a device").
struct FileServer {
    home: Device,
    _server: Kill,
    base: String,
    browser: (ureq::Agent, String),
}

impl FileServer {
    fn start() -> FileServer {
        let home = Device::new();
        home.ok(&["list"]);
        let port = free_port();
        let mut serve = home
            .cmd(&["serve", "--port", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(serve.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let link = first.trim().rsplit(' ').next().unwrap().to_string();
        let browser = common::pair(&link);
        FileServer {
            home,
            _server: Kill(serve),
            base: format!("http://127.0.0.1:{port}"),
            browser,
        }
    }

    /// A page as the signed-in browser sees it.
    fn page(&self, path: &str) -> String {
        let (agent, cookie) = &self.browser;
        agent
            .get(&format!("{}{path}", self.base))
            .set("cookie", cookie)
            .call()
            .unwrap()
            .into_string()
            .unwrap()
    }

    fn link(&self) -> String {
        let (agent, cookie) = &self.browser;
        let page = self.page("/");
        let marker = "name=\"csrf\" value=\"";
        let at = page.find(marker).unwrap() + marker.len();
        let csrf = &page[at..at + page[at..].find('"').unwrap()];
        let made = agent
            .post(&format!("{}/devices", self.base))
            .set("cookie", cookie)
            .send_form(&[("csrf", csrf)])
            .unwrap()
            .into_string()
            .unwrap()
            .replace("&#x2f;", "/");
        let at = made.find("/pair/").unwrap();
        let token: String = made[at + 6..]
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .collect();
        format!("{}/pair/{token}", self.base)
    }
}

impl Serves for FileServer {
    fn device(&self) -> Device {
        let d = Device::new();
        d.ok(&["sync", "login", &self.link()]);
        d
    }
}

#[derive(Debug, Clone)]
enum Step {
    Open(usize),
    Note(usize, u8),
    Goal(usize, u8),
    Contact(usize),
    Sync(usize),
}

fn step(devices: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0..devices).prop_map(Step::Open),
        4 => (0..devices, any::<u8>()).prop_map(|(d, n)| Step::Note(d, n)),
        2 => (0..devices, any::<u8>()).prop_map(|(d, n)| Step::Goal(d, n)),
        1 => (0..devices).prop_map(Step::Contact),
        3 => (0..devices).prop_map(Step::Sync),
    ]
}

/// Does `s` on device `d`, on a case it knows (the first, if several).
fn apply(devices: &[Device], s: &Step) {
    let on_a_case = |d: &Device| -> Option<String> {
        let list = d.json(&["list", "--all"]);
        list["items"]
            .as_array()
            .unwrap()
            .first()
            .map(|c| c["handle"].to_string())
    };
    match s {
        Step::Open(d) => {
            devices[*d].ok(&[
                "open",
                &format!("Case from device {d}"),
                "--company",
                "Acme",
            ]);
        }
        Step::Note(d, n) => {
            if let Some(c) = on_a_case(&devices[*d]) {
                devices[*d].ok(&["note", &c, &format!("note {n} from device {d}")]);
            }
        }
        Step::Goal(d, n) => {
            if let Some(c) = on_a_case(&devices[*d]) {
                devices[*d].ok(&[
                    "goal",
                    &c,
                    "--problem",
                    &format!("the router fails ({n})"),
                    "--resolution",
                    &format!("a refund of ${n}"),
                    "--reason",
                    "learned more",
                ]);
            }
        }
        Step::Contact(d) => {
            if let Some(c) = on_a_case(&devices[*d]) {
                devices[*d].ok(&[
                    "log",
                    &c,
                    "--start",
                    "2026-11-20 10:00",
                    "--minutes",
                    "20m",
                    "--rep",
                    "Dana",
                    "--outcome",
                    "no refund yet",
                ]);
            }
        }
        Step::Sync(d) => {
            devices[*d].ok(&["sync"]);
        }
    }
}

fn converged(devices: &[Device]) {
    // Twice round: the first device then hears what the last one sent.
    for _ in 0..2 {
        for d in devices {
            d.ok(&["sync"]);
        }
    }
    let journals = devices[0].journals();
    let views = devices[0].views();
    for (i, d) in devices.iter().enumerate() {
        d.verifies();
        assert_eq!(d.journals(), journals, "device {i} holds the same entries");
        assert_eq!(d.views(), views, "device {i} shows the same cases");
        let status = d.json(&["sync", "--status"]);
        assert_eq!(
            (status["up"].as_u64(), status["down"].as_u64()),
            (Some(0), Some(0))
        );
    }
}

/// Offline writes on three devices and syncs in any order converge to the
/// same entries and the same views everywhere; every chain holds.
fn converge_through(server: &dyn Serves, steps: &[Step]) -> Vec<Journal> {
    let devices: Vec<Device> = (0..3).map(|_| server.device()).collect();
    devices[0].ok(&["open", "Router refund", "--company", "Acme"]);
    devices[0].ok(&["sync"]);
    for s in steps {
        apply(&devices, s);
    }
    converged(&devices);
    devices[0].journals()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn devices_converge_through_a_real_server(steps in prop::collection::vec(step(3), 6..16)) {
        if let Some(server) = PgServer::start() {
            converge_through(&server, &steps);
        }
    }

    #[test]
    fn devices_converge_through_a_persons_own_server(steps in prop::collection::vec(step(3), 6..16)) {
        let server = FileServer::start();
        let journals = converge_through(&server, &steps);
        // The served file (the phone's device) holds the same too.
        server.home.verifies();
        prop_assert_eq!(server.home.journals(), journals);
    }
}

#[test]
fn two_devices_revising_the_goal_offline_both_keep_their_revision() {
    let Some(server) = PgServer::start() else {
        return;
    };
    let (a, b) = (server.device(), server.device());
    a.ok(&["open", "Router refund", "--company", "Acme"]);
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    a.ok(&[
        "goal",
        "1",
        "--problem",
        "the router fails",
        "--resolution",
        "a refund",
    ]);
    b.ok(&[
        "goal",
        "1",
        "--problem",
        "the router fails",
        "--resolution",
        "a replacement",
    ]);
    a.ok(&["sync"]);
    let said = b.ok(&["sync"]);
    assert!(
        said.contains("Another device wrote to the same case"),
        "{said}"
    );
    let page = b.ok(&["show", "1"]);
    let goal = &page[page.find("Goal").unwrap()..page.find("Cost so far").unwrap()];
    insta::assert_snapshot!("goal_revised_on_two_devices", goal);
    a.ok(&["sync"]);
    assert_eq!(a.ok(&["show", "1"]), page, "a shows the case as b does");
    // Revised once more, on one device: the two made apart are history.
    a.ok(&[
        "goal",
        "1",
        "--resolution",
        "a replacement",
        "--reason",
        "agreed with b",
    ]);
    let page = a.ok(&["show", "1"]);
    assert!(!page.contains("another device"), "{page}");
    converged(&[a, b]);
}

#[test]
fn a_laptop_syncs_with_the_file_another_serves() {
    // The laptop that serves its own file (the phone's web app writes there).
    let home = Device::new();
    home.ok(&["open", "Router refund", "--company", "Acme"]);
    let port = free_port();
    let mut serve = home
        .cmd(&["serve", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let _serve = Kill(serve);
    let link = first.trim().rsplit(' ').next().unwrap().to_string();
    let laptop = Device::new();
    let (code, err) = {
        let out = laptop.run(&["sync"]);
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    assert_eq!(code, Some(4));
    assert!(
        err.contains("not signed in") && err.contains("casefile sync login"),
        "{err}"
    );
    let said = laptop.ok(&["sync", "login", &link]);
    assert!(
        said.starts_with(&format!("Signed in to http://127.0.0.1:{port}.")),
        "{said}"
    );
    let kept = laptop.dir.path().join("sync.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the session is readable by the user only");
    }
    // The link was used: a second device cannot sign in with it.
    let other = Device::new();
    let out = other.run(&["sync", "login", &link]);
    assert_eq!(out.status.code(), Some(4));
    let status = laptop.ok(&["sync", "--status"]);
    insta::assert_snapshot!(
        "sync_status_before_the_first_sync",
        status.replace(&port.to_string(), "PORT")
    );
    laptop.ok(&["sync"]);
    let status = laptop.ok(&["sync", "--status"]);
    assert!(status.contains("\nLast synced: 20"), "{status}");
    assert!(status.contains("Nothing waits"), "{status}");
    laptop.ok(&["note", "1", "from the laptop"]);
    home.ok(&["note", "1", "from the phone's web app, on the home file"]);
    let said = laptop.ok(&["sync"]);
    insta::assert_snapshot!(
        "sync_after_writes_on_both",
        said.replace(&port.to_string(), "PORT")
    );
    let up_to_date = laptop.ok(&["sync"]);
    assert!(up_to_date.starts_with("Up to date with"), "{up_to_date}");
    // Long notes, more than one request carries: they go in several.
    let long = "The representative read out the whole terms of service again. ".repeat(900);
    for _ in 0..40 {
        laptop.ok(&["note", "1", &long]);
    }
    let sent = laptop.json(&["sync"]);
    assert_eq!(sent["pushed"], 40, "{sent}");
    assert!(sent["bytes_sent"].as_u64().unwrap() > 2_000_000, "{sent}");
    home.verifies();
    laptop.verifies();
    assert_eq!(home.journals(), laptop.journals());
    assert_eq!(home.views(), laptop.views());
    let out = laptop.ok(&["sync", "logout"]);
    assert!(out.starts_with("Signed out"), "{out}");
    assert!(!kept.exists());
}

#[test]
fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    let d = Device::new();
    let out = d.run(&["sync", "login", "http://192.0.2.7:8484/pair/abc"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("plain HTTP") && err.contains("https://"),
        "{err}"
    );
    let out = d.run(&[
        "sync",
        "login",
        "https://192.0.2.7:8484/pair/abc",
        "--fingerprint",
        "not-one",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("is not a SHA-256 fingerprint")
    );
    assert!(!d.dir.path().join("sync.json").exists());
}

/// A loopback proxy of the test's own between a device and the server:
/// it cuts some connections after the request went through (the answer is
/// lost), some in the middle of the answer, and delays the rest.
struct Proxy {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Proxy {
    fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { continue };
                let count = count.clone();
                std::thread::spawn(move || {
                    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                        return;
                    };
                    // Request after request on one connection, as a client keeps it alive.
                    loop {
                        let Some(request) = message(&mut client) else {
                            return;
                        };
                        let n = count.fetch_add(1, Ordering::SeqCst);
                        if server.write_all(&request).is_err() {
                            return;
                        }
                        let Some(response) = message(&mut server) else {
                            return;
                        };
                        match n % 4 {
                            // The server did it; the device never hears.
                            1 => return,
                            // Half an answer.
                            2 => {
                                let _ = client.write_all(&response[..response.len() / 2]);
                                return;
                            }
                            _ => {
                                std::thread::sleep(Duration::from_millis(20));
                                if client.write_all(&response).is_err() {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
        });
        Proxy { port, connections }
    }
}

/// One HTTP message (these carry a length, never chunks), or none if the
/// connection ended first.
fn message(from: &mut TcpStream) -> Option<Vec<u8>> {
    let mut m = Vec::new();
    let mut buf = [0u8; 65536];
    while !complete(&m) {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(k) => m.extend_from_slice(&buf[..k]),
        }
    }
    Some(m)
}

/// Whether an HTTP message is all here: its head, and a body as long as it says.
fn complete(r: &[u8]) -> bool {
    let Some(end) = r.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&r[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    r.len() >= end + 4 + length
}

#[test]
fn a_sync_cut_off_anywhere_loses_nothing_and_doubles_nothing() {
    let Some(server) = PgServer::start() else {
        return;
    };
    let port: u16 = server.url.rsplit(':').next().unwrap().parse().unwrap();
    let proxy = Proxy::start(port);
    let (a, b) = (server.device(), server.device());
    // Device a talks through the proxy; it signs in directly first.
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.dir.path().join("sync.json")).unwrap())
            .unwrap();
    c["url"] = format!("http://127.0.0.1:{}", proxy.port).into();
    std::fs::write(a.dir.path().join("sync.json"), c.to_string()).unwrap();
    for i in 0..5 {
        a.ok(&["open", &format!("Case {i}"), "--company", "Acme"]);
        a.ok(&["note", &(i + 1).to_string(), "first"]);
    }
    b.ok(&["open", "From b", "--company", "Acme"]);
    b.ok(&["sync"]);
    let mut failures = 0;
    for _ in 0..40 {
        let out = a.run(&["sync"]);
        if out.status.success() {
            break;
        }
        failures += 1;
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("run `casefile sync` again"), "{err}");
        a.verifies();
    }
    assert!(failures > 0, "the proxy cut some syncs off");
    assert!(proxy.connections.load(Ordering::SeqCst) > 4);
    // Whatever was cut, a holds what the server holds, each entry once.
    b.ok(&["sync"]);
    for _ in 0..40 {
        if a.run(&["sync"]).status.success() && a.json(&["sync", "--status"])["up"] == 0 {
            break;
        }
    }
    let journals = b.journals();
    // Each device named Acme before it heard of the other's: two companies.
    assert_eq!(journals.len(), 8, "five cases, b's case and the companies");
    assert_eq!(a.journals(), journals);
    let entries: usize = journals.iter().map(|(_, e)| e.len()).sum();
    let ids: std::collections::HashSet<&String> = journals
        .iter()
        .flat_map(|(_, e)| e.iter().map(|x| &x.0))
        .collect();
    assert_eq!(ids.len(), entries, "no entry twice");
    a.verifies();
    b.verifies();
}

#[test]
fn a_tampered_device_is_refused_with_the_entry_named() {
    let Some(server) = PgServer::start() else {
        return;
    };
    let d = server.device();
    d.ok(&["open", "Router refund"]);
    d.ok(&["note", "1", "the refund was promised"]);
    let export = d.ok(&["export", "--reveal"]);
    let id = export
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["seq"] == 2)
        .map(|e| e["id"].as_str().unwrap().to_string())
        .unwrap();
    {
        let s = casefile_store_sqlite::SqliteStore::open(&d.db()).unwrap();
        s.execute_for_tests(
            "UPDATE entries SET event = replace(event, 'promised', 'refused') WHERE seq = 2",
        )
        .unwrap();
    }
    let out = d.run(&["sync"]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("altered") && err.contains("nothing of this journal was taken"),
        "{err}"
    );
    assert!(err.contains(&id), "the entry is named: {err}");
    // The server holds nothing of it.
    let other = server.device();
    other.ok(&["sync"]);
    assert_eq!(
        other.json(&["list", "--all"])["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn a_viewer_brings_cases_down_but_sends_nothing_up() {
    let Some(server) = PgServer::start() else {
        return;
    };
    let owner = server.device();
    owner.ok(&["open", "Router refund"]);
    owner.ok(&["sync"]);
    let viewer = Device::new();
    let email = server.member("viewer", "viewer");
    let out = viewer.login_with_password(&server.url, &email);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    viewer.ok(&["sync"]);
    viewer.ok(&["note", "1", "written by a viewer"]);
    let out = viewer.run(&["sync"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("role is viewer") && err.contains("helper"),
        "{err}"
    );
    // What it could bring down, it did; nothing of its own reached the server.
    assert_eq!(
        viewer.json(&["list", "--all"])["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    owner.ok(&["sync"]);
    assert!(!owner.ok(&["timeline", "1"]).contains("written by a viewer"));
    // A device signs in once: its session outlives a browser's by far.
    let kept: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(viewer.dir.path().join("sync.json")).unwrap(),
    )
    .unwrap();
    let token = kept["session"].as_str().unwrap().to_string();
    let database = server.database.clone();
    let live_in = move |days: i64| {
        let mut s = casefile_store_postgres::PgStore::connect(&database).unwrap();
        let at = jiff::Timestamp::now().as_millisecond() + days * 24 * 3600 * 1000;
        casefile_app::accounts::session(&mut s, &token, at)
            .unwrap()
            .is_some()
    };
    assert!(live_in(30) && live_in(80) && !live_in(100));
    // A wrong password is refused, saying so, and nothing is kept.
    let stranger = Device::new();
    let mut child = stranger
        .cmd(&["sync", "login", &server.url, "--email", &email])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "not the password").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused the sign-in"));
    assert!(!stranger.dir.path().join("sync.json").exists());
}

#[test]
fn a_self_signed_server_is_trusted_by_its_fingerprint_and_nothing_else() {
    let home = Device::new();
    home.ok(&["open", "Router refund"]);
    let port = free_port();
    let mut serve = home
        .cmd(&["serve", "--port", &port.to_string(), "--tls-self-signed"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(serve.stdout.take().unwrap());
    let _serve = Kill(serve);
    let (mut link, mut fingerprint) = (String::new(), String::new());
    for _ in 0..10 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        if let Some(l) = line.strip_prefix("casefile is serving at ") {
            link = l.trim().to_string();
        }
        if let Some(f) = line.strip_prefix("Certificate fingerprint (SHA-256): ") {
            fingerprint = f.trim().to_string();
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    assert!(link.starts_with("https://127.0.0.1:"), "{link}");
    let laptop = Device::new();
    // Without the fingerprint: no authority vouches for it; refused, and said how.
    let out = laptop.run(&["sync", "login", &link]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--fingerprint"), "{err}");
    // Another certificate's fingerprint: refused.
    let wrong = "AB:".repeat(31) + "AB";
    let out = laptop.run(&["sync", "login", &link, "--fingerprint", &wrong]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!laptop.dir.path().join("sync.json").exists());
    // The one it printed (the link was not used up by the refusals).
    laptop.ok(&["sync", "login", &link, "--fingerprint", &fingerprint]);
    laptop.ok(&["sync"]);
    assert_eq!(
        laptop.json(&["list", "--all"])["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_copied_file_is_refused_once_both_copies_wrote() {
    let Some(server) = PgServer::start() else {
        return;
    };
    let a = server.device();
    a.ok(&["open", "Router refund"]);
    a.ok(&["sync"]);
    // The whole folder copied: the file, the key and the sign-in.
    let copy = Device::new();
    for name in [
        "casefile.db",
        "casefile.db-wal",
        "config.toml",
        "signing.key",
        "sync.json",
    ] {
        let from = a.dir.path().join(name);
        if from.exists() {
            std::fs::copy(&from, copy.dir.path().join(name)).unwrap();
        }
    }
    a.ok(&["note", "1", "written on the original"]);
    copy.ok(&["note", "1", "written on the copy"]);
    a.ok(&["sync"]);
    let out = copy.run(&["sync"]);
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("this file is a copy of another") && err.contains("case 1"),
        "{err}"
    );
    // The copy keeps what it wrote; the server and the original are untouched.
    assert!(copy.ok(&["timeline", "1"]).contains("written on the copy"));
    copy.verifies();
    let other = server.device();
    other.ok(&["sync"]);
    let t = other.ok(&["timeline", "1"]);
    assert!(
        t.contains("written on the original") && !t.contains("written on the copy"),
        "{t}"
    );
}

#[test]
fn the_web_page_says_a_goal_was_revised_apart() {
    let server = FileServer::start();
    server.home.ok(&["open", "Router refund"]);
    let laptop = server.device();
    laptop.ok(&["sync"]);
    // The phone's web app writes to the served file; the laptop is offline.
    server.home.ok(&[
        "goal",
        "1",
        "--problem",
        "the router fails",
        "--resolution",
        "a refund",
    ]);
    laptop.ok(&[
        "goal",
        "1",
        "--problem",
        "the router fails",
        "--resolution",
        "a replacement",
    ]);
    laptop.ok(&["sync"]);
    let page = server.page("/cases/1");
    let said = common::text_of(&page, "goal-h").unwrap_or_default();
    assert!(
        page.contains("Also revised on another device at the same time"),
        "{said}"
    );
    assert!(page.contains("a replacement") && page.contains("a refund"));
    server.home.verifies();
}
