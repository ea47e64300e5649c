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
