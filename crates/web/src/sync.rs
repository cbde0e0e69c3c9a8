//! Sync's side on the server: a device asks for the heads of the
//! workspace's journals, brings down entries after a position, and sends
//! up the entries it wrote on top of a head. The rules are the store's
//! (`casefile_store::sync`); this only carries them over HTTP, as JSON, for
//! a signed-in caller, in the caller's workspace.

use std::collections::HashMap;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use casefile_core::Entry;
use casefile_store::{Store, StoreError};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::{App, Caller};

/// The version of this exchange; a device that speaks another is told.
pub const PROTOCOL: u32 = 1;

/// The most entries one request may carry either way.
const MOST: usize = 2000;

/// The largest request a device may send: its budget (`sync::BUDGET`) with
/// room for one entry of the longest texts over it.
pub const BODY_LIMIT: usize = 16 << 20;

fn refused(status: StatusCode, message: String, head: Option<u64>) -> Response {
    let mut body = json!({ "error": message });
    if let Some(h) = head {
        body["head"] = json!(h);
    }
    (status, Json(body)).into_response()
}

fn answer(e: StoreError) -> Response {
    match e {
        StoreError::Conflict { actual, .. } => refused(
            StatusCode::CONFLICT,
            format!("the server holds {actual} entries of this journal: bring them down first"),
            Some(actual),
        ),
        StoreError::Import(m) | StoreError::Corrupt(m) => {
            refused(StatusCode::UNPROCESSABLE_ENTITY, m, None)
        }
        StoreError::Domain { seq, err } => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("entry {seq} cannot be applied: {err}"),
            None,
        ),
        StoreError::Busy { .. } => refused(StatusCode::SERVICE_UNAVAILABLE, e.to_string(), None),
        other => refused(StatusCode::INTERNAL_SERVER_ERROR, other.to_string(), None),
    }
}

async fn run(
    app: App,
    caller: Caller,
    write: bool,
    f: impl FnOnce(&mut dyn Store) -> Result<Response, StoreError> + Send + 'static,
) -> Response {
    tokio::task::spawn_blocking(move || {
        let session = if write {
            app.ctx_to_write(&caller)
        } else {
            app.ctx(&caller, false)
        };
        match session {
            Ok(mut ctx) => f(&mut *ctx.store).unwrap_or_else(answer),
            Err(e) => refused(app.status_of(&e), e.message, None),
        }
    })
    .await
    .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Every journal of the workspace with its last position.
pub async fn heads(State(app): State<App>, Extension(caller): Extension<Caller>) -> Response {
    let workspace = caller.workspace;
    run(app, caller, false, move |store| {
        let journals: Vec<_> = store
            .streams()?
            .into_iter()
            .map(|s| json!({ "id": s.id, "kind": s.kind, "head": s.head_seq }))
            .collect();
        Ok(Json(json!({
            "protocol": PROTOCOL,
            "workspace": workspace,
            "device": store.device(),
            "journals": journals,
        }))
        .into_response())
    })
    .await
}

/// A journal's entries after a position, in order.
pub async fn entries(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return refused(
            StatusCode::BAD_REQUEST,
            format!("{id:?} is not a journal id"),
            None,
        );
    };
    let number = |k: &str, default: u64| -> Result<u64, String> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("{k}={v:?} is not a number")),
        }
    };
    let (after, limit) = match (number("after", 0), number("limit", MOST as u64)) {
        (Ok(a), Ok(l)) => (a, (l as usize).clamp(1, MOST)),
        (Err(m), _) | (_, Err(m)) => return refused(StatusCode::BAD_REQUEST, m, None),
    };
    run(app, caller, false, move |store| {
        let mut entries = store.entries_after(id, after, limit)?;
        casefile_store::sync::within_budget(&mut entries, casefile_store::sync::BUDGET);
        Ok(Json(json!({ "entries": entries })).into_response())
    })
    .await
}

#[derive(Deserialize)]
pub struct Push {
    base: u64,
    entries: Vec<Entry>,
}

/// Entries a device wrote on top of position `base`.
pub async fn push(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Json<Push>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return refused(
            StatusCode::BAD_REQUEST,
            format!("{id:?} is not a journal id"),
            None,
        );
    };
    let push = match body {
        Ok(Json(p)) => p,
        Err(e) => {
            return refused(
                StatusCode::BAD_REQUEST,
                format!("the entries sent cannot be read: {}", e.body_text()),
                None,
            );
        }
    };
    if push.entries.len() > MOST {
        return refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MOST} entries a request"),
            None,
        );
    }
    run(app, caller, true, move |store| {
        let accepted = store.accept_entries(id, push.base, push.entries)?;
        Ok(Json(accepted).into_response())
    })
    .await
}
