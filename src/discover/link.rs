//! Links each Lambda-invoking Task state to the function it calls.
//!
//! A Task invokes Lambda through the optimized integration (`arn:aws:states:::lambda:invoke`,
//! `.waitForTaskToken`) with `Parameters.FunctionName` (JSONPath) or `Arguments.FunctionName`
//! (JSONata), or names the function ARN as its `Resource` (legacy form).
//! https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
//! Nested states: Parallel `Branches`, Map `Iterator` / `ItemProcessor`.

use super::locate;
use super::model::{DefinitionOrigin, InvocationStyle, TaskLink};
use super::refs::{self, Scope};
use super::Builder;
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

pub fn link_all(b: &mut Builder) {
    let names: Vec<(Option<String>, usize)> = b
        .project
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.function_name.clone(), i))
        .collect();
    let mut texts: HashMap<PathBuf, Option<String>> = HashMap::new();
    let mut links = Vec::new();
    for (i, sm) in b.project.state_machines.iter().enumerate() {
        let scope = &b.scopes[b.machine_scopes[i]];
        let text = texts
            .entry(sm.definition_file.clone())
            .or_insert_with(|| std::fs::read_to_string(&sm.definition_file).ok())
            .as_deref();
        let anchor = anchor_offset(text, &sm.origin);
        let mut found = Vec::new();
        collect_tasks(&sm.raw_definition, "", &mut found);
        for (pointer, state_name) in found {
            let raw = sm.raw_definition.pointer(&pointer).unwrap_or(&Value::Null);
            let resolved = sm.definition.pointer(&pointer).unwrap_or(&Value::Null);
            let Some(mut link) = link_task(scope, &sm.substitutions, &names, raw, resolved) else {
                continue;
            };
            link.state_machine = i;
            link.state = state_name;
            link.file = sm.definition_file.clone();
            link.line = text.and_then(|t| {
                let keys = key_chain(&pointer);
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                locate::line_of_key_path(t, anchor, &keys)
            });
            link.pointer = pointer;
            links.push(link);
        }
    }
    b.project.links = links;
}

/// Where to start looking for the definition's keys in its file (the resource's key in a template).
fn anchor_offset(text: Option<&str>, origin: &DefinitionOrigin) -> usize {
    let Some(text) = text else { return 0 };
    let key = match origin {
        DefinitionOrigin::TemplateInline { resource, .. }
        | DefinitionOrigin::CdkOut { resource, .. } => resource.as_str(),
        DefinitionOrigin::Serverless { name, .. } => name.as_str(),
        DefinitionOrigin::Terraform {
            resource,
            definition_file: None,
            ..
        } => return terraform_block_offset(text, resource),
        _ => return 0,
    };
    locate::key_offset(text, 0, key).unwrap_or(0)
}

/// Offset of `resource "type" "name"` in a .tf file.
fn terraform_block_offset(text: &str, address: &str) -> usize {
    let Some((ty, name)) = address.split_once('.') else {
        return 0;
    };
    let (ty, name) = (format!("\"{ty}\""), format!("\"{name}\""));
    let mut from = 0;
    while let Some(p) = text[from..].find(&ty) {
        let at = from + p;
        if text[at + ty.len()..].trim_start().starts_with(&name) {
            return at;
        }
        from = at + 1;
    }
    0
}

