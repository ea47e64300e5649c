//! Compares two runs (original and rewritten) the way a consumer of the workflow would: final
//! status, output, error and cause, the states visited, every successful service call in order
//! with canonical parameters, and the final world. JSON is compared semantically; byte-level
//! differences (spacing, key order, escaping) are warnings; inherent differences are accepted
//! with a reason.

use super::backend::{CallOrigin, CallRecord, Inconclusive};
use super::faults::{integration_error_name, is_modelled, Fault, IntegrationStyle};
use crate::interp::ExecutionResult;
use serde::Serialize;
use serde_json::{json, Value};

/// Everything one run produced.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub status: String,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Names of the states entered, in order.
    pub path: Vec<String>,
    pub calls: Vec<CallRecord>,
    pub world: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inconclusive: Option<Inconclusive>,
    /// The execution history (AWS's event vocabulary), shown for counterexamples.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Value>,
}

impl RunOutcome {
    pub fn new(
        result: ExecutionResult,
        calls: Vec<CallRecord>,
        world: Value,
        inconclusive: Option<Inconclusive>,
    ) -> Self {
        RunOutcome {
            path: states_entered(&result.history),
            status: result.status,
            output: result.output,
            error: result.error,
            cause: result.cause,
            calls,
            world,
            inconclusive,
            history: result.history,
        }
    }

    /// The calls that took effect (failed attempts change nothing in the world).
    pub fn effective_calls(&self) -> Vec<&CallRecord> {
        self.calls.iter().filter(|c| c.error.is_none()).collect()
    }
}

/// State names from `*StateEntered` history events (AWS history vocabulary).
pub fn states_entered(history: &[Value]) -> Vec<String> {
    history
        .iter()
        .filter(|e| {
            e.get("type")
                .and_then(Value::as_str)
                .map(|t| t.ends_with("StateEntered"))
                .unwrap_or(false)
        })
        .filter_map(|e| {
            e.get("stateEnteredEventDetails")
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Not equivalent.
    Difference,
    /// Same meaning, different bytes: a consumer comparing text would notice.
    Warning,
    /// Inherent and harmless, with the reason in `note`.
    Accepted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    Status,
    Output,
    Error,
    Cause,
    ControlFlow,
    SideEffect,
    World,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    pub kind: Kind,
    pub aspect: Aspect,
    /// Where: a JSON path in the output, `call #2 sqs:SendMessage $.MessageBody`, ...
    pub at: String,
    pub original: Value,
    pub rewritten: Value,
    pub note: String,
}

/// What the comparison needs to know about the run.
pub struct Context<'a> {
    pub fault: Option<&'a Fault>,
    /// ARNs Step Functions appends to EventBridge `Resources`.
    pub appended_resources: Vec<String>,
    /// The execution input both runs were given (to recognise an input near the payload quota).
    pub input: Option<&'a Value>,
}

struct Differ<'a> {
    ctx: &'a Context<'a>,
    aspect: Aspect,
    out: Vec<Delta>,
    /// (original, rewritten) error names of one API error the input caused in both runs.
    renames: Vec<(String, String)>,
}

