//! The one write path: build drafts from the case as it stands, append them,
//! and when another writer got there first, read the case again and rebuild.

use casefile_core::{CaseState, Draft, Entry};
use casefile_store::{CaseRecord, Parts, Store, StoreError};

#[derive(Debug)]
pub enum WriteError<E> {
    /// The drafts could not be made (bad input, a rule of the case).
    Build(E),
    Store(StoreError),
    /// Other writers kept changing the case; nothing was written.
    KeptChanging,
}

impl<E> From<StoreError> for WriteError<E> {
    fn from(e: StoreError) -> Self {
        WriteError::Store(e)
    }
}

/// Appends what `build` makes from the case's current state. The engine
/// builds under its write lock (so writers of one case queue), reading the
/// `parts` of the case again if it moved on since `case` was read. A
/// conflict left over (an engine without such a lock) is retried, after a
/// little wait, by a jitter that keeps racing writers apart.
pub fn append_case<E>(
    store: &mut dyn Store,
    author: &str,
    case: &CaseRecord,
    parts: &Parts,
    build: impl Fn(&CaseState) -> Result<Vec<Draft>, E>,
) -> Result<Vec<Entry>, WriteError<E>> {
    let id = case.state.id;
    let mut read_again = None;
    for attempt in 0..50u64 {
        let state = read_again.as_ref().unwrap_or(&case.state);
        let mut refused = None;
        let written = store.append_built(id, state, author, parts, &mut |s| match build(s) {
            Ok(drafts) => Some(drafts),
            Err(e) => {
                refused = Some(e);
                None
            }
        });
        match written {
            Ok(Some(entries)) => return Ok(entries),
            Ok(None) => {
                return Err(refused.map_or(WriteError::KeptChanging, WriteError::Build));
            }
            Err(StoreError::Conflict { .. }) => {
                wait_before_retry(attempt);
                read_again = Some(store.case_parts(id, parts)?.state);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(WriteError::KeptChanging)
}

/// A short wait before writing again, by a jitter that keeps racing writers apart.
pub(crate) fn wait_before_retry(attempt: u64) {
    use std::hash::{BuildHasher, Hasher};
    // Random per call: writers in one server share a process id, and a
    // jitter they all computed alike would keep them colliding.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(attempt);
    let spread = 17 + 4 * attempt.min(20);
    std::thread::sleep(std::time::Duration::from_millis(1 + h.finish() % spread));
}
