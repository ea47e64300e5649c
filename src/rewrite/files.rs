//! The file edits of a plan: for each state machine with rewritten Tasks, the text of the file that
//! holds its definition is edited in place, and the template's substitutions and IAM entries
//! follow. Which editor runs depends on where discovery found the definition ([`DefinitionOrigin`]):
//! - ASL `.json` / `.asl.json` / `.yaml` files and SAM `DefinitionUri` files: [`edits`] (JSON spans)
//!   and [`yaml_state`] (block YAML);
//! - SAM/CloudFormation templates: inline `Definition` (YAML or JSON), `DefinitionString` as a
//!   string, `Fn::Sub` or `Fn::Join` ([`definition_string`]); `DefinitionSubstitutions`, SAM
//!   `Policies` and the role's policy statements (YAML line edits, [`json_edit`], [`iam_template`]);
//! - serverless.yml (serverless-step-functions): [`yaml_state`] under `stepFunctions.stateMachines`;
//! - Terraform: `jsonencode(...)` and heredocs in the .tf file, `templatefile`/`file` definition
//!   files plus their variables ([`hcl_edit`]), the role's `aws_iam_role_policy` ([`super::hcl_iam`]);
//! - CDK output: no edit; the construct to use instead ([`super::cdk_advice`]).

use super::bindings::CfnRef;
use super::edits::{self, StateReplacement, TemplateChanges};
use super::plan::{display, resolve_path};
use super::refer::{self, RefStyle};
use super::synth::Target;
use super::{
    added_states, definition_string, diff, hcl_edit, iam, iam_template, json_edit, serverless_iam,
    yaml_state, FileEdit, RewritePlan, RewrittenTask, TemplateIam,
};
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

/// The state machine being edited, with what each per-format edit reads.
#[derive(Clone, Copy)]
struct Machine<'a> {
    project: &'a Project,
    sm: &'a StateMachine,
    m: &'a MachineEdit<'a>,
    unused: &'a [usize],
}

