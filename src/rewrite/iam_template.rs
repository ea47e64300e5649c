//! The IAM change of a state machine written in its template's own vocabulary, beyond SAM policy
//! templates: statements of the role's inline policy (`AWS::IAM::Role` `Policies`) or of an
//! `AWS::IAM::Policy` attached to it in CloudFormation; `statement` blocks of an
//! `aws_iam_policy_document` (or the `jsonencode` policy form) in Terraform.
//! Policy grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html

use super::json_edit;
use super::refer;
use super::synth::Target;
use super::TemplateIam;
use crate::discover::model::Project;
use serde_json::{json, Value};

/// Does this statement only grant invoking the retired functions (so it goes with them)?
fn only_invokes(statement: &Value, retired: &[String]) -> bool {
    let actions: Vec<&str> = match statement.get("Action") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return false,
    };
    if actions.is_empty() || actions.iter().any(|a| *a != "lambda:InvokeFunction") {
        return false;
    }
    let resources: Vec<&Value> = match statement.get("Resource") {
        Some(Value::Array(r)) => r.iter().collect(),
        Some(r) => vec![r],
        None => return false,
    };
    !resources.is_empty()
        && resources.iter().all(|r| {
            let text = r.to_string();
            retired.iter().any(|f| {
                text.contains(&format!("\"{f}\"")) || text.contains(&format!("${{{f}.Arn}}"))
            })
        })
}

/// Edits the role's policy in a CloudFormation JSON template: the statements are appended to the
/// role's first inline policy, or to an `AWS::IAM::Policy` naming the role, or a new inline policy
/// is added; statements that only invoke retired functions are removed. Returns the new text and
/// where the change went.
pub fn edit_cfn_json_role(
    text: &str,
    role: &str,
    policy_name: &str,
    add: &[Value],
    retired: &[String],
) -> Result<(String, String), String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let resources = doc
        .get("Resources")
        .and_then(Value::as_object)
        .ok_or("no Resources")?;
    let role_props = format!("/Resources/{role}/Properties");
    if resources.get(role).is_none() {
        return Err(format!("the role {role} is not declared in this template"));
    }
    // Every policy document of the role: inline ones and attached AWS::IAM::Policy resources.
    let mut documents: Vec<(String, String)> = Vec::new();
    if let Some(policies) = doc
        .pointer(&format!("{role_props}/Policies"))
        .and_then(Value::as_array)
    {
        for (i, p) in policies.iter().enumerate() {
            if p.pointer("/PolicyDocument/Statement")
                .is_some_and(Value::is_array)
            {
                documents.push((
                    format!("{role_props}/Policies/{i}/PolicyDocument/Statement"),
                    format!("inline policy {} of AWS::IAM::Role {role}", p["PolicyName"]),
                ));
            }
        }
    }
    for (id, r) in resources {
        let attached = r.get("Type").and_then(Value::as_str) == Some("AWS::IAM::Policy")
            && r.pointer("/Properties/Roles")
                .and_then(Value::as_array)
                .is_some_and(|roles| roles.contains(&json!({"Ref": role})));
        if attached
            && r.pointer("/Properties/PolicyDocument/Statement")
                .is_some_and(Value::is_array)
        {
            documents.push((
                format!("/Resources/{id}/Properties/PolicyDocument/Statement"),
                format!("AWS::IAM::Policy {id}"),
            ));
        }
    }
    let mut text = text.to_string();
    for (pointer, _) in &documents {
        text = json_edit::remove_items(&text, pointer, &|s| only_invokes(s, retired))?;
    }
    // A statement another state machine of the same role already added is not added twice.
    let present: Vec<Value> = documents
        .iter()
        .filter_map(|(p, _)| doc.pointer(p).and_then(Value::as_array).cloned())
        .flatten()
        .collect();
    let add: Vec<Value> = add
        .iter()
        .filter(|s| !present.contains(s))
        .cloned()
        .collect();
    let add = add.as_slice();
    if add.is_empty() {
        return Ok((
            text,
            documents.first().map(|d| d.1.clone()).unwrap_or_default(),
        ));
    }
    match documents.first() {
        Some((pointer, place)) => Ok((json_edit::add_items(&text, pointer, add)?, place.clone())),
        None => {
            let policy = json!({
                "PolicyName": policy_name,
                "PolicyDocument": {"Version": "2012-10-17", "Statement": add},
            });
            let has_policies = doc.pointer(&format!("{role_props}/Policies")).is_some();
            let text = if has_policies {
                json_edit::add_items(&text, &format!("{role_props}/Policies"), &[policy])?
            } else {
                json_edit::add_members(&text, &role_props, &[("Policies".into(), json!([policy]))])?
            };
            Ok((
                text,
                format!("new inline policy {policy_name} of AWS::IAM::Role {role}"),
            ))
        }
    }
}

