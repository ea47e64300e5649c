//! Runtime values of a simulated handler and the language rules that decide what bytes it sends:
//! JavaScript (Node.js) and Python number formatting, `JSON.stringify` vs `json.dumps`,
//! `String()` vs `str()`, truthiness, and what the Lambda runtime returns to Step Functions.

use crate::analysis::model::{JsonStyle, Language};
use indexmap::IndexMap;
use serde_json::{Map, Number, Value};

/// The two runtime families the analysis front ends cover (TypeScript runs as JavaScript).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Node,
    Python,
}

impl Runtime {
    pub fn of(language: Language) -> Runtime {
        match language {
            Language::Javascript | Language::Typescript => Runtime::Node,
            Language::Python => Runtime::Python,
        }
    }
}

/// A number as the runtime holds it: JavaScript has only doubles; Python has ints, floats, and
/// (from boto3's DynamoDB deserializer) `Decimal`.
#[derive(Debug, Clone, PartialEq)]
pub enum Num {
    Int(i128),
    Float(f64),
    Decimal(String),
}

/// A runtime value. `Undefined` is JavaScript's `undefined` (Python never produces it: a missing
/// key raises instead).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Undefined,
    Null,
    Bool(bool),
    Num(Num),
    Str(String),
    Arr(Vec<Val>),
    Obj(IndexMap<String, Val>),
}

/// An exception raised inside the simulated handler: what the Lambda runtime reports as
/// `errorType` / `errorMessage`.
#[derive(Debug, Clone, PartialEq)]
pub struct Thrown {
    pub error_type: String,
    pub message: String,
}

impl Thrown {
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Thrown {
            error_type: error_type.into(),
            message: message.into(),
        }
    }
}

impl Val {
    /// The value a handler sees after its runtime parsed the event JSON. JavaScript holds every
    /// number as a double (so integers beyond 2^53 lose precision, as `JSON.parse` does); Python's
    /// `json.loads` gives `int` for integer literals and `float` for the rest.
    pub fn from_json(value: &Value, rt: Runtime) -> Val {
        match value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(num_from_json(n, rt)),
            Value::String(s) => Val::Str(s.clone()),
            Value::Array(items) => Val::Arr(items.iter().map(|v| Val::from_json(v, rt)).collect()),
            Value::Object(map) => Val::Obj(
                map.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v, rt)))
                    .collect(),
            ),
        }
    }

    pub fn is_undefined(&self) -> bool {
        matches!(self, Val::Undefined)
    }

    /// JavaScript `!!x` / Python `bool(x)`.
    pub fn truthy(&self, rt: Runtime) -> bool {
        match self {
            Val::Undefined | Val::Null => false,
            Val::Bool(b) => *b,
            Val::Num(Num::Int(i)) => *i != 0,
            Val::Num(Num::Float(f)) => *f != 0.0 && !f.is_nan(),
            Val::Num(Num::Decimal(d)) => d.parse::<f64>().map(|f| f != 0.0).unwrap_or(true),
            Val::Str(s) => !s.is_empty(),
            // Objects and arrays are always truthy in JavaScript; empty ones are falsy in Python.
            Val::Arr(a) => rt == Runtime::Node || !a.is_empty(),
            Val::Obj(o) => rt == Runtime::Node || !o.is_empty(),
        }
    }

    /// `typeof`-like name for error messages.
    pub fn type_name(&self, rt: Runtime) -> &'static str {
        match (rt, self) {
            (Runtime::Node, Val::Undefined) => "undefined",
            (Runtime::Node, Val::Null) => "null",
            (Runtime::Node, Val::Bool(_)) => "boolean",
            (Runtime::Node, Val::Num(_)) => "number",
            (Runtime::Node, Val::Str(_)) => "string",
            (Runtime::Node, Val::Arr(_)) => "object",
            (Runtime::Node, Val::Obj(_)) => "object",
            (Runtime::Python, Val::Undefined | Val::Null) => "NoneType",
            (Runtime::Python, Val::Bool(_)) => "bool",
            (Runtime::Python, Val::Num(Num::Int(_))) => "int",
            (Runtime::Python, Val::Num(Num::Float(_))) => "float",
            (Runtime::Python, Val::Num(Num::Decimal(_))) => "Decimal",
            (Runtime::Python, Val::Str(_)) => "str",
            (Runtime::Python, Val::Arr(_)) => "list",
            (Runtime::Python, Val::Obj(_)) => "dict",
        }
    }
}

