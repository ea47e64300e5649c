//! Finds a state inside a YAML document (an .asl.yaml file, a SAM/CloudFormation `Definition`,
//! a serverless.yml `definition`) and replaces its block with the rewritten state written in
//! block YAML at the same indentation. Only block-style YAML is navigated; flow style (`{...}`)
//! or anchors where a state should be make the edit fail with a reason, never a wrong edit.

use serde_json::Value;

/// A line of the document as the block structure sees it. Sequence items that open a mapping on
/// the dash line (`- StartAt: X`) become a virtual line at the mapping's indentation.
#[derive(Debug, Clone)]
struct VLine {
    idx: usize,
    indent: usize,
    text: String,
}

fn is_blank_or_comment(t: &str) -> bool {
    let t = t.trim();
    t.is_empty() || t.starts_with('#')
}

/// Splits `key: rest` (key possibly quoted); None when the line is not a mapping entry.
fn split_key(text: &str) -> Option<(String, String)> {
    let t = text;
    let (key, after) = if t.starts_with('"') || t.starts_with('\'') {
        let q = t.chars().next()?;
        let end = t[1..].find(q)? + 1;
        let raw = &t[..=end];
        let key = if q == '"' {
            serde_json::from_str::<String>(raw).ok()?
        } else {
            t[1..end].replace("''", "'")
        };
        (key, &t[end + 1..])
    } else {
        let mut pos = None;
        let bytes = t.as_bytes();
        for i in 0..bytes.len() {
            if bytes[i] == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') {
                pos = Some(i);
                break;
            }
        }
        let p = pos?;
        (t[..p].trim_end().to_string(), &t[p..])
    };
    let rest = after.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest.trim().to_string()))
}

/// A located node: the lines its value occupies and how its children are laid out.
#[derive(Debug, Clone)]
pub struct Located {
    /// The line holding the key (`Save:`), as an index into the document's lines.
    pub key_line: usize,
    /// Lines `[start, end)` of the value block below the key line.
    pub start: usize,
    pub end: usize,
    /// Indentation of the value block's lines.
    pub indent: usize,
}

fn vlines(lines: &[String]) -> Vec<VLine> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !is_blank_or_comment(l))
        .map(|(idx, l)| {
            let body = l.trim_end_matches(['\n', '\r']);
            let indent = body.len() - body.trim_start_matches(' ').len();
            VLine {
                idx,
                indent,
                text: body.trim_start().to_string(),
            }
        })
        .collect()
}

/// The lines of the block (at indent `> parent`) following position `i` in `vl`.
fn block_after(vl: &[VLine], i: usize, parent: usize) -> Vec<VLine> {
    vl[i + 1..]
        .iter()
        .take_while(|l| l.indent > parent)
        .cloned()
        .collect()
}

/// Finds the value of `key` in a mapping block.
fn map_get(block: &[VLine], key: &str) -> Result<(usize, Vec<VLine>, String), String> {
    let Some(first) = block.first() else {
        return Err(format!("`{key}` not found (empty block)"));
    };
    let indent = first.indent;
    for (i, l) in block.iter().enumerate() {
        if l.indent != indent {
            continue;
        }
        if let Some((k, rest)) = split_key(&l.text) {
            if k == key {
                return Ok((l.idx, block_after(block, i, indent), rest));
            }
        }
    }
    Err(format!("`{key}` not found"))
}

/// Finds item `n` of a sequence block, as a block whose first line is the item's first entry.
fn seq_get(block: &[VLine], n: usize) -> Result<Vec<VLine>, String> {
    let Some(first) = block.first() else {
        return Err("empty sequence".into());
    };
    let indent = first.indent;
    let items: Vec<usize> = block
        .iter()
        .enumerate()
        .filter(|(_, l)| l.indent == indent && (l.text.starts_with("- ") || l.text == "-"))
        .map(|(i, _)| i)
        .collect();
    let &i = items.get(n).ok_or_else(|| format!("no item {n}"))?;
    let dash = &block[i];
    let after = dash.text.strip_prefix('-').unwrap_or("").trim_start();
    let mut out = Vec::new();
    if !after.is_empty() {
        let offset = dash.text.len() - after.len();
        out.push(VLine {
            idx: dash.idx,
            indent: indent + offset,
            text: after.to_string(),
        });
    }
    out.extend(block_after(block, i, indent));
    Ok(out)
}

