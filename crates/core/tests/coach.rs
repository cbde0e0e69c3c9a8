//! The coach's rules, each on a journal built for it.

use casefile_core::coach::templates::{Addressing, Templates, case_context};
use casefile_core::coach::tone::{DraftKind, Purpose};
use casefile_core::coach::{self, Rates, Rung, letters};
use casefile_core::*;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use uuid::Uuid;

fn t(s: &str) -> Timestamp {
    format!("2026-11-{s}:00Z").parse().unwrap()
}

fn rep(name: &str, dept: &str) -> Rep {
    Rep {
        name: name.into(),
        department: Some(dept.into()),
        ..Rep::default()
    }
}

struct Case {
    drafts: Vec<Draft>,
}

impl Case {
    fn new(resolution: &str) -> Case {
        Case {
            drafts: vec![
                Draft::new(
                    t("01T09:00"),
                    Event::CaseOpened {
                        title: "Router refund".into(),
                        company: None,
                    },
                ),
                Draft::new(
                    t("01T09:00"),
                    Event::GoalSet(Goal {
                        replaces: None,
                        problem: "The X200 router stopped connecting on Oct 31".into(),
                        resolution: resolution.into(),
                        alternatives: vec![],
                        fair: Some(Fairness::Yes),
                        fairness_note: None,
                        reason: None,
                    }),
                ),
                Draft::new(
                    t("01T09:00"),
                    Event::FactRecorded(Fact {
                        kind: FactKind::Identifier,
                        label: Some("Account".into()),
                        value: "8812447109".into(),
                        sensitive: true,
                    }),
                ),
            ],
        }
    }

    /// A call on `day` with the given reps, an optional reference, an outcome and a rating.
    fn call(
        &mut self,
        day: &str,
        reps: &[(&str, &str)],
        reference: Option<&str>,
        outcome: &str,
        rating: u8,
    ) -> Uuid {
        let start = Draft::new(
            t(&format!("{day}T10:00")),
            Event::ContactStarted {
                channel: Channel::Phone,
                direction: Direction::Outbound,
                via: None,
            },
        );
        let id = start.id;
        self.drafts.push(start);
        for (i, (name, dept)) in reps.iter().enumerate() {
            self.drafts.push(Draft::new(
                t(&format!("{day}T10:{:02}", i * 5 + 1)),
                Event::RepJoined {
                    contact: id,
                    rep: rep(name, dept),
                },
            ));
        }
        if let Some(r) = reference {
            self.drafts.push(Draft::new(
                t(&format!("{day}T10:30")),
                Event::ReferenceRecorded {
                    contact: Some(id),
                    kind: RefKind::Case,
                    value: r.into(),
                },
            ));
        }
        self.drafts.push(Draft::new(
            t(&format!("{day}T10:40")),
            Event::ContactEnded {
                contact: id,
                outcome: Some(outcome.into()),
                rating: Some(rating),
            },
        ));
        id
    }

    fn push(&mut self, at: &str, ev: Event) -> Uuid {
        let d = Draft::new(t(at), ev);
        let id = d.id;
        self.drafts.push(d);
        id
    }

    fn state(&self) -> CaseState {
        CaseState::fold(&seal_all(
            Uuid::now_v7(),
            "owner",
            self.drafts.clone(),
            t("20T00:00"),
        ))
        .unwrap()
    }
}

fn rules(s: &CaseState, now: &str) -> Vec<String> {
    coach::advise(s, None, t(now), &TimeZone::UTC)
        .into_iter()
        .map(|a| a.rule)
        .collect()
}

