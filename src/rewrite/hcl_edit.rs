//! Minimal edits of Terraform files: the state objects inside `definition = jsonencode({...})`
//! (HCL object syntax, written as `terraform fmt` writes it), and the variables map of
//! `templatefile(path, {...})` (or `file(path)` turned into `templatefile` when the definition
//! needs a variable). Only the spans that change are replaced.
//! Syntax: https://developer.hashicorp.com/terraform/language/syntax/configuration and
//! https://developer.hashicorp.com/terraform/language/functions/templatefile (`${`/`%{` in the file
//! are template sequences).

use super::json_span::{self, Span};
use crate::discover::hcl::{is_ident, line_end, skip_space_and_comments};
use serde_json::Value;

/// A scanner over HCL text that skips strings, heredocs, comments and bracketed expressions.
struct Scan<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str, i: usize) -> Self {
        Scan {
            s: text.as_bytes(),
            text,
            i,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips spaces, comments and (when `newlines`) line ends.
    fn ws(&mut self, newlines: bool) {
        self.i = skip_space_and_comments(self.s, self.i, newlines);
    }

    fn skip_line(&mut self) {
        self.i = line_end(self.s, self.i);
    }

    /// Skips a quoted string starting at `"`, with nested `${ }` / `%{ }` templates.
    fn string(&mut self) -> Result<(), String> {
        self.i += 1;
        while let Some(c) = self.peek() {
            match c {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Ok(());
                }
                b'$' | b'%' if self.s.get(self.i + 1) == Some(&b'{') => {
                    if self.s.get(self.i.wrapping_sub(1)) == Some(&c) {
                        self.i += 2;
                        continue;
                    }
                    self.i += 1;
                    self.bracketed()?;
                }
                _ => self.i += 1,
            }
        }
        Err("unterminated string".into())
    }

    /// Skips `<<EOF ... EOF` or `<<-EOF ... EOF`.
    fn heredoc(&mut self) -> Result<(), String> {
        let start = self.i + 2 + usize::from(self.s.get(self.i + 2) == Some(&b'-'));
        let end = self.text[start..]
            .find('\n')
            .map(|p| start + p)
            .ok_or("unterminated heredoc")?;
        let marker = self.text[start..end].trim();
        let mut pos = end + 1;
        for line in self.text[end + 1..].split_inclusive('\n') {
            pos += line.len();
            if line.trim() == marker {
                self.i = pos;
                return Ok(());
            }
        }
        Err("unterminated heredoc".into())
    }

    /// Skips a bracketed group starting at `(`, `[` or `{`.
    fn bracketed(&mut self) -> Result<(), String> {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            match c {
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.i += 1;
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    self.i += 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                b'"' => self.string()?,
                b'<' if self.text[self.i..].starts_with("<<") => self.heredoc()?,
                b'#' => self.skip_line(),
                b'/' if matches!(self.s.get(self.i + 1), Some(b'/' | b'*')) => self.ws(false),
                _ => self.i += 1,
            }
        }
        Err("unbalanced brackets".into())
    }

    /// Skips one expression: up to a newline, `,` or a closing bracket at depth 0.
    fn expression(&mut self) -> Result<Span, String> {
        self.ws(false);
        let start = self.i;
        let mut end = self.i;
        while let Some(c) = self.peek() {
            match c {
                b'\n' | b',' | b')' | b']' | b'}' => break,
                b'#' => break,
                b'/' if matches!(self.s.get(self.i + 1), Some(b'/' | b'*')) => break,
                b'(' | b'[' | b'{' => {
                    self.bracketed()?;
                    end = self.i;
                }
                b'"' => {
                    self.string()?;
                    end = self.i;
                }
                b'<' if self.text[self.i..].starts_with("<<") => {
                    self.heredoc()?;
                    end = self.i;
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                _ => {
                    self.i += 1;
                    end = self.i;
                }
            }
        }
        if end == start {
            return Err(format!("expected an expression at byte {start}"));
        }
        Ok(Span { start, end })
    }

    /// A key: identifier or quoted string.
    fn key(&mut self) -> Result<(String, Span), String> {
        let start = self.i;
        match self.peek() {
            Some(b'"') => {
                self.string()?;
                let k: String = serde_json::from_str(&self.text[start..self.i])
                    .map_err(|e| format!("bad key: {e}"))?;
                Ok((k, Span { start, end: self.i }))
            }
            Some(c) if is_ident(c) => {
                while self.peek().is_some_and(is_ident) {
                    self.i += 1;
                }
                Ok((
                    self.text[start..self.i].to_string(),
                    Span { start, end: self.i },
                ))
            }
            _ => Err(format!("expected a key at byte {start}")),
        }
    }
}

