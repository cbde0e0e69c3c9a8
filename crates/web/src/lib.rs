//! `casefile serve`: the web app, from the same binary and database.
//!
//! Pages are rendered on the server from templates (minijinja escapes every
//! value); each form posts and redirects, so every tap is saved before the
//! next page shows and a reload or a closed tab loses nothing. A secret in the
//! first URL sets a session cookie; every state change carries a CSRF token;
//! a strict Content Security Policy allows only this server's own assets.

mod pages;
mod svg;
mod words;

mod access;
mod pool;
mod sync;
pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use casefile_app::accounts::Role;
use casefile_app::ctx::Ctx;
use casefile_app::error::{Error, Exit, Result};
use casefile_store::Store;

pub use access::Listen;
use access::{Access, Local};

/// Who is asking, as their session says: the name their entries are written
/// under, their role, their workspace (on a server) and their form token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
    pub role: Role,
    pub workspace: Option<uuid::Uuid>,
    /// "ana@clinic.org · clinic (helper)", shown on a server's pages.
    pub who: Option<String>,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    /// The session's secret, to end it at logout.
    session: String,
}

impl Caller {
    /// Who fetches a calendar feed: nobody signed in, reading one workspace
    /// (None: the file of one person's own server).
    pub(crate) fn feed(workspace: Option<uuid::Uuid>) -> Caller {
        Caller {
            user: "calendar".into(),
            role: Role::Viewer,
            workspace,
            who: None,
            csrf: String::new(),
            session: String::new(),
        }
    }
}

/// The journal's stores a server keeps open.
pub type Stores = pool::Pool<Box<dyn Store + Send>>;

/// A request's session with the journal; its connection goes back to the
/// pool when it ends.
pub struct Session<'a> {
    ctx: Option<Ctx>,
    pool: &'a Stores,
    /// A writer's turn on a SQLite file, held until the session ends.
    _turn: Option<std::sync::MutexGuard<'a, ()>>,
}

impl std::ops::Deref for Session<'_> {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        self.ctx
            .as_ref()
            .expect("a session holds its context until dropped")
    }
}

impl std::ops::DerefMut for Session<'_> {
    fn deref_mut(&mut self) -> &mut Ctx {
        self.ctx
            .as_mut()
            .expect("a session holds its context until dropped")
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if let Some(ctx) = self.ctx.take() {
            self.pool.give(ctx.into_store());
        }
    }
}

/// What every request needs.
#[derive(Clone)]
pub struct App {
    pub db: PathBuf,
    /// The CSRF token of the caller this copy serves (see [`App::as_caller`]).
    pub csrf: Arc<String>,
    can_write: bool,
    is_owner: bool,
    who: Option<Arc<String>>,
    templates: Arc<minijinja::Environment<'static>>,
    /// Resolved once when the server starts, so every page computes what the
    /// command line computes.
    pub settings: Arc<casefile_app::Settings>,
    access: Arc<Access>,
    pool: Arc<Stores>,
    /// One writer at a time on a SQLite file, so writers queue instead of
    /// finding the file busy.
    writer: Arc<Mutex<()>>,
    /// Failed sign-ins by address, to slow guessing from one place.
    throttle: Arc<Mutex<HashMap<std::net::IpAddr, Vec<i64>>>>,
    /// Served over TLS: cookies are marked Secure.
    secure: bool,
}

const COOKIE: &str = "casefile_session";

/// How many connections a server keeps open at most: CASEFILE_POOL_SIZE, else 16.
pub(crate) fn pool_size() -> usize {
    std::env::var("CASEFILE_POOL_SIZE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(16)
}

/// The strict policy: only this server's own scripts, styles and images; no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; worker-src 'self'; manifest-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "print.html",
    "base.html",
    "cases.html",
    "new.html",
    "case.html",
    "call.html",
    "companies.html",
    "company.html",
    "search.html",
    "due.html",
    "calendar.html",
    "check.html",
    "error.html",
    "login.html",
    "password.html",
    "reports.html",
    "pair.html",
    "members.html"
];

/// The app's own files: name, type, bytes. The service worker and the
/// manifest are served from the root too, where a browser looks for them.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "sw.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/sw.js"),
    ),
    (
        "manifest.webmanifest",
        "application/manifest+json",
        include_bytes!("../assets/manifest.webmanifest"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../assets/icon.svg"),
    ),
    (
        "icon-192.png",
        "image/png",
        include_bytes!("../assets/icon-192.png"),
    ),
    (
        "icon-512.png",
        "image/png",
        include_bytes!("../assets/icon-512.png"),
    ),
];

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    for (name, src) in TEMPLATES {
        // Built-in templates are checked by the tests; a failure here is a bug.
        env.add_template(name, src)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
}

