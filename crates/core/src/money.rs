//! Amounts of money as whole minor units, so sums are exact and hashes stable.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents, pence).
    pub cents: i64,
    /// ISO 4217 code, upper case.
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not an amount of money: {why}. Write it like 25, 25.50, 25.50 EUR or $25.50")]
pub struct MoneyError {
    pub input: String,
    pub why: &'static str,
}

impl Money {
    /// Parses what people type: `25`, `25.5`, `$25.50`, `25.50 EUR`, `€ 1,200`.
    pub fn parse(input: &str, default_currency: &str) -> Result<Money, MoneyError> {
        let err = |why| MoneyError {
            input: input.to_string(),
            why,
        };
        let mut s = input.trim().to_string();
        let mut currency: Option<String> = None;
        for (sym, code) in [("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("¥", "JPY")] {
            if let Some(rest) = s.strip_prefix(sym) {
                currency = Some(code.to_string());
                s = rest.trim().to_string();
            }
        }
        if let Some((num, code)) = s.rsplit_once(' ') {
            let code = code.trim();
            if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) {
                currency = Some(code.to_ascii_uppercase());
                s = num.trim().to_string();
            } else {
                return Err(err("unexpected text after the number"));
            }
        }
        let negative = s.starts_with('-');
        let digits = s.trim_start_matches('-').replace(',', "");
        if digits.is_empty() {
            return Err(err("there is no number"));
        }
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w.to_string(), f.to_string()),
            None => (digits.clone(), String::new()),
        };
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(err("it has characters that are not digits"));
        }
        if frac.len() > 2 {
            return Err(err("it has more than two decimal places"));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err("it is too large"))?
        };
        let frac_cents: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().unwrap_or(0) * 10,
            _ => frac.parse::<i64>().unwrap_or(0),
        };
        let cents = whole
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac_cents))
            .ok_or_else(|| err("it is too large"))?;
        Ok(Money {
            cents: if negative { -cents } else { cents },
            currency: currency.unwrap_or_else(|| default_currency.to_ascii_uppercase()),
        })
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        let symbol = match self.currency.as_str() {
            "USD" => Some("$"),
            "EUR" => Some("€"),
            "GBP" => Some("£"),
            _ => None,
        };
        match symbol {
            Some(sym) => write!(f, "{sign}{sym}{}.{:02}", abs / 100, abs % 100),
            None => write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency),
        }
    }
}

/// Sums per currency, in a stable order.
pub fn totals<'a>(amounts: impl IntoIterator<Item = &'a Money>) -> Vec<Money> {
    let mut map: std::collections::BTreeMap<String, i64> = Default::default();
    for m in amounts {
        *map.entry(m.currency.clone()).or_default() += m.cents;
    }
    map.into_iter()
        .map(|(currency, cents)| Money { cents, currency })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(
            Money::parse("25", "usd").unwrap(),
            Money {
                cents: 2500,
                currency: "USD".into()
            }
        );
        assert_eq!(Money::parse("$25.5", "EUR").unwrap().cents, 2550);
        assert_eq!(
            Money::parse("1,200.05 gbp", "USD").unwrap(),
            Money {
                cents: 120005,
                currency: "GBP".into()
            }
        );
        assert_eq!(Money::parse("€ 3", "USD").unwrap().currency, "EUR");
        assert_eq!(Money::parse(".5", "USD").unwrap().cents, 50);
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "abc",
            "1.234",
            "12 dollars please",
            "1e5",
            "99999999999999999999",
        ] {
            assert!(Money::parse(bad, "USD").is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn displays_and_totals() {
        let a = Money::parse("12.5", "USD").unwrap();
        let b = Money::parse("7.55", "USD").unwrap();
        let c = Money::parse("3 CHF", "USD").unwrap();
        assert_eq!(a.to_string(), "$12.50");
        assert_eq!(c.to_string(), "3.00 CHF");
        let t = totals([&a, &b, &c]);
        assert_eq!(
            t.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
            ["3.00 CHF", "$20.05"]
        );
    }
}
