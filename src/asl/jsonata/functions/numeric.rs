//! Numeric and aggregation functions.

use super::{arg, b, items, num_arg, Builtin, R};
use crate::asl::jsonata::error::Fail;
use crate::asl::jsonata::eval::{boolean, Evaluator};
use crate::asl::jsonata::value::{js_number, V};

pub const FUNCS: &[Builtin] = &[
    b("number", "<(nsb)-:n>", number),
    b("abs", "<n-:n>", abs),
    b("floor", "<n-:n>", floor),
    b("ceil", "<n-:n>", ceil),
    b("round", "<n-n?:n>", round),
    b("power", "<n-n:n>", power),
    b("sqrt", "<n-:n>", sqrt),
    b("sum", "<a<n>:n>", sum),
    b("max", "<a<n>:n>", max),
    b("min", "<a<n>:n>", min),
    b("average", "<a<n>:n>", average),
    b("formatBase", "<n-n?:s>", format_base),
    b("boolean", "<x-:b>", boolean_fn),
    b("not", "<x-:b>", not),
    b("exists", "<x:b>", exists),
];

/// Strings JSONata accepts as numbers: JSON number syntax, or 0x/0o/0b integers.
fn parse_number(s: &str) -> Option<f64> {
    let json = regex_lite_json_number(s);
    if json {
        return s.parse().ok();
    }
    let (radix, digits) = match s.get(..2) {
        Some("0x") | Some("0X") => (16, &s[2..]),
        Some("0o") | Some("0O") => (8, &s[2..]),
        Some("0b") | Some("0B") => (2, &s[2..]),
        _ => return None,
    };
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(digits, radix).ok().map(|n| n as f64)
}

/// `^-?(0|([1-9][0-9]*))(\.[0-9]+)?([Ee][-+]?[0-9]+)?$`
fn regex_lite_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            while b.get(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+') | Some(b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

fn number(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    match arg(&args, 0) {
        None => Ok(None),
        Some(V::Num(n)) => Ok(Some(V::Num(n))),
        Some(V::Bool(b)) => Ok(Some(V::Num(if b { 1.0 } else { 0.0 }))),
        Some(V::Str(s)) => match parse_number(&s) {
            Some(n) if n.is_finite() => Ok(Some(V::Num(n))),
            _ => Err(Fail::new("D3030").with_value(Some(V::Str(s)))),
        },
        other => Err(Fail::new("D3030").with_value(other)),
    }
}

fn unary(args: &[Option<V>], f: fn(f64) -> f64) -> R {
    Ok(num_arg(args, 0).map(|n| V::Num(f(n))))
}

fn abs(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    unary(&args, f64::abs)
}
fn floor(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    unary(&args, f64::floor)
}
fn ceil(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    unary(&args, f64::ceil)
}

/// Shifts the decimal point of `n` by `places` through its decimal text, as jsonata does to
/// avoid binary rounding surprises.
fn shift(n: f64, places: i32) -> f64 {
    let text = js_number(n);
    let (mant, exp) = match text.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (text.clone(), 0),
    };
    format!("{mant}e{}", exp + places).parse().unwrap_or(n)
}

/// Round half to even at `precision` decimal places (jsonata `round`).
pub fn round_half_even(n: f64, precision: i32) -> f64 {
    let mut x = n;
    if precision != 0 {
        x = shift(x, precision);
    }
    // JavaScript Math.round: half rounds towards +infinity
    let mut r = (x + 0.5).floor();
    if (r - x).abs() == 0.5 && (r % 2.0).abs() == 1.0 {
        r -= 1.0;
    }
    if precision != 0 {
        r = shift(r, -precision);
    }
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

fn round(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(n) = num_arg(&args, 0) else {
        return Ok(None);
    };
    let p = num_arg(&args, 1).unwrap_or(0.0).trunc() as i32;
    Ok(Some(V::Num(round_half_even(n, p))))
}

fn power(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(base) = num_arg(&args, 0) else {
        return Ok(None);
    };
    let exp = num_arg(&args, 1).unwrap_or(f64::NAN);
    let r = base.powf(exp);
    if !r.is_finite() {
        return Err(Fail::new("D3061")
            .with_value(Some(V::Num(base)))
            .with_value2(Some(V::Num(exp))));
    }
    Ok(Some(V::Num(r)))
}

fn sqrt(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(n) = num_arg(&args, 0) else {
        return Ok(None);
    };
    if n < 0.0 {
        return Err(Fail::new("D3060").with_value(Some(V::Num(n))));
    }
    Ok(Some(V::Num(n.sqrt())))
}

fn numbers(args: &[Option<V>]) -> Option<Vec<f64>> {
    let a = arg(args, 0)?;
    Some(items(&Some(a)).iter().filter_map(V::as_num).collect())
}

fn sum(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(numbers(&args).map(|ns| V::Num(ns.iter().sum())))
}

fn max(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(numbers(&args)
        .filter(|ns| !ns.is_empty())
        .map(|ns| V::Num(ns.iter().copied().fold(f64::NEG_INFINITY, f64::max))))
}

fn min(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(numbers(&args)
        .filter(|ns| !ns.is_empty())
        .map(|ns| V::Num(ns.iter().copied().fold(f64::INFINITY, f64::min))))
}

fn average(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(numbers(&args)
        .filter(|ns| !ns.is_empty())
        .map(|ns| V::Num(ns.iter().sum::<f64>() / ns.len() as f64)))
}

fn format_base(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(n) = num_arg(&args, 0) else {
        return Ok(None);
    };
    let n = round_half_even(n, 0);
    let radix = num_arg(&args, 1).unwrap_or(10.0);
    if !(2.0..=36.0).contains(&radix) {
        return Err(Fail::new("D3100").with_value(Some(V::Num(radix))));
    }
    let radix = radix as u32;
    let neg = n < 0.0;
    let mut m = n.abs() as u128;
    let mut digits = vec![];
    loop {
        digits.push(std::char::from_digit((m % radix as u128) as u32, radix).unwrap_or('0'));
        m /= radix as u128;
        if m == 0 {
            break;
        }
    }
    if neg {
        digits.push('-');
    }
    Ok(Some(V::string(digits.iter().rev().collect())))
}

fn boolean_fn(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(boolean(&arg(&args, 0)).map(V::Bool))
}

fn not(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(boolean(&arg(&args, 0)).map(|b| V::Bool(!b)))
}

fn exists(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(Some(V::Bool(arg(&args, 0).is_some())))
}
