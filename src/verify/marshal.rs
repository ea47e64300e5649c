//! DynamoDB attribute-value marshalling as the handler's library does it, so the simulated Lambda
//! sends the same typed item the real one would:
//! - `@aws-sdk/lib-dynamodb` (util-dynamodb `convertToAttr`, default options: `undefined` throws,
//!   numbers beyond ±2^53-1 throw, empty strings stay `{"S": ""}`);
//! - boto3's `TypeSerializer` (`boto3/dynamodb/types.py`: `float` raises, `None` → NULL);
//! and the reverse for responses (`unmarshall` / `TypeDeserializer`, where N becomes `Decimal`).

use super::lang::{js_number, Num, Runtime, Thrown, Val};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};

/// Top-level and nested request members that the document clients marshal from native values.
const NATIVE_REQUEST_MEMBERS: &[&str] = &[
    "Item",
    "Key",
    "ExpressionAttributeValues",
    "ExclusiveStartKey",
];
/// Response members they unmarshal back to native values.
const NATIVE_RESPONSE_MAPS: &[&str] = &["Item", "Attributes", "LastEvaluatedKey"];

fn js_error(msg: impl Into<String>) -> Thrown {
    Thrown::new("Error", msg)
}

/// util-dynamodb `convertToAttr` with default marshall options.
pub fn js_to_attr(v: &Val) -> Result<Value, Thrown> {
    Ok(match v {
        Val::Undefined => {
            return Err(js_error(
                "Pass options.removeUndefinedValues=true to remove undefined values from map/array/set.",
            ))
        }
        Val::Null => json!({"NULL": true}),
        Val::Bool(b) => json!({ "BOOL": b }),
        Val::Num(n) => {
            let f = match n {
                Num::Int(i) => *i as f64,
                Num::Float(f) => *f,
                Num::Decimal(d) => return Ok(json!({ "N": d })),
            };
            let text = js_number(f);
            if !f.is_finite() {
                return Err(js_error(format!("Special numeric value {text} is not allowed")));
            }
            const SAFE: f64 = 9_007_199_254_740_991.0;
            if f > SAFE {
                return Err(js_error(format!(
                    "Number {text} is greater than Number.MAX_SAFE_INTEGER. Use BigInt. "
                )));
            }
            if f < -SAFE {
                return Err(js_error(format!(
                    "Number {text} is lesser than Number.MIN_SAFE_INTEGER. Use BigInt. "
                )));
            }
            json!({ "N": text })
        }
        Val::Str(s) => json!({ "S": s }),
        Val::Arr(items) => json!({ "L": items.iter().map(js_to_attr).collect::<Result<Vec<_>, _>>()? }),
        Val::Obj(map) => {
            let mut m = Map::new();
            for (k, v) in map {
                m.insert(k.clone(), js_to_attr(v)?);
            }
            json!({ "M": m })
        }
    })
}

/// boto3 `TypeSerializer.serialize`.
pub fn py_to_attr(v: &Val) -> Result<Value, Thrown> {
    Ok(match v {
        Val::Undefined | Val::Null => json!({"NULL": true}),
        Val::Bool(b) => json!({ "BOOL": b }),
        Val::Num(Num::Int(i)) => {
            // DYNAMODB_CONTEXT has 38 digits of precision and traps Inexact/Rounded.
            let text = i.to_string();
            if text.trim_start_matches('-').len() > 38 {
                return Err(Thrown::new(
                    "Inexact",
                    "[<class 'decimal.Inexact'>, <class 'decimal.Rounded'>]",
                ));
            }
            json!({ "N": text })
        }
        Val::Num(Num::Decimal(d)) => json!({ "N": d }),
        Val::Num(Num::Float(_)) => {
            return Err(Thrown::new(
                "TypeError",
                "Float types are not supported. Use Decimal types instead.",
            ))
        }
        Val::Str(s) => json!({ "S": s }),
        Val::Arr(items) => {
            json!({ "L": items.iter().map(py_to_attr).collect::<Result<Vec<_>, _>>()? })
        }
        Val::Obj(map) => {
            let mut m = Map::new();
            for (k, v) in map {
                m.insert(k.clone(), py_to_attr(v)?);
            }
            json!({ "M": m })
        }
    })
}

