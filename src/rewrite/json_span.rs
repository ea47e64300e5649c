//! A small JSON scanner that finds where a value lives in the original text, so that an edit can
//! replace exactly that span and leave every other byte of the file untouched.

use serde_json::Value;

/// Byte range `[start, end)` of a value in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One member of an object, with the span of its key (including quotes) and of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub key: String,
    pub key_span: Span,
    pub value: Span,
}

/// Why the scanner gave up (the caller turns it into an `InputError` naming the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    pub offset: usize,
    pub message: String,
}

struct Scanner<'a> {
    text: &'a [u8],
    src: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn err<T>(&self, message: &str) -> Result<T, ScanError> {
        Err(ScanError {
            offset: self.pos,
            message: message.to_string(),
        })
    }

    fn skip_ws(&mut self) {
        while self.pos < self.text.len()
            && matches!(self.text[self.pos], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.pos += 1;
        }
    }

    /// Skips one value and returns its span.
    fn value(&mut self) -> Result<Span, ScanError> {
        self.skip_ws();
        let start = self.pos;
        match self.text.get(self.pos) {
            Some(b'{') => {
                self.object_members()?;
            }
            Some(b'[') => {
                self.pos += 1;
                self.skip_ws();
                if self.text.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                } else {
                    loop {
                        self.value()?;
                        self.skip_ws();
                        match self.text.get(self.pos) {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return self.err("expected ',' or ']'"),
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string()?;
            }
            Some(_) => {
                while self.pos < self.text.len()
                    && !matches!(
                        self.text[self.pos],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.pos += 1;
                }
                if self.pos == start {
                    return self.err("expected a value");
                }
            }
            None => return self.err("unexpected end of text"),
        }
        Ok(Span {
            start,
            end: self.pos,
        })
    }

    fn string(&mut self) -> Result<String, ScanError> {
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.text.len() {
            match self.text[self.pos] {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    let raw = &self.src[start..self.pos];
                    return serde_json::from_str::<String>(raw).or_else(|_| self.err("bad string"));
                }
                _ => self.pos += 1,
            }
        }
        self.err("unterminated string")
    }

    /// Scans an object starting at `{` and returns its members.
    fn object_members(&mut self) -> Result<Vec<Member>, ScanError> {
        self.skip_ws();
        if self.text.get(self.pos) != Some(&b'{') {
            return self.err("expected an object");
        }
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.text.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(members);
        }
        loop {
            self.skip_ws();
            if self.text.get(self.pos) != Some(&b'"') {
                return self.err("expected a member name");
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span {
                start: key_start,
                end: self.pos,
            };
            self.skip_ws();
            if self.text.get(self.pos) != Some(&b':') {
                return self.err("expected ':'");
            }
            self.pos += 1;
            let value = self.value()?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_ws();
            match self.text.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(members);
                }
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }

    /// Scans an array starting at `[` and returns its element spans.
    fn array_items(&mut self) -> Result<Vec<Span>, ScanError> {
        self.skip_ws();
        if self.text.get(self.pos) != Some(&b'[') {
            return self.err("expected an array");
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.text.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(self.value()?);
            self.skip_ws();
            match self.text.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }
}

fn scanner_at(text: &str, pos: usize) -> Scanner<'_> {
    Scanner {
        text: text.as_bytes(),
        src: text,
        pos,
    }
}

/// The members of the object whose text starts at `span.start`.
pub fn members(text: &str, span: Span) -> Result<Vec<Member>, ScanError> {
    scanner_at(text, span.start).object_members()
}

/// The element spans of the array whose text starts at `span.start`.
pub fn items(text: &str, span: Span) -> Result<Vec<Span>, ScanError> {
    scanner_at(text, span.start).array_items()
}

/// The span of the whole document's root value.
pub fn root(text: &str) -> Result<Span, ScanError> {
    let mut s = scanner_at(text, 0);
    // A UTF-8 byte order mark is not part of the JSON value.
    if text.starts_with('\u{feff}') {
        s.pos = 3;
    }
    s.value()
}

/// Finds the span of the value at a JSON pointer (`/States/Save`, `/States/P/Branches/0/States/X`).
pub fn find_pointer(text: &str, pointer: &str) -> Result<Span, ScanError> {
    let mut span = root(text)?;
    if pointer.is_empty() {
        return Ok(span);
    }
    for raw in pointer.trim_start_matches('/').split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        let first = text.as_bytes().get(span.start).copied();
        span = match first {
            Some(b'{') => members(text, span)?
                .into_iter()
                .find(|m| m.key == token)
                .map(|m| m.value)
                .ok_or_else(|| ScanError {
                    offset: span.start,
                    message: format!("no member '{token}'"),
                })?,
            Some(b'[') => {
                let index: usize = token.parse().map_err(|_| ScanError {
                    offset: span.start,
                    message: format!("'{token}' is not an array index"),
                })?;
                let items = scanner_at(text, span.start).array_items()?;
                *items.get(index).ok_or_else(|| ScanError {
                    offset: span.start,
                    message: format!("no element {index}"),
                })?
            }
            _ => {
                return Err(ScanError {
                    offset: span.start,
                    message: format!("cannot descend into a scalar at '{token}'"),
                })
            }
        };
    }
    Ok(span)
}

/// The whitespace that starts the line holding byte `offset`.
pub fn line_indent(text: &str, offset: usize) -> &str {
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let rest = &text[line_start..];
    let len = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..len]
}

/// The fewest leading spaces of the non-blank `lines` (`None` when all are blank): the
/// indentation of a block scalar or heredoc body.
pub fn common_indent<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<usize> {
    lines
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
}

