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

/// Codes that say nothing specific about a fixture; every other code must match exactly.
const INCIDENTAL: &[&str] = &["env-unresolved", "returns-nothing", "single-sdk-call"];

#[test]
fn handler_fixtures_match_expected_verdicts_and_models() {
    let dir = root().join("fixtures/handlers");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let entries = expected.as_array().unwrap();
    assert!(entries.len() >= 60, "at least 60 handler fixtures");
    let mut failures = Vec::new();
    let mut langs = std::collections::BTreeMap::new();
    for e in entries {
        let file = e["file"].as_str().unwrap();
        let env: IndexMap<String, String> = e
            .get("env")
            .and_then(|v| v.as_object())
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        // Relative paths keep the snapshots machine-independent.
        let rel = PathBuf::from("fixtures/handlers").join(file);
        let function = e["function"].as_str().unwrap();
        let model = match analyze_file(&rel, function, &env) {
            Ok(m) => m,
            Err(err) => {
                failures.push(format!("{file}: {err}"));
                continue;
            }
        };
        *langs
            .entry((model.language.as_str(), model.verdict.as_str()))
            .or_insert(0) += 1;
        let json = serde_json::to_value(&model).unwrap();
        if json["verdict"] != e["verdict"] {
            failures.push(format!(
                "{file}: verdict {} != {}: {:?}",
                json["verdict"], e["verdict"], model.reasons
            ));
        }
        if json["language"] != e["language"] {
            failures.push(format!("{file}: language {}", json["language"]));
        }
        let calls: Vec<String> = model.calls.iter().map(|c| c.id()).collect();
        let want_calls: Vec<String> = serde_json::from_value(e["calls"].clone()).unwrap();
        if calls != want_calls {
            failures.push(format!("{file}: calls {calls:?} != {want_calls:?}"));
        }
        if let Some(flavor) = e.get("flavor") {
            if &json["calls"][0]["flavor"] != flavor {
                failures.push(format!("{file}: flavor {}", json["calls"][0]["flavor"]));
            }
        }
        let mut got: Vec<&str> = model
            .reasons
            .iter()
            .map(|r| r.code.as_str())
            .filter(|c| !INCIDENTAL.contains(c))
            .collect();
        got.sort();
        got.dedup();
        let want: Vec<String> = serde_json::from_value(e["reasons"].clone()).unwrap();
        if got != want {
            failures.push(format!("{file}: reasons {got:?} != {want:?}"));
        }
        for r in &model.reasons {
            if r.file != rel.display().to_string() {
                failures.push(format!("{file}: reason names file {}", r.file));
            }
        }
        if let Some(facts) = e.get("facts").and_then(|f| f.as_object()) {
            for (ptr, value) in facts {
                match json.pointer(ptr) {
                    Some(v) if v == value => {}
                    other => failures.push(format!("{file}: {ptr} = {other:?}, want {value}")),
                }
            }
        }
        let snap_name = file.replace(['/', '.'], "_");
        insta::assert_json_snapshot!(snap_name, model);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Both kinds in each language.
    for lang in ["javascript", "typescript", "python"] {
        for verdict in ["replaceable", "not-replaceable"] {
            assert!(
                langs.get(&(lang, verdict)).copied().unwrap_or(0) >= 2,
                "{lang}/{verdict}: {langs:?}"
            );
        }
    }
}

#[test]
fn analysis_is_deterministic() {
    let file = root().join("fixtures/handlers/js/helper-module/index.js");
    let a = analyze_file(&file, "handler", &IndexMap::new()).unwrap();
    let b = analyze_file(&file, "handler", &IndexMap::new()).unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

mod never_panics {
    use super::*;
    use lambdaless::analysis::analyze_source;
    use lambdaless::rules::Catalogue;
    use proptest::prelude::*;

    fn sources() -> &'static [(String, String)] {
        static SOURCES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
        SOURCES.get_or_init(load_sources)
    }

    fn load_sources() -> Vec<(String, String)> {
        let mut out = Vec::new();
        for dir in [
            "fixtures/handlers/js",
            "fixtures/handlers/ts",
            "fixtures/handlers/py",
        ] {
            for entry in std::fs::read_dir(root().join(dir)).unwrap() {
                let p = entry.unwrap().path();
                if p.is_file() {
                    let name = p.file_name().unwrap().to_string_lossy().to_string();
                    out.push((name, std::fs::read_to_string(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    fn run(name: &str, text: String) {
        let env = IndexMap::new();
        for export in ["handler", "lambda_handler"] {
            // Ok or InputError: both fine, a panic is not.
            let _ = analyze_source(
                Path::new(name),
                text.clone(),
                export,
                &env,
                Catalogue::builtin(),
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text(text in ".{0,400}", ext in prop::sample::select(vec!["x.js", "x.ts", "x.py", "x.mjs", "noext"])) {
            run(ext, text);
        }

        #[test]
        fn truncated_real_handlers(idx in 0usize..1000, cut in 0.0f64..1.0) {
            let all = sources();
            let (name, text) = &all[idx % all.len()];
            let mut at = (text.len() as f64 * cut) as usize;
            while !text.is_char_boundary(at) { at -= 1; }
            run(name, text[..at].to_string());
        }

        #[test]
        fn spliced_real_handlers(a in 0usize..1000, b in 0usize..1000, cut in 0.0f64..1.0) {
            // The head of one handler followed by the tail of another (same language family).
            let all = sources();
            let (name, t1) = &all[a % all.len()];
            let (_, t2) = &all[b % all.len()];
            let mut at = (t1.len() as f64 * cut) as usize;
            while !t1.is_char_boundary(at) { at -= 1; }
            let mut at2 = (t2.len() as f64 * cut) as usize;
            while !t2.is_char_boundary(at2) { at2 -= 1; }
            run(name, format!("{}{}", &t1[..at], &t2[at2..]));
        }
    }
}

#[test]
fn deeply_nested_source_does_not_exhaust_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 20_000;
    let js = dir.path().join("deep.js");
    std::fs::write(
        &js,
        format!(
            "exports.handler = async (event) => {{ return {}event.a{}; }};\n{}{}\n",
            "[".repeat(depth),
            "]".repeat(depth),
            "{".repeat(depth),
            "}".repeat(depth)
        ),
    )
    .unwrap();
    let m = analyze_file(&js, "handler", &IndexMap::new()).unwrap();
    assert_eq!(m.verdict, Verdict::NotReplaceable);
    let py = dir.path().join("deep.py");
    std::fs::write(
        &py,
        format!(
            "def lambda_handler(event, context):\n    return {}event['a']{}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        ),
    )
    .unwrap();
    // Ok or InputError, but no crash.
    let _ = analyze_file(&py, "lambda_handler", &IndexMap::new());
    let bad = dir.path().join("deep-bad.js");
    std::fs::write(&bad, format!("exports.handler = {};", "(".repeat(depth))).unwrap();
    assert!(analyze_file(&bad, "handler", &IndexMap::new()).is_err());
}
