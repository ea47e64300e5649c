//! The order-service example (fixtures/order-service) rewritten from its discovered project and
//! hand-built handler models that mirror its handler sources. Snapshots hold each
//! new Task as a careful person would write it; the other tests check minimality, `git apply`,
//! and least-privilege IAM.

use super::*;
use crate::analysis::model::*;
use crate::discover::model::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/order-service")
}

fn ev(path: &[&str]) -> ValueExpr {
    ValueExpr::Event {
        path: path.iter().map(|s| PathSeg::Field(s.to_string())).collect(),
    }
}
fn lit(v: Value) -> ValueExpr {
    ValueExpr::Literal { value: v }
}
fn env(name: &str) -> ValueExpr {
    ValueExpr::Env {
        name: name.into(),
        value: None,
    }
}
fn field(key: &str, value: ValueExpr) -> ObjectEntry {
    ObjectEntry::Field {
        key: key.into(),
        value,
    }
}
fn obj(entries: Vec<ObjectEntry>) -> ValueExpr {
    ValueExpr::Object { entries }
}
fn result(path: &[&str]) -> ValueExpr {
    ValueExpr::SdkResult {
        call: 0,
        path: path.iter().map(|s| PathSeg::Field(s.to_string())).collect(),
    }
}

fn model(
    file: &str,
    language: Language,
    function: &str,
    call: Option<(&str, &str, SdkFlavor, ValueExpr)>,
    returns: Option<ValueExpr>,
    verdict: Verdict,
) -> HandlerModel {
    HandlerModel {
        file: file.into(),
        language,
        function: function.into(),
        event_reads: vec![],
        env_reads: vec![],
        calls: call
            .into_iter()
            .map(|(service, action, flavor, params)| SdkCall {
                service: service.into(),
                action: action.into(),
                flavor,
                params,
                span: Span { line: 1, column: 1 },
            })
            .collect(),
        returns,
        throws: vec![],
        verdict,
        reasons: vec![],
    }
}

/// Handler models for functions 1..=4 (0, PriceOrder, is not replaceable).
pub(crate) fn models() -> Vec<(usize, HandlerModel)> {
    let mut price = model(
        "src/price-order/index.js",
        Language::Javascript,
        "handler",
        None,
        None,
        Verdict::NotReplaceable,
    );
    price.calls = vec![
        SdkCall {
            service: "dynamodb".into(),
            action: "GetItem".into(),
            flavor: SdkFlavor::JsV3,
            params: lit(json!({})),
            span: Span::default(),
        };
        2
    ];
    vec![
        (0, price),
        (
            1,
            model(
                "src/save-order/index.js",
                Language::Javascript,
                "handler",
                Some((
                    "dynamodb",
                    "PutItem",
                    SdkFlavor::JsDocumentClient,
                    obj(vec![
                        field("TableName", env("TABLE_NAME")),
                        field(
                            "Item",
                            obj(vec![
                                field("orderId", ev(&["orderId"])),
                                field("status", lit(json!("received"))),
                                field(
                                    "items",
                                    ValueExpr::JsonStringify {
                                        value: Box::new(ev(&["items"])),
                                        style: JsonStyle::Compact,
                                    },
                                ),
                            ]),
                        ),
                    ]),
                )),
                None,
                Verdict::ReplaceableWithTransform,
            ),
        ),
        (
            2,
            model(
                "src/notify_warehouse/app.py",
                Language::Python,
                "lambda_handler",
                Some((
                    "sqs",
                    "SendMessage",
                    SdkFlavor::Boto3Client,
                    obj(vec![
                        field("QueueUrl", env("QUEUE_URL")),
                        field(
                            "MessageBody",
                            ValueExpr::JsonStringify {
                                value: Box::new(ev(&[])),
                                style: JsonStyle::PythonDefault,
                            },
                        ),
                    ]),
                )),
                Some(obj(vec![field("messageId", result(&["MessageId"]))])),
                Verdict::ReplaceableWithTransform,
            ),
        ),
        (
            3,
            model(
                "src/notify-customer/app.ts",
                Language::Typescript,
                "handler",
                Some((
                    "sns",
                    "Publish",
                    SdkFlavor::JsV3,
                    obj(vec![
                        field("TopicArn", env("TOPIC_ARN")),
                        field("Subject", lit(json!("Order received"))),
                        field(
                            "Message",
                            ValueExpr::Template {
                                parts: vec![
                                    TemplatePart::Text {
                                        text: "Your order ".into(),
                                    },
                                    TemplatePart::Expr {
                                        value: ev(&["orderId"]),
                                    },
                                    TemplatePart::Text {
                                        text: " has been received".into(),
                                    },
                                ],
                            },
                        ),
                    ]),
                )),
                Some(obj(vec![field("messageId", result(&["MessageId"]))])),
                Verdict::ReplaceableWithTransform,
            ),
        ),
        (
            4,
            model(
                "src/emit-event/index.js",
                Language::Javascript,
                "handler",
                Some((
                    "events",
                    "PutEvents",
                    SdkFlavor::JsV2,
                    obj(vec![field(
                        "Entries",
                        ValueExpr::Array {
                            items: vec![obj(vec![
                                field("EventBusName", env("EVENT_BUS_NAME")),
                                field("Source", lit(json!("com.example.orders"))),
                                field("DetailType", lit(json!("OrderPlaced"))),
                                field(
                                    "Detail",
                                    ValueExpr::JsonStringify {
                                        value: Box::new(obj(vec![
                                            field("orderId", ev(&["orderId"])),
                                            field("total", ev(&["total"])),
                                        ])),
                                        style: JsonStyle::Compact,
                                    },
                                ),
                            ])],
                        },
                    )]),
                )),
                Some(result(&[])),
                Verdict::ReplaceableWithTransform,
            ),
        ),
    ]
}

