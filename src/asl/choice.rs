//! Choice rules (JSONPath flavour): every comparison operator, the *Path variants, And/Or/Not.
//! Owned by the path/intrinsics work (issue 3).
//!
//! Semantics (AWS: <https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html>), checked
//! against the 393 recorded `choice_operators` cases:
//! - a comparison whose Variable (or *Path operand) has the wrong type is false, not an error;
//! - a Variable that selects nothing fails the execution (States.Runtime), except for IsPresent;
//! - timestamps follow RFC 3339 with an uppercase `T` and `Z` (IsPresent/IsNumeric cases list
//!   `2012-10-09T19:00:55` and `2023-02-24` as non-timestamps).

mod timestamp;

use super::path::{self, filter::json_eq};
use super::{AslError, Scope};
use serde_json::{Map, Value};
use std::cmp::Ordering;

pub use timestamp::parse_timestamp;

/// The type family of a comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    String,
    Numeric,
    Boolean,
    Timestamp,
}

/// How a comparison operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Equals,
    LessThan,
    GreaterThan,
    LessThanEquals,
    GreaterThanEquals,
}

/// What a Choice rule operator is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Compare {
        family: Family,
        cmp: Cmp,
        path: bool,
    },
    StringMatches,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

impl Operator {
    /// Recognises an operator field name (`NumericLessThanEqualsPath`, `IsNull`, ...).
    pub fn from_name(name: &str) -> Option<Operator> {
        let simple = match name {
            "StringMatches" => Some(Operator::StringMatches),
            "IsNull" => Some(Operator::IsNull),
            "IsPresent" => Some(Operator::IsPresent),
            "IsNumeric" => Some(Operator::IsNumeric),
            "IsString" => Some(Operator::IsString),
            "IsBoolean" => Some(Operator::IsBoolean),
            "IsTimestamp" => Some(Operator::IsTimestamp),
            _ => None,
        };
        if simple.is_some() {
            return simple;
        }
        let (family, rest) = if let Some(r) = name.strip_prefix("String") {
            (Family::String, r)
        } else if let Some(r) = name.strip_prefix("Numeric") {
            (Family::Numeric, r)
        } else if let Some(r) = name.strip_prefix("Boolean") {
            (Family::Boolean, r)
        } else if let Some(r) = name.strip_prefix("Timestamp") {
            (Family::Timestamp, r)
        } else {
            return None;
        };
        let (rest, path) = match rest.strip_suffix("Path") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let cmp = match rest {
            "Equals" => Cmp::Equals,
            "LessThan" => Cmp::LessThan,
            "GreaterThan" => Cmp::GreaterThan,
            "LessThanEquals" => Cmp::LessThanEquals,
            "GreaterThanEquals" => Cmp::GreaterThanEquals,
            _ => return None,
        };
        // Booleans only have BooleanEquals(Path).
        if family == Family::Boolean && cmp != Cmp::Equals {
            return None;
        }
        Some(Operator::Compare { family, cmp, path })
    }

    /// True when the operand is a path rather than a literal.
    pub fn takes_path(self) -> bool {
        matches!(self, Operator::Compare { path: true, .. })
    }

    /// Checks the operand's JSON type (for static validation and before evaluating).
    pub fn operand_ok(self, v: &Value) -> bool {
        match self {
            Operator::Compare { path: true, .. } => v.is_string(),
            Operator::Compare { family, .. } => match family {
                Family::String => v.is_string(),
                Family::Numeric => v.is_number(),
                Family::Boolean => v.is_boolean(),
                Family::Timestamp => v.as_str().is_some_and(|s| parse_timestamp(s).is_some()),
            },
            Operator::StringMatches => v.is_string(),
            _ => v.is_boolean(),
        }
    }
}

/// Fields a rule may carry besides its condition.
const NON_OPERATOR_FIELDS: [&str; 4] = ["Variable", "Next", "Comment", "Assign"];

fn invalid(why: impl std::fmt::Display) -> AslError {
    AslError::runtime(format!("Invalid Choice rule: {why}"))
}

/// AWS fails the execution when the Variable selects nothing ("If the state input doesn't contain
/// the $.type field, the execution fails", state-choice.html).
fn missing(path: &str) -> AslError {
    AslError::runtime(format!(
        "Invalid path '{path}': The choice state's condition path references an invalid value."
    ))
}

/// Finds the single comparison operator of a rule object.
pub fn rule_operator(obj: &Map<String, Value>) -> Result<(Operator, &str, &Value), AslError> {
    let mut found: Option<(Operator, &str, &Value)> = None;
    for (k, v) in obj {
        if NON_OPERATOR_FIELDS.contains(&k.as_str()) {
            continue;
        }
        let Some(op) = Operator::from_name(k) else {
            return Err(invalid(format!("unknown field '{k}'")));
        };
        if found.is_some() {
            return Err(invalid("a rule has exactly one comparison operator"));
        }
        found = Some((op, k.as_str(), v));
    }
    found.ok_or_else(|| invalid("a rule needs a comparison operator, And, Or or Not"))
}

/// Evaluates one Choice rule (a top-level rule or a nested one under And/Or/Not).
pub fn evaluate(rule: &Value, scope: &Scope) -> Result<bool, AslError> {
    evaluate_at(rule, scope, 0)
}