impl App {
    /// One person's own file, with the built-in settings; `link` is a
    /// one-time link's secret that lets the first browser in.
    pub fn new(db: PathBuf, link: String) -> App {
        let settings =
            casefile_app::Settings::resolve(&[]).expect("the built-in settings are valid");
        App::local(db, settings, link)
    }

    /// One person's own file: no accounts; one-time links let browsers in.
    pub fn local(db: PathBuf, settings: casefile_app::Settings, link: String) -> App {
        let mut kept = db.clone().into_os_string();
        kept.push(".sessions");
        let local = Local::kept_in(kept.into());
        local.add_link(&link);
        App::build(db, settings, Access::Local(local))
    }

    /// A server on PostgreSQL: people sign in with accounts, each request
    /// works in its caller's workspace.
    pub fn server(settings: casefile_app::Settings) -> Result<App> {
        let url = settings.database.clone().ok_or_else(|| {
            Error::invalid("a server with accounts needs a PostgreSQL database")
                .hint("give --database postgres://USER@HOST/NAME, or set CASEFILE_DATABASE")
        })?;
        let access = Access::server(&url)?;
        // The journal is on the server; the data folder still holds the
        // complaint data and the certificate.
        let db = casefile_app::ctx::db_path(&settings)?;
        Ok(App::build(db, settings, access))
    }

    fn build(db: PathBuf, settings: casefile_app::Settings, access: Access) -> App {
        App {
            pool: Arc::new({
                let (db, settings) = (db.clone(), settings.clone());
                pool::Pool::new(
                    pool_size(),
                    move || casefile_app::ctx::open_store(&db, &settings),
                    |s| s.is_usable(),
                )
            }),
            db,
            csrf: Arc::new(String::new()),
            can_write: false,
            is_owner: false,
            who: None,
            templates: Arc::new(environment()),
            settings: Arc::new(settings),
            access: Arc::new(access),
            writer: Arc::new(Mutex::new(())),
            throttle: Arc::new(Mutex::new(HashMap::new())),
            secure: false,
        }
    }

    /// This app as it serves one caller: their form token, their role.
    pub fn as_caller(mut self, caller: &Caller) -> App {
        self.csrf = Arc::new(caller.csrf.clone());
        self.can_write = caller.role.can_write();
        self.is_owner = caller.role == Role::Owner;
        self.who = caller.who.clone().map(Arc::new);
        self
    }

