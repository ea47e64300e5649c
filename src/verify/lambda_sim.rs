//! Simulates an original Lambda function from its [`HandlerModel`]: evaluates the data flow of each
//! SDK call's parameters against the event with the handler language's semantics, sends exactly
//! those parameters (mapped from the SDK's shape to the API's) to the simulated service, evaluates
//! the return value with the responses, and reports what Step Functions would see.

use super::lang::{self, Num, Runtime, Thrown, Val};
use super::marshal;
use crate::analysis::model::{
    Condition, DefaultWhen, HandlerModel, ObjectEntry, PathSeg, SdkCall, SdkFlavor, TemplatePart,
    ValueExpr,
};
use indexmap::IndexMap;
use serde_json::{json, Value};
use std::borrow::Cow;

/// One API request made by the simulated handler, in API shape (typed DynamoDB attributes,
/// PascalCase members), as the service receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SdkRequest {
    /// IAM service token: `dynamodb`, `sqs`, `sns`, `events`.
    pub service: String,
    /// API action, PascalCase: `PutItem`.
    pub action: String,
    pub params: Value,
}

/// The service's answer to one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum SdkResponse {
    Ok(Value),
    /// The API error (modelled exception name, e.g. `ConditionalCheckFailedException`), message
    /// and HTTP status (the SDKs' retry decisions depend on it).
    Err {
        code: String,
        message: String,
        status: u16,
    },
}

/// Where the simulated handler's SDK calls go (the simulated services, with faults and recording).
pub trait SdkTransport {
    fn send(&mut self, request: &SdkRequest) -> SdkResponse;
}

/// The handler ran to its end: what it returned (as Step Functions parses it) or threw.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    Returned(Value),
    Threw(Thrown),
}

/// The model holds something the simulator cannot evaluate faithfully (an `Unknown` construct,
/// a non-deterministic value, a condition no rule describes). Verification of that Task stops.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported(pub String);

#[derive(Debug)]
pub(crate) enum Fail {
    Throw(Thrown),
    Unsupported(String),
}

impl From<Thrown> for Fail {
    fn from(t: Thrown) -> Self {
        Fail::Throw(t)
    }
}

/// Client-side retry policy of the handler's SDK: how many attempts for a retryable error.
/// Sources: AWS SDKs and Tools reference guide, "Retry behavior" (standard mode: 3 attempts for
/// JS v3); botocore `_retry.json` (legacy mode: 5 attempts, DynamoDB 10); aws-sdk-js v2
/// `maxRetries` default 3, DynamoDB 10.
pub fn sdk_max_attempts(flavor: SdkFlavor, service: &str) -> u32 {
    match flavor {
        SdkFlavor::JsV3 | SdkFlavor::JsDocumentClient => 3,
        SdkFlavor::JsV2 => {
            if service == "dynamodb" {
                11
            } else {
                4
            }
        }
        SdkFlavor::Boto3Client | SdkFlavor::Boto3Resource => {
            if service == "dynamodb" {
                10
            } else {
                5
            }
        }
    }
}

/// Throttling error codes of the SDKs' standard retry mode (botocore `retries/standard.py`
/// `_THROTTLED_ERROR_CODES`; the same list in aws-sdk-js v3 `@smithy/service-error-classification`
/// and v2 `isThrottlingError`).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Does the handler's SDK retry this error on its own?
/// - JS v2/v3 (standard mode): throttling codes, transient codes, HTTP 500/502/503/504;
/// - boto3 (legacy mode, the default): botocore `_retry.json`: `Throttling`, `ThrottlingException`,
///   `ThrottledException`, `RequestThrottledException`, `ProvisionedThroughputExceededException`,
///   SQS `RequestThrottled`, and HTTP 429/500/502/503/504/509.
pub fn sdk_retries(flavor: SdkFlavor, code: &str, status: u16) -> bool {
    match flavor {
        SdkFlavor::JsV2 | SdkFlavor::JsV3 | SdkFlavor::JsDocumentClient => {
            THROTTLING_CODES.contains(&code)
                || matches!(
                    code,
                    "TimeoutError" | "RequestTimeout" | "RequestTimeoutException"
                )
                || matches!(status, 429 | 500 | 502 | 503 | 504)
        }
        SdkFlavor::Boto3Client | SdkFlavor::Boto3Resource => {
            matches!(
                code,
                "Throttling"
                    | "ThrottlingException"
                    | "ThrottledException"
                    | "RequestThrottledException"
                    | "ProvisionedThroughputExceededException"
                    | "RequestThrottled"
            ) || matches!(status, 429 | 500 | 502 | 503 | 504 | 509)
        }
    }
}

