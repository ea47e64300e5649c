//! `verify` on the order-service example: the careful rewrite is proven; wrong rewrites are caught.

mod support;
use support::order_plan::*;

use lambdaless::verify::{prove, report, Verdict};

#[test]
fn order_service_rewrite_is_proven() {
    let project = project();
    let plan = plan_with(&project, &rewritten_states());
    let r = prove(&project, &plan, &options(200)).unwrap();
    let text = report::text(&r);
    println!("{text}");
    assert!(r.equivalent(), "{text}");
    let m = &r.machines[0];
    assert_eq!(m.tasks.len(), 4);
    for t in &m.tasks {
        assert_eq!(t.verdict, Verdict::Proven);
        assert!(t.inputs >= 204, "{} ran {} inputs", t.state, t.inputs);
        assert!(t.fault_scenarios > 0, "{}", t.state);
    }
}

use serde_json::{json, Value};

/// The careful rewrite of one state, changed by `f`.
fn mutated(state: &str, f: impl Fn(&mut Value)) -> (String, Value) {
    let mut s = rewritten_states()
        .into_iter()
        .find(|(n, _)| *n == state)
        .unwrap()
        .1;
    f(&mut s);
    (state.to_string(), s)
}

fn prove_one(state: &str, new_state: Value, samples: usize) -> lambdaless::verify::VerifyReport {
    let project = project();
    let plan = plan_with(&project, &[(state, new_state)]);
    let opts = options_besides(samples, state);
    prove(&project, &plan, &opts).unwrap()
}

#[test]
fn a_changed_path_in_the_parameters_gives_a_counterexample() {
    let (state, s) = mutated("SaveOrder", |s| {
        s["Parameters"]["Item"]["orderId"] = json!({"S.$": "$.orderID"})
    });
    let r = prove_one(&state, s, 50);
    assert!(!r.equivalent());
    let t = &r.machines[0].tasks[0];
    assert_eq!(t.verdict, Verdict::NotEquivalent);
    let c = t.counterexample.as_ref().expect("a counterexample");
    // The first sample already differs; shrinking leaves only what the difference needs.
    assert_eq!(c.found_with, "sample order-basic.json");
    assert!(c.input.get("orderId").is_some(), "{}", c.input);
    assert!(c.input.to_string().len() < 80, "not shrunk: {}", c.input);
    assert!(
        c.differences
            .iter()
            .any(|d| d.at == "status" || d.at.starts_with("call")),
        "{:?}",
        c.differences
    );
    assert_eq!(c.original.status, "SUCCEEDED");
    let text = report::text(&r);
    assert!(
        text.contains("NOT EQUIVALENT") && text.contains("counterexample"),
        "{text}"
    );
}

type Mutation = (&'static str, &'static str, fn(&mut Value));

