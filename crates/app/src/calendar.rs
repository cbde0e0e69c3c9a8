//! The open promises and follow-ups as an iCalendar feed (RFC 5545), for a
//! phone's or a laptop's calendar: one event at each due time, with a
//! reminder before it. The same feed for `casefile calendar` and the web
//! app's private address. Nothing sensitive goes in: the case's number and
//! title, and what is due.

use casefile_core::DueKind;
use casefile_store::DueRow;
use ics::properties::{Description, DtStart, Duration, Status, Summary, Trigger};
use ics::{Alarm, Event, ICalendar, escape_text};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// One event of the feed, as `--json` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueEvent {
    pub uid: String,
    pub case: u64,
    pub summary: String,
    pub description: String,
    pub start: Timestamp,
    pub reminder_minutes: i64,
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// The events for these due items, reminding `remind` before each.
pub fn events(rows: &[DueRow], remind: SignedDuration) -> Vec<DueEvent> {
    rows.iter()
        .map(|r| {
            let what = r.item.what.trim_end_matches('.');
            let summary = match r.item.kind {
                DueKind::Promise => format!("Case {}: they promised to {what}", r.handle),
                DueKind::FollowUp => format!("Case {}: follow up: {what}", r.handle),
            };
            let description = match r.item.kind {
                DueKind::Promise => format!(
                    "{} (entry #{}). If it has not happened, mark it broken with `casefile broken {} {}` and contact them citing the promise.",
                    r.title, r.item.seq, r.handle, r.item.seq
                ),
                DueKind::FollowUp => format!(
                    "{} (entry #{}). When it is done: `casefile done {} {}`.",
                    r.title, r.item.seq, r.handle, r.item.seq
                ),
            };
            DueEvent {
                // The item's entry id: the same event on every refresh.
                uid: format!("{}@casefile", r.item.item),
                case: r.handle,
                summary,
                description,
                start: r.item.due,
                reminder_minutes: remind.as_mins(),
            }
        })
        .collect()
}

/// The feed as text, made at `now`.
pub fn feed(events: &[DueEvent], now: Timestamp) -> String {
    let mut cal = ICalendar::new("2.0", "-//casefile//promises and follow-ups//EN");
    cal.push(ics::properties::Method::new("PUBLISH"));
    cal.push(ics::components::Property::new(
        "X-WR-CALNAME",
        "casefile: promises and follow-ups",
    ));
    let stamp = utc(now);
    for e in events {
        let mut ev = Event::new(e.uid.clone(), stamp.clone());
        ev.push(DtStart::new(utc(e.start)));
        ev.push(Duration::new("PT15M"));
        ev.push(Summary::new(escape_text(e.summary.clone())));
        ev.push(Description::new(escape_text(e.description.clone())));
        ev.push(Status::confirmed());
        ev.add_alarm(Alarm::display(
            Trigger::new(format!("-PT{}M", e.reminder_minutes.max(0))),
            Description::new(escape_text(e.summary.clone())),
        ));
        cal.add_event(ev);
    }
    cal.to_string()
}
