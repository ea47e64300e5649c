//! Functions Step Functions adds to JSONata: `$partition`, `$range`, `$hash`, `$random` (with an
//! optional seed), `$uuid`, `$parse`. Source: AWS Step Functions Developer Guide, "Transforming
//! data with JSONata in Step Functions", section "JSONata functions provided by Step Functions"
//! (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
//! Standard `$random` is replaced by the seedable one; `$eval` is not available in Step Functions
//! (same page), so it is not registered (calling it raises T1006).

use md5::Digest as _;

use super::{arg, b, num_arg, str_arg, Builtin, R};
use crate::asl::jsonata::error::Fail;
use crate::asl::jsonata::eval::{Env, Evaluator};
use crate::asl::jsonata::value::{from_json, stringify, V};

pub const FUNCS: &[Builtin] = &[
    b("partition", "<an:a>", partition),
    b("range", "<nnn?:a>", range),
    b("hash", "<ss:s>", hash),
    b("random", "<j?:n>", random),
    b("uuid", "<:s>", uuid),
    b("parse", "<s-:j>", parse),
];

fn invalid(func: &str, what: &str) -> Fail {
    Fail::new("D3137").with_text(format!("${func}: {what}"))
}

/// Splits an array into chunks of `size` (recorded: intrinsic_functions test_array_partition__*).
fn partition(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(V::Arr(a)) = arg(&args, 0) else {
        return Ok(None);
    };
    let size = num_arg(&args, 1).unwrap_or(0.0);
    if size < 1.0 || size.fract() != 0.0 {
        return Err(invalid(
            "partition",
            "the chunk size must be a positive integer",
        ));
    }
    let chunks = a
        .items
        .chunks(size as usize)
        .map(|c| V::array(c.to_vec()))
        .collect();
    Ok(Some(V::array(chunks)))
}

/// Numbers from start to end inclusive by step. The result is a sequence: a single number comes
/// back unwrapped (recorded: intrinsic_functions test_array_range__2 returns 1 for (1, 9, 9)).
fn range(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let (Some(start), Some(end)) = (num_arg(&args, 0), num_arg(&args, 1)) else {
        return Ok(None);
    };
    let step = num_arg(&args, 2).unwrap_or(1.0);
    if step == 0.0 || !step.is_finite() {
        return Err(invalid("range", "the step must be a non-zero number"));
    }
    let mut out = vec![];
    let mut x = start;
    while (step > 0.0 && x <= end) || (step < 0.0 && x >= end) {
        if out.len() >= 10_000_000 {
            return Err(Fail::new("D2014").with_value(Some(V::Num(out.len() as f64))));
        }
        out.push(V::Num(x));
        x += step;
    }
    Ok(Some(V::seq(out)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex digest with MD5, SHA-1, SHA-256, SHA-384 or SHA-512.
fn hash(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(data) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let algo = str_arg(&args, 1).unwrap_or_default();
    let d = data.as_bytes();
    let digest = match algo.as_str() {
        "MD5" => hex(&md5::Md5::digest(d)),
        "SHA-1" => hex(&sha1(d)),
        "SHA-256" => hex(&sha2::Sha256::digest(d)),
        "SHA-384" => hex(&sha2::Sha384::digest(d)),
        "SHA-512" => hex(&sha2::Sha512::digest(d)),
        other => {
            return Err(invalid(
                "hash",
                &format!(
                    "unsupported hash algorithm {other:?} (MD5, SHA-1, SHA-256, SHA-384, SHA-512)"
                ),
            ))
        }
    };
    Ok(Some(V::string(digest)))
}

/// SHA-1 (FIPS 180-4); small enough to keep rather than add a crate.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// A number in [0, 1). With a seed the result depends only on the seed (the same seed always
/// gives the same number, as AWS documents); AWS's generator is not published, so seeded values
/// differ from AWS's.
fn random(ev: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    match arg(&args, 0) {
        None => Ok(Some(V::Num(ev.env.next_f64()))),
        Some(seed) => {
            let text = stringify(&seed, false);
            let d = sha2::Sha256::digest(text.as_bytes());
            let mut s = [0u8; 8];
            s.copy_from_slice(&d[..8]);
            let mut env = Env::new(0, u64::from_be_bytes(s));
            Ok(Some(V::Num(env.next_f64())))
        }
    }
}

/// A version 4 UUID drawn from the evaluation's random source.
fn uuid(ev: &mut Evaluator, _: Vec<Option<V>>, _: &Option<V>) -> R {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&ev.env.next_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&ev.env.next_u64().to_be_bytes());
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let h = hex(&bytes);
    Ok(Some(V::string(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))))
}

/// Parses a JSON string (recorded: intrinsic_functions test_parse__*).
fn parse(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let v: serde_json::Value = serde_json::from_str(&s)
        .map_err(|e| invalid("parse", &format!("the string is not valid JSON: {e}")))?;
    from_json(&v).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_known_digests() {
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&sha1(&[b'a'; 1000])),
            "291e9a6c66994949b57ba5e650361e98fc36b1ba"
        );
    }
}
