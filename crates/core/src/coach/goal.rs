//! Checks on the goal: is the problem specific, is the resolution an outcome
//! rather than a feeling, and was the fairness question answered?

use serde::{Deserialize, Serialize};

use crate::event::{Fairness, Goal};
use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalFinding {
    /// `problem`, `resolution` or `fairness`.
    pub field: String,
    /// A stable name for the rule, for scripts and tests.
    pub rule: String,
    pub message: String,
}

fn finding(field: &str, rule: &str, message: &str) -> GoalFinding {
    GoalFinding {
        field: field.into(),
        rule: rule.into(),
        message: message.into(),
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

fn has_any(text: &str, phrases: &[&str]) -> bool {
    let t = format!(" {} ", words(text).join(" "));
    phrases.iter().any(|p| t.contains(&format!(" {p} ")))
}

const VAGUE_SUBJECTS: &[&str] = &[
    "it",
    "this",
    "that",
    "thing",
    "this thing",
    "stuff",
    "everything",
    "something",
];
const VAGUE_STATES: &[&str] = &[
    "doesn't work",
    "does not work",
    "not working",
    "isn't working",
    "is broken",
    "broken",
    "won't work",
    "messed up",
    "bad",
    "wrong",
];
const FEELINGS: &[&str] = &[
    "feel",
    "feel better",
    "happy",
    "satisfied",
    "satisfaction",
    "angry",
    "upset",
    "respect",
    "justice",
    "peace of mind",
    "treated fairly",
    "treated right",
    "make it right",
    "sorted",
    "fixed",
    "to work",
    "work again",
    "an apology",
    "acknowledge",
];
const OUTCOMES: &[&str] = &[
    "refund",
    "refunded",
    "replace",
    "replacement",
    "replaced",
    "repair",
    "repaired",
    "credit",
    "credited",
    "cancel",
    "cancelled",
    "canceled",
    "restore",
    "restored",
    "reconnect",
    "ship",
    "shipped",
    "waive",
    "waived",
    "reverse",
    "reversed",
    "remove",
    "removed",
    "correct",
    "corrected",
    "return label",
    "rma",
    "compensation",
    "reimburse",
    "reimbursed",
    "exchange",
    "technician",
    "visit",
    "callback",
    "close",
    "closed",
    "deliver",
    "delivered",
    "install",
    "installed",
    "pay",
    "paid",
    "write off",
    "refunding",
];
const DEADLINES: &[&str] = &[
    "by",
    "within",
    "before",
    "until",
    "today",
    "tomorrow",
    "week",
    "weeks",
    "days",
    "day",
    "month",
    "hours",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "next",
];
const MONEY_WORDS: &[&str] = &[
    "refund",
    "credit",
    "compensation",
    "reimburse",
    "reimbursed",
    "money back",
    "pay",
    "paid",
    "waive",
];

/// The first amount of money named in a text, e.g. the `$129` of "a refund of $129".
pub fn amount_in(text: &str, currency: &str) -> Option<Money> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for (i, tok) in tokens.iter().enumerate() {
        let t = tok.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':' | '(' | ')'));
        let has_symbol = t.starts_with(['$', '€', '£']);
        let next_is_code = tokens.get(i + 1).is_some_and(|n| {
            let n = n.trim_matches(|c: char| !c.is_alphabetic());
            n.len() == 3 && n.chars().all(|c| c.is_ascii_uppercase())
        });
        if has_symbol {
            if let Ok(m) = Money::parse(t, currency) {
                return Some(m);
            }
        } else if next_is_code && t.chars().any(|c| c.is_ascii_digit()) {
            let code = tokens[i + 1].trim_matches(|c: char| !c.is_alphabetic());
            if let Ok(m) = Money::parse(&format!("{t} {code}"), currency) {
                return Some(m);
            }
        }
    }
    None
}

