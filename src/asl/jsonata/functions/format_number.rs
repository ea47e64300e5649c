//! `$formatNumber(number, picture, options?)`: XPath F&O 3.1 `format-number` pictures, following
//! the analysis and formatting steps of jsonata-js.

use super::numeric::round_half_even;
use super::{arg, b, num_arg, str_arg, Builtin, R};
use crate::asl::jsonata::error::Fail;
use crate::asl::jsonata::eval::Evaluator;
use crate::asl::jsonata::value::V;

pub const FUNCS: &[Builtin] = &[b("formatNumber", "<n-so?:s>", format_number)];

struct Props {
    decimal: char,
    grouping: char,
    exponent: char,
    minus: char,
    percent: char,
    per_mille: char,
    zero: char,
    digit: char,
    pattern: char,
}

impl Props {
    fn from_options(opts: &Option<V>) -> Props {
        let mut p = Props {
            decimal: '.',
            grouping: ',',
            exponent: 'e',
            minus: '-',
            percent: '%',
            per_mille: '\u{2030}',
            zero: '0',
            digit: '#',
            pattern: ';',
        };
        if let Some(V::Obj(o)) = opts {
            let get = |k: &str| {
                o.get(k)
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.chars().next())
            };
            let set = |slot: &mut char, k: &str| {
                if let Some(c) = get(k) {
                    *slot = c;
                }
            };
            set(&mut p.decimal, "decimal-separator");
            set(&mut p.grouping, "grouping-separator");
            set(&mut p.exponent, "exponent-separator");
            set(&mut p.minus, "minus-sign");
            set(&mut p.percent, "percent");
            set(&mut p.per_mille, "per-mille");
            set(&mut p.zero, "zero-digit");
            set(&mut p.digit, "digit");
            set(&mut p.pattern, "pattern-separator");
        }
        p
    }
    fn is_decimal_digit(&self, c: char) -> bool {
        (c as u32).wrapping_sub(self.zero as u32) < 10
    }
    fn is_active(&self, c: char) -> bool {
        self.is_decimal_digit(c)
            || c == self.decimal
            || c == self.exponent
            || c == self.grouping
            || c == self.digit
            || c == self.pattern
    }
}

struct Parts {
    prefix: Vec<char>,
    suffix: Vec<char>,
    exponent: Option<Vec<char>>,
    integer: Vec<char>,
    fractional: Vec<char>,
    mantissa: Vec<char>,
    sub: Vec<char>,
}

fn split_parts(p: &Props, sub: &[char]) -> Parts {
    let prefix_len = sub
        .iter()
        .position(|c| p.is_active(*c) && *c != p.exponent)
        .unwrap_or(sub.len());
    let suffix_start = sub
        .iter()
        .rposition(|c| p.is_active(*c) && *c != p.exponent)
        .map(|i| i + 1)
        .unwrap_or(sub.len());
    let suffix_start = suffix_start.max(prefix_len);
    let prefix = sub[..prefix_len].to_vec();
    let suffix = sub[suffix_start..].to_vec();
    let active = sub[prefix_len..suffix_start].to_vec();
    let exp_pos = sub
        .iter()
        .skip(prefix_len)
        .position(|c| *c == p.exponent)
        .map(|i| i + prefix_len);
    let (mantissa, exponent) = match exp_pos {
        Some(e) if e <= suffix_start => {
            let rel = e - prefix_len;
            (
                active[..rel].to_vec(),
                Some(active[(rel + 1).min(active.len())..].to_vec()),
            )
        }
        _ => (active.clone(), None),
    };
    let (integer, fractional) = match mantissa.iter().position(|c| *c == p.decimal) {
        None => (mantissa.clone(), suffix.clone()),
        Some(d) => (mantissa[..d].to_vec(), mantissa[d + 1..].to_vec()),
    };
    Parts {
        prefix,
        suffix,
        exponent,
        integer,
        fractional,
        mantissa,
        sub: sub.to_vec(),
    }
}

fn fail(code: &str) -> Fail {
    Fail::new(code)
}