    /// A context for one request: the caller's workspace, quiet, as the caller.
    pub fn ctx(&self, caller: &Caller, reveal: bool) -> Result<Session<'_>> {
        let mut store = self.pool.take()?;
        if let Some(ws) = caller.workspace
            && !store.use_workspace(ws)
        {
            self.pool.give(store);
            return Err(Error::new(
                Exit::Internal,
                "this database holds one workspace, but the session names another",
            ));
        }
        let mut ctx = Ctx::with_store(
            store,
            self.db.clone(),
            (*self.settings).clone(),
            false,
            reveal,
        )?;
        ctx.quiet = true;
        ctx.author = caller.user.clone();
        Ok(Session {
            ctx: Some(ctx),
            pool: &self.pool,
            _turn: None,
        })
    }

    /// A context for a request that writes. On a SQLite file, writers take
    /// turns here rather than find the file busy; on a server, appends queue
    /// on the case's row instead.
    pub fn ctx_to_write(&self, caller: &Caller) -> Result<Session<'_>> {
        let turn = match *self.access {
            Access::Local(_) => Some(self.writer.lock().unwrap_or_else(|p| p.into_inner())),
            Access::Accounts(_) => None,
        };
        let mut session = self.ctx(caller, false)?;
        session._turn = turn;
        Ok(session)
    }

    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        match self.templates.get_template(name).and_then(|t| {
            t.render(minijinja::context! {
                csrf => self.csrf.as_str(),
                can_write => self.can_write,
                is_owner => self.is_owner && self.who.is_some(),
                who => self.who.as_deref(),
                ..ctx
            })
        }) {
            Ok(html) => Html(html).into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("page {name} could not be drawn: {e}"),
            )
                .into_response(),
        }
    }

    /// Whether this server is on HTTPS.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Whether this serves one person's own file (no accounts).
    pub fn is_local(&self) -> bool {
        matches!(*self.access, Access::Local(_))
    }

    pub fn error(&self, status: StatusCode, message: &str, hint: Option<&str>) -> Response {
        let mut r = self.render(
            "error.html",
            minijinja::context! { status => status.as_u16(), message => message, hint => hint },
        );
        *r.status_mut() = status;
        r
    }

    pub fn cli_error(&self, e: Error) -> Response {
        self.error(self.status_of(&e), &e.message, e.hint.as_deref())
    }

    pub fn status_of(&self, e: &Error) -> StatusCode {
        match e.exit {
            Exit::NotFound => StatusCode::NOT_FOUND,
            Exit::Invalid | Exit::CheckSuggestions | Exit::CheckHarmful => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Exit::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Exit::VerifyFailed | Exit::Database | Exit::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// Compares without leaking how much matched.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn session_of(req: &Request) -> Option<String> {
    let cookies = req.headers().get(header::COOKIE)?.to_str().ok()?;
    cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Sends the security headers on every response.
async fn secure(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Whether a POST came from one of our own pages (or says nothing of where).
fn same_origin(req: &Request) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return true;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    origin == "null" || origin.ends_with(&format!("//{host}"))
}

/// Lets in requests with a live session; sign-in, one-time links and assets are open.
async fn guard(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let post = req.method() == axum::http::Method::POST;
    if post && !same_origin(&req) {
        return app.error(
            StatusCode::FORBIDDEN,
            "This request came from another site and was refused.",
            None,
        );
    }
    let open = ["/login", "/sw.js", "/manifest.webmanifest", "/favicon.ico"];
    // The calendar feed's address carries its own secret: a phone's calendar
    // fetches it without a session.
    if open.contains(&path.as_str())
        || path.starts_with("/pair/")
        || path.starts_with("/assets/")
        || (path.starts_with("/calendar/feed/") && !post)
    {
        return next.run(req).await;
    }
    let caller = match session_of(&req) {
        Some(token) => {
            let a = app.clone();
            tokio::task::spawn_blocking(move || a.access.caller(&a.settings, &token))
                .await
                .unwrap_or(Ok(None))
        }
        None => Ok(None),
    };
    match caller {
        Ok(Some(caller)) => {
            let own_account = path == "/logout" || path == "/account/password";
            if post && !own_account && !caller.role.can_write() {
                return app.as_caller(&caller).error(
                    StatusCode::FORBIDDEN,
                    "You can read this workspace's cases but not change them (your role is viewer).",
                    Some("Ask the workspace's owner to make you a helper."),
                );
            }
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Ok(None) => match *app.access {
            Access::Accounts(_) if !post => Response::builder()
                .status(StatusCode::SEE_OTHER)
                .header(header::LOCATION, "/login")
                .body(Body::empty())
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
            Access::Accounts(_) => app.error(
                StatusCode::UNAUTHORIZED,
                "Your session has ended; nothing was saved.",
                Some("Sign in again, then repeat what you were doing."),
            ),
            Access::Local(_) => app.error(
                StatusCode::UNAUTHORIZED,
                "This casefile is private.",
                Some("Open the one-time link that `casefile serve` printed; it lets one browser in. Restart `casefile serve` for a new one."),
            ),
        },
        Err(e) => app.cli_error(e),
    }
}

async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    file(&name)
}

fn file(name: &str) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(pages::cases))
        .route("/cases/new", get(pages::new_case))
        .route("/cases", post(pages::create_case))
        .route("/cases/{n}", get(pages::case))
        .route("/cases/{n}/add", post(pages::add))
        .route("/api/cases/{n}", get(pages::case_json))
        .route("/api/sync/heads", get(sync::heads))
        .route(
            "/api/sync/journals/{id}",
            get(sync::entries)
                .post(sync::push)
                .layer(axum::extract::DefaultBodyLimit::max(sync::BODY_LIMIT)),
        )
        .route(
            "/cases/{n}/attach",
            post(pages::attach).layer(axum::extract::DefaultBodyLimit::max(pages::ATTACH_LIMIT)),
        )
        .route("/cases/{n}/call", get(pages::call).post(pages::call_action))
        .route("/cases/{n}/record", get(pages::record))
        .route("/cases/{n}/bundle.zip", get(pages::bundle))
        .route("/cases/{n}/letter/{kind}", get(pages::letter))
        .route("/cases/{n}/script/{kind}", get(pages::script))
        .route("/cases/{n}/picture.svg", get(pages::picture))
        .route("/companies", get(pages::companies))
        .route("/companies/{n}", get(pages::company))
        .route("/companies/{n}/org.svg", get(pages::org_svg))
        .route("/search", get(pages::search))
        .route("/due", get(pages::due))
        .route("/calendar", post(pages::new_calendar))
        .route("/calendar/feed/{ws}/{secret}", get(pages::calendar_feed))
        .route("/reports", get(pages::reports))
        .route("/reports.csv", get(pages::reports_csv))
        .route("/check", get(pages::check_form).post(pages::check))
        .route("/login", get(access::login_form).post(access::login))
        .route("/logout", post(access::logout))
        .route("/pair/{token}", get(access::pair))
        .route("/devices", post(access::new_link))
        .route("/members", get(access::members))
        .route("/members/add", post(access::add_member))
        .route("/members/remove", post(access::remove_member))
        .route(
            "/account/password",
            get(access::password_form).post(access::set_password),
        )
        .route("/assets/{name}", get(asset))
        .route("/sw.js", get(|| async { file("sw.js") }))
        .route(
            "/manifest.webmanifest",
            get(|| async { file("manifest.webmanifest") }),
        )
        .route("/favicon.ico", get(|| async { file("icon.svg") }))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(middleware::from_fn(secure))
        .with_state(app)
}

