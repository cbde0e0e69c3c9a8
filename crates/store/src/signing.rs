//! A device's signatures over the journals it writes, written once for every
//! engine over [`Tx`]: each head signed as it is written, the list of
//! journals signed when one is added, and `verify`'s checks of both. A note
//! kept beside the key (outside the database) says the device signs every
//! journal of a workspace; from then on a head without its signature, or a
//! journal missing from the signed list, is a finding.

use std::path::PathBuf;

use casefile_core::{ChainBreak, Entry, StreamKind};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::journal::{Head, SigRow, Tx};
use crate::{Finding, Result, StoreError};

/// What a device signs for a journal's head: which workspace and journal,
/// its last position and that entry's hash.
pub fn head_message(workspace: &str, stream: Uuid, seq: u64, hash: &str) -> Vec<u8> {
    format!("casefile-head-v1\n{workspace}\n{stream}\n{seq}\n{hash}").into_bytes()
}

fn roster_message(workspace: &str, count: u64, digest: &str) -> Vec<u8> {
    format!("casefile-roster-v1\n{workspace}\n{count}\n{digest}").into_bytes()
}

/// The list of journals, as one digest of their ids in order.
fn roster(heads: &[Head]) -> (u64, String) {
    let mut ids: Vec<String> = heads.iter().map(|h| h.info.id.to_string()).collect();
    ids.sort();
    (
        ids.len() as u64,
        hex::encode(Sha256::digest(ids.join("\n"))),
    )
}

fn from_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

fn valid(key: &str, sig: &str, message: &[u8]) -> bool {
    from_hex::<32>(key)
        .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
        .zip(from_hex::<64>(sig).map(|b| ed25519_dalek::Signature::from_bytes(&b)))
        .is_some_and(|(vk, s)| vk.verify(message, &s).is_ok())
}

/// Reads the device's key when a write or `verify` first needs it, or says
/// why it cannot be used.
pub type KeyLoader = Box<dyn FnOnce() -> std::result::Result<SigningKey, String> + Send>;

/// This device's signing, as an engine holds it.
#[derive(Default)]
pub struct Signing {
    /// The key once known: none (sign nothing), or why it cannot be used
    /// (writes are refused).
    key: std::sync::OnceLock<std::result::Result<Option<SigningKey>, String>>,
    /// How to read it, until it is first needed: a read never needs it, and
    /// making the key's public half costs a short command a few percent.
    load: std::sync::Mutex<Option<KeyLoader>>,
    /// The folder beside the key where the device notes the workspaces it signs.
    anchor: Option<PathBuf>,
}

impl Signing {
    pub fn set_key(&mut self, key: SigningKey) {
        self.key = std::sync::OnceLock::from(Ok(Some(key)));
        self.set_loader(None);
    }

    pub fn set_unusable(&mut self, why: String) {
        self.key = std::sync::OnceLock::from(Err(why));
        self.set_loader(None);
    }

    /// The key is read by `load` when first needed.
    pub fn set_key_loader(&mut self, load: KeyLoader) {
        self.key = std::sync::OnceLock::new();
        self.set_loader(Some(load));
    }

    fn set_loader(&mut self, load: Option<KeyLoader>) {
        match self.load.get_mut() {
            Ok(slot) => *slot = load,
            Err(poisoned) => *poisoned.into_inner() = load,
        }
    }

    fn state(&self) -> &std::result::Result<Option<SigningKey>, String> {
        self.key.get_or_init(|| {
            let load = match self.load.lock() {
                Ok(mut slot) => slot.take(),
                Err(poisoned) => poisoned.into_inner().take(),
            };
            load.map_or(Ok(None), |load| load().map(Some))
        })
    }

    fn key(&self) -> Option<&SigningKey> {
        self.state().as_ref().ok().and_then(Option::as_ref)
    }

    pub fn set_anchor(&mut self, dir: &std::path::Path) {
        self.anchor = Some(dir.to_path_buf());
    }

