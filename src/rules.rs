//! The SDK operation → Step Functions integration catalogue, loaded from `rules/*.json`.
//!
//! One JSON file per service. The built-in set is embedded in the binary (`include_str!`); users add
//! or override services with `--rules DIR`. Each file names the AWS facts it relies on
//! (`/work/shared/aws-facts.md` sections) in its `source` field. The analysis uses the catalogue to
//! recognise SDK clients (package, class and boto3 names) and to tell known operations from unknown
//! ones; `rewrite` uses [`Catalogue::lookup`] to pick the integration, parameters, IAM and errors.

use crate::error::InputError;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::OnceLock;

/// The embedded rule files, one per service.
const BUILTIN: &[(&str, &str)] = &[
    ("athena.json", include_str!("../rules/athena.json")),
    ("batch.json", include_str!("../rules/batch.json")),
    (
        "bedrock-runtime.json",
        include_str!("../rules/bedrock-runtime.json"),
    ),
    ("codebuild.json", include_str!("../rules/codebuild.json")),
    ("dynamodb.json", include_str!("../rules/dynamodb.json")),
    ("ecs.json", include_str!("../rules/ecs.json")),
    ("events.json", include_str!("../rules/events.json")),
    ("glue.json", include_str!("../rules/glue.json")),
    ("lambda.json", include_str!("../rules/lambda.json")),
    ("s3.json", include_str!("../rules/s3.json")),
    (
        "secretsmanager.json",
        include_str!("../rules/secretsmanager.json"),
    ),
    ("sesv2.json", include_str!("../rules/sesv2.json")),
    ("sns.json", include_str!("../rules/sns.json")),
    ("sqs.json", include_str!("../rules/sqs.json")),
    ("ssm.json", include_str!("../rules/ssm.json")),
    ("states.json", include_str!("../rules/states.json")),
];

/// How the SDKs name a service, so the analysis can recognise its clients.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkNames {
    /// `@aws-sdk/client-sqs`.
    #[serde(default)]
    pub js_v3_package: Option<String>,
    /// Class of `aws-sdk` v2: `SQS` for `new AWS.SQS()`.
    #[serde(default)]
    pub js_v2_class: Option<String>,
    /// `boto3.client("sqs")` / `boto3.resource("dynamodb")`.
    #[serde(default)]
    pub boto3: Option<String>,
}

/// One service's rule file, as written on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceRules {
    /// Catalogue key, the IAM prefix where that is unambiguous: `dynamodb`, `events`, `states`, `sesv2`.
    pub service: String,
    pub title: String,
    /// Where the facts come from (aws-facts.md sections, AWS documentation pages).
    pub source: String,
    /// The service token of `arn:aws:states:::aws-sdk:<token>:<action>` (aws-facts §2): `eventbridge`, `sfn`.
    pub aws_sdk_service: String,
    /// Error prefix of aws-sdk integrations (aws-facts §2): `DynamoDb`, `Sqs`, `Sfn`.
    pub aws_sdk_error_prefix: String,
    /// Error prefix of the optimized integration, when there is one (aws-facts §3.3): `DynamoDB`, `SQS`.
    #[serde(default)]
    pub optimized_error_prefix: Option<String>,
    /// IAM action prefix: `dynamodb`, `ses` (for SES v2), `states`.
    pub iam_prefix: String,
    /// Caveats about the facts above (inferences marked [I], open items [?]).
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub sdk_names: SdkNames,
    pub operations: Vec<OperationRule>,
}

