//! Companies: a stream of their own for names and channels, and a view that
//! gathers what the cases revealed (people met, departments, transfers).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entry::Entry;
use crate::event::{CompanyChannel, Event, StreamKind};
use crate::state::{CaseState, DomainError, check_text};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompanyState {
    pub id: Uuid,
    pub name: String,
    pub aliases: Vec<String>,
    pub channels: Vec<CompanyChannel>,
    pub seq: u64,
}

impl CompanyState {
    pub fn fold(entries: &[Entry]) -> Result<CompanyState, (u64, DomainError)> {
        let mut s = CompanyState::default();
        for e in entries {
            s.apply_merged(e).map_err(|err| (e.seq, err))?;
        }
        Ok(s)
    }

    /// Applies an entry as the fold does: one from a device's series that
    /// cannot apply here is passed over (see `CaseState::apply_merged`).
    pub fn apply_merged(&mut self, e: &Entry) -> Result<(), DomainError> {
        match self.apply(e) {
            Err(_)
                if e.series.is_some()
                    && e.seq == self.seq + 1
                    && self.seq > 0
                    && e.event.stream_kind() == StreamKind::Company =>
            {
                self.seq = e.seq;
                Ok(())
            }
            r => r,
        }
    }

    pub fn apply(&mut self, e: &Entry) -> Result<(), DomainError> {
        if e.seq != self.seq + 1 {
            return Err(DomainError::Invalid(format!(
                "entry {} cannot follow entry {}",
                e.seq, self.seq
            )));
        }
        if e.event.stream_kind() != StreamKind::Company {
            return Err(DomainError::WrongStream(StreamKind::Case));
        }
        match (&e.event, self.seq) {
            (Event::CompanyCreated { name }, 0) => {
                check_text("the company name", name, true)?;
                self.id = e.stream;
                self.name = name.clone();
            }
            (Event::CompanyCreated { .. }, _) => {
                return Err(DomainError::Invalid("this company already exists".into()));
            }
            (_, 0) => {
                return Err(DomainError::Invalid(
                    "a company journal must begin with the company being created".into(),
                ));
            }
            (Event::CompanyAliasAdded { alias }, _) => {
                check_text("the alias", alias, true)?;
                if !self
                    .aliases
                    .iter()
                    .any(|a| normalize_company_name(a) == normalize_company_name(alias))
                {
                    self.aliases.push(alias.clone());
                }
            }
            (Event::CompanyChannelAdded { channel }, _) => {
                check_text("the channel", &channel.value, true)?;
                for o in [&channel.label, &channel.hours].into_iter().flatten() {
                    check_text("the channel's label or hours", o, true)?;
                }
                self.channels.push(channel.clone());
            }
            _ => return Err(DomainError::WrongStream(StreamKind::Case)),
        }
        self.seq = e.seq;
        Ok(())
    }

    /// The name and every alias, normalised, for matching what people type.
    pub fn match_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = std::iter::once(&self.name)
            .chain(&self.aliases)
            .map(|n| normalize_company_name(n))
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

/// Lower case, punctuation dropped, legal suffixes (Inc., LLC, N.A., ...) removed,
/// so "ACME Broadband, Inc." and "acme broadband" match.
pub fn normalize_company_name(name: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "inc",
        "incorporated",
        "llc",
        "llp",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "na",
        "n a",
        "gmbh",
        "ag",
        "sa",
        "lp",
        "the",
    ];
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else if c == '&' {
                '&'
            } else {
                ' '
            }
        })
        .collect();
    // "N.A." becomes "n a": join single letters first so the suffix list can see it.
    let mut words: Vec<String> = Vec::new();
    let mut letters = String::new();
    for w in cleaned.split_whitespace() {
        if w.chars().count() == 1 && w.chars().all(char::is_alphabetic) {
            letters.push_str(w);
        } else {
            if !letters.is_empty() {
                words.push(std::mem::take(&mut letters));
            }
            words.push(w.to_string());
        }
    }
    if !letters.is_empty() {
        words.push(letters);
    }
    if words.first().is_some_and(|w| w == "the") && words.len() > 1 {
        words.remove(0);
    }
    // Legal forms come off the end, with what joined them ("& Company",
    // "National Association"), as often as they stack up.
    while words.len() > 1 {
        let n = words.len();
        let last = words[n - 1].as_str();
        if SUFFIXES.contains(&last) || last == "&" || last == "and" {
            words.pop();
        } else if last == "association" && n > 2 && words[n - 2] == "national" {
            words.truncate(n - 2);
        } else {
            break;
        }
    }
    words.join(" ")
}

