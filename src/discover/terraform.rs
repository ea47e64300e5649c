//! Terraform: each directory of `.tf` files is one module (one scope). Reads
//! `aws_lambda_function` (function_name, handler, runtime, memory_size, timeout, architectures,
//! environment.variables, and the code from `filename` = an `archive_file` data source's
//! `source_dir` / `source_file`), the terraform-aws-modules/lambda module (`source_path`),
//! `aws_sfn_state_machine` (`definition` = `jsonencode({...})`, `templatefile(path, vars)`,
//! `file(path)` or a literal / heredoc string), and tables, queues, topics and buses.
//! Resource arguments: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_function
//! and .../sfn_state_machine; defaults memory_size 128, timeout 3 (same page).

use super::definition::{self, DefinitionText};
use super::hcl::{self, Block};
use super::model::{DefinitionOrigin, Function, StateMachine};
use super::refs::{Flavour, Scope, ScopeResource};
use super::{cfn, handler, normalize, Builder};
use crate::error::InputError;
use indexmap::IndexMap;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Groups the collected `.tf` files by directory and loads each module.
pub fn load_modules(b: &mut Builder) -> Result<(), InputError> {
    let mut modules: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in std::mem::take(&mut b.terraform_files) {
        let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
        modules.entry(dir).or_default().push(f);
    }
    for (dir, files) in modules {
        load_module(b, &dir, &files)?;
    }
    Ok(())
}

/// A block with the file it came from.
struct Located {
    file: PathBuf,
    block: Block,
}

fn load_module(b: &mut Builder, dir: &Path, files: &[PathBuf]) -> Result<(), InputError> {
    let mut blocks = Vec::new();
    for f in files {
        let text = InputError::read_text(f)?;
        for block in hcl::parse(f, &text)? {
            blocks.push(Located {
                file: f.clone(),
                block,
            });
        }
    }
    let mut scope = Scope::new(
        Flavour::Terraform,
        files.first().cloned().unwrap_or_default(),
    );
    let module_dir = if dir.as_os_str().is_empty() {
        ".".to_string()
    } else {
        dir.display().to_string()
    };
    scope
        .parameters
        .insert("path.module".into(), Value::String(module_dir.clone()));
    scope
        .parameters
        .insert("path.root".into(), Value::String(module_dir));
    for Located { block, .. } in &blocks {
        match (block.kind.as_str(), block.labels.as_slice()) {
            ("variable", [name]) => {
                if let Some(d) = block.body.get("default") {
                    scope.parameters.insert(format!("var.{name}"), d.clone());
                }
            }
            ("locals", []) => {
                for (k, v) in &block.body {
                    scope.parameters.insert(format!("local.{k}"), v.clone());
                }
            }
            ("resource", [ty, name]) => {
                scope.resources.insert(
                    format!("{ty}.{name}"),
                    ScopeResource {
                        resource_type: ty.clone(),
                        properties: Value::Object(block.body.clone()),
                    },
                );
            }
            ("data", [ty, name]) => {
                scope.resources.insert(
                    format!("data.{ty}.{name}"),
                    ScopeResource {
                        resource_type: format!("data.{ty}"),
                        properties: Value::Object(block.body.clone()),
                    },
                );
            }
            ("module", [name]) if is_lambda_module(block) => {
                scope.resources.insert(
                    format!("module.{name}"),
                    ScopeResource {
                        resource_type: "aws_lambda_function".into(),
                        properties: Value::Object(block.body.clone()),
                    },
                );
            }
            _ => {}
        }
    }
    let scope_idx = b.scopes.len();
    b.scopes.push(scope);
    cfn::register_targets(b, scope_idx);

    for Located { file, block } in &blocks {
        let address = match (block.kind.as_str(), block.labels.as_slice()) {
            ("resource", [ty, name]) if ty == "aws_lambda_function" => format!("{ty}.{name}"),
            ("module", [name]) if is_lambda_module(block) => format!("module.{name}"),
            _ => continue,
        };
        let f = function_from(b, scope_idx, file, dir, &address, block);
        let idx = b.project.functions.len();
        b.project.functions.push(f);
        b.scopes[scope_idx].functions.insert(address, idx);
    }
    for Located { file, block } in &blocks {
        if let ("resource", [ty, name]) = (block.kind.as_str(), block.labels.as_slice()) {
            if ty == "aws_sfn_state_machine" {
                load_state_machine(b, scope_idx, file, dir, &format!("{ty}.{name}"), block)?;
            }
        }
    }
    b.collect_sample_inputs(dir);
    Ok(())
}