/// One attribute of an object or block body.
#[derive(Debug, Clone)]
pub struct Attr {
    pub key: String,
    pub key_span: Span,
    pub value: Span,
}

/// One member of an object or block body: an attribute, or a nested block with the offset of
/// its `{` and the span from its name to its `}`.
enum Member {
    Attr(Attr),
    Block(String, usize, Span),
}

/// The members of the object / block body whose `{` is at `open`, in order; `unclosed` is the
/// error when the text ends first.
fn members(text: &str, open: usize, unclosed: &str) -> Result<Vec<Member>, String> {
    let mut sc = Scan::new(text, open + 1);
    let mut out = Vec::new();
    loop {
        sc.ws(true);
        match sc.peek() {
            None => return Err(unclosed.into()),
            Some(b'}') => return Ok(out),
            Some(b',') => {
                sc.i += 1;
                continue;
            }
            _ => {}
        }
        let (key, key_span) = sc.key()?;
        sc.ws(false);
        match sc.peek() {
            Some(b'=') | Some(b':') => {
                sc.i += 1;
                let value = sc.expression()?;
                out.push(Member::Attr(Attr {
                    key,
                    key_span,
                    value,
                }));
            }
            _ => {
                // A nested block: labels, then `{ ... }`.
                while let Some(c) = sc.peek() {
                    if c == b'{' {
                        break;
                    }
                    if c == b'"' {
                        sc.string()?;
                    } else {
                        sc.i += 1;
                    }
                }
                let body = sc.i;
                sc.bracketed()?;
                let span = Span {
                    start: key_span.start,
                    end: sc.i,
                };
                out.push(Member::Block(key, body, span));
            }
        }
    }
}

/// The attributes of the object / block body whose `{` is at `open`; nested blocks are skipped.
pub fn attributes(text: &str, open: usize) -> Result<Vec<Attr>, String> {
    Ok(members(text, open, "unclosed object")?
        .into_iter()
        .filter_map(|m| match m {
            Member::Attr(a) => Some(a),
            Member::Block(..) => None,
        })
        .collect())
}

/// Walks the top-level blocks in order, calling `visit(kind, labels, offset of the body's `{`)`
/// until it returns true; returns that block's offset (`None` when no block made it stop).
fn walk_blocks(
    text: &str,
    mut visit: impl FnMut(String, Vec<String>, usize) -> bool,
) -> Result<Option<usize>, String> {
    let mut sc = Scan::new(text, 0);
    loop {
        sc.ws(true);
        if sc.peek().is_none() {
            return Ok(None);
        }
        let start = sc.i;
        let mut labels = Vec::new();
        let (kind, _) = sc.key()?;
        loop {
            sc.ws(false);
            match sc.peek() {
                Some(b'"') => {
                    let s = sc.i;
                    sc.string()?;
                    labels.push(serde_json::from_str::<String>(&text[s..sc.i]).unwrap_or_default());
                }
                Some(c) if is_ident(c) => labels.push(sc.key()?.0),
                _ => break,
            }
        }
        match sc.peek() {
            Some(b'{') => {
                if visit(kind, labels, sc.i) {
                    return Ok(Some(sc.i));
                }
                sc.bracketed()?;
            }
            Some(b'=') => {
                sc.i += 1;
                sc.expression()?;
            }
            _ => return Err(format!("unexpected text at byte {start}")),
        }
    }
}

/// Every top-level block: (kind, labels, offset of its body's `{`).
pub fn blocks(text: &str) -> Result<Vec<(String, Vec<String>, usize)>, String> {
    let mut out = Vec::new();
    walk_blocks(text, |kind, labels, open| {
        out.push((kind, labels, open));
        false
    })?;
    Ok(out)
}

/// The offset of the `}` that closes the body opened at `open`.
pub fn block_end(text: &str, open: usize) -> Result<usize, String> {
    let mut sc = Scan::new(text, open);
    sc.bracketed()?;
    Ok(sc.i - 1)
}