    /// A write is refused, with the reason, when the key was asked for and
    /// cannot be used: an unsigned head would later read as tampering.
    pub fn may_write(&self) -> Result<()> {
        match self.state() {
            Err(why) => Err(StoreError::Engine(format!("nothing was written: {why}"))),
            Ok(_) => Ok(()),
        }
    }

    fn note(&self, workspace: &str) -> Option<PathBuf> {
        // Workspace ids are UUIDs; anything else is kept to safe characters.
        let name: String = workspace
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.anchor
            .as_ref()
            .map(|d| d.join(format!("{name}.signed")))
    }

    fn noted(&self, workspace: &str) -> bool {
        self.key().is_some() && self.note(workspace).is_some_and(|n| n.exists())
    }

    /// Whether this write is the device's first in the workspace since it
    /// began to note them: it then signs every head, older ones included.
    pub fn adopting(&self, workspace: &str) -> bool {
        self.key().is_some() && self.note(workspace).is_some_and(|n| !n.exists())
    }

    /// Signs, inside the write's transaction, the heads of the journals
    /// `written` touched; every head when `adopt`; and the list of journals
    /// when one was added (or `all`, after an import).
    pub fn sign_written(
        &self,
        tx: &mut impl Tx,
        workspace: &str,
        written: &[Entry],
        adopt: bool,
        all: bool,
    ) -> Result<()> {
        let Some(key) = self.key() else {
            return Ok(());
        };
        let public = hex::encode(key.verifying_key().as_bytes());
        let sign = |stream: Uuid, seq: u64, hash: &str| SigRow {
            stream,
            seq,
            hash: hash.to_string(),
            key: public.clone(),
            sig: hex::encode(
                key.sign(&head_message(workspace, stream, seq, hash))
                    .to_bytes(),
            ),
        };
        // The journals written: their last entry is their head now.
        let mut last: std::collections::HashMap<Uuid, &Entry> = Default::default();
        for e in written {
            last.insert(e.stream, e);
        }
        for e in last.values() {
            tx.put_head_signature(&sign(e.stream, e.seq, &e.hash))?;
        }
        let added = written.iter().any(|e| e.seq == 1);
        if !(adopt || all || added) {
            return Ok(());
        }
        // Reading every head is for the rare write that needs them all.
        let heads = tx.heads()?;
        if adopt || all {
            let signed: std::collections::HashSet<Uuid> = if all {
                Default::default()
            } else {
                tx.head_signatures()?.iter().map(|s| s.stream).collect()
            };
            for h in heads
                .iter()
                .filter(|h| !signed.contains(&h.info.id) && !last.contains_key(&h.info.id))
            {
                tx.put_head_signature(&sign(h.info.id, h.info.head_seq, &h.hash))?;
            }
        }
        let (count, digest) = roster(&heads);
        let sig = key.sign(&roster_message(workspace, count, &digest));
        let value = serde_json::json!({
            "count": count, "digest": digest, "key": public, "sig": hex::encode(sig.to_bytes()),
        });
        tx.put_meta("roster", &value.to_string())
    }

    /// After the write committed: notes beside the key that this device
    /// signs every head here. A note that cannot be written leaves the check
    /// off, nothing worse.
    pub fn committed(&self, workspace: &str, adopted: bool) {
        if let (true, Some(n)) = (adopted, self.note(workspace)) {
            let _ = std::fs::write(n, format!("{workspace}\n"));
        }
    }

