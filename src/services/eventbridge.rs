//! Simulated EventBridge: PutEvents on the world's event buses.
//!
//! API semantics: EventBridge API Reference, PutEvents
//! (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html): 1–10 entries;
//! each entry succeeds with an EventId or fails on its own with ErrorCode/ErrorMessage, and
//! FailedEntryCount counts the failures. Recorded per-entry failures
//! (services/test_events_task_service): a Detail that is not a JSON object →
//! `MalformedDetail` "Detail is malformed."; no Source → `InvalidArgument` "Parameter Source is not
//! valid. Reason: Source is a required argument.".

use super::errors::{AwsError, Service};
use super::world::{Change, World};
use serde_json::{json, Map, Value};

const SVC: Service = Service::EventBridge;

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "PutEvents" => put_events(world, params),
        _ => Err(AwsError::unmodeled(
            SVC,
            "UnknownOperationException",
            400,
            format!("lambdaless: EventBridge {action} is not simulated"),
        )),
    }
}

fn validation(msg: impl Into<String>) -> AwsError {
    AwsError::unmodeled(SVC, "ValidationException", 400, msg)
}

fn entry_error(code: &str, msg: &str) -> Value {
    json!({"ErrorCode": code, "ErrorMessage": msg})
}

fn bus_name(arn_or_name: &str) -> String {
    match arn_or_name.split_once(":event-bus/") {
        Some((_, n)) => n.to_string(),
        None => arn_or_name.to_string(),
    }
}

fn iso_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn put_events(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let entries = match params.get("Entries") {
        None | Some(Value::Null) => {
            return Err(validation("1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null"))
        }
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(AwsError::unmodeled(SVC, "SerializationException", 400, "Unexpected value type for Entries")),
    };
    if entries.is_empty() || entries.len() > 10 {
        let c = if entries.is_empty() {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 10"
        };
        return Err(validation(format!(
            "1 validation error detected: Value at 'entries' failed to satisfy constraint: {c}"
        )));
    }
    let mut results = Vec::new();
    let mut failed = 0;
    for e in &entries {
        let e = e.as_object().cloned().unwrap_or_default();
        let text = |k: &str| {
            e.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let source = text("Source");
        let detail_type = text("DetailType");
        let detail = text("Detail");
        let problem = if source.is_none() {
            Some(entry_error(
                "InvalidArgument",
                "Parameter Source is not valid. Reason: Source is a required argument.",
            ))
        } else if detail_type.is_none() {
            Some(entry_error(
                "InvalidArgument",
                "Parameter DetailType is not valid. Reason: DetailType is a required argument.",
            ))
        } else if detail.is_none() {
            Some(entry_error(
                "InvalidArgument",
                "Parameter Detail is not valid. Reason: Detail is a required argument.",
            ))
        } else if !matches!(
            serde_json::from_str::<Value>(detail.as_deref().unwrap_or("")),
            Ok(Value::Object(_))
        ) {
            Some(entry_error("MalformedDetail", "Detail is malformed."))
        } else {
            None
        };
        if let Some(p) = problem {
            failed += 1;
            results.push(p);
            continue;
        }
        let bus = bus_name(
            e.get("EventBusName")
                .and_then(Value::as_str)
                .unwrap_or("default"),
        );
        if !world.buses.contains_key(&bus) {
            // Inference: an unknown bus fails the entry, not the request.
            failed += 1;
            results.push(entry_error(
                "ResourceNotFoundException",
                &format!("Event bus {bus} does not exist."),
            ));
            continue;
        }
        let event_id = world.ids.uuid("events-event-id");
        let resources = e.get("Resources").cloned().unwrap_or_else(|| json!([]));
        let time = e
            .get("Time")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| iso_time(world.ctx.now_ms));
        // The event as delivered to targets (EventBridge User Guide, "Amazon EventBridge events").
        let mut event = Map::new();
        event.insert("version".into(), json!("0"));
        event.insert("id".into(), json!(event_id));
        event.insert("detail-type".into(), json!(detail_type));
        event.insert("source".into(), json!(source));
        event.insert("account".into(), json!(world.account_id));
        event.insert("time".into(), json!(time));
        event.insert("region".into(), json!(world.region));
        event.insert("resources".into(), resources);
        event.insert(
            "detail".into(),
            serde_json::from_str(detail.as_deref().unwrap_or("{}")).unwrap_or(Value::Null),
        );
        world.record(Change::EventPut {
            bus,
            event_id: event_id.clone(),
            event: Value::Object(event),
        });
        results.push(json!({"EventId": event_id}));
    }
    Ok(json!({"Entries": results, "FailedEntryCount": failed}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_events_partial_failures() {
        let mut w = World::new(1);
        let r = call(
            &mut w,
            "PutEvents",
            &json!({"Entries": [
                {"Detail": "{\"a\":1}", "DetailType": "t", "Source": "s"},
                {"Detail": "\"jsonstring\"", "DetailType": "t", "Source": "s"},
                {"Detail": "{}", "DetailType": "t"}
            ]}),
        )
        .unwrap();
        assert_eq!(r["FailedEntryCount"], json!(2));
        assert_eq!(
            r["Entries"][1],
            json!({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."})
        );
        assert_eq!(
            r["Entries"][2]["ErrorMessage"],
            json!("Parameter Source is not valid. Reason: Source is a required argument.")
        );
        assert!(r["Entries"][0]["EventId"].is_string());
        assert_eq!(w.diff.changes.len(), 1);
    }
}
