//! Hand-written parser for intrinsic function expressions: `States.Name(arg, ...)` where an argument
//! is a string literal (`'It\'s'`), a number, `true`/`false`/`null`, a path (`$.x`, `$$.x`, `$var`)
//! or another intrinsic call.

use super::{Arg, Call, Func};
use crate::asl::path::CompiledPath;
use crate::asl::AslError;
use serde_json::Value;

/// AWS: "You can nest up to 10 intrinsic functions within a field"
/// (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html).
pub const MAX_NESTING: usize = 10;

pub fn failure(cause: impl Into<String>) -> AslError {
    AslError::new("States.IntrinsicFailure", cause)
}

/// Parses a whole expression; trailing text is an error.
pub fn parse(expr: &str) -> Result<Call, AslError> {
    let mut p = P {
        s: expr,
        pos: 0,
        expr,
    };
    p.ws();
    let call = p.call(1)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("unexpected text after the closing ')'"));
    }
    Ok(call)
}

struct P<'s> {
    s: &'s str,
    pos: usize,
    expr: &'s str,
}

impl<'s> P<'s> {
    fn err(&self, why: &str) -> AslError {
        failure(format!(
            "Invalid intrinsic function expression '{}' at position {}: {why}",
            self.expr, self.pos
        ))
    }

    fn rest(&self) -> &'s str {
        &self.s[self.pos..]
    }

    fn ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.s.len() - trimmed.len();
    }

    fn call(&mut self, depth: usize) -> Result<Call, AslError> {
        if depth > MAX_NESTING {
            return Err(self.err(&format!(
                "intrinsic functions can be nested at most {MAX_NESTING} deep"
            )));
        }
        let rest = self.rest();
        let name_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
            .count();
        let name = &rest[..name_len];
        let func = Func::from_name(name)
            .ok_or_else(|| self.err(&format!("unknown intrinsic function '{name}'")))?;
        self.pos += name_len;
        self.ws();
        if !self.rest().starts_with('(') {
            return Err(self.err(&format!("expected '(' after {name}")));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.ws();
        if self.rest().starts_with(')') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                args.push(self.arg(depth)?);
                self.ws();
                if self.rest().starts_with(',') {
                    self.pos += 1;
                } else if self.rest().starts_with(')') {
                    self.pos += 1;
                    break;
                } else {
                    return Err(self.err("expected ',' or ')'"));
                }
            }
        }
        let (min, max) = func.arity();
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            let want = match max {
                Some(m) if m == min => format!("{min}"),
                Some(m) => format!("{min} to {m}"),
                None => format!("at least {min}"),
            };
            return Err(failure(format!(
                "Invalid arguments in {}: expected {want} argument(s) but got {}",
                func.name(),
                args.len()
            )));
        }
        Ok(Call { func, args })
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, AslError> {
        let rest = self.rest();
        let Some(first) = rest.chars().next() else {
            return Err(self.err("expected an argument"));
        };
        match first {
            '\'' => self.string(),
            '$' => self.path(),
            'S' if rest.starts_with("States.") => Ok(Arg::Call(Box::new(self.call(depth + 1)?))),
            _ => {
                for (word, v) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if let Some(after) = rest.strip_prefix(word) {
                        if !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                            self.pos += word.len();
                            return Ok(Arg::Literal(v));
                        }
                    }
                }
                let len = rest
                    .bytes()
                    .take_while(|b| {
                        b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
                    })
                    .count();
                let tok = &rest[..len];
                match serde_json::from_str::<Value>(tok) {
                    Ok(v @ Value::Number(_)) if len > 0 => {
                        self.pos += len;
                        Ok(Arg::Literal(v))
                    }
                    _ => Err(self.err("expected a string, a number, true, false, null, a path or an intrinsic function")),
                }
            }
        }
    }

    /// `'...'`: `\'` and `\\` are escapes; `\{` and `\}` keep their meaning for States.Format;
    /// any other backslash is kept as written.
    fn string(&mut self) -> Result<Arg, AslError> {
        let body_start = self.pos + 1;
        let mut value = String::new();
        let mut chars = self.s[body_start..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, n @ ('\'' | '\\' | '{' | '}'))) => value.push(n),
                    Some((_, n)) => {
                        value.push('\\');
                        value.push(n);
                    }
                    None => break,
                },
                '\'' => {
                    let raw = self.s[body_start..body_start + i].to_string();
                    self.pos = body_start + i + 1;
                    return Ok(Arg::Str { value, raw });
                }
                _ => value.push(c),
            }
        }
        Err(self.err("unterminated string literal"))
    }

    /// A path argument runs to the next top-level ',' or ')'.
    fn path(&mut self) -> Result<Arg, AslError> {
        let start = self.pos;
        let bytes = self.s.as_bytes();
        let mut i = start;
        let mut depth = 0i32;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            if let Some(q) = quote {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            } else {
                match b {
                    b'\'' | b'"' => quote = Some(b),
                    b'[' | b'(' => depth += 1,
                    b']' => depth -= 1,
                    b')' if depth == 0 => break,
                    b')' => depth -= 1,
                    b',' if depth == 0 => break,
                    _ => {}
                }
            }
            i += 1;
        }
        let i = i.min(bytes.len());
        let text = self.s[start..i].trim_end();
        let path = CompiledPath::parse(text).map_err(|e| {
            failure(format!(
                "Invalid intrinsic function expression '{}': {}",
                self.expr, e.cause
            ))
        })?;
        self.pos = i;
        Ok(Arg::Path(path))
    }
}