/// Nested blocks of the body opened at `open`: (name, offset of its `{`, span from name to `}`).
pub fn nested_blocks(text: &str, open: usize) -> Result<Vec<(String, usize, Span)>, String> {
    Ok(members(text, open, "unclosed block")?
        .into_iter()
        .filter_map(|m| match m {
            Member::Block(name, body, span) => Some((name, body, span)),
            Member::Attr(_) => None,
        })
        .collect())
}

/// The body `{` offset of `resource "<ty>" "<name>"`.
pub fn find_resource(text: &str, ty: &str, name: &str) -> Result<usize, String> {
    walk_blocks(text, |kind, labels, _| {
        kind == "resource" && labels == [ty, name]
    })?
    .ok_or_else(|| format!("resource \"{ty}\" \"{name}\" not found"))
}

/// A call `name(args...)` at `span`: its name and argument spans.
pub fn call_args(text: &str, span: Span) -> Option<(String, Vec<Span>)> {
    let src = &text[span.start..span.end];
    let open = src.find('(')?;
    let name = src[..open].trim().to_string();
    let mut sc = Scan::new(text, span.start + open + 1);
    let mut args = Vec::new();
    loop {
        sc.ws(true);
        match sc.peek()? {
            b')' => return Some((name, args)),
            b',' => sc.i += 1,
            _ => {
                let mut e = sc.expression().ok()?;
                // An argument may continue on the next line only inside brackets.
                e.end = e.end.min(span.end);
                args.push(e);
            }
        }
    }
}

/// The span of the value at a JSON pointer inside the HCL object at `open`.
pub fn find_pointer(text: &str, open: usize, pointer: &str) -> Result<Span, String> {
    let mut at = open;
    let mut span = Span {
        start: open,
        end: open,
    };
    for raw in pointer.trim_start_matches('/').split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        match text.as_bytes().get(at) {
            Some(b'{') => {
                let attrs = attributes(text, at)?;
                span = attrs
                    .iter()
                    .find(|a| a.key == token)
                    .map(|a| a.value)
                    .ok_or_else(|| format!("no member {token}"))?;
            }
            Some(b'[') => {
                let index: usize = token.parse().map_err(|_| format!("bad index {token}"))?;
                let mut sc = Scan::new(text, at + 1);
                let mut n = 0;
                loop {
                    sc.ws(true);
                    match sc.peek() {
                        Some(b']') | None => return Err(format!("no element {index}")),
                        Some(b',') => {
                            sc.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let e = sc.expression()?;
                    if n == index {
                        span = e;
                        break;
                    }
                    n += 1;
                }
            }
            _ => return Err(format!("cannot descend into {token}")),
        }
        at = span.start;
    }
    Ok(span)
}

/// A traversal such as `aws_sqs_queue.q.url` or `var.x` (what may stand bare in HCL).
fn is_traversal(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|p| {
            !p.is_empty()
                && p.bytes().all(|c| is_ident(c) || c == b'[' || c == b']')
                && !p.as_bytes()[0].is_ascii_digit()
        })
}

/// An HCL quoted string for `s`: `${traversal}` stays an interpolation, any other `${` / `%{` is
/// escaped (`$${`, `%%{`).
pub fn hcl_string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("${") {
            if let Some(close) = rest.find('}') {
                if is_traversal(&rest[2..close]) {
                    out.push_str(&rest[..=close]);
                    rest = &rest[close + 1..];
                    continue;
                }
            }
            out.push_str("$${");
            rest = &rest[2..];
            continue;
        }
        if rest.starts_with("%{") {
            out.push_str("%%{");
            rest = &rest[2..];
            continue;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out.push('"');
    out
}

