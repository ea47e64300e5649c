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
    }
}
