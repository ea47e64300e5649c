//! The simulated world verification runs in: the project's tables (with their key schemas),
//! queues, topics and buses, in `services::world::World`, fresh for every run with one seed, so
//! both versions start from the same state and draw the same ids.

use crate::analysis::model::HandlerModel;
use crate::discover::model::Project;
use crate::services::errors::Service;
use crate::services::simulated::SimulatedServices;
use crate::services::world::{KeyAttr, StateMachineEntry, World};
use serde_json::Value;
use std::borrow::Cow;

fn key_attr(props: &Value, key_type: &str) -> Option<KeyAttr> {
    let name = props
        .get("KeySchema")?
        .as_array()?
        .iter()
        .find(|k| k.get("KeyType").and_then(Value::as_str) == Some(key_type))?
        .get("AttributeName")?
        .as_str()?
        .to_string();
    let attr_type = props
        .get("AttributeDefinitions")
        .and_then(Value::as_array)
        .and_then(|defs| {
            defs.iter()
                .find(|d| d.get("AttributeName").and_then(Value::as_str) == Some(name.as_str()))
        })
        .and_then(|d| d.get("AttributeType"))
        .and_then(Value::as_str)
        .unwrap_or("S")
        .to_string();
    Some(KeyAttr { name, attr_type })
}

/// A world holding the resources the project's templates declare, under their physical names
/// (`Names`): tables with their key schemas, queues (FIFO too), topics, buses, buckets, and an
/// entry for each of the project's state machines (their executions run through `targets`).
pub fn from_project(project: &Project, seed: u64) -> World {
    from_project_named(project, &Names::of(project), seed)
}

pub fn from_project_named(project: &Project, names: &Names, seed: u64) -> World {
    let mut w = World::new(seed);
    for r in project.resources.values() {
        let p = &r.properties;
        let name = names.resolve(&r.name).into_owned();
        match r.resource_type.as_str() {
            "AWS::DynamoDB::Table"
            | "AWS::DynamoDB::GlobalTable"
            | "AWS::Serverless::SimpleTable" => {
                let pk = key_attr(p, "HASH").unwrap_or_else(|| {
                    // SAM SimpleTable: PrimaryKey {Name, Type} (default `id` of String).
                    let pk = p.get("PrimaryKey");
                    KeyAttr {
                        name: pk
                            .and_then(|k| k.get("Name"))
                            .and_then(Value::as_str)
                            .unwrap_or("id")
                            .to_string(),
                        attr_type: match pk.and_then(|k| k.get("Type")).and_then(Value::as_str) {
                            Some("Number") => "N".into(),
                            Some("Binary") => "B".into(),
                            _ => "S".into(),
                        },
                    }
                });
                w.add_table(&name, pk, key_attr(p, "RANGE"));
            }
            "AWS::SQS::Queue" => {
                let fifo = p.get("FifoQueue").and_then(Value::as_bool).unwrap_or(false);
                let mut name = name;
                if fifo && !name.ends_with(".fifo") {
                    name.push_str(".fifo");
                }
                let cbd = p
                    .get("ContentBasedDeduplication")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                w.add_queue(&name, cbd);
            }
            "AWS::SNS::Topic" => {
                let fifo = p.get("FifoTopic").and_then(Value::as_bool).unwrap_or(false);
                let mut name = name;
                if fifo && !name.ends_with(".fifo") {
                    name.push_str(".fifo");
                }
                let cbd = p
                    .get("ContentBasedDeduplication")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                w.add_topic(&name, cbd, Vec::new());
            }
            "AWS::Events::EventBus" => w.add_bus(&name),
            "AWS::S3::Bucket" => w.add_bucket(&name.to_lowercase()),
            _ => add_terraform_resource(&mut w, r, &name),
        }
    }
    for r in project.resources.values() {
        super::world_jobs::add(&mut w, r);
    }
    for sm in &project.state_machines {
        for name in names.state_machine_names(project, sm) {
            w.state_machines
                .insert(name.clone(), StateMachineEntry { name, result: None });
        }
    }
    w
}

