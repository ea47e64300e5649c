//! Checks for one state: its fields, transitions, paths, templates, Choice rules, Retry and Catch.

use super::fields::{allowed, needs_transition, JSONATA_ONLY, JSONPATH_ONLY, STATE_TYPES};
use super::{kind, ptr, MachineType, QueryLanguage, Validator};
use crate::asl::choice::{parse_timestamp, Operator};
use crate::asl::intrinsics;
use crate::asl::path::CompiledPath;
use serde_json::{Map, Value};

type States = Map<String, Value>;

pub(crate) fn check(
    v: &mut Validator,
    _name: &str,
    st: &Map<String, Value>,
    sp: &str,
    siblings: &States,
    inherited: QueryLanguage,
) {
    let ty = match st.get("Type") {
        None => {
            v.error(sp, "missing required field 'Type'");
            return;
        }
        Some(Value::String(t)) if STATE_TYPES.contains(&t.as_str()) => t.as_str(),
        Some(other) => {
            v.error(
                &ptr(sp, "Type"),
                format!(
                    "unknown state type {other}; expected one of {}",
                    STATE_TYPES.join(", ")
                ),
            );
            return;
        }
    };
    let mut ql = inherited;
    if let Some(q) = st.get("QueryLanguage") {
        if let Some(q) = v.query_language(q, &ptr(sp, "QueryLanguage")) {
            // AWS: "If JSONata is specified at the top level, JSONPath cannot be used in the state
            // machine definition" (aws-cdk QueryLanguage docs, transforming-data.html).
            if v.top_ql == QueryLanguage::Jsonata && q == QueryLanguage::JsonPath {
                v.error(
                    &ptr(sp, "QueryLanguage"),
                    "a state cannot use JSONPath when the state machine's QueryLanguage is JSONata",
                );
            }
            ql = q;
        }
    }
    let ok_fields = allowed(ty, ql);
    for k in st.keys() {
        let k = k.as_str();
        if matches!(k, "Type" | "Comment" | "QueryLanguage") || ok_fields.contains(&k) {
            continue;
        }
        let p = ptr(sp, k);
        if (k == "Next" || k == "End") && !needs_transition(ty) {
            v.error(&p, format!("a {ty} state cannot have '{k}'"));
        } else if ql == QueryLanguage::Jsonata && JSONPATH_ONLY.contains(&k) {
            v.error(
                &p,
                format!(
                    "'{k}' is a JSONPath field; JSONata states use Arguments and Output instead"
                ),
            );
        } else if ql == QueryLanguage::JsonPath && (JSONATA_ONLY.contains(&k) || k == "Condition") {
            v.error(&p, format!("'{k}' is only allowed in JSONata states"));
        } else {
            v.error(&p, format!("unknown field '{k}' for a {ty} state"));
        }
    }
    if let Some(c) = st.get("Comment") {
        v.expect_string(c, &ptr(sp, "Comment"));
    }
    if needs_transition(ty) {
        transition(v, st, sp, siblings);
    }
    if ql == QueryLanguage::JsonPath {
        jsonpath_fields(v, st, sp);
    } else {
        for k in ["Arguments", "Output", "Assign", "Items", "ItemSelector"] {
            if let Some(x) = st.get(k) {
                jsonata_value(v, x, &ptr(sp, k));
            }
        }
    }
    if let Some(c) = st.get("Credentials") {
        if ql == QueryLanguage::JsonPath {
            template(v, c, &ptr(sp, "Credentials"));
        }
    }
    match ty {
        "Task" => task(v, st, sp, ql),
        "Choice" => choice(v, st, sp, siblings, ql),
        "Wait" => wait(v, st, sp, ql),
        "Fail" => {
            exclusive(v, st, sp, &["Error", "ErrorPath"]);
            exclusive(v, st, sp, &["Cause", "CausePath"]);
            if ql == QueryLanguage::JsonPath {
                for k in ["Error", "Cause"] {
                    if let Some(x) = st.get(k) {
                        v.expect_string(x, &ptr(sp, k));
                    }
                }
            }
        }
        "Parallel" => parallel(v, st, sp, ql),
        "Map" => map(v, st, sp, ql),
        _ => {}
    }
    if matches!(ty, "Task" | "Parallel" | "Map") {
        retry(v, st, sp);
        catch(v, st, sp, siblings, ql);
    }
}

