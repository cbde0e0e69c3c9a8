//! Every route of the web app, in process against a real SQLite file: the
//! login, the CSRF and origin checks, escaping, the security headers, bad
//! input answered with the right status and nothing written.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use casefile_store::Store;
use casefile_store_sqlite::SqliteStore;
use casefile_web::{App, router};
use http_body_util::BodyExt;
use tower::ServiceExt;

const KEY: &str = "test-key-0123456789abcdef";

struct Web {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    router: Router,
    /// The session the one-time link was exchanged for, and its form token.
    session: String,
    csrf: String,
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Web {
    async fn new() -> Web {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("web.db");
        Web::paired(App::new(db.clone(), KEY.into()), db, dir).await
    }

    /// Exchanges the one-time link for a session, as a browser would.
    async fn paired(app: App, db: std::path::PathBuf, dir: tempfile::TempDir) -> Web {
        let router = router(app);
        let res = router
            .clone()
            .oneshot(
                Request::get(format!("/pair/{KEY}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let session = session_cookie(res.headers());
        Web {
            router,
            db,
            _dir: dir,
            csrf: casefile_app::accounts::csrf_of(&session),
            session,
        }
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let location = headers
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes())
            .into_owned();
        Reply {
            status,
            location,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::COOKIE, format!("casefile_session={}", self.session))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, None).await
    }

    async fn post_raw(&self, path: &str, fields: &[(&str, &str)], origin: Option<&str>) -> Reply {
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(path)
            .header(header::COOKIE, format!("casefile_session={}", self.session))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "127.0.0.1:8484");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    fn entries(&self) -> usize {
        let s = SqliteStore::open(&self.db).unwrap();
        s.streams()
            .unwrap()
            .iter()
            .map(|i| s.read_stream(i.id).unwrap().len())
            .sum()
    }

    async fn open_case(&self) {
        let r = self
            .post(
                "/cases",
                &[
                    ("title", "Router refund"),
                    ("company", "Acme Broadband"),
                    ("problem", "The X200 router stopped connecting on Oct 31"),
                    ("resolution", "A full refund of $129 within 10 days"),
                    ("fair", "yes"),
                    ("began", "2026-10-31"),
                    ("id_label", "Account"),
                    ("id_value", "8812447109"),
                    ("id_sensitive", "on"),
                ],
            )
            .await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (StatusCode::SEE_OTHER, Some("/cases/1")),
            "{}",
            r.body
        );
    }
}

/// The session secret a response's Set-Cookie carries.
fn session_cookie(h: &axum::http::HeaderMap) -> String {
    let c = h.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    c.split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_app_is_private_and_sends_its_security_headers() {
    let w = Web::new().await;
    let r = w.send(Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("This casefile is private"));
    let csp = r
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(
        r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
        "nosniff"
    );

    // A one-time link opens once: a guess, and the link already used, open nothing.
    for (path, why) in [
        ("/pair/guess", "a guess"),
        (&format!("/pair/{KEY}")[..], "a used link"),
    ] {
        let r = w
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{why}");
        assert!(r.headers.get(header::SET_COOKIE).is_none(), "{why}");
    }
    assert!(
        w.send(
            Request::get(format!("/pair/{KEY}"))
                .body(Body::empty())
                .unwrap()
        )
        .await
        .body
        .contains("used already")
    );
    // The session is a new secret, never the link's, whatever cookie the
    // browser brought (no fixation), and the cookie is out of scripts' reach.
    assert_ne!(w.session, KEY);
    let dir = tempfile::tempdir().unwrap();
    let other = router(App::new(
        dir.path().join("o.db"),
        "another-link-0123456789".into(),
    ));
    let res = other
        .clone()
        .oneshot(
            Request::get("/pair/another-link-0123456789")
                .header(header::COOKIE, "casefile_session=chosen-by-an-attacker")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("chosen-by-an-attacker"));
    let planted = other
        .clone()
        .oneshot(
            Request::get("/")
                .header(header::COOKIE, "casefile_session=chosen-by-an-attacker")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(planted.status(), StatusCode::UNAUTHORIZED);
    // Sign-out needs the form token, then ends the session for good.
    assert_eq!(
        w.post_raw("/logout", &[], None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.get("/").await.status,
        StatusCode::OK,
        "a refused sign-out changes nothing"
    );
    let out = w.post("/logout", &[]).await;
    assert_eq!(
        (out.status, out.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/login"))
    );
    assert!(
        out.headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        w.get("/").await.status,
        StatusCode::UNAUTHORIZED,
        "the old session opens nothing"
    );

    let css = w
        .send(Request::get("/assets/app.css").body(Body::empty()).unwrap())
        .await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        w.send(Request::get("/assets/nope.js").body(Body::empty()).unwrap())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn opening_a_case_and_adding_to_it() {
    let w = Web::new().await;
    let home = w.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("No cases yet"));
    let form = w.get("/cases/new").await;
    assert!(
        form.body
            .contains(&format!("name=\"csrf\" value=\"{}\"", w.csrf))
    );
    assert!(
        form.body.contains("<label for=\"problem\">"),
        "labelled controls"
    );

    // No CSRF token, or a foreign origin: refused, nothing written.
    let r = w.post_raw("/cases", &[("title", "X")], None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .post_raw(
            "/cases",
            &[("csrf", w.csrf.as_str()), ("title", "X")],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A problem without a resolution: the form's own message, 422, nothing written.
    let r = w
        .post("/cases", &[("title", "X"), ("problem", "broken")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("role=\"alert\""));
    assert_eq!(w.entries(), 0);

    w.open_case().await;
    let page = w.get("/cases/1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Router refund")
            && page.body.contains("••••7109")
            && !page.body.contains("8812447109")
    );
    assert!(w.get("/cases/1?reveal=1").await.body.contains("8812447109"));
    assert!(
        page.body.contains("I&#39;m calling because") || page.body.contains("I'm calling because"),
        "the brief's opening"
    );

    // User text is shown as text.
    let r = w
        .post(
            "/cases/1/add",
            &[
                ("kind", "note"),
                ("text", "<script>alert(1)</script> and <b>bold</b>"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = w.get("/cases/1").await.body;
    let at = page.find("alert(1)").expect("the note is on the page");
    assert!(
        page[..at].ends_with("&lt;script&gt;")
            && !page.contains("<script>alert(1)")
            && !page.contains("<b>bold"),
        "escaped: {}",
        &page[at - 40..at + 40]
    );

    let before = w.entries();
    for (fields, needle) in [
        (
            vec![
                ("kind", "note"),
                ("text", "hi"),
                ("at", "the day after never"),
            ],
            "not a date",
        ),
        (vec![("kind", "note"), ("text", "   ")], "empty"),
        (
            vec![
                ("kind", "promise"),
                ("what", "call back"),
                ("due", "whenever"),
            ],
            "not a date",
        ),
        (vec![("kind", "kept"), ("entry", "2")], "is not a promise"),
        (
            vec![("kind", "amend"), ("entry", "99"), ("reason", "typo")],
            "no entry #99",
        ),
        (
            vec![("kind", "expense"), ("amount", "lots"), ("what", "postage")],
            "not an amount of money",
        ),
        (
            vec![("kind", "fact"), ("fact_kind", "colour"), ("value", "blue")],
            "is not a kind of fact",
        ),
        (
            vec![("kind", "teleport")],
            "not something this page can add",
        ),
    ] {
        let r = w.post("/cases/1/add", &fields).await;
        assert!(
            r.status == StatusCode::UNPROCESSABLE_ENTITY || r.status == StatusCode::NOT_FOUND,
            "{fields:?}: {}",
            r.status
        );
        assert!(r.body.contains(needle), "{fields:?}: {}", r.body);
    }
    assert_eq!(w.entries(), before, "refused forms write nothing");

    for (fields, expect) in [
        (
            vec![
                ("kind", "promise"),
                ("what", "call back"),
                ("by", "Dana"),
                ("due", "in 2 days"),
            ],
            "Dana will call back",
        ),
        (
            vec![
                ("kind", "followup"),
                ("what", "chase"),
                ("due", "in 3 days"),
            ],
            "chase",
        ),
        (
            vec![("kind", "expense"), ("amount", "4.50"), ("what", "postage")],
            "$4.50",
        ),
        (vec![("kind", "status"), ("status", "waiting")], "waiting"),
        (
            vec![
                ("kind", "amend"),
                ("entry", "2"),
                ("reason", "clearer"),
                ("correction", "the router model is X200"),
            ],
            "amended by",
        ),
        (
            vec![
                ("kind", "offer"),
                ("what", "a $20 voucher"),
                ("value", "20"),
            ],
            "a $20 voucher",
        ),
        (
            vec![("kind", "ref"), ("value", "TKT-77"), ("ref_kind", "ticket")],
            "TKT-77",
        ),
        (
            vec![
                ("kind", "escalate"),
                ("to", "a supervisor"),
                ("reason", "no answer"),
            ],
            "Asked to escalate to a supervisor",
        ),
        (vec![("kind", "done"), ("entry", "7")], "(done)"),
        (
            vec![
                ("kind", "sent"),
                ("to", "The CEO"),
                ("letter_kind", "executive escalation"),
                ("via", "email"),
            ],
            "Letter (executive escalation) sent to The CEO",
        ),
        (
            vec![
                ("kind", "goal"),
                ("resolution", "A refund of $129 by Friday"),
                ("reason", "they need a date"),
            ],
            "A refund of $129 by Friday",
        ),
        (
            vec![("kind", "lesson"), ("text", "Ask for the extension first")],
            "Ask for the extension first",
        ),
    ] {
        let r = w.post("/cases/1/add", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{fields:?}: {}", r.body);
        assert!(w.get("/cases/1").await.body.contains(expect), "{expect}");
    }
    assert_eq!(w.get("/cases/99").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_live_call_with_two_transfers_saves_every_tap() {
    let w = Web::new().await;
    w.open_case().await;
    let call = w.get("/cases/1/call").await;
    assert!(call.body.contains("Start the call"));
    let tap = |fields: Vec<(&'static str, &'static str)>| {
        let w = &w;
        async move {
            let r = w.post("/cases/1/call", &fields).await;
            assert_eq!(
                (r.status, r.location.as_deref()),
                (StatusCode::SEE_OTHER, Some("/cases/1/call")),
                "{fields:?}: {}",
                r.body
            );
        }
    };
    tap(vec![
        ("action", "start"),
        ("channel", "phone"),
        ("via", "800 555 0100"),
    ])
    .await;
    tap(vec![
        ("action", "rep"),
        ("name", "Dana Reyes"),
        ("ext", "4471"),
        ("dept", "Billing"),
    ])
    .await;
    tap(vec![
        ("action", "rep"),
        ("name", "Marcus Lee"),
        ("dept", "Billing, Tier 2"),
        ("role", "supervisor"),
    ])
    .await;
    tap(vec![("action", "rep"), ("name", "Priya")]).await;
    tap(vec![("action", "ref"), ("value", "CAS-88120")]).await;
    tap(vec![("action", "hold")]).await;
    assert!(w.get("/cases/1/call").await.body.contains("Back from hold"));
    tap(vec![("action", "resume")]).await;
    tap(vec![
        ("action", "promise"),
        ("what", "call me back"),
        ("due", "in 2 days"),
    ])
    .await;
    let before = w.entries();
    tap(vec![
        ("action", "offer"),
        ("what", "a $25 credit"),
        ("value", "25"),
        ("answer", "not-full"),
    ])
    .await;
    assert_eq!(w.entries(), before + 2, "the offer and its answer");
    let page = w.get("/cases/1/call").await.body;
    assert!(
        page.contains("2 transfers") && page.contains("With Priya"),
        "{page}"
    );
    assert!(
        page.contains("Transferred from Marcus Lee to Priya"),
        "the call's log"
    );
    assert!(page.contains("data-start=\""), "the timer");

    let r = w
        .post("/cases/1/call", &[("action", "rep"), ("name", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = w
        .post("/cases/1/call", &[("action", "end"), ("rating", "9")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    tap(vec![
        ("action", "end"),
        ("outcome", "credit only"),
        ("rating", "2"),
    ])
    .await;

    let s = SqliteStore::open(&w.db).unwrap();
    let case = s.case(s.case_by_handle(1).unwrap().unwrap()).unwrap().state;
    let c = &case.contacts[0];
    assert_eq!((c.transfers(), c.rating, c.is_open()), (2, Some(2), false));
    assert_eq!(case.references[0].value, "CAS-88120");
    // A form field is a value, never part of a spec: its comma stays.
    let marcus = &c.reps[1].rep;
    assert_eq!(
        (marcus.department.as_deref(), marcus.role.as_deref()),
        (Some("Billing, Tier 2"), Some("supervisor"))
    );
    // One append: the answer names the offer made with it, and both share
    // one recorded time (a retry could not have split them).
    let entries = s.read_stream(case.id).unwrap();
    let offer = entries
        .iter()
        .find(|e| e.event.kind() == "offer_made")
        .unwrap();
    let answer = entries
        .iter()
        .find(|e| e.event.kind() == "offer_answered")
        .unwrap();
    assert_eq!(answer.seq, offer.seq + 1);
    assert_eq!(answer.recorded, offer.recorded);
    assert!(
        matches!(&answer.event, casefile_core::Event::OfferAnswered { offer: o, .. } if *o == offer.id)
    );
    assert_eq!(case.promises[0].by.as_deref(), Some("Priya"));
    assert_eq!(
        case.offers[0].answer,
        Some(casefile_core::OfferAnswer::AcceptedNotFull)
    );
    assert!(s.verify().unwrap().is_empty());
}

#[tokio::test]
async fn records_letters_pictures_companies_search_due_and_the_tone_check() {
    let w = Web::new().await;
    w.open_case().await;
    w.post("/cases/1/call", &[("action", "start")]).await;
    w.post(
        "/cases/1/call",
        &[
            ("action", "rep"),
            ("name", "Dana <Reyes>"),
            ("dept", "Billing"),
        ],
    )
    .await;
    w.post(
        "/cases/1/call",
        &[("action", "rep"), ("name", "Marcus"), ("dept", "Retention")],
    )
    .await;
    w.post("/cases/1/call", &[("action", "end")]).await;

    let record = w.get("/cases/1/record").await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(
        record.body.contains("Case record: Router refund")
            && record.body.contains("Dana &lt;Reyes&gt;")
    );
    // Styled by the app's own stylesheet (its CSP allows no inline style),
    // with a way back to the case.
    assert!(
        record.body.contains("/assets/app.css")
            && !record.body.contains("<style")
            && record
                .body
                .contains("<a href=\"/cases/1\">Back to case 1</a>"),
        "{}",
        record.body
    );
    let letter = w.get("/cases/1/letter/executive?from=Sam").await;
    assert!(
        letter.status == StatusCode::OK
            && letter.body.contains("Yours sincerely")
            && letter.body.contains("Sam")
    );
    assert_eq!(
        w.get("/cases/1/letter/ransom").await.status,
        StatusCode::NOT_FOUND
    );
    let words = w.get("/cases/1/script/plea").await;
    assert!(
        words.status == StatusCode::OK
            && words.body.contains("ask this person for their help")
            && words.body.contains("Back to case 1"),
        "{}",
        words.body
    );
    let none = w.get("/cases/1/script/ransom").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert!(none.body.contains("plea"), "the known ones are named");

    let pic = w.get("/cases/1/picture.svg").await;
    assert_eq!(
        pic.headers.get(header::CONTENT_TYPE).unwrap(),
        "image/svg+xml"
    );
    assert!(pic.body.starts_with("<svg") && pic.body.contains("<rect"));
    let companies = w.get("/companies").await;
    assert!(companies.body.contains("Acme Broadband"));
    let company = w.get("/companies/1").await;
    assert!(company.body.contains("Dana &lt;Reyes&gt;") && company.body.contains("Marcus"));
    let org = w.get("/companies/1/org.svg").await;
    assert!(
        org.body.contains("Dana &lt;Reyes&gt;")
            && org.body.contains("marker-end")
            && !org.body.contains("<Reyes>")
    );
    assert_eq!(w.get("/companies/9").await.status, StatusCode::NOT_FOUND);

    assert!(
        w.get("/search?q=refund")
            .await
            .body
            .contains("Router refund")
    );
    assert!(
        w.get("/search?q=%22%29%28*").await.status == StatusCode::OK,
        "odd queries are safe"
    );
    assert_eq!(w.get("/due").await.status, StatusCode::OK);
    assert!(w.get("/check").await.body.contains("Tone check"));
    let checked = w
        .post(
            "/check",
            &[(
                "draft",
                "You people are useless. Refund me or else!!! PLEASE ANSWER",
            )],
        )
        .await;
    assert!(
        checked.body.contains("threat")
            && checked.body.contains("blame")
            && checked.body.contains("shouting")
            && checked
                .body
                .contains("Reads as: <strong>will hurt (politeness")
            && checked.body.contains("Rewritten: Refund me.")
            && checked.body.contains("Rewritten: Please answer")
    );
    // A chat message is judged for its tone, not for what a letter holds;
    // the same words as an email lack a greeting and the rest.
    let chat = "Could you look at why my refund has not arrived? Thanks.";
    let as_chat = w.post("/check", &[("draft", chat), ("kind", "chat")]).await;
    assert!(
        as_chat.body.contains("Nothing to flag")
            && as_chat.body.contains("<option value=\"chat\" selected>"),
        "{}",
        as_chat.body
    );
    let as_email = w
        .post("/check", &[("draft", chat), ("kind", "email")])
        .await;
    assert!(
        as_email.body.contains("<h2>Missing</h2>") && as_email.body.contains("a greeting"),
        "{}",
        as_email.body
    );
    // The same finding twice in a row is told once, with both excerpts.
    let tagged = w
        .post(
            "/check",
            &[("draft", "@AcmeHelp @FTC @bbb_us my refund is late.")],
        )
        .await;
    assert_eq!(
        tagged.body.matches("<strong>threat</strong>").count(),
        1,
        "{}",
        tagged.body
    );
    assert!(
        tagged
            .body
            .contains("<strong>threat</strong>: “@FTC”, “@bbb_us”</p>"),
        "{}",
        tagged.body
    );
    assert_eq!(
        w.post_raw("/check", &[("draft", "x")], None).await.status,
        StatusCode::FORBIDDEN
    );
    // The page reads with the same model as the command, once it is installed
    // (as `casefile serve` does): scorn no phrase shows is the model's finding.
    casefile_tone::install();
    let scorn = "And just like that @eBay helped with the spread of Coronavirus in the U.S. link";
    let checked = w.post("/check", &[("draft", scorn)]).await;
    assert!(
        checked.body.contains("<strong>tone</strong>")
            && checked.body.contains("the tone model&#x27;s reading")
            && checked.body.contains("Reads as: <strong>will hurt"),
        "{}",
        checked.body
    );
}

#[tokio::test]
async fn the_public_record_and_who_reports_to_whom() {
    let w = Web::new().await;
    let sample = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/cfpb/complaints-sample.csv");
    let intel = casefile_intel::Intel::open(&w.db.with_file_name("web.intel.db")).unwrap();
    intel
        .import(std::fs::File::open(sample).unwrap(), &mut |_| {})
        .unwrap();
    let r = w
        .post(
            "/cases",
            &[
                ("title", "Escrow"),
                ("company", "Wells Fargo"),
                ("problem", "My mortgage escrow payment was misapplied"),
                ("resolution", "Fix the escrow within 30 days"),
                ("fair", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = w.get("/cases/1").await.body;
    assert!(
        page.contains("What the public record shows")
            && page.contains("WELLS FARGO &amp; COMPANY: 174 complaints"),
        "{page}"
    );

    w.post("/cases/1/call", &[("action", "start")]).await;
    w.post(
        "/cases/1/call",
        &[
            ("action", "rep"),
            ("name", "Dana"),
            ("dept", "Billing"),
            ("reports_to", "Marcus"),
        ],
    )
    .await;
    w.post(
        "/cases/1/call",
        &[
            ("action", "rep"),
            ("name", "Marcus"),
            ("dept", "Billing"),
            ("role", "supervisor"),
        ],
    )
    .await;
    let org = w.get("/companies/1/org.svg").await.body;
    assert!(
        org.contains("stroke-dasharray") && org.contains("Dana reports to Marcus"),
        "{org}"
    );
}

#[tokio::test]
async fn a_file_is_recorded_by_its_fingerprint() {
    let w = Web::new().await;
    w.open_case().await;
    let multipart = |csrf: &str, file: Option<(&str, &[u8])>| {
        let mut body =
            format!("--XYZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
                .into_bytes();
        if let Some((name, bytes)) = file {
            body.extend(format!("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes());
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(b"--XYZ--\r\n");
        Request::post("/cases/1/attach")
            .header(header::COOKIE, format!("casefile_session={}", w.session))
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XYZ")
            .body(Body::from(body))
            .unwrap()
    };
    let before = w.entries();
    assert_eq!(
        w.send(multipart(
            "wrong",
            Some(("receipt.pdf", b"%PDF-1.4 receipt"))
        ))
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.send(multipart(&w.csrf, None)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(w.entries(), before);
    let r = w
        .send(multipart(
            &w.csrf,
            Some(("receipt.pdf", b"%PDF-1.4 receipt")),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = w.get("/cases/1").await.body;
    // sha256 of "%PDF-1.4 receipt"
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(b"%PDF-1.4 receipt")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        page.contains("Attached receipt.pdf (16 bytes, sha256 ") && page.contains(&sha[..12]),
        "{page}"
    );
    // The file itself is kept beside the journal, by its fingerprint...
    let kept = w.db.with_file_name("web.exhibits").join(&sha);
    assert_eq!(std::fs::read(&kept).unwrap(), b"%PDF-1.4 receipt");
    // ...and comes back in the case's bundle.
    let r = w.get("/cases/1/bundle.zip").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/zip"
    );
    assert!(r.body.starts_with("PK"), "a zip");
    assert!(r.body.contains("%PDF-1.4 receipt") && r.body.contains("record.html"));
}

/// One config file, the same cost in every face: the web page reads the
/// settings the command line reads (the file's hourly value and rep minute).
#[tokio::test]
async fn the_web_and_the_command_line_count_the_same_cost() {
    use assert_cmd::cargo::CommandCargoExt;
    let web_dir = tempfile::tempdir().unwrap();
    let config = web_dir.path().join("config.toml");
    std::fs::write(&config, "hourly_value = 80\nagent_minute = \"3\"\n").unwrap();
    let db = web_dir.path().join("web.db");
    let env = |k: &str| match k {
        "CASEFILE_CONFIG" => Some(config.display().to_string()),
        _ => None,
    };
    let settings = casefile_app::Settings::load(&env, casefile_app::Layer::default()).unwrap();
    let app = App::local(db.clone(), settings, KEY.into());
    let web = Web::paired(app, db.clone(), web_dir).await;
    web.open_case().await;
    let cli = |args: &[&str]| {
        let out = std::process::Command::cargo_bin("casefile")
            .unwrap()
            .args(args)
            .env("CASEFILE_DB", &db)
            .env("CASEFILE_CONFIG", &config)
            .env("TZ", "UTC")
            .env_remove("CASEFILE_HOURLY_VALUE")
            .env_remove("CASEFILE_AGENT_MINUTE")
            .env_remove("CASEFILE_CURRENCY")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    cli(&[
        "log",
        "1",
        "--start",
        "2026-11-03 14:05",
        "--end",
        "2026-11-03 15:05",
    ]);
    let cost = cli(&["cost", "1"]);
    assert!(
        cost.contains("At $80.00/hour your time is worth $80.00"),
        "{cost}"
    );
    assert!(cost.contains("company's cost ≈ $180.00"), "{cost}");
    let page = web.get("/cases/1").await.body;
    assert!(page.contains("Your total: $80.00."), "{page}");
    assert!(page.contains("The company's, roughly: $180.00."), "{page}");
}

/// A form and a command refuse the same bad input with the same words, and
/// neither writes anything: both read into the application's operations.
#[tokio::test]
async fn a_form_and_a_command_refuse_alike() {
    use assert_cmd::cargo::CommandCargoExt;
    let w = Web::new().await;
    w.open_case().await;
    let cli = |args: &[&str]| {
        let out = std::process::Command::cargo_bin("casefile")
            .unwrap()
            .args(args)
            .env("CASEFILE_DB", &w.db)
            .env("CASEFILE_CONFIG", w.db.with_file_name("none.toml"))
            .env("TZ", "UTC")
            .env_remove("CASEFILE_CURRENCY")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} is refused");
        let err = String::from_utf8(out.stderr).unwrap();
        err.lines()
            .next()
            .unwrap()
            .trim_start_matches("error: ")
            .to_string()
    };
    let before = w.entries();
    for (form, args) in [
        (
            vec![("kind", "expense"), ("amount", "lots"), ("what", "postage")],
            vec!["expense", "1", "lots", "postage"],
        ),
        (
            vec![
                ("kind", "promise"),
                ("what", "a call"),
                ("due", "the 45th of Smarch"),
            ],
            vec!["promise", "1", "a call", "--due", "the 45th of Smarch"],
        ),
        (
            vec![("kind", "kept"), ("entry", "2")],
            vec!["kept", "1", "2"],
        ),
        (
            vec![
                ("kind", "time"),
                ("duration", "forever"),
                ("what", "letters"),
            ],
            vec!["time", "1", "forever", "letters"],
        ),
        (
            vec![("kind", "amend"), ("entry", "99"), ("reason", "typo")],
            vec!["amend", "1", "99", "--reason", "typo"],
        ),
    ] {
        let said = cli(&args);
        let page = w.post("/cases/1/add", &form).await;
        assert!(page.status.is_client_error(), "{form:?}: {}", page.status);
        let escaped = said.replace('\'', "&#x27;").replace('"', "&quot;");
        assert!(
            page.body.contains(&said) || page.body.contains(&escaped),
            "{form:?}: the command said {said:?}; the page: {}",
            page.body
        );
    }
    assert_eq!(w.entries(), before, "nothing was written");
}

/// Sixty-four people posting at once to one case on one SQLite file: the
/// writes queue for the one writer, and every one lands, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_writers_all_land_once() {
    let w = std::sync::Arc::new(Web::new().await);
    w.open_case().await;
    let before = w.entries();
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let w = w.clone();
            tokio::spawn(async move {
                w.post(
                    "/cases/1/add",
                    &[("kind", "note"), ("text", &format!("writer {i}"))],
                )
                .await
                .status
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::SEE_OTHER);
    }
    assert_eq!(w.entries(), before + 64, "none lost, none doubled");
    let s = SqliteStore::open(&w.db).unwrap();
    assert!(s.verify().unwrap().is_empty());
    let id = s.case_by_handle(1).unwrap().unwrap();
    let notes: std::collections::BTreeSet<String> = s
        .read_stream(id)
        .unwrap()
        .iter()
        .filter_map(|e| match &e.event {
            casefile_core::Event::NoteAdded { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 64, "each writer's note is there once");
}

/// Another device joins with a fresh one-time link (shown with a QR code),
/// which opens once.
#[tokio::test]
async fn another_device_is_added_with_a_new_one_time_link() {
    let w = Web::new().await;
    assert_eq!(
        w.post_raw("/devices", &[], None).await.status,
        StatusCode::FORBIDDEN
    );
    let r = w.post("/devices", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<svg"), "a QR code");
    let body = r.body.replace("&#x2f;", "/");
    let start = body.find("/pair/").unwrap();
    let token: String = body[start + 6..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 64);
    let path = format!("/pair/{token}");
    let first = w
        .send(Request::get(&path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let phone = session_cookie(&first.headers);
    assert_ne!(phone, w.session, "the phone has a session of its own");
    let again = w
        .send(Request::get(&path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

/// The case in JSON: the stored state, sensitive identifiers masked unless
/// asked for, and a missing case a 404.
#[tokio::test]
async fn the_case_as_json_masks_what_is_sensitive() {
    let w = Web::new().await;
    w.open_case().await;
    let r = w.get("/api/cases/1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(j["handle"], 1);
    assert_eq!(j["state"]["title"], "Router refund");
    assert!(
        !r.body.contains("8812447109") && r.body.contains("7109"),
        "{}",
        r.body
    );
    assert!(
        w.get("/api/cases/1?reveal")
            .await
            .body
            .contains("8812447109")
    );
    assert_eq!(w.get("/api/cases/9").await.status, StatusCode::NOT_FOUND);
}

impl Web {
    /// A post as the call page's script sends it: it asks for JSON.
    async fn post_script(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let body: String = all
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Request::post(path)
                .header(header::COOKIE, format!("casefile_session={}", self.session))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .header(header::HOST, "127.0.0.1:8484")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

#[tokio::test]
async fn what_a_phone_sends_twice_lands_once_at_the_time_it_was_tapped() {
    let w = Web::new().await;
    w.open_case().await;
    let r = w.post("/cases/1/call", &[("action", "start")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let key = "0192f7a4-5b6c-7d8e-9f01-23456789abcd";
    let tapped = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(7);
    let ms = tapped.as_millisecond().to_string();
    let note = [
        ("action", "note"),
        ("text", "said while the line was down"),
        ("key", key),
        ("at_ms", ms.as_str()),
    ];
    let first = w.post_script("/cases/1/call", &note).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let saved: serde_json::Value = serde_json::from_str(&first.body).unwrap();
    let before = w.entries();
    // The answer was lost; the phone sends it again, after another tap landed.
    let r = w
        .post("/cases/1/call", &[("action", "ref"), ("value", "CAS-1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let again = w.post_script("/cases/1/call", &note).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&again.body).unwrap(),
        saved
    );
    assert_eq!(w.entries(), before + 1, "only the case number was added");
    // Even a send whose action would now be refused (a second start) is
    // answered with what was stored.
    let start_key = "0192f7a4-5b6c-7d8e-9f01-000000000001";
    let s1 = w
        .post_script("/cases/1/call", &[("action", "end"), ("key", start_key)])
        .await;
    assert_eq!(s1.status, StatusCode::OK, "{}", s1.body);
    let s2 = w
        .post_script("/cases/1/call", &[("action", "end"), ("key", start_key)])
        .await;
    assert_eq!(
        (s2.status, s2.body.clone()),
        (StatusCode::OK, s1.body.clone())
    );

    let s = SqliteStore::open(&w.db).unwrap();
    let id = s.case_by_handle(1).unwrap().unwrap();
    let entries = s.read_stream(id).unwrap();
    let kept = entries
        .iter()
        .find(|e| e.id.to_string() == key)
        .expect("the note keeps the phone's id");
    assert_eq!(kept.at.as_millisecond(), tapped.as_millisecond());
    assert!(kept.recorded > kept.at);
    assert!(s.verify().unwrap().is_empty());

    // Refusals come back as JSON the page can show, and write nothing.
    let n = w.entries();
    let bad = w
        .post_script(
            "/cases/1/call",
            &[("action", "note"), ("text", "x"), ("key", "not-a-uuid")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("is not an entry id"), "{}", bad.body);
    let bad = w
        .post_script("/cases/1/call", &[("action", "note"), ("text", " ")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("\"error\""), "{}", bad.body);
    let forged = w
        .send(
            Request::post("/cases/1/call")
                .header(header::COOKIE, format!("casefile_session={}", w.session))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from("csrf=wrong&action=note&text=x"))
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("expired"), "{}", forged.body);
    assert_eq!(w.entries(), n);
}

#[tokio::test]
async fn a_phone_stays_signed_in_when_the_server_restarts() {
    let w = Web::new().await;
    assert_eq!(w.get("/").await.status, StatusCode::OK);
    // The server restarts on the same file, with a new one-time link.
    let again = router(App::new(
        w.db.clone(),
        "another-key-0123456789abcdef".into(),
    ));
    let ask = |session: String| {
        let again = again.clone();
        async move {
            again
                .oneshot(
                    Request::get("/")
                        .header(header::COOKIE, format!("casefile_session={session}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(ask(w.session.clone()).await, StatusCode::OK);
    assert_eq!(ask("made-up".into()).await, StatusCode::UNAUTHORIZED);
    // The sign-ins are kept as hashes, readable by the owner only.
    let mut kept = w.db.clone().into_os_string();
    kept.push(".sessions");
    let text = std::fs::read_to_string(&kept).unwrap();
    assert!(
        !text.contains(&w.session) && text.lines().count() == 1,
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    // Signing out ends it for the restarted server too.
    let out = w.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let third = router(App::new(
        w.db.clone(),
        "third-key-0123456789abcdefgh".into(),
    ));
    let status = third
        .oneshot(
            Request::get("/")
                .header(header::COOKIE, format!("casefile_session={}", w.session))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_app_installs_and_works_offline_from_its_own_files() {
    let w = Web::new().await;
    let page = w.get("/").await.body;
    assert!(page.contains("rel=\"manifest\" href=\"/manifest.webmanifest\""));
    assert!(page.contains("rel=\"icon\""));
    // These open without a session: a browser fetches them on its own.
    for (path, kind) in [
        ("/manifest.webmanifest", "application/manifest+json"),
        ("/sw.js", "text/javascript"),
        ("/assets/icon-192.png", "image/png"),
        ("/assets/icon-512.png", "image/png"),
        ("/assets/icon.svg", "image/svg+xml"),
        ("/favicon.ico", "image/svg+xml"),
    ] {
        let r = w
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let ct = r
            .headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(ct.starts_with(kind), "{path}: {ct}");
    }
    let manifest: serde_json::Value = serde_json::from_str(
        &w.send(
            Request::get("/manifest.webmanifest")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    // Every icon it names is served.
    for icon in manifest["icons"].as_array().unwrap() {
        let r = w
            .send(
                Request::get(icon["src"].as_str().unwrap())
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{icon}");
    }
    // The worker fetches nothing from anywhere else.
    let sw = w
        .send(Request::get("/sw.js").body(Body::empty()).unwrap())
        .await
        .body;
    assert!(!sw.contains("http://") && !sw.contains("https://"), "{sw}");
}

/// Every field a person types in says what keyboard and what autofill it
/// wants: numbers get a number pad, money a decimal one, and nothing
/// offers to fill in another site's data.
#[tokio::test]
async fn every_field_says_its_keyboard_and_autofill() {
    let w = Web::new().await;
    w.open_case().await;
    w.post("/cases/1/call", &[("action", "start")]).await;
    for path in [
        "/",
        "/cases/new",
        "/cases/1",
        "/cases/1/call",
        "/search?q=router",
        "/check",
        "/cases/1/letter/executive",
    ] {
        let page = w.get(path).await.body;
        let mut rest = page.as_str();
        let mut fields = 0;
        while let Some(i) = rest.find(['<']) {
            rest = &rest[i..];
            let end = rest.find('>').unwrap();
            let tag = &rest[..=end];
            rest = &rest[end..];
            if !(tag.starts_with("<input") || tag.starts_with("<textarea")) {
                continue;
            }
            if ["hidden", "checkbox", "radio", "file"]
                .iter()
                .any(|t| tag.contains(&format!("type=\"{t}\"")))
            {
                continue;
            }
            fields += 1;
            assert!(tag.contains("autocomplete="), "{path}: {tag}");
            if tag.contains("name=\"entry\"") {
                assert!(tag.contains("inputmode=\"numeric\""), "{path}: {tag}");
            }
            if tag.contains("name=\"amount\"") || tag.contains("id=\"of-value\"") {
                assert!(tag.contains("inputmode=\"decimal\""), "{path}: {tag}");
            }
        }
        assert!(fields > 0 || path == "/", "{path} has fields");
    }
}

/// Mid-call the numbers to read out show on the call page, and one tap
/// hides them; before a call, and on every other page, they stay masked.
#[tokio::test]
async fn the_call_page_shows_the_numbers_to_read_out_during_a_call() {
    let w = Web::new().await;
    w.open_case().await;
    let before = w.get("/cases/1/call").await.body;
    assert!(!before.contains("8812447109"), "masked before the call");
    w.post("/cases/1/call", &[("action", "start")]).await;
    let during = w.get("/cases/1/call").await.body;
    assert!(during.contains("8812447109"), "{during}");
    assert!(during.contains("href=\"/cases/1/call?mask=1\""));
    let masked = w.get("/cases/1/call?mask=1").await.body;
    assert!(!masked.contains("8812447109") && masked.contains("••••7109"));
    assert!(!w.get("/cases/1").await.body.contains("8812447109"));
    assert!(!w.get("/cases/1/record").await.body.contains("8812447109"));
}

/// The case page carries what was learned in earlier cases with the same
/// company, and the advice speaks in links, not command lines.
#[tokio::test]
async fn the_case_page_shows_lessons_from_earlier_cases_with_the_company() {
    let w = Web::new().await;
    w.open_case().await;
    let r = w
        .post(
            "/cases/1/add",
            &[("kind", "lesson"), ("text", "Ask for retention at once")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let second = w
        .post(
            "/cases",
            &[
                ("title", "Modem refund"),
                ("company", "Acme Broadband"),
                ("problem", "The modem stopped connecting on Nov 20"),
                ("resolution", "A full refund of $80 within 10 days"),
                ("fair", "yes"),
            ],
        )
        .await;
    assert_eq!(
        second.location.as_deref(),
        Some("/cases/2"),
        "{}",
        second.body
    );
    let page = w.get("/cases/2").await.body;
    assert!(
        page.contains("What you learned with Acme Broadband before")
            && page.contains("<a href=\"/cases/1\">Case 1</a>: Ask for retention at once"),
        "{page}"
    );
    let advice = page.split("id=\"advice-h\"").nth(1).unwrap_or_default();
    assert!(
        !advice.contains("casefile ") && !advice.contains('`'),
        "{advice}"
    );
}

/// On one person's own file, the cases page says where this device syncs,
/// when it last did, and what written here has not gone up yet.
#[tokio::test]
async fn the_cases_page_tells_this_devices_sync() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let env = |k: &str| match k {
        "CASEFILE_CONFIG" => Some(config.display().to_string()),
        _ => None,
    };
    let settings = casefile_app::Settings::load(&env, casefile_app::Layer::default()).unwrap();
    let db = dir.path().join("web.db");
    let app = App::local(db.clone(), settings.clone(), KEY.into());
    let web = Web::paired(app, db.clone(), dir).await;
    web.open_case().await;
    let home = web.get("/").await.body;
    assert!(!home.contains("This device syncs"), "not signed in: {home}");
    // Nothing of this file has been sent anywhere: every entry waits.
    let store = SqliteStore::open(&db).unwrap();
    let written: u64 = store.streams().unwrap().iter().map(|s| s.head_seq).sum();
    assert!(written > 1);

    casefile_app::sync::save_credential(
        &settings,
        &casefile_app::sync::Credential {
            url: "https://casefile.example.org".into(),
            session: "s".into(),
            fingerprint: None,
            workspace: None,
            account: None,
            last_sync: Some("2026-11-20T14:05:00Z".parse().unwrap()),
        },
    )
    .unwrap();
    let home = web.get("/").await.body;
    let said = home
        .split("<p class=\"note\">")
        .nth(1)
        .and_then(|p| p.split("</p>").next())
        .unwrap_or_else(|| panic!("{home}"));
    assert!(
        said.starts_with(
            "This device syncs with https:&#x2f;&#x2f;casefile.example.org: last on 2026-11-2"
        ) && said.ends_with(&format!(
            ". {written} entries written here have not gone up yet: run <code>casefile sync</code>."
        )),
        "{said}"
    );
    // What a sync leaves: every journal's entries known to the server.
    let mut store = store;
    for s in store.streams().unwrap() {
        store.set_synced(s.id, s.head_seq).unwrap();
    }
    let home = web.get("/").await.body;
    assert!(
        home.contains("Everything written here has gone up."),
        "{home}"
    );
}
