//! The JSONata function library (jsonata-js `functions.js` semantics, registered with the same
//! signatures) plus the functions Step Functions adds (`aws.rs`).

mod aws;
mod collections;
mod format_number;
mod numeric;
mod strings;
mod time;

use std::collections::HashMap;
use std::sync::OnceLock;

use super::error::Fail;
use super::eval::Evaluator;
use super::signature::Signature;
use super::value::{js_number, stringify, to_precision_15, V};

pub type R = Result<Option<V>, Fail>;
pub type Impl = fn(&mut Evaluator, Vec<Option<V>>, &Option<V>) -> R;

pub struct Builtin {
    pub name: &'static str,
    pub signature: &'static str,
    pub f: Impl,
}

const fn b(name: &'static str, signature: &'static str, f: Impl) -> Builtin {
    Builtin { name, signature, f }
}

fn all() -> impl Iterator<Item = &'static Builtin> {
    strings::FUNCS
        .iter()
        .chain(numeric::FUNCS.iter())
        .chain(collections::FUNCS.iter())
        .chain(format_number::FUNCS.iter())
        .chain(time::FUNCS.iter())
        .chain(aws::FUNCS.iter())
}

/// The built-in function bound to `$name`, if any.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    all().find(|b| b.name == name)
}

/// The parsed signature of a built-in (parsed once per process).
pub fn signature_of(b: &Builtin) -> &'static Signature {
    static CACHE: OnceLock<HashMap<&'static str, Signature>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        all()
            .map(|f| {
                let sig = Signature::parse(f.signature)
                    .unwrap_or_else(|e| panic!("bad built-in signature {}: {e:?}", f.signature));
                (f.name, sig)
            })
            .collect()
    });
    &cache[b.name]
}

/// jsonata `fn.string` without prettify: the text `&` and `$string` produce.
pub fn to_string(v: &V) -> Result<String, Fail> {
    match v {
        V::Str(s) => Ok(s.to_string()),
        V::Func(_) => Ok(String::new()),
        V::Num(n) if !n.is_finite() => Err(Fail::new("D3001").with_value(Some(v.clone()))),
        V::Num(n) => Ok(js_number(to_precision_15(*n))),
        other => Ok(stringify(other, false)),
    }
}

/// The match object a regex literal produces when invoked (`{match, index, groups}`).
pub fn regex_first_match(re: &regex::Regex, s: &str) -> Option<V> {
    strings::match_objects(re, s, Some(1)).into_iter().next()
}

/// Argument helpers.
fn arg(args: &[Option<V>], i: usize) -> Option<V> {
    args.get(i).cloned().flatten()
}
fn num_arg(args: &[Option<V>], i: usize) -> Option<f64> {
    arg(args, i).and_then(|v| v.as_num())
}
fn str_arg(args: &[Option<V>], i: usize) -> Option<String> {
    arg(args, i).and_then(|v| v.as_str().map(str::to_string))
}
fn items(v: &Option<V>) -> Vec<V> {
    match v {
        Some(V::Arr(a)) => a.items.clone(),
        Some(other) => vec![other.clone()],
        None => vec![],
    }
}

/// Calls a function argument of a higher-order function with as many of (value, index/key,
/// whole) as it declares (jsonata `hofFuncArgs`).
fn call_hof(ev: &mut Evaluator, f: &V, a: V, b: V, c: V, input: &Option<V>) -> R {
    let arity = Evaluator::arity(f);
    let mut args = vec![Some(a)];
    if arity >= 2 {
        args.push(Some(b));
    }
    if arity >= 3 {
        args.push(Some(c));
    }
    ev.apply(&Some(f.clone()), args, input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_signature_parses() {
        for f in all() {
            assert!(Signature::parse(f.signature).is_ok(), "{}", f.name);
            let _ = signature_of(f);
        }
    }
}
