//! casefile's domain: the append-only journal of a case, the fold that turns
//! it into state, and the wording shown about it. No I/O, no SQL, no terminal.

pub mod coach;
pub mod company;
pub mod entry;
pub mod event;
pub mod instant;
pub mod items;
pub mod mask;
pub mod money;
pub mod scan;
pub mod seal;
pub mod state;
pub mod text;

pub use company::{CompanyState, OrgMap, normalize_company_name, org_map};
pub use entry::{ChainBreak, Draft, Entry, GENESIS, SeriesHeads, compute_hash, verify_chain};
pub use event::*;
pub use items::{CaseHeader, CaseItem, ItemKind, apply_partial, touched_entries};
pub use money::Money;
pub use state::{CaseState, Costs, DomainError, DueItem, DueKind, PromiseState};

/// Builds a sealed chain from drafts; for tests and generators that need a
/// journal without a store.
pub fn seal_all(
    stream: uuid::Uuid,
    author: &str,
    drafts: Vec<Draft>,
    recorded: jiff::Timestamp,
) -> Vec<Entry> {
    let mut prev = GENESIS.to_string();
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let e = Entry::seal(d, stream, i as u64 + 1, recorded, author, &prev);
            prev = e.hash.clone();
            e
        })
        .collect()
}