/// One SDK operation, as written on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationRule {
    /// API action in PascalCase, as in the API reference: `PutItem`.
    pub action: String,
    /// The optimized integration (`dynamodb:putItem`) when one exists (aws-facts §1.2); else aws-sdk.
    #[serde(default)]
    pub optimized: Option<String>,
    /// Request parameters in API (PascalCase) casing that the integration accepts.
    #[serde(default)]
    pub parameters: Vec<String>,
    /// Parameters that may be given as a JSON object, which Step Functions serializes (aws-facts §1.4).
    #[serde(default)]
    pub json_params: Vec<String>,
    /// Parameters that hold DynamoDB typed AttributeValues (`{"S": ...}`) (aws-facts §1.5).
    #[serde(default)]
    pub attribute_value_params: Vec<String>,
    /// Whether the task result carries `SdkHttpMetadata`/`SdkResponseMetadata` (aws-facts §1.3).
    #[serde(default)]
    pub result_metadata: bool,
    /// Top-level fields of the result, as the integration returns them.
    #[serde(default)]
    pub result_fields: Vec<String>,
    /// Member paths of the request (`Overrides.ContainerOverrides[]`, PascalCase) whose values are
    /// maps: their keys are data, which Step Functions does not PascalCase (botocore models).
    #[serde(default)]
    pub request_maps: Vec<String>,
    /// The same in the result.
    #[serde(default)]
    pub result_maps: Vec<String>,
    /// IAM actions the state-machine role needs (aws-facts §4).
    pub iam_actions: Vec<String>,
    /// Resource ARN pattern; `${Region}`, `${Account}` and `${<Parameter>}` placeholders
    /// (`${QueueUrl#name}`: the last path segment of the QueueUrl parameter).
    pub iam_resource: String,
    /// Whether a handler can use this operation's response only by reading a stream.
    #[serde(default)]
    pub streaming_result: bool,
    /// Step Functions does not support this action (aws-facts §2 unsupported list).
    #[serde(default)]
    pub unsupported: bool,
    #[serde(default)]
    pub notes: Option<String>,
}

/// The resolved rule for one (service, action): everything rewrite needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub service: String,
    pub action: String,
    /// `arn:aws:states:::sqs:sendMessage` or `arn:aws:states:::aws-sdk:sfn:startSyncExecution`.
    pub integration: String,
    pub optimized: bool,
    /// The aws-sdk form, also for optimized operations (`arn:aws:states:::aws-sdk:dynamodb:putItem`).
    pub aws_sdk_integration: String,
    pub parameters: Vec<String>,
    pub json_params: Vec<String>,
    pub attribute_value_params: Vec<String>,
    pub result_metadata: bool,
    pub result_fields: Vec<String>,
    pub request_maps: Vec<String>,
    pub result_maps: Vec<String>,
    pub iam_actions: Vec<String>,
    pub iam_resource: String,
    /// Error-name prefix of the chosen integration: `DynamoDB` (optimized) / `DynamoDb` (aws-sdk);
    /// `None` for an optimized integration whose prefix no source documents.
    pub error_prefix: Option<String>,
    /// Error-name prefix of the aws-sdk form.
    pub aws_sdk_error_prefix: String,
    pub streaming_result: bool,
    pub unsupported: bool,
    pub notes: Option<String>,
    pub source: String,
}

impl Rule {
    /// The IAM resource for literal parameters (`params` in API casing); a placeholder whose parameter
    /// is not a literal string makes the resource `*` (aws-facts §4: "resources supplied through a
    /// Path get `*`"). Region and account stay as `${Region}`/`${Account}` unless given.
    pub fn iam_resource_for(
        &self,
        params: &serde_json::Map<String, serde_json::Value>,
        region: Option<&str>,
        account: Option<&str>,
    ) -> String {
        let mut out = String::new();
        let mut rest = self.iam_resource.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &after[..end];
            let value = match name {
                "Region" => Some(region.unwrap_or("${Region}").to_string()),
                "Account" => Some(account.unwrap_or("${Account}").to_string()),
                _ => {
                    let (param, suffix) = name.split_once('#').unwrap_or((name, ""));
                    match params.get(param).and_then(|v| v.as_str()) {
                        Some(s) if suffix == "name" => {
                            Some(s.rsplit('/').next().unwrap_or(s).to_string())
                        }
                        Some(s) => Some(s.to_string()),
                        None => None,
                    }
                }
            };
            match value {
                Some(v) => out.push_str(&v),
                None => return "*".to_string(),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// `PutItem` → `putItem` (aws-facts §2: "The API action will always be camel case").
pub fn camel_action(action: &str) -> String {
    let mut chars = action.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Normalises an action for matching SDK method names: `send_message`, `sendMessage`, `SendMessage`
/// all become `sendmessage`.
pub fn action_key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// The whole catalogue: services by key.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub services: IndexMap<String, ServiceRules>,
}

impl Catalogue {
    /// The built-in catalogue (parsed once).
    pub fn builtin() -> &'static Catalogue {
        static CAT: OnceLock<Catalogue> = OnceLock::new();
        CAT.get_or_init(|| {
            let mut cat = Catalogue::default();
            for (name, text) in BUILTIN {
                // The embedded files are checked by the unit tests below; a broken one is a build bug.
                match cat.add_text(Path::new(&format!("rules/{name}")), text) {
                    Ok(()) => {}
                    Err(e) => panic!("built-in rule file is invalid: {e}"),
                }
            }
            cat
        })
    }

    /// The built-in catalogue plus every `*.json` file in `dir` (a user file replaces the built-in
    /// service of the same key).
    pub fn with_user_dir(dir: &Path) -> Result<Catalogue, InputError> {
        let mut cat = Catalogue::builtin().clone();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| InputError::new(dir, format!("cannot read rules directory: {e}")))?;
        let mut files: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let text = InputError::read_text(&file)?;
            cat.add_text(&file, &text)?;
        }
        Ok(cat)
    }