/// Deliberately wrong rewrites; each must be caught.
const MUTATIONS: &[Mutation] = &[
    ("wrong path", "SaveOrder", |s| {
        s["Parameters"]["Item"]["orderId"] = json!({"S.$": "$.orderID"})
    }),
    ("lost field", "SaveOrder", |s| {
        s["Parameters"]["Item"]
            .as_object_mut()
            .unwrap()
            .remove("status");
    }),
    ("lost items field", "SaveOrder", |s| {
        s["Parameters"]["Item"]
            .as_object_mut()
            .unwrap()
            .remove("items");
    }),
    ("wrong literal", "SaveOrder", |s| {
        s["Parameters"]["Item"]["status"] = json!({"S": "Received"})
    }),
    ("number vs string", "SaveOrder", |s| {
        s["Parameters"]["Item"]["orderId"] = json!({"N.$": "$.orderId"})
    }),
    ("wrong type (list instead of JSON text)", "SaveOrder", |s| {
        s["Parameters"]["Item"]["items"] = json!({"S.$": "States.JsonToString($)"})
    }),
    ("wrong table", "SaveOrder", |s| {
        s["Parameters"]["TableName"] = json!("customers")
    }),
    ("wrong integration", "SaveOrder", |s| {
        s["Resource"] = json!("arn:aws:states:::dynamodb:updateItem")
    }),
    ("dropped retry", "SaveOrder", |s| {
        s.as_object_mut().unwrap().remove("Retry");
    }),
    ("retry kept on Lambda error names", "SaveOrder", |s| {
        s["Retry"][0]["ErrorEquals"] =
            json!(["Lambda.ServiceException", "Lambda.TooManyRequestsException"])
    }),
    ("retry names of the other integration", "SaveOrder", |s| {
        s["Retry"][0]["ErrorEquals"] = json!([
            "DynamoDb.ProvisionedThroughputExceededException",
            "DynamoDb.ThrottlingException"
        ])
    }),
    ("dropped catch", "SaveOrder", |s| {
        s.as_object_mut().unwrap().remove("Catch");
    }),
    ("wrong error name in catch", "SaveOrder", |s| {
        s["Catch"][0]["ErrorEquals"] = json!(["ConditionalCheckFailedException"])
    }),
    ("catch goes to the wrong state", "SaveOrder", |s| {
        s["Catch"][0]["Next"] = json!("OrderPlaced")
    }),
    ("ResultPath $ replaces the state", "SaveOrder", |s| {
        s.as_object_mut().unwrap().remove("ResultPath");
    }),
    ("ResultPath adds a field", "SaveOrder", |s| {
        s["ResultPath"] = json!("$.saved")
    }),
    ("wrong Next", "SaveOrder", |s| {
        s["Next"] = json!("NotifyCustomer")
    }),
    ("wrong body path", "NotifyWarehouse", |s| {
        s["Parameters"]["MessageBody.$"] = json!("$.customer")
    }),
    ("static body", "NotifyWarehouse", |s| {
        let p = s["Parameters"].as_object_mut().unwrap();
        p.remove("MessageBody.$");
        p.insert("MessageBody".into(), json!("order"));
    }),
    ("missing ResultSelector", "NotifyWarehouse", |s| {
        s.as_object_mut().unwrap().remove("ResultSelector");
    }),
    ("ResultSelector key renamed", "NotifyWarehouse", |s| {
        s["ResultSelector"] = json!({"messageID.$": "$.MessageId"})
    }),
    ("ResultSelector wrong field", "NotifyWarehouse", |s| {
        s["ResultSelector"] = json!({"messageId.$": "$.MD5OfMessageBody"})
    }),
    ("ResultPath null drops the result", "NotifyWarehouse", |s| {
        s["ResultPath"] = Value::Null
    }),
    ("wrong queue", "NotifyWarehouse", |s| {
        s["Parameters"]["QueueUrl"] =
            json!("https://sqs.us-east-1.amazonaws.com/123456789012/other")
    }),
    ("dropped retry on SQS throttling", "NotifyWarehouse", |s| {
        s.as_object_mut().unwrap().remove("Retry");
    }),
    ("wrong message text", "NotifyCustomer", |s| {
        s["Parameters"]["Message.$"] =
            json!("States.Format('Your order {} was received', $.orderId)")
    }),
    ("message from the wrong field", "NotifyCustomer", |s| {
        s["Parameters"]["Message.$"] =
            json!("States.Format('Your order {} has been received', $.customer.id)")
    }),
    ("lost subject", "NotifyCustomer", |s| {
        s["Parameters"].as_object_mut().unwrap().remove("Subject");
    }),
    (
        "missing ResultSelector (envelope kept)",
        "NotifyCustomer",
        |s| {
            s.as_object_mut().unwrap().remove("ResultSelector");
        },
    ),
    ("ResultPath to another field", "NotifyCustomer", |s| {
        s["ResultPath"] = json!("$.notifications")
    }),
    ("wrong topic", "NotifyCustomer", |s| {
        s["Parameters"]["TopicArn"] = json!("arn:aws:sns:us-east-1:123456789012:other")
    }),
    (
        "ResultSelector reads the request id",
        "NotifyCustomer",
        |s| s["ResultSelector"] = json!({"messageId.$": "$.SdkResponseMetadata.RequestId"}),
    ),
    (
        "dropped retry on SNS internal errors",
        "NotifyCustomer",
        |s| {
            s.as_object_mut().unwrap().remove("Retry");
        },
    ),
    ("lost detail field", "EmitOrderPlaced", |s| {
        s["Parameters"]["Entries"][0]["Detail"]
            .as_object_mut()
            .unwrap()
            .remove("total.$");
    }),
    ("number as string in detail", "EmitOrderPlaced", |s| {
        s["Parameters"]["Entries"][0]["Detail"] =
            json!({"orderId.$": "$.orderId", "total.$": "States.Format('{}', $.total)"})
    }),
    ("wrong detail type", "EmitOrderPlaced", |s| {
        s["Parameters"]["Entries"][0]["DetailType"] = json!("OrderCreated")
    }),
    ("wrong bus", "EmitOrderPlaced", |s| {
        s["Parameters"]["Entries"][0]["EventBusName"] = json!("default")
    }),
    (
        "ResultPath $ replaces the state (events)",
        "EmitOrderPlaced",
        |s| {
            s.as_object_mut().unwrap().remove("ResultPath");
        },
    ),
    (
        "wrong integration (SQS instead of EventBridge)",
        "EmitOrderPlaced",
        |s| s["Resource"] = json!("arn:aws:states:::sqs:sendMessage"),
    ),
];

