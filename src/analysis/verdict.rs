//! Turns the collected facts into a `HandlerModel`: checks the SDK call against the rules
//! catalogue, classifies each parameter and the return value (paths and literals, intrinsics,
//! or nothing ASL can express), and derives the verdict from the findings.

use super::facts::{Collector, Severity, PYTHON_ERRORS};
use super::model::{
    Condition, HandlerModel, JsonStyle, Language, ObjectEntry, PathSeg, Reason, SdkFlavor, Span,
    TemplatePart, ValueExpr, Verdict,
};
use crate::rules::Rule;

/// Where a value ends up, for the checks that depend on it.
#[derive(Clone, Copy, PartialEq)]
enum Position {
    /// A request parameter that accepts a JSON object in place of a string (aws-facts §1.4).
    JsonParam,
    Param,
    Return,
}

pub struct Finish {
    pub language: Language,
    pub function: String,
    pub handler_span: Span,
    pub returns: Option<ValueExpr>,
    pub extra_event_reads: Vec<Vec<PathSeg>>,
}

pub fn finish(mut c: Collector<'_>, f: Finish) -> HandlerModel {
    let calls = c.calls.clone();
    let mut rule: Option<Rule> = None;
    match calls.len() {
        0 => c.blocker(
            "no-sdk-call",
            "makes no AWS SDK call: there is no service integration to replace it with",
            f.handler_span,
        ),
        1 => {
            let call = &calls[0];
            c.note(
                "single-sdk-call",
                format!("calls {} ({})", call.id(), flavor_words(call.flavor)),
                call.span,
            );
            match c.catalogue.lookup(&call.service, &call.action) {
                None => c.blocker(
                    "unknown-sdk-operation",
                    format!(
                        "{} is not in the rules catalogue (add a rule file with --rules)",
                        call.id()
                    ),
                    call.span,
                ),
                Some(r) if r.unsupported => c.blocker(
                    "unsupported-sdk-operation",
                    format!(
                        "Step Functions does not support {} (aws-facts §2)",
                        call.id()
                    ),
                    call.span,
                ),
                Some(r) => rule = Some(r),
            }
        }
        n => {
            let ids: Vec<String> = calls.iter().map(|c| c.id()).collect();
            c.blocker(
                "multiple-sdk-calls",
                format!(
                    "makes {n} SDK calls ({}); one Task state makes one",
                    ids.join(", ")
                ),
                calls[1].span,
            );
        }
    }

    // Parameters: each top-level field checked with its position.
    for call in &calls {
        let json_params: Vec<String> = rule
            .as_ref()
            .map(|r| r.json_params.clone())
            .unwrap_or_default();
        check_params(&mut c, &call.params, &json_params, call.span);
        if let Some(r) = &rule {
            if matches!(
                call.flavor,
                SdkFlavor::JsDocumentClient | SdkFlavor::Boto3Resource
            ) && !r.attribute_value_params.is_empty()
            {
                check_marshalling(&mut c, &call.params, &r.attribute_value_params, call.span);
            }
        }
    }

    // A task token handed to another service: the rewrite must use `.waitForTaskToken` and
    // `$$.Task.Token` (aws-facts §1.1, §4).
    for call in &calls {
        let mut paths = Vec::new();
        collect_event_paths(&call.params, &mut paths);
        if paths.iter().any(|p| {
            matches!(p.last(), Some(PathSeg::Field(f)) if f.to_ascii_lowercase().replace('_', "") == "tasktoken")
        }) {
            c.note(
                "task-token-forwarded",
                "passes a Step Functions task token on: the Task must use .waitForTaskToken with $$.Task.Token",
                call.span,
            );
        }
    }

    // The return value.
    if let Some(ValueExpr::Event { path }) = &f.returns {
        if path.is_empty() {
            c.note(
                "returns-input",
                "returns its input unchanged: the Task keeps its input with ResultPath null",
                f.handler_span,
            );
        }
    }
    if let Some(ret) = f
        .returns
        .as_ref()
        .filter(|r| !matches!(r, ValueExpr::Event { path } if path.is_empty()))
    {
        check_value(&mut c, ret, Position::Return, f.handler_span);
        check_return_shape(&mut c, ret, rule.as_ref(), &calls, f.handler_span);
    } else if !calls.is_empty() && f.returns.is_none() {
        c.note(
            "returns-nothing",
            "returns nothing: the Lambda's result is null",
            f.handler_span,
        );
    }

    // Throws.
    let throws = c.throws.clone();
    for t in &throws {
        if let Some(m) = &t.message {
            check_value(&mut c, m, Position::Return, t.span);
        }
        if !is_builtin_error(&t.error, f.language) {
            c.note(
                "custom-error-type",
                format!(
                    "throws the custom error type {}: a Fail state or Catch must use this name",
                    t.error
                ),
                t.span,
            );
        }
        match &t.condition {
            None => c.blocker(
                "always-throws",
                format!("throws {} unconditionally", t.error),
                t.span,
            ),
            Some(cond) if expressible(cond) => c.transform(
                "validation-choice-fail",
                format!(
                    "throws {} when the event fails a check: a Choice and a Fail state before the Task",
                    t.error
                ),
                t.span,
            ),
            Some(_) => c.blocker(
                "branching-on-data",
                format!("throws {} under a condition no Choice rule expresses", t.error),
                t.span,
            ),
        }
    }

    let mut event_reads: Vec<Vec<PathSeg>> = Vec::new();
    for call in &calls {
        collect_event_paths(&call.params, &mut event_reads);
    }
    if let Some(r) = &f.returns {
        collect_event_paths(r, &mut event_reads);
    }
    for t in &throws {
        if let Some(m) = &t.message {
            collect_event_paths(m, &mut event_reads);
        }
        if let Some(cond) = &t.condition {
            collect_condition_paths(cond, &mut event_reads);
        }
    }
    for p in f.extra_event_reads {
        if !event_reads.contains(&p) {
            event_reads.push(p);
        }
    }

    let verdict = if c.findings.iter().any(|f| f.severity == Severity::Blocker) {
        Verdict::NotReplaceable
    } else if c.findings.iter().any(|f| f.severity == Severity::Transform) {
        Verdict::ReplaceableWithTransform
    } else {
        Verdict::Replaceable
    };
    let mut findings = c.findings.clone();
    // Stable order: the call summary first, then blockers, transforms, notes, each by line.
    findings.sort_by_key(|f| (f.code != "single-sdk-call", f.severity, f.line));
    let reasons = findings
        .into_iter()
        .map(|f| Reason {
            code: f.code.to_string(),
            message: f.message,
            file: c.file.clone(),
            line: f.line,
        })
        .collect();
    HandlerModel {
        file: c.file.clone(),
        language: f.language,
        function: f.function,
        event_reads,
        env_reads: c.env_reads.clone(),
        calls,
        returns: f.returns,
        throws,
        verdict,
        reasons,
    }
}

