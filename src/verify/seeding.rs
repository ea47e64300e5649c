//! Items seeded into the tables the rewritten Tasks read, so a comparison sees DynamoDB hits as
//! well as misses: the project's tables start empty, and a GetItem (Query, a conditional or
//! ReturnValues write) on an empty table only ever takes the miss path.
//!
//! For about half the inputs (chosen by the verify seed), before both versions run, every such
//! table gets items whose keys are values of the input of the key attribute's type (a Key built
//! from the input reads one of them), holding the attributes the project's PutItem calls write
//! to that table (`rewrite::table_writes`), with values drawn from the seed. Both versions start
//! from the same seeded world.

use crate::analysis::model::HandlerModel;
use crate::discover::model::Project;
use crate::services::world::{KeyAttr, World};
use serde_json::{json, Map, Value};

/// At most this many distinct input values per key attribute (and items per table per input).
const MAX_VALUES: usize = 8;
const MAX_ITEMS: usize = 24;

/// A table a rewritten Task reads, and what its items hold.
#[derive(Debug, Clone)]
struct SeedTable {
    name: String,
    partition_key: KeyAttr,
    sort_key: Option<KeyAttr>,
    /// (attribute, `S` / `N` / `BOOL`) besides the keys.
    attributes: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Seeder {
    tables: Vec<SeedTable>,
    seed: u64,
}

/// The table name a DynamoDB Task state names literally (`TableName` of Parameters/Arguments).
fn table_read_by(state: &Value) -> Option<&str> {
    let resource = state.get("Resource")?.as_str()?;
    if !resource.contains(":dynamodb:") {
        return None;
    }
    let params = state.get("Parameters").or_else(|| state.get("Arguments"))?;
    params.get("TableName")?.as_str()
}

impl Seeder {
    /// Seeds the tables `states` (rewritten Task states, names resolved) read, as `world` holds
    /// them; `models` are the project's analysed handlers (function index → model).
    pub fn of(
        project: &Project,
        names: &super::world::Names,
        world: &World,
        states: &[&Value],
        models: &[(usize, HandlerModel)],
        samples: &[Value],
        seed: u64,
    ) -> Seeder {
        let mut tables: Vec<SeedTable> = Vec::new();
        for state in states {
            let Some(name) = table_read_by(state) else {
                continue;
            };
            if tables.iter().any(|t| t.name == name) {
                continue;
            }
            let Some(table) = world.tables.get(name) else {
                continue;
            };
            let seedable = |k: &KeyAttr| k.attr_type == "S" || k.attr_type == "N";
            if !seedable(&table.partition_key) || !table.sort_key.as_ref().is_none_or(seedable) {
                continue;
            }
            let keys = table.key_names();
            let attributes = project
                .resources
                .values()
                .find(|r| {
                    (r.resource_type.contains("DynamoDB")
                        || r.resource_type == "aws_dynamodb_table")
                        && names.resolve(&r.name) == name
                })
                .and_then(|r| {
                    crate::rewrite::table_writes::attributes_written(
                        project, models, &r.id, samples,
                    )
                })
                .map(|w| {
                    w.attributes
                        .into_iter()
                        .filter(|(n, _)| !keys.contains(&n.as_str()))
                        .collect()
                })
                .unwrap_or_default();
            tables.push(SeedTable {
                name: name.to_string(),
                partition_key: table.partition_key.clone(),
                sort_key: table.sort_key.clone(),
                attributes,
            });
        }
        Seeder { tables, seed }
    }

    /// Whether `input` runs against seeded tables: about half the inputs, by the seed.
    pub fn hits(&self, input: &Value) -> bool {
        !self.tables.is_empty() && mix(self.seed, &input.to_string()) & 1 == 0
    }

    /// `base` with items keyed by `input`'s values in every table read, or None for a miss
    /// input (run on `base` as it is).
    pub fn world_for(&self, base: &World, input: &Value) -> Option<World> {
        if !self.hits(input) {
            return None;
        }
        let mut world = base.clone();
        let mut added = false;
        for t in &self.tables {
            let Some(table) = world.tables.get_mut(&t.name) else {
                continue;
            };
            let pks = key_values(input, &t.partition_key.attr_type);
            let sks: Vec<Option<Value>> = match &t.sort_key {
                Some(sk) => key_values(input, &sk.attr_type)
                    .into_iter()
                    .map(Some)
                    .collect(),
                None => vec![None],
            };
            for pk in &pks {
                for sk in &sks {
                    if table.items.len() >= MAX_ITEMS {
                        break;
                    }
                    let mut item = Map::new();
                    item.insert(t.partition_key.name.clone(), pk.clone());
                    if let (Some(k), Some(v)) = (&t.sort_key, sk) {
                        item.insert(k.name.clone(), v.clone());
                    }
                    let salt = format!("{}/{pk}/{sk:?}", t.name);
                    for (name, attr_type) in &t.attributes {
                        let r = mix(self.seed, &format!("{salt}/{name}"));
                        item.insert(name.clone(), random_attribute(attr_type, r));
                    }
                    table.items.push(item);
                    added = true;
                }
            }
        }
        added.then_some(world)
    }

