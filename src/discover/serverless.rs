//! Serverless Framework projects (`serverless.yml`) with the serverless-step-functions plugin:
//! `functions:` (handler, runtime, memorySize, timeout, environment, name), state machines under
//! `stepFunctions.stateMachines.<key>.definition`, and CloudFormation under `resources.Resources`.
//!
//! Function logical ids are `<NormalizedKey>LambdaFunction` and default names
//! `<service>-<stage>-<key>` (https://www.serverless.com/framework/docs/providers/aws/guide/resources);
//! a state machine may name a function by key (`Fn::GetAtt: [hello, Arn]`), by logical id
//! (`!GetAtt HelloLambdaFunction.Arn`) or by ARN (https://github.com/serverless-operations/serverless-step-functions).
//! Defaults when unset: memorySize 1024 MB, timeout 6 s
//! (https://www.serverless.com/framework/docs/providers/aws/guide/functions).

use super::cfn;
use super::definition;
use super::handler;
use super::model::{DefinitionOrigin, Function, StateMachine};
use super::refs::{Flavour, Scope, ScopeResource, ACCOUNT, REGION};
use super::{normalize, yaml, Builder};
use crate::error::InputError;
use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use std::path::Path;

const DEFAULT_MEMORY_MB: u64 = 1024;
const DEFAULT_TIMEOUT_S: u64 = 6;

pub fn load(b: &mut Builder, path: &Path) -> Result<(), InputError> {
    let text = InputError::read_text(path)?;
    let mut doc = yaml::parse_by_extension(path, &text)?;
    if !doc.is_object() {
        return Err(InputError::new(path, "serverless file is not a mapping"));
    }
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let vars = Variables::of(&doc, &dir);
    let mut claimed = Vec::new();
    vars.resolve_all(&mut doc, &mut claimed, 0)?;
    for c in claimed {
        b.claimed_files.insert(c);
    }

    let mut scope = Scope::new(Flavour::Cfn, path.to_path_buf());
    if let Some(res) = doc
        .get("resources")
        .and_then(|r| r.get("Resources"))
        .and_then(Value::as_object)
    {
        cfn::add_resources(&mut scope, res);
    }
    let provider = doc.get("provider").cloned().unwrap_or(Value::Null);
    let empty = Map::new();
    let functions = doc
        .get("functions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    // Functions are resources of the generated stack; naming them lets `!GetAtt XLambdaFunction.Arn`
    // and `Fn::GetAtt: [x, Arn]` render to their ARNs.
    for (key, f) in functions {
        let name = function_name(&vars, key, f);
        let props = json!({ "FunctionName": name });
        for id in [key.clone(), logical_id(key)] {
            scope.resources.insert(
                id,
                ScopeResource {
                    resource_type: "AWS::Lambda::Function".into(),
                    properties: props.clone(),
                },
            );
        }
    }
    let scope_idx = b.scopes.len();
    b.scopes.push(scope);
    cfn::register_targets(b, scope_idx);

    for (key, f) in functions {
        let func = function_from(b, scope_idx, path, &dir, &vars, &provider, key, f);
        let idx = b.project.functions.len();
        b.project.functions.push(func);
        let scope = &mut b.scopes[scope_idx];
        scope.functions.insert(key.clone(), idx);
        scope.functions.insert(logical_id(key), idx);
    }

    let machines = doc
        .get("stepFunctions")
        .and_then(|s| s.get("stateMachines"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (key, sm) in machines {
        let Some(def) = sm.get("definition") else {
            b.unresolved(path, &key, "the state machine has no definition");
            continue;
        };
        let raw = match def {
            Value::String(s) => {
                let scope = &b.scopes[scope_idx];
                let d = definition::DefinitionText {
                    text: s.clone(),
                    vars: IndexMap::new(),
                };
                definition::parse_text(
                    path,
                    &format!("/stepFunctions/stateMachines/{key}/definition"),
                    &d,
                    scope,
                )?
            }
            Value::Object(_) => def.clone(),
            _ => {
                b.unresolved(
                    path,
                    &key,
                    "the definition is neither a mapping nor a string",
                );
                continue;
            }
        };
        let scope = &b.scopes[scope_idx];
        let definition = definition::apply_substitutions(&raw, &IndexMap::new(), scope);
        let workflow_type = sm
            .get("type")
            .and_then(Value::as_str)
            .map(|t| t.to_ascii_uppercase())
            .unwrap_or_else(|| "STANDARD".into());
        let role = sm.get("role").and_then(|r| {
            r.get("Fn::GetAtt")
                .and_then(super::refs::get_att_parts)
                .map(|(id, _)| id)
                .or_else(|| r.get("Ref").and_then(Value::as_str).map(str::to_string))
        });
        b.project.state_machines.push(StateMachine {
            name: key.clone(),
            origin: DefinitionOrigin::Serverless {
                path: path.to_path_buf(),
                name: key.clone(),
            },
            raw_definition: raw,
            definition,
            substitutions: IndexMap::new(),
            workflow_type,
            role,
            policies: None,
            definition_file: path.to_path_buf(),
            construct: None,
        });
        b.machine_scopes.push(scope_idx);
    }
    b.collect_sample_inputs(&dir);
    Ok(())
}

/// `hello-world_fn` → `HelloDashworldUnderscorefnLambdaFunction`: first letter upper-cased,
/// `-` → `Dash`, `_` → `Underscore` (Serverless's normalizeName).
pub fn logical_id(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        match c {
            '-' => out.push_str("Dash"),
            '_' => out.push_str("Underscore"),
            c if i == 0 => out.extend(c.to_uppercase()),
            c => out.push(c),
        }
    }
    out.push_str("LambdaFunction");
    out
}

fn function_name(vars: &Variables, key: &str, f: &Value) -> String {
    f.get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}-{}-{key}", vars.service, vars.stage))
}

#[allow(clippy::too_many_arguments)]
fn function_from(
    b: &Builder,
    scope_idx: usize,
    path: &Path,
    dir: &Path,
    vars: &Variables,
    provider: &Value,
    key: &str,
    f: &Value,
) -> Function {
    let scope = &b.scopes[scope_idx];
    let get = |k: &str| f.get(k).or_else(|| provider.get(k));
    let handler_str = f
        .get("handler")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let runtime = get("runtime").and_then(Value::as_str).map(str::to_string);
    let mut environment_source = IndexMap::new();
    for src in [provider.get("environment"), f.get("environment")]
        .into_iter()
        .flatten()
    {
        if let Some(m) = src.as_object() {
            for (k, v) in m {
                environment_source.insert(k.clone(), v.clone());
            }
        }
    }
    let environment = environment_source
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(scope.render(v))))
        .collect();
    let mut note = None;
    let handler_file = if f.get("image").is_some() {
        note = Some("the function is a container image".to_string());
        None
    } else if !handler::runtime_is_analysable(runtime.as_deref()) {
        note = Some(format!(
            "runtime {} is not analysed (JavaScript, TypeScript and Python are)",
            runtime.as_deref().unwrap_or("?")
        ));
        None
    } else {
        let found = handler::resolve_handler_file(dir, &handler_str, runtime.as_deref(), &[]);
        if found.is_none() {
            note = Some(format!(
                "no source file for handler `{handler_str}` under {}",
                dir.display()
            ));
        }
        found
    };
    let number = |k: &str| match get(k) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    let (_, export) = handler::split_handler(&handler_str, runtime.as_deref());
    Function {
        id: key.to_string(),
        function_name: Some(function_name(vars, key, f)),
        handler: handler_str,
        runtime,
        code_dir: b.relative(&normalize(dir)),
        handler_file,
        handler_export: export,
        environment,
        memory_mb: number("memorySize").or(Some(DEFAULT_MEMORY_MB)),
        timeout_s: number("timeout").or(Some(DEFAULT_TIMEOUT_S)),
        architecture: get("architecture")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(Some("x86_64".into())),
        template: path.to_path_buf(),
        environment_source,
        handler_note: note,
        construct: None,
    }
}

