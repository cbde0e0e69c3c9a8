//! A seal: every journal's head at one moment, and a short digest of them
//! that the person keeps outside the file (written down, mailed to
//! themselves). Whoever later holds the digest can prove the journal still
//! holds that history: someone with the file alone cannot rewrite, cut off
//! or hide a sealed entry without the proof failing, because the hash
//! chains tie every earlier entry to the heads the digest covers.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One journal's last entry when the seal was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedHead {
    pub stream: Uuid,
    pub seq: u64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub made: Timestamp,
    /// Sorted by stream, so the digest does not depend on the order read.
    pub heads: Vec<SealedHead>,
}

/// How many hex digits of the digest a person keeps: 80 bits, far past
/// what anyone could match by trying histories.
const SHORT: usize = 20;

impl Seal {
    pub fn new(made: Timestamp, mut heads: Vec<SealedHead>) -> Seal {
        heads.sort_by_key(|h| h.stream);
        Seal { made, heads }
    }

    /// The full digest: SHA-256 over a fixed text of the time and the heads.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        h.update(format!(
            "casefile-seal-v1\n{}\n",
            self.made.as_millisecond()
        ));
        for head in &self.heads {
            h.update(format!("{} {} {}\n", head.stream, head.seq, head.hash));
        }
        hex::encode(h.finalize())
    }

    /// The digest as a person writes it down: five groups of four.
    pub fn short(&self) -> String {
        let d = self.digest();
        d.as_bytes()[..SHORT]
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// A digest as typed back (dashes, spaces, capitals allowed), if it is one.
pub fn read_digest(typed: &str) -> Option<String> {
    let d: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    (d.len() >= 16 && d.len() <= 64 && d.chars().all(|c| c.is_ascii_hexdigit())).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(n: u8, seq: u64) -> SealedHead {
        SealedHead {
            stream: Uuid::from_bytes([n; 16]),
            seq,
            hash: format!("{n:02x}").repeat(32),
        }
    }

    #[test]
    fn the_digest_covers_every_head_in_any_order() {
        let t: Timestamp = "2026-11-10T17:00:00Z".parse().unwrap();
        let a = Seal::new(t, vec![head(1, 3), head(2, 5)]);
        let b = Seal::new(t, vec![head(2, 5), head(1, 3)]);
        assert_eq!(a.digest(), b.digest());
        assert_eq!(a.short().len(), 24);
        assert!(a.digest().starts_with(&a.short().replace('-', "")));
        let cut = Seal::new(t, vec![head(1, 2), head(2, 5)]);
        assert_ne!(a.digest(), cut.digest());
        let hidden = Seal::new(t, vec![head(2, 5)]);
        assert_ne!(a.digest(), hidden.digest());
        assert_eq!(
            read_digest(&a.short().to_uppercase()),
            Some(a.short().replace('-', ""))
        );
        assert_eq!(read_digest("not a digest"), None);
        assert_eq!(read_digest("abc"), None);
    }
}
