//! IAM changes for the state-machine role (aws-facts §4): the integration actions to add, scoped
//! to the exact resources, and `lambda:InvokeFunction` to remove for retired functions; as plain
//! policy statements and as SAM policy templates.

use super::bindings::CfnRef;
use super::synth::Target;
use crate::discover::model::Project;
use serde_json::{json, Value};

/// One statement per resource, its actions merged and sorted.
pub fn add_statements(targets: &[Target]) -> Vec<Value> {
    let mut by_resource: Vec<(Value, Vec<String>)> = Vec::new();
    for t in targets {
        match by_resource.iter_mut().find(|(arn, _)| *arn == t.arn) {
            Some((_, actions)) => {
                if !actions.contains(&t.action) {
                    actions.push(t.action.clone());
                }
            }
            None => by_resource.push((t.arn.clone(), vec![t.action.clone()])),
        }
    }
    by_resource
        .into_iter()
        .map(|(arn, mut actions)| {
            actions.sort();
            json!({"Effect": "Allow", "Action": actions, "Resource": [arn]})
        })
        .collect()
}

/// The KMS permissions a call needs when its target is encrypted with a customer managed key
/// named in the template: sending to an SSE-KMS queue or publishing to an SSE-KMS topic takes
/// kms:GenerateDataKey and kms:Decrypt on the key
/// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
/// https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html, "Configuring AWS KMS
/// permissions"); a DynamoDB table under a customer managed key is read and written with the
/// caller's kms:Decrypt (and kms:DescribeKey) on it
/// (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html). AWS managed
/// keys (`alias/aws/...`) need no IAM statement: their key policy admits the account's callers
/// of the service. `resource` is the logical id of the queue, topic or table.
pub fn kms_targets(
    project: &Project,
    service: &str,
    resource: &str,
    notes: &mut Vec<String>,
) -> Vec<Target> {
    let Some(res) = project.resources.get(resource) else {
        return vec![];
    };
    let p = &res.properties;
    let (key, actions): (Option<&Value>, &[&str]) = match service {
        "sqs" => (
            p.get("KmsMasterKeyId")
                .or_else(|| p.get("kms_master_key_id")),
            &["kms:Decrypt", "kms:GenerateDataKey"],
        ),
        "sns" => (
            p.get("KmsMasterKeyId")
                .or_else(|| p.get("kms_master_key_id")),
            &["kms:Decrypt", "kms:GenerateDataKey"],
        ),
        "dynamodb" => {
            let sse = p.get("SSESpecification");
            let enabled = sse
                .and_then(|s| s.get("SSEEnabled"))
                .is_some_and(|e| e == &Value::Bool(true) || e == "true");
            (
                sse.filter(|_| enabled)
                    .and_then(|s| s.get("KMSMasterKeyId")),
                &["kms:Decrypt", "kms:DescribeKey"],
            )
        }
        // A bucket whose default encryption is SSE-KMS under a customer managed key: writing an
        // object takes kms:GenerateDataKey, reading one kms:Decrypt on that key
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
        // "Permissions"). `s3:put` / `s3:get` say which the call does.
        "s3:put" | "s3:get" => {
            let by_default = p.pointer(
                "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault",
            );
            let kms = by_default.filter(|d| {
                d.get("SSEAlgorithm")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.starts_with("aws:kms"))
            });
            let actions: &[&str] = if service == "s3:put" {
                &["kms:GenerateDataKey"]
            } else {
                &["kms:Decrypt"]
            };
            (kms.and_then(|d| d.get("KMSMasterKeyID")), actions)
        }
        _ => (None, &[]),
    };
    let Some(key) = key else {
        return vec![];
    };
    let (arn, logical_id) = match key {
        Value::String(s) if s.starts_with("alias/aws/") => return vec![],
        Value::String(s) if s.starts_with("arn:") && !s.contains(":alias/") => (json!(s), None),
        Value::String(s) if !s.starts_with("alias/") && !s.contains("${") && !s.contains(':') => (
            json!({ "Fn::Sub": format!("arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{s}") }),
            None,
        ),
        Value::Object(m) if m.len() == 1 => {
            let r = super::bindings::CfnRef::parse(key);
            match r.logical_id() {
                // Ref of an AWS::KMS::Key is its key id; its Arn attribute is what IAM takes.
                Some(id)
                    if project
                        .resources
                        .get(id)
                        .is_none_or(|k| k.resource_type == "AWS::KMS::Key") =>
                {
                    (json!({ "Fn::GetAtt": [id, "Arn"] }), Some(id.to_string()))
                }
                _ => {
                    notes.push(format!(
                        "IAM: {resource} is encrypted with a KMS key given as {key}; grant {} on that key by hand",
                        actions.join(", ")
                    ));
                    return vec![];
                }
            }
        }
        other => {
            notes.push(format!(
                "IAM: {resource} is encrypted with KMS key {other} (an alias or an expression); grant {} on the key it names by hand (IAM needs the key ARN)",
                actions.join(", ")
            ));
            return vec![];
        }
    };
    notes.push(format!(
        "IAM: {resource} is encrypted with a customer managed KMS key: the role also needs {} on it (the key policy must allow the account's IAM policies)",
        actions.join(", ")
    ));
    actions
        .iter()
        .map(|a| Target {
            action: a.to_string(),
            arn: arn.clone(),
            logical_id: logical_id.clone(),
        })
        .collect()
}