/// `/States/P/Branches/0/States/A` → ["States", "P", "Branches", "States", "A"].
fn key_chain(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .filter(|s| !s.is_empty() && s.parse::<usize>().is_err())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn escape(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// Every Task state: (JSON pointer, state name), descending into Parallel and Map.
pub fn collect_tasks(def: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    let Some(states) = def.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        let ptr = format!("{prefix}/States/{}", escape(name));
        match state.get("Type").and_then(Value::as_str) {
            Some("Task") => out.push((ptr.clone(), name.clone())),
            Some("Parallel") => {
                if let Some(branches) = state.get("Branches").and_then(Value::as_array) {
                    for (i, br) in branches.iter().enumerate() {
                        collect_tasks(br, &format!("{ptr}/Branches/{i}"), out);
                    }
                }
            }
            Some("Map") => {
                for key in ["ItemProcessor", "Iterator"] {
                    if let Some(inner) = state.get(key) {
                        collect_tasks(inner, &format!("{ptr}/{key}"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn target_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Links one Task state, or `None` when it does not invoke Lambda.
fn link_task(
    scope: &Scope,
    vars: &IndexMap<String, Value>,
    names: &[(Option<String>, usize)],
    raw: &Value,
    resolved: &Value,
) -> Option<TaskLink> {
    let resource = resolved
        .get("Resource")
        .and_then(Value::as_str)
        .unwrap_or("");
    let raw_resource = raw.get("Resource").cloned().unwrap_or(Value::Null);
    let mut link = TaskLink {
        state_machine: 0,
        state: String::new(),
        pointer: String::new(),
        style: InvocationStyle::OptimizedInvoke,
        function: None,
        target: String::new(),
        unresolved: None,
        file: PathBuf::new(),
        line: None,
    };
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::lambda:invoke") {
        link.style = if rest == ".waitForTaskToken" {
            InvocationStyle::OptimizedInvokeCallback
        } else {
            InvocationStyle::OptimizedInvoke
        };
        let args = raw.get("Parameters").or_else(|| raw.get("Arguments"));
        match args {
            Some(Value::Object(a)) => {
                if let Some(expr) = a.get("FunctionName") {
                    link.target = target_text(expr);
                    if let Some(s) = expr.as_str().filter(|s| s.trim_start().starts_with("{%")) {
                        link.unresolved = Some(format!(
                            "FunctionName is computed by a JSONata expression (`{s}`)"
                        ));
                    } else {
                        resolve(&mut link, scope, expr, vars, names);
                    }
                } else if let Some(path) = a.get("FunctionName.$") {
                    link.target = target_text(path);
                    link.unresolved = Some(format!(
                        "FunctionName is read from the state input at run time (`{}`)",
                        target_text(path)
                    ));
                } else {
                    link.unresolved = Some("the Task names no FunctionName".to_string());
                }
            }
            Some(Value::String(s)) => {
                link.target = s.clone();
                link.unresolved = Some("the Task's Arguments are one JSONata expression".into());
            }
            _ => link.unresolved = Some("the Task names no FunctionName".to_string()),
        }
        return Some(link);
    }
    if resource.starts_with("arn:aws:states:") {
        // Another integration, or an activity.
        return None;
    }
    link.style = InvocationStyle::BareArn;
    link.target = target_text(&raw_resource);
    match scope.find_function(&raw_resource, vars, names) {
        Ok(f) => {
            link.function = Some(f);
            Some(link)
        }
        Err(why) => {
            let hint = link.target.to_ascii_lowercase();
            let looks_like_lambda = refs::is_lambda_arn(resource)
                || hint.contains("function")
                || hint.contains("lambda");
            if looks_like_lambda {
                link.unresolved = Some(why);
                Some(link)
            } else {
                None
            }
        }
    }
}

fn resolve(
    link: &mut TaskLink,
    scope: &Scope,
    expr: &Value,
    vars: &IndexMap<String, Value>,
    names: &[(Option<String>, usize)],
) {
    match scope.find_function(expr, vars, names) {
        Ok(f) => link.function = Some(f),
        Err(why) => link.unresolved = Some(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_nested_tasks() {
        let def = json!({"States": {
            "A": {"Type": "Task"},
            "P": {"Type": "Parallel", "Branches": [{"States": {"B": {"Type": "Task"}}}]},
            "M": {"Type": "Map", "ItemProcessor": {"States": {"C": {"Type": "Task"}}}},
            "Old": {"Type": "Map", "Iterator": {"States": {"D/x": {"Type": "Task"}}}}
        }});
        let mut out = Vec::new();
        collect_tasks(&def, "", &mut out);
        let ptrs: Vec<&str> = out.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            ptrs,
            vec![
                "/States/A",
                "/States/P/Branches/0/States/B",
                "/States/M/ItemProcessor/States/C",
                "/States/Old/Iterator/States/D~1x"
            ]
        );
        assert_eq!(
            key_chain("/States/P/Branches/0/States/B"),
            vec!["States", "P", "Branches", "States", "B"]
        );
    }
}
