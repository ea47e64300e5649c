//! What each intrinsic function does, with the argument rules and limits AWS documents
//! (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html) and the
//! behaviour recorded in ../shared/asl-cases (suite `intrinsic_functions`).

use super::parse::failure;
use super::{next_random, splitmix64, Arg, Call, Func};
use crate::asl::path::filter::json_eq;
use crate::asl::{AslError, Scope};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// AWS: ArrayRange "can't contain more than 1000 items".
const MAX_RANGE_ITEMS: i64 = 1000;
/// AWS: Base64Encode/Base64Decode/Hash inputs are limited to 10,000 characters.
const MAX_STRING_CHARS: usize = 10_000;

fn bad(func: Func, why: impl std::fmt::Display) -> AslError {
    failure(format!("Invalid arguments in {}: {why}", func.name()))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Resolves one argument to a value. A path that selects nothing is a States.Runtime error, as for
/// any other JSONPath field (recorded case `test_invalid_jsonpath[INVALID_JSONPATH_IN_STRING_EXPR_JSONPATH]`).
fn resolve<'a>(arg: &'a Arg, scope: &Scope<'a>) -> Result<Cow<'a, Value>, AslError> {
    match arg {
        Arg::Literal(v) => Ok(Cow::Borrowed(v)),
        Arg::Str { value, .. } => Ok(Cow::Owned(Value::String(value.clone()))),
        Arg::Path(p) => match p.select_cow(scope)? {
            Some(v) => Ok(v),
            None => {
                let input = if p.source().starts_with("$$") {
                    scope.context
                } else {
                    scope.input
                };
                Err(AslError::runtime(format!(
                    "The JSONPath '{}' could not be found in the input '{}'",
                    p.source(),
                    serde_json::to_string(input).unwrap_or_default()
                )))
            }
        },
        Arg::Call(c) => Ok(Cow::Owned(call(c, scope)?)),
    }
}

fn integer(func: Func, v: &Value, what: &str) -> Result<i64, AslError> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(i);
            }
            match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
                _ => Err(bad(func, format!("{what} must be an integer, got {n}"))),
            }
        }
        other => Err(bad(
            func,
            format!("{what} must be an integer, got {}", type_name(other)),
        )),
    }
}

fn string<'v>(func: Func, v: &'v Value, what: &str) -> Result<&'v str, AslError> {
    v.as_str().ok_or_else(|| {
        bad(
            func,
            format!("{what} must be a string, got {}", type_name(v)),
        )
    })
}

fn array<'v>(func: Func, v: &'v Value, what: &str) -> Result<&'v Vec<Value>, AslError> {
    v.as_array().ok_or_else(|| {
        bad(
            func,
            format!("{what} must be an array, got {}", type_name(v)),
        )
    })
}

/// Java's Math.round: half rounds up (towards +inf). Recorded `test_math_add`: 1.5 -> 2,
/// -1.5 -> -1, -2.5 -> -2, -0.5 -> 0, -1.51 -> -2.
fn java_round(f: f64) -> f64 {
    (f + 0.5).floor()
}

/// AWS: MathAdd and MathRandom operands lie between -2147483648 and 2147483647; non-integers are
/// rounded to the nearest integer.
fn rounded_int(func: Func, v: &Value, what: &str) -> Result<i64, AslError> {
    let f = match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => i as f64,
            None => n.as_f64().unwrap_or(f64::NAN),
        },
        other => {
            return Err(bad(
                func,
                format!("{what} must be a number, got {}", type_name(other)),
            ))
        }
    };
    let r = java_round(f);
    if !(i32::MIN as f64..=i32::MAX as f64).contains(&r) {
        return Err(bad(
            func,
            format!("{what} must be between -2147483648 and 2147483647"),
        ));
    }
    Ok(r as i64)
}