/// Evaluates one handler against one event.
pub struct Simulator<'a> {
    model: &'a HandlerModel,
    rt: Runtime,
    /// Responses of the calls made so far (for `SdkResult`).
    responses: Vec<Option<Val>>,
    request_counter: u64,
    /// Decides whether boto3 raises a modelled exception class (named after the code) or a plain
    /// `ClientError` for an error code.
    is_modelled: &'a dyn Fn(&str, &str, &str) -> bool,
    /// Return-only mode (a mock built from a model the analysis could not fully follow).
    return_only: bool,
}

/// The value a return-only mock uses where the model has no expression (a computed total, an SDK
/// result): the same in both versions, so it only has to be a plausible JSON value.
fn placeholder(rt: Runtime) -> Val {
    match rt {
        Runtime::Node => Val::Num(Num::Float(0.0)),
        Runtime::Python => Val::Num(Num::Int(0)),
    }
}

fn expr_simulable(e: &ValueExpr) -> bool {
    match e {
        ValueExpr::Unknown { .. } | ValueExpr::Unrepresentable { .. } => false,
        ValueExpr::Literal { .. }
        | ValueExpr::Event { .. }
        | ValueExpr::Env { .. }
        | ValueExpr::SdkResult { .. } => true,
        ValueExpr::Object { entries } => entries.iter().all(|en| match en {
            ObjectEntry::Field { value, .. } | ObjectEntry::Spread { value } => {
                expr_simulable(value)
            }
        }),
        ValueExpr::Array { items } => items.iter().all(expr_simulable),
        ValueExpr::Template { parts } => parts.iter().all(|p| match p {
            TemplatePart::Text { .. } => true,
            TemplatePart::Expr { value } => expr_simulable(value),
        }),
        ValueExpr::JsonStringify { value, .. }
        | ValueExpr::JsonParse { value }
        | ValueExpr::ToString { value } => expr_simulable(value),
        ValueExpr::Default { value, default, .. } => {
            expr_simulable(value) && expr_simulable(default)
        }
    }
}

fn condition_simulable(c: &Condition) -> bool {
    match c {
        Condition::Falsy { value } | Condition::Missing { value } => expr_simulable(value),
        Condition::Not { condition } => condition_simulable(condition),
        Condition::Or { conditions } | Condition::And { conditions } => {
            conditions.iter().all(condition_simulable)
        }
        Condition::Other { .. } => false,
    }
}

/// Can the model be simulated exactly (every value followed, every condition understood)?
pub fn is_simulable(model: &HandlerModel) -> bool {
    model.calls.iter().all(|c| expr_simulable(&c.params))
        && model.returns.as_ref().map(expr_simulable).unwrap_or(true)
        && model.throws.iter().all(|t| {
            t.message.as_ref().map(expr_simulable).unwrap_or(true)
                && t.condition
                    .as_ref()
                    .map(condition_simulable)
                    .unwrap_or(true)
        })
}

impl<'a> Simulator<'a> {
    /// A mock for a Lambda that is not rewritten and cannot be simulated exactly: it makes no
    /// calls, and returns the model's return value with placeholders where the analysis could not
    /// follow the data.
    pub fn return_only(
        model: &'a HandlerModel,
        is_modelled: &'a dyn Fn(&str, &str, &str) -> bool,
    ) -> Self {
        let mut s = Simulator::new(model, is_modelled);
        s.return_only = true;
        s
    }

    pub fn new(model: &'a HandlerModel, is_modelled: &'a dyn Fn(&str, &str, &str) -> bool) -> Self {
        Simulator {
            model,
            rt: Runtime::of(model.language),
            responses: vec![None; model.calls.len()],
            request_counter: 0,
            is_modelled,
            return_only: false,
        }
    }

    pub fn runtime(&self) -> Runtime {
        self.rt
    }

    /// Runs the handler: guarded throws (early validation), the SDK calls in order, the return.
    pub fn invoke(
        &mut self,
        event: &Value,
        transport: &mut dyn SdkTransport,
    ) -> Result<Invocation, Unsupported> {
        let event = Val::from_json(event, self.rt);
        match self.run(&event, transport) {
            Ok(v) => Ok(Invocation::Returned(v)),
            Err(Fail::Throw(t)) => Ok(Invocation::Threw(t)),
            Err(Fail::Unsupported(why)) => Err(Unsupported(why)),
        }
    }

    fn run(&mut self, event: &Val, transport: &mut dyn SdkTransport) -> Result<Value, Fail> {
        if self.return_only {
            let result = match &self.model.returns {
                Some(expr) => self.eval(expr, event)?,
                None => Val::Undefined,
            };
            return Ok(lang::returned_json(&result, self.rt)?);
        }
        for throw in &self.model.throws {
            let Some(cond) = &throw.condition else {
                continue;
            };
            if self.condition(cond, event)? {
                let message = match &throw.message {
                    Some(m) => lang::to_string(&self.eval(m, event)?, self.rt),
                    None => String::new(),
                };
                return Err(Fail::Throw(Thrown::new(throw.error.clone(), message)));
            }
        }
        for (i, call) in self.model.calls.iter().enumerate() {
            let params = self.eval(&call.params, event)?;
            let response = self.call(call, &params, transport)?;
            self.responses[i] = Some(response);
        }
        let result = match &self.model.returns {
            Some(expr) => self.eval(expr, event)?,
            None => Val::Undefined,
        };
        Ok(lang::returned_json(&result, self.rt)?)
    }

