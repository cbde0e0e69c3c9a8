//! Who may come in. On one person's own file: one-time links, each exchanged
//! for a session and then dead. On a server: accounts with passwords, a
//! session per sign-in (a new secret each time, stored only as a hash),
//! sign-out, and failed sign-ins slowed per account and per address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::Extension;
use axum::body::Body;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use casefile_app::accounts::{self, LoginRefused, Role};
use casefile_app::error::{Error, Exit, Result};
use casefile_store_postgres::PgStore;

use crate::{App, COOKIE, Caller};

/// Where to listen, with TLS or not, and whether plain HTTP off this
/// machine was asked for.
pub struct Listen {
    pub bind: String,
    pub port: u16,
    pub allow_plain_http: bool,
    pub tls: crate::tls::Tls,
}

impl Listen {
    pub fn is_loopback(&self) -> bool {
        self.bind == "localhost" || self.bind.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The address, refused off loopback unless plain HTTP was forced.
    pub fn address(&self) -> Result<SocketAddr> {
        let bind = if self.bind == "localhost" {
            "127.0.0.1"
        } else {
            &self.bind
        };
        let addr: SocketAddr = format!("{bind}:{}", self.port)
            .parse()
            .or_else(|_| format!("[{bind}]:{}", self.port).parse())
            .map_err(|_| {
                Error::invalid(format!("{:?} is not an address to listen on", self.bind))
                    .hint("give an IP address, e.g. --bind 127.0.0.1 or --bind 0.0.0.0")
            })?;
        if !self.is_loopback() && !self.tls.is_on() && !self.allow_plain_http {
            return Err(Error::invalid(format!(
                "on {bind} other machines can connect, and over plain HTTP they would send passwords and cookies readable"
            ))
            .hint("add --tls-self-signed (or --tls-cert FILE --tls-key FILE); or put a TLS proxy in front and bind 127.0.0.1; or, on a network you trust, --allow-plain-http"));
        }
        Ok(addr)
    }

    /// An address another device can open: for 0.0.0.0, this machine's
    /// address on its network.
    pub fn shown_address(&self, local: SocketAddr) -> String {
        if local.ip().is_unspecified()
            && let Some(ip) = outward_ip()
        {
            return SocketAddr::new(ip, local.port()).to_string();
        }
        local.to_string()
    }
}

/// This machine's address on the network a default route leaves by. A UDP
/// "connect" sends nothing; it only picks the interface.
pub fn outward_ip() -> Option<IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    s.local_addr()
        .ok()
        .map(|a| a.ip())
        .filter(|ip| !ip.is_unspecified())
}

/// The sessions of one person's own server. They are kept in a file beside
/// the casefile (hashes only, readable by its owner only), so a phone stays
/// signed in when the server restarts and what it kept offline can land.
#[derive(Default)]
pub struct Local {
    /// One-time links not used yet: hash → expiry (ms).
    links: Mutex<HashMap<String, i64>>,
    /// Live sessions: hash → expiry (ms).
    sessions: Mutex<HashMap<String, i64>>,
    file: Option<std::path::PathBuf>,
}

impl Local {
    /// Sessions kept in `file`, with those still live read back from it.
    pub fn kept_in(file: std::path::PathBuf) -> Local {
        let now = now_ms();
        let sessions = std::fs::read_to_string(&file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let (hash, exp) = l.split_once(' ')?;
                let exp: i64 = exp.trim().parse().ok()?;
                (exp > now && hash.len() == 64).then(|| (hash.to_string(), exp))
            })
            .collect();
        Local {
            sessions: Mutex::new(sessions),
            file: Some(file),
            ..Local::default()
        }
    }

    pub fn add_link(&self, token: &str) {
        if let Ok(mut l) = self.links.lock() {
            l.insert(accounts::token_hash(token), now_ms() + accounts::LINK_MS);
        }
    }

    fn start(&self, hash: String, exp: i64) {
        if let Ok(mut s) = self.sessions.lock() {
            s.insert(hash, exp);
            self.keep(&s);
        }
    }

    fn end(&self, hash: &str) {
        if let Ok(mut s) = self.sessions.lock() {
            s.remove(hash);
            self.keep(&s);
        }
    }

    /// Writes the live sessions whole, to a new file renamed over the old,
    /// so a crash leaves one or the other. A session that cannot be kept
    /// still works until the server stops.
    fn keep(&self, sessions: &HashMap<String, i64>) {
        let Some(file) = &self.file else { return };
        let now = now_ms();
        let text: String = sessions
            .iter()
            .filter(|(_, exp)| **exp > now)
            .map(|(h, exp)| format!("{h} {exp}\n"))
            .collect();
        let mut tmp = file.clone().into_os_string();
        tmp.push(".new");
        let tmp = std::path::PathBuf::from(tmp);
        let written = (|| -> std::io::Result<()> {
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            std::io::Write::write_all(&mut o.open(&tmp)?, text.as_bytes())?;
            std::fs::rename(&tmp, file)
        })();
        if let Err(e) = written {
            eprintln!(
                "casefile: could not keep the sign-ins in {}: {e}; a restart will ask for a new link",
                file.display()
            );
        }
    }
}

