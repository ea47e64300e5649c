//! String functions. Positions and lengths count Unicode code points, as jsonata-js does.

use std::sync::Arc;

use super::{arg, b, items, num_arg, str_arg, to_string, Builtin, R};
use crate::asl::jsonata::error::Fail;
use crate::asl::jsonata::eval::Evaluator;
use crate::asl::jsonata::value::{stringify, Function, Obj, V};

pub const FUNCS: &[Builtin] = &[
    b("string", "<x-b?:s>", string),
    b("length", "<s-:n>", length),
    b("substring", "<s-nn?:s>", substring),
    b("substringBefore", "<s-s:s>", substring_before),
    b("substringAfter", "<s-s:s>", substring_after),
    b("uppercase", "<s-:s>", uppercase),
    b("lowercase", "<s-:s>", lowercase),
    b("trim", "<s-:s>", trim),
    b("pad", "<s-ns?:s>", pad),
    b("contains", "<s-(sf):b>", contains),
    b("split", "<s-(sf)n?:a<s>>", split),
    b("join", "<a<s>s?:s>", join),
    b("match", "<s-f<s:o>n?:a<o>>", match_fn),
    b("replace", "<s-(sf)(sf)n?:s>", replace),
    b("base64encode", "<s-:s>", base64encode),
    b("base64decode", "<s-:s>", base64decode),
    b("encodeUrlComponent", "<s-:s>", encode_url_component),
    b("encodeUrl", "<s-:s>", encode_url),
    b("decodeUrlComponent", "<s-:s>", decode_url),
    b("decodeUrl", "<s-:s>", decode_url),
];

fn string(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(v) = arg(&args, 0) else {
        return Ok(None);
    };
    let pretty = matches!(arg(&args, 1), Some(V::Bool(true)));
    if pretty && !matches!(v, V::Str(_) | V::Func(_) | V::Num(_)) {
        return Ok(Some(V::string(stringify(&v, true))));
    }
    Ok(Some(V::string(to_string(&v)?)))
}

fn length(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(str_arg(&args, 0).map(|s| V::Num(s.chars().count() as f64)))
}

/// JavaScript `Array.prototype.slice` bounds on a code-point array.
fn slice(chars: &[char], start: f64, end: Option<f64>) -> String {
    let len = chars.len() as f64;
    let norm = |x: f64| -> usize {
        let x = x.trunc();
        let x = if x < 0.0 {
            (len + x).max(0.0)
        } else {
            x.min(len)
        };
        x as usize
    };
    let s = norm(start);
    let e = end.map(norm).unwrap_or(chars.len());
    if s >= e {
        return String::new();
    }
    chars[s..e].iter().collect()
}

fn substring(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as f64;
    let mut start = num_arg(&args, 1).unwrap_or(0.0);
    if len + start < 0.0 {
        start = 0.0;
    }
    if let Some(l) = num_arg(&args, 2) {
        if l <= 0.0 {
            return Ok(Some(V::str("")));
        }
        let end = if start >= 0.0 {
            start + l
        } else {
            len + start + l
        };
        return Ok(Some(V::string(slice(&chars, start, Some(end)))));
    }
    Ok(Some(V::string(slice(&chars, start, None))))
}

fn substring_before(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let Some(c) = str_arg(&args, 1) else {
        return Ok(Some(V::string(s)));
    };
    Ok(Some(V::string(match s.find(&c) {
        Some(i) => s[..i].to_string(),
        None => s,
    })))
}

fn substring_after(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let Some(c) = str_arg(&args, 1) else {
        return Ok(Some(V::string(s)));
    };
    Ok(Some(V::string(match s.find(&c) {
        Some(i) => s[i + c.len()..].to_string(),
        None => s,
    })))
}

fn uppercase(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(str_arg(&args, 0).map(|s| V::string(s.to_uppercase())))
}

fn lowercase(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(str_arg(&args, 0).map(|s| V::string(s.to_lowercase())))
}

fn trim(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    // runs of space, tab, CR, LF become one space; then one leading/trailing space is dropped
    let mut out = String::new();
    let mut in_ws = false;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    let out = out.strip_prefix(' ').unwrap_or(&out);
    let out = out.strip_suffix(' ').unwrap_or(out);
    Ok(Some(V::str(out)))
}