pub fn call(c: &Call, scope: &Scope) -> Result<Value, AslError> {
    let f = c.func;
    let arg = |i: usize| resolve(&c.args[i], scope);
    match f {
        Func::Array => c
            .args
            .iter()
            .map(|a| resolve(a, scope).map(Cow::into_owned))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Func::Format => format(c, scope),
        Func::StringToJson => {
            let v = arg(0)?;
            let s = string(f, &v, "the argument")?;
            // Recorded `test_string_to_json`: "" and " " give null.
            let t = s.trim();
            if t.is_empty() {
                return Ok(Value::Null);
            }
            serde_json::from_str(t)
                .map_err(|e| bad(f, format!("the string is not valid JSON: {e}")))
        }
        Func::JsonToString => {
            let v = arg(0)?;
            // Compact, key order kept (recorded `test_json_to_string`).
            serde_json::to_string(&*v)
                .map(Value::String)
                .map_err(|e| bad(f, e))
        }
        Func::ArrayPartition => {
            let a = arg(0)?;
            let arr = array(f, &a, "the first argument")?;
            let size = integer(f, &*arg(1)?, "the chunk size")?;
            if size <= 0 {
                return Err(bad(
                    f,
                    format!("the chunk size must be a positive integer, got {size}"),
                ));
            }
            Ok(Value::Array(
                arr.chunks(size as usize)
                    .map(|ch| Value::Array(ch.to_vec()))
                    .collect(),
            ))
        }
        Func::ArrayContains => {
            let a = arg(0)?;
            let arr = array(f, &a, "the first argument")?;
            let needle = arg(1)?;
            Ok(Value::Bool(arr.iter().any(|x| json_eq(x, &needle))))
        }
        Func::ArrayRange => {
            let start = integer(f, &*arg(0)?, "the first argument")?;
            let end = integer(f, &*arg(1)?, "the second argument")?;
            let step = integer(f, &*arg(2)?, "the third argument")?;
            if step == 0 {
                return Err(bad(f, "the step (third argument) must not be zero"));
            }
            let count = if (step > 0 && start > end) || (step < 0 && start < end) {
                0
            } else {
                (end - start) / step + 1
            };
            if count > MAX_RANGE_ITEMS {
                return Err(bad(
                    f,
                    format!("the range would contain {count} items, more than the limit of {MAX_RANGE_ITEMS}"),
                ));
            }
            Ok(Value::Array(
                (0..count).map(|i| Value::from(start + i * step)).collect(),
            ))
        }
        Func::ArrayGetItem => {
            let a = arg(0)?;
            let arr = array(f, &a, "the first argument")?;
            let ix = integer(f, &*arg(1)?, "the index")?;
            if ix < 0 || ix as usize >= arr.len() {
                return Err(bad(
                    f,
                    format!(
                        "index {ix} is out of bounds for an array of {} items",
                        arr.len()
                    ),
                ));
            }
            Ok(arr[ix as usize].clone())
        }
        Func::ArrayLength => {
            let a = arg(0)?;
            Ok(Value::from(array(f, &a, "the argument")?.len()))
        }
        Func::ArrayUnique => {
            let a = arg(0)?;
            let arr = array(f, &a, "the argument")?;
            let mut out: Vec<Value> = Vec::with_capacity(arr.len());
            for x in arr {
                if !out.iter().any(|y| json_eq(x, y)) {
                    out.push(x.clone());
                }
            }
            Ok(Value::Array(out))
        }
        Func::Base64Encode => {
            let v = arg(0)?;
            let s = string(f, &v, "the argument")?;
            limit(f, s)?;
            Ok(Value::String(base64_encode(s.as_bytes())))
        }
        Func::Base64Decode => {
            let v = arg(0)?;
            let s = string(f, &v, "the argument")?;
            limit(f, s)?;
            let bytes =
                base64_decode(s).ok_or_else(|| bad(f, "the argument is not valid base64"))?;
            String::from_utf8(bytes)
                .map(Value::String)
                .map_err(|_| bad(f, "the decoded data is not valid UTF-8 text"))
        }
        Func::Hash => {
            let v = arg(0)?;
            let data = string(f, &v, "the data to hash")?;
            limit(f, data)?;
            let alg = arg(1)?;
            let alg = string(f, &alg, "the algorithm")?;
            hash(data, alg)
                .map(Value::String)
                .ok_or_else(|| bad(f, format!("unsupported algorithm '{alg}'; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512")))
        }
        Func::JsonMerge => {
            let a = arg(0)?;
            let b = arg(1)?;
            let deep = arg(2)?;
            let (Value::Object(a), Value::Object(b)) = (&*a, &*b) else {
                return Err(bad(f, "the first two arguments must be JSON objects"));
            };
            match &*deep {
                Value::Bool(false) => {}
                // AWS: "Step Functions only supports the shallow merging mode".
                Value::Bool(true) => {
                    return Err(bad(
                        f,
                        "deep merging is not supported; the third argument must be false",
                    ))
                }
                other => {
                    return Err(bad(
                        f,
                        format!(
                            "the third argument must be a boolean, got {}",
                            type_name(other)
                        ),
                    ))
                }
            }
            let mut out: Map<String, Value> = a.clone();
            for (k, v) in b {
                out.insert(k.clone(), v.clone());
            }
            Ok(Value::Object(out))
        }
        Func::MathAdd => {
            let a = rounded_int(f, &*arg(0)?, "the first argument")?;
            let b = rounded_int(f, &*arg(1)?, "the second argument")?;
            Ok(Value::from(a + b))
        }
        Func::MathRandom => {
            let start = rounded_int(f, &*arg(0)?, "the start")?;
            let end = rounded_int(f, &*arg(1)?, "the end")?;
            if end <= start {
                return Err(bad(
                    f,
                    format!("the end ({end}) must be greater than the start ({start})"),
                ));
            }
            let r = if c.args.len() == 3 {
                let seed = integer(f, &*arg(2)?, "the seed")?;
                splitmix64(seed as u64).1
            } else {
                next_random()
            };
            // Start inclusive, end exclusive.
            let span = (end - start) as u64;
            Ok(Value::from(start + (r % span) as i64))
        }
        Func::StringSplit => {
            let v = arg(0)?;
            let s = string(f, &v, "the first argument")?;
            let d = arg(1)?;
            let delims = string(f, &d, "the delimiter")?;
            // Every character of the delimiter splits, empty pieces are dropped
            // (recorded `test_string_split`: ",,,," -> [], ".+,=" splits on each).
            Ok(Value::Array(
                s.split(|c: char| delims.contains(c))
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            ))
        }
        Func::Uuid => Ok(Value::String(uuid_v4(next_random(), next_random()))),
    }
}

