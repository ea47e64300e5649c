//! The in-memory AWS account the simulators read and write: tables, queues, topics, buses,
//! buckets, Lambda mocks, state machines, fault rules and scripted callbacks; plus the ordered
//! record of what changed ([`WorldDiff`]) and of every API call ([`CallRecord`]).
//!
//! The simulators are plain functions over `World` taking AWS API parameters (PascalCase, as the
//! API reference spells them) and returning the API output or an [`AwsError`], so that a Lambda
//! handler model (verify) can call exactly the same operations a direct integration calls.

use super::errors::{AwsError, Service};
use super::faults::{FaultRule, FaultState};
use super::ids::IdGen;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A DynamoDB key attribute: its name and scalar type (S, N or B).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyAttr {
    pub name: String,
    #[serde(rename = "type")]
    pub attr_type: String,
}

/// A global or local secondary index (Query/Scan with IndexName).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecondaryIndex {
    pub name: String,
    pub partition_key: KeyAttr,
    pub sort_key: Option<KeyAttr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub partition_key: KeyAttr,
    pub sort_key: Option<KeyAttr>,
    pub indexes: Vec<SecondaryIndex>,
    /// Items in insertion order (Scan returns them in this order).
    pub items: Vec<Map<String, Value>>,
}

impl Table {
    pub fn key_names(&self) -> Vec<&str> {
        let mut v = vec![self.partition_key.name.as_str()];
        if let Some(s) = &self.sort_key {
            v.push(s.name.as_str());
        }
        v
    }
}

/// A message stored in a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueMessage {
    pub message_id: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduplication_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay_seconds: u64,
    /// Virtual time the message was sent (ms since the epoch).
    #[serde(default)]
    pub sent_ms: i64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub name: String,
    pub fifo: bool,
    pub content_based_deduplication: bool,
    pub messages: Vec<QueueMessage>,
    /// FIFO deduplication ids seen, with the virtual time they were first accepted.
    pub dedup_seen: BTreeMap<String, (i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub protocol: String,
    pub endpoint: String,
    #[serde(default)]
    pub raw_message_delivery: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub name: String,
    pub fifo: bool,
    pub content_based_deduplication: bool,
    pub subscriptions: Vec<Subscription>,
    pub dedup_seen: BTreeMap<String, (i64, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bus {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct S3Object {
    pub body: String,
    #[serde(default = "default_content_type")]
    pub content_type: String,
    #[serde(default)]
    pub metadata: Map<String, Value>,
    #[serde(default)]
    pub etag: String,
    #[serde(default)]
    pub last_modified_ms: i64,
}

pub fn default_content_type() -> String {
    "binary/octet-stream".to_string()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub name: String,
    pub objects: BTreeMap<String, S3Object>,
}

/// A scripted Lambda function (used when no [`super::LambdaHandler`] claims the function).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LambdaMock {
    /// Returns its event unchanged.
    Identity,
    /// Returns this value.
    Return { value: Value },
    /// Raises an exception as the Python runtime reports it: Error = `error_type`, Cause =
    /// `{"errorMessage","errorType","requestId","stackTrace"}` (aws-facts §3.2, recorded cases).
    Raise {
        error_type: String,
        #[serde(default)]
        error_message: String,
        #[serde(default)]
        stack_trace: Vec<String>,
    },
    /// Fails the way a crashed or timed-out function does: `Lambda.Unknown` (aws-facts §3.2).
    Unhandled {
        #[serde(default)]
        payload: Value,
    },
    /// Takes `ms` of virtual time, then behaves as `then`.
    Sleep { ms: u64, then: Box<LambdaMock> },
    /// One behaviour per invocation; the last one repeats.
    Sequence { steps: Vec<LambdaMock> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LambdaFunction {
    pub name: String,
    pub mock: LambdaMock,
    pub invocations: u64,
}

/// A state machine StartExecution may target when no execution hook is installed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMachineEntry {
    pub name: String,
    /// Scripted end of child executions for `.sync` / `.sync:2` (default: SUCCEEDED with `{}`).
    #[serde(default)]
    pub result: Option<ChildResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildResult {
    #[serde(default = "succeeded")]
    pub status: String,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
    #[serde(default)]
    pub duration_ms: u64,
}

fn succeeded() -> String {
    "SUCCEEDED".into()
}

/// One change to the world, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    ItemPut {
        table: String,
        key: Value,
        old: Option<Value>,
        new: Value,
    },
    ItemUpdated {
        table: String,
        key: Value,
        old: Option<Value>,
        new: Value,
    },
    ItemDeleted {
        table: String,
        key: Value,
        old: Value,
    },
    MessageSent {
        queue: String,
        message: QueueMessage,
    },
    NotificationPublished {
        topic: String,
        message_id: String,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
        #[serde(skip_serializing_if = "Map::is_empty")]
        attributes: Map<String, Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message_structure: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        group_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        deduplication_id: Option<String>,
        /// Subscription endpoints the message was delivered to.
        deliveries: Vec<String>,
    },
    EventPut {
        bus: String,
        event_id: String,
        event: Value,
    },
    ObjectPut {
        bucket: String,
        key: String,
        etag: String,
        body: String,
    },
    ObjectDeleted {
        bucket: String,
        key: String,
    },
    ExecutionStarted {
        state_machine_arn: String,
        execution_arn: String,
        input: Value,
    },
    LambdaInvoked {
        function: String,
        payload: Value,
    },
    /// A job-like start call (Athena StartQueryExecution, Batch SubmitJob, CodeBuild StartBuild,
    /// ECS RunTask, Glue StartJobRun) or an SES email: the service, what was started or sent (its
    /// generated ids), and the request in wire member names, as the service received it.
    Started {
        service: String,
        operation: String,
        ids: Vec<String>,
        request: Value,
    },
}

/// A change and the Task state that caused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffEntry {
    pub seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(flatten)]
    pub change: Change,
}

