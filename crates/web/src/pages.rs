//! The pages and the forms behind them. A form's fields are read into the
//! application's typed operations, the ones the command line's flags are read
//! into, so both refuse the same bad input with the same words and write
//! nothing when they do; neither goes through the other's parser.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use casefile_core::coach::templates::Addressing;
use casefile_core::coach::tone::{DraftKind, Purpose};
use casefile_core::coach::{self, letters};
use casefile_core::{PromiseState, org_map, text};
use casefile_store::CaseFilter;
use minijinja::{Value, context};
use serde_json::json;

use casefile_app::ctx::{CaseFile, Ctx};
use casefile_app::error::{Error, Result};
use casefile_app::ops::{self, FactInput, GoalInput, NewCase, Op, Settlement, Step};
use casefile_core::text::one_line;
use casefile_core::{Channel, FactKind, RefKind, Rep};

use super::{App, Caller, svg, words};

type Fields = HashMap<String, String>;

/// A page's work, off the async threads; an error becomes the error page.
async fn page(app: App, f: impl FnOnce(&App) -> Result<Response> + Send + 'static) -> Response {
    tokio::task::spawn_blocking(move || f(&app).unwrap_or_else(|e| app.cli_error(e)))
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The answer to a form without our CSRF token: refused, nothing saved.
pub(crate) fn forged(app: &App) -> Response {
    app.error(
        StatusCode::FORBIDDEN,
        "This form has expired or did not come from casefile; nothing was saved.",
        Some("Go back, reload the page and try again."),
    )
}

fn field(f: &Fields, k: &str) -> Option<String> {
    f.get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn need(f: &Fields, k: &str, what: &str) -> Result<String> {
    field(f, k).ok_or_else(|| Error::invalid(format!("{what} is empty; fill it in")))
}

fn csrf_ok(app: &App, f: &Fields) -> bool {
    f.get("csrf").is_some_and(|t| super::same(t, &app.csrf))
}

fn json_value(v: serde_json::Value) -> Value {
    Value::from_serialize(&v)
}

fn marks(o: &casefile_core::state::Origin) -> String {
    text::marks(o.retracted, &o.amended_by)
}

pub async fn cases(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
            let ctx = app.ctx(&caller, false)?;
            // "My cases": those the signed-in helper works.
            let mine = q.contains_key("mine");
            let rows = ctx.store.list_cases(&CaseFilter {
                helper: mine.then(|| caller.user.to_lowercase()),
                ..CaseFilter::default()
            })?;
            let rates = ctx.settings.rates.clone();
            let mut list = Vec::new();
            for r in rows {
                let state = ctx.store.case(r.id)?.state;
                let e = coach::economics(&state, &rates, ctx.now);
                list.push(json!({
                    "handle": r.handle, "title": r.title, "status": r.status.as_str(), "company": r.company_name,
                    "next_due": r.next_due.map(|d| text::when(d, &ctx.tz)), "overdue": r.next_due.is_some_and(|d| d < ctx.now),
                    "time": text::duration(e.total_time), "cost": e.customer_total.to_string(),
                    "client": r.client, "helper": r.helper,
                }));
            }
            // One person's own file, when this device syncs through a server:
            // when it last did, and what waits to go up.
            let sync = app.is_local().then(|| sync_status(&ctx)).flatten();
            Ok(app.render("cases.html", json_value(json!({"cases": list, "mine": mine, "sync": sync}))))
})
.await
}

/// Where this device syncs, when it last did and how many entries written
/// here wait to go up; None when it is not signed in to a server (or the
/// sign-in cannot be read: `casefile sync --status` says why).
fn sync_status(ctx: &casefile_app::ctx::Ctx) -> Option<serde_json::Value> {
    let (c, up) = casefile_app::sync::local_status(ctx).ok()??;
    Some(json!({
        "server": c.url,
        "last": c.last_sync.map(|t| text::when(t, &ctx.tz)),
        "up": up,
    }))
}

pub async fn new_case(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
    let app = app.as_caller(&caller);
    app.render("new.html", Value::UNDEFINED)
}

