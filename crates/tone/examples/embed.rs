//! Embeds JSON Lines from standard input (a `text` field each) and writes one
//! JSON array of 384 numbers a line: what train/tone.py trains the heads on.
//! `CHUNK` sets how many go to the model at once (256).
use std::io::{BufRead, Write};

fn main() {
    // WEIGHTS names other weights to compare (the original 32-bit ones, say).
    let other = std::env::var_os("WEIGHTS").map(|p| std::fs::read(p).expect("WEIGHTS reads"));
    let weights = other.as_deref().unwrap_or(casefile_tone::WEIGHTS);
    let enc = casefile_tone::Encoder::load(weights, casefile_tone::TOKENIZER)
        .unwrap_or_else(|e| panic!("{e}"));
    let texts: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(&l.expect("stdin")).expect("a JSON line");
            v["text"].as_str().expect("a text field").to_string()
        })
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let out = std::io::stdout();
    let mut out = out.lock();
    let size = std::env::var("CHUNK")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    for chunk in refs.chunks(size) {
        for v in enc.embed(chunk).expect("embeds") {
            let v: Vec<f32> = v.to_vec();
            writeln!(out, "{}", serde_json::to_string(&v).unwrap()).unwrap();
        }
    }
}
