//! Every handler fixture the audit calls replaceable (fixtures/handlers/expected.json) is rewritten
//! inside a minimal state machine, in both invocation styles, and verify proves the rewrite.
//!
//! The project around each handler is built from what the handler itself uses: every environment
//! variable that names a table, queue, topic, bus or bucket gets such a resource in the template,
//! and the sample input holds a string at every event path the handler reads.

use super::*;
use crate::analysis::model::*;
use crate::discover::model::*;
use indexmap::IndexMap;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:fixture-handler";

/// What the failure of a skipped fixture must show for its listed reason to be the right one
/// (a listed fixture failing for another reason fails the test). No listed reason names a sign
/// at present; a reason that does gets its arm here.
fn reason_sign(_reason: &str) -> &'static [&'static str] {
    &[]
}

/// Fixtures the test does not expect to be rewritten and proven, with the reason: (file, style
/// name, "jsonpath", "jsonata" or "*", reason). The reasons name the part that has to change; a listed fixture that starts
/// passing fails the test until it is taken off the list.
const SKIPS: &[(&str, &str, &str)] = &[];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/handlers")
}

struct Fixture {
    file: String,
    function: String,
    env: IndexMap<String, String>,
    /// A sample event of the handler's declared types (`sample` in expected.json), where strings
    /// at every path the handler reads would not do (a map parameter).
    sample: Option<Value>,
}

fn replaceable_fixtures() -> Vec<Fixture> {
    let text = std::fs::read_to_string(fixtures_dir().join("expected.json")).unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    all.iter()
        .filter(|e| {
            matches!(
                e["verdict"].as_str(),
                Some("replaceable" | "replaceable-with-transform")
            )
        })
        .map(|e| Fixture {
            file: e["file"].as_str().unwrap().to_string(),
            function: e["function"].as_str().unwrap().to_string(),
            env: e
                .get("env")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            sample: e.get("sample").cloned(),
        })
        .collect()
}

/// A template resource an environment variable names, by the request parameter it feeds.
fn resource_for(
    param: &str,
    env_name: &str,
    given: Option<&str>,
    item_keys: &[(String, String)],
) -> Option<Resource> {
    // A value given in expected.json names the resource (its last ARN or URL segment).
    let name = match given {
        // The last segment of an ARN or URL; `family:revision` after a slash names the family.
        Some(v) => match v.rsplit_once('/') {
            Some((_, tail)) => match tail.rsplit_once(':') {
                Some((family, rev)) if rev.bytes().all(|b| b.is_ascii_digit()) => family,
                _ => tail,
            },
            None => v.rsplit(':').next().unwrap_or(v),
        }
        .to_string(),
        None => format!("fixture-{}", env_name.to_lowercase().replace('_', "-")),
    };
    let id = env_name
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| {
                    f.to_uppercase()
                        .chain(c.flat_map(char::to_lowercase))
                        .collect::<String>()
                })
                .unwrap_or_default()
        })
        .collect::<String>();
    let (resource_type, properties, arn, ref_value) = match param {
        "TableName" => {
            let (pk, pk_type) = item_keys
                .iter()
                .find(|(k, _)| k == "id")
                .or(item_keys.first())
                .cloned()
                .unwrap_or(("id".into(), "S".into()));
            (
                "AWS::DynamoDB::Table",
                json!({
                    "TableName": name,
                    "KeySchema": [{"AttributeName": pk, "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": pk, "AttributeType": pk_type}],
                }),
                format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"),
                name.clone(),
            )
        }
        "QueueUrl" => (
            "AWS::SQS::Queue",
            json!({ "QueueName": name }),
            format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"),
            format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"),
        ),
        "TopicArn" | "TargetArn" => {
            let arn = format!("arn:aws:sns:{REGION}:{ACCOUNT}:{name}");
            (
                "AWS::SNS::Topic",
                json!({ "TopicName": name }),
                arn.clone(),
                arn,
            )
        }
        "EventBusName" => (
            "AWS::Events::EventBus",
            json!({ "Name": name }),
            format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"),
            name.clone(),
        ),
        "Bucket" => (
            "AWS::S3::Bucket",
            json!({ "BucketName": name }),
            format!("arn:aws:s3:::{name}"),
            name.clone(),
        ),
        // Ref of a secret returns its ARN; the world finds a secret by name or ARN.
        "SecretId" => (
            "AWS::SecretsManager::Secret",
            json!({ "Name": name, "SecretString": "fixture-secret-value" }),
            format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}"),
            name.clone(),
        ),
        "Name" => (
            "AWS::SSM::Parameter",
            json!({ "Name": name, "Type": "String", "Value": "fixture-parameter-value" }),
            format!(
                "arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{}",
                name.trim_start_matches('/')
            ),
            name.clone(),
        ),
        "WorkGroup" => (
            "AWS::Athena::WorkGroup",
            json!({ "Name": name, "WorkGroupConfiguration": {
                "ResultConfiguration": { "OutputLocation": "s3://fixture-athena-results/" } } }),
            format!("arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/{name}"),
            name.clone(),
        ),
        "jobQueue" | "JobQueue" => {
            let arn = format!("arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/{name}");
            (
                "AWS::Batch::JobQueue",
                json!({ "JobQueueName": name }),
                arn.clone(),
                arn,
            )
        }
        "jobDefinition" | "JobDefinition" => {
            let arn = format!("arn:aws:batch:{REGION}:{ACCOUNT}:job-definition/{name}:1");
            (
                "AWS::Batch::JobDefinition",
                json!({ "JobDefinitionName": name, "Type": "container" }),
                arn.clone(),
                arn,
            )
        }
        "projectName" | "ProjectName" => (
            "AWS::CodeBuild::Project",
            json!({ "Name": name }),
            format!("arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{name}"),
            name.clone(),
        ),
        "cluster" | "Cluster" => (
            "AWS::ECS::Cluster",
            json!({ "ClusterName": name }),
            format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}"),
            name.clone(),
        ),
        "taskDefinition" | "TaskDefinition" => {
            let arn = format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{name}:1");
            (
                "AWS::ECS::TaskDefinition",
                json!({ "Family": name, "ContainerDefinitions": [{ "Name": name, "Image": "fixture-image" }] }),
                arn.clone(),
                arn,
            )
        }
        "JobName" => (
            "AWS::Glue::Job",
            json!({ "Name": name }),
            format!("arn:aws:glue:{REGION}:{ACCOUNT}:job/{name}"),
            name.clone(),
        ),
        "FromEmailAddress" => (
            "AWS::SES::EmailIdentity",
            json!({ "EmailIdentity": name }),
            format!("arn:aws:ses:{REGION}:{ACCOUNT}:identity/{name}"),
            name.clone(),
        ),
        _ => return None,
    };
    Some(Resource {
        resource_type: resource_type.into(),
        properties,
        template: PathBuf::from("template.yaml"),
        id,
        name,
        arn,
        ref_value,
    })
}

