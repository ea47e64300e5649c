//! Simulated Athena: StartQueryExecution in the world's workgroups (the query itself is not run).
//!
//! API: Athena API Reference, StartQueryExecution (botocore `athena` model): `QueryString` required
//! (1-262144 characters), `WorkGroup` (default `primary`), `ResultConfiguration.OutputLocation`;
//! output `QueryExecutionId`. Errors, as the service words them in public reports:
//! `InvalidRequestException` "WorkGroup is not found." (ColeMurray/aws-athena-mcp#23) and "No output
//! location provided. An output location is required either through the Workgroup result
//! configuration setting or as an API input." (aws/aws-sdk-js-v3#3589; the API reference: "If none
//! of them is set, Athena issues an error that no output location is provided").

use super::errors::{AwsError, Service};
use super::request::{members, not_simulated, opt_str, req_str};
use super::world::{Change, World};
use serde_json::{json, Value};

const SVC: Service = Service::Athena;

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "StartQueryExecution" => start_query_execution(world, params),
        _ => Err(not_simulated(SVC, action)),
    }
}

fn invalid(message: &str) -> AwsError {
    AwsError::modeled(SVC, "InvalidRequestException", 400, message)
}

fn start_query_execution(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let p = members(params);
    let query = req_str(SVC, &p, "QueryString")?;
    // The model's length constraint, reported in the validation layer's usual wording [I].
    if query.is_empty() || query.chars().count() > 262_144 {
        return Err(AwsError::unmodeled(
            SVC,
            "ValidationException",
            400,
            "1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length between 1 and 262144",
        ));
    }
    let name = opt_str(SVC, &p, "WorkGroup")?.unwrap_or("primary");
    let workgroup = world
        .workgroups
        .get(name)
        .ok_or_else(|| invalid("WorkGroup is not found."))?;
    let requested = p
        .get("ResultConfiguration")
        .and_then(|r| r.get("OutputLocation"))
        .and_then(Value::as_str);
    if requested.is_none() && workgroup.output_location.is_none() {
        return Err(invalid("No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input."));
    }
    let id = world.ids.uuid("athena-query-execution-id");
    world.record(Change::Started {
        service: SVC.name().into(),
        operation: "StartQueryExecution".into(),
        ids: vec![id.clone()],
        request: super::world::canonical(params),
    });
    Ok(json!({ "QueryExecutionId": id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_in_a_workgroup_with_an_output_location() {
        let mut w = World::new(2);
        w.add_workgroup("analytics", Some("s3://results/".into()));
        let out = call(
            &mut w,
            "StartQueryExecution",
            &json!({"QueryString": "SELECT 1", "WorkGroup": "analytics"}),
        )
        .unwrap();
        let id = out["QueryExecutionId"].as_str().unwrap();
        assert_eq!(out.as_object().unwrap().len(), 1);
        assert_eq!(id.len(), 36);
        assert_eq!(w.diff.changes.len(), 1);
        // primary exists in every account but has no output location unless one is given.
        let e = call(
            &mut w,
            "StartQueryExecution",
            &json!({"QueryString": "SELECT 1"}),
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("No output location provided"),
            "{}",
            e.message
        );
        assert!(call(
            &mut w,
            "StartQueryExecution",
            &json!({"QueryString": "SELECT 1", "ResultConfiguration": {"OutputLocation": "s3://r/"}})
        )
        .is_ok());
    }

    #[test]
    fn errors() {
        let mut w = World::new(2);
        let e = call(
            &mut w,
            "StartQueryExecution",
            &json!({"QueryString": "SELECT 1", "WorkGroup": "nope"}),
        )
        .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("InvalidRequestException", "WorkGroup is not found.")
        );
        assert_eq!(
            e.error_name(super::super::errors::Integration::Optimized),
            "Athena.InvalidRequestException"
        );
        let e = call(
            &mut w,
            "StartQueryExecution",
            &json!({"WorkGroup": "primary"}),
        )
        .unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert!(w.diff.changes.is_empty());
    }
}