/// Edits the role's policy in a CloudFormation YAML template, as [`edit_cfn_json_role`] does:
/// statements appended to the role's first inline policy (or an `AWS::IAM::Policy` naming the
/// role), statements that only invoke retired functions removed. `functions` are the ids of every
/// function of the project (a statement naming a function that stays is kept).
pub fn edit_cfn_yaml_role(
    text: &str,
    role: &str,
    policy_name: &str,
    add: &[Value],
    retired: &[String],
    functions: &[String],
) -> Result<(String, String), String> {
    use super::yaml_edit::YamlDoc;
    let path = std::path::Path::new("template.yaml");
    let doc = crate::discover::yaml::parse_yaml(path, text).map_err(|e| e.message)?;
    // serverless.yml declares its resources under `resources: Resources:`.
    let base = if doc.get("Resources").is_some() {
        "/Resources"
    } else {
        "/resources/Resources"
    };
    let resources = doc
        .pointer(base)
        .and_then(Value::as_object)
        .ok_or("no Resources")?;
    let mut yaml = YamlDoc::parse(text);
    // The PolicyDocument line to edit, and where it is.
    let inline = doc
        .pointer(&format!(
            "{base}/{role}/Properties/Policies/0/PolicyDocument/Statement"
        ))
        .is_some_and(Value::is_array);
    let (pd_line, place) = if inline {
        let props = yaml
            .resource_properties(role)
            .ok_or("the role has no Properties")?;
        let policies = yaml.child(props, "Policies").ok_or("no Policies")?;
        let item = yaml
            .first_item(policies)
            .ok_or("Policies is not a block list")?;
        let pd = if yaml.is_key(item, "PolicyDocument") {
            item
        } else {
            yaml.child(item, "PolicyDocument")
                .ok_or("no PolicyDocument")?
        };
        let name = doc
            .pointer(&format!("{base}/{role}/Properties/Policies/0/PolicyName"))
            .map(|v| v.to_string())
            .unwrap_or_default();
        (pd, format!("inline policy {name} of AWS::IAM::Role {role}"))
    } else {
        let attached = resources.iter().find(|(_, r)| {
            r.get("Type").and_then(Value::as_str) == Some("AWS::IAM::Policy")
                && r.pointer("/Properties/Roles")
                    .and_then(Value::as_array)
                    .is_some_and(|roles| roles.contains(&json!({"Ref": role})))
        });
        let Some((id, _)) = attached else {
            // Nothing to extend: a new inline policy holds the statements.
            if !resources.contains_key(role) {
                return Err(format!("the role {role} is not declared in this template"));
            }
            let text = add_yaml_inline_policy(text, &mut yaml, role, policy_name, add)?;
            return Ok((
                text,
                format!("new inline policy {policy_name} of AWS::IAM::Role {role}"),
            ));
        };
        let props = yaml
            .resource_properties(id)
            .ok_or("the policy has no Properties")?;
        let pd = yaml
            .child(props, "PolicyDocument")
            .ok_or("no PolicyDocument")?;
        (pd, format!("AWS::IAM::Policy {id}"))
    };
    // Statements the document already has (another state machine of the role added them).
    let statements_ptr = if inline {
        format!("{base}/{role}/Properties/Policies/0/PolicyDocument/Statement")
    } else {
        let id = place.trim_start_matches("AWS::IAM::Policy ");
        format!("{base}/{id}/Properties/PolicyDocument/Statement")
    };
    let existing: Vec<Value> = doc
        .pointer(&statements_ptr)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let present = |s: &Value| existing.contains(s);
    let items: Vec<Vec<String>> = add
        .iter()
        .filter(|s| !present(s))
        .map(yaml_statement)
        .collect::<Result<_, _>>()?;
    let kept: Vec<String> = functions
        .iter()
        .filter(|f| !retired.contains(f))
        .cloned()
        .collect();
    let remove = |item: &str| invokes_only_retired(item, retired, &kept);
    yaml.edit_list(pd_line, "Statement", &remove, &items)?;
    Ok((yaml.text(), place))
}

/// `id` as a whole identifier in `item`.
fn mentions(item: &str, id: &str) -> bool {
    !id.is_empty()
        && item.match_indices(id).any(|(i, _)| {
            let after = item[i + id.len()..].chars().next();
            let before = item[..i].chars().last();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            !ident(before) && !ident(after)
        })
}

/// Whether a YAML statement item (its text) grants `lambda:InvokeFunction` on retired functions
/// only: it names one of `retired` and none of `kept`.
pub fn invokes_only_retired(item: &str, retired: &[String], kept: &[String]) -> bool {
    item.contains("lambda:InvokeFunction")
        && retired.iter().any(|f| mentions(item, f))
        && kept.iter().all(|f| !mentions(item, f))
}

