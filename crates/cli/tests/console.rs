//! The call console in a real terminal (tmux): a call with two transfers, a
//! reference, a promise and an offer; the process is killed mid-call and the
//! journal holds everything entered; reopening resumes the call.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;

struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    /// Starts `command` in a new tmux session of the given size, or None when tmux is missing (outside CI).
    fn start(dir: &Path, command: &str, width: u16, height: u16) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "tmux is required in CI (.ci/run installs it)"
            );
            eprintln!("skipping: tmux is not installed");
            return None;
        }
        // A socket of its own per session: a server still exiting on the
        // previous one would take the new session down with it.
        static SESSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = Tmux {
            socket: dir.join(format!("tmux-{n}.sock")).display().to_string(),
            session: "call".into(),
        };
        let out = Command::new("tmux")
            .args([
                "-S",
                &t.socket,
                "new-session",
                "-d",
                "-s",
                &t.session,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                command,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(t)
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["-S", &self.socket, "send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    fn text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    fn screen(&self, escapes: bool) -> String {
        let mut args = vec![
            "-S",
            &self.socket,
            "capture-pane",
            "-p",
            "-t",
            &self.session,
        ];
        if escapes {
            args.push("-e");
        }
        String::from_utf8_lossy(&Command::new("tmux").args(&args).output().unwrap().stdout)
            .into_owned()
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.screen(false);
            if s.contains(needle) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {needle:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Types an answer to a prompt and waits until it is saved.
    fn enter(&self, key: &str, text: &str, saved: &str) {
        self.keys(&[key]);
        self.wait_for(":");
        self.text(text);
        self.keys(&["Enter"]);
        self.wait_for(saved);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-S", &self.socket, "kill-server"])
            .output();
    }
}

fn casefile(db: &Path, args: &[&str]) -> String {
    let out = Command::new(cargo_bin("casefile"))
        .env("CASEFILE_CONFIG", common::test_config())
        .args(args)
        .env("CASEFILE_DB", db)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn console_command(dir: &Path, db: &Path, extra_env: &str) -> String {
    // The shell writes casefile's pid so the test can kill exactly that process.
    format!(
        "sh -c 'echo $$ > {pid}; CASEFILE_DB={db} CASEFILE_CONFIG={config} TZ=UTC {env} exec {bin} call 1 --via \"800 555 0100\"'; echo EXIT=$?; sleep 60",
        pid = dir.join("pid").display(),
        db = db.display(),
        env = extra_env,
        config = common::test_config().display(),
        bin = cargo_bin("casefile").display()
    )
}

#[test]
fn a_call_survives_being_killed_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("call.db");
    casefile(
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
            "--no-wizard",
        ],
    );
    let Some(tmux) = Tmux::start(dir.path(), &console_command(dir.path(), &db, ""), 80, 24) else {
        return;
    };

    let first = tmux.wait_for("r:rep");
    assert!(first.contains("Call #3 00:00:0"), "{first}");
    assert!(
        first.contains("q:quit"),
        "every key is on screen at 80 columns:\n{first}"
    );
    tmux.enter("r", "Dana Reyes, ext=4471, dept=Billing", "Saved #4.");
    tmux.enter("r", "Marcus Lee, role=supervisor", "Saved #5.");
    tmux.enter("r", "Priya Natarajan", "Saved #6.");
    let screen = tmux.wait_for("Passed along 2 times");
    // The log wraps at the panel's width; join its lines to read it.
    let log: String = screen
        .lines()
        .filter_map(|l| l.strip_prefix('│'))
        .map(|l| l.split('│').next().unwrap_or("").trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        log.contains("Transferred from Marcus Lee to Priya Natarajan"),
        "{log}"
    );
    tmux.enter("c", "CAS-88120", "Saved #7.");
    tmux.enter(
        "p",
        "call me back about the refund, due=in 2 days",
        "Saved #8.",
    );
    tmux.wait_for("A promise was made");
    tmux.keys(&["o"]);
    tmux.wait_for("Offer: what");
    tmux.text("a $25 credit, value=25");
    tmux.keys(&["Enter"]);
    tmux.wait_for("accept, not in full");
    tmux.keys(&["n"]);
    tmux.wait_for("Saved #10.");
    tmux.keys(&["h"]);
    tmux.wait_for("ON HOLD");

    // Kill it mid-call, on hold, with no chance to clean up.
    let pid = std::fs::read_to_string(dir.path().join("pid")).unwrap();
    assert!(
        Command::new("kill")
            .args(["-9", pid.trim()])
            .status()
            .unwrap()
            .success()
    );
    tmux.wait_for("EXIT=137");

    let show: serde_json::Value =
        serde_json::from_str(&casefile(&db, &["--json", "show", "1"])).unwrap();
    let contact = &show["state"]["contacts"][0];
    assert_eq!(contact["reps"].as_array().unwrap().len(), 3);
    assert_eq!(show["costs"]["transfers"], 2);
    assert_eq!(show["state"]["references"][0]["value"], "CAS-88120");
    assert_eq!(show["state"]["promises"][0]["by"], "Priya Natarajan");
    assert_eq!(show["state"]["offers"][0]["answer"], "accepted_not_full");
    assert!(contact["ended"].is_null(), "the call was never ended");
    assert!(
        contact["holds"][0]["end"].is_null(),
        "still on hold when killed"
    );
    assert!(casefile(&db, &["verify"]).starts_with("All "));
    drop(tmux);

    // Reopening offers to resume; end it with an outcome and a rating.
    let Some(tmux) = Tmux::start(dir.path(), &console_command(dir.path(), &db, ""), 80, 24) else {
        return;
    };
    tmux.wait_for("Contact still open");
    tmux.keys(&["x"]);
    tmux.wait_for("How did it end?");
    tmux.text("credit applied, refund pending");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Rate the contact");
    tmux.keys(&["2"]);
    tmux.wait_for("Contact ended");
    tmux.keys(&["q"]);
    let done = tmux.wait_for("EXIT=0");
    assert!(done.contains("Case 1: saved."), "{done}");
    let show: serde_json::Value =
        serde_json::from_str(&casefile(&db, &["--json", "show", "1"])).unwrap();
    let contact = &show["state"]["contacts"][0];
    assert_eq!(contact["outcome"], "credit applied, refund pending");
    assert_eq!(contact["rating"], 2);
    assert!(
        !contact["holds"][0]["end"].is_null(),
        "ending the call ended the hold"
    );
}

#[test]
fn no_color_means_no_colour_and_a_resize_redraws() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("call.db");
    casefile(
        &db,
        &[
            "open",
            "Bill",
            "--problem",
            "My May bill charged roaming twice",
            "--resolution",
            "A credit of $40 by Friday",
            "--fair",
            "yes",
            "--no-wizard",
        ],
    );
    let Some(tmux) = Tmux::start(
        dir.path(),
        &console_command(dir.path(), &db, "NO_COLOR=1"),
        80,
        24,
    ) else {
        return;
    };
    tmux.wait_for("r:rep");
    tmux.enter("r", "Sam", "Saved #4.");
    tmux.keys(&["h"]);
    tmux.wait_for("ON HOLD");
    let raw = tmux.screen(true);
    for colour in [
        "\u{1b}[31m",
        "\u{1b}[33m",
        "\u{1b}[36m",
        "\u{1b}[38;",
        "\u{1b}[93m",
        "\u{1b}[96m",
    ] {
        assert!(
            !raw.contains(colour),
            "colour {colour:?} with NO_COLOR:\n{raw:?}"
        );
    }
    Command::new("tmux")
        .args([
            "-S",
            &tmux.socket,
            "resize-window",
            "-t",
            "call",
            "-x",
            "120",
            "-y",
            "30",
        ])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = tmux.screen(false);
        let widest = s.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        if widest > 100 {
            break;
        }
        assert!(Instant::now() < deadline, "no redraw at 120 columns:\n{s}");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(tmux);

    // With colour allowed, the hold timer is coloured.
    let Some(tmux) = Tmux::start(dir.path(), &console_command(dir.path(), &db, ""), 80, 24) else {
        return;
    };
    tmux.wait_for("Contact still open");
    tmux.keys(&["Enter"]);
    tmux.wait_for("ON HOLD");
    let raw = tmux.screen(true);
    assert!(
        ["\u{1b}[33m", "\u{1b}[38;5;3m", "\u{1b}[1;33m"]
            .iter()
            .any(|c| raw.contains(c)),
        "{raw:?}"
    );
}

/// In the console, mid-call: the number to read out shows (m hides it and
/// shows it again), and a new person gets the words to start over with.
#[test]
fn mid_call_the_console_shows_the_number_and_starts_over_with_a_new_person() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("call.db");
    casefile(
        &db,
        &[
            "open",
            "Outage",
            "--company",
            "Acme",
            "--problem",
            "my internet has been down since Monday",
            "--resolution",
            "restore service",
            "--fair",
            "yes",
            "--sensitive-id",
            "Member=88123456",
            "--no-wizard",
        ],
    );
    let Some(tmux) = Tmux::start(dir.path(), &console_command(dir.path(), &db, ""), 120, 40) else {
        return;
    };
    tmux.wait_for("r:rep");
    tmux.enter("r", "Dana Reyes, dept=Billing", "Saved #");
    let screen = tmux.wait_for("88123456");
    assert!(
        screen.contains("number is 88123456") && screen.contains("Member: 88123456"),
        "the number, said and readable:\n{screen}"
    );
    tmux.keys(&["m"]);
    let hidden = tmux.wait_for("Numbers hidden");
    assert!(!hidden.contains("88123456"), "{hidden}");
    tmux.keys(&["m"]);
    tmux.wait_for("88123456");
    tmux.enter("c", "CAS-77", "Saved #");
    tmux.enter("r", "Marcus Lee, dept=Retention", "Saved #");
    let restart = tmux.wait_for("new to this");
    assert!(
        restart.contains("who gave me case number CAS-77"),
        "the new person hears what the call gave so far:\n{restart}"
    );
    tmux.keys(&["q"]);
}
