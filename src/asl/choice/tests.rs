use super::*;
use serde_json::json;

fn eval(rule: Value, input: Value) -> Result<bool, AslError> {
    let ctx = json!({"Execution": {"Name": "n"}});
    let mut vars = Map::new();
    vars.insert("limit".into(), json!(10));
    evaluate(
        &rule,
        &Scope {
            input: &input,
            context: &ctx,
            variables: Some(&vars),
        },
    )
}

fn t(rule: Value, input: Value) -> bool {
    eval(rule, input).unwrap()
}

#[test]
fn numeric_recorded() {
    // test_numeric_equals: 1 == 1.0, 0.0 == 0, 1.1 != 1, wrong types are false
    let r = |v: Value| json!({"Variable": "$.Variable", "NumericEquals": v});
    assert!(t(r(json!(1.0)), json!({"Variable": 1})));
    assert!(t(r(json!(0)), json!({"Variable": 0.0})));
    assert!(!t(r(json!(1)), json!({"Variable": 1.1})));
    for wrong in [
        json!(null),
        json!(""),
        json!([]),
        json!({"A": 0}),
        json!(false),
        json!(true),
        json!("1"),
    ] {
        assert!(!t(r(json!(1)), json!({ "Variable": wrong })));
    }
    // NumericEqualsPath: 2.22 == 2.22
    assert!(t(
        json!({"Variable": "$.Variable", "NumericEqualsPath": "$.Value"}),
        json!({"Variable": 2.22, "Value": 2.22})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "NumericLessThan": 1}),
        json!({"Variable": 0})
    ));
    assert!(!t(
        json!({"Variable": "$.Variable", "NumericLessThan": 0}),
        json!({"Variable": 0.0})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "NumericGreaterThanEqualsPath": "$.Value"}),
        json!({"Variable": 0.0, "Value": 0})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "NumericLessThanEqualsPath": "$.Value"}),
        json!({"Variable": 0, "Value": 1})
    ));
    assert!(t(
        json!({"Variable": "$.v", "NumericLessThanPath": "$limit"}),
        json!({"v": 9})
    ));
}

#[test]
fn string_recorded() {
    // test_string_operators: whitespace matters; "" >= ""; "A" < "AB"
    assert!(!t(
        json!({"Variable": "$.Variable", "StringEquals": "     "}),
        json!({"Variable": " "})
    ));
    assert!(!t(
        json!({"Variable": "$.Variable", "StringEquals": "\t\r\n"}),
        json!({"Variable": "\t\n"})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "StringGreaterThanEquals": ""}),
        json!({"Variable": ""})
    ));
    assert!(!t(
        json!({"Variable": "$.Variable", "StringGreaterThan": "A "}),
        json!({"Variable": "A"})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "StringLessThan": "AB"}),
        json!({"Variable": "A"})
    ));
    assert!(!t(
        json!({"Variable": "$.Variable", "StringLessThanPath": "$.Value"}),
        json!({"Variable": "", "Value": ""})
    ));
    assert!(!t(
        json!({"Variable": "$.Variable", "StringEquals": "HelloWorld"}),
        json!({"Variable": 0})
    ));
    // UTF-16 order: U+FFFD sorts after U+1F600 in Java (surrogates are 0xD83D...).
    assert!(t(
        json!({"Variable": "$.v", "StringGreaterThan": "\u{1F600}"}),
        json!({"v": "\u{FFFD}"})
    ));
}

#[test]
fn string_matches() {
    let m = |p: &str, s: &str| {
        t(
            json!({"Variable": "$.v", "StringMatches": p}),
            json!({ "v": s }),
        )
    };
    assert!(m("log-*.txt", "log-2024.txt"));
    assert!(m("*", ""));
    assert!(m("a*b*c", "aXXbYYc"));
    assert!(!m("a*b*c", "aXXbYY"));
    assert!(m("\\*lit", "*lit"));
    assert!(!m("\\*lit", "xlit"));
    assert!(m("back\\\\slash", "back\\slash"));
    assert!(m("**x", "abcx"));
    assert!(!t(
        json!({"Variable": "$.v", "StringMatches": "*"}),
        json!({"v": 1})
    ));
}

#[test]
fn boolean_and_type_tests_recorded() {
    // test_boolean_equals#0: null is not a boolean
    assert!(!t(
        json!({"Variable": "$.Variable", "BooleanEquals": true}),
        json!({"Variable": null})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "BooleanEqualsPath": "$.Value"}),
        json!({"Variable": false, "Value": false})
    ));
    // test_is_operators: IsBoolean false on null -> true; IsNumeric true on 0.0; IsPresent on null
    assert!(t(
        json!({"Variable": "$.Variable", "IsBoolean": false}),
        json!({"Variable": null})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "IsNumeric": true}),
        json!({"Variable": 0.0})
    ));
    assert!(!t(
        json!({"Variable": "$.Variable", "IsNumeric": true}),
        json!({"Variable": "2023-02-24"})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "IsNull": true}),
        json!({"Variable": null})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "IsString": true}),
        json!({"Variable": ""})
    ));
    assert!(t(
        json!({"Variable": "$.Variable", "IsPresent": true}),
        json!({"Variable": null})
    ));
    assert!(!t(
        json!({"Variable": "$.Variable", "IsPresent": false}),
        json!({"Variable": 0})
    ));
    assert!(t(
        json!({"Variable": "$.Nope", "IsPresent": false}),
        json!({})
    ));
    assert!(t(
        json!({"Variable": "$.v", "IsTimestamp": true}),
        json!({"v": "2012-10-09T19:00:55+01:00"})
    ));
    assert!(t(
        json!({"Variable": "$.v", "IsTimestamp": false}),
        json!({"v": "2012-10-09T19:00:55"})
    ));
}

