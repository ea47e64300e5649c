//! What a rewrite leaves unused besides the retired functions: their execution roles (when no
//! other function or state machine uses them) and their log groups, read from the file that
//! declares each function. Nothing is deleted: the report names them for the reviewer.
//! - CloudFormation/SAM: the function's `Role` (a SAM function without one gets a generated
//!   `<Function>Role`, deleted with it:
//!   https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-function.html),
//!   an `AWS::Logs::LogGroup` naming the function, else Lambda's own `/aws/lambda/<name>`, which
//!   Lambda creates on first use and no stack deletes
//!   (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html);
//! - Serverless Framework: every function shares `IamRoleLambdaExecution`; each has a
//!   `<Function>LogGroup` the Framework deletes with it;
//! - Terraform: the function's `role` and an `aws_cloudwatch_log_group` naming it.

use crate::discover::model::{Function, Project};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// A resource the rewrite leaves unused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnusedResource {
    /// `function`, `role` or `log group`.
    pub kind: String,
    /// Logical id / Terraform address, or the physical name when the IaC does not declare it.
    pub id: String,
    /// The retired function it belonged to.
    pub function: String,
    /// What to do with it.
    pub note: String,
}

fn entry(
    kind: &str,
    id: impl Into<String>,
    f: &Function,
    note: impl Into<String>,
) -> UnusedResource {
    UnusedResource {
        kind: kind.into(),
        id: id.into(),
        function: f.id.clone(),
        note: note.into(),
    }
}

/// The functions, roles and log groups `unused` (indices into `project.functions`) leave behind.
pub fn unused_resources(project: &Project, unused: &[usize]) -> Vec<UnusedResource> {
    let retired: Vec<&Function> = unused
        .iter()
        .filter_map(|&i| project.functions.get(i))
        .collect();
    let mut out = Vec::new();
    for f in &retired {
        out.push(entry(
            "function",
            &f.id,
            f,
            "no Task calls it any more: delete it once the rewritten state machines are deployed",
        ));
        let path = crate::rewrite::plan::resolve_path(&project.root, &f.template);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let found = if path.extension().is_some_and(|e| e == "tf") {
            terraform(&path, f, &retired)
        } else if is_serverless(&path) {
            serverless(project, f, &retired)
        } else {
            match crate::discover::yaml::parse_by_extension(&path, &text) {
                Ok(doc) => cloudformation(&doc, f, &retired),
                Err(_) => vec![],
            }
        };
        for r in found {
            if !out
                .iter()
                .any(|o: &UnusedResource| o.kind == r.kind && o.id == r.id)
            {
                out.push(r);
            }
        }
    }
    out
}

fn is_serverless(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("serverless."))
}

/// The logical id a `Ref`/`Fn::GetAtt` (`!GetAtt R.Arn`) names.
fn referenced_id(v: &Value) -> Option<String> {
    crate::rewrite::bindings::CfnRef::parse(v)
        .logical_id()
        .map(str::to_string)
}

/// Whether `id` is referenced (Ref, GetAtt, `${id}` / `${id.Attr}` in Fn::Sub) anywhere in `v`.
fn mentions(v: &Value, id: &str) -> bool {
    match v {
        Value::Object(m) => {
            if referenced_id(v).as_deref() == Some(id) && m.len() == 1 {
                return true;
            }
            m.values().any(|x| mentions(x, id))
        }
        Value::Array(a) => a.iter().any(|x| mentions(x, id)),
        Value::String(s) => s.contains(&format!("${{{id}}}")) || s.contains(&format!("${{{id}.")),
        _ => false,
    }
}

