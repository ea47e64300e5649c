//! IAM of a Serverless Framework state machine (serverless-step-functions), edited in
//! serverless.yml line by line:
//! - no `role`: the plugin generates the role from the definition and appends the state machine's
//!   own `iamRoleStatements` (plugin 3.9.0 and later); the statements go there, written out
//!   rather than left to the plugin's derivation, which covers only some integrations
//!   (https://github.com/serverless-operations/serverless-step-functions/pull/522, and
//!   `getIamPermissions` in lib/deploy/stepFunctions/compileIamRole.js);
//! - `role: !GetAtt IamRoleLambdaExecution.Arn`: the Framework's own role, whose statements are
//!   `provider.iam.role.statements` (or the older `provider.iamRoleStatements`)
//!   (https://www.serverless.com/framework/docs/providers/aws/guide/iam);
//! - `role` naming a role under `resources.Resources`: that role's policy, as in a
//!   CloudFormation template ([`super::iam_template::edit_cfn_yaml_role`]).
//!
//! In each list, statements granting `lambda:InvokeFunction` on retired functions only go.

use super::iam_template;
use super::yaml_edit::YamlDoc;
use serde_json::Value;

/// The role serverless.yml's `provider.iam.role` settings describe.
const FRAMEWORK_ROLE: &str = "IamRoleLambdaExecution";

/// What the edit needs to know about the state machine and the functions.
pub struct ServerlessIam<'a> {
    /// The key under `stepFunctions.stateMachines`.
    pub machine: &'a str,
    /// Logical id of the role named by the state machine's `role`, if any.
    pub role: Option<&'a str>,
    pub add: &'a [Value],
    /// Names a statement may use for a retired function (key, logical id, function name).
    pub retired: &'a [String],
    /// The same for the functions that stay.
    pub kept: &'a [String],
}

/// Edits serverless.yml; returns the new text and where the statements went.
pub fn edit(text: &str, s: &ServerlessIam) -> Result<(String, String), String> {
    match s.role {
        Some(FRAMEWORK_ROLE) => edit_provider_statements(text, s),
        Some(role) => {
            let mut functions: Vec<String> = s.retired.to_vec();
            functions.extend(s.kept.iter().cloned());
            iam_template::edit_cfn_yaml_role(
                text,
                role,
                &format!("{}Integrations", s.machine),
                s.add,
                s.retired,
                &functions,
            )
        }
        None => edit_machine_statements(text, s),
    }
}

/// The statements as YAML list items (lines relative to `- `), those already present left out.
fn items(existing: &[Value], add: &[Value]) -> Result<Vec<Vec<String>>, String> {
    add.iter()
        .filter(|st| !existing.contains(st))
        .map(iam_template::yaml_statement)
        .collect()
}

fn parsed(text: &str) -> Result<Value, String> {
    crate::discover::yaml::parse_yaml(std::path::Path::new("serverless.yml"), text)
        .map_err(|e| e.message)
}

