//! Arbitrary input never panics the parsers people type into. (cargo fuzz
//! needs a nightly toolchain this project does not have; proptest stands in.)
//! More cases on demand: PROPTEST_CASES=100000 cargo test --test fuzz

use casefile::dates::{Tense, parse_day, parse_minutes, parse_when};
use casefile::specs::{REP_KEYS, Spec};
use casefile_core::Money;
use casefile_core::coach::tone::{DraftKind, Purpose};
use jiff::tz::TimeZone;
use proptest::prelude::*;

fn now() -> jiff::Timestamp {
    "2026-11-22T15:00:00Z".parse().unwrap()
}

proptest! {
    #[test]
    fn dates_never_panic(s in "\\PC{0,40}") {
        let tz = TimeZone::get("America/New_York").unwrap();
        let _ = parse_when(&s, now(), &tz, Tense::Past);
        let _ = parse_when(&s, now(), &tz, Tense::Future);
        let _ = parse_minutes(&s);
        let _ = parse_day(&s, now(), &tz);
    }

    #[test]
    fn date_like_text_never_panics(s in "(in |last |next )?[0-9]{0,5}[-/: ]?[0-9]{0,3}[-/: ]?[0-9]{0,5} ?(h|m|d|days|pm|am|ago|friday)?") {
        let _ = parse_when(&s, now(), &TimeZone::UTC, Tense::Future);
        let _ = parse_minutes(&s);
    }

    #[test]
    fn specs_money_and_the_tone_check_never_panic(s in "\\PC{0,200}") {
        let _ = Spec::parse("--rep", &s, REP_KEYS);
        let _ = Money::parse(&s, "USD");
        let r = casefile_core::coach::check_draft(&s, DraftKind::Email, Purpose::Request, None);
        for f in r.findings {
            prop_assert!(s.is_char_boundary(f.start) && s.is_char_boundary(f.end) && f.start <= f.end);
        }
    }

    /// Typographic apostrophes move the rules' lower-cased copy off the
    /// text's bytes: every finding still names its own words.
    #[test]
    fn findings_name_their_own_words_beside_curly_apostrophes(
        s in "([a-zA-Z’'*@?! ]|I’ll sue|don’t lie|f\\*\\*\\*|@FBIDallas|done with y’all|you’re|日本|WHY???){0,40}"
    ) {
        let r = casefile_core::coach::check_draft(&s, DraftKind::Chat, Purpose::Request, None);
        for f in r.findings {
            prop_assert!(s.is_char_boundary(f.start) && s.is_char_boundary(f.end) && f.start <= f.end);
            prop_assert_eq!(&s[f.start..f.end], f.excerpt.as_str());
        }
    }
}