/// Serverless variables (`${self:...}`, `${opt:stage, 'dev'}`, `${sls:stage}`, `${aws:region}`,
/// `${file(...)}`) and the pseudo-parameters plugin's `#{AWS::Region}`.
/// https://www.serverless.com/framework/docs/providers/aws/guide/variables
struct Variables {
    doc: Value,
    dir: std::path::PathBuf,
    service: String,
    stage: String,
    region: String,
}

impl Variables {
    fn of(doc: &Value, dir: &Path) -> Self {
        let service = match doc.get("service") {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("service")
                .to_string(),
            None => "service".into(),
        };
        let provider = doc.get("provider");
        let plain = |k: &str, d: &str| {
            provider
                .and_then(|p| p.get(k))
                .and_then(Value::as_str)
                .filter(|s| !s.contains("${"))
                .unwrap_or(d)
                .to_string()
        };
        Variables {
            doc: doc.clone(),
            dir: dir.to_path_buf(),
            service,
            stage: plain("stage", "dev"),
            region: plain("region", REGION),
        }
    }

    fn resolve_all(
        &self,
        v: &mut Value,
        claimed: &mut Vec<std::path::PathBuf>,
        depth: usize,
    ) -> Result<(), InputError> {
        if depth > 64 {
            return Ok(());
        }
        match v {
            Value::String(s) => {
                if let Some(new) = self.resolve_string(s, claimed)? {
                    *v = new;
                    if v.is_object() || v.is_array() {
                        self.resolve_all(v, claimed, depth + 1)?;
                    }
                }
            }
            Value::Array(items) => {
                for i in items {
                    self.resolve_all(i, claimed, depth + 1)?;
                }
            }
            Value::Object(map) => {
                for (_, x) in map.iter_mut() {
                    self.resolve_all(x, claimed, depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The new value of a string with variables, or None when nothing changed.
    fn resolve_string(
        &self,
        s: &str,
        claimed: &mut Vec<std::path::PathBuf>,
    ) -> Result<Option<Value>, InputError> {
        let mut cur = s.replace("#{", "${");
        let mut changed = cur != s;
        for _ in 0..10 {
            let Some((start, end, inner)) = innermost_serverless_var(&cur) else {
                break;
            };
            let value = self.lookup(inner, claimed)?;
            match value {
                Some(val) if start == 0 && end == cur.len() && !val.is_string() => {
                    return Ok(Some(val));
                }
                Some(val) => {
                    let text = match val {
                        Value::String(t) => t,
                        other => other.to_string(),
                    };
                    cur = format!("{}{}{}", &cur[..start], text, &cur[end..]);
                    changed = true;
                }
                None => break,
            }
        }
        Ok(changed.then_some(Value::String(cur)))
    }

    fn lookup(
        &self,
        inner: &str,
        claimed: &mut Vec<std::path::PathBuf>,
    ) -> Result<Option<Value>, InputError> {
        let (source, default) = match split_default(inner) {
            (s, Some(d)) => (s, Some(d)),
            (s, None) => (s, None),
        };
        let default_value = || {
            default.map(|d| {
                let d = d.trim();
                Value::String(d.trim_matches(|c| c == '\'' || c == '"').to_string())
            })
        };
        let source = source.trim();
        if let Some(addr) = source.strip_prefix("self:") {
            let found = addr
                .split('.')
                .try_fold(&self.doc, |v, k| v.get(k))
                .cloned();
            return Ok(found.or_else(default_value));
        }
        if let Some(opt) = source.strip_prefix("opt:") {
            return Ok(default_value().or(match opt {
                "stage" => Some(Value::String(self.stage.clone())),
                "region" => Some(Value::String(self.region.clone())),
                _ => None,
            }));
        }
        match source {
            "sls:stage" => return Ok(Some(Value::String(self.stage.clone()))),
            "aws:region" => return Ok(Some(Value::String(self.region.clone()))),
            "aws:accountId" => return Ok(Some(Value::String(ACCOUNT.into()))),
            _ => {}
        }
        if let Some(rest) = source.strip_prefix("file(") {
            if let Some((file, sub)) = rest.split_once(')') {
                let p = normalize(&self.dir.join(file.trim()));
                let text = InputError::read_text(&p)?;
                let mut v = yaml::parse_by_extension(&p, &text)?;
                claimed.push(p);
                if let Some(key) = sub.strip_prefix(':') {
                    v = key
                        .split('.')
                        .try_fold(&v, |v, k| v.get(k))
                        .cloned()
                        .unwrap_or(Value::Null);
                }
                return Ok(Some(v));
            }
        }
        Ok(default_value())
    }
}

/// Serverless sources; `${Name}` without one is a CloudFormation Fn::Sub variable.
const SOURCES: &[&str] = &[
    "self:", "opt:", "sls:", "env:", "file(", "ssm:", "cf:", "s3:", "aws:", "param:",
];

/// The innermost `${source:...}` variable: (start, end, inner text).
fn innermost_serverless_var(s: &str) -> Option<(usize, usize, &str)> {
    let mut search = 0;
    while let Some(rel) = s[search..].find("${") {
        let start = search + rel;
        let body = &s[start + 2..];
        let close = body.find('}')?;
        let inner = &body[..close];
        // A nested `${` inside: look at the inner one first.
        if let Some(nested) = inner.find("${") {
            search = start + 2 + nested;
            continue;
        }
        if SOURCES.iter().any(|p| inner.trim_start().starts_with(p)) {
            return Some((start, start + 2 + close + 1, inner));
        }
        search = start + 2;
    }
    None
}

/// `opt:stage, 'dev'` → ("opt:stage", Some("'dev'")).
fn split_default(inner: &str) -> (&str, Option<&str>) {
    match inner.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (inner, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_follow_serverless_normalisation() {
        assert_eq!(logical_id("hello"), "HelloLambdaFunction");
        assert_eq!(
            logical_id("save-order_fn"),
            "SaveDashorderUnderscorefnLambdaFunction"
        );
    }

    #[test]
    fn resolves_variables() {
        let doc =
            json!({"service": "orders", "provider": {"stage": "prod"}, "custom": {"t": "tbl"}});
        let v = Variables::of(&doc, Path::new("."));
        let mut claimed = Vec::new();
        let r = |s: &str, claimed: &mut Vec<_>| v.resolve_string(s, claimed).unwrap();
        assert_eq!(
            r("${self:service}-${opt:stage, 'dev'}-save", &mut claimed),
            Some(json!("orders-dev-save"))
        );
        assert_eq!(r("${sls:stage}", &mut claimed), Some(json!("prod")));
        assert_eq!(
            r("${opt:stage, ${self:provider.stage}}", &mut claimed),
            Some(json!("prod"))
        );
        assert_eq!(
            r("arn:aws:lambda:#{AWS::Region}:x", &mut claimed),
            Some(json!("arn:aws:lambda:${AWS::Region}:x"))
        );
        assert_eq!(r("${self:custom.t}", &mut claimed), Some(json!("tbl")));
        assert_eq!(r("${Plain}", &mut claimed), None);
    }
}
