//! `rewrite --validate-remote`: Step Functions' own validator on each rewritten definition.
//!
//! ValidateStateMachineDefinition checks a definition without creating anything
//! (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinition.html).
//! Its diagnostics carry a JSON-pointer-like `location` (`/States/<state>/<field>`,
//! https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinitionDiagnostic.html),
//! which is mapped back to the line of the rewritten file where possible.

use super::client::{connect, explain, runtime, Connection};
use crate::discover::locate::{key_offset, line_of_key_path};
use crate::discover::model::{DefinitionOrigin, Project};
use crate::rewrite::json_span;
use crate::rewrite::RewritePlan;
use aws_sdk_sfn::types::{StateMachineType, ValidateStateMachineDefinitionSeverity};
use aws_sdk_sfn::Client;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One diagnostic, with the file and line it points at when they could be found.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// `ERROR` (the definition cannot be deployed) or `WARNING`.
    pub severity: String,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// The validator's answer for one rewritten state machine.
#[derive(Debug, Clone, Serialize)]
pub struct MachineValidation {
    pub state_machine: String,
    /// `OK` or `FAIL`.
    pub result: String,
    pub diagnostics: Vec<Diagnostic>,
    /// More diagnostics exist than the response holds (maxResults is 100 at most).
    pub truncated: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ValidationReport {
    pub machines: Vec<MachineValidation>,
}

impl ValidationReport {
    /// Does any rewritten definition fail validation? (`rewrite` then writes nothing and exits 1.)
    pub fn has_errors(&self) -> bool {
        self.machines
            .iter()
            .any(|m| m.result != "OK" || m.diagnostics.iter().any(|d| d.severity == "ERROR"))
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        for m in &self.machines {
            let _ = writeln!(
                s,
                "Step Functions validation of the rewritten {}: {}{}",
                m.state_machine,
                m.result,
                if m.truncated {
                    " (more diagnostics than shown)"
                } else {
                    ""
                }
            );
            for d in &m.diagnostics {
                let place = match (&d.file, d.line) {
                    (Some(f), Some(l)) => format!("{}:{l}: ", f.display()),
                    (Some(f), None) => format!("{}: ", f.display()),
                    _ => String::new(),
                };
                let at = d
                    .location
                    .as_deref()
                    .map(|l| format!(" (at {l})"))
                    .unwrap_or_default();
                let _ = writeln!(s, "  {place}{} {}: {}{at}", d.severity, d.code, d.message);
            }
        }
        s
    }
}

/// Validates every rewritten definition of `plan` (warnings included).
pub fn validate_plan(
    conn: &Connection,
    project: &Project,
    plan: &RewritePlan,
) -> anyhow::Result<ValidationReport> {
    if plan.definitions.is_empty() {
        return Ok(ValidationReport::default());
    }
    runtime()?.block_on(async {
        let client = connect(conn).await?;
        let mut report = ValidationReport::default();
        for (index, definition) in &plan.definitions {
            let Some(sm) = project.state_machines.get(*index) else {
                continue;
            };
            let text = serde_json::to_string(definition)?;
            let mut validation = validate_one(&client, &sm.name, &text, &sm.workflow_type).await?;
            for d in &mut validation.diagnostics {
                if let Some(loc) = &d.location {
                    if let Some((file, line)) = locate(project, plan, *index, loc) {
                        d.file = Some(file);
                        d.line = line;
                    }
                }
            }
            report.machines.push(validation);
        }
        Ok(report)
    })
}

/// `rewrite --validate-remote`: validates, prints the diagnostics (stderr), and returns the exit
/// code to stop with: 1 when a rewritten definition has an ERROR diagnostic (before anything is
/// written), 2 when Step Functions could not be asked; `None` to carry on.
pub fn gate(conn: &Connection, project: &Project, plan: &RewritePlan, write: bool) -> Option<i32> {
    match validate_plan(conn, project, plan) {
        Ok(report) => {
            eprint!("{}", report.text());
            if report.has_errors() {
                eprintln!(
                    "error: Step Functions rejects a rewritten definition{}",
                    if write { "; nothing written" } else { "" }
                );
                return Some(crate::error::exit::FINDINGS);
            }
            None
        }
        Err(e) => {
            eprintln!("error: {e}{}", if write { "; nothing written" } else { "" });
            Some(crate::error::exit::INPUT)
        }
    }
}

async fn validate_one(
    client: &Client,
    name: &str,
    definition: &str,
    workflow_type: &str,
) -> anyhow::Result<MachineValidation> {
    let ty = if workflow_type.eq_ignore_ascii_case("EXPRESS") {
        StateMachineType::Express
    } else {
        StateMachineType::Standard
    };
    let out = client
        .validate_state_machine_definition()
        .definition(definition)
        .r#type(ty)
        // WARNING returns warnings and errors; the default (ERROR) would hide the warnings.
        .severity(ValidateStateMachineDefinitionSeverity::Warning)
        .send()
        .await
        .map_err(|e| explain(e, "states:ValidateStateMachineDefinition"))?;
    Ok(MachineValidation {
        state_machine: name.to_string(),
        result: out.result().as_str().to_string(),
        truncated: out.truncated().unwrap_or(false),
        diagnostics: out
            .diagnostics()
            .iter()
            .map(|d| Diagnostic {
                severity: d.severity().as_str().to_string(),
                code: d.code().to_string(),
                message: d.message().to_string(),
                location: d.location().map(str::to_string),
                file: None,
                line: None,
            })
            .collect(),
    })
}

/// The file holding state machine `index`'s definition (as the rewrite leaves it) and the line
/// of `location` in it: the deepest part of the location that exists (a missing field points at
/// its state). JSON definition files are walked exactly; in YAML and templates the location's
/// keys are searched in order from where the definition starts (its resource, its machine).
pub fn locate(
    project: &Project,
    plan: &RewritePlan,
    index: usize,
    location: &str,
) -> Option<(PathBuf, Option<usize>)> {
    let sm = project.state_machines.get(index)?;
    let file = resolve(&project.root, &sm.definition_file);
    let text = plan
        .edits
        .iter()
        .find(|e| same_file(&e.path, &file))
        .map(|e| e.new_text.clone())
        .or_else(|| std::fs::read_to_string(&file).ok());
    let Some(text) = text else {
        return Some((file, None));
    };
    let tokens: Vec<String> = location
        .trim_start_matches('/')
        .split('/')
        .filter(|t| !t.is_empty())
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let standalone = matches!(
        sm.origin,
        DefinitionOrigin::AslFile { .. } | DefinitionOrigin::SamDefinitionUri { .. }
    );
    let line = if standalone && text.trim_start().starts_with('{') {
        line_in_json(&text, &tokens)
    } else {
        line_in_yaml(&text, &sm.origin, &tokens)
    };
    Some((file, line))
}

fn line_in_json(text: &str, tokens: &[String]) -> Option<usize> {
    (1..=tokens.len()).rev().find_map(|n| {
        let pointer: String = tokens[..n]
            .iter()
            .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
            .collect();
        let span = json_span::find_pointer(text, &pointer).ok()?;
        // The line of the member's key: the value may open on the same line or the next.
        let key = format!("\"{}\"", tokens[n - 1]);
        let line_start = text[..span.start].rfind(&key).unwrap_or(span.start);
        Some(text[..line_start].matches('\n').count() + 1)
    })
}

fn line_in_yaml(text: &str, origin: &DefinitionOrigin, tokens: &[String]) -> Option<usize> {
    let start = match origin {
        DefinitionOrigin::TemplateInline { resource, .. }
        | DefinitionOrigin::CdkOut { resource, .. } => key_offset(text, 0, resource)?,
        DefinitionOrigin::Serverless { name, .. } => key_offset(text, 0, name)?,
        DefinitionOrigin::Terraform {
            resource,
            definition_file: None,
            ..
        } => key_offset(text, 0, resource)?,
        _ => 0,
    };
    // Array indices (`/Branches/0/`) are not keys in the text; the state names after them are.
    let keys: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| t.parse::<usize>().is_err())
        .collect();
    // Each key must sit inside the block of the one before it (a field the state lacks must not
    // be found in a later state).
    let lines: Vec<&str> = text.lines().collect();
    let mut found = None;
    for n in 1..=keys.len() {
        let Some(line) = line_of_key_path(text, start, &keys[..n]) else {
            break;
        };
        if let Some(parent) = found {
            if !within_block(&lines, parent, line) {
                break;
            }
        }
        found = Some(line);
    }
    found
}

