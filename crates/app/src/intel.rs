//! Public complaint data beside the journal, as every face reads it.

use casefile_core::CaseState;
use casefile_intel::{Intel, IntelError, SimilarReport};

use crate::ctx::{Ctx, intel_db_path};
use crate::error::{Error, Exit, Result};

pub fn intel_error(e: IntelError) -> Error {
    if let IntelError::Foreign { hint, .. } = &e {
        let hint = hint.clone();
        return Error::new(Exit::Invalid, e.to_string()).hint(hint);
    }
    let hint = match &e {
        IntelError::Empty => "give the CSV file exported from the CFPB Consumer Complaint Database",
        IntelError::NotCfpb { .. } => {
            "export complaints as CSV from the CFPB Consumer Complaint Database; casefile reads its columns by name"
        }
        IntelError::NotCsv(_) => "the file must be CSV text (UTF-8), as the CFPB exports it",
        IntelError::Foreign { .. } => "",
        IntelError::Engine(_) => "check the path of the complaint database (CASEFILE_INTEL_DB)",
        IntelError::Newer { .. } => "install a newer casefile; the file was not changed",
        IntelError::Busy => "wait for the other import to finish, then run the command again",
        IntelError::Unfinished => {
            "wait for it to finish; if it was stopped, import the same export again (casefile intel import FILE): the complaints stored are kept, and the import finishes"
        }
    };
    let exit = if matches!(
        e,
        IntelError::Engine(_)
            | IntelError::Newer { .. }
            | IntelError::Unfinished
            | IntelError::Busy
    ) {
        Exit::Database
    } else {
        Exit::Invalid
    };
    Error::new(exit, e.to_string()).hint(hint)
}

/// Opens the complaint data if it has been imported (and the import
/// finished); None otherwise.
pub fn available(ctx: &Ctx) -> Option<Intel> {
    let p = intel_db_path(&ctx.db_path);
    p.exists()
        .then(|| Intel::open(&p).ok())
        .flatten()
        .filter(|i| matches!(i.unfinished(), Ok(false)))
}

/// How many close matches at the case's own company are enough to stay there.
const CLOSE_ENOUGH: usize = 3;

pub fn similar_for(
    ctx: &Ctx,
    intel: &Intel,
    s: &casefile_core::CaseState,
    all: bool,
    limit: usize,
) -> Result<(SimilarReport, String)> {
    let mut text = s.title.clone();
    if let Some(g) = s.goal() {
        text.push(' ');
        text.push_str(&g.goal.problem);
    }
    for f in s.live_facts().filter(|f| {
        !f.fact.sensitive
            && !f.fact.kind.is_date()
            && f.fact.kind != casefile_core::FactKind::Identifier
    }) {
        text.push(' ');
        text.push_str(&f.fact.value);
    }
    if !all && let Some(company) = s.company.map(|c| ctx.store.company(c)).transpose()? {
        let mut names = vec![company.state.name.clone()];
        names.extend(company.state.aliases.clone());
        if let Ok(norms) = intel.match_company(&names).map_err(intel_error)?
            && !norms.is_empty()
        {
            let r = intel
                .similar(&text, Some(&norms), limit)
                .map_err(intel_error)?;
            // A company with few complaints like this one: widen to all, and say so.
            if r.matches.len() >= CLOSE_ENOUGH.min(limit) {
                return Ok((r, company.state.name));
            }
            let wide = intel.similar(&text, None, limit).map_err(intel_error)?;
            let scope = match r.matches.len() {
                0 => format!("all companies; none at {}", company.state.name),
                n => format!("all companies; only {n} at {}", company.state.name),
            };
            return Ok((wide, scope));
        }
    }
    Ok((
        intel.similar(&text, None, limit).map_err(intel_error)?,
        "all companies".into(),
    ))
}

pub type PublicRecord = (
    Option<casefile_intel::Scorecard>,
    casefile_intel::SimilarReport,
    String,
);

/// What imported complaint data says about the case's company and problem, if any was imported.
pub fn public_record(ctx: &Ctx, state: &CaseState) -> Result<Option<PublicRecord>> {
    let Some(intel) = available(ctx) else {
        return Ok(None);
    };
    let card = match state.company.map(|c| ctx.store.company(c)).transpose()? {
        Some(c) => {
            let mut names = vec![c.state.name.clone()];
            names.extend(c.state.aliases.clone());
            match intel.company(&names) {
                Ok(casefile_intel::Lookup::Found(card)) => Some(*card),
                _ => None,
            }
        }
        None => None,
    };
    let (sim, scope) = similar_for(ctx, &intel, state, false, 3)?;
    Ok(Some((card, sim, scope)))
}

/// The company's record for the product the case is about: one the case's
/// own words name ("my credit card"), else the one most of the closest
/// complaints are about.
pub fn product_line<'a>(
    card: &'a casefile_intel::Scorecard,
    similar: &SimilarReport,
    case_text: &str,
) -> Option<&'a casefile_intel::Line> {
    let text = case_text.to_lowercase();
    let named = card.by_product.iter().find(|l| {
        l.name
            .to_lowercase()
            .replace(", or ", ", ")
            .replace(" or ", ", ")
            .split(", ")
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.starts_with("other "))
            .any(|p| text.contains(p))
    });
    if named.is_some() {
        return named;
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for m in &similar.matches {
        if let Some(p) = &m.product {
            *counts.entry(casefile_intel::product_now(p)).or_default() += 1;
        }
    }
    let (product, _) = counts
        .into_iter()
        .max_by_key(|(p, n)| (*n, std::cmp::Reverse(*p)))?;
    card.by_product.iter().find(|l| l.name == product)
}

/// What a case is about, in its own words, for finding its product.
pub fn case_words(s: &CaseState) -> String {
    let mut text = s.title.clone();
    if let Some(g) = s.goal() {
        text.push(' ');
        text.push_str(&g.goal.problem);
    }
    text
}

/// "12.5% (4 of 32)", or from fewer than ten only the counts.
pub fn rate_text(part: u64, whole: u64) -> String {
    match whole {
        0 => "not known".into(),
        1..=9 => format!("{part} of {whole}"),
        _ => format!(
            "{:.1}% ({part} of {whole})",
            part as f64 * 100.0 / whole as f64
        ),
    }
}
