//! JSONPath (as Step Functions implements it, on top of Jayway JsonPath) and reference paths
//! (ResultPath). Owned by the path/intrinsics work (issue 3).
//!
//! A path is parsed once into a [`CompiledPath`]; [`select`] and [`assign`] keep a small
//! per-thread cache of parsed paths so that callers passing strings pay the parse only once.
//!
//! Semantics (AWS: <https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html>):
//! - roots: `$` the input, `$$` the context object, `$name` a workflow variable;
//! - a definite path (only names and single indices) selects one node or nothing (`None`);
//! - an indefinite path (`[*]`, `..`, slices, unions, filters) always gives an array, possibly
//!   empty, even where an intermediate node is missing (recorded case
//!   `test_json_path_array_wildcard_or_slice_with_no_input`).

pub(crate) mod filter;
pub(crate) mod fnv;
mod parse;

use super::{AslError, Scope};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub use parse::parse;

/// Where a path starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    /// `$`: the state's input.
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

/// One step of a path.
#[derive(Debug, Clone)]
pub enum Segment {
    /// `.name` or `['name']`.
    Child(String),
    /// `['a','b']`.
    Children(Vec<String>),
    /// `[3]` or `[-1]` (from the end).
    Index(i64),
    /// `[0,2]`.
    Indexes(Vec<i64>),
    /// `[a:b]` / `[a:b:step]`, Python-like bounds.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `.*` or `[*]`: every element of an array or value of an object.
    Wildcard,
    /// `..x`: the following segment applied to the node and all its descendants.
    DeepScan(Box<Segment>),
    /// `[?(...)]`.
    Filter(Box<filter::Expr>),
    /// `.length()` (Jayway function): size of an array, object or string.
    Length,
}

impl Segment {
    fn is_definite(&self) -> bool {
        matches!(
            self,
            Segment::Child(_) | Segment::Index(_) | Segment::Length
        )
    }
}

/// A parsed JSONPath expression.
#[derive(Debug, Clone)]
pub struct CompiledPath {
    pub root: Root,
    pub segments: Vec<Segment>,
    source: String,
    definite: bool,
}

impl CompiledPath {
    /// Parses `path`; the error is a `States.Runtime` naming the path.
    pub fn parse(path: &str) -> Result<CompiledPath, AslError> {
        parse::parse(path)
    }

    pub(crate) fn new(root: Root, segments: Vec<Segment>, source: &str) -> CompiledPath {
        // Jayway: a multi-name selection (`['a','b']`) as the last step merges into one object and
        // keeps the path definite.
        let n = segments.len();
        let definite = segments
            .iter()
            .enumerate()
            .all(|(i, s)| s.is_definite() || (i + 1 == n && matches!(s, Segment::Children(_))));
        CompiledPath {
            root,
            segments,
            source: source.to_string(),
            definite,
        }
    }

    /// The text the path was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when the path can select at most one node (no wildcards, slices, unions, filters, `..`).
    pub fn is_definite(&self) -> bool {
        self.definite
    }

    /// True when the path is a reference path usable as ResultPath: rooted at `$`, definite, and
    /// without functions.
    pub fn is_reference_path(&self) -> bool {
        self.root == Root::Input
            && self
                .segments
                .iter()
                .all(|s| matches!(s, Segment::Child(_) | Segment::Index(_)))
    }

    /// Jayway's normalized form (`$['a'][0]`), as AWS prints it in some causes, e.g.
    /// "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']"
    /// (recorded case `test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_OUTPUTPATH]`).
    pub fn jayway_string(&self) -> String {
        let mut out = match &self.root {
            Root::Input => "$".to_string(),
            Root::Context => "$$".to_string(),
            Root::Variable(v) => format!("${v}"),
        };
        for s in &self.segments {
            write_segment(&mut out, s);
        }
        out
    }

    /// Evaluates the path; see [`select`].
    pub fn select(&self, scope: &Scope) -> Result<Option<Value>, AslError> {
        Ok(self.select_cow(scope)?.map(Cow::into_owned))
    }