    /// What `verify` finds of the signatures: heads this device signed that
    /// moved or changed, heads signed by another key, and, where the device
    /// signs every journal here, heads without a signature and journals
    /// missing from the signed list.
    pub fn findings(&self, tx: &mut impl Tx, workspace: &str) -> Result<Vec<Finding>> {
        let Some(key) = self.key() else {
            return Ok(vec![]);
        };
        let mine = hex::encode(key.verifying_key().as_bytes());
        let heads = tx.heads()?;
        let by_id: std::collections::HashMap<Uuid, &Head> =
            heads.iter().map(|h| (h.info.id, h)).collect();
        let mut sigs = tx.head_signatures()?;
        sigs.sort_by_key(|s| {
            by_id
                .get(&s.stream)
                .map(|h| (h.info.kind == StreamKind::Company, h.info.handle))
        });
        let mut out = Vec::new();
        let finding = |head: Option<&&Head>, stream: Uuid, seq: u64, problem: String| Finding {
            kind: head.map_or(StreamKind::Case, |h| h.info.kind),
            handle: head.map_or(0, |h| h.info.handle),
            chain: ChainBreak {
                stream,
                seq,
                entry: None,
                problem,
            },
        };
        for s in &sigs {
            let head = by_id.get(&s.stream);
            let Some(h) = head else {
                out.push(finding(
                    head,
                    s.stream,
                    s.seq,
                    format!(
                        "a journal this device signed (id {}) is gone: it was hidden or removed",
                        s.stream
                    ),
                ));
                continue;
            };
            let (at, seq) = (h.info.head_seq, s.seq);
            let ok = valid(
                &s.key,
                &s.sig,
                &head_message(workspace, s.stream, seq, &s.hash),
            );
            let problem = if s.key != mine {
                Some((seq, "its last entry was signed by a key this device does not hold (another device, or someone who rewrote it)".to_string()))
            } else if !ok {
                Some((
                    seq,
                    "the signature on its last entry does not match: the journal was altered"
                        .to_string(),
                ))
            } else if at < seq {
                Some((
                    at,
                    format!(
                        "it ends at #{at}, but this device signed it at #{seq}: entries were cut off"
                    ),
                ))
            } else if at == seq && h.hash != s.hash {
                Some((
                    seq,
                    format!(
                        "entry #{seq} is not the one this device signed: the journal was rewritten"
                    ),
                ))
            } else if at > seq {
                Some((
                    seq,
                    format!("entries after #{seq} were added without this device's signature"),
                ))
            } else {
                None
            };
            if let Some((seq, problem)) = problem {
                out.push(finding(head, s.stream, seq, problem));
            }
        }
        if !self.noted(workspace) {
            return Ok(out);
        }
        let signed: std::collections::HashSet<Uuid> = sigs.iter().map(|s| s.stream).collect();
        let mut unsigned: Vec<&Head> = heads
            .iter()
            .filter(|h| !signed.contains(&h.info.id))
            .collect();
        unsigned.sort_by_key(|h| (h.info.kind == StreamKind::Company, h.info.handle));
        for h in unsigned {
            out.push(finding(Some(&h), h.info.id, h.info.head_seq, "its last entry carries no signature, though this device signs every journal here: the signature was removed, or it was written without this device's key".into()));
        }
        let file = |problem: String| finding(None, Uuid::nil(), 0, problem);
        let Some(stored) = tx.meta("roster")? else {
            out.push(file("the list of its journals carries no signature, though this device signs it: a journal may have been hidden".into()));
            return Ok(out);
        };
        let v: serde_json::Value = serde_json::from_str(&stored).unwrap_or_default();
        let count = v["count"].as_u64().unwrap_or(0);
        let digest = v["digest"].as_str().unwrap_or("");
        let k = v["key"].as_str().unwrap_or("");
        if k != mine {
            // Another device added the last journal; its heads say the rest.
            return Ok(out);
        }
        if !valid(
            k,
            v["sig"].as_str().unwrap_or(""),
            &roster_message(workspace, count, digest),
        ) {
            out.push(file(
                "the signature on the list of its journals does not match: the file was altered"
                    .into(),
            ));
        } else if roster(&heads).1 != digest {
            out.push(file(format!(
                "it holds {} journal(s) where this device signed for {count}: a journal was hidden, removed or added outside casefile",
                heads.len()
            )));
        }
        Ok(out)
    }
}
