//! Handler analysis: the order-service example's verdicts, the handler fixture catalogue
//! (fixtures/handlers/expected.json) with model snapshots, and robustness (never panics).

use indexmap::IndexMap;
use lambdaless::analysis::analyze_file;
use lambdaless::analysis::model::{
    HandlerModel, JsonStyle, ObjectEntry, PathSeg, SdkFlavor, TemplatePart, ValueExpr, Verdict,
};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn order(path: &str, export: &str, e: &[(&str, &str)]) -> HandlerModel {
    let file = root().join("fixtures/order-service/src").join(path);
    analyze_file(&file, export, &env(e)).unwrap_or_else(|err| panic!("{err}"))
}

fn field<'a>(v: &'a ValueExpr, key: &str) -> &'a ValueExpr {
    match v {
        ValueExpr::Object { entries } => entries
            .iter()
            .find_map(|e| match e {
                ObjectEntry::Field { key: k, value } if k == key => Some(value),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no field {key} in {v:?}")),
        _ => panic!("not an object: {v:?}"),
    }
}

fn event(path: &[&str]) -> ValueExpr {
    ValueExpr::Event {
        path: path.iter().map(|p| PathSeg::Field(p.to_string())).collect(),
    }
}

fn codes(m: &HandlerModel) -> Vec<&str> {
    m.reasons.iter().map(|r| r.code.as_str()).collect()
}

#[test]
fn order_service_save_order() {
    let m = order(
        "save-order/index.js",
        "handler",
        &[("TABLE_NAME", "orders")],
    );
    assert_eq!(
        m.verdict,
        Verdict::ReplaceableWithTransform,
        "{:#?}",
        m.reasons
    );
    assert_eq!(m.calls.len(), 1);
    let call = &m.calls[0];
    assert_eq!(call.id(), "dynamodb:PutItem");
    assert_eq!(call.flavor, SdkFlavor::JsDocumentClient);
    assert_eq!(
        field(&call.params, "TableName"),
        &ValueExpr::Env {
            name: "TABLE_NAME".into(),
            value: Some("orders".into())
        }
    );
    let item = field(&call.params, "Item");
    assert_eq!(field(item, "orderId"), &event(&["orderId"]));
    assert_eq!(
        field(item, "status"),
        &ValueExpr::Literal {
            value: "received".into()
        }
    );
    assert_eq!(
        field(item, "items"),
        &ValueExpr::JsonStringify {
            value: Box::new(event(&["items"])),
            style: JsonStyle::Compact
        }
    );
    assert_eq!(m.returns, None);
    let c = codes(&m);
    assert!(c.contains(&"intrinsic-json-to-string"), "{c:?}");
    assert!(c.contains(&"dynamodb-marshalling"), "{c:?}");
    assert_eq!(m.env_reads, vec!["TABLE_NAME".to_string()]);
}

#[test]
fn order_service_notify_warehouse() {
    let m = order(
        "notify_warehouse/app.py",
        "lambda_handler",
        &[(
            "QUEUE_URL",
            "https://sqs.us-east-1.amazonaws.com/123456789012/warehouse-orders",
        )],
    );
    assert_eq!(m.verdict, Verdict::Replaceable, "{:#?}", m.reasons);
    let call = &m.calls[0];
    assert_eq!(call.id(), "sqs:SendMessage");
    assert_eq!(call.flavor, SdkFlavor::Boto3Client);
    assert_eq!(
        field(&call.params, "MessageBody"),
        &ValueExpr::JsonStringify {
            value: Box::new(event(&[])),
            style: JsonStyle::PythonDefault
        }
    );
    assert!(matches!(
        field(&call.params, "QueueUrl"),
        ValueExpr::Env { name, value: Some(_) } if name == "QUEUE_URL"
    ));
    let ret = m.returns.as_ref().unwrap();
    assert_eq!(
        field(ret, "messageId"),
        &ValueExpr::SdkResult {
            call: 0,
            path: vec![PathSeg::Field("MessageId".into())]
        }
    );
    // The byte-level difference of json.dumps is reported, but does not block.
    let r = m
        .reasons
        .iter()
        .find(|r| r.code == "json-serialization-bytes")
        .expect("byte-level note");
    assert!(r.message.contains("bytes differ"));
    assert_eq!(r.line, 12);
}

#[test]
fn order_service_notify_customer() {
    let m = order(
        "notify-customer/app.ts",
        "handler",
        &[(
            "TOPIC_ARN",
            "arn:aws:sns:us-east-1:123456789012:customer-notifications",
        )],
    );
    assert_eq!(
        m.verdict,
        Verdict::ReplaceableWithTransform,
        "{:#?}",
        m.reasons
    );
    let call = &m.calls[0];
    assert_eq!(call.id(), "sns:Publish");
    assert_eq!(call.flavor, SdkFlavor::JsV3);
    assert_eq!(
        field(&call.params, "Message"),
        &ValueExpr::Template {
            parts: vec![
                TemplatePart::Text {
                    text: "Your order ".into()
                },
                TemplatePart::Expr {
                    value: event(&["orderId"])
                },
                TemplatePart::Text {
                    text: " has been received".into()
                },
            ]
        }
    );
    assert_eq!(
        field(m.returns.as_ref().unwrap(), "messageId"),
        &ValueExpr::SdkResult {
            call: 0,
            path: vec![PathSeg::Field("MessageId".into())]
        }
    );
    assert!(codes(&m).contains(&"intrinsic-format"));
}

#[test]
fn order_service_emit_event() {
    let m = order(
        "emit-event/index.js",
        "handler",
        &[("EVENT_BUS_NAME", "orders")],
    );
    assert_eq!(m.verdict, Verdict::Replaceable, "{:#?}", m.reasons);
    let call = &m.calls[0];
    assert_eq!(call.id(), "events:PutEvents");
    assert_eq!(call.flavor, SdkFlavor::JsV2);
    let ValueExpr::Array { items } = field(&call.params, "Entries") else {
        panic!("Entries")
    };
    assert!(matches!(
        field(&items[0], "Detail"),
        ValueExpr::JsonStringify {
            style: JsonStyle::Compact,
            ..
        }
    ));
    assert_eq!(
        m.returns,
        Some(ValueExpr::SdkResult {
            call: 0,
            path: vec![]
        })
    );
    assert!(codes(&m).contains(&"json-object-param"));
}

#[test]
fn order_service_price_order() {
    let m = order("price-order/index.js", "handler", &[]);
    assert_eq!(m.verdict, Verdict::NotReplaceable);
    let c = codes(&m);
    for code in [
        "multiple-sdk-calls",
        "loop",
        "branching-on-data",
        "current-time",
    ] {
        assert!(c.contains(&code), "{code} missing from {c:?}");
    }
    let loop_reason = m.reasons.iter().find(|r| r.code == "loop").unwrap();
    assert_eq!(loop_reason.line, 20);
    assert!(loop_reason.file.ends_with("price-order/index.js"));
    assert_eq!(m.calls.len(), 2);
}

#[test]
fn missing_file_and_missing_export_are_input_errors() {
    let e = analyze_file(
        Path::new("/nonexistent/handler.js"),
        "handler",
        &IndexMap::new(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/handler.js"));
    let file = root().join("fixtures/order-service/src/save-order/index.js");
    let e = analyze_file(&file, "nope", &IndexMap::new()).unwrap_err();
    assert!(e.message.contains("nope"));
}

#[test]
fn unparsable_source_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.js");
    std::fs::write(
        &f,
        "exports.handler = async (event) => {\n  const x = ;\n};\n",
    )
    .unwrap();
    let e = analyze_file(&f, "handler", &IndexMap::new()).unwrap_err();
    assert_eq!(e.location.line, Some(2), "{e}");
    assert!(e.location.column.is_some());
    assert!(e.to_string().contains("bad.js:2:"), "{e}");
    let p = dir.path().join("bad.py");
    std::fs::write(
        &p,
        "def lambda_handler(event, context):\n    return {'a': \n",
    )
    .unwrap();
    let e = analyze_file(&p, "lambda_handler", &IndexMap::new()).unwrap_err();
    assert!(e.location.line.is_some(), "{e}");
}