fn flavor_words(flavor: SdkFlavor) -> &'static str {
    match flavor {
        SdkFlavor::JsV2 => "AWS SDK for JavaScript v2",
        SdkFlavor::JsV3 => "AWS SDK for JavaScript v3",
        SdkFlavor::JsDocumentClient => "DynamoDB DocumentClient, plain values",
        SdkFlavor::Boto3Client => "boto3 client",
        SdkFlavor::Boto3Resource => "boto3 resource, plain values",
    }
}

fn check_params(c: &mut Collector<'_>, params: &ValueExpr, json_params: &[String], span: Span) {
    match params {
        ValueExpr::Object { entries } => {
            for e in entries {
                match e {
                    ObjectEntry::Field { key, value } => {
                        // SDK casing may be camelCase (`input`, `body`); rules use ASL PascalCase.
                        if key.eq_ignore_ascii_case("Entries")
                            && json_params.iter().any(|p| p == "Entries[].Detail")
                        {
                            check_entries_detail(c, value, span);
                            continue;
                        }
                        let pos = if json_params.iter().any(|p| p.eq_ignore_ascii_case(key)) {
                            Position::JsonParam
                        } else {
                            Position::Param
                        };
                        check_value_named(c, value, pos, span, key);
                    }
                    ObjectEntry::Spread { value } => {
                        check_value(c, value, Position::Param, span);
                        if !matches!(value, ValueExpr::Literal { .. }) {
                            c.transform(
                                "intrinsic-json-merge",
                                "request parameters merged from another object: needs States.JsonMerge",
                                span,
                            );
                        }
                    }
                }
            }
        }
        ValueExpr::Event { .. } => c.transform(
            "parameters-from-event",
            "the whole request comes from the event: its keys must be mapped one by one",
            span,
        ),
        other => check_value(c, other, Position::Param, span),
    }
}