/// Terraform resources, by the physical names discovery rendered (`"${local.prefix}-stock"` →
/// `inventory-dev-stock`). Arguments: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table
/// (`hash_key`, `range_key`, `attribute { name, type }`), .../sqs_queue (`fifo_queue`,
/// `content_based_deduplication`; a FIFO queue's name ends in `.fifo`), .../sns_topic, .../cloudwatch_event_bus, .../s3_bucket.
fn add_terraform_resource(w: &mut World, r: &crate::discover::model::Resource, name: &str) {
    let p = &r.properties;
    let flag = |k: &str| p.get(k).and_then(Value::as_bool).unwrap_or(false);
    match r.resource_type.as_str() {
        "aws_dynamodb_table" => {
            let attrs: Vec<&Value> = match p.get("attribute") {
                Some(Value::Array(a)) => a.iter().collect(),
                Some(v) => vec![v],
                None => vec![],
            };
            let key = |k: &str| {
                let name = p.get(k)?.as_str()?.to_string();
                let attr_type = attrs
                    .iter()
                    .find(|a| a.get("name").and_then(Value::as_str) == Some(name.as_str()))
                    .and_then(|a| a.get("type"))
                    .and_then(Value::as_str)
                    .unwrap_or("S")
                    .to_string();
                Some(KeyAttr { name, attr_type })
            };
            if let Some(pk) = key("hash_key") {
                w.add_table(name, pk, key("range_key"));
            }
        }
        "aws_sqs_queue" => w.add_queue(name, flag("content_based_deduplication")),
        "aws_sns_topic" => w.add_topic(name, flag("content_based_deduplication"), Vec::new()),
        "aws_cloudwatch_event_bus" => w.add_bus(name),
        "aws_s3_bucket" => w.add_bucket(&name.to_lowercase()),
        _ => {}
    }
}

/// Physical names for the resources whose name the stack generates. Discovery writes such a name
/// as a placeholder (`${OrdersTable}`, inside ARNs and queue URLs too); AWS would give the
/// resource a generated name ("If you don't specify a name, AWS CloudFormation generates a unique
/// physical ID", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html#cfn-dynamodb-table-tablename).
/// Verification stands in the logical id for it, made valid for the service, and writes it
/// wherever the placeholder appears (definitions, the functions' environment), so a definition
/// and a handler that name the same resource reach the same simulated one.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// (placeholder text, physical name), longest placeholder first.
    pairs: Vec<(String, String)>,
}

/// A name made of the characters every service accepts (`[A-Za-z0-9_-]`).
fn sanitized(placeholder: &str) -> String {
    let inner = placeholder.replace("${", "").replace('}', "");
    let mut out: String = inner
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    out = out.trim_matches('-').to_string();
    if out.len() < 3 {
        out.push_str("-resource");
    }
    out.truncate(64);
    out
}

impl Names {
    pub fn of(project: &Project) -> Names {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for r in project.resources.values() {
            if !r.name.contains("${") {
                continue;
            }
            let mut physical = sanitized(&r.name);
            let p = &r.properties;
            let flag = |k: &str| p.get(k).and_then(Value::as_bool).unwrap_or(false);
            match r.resource_type.as_str() {
                // Bucket names are lowercase (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
                "AWS::S3::Bucket" | "aws_s3_bucket" => {
                    physical = physical.to_lowercase().replace('_', "-")
                }
                // A FIFO queue's or topic's generated name ends in `.fifo`
                // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html#cfn-sqs-queue-queuename).
                "AWS::SQS::Queue" if flag("FifoQueue") => physical.push_str(".fifo"),
                "AWS::SNS::Topic" if flag("FifoTopic") => physical.push_str(".fifo"),
                "aws_sqs_queue" if flag("fifo_queue") => physical.push_str(".fifo"),
                "aws_sns_topic" if flag("fifo_topic") => physical.push_str(".fifo"),
                _ => {}
            }
            pairs.push((r.name.clone(), physical));
        }
        for f in &project.functions {
            let placeholder = format!("${{{}}}", f.id);
            if !pairs.iter().any(|(p, _)| *p == placeholder) {
                pairs.push((placeholder, sanitized(&f.id)));
            }
        }
        for sm in &project.state_machines {
            let placeholder = format!("${{{}}}", sm.name);
            if !pairs.iter().any(|(p, _)| *p == placeholder) {
                pairs.push((placeholder, sanitized(&sm.name)));
            }
        }
        // `${Orders}` must not be replaced inside `${OrdersTable}`: longer placeholders first.
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Names { pairs }
    }

