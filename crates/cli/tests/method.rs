//! The coach's behaviours (issue 13), one scenario each, written from the
//! method and played through all three faces on one real journal: the
//! command line (the binary), the console (its machine, writes and screen,
//! on a buffer at a fixed clock) and the web app (a real `casefile serve`).
//! What the person reads is snapshotted; what they would say aloud passes
//! the tone check.

mod common;

use casefile::console::Headless;
use casefile_core::Channel;
use common::{Env, NOW, Web};

/// The console on the test's journal, in this process: the CLI's config
/// and templates, the test's clock and zone.
fn console_ctx(env: &Env, now: &str) -> casefile_app::Ctx {
    let config = env.dir.path().join("config.toml");
    let settings = casefile_app::Settings::load(
        &|k| match k {
            "CASEFILE_CONFIG" => Some(config.display().to_string()),
            _ => None,
        },
        casefile_app::Layer {
            db: Some(env.db.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let store = casefile_store_sqlite::SqliteStore::open(&env.db).unwrap();
    let mut ctx =
        casefile_app::Ctx::with_store(Box::new(store), env.db.clone(), settings, false, false)
            .unwrap();
    ctx.now = now.parse().unwrap();
    ctx.tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    ctx
}

/// A later time on the test's day, in UTC.
fn at(hh_mm: &str) -> String {
    format!("2026-11-10T{hh_mm}:00Z")
}

/// Words a person would say pass the tone check: nothing in them will hurt
/// (exit 9); what a spoken line leaves out is no fault of it.
fn passes_tone_check(env: &Env, words: &str) {
    let out = env.run_with_stdin(&["check", "-", "--kind", "chat"], words.as_bytes());
    assert_ne!(
        out.status.code(),
        Some(9),
        "{words:?} fails the tone check:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The text of one panel of the console's screen ("left" log, "right"
/// brief), its wrapped lines joined, so a sentence reads whole.
fn panel(screen: &str, right: bool) -> String {
    screen
        .lines()
        .filter_map(|l| {
            let parts: Vec<&str> = l.split('│').collect();
            parts.get(if right { 3 } else { 1 }).map(|p| p.trim())
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn squash(screen: &str) -> String {
    panel(screen, true)
}

/// The double charge the scenarios about money and letters share.
fn open_refund(env: &Env) {
    open(
        env,
        "Refund",
        "I was charged twice for order A-1001",
        "a refund of $129",
        &[],
    );
}

fn open(env: &Env, title: &str, problem: &str, resolution: &str, extra: &[&str]) {
    let mut args = vec![
        "open",
        title,
        "--company",
        "Acme Broadband",
        "--problem",
        problem,
        "--resolution",
        resolution,
        "--fair",
        "yes",
        "--at",
        "2026-11-01 09:00",
    ];
    args.extend_from_slice(extra);
    env.ok(&args);
}

// 1. Sentences that read right whatever was typed, following the channel.
#[test]
fn b01_what_is_said_reads_right_whatever_was_typed_on_every_face() {
    let env = Env::new();
    open(
        &env,
        "Outage",
        "no internet since Tuesday",
        "restore service",
        &["--id", "Member=445 2231"],
    );
    env.ok(&["contact", "start", "1", "--channel", "chat"]);
    env.ok(&["contact", "rep", "1", "Sam"]);
    let cli = env.ok(&["script", "1", "greeting"]);
    insta::assert_snapshot!("b01_cli_greeting", cli);
    for wrong in [
        "get restore",
        "My member is",
        "taking my call",
        "because no",
    ] {
        assert!(!cli.contains(wrong), "{wrong}: {cli}");
    }
    passes_tone_check(&env, &cli);

    let mut ctx = console_ctx(&env, NOW);
    let mut console = Headless::open(&mut ctx, "1", Channel::Chat).unwrap();
    console.keys("\n").unwrap();
    let screen = console.screen(100, 32).unwrap();
    insta::assert_snapshot!("b01_console", screen);
    assert!(
        squash(&screen).contains("about a problem: no internet since Tuesday"),
        "{screen}"
    );
    drop(console);

    let web = Web::start(&env);
    let moment = web.text("/cases/1/call", "moment");
    insta::assert_snapshot!("b01_web_moment", moment);
    assert!(moment.contains("thanks for chatting with me"), "{moment}");
    assert!(
        moment.contains("hoping you can restore service"),
        "{moment}"
    );
}

// 2. Identifiers readable during a contact, hidden again with one key or tap;
// records stay masked.
#[test]
fn b02_numbers_to_read_out_show_during_a_contact_only() {
    let env = Env::new();
    open(
        &env,
        "Router refund",
        "The X200 router stopped connecting on Oct 31",
        "a full refund of $129",
        &["--sensitive-id", "Account=8812 4471 09"],
    );
    let before = env.ok(&["brief", "1"]);
    assert!(!before.contains("8812 4471 09"), "{before}");

    let mut ctx = console_ctx(&env, NOW);
    let mut console = Headless::open(&mut ctx, "1", Channel::Phone).unwrap();
    let shown = console.screen(100, 32).unwrap();
    assert!(shown.contains("8812 4471 09"), "{shown}");
    console.keys("m").unwrap();
    let hidden = console.screen(100, 32).unwrap();
    assert!(!hidden.contains("8812 4471 09"), "{hidden}");
    drop(console);

    let web = Web::start(&env);
    let call = web.get("/cases/1/call");
    assert!(call.contains("8812 4471 09"), "shown on the call page");
    let masked = web.get("/cases/1/call?mask=1");
    assert!(!masked.contains("8812 4471 09"), "one tap hides it");
    let record = web.get("/cases/1/record");
    assert!(!record.contains("8812 4471 09"), "the record stays masked");
    let letter = env.ok(&["letter", "1", "executive"]);
    assert!(!letter.contains("8812 4471 09"), "{letter}");
}

// 3. Start over with every new person, with what this contact produced; the
// plea after two transfers carries the problem.
#[test]
fn b03_every_new_person_hears_it_from_the_start() {
    let env = Env::new();
    open(
        &env,
        "Outage",
        "My internet has been down since Nov 3",
        "a working connection and a credit for the days without service",
        &[],
    );
    env.ok(&["contact", "start", "1"]);
    env.ok(&["contact", "rep", "1", "Dana Reyes, dept=Billing"]);
    env.ok(&["ref", "1", "CAS-88120"]);
    env.ok(&["contact", "rep", "1", "Marcus Lee, dept=Tech support"]);
    let cli = env.ok(&["advice", "1"]);
    insta::assert_snapshot!("b03_cli_advice_after_one_transfer", cli);
    assert!(cli.contains("Marcus Lee is new to this"), "{cli}");
    assert!(
        cli.contains("speaking with Dana Reyes, who gave me case number CAS-88120"),
        "{cli}"
    );

    let mut ctx = console_ctx(&env, &at("17:05"));
    let mut console = Headless::open(&mut ctx, "1", Channel::Phone).unwrap();
    console
        .keys("\nrPriya Natarajan, dept=Retention\n")
        .unwrap();
    let screen = squash(&console.screen(100, 36).unwrap());
    assert!(
        screen.contains("Passed along 2 times. Start over with Priya Natarajan"),
        "{screen}"
    );
    assert!(
        screen.contains("My internet has been down since Nov 3"),
        "the plea states the problem: {screen}"
    );
    drop(console);

    let web = Web::start(&env);
    let moment = web.text("/cases/1/call", "moment");
    insta::assert_snapshot!("b03_web_moment_after_two_transfers", moment);
    assert!(moment.contains("Priya Natarajan"), "{moment}");
    assert!(moment.contains("passed along twice"), "{moment}");
    passes_tone_check(&env, &moment);
}

// 4. Advice has a lifecycle: no rung before any contact, in-contact advice
// only during the contact, no contradictions.
#[test]
fn b04_advice_comes_and_goes_with_the_contact() {
    let env = Env::new();
    open(
        &env,
        "Refund",
        "I was charged twice for order A-1001",
        "refund the duplicate charge of $60",
        &[],
    );
    let before = env.json(&["advice", "1"]);
    assert!(before["next_rung"].is_null(), "{before}");
    assert_eq!(before["in_call"], serde_json::json!([]));
    let text = env.ok(&["advice", "1"]);
    assert!(text.contains("no contact yet"), "{text}");

    env.ok(&["contact", "start", "1"]);
    env.ok(&["contact", "rep", "1", "Dana"]);
    let during = env.json(&["advice", "1"]);
    assert!(
        !during["in_call"].as_array().unwrap().is_empty(),
        "{during}"
    );
    let text = env.ok(&["advice", "1"]);
    assert!(!text.contains("no contact yet"), "{text}");
    assert!(text.contains("On contact #3 now"), "{text}");

    let web = Web::start(&env);
    assert!(web.get("/cases/1/call").contains("Say now"));

    let mut ctx = console_ctx(&env, &at("17:10"));
    let mut console = Headless::open(&mut ctx, "1", Channel::Phone).unwrap();
    assert!(!console.machine().tips.is_empty());
    console.keys("\nxrefund promised\n3").unwrap();
    assert!(
        console.machine().tips.is_empty(),
        "ended: the in-contact advice is gone"
    );
    drop(console);

    let after = env.json(&["advice", "1"]);
    assert_eq!(after["in_call"], serde_json::json!([]), "{after}");
    assert!(!env.ok(&["advice", "1"]).contains("On contact"));
    let page = web.get("/cases/1/call");
    assert!(!page.contains("Say now"), "no contact, no in-call words");
}

// 5. Escalation collects a name, a direct line and who they report to; the
// next rung follows the history.
#[test]
fn b05_going_up_collects_what_the_next_step_needs() {
    let env = Env::new();
    open(
        &env,
        "Outage",
        "My internet has been down since Nov 3",
        "a credit of $40 for the outage",
        &[],
    );
    let mut ctx = console_ctx(&env, NOW);
    let mut console = Headless::open(&mut ctx, "1", Channel::Phone).unwrap();
    console.keys("rDana Reyes\n").unwrap();
    console.keys("ea supervisor\n").unwrap();
    let screen = console.screen(100, 36).unwrap();
    insta::assert_snapshot!("b05_console_after_escalate", screen);
    let said = squash(&screen);
    assert!(said.contains("direct line"), "{said}");
    assert!(said.contains("report to"), "{said}");
    drop(console);

    let advice = env.ok(&["advice", "1"]);
    assert!(advice.contains("get their name, a direct line and who they report to"));
    let web = Web::start(&env);
    let moment = web.text("/cases/1/call", "more");
    assert!(moment.contains("a direct line"), "{moment}");

    // A broken promise after a supervisor: the executive office is next.
    env.ok(&["escalation", "1", "5", "granted"]);
    env.ok(&["contact", "rep", "1", "Marcus Lee, role=supervisor"]);
    env.ok(&[
        "promise",
        "1",
        "call back with a fix",
        "--due",
        "2026-11-09",
    ]);
    env.ok(&["contact", "end", "1"]);
    env.ok(&["broken", "1", "8"]);
    let advice = env.json(&["advice", "1"]);
    assert_eq!(advice["next_rung"], "executive_office", "{advice}");
}

// 6. The method's pieces offered when they apply: ask what they can offer,
// a break when frustrated, the calm words, the reason behind a policy.
#[test]
fn b06_the_method_is_offered_without_asking() {
    let env = Env::new();
    open(
        &env,
        "Warranty",
        "The washer's drum bearing failed in month 11 of the warranty",
        "repair the washer under warranty",
        &[],
    );
    env.ok(&["contact", "start", "1", "--at", "2026-11-10 11:30"]);
    env.ok(&["contact", "rep", "1", "Sam, dept=Warranty"]);
    env.ok(&["note", "1", "Sam says policy is no repairs after 10 months"]);
    let cli = env.ok(&["advice", "1"]);
    insta::assert_snapshot!("b06_cli_policy_and_offer", cli);
    assert!(cli.contains("ask the reason behind it"), "{cli}");
    assert!(
        cli.contains("ask what they can do to put it right"),
        "{cli}"
    );

    // Marked frustrated, on each face: a break is suggested, with words.
    let out = env.ok(&["contact", "frustrated", "1"]);
    insta::assert_snapshot!("b06_cli_frustrated", out);
    assert!(out.contains("take a break"), "{out}");
    assert!(out.contains("not at you"), "the calm words: {out}");

    let mut ctx = console_ctx(&env, &at("17:02"));
    let mut console = Headless::open(&mut ctx, "1", Channel::Phone).unwrap();
    console.keys("\nf").unwrap();
    let screen = squash(&console.screen(100, 40).unwrap());
    assert!(
        screen.contains("You marked that you are frustrated"),
        "{screen}"
    );
    drop(console);

    let web = Web::start(&env);
    let page = web.get("/cases/1/call");
    assert!(page.contains("I&#39;m frustrated") || page.contains("I'm frustrated"));
    web.post("/cases/1/call", &[("action", "frustrated")]);
    let tips = web.text("/cases/1/call", "moment");
    assert!(tips.contains("take a break"), "{tips}");
    let frustrations = env
        .json(&["timeline", "1"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["text"] == "Marked as frustrated")
        .count();
    assert_eq!(frustrations, 3, "one from each face");

    // After a hard contact ends, the advice suggests a rest before the next.
    env.ok(&["contact", "end", "1", "--rating", "1"]);
    let after = env.ok(&["advice", "1"]);
    assert!(
        after.contains("Take a break before the next contact"),
        "{after}"
    );
    for words in [
        env.ok(&["script", "1", "pause"]),
        env.ok(&["script", "1", "calm"]),
        env.ok(&["script", "1", "policy"]),
        env.ok(&["script", "1", "offer"]),
    ] {
        passes_tone_check(&env, &words);
    }
}

// 7. Money follows the offers: an accepted partial offer leaves a remainder
// that every face asks for.
#[test]
fn b07_what_is_still_owed_follows_an_accepted_offer() {
    let env = Env::new();
    open_refund(&env);
    env.ok(&["contact", "start", "1"]);
    env.ok(&["contact", "rep", "1", "Dana"]);
    env.ok(&["offer", "1", "a $40 credit", "--value", "40"]);
    env.ok(&["answer", "1", "5", "not-full"]);
    let brief = env.ok(&["brief", "1"]);
    assert!(brief.contains("$89"), "{brief}");
    let greeting = env.ok(&["script", "1", "greeting"]);
    assert!(greeting.contains("$89"), "{greeting}");
    passes_tone_check(&env, &greeting);

    let mut ctx = console_ctx(&env, NOW);
    let console = Headless::open(&mut ctx, "1", Channel::Phone).unwrap();
    let screen = squash(&console.screen(100, 40).unwrap());
    assert!(screen.contains("$89"), "{screen}");
    drop(console);

    let web = Web::start(&env);
    let case = web.text("/cases/1", "main");
    assert!(case.contains("$89"), "{case}");
}

// 9. Facts before the call: what changed, and what is still missing.
#[test]
fn b09_the_facts_still_missing_are_named_on_every_face() {
    let env = Env::new();
    open(
        &env,
        "Router refund",
        "The X200 router stopped connecting on Oct 31",
        "a full refund of $129",
        &[],
    );
    let brief = env.ok(&["brief", "1"]);
    insta::assert_snapshot!("b09_cli_brief", brief);
    assert!(brief.contains("what has changed since it began"), "{brief}");
    let web = Web::start(&env);
    let case = web.text("/cases/1", "main");
    assert!(case.contains("what has changed since it began"), "{case}");

    let mut ctx = console_ctx(&env, NOW);
    let console = Headless::open(&mut ctx, "1", Channel::Phone).unwrap();
    let screen = squash(&console.screen(100, 40).unwrap());
    assert!(
        screen.contains("what has changed since it began"),
        "{screen}"
    );
}

// 8 and 10. Letters draw on the record, and a contact logged at once keeps
// its order (an answer never before its offer).
#[test]
fn b08_b10_letters_cite_the_record_in_its_real_order() {
    let env = Env::new();
    open_refund(&env);
    env.ok(&[
        "log",
        "1",
        "--start",
        "2026-11-03 10:00",
        "--rep",
        "Dana Reyes, dept=Billing, reports-to=Ann Cole",
        "--ref",
        "CAS-1",
        "--promise",
        "refund the duplicate, due=2026-11-05",
        "--offer",
        "a $20 credit, value=20, answer=declined",
        "--outcome",
        "refund promised",
        "--minutes",
        "20",
    ]);
    let tl = env.json(&["timeline", "1"]);
    let kinds: Vec<&str> = tl
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or(""))
        .collect();
    let offered = kinds.iter().position(|k| *k == "offer_made").unwrap();
    let answered = kinds.iter().position(|k| *k == "offer_answered").unwrap();
    assert!(offered < answered, "{kinds:?}");

    env.ok(&["broken", "1", "6"]);
    let letter = env.ok(&["letter", "1", "executive"]);
    insta::assert_snapshot!("b08_cli_letter_executive", letter);
    assert!(letter.contains("Dana Reyes"), "{letter}");
    assert!(letter.contains("refund the duplicate"), "{letter}");
    assert!(letter.contains("declined"), "{letter}");
    let web = Web::start(&env);
    let page = web.get("/cases/1/letter/executive");
    assert!(page.contains("Dana Reyes") && page.contains("refund the duplicate"));
    let commend = env.ok(&["letter", "1", "commend", "--rep", "Dana Reyes"]);
    assert!(commend.contains("Ann Cole"), "to their manager: {commend}");

    // An offer answered at once on the web page, and on the console.
    web.post(
        "/cases/1/call",
        &[("action", "start"), ("channel", "phone")],
    );
    web.post(
        "/cases/1/call",
        &[
            ("action", "offer"),
            ("what", "a $30 credit"),
            ("value", "30"),
            ("answer", "declined"),
        ],
    );
    let mut ctx = console_ctx(&env, &at("17:20"));
    let mut console = Headless::open(&mut ctx, "1", Channel::Phone).unwrap();
    console.keys("\noa $10 voucher, value=10\nd").unwrap();
    drop(console);
    let tl = env.json(&["timeline", "1"]);
    let kinds: Vec<&str> = tl
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or(""))
        .collect();
    let mut waiting = 0;
    for k in &kinds {
        match *k {
            "offer_made" => waiting += 1,
            "offer_answered" => {
                assert!(waiting > 0, "an answer before its offer: {kinds:?}");
                waiting -= 1;
            }
            _ => {}
        }
    }
    assert_eq!(
        kinds.iter().filter(|k| **k == "offer_answered").count(),
        3,
        "{kinds:?}"
    );
}