fn num_from_json(n: &Number, rt: Runtime) -> Num {
    match rt {
        Runtime::Node => Num::Float(n.as_f64().unwrap_or(f64::NAN)),
        Runtime::Python => {
            if let Some(i) = n.as_i64() {
                Num::Int(i as i128)
            } else if let Some(u) = n.as_u64() {
                Num::Int(u as i128)
            } else {
                Num::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
    }
}

/// Shortest round-trip decimal digits of a finite, non-zero, positive double and the position of
/// the decimal point (`value = 0.d1d2... × 10^point`), as ECMAScript Number::toString defines them.
fn shortest_digits(x: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest representation that round-trips, like JavaScript and Python.
    let s = format!("{x:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

/// ECMAScript Number::toString(10) (ECMA-262 §6.1.6.1.20): `1e+21`, `1.5e-7`, `0.000001`, `-0`→`0`.
pub fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x < 0.0 {
        return format!("-{}", js_number(-x));
    }
    let (digits, n) = shortest_digits(x);
    let k = digits.len() as i32;
    if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let sign = if e >= 0 { "+" } else { "-" };
        if k == 1 {
            format!("{digits}e{sign}{}", e.abs())
        } else {
            format!("{}.{}e{sign}{}", &digits[..1], &digits[1..], e.abs())
        }
    }
}

/// Python `repr(float)` (short repr): fixed notation for 1e-4 <= |x| < 1e16, else `1e+16`, `1.5e-05`.
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    if x < 0.0 {
        return format!("-{}", py_float(-x));
    }
    let (digits, n) = shortest_digits(x);
    let k = digits.len() as i32;
    let e = n - 1;
    if (-4..16).contains(&e) {
        if n <= 0 {
            format!("0.{}{digits}", "0".repeat((-n) as usize))
        } else if n >= k {
            format!("{digits}{}.0", "0".repeat((n - k) as usize))
        } else {
            format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
        }
    } else {
        let sign = if e >= 0 { "+" } else { "-" };
        let mant = if k == 1 {
            digits.clone()
        } else {
            format!("{}.{}", &digits[..1], &digits[1..])
        };
        format!("{mant}e{sign}{:02}", e.abs())
    }
}

fn num_text(n: &Num, rt: Runtime) -> String {
    match (rt, n) {
        (Runtime::Node, Num::Int(i)) => js_number(*i as f64),
        (Runtime::Node, Num::Float(f)) => js_number(*f),
        (Runtime::Node, Num::Decimal(d)) => d.clone(),
        (Runtime::Python, Num::Int(i)) => i.to_string(),
        (Runtime::Python, Num::Float(f)) => py_float(*f),
        (Runtime::Python, Num::Decimal(d)) => d.clone(),
    }
}

/// Is `key` an ECMAScript array index (canonical numeric string below 2^32 - 1)? Such keys are
/// enumerated first, in ascending order, by every JavaScript object (ECMA-262 OrdinaryOwnPropertyKeys).
fn is_array_index(key: &str) -> Option<u32> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    let v: u64 = key.parse().ok()?;
    (v < u32::MAX as u64).then_some(v as u32)
}

/// Object keys in the order the runtime enumerates them.
pub fn key_order(map: &IndexMap<String, Val>, rt: Runtime) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    if rt == Runtime::Node {
        let mut indices: Vec<(u32, &String)> = keys
            .iter()
            .filter_map(|k| is_array_index(k).map(|i| (i, *k)))
            .collect();
        indices.sort();
        let rest: Vec<&String> = keys
            .iter()
            .filter(|k| is_array_index(k).is_none())
            .copied()
            .collect();
        keys = indices.into_iter().map(|(_, k)| k).chain(rest).collect();
    }
    keys
}

