//! Line-level edits of a YAML template (SAM / CloudFormation): insert and remove entries of a
//! resource's DefinitionSubstitutions and Policies with the indentation the file already uses.
//! The template is never re-serialized: every line not edited stays byte-identical.

/// A template being edited, as lines with their terminators.
pub struct YamlDoc {
    lines: Vec<String>,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// `key:` at the start of the (trimmed) line, followed by end of line, a space or a comment.
fn is_key_line(line: &str, key: &str) -> bool {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").unwrap_or(t);
    t.strip_prefix(key)
        .and_then(|r| r.strip_prefix(':'))
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\r', '\n', '#']))
}

impl YamlDoc {
    pub fn parse(text: &str) -> YamlDoc {
        YamlDoc {
            lines: text.split_inclusive('\n').map(String::from).collect(),
        }
    }

    pub fn text(&self) -> String {
        self.lines.concat()
    }

    /// Line `i` with its terminator.
    pub fn line(&self, i: usize) -> &str {
        &self.lines[i]
    }

    /// Replaces lines `[start, end)` (each new line with its terminator).
    pub fn replace_lines(&mut self, start: usize, end: usize, new: Vec<String>) {
        self.lines.splice(start..end, new);
    }

    fn newline(&self) -> &'static str {
        if self.lines.first().is_some_and(|l| l.ends_with("\r\n")) {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// The line of a top-level key (`Resources:`).
    fn top_level(&self, key: &str) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| indent_of(l) == 0 && is_key_line(l, key))
    }

    /// The line of `key:` directly under the block opened at `parent`.
    pub fn child(&self, parent: usize, key: &str) -> Option<usize> {
        let (start, end) = self.block(parent);
        let child_indent = self.child_indent(parent)?;
        (start..end).find(|&i| {
            !is_blank_or_comment(&self.lines[i])
                && indent_of(&self.lines[i]) == child_indent
                && is_key_line(&self.lines[i], key)
        })
    }

    fn child_indent(&self, parent: usize) -> Option<usize> {
        let (start, end) = self.block(parent);
        (start..end)
            .find(|&i| !is_blank_or_comment(&self.lines[i]))
            .map(|i| indent_of(&self.lines[i]))
    }

    /// Lines `[parent+1, end)` belonging to the block opened at `parent` (trailing blanks excluded).
    /// A list written at the parent's own indentation (`Policies:\n- X`) belongs to it too.
    pub fn block(&self, parent: usize) -> (usize, usize) {
        let p = indent_of(&self.lines[parent]);
        let mut last = parent;
        for i in parent + 1..self.lines.len() {
            let l = &self.lines[i];
            if is_blank_or_comment(l) {
                continue;
            }
            let ind = indent_of(l);
            if ind > p || (ind == p && l.trim_start().starts_with("- ")) {
                last = i;
            } else {
                break;
            }
        }
        (parent + 1, last + 1)
    }

    /// The line of the first item of the block list opened at `line` (`Policies:` → `- PolicyName: x`).
    pub fn first_item(&self, line: usize) -> Option<usize> {
        let (start, end) = self.block(line);
        (start..end).find(|&i| self.lines[i].trim_start().starts_with("- "))
    }

    /// Whether line `i` holds `key:` (also as the first key of a list item).
    pub fn is_key(&self, i: usize, key: &str) -> bool {
        is_key_line(&self.lines[i], key)
    }

    /// The line of the key at `keys` (top-level key first).
    pub fn path(&self, keys: &[&str]) -> Option<usize> {
        let (first, rest) = keys.split_first()?;
        let mut line = self.top_level(first)?;
        for k in rest {
            line = self.child(line, k)?;
        }
        Some(line)
    }

    /// The `Properties:` line of a resource (under `Resources:`, or serverless.yml's
    /// `resources: Resources:`).
    pub fn resource_properties(&self, logical_id: &str) -> Option<usize> {
        let resources = self
            .top_level("Resources")
            .or_else(|| self.path(&["resources", "Resources"]))?;
        let resource = self.child(resources, logical_id)?;
        self.child(resource, "Properties")
    }