/// EventBridge `Entries[].Detail` accepts an object (aws-facts §1.3).
fn check_entries_detail(c: &mut Collector<'_>, entries: &ValueExpr, span: Span) {
    match entries {
        ValueExpr::Array { items } => {
            for item in items {
                match item {
                    ValueExpr::Object { entries } => {
                        for e in entries {
                            match e {
                                ObjectEntry::Field { key, value } => {
                                    let pos = if key == "Detail" {
                                        Position::JsonParam
                                    } else {
                                        Position::Param
                                    };
                                    check_value_named(c, value, pos, span, key);
                                }
                                ObjectEntry::Spread { value } => {
                                    check_value(c, value, Position::Param, span)
                                }
                            }
                        }
                    }
                    other => check_value(c, other, Position::Param, span),
                }
            }
        }
        other => check_value(c, other, Position::Param, span),
    }
}

fn check_value_named(c: &mut Collector<'_>, v: &ValueExpr, pos: Position, span: Span, name: &str) {
    if pos == Position::JsonParam {
        if let ValueExpr::JsonStringify { value, style } = v {
            c.note(
                "json-object-param",
                format!("{name} can be given as a JSON object; Step Functions serializes it (aws-facts §1.4)"),
                span,
            );
            match style {
                JsonStyle::Compact => c.note(
                    "json-serialization-bytes",
                    format!("{name}: JSON.stringify and Step Functions both serialize compactly; key order and escaping are assumed equal (aws-facts §1.4 [?])"),
                    span,
                ),
                JsonStyle::PythonDefault => c.note(
                    "json-serialization-bytes",
                    format!("{name}: json.dumps writes \", \" and \": \" and escapes non-ASCII; Step Functions serializes compactly, so the bytes differ (same JSON value)"),
                    span,
                ),
                JsonStyle::Indented | JsonStyle::IndentedBy(_) => c.note(
                    "json-serialization-bytes",
                    format!("{name}: the handler indents its JSON; Step Functions serializes compactly, so the bytes differ (same JSON value)"),
                    span,
                ),
            }
            check_value(c, value, Position::Param, span);
            return;
        }
    }
    check_value(
        c,
        v,
        if pos == Position::JsonParam {
            Position::Param
        } else {
            pos
        },
        span,
    );
}