fn hcl_key(k: &str) -> String {
    let b = k.as_bytes();
    if !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|&c| is_ident(c))
    {
        k.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

/// HCL for a JSON value (a string that is exactly `${traversal}` is written bare).
pub fn render(value: &Value, indent: usize) -> String {
    match value {
        Value::String(s) => match s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            Some(t) if is_traversal(t) => t.to_string(),
            _ => hcl_string(s),
        },
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Array(items) => {
            if items.iter().all(|v| !v.is_object() && !v.is_array()) {
                let one: Vec<String> = items.iter().map(|v| render(v, indent)).collect();
                let line = format!("[{}]", one.join(", "));
                if line.len() <= 80 {
                    return line;
                }
            }
            let pad = " ".repeat(indent + 2);
            let mut out = String::from("[\n");
            for v in items {
                out.push_str(&format!("{pad}{},\n", render(v, indent + 2)));
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
            out
        }
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => {
            let entries: Vec<(String, String)> = m
                .iter()
                .map(|(k, v)| (hcl_key(k), render(v, indent + 2)))
                .collect();
            object(&entries, indent)
        }
        other => other.to_string(),
    }
}

/// `{ key = value ... }` with the `=` of consecutive one-line attributes aligned, as
/// `terraform fmt` writes them.
pub fn object(entries: &[(String, String)], indent: usize) -> String {
    let pad = " ".repeat(indent + 2);
    let mut out = String::from("{\n");
    let mut i = 0;
    while i < entries.len() {
        // A run of one-line values shares one alignment column.
        let mut j = i;
        while j < entries.len() && !entries[j].1.contains('\n') {
            j += 1;
        }
        if j == i {
            let (k, v) = &entries[i];
            out.push_str(&format!("{pad}{k} = {v}\n"));
            i += 1;
            continue;
        }
        let width = entries[i..j]
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in &entries[i..j] {
            let gap = " ".repeat(width - k.chars().count());
            out.push_str(&format!("{pad}{k}{gap} = {v}\n"));
        }
        i = j;
    }
    out.push_str(&" ".repeat(indent));
    out.push('}');
    out
}

fn line_indent_at(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    text[line_start..].len() - text[line_start..].trim_start_matches(' ').len()
}

/// One state to replace inside a `jsonencode` definition.
pub struct HclState<'a> {
    pub pointer: &'a str,
    pub original: &'a Value,
    pub rewritten: &'a Value,
}

/// The `definition` attribute of the resource at `address` (`type.name`).
fn definition_attr(text: &str, address: &str) -> Result<Attr, String> {
    let (ty, name) = address.split_once('.').ok_or("not a resource address")?;
    let body = find_resource(text, ty, name)?;
    attributes(text, body)?
        .into_iter()
        .find(|a| a.key == "definition")
        .ok_or_else(|| "no definition attribute".into())
}

/// The `definition` attribute of the resource at `address` (`type.name`), with the name and
/// argument spans of the function call that is its value.
fn definition_call(text: &str, address: &str) -> Result<(Attr, String, Vec<Span>), String> {
    let def = definition_attr(text, address)?;
    let (fname, args) = call_args(text, def.value).ok_or("definition is not a function call")?;
    Ok((def, fname, args))
}

/// Replaces each state object in `resource "aws_sfn_state_machine" "<name>"`'s
/// `definition = jsonencode({...})`. Members whose value did not change keep their text.
pub fn edit_jsonencode(text: &str, address: &str, states: &[HclState]) -> Result<String, String> {
    let (_, fname, args) = definition_call(text, address)?;
    if fname != "jsonencode" {
        return Err(format!("definition is {fname}(...), not jsonencode"));
    }
    let obj = args.first().ok_or("jsonencode has no argument")?;
    let mut replacements = Vec::new();
    for s in states {
        let span = find_pointer(text, obj.start, s.pointer)?;
        if text.as_bytes()[span.start] != b'{' {
            return Err(format!("{} is not an object", s.pointer));
        }
        let indent = line_indent_at(text, span.start);
        let attrs = attributes(text, span.start)?;
        let Value::Object(new_map) = s.rewritten else {
            return Err("the new state is not an object".into());
        };
        let entries: Vec<(String, String)> = new_map
            .iter()
            .map(|(k, v)| {
                let kept = (s.original.get(k) == Some(v))
                    .then(|| attrs.iter().find(|a| &a.key == k))
                    .flatten();
                let value = match kept {
                    // The original text (same depth, so multi-line values keep their layout).
                    Some(a) => text[a.value.start..a.value.end].to_string(),
                    None => render(v, indent + 2),
                };
                let key = match kept {
                    Some(a) => text[a.key_span.start..a.key_span.end].to_string(),
                    None => hcl_key(k),
                };
                (key, value)
            })
            .collect();
        replacements.push((span, object(&entries, indent)));
    }
    replacements.sort_by_key(|(s, _)| std::cmp::Reverse(s.start));
    let mut out = text.to_string();
    for (span, new) in replacements {
        out.replace_range(span.start..span.end, &new);
    }
    Ok(out)
}

