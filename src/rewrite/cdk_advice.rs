//! CDK apps are not edited: `cdk.out` is generated from the app's code. For each rewritten Task
//! of a CDK state machine the report names the `aws-stepfunctions-tasks` construct to use instead
//! of `tasks.LambdaInvoke`, with its props derived from the rewritten state, and where the old
//! construct is in the app's source when it can be found.
//! Constructs: https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions_tasks-readme.html

use super::RewrittenTask;
use crate::discover::model::{DefinitionOrigin, Project, StateMachine};
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The construct that replaces one `LambdaInvoke` in a CDK app.
#[derive(Debug, Clone, Serialize)]
pub struct CdkConstruct {
    pub state_machine: usize,
    pub state: String,
    /// The state machine's construct path (`OrdersStack/OrderFlow/Resource`).
    pub construct_path: Option<String>,
    /// `tasks.DynamoPutItem`, `tasks.SqsSendMessage`, `tasks.SnsPublish`,
    /// `tasks.EventBridgePutEvents`, or `tasks.CallAwsService`.
    pub construct: String,
    /// TypeScript for the new construct.
    pub code: String,
    /// The old construct in the app's source (file relative to the project, 1-based line).
    pub source: Option<(PathBuf, usize)>,
}

/// The advice for a rewritten Task of a CDK state machine.
pub fn advise(project: &Project, sm: &StateMachine, task: &RewrittenTask) -> Option<CdkConstruct> {
    let DefinitionOrigin::CdkOut { template, .. } = &sm.origin else {
        return None;
    };
    let app_dir = app_dir(template);
    let sources = app_dir.as_deref().map(source_files).unwrap_or_default();
    let names = Names {
        template_doc: std::fs::read_to_string(template)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok()),
        sources: &sources,
    };
    let state = task.rewritten.as_object()?;
    let resource = state.get("Resource")?.as_str()?;
    let params = state
        .get("Parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let (construct, mut props) = match resource {
        "arn:aws:states:::dynamodb:putItem" => (
            "tasks.DynamoPutItem",
            vec![
                (
                    "table".to_string(),
                    names.reference(params.get("TableName")),
                ),
                ("item".to_string(), dynamo_map(params.get("Item"))),
            ],
        ),
        "arn:aws:states:::sqs:sendMessage" => {
            let mut p = vec![
                ("queue".to_string(), names.reference(params.get("QueueUrl"))),
                (
                    "messageBody".to_string(),
                    task_input(&params, "MessageBody"),
                ),
            ];
            if let Some(v) = param(&params, "DelaySeconds") {
                p.push(("delay".into(), format!("cdk.Duration.seconds({v})")));
            }
            ("tasks.SqsSendMessage", p)
        }
        "arn:aws:states:::sns:publish" => {
            let mut p = vec![
                ("topic".to_string(), names.reference(params.get("TopicArn"))),
                ("message".to_string(), task_input(&params, "Message")),
            ];
            if let Some(s) = param(&params, "Subject") {
                p.push(("subject".into(), s));
            }
            ("tasks.SnsPublish", p)
        }
        "arn:aws:states:::events:putEvents" => {
            let entries = params
                .get("Entries")
                .and_then(Value::as_array)
                .map(|a| {
                    let items: Vec<String> = a
                        .iter()
                        .filter_map(Value::as_object)
                        .map(|e| {
                            let mut f = Vec::new();
                            if e.contains_key("Detail") || e.contains_key("Detail.$") {
                                f.push(format!("detail: {}", task_input(e, "Detail")));
                            }
                            for (k, prop) in [("DetailType", "detailType"), ("Source", "source")] {
                                if let Some(v) = param(e, k) {
                                    f.push(format!("{prop}: {v}"));
                                }
                            }
                            if let Some(b) = e.get("EventBusName") {
                                f.push(format!("eventBus: {}", names.reference(Some(b))));
                            }
                            format!("{{ {} }}", f.join(", "))
                        })
                        .collect();
                    format!("[{}]", items.join(", "))
                })
                .unwrap_or_else(|| "[]".into());
            (
                "tasks.EventBridgePutEvents",
                vec![("entries".to_string(), entries)],
            )
        }
        other => {
            // Any other integration through the SDK: CallAwsService with the parameters as written.
            let (service, action) = other
                .strip_prefix("arn:aws:states:::aws-sdk:")
                .or_else(|| other.strip_prefix("arn:aws:states:::"))
                .and_then(|r| r.split_once(':'))
                .unwrap_or(("?", "?"));
            let iam: Vec<String> = params
                .values()
                .filter_map(|v| v.as_str())
                .filter(|s| s.starts_with("${"))
                .map(|s| names.arn(s))
                .collect();
            (
                "tasks.CallAwsService",
                vec![
                    ("service".to_string(), js_string(service)),
                    ("action".to_string(), js_string(action)),
                    (
                        "parameters".to_string(),
                        names.literal(&Value::Object(params.clone())),
                    ),
                    (
                        "iamResources".to_string(),
                        if iam.is_empty() {
                            "[/* the resource ARNs */]".into()
                        } else {
                            format!("[{}]", iam.join(", "))
                        },
                    ),
                ],
            )
        }
    };
    for (key, prop) in [
        ("ResultSelector", "resultSelector"),
        ("ResultPath", "resultPath"),
        ("OutputPath", "outputPath"),
        ("InputPath", "inputPath"),
    ] {
        match state.get(key) {
            Some(Value::Null) if key == "ResultPath" => {
                props.push((prop.into(), "sfn.JsonPath.DISCARD".into()))
            }
            Some(v) => props.push((prop.into(), names.literal(v))),
            None => {}
        }
    }
    if let Some(t) = state.get("TimeoutSeconds").and_then(Value::as_u64) {
        props.push((
            "taskTimeout".into(),
            format!("sfn.Timeout.duration(cdk.Duration.seconds({t}))"),
        ));
    }
    let mut code = format!(
        "new {construct}(this, {}, {{\n{}}})",
        js_string(&task.state),
        props
            .iter()
            .map(|(k, v)| format!("  {k}: {},\n", v.replace('\n', "\n  ")))
            .collect::<String>()
    );
    for r in state
        .get("Retry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        code.push_str(&format!("\n  .addRetry({})", retry_props(r)));
    }
    let source = find_invoke(&sources, &task.state, project);
    Some(CdkConstruct {
        state_machine: task.state_machine,
        state: task.state.clone(),
        construct_path: sm.construct.clone(),
        construct: construct.to_string(),
        code,
        source,
    })
}

