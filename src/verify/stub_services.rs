//! A small deterministic stand-in for the simulated AWS services (DynamoDB items, SQS messages,
//! SNS publishes, EventBridge events), used by verify until `services::world` provides the full
//! simulation. It answers both optimized (`arn:aws:states:::sqs:sendMessage`) and aws-sdk
//! (`arn:aws:states:::aws-sdk:sqs:sendMessage`) resources and can snapshot its state.

use crate::services::{ServiceBackend, TaskCall, TaskResponse};
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};

#[derive(Debug, Default, Clone)]
pub struct StubServices {
    /// table → (key JSON → item), in first-write order.
    tables: Map<String, Value>,
    queues: Map<String, Value>,
    topics: Map<String, Value>,
    buses: Map<String, Value>,
    /// Per-kind counters, so that request ids do not shift message ids.
    ids: std::collections::BTreeMap<&'static str, u64>,
}

/// `(service, action, optimized?)` of a service-integration resource.
pub fn parse_resource(resource: &str) -> Option<(String, String, bool)> {
    let rest = resource.strip_prefix("arn:aws:states:::")?;
    let (rest, optimized) = match rest.strip_prefix("aws-sdk:") {
        Some(r) => (r, false),
        None => (rest, true),
    };
    let (service, action) = rest.split_once(':')?;
    let action = action.split('.').next().unwrap_or(action);
    let service = if service == "eventbridge" {
        "events"
    } else {
        service
    };
    let mut chars = action.chars();
    let pascal = match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => return None,
    };
    Some((service.to_string(), pascal, optimized))
}