    /// Like [`CompiledPath::select`] but borrows from the scope where the path is definite.
    pub fn select_cow<'a>(&self, scope: &Scope<'a>) -> Result<Option<Cow<'a, Value>>, AslError> {
        let root: Option<&'a Value> = match &self.root {
            Root::Input => Some(scope.input),
            Root::Context => Some(scope.context),
            Root::Variable(name) => match scope.variables {
                Some(vars) => vars.get(name.as_str()),
                None => None,
            },
        };
        if self.definite {
            let Some(mut cur) = root else {
                return Ok(None);
            };
            for seg in &self.segments {
                match seg {
                    Segment::Child(name) => match cur.as_object().and_then(|o| o.get(name)) {
                        Some(v) => cur = v,
                        None => return Ok(None),
                    },
                    Segment::Index(ix) => match index_array(cur, *ix) {
                        Some(v) => cur = v,
                        None => return Ok(None),
                    },
                    Segment::Length => {
                        // A function ends the path in Jayway; anything after it is ignored.
                        return Ok(length_of(cur).map(|n| Cow::Owned(Value::from(n))));
                    }
                    Segment::Children(names) => {
                        return Ok(merge_names(cur, names).map(Cow::Owned));
                    }
                    _ => unreachable!("definite paths hold only names, indices and length()"),
                }
            }
            return Ok(Some(Cow::Borrowed(cur)));
        }
        let mut current: Vec<&'a Value> = root.into_iter().collect();
        let mut length_at_end = false;
        let mut merge_at_end: Option<&Vec<String>> = None;
        let n = self.segments.len();
        for (i, seg) in self.segments.iter().enumerate() {
            if matches!(seg, Segment::Length) {
                length_at_end = true;
                break;
            }
            if let (Segment::Children(names), true) = (seg, i + 1 == n) {
                merge_at_end = Some(names);
                break;
            }
            let mut next = Vec::with_capacity(current.len());
            for node in current {
                apply_segment(seg, node, scope, &mut next);
            }
            current = next;
        }
        let items: Vec<Value> = match merge_at_end {
            Some(names) => current
                .into_iter()
                .filter_map(|v| merge_names(v, names))
                .collect(),
            None => current.into_iter().cloned().collect(),
        };
        if length_at_end {
            // Jayway applies a trailing function to the collected result array.
            return Ok(Some(Cow::Owned(Value::from(items.len()))));
        }
        Ok(Some(Cow::Owned(Value::Array(items))))
    }

    /// Writes `value` at this reference path; see [`assign`]. On failure `target` is unchanged.
    pub fn assign(&self, target: &mut Value, value: Value) -> Result<(), AslError> {
        if !self.is_reference_path() {
            return Err(AslError::runtime(format!(
                "Invalid reference path '{}': a reference path must start with '$' and select a single node",
                self.source
            )));
        }
        if !self.can_assign(target) {
            // AWS: States.ResultPathMatchFailure, "Unable to apply ReferencePath $.partitioned to
            // input \"...\"" (cause reported in aws/aws-cdk#29473; error name in the Step Functions
            // error-handling docs).
            return Err(AslError::new(
                "States.ResultPathMatchFailure",
                format!(
                    "Unable to apply ReferencePath {} to input {}",
                    self.source,
                    serde_json::to_string(target).unwrap_or_default()
                ),
            ));
        }
        let mut cur = target;
        for seg in &self.segments {
            cur = match seg {
                Segment::Child(name) => match cur {
                    Value::Object(obj) => obj
                        .entry(name.clone())
                        .or_insert_with(|| Value::Object(Map::new())),
                    _ => unreachable!("checked by can_assign"),
                },
                Segment::Index(ix) => match cur {
                    Value::Array(arr) => {
                        let len = arr.len() as i64;
                        let real = if *ix < 0 { len + ix } else { *ix };
                        &mut arr[real as usize]
                    }
                    _ => unreachable!("checked by can_assign"),
                },
                _ => unreachable!("checked by is_reference_path"),
            };
        }
        *cur = value;
        Ok(())
    }

    /// True when every step of the reference path exists or can be created: names inside objects
    /// (missing ones become new objects) and indices inside existing arrays.
    fn can_assign(&self, target: &Value) -> bool {
        let mut cur = Some(target);
        for seg in &self.segments {
            match (seg, cur) {
                // A missing parent is created as an object: only names can follow it.
                (Segment::Child(_), None) => {}
                (Segment::Child(name), Some(Value::Object(obj))) => cur = obj.get(name),
                (Segment::Index(ix), Some(v @ Value::Array(_))) => match index_array(v, *ix) {
                    Some(x) => cur = Some(x),
                    None => return false,
                },
                _ => return false,
            }
        }
        true
    }
}

