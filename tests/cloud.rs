//! `--aws` commands end to end against a fake Step Functions endpoint on 127.0.0.1 that speaks
//! the awsJson1_0 protocol (POST / with `X-Amz-Target: AWSStepFunctions.<Operation>`); never the
//! network. Response shapes follow the Step Functions API reference.

#[path = "support/fixture.rs"]
mod fixture;

use assert_cmd::Command;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

type Handler = dyn Fn(&str, &Value) -> (u16, Value) + Send + Sync;

/// A fake SFN endpoint: answers each request with `handler(operation, body)` and logs the calls.
struct FakeSfn {
    url: String,
    calls: Arc<Mutex<Vec<(String, Value)>>>,
}

impl FakeSfn {
    fn start(handler: impl Fn(&str, &Value) -> (u16, Value) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let calls = Arc::new(Mutex::new(Vec::new()));
        let log = calls.clone();
        let handler: Arc<Handler> = Arc::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, handler) = (log.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &*handler, &log));
            }
        });
        FakeSfn { url, calls }
    }

    fn operations(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.0.clone())
            .collect()
    }
}

/// Serves HTTP/1.1 requests on one keep-alive connection until the client closes it.
fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<(String, Value)>>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let (mut target, mut length) = (String::new(), 0usize);
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                match k.to_ascii_lowercase().as_str() {
                    "x-amz-target" => target = v.trim().to_string(),
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let op = target
            .strip_prefix("AWSStepFunctions.")
            .unwrap_or(&target)
            .to_string();
        let (status, answer) = handler(&op, &body);
        log.lock().unwrap().push((op, body));
        let text = answer.to_string();
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: 1\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

const ACCOUNT: &str = "123456789012";

fn machine_arn(name: &str) -> String {
    format!("arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{name}")
}

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}")
}

/// order.asl.json as CloudFormation deploys it: substitutions replaced by generated function ARNs.
fn deployed_order_definition() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/order-service/statemachine/order.asl.json"
    ))
    .unwrap();
    let mut text = text;
    for (var, deployed) in [
        (
            "PriceOrderFunctionArn",
            "order-service-PriceOrderFunction-8XK2L0",
        ),
        (
            "SaveOrderFunctionArn",
            "order-service-SaveOrderFunction-Q1W2E3",
        ),
        (
            "NotifyWarehouseFunctionArn",
            "order-service-NotifyWarehouseFunc-ZZ9",
        ),
        (
            "NotifyCustomerFunctionArn",
            "order-service-NotifyCustomerFunction-AB1",
        ),
        (
            "EmitEventFunctionArn",
            "order-service-EmitEventFunction-77A",
        ),
    ] {
        text = text.replace(&format!("${{{var}}}"), &function_arn(deployed));
    }
    text
}

fn describe(name: &str, definition: &str) -> Value {
    json!({
        "stateMachineArn": machine_arn(name),
        "name": name,
        "status": "ACTIVE",
        "definition": definition,
        "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/{name}-role"),
        "type": "STANDARD",
        "creationDate": 1.7e9
    })
}

fn list_item(name: &str) -> Value {
    json!({"stateMachineArn": machine_arn(name), "name": name, "type": "STANDARD", "creationDate": 1.7e9})
}

/// An account with the order workflow (page 1) and a machine calling an unknown function (page 2).
fn account(op: &str, body: &Value) -> (u16, Value) {
    let other = json!({"StartAt": "Call", "States": {"Call": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "billing-reconcile:live", "Payload.$": "$"}, "End": true}}})
    .to_string();
    match (op, body.get("nextToken").and_then(Value::as_str)) {
        ("ListStateMachines", None) => (
            200,
            json!({"stateMachines": [list_item("order-workflow")], "nextToken": "page-2"}),
        ),
        ("ListStateMachines", Some("page-2")) => {
            (200, json!({"stateMachines": [list_item("billing")]}))
        }
        ("DescribeStateMachine", _) => match body["stateMachineArn"].as_str() {
            Some(a) if a == machine_arn("order-workflow") => (
                200,
                describe("order-workflow", &deployed_order_definition()),
            ),
            Some(a) if a == machine_arn("billing") => (200, describe("billing", &other)),
            _ => (
                400,
                json!({"__type": "StateMachineDoesNotExist", "message": "no"}),
            ),
        },
        _ => (400, json!({"__type": "UnknownOperationException"})),
    }
}

