//! Seals: a digest of every journal's head, kept by the person outside the
//! file, and the proof later that the file still holds that history.

use std::collections::HashMap;

use casefile_core::StreamKind;
use casefile_core::seal::{Seal, read_digest};
use casefile_store::Store;
use jiff::Timestamp;

use crate::error::{Error, Exit, Result};

/// Seals the journal as it stands: keeps the seal in the file and returns it.
pub fn seal(store: &mut dyn Store, now: Timestamp) -> Result<Seal> {
    let heads = store.heads()?;
    if heads.is_empty() {
        return Err(
            Error::invalid("there is nothing to seal yet: the journal is empty")
                .hint("open a case first: casefile open"),
        );
    }
    let seal = Seal::new(now, heads);
    store.put_seal(&seal)?;
    Ok(seal)
}

/// Proves the journal still holds what the seal with this digest covered:
/// every sealed head is still there, unchanged (the hash chains, checked by
/// `verify`, tie every entry before it). Returns the seal.
pub fn prove(store: &dyn Store, typed: &str) -> Result<Seal> {
    let Some(digest) = read_digest(typed) else {
        return Err(Error::invalid(format!("{typed:?} is not a seal's digest"))
            .hint("give the digest `casefile seal` printed, e.g. 3f2a-9c10-77ab-01de-55e0"));
    };
    let seal = store
        .seals()?
        .into_iter()
        .find(|s| s.digest().starts_with(&digest))
        .ok_or_else(|| {
            Error::new(
                Exit::VerifyFailed,
                format!("no seal with digest {typed} is in this journal: it was removed, or this is another journal"),
            )
            .hint("check the digest and the file (--db); a removed seal means the file was altered")
        })?;
    let names: HashMap<_, _> = store
        .streams()?
        .into_iter()
        .map(|s| {
            let name = match s.kind {
                StreamKind::Case => format!("case {}", s.handle),
                StreamKind::Company => format!("company {}", s.handle),
            };
            (s.id, name)
        })
        .collect();
    let mut problems = Vec::new();
    for head in &seal.heads {
        let name = names.get(&head.stream).cloned().unwrap_or_else(|| {
            format!(
                "a journal sealed then (id {}) is gone: it was hidden or removed",
                head.stream
            )
        });
        match store.entry_at(head.stream, head.seq)? {
            None if !names.contains_key(&head.stream) => problems.push(name),
            None => problems.push(format!(
                "{name}: entry #{} that was sealed is gone (the journal was cut short)",
                head.seq
            )),
            // A sync may have moved it later, after entries another device
            // sent first; its hash still names it.
            Some(e)
                if e.hash != head.hash
                    && !store
                        .read_stream(head.stream)?
                        .iter()
                        .any(|m| m.hash == head.hash && m.seq > head.seq) =>
            {
                problems.push(format!(
                    "{name}: entry #{} is not the one that was sealed (it was rewritten)",
                    head.seq
                ))
            }
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(seal)
    } else {
        Err(Error::new(
            Exit::VerifyFailed,
            format!(
                "the journal no longer holds what was sealed on {}: {}",
                seal.made.strftime("%Y-%m-%d %H:%M UTC"),
                problems.join("; ")
            ),
        )
        .hint("restore from your last `casefile export --reveal` made before the change"))
    }
}
