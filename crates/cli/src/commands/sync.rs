//! `casefile sync`: sign in to a server once, then send up what this device
//! wrote and bring down what others wrote.

use std::io::{BufRead, IsTerminal};

use casefile_app::Settings;
use casefile_app::ctx::Ctx;
use casefile_app::error::{Error, Result};
use casefile_app::sync::{self, Login};
use casefile_core::StreamKind;
use serde_json::json;

use crate::cli::{SyncArgs, SyncCommand};
use crate::json::print_json;

/// Signing in and out: no database needed.
pub fn account(settings: &Settings, c: &SyncCommand, json: bool) -> Result<()> {
    match c {
        SyncCommand::Login {
            url,
            email,
            workspace,
            fingerprint,
        } => {
            let how = match email {
                Some(email) => Login::Password {
                    email: email.clone(),
                    password: read_password()?,
                    workspace: workspace.clone(),
                },
                None => Login::Link,
            };
            let c = sync::login(url, how, fingerprint.clone())?;
            let path = sync::save_credential(settings, &c)?;
            if json {
                return print_json(&json!({
                    "server": c.url,
                    "workspace": c.workspace,
                    "account": c.account,
                    "kept_in": path,
                }));
            }
            println!("Signed in to {}.", c.url);
            println!(
                "The session is kept in {} (readable by you only).",
                path.display()
            );
            println!("Next: casefile sync");
            Ok(())
        }
        SyncCommand::Logout => {
            let was = sync::forget_credential(settings)?;
            if json {
                return print_json(&json!({ "signed_out": was }));
            }
            if was {
                println!(
                    "Signed out: this device no longer syncs. Everything recorded here stays here."
                );
            } else {
                println!("This device was not signed in to a server.");
            }
            Ok(())
        }
    }
}

/// The password, from standard input (one line): typed at a terminal it
/// would show on the screen.
fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        return Err(
            Error::invalid("the password is read from standard input, not typed here")
                .hint("pipe it in (casefile sync login URL --email you@example.org < password.txt), or sign in with a one-time link from the server"),
        );
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::invalid(format!("the password could not be read: {e}")))?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        return Err(
            Error::invalid("the password read from standard input is empty")
                .hint("give one line with the password"),
        );
    }
    Ok(p)
}

fn journal_name(kind: Option<StreamKind>, handle: Option<u64>) -> String {
    match (kind, handle) {
        (Some(StreamKind::Case), Some(h)) => format!("case {h}"),
        (Some(StreamKind::Company), Some(h)) => format!("company {h}"),
        (Some(StreamKind::Case), None) => "a case new to this device".into(),
        (Some(StreamKind::Company), None) => "a company new to this device".into(),
        (None, _) => "a journal new to this device".into(),
    }
}

fn entries(n: u64) -> String {
    if n == 1 {
        "1 entry".into()
    } else {
        format!("{n} entries")
    }
}

pub fn run(ctx: &mut Ctx, a: SyncArgs) -> Result<()> {
    if a.status {
        let s = sync::status(ctx)?;
        if ctx.json {
            return print_json(&s);
        }
        println!("Server: {}", s.server);
        match s.last_sync {
            Some(t) => println!("Last synced: {}", casefile_core::text::when(t, &ctx.tz)),
            None => println!("Not synced yet."),
        }
        if let Some(p) = &s.problem {
            println!("The server cannot be asked what waits there: {p}");
        }
        if s.journals.is_empty() {
            println!("Nothing waits: this device and the server hold the same.");
            return Ok(());
        }
        println!(
            "Waiting to go up: {}. Waiting to come down: {}.",
            entries(s.up),
            if s.reachable {
                entries(s.down)
            } else {
                "unknown".into()
            }
        );
        for j in &s.journals {
            let mut parts = Vec::new();
            if j.up > 0 {
                parts.push(format!("{} to go up", entries(j.up)));
            }
            if j.down > 0 {
                parts.push(format!("{} to come down", entries(j.down)));
            }
            println!("  {}: {}", journal_name(j.kind, j.handle), parts.join(", "));
        }
        println!("Run `casefile sync` to send and bring them.");
        return Ok(());
    }
    let bar = super::admin::entries_bar(ctx, "Syncing");
    let done = sync::run(ctx, &mut |moved, total| {
        bar.set_length(total);
        bar.set_position(moved);
    });
    bar.finish_and_clear();
    let done = done?;
    if ctx.json {
        return print_json(&done);
    }
    let r = &done.report;
    if r.pulled == 0 && r.pushed == 0 {
        println!("Up to date with {}: nothing to send or bring.", done.server);
        return Ok(());
    }
    println!(
        "Synced with {}: {} sent, {} brought down{}.",
        done.server,
        entries(r.pushed),
        entries(r.pulled),
        match r.new_journals {
            0 => String::new(),
            1 => " (1 journal new here)".into(),
            n => format!(" ({n} journals new here)"),
        }
    );
    if r.moved > 0 {
        println!(
            "Another device wrote to the same case while this one was offline: both are kept, and the views show them in the order the server received them."
        );
    }
    Ok(())
}
