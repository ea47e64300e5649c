//! The file edits of a plan: for each state machine with rewritten Tasks, the text of the file that
//! holds its definition is edited in place (ASL file, template, serverless.yml, .tf file), and the
//! template's substitutions and IAM entries follow. Which editor runs depends on where discovery
//! found the definition ([`DefinitionOrigin`]).

use super::bindings::CfnRef;
use super::edits::{self, StateReplacement, TemplateChanges};
use super::plan::{display, resolve_path};
use super::synth::Target;
use super::{diff, iam, yaml_state, FileEdit, RewritePlan, RewrittenTask, TemplateIam};
use crate::discover::model::{DefinitionOrigin, Project, StateMachine};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

/// What changes in one state machine.
pub struct MachineEdit<'a> {
    pub state_machine: usize,
    /// Indices into `RewritePlan::tasks`.
    pub tasks: &'a [usize],
    /// Substitutions the new Tasks refer to (name → what it stands for).
    pub added: &'a [(String, CfnRef)],
    /// Resources the new Tasks call, for IAM.
    pub targets: &'a [Target],
}

/// Files being edited: path → (original text, current text).
pub type OpenFiles = IndexMap<PathBuf, (String, String)>;

/// Edits every file the machines' changes touch and records the diffs in `out.edits`.
pub fn edit_files(
    project: &Project,
    machines: &[MachineEdit],
    unused: &[usize],
    out: &mut RewritePlan,
) {
    let mut files: OpenFiles = IndexMap::new();
    for m in machines {
        let Some(sm) = project.state_machines.get(m.state_machine) else {
            continue;
        };
        edit_machine(project, sm, m, unused, &mut files, out);
    }
    for (path, (old, new)) in files {
        if old == new {
            continue;
        }
        let rel = display(&project.root, &path);
        let diff = diff::unified(&rel, &old, &new);
        out.edits.push(FileEdit {
            path,
            new_text: new,
            diff,
        });
    }
}

