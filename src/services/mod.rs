//! The service layer the interpreter calls for Task states.
//!
//! `interp` builds a [`TaskCall`] for each Task attempt (resource ARN + effective parameters after
//! Parameters/Arguments) and asks a [`ServiceBackend`] for the [`TaskOutcome`]. Backends:
//! - `mock_config`: AWS Step Functions Local MockConfigFile (`--mock-config FILE --test-case NAME`);
//! - `world` and the per-service simulators (DynamoDB, SQS, SNS, EventBridge, ...): in-memory AWS;
//! - wrappers elsewhere (verify's Lambda-from-handler-model, fault injection) compose these.

use serde_json::Value;

pub mod athena;
pub mod batch;
pub mod casing;
pub mod codebuild;
pub mod dynamodb;
pub mod ecs;
pub mod errors;
pub mod eventbridge;
pub mod faults;
pub mod glue;
pub mod ids;
pub mod integration_shape;
#[cfg(test)]
mod job_integration_tests;
pub mod lambda;
pub mod layered;
pub mod metadata;
pub mod mock_config;
pub mod params;
pub mod request;
pub mod resources;
pub mod s3;
pub mod secretsmanager;
pub mod sesv2;
pub mod sfn;
pub mod simulated;
#[cfg(test)]
mod simulated_tests;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod world;
pub mod world_file;

pub use lambda::{LambdaFailure, LambdaHandler};
pub use simulated::{ExecutionHook, SimulatedServices};
pub use world::{World, WorldDiff};
pub use world_file::load_world;

/// One attempt of one Task state, as the service sees it.
#[derive(Debug, Clone)]
pub struct TaskCall {
    /// State name (for mocks keyed by state).
    pub state_name: String,
    /// The `Resource` field, exactly as in the definition (after JSONata evaluation if it was one).
    pub resource: String,
    /// Effective parameters: the state's Parameters / Arguments applied to its input.
    pub parameters: Value,
    /// `$$.Task.Token` for `.waitForTaskToken` resources.
    pub task_token: Option<String>,
    /// 0 for the first attempt, then 1, 2, ... for retries.
    pub attempt: u32,
    /// Execution context the service may need (EventBridge appends these ARNs to Resources).
    pub execution_arn: String,
    pub state_machine_arn: String,
    pub region: String,
    pub account_id: String,
    /// Virtual clock at the call, in milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// The state's TimeoutSeconds / HeartbeatSeconds, when set.
    pub timeout_seconds: Option<f64>,
    pub heartbeat_seconds: Option<f64>,
    /// `Credentials` field of the Task, when set (role to assume).
    pub credentials: Option<Value>,
}

#[cfg(test)]
impl TaskCall {
    /// The first attempt of `state` calling `resource` in an execution of
    /// `arn:aws:states:us-east-1:111111111111:stateMachine:sm` (unit tests).
    pub(crate) fn for_test(state: &str, resource: &str, parameters: Value) -> Self {
        TaskCall {
            state_name: state.into(),
            resource: resource.into(),
            parameters,
            task_token: None,
            attempt: 0,
            execution_arn: "arn:aws:states:us-east-1:111111111111:execution:sm:run".into(),
            state_machine_arn: "arn:aws:states:us-east-1:111111111111:stateMachine:sm".into(),
            region: "us-east-1".into(),
            account_id: "111111111111".into(),
            now_ms: 1_735_689_600_000,
            timeout_seconds: None,
            heartbeat_seconds: None,
            credentials: None,
        }
    }
}

/// What the service did.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    /// The task result (what `$` / `$states.result` is before ResultSelector).
    Succeeded(Value),
    /// The task failed with this error name and cause (as Step Functions reports them).
    Failed {
        error: String,
        cause: Option<String>,
    },
}

/// A service response with its virtual duration, and for callback tasks, heartbeat times.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskResponse {
    pub outcome: TaskOutcome,
    /// Virtual time the call took, in milliseconds (the interpreter enforces TimeoutSeconds with it).
    pub elapsed_ms: u64,
    /// For callback tasks: offsets (ms from the call) at which SendTaskHeartbeat arrived.
    pub heartbeats_ms: Vec<u64>,
}

impl TaskResponse {
    pub fn immediate(outcome: TaskOutcome) -> Self {
        TaskResponse {
            outcome,
            elapsed_ms: 0,
            heartbeats_ms: Vec::new(),
        }
    }
    pub fn ok(value: Value) -> Self {
        Self::immediate(TaskOutcome::Succeeded(value))
    }
    pub fn fail(error: impl Into<String>, cause: Option<String>) -> Self {
        Self::immediate(TaskOutcome::Failed {
            error: error.into(),
            cause,
        })
    }
}

/// `States.Runtime` causes point at the event that entered the state: "An error occurred while
/// executing the state 'S' (entered at the event id #N). The Parameters '...' could not be used to
/// start the Task: [...]" (a cause AWS returned, quoted in a public CDK project for a state entered at
/// event #7). A service does not know N: it writes the cause with [`runtime_cause`] and the
/// interpreter adds N with [`with_entered_event`].
pub fn runtime_cause(state: &str, detail: &str) -> String {
    format!("An error occurred while executing the state '{state}'. {detail}")
}

/// Completes a cause written by [`runtime_cause`] with the id of the state's entered event; any
/// other cause is returned unchanged.
pub fn with_entered_event(cause: &str, state: &str, entered_id: u64) -> String {
    match cause.strip_prefix(&runtime_cause(state, "")) {
        Some(detail) => format!(
            "An error occurred while executing the state '{state}' (entered at the event id #{entered_id}). {detail}"
        ),
        None => cause.to_string(),
    }
}

/// Anything that can answer Task calls.
pub trait ServiceBackend {
    fn call(&mut self, call: &TaskCall) -> TaskResponse;
}

/// A borrowed backend is a backend, so a caller can keep the world to read its diff afterwards.
impl<B: ServiceBackend + ?Sized> ServiceBackend for &mut B {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        (**self).call(call)
    }
}

/// A backend with no services: every Task fails as an unreachable service would.
/// Used by `lambdaless run` when neither --mock-config nor --world is given.
#[derive(Debug, Default)]
pub struct NoServices;

impl ServiceBackend for NoServices {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        TaskResponse::fail(
            "States.Runtime",
            Some(format!(
                "lambdaless: no service backend for resource '{}' (state '{}'); pass --mock-config or --world",
                call.resource, call.state_name
            )),
        )
    }
}