/// (request parameter, environment variable) pairs anywhere in the call's parameters.
fn env_params(expr: &ValueExpr, parent: &str, out: &mut Vec<(String, String)>) {
    match expr {
        ValueExpr::Env { name, .. } => out.push((parent.to_string(), name.clone())),
        // A resource named by the event: the sample event holds `sample-<field>` there.
        ValueExpr::Event { path } => {
            if let Some(PathSeg::Field(f)) = path.last() {
                out.push((parent.to_string(), format!("@sample-{f}")))
            }
        }
        // A resource named in the code itself: `=` marks the literal value.
        ValueExpr::Literal {
            value: Value::String(s),
        } => out.push((parent.to_string(), format!("={s}"))),
        ValueExpr::Object { entries } => {
            for e in entries {
                match e {
                    ObjectEntry::Field { key, value } => env_params(value, key, out),
                    ObjectEntry::Spread { value } => env_params(value, parent, out),
                }
            }
        }
        ValueExpr::Array { items } => items.iter().for_each(|i| env_params(i, parent, out)),
        ValueExpr::Default { value, default, .. } => {
            env_params(value, parent, out);
            env_params(default, parent, out);
        }
        ValueExpr::Template { parts } => {
            for p in parts {
                if let TemplatePart::Expr { value } = p {
                    env_params(value, parent, out)
                }
            }
        }
        ValueExpr::JsonStringify { value, .. }
        | ValueExpr::JsonParse { value }
        | ValueExpr::ToString { value } => env_params(value, parent, out),
        _ => {}
    }
}

/// The key names of the Item/Key the call writes or reads, with a DynamoDB type guess.
fn item_keys(call: &SdkCall) -> Vec<(String, String)> {
    let ValueExpr::Object { entries } = &call.params else {
        return vec![];
    };
    for e in entries {
        if let ObjectEntry::Field { key, value } = e {
            if key == "Key" || key == "Item" {
                if let ValueExpr::Object { entries } = value {
                    return entries
                        .iter()
                        .filter_map(|e| match e {
                            ObjectEntry::Field { key, value } => {
                                let t = match value {
                                    // Typed AttributeValue written by hand: { N: ... }.
                                    ValueExpr::Object { entries } => entries
                                        .iter()
                                        .find_map(|e| match e {
                                            ObjectEntry::Field { key, .. }
                                                if ["S", "N", "B"].contains(&key.as_str()) =>
                                            {
                                                Some(key.clone())
                                            }
                                            _ => None,
                                        })
                                        .unwrap_or("S".into()),
                                    ValueExpr::Literal {
                                        value: Value::Number(_),
                                    } => "N".into(),
                                    _ => "S".into(),
                                };
                                Some((key.clone(), t))
                            }
                            _ => None,
                        })
                        .collect();
                }
            }
        }
    }
    vec![]
}

