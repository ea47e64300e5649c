//! Simulated ECS: RunTask of the world's task definitions in its clusters (the containers do not
//! run).
//!
//! API: ECS API Reference, RunTask (botocore `ecs` model, camelCase members): `taskDefinition`
//! required (`family`, `family:revision` or ARN; a family alone means its latest revision),
//! `cluster` (default `default`), `count` (1-10, default 1), `launchType`, `overrides`, `startedBy`,
//! `group` (default `family:<family>`); output `tasks` and `failures`. Task fields follow the
//! recorded `ecs:runTask` result (LocalStack test_ecs_task_service, recorded against AWS):
//! `clusterArn`, `containers` (PENDING, one per container of the definition), `createdAt`,
//! `desiredStatus` RUNNING, `group`, `lastStatus` (PROVISIONING for Fargate, PENDING otherwise),
//! `launchType`, `overrides` (the containers' overrides, empty lists when none were given), `tags`,
//! `taskArn`, `taskDefinitionArn`, `version` 1. Attachments, CPU/memory and platform fields depend
//! on infrastructure the world does not model and are left out. ARNs use the long format
//! `arn:aws:ecs:<region>:<account>:task/<cluster>/<32 hex>` (ECS Developer Guide, "Amazon Resource
//! Names (ARNs) and IDs"). Errors: `ClusterNotFoundException` "Cluster not found." and
//! `ClientException` "Unable to describe task definition." (the service's texts in public reports,
//! aws/amazon-ecs-agent#750, terraform-provider-aws users).

use super::errors::{AwsError, Service};
use super::request::{epoch_seconds, members, not_simulated, opt_str, req_str, wrong_type};
use super::resources::{resource_name, TaskDefinition};
use super::world::{Change, World};
use serde_json::{json, Map, Value};

const SVC: Service = Service::Ecs;

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "RunTask" => run_task(world, params),
        _ => Err(not_simulated(SVC, action)),
    }
}

fn find_definition<'a>(world: &'a World, id: &str) -> Option<&'a TaskDefinition> {
    let id = resource_name(id, "task-definition");
    let (family, revision) = match id.rsplit_once(':') {
        Some((f, r)) => (f, Some(r.parse::<u64>().ok()?)),
        None => (id, None),
    };
    world
        .task_definitions
        .iter()
        .filter(|d| d.family == family && revision.is_none_or(|r| r == d.revision))
        .max_by_key(|d| d.revision)
}