/// The project as discovery finds fixtures/order-service.
pub(crate) fn project() -> Project {
    crate::discover::discover(&root()).expect("the order-service example is discovered")
}

fn full_plan() -> RewritePlan {
    plan(&project(), &models(), &RewriteOptions::default())
}

fn task<'a>(plan: &'a RewritePlan, state: &str) -> &'a RewrittenTask {
    plan.tasks
        .iter()
        .find(|t| t.state == state)
        .unwrap_or_else(|| panic!("{state} not rewritten; skipped: {:?}", plan.skipped))
}

#[test]
fn rewrites_the_four_replaceable_tasks_and_skips_price_order() {
    let plan = full_plan();
    let states: Vec<&str> = plan.tasks.iter().map(|t| t.state.as_str()).collect();
    assert_eq!(
        states,
        [
            "SaveOrder",
            "NotifyWarehouse",
            "NotifyCustomer",
            "EmitOrderPlaced"
        ]
    );
    assert_eq!(plan.skipped.len(), 1);
    assert_eq!(plan.skipped[0].state, "PriceOrder");
    assert!(plan.skipped[0].reason.contains("not-replaceable"));
    assert_eq!(
        plan.unused_functions,
        [
            "SaveOrderFunction",
            "NotifyWarehouseFunction",
            "NotifyCustomerFunction",
            "EmitEventFunction"
        ]
    );
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn snapshot_save_order() {
    let plan = full_plan();
    let t = task(&plan, "SaveOrder");
    insta::assert_json_snapshot!("save_order", t.rewritten);
    insta::assert_json_snapshot!("save_order_notes", t.notes);
}

#[test]
fn snapshot_notify_warehouse() {
    let plan = full_plan();
    let t = task(&plan, "NotifyWarehouse");
    insta::assert_json_snapshot!("notify_warehouse", t.rewritten);
    insta::assert_json_snapshot!("notify_warehouse_notes", t.notes);
}

#[test]
fn snapshot_notify_customer() {
    let plan = full_plan();
    let t = task(&plan, "NotifyCustomer");
    insta::assert_json_snapshot!("notify_customer", t.rewritten);
}

#[test]
fn snapshot_emit_order_placed() {
    let plan = full_plan();
    let t = task(&plan, "EmitOrderPlaced");
    insta::assert_json_snapshot!("emit_order_placed", t.rewritten);
}

#[test]
fn snapshot_diffs_and_iam() {
    let plan = full_plan();
    let diffs: String = plan.edits.iter().map(|e| e.diff.clone()).collect();
    insta::assert_snapshot!("order_service_patch", diffs);
    insta::assert_json_snapshot!(
        "order_service_iam",
        json!({"add": plan.iam_add, "remove": plan.iam_remove})
    );
}

#[test]
fn definitions_resolve_the_new_substitutions() {
    let plan = full_plan();
    let (smi, def) = &plan.definitions[0];
    assert_eq!(*smi, 0);
    assert_eq!(
        def["States"]["SaveOrder"]["Parameters"]["TableName"],
        "orders"
    );
    assert_eq!(
        def["States"]["NotifyWarehouse"]["Parameters"]["QueueUrl"],
        "https://sqs.us-east-1.amazonaws.com/123456789012/warehouse-orders"
    );
    assert_eq!(
        def["States"]["NotifyCustomer"]["Parameters"]["TopicArn"],
        "arn:aws:sns:us-east-1:123456789012:customer-notifications"
    );
    assert_eq!(
        def["States"]["EmitOrderPlaced"]["Parameters"]["Entries"][0]["EventBusName"],
        "orders"
    );
    // PriceOrder keeps discovery's resolved function ARN.
    assert_eq!(
        def["States"]["PriceOrder"]["Parameters"]["FunctionName"],
        "arn:aws:lambda:us-east-1:123456789012:function:${PriceOrderFunction}"
    );
    // The edited file parses to the same definition before substitution.
    let edit = plan
        .edits
        .iter()
        .find(|e| e.path.ends_with("order.asl.json"))
        .unwrap();
    let parsed: Value = serde_json::from_str(&edit.new_text).unwrap();
    for t in &plan.tasks {
        assert_eq!(parsed.pointer(&t.pointer).unwrap(), &t.rewritten);
    }
}

/// Every line the diff removes lies inside a rewritten state (or is a template line the IAM /
/// substitution change names): all other lines stay byte-identical.
#[test]
fn unchanged_lines_stay_byte_identical() {
    let plan = full_plan();
    let edit = plan
        .edits
        .iter()
        .find(|e| e.path.ends_with("order.asl.json"))
        .unwrap();
    let old = std::fs::read_to_string(&edit.path).unwrap();
    let mut state_lines = Vec::new();
    for t in &plan.tasks {
        let span = json_span::find_pointer(&old, &t.pointer).unwrap();
        let first = old[..span.start].matches('\n').count();
        let last = old[..span.end].matches('\n').count();
        state_lines.push(first..=last);
    }
    let diff = similar::TextDiff::from_lines(&old, &edit.new_text);
    for op in diff.ops() {
        if let similar::DiffOp::Delete {
            old_index, old_len, ..
        }
        | similar::DiffOp::Replace {
            old_index, old_len, ..
        } = *op
        {
            for line in old_index..old_index + old_len {
                assert!(
                    state_lines.iter().any(|r| r.contains(&line)),
                    "line {} changed outside a rewritten state: {:?}",
                    line + 1,
                    old.lines().nth(line)
                );
            }
        }
    }
    // Lines outside the states: same bytes, in order.
    let outside = |text: &str, ranges: &[std::ops::RangeInclusive<usize>]| -> Vec<String> {
        text.split_inclusive('\n')
            .enumerate()
            .filter(|(i, _)| !ranges.iter().any(|r| r.contains(i)))
            .map(|(_, l)| l.to_string())
            .collect()
    };
    let new = &edit.new_text;
    let mut new_ranges = Vec::new();
    for t in &plan.tasks {
        let span = json_span::find_pointer(new, &t.pointer).unwrap();
        new_ranges
            .push(new[..span.start].matches('\n').count()..=new[..span.end].matches('\n').count());
    }
    assert_eq!(outside(&old, &state_lines), outside(new, &new_ranges));

    let template = plan
        .edits
        .iter()
        .find(|e| e.path.ends_with("template.yaml"))
        .unwrap();
    let old_t = std::fs::read_to_string(&template.path).unwrap();
    let removed: Vec<&str> = similar::TextDiff::from_lines(&old_t, &template.new_text)
        .iter_all_changes()
        .filter(|c| c.tag() == similar::ChangeTag::Delete)
        .map(|c| c.value())
        .collect();
    for line in &removed {
        assert!(
            line.contains("LambdaInvokePolicy")
                || plan
                    .unused_functions
                    .iter()
                    .any(|f| line.contains(f.as_str())),
            "template line removed that is not about a retired function: {line:?}"
        );
    }
}

#[test]
fn patch_applies_with_git_apply() {
    let plan = full_plan();
    let dir = tempfile::tempdir().unwrap();
    for rel in ["template.yaml", "statemachine/order.asl.json"] {
        let dst = dir.path().join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(root().join(rel), &dst).unwrap();
    }
    let patch: String = plan.edits.iter().map(|e| e.diff.clone()).collect();
    let patch_file = dir.path().join("rewrite.patch");
    std::fs::write(&patch_file, &patch).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs")
    };
    let check = run(&["apply", "--check", "rewrite.patch"]);
    assert!(
        check.status.success(),
        "git apply --check failed: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(run(&["apply", "rewrite.patch"]).status.success());
    for e in &plan.edits {
        let rel = e.path.strip_prefix(root()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join(rel)).unwrap(),
            e.new_text,
            "{rel:?}"
        );
    }
}

