//! Dates and times as people type them, in their own time zone.

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Zoned};

use crate::error::{Error, Result};

/// Whether a time names something that happened or something expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    /// `--at`: a bare weekday means the last one, and the future is refused.
    Past,
    /// `--due`: a bare weekday means the next one.
    Future,
}

const HINT: &str = "write it like `2026-11-03 14:05`, `14:05`, `yesterday 9am`, `friday 5pm`, `in 48h` or `3 days ago`";

/// Parses `input` relative to `now` in `tz`.
/// How a date written with numbers only (11/05/2026) is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DateOrder {
    /// 11/05 is 11 May.
    #[default]
    DayFirst,
    /// 11/05 is November 5.
    MonthFirst,
}

impl std::str::FromStr for DateOrder {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<DateOrder, String> {
        match s.trim().to_lowercase().replace(['_', ' '], "-").as_str() {
            "day-first" | "dmy" => Ok(DateOrder::DayFirst),
            "month-first" | "mdy" => Ok(DateOrder::MonthFirst),
            other => Err(format!(
                "{other:?} is not a date order (day-first or month-first)"
            )),
        }
    }
}

/// [`parse_when_in`] with numeric dates read day first.
pub fn parse_when(input: &str, now: Timestamp, tz: &TimeZone, tense: Tense) -> Result<Timestamp> {
    parse_when_in(input, now, tz, tense, DateOrder::DayFirst)
}

pub fn parse_when_in(
    input: &str,
    now: Timestamp,
    tz: &TimeZone,
    tense: Tense,
    order: DateOrder,
) -> Result<Timestamp> {
    let s = input.trim();
    if s.is_empty() {
        return Err(Error::invalid("the date is empty").hint(HINT));
    }
    let now_z = now.to_zoned(tz.clone());
    let bad = |why: &str| {
        Error::invalid(format!(
            "'{s}' is not a date and time casefile understands{why}"
        ))
        .hint(HINT)
    };
    let lower = s.to_lowercase();
    if let Some(why) = impossible_clock(s) {
        return Err(Error::invalid(format!("'{s}' is not a time of day: {why}")).hint(HINT));
    }
    if let Some(why) = impossible_day(s, now_z.year(), order) {
        return Err(Error::invalid(format!("'{s}' is not a date: {why}")).hint(HINT));
    }

    let parsed: Timestamp = if let Some(rest) = lower.strip_prefix("in ") {
        add_span(&now_z, rest, false).ok_or_else(|| bad(""))?
    } else if let Some(rest) = lower.strip_suffix(" ago") {
        add_span(&now_z, rest, true).ok_or_else(|| bad(""))?
    } else if let Ok(t) = s.parse::<Timestamp>() {
        t
    } else {
        match parse_natural(s, &now_z, order) {
            Ok(z) => {
                let mut z: Zoned = z;
                let weekday_only = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                    .iter()
                    .any(|d| lower.starts_with(d));
                if tense == Tense::Past && weekday_only && z.timestamp() > now {
                    z = z.checked_sub(Span::new().days(7)).map_err(|_| bad(""))?;
                }
                z.timestamp()
            }
            Err(_) => return Err(bad("")),
        }
    };
    // Nothing a person records happened before 1900 or is due after 2200: such
    // a year is a slip of the keyboard, not a date.
    let year = parsed.to_zoned(tz.clone()).year();
    if !(1900..=2200).contains(&year) {
        return Err(Error::invalid(format!("'{s}' falls in the year {year}"))
            .hint("give the year in full, e.g. 2026-11-03"));
    }
    if tense == Tense::Past && parsed > now + Span::new().minutes(5) {
        return Err(Error::invalid(format!(
            "'{s}' is in the future ({}); this field records when something happened",
            casefile_core::text::when(parsed, tz)
        ))
        .hint("for something expected later, use a follow-up or a promise with --due"));
    }
    Ok(parsed)
}

