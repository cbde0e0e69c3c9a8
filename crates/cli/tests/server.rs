//! The server on PostgreSQL, in process against a real server (the one
//! CASEFILE_TEST_DATABASE names; `.ci/postgres.sh` starts one): accounts,
//! sessions, roles, and two workspaces that see nothing of each other.
//! Skips without a server, except under CI=true, where it fails.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use casefile_app::accounts::{self, Role};
use casefile_store::Store;
use casefile_store_postgres::PgStore;
use casefile_web::{App, router};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PASSWORD: &str = "four unrelated words";

/// Runs blocking database work on a thread of its own: the synchronous
/// client must not run on the test's async threads.
fn sync<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    cookie: Option<String>,
    body: String,
}

struct Server {
    _keys: tempfile::TempDir,
    router: Router,
    url: String,
    tag: String,
}

/// A signed-in browser: its session secret.
#[derive(Clone)]
struct Browser {
    session: String,
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Server {
    fn start() -> Option<Server> {
        let url = common::test_database()?;
        // The server's config folder, where its signing key is made.
        let keys = tempfile::tempdir().unwrap();
        let config = keys.path().join("casefile.toml");
        let env = |k: &str| match k {
            "CASEFILE_DATABASE" => Some(url.clone()),
            "CASEFILE_CONFIG" => Some(config.display().to_string()),
            _ => None,
        };
        let settings = casefile_app::Settings::load(&env, casefile_app::Layer::default()).unwrap();
        let app = sync(|| App::server(settings).unwrap());
        Some(Server {
            _keys: keys,
            router: router(app),
            url,
            tag: uuid::Uuid::new_v4().simple().to_string()[..8].to_string(),
        })
    }

    /// Runs `f` on a connection of its own, off the async threads.
    fn db<T: Send>(&self, f: impl FnOnce(&mut PgStore) -> T + Send) -> T {
        let url = self.url.clone();
        sync(move || f(&mut PgStore::connect(&url).unwrap()))
    }

    /// A workspace name and an email unique to this run.
    fn ws(&self, name: &str) -> String {
        format!("{name}-{}", self.tag)
    }

    fn email(&self, who: &str) -> String {
        format!("{who}-{}@example.org", self.tag)
    }

    fn member(&self, who: &str, ws: &str, role: Role) {
        let (email, ws) = (self.email(who), self.ws(ws));
        self.db(|s| {
            accounts::add_member(
                s,
                &email,
                &ws,
                role,
                Some(PASSWORD),
                jiff::Timestamp::now().as_millisecond(),
            )
            .unwrap()
        });
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let h = res.headers().clone();
        let location = h
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        let cookie = h
            .get(header::SET_COOKIE)
            .map(|c| c.to_str().unwrap().to_string());
        let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes())
            .into_owned();
        Reply {
            status,
            location,
            cookie,
            body,
        }
    }

