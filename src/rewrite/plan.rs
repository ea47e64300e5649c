//! Builds a [`RewritePlan`]: every Lambda-backed Task whose handler is replaceable becomes a direct
//! integration; the plan carries the new states, the edits of the files that hold them, the IAM
//! changes and the functions left unused.

use super::bindings::{self, CfnRef};
use super::edits::{self, StateReplacement, TemplateChanges};
use super::synth::{self, SynthInputs, Target};
use super::{
    added_states, diff, iam, yaml_state, FileEdit, RewritePlan, RewrittenTask, SkippedTask,
    TemplateIam,
};
use crate::analysis::model::HandlerModel;
use crate::discover::model::{DefinitionOrigin, Project};
use indexmap::IndexMap;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Which Tasks to rewrite.
#[derive(Debug, Clone, Default)]
pub struct RewriteOptions {
    /// Only these state names (empty: all).
    pub only: Vec<String>,
    /// Never these functions (logical id or FunctionName).
    pub exclude: Vec<String>,
    /// Tasks to leave as they are, with the reason (state machine index, state name, reason):
    /// `rewrite --write` withholds the Tasks verify has not proven.
    pub withhold: Vec<(usize, String, String)>,
}

/// Per state machine: what changes in it.
#[derive(Default)]
struct MachineChanges {
    tasks: Vec<usize>,
    substitutions: IndexMap<String, Value>,
    added: Vec<(String, CfnRef)>,
    targets: Vec<Target>,
}