    /// Maps the handler's parameters to the API request, sends it with the SDK's own retries,
    /// and shapes the response the way that SDK returns it.
    fn call(
        &mut self,
        call: &SdkCall,
        params: &Val,
        transport: &mut dyn SdkTransport,
    ) -> Result<Val, Fail> {
        let api_params = match call.flavor {
            SdkFlavor::JsDocumentClient | SdkFlavor::Boto3Resource
                if call.service == "dynamodb" =>
            {
                marshal::marshal_request(params, self.rt)?
            }
            _ => self.plain_params(call, params)?,
        };
        let request = SdkRequest {
            service: call.service.clone(),
            action: call.action.clone(),
            params: api_params,
        };
        let max = sdk_max_attempts(call.flavor, &call.service);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.request_counter += 1;
            match transport.send(&request) {
                SdkResponse::Ok(resp) => return Ok(self.shape_response(call, &resp, attempt)?),
                SdkResponse::Err {
                    code,
                    message,
                    status,
                } => {
                    if attempt < max && sdk_retries(call.flavor, &code, status) {
                        continue;
                    }
                    return Err(Fail::Throw(self.sdk_error(call, &code, &message)));
                }
            }
        }
    }

    fn plain_params(&self, call: &SdkCall, params: &Val) -> Result<Value, Fail> {
        if self.rt == Runtime::Python {
            // botocore validates parameters before sending: None is not a valid value.
            if let Val::Obj(map) = params {
                for (k, v) in map {
                    if matches!(v, Val::Null | Val::Undefined) {
                        return Err(Fail::Throw(Thrown::new(
                            "ParamValidationError",
                            format!(
                                "Parameter validation failed:\nInvalid type for parameter {k}, value: None, type: <class 'NoneType'>"
                            ),
                        )));
                    }
                }
            }
        }
        let _ = call;
        Ok(lang::to_json_lossy(params).unwrap_or(Value::Null))
    }

    fn request_id(&self) -> String {
        format!("00000000-0000-4000-8000-{:012}", self.request_counter)
    }

    fn shape_response(&self, call: &SdkCall, resp: &Value, attempts: u32) -> Result<Val, Thrown> {
        let mut out = match call.flavor {
            SdkFlavor::JsDocumentClient | SdkFlavor::Boto3Resource
                if call.service == "dynamodb" =>
            {
                marshal::unmarshal_response(resp, self.rt)?
            }
            _ => Val::from_json(resp, self.rt),
        };
        let Val::Obj(map) = &mut out else {
            return Ok(out);
        };
        match call.flavor {
            // SDK v3 commands resolve with the output plus `$metadata`.
            SdkFlavor::JsV3 | SdkFlavor::JsDocumentClient => {
                map.insert(
                    "$metadata".into(),
                    Val::from_json(
                        &json!({"httpStatusCode": 200, "requestId": self.request_id(),
                                "attempts": attempts, "totalRetryDelay": 0}),
                        self.rt,
                    ),
                );
            }
            // boto3 responses carry ResponseMetadata.
            SdkFlavor::Boto3Client | SdkFlavor::Boto3Resource => {
                map.insert(
                    "ResponseMetadata".into(),
                    Val::from_json(
                        &json!({"RequestId": self.request_id(), "HTTPStatusCode": 200,
                                "HTTPHeaders": {}, "RetryAttempts": attempts - 1}),
                        self.rt,
                    ),
                );
            }
            SdkFlavor::JsV2 => {}
        }
        Ok(out)
    }

    /// The exception the handler's SDK raises for an API error.
    fn sdk_error(&self, call: &SdkCall, code: &str, message: &str) -> Thrown {
        match call.flavor {
            // JS SDKs name the error after the code (v3: modelled shape name; v2: `err.name = code`).
            SdkFlavor::JsV2 | SdkFlavor::JsV3 | SdkFlavor::JsDocumentClient => {
                Thrown::new(code, message)
            }
            // botocore raises a class named after modelled error shapes, else ClientError.
            SdkFlavor::Boto3Client | SdkFlavor::Boto3Resource => {
                let text = format!(
                    "An error occurred ({code}) when calling the {} operation: {message}",
                    call.action
                );
                if (self.is_modelled)(&call.service, &call.action, code) {
                    Thrown::new(code, text)
                } else {
                    Thrown::new("ClientError", text)
                }
            }
        }
    }

    fn condition(&self, cond: &Condition, event: &Val) -> Result<bool, Fail> {
        Ok(match cond {
            Condition::Falsy { value } => !self.eval_soft(value, event)?.truthy(self.rt),
            Condition::Missing { value } => self.eval_soft(value, event)?.is_undefined(),
            Condition::Not { condition } => !self.condition(condition, event)?,
            Condition::Or { conditions } => {
                for c in conditions {
                    if self.condition(c, event)? {
                        return Ok(true);
                    }
                }
                false
            }
            Condition::And { conditions } => {
                for c in conditions {
                    if !self.condition(c, event)? {
                        return Ok(false);
                    }
                }
                true
            }
            Condition::Other { source } => {
                return Err(Fail::Unsupported(format!(
                    "condition `{source}` cannot be simulated"
                )))
            }
        })
    }

    /// Evaluates where a missing last key is not an error (Python `.get`, `in`; JavaScript reads
    /// give `undefined` anyway): the result is `Undefined` for "missing".
    fn eval_soft(&self, expr: &ValueExpr, event: &Val) -> Result<Val, Fail> {
        match expr {
            ValueExpr::Event { path } => self.walk(event, path, true),
            ValueExpr::SdkResult { call, path } => {
                let base = self.response(*call)?;
                self.walk(&base, path, true)
            }
            ValueExpr::Env { value: None, .. } => Ok(Val::Undefined),
            other => self.eval(other, event),
        }
    }

    fn response(&self, call: usize) -> Result<Val, Fail> {
        if self.return_only {
            return Ok(Val::Obj(IndexMap::new()));
        }
        match self.responses.get(call) {
            Some(Some(v)) => Ok(v.clone()),
            _ => Err(Fail::Unsupported(format!(
                "the return value reads the result of SDK call {call} before it is made"
            ))),
        }
    }

    pub(crate) fn eval(&self, expr: &ValueExpr, event: &Val) -> Result<Val, Fail> {
        let rt = self.rt;
        Ok(match expr {
            ValueExpr::Literal { value } => Val::from_json(value, rt),
            ValueExpr::Event { path } => self.walk(event, path, false)?,
            ValueExpr::Env { name, value } => match (value, rt) {
                (Some(v), _) => Val::Str(v.clone()),
                (None, Runtime::Node) => Val::Undefined,
                (None, Runtime::Python) => {
                    return Err(Fail::Throw(Thrown::new("KeyError", format!("'{name}'"))))
                }
            },
            ValueExpr::Object { entries } => {
                let mut map: IndexMap<String, Val> = IndexMap::new();
                for entry in entries {
                    match entry {
                        ObjectEntry::Field { key, value } => {
                            map.insert(key.clone(), self.eval(value, event)?);
                        }
                        ObjectEntry::Spread { value } => {
                            self.spread(&mut map, self.eval(value, event)?)?
                        }
                    }
                }
                Val::Obj(map)
            }
            ValueExpr::Array { items } => Val::Arr(
                items
                    .iter()
                    .map(|i| self.eval(i, event))
                    .collect::<Result<_, _>>()?,
            ),
            ValueExpr::Template { parts } => {
                let mut s = String::new();
                for part in parts {
                    match part {
                        TemplatePart::Text { text } => s.push_str(text),
                        TemplatePart::Expr { value } => {
                            s.push_str(&lang::to_string(&self.eval(value, event)?, rt))
                        }
                    }
                }
                Val::Str(s)
            }
            ValueExpr::JsonStringify { value, style } => {
                match lang::stringify(&self.eval(value, event)?, rt, *style)? {
                    Some(text) => Val::Str(text),
                    None => Val::Undefined,
                }
            }
            ValueExpr::JsonParse { value } => {
                let v = self.eval(value, event)?;
                let text = match (&v, rt) {
                    (Val::Str(s), _) => s.clone(),
                    (other, Runtime::Node) => lang::to_string(other, rt),
                    (other, Runtime::Python) => {
                        return Err(Fail::Throw(Thrown::new(
                            "TypeError",
                            format!(
                                "the JSON object must be str, bytes or bytearray, not {}",
                                other.type_name(rt)
                            ),
                        )))
                    }
                };
                match serde_json::from_str::<Value>(&text) {
                    Ok(parsed) => Val::from_json(&parsed, rt),
                    Err(e) => {
                        let error_type = if rt == Runtime::Node {
                            "SyntaxError"
                        } else {
                            "JSONDecodeError"
                        };
                        return Err(Fail::Throw(Thrown::new(error_type, e.to_string())));
                    }
                }
            }
            ValueExpr::ToString { value } => {
                Val::Str(lang::to_string(&self.eval(value, event)?, rt))
            }
            ValueExpr::Default {
                value,
                default,
                when,
            } => {
                let v = self.eval_soft(value, event)?;
                let use_default = match (when, rt) {
                    (DefaultWhen::Missing, Runtime::Node) => {
                        matches!(v, Val::Undefined | Val::Null)
                    }
                    (DefaultWhen::Missing, Runtime::Python) => v.is_undefined(),
                    (DefaultWhen::Falsy, _) => !v.truthy(rt),
                };
                if use_default {
                    self.eval(default, event)?
                } else {
                    v
                }
            }
            ValueExpr::SdkResult { .. } if self.return_only => placeholder(rt),
            ValueExpr::SdkResult { call, path } => {
                let base = self.response(*call)?;
                self.walk(&base, path, false)?
            }
            ValueExpr::Unrepresentable { .. } | ValueExpr::Unknown { .. } if self.return_only => {
                placeholder(rt)
            }
            ValueExpr::Unrepresentable { what, .. } => {
                return Err(Fail::Unsupported(format!(
                    "the handler uses {what}, which has no fixed value"
                )))
            }
            ValueExpr::Unknown { construct, .. } => {
                return Err(Fail::Unsupported(format!(
                    "the analysis did not understand `{construct}`"
                )))
            }
        })
    }

    fn spread(&self, map: &mut IndexMap<String, Val>, v: Val) -> Result<(), Fail> {
        match (v, self.rt) {
            (Val::Obj(o), _) => {
                for (k, v) in o {
                    map.insert(k, v);
                }
            }
            // `...undefined` / `...null` / `...5` add nothing in JavaScript.
            (Val::Undefined | Val::Null | Val::Bool(_) | Val::Num(_), Runtime::Node) => {}
            (Val::Arr(items), Runtime::Node) => {
                for (i, v) in items.into_iter().enumerate() {
                    map.insert(i.to_string(), v);
                }
            }
            (Val::Str(s), Runtime::Node) => {
                for (i, c) in s.chars().enumerate() {
                    map.insert(i.to_string(), Val::Str(c.to_string()));
                }
            }
            (other, Runtime::Python) => {
                return Err(Fail::Throw(Thrown::new(
                    "TypeError",
                    format!(
                        "'{}' object is not a mapping",
                        other.type_name(Runtime::Python)
                    ),
                )))
            }
        }
        Ok(())
    }

    /// Follows an access path with the language's rules. With `soft`, a missing last key yields
    /// `Undefined` instead of Python's KeyError (the `.get` / `in` forms).
    fn walk(&self, root: &Val, path: &[PathSeg], soft: bool) -> Result<Val, Fail> {
        // Borrow down the path and copy only the value reached (events can be large).
        let mut cur = Cow::Borrowed(root);
        for (i, seg) in path.iter().enumerate() {
            let last = i + 1 == path.len();
            cur = match self.rt {
                Runtime::Node => js_get(cur, seg)?,
                Runtime::Python => match py_get(cur, seg) {
                    Err(Thrown { error_type, .. })
                        if soft
                            && last
                            && (error_type == "KeyError" || error_type == "IndexError") =>
                    {
                        Cow::Owned(Val::Undefined)
                    }
                    other => other?,
                },
            };
        }
        Ok(cur.into_owned())
    }
}

