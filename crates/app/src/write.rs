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

/// What a face gives the write path: its store, who writes, and how to make
/// the drafts from a state. Each is asked for in turn, so a face may build
/// from the same context its store lives in.
pub trait Writer {
    type Error;
    fn store(&mut self) -> &mut dyn Store;
    fn author(&self) -> &str;
    fn build(&self, state: &CaseState) -> Result<Vec<Draft>, Self::Error>;
}

/// Appends what the writer builds from the case's current state. `parts`
/// names what the build reads, so a retry reads only that again. Each retry
/// waits a little, by a jitter that keeps racing writers apart.
pub fn write_case<W: Writer>(
    w: &mut W,
    case: &CaseRecord,
    parts: &Parts,
) -> Result<Vec<Entry>, WriteError<W::Error>> {
    let id = case.state.id;
    let mut state = case.state.clone();
    for attempt in 0..50u64 {
        let drafts = w.build(&state).map_err(WriteError::Build)?;
        let author = w.author().to_string();
        match w.store().append(id, state.seq(), &author, drafts) {
            Err(StoreError::Conflict { .. }) => {
                wait_before_retry(attempt);
                state = w.store().case_parts(id, parts)?.state;
            }
            other => return Ok(other?),
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

/// [`write_case`] for a face that holds its store apart from what it builds with.
pub fn append_case<E>(
    store: &mut dyn Store,
    author: &str,
    case: &CaseRecord,
    parts: &Parts,
    build: impl Fn(&CaseState) -> Result<Vec<Draft>, E>,
) -> Result<Vec<Entry>, WriteError<E>> {
    struct Plain<'a, F> {
        store: &'a mut dyn Store,
        author: &'a str,
        build: F,
    }
    impl<E, F: Fn(&CaseState) -> Result<Vec<Draft>, E>> Writer for Plain<'_, F> {
        type Error = E;
        fn store(&mut self) -> &mut dyn Store {
            self.store
        }
        fn author(&self) -> &str {
            self.author
        }
        fn build(&self, state: &CaseState) -> Result<Vec<Draft>, E> {
            (self.build)(state)
        }
    }
    write_case(
        &mut Plain {
            store,
            author,
            build,
        },
        case,
        parts,
    )
}