/// A person met at a company, across all cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonMet {
    pub name: String,
    pub ext: Option<String>,
    pub department: Option<String>,
    pub role: Option<String>,
    pub email: Option<String>,
    pub reports_to: Option<String>,
    pub times_met: usize,
    pub first_met: Timestamp,
    pub last_met: Timestamp,
    /// Case ids in which they appeared.
    pub cases: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferEdge {
    pub from: String,
    pub to: String,
    pub count: usize,
}

/// What casefile knows about a company's organisation, from the cases.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrgMap {
    pub people: Vec<PersonMet>,
    pub departments: Vec<String>,
    pub transfers: Vec<TransferEdge>,
}

/// Gathers the people, departments and transfers seen in the given cases.
pub fn org_map<'a>(cases: impl IntoIterator<Item = &'a CaseState>) -> OrgMap {
    let mut map = OrgMap::default();
    let key = |n: &str| n.trim().to_lowercase();
    for case in cases {
        for contact in case.live_contacts() {
            for visit in contact.live_reps() {
                let r = &visit.rep;
                let at = visit.origin.at;
                match map.people.iter_mut().find(|p| key(&p.name) == key(&r.name)) {
                    Some(p) => {
                        p.times_met += 1;
                        p.first_met = p.first_met.min(at);
                        p.last_met = p.last_met.max(at);
                        // Later sightings fill in what earlier ones lacked.
                        for (dst, src) in [
                            (&mut p.ext, &r.ext),
                            (&mut p.department, &r.department),
                            (&mut p.role, &r.role),
                            (&mut p.email, &r.email),
                            (&mut p.reports_to, &r.reports_to),
                        ] {
                            if src.is_some() {
                                dst.clone_from(src);
                            }
                        }
                        if !p.cases.contains(&case.id) {
                            p.cases.push(case.id);
                        }
                    }
                    None => map.people.push(PersonMet {
                        name: r.name.trim().to_string(),
                        ext: r.ext.clone(),
                        department: r.department.clone(),
                        role: r.role.clone(),
                        email: r.email.clone(),
                        reports_to: r.reports_to.clone(),
                        times_met: 1,
                        first_met: at,
                        last_met: at,
                        cases: vec![case.id],
                    }),
                }
                if let Some(d) = &r.department
                    && !map.departments.iter().any(|x| key(x) == key(d))
                {
                    map.departments.push(d.trim().to_string());
                }
                if let Some(from) = &visit.transferred_from {
                    match map
                        .transfers
                        .iter_mut()
                        .find(|t| key(&t.from) == key(from) && key(&t.to) == key(&r.name))
                    {
                        Some(t) => t.count += 1,
                        None => map.transfers.push(TransferEdge {
                            from: from.trim().to_string(),
                            to: r.name.trim().to_string(),
                            count: 1,
                        }),
                    }
                }
            }
        }
    }
    map.people.sort_by(|a, b| {
        a.first_met
            .cmp(&b.first_met)
            .then_with(|| a.name.cmp(&b.name))
    });
    map.departments.sort();
    map
}

#[cfg(test)]
mod tests {
    use super::normalize_company_name as n;

    #[test]
    fn normalises_legal_forms_and_punctuation() {
        assert_eq!(n("ACME Broadband, Inc."), "acme broadband");
        assert_eq!(n("Wells Fargo Bank, N.A."), "wells fargo bank");
        assert_eq!(n("The Home Depot"), "home depot");
        assert_eq!(n("AT&T"), "at&t");
        assert_eq!(n("Co"), "co");
        assert_eq!(n("WELLS FARGO & COMPANY"), "wells fargo");
        assert_eq!(n("JPMORGAN CHASE & CO."), "jpmorgan chase");
        assert_eq!(
            n("BANK OF AMERICA, NATIONAL ASSOCIATION"),
            "bank of america"
        );
        assert_eq!(n("CITIBANK, N.A."), "citibank");
        assert_eq!(n("Navient Solutions, LLC."), "navient solutions");
        assert_eq!(n("  Société Générale SA "), "société générale");
    }
}