impl Differ<'_> {
    fn push(&mut self, kind: Kind, at: &str, a: &Value, b: &Value, note: impl Into<String>) {
        self.out.push(Delta {
            kind,
            aspect: self.aspect,
            at: at.to_string(),
            original: a.clone(),
            rewritten: b.clone(),
            note: note.into(),
        });
    }

    fn diff(&mut self, a: &Value, b: &Value, at: &str) {
        if a != b && self.aspect == Aspect::World && is_time_key(at) {
            self.push(
                Kind::Accepted,
                at,
                a,
                b,
                "the virtual time of the call: a state's Retry waits IntervalSeconds where the SDK inside the Lambda retried without simulated delay",
            );
            return;
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                if is_error_object(a) && is_error_object(b) {
                    self.error_pair(
                        x.get("Error").and_then(Value::as_str),
                        y.get("Error").and_then(Value::as_str),
                        &format!("{at}.Error"),
                    );
                    if x.get("Cause") != y.get("Cause") {
                        self.push(
                            Kind::Accepted,
                            &format!("{at}.Cause"),
                            &x["Cause"],
                            &y["Cause"],
                            "the Cause text is written by the Lambda runtime or by the service SDK; its wording is not part of the contract",
                        );
                    }
                    return;
                }
                for (k, va) in x {
                    let p = format!("{at}.{}", path_key(k));
                    match y.get(k) {
                        Some(vb) => self.diff(va, vb, &p),
                        None if is_sdk_request_metadata(k) && self.aspect != Aspect::World => {
                            self.push(Kind::Accepted, &p, va, &Value::Null, SDK_METADATA_NOTE)
                        }
                        None => self.push(
                            Kind::Difference,
                            &p,
                            va,
                            &Value::Null,
                            "missing in the rewritten run",
                        ),
                    }
                }
                for (k, vb) in y {
                    if !x.contains_key(k) {
                        let p = format!("{at}.{}", path_key(k));
                        self.push(
                            Kind::Difference,
                            &p,
                            &Value::Null,
                            vb,
                            "only in the rewritten run",
                        );
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                if is_resources(at) && self.appended(x, y) {
                    self.push(
                        Kind::Accepted,
                        at,
                        a,
                        b,
                        "the EventBridge integration appends the state machine and execution ARNs to Resources",
                    );
                    return;
                }
                if x.len() != y.len() {
                    self.push(
                        Kind::Difference,
                        at,
                        a,
                        b,
                        format!("{} items against {}", x.len(), y.len()),
                    );
                    return;
                }
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    self.diff(va, vb, &format!("{at}[{i}]"));
                }
            }
            (Value::Number(x), Value::Number(y)) => {
                if x.as_f64() != y.as_f64() {
                    self.push(Kind::Difference, at, a, b, "different numbers");
                } else if x.to_string() != y.to_string() {
                    self.push(
                        Kind::Warning,
                        at,
                        a,
                        b,
                        format!("same number written as {x} and {y}"),
                    );
                }
            }
            (Value::String(x), Value::String(y)) if x != y => self.strings(x, y, at, a, b),
            _ if a == b => {}
            _ => self.push(Kind::Difference, at, a, b, "different values"),
        }
    }

    fn appended(&self, x: &[Value], y: &[Value]) -> bool {
        y.len() > x.len()
            && y[..x.len()] == *x
            && y[x.len()..].iter().all(|v| {
                v.as_str()
                    .map(|s| self.ctx.appended_resources.iter().any(|r| r == s))
                    .unwrap_or(false)
            })
    }

    fn strings(&mut self, x: &str, y: &str, at: &str, a: &Value, b: &Value) {
        let parsed = (
            serde_json::from_str::<Value>(x),
            serde_json::from_str::<Value>(y),
        );
        if let (Ok(px), Ok(py)) = parsed {
            // A JSON string text (`"zo\u00eb"`, json.dumps of a str) that means the same string.
            let same_string = px.is_string() && px == py;
            let structured = |v: &Value| v.is_object() || v.is_array();
            let numbers = px.is_number() && py.is_number();
            if structured(&px) || structured(&py) || same_string || numbers {
                let before = self.out.len();
                self.diff(&px, &py, &format!("{at}(json)"));
                let semantic = self.out[before..]
                    .iter()
                    .any(|d| d.kind == Kind::Difference);
                let rounded_only = semantic
                    && self.out[before..]
                        .iter()
                        .filter(|d| d.kind == Kind::Difference)
                        .all(|d| same_at_15_digits(&d.original, &d.rewritten));
                if rounded_only {
                    self.out.truncate(before);
                    self.push(Kind::Warning, at, a, b, FIFTEEN_DIGITS_NOTE);
                } else if !semantic {
                    self.out.truncate(before);
                    self.push(
                        Kind::Warning,
                        at,
                        a,
                        b,
                        format!(
                            "same JSON, different text ({}): a consumer that parses it sees the same value; one that compares, hashes or signs the text sees a difference",
                            text_difference(x, y)
                        ),
                    );
                }
                return;
            }
        }
        self.push(Kind::Difference, at, a, b, "different strings");
    }

    fn error_pair(&mut self, a: Option<&str>, b: Option<&str>, at: &str) {
        if a == b {
            return;
        }
        let va = a.map(Value::from).unwrap_or(Value::Null);
        let vb = b.map(Value::from).unwrap_or(Value::Null);
        match (self.ctx.fault, a, b) {
            (Some(f), Some(ea), Some(eb)) if names_fault(ea, f) && names_fault(eb, f) => self.push(
                Kind::Accepted,
                at,
                &va,
                &vb,
                "an injected service error is named by the Lambda runtime in the original and by the integration in the rewrite; Retry/Catch and callers matching the name must use the new one",
            ),
            (_, Some(ea), Some(eb))
                if self.renames.iter().any(|(x, y)| x == ea && y == eb) =>
            {
                self.push(
                    Kind::Accepted,
                    at,
                    &va,
                    &vb,
                    "a service error caused by the input is named by the handler's SDK in the original and by the integration (its error prefix) in the rewrite; Retry/Catch and callers matching the name must use the new one",
                )
            }
            (_, Some(ea), Some(eb)) if is_json_parse_error(ea) && is_parse_failure(eb) => {
                let note = format!("the text the handler parsed is not JSON: its {} raised {ea}, where the rewrite's JSON parsing fails with {eb}; both fail on the same input, under different error names (a Retry/Catch on {ea} must change)",
                    if ea == "SyntaxError" { "JSON.parse" } else { "json.loads" });
                self.push(Kind::Difference, at, &va, &vb, note)
            }
            _ => self.push(Kind::Difference, at, &va, &vb, "different error names"),
        }
    }
}

