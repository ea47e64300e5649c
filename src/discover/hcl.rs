//! A small HCL reader: enough of Terraform's native syntax for discovery. Blocks, attributes,
//! strings with `${...}` interpolation, heredocs, numbers, booleans, lists, objects, function
//! calls and references. References and interpolations become JSON strings `"${addr.attr}"`
//! (the form they take inside a template string); a call becomes
//! `{"Fn::Call": {"name": ..., "args": [...]}}`; anything else (operators, conditionals, `for`
//! expressions, splats) is skipped with balanced brackets and read as `"${?}"`.
//! Syntax: https://developer.hashicorp.com/terraform/language/syntax/configuration

use crate::error::InputError;
use serde_json::{json, Map, Value};
use std::path::Path;

/// One top-level block: `resource "aws_lambda_function" "save" { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    /// Attributes and nested blocks (repeated nested blocks become arrays).
    pub body: Map<String, Value>,
    /// 1-based line of the block's first token.
    pub line: usize,
}

/// What comes next inside a list or object literal.
enum Item {
    End,
    For,
    Next,
}

pub fn parse(path: &Path, text: &str) -> Result<Vec<Block>, InputError> {
    let mut p = Parser {
        path,
        s: text.as_bytes(),
        text,
        i: 0,
    };
    let mut blocks = Vec::new();
    loop {
        p.skip_ws(true);
        if p.i >= p.s.len() {
            break;
        }
        let line = p.line();
        let kind = p.ident().ok_or_else(|| p.err("expected a block type"))?;
        let mut labels = Vec::new();
        loop {
            p.skip_ws(false);
            match p.peek() {
                Some(b'"') => labels.push(p.string_literal()?),
                Some(b'{') => break,
                Some(c) if is_ident_start(c) => labels.push(p.ident().unwrap_or_default()),
                Some(b'=') => {
                    // A top-level attribute (in .tfvars style files): read and ignore.
                    p.i += 1;
                    p.expression()?;
                    labels.clear();
                    break;
                }
                _ => return Err(p.err("expected a block label or `{`")),
            }
        }
        if p.peek() == Some(b'{') {
            p.i += 1;
            let body = p.body()?;
            blocks.push(Block {
                kind,
                labels,
                body,
                line,
            });
        }
    }
    Ok(blocks)
}

struct Parser<'a> {
    path: &'a Path,
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// A character that may continue an identifier (HCL allows `-` after the first character).
pub(crate) fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Where the spaces and comments (`#`, `//`, `/* */`) starting at `i` end; line ends too when
/// `newlines`. An unclosed `/*` runs to the end of the text.
pub(crate) fn skip_space_and_comments(s: &[u8], mut i: usize, newlines: bool) -> usize {
    while let Some(&c) = s.get(i) {
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' if newlines => i += 1,
            b'#' => i = line_end(s, i),
            b'/' if s.get(i + 1) == Some(&b'/') => i = line_end(s, i),
            b'/' if s.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < s.len() && !(s[i] == b'*' && s.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(s.len());
            }
            _ => break,
        }
    }
    i
}

/// The offset of the `\n` ending the line at `i` (or the end of the text).
pub(crate) fn line_end(s: &[u8], i: usize) -> usize {
    s.get(i..)
        .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
        .map_or(s.len().max(i), |p| i + p)
}