/// `lambdaless` with static test credentials and no shared config: nothing reaches the network.
fn lambdaless() -> Command {
    let mut c = Command::cargo_bin("lambdaless").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_clear()
        .env("HOME", "/nonexistent-home")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1");
    c
}

/// `audit --aws --source fixtures/order-service --format json` against `fake`.
fn audit_aws_json(fake: &FakeSfn) -> std::process::Output {
    lambdaless()
        .args(["audit", "--aws", "--source", "fixtures/order-service"])
        .args(["--format", "json", "--endpoint-url", &fake.url])
        .output()
        .unwrap()
}

fn rows(v: &Value) -> Vec<(String, String, String, String)> {
    let mut r: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (
                s("state"),
                s("function"),
                s("handler"),
                f["verdict"].to_string(),
            )
        })
        .collect();
    r.sort();
    r
}

#[test]
fn audit_aws_matches_the_local_audit_of_the_same_project() {
    let fake = FakeSfn::start(account);
    let out = audit_aws_json(&fake);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let remote: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    let local_out = lambdaless()
        .args(["audit", "fixtures/order-service", "--format", "json"])
        .output()
        .unwrap();
    let local: Value = serde_json::from_slice(&local_out.stdout).unwrap();
    assert_eq!(rows(&remote).len(), 5, "stderr: {stderr}");
    assert_eq!(rows(&remote), rows(&local));
    for f in remote["findings"].as_array().unwrap() {
        assert_eq!(f["state_machine"], "order-workflow");
    }
    // The billing machine's function is not in the source tree: reported, not guessed.
    let unresolved = remote["unresolved"].to_string();
    assert!(unresolved.contains("billing-reconcile"), "{unresolved}");
    // Both pages were listed, both machines described, and nothing but reads was called.
    let ops = fake.operations();
    assert_eq!(ops.iter().filter(|o| *o == "ListStateMachines").count(), 2);
    assert_eq!(
        ops.iter().filter(|o| *o == "DescribeStateMachine").count(),
        2
    );
    assert!(ops
        .iter()
        .all(|o| o.starts_with("List") || o.starts_with("Describe")));
}

