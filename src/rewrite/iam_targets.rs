//! The resources an aws-sdk integration call targets, for the IAM statements of the state
//! machine's role, beyond the optimized DynamoDB, SQS, SNS and EventBridge calls: S3 objects and
//! buckets, Lambda functions, state machines, Secrets Manager secrets and SSM parameters. Each is
//! scoped to the exact resource the handler named (aws-facts §4: "aws-sdk:* — the service's own
//! IAM action, never auto-generated"); a resource chosen at run time gets no statement but a note,
//! never `*`.

use super::bindings::{self, CfnRef};
use super::integrations::Integration;
use super::synth::Target;
use crate::analysis::model::{SdkCall, TemplatePart, ValueExpr};
use crate::discover::model::{DefinitionOrigin, Project};
use indexmap::IndexMap;
use serde_json::{json, Value};

/// A request parameter as the IaC names it: an environment variable's reference, or a literal.
fn param_ref(
    top: &[(String, &ValueExpr)],
    env_refs: &IndexMap<String, CfnRef>,
    name: &str,
) -> Option<CfnRef> {
    top.iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| value_ref(v, env_refs))
}

fn value_ref(v: &ValueExpr, env_refs: &IndexMap<String, CfnRef>) -> Option<CfnRef> {
    match v {
        ValueExpr::Env { name, .. } => env_refs.get(name).cloned(),
        ValueExpr::Literal {
            value: Value::String(s),
        } => Some(CfnRef::Literal(s.clone())),
        _ => None,
    }
}

/// The literal text a parameter starts with (`"reports/" + event.id` → `reports/`), and whether
/// that is all of it.
fn literal_prefix(v: &ValueExpr) -> (String, bool) {
    match v {
        ValueExpr::Literal {
            value: Value::String(s),
        } => (s.clone(), true),
        ValueExpr::Template { parts } => {
            let mut out = String::new();
            for p in parts {
                match p {
                    TemplatePart::Text { text } => out.push_str(text),
                    TemplatePart::Expr { .. } => return (out, false),
                }
            }
            (out, true)
        }
        _ => (String::new(), false),
    }
}

/// `{"Fn::Sub": "${X.Arn}/suffix"}` for a reference with an ARN attribute; a literal ARN with
/// the suffix appended.
fn arn_with_suffix(arn: &CfnRef, suffix: &str) -> Option<Value> {
    match arn {
        CfnRef::GetAtt(id, attr) => Some(json!({ "Fn::Sub": format!("${{{id}.{attr}}}{suffix}") })),
        CfnRef::Literal(s) => Some(Value::String(format!("{s}{suffix}"))),
        _ => None,
    }
}

/// An S3 object key pattern for IAM: the key itself, or its literal prefix followed by `*`
/// (`*` alone when nothing of the key is literal: every object of the one bucket).
fn key_pattern(top: &[(String, &ValueExpr)], name: &str) -> String {
    match top.iter().find(|(k, _)| k == name) {
        Some((_, v)) => {
            let (prefix, complete) = literal_prefix(v);
            if complete {
                prefix
            } else {
                format!("{prefix}*")
            }
        }
        None => "*".into(),
    }
}

/// The bucket's ARN: a template bucket (`Ref` of an `AWS::S3::Bucket` is its name; the ARN is
/// its `Arn` attribute) or a literal bucket name.
fn bucket_arn(project: &Project, bucket: &CfnRef) -> Option<(CfnRef, Option<String>)> {
    match bucket {
        CfnRef::Ref(_) | CfnRef::GetAtt(_, _) => {
            let id = bucket.logical_id()?.to_string();
            bindings::arn_reference(&id, project).map(|arn| (arn, Some(id)))
        }
        CfnRef::Literal(name) if !name.contains(['$', '/', ':', '*']) => {
            // S3 ARNs carry no region or account: arn:aws:s3:::bucket
            // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html).
            Some((CfnRef::Literal(format!("arn:aws:s3:::{name}")), None))
        }
        _ => None,
    }
}