/// What the handler's runtime raises for text that is not JSON: Python's json.loads raises
/// json.JSONDecodeError (https://docs.python.org/3/library/json.html#json.JSONDecodeError), Node's
/// JSON.parse a SyntaxError (ECMA-262 JSON.parse).
fn is_json_parse_error(error: &str) -> bool {
    error == "JSONDecodeError" || error == "SyntaxError"
}

/// What the rewritten state fails with when its JSON parsing fails: JSONata's `$parse`
/// (States.QueryEvaluationError) or `States.StringToJson` (an intrinsic failure).
fn is_parse_failure(error: &str) -> bool {
    matches!(
        error,
        "States.QueryEvaluationError" | "States.IntrinsicFailure" | "States.Runtime"
    )
}

/// The request metadata an SDK adds to every response: `$metadata` (AWS SDK for JavaScript v3:
/// httpStatusCode, requestId, attempts, totalRetryDelay) and `ResponseMetadata` (boto3: RequestId,
/// HTTPStatusCode, HTTPHeaders, RetryAttempts). A handler that returns the whole response passes
/// it on; no integration returns it (aws-facts §1.3: optimized integrations add SdkHttpMetadata
/// instead, aws-sdk ones nothing).
fn is_sdk_request_metadata(key: &str) -> bool {
    key == "$metadata" || key == "ResponseMetadata"
}

const SDK_METADATA_NOTE: &str = "the Lambda returned the SDK response whole, with the SDK's request metadata (request id, HTTP status, retry count of that one request); no integration returns it. Accepted: its values are per request and never equal between runs; a state or consumer that reads it must change";

fn path_key(k: &str) -> String {
    if k.chars().all(|c| c.is_alphanumeric() || c == '_') && !k.is_empty() {
        k.to_string()
    } else {
        format!("['{k}']")
    }
}

fn is_error_object(v: &Value) -> bool {
    v.as_object()
        .map(|o| o.len() == 2 && o.contains_key("Error") && o.contains_key("Cause"))
        .unwrap_or(false)
}

fn is_time_key(at: &str) -> bool {
    let key = at.rsplit('.').next().unwrap_or(at);
    matches!(
        key,
        "sent_ms" | "time" | "Time" | "SentTimestamp" | "timestamp" | "Timestamp"
    )
}

fn is_resources(at: &str) -> bool {
    at.ends_with(".Resources") || at.ends_with(".resources")
}

/// Does an error name denote the injected API error (as the SDK in the Lambda, or as the
/// integration, names it)?
fn names_fault(error: &str, f: &Fault) -> bool {
    if f.slow.is_some() {
        // A time limit raises the same States error in both versions; any other name differs.
        return false;
    }
    let name = f.error.name;
    let tail = error.rsplit('.').next().unwrap_or(error);
    tail == name
        || tail == format!("{name}Exception")
        || (!f.error.modelled
            && (error == "ClientError" || (error.contains('.') && tail.ends_with("Exception"))))
}