fn edit_machine(
    project: &Project,
    sm: &StateMachine,
    m: &MachineEdit,
    unused: &[usize],
    files: &mut OpenFiles,
    out: &mut RewritePlan,
) {
    let machine = Machine {
        project,
        sm,
        m,
        unused,
    };
    let tasks: Vec<RewrittenTask> = m.tasks.iter().map(|&ti| out.tasks[ti].clone()).collect();
    // An `Fn::Sub` variables map gains the new Tasks' variables and loses the retired functions'.
    let retired_ids = retired_functions(project, m, unused, &out.tasks);
    let removed_vars = unused_substitutions(sm, m, &retired_ids, &out.tasks);
    let sub_vars = if refer::style(sm) == RefStyle::SubVariablesMap {
        definition_string::SubVars {
            add: m.added,
            remove: &removed_vars,
        }
    } else {
        definition_string::SubVars {
            add: m.added,
            remove: &[],
        }
    };
    // States the rewrite adds (validation Choice/Fail) and the transitions that move to them.
    let added = added_states::TextChanges::of(&sm.raw_definition, &tasks);
    let states: Vec<StateReplacement> = tasks
        .iter()
        .map(|t| StateReplacement {
            pointer: &t.pointer,
            original: &t.original,
            rewritten: &t.rewritten,
        })
        .chain(added.redirected.iter().map(|(p, o, n)| StateReplacement {
            pointer: p,
            original: o,
            rewritten: n,
        }))
        .collect();
    // Where the states' text lives: a file, and the YAML path to the definition inside it
    // (empty for a standalone definition file).
    let (definition_file, yaml_prefix, template): (Option<PathBuf>, Vec<String>, _) =
        match &sm.origin {
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
            DefinitionOrigin::Serverless { path, name } => (
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
            ),
            DefinitionOrigin::Terraform {
                path,
                resource,
                definition_file,
            } => {
                edit_terraform(
                    machine,
                    (path, resource),
                    definition_file.as_deref(),
                    (&states, &added),
                    files,
                    out,
                );
                (None, vec![], None)
            }
            DefinitionOrigin::CdkOut { .. } => {
                for t in &tasks {
                    if let Some(c) = super::cdk_advice::advise(project, sm, t) {
                        out.cdk.push(c);
                    }
                }
                (None, vec![], None)
            }
        };
    if let Some(path) = definition_file {
        let abs = resolve_path(&project.root, &path);
        let inline_resource = match &sm.origin {
            DefinitionOrigin::TemplateInline { resource, .. } => Some(resource.as_str()),
            _ => None,
        };
        let result = current_text(files, &abs).and_then(|text| {
            let json = text.trim_start().starts_with('{');
            match inline_resource {
                // A JSON template: the Definition object or the DefinitionString.
                Some(resource) if json => {
                    return definition_string::edit_json_template(
                        &text, resource, &states, sub_vars, &added,
                    );
                }
                // A YAML template with a DefinitionString block scalar.
                Some(resource)
                    if matches!(&sm.origin, DefinitionOrigin::TemplateInline { template, .. }
                        if refer::definition_string(template, resource).is_some()) =>
                {
                    return definition_string::edit_yaml_template(
                        &text, resource, &states, &added, sub_vars,
                    );
                }
                _ if json => {
                    let text = edits::edit_json_definition(&text, &states)?;
                    return added.apply_json(&text);
                }
                _ => {}
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
            added.apply_yaml(&text, &yaml_prefix)
        });
        record_edit(&project.root, files, &abs, result, out);
    }
    if let DefinitionOrigin::Serverless { path, name } = &sm.origin {
        edit_serverless_iam(machine, path, name, files, out);
    }
    if let Some((template, resource)) = template {
        let abs = resolve_path(&project.root, &template);
        let json = current_text(files, &abs)
            .map(|t| t.trim_start().starts_with('{'))
            .unwrap_or(false);
        let result = if json {
            edit_json_template(machine, &resource, &abs, files, out)
        } else {
            edit_yaml_template(machine, &resource, &abs, files, out)
        };
        record_edit(&project.root, files, &abs, result, out);
    }
    if let DefinitionOrigin::Terraform { path, .. } = &sm.origin {
        let retired = retired_functions(project, m, unused, &out.tasks);
        let mut summary =
            iam_template::terraform_summary(project, m.state_machine, m.targets, &retired);
        if let Some(role) = &sm.role {
            let tf = resolve_path(&project.root, path);
            let module = super::hcl_iam::module_files(&tf);
            let tf_address = match &sm.origin {
                DefinitionOrigin::Terraform { resource, .. } => resource.clone(),
                _ => String::new(),
            };
            let name = format!(
                "{}_integrations",
                tf_address.rsplit('.').next().unwrap_or("state_machine")
            );
            let edited =
                match super::hcl_iam::edit_role_policy(files, &module, role, m.targets, &retired) {
                    Err(e) if e.starts_with(super::hcl_iam::NO_ROLE_POLICY) => {
                        super::hcl_iam::add_role_policy(files, &tf, role, &name, m.targets)
                    }
                    other => other,
                };
            match edited {
                Ok(place) if place.is_empty() => {}
                Ok(place) => summary.location = format!("{place} (policy of {role})"),
                Err(e) => out.warnings.push(format!(
                    "{}: IAM not edited ({e}); add the statements above by hand",
                    sm.name
                )),
            }
        }
        push_iam(out, summary);
    }
}

/// serverless.yml: the statements of the state machine's role ([`serverless_iam`]).
fn edit_serverless_iam(
    machine: Machine,
    path: &Path,
    name: &str,
    files: &mut OpenFiles,
    out: &mut RewritePlan,
) {
    let Machine {
        project,
        sm,
        m,
        unused,
    } = machine;
    let retired = retired_functions(project, m, unused, &out.tasks);
    let add = iam::add_statements(m.targets);
    let remove = iam::remove_statements(project, &retired_indices(project, &retired));
    // The names a statement may use for a function: its key, logical id and physical name.
    let names = |f: &crate::discover::model::Function| {
        let mut n = vec![f.id.clone(), crate::discover::serverless::logical_id(&f.id)];
        n.extend(f.function_name.clone().filter(|n| !n.is_empty()));
        n
    };
    let (retired_names, kept_names): (Vec<_>, Vec<_>) = project
        .functions
        .iter()
        .partition(|f| retired.contains(&f.id));
    let retired_names: Vec<String> = retired_names.into_iter().flat_map(names).collect();
    let kept_names: Vec<String> = kept_names.into_iter().flat_map(names).collect();
    let abs = resolve_path(&project.root, path);
    let s = serverless_iam::ServerlessIam {
        machine: name,
        role: sm.role.as_deref(),
        add: &add,
        retired: &retired_names,
        kept: &kept_names,
    };
    let result = current_text(files, &abs).and_then(|t| serverless_iam::edit(&t, &s));
    match result {
        Ok((text, place)) => {
            files.get_mut(&abs).expect("loaded").1 = text;
            push_iam(
                out,
                iam_template::cfn_summary(m.state_machine, place, &add, &remove),
            );
        }
        Err(e) => out.warnings.push(format!(
            "{}: IAM not edited ({e}); add the statements above to the state machine's role by hand",
            sm.name
        )),
    }
}

/// SAM/CloudFormation YAML: DefinitionSubstitutions and SAM Policies edited line by line; a
/// CloudFormation role's statements are reported.
fn edit_yaml_template(
    machine: Machine,
    resource: &str,
    abs: &Path,
    files: &mut OpenFiles,
    out: &mut RewritePlan,
) -> Result<String, String> {
    let Machine {
        project,
        sm,
        m,
        unused,
    } = machine;
    let (add_policies, retired, removed_subs, sam) =
        template_iam(project, m.state_machine, sm, m, unused, &out.tasks);
    let substitutions: &[(String, CfnRef)] =
        if refer::style(sm) == RefStyle::DefinitionSubstitutions {
            m.added
        } else {
            &[]
        };
    let changes_t = TemplateChanges {
        resource,
        add_substitutions: substitutions,
        remove_substitutions: &removed_subs,
        add_policies: &add_policies,
        retired_functions: &retired,
    };
    let text = edits::edit_yaml_template(&current_text(files, abs)?, &changes_t)?;
    match sam {
        Some(s) => {
            out.iam_template.push(s);
            Ok(text)
        }
        None => {
            let Some(role) = &sm.role else {
                return Ok(text);
            };
            let retired = retired_functions(project, m, unused, &out.tasks);
            let add = iam::add_statements(m.targets);
            let remove = iam::remove_statements(project, &retired_indices(project, &retired));
            if add.is_empty() && remove.is_empty() {
                return Ok(text);
            }
            let ids: Vec<String> = project.functions.iter().map(|f| f.id.clone()).collect();
            let policy_name = format!("{}Integrations", sm.name);
            match iam_template::edit_cfn_yaml_role(&text, role, &policy_name, &add, &retired, &ids)
            {
                Ok((new, place)) => {
                    push_iam(
                        out,
                        iam_template::cfn_summary(m.state_machine, place, &add, &remove),
                    );
                    Ok(new)
                }
                Err(e) => {
                    push_iam(
                        out,
                        iam_template::cfn_summary(
                            m.state_machine,
                            format!("policy statements of AWS::IAM::Role {role} (add them by hand: {e})"),
                            &add,
                            &remove,
                        ),
                    );
                    Ok(text)
                }
            }
        }
    }
}

/// CloudFormation JSON: DefinitionSubstitutions members and the role's policy statements.
fn edit_json_template(
    machine: Machine,
    resource: &str,
    abs: &Path,
    files: &mut OpenFiles,
    out: &mut RewritePlan,
) -> Result<String, String> {
    let Machine {
        project,
        sm,
        m,
        unused,
    } = machine;
    let retired = retired_functions(project, m, unused, &out.tasks);
    let mut text = current_text(files, abs)?;
    let props = format!("/Resources/{resource}/Properties");
    if refer::style(sm) == RefStyle::DefinitionSubstitutions {
        let removed = unused_substitutions(sm, m, &retired, &out.tasks);
        let entries: Vec<(String, serde_json::Value)> = m
            .added
            .iter()
            .map(|(n, r)| (n.clone(), r.to_json()))
            .collect();
        let has_subs = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|d| {
                d.pointer(&format!("{props}/DefinitionSubstitutions"))
                    .cloned()
            })
            .is_some();
        if !entries.is_empty() {
            text = if has_subs {
                json_edit::add_members(
                    &text,
                    &format!("{props}/DefinitionSubstitutions"),
                    &entries,
                )?
            } else {
                let map: serde_json::Map<String, serde_json::Value> = entries.into_iter().collect();
                json_edit::add_members(
                    &text,
                    &props,
                    &[(
                        "DefinitionSubstitutions".into(),
                        serde_json::Value::Object(map),
                    )],
                )?
            };
        }
        if has_subs {
            text = json_edit::remove_members(
                &text,
                &format!("{props}/DefinitionSubstitutions"),
                &removed,
            )?;
        }
    }
    let add = iam::add_statements(m.targets);
    let remove = iam::remove_statements(project, &retired_indices(project, &retired));
    if sm.policies.is_some() || (sm.role.is_none() && is_sam_machine(sm)) {
        match edit_json_sam_policies(&text, &props, m.targets, &retired) {
            Ok((new, summary_add, summary_remove)) => {
                text = new;
                push_iam(
                    out,
                    TemplateIam {
                        state_machine: m.state_machine,
                        location: format!("SAM Policies of {}", sm.name),
                        add: summary_add,
                        remove: summary_remove,
                    },
                );
            }
            Err(e) => out.warnings.push(format!(
                "{}: SAM Policies not edited ({e}); add the statements above by hand",
                sm.name
            )),
        }
    } else if let Some(role) = &sm.role {
        let policy_name = format!("{}Integrations", sm.name);
        match iam_template::edit_cfn_json_role(&text, role, &policy_name, &add, &retired) {
            Ok((new, place)) => {
                text = new;
                push_iam(
                    out,
                    iam_template::cfn_summary(m.state_machine, place, &add, &remove),
                );
            }
            Err(e) => out.warnings.push(format!(
                "{}: IAM not edited ({e}); add the statements above by hand",
                sm.name
            )),
        }
    }
    Ok(text)
}

