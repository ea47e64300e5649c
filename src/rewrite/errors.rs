//! Retry and Catch of the new Task: `Lambda.*` names can no longer occur (aws-facts §3.2), SDK
//! exceptions the handler let through now carry the integration's prefix (§3.3: DynamoDB.,
//! SQS., SNS., EventBridge.; aws-sdk: DynamoDb., Sqs., ...), States.* names keep their meaning.

use super::integrations::Integration;
use crate::analysis::model::{HandlerModel, SdkFlavor};
use serde_json::{Map, Value};

enum Mapped {
    Keep(String),
    Drop,
}

/// Error names the Lambda invoke itself raised, which a direct integration never raises.
fn is_lambda_service_error(name: &str) -> bool {
    name.starts_with("Lambda.") || name == "Sandbox.Timedout" || name.starts_with("Runtime.")
}

/// An SDK exception name as the Lambda runtime reported it (`ConditionalCheckFailedException`).
fn is_sdk_exception(name: &str) -> bool {
    !name.contains('.') && name.ends_with("Exception") || name == "ClientError"
}

/// Errors the handler raises on purpose; a direct integration cannot raise them.
pub fn deliberate_throws(model: &HandlerModel) -> Vec<String> {
    model
        .throws
        .iter()
        .filter(|t| t.condition.is_some() || !is_sdk_exception(&t.error))
        .map(|t| t.error.clone())
        .collect()
}

fn map_name(name: &str, integ: &Integration, notes: &mut Vec<String>) -> Mapped {
    if name.starts_with("States.") {
        return Mapped::Keep(name.to_string());
    }
    if is_lambda_service_error(name) {
        return Mapped::Drop;
    }
    if name == "ClientError" {
        notes.push(format!(
            "ClientError (boto3's unmodelled errors) becomes {0}.{0}Exception or a modelled {0}.* name; kept as States.TaskFailed would be too broad, review it",
            integ.error_prefix
        ));
        return Mapped::Keep(format!(
            "{}.{}Exception",
            integ.error_prefix, integ.error_prefix
        ));
    }
    if is_sdk_exception(name) {
        let renamed = format!("{}.{name}", integ.error_prefix);
        notes.push(format!("error {name} renamed {renamed}"));
        return Mapped::Keep(renamed);
    }
    Mapped::Keep(name.to_string())
}

