//! Lambda: the pluggable handler trait verify implements (a handler's model), the world's scripted
//! mocks, and the Invoke API.
//!
//! - Function errors surface with Error = the runtime's errorType and Cause = the runtime's error
//!   JSON (aws-facts §3.2; recorded: error_handling/test_task_service_lambda). The Python runtime
//!   sends `{"errorMessage", "errorType", "requestId", "stackTrace"}` (aws-lambda-python-runtime-interface-client
//!   `bootstrap.py`). A Lambda ARN resource reports that payload as the runtime wrote it (`json.dumps`);
//!   `lambda:invoke` re-serializes it compactly (recorded: test_task_lambda vs test_task_service_lambda).
//! - Errors without an error type are `Lambda.Unknown` "The cause could not be determined because
//!   Lambda did not return an error type. Returned payload: ..." (aws-facts §3.2).
//! - A missing function is `ResourceNotFoundException` (404) "Function not found: <arn>:$LATEST"
//!   (recorded: test_no_such_function_catch).
//! - A Payload given as a string is sent as the raw request body (recorded: test_invoke_json_values:
//!   `"0.0"` arrives as the number 0.0); no Payload sends `{}` (recorded: test_invoke).

use super::errors::{AwsError, Service};
use super::world::{Change, LambdaMock, World};
use serde_json::{json, Value};

/// How a Lambda invocation failed, as Step Functions reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaFailure {
    pub error: String,
    pub cause: Option<String>,
}

impl LambdaFailure {
    /// A handler exception as the Python runtime reports it: the cause is the runtime's error
    /// payload as `json.dumps` writes it (recorded for Lambda ARN resources, error_handling/test_task_lambda:
    /// `{"errorMessage": "Some exception was raised.", "errorType": "Exception", ...}`).
    pub fn python_exception(
        error_type: &str,
        message: &str,
        request_id: &str,
        stack_trace: &[String],
    ) -> Self {
        let cause = json!({
            "errorMessage": message,
            "errorType": error_type,
            "requestId": request_id,
            "stackTrace": stack_trace,
        });
        LambdaFailure {
            error: error_type.to_string(),
            cause: Some(super::metadata::python_json(&cause)),
        }
    }

    /// A failure without an error type (crash, timeout, out of memory).
    pub fn unknown(payload: &Value) -> Self {
        LambdaFailure {
            error: "Lambda.Unknown".into(),
            cause: Some(format!(
                "The cause could not be determined because Lambda did not return an error type. Returned payload: {payload}"
            )),
        }
    }
}

/// Simulates Lambda functions for Task states (implemented by verify from a handler's model).
/// Gets the world so the handler's own AWS calls go through [`World::call_api`].
pub trait LambdaHandler {
    /// Whether this handler simulates `function_arn`; when false the world's mocks answer.
    fn handles(&self, _function_arn: &str) -> bool {
        true
    }
    /// Invokes the function with `payload` (the event); returns what the function returned.
    fn invoke(
        &mut self,
        function_arn: &str,
        payload: &Value,
        world: &mut World,
    ) -> Result<Value, LambdaFailure>;
}

/// Resolves a FunctionName (name, name:qualifier, full or partial ARN) to (name, ARN without qualifier).
pub fn resolve_function(world: &World, function_name: &str) -> (String, String) {
    let name = if let Some(rest) = function_name.strip_prefix("arn:") {
        // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
        rest.split(':').nth(5).unwrap_or("").to_string()
    } else if let Some((_, after)) = function_name.split_once(":function:") {
        after.split(':').next().unwrap_or("").to_string()
    } else {
        function_name.split(':').next().unwrap_or("").to_string()
    };
    let arn = world.function_arn(&name);
    (name, arn)
}

pub fn not_found(arn: &str) -> AwsError {
    AwsError::modeled(
        Service::Lambda,
        "ResourceNotFoundException",
        404,
        format!("Function not found: {arn}:$LATEST"),
    )
}

/// Runs a world mock. `Err(Ok(f))` is a function failure, `Err(Err(e))` a service error.
pub fn invoke_mock(
    world: &mut World,
    function_name: &str,
    event: &Value,
) -> Result<Value, Result<LambdaFailure, AwsError>> {
    let (name, arn) = resolve_function(world, function_name);
    let Some(f) = world.functions.get_mut(&name) else {
        return Err(Err(not_found(&arn)));
    };
    f.invocations += 1;
    let n = f.invocations;
    let mock = f.mock.clone();
    world.record(Change::LambdaInvoked {
        function: name,
        payload: event.clone(),
    });
    run_mock(world, &mock, n, event)
}

