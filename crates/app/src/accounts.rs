//! Accounts for a server: who may sign in, to which workspace, in what role;
//! passwords (argon2id), session and one-time link tokens (random, stored
//! only as hashes), and how failed logins are slowed. The rows live in the
//! PostgreSQL engine; the rules live here, for every face.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use casefile_store_postgres::{PgStore, SessionOf};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Exit, Result};

/// What a member may do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads and writes cases, and manages the members.
    Owner,
    /// Reads and writes cases.
    Helper,
    /// Reads cases.
    Viewer,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Some(Role::Owner),
            "helper" => Some(Role::Helper),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Helper => "helper",
            Role::Viewer => "viewer",
        }
    }

    pub fn can_write(self) -> bool {
        self != Role::Viewer
    }
}

/// How long a session lives after login.
pub const SESSION_MS: i64 = 12 * 60 * 60 * 1000;

/// How long a device that syncs stays signed in (`casefile sync login`): it
/// signs in once, not every morning. Sign-out or removal ends it sooner.
pub const DEVICE_SESSION_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// How long a session lasts: a browser's, or a syncing device's.
pub fn session_ms(device: bool) -> i64 {
    if device {
        DEVICE_SESSION_MS
    } else {
        SESSION_MS
    }
}
/// How long a one-time link stays usable.
pub const LINK_MS: i64 = 24 * 60 * 60 * 1000;
/// Failures allowed before each further one locks the account for longer.
const FREE_FAILURES: i32 = 4;
/// The longest lock after failed logins.
const MAX_LOCK_MS: i64 = 15 * 60 * 1000;

/// A fresh secret: 32 random bytes from the OS, as hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database keeps of a token: its SHA-256. A leaked table opens nothing.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The CSRF token of a session: derived from its secret, so it needs no row
/// and changes whenever the session does.
pub fn csrf_of(session_token: &str) -> String {
    hex::encode(Sha256::digest(format!("csrf:{session_token}").as_bytes()))
}

/// A password's argon2id hash, as a PHC string with its own salt.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            Error::new(
                Exit::Internal,
                format!("the password could not be hashed: {e}"),
            )
        })
}

/// Whether `password` is the one `phc` was made from. An empty or unreadable
/// hash matches nothing.
pub fn password_matches(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to check against when there is no account, so a wrong email takes
/// as long as a wrong password and does not tell which accounts exist.
fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never used").unwrap_or_default())
}

/// A password a person chose: refused if too short to resist guessing.
pub fn check_new_password(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < 10 {
        return Err(Error::invalid(format!(
            "the password has {n} characters; it needs at least 10"
        ))
        .hint("a few unrelated words make a long password that is easy to remember"));
    }
    if n > 1024 {
        return Err(Error::invalid(
            "the password is longer than 1024 characters",
        ));
    }
    Ok(())
}

/// An email as accounts are keyed: trimmed and lower case, with one @.
pub fn normal_email(email: &str) -> Result<String> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split('@').count() == 2
        && e.split('@').all(|p| !p.is_empty())
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(e)
    } else {
        Err(Error::invalid(format!("{email:?} is not an email address"))
            .hint("write it as name@example.org"))
    }
}

/// A new session for an account in a workspace: its secret (for the cookie)
/// and when it ends.
pub struct NewSession {
    pub token: String,
    pub expires_ms: i64,
    pub workspace: Uuid,
}

/// Why a login was refused. The words never say whether the account exists.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginRefused {
    Wrong,
    /// Too many failures: try again after this many seconds.
    Locked {
        seconds: i64,
    },
    /// The account belongs to no workspace (or not to the one asked for).
    NoWorkspace,
}

impl LoginRefused {
    pub fn message(&self) -> String {
        match self {
            LoginRefused::Wrong => "That email and password do not match an account.".into(),
            LoginRefused::Locked { seconds } => format!(
                "Too many failed attempts for this account. Try again in {} {}.",
                (*seconds).max(1),
                if *seconds == 1 { "second" } else { "seconds" }
            ),
            LoginRefused::NoWorkspace => {
                "This account is not a member of that workspace. Ask its owner to add you.".into()
            }
        }
    }
}