fn transition(v: &mut Validator, st: &Map<String, Value>, sp: &str, siblings: &States) {
    match (st.get("Next"), st.get("End")) {
        (None, None) => v.error(sp, "a state needs either 'Next' or 'End': true"),
        (Some(_), Some(_)) => v.error(&ptr(sp, "End"), "a state cannot have both 'Next' and 'End'"),
        (Some(n), None) => target(v, n, &ptr(sp, "Next"), siblings),
        (None, Some(e)) => {
            if e != &Value::Bool(true) {
                v.error(
                    &ptr(sp, "End"),
                    "'End' must be true (use 'Next' to continue)",
                );
            }
        }
    }
}

fn target(v: &mut Validator, n: &Value, p: &str, siblings: &States) {
    match n.as_str() {
        None => v.error(p, format!("must be a state name, found {}", kind(n))),
        Some(t) if !siblings.contains_key(t) => {
            v.error(p, format!("'{t}' is not a state of this machine or branch"))
        }
        _ => {}
    }
}

fn exclusive(v: &mut Validator, st: &Map<String, Value>, sp: &str, keys: &[&str]) {
    let present: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| st.contains_key(*k))
        .collect();
    if present.len() > 1 {
        v.error(
            &ptr(sp, present[1]),
            format!(
                "'{}' and '{}' cannot be used together",
                present[0], present[1]
            ),
        );
    }
}

/// A JSONPath path field; `reference` requires a ResultPath-style reference path.
fn path_field(v: &mut Validator, x: &Value, p: &str, nullable: bool, reference: bool) {
    match x {
        Value::Null if nullable => {}
        Value::String(s) => match CompiledPath::parse(s) {
            Err(e) => v.error(p, e.cause),
            Ok(cp) if reference && !cp.is_reference_path() => v.error(
                p,
                format!("'{s}' must be a reference path: '$' followed by names and indices only"),
            ),
            Ok(_) => {}
        },
        other => v.error(
            p,
            format!("must be a JSONPath string, found {}", kind(other)),
        ),
    }
}

/// A path or an intrinsic function (ErrorPath, CausePath, `.$` values).
fn path_or_intrinsic(v: &mut Validator, s: &str, p: &str) {
    if intrinsics::is_intrinsic(s) {
        if let Err(e) = intrinsics::parse(s) {
            v.error(p, e.cause);
        }
    } else if let Err(e) = CompiledPath::parse(s) {
        v.error(p, e.cause);
    }
}

fn jsonpath_fields(v: &mut Validator, st: &Map<String, Value>, sp: &str) {
    for k in ["InputPath", "OutputPath"] {
        if let Some(x) = st.get(k) {
            path_field(v, x, &ptr(sp, k), true, false);
        }
    }
    if let Some(x) = st.get("ResultPath") {
        path_field(v, x, &ptr(sp, "ResultPath"), true, true);
    }
    if let Some(x) = st.get("ItemsPath") {
        path_field(v, x, &ptr(sp, "ItemsPath"), false, false);
    }
    for k in [
        "SecondsPath",
        "TimestampPath",
        "TimeoutSecondsPath",
        "HeartbeatSecondsPath",
        "MaxConcurrencyPath",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentagePath",
    ] {
        if let Some(x) = st.get(k) {
            path_field(v, x, &ptr(sp, k), false, false);
        }
    }
    for k in ["ErrorPath", "CausePath"] {
        match st.get(k) {
            Some(Value::String(s)) => path_or_intrinsic(v, s, &ptr(sp, k)),
            Some(other) => v.error(
                &ptr(sp, k),
                format!("must be a string, found {}", kind(other)),
            ),
            None => {}
        }
    }
    for k in ["Parameters", "ResultSelector", "ItemSelector", "Assign"] {
        if let Some(x) = st.get(k) {
            let p = ptr(sp, k);
            if k != "Parameters" && k != "Assign" && !x.is_object() {
                v.error(&p, format!("must be an object, found {}", kind(x)));
            }
            template(v, x, &p);
        }
    }
}