fn js_quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python json's `ensure_ascii=True` string encoder: non-ASCII as `\uXXXX` (surrogate pairs).
fn py_quote_ascii(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `JSON.stringify(v)` (Node) or `json.dumps(v)` (Python) in the given style. `Ok(None)` is
/// JavaScript's `undefined` result (stringifying `undefined`). Python raises `TypeError` for a
/// `Decimal`, as `json.dumps` does.
pub fn stringify(v: &Val, rt: Runtime, style: JsonStyle) -> Result<Option<String>, Thrown> {
    if rt == Runtime::Node && v.is_undefined() {
        return Ok(None);
    }
    let mut out = String::new();
    write_json(v, rt, style, 0, &mut out)?;
    Ok(Some(out))
}

/// Indentation width assumed for `Indented` (the analysis could not read it; 2 is the common
/// choice); `IndentedBy` carries its own.
const INDENT: usize = 2;

fn indent_width(style: JsonStyle) -> usize {
    match style {
        JsonStyle::IndentedBy(n) => n as usize,
        _ => INDENT,
    }
}

fn write_json(
    v: &Val,
    rt: Runtime,
    style: JsonStyle,
    depth: usize,
    out: &mut String,
) -> Result<(), Thrown> {
    let (item_sep, key_sep) = match (rt, style) {
        (_, JsonStyle::Compact) => (",", ":"),
        (Runtime::Python, JsonStyle::PythonDefault) => (", ", ": "),
        (Runtime::Node, JsonStyle::PythonDefault) => (",", ":"),
        // With an indent, json.dumps uses "," + newline and ": "; JSON.stringify uses ": " too.
        (_, JsonStyle::Indented | JsonStyle::IndentedBy(_)) => (",", ": "),
    };
    let indented = style.is_indented();
    let newline = |out: &mut String, d: usize| {
        if indented {
            out.push('\n');
            out.push_str(&" ".repeat(indent_width(style) * d));
        }
    };
    match v {
        Val::Undefined | Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => match (rt, n) {
            (Runtime::Node, Num::Float(f)) if !f.is_finite() => out.push_str("null"),
            (Runtime::Python, Num::Decimal(_)) => {
                return Err(Thrown::new(
                    "TypeError",
                    "Object of type Decimal is not JSON serializable",
                ))
            }
            (Runtime::Python, Num::Float(f)) if f.is_nan() => out.push_str("NaN"),
            (Runtime::Python, Num::Float(f)) if f.is_infinite() => {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
            }
            _ => out.push_str(&num_text(n, rt)),
        },
        Val::Str(s) => match rt {
            Runtime::Node => js_quote(s, out),
            Runtime::Python => py_quote_ascii(s, out),
        },
        Val::Arr(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                write_json(item, rt, style, depth + 1, out)?;
            }
            newline(out, depth);
            out.push(']');
        }
        Val::Obj(map) => {
            let keys: Vec<&String> = key_order(map, rt)
                .into_iter()
                .filter(|k| !(rt == Runtime::Node && map[*k].is_undefined()))
                .collect();
            if keys.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                match rt {
                    Runtime::Node => js_quote(k, out),
                    Runtime::Python => py_quote_ascii(k, out),
                }
                out.push_str(key_sep);
                write_json(&map[*k], rt, style, depth + 1, out)?;
            }
            newline(out, depth);
            out.push('}');
        }
    }
    Ok(())
}

/// Python `repr(str)`: single quotes unless the text has a single quote and no double quote.
fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn py_repr(v: &Val) -> String {
    match v {
        Val::Str(s) => py_repr_str(s),
        Val::Num(Num::Decimal(d)) => format!("Decimal('{d}')"),
        other => py_str(other),
    }
}