pub async fn create_case(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    if !csrf_ok(&app, &f) {
        return forged(&app);
    }
    page(app, move |app| {
        let mut ctx = app.ctx_to_write(&caller)?;
        let mut facts = Vec::new();
        for (k, kind) in [
            ("acquired", FactKind::Acquired),
            ("began", FactKind::ProblemBegan),
            ("tried", FactKind::Tried),
            ("expected", FactKind::Expected),
            ("status_now", FactKind::CurrentStatus),
        ] {
            if let Some(value) = field(&f, k) {
                facts.push(FactInput {
                    kind,
                    label: None,
                    value,
                    sensitive: false,
                });
            }
        }
        if let (Some(label), Some(value)) = (field(&f, "id_label"), field(&f, "id_value")) {
            facts.push(FactInput {
                kind: FactKind::Identifier,
                label: Some(label),
                value,
                sensitive: f.contains_key("id_sensitive"),
            });
        }
        let goal = GoalInput {
            problem: field(&f, "problem"),
            resolution: field(&f, "resolution"),
            alternatives: f
                .get("alternatives")
                .map(|a| {
                    a.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            fair: field(&f, "fair")
                .map(|v| ops::fairness_named(&v))
                .transpose()?,
            fairness_note: field(&f, "fairness_note"),
            reason: None,
        };
        let new = NewCase {
            title: field(&f, "title"),
            company: field(&f, "company"),
            goal: Some(goal),
            facts,
            at: None,
        };
        let ((handle, _), _) = ops::open_case(&mut ctx, new)?;
        Ok(Redirect::to(&format!("/cases/{handle}")).into_response())
    })
    .await
}

/// Everything the case page shows.
fn case_view(ctx: &Ctx, file: &CaseFile, entries: &[casefile_core::Entry]) -> Result<Value> {
    let (s, company, rates) = (&file.state, &file.company, &file.rates);
    let brief = coach::brief(s, file.company_state(), rates, ctx.now, &ctx.tz, ctx.reveal);
    let rows = text::timeline(entries, s, &ctx.tz, ctx.reveal);
    let e = coach::economics(s, rates, ctx.now);
    let open = s.open_contact_now();
    // What imported complaint data says, as in the brief.
    let public = casefile_app::intel::public_record(ctx, s)?.map(|(card, sim, scope)| {
        let total: u64 = sim.outcomes.iter().map(|o| o.count).sum();
        let money = sim.outcomes.iter().find(|o| o.name == "Closed with monetary relief").map_or(0, |o| o.count);
        context! {
            product => card.as_ref().and_then(|c| casefile_app::intel::product_line(c, &sim, &casefile_app::intel::case_words(s))).map(|l| context! {
                name => l.name, monetary => casefile_app::intel::rate_text(l.monetary, l.closed),
                non_monetary => casefile_app::intel::rate_text(l.non_monetary, l.closed), timely => casefile_app::intel::rate_text(l.timely_yes, l.timely_known)}),
            company => card.map(|c| context! {name => c.company, complaints => c.complaints, closed => c.closed, monetary => format!("{:.1}", c.monetary_relief), non_monetary => format!("{:.1}", c.non_monetary_relief)}),
            similar => total, money => money, scope => scope,
            matches => sim.matches.iter().take(3).map(|m| context! {id => m.id, received => m.received, issue => m.issue, response => m.response}).collect::<Vec<Value>>(),
        }
    });
    Ok(context! {
        handle => file.handle, title => s.title, status => s.status().as_str(),
        client => s.client, helper => s.helper,
        company => company.as_ref().map(|c| context! {name => c.state.name, handle => c.handle}),
        reveal => ctx.reveal,
        sensitive => s.facts.iter().any(|f| f.fact.sensitive),
        goal => brief.goal, goal_findings => brief.goal_findings, unfair => brief.unfair,
        goals_apart => s.goals_made_apart().into_iter().map(|g| context! {seq => g.origin.seq, problem => g.goal.problem.clone(), resolution => g.goal.resolution.clone()}).collect::<Vec<Value>>(),
        still_owed => brief.still_owed,
        lessons => ctx.company_lessons(s)?.into_iter().map(|(case, text)| context! {case => case, text => one_line(&text)}).collect::<Vec<Value>>(),
        opening => words::advice(&brief.opening, file.handle),
        advice => brief.advice.iter().map(|a| context! {
            seen => words::advice(&a.seen, file.handle),
            next => words::advice(&a.next, file.handle),
            why => words::advice(&a.why, file.handle),
        }).collect::<Vec<Value>>(),
        facts => s.facts.iter().map(|f| context! {seq => f.origin.seq, kind => text::fact_kind(f.fact.kind), label => f.fact.label, value => text::fact_value(&f.fact, ctx.reveal), marks => marks(&f.origin)}).collect::<Vec<Value>>(),
        promises => s.promises.iter().map(|p| context! {
            seq => p.origin.seq, by => p.by, what => p.what, due => p.due.map(|d| text::when(d, &ctx.tz)),
            state => match p.state { PromiseState::Open if p.is_overdue(ctx.now) => "overdue", PromiseState::Open => "open", PromiseState::Kept => "kept", PromiseState::Broken => "broken" },
            marks => marks(&p.origin)}).collect::<Vec<Value>>(),
        offers => s.offers.iter().map(|o| context! {seq => o.origin.seq, by => o.by, what => o.what, value => o.value.as_ref().map(|v| v.to_string()),
            answer => o.answer.map(text::offer_answer), marks => marks(&o.origin)}).collect::<Vec<Value>>(),
        follow_ups => s.follow_ups.iter().map(|x| context! {seq => x.origin.seq, what => x.what, due => text::when(x.due, &ctx.tz), done => x.done_at.is_some()}).collect::<Vec<Value>>(),
        costs => context! {contacts => e.contacts.len(), time => text::duration(e.total_time), contact_time => text::duration(e.contact_time), hold => text::duration(e.hold_time),
                  off => text::duration(e.off_contact_time), expenses => e.expenses.iter().map(|m| m.to_string()).collect::<Vec<_>>(), total => e.customer_total.to_string(),
                  company => e.company_total.to_string(), sentence => e.sentence},
        timeline => rows.iter().map(|r| context! {when => text::when(r.at, &ctx.tz), seq => r.seq, text => one_line(&r.text), inner => r.contact.is_some() && r.kind != "contact_started",
            retracted => r.retracted, amended_by => r.amended_by,
            // Who wrote it: shown where several people share a workspace.
            by => entries.get((r.seq as usize).wrapping_sub(1)).filter(|e| e.seq == r.seq).map(|e| e.author.as_str())}).collect::<Vec<Value>>(),
        contact_open => open.map(|c| c.origin.seq),
        public => public,
        statuses => ["open", "waiting", "escalated", "resolved", "abandoned"],
        fact_kinds => ["acquired", "began", "identifier", "status", "change", "expected", "tried", "other"],
    })
}

pub async fn case(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let ctx = app.ctx(&caller, q.contains_key("reveal"))?;
        let (file, entries) = ctx.case_file_with_entries(&n)?;
        Ok(app.render("case.html", case_view(&ctx, &file, &entries)?))
    })
    .await
}

