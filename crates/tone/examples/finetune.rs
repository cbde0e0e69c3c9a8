//! Fine-tunes the sentence encoder with a politeness head on top, for
//! train/tone.py. Reads JSON Lines from standard input: `text`, `label` (0 or
//! 1) and `fold` (0 to 9).
//!
//! ```text
//! finetune cv OUT.jsonl   # per fold: train on the others, write {"i", "p"} for its texts
//! finetune fit DIR        # train on all, write DIR/model.safetensors (16-bit) and DIR/head.json
//! ```
//!
//! It trains `casefile_tone::tune::Net`, the encoder written with parts that
//! learn. First the head alone is fitted on the frozen vectors, then the top
//! layers are trained with it (the head starts right, so the encoder is not
//! pulled about by a random one). No dropout, and a seeded shuffle: the same
//! input gives the same model.
//!
//! Settings, from the environment (train/tone.py sets them all): `FREEZE`
//! layers kept as they were (2), `EPOCHS` (3), `LR` (3e-5, rising over the
//! first tenth of the steps and falling to nothing), `BATCH` (16),
//! `MAX_TOKENS` (128), `HEAD_STEPS` (300), `FOLD` (one fold only), `BASE`
//! (the weights to start from; the built-in ones if unset), `DEBUG` (each
//! step's loss).
use std::collections::HashMap;
use std::io::{BufRead, Write};

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
use casefile_tone::encoder::pad;
use casefile_tone::tune::{LAYERS, Net, log_loss, trained};
use tokenizers::{Tokenizer, TruncationParams};

fn env(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

struct Example {
    ids: Vec<u32>,
    label: f32,
    fold: usize,
    /// What enters the first trained layer (the frozen layers' output), one
    /// row a token: it is the same in every fold, so it is made once.
    start: Tensor,
}

fn batch(examples: &[&Example]) -> candle_core::Result<(Tensor, Tensor, Tensor)> {
    let ids: Vec<&[u32]> = examples.iter().map(|e| e.ids.as_slice()).collect();
    let (_, mask) = pad(&ids)?;
    let len = mask.dim(1)?;
    let starts = examples
        .iter()
        .map(|e| e.start.pad_with_zeros(0, 0, len - e.ids.len()))
        .collect::<candle_core::Result<Vec<_>>>()?;
    let labels: Vec<f32> = examples.iter().map(|e| e.label).collect();
    Ok((
        Tensor::stack(&starts, 0)?,
        mask,
        Tensor::from_vec(labels, examples.len(), &Device::Cpu)?,
    ))
}

/// The frozen part, run once: each text's hidden states entering layer `from`.
fn starts(net: &Net, ids: &[Vec<u32>], from: usize) -> candle_core::Result<Vec<Tensor>> {
    let mut sorted: Vec<usize> = (0..ids.len()).collect();
    sorted.sort_by_key(|&i| ids[i].len());
    let mut out = vec![None; ids.len()];
    for chunk in sorted.chunks(32) {
        let list: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
        let (t, mask) = pad(&list)?;
        let x = net.layers(net.embeddings(&t)?, &mask, 0..from)?.detach();
        for (k, &i) in chunk.iter().enumerate() {
            out[i] = Some(x.get(k)?.narrow(0, 0, ids[i].len())?.contiguous()?);
        }
    }
    Ok(out.into_iter().map(Option::unwrap).collect())
}

/// xorshift: a shuffle that is the same on every machine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Batches of similar length, in a shuffled order.
fn batches<'a>(train: &[&'a Example], size: usize, rng: &mut Rng) -> Vec<Vec<&'a Example>> {
    let mut order: Vec<&Example> = train.to_vec();
    rng.shuffle(&mut order);
    let mut out = Vec::new();
    for group in order.chunks(size * 8) {
        let mut group = group.to_vec();
        group.sort_by_key(|e| e.ids.len());
        out.extend(group.chunks(size).map(|c| c.to_vec()));
    }
    rng.shuffle(&mut out);
    out
}