pub fn plan(
    project: &Project,
    models: &[(usize, HandlerModel)],
    options: &RewriteOptions,
) -> RewritePlan {
    let mut out = RewritePlan::default();
    let samples = load_samples(project, &mut out.warnings);
    let mut machines: IndexMap<usize, MachineChanges> = IndexMap::new();
    let mut rewritten_links = Vec::new();

    for (link_index, link) in project.links.iter().enumerate() {
        let skip = |reason: String| SkippedTask {
            state_machine: link.state_machine,
            state: link.state.clone(),
            function: link.function,
            reason,
        };
        let Some(fi) = link.function else {
            let why = link
                .unresolved
                .clone()
                .unwrap_or_else(|| "unresolved".into());
            out.skipped.push(skip(format!(
                "the Task's target {} did not resolve: {why}",
                link.target
            )));
            continue;
        };
        let Some(function) = project.functions.get(fi) else {
            out.skipped.push(skip("the link names no function".into()));
            continue;
        };
        if !options.only.is_empty() && !options.only.contains(&link.state) {
            out.skipped.push(skip("not selected (--only)".into()));
            continue;
        }
        if options
            .exclude
            .iter()
            .any(|e| *e == function.id || function.function_name.as_deref() == Some(e))
        {
            out.skipped.push(skip("excluded (--exclude)".into()));
            continue;
        }
        if let Some((_, _, why)) = options
            .withhold
            .iter()
            .find(|(m, s, _)| *m == link.state_machine && *s == link.state)
        {
            out.skipped.push(skip(why.clone()));
            continue;
        }
        let Some((_, model)) = models.iter().find(|(i, _)| *i == fi) else {
            out.skipped
                .push(skip("the handler was not analysed".into()));
            continue;
        };
        let Some(sm) = project.state_machines.get(link.state_machine) else {
            out.skipped
                .push(skip("the link names no state machine".into()));
            continue;
        };
        let changes = machines.entry(link.state_machine).or_default();
        let added_map: IndexMap<String, Value> = changes
            .added
            .iter()
            .map(|(n, r)| (n.clone(), r.to_json()))
            .collect();
        let inputs = SynthInputs {
            project,
            samples: &samples,
            existing: &sm.substitutions,
            added: &added_map,
        };
        match synth::synthesize(&inputs, link, model) {
            Ok(s) => {
                changes.tasks.push(out.tasks.len());
                for (name, r) in s.substitutions {
                    changes.substitutions.insert(name.clone(), r.to_json());
                    changes.added.push((name, r));
                }
                changes.targets.extend(s.targets);
                rewritten_links.push(link_index);
                out.tasks.push(RewrittenTask {
                    state_machine: link.state_machine,
                    state: link.state.clone(),
                    pointer: link.pointer.clone(),
                    function: fi,
                    original: s.original,
                    rewritten: s.rewritten,
                    model: model.clone(),
                    notes: s.notes,
                    added_states: s.added_states,
                    entry: s.entry,
                });
            }
            Err(reason) => out.skipped.push(skip(reason)),
        }
    }
    machines.retain(|_, c| !c.tasks.is_empty());

    // Functions that no remaining Task calls.
    let mut unused: Vec<usize> = Vec::new();
    for &li in &rewritten_links {
        let Some(fi) = project.links[li].function else {
            continue;
        };
        let still_called = project
            .links
            .iter()
            .enumerate()
            .any(|(i, l)| l.function == Some(fi) && !rewritten_links.contains(&i));
        if !still_called && !unused.contains(&fi) {
            unused.push(fi);
        }
    }
    out.unused_functions = unused
        .iter()
        .map(|&i| project.functions[i].id.clone())
        .collect();

    let all_targets: Vec<Target> = machines.values().flat_map(|c| c.targets.clone()).collect();
    out.iam_add = iam::add_statements(&all_targets);
    out.iam_remove = iam::remove_statements(project, &unused);

    // A rewritten Task that transitions into another one that gained an entry state now goes there.
    for changes in machines.values() {
        for &ti in &changes.tasks {
            let Some(entry) = out.tasks[ti].entry.clone() else {
                continue;
            };
            let (from_scope, target) = match added_states::scope(&out.tasks[ti].pointer) {
                Some((scope, _, name)) => (scope, name),
                None => continue,
            };
            for &ui in &changes.tasks {
                let same_scope = added_states::scope(&out.tasks[ui].pointer)
                    .is_some_and(|(scope, _, _)| scope == from_scope);
                if ui == ti || !same_scope {
                    continue;
                }
                if let Some(new) = added_states::redirect(&out.tasks[ui].rewritten, &target, &entry)
                {
                    out.tasks[ui].rewritten = new;
                }
            }
        }
    }

    // Rewritten definitions with substitutions applied (what verify runs).
    for (&smi, changes) in &machines {
        let sm = &project.state_machines[smi];
        let mut definition = sm.definition.clone();
        for &ti in &changes.tasks {
            let task = &out.tasks[ti];
            let resolved = resolve_placeholders(
                &task.rewritten,
                project,
                &sm.substitutions,
                &changes.substitutions,
            );
            if let Some(slot) = definition.pointer_mut(&task.pointer) {
                *slot = resolved;
            }
        }
        for &ti in &changes.tasks {
            added_states::apply(&mut definition, &out.tasks[ti], None);
        }
        out.definitions.push((smi, definition));
    }

    // File edits.
    let mut files: IndexMap<PathBuf, (String, String)> = IndexMap::new();
    for (&smi, changes) in &machines {
        let sm = &project.state_machines[smi];
        // States that now transition to an added entry state instead of the Task, and StartAt.
        let mut redirected: Vec<(String, Value, Value)> = Vec::new();
        let mut start_at: Vec<(String, String)> = Vec::new();
        for &ti in &changes.tasks {
            let t = &out.tasks[ti];
            let r = added_states::redirects(&sm.raw_definition, t);
            for (pointer, original, new) in r.states {
                if changes
                    .tasks
                    .iter()
                    .any(|&u| out.tasks[u].pointer == pointer)
                {
                    continue; // a rewritten Task: redirected in its new state already
                }
                match redirected.iter_mut().find(|(p, _, _)| *p == pointer) {
                    Some(slot) => {
                        if let Some(again) = t
                            .entry
                            .as_ref()
                            .and_then(|e| added_states::redirect(&slot.2, &t.state, e))
                        {
                            slot.2 = again;
                        }
                    }
                    None => redirected.push((pointer, original, new)),
                }
            }
            if let (Some(p), Some(e)) = (r.start_at, &t.entry) {
                start_at.push((p, e.clone()));
            }
        }
        let states: Vec<StateReplacement> = changes
            .tasks
            .iter()
            .map(|&ti| StateReplacement {
                pointer: &out.tasks[ti].pointer,
                original: &out.tasks[ti].original,
                rewritten: &out.tasks[ti].rewritten,
            })
            .chain(redirected.iter().map(|(p, o, n)| StateReplacement {
                pointer: p,
                original: o,
                rewritten: n,
            }))
            .collect();
        let insertions: Vec<(&str, &[(String, Value)])> = changes
            .tasks
            .iter()
            .filter(|&&ti| !out.tasks[ti].added_states.is_empty())
            .map(|&ti| {
                (
                    out.tasks[ti].pointer.as_str(),
                    out.tasks[ti].added_states.as_slice(),
                )
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
            let result = current_text(&mut files, &abs).and_then(|text| {
                if text.trim_start().starts_with('{') {
                    if !yaml_prefix.is_empty() {
                        return Err(
                            "definitions inside JSON templates (DefinitionString) are not edited yet"
                                .to_string(),
                        );
                    }
                    let mut text = edits::edit_json_definition(&text, &states)?;
                    for (pointer, added) in &insertions {
                        text = added_states::insert_json(&text, pointer, added)?;
                    }
                    for (pointer, entry) in &start_at {
                        text = added_states::set_json_string(&text, pointer, entry)?;
                    }
                    return Ok(text);
                }
                let yaml_path = |pointer: &str| {
                    let mut path = yaml_prefix.clone();
                    path.extend(
                        pointer
                            .trim_start_matches('/')
                            .split('/')
                            .filter(|t| !t.is_empty())
                            .map(|t| t.replace("~1", "/").replace("~0", "~")),
                    );
                    path
                };
                let mut text = text;
                for s in &states {
                    text = yaml_state::replace_state(
                        &text,
                        &yaml_path(s.pointer),
                        s.original,
                        s.rewritten,
                    )
                    .map_err(|e| format!("{}: {e}", s.pointer))?;
                }
                for (pointer, added) in &insertions {
                    text = added_states::insert_yaml(&text, &yaml_path(pointer), added)
                        .map_err(|e| format!("{pointer}: {e}"))?;
                }
                for (pointer, entry) in &start_at {
                    let machine = pointer.trim_end_matches("/StartAt");
                    text = added_states::set_yaml_scalar(&text, &yaml_path(machine), "StartAt", entry)
                        .map_err(|e| format!("{pointer}: {e}"))?;
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
                template_iam(project, smi, sm, changes, &unused, &out.tasks);
            let changes_t = TemplateChanges {
                resource: &resource,
                add_substitutions: &changes.added,
                remove_substitutions: &removed_subs,
                add_policies: &add_policies,
                retired_functions: &retired,
            };
            let result = current_text(&mut files, &abs).and_then(|text| {
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
    out
}

/// SAM Policies items to add, functions whose LambdaInvokePolicy goes, substitutions no longer
/// used, and the summary for the report.
fn template_iam(
    project: &Project,
    smi: usize,
    sm: &crate::discover::model::StateMachine,
    changes: &MachineChanges,
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
    for t in &changes.targets {
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
    let retired: Vec<String> = changes
        .tasks
        .iter()
        .map(|&ti| tasks[ti].function)
        .filter(|f| unused.contains(f))
        .map(|f| project.functions[f].id.clone())
        .collect();
    // A function's `${XFunctionArn}` substitution goes with it when nothing mentions it any more.
    let rewritten_text: String = {
        let mut def = sm.raw_definition.clone();
        for &ti in &changes.tasks {
            if let Some(slot) = def.pointer_mut(&tasks[ti].pointer) {
                *slot = tasks[ti].rewritten.clone();
            }
        }
        def.to_string()
    };
    let removed_subs: Vec<String> = sm
        .substitutions
        .iter()
        .filter(|(name, v)| {
            CfnRef::parse(v)
                .logical_id()
                .is_some_and(|id| retired.iter().any(|r| r == id))
                && !rewritten_text.contains(&format!("${{{name}}}"))
        })
        .map(|(name, _)| name.clone())
        .collect();
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

/// Replaces `${Name}` in strings with the concrete value the substitution stands for.
fn resolve_placeholders(
    value: &Value,
    project: &Project,
    existing: &IndexMap<String, Value>,
    added: &IndexMap<String, Value>,
) -> Value {
    match value {
        Value::String(s) if s.contains("${") => {
            let mut out = s.clone();
            for (name, v) in existing.iter().chain(added.iter()) {
                let key = format!("${{{name}}}");
                if out.contains(&key) {
                    if let Some(concrete) = bindings::concrete_value(&CfnRef::parse(v), project) {
                        out = out.replace(&key, &concrete);
                    }
                }
            }
            Value::String(out)
        }
        Value::Object(m)
            if m.len() == 1 && (m.contains_key("Ref") || m.contains_key("Fn::GetAtt")) =>
        {
            match bindings::concrete_value(&CfnRef::parse(value), project) {
                Some(s) => Value::String(s),
                None => value.clone(),
            }
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), resolve_placeholders(v, project, existing, added)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|v| resolve_placeholders(v, project, existing, added))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn load_samples(project: &Project, warnings: &mut Vec<String>) -> Vec<Value> {
    project
        .sample_inputs
        .iter()
        .filter_map(|p| {
            let abs = resolve_path(&project.root, p);
            match crate::error::InputError::read_json(&abs) {
                Ok(v) => Some(v),
                Err(e) => {
                    warnings.push(format!("sample input ignored: {e}"));
                    None
                }
            }
        })
        .collect()
}

fn current_text(
    files: &mut IndexMap<PathBuf, (String, String)>,
    path: &Path,
) -> Result<String, String> {
    if let Some((_, cur)) = files.get(path) {
        return Ok(cur.clone());
    }
    let text = crate::error::InputError::read_text(path).map_err(|e| e.message)?;
    files.insert(path.to_path_buf(), (text.clone(), text.clone()));
    Ok(text)
}

/// A path from discovery, made usable: absolute paths and paths already under the root as they
/// are, others relative to the root.
pub fn resolve_path(root: &Path, p: &Path) -> PathBuf {
    let base = crate::report::base_dir(root);
    if p.is_absolute() || (!base.as_os_str().is_empty() && p.starts_with(&base)) || p.exists() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// The path relative to the root with forward slashes (as diffs and reports show it).
pub fn display(root: &Path, p: &Path) -> String {
    let base = crate::report::base_dir(root);
    let rel = p.strip_prefix(&base).unwrap_or(p);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