/// Event paths the handler parses as JSON (`JSON.parse(event.body)`, `json.loads(event["body"])`).
fn parsed_paths(model: &HandlerModel) -> Vec<Vec<PathSeg>> {
    fn walk(e: &ValueExpr, out: &mut Vec<Vec<PathSeg>>) {
        match e {
            ValueExpr::JsonParse { value } => {
                if let ValueExpr::Event { path } = value.as_ref() {
                    out.push(path.clone());
                }
                walk(value, out)
            }
            ValueExpr::Object { entries } => entries.iter().for_each(|e| match e {
                ObjectEntry::Field { value, .. } | ObjectEntry::Spread { value } => {
                    walk(value, out)
                }
            }),
            ValueExpr::Array { items } => items.iter().for_each(|i| walk(i, out)),
            ValueExpr::Template { parts } => parts.iter().for_each(|p| {
                if let TemplatePart::Expr { value } = p {
                    walk(value, out)
                }
            }),
            ValueExpr::JsonStringify { value, .. } | ValueExpr::ToString { value } => {
                walk(value, out)
            }
            ValueExpr::Default { value, default, .. } => {
                walk(value, out);
                walk(default, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for c in &model.calls {
        walk(&c.params, &mut out);
    }
    if let Some(r) = &model.returns {
        walk(r, &mut out);
    }
    out
}

/// A sample event: a string at every path the handler reads; JSON text where it parses one (the
/// handler's own precondition: it fails on anything else).
fn sample_event(model: &HandlerModel) -> Value {
    let parsed = parsed_paths(model);
    let mut v = json!({});
    for path in &model.event_reads {
        let mut cur = &mut v;
        for (i, seg) in path.iter().enumerate() {
            let last = i + 1 == path.len();
            let leaf = || match seg {
                _ if parsed.contains(path) => json!("{\"sample\":\"json text\"}"),
                PathSeg::Field(f) => json!(format!("sample-{f}")),
                PathSeg::Index(_) => json!("sample-item"),
            };
            match seg {
                PathSeg::Field(f) => {
                    if !cur.is_object() {
                        *cur = json!({});
                    }
                    let map = cur.as_object_mut().unwrap();
                    if last {
                        map.entry(f.clone()).or_insert_with(leaf);
                    } else {
                        map.entry(f.clone()).or_insert_with(|| json!({}));
                    }
                    cur = map.get_mut(f).unwrap();
                }
                PathSeg::Index(n) => {
                    if !cur.is_array() {
                        *cur = json!([]);
                    }
                    let arr = cur.as_array_mut().unwrap();
                    let n = (*n).max(0) as usize;
                    while arr.len() <= n {
                        arr.push(if last { leaf() } else { json!({}) });
                    }
                    cur = &mut arr[n];
                }
            }
        }
    }
    v
}

pub(crate) fn task_state(style: InvocationStyle) -> Value {
    match style {
        InvocationStyle::BareArn => json!({
            "Type": "Task",
            "Resource": FUNCTION_ARN,
            "End": true
        }),
        _ => json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "OutputPath": "$.Payload",
            "Parameters": {
                "FunctionName": FUNCTION_ARN,
                "Payload.$": "$"
            },
            "Retry": [{
                "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
                "IntervalSeconds": 1,
                "MaxAttempts": 3,
                "BackoffRate": 2
            }],
            "End": true
        }),
    }
}

/// The project: one ASL file with one Task calling the fixture's handler, written to `dir`.
pub(crate) fn fixture_project(
    dir: &Path,
    handler: &Path,
    model: &HandlerModel,
    env: &IndexMap<String, String>,
    definition: Value,
) -> Project {
    let asl = dir.join("workflow.asl.json");
    std::fs::write(&asl, serde_json::to_string_pretty(&definition).unwrap()).unwrap();
    project_with_file(dir, handler, model, env, definition, asl)
}

/// [`fixture_project`] with the definition in `asl` (already written, JSON or YAML).
pub(crate) fn project_with_file(
    dir: &Path,
    handler: &Path,
    model: &HandlerModel,
    env: &IndexMap<String, String>,
    definition: Value,
    asl: PathBuf,
) -> Project {
    let mut resources = IndexMap::new();
    let mut environment = IndexMap::new();
    let mut callees = Callees::default();
    for call in &model.calls {
        let mut pairs = Vec::new();
        env_params(&call.params, "", &mut pairs);
        let keys = item_keys(call);
        for (param, name) in pairs {
            if !name.starts_with('=') && !environment.contains_key(&name) {
                if let Some(value) = callees.add(dir, &param, &name, &call.action) {
                    environment.insert(name, Value::String(value));
                    continue;
                }
            }
            if let Some(literal) = name.strip_prefix('=') {
                if let Some(r) = resource_for(&param, "LITERAL", Some(literal), &keys) {
                    resources.insert(r.id.clone(), r);
                }
                continue;
            }
            if let Some(sample) = name.strip_prefix('@') {
                if let Some(r) =
                    resource_for(&param, &format!("EVENT_{param}"), Some(sample), &keys)
                {
                    resources.insert(r.id.clone(), r);
                }
                continue;
            }
            if environment.contains_key(&name) {
                continue;
            }
            let given = env.get(&name).map(String::as_str);
            let value = match resource_for(&param, &name, given, &keys) {
                Some(r) => {
                    let v = given.map(str::to_string).unwrap_or(r.ref_value.clone());
                    resources.insert(r.id.clone(), r);
                    v
                }
                None => given.map(str::to_string).unwrap_or_else(|| {
                    format!("fixture-{}", name.to_lowercase().replace('_', "-"))
                }),
            };
            environment.insert(name, Value::String(value));
        }
    }
    let sample = dir.join("sample.input.json");
    std::fs::write(&sample, sample_event(model).to_string()).unwrap();
    let state_pointers: Vec<(String, InvocationStyle)> = definition["States"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(name, s)| {
            let r = s["Resource"].as_str()?;
            let style = if r == FUNCTION_ARN {
                InvocationStyle::BareArn
            } else if r == "arn:aws:states:::lambda:invoke" {
                InvocationStyle::OptimizedInvoke
            } else if r == "arn:aws:states:::lambda:invoke.waitForTaskToken" {
                InvocationStyle::OptimizedInvokeCallback
            } else {
                return None;
            };
            Some((name.clone(), style))
        })
        .collect();
    let mut state_machines = vec![StateMachine {
        name: "FixtureFlow".into(),
        origin: DefinitionOrigin::AslFile { path: asl.clone() },
        raw_definition: definition.clone(),
        definition,
        substitutions: IndexMap::new(),
        workflow_type: "STANDARD".into(),
        role: None,
        policies: None,
        definition_file: asl.clone(),
        construct: None,
    }];
    state_machines.extend(callees.machines);
    let mut functions = vec![Function {
        id: "FixtureHandler".into(),
        function_name: Some("fixture-handler".into()),
        handler: format!("index.{}", model.function),
        runtime: None,
        code_dir: PathBuf::from("."),
        handler_file: Some(handler.to_path_buf()),
        handler_export: model.function.clone(),
        environment: environment.clone(),
        memory_mb: Some(128),
        timeout_s: None,
        architecture: None,
        template: PathBuf::from("template.yaml"),
        environment_source: environment,
        handler_note: None,
        construct: None,
    }];
    functions.extend(callees.functions);
    Project {
        root: dir.to_path_buf(),
        state_machines,
        functions,
        links: state_pointers
            .into_iter()
            .map(|(state, style)| TaskLink {
                state_machine: 0,
                pointer: format!("/States/{state}"),
                state,
                style,
                function: Some(0),
                target: FUNCTION_ARN.into(),
                unresolved: None,
                file: asl.clone(),
                line: None,
            })
            .collect(),
        resources,
        sample_inputs: vec![sample],
        unresolved: vec![],
    }
}

/// The other functions and state machines a handler calls (an environment variable feeding an
/// Invoke's FunctionName or a StartExecution's stateMachineArn), declared in the project as a
/// real one would declare them: a function with its own handler that returns its event, and a
/// state machine (Express for StartSyncExecution, which only Express workflows accept) that
/// answers with what it was given.
#[derive(Default)]
struct Callees {
    functions: Vec<Function>,
    machines: Vec<StateMachine>,
}

impl Callees {
    /// The environment value naming the callee `param` needs, after declaring it; `None` when
    /// `param` names no function or state machine.
    fn add(&mut self, dir: &Path, param: &str, env_name: &str, action: &str) -> Option<String> {
        let name = format!("fixture-{}", env_name.to_lowercase().replace('_', "-"));
        match param {
            "FunctionName" => {
                let code = dir.join(&name);
                std::fs::create_dir_all(&code).unwrap();
                let handler = code.join("index.js");
                std::fs::write(&handler, "exports.handler = async (event) => event;\n").unwrap();
                self.functions.push(Function {
                    id: name.clone(),
                    function_name: Some(name.clone()),
                    handler: "index.handler".into(),
                    runtime: Some("nodejs20.x".into()),
                    code_dir: PathBuf::from(&name),
                    handler_file: Some(handler),
                    handler_export: "handler".into(),
                    environment: IndexMap::new(),
                    memory_mb: Some(128),
                    timeout_s: None,
                    architecture: None,
                    template: PathBuf::from("template.yaml"),
                    environment_source: IndexMap::new(),
                    handler_note: None,
                    construct: None,
                });
                Some(name)
            }
            "stateMachineArn" => {
                let definition = json!({
                    "StartAt": "Accept",
                    "States": {"Accept": {"Type": "Pass", "Parameters": {"accepted.$": "$"}, "End": true}}
                });
                let file = dir.join(format!("{name}.asl.json"));
                std::fs::write(&file, definition.to_string()).unwrap();
                self.machines.push(StateMachine {
                    name: name.clone(),
                    origin: DefinitionOrigin::AslFile { path: file.clone() },
                    raw_definition: definition.clone(),
                    definition,
                    substitutions: IndexMap::new(),
                    workflow_type: if action == "StartSyncExecution" {
                        "EXPRESS".into()
                    } else {
                        "STANDARD".into()
                    },
                    role: None,
                    policies: None,
                    definition_file: file,
                    construct: None,
                });
                Some(format!(
                    "arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
                ))
            }
            _ => None,
        }
    }
}

/// The handler models of every function of `project`: `model` for the fixture's own (index 0),
/// the others analysed from their handler files.
pub(crate) fn project_models(
    project: &Project,
    model: &HandlerModel,
) -> Vec<(usize, HandlerModel)> {
    let mut out = vec![(0, model.clone())];
    for (i, f) in project.functions.iter().enumerate().skip(1) {
        let file = f
            .handler_file
            .as_ref()
            .expect("a synthesized function has a handler file");
        let m = crate::analysis::analyze_file(file, &f.handler_export, &IndexMap::new()).unwrap();
        out.push((i, m));
    }
    out
}

/// Analyses the fixture twice: once to learn its environment variables, then with them set.
pub(crate) fn analysed(
    handler: &Path,
    function: &str,
    env: &IndexMap<String, String>,
) -> (HandlerModel, IndexMap<String, String>) {
    let first = crate::analysis::analyze_file(handler, function, env).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = fixture_project(
        dir.path(),
        handler,
        &first,
        env,
        json!({"StartAt": "X", "States": {}}),
    );
    let env: IndexMap<String, String> = p.functions[0]
        .environment
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    (
        crate::analysis::analyze_file(handler, function, &env).unwrap(),
        env,
    )
}

/// The Task in a JSONata state machine, as the console writes it.
pub(crate) fn jsonata_task_state(style: InvocationStyle) -> Value {
    match style {
        InvocationStyle::BareArn => json!({
            "Type": "Task",
            "Resource": FUNCTION_ARN,
            "End": true
        }),
        _ => json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Output": "{% $states.result.Payload %}",
            "Arguments": {
                "FunctionName": FUNCTION_ARN,
                "Payload": "{% $states.input %}"
            },
            "Retry": [{
                "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
                "IntervalSeconds": 1,
                "MaxAttempts": 3,
                "BackoffRate": 2
            }],
            "End": true
        }),
    }
}

