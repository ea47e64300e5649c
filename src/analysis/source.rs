//! Source files: language detection (extension, or sniffing a file without one), parsing with
//! tree-sitter, syntax errors as `InputError`, and small helpers over syntax nodes.

use super::model::{Language, Span};
use crate::error::InputError;
use std::path::Path;
use tree_sitter::{Node, Parser, Tree};

/// Language from the file extension; files without a known extension are sniffed.
pub fn detect_language(file: &Path, text: &str) -> Result<Language, InputError> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("js" | "mjs" | "cjs" | "jsx") => Ok(Language::Javascript),
        Some("ts" | "mts" | "cts") => Ok(Language::Typescript),
        Some("py") => Ok(Language::Python),
        _ => sniff(text).ok_or_else(|| {
            InputError::new(
                file,
                "cannot tell the language of this file (expected JavaScript, TypeScript or Python)",
            )
        }),
    }
}

/// Guesses the language of a file without a usable extension from a shebang or telltale syntax.
pub fn sniff(text: &str) -> Option<Language> {
    let first = text.lines().next().unwrap_or("");
    if first.starts_with("#!") {
        if first.contains("python") {
            return Some(Language::Python);
        }
        if first.contains("node") || first.contains("deno") || first.contains("bun") {
            return Some(if first.contains("ts-node") {
                Language::Typescript
            } else {
                Language::Javascript
            });
        }
    }
    let mut py = 0;
    let mut js = 0;
    let mut ts = 0;
    for line in text.lines().take(400) {
        let l = line.trim_start();
        if l.starts_with("def ")
            || l.starts_with("import boto3")
            || l.starts_with("from ") && l.contains(" import ")
        {
            py += 2;
        }
        if l.ends_with(':')
            && (l.starts_with("if ") || l.starts_with("try") || l.starts_with("for "))
        {
            py += 1;
        }
        if l.contains("require(") || l.starts_with("exports.") || l.starts_with("module.exports") {
            js += 2;
        }
        if l.starts_with("const ")
            || l.starts_with("let ")
            || l.starts_with("export ")
            || l.contains("=>")
        {
            js += 1;
        }
        if l.starts_with("import ") && l.contains(" from \"") || l.contains(" from '") {
            js += 1;
        }
        if l.starts_with("interface ")
            || l.starts_with("type ") && l.contains('=')
            || l.contains(": string")
            || l.contains(": Promise<")
        {
            ts += 2;
        }
    }
    if py == 0 && js == 0 && ts == 0 {
        return None;
    }
    if py > js + ts {
        Some(Language::Python)
    } else if ts > 0 {
        Some(Language::Typescript)
    } else {
        Some(Language::Javascript)
    }
}

/// Parses `text`; `None` only if tree-sitter gives up (cancelled, which we never ask for).
pub fn parse(language: Language, text: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    let lang: tree_sitter::Language = match language {
        Language::Javascript => tree_sitter_javascript::LANGUAGE.into(),
        Language::Typescript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
    };
    parser.set_language(&lang).ok()?;
    parser.parse(text, None)
}

/// The first ERROR or MISSING node under `node`, for a syntax-error message. Iterative: a
/// pathologically deep tree must not exhaust the stack.
pub fn first_error(node: Node<'_>) -> Option<Node<'_>> {
    if !node.has_error() {
        return None;
    }
    let mut current = node;
    loop {
        if current.is_error() || current.is_missing() {
            return Some(current);
        }
        let mut cursor = current.walk();
        let next = current.children(&mut cursor).find(|c| c.has_error());
        match next {
            Some(child) => current = child,
            // has_error but no child reported: the node itself.
            None => return Some(current),
        }
    }
}

/// The syntax error under `node` as an InputError naming file, line and column.
pub fn syntax_error(file: &Path, node: Node<'_>, text: &str) -> Option<InputError> {
    let err = first_error(node)?;
    let p = err.start_position();
    let what = if err.is_missing() {
        format!("syntax error: missing `{}`", err.kind())
    } else {
        let snippet: String = node_text(err, text)
            .chars()
            .take(40)
            .collect::<String>()
            .replace('\n', " ");
        if snippet.trim().is_empty() {
            "syntax error".to_string()
        } else {
            format!("syntax error near `{}`", snippet.trim())
        }
    };
    Some(InputError::new(file, what).at(p.row + 1, p.column + 1))
}

pub fn node_text<'s>(node: Node<'_>, text: &'s str) -> &'s str {
    text.get(node.byte_range()).unwrap_or("")
}

pub fn span(node: Node<'_>) -> Span {
    let p = node.start_position();
    Span {
        line: p.row + 1,
        column: p.column + 1,
    }
}

/// Named children, skipping comments.
/// The children in the fields `names`, when all of them are there.
pub fn fields<'t, const N: usize>(node: Node<'t>, names: [&str; N]) -> Option<[Node<'t>; N]> {
    let mut out = [node; N];
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = node.child_by_field_name(name)?;
    }
    Some(out)
}

pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
        .collect()
}

/// A short one-line rendering of a construct for "not understood: <construct>" messages.
pub fn short(node: Node<'_>, text: &str) -> String {
    let t = node_text(node, text);
    let one_line: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// Decodes the escape sequences of a JavaScript or Python string body (without quotes).
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('0') => out.push('\0'),
            Some('\n') => {}
            Some('x') => {
                let h: String = chars.by_ref().take(2).collect();
                match u32::from_str_radix(&h, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&h),
                }
            }
            Some('u') => {
                let code = if chars.peek() == Some(&'{') {
                    chars.next();
                    let h: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    u32::from_str_radix(&h, 16).ok()
                } else {
                    let h: String = chars.by_ref().take(4).collect();
                    u32::from_str_radix(&h, 16).ok()
                };
                match code {
                    // Surrogate pairs: combine a high surrogate with a following \uDC00-\uDFFF.
                    Some(hi @ 0xD800..=0xDBFF) => {
                        let mut look = chars.clone();
                        if look.next() == Some('\\') && look.next() == Some('u') {
                            let h: String = look.by_ref().take(4).collect();
                            if let Ok(lo @ 0xDC00..=0xDFFF) = u32::from_str_radix(&h, 16) {
                                chars = look;
                                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                out.extend(char::from_u32(c));
                                continue;
                            }
                        }
                        out.push('\u{FFFD}');
                    }
                    Some(c) => out.push(char::from_u32(c).unwrap_or('\u{FFFD}')),
                    None => out.push('\u{FFFD}'),
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_languages() {
        assert_eq!(
            sniff("#!/usr/bin/env python3\nprint(1)"),
            Some(Language::Python)
        );
        assert_eq!(
            sniff("import json\nimport boto3\n\ndef handler(event, context):\n    return 1\n"),
            Some(Language::Python)
        );
        assert_eq!(
            sniff("const AWS = require('aws-sdk');\nexports.handler = async () => 1;\n"),
            Some(Language::Javascript)
        );
        assert_eq!(
            sniff("interface E { id: string }\nexport const handler = async (e: E): Promise<void> => {};\n"),
            Some(Language::Typescript)
        );
        assert_eq!(sniff("hello world"), None);
    }

    #[test]
    fn unescapes() {
        assert_eq!(unescape(r"a\nb\u00e9\x41\u{1F600}"), "a\nbéA😀");
        assert_eq!(unescape(r"\ud83d\ude00"), "😀");
        assert_eq!(unescape(r"\'q\'"), "'q'");
    }
}
