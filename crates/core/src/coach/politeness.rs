//! The politeness model: a logistic regression over the words and word pairs
//! of a message, trained by `train/politeness.py` on the Stanford Politeness
//! Corpus and kept beside this file (`politeness.json`). Features are made
//! here exactly as the script makes them; a test checks the scores it wrote.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(serde::Deserialize)]
struct Model {
    bias: f64,
    weights: HashMap<String, f64>,
    #[cfg_attr(not(test), allow(dead_code))]
    checks: Vec<Check>,
}

#[derive(serde::Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
struct Check {
    text: String,
    score: f64,
}

static MODEL: LazyLock<Option<Model>> =
    LazyLock::new(|| serde_json::from_str(include_str!("politeness.json")).ok());

/// The words of `text` as the training script reads them: lower case, runs
/// of ASCII letters, digits and apostrophes.
fn words(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn features(text: &str) -> Vec<String> {
    let w = words(text);
    let mut out: Vec<String> = w.iter().map(|x| format!("w:{x}")).collect();
    out.extend(w.windows(2).map(|p| format!("b:{} {}", p[0], p[1])));
    if let Some(first) = w.first() {
        out.push(format!("s:{first}"));
    }
    if text.contains('?') {
        out.push("q:?".into());
    }
    out.sort();
    out.dedup();
    out
}

/// How polite `text` reads to the model, 0 to 1; None if the model that
/// ships with casefile cannot be read (then the rules' score stands in).
pub fn score(text: &str) -> Option<f64> {
    let m = MODEL.as_ref()?;
    let z = m.bias
        + features(text)
            .iter()
            .filter_map(|f| m.weights.get(f))
            .sum::<f64>();
    Some(1.0 / (1.0 + (-z).exp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_scores_as_the_training_script_did() {
        let m = MODEL.as_ref().expect("politeness.json reads");
        assert!(m.checks.len() >= 5 && m.weights.len() > 1000);
        for c in &m.checks {
            let s = score(&c.text).unwrap();
            assert!((s - c.score).abs() < 1e-9, "{}: {s} vs {}", c.text, c.score);
        }
    }

    #[test]
    fn words_and_pairs_are_made_as_in_training() {
        assert_eq!(
            words("Could you PLEASE, y'know, check #42?"),
            ["could", "you", "please", "y'know", "check", "42"]
        );
        let f = features("Thanks! Thanks?");
        assert_eq!(f, ["b:thanks thanks", "q:?", "s:thanks", "w:thanks"]);
        assert!(features("").is_empty());
    }
}
