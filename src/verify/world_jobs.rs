//! The project's job and configuration resources in the simulated world: secrets, SSM parameters,
//! Athena workgroups, Batch job queues and definitions, CodeBuild projects, ECS clusters and task
//! definitions, Glue jobs and SES identities, from CloudFormation/SAM/CDK templates and Terraform.
//!
//! Properties: CloudFormation resource reference (AWS::SecretsManager::Secret `Name`,
//! `SecretString`, `GenerateSecretString`; AWS::SSM::Parameter `Name`, `Type`, `Value`;
//! AWS::Athena::WorkGroup `Name`, `WorkGroupConfiguration.ResultConfiguration.OutputLocation`;
//! AWS::Batch::JobQueue `JobQueueName`; AWS::Batch::JobDefinition `JobDefinitionName`;
//! AWS::CodeBuild::Project `Name`; AWS::ECS::Cluster `ClusterName`; AWS::ECS::TaskDefinition
//! `Family`, `ContainerDefinitions[].Name`; AWS::Glue::Job `Name`; AWS::SES::EmailIdentity
//! `EmailIdentity`) and the Terraform AWS provider's arguments of the matching resources.
//! A resource without a name gets the name discovery rendered for it (`Resource::name`).

use crate::discover::model::Resource;
use crate::services::world::World;
use serde_json::Value;

fn text<'a>(props: &'a Value, key: &str) -> Option<&'a str> {
    props.get(key).and_then(Value::as_str)
}

/// `GenerateSecretString` makes Secrets Manager generate a password ("PasswordLength ... The
/// default length is 32"; AWS::SecretsManager::Secret GenerateSecretString): the world draws one
/// from its seed. With `SecretStringTemplate` and `GenerateStringKey` it is put in that JSON.
fn generated_secret(w: &mut World, spec: &Value) -> String {
    let len = spec
        .get("PasswordLength")
        .and_then(Value::as_u64)
        .unwrap_or(32) as usize;
    let password: String = (0..len.div_ceil(32))
        .map(|_| w.ids.alphanumeric("generated-secret", 32))
        .collect::<String>()
        .chars()
        .take(len)
        .collect();
    let template = spec
        .get("SecretStringTemplate")
        .and_then(Value::as_str)
        .and_then(|t| serde_json::from_str::<serde_json::Map<String, Value>>(t).ok());
    match (template, text(spec, "GenerateStringKey")) {
        (Some(mut t), Some(key)) => {
            t.insert(key.to_string(), Value::String(password));
            Value::Object(t).to_string()
        }
        _ => password,
    }
}