/// A payload template: every `"key.$"` value must be a valid path or intrinsic function.
fn template(v: &mut Validator, x: &Value, p: &str) {
    match x {
        Value::Object(o) => {
            for (k, val) in o {
                let kp = ptr(p, k);
                if k.ends_with(".$") {
                    match val {
                        Value::String(s) => path_or_intrinsic(v, s, &kp),
                        other => v.error(
                            &kp,
                            format!("a field ending in '.$' needs a path or intrinsic function string, found {}", kind(other)),
                        ),
                    }
                } else {
                    template(v, val, &kp);
                }
            }
        }
        Value::Array(a) => {
            for (i, val) in a.iter().enumerate() {
                template(v, val, &ptr(p, &i.to_string()));
            }
        }
        _ => {}
    }
}

/// Strings that open a JSONata expression must close it.
fn jsonata_value(v: &mut Validator, x: &Value, p: &str) {
    match x {
        Value::String(s) => {
            let t = s.trim();
            if t.starts_with("{%") && !(t.ends_with("%}") && t.len() >= 4) {
                v.error(
                    p,
                    "a JSONata expression must be written \"{% expression %}\"",
                );
            }
        }
        Value::Object(o) => {
            for (k, val) in o {
                jsonata_value(v, val, &ptr(p, k));
            }
        }
        Value::Array(a) => {
            for (i, val) in a.iter().enumerate() {
                jsonata_value(v, val, &ptr(p, &i.to_string()));
            }
        }
        _ => {}
    }
}

fn is_jsonata_expr(x: &Value) -> bool {
    x.as_str()
        .map(str::trim)
        .is_some_and(|t| t.starts_with("{%") && t.ends_with("%}") && t.len() >= 4)
}

/// An integer field, or under JSONata an integer or a `{% %}` expression.
fn int_or_expr(
    v: &mut Validator,
    x: &Value,
    p: &str,
    ql: QueryLanguage,
    min: i64,
    max: Option<i64>,
) {
    if ql == QueryLanguage::Jsonata && x.is_string() {
        jsonata_value(v, x, p);
        if !is_jsonata_expr(x) {
            v.error(
                p,
                "must be an integer or a JSONata expression \"{% ... %}\"",
            );
        }
        return;
    }
    v.expect_int(x, p, min, max);
}

/// AWS: TimeoutSeconds and HeartbeatSeconds are positive integers up to 99999999.
const MAX_SECONDS: i64 = 99_999_999;

fn task(v: &mut Validator, st: &Map<String, Value>, sp: &str, ql: QueryLanguage) {
    match st.get("Resource") {
        None => v.error(sp, "a Task state needs 'Resource'"),
        Some(Value::String(r)) => {
            // AWS: Express workflows support neither the .sync (job run) nor the .waitForTaskToken
            // (callback) pattern, nor activities (choosing-workflow-type.html).
            if v.options.machine_type == MachineType::Express {
                let p = ptr(sp, "Resource");
                if r.ends_with(".sync") || r.contains(".sync:") {
                    v.error(&p, "Express state machines do not support the .sync (run a job) integration pattern");
                } else if r.ends_with(".waitForTaskToken") {
                    v.error(&p, "Express state machines do not support the .waitForTaskToken (callback) integration pattern");
                } else if r.contains(":activity:") {
                    v.error(&p, "Express state machines do not support activities");
                }
            }
            if !r.starts_with("arn:") && !is_jsonata_expr(&Value::String(r.clone())) {
                v.error(&ptr(sp, "Resource"), format!("'{r}' is not an ARN"));
            }
        }
        Some(other) => v.error(
            &ptr(sp, "Resource"),
            format!("must be an ARN string, found {}", kind(other)),
        ),
    }
    exclusive(v, st, sp, &["TimeoutSeconds", "TimeoutSecondsPath"]);
    exclusive(v, st, sp, &["HeartbeatSeconds", "HeartbeatSecondsPath"]);
    for k in ["TimeoutSeconds", "HeartbeatSeconds"] {
        if let Some(x) = st.get(k) {
            int_or_expr(v, x, &ptr(sp, k), ql, 1, Some(MAX_SECONDS));
        }
    }
    if let (Some(t), Some(h)) = (
        st.get("TimeoutSeconds").and_then(Value::as_i64),
        st.get("HeartbeatSeconds").and_then(Value::as_i64),
    ) {
        if h >= t {
            v.error(
                &ptr(sp, "HeartbeatSeconds"),
                "HeartbeatSeconds must be smaller than TimeoutSeconds",
            );
        }
    }
}