/// Adds an inline policy holding `add` to the role: a new item of its `Policies` list, or a new
/// `Policies` list at the end of its Properties.
fn add_yaml_inline_policy(
    text: &str,
    yaml: &mut super::yaml_edit::YamlDoc,
    role: &str,
    policy_name: &str,
    add: &[Value],
) -> Result<String, String> {
    if add.is_empty() {
        return Ok(text.to_string());
    }
    let mut item = vec![
        format!("PolicyName: {policy_name}"),
        "PolicyDocument:".to_string(),
        "  Version: \"2012-10-17\"".to_string(),
        "  Statement:".to_string(),
    ];
    for s in add {
        for (i, l) in yaml_statement(s)?.into_iter().enumerate() {
            item.push(if i == 0 {
                format!("    - {l}")
            } else {
                format!("      {l}")
            });
        }
    }
    let props = yaml
        .resource_properties(role)
        .ok_or("the role has no Properties")?;
    if yaml.child(props, "Policies").is_some() {
        yaml.edit_list(props, "Policies", &|_| false, &[item])?;
    } else {
        let mut lines = vec!["Policies:".to_string()];
        for (i, l) in item.into_iter().enumerate() {
            lines.push(if i == 0 {
                format!("  - {l}")
            } else {
                format!("    {l}")
            });
        }
        yaml.append_to_block(props, &lines)?;
    }
    Ok(yaml.text())
}

/// A policy statement as the lines of a YAML list item (relative to its `- `).
pub fn yaml_statement(s: &Value) -> Result<Vec<String>, String> {
    let mut lines = vec![format!(
        "Effect: {}",
        s["Effect"].as_str().unwrap_or("Allow")
    )];
    lines.push("Action:".into());
    for a in s["Action"].as_array().into_iter().flatten() {
        lines.push(format!("  - {}", a.as_str().unwrap_or_default()));
    }
    lines.push("Resource:".into());
    for r in s["Resource"].as_array().into_iter().flatten() {
        let inline = yaml_inline(r).ok_or_else(|| format!("{r} cannot be written on one line"))?;
        lines.push(format!("  - {inline}"));
    }
    Ok(lines)
}

/// A resource ARN as one YAML scalar: `!Ref X`, `!GetAtt X.Arn`, `!Sub "..."` or a quoted literal.
pub fn yaml_inline(v: &Value) -> Option<String> {
    if let Some(sub) = v.get("Fn::Sub").and_then(Value::as_str) {
        return serde_json::to_string(sub).ok().map(|s| format!("!Sub {s}"));
    }
    super::bindings::CfnRef::parse(v).to_yaml_inline()
}

/// The report entry for a CloudFormation role: statements as they go into the policy document.
pub fn cfn_summary(
    state_machine: usize,
    location: String,
    add: &[Value],
    remove: &[Value],
) -> TemplateIam {
    let line = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    TemplateIam {
        state_machine,
        location,
        add: add.iter().map(line).collect(),
        remove: remove.iter().map(line).collect(),
    }
}

/// A Terraform resource expression for a target ARN (`aws_sqs_queue.q.arn`), a template string
/// for an ARN built on one (`"${aws_s3_bucket.b.arn}/*"`), else a quoted literal.
pub fn terraform_resource(arn: &Value) -> String {
    let r = super::bindings::CfnRef::parse(arn);
    match (&r, arn) {
        (super::bindings::CfnRef::GetAtt(_, _), _) => {
            refer::terraform_expression(&r).unwrap_or_else(|| arn.to_string())
        }
        (_, Value::String(s)) => super::hcl_edit::hcl_string(s),
        _ => match arn.get("Fn::Sub").and_then(Value::as_str) {
            // `${AWS::Region}` and the like are CloudFormation's, not Terraform's.
            Some(sub) if !sub.contains("${AWS::") => super::hcl_edit::hcl_string(sub),
            _ => arn.to_string(),
        },
    }
}

/// `statement` blocks for a Terraform `aws_iam_policy_document`, one per resource.
pub fn terraform_statements(targets: &[Target]) -> Vec<String> {
    let mut by_resource: Vec<(String, Vec<String>)> = Vec::new();
    for t in targets {
        let res = terraform_resource(&t.arn);
        match by_resource.iter_mut().find(|(r, _)| *r == res) {
            Some((_, actions)) => {
                if !actions.contains(&t.action) {
                    actions.push(t.action.clone());
                }
            }
            None => by_resource.push((res, vec![t.action.clone()])),
        }
    }
    by_resource
        .into_iter()
        .map(|(res, mut actions)| {
            actions.sort();
            let actions = actions
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ");
            format!("statement {{\n  actions   = [{actions}]\n  resources = [{res}]\n}}")
        })
        .collect()
}