fn check_value(c: &mut Collector<'_>, v: &ValueExpr, pos: Position, span: Span) {
    match v {
        ValueExpr::Literal { .. } | ValueExpr::Event { .. } => {}
        ValueExpr::Env { name, value } => {
            if value.is_none() {
                c.note(
                    "env-unresolved",
                    format!("environment variable {name} has no known value (give it with --env {name}=...)"),
                    span,
                );
            }
        }
        ValueExpr::Object { entries } => {
            for e in entries {
                match e {
                    ObjectEntry::Field { value, .. } => check_value(c, value, pos, span),
                    ObjectEntry::Spread { value } => {
                        check_value(c, value, pos, span);
                        c.transform(
                            "intrinsic-json-merge",
                            "an object built by spreading another: needs States.JsonMerge",
                            span,
                        );
                    }
                }
            }
        }
        ValueExpr::Array { items } => {
            for i in items {
                check_value(c, i, pos, span);
            }
        }
        ValueExpr::Template { parts } => {
            c.transform(
                "intrinsic-format",
                "a string built from parts: needs States.Format",
                span,
            );
            for p in parts {
                if let TemplatePart::Expr { value } = p {
                    check_value(c, value, pos, span);
                    if matches!(value, ValueExpr::Object { .. } | ValueExpr::Array { .. }) {
                        c.blocker(
                            "unrepresentable-value",
                            "an object or array formatted into a string ([object Object]-style) has no ASL equivalent",
                            span,
                        );
                    }
                }
            }
        }
        ValueExpr::ToString { value } => {
            c.transform(
                "intrinsic-format",
                "a value converted to a string: needs States.Format",
                span,
            );
            check_value(c, value, pos, span);
        }
        ValueExpr::JsonStringify { value, style } => {
            if style.is_indented() {
                c.blocker(
                    "unrepresentable-value",
                    "indented JSON text: no intrinsic function reproduces it",
                    span,
                );
            } else {
                c.transform(
                    "intrinsic-json-to-string",
                    "JSON serialized into a string: needs States.JsonToString",
                    span,
                );
                if *style == JsonStyle::PythonDefault {
                    c.note(
                        "json-serialization-bytes",
                        "json.dumps writes \", \" and \": \" and escapes non-ASCII; States.JsonToString is compact, so the bytes differ",
                        span,
                    );
                }
            }
            check_value(c, value, pos, span);
        }
        ValueExpr::JsonParse { value } => {
            c.transform(
                "intrinsic-string-to-json",
                "JSON text parsed into a value: needs States.StringToJson",
                span,
            );
            check_value(c, value, pos, span);
        }
        ValueExpr::Default { value, default, .. } => {
            c.transform(
                "default-value",
                "a default for a missing value: needs a Choice (IsPresent) or JSONata",
                span,
            );
            check_value(c, value, pos, span);
            check_value(c, default, pos, span);
        }
        ValueExpr::SdkResult { .. } => {
            if pos != Position::Return {
                c.blocker(
                    "sdk-result-in-request",
                    "a request uses the response of another SDK call",
                    span,
                );
            }
        }
        ValueExpr::Unrepresentable { what, span } => {
            let code = if what.starts_with("current time") {
                "current-time"
            } else {
                "randomness"
            };
            c.blocker(
                code,
                format!("{what} has no equivalent in a Task state"),
                *span,
            );
        }
        ValueExpr::Unknown { construct, span } => {
            c.blocker(
                "not-understood",
                format!("not understood: {construct}"),
                *span,
            );
        }
    }
}

fn check_marshalling(
    c: &mut Collector<'_>,
    params: &ValueExpr,
    attr_params: &[String],
    span: Span,
) {
    let ValueExpr::Object { entries } = params else {
        return;
    };
    for e in entries {
        let ObjectEntry::Field { key, value } = e else {
            continue;
        };
        if !attr_params.iter().any(|p| p == key) {
            continue;
        }
        match value {
            ValueExpr::Object { entries }
                if entries.iter().all(|e| matches!(e, ObjectEntry::Field { .. }))
                    && entries.iter().all(|e| match e {
                        ObjectEntry::Field { value, .. } => marshallable(value),
                        ObjectEntry::Spread { .. } => false,
                    }) =>
            {
                c.transform(
                    "dynamodb-marshalling",
                    format!("{key} holds plain values: the Task writes typed AttributeValues, with types assumed from the code (strings as S, numbers as N)"),
                    span,
                );
            }
            _ => c.blocker(
                "dynamic-item-marshalling",
                format!("{key} holds values whose shape is only known at run time (the whole input, parsed JSON, a spread): no typed AttributeValues can be written for them"),
                span,
            ),
        }
    }
}

