//! Task-level tests of the job and configuration services' integrations: what a Task gets back
//! from `aws-sdk:*` and from the optimized integrations (PascalCase keys, dates, SDK metadata) and
//! how their errors are named.

use super::simulated::SimulatedServices;
use super::world::World;
use super::{ServiceBackend, TaskCall, TaskOutcome};
use serde_json::{json, Value};

fn services() -> SimulatedServices {
    let mut w = World::new(11);
    w.add_secret("db", Some("pw".into()), None);
    w.add_parameter("/app/url", "String", "u");
    w.add_job_queue("high");
    w.add_job_definition("render", 1);
    w.add_build_project("app");
    w.add_cluster("jobs");
    w.add_task_definition("worker", 3, vec!["worker".into()]);
    w.add_glue_job("nightly");
    w.add_workgroup("analytics", Some("s3://results/".into()));
    w.add_email_identity("example.com");
    SimulatedServices::new(w)
}

fn run(s: &mut SimulatedServices, resource: &str, params: Value) -> TaskOutcome {
    s.call(&TaskCall::for_test("S", resource, params)).outcome
}

fn ok(o: TaskOutcome) -> Value {
    match o {
        TaskOutcome::Succeeded(v) => v,
        TaskOutcome::Failed { error, cause } => panic!("failed: {error} {cause:?}"),
    }
}

fn error(o: TaskOutcome) -> (String, String) {
    match o {
        TaskOutcome::Failed { error, cause } => (error, cause.unwrap_or_default()),
        TaskOutcome::Succeeded(v) => panic!("succeeded: {v}"),
    }
}

#[test]
fn aws_sdk_results_are_the_api_output_with_string_dates() {
    let mut s = services();
    let secret = ok(run(
        &mut s,
        "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
        json!({"SecretId": "db"}),
    ));
    assert_eq!(secret["SecretString"], "pw");
    assert_eq!(secret["CreatedDate"], "1970-01-01T00:00:00.000Z");
    assert!(secret.get("SdkHttpMetadata").is_none());
    let param = ok(run(
        &mut s,
        "arn:aws:states:::aws-sdk:ssm:getParameter",
        json!({"Name": "/app/url"}),
    ));
    assert_eq!(param["Parameter"]["Value"], "u");
    assert_eq!(
        param["Parameter"]["LastModifiedDate"],
        "1970-01-01T00:00:00.000Z"
    );
    // A camelCase API answers with PascalCase keys.
    let job = ok(run(
        &mut s,
        "arn:aws:states:::aws-sdk:batch:submitJob",
        json!({"JobName": "r", "JobQueue": "high", "JobDefinition": "render", "Parameters": {"day": "1"}}),
    ));
    let keys: Vec<&str> = job
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["JobArn", "JobName", "JobId"]);
    // The map parameter keeps its keys on the wire.
    let change = serde_json::to_value(&s.world.diff.changes[0]).unwrap();
    assert_eq!(change["request"]["parameters"], json!({"day": "1"}));
    assert_eq!(change["operation"], "SubmitJob");
    let email = ok(run(
        &mut s,
        "arn:aws:states:::aws-sdk:sesv2:sendEmail",
        json!({"FromEmailAddress": "shop@example.com", "Destination": {"ToAddresses": ["a@b.c"]},
               "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}}}),
    ));
    assert!(email["MessageId"].as_str().unwrap().ends_with("-000000"));
}

#[test]
fn optimized_results_carry_metadata_pascal_case_and_epoch_millis() {
    let mut s = services();
    let tasks = ok(run(
        &mut s,
        "arn:aws:states:::ecs:runTask",
        json!({"Cluster": "jobs", "TaskDefinition": "worker", "LaunchType": "FARGATE"}),
    ));
    let keys: Vec<&str> = tasks
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "Failures",
            "SdkHttpMetadata",
            "SdkResponseMetadata",
            "Tasks"
        ]
    );
    let t = &tasks["Tasks"][0];
    assert_eq!(t["CreatedAt"], 1_735_689_600_000i64);
    assert_eq!(t["Containers"][0]["Name"], "worker");
    assert_eq!(t["Overrides"]["ContainerOverrides"][0]["Name"], "worker");
    assert_eq!(
        tasks["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"],
        "application/x-amz-json-1.1"
    );
    let all: Vec<&str> = tasks["SdkHttpMetadata"]["AllHttpHeaders"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        all,
        ["x-amzn-RequestId", "Content-Length", "Date", "Content-Type"]
    );
    let run_id = ok(run(
        &mut s,
        "arn:aws:states:::glue:startJobRun",
        json!({"JobName": "nightly", "Arguments": {"--day": "1"}}),
    ));
    assert!(run_id["JobRunId"].as_str().unwrap().starts_with("jr_"));
    let build = ok(run(
        &mut s,
        "arn:aws:states:::codebuild:startBuild",
        json!({"ProjectName": "app"}),
    ));
    assert_eq!(build["Build"]["BuildNumber"], 1);
    assert_eq!(build["Build"]["StartTime"], 1_735_689_600_000i64);
    let query = ok(run(
        &mut s,
        "arn:aws:states:::athena:startQueryExecution",
        json!({"QueryString": "SELECT 1", "WorkGroup": "analytics"}),
    ));
    assert_eq!(query["QueryExecutionId"].as_str().unwrap().len(), 36);
    let batch = ok(run(
        &mut s,
        "arn:aws:states:::batch:submitJob",
        json!({"JobName": "r", "JobQueue": "high", "JobDefinition": "render:1"}),
    ));
    assert_eq!(
        batch["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"],
        "application/json"
    );
}

