//! `casefile company ...`: what is known about a company, across cases.

use casefile_core::*;
use casefile_store::{CaseFilter, CompanyRecord};
use serde_json::json;
use uuid::Uuid;

use crate::cli::{ChannelKindArg, CompanyCommand};
use crate::ctx::Ctx;
use crate::error::{CliError, Result};
use crate::render::{self, one_line};

use super::views::print_json;

fn find(ctx: &Ctx, name: &str) -> Result<CompanyRecord> {
    let id = ctx.store.company_by_name(name)?.ok_or_else(|| {
        CliError::not_found(format!("no company is called '{name}'")).hint(
            "`casefile company list` shows them; `casefile company add NAME` records a new one",
        )
    })?;
    Ok(ctx.store.company(id)?)
}

fn kind(k: ChannelKindArg) -> ChannelKind {
    match k {
        ChannelKindArg::Phone => ChannelKind::Phone,
        ChannelKindArg::Chat => ChannelKind::Chat,
        ChannelKindArg::Email => ChannelKind::Email,
        ChannelKindArg::Postal => ChannelKind::Postal,
        ChannelKindArg::Executive => ChannelKind::Executive,
        ChannelKindArg::Web => ChannelKind::Web,
        ChannelKindArg::Social => ChannelKind::Social,
        ChannelKindArg::Regulator => ChannelKind::Regulator,
    }
}

fn kind_name(k: ChannelKind) -> &'static str {
    match k {
        ChannelKind::Phone => "phone",
        ChannelKind::Chat => "chat",
        ChannelKind::Email => "email",
        ChannelKind::Postal => "postal",
        ChannelKind::Executive => "executive",
        ChannelKind::Web => "web",
        ChannelKind::Social => "social",
        ChannelKind::Regulator => "regulator",
    }
}

fn append(ctx: &mut Ctx, c: &CompanyRecord, event: Event) -> Result<()> {
    let now = ctx.now;
    let entries = ctx.append_company(c.state.id, |_| Ok(vec![Draft::new(now, event.clone())]))?;
    if ctx.json {
        print_json(
            &json!({"company": c.handle, "entries": entries.iter().map(|e| json!({"seq": e.seq, "id": e.id})).collect::<Vec<_>>()}),
        )
    } else {
        println!("{}: recorded.", c.state.name);
        Ok(())
    }
}

pub fn run(ctx: &mut Ctx, cmd: CompanyCommand) -> Result<()> {
    match cmd {
        CompanyCommand::Add { name, aliases } => {
            if let Some(id) = ctx.store.company_by_name(&name)? {
                let existing = ctx.store.company(id)?;
                return Err(CliError::invalid(format!(
                    "'{name}' is already recorded as {}",
                    existing.state.name
                ))
                .hint("add another name with `casefile company alias`"));
            }
            let id = Uuid::now_v7();
            let mut drafts = vec![Draft::new(
                ctx.now,
                Event::CompanyCreated {
                    name: name.trim().to_string(),
                },
            )];
            drafts.extend(
                aliases
                    .into_iter()
                    .map(|alias| Draft::new(ctx.now, Event::CompanyAliasAdded { alias })),
            );
            ctx.store.append(id, 0, &ctx.author, drafts)?;
            let rec = ctx.store.company(id)?;
            if ctx.json {
                return print_json(&json!({"company": rec.handle, "id": id}));
            }
            println!("Recorded company {}.", rec.state.name);
            Ok(())
        }
        CompanyCommand::Alias { company, alias } => {
            let c = find(ctx, &company)?;
            if let Some(other) = ctx
                .store
                .company_by_name(&alias)?
                .filter(|o| *o != c.state.id)
            {
                let o = ctx.store.company(other)?;
                return Err(CliError::invalid(format!(
                    "'{alias}' already names {}",
                    o.state.name
                )));
            }
            append(ctx, &c, Event::CompanyAliasAdded { alias })
        }
        CompanyCommand::Channel {
            company,
            kind: k,
            value,
            label,
            hours,
        } => {
            let c = find(ctx, &company)?;
            append(
                ctx,
                &c,
                Event::CompanyChannelAdded {
                    channel: CompanyChannel {
                        kind: kind(k),
                        value,
                        label,
                        hours,
                    },
                },
            )
        }
        CompanyCommand::Show { company } => show(ctx, &company),
        CompanyCommand::List => {
            let all = ctx.store.companies()?;
            if ctx.json {
                return print_json(&all);
            }
            if all.is_empty() {
                println!(
                    "No companies yet. They are recorded by `casefile open --company NAME` or `casefile company add NAME`."
                );
                return Ok(());
            }
            let mut rows = Vec::new();
            for c in &all {
                let cases = ctx
                    .store
                    .list_cases(&CaseFilter {
                        company: Some(c.state.id),
                        ..Default::default()
                    })?
                    .len();
                rows.push(vec![
                    c.state.name.clone(),
                    c.state.aliases.join(", "),
                    c.state.channels.len().to_string(),
                    cases.to_string(),
                ]);
            }
            print!(
                "{}",
                render::table(&["COMPANY", "ALSO KNOWN AS", "CHANNELS", "CASES"], &rows)
            );
            Ok(())
        }
    }
}