fn write_segment(out: &mut String, s: &Segment) {
    use std::fmt::Write;
    match s {
        Segment::Child(n) => {
            let _ = write!(out, "['{n}']");
        }
        Segment::Children(ns) => {
            let parts: Vec<String> = ns.iter().map(|n| format!("'{n}'")).collect();
            let _ = write!(out, "[{}]", parts.join(","));
        }
        Segment::Index(i) => {
            let _ = write!(out, "[{i}]");
        }
        Segment::Indexes(is) => {
            let parts: Vec<String> = is.iter().map(|n| n.to_string()).collect();
            let _ = write!(out, "[{}]", parts.join(","));
        }
        Segment::Slice(a, b, step) => {
            let f = |x: &Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
            let _ = write!(out, "[{}:{}", f(a), f(b));
            if let Some(st) = step {
                let _ = write!(out, ":{st}");
            }
            out.push(']');
        }
        Segment::Wildcard => out.push_str("[*]"),
        Segment::DeepScan(inner) => {
            out.push_str("..");
            write_segment(out, inner);
        }
        Segment::Filter(_) => out.push_str("[?]"),
        Segment::Length => out.push_str(".length()"),
    }
}

/// `['a','b']` on an object: a new object with the names that exist (Jayway's multi-property merge).
fn merge_names(v: &Value, names: &[String]) -> Option<Value> {
    let obj = v.as_object()?;
    let mut out = Map::new();
    for n in names {
        if let Some(x) = obj.get(n) {
            out.insert(n.clone(), x.clone());
        }
    }
    Some(Value::Object(out))
}

fn index_array(v: &Value, ix: i64) -> Option<&Value> {
    let arr = v.as_array()?;
    let len = arr.len() as i64;
    let real = if ix < 0 { len + ix } else { ix };
    if real < 0 || real >= len {
        return None;
    }
    arr.get(real as usize)
}

fn length_of(v: &Value) -> Option<usize> {
    match v {
        Value::Array(a) => Some(a.len()),
        Value::Object(o) => Some(o.len()),
        Value::String(s) => Some(s.chars().count()),
        _ => None,
    }
}

/// Applies one segment of an indefinite path to `node`, pushing what it selects.
fn apply_segment<'a>(seg: &Segment, node: &'a Value, scope: &Scope<'a>, out: &mut Vec<&'a Value>) {
    match seg {
        Segment::Child(name) => {
            if let Some(v) = node.as_object().and_then(|o| o.get(name)) {
                out.push(v);
            }
        }
        Segment::Children(names) => {
            if let Some(o) = node.as_object() {
                out.extend(names.iter().filter_map(|n| o.get(n)));
            }
        }
        Segment::Index(ix) => out.extend(index_array(node, *ix)),
        Segment::Indexes(ixs) => out.extend(ixs.iter().filter_map(|ix| index_array(node, *ix))),
        Segment::Slice(a, b, step) => {
            if let Some(arr) = node.as_array() {
                for i in slice_indices(arr.len(), *a, *b, *step) {
                    out.push(&arr[i]);
                }
            }
        }
        Segment::Wildcard => match node {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(o) => out.extend(o.values()),
            _ => {}
        },
        Segment::DeepScan(inner) => deep_scan(inner, node, scope, out),
        Segment::Filter(expr) => match node {
            Value::Array(a) => {
                for item in a {
                    if expr.matches(item, scope) {
                        out.push(item);
                    }
                }
            }
            // Jayway applies a filter on an object to the object itself.
            Value::Object(_) if expr.matches(node, scope) => out.push(node),
            _ => {}
        },
        Segment::Length => {}
    }
}

