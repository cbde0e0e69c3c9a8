//! all-MiniLM-L6-v2 run by candle on the CPU: a message in, 384 numbers out
//! (the tokens' mean, scaled to length 1), as sentence-transformers makes them.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, HiddenAct};
use half::f16;
use half::slice::HalfFloatSliceExt;
use safetensors::{Dtype, SafeTensors};
use tokenizers::{Tokenizer, TruncationParams};

/// The model's own limit is 512 tokens; it was trained on 256 at most.
const MAX_TOKENS: usize = 256;
pub const DIM: usize = 384;
/// Texts run through the model together: on two cores, eight of similar
/// length went fastest (4, 16 and 32 were slower, and 32 took twice the memory).
const BATCH: usize = 8;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub String);

pub struct Encoder {
    model: BertModel,
    tokenizer: Tokenizer,
}

fn config() -> Config {
    Config {
        vocab_size: 30522,
        hidden_size: DIM,
        num_hidden_layers: 6,
        num_attention_heads: 12,
        intermediate_size: 1536,
        hidden_act: HiddenAct::Gelu,
        max_position_embeddings: 512,
        type_vocab_size: 2,
        layer_norm_eps: 1e-12,
        ..Config::default()
    }
}

impl Encoder {
    /// From the weights (safetensors, 16- or 32-bit floats) and the tokenizer's JSON.
    pub fn load(weights: &[u8], tokenizer: &[u8]) -> Result<Encoder, LoadError> {
        let tensors =
            widen(weights).map_err(|e| LoadError(format!("the weights do not read: {e}")))?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
        let model = BertModel::load(vb, &config())
            .map_err(|e| LoadError(format!("the weights are not MiniLM-L6's: {e}")))?;
        let mut tokenizer = Tokenizer::from_bytes(tokenizer)
            .map_err(|e| LoadError(format!("the tokenizer does not read: {e}")))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| LoadError(format!("the tokenizer does not read: {e}")))?;
        tokenizer.with_padding(None);
        Ok(Encoder { model, tokenizer })
    }

    /// One vector per text, in order. Texts of similar length go together so
    /// that little of each batch is padding.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<[f32; DIM]>, String> {
        let ids: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| {
                self.tokenizer
                    .encode(*t, true)
                    .map(|e| e.get_ids().to_vec())
            })
            .collect::<Result<_, _>>()
            .map_err(|e| format!("the text could not be split into tokens: {e}"))?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let mut out = vec![[0f32; DIM]; texts.len()];
        for chunk in order.chunks(BATCH) {
            let vectors = self
                .embed_batch(chunk.iter().map(|&i| ids[i].as_slice()).collect())
                .map_err(|e| format!("the model failed: {e}"))?;
            for (&i, v) in chunk.iter().zip(vectors) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, batch: Vec<&[u32]>) -> candle_core::Result<Vec<[f32; DIM]>> {
        let (ids, mask) = pad(&batch)?;
        let types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &types, Some(&mask))?;
        let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&m)?.sum(1)?;
        let counts = m.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        let unit = mean.broadcast_div(&norm)?;
        let rows: Vec<Vec<f32>> = unit.to_vec2()?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let mut v = [0f32; DIM];
                v.copy_from_slice(&r);
                v
            })
            .collect())
    }
}

/// Token ids of texts run together, padded to the longest, and the mask
/// (1 for a token, 0 for padding), each shaped (texts, tokens).
pub fn pad(batch: &[&[u32]]) -> candle_core::Result<(Tensor, Tensor)> {
    let len = batch.iter().map(|b| b.len()).max().unwrap_or(0).max(1);
    let mut ids = Vec::with_capacity(batch.len() * len);
    let mut mask = Vec::with_capacity(batch.len() * len);
    for b in batch {
        ids.extend_from_slice(b);
        ids.resize(ids.len() + len - b.len(), 0);
        mask.extend(std::iter::repeat_n(1u32, b.len()));
        mask.resize(mask.len() + len - b.len(), 0);
    }
    Ok((
        Tensor::from_vec(ids, (batch.len(), len), &Device::Cpu)?,
        Tensor::from_vec(mask, (batch.len(), len), &Device::Cpu)?,
    ))
}

/// Every tensor of `weights` as 32-bit floats, by name (what the fine-tuning
/// example starts from).
pub fn tensors(weights: &[u8]) -> Result<HashMap<String, Tensor>, String> {
    widen(weights)
}

/// Every tensor of `weights` as 32-bit floats. Loading is most of the time a
/// one-message check takes, so the widening is spread over the cores, in
/// pieces, with the processor's own half-float instructions where it has them.
fn widen(weights: &[u8]) -> Result<HashMap<String, Tensor>, String> {
    const PIECE: usize = 1 << 18;
    let st = SafeTensors::deserialize(weights).map_err(|e| e.to_string())?;
    let mut wide: Vec<(String, Vec<usize>, Vec<f32>)> = Vec::new();
    let mut sources = Vec::new();
    for (name, view) in st.tensors() {
        let width = match view.dtype() {
            Dtype::F16 => 2,
            Dtype::F32 => 4,
            other => return Err(format!("{name} holds {other:?}, not 16- or 32-bit floats")),
        };
        let n = view.shape().iter().product::<usize>();
        if view.data().len() != n * width {
            return Err(format!("{name} is cut short"));
        }
        wide.push((name, view.shape().to_vec(), vec![0f32; n]));
        sources.push((view.data(), width));
    }
    let mut pieces: Vec<Piece> = Vec::new();
    for ((_, _, dst), (src, width)) in wide.iter_mut().zip(&sources) {
        for (d, s) in dst.chunks_mut(PIECE).zip(src.chunks(PIECE * width)) {
            pieces.push((s, *width, d));
        }
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let mut shares: Vec<Vec<Piece>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, p) in pieces.into_iter().enumerate() {
        shares[i % workers].push(p);
    }
    std::thread::scope(|scope| {
        let mut shares = shares.into_iter();
        let mine = shares.next().unwrap_or_default();
        for share in shares {
            scope.spawn(move || share.into_iter().for_each(|(s, w, d)| widen_piece(s, w, d)));
        }
        mine.into_iter().for_each(|(s, w, d)| widen_piece(s, w, d));
    });
    wide.into_iter()
        .map(|(name, shape, data)| {
            Tensor::from_vec(data, shape, &Device::Cpu)
                .map(|t| (name, t))
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// A run of stored numbers (their bytes and width) and where they go.
type Piece<'a> = (&'a [u8], usize, &'a mut [f32]);

fn widen_piece(src: &[u8], width: usize, dst: &mut [f32]) {
    match (width, bytemuck::try_cast_slice::<u8, f16>(src)) {
        (2, Ok(halves)) if cfg!(target_endian = "little") => halves.convert_to_f32_slice(dst),
        (2, _) => {
            for (d, b) in dst.iter_mut().zip(src.chunks_exact(2)) {
                *d = f16::from_le_bytes([b[0], b[1]]).to_f32();
            }
        }
        _ => {
            for (d, b) in dst.iter_mut().zip(src.chunks_exact(4)) {
                *d = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
    }
}