fn cloudformation(doc: &Value, f: &Function, retired: &[&Function]) -> Vec<UnusedResource> {
    let Some(resources) = doc.get("Resources").and_then(Value::as_object) else {
        return vec![];
    };
    let Some(res) = resources.get(&f.id) else {
        return vec![];
    };
    let props = res.get("Properties").cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    let is_retired = |id: &str| retired.iter().any(|r| r.id == id);
    // The role, when nothing but retired functions (and the role's own policies) uses it.
    match props.get("Role") {
        Some(role) => {
            if let Some(role_id) = referenced_id(role).filter(|r| resources.contains_key(r)) {
                let used_elsewhere = resources.iter().any(|(id, r)| {
                    id != &role_id
                        && !is_retired(id)
                        && !attached_to(r, &role_id)
                        && mentions(r, &role_id)
                });
                if !used_elsewhere {
                    out.push(entry(
                        "role",
                        &role_id,
                        f,
                        "the execution role of retired functions only: delete it with its policies",
                    ));
                }
            }
        }
        None if res.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Function") => {
            out.push(entry(
                "role",
                format!("{}Role", f.id),
                f,
                "generated by SAM for the function: deleted with it",
            ));
        }
        None => {}
    }
    // A declared log group: the function's LoggingConfig, or one whose name mentions it.
    let configured = props
        .pointer("/LoggingConfig/LogGroup")
        .and_then(referenced_id);
    let declared = resources.iter().find(|(id, r)| {
        r.get("Type").and_then(Value::as_str) == Some("AWS::Logs::LogGroup")
            && (configured.as_deref() == Some(id.as_str())
                || r.pointer("/Properties/LogGroupName")
                    .is_some_and(|n| mentions(n, &f.id)))
    });
    match declared {
        Some((id, _)) => out.push(entry(
            "log group",
            id,
            f,
            "the retired function's log group: delete it (or keep it until its retention ends)",
        )),
        None => out.push(implicit_log_group(f)),
    }
    out
}

/// A policy resource that only attaches to `role` (it goes with the role).
fn attached_to(r: &Value, role: &str) -> bool {
    let ty = r.get("Type").and_then(Value::as_str).unwrap_or("");
    matches!(ty, "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy")
        && r.pointer("/Properties/Roles")
            .and_then(Value::as_array)
            .is_some_and(|roles| {
                roles
                    .iter()
                    .all(|x| referenced_id(x).as_deref() == Some(role))
            })
}

/// `/aws/lambda/<name>`: created by Lambda, not by the IaC.
fn implicit_log_group(f: &Function) -> UnusedResource {
    let name = f
        .function_name
        .as_deref()
        .map(|n| format!("/aws/lambda/{n}"))
        .unwrap_or_else(|| format!("/aws/lambda/<generated name of {}>", f.id));
    entry(
        "log group",
        name,
        f,
        "created by Lambda, not by the template: delete it by hand after the function",
    )
}

fn serverless(project: &Project, f: &Function, retired: &[&Function]) -> Vec<UnusedResource> {
    let logical = crate::discover::serverless::logical_id(&f.id);
    let mut out = vec![entry(
        "log group",
        format!("{logical}LogGroup"),
        f,
        "created by the Serverless Framework for the function: deleted with it",
    )];
    // The Framework's shared role stays while any function of the same file remains.
    let all_retired = project
        .functions
        .iter()
        .filter(|g| g.template == f.template)
        .all(|g| retired.iter().any(|r| r.id == g.id));
    if all_retired {
        out.push(entry(
            "role",
            "IamRoleLambdaExecution",
            f,
            "the Framework's shared Lambda role: no function is left to use it",
        ));
    }
    out
}