/// Locates the value at `path` (mapping keys and sequence indexes) below the document root.
pub fn locate(lines: &[String], path: &[String]) -> Result<Located, String> {
    let all = vlines(lines);
    let mut block: Vec<VLine> = all.clone();
    let mut key_line = 0;
    let mut inline = String::new();
    for (depth, seg) in path.iter().enumerate() {
        if !inline.is_empty() {
            return Err(format!(
                "`{}` is written inline (flow style); edit it by hand",
                path[depth - 1]
            ));
        }
        let is_seq = block
            .first()
            .is_some_and(|l| l.text.starts_with("- ") || l.text == "-");
        if is_seq {
            let n: usize = seg
                .parse()
                .map_err(|_| format!("expected a list index at `{seg}`"))?;
            block = seq_get(&block, n)?;
            key_line = block.first().map(|l| l.idx).unwrap_or(key_line);
            // The item's block starts on its dash line; its entries are the block itself.
            inline.clear();
            continue;
        }
        let (line, child, rest) = map_get(&block, seg)?;
        key_line = line;
        block = child;
        inline = rest;
        if inline.starts_with('#') {
            inline.clear();
        }
    }
    if !inline.is_empty() {
        return Err("the state is written inline (flow style); edit it by hand".into());
    }
    let (Some(first), Some(last)) = (block.first(), block.last()) else {
        return Err("the state has no body".into());
    };
    if first.text.starts_with("- ") {
        return Err("expected a mapping, found a list".into());
    }
    Ok(Located {
        key_line,
        start: first.idx,
        end: last.idx + 1,
        indent: first.indent,
    })
}

/// Members of the mapping at `loc`: key → lines `[start, end)` (the key line and its block).
fn members(lines: &[String], loc: &Located) -> Vec<(String, usize, usize)> {
    let vl: Vec<VLine> = vlines(lines)
        .into_iter()
        .filter(|l| l.idx >= loc.start && l.idx < loc.end)
        .collect();
    let heads: Vec<(usize, String)> = vl
        .iter()
        // Items of a sequence written at its key's indentation (`Catch:\n- ErrorEquals: ...`)
        // belong to that key.
        .filter(|l| l.indent == loc.indent && !(l.text.starts_with("- ") || l.text == "-"))
        .filter_map(|l| split_key(&l.text).map(|(k, _)| (l.idx, k)))
        .collect();
    heads
        .iter()
        .enumerate()
        .map(|(i, (idx, k))| {
            let end = heads.get(i + 1).map(|h| h.0).unwrap_or(loc.end);
            (k.clone(), *idx, end)
        })
        .collect()
}

/// Replaces the state at `path` with `new`; members equal to the original keep their lines.
pub fn replace_state(
    text: &str,
    path: &[String],
    original: &Value,
    new: &Value,
) -> Result<String, String> {
    let lines: Vec<String> = text.split_inclusive('\n').map(String::from).collect();
    let loc = locate(&lines, path)?;
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let key_indent = {
        let l = &lines[loc.key_line];
        l.len() - l.trim_start_matches(' ').len()
    };
    let unit = loc.indent.saturating_sub(key_indent).max(2);
    let old_members = members(&lines, &loc);
    let Value::Object(new_map) = new else {
        return Err("the new state is not an object".into());
    };
    let mut out: Vec<String> = Vec::new();
    for (k, v) in new_map {
        let unchanged = original.get(k) == Some(v);
        match old_members.iter().find(|(name, _, _)| name == k) {
            Some((_, s, e)) if unchanged => {
                out.extend(lines[*s..*e].iter().cloned());
            }
            _ => {
                for l in render_entry(k, v, loc.indent, unit) {
                    out.push(format!("{l}{nl}"));
                }
            }
        }
    }
    // Blank lines inside the old span that trail it belong to what follows.
    let mut end = loc.end;
    while end > loc.start && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    if let Some(last) = out.last_mut() {
        if !lines[end - 1].ends_with('\n') {
            *last = last.trim_end_matches(['\n', '\r']).to_string();
        }
    }
    let mut result: Vec<String> = lines[..loc.start].to_vec();
    result.extend(out);
    result.extend(lines[end..].iter().cloned());
    Ok(result.concat())
}

/// Renders `key: value` at `indent` as block YAML lines (no line terminators).
pub fn render_entry(key: &str, value: &Value, indent: usize, unit: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    let k = scalar_key(key);
    match inline_form(value) {
        Some(s) => vec![format!("{pad}{k}: {s}")],
        None => {
            let mut out = vec![format!("{pad}{k}:")];
            out.extend(render_block(value, indent + unit, unit));
            out
        }
    }
}

/// A value that fits on the key's line: scalars, empty collections, CloudFormation short forms.
fn inline_form(value: &Value) -> Option<String> {
    match value {
        Value::Object(m) if m.is_empty() => Some("{}".into()),
        Value::Array(a) if a.is_empty() => Some("[]".into()),
        Value::Object(m) if m.len() == 1 => {
            let (k, v) = m.iter().next()?;
            match (k.as_str(), v) {
                ("Ref", Value::String(id)) => Some(format!("!Ref {id}")),
                ("Fn::GetAtt", Value::Array(p)) if p.len() == 2 => {
                    Some(format!("!GetAtt {}.{}", p[0].as_str()?, p[1].as_str()?))
                }
                ("Fn::GetAtt", Value::String(s)) => Some(format!("!GetAtt {s}")),
                ("Fn::Sub", Value::String(s)) => Some(format!("!Sub {}", scalar(s))),
                _ => None,
            }
        }
        Value::Object(_) | Value::Array(_) => None,
        Value::String(s) => Some(scalar(s)),
        other => Some(other.to_string()),
    }
}

