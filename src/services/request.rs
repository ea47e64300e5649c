//! Reading request members the way the JSON-protocol services validate them, shared by the job and
//! configuration simulators. A missing required member is answered as AWS's request validation
//! answers it: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint:
//! Member must not be null" (the member's wire name; recorded for DynamoDB, aws-facts §3.3; the same
//! validation layer fronts the other JSON services [I]).

use super::casing::camel;
use super::errors::{AwsError, Service};
use serde_json::{Map, Value};

pub type Params = Map<String, Value>;

/// The request as a member map (anything else is an empty request).
pub fn members(params: &Value) -> Params {
    params.as_object().cloned().unwrap_or_default()
}

pub fn null_member(svc: Service, member: &str) -> AwsError {
    AwsError::unmodeled(
        svc,
        "ValidationException",
        400,
        format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            camel(member)
        ),
    )
}

/// A member of the wrong JSON type fails deserialization on the service side [I].
pub fn wrong_type(svc: Service, member: &str) -> AwsError {
    AwsError::unmodeled(
        svc,
        "SerializationException",
        400,
        format!("Unexpected value type for member '{}'", camel(member)),
    )
}

pub fn opt_str<'a>(svc: Service, p: &'a Params, member: &str) -> Result<Option<&'a str>, AwsError> {
    match p.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(svc, member)),
    }
}

pub fn req_str<'a>(svc: Service, p: &'a Params, member: &str) -> Result<&'a str, AwsError> {
    opt_str(svc, p, member)?.ok_or_else(|| null_member(svc, member))
}

/// An operation the simulators do not run: verify reports the Task inconclusive (its
/// `not_simulated` test reads this code and the `lambdaless: ... is not simulated` message).
pub fn not_simulated(svc: Service, what: &str) -> AwsError {
    AwsError::unmodeled(
        svc,
        "UnknownOperationException",
        400,
        format!("lambdaless: {} {what} is not simulated", svc.name()),
    )
}

/// Epoch seconds, as JSON-protocol responses carry timestamps.
pub fn epoch_seconds(ms: i64) -> Value {
    Value::from(ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_and_mistyped_members() {
        let p = members(&json!({"SecretId": 3}));
        let e = req_str(Service::SecretsManager, &p, "Name").unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert!(e.message.contains("Value null at 'name'"), "{}", e.message);
        let e = req_str(Service::SecretsManager, &p, "SecretId").unwrap_err();
        assert_eq!(e.code, "SerializationException");
    }
}