/// The Terraform report entry: statement blocks to add, invoke statements to remove.
pub fn terraform_summary(
    project: &Project,
    state_machine: usize,
    targets: &[Target],
    retired: &[String],
) -> TemplateIam {
    let sm = &project.state_machines[state_machine];
    let role = sm
        .role
        .clone()
        .unwrap_or_else(|| "the state machine's role".into());
    TemplateIam {
        state_machine,
        location: format!("aws_iam_policy_document of {role} (Terraform)"),
        add: terraform_statements(targets),
        remove: retired
            .iter()
            .map(|f| {
                format!(
                    "statement {{\n  actions   = [\"lambda:InvokeFunction\"]\n  resources = [{f}.arn, \"${{{f}.arn}}:*\"]\n}}"
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "{\n  \"Resources\": {\n    \"Role\": {\n      \"Type\": \"AWS::IAM::Role\",\n      \"Properties\": {\n        \"AssumeRolePolicyDocument\": {}\n      }\n    }\n  }\n}\n";

    #[test]
    fn a_role_without_policies_gets_an_inline_policy() {
        let add = vec![
            json!({"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [{"Fn::GetAtt": ["Q", "Arn"]}]}),
        ];
        let (out, place) = edit_cfn_json_role(TEMPLATE, "Role", "Integrations", &add, &[]).unwrap();
        assert!(place.contains("new inline policy Integrations"));
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v.pointer("/Resources/Role/Properties/Policies/0/PolicyDocument/Statement")
                .unwrap(),
            &json!(add)
        );
        // Second round: the statement goes into that policy; an invoke statement of a retired
        // function is removed, one that also names a kept function stays.
        let invoke_old = json!({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": ["Old", "Arn"]}});
        let invoke_mixed = json!({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [{"Fn::GetAtt": ["Old", "Arn"]}, {"Fn::GetAtt": ["Kept", "Arn"]}]});
        let out = json_edit::add_items(
            &out,
            "/Resources/Role/Properties/Policies/0/PolicyDocument/Statement",
            &[invoke_old, invoke_mixed.clone()],
        )
        .unwrap();
        let more =
            vec![json!({"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [{"Ref": "T"}]})];
        let (out, place) =
            edit_cfn_json_role(&out, "Role", "Integrations", &more, &["Old".into()]).unwrap();
        assert!(place.contains("inline policy \"Integrations\""), "{place}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let st = v
            .pointer("/Resources/Role/Properties/Policies/0/PolicyDocument/Statement")
            .unwrap();
        assert_eq!(st, &json!([add[0], invoke_mixed, more[0]]));
    }

    #[test]
    fn yaml_role_policy_is_edited_line_by_line() {
        let text = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: Invoke\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: lambda:InvokeFunction\n                Resource: !GetAtt Old.Arn\n              - Effect: Allow\n                Action: lambda:InvokeFunction\n                Resource:\n                  - !GetAtt Old.Arn\n                  - !GetAtt Kept.Arn\n  Next:\n    Type: AWS::SQS::Queue\n";
        let add = vec![
            json!({"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [{"Fn::GetAtt": ["Q", "Arn"]}]}),
        ];
        let (out, place) = edit_cfn_yaml_role(
            text,
            "Role",
            "Integrations",
            &add,
            &["Old".into()],
            &["Old".into(), "Kept".into()],
        )
        .unwrap();
        assert!(place.contains("inline policy \"Invoke\""), "{place}");
        let expected = "            Statement:\n              - Effect: Allow\n                Action: lambda:InvokeFunction\n                Resource:\n                  - !GetAtt Old.Arn\n                  - !GetAtt Kept.Arn\n              - Effect: Allow\n                Action:\n                  - sqs:SendMessage\n                Resource:\n                  - !GetAtt Q.Arn\n  Next:\n";
        assert!(
            out.ends_with(&format!("{expected}    Type: AWS::SQS::Queue\n")),
            "{out}"
        );
        let v = crate::discover::yaml::parse_yaml(std::path::Path::new("t.yaml"), &out).unwrap();
        let st =
            &v["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
        assert_eq!(st.as_array().unwrap().len(), 2);
        assert_eq!(st[1]["Resource"][0], json!({"Fn::GetAtt": ["Q", "Arn"]}));
    }

    #[test]
    fn terraform_statements_use_resource_expressions() {
        let t = Target {
            action: "sqs:SendMessage".into(),
            arn: json!({"Fn::GetAtt": ["aws_sqs_queue.restock", "arn"]}),
            logical_id: Some("aws_sqs_queue.restock".into()),
        };
        assert_eq!(
            terraform_statements(&[t]),
            vec!["statement {\n  actions   = [\"sqs:SendMessage\"]\n  resources = [aws_sqs_queue.restock.arn]\n}"]
        );
    }
}
