//! `audit --aws`: the account's deployed state machines, linked to handlers in a local source tree.
//!
//! Definitions come from ListStateMachines + DescribeStateMachine; each Lambda-invoking Task's
//! function name is matched to a function that `discover` finds under `--source`, and the result
//! is a [`Project`] that the ordinary audit report code renders.

use super::client::explain;
use crate::discover::link::collect_tasks;
use crate::discover::model::{DefinitionOrigin, InvocationStyle, Project, StateMachine, TaskLink};
use crate::discover::refs::{function_name_of, is_lambda_arn};
use aws_sdk_sfn::Client;
use indexmap::IndexMap;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One deployed state machine as DescribeStateMachine returns it.
#[derive(Debug, Clone)]
pub struct RemoteMachine {
    pub arn: String,
    pub name: String,
    pub workflow_type: String,
    pub definition: String,
}

/// Every state machine in the account and region (ListStateMachines is paginated by nextToken).
pub async fn fetch_state_machines(client: &Client) -> anyhow::Result<Vec<RemoteMachine>> {
    let mut arns = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_state_machines()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| explain(e, "states:ListStateMachines"))?;
        arns.extend(
            page.state_machines()
                .iter()
                .map(|m| m.state_machine_arn().to_string()),
        );
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    let mut out = Vec::with_capacity(arns.len());
    for arn in arns {
        let d = client
            .describe_state_machine()
            .state_machine_arn(&arn)
            .send()
            .await
            .map_err(|e| explain(e, "states:DescribeStateMachine"))?;
        out.push(RemoteMachine {
            arn: arn.clone(),
            name: d.name().to_string(),
            workflow_type: d.r#type().as_str().to_string(),
            definition: d.definition().to_string(),
        });
    }
    Ok(out)
}

/// The local project under `source` with its state machines replaced by the deployed ones and
/// their Tasks linked to local functions by name.
pub fn remote_project(
    source: &Path,
    machines: &[RemoteMachine],
) -> Result<Project, crate::error::InputError> {
    let mut project = crate::discover::discover(source)?;
    project.state_machines.clear();
    project.links.clear();
    for m in machines {
        let file = PathBuf::from(&m.arn);
        let definition: Value = match serde_json::from_str(&m.definition) {
            Ok(v) => v,
            Err(e) => {
                project.unresolved.push(crate::discover::model::Unresolved {
                    file,
                    subject: m.name.clone(),
                    reason: format!("its definition is not JSON: {e}"),
                });
                continue;
            }
        };
        let index = project.state_machines.len();
        let mut tasks = Vec::new();
        collect_tasks(&definition, "", &mut tasks);
        for (pointer, state) in tasks {
            let task = definition.pointer(&pointer).unwrap_or(&Value::Null);
            if let Some(mut link) = link_remote_task(task, &project) {
                link.state_machine = index;
                link.state = state;
                link.pointer = pointer;
                link.file = file.clone();
                project.links.push(link);
            }
        }
        project.state_machines.push(StateMachine {
            name: m.name.clone(),
            origin: DefinitionOrigin::AslFile { path: file.clone() },
            raw_definition: definition.clone(),
            definition,
            substitutions: IndexMap::new(),
            workflow_type: m.workflow_type.clone(),
            role: None,
            policies: None,
            definition_file: file,
            construct: None,
        });
    }
    Ok(project)
}

/// A link for a Task that invokes Lambda (optimized `lambda:invoke` or a bare function ARN).
/// https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
fn link_remote_task(task: &Value, project: &Project) -> Option<TaskLink> {
    let resource = task.get("Resource").and_then(Value::as_str).unwrap_or("");
    let mut link = TaskLink {
        state_machine: 0,
        state: String::new(),
        pointer: String::new(),
        style: InvocationStyle::BareArn,
        function: None,
        target: resource.to_string(),
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
        let args = task.get("Parameters").or_else(|| task.get("Arguments"));
        match args
            .and_then(|a| a.get("FunctionName"))
            .and_then(Value::as_str)
        {
            Some(name) if !name.trim_start().starts_with("{%") => link.target = name.to_string(),
            Some(expr) => {
                link.target = expr.to_string();
                link.unresolved = Some(format!(
                    "FunctionName is computed by a JSONata expression (`{expr}`)"
                ));
                return Some(link);
            }
            None => {
                link.unresolved = Some(
                    "the Task names no literal FunctionName (it may be read from the input)".into(),
                );
                return Some(link);
            }
        }
    } else if !is_lambda_arn(resource) || resource.starts_with("arn:aws:states:") {
        return None;
    }
    let name = deployed_function_name(&link.target);
    match match_function(name, project) {
        Ok(i) => link.function = Some(i),
        Err(why) => link.unresolved = Some(why),
    }
    Some(link)
}

/// `arn:…:function:name[:qualifier]`, `123456789012:function:name`, `name:alias` → `name`.
pub fn deployed_function_name(target: &str) -> &str {
    let s = function_name_of(target);
    let s = match s.rsplit_once(":function:") {
        Some((_, rest)) => rest,
        None => s,
    };
    s.split(':').next().unwrap_or(s)
}

/// The local function a deployed name belongs to: its explicit FunctionName, its logical id, or
/// a CloudFormation-generated name `<stack>-<LogicalId>-<suffix>` (logical id possibly truncated).
pub fn match_function(name: &str, project: &Project) -> Result<usize, String> {
    let fns = &project.functions;
    if let Some(i) = fns
        .iter()
        .position(|f| f.function_name.as_deref() == Some(name))
    {
        return Ok(i);
    }
    if let Some(i) = fns.iter().position(|f| f.id == name) {
        return Ok(i);
    }
    let segments: Vec<&str> = name.split('-').collect();
    let generated: Vec<usize> = fns
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.function_name.is_none()
                && segments.iter().any(|s| {
                    // CloudFormation truncates long logical ids inside generated names.
                    s.len() >= 8 && f.id.starts_with(s) || *s == f.id
                })
        })
        .map(|(i, _)| i)
        .collect();
    match generated.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "no function under the source tree is named `{name}` (by FunctionName, logical id, or generated name)"
        )),
        many => Err(format!(
            "`{name}` matches several functions under the source tree ({})",
            many.iter()
                .map(|&i| fns[i].id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `audit --aws`: fetch, link and analyse; errors are plain sentences (the CLI exits 2).
pub fn scan_account(
    conn: &super::client::Connection,
    source: &Path,
    cost: &crate::cli::audit::CostArgs,
) -> anyhow::Result<(Project, crate::report::Audit)> {
    let machines = super::client::runtime()?.block_on(async {
        let client = super::client::connect(conn).await?;
        fetch_state_machines(&client).await
    })?;
    let project = remote_project(source, &machines)?;
    let audit = crate::report::build_audit(&project, &cost.options()?, &mut |_, _| {});
    for e in &audit.errors {
        eprintln!("error: {}: {}", source.join(&e.file).display(), e.message);
    }
    Ok((project, audit))
}
