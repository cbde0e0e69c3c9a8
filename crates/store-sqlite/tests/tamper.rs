//! Tampering: every way an outsider can change the stored journal (edit any
//! field, delete, reorder, insert, cut the tail, write the same content in
//! another form) is reported by `verify`,
//! naming the stream and an entry at or before the one touched.

use casefile_core::*;
use casefile_store::Store;
use casefile_store_sqlite::SqliteStore;
use proptest::prelude::*;
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Tamper {
    /// Change one column of one entry.
    Edit {
        entry: usize,
        column: usize,
    },
    Delete {
        entry: usize,
    },
    /// Swap the positions of two entries.
    Swap {
        a: usize,
        b: usize,
    },
    /// Give one entry another entry's body.
    Copy {
        from: usize,
        to: usize,
    },
    /// Drop the last entries and fix up nothing.
    CutTail {
        n: usize,
    },
    /// Write one entry's column another way that reads the same (an
    /// instant with an offset, a field casefile does not know, spaces, an
    /// upper-case id): the hash covers exactly what casefile writes.
    Reencode {
        entry: usize,
        form: usize,
    },
}

/// The other forms, by column, as SQL expressions of the column.
const FORMS: &[(&str, &str)] = &[
    ("at", "replace(at, 'Z', '+00:00')"),
    ("recorded", "replace(recorded, 'Z', '+00:00')"),
    ("event", "json_set(event, '$.extra', 'unseen')"),
    ("event", "replace(event, ',', ', ')"),
    ("id", "upper(id)"),
];

const COLUMNS: &[&str] = &["at", "recorded", "author", "event", "prev", "hash", "id"];

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        (0usize..12, 0..COLUMNS.len()).prop_map(|(entry, column)| Tamper::Edit { entry, column }),
        (0usize..12).prop_map(|entry| Tamper::Delete { entry }),
        (0usize..12, 0usize..12)
            .prop_filter("two different entries", |(a, b)| a != b)
            .prop_map(|(a, b)| Tamper::Swap { a, b }),
        (0usize..12, 0usize..12)
            .prop_filter("two different entries", |(a, b)| a != b)
            .prop_map(|(from, to)| Tamper::Copy { from, to }),
        (1usize..4).prop_map(|n| Tamper::CutTail { n }),
        (0usize..12, 0..FORMS.len()).prop_map(|(entry, form)| Tamper::Reencode { entry, form }),
    ]
}

fn t(m: i64) -> jiff::Timestamp {
    "2026-11-01T09:00:00Z".parse::<jiff::Timestamp>().unwrap() + jiff::SignedDuration::from_mins(m)
}

/// Two cases of twelve entries; returns the store and the first case's id.
fn journal(dir: &std::path::Path) -> (SqliteStore, Uuid) {
    let mut s = SqliteStore::open(&dir.join("t.db")).unwrap();
    let mut first = Uuid::nil();
    for c in 0..2 {
        let id = Uuid::now_v7();
        if c == 0 {
            first = id;
        }
        let mut drafts = vec![Draft::new(
            t(0),
            Event::CaseOpened {
                title: format!("case {c}"),
                company: None,
            },
        )];
        drafts.extend((1..12).map(|i| {
            Draft::new(
                t(i),
                Event::NoteAdded {
                    contact: None,
                    text: format!("note {i} of case {c}"),
                },
            )
        }));
        s.append(id, 0, "owner", drafts).unwrap();
    }
    (s, first)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn verify_reports_every_kind_of_tampering(tamper in tamper()) {
        let dir = tempfile::tempdir().unwrap();
        let (s, case) = journal(dir.path());
        prop_assert!(s.verify().unwrap().is_empty());
        let seq = |i: usize| i as i64 + 1;
        let touched: u64 = match &tamper {
            Tamper::Edit { entry, column } => {
                let col = COLUMNS[*column];
                // Every column changes to something else of a plausible shape.
                let value = match col {
                    "at" | "recorded" => "'2030-01-01T00:00:00Z'",
                    // Every event here says "case " in its text; the result is still valid
                    // JSON with other content.
                    "event" => "replace(event, 'case ', 'lost ')",
                    "id" => "'00000000-0000-7000-8000-000000000000'",
                    _ => "'x' || author",
                };
                let set = if col == "author" { "'mallory'".to_string() } else if col == "prev" || col == "hash" { format!("'{}'", "f".repeat(64)) } else { value.to_string() };
                s.execute_for_tests(&format!("UPDATE entries SET {col} = {set} WHERE stream = '{case}' AND seq = {}", seq(*entry))).unwrap();
                seq(*entry) as u64
            }
            Tamper::Delete { entry } => {
                s.execute_for_tests(&format!("DELETE FROM entries WHERE stream = '{case}' AND seq = {}", seq(*entry))).unwrap();
                seq(*entry) as u64
            }
            Tamper::Swap { a, b } => {
                s.execute_for_tests(&format!(
                    "UPDATE entries SET seq = -1 WHERE stream = '{case}' AND seq = {a1};
                     UPDATE entries SET seq = {a1} WHERE stream = '{case}' AND seq = {b1};
                     UPDATE entries SET seq = {b1} WHERE stream = '{case}' AND seq = -1;",
                    a1 = seq(*a), b1 = seq(*b)
                )).unwrap();
                seq(*a).min(seq(*b)) as u64
            }
            Tamper::Copy { from, to } => {
                s.execute_for_tests(&format!(
                    "UPDATE entries SET event = (SELECT event FROM entries WHERE stream = '{case}' AND seq = {f}) WHERE stream = '{case}' AND seq = {t}",
                    f = seq(*from), t = seq(*to)
                )).unwrap();
                seq(*to) as u64
            }
            Tamper::Reencode { entry, form } => {
                let (col, expr) = FORMS[*form];
                s.execute_for_tests(&format!("UPDATE entries SET {col} = {expr} WHERE stream = '{case}' AND seq = {}", seq(*entry))).unwrap();
                seq(*entry) as u64
            }
            Tamper::CutTail { n } => {
                s.execute_for_tests(&format!("DELETE FROM entries WHERE stream = '{case}' AND seq > {}", 12 - n)).unwrap();
                (12 - n + 1) as u64
            }
        };
        let findings = s.verify().unwrap();
        prop_assert_eq!(findings.len(), 1, "{:?}: {:?}", tamper, findings);
        prop_assert_eq!(findings[0].chain.stream, case);
        prop_assert!(findings[0].chain.seq <= touched, "{:?}: named #{} for a change at #{}", tamper, findings[0].chain.seq, touched);
    }
}

/// Each other form of the same content, one by one (the property above
/// draws from them at random).
#[test]
fn the_same_content_written_another_way_is_caught() {
    for (col, expr) in FORMS {
        let dir = tempfile::tempdir().unwrap();
        let (s, case) = journal(dir.path());
        s.execute_for_tests(&format!(
            "UPDATE entries SET {col} = {expr} WHERE stream = '{case}' AND seq = 5"
        ))
        .unwrap();
        let findings = s.verify().unwrap();
        assert_eq!(findings.len(), 1, "{col} as {expr}: {findings:?}");
        assert_eq!((findings[0].chain.stream, findings[0].chain.seq), (case, 5));
        assert!(
            findings[0].chain.problem.contains("never writes"),
            "{col}: {}",
            findings[0].chain.problem
        );
    }
}