/// Plans and proves one fixture in one style; `Err` says why it is not rewritten and proven.
fn rewrite_and_prove(
    f: &Fixture,
    style: InvocationStyle,
    jsonata: bool,
) -> Result<RewritePlan, String> {
    let handler = fixtures_dir().join(&f.file);
    let (model, env) = analysed(&handler, &f.function, &f.env);
    let dir = tempfile::tempdir().unwrap();
    let definition = if jsonata {
        json!({
            "Comment": "one Task calling the fixture handler",
            "QueryLanguage": "JSONata",
            "StartAt": "Call",
            "States": { "Call": jsonata_task_state(style) }
        })
    } else {
        json!({
            "Comment": "one Task calling the fixture handler",
            "StartAt": "Call",
            "States": { "Call": task_state(style) }
        })
    };
    let project = fixture_project(dir.path(), &handler, &model, &env, definition);
    if let Some(sample) = &f.sample {
        std::fs::write(&project.sample_inputs[0], sample.to_string()).unwrap();
    }
    let models = project_models(&project, &model);
    let plan = plan(&project, &models, &RewriteOptions::default());
    if plan.tasks.len() != 1 {
        return Err(format!("not rewritten: {:?}", plan.skipped));
    }
    // Each query language keeps its own fields.
    let t = &plan.tasks[0].rewritten;
    let (foreign, own): (&[&str], &str) = if jsonata {
        (
            &[
                "Parameters",
                "ResultSelector",
                "ResultPath",
                "OutputPath",
                "InputPath",
            ],
            "Arguments",
        )
    } else {
        (&["Arguments", "Output", "Assign"], "Parameters")
    };
    assert!(
        foreign.iter().all(|k| t.get(*k).is_none()) && t.get(own).is_some(),
        "{}: {t}",
        f.file
    );
    let opts = crate::verify::VerifyOptions {
        samples: 40,
        ..Default::default()
    };
    let unproven = crate::verify::unproven_tasks(&project, &plan, &models, &opts)
        .map_err(|e| e.to_string())?;
    if !unproven.is_empty() {
        let mut opts = opts.clone();
        crate::verify::add_unrewritten_models(&project, &plan, &models, &mut opts);
        let report = crate::verify::prove(&project, &plan, &opts).unwrap();
        return Err(format!(
            "not proven: {:?}\nrewritten: {}\n{}",
            unproven,
            serde_json::to_string_pretty(&plan.tasks[0].rewritten).unwrap(),
            crate::verify::report::text(&report)
        ));
    }
    if plan.edits.len() != 1 {
        return Err(format!("the ASL file was not edited: {:?}", plan.warnings));
    }
    // The edited file holds what verify proved (added states, moved transitions included).
    let edited: Value = serde_json::from_str(&plan.edits[0].new_text).unwrap();
    if edited != plan.definitions[0].1 {
        return Err(format!(
            "the edited file differs from the proven definition:\n{}",
            plan.edits[0].diff
        ));
    }
    Ok(plan)
}

fn style_name(style: InvocationStyle, jsonata: bool) -> &'static str {
    match (style, jsonata) {
        (InvocationStyle::BareArn, false) => "bare-arn",
        (InvocationStyle::OptimizedInvoke, false) => "lambda-invoke",
        (InvocationStyle::BareArn, true) => "jsonata-bare-arn",
        (InvocationStyle::OptimizedInvoke, true) => "jsonata-lambda-invoke",
        (InvocationStyle::OptimizedInvokeCallback, _) => "callback",
    }
}

const STYLES: [(InvocationStyle, bool); 4] = [
    (InvocationStyle::OptimizedInvoke, false),
    (InvocationStyle::BareArn, false),
    (InvocationStyle::OptimizedInvoke, true),
    (InvocationStyle::BareArn, true),
];

