//! How the Step Functions integrations of the job and configuration services (Secrets Manager,
//! SSM, Athena, Batch, CodeBuild, ECS, Glue, SES v2) translate between a Task and the API:
//! - request members are PascalCase in the Task and the API's own names on the wire (camelCase for
//!   Batch, CodeBuild and ECS; aws-facts §2), see [`super::casing`];
//! - results come back with PascalCase keys (aws-facts §1.3; recorded `ecs:runTask`);
//! - timestamps: `aws-sdk:*` results carry them as ISO-8601 strings (aws-facts §1.3,
//!   `aws-sdk:sfn:startExecution` `StartDate`), optimized results as epoch milliseconds (the
//!   Java SDK v1 `Date` through Jackson, as for `states:startExecution`) [I].

use super::casing;
use super::errors::{Integration, Service};
use super::metadata::HeaderStyle;
use serde_json::{Map, Value};

/// What differs between these APIs.
#[derive(Debug, Clone, Copy)]
pub struct ApiShape {
    /// Wire member names are camelCase.
    pub camel_wire: bool,
    /// Map-valued request members (wire names), whose keys are the caller's.
    pub map_members: &'static [&'static str],
    /// Timestamp members of the output (wire names).
    pub timestamps: &'static [&'static str],
    /// Response headers of the optimized integration's metadata.
    pub headers: HeaderStyle,
}

/// The shape of `service`'s API, for the services this module covers.
pub fn api_shape(service: Service) -> Option<ApiShape> {
    let shape = |camel_wire, map_members, timestamps, headers| ApiShape {
        camel_wire,
        map_members,
        timestamps,
        headers,
    };
    Some(match service {
        Service::SecretsManager => shape(false, &[], &["CreatedDate"], HeaderStyle::Json11),
        Service::Ssm => shape(false, &[], &["LastModifiedDate"], HeaderStyle::Json11),
        Service::Athena => shape(false, &[], &[], HeaderStyle::Json11),
        Service::Glue => shape(false, &["Arguments"], &[], HeaderStyle::Json11),
        Service::SesV2 => shape(false, &[], &[], HeaderStyle::RestJson),
        Service::Batch => shape(true, super::batch::MAP_MEMBERS, &[], HeaderStyle::RestJson),
        Service::CodeBuild => shape(true, &[], &["startTime"], HeaderStyle::Json11),
        Service::Ecs => shape(true, &[], &["createdAt"], HeaderStyle::Json11),
        _ => return None,
    })
}

/// The Task's parameters as the API receives them.
pub fn request(shape: &ApiShape, parameters: &Value) -> Value {
    if shape.camel_wire {
        casing::to_wire(parameters, shape.map_members)
    } else {
        parameters.clone()
    }
}

/// The first request member a Task names in another casing than PascalCase ("parameter names
/// will be Pascal case", aws-facts §2, at every level of the request); map members' keys are the
/// caller's own and are not checked. Step Functions does not take such a field: the Task fails
/// with the error it gives an unsupported field ("The field Filter is not supported by Step
/// Functions", connect-parameters.html).
pub fn misnamed_member(shape: &ApiShape, parameters: &Value) -> Option<String> {
    match parameters {
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            if k.starts_with(|c: char| c.is_ascii_lowercase()) {
                return Some(k.clone());
            }
            if shape.map_members.contains(&casing::camel(k).as_str()) {
                return None;
            }
            misnamed_member(shape, v)
        }),
        Value::Array(items) => items.iter().find_map(|i| misnamed_member(shape, i)),
        _ => None,
    }
}

/// The API output as the integration returns it (before any optimized metadata).
pub fn result(shape: &ApiShape, integration: Integration, output: &Value) -> Value {
    let dated = dates(output, shape.timestamps, integration);
    if shape.camel_wire {
        casing::to_pascal(&dated, &[])
    } else {
        dated
    }
}

fn dates(v: &Value, members: &[&str], integration: Integration) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, val) in m {
                let converted = match (members.contains(&k.as_str()), val.as_f64()) {
                    (true, Some(secs)) => {
                        let ms = (secs * 1000.0).round() as i64;
                        match integration {
                            Integration::AwsSdk => Value::String(iso_millis(ms)),
                            Integration::Optimized => Value::from(ms),
                        }
                    }
                    _ => dates(val, members, integration),
                };
                out.insert(k.clone(), converted);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|i| dates(i, members, integration)).collect()),
        other => other.clone(),
    }
}

fn iso_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_and_results_per_integration() {
        let ecs = api_shape(Service::Ecs).unwrap();
        assert_eq!(
            request(
                &ecs,
                &json!({"TaskDefinition": "t", "Overrides": {"ContainerOverrides": [{"Name": "w"}]}})
            ),
            json!({"taskDefinition": "t", "overrides": {"containerOverrides": [{"name": "w"}]}})
        );
        let out = json!({"tasks": [{"createdAt": 1.5, "taskArn": "a"}], "failures": []});
        assert_eq!(
            result(&ecs, Integration::Optimized, &out),
            json!({"Tasks": [{"CreatedAt": 1500, "TaskArn": "a"}], "Failures": []})
        );
        assert_eq!(
            result(&ecs, Integration::AwsSdk, &out)["Tasks"][0]["CreatedAt"],
            "1970-01-01T00:00:01.500Z"
        );
        let glue = api_shape(Service::Glue).unwrap();
        let p = json!({"JobName": "j", "Arguments": {"--date": "d"}});
        assert_eq!(request(&glue, &p), p);
        assert!(api_shape(Service::DynamoDb).is_none());
        let nested = json!({"Overrides": {"containerOverrides": [{"name": "w"}]}});
        assert_eq!(
            misnamed_member(&ecs, &nested).as_deref(),
            Some("containerOverrides")
        );
        let batch = api_shape(Service::Batch).unwrap();
        assert_eq!(
            misnamed_member(&batch, &json!({"JobName": "j", "Parameters": {"day": "1"}})),
            None
        );
        assert_eq!(misnamed_member(&glue, &p), None);
    }
}