    async fn login_as(&self, email: &str, password: &str) -> Reply {
        let body = format!("email={}&password={}", enc(email), enc(password));
        self.send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn login(&self, who: &str) -> Browser {
        let r = self.login_as(&self.email(who), PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.body);
        Browser {
            session: session_of(&r.cookie.unwrap()),
        }
    }

    async fn get(&self, b: &Browser, path: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::COOKIE, format!("casefile_session={}", b.session))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn post(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Reply {
        let csrf = accounts::csrf_of(&b.session);
        let mut body = format!("csrf={csrf}");
        for (k, v) in fields {
            body.push_str(&format!("&{}={}", enc(k), enc(v)));
        }
        self.send(
            Request::post(path)
                .header(header::COOKIE, format!("casefile_session={}", b.session))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Every entry of every stream in a workspace.
    fn entries_in(&self, ws: &str) -> usize {
        let (url, ws) = (self.url.clone(), self.ws(ws));
        sync(move || {
            let s = PgStore::open(&url, &ws).unwrap();
            assert!(s.verify().unwrap().is_empty(), "the workspace verifies");
            s.streams()
                .unwrap()
                .iter()
                .map(|i| s.read_stream(i.id).unwrap().len())
                .sum()
        })
    }
}

fn session_of(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

/// Every route a member of one workspace could try against another's
/// objects, reads and writes, by number and by id; and a viewer's writes.
#[tokio::test]
async fn a_member_of_one_workspace_reaches_nothing_of_another() {
    let Some(s) = Server::start() else { return };
    s.member("ana", "clinic", Role::Owner);
    s.member("vic", "clinic", Role::Viewer);
    s.member("bo", "union", Role::Helper);
    let ana = s.login("ana").await;
    let r = s
        .post(
            &ana,
            "/cases",
            &[
                ("title", "Zanzibar refund"),
                ("company", "Quuxcorp"),
                ("problem", "router dead"),
                ("resolution", "a full refund"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/cases/1")),
        "{}",
        r.body
    );
    let r = s
        .post(
            &ana,
            "/cases/1/add",
            &[("kind", "note"), ("text", "Xylophone promised a callback")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = s.get(&ana, "/cases/1").await;
    assert!(page.body.contains("Xylophone"));
    assert!(
        page.body.contains(&format!(
            "Xylophone promised a callback <span class=\"by\">({})</span>",
            s.email("ana")
        )),
        "the timeline shows who wrote each entry"
    );
    // The clinic's own report counts its case, on the page and in CSV.
    let report = s.get(&ana, "/reports").await.body;
    assert!(
        report.contains("<th scope=\"row\">Quuxcorp</th><td data-label=\"Cases\">1</td>"),
        "{report}"
    );
    let csv = s.get(&ana, "/reports.csv").await.body;
    assert!(csv.contains("Quuxcorp,1,1,0,0,0,0,"), "{csv}");
    let before = s.entries_in("clinic");
    let (url, clinic) = (s.url.clone(), s.ws("clinic"));
    let case_id = sync(move || {
        PgStore::open(&url, &clinic)
            .unwrap()
            .list_cases(&Default::default())
            .unwrap()[0]
            .id
    });

    // Bo, a helper of another workspace, tries everything.
    let bo = s.login("bo").await;
    let reads = [
        "/cases/1".to_string(),
        format!("/cases/{case_id}"),
        "/cases/1/record".into(),
        "/api/cases/1".into(),
        format!("/cases/{case_id}/record"),
        "/cases/1/letter/executive".into(),
        "/cases/1/picture.svg".into(),
        "/cases/1/call".into(),
        "/companies/1".into(),
        "/companies/1/org.svg".into(),
        // Lower case: the page repeats the query, never the entry's own words.
        "/search?q=xylophone".into(),
        "/search?q=zanzibar".into(),
        "/due".into(),
        "/".into(),
        "/companies".into(),
        "/reports".into(),
        "/reports.csv".into(),
    ];
    for path in &reads {
        let r = s.get(&bo, path).await;
        for secret in ["Zanzibar", "Xylophone", "Quuxcorp"] {
            assert!(
                !r.body.contains(secret),
                "{path} leaked {secret}: {}",
                r.status
            );
        }
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            r.status
        );
    }
    for path in [
        "/cases/1/add".to_string(),
        format!("/cases/{case_id}/add"),
        "/cases/1/call".into(),
    ] {
        let r = s
            .post(
                &bo,
                &path,
                &[("kind", "note"), ("text", "intrusion"), ("action", "start")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
    }
    assert_eq!(
        s.entries_in("clinic"),
        before,
        "nothing was written to the clinic"
    );
    assert_eq!(s.entries_in("union"), 0, "nor to the union");

    // Vic, a viewer of the clinic, reads but writes nothing.
    let vic = s.login("vic").await;
    let page = s.get(&vic, "/cases/1").await;
    assert!(page.body.contains("Xylophone"), "a viewer reads");
    assert!(
        !page.body.contains("Add to the case"),
        "and sees no forms to write with"
    );
    for (path, fields) in [
        ("/cases", vec![("title", "Viewer's case")]),
        (
            "/cases/1/add",
            vec![("kind", "note"), ("text", "viewer note")],
        ),
        ("/cases/1/call", vec![("action", "start")]),
        ("/cases/1/attach", vec![]),
    ] {
        let r = s.post(&vic, path, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(r.body.contains("your role is viewer"), "{path}");
    }
    assert_eq!(s.entries_in("clinic"), before, "the viewer wrote nothing");
}

/// Sessions: a new secret at each sign-in, sign-out, expiry, removal of a
/// member, the form token, and guessing slowed.
#[tokio::test]
async fn sessions_end_when_they_should_and_guessing_is_slowed() {
    let Some(s) = Server::start() else { return };
    s.member("cy", "clinic", Role::Helper);
    s.member("di", "clinic", Role::Helper);

    // Each sign-in is a new session; both stay valid until ended.
    let one = s.login("cy").await;
    let two = s.login("cy").await;
    assert_ne!(one.session, two.session);
    assert_eq!(s.get(&one, "/").await.status, StatusCode::OK);

    // A form without the session's token is refused; another session's token too.
    let r = s
        .send(
            Request::post("/cases")
                .header(header::COOKIE, format!("casefile_session={}", one.session))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={}&title=x",
                    accounts::csrf_of(&two.session)
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Sign-out ends that session only.
    let r = s.post(&one, "/logout", &[]).await;
    assert_eq!(r.location.as_deref(), Some("/login"));
    assert_eq!(s.get(&one, "/").await.location.as_deref(), Some("/login"));
    assert_eq!(s.get(&two, "/").await.status, StatusCode::OK);

    // An expired session opens nothing.
    let (cy_email, clinic) = (s.email("cy"), s.ws("clinic"));
    let expired = format!("expired-{}", s.tag);
    let secret = expired.clone();
    let ws = s.db(|store| {
        let cy = store.account(&cy_email).unwrap().unwrap();
        let ws = store.workspace_named(&clinic, false).unwrap().unwrap();
        let now = jiff::Timestamp::now().as_millisecond();
        store
            .create_session(
                &accounts::token_hash(&secret),
                cy.id,
                ws,
                now - 10_000,
                now - 1,
            )
            .unwrap();
        ws
    });
    let stale = Browser { session: expired };
    assert_eq!(s.get(&stale, "/").await.location.as_deref(), Some("/login"));

    // A removed member's sessions end at once.
    let di = s.login("di").await;
    assert_eq!(s.get(&di, "/").await.status, StatusCode::OK);
    let di_email = s.email("di");
    assert!(s.db(|store| store.remove_member(ws, &di_email).unwrap()));
    assert_eq!(s.get(&di, "/").await.location.as_deref(), Some("/login"));
    let r = s.post(&di, "/cases", &[("title", "after removal")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = s.login_as(&s.email("di"), PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "no workspace left: {}",
        r.body
    );

    // Wrong passwords: refused alike for a real and an unknown account, then
    // the account is locked, even against the right password.
    let unknown = s.login_as(&s.email("nobody"), "wrong password here").await;
    let wrong = s.login_as(&s.email("cy"), "wrong password here").await;
    assert_eq!(
        (unknown.status, wrong.status),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert!(
        wrong.body.contains("do not match an account")
            && unknown.body.contains("do not match an account")
    );
    assert!(wrong.cookie.is_none());
    for _ in 0..5 {
        s.login_as(&s.email("cy"), "wrong password here").await;
    }
    let locked = s.login_as(&s.email("cy"), PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    assert!(locked.body.contains("Try again in"));
    assert!(locked.cookie.is_none());
}

/// An invite link works once: it signs the member in to choose a password,
/// and is dead afterwards.
#[tokio::test]
async fn an_invite_link_opens_once_and_leads_to_a_password() {
    let Some(s) = Server::start() else { return };
    let (eve, clinic) = (s.email("eve"), s.ws("clinic"));
    let added = s.db(|store| {
        accounts::add_member(
            store,
            &eve,
            &clinic,
            Role::Helper,
            None,
            jiff::Timestamp::now().as_millisecond(),
        )
        .unwrap()
    });
    let link = added.link.expect("a member without a password gets a link");
    let r = s
        .send(
            Request::get(format!("/pair/{link}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/account/password"))
    );
    let eve = Browser {
        session: session_of(&r.cookie.unwrap()),
    };
    let again = s
        .send(
            Request::get(format!("/pair/{link}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert!(again.body.contains("used already"));
    let short = s
        .post(&eve, "/account/password", &[("password", "short")])
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("at least 10"));
    let set = s
        .post(
            &eve,
            "/account/password",
            &[("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    let r = s.login_as(&s.email("eve"), "a brand new passphrase").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// `casefile users`: add with a password from standard input or an invite
/// link, list, remove; bad input named, nothing written.
#[test]
fn users_are_managed_from_the_command_line() {
    use assert_cmd::cargo::CommandCargoExt;
    use std::io::Write;
    let Some(url) = common::test_database() else {
        return;
    };
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let ws = format!("cli-{tag}");
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut c = std::process::Command::cargo_bin("casefile").unwrap();
        c.args(args)
            .env("CASEFILE_DATABASE", &url)
            .env("CASEFILE_CONFIG", "/nonexistent/config.toml")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            // A command that refuses before reading (a short password) may
            // have exited already: its answer is what the test checks.
            let _ = input.write_all(text.as_bytes());
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let ana = format!("Ana-{tag}@Example.org");
    let (code, out, err) = run(
        &["users", "add", &ana, "--workspace", &ws, "--role", "owner"],
        Some("four unrelated words\n"),
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out,
        format!("ana-{tag}@example.org is an owner of the workspace {ws}.\n")
    );
    let (code, out, err) = run(
        &[
            "users",
            "add",
            &format!("bo-{tag}@example.org"),
            "--workspace",
            &ws,
            "--role",
            "viewer",
            "--invite",
            "--link-base",
            "https://casefile.example",
        ],
        None,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("https://casefile.example/pair/"), "{out}");
    // Refused, by name, with nothing written.
    let (code, _, err) = run(
        &[
            "users",
            "add",
            "cy@example.org",
            "--workspace",
            &ws,
            "--role",
            "admin",
        ],
        Some("four unrelated words\n"),
    );
    assert_eq!(code, Some(4));
    assert!(
        err.contains("\"admin\" is not a role") && err.contains("helper"),
        "{err}"
    );
    let (code, _, err) = run(
        &[
            "users",
            "add",
            "cy@example.org",
            "--workspace",
            &ws,
            "--role",
            "helper",
        ],
        Some("short\n"),
    );
    assert_eq!(code, Some(4));
    assert!(err.contains("at least 10"), "{err}");
    let (code, _, err) = run(
        &[
            "users",
            "add",
            "not-an-email",
            "--workspace",
            &ws,
            "--role",
            "helper",
        ],
        Some("four unrelated words\n"),
    );
    assert_eq!(code, Some(4));
    assert!(err.contains("is not an email address"), "{err}");
    let (code, out, _) = run(&["users", "list", "--workspace", &ws, "--json"], None);
    assert_eq!(code, Some(0));
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let members: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            (format!("ana-{tag}@example.org"), "owner".to_string()),
            (format!("bo-{tag}@example.org"), "viewer".to_string())
        ]
    );
    let (code, out, _) = run(&["users", "list", "--workspace", &ws], None);
    assert_eq!(code, Some(0));
    assert!(
        out.starts_with("WORKSPACE") && out.contains("viewer"),
        "{out}"
    );
    let (code, out, err) = run(
        &[
            "users",
            "remove",
            &format!("bo-{tag}@example.org"),
            "--workspace",
            &ws,
        ],
        None,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("no longer a member"), "{out}");
    let (code, _, err) = run(
        &[
            "users",
            "remove",
            &format!("bo-{tag}@example.org"),
            "--workspace",
            &ws,
        ],
        None,
    );
    assert_eq!(code, Some(3), "{err}");
    // A misspelt workspace is not made anew: it is named, and nothing written.
    let out = std::process::Command::cargo_bin("casefile")
        .unwrap()
        .args(["open", "A case"])
        .env("CASEFILE_DATABASE", &url)
        .env("CASEFILE_WORKSPACE", format!("{ws}-typo"))
        .env("CASEFILE_CONFIG", "/nonexistent/config.toml")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!("there is no workspace named \"{ws}-typo\"")),
        "{err}"
    );
    let typo = format!("{ws}-typo");
    assert_eq!(
        PgStore::connect(&url)
            .unwrap()
            .workspace_named(&typo, false)
            .unwrap(),
        None,
        "no workspace was made"
    );
    // Without a server, it says where accounts live.
    let mut c = std::process::Command::cargo_bin("casefile").unwrap();
    let out = c
        .args(["users", "list"])
        .env_remove("CASEFILE_DATABASE")
        .env("CASEFILE_CONFIG", "/nonexistent/config.toml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CASEFILE_DATABASE"));
    // A database that does not connect is named, without its password.
    let out = std::process::Command::cargo_bin("casefile")
        .unwrap()
        .args([
            "users",
            "list",
            "--database",
            "postgres://ana:s3cret@127.0.0.1:1/x",
        ])
        .env("CASEFILE_CONFIG", "/nonexistent/config.toml")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(
        err.contains("cannot connect to postgres://ana@127.0.0.1:1/x") && !err.contains("s3cret"),
        "{err}"
    );
}

/// Sixty-four writers at once on one case of a PostgreSQL workspace: they
/// queue on the case's row, and every note lands, once, in one chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_writers_all_land_once() {
    let Some(s) = Server::start() else { return };
    s.member("fay", "busy", Role::Helper);
    let fay = s.login("fay").await;
    let r = s.post(&fay, "/cases", &[("title", "Busy case")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let before = s.entries_in("busy");
    let s = std::sync::Arc::new(s);
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let (s, fay) = (s.clone(), fay.clone());
            tokio::spawn(async move {
                let r = s
                    .post(
                        &fay,
                        "/cases/1/add",
                        &[("kind", "note"), ("text", &format!("writer {i}"))],
                    )
                    .await;
                (r.status, r.body)
            })
        })
        .collect();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    }
    assert_eq!(s.entries_in("busy"), before + 64, "none lost, none doubled");
}

/// Each case names who it is for and the helper working it; "my cases" and
/// "due for me" show a helper their own.
#[tokio::test]
async fn a_helper_sees_their_own_cases_and_what_is_due_for_them() {
    let Some(s) = Server::start() else { return };
    s.member("gil", "team", Role::Helper);
    s.member("hal", "team", Role::Helper);
    let gil = s.login("gil").await;
    let hal = s.login("hal").await;
    for (who, b, n, title, client) in [
        ("gil", &gil, "1", "Gil's gas bill", "Mrs Jones"),
        ("hal", &hal, "2", "Hal's phone plan", "Mr Smith"),
    ] {
        let r = s.post(b, "/cases", &[("title", title)]).await;
        assert_eq!(
            r.location.as_deref(),
            Some(&format!("/cases/{n}")[..]),
            "{}",
            r.body
        );
        let path = format!("/cases/{n}/add");
        let r = s
            .post(
                b,
                &path,
                &[
                    ("kind", "followup"),
                    ("what", &format!("chase {title}")),
                    ("due", "in 2 days"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = s
            .post(
                b,
                &path,
                &[
                    ("kind", "assign"),
                    ("client", client),
                    ("helper", &s.email(who)),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = s.get(&gil, "/cases/1").await.body;
    assert!(
        page.contains(&format!("for Mrs Jones · worked by {}", s.email("gil"))),
        "{page}"
    );
    assert!(
        page.contains(&format!("Worked by {}; for Mrs Jones", s.email("gil"))),
        "the timeline says who took it on"
    );
    let mine = s.get(&gil, "/?mine").await.body;
    assert!(
        mine.contains("My cases")
            && mine.contains("Gil&#x27;s gas bill")
            && !mine.contains("Hal&#x27;s"),
        "{mine}"
    );
    let all = s.get(&gil, "/").await.body;
    assert!(all.contains("Gil&#x27;s gas bill") && all.contains("Hal&#x27;s phone plan"));
    let due = s.get(&gil, "/due?mine").await.body;
    assert!(
        due.contains("Due for me") && due.contains("chase Gil") && !due.contains("chase Hal"),
        "{due}"
    );
    // Saving the same again changes nothing and says so.
    let r = s
        .post(
            &gil,
            "/cases/1/add",
            &[
                ("kind", "assign"),
                ("client", "Mrs Jones"),
                ("helper", &s.email("gil")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("nothing to change"));

    // The workspace's calendar address: its feed, fetched with no session,
    // holds the workspace's follow-ups; the secret does not open another
    // workspace, and a viewer cannot make one.
    let page = s.post(&gil, "/calendar", &[]).await.body;
    assert!(page.contains("Your calendar address"), "{page}");
    let link = common::calendar_link(&page);
    let path = link.split_once("://").unwrap().1;
    let path = &path[path.find('/').unwrap()..];
    assert!(path.starts_with("/calendar/feed/"), "{path}");
    let feed = s
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        feed.body.contains("follow up: chase Gil") && feed.body.contains("chase Hal"),
        "{}",
        feed.body
    );
    s.member("vic", "other", Role::Owner);
    let other_name = s.ws("other");
    let other = s.db(move |db| {
        db.workspace_named(&other_name, false)
            .unwrap()
            .unwrap()
            .to_string()
    });
    let secret = path.rsplit('/').next().unwrap();
    let elsewhere = format!("/calendar/feed/{other}/{secret}");
    let r = s
        .send(Request::get(&elsewhere).body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    s.member("val", "team", Role::Viewer);
    let val = s.login("val").await;
    assert_eq!(
        s.post(&val, "/calendar", &[]).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Guessing from one address is slowed whatever accounts it tries; another
/// address is not held up by it.
#[tokio::test]
async fn one_address_guessing_many_accounts_is_made_to_wait() {
    let Some(s) = Server::start() else { return };
    s.member("ida", "clinic", Role::Helper);
    let from = |ip: [u8; 4], email: &str, password: &str| {
        let body = format!("email={}&password={}", enc(email), enc(password));
        let mut req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                ip, 40000,
            ))));
        req
    };
    for i in 0..20 {
        let r = s
            .send(from(
                [10, 0, 0, 7],
                &s.email(&format!("guess{i}")),
                "wrong password",
            ))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = s.send(from([10, 0, 0, 7], &s.email("ida"), PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(
        r.body
            .contains("Too many failed sign-ins from this address")
            && r.cookie.is_none()
    );
    let r = s.send(from([10, 0, 0, 8], &s.email("ida"), PASSWORD)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "another address signs in");
}

/// An owner manages the members from the web: adds one (a one-time link),
/// removes one (their sessions end); nobody else may.
#[tokio::test]
async fn an_owner_manages_members_on_the_web() {
    let Some(s) = Server::start() else { return };
    s.member("jo", "org", Role::Owner);
    s.member("kim", "org", Role::Helper);
    let jo = s.login("jo").await;
    let kim = s.login("kim").await;
    assert!(
        s.get(&jo, "/")
            .await
            .body
            .contains("<a href=\"/members\">Members</a>")
    );
    assert!(!s.get(&kim, "/").await.body.contains("members\">Members"));
    assert_eq!(s.get(&kim, "/members").await.status, StatusCode::FORBIDDEN);
    let r = s
        .post(
            &kim,
            "/members/add",
            &[("email", "x@example.org"), ("role", "owner")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a helper cannot add members"
    );
    let page = s.get(&jo, "/members").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&s.email("kim")) && page.body.contains("helper"));
    let lee = s.email("lee");
    let r = s
        .post(&jo, "/members/add", &[("email", &lee), ("role", "viewer")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.body.replace("&#x2f;", "/");
    let at = body.find("/pair/").expect("a one-time link");
    let token: String = body[at + 6..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    let opened = s
        .send(
            Request::get(format!("/pair/{token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(opened.location.as_deref(), Some("/account/password"));
    let bad = s
        .post(
            &jo,
            "/members/add",
            &[("email", "not an email"), ("role", "viewer")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("is not an email address"));
    let r = s
        .post(&jo, "/members/remove", &[("email", &s.email("kim"))])
        .await;
    assert!(r.body.contains("is no longer a member"), "{}", r.body);
    assert_eq!(
        s.get(&kim, "/").await.location.as_deref(),
        Some("/login"),
        "kim's session ended"
    );
    let r = s
        .post(&jo, "/members/remove", &[("email", &s.email("jo"))])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("cannot remove yourself"));
}