#[test]
fn iam_is_least_privilege() {
    let plan = full_plan();
    let text = serde_json::to_string(&plan.iam_add).unwrap();
    assert!(!text.contains("\"*\""), "{text}");
    let actions: Vec<(String, Value)> = plan
        .iam_add
        .iter()
        .map(|s| (s["Action"].to_string(), s["Resource"].clone()))
        .collect();
    assert_eq!(
        actions,
        vec![
            (
                "[\"dynamodb:PutItem\"]".into(),
                json!([{"Fn::GetAtt": ["OrdersTable", "Arn"]}])
            ),
            (
                "[\"sqs:SendMessage\"]".into(),
                json!([{"Fn::GetAtt": ["WarehouseQueue", "Arn"]}])
            ),
            (
                "[\"sns:Publish\"]".into(),
                json!([{"Ref": "CustomerTopic"}])
            ),
            (
                "[\"events:PutEvents\"]".into(),
                json!([{"Fn::GetAtt": ["OrderEventBus", "Arn"]}])
            ),
        ]
    );
    assert_eq!(plan.iam_remove.len(), 4);
    assert!(plan
        .iam_remove
        .iter()
        .all(|s| s["Action"] == json!(["lambda:InvokeFunction"])));
    // PriceOrder still runs: its invoke permission stays.
    assert!(!serde_json::to_string(&plan.iam_remove)
        .unwrap()
        .contains("PriceOrderFunction"));
}