/// The case as stored, in JSON: for scripts, and the anchor the case page is
/// measured against (the same read, nothing rendered).
pub async fn case_json(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let ctx = app.ctx(&caller, q.contains_key("reveal"))?;
        let rec = ctx.case(&n)?;
        // Sensitive identifiers masked unless asked for, as everywhere.
        let state = text::masked_state(&rec.state, ctx.reveal);
        Ok(axum::Json(json!({"handle": rec.handle, "state": state})).into_response())
    })
    .await
}

/// Adds one entry from a form on the case page.
pub async fn add(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    if !csrf_ok(&app, &f) {
        return forged(&app);
    }
    page(app, move |app| {
        let mut ctx = app.ctx_to_write(&caller)?;
        let case = ctx.case(&n)?.handle.to_string();
        let at = field(&f, "at");
        let settle = |how| -> Result<Op> {
            Ok(Op::Settle {
                entry: need(&f, "entry", "the entry number")?,
                how,
                note: field(&f, "note"),
            })
        };
        let op = match need(&f, "kind", "the kind of entry")?.as_str() {
            "note" => Op::Note {
                text: need(&f, "text", "the note")?,
            },
            "fact" => Op::Fact(FactInput {
                kind: ops::fact_kind_named(&need(&f, "fact_kind", "the kind of fact")?)?,
                value: need(&f, "value", "the fact")?,
                label: field(&f, "label"),
                sensitive: f.contains_key("sensitive"),
            }),
            "promise" => Op::Promise {
                what: need(&f, "what", "what was promised")?,
                by: field(&f, "by"),
                due: field(&f, "due"),
            },
            "followup" => Op::FollowUp {
                what: need(&f, "what", "the follow-up")?,
                due: need(&f, "due", "when it is due")?,
            },
            "expense" => Op::Expense {
                amount: need(&f, "amount", "the amount")?,
                what: need(&f, "what", "what it was for")?,
            },
            "time" => Op::Time {
                duration: need(&f, "duration", "the time spent")?,
                what: need(&f, "what", "what it was spent on")?,
            },
            "status" => Op::Status {
                status: ops::status_named(&need(&f, "status", "the status")?)?,
                note: field(&f, "note"),
            },
            "offer" => Op::Offer {
                what: need(&f, "what", "what was offered")?,
                by: field(&f, "by"),
                value: field(&f, "value"),
                answer: field(&f, "answer")
                    .map(|a| ops::answer_named(&a))
                    .transpose()?,
            },
            "ref" => Op::Reference {
                value: need(&f, "value", "the reference")?,
                kind: field(&f, "ref_kind")
                    .map(|k| ops::ref_kind_named(&k))
                    .transpose()?
                    .unwrap_or(RefKind::Case),
            },
            "escalate" => Op::Escalate {
                to: field(&f, "to"),
                reason: field(&f, "reason"),
            },
            "escalation" => settle(Settlement::Escalation(ops::outcome_named(&need(
                &f,
                "outcome",
                "the outcome",
            )?)?))?,
            "sent" => Op::Sent {
                to: need(&f, "to", "the recipient")?,
                kind: need(&f, "letter_kind", "the kind of letter")?,
                via: field(&f, "via"),
                summary: field(&f, "summary"),
            },
            "lesson" => Op::Lesson {
                text: need(&f, "text", "the lesson")?,
            },
            // The form shows both fields filled in: what it sends is what the case says.
            "assign" => Op::Assign {
                client: Some(field(&f, "client")),
                helper: Some(field(&f, "helper")),
            },
            "goal" => Op::Goal(GoalInput {
                problem: field(&f, "problem"),
                resolution: field(&f, "resolution"),
                reason: field(&f, "reason"),
                ..GoalInput::default()
            }),
            "amend" => Op::Amend {
                entry: need(&f, "entry", "the entry number")?,
                reason: need(&f, "reason", "the reason")?,
                correction: field(&f, "correction"),
                retract: f.contains_key("retract"),
            },
            "kept" => settle(Settlement::Kept)?,
            "broken" => settle(Settlement::Broken)?,
            "done" => settle(Settlement::Done)?,
            "answer" => settle(Settlement::Answer(ops::answer_named(&need(
                &f,
                "answer",
                "the answer",
            )?)?))?,
            other => {
                return Err(Error::invalid(format!(
                    "'{other}' is not something this page can add"
                )));
            }
        };
        // Goals, lessons, follow-ups and amendments are made now, as on the command line.
        let at = match op {
            Op::Lesson { .. } | Op::FollowUp { .. } | Op::Amend { .. } => None,
            _ => at,
        };
        ops::record(&mut ctx, &case, at.as_deref(), op)?;
        Ok(Redirect::to(&format!("/cases/{case}#timeline")).into_response())
    })
    .await
}

