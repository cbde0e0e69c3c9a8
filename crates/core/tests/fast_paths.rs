//! The quick ways long cases are read and shown, each checked against the
//! plain way it replaced, on any text: a fast path may only be faster.

use casefile_core::state::NOTE_PREVIEW;
use casefile_core::text::{one_line, when};
use casefile_core::*;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use uuid::Uuid;

fn plain_one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text made of the characters that decide the paths: spaces of every
/// kind, line breaks, ASCII and not.
fn texty() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(" "),
            Just("  "),
            Just("\n"),
            Just("\t"),
            Just("\r\n"),
            Just("\u{a0}"),
            Just("\u{2003}"),
            Just("é"),
            Just("…"),
            Just("word"),
            Just("x"),
            Just("XXXX"),
        ],
        0..120,
    )
    .prop_map(|parts| parts.concat())
}

/// ASCII text long enough to cross many of the blocks that are copied
/// whole, with every kind of ASCII space here and there.
fn ascii_texty() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            8 => Just("word"),
            4 => Just(" "),
            1 => Just("  "),
            1 => Just("\n"),
            1 => Just("\t"),
            1 => Just("\r\n"),
            1 => Just("\x0b"),
            1 => Just("\x0c"),
            2 => Just("XXXX XX/XX/XXXX"),
            2 => Just("abcdefghijklmnopqrstuvwxyz"),
        ],
        0..200,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn one_line_is_the_words_joined_by_one_space(s in texty()) {
        prop_assert_eq!(one_line(&s), plain_one_line(&s));
    }

    #[test]
    fn one_line_of_long_ascii_text(s in ascii_texty()) {
        prop_assert_eq!(one_line(&s), plain_one_line(&s));
    }

    #[test]
    fn one_line_onto_what_is_written_already(s in ascii_texty()) {
        let mut out = String::from("Note: ");
        casefile_core::text::push_one_line(&mut out, &s);
        prop_assert_eq!(out, format!("Note: {}", plain_one_line(&s)));
    }

    #[test]
    fn one_line_of_any_string(s in ".*") {
        prop_assert_eq!(one_line(&s), plain_one_line(&s));
    }

    #[test]
    fn when_reads_as_strftime(secs in -2_000_000_000i64..4_000_000_000i64, zone in 0usize..4) {
        let tz = [
            TimeZone::UTC,
            TimeZone::get("America/New_York").unwrap(),
            TimeZone::get("Asia/Kolkata").unwrap(),
            TimeZone::get("Pacific/Chatham").unwrap(),
        ][zone].clone();
        let t = Timestamp::from_second(secs).unwrap();
        let expected = t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
        prop_assert_eq!(when(t, &tz), expected);
    }

    #[test]
    fn a_note_keeps_its_first_characters_and_its_length(s in texty(), ascii_len in 0usize..400) {
        let text = format!("{}{s}", "a".repeat(ascii_len));
        prop_assume!(!text.trim().is_empty());
        let s = fold_note(text.clone()).unwrap();
        let chars = text.chars().count();
        let expected: String = if chars > NOTE_PREVIEW {
            text.chars().take(NOTE_PREVIEW).collect::<String>() + "…"
        } else {
            text.clone()
        };
        prop_assert_eq!(&s.notes[0].preview, &expected);
        prop_assert_eq!(s.notes[0].chars, chars);
    }
}

/// A case opened and given one note, folded.
fn fold_note(text: String) -> Result<CaseState, (u64, DomainError)> {
    let at: Timestamp = "2026-11-03T14:05:00Z".parse().unwrap();
    let drafts = vec![
        Draft::new(
            at,
            Event::CaseOpened {
                title: "T".into(),
                company: None,
            },
        ),
        Draft::new(
            at,
            Event::NoteAdded {
                contact: None,
                text,
            },
        ),
    ];
    CaseState::fold(&seal_all(Uuid::now_v7(), "owner", drafts, at))
}

#[test]
fn control_characters_are_refused_wherever_they_stand() {
    // Past the first block the scan reads, and after non-ASCII text.
    for text in [
        format!("{}\u{1b}[31m", "a".repeat(200)),
        format!("é{}\u{7}", "a".repeat(100)),
        format!("{}\u{202e}", "a".repeat(70)),
        "a\u{85}b".to_string(),
    ] {
        let err = fold_note(text).unwrap_err();
        assert!(matches!(err.1, DomainError::ControlChars { .. }), "{err:?}");
    }
    fold_note("line one\nline\ttwo\r\nthree é…".to_string()).unwrap();
}

#[test]
fn an_event_reads_whatever_the_order_of_its_fields() {
    let canonical = r#"{"type":"note_added","contact":null,"text":"Called twice"}"#;
    let shuffled = r#"{"text":"Called twice","contact":null,"type":"note_added"}"#;
    let a: Event = serde_json::from_str(canonical).unwrap();
    let b: Event = serde_json::from_str(shuffled).unwrap();
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&b).unwrap(), canonical);
    // A variant that wraps a struct, tag first and not.
    let goal = Event::GoalSet(Goal {
        replaces: None,
        problem: "router dead on arrival".into(),
        resolution: "full refund".into(),
        alternatives: vec!["a replacement".into()],
        fair: Some(Fairness::Yes),
        fairness_note: None,
        reason: None,
    });
    let json = serde_json::to_string(&goal).unwrap();
    assert!(json.starts_with(r#"{"type":"goal_set","#), "{json}");
    assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), goal);
    let mut fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&json).unwrap();
    let tag = fields.remove("type").unwrap();
    fields.insert("type".into(), tag);
    let tag_last = serde_json::to_string(&fields).unwrap();
    assert!(!tag_last.starts_with(r#"{"type""#), "{tag_last}");
    assert_eq!(serde_json::from_str::<Event>(&tag_last).unwrap(), goal);
    for (bad, says) in [
        (r#"{"contact":null,"text":"x"}"#, "missing field `type`"),
        (r#"{}"#, "missing field `type`"),
        (
            r#"{"type":"note_sung","text":"x"}"#,
            "unknown variant `note_sung`",
        ),
        (
            r#"{"type":"note_added","contact":null}"#,
            "missing field `text`",
        ),
        (
            r#"{"text":"x","type":"note_sung"}"#,
            "unknown variant `note_sung`",
        ),
        (r#"[1]"#, "invalid type"),
    ] {
        let err = serde_json::from_str::<Event>(bad).unwrap_err().to_string();
        assert!(err.contains(says), "{bad}: {err}");
    }
}

proptest! {
    /// Any instant jiff writes reads back the same through the quick path.
    #[test]
    fn instants_read_back_as_written(secs in -377_705_023_201i64..=253_402_207_200i64, nanos in 0i32..1_000_000_000, whole in any::<bool>()) {
        let t = Timestamp::new(secs, if whole { 0 } else { nanos }).unwrap();
        let text = t.to_string();
        prop_assert_eq!(casefile_core::instant::parse(&text).unwrap(), t);
    }

    /// Text of the written form's shape, valid or not, reads as jiff reads it.
    #[test]
    fn instant_shaped_text_reads_as_jiff_reads_it(
        y in 0u32..10_000, mo in 0u32..14, d in 0u32..33, h in 0u32..26, mi in 0u32..62, s in 0u32..62,
        frac in proptest::option::of("[0-9]{1,10}"),
    ) {
        let text = format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}Z",
            frac.map(|f| format!(".{f}")).unwrap_or_default()
        );
        let ours = casefile_core::instant::parse(&text).ok();
        let jiffs = text.parse::<Timestamp>().ok();
        prop_assert_eq!(ours, jiffs);
    }
}
