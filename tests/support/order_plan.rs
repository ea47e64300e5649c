//! The order-service rewrite written by hand, as a careful person would (used by the verify tests
//! and the benchmark; the generated plan from `rewrite::plan` is checked against the same prover).

use lambdaless::analysis::model::*;
use lambdaless::discover::model::Project;
use lambdaless::rewrite::{RewritePlan, RewrittenTask};
use serde_json::{json, Value};

fn ev(path: &[&str]) -> ValueExpr {
    ValueExpr::Event {
        path: path.iter().map(|p| PathSeg::Field(p.to_string())).collect(),
    }
}

fn lit(v: Value) -> ValueExpr {
    ValueExpr::Literal { value: v }
}

fn env(name: &str, value: &str) -> ValueExpr {
    ValueExpr::Env {
        name: name.into(),
        value: Some(value.into()),
    }
}

fn obj(entries: Vec<(&str, ValueExpr)>) -> ValueExpr {
    ValueExpr::Object {
        entries: entries
            .into_iter()
            .map(|(k, v)| ObjectEntry::Field {
                key: k.into(),
                value: v,
            })
            .collect(),
    }
}

fn model(
    file: &str,
    language: Language,
    call: SdkCall,
    returns: Option<ValueExpr>,
) -> HandlerModel {
    HandlerModel {
        file: file.into(),
        language,
        function: "handler".into(),
        event_reads: vec![],
        env_reads: vec![],
        calls: vec![call],
        returns,
        throws: vec![],
        verdict: Verdict::Replaceable,
        reasons: vec![],
    }
}

fn call(service: &str, action: &str, flavor: SdkFlavor, params: ValueExpr) -> SdkCall {
    SdkCall {
        service: service.into(),
        action: action.into(),
        flavor,
        params,
        span: Span::default(),
    }
}

pub const QUEUE_URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/warehouse-orders";
pub const TOPIC_ARN: &str = "arn:aws:sns:us-east-1:123456789012:customer-notifications";

/// The four handler models, as the analysis describes the fixture's handlers.
pub fn models() -> Vec<(&'static str, HandlerModel)> {
    vec![
        (
            "SaveOrder",
            model(
                "src/save-order/index.js",
                Language::Javascript,
                call(
                    "dynamodb",
                    "PutItem",
                    SdkFlavor::JsDocumentClient,
                    obj(vec![
                        ("TableName", env("TABLE_NAME", "orders")),
                        (
                            "Item",
                            obj(vec![
                                ("orderId", ev(&["orderId"])),
                                ("status", lit(json!("received"))),
                                (
                                    "items",
                                    ValueExpr::JsonStringify {
                                        value: Box::new(ev(&["items"])),
                                        style: JsonStyle::Compact,
                                    },
                                ),
                            ]),
                        ),
                    ]),
                ),
                None,
            ),
        ),
        (
            "NotifyWarehouse",
            model(
                "src/notify_warehouse/app.py",
                Language::Python,
                call(
                    "sqs",
                    "SendMessage",
                    SdkFlavor::Boto3Client,
                    obj(vec![
                        ("QueueUrl", env("QUEUE_URL", QUEUE_URL)),
                        (
                            "MessageBody",
                            ValueExpr::JsonStringify {
                                value: Box::new(ev(&[])),
                                style: JsonStyle::PythonDefault,
                            },
                        ),
                    ]),
                ),
                Some(obj(vec![(
                    "messageId",
                    ValueExpr::SdkResult {
                        call: 0,
                        path: vec![PathSeg::Field("MessageId".into())],
                    },
                )])),
            ),
        ),
        (
            "NotifyCustomer",
            model(
                "src/notify-customer/app.ts",
                Language::Typescript,
                call(
                    "sns",
                    "Publish",
                    SdkFlavor::JsV3,
                    obj(vec![
                        ("TopicArn", env("TOPIC_ARN", TOPIC_ARN)),
                        ("Subject", lit(json!("Order received"))),
                        (
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
                ),
                Some(obj(vec![(
                    "messageId",
                    ValueExpr::SdkResult {
                        call: 0,
                        path: vec![PathSeg::Field("MessageId".into())],
                    },
                )])),
            ),
        ),
        (
            "EmitOrderPlaced",
            model(
                "src/emit-event/index.js",
                Language::Javascript,
                call(
                    "events",
                    "PutEvents",
                    SdkFlavor::JsV2,
                    obj(vec![(
                        "Entries",
                        ValueExpr::Array {
                            items: vec![obj(vec![
                                ("EventBusName", env("EVENT_BUS_NAME", "orders")),
                                ("Source", lit(json!("com.example.orders"))),
                                ("DetailType", lit(json!("OrderPlaced"))),
                                (
                                    "Detail",
                                    ValueExpr::JsonStringify {
                                        value: Box::new(obj(vec![
                                            ("orderId", ev(&["orderId"])),
                                            ("total", ev(&["total"])),
                                        ])),
                                        style: JsonStyle::Compact,
                                    },
                                ),
                            ])],
                        },
                    )]),
                ),
                Some(ValueExpr::SdkResult {
                    call: 0,
                    path: vec![],
                }),
            ),
        ),
    ]
}

/// The rewritten states (substitutions applied).
pub fn rewritten_states() -> Vec<(&'static str, Value)> {
    vec![
        (
            "SaveOrder",
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": "orders",
                    "Item": {
                        "orderId": {"S.$": "$.orderId"},
                        "status": {"S": "received"},
                        "items": {"S.$": "States.JsonToString($.items)"}
                    }
                },
                "ResultPath": null,
                "Retry": [{
                    "ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException",
                                    "DynamoDB.RequestLimitExceededException", "DynamoDB.InternalServerErrorException"],
                    "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2
                }],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "OrderFailed"}],
                "Next": "NotifyWarehouse"
            }),
        ),
        (
            "NotifyWarehouse",
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": QUEUE_URL, "MessageBody.$": "$"},
                "ResultSelector": {"messageId.$": "$.MessageId"},
                "ResultPath": "$.warehouse",
                "Retry": [{"ErrorEquals": ["SQS.RequestThrottledException"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}],
                "Next": "NotifyCustomer"
            }),
        ),
        (
            "NotifyCustomer",
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {
                    "TopicArn": TOPIC_ARN,
                    "Subject": "Order received",
                    "Message.$": "States.Format('Your order {} has been received', $.orderId)"
                },
                "ResultSelector": {"messageId.$": "$.MessageId"},
                "ResultPath": "$.notification",
                "Retry": [{"ErrorEquals": ["SNS.InternalErrorException"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}],
                "Next": "EmitOrderPlaced"
            }),
        ),
        (
            "EmitOrderPlaced",
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Parameters": {
                    "Entries": [{
                        "EventBusName": "orders",
                        "Source": "com.example.orders",
                        "DetailType": "OrderPlaced",
                        "Detail": {"orderId.$": "$.orderId", "total.$": "$.total"}
                    }]
                },
                "ResultPath": null,
                "Retry": [{"ErrorEquals": ["EventBridge.InternalException"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}],
                "Next": "OrderPlaced"
            }),
        ),
    ]
}