pub async fn call(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    // The call page is all buttons that write; a viewer is told so at once.
    if !caller.role.can_write() {
        return app.error(
            StatusCode::FORBIDDEN,
            "You can read this workspace's cases but not log calls (your role is viewer).",
            Some("The case page shows every call logged so far."),
        );
    }
    page(app, move |app| {
            let mut ctx = app.ctx(&caller, false)?;
            let (file, entries) = ctx.case_file_with_entries(&n)?;
            let s = &file.state;
            // Mid-call the numbers are read out, so they show; a tap masks them.
            ctx.reveal = if s.open_contact_now().is_some() {
                !q.contains_key("mask")
            } else {
                q.contains_key("reveal")
            };
            let view = case_view(&ctx, &file, &entries)?;
            let mut call = None;
            if let Some(c) = s.open_contact_now() {
                let cc = file.context(&Addressing::default(), &ctx);
                let tips = coach::live::in_call(s, c.origin.entry, &cc, &casefile_app::templates::load_templates()?, ctx.now);
                let rows: Vec<_> = text::timeline(&entries, s, &ctx.tz, ctx.reveal)
                    .into_iter()
                    .filter(|r| r.contact == Some(c.origin.seq))
                    .map(|r| json!({"when": text::clock(r.at, &ctx.tz), "seq": r.seq, "text": r.text}))
                    .collect();
                // What the timers say before (or without) the page's script.
                let since = |t: jiff::Timestamp| {
                    let s = (ctx.now.as_second() - t.as_second()).max(0);
                    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                };
                let hold = c.holds.last().filter(|h| h.end.is_none()).map(|h| h.start);
                call = Some(json!({
                    "elapsed": since(c.started()), "held": hold.map(since),
                    "seq": c.origin.seq, "started_ms": c.started().as_millisecond(), "on_hold": c.on_hold(),
                    "hold_ms": c.holds.last().filter(|h| h.end.is_none()).map(|h| h.start.as_millisecond()),
                    "reps": c.live_reps().map(|r| r.rep.name.clone()).collect::<Vec<_>>(), "transfers": c.transfers(),
                    "log": rows, "tips": tips,
                    "unanswered": s.live_offers().rev().find(|o| o.contact == Some(c.origin.entry) && o.answer.is_none()).map(|o| json!({"seq": o.origin.seq, "what": o.what})),
                }));
            }
            let channels = ["phone", "chat", "email", "in-person", "social", "web", "other"];
            Ok(app.render("call.html", context! { call => call, channels => channels, ..view }))
})
.await
}