/// The resource ARN of a template resource that `Ref`/`Fn::GetAtt` names, for the kinds an
/// aws-sdk call targets by ARN or name: functions (`Arn` attribute), state machines and secrets
/// (their `Ref` is the ARN), SSM parameters (their `Ref` is the name).
/// Return values: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html,
/// .../aws-resource-stepfunctions-statemachine.html, .../aws-resource-secretsmanager-secret.html,
/// .../aws-resource-ssm-parameter.html.
fn resource_arn(project: &Project, r: &CfnRef) -> Option<(Value, Option<String>)> {
    let id = r.logical_id()?.to_string();
    if let Some(arn) = bindings::arn_reference(&id, project) {
        return Some((arn.to_json(), Some(id)));
    }
    let template_machine = project.state_machines.iter().any(|s| {
        s.name == id
            && matches!(
                s.origin,
                DefinitionOrigin::TemplateInline { .. } | DefinitionOrigin::SamDefinitionUri { .. }
            )
    });
    let ty = project
        .resources
        .get(&id)
        .map(|res| res.resource_type.as_str())
        .or_else(|| {
            project
                .functions
                .iter()
                .any(|f| f.id == id)
                .then_some("AWS::Lambda::Function")
        })
        .or_else(|| template_machine.then_some("AWS::StepFunctions::StateMachine"))
        // A Terraform address (`aws_sfn_state_machine.child`).
        .or_else(|| (id.starts_with("aws_") && id.contains('.')).then_some("terraform"))?;
    let arn = match ty {
        // A Terraform function's attribute is `arn`.
        "AWS::Lambda::Function" | "AWS::Serverless::Function" if id.contains('.') => {
            json!({"Fn::GetAtt": [id, "arn"]})
        }
        "AWS::Lambda::Function" | "AWS::Serverless::Function" => {
            json!({"Fn::GetAtt": [id, "Arn"]})
        }
        "AWS::StepFunctions::StateMachine"
        | "AWS::Serverless::StateMachine"
        | "AWS::SecretsManager::Secret" => json!({"Ref": id}),
        "AWS::SSM::Parameter" => json!({"Fn::Sub": format!(
            "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/${{{id}}}"
        )}),
        // Terraform: every resource type has an `arn` attribute.
        t if !t.starts_with("AWS::") => json!({"Fn::GetAtt": [id, "arn"]}),
        _ => return None,
    };
    Some((arn, Some(id)))
}

/// The ARN for a literal name or ARN of `kind` (`function`, `stateMachine`, `secret`,
/// `parameter`), in the account and region the state machine runs in.
fn literal_resource_arn(kind: &str, value: &str) -> Option<Value> {
    if value.starts_with("arn:") {
        return Some(Value::String(value.to_string()));
    }
    if value.contains(['$', '*']) {
        return None;
    }
    let base = "arn:${AWS::Partition}";
    Some(json!({ "Fn::Sub": match kind {
        "function" => format!("{base}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{value}"),
        "stateMachine" => format!("{base}:states:${{AWS::Region}}:${{AWS::AccountId}}:stateMachine:{value}"),
        // A secret's ARN ends in `-` and six random characters: `name-??????` matches it and no
        // other secret (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html).
        "secret" => format!("{base}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{value}-??????"),
        // `/a/b` → parameter/a/b (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html).
        "parameter" => format!(
            "{base}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}",
            value.trim_start_matches('/')
        ),
        _ => return None,
    }}))
}

/// The IAM actions S3 checks for an API call, which are not all named after it: HeadObject and
/// SelectObjectContent need s3:GetObject, ListObjectsV2 needs s3:ListBucket on the bucket, and
/// CopyObject s3:GetObject on the source plus s3:PutObject on the destination
/// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html,
/// .../API_SelectObjectContent.html, .../API_ListObjectsV2.html, .../API_CopyObject.html, each
/// under "Permissions").
fn s3_action(action: &str) -> Option<&'static str> {
    Some(match action {
        "GetObject" | "HeadObject" | "SelectObjectContent" => "s3:GetObject",
        "PutObject" | "CopyObject" => "s3:PutObject",
        "DeleteObject" => "s3:DeleteObject",
        "ListObjectsV2" | "ListObjects" => "s3:ListBucket",
        _ => return None,
    })
}