fn edit_machine(
    project: &Project,
    sm: &StateMachine,
    m: &MachineEdit,
    unused: &[usize],
    files: &mut OpenFiles,
    out: &mut RewritePlan,
) {
    let states: Vec<StateReplacement> = m
        .tasks
        .iter()
        .map(|&ti| StateReplacement {
            pointer: &out.tasks[ti].pointer,
            original: &out.tasks[ti].original,
            rewritten: &out.tasks[ti].rewritten,
        })
        .collect();
    // Where the states' text lives: a file, and the YAML path to the definition inside it
    // (empty for a standalone definition file).
    let (definition_file, yaml_prefix, template): (Option<PathBuf>, Vec<String>, _) = match &sm
        .origin
    {
        DefinitionOrigin::AslFile { path } => (Some(path.clone()), vec![], None),
        DefinitionOrigin::SamDefinitionUri {
            template,
            resource,
            path,
        } => (
            Some(path.clone()),
            vec![],
            Some((template.clone(), resource.clone())),
        ),
        DefinitionOrigin::TemplateInline { template, resource } => (
            Some(template.clone()),
            ["Resources", resource.as_str(), "Properties", "Definition"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            Some((template.clone(), resource.clone())),
        ),
        DefinitionOrigin::Serverless { path, name } => {
            out.warnings.push(format!(
                "{}: serverless-step-functions derives the state machine's IAM role from the definition when no `role` is set; otherwise add the IAM statements above to it",
                sm.name
            ));
            (
                Some(path.clone()),
                [
                    "stepFunctions",
                    "stateMachines",
                    name.as_str(),
                    "definition",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
                None,
            )
        }
        other => {
            out.warnings.push(format!(
                "{}: definitions kept in {} are not edited yet; apply the rewritten states by hand",
                sm.name,
                origin_kind(other)
            ));
            (None, vec![], None)
        }
    };
    if let Some(path) = definition_file {
        let abs = resolve_path(&project.root, &path);
        let result = current_text(files, &abs).and_then(|text| {
            if text.trim_start().starts_with('{') {
                if !yaml_prefix.is_empty() {
                    return Err(
                        "definitions inside JSON templates (DefinitionString) are not edited yet"
                            .to_string(),
                    );
                }
                return edits::edit_json_definition(&text, &states);
            }
            let mut text = text;
            for s in &states {
                let mut path = yaml_prefix.clone();
                path.extend(
                    s.pointer
                        .trim_start_matches('/')
                        .split('/')
                        .map(|t| t.replace("~1", "/").replace("~0", "~")),
                );
                text = yaml_state::replace_state(&text, &path, s.original, s.rewritten)
                    .map_err(|e| format!("{}: {e}", s.pointer))?;
            }
            Ok(text)
        });
        match result {
            Ok(new) => files.get_mut(&abs).expect("loaded").1 = new,
            Err(e) => out
                .warnings
                .push(format!("{}: not edited: {e}", display(&project.root, &abs))),
        }
    }
    if let Some((template, resource)) = template {
        let abs = resolve_path(&project.root, &template);
        let (add_policies, retired, removed_subs, sam) =
            template_iam(project, m.state_machine, sm, m, unused, &out.tasks);
        let changes_t = TemplateChanges {
            resource: &resource,
            add_substitutions: m.added,
            remove_substitutions: &removed_subs,
            add_policies: &add_policies,
            retired_functions: &retired,
        };
        let result = current_text(files, &abs).and_then(|text| {
            if text.trim_start().starts_with('{') {
                return Err("JSON templates are not edited yet".to_string());
            }
            edits::edit_yaml_template(&text, &changes_t)
        });
        match result {
            Ok(new) => files.get_mut(&abs).expect("loaded").1 = new,
            Err(e) => out
                .warnings
                .push(format!("{}: not edited: {e}", display(&project.root, &abs))),
        }
        if let Some(s) = sam {
            out.iam_template.push(s);
        }
    }
}

/// SAM Policies items to add, functions whose LambdaInvokePolicy goes, substitutions no longer
/// used, and the summary for the report.
fn template_iam(
    project: &Project,
    smi: usize,
    sm: &StateMachine,
    changes: &MachineEdit,
    unused: &[usize],
    tasks: &[RewrittenTask],
) -> (
    Vec<Vec<String>>,
    Vec<String>,
    Vec<String>,
    Option<TemplateIam>,
) {
    let mut add: Vec<Vec<String>> = Vec::new();
    let mut notes = Vec::new();
    for t in changes.targets {
        let item = match iam::sam_policy(t) {
            Some((lines, extra)) => {
                if let Some(e) = extra {
                    notes.push(e);
                }
                Some(lines)
            }
            None => iam::sam_inline_statement(t),
        };
        if let Some(item) = item {
            if !add.contains(&item) {
                add.push(item);
            }
        }
    }
    let retired = retired_functions(project, changes, unused, tasks);
    let removed_subs = unused_substitutions(sm, changes, &retired, tasks);
    if sm.policies.is_none() {
        return (vec![], vec![], removed_subs, None);
    }
    let summary = TemplateIam {
        state_machine: smi,
        location: format!("SAM Policies of {}", sm.name),
        add: add
            .iter()
            .map(|lines| format!("- {}", lines.join(" ")))
            .chain(notes.into_iter().map(|n| format!("# {n}")))
            .collect(),
        remove: retired
            .iter()
            .map(|f| format!("- LambdaInvokePolicy: FunctionName: !Ref {f}"))
            .collect(),
    };
    (add, retired, removed_subs, Some(summary))
}

/// Ids of the functions this machine's rewritten Tasks called and no Task calls any more.
pub fn retired_functions(
    project: &Project,
    changes: &MachineEdit,
    unused: &[usize],
    tasks: &[RewrittenTask],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &ti in changes.tasks {
        let f = tasks[ti].function;
        if unused.contains(&f) {
            let id = project.functions[f].id.clone();
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// A retired function's `${XFunctionArn}` substitution goes with it when nothing mentions it any more.
pub fn unused_substitutions(
    sm: &StateMachine,
    changes: &MachineEdit,
    retired: &[String],
    tasks: &[RewrittenTask],
) -> Vec<String> {
    let rewritten_text: String = {
        let mut def = sm.raw_definition.clone();
        for &ti in changes.tasks {
            if let Some(slot) = def.pointer_mut(&tasks[ti].pointer) {
                *slot = tasks[ti].rewritten.clone();
            }
        }
        def.to_string()
    };
    sm.substitutions
        .iter()
        .filter(|(name, v)| {
            CfnRef::parse(v)
                .logical_id()
                .is_some_and(|id| retired.iter().any(|r| r == id))
                && !rewritten_text.contains(&format!("${{{name}}}"))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

fn origin_kind(origin: &DefinitionOrigin) -> &'static str {
    match origin {
        DefinitionOrigin::AslFile { .. } => "ASL files",
        DefinitionOrigin::SamDefinitionUri { .. } => "SAM DefinitionUri",
        DefinitionOrigin::TemplateInline { .. } => "inline template definitions",
        DefinitionOrigin::Serverless { .. } => "serverless.yml",
        DefinitionOrigin::Terraform { .. } => "Terraform",
        DefinitionOrigin::CdkOut { .. } => "cdk.out (use the CDK construct instead)",
    }
}

/// The current text of a file being edited (read on first use).
pub fn current_text(files: &mut OpenFiles, path: &Path) -> Result<String, String> {
    if let Some((_, cur)) = files.get(path) {
        return Ok(cur.clone());
    }
    let text = crate::error::InputError::read_text(path).map_err(|e| e.message)?;
    files.insert(path.to_path_buf(), (text.clone(), text.clone()));
    Ok(text)
}
