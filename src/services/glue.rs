//! Simulated Glue: StartJobRun of the world's jobs (the job itself is not run).
//!
//! API: Glue API Reference, StartJobRun (botocore `glue` model): `JobName` required, `Arguments`
//! (a map of the job's own argument names), `JobRunId` (to retry a run); output `JobRunId`. Run ids
//! are `jr_` and 64 hex digits (as Glue reports them, e.g. aws/aws-sdk-java#1612). A missing job is
//! `EntityNotFoundException` "Job with name: <name> not found." (the service's text in
//! aws/aws-cdk#16767).

use super::errors::{AwsError, Service};
use super::request::{members, not_simulated, req_str, wrong_type};
use super::world::{Change, World};
use serde_json::{json, Value};

const SVC: Service = Service::Glue;

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "StartJobRun" => start_job_run(world, params),
        _ => Err(not_simulated(SVC, action)),
    }
}

fn start_job_run(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let p = members(params);
    let name = req_str(SVC, &p, "JobName")?;
    if let Some(args) = p.get("Arguments").filter(|a| !a.is_null()) {
        let all_strings = args
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string));
        if !all_strings {
            return Err(wrong_type(SVC, "Arguments"));
        }
    }
    if !world.glue_jobs.contains(name) {
        return Err(AwsError::modeled(
            SVC,
            "EntityNotFoundException",
            400,
            format!("Job with name: {name} not found."),
        ));
    }
    let id = format!("jr_{}", world.ids.hex("glue-job-run-id", 64));
    world.record(Change::Started {
        service: SVC.name().into(),
        operation: "StartJobRun".into(),
        ids: vec![id.clone()],
        request: super::world::canonical(params),
    });
    Ok(json!({ "JobRunId": id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_a_run_of_a_known_job() {
        let mut w = World::new(5);
        w.add_glue_job("nightly");
        let out = call(
            &mut w,
            "StartJobRun",
            &json!({"JobName": "nightly", "Arguments": {"--date": "2025-01-01"}}),
        )
        .unwrap();
        let id = out["JobRunId"].as_str().unwrap();
        assert!(
            regex::Regex::new("^jr_[0-9a-f]{64}$").unwrap().is_match(id),
            "{id}"
        );
        assert_eq!(out.as_object().unwrap().len(), 1);
        match &w.diff.changes[0].change {
            Change::Started { request, .. } => {
                assert_eq!(request["Arguments"]["--date"], "2025-01-01")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors() {
        let mut w = World::new(5);
        let e = call(&mut w, "StartJobRun", &json!({"JobName": "gone"})).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("EntityNotFoundException", "Job with name: gone not found.")
        );
        assert_eq!(
            e.error_name(super::super::errors::Integration::Optimized),
            "Glue.EntityNotFoundException"
        );
        assert_eq!(
            call(&mut w, "StartJobRun", &json!({})).unwrap_err().code,
            "ValidationException"
        );
        w.add_glue_job("j");
        let e = call(
            &mut w,
            "StartJobRun",
            &json!({"JobName": "j", "Arguments": {"--n": 1}}),
        )
        .unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert!(w.diff.changes.is_empty());
    }
}
