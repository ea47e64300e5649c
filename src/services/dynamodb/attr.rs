//! DynamoDB AttributeValue JSON (`{"S": "x"}`, `{"N": "1"}`, ...): validation, comparison, numbers.
//!
//! Data types and their JSON encodings: DynamoDB API Reference, `AttributeValue`
//! (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html).
//! Numbers travel as strings; up to 38 digits of precision, positive 1E-130..9.9999999999999999999999999999999999999E+125
//! (Developer Guide, "Supported data types", Number).

use serde_json::{Map, Value};
use std::cmp::Ordering;

pub const TYPES: [&str; 10] = ["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"];

/// Why an AttributeValue is not acceptable. `Shape` problems are rejected by Step Functions before
/// the call (the Java SDK cannot build the request: "The value for the field 'S' must be a STRING",
/// aws-cdk issue #9181); `Invalid` ones are DynamoDB ValidationExceptions.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrProblem {
    Shape(String),
    Invalid(String),
}

/// The single type tag of a well-formed AttributeValue.
pub fn type_of(v: &Value) -> Option<&str> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    let k = m.keys().next()?;
    TYPES.iter().find(|t| **t == k).copied()
}

/// Checks an AttributeValue recursively (shape first, then DynamoDB's own rules).
pub fn validate(v: &Value) -> Result<(), AttrProblem> {
    let m = match v.as_object() {
        Some(m) => m,
        None => return Err(AttrProblem::Invalid(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
                .into(),
        )),
    };
    let present: Vec<&String> = m.keys().filter(|k| TYPES.contains(&k.as_str())).collect();
    if let Some(unknown) = m.keys().find(|k| !TYPES.contains(&k.as_str())) {
        // Step Functions' text for a field it does not know (see services::params for the source).
        return Err(AttrProblem::Shape(format!(
            "The field \"{unknown}\" is not supported by Step Functions"
        )));
    }
    if present.is_empty() {
        return Err(AttrProblem::Invalid(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
                .into(),
        ));
    }
    if present.len() > 1 {
        return Err(AttrProblem::Invalid(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes".into(),
        ));
    }
    let t = present[0].as_str();
    let inner = &m[t];
    match t {
        "S" | "B" => {
            if !inner.is_string() {
                return Err(AttrProblem::Shape(format!(
                    "The value for the field '{t}' must be a STRING"
                )));
            }
        }
        "N" => {
            let s = inner.as_str().ok_or_else(|| {
                AttrProblem::Shape("The value for the field 'N' must be a STRING".into())
            })?;
            parse_number(s).map_err(AttrProblem::Invalid)?;
        }
        "BOOL" => {
            if !inner.is_boolean() {
                return Err(AttrProblem::Shape(
                    "The value for the field 'BOOL' must be a BOOLEAN".into(),
                ));
            }
        }
        "NULL" => match inner {
            Value::Bool(true) => {}
            Value::Bool(false) => {
                return Err(AttrProblem::Invalid(
                    "One or more parameter values were invalid: Null attribute value types must have the value of true".into(),
                ))
            }
            _ => {
                return Err(AttrProblem::Shape(
                    "The value for the field 'NULL' must be a BOOLEAN".into(),
                ))
            }
        },
        "SS" | "NS" | "BS" => {
            let arr = inner.as_array().ok_or_else(|| {
                AttrProblem::Shape(format!("The value for the field '{t}' must be an ARRAY"))
            })?;
            let mut seen: Vec<String> = Vec::new();
            for e in arr {
                let s = e.as_str().ok_or_else(|| {
                    AttrProblem::Shape(format!(
                        "The value for the field '{t}' must be an ARRAY of STRING"
                    ))
                })?;
                let canon = if t == "NS" {
                    canonical_number(&parse_number(s).map_err(AttrProblem::Invalid)?)
                } else {
                    s.to_string()
                };
                if seen.contains(&canon) {
                    let list: Vec<&str> = arr.iter().filter_map(|x| x.as_str()).collect();
                    return Err(AttrProblem::Invalid(format!(
                        "One or more parameter values were invalid: Input collection [{}] contains duplicates.",
                        list.join(", ")
                    )));
                }
                seen.push(canon);
            }
            if arr.is_empty() {
                let kind = match t {
                    "SS" => "string",
                    "NS" => "number",
                    _ => "binary",
                };
                // The doubled space is DynamoDB's own text.
                return Err(AttrProblem::Invalid(format!(
                    "One or more parameter values were invalid: An {kind} set  may not be empty"
                )));
            }
        }
        "M" => {
            let mm = inner.as_object().ok_or_else(|| {
                AttrProblem::Shape("The value for the field 'M' must be an OBJECT".into())
            })?;
            for v in mm.values() {
                validate(v)?;
            }
        }
        "L" => {
            let arr = inner.as_array().ok_or_else(|| {
                AttrProblem::Shape("The value for the field 'L' must be an ARRAY".into())
            })?;
            for v in arr {
                validate(v)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A DynamoDB number, kept exact as sign, digits and exponent: value = 0.d1d2d3... × 10^exp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    pub negative: bool,
    /// Significant digits without leading/trailing zeros (empty for zero).
    pub digits: Vec<u8>,
    pub exp: i64,
}

/// Parses a DynamoDB number string; the error text is DynamoDB's ValidationException message.
pub fn parse_number(s: &str) -> Result<Number, String> {
    let bad = || format!("The parameter cannot be converted to a numeric value: {s}");
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let (negative, rest) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (mant, exp_part) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let exp10: i64 = match exp_part {
        Some(e) => e.parse().map_err(|_| bad())?,
        None => 0,
    };
    let (int_part, frac_part) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let all: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let lead = all.iter().take_while(|d| **d == 0).count();
    let mut digits: Vec<u8> = all[lead..].to_vec();
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        return Ok(Number {
            negative: false,
            digits,
            exp: 0,
        });
    }
    let exp = int_part.len() as i64 - lead as i64 + exp10;
    if digits.len() > 38 {
        return Err("Attempting to store more than 38 significant digits in a Number".into());
    }
    // Magnitude limits (Developer Guide, Number data type).
    if exp > 126 {
        return Err("Number overflow. Attempting to store a number with magnitude larger than supported range".into());
    }
    if exp < -129 {
        return Err("Number underflow. Attempting to store a number with magnitude smaller than supported range".into());
    }
    Ok(Number {
        negative,
        digits,
        exp,
    })
}

/// How DynamoDB returns a number it stored: plain decimal notation without redundant zeros.
pub fn canonical_number(n: &Number) -> String {
    if n.digits.is_empty() {
        return "0".into();
    }
    let ds: String = n.digits.iter().map(|d| (b'0' + d) as char).collect();
    let len = ds.len() as i64;
    let body = if n.exp <= 0 {
        format!("0.{}{}", "0".repeat((-n.exp) as usize), ds)
    } else if n.exp >= len {
        format!("{}{}", ds, "0".repeat((n.exp - len) as usize))
    } else {
        format!("{}.{}", &ds[..n.exp as usize], &ds[n.exp as usize..])
    };
    if n.negative {
        format!("-{body}")
    } else {
        body
    }
}

pub fn cmp_numbers(a: &Number, b: &Number) -> Ordering {
    let sign = |n: &Number| {
        if n.digits.is_empty() {
            0
        } else if n.negative {
            -1
        } else {
            1
        }
    };
    let (sa, sb) = (sign(a), sign(b));
    if sa != sb {
        return sa.cmp(&sb);
    }
    if sa == 0 {
        return Ordering::Equal;
    }
    let mag = a.exp.cmp(&b.exp).then_with(|| a.digits.cmp(&b.digits));
    if sa < 0 {
        mag.reverse()
    } else {
        mag
    }
}

/// Exact decimal addition (numbers have at most 38 significant digits, so an i128-free digit
/// algorithm keeps results exact as DynamoDB does).
pub fn add_numbers(a: &Number, b: &Number) -> Result<Number, String> {
    // Align both on the smallest exponent position.
    let low = |n: &Number| n.exp - n.digits.len() as i64;
    if a.digits.is_empty() {
        return Ok(b.clone());
    }
    if b.digits.is_empty() {
        return Ok(a.clone());
    }
    let min_low = low(a).min(low(b));
    let max_exp = a.exp.max(b.exp);
    let width = (max_exp - min_low) as usize;
    let to_vec = |n: &Number| {
        let mut v = vec![0i32; width];
        let start = (max_exp - n.exp) as usize;
        for (i, d) in n.digits.iter().enumerate() {
            v[start + i] = *d as i32;
        }
        v
    };
    let (va, vb) = (to_vec(a), to_vec(b));
    let (big, small, negative) = if a.negative == b.negative {
        (va, vb, a.negative)
    } else {
        let mag = a.exp.cmp(&b.exp).then_with(|| a.digits.cmp(&b.digits));
        match mag {
            Ordering::Less => (vb, va, b.negative),
            _ => (va, vb, a.negative),
        }
    };
    let mut out = vec![0i32; width + 1];
    let mut carry = 0;
    for i in (0..width).rev() {
        let s = if a.negative == b.negative {
            big[i] + small[i] + carry
        } else {
            big[i] - small[i] + carry
        };
        let (d, c) = if s >= 10 {
            (s - 10, 1)
        } else if s < 0 {
            (s + 10, -1)
        } else {
            (s, 0)
        };
        out[i + 1] = d;
        carry = c;
    }
    out[0] = carry;
    let text: String = out.iter().map(|d| (b'0' + *d as u8) as char).collect();
    // out represents 0.text × 10^(max_exp+1)
    let lead = text.bytes().take_while(|c| *c == b'0').count();
    let mut digits: Vec<u8> = text.bytes().skip(lead).map(|c| c - b'0').collect();
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        return Ok(Number {
            negative: false,
            digits,
            exp: 0,
        });
    }
    let exp = max_exp + 1 - lead as i64;
    let n = Number {
        negative,
        digits,
        exp,
    };
    parse_number(&canonical_number(&n))
}

pub fn negate(n: &Number) -> Number {
    let mut m = n.clone();
    if !m.digits.is_empty() {
        m.negative = !m.negative;
    }
    m
}

/// Rewrites numbers to DynamoDB's stored form (`"1.50"` is returned as `"1.5"`), recursively.
pub fn normalize(v: &Value) -> Value {
    let Some(t) = type_of(v) else {
        return v.clone();
    };
    let inner = &v[t];
    let out = match t {
        "N" => Value::String(
            inner
                .as_str()
                .and_then(|s| parse_number(s).ok())
                .map(|n| canonical_number(&n))
                .unwrap_or_else(|| inner.as_str().unwrap_or_default().to_string()),
        ),
        "NS" => Value::Array(
            inner
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|e| {
                            Value::String(
                                e.as_str()
                                    .and_then(|s| parse_number(s).ok())
                                    .map(|n| canonical_number(&n))
                                    .unwrap_or_default(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        "M" => Value::Object(
            inner
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
                .unwrap_or_default(),
        ),
        "L" => Value::Array(
            inner
                .as_array()
                .map(|a| a.iter().map(normalize).collect())
                .unwrap_or_default(),
        ),
        _ => inner.clone(),
    };
    let mut m = Map::new();
    m.insert(t.to_string(), out);
    Value::Object(m)
}

/// DynamoDB equality of two AttributeValues (numbers by value, sets ignoring order).
pub fn equal(a: &Value, b: &Value) -> bool {
    let (Some(ta), Some(tb)) = (type_of(a), type_of(b)) else {
        return false;
    };
    if ta != tb {
        return false;
    }
    let (x, y) = (&a[ta], &b[tb]);
    match ta {
        "N" => match (
            x.as_str().and_then(|s| parse_number(s).ok()),
            y.as_str().and_then(|s| parse_number(s).ok()),
        ) {
            (Some(p), Some(q)) => cmp_numbers(&p, &q) == Ordering::Equal,
            _ => false,
        },
        "SS" | "BS" | "NS" => {
            let norm = |v: &Value| {
                let mut s: Vec<String> = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|e| e.as_str())
                            .map(|e| {
                                if ta == "NS" {
                                    parse_number(e)
                                        .map(|n| canonical_number(&n))
                                        .unwrap_or_default()
                                } else {
                                    e.to_string()
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                s.sort();
                s
            };
            norm(x) == norm(y)
        }
        "M" => match (x.as_object(), y.as_object()) {
            (Some(p), Some(q)) => {
                p.len() == q.len() && p.iter().all(|(k, v)| q.get(k).is_some_and(|w| equal(v, w)))
            }
            _ => false,
        },
        "L" => match (x.as_array(), y.as_array()) {
            (Some(p), Some(q)) => p.len() == q.len() && p.iter().zip(q).all(|(v, w)| equal(v, w)),
            _ => false,
        },
        _ => x == y,
    }
}

/// Ordering for `<`, `<=`, `>`, `>=`, BETWEEN and sort keys: defined for N, S and B of the same type
/// (strings and binaries compare by bytes: Developer Guide, "Comparison operator and function reference").
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    let (ta, tb) = (type_of(a)?, type_of(b)?);
    if ta != tb {
        return None;
    }
    match ta {
        "N" => Some(cmp_numbers(
            &parse_number(a["N"].as_str()?).ok()?,
            &parse_number(b["N"].as_str()?).ok()?,
        )),
        "S" => Some(a["S"].as_str()?.as_bytes().cmp(b["S"].as_str()?.as_bytes())),
        "B" => Some(a["B"].as_str()?.cmp(b["B"].as_str()?)),
        _ => None,
    }
}

/// Base64-decoded length of a B value (for size()).
pub fn base64_len(s: &str) -> usize {
    let t = s.trim_end_matches('=');
    t.len() * 3 / 4
}

/// The size of an item as DynamoDB counts it (names plus values, UTF-8 bytes), for the 400 KB limit
/// (Developer Guide, "Item size and format").
pub fn item_size(item: &Map<String, Value>) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn value_size(v: &Value) -> usize {
    let Some(t) = type_of(v) else { return 0 };
    let inner = &v[t];
    match t {
        "S" => inner.as_str().map_or(0, str::len),
        "B" => inner.as_str().map_or(0, base64_len),
        "N" => inner.as_str().map_or(1, |s| s.len().div_ceil(2) + 1),
        "BOOL" | "NULL" => 1,
        "SS" | "NS" | "BS" => inner.as_array().map_or(0, |a| {
            a.iter().filter_map(|e| e.as_str()).map(str::len).sum()
        }),
        "M" => {
            3 + inner.as_object().map_or(0, |m| {
                m.iter()
                    .map(|(k, v)| 1 + k.len() + value_size(v))
                    .sum::<usize>()
            })
        }
        "L" => {
            3 + inner
                .as_array()
                .map_or(0, |a| a.iter().map(|v| 1 + value_size(v)).sum::<usize>())
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_exact() {
        let n = |s| parse_number(s).unwrap();
        assert_eq!(canonical_number(&n("1.50")), "1.5");
        assert_eq!(canonical_number(&n("-0012")), "-12");
        assert_eq!(canonical_number(&n("1e3")), "1000");
        assert_eq!(
            canonical_number(&add_numbers(&n("0.1"), &n("0.2")).unwrap()),
            "0.3"
        );
        assert_eq!(
            canonical_number(&add_numbers(&n("5"), &negate(&n("7"))).unwrap()),
            "-2"
        );
        assert_eq!(
            canonical_number(&add_numbers(&n("99"), &n("1")).unwrap()),
            "100"
        );
        assert!(parse_number("abc").is_err());
        assert_eq!(cmp_numbers(&n("-3"), &n("2")), Ordering::Less);
        assert_eq!(cmp_numbers(&n("10"), &n("9.5")), Ordering::Greater);
    }

    #[test]
    fn validation_rejects_bad_shapes() {
        assert!(
            matches!(validate(&json!({"N": 5})), Err(AttrProblem::Shape(m)) if m.contains("'N' must be a STRING"))
        );
        assert!(
            matches!(validate(&json!({"S": "a", "N": "1"})), Err(AttrProblem::Invalid(m)) if m.contains("more than one datatypes"))
        );
        assert!(
            matches!(validate(&json!({"SS": []})), Err(AttrProblem::Invalid(m)) if m.contains("string set  may not be empty"))
        );
        assert!(validate(&json!({"M": {"a": {"L": [{"N": "1"}, {"NULL": true}]}}})).is_ok());
        assert!(equal(&json!({"N": "1.0"}), &json!({"N": "1"})));
        assert!(equal(
            &json!({"SS": ["a", "b"]}),
            &json!({"SS": ["b", "a"]})
        ));
    }
}
