//! How a rewritten definition refers to a resource the new Task calls, in the vocabulary of the
//! file that holds it: a DefinitionSubstitutions entry (`${OrdersTableName}`), an `Fn::Sub` /
//! `Fn::Join` variable (`${OrdersTable}`, `${Queue.Arn}`), a CloudFormation intrinsic
//! (serverless-step-functions), a Terraform expression inside `jsonencode` (`${aws_sqs_queue.q.url}`),
//! a `templatefile` variable, or nothing at all (a standalone ASL file can only hold literals).

use super::bindings::{self, CfnRef};
use crate::discover::model::{DefinitionOrigin, Project, StateMachine};
use indexmap::IndexMap;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefStyle {
    /// `${Name}` plus a DefinitionSubstitutions entry (SAM/CloudFormation Definition, DefinitionUri).
    DefinitionSubstitutions,
    /// `${Id}` / `${Id.Attr}`: resolved by `Fn::Sub` itself, or turned into `Fn::Join` parts
    /// (DefinitionString, CDK output).
    SubVariables,
    /// `${Name}` plus an entry in the variables map of `Fn::Sub: [string, {Name: ...}]`, the
    /// vocabulary a template that lists its variables already uses.
    SubVariablesMap,
    /// `{"Ref": ...}` / `{"Fn::GetAtt": ...}` inside the definition (serverless-step-functions).
    Intrinsics,
    /// `${addr.attr}` in a `jsonencode(...)` definition (rendered as the bare HCL expression).
    TerraformExpression,
    /// `${name}` plus an entry in `templatefile(path, { name = addr.attr })`.
    TerraformTemplateVar,
    /// Literal values only.
    LiteralOnly,
}

/// The reference style of a state machine's definition.
pub fn style(sm: &StateMachine) -> RefStyle {
    match &sm.origin {
        DefinitionOrigin::AslFile { .. } => RefStyle::LiteralOnly,
        DefinitionOrigin::SamDefinitionUri { .. } => RefStyle::DefinitionSubstitutions,
        DefinitionOrigin::TemplateInline { template, resource } => {
            match definition_string(template, resource) {
                Some(Value::Object(m)) if m.get("Fn::Sub").is_some_and(Value::is_array) => {
                    RefStyle::SubVariablesMap
                }
                Some(Value::Object(m))
                    if m.contains_key("Fn::Sub") || m.contains_key("Fn::Join") =>
                {
                    RefStyle::SubVariables
                }
                _ => RefStyle::DefinitionSubstitutions,
            }
        }
        DefinitionOrigin::Serverless { .. } => RefStyle::Intrinsics,
        DefinitionOrigin::Terraform {
            definition_file, ..
        } => match definition_file {
            None => RefStyle::TerraformExpression,
            Some(_) => RefStyle::TerraformTemplateVar,
        },
        DefinitionOrigin::CdkOut { .. } => RefStyle::SubVariables,
    }
}

/// The `DefinitionString` expression of a template resource, read again from the template.
pub fn definition_string(template: &std::path::Path, resource: &str) -> Option<Value> {
    let text = std::fs::read_to_string(template).ok()?;
    let doc = crate::discover::yaml::parse_by_extension(template, &text).ok()?;
    doc.get("Resources")?
        .get(resource)?
        .get("Properties")?
        .get("DefinitionString")
        .cloned()
}

/// A reference as the IaC wrote it, made comparable: Terraform's `"${aws_sqs_queue.q.url}"`
/// becomes `GetAtt("aws_sqs_queue.q", "url")` when the module declares that resource.
pub fn normalize(reference: CfnRef, project: &Project) -> CfnRef {
    if let CfnRef::Literal(s) = &reference {
        if let Some(expr) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            if !expr.contains(['$', '{', '}', ' ']) {
                if let Some((addr, attr)) = expr.rsplit_once('.') {
                    if project.resources.contains_key(addr)
                        || project.functions.iter().any(|f| f.id == addr)
                    {
                        return CfnRef::GetAtt(addr.to_string(), attr.to_string());
                    }
                }
            }
        }
    }
    reference
}

/// A Terraform resource of the project (its type has no `AWS::` prefix).
fn terraform_resource<'a>(
    project: &'a Project,
    id: &str,
) -> Option<&'a crate::discover::model::Resource> {
    project
        .resources
        .get(id)
        .filter(|r| !r.resource_type.starts_with("AWS::"))
}

/// What a Terraform attribute stands for, with discovery's placeholder account and region.
/// Attribute references: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sqs_queue
/// (`id` and `url` are the queue URL), .../dynamodb_table (`id` is the name), .../sns_topic
/// (`id` is the ARN), .../cloudwatch_event_bus (`id` is the name), .../s3_bucket (`id` is the name).
pub fn terraform_value(reference: &CfnRef, project: &Project) -> Option<String> {
    let CfnRef::GetAtt(id, attr) = reference else {
        return None;
    };
    let res = terraform_resource(project, id)?;
    Some(match attr.as_str() {
        "arn" => res.arn.clone(),
        "id" | "url" => res.ref_value.clone(),
        "name" | "bucket" => res.name.clone(),
        _ => return None,
    })
}

/// The ARN reference of a Terraform resource (`addr.arn`), for IAM.
pub fn terraform_arn(id: &str, project: &Project) -> Option<CfnRef> {
    terraform_resource(project, id).map(|_| CfnRef::GetAtt(id.to_string(), "arn".into()))
}

/// The HCL expression of a normalized reference (`aws_sqs_queue.q.url`).
pub fn terraform_expression(reference: &CfnRef) -> Option<String> {
    match reference {
        CfnRef::GetAtt(id, attr) => Some(format!("{id}.{attr}")),
        CfnRef::Ref(id) => Some(id.clone()),
        CfnRef::Literal(s) => s
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .map(str::to_string),
        CfnRef::Other(_) => None,
    }
}

