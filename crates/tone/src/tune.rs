//! The encoder written again with parts that learn: candle-transformers'
//! BERT (what `Encoder` runs) uses a fused layer norm with no backward pass,
//! so the `finetune` example trains this copy, and a test holds it to the
//! encoder's vectors.
use std::collections::HashMap;

use candle_core::{D, DType, Device, Tensor, Var};

use crate::encoder::DIM;

const HEADS: usize = 12;
pub const LAYERS: usize = 6;
const EPS: f64 = 1e-12;

/// The encoder's weights as variables, and a politeness head on its vectors.
pub struct Net {
    pub w: HashMap<String, Var>,
    /// The first layer trained; those below stay as they were.
    pub from: usize,
    pub head_w: Var,
    pub head_b: Var,
}

impl Net {
    /// From the encoder's weights (`encoder::tensors`), training the layers
    /// from `from` up.
    pub fn new(base: &HashMap<String, Tensor>, from: usize) -> candle_core::Result<Net> {
        let mut names = vec![
            "embeddings.word_embeddings.weight".to_string(),
            "embeddings.position_embeddings.weight".into(),
            "embeddings.token_type_embeddings.weight".into(),
        ];
        for part in ["embeddings.LayerNorm"]
            .into_iter()
            .map(String::from)
            .chain((0..LAYERS).flat_map(|l| {
                [
                    "attention.self.query",
                    "attention.self.key",
                    "attention.self.value",
                    "attention.output.dense",
                    "attention.output.LayerNorm",
                    "intermediate.dense",
                    "output.dense",
                    "output.LayerNorm",
                ]
                .map(|p| format!("encoder.layer.{l}.{p}"))
            }))
        {
            names.push(format!("{part}.weight"));
            names.push(format!("{part}.bias"));
        }
        if let Some(missing) = names.iter().find(|n| !base.contains_key(*n)) {
            candle_core::bail!("the weights have no {missing}: they are not MiniLM-L6's");
        }
        let mut w = HashMap::new();
        for (k, t) in base {
            w.insert(k.clone(), Var::from_tensor(t)?);
        }
        Ok(Net {
            w,
            from,
            head_w: Var::zeros((DIM, 1), DType::F32, &Device::Cpu)?,
            head_b: Var::zeros(1, DType::F32, &Device::Cpu)?,
        })
    }

    /// A weight `new` made sure is there.
    fn t(&self, name: &str) -> &Tensor {
        self.w[name].as_tensor()
    }

    pub fn linear(&self, x: &Tensor, name: &str) -> candle_core::Result<Tensor> {
        let (b, s, h) = x.dims3()?;
        let w = self.t(&format!("{name}.weight"));
        let y = x.reshape((b * s, h))?.matmul(&w.t()?)?;
        let y = y.broadcast_add(self.t(&format!("{name}.bias")))?;
        y.reshape((b, s, w.dim(0)?))
    }

    pub fn norm(&self, x: &Tensor, name: &str) -> candle_core::Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        let x = centred.broadcast_div(&(var + EPS)?.sqrt()?)?;
        x.broadcast_mul(self.t(&format!("{name}.weight")))?
            .broadcast_add(self.t(&format!("{name}.bias")))
    }

    /// The embeddings' output: the input of layer 0.
    pub fn embeddings(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let (b, s) = ids.dims2()?;
        let words = self
            .t("embeddings.word_embeddings.weight")
            .embedding(&ids.flatten_all()?)?
            .reshape((b, s, ()))?;
        let pos = self
            .t("embeddings.position_embeddings.weight")
            .narrow(0, 0, s)?;
        let kind = self
            .t("embeddings.token_type_embeddings.weight")
            .narrow(0, 0, 1)?;
        let x = words.broadcast_add(&pos)?.broadcast_add(&kind)?;
        self.norm(&x, "embeddings.LayerNorm")
    }

    /// Layers `layers` over `x` (a batch's hidden states).
    pub fn layers(
        &self,
        mut x: Tensor,
        mask: &Tensor,
        layers: std::ops::Range<usize>,
    ) -> candle_core::Result<Tensor> {
        let (b, s, hidden) = x.dims3()?;
        let maskf = mask.to_dtype(DType::F32)?;
        // 0 where a token is, the float minimum where padding is, as BERT's.
        let bias = ((maskf.ones_like()? - &maskf)? * f32::MIN as f64)?.reshape((b, 1, 1, s))?;
        let per = hidden / HEADS;
        for l in layers {
            let p = format!("encoder.layer.{l}");
            let split = |t: Tensor| -> candle_core::Result<Tensor> {
                t.reshape((b, s, HEADS, per))?.transpose(1, 2)?.contiguous()
            };
            let q = split(self.linear(&x, &format!("{p}.attention.self.query"))?)?;
            let k = split(self.linear(&x, &format!("{p}.attention.self.key"))?)?;
            let v = split(self.linear(&x, &format!("{p}.attention.self.value"))?)?;
            let scores = (q.matmul(&k.t()?)? / (per as f64).sqrt())?.broadcast_add(&bias)?;
            let probs = candle_nn::ops::softmax(&scores, D::Minus1)?;
            let ctx = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((b, s, hidden))?;
            let a = self.linear(&ctx, &format!("{p}.attention.output.dense"))?;
            let a = self.norm(&(a + &x)?, &format!("{p}.attention.output.LayerNorm"))?;
            let i = self
                .linear(&a, &format!("{p}.intermediate.dense"))?
                .gelu_erf()?;
            let o = self.linear(&i, &format!("{p}.output.dense"))?;
            x = self.norm(&(o + &a)?, &format!("{p}.output.LayerNorm"))?;
        }
        Ok(x)
    }

    /// Mean-pooled unit vectors, as casefile's encoder makes them.
    pub fn pool(x: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let mean = x.broadcast_mul(&m)?.sum(1)?.broadcast_div(&m.sum(1)?)?;
        let len = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        mean.broadcast_div(&len)
    }

    /// The trained layers and the pooling, from the frozen layers' output.
    pub fn top(&self, x: Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        Net::pool(&self.layers(x, mask, self.from..LAYERS)?, mask)
    }

    pub fn logits(&self, vectors: &Tensor) -> candle_core::Result<Tensor> {
        vectors
            .matmul(self.head_w.as_tensor())?
            .broadcast_add(self.head_b.as_tensor())?
            .squeeze(1)
    }
}

