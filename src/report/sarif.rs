//! SARIF 2.1.0 for GitHub code scanning: one result per replaceable Task, located at the Task
//! state in the definition file, with the handler as a related location.
//! Format: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html; GitHub's accepted
//! subset: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning

use super::Audit;
use serde_json::{json, Value};

pub const RULE_ID: &str = "lambdaless/replaceable-lambda";

fn location(uri: &str, line: Option<usize>) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" } });
    if let Some(l) = line.filter(|l| *l > 0) {
        physical["region"] = json!({ "startLine": l });
    }
    json!({ "physicalLocation": physical })
}

pub fn render(audit: &Audit) -> Value {
    let results: Vec<Value> = audit
        .findings
        .iter()
        .filter(|f| f.is_replaceable())
        .map(|f| {
            let call = f.sdk_calls.first().cloned().unwrap_or_default();
            let integration = f.integration.clone().unwrap_or_default();
            let savings = f
                .savings
                .as_ref()
                .map(|s| format!(" Estimated savings: ${:.2}/month.", s.monthly_usd))
                .unwrap_or_default();
            let mut result = json!({
                "ruleId": RULE_ID,
                "level": "warning",
                "message": { "text": format!(
                    "Task `{}` of `{}` invokes Lambda `{}`, which only forwards to `{}`; \
                     a direct `{}` integration can replace it ({}).{}",
                    f.state, f.state_machine, f.function, call, integration, f.verdict, savings
                ) },
                "locations": [location(&f.definition, f.line)],
                "partialFingerprints": {
                    "lambdalessTask/v1": format!("{}/{}/{}", f.state_machine, f.pointer, f.function)
                },
                "properties": {
                    "verdict": f.verdict,
                    "function": f.function,
                    "sdkCalls": f.sdk_calls,
                    "integration": f.integration,
                }
            });
            if let Some(h) = &f.handler {
                let line = f.reasons.iter().map(|r| r.line).find(|l| *l > 0);
                let mut rel = location(h, line);
                rel["id"] = json!(1);
                rel["message"] = json!({ "text": format!("handler of {}", f.function) });
                result["relatedLocations"] = json!([rel]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "lambdaless",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [{
                    "id": RULE_ID,
                    "name": "ReplaceableLambda",
                    "shortDescription": { "text": "A Lambda that only forwards to one AWS API" },
                    "fullDescription": { "text": "The Task invokes a Lambda function whose handler makes one AWS SDK call that a Step Functions service integration can make directly." },
                    "defaultConfiguration": { "level": "warning" },
                    "help": { "text": "Run `lambdaless rewrite` to replace the Task with the direct integration and `lambdaless verify` to prove the rewrite equivalent." }
                }]
            }},
            "results": results
        }]
    })
}