pub enum Access {
    Local(Local),
    /// A PostgreSQL server's accounts, with connections kept for their lookups.
    Accounts(Accounts),
}

/// A server's accounts, looked up on connections of their own.
pub type Accounts = crate::pool::Pool<PgStore>;

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl Access {
    pub fn server(url: &str) -> Result<Access> {
        let url = url.to_string();
        let a = Accounts::new(
            crate::pool_size(),
            move || {
                PgStore::connect(&url).map_err(|e| match e {
                    casefile_store::StoreError::Engine(m) => Error::new(Exit::Database, m),
                    other => Error::from(other),
                })
            },
            casefile_store::Store::is_usable,
        );
        // Fail at start, not at the first request, if the server is unreachable.
        a.with(|_| Ok(()))?;
        Ok(Access::Accounts(a))
    }

    /// Who holds this session secret, if anyone.
    pub fn caller(&self, settings: &casefile_app::Settings, token: &str) -> Result<Option<Caller>> {
        match self {
            Access::Local(l) => {
                let live = l
                    .sessions
                    .lock()
                    .ok()
                    .and_then(|s| s.get(&accounts::token_hash(token)).copied())
                    .is_some_and(|exp| exp > now_ms());
                Ok(live.then(|| Caller {
                    user: settings.author.clone(),
                    role: Role::Owner,
                    workspace: None,
                    who: None,
                    csrf: accounts::csrf_of(token),
                    session: token.to_string(),
                }))
            }
            Access::Accounts(a) => a.with(|s| {
                Ok(
                    accounts::session(s, token, now_ms())?.map(|(of, role)| Caller {
                        who: Some(format!(
                            "{} · {} ({})",
                            of.email,
                            of.workspace_name,
                            role.as_str()
                        )),
                        user: of.email,
                        role,
                        workspace: Some(of.workspace),
                        csrf: accounts::csrf_of(token),
                        session: token.to_string(),
                    }),
                )
            }),
        }
    }
}

/// The session cookie: out of scripts' reach, never sent by another site,
/// and over TLS only when the server has it.
fn cookie(app: &App, token: &str, max_age_s: i64) -> String {
    let secure = if app.secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}{secure}")
}

fn redirect(to: &str, set_cookie: Option<String>) -> Response {
    let mut b = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to);
    if let Some(c) = set_cookie {
        b = b.header(header::SET_COOKIE, c);
    }
    b.body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

type Fields = HashMap<String, String>;

pub async fn login_form(State(app): State<App>) -> Response {
    match *app.access {
        Access::Accounts(_) => app.render("login.html", minijinja::Value::UNDEFINED),
        Access::Local(_) => app.error(
            StatusCode::UNAUTHORIZED,
            "This casefile has no accounts: it opens with a one-time link.",
            Some("Open the link `casefile serve` printed; restart it for a new one."),
        ),
    }
}

/// Failed sign-ins from one address in the last ten minutes before it waits.
const ADDRESS_FAILURES: usize = 20;
const ADDRESS_WINDOW_MS: i64 = 10 * 60 * 1000;