fn deep_scan<'a>(inner: &Segment, node: &'a Value, scope: &Scope<'a>, out: &mut Vec<&'a Value>) {
    match inner {
        // `..*` yields every descendant (not the node itself).
        Segment::Wildcard => match node {
            Value::Array(a) => {
                for v in a {
                    out.push(v);
                    deep_scan(inner, v, scope, out);
                }
            }
            Value::Object(o) => {
                for v in o.values() {
                    out.push(v);
                    deep_scan(inner, v, scope, out);
                }
            }
            _ => {}
        },
        _ => {
            match inner {
                // Jayway's scan tests a filter against each object it walks (not array elements as
                // a group), so every matching object is selected exactly once.
                Segment::Filter(expr) => {
                    if node.is_object() && expr.matches(node, scope) {
                        out.push(node);
                    }
                }
                _ => apply_segment(inner, node, scope, out),
            }
            match node {
                Value::Array(a) => {
                    for v in a {
                        deep_scan(inner, v, scope, out);
                    }
                }
                Value::Object(o) => {
                    for v in o.values() {
                        deep_scan(inner, v, scope, out);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Indices selected by a slice over an array of `len` items (negative bounds count from the end).
fn slice_indices(len: usize, a: Option<i64>, b: Option<i64>, step: Option<i64>) -> Vec<usize> {
    let len = len as i64;
    let step = step.unwrap_or(1);
    if step == 0 {
        return Vec::new();
    }
    let norm = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
    let mut out = Vec::new();
    if step > 0 {
        let start = a.map(norm).unwrap_or(0);
        let end = b.map(norm).unwrap_or(len);
        let mut i = start;
        while i < end {
            out.push(i as usize);
            i += step;
        }
    } else {
        let start = a
            .map(|x| if x < 0 { len + x } else { x.min(len - 1) })
            .unwrap_or(len - 1);
        let end = b.map(|x| if x < 0 { len + x } else { x }).unwrap_or(-1);
        let mut i = start;
        while i > end && i >= 0 {
            if i < len {
                out.push(i as usize);
            }
            i += step;
        }
    }
    out
}

const CACHE_LIMIT: usize = 4096;

thread_local! {
    static CACHE: RefCell<HashMap<String, Rc<CompiledPath>, fnv::FnvBuild>> = RefCell::new(HashMap::default());
}

/// Parses `path` once per thread and reuses the parsed form afterwards.
pub fn compiled(path: &str) -> Result<Rc<CompiledPath>, AslError> {
    if let Some(hit) = CACHE.with(|c| c.borrow().get(path).cloned()) {
        return Ok(hit);
    }
    let parsed = Rc::new(parse::parse(path)?);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(path.to_string(), parsed.clone());
    });
    Ok(parsed)
}

/// True when `path` parses as a JSONPath expression (for static validation).
pub fn is_valid(path: &str) -> bool {
    parse::parse(path).is_ok()
}

/// Evaluates `path` (`$...`, `$$...`, `$var...`) in `scope`.
/// `Ok(None)` when a definite path selects nothing; an indefinite path (`[*]`, `..`, filters,
/// slices, unions) gives `Ok(Some(array))`, possibly empty.
pub fn select(path: &str, scope: &Scope) -> Result<Option<Value>, AslError> {
    compiled(path)?.select(scope)
}

/// Writes `value` into `target` at reference path `path` (ResultPath semantics: creates
/// missing objects, `$` replaces the whole target).
pub fn assign(target: &mut Value, path: &str, value: Value) -> Result<(), AslError> {
    compiled(path)?.assign(target, value)
}

#[cfg(test)]
mod tests;
