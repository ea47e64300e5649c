//! JSONata for `QueryLanguage: JSONata` state machines, with the functions Step Functions adds.
//! Owned by the JSONata work (issue 3). An own engine following the JSONata 2.x reference
//! implementation (jsonata-js) semantics; see docs/jsonata.md for what was measured and the gaps.
//!
//! Layout: `lexer` → `parser` (Pratt, normalised `ast`) → `eval` (sequences, paths, functions)
//! with `functions/*` (library) and `signature` (argument validation); `value` holds runtime
//! values and JSON conversion/printing; `error` the JSONata error codes and message templates.

mod ast;
mod error;
mod eval;
mod functions;
mod lexer;
mod parser;
mod signature;
mod value;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde_json::{Map, Value};

pub use error::{JsonataError, UNSUPPORTED_RESULT};
pub use parser::ParseOptions;

/// Sources of nondeterminism, fixed by callers that need reproducible results. `None` uses the
/// system clock / an entropy-derived seed.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvalOptions {
    /// What `$now()` and `$millis()` return (milliseconds since the Unix epoch).
    pub now_millis: Option<i64>,
    /// Seed of `$random()` (without argument), `$uuid()` and `$shuffle()`.
    pub random_seed: Option<u64>,
}

/// A parsed expression, reusable across evaluations (and threads).
#[derive(Debug, Clone)]
pub struct Compiled {
    source: Arc<str>,
    ast: Arc<ast::Expr>,
}

/// Parses `expr` (without the `{% %}` delimiters) once.
pub fn compile(expr: &str) -> Result<Compiled, JsonataError> {
    compile_with(expr, ParseOptions::default())
}

pub fn compile_with(expr: &str, opts: ParseOptions) -> Result<Compiled, JsonataError> {
    let ast = parser::parse(expr, opts).map_err(JsonataError::from)?;
    Ok(Compiled {
        source: Arc::from(expr),
        ast: Arc::new(ast),
    })
}

impl Compiled {
    /// The expression text as compiled.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn evaluate(
        &self,
        input: &Value,
        bindings: &Map<String, Value>,
    ) -> Result<Option<Value>, JsonataError> {
        self.evaluate_with(input, bindings, &EvalOptions::default())
    }

    pub fn evaluate_with(
        &self,
        input: &Value,
        bindings: &Map<String, Value>,
        opts: &EvalOptions,
    ) -> Result<Option<Value>, JsonataError> {
        run(&self.ast, input, bindings, opts).map_err(JsonataError::from)
    }
}

/// Evaluates `expr` (without the `{% %}` delimiters) against `input` (`$`), with `bindings`
/// visible as `$name` (Step Functions binds `$states` and the workflow variables).
/// `Ok(None)` is JSONata's "undefined" (no value).
pub fn evaluate(
    expr: &str,
    input: &Value,
    bindings: &Map<String, Value>,
) -> Result<Option<Value>, JsonataError> {
    compile(expr)?.evaluate(input, bindings)
}

/// `evaluate` with a fixed clock and/or random seed.
pub fn evaluate_with(
    expr: &str,
    input: &Value,
    bindings: &Map<String, Value>,
    opts: &EvalOptions,
) -> Result<Option<Value>, JsonataError> {
    compile(expr)?.evaluate_with(input, bindings, opts)
}

/// The expression inside a `{% ... %}` template string, trimmed: the string must start with
/// `{%` and end with `%}` exactly, with no surrounding whitespace (AWS Step Functions Developer
/// Guide, "Transforming data with JSONata in Step Functions"; recorded cases
/// arguments...BASE_LAMBDA_LITERALS keep `" {% states.input %} "` as a literal string).
pub fn template_expression(s: &str) -> Option<&str> {
    if s.len() >= 4 && s.starts_with("{%") && s.ends_with("%}") {
        Some(s[2..s.len() - 2].trim())
    } else {
        None
    }
}

fn run(
    ast: &ast::Expr,
    input: &Value,
    bindings: &Map<String, Value>,
    opts: &EvalOptions,
) -> Result<Option<Value>, error::Fail> {
    let now = opts
        .now_millis
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let seed = opts.random_seed.unwrap_or_else(entropy_seed);
    let frame = eval::Frame::root();
    let mut ev = eval::Evaluator::new(eval::Env::new(now, seed), bindings, frame.clone());
    // like jsonata-js, an array input is wrapped once so that `$` still refers to the whole array
    let input = match value::from_json(input)? {
        arr @ value::V::Arr(_) => value::V::Arr(std::rc::Rc::new(value::Array {
            items: vec![arr],
            seq: true,
            outer: true,
            ..Default::default()
        })),
        other => other,
    };
    let result = ev.eval(ast, &Some(input), &frame)?;
    match result {
        None => Ok(None),
        Some(v) => value::to_json(&v).map(Some),
    }
}

fn entropy_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}