#[test]
fn every_replaceable_fixture_is_rewritten_and_proven() {
    let fixtures = replaceable_fixtures();
    assert!(fixtures.len() >= 70, "{} fixtures", fixtures.len());
    let mut failures = Vec::new();
    let mut proven = 0;
    let mut per_style: IndexMap<&str, usize> = IndexMap::new();
    let mut skipped_as_listed = Vec::new();
    for f in &fixtures {
        for (style, jsonata) in STYLES {
            let name = style_name(style, jsonata);
            let skip = SKIPS.iter().find(|(file, s, _)| {
                *file == f.file
                    && (*s == "*"
                        || *s == name
                        || (*s == "jsonata" && jsonata)
                        || (*s == "jsonpath" && !jsonata))
            });
            let result = rewrite_and_prove(f, style, jsonata);
            match (result, skip) {
                (Ok(_), None) => {
                    proven += 1;
                    *per_style.entry(name).or_default() += 1;
                }
                (Ok(_), Some(_)) => failures.push(format!(
                    "{} ({}): listed as skipped but now rewritten and proven; remove it from SKIPS",
                    f.file, name
                )),
                (Err(e), Some(s)) => {
                    if std::env::var_os("FIXTURE_DEBUG").is_some() {
                        println!("SKIPPED {} ({name}): {e}", f.file);
                    }
                    let sign = reason_sign(s.2);
                    if !sign.iter().any(|sign| e.contains(sign)) {
                        failures.push(format!(
                            "{} ({name}): listed as skipped because {:?}, but it fails otherwise: {e}",
                            f.file, s.2
                        ));
                    }
                    skipped_as_listed.push(format!("{}: {}", s.0, s.2))
                }
                (Err(e), None) => failures.push(format!("{} ({}): {e}", f.file, name)),
            }
        }
    }
    println!(
        "{proven} of {} fixture rewrites proven ({per_style:?} of {} fixtures each); skipped: {skipped_as_listed:#?}",
        fixtures.len() * STYLES.len(),
        fixtures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Plans `definition` (written to `file_name` as JSON or YAML) around a fixture handler, proves
/// the plan with verify and checks that the edited file holds the proven definition.
fn plan_and_prove_file(
    fixture: &str,
    function: &str,
    definition: Value,
    file_name: &str,
    sample_input: Option<Value>,
) -> (RewritePlan, String) {
    let handler = fixtures_dir().join(fixture);
    let (model, env) = analysed(&handler, function, &IndexMap::new());
    let dir = tempfile::tempdir().unwrap();
    let asl = dir.path().join(file_name);
    let text = if file_name.ends_with(".json") {
        serde_json::to_string_pretty(&definition).unwrap()
    } else {
        serde_yaml_ng::to_string(&definition).unwrap()
    };
    std::fs::write(&asl, &text).unwrap();
    let sample = dir.path().join("sample.input.json");
    let project = project_with_file(dir.path(), &handler, &model, &env, definition, asl);
    let sample_value = sample_input.unwrap_or_else(|| sample_event(&model));
    std::fs::write(&sample, sample_value.to_string()).unwrap();
    let plan = plan(&project, &[(0, model.clone())], &RewriteOptions::default());
    assert_eq!(plan.tasks.len(), 1, "{:?}", plan.skipped);
    let opts = crate::verify::VerifyOptions {
        samples: 60,
        ..Default::default()
    };
    let report = crate::verify::prove(&project, &plan, &opts).unwrap();
    assert!(
        report.equivalent(),
        "{}\n{}",
        serde_json::to_string_pretty(&plan.definitions[0].1).unwrap(),
        crate::verify::report::text(&report)
    );
    assert_eq!(plan.edits.len(), 1, "{:?}", plan.warnings);
    let new_text = plan.edits[0].new_text.clone();
    let edited: Value = if file_name.ends_with(".json") {
        serde_json::from_str(&new_text).unwrap()
    } else {
        serde_yaml_ng::from_str(&new_text).unwrap()
    };
    assert_eq!(edited, plan.definitions[0].1, "{}", plan.edits[0].diff);
    // Every line of the old text is still there: the edit only adds and replaces state blocks.
    (plan, new_text)
}

#[test]
fn validation_becomes_a_choice_and_fail_before_the_task_at_start() {
    let definition = json!({
        "StartAt": "Enqueue",
        "States": {
            "Enqueue": {
                "Type": "Task",
                "Resource": FUNCTION_ARN,
                "Next": "Done"
            },
            "Done": { "Type": "Succeed" }
        }
    });
    let (plan, text) = plan_and_prove_file(
        "js/validation-throw.js",
        "handler",
        definition,
        "flow.asl.json",
        None,
    );
    let def = &plan.definitions[0].1;
    assert_eq!(def["StartAt"], "Validate Enqueue");
    let choice = &def["States"]["Validate Enqueue"];
    assert_eq!(choice["Type"], "Choice");
    assert_eq!(choice["Default"], "Enqueue");
    assert_eq!(
        choice["Choices"][0],
        json!({"Not": {"Variable": "$.orderId", "IsPresent": true}, "Next": "Enqueue Error"})
    );
    assert_eq!(
        def["States"]["Enqueue Error"],
        json!({"Type": "Fail", "Error": "Error", "Cause": "orderId is required"})
    );
    assert_eq!(
        def["States"]["Enqueue"]["Resource"],
        "arn:aws:states:::sqs:sendMessage"
    );
    assert!(text.contains("\"StartAt\": \"Validate Enqueue\""));
}

#[test]
fn validation_caught_by_the_task_goes_to_the_catcher_in_yaml() {
    // A state before the Task, and a Catch that took the Lambda's ValueError.
    let definition = json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": { "Type": "Pass", "Next": "Enqueue" },
            "Enqueue": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": { "FunctionName": FUNCTION_ARN, "Payload.$": "$" },
                "ResultPath": null,
                "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Rejected" }],
                "Next": "Done"
            },
            "Rejected": { "Type": "Pass", "End": true },
            "Done": { "Type": "Succeed" }
        }
    });
    let (plan, text) = plan_and_prove_file(
        "py/validation_raise.py",
        "lambda_handler",
        definition,
        "flow.asl.yaml",
        None,
    );
    let def = &plan.definitions[0].1;
    assert_eq!(def["StartAt"], "Prepare");
    assert_eq!(def["States"]["Prepare"]["Next"], "Validate Enqueue");
    let caught = &def["States"]["Enqueue ValueError caught"];
    assert_eq!(
        caught,
        &json!({
            "Type": "Pass",
            "Parameters": {"Error": "ValueError", "Cause": "orderId is required"},
            "ResultPath": "$.error",
            "Next": "Rejected"
        })
    );
    assert!(
        text.contains("  Validate Enqueue:\n    Type: Choice\n"),
        "{text}"
    );
    assert!(plan.tasks[0]
        .notes
        .iter()
        .any(|n| n.contains("Catch took the Lambda's ValueError")));
}

#[test]
fn a_jsonata_state_gets_arguments_and_output() {
    // QueryLanguage on the state only; the machine is JSONPath.
    let definition = json!({
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "QueryLanguage": "JSONata",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {
                    "FunctionName": FUNCTION_ARN,
                    "Payload": "{% $states.input.order %}"
                },
                "Output": "{% $merge([$states.input, {'sent': $states.result.Payload}]) %}",
                "Next": "Done"
            },
            "Done": { "Type": "Pass", "End": true }
        }
    });
    let (plan, _) = plan_and_prove_file(
        "js/sqs-v3-send.js",
        "handler",
        definition,
        "flow.asl.json",
        // Strings only: JSONata's $string rounds numbers to 15 significant digits (noted).
        Some(json!({"order": {"id": "o-1", "items": ["a", "b"]}})),
    );
    let t = &plan.tasks[0].rewritten;
    assert_eq!(t["Resource"], "arn:aws:states:::sqs:sendMessage");
    assert!(t.get("Parameters").is_none() && t.get("ResultSelector").is_none());
    assert_eq!(
        t["Arguments"]["MessageBody"],
        "{% $substring($string([$states.input.order]), 1, $length($string([$states.input.order])) - 2) %}"
    );
    assert_eq!(
        t["Output"],
        "{% $merge([$states.input, {'sent': ({\"messageId\": $states.result.MessageId})}]) %}"
    );
}

#[test]
fn a_callback_task_whose_handler_forwards_the_token_becomes_send_message_wait_for_task_token() {
    let handler = fixtures_dir().join("ts/callback-token.ts");
    let (model, env) = analysed(&handler, "handler", &IndexMap::new());
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({
        "StartAt": "Dispatch",
        "States": {
            "Dispatch": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": FUNCTION_ARN,
                    "Payload": { "taskToken.$": "$$.Task.Token", "job.$": "$.job" }
                },
                "TimeoutSeconds": 3600,
                "HeartbeatSeconds": 60,
                "ResultPath": "$.worker",
                "Next": "Done"
            },
            "Done": { "Type": "Succeed" }
        }
    });
    let project = fixture_project(dir.path(), &handler, &model, &env, definition);
    let plan = plan(&project, &[(0, model)], &RewriteOptions::default());
    assert_eq!(plan.tasks.len(), 1, "{:?}", plan.skipped);
    let t = &plan.tasks[0].rewritten;
    assert_eq!(
        t["Resource"],
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    );
    assert_eq!(
        t["Parameters"]["MessageBody"],
        json!({"token.$": "$$.Task.Token", "job.$": "$.job"})
    );
    assert_eq!(t["TimeoutSeconds"], 3600);
    assert_eq!(t["HeartbeatSeconds"], 60);
    // The result is what the worker sends back, in both versions: nothing to recompose.
    assert_eq!(t["ResultPath"], "$.worker");
    assert!(t.get("ResultSelector").is_none() && t.get("OutputPath").is_none());
    let edited: Value = serde_json::from_str(&plan.edits[0].new_text).unwrap();
    assert_eq!(edited, plan.definitions[0].1);
    // verify simulates the original callback Lambda as a plain invoke (its result is the
    // Lambda envelope, not the callback's output), so it cannot prove this rewrite yet.
}