/// Everything a run changed, in order (for verify to compare the original and rewritten runs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorldDiff {
    pub changes: Vec<DiffEntry>,
}

impl WorldDiff {
    /// The changes without the attribution to states and without Lambda invocations: what two
    /// equivalent workflows must agree on even when one calls the API from a Lambda.
    pub fn effects(&self) -> Vec<Change> {
        self.changes
            .iter()
            .filter(|e| !matches!(e.change, Change::LambdaInvoked { .. }))
            .map(|e| e.change.clone())
            .collect()
    }
}

/// One API call as the simulators saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    pub seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub service: Service,
    /// API action in PascalCase (`PutItem`, `SendMessage`).
    pub action: String,
    /// The request parameters with object keys sorted (canonical form).
    pub parameters: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AwsError>,
    /// Fault rule index that produced the error, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<usize>,
}

/// Scripted answer to a `.waitForTaskToken` task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackScript {
    /// Task state this script answers (any state when absent).
    #[serde(default)]
    pub state: Option<String>,
    /// Answer only the n-th (1-based) callback task matching `state`.
    #[serde(default)]
    pub nth: Option<u32>,
    /// SendTaskHeartbeat times, ms after the task started.
    #[serde(default)]
    pub heartbeats_ms: Vec<u64>,
    /// When the final answer arrives, ms after the task started.
    #[serde(default)]
    pub after_ms: u64,
    #[serde(flatten)]
    pub outcome: CallbackOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "send", rename_all = "snake_case")]
pub enum CallbackOutcome {
    /// SendTaskSuccess with this output.
    TaskSuccess {
        #[serde(default = "empty_object")]
        output: Value,
    },
    /// SendTaskFailure with this error and cause.
    TaskFailure {
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        cause: Option<String>,
    },
    /// No answer ever arrives (the task waits until its timeout or heartbeat timeout).
    Never,
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// A scripted answer to an `aws-sdk:<service>:<action>` Task (services the simulators do not model,
/// such as `ssm:getParameter`). Exactly one of `result` or `error` is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkMock {
    /// Service token as in the resource ARN (`ssm`, `secretsmanager`, `dynamodb`, ...).
    pub service: String,
    /// Action as in the resource ARN (`getParameter`), case-insensitive.
    pub action: String,
    /// Only for this Task state.
    #[serde(default)]
    pub state: Option<String>,
    /// The API output returned as the task result.
    #[serde(default)]
    pub result: Option<Value>,
    /// Error name as Step Functions reports it (`Ssm.ParameterNotFoundException`).
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
}