fn show(ctx: &Ctx, name: &str) -> Result<()> {
    let c = find(ctx, name)?;
    let cases = ctx.store.cases_of_company(c.state.id)?;
    let map = org_map(cases.iter().map(|r| &r.state));
    let rows = ctx.store.list_cases(&CaseFilter {
        company: Some(c.state.id),
        ..Default::default()
    })?;
    if ctx.json {
        return print_json(&json!({"company": c.state, "org": map, "cases": rows}));
    }
    let tz = &ctx.tz;
    let mut out = c.state.name.clone();
    if !c.state.aliases.is_empty() {
        out.push_str(&format!(" (also: {})", c.state.aliases.join(", ")));
    }
    out.push('\n');
    out.push_str("\nChannels\n");
    if c.state.channels.is_empty() {
        out.push_str(&format!("  none recorded; add one with `casefile company channel \"{}\" phone NUMBER --hours ...`\n", c.state.name));
    } else {
        let r: Vec<Vec<String>> = c
            .state
            .channels
            .iter()
            .map(|ch| {
                let extra: Vec<&str> = [ch.label.as_deref(), ch.hours.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                vec![
                    format!("  {}", kind_name(ch.kind)),
                    ch.value.clone(),
                    extra.join(" · "),
                ]
            })
            .collect();
        out.push_str(&render::align(&r));
    }
    out.push_str(&format!("\nPeople met ({})\n", map.people.len()));
    if map.people.is_empty() {
        out.push_str("  none yet\n");
    } else {
        let r: Vec<Vec<String>> = map
            .people
            .iter()
            .map(|p| {
                vec![
                    format!("  {}", p.name),
                    p.ext
                        .clone()
                        .map(|e| format!("ext {e}"))
                        .unwrap_or_default(),
                    p.department.clone().unwrap_or_default(),
                    p.role.clone().unwrap_or_default(),
                    p.reports_to
                        .clone()
                        .map(|r| format!("reports to {r}"))
                        .unwrap_or_default(),
                    format!("met {}×, last {}", p.times_met, text::when(p.last_met, tz)),
                ]
            })
            .collect();
        out.push_str(&render::align(&r));
    }
    if !map.departments.is_empty() {
        out.push_str(&format!("\nDepartments: {}\n", map.departments.join(", ")));
    }
    if !map.transfers.is_empty() {
        out.push_str("\nTransfers seen\n");
        for t in &map.transfers {
            out.push_str(&format!(
                "  {} → {}{}\n",
                t.from,
                t.to,
                if t.count > 1 {
                    format!(" ({}×)", t.count)
                } else {
                    String::new()
                }
            ));
        }
    }
    out.push_str(&format!("\nCases ({})\n", rows.len()));
    for r in &rows {
        out.push_str(&format!(
            "  {}  {}  {}\n",
            r.handle,
            r.status.as_str(),
            one_line(&r.title)
        ));
    }
    print!("{out}");
    Ok(())
}