/// Why a clock time in `s` (`25:00`, `14:75`) cannot be one, if one cannot:
/// the parser would roll it over into another day or hour without a word.
fn impossible_clock(s: &str) -> Option<String> {
    let b = s.as_bytes();
    for (i, _) in s.match_indices(':') {
        let digits_before = b[..i]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let digits_after = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits_before == 0 || digits_after == 0 || digits_before > 2 {
            continue;
        }
        let hour: u32 = s[i - digits_before..i].parse().ok()?;
        let minute: u32 = s[i + 1..i + 1 + digits_after.min(2)].parse().ok()?;
        // "T14:05:00Z" and "+05:00" are parts of a timestamp, checked by its parser.
        let before = b[..i - digits_before].last();
        if matches!(before, Some(b'+' | b'-' | b':')) {
            continue;
        }
        if hour > 23 {
            return Some(format!("{hour} is not an hour (0 to 23)"));
        }
        if minute > 59 {
            return Some(format!("{minute} is not a minute (0 to 59)"));
        }
    }
    None
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Why a calendar date in `s` (`2026-02-30`, `31/04`, `Feb 30`, `13/13`)
/// cannot be one, naming the part: a parser would refuse it with no reason
/// or roll it into the next month.
fn impossible_day(s: &str, this_year: i16, order: DateOrder) -> Option<String> {
    let check = |year: i16, month: i64, day: i64| -> Option<String> {
        if !(1..=12).contains(&month) {
            return Some(format!("{month} is not a month (1 to 12)"));
        }
        let first = jiff::civil::Date::new(year, month as i8, 1).ok()?;
        let days = i64::from(first.days_in_month());
        if day < 1 || day > days {
            let name = MONTHS[month as usize - 1];
            let name = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
            return Some(if month == 2 {
                format!("{day} is not a day of {name} {year}, which has {days} days")
            } else {
                format!("{day} is not a day of {name}, which has {days} days")
            });
        }
        None
    };
    let year_of = |y: &str| -> Option<i16> {
        let n: i16 = y.parse().ok()?;
        Some(if y.len() == 2 { 2000 + n } else { n })
    };
    for token in s.split_whitespace() {
        let token = token.trim_end_matches([',', '.']);
        let parts: Vec<&str> = token.split(['-', '/', '.']).collect();
        if parts.len() < 2
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        let n = |i: usize| parts[i].parse::<i64>().ok();
        let why = if parts[0].len() == 4 && parts.len() == 3 {
            // 2026-02-30: year, month, day.
            check(year_of(parts[0])?, n(1)?, n(2)?)
        } else if parts[0].len() <= 2 && parts[1].len() <= 2 && token.contains('/')
            || parts.len() == 3 && parts[0].len() <= 2
        {
            let year = match parts.get(2) {
                Some(y) if y.len() == 2 || y.len() == 4 => year_of(y)?,
                Some(_) => continue,
                None => this_year,
            };
            let (a, b) = (n(0)?, n(1)?);
            match order {
                DateOrder::DayFirst => check(year, b, a),
                DateOrder::MonthFirst => check(year, a, b),
            }
        } else {
            None
        };
        if why.is_some() {
            return why;
        }
    }
    // "Feb 30", "30 February", "February 30th, 2026".
    let words: Vec<String> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let day_of = |w: &str| -> Option<i64> {
        let digits = w.trim_end_matches(|c: char| c.is_alphabetic());
        let suffix = &w[digits.len()..];
        if digits.is_empty() || digits.len() > 2 || !["", "st", "nd", "rd", "th"].contains(&suffix)
        {
            return None;
        }
        digits.parse().ok()
    };
    for (i, w) in words.iter().enumerate() {
        let Some(month) = MONTHS
            .iter()
            .position(|m| w.len() >= 3 && m.starts_with(w.trim_end_matches('.')))
        else {
            continue;
        };
        let day = words
            .get(i + 1)
            .and_then(|x| day_of(x))
            .or_else(|| i.checked_sub(1).and_then(|j| day_of(&words[j])));
        let year = words
            .iter()
            .find(|x| x.len() == 4 && x.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|x| x.parse().ok())
            .unwrap_or(this_year);
        if let Some(day) = day
            && let Some(why) = check(year, month as i64 + 1, day)
        {
            return Some(why);
        }
    }
    None
}

/// interim, guarded: version 0.2.2 panics on some input (e.g. "s0A", an
/// `assert!` in its keyword table), and bad input must be an error, not a crash.
fn parse_natural(s: &str, now: &Zoned, order: DateOrder) -> Result<Zoned, ()> {
    let dialect = match order {
        DateOrder::DayFirst => interim::Dialect::Uk,
        DateOrder::MonthFirst => interim::Dialect::Us,
    };
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        interim::parse_date_string(s, now.clone(), dialect)
    }));
    std::panic::set_hook(quiet);
    match result {
        Ok(Ok(z)) => Ok(z),
        _ => Err(()),
    }
}

fn add_span(now: &Zoned, text: &str, back: bool) -> Option<Timestamp> {
    let span: Span = text.trim().parse().ok()?;
    let span = if back { span.negate() } else { span };
    now.checked_add(span).ok().map(|z| z.timestamp())
}

/// Parses a duration like `45m`, `1h 30m`, `2 hours` or `20` (minutes) into whole minutes.
pub fn parse_minutes(input: &str) -> Result<u32> {
    let bad = || {
        Error::invalid(format!("'{input}' is not a length of time"))
            .hint("write it like `45m`, `1h 30m` or `2 hours`")
    };
    // A bare number is minutes, as in `--minutes 20`.
    if let Ok(m) = input.trim().parse::<u32>() {
        return if (1..=60 * 24 * 365).contains(&m) {
            Ok(m)
        } else {
            Err(bad())
        };
    }
    let span: Span = input.trim().parse().map_err(|_| bad())?;
    let secs = span.total(jiff::Unit::Second).map_err(|_| bad())?;
    if !(60.0..=60.0 * 60.0 * 24.0 * 365.0).contains(&secs) {
        return Err(bad());
    }
    Ok((secs / 60.0).round() as u32)
}