fn wait(v: &mut Validator, st: &Map<String, Value>, sp: &str, ql: QueryLanguage) {
    let keys = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"];
    let n = keys.iter().filter(|k| st.contains_key(**k)).count();
    if n != 1 {
        v.error(
            sp,
            "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp or TimestampPath",
        );
    }
    if let Some(x) = st.get("Seconds") {
        int_or_expr(v, x, &ptr(sp, "Seconds"), ql, 0, Some(MAX_SECONDS));
    }
    if let Some(x) = st.get("Timestamp") {
        let p = ptr(sp, "Timestamp");
        if ql == QueryLanguage::Jsonata && is_jsonata_expr(x) {
            return;
        }
        if x.as_str().and_then(parse_timestamp).is_none() {
            v.error(
                &p,
                "must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z (uppercase T and Z)",
            );
        }
    }
}

fn choice(
    v: &mut Validator,
    st: &Map<String, Value>,
    sp: &str,
    siblings: &States,
    ql: QueryLanguage,
) {
    let cp = ptr(sp, "Choices");
    match st.get("Choices") {
        None => v.error(sp, "a Choice state needs 'Choices'"),
        Some(Value::Array(rules)) if rules.is_empty() => {
            v.error(&cp, "must contain at least one rule")
        }
        Some(Value::Array(rules)) => {
            for (i, r) in rules.iter().enumerate() {
                let rp = ptr(&cp, &i.to_string());
                if ql == QueryLanguage::Jsonata {
                    jsonata_rule(v, r, &rp, siblings);
                } else {
                    rule(v, r, &rp, Some(siblings), 0);
                }
            }
        }
        Some(other) => v.error(&cp, format!("must be an array, found {}", kind(other))),
    }
    if let Some(d) = st.get("Default") {
        target(v, d, &ptr(sp, "Default"), siblings);
    }
}

fn jsonata_rule(v: &mut Validator, r: &Value, rp: &str, siblings: &States) {
    let Some(o) = r.as_object() else {
        v.error(
            rp,
            format!("a Choice rule must be an object, found {}", kind(r)),
        );
        return;
    };
    match o.get("Condition") {
        None => v.error(rp, "a JSONata Choice rule needs 'Condition'"),
        Some(Value::Bool(_)) => {}
        Some(c) if is_jsonata_expr(c) => {}
        Some(_) => v.error(
            &ptr(rp, "Condition"),
            "must be a JSONata expression \"{% ... %}\" or a boolean",
        ),
    }
    match o.get("Next") {
        None => v.error(rp, "a Choice rule needs 'Next'"),
        Some(n) => target(v, n, &ptr(rp, "Next"), siblings),
    }
    for (k, x) in o {
        match k.as_str() {
            "Condition" | "Next" | "Comment" => {}
            "Output" | "Assign" => jsonata_value(v, x, &ptr(rp, k)),
            "Variable" => v.error(
                &ptr(rp, k),
                "'Variable' is a JSONPath field; JSONata rules use 'Condition'",
            ),
            _ => v.error(
                &ptr(rp, k),
                format!("unknown field '{k}' in a JSONata Choice rule"),
            ),
        }
    }
}

