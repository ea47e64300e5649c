//! CloudFormation and SAM templates (YAML or JSON; also CDK's synthesized templates):
//! Lambda functions (`AWS::Serverless::Function` with `Globals.Function`, `AWS::Lambda::Function`),
//! state machines (`AWS::Serverless::StateMachine`, `AWS::StepFunctions::StateMachine`) and the
//! resources an integration can target.
//! SAM properties: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html
//! and .../sam-resource-statemachine.html; Globals: .../sam-specification-template-anatomy-globals.html

use super::definition::{self, DefinitionText};
use super::handler;
use super::model::{DefinitionOrigin, Function, Resource, StateMachine};
use super::refs::{Flavour, Kind, Scope, ScopeResource};
use super::{normalize, yaml, Builder};
use crate::error::InputError;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A standalone ASL candidate: path, text, parsed value.
pub type AslCandidate = (PathBuf, String, Value);

/// Reads a `.json` / `.yaml` file: a template is loaded into the builder, an ASL definition is
/// returned (it becomes a state machine unless a template points at it), anything else ignored.
pub fn load_json_or_yaml(b: &mut Builder, path: &Path) -> Result<Option<AslCandidate>, InputError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let named_as_iac = name.contains(".asl.") || name.starts_with("template.");
    let text = match InputError::read_text(path) {
        Ok(t) => t,
        Err(e) if named_as_iac => return Err(e),
        Err(_) => return Ok(None),
    };
    let looks_like_template = text.contains("AWSTemplateFormatVersion")
        || text.contains("AWS::Serverless")
        || (text.contains("Resources") && text.contains("AWS::"));
    let looks_like_asl = text.contains("StartAt") && text.contains("States");
    if !(named_as_iac || looks_like_template || looks_like_asl) {
        return Ok(None);
    }
    // A malformed file is an error only when it is clearly infrastructure; other YAML in a
    // repository (Helm charts, CI files) may use syntax this parser does not take.
    let value = match yaml::parse_by_extension(path, &text) {
        Ok(v) => v,
        Err(e) if named_as_iac || looks_like_template || looks_like_asl => return Err(e),
        Err(_) => return Ok(None),
    };
    if is_template(&value) {
        load_template(b, path, &text, &value)?;
        return Ok(None);
    }
    if value.get("StartAt").is_some() && value.get("States").is_some_and(Value::is_object) {
        return Ok(Some((path.to_path_buf(), text, value)));
    }
    Ok(None)
}

/// A document with a `Resources` map of `{"Type": "AWS::..."}` entries.
pub fn is_template(v: &Value) -> bool {
    v.get("Resources")
        .and_then(Value::as_object)
        .map(|r| {
            r.values().any(|res| {
                res.get("Type")
                    .and_then(Value::as_str)
                    .map(|t| t.starts_with("AWS::") || t.starts_with("Custom::"))
                    .unwrap_or(false)
            })
        })
        .unwrap_or(false)
}

/// Loads a CloudFormation / SAM / CDK template.
pub fn load_template(
    b: &mut Builder,
    path: &Path,
    text: &str,
    doc: &Value,
) -> Result<usize, InputError> {
    let mut scope = Scope::new(Flavour::Cfn, path.to_path_buf());
    if let Some(params) = doc.get("Parameters").and_then(Value::as_object) {
        for (name, p) in params {
            if let Some(d) = p.get("Default") {
                scope.parameters.insert(name.clone(), d.clone());
            }
        }
    }
    let empty = Map::new();
    let resources = doc
        .get("Resources")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    add_resources(&mut scope, resources);
    let scope_idx = b.scopes.len();
    b.scopes.push(scope);
    register_targets(b, scope_idx);

    let globals = doc
        .get("Globals")
        .and_then(|g| g.get("Function"))
        .cloned()
        .unwrap_or(Value::Null);
    let template_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    for (id, res) in resources {
        let ty = res.get("Type").and_then(Value::as_str).unwrap_or("");
        let props = res.get("Properties").cloned().unwrap_or(Value::Null);
        match ty {
            "AWS::Serverless::Function" => {
                let merged = merge_globals(&globals, &props);
                let f =
                    function_from_cfn(b, scope_idx, path, &template_dir, id, res, &merged, true);
                push_function(b, scope_idx, id, f);
            }
            "AWS::Lambda::Function" => {
                let f =
                    function_from_cfn(b, scope_idx, path, &template_dir, id, res, &props, false);
                push_function(b, scope_idx, id, f);
            }
            _ => {}
        }
    }
    for (id, res) in resources {
        let ty = res.get("Type").and_then(Value::as_str).unwrap_or("");
        if ty == "AWS::Serverless::StateMachine" || ty == "AWS::StepFunctions::StateMachine" {
            load_state_machine(b, scope_idx, path, text, &template_dir, id, res)?;
        }
    }
    b.collect_sample_inputs(&template_dir);
    Ok(scope_idx)
}