/// Is 1-based line `child` inside the indented block that line `parent` opens?
fn within_block(lines: &[&str], parent: usize, child: usize) -> bool {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let Some(p) = lines.get(parent.wrapping_sub(1)) else {
        return false;
    };
    let base = indent(p);
    child > parent
        && lines[parent..child.saturating_sub(1).max(parent)]
            .iter()
            .chain(lines.get(child - 1))
            .all(|l| l.trim().is_empty() || indent(l) > base)
}

fn resolve(root: &Path, p: &Path) -> PathBuf {
    let base = crate::report::base_dir(root);
    if p.is_absolute() || p.exists() || p.starts_with(&base) {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || match (a.canonicalize(), b.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_map_to_lines_of_the_rewritten_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/order-service");
        let planned = crate::rewrite::pipeline::plan_path(&root, &Default::default()).unwrap();
        let (project, plan) = (&planned.project, &planned.plan);
        let (index, _) = plan.definitions[0];
        let edit = &plan
            .edits
            .iter()
            .find(|e| e.path.ends_with("order.asl.json"))
            .unwrap();
        let (file, line) =
            locate(project, plan, index, "/States/NotifyWarehouse/Parameters").unwrap();
        assert!(file.ends_with("statemachine/order.asl.json"), "{file:?}");
        let line = line.unwrap();
        let lines: Vec<&str> = edit.new_text.lines().collect();
        assert!(
            lines[line - 1].contains("\"Parameters\""),
            "{}",
            lines[line - 1]
        );
        // The Parameters found belong to NotifyWarehouse: its state key is above, no other state between.
        let state_line = lines
            .iter()
            .position(|l| l.contains("\"NotifyWarehouse\": {"))
            .unwrap()
            + 1;
        assert!(state_line < line);
        assert!(!lines[state_line..line - 1]
            .iter()
            .any(|l| l.trim_end().ends_with(": {") && l.trim_start().starts_with("\"Notify")));
        // A field the state lacks still points at the state.
        let (_, missing) =
            locate(project, plan, index, "/States/NotifyWarehouse/ItemReader").unwrap();
        assert_eq!(missing, Some(state_line));
        // Array indices are skipped.
        let (_, retry) = locate(
            project,
            plan,
            index,
            "/States/SaveOrder/Retry/0/ErrorEquals",
        )
        .unwrap();
        assert!(lines[retry.unwrap() - 1].contains("\"ErrorEquals\""));
    }

    #[test]
    fn locations_in_a_sam_inline_definition_start_at_its_resource() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/iac/sam");
        let planned = crate::rewrite::pipeline::plan_path(&root, &Default::default()).unwrap();
        let (project, plan) = (&planned.project, &planned.plan);
        let (index, _) = plan.definitions[0];
        let text = &plan
            .edits
            .iter()
            .find(|e| e.path.ends_with("template.yaml"))
            .unwrap()
            .new_text;
        let lines: Vec<&str> = text.lines().collect();
        let state = lines
            .iter()
            .position(|l| l.trim() == "CreateShipment:")
            .unwrap()
            + 1;
        let params = lines[state..]
            .iter()
            .position(|l| l.trim() == "Parameters:")
            .unwrap()
            + state
            + 1;
        // The template's own `Parameters:` section comes first in the file; the definition's wins.
        assert!(lines[..state].iter().any(|l| l.trim() == "Parameters:"));
        let (file, line) =
            locate(project, plan, index, "/States/CreateShipment/Parameters").unwrap();
        assert!(file.ends_with("template.yaml"));
        assert_eq!(line, Some(params));
        let (_, line) = locate(project, plan, index, "/States/CreateShipment/ItemReader").unwrap();
        assert_eq!(line, Some(state));
        // A field CreateShipment lacks but the next state has is not taken from that state.
        assert!(text.contains("ItemsPath:"));
        let (_, line) = locate(project, plan, index, "/States/CreateShipment/ItemsPath").unwrap();
        assert_eq!(line, Some(state));
    }
}