/// One tap on the live call page: saved at once, then back to the page.
pub async fn call_action(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    headers: axum::http::HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    // The page's script asks for a short answer; a plain form post is
    // sent back to the page.
    let script = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !csrf_ok(&app, &f) {
        return if script {
            script_error(
                StatusCode::FORBIDDEN,
                "This page has expired; nothing was saved. Reload it (what is waiting stays on this device).",
            )
        } else {
            forged(&app)
        };
    }
    let made = match device_made(&f) {
        Ok(m) => m,
        Err(e) if script => return script_error(StatusCode::UNPROCESSABLE_ENTITY, &e.message),
        Err(e) => return app.cli_error(e),
    };
    let answer = move |app: &App, r: Result<Response>| match r {
        Ok(r) => r,
        Err(e) if script => script_error(app.status_of(&e), &e.message),
        Err(e) => app.cli_error(e),
    };
    let app2 = app.clone();
    let done = tokio::task::spawn_blocking(move || {
        let r = call_write(&app2, &caller, &n, &f, made, script);
        answer(&app2, r)
    })
    .await;
    done.unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// A short answer for the call page's script.
fn script_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// The id and time a device stamped on what it sends, when it did: the id
/// makes a retry land once; the time is when it happened, which may be
/// long before the line came back.
fn device_made(f: &Fields) -> Result<(Option<uuid::Uuid>, Option<jiff::Timestamp>)> {
    let key = field(f, "key")
        .map(|k| {
            uuid::Uuid::parse_str(&k)
                .map_err(|_| Error::invalid(format!("{k:?} is not an entry id (a UUID)")))
        })
        .transpose()?;
    let at = field(f, "at_ms")
        .map(|v| {
            v.parse::<i64>()
                .ok()
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .ok_or_else(|| Error::invalid(format!("{v:?} is not a time in milliseconds")))
        })
        .transpose()?;
    Ok((key, at))
}

fn call_write(
    app: &App,
    caller: &Caller,
    n: &str,
    f: &Fields,
    (key, at): (Option<uuid::Uuid>, Option<jiff::Timestamp>),
    script: bool,
) -> Result<Response> {
    let mut ctx = app.ctx_to_write(caller)?;
    let rec = ctx.case(n)?;
    let case = rec.handle.to_string();
    let current_rep = rec
        .state
        .open_contact_now()
        .and_then(|c| c.live_reps().last())
        .map(|r| r.rep.name.clone());
    let op = match need(f, "action", "the action")?.as_str() {
        "start" => Op::Contact(Step::Start {
            channel: field(f, "channel")
                .map(|c| ops::channel_named(&c))
                .transpose()?
                .unwrap_or(Channel::Phone),
            inbound: f.contains_key("inbound"),
            via: field(f, "via"),
        }),
        // Each field is its own value: a department may hold a comma.
        "rep" => Op::Contact(Step::Rep(Rep {
            name: need(f, "name", "the representative's name")?,
            ext: field(f, "ext"),
            email: field(f, "email"),
            department: field(f, "dept"),
            role: field(f, "role"),
            reports_to: field(f, "reports_to"),
        })),
        "note" => Op::Note {
            text: need(f, "text", "the note")?,
        },
        "ref" => Op::Reference {
            value: need(f, "value", "the reference")?,
            kind: RefKind::Case,
        },
        "promise" => Op::Promise {
            what: need(f, "what", "what was promised")?,
            by: field(f, "by").or(current_rep),
            due: field(f, "due"),
        },
        // An offer and its answer, when given at once, are one append.
        "offer" => Op::Offer {
            what: need(f, "what", "what was offered")?,
            by: current_rep,
            value: field(f, "value"),
            answer: field(f, "answer")
                .map(|a| ops::answer_named(&a))
                .transpose()?,
        },
        "answer" => Op::Settle {
            entry: need(f, "entry", "the offer")?,
            how: Settlement::Answer(ops::answer_named(&need(f, "answer", "the answer")?)?),
            note: None,
        },
        "escalate" => Op::Escalate {
            to: Some(need(f, "to", "who you asked for")?),
            reason: field(f, "reason"),
        },
        "hold" => Op::Contact(Step::Hold),
        "resume" => Op::Contact(Step::Resume),
        "frustrated" => Op::Contact(Step::Frustrated),
        "end" => Op::Contact(Step::End {
            outcome: field(f, "outcome"),
            rating: field(f, "rating").map(|r| ops::rating(&r)).transpose()?,
        }),
        other => return Err(Error::invalid(format!("'{other}' is not a call action"))),
    };
    let when = at.map_or(ops::At::Said(None), ops::At::Exactly);
    let (_, written) = ops::record_as(&mut ctx, &case, when, key, op)?;
    if script {
        let seq = written.first().map(|e| e.seq);
        return Ok(axum::Json(json!({ "saved": seq })).into_response());
    }
    Ok(Redirect::to(&format!("/cases/{case}/call")).into_response())
}

/// The case's record and exhibits as one .zip, to download.
pub async fn bundle(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let ctx = app.ctx(&caller, false)?;
        let (handle, zip, _) = casefile_app::exhibits::bundle_case(&ctx, &n)?;
        Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/zip".to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"case-{handle}.zip\""),
                ),
            ],
            zip,
        )
            .into_response())
    })
    .await
}

