//! What a handler's environment variable stands for in the infrastructure (`TABLE_NAME: !Ref
//! OrdersTable`), and how the rewritten definition refers to it: a `${OrdersTableName}`
//! DefinitionSubstitutions entry for templates, the literal value for standalone ASL files.

use crate::discover::model::{Project, Resource};
use indexmap::IndexMap;
use serde_json::{json, Value};

/// A CloudFormation reference in a normalized form.
#[derive(Debug, Clone, PartialEq)]
pub enum CfnRef {
    Ref(String),
    GetAtt(String, String),
    /// A literal string (no template reference).
    Literal(String),
    /// `Fn::Sub`, `Fn::ImportValue`, `Fn::Join`, ...: kept as written.
    Other(Value),
}

impl CfnRef {
    /// Reads `{"Ref": X}`, `{"Fn::GetAtt": [X, A]}`, `{"Fn::GetAtt": "X.A"}`, `"!Ref X"`, or a string.
    pub fn parse(value: &Value) -> CfnRef {
        match value {
            Value::String(s) => {
                if let Some(id) = s.strip_prefix("!Ref ") {
                    return CfnRef::Ref(id.trim().to_string());
                }
                if let Some(rest) = s.strip_prefix("!GetAtt ") {
                    if let Some((id, attr)) = rest.trim().split_once('.') {
                        return CfnRef::GetAtt(id.to_string(), attr.to_string());
                    }
                }
                CfnRef::Literal(s.clone())
            }
            Value::Object(m) if m.len() == 1 => {
                if let Some(Value::String(id)) = m.get("Ref") {
                    return CfnRef::Ref(id.clone());
                }
                match m.get("Fn::GetAtt") {
                    Some(Value::Array(parts)) if parts.len() == 2 => {
                        if let (Some(id), Some(attr)) = (parts[0].as_str(), parts[1].as_str()) {
                            return CfnRef::GetAtt(id.to_string(), attr.to_string());
                        }
                        CfnRef::Other(value.clone())
                    }
                    Some(Value::String(s)) => match s.split_once('.') {
                        Some((id, attr)) => CfnRef::GetAtt(id.to_string(), attr.to_string()),
                        None => CfnRef::Other(value.clone()),
                    },
                    _ => CfnRef::Other(value.clone()),
                }
            }
            other => CfnRef::Other(other.clone()),
        }
    }

    /// The CloudFormation JSON form (`{"Ref": "X"}`).
    pub fn to_json(&self) -> Value {
        match self {
            CfnRef::Ref(id) => json!({ "Ref": id }),
            CfnRef::GetAtt(id, attr) => json!({ "Fn::GetAtt": [id, attr] }),
            CfnRef::Literal(s) => Value::String(s.clone()),
            CfnRef::Other(v) => v.clone(),
        }
    }

    /// The YAML short form (`!Ref X`, `!GetAtt X.Arn`) for a one-line template entry.
    pub fn to_yaml_inline(&self) -> Option<String> {
        match self {
            CfnRef::Ref(id) => Some(format!("!Ref {id}")),
            CfnRef::GetAtt(id, attr) => Some(format!("!GetAtt {id}.{attr}")),
            CfnRef::Literal(s) => serde_json::to_string(s).ok(),
            CfnRef::Other(_) => None,
        }
    }

    /// The template resource it points at.
    pub fn logical_id(&self) -> Option<&str> {
        match self {
            CfnRef::Ref(id) | CfnRef::GetAtt(id, _) => Some(id),
            _ => None,
        }
    }
}

/// What `Ref` returns for a resource type, as a word for substitution names
/// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-template-resource-type-ref.html,
/// "Return values" of each type).
fn ref_word(resource_type: &str) -> &'static str {
    match resource_type {
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" | "AWS::Serverless::SimpleTable" => {
            "Name"
        }
        "AWS::SQS::Queue" => "Url",
        "AWS::SNS::Topic" => "Arn",
        "AWS::Events::EventBus" => "Name",
        "AWS::S3::Bucket" => "Name",
        "AWS::Lambda::Function" | "AWS::Serverless::Function" => "Name",
        "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => "Arn",
        _ => "Ref",
    }
}