    /// Parses one rule file and adds (or replaces) its service.
    pub fn add_text(&mut self, file: &Path, text: &str) -> Result<(), InputError> {
        let value = InputError::parse_json(file, text)?;
        let rules: ServiceRules = serde_json::from_value(value)
            .map_err(|e| InputError::new(file, format!("not a rule file: {e}")))?;
        if rules.service.is_empty() {
            return Err(InputError::new(file, "rule file has an empty `service`"));
        }
        for (i, op) in rules.operations.iter().enumerate() {
            if op.action.is_empty() || !op.action.starts_with(|c: char| c.is_ascii_uppercase()) {
                return Err(InputError::new(
                    file,
                    format!("operation {i}: `action` must be the PascalCase API name"),
                )
                .pointer(format!("/operations/{i}/action")));
            }
        }
        self.services.insert(rules.service.clone(), rules);
        Ok(())
    }

    /// The rule for `service` (catalogue key) and `action` (PascalCase, or any casing of it).
    pub fn lookup(&self, service: &str, action: &str) -> Option<Rule> {
        let svc = self.services.get(service)?;
        let key = action_key(action);
        let op = svc
            .operations
            .iter()
            .find(|o| action_key(&o.action) == key)?;
        Some(resolve(svc, op))
    }

    /// The canonical PascalCase action for an SDK method name, when the catalogue knows it.
    pub fn canonical_action(&self, service: &str, method: &str) -> Option<String> {
        let key = action_key(method);
        self.services
            .get(service)?
            .operations
            .iter()
            .find(|o| action_key(&o.action) == key)
            .map(|o| o.action.clone())
    }

    /// Every rule, service by service.
    pub fn all(&self) -> Vec<Rule> {
        self.services
            .values()
            .flat_map(|svc| svc.operations.iter().map(move |op| resolve(svc, op)))
            .collect()
    }

    /// Service key for a `@aws-sdk/client-*` package.
    pub fn service_for_js_v3_package(&self, package: &str) -> Option<&str> {
        self.services
            .values()
            .find(|s| s.sdk_names.js_v3_package.as_deref() == Some(package))
            .map(|s| s.service.as_str())
    }

    /// Service key for an `aws-sdk` v2 class name (`SQS`, `EventBridge`).
    pub fn service_for_js_v2_class(&self, class: &str) -> Option<&str> {
        self.services
            .values()
            .find(|s| s.sdk_names.js_v2_class.as_deref() == Some(class))
            .map(|s| s.service.as_str())
    }

    /// Service key for a boto3 service name (`stepfunctions`, `events`).
    pub fn service_for_boto3(&self, name: &str) -> Option<&str> {
        self.services
            .values()
            .find(|s| s.sdk_names.boto3.as_deref() == Some(name))
            .map(|s| s.service.as_str())
    }
}