pub async fn record(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let ctx = app.ctx(&caller, q.contains_key("reveal"))?;
        let (rec, entries) = ctx.case_file_with_entries(&n)?;
        // The same record, in the same words, as `casefile timeline --format html`.
        let md = casefile_app::record::markdown(&ctx, &rec, &entries);
        Ok(paper(
            app,
            &md,
            context! { title => format!("Case record: {}", rec.state.title), handle => rec.handle, kind => "record" },
        ))
    })
    .await
}

/// A record, letter or script: the app's page around a sheet of paper. What
/// the user wrote is text in it (`print_body`), never markup.
fn paper(app: &App, markdown: &str, rest: Value) -> Response {
    app.render(
        "print.html",
        context! { body => Value::from_safe_string(coach::templates::print_body(markdown)), ..rest },
    )
}

/// The words for one moment of a call, ready to read aloud.
pub async fn script(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((n, kind)): Path<(String, String)>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let Some((_, what)) = coach::templates::SCRIPTS.iter().find(|(k, _)| *k == kind) else {
            let known: Vec<&str> = coach::templates::SCRIPTS.iter().map(|(k, _)| *k).collect();
            return Err(Error::not_found(format!("there are no words for '{kind}'"))
                .hint(format!("there are: {}", known.join(", "))));
        };
        let ctx = app.ctx(&caller, false)?;
        let rec = ctx.case_file(&n)?;
        let c = rec.context(&Addressing::default(), &ctx);
        let words = letters::script(&kind, &c, &casefile_app::templates::load_templates()?)
            .map_err(|e| Error::invalid(e.to_string()))?;
        Ok(paper(
            app,
            &words,
            context! { title => format!("{}: {what}", rec.state.title), heading => what, handle => rec.handle, kind => "script" },
        ))
    })
    .await
}

pub async fn letter(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((n, kind)): Path<(String, String)>,
    Query(q): Query<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        if !coach::templates::LETTERS.iter().any(|(k, _)| *k == kind) {
            return Err(Error::not_found(format!("there is no letter '{kind}'"))
                .hint("letters: executive, regulator, final-response, commend"));
        }
        let ctx = app.ctx(&caller, q.contains_key("reveal"))?;
        let rec = ctx.case_file(&n)?;
        let who = Addressing {
            sender: field(&q, "from"),
            recipient: field(&q, "to"),
            ..Addressing::default()
        };
        let c = rec.context(&who, &ctx);
        let md = letters::letter(
            &kind,
            &c,
            &casefile_app::templates::load_templates()?,
            letters::Format::Markdown,
        )
        .map_err(|e| Error::invalid(e.to_string()))?;
        Ok(paper(
            app,
            &md,
            context! {
                title => format!("{}: {kind} letter", rec.state.title), handle => rec.handle, kind => kind,
                from => field(&q, "from"), to => field(&q, "to"),
            },
        ))
    })
    .await
}

fn svg(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

pub async fn picture(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let ctx = app.ctx(&caller, false)?;
        let rec = ctx.case(&n)?;
        Ok(svg(svg::dispute(&rec.state, ctx.now, &ctx.tz)))
    })
    .await
}

pub async fn companies(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let ctx = app.ctx(&caller, false)?;
        let list: Vec<_> = ctx
            .store
            .companies()?
            .into_iter()
            .map(|c| json!({"handle": c.handle, "name": c.state.name, "aliases": c.state.aliases}))
            .collect();
        Ok(app.render("companies.html", json_value(json!({"companies": list}))))
    })
    .await
}

fn company_record(ctx: &Ctx, n: &str) -> Result<casefile_store::CompanyRecord> {
    let handle: u64 = n
        .parse()
        .map_err(|_| Error::not_found(format!("there is no company {n}")))?;
    ctx.store
        .companies()?
        .into_iter()
        .find(|c| c.handle == handle)
        .ok_or_else(|| {
            Error::not_found(format!("there is no company {n}"))
                .hint("the Companies page lists them")
        })
}

pub async fn company(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
            let ctx = app.ctx(&caller, false)?;
            let c = company_record(&ctx, &n)?;
            let cases = ctx.store.cases_of_company(c.state.id)?;
            let map = org_map(cases.iter().map(|r| &r.state));
            Ok(app.render(
                "company.html",
                json_value(json!({
                    "handle": c.handle, "name": c.state.name, "aliases": c.state.aliases, "channels": c.state.channels, "org": map,
                    "cases": cases.iter().map(|r| json!({"handle": r.handle, "title": r.state.title, "status": r.state.status().as_str()})).collect::<Vec<_>>(),
                })),
            ))
})
.await
}

