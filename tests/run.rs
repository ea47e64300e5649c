//! `lambdaless run` with simulated services (`--world`) and a mock config layered over them.

use assert_cmd::Command;
use serde_json::Value;

fn run(args: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("lambdaless")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), json)
}

#[test]
fn world_run_writes_the_item_and_reports_the_diff() {
    let (code, out) = run(&[
        "run",
        "fixtures/run/put-order.asl.json",
        "--input",
        r#"{"id":"a1"}"#,
        "--world",
        "fixtures/run/world-orders.yaml",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["status"], "SUCCEEDED");
    let change = &out["world_diff"]["changes"][0];
    assert_eq!(change["kind"], "item_put");
    assert_eq!(change["table"], "orders");
    assert_eq!(change["new"]["orderId"]["S"], "a1");
}

#[test]
fn empty_context_file_is_bad_input() {
    let (code, out) = run(&[
        "run",
        "fixtures/run/put-order.asl.json",
        "--input",
        r#"{"id":"a1"}"#,
        "--world",
        "fixtures/run/world-orders.yaml",
        "--json",
        "--context",
        "/dev/null",
    ]);
    // An empty context file is bad input: exit 2, no JSON.
    assert_eq!(code, 2, "{out}");
}

#[test]
fn mock_config_wins_for_the_states_it_names() {
    let (code, out) = run(&[
        "run",
        "fixtures/run/put-order.asl.json",
        "--input",
        r#"{"id":"a1"}"#,
        "--world",
        "fixtures/run/world-orders.yaml",
        "--mock-config",
        "fixtures/run/mock-put.json",
        "--test-case",
        "mocked",
        "--json",
    ]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["error"], "DynamoDB.AmazonDynamoDBException");
    assert_eq!(
        out["world_diff"]["changes"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn malformed_world_file_names_the_file_and_exits_2() {
    let out = Command::cargo_bin("lambdaless")
        .unwrap()
        .args([
            "run",
            "fixtures/run/put-order.asl.json",
            "--world",
            "fixtures/run/mock-put.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mock-put.json"));
}

/// The bytes `run --json` prints (result, history and world diff).
fn run_bytes(world: &str) -> Vec<u8> {
    let out = Command::cargo_bin("lambdaless")
        .unwrap()
        .args([
            "run",
            "fixtures/run/fanout.asl.json",
            "--input",
            r#"{"id":"a1"}"#,
            "--world",
            world,
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    out.stdout
}

#[test]
fn same_seed_gives_byte_identical_result_history_and_diff() {
    let first = run_bytes("fixtures/run/world-fanout.yaml");
    assert!(
        first == run_bytes("fixtures/run/world-fanout.yaml"),
        "two runs with seed 1 printed different bytes"
    );
    let text = String::from_utf8(first.clone()).unwrap();
    for event in ["TaskSucceeded", "ExecutionSucceeded"] {
        assert!(text.contains(event), "history is part of the output");
    }
    for change in [
        "item_put",
        "item_updated",
        "message_sent",
        "notification_published",
        "event_put",
    ] {
        assert!(text.contains(change), "world diff lists {change}");
    }

    // Another seed changes the ids and nothing else.
    let seed2 = std::env::temp_dir().join(format!(
        "lambdaless-world-seed2-{}.yaml",
        std::process::id()
    ));
    let yaml = std::fs::read_to_string("fixtures/run/world-fanout.yaml").unwrap();
    std::fs::write(&seed2, yaml.replace("seed: 1", "seed: 2")).unwrap();
    let second = run_bytes(seed2.to_str().unwrap());
    let _ = std::fs::remove_file(&seed2);
    assert_ne!(first, second, "ids derive from the seed");
    let ids = regex::Regex::new(r#"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|root=[^\\"]+|\b[0-9]{20}\b|[0-9a-f]{32}"#).unwrap();
    let strip = |b: &[u8]| {
        ids.replace_all(&String::from_utf8_lossy(b), "ID")
            .into_owned()
    };
    assert!(
        strip(&first) == strip(&second),
        "seed 2 changed more than the ids"
    );
}

#[test]
fn world_run_reaches_the_job_and_configuration_services() {
    let (code, out) = run(&[
        "run",
        "fixtures/run/jobs.asl.json",
        "--input",
        "{}",
        "--world",
        "fixtures/run/world-jobs.yaml",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["status"], "SUCCEEDED", "{out}");
    let output: Value = match &out["output"] {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        v => v.clone(),
    };
    assert_eq!(output["secret"]["token"], "t0ken");
    assert_eq!(output["config"]["bucket"], "s3://etl-data");
    let run_id = output["etl"]["runId"].as_str().unwrap();
    assert!(run_id.starts_with("jr_") && run_id.len() == 67, "{run_id}");
    assert!(output["report"]["taskArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:ecs:"));
    assert!(output["email"]["MessageId"]
        .as_str()
        .unwrap()
        .ends_with("-000000"));
    assert_eq!(output["missing"]["Error"], "Glue.EntityNotFoundException");
    let changes = out["world_diff"]["changes"].as_array().unwrap();
    let started: Vec<&str> = changes
        .iter()
        .map(|c| c["operation"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(started, ["StartJobRun", "RunTask", "SendEmail"], "{out}");
    assert_eq!(
        changes[1]["request"]["overrides"]["containerOverrides"][0]["command"][1],
        run_id
    );
}