/// The span of the object passed to the resource's `definition = jsonencode(...)`.
fn jsonencode_object(text: &str, address: &str) -> Result<Span, String> {
    let (_, fname, args) = definition_call(text, address)?;
    if fname != "jsonencode" {
        return Err(format!("definition is {fname}(...), not jsonencode"));
    }
    args.first()
        .copied()
        .ok_or_else(|| "jsonencode has no argument".into())
}

/// Inserts `states` as members right after the state at `pointer` (a JSON pointer into the
/// definition) of a `jsonencode` definition, written as [`edit_jsonencode`] writes states.
pub fn insert_states(
    text: &str,
    address: &str,
    pointer: &str,
    states: &[(String, Value)],
) -> Result<String, String> {
    let obj = jsonencode_object(text, address)?;
    let span = find_pointer(text, obj.start, pointer)?;
    let indent = line_indent_at(text, span.start);
    let mut inserted = String::new();
    for (name, state) in states {
        inserted.push('\n');
        inserted.push_str(&" ".repeat(indent));
        inserted.push_str(&hcl_key(name));
        inserted.push_str(" = ");
        inserted.push_str(&render(state, indent));
    }
    // A state followed by `,` (members written with commas) keeps it where it is.
    let mut at = span.end;
    let rest = &text[at..];
    let trimmed = rest.trim_start_matches([' ', '\t']);
    if trimmed.starts_with(',') {
        at += rest.len() - trimmed.len() + 1;
    }
    let mut out = text.to_string();
    out.insert_str(at, &inserted);
    Ok(out)
}

/// Replaces the string value at `pointer` (StartAt) of a `jsonencode` definition.
pub fn set_string(text: &str, address: &str, pointer: &str, value: &str) -> Result<String, String> {
    let obj = jsonencode_object(text, address)?;
    let span = find_pointer(text, obj.start, pointer)?;
    let mut out = text.to_string();
    out.replace_range(span.start..span.end, &hcl_string(value));
    Ok(out)
}

/// Whether the resource's `definition` is a quoted string (`definition = "{...}"`).
pub fn definition_is_quoted(text: &str, address: &str) -> bool {
    definition_attr(text, address).is_ok_and(|a| {
        // One string literal, nothing after it (`"a" + x` is not one).
        let mut sc = Scan::new(text, a.value.start);
        text.as_bytes().get(a.value.start) == Some(&b'"')
            && sc.string().is_ok()
            && sc.i == a.value.end
    })
}