fn error_equals(obj: &Map<String, Value>) -> Vec<String> {
    obj.get("ErrorEquals")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn map_names(
    names: &[String],
    integ: &Integration,
    notes: &mut Vec<String>,
) -> (Vec<String>, Vec<String>) {
    let mut kept: Vec<String> = Vec::new();
    let mut dropped = Vec::new();
    for n in names {
        match map_name(n, integ, notes) {
            Mapped::Keep(m) => {
                if !kept.contains(&m) {
                    kept.push(m)
                }
            }
            Mapped::Drop => dropped.push(n.clone()),
        }
    }
    (kept, dropped)
}

/// How many times the handler's SDK retried throttling and 5xx errors on its own (attempts
/// after the first): AWS SDK for JavaScript v3 standard mode makes 3 attempts
/// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html, max_attempts
/// default 3); boto3's default legacy mode 5 (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html);
/// the v2 JavaScript SDK retries 3 times, 10 for DynamoDB (AWS.Config maxRetries).
fn sdk_retries(flavor: SdkFlavor, service: &str) -> u64 {
    match flavor {
        SdkFlavor::JsV3 | SdkFlavor::JsDocumentClient => 2,
        SdkFlavor::Boto3Client | SdkFlavor::Boto3Resource => 4,
        SdkFlavor::JsV2 if service == "dynamodb" => 10,
        SdkFlavor::JsV2 => 3,
    }
}

/// Does the handler's SDK retry this integration error (`DynamoDB.RequestLimitExceededException`)
/// on its own? boto3's default legacy mode retries only its throttling codes (botocore
/// `_retry.json`: Throttling, ThrottlingException, ThrottledException, RequestThrottledException,
/// ProvisionedThroughputExceededException, SQS RequestThrottled) and HTTP 5xx, so not
/// RequestLimitExceeded, which the JavaScript SDKs' standard mode does retry
/// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
pub fn sdk_retried(flavor: SdkFlavor, name: &str) -> bool {
    let code = name.rsplit('.').next().unwrap_or(name);
    match flavor {
        SdkFlavor::Boto3Client | SdkFlavor::Boto3Resource => {
            code != "RequestLimitExceededException"
        }
        _ => true,
    }
}

/// Makes sure the throttling/5xx errors the handler's SDK retried silently are retried by the
/// Task (aws-facts §3.4, §8.6): unless a retrier already matches them, one is put first.
pub fn ensure_sdk_retry(
    retry: Option<Value>,
    integ: &Integration,
    flavor: SdkFlavor,
    service: &str,
    notes: &mut Vec<String>,
) -> Option<Value> {
    let mut retriers = match &retry {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    let covered = retriers.iter().any(|r| {
        r.as_object().is_some_and(|o| {
            error_equals(o).iter().any(|n| {
                n == "States.ALL" || n == "States.TaskFailed" || integ.transient_errors.contains(n)
            })
        })
    });
    if covered || integ.transient_errors.is_empty() {
        return retry;
    }
    let attempts = sdk_retries(flavor, service);
    retriers.insert(
        0,
        serde_json::json!({
            "ErrorEquals": integ.transient_errors,
            "IntervalSeconds": 1,
            "MaxAttempts": attempts,
            "BackoffRate": 2
        }),
    );
    notes.push(format!(
        "added a Retry on {} ({attempts} retries): the handler's SDK retried these on its own",
        integ.transient_errors.join(", ")
    ));
    Some(Value::Array(retriers))
}

/// The new Retry array, or None when nothing is left.
pub fn rewrite_retry(retry: &Value, integ: &Integration, notes: &mut Vec<String>) -> Option<Value> {
    let retriers = retry.as_array()?;
    let mut out = Vec::new();
    for r in retriers {
        let Some(obj) = r.as_object() else {
            out.push(r.clone());
            continue;
        };
        let names = error_equals(obj);
        let (kept, dropped) = map_names(&names, integ, notes);
        let mut new = obj.clone();
        if kept.is_empty() && !dropped.is_empty() {
            // The Lambda's own SDK client retried throttling and transport errors silently; with the
            // Lambda gone those surface as task errors, so the same back-off now covers them (§3.4).
            new.insert(
                "ErrorEquals".into(),
                Value::Array(
                    integ
                        .transient_errors
                        .iter()
                        .cloned()
                        .map(Value::String)
                        .collect(),
                ),
            );
            notes.push(format!(
                "Retry on {} replaced by the same back-off on {} (throttling/transport errors of the target; aws-facts §3.4 gives no canonical list)",
                dropped.join(", "),
                integ.transient_errors.join(", ")
            ));
        } else {
            if !dropped.is_empty() {
                notes.push(format!(
                    "Retry: dropped {} (a direct integration never raises them)",
                    dropped.join(", ")
                ));
            }
            new.insert(
                "ErrorEquals".into(),
                Value::Array(kept.into_iter().map(Value::String).collect()),
            );
        }
        out.push(Value::Object(new));
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

/// The new Catch array, or None when nothing is left. `definition` is searched for states that
/// read what a catcher stores, because the error's Cause text changes.
pub fn rewrite_catch(
    catch: &Value,
    integ: &Integration,
    definition: &Value,
    notes: &mut Vec<String>,
) -> Option<Value> {
    let catchers = catch.as_array()?;
    let mut out = Vec::new();
    for c in catchers {
        let Some(obj) = c.as_object() else {
            out.push(c.clone());
            continue;
        };
        let names = error_equals(obj);
        let (kept, dropped) = map_names(&names, integ, notes);
        if kept.is_empty() {
            notes.push(format!(
                "Catch on {} removed: a direct integration never raises them",
                dropped.join(", ")
            ));
            continue;
        }
        if !dropped.is_empty() {
            notes.push(format!("Catch: dropped {}", dropped.join(", ")));
        }
        let mut new = obj.clone();
        new.insert(
            "ErrorEquals".into(),
            Value::Array(kept.into_iter().map(Value::String).collect()),
        );
        let result_path = match obj.get("ResultPath") {
            None => Some("$".to_string()),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        if let Some(rp) = result_path {
            let next = obj.get("Next").and_then(|v| v.as_str()).unwrap_or("?");
            let readers = states_reading(definition, &rp);
            let who = if readers.is_empty() {
                "no state reads it".to_string()
            } else {
                format!("read by {}", readers.join(", "))
            };
            notes.push(format!(
                "Catch → {next} stores the error output at {rp}: its Cause changes from the Lambda runtime's error JSON (errorType/errorMessage/trace) to the {} error message; {who}",
                integ.error_prefix
            ));
        }
        out.push(Value::Object(new));
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

/// Names of states whose fields mention `path` or a path below it (`$.error`, `$.error.Cause`).
fn states_reading(definition: &Value, path: &str) -> Vec<String> {
    let mut found = Vec::new();
    collect_readers(definition, path, &mut found);
    found.sort();
    found.dedup();
    found
}

fn collect_readers(node: &Value, path: &str, found: &mut Vec<String>) {
    let Some(states) = node.get("States").and_then(|s| s.as_object()) else {
        return;
    };
    for (name, state) in states {
        if mentions(state, path, true) {
            found.push(name.clone());
        }
        if let Some(branches) = state.get("Branches").and_then(|b| b.as_array()) {
            for b in branches {
                collect_readers(b, path, found);
            }
        }
        for key in ["Iterator", "ItemProcessor"] {
            if let Some(inner) = state.get(key) {
                collect_readers(inner, path, found);
            }
        }
    }
}

fn mentions(v: &Value, path: &str, top: bool) -> bool {
    match v {
        Value::String(s) => s.match_indices(path).any(|(i, _)| {
            matches!(
                s[i + path.len()..].chars().next(),
                None | Some('.' | '[' | ')' | ',' | ' ')
            )
        }),
        Value::Array(a) => a.iter().any(|x| mentions(x, path, false)),
        Value::Object(m) => m.iter().any(|(k, x)| {
            // A state's own ResultPath writes, it does not read; nested machines are visited separately.
            !(top
                && matches!(
                    k.as_str(),
                    "ResultPath" | "Branches" | "Iterator" | "ItemProcessor" | "Catch"
                ))
                && mentions(x, path, false)
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::{SdkCall, SdkFlavor, Span, ValueExpr};
    use serde_json::json;

    fn ddb() -> Integration {
        super::super::integrations::for_call(
            &SdkCall {
                service: "dynamodb".into(),
                action: "PutItem".into(),
                flavor: SdkFlavor::JsDocumentClient,
                params: ValueExpr::Literal { value: json!({}) },
                span: Span::default(),
            },
            &[],
        )
        .unwrap()
    }

    #[test]
    fn lambda_retriers_are_replaced_and_sdk_names_renamed() {
        let mut notes = vec![];
        let retry = json!([
            {"ErrorEquals": ["Lambda.ServiceException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2},
            {"ErrorEquals": ["ConditionalCheckFailedException", "States.Timeout"], "MaxAttempts": 1}
        ]);
        let out = rewrite_retry(&retry, &ddb(), &mut notes).unwrap();
        assert_eq!(
            out[0]["ErrorEquals"][0],
            "DynamoDB.ProvisionedThroughputExceededException"
        );
        assert_eq!(out[0]["IntervalSeconds"], 1);
        assert_eq!(
            out[1]["ErrorEquals"],
            json!(["DynamoDB.ConditionalCheckFailedException", "States.Timeout"])
        );
    }

    #[test]
    fn catch_reports_cause_readers() {
        let def = json!({"States": {
            "T": {"Type": "Task", "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "F"}]},
            "F": {"Type": "Fail", "CausePath": "$.error.Cause"},
            "G": {"Type": "Pass", "Parameters": {"x.$": "$.errorCount"}}
        }});
        let mut notes = vec![];
        let out = rewrite_catch(&def["States"]["T"]["Catch"], &ddb(), &def, &mut notes).unwrap();
        assert_eq!(out, def["States"]["T"]["Catch"]);
        assert!(notes[0].contains("read by F"), "{notes:?}");
        let lambda_only = json!([{"ErrorEquals": ["Lambda.Unknown"], "Next": "F"}]);
        assert!(rewrite_catch(&lambda_only, &ddb(), &def, &mut notes).is_none());
    }
}
