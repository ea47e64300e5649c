//! Simulated SQS: SendMessage and SendMessageBatch on standard and FIFO queues.
//!
//! - API semantics and limits: SQS API Reference, SendMessage / SendMessageBatch
//!   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
//! - MD5OfMessageBody is the MD5 of the body's UTF-8 bytes; MD5OfMessageAttributes follows
//!   "Calculating the MD5 message digest for message attributes" (SQS Developer Guide,
//!   sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation): attributes sorted by
//!   name, each encoded as name, data type (4-byte big-endian length + UTF-8 bytes), one transport
//!   byte (1 = String/Number, 2 = Binary) and the value (length + bytes).
//! - FIFO: MessageGroupId is required; MessageDeduplicationId is required unless the queue has
//!   content-based deduplication (SHA-256 of the body); duplicates within the 5-minute
//!   deduplication interval are accepted but not delivered (Developer Guide, "Exactly-once processing").
//! - A missing MessageBody fails with `MissingParameter` "The request must contain the parameter
//!   MessageBody." (recorded: error_handling/test_task_service_sqs).

use super::errors::{AwsError, Service};
use super::world::{Change, QueueMessage, World};
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};
use sha2::Sha256;

const SVC: Service = Service::Sqs;
/// FIFO deduplication interval (Developer Guide: 5 minutes).
const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;
/// Maximum message size, body plus attributes (API Reference: 262,144 bytes).
const MAX_MESSAGE_BYTES: usize = 262_144;

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    let Some(p) = params.as_object() else {
        return Err(invalid_param("The request body is not a JSON object."));
    };
    match action {
        "SendMessage" => {
            let queue = resolve_queue(world, p.get("QueueUrl"))?;
            send_one(world, &queue, p).map(Value::Object)
        }
        "SendMessageBatch" => send_batch(world, p),
        _ => Err(AwsError::unmodeled(
            SVC,
            "UnsupportedOperation",
            400,
            format!("lambdaless: SQS {action} is not simulated"),
        )),
    }
}

fn missing(param: &str) -> AwsError {
    AwsError::unmodeled(
        SVC,
        "MissingParameter",
        400,
        format!("The request must contain the parameter {param}."),
    )
}

fn invalid_param(msg: impl Into<String>) -> AwsError {
    AwsError::unmodeled(SVC, "InvalidParameterValue", 400, msg)
}

fn no_queue() -> AwsError {
    // Java SDK v1 models this as QueueDoesNotExistException with the query-protocol error code.
    AwsError::modeled_as(
        SVC,
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExistException",
        400,
        "The specified queue does not exist.",
    )
}

/// Finds the queue named by a QueueUrl (`https://sqs.<region>.amazonaws.com/<account>/<name>`,
/// the legacy `https://<region>.queue.amazonaws.com/...` form, or a bare name).
fn resolve_queue(world: &World, url: Option<&Value>) -> Result<String, AwsError> {
    let url = match url {
        None | Some(Value::Null) => return Err(missing("QueueUrl")),
        Some(Value::String(s)) => s,
        Some(_) => return Err(invalid_param("Value for parameter QueueUrl is invalid.")),
    };
    let name = url.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if url.contains('/') {
        let parts: Vec<&str> = url.trim_end_matches('/').rsplitn(3, '/').collect();
        if parts.len() == 3 && parts[1] != world.account_id {
            return Err(no_queue());
        }
    }
    if world.queues.contains_key(name) {
        Ok(name.to_string())
    } else {
        Err(no_queue())
    }
}

fn valid_chars(s: &str) -> bool {
    s.chars().all(|c| {
        let u = c as u32;
        u == 0x9
            || u == 0xA
            || u == 0xD
            || (0x20..=0xD7FF).contains(&u)
            || (0xE000..=0xFFFD).contains(&u)
            || (0x10000..=0x10FFFF).contains(&u)
    })
}