#[test]
fn audit_aws_honours_aws_endpoint_url_sfn() {
    let fake = FakeSfn::start(account);
    let out = lambdaless()
        .env("AWS_ENDPOINT_URL_SFN", &fake.url)
        .args([
            "audit",
            "--aws",
            "--source",
            "fixtures/order-service",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows(&v).len(), 5);
}

#[test]
fn access_denied_names_the_iam_action() {
    let fake = FakeSfn::start(|_, _| {
        (
            400,
            json!({"__type": "AccessDeniedException",
                   "message": "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: states:ListStateMachines"}),
        )
    });
    let out = lambdaless()
        .args(["audit", "--aws", "--source", "fixtures/order-service"])
        .args(["--endpoint-url", &fake.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("access denied") && stderr.contains("`states:ListStateMachines`"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn throttled_calls_are_retried() {
    let throttled = Arc::new(Mutex::new(false));
    let fake = FakeSfn::start(move |op, body| {
        let mut t = throttled.lock().unwrap();
        if !*t {
            *t = true;
            return (
                400,
                json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
            );
        }
        account(op, body)
    });
    let out = audit_aws_json(&fake);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows(&v).len(), 5);
    assert_eq!(
        fake.operations()[..2],
        ["ListStateMachines", "ListStateMachines"]
    );
}

#[test]
fn missing_region_and_missing_credentials_are_plain_errors() {
    let out = lambdaless()
        .env_remove("AWS_REGION")
        .args(["audit", "--aws", "--endpoint-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no AWS region"));

    let out = lambdaless()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["audit", "--aws", "--endpoint-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no AWS credentials"));
}

/// A copy of fixtures/order-service to rewrite in place.
fn order_service_copy() -> tempfile::TempDir {
    fixture::fixture_copy("fixtures/order-service")
}

/// A ValidateStateMachineDefinition answer (response syntax of
/// https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinition.html).
fn validation(result: &str, diagnostics: Value) -> impl Fn(&str, &Value) -> (u16, Value) {
    let answer = json!({"result": result, "diagnostics": diagnostics, "truncated": false});
    move |op, _| match op {
        "ValidateStateMachineDefinition" => (200, answer.clone()),
        _ => (400, json!({"__type": "UnknownOperationException"})),
    }
}

/// `rewrite <dir> --write --force --validate-remote` against the endpoint at `url`.
fn write_validated(dir: &std::path::Path, url: &str) -> std::process::Output {
    lambdaless()
        .arg("rewrite")
        .arg(dir)
        .args(["--write", "--force", "--validate-remote"])
        .args(["--endpoint-url", url])
        .output()
        .unwrap()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn validate_remote_shows_warnings_at_their_line_and_succeeds() {
    let fake = FakeSfn::start(validation(
        "OK",
        json!([{"severity": "WARNING", "code": "NO_DOLLAR",
                "message": "No .$ on a field that appears to be a JSONPath",
                "location": "/States/NotifyWarehouse/ResultSelector"}]),
    ));
    let out = lambdaless()
        .args(["rewrite", "fixtures/order-service", "--validate-remote"])
        .args(["--endpoint-url", &fake.url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The line is the rewritten file's: the diff on stdout shows the ResultSelector added there.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Rewritten Tasks (4)"), "{stdout}");
    assert!(
        stderr.contains("statemachine/order.asl.json:")
            && stderr.contains("WARNING NO_DOLLAR: No .$ on a field")
            && stderr.contains("(at /States/NotifyWarehouse/ResultSelector)"),
        "{stderr}"
    );
    // What was sent: the rewritten definition, its type, and a request for warnings too.
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    let (op, body) = &calls[0];
    assert_eq!(op, "ValidateStateMachineDefinition");
    assert_eq!(body["type"], "STANDARD");
    assert_eq!(body["severity"], "WARNING");
    let sent: Value = serde_json::from_str(body["definition"].as_str().unwrap()).unwrap();
    assert_eq!(
        sent["States"]["NotifyWarehouse"]["Resource"],
        "arn:aws:states:::sqs:sendMessage"
    );
    assert_eq!(
        sent["States"]["PriceOrder"]["Resource"],
        "arn:aws:states:::lambda:invoke"
    );
}

#[test]
fn validate_remote_error_fails_the_rewrite_and_writes_nothing() {
    let dir = order_service_copy();
    let asl = dir.path().join("statemachine/order.asl.json");
    let before = std::fs::read_to_string(&asl).unwrap();
    let template_before = std::fs::read_to_string(dir.path().join("template.yaml")).unwrap();
    let fake = FakeSfn::start(validation(
        "FAIL",
        json!([{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                "message": "The field \"QueueUrl\" is required",
                "location": "/States/NotifyWarehouse/Parameters"}]),
    ));
    let out = write_validated(dir.path(), &fake.url);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert!(!stderr.contains("wrote "), "{stderr}");
    assert_eq!(std::fs::read_to_string(&asl).unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("template.yaml")).unwrap(),
        template_before
    );
    // file:line of the rewritten NotifyWarehouse's Parameters, as the rewrite would write it.
    let planned = Command::cargo_bin("lambdaless")
        .unwrap()
        .arg("rewrite")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&planned.stdout).unwrap();
    let new_text = plan["edits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("order.asl.json"))
        .unwrap()["new_text"]
        .as_str()
        .unwrap()
        .to_string();
    let state = line_of(&new_text, "\"NotifyWarehouse\": {");
    let params = new_text
        .lines()
        .skip(state)
        .position(|l| l.contains("\"Parameters\""))
        .unwrap()
        + state
        + 1;
    let expected = format!("order.asl.json:{params}: ERROR SCHEMA_VALIDATION_FAILED");
    assert!(
        stderr.contains(&expected),
        "expected {expected:?} in {stderr}"
    );

    // Denied: exit 2, named permission, nothing written.
    let denied = FakeSfn::start(|_, _| {
        (
            400,
            json!({"__type": "AccessDeniedException", "message": "not authorized"}),
        )
    });
    let out = write_validated(dir.path(), &denied.url);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`states:ValidateStateMachineDefinition`"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&asl).unwrap(), before);
}

// ---- verify --replay-executions: histories in the shape of GetExecutionHistory
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html),
// data fields as JSON text, each event chained to the previous one.

/// Builds one linear execution history.
struct History {
    events: Vec<Value>,
}

impl History {
    fn new(input: &Value) -> Self {
        let mut h = History { events: Vec::new() };
        h.push(
            "ExecutionStarted",
            "executionStartedEventDetails",
            json!({"input": input.to_string(), "inputDetails": {"truncated": false},
                   "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/order-workflow-role")}),
        );
        h
    }

    fn push(&mut self, ty: &str, key: &str, details: Value) {
        let id = self.events.len() as i64 + 1;
        let mut e = json!({"id": id, "previousEventId": id - 1, "type": ty, "timestamp": 1.7e9 + id as f64});
        if !key.is_empty() {
            e[key] = details;
        }
        self.events.push(e);
    }

    fn state(&mut self, kind: &str, name: &str, input: &Value) {
        self.push(
            &format!("{kind}StateEntered"),
            "stateEnteredEventDetails",
            json!({"name": name, "input": input.to_string(), "inputDetails": {"truncated": false}}),
        );
    }

    fn exit(&mut self, kind: &str, name: &str, output: &Value) {
        self.push(
            &format!("{kind}StateExited"),
            "stateExitedEventDetails",
            json!({"name": name, "output": output.to_string(), "outputDetails": {"truncated": false}}),
        );
    }

    /// A `lambda:invoke` Task: TaskScheduled with the effective parameters, then its answer.
    fn invoke(
        &mut self,
        name: &str,
        input: &Value,
        function: &str,
        payload: &Value,
        returned: &Value,
    ) {
        self.state("Task", name, input);
        let lambda = json!({"resourceType": "lambda", "resource": "invoke"});
        let mut sched = lambda.clone();
        sched["region"] = json!("us-east-1");
        sched["parameters"] =
            json!(json!({"FunctionName": function_arn(function), "Payload": payload}).to_string());
        self.push("TaskScheduled", "taskScheduledEventDetails", sched);
        self.push("TaskStarted", "taskStartedEventDetails", lambda.clone());
        let mut ok = lambda;
        ok["output"] = json!(envelope(returned).to_string());
        ok["outputDetails"] = json!({"truncated": false});
        self.push("TaskSucceeded", "taskSucceededEventDetails", ok);
    }

    /// A Task whose Resource is the function ARN.
    fn bare(&mut self, name: &str, input: &Value, function: &str, returned: &Value) {
        self.state("Task", name, input);
        self.push(
            "LambdaFunctionScheduled",
            "lambdaFunctionScheduledEventDetails",
            json!({"resource": function_arn(function), "input": input.to_string(),
                   "inputDetails": {"truncated": false}}),
        );
        self.push("LambdaFunctionStarted", "", Value::Null);
        self.push(
            "LambdaFunctionSucceeded",
            "lambdaFunctionSucceededEventDetails",
            json!({"output": returned.to_string(), "outputDetails": {"truncated": false}}),
        );
    }
}

/// Lambda's Invoke response as the optimized integration returns it.
fn envelope(payload: &Value) -> Value {
    json!({"ExecutedVersion": "$LATEST", "Payload": payload,
           "SdkHttpMetadata": {"HttpHeaders": {"Content-Type": "application/json"}, "HttpStatusCode": 200},
           "SdkResponseMetadata": {"RequestId": "5f1e8a2c-1111-4222-8333-944455556666"},
           "StatusCode": 200})
}

fn merge(a: &Value, b: Value) -> Value {
    let mut out = a.clone();
    for (k, v) in b.as_object().unwrap() {
        out[k] = v.clone();
    }
    out
}

/// What the deployed order workflow records for `input`; `customer_reply` is what the
/// NotifyCustomer function returned.
fn order_execution(input: &Value, customer_reply: Value) -> Vec<Value> {
    let mut h = History::new(input);
    h.state("Choice", "ValidateOrder", input);
    h.exit("Choice", "ValidateOrder", input);
    if input.get("orderId").is_none() {
        h.state("Fail", "InvalidOrder", input);
        h.push(
            "ExecutionFailed",
            "executionFailedEventDetails",
            json!({"error": "InvalidOrder", "cause": "The order has no orderId"}),
        );
        return h.events;
    }
    let priced = merge(input, json!({"total": 16.1, "discount": 0}));
    h.invoke(
        "PriceOrder",
        input,
        "order-service-PriceOrderFunction-8XK2L0",
        input,
        &priced,
    );
    h.exit("Task", "PriceOrder", &priced);
    h.invoke(
        "SaveOrder",
        &priced,
        "order-service-SaveOrderFunction-Q1W2E3",
        &priced,
        &Value::Null,
    );
    h.exit("Task", "SaveOrder", &priced);
    let queued = json!({"messageId": "7d3c0e7a-7f55-4b8e-9a9c-0a4c2a6f1b11"});
    h.bare(
        "NotifyWarehouse",
        &priced,
        "order-service-NotifyWarehouseFunc-ZZ9",
        &queued,
    );
    let warehoused = merge(&priced, json!({"warehouse": queued}));
    h.exit("Task", "NotifyWarehouse", &warehoused);
    let to_customer = json!({"orderId": input["orderId"], "customer": input["customer"]});
    h.invoke(
        "NotifyCustomer",
        &warehoused,
        "order-service-NotifyCustomerFunction-AB1",
        &to_customer,
        &customer_reply,
    );
    let notified = merge(
        &warehoused,
        json!({"notification": {"messageId": customer_reply["messageId"]}}),
    );
    h.exit("Task", "NotifyCustomer", &notified);
    h.bare(
        "EmitOrderPlaced",
        &notified,
        "order-service-EmitEventFunction-77A",
        &json!({"FailedEntryCount": 0, "Entries": [{"EventId": "0b7e1f4e-2c3d-4e5f-8a9b-1c2d3e4f5a6b"}]}),
    );
    h.exit("Task", "EmitOrderPlaced", &notified);
    h.state("Succeed", "OrderPlaced", &notified);
    h.exit("Succeed", "OrderPlaced", &notified);
    h.push(
        "ExecutionSucceeded",
        "executionSucceededEventDetails",
        json!({"output": notified.to_string(), "outputDetails": {"truncated": false}}),
    );
    h.events
}

fn fixture_json(name: &str) -> Value {
    let path = format!(
        "{}/fixtures/order-service/events/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn execution_arn(name: &str) -> String {
    format!("arn:aws:states:us-east-1:{ACCOUNT}:execution:order-workflow:{name}")
}

/// Three executions, newest first: one the models predict, one whose NotifyCustomer answered
/// with a field the handler does not return, one stopped by the Choice state.
fn executions(op: &str, body: &Value) -> (u16, Value) {
    let item = |name: &str, status: &str| {
        json!({"executionArn": execution_arn(name), "stateMachineArn": machine_arn("order-workflow"),
               "name": name, "status": status, "startDate": 1.7e9, "stopDate": 1.7e9 + 3.0})
    };
    let history = |name: &str| -> Vec<Value> {
        match name {
            "run-3" => order_execution(
                &fixture_json("order-basic.json"),
                json!({"messageId": "1c1a4bd5-6e34-4e8e-bb5f-5ed2b6d43a11"}),
            ),
            "run-2" => order_execution(
                &fixture_json("order-gold-customer.json"),
                json!({"messageId": "2f0c9d7e-0d3c-4b59-9d8e-0e6c4c9e2b22", "status": "sent"}),
            ),
            _ => order_execution(&fixture_json("order-missing-id.json"), Value::Null),
        }
    };
    match op {
        "ListExecutions" => match body.get("nextToken").and_then(Value::as_str) {
            None => (
                200,
                json!({"executions": [item("run-3", "SUCCEEDED"), item("run-2", "SUCCEEDED")], "nextToken": "more"}),
            ),
            Some(_) => (200, json!({"executions": [item("run-1", "FAILED")]})),
        },
        "GetExecutionHistory" => {
            let name = body["executionArn"]
                .as_str()
                .unwrap_or("")
                .rsplit(':')
                .next()
                .unwrap_or("")
                .to_string();
            let events = history(&name);
            // Two pages, to follow nextToken.
            let half = events.len() / 2;
            match body.get("nextToken").and_then(Value::as_str) {
                None => (200, json!({"events": events[..half], "nextToken": "rest"})),
                Some(_) => (200, json!({"events": events[half..]})),
            }
        }
        _ => account(op, body),
    }
}

/// `verify fixtures/order-service --samples 5 --no-faults`.
fn verify_order_service() -> Command {
    let mut c = lambdaless();
    c.args([
        "verify",
        "fixtures/order-service",
        "--samples",
        "5",
        "--no-faults",
    ]);
    c
}

/// `verify --replay-executions n` of order-workflow against `fake`, with `extra` arguments.
fn replay_with(fake: &FakeSfn, n: &str, extra: &[&str]) -> std::process::Output {
    verify_order_service()
        .args([
            "--replay-executions",
            n,
            "--state-machine",
            &machine_arn("order-workflow"),
        ])
        .args(["--endpoint-url", &fake.url])
        .args(extra)
        .output()
        .unwrap()
}

fn replay_cmd(fake: &FakeSfn, n: &str) -> std::process::Output {
    replay_with(fake, n, &["--format", "json"])
}

/// The number of inputs each Task of the first machine was verified with.
fn task_inputs(report: &Value) -> Vec<u64> {
    report["machines"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["inputs"].as_u64().unwrap())
        .collect()
}

#[test]
fn replay_compares_recorded_lambda_answers_with_the_handler_models() {
    let fake = FakeSfn::start(executions);
    let out = replay_cmd(&fake, "3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    let replay = &v["replay"];
    assert_eq!(replay["local_state_machine"], "OrderWorkflow", "{replay}");
    let names: Vec<&str> = replay["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["run-3", "run-2", "run-1"]);
    let task = |s: &str| {
        replay["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["state"] == s)
            .unwrap_or_else(|| panic!("no {s} in {replay}"))
            .clone()
    };
    // Ids the services generate (SQS MessageId, EventBridge EventId) are compared by type only.
    for s in ["SaveOrder", "NotifyWarehouse", "EmitOrderPlaced"] {
        let t = task(s);
        assert_eq!(
            (t["compared"].as_u64(), t["matched"].as_u64()),
            (Some(2), Some(2)),
            "{t}"
        );
    }
    let customer = task("NotifyCustomer");
    assert_eq!(customer["compared"], 2);
    assert_eq!(customer["matched"], 1);
    let m = &customer["mismatches"][0];
    assert_eq!(m["execution"], "run-2");
    assert_eq!(m["request"]["Payload"]["orderId"], "ord-1002");
    assert_eq!(m["differences"][0]["at"], "$.Payload.status");
    assert_eq!(m["differences"][0]["recorded"], "sent");
    // A mismatch fails verify.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // The three inputs joined the verification inputs.
    let inputs = task_inputs(&v);
    let without = verify_order_service()
        .args(["--format", "json"])
        .output()
        .unwrap();
    let base: Value = serde_json::from_slice(&without.stdout).unwrap();
    let base_inputs = task_inputs(&base);
    assert_eq!(inputs.len(), base_inputs.len());
    for (a, b) in inputs.iter().zip(&base_inputs) {
        assert_eq!(*a, b + 3, "{inputs:?} vs {base_inputs:?}");
    }
    // Paging: two ListExecutions pages, two history pages per execution.
    let calls = fake.calls.lock().unwrap().clone();
    let list: Vec<&Value> = calls
        .iter()
        .filter(|c| c.0 == "ListExecutions")
        .map(|c| &c.1)
        .collect();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["maxResults"], 3);
    assert_eq!(
        list[0]["stateMachineArn"],
        machine_arn("order-workflow").as_str()
    );
    assert_eq!(list[1]["nextToken"], "more");
    assert_eq!(list[1]["maxResults"], 1);
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.0 == "GetExecutionHistory")
            .count(),
        6
    );
}

#[test]
fn replay_text_names_the_task_and_the_difference() {
    let fake = FakeSfn::start(executions);
    let out = replay_with(&fake, "2", &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("NotifyCustomer (NotifyCustomerFunction): MISMATCH: 1/2"),
        "{text}"
    );
    assert!(
        text.contains("$.Payload.status: recorded \"sent\", model predicts \"(absent)\""),
        "{text}"
    );
    // N limits the executions read: one page of two.
    assert_eq!(
        fake.operations()
            .iter()
            .filter(|o| *o == "ListExecutions")
            .count(),
        1
    );
}

// ---- verify --remote: TestState (request and response syntax of
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html).

/// Step Functions' answer for the rewritten NotifyWarehouse state (an `sqs:sendMessage` Task with
/// `ResultSelector {"messageId.$": "$.MessageId"}` and `ResultPath "$.warehouse"`), worked out by
/// hand from the request: the mocked SendMessage result goes through ResultSelector and ResultPath.
fn notify_warehouse_test_state(body: &Value) -> (u16, Value) {
    let definition: Value = serde_json::from_str(body["definition"].as_str().unwrap()).unwrap();
    let state = &definition["States"][body["stateName"].as_str().unwrap()];
    if body["stateName"] != "NotifyWarehouse" {
        return (
            400,
            json!({"__type": "ValidationException", "message": "this fake only knows NotifyWarehouse"}),
        );
    }
    let input_text = body["input"].as_str().unwrap();
    let input: Value = serde_json::from_str(input_text).unwrap();
    let result: Value = serde_json::from_str(body["mock"]["result"].as_str().unwrap()).unwrap();
    let selected = json!({"messageId": result["MessageId"]});
    let output = merge(&input, json!({"warehouse": selected}));
    let parameters =
        json!({"QueueUrl": state["Parameters"]["QueueUrl"], "MessageBody": input_text});
    (
        200,
        json!({"status": "SUCCEEDED", "output": output.to_string(), "nextState": state["Next"],
               "inspectionData": {"input": input_text, "afterInputPath": input_text,
                                  "afterParameters": parameters.to_string(),
                                  "result": body["mock"]["result"],
                                  "afterResultSelector": selected.to_string(),
                                  "afterResultPath": output.to_string()}}),
    )
}

fn remote_cmd(fake: &FakeSfn) -> std::process::Output {
    lambdaless()
        .args([
            "verify",
            "fixtures/order-service",
            "--only",
            "NotifyWarehouse",
        ])
        .args(["--samples", "5", "--no-faults", "--remote"])
        .args(["--endpoint-url", &fake.url])
        .output()
        .unwrap()
}

#[test]
fn remote_test_state_agrees_with_the_local_interpreter() {
    let fake = FakeSfn::start(|op, body| match op {
        "TestState" => notify_warehouse_test_state(body),
        _ => (400, json!({"__type": "UnknownOperationException"})),
    });
    let out = remote_cmd(&fake);
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("3/3 case(s) agree with the local interpreter"),
        "{text}{stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{text}{stderr}");
    // One call per sample input reaching the state (order-missing-id stops at the Choice),
    // each mocked at DEBUG level, without a role.
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 3);
    for (op, body) in &calls {
        assert_eq!(op, "TestState");
        assert_eq!(body["stateName"], "NotifyWarehouse");
        assert_eq!(body["inspectionLevel"], "DEBUG");
        assert!(body.get("roleArn").is_none(), "{body}");
        let mock: Value = serde_json::from_str(body["mock"]["result"].as_str().unwrap()).unwrap();
        assert!(mock["MessageId"].is_string(), "{body}");
        let def: Value = serde_json::from_str(body["definition"].as_str().unwrap()).unwrap();
        assert_eq!(
            def["States"]["NotifyWarehouse"]["Resource"],
            "arn:aws:states:::sqs:sendMessage"
        );
    }
}

#[test]
fn remote_test_state_differences_fail_verify() {
    // This Step Functions ignores ResultPath: the output is the selected result alone.
    let fake = FakeSfn::start(|op, body| {
        let (status, mut answer) = notify_warehouse_test_state(body);
        if op == "TestState" && status == 200 {
            let result: Value =
                serde_json::from_str(body["mock"]["result"].as_str().unwrap()).unwrap();
            answer["output"] = json!(json!({"messageId": result["MessageId"]}).to_string());
        }
        (status, answer)
    });
    let out = remote_cmd(&fake);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("0/3 case(s) agree"), "{text}");
    assert!(
        text.contains("OrderWorkflow / NotifyWarehouse on sample order-basic.json: differs"),
        "{text}"
    );
    assert!(
        text.contains("output.orderId: Step Functions \"(absent)\", lambdaless \"ord-1001\""),
        "{text}"
    );
}