/// Log loss from logits, written so that a confident logit gives no infinity
/// (candle's takes the log of a sigmoid, which reaches 1).
pub fn log_loss(logits: &Tensor, labels: &Tensor) -> candle_core::Result<Tensor> {
    let soft = (logits.abs()?.neg()?.exp()? + 1.0)?.log()?;
    (logits.relu()? - (logits * labels)?)?
        .add(&soft)?
        .mean_all()
}

/// Whether the weight `name` belongs to a layer trained when layers from
/// `from` up are.
pub fn trained(name: &str, from: usize) -> bool {
    name.strip_prefix("encoder.layer.")
        .and_then(|rest| rest.split('.').next())
        .and_then(|l| l.parse::<usize>().ok())
        .is_some_and(|l| l >= from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Encoder, TOKENIZER, WEIGHTS};

    /// What the finetune example trains must be what casefile runs: the same
    /// weights give the same vectors, padding and all.
    #[test]
    fn the_trainable_copy_makes_the_encoders_vectors() {
        let texts = [
            "Could you please take a look at this? Thanks!",
            "Why?",
            "You people are useless, I want my money back NOW and I will not wait another week for it.",
        ];
        let encoder = Encoder::load(WEIGHTS, TOKENIZER).unwrap();
        let expected = encoder.embed(&texts).unwrap();
        let net = Net::new(&crate::encoder::tensors(WEIGHTS).unwrap(), 0).unwrap();
        let mut tokenizer = tokenizers::Tokenizer::from_bytes(TOKENIZER).unwrap();
        // The tokenizer's file pads to a fixed length; batches pad here.
        tokenizer.with_padding(None);
        let ids: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| tokenizer.encode(*t, true).unwrap().get_ids().to_vec())
            .collect();
        let len = ids.iter().map(Vec::len).max().unwrap();
        let (mut flat, mut mask) = (Vec::new(), Vec::new());
        for i in &ids {
            flat.extend(i.iter().copied().chain(std::iter::repeat(0)).take(len));
            mask.extend((0..len).map(|k| u32::from(k < i.len())));
        }
        let flat = Tensor::from_vec(flat, (texts.len(), len), &Device::Cpu).unwrap();
        let mask = Tensor::from_vec(mask, (texts.len(), len), &Device::Cpu).unwrap();
        let x = net
            .layers(net.embeddings(&flat).unwrap(), &mask, 0..LAYERS)
            .unwrap();
        let got: Vec<Vec<f32>> = Net::pool(&x, &mask).unwrap().to_vec2().unwrap();
        for (g, e) in got.iter().zip(&expected) {
            let worst = g
                .iter()
                .zip(e)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            assert!(worst < 1e-4, "differs by {worst}");
        }
    }

    #[test]
    fn weights_that_are_not_minilms_are_refused() {
        let mut base = crate::encoder::tensors(WEIGHTS).unwrap();
        base.remove("encoder.layer.5.output.LayerNorm.bias");
        let e = Net::new(&base, 3).err().unwrap().to_string();
        assert!(e.contains("encoder.layer.5.output.LayerNorm.bias"), "{e}");
    }

    #[test]
    fn the_log_loss_stays_finite_when_the_head_is_sure() {
        let logits = Tensor::new(&[40f32, -40.0, 0.0], &Device::Cpu).unwrap();
        let labels = Tensor::new(&[0f32, 1.0, 1.0], &Device::Cpu).unwrap();
        let loss: f32 = log_loss(&logits, &labels).unwrap().to_scalar().unwrap();
        let expected = (40.0 + 40.0 + std::f32::consts::LN_2) / 3.0;
        assert!((loss - expected).abs() < 1e-3, "{loss}");
    }
}
