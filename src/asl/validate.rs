//! Static validation of a definition (`lambdaless validate`), with JSON-pointer locations.
//! Owned by the path/intrinsics work (issue 3).
//!
//! Covers what statelint checks (StartAt/States present, Next/End, transition targets, reachability,
//! field types, paths, Choice rules, Retry/Catch) plus intrinsic function names and arity, JSONata vs
//! JSONPath fields, and Express-only rules. Every recorded definition in ../shared/asl-cases (all
//! accepted by AWS) validates without a problem (test `all_recorded_definitions_are_clean`).

mod fields;
mod state;

use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// Standard or Express: Express workflows reject some integration patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MachineType {
    #[default]
    Standard,
    Express,
}

/// What to validate against.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub machine_type: MachineType,
}

/// One problem found, located by a JSON pointer into the definition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub pointer: String,
    pub message: String,
}

/// The query language in force for a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryLanguage {
    JsonPath,
    Jsonata,
}

/// Validates a whole definition; an empty list means it is valid.
pub fn validate(definition: &Value, options: &Options) -> Vec<Problem> {
    let mut v = Validator {
        problems: Vec::new(),
        options: *options,
        top_ql: QueryLanguage::JsonPath,
        names: HashMap::new(),
    };
    let Some(obj) = definition.as_object() else {
        v.error("", "a state machine definition must be a JSON object");
        return v.problems;
    };
    if let Some(ql) = obj.get("QueryLanguage") {
        if let Some(q) = v.query_language(ql, "/QueryLanguage") {
            v.top_ql = q;
        }
    }
    for (k, val) in obj {
        let p = ptr("", k);
        match k.as_str() {
            "StartAt" | "States" | "QueryLanguage" => {}
            "Comment" | "Version" => v.expect_string(val, &p),
            "TimeoutSeconds" => v.expect_int(val, &p, 1, None),
            _ => v.error(&p, format!("unknown top-level field '{k}'")),
        }
    }
    let ql = v.top_ql;
    v.machine(obj, "", ql);
    v.problems
}

/// Escapes one JSON-pointer segment and appends it to `base`.
pub fn ptr(base: &str, segment: &str) -> String {
    let mut out = String::with_capacity(base.len() + segment.len() + 1);
    out.push_str(base);
    out.push('/');
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) struct Validator {
    pub problems: Vec<Problem>,
    pub options: Options,
    pub top_ql: QueryLanguage,
    /// Every state name seen so far, with its pointer (names are unique across the whole machine).
    names: HashMap<String, String>,
}

/// AWS: state names are at most 80 characters.
const MAX_STATE_NAME: usize = 80;

impl Validator {
    pub fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            pointer: pointer.to_string(),
            message: message.into(),
        });
    }

    pub fn query_language(&mut self, v: &Value, p: &str) -> Option<QueryLanguage> {
        match v.as_str() {
            Some("JSONPath") => Some(QueryLanguage::JsonPath),
            Some("JSONata") => Some(QueryLanguage::Jsonata),
            _ => {
                self.error(p, "QueryLanguage must be \"JSONPath\" or \"JSONata\"");
                None
            }
        }
    }

    pub fn expect_string(&mut self, v: &Value, p: &str) {
        if !v.is_string() {
            self.error(p, format!("must be a string, found {}", kind(v)));
        }
    }

    /// An integer within [min, max].
    pub fn expect_int(&mut self, v: &Value, p: &str, min: i64, max: Option<i64>) {
        let n = v.as_i64().or_else(|| {
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        });
        match n {
            None => self.error(p, format!("must be an integer, found {}", kind(v))),
            Some(n) if n < min => self.error(p, format!("must be at least {min}, found {n}")),
            Some(n) if max.is_some_and(|m| n > m) => self.error(
                p,
                format!("must be at most {}, found {n}", max.unwrap_or(n)),
            ),
            _ => {}
        }
    }

    /// Validates one (sub-)machine: `StartAt`, `States`, transitions and reachability.
    pub fn machine(&mut self, obj: &Map<String, Value>, base: &str, ql: QueryLanguage) {
        let start = match obj.get("StartAt") {
            None => {
                self.error(base, "missing required field 'StartAt'");
                None
            }
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => {
                self.error(
                    &ptr(base, "StartAt"),
                    format!("must be a string, found {}", kind(other)),
                );
                None
            }
        };
        let states_ptr = ptr(base, "States");
        let states = match obj.get("States") {
            None => {
                self.error(base, "missing required field 'States'");
                return;
            }
            Some(Value::Object(m)) if m.is_empty() => {
                self.error(&states_ptr, "must contain at least one state");
                return;
            }
            Some(Value::Object(m)) => m,
            Some(other) => {
                self.error(
                    &states_ptr,
                    format!("must be an object, found {}", kind(other)),
                );
                return;
            }
        };
        if let Some(s) = start {
            if !states.contains_key(s) {
                self.error(
                    &ptr(base, "StartAt"),
                    format!("StartAt '{s}' is not a state of this machine"),
                );
            }
        }
        for (name, st) in states {
            let sp = ptr(&states_ptr, name);
            if name.is_empty() || name.chars().count() > MAX_STATE_NAME {
                self.error(
                    &sp,
                    format!("state names must be 1 to {MAX_STATE_NAME} characters long"),
                );
            }
            if let Some(prev) = self.names.insert(name.clone(), sp.clone()) {
                self.error(&sp, format!("state name '{name}' is already used at {prev}; names must be unique in the whole state machine"));
            }
            match st.as_object() {
                Some(o) => state::check(self, name, o, &sp, states, ql),
                None => self.error(
                    &sp,
                    format!("a state must be an object, found {}", kind(st)),
                ),
            }
        }
        // Reachability from StartAt.
        if let Some(s) = start.filter(|s| states.contains_key(*s)) {
            let mut seen: HashSet<&str> = HashSet::new();
            let mut todo = vec![s];
            while let Some(n) = todo.pop() {
                if !seen.insert(n) {
                    continue;
                }
                if let Some(st) = states.get(n).and_then(Value::as_object) {
                    for t in transitions(st) {
                        if states.contains_key(t) {
                            todo.push(t);
                        }
                    }
                }
            }
            for name in states.keys() {
                if !seen.contains(name.as_str()) {
                    self.error(
                        &ptr(&states_ptr, name),
                        format!("state '{name}' is not reachable from StartAt"),
                    );
                }
            }
        }
    }
}

/// Every state name a state can transition to.
fn transitions(st: &Map<String, Value>) -> Vec<&str> {
    let mut out = Vec::new();
    if let Some(n) = st.get("Next").and_then(Value::as_str) {
        out.push(n);
    }
    if let Some(n) = st.get("Default").and_then(Value::as_str) {
        out.push(n);
    }
    for key in ["Choices", "Catch"] {
        if let Some(list) = st.get(key).and_then(Value::as_array) {
            out.extend(
                list.iter()
                    .filter_map(|r| r.get("Next").and_then(Value::as_str)),
            );
        }
    }
    out
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
