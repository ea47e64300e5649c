//! Hand-written JSONPath parser (no regex): `$`, `$$`, `$var`, `.name`, `['name']`, `[n]`, `[-n]`,
//! `[*]`, `[a:b]`, `[0,1]`, `['a','b']`, `..`, `[?(...)]`, `.length()`.

use super::filter;
use super::{CompiledPath, Root, Segment};
use crate::asl::AslError;

pub(crate) fn invalid(path: &str, why: &str) -> AslError {
    AslError::runtime(format!("Invalid JSONPath '{path}': {why}"))
}

/// Parses a whole path expression.
pub fn parse(path: &str) -> Result<CompiledPath, AslError> {
    // Jayway trims the expression before compiling it.
    let src = path.trim();
    let bytes = src.as_bytes();
    if bytes.first() != Some(&b'$') {
        return Err(invalid(path, "a path must start with '$'"));
    }
    let mut pos = 1;
    let root = if bytes.get(1) == Some(&b'$') {
        pos = 2;
        Root::Context
    } else if bytes.get(1).is_some_and(|b| is_var_char(*b)) {
        let start = 1;
        while pos < bytes.len() && is_var_char(bytes[pos]) {
            pos += 1;
        }
        Root::Variable(src[start..pos].to_string())
    } else {
        Root::Input
    };
    let mut p = Parser { src, path, pos };
    let segments = p.segments(false)?;
    if p.pos != src.len() {
        return Err(invalid(path, &format!("unexpected character at {}", p.pos)));
    }
    Ok(CompiledPath::new(root, segments, path))
}

fn is_var_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(crate) struct Parser<'s> {
    pub src: &'s str,
    /// The whole path, for error messages.
    pub path: &'s str,
    pub pos: usize,
}

