//! What a front end collects while it walks a handler: SDK calls, the return value, throws, and
//! findings (blockers, transforms, notes) with their source lines. Shared by all front ends.

use super::model::{SdkCall, SdkFlavor, Span, Throw, ValueExpr};
use crate::rules::Catalogue;
use indexmap::IndexMap;

/// How a finding weighs on the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Makes the handler not-replaceable.
    Blocker,
    /// Replaceable, but the Task needs intrinsics, a ResultSelector/Pass, or Choice/Fail states.
    Transform,
    /// Worth knowing; does not change the verdict.
    Note,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub line: usize,
}

/// An SDK client the handler holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// Catalogue key (`sqs`) or, for a service the catalogue does not know, the SDK's own name.
    pub service: String,
    pub flavor: SdkFlavor,
}

/// The facts of one handler analysis.
pub struct Collector<'a> {
    pub file: String,
    pub environment: &'a IndexMap<String, String>,
    pub catalogue: &'a Catalogue,
    pub calls: Vec<SdkCall>,
    pub throws: Vec<Throw>,
    pub findings: Vec<Finding>,
    pub env_reads: Vec<String>,
}

impl<'a> Collector<'a> {
    pub fn new(
        file: String,
        environment: &'a IndexMap<String, String>,
        catalogue: &'a Catalogue,
    ) -> Self {
        Collector {
            file,
            environment,
            catalogue,
            calls: Vec::new(),
            throws: Vec::new(),
            findings: Vec::new(),
            env_reads: Vec::new(),
        }
    }

    pub fn add(
        &mut self,
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
    ) {
        let message = message.into();
        // The same finding on the same line once is enough (helpers may be walked twice).
        if self
            .findings
            .iter()
            .any(|f| f.code == code && f.line == span.line && f.message == message)
        {
            return;
        }
        self.findings.push(Finding {
            severity,
            code,
            message,
            line: span.line,
        });
    }

    pub fn blocker(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        self.add(Severity::Blocker, code, message, span);
    }

    pub fn transform(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        self.add(Severity::Transform, code, message, span);
    }

    pub fn note(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        self.add(Severity::Note, code, message, span);
    }

    /// "not understood: <construct>": the conservative answer to anything unfamiliar.
    pub fn not_understood(&mut self, construct: &str, span: Span) -> ValueExpr {
        self.blocker(
            "not-understood",
            format!("not understood: {construct}"),
            span,
        );
        ValueExpr::Unknown {
            construct: construct.to_string(),
            span,
        }
    }

    /// An environment variable read, resolved from the function's Environment when known.
    pub fn env(&mut self, name: &str) -> ValueExpr {
        if !self.env_reads.iter().any(|n| n == name) {
            self.env_reads.push(name.to_string());
        }
        ValueExpr::Env {
            name: name.to_string(),
            value: self.environment.get(name).cloned(),
        }
    }

    /// Records an SDK call and returns its index.
    pub fn record_call(
        &mut self,
        service: &str,
        action: String,
        flavor: SdkFlavor,
        params: ValueExpr,
        span: Span,
    ) -> usize {
        let action = self
            .catalogue
            .canonical_action(service, &action)
            .unwrap_or(action);
        self.calls.push(SdkCall {
            service: service.to_string(),
            action,
            flavor,
            params,
            span,
        });
        self.calls.len() - 1
    }
}

/// Python's built-in exception classes a handler raises or catches by name; the runtime reports
/// `type(exc).__name__` (aws-facts §3.2).
pub const PYTHON_ERRORS: &[&str] = &[
    "Exception",
    "ValueError",
    "KeyError",
    "TypeError",
    "RuntimeError",
    "LookupError",
    "AssertionError",
    "NotImplementedError",
    "PermissionError",
];

/// `send_message` → `SendMessage`; `list_objects_v2` → `ListObjectsV2`.
pub fn pascal_from_snake(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// `sendMessage` → `SendMessage`.
pub fn pascal_from_camel(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// lib-dynamodb / v2 DocumentClient operation → DynamoDB API action.
pub fn document_client_action(name: &str) -> Option<&'static str> {
    let key = crate::rules::action_key(name.trim_end_matches("Command"));
    Some(match key.as_str() {
        "get" => "GetItem",
        "put" => "PutItem",
        "update" => "UpdateItem",
        "delete" => "DeleteItem",
        "query" => "Query",
        "scan" => "Scan",
        "batchget" => "BatchGetItem",
        "batchwrite" => "BatchWriteItem",
        "transactget" => "TransactGetItems",
        "transactwrite" => "TransactWriteItems",
        "executestatement" => "ExecuteStatement",
        "batchexecutestatement" => "BatchExecuteStatement",
        "executetransaction" => "ExecuteTransaction",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(pascal_from_snake("send_message"), "SendMessage");
        assert_eq!(pascal_from_snake("list_objects_v2"), "ListObjectsV2");
        assert_eq!(pascal_from_camel("putEvents"), "PutEvents");
        assert_eq!(document_client_action("PutCommand"), Some("PutItem"));
        assert_eq!(document_client_action("batchWrite"), Some("BatchWriteItem"));
        assert_eq!(document_client_action("frob"), None);
    }
}

/// `value ?? default` / `value || default` / `.get(k, default)`, folded when `value` is known now:
/// a literal, or an environment variable whose value the IaC Environment gives.
pub fn make_default(
    value: super::model::ValueExpr,
    default: super::model::ValueExpr,
    when: super::model::DefaultWhen,
) -> super::model::ValueExpr {
    use super::model::{DefaultWhen, ValueExpr};
    use serde_json::Value;
    let known: Option<Value> = match &value {
        ValueExpr::Literal { value } => Some(value.clone()),
        ValueExpr::Env { value: Some(v), .. } => Some(Value::String(v.clone())),
        _ => None,
    };
    match known {
        Some(v) => {
            let use_default = match when {
                DefaultWhen::Missing => v.is_null(),
                DefaultWhen::Falsy => match &v {
                    Value::Null => true,
                    Value::Bool(b) => !b,
                    Value::Number(n) => n.as_f64() == Some(0.0),
                    Value::String(s) => s.is_empty(),
                    _ => false,
                },
            };
            if use_default {
                default
            } else {
                value
            }
        }
        None => ValueExpr::Default {
            value: Box::new(value),
            default: Box::new(default),
            when,
        },
    }
}