fn s3_targets(
    project: &Project,
    call: &SdkCall,
    top: &[(String, &ValueExpr)],
    env_refs: &IndexMap<String, CfnRef>,
    notes: &mut Vec<String>,
) -> Vec<Target> {
    let Some(action) = s3_action(&call.action) else {
        notes.push(format!(
            "IAM: the S3 permission for {} is not derived; scope it to the bucket by hand",
            call.action
        ));
        return vec![];
    };
    let bucket = param_ref(top, env_refs, "Bucket").and_then(|b| bucket_arn(project, &b));
    let Some((bucket, logical_id)) = bucket else {
        notes.push(format!(
            "IAM: the bucket is chosen at run time or not a template resource; grant {action} on that bucket by hand (AWS accepts a resource here, so avoid \"*\")"
        ));
        return vec![];
    };
    let mut out = Vec::new();
    if action == "s3:ListBucket" {
        out.push(Target {
            action: action.into(),
            arn: bucket.to_json(),
            logical_id: logical_id.clone(),
        });
        return out;
    }
    let key = key_pattern(top, "Key");
    if let Some(arn) = arn_with_suffix(&bucket, &format!("/{key}")) {
        out.push(Target {
            action: action.into(),
            arn,
            logical_id: logical_id.clone(),
        });
    }
    // A bucket encrypted with a customer managed key: the key, for what the call does to it.
    if let Some(id) = &logical_id {
        let kind = match action {
            "s3:PutObject" => Some("s3:put"),
            "s3:GetObject" if call.action != "HeadObject" => Some("s3:get"),
            _ => None,
        };
        if let Some(kind) = kind {
            out.extend(super::iam::kms_targets(project, kind, id, notes));
        }
    }
    if call.action == "CopyObject" {
        // CopySource is `bucket/key`: a literal bucket part scopes the read to that bucket.
        let source = top
            .iter()
            .find(|(k, _)| k == "CopySource")
            .map(|(_, v)| literal_prefix(v));
        match source {
            Some((text, complete)) if text.contains('/') => {
                let pattern = if complete { text } else { format!("{text}*") };
                out.push(Target {
                    action: "s3:GetObject".into(),
                    arn: json!({ "Fn::Sub": format!("arn:${{AWS::Partition}}:s3:::{pattern}") }),
                    logical_id: None,
                });
            }
            _ => notes.push(
                "IAM: CopyObject also needs s3:GetObject on the source object, chosen at run time; grant it on the source bucket by hand".into(),
            ),
        }
    }
    out
}

/// A DynamoDB Query or Scan of a secondary index is authorized on the index, whose ARN is the
/// table's followed by `/index/<name>`; the table ARN alone does not grant it
/// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html,
/// resource type `index`). The table targets become the index's (`/index/*` when the index is
/// chosen at run time: the indexes of that one table).
pub fn scope_to_index(targets: &mut [Target], top: &[(String, &ValueExpr)]) {
    let Some((_, index)) = top.iter().find(|(k, _)| k == "IndexName") else {
        return;
    };
    let name = match index {
        ValueExpr::Literal {
            value: Value::String(s),
        } => s.clone(),
        _ => "*".to_string(),
    };
    for t in targets.iter_mut() {
        if !t.action.starts_with("dynamodb:") {
            continue;
        }
        let table = CfnRef::parse(&t.arn);
        let suffix = format!("/index/{name}");
        if let Some(arn) = match (&table, &t.arn) {
            (CfnRef::GetAtt(_, _), _) => arn_with_suffix(&table, &suffix),
            (_, Value::String(s)) => Some(Value::String(format!("{s}{suffix}"))),
            (_, v) => v
                .get("Fn::Sub")
                .and_then(Value::as_str)
                .map(|s| json!({ "Fn::Sub": format!("{s}{suffix}") })),
        } {
            t.arn = arn;
        }
    }
}