/// A name for a new DefinitionSubstitutions entry, reusing an existing entry with the same value.
pub fn substitution_name(
    reference: &CfnRef,
    project: &Project,
    existing: &IndexMap<String, Value>,
    added: &IndexMap<String, Value>,
) -> String {
    let value = reference.to_json();
    for (name, v) in existing.iter().chain(added.iter()) {
        if CfnRef::parse(v) == *reference || *v == value {
            return name.clone();
        }
    }
    let base = match reference {
        CfnRef::Ref(id) => {
            let word = project
                .resources
                .get(id)
                .map(|r| ref_word(&r.resource_type))
                .unwrap_or("Ref");
            format!("{id}{word}")
        }
        CfnRef::GetAtt(id, attr) => format!("{id}{attr}"),
        _ => "Value".to_string(),
    };
    let base: String = base.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut name = base.clone();
    let mut n = 2;
    while existing.contains_key(&name) || added.contains_key(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// Placeholder account and region used when a reference has to become a concrete string (the
/// rewritten definition with substitutions applied, which verify runs).
pub const PLACEHOLDER_REGION: &str = "us-east-1";
pub const PLACEHOLDER_ACCOUNT: &str = "123456789012";

fn physical_name(id: &str, resource: Option<&Resource>, property: &str) -> String {
    resource
        .and_then(|r| r.properties.get(property))
        .and_then(|v| v.as_str())
        .unwrap_or(id)
        .to_string()
}

/// The concrete value a reference stands for, with placeholder account/region: `Ref` of a table is
/// its TableName, of a queue its URL, of a topic its ARN, of a bus its Name; `GetAtt X.Arn` the ARN.
pub fn concrete_value(reference: &CfnRef, project: &Project) -> Option<String> {
    let (r, a) = (PLACEHOLDER_REGION, PLACEHOLDER_ACCOUNT);
    if let Some(v) = super::refer::terraform_value(reference, project) {
        return Some(v);
    }
    // Discovery already rendered what Ref and Arn stand for; use its placeholders so that the
    // rewritten definition names the same resources as the rest of the project.
    match reference {
        CfnRef::Ref(id) => {
            if let Some(res) = project
                .resources
                .get(id)
                .filter(|x| !x.ref_value.is_empty())
            {
                return Some(res.ref_value.clone());
            }
        }
        CfnRef::GetAtt(id, attr) if attr == "Arn" => {
            if let Some(res) = project.resources.get(id).filter(|x| !x.arn.is_empty()) {
                return Some(res.arn.clone());
            }
        }
        _ => {}
    }
    match reference {
        CfnRef::Literal(s) => Some(s.clone()),
        CfnRef::Other(_) => None,
        CfnRef::Ref(id) => {
            let res = project.resources.get(id);
            let ty = res.map(|x| x.resource_type.as_str()).unwrap_or("");
            Some(match ty {
                "AWS::DynamoDB::Table" => physical_name(id, res, "TableName"),
                "AWS::SQS::Queue" => format!(
                    "https://sqs.{r}.amazonaws.com/{a}/{}",
                    physical_name(id, res, "QueueName")
                ),
                "AWS::SNS::Topic" => {
                    format!(
                        "arn:aws:sns:{r}:{a}:{}",
                        physical_name(id, res, "TopicName")
                    )
                }
                "AWS::Events::EventBus" => physical_name(id, res, "Name"),
                "AWS::S3::Bucket" => physical_name(id, res, "BucketName"),
                _ => id.clone(),
            })
        }
        CfnRef::GetAtt(id, attr) => {
            let res = project.resources.get(id);
            let ty = res.map(|x| x.resource_type.as_str()).unwrap_or("");
            Some(match (ty, attr.as_str()) {
                ("AWS::DynamoDB::Table", "Arn") => format!(
                    "arn:aws:dynamodb:{r}:{a}:table/{}",
                    physical_name(id, res, "TableName")
                ),
                ("AWS::SQS::Queue", "Arn") => {
                    format!(
                        "arn:aws:sqs:{r}:{a}:{}",
                        physical_name(id, res, "QueueName")
                    )
                }
                ("AWS::SQS::Queue", "QueueName") => physical_name(id, res, "QueueName"),
                ("AWS::SQS::Queue", "QueueUrl") => format!(
                    "https://sqs.{r}.amazonaws.com/{a}/{}",
                    physical_name(id, res, "QueueName")
                ),
                ("AWS::SNS::Topic", "TopicArn") => {
                    format!(
                        "arn:aws:sns:{r}:{a}:{}",
                        physical_name(id, res, "TopicName")
                    )
                }
                ("AWS::SNS::Topic", "TopicName") => physical_name(id, res, "TopicName"),
                ("AWS::Events::EventBus", "Arn") => format!(
                    "arn:aws:events:{r}:{a}:event-bus/{}",
                    physical_name(id, res, "Name")
                ),
                ("AWS::Events::EventBus", "Name") => physical_name(id, res, "Name"),
                _ => return None,
            })
        }
    }
}

/// The ARN of the resource a call targets, for an IAM statement: `!GetAtt X.Arn` where the type has
/// one, `Ref` for a topic (its Ref is the ARN).
pub fn arn_reference(logical_id: &str, project: &Project) -> Option<CfnRef> {
    let res = project.resources.get(logical_id)?;
    match res.resource_type.as_str() {
        "AWS::DynamoDB::Table"
        | "AWS::SQS::Queue"
        | "AWS::Events::EventBus"
        | "AWS::S3::Bucket" => Some(CfnRef::GetAtt(logical_id.to_string(), "Arn".into())),
        "AWS::SNS::Topic" => Some(CfnRef::Ref(logical_id.to_string())),
        _ => super::refer::terraform_arn(logical_id, project),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_reference_forms() {
        assert_eq!(CfnRef::parse(&json!({"Ref": "T"})), CfnRef::Ref("T".into()));
        assert_eq!(
            CfnRef::parse(&json!({"Fn::GetAtt": "Q.Arn"})),
            CfnRef::GetAtt("Q".into(), "Arn".into())
        );
        assert_eq!(
            CfnRef::parse(&json!({"Fn::GetAtt": ["Q", "Arn"]})),
            CfnRef::GetAtt("Q".into(), "Arn".into())
        );
        assert_eq!(CfnRef::parse(&json!("!Ref T")), CfnRef::Ref("T".into()));
        assert_eq!(
            CfnRef::parse(&json!("orders")),
            CfnRef::Literal("orders".into())
        );
    }
}
