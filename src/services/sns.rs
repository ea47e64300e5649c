//! Simulated SNS: Publish to standard and FIFO topics, with deliveries to the topic's subscriptions
//! recorded in the world diff.
//!
//! API semantics: SNS API Reference, Publish (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html):
//! one of TopicArn/TargetArn/PhoneNumber; Message required (≤ 256 KB); Subject ASCII without line
//! breaks, ≤ 100 characters; MessageStructure `json` needs a JSON object with a `default` key; FIFO
//! topics need MessageGroupId and either MessageDeduplicationId or content-based deduplication.
//! A missing topic fails with `NotFound` "Topic does not exist" (404; recorded:
//! services/test_sns_task_service test_publish_base_error_topic_arn).

use super::errors::{AwsError, Service};
use super::world::{Change, World};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

const SVC: Service = Service::Sns;
const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;
const MAX_MESSAGE_BYTES: usize = 262_144;

fn invalid(msg: impl Into<String>) -> AwsError {
    AwsError::modeled_as(
        SVC,
        "InvalidParameter",
        "InvalidParameterException",
        400,
        format!("Invalid parameter: {}", msg.into()),
    )
}

fn not_found() -> AwsError {
    AwsError::modeled_as(
        SVC,
        "NotFound",
        "NotFoundException",
        404,
        "Topic does not exist",
    )
}

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    let Some(p) = params.as_object() else {
        return Err(invalid("request"));
    };
    match action {
        "Publish" => publish(world, p),
        _ => Err(AwsError::unmodeled(
            SVC,
            "InvalidAction",
            400,
            format!("lambdaless: SNS {action} is not simulated"),
        )),
    }
}

fn opt_str<'a>(p: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, AwsError> {
    match p.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(k)),
    }
}

/// The topic name an ARN names in this account and region.
fn topic_name(world: &World, arn: &str) -> Result<String, AwsError> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5].is_empty() {
        return Err(invalid("TopicArn"));
    }
    if parts[3] != world.region || parts[4] != world.account_id {
        return Err(not_found());
    }
    Ok(parts[5].to_string())
}

fn check_attributes(attrs: &Map<String, Value>) -> Result<(), AwsError> {
    if attrs.len() > 10 {
        return Err(invalid(format!(
            "Too many message attributes: {}",
            attrs.len()
        )));
    }
    for (name, a) in attrs {
        let dt = a.get("DataType").and_then(Value::as_str).unwrap_or("");
        let base = dt.split('.').next().unwrap_or("");
        let ok = match base {
            "String" | "Number" => a.get("StringValue").and_then(Value::as_str).is_some_and(|s| !s.is_empty()),
            "Binary" => a.get("BinaryValue").and_then(Value::as_str).is_some_and(|s| !s.is_empty()),
            _ => {
                return Err(invalid(format!(
                    "The message attribute '{name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."
                )))
            }
        };
        if !ok {
            return Err(invalid(format!(
                "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{dt}'."
            )));
        }
        if base == "Number"
            && super::dynamodb::attr::parse_number(a["StringValue"].as_str().unwrap_or("")).is_err()
        {
            return Err(invalid(format!(
                "Could not cast message attribute '{name}' value to number."
            )));
        }
    }
    Ok(())
}