fn vectors(net: &Net, examples: &[&Example]) -> candle_core::Result<Tensor> {
    let mut sorted: Vec<usize> = (0..examples.len()).collect();
    sorted.sort_by_key(|&i| examples[i].ids.len());
    let mut rows = vec![None; examples.len()];
    for chunk in sorted.chunks(32) {
        let list: Vec<&Example> = chunk.iter().map(|&i| examples[i]).collect();
        let (x, mask, _) = batch(&list)?;
        let v = net.top(x, &mask)?.detach();
        for (k, &i) in chunk.iter().enumerate() {
            rows[i] = Some(v.get(k)?);
        }
    }
    Tensor::stack(&rows.into_iter().map(Option::unwrap).collect::<Vec<_>>(), 0)
}

fn train(base: &HashMap<String, Tensor>, train: &[&Example]) -> candle_core::Result<Net> {
    let net = Net::new(base, frozen())?;
    let size = env("BATCH", 16.0) as usize;
    let epochs = env("EPOCHS", 3.0) as usize;
    let lr = env("LR", 3e-5);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    // The head alone on the frozen vectors: full-batch Adam.
    let x = vectors(&net, train)?;
    let y = Tensor::from_vec(
        train.iter().map(|e| e.label).collect::<Vec<_>>(),
        train.len(),
        &Device::Cpu,
    )?;
    let mut head = AdamW::new(
        vec![net.head_w.clone(), net.head_b.clone()],
        ParamsAdamW {
            lr: 0.05,
            weight_decay: 0.0,
            ..Default::default()
        },
    )?;
    for i in 0..env("HEAD_STEPS", 300.0) as usize {
        let loss = log_loss(&net.logits(&x)?, &y)?;
        if std::env::var_os("DEBUG").is_some() && i % 50 == 0 {
            eprintln!("head {i}: loss {:.4}", loss.to_scalar::<f32>()?);
        }
        head.backward_step(&loss)?;
    }

    // Then everything, the learning rate rising over the first tenth and
    // falling to nothing by the end.
    let params: Vec<Var> = net
        .w
        .iter()
        .filter(|(k, _)| trained(k, net.from))
        .map(|(_, v)| v.clone())
        .collect();
    let mut all = AdamW::new(
        params,
        ParamsAdamW {
            lr,
            weight_decay: 0.01,
            ..Default::default()
        },
    )?;
    let mut head = AdamW::new(
        vec![net.head_w.clone(), net.head_b.clone()],
        ParamsAdamW {
            lr: lr * 10.0,
            weight_decay: 0.0,
            ..Default::default()
        },
    )?;
    let plan: Vec<Vec<Vec<&Example>>> = (0..epochs)
        .map(|_| batches(train, size, &mut rng))
        .collect();
    let total = plan.iter().map(Vec::len).sum::<usize>().max(1);
    let warm = (total / 10).max(1);
    let started = std::time::Instant::now();
    let mut step = 0;
    for (epoch, list) in plan.into_iter().enumerate() {
        let mut sum = 0.0;
        for b in &list {
            let scale = if step < warm {
                (step + 1) as f64 / warm as f64
            } else {
                (total - step) as f64 / (total - warm) as f64
            };
            all.set_learning_rate(lr * scale);
            head.set_learning_rate(lr * 10.0 * scale);
            let (x, mask, labels) = batch(b)?;
            let logits = net.logits(&net.top(x, &mask)?)?;
            let loss = log_loss(&logits, &labels)?;
            let l = loss.to_scalar::<f32>()? as f64;
            if std::env::var_os("DEBUG").is_some() {
                eprintln!("step {step}: loss {l:.4}");
            }
            sum += l;
            let grads = loss.backward()?;
            all.step(&grads)?;
            head.step(&grads)?;
            step += 1;
        }
        eprintln!(
            "  epoch {}: loss {:.4} ({} batches, {:.0} s so far)",
            epoch + 1,
            sum / list.len().max(1) as f64,
            list.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(net)
}

fn frozen() -> usize {
    (env("FREEZE", 2.0) as usize).min(LAYERS)
}

fn probabilities(net: &Net, examples: &[&Example]) -> candle_core::Result<Vec<f32>> {
    let x = vectors(net, examples)?;
    candle_nn::ops::sigmoid(&net.logits(&x)?)?.to_vec1()
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, out) = match args.as_slice() {
        [m, o] if m == "cv" || m == "fit" => (m.as_str(), o.clone()),
        _ => return Err("usage: finetune cv OUT.jsonl | finetune fit DIR".into()),
    };
    let mut tokenizer = Tokenizer::from_bytes(casefile_tone::TOKENIZER)?;
    tokenizer.with_truncation(Some(TruncationParams {
        max_length: env("MAX_TOKENS", 128.0) as usize,
        ..Default::default()
    }))?;
    tokenizer.with_padding(None);
    let mut rows = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let text = v["text"].as_str().ok_or("a line has no text")?;
        rows.push((
            tokenizer.encode(text, true)?.get_ids().to_vec(),
            v["label"].as_f64().ok_or("a line has no label")? as f32,
            v["fold"].as_u64().unwrap_or(0) as usize,
        ));
    }
    let weights = match std::env::var_os("BASE") {
        Some(path) => std::fs::read(path)?,
        None => casefile_tone::WEIGHTS.to_vec(),
    };
    let base = casefile_tone::encoder::tensors(&weights)?;
    let ids: Vec<Vec<u32>> = rows.iter().map(|r| r.0.clone()).collect();
    let made = starts(&Net::new(&base, frozen())?, &ids, frozen())?;
    let examples: Vec<Example> = rows
        .into_iter()
        .zip(made)
        .map(|((ids, label, fold), start)| Example {
            ids,
            label,
            fold,
            start,
        })
        .collect();
    if mode == "cv" {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&out)?);
        let folds = examples.iter().map(|e| e.fold).max().unwrap_or(0) + 1;
        let only: Option<usize> = std::env::var("FOLD").ok().and_then(|s| s.parse().ok());
        for k in (0..folds).filter(|k| only.is_none_or(|o| o == *k)) {
            eprintln!("fold {k}");
            let train_set: Vec<&Example> = examples.iter().filter(|e| e.fold != k).collect();
            let (idx, test): (Vec<usize>, Vec<&Example>) = examples
                .iter()
                .enumerate()
                .filter(|(_, e)| e.fold == k)
                .unzip();
            let net = train(&base, &train_set)?;
            let p = probabilities(&net, &test)?;
            let right = test
                .iter()
                .zip(&p)
                .filter(|(e, p)| (**p >= 0.5) == (e.label >= 0.5))
                .count();
            eprintln!("  fold {k}: {right} of {} right", test.len());
            for (i, p) in idx.iter().zip(p) {
                writeln!(file, "{}", serde_json::json!({"i": i, "p": p}))?;
            }
            file.flush()?;
        }
    } else {
        let all: Vec<&Example> = examples.iter().collect();
        let net = train(&base, &all)?;
        std::fs::create_dir_all(&out)?;
        let halves: HashMap<String, Tensor> = net
            .w
            .iter()
            .map(|(k, v)| Ok((k.clone(), v.as_tensor().to_dtype(DType::F16)?)))
            .collect::<candle_core::Result<_>>()?;
        candle_core::safetensors::save(&halves, format!("{out}/model.safetensors"))?;
        let head = serde_json::json!({
            "weights": net.head_w.as_tensor().flatten_all()?.to_vec1::<f32>()?,
            "bias": net.head_b.as_tensor().to_vec1::<f32>()?[0],
        });
        std::fs::write(format!("{out}/head.json"), head.to_string())?;
    }
    Ok(())
}