/// Turns a date-only fact (`acquired`, `problem began`) into `YYYY-MM-DD`.
pub fn parse_day(input: &str, now: Timestamp, tz: &TimeZone) -> Result<String> {
    if let Ok(d) = input.trim().parse::<jiff::civil::Date>() {
        return Ok(d.to_string());
    }
    let t = parse_when(input, now, tz, Tense::Past)?;
    Ok(t.to_zoned(tz.clone()).date().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        // A Sunday afternoon in London.
        "2026-11-22T15:00:00Z".parse().unwrap()
    }

    fn p(s: &str, tense: Tense) -> String {
        let tz = TimeZone::get("Europe/London").unwrap();
        casefile_core::text::when(parse_when(s, now(), &tz, tense).unwrap(), &tz)
    }

    #[test]
    fn understands_what_people_type() {
        assert_eq!(p("2026-11-03 14:05", Tense::Past), "2026-11-03 14:05");
        assert_eq!(p("yesterday 9am", Tense::Past), "2026-11-21 09:00");
        assert_eq!(p("in 48h", Tense::Future), "2026-11-24 15:00");
        assert_eq!(p("in 2 days", Tense::Future), "2026-11-24 15:00");
        assert_eq!(p("3 days ago", Tense::Past), "2026-11-19 15:00");
        assert_eq!(p("friday 5pm", Tense::Future), "2026-11-27 17:00");
        assert_eq!(p("friday 5pm", Tense::Past), "2026-11-20 17:00");
        assert_eq!(p("14:20", Tense::Past), "2026-11-22 14:20");
        assert_eq!(p("2026-11-03T14:05:00Z", Tense::Past), "2026-11-03 14:05");
    }

    #[test]
    fn refuses_nonsense_and_the_future_for_past_fields() {
        let tz = TimeZone::UTC;
        // "s0A" panics inside interim 0.2.2; it must come back as an error.
        for bad in [
            "",
            "garbage",
            "2026-02-30",
            "in forever",
            "32/13/2026",
            "s0A",
        ] {
            let e = parse_when(bad, now(), &tz, Tense::Future).unwrap_err();
            assert!(e.hint.unwrap().contains("yesterday 9am"), "{bad}");
        }
        let e = parse_when("tomorrow", now(), &tz, Tense::Past).unwrap_err();
        assert!(e.message.contains("in the future"));
    }

    #[test]
    fn impossible_times_and_years_are_refused_by_name() {
        let tz = TimeZone::UTC;
        for (bad, why) in [
            ("yesterday 25:00", "25 is not an hour"),
            ("friday 47:00", "47 is not an hour"),
            ("2026-11-03 14:75", "75 is not a minute"),
            ("0000-01-01", "the year 0"),
            ("9999-01-01 10:00", "the year 9999"),
            (
                "2026-02-30",
                "30 is not a day of February 2026, which has 28 days",
            ),
            ("2026-02-29 10:00", "29 is not a day of February 2026"),
            ("2026-13-01", "13 is not a month (1 to 12)"),
            ("31/04/2026", "31 is not a day of April, which has 30 days"),
            ("30/02", "30 is not a day of February 2026"),
            ("5/13/2026", "13 is not a month"),
            ("Feb 30", "30 is not a day of February 2026"),
            ("31st June 2026 10am", "31 is not a day of June"),
            ("april 31, 2026", "31 is not a day of April"),
        ] {
            let e = parse_when(bad, now(), &tz, Tense::Future).unwrap_err();
            assert!(e.message.contains(why), "{bad}: {}", e.message);
        }
        // Real dates pass, leap days included, in either order.
        assert!(parse_when("2028-02-29", now(), &tz, Tense::Future).is_ok());
        assert!(parse_when("30/04/2026", now(), &tz, Tense::Past).is_ok());
        assert!(parse_when_in("4/30/2026", now(), &tz, Tense::Past, DateOrder::MonthFirst).is_ok());
        assert!(parse_when("may 3", now(), &tz, Tense::Past).is_ok());
        // Offsets and seconds are not times of day to check.
        assert!(parse_when("2026-11-03T14:05:59+05:30", now(), &tz, Tense::Past).is_ok());
        assert!(parse_when("23:59", now(), &tz, Tense::Future).is_ok());
    }

    #[test]
    fn durations_and_days() {
        assert_eq!(parse_minutes("45m").unwrap(), 45);
        assert_eq!(parse_minutes("1h 30m").unwrap(), 90);
        assert_eq!(parse_minutes("2 hours").unwrap(), 120);
        assert_eq!(parse_minutes("20").unwrap(), 20);
        assert!(parse_minutes("0").is_err());
        assert!(parse_minutes("soon").is_err());
        assert!(parse_minutes("10s").is_err());
        assert_eq!(
            parse_day("2026-09-14", now(), &TimeZone::UTC).unwrap(),
            "2026-09-14"
        );
        assert_eq!(
            parse_day("yesterday", now(), &TimeZone::UTC).unwrap(),
            "2026-11-21"
        );
        assert!(parse_day("2026-13-01", now(), &TimeZone::UTC).is_err());
    }
}
