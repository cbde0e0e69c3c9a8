//! `casefile serve`: the web app, from the same binary and database.
//!
//! Pages are rendered on the server from templates (minijinja escapes every
//! value); each form posts and redirects, so every tap is saved before the
//! next page shows and a reload or a closed tab loses nothing. A secret in the
//! first URL sets a session cookie; every state change carries a CSRF token;
//! a strict Content Security Policy allows only this server's own assets.

mod pages;
mod svg;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};

use casefile_app::ctx::Ctx;
use casefile_app::error::{Error, Exit, Result};

/// Who is asking. One user today; every handler takes it, so accounts can come later.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
}

/// What every request needs.
#[derive(Clone)]
pub struct App {
    pub db: PathBuf,
    /// The secret of the login link and the session cookie.
    token: Arc<String>,
    /// The CSRF token every form carries.
    pub csrf: Arc<String>,
    templates: Arc<minijinja::Environment<'static>>,
    /// Resolved once when the server starts, so every page computes what the
    /// command line computes.
    pub settings: Arc<casefile_app::Settings>,
}

const COOKIE: &str = "casefile_session";

/// The strict policy: only this server's own scripts, styles and images; no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "cases.html",
    "new.html",
    "case.html",
    "call.html",
    "companies.html",
    "company.html",
    "search.html",
    "due.html",
    "check.html",
    "error.html"
];

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../assets/app.css"),
    ),
    (
        "call.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/call.js"),
    ),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl App {
    /// An app on `db` with the built-in settings.
    pub fn new(db: PathBuf, token: String) -> App {
        let settings =
            casefile_app::Settings::resolve(&[]).expect("the built-in settings are valid");
        App::with_settings(db, token, settings)
    }

    pub fn with_settings(db: PathBuf, token: String, settings: casefile_app::Settings) -> App {
        let csrf = hex(&Sha256::digest(format!("csrf:{token}").as_bytes()));
        let mut env = minijinja::Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        for (name, src) in TEMPLATES {
            // Built-in templates are checked by the tests; a failure here is a bug.
            env.add_template(name, src)
                .unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        App {
            db,
            token: Arc::new(token),
            csrf: Arc::new(csrf),
            templates: Arc::new(env),
            settings: Arc::new(settings),
        }
    }

    /// A context for one request: the user's database, quiet, as the caller.
    pub fn ctx(&self, caller: &Caller, reveal: bool) -> Result<Ctx> {
        let mut ctx = Ctx::open_with(self.db.clone(), (*self.settings).clone(), false, reveal)?;
        ctx.quiet = true;
        ctx.author = caller.user.clone();
        Ok(ctx)
    }

    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        match self
            .templates
            .get_template(name)
            .and_then(|t| t.render(minijinja::context! { csrf => self.csrf.as_str(), ..ctx }))
        {
            Ok(html) => Html(html).into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("page {name} could not be drawn: {e}"),
            )
                .into_response(),
        }
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
        let status = match e.exit {
            Exit::NotFound => StatusCode::NOT_FOUND,
            Exit::Invalid | Exit::CheckSuggestions | Exit::CheckHarmful => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Exit::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Exit::VerifyFailed | Exit::Database | Exit::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        self.error(status, &e.message, e.hint.as_deref())
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
    res
}

/// Lets in requests with the session cookie; the login link and assets are open.
async fn guard(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/login" || path.starts_with("/assets/") {
        return next.run(req).await;
    }
    match session_of(&req) {
        Some(s) if same(&s, &app.token) => {
            req.extensions_mut().insert(Caller { user: std::env::var("CASEFILE_USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "owner".into()) });
            // State changes must come from our own pages.
            if req.method() == axum::http::Method::POST
                && let Some(origin) = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok())
            {
                let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
                if origin != "null" && !origin.ends_with(&format!("//{host}")) {
                    return app.error(StatusCode::FORBIDDEN, "This request came from another site and was refused.", None);
                }
            }
            next.run(req).await
        }
        _ => app.error(
            StatusCode::UNAUTHORIZED,
            "This casefile is private.",
            Some("Open the address that `casefile serve` printed; it carries the key that lets this browser in."),
        ),
    }
}

async fn login(
    State(app): State<App>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    match q.get("key") {
        Some(k) if same(k, &app.token) => Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, "/")
            .header(
                header::SET_COOKIE,
                format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", app.token),
            )
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        _ => app.error(
            StatusCode::UNAUTHORIZED,
            "That key does not open this casefile.",
            Some("Use the address `casefile serve` printed."),
        ),
    }
}

async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
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
        .route(
            "/cases/{n}/attach",
            post(pages::attach).layer(axum::extract::DefaultBodyLimit::max(pages::ATTACH_LIMIT)),
        )
        .route("/cases/{n}/call", get(pages::call).post(pages::call_action))
        .route("/cases/{n}/record", get(pages::record))
        .route("/cases/{n}/letter/{kind}", get(pages::letter))
        .route("/cases/{n}/picture.svg", get(pages::picture))
        .route("/companies", get(pages::companies))
        .route("/companies/{n}", get(pages::company))
        .route("/companies/{n}/org.svg", get(pages::org_svg))
        .route("/search", get(pages::search))
        .route("/due", get(pages::due))
        .route("/check", get(pages::check_form).post(pages::check))
        .route("/login", get(login))
        .route("/assets/{name}", get(asset))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(middleware::from_fn(secure))
        .with_state(app)
}

/// A fresh secret for the login link.
pub fn new_token() -> String {
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    hex(&Sha256::digest(format!("{a}{b}").as_bytes()))
}

pub fn serve(settings: casefile_app::Settings, bind: String, port: u16) -> Result<()> {
    let db = casefile_app::ctx::db_path(&settings)?;
    // Fail early, with the CLI's words, if the database cannot be opened.
    drop(Ctx::open_with(db.clone(), settings.clone(), false, false)?);
    let addr: SocketAddr = format!("{bind}:{port}")
        .parse()
        .map_err(|_| Error::invalid(format!("'{bind}:{port}' is not an address to listen on")))?;
    let token = std::env::var("CASEFILE_WEB_KEY")
        .ok()
        .filter(|k| k.len() >= 16)
        .unwrap_or_else(new_token);
    let app = App::with_settings(db, token.clone(), settings);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Exit::Internal, e.to_string()))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            Error::invalid(format!("cannot listen on {addr}: {e}"))
                .hint("choose another port with --port, or 0 for any free one")
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::new(Exit::Internal, e.to_string()))?;
        // One write, never a panic: whoever started us may close our output early.
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "casefile is serving at http://{local}/login?key={token}\nOpen that address in a browser on this machine. Press Ctrl-C to stop.\n");
        let _ = out.flush();
        drop(out);
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::new(Exit::Internal, e.to_string()))
    })
}
