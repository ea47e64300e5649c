//! Edits a definition embedded in a template as text: `DefinitionString` written as a plain JSON
//! string, as `Fn::Sub` (a string, or `[string, variables]`) or as `Fn::Join` (`["", [parts]]`, the
//! form CDK synthesizes), in CloudFormation JSON templates; and the `DefinitionString: !Sub |`
//! block scalar of YAML templates. The definition text is edited as an ASL JSON file would be
//! (only the rewritten states' spans change), then written back in the same form, so every other
//! line of the template stays byte-identical.
//! DefinitionString: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-stepfunctions-statemachine.html

use super::added_states::TextChanges;
use super::bindings::CfnRef;
use super::edits::{self, StateReplacement};
use super::json_span::{self, Span};
use super::yaml_edit::YamlDoc;
use crate::discover::definition;
use crate::discover::refs::{Flavour, Scope};
use serde_json::Value;
use std::path::Path;

/// The insertions with their pointers moved under `prefix` (a definition inside a template).
fn shift(c: &TextChanges, prefix: &str) -> TextChanges {
    TextChanges {
        redirected: Vec::new(),
        start_at: c
            .start_at
            .iter()
            .map(|(p, e)| (format!("{prefix}{p}"), e.clone()))
            .collect(),
        insertions: c
            .insertions
            .iter()
            .map(|(p, a)| (format!("{prefix}{p}"), a.clone()))
            .collect(),
    }
}

fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Edits the `Definition` object or the `DefinitionString` of `resource` in a JSON template.
/// `vars` are the `Fn::Sub`/`Fn::Join` variables the new states refer to (name → reference) and
/// those of the `Fn::Sub` variables map no state refers to any more.
pub fn edit_json_template(
    text: &str,
    resource: &str,
    states: &[StateReplacement],
    vars: SubVars,
    inserted: &TextChanges,
) -> Result<String, String> {
    let added = vars.add;
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let props_ptr = format!("/Resources/{}/Properties", escape_pointer(resource));
    let props = doc
        .pointer(&props_ptr)
        .ok_or_else(|| format!("resource {resource} has no Properties"))?;
    if props.get("Definition").is_some() {
        // An inline definition object: the states sit at a longer pointer in the same text.
        let prefixed: Vec<(String, &StateReplacement)> = states
            .iter()
            .map(|s| (format!("{props_ptr}/Definition{}", s.pointer), s))
            .collect();
        let shifted: Vec<StateReplacement> = prefixed
            .iter()
            .map(|(p, s)| StateReplacement {
                pointer: p,
                original: s.original,
                rewritten: s.rewritten,
            })
            .collect();
        let text = edits::edit_json_definition(text, &shifted)?;
        return shift(inserted, &format!("{props_ptr}/Definition")).apply_json(&text);
    }
    let ds_ptr = format!("{props_ptr}/DefinitionString");
    let ds = props
        .get("DefinitionString")
        .ok_or("the resource has neither Definition nor DefinitionString")?;
    match ds {
        Value::String(_) => edit_string_at(text, &ds_ptr, states, inserted),
        Value::Object(m) if m.contains_key("Fn::Sub") => match &m["Fn::Sub"] {
            Value::String(_) => {
                edit_string_at(text, &format!("{ds_ptr}/Fn::Sub"), states, inserted)
            }
            Value::Array(a) if a.first().is_some_and(Value::is_string) => {
                let text = edit_string_at(text, &format!("{ds_ptr}/Fn::Sub/0"), states, inserted)?;
                let map_ptr = format!("{ds_ptr}/Fn::Sub/1");
                if !a.get(1).is_some_and(Value::is_object) {
                    return if added.is_empty() {
                        Ok(text)
                    } else {
                        Err("Fn::Sub has no variables map to add to".into())
                    };
                }
                let entries: Vec<(String, Value)> = added
                    .iter()
                    .map(|(n, r)| (n.clone(), r.to_json()))
                    .collect();
                let text = super::json_edit::add_members(&text, &map_ptr, &entries)?;
                super::json_edit::remove_members(&text, &map_ptr, vars.remove)
            }
            _ => Err("Fn::Sub is not a string or [string, variables]".into()),
        },
        Value::Object(m) if m.contains_key("Fn::Join") => edit_join(
            text,
            &format!("{ds_ptr}/Fn::Join"),
            ds,
            states,
            added,
            inserted,
        ),
        _ => Err("DefinitionString is built by an expression that is not edited".into()),
    }
}