/// A JSONPath Choice rule; `siblings` is Some for a top-level rule (which needs Next).
fn rule(v: &mut Validator, r: &Value, rp: &str, siblings: Option<&States>, depth: usize) {
    if depth > 64 {
        v.error(rp, "Choice rules are nested too deeply");
        return;
    }
    let Some(o) = r.as_object() else {
        v.error(
            rp,
            format!("a Choice rule must be an object, found {}", kind(r)),
        );
        return;
    };
    match (siblings, o.get("Next")) {
        (Some(_), None) => v.error(rp, "a top-level Choice rule needs 'Next'"),
        (Some(s), Some(n)) => target(v, n, &ptr(rp, "Next"), s),
        (None, Some(_)) => v.error(
            &ptr(rp, "Next"),
            "a rule nested in And, Or or Not cannot have 'Next'",
        ),
        (None, None) => {}
    }
    if let Some(a) = o.get("Assign") {
        if siblings.is_none() {
            v.error(
                &ptr(rp, "Assign"),
                "a rule nested in And, Or or Not cannot have 'Assign'",
            );
        }
        template(v, a, &ptr(rp, "Assign"));
    }
    let combinators: Vec<&str> = ["And", "Or", "Not"]
        .into_iter()
        .filter(|k| o.contains_key(*k))
        .collect();
    let mut operators: Vec<(&str, Operator)> = Vec::new();
    for k in o.keys() {
        if matches!(
            k.as_str(),
            "And" | "Or" | "Not" | "Variable" | "Next" | "Comment" | "Assign"
        ) {
            continue;
        }
        match Operator::from_name(k) {
            Some(op) => operators.push((k.as_str(), op)),
            None if k == "Condition" => {
                v.error(&ptr(rp, k), "'Condition' is only allowed in JSONata states")
            }
            None => v.error(&ptr(rp, k), format!("unknown Choice rule field '{k}'")),
        }
    }
    if combinators.len() > 1
        || (!combinators.is_empty() && (!operators.is_empty() || o.contains_key("Variable")))
    {
        v.error(
            rp,
            "a Choice rule has exactly one of: a comparison (Variable + operator), And, Or, Not",
        );
        return;
    }
    if let Some(c) = combinators.first() {
        let p = ptr(rp, c);
        let x = &o[*c];
        if *c == "Not" {
            rule(v, x, &p, None, depth + 1);
        } else {
            match x.as_array() {
                Some(list) if !list.is_empty() => {
                    for (i, sub) in list.iter().enumerate() {
                        rule(v, sub, &ptr(&p, &i.to_string()), None, depth + 1);
                    }
                }
                Some(_) => v.error(&p, "must contain at least one rule"),
                None => v.error(&p, format!("must be an array of rules, found {}", kind(x))),
            }
        }
        return;
    }
    match o.get("Variable") {
        None => v.error(rp, "a comparison needs 'Variable'"),
        Some(x) => path_field(v, x, &ptr(rp, "Variable"), false, false),
    }
    match operators.as_slice() {
        [] => v.error(rp, "a Choice rule needs a comparison operator (StringEquals, NumericLessThan, IsPresent, ...)"),
        [(name, op)] => {
            let p = ptr(rp, name);
            let operand = &o[*name];
            if op.takes_path() {
                path_field(v, operand, &p, false, false);
            } else if !op.operand_ok(operand) {
                v.error(&p, format!("{name} needs {}, found {}", operand_kind(*op), kind(operand)));
            }
        }
        [(first, _), (second, _), ..] => v.error(
            &ptr(rp, second),
            format!("a Choice rule has exactly one comparison operator; found '{first}' and '{second}'"),
        ),
    }
}

fn operand_kind(op: Operator) -> &'static str {
    use crate::asl::choice::Family;
    match op {
        Operator::Compare {
            family: Family::String,
            ..
        }
        | Operator::StringMatches => "a string",
        Operator::Compare {
            family: Family::Numeric,
            ..
        } => "a number",
        Operator::Compare {
            family: Family::Timestamp,
            ..
        } => "an RFC 3339 timestamp string",
        _ => "a boolean",
    }
}