fn run_mock(
    world: &mut World,
    mock: &LambdaMock,
    n: u64,
    event: &Value,
) -> Result<Value, Result<LambdaFailure, AwsError>> {
    match mock {
        LambdaMock::Identity => Ok(event.clone()),
        LambdaMock::Return { value } => Ok(value.clone()),
        LambdaMock::Raise {
            error_type,
            error_message,
            stack_trace,
        } => {
            let rid = world.ids.uuid("lambda-request-id");
            Err(Ok(LambdaFailure::python_exception(
                error_type,
                error_message,
                &rid,
                stack_trace,
            )))
        }
        LambdaMock::Unhandled { payload } => Err(Ok(LambdaFailure::unknown(payload))),
        LambdaMock::Sleep { ms, then } => {
            world.ctx.elapsed_ms += ms;
            run_mock(world, then, n, event)
        }
        LambdaMock::Sequence { steps } => {
            match steps.get((n as usize).saturating_sub(1)).or(steps.last()) {
                Some(step) => run_mock(world, step, n, event),
                None => Ok(event.clone()),
            }
        }
    }
}

/// The event a Lambda receives from a `Payload` parameter.
pub fn event_from_payload(payload: Option<&Value>) -> Result<Value, AwsError> {
    match payload {
        None | Some(Value::Null) => Ok(json!({})),
        Some(Value::String(s)) => serde_json::from_str(s).map_err(|e| {
            AwsError::modeled(
                Service::Lambda,
                "InvalidRequestContentException",
                400,
                format!("Could not parse request body into json: Could not parse payload into json: {e}"),
            )
        }),
        Some(v) => Ok(v.clone()),
    }
}

/// The Invoke API over the world's mocks (used by `aws-sdk:lambda:invoke` and by handler models
/// that invoke other functions): `{StatusCode, ExecutedVersion, Payload[, FunctionError]}`.
pub fn call_api(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    if action != "Invoke" {
        return Err(AwsError::unmodeled(
            Service::Lambda,
            "InvalidRequestContentException",
            400,
            format!("lambdaless: Lambda {action} is not simulated"),
        ));
    }
    let name = params
        .get("FunctionName")
        .and_then(Value::as_str)
        .unwrap_or("");
    let event = event_from_payload(params.get("Payload"))?;
    match invoke_mock(world, name, &event) {
        Ok(v) => Ok(json!({"ExecutedVersion": "$LATEST", "Payload": v, "StatusCode": 200})),
        Err(Ok(f)) => {
            let payload: Value = f
                .cause
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or(Value::Null);
            Ok(
                json!({"ExecutedVersion": "$LATEST", "FunctionError": "Unhandled", "Payload": payload, "StatusCode": 200}),
            )
        }
        Err(Err(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mocks_and_errors() {
        let mut w = World::new(1);
        w.add_function("id", LambdaMock::Identity);
        w.add_function(
            "boom",
            LambdaMock::Raise {
                error_type: "Exception".into(),
                error_message: "Some exception was raised.".into(),
                stack_trace: vec!["  File \"/var/task/handler.py\", line 2, in handler\n".into()],
            },
        );
        assert_eq!(
            invoke_mock(
                &mut w,
                "arn:aws:lambda:us-east-1:123456789012:function:id",
                &json!({"a": 1})
            ),
            Ok(json!({"a": 1}))
        );
        let f = invoke_mock(&mut w, "boom", &json!({}))
            .unwrap_err()
            .unwrap();
        assert_eq!(f.error, "Exception");
        let cause: Value = serde_json::from_str(f.cause.as_deref().unwrap()).unwrap();
        assert_eq!(cause["errorMessage"], json!("Some exception was raised."));
        assert!(f.cause.unwrap().starts_with("{\"errorMessage\": \"Some exception was raised.\", \"errorType\": \"Exception\", \"requestId\": "));
        let e = invoke_mock(&mut w, "missing", &json!({}))
            .unwrap_err()
            .unwrap_err();
        assert_eq!(
            e.message,
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing:$LATEST"
        );
        assert_eq!(event_from_payload(Some(&json!("0.0"))).unwrap(), json!(0.0));
        assert_eq!(event_from_payload(None).unwrap(), json!({}));
    }
}