/// The directory of the CDK app (`cdk.json`) that produced a template in `cdk.out`.
fn app_dir(template: &Path) -> Option<PathBuf> {
    template
        .ancestors()
        .skip(1)
        .find(|d| d.join("cdk.json").is_file())
        .map(Path::to_path_buf)
}

/// The app's TypeScript / JavaScript / Python sources (not cdk.out, not node_modules).
fn source_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(dir)
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            n != "cdk.out" && n != "node_modules"
        })
        .build()
        .flatten()
    {
        let p = entry.path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "ts" | "js" | "py") && !p.to_string_lossy().ends_with(".d.ts") {
            if let Ok(t) = std::fs::read_to_string(p) {
                out.push((p.to_path_buf(), t));
            }
        }
    }
    out
}

/// The line of `LambdaInvoke(this, "<state>"` in the app's source.
fn find_invoke(
    sources: &[(PathBuf, String)],
    state: &str,
    project: &Project,
) -> Option<(PathBuf, usize)> {
    let needle = format!("\"{state}\"");
    let needle2 = format!("'{state}'");
    for (path, text) in sources {
        for (i, line) in text.lines().enumerate() {
            if line.contains("LambdaInvoke(") && (line.contains(&needle) || line.contains(&needle2))
            {
                let base = crate::report::base_dir(&project.root);
                let rel = path.strip_prefix(&base).unwrap_or(path).to_path_buf();
                return Some((rel, i + 1));
            }
        }
    }
    None
}

/// Names of the app's constructs, for resource references.
struct Names<'a> {
    template_doc: Option<Value>,
    sources: &'a [(PathBuf, String)],
}