/// Adds a template's resources to a scope (for names, ARNs and references).
pub fn add_resources(scope: &mut Scope, resources: &Map<String, Value>) {
    for (id, res) in resources {
        let ty = res.get("Type").and_then(Value::as_str).unwrap_or("");
        scope.resources.insert(
            id.clone(),
            ScopeResource {
                resource_type: ty.to_string(),
                properties: res.get("Properties").cloned().unwrap_or(Value::Null),
            },
        );
    }
}

/// Resources of the job and configuration services that verify's simulated world seeds
/// (verify/world_jobs.rs), CloudFormation and Terraform types.
const SIMULATED_JOB_RESOURCES: &[&str] = &[
    "AWS::SecretsManager::Secret",
    "AWS::SSM::Parameter",
    "AWS::Athena::WorkGroup",
    "AWS::Batch::JobQueue",
    "AWS::Batch::JobDefinition",
    "AWS::CodeBuild::Project",
    "AWS::ECS::Cluster",
    "AWS::ECS::TaskDefinition",
    "AWS::Glue::Job",
    "AWS::SES::EmailIdentity",
    "aws_secretsmanager_secret",
    "aws_ssm_parameter",
    "aws_athena_workgroup",
    "aws_batch_job_queue",
    "aws_batch_job_definition",
    "aws_codebuild_project",
    "aws_ecs_cluster",
    "aws_ecs_task_definition",
    "aws_glue_job",
    "aws_sesv2_email_identity",
    "aws_ses_email_identity",
    "aws_ses_domain_identity",
];

/// Records the scope's tables, queues, topics, buses and buckets in `Project::resources`.
pub fn register_targets(b: &mut Builder, scope_idx: usize) {
    let scope = &b.scopes[scope_idx];
    let mut found = Vec::new();
    for (id, res) in &scope.resources {
        let kind = Kind::of(&res.resource_type);
        if matches!(
            kind,
            Kind::Table | Kind::Queue | Kind::Topic | Kind::Bus | Kind::Bucket
        ) || SIMULATED_JOB_RESOURCES.contains(&res.resource_type.as_str())
        {
            found.push(Resource {
                resource_type: res.resource_type.clone(),
                properties: res.properties.clone(),
                template: scope.file.clone(),
                id: id.clone(),
                name: scope.physical_name(id),
                arn: scope.arn(id),
                ref_value: scope.ref_value(id),
            });
        }
    }
    for r in found {
        let key = if b.project.resources.contains_key(&r.id) {
            format!("{}#{}", r.template.display(), r.id)
        } else {
            r.id.clone()
        };
        b.project.resources.insert(key, r);
    }
}

