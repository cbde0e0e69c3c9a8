//! The iCalendar feed of open promises and follow-ups, read back with a real
//! iCalendar parser (the `ical` crate, not the writer's own code): one event
//! per open item at its due time, a reminder before it, text that survives
//! commas, semicolons, long lines and other scripts, nothing once an item is
//! kept or done, and the same feed from the web app's private address.

mod common;

use std::io::BufReader;

use common::Env;

/// The calendars in `text`, parsed.
fn parse(text: &str) -> Vec<ical::parser::ical::component::IcalCalendar> {
    ical::IcalParser::new(BufReader::new(text.as_bytes()))
        .map(|c| c.expect("the feed parses"))
        .collect()
}

fn prop<'a>(props: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

/// RFC 5545 text, unescaped.
fn text(v: &str) -> String {
    v.replace("\\n", "\n")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
}

#[test]
fn open_promises_and_follow_ups_become_events_with_reminders() {
    let env = Env::new();
    env.open_router_case();
    env.ok(&["contact", "start", "1", "--at", "2026-11-10 10:00"]);
    env.ok(&["contact", "rep", "1", "Dana Reyes"]);
    let promise = "call me back; refund of $129, confirmed by email — «bientôt» ".to_string()
        + &"and a long tail of words ".repeat(4);
    env.ok(&["promise", "1", promise.trim(), "--due", "2026-11-12 15:00"]);
    env.ok(&["contact", "end", "1"]);
    env.ok(&[
        "followup",
        "1",
        "Chase the refund",
        "--due",
        "2026-11-20 09:30",
    ]);
    env.ok(&["followup", "1", "Already done", "--due", "2026-11-21 09:30"]);
    env.ok(&["done", "1", "13"]);

    let feed = env.ok(&["calendar", "--remind", "2h"]);
    let cals = parse(&feed);
    assert_eq!(cals.len(), 1);
    let events = &cals[0].events;
    assert_eq!(events.len(), 2, "the done follow-up is gone:\n{feed}");
    let first = &events[0].properties;
    let want = format!("Case 1: they promised to {}", promise.trim());
    // `ical` trims each folded line's end before joining, so a space that
    // falls at a fold is lost in its reading (not in the file: unfolded as
    // RFC 5545 says, by removing CRLF and one space, the text is whole).
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(
        squash(&text(prop(first, "SUMMARY").unwrap())),
        squash(&want)
    );
    let unfolded = feed.replace("\r\n ", "");
    assert!(
        unfolded.contains(&format!(
            "SUMMARY:{}\r\n",
            want.replace(';', "\\;").replace(',', "\\,")
        )),
        "{unfolded}"
    );
    // 15:00 in New York on Nov 12 is 20:00 UTC.
    assert_eq!(prop(first, "DTSTART"), Some("20261112T200000Z"));
    assert!(prop(first, "UID").unwrap().ends_with("@casefile"));
    assert!(
        text(prop(first, "DESCRIPTION").unwrap()).contains("casefile broken 1 10"),
        "{feed}"
    );
    let alarm = &events[0].alarms[0].properties;
    assert_eq!(prop(alarm, "TRIGGER"), Some("-PT120M"));
    assert_eq!(prop(alarm, "ACTION"), Some("DISPLAY"));
    let second = &events[1].properties;
    assert_eq!(
        text(prop(second, "SUMMARY").unwrap()),
        "Case 1: follow up: Chase the refund"
    );
    assert_eq!(prop(second, "DTSTART"), Some("20261120T143000Z"));
    // Long lines are folded (RFC 5545 asks for 75 octets; the writer's
    // continuation lines carry 75 after their leading space).
    assert!(
        feed.lines().all(|l| l.trim_end_matches('\r').len() <= 76),
        "{feed}"
    );
    assert!(feed.contains("\r\n "), "folded");
    // Nothing sensitive: the account number never appears.
    assert!(!feed.contains("8812"), "{feed}");

    // The same events as JSON, and in a file.
    let json = env.json(&["calendar"]);
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[0]["reminder_minutes"], 60);
    let file = env.dir.path().join("casefile.ics");
    env.ok(&["calendar", "--output", file.to_str().unwrap()]);
    assert_eq!(
        parse(&std::fs::read_to_string(&file).unwrap())[0]
            .events
            .len(),
        2
    );

    // A kept promise leaves the feed too.
    env.ok(&["kept", "1", "10"]);
    assert_eq!(parse(&env.ok(&["calendar"]))[0].events.len(), 1);
    let (code, err) = env.fails(&["calendar", "--remind", "soon"]);
    assert_eq!(code, 4, "bad input: {err}");
    assert!(err.contains("'soon' is not a length of time"), "{err}");
}

/// The web app's private address: made from the Due page, fetched without a
/// session by a calendar, the same events as the command; a wrong secret or
/// a replaced address finds nothing.
#[test]
fn the_web_app_serves_the_feed_at_a_private_address() {
    let env = Env::new();
    env.open_router_case();
    env.ok(&[
        "followup",
        "1",
        "Chase the refund",
        "--due",
        "2026-11-20 09:30",
    ]);
    let web = common::Web::start(&env);
    assert!(web.get("/due").contains("Make my calendar address"));
    let page = web.post_page("/calendar", &[]);
    let link = common::calendar_link(&page);
    assert!(
        link.starts_with(&format!("{}/calendar/feed/local/", web.base)),
        "{link}"
    );
    assert!(page.contains("href=\"webcal:"), "{page}");

    // Fetched as a calendar app would: no cookie.
    let feed = ureq::get(&link).call().unwrap();
    assert_eq!(
        feed.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let feed = feed.into_string().unwrap();
    let cals = parse(&feed);
    assert_eq!(cals[0].events.len(), 1);
    let cli = env.json(&["calendar"]);
    assert_eq!(
        prop(&cals[0].events[0].properties, "UID"),
        cli[0]["uid"].as_str()
    );

    let wrong = format!("{}x.ics", link.trim_end_matches(".ics"));
    assert!(matches!(
        ureq::get(&wrong).call(),
        Err(ureq::Error::Status(404, _))
    ));
    // A new address stops the old one.
    web.post_page("/calendar", &[]);
    assert!(matches!(
        ureq::get(&link).call(),
        Err(ureq::Error::Status(404, _))
    ));
}