/// Replaces the JSON string literal at `pointer` after editing the definition text it holds.
fn edit_string_at(
    text: &str,
    pointer: &str,
    states: &[StateReplacement],
    inserted: &TextChanges,
) -> Result<String, String> {
    let span = json_span::find_pointer(text, pointer)
        .map_err(|e| format!("{pointer} (byte {}): {}", e.offset, e.message))?;
    let literal = &text[span.start..span.end];
    let inner: String = serde_json::from_str(literal).map_err(|e| format!("{pointer}: {e}"))?;
    let edited = inserted.apply_json(&edits::edit_json_definition(&inner, states)?)?;
    let new_literal = serde_json::to_string(&edited).map_err(|e| e.to_string())?;
    Ok(splice(text, span, &new_literal))
}

fn splice(text: &str, span: Span, new: &str) -> String {
    let mut out = String::with_capacity(text.len() + new.len());
    out.push_str(&text[..span.start]);
    out.push_str(new);
    out.push_str(&text[span.end..]);
    out
}

/// `Fn::Join ["", [text, {"Ref": X}, text, ...]]`: the parts are joined with `${X}` variables
/// (as discovery reads them), the definition text edited, and split into parts again; only the
/// parts that differ are replaced.
fn edit_join(
    text: &str,
    join_ptr: &str,
    expr: &Value,
    states: &[StateReplacement],
    added: &[(String, CfnRef)],
    inserted: &TextChanges,
) -> Result<String, String> {
    let arr = expr["Fn::Join"]
        .as_array()
        .ok_or("Fn::Join is not [separator, parts]")?;
    let sep = arr.first().and_then(Value::as_str).unwrap_or("");
    let old_parts = arr
        .get(1)
        .and_then(Value::as_array)
        .ok_or("Fn::Join has no list of parts")?;
    if !sep.is_empty() || old_parts.iter().any(|p| p.get("Fn::Sub").is_some()) {
        return Err("Fn::Join with a separator or Fn::Sub parts is not edited".into());
    }
    let scope = Scope::new(Flavour::Cfn, Path::new("").to_path_buf());
    let dt = definition::from_expression(expr, &scope).ok_or("Fn::Join is not readable")?;
    let edited = inserted.apply_json(&edits::edit_json_definition(&dt.text, states)?)?;
    let mut vars: Vec<(String, Value)> = dt.vars.into_iter().collect();
    for (name, r) in added {
        if !vars.iter().any(|(n, _)| n == name) {
            vars.push((name.clone(), r.to_json()));
        }
    }
    let new_parts = split_parts(&edited, &vars);
    // Only the run of parts between the common prefix and suffix changes.
    let prefix = old_parts
        .iter()
        .zip(&new_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let max_suffix = old_parts.len().min(new_parts.len()) - prefix;
    let suffix = old_parts
        .iter()
        .rev()
        .zip(new_parts.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let old_mid = prefix..old_parts.len() - suffix;
    let new_mid = &new_parts[prefix..new_parts.len() - suffix];
    if old_mid.is_empty() && new_mid.is_empty() {
        return Ok(text.to_string());
    }
    let part_span = |i: usize| {
        json_span::find_pointer(text, &format!("{join_ptr}/1/{i}"))
            .map_err(|e| format!("Fn::Join part {i}: {}", e.message))
    };
    let unit = json_span::indent_unit(text);
    let (start, end, lead, trail) = if !old_mid.is_empty() {
        let s = part_span(old_mid.start)?;
        let e = part_span(old_mid.end - 1)?;
        (s.start, e.end, "", "")
    } else if prefix > 0 {
        // Pure insertion after the prefix.
        let p = part_span(prefix - 1)?;
        (p.end, p.end, ",", "")
    } else {
        let p = part_span(0)?;
        (p.start, p.start, "", ",")
    };
    let base = json_span::line_indent(text, if start < text.len() { start } else { 0 }).to_string();
    let multiline = text[..start].ends_with(&format!("\n{base}")) || text[..start].ends_with('\n');
    let between = if multiline {
        format!(",\n{base}")
    } else {
        ", ".to_string()
    };
    let rendered: Vec<String> = new_mid
        .iter()
        .map(|v| json_span::render_value(v, &base, &unit))
        .collect();
    let mut new = rendered.join(&between);
    if lead == "," {
        new = format!("{between}{new}");
    }
    if trail == "," {
        new.push_str(&between);
    }
    Ok(splice(text, Span { start, end }, &new))
}

/// Splits definition text at the `${name}` of known variables into string parts and the
/// variables' expressions.
fn split_parts(text: &str, vars: &[(String, Value)]) -> Vec<Value> {
    let mut parts = Vec::new();
    let mut buf = String::new();
    let mut rest = text;
    'outer: while let Some(i) = rest.find("${") {
        for (name, expr) in vars {
            let token = format!("${{{name}}}");
            if rest[i..].starts_with(&token) {
                buf.push_str(&rest[..i]);
                if !buf.is_empty() {
                    parts.push(Value::String(std::mem::take(&mut buf)));
                }
                parts.push(expr.clone());
                rest = &rest[i + token.len()..];
                continue 'outer;
            }
        }
        buf.push_str(&rest[..i + 2]);
        rest = &rest[i + 2..];
    }
    buf.push_str(rest);
    if !buf.is_empty() {
        parts.push(Value::String(buf));
    }
    parts
}

/// The variables of an `Fn::Sub: [string, {variables}]` to add and to remove.
#[derive(Default, Clone, Copy)]
pub struct SubVars<'a> {
    pub add: &'a [(String, CfnRef)],
    pub remove: &'a [String],
}