/// Targets of an aws-sdk call to a service the optimized families do not cover.
pub fn aws_sdk_targets(
    project: &Project,
    call: &SdkCall,
    integ: &Integration,
    top: &[(String, &ValueExpr)],
    env_refs: &IndexMap<String, CfnRef>,
    notes: &mut Vec<String>,
) -> Vec<Target> {
    let (param, kind) = match call.service.as_str() {
        "s3" => return s3_targets(project, call, top, env_refs, notes),
        "lambda" => ("FunctionName", "function"),
        "states" | "sfn" if call.action.starts_with("Start") => ("StateMachineArn", "stateMachine"),
        "secretsmanager" => ("SecretId", "secret"),
        "ssm" if matches!(call.action.as_str(), "GetParameter" | "PutParameter") => {
            ("Name", "parameter")
        }
        _ => {
            notes.push(format!(
                "IAM: {} for the aws-sdk integration is never generated by Step Functions; scope it to the resource by hand",
                integ.iam_actions.join(", ")
            ));
            return vec![];
        }
    };
    let found = match param_ref(top, env_refs, param) {
        Some(r @ (CfnRef::Ref(_) | CfnRef::GetAtt(_, _))) => resource_arn(project, &r),
        Some(CfnRef::Literal(s)) => literal_resource_arn(kind, &s).map(|a| (a, None)),
        _ => None,
    };
    let Some((arn, logical_id)) = found else {
        notes.push(format!(
            "IAM: the {kind} is chosen at run time or not a template resource; scope {} by hand (AWS accepts a resource here, so avoid \"*\")",
            integ.iam_actions.join(", ")
        ));
        return vec![];
    };
    integ
        .iam_actions
        .iter()
        .map(|a| Target {
            action: a.clone(),
            arn: arn.clone(),
            logical_id: logical_id.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::PathSeg;
    use crate::discover::model::Resource;
    use crate::rewrite::integrations::{self, tests::call};

    fn project() -> Project {
        let mut p = Project::default();
        p.resources.insert(
            "ReportsBucket".into(),
            Resource {
                resource_type: "AWS::S3::Bucket".into(),
                properties: json!({}),
                template: "template.yaml".into(),
                id: "ReportsBucket".into(),
                name: "reports".into(),
                arn: "arn:aws:s3:::reports".into(),
                ref_value: "reports".into(),
            },
        );
        p
    }

    fn lit(s: &str) -> ValueExpr {
        ValueExpr::Literal { value: json!(s) }
    }

    fn env(name: &str) -> ValueExpr {
        ValueExpr::Env {
            name: name.into(),
            value: None,
        }
    }

    fn event(field: &str) -> ValueExpr {
        ValueExpr::Event {
            path: vec![PathSeg::Field(field.into())],
        }
    }

    fn prefixed(prefix: &str, field: &str) -> ValueExpr {
        ValueExpr::Template {
            parts: vec![
                TemplatePart::Text {
                    text: prefix.into(),
                },
                TemplatePart::Expr {
                    value: event(field),
                },
            ],
        }
    }

    /// The targets of `service:action` called with `params`, and the notes.
    fn run(
        service: &str,
        action: &str,
        params: &[(&str, ValueExpr)],
    ) -> (Vec<Target>, Vec<String>) {
        let c = call(service, action);
        let integ = integrations::aws_sdk_for_call(&c).unwrap();
        let top: Vec<(String, &ValueExpr)> =
            params.iter().map(|(k, v)| (k.to_string(), v)).collect();
        let env_refs: IndexMap<String, CfnRef> =
            [("BUCKET".to_string(), CfnRef::Ref("ReportsBucket".into()))].into();
        let mut notes = Vec::new();
        let t = aws_sdk_targets(&project(), &c, &integ, &top, &env_refs, &mut notes);
        // Least privilege: never `*` as the resource, nor a wildcard over buckets or accounts.
        for target in &t {
            let text = target.arn.to_string();
            assert_ne!(target.arn, json!("*"), "{target:?}");
            assert!(
                !text.contains(":::*") && !text.contains(":*:"),
                "{target:?}"
            );
        }
        (t, notes)
    }

    fn one(t: &[Target]) -> (&str, &Value) {
        assert_eq!(t.len(), 1, "{t:?}");
        (t[0].action.as_str(), &t[0].arn)
    }

    #[test]
    fn s3_object_calls_are_scoped_to_the_bucket_and_key() {
        let (t, _) = run(
            "s3",
            "PutObject",
            &[
                ("Bucket", env("BUCKET")),
                ("Key", prefixed("reports/", "id")),
            ],
        );
        assert_eq!(
            one(&t),
            (
                "s3:PutObject",
                &json!({"Fn::Sub": "${ReportsBucket.Arn}/reports/*"})
            )
        );
        assert_eq!(t[0].logical_id.as_deref(), Some("ReportsBucket"));
        let (t, _) = run(
            "s3",
            "GetObject",
            &[("Bucket", lit("archive")), ("Key", lit("a/b.json"))],
        );
        assert_eq!(
            one(&t),
            ("s3:GetObject", &json!("arn:aws:s3:::archive/a/b.json"))
        );
        // HeadObject is authorized by s3:GetObject; a key known only at run time: the bucket's objects.
        let (t, _) = run(
            "s3",
            "HeadObject",
            &[("Bucket", env("BUCKET")), ("Key", event("key"))],
        );
        assert_eq!(
            one(&t),
            (
                "s3:GetObject",
                &json!({"Fn::Sub": "${ReportsBucket.Arn}/*"})
            )
        );
        let (t, _) = run(
            "s3",
            "DeleteObject",
            &[("Bucket", env("BUCKET")), ("Key", lit("x"))],
        );
        assert_eq!(one(&t).0, "s3:DeleteObject");
    }

    #[test]
    fn s3_listing_and_copying_use_the_actions_s3_checks() {
        let (t, _) = run("s3", "ListObjectsV2", &[("Bucket", env("BUCKET"))]);
        assert_eq!(
            one(&t),
            (
                "s3:ListBucket",
                &json!({"Fn::GetAtt": ["ReportsBucket", "Arn"]})
            )
        );
        let (t, notes) = run(
            "s3",
            "CopyObject",
            &[
                ("Bucket", env("BUCKET")),
                ("Key", lit("copy.json")),
                ("CopySource", prefixed("incoming/", "key")),
            ],
        );
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].action, "s3:PutObject");
        assert_eq!(
            t[0].arn,
            json!({"Fn::Sub": "${ReportsBucket.Arn}/copy.json"})
        );
        assert_eq!(t[1].action, "s3:GetObject");
        assert_eq!(
            t[1].arn,
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::incoming/*"})
        );
    }

    #[test]
    fn a_resource_chosen_at_run_time_gets_a_note_not_a_wildcard() {
        for (service, action, param) in [
            ("s3", "PutObject", "Bucket"),
            ("lambda", "Invoke", "FunctionName"),
            ("states", "StartExecution", "StateMachineArn"),
            ("secretsmanager", "GetSecretValue", "SecretId"),
            ("ssm", "GetParameter", "Name"),
        ] {
            let (t, notes) = run(service, action, &[(param, event("target"))]);
            assert!(t.is_empty(), "{service}:{action}: {t:?}");
            assert!(notes.iter().any(|n| n.contains("by hand")), "{notes:?}");
        }
    }

    #[test]
    fn named_resources_get_their_exact_arns() {
        let (t, _) = run("lambda", "Invoke", &[("FunctionName", lit("worker"))]);
        assert_eq!(
            one(&t),
            (
                "lambda:InvokeFunction",
                &json!({"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:worker"})
            )
        );
        let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:child";
        let (t, _) = run("states", "StartExecution", &[("StateMachineArn", lit(arn))]);
        assert_eq!(one(&t), ("states:StartExecution", &json!(arn)));
        let (t, _) = run(
            "secretsmanager",
            "GetSecretValue",
            &[("SecretId", lit("db-creds"))],
        );
        assert_eq!(
            one(&t).1,
            &json!({"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:db-creds-??????"})
        );
        let (t, _) = run("ssm", "GetParameter", &[("Name", lit("/app/flag"))]);
        assert_eq!(
            one(&t),
            (
                "ssm:GetParameter",
                &json!({"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/app/flag"})
            )
        );
    }

    #[test]
    fn an_sse_kms_bucket_adds_its_key_for_what_the_call_does() {
        let mut p = project();
        p.resources["ReportsBucket"].properties = json!({"BucketEncryption": {
            "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "ReportsKey"}}}]}});
        let env_refs: IndexMap<String, CfnRef> =
            [("BUCKET".to_string(), CfnRef::Ref("ReportsBucket".into()))].into();
        let key = lit("a.json");
        let bucket = env("BUCKET");
        let top: Vec<(String, &ValueExpr)> = vec![("Bucket".into(), &bucket), ("Key".into(), &key)];
        for (action, kms) in [
            ("PutObject", "kms:GenerateDataKey"),
            ("GetObject", "kms:Decrypt"),
        ] {
            let c = call("s3", action);
            let integ = integrations::aws_sdk_for_call(&c).unwrap();
            let mut notes = Vec::new();
            let t = aws_sdk_targets(&p, &c, &integ, &top, &env_refs, &mut notes);
            assert_eq!(t.len(), 2, "{t:?}");
            assert_eq!(t[1].action, kms);
            assert_eq!(t[1].arn, json!({"Fn::GetAtt": ["ReportsKey", "Arn"]}));
        }
        // Listing reads no object: no key.
        let c = call("s3", "ListObjectsV2");
        let integ = integrations::aws_sdk_for_call(&c).unwrap();
        let t = aws_sdk_targets(&p, &c, &integ, &top, &env_refs, &mut Vec::new());
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn an_index_query_is_granted_on_the_index() {
        let table = |arn: Value| Target {
            action: "dynamodb:Query".into(),
            arn,
            logical_id: Some("Orders".into()),
        };
        let idx = lit("byCustomer");
        let mut t = vec![table(json!({"Fn::GetAtt": ["Orders", "Arn"]}))];
        scope_to_index(&mut t, &[("IndexName".to_string(), &idx)]);
        assert_eq!(
            t[0].arn,
            json!({"Fn::Sub": "${Orders.Arn}/index/byCustomer"})
        );
        let dynamic = event("index");
        let mut t = vec![table(
            json!({"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders"}),
        )];
        scope_to_index(&mut t, &[("IndexName".to_string(), &dynamic)]);
        assert_eq!(
            t[0].arn,
            json!({"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders/index/*"})
        );
        // No index: the table.
        let mut t = vec![table(json!({"Fn::GetAtt": ["Orders", "Arn"]}))];
        scope_to_index(&mut t, &[]);
        assert_eq!(t[0].arn, json!({"Fn::GetAtt": ["Orders", "Arn"]}));
    }

    /// Every statement a fixture's plan adds names one resource of the project (or an exact
    /// ARN), never `*`; S3 object wildcards stay under one bucket.
    #[test]
    fn every_fixture_plan_is_least_privilege() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for fixture in [
            "fixtures/order-service",
            "fixtures/iac/asl-only",
            "fixtures/iac/sam",
            "fixtures/iac/cloudformation-json",
            "fixtures/iac/serverless",
            "fixtures/iac/terraform",
        ] {
            let planned = crate::rewrite::pipeline::plan_path(
                &root.join(fixture),
                &crate::rewrite::RewriteOptions::default(),
            )
            .unwrap();
            for st in &planned.plan.iam_add {
                let resources = st["Resource"].as_array().unwrap();
                assert!(!resources.is_empty(), "{fixture}: {st}");
                for r in resources {
                    let text = match r {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    assert_ne!(text, "*", "{fixture}: {st}");
                    assert!(
                        !text.contains(":::*") && !text.contains(":*:"),
                        "{fixture}: {st}"
                    );
                    checked += 1;
                }
                assert_eq!(st["Effect"], "Allow");
                for a in st["Action"].as_array().unwrap() {
                    assert!(!a.as_str().unwrap().contains('*'), "{fixture}: {st}");
                }
            }
        }
        assert!(checked >= 5, "only {checked} resources checked");
    }
}