/// Checks an email and password; on success, rotates: a new session with a
/// new secret, whatever the browser held before.
pub fn login(
    store: &mut PgStore,
    email: &str,
    password: &str,
    workspace: Option<&str>,
    now_ms: i64,
    device: bool,
) -> Result<std::result::Result<NewSession, LoginRefused>> {
    let Ok(email) = normal_email(email) else {
        password_matches(decoy(), password);
        return Ok(Err(LoginRefused::Wrong));
    };
    let Some(account) = store.account(&email)? else {
        password_matches(decoy(), password);
        return Ok(Err(LoginRefused::Wrong));
    };
    if account.locked_until_ms > now_ms {
        return Ok(Err(LoginRefused::Locked {
            seconds: (account.locked_until_ms - now_ms + 999) / 1000,
        }));
    }
    if !password_matches(&account.password, password) {
        let failed = account.failed + 1;
        let lock = if failed > FREE_FAILURES {
            (1000i64 << (failed - FREE_FAILURES).min(20)).min(MAX_LOCK_MS)
        } else {
            0
        };
        store.login_failed(account.id, if lock > 0 { now_ms + lock } else { 0 })?;
        return Ok(Err(LoginRefused::Wrong));
    }
    store.login_succeeded(account.id)?;
    let memberships = store.memberships(account.id)?;
    let chosen = match workspace.map(str::trim).filter(|w| !w.is_empty()) {
        Some(name) => memberships.iter().find(|(_, n, _)| n == name),
        None => memberships.first(),
    };
    let Some((ws, _, _)) = chosen else {
        return Ok(Err(LoginRefused::NoWorkspace));
    };
    Ok(Ok(start_session(store, account.id, *ws, now_ms, device)?))
}

/// A session for an account already proven (by password or one-time link).
pub fn start_session(
    store: &mut PgStore,
    account: Uuid,
    workspace: Uuid,
    now_ms: i64,
    device: bool,
) -> Result<NewSession> {
    let token = new_token();
    let expires_ms = now_ms + session_ms(device);
    store.create_session(&token_hash(&token), account, workspace, now_ms, expires_ms)?;
    Ok(NewSession {
        token,
        expires_ms,
        workspace,
    })
}

/// Who holds this session secret, if it is live and they are still a member.
pub fn session(store: &mut PgStore, token: &str, now_ms: i64) -> Result<Option<(SessionOf, Role)>> {
    Ok(store
        .session(&token_hash(token), now_ms)?
        .and_then(|s| Role::parse(&s.role).map(|r| (s, r))))
}

/// Makes a one-time link's secret for an account in a workspace.
pub fn new_link(
    store: &mut PgStore,
    account: Uuid,
    workspace: Uuid,
    now_ms: i64,
) -> Result<String> {
    let token = new_token();
    store.create_pairing(&token_hash(&token), account, workspace, now_ms + LINK_MS)?;
    Ok(token)
}

/// What adding a member did.
pub struct Added {
    pub account: Uuid,
    pub workspace: Uuid,
    /// A one-time link's secret, when the member has no password yet.
    pub link: Option<String>,
}

/// Adds (or changes the role of) a member: the account is made if new, with
/// the password given, or else a one-time link to choose one.
pub fn add_member(
    store: &mut PgStore,
    email: &str,
    workspace: &str,
    role: Role,
    password: Option<&str>,
    now_ms: i64,
) -> Result<Added> {
    let email = normal_email(email)?;
    if let Some(p) = password {
        check_new_password(p)?;
    }
    let phc = password.map(hash_password).transpose()?;
    let ws = store
        .workspace_named(workspace.trim(), true)?
        .ok_or_else(|| {
            Error::new(
                Exit::Database,
                format!("the workspace {workspace:?} could not be made"),
            )
        })?;
    let account = store.put_account(&email, phc.as_deref(), now_ms)?;
    store.put_member(ws, account, role.as_str(), now_ms)?;
    let needs_link = store.account(&email)?.is_none_or(|a| a.password.is_empty());
    let link = if needs_link {
        Some(new_link(store, account, ws, now_ms)?)
    } else {
        None
    };
    Ok(Added {
        account,
        workspace: ws,
        link,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_only_itself_and_its_hash_is_salted() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(password_matches(&a, "correct horse battery"));
        assert!(!password_matches(&a, "correct horse batterY"));
        assert!(!password_matches("", "anything"));
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_hashes() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(csrf_of(&a), csrf_of(&b));
    }

    #[test]
    fn emails_and_passwords_are_checked_by_name() {
        assert_eq!(
            normal_email(" Ana@Example.ORG ").unwrap(),
            "ana@example.org"
        );
        for bad in ["ana", "@x", "a@", "a b@x.org", "a@b@c"] {
            assert!(normal_email(bad).is_err(), "{bad}");
        }
        assert!(
            check_new_password("short")
                .unwrap_err()
                .message
                .contains("at least 10")
        );
        assert!(check_new_password("four unrelated words").is_ok());
        assert_eq!(Role::parse("Helper"), Some(Role::Helper));
        assert_eq!(Role::parse("admin"), None);
        assert!(!Role::Viewer.can_write() && Role::Helper.can_write());
    }
}