/// Whether a plain value can be written as a typed AttributeValue from ASL: scalars (type assumed
/// from the code), and object/array literals of such; not parsed JSON or spreads, whose shape is
/// only known at run time.
fn marshallable(v: &ValueExpr) -> bool {
    match v {
        ValueExpr::Object { entries } => entries.iter().all(|e| match e {
            ObjectEntry::Field { value, .. } => marshallable(value),
            ObjectEntry::Spread { .. } => false,
        }),
        ValueExpr::Array { items } => items.iter().all(marshallable),
        ValueExpr::JsonParse { .. } => false,
        ValueExpr::Default { value, default, .. } => marshallable(value) && marshallable(default),
        _ => true,
    }
}

fn check_return_shape(
    c: &mut Collector<'_>,
    ret: &ValueExpr,
    rule: Option<&Rule>,
    calls: &[super::model::SdkCall],
    span: Span,
) {
    let mut results = Vec::new();
    collect_result_paths(ret, &mut results);
    let mut events = Vec::new();
    collect_event_paths(ret, &mut events);
    if results.iter().any(|p| p.is_empty()) {
        c.note(
            "returns-sdk-response",
            "returns the SDK response as is",
            span,
        );
        if let Some(call) = calls.first() {
            let what = match call.flavor {
                SdkFlavor::JsV3 | SdkFlavor::JsDocumentClient => Some("$metadata"),
                SdkFlavor::Boto3Client | SdkFlavor::Boto3Resource => Some("ResponseMetadata"),
                SdkFlavor::JsV2 => None,
            };
            if let Some(field) = what {
                c.note(
                    "sdk-response-metadata",
                    format!("the SDK response carries {field} (request id, retries), which no integration returns"),
                    span,
                );
            }
        }
        if rule.is_some_and(|r| r.result_metadata) {
            c.note(
                "integration-metadata",
                "the integration's result adds SdkHttpMetadata and SdkResponseMetadata (aws-facts §1.3): a ResultSelector keeps the API fields",
                span,
            );
        }
    } else if !results.is_empty() {
        c.note(
            "result-projection",
            "returns fields of the response: a ResultSelector with paths",
            span,
        );
    }
    if !events.is_empty() {
        c.transform(
            "result-merge",
            "the return value includes input values: the Task needs ResultPath or a Pass state to rebuild it",
            span,
        );
    }
    if let Some(call) = calls.first() {
        if matches!(call.flavor, SdkFlavor::JsDocumentClient | SdkFlavor::Boto3Resource)
            && call.service == "dynamodb"
            && results.iter().any(|p| {
                matches!(p.first(), Some(PathSeg::Field(f)) if f == "Item" || f == "Items" || f == "Attributes")
                    || p.is_empty()
            })
        {
            c.transform(
                "dynamodb-unmarshalling",
                "the response's items are plain values in the handler but typed AttributeValues from the Task: needs unmarshalling",
                span,
            );
        }
        if rule.is_some_and(|r| r.streaming_result) && results.iter().any(|p| {
            p.is_empty()
                || matches!(p.first(), Some(PathSeg::Field(f)) if f.eq_ignore_ascii_case("body"))
        }) {
            c.blocker(
                "streaming-body",
                format!("the handler uses the streaming response of {}", call.id()),
                span,
            );
        }
    }
}

fn is_builtin_error(name: &str, language: Language) -> bool {
    match language {
        Language::Python => PYTHON_ERRORS.contains(&name),
        _ => matches!(
            name,
            "Error" | "TypeError" | "RangeError" | "SyntaxError" | "ReferenceError"
        ),
    }
}

fn expressible(cond: &Condition) -> bool {
    match cond {
        Condition::Falsy { value } | Condition::Missing { value } => {
            matches!(value, ValueExpr::Event { .. })
        }
        Condition::Not { condition } => expressible(condition),
        Condition::Or { conditions } | Condition::And { conditions } => {
            conditions.iter().all(expressible)
        }
        Condition::Other { .. } => false,
    }
}

pub fn collect_event_paths(v: &ValueExpr, out: &mut Vec<Vec<PathSeg>>) {
    match v {
        ValueExpr::Event { path } => {
            if !out.contains(path) {
                out.push(path.clone());
            }
        }
        _ => for_children(v, &mut |c| collect_event_paths(c, out)),
    }
}