fn run_task(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let p = members(params);
    let definition_id = req_str(SVC, &p, "taskDefinition")?;
    let cluster =
        resource_name(opt_str(SVC, &p, "cluster")?.unwrap_or("default"), "cluster").to_string();
    let count = match p.get("count") {
        None | Some(Value::Null) => 1,
        Some(v) => v.as_u64().ok_or_else(|| wrong_type(SVC, "count"))?,
    };
    // "You can specify up to 10 tasks for each call" (RunTask `count`); the message wording is [I].
    if !(1..=10).contains(&count) {
        return Err(AwsError::modeled(
            SVC,
            "InvalidParameterException",
            400,
            "Count must be between 1 and 10.",
        ));
    }
    let launch_type = opt_str(SVC, &p, "launchType")?.map(str::to_string);
    let started_by = opt_str(SVC, &p, "startedBy")?.map(str::to_string);
    if !world.clusters.contains(&cluster) {
        return Err(AwsError::modeled(
            SVC,
            "ClusterNotFoundException",
            400,
            "Cluster not found.",
        ));
    }
    let definition = find_definition(world, definition_id)
        .cloned()
        .ok_or_else(|| {
            AwsError::modeled(
                SVC,
                "ClientException",
                400,
                "Unable to describe task definition.",
            )
        })?;
    let (region, account) = (world.region.clone(), world.account_id.clone());
    let cluster_arn = format!("arn:aws:ecs:{region}:{account}:cluster/{cluster}");
    let definition_arn = format!(
        "arn:aws:ecs:{region}:{account}:task-definition/{}:{}",
        definition.family, definition.revision
    );
    let overrides = match p.get("overrides") {
        Some(o) if !o.is_null() => o.clone(),
        _ => json!({
            "containerOverrides": definition.containers.iter().map(|c| json!({
                "command": [], "environment": [], "environmentFiles": [], "name": c,
                "resourceRequirements": []
            })).collect::<Vec<_>>(),
            "inferenceAcceleratorOverrides": []
        }),
    };
    let group = opt_str(SVC, &p, "group")?
        .map(str::to_string)
        .unwrap_or_else(|| format!("family:{}", definition.family));
    let mut tasks = Vec::new();
    let mut task_arns = Vec::new();
    for _ in 0..count {
        let task_id = world.ids.hex("ecs-task-id", 32);
        let task_arn = format!("arn:aws:ecs:{region}:{account}:task/{cluster}/{task_id}");
        let containers: Vec<Value> = definition
            .containers
            .iter()
            .map(|name| {
                json!({
                    "containerArn": format!("arn:aws:ecs:{region}:{account}:container/{cluster}/{task_id}/{}", world.ids.uuid("ecs-container-id")),
                    "taskArn": task_arn, "name": name, "lastStatus": "PENDING"
                })
            })
            .collect();
        let mut t = Map::new();
        t.insert("clusterArn".into(), json!(cluster_arn));
        t.insert("containers".into(), Value::Array(containers));
        t.insert("createdAt".into(), epoch_seconds(world.ctx.now_ms));
        t.insert("desiredStatus".into(), json!("RUNNING"));
        t.insert("group".into(), json!(group));
        let last = if launch_type.as_deref() == Some("FARGATE") {
            "PROVISIONING"
        } else {
            "PENDING"
        };
        t.insert("lastStatus".into(), json!(last));
        if let Some(l) = &launch_type {
            t.insert("launchType".into(), json!(l));
        }
        t.insert("overrides".into(), overrides.clone());
        if let Some(s) = &started_by {
            t.insert("startedBy".into(), json!(s));
        }
        t.insert("tags".into(), p.get("tags").cloned().unwrap_or(json!([])));
        t.insert("taskArn".into(), json!(task_arn));
        t.insert("taskDefinitionArn".into(), json!(definition_arn));
        t.insert("version".into(), json!(1));
        tasks.push(Value::Object(t));
        task_arns.push(task_arn);
    }
    world.record(Change::Started {
        service: SVC.name().into(),
        operation: "RunTask".into(),
        ids: task_arns,
        request: super::world::canonical(params),
    });
    Ok(json!({"tasks": tasks, "failures": []}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        let mut w = World::new(8);
        w.add_cluster("jobs");
        w.add_task_definition("worker", 1, vec!["worker".into()]);
        w.add_task_definition("worker", 2, vec!["worker".into()]);
        w
    }

    #[test]
    fn runs_the_latest_revision_with_the_recorded_task_shape() {
        let mut w = world();
        let out = call(
            &mut w,
            "RunTask",
            &json!({"cluster": "jobs", "taskDefinition": "worker", "launchType": "FARGATE",
                    "overrides": {"containerOverrides": [{"name": "worker", "command": ["run", "1"]}]}}),
        )
        .unwrap();
        assert_eq!(out["failures"], json!([]));
        let t = &out["tasks"][0];
        let arn = t["taskArn"].as_str().unwrap();
        assert!(
            regex::Regex::new("^arn:aws:ecs:us-east-1:123456789012:task/jobs/[0-9a-f]{32}$")
                .unwrap()
                .is_match(arn),
            "{arn}"
        );
        assert_eq!(
            t["taskDefinitionArn"],
            "arn:aws:ecs:us-east-1:123456789012:task-definition/worker:2"
        );
        assert_eq!(
            t["clusterArn"],
            "arn:aws:ecs:us-east-1:123456789012:cluster/jobs"
        );
        assert_eq!(t["lastStatus"], "PROVISIONING");
        assert_eq!(t["desiredStatus"], "RUNNING");
        assert_eq!(t["group"], "family:worker");
        assert_eq!(t["containers"][0]["name"], "worker");
        assert_eq!(t["containers"][0]["taskArn"], arn);
        assert_eq!(
            t["overrides"]["containerOverrides"][0]["command"],
            json!(["run", "1"])
        );
        // No overrides: one empty override per container, as recorded.
        let plain = call(
            &mut w,
            "RunTask",
            &json!({"cluster": "jobs", "taskDefinition": "worker:1", "count": 2}),
        )
        .unwrap();
        assert_eq!(plain["tasks"].as_array().unwrap().len(), 2);
        assert_eq!(plain["tasks"][0]["lastStatus"], "PENDING");
        assert_eq!(
            plain["tasks"][0]["overrides"]["containerOverrides"][0]["environment"],
            json!([])
        );
        assert_eq!(w.diff.changes.len(), 2);
    }

    #[test]
    fn errors() {
        let mut w = world();
        let e = call(&mut w, "RunTask", &json!({"taskDefinition": "worker"})).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("ClusterNotFoundException", "Cluster not found.")
        );
        assert_eq!(
            e.error_name(super::super::errors::Integration::Optimized),
            "ECS.ClusterNotFoundException"
        );
        assert_eq!(
            e.error_name(super::super::errors::Integration::AwsSdk),
            "Ecs.ClusterNotFoundException"
        );
        let e = call(
            &mut w,
            "RunTask",
            &json!({"cluster": "jobs", "taskDefinition": "worker:9"}),
        )
        .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("ClientException", "Unable to describe task definition.")
        );
        let e = call(
            &mut w,
            "RunTask",
            &json!({"cluster": "jobs", "taskDefinition": "worker", "count": 11}),
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
        assert_eq!(
            call(&mut w, "RunTask", &json!({"cluster": "jobs"}))
                .unwrap_err()
                .code,
            "ValidationException"
        );
        assert!(w.diff.changes.is_empty());
    }
}