/// How the definition writes `reference`: the value to put in the state, and the substitution it
/// introduces (name → reference) when no existing one stands for the same thing. `None` when this
/// kind of file cannot refer to it.
pub fn write(
    style: RefStyle,
    reference: &CfnRef,
    project: &Project,
    existing: &IndexMap<String, Value>,
    added: &IndexMap<String, Value>,
) -> Option<(Value, Option<(String, CfnRef)>)> {
    if let CfnRef::Literal(s) = reference {
        if !s.contains("${") {
            return Some((Value::String(s.clone()), None));
        }
    }
    if matches!(reference, CfnRef::Other(_) | CfnRef::Literal(_)) {
        return None;
    }
    let same = |v: &Value| normalize(CfnRef::parse(v), project) == *reference;
    let known = existing
        .iter()
        .chain(added.iter())
        .find(|(_, v)| same(v))
        .map(|(n, _)| n.clone());
    let placeholder = |name: &str| Value::String(format!("${{{name}}}"));
    let taken = |name: &str| existing.contains_key(name) || added.contains_key(name);
    let name = match style {
        RefStyle::LiteralOnly => return None,
        RefStyle::Intrinsics => return Some((reference.to_json(), None)),
        RefStyle::DefinitionSubstitutions | RefStyle::SubVariablesMap => {
            bindings::substitution_name(reference, project, existing, added)
        }
        RefStyle::SubVariables => match (known, reference) {
            (Some(n), _) => n,
            (None, CfnRef::Ref(id)) => id.clone(),
            (None, CfnRef::GetAtt(id, attr)) => format!("{id}.{attr}"),
            _ => return None,
        },
        RefStyle::TerraformExpression => terraform_expression(reference)?,
        RefStyle::TerraformTemplateVar => match known {
            Some(n) => n,
            None => {
                let expr = terraform_expression(reference)?;
                // `aws_sqs_queue.restock.url` → `restock_url`.
                let parts: Vec<&str> = expr.split('.').collect();
                let base = parts[parts.len().saturating_sub(2)..]
                    .join("_")
                    .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_");
                let mut name = base.clone();
                let mut n = 2;
                while taken(&name) {
                    name = format!("{base}_{n}");
                    n += 1;
                }
                name
            }
        },
    };
    if let Some(v) = existing.get(&name).or_else(|| added.get(&name)) {
        if !same(v) {
            // The name stands for something else already (an explicit Fn::Sub variable).
            return None;
        }
        return Some((placeholder(&name), None));
    }
    Some((placeholder(&name), Some((name, reference.clone()))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::model::Resource;
    use serde_json::json;

    fn project() -> Project {
        let mut p = Project::default();
        p.resources.insert(
            "aws_sqs_queue.restock".into(),
            Resource {
                resource_type: "aws_sqs_queue".into(),
                properties: json!({}),
                template: "main.tf".into(),
                id: "aws_sqs_queue.restock".into(),
                name: "restock-requests".into(),
                arn: "arn:aws:sqs:us-east-1:123456789012:restock-requests".into(),
                ref_value: "https://sqs.us-east-1.amazonaws.com/123456789012/restock-requests"
                    .into(),
            },
        );
        p
    }

    #[test]
    fn terraform_interpolation_becomes_an_attribute_reference() {
        let p = project();
        let r = normalize(CfnRef::Literal("${aws_sqs_queue.restock.url}".into()), &p);
        assert_eq!(
            r,
            CfnRef::GetAtt("aws_sqs_queue.restock".into(), "url".into())
        );
        assert_eq!(
            terraform_value(&r, &p).unwrap(),
            "https://sqs.us-east-1.amazonaws.com/123456789012/restock-requests"
        );
        let none = IndexMap::new();
        let (v, sub) = write(RefStyle::TerraformExpression, &r, &p, &none, &none).unwrap();
        assert_eq!(v, json!("${aws_sqs_queue.restock.url}"));
        assert_eq!(sub.unwrap().0, "aws_sqs_queue.restock.url");
        let (v, sub) = write(RefStyle::TerraformTemplateVar, &r, &p, &none, &none).unwrap();
        assert_eq!(v, json!("${restock_url}"));
        assert_eq!(sub.unwrap().0, "restock_url");
        // An existing templatefile variable with the same value is reused.
        let existing: IndexMap<String, Value> =
            [("queue".to_string(), json!("${aws_sqs_queue.restock.url}"))].into();
        let (v, sub) = write(RefStyle::TerraformTemplateVar, &r, &p, &existing, &none).unwrap();
        assert_eq!((v, sub), (json!("${queue}"), None));
        assert!(write(RefStyle::LiteralOnly, &r, &p, &none, &none).is_none());
    }

    #[test]
    fn sub_variables_name_the_resource_and_refuse_a_clash() {
        let p = Project::default();
        let none = IndexMap::new();
        let r = CfnRef::GetAtt("Queue".into(), "Arn".into());
        let (v, sub) = write(RefStyle::SubVariables, &r, &p, &none, &none).unwrap();
        assert_eq!(v, json!("${Queue.Arn}"));
        assert_eq!(sub.unwrap().1, r);
        let clash: IndexMap<String, Value> = [("Queue.Arn".to_string(), json!("other"))].into();
        assert!(write(RefStyle::SubVariables, &r, &p, &clash, &none).is_none());
        let (v, _) = write(
            RefStyle::Intrinsics,
            &CfnRef::Ref("T".into()),
            &p,
            &none,
            &none,
        )
        .unwrap();
        assert_eq!(v, json!({"Ref": "T"}));
    }
}
