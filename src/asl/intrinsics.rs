//! The 18 intrinsic functions (`States.Format`, `States.JsonToString`, ...), with AWS's argument rules.
//! Owned by the path/intrinsics work (issue 3).
//!
//! An expression is parsed once into a [`Call`] (kept in a small per-thread cache by [`evaluate`]);
//! callers that hold a definition for long may keep the [`Call`] from [`parse`] themselves.
//!
//! Randomness (`States.MathRandom` without a seed, `States.UUID`) is deterministic: it comes from a
//! per-thread generator that [`set_seed`] resets, so that runs are reproducible.
//! AWS reference: <https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html>.

mod funcs;
mod parse;

use super::path::CompiledPath;
use super::{AslError, Scope};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

pub use parse::MAX_NESTING;

/// The intrinsic functions Step Functions defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

const ALL: [(Func, &str, usize, Option<usize>); 18] = [
    (Func::Format, "States.Format", 1, None),
    (Func::StringToJson, "States.StringToJson", 1, Some(1)),
    (Func::JsonToString, "States.JsonToString", 1, Some(1)),
    (Func::Array, "States.Array", 0, None),
    (Func::ArrayPartition, "States.ArrayPartition", 2, Some(2)),
    (Func::ArrayContains, "States.ArrayContains", 2, Some(2)),
    (Func::ArrayRange, "States.ArrayRange", 3, Some(3)),
    (Func::ArrayGetItem, "States.ArrayGetItem", 2, Some(2)),
    (Func::ArrayLength, "States.ArrayLength", 1, Some(1)),
    (Func::ArrayUnique, "States.ArrayUnique", 1, Some(1)),
    (Func::Base64Encode, "States.Base64Encode", 1, Some(1)),
    (Func::Base64Decode, "States.Base64Decode", 1, Some(1)),
    (Func::Hash, "States.Hash", 2, Some(2)),
    (Func::JsonMerge, "States.JsonMerge", 3, Some(3)),
    (Func::MathRandom, "States.MathRandom", 2, Some(3)),
    (Func::MathAdd, "States.MathAdd", 2, Some(2)),
    (Func::StringSplit, "States.StringSplit", 2, Some(2)),
    (Func::Uuid, "States.UUID", 0, Some(0)),
];

impl Func {
    pub fn from_name(name: &str) -> Option<Func> {
        ALL.iter().find(|(_, n, _, _)| *n == name).map(|(f, ..)| *f)
    }

    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(f, ..)| *f == self)
            .map(|(_, n, ..)| *n)
            .unwrap_or("States.?")
    }

    /// Minimum and maximum number of arguments.
    pub fn arity(self) -> (usize, Option<usize>) {
        ALL.iter()
            .find(|(f, ..)| *f == self)
            .map(|(_, _, lo, hi)| (*lo, *hi))
            .unwrap_or((0, None))
    }
}

/// One argument of an intrinsic call.
#[derive(Debug, Clone)]
pub enum Arg {
    /// A number, `true`, `false` or `null`.
    Literal(Value),
    /// A string literal: its value, and the text as written (States.Format reads `\{` escapes from it).
    Str {
        value: String,
        raw: String,
    },
    Path(CompiledPath),
    Call(Box<Call>),
}

/// A parsed intrinsic function call.
#[derive(Debug, Clone)]
pub struct Call {
    pub func: Func,
    pub args: Vec<Arg>,
}

impl Call {
    /// Evaluates the call in `scope`.
    pub fn evaluate(&self, scope: &Scope) -> Result<Value, AslError> {
        funcs::call(self, scope)
    }

    /// Every path used as an argument, nested calls included (for static validation).
    pub fn paths(&self) -> Vec<&CompiledPath> {
        let mut out = Vec::new();
        for a in &self.args {
            match a {
                Arg::Path(p) => out.push(p),
                Arg::Call(c) => out.extend(c.paths()),
                _ => {}
            }
        }
        out
    }
}

/// True when `s` is an intrinsic function call (`States.X(...)`), as in a `"key.$"` field.
pub fn is_intrinsic(s: &str) -> bool {
    s.trim_start().starts_with("States.")
}

/// Parses an intrinsic expression (function names, arity, literals and paths are checked).
pub fn parse(expr: &str) -> Result<Call, AslError> {
    parse::parse(expr)
}

const CACHE_LIMIT: usize = 2048;

thread_local! {
    static CACHE: RefCell<HashMap<String, Rc<Call>, super::path::fnv::FnvBuild>> = RefCell::new(HashMap::default());
    static RNG: Cell<u64> = const { Cell::new(DEFAULT_SEED) };
}

const DEFAULT_SEED: u64 = 0x5eed_1a3b_da1e_55ed;

/// Parses `expr` once per thread and reuses the parsed call afterwards.
pub fn compiled(expr: &str) -> Result<Rc<Call>, AslError> {
    if let Some(hit) = CACHE.with(|c| c.borrow().get(expr).cloned()) {
        return Ok(hit);
    }
    let call = Rc::new(parse::parse(expr)?);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(expr.to_string(), call.clone());
    });
    Ok(call)
}

/// Evaluates one intrinsic function call expression.
pub fn evaluate(expr: &str, scope: &Scope) -> Result<Value, AslError> {
    compiled(expr)?.evaluate(scope)
}

/// Resets this thread's generator behind `States.UUID()` and unseeded `States.MathRandom`, so that
/// an execution started after it produces the same values each time. Call once per execution.
pub fn set_seed(seed: u64) {
    RNG.with(|r| r.set(seed));
}

/// Next value of the per-thread generator (splitmix64).
pub(crate) fn next_random() -> u64 {
    RNG.with(|r| {
        let (next, out) = splitmix64(r.get());
        r.set(next);
        out
    })
}

pub(crate) fn splitmix64(state: u64) -> (u64, u64) {
    let next = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = next;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (next, z ^ (z >> 31))
}

#[cfg(test)]
mod tests;