fn limit(f: Func, s: &str) -> Result<(), AslError> {
    let n = s.chars().count();
    if n > MAX_STRING_CHARS {
        return Err(bad(
            f,
            format!(
                "the input string has {n} characters, more than the limit of {MAX_STRING_CHARS}"
            ),
        ));
    }
    Ok(())
}

/// States.Format: `{}` placeholders filled in order. In a literal template `\{` and `\}` are
/// literal braces. Values print as Java's toString (recorded `test_format_2#7`:
/// an object prints as `{Arg1=1, Arg2=[]}`, null as `null`).
fn format(c: &Call, scope: &Scope) -> Result<Value, AslError> {
    let f = Func::Format;
    let template_value;
    let (template, escapes): (&str, bool) = match &c.args[0] {
        Arg::Str { raw, .. } => (raw, true),
        other => {
            template_value = resolve(other, scope)?;
            (string(f, &template_value, "the format template")?, false)
        }
    };
    let holes = walk_template(template, escapes, None, &mut |_| Ok(()))?;
    let given = c.args.len() - 1;
    if holes != given {
        return Err(bad(
            f,
            format!("the template has {holes} placeholder(s) but {given} argument(s) were given"),
        ));
    }
    let mut next = 1;
    let mut out = String::with_capacity(template.len() + 16 * given);
    walk_template(
        template,
        escapes,
        Some(&mut out),
        &mut |out: &mut String| {
            let v = resolve(&c.args[next], scope)?;
            next += 1;
            java_string(&v, out);
            Ok(())
        },
    )?;
    Ok(Value::String(out))
}

/// Walks a Format template without allocating: copies text into `out` (when given), calls
/// `hole` for each `{}`, and returns the number of placeholders.
fn walk_template(
    t: &str,
    escapes: bool,
    mut out: Option<&mut String>,
    hole: &mut dyn FnMut(&mut String) -> Result<(), AslError>,
) -> Result<usize, AslError> {
    let mut holes = 0;
    let mut chars = t.chars().peekable();
    let push = |out: &mut Option<&mut String>, c: char| {
        if let Some(o) = out.as_deref_mut() {
            o.push(c);
        }
    };
    while let Some(c) = chars.next() {
        if escapes && c == '\\' {
            match chars.next() {
                Some(n @ ('\'' | '\\' | '{' | '}')) => push(&mut out, n),
                Some(n) => {
                    push(&mut out, '\\');
                    push(&mut out, n);
                }
                None => push(&mut out, '\\'),
            }
        } else if c == '{' && chars.peek() == Some(&'}') {
            chars.next();
            holes += 1;
            if let Some(o) = out.as_deref_mut() {
                hole(o)?;
            }
        } else {
            push(&mut out, c);
        }
    }
    Ok(holes)
}

/// Java-style rendering used by States.Format.
fn java_string(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_string(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                java_string(x, out);
            }
            out.push('}');
        }
    }
}

fn number_text(n: &Number) -> String {
    n.to_string()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for ch in bytes.chunks(3) {
        let b = [ch[0], *ch.get(1).unwrap_or(&0), *ch.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if ch.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if ch.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if s.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn hash(data: &str, alg: &str) -> Option<String> {
    use sha2::Digest;
    let d = data.as_bytes();
    Some(match alg {
        "MD5" => hex(&md5::Md5::digest(d)),
        "SHA-1" => hex(&sha1::Sha1::digest(d)),
        "SHA-256" => hex(&sha2::Sha256::digest(d)),
        "SHA-384" => hex(&sha2::Sha384::digest(d)),
        "SHA-512" => hex(&sha2::Sha512::digest(d)),
        _ => return None,
    })
}

/// A version-4 shaped UUID from 128 generated bits.
fn uuid_v4(hi: u64, lo: u64) -> String {
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
pub(super) fn b64_roundtrip(s: &str) -> Option<String> {
    base64_decode(&base64_encode(s.as_bytes())).and_then(|b| String::from_utf8(b).ok())
}