#[test]
fn a_callback_task_whose_handler_drops_the_token_is_not_rewritten() {
    // sqs-v3-send.js sends the whole event; the Payload leaves the token out.
    let handler = fixtures_dir().join("js/sqs-v3-send.js");
    let (model, env) = analysed(&handler, "handler", &IndexMap::new());
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({
        "StartAt": "Dispatch",
        "States": {
            "Dispatch": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": { "FunctionName": FUNCTION_ARN, "Payload": { "job.$": "$.job" } },
                "End": true
            }
        }
    });
    let project = fixture_project(dir.path(), &handler, &model, &env, definition);
    let plan = plan(&project, &[(0, model)], &RewriteOptions::default());
    assert!(plan.tasks.is_empty());
    assert!(
        plan.skipped[0].reason.contains("task token"),
        "{:?}",
        plan.skipped
    );
}

/// Plans the fixture in a one-Task machine after `encrypt` changed the target's properties.
fn plan_with_encrypted_target(
    fixture: &str,
    function: &str,
    encrypt: impl Fn(&mut Value),
) -> RewritePlan {
    let handler = fixtures_dir().join(fixture);
    let (model, env) = analysed(&handler, function, &IndexMap::new());
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({"StartAt": "Call", "States": {"Call": task_state(InvocationStyle::OptimizedInvoke)}});
    let mut project = fixture_project(dir.path(), &handler, &model, &env, definition);
    for r in project.resources.values_mut() {
        encrypt(&mut r.properties);
    }
    plan(&project, &[(0, model)], &RewriteOptions::default())
}

fn kms_statement(plan: &RewritePlan) -> Option<&Value> {
    plan.iam_add.iter().find(|s| {
        s["Action"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().starts_with("kms:"))
    })
}

#[test]
fn kms_permissions_follow_a_customer_managed_key_on_the_target() {
    // SQS queue under a key of the template: GenerateDataKey and Decrypt on that key's ARN.
    let plan = plan_with_encrypted_target("js/sqs-v3-send.js", "handler", |p| {
        p["KmsMasterKeyId"] = json!({"Ref": "QueueKey"})
    });
    assert_eq!(
        kms_statement(&plan).unwrap(),
        &json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": [{"Fn::GetAtt": ["QueueKey", "Arn"]}]})
    );
    // The queue statement stays scoped to the queue alone.
    assert!(plan
        .iam_add
        .iter()
        .any(|s| s["Action"] == json!(["sqs:SendMessage"])));

    // SNS topic under the AWS managed key: nothing to add.
    let plan = plan_with_encrypted_target("js/helper-function.js", "handler", |p| {
        p["KmsMasterKeyId"] = json!("alias/aws/sns")
    });
    assert_eq!(plan.tasks.len(), 1, "{:?}", plan.skipped);
    assert!(kms_statement(&plan).is_none());

    // DynamoDB table with SSE under a key ARN.
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let plan = plan_with_encrypted_target("py/ddb_client_put.py", "lambda_handler", |p| {
        p["SSESpecification"] = json!({"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": key})
    });
    assert_eq!(
        kms_statement(&plan).unwrap(),
        &json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": [key]})
    );

    // A customer alias: no ARN to scope to, so a note instead of a statement.
    let plan = plan_with_encrypted_target("js/sqs-v3-send.js", "handler", |p| {
        p["KmsMasterKeyId"] = json!("alias/orders")
    });
    assert!(kms_statement(&plan).is_none());
    assert!(plan.tasks[0]
        .notes
        .iter()
        .any(|n| n.contains("alias/orders")));
}

#[test]
fn defaults_become_a_choice_and_a_pass_per_field_before_the_task() {
    let handler = fixtures_dir().join("js/defaults.js");
    let (model, env) = analysed(&handler, "handler", &IndexMap::new());
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({"StartAt": "Call", "States": {"Call": task_state(InvocationStyle::OptimizedInvoke)}});
    let project = fixture_project(dir.path(), &handler, &model, &env, definition);
    let plan = plan(&project, &[(0, model)], &RewriteOptions::default());
    assert_eq!(plan.tasks.len(), 1, "{:?}", plan.skipped);
    let def = &plan.definitions[0].1;
    // In parameter order: `event.body || "{}"` (false-y), then `event.delaySeconds ?? 0` (missing
    // or null).
    assert_eq!(def["StartAt"], "Check body for Call");
    assert_eq!(
        def["States"]["Check body for Call"]["Default"],
        "Check delaySeconds for Call"
    );
    assert_eq!(
        def["States"]["Default body for Call"],
        json!({"Type": "Pass", "Result": "{}", "ResultPath": "$.body", "Next": "Check delaySeconds for Call"})
    );
    assert_eq!(
        def["States"]["Check delaySeconds for Call"],
        json!({"Type": "Choice", "Choices": [
            {"Not": {"Variable": "$.delaySeconds", "IsPresent": true}, "Next": "Default delaySeconds for Call"},
            {"Variable": "$.delaySeconds", "IsNull": true, "Next": "Default delaySeconds for Call"}
        ], "Default": "Call"})
    );
    assert_eq!(
        def["States"]["Default delaySeconds for Call"],
        json!({"Type": "Pass", "Result": 0, "ResultPath": "$.delaySeconds", "Next": "Call"})
    );
    let t = &plan.tasks[0].rewritten;
    assert_eq!(t["Parameters"]["DelaySeconds.$"], "$.delaySeconds");
    assert_eq!(t["Parameters"]["MessageBody.$"], "$.body");
    let edited: Value = serde_json::from_str(&plan.edits[0].new_text).unwrap();
    assert_eq!(&edited, def);
}