impl Names<'_> {
    /// `${OrdersTable315BB997}` → the variable the app holds the construct in (`table`), found by
    /// the construct id in the resource's `aws:cdk:path`; else a placeholder naming the logical id.
    fn reference(&self, v: Option<&Value>) -> String {
        let Some(Value::String(s)) = v else {
            return v
                .map(|v| self.literal(v))
                .unwrap_or_else(|| "undefined".into());
        };
        let Some(id) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) else {
            return js_string(s);
        };
        let logical = id.split('.').next().unwrap_or(id);
        self.variable(logical)
            .unwrap_or_else(|| format!("/* the construct of {logical} */ undefined as any"))
    }

    fn variable(&self, logical: &str) -> Option<String> {
        let path = self
            .template_doc
            .as_ref()?
            .pointer(&format!("/Resources/{logical}/Metadata/aws:cdk:path"))?
            .as_str()?;
        let parts: Vec<&str> = path.split('/').collect();
        let construct_id = parts.get(parts.len().checked_sub(2)?)?;
        let re = regex::Regex::new(&format!(
            r#"(?:const|let|var|this\.)\s*(\w+)\s*=\s*new\s+[\w.]+\(\s*this\s*,\s*["']{}["']"#,
            regex::escape(construct_id)
        ))
        .ok()?;
        self.sources
            .iter()
            .find_map(|(_, t)| re.captures(t).map(|c| c[1].to_string()))
    }

    /// An ARN expression for IAM (`table.tableArn` is not guessed: the variable's ARN attribute
    /// differs by construct, so a comment names it).
    fn arn(&self, placeholder: &str) -> String {
        let id = placeholder.trim_start_matches("${").trim_end_matches('}');
        let logical = id.split('.').next().unwrap_or(id);
        match self.variable(logical) {
            Some(v) => format!("/* ARN of */ {v}"),
            None => format!("/* ARN of {logical} */"),
        }
    }

    /// A JSON value as a TypeScript literal; `${Resource}` strings become the construct's variable.
    fn literal(&self, v: &Value) -> String {
        match v {
            Value::String(s) if s.starts_with("${") && s.ends_with('}') => self.reference(Some(v)),
            Value::Object(m) => {
                if m.is_empty() {
                    return "{}".into();
                }
                ts_object(m, |v| self.literal(v))
            }
            Value::Array(a) => format!(
                "[{}]",
                a.iter()
                    .map(|v| self.literal(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.to_string(),
        }
    }
}

fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn js_key(k: &str) -> String {
    let b = k.as_bytes();
    if !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_' || b[0] == b'$')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$')
    {
        k.to_string()
    } else {
        js_string(k)
    }
}

/// A string-valued parameter (`K` literal or `K.$` path) as TypeScript.
fn param(m: &Map<String, Value>, key: &str) -> Option<String> {
    if let Some(p) = m.get(&format!("{key}.$")).and_then(Value::as_str) {
        return Some(json_path(p));
    }
    m.get(key).map(|v| match v {
        Value::String(s) => js_string(s),
        other => other.to_string(),
    })
}

/// A path or intrinsic function as a CDK JsonPath token.
fn json_path(p: &str) -> String {
    if let Some(inner) = p
        .strip_prefix("States.JsonToString(")
        .and_then(|r| r.strip_suffix(')'))
        .filter(|i| i.starts_with('$'))
    {
        return format!(
            "sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt({}))",
            js_string(inner)
        );
    }
    if p.starts_with('$') {
        format!("sfn.JsonPath.stringAt({})", js_string(p))
    } else {
        // Other intrinsic functions are kept as written.
        format!(
            "sfn.JsonPath.stringAt({}) /* intrinsic function */",
            js_string(p)
        )
    }
}

/// A TaskInput for a message/detail parameter.
fn task_input(m: &Map<String, Value>, key: &str) -> String {
    if let Some(p) = m.get(&format!("{key}.$")).and_then(Value::as_str) {
        if p.starts_with('$') {
            return format!("sfn.TaskInput.fromJsonPathAt({})", js_string(p));
        }
        return format!("sfn.TaskInput.fromText({})", json_path(p));
    }
    match m.get(key) {
        Some(Value::String(s)) => format!("sfn.TaskInput.fromText({})", js_string(s)),
        Some(v @ Value::Object(_)) => format!("sfn.TaskInput.fromObject({})", object_with_paths(v)),
        Some(v) => format!("sfn.TaskInput.fromObject({v})"),
        None => "sfn.TaskInput.fromObject({})".into(),
    }
}

/// An object template: `k.$` fields become `k: sfn.JsonPath.stringAt(...)`.
fn object_with_paths(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| match (k.strip_suffix(".$"), v) {
                    (Some(base), Value::String(p)) => {
                        format!("  {}: {},\n", js_key(base), json_path(p))
                    }
                    _ => format!(
                        "  {}: {},\n",
                        js_key(k),
                        object_with_paths(v).replace('\n', "\n  ")
                    ),
                })
                .collect();
            format!("{{\n{}}}", inner.concat())
        }
        other => other.to_string(),
    }
}