pub async fn org_svg(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let ctx = app.ctx(&caller, false)?;
        let c = company_record(&ctx, &n)?;
        let cases = ctx.store.cases_of_company(c.state.id)?;
        Ok(svg(svg::org(&org_map(cases.iter().map(|r| &r.state)))))
    })
    .await
}

pub async fn search(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
            let ctx = app.ctx(&caller, false)?;
            let query = field(&q, "q").unwrap_or_default();
            let mut hits = Vec::new();
            if !query.is_empty() {
                let mut states = HashMap::new();
                for h in ctx.store.search(&query, 50)? {
                    if let std::collections::hash_map::Entry::Vacant(v) = states.entry(h.case) {
                        v.insert(ctx.store.case(h.case)?.state);
                    }
                    let s = &states[&h.case];
                    hits.push(json!({"handle": h.handle, "title": h.title, "seq": h.entry.seq, "when": text::when(h.entry.at, &ctx.tz), "text": one_line(&text::describe(&h.entry, s, &ctx.tz, false))}));
                }
            }
            Ok(app.render("search.html", json_value(json!({"q": query, "hits": hits}))))
})
.await
}

/// A new private calendar address for the workspace (the old one stops
/// working): shown once, for the person to add to their calendar.
pub async fn new_calendar(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    headers: axum::http::HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    if f.get("csrf").map(String::as_str) != Some(app.csrf.as_str()) {
        return forged(&app);
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    page(app, move |app| {
        let secret = casefile_app::accounts::new_token();
        let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(secret.as_bytes()));
        let mut ctx = app.ctx_to_write(&caller)?;
        ctx.store.set_calendar_key(&hash)?;
        let ws = caller
            .workspace
            .map_or_else(|| "local".to_string(), |w| w.to_string());
        let path = format!("/calendar/feed/{ws}/{secret}.ics");
        let scheme = if app.is_secure() { "https" } else { "http" };
        Ok(app.render(
            "calendar.html",
            context! {
                link => format!("{scheme}://{host}{path}"),
                webcal => format!("webcal://{host}{path}"),
                secure => app.is_secure(),
            },
        ))
    })
    .await
}

/// The feed itself, for a calendar that subscribed: the secret in the
/// address is the only key. A wrong or replaced one finds nothing.
pub async fn calendar_feed(
    State(app): State<App>,
    axum::extract::Path((ws, secret)): axum::extract::Path<(String, String)>,
) -> Response {
    let workspace = match ws.as_str() {
        "local" => None,
        w => match uuid::Uuid::parse_str(w) {
            Ok(id) => Some(id),
            Err(_) => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    let secret = secret.trim_end_matches(".ics").to_string();
    let caller = Caller::feed(workspace);
    page(app, move |app| {
        let ctx = match app.ctx(&caller, false) {
            Ok(c) => c,
            Err(_) => return Ok(StatusCode::NOT_FOUND.into_response()),
        };
        let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(secret.as_bytes()));
        if ctx.store.calendar_key()?.as_deref() != Some(hash.as_str()) {
            return Ok(StatusCode::NOT_FOUND.into_response());
        }
        let until = ctx.now + jiff::SignedDuration::from_hours(24 * 365 * 20);
        let rows = ctx.store.due(until, None, None)?;
        let events = casefile_app::calendar::events(&rows, jiff::SignedDuration::from_hours(1));
        let body = casefile_app::calendar::feed(&events, ctx.now);
        Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/calendar; charset=utf-8",
                ),
                (axum::http::header::CACHE_CONTROL, "private, no-store"),
            ],
            body,
        )
            .into_response())
    })
    .await
}

pub async fn due(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
            let ctx = app.ctx(&caller, false)?;
            let until = ctx.now + jiff::SignedDuration::from_hours(24 * 7);
            // "Due for me": in the cases the signed-in helper works.
            let mine = q.contains_key("mine").then(|| caller.user.to_lowercase());
            let rows: Vec<_> = ctx
                .store
                .due(until, None, mine.as_deref())?
                .into_iter()
                .map(|r| json!({"handle": r.handle, "title": r.title, "seq": r.item.seq, "what": r.item.what, "when": text::when(r.item.due, &ctx.tz), "overdue": r.item.due < ctx.now}))
                .collect();
            Ok(app.render("due.html", json_value(json!({"rows": rows, "mine": mine.is_some()}))))
})
.await
}