fn is_lambda_module(block: &Block) -> bool {
    block
        .body
        .get("source")
        .and_then(Value::as_str)
        .map(|s| s.contains("terraform-aws-modules/lambda"))
        .unwrap_or(false)
}

/// A path argument rendered in the module (`${path.module}/src` → `dir/src`), joined to `dir`
/// when relative.
fn module_path(scope: &Scope, dir: &Path, v: &Value) -> Option<PathBuf> {
    let s = scope.render(v);
    if s.contains("${") {
        return None;
    }
    let p = Path::new(&s);
    Some(normalize(&if p.is_absolute() || p.starts_with(dir) {
        p.to_path_buf()
    } else {
        dir.join(p)
    }))
}

fn function_from(
    b: &Builder,
    scope_idx: usize,
    file: &Path,
    dir: &Path,
    address: &str,
    block: &Block,
) -> Function {
    let scope = &b.scopes[scope_idx];
    let body = &block.body;
    let text = |k: &str| {
        body.get(k)
            .map(|v| scope.render(v))
            .filter(|s| !s.contains("${"))
    };
    let handler_str = text("handler").unwrap_or_default();
    let runtime = text("runtime");
    let mut note = None;
    // Where the code is: an archive_file's source, a module's source_path, or nothing local.
    let code: Option<(PathBuf, Option<String>)> = if let Some(sp) = body.get("source_path") {
        module_path(scope, dir, sp).map(|p| (p, None))
    } else if let Some(filename) = body.get("filename") {
        let archive = filename
            .as_str()
            .and_then(|s| s.strip_prefix("${data.archive_file."))
            .and_then(|s| s.split('.').next())
            .and_then(|name| scope.resources.get(&format!("data.archive_file.{name}")));
        match archive {
            Some(a) => {
                if let Some(sd) = a.properties.get("source_dir") {
                    module_path(scope, dir, sd).map(|p| (p, None))
                } else if let Some(sf) = a.properties.get("source_file") {
                    module_path(scope, dir, sf).map(|p| {
                        let stem = p.file_name().and_then(|n| n.to_str()).map(str::to_string);
                        (p.parent().map(Path::to_path_buf).unwrap_or_default(), stem)
                    })
                } else {
                    None
                }
            }
            None => {
                note = Some(
                    "the code is a prebuilt archive (`filename`), not a source directory"
                        .to_string(),
                );
                None
            }
        }
    } else if body.get("image_uri").is_some() {
        note = Some("the function is a container image".to_string());
        None
    } else {
        note = Some("the code is in S3, not in the repository".to_string());
        None
    };
    let handler_file = match &code {
        Some((code_dir, single_file)) if handler::runtime_is_analysable(runtime.as_deref()) => {
            let found =
                handler::resolve_handler_file(code_dir, &handler_str, runtime.as_deref(), &[])
                    .or_else(|| {
                        // archive_file with source_file: that file is the handler.
                        single_file
                            .as_ref()
                            .map(|f| code_dir.join(f))
                            .filter(|p| p.is_file())
                    });
            if found.is_none() {
                note = Some(format!(
                    "no source file for handler `{handler_str}` under {}",
                    code_dir.display()
                ));
            }
            found
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
    let mut environment_source = IndexMap::new();
    let vars = body
        .get("environment")
        .and_then(|e| e.get("variables"))
        .or_else(|| body.get("environment_variables"));
    if let Some(m) = vars.and_then(Value::as_object) {
        for (k, v) in m {
            environment_source.insert(k.clone(), v.clone());
        }
    }
    let environment = environment_source
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(scope.render(v))))
        .collect();
    let number = |k: &str| match body.get(k) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(v) => scope.render(v).parse().ok(),
        None => None,
    };
    let (_, export) = handler::split_handler(&handler_str, runtime.as_deref());
    Function {
        id: address.to_string(),
        function_name: text("function_name"),
        handler: handler_str,
        runtime,
        code_dir: code
            .as_ref()
            .map(|(d, _)| b.relative(d))
            .unwrap_or_default(),
        handler_file,
        handler_export: export,
        environment,
        memory_mb: number("memory_size"),
        timeout_s: number("timeout"),
        architecture: body
            .get("architectures")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .map(|a| scope.render(a)),
        template: file.to_path_buf(),
        environment_source,
        handler_note: note,
        construct: None,
    }
}