#[test]
fn an_overdue_promise_and_then_a_broken_one_point_up_the_ladder() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    let call = c.call(
        "03",
        &[("Dana", "Billing")],
        Some("CAS-1"),
        "will call back",
        3,
    );
    let p = c.push(
        "03T10:35",
        Event::PromiseMade {
            contact: Some(call),
            by: Some("Dana".into()),
            what: "call me back".into(),
            due: Some(t("05T10:00")),
        },
    );
    assert!(!rules(&c.state(), "04T00:00").contains(&"promise_overdue".to_string()));
    let advice = coach::advise(&c.state(), None, t("06T00:00"), &TimeZone::UTC);
    let overdue = advice
        .iter()
        .find(|a| a.rule == "promise_overdue")
        .expect("overdue");
    assert_eq!(overdue.urgency, coach::Urgency::Now);
    assert_eq!(overdue.rung, Some(Rung::Supervisor));
    assert!(overdue.seen.contains("Dana promised to call me back"));
    c.push(
        "06T09:00",
        Event::PromiseBroken {
            promise: p,
            note: None,
        },
    );
    let r = rules(&c.state(), "06T10:00");
    assert!(
        r.contains(&"promise_broken".to_string()) && !r.contains(&"promise_overdue".to_string()),
        "{r:?}"
    );
}

#[test]
fn the_same_answer_from_two_reps_and_no_progress() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    c.call(
        "03",
        &[("Dana", "Billing")],
        Some("CAS-1"),
        "refunds are not possible after 3 days",
        2,
    );
    c.call(
        "04",
        &[("Alex", "Billing")],
        Some("CAS-1"),
        "Refunds are not possible after three days",
        2,
    );
    let r = rules(&c.state(), "05T00:00");
    assert!(r.contains(&"same_answer".to_string()), "{r:?}");
    assert!(!r.contains(&"no_progress".to_string()));
    c.call(
        "05",
        &[("Sam", "Billing")],
        Some("CAS-1"),
        "they will look into it",
        3,
    );
    assert!(rules(&c.state(), "06T00:00").contains(&"no_progress".to_string()));
}

#[test]
fn transfers_call_for_the_plea_then_for_writing() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    c.call(
        "03",
        &[("A", "Billing"), ("B", "Tech"), ("C", "Returns")],
        Some("X"),
        "no result",
        3,
    );
    // The plea is for the person on the line; once the call has ended it
    // is not advice any more (the live tips carry it during a call).
    let r = rules(&c.state(), "04T00:00");
    assert!(
        !r.contains(&"plea".to_string()) && !r.contains(&"third_transfer".to_string()),
        "{r:?}"
    );
    c.call(
        "04",
        &[
            ("A", "Billing"),
            ("B", "Tech"),
            ("C", "Returns"),
            ("D", "Sales"),
        ],
        Some("X"),
        "no result",
        3,
    );
    let a = coach::advise(&c.state(), None, t("05T00:00"), &TimeZone::UTC);
    let third = a
        .iter()
        .find(|x| x.rule == "third_transfer")
        .expect("third transfer");
    assert!(third.rung >= Some(Rung::ExecutiveOffice));
}

#[test]
fn offers_below_the_goal_missing_names_and_numbers_and_unhelpful_reps() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    let call = c.call("03", &[], None, "nothing", 1);
    c.push(
        "03T10:35",
        Event::OfferMade {
            contact: Some(call),
            by: None,
            what: "a $25 credit".into(),
            value: Some(Money::parse("25", "USD").unwrap()),
        },
    );
    let r = rules(&c.state(), "04T00:00");
    for rule in [
        "offer_below_goal",
        "no_name",
        "no_reference",
        "rep_cannot_help",
    ] {
        assert!(r.contains(&rule.to_string()), "{rule} missing from {r:?}");
    }
    let a = coach::advise(&c.state(), None, t("04T00:00"), &TimeZone::UTC);
    assert!(
        a.iter()
            .find(|x| x.rule == "offer_below_goal")
            .unwrap()
            .next
            .contains("not as full resolution")
    );
}