fn to_attr(v: &Val, rt: Runtime) -> Result<Value, Thrown> {
    match rt {
        Runtime::Node => js_to_attr(v),
        Runtime::Python => py_to_attr(v),
    }
}

/// Marshals a map of native values (an Item, a Key) into `{name: AttributeValue}`.
fn marshal_map(v: &Val, rt: Runtime) -> Result<Value, Thrown> {
    match to_attr(v, rt)? {
        Value::Object(mut o) if o.contains_key("M") => Ok(o.remove("M").unwrap_or(Value::Null)),
        other => Err(js_error(format!(
            "expected an object of attributes, got {}",
            other
        ))),
    }
}

/// Request params of a document-client call → low-level API params: the native members are
/// marshalled, everything else passes as plain JSON (with `undefined` members dropped, as the SDK
/// serializers skip them).
pub fn marshal_request(params: &Val, rt: Runtime) -> Result<Value, Thrown> {
    match params {
        Val::Obj(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if v.is_undefined() {
                    continue;
                }
                let value = if NATIVE_REQUEST_MEMBERS.contains(&k.as_str()) {
                    marshal_map(v, rt)?
                } else if k == "Keys" {
                    match v {
                        Val::Arr(items) => Value::Array(
                            items
                                .iter()
                                .map(|i| marshal_map(i, rt))
                                .collect::<Result<_, _>>()?,
                        ),
                        other => marshal_request(other, rt)?,
                    }
                } else {
                    marshal_request(v, rt)?
                };
                out.insert(k.clone(), value);
            }
            Ok(Value::Object(out))
        }
        Val::Arr(items) => Ok(Value::Array(
            items
                .iter()
                .map(|i| marshal_request(i, rt))
                .collect::<Result<_, _>>()?,
        )),
        other => Ok(super::lang::to_json_lossy(other).unwrap_or(Value::Null)),
    }
}

/// util-dynamodb `convertToNative` (default `wrapNumbers: false`) / boto3 `TypeDeserializer`.
pub fn from_attr(attr: &Value, rt: Runtime) -> Result<Val, Thrown> {
    let Some((tag, inner)) = attr.as_object().and_then(|o| o.iter().next()) else {
        return Err(js_error(format!("not an AttributeValue: {attr}")));
    };
    Ok(match (tag.as_str(), inner) {
        ("NULL", _) => Val::Null,
        ("BOOL", Value::Bool(b)) => Val::Bool(*b),
        ("S", Value::String(s)) => Val::Str(s.clone()),
        ("N", Value::String(n)) => number_from_attr(n, rt)?,
        ("L", Value::Array(items)) => Val::Arr(
            items
                .iter()
                .map(|i| from_attr(i, rt))
                .collect::<Result<_, _>>()?,
        ),
        ("M", Value::Object(m)) => unmarshal_map_obj(m, rt)?,
        ("SS", Value::Array(items)) | ("BS", Value::Array(items)) => {
            Val::Arr(items.iter().map(|i| Val::from_json(i, rt)).collect())
        }
        ("NS", Value::Array(items)) => Val::Arr(
            items
                .iter()
                .map(|i| number_from_attr(i.as_str().unwrap_or("0"), rt))
                .collect::<Result<_, _>>()?,
        ),
        (_, other) => Val::from_json(other, rt),
    })
}

fn number_from_attr(n: &str, rt: Runtime) -> Result<Val, Thrown> {
    match rt {
        Runtime::Python => Ok(Val::Num(Num::Decimal(n.to_string()))),
        Runtime::Node => {
            let f: f64 = n
                .parse()
                .map_err(|_| js_error(format!("{n} can't be converted to Number.")))?;
            if f.fract() == 0.0 && f.abs() > 9_007_199_254_740_991.0 {
                return Err(js_error(format!(
                    "{n} can't be converted to Number. Set options.wrapNumbers to get string value."
                )));
            }
            Ok(Val::Num(Num::Float(f)))
        }
    }
}

