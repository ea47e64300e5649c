//! Simulated CodeBuild: StartBuild of the world's projects (the build itself is not run).
//!
//! API: CodeBuild API Reference, StartBuild (botocore `codebuild` model, camelCase members):
//! `projectName` required (name or ARN); output `build`. The simulated build carries what the
//! request and the world determine: `id` (`<project>:<UUID>`), `arn`
//! (`arn:aws:codebuild:<region>:<account>:build/<id>`), `buildNumber` ("For each project, the
//! buildNumber of its first build is 1"), `startTime`, `buildStatus` `IN_PROGRESS`, `buildComplete`
//! false, `projectName`, `sourceVersion` when given; the project's environment, source and phases
//! are not modelled and left out. A missing project is `ResourceNotFoundException` "Project cannot
//! be found: <project ARN>" (the service's text quoted by CodePipeline: "Error calling startBuild:
//! Project cannot be found: arn:aws:codebuild:...:project/... (Service: AWSCodeBuild; ...)").

use super::errors::{AwsError, Service};
use super::request::{epoch_seconds, members, not_simulated, opt_str, req_str};
use super::resources::resource_name;
use super::world::{Change, World};
use serde_json::{json, Map, Value};

const SVC: Service = Service::CodeBuild;

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "StartBuild" => start_build(world, params),
        _ => Err(not_simulated(SVC, action)),
    }
}

/// How many builds of `project` were started in this world.
fn builds_of(world: &World, project: &str) -> usize {
    world
        .diff
        .changes
        .iter()
        .filter(|e| {
            matches!(&e.change, Change::Started { service, ids, .. }
                if service == SVC.name() && ids.iter().any(|i| i.split_once(':').map(|(p, _)| p) == Some(project)))
        })
        .count()
}

fn start_build(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let p = members(params);
    let given = req_str(SVC, &p, "projectName")?;
    let project = resource_name(given, "project").to_string();
    let source_version = opt_str(SVC, &p, "sourceVersion")?;
    if !world.build_projects.contains(&project) {
        return Err(AwsError::modeled(
            SVC,
            "ResourceNotFoundException",
            400,
            format!(
                "Project cannot be found: arn:aws:codebuild:{}:{}:project/{project}",
                world.region, world.account_id
            ),
        ));
    }
    let id = format!("{project}:{}", world.ids.uuid("codebuild-build-id"));
    let number = builds_of(world, &project) + 1;
    let mut build = Map::new();
    build.insert("id".into(), json!(id));
    build.insert(
        "arn".into(),
        json!(format!(
            "arn:aws:codebuild:{}:{}:build/{id}",
            world.region, world.account_id
        )),
    );
    build.insert("buildNumber".into(), json!(number));
    build.insert("startTime".into(), epoch_seconds(world.ctx.now_ms));
    build.insert("buildStatus".into(), json!("IN_PROGRESS"));
    if let Some(v) = source_version {
        build.insert("sourceVersion".into(), json!(v));
    }
    build.insert("projectName".into(), json!(project));
    build.insert("buildComplete".into(), json!(false));
    world.record(Change::Started {
        service: SVC.name().into(),
        operation: "StartBuild".into(),
        ids: vec![id],
        request: super::world::canonical(params),
    });
    Ok(json!({ "build": build }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_numbered_builds_of_a_project() {
        let mut w = World::new(6);
        w.add_build_project("app");
        let first = call(
            &mut w,
            "StartBuild",
            &json!({"projectName": "app", "sourceVersion": "abc"}),
        )
        .unwrap();
        let b = &first["build"];
        let id = b["id"].as_str().unwrap();
        assert!(id.starts_with("app:") && id.len() == 40, "{id}");
        assert_eq!(
            b["arn"],
            format!("arn:aws:codebuild:us-east-1:123456789012:build/{id}")
        );
        assert_eq!(b["buildNumber"], 1);
        assert_eq!(b["buildStatus"], "IN_PROGRESS");
        assert_eq!(b["buildComplete"], false);
        assert_eq!(b["sourceVersion"], "abc");
        let second = call(
            &mut w,
            "StartBuild",
            &json!({"projectName": "arn:aws:codebuild:us-east-1:123456789012:project/app"}),
        )
        .unwrap();
        assert_eq!(second["build"]["buildNumber"], 2);
        assert!(second["build"].get("sourceVersion").is_none());
    }

    #[test]
    fn errors() {
        let mut w = World::new(6);
        let e = call(&mut w, "StartBuild", &json!({"projectName": "app"})).unwrap_err();
        assert_eq!(e.code, "ResourceNotFoundException");
        assert_eq!(
            e.message,
            "Project cannot be found: arn:aws:codebuild:us-east-1:123456789012:project/app"
        );
        assert_eq!(
            e.cause(super::super::errors::Integration::Optimized, "R"),
            "Project cannot be found: arn:aws:codebuild:us-east-1:123456789012:project/app (Service: AWSCodeBuild; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: R; Proxy: null)"
        );
        assert_eq!(
            call(&mut w, "StartBuild", &json!({})).unwrap_err().code,
            "ValidationException"
        );
        assert!(w.diff.changes.is_empty());
    }
}