/// SAM `Policies` written in JSON: a policy template (or an inline statement) per target
/// appended, the `LambdaInvokePolicy` items of retired functions removed. Returns the new text
/// and the items added and removed, for the report.
fn edit_json_sam_policies(
    text: &str,
    props: &str,
    targets: &[super::synth::Target],
    retired: &[String],
) -> Result<(String, Vec<String>, Vec<String>), String> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let pointer = format!("{props}/Policies");
    let empty = Vec::new();
    let single;
    let existing = match doc.pointer(&pointer) {
        // A SAM state machine without Policies or Role: SAM makes a role with no policy.
        None => &empty,
        Some(serde_json::Value::Array(a)) => a,
        // One policy (a managed policy name, a template or a document): it becomes a list.
        Some(one) => {
            single = vec![one.clone()];
            &single
        }
    };
    let mut add: Vec<serde_json::Value> = Vec::new();
    let mut notes = Vec::new();
    for t in targets {
        let item = match iam::sam_policy_json(t) {
            Some((item, extra)) => {
                notes.extend(extra);
                item
            }
            None => iam::sam_inline_statement_json(t),
        };
        if !add.contains(&item) && !existing.contains(&item) {
            add.push(item);
        }
    }
    let removed: Vec<String> = existing
        .iter()
        .filter(|p| iam::invokes_only(p, retired))
        .map(|p| p.to_string())
        .collect();
    let text = match doc.pointer(&pointer) {
        None if add.is_empty() => text.to_string(),
        None => json_edit::add_members(
            text,
            props,
            &[("Policies".into(), serde_json::Value::Array(add.clone()))],
        )?,
        Some(serde_json::Value::Array(_)) => {
            let text = json_edit::remove_items(text, &pointer, &|p| iam::invokes_only(p, retired))?;
            json_edit::add_items(&text, &pointer, &add)?
        }
        Some(_) if add.is_empty() && removed.is_empty() => text.to_string(),
        Some(_) => {
            let list: Vec<serde_json::Value> = existing
                .iter()
                .filter(|p| !iam::invokes_only(p, retired))
                .chain(add.iter())
                .cloned()
                .collect();
            let span = super::json_span::find_pointer(text, &pointer)
                .map_err(|e| format!("Policies (byte {}): {}", e.offset, e.message))?;
            let base = super::json_span::line_indent(text, span.start).to_string();
            let unit = super::json_span::indent_unit(text);
            let rendered =
                super::json_span::render_value(&serde_json::Value::Array(list), &base, &unit);
            let mut out = text.to_string();
            out.replace_range(span.start..span.end, &rendered);
            out
        }
    };
    let summary: Vec<String> = add
        .iter()
        .map(|v| v.to_string())
        .chain(notes.into_iter().map(|n| format!("# {n}")))
        .collect();
    Ok((text, summary, removed))
}