/// Serves the web app until Ctrl-C: on the user's own file with a one-time
/// link, or on a PostgreSQL server with accounts; over TLS when asked (and
/// required off loopback unless plain HTTP is forced).
pub fn serve(settings: casefile_app::Settings, listen: Listen) -> Result<()> {
    let addr = listen.address()?;
    let server = settings.database.is_some();
    let (mut app, link) = if server {
        (App::server(settings)?, None)
    } else {
        let db = casefile_app::ctx::db_path(&settings)?;
        // Fail early, with the CLI's words, if the database cannot be opened.
        drop(casefile_app::ctx::open_store(&db, &settings)?);
        let link = std::env::var("CASEFILE_WEB_KEY")
            .ok()
            .filter(|k| k.len() >= 16)
            .unwrap_or_else(casefile_app::accounts::new_token);
        (App::local(db, settings, link.clone()), Some(link))
    };
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if let Some(ip) = access::outward_ip() {
        names.push(ip.to_string());
    }
    if !listen.is_loopback() && !addr.ip().is_unspecified() {
        names.push(addr.ip().to_string());
    }
    let tls = listen.tls.load(&names)?;
    app.secure = tls.is_some();
    if tls.is_some() {
        // One process-wide choice of cryptography; a second install is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Exit::Internal, e.to_string()))?;
    // Checked before anything is printed: a key that does not fit is refused at once.
    let config = match &tls {
        Some(t) => Some(
            rt.block_on(axum_server::tls_rustls::RustlsConfig::from_pem(
                t.cert.clone(),
                t.key.clone(),
            ))
            .map_err(|e| {
                Error::invalid(format!("the TLS certificate and key cannot be used: {e}"))
                    .hint("check that the key belongs to the certificate and both are PEM")
            })?,
        ),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let std_listener = std::net::TcpListener::bind(addr).map_err(|e| {
        Error::invalid(format!("cannot listen on {addr}: {e}"))
            .hint("choose another port with --port, or 0 for any free one")
    })?;
    std_listener
        .set_nonblocking(true)
        .map_err(|e| Error::new(Exit::Internal, e.to_string()))?;
    let local = std_listener
        .local_addr()
        .map_err(|e| Error::new(Exit::Internal, e.to_string()))?;
    let shown = listen.shown_address(local);
    {
        // Whoever started us may close our output early: never a panic.
        use std::io::{IsTerminal, Write};
        let mut out = std::io::stdout().lock();
        let _ = match &link {
            Some(link) => {
                let url = format!("{scheme}://{shown}/pair/{link}");
                let _ = writeln!(out, "casefile is serving at {url}");
                let _ = writeln!(
                    out,
                    "Open that link in a browser: it lets that browser in, once. Press Ctrl-C to stop."
                );
                if std::io::stdout().is_terminal()
                    && let Some(qr) = tls::qr_for_terminal(&url)
                {
                    let _ = writeln!(out, "Or scan it with a phone on the same network:\n{qr}");
                }
                Ok(())
            }
            None => writeln!(
                out,
                "casefile is serving at {scheme}://{shown}/login\nSign in with an account from `casefile users add`. Press Ctrl-C to stop."
            ),
        };
        if let Some(t) = &tls {
            if let Some(dir) = &t.made {
                let _ = writeln!(out, "Made a self-signed certificate in {}.", dir.display());
            }
            let _ = writeln!(
                out,
                "Certificate fingerprint (SHA-256): {}\nA browser will warn that it does not know this certificate; check that it shows this fingerprint before you go on.",
                t.fingerprint
            );
        }
        let _ = out.flush();
    }
    if !listen.is_loopback() && tls.is_none() {
        eprintln!(
            "warning: serving plain HTTP on {addr}: anyone on the network can read what is sent, passwords and cookies included"
        );
    }
    rt.block_on(async move {
        let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stopper.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
        });
        let failed = |e: std::io::Error| Error::new(Exit::Internal, e.to_string());
        match config {
            Some(config) => axum_server::from_tcp_rustls(std_listener, config)
                .handle(handle)
                .serve(service)
                .await
                .map_err(failed),
            None => axum_server::from_tcp(std_listener)
                .handle(handle)
                .serve(service)
                .await
                .map_err(failed),
        }
    })
}