fn seg_text(seg: &PathSeg) -> String {
    match seg {
        PathSeg::Field(f) => f.clone(),
        PathSeg::Index(i) => i.to_string(),
    }
}

/// JavaScript property access `v.f` / `v[i]`.
fn js_get<'v>(v: Cow<'v, Val>, seg: &PathSeg) -> Result<Cow<'v, Val>, Thrown> {
    let key = seg_text(seg);
    let child = |v: Cow<'v, Val>, pick: &dyn Fn(&Val) -> Option<&Val>| -> Cow<'v, Val> {
        match v {
            Cow::Borrowed(b) => pick(b)
                .map(Cow::Borrowed)
                .unwrap_or(Cow::Owned(Val::Undefined)),
            Cow::Owned(o) => Cow::Owned(pick(&o).cloned().unwrap_or(Val::Undefined)),
        }
    };
    Ok(match v.as_ref() {
        Val::Undefined | Val::Null => {
            let what = if v.as_ref().is_undefined() {
                "undefined"
            } else {
                "null"
            };
            return Err(Thrown::new(
                "TypeError",
                format!("Cannot read properties of {what} (reading '{key}')"),
            ));
        }
        Val::Obj(_) => child(v, &|x| match x {
            Val::Obj(map) => map.get(&key),
            _ => None,
        }),
        Val::Arr(items) => {
            if key == "length" {
                Cow::Owned(Val::Num(Num::Float(items.len() as f64)))
            } else {
                let index = key.parse::<usize>().ok().filter(|_| !key.starts_with('+'));
                child(v, &|x| match (x, index) {
                    (Val::Arr(items), Some(i)) => items.get(i),
                    _ => None,
                })
            }
        }
        Val::Str(s) => {
            let units: Vec<u16> = s.encode_utf16().collect();
            Cow::Owned(if key == "length" {
                Val::Num(Num::Float(units.len() as f64))
            } else {
                match key.parse::<usize>().ok().and_then(|i| units.get(i)) {
                    Some(u) => Val::Str(String::from_utf16_lossy(&[*u])),
                    None => Val::Undefined,
                }
            })
        }
        Val::Bool(_) | Val::Num(_) => Cow::Owned(Val::Undefined),
    })
}

