//! Read commands. Each prints text for people or, with --json, data for scripts.

use std::collections::HashMap;

use casefile_core::text;
use casefile_store::CaseFilter;
use jiff::Span;
use serde_json::json;

use crate::cli::{CaseArg, DueArgs, ListArgs, SearchArgs};
use crate::ctx::Ctx;
use crate::error::{CliError, Result};
use crate::render;

pub fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(v)
            .map_err(|e| CliError::new(crate::error::Exit::Internal, e.to_string()))?
    );
    Ok(())
}

pub fn list(ctx: &Ctx, a: ListArgs) -> Result<()> {
    let company = match &a.company {
        Some(name) => Some(ctx.store.company_by_name(name)?.ok_or_else(|| {
            CliError::not_found(format!("no company is called '{name}'"))
                .hint("`casefile company list` shows the companies casefile knows")
        })?),
        None => None,
    };
    let filter = CaseFilter {
        status: a.status.map(super::capture::status),
        company,
        limit: (!a.all).then_some(a.limit),
    };
    let rows = ctx.store.list_cases(&filter)?;
    if ctx.json {
        return print_json(&rows);
    }
    print!("{}", render::case_list(&rows, &ctx.tz, ctx.now));
    // The rest, counted but not shown, so long lists stay quick.
    if !a.all && rows.len() == a.limit {
        let total = ctx.store.count_cases(&filter)?;
        if total > rows.len() as u64 {
            println!(
                "\n{} of {total} cases shown, the most recently active; `casefile list --all` shows every one.",
                rows.len()
            );
        }
    }
    Ok(())
}

pub fn show(ctx: &Ctx, a: CaseArg) -> Result<()> {
    let rec = ctx.case_file(&a.case)?;
    let s = &rec.state;
    let company = rec.company_name();
    if ctx.json {
        return print_json(&json!({
            "handle": rec.handle,
            "company_name": company,
            "status": s.status(),
            "goal": s.goal().map(|g| &g.goal),
            "costs": s.costs(ctx.now),
            "due": s.due_items(),
            "state": text::masked_state(s, ctx.reveal),
        }));
    }
    print!(
        "{}",
        render::case_view(
            rec.handle,
            s,
            company.as_deref(),
            &ctx.tz,
            ctx.now,
            ctx.reveal
        )
    );
    Ok(())
}

pub fn search(ctx: &Ctx, a: SearchArgs) -> Result<()> {
    let query = a.words.join(" ");
    let hits = ctx.store.search(&query, a.limit.clamp(1, 1000))?;
    let mut states = HashMap::new();
    let mut out = Vec::new();
    for h in &hits {
        if let std::collections::hash_map::Entry::Vacant(v) = states.entry(h.case) {
            v.insert(ctx.store.case(h.case)?.state);
        }
        let s = &states[&h.case];
        out.push(json!({
            "case": h.handle,
            "title": h.title,
            "seq": h.entry.seq,
            "at": h.entry.at,
            "kind": h.entry.event.kind(),
            "text": text::describe(&h.entry, s, &ctx.tz, ctx.reveal),
        }));
    }
    if ctx.json {
        return print_json(&out);
    }
    if out.is_empty() {
        println!("Nothing matches '{query}'.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = hits
        .iter()
        .zip(&out)
        .map(|(h, o)| {
            vec![
                format!("{} #{}", h.handle, h.entry.seq),
                text::when(h.entry.at, &ctx.tz),
                render::truncate(
                    &render::one_line(o["text"].as_str().unwrap_or_default()),
                    90,
                ),
            ]
        })
        .collect();
    print!("{}", render::table(&["CASE", "WHEN", "WHAT"], &rows));
    Ok(())
}

pub fn due(ctx: &Ctx, a: DueArgs) -> Result<()> {
    let span: Span = a.within.trim().parse().map_err(|_| {
        CliError::invalid(format!("'{}' is not a length of time", a.within))
            .hint("for example --within \"7 days\" or --within 48h")
    })?;
    let until = ctx
        .now
        .to_zoned(ctx.tz.clone())
        .checked_add(span)
        .map_err(|e| CliError::invalid(e.to_string()))?
        .timestamp();
    let rows = ctx.store.due(until, (!a.all).then_some(a.limit))?;
    if ctx.json {
        let out: Vec<_> = rows.iter().map(|r| json!({"case": r.handle, "title": r.title, "overdue": r.item.due < ctx.now, "item": r.item})).collect();
        return print_json(&out);
    }
    print!("{}", render::due_list(&rows, &ctx.tz, ctx.now));
    if !a.all && rows.len() == a.limit {
        let total = ctx.store.count_due(until)?;
        if total > rows.len() as u64 {
            println!(
                "\n{} of {total} items shown, the soonest; `casefile due --all` shows every one.",
                rows.len()
            );
        }
    }
    Ok(())
}