fn container_names(defs: Option<&Value>, key: &str) -> Vec<String> {
    let parsed;
    let defs = match defs {
        // Terraform gives `container_definitions` as JSON text.
        Some(Value::String(s)) => {
            parsed = serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
            Some(&parsed)
        }
        other => other,
    };
    defs.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get(key).and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Adds `r` to the world when it is one of these resources, under its name property and under
/// the name discovery rendered for it (what `Ref` gives a function's environment, `${LogicalId}`
/// when the template leaves the name to CloudFormation), so both ways of naming it reach it.
pub fn add(w: &mut World, r: &Resource) {
    let p = &r.properties;
    let key = match r.resource_type.as_str() {
        "AWS::SecretsManager::Secret"
        | "AWS::SSM::Parameter"
        | "AWS::Athena::WorkGroup"
        | "AWS::CodeBuild::Project"
        | "AWS::Glue::Job" => "Name",
        "AWS::Batch::JobQueue" => "JobQueueName",
        "AWS::Batch::JobDefinition" => "JobDefinitionName",
        "AWS::ECS::Cluster" => "ClusterName",
        "AWS::ECS::TaskDefinition" => "Family",
        "AWS::SES::EmailIdentity" => "EmailIdentity",
        "aws_ecs_task_definition" => "family",
        "aws_sesv2_email_identity" => "email_identity",
        "aws_ses_email_identity" => "email",
        "aws_ses_domain_identity" => "domain",
        _ => "name",
    };
    match text(p, key) {
        Some(own) if own != r.name && !r.name.is_empty() => {
            add_named(w, r, own);
            // The same secret (one generated value) under both names.
            match w.secrets.get(own).cloned() {
                Some(mut secret) if r.resource_type == "AWS::SecretsManager::Secret" => {
                    secret.name = r.name.clone();
                    w.secrets.insert(r.name.clone(), secret);
                }
                _ => add_named(w, r, &r.name),
            }
        }
        Some(own) => add_named(w, r, own),
        None => add_named(w, r, &r.name),
    }
}

fn add_named(w: &mut World, r: &Resource, name: &str) {
    let p = &r.properties;
    match r.resource_type.as_str() {
        "AWS::SecretsManager::Secret" => {
            let value = match (text(p, "SecretString"), p.get("GenerateSecretString")) {
                (Some(s), _) => Some(s.to_string()),
                (None, Some(spec)) => Some(generated_secret(w, spec)),
                (None, None) => None,
            };
            w.add_secret(name, value, None);
        }
        "aws_secretsmanager_secret" => w.add_secret(name, None, None),
        "AWS::SSM::Parameter" => w.add_parameter(
            name,
            text(p, "Type").unwrap_or("String"),
            text(p, "Value").unwrap_or_default(),
        ),
        "aws_ssm_parameter" => w.add_parameter(
            name,
            text(p, "type").unwrap_or("String"),
            text(p, "value").unwrap_or_default(),
        ),
        "AWS::Athena::WorkGroup" => {
            let location = p
                .pointer("/WorkGroupConfiguration/ResultConfiguration/OutputLocation")
                .and_then(Value::as_str)
                .map(str::to_string);
            w.add_workgroup(name, location);
        }
        "aws_athena_workgroup" => {
            let location = [
                "/configuration/result_configuration/output_location",
                "/configuration/0/result_configuration/0/output_location",
            ]
            .iter()
            .find_map(|ptr| p.pointer(ptr).and_then(Value::as_str))
            .map(str::to_string);
            w.add_workgroup(name, location);
        }
        "AWS::Batch::JobQueue" => w.add_job_queue(name),
        "aws_batch_job_queue" => w.add_job_queue(name),
        "AWS::Batch::JobDefinition" => w.add_job_definition(name, 1),
        "aws_batch_job_definition" => w.add_job_definition(name, 1),
        "AWS::CodeBuild::Project" => w.add_build_project(name),
        "aws_codebuild_project" => w.add_build_project(name),
        "AWS::ECS::Cluster" => w.add_cluster(name),
        "aws_ecs_cluster" => w.add_cluster(name),
        "AWS::ECS::TaskDefinition" => w.add_task_definition(
            name,
            1,
            container_names(p.get("ContainerDefinitions"), "Name"),
        ),
        "aws_ecs_task_definition" => w.add_task_definition(
            name,
            1,
            container_names(p.get("container_definitions"), "name"),
        ),
        "AWS::Glue::Job" => w.add_glue_job(name),
        "aws_glue_job" => w.add_glue_job(name),
        "AWS::SES::EmailIdentity" => w.add_email_identity(name),
        "aws_sesv2_email_identity" => w.add_email_identity(name),
        "aws_ses_email_identity" | "aws_ses_domain_identity" => w.add_email_identity(name),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn resource(t: &str, props: Value) -> Resource {
        Resource {
            resource_type: t.into(),
            properties: props,
            template: PathBuf::from("template.yaml"),
            id: "Thing".into(),
            name: "thing".into(),
            arn: String::new(),
            ref_value: String::new(),
        }
    }

    #[test]
    fn template_resources_become_world_resources() {
        let mut w = World::new(1);
        add(
            &mut w,
            &resource(
                "AWS::SecretsManager::Secret",
                json!({"Name": "db", "SecretString": "pw"}),
            ),
        );
        // The same secret under its name and under the name discovery rendered.
        assert_eq!(w.secrets["thing"].secret_string.as_deref(), Some("pw"));
        add(
            &mut w,
            &resource(
                "AWS::SSM::Parameter",
                json!({"Name": "/app/url", "Type": "String", "Value": "u"}),
            ),
        );
        add(
            &mut w,
            &resource(
                "AWS::Athena::WorkGroup",
                json!({"Name": "wg", "WorkGroupConfiguration": {"ResultConfiguration": {"OutputLocation": "s3://r/"}}}),
            ),
        );
        add(
            &mut w,
            &resource(
                "AWS::ECS::TaskDefinition",
                json!({"Family": "worker", "ContainerDefinitions": [{"Name": "worker", "Image": "x"}]}),
            ),
        );
        add(
            &mut w,
            &resource(
                "aws_ecs_task_definition",
                json!({"family": "tf", "container_definitions": "[{\"name\": \"main\"}]"}),
            ),
        );
        add(&mut w, &resource("AWS::ECS::Cluster", json!({})));
        add(
            &mut w,
            &resource(
                "AWS::SES::EmailIdentity",
                json!({"EmailIdentity": "example.com"}),
            ),
        );
        assert_eq!(w.secrets["db"].secret_string.as_deref(), Some("pw"));
        add(
            &mut w,
            &resource(
                "AWS::SecretsManager::Secret",
                json!({"GenerateSecretString": {"SecretStringTemplate": "{\"user\":\"app\"}", "GenerateStringKey": "password"}}),
            ),
        );
        let generated: Value =
            serde_json::from_str(w.secrets["thing"].secret_string.as_deref().unwrap()).unwrap();
        assert_eq!(generated["user"], "app");
        assert_eq!(generated["password"].as_str().unwrap().len(), 32);
        assert_eq!(w.parameters["/app/url"].value, "u");
        assert_eq!(
            w.workgroups["wg"].output_location.as_deref(),
            Some("s3://r/")
        );
        let containers = |family: &str| {
            w.task_definitions
                .iter()
                .find(|d| d.family == family)
                .map(|d| d.containers.clone())
        };
        assert_eq!(containers("worker"), Some(vec!["worker".to_string()]));
        assert_eq!(containers("tf"), Some(vec!["main".to_string()]));
        // Also under the rendered name, so a `Ref` in a function's environment reaches it.
        assert_eq!(containers("thing"), Some(vec!["worker".to_string()]));
        assert!(w.clusters.contains("thing"));
        // A named cluster is reachable under its name and under the name `Ref` renders.
        let mut named = resource("AWS::ECS::Cluster", json!({"ClusterName": "jobs"}));
        named.name = "${Thing}".into();
        add(&mut w, &named);
        assert!(w.clusters.contains("jobs") && w.clusters.contains("${Thing}"));
        assert!(w.email_identities.contains("example.com"));
        // A task definition named by its ARN (what `Ref` gives a handler's environment) runs.
        add(
            &mut w,
            &resource(
                "AWS::ECS::TaskDefinition",
                json!({"Family": "fixture-task-def", "ContainerDefinitions": [{"Name": "fixture-task-def", "Image": "i"}]}),
            ),
        );
        add(
            &mut w,
            &resource(
                "AWS::ECS::Cluster",
                json!({"ClusterName": "fixture-cluster"}),
            ),
        );
        let out = crate::services::ecs::call(
            &mut w,
            "RunTask",
            &json!({"cluster": "fixture-cluster",
            "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/fixture-task-def:1", "launchType": "FARGATE",
            "overrides": {"containerOverrides": [{"name": "worker", "command": ["run", "x"]}]}}),
        );
        assert!(out.is_ok(), "{out:?}");
    }
}

#[cfg(test)]
mod discovery_tests {
    use serde_json::json;

    #[test]
    fn a_template_s_cluster_task_definition_and_secret_reach_the_world_its_handlers_see() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("template.yaml"),
            r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
    Properties: {ClusterName: jobs}
  WorkerTask:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: worker
      ContainerDefinitions: [{Name: worker, Image: busybox}]
  ApiToken:
    Type: AWS::SecretsManager::Secret
    Properties: {SecretString: t0ken}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: nodejs20.x
      Environment:
        Variables: {CLUSTER: !Ref Cluster, TASK_DEF: !Ref WorkerTask, SECRET_ID: !Ref ApiToken}
"#,
        )
        .unwrap();
        let project = crate::discover::discover(dir.path()).unwrap();
        let env = &project.functions[0].environment;
        let mut w = super::super::world::from_project(&project, 1);
        let secret = crate::services::secretsmanager::call(
            &mut w,
            "GetSecretValue",
            &json!({"SecretId": env["SECRET_ID"]}),
        )
        .unwrap();
        assert_eq!(secret["SecretString"], "t0ken");
        let run = crate::services::ecs::call(
            &mut w,
            "RunTask",
            &json!({"cluster": env["CLUSTER"], "taskDefinition": env["TASK_DEF"]}),
        );
        assert!(run.is_ok(), "{run:?} {env:?}");
        // By its declared name too.
        assert!(crate::services::ecs::call(
            &mut w,
            "RunTask",
            &json!({"cluster": "jobs", "taskDefinition": "worker:1"})
        )
        .is_ok());
    }
}
