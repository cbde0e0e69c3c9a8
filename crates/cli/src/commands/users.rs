//! `casefile users`: who may sign in to a server, in which workspace, in what role.

use std::io::{BufRead, IsTerminal};

use casefile_app::accounts::{self, Role};
use casefile_app::{Layer, Settings};
use casefile_store_postgres::PgStore;
use serde_json::json;

use crate::cli::UsersCommand;
use crate::render::table;
use casefile_app::error::{Error, Exit, Result};

use super::views::print_json;

/// The settings with a `--database` flag on top.
pub fn with_database(settings: Settings, database: &Option<String>) -> Result<Settings> {
    settings
        .with_flags(Layer {
            database: database.clone(),
            ..Layer::default()
        })
        .map_err(crate::ctx::settings_error)
}

/// Where a self-signed certificate is kept: beside the journal's file.
pub fn tls_dir(settings: &Settings) -> Result<std::path::PathBuf> {
    let db = crate::ctx::db_path(settings)?;
    Ok(db
        .parent()
        .map_or_else(|| std::path::PathBuf::from("tls"), |d| d.join("tls")))
}

/// The server's database, which accounts need.
fn server(settings: &Settings) -> Result<PgStore> {
    let url = settings.database.as_deref().ok_or_else(|| {
        Error::invalid("accounts live on a server's PostgreSQL database, and none is set")
            .hint("give --database postgres://USER@HOST/NAME, or set CASEFILE_DATABASE")
    })?;
    PgStore::connect(url).map_err(|e| match e {
        casefile_store::StoreError::Engine(m) => Error::new(Exit::Database, m)
            .hint("check the URL and that the PostgreSQL server is running"),
        other => Error::from(other),
    })
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub fn run(settings: Settings, cmd: &UsersCommand, json: bool) -> Result<()> {
    match cmd {
        UsersCommand::Add(a) => {
            let role = Role::parse(&a.role).ok_or_else(|| {
                Error::invalid(format!("{:?} is not a role", a.role)).hint(
                    "use owner (manages members), helper (reads and writes) or viewer (reads)",
                )
            })?;
            let settings = with_database(settings, &a.database)?;
            let password = if a.invite {
                None
            } else {
                Some(read_password()?)
            };
            let mut store = server(&settings)?;
            let added = accounts::add_member(
                &mut store,
                &a.email,
                &a.workspace,
                role,
                password.as_deref(),
                now_ms(),
            )?;
            let base = a
                .link_base
                .clone()
                .unwrap_or_else(|| "http://localhost:8484".into());
            let link = added
                .link
                .map(|t| format!("{}/pair/{t}", base.trim_end_matches('/')));
            if json {
                return print_json(&json!({
                    "email": a.email.trim().to_lowercase(),
                    "workspace": a.workspace.trim(),
                    "role": role.as_str(),
                    "link": link,
                }));
            }
            let article = if role == Role::Owner { "an" } else { "a" };
            println!(
                "{} is {article} {} of the workspace {}.",
                a.email.trim().to_lowercase(),
                role.as_str(),
                a.workspace.trim()
            );
            if let Some(link) = link {
                println!(
                    "Send them this link; it works once, within a day, and lets them choose a password:\n  {link}"
                );
            }
            Ok(())
        }
        UsersCommand::List(a) => {
            let settings = with_database(settings, &a.database)?;
            let mut store = server(&settings)?;
            let ws = match &a.workspace {
                Some(name) => {
                    Some(store.workspace_named(name.trim(), false)?.ok_or_else(|| {
                        Error::new(
                            Exit::NotFound,
                            format!("there is no workspace named {name:?}"),
                        )
                        .hint("`casefile users list` shows every workspace")
                    })?)
                }
                None => None,
            };
            let members = store.members(ws, now_ms())?;
            if json {
                let rows: Vec<_> = members
                    .iter()
                    .map(|m| {
                        json!({"workspace": m.workspace, "email": m.email, "role": m.role, "sessions": m.sessions})
                    })
                    .collect();
                return print_json(&rows);
            }
            if members.is_empty() {
                println!(
                    "No members yet. Add one with `casefile users add EMAIL --workspace NAME --role owner`."
                );
                return Ok(());
            }
            let rows: Vec<Vec<String>> = members
                .iter()
                .map(|m| {
                    vec![
                        m.workspace.clone(),
                        m.email.clone(),
                        m.role.clone(),
                        m.sessions.to_string(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["WORKSPACE", "EMAIL", "ROLE", "SESSIONS"], &rows)
            );
            Ok(())
        }
        UsersCommand::Remove(a) => {
            let settings = with_database(settings, &a.database)?;
            let mut store = server(&settings)?;
            let email = accounts::normal_email(&a.email)?;
            let ws = store
                .workspace_named(a.workspace.trim(), false)?
                .ok_or_else(|| {
                    Error::new(
                        Exit::NotFound,
                        format!("there is no workspace named {:?}", a.workspace),
                    )
                })?;
            if !store.remove_member(ws, &email)? {
                return Err(Error::new(
                    Exit::NotFound,
                    format!("{email} is not a member of {}", a.workspace.trim()),
                )
                .hint("`casefile users list` shows the members"));
            }
            if json {
                return print_json(&json!({"removed": email, "workspace": a.workspace.trim()}));
            }
            println!(
                "{email} is no longer a member of {}; their sessions there have ended.",
                a.workspace.trim()
            );
            Ok(())
        }
    }
}

/// The new password, from standard input (one line). Typed at a terminal it
/// would show on the screen, so there it is refused with the ways that do not.
fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        return Err(Error::invalid("the password is read from standard input, not typed here")
            .hint("pipe it in (printf '%s\\n' 'a long passphrase' | casefile users add ...), or use --invite to send a link"));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::invalid(format!("the password could not be read: {e}")))?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    accounts::check_new_password(&p)?;
    Ok(p)
}
