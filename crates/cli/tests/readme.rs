//! The README must stay true: its walkthrough runs as written, and its first
//! command (the wizard) works on a real terminal.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;

fn readme() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
        .unwrap()
}

/// The `casefile ...` commands in the walkthrough's code blocks, continuation lines joined.
fn walkthrough_commands() -> Vec<String> {
    let text = readme();
    let start = text
        .find("## A dispute in five minutes")
        .expect("walkthrough section");
    // Up to the next section: only the walkthrough's commands are run.
    let end = text[start + 1..]
        .find("\n## ")
        .map_or(text.len(), |e| start + 1 + e);
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut current = String::new();
    for line in text[start..end].lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        // Drop a trailing comment: two or more spaces, then `#`.
        let line = match line.find("  #") {
            Some(i) if !line[..i].trim().is_empty() => line[..i].trim_end(),
            _ => line.trim_end(),
        };
        let (body, more) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        current.push_str(body.trim_start());
        current.push(' ');
        if !more {
            let cmd = current.trim().to_string();
            if cmd.starts_with("casefile ") || cmd.starts_with("export ") {
                commands.push(cmd);
            }
            current.clear();
        }
    }
    commands
}

#[test]
fn the_walkthrough_runs_as_written() {
    let commands = walkthrough_commands();
    assert!(commands.len() >= 12, "{commands:#?}");
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = cargo_bin("casefile").parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The reader's own file, with a case of their own already in it: the tour
    // must keep to its own file and leave this one as it was.
    let own = dir.path().join("own.db");
    let mine = Command::new(cargo_bin("casefile"))
        .env("CASEFILE_CONFIG", common::test_config())
        .args(["open", "My own case", "--no-wizard"])
        .env("CASEFILE_DB", &own)
        .output()
        .unwrap();
    assert!(mine.status.success());
    // Each command runs in a fresh shell, after the tour's exports so far.
    let exports: Vec<&String> = commands
        .iter()
        .filter(|c| c.starts_with("export "))
        .collect();
    assert!(!exports.is_empty(), "the tour names its own file");
    let mut exported = String::new();
    for cmd in &commands {
        if cmd.starts_with("export ") {
            exported.push_str(cmd);
            exported.push_str("; ");
            continue;
        }
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("{exported}{cmd}"))
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("CASEFILE_DB", &own)
            .env("CASEFILE_CONFIG", dir.path().join("none.toml"))
            .env("TZ", "America/New_York")
            .env_remove("CASEFILE_NOW")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "README command failed: {cmd}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The reader's own file is as it was: one case, untouched.
    let theirs = Command::new(cargo_bin("casefile"))
        .env("CASEFILE_CONFIG", common::test_config())
        .args(["list", "--json"])
        .env("CASEFILE_DB", &own)
        .output()
        .unwrap();
    let theirs: serde_json::Value = serde_json::from_slice(&theirs.stdout).unwrap();
    assert_eq!(
        theirs.to_string().matches("My own case").count(),
        1,
        "{theirs}"
    );
    assert!(!theirs.to_string().contains("Router"), "{theirs}");
    let tour = dir.path().join("casefile-tour.db");
    // And it tells the story the README says it does.
    let show = Command::new(cargo_bin("casefile"))
        .env("CASEFILE_CONFIG", common::test_config())
        .args(["show", "1"])
        .env("CASEFILE_DB", &tour)
        .output()
        .unwrap();
    let show = String::from_utf8(show.stdout).unwrap();
    assert!(
        show.contains("resolved")
            && show.contains("BROKEN")
            && show.contains("(transfer) Marcus Leigh")
            && show.contains("Marcus Leigh: call me back")
            && !show.contains("Marcus Lee"),
        "{show}"
    );
    // The correction is shown, and the record keeps both.
    assert!(show.contains("[amended by #"), "{show}");
    // The words for the next call use the corrected name too.
    let brief = Command::new(cargo_bin("casefile"))
        .env("CASEFILE_CONFIG", common::test_config())
        .args(["brief", "1"])
        .env("CASEFILE_DB", &tour)
        .output()
        .unwrap();
    let brief = String::from_utf8(brief.stdout).unwrap();
    assert!(
        brief.contains("Marcus Leigh") && !brief.contains("Marcus Lee"),
        "{brief}"
    );
}

fn tmux(args: &[&str]) -> std::process::Output {
    Command::new("tmux").args(args).output().expect("tmux")
}

#[test]
fn the_wizard_works_on_a_real_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "tmux is required in CI (.ci/run installs it)"
        );
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tty.db");
    let session = format!("casefile-wizard-{}", std::process::id());
    let socket = dir.path().join("tmux.sock");
    let sock = socket.to_str().unwrap();
    let command = format!(
        "CASEFILE_DB={} CASEFILE_CONFIG={} TZ=UTC {} open; echo EXIT=$?; sleep 30",
        db.display(),
        common::test_config().display(),
        cargo_bin("casefile").display()
    );
    let started = tmux(&[
        "-S",
        sock,
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let screen = || {
        String::from_utf8_lossy(&tmux(&["-S", sock, "capture-pane", "-p", "-t", &session]).stdout)
            .into_owned()
    };
    let wait_for = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {needle:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let answer = |prompt: &str, text: &str| {
        wait_for(prompt);
        let mut keys = vec!["-S", sock, "send-keys", "-t", session.as_str()];
        if !text.is_empty() {
            keys.push("-l");
            keys.push(text);
        }
        assert!(tmux(&keys).status.success());
        assert!(
            tmux(&["-S", sock, "send-keys", "-t", &session, "Enter"])
                .status
                .success()
        );
    };
    answer("Short title", "Washer repair");
    answer("Company:", "Spinwell");
    answer("What is wrong", "The washer leaks from the door seal");
    answer(
        "What exactly do you want",
        "A free repair under warranty within 14 days",
    );
    answer("Another outcome", "");
    answer("stay in business", "yes");
    for prompt in [
        "When did you get it",
        "When did the problem begin",
        "What is happening now",
        "What did you expect",
        "What have you already tried",
    ] {
        answer(prompt, "");
    }
    answer("An identifier", "");
    let done = wait_for("EXIT=");
    tmux(&["-S", sock, "kill-server"]);
    assert!(
        done.contains("Opened case 1: Washer repair") && done.contains("EXIT=0"),
        "{done}"
    );
    let show = Command::new(cargo_bin("casefile"))
        .env("CASEFILE_CONFIG", common::test_config())
        .args(["show", "1"])
        .env("CASEFILE_DB", &db)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&show.stdout)
            .contains("A free repair under warranty within 14 days")
    );
}
