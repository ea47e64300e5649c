//! Simulated AWS Batch: SubmitJob to the world's job queues with its job definitions (the job is
//! not run).
//!
//! API: Batch API Reference, SubmitJob (botocore `batch` model, REST-JSON, camelCase members):
//! `jobName`, `jobQueue` (name or ARN), `jobDefinition` (name, `name:revision` or ARN) required,
//! `parameters` (a map of the definition's placeholders); output `jobArn`, `jobName`, `jobId`
//! (`arn:aws:batch:<region>:<account>:job/<jobId>`, a UUID, as the SubmitJob examples show). Job
//! names: up to 128 letters, numbers, hyphens and underscores, starting with a letter or number.
//! Errors are `ClientException` with the service's texts from public reports: "JobQueue <q> not
//! found." (base2genomics/batchit#13), "JobDefinition name <d> does not exist or is not in ACTIVE
//! status" (aws-samples/aws-genomics-workflows#84), "Job name should match valid pattern"
//! (fluidattacks/makes#697).

use super::errors::{AwsError, Service};
use super::request::{members, not_simulated, req_str, wrong_type};
use super::resources::resource_name;
use super::world::{Change, World};
use serde_json::{json, Value};

const SVC: Service = Service::Batch;

/// Map-valued request members, whose keys are the caller's own.
pub const MAP_MEMBERS: &[&str] = &["parameters", "tags"];

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "SubmitJob" => submit_job(world, params),
        _ => Err(not_simulated(SVC, action)),
    }
}

fn client(message: String) -> AwsError {
    AwsError::modeled(SVC, "ClientException", 400, message)
}

fn valid_job_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 128
        && n.starts_with(|c: char| c.is_ascii_alphanumeric())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The definition `id` names: `name` (its latest revision), `name:revision`, or an ARN of those.
fn definition_exists(world: &World, id: &str) -> bool {
    let id = resource_name(id, "job-definition");
    let (name, revision) = match id.rsplit_once(':') {
        Some((n, r)) => match r.parse::<u64>() {
            Ok(r) => (n, Some(r)),
            Err(_) => (id, None),
        },
        None => (id, None),
    };
    world
        .job_definitions
        .iter()
        .any(|d| d.name == name && revision.is_none_or(|r| r == d.revision))
}

fn submit_job(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let p = members(params);
    let name = req_str(SVC, &p, "jobName")?;
    let queue = req_str(SVC, &p, "jobQueue")?;
    let definition = req_str(SVC, &p, "jobDefinition")?;
    if let Some(m) = p.get("parameters").filter(|v| !v.is_null()) {
        if !m
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string))
        {
            return Err(wrong_type(SVC, "parameters"));
        }
    }
    if !valid_job_name(name) {
        return Err(client("Job name should match valid pattern".into()));
    }
    if !world.job_queues.contains(resource_name(queue, "job-queue")) {
        return Err(client(format!("JobQueue {queue} not found.")));
    }
    if !definition_exists(world, definition) {
        return Err(client(format!(
            "JobDefinition name {definition} does not exist or is not in ACTIVE status"
        )));
    }
    let job_id = world.ids.uuid("batch-job-id");
    let job_arn = format!(
        "arn:aws:batch:{}:{}:job/{job_id}",
        world.region, world.account_id
    );
    world.record(Change::Started {
        service: SVC.name().into(),
        operation: "SubmitJob".into(),
        ids: vec![job_id.clone()],
        request: super::world::canonical(params),
    });
    Ok(json!({"jobArn": job_arn, "jobName": name, "jobId": job_id}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        let mut w = World::new(3);
        w.add_job_queue("high");
        w.add_job_definition("render", 1);
        w.add_job_definition("render", 2);
        w
    }

    #[test]
    fn submits_to_a_queue_with_a_definition() {
        let mut w = world();
        let out = call(
            &mut w,
            "SubmitJob",
            &json!({"jobName": "r-1", "jobQueue": "arn:aws:batch:us-east-1:123456789012:job-queue/high",
                    "jobDefinition": "render:2", "parameters": {"Day": "1"}}),
        )
        .unwrap();
        let id = out["jobId"].as_str().unwrap();
        assert_eq!(out["jobName"], "r-1");
        assert_eq!(
            out["jobArn"],
            format!("arn:aws:batch:us-east-1:123456789012:job/{id}")
        );
        assert_eq!(out.as_object().unwrap().len(), 3);
        assert_eq!(w.diff.changes.len(), 1);
        assert!(call(
            &mut w,
            "SubmitJob",
            &json!({"jobName": "r", "jobQueue": "high", "jobDefinition": "render"})
        )
        .is_ok());
    }

    #[test]
    fn errors() {
        let mut w = world();
        let submit = |w: &mut World, q: &str, d: &str, n: &str| {
            call(
                w,
                "SubmitJob",
                &json!({"jobName": n, "jobQueue": q, "jobDefinition": d}),
            )
            .unwrap_err()
        };
        let e = submit(&mut w, "low", "render", "a");
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("ClientException", "JobQueue low not found.")
        );
        assert_eq!(
            e.error_name(super::super::errors::Integration::Optimized),
            "Batch.ClientException"
        );
        let e = submit(&mut w, "high", "render:3", "a");
        assert!(
            e.message
                .starts_with("JobDefinition name render:3 does not exist"),
            "{}",
            e.message
        );
        let e = submit(&mut w, "high", "render", "bad name");
        assert_eq!(e.message, "Job name should match valid pattern");
        let e = call(
            &mut w,
            "SubmitJob",
            &json!({"jobName": "a", "jobQueue": "high"}),
        )
        .unwrap_err();
        assert!(e.message.contains("'jobDefinition'"), "{}", e.message);
        assert!(w.diff.changes.is_empty());
    }
}