#[test]
fn vague_goals_and_the_ladder_from_the_company_record() {
    let c = Case::new("I want it to work");
    assert!(rules(&c.state(), "04T00:00").contains(&"feeling_not_outcome".to_string()));

    let mut c = Case::new("A full refund of $129 within 10 days");
    let call = c.call(
        "03",
        &[("Dana", "Billing"), ("Marcus", "Retention")],
        Some("CAS-1"),
        "no",
        2,
    );
    let esc = c.push(
        "03T10:39",
        Event::EscalationRequested {
            contact: Some(call),
            to: Some("the retention department".into()),
            reason: None,
        },
    );
    c.push(
        "03T10:39",
        Event::EscalationAnswered {
            escalation: esc,
            outcome: EscalationOutcome::Granted,
            note: None,
        },
    );
    let s = c.state();
    assert_eq!(coach::current_rung(&s), Rung::OtherDepartment);
    let company = CompanyState {
        name: "Acme".into(),
        channels: vec![CompanyChannel {
            kind: ChannelKind::Executive,
            value: "ceo@acme.example".into(),
            label: None,
            hours: None,
        }],
        ..CompanyState::default()
    };
    let (rung, how) = coach::next_rung(&s, Some(&company));
    assert_eq!(rung, Rung::ExecutiveOffice);
    assert!(how.contains("ceo@acme.example"));
    // A resolved case needs no advice.
    let mut done = c;
    done.push(
        "10T00:00",
        Event::StatusChanged {
            status: Status::Resolved,
            note: None,
        },
    );
    // Closed: nothing is asked but a lesson for next time.
    assert_eq!(rules(&done.state(), "11T00:00"), ["lesson"]);
}

#[test]
fn the_brief_opens_with_the_problem_the_last_contact_and_the_resolution() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    c.push(
        "01T09:00",
        Event::FactRecorded(Fact {
            kind: FactKind::ProblemBegan,
            label: None,
            value: "2026-10-31".into(),
            sensitive: false,
        }),
    );
    c.call(
        "03",
        &[("Dana Reyes", "Billing")],
        Some("CAS-88120"),
        "call back promised",
        3,
    );
    let b = coach::brief(
        &c.state(),
        None,
        &Rates::default_for("USD"),
        t("04T00:00"),
        &TimeZone::UTC,
        false,
    );
    // Two sentences: the number they ask for first (and the case it is
    // about), then the problem and the resolution.
    assert_eq!(
        b.opening,
        "Hello, thanks for taking my call; my account number is ••••7109, and it's about case CAS-88120. I'm calling because the X200 router stopped connecting on Oct 31, and I'm hoping you can help me get a full refund of $129 within 10 days."
    );
    assert!(
        b.opening.split_whitespace().count() < 45,
        "fits in one breath"
    );
    assert_eq!(
        b.before.as_deref(),
        Some("I spoke with Dana Reyes on November 3, case number CAS-88120.")
    );
    let revealed = coach::brief(
        &c.state(),
        None,
        &Rates::default_for("USD"),
        t("04T00:00"),
        &TimeZone::UTC,
        true,
    );
    assert!(revealed.opening.contains("8812447109"));
    let mut unfair = Case::new("A new car");
    if let Event::GoalSet(g) = &mut unfair.drafts[1].event {
        g.fair = Some(Fairness::No);
    }
    assert!(
        coach::brief(
            &unfair.state(),
            None,
            &Rates::default_for("USD"),
            t("04T00:00"),
            &TimeZone::UTC,
            false
        )
        .unfair
    );
}

#[test]
fn economics_count_time_money_and_the_companys_minutes() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    let call = c.call("03", &[("Dana", "Billing")], Some("X"), "no", 3);
    let _ = call;
    c.push(
        "04T12:00",
        Event::TimeSpent {
            minutes: 80,
            what: "letter".into(),
        },
    );
    c.push(
        "04T12:00",
        Event::ExpenseIncurred {
            what: "postage".into(),
            amount: Money::parse("4.50", "USD").unwrap(),
        },
    );
    let e = coach::economics(&c.state(), &Rates::default_for("USD"), t("05T00:00"));
    assert_eq!(e.total_time.as_mins(), 120);
    assert_eq!(e.time_value.cents, 5000);
    assert_eq!(e.customer_total.cents, 5450);
    assert_eq!(e.company_total.cents, 4000);
    assert!(
        // The company's side in its own terms: its staff time at a staffed
        // minute's cost; then, calmly, what would settle it.
        e.sentence
            .contains("40 minutes of your team's time, roughly $40.00")
            && e.sentence.contains("a full refund of $129"),
        "{}",
        e.sentence
    );
}