#[test]
fn timestamps_recorded() {
    let r = |op: &str, v: &str| json!({"Variable": "$.Variable", op: v});
    assert!(t(
        r("TimestampEquals", "2012-10-09T19:00:55Z"),
        json!({"Variable": "2012-10-09T19:00:55Z"})
    ));
    assert!(!t(
        r("TimestampEquals", "2012-10-09T19:00:55Z"),
        json!({"Variable": ""})
    ));
    assert!(!t(
        r("TimestampEquals", "2012-10-09T19:00:55Z"),
        json!({"Variable": 0})
    ));
    assert!(t(
        r("TimestampGreaterThan", "2012-10-09T19:00:55Z"),
        json!({"Variable": "2012-10-09T19:00:56Z"})
    ));
    assert!(!t(
        r("TimestampLessThan", "2012-10-09T19:00:55Z"),
        json!({"Variable": "2012-10-09T19:00:55Z"})
    ));
    assert!(t(
        r("TimestampEquals", "2012-10-09T18:00:55Z"),
        json!({"Variable": "2012-10-09T19:00:55+01:00"})
    ));
    assert!(!t(
        json!({"Variable": "$.Variable", "TimestampGreaterThanPath": "$.Value"}),
        json!({"Variable": "2012-10-09T19:00:55Z", "Value": "2012-10-09T19:00:56Z"})
    ));
}

#[test]
fn and_or_not() {
    let input = json!({"type": "Private", "value": 22});
    let rule = json!({"And": [
        {"Variable": "$.value", "NumericGreaterThanEquals": 20},
        {"Variable": "$.value", "NumericLessThan": 30},
        {"Not": {"Variable": "$.type", "StringEquals": "Public"}},
        {"Or": [{"Variable": "$.x", "IsPresent": true}, {"Variable": "$.type", "StringMatches": "Pri*"}]}
    ], "Next": "X"});
    assert!(t(rule, input.clone()));
    assert!(!t(json!({"Or": []}), input.clone()));
    assert!(t(json!({"And": []}), input.clone()));
    // Short-circuit: the missing path in the second rule is never read.
    assert!(!t(
        json!({"And": [{"Variable": "$.value", "NumericEquals": 0}, {"Variable": "$.missing", "NumericEquals": 0}]}),
        input
    ));
}

#[test]
fn errors() {
    // A missing Variable fails the execution (state-choice.html), except for IsPresent.
    let e = eval(
        json!({"Variable": "$.missing", "NumericEquals": 1}),
        json!({}),
    )
    .unwrap_err();
    assert_eq!(e.error, "States.Runtime");
    assert!(e.cause.contains("'$.missing'"));
    assert!(eval(json!({"Variable": "$.missing", "IsNull": true}), json!({})).is_err());
    assert!(eval(
        json!({"Variable": "$.a", "NumericEqualsPath": "$.missing"}),
        json!({"a": 1})
    )
    .is_err());
    for bad in [
        json!({"Variable": "$.a"}),
        json!({"Variable": "$.a", "NumericEquals": 1, "StringEquals": "x"}),
        json!({"Variable": "$.a", "Bogus": 1}),
        json!({"Variable": "$.a", "NumericEquals": "1"}),
        json!({"Variable": "$.a", "BooleanLessThan": true}),
        json!({"Variable": "$.a", "TimestampEquals": "yesterday"}),
        json!({"NumericEquals": 1}),
        json!({"And": {}}),
        json!("rule"),
    ] {
        assert!(eval(bad.clone(), json!({"a": 1})).is_err(), "{bad}");
    }
}

#[test]
fn operator_names() {
    assert_eq!(
        Operator::from_name("NumericLessThanEqualsPath"),
        Some(Operator::Compare {
            family: Family::Numeric,
            cmp: Cmp::LessThanEquals,
            path: true
        })
    );
    assert_eq!(Operator::from_name("StringMatchesPath"), None);
    assert_eq!(
        Operator::from_name("BooleanEquals").map(Operator::takes_path),
        Some(false)
    );
}

/// Runs every recorded `choice_operators` case (../shared/asl-cases) through `evaluate`.
#[test]
fn all_recorded_choice_cases() {
    let Some(dir) = crate::asl::recorded_cases_dir() else {
        eprintln!("recorded cases not found; skipping");
        return;
    };
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("choice_operators.") {
            continue;
        }
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let states = case["definition"]["States"].as_object().unwrap();
        let choice = states.values().find(|s| s["Type"] == "Choice").unwrap();
        let rule = &choice["Choices"][0];
        let expected = case["expected"]["output"]["TestResult.$"] == "ConditionTrue";
        let got = eval(rule.clone(), case["input"].clone());
        assert_eq!(
            got,
            Ok(expected),
            "{name}: rule {rule} input {}",
            case["input"]
        );
        n += 1;
    }
    assert!(n >= 390, "only {n} choice cases found");
}

proptest::proptest! {
    #[test]
    fn random_rules_never_panic(op in "[A-Za-z]{0,30}", var in "\\$[a-z\\.\\[\\]0-9]{0,8}", s in "\\PC{0,12}", n in proptest::num::f64::ANY) {
        let input = json!({"a": 1, "b": "x", "c": [1], "d": null});
        let _ = eval(json!({"Variable": var, op.clone(): s}), input.clone());
        let _ = eval(json!({"Variable": var, op.clone(): n}), input.clone());
        let _ = eval(json!({"Not": {"Variable": var, op: true}}), input.clone());
        let _ = super::string_matches(&s, &s);
    }
}