/// Edits a YAML template's `DefinitionString` written as a block scalar, directly
/// (`DefinitionString: |`, `DefinitionString: !Sub |`) or under `Fn::Sub: |`; or as the list form
/// of `Fn::Sub`, in block style (`!Sub` / `Fn::Sub:` then `- |` and `- Name: value` items) or in
/// flow style (`!Sub [ "...", { Name: value } ]`), whose variables map gets `vars`.
/// Fn::Sub: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html
pub fn edit_yaml_template(
    text: &str,
    resource: &str,
    states: &[StateReplacement],
    inserted: &TextChanges,
    vars: SubVars,
) -> Result<String, String> {
    let mut doc = YamlDoc::parse(text);
    let props = doc
        .resource_properties(resource)
        .ok_or_else(|| format!("resource {resource} has no Properties block"))?;
    let ds = doc
        .child(props, "DefinitionString")
        .ok_or("no DefinitionString")?;
    let edit = |inner: &str| inserted.apply_json(&edits::edit_json_definition(inner, states)?);
    if is_block_header(doc.line(ds)) {
        edit_block_scalar(&mut doc, ds, &edit)?;
        return Ok(doc.text());
    }
    let sub = if value_after_key(doc.line(ds)).starts_with("!Sub") {
        ds
    } else {
        doc.child(ds, "Fn::Sub")
            .ok_or("DefinitionString is not a block scalar (`|`) or Fn::Sub; edit it by hand")?
    };
    if is_block_header(doc.line(sub)) {
        edit_block_scalar(&mut doc, sub, &edit)?;
        return Ok(doc.text());
    }
    let flow = value_after_key(doc.line(sub))
        .trim_start_matches("!Sub")
        .trim_start()
        .starts_with('[');
    if flow {
        return edit_flow_sub(&doc, sub, &edit, vars);
    }
    edit_block_list_sub(&mut doc, sub, &edit, vars)?;
    Ok(doc.text())
}

