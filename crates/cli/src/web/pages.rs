//! The pages and the forms behind them. Every write goes through the same
//! capture functions as the command line, so a web form and a command refuse
//! the same bad input with the same words, and write nothing when they do.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use casefile_core::coach::templates::{Addressing, case_context};
use casefile_core::coach::tone::{DraftKind, Purpose};
use casefile_core::coach::{self, letters};
use casefile_core::{PromiseState, org_map, text};
use casefile_store::{CaseFilter, Store};
use clap::ValueEnum;
use minijinja::Value;
use serde_json::json;

use super::{App, Caller, svg};
use crate::cli::*;
use crate::commands::capture;
use crate::ctx::Ctx;
use crate::error::{CliError, Result};
use crate::render::one_line;

type Fields = HashMap<String, String>;

/// A page's work, off the async threads; an error becomes the error page.
async fn page(app: App, f: impl FnOnce(&App) -> Result<Response> + Send + 'static) -> Response {
    tokio::task::spawn_blocking(move || f(&app).unwrap_or_else(|e| app.cli_error(e)))
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The answer to a form without our CSRF token: refused, nothing saved.
fn forged(app: &App) -> Response {
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
    field(f, k).ok_or_else(|| CliError::invalid(format!("{what} is empty; fill it in")))
}

fn enum_of<T: ValueEnum>(f: &Fields, k: &str, what: &str) -> Result<T> {
    let v = need(f, k, what)?;
    T::from_str(&v, true).map_err(|_| CliError::invalid(format!("'{v}' is not a valid {what}")))
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

pub async fn cases(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
    page(app, move |app| {
            let ctx = app.ctx(&caller, false)?;
            let rows = ctx.store.list_cases(&CaseFilter::default())?;
            let rates = ctx.settings.rates.clone();
            let mut list = Vec::new();
            for r in rows {
                let state = ctx.store.case(r.id)?.state;
                let e = coach::economics(&state, &rates, ctx.now);
                list.push(json!({
                    "handle": r.handle, "title": r.title, "status": r.status.as_str(), "company": r.company_name,
                    "next_due": r.next_due.map(|d| text::when(d, &ctx.tz)), "overdue": r.next_due.is_some_and(|d| d < ctx.now),
                    "time": text::duration(e.total_time), "cost": e.customer_total.to_string(),
                }));
            }
            Ok(app.render("cases.html", json_value(json!({"cases": list}))))
})
.await
}

pub async fn new_case(State(app): State<App>) -> Response {
    app.render("new.html", Value::UNDEFINED)
}

pub async fn create_case(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<Fields>,
) -> Response {
    if !csrf_ok(&app, &f) {
        return forged(&app);
    }
    page(app, move |app| {
        let mut ctx = app.ctx(&caller, false)?;
        let mut facts = Vec::new();
        for (k, name) in [
            ("acquired", "acquired"),
            ("began", "began"),
            ("tried", "tried"),
            ("expected", "expected"),
            ("status_now", "status"),
        ] {
            if let Some(v) = field(&f, k) {
                facts.push(format!("{name}={v}"));
            }
        }
        let (mut ids, mut sensitive_ids) = (vec![], vec![]);
        if let (Some(l), Some(v)) = (field(&f, "id_label"), field(&f, "id_value")) {
            if f.contains_key("id_sensitive") {
                sensitive_ids.push(format!("{l}={v}"))
            } else {
                ids.push(format!("{l}={v}"))
            }
        }
        let args = OpenArgs {
            title: field(&f, "title"),
            company: field(&f, "company"),
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
                .map(|v| FairArg::from_str(&v, true))
                .transpose()
                .map_err(|_| CliError::invalid("the fairness answer is yes, no or unsure"))?,
            fairness_note: field(&f, "fairness_note"),
            facts,
            ids,
            sensitive_ids,
            at: None,
            wizard: false,
            no_wizard: true,
        };
        let (handle, _, _) = capture::open_case(&mut ctx, args)?;
        Ok(Redirect::to(&format!("/cases/{handle}")).into_response())
    })
    .await
}

/// Everything the case page shows.
fn case_view(ctx: &Ctx, n: &str) -> Result<serde_json::Value> {
    let rec = ctx.case(n)?;
    let s = &rec.state;
    let company = s.company.map(|c| ctx.store.company(c)).transpose()?;
    let rates = ctx.settings.rates.clone();
    let brief = coach::brief(
        s,
        company.as_ref().map(|c| &c.state),
        &rates,
        ctx.now,
        &ctx.tz,
        ctx.reveal,
    );
    let entries = ctx.store.read_stream(s.id)?;
    let rows = text::timeline(&entries, s, &ctx.tz, ctx.reveal);
    let e = coach::economics(s, &rates, ctx.now);
    let open = s.open_contact_now();
    // What imported complaint data says, as in the brief.
    let public = crate::commands::coach::public_record(ctx, &rec)?.map(|(card, sim, scope)| {
        let total: u64 = sim.outcomes.iter().map(|o| o.count).sum();
        let money = sim.outcomes.iter().find(|o| o.name == "Closed with monetary relief").map_or(0, |o| o.count);
        json!({
            "company": card.map(|c| json!({"name": c.company, "complaints": c.complaints, "monetary": format!("{:.1}", c.monetary_relief), "non_monetary": format!("{:.1}", c.non_monetary_relief)})),
            "similar": total, "money": money, "scope": scope,
            "matches": sim.matches.iter().take(3).map(|m| json!({"id": m.id, "received": m.received, "issue": m.issue, "response": m.response})).collect::<Vec<_>>(),
        })
    });
    Ok(json!({
        "handle": rec.handle, "title": s.title, "status": s.status().as_str(),
        "company": company.as_ref().map(|c| json!({"name": c.state.name, "handle": c.handle})),
        "reveal": ctx.reveal,
        "sensitive": s.facts.iter().any(|f| f.fact.sensitive),
        "goal": brief.goal, "goal_findings": brief.goal_findings, "unfair": brief.unfair,
        "opening": brief.opening,
        "advice": brief.advice,
        "facts": s.facts.iter().map(|f| json!({"seq": f.origin.seq, "kind": text::fact_kind(f.fact.kind), "label": f.fact.label, "value": text::fact_value(&f.fact, ctx.reveal), "marks": marks(&f.origin)})).collect::<Vec<_>>(),
        "promises": s.promises.iter().map(|p| json!({
            "seq": p.origin.seq, "by": p.by, "what": p.what, "due": p.due.map(|d| text::when(d, &ctx.tz)),
            "state": match p.state { PromiseState::Open if p.is_overdue(ctx.now) => "overdue", PromiseState::Open => "open", PromiseState::Kept => "kept", PromiseState::Broken => "broken" },
            "marks": marks(&p.origin)})).collect::<Vec<_>>(),
        "offers": s.offers.iter().map(|o| json!({"seq": o.origin.seq, "by": o.by, "what": o.what, "value": o.value.as_ref().map(|v| v.to_string()),
            "answer": o.answer.map(text::offer_answer), "marks": marks(&o.origin)})).collect::<Vec<_>>(),
        "follow_ups": s.follow_ups.iter().map(|x| json!({"seq": x.origin.seq, "what": x.what, "due": text::when(x.due, &ctx.tz), "done": x.done_at.is_some()})).collect::<Vec<_>>(),
        "costs": {"contacts": e.contacts.len(), "time": text::duration(e.total_time), "contact_time": text::duration(e.contact_time), "hold": text::duration(e.hold_time),
                  "off": text::duration(e.off_contact_time), "expenses": e.expenses.iter().map(|m| m.to_string()).collect::<Vec<_>>(), "total": e.customer_total.to_string(),
                  "company": e.company_total.to_string(), "sentence": e.sentence},
        "timeline": rows.iter().map(|r| json!({"when": text::when(r.at, &ctx.tz), "seq": r.seq, "text": one_line(&r.text), "inner": r.contact.is_some() && r.kind != "contact_started",
            "retracted": r.retracted, "amended_by": r.amended_by})).collect::<Vec<_>>(),
        "contact_open": open.map(|c| c.origin.seq),
        "public": public,
        "statuses": ["open", "waiting", "escalated", "resolved", "abandoned"],
        "fact_kinds": ["acquired", "began", "identifier", "status", "change", "expected", "tried", "other"],
    }))
}

pub async fn case(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    page(app, move |app| {
        let ctx = app.ctx(&caller, q.contains_key("reveal"))?;
        Ok(app.render("case.html", json_value(case_view(&ctx, &n)?)))
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
    if !csrf_ok(&app, &f) {
        return forged(&app);
    }
    page(app, move |app| {
        let mut ctx = app.ctx(&caller, false)?;
        let case = ctx.case(&n)?.handle.to_string();
        let at = field(&f, "at");
        match need(&f, "kind", "the kind of entry")?.as_str() {
            "note" => capture::note(
                &mut ctx,
                NoteArgs {
                    case: case.clone(),
                    text: Some(need(&f, "text", "the note")?),
                    at,
                },
            )?,
            "fact" => capture::fact(
                &mut ctx,
                FactArgs {
                    case: case.clone(),
                    kind: enum_of(&f, "fact_kind", "kind of fact")?,
                    value: need(&f, "value", "the fact")?,
                    label: field(&f, "label"),
                    sensitive: f.contains_key("sensitive"),
                    at,
                },
            )?,
            "promise" => capture::promise(
                &mut ctx,
                PromiseArgs {
                    case: case.clone(),
                    what: need(&f, "what", "what was promised")?,
                    by: field(&f, "by"),
                    due: field(&f, "due"),
                    at,
                },
            )?,
            "followup" => capture::followup(
                &mut ctx,
                FollowupArgs {
                    case: case.clone(),
                    what: need(&f, "what", "the follow-up")?,
                    due: need(&f, "due", "when it is due")?,
                },
            )?,
            "expense" => capture::expense(
                &mut ctx,
                ExpenseArgs {
                    case: case.clone(),
                    amount: need(&f, "amount", "the amount")?,
                    what: need(&f, "what", "what it was for")?,
                    at,
                },
            )?,
            "time" => capture::time(
                &mut ctx,
                TimeArgs {
                    case: case.clone(),
                    duration: need(&f, "duration", "the time spent")?,
                    what: need(&f, "what", "what it was spent on")?,
                    at,
                },
            )?,
            "status" => capture::set_status(
                &mut ctx,
                StatusArgs {
                    case: case.clone(),
                    status: enum_of(&f, "status", "status")?,
                    note: field(&f, "note"),
                    at,
                },
            )?,
            "offer" => capture::offer(
                &mut ctx,
                OfferArgs {
                    case: case.clone(),
                    what: need(&f, "what", "what was offered")?,
                    by: field(&f, "by"),
                    value: field(&f, "value"),
                    at,
                },
            )?,
            "ref" => capture::reference(
                &mut ctx,
                RefArgs {
                    case: case.clone(),
                    value: need(&f, "value", "the reference")?,
                    kind: field(&f, "ref_kind")
                        .and_then(|k| RefKindArg::from_str(&k, true).ok())
                        .unwrap_or(RefKindArg::Case),
                    at,
                },
            )?,
            "escalate" => capture::escalate(
                &mut ctx,
                EscalateArgs {
                    case: case.clone(),
                    to: field(&f, "to"),
                    reason: field(&f, "reason"),
                    at,
                },
            )?,
            "escalation" => capture::escalation(
                &mut ctx,
                EscalationArgs {
                    case: case.clone(),
                    entry: need(&f, "entry", "the escalation's number")?,
                    outcome: enum_of(&f, "outcome", "outcome")?,
                    note: field(&f, "note"),
                    at,
                },
            )?,
            "sent" => capture::sent(
                &mut ctx,
                SentArgs {
                    case: case.clone(),
                    to: need(&f, "to", "the recipient")?,
                    kind: need(&f, "letter_kind", "the kind of letter")?,
                    via: field(&f, "via"),
                    summary: field(&f, "summary"),
                    at,
                },
            )?,
            "lesson" => capture::lesson(
                &mut ctx,
                LessonArgs {
                    case: case.clone(),
                    text: need(&f, "text", "the lesson")?,
                },
            )?,
            "goal" => capture::goal(
                &mut ctx,
                GoalArgs {
                    case: case.clone(),
                    problem: field(&f, "problem"),
                    resolution: field(&f, "resolution"),
                    alternatives: vec![],
                    fair: None,
                    fairness_note: None,
                    reason: field(&f, "reason"),
                    at,
                },
            )?,
            "amend" => capture::amend(
                &mut ctx,
                AmendArgs {
                    case: case.clone(),
                    entry: need(&f, "entry", "the entry number")?,
                    reason: need(&f, "reason", "the reason")?,
                    correction: field(&f, "correction"),
                    retract: f.contains_key("retract"),
                },
            )?,
            kind @ ("kept" | "broken" | "done") => {
                let a = SettleArgs {
                    case: case.clone(),
                    entry: need(&f, "entry", "the entry number")?,
                    note: field(&f, "note"),
                    at,
                };
                match kind {
                    "kept" => {
                        capture::settle(&mut ctx, a, capture::Target::Promise, |promise, note| {
                            casefile_core::Event::PromiseKept { promise, note }
                        })?
                    }
                    "broken" => {
                        capture::settle(&mut ctx, a, capture::Target::Promise, |promise, note| {
                            casefile_core::Event::PromiseBroken { promise, note }
                        })?
                    }
                    _ => capture::settle(
                        &mut ctx,
                        a,
                        capture::Target::FollowUp,
                        |follow_up, note| casefile_core::Event::FollowUpDone { follow_up, note },
                    )?,
                }
            }
            "answer" => capture::answer(
                &mut ctx,
                AnswerArgs {
                    case: case.clone(),
                    entry: need(&f, "entry", "the offer's number")?,
                    answer: enum_of(&f, "answer", "answer")?,
                    note: field(&f, "note"),
                    at,
                },
            )?,
            other => {
                return Err(CliError::invalid(format!(
                    "'{other}' is not something this page can add"
                )));
            }
        }
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
    page(app, move |app| {
            let ctx = app.ctx(&caller, q.contains_key("reveal"))?;
            let rec = ctx.case(&n)?;
            let s = &rec.state;
            let mut view = case_view(&ctx, &n)?;
            let company = s.company.map(|c| ctx.store.company(c)).transpose()?.map(|c| c.state);
            if let Some(c) = s.open_contact_now() {
                let rates = ctx.settings.rates.clone();
                let cc = case_context(s, company.as_ref(), &rates, &Addressing::default(), ctx.now, &ctx.tz, ctx.reveal);
                let tips = coach::live::in_call(s, c.origin.entry, &cc, &crate::commands::load_templates()?);
                let entries = ctx.store.read_stream(s.id)?;
                let rows: Vec<_> = text::timeline(&entries, s, &ctx.tz, ctx.reveal)
                    .into_iter()
                    .filter(|r| r.contact == Some(c.origin.seq))
                    .map(|r| json!({"when": text::clock(r.at, &ctx.tz), "seq": r.seq, "text": r.text}))
                    .collect();
                view["call"] = json!({
                    "seq": c.origin.seq, "started_ms": c.started().as_millisecond(), "on_hold": c.on_hold(),
                    "hold_ms": c.holds.last().filter(|h| h.end.is_none()).map(|h| h.start.as_millisecond()),
                    "reps": c.live_reps().map(|r| r.rep.name.clone()).collect::<Vec<_>>(), "transfers": c.transfers(),
                    "log": rows, "tips": tips,
                    "unanswered": s.live_offers().rev().find(|o| o.contact == Some(c.origin.entry) && o.answer.is_none()).map(|o| json!({"seq": o.origin.seq, "what": o.what})),
                });
            }
            view["channels"] = json!(["phone", "chat", "email", "in-person", "social", "web", "other"]);
            Ok(app.render("call.html", json_value(view)))
})
.await
}

/// One tap on the live call page: saved at once, then back to the page.
pub async fn call_action(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if !csrf_ok(&app, &f) {
        return forged(&app);
    }
    page(app, move |app| {
        let mut ctx = app.ctx(&caller, false)?;
        let rec = ctx.case(&n)?;
        let case = rec.handle.to_string();
        let current_rep = rec
            .state
            .open_contact_now()
            .and_then(|c| c.live_reps().last())
            .map(|r| r.rep.name.clone());
        match need(&f, "action", "the action")?.as_str() {
            "start" => capture::contact(
                &mut ctx,
                ContactCommand::Start {
                    case: case.clone(),
                    channel: field(&f, "channel")
                        .and_then(|c| ChannelArg::from_str(&c, true).ok())
                        .unwrap_or(ChannelArg::Phone),
                    inbound: f.contains_key("inbound"),
                    via: field(&f, "via"),
                    at: None,
                },
            )?,
            "rep" => {
                let mut spec = need(&f, "name", "the representative's name")?;
                for (k, key) in [
                    ("ext", "ext"),
                    ("dept", "dept"),
                    ("role", "role"),
                    ("reports_to", "reports-to"),
                ] {
                    if let Some(v) = field(&f, k) {
                        spec.push_str(&format!(", {key}={}", v.replace(',', " ")));
                    }
                }
                capture::contact(
                    &mut ctx,
                    ContactCommand::Rep {
                        case: case.clone(),
                        spec,
                    },
                )?
            }
            "note" => capture::note(
                &mut ctx,
                NoteArgs {
                    case: case.clone(),
                    text: Some(need(&f, "text", "the note")?),
                    at: None,
                },
            )?,
            "ref" => capture::reference(
                &mut ctx,
                RefArgs {
                    case: case.clone(),
                    value: need(&f, "value", "the reference")?,
                    kind: RefKindArg::Case,
                    at: None,
                },
            )?,
            "promise" => capture::promise(
                &mut ctx,
                PromiseArgs {
                    case: case.clone(),
                    what: need(&f, "what", "what was promised")?,
                    by: field(&f, "by").or(current_rep),
                    due: field(&f, "due"),
                    at: None,
                },
            )?,
            "offer" => {
                capture::offer(
                    &mut ctx,
                    OfferArgs {
                        case: case.clone(),
                        what: need(&f, "what", "what was offered")?,
                        by: current_rep,
                        value: field(&f, "value"),
                        at: None,
                    },
                )?;
                if let Some(answer) = field(&f, "answer") {
                    let seq = ctx
                        .case(&case)?
                        .state
                        .offers
                        .last()
                        .map(|o| o.origin.seq)
                        .unwrap_or_default();
                    let answer = AnswerArg::from_str(&answer, true).map_err(|_| {
                        CliError::invalid("the answer is declined, not-full or full")
                    })?;
                    capture::answer(
                        &mut ctx,
                        AnswerArgs {
                            case: case.clone(),
                            entry: seq.to_string(),
                            answer,
                            note: None,
                            at: None,
                        },
                    )?;
                }
            }
            "answer" => capture::answer(
                &mut ctx,
                AnswerArgs {
                    case: case.clone(),
                    entry: need(&f, "entry", "the offer")?,
                    answer: enum_of(&f, "answer", "answer")?,
                    note: None,
                    at: None,
                },
            )?,
            "hold" => capture::contact(
                &mut ctx,
                ContactCommand::Hold {
                    case: case.clone(),
                    at: None,
                },
            )?,
            "resume" => capture::contact(
                &mut ctx,
                ContactCommand::Resume {
                    case: case.clone(),
                    at: None,
                },
            )?,
            "end" => capture::contact(
                &mut ctx,
                ContactCommand::End {
                    case: case.clone(),
                    outcome: field(&f, "outcome"),
                    rating: field(&f, "rating")
                        .map(|r| {
                            r.parse::<u8>()
                                .ok()
                                .filter(|r| (1..=5).contains(r))
                                .ok_or_else(|| CliError::invalid("a rating is from 1 to 5"))
                        })
                        .transpose()?,
                    at: None,
                },
            )?,
            other => return Err(CliError::invalid(format!("'{other}' is not a call action"))),
        }
        Ok(Redirect::to(&format!("/cases/{case}/call")).into_response())
    })
    .await
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

pub async fn record(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    page(app, move |app| {
        let ctx = app.ctx(&caller, q.contains_key("reveal"))?;
        let rec = ctx.case(&n)?;
        let entries = ctx.store.read_stream(rec.state.id)?;
        let company = rec
            .state
            .company
            .map(|c| ctx.store.company(c))
            .transpose()?
            .map(|c| c.state.name);
        let e = coach::economics(&rec.state, &ctx.settings.rates.clone(), ctx.now);
        let costs = format!(
            "{} contact(s) took {}; expenses: {}.",
            e.contacts.len(),
            text::duration(e.contact_time),
            e.expenses
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        );
        let md = letters::record_markdown(
            &rec.state,
            &entries,
            company.as_deref(),
            &costs,
            ctx.now,
            &ctx.tz,
            ctx.reveal,
        );
        Ok(html(coach::templates::print_html(
            &format!("Case record: {}", rec.state.title),
            &md,
        )))
    })
    .await
}

pub async fn letter(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((n, kind)): Path<(String, String)>,
    Query(q): Query<Fields>,
) -> Response {
    page(app, move |app| {
        if !coach::templates::LETTERS.iter().any(|(k, _)| *k == kind) {
            return Err(CliError::not_found(format!("there is no letter '{kind}'"))
                .hint("letters: executive, regulator, final-response, commend"));
        }
        let ctx = app.ctx(&caller, q.contains_key("reveal"))?;
        let rec = ctx.case(&n)?;
        let company = rec
            .state
            .company
            .map(|c| ctx.store.company(c))
            .transpose()?
            .map(|c| c.state);
        let who = Addressing {
            sender: field(&q, "from"),
            recipient: field(&q, "to"),
            ..Addressing::default()
        };
        let c = case_context(
            &rec.state,
            company.as_ref(),
            &ctx.settings.rates.clone(),
            &who,
            ctx.now,
            &ctx.tz,
            ctx.reveal,
        );
        let out = letters::letter(
            &kind,
            &c,
            &crate::commands::load_templates()?,
            letters::Format::Html,
        )
        .map_err(|e| CliError::invalid(e.to_string()))?;
        Ok(html(out))
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
    page(app, move |app| {
        let ctx = app.ctx(&caller, false)?;
        let rec = ctx.case(&n)?;
        Ok(svg(svg::dispute(&rec.state, ctx.now, &ctx.tz)))
    })
    .await
}

pub async fn companies(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
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
        .map_err(|_| CliError::not_found(format!("there is no company {n}")))?;
    ctx.store
        .companies()?
        .into_iter()
        .find(|c| c.handle == handle)
        .ok_or_else(|| {
            CliError::not_found(format!("there is no company {n}"))
                .hint("the Companies page lists them")
        })
}

pub async fn company(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
) -> Response {
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

pub async fn due(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
    page(app, move |app| {
            let ctx = app.ctx(&caller, false)?;
            let until = ctx.now + jiff::SignedDuration::from_hours(24 * 7);
            let rows: Vec<_> = ctx
                .store
                .due(until, None)?
                .into_iter()
                .map(|r| json!({"handle": r.handle, "title": r.title, "seq": r.item.seq, "what": r.item.what, "when": text::when(r.item.due, &ctx.tz), "overdue": r.item.due < ctx.now}))
                .collect();
            Ok(app.render("due.html", json_value(json!({"rows": rows}))))
})
.await
}

pub async fn check_form(State(app): State<App>) -> Response {
    app.render("check.html", Value::UNDEFINED)
}

pub async fn check(State(app): State<App>, Form(f): Form<Fields>) -> Response {
    if !csrf_ok(&app, &f) {
        return app.error(
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from casefile.",
            None,
        );
    }
    let draft = f.get("draft").cloned().unwrap_or_default();
    let report = coach::check_draft(&draft, DraftKind::Email, Purpose::Request, None);
    let findings: Vec<_> = report.findings.iter().map(|x| json!({"kind": x.kind.replace('_', " "), "excerpt": x.excerpt, "why": x.why, "instead": x.instead, "harmful": x.severity == coach::tone::Severity::Harmful})).collect();
    app.render("check.html", json_value(json!({"draft": draft, "checked": true, "clean": report.is_clean(), "findings": findings, "missing": report.missing})))
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
    use sha2::{Digest, Sha256};
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
        let mut ctx = app.ctx(&caller, false)?;
        let rec = ctx.case(&n)?;
        let sha256: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let size = bytes.len() as u64;
        let now = ctx.now;
        ctx.append_case(&rec, &[], |_, _| {
            Ok(vec![casefile_core::Draft::new(
                now,
                casefile_core::Event::AttachmentAdded {
                    name: name.clone(),
                    sha256: sha256.clone(),
                    bytes: size,
                },
            )])
        })?;
        Ok(Redirect::to(&format!("/cases/{}#timeline", rec.handle)).into_response())
    })
    .await
}