fn collect_result_paths(v: &ValueExpr, out: &mut Vec<Vec<PathSeg>>) {
    match v {
        ValueExpr::SdkResult { path, .. } => out.push(path.clone()),
        _ => for_children(v, &mut |c| collect_result_paths(c, out)),
    }
}

fn collect_condition_paths(cond: &Condition, out: &mut Vec<Vec<PathSeg>>) {
    match cond {
        Condition::Falsy { value } | Condition::Missing { value } => {
            collect_event_paths(value, out)
        }
        Condition::Not { condition } => collect_condition_paths(condition, out),
        Condition::Or { conditions } | Condition::And { conditions } => {
            for c in conditions {
                collect_condition_paths(c, out);
            }
        }
        Condition::Other { .. } => {}
    }
}

/// Calls `f` on each direct sub-expression.
pub fn for_children(v: &ValueExpr, f: &mut dyn FnMut(&ValueExpr)) {
    match v {
        ValueExpr::Object { entries } => {
            for e in entries {
                match e {
                    ObjectEntry::Field { value, .. } | ObjectEntry::Spread { value } => f(value),
                }
            }
        }
        ValueExpr::Array { items } => items.iter().for_each(|i| f(i)),
        ValueExpr::Template { parts } => {
            for p in parts {
                if let TemplatePart::Expr { value } = p {
                    f(value);
                }
            }
        }
        ValueExpr::JsonStringify { value, .. }
        | ValueExpr::JsonParse { value }
        | ValueExpr::ToString { value } => f(value),
        ValueExpr::Default { value, default, .. } => {
            f(value);
            f(default);
        }
        _ => {}
    }
}

