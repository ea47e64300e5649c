//! States a rewrite adds next to its Task (the validation Choice and its Fail states): where they
//! go in a definition, which transitions now lead to the new entry state, and the textual edits
//! that insert them into JSON and block-YAML definition files (the rest stays byte-identical).

use super::json_span;
use super::yaml_state;
use super::RewrittenTask;
use serde_json::Value;

/// `/States/A` → (`/States`, ``, `A`); `/States/P/Branches/0/States/A` →
/// (`/States/P/Branches/0/States`, `/States/P/Branches/0`, `A`). Pointer tokens stay escaped.
pub fn scope(pointer: &str) -> Option<(String, String, String)> {
    let (states, name) = pointer.rsplit_once('/')?;
    let machine = states.strip_suffix("/States")?;
    Some((
        states.to_string(),
        machine.to_string(),
        name.replace("~1", "/").replace("~0", "~"),
    ))
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The state with every transition to `from` (Next, Default, Choices[].Next, Catch[].Next) sent
/// to `to`; None when it has none.
pub fn redirect(state: &Value, from: &str, to: &str) -> Option<Value> {
    let mut new = state.clone();
    let mut changed = false;
    let mut retarget = |v: Option<&mut Value>| {
        if let Some(v) = v {
            if v.as_str() == Some(from) {
                *v = Value::String(to.to_string());
                changed = true;
            }
        }
    };
    retarget(new.get_mut("Next"));
    retarget(new.get_mut("Default"));
    for list in ["Choices", "Catch"] {
        if let Some(items) = new.get_mut(list).and_then(Value::as_array_mut) {
            for item in items {
                retarget(item.get_mut("Next"));
            }
        }
    }
    changed.then_some(new)
}

/// What adding `task`'s states changes in `definition` besides the Task itself: the sibling
/// states whose transitions move to the entry (pointer, as now, redirected), and whether the
/// machine's StartAt moves (pointer of StartAt).
pub struct Redirects {
    pub states: Vec<(String, Value, Value)>,
    pub start_at: Option<String>,
}

pub fn redirects(definition: &Value, task: &RewrittenTask) -> Redirects {
    let mut out = Redirects {
        states: Vec::new(),
        start_at: None,
    };
    let (Some(entry), Some((states_ptr, machine_ptr, name))) = (&task.entry, scope(&task.pointer))
    else {
        return out;
    };
    if let Some(states) = definition.pointer(&states_ptr).and_then(Value::as_object) {
        for (other, state) in states {
            if *other == name {
                continue;
            }
            if let Some(new) = redirect(state, &name, entry) {
                out.states.push((
                    format!("{states_ptr}/{}", escape(other)),
                    state.clone(),
                    new,
                ));
            }
        }
    }
    let start = format!("{machine_ptr}/StartAt");
    if definition.pointer(&start).and_then(Value::as_str) == Some(name.as_str()) {
        out.start_at = Some(start);
    }
    out
}

/// Puts `task`'s added states into `definition` (taking them from `full` when given, where
/// substitutions are resolved) and moves the transitions into the Task to its entry.
pub fn apply(definition: &mut Value, task: &RewrittenTask, full: Option<&Value>) {
    if task.added_states.is_empty() {
        return;
    }
    let Some((states_ptr, _, _)) = scope(&task.pointer) else {
        return;
    };
    let r = redirects(definition, task);
    for (pointer, _, new) in r.states {
        if let Some(slot) = definition.pointer_mut(&pointer) {
            *slot = new;
        }
    }
    if let (Some(p), Some(entry)) = (r.start_at, &task.entry) {
        if let Some(slot) = definition.pointer_mut(&p) {
            *slot = Value::String(entry.clone());
        }
    }
    if let Some(states) = definition
        .pointer_mut(&states_ptr)
        .and_then(Value::as_object_mut)
    {
        for (name, state) in &task.added_states {
            let resolved = full
                .and_then(|f| f.pointer(&format!("{states_ptr}/{}", escape(name))))
                .cloned()
                .unwrap_or_else(|| state.clone());
            states.insert(name.clone(), resolved);
        }
    }
}

/// Inserts `states` as members after the state at `pointer` in a JSON definition text.
pub fn insert_json(
    text: &str,
    pointer: &str,
    states: &[(String, Value)],
) -> Result<String, String> {
    let span = json_span::find_pointer(text, pointer)
        .map_err(|e| format!("{pointer} (byte {}): {}", e.offset, e.message))?;
    let base = json_span::line_indent(text, span.start);
    let unit = json_span::indent_unit(text);
    let mut inserted = String::new();
    for (name, state) in states {
        inserted.push_str(",\n");
        inserted.push_str(base);
        inserted.push_str(&serde_json::to_string(name).map_err(|e| e.to_string())?);
        inserted.push_str(": ");
        inserted.push_str(&json_span::render_value(state, base, &unit));
    }
    let mut out = text.to_string();
    out.insert_str(span.end, &inserted);
    Ok(out)
}

/// Replaces the string at `pointer` (StartAt) in a JSON definition text.
pub fn set_json_string(text: &str, pointer: &str, value: &str) -> Result<String, String> {
    let span = json_span::find_pointer(text, pointer)
        .map_err(|e| format!("{pointer} (byte {}): {}", e.offset, e.message))?;
    let mut out = text.to_string();
    out.replace_range(
        span.start..span.end,
        &serde_json::to_string(value).map_err(|e| e.to_string())?,
    );
    Ok(out)
}

fn lines_of(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(String::from).collect()
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Inserts `states` as entries after the state at `path` (YAML keys) in a block-YAML text.
pub fn insert_yaml(
    text: &str,
    path: &[String],
    states: &[(String, Value)],
) -> Result<String, String> {
    let lines = lines_of(text);
    let loc = yaml_state::locate(&lines, path)?;
    let key_indent = indent_of(&lines[loc.key_line]);
    let unit = loc.indent.saturating_sub(key_indent).max(2);
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut end = loc.end;
    while end > loc.start && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut new: Vec<String> = Vec::new();
    for (name, state) in states {
        for l in yaml_state::render_entry(name, state, key_indent, unit) {
            new.push(format!("{l}{nl}"));
        }
    }
    let mut out: Vec<String> = lines[..end].to_vec();
    if let Some(last) = out.last_mut() {
        if !last.ends_with('\n') {
            last.push_str(nl);
        }
    }
    out.extend(new);
    out.extend(lines[end..].iter().cloned());
    Ok(out.concat())
}

/// Replaces the scalar of `key` in the mapping at `path` (empty: the document root) in block YAML.
pub fn set_yaml_scalar(
    text: &str,
    path: &[String],
    key: &str,
    value: &str,
) -> Result<String, String> {
    let mut lines = lines_of(text);
    let (start, end, indent) = if path.is_empty() {
        let first = lines
            .iter()
            .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .ok_or("the document is empty")?;
        (first, lines.len(), indent_of(&lines[first]))
    } else {
        let loc = yaml_state::locate(&lines, path)?;
        (loc.start, loc.end, loc.indent)
    };
    for line in lines.iter_mut().take(end).skip(start) {
        if indent_of(line) != indent {
            continue;
        }
        let body = line.trim_start();
        let Some(rest) = body.strip_prefix(key) else {
            continue;
        };
        let rest = rest.trim_start_matches(['"', '\'']);
        if !rest.starts_with(':') {
            continue;
        }
        let eol = if line.ends_with("\r\n") {
            "\r\n"
        } else if line.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        let quoted_key = &body[..body.len() - rest.len()];
        *line = format!(
            "{}{quoted_key}: {}{eol}",
            " ".repeat(indent),
            yaml_state::scalar(value)
        );
        return Ok(lines.concat());
    }
    Err(format!("`{key}` not found"))
}

/// The textual side of the added states of one state machine's rewritten Tasks: the other states
/// whose transitions move (as more state replacements), the StartAt that moves, and the states to
/// insert after their Task.
#[derive(Default)]
pub struct TextChanges {
    pub redirected: Vec<(String, Value, Value)>,
    pub start_at: Vec<(String, String)>,
    pub insertions: Vec<(String, Vec<(String, Value)>)>,
}

impl TextChanges {
    pub fn of(raw_definition: &Value, tasks: &[RewrittenTask]) -> TextChanges {
        let mut out = TextChanges::default();
        for t in tasks {
            if t.added_states.is_empty() {
                continue;
            }
            out.insertions
                .push((t.pointer.clone(), t.added_states.clone()));
            let r = redirects(raw_definition, t);
            for (pointer, original, new) in r.states {
                if tasks.iter().any(|u| u.pointer == pointer) {
                    continue; // a rewritten Task: its new state is redirected already
                }
                match out.redirected.iter_mut().find(|(p, _, _)| *p == pointer) {
                    Some(slot) => {
                        if let Some(again) = t
                            .entry
                            .as_ref()
                            .and_then(|e| redirect(&slot.2, &t.state, e))
                        {
                            slot.2 = again;
                        }
                    }
                    None => out.redirected.push((pointer, original, new)),
                }
            }
            if let (Some(p), Some(e)) = (r.start_at, &t.entry) {
                out.start_at.push((p, e.clone()));
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.insertions.is_empty()
    }

    /// After the state replacements: inserts the states and moves StartAt in a JSON definition.
    pub fn apply_json(&self, text: &str) -> Result<String, String> {
        let mut text = text.to_string();
        for (pointer, added) in &self.insertions {
            text = insert_json(&text, pointer, added)?;
        }
        for (pointer, entry) in &self.start_at {
            text = set_json_string(&text, pointer, entry)?;
        }
        Ok(text)
    }

    /// The same in a Terraform `jsonencode(...)` definition (HCL object syntax) of the
    /// `aws_sfn_state_machine` at `address`.
    pub fn apply_hcl(&self, text: &str, address: &str) -> Result<String, String> {
        let mut text = text.to_string();
        for (pointer, added) in &self.insertions {
            text = super::hcl_edit::insert_states(&text, address, pointer, added)
                .map_err(|e| format!("{pointer}: {e}"))?;
        }
        for (pointer, entry) in &self.start_at {
            text = super::hcl_edit::set_string(&text, address, pointer, entry)
                .map_err(|e| format!("{pointer}: {e}"))?;
        }
        Ok(text)
    }

    /// The same in block YAML, the definition sitting at `prefix` (YAML keys) in the document.
    pub fn apply_yaml(&self, text: &str, prefix: &[String]) -> Result<String, String> {
        let path = |pointer: &str| {
            let mut p = prefix.to_vec();
            p.extend(
                pointer
                    .trim_start_matches('/')
                    .split('/')
                    .filter(|t| !t.is_empty())
                    .map(|t| t.replace("~1", "/").replace("~0", "~")),
            );
            p
        };
        let mut text = text.to_string();
        for (pointer, added) in &self.insertions {
            text =
                insert_yaml(&text, &path(pointer), added).map_err(|e| format!("{pointer}: {e}"))?;
        }
        for (pointer, entry) in &self.start_at {
            let machine = pointer.trim_end_matches("/StartAt");
            text = set_yaml_scalar(&text, &path(machine), "StartAt", entry)
                .map_err(|e| format!("{pointer}: {e}"))?;
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_insertion_keeps_every_other_byte() {
        let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\",\n      \"End\": true\n    }\n  }\n}\n";
        let out = insert_json(
            text,
            "/States/A",
            &[("F".into(), json!({"Type": "Fail", "Error": "E"}))],
        )
        .unwrap();
        assert_eq!(out, "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\",\n      \"End\": true\n    },\n    \"F\": {\n      \"Type\": \"Fail\",\n      \"Error\": \"E\"\n    }\n  }\n}\n");
        let out = set_json_string(&out, "/StartAt", "Check A").unwrap();
        assert!(out.starts_with("{\n  \"StartAt\": \"Check A\",\n"));
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["States"]["F"]["Error"], "E");
    }

    #[test]
    fn yaml_insertion_and_start_at() {
        let text =
            "Comment: x\nStartAt: A\nStates:\n  A:\n    Type: Task\n    End: true\n\n# tail\n";
        let out = insert_yaml(
            text,
            &["States".into(), "A".into()],
            &[("F".into(), json!({"Type": "Fail", "Error": "E"}))],
        )
        .unwrap();
        assert_eq!(out, "Comment: x\nStartAt: A\nStates:\n  A:\n    Type: Task\n    End: true\n  F:\n    Type: Fail\n    Error: E\n\n# tail\n");
        let out = set_yaml_scalar(&out, &[], "StartAt", "Validate A").unwrap();
        assert!(out.starts_with("Comment: x\nStartAt: Validate A\n"));
    }

    #[test]
    fn redirect_moves_every_kind_of_transition() {
        let s =
            json!({"Type": "Choice", "Choices": [{"Next": "A"}, {"Next": "B"}], "Default": "A"});
        let r = redirect(&s, "A", "V").unwrap();
        assert_eq!(r["Choices"][0]["Next"], "V");
        assert_eq!(r["Choices"][1]["Next"], "B");
        assert_eq!(r["Default"], "V");
        let t = json!({"Type": "Task", "Catch": [{"Next": "A"}], "Next": "B"});
        assert_eq!(redirect(&t, "A", "V").unwrap()["Catch"][0]["Next"], "V");
        assert!(redirect(&json!({"Type": "Pass", "End": true}), "A", "V").is_none());
    }
}