impl<'a> Parser<'a> {
    fn line(&self) -> usize {
        self.s[..self.i.min(self.s.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn column(&self) -> usize {
        let start = self.s[..self.i.min(self.s.len())]
            .iter()
            .rposition(|b| *b == b'\n')
            .map(|p| p + 1)
            .unwrap_or(0);
        self.text[start..self.i.min(self.s.len())].chars().count() + 1
    }

    fn err(&self, msg: &str) -> InputError {
        InputError::new(self.path, format!("malformed HCL: {msg}")).at(self.line(), self.column())
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips spaces and comments; newlines too when `newlines`.
    fn skip_ws(&mut self, newlines: bool) {
        self.i = skip_space_and_comments(self.s, self.i, newlines);
    }

    fn skip_line(&mut self) {
        self.i = line_end(self.s, self.i);
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.i;
        if !self.peek().map(is_ident_start).unwrap_or(false) {
            return None;
        }
        while self.peek().map(is_ident).unwrap_or(false) {
            self.i += 1;
        }
        Some(self.text[start..self.i].to_string())
    }

    /// The body of a block after `{`, up to and including `}`.
    fn body(&mut self) -> Result<Map<String, Value>, InputError> {
        let mut out = Map::new();
        loop {
            self.skip_ws(true);
            match self.peek() {
                None => return Err(self.err("unclosed block: expected `}`")),
                Some(b'}') => {
                    self.i += 1;
                    return Ok(out);
                }
                _ => {}
            }
            let key = match self.peek() {
                Some(b'"') => self.string_literal()?,
                _ => self
                    .ident()
                    .ok_or_else(|| self.err("expected an attribute or block name"))?,
            };
            self.skip_ws(false);
            match self.peek() {
                Some(b'=') => {
                    self.i += 1;
                    let v = self.expression()?;
                    out.insert(key, v);
                }
                _ => {
                    // Nested block, possibly with labels.
                    let mut labels = Vec::new();
                    loop {
                        self.skip_ws(false);
                        match self.peek() {
                            Some(b'"') => labels.push(self.string_literal()?),
                            Some(b'{') => break,
                            Some(c) if is_ident_start(c) => {
                                labels.push(self.ident().unwrap_or_default())
                            }
                            _ => return Err(self.err("expected `=` or `{`")),
                        }
                    }
                    self.i += 1;
                    let mut inner = self.body()?;
                    if !labels.is_empty() {
                        inner.insert("__labels".into(), json!(labels));
                    }
                    let inner = Value::Object(inner);
                    match out.get_mut(&key) {
                        Some(Value::Array(items)) => items.push(inner),
                        Some(existing) => {
                            let first = existing.take();
                            *existing = Value::Array(vec![first, inner]);
                        }
                        None => {
                            out.insert(key, inner);
                        }
                    }
                }
            }
        }
    }

    /// An expression up to the end of its line (or a closing bracket / comma at depth 0).
    fn expression(&mut self) -> Result<Value, InputError> {
        self.skip_ws(false);
        if self.s[self.i..].starts_with(b"<<") {
            // A heredoc ends with its marker line: nothing follows it on that line.
            return self.heredoc();
        }
        let v = self.primary()?;
        self.skip_ws(false);
        match self.peek() {
            None | Some(b'\n') | Some(b',') | Some(b'}') | Some(b']') | Some(b')') => Ok(v),
            Some(b'#') | Some(b'/') if self.at_comment() => Ok(v),
            _ => {
                // Operators, conditionals: skip the rest of the expression.
                self.skip_rest()?;
                Ok(Value::String("${?}".into()))
            }
        }
    }

    fn at_comment(&self) -> bool {
        match self.peek() {
            Some(b'#') => true,
            Some(b'/') => matches!(self.s.get(self.i + 1), Some(b'/') | Some(b'*')),
            _ => false,
        }
    }

    fn skip_rest(&mut self) -> Result<(), InputError> {
        self.scan_balanced(true)?;
        Ok(())
    }

    /// Skips a `for` expression up to and including the bracket that closes it.
    fn skip_to_close(&mut self, close: u8) -> Result<(), InputError> {
        match self.scan_balanced(false)? {
            Some(c) if c == close => {
                self.i += 1;
                Ok(())
            }
            Some(_) => Err(self.err("mismatched bracket")),
            None => Err(self.err("unclosed `for` expression")),
        }
    }

    /// Moves over strings and nested brackets to the first closing bracket outside them (or,
    /// with `at_separator`, the first `,` or newline outside them) and returns that byte without
    /// consuming it; `None` at the end of the text.
    fn scan_balanced(&mut self, at_separator: bool) -> Result<Option<u8>, InputError> {
        let mut depth = 0i32;
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    self.string_template()?;
                    continue;
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth == 0 => return Ok(Some(c)),
                b')' | b']' | b'}' => depth -= 1,
                b',' | b'\n' if depth == 0 && at_separator => return Ok(Some(c)),
                _ => {}
            }
            self.i += 1;
        }
        Ok(None)
    }

    /// Before the next item of a list or object: the collection ends at `close` (consumed), or
    /// is a `for` expression (skipped), or goes on.
    fn collection_item(&mut self, close: u8, unclosed: &str) -> Result<Item, InputError> {
        self.skip_ws(true);
        match self.peek() {
            Some(c) if c == close => {
                self.i += 1;
                return Ok(Item::End);
            }
            None => return Err(self.err(unclosed)),
            _ => {}
        }
        if self.s[self.i..].starts_with(b"for ") {
            self.skip_to_close(close)?;
            return Ok(Item::For);
        }
        Ok(Item::Next)
    }

    /// After an item: blank space and the comma that may follow.
    fn skip_comma(&mut self) {
        self.skip_ws(true);
        if self.peek() == Some(b',') {
            self.i += 1;
        }
    }

    fn primary(&mut self) -> Result<Value, InputError> {
        match self.peek() {
            Some(b'"') => self.string_template(),
            Some(b'<') if self.s.get(self.i + 1) == Some(&b'<') => self.heredoc(),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    match self.collection_item(b']', "unclosed list: expected `]`")? {
                        Item::End => return Ok(Value::Array(items)),
                        Item::For => return Ok(Value::String("${?}".into())),
                        Item::Next => {}
                    }
                    items.push(self.expression()?);
                    self.skip_comma();
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut map = Map::new();
                loop {
                    match self.collection_item(b'}', "unclosed object: expected `}`")? {
                        Item::End => return Ok(Value::Object(map)),
                        Item::For => return Ok(Value::String("${?}".into())),
                        Item::Next => {}
                    }
                    let key = match self.peek() {
                        Some(b'"') => match self.string_template()? {
                            Value::String(s) => s,
                            other => other.to_string(),
                        },
                        Some(b'(') => {
                            self.i += 1;
                            let k = self.expression()?;
                            self.skip_ws(true);
                            if self.peek() == Some(b')') {
                                self.i += 1;
                            }
                            k.as_str().unwrap_or("${?}").to_string()
                        }
                        _ => self
                            .traversal_text()
                            .ok_or_else(|| self.err("expected an object key"))?,
                    };
                    self.skip_ws(false);
                    match self.peek() {
                        Some(b'=') | Some(b':') => self.i += 1,
                        _ => return Err(self.err("expected `=` or `:` after an object key")),
                    }
                    let v = self.expression()?;
                    map.insert(key, v);
                    self.skip_comma();
                }
            }
            Some(b'(') => {
                self.i += 1;
                let v = self.expression()?;
                self.skip_ws(true);
                if self.peek() != Some(b')') {
                    return Err(self.err("expected `)`"));
                }
                self.i += 1;
                Ok(v)
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while self
                    .peek()
                    .map(|c| c.is_ascii_digit() || c == b'.' || c == b'e' || c == b'E')
                    .unwrap_or(false)
                {
                    self.i += 1;
                }
                let t = &self.text[start..self.i];
                Ok(t.parse::<i64>()
                    .map(Value::from)
                    .or_else(|_| t.parse::<f64>().map(Value::from))
                    .unwrap_or(Value::String("${?}".into())))
            }
            Some(c) if is_ident_start(c) => {
                let start = self.i;
                let path = self.traversal_text().unwrap_or_default();
                match path.as_str() {
                    "true" => return Ok(Value::Bool(true)),
                    "false" => return Ok(Value::Bool(false)),
                    "null" => return Ok(Value::Null),
                    _ => {}
                }
                if self.peek() == Some(b'(') && !path.contains('.') {
                    self.i += 1;
                    let mut args = Vec::new();
                    loop {
                        self.skip_ws(true);
                        match self.peek() {
                            Some(b')') => {
                                self.i += 1;
                                break;
                            }
                            None => return Err(self.err("unclosed call: expected `)`")),
                            _ => {}
                        }
                        args.push(self.expression()?);
                        self.skip_ws(true);
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b'.') if self.s[self.i..].starts_with(b"...") => self.i += 3,
                            _ => {}
                        }
                    }
                    return Ok(json!({ "Fn::Call": { "name": path, "args": args } }));
                }
                let _ = start;
                Ok(Value::String(format!("${{{path}}}")))
            }
            _ => Err(self.err("expected an expression")),
        }
    }

    /// `a.b[0].c` / `a.b["k"]` / `a.*.b` as text.
    fn traversal_text(&mut self) -> Option<String> {
        let mut out = self.ident()?;
        loop {
            match self.peek() {
                Some(b'.') if self.s.get(self.i + 1) != Some(&b'.') => {
                    self.i += 1;
                    if self.peek() == Some(b'*') {
                        self.i += 1;
                        out.push_str(".*");
                    } else if let Some(id) = self.ident() {
                        out.push('.');
                        out.push_str(&id);
                    } else {
                        let start = self.i;
                        while self.peek().map(|c| c.is_ascii_digit()).unwrap_or(false) {
                            self.i += 1;
                        }
                        out.push('.');
                        out.push_str(&self.text[start..self.i]);
                    }
                }
                Some(b'[') => {
                    let start = self.i;
                    let mut depth = 0;
                    while let Some(c) = self.peek() {
                        self.i += 1;
                        if c == b'[' {
                            depth += 1;
                        } else if c == b']' {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                    }
                    out.push_str(&self.text[start..self.i]);
                }
                _ => return Some(out),
            }
        }
    }

    /// A quoted string without interpolation (block labels).
    fn string_literal(&mut self) -> Result<String, InputError> {
        match self.string_template()? {
            Value::String(s) => Ok(s),
            other => Ok(other.to_string()),
        }
    }

    /// `"text ${expr} more"`: escapes decoded, interpolations kept as `${...}` text.
    fn string_template(&mut self) -> Result<Value, InputError> {
        let open_line = (self.line(), self.column());
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(
                    InputError::new(self.path, "malformed HCL: unterminated string")
                        .at(open_line.0, open_line.1),
                );
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(Value::String(out));
                }
                b'\n' => {
                    return Err(
                        InputError::new(self.path, "malformed HCL: unterminated string")
                            .at(open_line.0, open_line.1),
                    )
                }
                b'\\' => {
                    let e = self.s.get(self.i + 1).copied();
                    self.i += 2;
                    match e {
                        Some(b'n') => out.push('\n'),
                        Some(b't') => out.push('\t'),
                        Some(b'r') => out.push('\r'),
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'u') => {
                            let hex = self.text.get(self.i..self.i + 4).unwrap_or("");
                            if let Some(ch) =
                                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                            {
                                out.push(ch);
                                self.i += 4;
                            }
                        }
                        Some(other) => {
                            out.push('\\');
                            out.push(other as char);
                        }
                        None => {}
                    }
                }
                b'$' | b'%'
                    if self.s.get(self.i + 1) == Some(&c)
                        && self.s.get(self.i + 2) == Some(&b'{') =>
                {
                    // `$${` is a literal `${`, `%%{` a literal `%{`.
                    out.push(c as char);
                    out.push('{');
                    self.i += 3;
                }
                b'$' | b'%' if self.s.get(self.i + 1) == Some(&b'{') => {
                    let start = self.i;
                    self.i += 2;
                    let mut depth = 1;
                    while let Some(c) = self.peek() {
                        if c == b'{' {
                            depth += 1;
                        } else if c == b'}' {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                break;
                            }
                        } else if c == b'\n' {
                            break;
                        }
                        self.i += 1;
                    }
                    let inner = self.text[start + 2..self.i.saturating_sub(1)].trim();
                    if c == b'$' {
                        out.push_str("${");
                        out.push_str(inner);
                        out.push('}');
                    }
                }
                _ => {
                    let ch = self.text[self.i..].chars().next().unwrap_or(' ');
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }

    /// `<<EOF ... EOF` and `<<-EOF` (indented) heredocs.
    fn heredoc(&mut self) -> Result<Value, InputError> {
        let (line, col) = (self.line(), self.column());
        self.i += 2;
        let indented = self.peek() == Some(b'-');
        if indented {
            self.i += 1;
        }
        let marker = self
            .ident()
            .ok_or_else(|| self.err("expected a heredoc marker"))?;
        self.skip_line();
        self.i += 1;
        let mut lines = Vec::new();
        loop {
            if self.i >= self.s.len() {
                return Err(InputError::new(
                    self.path,
                    format!("malformed HCL: heredoc `{marker}` is not closed"),
                )
                .at(line, col));
            }
            let start = self.i;
            self.skip_line();
            let l = &self.text[start..self.i];
            if self.i < self.s.len() {
                self.i += 1;
            }
            if l.trim() == marker {
                break;
            }
            lines.push(l);
        }
        let indent = if indented {
            lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0)
        } else {
            0
        };
        let mut text = String::new();
        for l in lines {
            text.push_str(l.get(indent..).unwrap_or(l.trim_start()));
            text.push('\n');
        }
        // Interpolations inside heredocs stay as `${...}` text, as in quoted strings;
        // `$${` is a literal `${`.
        Ok(Value::String(text.replace("$${", "${")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocks_attributes_and_expressions() {
        let text = r#"
# comment
resource "aws_lambda_function" "save" {
  function_name = "${local.prefix}-save"  // trailing comment
  filename      = data.archive_file.save.output_path
  memory_size   = 256
  architectures = ["arm64"]
  count         = var.enabled ? 1 : 0
  environment {
    variables = {
      TABLE = aws_dynamodb_table.t.name
      "A.B" = "x"
    }
  }
  tags = { for k, v in var.tags : k => v }
}

resource "aws_sfn_state_machine" "sm" {
  definition = jsonencode({
    StartAt = "A"
    States = {
      A = { Type = "Task", Resource = aws_lambda_function.save.arn, End = true }
    }
  })
}
"#;
        let blocks = parse(Path::new("main.tf"), text).unwrap();
        assert_eq!(blocks.len(), 2);
        let f = &blocks[0];
        assert_eq!(f.labels, vec!["aws_lambda_function", "save"]);
        assert_eq!(f.line, 3);
        assert_eq!(f.body["function_name"], "${local.prefix}-save");
        assert_eq!(f.body["filename"], "${data.archive_file.save.output_path}");
        assert_eq!(f.body["memory_size"], 256);
        assert_eq!(f.body["architectures"], json!(["arm64"]));
        assert_eq!(f.body["count"], "${?}");
        assert_eq!(
            f.body["environment"]["variables"]["TABLE"],
            "${aws_dynamodb_table.t.name}"
        );
        assert_eq!(f.body["environment"]["variables"]["A.B"], "x");
        let call = &blocks[1].body["definition"]["Fn::Call"];
        assert_eq!(call["name"], "jsonencode");
        assert_eq!(
            call["args"][0]["States"]["A"]["Resource"],
            "${aws_lambda_function.save.arn}"
        );
    }

    #[test]
    fn heredocs_and_escapes() {
        let text =
            "locals {\n  a = <<-EOT\n    {\"x\": \"$${y}\"}\n    EOT\n  b = \"q\\\"$${z}\"\n}\n";
        let blocks = parse(Path::new("x.tf"), text).unwrap();
        assert_eq!(blocks[0].body["a"], "{\"x\": \"${y}\"}\n");
        assert_eq!(blocks[0].body["b"], "q\"${z}");
    }

    #[test]
    fn unterminated_string_names_line_and_column() {
        let err = parse(
            Path::new("bad.tf"),
            "resource \"a\" \"b\" {\n  x = \"oops\n}\n",
        )
        .unwrap_err();
        assert_eq!(err.location.line, Some(2));
        assert_eq!(err.location.column, Some(7));
        let err = parse(Path::new("bad.tf"), "resource \"a\" \"b\" {\n  x = 1\n").unwrap_err();
        assert!(err.message.contains("unclosed block"));
    }
}