#[test]
fn a_camel_case_step_functions_call_gets_pascal_case_parameters_and_result_keys() {
    // The handler writes `stateMachineArn`/`input` and reads `executionArn` (the SFN wire API);
    // the integration takes `StateMachineArn`/`Input` and answers `ExecutionArn` (aws-facts §1.3, §2).
    let handler = fixtures_dir().join("js/sfn-start-execution.js");
    let (model, env) = analysed(&handler, "handler", &IndexMap::new());
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({"StartAt": "Call", "States": {"Call": task_state(InvocationStyle::OptimizedInvoke)}});
    let project = fixture_project(dir.path(), &handler, &model, &env, definition);
    let plan = plan(&project, &[(0, model)], &RewriteOptions::default());
    assert_eq!(plan.tasks.len(), 1, "{:?}", plan.skipped);
    let t = &plan.tasks[0].rewritten;
    assert_eq!(
        t["Resource"], "arn:aws:states:::states:startExecution",
        "{t}"
    );
    let params = t["Parameters"].as_object().unwrap();
    assert!(params.contains_key("StateMachineArn"), "{t}");
    assert!(params.contains_key("Input.$"), "{t}");
    assert!(
        !params
            .keys()
            .any(|k| k.starts_with(|c: char| c.is_ascii_lowercase())),
        "{t}"
    );
    assert_eq!(
        t["ResultSelector"]["executionArn.$"], "$.ExecutionArn",
        "{t}"
    );
}

/// The rewrites that need more than the Task's own fields (states added after it, selections,
/// merges, defaults of nested fields), proven and then kept as snapshots for review.
#[test]
fn rewrites_with_added_states_and_selections_are_proven_and_reviewed() {
    let fixtures = replaceable_fixtures();
    let cases: &[(&str, InvocationStyle, bool)] = &[
        (
            "js/ddb-v2-documentclient-get.js",
            InvocationStyle::OptimizedInvoke,
            false,
        ),
        ("py/ddb_resource_get.py", InvocationStyle::BareArn, false),
        (
            "py/ddb_resource_get.py",
            InvocationStyle::OptimizedInvoke,
            true,
        ),
        (
            "js/spread-merge.js",
            InvocationStyle::OptimizedInvoke,
            false,
        ),
        (
            "py/json_loads_return.py",
            InvocationStyle::OptimizedInvoke,
            false,
        ),
        (
            "py/json_loads_return.py",
            InvocationStyle::OptimizedInvoke,
            true,
        ),
        ("py/nested_get.py", InvocationStyle::BareArn, false),
        (
            "js/stringify-indented.js",
            InvocationStyle::OptimizedInvoke,
            true,
        ),
        (
            "py/returns_response.py",
            InvocationStyle::OptimizedInvoke,
            false,
        ),
        ("py/returns_response.py", InvocationStyle::BareArn, true),
    ];
    for (file, style, jsonata) in cases {
        let f = fixtures
            .iter()
            .find(|f| f.file == *file)
            .unwrap_or_else(|| panic!("{file} is not a replaceable fixture"));
        let plan = rewrite_and_prove(f, *style, *jsonata)
            .unwrap_or_else(|e| panic!("{file} ({}): {e}", style_name(*style, *jsonata)));
        let name = format!(
            "{}_{}",
            file.replace(['/', '.', '-'], "_"),
            style_name(*style, *jsonata).replace('-', "_")
        );
        insta::assert_json_snapshot!(
            name,
            json!({
                "definition": plan.definitions[0].1,
                "notes": plan.tasks[0].notes,
            })
        );
    }
}

/// verify's world starts with empty tables, so it proves the GetItem rewrites on misses only;
/// here an item is put first and the rewritten machine must return it unmarshalled, as the
/// handler's DocumentClient / Table resource did.
#[test]
fn an_unmarshalled_item_comes_back_plain_when_get_item_finds_it() {
    use crate::services::errors::Service;
    for (file, function, style, jsonata) in [
        (
            "js/ddb-v2-documentclient-get.js",
            "handler",
            InvocationStyle::OptimizedInvoke,
            false,
        ),
        (
            "py/ddb_resource_get.py",
            "lambda_handler",
            InvocationStyle::BareArn,
            false,
        ),
        (
            "py/ddb_resource_get.py",
            "lambda_handler",
            InvocationStyle::OptimizedInvoke,
            true,
        ),
    ] {
        let handler = fixtures_dir().join(file);
        let (model, env) = analysed(&handler, function, &IndexMap::new());
        let dir = tempfile::tempdir().unwrap();
        let definition = if jsonata {
            json!({"QueryLanguage": "JSONata", "StartAt": "Call", "States": {"Call": jsonata_task_state(style)}})
        } else {
            json!({"StartAt": "Call", "States": {"Call": task_state(style)}})
        };
        let project = fixture_project(dir.path(), &handler, &model, &env, definition);
        let plan = plan(&project, &[(0, model)], &RewriteOptions::default());
        assert_eq!(plan.tasks.len(), 1, "{file}: {:?}", plan.skipped);
        let machine = crate::interp::StateMachine::parse(&plan.definitions[0].1).unwrap();
        let mut world = crate::verify::world::from_project(&project, 1);
        world
            .call_api(
                Service::DynamoDb,
                "PutItem",
                &json!({"TableName": "fixture-table-name", "Item": {"customerId": {"S": "c-1"}}}),
            )
            .unwrap();
        let mut services = crate::services::simulated::SimulatedServices::new(world);
        let ctx = crate::interp::ExecutionContext::default();
        let found = machine.execute(json!({"customerId": "c-1"}), &ctx, &mut services);
        assert_eq!(found.status, "SUCCEEDED", "{file}: {found:?}");
        assert_eq!(found.output, Some(json!({"customerId": "c-1"})), "{file}");
        let miss = machine.execute(json!({"customerId": "c-2"}), &ctx, &mut services);
        if file.ends_with(".py") {
            assert_eq!(miss.error.as_deref(), Some("KeyError"), "{file}: {miss:?}");
        } else {
            assert_eq!(miss.output, Some(Value::Null), "{file}: {miss:?}");
        }
    }
}