pub async fn login(
    State(app): State<App>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<Fields>,
) -> Response {
    if matches!(*app.access, Access::Local(_)) {
        return login_form(State(app)).await;
    }
    let ip = peer.map(|p| p.0.0.ip());
    let now = now_ms();
    if let Some(ip) = ip
        && let Ok(mut t) = app.throttle.lock()
    {
        // Addresses with no recent failure are forgotten, so the map stays small.
        if t.len() > 10_000 {
            t.retain(|_, v| v.iter().any(|at| now - at < ADDRESS_WINDOW_MS));
        }
        let recent = t.entry(ip).or_default();
        recent.retain(|at| now - at < ADDRESS_WINDOW_MS);
        if recent.len() >= ADDRESS_FAILURES {
            let wait = (recent[0] + ADDRESS_WINDOW_MS - now) / 1000 + 1;
            return app.error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Too many failed sign-ins from this address. Try again in {wait} seconds."
                ),
                None,
            );
        }
    }
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let (email, password, workspace) = (get("email"), get("password"), get("workspace"));
    // A device signing in to sync (`casefile sync login`) stays signed in longer.
    let device = get("device") == "1";
    let a = app.clone();
    let (e2, w2) = (email.clone(), workspace.clone());
    let outcome = blocking(move || match &*a.access {
        Access::Accounts(acc) => {
            acc.with(|s| accounts::login(s, &e2, &password, Some(w2.as_str()), now, device))
        }
        Access::Local(_) => Err(Error::new(Exit::Internal, "no accounts here")),
    })
    .await;
    match outcome {
        Some(Ok(Ok(session))) => redirect(
            "/",
            Some(cookie(
                &app,
                &session.token,
                accounts::session_ms(device) / 1000,
            )),
        ),
        Some(Ok(Err(refused))) => {
            if refused == LoginRefused::Wrong
                && let Some(ip) = ip
                && let Ok(mut t) = app.throttle.lock()
            {
                t.entry(ip).or_default().push(now);
            }
            let status = match refused {
                LoginRefused::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
                LoginRefused::NoWorkspace => StatusCode::FORBIDDEN,
                LoginRefused::Wrong => StatusCode::UNAUTHORIZED,
            };
            let mut r = app.render(
                "login.html",
                minijinja::context! { message => refused.message(), email => email, workspace => workspace },
            );
            *r.status_mut() = status;
            r
        }
        Some(Err(e)) => app.cli_error(e),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn logout(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<Fields>,
) -> Response {
    if !f.get("csrf").is_some_and(|t| crate::same(t, &caller.csrf)) {
        return crate::pages::forged(&app);
    }
    let a = app.clone();
    let token = caller.session.clone();
    let ended = blocking(move || match &*a.access {
        Access::Local(l) => {
            l.end(&accounts::token_hash(&token));
            Ok(())
        }
        Access::Accounts(acc) => acc.with(|s| Ok(s.end_session(&accounts::token_hash(&token))?)),
    })
    .await;
    match ended {
        Some(Ok(())) => redirect("/login", Some(cookie(&app, "", 0))),
        Some(Err(e)) => app.cli_error(e),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A one-time link: exchanged for a session, then dead.
pub async fn pair(
    State(app): State<App>,
    Path(token): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Fields>,
) -> Response {
    let a = app.clone();
    let now = now_ms();
    // A device signing in to sync stays signed in longer than a browser.
    let device = q.get("device").is_some_and(|v| v == "1");
    let outcome = blocking(move || -> Result<Option<(String, bool)>> {
        let hash = accounts::token_hash(&token);
        match &*a.access {
            Access::Local(l) => {
                let live = l
                    .links
                    .lock()
                    .ok()
                    .and_then(|mut links| links.remove(&hash))
                    .is_some_and(|exp| exp > now);
                if !live {
                    return Ok(None);
                }
                let session = accounts::new_token();
                l.start(
                    accounts::token_hash(&session),
                    now + accounts::session_ms(device),
                );
                Ok(Some((session, false)))
            }
            Access::Accounts(acc) => acc.with(|s| {
                let Some((account, ws)) = s.take_pairing(&hash, now)? else {
                    return Ok(None);
                };
                let session = accounts::start_session(s, account, ws, now, device)?;
                let email: Option<String> = s
                    .members(Some(ws), now)?
                    .into_iter()
                    .map(|m| m.email)
                    .find(|e| s.account(e).ok().flatten().is_some_and(|a| a.id == account));
                let no_password = match email {
                    Some(e) => s.account(&e)?.is_none_or(|a| a.password.is_empty()),
                    None => true,
                };
                Ok(Some((session.token, no_password)))
            }),
        }
    })
    .await;
    match outcome {
        Some(Ok(Some((session, choose_password)))) => redirect(
            if choose_password { "/account/password" } else { "/" },
            Some(cookie(&app, &session, accounts::session_ms(device) / 1000)),
        ),
        Some(Ok(None)) => app.error(
            StatusCode::UNAUTHORIZED,
            "That link has been used already, or has expired: each link lets one browser in, once.",
            Some(match *app.access {
                Access::Local(_) => "Restart `casefile serve` for a new link.",
                Access::Accounts(_) => "Ask the workspace's owner for a new one (`casefile users add ... --invite`), or sign in with your password.",
            }),
        ),
        Some(Err(e)) => app.cli_error(e),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn password_form(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let app = app.as_caller(&caller);
    if matches!(*app.access, Access::Local(_)) {
        return app.error(
            StatusCode::NOT_FOUND,
            "This casefile has no accounts.",
            None,
        );
    }
    app.render("password.html", minijinja::Value::UNDEFINED)
}

pub async fn set_password(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    if !f.get("csrf").is_some_and(|t| crate::same(t, &caller.csrf)) {
        return crate::pages::forged(&app);
    }
    let password = f.get("password").cloned().unwrap_or_default();
    if let Err(e) = accounts::check_new_password(&password) {
        let mut r = app.render(
            "password.html",
            minijinja::context! { message => e.message },
        );
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return r;
    }
    let a = app.clone();
    let email = caller.user.clone();
    let done = blocking(move || match &*a.access {
        Access::Accounts(acc) => acc.with(|s| {
            let account = s
                .account(&email)?
                .ok_or_else(|| Error::new(Exit::NotFound, "your account is gone"))?;
            s.set_password(account.id, &accounts::hash_password(&password)?)?;
            Ok(())
        }),
        Access::Local(_) => Err(Error::new(Exit::NotFound, "this casefile has no accounts")),
    })
    .await;
    match done {
        Some(Ok(())) => redirect("/", None),
        Some(Err(e)) => app.cli_error(e),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A one-time link on the address the browser used to reach this server
/// (a Host header of anything but a host name is not trusted).
fn link_to(app: &App, headers: &axum::http::HeaderMap, token: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("localhost:8484");
    let scheme = if app.secure { "https" } else { "http" };
    format!("{scheme}://{host}/pair/{token}")
}

/// A new one-time link for another device, on one person's own server.
pub async fn new_link(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    headers: axum::http::HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    if !f.get("csrf").is_some_and(|t| crate::same(t, &caller.csrf)) {
        return crate::pages::forged(&app);
    }
    let Access::Local(local) = &*app.access else {
        return app.error(
            StatusCode::NOT_FOUND,
            "On a server, people sign in with their own accounts.",
            Some("An owner adds them with `casefile users add`."),
        );
    };
    let token = accounts::new_token();
    local.add_link(&token);
    let link = link_to(&app, &headers, &token);
    let qr = crate::tls::qr_svg(&link).unwrap_or_default();
    app.render("pair.html", minijinja::context! { link => link, qr => qr })
}

/// The workspace's members, for its owners: who, in what role, and the forms
/// to add (with a one-time link) and remove.
pub async fn members(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
    members_page(app, caller, None, None).await
}

async fn members_page(
    app: App,
    caller: Caller,
    message: Option<String>,
    invited: Option<(String, String)>,
) -> Response {
    let app = app.as_caller(&caller);
    let Some(ws) = caller.workspace.filter(|_| caller.role == Role::Owner) else {
        return app.error(
            StatusCode::FORBIDDEN,
            "Only a workspace's owners manage its members.",
            None,
        );
    };
    let a = app.clone();
    let listed = blocking(move || match &*a.access {
        Access::Accounts(acc) => acc.with(|s| {
            let name = s.workspace_name(ws)?;
            Ok((name, s.members(Some(ws), now_ms())?))
        }),
        Access::Local(_) => Err(Error::new(Exit::NotFound, "this casefile has no accounts")),
    })
    .await;
    match listed {
        Some(Ok((name, members))) => {
            let rows: Vec<_> = members
                .iter()
                .map(|m| minijinja::context! { email => m.email, role => m.role, sessions => m.sessions })
                .collect();
            let (link, invited) = invited.map_or((None, None), |(l, e)| (Some(l), Some(e)));
            app.render(
                "members.html",
                minijinja::context! { workspace => name, members => rows, me => caller.user,
                message => message, link => link, invited => invited },
            )
        }
        Some(Err(e)) => app.cli_error(e),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The owner's workspace for a members form, or the page refusing it.
fn owner_form(
    app: &App,
    caller: &Caller,
    f: &Fields,
) -> std::result::Result<uuid::Uuid, Box<Response>> {
    if !f.get("csrf").is_some_and(|t| crate::same(t, &caller.csrf)) {
        return Err(Box::new(crate::pages::forged(app)));
    }
    caller
        .workspace
        .filter(|_| caller.role == Role::Owner)
        .ok_or_else(|| {
            Box::new(app.error(
                StatusCode::FORBIDDEN,
                "Only a workspace's owners manage its members.",
                None,
            ))
        })
}

pub async fn add_member(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    headers: axum::http::HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    let ws = match owner_form(&app, &caller, &f) {
        Ok(ws) => ws,
        Err(r) => return *r,
    };
    let email = f.get("email").cloned().unwrap_or_default();
    let Some(role) = f.get("role").and_then(|r| Role::parse(r)) else {
        return members_page(
            app,
            caller,
            Some("Choose a role: helper, viewer or owner.".into()),
            None,
        )
        .await;
    };
    let a = app.clone();
    let e2 = email.clone();
    let added = blocking(move || match &*a.access {
        Access::Accounts(acc) => acc.with(|s| {
            let name = s.workspace_name(ws)?;
            accounts::add_member(s, &e2, &name, role, None, now_ms())
        }),
        Access::Local(_) => Err(Error::new(Exit::NotFound, "this casefile has no accounts")),
    })
    .await;
    match added {
        Some(Ok(added)) => {
            let invited = added
                .link
                .map(|t| (link_to(&app, &headers, &t), email.trim().to_lowercase()));
            let note = invited.is_none().then(|| {
                format!(
                    "{} already has a password; their role is now {}.",
                    email.trim(),
                    role.as_str()
                )
            });
            members_page(app, caller, note, invited).await
        }
        Some(Err(e)) => {
            let mut r = members_page(app, caller, Some(e.message), None).await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn remove_member(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    let ws = match owner_form(&app, &caller, &f) {
        Ok(ws) => ws,
        Err(r) => return *r,
    };
    let email = f
        .get("email")
        .map(|e| e.trim().to_lowercase())
        .unwrap_or_default();
    if email == caller.user {
        let mut r = members_page(
            app,
            caller,
            Some("You cannot remove yourself; another owner can.".into()),
            None,
        )
        .await;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return r;
    }
    let a = app.clone();
    let e2 = email.clone();
    let removed = blocking(move || match &*a.access {
        Access::Accounts(acc) => acc.with(|s| Ok(s.remove_member(ws, &e2)?)),
        Access::Local(_) => Err(Error::new(Exit::NotFound, "this casefile has no accounts")),
    })
    .await;
    match removed {
        Some(Ok(true)) => {
            members_page(
                app,
                caller,
                Some(format!(
                    "{email} is no longer a member; their sessions have ended."
                )),
                None,
            )
            .await
        }
        Some(Ok(false)) => {
            let mut r =
                members_page(app, caller, Some(format!("{email} is not a member.")), None).await;
            *r.status_mut() = StatusCode::NOT_FOUND;
            r
        }
        Some(Err(e)) => app.cli_error(e),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