fn retry(v: &mut Validator, st: &Map<String, Value>, sp: &str) {
    let Some(x) = st.get("Retry") else { return };
    let rp = ptr(sp, "Retry");
    let Some(list) = x.as_array() else {
        v.error(
            &rp,
            format!("must be an array of retriers, found {}", kind(x)),
        );
        return;
    };
    for (i, r) in list.iter().enumerate() {
        let p = ptr(&rp, &i.to_string());
        let Some(o) = r.as_object() else {
            v.error(
                &p,
                format!("a retrier must be an object, found {}", kind(r)),
            );
            continue;
        };
        error_equals(v, o, &p, i + 1 == list.len(), "retrier");
        for (k, val) in o {
            let kp = ptr(&p, k);
            match k.as_str() {
                "ErrorEquals" => {}
                "Comment" => v.expect_string(val, &kp),
                "IntervalSeconds" => v.expect_int(val, &kp, 1, Some(MAX_SECONDS)),
                "MaxAttempts" => v.expect_int(val, &kp, 0, Some(MAX_SECONDS)),
                "MaxDelaySeconds" => v.expect_int(val, &kp, 1, Some(MAX_SECONDS)),
                "BackoffRate" => match val.as_f64() {
                    Some(b) if b >= 1.0 => {}
                    Some(b) => v.error(&kp, format!("must be at least 1.0, found {b}")),
                    None => v.error(&kp, format!("must be a number, found {}", kind(val))),
                },
                "JitterStrategy" => {
                    if !matches!(val.as_str(), Some("FULL" | "NONE")) {
                        v.error(&kp, "must be \"FULL\" or \"NONE\"");
                    }
                }
                _ => v.error(&kp, format!("unknown retrier field '{k}'")),
            }
        }
    }
}

fn catch(
    v: &mut Validator,
    st: &Map<String, Value>,
    sp: &str,
    siblings: &States,
    ql: QueryLanguage,
) {
    let Some(x) = st.get("Catch") else { return };
    let cp = ptr(sp, "Catch");
    let Some(list) = x.as_array() else {
        v.error(
            &cp,
            format!("must be an array of catchers, found {}", kind(x)),
        );
        return;
    };
    for (i, c) in list.iter().enumerate() {
        let p = ptr(&cp, &i.to_string());
        let Some(o) = c.as_object() else {
            v.error(
                &p,
                format!("a catcher must be an object, found {}", kind(c)),
            );
            continue;
        };
        error_equals(v, o, &p, i + 1 == list.len(), "catcher");
        match o.get("Next") {
            None => v.error(&p, "a catcher needs 'Next'"),
            Some(n) => target(v, n, &ptr(&p, "Next"), siblings),
        }
        for (k, val) in o {
            let kp = ptr(&p, k);
            match (k.as_str(), ql) {
                ("ErrorEquals" | "Next", _) => {}
                ("Comment", _) => v.expect_string(val, &kp),
                ("ResultPath", QueryLanguage::JsonPath) => path_field(v, val, &kp, true, true),
                ("Assign", QueryLanguage::JsonPath) => template(v, val, &kp),
                ("Output" | "Assign", QueryLanguage::Jsonata) => jsonata_value(v, val, &kp),
                ("ResultPath", QueryLanguage::Jsonata) => v.error(
                    &kp,
                    "'ResultPath' is a JSONPath field; JSONata catchers use Output",
                ),
                ("Output", QueryLanguage::JsonPath) => {
                    v.error(&kp, "'Output' is only allowed in JSONata states")
                }
                _ => v.error(&kp, format!("unknown catcher field '{k}'")),
            }
        }
    }
}