fn validate(p: &Props, parts: &Parts) -> Result<(), Fail> {
    let count = |c: char| parts.sub.iter().filter(|x| **x == c).count();
    if count(p.decimal) > 1 {
        return Err(fail("D3081"));
    }
    if count(p.percent) > 1 {
        return Err(fail("D3082"));
    }
    if count(p.per_mille) > 1 {
        return Err(fail("D3083"));
    }
    if count(p.percent) > 0 && count(p.per_mille) > 0 {
        return Err(fail("D3084"));
    }
    let has_digit = parts
        .mantissa
        .iter()
        .any(|c| p.is_decimal_digit(*c) || *c == p.digit);
    if !has_digit {
        return Err(fail("D3085"));
    }
    let m = &parts.mantissa;
    for w in m.windows(2) {
        if (w[0] == p.grouping && w[1] == p.decimal) || (w[0] == p.decimal && w[1] == p.grouping) {
            return Err(fail("D3087"));
        }
        if w[0] == p.grouping && w[1] == p.grouping {
            return Err(fail("D3089"));
        }
    }
    if parts.integer.last() == Some(&p.grouping) {
        return Err(fail("D3088"));
    }
    let int_digits: Vec<char> = parts
        .integer
        .iter()
        .copied()
        .filter(|c| *c != p.grouping)
        .collect();
    if let Some(first_digit) = int_digits.iter().position(|c| p.is_decimal_digit(*c)) {
        if int_digits[first_digit..].contains(&p.digit) {
            return Err(fail("D3090"));
        }
    }
    let frac: Vec<char> = parts
        .fractional
        .iter()
        .copied()
        .filter(|c| *c != p.grouping)
        .collect();
    if let Some(first_opt) = frac.iter().position(|c| *c == p.digit) {
        if frac[first_opt..].iter().any(|c| p.is_decimal_digit(*c)) {
            return Err(fail("D3091"));
        }
    }
    if let Some(exp) = &parts.exponent {
        if count(p.percent) > 0 || count(p.per_mille) > 0 {
            return Err(fail("D3092"));
        }
        if exp.is_empty() || exp.iter().any(|c| !p.is_decimal_digit(*c)) {
            return Err(fail("D3093"));
        }
    }
    Ok(())
}

struct Pic {
    int_groups: Vec<usize>,
    regular: usize,
    min_int: usize,
    scaling: usize,
    frac_groups: Vec<usize>,
    min_frac: usize,
    max_frac: usize,
    min_exp: usize,
    prefix: Vec<char>,
    suffix: Vec<char>,
    sub: Vec<char>,
}

fn grouping_positions(p: &Props, part: &[char], to_left: bool) -> Vec<usize> {
    let mut out = vec![];
    for (i, c) in part.iter().enumerate() {
        if *c != p.grouping {
            continue;
        }
        let side: &[char] = if to_left { &part[..i] } else { &part[i..] };
        out.push(
            side.iter()
                .filter(|c| p.is_decimal_digit(**c) || **c == p.digit)
                .count(),
        );
    }
    out
}

