//! Step Functions as a handler's SDK client reaches it (`StartExecution` on the wire API, camelCase
//! members `stateMachineArn`, `name`, `input`; response `executionArn`, `startDate` in epoch
//! seconds), without an execution hook: the child runs as the world's state-machine entry scripts it.
//! The Task integrations (`states:startExecution`, `aws-sdk:sfn:startExecution`) live in simulated.rs.

use super::errors::{AwsError, Service};
use super::world::{Change, World};
use serde_json::{json, Value};

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "StartExecution" => start_execution(world, params),
        "StartSyncExecution" => start_sync_execution(world, params, Casing::Camel),
        _ => Err(AwsError::unmodeled(
            Service::StepFunctions,
            "UnknownOperationException",
            400,
            format!("lambdaless: {action} is not simulated for Step Functions"),
        )),
    }
}

fn start_execution(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let sm_arn = params
        .get("stateMachineArn")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let sm_name = sm_arn.rsplit(':').next().unwrap_or("").to_string();
    if !sm_arn.starts_with("arn:") || !world.state_machines.contains_key(&sm_name) {
        // Same error as the integrations' StartExecution (simulated.rs).
        return Err(AwsError::modeled(
            Service::StepFunctions,
            "StateMachineDoesNotExist",
            400,
            format!("State Machine Does Not Exist: '{sm_arn}'"),
        ));
    }
    let input = match params.get("input") {
        None | Some(Value::Null) => json!({}),
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        Some(v) => v.clone(),
    };
    let name = match params.get("name").and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None => world.ids.uuid("sfn-execution-name"),
    };
    let execution_arn = format!(
        "arn:aws:states:{}:{}:execution:{}:{}",
        world.region, world.account_id, sm_name, name
    );
    world.record(Change::ExecutionStarted {
        state_machine_arn: sm_arn,
        execution_arn: execution_arn.clone(),
        input,
    });
    Ok(json!({"executionArn": execution_arn, "startDate": world.ctx.now_ms as f64 / 1000.0}))
}

/// Member names on the wire (`status`) or as the aws-sdk integration writes them (`Status`):
/// "Parameters in Step Functions are expressed in PascalCase, even if the native service API is in
/// camelCase" (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html),
/// and its results carry PascalCase keys and string dates (aws-facts §1.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Casing {
    Camel,
    Pascal,
}

impl Casing {
    fn key(self, camel: &str) -> String {
        match self {
            Casing::Camel => camel.to_string(),
            Casing::Pascal => {
                let mut c = camel.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string())
                    .unwrap_or_default()
                    + c.as_str()
            }
        }
    }

    fn date(self, ms: i64) -> Value {
        match self {
            Casing::Camel => json!(ms as f64 / 1000.0),
            Casing::Pascal => json!(chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                .unwrap_or_default()),
        }
    }
}

/// StartSyncExecution (Express): runs the child as the world's state-machine entry scripts it
/// (default SUCCEEDED with `{}`) and answers its description; `input`/`output` are JSON text
/// (botocore sfn StartSyncExecution output shape). BillingDetails is left out: no source gives
/// the simulated values.
pub fn start_sync_execution(
    world: &mut World,
    params: &Value,
    casing: Casing,
) -> Result<Value, AwsError> {
    let get = |k: &str| params.get(casing.key(k));
    let sm_arn = get("stateMachineArn")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let sm_name = sm_arn.rsplit(':').next().unwrap_or("").to_string();
    let child = match world.state_machines.get(&sm_name) {
        Some(sm) if sm_arn.starts_with("arn:") => sm.result.clone(),
        _ => {
            return Err(AwsError::modeled(
                Service::StepFunctions,
                "StateMachineDoesNotExist",
                400,
                format!("State Machine Does Not Exist: '{sm_arn}'"),
            ))
        }
    };
    let input_text = match get("input") {
        None | Some(Value::Null) => "{}".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let input: Value =
        serde_json::from_str(&input_text).unwrap_or(Value::String(input_text.clone()));
    let name = match get("name").and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None => world.ids.uuid("sfn-execution-name"),
    };
    let execution_arn = format!(
        "arn:aws:states:{}:{}:express:{}:{}:{}",
        world.region,
        world.account_id,
        sm_name,
        name,
        world.ids.uuid("sfn-express-execution")
    );
    world.record(Change::ExecutionStarted {
        state_machine_arn: sm_arn.clone(),
        execution_arn: execution_arn.clone(),
        input,
    });
    let (status, output, error, cause, duration) = match child {
        Some(r) => (r.status, r.output, r.error, r.cause, r.duration_ms),
        None => ("SUCCEEDED".to_string(), Some(json!({})), None, None, 0),
    };
    let start = world.ctx.now_ms;
    world.ctx.elapsed_ms += duration;
    let mut out = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(casing.key(k), v);
    };
    put("executionArn", json!(execution_arn));
    put("stateMachineArn", json!(sm_arn));
    put("name", json!(name));
    put("startDate", casing.date(start));
    put("stopDate", casing.date(start + duration as i64));
    put("status", json!(status));
    put("input", json!(input_text));
    put("inputDetails", json!({ casing.key("included"): true }));
    if status == "SUCCEEDED" {
        let text = output
            .map(|o| o.to_string())
            .unwrap_or_else(|| "null".into());
        put("output", json!(text));
        put("outputDetails", json!({ casing.key("included"): true }));
    } else {
        if let Some(e) = error {
            put("error", json!(e));
        }
        if let Some(c) = cause {
            put("cause", json!(c));
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handler_start_execution_records_the_child_and_answers_in_camel_case() {
        let mut w = World::new(3);
        w.state_machines.insert(
            "child".into(),
            super::super::world::StateMachineEntry {
                name: "child".into(),
                result: None,
            },
        );
        let arn = format!(
            "arn:aws:states:{}:{}:stateMachine:child",
            w.region, w.account_id
        );
        let out = call(
            &mut w,
            "StartExecution",
            &json!({"stateMachineArn": arn, "input": "{\"a\":1}", "name": "n1"}),
        )
        .unwrap();
        assert!(out["executionArn"]
            .as_str()
            .unwrap()
            .ends_with(":execution:child:n1"));
        assert!(out.get("ExecutionArn").is_none());
        let missing = call(
            &mut w,
            "StartExecution",
            &json!({"stateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:nope"}),
        );
        assert!(missing.is_err());
        let wire = call(
            &mut w,
            "StartSyncExecution",
            &json!({"stateMachineArn": arn, "input": "{}"}),
        )
        .unwrap();
        assert_eq!(wire["status"], "SUCCEEDED");
        assert_eq!(wire["output"], "{}");
        let sdk = start_sync_execution(
            &mut w,
            &json!({"StateMachineArn": arn, "Input": "{}"}),
            Casing::Pascal,
        )
        .unwrap();
        assert_eq!(sdk["Status"], "SUCCEEDED");
        assert_eq!(sdk["InputDetails"], json!({"Included": true}));
        assert!(sdk["StartDate"].is_string() && sdk.get("status").is_none());
    }
}