/// ErrorEquals: a non-empty array of strings; States.ALL alone and only in the last retrier/catcher.
fn error_equals(v: &mut Validator, o: &Map<String, Value>, p: &str, last: bool, what: &str) {
    let ep = ptr(p, "ErrorEquals");
    match o.get("ErrorEquals") {
        None => v.error(p, format!("a {what} needs 'ErrorEquals'")),
        Some(Value::Array(names)) if names.is_empty() => {
            v.error(&ep, "must contain at least one error name")
        }
        Some(Value::Array(names)) => {
            for (j, n) in names.iter().enumerate() {
                match n.as_str() {
                    None => v.error(
                        &ptr(&ep, &j.to_string()),
                        format!("must be a string, found {}", kind(n)),
                    ),
                    Some("States.ALL") => {
                        if names.len() > 1 {
                            v.error(&ep, "States.ALL must appear alone in ErrorEquals");
                        }
                        if !last {
                            v.error(&ep, format!("States.ALL must be in the last {what}"));
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        Some(other) => v.error(
            &ep,
            format!("must be an array of error names, found {}", kind(other)),
        ),
    }
}

fn parallel(v: &mut Validator, st: &Map<String, Value>, sp: &str, ql: QueryLanguage) {
    let bp = ptr(sp, "Branches");
    match st.get("Branches") {
        None => v.error(sp, "a Parallel state needs 'Branches'"),
        Some(Value::Array(bs)) if bs.is_empty() => v.error(&bp, "must contain at least one branch"),
        Some(Value::Array(bs)) => {
            for (i, b) in bs.iter().enumerate() {
                let p = ptr(&bp, &i.to_string());
                sub_machine(v, b, &p, ql, &["StartAt", "States", "Comment"]);
            }
        }
        Some(other) => v.error(
            &bp,
            format!("must be an array of branches, found {}", kind(other)),
        ),
    }
}

fn map(v: &mut Validator, st: &Map<String, Value>, sp: &str, ql: QueryLanguage) {
    match (st.get("ItemProcessor"), st.get("Iterator")) {
        (None, None) => v.error(
            sp,
            "a Map state needs 'ItemProcessor' (or the older 'Iterator')",
        ),
        (Some(_), Some(_)) => v.error(
            &ptr(sp, "Iterator"),
            "'ItemProcessor' and 'Iterator' cannot be used together",
        ),
        (Some(p), None) => sub_machine(
            v,
            p,
            &ptr(sp, "ItemProcessor"),
            ql,
            &["StartAt", "States", "Comment", "ProcessorConfig"],
        ),
        (None, Some(p)) => sub_machine(
            v,
            p,
            &ptr(sp, "Iterator"),
            ql,
            &["StartAt", "States", "Comment", "ProcessorConfig"],
        ),
    }
    exclusive(v, st, sp, &["Parameters", "ItemSelector"]);
    exclusive(v, st, sp, &["MaxConcurrency", "MaxConcurrencyPath"]);
    exclusive(
        v,
        st,
        sp,
        &["ToleratedFailureCount", "ToleratedFailureCountPath"],
    );
    exclusive(
        v,
        st,
        sp,
        &[
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        ],
    );
    if let Some(x) = st.get("MaxConcurrency") {
        int_or_expr(v, x, &ptr(sp, "MaxConcurrency"), ql, 0, None);
    }
    if let Some(x) = st.get("ToleratedFailureCount") {
        int_or_expr(v, x, &ptr(sp, "ToleratedFailureCount"), ql, 0, None);
    }
    if let Some(x) = st.get("ToleratedFailurePercentage") {
        let p = ptr(sp, "ToleratedFailurePercentage");
        if !(ql == QueryLanguage::Jsonata && is_jsonata_expr(x)) {
            match x.as_f64() {
                Some(f) if (0.0..=100.0).contains(&f) => {}
                _ => v.error(&p, "must be a number between 0 and 100"),
            }
        }
    }
    if let Some(x) = st.get("Label") {
        v.expect_string(x, &ptr(sp, "Label"));
    }
}

fn sub_machine(v: &mut Validator, x: &Value, p: &str, ql: QueryLanguage, fields: &[&str]) {
    let Some(o) = x.as_object() else {
        v.error(
            p,
            format!(
                "must be an object with StartAt and States, found {}",
                kind(x)
            ),
        );
        return;
    };
    for k in o.keys() {
        if !fields.contains(&k.as_str()) {
            v.error(&ptr(p, k), format!("unknown field '{k}'"));
        }
    }
    if let Some(pc) = o.get("ProcessorConfig") {
        let pp = ptr(p, "ProcessorConfig");
        match pc.as_object() {
            None => v.error(&pp, format!("must be an object, found {}", kind(pc))),
            Some(c) => {
                if let Some(m) = c.get("Mode") {
                    if !matches!(m.as_str(), Some("INLINE" | "DISTRIBUTED")) {
                        v.error(&ptr(&pp, "Mode"), "must be \"INLINE\" or \"DISTRIBUTED\"");
                    }
                }
                if let Some(t) = c.get("ExecutionType") {
                    if !matches!(t.as_str(), Some("STANDARD" | "EXPRESS")) {
                        v.error(
                            &ptr(&pp, "ExecutionType"),
                            "must be \"STANDARD\" or \"EXPRESS\"",
                        );
                    }
                }
            }
        }
    }
    v.machine(o, p, ql);
}