    /// Whether a successful call of the run read a key `world` (seeded) holds an item for.
    pub fn read_seeded_item(&self, world: &World, calls: &[super::backend::CallRecord]) -> bool {
        calls.iter().any(|c| {
            if c.error.is_some() || !c.operation.starts_with("dynamodb:") {
                return false;
            }
            let (Some(name), Some(key)) = (
                c.params.get("TableName").and_then(Value::as_str),
                c.params.get("Key").and_then(Value::as_object),
            ) else {
                return false;
            };
            self.tables.iter().any(|t| t.name == name)
                && world.tables.get(name).is_some_and(|table| {
                    table
                        .items
                        .iter()
                        .any(|it| key.iter().all(|(k, v)| it.get(k) == Some(v)))
                })
        })
    }
}

/// The input's scalar values usable as a key of type `attr_type`, typed (`{"S": ...}`), distinct,
/// in document order.
fn key_values(input: &Value, attr_type: &str) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut push = |v: Value| {
        if !out.contains(&v) && out.len() < MAX_VALUES {
            out.push(v);
        }
    };
    let mut stack = vec![input];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if attr_type == "S" && !s.is_empty() => push(json!({"S": s})),
            Value::String(s) if attr_type == "N" && s.parse::<f64>().is_ok_and(f64::is_finite) => {
                push(json!({"N": s}))
            }
            Value::Number(n) if attr_type == "N" => push(json!({"N": n.to_string()})),
            // Numbers reach a string key through States.Format or a template literal.
            Value::Number(n) if attr_type == "S" => push(json!({"S": n.to_string()})),
            Value::Array(a) => stack.extend(a.iter().rev()),
            Value::Object(m) => stack.extend(m.values().rev()),
            _ => {}
        }
    }
    out
}

/// A typed attribute value drawn from `r`.
fn random_attribute(attr_type: &str, r: u64) -> Value {
    match attr_type {
        "N" => match r % 3 {
            0 => json!({"N": ((r >> 8) % 1000).to_string()}),
            1 => json!({"N": format!("{}.{}", (r >> 8) % 100, 1 + (r >> 20) % 9)}),
            _ => json!({"N": format!("-{}", 1 + (r >> 8) % 50)}),
        },
        "BOOL" => json!({"BOOL": r & 1 == 0}),
        _ => json!({"S": format!("seeded-{:x}", r & 0xffff_ffff)}),
    }
}

/// FNV-1a of `text` with `seed` folded in: stable across runs and builds.
fn mix(seed: u64, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^ (h >> 29)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::model::InvocationStyle;
    use crate::rewrite::fixture_tests::{analysed, fixture_project, task_state};
    use crate::rewrite::{plan, RewriteOptions, RewritePlan};
    use crate::verify::{prove, Verdict, VerifyOptions};
    use indexmap::IndexMap;

    /// The DocumentClient GetItem fixture behind a Lambda Task, rewritten.
    fn planned(dir: &std::path::Path) -> (Project, RewritePlan, HandlerModel) {
        let handler = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/handlers/js/ddb-v2-documentclient-get.js");
        let (model, env) = analysed(&handler, "handler", &IndexMap::new());
        let definition = json!({"StartAt": "Call", "States": {"Call": task_state(InvocationStyle::OptimizedInvoke)}});
        let project = fixture_project(dir, &handler, &model, &env, definition);
        let plan = plan(&project, &[(0, model.clone())], &RewriteOptions::default());
        assert_eq!(plan.tasks.len(), 1, "{:?}", plan.skipped);
        (project, plan, model)
    }

    fn options(model: &HandlerModel) -> VerifyOptions {
        VerifyOptions {
            samples: 30,
            functions: [(0, model.clone())].into_iter().collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_get_item_rewrite_is_compared_on_hits_and_misses() {
        let dir = tempfile::tempdir().unwrap();
        let (project, plan, model) = planned(dir.path());
        let report = prove(&project, &plan, &options(&model)).unwrap();
        let task = &report.machines[0].tasks[0];
        assert_eq!(task.verdict, Verdict::Proven, "{task:?}");
        assert!(
            task.inputs_with_seeded_item > 0 && task.inputs_with_seeded_item < task.inputs,
            "{} of {}",
            task.inputs_with_seeded_item,
            task.inputs
        );
        assert!(report.machines[0].whole_machine.inputs_with_seeded_item > 0);
    }

    #[test]
    fn a_rewrite_that_drops_an_attribute_of_the_found_item_is_caught_on_a_hit() {
        let dir = tempfile::tempdir().unwrap();
        let (project, mut plan, model) = planned(dir.path());
        let good = plan.definitions[0].1.clone();
        // Wrong unmarshalling: the attribute left typed ({"S": ...}), or dropped.
        for wrong in [json!({"customerId.$": "$.Item.customerId"}), json!({})] {
            let mut def = good.clone();
            def["States"]["Call item"]["Parameters"] = wrong.clone();
            plan.definitions[0].1 = def.clone();
            let report = prove(&project, &plan, &options(&model)).unwrap();
            let task = &report.machines[0].tasks[0];
            assert_eq!(task.verdict, Verdict::NotEquivalent, "{wrong}: {task:?}");
            let cx = task.counterexample.as_ref().unwrap();
            let seed = options(&model).seed;
            assert!(
                mix(seed, &cx.input.to_string()) & 1 == 0,
                "found on a seeded input"
            );
            // On the project's empty tables (all verify compared before seeding) both agree.
            let original =
                crate::interp::StateMachine::parse(&project.state_machines[0].definition).unwrap();
            let rewritten = crate::interp::StateMachine::parse(&def).unwrap();
            let models = [("Call".to_string(), (&model, true))].into_iter().collect();
            let ctx = crate::interp::ExecutionContext::default();
            let run = |m: &crate::interp::StateMachine| {
                let o = crate::verify::run_once(
                    &project,
                    m,
                    &cx.input,
                    &models,
                    None,
                    &ctx,
                    &Default::default(),
                );
                (o.status, o.output, o.error)
            };
            assert_eq!(run(&original), run(&rewritten), "{wrong}: a miss hides it");
            assert!(cx.rewritten.output.is_some() && cx.original.output != cx.rewritten.output);
        }
    }
}