/// Terraform: the states inside `jsonencode(...)` in the .tf file, or the definition file of
/// `templatefile`/`file` plus the template variables the new states need.
fn edit_terraform(
    machine: Machine,
    (tf, address): (&Path, &str),
    definition_file: Option<&Path>,
    (states, inserted): (&[StateReplacement], &added_states::TextChanges),
    files: &mut OpenFiles,
    out: &mut RewritePlan,
) {
    let Machine {
        project,
        sm,
        m,
        unused,
    } = machine;
    let tf_abs = resolve_path(&project.root, tf);
    let Some(def_file) = definition_file else {
        let hcl_states: Vec<hcl_edit::HclState> = states
            .iter()
            .map(|s| hcl_edit::HclState {
                pointer: s.pointer,
                original: s.original,
                rewritten: s.rewritten,
            })
            .collect();
        let r = current_text(files, &tf_abs).and_then(|t| {
            let json_edit =
                |inner: &str| inserted.apply_json(&edits::edit_json_definition(inner, states)?);
            if hcl_edit::definition_is_heredoc(&t, address) {
                // A heredoc of JSON: the definition text is edited in place.
                hcl_edit::edit_heredoc(&t, address, &json_edit)
            } else if hcl_edit::definition_is_quoted(&t, address) {
                // `definition = "{...}"`: the JSON inside the string literal.
                hcl_edit::edit_quoted(&t, address, &json_edit)
            } else {
                let t = hcl_edit::edit_jsonencode(&t, address, &hcl_states)?;
                inserted.apply_hcl(&t, address)
            }
        });
        record_edit(&project.root, files, &tf_abs, r, out);
        return;
    };
    let def_abs = resolve_path(&project.root, def_file);
    let r = current_text(files, &def_abs).and_then(|t| {
        if t.trim_start().starts_with('{') {
            inserted.apply_json(&edits::edit_json_definition(&t, states)?)
        } else {
            Err("only JSON definition files are edited for Terraform".into())
        }
    });
    let ok = r.is_ok();
    record_edit(&project.root, files, &def_abs, r, out);
    if !ok {
        return;
    }
    // Template variables: the new ones, and those that named a retired function only.
    let retired = retired_functions(project, m, unused, &out.tasks);
    let new_text = files.get(&def_abs).map(|f| f.1.clone()).unwrap_or_default();
    let remove: Vec<String> = sm
        .substitutions
        .iter()
        .filter(|(name, v)| {
            refer::normalize(CfnRef::parse(v), project)
                .logical_id()
                .is_some_and(|id| retired.iter().any(|r| r == id))
                && !new_text.contains(&format!("${{{name}}}"))
        })
        .map(|(n, _)| n.clone())
        .collect();
    let add: Vec<(String, String)> = m
        .added
        .iter()
        .filter_map(|(n, r)| refer::terraform_expression(r).map(|e| (n.clone(), e)))
        .collect();
    if add.is_empty() && remove.is_empty() {
        return;
    }
    let r = current_text(files, &tf_abs).and_then(|t| {
        let old = files.get(&def_abs).map(|f| f.0.clone()).unwrap_or_default();
        if !add.is_empty() && (old.contains("%{") || (old.contains("${") && sm.substitutions.is_empty())) {
            return Err(
                "the definition file holds `${`/`%{` that templatefile would read as template sequences".into(),
            );
        }
        hcl_edit::edit_template_vars(&t, address, &add, &remove)
    });
    record_edit(&project.root, files, &tf_abs, r, out);
}