/// A plan from (state, rewritten state) pairs over the project's first state machine.
pub fn plan_with(project: &Project, states: &[(&str, Value)]) -> RewritePlan {
    let sm = &project.state_machines[0];
    let models = models();
    let mut def = sm.definition.clone();
    let mut tasks = Vec::new();
    for (state, new_state) in states {
        let pointer = format!("/States/{state}");
        let link = project
            .links
            .iter()
            .find(|l| l.state == *state)
            .expect("linked state");
        let model = models
            .iter()
            .find(|(s, _)| s == state)
            .expect("model")
            .1
            .clone();
        *def.pointer_mut(&pointer).expect("state") = new_state.clone();
        tasks.push(RewrittenTask {
            state_machine: 0,
            state: state.to_string(),
            pointer: pointer.clone(),
            function: link.function.expect("function"),
            original: sm
                .definition
                .pointer(&pointer)
                .cloned()
                .unwrap_or(Value::Null),
            rewritten: new_state.clone(),
            model,
            notes: vec![],
            added_states: vec![],
            entry: None,
        });
    }
    RewritePlan {
        tasks,
        definitions: vec![(0, def)],
        ..Default::default()
    }
}

pub fn project() -> Project {
    lambdaless::discover::discover(std::path::Path::new("fixtures/order-service"))
        .expect("fixture discovers")
}

/// PriceOrder is not rewritten; its mock adds the total and discount later states read.
pub fn options(samples: usize) -> lambdaless::verify::VerifyOptions {
    let mut o = lambdaless::verify::VerifyOptions {
        samples,
        ..Default::default()
    };
    o.lambda_mocks.insert(
        "PriceOrder".into(),
        lambdaless::verify::backend::LambdaMock::Merge(json!({"total": 16.1, "discount": 0})),
    );
    o
}

/// `options(samples)` with every modelled Task but `rewritten` simulated from its model: those
/// Tasks stay Lambdas in both versions.
pub fn options_besides(samples: usize, rewritten: &str) -> lambdaless::verify::VerifyOptions {
    let mut o = options(samples);
    for (other, m) in models() {
        if other != rewritten {
            o.simulate.insert(other.to_string(), m);
        }
    }
    o
}
