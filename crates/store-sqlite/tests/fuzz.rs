//! The export reader meets arbitrary and damaged files without panicking, and
//! anything it accepts either imports whole or is refused whole.

use casefile_core::*;
use casefile_store::{Store, jsonl};
use casefile_store_sqlite::SqliteStore;
use proptest::prelude::*;
use uuid::Uuid;

fn valid_export() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    let id = Uuid::now_v7();
    let t = jiff::Timestamp::now();
    s.append(
        id,
        0,
        "owner",
        vec![
            Draft::new(
                t,
                Event::CaseOpened {
                    title: "Fuzz".into(),
                    company: None,
                },
            ),
            Draft::new(
                t,
                Event::NoteAdded {
                    contact: None,
                    text: "a note".into(),
                },
            ),
        ],
    )
    .unwrap();
    let mut out = Vec::new();
    jsonl::export(&s, true, &mut out).unwrap();
    out
}

proptest! {
    #[test]
    fn arbitrary_bytes_are_refused_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = jsonl::read(&bytes[..]);
    }

    #[test]
    fn damaged_exports_import_whole_or_not_at_all(pos in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut data = valid_export();
        let i = pos.index(data.len());
        if cut { data.truncate(i) } else { data[i] = byte }
        if let Ok((_, entries)) = jsonl::read(&data[..]) {
            let dir = tempfile::tempdir().unwrap();
            let mut s = SqliteStore::open(&dir.path().join("b.db")).unwrap();
            let n = entries.len();
            match s.import(entries) {
                Ok(sum) => {
                    prop_assert_eq!(sum.entries_added, n);
                    prop_assert!(s.verify().unwrap().is_empty());
                }
                Err(_) => prop_assert!(s.streams().unwrap().is_empty(), "a refused import writes nothing"),
            }
        }
    }
}