const MAX_DEPTH: usize = 256;

fn evaluate_at(rule: &Value, scope: &Scope, depth: usize) -> Result<bool, AslError> {
    if depth > MAX_DEPTH {
        return Err(invalid("rules are nested too deeply"));
    }
    let Some(obj) = rule.as_object() else {
        return Err(invalid("a rule must be a JSON object"));
    };
    if let Some(list) = obj.get("And") {
        let rules = list
            .as_array()
            .ok_or_else(|| invalid("And must be an array"))?;
        for r in rules {
            if !evaluate_at(r, scope, depth + 1)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(list) = obj.get("Or") {
        let rules = list
            .as_array()
            .ok_or_else(|| invalid("Or must be an array"))?;
        for r in rules {
            if evaluate_at(r, scope, depth + 1)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Some(inner) = obj.get("Not") {
        return Ok(!evaluate_at(inner, scope, depth + 1)?);
    }
    let var_path = obj
        .get("Variable")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("a comparison needs a string Variable"))?;
    let (op, name, operand) = rule_operator(obj)?;
    if !op.operand_ok(operand) {
        return Err(invalid(format!("the value of {name} has the wrong type")));
    }
    let selected = path::compiled(var_path)?.select_cow(scope)?;
    if op == Operator::IsPresent {
        let want = operand.as_bool().unwrap_or(true);
        return Ok(selected.is_some() == want);
    }
    let Some(value) = selected else {
        return Err(missing(var_path));
    };
    let value: &Value = &value;
    let want = || operand.as_bool().unwrap_or(true);
    Ok(match op {
        Operator::IsNull => value.is_null() == want(),
        Operator::IsNumeric => value.is_number() == want(),
        Operator::IsString => value.is_string() == want(),
        Operator::IsBoolean => value.is_boolean() == want(),
        Operator::IsTimestamp => {
            value.as_str().is_some_and(|s| parse_timestamp(s).is_some()) == want()
        }
        Operator::IsPresent => unreachable!("handled above"),
        Operator::StringMatches => match (value.as_str(), operand.as_str()) {
            (Some(s), Some(pattern)) => string_matches(s, pattern),
            _ => false,
        },
        Operator::Compare { family, cmp, path } => {
            let other_holder;
            let other: &Value = if path {
                let p = operand.as_str().unwrap_or_default();
                match path::compiled(p)?.select_cow(scope)? {
                    Some(v) => {
                        other_holder = v;
                        &other_holder
                    }
                    None => return Err(missing(p)),
                }
            } else {
                operand
            };
            compare(family, cmp, value, other)
        }
    })
}

/// Compares two values of one type family; a value of another type makes the comparison false.
fn compare(family: Family, cmp: Cmp, a: &Value, b: &Value) -> bool {
    let ord = match family {
        Family::String => match (a.as_str(), b.as_str()) {
            // Java compares strings by UTF-16 code units.
            (Some(x), Some(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
            _ => None,
        },
        Family::Numeric => match (a, b) {
            (Value::Number(_), Value::Number(_)) => {
                if cmp == Cmp::Equals {
                    return json_eq(a, b);
                }
                numeric_order(a, b)
            }
            _ => None,
        },
        Family::Boolean => match (a.as_bool(), b.as_bool()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => None,
        },
        Family::Timestamp => match (
            a.as_str().and_then(parse_timestamp),
            b.as_str().and_then(parse_timestamp),
        ) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => None,
        },
    };
    let Some(o) = ord else {
        return false;
    };
    match cmp {
        Cmp::Equals => o == Ordering::Equal,
        Cmp::LessThan => o == Ordering::Less,
        Cmp::GreaterThan => o == Ordering::Greater,
        Cmp::LessThanEquals => o != Ordering::Greater,
        Cmp::GreaterThanEquals => o != Ordering::Less,
    }
}

fn numeric_order(a: &Value, b: &Value) -> Option<Ordering> {
    let (Value::Number(x), Value::Number(y)) = (a, b) else {
        return None;
    };
    if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
        return Some(i.cmp(&j));
    }
    x.as_f64()?.partial_cmp(&y.as_f64()?)
}

/// StringMatches: `*` matches any run of characters; `\*` and `\\` are a literal star and backslash.
pub fn string_matches(s: &str, pattern: &str) -> bool {
    #[derive(PartialEq)]
    enum Tok {
        Star,
        Ch(char),
    }
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some(n) => toks.push(Tok::Ch(n)),
                None => toks.push(Tok::Ch('\\')),
            },
            '*' => toks.push(Tok::Star),
            c => toks.push(Tok::Ch(c)),
        }
    }
    let text: Vec<char> = s.chars().collect();
    // Greedy match with one backtrack point per star (linear-ish, no recursion).
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < text.len() {
        match toks.get(pi) {
            Some(Tok::Ch(c)) if *c == text[ti] => {
                ti += 1;
                pi += 1;
            }
            Some(Tok::Star) => {
                star = Some((pi, ti));
                pi += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    toks[pi..].iter().all(|t| *t == Tok::Star)
}

#[cfg(test)]
mod tests;