/// Checks a goal. An empty list means it is clear, concrete and fair.
pub fn check_goal(goal: Option<&Goal>) -> Vec<GoalFinding> {
    let Some(g) = goal else {
        return vec![finding(
            "goal",
            "no_goal",
            "No goal is set: write down the problem and the exact outcome you want before the next contact.",
        )];
    };
    let mut out = Vec::new();
    let pw = words(&g.problem);
    let vague_subject = pw
        .first()
        .is_some_and(|w| VAGUE_SUBJECTS.contains(&w.as_str()))
        || pw.len() <= 3;
    if pw.len() < 4 || (vague_subject && has_any(&g.problem, VAGUE_STATES) && pw.len() < 8) {
        out.push(finding(
            "problem",
            "vague_problem",
            "The problem is vague: name the thing (model, service, bill), say what it does or fails to do, and since when.",
        ));
    }
    let feeling = has_any(&g.resolution, FEELINGS);
    let outcome =
        has_any(&g.resolution, OUTCOMES) || g.resolution.chars().any(|c| c.is_ascii_digit());
    if feeling && !outcome {
        out.push(finding(
            "resolution",
            "feeling_not_outcome",
            "The resolution describes a feeling, not an outcome: say what they should do (refund, repair, replace, credit, restore), how much, and by when.",
        ));
    } else if !outcome {
        out.push(finding("resolution", "no_outcome", "The resolution does not name an action: say what they should do (refund, repair, replace, credit, restore)."));
    }
    if !has_any(&g.resolution, DEADLINES) && !g.resolution.chars().any(|c| c.is_ascii_digit()) {
        out.push(finding(
            "resolution",
            "no_deadline",
            "Say by when: \"within 10 days\", \"by Friday\".",
        ));
    }
    if has_any(&g.resolution, MONEY_WORDS)
        && amount_in(&g.resolution, "USD").is_none()
        && !g.resolution.chars().any(|c| c.is_ascii_digit())
    {
        out.push(finding(
            "resolution",
            "no_amount",
            "Money is involved: say how much.",
        ));
    }
    match g.fair {
        None => out.push(finding("fairness", "fairness_unanswered", "Answer the fairness question: could the company stay in business if every customer asked for this?")),
        Some(Fairness::No) => out.push(finding(
            "fairness",
            "unfair",
            "You answered that the company could not afford this if everyone asked for it. Reps hear that quickly; lead with an outcome that passes the test and keep this one as a stretch.",
        )),
        Some(Fairness::Unsure) => out.push(finding("fairness", "fairness_unsure", "You are not sure the request is fair. Think about what a reasonable company would offer everyone in your position.")),
        Some(Fairness::Yes) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(problem: &str, resolution: &str, fair: Option<Fairness>) -> Goal {
        Goal {
            replaces: None,
            problem: problem.into(),
            resolution: resolution.into(),
            alternatives: vec![],
            fair,
            fairness_note: None,
            reason: None,
        }
    }

    fn rules(g: &Goal) -> Vec<String> {
        check_goal(Some(g)).into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn a_clear_fair_goal_passes() {
        let g = goal(
            "The X200 router I bought on Oct 28 stopped connecting on Oct 31",
            "A full refund of $129 to my card within 10 days",
            Some(Fairness::Yes),
        );
        assert!(rules(&g).is_empty(), "{:?}", rules(&g));
    }

    #[test]
    fn feelings_and_vagueness_are_named() {
        let r = rules(&goal(
            "it doesn't work",
            "I want it to work",
            Some(Fairness::Yes),
        ));
        assert!(
            r.contains(&"vague_problem".to_string())
                && r.contains(&"feeling_not_outcome".to_string()),
            "{r:?}"
        );
        let r = rules(&goal(
            "I am angry about my broadband service",
            "I want to feel better",
            None,
        ));
        assert!(
            r.contains(&"feeling_not_outcome".to_string())
                && r.contains(&"fairness_unanswered".to_string()),
            "{r:?}"
        );
        let r = rules(&goal(
            "The washer leaks from the door seal",
            "a refund",
            Some(Fairness::No),
        ));
        assert!(
            r.contains(&"no_amount".to_string())
                && r.contains(&"no_deadline".to_string())
                && r.contains(&"unfair".to_string()),
            "{r:?}"
        );
        assert_eq!(check_goal(None)[0].rule, "no_goal");
    }

    #[test]
    fn amounts_are_found_in_prose() {
        assert_eq!(
            amount_in("A full refund of $129 to my card", "USD")
                .unwrap()
                .cents,
            12900
        );
        assert_eq!(
            amount_in("credit of 45.50 EUR please", "USD")
                .unwrap()
                .currency,
            "EUR"
        );
        assert!(amount_in("a replacement router", "USD").is_none());
    }
}
