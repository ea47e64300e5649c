//! The context object (`$$`): Execution, StateMachine (and State, Map, Task, set as the run moves).
//! Shape as recorded in the conformance cases (context_object suite).

use super::clock::{format_iso, Millis};
use super::ExecutionContext;
use serde_json::{json, Value};

pub fn context_object(ctx: &ExecutionContext, input: &Value, start_ms: Millis) -> Value {
    let c = json!({
        "Execution": {
            "Id": ctx.execution_arn,
            "Input": input,
            "StartTime": format_iso(start_ms),
            "Name": ctx.execution_name,
            "RoleArn": ctx.role_arn,
            "RedriveCount": 0,
        },
        "StateMachine": {
            "Id": ctx.state_machine_arn,
            "Name": ctx.state_machine_name,
        },
    });
    // `run` is StartExecution: even Express executions started that way show RedriveCount
    // (test_express_async::test_query_runtime_memory); only StartSyncExecution omits it.
    c
}
