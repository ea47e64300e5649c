//! Runtime values of the JSONata evaluator. JSON values plus functions, with arrays carrying the
//! flags jsonata-js keeps on its arrays: `seq` (a result sequence, collapsed to its single item when
//! it has one), `keep` (keep a singleton sequence as an array: `[]` in a path), `cons` (built by an
//! array constructor at the start or end of a path, not flattened), `outer` (the wrapped input).
//! `None` (an absent `Option<V>`) is JSONata's undefined.

use indexmap::IndexMap;
use serde_json::Value;
use std::rc::Rc;
use std::sync::Arc;

use super::ast::{Expr, Signature};
use super::error::Fail;
use super::eval::Frame;
use super::functions::Builtin;

pub type Obj = IndexMap<String, V>;

#[derive(Clone, Debug)]
pub enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Arr(Rc<Array>),
    Obj(Rc<Obj>),
    Func(Rc<Function>),
}

#[derive(Clone, Debug, Default)]
pub struct Array {
    pub items: Vec<V>,
    pub seq: bool,
    pub keep: bool,
    pub cons: bool,
    pub outer: bool,
}

pub enum Function {
    Lambda {
        params: Vec<String>,
        body: Arc<Expr>,
        signature: Option<Arc<Signature>>,
        env: Rc<Frame>,
        /// The context (`$`) at the point of definition; the body is evaluated against it.
        input: Option<V>,
    },
    Builtin(&'static Builtin),
    /// A function with some arguments fixed (`$f(?, 2)`): `None` entries are the placeholders.
    Partial {
        func: V,
        args: Vec<Option<Option<V>>>,
    },
    Regex(Arc<regex::Regex>),
    /// `$f ~> $g`: apply `first`, then `second` to its result.
    Chain {
        first: V,
        second: V,
    },
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Function::Lambda { params, .. } => write!(f, "lambda({})", params.join(",")),
            Function::Builtin(b) => write!(f, "builtin ${}", b.name),
            Function::Partial { .. } => write!(f, "partial"),
            Function::Regex(r) => write!(f, "/{}/", r.as_str()),
            Function::Chain { .. } => write!(f, "chain"),
        }
    }
}

impl V {
    pub fn str(s: &str) -> V {
        V::Str(Rc::from(s))
    }
    pub fn string(s: String) -> V {
        V::Str(Rc::from(s))
    }
    pub fn array(items: Vec<V>) -> V {
        V::Arr(Rc::new(Array {
            items,
            ..Default::default()
        }))
    }
    pub fn seq(items: Vec<V>) -> V {
        V::Arr(Rc::new(Array {
            items,
            seq: true,
            ..Default::default()
        }))
    }
    pub fn object(o: Obj) -> V {
        V::Obj(Rc::new(o))
    }
    pub fn as_arr(&self) -> Option<&Array> {
        match self {
            V::Arr(a) => Some(a),
            _ => None,
        }
    }
    pub fn is_seq(&self) -> bool {
        matches!(self, V::Arr(a) if a.seq)
    }
    pub fn is_func(&self) -> bool {
        matches!(self, V::Func(_))
    }
    pub fn as_num(&self) -> Option<f64> {
        match self {
            V::Num(n) => Some(*n),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The signature symbol of a value (jsonata-js `getSymbol`).
    pub fn symbol(v: &Option<V>) -> char {
        match v {
            None => 'm',
            Some(V::Null) => 'l',
            Some(V::Bool(_)) => 'b',
            Some(V::Num(_)) => 'n',
            Some(V::Str(_)) => 's',
            Some(V::Arr(_)) => 'a',
            Some(V::Obj(_)) => 'o',
            Some(V::Func(_)) => 'f',
        }
    }
    /// JSONata `$type` names.
    pub fn type_name(&self) -> &'static str {
        match self {
            V::Null => "null",
            V::Bool(_) => "boolean",
            V::Num(_) => "number",
            V::Str(_) => "string",
            V::Arr(_) => "array",
            V::Obj(_) => "object",
            V::Func(_) => "function",
        }
    }
}

/// Array flags helpers that clone the array only when it is shared.
pub fn with_flags(v: V, f: impl FnOnce(&mut Array)) -> V {
    match v {
        V::Arr(mut a) => {
            f(Rc::make_mut(&mut a));
            V::Arr(a)
        }
        other => other,
    }
}

/// Converts JSON input into a runtime value. Deeply nested input is rejected rather than
/// overflowing the stack.
pub fn from_json(v: &Value) -> Result<V, Fail> {
    from_json_at(v, 0)
}

/// Deepest JSON nesting accepted (far beyond what state payloads use).
const MAX_JSON_DEPTH: usize = 300;

fn from_json_at(v: &Value, depth: usize) -> Result<V, Fail> {
    if depth > MAX_JSON_DEPTH {
        return Err(Fail::new("U1001"));
    }
    Ok(match v {
        Value::Null => V::Null,
        Value::Bool(b) => V::Bool(*b),
        Value::Number(n) => V::Num(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => V::str(s),
        Value::Array(a) => {
            let mut items = Vec::with_capacity(a.len());
            for x in a {
                items.push(from_json_at(x, depth + 1)?);
            }
            V::array(items)
        }
        Value::Object(o) => {
            let mut m = Obj::with_capacity(o.len());
            for (k, x) in o {
                m.insert(k.clone(), from_json_at(x, depth + 1)?);
            }
            V::object(m)
        }
    })
}

/// Converts a result back to JSON. Functions cannot be represented (`UNSUPPORTED_RESULT`).
pub fn to_json(v: &V) -> Result<Value, Fail> {
    to_json_at(v, 0)
}

fn to_json_at(v: &V, depth: usize) -> Result<Value, Fail> {
    if depth > MAX_JSON_DEPTH {
        return Err(Fail::new("U1001"));
    }
    Ok(match v {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(*b),
        V::Num(n) => number_to_json(*n)?,
        V::Str(s) => Value::String(s.to_string()),
        V::Arr(a) => {
            let mut out = Vec::with_capacity(a.items.len());
            for x in &a.items {
                out.push(to_json_at(x, depth + 1)?);
            }
            Value::Array(out)
        }
        V::Obj(o) => {
            let mut m = serde_json::Map::with_capacity(o.len());
            for (k, x) in o.iter() {
                m.insert(k.clone(), to_json_at(x, depth + 1)?);
            }
            Value::Object(m)
        }
        V::Func(_) => return Err(Fail::new(super::error::UNSUPPORTED_RESULT)),
    })
}

/// Integers stay integers in JSON (1.0 → 1, -0 → 0), as JavaScript's JSON.stringify prints them.
pub fn number_to_json(n: f64) -> Result<Value, Fail> {
    if !n.is_finite() {
        return Err(Fail::new("D1001").with_value(Some(V::Num(n))));
    }
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        return Ok(Value::from(n as i64));
    }
    Ok(serde_json::Number::from_f64(n)
        .map(Value::Number)
        .unwrap_or(Value::Null))
}

/// JavaScript `Number.prototype.toString()` for finite and non-finite numbers.
pub fn js_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 {
        return "0".into();
    }
    let neg = n < 0.0;
    // Rust's `{:e}` yields the shortest round-tripping digits, as JavaScript does.
    let sci = format!("{:e}", n.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let point = exp + 1; // position of the decimal point relative to the digits
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if k <= point && point <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (point - k) as usize));
    } else if 0 < point && point <= 21 {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    } else if -6 < point && point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else {
        let e = point - 1;
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if e >= 0 { '+' } else { '-' });
        out.push_str(&e.abs().to_string());
    }
    out
}