impl<'s> Parser<'s> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    pub fn err(&self, why: &str) -> AslError {
        invalid(self.path, why)
    }

    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b == b' ' || b == b'\t') {
            self.pos += 1;
        }
    }

    /// Reads segments until the end, or (inside a filter) until a character that cannot continue a path.
    pub fn segments(&mut self, in_filter: bool) -> Result<Vec<Segment>, AslError> {
        let mut segs = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some(b'.') => {
                    if self.src.as_bytes().get(self.pos + 1) == Some(&b'.') {
                        self.pos += 2;
                        let inner = match self.peek() {
                            Some(b'[') => self.bracket()?,
                            Some(b'*') => {
                                self.pos += 1;
                                Segment::Wildcard
                            }
                            _ => self.dot_name(in_filter)?,
                        };
                        if matches!(inner, Segment::Length) {
                            return Err(self.err("a function cannot follow '..'"));
                        }
                        segs.push(Segment::DeepScan(Box::new(inner)));
                    } else {
                        self.pos += 1;
                        if self.peek() == Some(b'*') {
                            self.pos += 1;
                            segs.push(Segment::Wildcard);
                        } else {
                            let s = self.dot_name(in_filter)?;
                            segs.push(s);
                        }
                    }
                }
                Some(b'[') => {
                    let s = self.bracket()?;
                    segs.push(s);
                }
                Some(_) if in_filter => break,
                Some(_) => return Err(self.err(&format!("unexpected character at {}", self.pos))),
            }
            if matches!(segs.last(), Some(Segment::Length)) && self.peek().is_some() && !in_filter {
                return Err(self.err("a function must end the path"));
            }
        }
        Ok(segs)
    }

    /// A property name after `.`: up to the next `.` or `[` (and, in a filter, an operator or `)`).
    fn dot_name(&mut self, in_filter: bool) -> Result<Segment, AslError> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b'.' || b == b'[' {
                break;
            }
            if b == b'(' {
                // Only the `length()` function is supported.
                if &self.src[start..self.pos] == "length"
                    && self.src.as_bytes().get(self.pos + 1) == Some(&b')')
                {
                    self.pos += 2;
                    return Ok(Segment::Length);
                }
                return Err(self.err(&format!(
                    "unsupported function '{}'",
                    &self.src[start..self.pos]
                )));
            }
            if in_filter
                && matches!(
                    b,
                    b' ' | b')' | b'=' | b'!' | b'<' | b'>' | b'&' | b'|' | b'~' | b','
                )
            {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.err("empty property name"));
        }
        Ok(Segment::Child(self.src[start..self.pos].to_string()))
    }

    /// A bracketed segment, `[` already next.
    fn bracket(&mut self) -> Result<Segment, AslError> {
        self.pos += 1; // '['
        self.skip_ws();
        let seg = match self.peek() {
            Some(b'*') => {
                self.pos += 1;
                Segment::Wildcard
            }
            Some(b'?') => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() != Some(b'(') {
                    return Err(self.err("a filter must be written [?(...)]"));
                }
                self.pos += 1;
                let expr = filter::parse_expr(self)?;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    return Err(self.err("unclosed filter expression"));
                }
                self.pos += 1;
                Segment::Filter(Box::new(expr))
            }
            Some(q @ (b'\'' | b'"')) => {
                let mut names = vec![self.quoted(q)?];
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b',') {
                        break;
                    }
                    self.pos += 1;
                    self.skip_ws();
                    match self.peek() {
                        Some(q @ (b'\'' | b'"')) => names.push(self.quoted(q)?),
                        _ => return Err(self.err("expected a quoted name after ','")),
                    }
                }
                if names.len() == 1 {
                    Segment::Child(names.pop().unwrap_or_default())
                } else {
                    Segment::Children(names)
                }
            }
            _ => self.numeric_bracket()?,
        };
        self.skip_ws();
        if self.peek() != Some(b']') {
            return Err(self.err("expected ']'"));
        }
        self.pos += 1;
        Ok(seg)
    }

    /// A quoted string starting at the quote `q`. A backslash before the quote character escapes it;
    /// any other backslash is kept as written (recorded case
    /// `test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH]`: `$['Test\""Name"']`).
    pub fn quoted(&mut self, q: u8) -> Result<String, AslError> {
        self.pos += 1;
        let mut out = String::new();
        let rest = &self.src[self.pos..];
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                if let Some(&(_, n)) = chars.peek() {
                    if n as u32 == q as u32 {
                        out.push(n);
                        chars.next();
                        continue;
                    }
                }
                out.push(c);
            } else if c as u32 == q as u32 {
                self.pos += i + 1;
                return Ok(out);
            } else {
                out.push(c);
            }
        }
        Err(self.err("unterminated quoted string"))
    }

    /// `[3]`, `[-1]`, `[0,2]`, `[1:5]`, `[:2]`, `[-2:]`, `[::2]`.
    fn numeric_bracket(&mut self) -> Result<Segment, AslError> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b']' {
                break;
            }
            self.pos += 1;
        }
        let body = self.src[start..self.pos].trim();
        if body.is_empty() {
            return Err(self.err("empty brackets"));
        }
        let int = |s: &str| -> Result<i64, AslError> {
            s.trim()
                .parse::<i64>()
                .map_err(|_| self.err(&format!("'{}' is not an array index", s.trim())))
        };
        let opt = |s: &str| -> Result<Option<i64>, AslError> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                int(s).map(Some)
            }
        };
        if body.contains(':') {
            let parts: Vec<&str> = body.split(':').collect();
            if parts.len() > 3 {
                return Err(self.err("a slice has at most three parts"));
            }
            let a = opt(parts[0])?;
            let b = opt(parts[1])?;
            let step = if parts.len() == 3 {
                opt(parts[2])?
            } else {
                None
            };
            if step == Some(0) {
                return Err(self.err("slice step cannot be zero"));
            }
            return Ok(Segment::Slice(a, b, step));
        }
        if body.contains(',') {
            let ixs = body.split(',').map(int).collect::<Result<Vec<_>, _>>()?;
            return Ok(Segment::Indexes(ixs));
        }
        Ok(Segment::Index(int(body)?))
    }
}