#[test]
fn a_jsonata_catcher_of_a_validation_error_becomes_a_pass_with_its_output_and_assign() {
    // A JSONPath machine whose Task alone is JSONata: the added states say JSONata too.
    let definition = json!({
        "StartAt": "Enqueue",
        "States": {
            "Enqueue": {
                "Type": "Task",
                "QueryLanguage": "JSONata",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": { "FunctionName": FUNCTION_ARN, "Payload": "{% $states.input %}" },
                "Output": "{% $states.input %}",
                "Catch": [{
                    "ErrorEquals": ["States.ALL"],
                    "Output": "{% {'order': $states.input, 'rejected': $exists($states.errorOutput.Cause)} %}",
                    "Assign": { "failedWith": "{% $states.errorOutput.Error %}" },
                    "Next": "Rejected"
                }],
                "Next": "Done"
            },
            "Rejected": { "Type": "Pass", "End": true },
            "Done": { "Type": "Succeed" }
        }
    });
    let (plan, _) = plan_and_prove_file(
        "py/validation_raise.py",
        "lambda_handler",
        definition,
        "flow.asl.json",
        None,
    );
    let def = &plan.definitions[0].1;
    assert_eq!(def["StartAt"], "Validate Enqueue");
    assert_eq!(
        def["States"]["Validate Enqueue"]["QueryLanguage"],
        "JSONata"
    );
    assert_eq!(
        def["States"]["Enqueue ValueError caught"],
        json!({
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": "{% {'order': $states.input, 'rejected': $exists(({\"Error\":\"ValueError\",\"Cause\":\"orderId is required\"}).Cause)} %}",
            "Assign": { "failedWith": "{% ({\"Error\":\"ValueError\",\"Cause\":\"orderId is required\"}).Error %}" },
            "Next": "Rejected"
        })
    );
}

#[test]
fn a_jsonata_callback_task_whose_handler_forwards_the_token_waits_for_it_directly() {
    let handler = fixtures_dir().join("ts/callback-token.ts");
    let (model, env) = analysed(&handler, "handler", &IndexMap::new());
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Dispatch",
        "States": {
            "Dispatch": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Arguments": {
                    "FunctionName": FUNCTION_ARN,
                    "Payload": { "taskToken": "{% $states.context.Task.Token %}", "job": "{% $states.input.job %}" }
                },
                "TimeoutSeconds": 3600,
                "Output": "{% $merge([$states.input, {'worker': $states.result}]) %}",
                "Next": "Done"
            },
            "Done": { "Type": "Succeed" }
        }
    });
    let project = fixture_project(dir.path(), &handler, &model, &env, definition);
    let plan = plan(&project, &[(0, model)], &RewriteOptions::default());
    assert_eq!(plan.tasks.len(), 1, "{:?}", plan.skipped);
    let t = &plan.tasks[0].rewritten;
    assert_eq!(
        t["Resource"],
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    );
    assert_eq!(
        t["Arguments"]["MessageBody"],
        "{% $string({\"token\": $states.context.Task.Token, \"job\": $states.input.job}) %}"
    );
    // The result is what the worker sends back, in both versions: the Output stays.
    assert_eq!(
        t["Output"],
        "{% $merge([$states.input, {'worker': $states.result}]) %}"
    );
    assert_eq!(t["TimeoutSeconds"], 3600);
    assert!(t.get("Parameters").is_none() && t.get("ResultPath").is_none());
    let edited: Value = serde_json::from_str(&plan.edits[0].new_text).unwrap();
    assert_eq!(edited, plan.definitions[0].1);

    // A Payload without the token: the callback would never come.
    let mut no_token = plan.tasks[0].original.clone();
    no_token["Arguments"]["Payload"] = json!({"job": "{% $states.input.job %}"});
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "Dispatch", "States": {"Dispatch": no_token, "Done": {"Type": "Succeed"}}});
    let handler_model = analysed(&handler, "handler", &IndexMap::new()).0;
    let project = fixture_project(dir.path(), &handler, &handler_model, &env, definition);
    let declined = super::plan(&project, &[(0, handler_model)], &RewriteOptions::default());
    assert!(declined.tasks.is_empty());
    assert!(
        declined.skipped[0].reason.contains("task token"),
        "{:?}",
        declined.skipped
    );
}

/// The attributes every PutItem of the project writes to the table are unmarshalled too, with
/// the types they are written with.
#[test]
fn other_writes_to_the_table_give_the_attributes_to_unmarshal() {
    use crate::services::errors::Service;
    let reader = fixtures_dir().join("js/ddb-v2-documentclient-get.js");
    let (model, env) = analysed(&reader, "handler", &IndexMap::new());
    let dir = tempfile::tempdir().unwrap();
    let writer_file = dir.path().join("writer.js");
    std::fs::write(
        &writer_file,
        r#"const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, PutCommand } = require("@aws-sdk/lib-dynamodb");
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
exports.handler = async (event) => {
  await ddb.send(new PutCommand({
    TableName: process.env.TABLE_NAME,
    Item: { customerId: event.customerId, tier: "gold", visits: 3 },
  }));
};
"#,
    )
    .unwrap();
    let writer = crate::analysis::analyze_file(&writer_file, "handler", &env).unwrap();
    let definition = json!({"StartAt": "Call", "States": {"Call": task_state(InvocationStyle::OptimizedInvoke)}});
    let mut project = fixture_project(dir.path(), &reader, &model, &env, definition);
    let mut f = project.functions[0].clone();
    f.id = "WriterHandler".into();
    f.handler_file = Some(writer_file);
    project.functions.push(f);
    let models = vec![(0, model), (1, writer)];
    let plan = plan(&project, &models, &RewriteOptions::default());
    assert_eq!(plan.tasks.len(), 1, "{:?}", plan.skipped);
    let def = &plan.definitions[0].1;
    assert_eq!(
        def["States"]["Call item"]["Parameters"],
        json!({
            "customerId.$": "$.Item.customerId.S",
            "tier.$": "$.Item.tier.S",
            "visits.$": "States.StringToJson($.Item.visits.N)"
        })
    );
    assert!(
        plan.tasks[0]
            .notes
            .iter()
            .any(|n| n.contains("every PutItem in the project writes to it (WriterHandler)")),
        "{:?}",
        plan.tasks[0].notes
    );
    let machine = crate::interp::StateMachine::parse(def).unwrap();
    let mut world = crate::verify::world::from_project(&project, 1);
    world
        .call_api(
            Service::DynamoDb,
            "PutItem",
            &json!({"TableName": "fixture-table-name", "Item": {"customerId": {"S": "c-1"}, "tier": {"S": "gold"}, "visits": {"N": "3"}}}),
        )
        .unwrap();
    let mut services = crate::services::simulated::SimulatedServices::new(world);
    let run = machine.execute(
        json!({"customerId": "c-1"}),
        &crate::interp::ExecutionContext::default(),
        &mut services,
    );
    assert_eq!(
        run.output,
        Some(json!({"customerId": "c-1", "tier": "gold", "visits": 3})),
        "{run:?}"
    );

    // A writer that may leave an attribute out (UpdateItem reshapes items): keys only.
    let mut reshaping = models.clone();
    reshaping[1].1.calls[0].action = "UpdateItem".into();
    let plan = super::plan(&project, &reshaping, &RewriteOptions::default());
    assert_eq!(
        plan.definitions[0].1["States"]["Call item"]["Parameters"],
        json!({"customerId.$": "$.Item.customerId.S"})
    );
}

#[test]
fn a_camel_case_api_gets_pascal_case_members_at_every_level() {
    let handler = fixtures_dir().join("ts/ecs-run-task.ts");
    let fixtures = replaceable_fixtures();
    let f = fixtures
        .iter()
        .find(|f| f.file == "ts/ecs-run-task.ts")
        .unwrap();
    let (model, env) = analysed(&handler, "handler", &f.env);
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({"StartAt": "Call", "States": {"Call": task_state(InvocationStyle::OptimizedInvoke)}});
    let project = fixture_project(dir.path(), &handler, &model, &env, definition);
    let plan = plan(&project, &[(0, model)], &RewriteOptions::default());
    assert_eq!(plan.tasks.len(), 1, "{:?}", plan.skipped);
    let params = &plan.tasks[0].rewritten["Parameters"];
    assert_eq!(params["LaunchType"], "FARGATE", "{params}");
    let overrides = &params["Overrides"]["ContainerOverrides"][0];
    assert_eq!(overrides["Name"], "worker", "{params}");
    assert!(overrides.get("Command.$").is_some(), "{params}");
}