    /// Adds `name: value` entries to the mapping `key:` under `properties`, creating it after
    /// `after_key` (or at the end of Properties) when missing.
    pub fn add_map_entries(
        &mut self,
        properties: usize,
        key: &str,
        after_key: &str,
        entries: &[(String, String)],
    ) -> Result<(), String> {
        if entries.is_empty() {
            return Ok(());
        }
        let nl = self.newline();
        let prop_indent = self
            .child_indent(properties)
            .ok_or("the resource's Properties are empty")?;
        match self.child(properties, key) {
            Some(line) => {
                if self.lines[line].trim_end().ends_with('{')
                    || !self.lines[line].trim_end().ends_with(':')
                {
                    return Err(format!("{key} is written inline; add the entries by hand"));
                }
                let (_, end) = self.block(line);
                let ind = self.child_indent(line).unwrap_or(prop_indent + 2);
                let new: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}{k}: {v}{nl}", " ".repeat(ind)))
                    .collect();
                self.ensure_newline(end - 1);
                self.lines.splice(end..end, new);
            }
            None => {
                let at = match self.child(properties, after_key) {
                    Some(l) => self.block(l).1,
                    None => self.block(properties).1,
                };
                self.ensure_newline(at - 1);
                let unit = 2;
                let mut new = vec![format!("{}{key}:{nl}", " ".repeat(prop_indent))];
                new.extend(
                    entries
                        .iter()
                        .map(|(k, v)| format!("{}{k}: {v}{nl}", " ".repeat(prop_indent + unit))),
                );
                self.lines.splice(at..at, new);
            }
        }
        Ok(())
    }

    /// Appends `lines` (indented relative to the block's children, without terminators) at the
    /// end of the block opened at `parent`.
    pub fn append_to_block(&mut self, parent: usize, lines: &[String]) -> Result<(), String> {
        let nl = self.newline();
        let indent = self
            .child_indent(parent)
            .ok_or("the block to extend is empty")?;
        let (_, mut end) = self.block(parent);
        while end > parent + 1 && self.lines[end - 1].trim().is_empty() {
            end -= 1;
        }
        self.ensure_newline(end - 1);
        let new: Vec<String> = lines
            .iter()
            .map(|l| format!("{}{l}{nl}", " ".repeat(indent)))
            .collect();
        self.lines.splice(end..end, new);
        Ok(())
    }

    fn ensure_newline(&mut self, line: usize) {
        let nl = self.newline();
        if let Some(l) = self.lines.get_mut(line) {
            if !l.ends_with('\n') {
                l.push_str(nl);
            }
        }
    }

    /// Removes the entries of mapping `key:` under `properties` whose name is in `names`.
    pub fn remove_map_entries(&mut self, properties: usize, key: &str, names: &[String]) {
        let Some(line) = self.child(properties, key) else {
            return;
        };
        let Some(ind) = self.child_indent(line) else {
            return;
        };
        let (start, end) = self.block(line);
        let mut remove = Vec::new();
        let mut i = start;
        while i < end {
            let l = &self.lines[i];
            if !is_blank_or_comment(l)
                && indent_of(l) == ind
                && names.iter().any(|n| is_key_line(l, n))
            {
                let (_, e) = self.block(i);
                remove.push((i, e));
                i = e;
            } else {
                i += 1;
            }
        }
        for (s, e) in remove.into_iter().rev() {
            self.lines.drain(s..e);
        }
    }

    /// Removes list items of `key:` under `properties` for which `pred(item text)` holds, and
    /// appends `items` (each a list of lines relative to the item's `- `).
    pub fn edit_list(
        &mut self,
        properties: usize,
        key: &str,
        remove: &dyn Fn(&str) -> bool,
        items: &[Vec<String>],
    ) -> Result<(), String> {
        let nl = self.newline();
        let line = self
            .child(properties, key)
            .ok_or_else(|| format!("no {key} list"))?;
        let (start, end) = self.block(line);
        let dash_indent = (start..end)
            .find(|&i| self.lines[i].trim_start().starts_with("- "))
            .map(|i| indent_of(&self.lines[i]));
        let Some(dash) = dash_indent else {
            return Err(format!("{key} is not a block list; edit it by hand"));
        };
        // Item spans.
        let mut spans = Vec::new();
        let mut i = start;
        while i < end {
            let l = &self.lines[i];
            if indent_of(l) == dash && l.trim_start().starts_with("- ") {
                let mut j = i + 1;
                while j < end {
                    let n = &self.lines[j];
                    if !is_blank_or_comment(n) && indent_of(n) <= dash {
                        break;
                    }
                    j += 1;
                }
                spans.push((i, j));
                i = j;
            } else {
                i += 1;
            }
        }
        // Nested indentation used by existing items (`- LambdaInvokePolicy:` / `    FunctionName:`).
        let nested = spans
            .iter()
            .find_map(|&(s, e)| {
                (s + 1..e)
                    .find(|&k| !is_blank_or_comment(&self.lines[k]))
                    .map(|k| indent_of(&self.lines[k]) - dash)
            })
            .unwrap_or(4);
        let insert_at = spans.last().map(|&(_, e)| e).unwrap_or(end);
        let mut insert_at = insert_at;
        // Do not swallow blank lines that separate the list from what follows.
        while insert_at > start && self.lines[insert_at - 1].trim().is_empty() {
            insert_at -= 1;
        }
        let mut new_lines = Vec::new();
        for item in items {
            for (n, l) in item.iter().enumerate() {
                if n == 0 {
                    new_lines.push(format!("{}- {l}{nl}", " ".repeat(dash)));
                } else {
                    new_lines.push(format!("{}{l}{nl}", " ".repeat(dash + nested)));
                }
            }
        }
        self.ensure_newline(insert_at - 1);
        self.lines.splice(insert_at..insert_at, new_lines);
        for &(s, e) in spans.iter().rev() {
            let mut e2 = e;
            while e2 > s + 1 && self.lines[e2 - 1].trim().is_empty() {
                e2 -= 1;
            }
            let text: String = self.lines[s..e2].concat();
            if remove(&text) {
                self.lines.drain(s..e2);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: sm.json\n      DefinitionSubstitutions:\n        AFn: !GetAtt A.Arn\n        BFn: !GetAtt B.Arn\n      Policies:\n        - LambdaInvokePolicy:\n            FunctionName: !Ref A\n        - LambdaInvokePolicy:\n            FunctionName: !Ref B\n\nOutputs:\n  X:\n    Value: 1\n";

    #[test]
    fn adds_and_removes_substitutions_and_policies() {
        let mut doc = YamlDoc::parse(T);
        let props = doc.resource_properties("Flow").unwrap();
        doc.add_map_entries(
            props,
            "DefinitionSubstitutions",
            "DefinitionUri",
            &[("TName".into(), "!Ref T".into())],
        )
        .unwrap();
        doc.remove_map_entries(props, "DefinitionSubstitutions", &["AFn".into()]);
        doc.edit_list(
            props,
            "Policies",
            &|item| item.contains("LambdaInvokePolicy") && item.contains("!Ref A\n"),
            &[vec![
                "DynamoDBWritePolicy:".into(),
                "TableName: !Ref T".into(),
            ]],
        )
        .unwrap();
        let out = doc.text();
        assert_eq!(
            out,
            "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: sm.json\n      DefinitionSubstitutions:\n        BFn: !GetAtt B.Arn\n        TName: !Ref T\n      Policies:\n        - LambdaInvokePolicy:\n            FunctionName: !Ref B\n        - DynamoDBWritePolicy:\n            TableName: !Ref T\n\nOutputs:\n  X:\n    Value: 1\n"
        );
    }

    #[test]
    fn creates_missing_substitutions_block() {
        let t =
            "Resources:\n  Flow:\n    Properties:\n      DefinitionUri: sm.json\n      Role: r\n";
        let mut doc = YamlDoc::parse(t);
        let props = doc.resource_properties("Flow").unwrap();
        doc.add_map_entries(
            props,
            "DefinitionSubstitutions",
            "DefinitionUri",
            &[("X".into(), "!Ref Y".into())],
        )
        .unwrap();
        assert_eq!(
            doc.text(),
            "Resources:\n  Flow:\n    Properties:\n      DefinitionUri: sm.json\n      DefinitionSubstitutions:\n        X: !Ref Y\n      Role: r\n"
        );
    }
}