    /// The text with every placeholder replaced by its physical name.
    pub fn resolve<'s>(&self, s: &'s str) -> Cow<'s, str> {
        if !s.contains("${") {
            return Cow::Borrowed(s);
        }
        let mut out = s.to_string();
        for (placeholder, physical) in &self.pairs {
            if out.contains(placeholder.as_str()) {
                out = out.replace(placeholder.as_str(), physical);
            }
        }
        Cow::Owned(out)
    }

    /// Every string in `v` (keys too) resolved.
    pub fn resolve_json(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.resolve(s).into_owned()),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.resolve_json(x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (self.resolve(k).into_owned(), self.resolve_json(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The model with its environment variables' values resolved (what the function's
    /// environment holds once deployed).
    pub fn resolve_model(&self, model: &HandlerModel) -> HandlerModel {
        let Ok(mut v) = serde_json::to_value(model) else {
            return model.clone();
        };
        self.resolve_env_values(&mut v);
        serde_json::from_value(v).unwrap_or_else(|_| model.clone())
    }

    fn resolve_env_values(&self, v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.get("kind").and_then(Value::as_str) == Some("env") {
                    if let Some(Value::String(s)) = m.get_mut("value") {
                        *s = self.resolve(s).into_owned();
                    }
                }
                m.values_mut().for_each(|x| self.resolve_env_values(x));
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.resolve_env_values(x)),
            _ => {}
        }
    }

    /// The physical name of a function (its FunctionName, else its resolved logical id).
    pub fn function_name(&self, f: &crate::discover::model::Function) -> String {
        match &f.function_name {
            Some(n) if !n.contains("${") => n.clone(),
            Some(n) => self.resolve(n).into_owned(),
            None => self.resolve(&format!("${{{}}}", f.id)).into_owned(),
        }
    }

    /// The physical name of a state machine.
    pub fn state_machine_name(&self, sm: &crate::discover::model::StateMachine) -> String {
        self.resolve(&format!("${{{}}}", sm.name)).into_owned()
    }

    /// Every name a state machine is known by: its logical name, and the name in the ARN a
    /// function's environment holds for a reference to it (`!Ref Child`, `!GetAtt Child.Arn`,
    /// Terraform `aws_sfn_state_machine.child.arn`), which is its own when the template names it
    /// (`StateMachineName`, Terraform `name`).
    pub fn state_machine_names(
        &self,
        project: &Project,
        sm: &crate::discover::model::StateMachine,
    ) -> Vec<String> {
        let mut out = vec![self.state_machine_name(sm)];
        for f in &project.functions {
            for (var, source) in &f.environment_source {
                if !refers_to(source, &sm.name) {
                    continue;
                }
                let Some(value) = f.environment.get(var).and_then(Value::as_str) else {
                    continue;
                };
                let value = self.resolve(value);
                let Some((_, rest)) = value.split_once(":stateMachine:") else {
                    continue;
                };
                let name = rest.split(':').next().unwrap_or_default().to_string();
                if !name.is_empty() && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    }
}

/// Does an IaC expression refer to resource `id` (`Ref`, `Fn::GetAtt`, a Terraform address)?
fn refers_to(expr: &Value, id: &str) -> bool {
    match expr {
        Value::Object(m) => match (m.get("Ref"), m.get("Fn::GetAtt")) {
            (Some(Value::String(r)), _) => r == id,
            (_, Some(Value::Array(a))) => a.first().and_then(Value::as_str) == Some(id),
            (_, Some(Value::String(s))) => s.split('.').next() == Some(id),
            _ => false,
        },
        Value::String(s) => s.contains(&format!("{id}.")),
        _ => false,
    }
}

/// The simulated services over a fresh world.
pub fn services(project: &Project, seed: u64) -> SimulatedServices {
    SimulatedServices::new(from_project(project, seed))
}

/// The service enum of the simulated world for an IAM service token.
pub fn service_of(token: &str) -> Option<Service> {
    Service::from_token(token)
}

#[cfg(test)]
mod naming_tests {
    use super::*;
    use crate::discover::model::Resource;
    use serde_json::json;
    use std::path::PathBuf;

    fn resource(id: &str, ty: &str, name: &str, properties: Value) -> Resource {
        Resource {
            resource_type: ty.into(),
            properties,
            template: PathBuf::from("template.yaml"),
            id: id.into(),
            name: name.into(),
            arn: String::new(),
            ref_value: String::new(),
        }
    }

    fn project() -> Project {
        let mut p = Project::default();
        for r in [
            resource(
                "Orders",
                "AWS::DynamoDB::Table",
                "${Orders}",
                json!({"KeySchema": [{"AttributeName": "orderId", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
                       "AttributeDefinitions": [{"AttributeName": "orderId", "AttributeType": "S"}, {"AttributeName": "at", "AttributeType": "N"}]}),
            ),
            resource(
                "OrdersTable",
                "AWS::DynamoDB::Table",
                "${OrdersTable}",
                json!({"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}),
            ),
            resource(
                "Jobs",
                "AWS::SQS::Queue",
                "${Jobs}",
                json!({"FifoQueue": true}),
            ),
            resource("Labels", "AWS::S3::Bucket", "${Labels}", json!({})),
            resource("Named", "AWS::SNS::Topic", "alerts", json!({})),
            resource(
                "aws_sqs_queue.work",
                "aws_sqs_queue",
                "work.fifo",
                json!({"fifo_queue": true}),
            ),
        ] {
            p.resources.insert(r.id.clone(), r);
        }
        p
    }

    #[test]
    fn generated_names_resolve_the_same_in_definitions_environments_and_the_world() {
        let p = project();
        let names = Names::of(&p);
        assert_eq!(
            names.resolve("arn:aws:dynamodb:us-east-1:123456789012:table/${OrdersTable}"),
            "arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable"
        );
        assert_eq!(names.resolve("${Orders}"), "Orders");
        assert_eq!(
            names.resolve("https://sqs.us-east-1.amazonaws.com/123456789012/${Jobs}"),
            "https://sqs.us-east-1.amazonaws.com/123456789012/Jobs.fifo"
        );
        assert_eq!(names.resolve("${Labels}"), "labels");
        let w = from_project_named(&p, &names, 1);
        let orders = &w.tables["Orders"];
        assert_eq!(orders.partition_key.name, "orderId");
        assert_eq!(orders.sort_key.as_ref().unwrap().attr_type, "N");
        assert!(w.tables.contains_key("OrdersTable"));
        assert!(w.queues["Jobs.fifo"].fifo);
        assert!(w.queues["work.fifo"].fifo);
        assert!(w.buckets.contains_key("labels"));
        assert!(w.topics.contains_key("alerts"));
        let def = json!({"States": {"S": {"Parameters": {"TableName": "${Orders}", "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/${Jobs}"}}}});
        assert_eq!(
            names.resolve_json(&def)["States"]["S"]["Parameters"],
            json!({"TableName": "Orders", "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/Jobs.fifo"})
        );
    }

    #[test]
    fn a_model_environment_value_is_resolved() {
        let names = Names::of(&project());
        let model: crate::analysis::model::HandlerModel = serde_json::from_value(json!({
            "file": "a.js", "language": "javascript", "function": "handler", "event_reads": [],
            "env_reads": ["T"], "calls": [], "throws": [], "verdict": "replaceable", "reasons": [],
            "returns": {"kind": "env", "name": "T", "value": "${OrdersTable}"}
        }))
        .unwrap();
        let resolved = names.resolve_model(&model);
        assert_eq!(
            serde_json::to_value(resolved.returns).unwrap()["value"],
            "OrdersTable"
        );
    }

    #[test]
    fn a_named_state_machine_is_known_by_the_name_in_the_arn_a_function_holds() {
        use crate::discover::model::{DefinitionOrigin, Function, StateMachine};
        use indexmap::IndexMap;
        let mut p = project();
        let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        p.state_machines.push(StateMachine {
            name: "Child".into(),
            origin: DefinitionOrigin::AslFile {
                path: PathBuf::from("c.asl.json"),
            },
            raw_definition: def.clone(),
            definition: def,
            substitutions: IndexMap::new(),
            workflow_type: "STANDARD".into(),
            role: None,
            policies: None,
            definition_file: PathBuf::from("c.asl.json"),
            construct: None,
        });
        let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:orders-child";
        p.functions.push(Function {
            id: "Starter".into(),
            function_name: None,
            handler: "index.handler".into(),
            runtime: None,
            code_dir: PathBuf::from("."),
            handler_file: None,
            handler_export: "handler".into(),
            environment: IndexMap::from([("CHILD_ARN".to_string(), json!(arn))]),
            memory_mb: None,
            timeout_s: None,
            architecture: None,
            template: PathBuf::from("template.yaml"),
            environment_source: IndexMap::from([(
                "CHILD_ARN".to_string(),
                json!({"Ref": "Child"}),
            )]),
            handler_note: None,
            construct: None,
        });
        let names = Names::of(&p);
        assert_eq!(
            names.state_machine_names(&p, &p.state_machines[0]),
            ["Child", "orders-child"]
        );
        let w = from_project_named(&p, &names, 1);
        assert!(
            w.state_machines.contains_key("orders-child") && w.state_machines.contains_key("Child")
        );
        let targets = crate::verify::targets::Targets::of(&p, &names, &Default::default());
        assert_eq!(
            targets.machine(arn).map(|(_, m)| m.name.as_str()),
            Some("Child")
        );
    }
}