fn py_str(v: &Val) -> String {
    match v {
        Val::Undefined | Val::Null => "None".into(),
        Val::Bool(b) => if *b { "True" } else { "False" }.into(),
        Val::Num(n) => num_text(n, Runtime::Python),
        Val::Str(s) => s.clone(),
        Val::Arr(items) => format!(
            "[{}]",
            items.iter().map(py_repr).collect::<Vec<_>>().join(", ")
        ),
        Val::Obj(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", py_repr_str(k), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn js_string(v: &Val) -> String {
    match v {
        Val::Undefined => "undefined".into(),
        Val::Null => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Num(n) => num_text(n, Runtime::Node),
        Val::Str(s) => s.clone(),
        // Array.prototype.toString = join(","), with null/undefined elements as "".
        Val::Arr(items) => items
            .iter()
            .map(|i| match i {
                Val::Undefined | Val::Null => String::new(),
                other => js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Val::Obj(_) => "[object Object]".into(),
    }
}

/// `String(v)` / template `${v}` (Node) or `str(v)` / f-string `{v}` (Python).
pub fn to_string(v: &Val, rt: Runtime) -> String {
    match rt {
        Runtime::Node => js_string(v),
        Runtime::Python => py_str(v),
    }
}

/// What Step Functions receives from the runtime for a returned value: the runtime serializes it
/// (Node: `JSON.stringify`, `undefined` → `null`; Python: `json.dumps`) and Step Functions parses
/// the JSON. A Python value json cannot serialize is `Runtime.MarshalError`.
pub fn returned_json(v: &Val, rt: Runtime) -> Result<Value, Thrown> {
    let text = stringify(v, rt, JsonStyle::Compact).map_err(|t| match rt {
        Runtime::Python => Thrown::new(
            "Runtime.MarshalError",
            format!("Unable to marshal response: {}", t.message),
        ),
        Runtime::Node => t,
    })?;
    match text {
        None => Ok(Value::Null),
        Some(t) => serde_json::from_str(&t).map_err(|e| {
            Thrown::new(
                "Runtime.MarshalError",
                format!("Unable to marshal response: {e}"),
            )
        }),
    }
}

/// A plain JSON view of a value (used for API parameters): `undefined` entries are dropped, as the
/// SDKs' serializers skip them, and numbers keep their runtime value.
pub fn to_json_lossy(v: &Val) -> Option<Value> {
    Some(match v {
        Val::Undefined => return None,
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => num_to_json(n),
        Val::Str(s) => Value::String(s.clone()),
        Val::Arr(items) => Value::Array(
            items
                .iter()
                .map(|i| to_json_lossy(i).unwrap_or(Value::Null))
                .collect(),
        ),
        Val::Obj(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if let Some(j) = to_json_lossy(v) {
                    out.insert(k.clone(), j);
                }
            }
            Value::Object(out)
        }
    })
}

/// A number as JSON: integral doubles within the safe range become JSON integers (what parsing
/// the runtime's output would give), others stay floats.
pub fn num_to_json(n: &Num) -> Value {
    match n {
        Num::Int(i) => i64::try_from(*i)
            .map(Value::from)
            .or_else(|_| u64::try_from(*i).map(Value::from))
            .unwrap_or_else(|_| Value::from(*i as f64)),
        Num::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                Value::from(*f as i64)
            } else {
                Number::from_f64(*f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Num::Decimal(d) => d
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn js_numbers_follow_ecmascript() {
        assert_eq!(js_number(1.0), "1");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(1e20), "100000000000000000000");
        assert_eq!(js_number(1.5e-7), "1.5e-7");
        assert_eq!(js_number(0.000001), "0.000001");
        assert_eq!(js_number(123.456), "123.456");
        assert_eq!(js_number(-2.5e25), "-2.5e+25");
        assert_eq!(js_number(9007199254740993.0), "9007199254740992");
    }

    #[test]
    fn python_floats_follow_repr() {
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(1.5e-5), "1.5e-05");
        assert_eq!(py_float(0.0001), "0.0001");
        assert_eq!(py_float(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(py_float(12.5), "12.5");
        assert_eq!(py_float(1e15), "1000000000000000.0");
    }

    #[test]
    fn stringify_styles_differ_as_the_runtimes_do() {
        let event = json!({"b": 1.0, "2": "zoë", "1": [true, null], "a": {"x": 0.5}});
        let node = Val::from_json(&event, Runtime::Node);
        let py = Val::from_json(&event, Runtime::Python);
        assert_eq!(
            stringify(&node, Runtime::Node, JsonStyle::Compact)
                .unwrap()
                .unwrap(),
            r#"{"1":[true,null],"2":"zoë","b":1,"a":{"x":0.5}}"#
        );
        assert_eq!(
            stringify(&py, Runtime::Python, JsonStyle::PythonDefault)
                .unwrap()
                .unwrap(),
            r#"{"b": 1.0, "2": "zo\u00eb", "1": [true, null], "a": {"x": 0.5}}"#
        );
        let emoji = Val::Str("☕😀\n".into());
        assert_eq!(
            stringify(&emoji, Runtime::Python, JsonStyle::Compact)
                .unwrap()
                .unwrap(),
            r#""\u2615\ud83d\ude00\n""#
        );
        assert_eq!(
            stringify(&Val::Undefined, Runtime::Node, JsonStyle::Compact).unwrap(),
            None
        );
    }

    #[test]
    fn undefined_members_are_dropped_by_json_stringify() {
        let mut m = IndexMap::new();
        m.insert("a".to_string(), Val::Undefined);
        m.insert("b".to_string(), Val::Arr(vec![Val::Undefined]));
        assert_eq!(
            stringify(&Val::Obj(m), Runtime::Node, JsonStyle::Compact)
                .unwrap()
                .unwrap(),
            r#"{"b":[null]}"#
        );
    }

    #[test]
    fn to_string_matches_string_and_str() {
        let v = Val::from_json(&json!({"a": [1, "x'"], "b": null}), Runtime::Python);
        assert_eq!(
            to_string(&v, Runtime::Python),
            r#"{'a': [1, "x'"], 'b': None}"#
        );
        let v = Val::from_json(&json!([1, null, [2, 3], {"a": 1}]), Runtime::Node);
        assert_eq!(to_string(&v, Runtime::Node), "1,,2,3,[object Object]");
        assert_eq!(to_string(&Val::Bool(true), Runtime::Python), "True");
        assert_eq!(to_string(&Val::Undefined, Runtime::Node), "undefined");
    }

    #[test]
    fn returned_values_become_what_step_functions_parses() {
        assert_eq!(
            returned_json(&Val::Undefined, Runtime::Node).unwrap(),
            Value::Null
        );
        let d = Val::Num(Num::Decimal("1".into()));
        assert_eq!(
            returned_json(&d, Runtime::Python).unwrap_err().error_type,
            "Runtime.MarshalError"
        );
        let big = Val::from_json(&json!(9007199254740993u64), Runtime::Node);
        assert_eq!(
            returned_json(&big, Runtime::Node).unwrap(),
            json!(9007199254740992u64)
        );
    }
}
