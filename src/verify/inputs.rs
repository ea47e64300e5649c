//! Execution inputs for verification: the samples, and inputs generated from them (seeded,
//! reproducible): edge values of the types the samples show (empty and unicode strings, zero,
//! negative, fractional and huge numbers, empty and longer arrays, dropped optional fields,
//! extra fields, a value near the 256 KiB payload limit), and, marked out of domain, values of
//! other types and dropped required fields. A counterexample is shrunk to a minimal input.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{json, Value};

/// SplitMix64: small, fast, and the same on every platform (reproducible `--seed`).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// JSON kinds; integers and fractions are one kind (JSON has one number type).
const NULL: u8 = 1;
const BOOL: u8 = 2;
const NUMBER: u8 = 4;
const STRING: u8 = 8;
const ARRAY: u8 = 16;
const OBJECT: u8 = 32;

fn kind(v: &Value) -> u8 {
    match v {
        Value::Null => NULL,
        Value::Bool(_) => BOOL,
        Value::Number(_) => NUMBER,
        Value::String(_) => STRING,
        Value::Array(_) => ARRAY,
        Value::Object(_) => OBJECT,
    }
}

/// What the samples show about a value: its kinds, its fields (with how often each is present),
/// and its array items.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    kinds: u8,
    objects_seen: usize,
    fields: IndexMap<String, (Shape, usize)>,
    items: Option<Box<Shape>>,
    /// Strings seen, and how many of them are JSON documents (an object or array as text, such
    /// as an API Gateway `body`).
    strings_seen: usize,
    json_documents_seen: usize,
}

impl Shape {
    pub fn infer<'a>(samples: impl IntoIterator<Item = &'a Value>) -> Shape {
        let mut s = Shape::default();
        for v in samples {
            s.absorb(v);
        }
        s
    }

    fn absorb(&mut self, v: &Value) {
        self.kinds |= kind(v);
        match v {
            Value::String(s) => {
                self.strings_seen += 1;
                self.json_documents_seen += is_json_document(s) as usize;
            }
            Value::Object(map) => {
                self.objects_seen += 1;
                for (k, fv) in map {
                    let entry = self.fields.entry(k.clone()).or_default();
                    entry.0.absorb(fv);
                    entry.1 += 1;
                }
            }
            Value::Array(items) => {
                let s = self.items.get_or_insert_with(Default::default);
                for i in items {
                    s.absorb(i);
                }
            }
            _ => {}
        }
    }

    /// Every sample string here is JSON text of an object or array: a handler that parses it
    /// relies on that, so other text is out of the samples' domain (and in-domain variations
    /// stay JSON text).
    pub fn holds_json_text(&self) -> bool {
        self.strings_seen > 0 && self.json_documents_seen == self.strings_seen
    }

    fn required(&self, key: &str) -> bool {
        self.fields
            .get(key)
            .map(|(_, n)| *n == self.objects_seen && self.objects_seen > 0)
            .unwrap_or(false)
    }

    /// Is `v` of the kinds the samples show, with every always-present field present?
    /// Unseen fields and kinds of never-seen values (an empty array's items) are allowed.
    pub fn admits(&self, v: &Value) -> bool {
        if self.kinds == 0 {
            return true;
        }
        if self.kinds & kind(v) == 0 {
            return false;
        }
        match v {
            Value::Object(map) => self.fields.iter().all(|(k, (s, n))| match map.get(k) {
                Some(fv) => s.admits(fv),
                None => *n < self.objects_seen,
            }),
            Value::Array(items) => match &self.items {
                Some(s) => items.iter().all(|i| s.admits(i)),
                None => true,
            },
            Value::String(s) if self.holds_json_text() => serde_json::from_str::<Value>(s).is_ok(),
            _ => true,
        }
    }
}

fn is_json_document(s: &str) -> bool {
    let t = s.trim_start();
    (t.starts_with('{') || t.starts_with('['))
        && serde_json::from_str::<Value>(s).is_ok_and(|v| v.is_object() || v.is_array())
}