fn analyse(p: &Props, parts: Parts) -> Pic {
    let int_groups = grouping_positions(p, &parts.integer, false);
    let regular = {
        fn gcd(a: usize, b: usize) -> usize {
            if b == 0 {
                a
            } else {
                gcd(b, a % b)
            }
        }
        if int_groups.is_empty() {
            0
        } else {
            let factor = int_groups.iter().copied().fold(0, gcd);
            let all = (1..=int_groups.len()).all(|i| int_groups.contains(&(i * factor)));
            if all && factor > 0 {
                factor
            } else {
                0
            }
        }
    };
    let frac_groups = grouping_positions(p, &parts.fractional, true);
    let mut min_int = parts
        .integer
        .iter()
        .filter(|c| p.is_decimal_digit(**c))
        .count();
    let scaling = min_int;
    let mut min_frac = parts
        .fractional
        .iter()
        .filter(|c| p.is_decimal_digit(**c))
        .count();
    let mut max_frac = parts
        .fractional
        .iter()
        .filter(|c| p.is_decimal_digit(**c) || **c == p.digit)
        .count();
    let exp_present = parts.exponent.is_some();
    if min_int == 0 && max_frac == 0 {
        if exp_present {
            min_frac = 1;
            max_frac = 1;
        } else {
            min_int = 1;
        }
    }
    if exp_present && min_int == 0 && parts.integer.contains(&p.digit) {
        min_int = 1;
    }
    if min_int == 0 && min_frac == 0 {
        min_frac = 1;
    }
    let min_exp = parts
        .exponent
        .as_ref()
        .map(|e| e.iter().filter(|c| p.is_decimal_digit(**c)).count())
        .unwrap_or(0);
    Pic {
        int_groups,
        regular,
        min_int,
        scaling,
        frac_groups,
        min_frac,
        max_frac,
        min_exp,
        prefix: parts.prefix,
        suffix: parts.suffix,
        sub: parts.sub,
    }
}

fn format_number(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(value) = num_arg(&args, 0) else {
        return Ok(None);
    };
    let picture = str_arg(&args, 1).unwrap_or_default();
    let p = Props::from_options(&arg(&args, 2));
    let chars: Vec<char> = picture.chars().collect();
    let subs: Vec<&[char]> = chars.split(|c| *c == p.pattern).collect();
    if subs.len() > 2 {
        return Err(fail("D3080"));
    }
    let mut pics = vec![];
    for sub in &subs {
        let parts = split_parts(&p, sub);
        validate(&p, &parts)?;
        pics.push(analyse(&p, parts));
    }
    if pics.len() == 1 {
        let first = &pics[0];
        let mut neg_prefix = vec![p.minus];
        neg_prefix.extend(first.prefix.iter());
        let neg = Pic {
            int_groups: first.int_groups.clone(),
            regular: first.regular,
            min_int: first.min_int,
            scaling: first.scaling,
            frac_groups: first.frac_groups.clone(),
            min_frac: first.min_frac,
            max_frac: first.max_frac,
            min_exp: first.min_exp,
            prefix: neg_prefix,
            suffix: first.suffix.clone(),
            sub: first.sub.clone(),
        };
        pics.push(neg);
    }
    let pic = if value >= 0.0 { &pics[0] } else { &pics[1] };
    Ok(Some(V::string(render(&p, pic, value))))
}

fn render(p: &Props, pic: &Pic, value: f64) -> String {
    let adjusted = if pic.sub.contains(&p.percent) {
        value * 100.0
    } else if pic.sub.contains(&p.per_mille) {
        value * 1000.0
    } else {
        value
    };
    let (mantissa, exponent) = if pic.min_exp == 0 {
        (adjusted, None)
    } else {
        let max_m = 10f64.powi(pic.scaling as i32);
        let min_m = 10f64.powi(pic.scaling as i32 - 1);
        let mut m = adjusted;
        let mut e = 0i32;
        if m != 0.0 {
            while m.abs() < min_m {
                m *= 10.0;
                e -= 1;
            }
            while m.abs() > max_m {
                m /= 10.0;
                e += 1;
            }
        }
        (m, Some(e))
    };
    let rounded = round_half_even(mantissa, pic.max_frac as i32);
    let to_digits = |s: String| -> Vec<char> {
        s.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from_u32(p.zero as u32 + (c as u32 - '0' as u32)).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect()
    };
    let fixed = format!("{:.*}", pic.max_frac, rounded.abs());
    let mut s: Vec<char> = to_digits(fixed);
    match s.iter().position(|c| *c == '.') {
        None => s.push(p.decimal),
        Some(i) => s[i] = p.decimal,
    }
    while s.first() == Some(&p.zero) {
        s.remove(0);
    }
    while s.last() == Some(&p.zero) {
        s.pop();
    }
    let dp = s.iter().position(|c| *c == p.decimal).unwrap_or(s.len());
    let pad_left = pic.min_int.saturating_sub(dp);
    let frac_len = s.len() - dp - 1;
    let pad_right = pic.min_frac.saturating_sub(frac_len);
    let mut out: Vec<char> = std::iter::repeat_n(p.zero, pad_left).collect();
    out.extend(s);
    out.extend(std::iter::repeat_n(p.zero, pad_right));
    let mut dp = out
        .iter()
        .position(|c| *c == p.decimal)
        .unwrap_or(out.len());
    if let Some(groups) = dp.saturating_sub(1).checked_div(pic.regular) {
        for g in 1..=groups {
            out.insert(dp - g * pic.regular, p.grouping);
        }
    } else {
        for pos in &pic.int_groups {
            if *pos <= dp {
                out.insert(dp - pos, p.grouping);
                dp += 1;
            }
        }
    }
    let dp = out
        .iter()
        .position(|c| *c == p.decimal)
        .unwrap_or(out.len());
    for pos in &pic.frac_groups {
        let at = pos + dp + 1;
        if at <= out.len() {
            out.insert(at, p.grouping);
        }
    }
    let dp = out
        .iter()
        .position(|c| *c == p.decimal)
        .unwrap_or(out.len());
    if pic.min_frac == 0 && dp + 1 == out.len() {
        out.pop();
    }
    if let Some(e) = exponent {
        let mut digits = to_digits(e.abs().to_string());
        while digits.len() < pic.min_exp {
            digits.insert(0, p.zero);
        }
        out.push(p.exponent);
        if e < 0 {
            out.push(p.minus);
        }
        out.extend(digits);
    }
    let mut text: String = pic.prefix.iter().collect();
    text.extend(out);
    text.extend(pic.suffix.iter());
    text
}

