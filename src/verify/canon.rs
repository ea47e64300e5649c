//! Canonical request parameters: the form in which two calls that the service treats alike
//! compare equal. Step Functions serializes an object given for a string member (SQS MessageBody,
//! SNS Message, EventBridge Detail; aws-facts 1.4), and DynamoDB compares numbers by value
//! (`{"N": "1.0"}` and `{"N": "1"}` store the same number).

use serde_json::{Map, Value};

/// Step Functions serializes a JSON object given where the API expects a string (aws-facts 1.4:
/// compact, as observed for S3 bodies).
pub fn string_param(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn canonical_request(service: &str, action: &str, params: &Value) -> Value {
    let mut p = params.clone();
    match (service, action) {
        ("sqs", "SendMessage") => stringify_member(&mut p, "MessageBody"),
        ("sns", "Publish") => stringify_member(&mut p, "Message"),
        ("events", "PutEvents") => {
            if let Some(entries) = p.get_mut("Entries").and_then(Value::as_array_mut) {
                for e in entries {
                    stringify_member(e, "Detail");
                }
            }
        }
        ("dynamodb", _) => p = normalize_numbers(&p),
        // The function receives the payload's JSON, whether a handler wrote the text or Step
        // Functions serialized an object.
        ("lambda", "Invoke") => parse_member(&mut p, "Payload"),
        // A handler's wire API names members in camelCase, the Task in PascalCase ("Parameters in
        // Step Functions are expressed in PascalCase, even if the native service API is in
        // camelCase", https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
        ("states" | "sfn", "StartExecution" | "StartSyncExecution") => {
            if let Value::Object(m) = &p {
                p = Value::Object(
                    m.iter()
                        .map(|(k, v)| {
                            let mut c = k.chars();
                            let key = c
                                .next()
                                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                                .unwrap_or_default();
                            (key, v.clone())
                        })
                        .collect(),
                );
            }
            parse_member(&mut p, "Input");
        }
        // Batch, CodeBuild and ECS name members in camelCase on the wire; a Task names them in
        // PascalCase: both compare in wire names (services/integration_shape.rs).
        (token, _) => {
            use crate::services::{errors::Service, integration_shape};
            if let Some(shape) = Service::from_token(token).and_then(integration_shape::api_shape) {
                p = integration_shape::request(&shape, &p);
            }
        }
    }
    p
}

/// A member holding JSON text, compared as the JSON it holds.
fn parse_member(obj: &mut Value, member: &str) {
    if let Some(v) = obj.get_mut(member) {
        if let Some(parsed) = v
            .as_str()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
        {
            *v = parsed;
        }
    }
}

fn stringify_member(obj: &mut Value, member: &str) {
    if let Some(v) = obj.get_mut(member) {
        if !v.is_string() {
            *v = Value::String(string_param(v));
        }
    }
}

/// Rewrites every `{"N": "..."}` (and `NS`) to a canonical decimal text.
fn normalize_numbers(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, val) in map {
                let nv = match (k.as_str(), val) {
                    ("N", Value::String(s)) if map.len() == 1 => {
                        Value::String(canonical_decimal(s))
                    }
                    ("NS", Value::Array(items)) if map.len() == 1 => Value::Array(
                        items
                            .iter()
                            .map(|i| match i {
                                Value::String(s) => Value::String(canonical_decimal(s)),
                                other => other.clone(),
                            })
                            .collect(),
                    ),
                    _ => normalize_numbers(val),
                };
                out.insert(k.clone(), nv);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize_numbers).collect()),
        other => other.clone(),
    }
}

/// `"1.50"`, `"15e-1"`, `"+1.5"` → `"1.5"`; text that is not a number stays as it is (the service
/// rejects it, which the comparison then sees).
pub fn canonical_decimal(s: &str) -> String {
    let t = s.trim();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => match body[i + 1..].parse::<i64>() {
            Ok(e) => (&body[..i], e),
            Err(_) => return s.to_string(),
        },
        None => (body, 0),
    };
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part
            .chars()
            .chain(frac_part.chars())
            .all(|c| c.is_ascii_digit())
    {
        return s.to_string();
    }
    let mut digits: String = format!("{int_part}{frac_part}");
    let mut point = int_part.len() as i64 + exp;
    let lead = digits.len() - digits.trim_start_matches('0').len();
    digits.drain(..lead);
    point -= lead as i64;
    let trimmed = digits.trim_end_matches('0').to_string();
    if trimmed.is_empty() {
        return "0".into();
    }
    let digits = trimmed;
    let n = digits.len() as i64;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point >= n {
        format!("{digits}{}", "0".repeat((point - n) as usize))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    if neg {
        format!("-{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decimals_are_canonical() {
        assert_eq!(canonical_decimal("1.50"), "1.5");
        assert_eq!(canonical_decimal("15e-1"), "1.5");
        assert_eq!(canonical_decimal("+0010"), "10");
        assert_eq!(canonical_decimal("-0.000"), "0");
        assert_eq!(canonical_decimal("1e21"), "1000000000000000000000");
        assert_eq!(canonical_decimal("abc"), "abc");
    }

    #[test]
    fn object_bodies_are_serialized() {
        let p = canonical_request(
            "sqs",
            "SendMessage",
            &json!({"QueueUrl": "q", "MessageBody": {"a": 1}}),
        );
        assert_eq!(p["MessageBody"], json!("{\"a\":1}"));
        let p = canonical_request("dynamodb", "PutItem", &json!({"Item": {"n": {"N": "1.0"}}}));
        assert_eq!(p["Item"]["n"]["N"], json!("1"));
    }
}