fn render_block(value: &Value, indent: usize, unit: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| render_entry(k, v, indent, unit))
            .collect(),
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                match inline_form(item) {
                    Some(s) => out.push(format!("{pad}- {s}")),
                    None => {
                        // The item's first line goes on the dash line.
                        let inner = render_block(item, indent + 2, unit);
                        for (i, l) in inner.into_iter().enumerate() {
                            if i == 0 {
                                out.push(format!("{pad}- {}", l.trim_start()));
                            } else {
                                out.push(l);
                            }
                        }
                    }
                }
            }
            out
        }
        other => vec![format!("{pad}{}", inline_form(other).unwrap_or_default())],
    }
}

fn scalar_key(k: &str) -> String {
    if plain_safe(k) {
        k.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

/// A string as a YAML scalar: plain where YAML reads it back as the same string, else a
/// double-quoted string (JSON escapes are valid YAML escapes).
pub fn scalar(s: &str) -> String {
    if plain_safe(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

fn plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s != s.trim() || s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !(first == '-' && s.len() > 1 && !s.starts_with("- "))
    {
        return false;
    }
    if s.chars().any(|c| c.is_control()) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
    ) {
        return false;
    }
    // Anything that looks like a number (or a date/time) stays quoted.
    if s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o")
        || s.chars().next().is_some_and(|c| c.is_ascii_digit()) && s.contains(['-', ':'])
        || s.starts_with('.') && s[1..].parse::<f64>().is_ok()
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC: &str = "stepFunctions:\n  stateMachines:\n    flow:\n      definition:\n        StartAt: A\n        States:\n          A:\n            Type: Task\n            Resource: x\n            Parameters:\n              FunctionName:\n                Fn::GetAtt: [f, Arn]\n              Payload.$: $\n            Next: B\n          B:\n            Type: Parallel\n            Branches:\n              - StartAt: C\n                States:\n                  C:\n                    Type: Task\n                    Resource: !GetAtt F.Arn\n                    End: true\n            End: true\n";

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn locates_states_including_branch_items() {
        let lines: Vec<String> = DOC.split_inclusive('\n').map(String::from).collect();
        let a = locate(
            &lines,
            &path(&[
                "stepFunctions",
                "stateMachines",
                "flow",
                "definition",
                "States",
                "A",
            ]),
        )
        .unwrap();
        assert_eq!((a.key_line, a.start, a.end, a.indent), (6, 7, 14, 12));
        let c = locate(
            &lines,
            &path(&[
                "stepFunctions",
                "stateMachines",
                "flow",
                "definition",
                "States",
                "B",
                "Branches",
                "0",
                "States",
                "C",
            ]),
        )
        .unwrap();
        assert_eq!((c.start, c.end, c.indent), (20, 23, 20));
    }

    #[test]
    fn replaces_only_the_state_keeping_unchanged_members() {
        let original = json!({"Type": "Task", "Resource": "x",
            "Parameters": {"FunctionName": {"Fn::GetAtt": ["f", "Arn"]}, "Payload.$": "$"}, "Next": "B"});
        let new = json!({"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn": {"Ref": "Topic"}, "Message.$": "States.Format('Order {}', $.id)",
                           "Entries": [{"Detail": {"a.$": "$.a"}, "Source": "s"}], "Flag": "true"},
            "ResultPath": null, "Next": "B"});
        let p = path(&[
            "stepFunctions",
            "stateMachines",
            "flow",
            "definition",
            "States",
            "A",
        ]);
        let out = replace_state(DOC, &p, &original, &new).unwrap();
        let expected_state = "          A:\n            Type: Task\n            Resource: arn:aws:states:::sns:publish\n            Parameters:\n              TopicArn: !Ref Topic\n              Message.$: States.Format('Order {}', $.id)\n              Entries:\n                - Detail:\n                    a.$: $.a\n                  Source: s\n              Flag: \"true\"\n            ResultPath: null\n            Next: B\n          B:\n";
        assert!(out.contains(expected_state), "{out}");
        // Everything after the state is byte-identical.
        let tail = &DOC[DOC.find("          B:").unwrap()..];
        assert!(out.ends_with(tail));
    }

    #[test]
    fn refuses_flow_style_states() {
        let doc = "States:\n  A: {Type: Pass, End: true}\n";
        let lines: Vec<String> = doc.split_inclusive('\n').map(String::from).collect();
        assert!(locate(&lines, &path(&["States", "A"])).is_err());
        assert_eq!(scalar("$.a"), "$.a");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("12"), "\"12\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
    }
}
