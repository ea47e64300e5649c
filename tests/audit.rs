//! `lambdaless audit` and `lambdaless check` from the outside: JSON contract on the fixtures,
//! exit codes, error messages naming the file.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn lambdaless() -> Command {
    let mut c = Command::cargo_bin("lambdaless").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("GITHUB_ACTIONS");
    c
}

fn audit_json(path: &str) -> (Value, i32) {
    let out = lambdaless()
        .args(["audit", path, "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).expect("audit prints JSON");
    (v, out.status.code().unwrap())
}

#[test]
fn order_service_lists_five_linked_tasks() {
    let (v, _) = audit_json("fixtures/order-service");
    assert_eq!(v["schema_version"], 1);
    let findings = v["findings"].as_array().unwrap();
    let rows: Vec<(&str, &str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["state"].as_str().unwrap(),
                f["function"].as_str().unwrap(),
                f["handler"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "PriceOrder",
                "PriceOrderFunction",
                "src/price-order/index.js"
            ),
            ("SaveOrder", "SaveOrderFunction", "src/save-order/index.js"),
            (
                "NotifyWarehouse",
                "NotifyWarehouseFunction",
                "src/notify_warehouse/app.py"
            ),
            (
                "NotifyCustomer",
                "NotifyCustomerFunction",
                "src/notify-customer/app.ts"
            ),
            (
                "EmitOrderPlaced",
                "EmitEventFunction",
                "src/emit-event/index.js"
            ),
        ]
    );
    for f in findings {
        for key in [
            "state_machine",
            "language",
            "verdict",
            "sdk_calls",
            "integration",
            "reasons",
            "savings",
        ] {
            assert!(f.get(key).is_some(), "finding lacks {key}");
        }
        assert_eq!(f["definition"], "statemachine/order.asl.json");
    }
    assert_eq!(v["unresolved"].as_array().unwrap().len(), 0);
    assert_eq!(v["functions_not_called"].as_array().unwrap().len(), 0);
    assert_eq!(v["summary"]["lambda_tasks"], 5);
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    lambdaless()
        .args(["audit", "fixtures/broken/malformed-yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fixtures/broken/malformed-yaml/template.yaml:9:6: malformed YAML",
        ));
}

#[test]
fn malformed_json_names_file_line_and_column() {
    lambdaless()
        .args(["audit", "fixtures/broken/malformed-json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fixtures/broken/malformed-json/workflow.asl.json:8:5: malformed JSON",
        ));
}

#[test]
fn missing_handler_is_a_finding_and_an_error() {
    let (v, code) = audit_json("fixtures/broken/missing-handler");
    assert_eq!(code, 2);
    let f = &v["findings"][0];
    assert_eq!(f["verdict"], "unknown");
    assert_eq!(f["reasons"][0]["code"], "handler-not-found");
    lambdaless()
        .args(["audit", "fixtures/broken/missing-handler"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("missing-handler/template.yaml").and(
                predicate::str::contains("no source file for handler `index.handler`"),
            ),
        );
}

#[test]
fn unparsable_source_names_the_handler_file() {
    lambdaless()
        .args(["audit", "fixtures/broken/unparsable-source"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fixtures/broken/unparsable-source/src/save/index.js",
        ));
}

#[test]
fn missing_path_is_an_input_error() {
    lambdaless()
        .args(["audit", "fixtures/does-not-exist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fixtures/does-not-exist"));
}

#[test]
fn sarif_and_markdown_render() {
    let out = lambdaless()
        .args(["audit", "fixtures/order-service", "--format", "sarif"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["runs"][0]["results"].is_array());
    let out = lambdaless()
        .args(["audit", "fixtures/order-service", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("## lambdaless audit"));
}