fn resolve(svc: &ServiceRules, op: &OperationRule) -> Rule {
    let aws_sdk_integration = format!(
        "arn:aws:states:::aws-sdk:{}:{}",
        svc.aws_sdk_service,
        camel_action(&op.action)
    );
    let (integration, error_prefix) = match &op.optimized {
        Some(opt) => (
            format!("arn:aws:states:::{opt}"),
            svc.optimized_error_prefix.clone(),
        ),
        None => (
            aws_sdk_integration.clone(),
            Some(svc.aws_sdk_error_prefix.clone()),
        ),
    };
    Rule {
        service: svc.service.clone(),
        action: op.action.clone(),
        integration,
        optimized: op.optimized.is_some(),
        aws_sdk_integration,
        parameters: op.parameters.clone(),
        json_params: op.json_params.clone(),
        attribute_value_params: op.attribute_value_params.clone(),
        result_metadata: op.result_metadata,
        result_fields: op.result_fields.clone(),
        request_maps: op.request_maps.clone(),
        result_maps: op.result_maps.clone(),
        iam_actions: op.iam_actions.clone(),
        iam_resource: op.iam_resource.clone(),
        error_prefix,
        aws_sdk_error_prefix: svc.aws_sdk_error_prefix.clone(),
        streaming_result: op.streaming_result,
        unsupported: op.unsupported,
        notes: op.notes.clone(),
        source: svc.source.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_every_service() {
        let cat = Catalogue::builtin();
        for svc in [
            "dynamodb",
            "sqs",
            "sns",
            "events",
            "states",
            "s3",
            "lambda",
            "glue",
            "ecs",
            "batch",
            "athena",
            "codebuild",
            "sesv2",
            "secretsmanager",
            "ssm",
            "bedrock-runtime",
        ] {
            let rules = cat.services.get(svc).unwrap_or_else(|| panic!("{svc}"));
            assert!(!rules.operations.is_empty(), "{svc}");
            assert!(rules.source.contains("aws-facts"), "{svc} cites aws-facts");
        }
    }

    #[test]
    fn optimized_and_aws_sdk_integrations() {
        let cat = Catalogue::builtin();
        let put = cat.lookup("dynamodb", "PutItem").unwrap();
        assert_eq!(put.integration, "arn:aws:states:::dynamodb:putItem");
        assert_eq!(put.error_prefix.as_deref(), Some("DynamoDB"));
        assert!(put.result_metadata);
        let query = cat.lookup("dynamodb", "query").unwrap();
        assert_eq!(query.integration, "arn:aws:states:::aws-sdk:dynamodb:query");
        assert_eq!(query.error_prefix.as_deref(), Some("DynamoDb"));
        let events = cat.lookup("events", "PutEvents").unwrap();
        assert_eq!(events.integration, "arn:aws:states:::events:putEvents");
        assert!(!events.result_metadata);
        let sync = cat.lookup("states", "StartSyncExecution").unwrap();
        assert_eq!(
            sync.integration,
            "arn:aws:states:::aws-sdk:sfn:startSyncExecution"
        );
        assert_eq!(sync.error_prefix.as_deref(), Some("Sfn"));
        assert!(cat.lookup("sqs", "send_message").is_some());
        assert!(cat.lookup("sqs", "NoSuchAction").is_none());
    }

    #[test]
    fn iam_resource_from_literal_params() {
        let cat = Catalogue::builtin();
        let send = cat.lookup("sqs", "SendMessage").unwrap();
        let params = serde_json::json!({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/orders"});
        assert_eq!(
            send.iam_resource_for(
                params.as_object().unwrap(),
                Some("us-east-1"),
                Some("123456789012")
            ),
            "arn:aws:sqs:us-east-1:123456789012:orders"
        );
        let dynamic = serde_json::json!({"QueueUrl.$": "$.q"});
        assert_eq!(
            send.iam_resource_for(dynamic.as_object().unwrap(), None, None),
            "*"
        );
    }

    #[test]
    fn sdk_names_resolve_services() {
        let cat = Catalogue::builtin();
        assert_eq!(
            cat.service_for_js_v3_package("@aws-sdk/client-sqs"),
            Some("sqs")
        );
        assert_eq!(cat.service_for_js_v2_class("EventBridge"), Some("events"));
        assert_eq!(cat.service_for_boto3("stepfunctions"), Some("states"));
    }

    #[test]
    fn user_rule_files_are_validated() {
        let mut cat = Catalogue::default();
        let err = cat
            .add_text(Path::new("x.json"), "{\"service\": 1}")
            .unwrap_err();
        assert!(err.to_string().contains("x.json"));
    }
}
