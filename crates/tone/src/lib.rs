//! The tone check's learned model: all-MiniLM-L6-v2 (a sentence encoder,
//! Apache-2.0, in `minilm/`, built into the binary) and two heads trained on
//! its vectors by `train/tone.py` (`heads.json`): how polite a message reads,
//! averaged with the word model of `casefile_core::coach::politeness`, and
//! whether it will hurt.
//!
//! `install` makes every check in the process use it; it is read the first
//! time a check runs. `CASEFILE_TONE_MODEL` names a folder to read it from
//! instead (`model.safetensors`, `tokenizer.json`, `heads.json`), or `off`
//! for the rules alone.

pub mod encoder;
pub mod tune;

use std::sync::LazyLock;

use casefile_core::coach::tone::{Reading, ToneModel, use_model};
pub use encoder::Encoder;

/// Aligned so that the 16-bit weights can be read in place.
#[repr(C, align(8))]
struct Aligned<T: ?Sized>(T);
static ALIGNED: &Aligned<[u8]> = &Aligned(*include_bytes!("../minilm/model.safetensors"));

/// The weights, tokenizer and heads that ship inside casefile.
pub static WEIGHTS: &[u8] = &ALIGNED.0;
pub static TOKENIZER: &[u8] = include_bytes!("../minilm/tokenizer.json");
pub static HEADS: &str = include_str!("../heads.json");

#[derive(serde::Deserialize)]
struct Head {
    weights: Vec<f64>,
    bias: f64,
    #[serde(default)]
    at: f64,
}

impl Head {
    fn prob(&self, x: impl Iterator<Item = f64>) -> f64 {
        let z = self.bias + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f64>();
        1.0 / (1.0 + (-z.clamp(-30.0, 30.0)).exp())
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct Heads {
    politeness: Head,
    hurt: Head,
    #[cfg_attr(not(test), allow(dead_code))]
    #[serde(default)]
    checks: Vec<Check>,
}

#[derive(serde::Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Check {
    text: String,
    politeness: f64,
    hurt: f64,
}

/// The encoder with its heads.
pub struct Model {
    encoder: Encoder,
    heads: Heads,
}

impl Model {
    pub fn load(weights: &[u8], tokenizer: &[u8], heads: &str) -> Result<Model, String> {
        let heads: Heads =
            serde_json::from_str(heads).map_err(|e| format!("the heads do not read: {e}"))?;
        if heads.politeness.weights.len() != encoder::DIM
            || heads.hurt.weights.len() != encoder::DIM + 2
        {
            return Err("the heads do not fit the encoder's 384 numbers".into());
        }
        let encoder = Encoder::load(weights, tokenizer).map_err(|e| e.0)?;
        Ok(Model { encoder, heads })
    }

    /// The model that ships inside casefile.
    pub fn builtin() -> Result<Model, String> {
        Model::load(WEIGHTS, TOKENIZER, HEADS)
    }

    /// From a folder holding `model.safetensors`, `tokenizer.json` and `heads.json`.
    pub fn from_dir(dir: &std::path::Path) -> Result<Model, String> {
        let read = |name: &str| {
            std::fs::read(dir.join(name))
                .map_err(|e| format!("cannot read {}: {e}", dir.join(name).display()))
        };
        let heads = String::from_utf8(read("heads.json")?)
            .map_err(|_| format!("{} is not UTF-8", dir.join("heads.json").display()))?;
        Model::load(
            &read("model.safetensors")?,
            &read("tokenizer.json")?,
            &heads,
        )
    }

    pub fn read(&self, texts: &[&str]) -> Result<Vec<Reading>, String> {
        let vectors = self.encoder.embed(texts)?;
        Ok(texts
            .iter()
            .zip(vectors)
            .map(|(text, v)| {
                let x = || v.iter().map(|&f| f as f64);
                let by_vector = self.heads.politeness.prob(x());
                let by_words = casefile_core::coach::politeness::score(text).unwrap_or(by_vector);
                let hurt = self.heads.hurt.prob(x().chain([by_vector, by_words]));
                Reading {
                    politeness: (by_vector + by_words) / 2.0,
                    hurt,
                    hurts: hurt >= self.heads.hurt.at,
                }
            })
            .collect())
    }
}

/// Where the model comes from in this process.
static LOADED: LazyLock<Option<Result<Model, String>>> = LazyLock::new(|| {
    match std::env::var_os("CASEFILE_TONE_MODEL").filter(|v| !v.is_empty()) {
        Some(v) if v == "off" => None,
        Some(dir) => Some(Model::from_dir(std::path::Path::new(&dir)).map_err(|e| {
            format!("the tone model in CASEFILE_TONE_MODEL could not be read ({e}); the rules alone answered")
        })),
        None => Some(Model::builtin().map_err(|e| {
            format!("the tone model built into casefile could not be read ({e}); the rules alone answered")
        })),
    }
});

struct Installed;

impl ToneModel for Installed {
    fn name(&self) -> &'static str {
        "minilm"
    }

    fn read(&self, texts: &[&str]) -> Option<Result<Vec<Reading>, String>> {
        match &*LOADED {
            None => None,
            Some(Ok(m)) => Some(m.read(texts)),
            Some(Err(e)) => Some(Err(e.clone())),
        }
    }
}

/// Makes every tone check in this process read messages with the model.
pub fn install() {
    use_model(&Installed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heads_read_as_the_training_script_did() {
        let m = Model::builtin().expect("the built-in model reads");
        assert!(m.heads.checks.len() >= 5);
        let texts: Vec<&str> = m.heads.checks.iter().map(|c| c.text.as_str()).collect();
        for (c, r) in m.heads.checks.iter().zip(m.read(&texts).unwrap()) {
            for (what, got, want) in [
                ("politeness", r.politeness, c.politeness),
                ("hurt", r.hurt, c.hurt),
            ] {
                assert!(
                    (got - want).abs() < 1e-4,
                    "{}: {what} {got} vs {want}",
                    c.text
                );
            }
        }
    }

    #[test]
    fn a_broken_model_says_what_is_wrong() {
        let e = Model::load(b"not weights", TOKENIZER, HEADS).err().unwrap();
        assert!(e.contains("weights do not read"), "{e}");
        let e = Model::load(WEIGHTS, TOKENIZER, "{}").err().unwrap();
        assert!(e.contains("heads do not read"), "{e}");
        let e = Model::from_dir(std::path::Path::new("/nonexistent/model"))
            .err()
            .unwrap();
        assert!(
            e.contains("cannot read /nonexistent/model/heads.json"),
            "{e}"
        );
    }
}
