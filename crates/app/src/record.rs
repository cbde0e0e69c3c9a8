//! The record of a case, as every face prints it: each entry in the order
//! things happened, and what the dispute cost, in the same words.

use crate::ctx::Ctx;

/// The case's record as Markdown, for print or a bundle: every entry, what
/// the dispute cost, sensitive values masked unless `ctx.reveal`.
pub fn markdown(ctx: &Ctx, rec: &crate::ctx::CaseFile, entries: &[casefile_core::Entry]) -> String {
    use casefile_core::{coach, text};
    let e = coach::economics(&rec.state, &rec.rates, ctx.now);
    let costs = format!(
        "{} contact(s) took {} ({} on hold); {} more was spent away from contacts; expenses: {}.",
        e.contacts.len(),
        text::duration(e.contact_time),
        text::duration(e.hold_time),
        text::duration(e.off_contact_time),
        if e.expenses.is_empty() {
            "none".to_string()
        } else {
            e.expenses
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        }
    );
    coach::letters::record_markdown(
        &rec.state,
        entries,
        rec.company_state().map(|c| c.name.as_str()),
        &costs,
        ctx.now,
        &ctx.tz,
        ctx.reveal,
    )
}