/// The text of an HCL quoted string literal as discovery reads it: escapes decoded,
/// interpolations kept as `${...}`, `$${` read as a literal `${`.
fn unquote(literal: &str) -> Result<String, String> {
    let inner = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or("not a quoted string")?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('u') => {
                    let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                    let ch = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("bad escape \\u{hex}"))?;
                    out.push(ch);
                }
                Some(other) => return Err(format!("unsupported escape \\{other}")),
                None => return Err("unterminated escape".into()),
            },
            '$' if chars.peek() == Some(&'$') => {
                chars.next();
                if chars.peek() == Some(&'{') {
                    out.push('$');
                } else {
                    out.push_str("$$");
                }
            }
            '%' if chars.peek() == Some(&'%') => {
                chars.next();
                if chars.peek() == Some(&'{') {
                    out.push('%');
                } else {
                    out.push_str("%%");
                }
            }
            '%' if chars.peek() == Some(&'{') => {
                return Err("the string holds a `%{` template directive".into())
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Edits a `definition = "{...}"` quoted string: `edit` gets the JSON text as discovery reads it
/// and returns it edited; the literal is written back with the same escapes. A quoted string is
/// one line, so that line is the whole diff.
pub fn edit_quoted(
    text: &str,
    address: &str,
    edit: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, String> {
    let def = definition_attr(text, address)?;
    let literal = &text[def.value.start..def.value.end];
    let inner = unquote(literal)?;
    let edited = edit(&inner)?;
    let mut out = text.to_string();
    out.replace_range(def.value.start..def.value.end, &hcl_string(&edited));
    Ok(out)
}

/// Whether the resource's `definition` is a heredoc.
pub fn definition_is_heredoc(text: &str, address: &str) -> bool {
    let Some((ty, name)) = address.split_once('.') else {
        return false;
    };
    find_resource(text, ty, name)
        .and_then(|body| attributes(text, body))
        .ok()
        .and_then(|attrs| attrs.into_iter().find(|a| a.key == "definition"))
        .is_some_and(|a| text[a.value.start..].starts_with("<<"))
}

/// Edits a `definition = <<EOF ... EOF` (or `<<-EOF`, indented) heredoc of JSON: `edit` gets the
/// definition text (dedented) and returns it edited; only the lines that change differ.
pub fn edit_heredoc(
    text: &str,
    address: &str,
    edit: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, String> {
    let def = definition_attr(text, address)?;
    let value = &text[def.value.start..def.value.end];
    let header = value
        .strip_prefix("<<")
        .ok_or("the definition is not a heredoc")?;
    let indented = header.starts_with('-');
    let marker: String = header
        .trim_start_matches('-')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let content_start = def.value.start + value.find('\n').ok_or("the heredoc has no body")? + 1;
    // The closing marker's line.
    let mut pos = content_start;
    let mut content_end = None;
    for line in text[content_start..].split_inclusive('\n') {
        if line.trim() == marker {
            content_end = Some(pos);
            break;
        }
        pos += line.len();
    }
    let content_end = content_end.ok_or("the heredoc is not closed")?;
    let content = &text[content_start..content_end];
    let indent = if indented {
        json_span::common_indent(content.lines()).unwrap_or(0)
    } else {
        0
    };
    let inner = json_span::dedent(content.split_inclusive('\n'), indent);
    let edited = edit(&inner)?;
    let new: String = json_span::reindent(&edited, indent).collect();
    let mut out = text.to_string();
    out.replace_range(content_start..content_end, &new);
    Ok(out)
}

/// Adds `name = expr` variables to (and removes `remove` from) the `templatefile(path, {...})` of
/// the resource's definition; a `file(path)` becomes `templatefile(path, {...})` when variables are
/// added. Returns the new text.
pub fn edit_template_vars(
    text: &str,
    address: &str,
    add: &[(String, String)],
    remove: &[String],
) -> Result<String, String> {
    let (def, fname, args) = definition_call(text, address)?;
    let indent = line_indent_at(text, def.key_span.start);
    match fname.as_str() {
        "file" if add.is_empty() => Ok(text.to_string()),
        "file" => {
            let path = args.first().ok_or("file() has no argument")?;
            let vars = object(add, indent);
            let new = format!("templatefile({}, {vars})", &text[path.start..path.end]);
            let mut out = text.to_string();
            out.replace_range(def.value.start..def.value.end, &new);
            Ok(out)
        }
        "templatefile" => {
            let vars_span = args.get(1).ok_or("templatefile has no variables")?;
            if text.as_bytes()[vars_span.start] != b'{' {
                return Err("the templatefile variables are not an object literal".into());
            }
            let attrs = attributes(text, vars_span.start)?;
            let mut entries: Vec<(String, String)> = attrs
                .iter()
                .filter(|a| !remove.contains(&a.key))
                .map(|a| {
                    (
                        text[a.key_span.start..a.key_span.end].to_string(),
                        text[a.value.start..a.value.end].to_string(),
                    )
                })
                .collect();
            for (k, v) in add {
                if !attrs.iter().any(|a| &a.key == k) {
                    entries.push((hcl_key(k), v.clone()));
                }
            }
            let base = line_indent_at(text, vars_span.start);
            let mut out = text.to_string();
            out.replace_range(vars_span.start..vars_span.end, &object(&entries, base));
            Ok(out)
        }
        other => Err(format!(
            "definition is {other}(...), not templatefile or file"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TF: &str = r#"resource "aws_sfn_state_machine" "m" {
  name = "x" # comment { not a brace
  definition = jsonencode({
    StartAt = "A"
    States = {
      A = {
        Type       = "Task"
        Resource   = aws_lambda_function.f.arn
        ResultPath = null
        End        = true
      }
    }
  })
}

resource "aws_sfn_state_machine" "t" {
  definition = templatefile("${path.module}/t.asl.json", {
    fn_arn = aws_lambda_function.f.arn
  })
}

resource "aws_sfn_state_machine" "f" {
  definition = file("f.asl.json")
}
"#;

    #[test]
    fn jsonencode_state_is_rewritten_in_object_syntax() {
        let old = json!({"Type": "Task", "Resource": "${aws_lambda_function.f.arn}", "ResultPath": null, "End": true});
        let new = json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "${aws_sqs_queue.q.url}", "MessageBody.$": "States.JsonToString($)"},
            "Retry": [{"ErrorEquals": ["SQS.RequestThrottledException"], "MaxAttempts": 2}],
            "ResultPath": null, "End": true});
        let out = edit_jsonencode(
            TF,
            "aws_sfn_state_machine.m",
            &[HclState {
                pointer: "/States/A",
                original: &old,
                rewritten: &new,
            }],
        )
        .unwrap();
        let expected = r#"      A = {
        Type     = "Task"
        Resource = "arn:aws:states:::sqs:sendMessage"
        Parameters = {
          QueueUrl        = aws_sqs_queue.q.url
          "MessageBody.$" = "States.JsonToString($)"
        }
        Retry = [
          {
            ErrorEquals = ["SQS.RequestThrottledException"]
            MaxAttempts = 2
          },
        ]
        ResultPath = null
        End        = true
      }
"#;
        assert!(out.contains(expected), "{out}");
        // Discovery's HCL reader reads the new state back.
        let blocks = crate::discover::hcl::parse(std::path::Path::new("m.tf"), &out).unwrap();
        let def = &blocks[0].body["definition"]["Fn::Call"]["args"][0];
        assert_eq!(def["States"]["A"], new);
        assert!(out.ends_with(
            &TF[TF
                .find("\nresource \"aws_sfn_state_machine\" \"t\"")
                .unwrap()..]
        ));
    }

    #[test]
    fn template_variables_are_added_and_file_becomes_templatefile() {
        let out = edit_template_vars(
            TF,
            "aws_sfn_state_machine.t",
            &[("queue_url".into(), "aws_sqs_queue.q.url".into())],
            &["fn_arn".into()],
        )
        .unwrap();
        assert!(out.contains("templatefile(\"${path.module}/t.asl.json\", {\n    queue_url = aws_sqs_queue.q.url\n  })"), "{out}");
        let out = edit_template_vars(
            TF,
            "aws_sfn_state_machine.f",
            &[("queue_url".into(), "aws_sqs_queue.q.url".into())],
            &[],
        )
        .unwrap();
        assert!(out.contains("definition = templatefile(\"f.asl.json\", {\n    queue_url = aws_sqs_queue.q.url\n  })"), "{out}");
        crate::discover::hcl::parse(std::path::Path::new("m.tf"), &out).unwrap();
    }

    #[test]
    fn heredoc_definitions_are_edited_in_place() {
        let tf = "resource \"aws_sfn_state_machine\" \"h\" {\n  definition = <<-EOF\n    {\n      \"StartAt\": \"A\",\n      \"States\": {\"A\": {\"Type\": \"Task\", \"Resource\": \"${aws_lambda_function.f.arn}\", \"End\": true}}\n    }\n  EOF\n}\n";
        let out = edit_heredoc(tf, "aws_sfn_state_machine.h", &|t: &str| {
            Ok(t.replace(
                "${aws_lambda_function.f.arn}",
                "arn:aws:states:::sqs:sendMessage",
            ))
        })
        .unwrap();
        assert_eq!(
            out,
            tf.replace(
                "${aws_lambda_function.f.arn}",
                "arn:aws:states:::sqs:sendMessage"
            )
        );
        let blocks = crate::discover::hcl::parse(std::path::Path::new("h.tf"), &out).unwrap();
        let def: Value =
            serde_json::from_str(blocks[0].body["definition"].as_str().unwrap()).unwrap();
        assert_eq!(
            def["States"]["A"]["Resource"],
            "arn:aws:states:::sqs:sendMessage"
        );
    }

    /// `terraform fmt` of `text` (None when terraform is not installed).
    fn terraform_fmt(text: &str) -> Option<String> {
        use std::io::Write;
        let mut child = std::process::Command::new("terraform")
            .args(["fmt", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .ok()?;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "terraform fmt rejects:\n{text}");
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// An edit keeps a file that `terraform fmt` leaves alone in that state.
    fn assert_terraform_fmt_stable(original: &str, edited: &str) {
        if terraform_fmt(original).as_deref() == Some(original) {
            assert_eq!(terraform_fmt(edited).as_deref(), Some(edited));
        }
    }

    #[test]
    fn added_states_are_inserted_after_the_task_and_start_at_moves() {
        let added = vec![
            (
                "Check A".to_string(),
                json!({"Type": "Choice", "Choices": [{"Not": {"Variable": "$.sku", "IsPresent": true}, "Next": "A failed"}], "Default": "A"}),
            ),
            (
                "A failed".to_string(),
                json!({"Type": "Fail", "Error": "Error", "Cause": "sku is required: ${x y} %{y}"}),
            ),
        ];
        let out = insert_states(TF, "aws_sfn_state_machine.m", "/States/A", &added).unwrap();
        let out = set_string(&out, "aws_sfn_state_machine.m", "/StartAt", "Check A").unwrap();
        // Only the StartAt line changes; the new states follow the Task, the rest is as it was.
        let old_lines: Vec<&str> = TF.lines().collect();
        let new_lines: Vec<&str> = out.lines().collect();
        assert_eq!(new_lines[3], "    StartAt = \"Check A\"");
        let task_end = old_lines.iter().position(|l| *l == "      }").unwrap();
        assert_eq!(new_lines[..=task_end].len(), task_end + 1);
        for (i, (a, b)) in old_lines[..=task_end].iter().zip(&new_lines).enumerate() {
            if i != 3 {
                assert_eq!(a, b);
            }
        }
        assert!(
            out.ends_with(&TF[TF.find("    }\n  })").unwrap()..]),
            "{out}"
        );
        assert!(out.contains("      \"A failed\" = {\n        Type  = \"Fail\"\n        Error = \"Error\"\n        Cause = \"sku is required: $${x y} %%{y}\"\n      }\n"), "{out}");
        let blocks = crate::discover::hcl::parse(std::path::Path::new("m.tf"), &out).unwrap();
        let def = &blocks[0].body["definition"]["Fn::Call"]["args"][0];
        assert_eq!(def["StartAt"], "Check A");
        assert_eq!(def["States"]["Check A"], added[0].1);
        assert_eq!(def["States"]["A failed"], added[1].1);
        assert_eq!(def["States"]["A"]["Type"], "Task");
        assert_terraform_fmt_stable(TF, &out);
    }

    #[test]
    fn quoted_string_definitions_are_edited_inside_the_literal() {
        let tf = "resource \"aws_sfn_state_machine\" \"q\" {\n  name       = \"q\"\n  definition = \"{\\\"StartAt\\\":\\\"A\\\",\\\"States\\\":{\\\"A\\\":{\\\"Type\\\":\\\"Task\\\",\\\"Resource\\\":\\\"${aws_lambda_function.f.arn}\\\",\\\"End\\\":true}}}\"\n}\n";
        assert!(definition_is_quoted(tf, "aws_sfn_state_machine.q"));
        assert!(!definition_is_quoted(TF, "aws_sfn_state_machine.m"));
        let out = edit_quoted(tf, "aws_sfn_state_machine.q", &|t: &str| {
            let v: Value = serde_json::from_str(t).map_err(|e| e.to_string())?;
            assert_eq!(v["States"]["A"]["Resource"], "${aws_lambda_function.f.arn}");
            Ok(t.replace(
                "\"${aws_lambda_function.f.arn}\"",
                "\"arn:aws:states:::sqs:sendMessage\",\"Parameters\":{\"QueueUrl\":\"${aws_sqs_queue.q.url}\"}",
            ))
        })
        .unwrap();
        assert_eq!(out.lines().count(), tf.lines().count());
        assert_eq!(out.lines().nth(1), tf.lines().nth(1));
        let blocks = crate::discover::hcl::parse(std::path::Path::new("q.tf"), &out).unwrap();
        let def: Value =
            serde_json::from_str(blocks[0].body["definition"].as_str().unwrap()).unwrap();
        assert_eq!(
            def["States"]["A"]["Parameters"]["QueueUrl"],
            "${aws_sqs_queue.q.url}"
        );
        assert_terraform_fmt_stable(tf, &out);
    }

    #[test]
    fn strings_escape_template_sequences() {
        assert_eq!(hcl_string("a${b.c}d"), "\"a${b.c}d\"");
        assert_eq!(hcl_string("${not a ref}"), "\"$${not a ref}\"");
        assert_eq!(hcl_string("%{x}\"q\""), "\"%%{x}\\\"q\\\"\"");
    }
}