fn publish(world: &mut World, p: &Map<String, Value>) -> Result<Value, AwsError> {
    let target = opt_str(p, "TopicArn")?.or(opt_str(p, "TargetArn")?);
    let phone = opt_str(p, "PhoneNumber")?;
    let message = match p.get("Message") {
        None | Some(Value::Null) => {
            return Err(AwsError::unmodeled(SVC, "ValidationError", 400, "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null"))
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(invalid("Message")),
    };
    if message.is_empty() {
        return Err(invalid("Empty message"));
    }
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(invalid("Message too long"));
    }
    let subject = opt_str(p, "Subject")?.map(str::to_string);
    if let Some(s) = &subject {
        if s.is_empty()
            || s.len() > 100
            || !s.chars().all(|c| c.is_ascii() && !c.is_ascii_control())
        {
            return Err(invalid("Subject"));
        }
    }
    let structure = opt_str(p, "MessageStructure")?.map(str::to_string);
    if let Some(st) = &structure {
        if st != "json" {
            return Err(invalid("Invalid value for MessageStructure"));
        }
        match serde_json::from_str::<Value>(&message) {
            Ok(Value::Object(m)) => {
                if !m.contains_key("default") {
                    return Err(invalid(
                        "Message Structure - No default entry in JSON message body",
                    ));
                }
            }
            _ => {
                return Err(invalid(
                    "Message Structure - JSON message body failed to parse",
                ))
            }
        }
    }
    let attrs = match p.get("MessageAttributes") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(invalid("MessageAttributes")),
    };
    check_attributes(&attrs)?;
    let group_id = opt_str(p, "MessageGroupId")?.map(str::to_string);
    let mut dedup_id = opt_str(p, "MessageDeduplicationId")?.map(str::to_string);
    let Some(arn) = target else {
        if phone.is_some() {
            // SMS delivery is out of scope: record it as a publish to the phone number.
            let message_id = world.ids.uuid("sns-message-id");
            world.record(Change::NotificationPublished {
                topic: format!("phone:{}", phone.unwrap_or_default()),
                message_id: message_id.clone(),
                message,
                subject,
                attributes: attrs,
                message_structure: structure,
                group_id,
                deduplication_id: dedup_id,
                deliveries: Vec::new(),
            });
            return Ok(json!({"MessageId": message_id}));
        }
        return Err(invalid(
            "TopicArn or TargetArn Reason: no value for required parameter",
        ));
    };
    let name = topic_name(world, arn)?;
    let topic = world.topics.get(&name).ok_or_else(not_found)?.clone();
    let now = world.ctx.now_ms;
    if topic.fifo {
        if group_id.is_none() {
            return Err(invalid(
                "The MessageGroupId parameter is required for FIFO topics",
            ));
        }
        if dedup_id.is_none() {
            if !topic.content_based_deduplication {
                return Err(invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"));
            }
            let d = Sha256::digest(message.as_bytes());
            dedup_id = Some(d.iter().map(|b| format!("{b:02x}")).collect());
        }
        if let Some(d) = &dedup_id {
            if let Some((t, first)) = topic.dedup_seen.get(d) {
                if now - t < DEDUP_WINDOW_MS {
                    return Ok(
                        json!({"MessageId": first, "SequenceNumber": world.ids.sequence_number(&format!("sns:{name}"))}),
                    );
                }
            }
        }
    } else if dedup_id.is_some() {
        return Err(invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type"));
    }
    let message_id = world.ids.uuid("sns-message-id");
    let mut out = Map::new();
    out.insert("MessageId".into(), json!(message_id));
    if topic.fifo {
        out.insert(
            "SequenceNumber".into(),
            json!(world.ids.sequence_number(&format!("sns:{name}"))),
        );
        if let (Some(t), Some(d)) = (world.topics.get_mut(&name), &dedup_id) {
            t.dedup_seen.insert(d.clone(), (now, message_id.clone()));
        }
    }
    let deliveries = topic
        .subscriptions
        .iter()
        .map(|s| format!("{}:{}", s.protocol, s.endpoint))
        .collect();
    world.record(Change::NotificationPublished {
        topic: name,
        message_id,
        message,
        subject,
        attributes: attrs,
        message_structure: structure,
        group_id,
        deduplication_id: dedup_id,
        deliveries,
    });
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_standard_fifo_and_errors() {
        let mut w = World::new(1);
        w.add_topic("t", false, vec![]);
        w.add_topic("f.fifo", false, vec![]);
        let arn = w.topic_arn("t");
        let r = call(
            &mut w,
            "Publish",
            &json!({"TopicArn": arn, "Message": "hi", "Subject": "s"}),
        )
        .unwrap();
        assert_eq!(r.as_object().unwrap().len(), 1);
        let gone = w.topic_arn("gone");
        let e = call(
            &mut w,
            "Publish",
            &json!({"TopicArn": gone, "Message": "hi"}),
        )
        .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.status, e.message.as_str()),
            ("NotFound", 404, "Topic does not exist")
        );
        let e = call(
            &mut w,
            "Publish",
            &json!({"TopicArn": arn, "Message": "{}", "MessageStructure": "json"}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid parameter: Message Structure - No default entry in JSON message body"
        );
        let farn = w.topic_arn("f.fifo");
        let e = call(
            &mut w,
            "Publish",
            &json!({"TopicArn": farn, "Message": "x", "MessageDeduplicationId": "d"}),
        )
        .unwrap_err();
        assert!(e.message.contains("MessageGroupId"));
        let r = call(&mut w, "Publish", &json!({"TopicArn": farn, "Message": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"})).unwrap();
        assert_eq!(r["SequenceNumber"].as_str().unwrap().len(), 20);
        assert_eq!(w.diff.changes.len(), 2);
    }
}