/// Step Functions' answer for the rewritten SaveOrder state (`dynamodb:putItem`, `ResultPath: null`,
/// `Catch [{ErrorEquals: [States.ALL], ResultPath: $.error, Next: OrderFailed}]`), worked out by hand
/// from API_TestState.html: a result mock succeeds with the input unchanged; an error mock is caught,
/// so the status is CAUGHT_ERROR and the output carries {Error, Cause} at $.error.
fn save_order_test_state(body: &Value) -> (u16, Value) {
    let input: Value = serde_json::from_str(body["input"].as_str().unwrap()).unwrap();
    let Some(e) = body["mock"].get("errorOutput") else {
        return (
            200,
            json!({"status": "SUCCEEDED", "output": input.to_string(), "nextState": "NotifyWarehouse"}),
        );
    };
    let output = merge(
        &input,
        json!({"error": {"Error": e["error"], "Cause": e["cause"]}}),
    );
    (
        200,
        json!({"status": "CAUGHT_ERROR", "output": output.to_string(), "nextState": "OrderFailed",
               "error": e["error"], "cause": e["cause"]}),
    )
}

#[test]
fn a_failed_service_call_reaches_test_state_as_an_error_mock() {
    // An empty orderId: DynamoDB rejects an empty key value, so the simulated PutItem of SaveOrder
    // fails and that failure is what TestState is given to mock.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("numeric-id.json");
    std::fs::write(
        &input,
        r#"{"orderId": "", "customer": {"id": "c", "email": "a@b.c"}, "items": [{"sku": "s", "quantity": 1, "price": 2}]}"#,
    )
    .unwrap();
    let fake = FakeSfn::start(|op, body| match op {
        "TestState" if body["stateName"] == "SaveOrder" => save_order_test_state(body),
        _ => (
            400,
            json!({"__type": "ValidationException", "message": "unexpected"}),
        ),
    });
    let out = lambdaless()
        .args(["verify", "fixtures/order-service", "--only", "SaveOrder"])
        .args(["--samples", "0", "--no-faults", "--remote", "--inputs"])
        .arg(&input)
        .args(["--endpoint-url", &fake.url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let calls = fake.calls.lock().unwrap().clone();
    let failed: Vec<&Value> = calls
        .iter()
        .filter(|(op, b)| op == "TestState" && b["mock"].get("errorOutput").is_some())
        .map(|(_, b)| b)
        .collect();
    assert!(
        !failed.is_empty(),
        "no error mock was sent: {calls:?}\n{text}{stderr}"
    );
    for body in &failed {
        assert_eq!(body["stateName"], "SaveOrder");
        assert!(body["mock"].get("result").is_none(), "{body}");
        let error = body["mock"]["errorOutput"]["error"].as_str().unwrap();
        assert!(error.starts_with("DynamoDB."), "{body}");
    }
    // The three samples succeed, the empty id is caught: all four agree.
    assert!(
        text.contains("4/4 case(s) agree with the local interpreter"),
        "{text}{stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{text}{stderr}");
}

// ---- read-only guarantee

/// An account that answers every operation the commands use.
fn whole_account(op: &str, body: &Value) -> (u16, Value) {
    match op {
        "ValidateStateMachineDefinition" => (200, json!({"result": "OK", "diagnostics": []})),
        "TestState" => notify_warehouse_test_state(body),
        _ => executions(op, body),
    }
}

#[test]
fn every_command_only_reads_validates_or_tests_with_mocks() {
    let fake = FakeSfn::start(whole_account);
    let dir = order_service_copy();
    let runs: Vec<Vec<String>> = vec![
        vec!["audit", "--aws", "--source", "fixtures/order-service"],
        vec!["rewrite", "fixtures/order-service", "--validate-remote"],
        vec![
            "verify",
            "fixtures/order-service",
            "--samples",
            "2",
            "--no-faults",
            "--remote",
            "--replay-executions",
            "3",
            "--state-machine",
        ],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    for mut args in runs {
        if args.last().map(String::as_str) == Some("--state-machine") {
            args.push(machine_arn("order-workflow"));
        }
        let out = lambdaless()
            .args(&args)
            .args(["--endpoint-url", &fake.url])
            .output()
            .unwrap();
        assert_ne!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // --write with validation: the files change, the account does not.
    let out = write_validated(dir.path(), &fake.url);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let calls = fake.calls.lock().unwrap().clone();
    let read_only = |op: &str| {
        ["List", "Describe", "Get"]
            .iter()
            .any(|p| op.starts_with(p))
            || op == "ValidateStateMachineDefinition"
            || op == "TestState"
    };
    for (op, _) in &calls {
        assert!(read_only(op), "{op} is not read-only");
    }
    let mut seen: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "DescribeStateMachine",
            "GetExecutionHistory",
            "ListExecutions",
            "ListStateMachines",
            "TestState",
            "ValidateStateMachineDefinition"
        ]
    );
    // TestState never runs a real integration: every request carries a mock and no role.
    for (op, body) in &calls {
        if op == "TestState" {
            assert!(
                body["mock"].is_object() && body.get("roleArn").is_none(),
                "{body}"
            );
        }
    }
}