#[test]
fn every_letter_passes_the_tone_check_and_overrides_are_used() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    let call = c.call(
        "03",
        &[("Dana Reyes", "Billing"), ("Marcus Lee", "Retention")],
        Some("CAS-88120"),
        "credit only",
        2,
    );
    c.push(
        "01T09:00",
        Event::FactRecorded(Fact {
            kind: FactKind::Tried,
            label: None,
            value: "a factory reset".into(),
            sensitive: false,
        }),
    );
    let p = c.push(
        "03T10:35",
        Event::PromiseMade {
            contact: Some(call),
            by: Some("Marcus Lee".into()),
            what: "call me back".into(),
            due: Some(t("05T10:00")),
        },
    );
    c.push(
        "06T10:00",
        Event::PromiseBroken {
            promise: p,
            note: None,
        },
    );
    let s = c.state();
    let ctx = case_context(
        &s,
        None,
        &Rates::default_for("USD"),
        &Addressing::default(),
        t("07T00:00"),
        &TimeZone::UTC,
        false,
    );
    let templates = Templates::builtin();
    for (kind, _) in coach::templates::LETTERS {
        let md = letters::letter(kind, &ctx, &templates, letters::Format::Markdown).unwrap();
        let purpose = if *kind == "commend" {
            Purpose::Thanks
        } else {
            Purpose::Request
        };
        let report = coach::check_draft(&md, DraftKind::Letter, purpose, Some(&s));
        assert!(report.is_clean(), "{kind}:\n{md}\n{report:#?}");
        assert!(!md.contains("8812447109"), "masked unless revealed");
        let html = letters::letter(kind, &ctx, &templates, letters::Format::Html).unwrap();
        assert!(html.starts_with("<!doctype html>") && html.contains("@media print"));
    }
    for (kind, _) in coach::templates::SCRIPTS {
        let text = letters::script(kind, &ctx, &templates).unwrap();
        let report = coach::check_draft(&text, DraftKind::Chat, Purpose::Thanks, None);
        assert!(report.findings.is_empty(), "{kind}: {text}\n{report:#?}");
    }
    let mut mine = Templates::builtin();
    mine.set_override(
        "script/plea.txt",
        "Please help, {{ rep or 'friend' }}: {{ resolution }}".into(),
    )
    .unwrap();
    assert_eq!(
        letters::script("plea", &ctx, &mine).unwrap(),
        "Please help, friend: a full refund of $129 within 10 days\n"
    );
    assert!(mine.set_override("script/nope.txt", "x".into()).is_err());
    assert!(
        mine.set_override("script/plea.txt", "{% if %}".into())
            .is_err()
    );
}

#[test]
fn user_text_is_escaped_in_html() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    c.drafts[0].event = Event::CaseOpened {
        title: "<script>alert(1)</script>".into(),
        company: None,
    };
    c.call(
        "03",
        &[("<b>Eve</b>", "Billing")],
        Some("X"),
        "<img src=x onerror=alert(1)>",
        2,
    );
    let s = c.state();
    let ctx = case_context(
        &s,
        None,
        &Rates::default_for("USD"),
        &Addressing::default(),
        t("07T00:00"),
        &TimeZone::UTC,
        false,
    );
    let html = letters::letter(
        "executive",
        &ctx,
        &Templates::builtin(),
        letters::Format::Html,
    )
    .unwrap();
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x") && !html.contains("<b>Eve"),
        "{html}"
    );
}