/// Context of the Task call being served (for diff attribution, fault matching and ids).
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    pub state: Option<String>,
    pub now_ms: i64,
    pub execution_arn: String,
    pub state_machine_arn: String,
    /// Extra virtual time the current call takes (latency faults, Lambda sleeps).
    pub elapsed_ms: u64,
    /// Set when a timeout fault made the call hang.
    pub hung: bool,
}

/// The simulated account.
#[derive(Debug, Clone)]
pub struct World {
    pub region: String,
    pub account_id: String,
    pub ids: IdGen,
    pub tables: BTreeMap<String, Table>,
    pub queues: BTreeMap<String, Queue>,
    pub topics: BTreeMap<String, Topic>,
    pub buses: BTreeMap<String, Bus>,
    pub buckets: BTreeMap<String, Bucket>,
    pub functions: BTreeMap<String, LambdaFunction>,
    pub state_machines: BTreeMap<String, StateMachineEntry>,
    pub secrets: BTreeMap<String, super::resources::Secret>,
    pub parameters: BTreeMap<String, super::resources::Parameter>,
    pub workgroups: BTreeMap<String, super::resources::WorkGroup>,
    pub job_queues: BTreeSet<String>,
    pub job_definitions: Vec<super::resources::JobDefinition>,
    pub build_projects: BTreeSet<String>,
    pub clusters: BTreeSet<String>,
    pub task_definitions: Vec<super::resources::TaskDefinition>,
    pub glue_jobs: BTreeSet<String>,
    /// Verified SES identities (lowercase email addresses and domains).
    pub email_identities: BTreeSet<String>,
    pub faults: Vec<FaultRule>,
    pub fault_state: FaultState,
    pub callbacks: Vec<CallbackScript>,
    /// Scripted answers for `aws-sdk:*` actions the simulators do not implement (or override).
    pub sdk_mocks: Vec<SdkMock>,
    pub diff: WorldDiff,
    pub calls: Vec<CallRecord>,
    pub ctx: CallContext,
}

impl World {
    /// An empty account (only the `default` event bus exists, as in every AWS account).
    pub fn new(seed: u64) -> World {
        let mut buses = BTreeMap::new();
        buses.insert(
            "default".to_string(),
            Bus {
                name: "default".into(),
            },
        );
        World {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            ids: IdGen::new(seed),
            tables: BTreeMap::new(),
            queues: BTreeMap::new(),
            topics: BTreeMap::new(),
            buses,
            buckets: BTreeMap::new(),
            functions: BTreeMap::new(),
            state_machines: BTreeMap::new(),
            secrets: BTreeMap::new(),
            parameters: BTreeMap::new(),
            // "Each account has a primary workgroup" (Athena User Guide, workgroups-manage-queries-control-costs.html),
            // with no query result location set.
            workgroups: BTreeMap::from([(
                "primary".to_string(),
                super::resources::WorkGroup {
                    name: "primary".into(),
                    output_location: None,
                },
            )]),
            job_queues: BTreeSet::new(),
            job_definitions: Vec::new(),
            build_projects: BTreeSet::new(),
            clusters: BTreeSet::new(),
            task_definitions: Vec::new(),
            glue_jobs: BTreeSet::new(),
            email_identities: BTreeSet::new(),
            faults: Vec::new(),
            fault_state: FaultState::default(),
            callbacks: Vec::new(),
            sdk_mocks: Vec::new(),
            diff: WorldDiff::default(),
            calls: Vec::new(),
            ctx: CallContext::default(),
        }
    }

    pub fn record(&mut self, change: Change) {
        let seq = self.diff.changes.len() as u64 + 1;
        self.diff.changes.push(DiffEntry {
            seq,
            state: self.ctx.state.clone(),
            change,
        });
    }

    /// A fresh request id (its own id stream, so it never shifts MessageIds).
    pub fn request_id(&mut self) -> String {
        self.ids.uuid("request-id")
    }

    pub fn add_table(&mut self, name: &str, partition_key: KeyAttr, sort_key: Option<KeyAttr>) {
        self.tables.insert(
            name.to_string(),
            Table {
                name: name.to_string(),
                partition_key,
                sort_key,
                indexes: Vec::new(),
                items: Vec::new(),
            },
        );
    }

