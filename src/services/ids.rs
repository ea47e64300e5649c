//! Identifiers (MessageId, RequestId, EventId, SequenceNumber, ...) derived from the world's seed.
//!
//! Each kind of id has its own counter, so ids of one kind do not shift when calls of another kind
//! are added: the n-th SQS MessageId of a run is the same whether or not a Lambda was invoked
//! before it (verify compares a Lambda-based run with a direct-integration run).

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Deterministic id source: same seed and same sequence of requests → same ids.
#[derive(Debug, Clone)]
pub struct IdGen {
    seed: u64,
    counters: BTreeMap<String, u64>,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        IdGen {
            seed,
            counters: BTreeMap::new(),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// 32 pseudo-random bytes for the next id of `kind`.
    fn next_bytes(&mut self, kind: &str) -> [u8; 32] {
        let n = self.counters.entry(kind.to_string()).or_insert(0);
        *n += 1;
        let mut h = Sha256::new();
        h.update(self.seed.to_be_bytes());
        h.update(kind.as_bytes());
        h.update([0u8]);
        h.update(n.to_be_bytes());
        h.finalize().into()
    }

    /// How many ids of `kind` were handed out.
    pub fn count(&self, kind: &str) -> u64 {
        self.counters.get(kind).copied().unwrap_or(0)
    }

    /// A version-4-shaped UUID (lowercase, hyphenated), as SQS/SNS MessageIds, EventBridge EventIds
    /// and AWS request ids look.
    pub fn uuid(&mut self, kind: &str) -> String {
        let mut b = self.next_bytes(kind);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b[..16].iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// Lowercase hex of `len` characters (at most 64).
    pub fn hex(&mut self, kind: &str, len: usize) -> String {
        let b = self.next_bytes(kind);
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        hex[..len.min(64)].to_string()
    }

    /// `len` characters of [A-Za-z0-9] (at most 32), such as the suffix Secrets Manager appends
    /// to a secret's name in its ARN.
    pub fn alphanumeric(&mut self, kind: &str, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        self.next_bytes(kind)
            .iter()
            .take(len.min(32))
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
            .collect()
    }

    /// A 20-digit SequenceNumber, increasing with each call of the same `kind` (SQS FIFO and SNS
    /// FIFO sequence numbers are 128-bit, non-consecutive, increasing within a group: SendMessage
    /// API reference, "SequenceNumber").
    pub fn sequence_number(&mut self, kind: &str) -> String {
        let base_bytes = {
            let mut h = Sha256::new();
            h.update(self.seed.to_be_bytes());
            h.update(b"sequence-base");
            h.update(kind.as_bytes());
            let d: [u8; 32] = h.finalize().into();
            u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
        };
        let n = self.counters.entry(format!("seq:{kind}")).or_insert(0);
        *n += 1;
        // 1e19 + (base mod 1e18) + n * 1e6: always 20 digits, strictly increasing.
        let value: u128 = 10_000_000_000_000_000_000u128
            + (base_bytes as u128 % 1_000_000_000_000_000_000u128)
            + (*n as u128) * 1_000_000u128;
        format!("{value:020}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids_and_kinds_are_independent() {
        let mut a = IdGen::new(7);
        let mut b = IdGen::new(7);
        assert_eq!(a.uuid("sqs"), b.uuid("sqs"));
        let _ = a.uuid("request");
        assert_eq!(a.uuid("sqs"), b.uuid("sqs"));
        assert_ne!(IdGen::new(8).uuid("sqs"), IdGen::new(7).uuid("sqs"));
    }

    #[test]
    fn uuid_shape_and_sequence_numbers_increase() {
        let mut g = IdGen::new(1);
        let u = g.uuid("x");
        let re = regex::Regex::new(
            "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        )
        .unwrap();
        assert!(re.is_match(&u), "{u}");
        let s1 = g.sequence_number("q");
        let s2 = g.sequence_number("q");
        assert_eq!(s1.len(), 20);
        assert!(s2 > s1);
    }
}
