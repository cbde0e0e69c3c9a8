//! The report an organisation gives its funders and board: cases by status
//! and by company, how they ended, the money recovered (offers accepted), and
//! how long a resolution took. One computation for the page, the CSV and the
//! command line.

use std::collections::BTreeMap;

use casefile_core::{Money, OfferAnswer, Status};
use casefile_store::{CaseFilter, Store};
use jiff::Timestamp;
use serde::Serialize;

use crate::error::Result;

/// The statuses in the order a report lists them.
pub const STATUSES: [Status; 5] = [
    Status::Open,
    Status::Waiting,
    Status::Escalated,
    Status::Resolved,
    Status::Abandoned,
];

/// One company's line (or the whole workspace's).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Line {
    pub company: String,
    pub cases: u64,
    /// Cases in each of [`STATUSES`], in that order (in JSON, by name).
    #[serde(serialize_with = "by_name")]
    pub by_status: [u64; 5],
    /// Accepted offers' values, one total per currency.
    pub recovered: Vec<Money>,
    /// Days from opening to resolution, for resolved cases.
    pub median_days_to_resolution: Option<f64>,
    #[serde(skip)]
    days: Vec<f64>,
}

impl Line {
    fn new(company: &str) -> Line {
        Line {
            company: company.to_string(),
            ..Line::default()
        }
    }

    fn add_money(&mut self, m: &Money) {
        match self.recovered.iter_mut().find(|r| r.currency == m.currency) {
            Some(r) => r.cents = r.cents.saturating_add(m.cents),
            None => self.recovered.push(m.clone()),
        }
    }

    fn finish(&mut self) {
        self.recovered.sort_by(|a, b| a.currency.cmp(&b.currency));
        let mut d = std::mem::take(&mut self.days);
        d.sort_by(f64::total_cmp);
        self.median_days_to_resolution = match d.len() {
            0 => None,
            n if n % 2 == 1 => Some(d[n / 2]),
            n => Some((d[n / 2 - 1] + d[n / 2]) / 2.0),
        };
    }

    /// The recovered totals as one text: "$1,234.00 + €50.00", or "-".
    pub fn recovered_text(&self) -> String {
        if self.recovered.is_empty() {
            "-".into()
        } else {
            self.recovered
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        }
    }

    pub fn median_text(&self) -> String {
        self.median_days_to_resolution
            .map_or("-".into(), |d| format!("{d:.1}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub total: Line,
    /// Busiest company first; cases with no company under "(no company)".
    pub companies: Vec<Line>,
}

fn by_name<S: serde::Serializer>(counts: &[u64; 5], s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(counts.len()))?;
    for (status, n) in STATUSES.iter().zip(counts) {
        m.serialize_entry(status.as_str(), n)?;
    }
    m.end()
}

const NO_COMPANY: &str = "(no company)";

/// Builds the report over every case the store holds (one workspace).
pub fn build(store: &dyn Store) -> Result<Report> {
    let mut total = Line::new("All companies");
    let mut by_company: BTreeMap<String, Line> = BTreeMap::new();
    for row in store.list_cases(&CaseFilter::default())? {
        let name = row
            .company_name
            .clone()
            .unwrap_or_else(|| NO_COMPANY.into());
        let state = store.case(row.id)?.state;
        let status = state.status();
        let slot = STATUSES.iter().position(|s| *s == status).unwrap_or(0);
        let resolved_at = (status == Status::Resolved)
            .then(|| {
                state
                    .statuses
                    .iter()
                    .rev()
                    .find(|c| c.status == Status::Resolved && !c.origin.retracted)
                    .map(|c| c.origin.at)
            })
            .flatten();
        let days = match (state.opened, resolved_at) {
            (Some(o), Some(r)) => Some(days_between(o, r)),
            _ => None,
        };
        let accepted: Vec<Money> = state
            .offers
            .iter()
            .filter(|o| !o.origin.retracted)
            .filter(|o| {
                matches!(
                    o.answer,
                    Some(OfferAnswer::AcceptedFull | OfferAnswer::AcceptedNotFull)
                )
            })
            .filter_map(|o| o.value.clone())
            .collect();
        let line = by_company
            .entry(name.clone())
            .or_insert_with(|| Line::new(&name));
        for l in [&mut total, line] {
            l.cases += 1;
            l.by_status[slot] += 1;
            for m in &accepted {
                l.add_money(m);
            }
            l.days.extend(days);
        }
    }
    total.finish();
    let mut companies: Vec<Line> = by_company
        .into_values()
        .map(|mut l| {
            l.finish();
            l
        })
        .collect();
    companies.sort_by(|a, b| {
        (a.company == NO_COMPANY)
            .cmp(&(b.company == NO_COMPANY))
            .then_with(|| b.cases.cmp(&a.cases))
            .then_with(|| a.company.to_lowercase().cmp(&b.company.to_lowercase()))
    });
    Ok(Report { total, companies })
}

fn days_between(a: Timestamp, b: Timestamp) -> f64 {
    (b.as_second() - a.as_second()).max(0) as f64 / 86_400.0
}

/// The report as CSV: a header, one line per company, the total last.
/// Amounts in minor units per currency column, so a spreadsheet can sum them.
pub fn csv(report: &Report) -> String {
    let mut currencies: Vec<String> = report
        .total
        .recovered
        .iter()
        .map(|m| m.currency.clone())
        .collect();
    currencies.sort();
    let mut head = vec!["company".to_string(), "cases".into()];
    head.extend(STATUSES.iter().map(|s| s.as_str().to_string()));
    head.extend(currencies.iter().map(|c| format!("recovered_{c}")));
    head.push("median_days_to_resolution".into());
    let mut out = String::new();
    let mut push = |cells: Vec<String>| {
        let line: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    csv_cell(&as_text(c))
                } else {
                    csv_cell(c)
                }
            })
            .collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    };
    push(head);
    for l in report
        .companies
        .iter()
        .chain(std::iter::once(&report.total))
    {
        let mut cells = vec![l.company.clone(), l.cases.to_string()];
        cells.extend(l.by_status.iter().map(u64::to_string));
        for c in &currencies {
            let cents = l
                .recovered
                .iter()
                .find(|m| &m.currency == c)
                .map_or(0, |m| m.cents);
            let sign = if cents < 0 { "-" } else { "" };
            cells.push(format!(
                "{sign}{}.{:02}",
                cents.abs() / 100,
                cents.abs() % 100
            ));
        }
        cells.push(
            l.median_days_to_resolution
                .map_or(String::new(), |d| format!("{d:.1}")),
        );
        push(cells);
    }
    out
}

/// A name a spreadsheet must never read as a formula (a company called
/// "=HYPERLINK(...)" stays text).
fn as_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A cell, quoted when it must be.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{as_text, csv_cell};

    #[test]
    fn cells_are_quoted_and_names_never_formulas() {
        assert_eq!(csv_cell("Acme, Inc."), "\"Acme, Inc.\"");
        assert_eq!(csv_cell("Say \"hi\""), "\"Say \"\"hi\"\"\"");
        assert_eq!(
            csv_cell(&as_text("=HYPERLINK(\"x\")")),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(csv_cell(&as_text("Globex")), "Globex");
        assert_eq!(csv_cell("-12.50"), "-12.50");
    }
}