    pub fn add_queue(&mut self, name: &str, content_based_deduplication: bool) {
        self.queues.insert(
            name.to_string(),
            Queue {
                name: name.to_string(),
                fifo: name.ends_with(".fifo"),
                content_based_deduplication,
                messages: Vec::new(),
                dedup_seen: BTreeMap::new(),
            },
        );
    }

    pub fn add_topic(
        &mut self,
        name: &str,
        content_based_deduplication: bool,
        subscriptions: Vec<Subscription>,
    ) {
        self.topics.insert(
            name.to_string(),
            Topic {
                name: name.to_string(),
                fifo: name.ends_with(".fifo"),
                content_based_deduplication,
                subscriptions,
                dedup_seen: BTreeMap::new(),
            },
        );
    }

    pub fn add_bus(&mut self, name: &str) {
        self.buses.insert(
            name.to_string(),
            Bus {
                name: name.to_string(),
            },
        );
    }

    pub fn add_bucket(&mut self, name: &str) {
        self.buckets.insert(
            name.to_string(),
            Bucket {
                name: name.to_string(),
                objects: BTreeMap::new(),
            },
        );
    }

    pub fn add_function(&mut self, name: &str, mock: LambdaMock) {
        self.functions.insert(
            name.to_string(),
            LambdaFunction {
                name: name.to_string(),
                mock,
                invocations: 0,
            },
        );
    }

    pub fn queue_url(&self, name: &str) -> String {
        format!(
            "https://sqs.{}.amazonaws.com/{}/{}",
            self.region, self.account_id, name
        )
    }

    pub fn topic_arn(&self, name: &str) -> String {
        format!("arn:aws:sns:{}:{}:{}", self.region, self.account_id, name)
    }

    pub fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account_id, name
        )
    }

    pub fn state_machine_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:stateMachine:{}",
            self.region, self.account_id, name
        )
    }

    /// Calls an AWS API by service and PascalCase action with its request parameters: the single
    /// entry point shared by direct integrations and Lambda handler models. Applies fault rules and
    /// logs the call.
    pub fn call_api(
        &mut self,
        service: Service,
        action: &str,
        params: &Value,
    ) -> Result<Value, AwsError> {
        let fault = self.fault_for(service, action);
        let result = match &fault {
            Some((_, Some(err))) => Err(err.clone()),
            _ => self.dispatch(service, action, params),
        };
        let seq = self.calls.len() as u64 + 1;
        let record = CallRecord {
            seq,
            state: self.ctx.state.clone(),
            service,
            action: action.to_string(),
            parameters: canonical(params),
            output: result.as_ref().ok().cloned(),
            error: result.as_ref().err().cloned(),
            fault: fault.map(|(i, _)| i),
        };
        self.calls.push(record);
        result
    }

    fn dispatch(
        &mut self,
        service: Service,
        action: &str,
        params: &Value,
    ) -> Result<Value, AwsError> {
        match service {
            Service::DynamoDb => super::dynamodb::call(self, action, params),
            Service::Sqs => super::sqs::call(self, action, params),
            Service::Sns => super::sns::call(self, action, params),
            Service::EventBridge => super::eventbridge::call(self, action, params),
            Service::S3 => super::s3::call(self, action, params),
            Service::Lambda => super::lambda::call_api(self, action, params),
            Service::StepFunctions => super::sfn::call(self, action, params),
            Service::SecretsManager => super::secretsmanager::call(self, action, params),
            Service::Ssm => super::ssm::call(self, action, params),
            Service::Athena => super::athena::call(self, action, params),
            Service::Batch => super::batch::call(self, action, params),
            Service::CodeBuild => super::codebuild::call(self, action, params),
            Service::Ecs => super::ecs::call(self, action, params),
            Service::Glue => super::glue::call(self, action, params),
            Service::SesV2 => super::sesv2::call(self, action, params),
        }
    }

    /// The fault (rule index, error) for this call; also applies latency and timeouts to `ctx`.
    fn fault_for(&mut self, service: Service, action: &str) -> Option<(usize, Option<AwsError>)> {
        let state = self.ctx.state.clone();
        let hit = self
            .fault_state
            .matching(&self.faults, service, action, state.as_deref())?;
        let rule = self.faults[hit].clone();
        let err = rule.fault.apply(service, action, &mut self.ctx);
        Some((hit, err))
    }
}

/// The same JSON with object keys sorted at every level.
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        _ => v.clone(),
    }
}