fn load_state_machine(
    b: &mut Builder,
    scope_idx: usize,
    file: &Path,
    dir: &Path,
    address: &str,
    block: &Block,
) -> Result<(), InputError> {
    let scope = b.scopes[scope_idx].clone();
    let Some(def) = block.body.get("definition") else {
        b.unresolved(file, address, "the state machine has no definition");
        return Ok(());
    };
    let pointer = format!("/{address}/definition");
    let call = def.get("Fn::Call");
    let name = call.and_then(|c| c.get("name")).and_then(Value::as_str);
    let args: Vec<Value> = call
        .and_then(|c| c.get("args"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (raw, vars, definition_file) = match (name, def) {
        (Some("jsonencode"), _) => {
            let raw = args.first().cloned().unwrap_or(Value::Null);
            (raw, IndexMap::new(), None)
        }
        (Some("templatefile") | Some("file"), _) => {
            let Some(path) = args.first().and_then(|a| module_path(&scope, dir, a)) else {
                b.unresolved(file, address, "the definition file path is computed");
                return Ok(());
            };
            b.claimed_files.insert(path.clone());
            let text = InputError::read_text(&path)?;
            let vars: IndexMap<String, Value> = args
                .get(1)
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            let dt = DefinitionText {
                text,
                vars: vars.clone(),
            };
            let raw = definition::parse_text(&path, "", &dt, &scope)?;
            (raw, vars, Some(path))
        }
        (None, Value::String(s)) => {
            let dt = DefinitionText {
                text: s.clone(),
                vars: IndexMap::new(),
            };
            let raw = definition::parse_text(file, &pointer, &dt, &scope)?;
            (raw, IndexMap::new(), None)
        }
        _ => {
            b.unresolved(
                file,
                address,
                "the definition is built by an expression discovery does not evaluate",
            );
            return Ok(());
        }
    };
    if !raw.is_object() {
        b.unresolved(file, address, "the definition is not a JSON object");
        return Ok(());
    }
    // Every `${...}` left in the definition stands for a Terraform expression.
    let mut substitutions = vars;
    collect_vars(&raw, &scope, &mut substitutions);
    let resolved = definition::apply_substitutions(&raw, &substitutions, &scope);
    let workflow_type = block
        .body
        .get("type")
        .map(|t| scope.render(t).to_ascii_uppercase())
        .unwrap_or_else(|| "STANDARD".into());
    let role = block
        .body
        .get("role_arn")
        .and_then(Value::as_str)
        .and_then(|s| s.strip_prefix("${"))
        .and_then(|s| s.strip_suffix(".arn}"))
        .map(str::to_string);
    b.project.state_machines.push(StateMachine {
        name: address.to_string(),
        origin: DefinitionOrigin::Terraform {
            path: file.to_path_buf(),
            resource: address.to_string(),
            definition_file: definition_file.clone(),
        },
        raw_definition: raw,
        definition: resolved,
        substitutions,
        workflow_type,
        role,
        policies: None,
        definition_file: definition_file.unwrap_or_else(|| file.to_path_buf()),
        construct: None,
    });
    b.machine_scopes.push(scope_idx);
    Ok(())
}

fn collect_vars(v: &Value, scope: &Scope, out: &mut IndexMap<String, Value>) {
    match v {
        Value::String(s) => {
            for name in super::refs::template_vars(s) {
                if !out.contains_key(&name) {
                    let e = scope.var_expr(&name);
                    if e != json!(format!("${{{name}}}")) {
                        out.insert(name, e);
                    }
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_vars(i, scope, out)),
        Value::Object(m) => m.values().for_each(|i| collect_vars(i, scope, out)),
        _ => {}
    }
}