fn existing_list(doc: &Value, pointer: &str) -> Vec<Value> {
    doc.pointer(pointer)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `stepFunctions.stateMachines.<machine>.iamRoleStatements`, created when missing.
fn edit_machine_statements(text: &str, s: &ServerlessIam) -> Result<(String, String), String> {
    let doc = parsed(text)?;
    let pointer = format!(
        "/stepFunctions/stateMachines/{}/iamRoleStatements",
        s.machine
    );
    let new = items(&existing_list(&doc, &pointer), s.add)?;
    let mut yaml = YamlDoc::parse(text);
    let machine = yaml
        .path(&["stepFunctions", "stateMachines", s.machine])
        .ok_or("the state machine's block is not found")?;
    let place = format!(
        "iamRoleStatements of state machine {} (serverless-step-functions 3.9.0 or later)",
        s.machine
    );
    edit_or_create_list(&mut yaml, machine, "iamRoleStatements", &new, s)?;
    Ok((yaml.text(), place))
}

/// `provider.iam.role.statements`, else `provider.iamRoleStatements`, else a new
/// `provider.iam.role.statements`.
fn edit_provider_statements(text: &str, s: &ServerlessIam) -> Result<(String, String), String> {
    let doc = parsed(text)?;
    let mut yaml = YamlDoc::parse(text);
    let (parent, key, pointer) = if let Some(role) = yaml.path(&["provider", "iam", "role"]) {
        (role, "statements", "/provider/iam/role/statements")
    } else if let (Some(p), true) = (
        yaml.path(&["provider"]),
        doc.pointer("/provider/iamRoleStatements").is_some(),
    ) {
        (p, "iamRoleStatements", "/provider/iamRoleStatements")
    } else if yaml.path(&["provider", "iam"]).is_some() {
        return Err("provider.iam has no role settings to add statements to".into());
    } else {
        let provider = yaml.path(&["provider"]).ok_or("no provider block")?;
        let mut lines = vec![
            "iam:".to_string(),
            "  role:".to_string(),
            "    statements:".to_string(),
        ];
        for item in items(&[], s.add)? {
            for (i, l) in item.into_iter().enumerate() {
                lines.push(if i == 0 {
                    format!("      - {l}")
                } else {
                    format!("        {l}")
                });
            }
        }
        yaml.append_to_block(provider, &lines)?;
        return Ok((yaml.text(), "provider.iam.role.statements".into()));
    };
    if doc.pointer(pointer).is_some_and(|v| !v.is_array()) {
        return Err(format!("{} is not a list", &pointer[1..].replace('/', ".")));
    }
    let new = items(&existing_list(&doc, pointer), s.add)?;
    edit_or_create_list(&mut yaml, parent, key, &new, s)?;
    Ok((yaml.text(), pointer[1..].replace('/', ".")))
}

/// Appends `new` to the block list `key:` under `parent` (created at the end of `parent` when
/// missing) and drops its statements that invoke retired functions only.
fn edit_or_create_list(
    yaml: &mut YamlDoc,
    parent: usize,
    key: &str,
    new: &[Vec<String>],
    s: &ServerlessIam,
) -> Result<(), String> {
    let remove = |item: &str| iam_template::invokes_only_retired(item, s.retired, s.kept);
    if yaml.child(parent, key).is_some() {
        return yaml.edit_list(parent, key, &remove, new);
    }
    if new.is_empty() {
        return Ok(());
    }
    let mut lines = vec![format!("{key}:")];
    for item in new {
        for (i, l) in item.iter().enumerate() {
            lines.push(if i == 0 {
                format!("  - {l}")
            } else {
                format!("    {l}")
            });
        }
    }
    yaml.append_to_block(parent, &lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SLS: &str = "service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\n\nstepFunctions:\n  stateMachines:\n    flow:\n      name: flow\n      definition:\n        StartAt: A\n        States:\n          A:\n            Type: Pass\n            End: true\n    other:\n      definition:\n        StartAt: B\n        States:\n          B:\n            Type: Pass\n            End: true\n\nresources:\n  Resources:\n    Queue:\n      Type: AWS::SQS::Queue\n";

    fn statement() -> Value {
        json!({"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [{"Fn::GetAtt": ["Queue", "Arn"]}]})
    }

    #[test]
    fn statements_go_to_the_state_machine_when_the_plugin_makes_its_role() {
        let add = [statement()];
        let s = ServerlessIam {
            machine: "flow",
            role: None,
            add: &add,
            retired: &[],
            kept: &[],
        };
        let (out, place) = edit(SLS, &s).unwrap();
        assert!(place.starts_with("iamRoleStatements of state machine flow"));
        assert!(out.contains("            End: true\n      iamRoleStatements:\n        - Effect: Allow\n          Action:\n            - sqs:SendMessage\n          Resource:\n            - !GetAtt Queue.Arn\n    other:\n"), "{out}");
        let v = parsed(&out).unwrap();
        assert_eq!(
            v["stepFunctions"]["stateMachines"]["flow"]["iamRoleStatements"],
            json!([statement()])
        );
        // Applied again: nothing is added twice.
        let (again, _) = edit(&out, &s).unwrap();
        assert_eq!(again, out);
    }

    #[test]
    fn the_framework_role_gets_provider_statements_and_loses_retired_invokes() {
        let text = SLS.replace(
            "  runtime: nodejs20.x\n",
            "  runtime: nodejs20.x\n  iamRoleStatements:\n    - Effect: Allow\n      Action: lambda:InvokeFunction\n      Resource: !GetAtt SendLambdaFunction.Arn\n    - Effect: Allow\n      Action: lambda:InvokeFunction\n      Resource:\n        - !GetAtt SendLambdaFunction.Arn\n        - !GetAtt KeepLambdaFunction.Arn\n",
        );
        let add = [statement()];
        let s = ServerlessIam {
            machine: "flow",
            role: Some(FRAMEWORK_ROLE),
            add: &add,
            retired: &["send".into(), "SendLambdaFunction".into()],
            kept: &["keep".into(), "KeepLambdaFunction".into()],
        };
        let (out, place) = edit(&text, &s).unwrap();
        assert_eq!(place, "provider.iamRoleStatements");
        let v = parsed(&out).unwrap();
        let st = v["provider"]["iamRoleStatements"].as_array().unwrap();
        assert_eq!(st.len(), 2, "{out}");
        assert!(st[0].to_string().contains("KeepLambdaFunction"));
        assert_eq!(st[1], statement());
        // Without any statements yet: provider.iam.role.statements is created.
        let (out, place) = edit(SLS, &s).unwrap();
        assert_eq!(place, "provider.iam.role.statements");
        let v = parsed(&out).unwrap();
        assert_eq!(
            v["provider"]["iam"]["role"]["statements"],
            json!([statement()])
        );
        assert!(out.starts_with("service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n"), "{out}");
    }

    #[test]
    fn a_role_under_resources_gets_a_policy() {
        let text = SLS.replace(
            "      name: flow\n",
            "      name: flow\n      role: !GetAtt FlowRole.Arn\n",
        ) + "    FlowRole:\n      Type: AWS::IAM::Role\n      Properties:\n        AssumeRolePolicyDocument:\n          Version: \"2012-10-17\"\n";
        let add = [statement()];
        let s = ServerlessIam {
            machine: "flow",
            role: Some("FlowRole"),
            add: &add,
            retired: &[],
            kept: &[],
        };
        let (out, place) = edit(&text, &s).unwrap();
        assert_eq!(
            place,
            "new inline policy flowIntegrations of AWS::IAM::Role FlowRole"
        );
        let v = parsed(&out).unwrap();
        assert_eq!(
            v["resources"]["Resources"]["FlowRole"]["Properties"]["Policies"][0]["PolicyDocument"]
                ["Statement"],
            json!([statement()])
        );
        assert!(out.starts_with(&text), "only lines appended:\n{out}");
    }
}