/// Python subscription `v["f"]` / `v[i]`.
fn py_get<'v>(v: Cow<'v, Val>, seg: &PathSeg) -> Result<Cow<'v, Val>, Thrown> {
    if let (Val::Str(s), PathSeg::Index(i)) = (v.as_ref(), seg) {
        let chars: Vec<char> = s.chars().collect();
        let idx = if *i < 0 { chars.len() as i64 + i } else { *i };
        return usize::try_from(idx)
            .ok()
            .and_then(|i| chars.get(i))
            .map(|c| Cow::Owned(Val::Str(c.to_string())))
            .ok_or_else(|| Thrown::new("IndexError", "string index out of range"));
    }
    // A child of a borrowed value stays borrowed; of a computed one, is copied.
    match v {
        Cow::Borrowed(b) => py_child(b, seg).map(Cow::Borrowed),
        Cow::Owned(o) => py_child(&o, seg).map(|c| Cow::Owned(c.clone())),
    }
}

/// The element `v[seg]` refers to, or the exception Python raises (strings: see `py_get`).
fn py_child<'v>(v: &'v Val, seg: &PathSeg) -> Result<&'v Val, Thrown> {
    let rt = Runtime::Python;
    match (v, seg) {
        (Val::Obj(map), PathSeg::Field(f)) => map
            .get(f)
            .ok_or_else(|| Thrown::new("KeyError", format!("'{f}'"))),
        (Val::Obj(_), PathSeg::Index(i)) => Err(Thrown::new("KeyError", i.to_string())),
        (Val::Arr(items), PathSeg::Index(i)) => {
            let idx = if *i < 0 { items.len() as i64 + i } else { *i };
            usize::try_from(idx)
                .ok()
                .and_then(|i| items.get(i))
                .ok_or_else(|| Thrown::new("IndexError", "list index out of range"))
        }
        (Val::Arr(_), PathSeg::Field(_)) => Err(Thrown::new(
            "TypeError",
            "list indices must be integers or slices, not str",
        )),
        (Val::Str(_), PathSeg::Field(_)) => Err(Thrown::new(
            "TypeError",
            "string indices must be integers, not 'str'",
        )),
        (other, _) => Err(Thrown::new(
            "TypeError",
            format!("'{}' object is not subscriptable", other.type_name(rt)),
        )),
    }
}