/// `lines` with their first `indent` bytes (spaces) removed; blank lines lose their spaces.
pub fn dedent<'a>(lines: impl IntoIterator<Item = &'a str>, indent: usize) -> String {
    lines
        .into_iter()
        .map(|l| {
            if l.trim().is_empty() {
                l.trim_start_matches(' ')
            } else {
                &l[indent..]
            }
        })
        .collect()
}

/// The lines of `text` (with their line ends), each non-blank one behind `indent` spaces.
pub fn reindent(text: &str, indent: usize) -> impl Iterator<Item = String> + '_ {
    let pad = " ".repeat(indent);
    text.split_inclusive('\n').map(move |l| {
        if l.trim().is_empty() {
            l.to_string()
        } else {
            format!("{pad}{l}")
        }
    })
}

/// The file's indentation unit, guessed from the first indented line (two spaces when unknown).
pub fn indent_unit(text: &str) -> String {
    for line in text.lines() {
        let trimmed = line.trim_start_matches([' ', '\t']);
        let n = line.len() - trimmed.len();
        if n > 0 && !trimmed.is_empty() {
            return line[..n].to_string();
        }
    }
    "  ".to_string()
}

/// Renders `new` as pretty JSON whose first line continues at the current position and whose
/// other lines start with `base` plus nesting × `unit`. Members of `new` whose key and value are
/// unchanged from the original object at `old_span` are copied byte for byte from the original
/// text, so that a rewritten state keeps the author's formatting wherever it did not change.
pub fn render_replacement(
    text: &str,
    old_span: Span,
    old: &Value,
    new: &Value,
    base: &str,
    unit: &str,
) -> String {
    let (Value::Object(old_map), Value::Object(new_map)) = (old, new) else {
        return render_value(new, base, unit);
    };
    let old_members = match members(text, old_span) {
        Ok(m) => m,
        Err(_) => return render_value(new, base, unit),
    };
    if new_map.is_empty() {
        return "{}".to_string();
    }
    let inner = format!("{base}{unit}");
    let mut out = String::from("{\n");
    let n = new_map.len();
    for (i, (key, value)) in new_map.iter().enumerate() {
        out.push_str(&inner);
        let unchanged = old_map.get(key) == Some(value);
        let original = old_members.iter().find(|m| &m.key == key);
        match (unchanged, original) {
            (true, Some(m)) => {
                out.push_str(&text[m.key_span.start..m.value.end]);
            }
            _ => {
                out.push_str(&serde_json::to_string(key).unwrap_or_default());
                out.push_str(": ");
                out.push_str(&render_value(value, &inner, unit));
            }
        }
        if i + 1 < n {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(base);
    out.push('}');
    out
}

/// Pretty JSON with the given indentation, nested lines prefixed by `base`.
pub fn render_value(value: &Value, base: &str, unit: &str) -> String {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let inner = format!("{base}{unit}");
            let mut out = String::from("{\n");
            let n = map.len();
            for (i, (k, v)) in map.iter().enumerate() {
                out.push_str(&inner);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                out.push_str(&render_value(v, &inner, unit));
                out.push_str(if i + 1 < n { ",\n" } else { "\n" });
            }
            out.push_str(base);
            out.push('}');
            out
        }
        Value::Array(items) if !items.is_empty() => {
            // Short arrays of scalars stay on one line, as people write `["States.ALL"]`.
            if items.iter().all(|v| !v.is_object() && !v.is_array()) {
                let one_line = serde_json::to_string(value).unwrap_or_default();
                if one_line.len() <= 60 {
                    return one_line.replace("\",\"", "\", \"");
                }
            }
            let inner = format!("{base}{unit}");
            let mut out = String::from("[\n");
            let n = items.len();
            for (i, v) in items.iter().enumerate() {
                out.push_str(&inner);
                out.push_str(&render_value(v, &inner, unit));
                out.push_str(if i + 1 < n { ",\n" } else { "\n" });
            }
            out.push_str(base);
            out.push(']');
            out
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC: &str = r#"{
  "StartAt": "A",
  "States": {
    "A": {"Type": "Pass", "Next": "B \"quoted\""},
    "B \"quoted\"": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}
      ],
      "End": true
    }
  }
}"#;

    #[test]
    fn finds_nested_pointers_with_escaped_keys() {
        let span = find_pointer(DOC, "/States/B \"quoted\"/Branches/0/States/X").unwrap();
        assert_eq!(&DOC[span.start..span.end], r#"{"Type": "Succeed"}"#);
        let span = find_pointer(DOC, "/States/A/Next").unwrap();
        assert_eq!(&DOC[span.start..span.end], r#""B \"quoted\"""#);
        assert!(find_pointer(DOC, "/States/Missing").is_err());
    }

    #[test]
    fn scanner_errors_instead_of_panicking_on_truncated_text() {
        assert!(find_pointer("{\"States\": {\"A\": ", "/States/A").is_err());
        assert!(find_pointer("", "/States").is_err());
        assert!(find_pointer("{\"a\": \"unterminated", "/a").is_err());
    }

    #[test]
    fn replacement_keeps_unchanged_members_verbatim() {
        let text = "{\n  \"S\": {\n    \"Type\": \"Task\",\n    \"Catch\": [{\"ErrorEquals\": [\"States.ALL\"], \"Next\": \"F\"}],\n    \"Next\": \"N\"\n  }\n}";
        let span = find_pointer(text, "/S").unwrap();
        let old: Value = serde_json::from_str(&text[span.start..span.end]).unwrap();
        let mut new = old.clone();
        new["Type"] = json!("Pass");
        let out = render_replacement(text, span, &old, &new, "  ", "  ");
        assert!(out.contains("\"Catch\": [{\"ErrorEquals\": [\"States.ALL\"], \"Next\": \"F\"}]"));
        assert!(out.contains("    \"Type\": \"Pass\""));
        let parsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, new);
    }
}