/// Every reason code the analysis emits, with its weight and what it means (for reports and docs).
pub const REASON_CODES: &[(&str, Severity, &str)] = &[
    (
        "single-sdk-call",
        Severity::Note,
        "the handler makes exactly one SDK call",
    ),
    (
        "no-sdk-call",
        Severity::Blocker,
        "the handler makes no SDK call",
    ),
    (
        "multiple-sdk-calls",
        Severity::Blocker,
        "more than one SDK call",
    ),
    (
        "unknown-sdk-operation",
        Severity::Blocker,
        "the operation is not in the rules catalogue",
    ),
    (
        "unsupported-sdk-operation",
        Severity::Blocker,
        "Step Functions does not support the operation",
    ),
    (
        "not-understood",
        Severity::Blocker,
        "a construct the analysis does not understand",
    ),
    ("loop", Severity::Blocker, "loops over data"),
    ("pagination", Severity::Blocker, "pages through results"),
    (
        "branching-on-data",
        Severity::Blocker,
        "the behaviour depends on the data",
    ),
    (
        "dispatch-on-action",
        Severity::Blocker,
        "dispatches on an event field to different operations",
    ),
    (
        "non-aws-call",
        Severity::Blocker,
        "calls a non-AWS endpoint",
    ),
    (
        "randomness",
        Severity::Blocker,
        "uses random values, ids or hashes",
    ),
    ("current-time", Severity::Blocker, "uses the current time"),
    (
        "streaming-body",
        Severity::Blocker,
        "reads a streaming response body",
    ),
    (
        "swallowed-error",
        Severity::Blocker,
        "catches errors without rethrowing",
    ),
    (
        "error-handling",
        Severity::Blocker,
        "handles SDK errors in a way a Catch cannot express",
    ),
    (
        "error-rewrapped",
        Severity::Blocker,
        "rethrows errors as another type",
    ),
    ("always-throws", Severity::Blocker, "throws unconditionally"),
    (
        "powertools-metrics",
        Severity::Blocker,
        "emits CloudWatch metrics",
    ),
    (
        "import-time-sdk-call",
        Severity::Blocker,
        "calls AWS when the module loads",
    ),
    (
        "reads-lambda-context",
        Severity::Blocker,
        "reads the Lambda context object",
    ),
    (
        "sdk-result-in-request",
        Severity::Blocker,
        "a request uses another call's response",
    ),
    (
        "unrepresentable-value",
        Severity::Blocker,
        "a value no ASL field can reproduce",
    ),
    (
        "dynamic-item-marshalling",
        Severity::Blocker,
        "a DynamoDB item of unknown attribute types",
    ),
    (
        "intrinsic-format",
        Severity::Transform,
        "needs States.Format",
    ),
    (
        "intrinsic-json-to-string",
        Severity::Transform,
        "needs States.JsonToString",
    ),
    (
        "intrinsic-string-to-json",
        Severity::Transform,
        "needs States.StringToJson",
    ),
    (
        "intrinsic-json-merge",
        Severity::Transform,
        "needs States.JsonMerge",
    ),
    (
        "default-value",
        Severity::Transform,
        "needs a Choice or JSONata for a default",
    ),
    (
        "dynamodb-marshalling",
        Severity::Transform,
        "plain values become typed AttributeValues",
    ),
    (
        "dynamodb-unmarshalling",
        Severity::Transform,
        "typed AttributeValues must become plain values",
    ),
    (
        "parameters-from-event",
        Severity::Transform,
        "the whole request comes from the event",
    ),
    (
        "result-merge",
        Severity::Transform,
        "the result combines input and response",
    ),
    (
        "validation-choice-fail",
        Severity::Transform,
        "early validation becomes Choice + Fail",
    ),
    (
        "json-object-param",
        Severity::Note,
        "a JSON string parameter given as an object",
    ),
    (
        "json-serialization-bytes",
        Severity::Note,
        "serialized bytes may differ; same JSON value",
    ),
    (
        "env-unresolved",
        Severity::Note,
        "an environment variable without a known value",
    ),
    (
        "returns-nothing",
        Severity::Note,
        "the handler returns nothing",
    ),
    (
        "returns-sdk-response",
        Severity::Note,
        "returns the SDK response",
    ),
    (
        "sdk-response-metadata",
        Severity::Note,
        "SDK response metadata no integration returns",
    ),
    (
        "integration-metadata",
        Severity::Note,
        "the integration adds Sdk*Metadata",
    ),
    (
        "result-projection",
        Severity::Note,
        "returns fields of the response",
    ),
    (
        "custom-error-type",
        Severity::Note,
        "throws a custom error type",
    ),
    (
        "middy-wrapper",
        Severity::Note,
        "the handler is wrapped by middy",
    ),
    (
        "returns-input",
        Severity::Note,
        "returns the input unchanged",
    ),
    (
        "task-token-forwarded",
        Severity::Note,
        "passes a task token to the service",
    ),
];

/// The weight of a reason code (unknown codes count as blockers, to stay conservative).
/// Every code `finish` emits must be in [`REASON_CODES`] (checked by a test).
pub fn severity(code: &str) -> Severity {
    REASON_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, s, _)| *s)
        .unwrap_or(Severity::Blocker)
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Blocker => "blocker",
            Severity::Transform => "transform",
            Severity::Note => "note",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code used in this module and the front ends is documented in REASON_CODES.
    #[test]
    fn every_emitted_code_is_catalogued() {
        let sources = [
            include_str!("verdict.rs"),
            include_str!("js.rs"),
            include_str!("python.rs"),
            include_str!("facts.rs"),
        ];
        let re = regex::Regex::new(r#"\.(blocker|transform|note)\(\s*"([a-z-]+)""#).unwrap();
        let mut n = 0;
        for src in sources {
            for cap in re.captures_iter(src) {
                n += 1;
                let code = &cap[2];
                let weight = REASON_CODES.iter().find(|(c, _, _)| *c == code);
                let Some((_, sev, _)) = weight else {
                    panic!("{code} is not in REASON_CODES");
                };
                assert_eq!(sev.as_str(), &cap[1], "{code} emitted with another weight");
            }
        }
        assert!(n > 30, "found only {n} codes");
    }
}