/// Step Functions serializes a JSON object given where the API expects a string (aws-facts 1.4:
/// compact, as observed for S3 bodies).
pub fn string_param(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn md5_hex(s: &str) -> String {
    let mut h = Md5::new();
    h.update(s.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn metadata(content_type: &str, request_id: &str) -> (Value, Value) {
    (
        json!({"AllHttpHeaders": {"Content-Type": [content_type], "x-amzn-RequestId": [request_id]},
               "HttpHeaders": {"Content-Type": content_type, "x-amzn-RequestId": request_id},
               "HttpStatusCode": 200}),
        json!({"RequestId": request_id}),
    )
}

impl StubServices {
    pub fn new() -> Self {
        Self::default()
    }

    fn next_id(&mut self, kind: &'static str) -> String {
        let n = self.ids.entry(kind).or_insert(0);
        *n += 1;
        let tag = kind
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32))
            % 10_000;
        format!("00000000-0000-4000-{tag:04}-{n:012}")
    }

    /// The whole state, for world comparisons.
    pub fn snapshot(&self) -> Value {
        json!({"dynamodb": self.tables, "sqs": self.queues, "sns": self.topics, "events": self.buses})
    }

    fn invalid(&self, optimized: bool, service: &str, message: &str) -> TaskResponse {
        let (error, cause) = super::faults::integration_error(
            if optimized {
                super::faults::IntegrationStyle::Optimized
            } else {
                super::faults::IntegrationStyle::AwsSdk
            },
            service,
            &super::faults::ApiError {
                name: "ValidationException",
                status: 400,
                message: "",
                modelled: false,
            },
            "stub",
        );
        TaskResponse::fail(error, Some(format!("{message}: {cause}")))
    }

    fn apply(
        &mut self,
        service: &str,
        action: &str,
        p: &Value,
        optimized: bool,
    ) -> Result<Value, String> {
        let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
        match (service, action) {
            ("dynamodb", "PutItem") => {
                let table = s("TableName").ok_or("TableName is required")?;
                let item = p
                    .get("Item")
                    .and_then(Value::as_object)
                    .ok_or("Item is required")?;
                for (k, v) in item {
                    let ok = v.as_object().map(|o| o.len() == 1).unwrap_or(false);
                    if !ok {
                        return Err(format!("Item attribute {k} is not an AttributeValue"));
                    }
                }
                let (kname, kval) = item.iter().next().ok_or("Item is empty")?;
                if kval.get("S").is_none() && kval.get("N").is_none() {
                    return Err(format!("key attribute {kname} must be S or N"));
                }
                let t = self.tables.entry(table).or_insert_with(|| json!({}));
                t[kval.to_string()] = Value::Object(item.clone());
                Ok(json!({}))
            }
            ("dynamodb", "GetItem") => {
                let table = s("TableName").ok_or("TableName is required")?;
                let key = p
                    .get("Key")
                    .and_then(Value::as_object)
                    .ok_or("Key is required")?;
                let kval = key.values().next().ok_or("Key is empty")?;
                Ok(
                    match self
                        .tables
                        .get(&table)
                        .and_then(|t| t.get(kval.to_string()))
                    {
                        Some(item) => json!({"Item": item}),
                        None => json!({}),
                    },
                )
            }
            ("sqs", "SendMessage") => {
                let url = s("QueueUrl").ok_or("QueueUrl is required")?;
                let body = string_param(p.get("MessageBody").ok_or("MessageBody is required")?);
                let id = self.next_id("sqs-message");
                let md5 = md5_hex(&body);
                let q = self.queues.entry(url).or_insert_with(|| json!([]));
                q.as_array_mut()
                    .unwrap()
                    .push(json!({"MessageId": id, "Body": body, "MD5OfBody": md5}));
                Ok(json!({"MD5OfMessageBody": md5, "MessageId": id}))
            }
            ("sns", "Publish") => {
                let topic = s("TopicArn")
                    .or_else(|| s("TargetArn"))
                    .ok_or("TopicArn is required")?;
                let message = string_param(p.get("Message").ok_or("Message is required")?);
                let id = self.next_id("sns-message");
                let mut rec = json!({"MessageId": id, "Message": message});
                if let Some(sub) = p.get("Subject") {
                    rec["Subject"] = sub.clone();
                }
                let t = self.topics.entry(topic).or_insert_with(|| json!([]));
                t.as_array_mut().unwrap().push(rec);
                Ok(json!({"MessageId": id}))
            }
            ("events", "PutEvents") => {
                let entries = p
                    .get("Entries")
                    .and_then(Value::as_array)
                    .ok_or("Entries is required")?;
                let mut out = Vec::new();
                for entry in entries {
                    let id = self.next_id("event");
                    let bus = entry
                        .get("EventBusName")
                        .and_then(Value::as_str)
                        .unwrap_or("default")
                        .to_string();
                    let mut ev = entry.clone();
                    if let Some(d) = entry.get("Detail") {
                        ev["Detail"] = Value::String(string_param(d));
                    }
                    ev["EventId"] = Value::String(id.clone());
                    let _ = optimized;
                    let b = self.buses.entry(bus).or_insert_with(|| json!([]));
                    b.as_array_mut().unwrap().push(ev);
                    out.push(json!({"EventId": id}));
                }
                Ok(json!({"Entries": out, "FailedEntryCount": 0}))
            }
            _ => Err(format!("{service}:{action} is not simulated")),
        }
    }
}

impl ServiceBackend for StubServices {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        let Some((service, action, optimized)) = parse_resource(&call.resource) else {
            return TaskResponse::fail(
                "States.Runtime",
                Some(format!(
                    "no simulated service for resource '{}'",
                    call.resource
                )),
            );
        };
        match self.apply(&service, &action, &call.parameters, optimized) {
            Ok(mut out) => {
                // Optimized DynamoDB/SQS/SNS results carry the SDK metadata (aws-facts 1.3).
                if optimized && matches!(service.as_str(), "dynamodb" | "sqs" | "sns") {
                    let ct = match service.as_str() {
                        "dynamodb" => "application/x-amz-json-1.0",
                        "sns" => "text/xml",
                        _ => "application/x-amz-json-1.0",
                    };
                    let rid = self.next_id("request");
                    let (http, sdk) = metadata(ct, &rid);
                    out["SdkHttpMetadata"] = http;
                    out["SdkResponseMetadata"] = sdk;
                }
                TaskResponse::ok(out)
            }
            Err(message) => self.invalid(optimized, &service, &message),
        }
    }
}