/// JSON documents at the edges (empty, nested, escapes, non-ASCII, numbers) for a string the
/// samples only ever held as JSON text.
const JSON_DOCUMENTS: &[&str] = &[
    "{}",
    "[]",
    "{\"json\":\"inside\"}",
    "{\"a\":[1,2.5,{\"b\":null}],\"c\":true}",
    "[\"zoë ☕\",\"quote\\\" back\\\\slash\"]",
    "{\"n\":12.345,\"big\":1e21}",
    " { \"spaced\" : 1 } ",
];

/// One input to verify with, and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Input {
    /// `sample order-basic.json`, or `generated #17: $.orderId = ""`.
    pub name: String,
    pub value: Value,
    /// Consistent with the types the samples show (a difference on it is a counterexample).
    pub in_domain: bool,
}

/// Step Functions' payload quota (256 KiB) minus some room for the rest of the input.
const NEAR_LIMIT_BYTES: usize = 250 * 1024;

const STRINGS: &[&str] = &[
    "",
    " ",
    "zoë ☕ für Jürgen",
    "😀 \u{2028} 中文",
    "quote\" back\\slash / tab\t newline\n",
    "0",
    "123",
    "true",
    "null",
    "{\"json\":\"inside\"}",
    "$.notAPath",
];

fn edge_number(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!(0),
        1 => json!(-1),
        2 => json!(0.1),
        3 => json!(12.345),
        4 => json!(1e21),
        5 => json!(9007199254740993u64),
        6 => json!(-0.0),
        7 => json!(1.5e-7),
        8 => json!(1_000_000),
        _ => json!((rng.below(100_000) as f64) / 100.0),
    }
}

fn edge_string(rng: &mut Rng) -> Value {
    if rng.chance(12) {
        let mut s = String::new();
        for i in 0..8 {
            s.push(char::from(b'a' + rng.below(26) as u8));
            if i == 3 {
                s.push('-');
            }
        }
        return Value::String(s);
    }
    Value::String(STRINGS[rng.below(STRINGS.len())].to_string())
}

/// A value of the same kind as `v`, at the edges of that kind.
fn same_kind(v: &Value, shape: &Shape, rng: &mut Rng) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Bool(b) => Value::Bool(!b),
        Value::Number(_) => edge_number(rng),
        Value::String(_) if shape.holds_json_text() => {
            Value::String(JSON_DOCUMENTS[rng.below(JSON_DOCUMENTS.len())].to_string())
        }
        Value::String(_) => edge_string(rng),
        Value::Array(items) => {
            let mut items = items.clone();
            match rng.below(4) {
                0 => items.clear(),
                1 if !items.is_empty() => {
                    let i = rng.below(items.len());
                    items.push(items[i].clone());
                }
                2 if !items.is_empty() => {
                    items.remove(rng.below(items.len()));
                }
                _ if !items.is_empty() => {
                    let i = rng.below(items.len());
                    let s = shape.items.as_deref().cloned().unwrap_or_default();
                    items[i] = mutate(&items[i], &s, rng, true, &mut String::new(), "");
                }
                _ => {}
            }
            Value::Array(items)
        }
        Value::Object(_) => v.clone(),
    }
}

fn other_kind(v: &Value, rng: &mut Rng) -> Value {
    let options = [
        Value::Null,
        json!(42),
        json!("42"),
        json!(true),
        json!([]),
        json!({"nested": "value"}),
    ];
    loop {
        let c = options[rng.below(options.len())].clone();
        if kind(&c) != kind(v) {
            return c;
        }
    }
}

