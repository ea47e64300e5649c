//! Member- and element-level edits of a JSON document's text (CloudFormation JSON templates): add
//! or remove object members and array elements with the indentation the file uses. Nothing else
//! in the text moves, so every untouched line stays byte-identical.

use super::json_span::{self, Span};
use serde_json::Value;

fn err(pointer: &str, e: json_span::ScanError) -> String {
    format!("{pointer} (byte {}): {}", e.offset, e.message)
}

fn splice(text: &str, start: usize, end: usize, new: &str) -> String {
    let mut out = String::with_capacity(text.len() + new.len());
    out.push_str(&text[..start]);
    out.push_str(new);
    out.push_str(&text[end..]);
    out
}

/// Indentation of the children of the container at `span` (from its first child, else one unit
/// deeper than the container's line).
fn child_indent(text: &str, span: Span, first_child: Option<Span>, unit: &str) -> String {
    match first_child {
        Some(c) if text[span.start..c.start].contains('\n') => {
            json_span::line_indent(text, c.start).to_string()
        }
        _ => format!("{}{unit}", json_span::line_indent(text, span.start)),
    }
}

/// Inserts rendered `entries` (already `"key": value` or a value) at the end of the container at
/// `span` whose existing children end at `last_end` (None when empty).
fn append(
    text: &str,
    span: Span,
    last_end: Option<usize>,
    inner: &str,
    rendered: &[String],
) -> String {
    if rendered.is_empty() {
        return text.to_string();
    }
    let base = json_span::line_indent(text, span.start);
    let body = rendered
        .iter()
        .map(|r| format!("{inner}{r}"))
        .collect::<Vec<_>>()
        .join(",\n");
    match last_end {
        Some(end) => splice(text, end, end, &format!(",\n{body}")),
        None => splice(
            text,
            span.start + 1,
            span.end - 1,
            &format!("\n{body}\n{base}"),
        ),
    }
}

/// Adds `key: value` members at the end of the object at `pointer`.
pub fn add_members(
    text: &str,
    pointer: &str,
    entries: &[(String, Value)],
) -> Result<String, String> {
    let span = json_span::find_pointer(text, pointer).map_err(|e| err(pointer, e))?;
    let members = json_span::members(text, span).map_err(|e| err(pointer, e))?;
    let unit = json_span::indent_unit(text);
    let inner = child_indent(text, span, members.first().map(|m| m.key_span), &unit);
    let rendered: Vec<String> = entries
        .iter()
        .filter(|(k, _)| !members.iter().any(|m| &m.key == k))
        .map(|(k, v)| {
            format!(
                "{}: {}",
                serde_json::to_string(k).unwrap_or_default(),
                json_span::render_value(v, &inner, &unit)
            )
        })
        .collect();
    Ok(append(
        text,
        span,
        members.last().map(|m| m.value.end),
        &inner,
        &rendered,
    ))
}

/// Appends `values` to the array at `pointer`.
pub fn add_items(text: &str, pointer: &str, values: &[Value]) -> Result<String, String> {
    let span = json_span::find_pointer(text, pointer).map_err(|e| err(pointer, e))?;
    let items = json_span::items(text, span).map_err(|e| err(pointer, e))?;
    let unit = json_span::indent_unit(text);
    let inner = child_indent(text, span, items.first().copied(), &unit);
    let rendered: Vec<String> = values
        .iter()
        .map(|v| json_span::render_value(v, &inner, &unit))
        .collect();
    Ok(append(
        text,
        span,
        items.last().map(|s| s.end),
        &inner,
        &rendered,
    ))
}

/// Removes a child span from its container, with the comma that separated it.
fn remove_child(text: &str, container: Span, children: &[Span], index: usize) -> String {
    let this = children[index];
    let (start, end) = if index > 0 {
        // From the end of the previous child (its comma and the whitespace before this one).
        (children[index - 1].end, this.end)
    } else if children.len() > 1 {
        (this.start, children[1].start)
    } else {
        // The only child: leave an empty container.
        (container.start + 1, container.end - 1)
    };
    splice(text, start, end, "")
}

/// Removes the members named `keys` from the object at `pointer` (missing ones are ignored).
pub fn remove_members(text: &str, pointer: &str, keys: &[String]) -> Result<String, String> {
    let mut text = text.to_string();
    for key in keys {
        let span = json_span::find_pointer(&text, pointer).map_err(|e| err(pointer, e))?;
        let members = json_span::members(&text, span).map_err(|e| err(pointer, e))?;
        let Some(i) = members.iter().position(|m| &m.key == key) else {
            continue;
        };
        let spans: Vec<Span> = members
            .iter()
            .map(|m| Span {
                start: m.key_span.start,
                end: m.value.end,
            })
            .collect();
        text = remove_child(&text, span, &spans, i);
    }
    Ok(text)
}

/// Removes the elements of the array at `pointer` for which `pred` holds.
pub fn remove_items(
    text: &str,
    pointer: &str,
    pred: &dyn Fn(&Value) -> bool,
) -> Result<String, String> {
    let mut text = text.to_string();
    loop {
        let span = json_span::find_pointer(&text, pointer).map_err(|e| err(pointer, e))?;
        let items = json_span::items(&text, span).map_err(|e| err(pointer, e))?;
        let found = items.iter().position(|s| {
            serde_json::from_str::<Value>(&text[s.start..s.end]).is_ok_and(|v| pred(&v))
        });
        match found {
            Some(i) => text = remove_child(&text, span, &items, i),
            None => return Ok(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC: &str =
        "{\n  \"A\": {\n    \"x\": 1\n  },\n  \"L\": [\n    1,\n    2\n  ],\n  \"E\": {}\n}\n";

    #[test]
    fn members_and_items_are_added_with_the_file_indentation() {
        let out = add_members(DOC, "/A", &[("y".into(), json!({"Ref": "T"}))]).unwrap();
        assert_eq!(
            out,
            "{\n  \"A\": {\n    \"x\": 1,\n    \"y\": {\n      \"Ref\": \"T\"\n    }\n  },\n  \"L\": [\n    1,\n    2\n  ],\n  \"E\": {}\n}\n"
        );
        let out = add_members(DOC, "/E", &[("k".into(), json!("v"))]).unwrap();
        assert!(out.contains("  \"E\": {\n    \"k\": \"v\"\n  }\n"), "{out}");
        let out = add_items(DOC, "/L", &[json!(3)]).unwrap();
        assert!(out.contains("    2,\n    3\n  ]"), "{out}");
    }

    #[test]
    fn members_and_items_are_removed_with_their_comma() {
        let out = remove_members(DOC, "", &["L".into()]).unwrap();
        assert_eq!(out, "{\n  \"A\": {\n    \"x\": 1\n  },\n  \"E\": {}\n}\n");
        let out = remove_members(DOC, "", &["A".into()]).unwrap();
        serde_json::from_str::<Value>(&out).unwrap();
        assert!(out.starts_with("{\n  \"L\""), "{out}");
        let out = remove_items(DOC, "/L", &|v| v == &json!(2)).unwrap();
        assert!(out.contains("\"L\": [\n    1\n  ]"), "{out}");
        let out = remove_items(&out, "/L", &|v| v == &json!(1)).unwrap();
        serde_json::from_str::<Value>(&out).unwrap();
    }
}
