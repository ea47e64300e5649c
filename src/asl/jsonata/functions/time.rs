//! Date/time functions. `$now()` and `$millis()` read the evaluation's clock, which callers can
//! fix (`EvalOptions::now_millis`) to make results reproducible.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

use super::{b, num_arg, str_arg, Builtin, R};
use crate::asl::jsonata::error::Fail;
use crate::asl::jsonata::eval::Evaluator;
use crate::asl::jsonata::value::V;

pub const FUNCS: &[Builtin] = &[
    b("now", "<s?s?:s>", now),
    b("millis", "<:n>", millis),
    b("fromMillis", "<n-s?s?:s>", from_millis),
    b("toMillis", "<s-s?:n>", to_millis),
];

fn now(ev: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let ms = ev.env.now_millis;
    format_millis(ms as f64, str_arg(&args, 0), str_arg(&args, 1)).map(Some)
}

fn millis(ev: &mut Evaluator, _: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(Some(V::Num(ev.env.now_millis as f64)))
}

fn from_millis(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(ms) = num_arg(&args, 0) else {
        return Ok(None);
    };
    format_millis(ms, str_arg(&args, 1), str_arg(&args, 2)).map(Some)
}

/// Parses a `±HHMM` timezone offset into minutes.
fn tz_minutes(tz: &str) -> Option<i64> {
    let (sign, digits) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => (1, tz),
    };
    let digits: String = digits.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() != 4 {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 60 + m))
}

fn format_millis(ms: f64, picture: Option<String>, tz: Option<String>) -> Result<V, Fail> {
    let offset = tz.as_deref().and_then(tz_minutes).unwrap_or(0);
    let dt = DateTime::<Utc>::from_timestamp_millis(ms.floor() as i64)
        .ok_or_else(|| Fail::new("D3110").with_value(Some(V::Num(ms))))?;
    let local = dt.naive_utc() + chrono::Duration::minutes(offset);
    let Some(picture) = picture else {
        if offset == 0 {
            return Ok(V::string(dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()));
        }
        return Ok(V::string(format!(
            "{}{}",
            local.format("%Y-%m-%dT%H:%M:%S%.3f"),
            offset_text(offset, true)
        )));
    };
    Ok(V::string(format_picture(&local, offset, &picture)))
}

fn offset_text(offset: i64, colon: bool) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let (h, m) = (offset.abs() / 60, offset.abs() % 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// A subset of XPath picture strings: `[Y0001] [M01] [D01] [H01] [h] [m01] [s01] [f001] [Z01:01]
/// [z] [P]`, with `[[`/`]]` escapes. Numeric widths come from the presentation modifier.
fn format_picture(t: &NaiveDateTime, offset: i64, picture: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = picture.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '[' && chars.get(i + 1) == Some(&'[') {
            out.push('[');
            i += 2;
            continue;
        }
        if c == ']' && chars.get(i + 1) == Some(&']') {
            out.push(']');
            i += 2;
            continue;
        }
        if c != '[' {
            out.push(c);
            i += 1;
            continue;
        }
        let end = chars[i..].iter().position(|x| *x == ']').map(|p| p + i);
        let Some(end) = end else {
            out.extend(&chars[i..]);
            break;
        };
        let marker: String = chars[i + 1..end]
            .iter()
            .filter(|c| !c.is_whitespace())
            .collect();
        i = end + 1;
        let Some(component) = marker.chars().next() else {
            continue;
        };
        let modifier: String = marker.chars().skip(1).take_while(|c| *c != ',').collect();
        let width = modifier
            .chars()
            .filter(|c| c.is_ascii_digit())
            .count()
            .max(1);
        let num = |n: i64| format!("{:0width$}", n, width = width);
        match component {
            'Y' => {
                let y = t.year() as i64;
                if width == 2 {
                    out.push_str(&format!("{:02}", y % 100));
                } else {
                    out.push_str(&num(y));
                }
            }
            'M' => out.push_str(&num(t.month() as i64)),
            'D' => out.push_str(&num(t.day() as i64)),
            'd' => out.push_str(&num(t.ordinal() as i64)),
            'H' => out.push_str(&num(t.hour() as i64)),
            'h' => {
                let h = t.hour() % 12;
                out.push_str(&num(if h == 0 { 12 } else { h } as i64));
            }
            'm' => out.push_str(&num(t.minute() as i64)),
            's' => out.push_str(&num(t.second() as i64)),
            'f' => {
                let ms = (t.nanosecond() / 1_000_000) as i64;
                out.push_str(&format!("{:03}", ms)[..width.min(3)]);
            }
            'P' => out.push_str(if t.hour() < 12 { "am" } else { "pm" }),
            'Z' => out.push_str(&offset_text(offset, modifier.contains(':'))),
            'z' => out.push_str(&format!("GMT{}", offset_text(offset, true))),
            _ => {}
        }
    }
    out
}

/// Milliseconds since the epoch of an ISO 8601 timestamp; date-times without an offset are UTC.
pub fn parse_iso_millis(s: &str) -> Option<i64> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%dT%H:%M:%S%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.timestamp_millis());
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis());
    }
    None
}

fn to_millis(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(s) = str_arg(&args, 0) else {
        return Ok(None);
    };
    match parse_iso_millis(&s) {
        Some(ms) => Ok(Some(V::Num(ms as f64))),
        None => Err(Fail::new("D3110").with_value(Some(V::string(s)))),
    }
}