/// The `lambda:invoke` task result for a successful invocation (aws-facts 1.3, recorded against
/// AWS): the parsed Payload with the Invoke response metadata.
pub fn invoke_envelope(payload: Value, request_id: &str) -> Value {
    json!({
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Type": ["application/json"]
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Type": "application/json",
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id
            },
            "HttpStatusCode": 200
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200
    })
}

/// Error and Cause of a failed Lambda task for a handler exception (aws-facts 3.2): Error is the
/// runtime's `errorType`, Cause the runtime's error JSON (Node: errorType, errorMessage, trace;
/// Python: errorMessage, errorType, requestId, stackTrace).
pub fn function_error(thrown: &Thrown, rt: Runtime, request_id: &str) -> (String, String) {
    let cause = match rt {
        Runtime::Node => json!({
            "errorType": thrown.error_type,
            "errorMessage": thrown.message,
            "trace": [format!("{}: {}", thrown.error_type, thrown.message), "    at Runtime.handler (/var/task/index.js)"]
        }),
        Runtime::Python => json!({
            "errorMessage": thrown.message,
            "errorType": thrown.error_type,
            "requestId": request_id,
            "stackTrace": ["  File \"/var/task/app.py\", in lambda_handler\n"]
        }),
    };
    (thrown.error_type.clone(), cause.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::{JsonStyle, Language, Span, Verdict};

    struct Recorder {
        sent: Vec<SdkRequest>,
        answers: Vec<SdkResponse>,
    }

    impl SdkTransport for Recorder {
        fn send(&mut self, request: &SdkRequest) -> SdkResponse {
            self.sent.push(request.clone());
            if self.answers.is_empty() {
                SdkResponse::Ok(json!({"MessageId": "m-1"}))
            } else {
                self.answers.remove(0)
            }
        }
    }

    fn ev(path: &[&str]) -> ValueExpr {
        ValueExpr::Event {
            path: path.iter().map(|p| PathSeg::Field(p.to_string())).collect(),
        }
    }

    fn model(language: Language, call: SdkCall, returns: Option<ValueExpr>) -> HandlerModel {
        HandlerModel {
            file: "h".into(),
            language,
            function: "handler".into(),
            event_reads: vec![],
            env_reads: vec![],
            calls: vec![call],
            returns,
            throws: vec![],
            verdict: Verdict::Replaceable,
            reasons: vec![],
        }
    }

    fn never_modelled(_: &str, _: &str, _: &str) -> bool {
        false
    }

    fn save_order() -> HandlerModel {
        let params = ValueExpr::Object {
            entries: vec![
                ObjectEntry::Field {
                    key: "TableName".into(),
                    value: ValueExpr::Env {
                        name: "TABLE_NAME".into(),
                        value: Some("orders".into()),
                    },
                },
                ObjectEntry::Field {
                    key: "Item".into(),
                    value: ValueExpr::Object {
                        entries: vec![
                            ObjectEntry::Field {
                                key: "orderId".into(),
                                value: ev(&["orderId"]),
                            },
                            ObjectEntry::Field {
                                key: "status".into(),
                                value: ValueExpr::Literal {
                                    value: json!("received"),
                                },
                            },
                            ObjectEntry::Field {
                                key: "items".into(),
                                value: ValueExpr::JsonStringify {
                                    value: Box::new(ev(&["items"])),
                                    style: JsonStyle::Compact,
                                },
                            },
                        ],
                    },
                },
            ],
        };
        model(
            Language::Javascript,
            SdkCall {
                service: "dynamodb".into(),
                action: "PutItem".into(),
                flavor: SdkFlavor::JsDocumentClient,
                params,
                span: Span::default(),
            },
            None,
        )
    }

    #[test]
    fn document_client_put_is_marshalled_and_returns_null() {
        let m = save_order();
        let mut t = Recorder {
            sent: vec![],
            answers: vec![SdkResponse::Ok(json!({}))],
        };
        let f = never_modelled;
        let out = Simulator::new(&m, &f)
            .invoke(
                &json!({"orderId": "o-1", "items": [{"sku": "A", "price": 1.0}]}),
                &mut t,
            )
            .unwrap();
        assert_eq!(out, Invocation::Returned(Value::Null));
        assert_eq!(
            t.sent[0].params,
            json!({"TableName": "orders", "Item": {"orderId": {"S": "o-1"}, "status": {"S": "received"},
                   "items": {"S": "[{\"sku\":\"A\",\"price\":1}]"}}})
        );
    }

    #[test]
    fn missing_field_makes_lib_dynamodb_throw() {
        let m = save_order();
        let mut t = Recorder {
            sent: vec![],
            answers: vec![],
        };
        let f = never_modelled;
        let out = Simulator::new(&m, &f)
            .invoke(&json!({"items": []}), &mut t)
            .unwrap();
        let Invocation::Threw(e) = out else {
            panic!("expected a throw")
        };
        assert_eq!(e.error_type, "Error");
        assert!(t.sent.is_empty());
    }

    #[test]
    fn sdk_retries_transient_errors_then_surfaces_the_code() {
        let m = save_order();
        let throttle = || SdkResponse::Err {
            code: "ProvisionedThroughputExceededException".into(),
            message: "slow down".into(),
            status: 400,
        };
        let mut t = Recorder {
            sent: vec![],
            answers: vec![throttle(), SdkResponse::Ok(json!({}))],
        };
        let f = never_modelled;
        let ev = json!({"orderId": "o", "items": []});
        assert_eq!(
            Simulator::new(&m, &f).invoke(&ev, &mut t).unwrap(),
            Invocation::Returned(Value::Null)
        );
        assert_eq!(t.sent.len(), 2);
        let mut t = Recorder {
            sent: vec![],
            answers: vec![throttle(), throttle(), throttle()],
        };
        let Invocation::Threw(e) = Simulator::new(&m, &f).invoke(&ev, &mut t).unwrap() else {
            panic!()
        };
        assert_eq!(e.error_type, "ProvisionedThroughputExceededException");
        assert_eq!(t.sent.len(), 3);
        let cond = SdkResponse::Err {
            code: "ConditionalCheckFailedException".into(),
            message: "The conditional request failed".into(),
            status: 400,
        };
        let mut t = Recorder {
            sent: vec![],
            answers: vec![cond],
        };
        let Invocation::Threw(e) = Simulator::new(&m, &f).invoke(&ev, &mut t).unwrap() else {
            panic!()
        };
        assert_eq!(e.error_type, "ConditionalCheckFailedException");
        assert_eq!(t.sent.len(), 1);
    }

    #[test]
    fn python_json_dumps_and_boto3_errors() {
        let params = ValueExpr::Object {
            entries: vec![
                ObjectEntry::Field {
                    key: "QueueUrl".into(),
                    value: ValueExpr::Env {
                        name: "QUEUE_URL".into(),
                        value: Some("https://q".into()),
                    },
                },
                ObjectEntry::Field {
                    key: "MessageBody".into(),
                    value: ValueExpr::JsonStringify {
                        value: Box::new(ev(&[])),
                        style: JsonStyle::PythonDefault,
                    },
                },
            ],
        };
        let returns = ValueExpr::Object {
            entries: vec![ObjectEntry::Field {
                key: "messageId".into(),
                value: ValueExpr::SdkResult {
                    call: 0,
                    path: vec![PathSeg::Field("MessageId".into())],
                },
            }],
        };
        let m = model(
            Language::Python,
            SdkCall {
                service: "sqs".into(),
                action: "SendMessage".into(),
                flavor: SdkFlavor::Boto3Client,
                params,
                span: Span::default(),
            },
            Some(returns),
        );
        let f = never_modelled;
        let mut t = Recorder {
            sent: vec![],
            answers: vec![],
        };
        let out = Simulator::new(&m, &f)
            .invoke(&json!({"id": "zoë", "n": 2}), &mut t)
            .unwrap();
        assert_eq!(out, Invocation::Returned(json!({"messageId": "m-1"})));
        assert_eq!(
            t.sent[0].params["MessageBody"],
            json!("{\"id\": \"zo\\u00eb\", \"n\": 2}")
        );

        let modelled = |_: &str, _: &str, code: &str| code == "QueueDoesNotExist";
        for (code, expected) in [
            ("QueueDoesNotExist", "QueueDoesNotExist"),
            ("AccessDenied", "ClientError"),
        ] {
            let mut t = Recorder {
                sent: vec![],
                answers: vec![SdkResponse::Err {
                    code: code.into(),
                    message: "m".into(),
                    status: 400,
                }],
            };
            let Invocation::Threw(e) = Simulator::new(&m, &modelled)
                .invoke(&json!({}), &mut t)
                .unwrap()
            else {
                panic!()
            };
            assert_eq!(e.error_type, expected);
            assert!(e.message.starts_with(&format!(
                "An error occurred ({code}) when calling the SendMessage operation"
            )));
        }
    }

    #[test]
    fn defaults_and_templates_follow_the_language() {
        let m = save_order();
        let f = never_modelled;
        let sim = Simulator::new(&m, &f);
        let tmpl = ValueExpr::Template {
            parts: vec![
                TemplatePart::Text {
                    text: "Your order ".into(),
                },
                TemplatePart::Expr {
                    value: ev(&["orderId"]),
                },
                TemplatePart::Text {
                    text: " has been received".into(),
                },
            ],
        };
        let e = Val::from_json(&json!({"orderId": 1e21, "n": null}), Runtime::Node);
        assert_eq!(
            sim.eval(&tmpl, &e).unwrap(),
            Val::Str("Your order 1e+21 has been received".into())
        );
        let dflt = |when| ValueExpr::Default {
            value: Box::new(ev(&["n"])),
            default: Box::new(ValueExpr::Literal { value: json!("d") }),
            when,
        };
        assert_eq!(
            sim.eval(&dflt(DefaultWhen::Missing), &e).unwrap(),
            Val::Str("d".into())
        );
        let mut py = save_order();
        py.language = Language::Python;
        let sim = Simulator::new(&py, &f);
        let e = Val::from_json(&json!({"n": null}), Runtime::Python);
        // dict.get returns the present None; `or` replaces it.
        assert_eq!(
            sim.eval(&dflt(DefaultWhen::Missing), &e).unwrap(),
            Val::Null
        );
        assert_eq!(
            sim.eval(&dflt(DefaultWhen::Falsy), &e).unwrap(),
            Val::Str("d".into())
        );
        let Err(Fail::Throw(t)) = sim.eval(&ev(&["missing"]), &e) else {
            panic!()
        };
        assert_eq!(
            (t.error_type.as_str(), t.message.as_str()),
            ("KeyError", "'missing'")
        );
        let e = Val::from_json(&json!({}), Runtime::Node);
        let sim = Simulator::new(&m, &f);
        let Err(Fail::Throw(t)) = sim.eval(&ev(&["a", "b"]), &e) else {
            panic!()
        };
        assert_eq!(
            t.message,
            "Cannot read properties of undefined (reading 'b')"
        );
    }

    #[test]
    fn envelope_has_the_recorded_shape() {
        let env = invoke_envelope(json!({"a": 1}), "r-1");
        assert_eq!(env["Payload"], json!({"a": 1}));
        assert_eq!(env["StatusCode"], json!(200));
        assert_eq!(env["SdkHttpMetadata"]["HttpStatusCode"], json!(200));
        let (err, cause) = function_error(&Thrown::new("TypeError", "x"), Runtime::Node, "r");
        assert_eq!(err, "TypeError");
        assert!(serde_json::from_str::<Value>(&cause).unwrap()["errorMessage"] == json!("x"));
    }
}