/// Adds an IAM entry; state machines sharing a role (same location) share one entry.
/// Keeps an edited file's new text, or warns that the file was not edited and why.
fn record_edit(
    root: &Path,
    files: &mut OpenFiles,
    abs: &Path,
    result: Result<String, String>,
    out: &mut RewritePlan,
) {
    match result {
        Ok(new) => files.get_mut(abs).expect("loaded").1 = new,
        Err(e) => out
            .warnings
            .push(format!("{}: not edited: {e}", display(root, abs))),
    }
}

fn push_iam(out: &mut RewritePlan, entry: TemplateIam) {
    if entry.add.is_empty() && entry.remove.is_empty() {
        return;
    }
    match out
        .iam_template
        .iter_mut()
        .find(|t| t.location == entry.location)
    {
        Some(existing) => {
            for a in entry.add {
                if !existing.add.contains(&a) {
                    existing.add.push(a);
                }
            }
            for r in entry.remove {
                if !existing.remove.contains(&r) {
                    existing.remove.push(r);
                }
            }
        }
        None => out.iam_template.push(entry),
    }
}

fn retired_indices(project: &Project, ids: &[String]) -> Vec<usize> {
    ids.iter()
        .filter_map(|id| project.functions.iter().position(|f| &f.id == id))
        .collect()
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
    if sm.policies.is_none() && !(sm.role.is_none() && is_sam_machine(sm)) {
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

/// Whether the state machine is an `AWS::Serverless::StateMachine` (SAM makes its role from
/// `Policies` when it has no `Role`:
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-statemachine.html).
fn is_sam_machine(sm: &StateMachine) -> bool {
    let (template, resource) = match &sm.origin {
        DefinitionOrigin::SamDefinitionUri {
            template, resource, ..
        }
        | DefinitionOrigin::TemplateInline { template, resource } => (template, resource),
        _ => return false,
    };
    let Ok(text) = std::fs::read_to_string(template) else {
        return false;
    };
    crate::discover::yaml::parse_by_extension(template, &text)
        .ok()
        .and_then(|d| {
            d.pointer(&format!("/Resources/{resource}/Type"))
                .and_then(|t| t.as_str().map(str::to_string))
        })
        .is_some_and(|t| t == "AWS::Serverless::StateMachine")
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

/// The current text of a file being edited (read on first use).
pub fn current_text(files: &mut OpenFiles, path: &Path) -> Result<String, String> {
    if let Some((_, cur)) = files.get(path) {
        return Ok(cur.clone());
    }
    let text = crate::error::InputError::read_text(path).map_err(|e| e.message)?;
    files.insert(path.to_path_buf(), (text.clone(), text.clone()));
    Ok(text)
}