pub fn md5_hex(bytes: &[u8]) -> String {
    let d = Md5::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        let v = ALPHA.iter().position(|a| *a == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Validates message attributes and returns (MD5 of attributes, size in bytes).
pub fn attributes_md5(attrs: &Map<String, Value>) -> Result<(String, usize), AwsError> {
    if attrs.len() > 10 {
        return Err(invalid_param(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [10].",
            attrs.len()
        )));
    }
    let mut names: Vec<&String> = attrs.keys().collect();
    names.sort();
    let mut buf: Vec<u8> = Vec::new();
    let mut size = 0;
    let put = |buf: &mut Vec<u8>, b: &[u8]| {
        buf.extend_from_slice(&(b.len() as u32).to_be_bytes());
        buf.extend_from_slice(b);
    };
    for name in names {
        let a = attrs[name].as_object().ok_or_else(|| {
            invalid_param(format!(
                "The message attribute '{name}' must contain a non-empty message attribute value."
            ))
        })?;
        let dt = a.get("DataType").and_then(Value::as_str).ok_or_else(|| {
            invalid_param(format!(
                "The message attribute '{name}' must contain a non-empty message attribute type."
            ))
        })?;
        let base = dt.split('.').next().unwrap_or("");
        let (transport, value): (u8, Vec<u8>) = match base {
            "String" | "Number" => {
                let s = a.get("StringValue").and_then(Value::as_str).ok_or_else(|| invalid_param(format!("The message attribute '{name}' with type '{base}' must use field 'String'.")))?;
                if base == "Number" && super::dynamodb::attr::parse_number(s).is_err() {
                    return Err(invalid_param(format!("Can't cast the value of message (user) attribute '{name}' to a number.")));
                }
                (1, s.as_bytes().to_vec())
            }
            "Binary" => {
                let s = a.get("BinaryValue").and_then(Value::as_str).ok_or_else(|| invalid_param(format!("The message attribute '{name}' with type 'Binary' must use field 'Binary'.")))?;
                (2, decode_base64(s).ok_or_else(|| invalid_param(format!("The message attribute '{name}' has an invalid binary value.")))?)
            }
            _ => {
                return Err(invalid_param(format!(
                    "The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
                )))
            }
        };
        size += name.len() + dt.len() + value.len();
        put(&mut buf, name.as_bytes());
        put(&mut buf, dt.as_bytes());
        buf.push(transport);
        put(&mut buf, &value);
    }
    Ok((md5_hex(&buf), size))
}

fn opt_str<'a>(p: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, AwsError> {
    match p.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid_param(format!(
            "Value for parameter {k} is invalid."
        ))),
    }
}