#[test]
fn advice_on_a_long_case_is_grouped_and_bounded() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    // 600 calls, each a different rep giving one of two scripted answers,
    // none with a case number, and 40 promises left overdue.
    for i in 0..600 {
        let answer = if i % 2 == 0 {
            "refunds are not possible after 3 days"
        } else {
            "the system shows no fault on the line"
        };
        let day = format!("{:02}", 2 + i % 20);
        let name = format!("Rep {i}");
        c.call(&day, &[(name.as_str(), "Billing")], None, answer, 2);
    }
    for i in 0..40 {
        c.push(
            "02T11:00",
            Event::PromiseMade {
                contact: None,
                by: Some(format!("Rep {i}")),
                what: "call me back".into(),
                due: Some(t("03T11:00")),
            },
        );
    }
    let s = c.state();
    let advice = coach::advise(&s, None, t("25T00:00"), &TimeZone::UTC);
    let count = |rule: &str| advice.iter().filter(|a| a.rule == rule).count();
    assert_eq!(count("same_answer"), 2, "one item per answer heard");
    assert_eq!(count("no_reference"), 1, "missing numbers are listed once");
    assert_eq!(
        count("promise_overdue"),
        4,
        "three named and the rest summed up"
    );
    assert!(advice.len() <= 15, "{} items", advice.len());
    let same = advice.iter().find(|a| a.rule == "same_answer").unwrap();
    assert!(
        same.seen.contains("more got the same answer") || same.seen.contains(" more "),
        "{}",
        same.seen
    );
    let summed = advice
        .iter()
        .rfind(|a| a.rule == "promise_overdue")
        .unwrap();
    assert!(
        summed.seen.starts_with("37 more promises are overdue: #"),
        "{}",
        summed.seen
    );
}

/// A printed record or letter shows what a person wrote, links and images
/// included, as text: opening the file fetches nothing and runs nothing.
#[test]
fn printed_pages_fetch_nothing_and_run_nothing() {
    let page = casefile_core::coach::templates::print_html(
        "Record",
        "Note: [call us](javascript:alert(1)) and ![receipt](https://tracker.example/p.png)\n\n<script>alert(2)</script>",
    );
    assert!(!page.contains("href="), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("call us (javascript:alert(1))"), "{page}");
    assert!(
        page.contains("receipt (https://tracker.example/p.png)"),
        "{page}"
    );
    assert!(page.contains("Content-Security-Policy") && page.contains("default-src 'none'"));
}

/// Tips for the open contact at `now`, as the live page and console show them.
fn live(c: &Case, now: &str) -> Vec<coach::live::Tip> {
    let s = c.state();
    let contact = s
        .open_contact_now()
        .expect("a contact is open")
        .origin
        .entry;
    let cc = case_context(
        &s,
        None,
        &Rates::default_for("USD"),
        &Addressing::default(),
        t(now),
        &TimeZone::UTC,
        true,
    );
    coach::live::in_call(&s, contact, &cc, &Templates::builtin(), t(now))
}

#[test]
fn during_a_contact_the_coach_starts_over_with_each_new_person() {
    let mut c = Case::new("restore service");
    let call = c.push(
        "05T10:00",
        Event::ContactStarted {
            channel: Channel::Phone,
            direction: Direction::Outbound,
            via: None,
        },
    );
    c.push(
        "05T10:01",
        Event::RepJoined {
            contact: call,
            rep: rep("Dana Reyes", "Billing"),
        },
    );
    let first = live(&c, "05T10:02");
    assert!(
        first[0].title.contains("Use Dana Reyes's name"),
        "{first:?}"
    );
    assert!(
        first[0]
            .say
            .as_deref()
            .unwrap()
            .contains("My account number is 8812447109"),
        "the number they ask for first, readable mid-call: {first:?}"
    );
    c.push(
        "05T10:05",
        Event::ReferenceRecorded {
            contact: Some(call),
            kind: RefKind::Case,
            value: "CAS-77".into(),
        },
    );
    c.push(
        "05T10:06",
        Event::RepJoined {
            contact: call,
            rep: rep("Marcus Lee", "Retention"),
        },
    );
    // The new person hears it all again, with what this call has given.
    let second = live(&c, "05T10:07");
    let say = second[0].say.clone().unwrap();
    assert!(
        second[0].title.starts_with("Marcus Lee is new to this"),
        "{second:?}"
    );
    assert!(
        say.contains("I've just been speaking with Dana Reyes, who gave me case number CAS-77")
            && say.contains("The X200 router stopped connecting on Oct 31, and I'm hoping you can restore service."),
        "{say}"
    );
    c.push(
        "05T10:10",
        Event::RepJoined {
            contact: call,
            rep: rep("Priya Natarajan", "Returns"),
        },
    );
    // Passed along twice: the plea, with the problem still stated.
    let third = live(&c, "05T10:11");
    let plea = third[0].say.clone().unwrap();
    assert!(
        third[0].title.starts_with("Passed along 2 times"),
        "{third:?}"
    );
    assert!(
        plea.contains("The X200 router stopped connecting on Oct 31.")
            && plea.contains("I could really use your help to restore service."),
        "{plea}"
    );
    // Asking to go higher: the words collect the name, a line and the boss.
    c.push(
        "05T10:12",
        Event::EscalationRequested {
            contact: Some(call),
            to: Some("a supervisor".into()),
            reason: None,
        },
    );
    let up = live(&c, "05T10:13");
    let collect = up
        .iter()
        .find(|t| t.title.starts_with("You asked for a supervisor"))
        .expect("the collect tip");
    assert!(
        collect
            .say
            .as_deref()
            .unwrap()
            .contains("who do you report to"),
        "{collect:?}"
    );
    // Fifty minutes in: a break, and it is the situation, not them.
    let long = live(&c, "05T10:50");
    assert!(
        long.iter().any(|t| t.title.contains("take a break")),
        "{long:?}"
    );
    assert!(
        long.iter().any(|t| t
            .say
            .as_deref()
            .is_some_and(|s| s.contains("upset at the situation, not at you"))),
        "{long:?}"
    );
    assert!(
        long.iter()
            .any(|t| t.title.starts_with("Nothing offered yet")),
        "{long:?}"
    );
    // The plea is advice for the person on the line: gone when the call ends.
    assert!(rules(&c.state(), "05T10:20").contains(&"plea".to_string()));
    c.push(
        "05T10:55",
        Event::ContactEnded {
            contact: call,
            outcome: None,
            rating: None,
        },
    );
    assert!(!rules(&c.state(), "05T11:00").contains(&"plea".to_string()));
}