/// A DynamoDB item/key map of AttributeValues as `tasks.DynamoAttributeValue` calls.
fn dynamo_map(v: Option<&Value>) -> String {
    let Some(Value::Object(m)) = v else {
        return "{}".into();
    };
    ts_object(m, attribute_value)
}

/// A TypeScript object literal, one member a line, each value rendered by `value`.
fn ts_object(m: &serde_json::Map<String, Value>, value: impl Fn(&Value) -> String) -> String {
    let inner: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("  {}: {},\n", js_key(k), value(v).replace('\n', "\n  ")))
        .collect();
    format!("{{\n{}}}", inner.concat())
}

fn attribute_value(av: &Value) -> String {
    let Some((ty, v)) = av.as_object().and_then(|m| m.iter().next()) else {
        return format!("/* {av} */ undefined as any");
    };
    let path = |p: &Value| json_path(p.as_str().unwrap_or("$"));
    match (ty.as_str(), v) {
        ("S", Value::String(s)) => {
            format!("tasks.DynamoAttributeValue.fromString({})", js_string(s))
        }
        ("S.$", p) => format!("tasks.DynamoAttributeValue.fromString({})", path(p)),
        ("N", Value::String(s)) => format!("tasks.DynamoAttributeValue.fromNumber({s})"),
        ("N.$", p) => format!("tasks.DynamoAttributeValue.numberFromString({})", path(p)),
        ("BOOL", Value::Bool(b)) => format!("tasks.DynamoAttributeValue.fromBoolean({b})"),
        ("BOOL.$", p) => format!(
            "tasks.DynamoAttributeValue.booleanFromJsonPath({})",
            js_string(p.as_str().unwrap_or("$"))
        ),
        ("NULL", _) => "tasks.DynamoAttributeValue.fromNull(true)".into(),
        ("M", m) => format!(
            "tasks.DynamoAttributeValue.fromMap({})",
            dynamo_map(Some(m))
        ),
        ("M.$", p) => format!(
            "tasks.DynamoAttributeValue.mapFromJsonPath({})",
            js_string(p.as_str().unwrap_or("$"))
        ),
        ("L", Value::Array(items)) => format!(
            "tasks.DynamoAttributeValue.fromList([{}])",
            items
                .iter()
                .map(attribute_value)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ("L.$", p) => format!(
            "tasks.DynamoAttributeValue.listFromJsonPath({})",
            js_string(p.as_str().unwrap_or("$"))
        ),
        _ => format!("/* {av} */ undefined as any"),
    }
}

/// `.addRetry({...})` props from an ASL retrier.
fn retry_props(r: &Value) -> String {
    let mut f = Vec::new();
    if let Some(e) = r.get("ErrorEquals") {
        f.push(format!("errors: {e}"));
    }
    if let Some(i) = r.get("IntervalSeconds") {
        f.push(format!("interval: cdk.Duration.seconds({i})"));
    }
    if let Some(m) = r.get("MaxAttempts") {
        f.push(format!("maxAttempts: {m}"));
    }
    if let Some(b) = r.get("BackoffRate") {
        f.push(format!("backoffRate: {b}"));
    }
    format!("{{ {} }}", f.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_values_and_inputs_map_to_cdk_calls() {
        assert_eq!(
            attribute_value(&json!({"S.$": "$.id"})),
            "tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(\"$.id\"))"
        );
        assert_eq!(
            attribute_value(&json!({"N": "5"})),
            "tasks.DynamoAttributeValue.fromNumber(5)"
        );
        let m: Map<String, Value> = json!({"MessageBody.$": "States.JsonToString($.order)"})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            task_input(&m, "MessageBody"),
            "sfn.TaskInput.fromText(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(\"$.order\")))"
        );
        assert_eq!(
            retry_props(&json!({"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2})),
            "{ errors: [\"A\"], interval: cdk.Duration.seconds(1), maxAttempts: 2, backoffRate: 2 }"
        );
    }
}