/// Sends one message (SendMessage, or one SendMessageBatch entry); returns the result fields
/// in the order SQS lists them.
fn send_one(
    world: &mut World,
    queue: &str,
    p: &Map<String, Value>,
) -> Result<Map<String, Value>, AwsError> {
    let body = match p.get("MessageBody") {
        None | Some(Value::Null) => return Err(missing("MessageBody")),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(invalid_param("Value for parameter MessageBody is invalid.")),
    };
    if body.is_empty() {
        return Err(missing("MessageBody"));
    }
    if !valid_chars(&body) {
        return Err(AwsError::modeled(SVC, "InvalidMessageContents", 400, "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"));
    }
    let delay = match p.get("DelaySeconds") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(d) if (0..=900).contains(&d) => Some(d as u64),
            _ => return Err(invalid_param(format!("Value {v} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."))),
        },
    };
    let attrs = match p.get("MessageAttributes") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(invalid_param(
                "Value for parameter MessageAttributes is invalid.",
            ))
        }
    };
    let attr_md5 = if attrs.is_empty() {
        None
    } else {
        Some(attributes_md5(&attrs)?)
    };
    let total = body.len() + attr_md5.as_ref().map_or(0, |(_, s)| *s);
    if total > MAX_MESSAGE_BYTES {
        return Err(invalid_param(format!("One or more parameters are invalid. Reason: Message must be shorter than {MAX_MESSAGE_BYTES} bytes.")));
    }
    let group_id = opt_str(p, "MessageGroupId")?.map(str::to_string);
    let mut dedup_id = opt_str(p, "MessageDeduplicationId")?.map(str::to_string);
    let q = world.queues.get(queue).ok_or_else(no_queue)?.clone();
    let now = world.ctx.now_ms;
    let mut sequence_number = None;
    if q.fifo {
        if group_id.is_none() {
            return Err(missing("MessageGroupId"));
        }
        if delay.is_some_and(|d| d > 0) {
            return Err(invalid_param(format!(
                "Value {} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.",
                delay.unwrap_or(0)
            )));
        }
        if dedup_id.is_none() {
            if !q.content_based_deduplication {
                return Err(invalid_param("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"));
            }
            let d = Sha256::digest(body.as_bytes());
            dedup_id = Some(d.iter().map(|b| format!("{b:02x}")).collect());
        }
    } else if dedup_id.is_some() {
        return Err(invalid_param(
            "The request include parameter that is not valid for this queue type",
        ));
    }
    let body_md5 = md5_hex(body.as_bytes());
    let mut out = Map::new();
    if let Some((m, _)) = &attr_md5 {
        out.insert("MD5OfMessageAttributes".into(), json!(m));
    }
    out.insert("MD5OfMessageBody".into(), json!(body_md5));
    // A duplicate within the deduplication interval is accepted and answered with the first
    // message's id, but not enqueued again (inference from "accepted successfully but aren't delivered").
    if let Some(d) = &dedup_id {
        if q.fifo {
            if let Some((t, first_id)) = q.dedup_seen.get(d) {
                if now - t < DEDUP_WINDOW_MS {
                    out.insert("MessageId".into(), json!(first_id));
                    if let Some(m) = q.messages.iter().find(|m| &m.message_id == first_id) {
                        if let Some(s) = &m.sequence_number {
                            out.insert("SequenceNumber".into(), json!(s));
                        }
                    }
                    return Ok(out);
                }
            }
        }
    }
    let message_id = world.ids.uuid("sqs-message-id");
    if q.fifo {
        sequence_number = Some(world.ids.sequence_number(&format!("sqs:{queue}")));
    }
    out.insert("MessageId".into(), json!(message_id));
    if let Some(s) = &sequence_number {
        out.insert("SequenceNumber".into(), json!(s));
    }
    let message = QueueMessage {
        message_id: message_id.clone(),
        body,
        attributes: attrs,
        group_id,
        deduplication_id: dedup_id.clone(),
        sequence_number,
        delay_seconds: delay.unwrap_or(0),
        sent_ms: now,
    };
    if let Some(qm) = world.queues.get_mut(queue) {
        if qm.fifo {
            if let Some(d) = dedup_id {
                qm.dedup_seen.insert(d, (now, message_id));
            }
        }
        qm.messages.push(message.clone());
    }
    world.record(Change::MessageSent {
        queue: queue.to_string(),
        message,
    });
    Ok(out)
}

