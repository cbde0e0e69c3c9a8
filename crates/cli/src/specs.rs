//! The small grammar for describing a thing in one argument:
//! `"Dana Reyes, ext=4471, dept=Billing, at=14:20"`. The text before the
//! first `key=value` is the main value; commas inside it are kept.

use crate::error::{CliError, Result};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Spec {
    pub head: String,
    pub fields: Vec<(String, String)>,
}

impl Spec {
    pub fn parse(flag: &str, input: &str, keys: &[&str]) -> Result<Spec> {
        let mut head: Vec<&str> = Vec::new();
        let mut fields: Vec<(String, String)> = Vec::new();
        for seg in input.split(',') {
            let looks_like_field = seg.split_once('=').is_some_and(|(k, _)| {
                !k.trim().is_empty()
                    && k.trim()
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
            });
            match seg.split_once('=') {
                Some((k, v)) if looks_like_field => {
                    let k = k.trim().replace('_', "-");
                    if !keys.contains(&k.as_str()) {
                        return Err(CliError::invalid(format!(
                            "{flag} has an unknown field '{k}'"
                        ))
                        .hint(format!(
                            "its fields are {}; write them as `, key=value` after the main text",
                            keys.join(", ")
                        )));
                    }
                    if fields.iter().any(|(x, _)| *x == k) {
                        return Err(CliError::invalid(format!("{flag} gives '{k}' twice")));
                    }
                    fields.push((k, v.trim().to_string()));
                }
                _ if fields.is_empty() => head.push(seg),
                _ => {
                    return Err(CliError::invalid(format!(
                        "{flag}: '{}' comes after the fields",
                        seg.trim()
                    ))
                    .hint("put the main text first, then `, key=value` fields"));
                }
            }
        }
        let head = head.join(",").trim().to_string();
        if head.is_empty() {
            return Err(
                CliError::invalid(format!("{flag} needs its main text before any fields"))
                    .hint(format!("for example: {}", example(flag))),
            );
        }
        Ok(Spec { head, fields })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

pub fn example(flag: &str) -> &'static str {
    match flag {
        "--rep" => "--rep \"Dana Reyes, ext=4471, dept=Billing, role=agent, at=14:06\"",
        "--promise" => "--promise \"call me back about the refund, by=Marcus, due=in 48h\"",
        "--offer" => "--offer \"a $25 credit, by=Priya, value=25, answer=not-full\"",
        "--ref" => "--ref \"CAS-1234, kind=case\"",
        "--hold" => "--hold \"14:22-14:32\"",
        "--escalate" => "--escalate \"a supervisor, outcome=granted, at=14:19\"",
        _ => "see `casefile help log`",
    }
}

pub const REP_KEYS: &[&str] = &["ext", "dept", "role", "email", "reports-to", "at"];
pub const PROMISE_KEYS: &[&str] = &["by", "due", "at"];
pub const OFFER_KEYS: &[&str] = &["by", "value", "answer", "at"];
pub const REF_KEYS: &[&str] = &["kind", "at"];
pub const NOTE_KEYS: &[&str] = &["at"];
pub const ESCALATE_KEYS: &[&str] = &["outcome", "reason", "at"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_keeps_its_commas_and_fields_follow() {
        let s = Spec::parse(
            "--promise",
            "call back, then email, by=Marcus, due=in 48h",
            PROMISE_KEYS,
        )
        .unwrap();
        assert_eq!(s.head, "call back, then email");
        assert_eq!(s.get("by"), Some("Marcus"));
        assert_eq!(s.get("due"), Some("in 48h"));
        assert_eq!(s.get("at"), None);
    }

    #[test]
    fn typos_and_misplaced_text_are_named() {
        let e = Spec::parse("--rep", "Dana, dpet=Billing", REP_KEYS).unwrap_err();
        assert!(e.message.contains("'dpet'") && e.hint.unwrap().contains("dept"));
        assert!(Spec::parse("--rep", "Dana, ext=1, Billing", REP_KEYS).is_err());
        assert!(Spec::parse("--rep", "ext=1", REP_KEYS).is_err());
        assert!(Spec::parse("--rep", "Dana, ext=1, ext=2", REP_KEYS).is_err());
        // An equals sign in free text is fine when it is not a lower-case key.
        assert_eq!(
            Spec::parse("--note", "Error E=42 on screen", NOTE_KEYS)
                .unwrap()
                .head,
            "Error E=42 on screen"
        );
    }
}