/// What follows `key:` on a line (comments cut), trimmed; the key may hold `::` (`Fn::Sub:`).
fn value_after_key(line: &str) -> &str {
    let b = line.as_bytes();
    let Some(colon) = (0..b.len()).find(|&i| {
        b[i] == b':' && matches!(b.get(i + 1), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
    }) else {
        return "";
    };
    line[colon + 1..].split(" #").next().unwrap_or("").trim()
}

/// Replaces the lines of the block scalar opened at `header` with its edited definition.
fn edit_block_scalar(
    doc: &mut YamlDoc,
    header: usize,
    edit: &dyn Fn(&str) -> Result<String, String>,
) -> Result<(), String> {
    let (start, end) = doc.block(header);
    replace_scalar_lines(doc, start, end, edit)
}

fn replace_scalar_lines(
    doc: &mut YamlDoc,
    start: usize,
    end: usize,
    edit: &dyn Fn(&str) -> Result<String, String>,
) -> Result<(), String> {
    let content: Vec<String> = (start..end).map(|i| doc.line(i).to_string()).collect();
    let indent = json_span::common_indent(content.iter().map(String::as_str))
        .ok_or("the DefinitionString block is empty")?;
    let inner = json_span::dedent(content.iter().map(String::as_str), indent);
    let edited = edit(&inner)?;
    let new_lines: Vec<String> = json_span::reindent(&edited, indent).collect();
    doc.replace_lines(start, end, new_lines);
    Ok(())
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// `Fn::Sub` as a block list: `- |` (the definition) then `- Name: value` (the variables).
fn edit_block_list_sub(
    doc: &mut YamlDoc,
    sub: usize,
    edit: &dyn Fn(&str) -> Result<String, String>,
    vars: SubVars,
) -> Result<(), String> {
    let first = doc
        .first_item(sub)
        .ok_or("Fn::Sub is neither a string nor a list; edit it by hand")?;
    let dash = indent_of(doc.line(first));
    let header = doc.line(first).trim_start()[1..].trim();
    if !matches!(
        header.split(" #").next().unwrap_or("").trim(),
        "|" | "|-" | "|+"
    ) {
        return Err("the Fn::Sub string is not a block scalar (`- |`); edit it by hand".into());
    }
    // The scalar's lines: more indented than its dash (blank lines inside included).
    let n = doc.text().split_inclusive('\n').count();
    let mut end = first + 1;
    while end < n && (doc.line(end).trim().is_empty() || indent_of(doc.line(end)) > dash) {
        end += 1;
    }
    while end > first + 1 && doc.line(end - 1).trim().is_empty() {
        end -= 1;
    }
    // The variables item, found before the scalar changes length.
    let vars_item = (end..n)
        .find(|&i| !doc.line(i).trim().is_empty() && !doc.line(i).trim_start().starts_with('#'))
        .filter(|&i| indent_of(doc.line(i)) == dash && doc.line(i).trim_start().starts_with("- "));
    // Variables first (they follow the scalar, so its line numbers stay valid).
    if let Some(item) = vars_item {
        edit_block_vars(doc, item, dash, vars)?;
    } else if !vars.add.is_empty() {
        return Err("Fn::Sub has no variables map to add to".into());
    }
    replace_scalar_lines(doc, first + 1, end, edit)
}

/// Adds and removes `Name: value` entries of the variables item at `item` (`- Name: value`
/// block mapping, or `- { ... }` flow mapping on one line).
fn edit_block_vars(
    doc: &mut YamlDoc,
    item: usize,
    dash: usize,
    vars: SubVars,
) -> Result<(), String> {
    let nl = if doc.line(item).ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let entries = yaml_entries(vars.add)?;
    let body = doc.line(item).trim_start()[1..].trim_start().to_string();
    if body.starts_with('{') {
        let line = doc.line(item).to_string();
        let open = line.find('{').unwrap_or(0);
        let close = line
            .rfind('}')
            .ok_or("the variables map is not closed on its line")?;
        let rebuilt = rebuild_flow_map(&line[open + 1..close], vars.remove, &entries);
        if rebuilt == line[open..=close] {
            return Ok(());
        }
        let new = format!("{}{rebuilt}{}", &line[..open], &line[close + 1..]);
        doc.replace_lines(item, item + 1, vec![new]);
        return Ok(());
    }
    let first_body = doc.line(item).trim_start()[1..].trim_start().to_string();
    // `    - Name: x` → the column of `Name`.
    let key_indent =
        indent_of(doc.line(item)) + doc.line(item).trim_start().len() - first_body.len();
    let n = doc.text().split_inclusive('\n').count();
    let mut end = item + 1;
    while end < n && (doc.line(end).trim().is_empty() || indent_of(doc.line(end)) > dash) {
        end += 1;
    }
    while end > item + 1 && doc.line(end - 1).trim().is_empty() {
        end -= 1;
    }
    // The entries: (key line body, the lines nested under it).
    let mut groups: Vec<(String, Vec<String>)> = vec![(first_body, Vec::new())];
    for i in item + 1..end {
        let l = doc.line(i);
        if !l.trim().is_empty() && indent_of(l) == key_indent {
            groups.push((l.trim_start().to_string(), Vec::new()));
        } else if let Some(g) = groups.last_mut() {
            g.1.push(l.to_string());
        }
    }
    let named =
        |body: &str, name: &str| body.strip_prefix(name).is_some_and(|t| t.starts_with(':'));
    groups.retain(|(body, _)| !vars.remove.iter().any(|r| named(body, r)));
    for (k, v) in &entries {
        groups.push((format!("{k}: {v}{nl}"), Vec::new()));
    }
    let mut lines = Vec::new();
    for (i, (body, nested)) in groups.into_iter().enumerate() {
        let mut body = body;
        if !body.ends_with('\n') {
            body.push_str(nl);
        }
        if i == 0 {
            lines.push(format!("{}- {body}", " ".repeat(dash)));
        } else {
            lines.push(format!("{}{body}", " ".repeat(key_indent)));
        }
        lines.extend(nested);
    }
    if lines.is_empty() {
        lines.push(format!("{}- {{}}{nl}", " ".repeat(dash)));
    }
    doc.replace_lines(item, end, lines);
    Ok(())
}

/// The entries of a flow mapping's body (`A: !Ref X, B: b`), split at top-level commas.
fn flow_entries(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    for c in body.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out.retain(|e| !e.is_empty());
    out
}

/// A flow mapping `{ ... }` with the entries named in `remove` dropped and `add` appended.
fn rebuild_flow_map(body: &str, remove: &[String], add: &[(String, String)]) -> String {
    let mut entries: Vec<String> = flow_entries(body)
        .into_iter()
        .filter(|e| {
            let key = e
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches(['"', '\'']);
            !remove.iter().any(|r| r == key)
        })
        .collect();
    entries.extend(add.iter().map(|(k, v)| format!("{k}: {v}")));
    if entries.is_empty() {
        "{}".into()
    } else {
        format!("{{ {} }}", entries.join(", "))
    }
}

fn yaml_entries(add: &[(String, CfnRef)]) -> Result<Vec<(String, String)>, String> {
    add.iter()
        .map(|(name, r)| {
            r.to_yaml_inline()
                .map(|v| (name.clone(), v))
                .ok_or_else(|| format!("variable {name} cannot be written on one line"))
        })
        .collect()
}

/// `!Sub [ "definition", { Name: value } ]` (possibly over several lines): the double-quoted
/// string is edited as JSON text and written back as a double-quoted scalar; new variables go at
/// the end of the flow map.
fn edit_flow_sub(
    doc: &YamlDoc,
    sub: usize,
    edit: &dyn Fn(&str) -> Result<String, String>,
    vars: SubVars,
) -> Result<String, String> {
    let text = doc.text();
    let line_start: usize = (0..sub).map(|i| doc.line(i).len()).sum();
    let open = line_start + doc.line(sub).find('[').ok_or("no `[` after !Sub")?;
    let b = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < b.len() && (b[i] as char).is_whitespace() {
            i += 1;
        }
        i
    };
    let str_start = skip_ws(open + 1);
    if b.get(str_start) != Some(&b'"') {
        return Err("the Fn::Sub string is not double-quoted; edit it by hand".into());
    }
    let mut i = str_start + 1;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    if i >= b.len() {
        return Err("the Fn::Sub string is not closed".into());
    }
    let str_end = i + 1;
    let literal = &text[str_start..str_end];
    if literal.contains('\n') {
        return Err("the Fn::Sub string is folded over lines; edit it by hand".into());
    }
    // YAML double-quoted escapes beyond JSON's (\x, \e, \N, ...) are not read here.
    let inner: String = serde_json::from_str(literal)
        .map_err(|e| format!("the Fn::Sub string uses YAML-only escapes ({e}); edit it by hand"))?;
    let edited = edit(&inner)?;
    let new_literal = serde_json::to_string(&edited).map_err(|e| e.to_string())?;
    // The variables map.
    let comma = skip_ws(str_end);
    let map_open = skip_ws(comma + 1);
    let mut out = String::new();
    let entries = yaml_entries(vars.add)?;
    let has_map = b.get(comma) == Some(&b',') && b.get(map_open) == Some(&b'{');
    if has_map && (!entries.is_empty() || !vars.remove.is_empty()) {
        let mut depth = 0;
        let mut close = None;
        let mut j = map_open;
        while j < b.len() {
            match b[j] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                b'"' | b'\'' => {
                    let q = b[j];
                    j += 1;
                    while j < b.len() && b[j] != q {
                        j += 1;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let close = close.ok_or("the variables map is not closed")?;
        if text[map_open..close].contains('\n') {
            return Err("the variables map spans lines; edit it by hand".into());
        }
        let rebuilt = rebuild_flow_map(&text[map_open + 1..close], vars.remove, &entries);
        out.push_str(&text[..str_start]);
        out.push_str(&new_literal);
        out.push_str(&text[str_end..map_open]);
        out.push_str(&rebuilt);
        out.push_str(&text[close + 1..]);
    } else if !entries.is_empty() {
        return Err("Fn::Sub has no variables map to add to".into());
    } else {
        out.push_str(&text[..str_start]);
        out.push_str(&new_literal);
        out.push_str(&text[str_end..]);
    }
    Ok(out)
}

/// `key: |`, `key: |-`, `key: !Sub |` (a literal block scalar header).
fn is_block_header(line: &str) -> bool {
    let v = value_after_key(line);
    let v = v.strip_prefix("!Sub").map(str::trim).unwrap_or(v);
    matches!(v, "|" | "|-" | "|+")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task_replacement<'a>(old: &'a Value, new: &'a Value) -> Vec<StateReplacement<'a>> {
        vec![StateReplacement {
            pointer: "/States/A",
            original: old,
            rewritten: new,
        }]
    }

    /// A JSON template whose state machine `SM` has one Lambda Task `A` in a pretty-printed
    /// `DefinitionString: {"Fn::Sub": ...}`.
    fn sub_template() -> String {
        let def = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\",\n      \"Resource\": \"${Fn.Arn}\",\n      \"End\": true\n    }\n  }\n}";
        let template = json!({"Resources": {"SM": {"Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"DefinitionString": {"Fn::Sub": def}}}}});
        serde_json::to_string_pretty(&template).unwrap() + "\n"
    }

    /// The definition inside `SM`'s `DefinitionString: {"Fn::Sub": ...}` of a JSON template.
    fn sub_definition(template: &str) -> Value {
        let v: Value = serde_json::from_str(template).unwrap();
        let sub = &v["Resources"]["SM"]["Properties"]["DefinitionString"]["Fn::Sub"];
        serde_json::from_str(sub.as_str().unwrap()).unwrap()
    }

    #[test]
    fn sub_string_is_edited_inside_the_literal() {
        let text = sub_template();
        let old = json!({"Type": "Task", "Resource": "${Fn.Arn}", "End": true});
        let new = json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "${Queue}"}, "End": true});
        let out = edit_json_template(
            &text,
            "SM",
            &task_replacement(&old, &new),
            SubVars::default(),
            &TextChanges::default(),
        )
        .unwrap();
        let inner = sub_definition(&out);
        assert_eq!(inner["States"]["A"], new);
        // Only the line holding the string changed.
        let changed: Vec<_> = text
            .lines()
            .zip(out.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(changed.len(), 1);
        assert_eq!(text.lines().count(), out.lines().count());
    }

    #[test]
    fn added_states_are_inserted_inside_the_embedded_definition() {
        let text = sub_template();
        let old = json!({"Type": "Task", "Resource": "${Fn.Arn}", "End": true});
        let new = json!({"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true});
        let inserted = TextChanges {
            insertions: vec![(
                "/States/A".into(),
                vec![(
                    "A failed".into(),
                    json!({"Type": "Fail", "Error": "Invalid"}),
                )],
            )],
            ..TextChanges::default()
        };
        let out = edit_json_template(
            &text,
            "SM",
            &task_replacement(&old, &new),
            SubVars::default(),
            &inserted,
        )
        .unwrap();
        let inner = sub_definition(&out);
        assert_eq!(inner["States"]["A"], new);
        assert_eq!(inner["States"]["A failed"]["Type"], "Fail");
    }

    #[test]
    fn join_parts_are_split_again_around_references() {
        let text = r#"{
  "Resources": {
    "SM": {
      "Type": "AWS::StepFunctions::StateMachine",
      "Properties": {
        "DefinitionString": {
          "Fn::Join": [
            "",
            [
              "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Task\",\"Resource\":\"",
              {
                "Fn::GetAtt": [
                  "Fn",
                  "Arn"
                ]
              },
              "\",\"End\":true}}}"
            ]
          ]
        }
      }
    }
  }
}
"#;
        let old = json!({"Type": "Task", "Resource": "${Fn.Arn}", "End": true});
        let new = json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "${Table}", "Item": {"id": {"S.$": "$.id"}}}, "End": true});
        let added = vec![("Table".to_string(), CfnRef::Ref("Table".into()))];
        let out = edit_json_template(
            text,
            "SM",
            &task_replacement(&old, &new),
            SubVars {
                add: &added,
                remove: &[],
            },
            &TextChanges::default(),
        )
        .unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        let parts = v["Resources"]["SM"]["Properties"]["DefinitionString"]["Fn::Join"][1]
            .as_array()
            .unwrap()
            .clone();
        assert!(parts.contains(&json!({"Ref": "Table"})), "{out}");
        assert!(
            !parts.iter().any(|p| p.get("Fn::GetAtt").is_some()),
            "{out}"
        );
        // Discovery reads the new expression back to the new state.
        let scope = Scope::new(Flavour::Cfn, "t.json".into());
        let dt = definition::from_expression(
            &v["Resources"]["SM"]["Properties"]["DefinitionString"],
            &scope,
        )
        .unwrap();
        let def: Value = serde_json::from_str(&dt.text).unwrap();
        assert_eq!(def["States"]["A"], new);
        // The lines before the parts are untouched.
        let head = text.find("            [\n").unwrap();
        assert_eq!(&out[..head], &text[..head]);
    }

    #[test]
    fn yaml_sub_block_scalar_is_reindented() {
        let text = "Resources:\n  SM:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionString: !Sub |\n        {\n          \"StartAt\": \"A\",\n          \"States\": {\n            \"A\": {\n              \"Type\": \"Task\",\n              \"Resource\": \"${Fn.Arn}\",\n              \"End\": true\n            }\n          }\n        }\n      RoleArn: !GetAtt Role.Arn\n";
        let old = json!({"Type": "Task", "Resource": "${Fn.Arn}", "End": true});
        let new = json!({"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true});
        let out = edit_yaml_template(
            text,
            "SM",
            &task_replacement(&old, &new),
            &TextChanges::default(),
            SubVars::default(),
        )
        .unwrap();
        assert_eq!(
            out,
            text.replace("\"${Fn.Arn}\"", "\"arn:aws:states:::sns:publish\"")
        );
        let parsed = crate::discover::yaml::parse_yaml(Path::new("t.yaml"), &out).unwrap();
        let ds = parsed["Resources"]["SM"]["Properties"]["DefinitionString"].clone();
        let inner = ds
            .get("Fn::Sub")
            .and_then(Value::as_str)
            .unwrap()
            .to_string();
        let def: Value = serde_json::from_str(&inner).unwrap();
        assert_eq!(def["States"]["A"], new);
    }

    /// `Fn::Sub:` in its long form, a block list under the key: the `- |` scalar is edited, the
    /// variables map gains an entry and loses the retired one, written as the file writes them.
    #[test]
    fn long_form_sub_list_is_edited_with_its_variables() {
        let text = "Resources:\n  SM:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionString:\n        Fn::Sub:\n          - |\n            {\n              \"StartAt\": \"A\",\n              \"States\": {\n                \"A\": {\n                  \"Type\": \"Task\",\n                  \"Resource\": \"${FnArn}\",\n                  \"End\": true\n                }\n              }\n            }\n          - FnArn: !GetAtt Fn.Arn\n            Stage: dev\n      RoleArn: !GetAtt Role.Arn\n";
        let old = json!({"Type": "Task", "Resource": "${FnArn}", "End": true});
        let new = json!({"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn": "${TopicArn}"}, "End": true});
        let add = vec![("TopicArn".to_string(), CfnRef::Ref("Topic".into()))];
        let out = edit_yaml_template(
            text,
            "SM",
            &task_replacement(&old, &new),
            &TextChanges::default(),
            SubVars {
                add: &add,
                remove: &["FnArn".to_string()],
            },
        )
        .unwrap();
        assert!(
            out.ends_with("            }\n          - Stage: dev\n            TopicArn: !Ref Topic\n      RoleArn: !GetAtt Role.Arn\n"),
            "{out}"
        );
        let parsed = crate::discover::yaml::parse_yaml(Path::new("t.yaml"), &out).unwrap();
        let sub = &parsed["Resources"]["SM"]["Properties"]["DefinitionString"]["Fn::Sub"];
        assert_eq!(
            sub[1],
            json!({"Stage": "dev", "TopicArn": {"Ref": "Topic"}})
        );
        let def: Value = serde_json::from_str(sub[0].as_str().unwrap()).unwrap();
        assert_eq!(def["States"]["A"], new);
    }
}