fn pad(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let width = num_arg(&args, 1).unwrap_or(0.0);
    let ch = str_arg(&args, 2)
        .filter(|c| !c.is_empty())
        .unwrap_or(" ".into());
    let pad_len = width.abs().trunc() as i64 - s.chars().count() as i64;
    if pad_len <= 0 {
        return Ok(Some(V::string(s)));
    }
    let padding: String = ch.chars().cycle().take(pad_len as usize).collect();
    Ok(Some(V::string(if width > 0.0 {
        s + &padding
    } else {
        padding + &s
    })))
}

fn regex_of(v: &Option<V>) -> Option<Arc<regex::Regex>> {
    match v {
        Some(V::Func(f)) => match &**f {
            Function::Regex(r) => Some(r.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn contains(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let token = arg(&args, 1);
    let found = match (&token, regex_of(&token)) {
        (Some(V::Str(t)), _) => s.contains(&**t),
        (_, Some(re)) => re.is_match(&s),
        _ => return Err(Fail::new("T0410").with_index(2).with_value(token)),
    };
    Ok(Some(V::Bool(found)))
}

/// Index of a byte offset in UTF-16 code units (what JavaScript's match.index reports).
fn utf16_index(s: &str, byte: usize) -> usize {
    s[..byte].encode_utf16().count()
}

/// `{match, index, groups}` objects for up to `limit` matches (jsonata regex matcher).
pub fn match_objects(re: &regex::Regex, s: &str, limit: Option<usize>) -> Vec<V> {
    let mut out = vec![];
    for caps in re.captures_iter(s) {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let Some(m) = caps.get(0) else { continue };
        if m.as_str().is_empty() {
            // jsonata rejects zero-length matches (D1004); stop rather than loop
            break;
        }
        let mut o = Obj::new();
        o.insert("match".into(), V::str(m.as_str()));
        o.insert("index".into(), V::Num(utf16_index(s, m.start()) as f64));
        let groups: Vec<V> = (1..caps.len())
            .map(|i| V::str(caps.get(i).map(|g| g.as_str()).unwrap_or("")))
            .collect();
        o.insert("groups".into(), V::array(groups));
        out.push(V::object(o));
    }
    out
}

fn limit_arg(args: &[Option<V>], i: usize, code: &str) -> Result<Option<usize>, Fail> {
    match num_arg(args, i) {
        None => Ok(None),
        Some(n) if n < 0.0 => Err(Fail::new(code).with_value(Some(V::Num(n)))),
        Some(n) => Ok(Some(n.trunc() as usize)),
    }
}

fn split(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let sep = arg(&args, 1);
    let limit = limit_arg(&args, 2, "D3020")?;
    let mut parts: Vec<String> = match (&sep, regex_of(&sep)) {
        (Some(V::Str(t)), _) if t.is_empty() => s.chars().map(|c| c.to_string()).collect(),
        (Some(V::Str(t)), _) => s.split(&**t).map(str::to_string).collect(),
        (_, Some(re)) => {
            let mut out = vec![];
            let mut last = 0;
            for m in re.find_iter(&s) {
                if m.as_str().is_empty() {
                    continue;
                }
                out.push(s[last..m.start()].to_string());
                last = m.end();
            }
            out.push(s[last..].to_string());
            out
        }
        _ => return Err(Fail::new("T0410").with_index(2).with_value(sep)),
    };
    if let Some(l) = limit {
        parts.truncate(l);
    }
    Ok(Some(V::array(parts.into_iter().map(V::string).collect())))
}

fn join(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(arr) = arg(&args, 0) else {
        return Ok(None);
    };
    let sep = str_arg(&args, 1).unwrap_or_default();
    let parts: Vec<String> = items(&Some(arr))
        .iter()
        .map(|v| v.as_str().unwrap_or("").to_string())
        .collect();
    Ok(Some(V::string(parts.join(&sep))))
}

fn match_fn(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let limit = limit_arg(&args, 2, "D3040")?;
    let Some(re) = regex_of(&arg(&args, 1)) else {
        return Err(Fail::new("T0410").with_index(2));
    };
    Ok(Some(V::seq(match_objects(&re, &s, limit))))
}

/// Expands `$n` group references and `$$` in a replacement string (jsonata semantics: the
/// longest group number that exists is used; an unknown group is the empty string).
fn expand_replacement(rep: &str, caps: &regex::Captures) -> String {
    let chars: Vec<char> = rep.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            if chars.get(i + 1) == Some(&'$') {
                out.push('$');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            if j > i + 1 {
                let digits: String = chars[i + 1..j].iter().collect();
                // use the longest prefix that names an existing group
                let mut used = digits.len();
                while used > 1 {
                    let n: usize = digits[..used].parse().unwrap_or(usize::MAX);
                    if n < caps.len() {
                        break;
                    }
                    used -= 1;
                }
                let n: usize = digits[..used].parse().unwrap_or(usize::MAX);
                if n < caps.len() {
                    out.push_str(caps.get(n).map(|m| m.as_str()).unwrap_or(""));
                }
                out.push_str(&digits[used..]);
                i = j;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn replace(ev: &mut Evaluator, args: Vec<Option<V>>, input: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let pattern = arg(&args, 1);
    let replacement = arg(&args, 2);
    if matches!(&pattern, Some(V::Str(p)) if p.is_empty()) {
        return Err(Fail::new("D3010"));
    }
    let limit = limit_arg(&args, 3, "D3011")?;
    let re: Arc<regex::Regex> = match (&pattern, regex_of(&pattern)) {
        (Some(V::Str(p)), _) => {
            Arc::new(regex::Regex::new(&regex::escape(p)).map_err(|_| Fail::new("D3010"))?)
        }
        (_, Some(re)) => re,
        _ => return Err(Fail::new("T0410").with_index(2).with_value(pattern)),
    };
    let literal = matches!(&pattern, Some(V::Str(_)));
    let mut out = String::new();
    let mut last = 0;
    let mut count = 0;
    for caps in re.captures_iter(&s) {
        if limit.is_some_and(|l| count >= l) {
            break;
        }
        let Some(m) = caps.get(0) else { continue };
        if m.as_str().is_empty() {
            return Err(Fail::new("D1004"));
        }
        out.push_str(&s[last..m.start()]);
        match &replacement {
            Some(V::Str(r)) if literal => out.push_str(&expand_replacement(r, &caps)),
            Some(V::Str(r)) => out.push_str(&expand_replacement(r, &caps)),
            Some(f @ V::Func(_)) => {
                let mo = match_objects(&re, &s[m.start()..], Some(1))
                    .into_iter()
                    .next()
                    .unwrap_or(V::Null);
                match ev.apply(&Some(f.clone()), vec![Some(mo)], input)? {
                    Some(V::Str(r)) => out.push_str(&r),
                    other => return Err(Fail::new("D3012").with_value(other)),
                }
            }
            _ => return Err(Fail::new("T0410").with_index(3)),
        }
        last = m.end();
        count += 1;
    }
    out.push_str(&s[last..]);
    Ok(Some(V::string(out)))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = vec![];
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        if c == b'=' || c.is_ascii_whitespace() {
            continue;
        }
        let v = B64.iter().position(|x| *x == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn base64encode(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(str_arg(&args, 0).map(|s| V::string(base64_encode(s.as_bytes()))))
}

fn base64decode(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let bytes = base64_decode(&s).ok_or_else(|| {
        Fail::new("D3137").with_text("The string to be decoded is not correctly encoded.")
    })?;
    Ok(Some(V::string(
        String::from_utf8_lossy(&bytes).into_owned(),
    )))
}

fn percent_encode(s: &str, keep: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

fn encode_url_component(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(str_arg(&args, 0).map(|s| V::string(percent_encode(&s, "-_.!~*'()"))))
}

fn encode_url(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(str_arg(&args, 0).map(|s| V::string(percent_encode(&s, "-_.!~*'();/?:@&=+$,#"))))
}

fn decode_url(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    let bytes = s.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
        .map(|s| Some(V::string(s)))
        .map_err(|_| Fail::new("D3140").with_text("Malformed URL"))
}