#[test]
fn every_mutation_is_caught() {
    assert!(MUTATIONS.len() >= 30);
    let mut missed = Vec::new();
    for (name, state, f) in MUTATIONS {
        let (state, s) = mutated(state, f);
        let r = prove_one(&state, s, 40);
        let t = &r.machines[0].tasks[0];
        if r.equivalent() || t.verdict != Verdict::NotEquivalent {
            missed.push(format!("{name} ({state}): {}", report::text(&r)));
        }
    }
    assert!(missed.is_empty(), "not caught:\n{}", missed.join("\n"));
}

/// Other correct ways to write the same rewrites: none may be rejected. (Retrying an error the
/// handler's SDK does not retry, such as SNS KMSThrottlingException, is not one of them: a
/// transient fault then fails the original and not the rewrite.)
#[test]
fn correct_alternatives_are_proven() {
    let alternatives: Vec<(String, Value)> = vec![
        mutated("SaveOrder", |s| {
            s["Resource"] = json!("arn:aws:states:::aws-sdk:dynamodb:putItem");
            s["Retry"][0]["ErrorEquals"] = json!([
                "DynamoDb.ProvisionedThroughputExceededException",
                "DynamoDb.ThrottlingException",
                "DynamoDb.RequestLimitExceededException",
                "DynamoDb.InternalServerErrorException"
            ]);
        }),
        mutated("NotifyWarehouse", |s| {
            let p = s["Parameters"].as_object_mut().unwrap();
            p.remove("MessageBody.$");
            p.insert("MessageBody.$".into(), json!("States.JsonToString($)"));
        }),
        // (aws-sdk:eventbridge:putEvents with an object Detail is not among them: the simulated
        // EventBridge rejects the entry, and an aws-sdk integration ignores FailedEntryCount.)
        mutated("EmitOrderPlaced", |s| {
            s["Retry"][0]["MaxAttempts"] = json!(4)
        }),
        mutated("NotifyCustomer", |s| {
            s["Retry"][0]["MaxAttempts"] = json!(3);
            s["Retry"][0]["IntervalSeconds"] = json!(2);
        }),
    ];
    for (state, s) in alternatives {
        let r = prove_one(&state, s, 60);
        assert!(r.equivalent(), "{state}: {}", report::text(&r));
    }
}

mod cli {
    use assert_cmd::Command;
    use serde_json::Value;

    fn verify() -> Command {
        Command::cargo_bin("lambdaless").unwrap()
    }

    /// `verify fixtures/order-service --samples 5 --no-faults`.
    const QUICK_VERIFY: [&str; 5] = [
        "verify",
        "fixtures/order-service",
        "--samples",
        "5",
        "--no-faults",
    ];

