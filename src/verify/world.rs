//! The simulated world verification runs in: the project's tables (with their key schemas),
//! queues, topics and buses, in `services::world::World`, fresh for every run with one seed, so
//! both versions start from the same state and draw the same ids.

use crate::discover::model::Project;
use crate::services::errors::Service;
use crate::services::simulated::SimulatedServices;
use crate::services::world::{KeyAttr, World};
use serde_json::Value;

fn name_or(props: &Value, key: &str, logical_id: &str) -> String {
    props
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or(logical_id)
        .to_string()
}

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

/// A world holding the resources the project's templates declare.
pub fn from_project(project: &Project, seed: u64) -> World {
    let mut w = World::new(seed);
    for (id, r) in &project.resources {
        let p = &r.properties;
        match r.resource_type.as_str() {
            "AWS::DynamoDB::Table"
            | "AWS::DynamoDB::GlobalTable"
            | "AWS::Serverless::SimpleTable" => {
                let name = name_or(p, "TableName", id);
                let pk = key_attr(p, "HASH")
                    .or_else(|| {
                        // SAM SimpleTable: PrimaryKey {Name, Type} (default `id` of String).
                        let pk = p.get("PrimaryKey");
                        Some(KeyAttr {
                            name: pk
                                .and_then(|k| k.get("Name"))
                                .and_then(Value::as_str)
                                .unwrap_or("id")
                                .to_string(),
                            attr_type: match pk.and_then(|k| k.get("Type")).and_then(Value::as_str)
                            {
                                Some("Number") => "N".into(),
                                Some("Binary") => "B".into(),
                                _ => "S".into(),
                            },
                        })
                    })
                    .expect("a partition key");
                w.add_table(&name, pk, key_attr(p, "RANGE"));
            }
            "AWS::SQS::Queue" => {
                let fifo = p.get("FifoQueue").and_then(Value::as_bool).unwrap_or(false);
                let mut name = name_or(p, "QueueName", id);
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
                let mut name = name_or(p, "TopicName", id);
                if fifo && !name.ends_with(".fifo") {
                    name.push_str(".fifo");
                }
                let cbd = p
                    .get("ContentBasedDeduplication")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                w.add_topic(&name, cbd, Vec::new());
            }
            "AWS::Events::EventBus" => w.add_bus(&name_or(p, "Name", id)),
            "AWS::S3::Bucket" => w.add_bucket(&name_or(p, "BucketName", id).to_lowercase()),
            _ => {}
        }
    }
    for r in project.resources.values() {
        add_terraform_resource(&mut w, r);
        super::world_jobs::add(&mut w, r);
    }
    w
}

/// Terraform resources, by the physical names discovery rendered (`"${local.prefix}-stock"` →
/// `inventory-dev-stock`). Arguments: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table
/// (`hash_key`, `range_key`, `attribute { name, type }`), .../sqs_queue (`fifo_queue`,
/// `content_based_deduplication`; a FIFO queue's name ends in `.fifo`), .../sns_topic, .../cloudwatch_event_bus, .../s3_bucket.
fn add_terraform_resource(w: &mut World, r: &crate::discover::model::Resource) {
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
                w.add_table(&r.name, pk, key("range_key"));
            }
        }
        "aws_sqs_queue" => w.add_queue(&r.name, flag("content_based_deduplication")),
        "aws_sns_topic" => w.add_topic(&r.name, flag("content_based_deduplication"), Vec::new()),
        "aws_cloudwatch_event_bus" => w.add_bus(&r.name),
        "aws_s3_bucket" => w.add_bucket(&r.name.to_lowercase()),
        _ => {}
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