/// The organisation's figures: by status and company, recovered, time to resolution.
pub async fn reports(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let ctx = app.ctx(&caller, false)?;
        let r = casefile_app::report::build(ctx.store.as_ref())?;
        let lines: Vec<_> = r
            .companies
            .iter()
            .chain(std::iter::once(&r.total))
            .map(|l| json!({"company": l.company, "cases": l.cases, "counts": l.by_status, "recovered": l.recovered_text(), "median": l.median_text()}))
            .collect();
        let statuses: Vec<_> = casefile_app::report::STATUSES.iter().map(|s| s.as_str()).collect();
        Ok(app.render(
            "reports.html",
            json_value(json!({"total": {"cases": r.total.cases}, "total_recovered": r.total.recovered_text(),
                "total_median": r.total.median_text(), "lines": lines, "statuses": statuses})),
        ))
    })
    .await
}

pub async fn reports_csv(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
    let app = app.as_caller(&caller);
    page(app, move |app| {
        let ctx = app.ctx(&caller, false)?;
        let r = casefile_app::report::build(ctx.store.as_ref())?;
        Ok((
            [
                (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    "attachment; filename=\"casefile-report.csv\"",
                ),
            ],
            casefile_app::report::csv(&r),
        )
            .into_response())
    })
    .await
}

pub async fn check_form(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
    let app = app.as_caller(&caller);
    app.render("check.html", Value::UNDEFINED)
}

pub async fn check(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<Fields>,
) -> Response {
    let app = app.as_caller(&caller);
    if !csrf_ok(&app, &f) {
        return app.error(
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from casefile.",
            None,
        );
    }
    let draft = f.get("draft").cloned().unwrap_or_default();
    // A chat message is one turn of a conversation: judged for tone only,
    // not for what a letter must hold.
    let (kind, kind_name) = match f.get("kind").map(String::as_str) {
        Some("chat") => (DraftKind::Chat, "chat"),
        Some("letter") => (DraftKind::Letter, "letter"),
        _ => (DraftKind::Email, "email"),
    };
    let report = coach::check_draft(&draft, kind, Purpose::Request, None);
    // Findings that say the same thing are told once, with each excerpt.
    let findings: Vec<_> = report
        .groups()
        .map(|g| {
            let x = &g[0];
            let excerpts: Vec<&str> = g.iter().map(|f| f.excerpt.as_str()).collect();
            json!({"kind": x.kind.replace('_', " "), "excerpts": excerpts, "why": x.why, "instead": x.instead, "rewrite": x.rewrite.as_deref().map(|r| if r.is_empty() { "(leave this sentence out)" } else { r }), "harmful": x.severity == coach::tone::Severity::Harmful})
        })
        .collect();
    let reads = format!(
        "{} (politeness {:.2} of 1)",
        report.reads.words(),
        report.politeness
    );
    app.render("check.html", json_value(json!({"draft": draft, "kind": kind_name, "checked": true, "clean": report.is_clean(), "reads": reads, "findings": findings, "missing": report.missing, "model_problem": report.model_problem})))
}

/// The largest file the web app takes (the CLI's `attach` has no limit).
pub const ATTACH_LIMIT: usize = 25 << 20;

/// A file's name, size and SHA-256 go in the journal; the file itself stays with the user.
pub async fn attach(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    mut form: axum::extract::Multipart,
) -> Response {
    let app = app.as_caller(&caller);
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().map(str::to_string);
                match field.bytes().await {
                    Ok(bytes) if name == "csrf" => {
                        csrf = String::from_utf8_lossy(&bytes).into_owned()
                    }
                    Ok(bytes) if name == "file" => {
                        file = file_name
                            .filter(|f| !f.is_empty())
                            .map(|f| (f, bytes.to_vec()))
                    }
                    Ok(_) => {}
                    Err(e) => {
                        return app.error(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            &format!("the file could not be received: {e}"),
                            Some("files up to 25 MB; for larger ones use `casefile attach`"),
                        );
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                return app.error(
                    StatusCode::BAD_REQUEST,
                    &format!("the upload could not be read: {e}"),
                    None,
                );
            }
        }
    }
    if !super::same(&csrf, &app.csrf) {
        return forged(&app);
    }
    let Some((name, bytes)) = file else {
        return app.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "No file was chosen.",
            Some("Choose a file, then send it."),
        );
    };
    page(app, move |app| {
        let mut ctx = app.ctx_to_write(&caller)?;
        let rec = ctx.case(&n)?;
        let sha256 =
            casefile_app::exhibits::keep(&casefile_app::exhibits::dir(&ctx.db_path), &bytes)?;
        let op = Op::Attachment {
            name: name.clone(),
            sha256,
            bytes: bytes.len() as u64,
        };
        ops::record(&mut ctx, &rec.handle.to_string(), None, op)?;
        Ok(Redirect::to(&format!("/cases/{}#timeline", rec.handle)).into_response())
    })
    .await
}