#[test]
fn thanks_for_an_offer_go_to_whoever_made_it() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    let call = c.push(
        "05T10:00",
        Event::ContactStarted {
            channel: Channel::Chat,
            direction: Direction::Outbound,
            via: None,
        },
    );
    c.push(
        "05T10:01",
        Event::RepJoined {
            contact: call,
            rep: rep("Dana Reyes", "Billing"),
        },
    );
    c.push(
        "05T10:03",
        Event::OfferMade {
            contact: Some(call),
            by: Some("Dana Reyes".into()),
            what: "a $25 credit".into(),
            value: None,
        },
    );
    c.push(
        "05T10:04",
        Event::RepJoined {
            contact: call,
            rep: rep("Marcus Lee", "Retention"),
        },
    );
    let tips = live(&c, "05T10:05");
    let accept = tips
        .iter()
        .find(|t| t.title.starts_with("An offer is on the table"))
        .unwrap();
    assert!(
        accept
            .say
            .as_deref()
            .unwrap()
            .starts_with("Thank you, Dana Reyes,"),
        "{accept:?}"
    );
    // Before any contact, no "no contact yet" while one is open.
    assert!(!rules(&c.state(), "05T10:05").contains(&"first_contact".to_string()));
}

#[test]
fn the_next_rung_follows_the_history() {
    let mut c = Case::new("A full refund of $129 within 10 days");
    let call = c.call(
        "03",
        &[("Dana", "Billing")],
        Some("X"),
        "no refund possible",
        2,
    );
    // Before a supervisor is reached, the next step is the supervisor, whatever happened.
    assert_eq!(coach::next_rung(&c.state(), None).0, Rung::Supervisor);
    c.push(
        "03T10:35",
        Event::EscalationRequested {
            contact: Some(call),
            to: Some("a supervisor".into()),
            reason: None,
        },
    );
    let esc = c.state().escalations[0].origin.entry;
    c.push(
        "03T10:36",
        Event::EscalationAnswered {
            escalation: esc,
            outcome: EscalationOutcome::Granted,
            note: None,
        },
    );
    assert_eq!(coach::next_rung(&c.state(), None).0, Rung::OtherDepartment);
    // The same answer from someone else: the answer lives above the phones.
    c.call(
        "04",
        &[("Sam", "Retention")],
        Some("Y"),
        "no refund possible",
        2,
    );
    assert_eq!(coach::next_rung(&c.state(), None).0, Rung::ExecutiveOffice);
}
