//! Minimal textual edits: each rewritten state's object is replaced in the definition text (the
//! rest of the file stays byte-identical), and a SAM template gets its DefinitionSubstitutions and
//! Policies entries added or removed line by line.

use super::bindings::CfnRef;
use super::json_span::{self, Span};
use super::yaml_edit::YamlDoc;
use serde_json::Value;

/// One state to replace: its JSON pointer, the state as in the file, and the new state.
pub struct StateReplacement<'a> {
    pub pointer: &'a str,
    pub original: &'a Value,
    pub rewritten: &'a Value,
}

/// Replaces each state's span in a JSON definition text.
pub fn edit_json_definition(text: &str, states: &[StateReplacement]) -> Result<String, String> {
    let unit = json_span::indent_unit(text);
    let mut replacements: Vec<(Span, String)> = Vec::new();
    for s in states {
        let span = json_span::find_pointer(text, s.pointer)
            .map_err(|e| format!("{} (byte {}): {}", s.pointer, e.offset, e.message))?;
        let found: Value = serde_json::from_str(&text[span.start..span.end])
            .map_err(|e| format!("{}: {e}", s.pointer))?;
        if &found != s.original {
            return Err(format!(
                "{}: the file's text differs from the parsed definition (was it changed since discovery?)",
                s.pointer
            ));
        }
        let base = json_span::line_indent(text, span.start);
        // Compact definitions (one line, as CDK and Fn::Join parts hold them) stay compact.
        let new = if text.trim().contains('\n') {
            json_span::render_replacement(text, span, s.original, s.rewritten, base, &unit)
        } else {
            serde_json::to_string(s.rewritten).map_err(|e| e.to_string())?
        };
        replacements.push((span, new));
    }
    replacements.sort_by_key(|(s, _)| std::cmp::Reverse(s.start));
    let mut out = text.to_string();
    for (span, new) in replacements {
        out.replace_range(span.start..span.end, &new);
    }
    Ok(out)
}

/// What changes in a SAM/CloudFormation YAML template for one state machine resource.
pub struct TemplateChanges<'a> {
    pub resource: &'a str,
    pub add_substitutions: &'a [(String, CfnRef)],
    pub remove_substitutions: &'a [String],
    /// Policies list items to append (lines relative to `- `).
    pub add_policies: &'a [Vec<String>],
    /// Functions whose `LambdaInvokePolicy` items go.
    pub retired_functions: &'a [String],
}

pub fn edit_yaml_template(text: &str, c: &TemplateChanges) -> Result<String, String> {
    let mut doc = YamlDoc::parse(text);
    let props = doc
        .resource_properties(c.resource)
        .ok_or_else(|| format!("resource {} has no Properties block", c.resource))?;
    let entries = c
        .add_substitutions
        .iter()
        .map(|(name, r)| {
            r.to_yaml_inline()
                .map(|v| (name.clone(), v))
                .ok_or_else(|| format!("substitution {name} cannot be written on one line"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    doc.add_map_entries(props, "DefinitionSubstitutions", "DefinitionUri", &entries)?;
    doc.remove_map_entries(props, "DefinitionSubstitutions", c.remove_substitutions);
    if !c.add_policies.is_empty() || !c.retired_functions.is_empty() {
        let props = doc
            .resource_properties(c.resource)
            .ok_or("the resource lost its Properties")?;
        let retired = c.retired_functions.to_vec();
        if let Some(line) = doc.child(props, "Policies") {
            // `Policies: AWSXrayWriteOnlyAccess` (one managed policy): it becomes a block list.
            let l = doc.line(line).to_string();
            let value = l.trim_start()["Policies:".len()..]
                .split(" #")
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            if !value.is_empty() && !value.starts_with(['[', '{', '|', '>']) {
                let indent = l.len() - l.trim_start().len();
                let nl = if l.ends_with("\r\n") { "\r\n" } else { "\n" };
                let pad = " ".repeat(indent);
                // A comment on the line stays on the key's line.
                let comment = l
                    .trim_end()
                    .find(" #")
                    .map(|i| l.trim_end()[i..].to_string())
                    .unwrap_or_default();
                doc.replace_lines(
                    line,
                    line + 1,
                    vec![
                        format!("{pad}Policies:{comment}{nl}"),
                        format!("{pad}  - {value}{nl}"),
                    ],
                );
            }
        }
        if doc.child(props, "Policies").is_none() {
            // A SAM state machine without Policies (nor Role): the list is created.
            if c.add_policies.is_empty() {
                return Ok(doc.text());
            }
            let mut lines = vec!["Policies:".to_string()];
            for item in c.add_policies {
                for (i, l) in item.iter().enumerate() {
                    lines.push(if i == 0 {
                        format!("  - {l}")
                    } else {
                        format!("      {l}")
                    });
                }
            }
            doc.append_to_block(props, &lines)?;
            return Ok(doc.text());
        }
        doc.edit_list(
            props,
            "Policies",
            &|item: &str| {
                item.contains("LambdaInvokePolicy")
                    && retired.iter().any(|f| mentions_word(item, f))
            },
            c.add_policies,
        )?;
    }
    Ok(doc.text())
}

/// `word` as a whole identifier in `text` (so `SaveOrderFunction` does not match `SaveOrderFunctionV2`).
fn mentions_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().last();
        let after = text[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_single_managed_policy_becomes_a_list() {
        let text = "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Policies: AWSXrayWriteOnlyAccess # tracing\n      DefinitionUri: sm.json\n";
        let add = vec![vec![
            "SQSSendMessagePolicy:".to_string(),
            "QueueName: !GetAtt Q.QueueName".to_string(),
        ]];
        let out = edit_yaml_template(
            text,
            &TemplateChanges {
                resource: "Flow",
                add_substitutions: &[],
                remove_substitutions: &[],
                add_policies: &add,
                retired_functions: &[],
            },
        )
        .unwrap();
        assert_eq!(out, "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Policies: # tracing\n        - AWSXrayWriteOnlyAccess\n        - SQSSendMessagePolicy:\n            QueueName: !GetAtt Q.QueueName\n      DefinitionUri: sm.json\n");
    }

    #[test]
    fn only_the_state_span_changes() {
        let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\",\n      \"Resource\": \"x\",\n      \"End\": true\n    }\n  }\n}\n";
        let original = json!({"Type": "Task", "Resource": "x", "End": true});
        let rewritten =
            json!({"Type": "Task", "Resource": "y", "Parameters": {"a.$": "$.a"}, "End": true});
        let out = edit_json_definition(
            text,
            &[StateReplacement {
                pointer: "/States/A",
                original: &original,
                rewritten: &rewritten,
            }],
        )
        .unwrap();
        assert_eq!(
            out,
            "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\",\n      \"Resource\": \"y\",\n      \"Parameters\": {\n        \"a.$\": \"$.a\"\n      },\n      \"End\": true\n    }\n  }\n}\n"
        );
        let stale = json!({"Type": "Pass"});
        assert!(edit_json_definition(
            text,
            &[StateReplacement {
                pointer: "/States/A",
                original: &stale,
                rewritten: &rewritten
            }]
        )
        .is_err());
    }

    #[test]
    fn word_matching_is_whole_identifier() {
        assert!(mentions_word("FunctionName: !Ref Save\n", "Save"));
        assert!(!mentions_word("FunctionName: !Ref SaveV2\n", "Save"));
    }
}