#[test]
fn only_and_exclude_select_tasks() {
    let p = project();
    let only = plan(
        &p,
        &models(),
        &RewriteOptions {
            only: vec!["NotifyCustomer".into()],
            ..Default::default()
        },
    );
    assert_eq!(only.tasks.len(), 1);
    assert_eq!(only.unused_functions, ["NotifyCustomerFunction"]);
    let excl = plan(
        &p,
        &models(),
        &RewriteOptions {
            exclude: vec!["SaveOrderFunction".into()],
            ..Default::default()
        },
    );
    assert_eq!(excl.tasks.len(), 3);
    assert!(excl
        .skipped
        .iter()
        .any(|s| s.state == "SaveOrder" && s.reason.contains("--exclude")));
    // SaveOrder still invokes its function: its substitution and policy stay in the template.
    let t = excl
        .edits
        .iter()
        .find(|e| e.path.ends_with("template.yaml"))
        .unwrap();
    assert!(t
        .new_text
        .contains("SaveOrderFunctionArn: !GetAtt SaveOrderFunction.Arn"));
    assert!(t.new_text.contains("FunctionName: !Ref SaveOrderFunction"));
}

#[test]
fn a_handler_that_returns_nothing_into_a_kept_result_gets_null_through_the_output_path() {
    let mut p = project();
    // Make SaveOrder keep its result: the original stored a null Payload at $.saved and the
    // OutputPath made that null the state's output.
    let state = p.state_machines[0]
        .raw_definition
        .pointer_mut("/States/SaveOrder")
        .unwrap();
    state["ResultPath"] = json!("$.saved");
    state["OutputPath"] = json!("$.saved.Payload");
    let plan = plan(&p, &models(), &RewriteOptions::default());
    let t = task(&plan, "SaveOrder");
    // A ResultSelector builds only objects: null goes into `value`, the OutputPath reads it.
    assert_eq!(t.rewritten["ResultSelector"], json!({"value": null}));
    assert_eq!(t.rewritten["ResultPath"], json!("$.saved"));
    assert_eq!(t.rewritten["OutputPath"], json!("$.saved.value"));
}

/// The real pipeline (discovery + handler analysis) gives the same plan as the hand-built models:
/// the snapshots above describe what `lambdaless rewrite fixtures/order-service` prints.
#[test]
fn analysed_handlers_give_the_same_rewrite() {
    let planned = pipeline::plan_path(&root(), &RewriteOptions::default()).unwrap();
    assert!(
        planned.handler_errors.is_empty(),
        "{:?}",
        planned.handler_errors
    );
    let hand = full_plan();
    let real: Vec<(&str, &Value)> = planned
        .plan
        .tasks
        .iter()
        .map(|t| (t.state.as_str(), &t.rewritten))
        .collect();
    let expected: Vec<(&str, &Value)> = hand
        .tasks
        .iter()
        .map(|t| (t.state.as_str(), &t.rewritten))
        .collect();
    assert_eq!(real, expected);
    assert_eq!(planned.plan.iam_add, hand.iam_add);
}