fn send_batch(world: &mut World, p: &Map<String, Value>) -> Result<Value, AwsError> {
    let queue = resolve_queue(world, p.get("QueueUrl"))?;
    let entries = match p.get("Entries") {
        None | Some(Value::Null) => return Err(missing("Entries")),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(invalid_param("Value for parameter Entries is invalid.")),
    };
    if entries.is_empty() {
        return Err(AwsError::modeled(
            SVC,
            "EmptyBatchRequest",
            400,
            "There should be at least one SendMessageBatchRequestEntry in the request.",
        ));
    }
    if entries.len() > 10 {
        return Err(AwsError::modeled(
            SVC,
            "TooManyEntriesInBatchRequest",
            400,
            format!(
                "Maximum number of entries per request are 10. You have sent {}.",
                entries.len()
            ),
        ));
    }
    let mut ids: Vec<String> = Vec::new();
    for e in &entries {
        let id = e
            .get("Id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if id.is_empty()
            || id.len() > 80
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(AwsError::modeled(SVC, "InvalidBatchEntryId", 400, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."));
        }
        if ids.contains(&id) {
            return Err(AwsError::modeled(
                SVC,
                "BatchEntryIdsNotDistinct",
                400,
                format!("Id {id} repeated."),
            ));
        }
        ids.push(id);
    }
    let mut successful = Vec::new();
    let mut failed = Vec::new();
    for (e, id) in entries.iter().zip(ids) {
        let entry = e.as_object().cloned().unwrap_or_default();
        match send_one(world, &queue, &entry) {
            Ok(r) => {
                let mut m = Map::new();
                m.insert("Id".into(), json!(id));
                for (k, v) in r {
                    m.insert(k, v);
                }
                successful.push(Value::Object(m));
            }
            Err(err) => failed.push(json!({"Id": id, "SenderFault": err.status < 500, "Code": err.code, "Message": err.message})),
        }
    }
    Ok(json!({"Failed": failed, "Successful": successful}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        let mut w = World::new(3);
        w.add_queue("q", false);
        w.add_queue("f.fifo", false);
        w.add_queue("c.fifo", true);
        w
    }

    #[test]
    fn md5_of_body_and_attributes() {
        assert_eq!(
            md5_hex(b"test_message_body"),
            "3caa9a099bc4e58ae7923f68c5d7d081"
        );
        // Worked example computed by the documented algorithm (one String attribute).
        let attrs = json!({"my_attribute_no_1": {"DataType": "String", "StringValue": "Hello"}, "my_attribute_no_2": {"DataType": "String", "StringValue": "World"}});
        let (m, _) = attributes_md5(attrs.as_object().unwrap()).unwrap();
        assert_eq!(m.len(), 32);
        // Order of attributes in the request does not matter.
        let swapped = json!({"my_attribute_no_2": {"DataType": "String", "StringValue": "World"}, "my_attribute_no_1": {"DataType": "String", "StringValue": "Hello"}});
        assert_eq!(attributes_md5(swapped.as_object().unwrap()).unwrap().0, m);
    }

    #[test]
    fn send_message_standard_and_errors() {
        let mut w = world();
        let url = w.queue_url("q");
        let r = call(
            &mut w,
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": "hi"}),
        )
        .unwrap();
        assert_eq!(
            r.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["MD5OfMessageBody", "MessageId"]
        );
        let e = call(
            &mut w,
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": null}),
        )
        .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (
                "MissingParameter",
                "The request must contain the parameter MessageBody."
            )
        );
        let nope = w.queue_url("nope");
        let e = call(
            &mut w,
            "SendMessage",
            &json!({"QueueUrl": nope, "MessageBody": "x"}),
        )
        .unwrap_err();
        assert_eq!(e.exception.as_deref(), Some("QueueDoesNotExistException"));
        assert_eq!(w.queues["q"].messages.len(), 1);
    }

    #[test]
    fn fifo_dedup_and_group() {
        let mut w = world();
        let url = w.queue_url("f.fifo");
        let e = call(
            &mut w,
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": "x", "MessageDeduplicationId": "d"}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "The request must contain the parameter MessageGroupId."
        );
        let e = call(
            &mut w,
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": "x", "MessageGroupId": "g"}),
        )
        .unwrap_err();
        assert!(e.message.contains("ContentBasedDeduplication"));
        let a = call(&mut w, "SendMessage", &json!({"QueueUrl": url, "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"})).unwrap();
        let b = call(&mut w, "SendMessage", &json!({"QueueUrl": url, "MessageBody": "y", "MessageGroupId": "g", "MessageDeduplicationId": "d"})).unwrap();
        assert_eq!(a["MessageId"], b["MessageId"]);
        assert_eq!(a["SequenceNumber"].as_str().unwrap().len(), 20);
        assert_eq!(w.queues["f.fifo"].messages.len(), 1);
        let url = w.queue_url("c.fifo");
        call(
            &mut w,
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": "x", "MessageGroupId": "g"}),
        )
        .unwrap();
        call(
            &mut w,
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": "x", "MessageGroupId": "g"}),
        )
        .unwrap();
        assert_eq!(w.queues["c.fifo"].messages.len(), 1);
    }

    #[test]
    fn batch() {
        let mut w = world();
        let url = w.queue_url("q");
        let r = call(&mut w, "SendMessageBatch", &json!({"QueueUrl": url, "Entries": [{"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": null}]})).unwrap();
        assert_eq!(r["Successful"].as_array().unwrap().len(), 1);
        assert_eq!(r["Failed"][0]["Code"], json!("MissingParameter"));
        let e = call(&mut w, "SendMessageBatch", &json!({"QueueUrl": url, "Entries": [{"Id": "a", "MessageBody": "1"}, {"Id": "a", "MessageBody": "2"}]})).unwrap_err();
        assert_eq!(e.code, "BatchEntryIdsNotDistinct");
    }
}
