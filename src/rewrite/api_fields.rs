//! The API fields of an optimized integration's result, for a handler that returned the SDK's
//! response whole: the optimized SQS, SNS and DynamoDB integrations add `SdkHttpMetadata` and
//! `SdkResponseMetadata` to the API output (aws-facts §1.3), so the rewrite selects the API fields
//! by name instead. Which fields the API returns depends on the request (and on the target being
//! a FIFO queue or topic); a field the API may or may not return for the same request cannot be
//! selected by a ResultSelector (a path that matches nothing fails the state), so such a response
//! is declined.

use crate::analysis::model::{ObjectEntry, ValueExpr};

/// The fields a response holds for this request, in the order the SDKs list them; `fifo` is
/// whether the target queue/topic is FIFO (None: not known).
///
/// Sources:
/// - SQS SendMessage: MD5OfMessageBody and MessageId always; MD5OfMessageAttributes and
///   MD5OfMessageSystemAttributes digest the attributes sent; "SequenceNumber: This parameter
///   applies only to FIFO (first-in-first-out) queues"
///   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
/// - SNS Publish: MessageId; "SequenceNumber ... This response element applies only to FIFO
///   (first-in-first-out) topics" (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
/// - DynamoDB PutItem/DeleteItem/UpdateItem: Attributes only with ReturnValues, ConsumedCapacity
///   only with ReturnConsumedCapacity, ItemCollectionMetrics only with ReturnItemCollectionMetrics
///   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html); without
///   them the output is empty.
pub fn response_fields(
    service: &str,
    action: &str,
    request: &[(String, &ValueExpr)],
    fifo: Option<bool>,
) -> Result<Vec<String>, String> {
    let sets = |name: &str| {
        request.iter().any(|(k, v)| {
            k == name
                && !matches!(v, ValueExpr::Literal { value } if value.is_null()
                    || value.as_object().is_some_and(|m| m.is_empty())
                    || value.as_str() == Some("NONE"))
        })
    };
    let fifo_known = |what: &str| {
        fifo.ok_or_else(|| {
            format!("whether the {what} is FIFO is not known (SequenceNumber comes back only from FIFO {what}s)")
        })
    };
    let mut out: Vec<&str> = Vec::new();
    match (service, action) {
        ("sqs", "SendMessage") => {
            if sets("MessageAttributes") {
                if !request
                    .iter()
                    .any(|(k, v)| k == "MessageAttributes" && is_non_empty_object(v))
                {
                    return Err("MessageAttributes may be empty at run time, and MD5OfMessageAttributes then is absent".into());
                }
                out.push("MD5OfMessageAttributes");
            }
            out.push("MD5OfMessageBody");
            if sets("MessageSystemAttributes") {
                return Err("the MD5 of MessageSystemAttributes depends on the attributes sent (not modelled)".into());
            }
            out.push("MessageId");
            if fifo_known("queue")? {
                out.push("SequenceNumber");
            }
        }
        ("sns", "Publish") => {
            out.push("MessageId");
            if fifo_known("topic")? {
                out.push("SequenceNumber");
            }
        }
        ("dynamodb", "PutItem" | "DeleteItem" | "UpdateItem") => {
            for (param, field) in [
                ("ReturnValues", "Attributes"),
                ("ReturnConsumedCapacity", "ConsumedCapacity"),
                ("ReturnItemCollectionMetrics", "ItemCollectionMetrics"),
            ] {
                if sets(param) {
                    return Err(format!(
                        "{field} comes back only when {param} asks for it and there is something to return"
                    ));
                }
            }
        }
        _ => {
            return Err(format!(
                "the fields of the {service} {action} response are not catalogued"
            ))
        }
    }
    Ok(out.into_iter().map(String::from).collect())
}

fn is_non_empty_object(v: &ValueExpr) -> bool {
    match v {
        ValueExpr::Object { entries } => entries
            .iter()
            .any(|e| matches!(e, ObjectEntry::Field { .. })),
        ValueExpr::Literal { value } => value.as_object().is_some_and(|m| !m.is_empty()),
        _ => false,
    }
}

/// The handler's `return response` as an object of the API fields read from the response, so the
/// metadata the integration adds is left out.
pub fn selected(fields: &[String]) -> ValueExpr {
    ValueExpr::Object {
        entries: fields
            .iter()
            .map(|f| ObjectEntry::Field {
                key: f.clone(),
                value: ValueExpr::SdkResult {
                    call: 0,
                    path: vec![crate::analysis::model::PathSeg::Field(f.clone())],
                },
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lit(v: serde_json::Value) -> ValueExpr {
        ValueExpr::Literal { value: v }
    }

    #[test]
    fn send_message_fields_follow_the_request_and_the_queue_type() {
        let body = lit(json!("hi"));
        let req = vec![("MessageBody".to_string(), &body)];
        assert_eq!(
            response_fields("sqs", "SendMessage", &req, Some(false)).unwrap(),
            vec!["MD5OfMessageBody", "MessageId"]
        );
        assert_eq!(
            response_fields("sqs", "SendMessage", &req, Some(true)).unwrap(),
            vec!["MD5OfMessageBody", "MessageId", "SequenceNumber"]
        );
        assert!(response_fields("sqs", "SendMessage", &req, None).is_err());
        let attrs = lit(json!({"k": {"DataType": "String", "StringValue": "v"}}));
        let req = vec![
            ("MessageBody".to_string(), &body),
            ("MessageAttributes".to_string(), &attrs),
        ];
        assert_eq!(
            response_fields("sqs", "SendMessage", &req, Some(false)).unwrap(),
            vec!["MD5OfMessageAttributes", "MD5OfMessageBody", "MessageId"]
        );
        let built = ValueExpr::Event { path: vec![] };
        let req = vec![("MessageAttributes".to_string(), &built)];
        assert!(response_fields("sqs", "SendMessage", &req, Some(false)).is_err());
    }

    #[test]
    fn dynamodb_writes_return_nothing_unless_asked() {
        assert!(response_fields("dynamodb", "PutItem", &[], None)
            .unwrap()
            .is_empty());
        let rv = lit(json!("ALL_OLD"));
        let none = lit(json!("NONE"));
        assert!(response_fields(
            "dynamodb",
            "PutItem",
            &[("ReturnValues".to_string(), &rv)],
            None
        )
        .is_err());
        assert!(response_fields(
            "dynamodb",
            "PutItem",
            &[("ReturnValues".to_string(), &none)],
            None
        )
        .unwrap()
        .is_empty());
        assert_eq!(
            response_fields("sns", "Publish", &[], Some(false)).unwrap(),
            vec!["MessageId"]
        );
        assert!(response_fields("states", "StartExecution", &[], None).is_err());
    }

    #[test]
    fn the_selection_reads_each_field_of_the_response() {
        let v = selected(&["MessageId".to_string()]);
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            json!({"kind": "object", "entries": [{"kind": "field", "key": "MessageId", "value": {"kind": "sdk_result", "call": 0, "path": ["MessageId"]}}]})
        );
    }
}
