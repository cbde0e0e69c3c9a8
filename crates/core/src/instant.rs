//! Instants read back from the text casefile writes them as.

use jiff::Timestamp;

/// An instant from its text: the form casefile writes (`2026-11-03T14:05:00Z`,
/// with a fraction of a second or not) read directly, any other form by
/// jiff's parser, which also names what is wrong with a bad one.
pub fn parse(s: &str) -> Result<Timestamp, jiff::Error> {
    match written_form(s) {
        Some(t) => Ok(t),
        None => s.parse(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, in range, or nothing (jiff decides).
/// A long case's read parses two instants per entry; the general parser
/// costs several times the digits.
fn written_form(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[b.len() - 1] != b'Z'
    {
        return None;
    }
    // The fourteen digits by position, checked at once: a byte that is not
    // a digit comes out above 9.
    const AT: [usize; 14] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    let mut d = [0i64; 14];
    let mut bad = false;
    for (k, &i) in AT.iter().enumerate() {
        let x = b[i].wrapping_sub(b'0');
        bad |= x > 9;
        d[k] = i64::from(x);
    }
    if bad {
        return None;
    }
    let year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3];
    let (month, day) = (d[4] * 10 + d[5], d[6] * 10 + d[7]);
    let (hour, minute, second) = (d[8] * 10 + d[9], d[10] * 10 + d[11], d[12] * 10 + d[13]);
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', f @ ..] if (1..=9).contains(&f.len()) => {
            let mut n = 0i64;
            for &c in f {
                let x = c.wrapping_sub(b'0');
                if x > 9 {
                    return None;
                }
                n = n * 10 + i64::from(x);
            }
            n * 10i64.pow(9 - f.len() as u32)
        }
        _ => return None,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days since 1970-01-01 in the proleptic Gregorian calendar, counted in
    // 400-year eras from a year that starts in March.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Timestamp::new(secs, nanos as i32).ok()
}

/// Serde readers for instants stored as text, through [`parse`]: a case's
/// items hold thousands (`#[serde(deserialize_with = "...")]`; an optional
/// one also needs `default`).
pub mod de {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, de};

    struct Text;

    impl de::Visitor<'_> for Text {
        type Value = Timestamp;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an instant such as 2026-11-03T14:05:00Z")
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<Timestamp, E> {
            super::parse(s).map_err(E::custom)
        }
    }

    /// An instant as text (read in place, never copied first).
    pub fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        d.deserialize_str(Text)
    }

    struct Some_(Timestamp);

    impl<'de> Deserialize<'de> for Some_ {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            timestamp(d).map(Some_)
        }
    }

    /// An instant as text, or null.
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        Ok(Option::<Some_>::deserialize(d)?.map(|s| s.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_form_reads_as_jiff_reads_it() {
        for s in [
            "2026-11-03T14:05:00Z",
            "2024-02-29T23:59:59.999999999Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.5Z",
            "0001-03-01T00:00:00Z",
            "2000-02-29T12:00:00.1Z",
            "9999-12-30T21:59:59Z",
        ] {
            assert_eq!(written_form(s), Some(s.parse().unwrap()), "{s}");
        }
    }

    #[test]
    fn other_forms_go_to_jiff() {
        for s in [
            "2025-02-29T00:00:00Z",
            "2026-11-03T24:00:00Z",
            "2026-11-03T14:05:60Z",
            "2026-11-03T14:05:00+01:00",
            "2026-11-03 14:05:00Z",
            "2026-11-03T14:05:00.Z",
            "2026-11-03T14:05:00.1234567890Z",
            "2026-13-03T14:05:00Z",
            "+2026-11-03T14:05:00Z",
        ] {
            assert_eq!(written_form(s), None, "{s}");
        }
        assert!(parse("2026-11-03T14:05:00+01:00").is_ok());
        assert!(parse("2025-02-29T00:00:00Z").is_err());
    }
}
