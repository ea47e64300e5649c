//! Builds a [`RewritePlan`]: every Lambda-backed Task whose handler is replaceable becomes a direct
//! integration; the plan carries the new states, the edits of the files that hold them, the IAM
//! changes and the functions left unused.

use super::bindings::{self, CfnRef};
use super::synth::{self, SynthInputs, Target};
use super::{added_states, files, iam, RewritePlan, RewrittenTask, SkippedTask};
use crate::analysis::model::HandlerModel;
use crate::discover::model::Project;
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
            models,
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
    out.unused_resources = super::unused::unused_resources(project, &unused);

    let all_targets: Vec<Target> = machines.values().flat_map(|c| c.targets.clone()).collect();
    out.iam_add = iam::add_statements(&all_targets);
    out.iam_remove = iam::remove_statements(project, &unused);

    // A rewritten Task that transitions into another one that gained an entry state now goes there.
    for changes in machines.values() {
        for &ti in &changes.tasks {
            let Some(entry) = out.tasks[ti].entry.clone() else {
                continue;
            };
            let Some((from_scope, _, target)) = added_states::scope(&out.tasks[ti].pointer) else {
                continue;
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
    let machine_edits: Vec<files::MachineEdit> = machines
        .iter()
        .map(|(&smi, c)| files::MachineEdit {
            state_machine: smi,
            tasks: &c.tasks,
            added: &c.added,
            targets: &c.targets,
        })
        .collect();
    files::edit_files(project, &machine_edits, &unused, &mut out);
    out
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