/// SAM `Globals.Function` under the function's own properties; `Environment.Variables` merge.
fn merge_globals(globals: &Value, props: &Value) -> Value {
    let mut out = globals.as_object().cloned().unwrap_or_default();
    if let Some(p) = props.as_object() {
        for (k, v) in p {
            if k == "Environment" {
                let mut vars = out
                    .get("Environment")
                    .and_then(|e| e.get("Variables"))
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                if let Some(own) = v.get("Variables").and_then(Value::as_object) {
                    for (n, x) in own {
                        vars.insert(n.clone(), x.clone());
                    }
                }
                out.insert(
                    "Environment".into(),
                    serde_json::json!({ "Variables": Value::Object(vars) }),
                );
            } else {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

pub fn push_function(b: &mut Builder, scope_idx: usize, reference: &str, f: Function) {
    let idx = b.project.functions.len();
    b.project.functions.push(f);
    b.scopes[scope_idx]
        .functions
        .insert(reference.to_string(), idx);
}

fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A function from its (Globals-merged) properties.
#[allow(clippy::too_many_arguments)]
fn function_from_cfn(
    b: &Builder,
    scope_idx: usize,
    template: &Path,
    template_dir: &Path,
    id: &str,
    res: &Value,
    props: &Value,
    sam: bool,
) -> Function {
    let scope = &b.scopes[scope_idx];
    let metadata = res.get("Metadata");
    let construct = metadata
        .and_then(|m| m.get("aws:cdk:path"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let handler_str = props
        .get("Handler")
        .map(|h| scope.render(h))
        .unwrap_or_default();
    let runtime = props.get("Runtime").map(|r| scope.render(r));
    let function_name = props
        .get("FunctionName")
        .map(|n| scope.render(n))
        .filter(|n| !n.contains("${"));
    let mut note = None;
    let code: Option<PathBuf> = {
        let asset = metadata
            .and_then(|m| m.get("aws:asset:path"))
            .and_then(Value::as_str);
        let code_prop = if sam {
            props.get("CodeUri")
        } else {
            props.get("Code")
        };
        match (code_prop, asset) {
            (_, Some(asset)) => Some(template_dir.join(asset)),
            (Some(Value::String(s)), _) => Some(template_dir.join(s)),
            (Some(Value::Object(o)), _) if o.contains_key("ZipFile") => {
                note = Some("the code is inline in the template (ZipFile)".to_string());
                None
            }
            (Some(_), _) => {
                note = Some("the code is in S3, not in the repository".to_string());
                None
            }
            (None, _) if props.get("InlineCode").is_some() => {
                note = Some("the code is inline in the template (InlineCode)".to_string());
                None
            }
            (None, _) if props.get("ImageUri").is_some() || props.get("PackageType").is_some() => {
                note = Some("the function is a container image".to_string());
                None
            }
            (None, _) => {
                // SAM without CodeUri builds from the template directory.
                if sam {
                    Some(template_dir.to_path_buf())
                } else {
                    note = Some("the function has no Code property".to_string());
                    None
                }
            }
        }
    };
    let entry_points: Vec<String> = metadata
        .and_then(|m| m.get("BuildProperties"))
        .and_then(|p| p.get("EntryPoints"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let code_dir = code.as_deref().map(normalize);
    let handler_file = match &code_dir {
        Some(dir) if handler::runtime_is_analysable(runtime.as_deref()) => {
            let f =
                handler::resolve_handler_file(dir, &handler_str, runtime.as_deref(), &entry_points);
            if f.is_none() {
                note = Some(format!(
                    "no source file for handler `{handler_str}` under {}",
                    dir.display()
                ));
            }
            f
        }
        Some(_) => {
            note = Some(format!(
                "runtime {} is not analysed (JavaScript, TypeScript and Python are)",
                runtime.as_deref().unwrap_or("?")
            ));
            None
        }
        None => None,
    };
    let (_, export) = handler::split_handler(&handler_str, runtime.as_deref());
    let mut environment = IndexMap::new();
    let mut environment_source = IndexMap::new();
    if let Some(vars) = props
        .get("Environment")
        .and_then(|e| e.get("Variables"))
        .and_then(Value::as_object)
    {
        for (k, v) in vars {
            environment_source.insert(k.clone(), v.clone());
            environment.insert(k.clone(), Value::String(scope.render(v)));
        }
    }
    let architecture = props
        .get("Architectures")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .map(|a| scope.render(a));
    Function {
        id: id.to_string(),
        function_name,
        handler: handler_str,
        runtime,
        code_dir: code_dir.map(|d| b.relative(&d)).unwrap_or_default(),
        handler_file,
        handler_export: export,
        environment,
        memory_mb: number(props.get("MemorySize")),
        timeout_s: number(props.get("Timeout")),
        architecture,
        template: template.to_path_buf(),
        environment_source,
        handler_note: note,
        construct,
    }
}

/// The logical id a role expression names (`!GetAtt Role.Arn`, `!Ref Role`, `${Role.Arn}`).
fn role_id(expr: Option<&Value>) -> Option<String> {
    let expr = expr?;
    if let Some(id) = expr.get("Ref").and_then(Value::as_str) {
        return Some(id.to_string());
    }
    if let Some((id, _)) = expr.get("Fn::GetAtt").and_then(super::refs::get_att_parts) {
        return Some(id);
    }
    None
}

fn load_state_machine(
    b: &mut Builder,
    scope_idx: usize,
    template: &Path,
    template_text: &str,
    template_dir: &Path,
    id: &str,
    res: &Value,
) -> Result<(), InputError> {
    let props = res.get("Properties").cloned().unwrap_or(Value::Null);
    let pointer = format!("/Resources/{id}/Properties");
    let scope = b.scopes[scope_idx].clone();
    let mut vars: IndexMap<String, Value> = props
        .get("DefinitionSubstitutions")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let inline_origin = DefinitionOrigin::TemplateInline {
        template: template.to_path_buf(),
        resource: id.to_string(),
    };
    let (raw, origin, definition_file) = if let Some(uri) = props.get("DefinitionUri") {
        match uri {
            Value::String(rel) => {
                let file = normalize(&template_dir.join(rel));
                b.claimed_files.insert(file.clone());
                let text = InputError::read_text(&file)?;
                let raw = yaml::parse_by_extension(&file, &text)?;
                if !raw.is_object() {
                    return Err(InputError::new(
                        &file,
                        "the state machine definition is not a JSON object",
                    ));
                }
                if let Some(dir) = file.parent() {
                    b.collect_sample_inputs(dir);
                    if let Some(parent) = dir.parent() {
                        b.collect_sample_inputs(parent);
                    }
                }
                let origin = DefinitionOrigin::SamDefinitionUri {
                    template: template.to_path_buf(),
                    resource: id.to_string(),
                    path: file.clone(),
                };
                (raw, origin, file)
            }
            _ => {
                b.unresolved(
                    template,
                    id,
                    "DefinitionUri points at S3; the definition is not in the repository",
                );
                return Ok(());
            }
        }
    } else if let Some(def) = props.get("Definition") {
        (def.clone(), inline_origin, template.to_path_buf())
    } else if let Some(def) = props.get("DefinitionString") {
        let Some(DefinitionText { text, vars: more }) = definition::from_expression(def, &scope)
        else {
            b.unresolved(
                template,
                id,
                "DefinitionString is built by an expression discovery does not evaluate",
            );
            return Ok(());
        };
        for (k, v) in more {
            vars.entry(k).or_insert(v);
        }
        let dt = DefinitionText {
            text,
            vars: vars.clone(),
        };
        let raw = definition::parse_text(
            template,
            &format!("{pointer}/DefinitionString"),
            &dt,
            &scope,
        )?;
        (raw, inline_origin, template.to_path_buf())
    } else if props.get("DefinitionS3Location").is_some() {
        b.unresolved(
            template,
            id,
            "DefinitionS3Location points at S3; the definition is not in the repository",
        );
        return Ok(());
    } else {
        b.unresolved(template, id, "the state machine has no definition");
        return Ok(());
    };
    let _ = template_text;
    let definition = definition::apply_substitutions(&raw, &vars, &scope);
    let workflow_type = props
        .get("Type")
        .or_else(|| props.get("StateMachineType"))
        .map(|t| scope.render(t))
        .unwrap_or_else(|| "STANDARD".to_string());
    let construct = res
        .get("Metadata")
        .and_then(|m| m.get("aws:cdk:path"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let sm = StateMachine {
        name: id.to_string(),
        origin,
        raw_definition: raw,
        definition,
        substitutions: vars,
        workflow_type,
        role: role_id(props.get("Role").or_else(|| props.get("RoleArn"))),
        policies: props.get("Policies").cloned(),
        definition_file,
        construct,
    };
    b.project.state_machines.push(sm);
    b.machine_scopes.push(scope_idx);
    Ok(())
}