/// `lambda:InvokeFunction` on each retired function (and its versions/aliases, as SAM's
/// LambdaInvokePolicy grants `function:<name>*`).
pub fn remove_statements(project: &Project, unused: &[usize]) -> Vec<Value> {
    unused
        .iter()
        .filter_map(|&i| project.functions.get(i))
        .map(|f| {
            // serverless.yml functions are `<Key>LambdaFunction` in the stack.
            let serverless = f
                .template
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("serverless."));
            let id = if serverless {
                crate::discover::serverless::logical_id(&f.id)
            } else {
                f.id.clone()
            };
            // A Terraform function's attribute is `arn`.
            let attr = if id.starts_with("aws_") && id.contains('.') {
                "arn"
            } else {
                "Arn"
            };
            json!({
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": [
                    {"Fn::GetAtt": [id, attr]},
                    {"Fn::Sub": format!("${{{id}.{attr}}}:*")}
                ]
            })
        })
        .collect()
}

/// The SAM policy template that grants `target`: its name, its parameter and the parameter's
/// value, and what it grants beyond the one action. None when SAM has no fitting template.
/// Templates: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-template-list.html
fn sam_template(
    target: &Target,
) -> Option<(&'static str, &'static str, CfnRef, Option<&'static str>)> {
    let id = target.logical_id.clone()?;
    Some(match target.action.as_str() {
        "dynamodb:PutItem" | "dynamodb:UpdateItem" => (
            "DynamoDBWritePolicy",
            "TableName",
            CfnRef::Ref(id),
            Some("DynamoDBWritePolicy also grants dynamodb:UpdateItem/PutItem and BatchWriteItem on the table and its indexes"),
        ),
        "dynamodb:GetItem" => (
            "DynamoDBReadPolicy",
            "TableName",
            CfnRef::Ref(id),
            Some("DynamoDBReadPolicy also grants Scan, Query, BatchGetItem and DescribeTable"),
        ),
        "sqs:SendMessage" => (
            "SQSSendMessagePolicy",
            "QueueName",
            CfnRef::GetAtt(id, "QueueName".into()),
            Some("SQSSendMessagePolicy grants sqs:SendMessage* on the queue"),
        ),
        "sns:Publish" => (
            "SNSPublishMessagePolicy",
            "TopicName",
            CfnRef::GetAtt(id, "TopicName".into()),
            None,
        ),
        "events:PutEvents" => (
            "EventBridgePutEventsPolicy",
            "EventBusName",
            CfnRef::Ref(id),
            None,
        ),
        _ => return None,
    })
}

/// The SAM policy template that grants `target` (lines of one `Policies` list item), and what it
/// grants beyond the one action, for the notes. None when SAM has no fitting template.
pub fn sam_policy(target: &Target) -> Option<(Vec<String>, Option<String>)> {
    let (template, param, value, extra) = sam_template(target)?;
    Some((
        vec![
            format!("{template}:"),
            format!("{param}: {}", value.to_yaml_inline()?),
        ],
        extra.map(String::from),
    ))
}

/// The same as a JSON `Policies` item (`{"DynamoDBWritePolicy": {"TableName": {"Ref": "T"}}}`).
pub fn sam_policy_json(target: &Target) -> Option<(Value, Option<String>)> {
    let (template, param, value, extra) = sam_template(target)?;
    Some((
        json!({ template: { param: value.to_json() } }),
        extra.map(String::from),
    ))
}

/// An inline policy statement as a SAM `Policies` list item, for actions without a template.
pub fn sam_inline_statement(target: &Target) -> Option<Vec<String>> {
    let resource = super::iam_template::yaml_inline(&target.arn)?;
    Some(vec![
        "Statement:".into(),
        "  - Effect: Allow".into(),
        format!("    Action: {}", target.action),
        format!("    Resource: {resource}"),
    ])
}

/// The same as a JSON `Policies` item (`{"Statement": [...]}`).
pub fn sam_inline_statement_json(target: &Target) -> Value {
    json!({"Statement": [{"Effect": "Allow", "Action": target.action, "Resource": target.arn}]})
}

/// A SAM `LambdaInvokePolicy` item that names only retired functions (so it goes with them).
pub fn invokes_only(item: &Value, retired: &[String]) -> bool {
    let Some(name) = item
        .get("LambdaInvokePolicy")
        .and_then(|p| p.get("FunctionName"))
    else {
        return false;
    };
    CfnRef::parse(name)
        .logical_id()
        .is_some_and(|id| retired.iter().any(|r| r == id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_scoped_and_merged_per_resource() {
        let t = |a: &str| Target {
            action: a.into(),
            arn: json!({"Fn::GetAtt": ["OrdersTable", "Arn"]}),
            logical_id: Some("OrdersTable".into()),
        };
        let s = add_statements(&[
            t("dynamodb:PutItem"),
            t("dynamodb:GetItem"),
            t("dynamodb:PutItem"),
        ]);
        assert_eq!(
            s,
            vec![
                json!({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                        "Resource": [{"Fn::GetAtt": ["OrdersTable", "Arn"]}]})
            ]
        );
        let (lines, _) = sam_policy(&t("dynamodb:PutItem")).unwrap();
        assert_eq!(
            lines,
            vec!["DynamoDBWritePolicy:", "TableName: !Ref OrdersTable"]
        );
        let inline = sam_inline_statement(&t("dynamodb:DeleteItem")).unwrap();
        assert_eq!(inline[3], "    Resource: !GetAtt OrdersTable.Arn");
    }
}