#[cfg(test)]
mod tests {
    use crate::asl::jsonata::evaluate;
    use serde_json::{json, Map};

    fn f(expr: &str) -> serde_json::Value {
        evaluate(expr, &json!({}), &Map::new()).unwrap().unwrap()
    }

    /// Examples from the JSONata documentation of `$formatNumber`.
    #[test]
    fn documentation_examples() {
        assert_eq!(f("$formatNumber(12345.6, '#,###.00')"), json!("12,345.60"));
        assert_eq!(f("$formatNumber(1234.5678, '00.000e0')"), json!("12.346e2"));
        assert_eq!(f("$formatNumber(34.555, '#0.00;(#0.00)')"), json!("34.56"));
        assert_eq!(
            f("$formatNumber(-34.555, '#0.00;(#0.00)')"),
            json!("(34.56)")
        );
        assert_eq!(f("$formatNumber(0.14, '01%')"), json!("14%"));
        assert_eq!(
            f("$formatNumber(0.14, '###pm', {'per-mille': 'pm'})"),
            json!("140pm")
        );
        assert_eq!(
            f("$formatNumber(1234.5678, '①①.①①①e①', {'zero-digit': '\u{245f}'})"),
            json!("①②.③④⑥e②")
        );
    }

    #[test]
    fn more_pictures() {
        assert_eq!(f("$formatNumber(1234.5678, '#,##0.00')"), json!("1,234.57"));
        assert_eq!(f("$formatNumber(-1234, '#,##0')"), json!("-1,234"));
        assert_eq!(f("$formatNumber(5, '000')"), json!("005"));
        assert_eq!(f("$formatNumber(0.5, '#.##')"), json!(".5"));
        assert_eq!(
            f("$formatNumber(1234567.891, '#,###,###.0')"),
            json!("1,234,567.9")
        );
        assert_eq!(f("$formatNumber(3, '#')"), json!("3"));
    }

    #[test]
    fn picture_errors() {
        let code = |e: &str| evaluate(e, &json!({}), &Map::new()).unwrap_err().code;
        assert_eq!(code("$formatNumber(1, '#.#.#')"), "D3081");
        assert_eq!(code("$formatNumber(1, '#;#;#')"), "D3080");
        assert_eq!(code("$formatNumber(1, 'abc')"), "D3085");
        assert_eq!(code("$formatNumber(1, '#,.0')"), "D3087");
    }
}