/// The error renames inherent to the rewrite: an API error the original's handler met (not
/// injected) and the rewritten Task met at the same operation in the same state, named as the
/// handler's SDK names it and as the integration does: `<Prefix>.<Name>` (with `Exception`
/// appended when missing), or the service base exception for an error the SDK does not model
/// (the mapping injected faults use, faults::integration_error_name).
fn sdk_renames(orig: &[CallRecord], new: &[CallRecord]) -> Vec<(String, String)> {
    let failed = |c: &&CallRecord, origin: CallOrigin| c.origin == origin && !c.injected;
    let mut out = Vec::new();
    for a in orig.iter().filter(|c| failed(c, CallOrigin::Lambda)) {
        let Some(code) = &a.error else { continue };
        let Some((service, action)) = a.operation.split_once(':') else {
            continue;
        };
        let modelled = is_modelled(service, action, code);
        let mut rewritten = Vec::new();
        for style in [IntegrationStyle::Optimized, IntegrationStyle::AwsSdk] {
            rewritten.push(integration_error_name(style, service, code, true));
            if !modelled {
                rewritten.push(integration_error_name(style, service, code, false));
            }
        }
        // botocore raises ClientError for an error it does not model (lambda_sim::sdk_error).
        let originals = if modelled {
            vec![code.clone()]
        } else {
            vec![code.clone(), "ClientError".to_string()]
        };
        for b in new.iter().filter(|c| failed(c, CallOrigin::Direct)) {
            match &b.error {
                Some(eb)
                    if b.state == a.state
                        && b.operation == a.operation
                        && rewritten.contains(eb) =>
                {
                    for ea in &originals {
                        out.push((ea.clone(), eb.clone()));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// JSONata's `$string` writes a number the way jsonata-js's `string()` does, rounded to 15
/// significant digits (`toPrecision(15)`; https://docs.jsonata.org/string-functions#string casts
/// with JSON.stringify, whose numbers jsonata rounds), where Python's json.dumps and JavaScript's
/// JSON.stringify keep every digit: 1234567890123456 is written "1234567890123460".
fn same_at_15_digits(a: &Value, b: &Value) -> bool {
    let rounded = |v: &Value| v.as_f64().map(|f| format!("{f:.14e}"));
    match (rounded(a), rounded(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

const FIFTEEN_DIGITS_NOTE: &str = "same JSON except numbers written to 15 significant digits: the rewrite's JSONata $string rounds numbers to 15 significant digits (jsonata-js toPrecision(15)) where the handler's json.dumps / JSON.stringify keeps every digit (1234567890123456 becomes 1234567890123460); a consumer that needs more than 15 digits (large IDs, exact amounts) gets a different number";

/// The rewritten Task failed on the payload quota where the original did not, for an input near
/// that quota: the integration's result is the whole service response (startSyncExecution's
/// carries the child execution's Input and Output), where the handler returned only part of it.
/// Quota: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (256 KiB
/// maximum input or output size for a task, state or execution).
fn payload_quota_warning(orig: &RunOutcome, new: &RunOutcome, ctx: &Context) -> Option<Delta> {
    const LIMIT: &str = "States.DataLimitExceeded";
    let size = ctx.input.map(|v| v.to_string().len())?;
    let near_quota = size.saturating_mul(2) >= crate::interp::PAYLOAD_LIMIT_BYTES;
    if new.error.as_deref() != Some(LIMIT) || orig.error.as_deref() == Some(LIMIT) || !near_quota {
        return None;
    }
    Some(Delta {
        kind: Kind::Warning,
        aspect: Aspect::Status,
        at: "error".into(),
        original: json!({"status": orig.status, "error": orig.error}),
        rewritten: json!({"status": new.status, "error": new.error}),
        note: format!(
            "the rewrite fails for inputs near the 256 KiB payload quota: with an input of {size} bytes its Task's result, the integration's whole response (a startSyncExecution result carries the child execution's Input and Output), exceeds the quota (States.DataLimitExceeded), where the handler returned only part of the response and the original succeeded; keep inputs well under the quota or keep the Lambda"
        ),
    })
}

/// A short description of how two texts of the same JSON differ.
fn text_difference(x: &str, y: &str) -> String {
    let mut kinds = Vec::new();
    let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    if x.contains(": ") != y.contains(": ") || x.contains(", ") != y.contains(", ") {
        kinds.push("spacing");
    }
    if x.contains("\\u") != y.contains("\\u") {
        kinds.push("unicode escaping");
    }
    if kinds.is_empty() && strip(x).len() == strip(y).len() {
        kinds.push("key order");
    }
    if kinds.is_empty() {
        kinds.push("number or escape spelling");
    }
    kinds.join(", ")
}

/// Compares two runs. An empty result (or only warnings/accepted) means equivalent.
pub fn compare(orig: &RunOutcome, new: &RunOutcome, ctx: &Context) -> Vec<Delta> {
    if let Some(w) = payload_quota_warning(orig, new, ctx) {
        return vec![w];
    }
    let mut d = Differ {
        ctx,
        aspect: Aspect::Status,
        out: Vec::new(),
        renames: sdk_renames(&orig.calls, &new.calls),
    };
    if orig.status != new.status {
        d.push(
            Kind::Difference,
            "status",
            &json!(orig.status),
            &json!(new.status),
            "different final status",
        );
    }
    d.aspect = Aspect::Error;
    d.error_pair(orig.error.as_deref(), new.error.as_deref(), "error");
    if orig.cause != new.cause {
        d.aspect = Aspect::Cause;
        let both_failed = orig.error.is_some() && new.error.is_some();
        let (kind, note) = if both_failed {
            (Kind::Accepted, "the Cause text is written by the Lambda runtime or by the service SDK; its wording is not part of the contract")
        } else {
            (Kind::Difference, "only one of the runs failed")
        };
        d.push(kind, "cause", &json!(orig.cause), &json!(new.cause), note);
    }
    d.aspect = Aspect::Output;
    d.diff(
        orig.output.as_ref().unwrap_or(&Value::Null),
        new.output.as_ref().unwrap_or(&Value::Null),
        "$",
    );
    if orig.path != new.path {
        d.aspect = Aspect::ControlFlow;
        d.push(
            Kind::Difference,
            "states visited",
            &json!(orig.path),
            &json!(new.path),
            "the executions took different paths through the state machine",
        );
    }
    d.aspect = Aspect::SideEffect;
    let (ca, cb) = (orig.effective_calls(), new.effective_calls());
    for i in 0..ca.len().max(cb.len()) {
        match (ca.get(i), cb.get(i)) {
            (Some(a), Some(b)) if a.operation == b.operation => d.diff(
                &a.params,
                &b.params,
                &format!("call #{} {} (state {})", i + 1, a.operation, a.state),
            ),
            (a, b) => {
                let show = |c: Option<&&CallRecord>| {
                    c.map(
                        |c| json!({"state": c.state, "operation": c.operation, "params": c.params}),
                    )
                    .unwrap_or(Value::Null)
                };
                d.push(
                    Kind::Difference,
                    &format!("call #{}", i + 1),
                    &show(a),
                    &show(b),
                    "the service calls differ from here on",
                );
                break;
            }
        }
    }
    d.aspect = Aspect::World;
    d.diff(&orig.world, &new.world, "world");
    demote_digests(&mut d.out);
    d.out
}

/// An MD5 of a body whose text differs only at byte level differs too; that is the same warning.
fn demote_digests(out: &mut [Delta]) {
    let warned: Vec<String> = out
        .iter()
        .filter(|d| d.kind == Kind::Warning)
        .filter_map(|d| d.at.rsplit_once('.').map(|(p, _)| p.to_string()))
        .collect();
    for d in out.iter_mut() {
        // SQS MD5OfMessageBody; an S3 ETag is the MD5 of the object's bytes for a PutObject
        // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html, ETag).
        let is_digest =
            d.at.rsplit('.')
                .next()
                .map(|k| k.starts_with("MD5Of") || k.eq_ignore_ascii_case("etag"))
                .unwrap_or(false);
        if d.kind == Kind::Difference && is_digest {
            if let Some((parent, _)) = d.at.rsplit_once('.') {
                if warned.iter().any(|w| w == parent) {
                    d.kind = Kind::Warning;
                    d.note =
                        "the digest (MD5, S3 ETag) of a body that differs only in its text".into();
                }
            }
        }
    }
}

pub fn is_equivalent(deltas: &[Delta]) -> bool {
    deltas.iter().all(|d| d.kind != Kind::Difference)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(output: Value) -> RunOutcome {
        RunOutcome {
            status: "SUCCEEDED".into(),
            output: Some(output),
            error: None,
            cause: None,
            path: vec!["A".into()],
            calls: vec![],
            world: json!({}),
            inconclusive: None,
            history: vec![],
        }
    }

    fn ctx() -> Context<'static> {
        Context {
            fault: None,
            appended_resources: vec!["arn:sm".into(), "arn:ex".into()],
            input: None,
        }
    }

    #[test]
    fn json_text_differences_are_warnings() {
        let a = run(json!({"body": "{\"a\": 1, \"b\": \"\\u00eb\"}"}));
        let b = run(json!({"body": "{\"a\":1,\"b\":\"ë\"}"}));
        let d = compare(&a, &b, &ctx());
        assert!(is_equivalent(&d));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, Kind::Warning);
        assert!(d[0].note.contains("spacing"));
        let c = run(json!({"body": "{\"a\":2}"}));
        assert!(!is_equivalent(&compare(&a, &c, &ctx())));
    }

    #[test]
    fn key_order_is_ignored_but_values_are_not() {
        let a = run(json!({"x": 1, "y": [1, 2]}));
        let b = run(json!({"y": [1, 2], "x": 1}));
        assert!(compare(&a, &b, &ctx()).is_empty());
        let c = run(json!({"y": [1, 2], "x": "1"}));
        let d = compare(&a, &c, &ctx());
        assert_eq!(d[0].at, "$.x");
        assert!(!is_equivalent(&d));
    }

    #[test]
    fn appended_resources_and_causes_are_accepted() {
        let a = run(json!({"Resources": ["r1"], "err": {"Error": "E", "Cause": "one"}}));
        let b = run(
            json!({"Resources": ["r1", "arn:sm", "arn:ex"], "err": {"Error": "E", "Cause": "two"}}),
        );
        let d = compare(&a, &b, &ctx());
        assert!(is_equivalent(&d));
        assert!(d.iter().all(|x| x.kind == Kind::Accepted));
    }

    /// A run that failed with `error` after `operation` failed with `call_error`.
    fn failed(error: &str, origin: CallOrigin, operation: &str, call_error: &str) -> RunOutcome {
        RunOutcome {
            status: "FAILED".into(),
            output: None,
            error: Some(error.into()),
            cause: Some("why".into()),
            calls: vec![CallRecord {
                state: "A".into(),
                origin,
                operation: operation.into(),
                params: json!({}),
                error: Some(call_error.into()),
                injected: false,
            }],
            ..run(Value::Null)
        }
    }

    fn error_kind(a: &RunOutcome, b: &RunOutcome) -> Kind {
        let d = compare(a, b, &ctx());
        d.iter().find(|d| d.at == "error").map(|d| d.kind).unwrap()
    }

    #[test]
    fn an_input_error_renamed_by_the_integration_prefix_is_accepted() {
        let orig = |e: &str, code: &str| failed(e, CallOrigin::Lambda, "sns:Publish", code);
        let new = |e: &str| failed(e, CallOrigin::Direct, "sns:Publish", e);
        let a = orig("InvalidParameterException", "InvalidParameterException");
        for b in [
            "SNS.InvalidParameterException",
            "Sns.InvalidParameterException",
        ] {
            assert_eq!(error_kind(&a, &new(b)), Kind::Accepted, "{b}");
            assert!(is_equivalent(&compare(&a, &new(b), &ctx())));
        }
        // Unmodelled: JS names the code, boto3 ClientError; the integration its base exception.
        let ddb = |e: &str, code: &str| failed(e, CallOrigin::Lambda, "dynamodb:PutItem", code);
        let put = |e: &str| failed(e, CallOrigin::Direct, "dynamodb:PutItem", e);
        for e in ["ValidationException", "ClientError"] {
            let a = ddb(e, "ValidationException");
            for b in [
                "DynamoDB.AmazonDynamoDBException",
                "DynamoDb.DynamoDbException",
                "DynamoDB.ValidationException",
            ] {
                assert_eq!(error_kind(&a, &put(b)), Kind::Accepted, "{e} {b}");
            }
        }
    }

    #[test]
    fn text_that_is_not_json_is_a_named_difference() {
        let a = failed(
            "JSONDecodeError",
            CallOrigin::Lambda,
            "sqs:SendMessage",
            "x",
        );
        let mut b = failed(
            "States.QueryEvaluationError",
            CallOrigin::Direct,
            "sqs:SendMessage",
            "x",
        );
        b.calls.clear();
        let d = compare(&a, &b, &ctx());
        let e = d.iter().find(|x| x.at == "error").unwrap();
        assert_eq!(e.kind, Kind::Difference);
        assert!(
            e.note.contains("json.loads raised JSONDecodeError"),
            "{}",
            e.note
        );
        // Any other pair keeps the plain note.
        let c = failed("ValueError", CallOrigin::Lambda, "sqs:SendMessage", "x");
        let d = compare(&c, &b, &ctx());
        assert_eq!(
            d.iter().find(|x| x.at == "error").unwrap().note,
            "different error names"
        );
    }

    #[test]
    fn any_other_error_name_is_a_difference() {
        let a = |e: &str| failed(e, CallOrigin::Lambda, "sns:Publish", e);
        let b = |e: &str| failed(e, CallOrigin::Direct, "sns:Publish", e);
        // The prefix with another name.
        assert_eq!(error_kind(&a("Bar"), &b("SNS.Foo")), Kind::Difference);
        // The right rename, but the Task failed with another error than its call's.
        let mut other = b("SNS.InvalidParameterException");
        other.error = Some("States.TaskFailed".into());
        assert_eq!(
            error_kind(&a("InvalidParameterException"), &other),
            Kind::Difference
        );
        // The handler raised its own error, not the SDK's.
        let mut own = a("InvalidParameterException");
        own.error = Some("ValidationError".into());
        assert_eq!(
            error_kind(&own, &b("SNS.InvalidParameterException")),
            Kind::Difference
        );
        // A modelled error never collapses to the base exception; ClientError names only unmodelled ones.
        assert_eq!(
            error_kind(
                &a("InvalidParameterException"),
                &b("SNS.AmazonSNSException")
            ),
            Kind::Difference
        );
        let mut boto = a("InvalidParameterException");
        boto.error = Some("ClientError".into());
        assert_eq!(
            error_kind(&boto, &b("SNS.InvalidParameterException")),
            Kind::Difference
        );
        // Another operation, or the rename in the wrong direction.
        let c = failed("SNS.Foo", CallOrigin::Direct, "sqs:SendMessage", "SNS.Foo");
        assert_eq!(error_kind(&a("Foo"), &c), Kind::Difference);
        let mut swapped = a("SNS.Foo");
        swapped.calls[0].error = Some("Foo".into());
        assert_eq!(error_kind(&swapped, &b("Foo")), Kind::Difference);
    }

    #[test]
    fn a_digest_of_a_body_differing_only_in_text_is_a_warning() {
        let world = |body: &str, etag: &str| {
            let mut r = run(Value::Null);
            r.world = json!([{"type": "object_put", "body": body, "etag": etag}]);
            r
        };
        let a = world("{\"id\": \"s\"}", "\"268c\"");
        let d = compare(&a, &world("{\"id\":\"s\"}", "\"1c87\""), &ctx());
        assert!(is_equivalent(&d), "{d:?}");
        assert!(d
            .iter()
            .any(|x| x.at == "world[0].etag" && x.kind == Kind::Warning));
        // Another value: both the body and its ETag are differences.
        let d = compare(&a, &world("{\"id\":\"t\"}", "\"1c87\""), &ctx());
        assert!(d
            .iter()
            .any(|x| x.at == "world[0].etag" && x.kind == Kind::Difference));
        // An ETag differing on its own is a difference.
        let d = compare(&a, &world("{\"id\": \"s\"}", "\"1c87\""), &ctx());
        assert!(!is_equivalent(&d));
    }

    #[test]
    fn sdk_request_metadata_dropped_from_the_output_is_accepted_and_nothing_else_is() {
        let orig = run(
            json!({"MessageId": "m-1", "$metadata": {"httpStatusCode": 200, "requestId": "r"}}),
        );
        let d = compare(&orig, &run(json!({"MessageId": "m-1"})), &ctx());
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].kind, d[0].at.as_str()),
            (Kind::Accepted, "$.['$metadata']")
        );
        assert!(is_equivalent(&d));
        let orig = run(json!({"MessageId": "m-1", "ResponseMetadata": {"RequestId": "r"}}));
        assert!(is_equivalent(&compare(
            &orig,
            &run(json!({"MessageId": "m-1"})),
            &ctx()
        )));
        // Any other dropped field, or a different API field beside it, is still a difference.
        let orig = run(json!({"MessageId": "m-1", "Metadata": {}}));
        assert!(!is_equivalent(&compare(
            &orig,
            &run(json!({"MessageId": "m-1"})),
            &ctx()
        )));
        let orig = run(json!({"MessageId": "m-1", "$metadata": {}}));
        assert!(!is_equivalent(&compare(
            &orig,
            &run(json!({"MessageId": "m-2"})),
            &ctx()
        )));
    }

    #[test]
    fn a_json_string_text_escaped_differently_is_a_warning() {
        let a = run(json!({"m": "\"zo\\u00eb\""}));
        let d = compare(&a, &run(json!({"m": "\"zo\u{eb}\""})), &ctx());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, Kind::Warning);
        assert!(d[0].note.contains("unicode escaping"), "{}", d[0].note);
        let d = compare(&a, &run(json!({"m": "\"zoe\""})), &ctx());
        assert!(!is_equivalent(&d));
    }
    #[test]
    fn numbers_rounded_to_15_digits_in_a_json_text_are_a_warning_and_other_numbers_are_not() {
        let world = |body: &str, etag: &str| {
            let mut r = run(json!({"m": body}));
            r.world = json!([{"type": "object_put", "body": body, "etag": etag}]);
            r
        };
        let a = world("{\"n\": 1234567890123456, \"k\": 12}", "\"aa\"");
        let d = compare(
            &a,
            &world("{\"n\":1234567890123460,\"k\":12}", "\"bb\""),
            &ctx(),
        );
        assert!(is_equivalent(&d), "{d:?}");
        let body = d.iter().find(|x| x.at == "world[0].body").unwrap();
        assert_eq!(body.kind, Kind::Warning);
        assert!(body.note.contains("15 significant digits"), "{}", body.note);
        assert!(d
            .iter()
            .any(|x| x.at == "world[0].etag" && x.kind == Kind::Warning));
        // A number text on its own, rounded the same way.
        let d = compare(
            &run(json!({"m": "1234567890123456"})),
            &run(json!({"m": "1234567890123460"})),
            &ctx(),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, Kind::Warning);
        // A real value change beside the rounding, or a number that differs within 15 digits,
        // is a counterexample.
        let d = compare(
            &a,
            &world("{\"n\":1234567890123460,\"k\":13}", "\"bb\""),
            &ctx(),
        );
        assert!(!is_equivalent(&d), "{d:?}");
        let d = compare(
            &a,
            &world("{\"n\":1234567890124000,\"k\":12}", "\"bb\""),
            &ctx(),
        );
        assert!(!is_equivalent(&d), "{d:?}");
        let d = compare(&run(json!({"m": "12"})), &run(json!({"m": "13"})), &ctx());
        assert!(!is_equivalent(&d));
        // The same numbers outside a text (a JSON value, not $string's output) stay a difference.
        let d = compare(
            &run(json!({"n": 1234567890123456u64})),
            &run(json!({"n": 1234567890123460u64})),
            &ctx(),
        );
        assert!(!is_equivalent(&d));
    }

    #[test]
    fn a_rewrite_failing_on_the_payload_quota_for_a_near_limit_input_is_a_warning_only_then() {
        let ok = run(json!({"status": "SUCCEEDED"}));
        let limit = |error: &str| {
            let mut r = run(Value::Null);
            r.status = "FAILED".into();
            r.output = None;
            r.error = Some(error.into());
            r.cause = Some("too big".into());
            r.path = vec![];
            r
        };
        let with_input = |input: &'static Value| Context {
            input: Some(input),
            ..ctx()
        };
        let near: &'static Value = Box::leak(Box::new(json!({"padding": "x".repeat(250 * 1024)})));
        let small: &'static Value = Box::leak(Box::new(json!({"id": "a"})));
        let d = compare(&ok, &limit("States.DataLimitExceeded"), &with_input(near));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].kind, Kind::Warning);
        assert!(d[0].note.contains("inputs near the 256 KiB payload quota"));
        assert!(is_equivalent(&d));
        // A small input, another error, no input known, or both runs over the quota: compared
        // as usual (the first three are counterexamples).
        for (new, c) in [
            (limit("States.DataLimitExceeded"), with_input(small)),
            (limit("States.TaskFailed"), with_input(near)),
            (limit("States.DataLimitExceeded"), ctx()),
        ] {
            assert!(!is_equivalent(&compare(&ok, &new, &c)));
        }
        let both = limit("States.DataLimitExceeded");
        let d = compare(&both, &both, &with_input(near));
        assert!(d.is_empty(), "{d:?}");
    }
}