/// `Number(n.toPrecision(15))`: how `$string` and `&` round numbers before printing.
pub fn to_precision_15(n: f64) -> f64 {
    if !n.is_finite() || n == 0.0 {
        return n;
    }
    format!("{:.14e}", n).parse().unwrap_or(n)
}

/// `JSON.stringify` with jsonata's replacer (numbers at 15 significant digits, functions as "").
pub fn stringify(v: &V, pretty: bool) -> String {
    let mut out = String::new();
    write_json(v, pretty, 0, &mut out);
    out
}

fn write_json(v: &V, pretty: bool, indent: usize, out: &mut String) {
    match v {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Num(n) => {
            if n.is_finite() {
                out.push_str(&js_number(to_precision_15(*n)))
            } else {
                out.push_str("null")
            }
        }
        V::Str(s) => out.push_str(&serde_json::to_string(&**s).unwrap_or_default()),
        V::Func(_) => out.push_str("\"\""),
        V::Arr(a) => {
            if a.items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, x) in a.items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(pretty, indent + 1, out);
                write_json(x, pretty, indent + 1, out);
            }
            newline(pretty, indent, out);
            out.push(']');
        }
        V::Obj(o) => {
            if o.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(pretty, indent + 1, out);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                write_json(x, pretty, indent + 1, out);
            }
            newline(pretty, indent, out);
            out.push('}');
        }
    }
}

fn newline(pretty: bool, indent: usize, out: &mut String) {
    if pretty {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', indent * 2));
    }
}

/// Deep equality of JSON values (jsonata 2.x `isDeepEqual`); functions compare by identity.
pub fn deep_equal(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Num(x), V::Num(y)) => x == y,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Arr(x), V::Arr(y)) => {
            x.items.len() == y.items.len()
                && x.items
                    .iter()
                    .zip(y.items.iter())
                    .all(|(p, q)| deep_equal(p, q))
        }
        (V::Obj(x), V::Obj(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (V::Func(x), V::Func(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(js_number(1.0), "1");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(1e20), "100000000000000000000");
        assert_eq!(js_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(js_number(1e-7), "1e-7");
        assert_eq!(js_number(0.000001), "0.000001");
        assert_eq!(js_number(123.456), "123.456");
        assert_eq!(js_number(-1.5e-10), "-1.5e-10");
        assert_eq!(js_number(to_precision_15(1.0 / 3.0)), "0.333333333333333");
        assert_eq!(js_number(to_precision_15(0.1 + 0.2)), "0.3");
    }

    #[test]
    fn json_round_trip_keeps_integers_and_order() {
        let j = serde_json::json!({"z": 1, "a": [1.5, -0.0, null, true, "s"]});
        let v = from_json(&j).unwrap();
        let back = to_json(&v).unwrap();
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            r#"{"z":1,"a":[1.5,0,null,true,"s"]}"#
        );
    }

    #[test]
    fn stringify_compact_and_pretty() {
        let v = from_json(&serde_json::json!({"a": [1, {"b": 0.1}], "c": {}})).unwrap();
        assert_eq!(stringify(&v, false), r#"{"a":[1,{"b":0.1}],"c":{}}"#);
        assert_eq!(
            stringify(&v, true),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": 0.1\n    }\n  ],\n  \"c\": {}\n}"
        );
    }
}