    #[test]
    fn json_report_of_the_fixture_with_the_generated_rewrite() {
        let out = verify()
            .args([
                "verify",
                "fixtures/order-service",
                "--samples",
                "20",
                "--no-faults",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        let machine = &report["machines"][0];
        assert_eq!(machine["state_machine"], "OrderWorkflow");
        assert_eq!(machine["tasks"].as_array().unwrap().len(), 4);
        let code = out.status.code().unwrap();
        assert_eq!(code, if report["equivalent"] == true { 0 } else { 1 });
    }

    #[test]
    fn mock_config_with_several_test_cases_needs_test_case() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mocks.json");
        let priced = serde_json::json!({"0": {"Return": {"Payload": {"orderId": "o", "items": [], "total": 1}}}});
        std::fs::write(
            &file,
            serde_json::json!({
                "StateMachines": {"OrderWorkflow": {"TestCases": {
                    "a": {"PriceOrder": "P"}, "b": {"PriceOrder": "P"}}}},
                "MockedResponses": {"P": priced}
            })
            .to_string(),
        )
        .unwrap();
        let out = verify()
            .args(QUICK_VERIFY)
            .arg("--mock-config")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("mocks.json") && err.contains("a, b"), "{err}");
        let out = verify()
            .args(QUICK_VERIFY)
            .arg("--mock-config")
            .arg(&file)
            .args(["--test-case", "b", "--format", "json"])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        assert_eq!(report["machines"][0]["tasks"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn inputs_from_an_execution_history_export() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("history.json");
        // `aws stepfunctions get-execution-history` output: the input is JSON text.
        let input = r#"{"orderId":"ord-from-history","customer":{"id":"c-1","email":"h@example.com"},"items":[]}"#;
        std::fs::write(
            &file,
            serde_json::json!({"events": [{
                "timestamp": "2026-11-20T10:00:00.000000+00:00", "type": "ExecutionStarted",
                "id": 1, "previousEventId": 0,
                "executionStartedEventDetails": {"input": input, "inputDetails": {"truncated": false},
                    "roleArn": "arn:aws:iam::123456789012:role/r"}}]})
            .to_string(),
        )
        .unwrap();
        let inputs_of = |extra: &[&std::ffi::OsStr]| {
            let out = verify()
                .args(QUICK_VERIFY)
                .args(["--format", "json"])
                .args(extra)
                .output()
                .unwrap();
            let report: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
            report["machines"][0]["whole_machine"]["inputs"]
                .as_u64()
                .unwrap()
        };
        let without = inputs_of(&[]);
        let with = inputs_of(&["--inputs".as_ref(), file.as_os_str()]);
        assert_eq!(with, without + 1);
    }

    #[test]
    fn bad_inputs_exit_2_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("broken.json"), "{\"orderId\": ").unwrap();
        let out = verify()
            .args(["verify", "fixtures/order-service", "--inputs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("broken.json"));
        let out = verify()
            .args(["verify", "no/such/project"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let out = verify()
            .args(["verify", "fixtures/order-service", "--mock", "PriceOrder={"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
    }
}

/// `rewrite --write` gates on the same proof `lambdaless verify` prints: on the order-service both
/// prove all four rewrites, so `--write` retires all four Lambdas and only PriceOrder remains.
#[test]
fn rewrite_write_gate_agrees_with_verify_cli() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("order-service");
    let status = std::process::Command::new("cp")
        .args(["-r", "fixtures/order-service"])
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let bin = assert_cmd::cargo::cargo_bin("lambdaless");
    let verify = std::process::Command::new(&bin)
        .arg("verify")
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let write = std::process::Command::new(&bin)
        .args(["rewrite", "--write"])
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(
        write.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&write.stdout)
    );
    let audit = std::process::Command::new(&bin)
        .args(["audit", "--format", "json"])
        .arg(&copy)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let states: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["PriceOrder"]);
}

/// Comparisons run on several threads; the report must not depend on how many (the first
/// counterexample and every count are those of the sequential loop).
#[test]
fn the_report_does_not_depend_on_the_number_of_threads() {
    let project = project();
    let (state, wrong) = mutated("SaveOrder", |s| {
        s.as_object_mut().unwrap().remove("Retry");
    });
    for (wrong_rewrite, plan) in [
        (false, plan_with(&project, &rewritten_states())),
        (true, plan_with(&project, &[(state.as_str(), wrong)])),
    ] {
        let mut reports = Vec::new();
        for threads in [1, 3] {
            let mut opts = options(60);
            opts.threads = threads;
            let r = prove(&project, &plan, &opts).unwrap();
            reports.push(serde_json::to_string(&r).unwrap());
        }
        assert_eq!(reports[0], reports[1]);
        assert_eq!(reports[0].contains("\"not-equivalent\""), wrong_rewrite);
    }
}

mod mock_config {
    use super::*;
    use lambdaless::verify::backend::CallOrigin;
    use lambdaless::verify::mock_file::MockConfigFile;

    fn with_mock(
        state: &str,
        new_state: Value,
        responses: Value,
    ) -> lambdaless::verify::VerifyReport {
        let project = project();
        let plan = plan_with(&project, &[(state, new_state)]);
        let mut opts = options_besides(30, state);
        let mut case = serde_json::Map::new();
        for name in responses.as_object().unwrap().keys() {
            case.insert(name.clone(), json!(name));
        }
        opts.mock_config = Some(MockConfigFile {
            path: "mock.json".into(),
            config: json!({
                "StateMachines": {"OrderWorkflow": {"TestCases": {"t": case}}},
                "MockedResponses": responses
            }),
            test_case: None,
        });
        prove(&project, &plan, &opts).unwrap()
    }

    fn careful(state: &str) -> Value {
        mutated(state, |_| {}).1
    }

    #[test]
    fn a_failing_mocked_task_fails_both_versions_alike() {
        let r = with_mock(
            "SaveOrder",
            careful("SaveOrder"),
            json!({"PriceOrder": {"0": {"Throw": {"Error": "Pricing.Down", "Cause": "mocked"}}}}),
        );
        let t = &r.machines[0].tasks[0];
        // Every execution stops at PriceOrder, so SaveOrder is never reached: nothing is proven.
        assert_eq!(t.verdict, Verdict::Inconclusive, "{}", report::text(&r));
        assert!(t.reason.as_deref().unwrap().contains("SaveOrder"));
    }

    #[test]
    fn the_mocked_answer_feeds_both_versions_and_its_calls_are_compared() {
        let (state, wrong) = mutated("SaveOrder", |s| {
            s["Parameters"]["Item"]["orderId"] = json!({"S.$": "$.orderID"})
        });
        let priced = json!({"PriceOrder": {"0": {"Return": {"Payload":
            {"orderId": "ord-9", "items": [], "customer": {"id": "c", "email": "e@x"}, "total": 3, "discount": 0}}}}});
        let ok = with_mock(&state, careful(&state), priced.clone());
        assert!(ok.equivalent(), "{}", report::text(&ok));
        let r = with_mock(&state, wrong, priced);
        let c = r.machines[0].tasks[0]
            .counterexample
            .as_ref()
            .expect("the wrong path is still caught");
        for run in [&c.original, &c.rewritten] {
            let first = &run.calls[0];
            assert_eq!(
                (first.state.as_str(), first.origin),
                ("PriceOrder", CallOrigin::MockConfig)
            );
        }
    }

    #[test]
    fn mock_entries_for_the_rewritten_state_are_ignored() {
        let (state, wrong) = mutated("SaveOrder", |s| {
            s["Parameters"]["Item"]["orderId"] = json!({"S.$": "$.orderID"})
        });
        // Were SaveOrder answered by the mock, both versions would agree and hide the mistake.
        let r = with_mock(
            &state,
            wrong,
            json!({"SaveOrder": {"0-99": {"Return": {}}}}),
        );
        assert_eq!(r.machines[0].tasks[0].verdict, Verdict::NotEquivalent);
    }
}

/// Time limits: the Task answers after its TimeoutSeconds in both versions, so the States.Timeout
/// Retry/Catch paths are compared.
mod timeouts {
    use super::*;
    use lambdaless::verify::faults::FaultMode;

    /// The project with SaveOrder limited to 10 s and retried once on States.Timeout.
    fn limited_project() -> lambdaless::discover::model::Project {
        let mut project = project();
        let save = project.state_machines[0]
            .definition
            .pointer_mut("/States/SaveOrder")
            .unwrap();
        limit(save);
        project
    }

    fn limit(state: &mut Value) {
        state["TimeoutSeconds"] = json!(10);
        let retry = state["Retry"].as_array_mut().unwrap();
        retry.insert(
            0,
            json!({"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 1}),
        );
    }

    fn prove_limited(f: impl Fn(&mut Value)) -> lambdaless::verify::VerifyReport {
        let project = limited_project();
        let (state, mut s) = mutated("SaveOrder", |_| {});
        limit(&mut s);
        f(&mut s);
        let plan = plan_with(&project, &[(state.as_str(), s)]);
        let opts = options_besides(20, &state);
        prove(&project, &plan, &opts).unwrap()
    }

    #[test]
    fn the_same_limits_are_proven_with_timeout_scenarios() {
        let with = prove_limited(|_| {});
        assert!(with.equivalent(), "{}", report::text(&with));
        // Two more scenarios than without a limit: States.Timeout on every attempt and on the first.
        let without = prove_one("SaveOrder", mutated("SaveOrder", |_| {}).1, 20);
        assert_eq!(
            with.machines[0].tasks[0].fault_scenarios,
            without.machines[0].tasks[0].fault_scenarios + 2
        );
    }

    /// With the function's Timeout (5 s) shorter than the Task's (10 s), Lambda stops the
    /// original first: it fails with Sandbox.Timedout where the rewrite meets States.Timeout.
    #[test]
    fn a_function_timeout_shorter_than_the_task_limit_stops_the_original() {
        let mut project = limited_project();
        for f in &mut project.functions {
            f.timeout_s = Some(5);
        }
        let (state, mut s) = mutated("SaveOrder", |_| {});
        limit(&mut s);
        let plan = plan_with(&project, &[(state.as_str(), s)]);
        let r = prove(&project, &plan, &options_besides(20, &state)).unwrap();
        let c = r.machines[0].tasks[0]
            .counterexample
            .as_ref()
            .expect("the function timeout is a difference");
        assert_eq!(c.fault.as_ref().unwrap().error.name, "States.Timeout");
        let original = serde_json::to_string(&c.original.history).unwrap();
        assert!(original.contains("Sandbox.Timedout"), "{original}");
        // The configured 10 s of the fixture is not shorter than the Task's limit: proven.
        assert!(prove_limited(|_| {}).equivalent());
    }

    #[test]
    fn a_lost_timeout_retry_or_limit_is_caught() {
        let no_retry = prove_limited(|s| {
            s["Retry"].as_array_mut().unwrap().remove(0);
        });
        let c = no_retry.machines[0].tasks[0]
            .counterexample
            .as_ref()
            .expect("the dropped States.Timeout retrier is caught");
        let fault = c.fault.as_ref().unwrap();
        assert_eq!(fault.error.name, "States.Timeout");
        assert!(matches!(
            fault.mode,
            FaultMode::Persistent | FaultMode::Transient
        ));
        assert!(
            fault.describe().contains("past its TimeoutSeconds"),
            "{}",
            fault.describe()
        );

        let no_limit = prove_limited(|s| {
            s.as_object_mut().unwrap().remove("TimeoutSeconds");
        });
        let c = no_limit.machines[0].tasks[0]
            .counterexample
            .as_ref()
            .unwrap();
        // The original times out and ends in its Catch; the rewrite waits and goes on.
        assert_eq!(c.fault.as_ref().unwrap().error.name, "States.Timeout");
        assert_ne!(c.original.path, c.rewritten.path);
    }
}

/// PutEvents rejecting entries: the forwarding Lambda returns normally, events:putEvents fails
/// with EventBridge.FailedEntry; the report says so and accepts exactly that change.
#[test]
fn eventbridge_partial_failure_is_reported_for_each_version() {
    let r = prove_one("EmitOrderPlaced", mutated("EmitOrderPlaced", |_| {}).1, 20);
    let t = &r.machines[0].tasks[0];
    let p = t.partial_failure.as_ref().expect("observed");
    assert!(!p.same && p.accepted, "{p:?}");
    assert!(p.original.starts_with("SUCCEEDED"), "{}", p.original);
    assert!(
        p.rewritten.contains("EventBridge.FailedEntry"),
        "{}",
        p.rewritten
    );
    assert_eq!(t.verdict, Verdict::Proven, "{}", report::text(&r));
    let text = report::text(&r);
    assert!(
        text.contains("FailedEntryCount > 0 (every entry rejected) (accepted change)"),
        "{text}"
    );
    println!("{text}");
}

/// The report as users read it: text and JSON, proven and refuted.
mod report_snapshots {
    use super::*;

    #[test]
    fn proven_task_text() {
        let r = prove_one("SaveOrder", mutated("SaveOrder", |_| {}).1, 30);
        insta::assert_snapshot!(report::text(&r));
    }

    #[test]
    fn counterexample_text_and_json() {
        let (state, wrong) = mutated("SaveOrder", |s| {
            s["Parameters"]["Item"]["orderId"] = json!({"S.$": "$.orderID"})
        });
        let r = prove_one(&state, wrong, 30);
        insta::assert_snapshot!(report::text(&r));
        let mut task = serde_json::to_value(&r.machines[0].tasks[0]).unwrap();
        // Both runs carry their execution history (AWS event vocabulary) for side-by-side reading.
        let c = &mut task["counterexample"];
        for side in ["original", "rewritten"] {
            let run = c[side].as_object_mut().unwrap();
            let history = run.remove("history").expect("history in the JSON report");
            assert_eq!(history[0]["type"], "ExecutionStarted");
            // The simulated world's full contents belong to the services' own tests.
            run.remove("world");
        }
        c["differences"]
            .as_array_mut()
            .unwrap()
            .retain(|d| d["aspect"] != "world");
        insta::assert_json_snapshot!(task);
    }
}