/// Mutates one place of `v`; `in_domain` keeps to the kinds and required fields of `shape`.
/// `what` receives a description such as `$.items[0].price = 0.1`.
fn mutate(
    v: &Value,
    shape: &Shape,
    rng: &mut Rng,
    in_domain: bool,
    what: &mut String,
    at: &str,
) -> Value {
    match v {
        Value::Object(map) if !map.is_empty() && !rng.chance(8) => {
            let keys: Vec<&String> = map.keys().collect();
            let key = keys[rng.below(keys.len())].clone();
            let child_at = format!("{at}.{key}");
            let mut out = map.clone();
            let field_shape = shape
                .fields
                .get(&key)
                .map(|(s, _)| s.clone())
                .unwrap_or_default();
            let required = shape.required(&key);
            if (!required || !in_domain) && rng.chance(4) {
                out.remove(&key);
                *what = format!("{child_at} removed");
            } else {
                let nv = mutate(&map[&key], &field_shape, rng, in_domain, what, &child_at);
                out.insert(key, nv);
            }
            Value::Object(out)
        }
        Value::Object(map) => {
            let mut out = map.clone();
            let extra = edge_string(rng);
            *what = format!("{at}.extraField = {extra}");
            out.insert("extraField".into(), extra);
            Value::Object(out)
        }
        Value::Array(items) if !items.is_empty() && rng.chance(2) => {
            let i = rng.below(items.len());
            let mut out = items.clone();
            let s = shape.items.as_deref().cloned().unwrap_or_default();
            out[i] = mutate(&items[i], &s, rng, in_domain, what, &format!("{at}[{i}]"));
            Value::Array(out)
        }
        leaf => {
            let nv = if in_domain {
                same_kind(leaf, shape, rng)
            } else {
                other_kind(leaf, rng)
            };
            *what = format!("{} = {}", if at.is_empty() { "$" } else { at }, short(&nv));
            nv
        }
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// Replaces the longest string leaf (or adds a field) so the input is close to the payload limit.
fn near_limit(v: &Value) -> Value {
    let mut out = v.clone();
    let size = out.to_string().len();
    let pad = "x".repeat(NEAR_LIMIT_BYTES.saturating_sub(size));
    if let Value::Object(map) = &mut out {
        if let Some((_, s)) = map.iter_mut().find(|(_, v)| v.is_string()) {
            *s = Value::String(pad);
            return out;
        }
        map.insert("padding".into(), Value::String(pad));
    }
    out
}

/// The simple field paths (`$.a.b`) a definition reads: Choice variables, Parameters and
/// ResultSelector paths, intrinsic arguments. Generated inputs vary them directly.
pub fn paths_read(definition: &Value) -> Vec<Vec<String>> {
    let text = definition.to_string();
    let re = regex::Regex::new(r"\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)").expect("valid regex");
    let mut out: Vec<Vec<String>> = Vec::new();
    for cap in re.captures_iter(&text) {
        let start = cap.get(0).map(|m| m.start()).unwrap_or(0);
        // `$$.Execution...` is the context object, not the input.
        if start > 0 && text.as_bytes()[start - 1] == b'$' {
            continue;
        }
        let path: Vec<String> = cap[1]
            .split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

/// Sets (`Some`) or removes (`None`) the value at an object path, creating objects on the way.
fn set_path(v: &mut Value, path: &[String], new: Option<Value>) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Value::Object(map) = v else { return };
    if rest.is_empty() {
        match new {
            Some(n) => {
                map.insert(first.clone(), n);
            }
            None => {
                map.shift_remove(first);
            }
        }
        return;
    }
    if new.is_none() && !map.contains_key(first) {
        return;
    }
    let child = map.entry(first.clone()).or_insert_with(|| json!({}));
    if !child.is_object() {
        *child = json!({});
    }
    set_path(child, rest, new);
}

fn get_path<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(v, |cur, k| cur.get(k))
}

/// One input varied at a path the states or handlers read.
fn focused(base: &Value, shape: &Shape, path: &[String], rng: &mut Rng) -> (Value, String) {
    let mut v = base.clone();
    let at = format!("$.{}", path.join("."));
    let current = get_path(base, path).cloned();
    let (new, what) = match rng.below(4) {
        0 => (None, format!("{at} removed")),
        1 => (Some(Value::Null), format!("{at} = null")),
        2 => {
            let n = match &current {
                Some(c) => same_kind(c, &Shape::default(), rng),
                None => edge_string(rng),
            };
            let w = format!("{at} = {}", short(&n));
            (Some(n), w)
        }
        _ => {
            let n = other_kind(current.as_ref().unwrap_or(&Value::Null), rng);
            let w = format!("{at} = {}", short(&n));
            (Some(n), w)
        }
    };
    let _ = shape;
    set_path(&mut v, path, new);
    (v, what)
}

/// `count` generated inputs from the samples, reproducible from `seed`. About one in five is out
/// of domain; about one in four varies one of the `focus` paths (what the states and handlers
/// read) directly.
pub fn generate(
    samples: &[Value],
    shape: &Shape,
    count: usize,
    seed: u64,
    focus: &[Vec<String>],
) -> Vec<Input> {
    let mut rng = Rng::new(seed);
    let bases: Vec<&Value> = if samples.is_empty() {
        vec![]
    } else {
        samples.iter().collect()
    };
    let empty = json!({});
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let base = if bases.is_empty() {
            &empty
        } else {
            bases[rng.below(bases.len())]
        };
        let in_domain = !rng.chance(5);
        let mut v = base.clone();
        let mut descr = Vec::new();
        if !focus.is_empty() && rng.chance(4) {
            let path = &focus[rng.below(focus.len())];
            let (nv, what) = focused(&v, shape, path, &mut rng);
            v = nv;
            descr.push(what);
        } else if in_domain && rng.chance(60) {
            v = near_limit(&v);
            descr.push("a string near the 256 KiB payload limit".to_string());
        } else {
            for _ in 0..1 + rng.below(3) {
                let mut what = String::new();
                v = mutate(&v, shape, &mut rng, in_domain, &mut what, "$");
                if !what.is_empty() {
                    descr.push(what);
                }
            }
        }
        // A mutation meant to stay in domain can still leave it (e.g. a value whose kind never
        // appeared); classify by the result, not the intent.
        let in_domain = shape.admits(&v);
        out.push(Input {
            name: format!("generated #{}: {}", n + 1, descr.join("; ")),
            value: v,
            in_domain,
        });
    }
    out
}

/// One-step simplifications of `v`: drop a field or item, empty a container, shorten a string,
/// zero a number; the same inside children.
fn candidates(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    match v {
        Value::Object(map) => {
            for k in map.keys() {
                let mut m = map.clone();
                m.shift_remove(k);
                out.push(Value::Object(m));
            }
            for (k, child) in map {
                for c in candidates(child) {
                    let mut m = map.clone();
                    m.insert(k.clone(), c);
                    out.push(Value::Object(m));
                }
            }
        }
        Value::Array(items) => {
            if !items.is_empty() {
                out.push(Value::Array(vec![]));
            }
            for i in 0..items.len() {
                let mut a = items.clone();
                a.remove(i);
                out.push(Value::Array(a));
            }
            for (i, child) in items.iter().enumerate() {
                for c in candidates(child) {
                    let mut a = items.clone();
                    a[i] = c;
                    out.push(Value::Array(a));
                }
            }
        }
        Value::String(s) if !s.is_empty() => {
            let chars: Vec<char> = s.chars().collect();
            if chars.len() > 1 {
                out.push(Value::String(chars[..chars.len() / 2].iter().collect()));
            }
            if s != "a" {
                out.push(Value::String("a".into()));
            }
        }
        Value::Number(n) if n.as_f64() != Some(0.0) => out.push(json!(0)),
        _ => {}
    }
    out
}

fn size(v: &Value) -> usize {
    match v {
        Value::Object(m) => 1 + m.iter().map(|(k, v)| k.len() + size(v)).sum::<usize>(),
        Value::Array(a) => 1 + a.iter().map(size).sum::<usize>(),
        Value::String(s) => 1 + s.len(),
        _ => 1,
    }
}

/// Greedy shrinking: keep taking the first simpler input that still fails, within `budget`
/// checks.
pub fn shrink(input: &Value, mut still_fails: impl FnMut(&Value) -> bool, budget: usize) -> Value {
    let mut best = input.clone();
    let mut spent = 0;
    'outer: loop {
        for c in candidates(&best) {
            if spent >= budget {
                break 'outer;
            }
            if size(&c) >= size(&best) {
                continue;
            }
            spent += 1;
            if still_fails(&c) {
                best = c;
                continue 'outer;
            }
        }
        break;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Value> {
        vec![
            json!({"orderId": "o-1", "customer": {"id": "c"}, "items": [{"sku": "A", "price": 1.5}]}),
            json!({"orderId": "o-2", "customer": {"id": "d"}, "items": [], "giftWrap": true}),
        ]
    }

    #[test]
    fn a_string_the_samples_hold_as_json_text_stays_json_text_in_domain() {
        let s = Shape::infer(&[json!({"body": "{\"id\":\"a\"}"}), json!({"body": "[1]"})]);
        assert!(s.admits(&json!({"body": "{}"})));
        assert!(s.admits(&json!({"body": "0"})));
        assert!(!s.admits(&json!({"body": "not json"})));
        // Plain text in one sample: any string is in domain.
        let plain = Shape::infer(&[json!({"body": "{}"}), json!({"body": "hello"})]);
        assert!(plain.admits(&json!({"body": "not json"})));
        // Numeric text is not a JSON document.
        assert!(!Shape::infer(&[json!({"n": "123"})]).fields["n"]
            .0
            .holds_json_text());
        let samples = vec![json!({"body": "{\"id\":\"a\"}"})];
        let shape = Shape::infer(&samples);
        for input in generate(&samples, &shape, 300, 3, &[]) {
            if input.in_domain {
                let body = input.value.get("body").and_then(Value::as_str);
                assert!(
                    body.is_none_or(|b| serde_json::from_str::<Value>(b).is_ok()),
                    "{}",
                    input.name
                );
            }
        }
    }

    #[test]
    fn shape_knows_required_fields_and_kinds() {
        let s = Shape::infer(&samples());
        assert!(s.admits(&json!({"orderId": "", "customer": {"id": "x"}, "items": []})));
        assert!(!s.admits(&json!({"orderId": 5, "customer": {"id": "x"}, "items": []})));
        assert!(!s.admits(&json!({"customer": {"id": "x"}, "items": []})));
    }

    #[test]
    fn generation_is_reproducible_and_mixed() {
        let s = samples();
        let shape = Shape::infer(&s);
        let a = generate(&s, &shape, 200, 7, &[]);
        let b = generate(&s, &shape, 200, 7, &[]);
        assert_eq!(
            a.iter().map(|i| &i.value).collect::<Vec<_>>(),
            b.iter().map(|i| &i.value).collect::<Vec<_>>()
        );
        let out = a.iter().filter(|i| !i.in_domain).count();
        assert!(out > 10 && out < 100, "{out} out-of-domain inputs");
        assert!(a.iter().any(|i| i.value.to_string().contains("zoë")));
        let c = generate(&s, &shape, 200, 8, &[]);
        assert_ne!(
            a[0].value.to_string() + &a[1].value.to_string(),
            c[0].value.to_string() + &c[1].value.to_string()
        );
    }

    #[test]
    fn paths_read_by_a_definition_are_varied() {
        let def = json!({"States": {"C": {"Variable": "$.orderId"}, "T": {"Parameters": {"x.$": "States.Format('{}', $.customer.id)", "c.$": "$$.Execution.Id"}}}});
        let paths = paths_read(&def);
        assert_eq!(
            paths,
            vec![
                vec!["orderId".to_string()],
                vec!["customer".to_string(), "id".to_string()]
            ]
        );
        let s = samples();
        let shape = Shape::infer(&s);
        let inputs = generate(&s, &shape, 100, 3, &paths);
        assert!(inputs
            .iter()
            .any(|i| i.name.contains("$.customer.id = null")));
        assert!(inputs
            .iter()
            .any(|i| i.name.contains("$.orderId removed") && i.value.get("orderId").is_none()));
    }

    #[test]
    fn shrinking_finds_a_small_input() {
        let big = json!({"orderId": "abcdef", "items": [{"sku": "A"}, {"sku": "B"}], "customer": {"id": "c", "email": "e"}});
        let small = shrink(
            &big,
            |v| v.get("orderId").and_then(Value::as_str).is_some(),
            500,
        );
        assert_eq!(small, json!({"orderId": "a"}));
    }
}