fn terraform(path: &Path, f: &Function, retired: &[&Function]) -> Vec<UnusedResource> {
    // Every block of the module (the .tf files next to the one that declares the function).
    let mut blocks = Vec::new();
    for file in crate::rewrite::hcl_iam::module_files(path) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if let Ok(b) = crate::discover::hcl::parse(&file, &text) {
            blocks.extend(b);
        }
    }
    let address = |b: &crate::discover::hcl::Block| {
        (b.kind == "resource" && b.labels.len() == 2)
            .then(|| format!("{}.{}", b.labels[0], b.labels[1]))
    };
    let text_of = |v: &Value| v.to_string();
    let Some(func) = blocks
        .iter()
        .find(|b| address(b).as_deref() == Some(f.id.as_str()))
    else {
        return vec![];
    };
    let mut out = Vec::new();
    let role = func
        .body
        .get("role")
        .and_then(Value::as_str)
        .and_then(|r| {
            r.strip_prefix("${")
                .and_then(|r| r.strip_suffix('}'))
                .or(Some(r))
        })
        .and_then(|r| r.rsplit_once('.').map(|(addr, _)| addr.to_string()))
        .filter(|addr| addr.starts_with("aws_iam_role."));
    if let Some(role) = role {
        let kept_users = blocks.iter().any(|b| {
            let Some(addr) = address(b) else {
                return false;
            };
            let own_policy = matches!(
                b.labels[0].as_str(),
                "aws_iam_role_policy" | "aws_iam_role_policy_attachment"
            );
            addr != role
                && !own_policy
                && !retired.iter().any(|r| r.id == addr)
                && text_of(&Value::Object(b.body.clone())).contains(&format!("{role}."))
        });
        if !kept_users {
            out.push(entry(
                "role",
                &role,
                f,
                "the execution role of retired functions only: delete it with its policies",
            ));
        }
    }
    let name = f.function_name.clone().unwrap_or_default();
    let log_group = blocks.iter().find(|b| {
        b.kind == "resource"
            && b.labels.first().map(String::as_str) == Some("aws_cloudwatch_log_group")
            && b.body.get("name").is_some_and(|n| {
                let t = text_of(n);
                t.contains(&format!("{}.", f.id)) || (!name.is_empty() && t.contains(&name))
            })
    });
    match log_group.and_then(address) {
        Some(addr) => out.push(entry(
            "log group",
            addr,
            f,
            "the retired function's log group: delete it (or keep it until its retention ends)",
        )),
        None => out.push(implicit_log_group(f)),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(id: &str, template: &Path, name: Option<&str>) -> Function {
        Function {
            id: id.into(),
            function_name: name.map(String::from),
            handler: "index.handler".into(),
            runtime: None,
            code_dir: Default::default(),
            handler_file: None,
            handler_export: "handler".into(),
            environment: Default::default(),
            memory_mb: None,
            timeout_s: None,
            architecture: None,
            template: template.to_path_buf(),
            environment_source: Default::default(),
            handler_note: None,
            construct: None,
        }
    }

    #[test]
    fn terraform_role_and_log_group_of_a_retired_function() {
        let dir = tempfile::tempdir().unwrap();
        let tf = dir.path().join("lambda.tf");
        std::fs::write(
            &tf,
            r#"resource "aws_iam_role" "old" {
  name = "old"
}

resource "aws_iam_role_policy_attachment" "old_logs" {
  role       = aws_iam_role.old.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role" "shared" {
  name = "shared"
}

resource "aws_lambda_function" "old" {
  function_name = "old-fn"
  role          = aws_iam_role.old.arn
}

resource "aws_cloudwatch_log_group" "old" {
  name = "/aws/lambda/${aws_lambda_function.old.function_name}"
}

resource "aws_lambda_function" "gone" {
  function_name = "gone-fn"
  role          = aws_iam_role.shared.arn
}

resource "aws_lambda_function" "kept" {
  function_name = "kept-fn"
  role          = aws_iam_role.shared.arn
}
"#,
        )
        .unwrap();
        let mut p = Project {
            root: dir.path().to_path_buf(),
            ..Project::default()
        };
        for (id, name) in [
            ("aws_lambda_function.old", "old-fn"),
            ("aws_lambda_function.gone", "gone-fn"),
            ("aws_lambda_function.kept", "kept-fn"),
        ] {
            p.functions.push(function(id, &tf, Some(name)));
        }
        let found: Vec<(String, String)> = unused_resources(&p, &[0, 1])
            .into_iter()
            .map(|r| (r.kind, r.id))
            .collect();
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            found,
            vec![
                s("function", "aws_lambda_function.old"),
                s("role", "aws_iam_role.old"),
                s("log group", "aws_cloudwatch_log_group.old"),
                s("function", "aws_lambda_function.gone"),
                // The shared role stays: a kept function uses it.
                s("log group", "/aws/lambda/gone-fn"),
            ]
        );
    }
}