#[test]
fn errors_are_named_per_integration() {
    let mut s = services();
    let (e, cause) = error(run(
        &mut s,
        "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
        json!({"SecretId": "gone"}),
    ));
    assert_eq!(e, "SecretsManager.ResourceNotFoundException");
    assert!(
        cause.starts_with("Secrets Manager can't find the specified secret. (Service: SecretsManager, Status Code: 400, Request ID: "),
        "{cause}"
    );
    let (e, _) = error(run(
        &mut s,
        "arn:aws:states:::aws-sdk:ssm:getParameter",
        json!({"Name": "gone"}),
    ));
    assert_eq!(e, "Ssm.ParameterNotFoundException");
    let (e, cause) = error(run(
        &mut s,
        "arn:aws:states:::glue:startJobRun",
        json!({"JobName": "gone"}),
    ));
    assert_eq!(e, "Glue.EntityNotFoundException");
    assert!(
        cause.contains("(Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException;"),
        "{cause}"
    );
    let (e, _) = error(run(
        &mut s,
        "arn:aws:states:::ecs:runTask",
        json!({"Cluster": "gone", "TaskDefinition": "worker"}),
    ));
    assert_eq!(e, "ECS.ClusterNotFoundException");
    let (e, _) = error(run(
        &mut s,
        "arn:aws:states:::aws-sdk:ecs:runTask",
        json!({"Cluster": "gone", "TaskDefinition": "worker"}),
    ));
    assert_eq!(e, "Ecs.ClusterNotFoundException");
    let (e, _) = error(run(
        &mut s,
        "arn:aws:states:::batch:submitJob",
        json!({"JobName": "r", "JobQueue": "low", "JobDefinition": "render"}),
    ));
    assert_eq!(e, "Batch.ClientException");
    let (e, _) = error(run(
        &mut s,
        "arn:aws:states:::aws-sdk:sesv2:sendEmail",
        json!({"FromEmailAddress": "x@elsewhere.org",
        "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}}}),
    ));
    assert_eq!(e, "SesV2.MessageRejectedException");
    // A nested member named in the API's camelCase is not a field Step Functions takes.
    let (e, cause) = error(run(
        &mut s,
        "arn:aws:states:::ecs:runTask",
        json!({"Cluster": "jobs", "TaskDefinition": "worker", "Overrides": {"containerOverrides": []}}),
    ));
    assert_eq!(e, "States.Runtime");
    assert!(
        cause.contains("The field \"containerOverrides\" is not supported by Step Functions"),
        "{cause}"
    );
    // `.sync` waits for a job the world does not run.
    let (e, cause) = error(run(
        &mut s,
        "arn:aws:states:::glue:startJobRun.sync",
        json!({"JobName": "nightly"}),
    ));
    assert_eq!(e, "States.Runtime");
    assert!(cause.contains("do not implement"), "{cause}");
    // Nothing failed changed the world.
    assert!(s.world.diff.changes.is_empty());
}