fn unmarshal_map_obj(m: &Map<String, Value>, rt: Runtime) -> Result<Val, Thrown> {
    let mut out = IndexMap::new();
    for (k, v) in m {
        out.insert(k.clone(), from_attr(v, rt)?);
    }
    Ok(Val::Obj(out))
}

/// Low-level API response → what the document client returns.
pub fn unmarshal_response(resp: &Value, rt: Runtime) -> Result<Val, Thrown> {
    let Value::Object(map) = resp else {
        return Ok(Val::from_json(resp, rt));
    };
    let mut out = IndexMap::new();
    for (k, v) in map {
        let value = match (k.as_str(), v) {
            (name, Value::Object(m)) if NATIVE_RESPONSE_MAPS.contains(&name) => {
                unmarshal_map_obj(m, rt)?
            }
            ("Items", Value::Array(items)) => Val::Arr(
                items
                    .iter()
                    .map(|i| match i {
                        Value::Object(m) => unmarshal_map_obj(m, rt),
                        other => Ok(Val::from_json(other, rt)),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => Val::from_json(v, rt),
        };
        out.insert(k.clone(), value);
    }
    Ok(Val::Obj(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(v: Value) -> Val {
        Val::from_json(&v, Runtime::Node)
    }

    #[test]
    fn lib_dynamodb_marshals_native_values() {
        let params = node(
            json!({"TableName": "orders", "Item": {"orderId": "o-1", "n": 1.5, "ok": true, "x": null, "l": [1, "a"], "m": {"k": ""}}}),
        );
        let out = marshal_request(&params, Runtime::Node).unwrap();
        assert_eq!(
            out,
            json!({"TableName": "orders", "Item": {"orderId": {"S": "o-1"}, "n": {"N": "1.5"}, "ok": {"BOOL": true},
                "x": {"NULL": true}, "l": {"L": [{"N": "1"}, {"S": "a"}]}, "m": {"M": {"k": {"S": ""}}}}})
        );
    }

    #[test]
    fn lib_dynamodb_rejects_undefined_and_unsafe_numbers() {
        let mut item = IndexMap::new();
        item.insert("a".to_string(), Val::Undefined);
        let mut params = IndexMap::new();
        params.insert("Item".to_string(), Val::Obj(item));
        let err = marshal_request(&Val::Obj(params), Runtime::Node).unwrap_err();
        assert!(err.message.contains("removeUndefinedValues"));
        let big = node(json!({"Item": {"n": 1e300}}));
        assert!(marshal_request(&big, Runtime::Node)
            .unwrap_err()
            .message
            .contains("MAX_SAFE_INTEGER"));
    }

    #[test]
    fn boto3_serializer_rejects_floats() {
        let params = Val::from_json(&json!({"Item": {"price": 12.5}}), Runtime::Python);
        let err = marshal_request(&params, Runtime::Python).unwrap_err();
        assert_eq!(err.error_type, "TypeError");
        let params = Val::from_json(&json!({"Item": {"q": 3, "s": "x"}}), Runtime::Python);
        assert_eq!(
            marshal_request(&params, Runtime::Python).unwrap(),
            json!({"Item": {"q": {"N": "3"}, "s": {"S": "x"}}})
        );
    }

    #[test]
    fn responses_unmarshal_per_runtime() {
        let resp = json!({"Item": {"id": {"S": "a"}, "n": {"N": "2"}}});
        let js = unmarshal_response(&resp, Runtime::Node).unwrap();
        assert_eq!(
            super::super::lang::to_json_lossy(&js).unwrap(),
            json!({"Item": {"id": "a", "n": 2}})
        );
        let py = unmarshal_response(&resp, Runtime::Python).unwrap();
        let Val::Obj(m) = py else { panic!() };
        let Val::Obj(item) = &m["Item"] else { panic!() };
        assert_eq!(item["n"], Val::Num(Num::Decimal("2".into())));
    }
}
