//! The world file (`run --world FILE`, verify): JSON or YAML describing the simulated account.
//! Format documented in docs/world-file.md:
//!
//! ```yaml
//! seed: 1                         # ids (MessageId, RequestId, EventId, ...) derive from it
//! region: us-east-1               # optional; default: the execution's region/account
//! account_id: "123456789012"
//! tables:
//!   - name: orders                # or a table ARN
//!     key_schema: [{name: pk, type: S}, {name: sk, type: N}]   # partition key, optional sort key
//!     indexes: [{name: byStatus, partition_key: {name: status, type: S}}]
//!     items: [{pk: {S: "a"}, sk: {N: "1"}}]                   # DynamoDB AttributeValue JSON
//! queues: [{name: jobs}, {name: jobs.fifo, content_based_deduplication: true}]   # name or queue URL
//! topics: [{name: alerts, subscriptions: [{protocol: sqs, endpoint: "arn:aws:sqs:...:jobs"}]}]
//! buses: [{name: orders}]         # `default` always exists
//! buckets: [{name: docs, objects: {"a.txt": {body: "hello"}}}]
//! lambdas: {fn-name: {kind: identity}}                          # see LambdaMock
//! state_machines: [{name: child}]
//! faults: [{service: dynamodb, action: putItem, nth: 1, fault: {kind: throttle}}]
//! sdk_mocks: [{service: ssm, action: getParameter, result: {Parameter: {Value: "x"}}}]
//! callbacks: [{state: WaitForApproval, after_ms: 5000, heartbeats_ms: [1000], send: task_success, output: {ok: true}}]
//! secrets: [{name: db-password, secret_string: hunter2}]       # or secret_binary (base64)
//! parameters: [{name: /app/db-url, value: "postgres://db", type: String}]   # String, StringList, SecureString
//! athena_workgroups: [{name: analytics, output_location: "s3://results/"}]   # `primary` always exists
//! batch_job_queues: [{name: high}]                             # name or ARN
//! batch_job_definitions: [{name: render, revision: 1}]         # or `render:1`, or an ARN
//! codebuild_projects: [{name: app}]
//! ecs_clusters: [{name: jobs}]
//! ecs_task_definitions: [{family: worker, revision: 1, containers: [worker]}]
//! glue_jobs: [{name: nightly}]
//! ses_identities: [{identity: example.com}]                    # verified address or domain
//! ```

use super::dynamodb::attr;
use super::faults::FaultRule;
use super::simulated::SimulatedServices;
use super::world::{
    default_content_type, CallbackScript, KeyAttr, LambdaMock, S3Object, SdkMock, SecondaryIndex,
    StateMachineEntry, Subscription, World,
};
use crate::error::InputError;
use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableSpec {
    name: String,
    key_schema: Vec<KeyAttr>,
    #[serde(default)]
    indexes: Vec<SecondaryIndex>,
    #[serde(default)]
    items: Vec<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueSpec {
    name: String,
    #[serde(default)]
    content_based_deduplication: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicSpec {
    name: String,
    #[serde(default)]
    content_based_deduplication: bool,
    #[serde(default)]
    subscriptions: Vec<Subscription>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameSpec {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectSpec {
    body: String,
    #[serde(default = "default_content_type")]
    content_type: String,
    #[serde(default)]
    metadata: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BucketSpec {
    name: String,
    #[serde(default)]
    objects: IndexMap<String, ObjectSpec>,
}

const TOP_LEVEL: [&str; 24] = [
    "seed",
    "region",
    "account_id",
    "tables",
    "queues",
    "topics",
    "buses",
    "buckets",
    "lambdas",
    "state_machines",
    "faults",
    "callbacks",
    "sdk_mocks",
    "comment",
    "secrets",
    "parameters",
    "athena_workgroups",
    "batch_job_queues",
    "batch_job_definitions",
    "codebuild_projects",
    "ecs_clusters",
    "ecs_task_definitions",
    "glue_jobs",
    "ses_identities",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretSpec {
    name: String,
    #[serde(default)]
    secret_string: Option<String>,
    #[serde(default)]
    secret_binary: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParameterSpec {
    name: String,
    value: String,
    #[serde(default = "string_type", rename = "type")]
    parameter_type: String,
}

fn string_type() -> String {
    "String".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkGroupSpec {
    name: String,
    #[serde(default)]
    output_location: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobDefinitionSpec {
    name: String,
    #[serde(default)]
    revision: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskDefinitionSpec {
    family: String,
    #[serde(default)]
    revision: Option<u64>,
    #[serde(default)]
    containers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentitySpec {
    identity: String,
}

/// Reads a world file (JSON, or YAML for `.yaml`/`.yml`) into the simulated services.
pub fn load_world(path: &Path) -> Result<SimulatedServices, InputError> {
    let text = InputError::read_text(path)?;
    parse_world(path, &text)
}

/// Parses world-file text; `path` names the file in errors and picks the syntax by extension.
pub fn parse_world(path: &Path, text: &str) -> Result<SimulatedServices, InputError> {
    let yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    let doc: Value = if yaml {
        serde_yaml_ng::from_str(text).map_err(|e| {
            let mut err = InputError::new(path, format!("malformed YAML: {e}"));
            if let Some(l) = e.location() {
                err = err.at(l.line(), l.column());
            }
            err
        })?
    } else {
        InputError::parse_json(path, text)?
    };
    world_from_value(path, &doc)
}

fn section<T: DeserializeOwned>(
    path: &Path,
    doc: &Map<String, Value>,
    key: &str,
) -> Result<Vec<T>, InputError> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                serde_json::from_value(v.clone()).map_err(|e| {
                    InputError::new(path, format!("{key}[{i}]: {e}")).pointer(format!("/{key}/{i}"))
                })
            })
            .collect(),
        Some(_) => {
            Err(InputError::new(path, format!("`{key}` must be a list")).pointer(format!("/{key}")))
        }
    }
}

fn last_segment(s: &str, sep: &str) -> String {
    match s.rsplit_once(sep) {
        Some((_, n)) => n.to_string(),
        None => s.to_string(),
    }
}

/// Builds the simulated services from a parsed world document.
pub fn world_from_value(path: &Path, doc: &Value) -> Result<SimulatedServices, InputError> {
    let Some(top) = doc.as_object() else {
        return Err(InputError::new(
            path,
            "a world file must be an object (seed, tables, queues, ...)",
        ));
    };
    for k in top.keys() {
        if !TOP_LEVEL.contains(&k.as_str()) {
            return Err(InputError::new(
                path,
                format!(
                    "unknown key `{k}` (expected one of: {})",
                    TOP_LEVEL.join(", ")
                ),
            )
            .pointer(format!("/{k}")));
        }
    }
    let seed = match top.get("seed") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_u64().ok_or_else(|| {
            InputError::new(path, "`seed` must be a non-negative integer").pointer("/seed")
        })?,
    };
    let mut world = World::new(seed);
    let mut pinned = false;
    for (key, slot) in [
        ("region", &mut world.region),
        ("account_id", &mut world.account_id),
    ] {
        match top.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                *slot = s.clone();
                pinned = true;
            }
            Some(_) => {
                return Err(InputError::new(path, format!("`{key}` must be a string"))
                    .pointer(format!("/{key}")))
            }
        }
    }

    let tables: Vec<TableSpec> = section(path, top, "tables")?;
    for (i, t) in tables.into_iter().enumerate() {
        let at = |m: String| InputError::new(path, m).pointer(format!("/tables/{i}"));
        let name = last_segment(&t.name, ":table/");
        if name.len() < 3
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
        {
            return Err(at(format!(
                "table name `{name}` must be 3-255 characters of [a-zA-Z0-9_.-]"
            )));
        }
        if world.tables.contains_key(&name) {
            return Err(at(format!("table `{name}` is defined twice")));
        }
        if t.key_schema.is_empty() || t.key_schema.len() > 2 {
            return Err(at(
                "key_schema must list the partition key and optionally a sort key".into(),
            ));
        }
        for k in t.key_schema.iter().chain(
            t.indexes
                .iter()
                .flat_map(|x| std::iter::once(&x.partition_key).chain(x.sort_key.iter())),
        ) {
            if !["S", "N", "B"].contains(&k.attr_type.as_str()) {
                return Err(at(format!(
                    "key attribute `{}` has type `{}`; key types are S, N or B",
                    k.name, k.attr_type
                )));
            }
        }
        let mut ks = t.key_schema.into_iter();
        let pk = ks.next().ok_or_else(|| at("key_schema is empty".into()))?;
        world.add_table(&name, pk, ks.next());
        let mut items = Vec::new();
        for (j, item) in t.items.into_iter().enumerate() {
            let here = |m: String| {
                InputError::new(path, format!("tables[{i}].items[{j}]: {m}"))
                    .pointer(format!("/tables/{i}/items/{j}"))
            };
            for v in item.values() {
                if let Err(attr::AttrProblem::Invalid(m) | attr::AttrProblem::Shape(m)) =
                    attr::validate(v)
                {
                    return Err(here(m));
                }
            }
            let table = &world.tables[&name];
            for k in std::iter::once(&table.partition_key).chain(table.sort_key.iter()) {
                match item.get(&k.name).and_then(attr::type_of) {
                    Some(t) if t == k.attr_type => {}
                    Some(t) => {
                        return Err(here(format!(
                            "key attribute `{}` must be of type {}, not {t}",
                            k.name, k.attr_type
                        )))
                    }
                    None => return Err(here(format!("missing key attribute `{}`", k.name))),
                }
            }
            items.push(
                item.iter()
                    .map(|(k, v)| (k.clone(), attr::normalize(v)))
                    .collect::<Map<String, Value>>(),
            );
        }
        if let Some(table) = world.tables.get_mut(&name) {
            table.indexes = t.indexes;
            for item in items {
                let pos = table.items.iter().position(|it| {
                    table_key_eq(&table.partition_key, table.sort_key.as_ref(), it, &item)
                });
                match pos {
                    Some(p) => table.items[p] = item,
                    None => table.items.push(item),
                }
            }
        }
    }

    let queues: Vec<QueueSpec> = section(path, top, "queues")?;
    for (i, q) in queues.into_iter().enumerate() {
        let name = last_segment(&q.name, "/");
        let name = last_segment(&name, ":");
        if name.is_empty()
            || name.len() > 80
            || !name
                .trim_end_matches(".fifo")
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            // Queue names: up to 80 alphanumerics, hyphens, underscores; FIFO names end in .fifo (CreateQueue).
            return Err(InputError::new(path, format!("queue name `{name}` is not valid (up to 80 of [a-zA-Z0-9_-], `.fifo` suffix for FIFO)")).pointer(format!("/queues/{i}")));
        }
        if q.content_based_deduplication && !name.ends_with(".fifo") {
            return Err(InputError::new(path, format!("queue `{name}`: content_based_deduplication is only for FIFO queues (name ending in .fifo)")).pointer(format!("/queues/{i}")));
        }
        world.add_queue(&name, q.content_based_deduplication);
    }

    let topics: Vec<TopicSpec> = section(path, top, "topics")?;
    for (i, t) in topics.into_iter().enumerate() {
        let name = last_segment(&t.name, ":");
        if name.is_empty()
            || name.len() > 256
            || !name
                .trim_end_matches(".fifo")
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(InputError::new(path, format!("topic name `{name}` is not valid (up to 256 of [a-zA-Z0-9_-], `.fifo` suffix for FIFO)")).pointer(format!("/topics/{i}")));
        }
        if t.content_based_deduplication && !name.ends_with(".fifo") {
            return Err(InputError::new(
                path,
                format!("topic `{name}`: content_based_deduplication is only for FIFO topics"),
            )
            .pointer(format!("/topics/{i}")));
        }
        world.add_topic(&name, t.content_based_deduplication, t.subscriptions);
    }

    let buses: Vec<NameSpec> = section(path, top, "buses")?;
    for b in buses {
        world.add_bus(&last_segment(&b.name, ":event-bus/"));
    }

    let buckets: Vec<BucketSpec> = section(path, top, "buckets")?;
    for b in buckets {
        world.add_bucket(&b.name);
        let now = 0;
        if let Some(bucket) = world.buckets.get_mut(&b.name) {
            for (k, o) in b.objects {
                let etag = format!("\"{}\"", super::sqs::md5_hex(o.body.as_bytes()));
                bucket.objects.insert(
                    k,
                    S3Object {
                        body: o.body,
                        content_type: o.content_type,
                        metadata: o.metadata,
                        etag,
                        last_modified_ms: now,
                    },
                );
            }
        }
    }

    match top.get("lambdas") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (fname, spec) in m {
                let mock: LambdaMock = serde_json::from_value(spec.clone()).map_err(|e| {
                    InputError::new(path, format!("lambdas.{fname}: {e}"))
                        .pointer(format!("/lambdas/{fname}"))
                })?;
                let name = super::lambda::resolve_function(&world, fname).0;
                world.add_function(&name, mock);
            }
        }
        Some(_) => {
            return Err(
                InputError::new(path, "`lambdas` must map function names to mocks")
                    .pointer("/lambdas"),
            )
        }
    }

    let sms: Vec<StateMachineEntry> = section(path, top, "state_machines")?;
    for sm in sms {
        let name = last_segment(&sm.name, ":stateMachine:");
        world.state_machines.insert(
            name.clone(),
            StateMachineEntry {
                name,
                result: sm.result,
            },
        );
    }
    seed_job_services(path, top, &mut world)?;
    world.faults = section::<FaultRule>(path, top, "faults")?;
    world.callbacks = section::<CallbackScript>(path, top, "callbacks")?;
    world.sdk_mocks = section::<SdkMock>(path, top, "sdk_mocks")?;
    for (i, m) in world.sdk_mocks.iter().enumerate() {
        if m.result.is_some() && m.error.is_some() {
            return Err(InputError::new(
                path,
                "an sdk mock gives either `result` or `error`, not both",
            )
            .pointer(format!("/sdk_mocks/{i}")));
        }
    }

    let mut services = SimulatedServices::new(world);
    services.pinned_account = pinned;
    Ok(services)
}

/// The resources of the job and configuration services (resources.rs).
fn seed_job_services(
    path: &Path,
    top: &Map<String, Value>,
    world: &mut World,
) -> Result<(), InputError> {
    for (i, s) in section::<SecretSpec>(path, top, "secrets")?
        .into_iter()
        .enumerate()
    {
        if s.secret_string.is_some() == s.secret_binary.is_some() {
            return Err(InputError::new(
                path,
                format!(
                    "secret `{}` gives either `secret_string` or `secret_binary`",
                    s.name
                ),
            )
            .pointer(format!("/secrets/{i}")));
        }
        world.add_secret(
            &last_segment(&s.name, ":secret:"),
            s.secret_string,
            s.secret_binary,
        );
    }
    for (i, p) in section::<ParameterSpec>(path, top, "parameters")?
        .into_iter()
        .enumerate()
    {
        if !["String", "StringList", "SecureString"].contains(&p.parameter_type.as_str()) {
            return Err(InputError::new(
                path,
                format!(
                    "parameter `{}` has type `{}`; types are String, StringList or SecureString",
                    p.name, p.parameter_type
                ),
            )
            .pointer(format!("/parameters/{i}")));
        }
        world.add_parameter(&p.name, &p.parameter_type, &p.value);
    }
    for w in section::<WorkGroupSpec>(path, top, "athena_workgroups")? {
        world.add_workgroup(&w.name, w.output_location);
    }
    for q in section::<NameSpec>(path, top, "batch_job_queues")? {
        world.add_job_queue(&last_segment(&q.name, ":job-queue/"));
    }
    for d in section::<JobDefinitionSpec>(path, top, "batch_job_definitions")? {
        let id = last_segment(&d.name, ":job-definition/");
        let (name, rev) = match id.rsplit_once(':').map(|(n, r)| (n, r.parse::<u64>())) {
            Some((n, Ok(r))) => (n.to_string(), r),
            _ => (id.clone(), d.revision.unwrap_or(1)),
        };
        world.add_job_definition(&name, rev);
    }
    for p in section::<NameSpec>(path, top, "codebuild_projects")? {
        world.add_build_project(&last_segment(&p.name, ":project/"));
    }
    for c in section::<NameSpec>(path, top, "ecs_clusters")? {
        world.add_cluster(&last_segment(&c.name, ":cluster/"));
    }
    for t in section::<TaskDefinitionSpec>(path, top, "ecs_task_definitions")? {
        world.add_task_definition(&t.family, t.revision.unwrap_or(1), t.containers);
    }
    for j in section::<NameSpec>(path, top, "glue_jobs")? {
        world.add_glue_job(&j.name);
    }
    for id in section::<IdentitySpec>(path, top, "ses_identities")? {
        world.add_email_identity(&id.identity);
    }
    Ok(())
}

fn table_key_eq(
    pk: &KeyAttr,
    sk: Option<&KeyAttr>,
    a: &Map<String, Value>,
    b: &Map<String, Value>,
) -> bool {
    std::iter::once(pk)
        .chain(sk)
        .all(|k| match (a.get(&k.name), b.get(&k.name)) {
            (Some(x), Some(y)) => attr::equal(x, y),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn loads_yaml_world() {
        let text = r#"
seed: 7
tables:
  - name: orders
    key_schema: [{name: id, type: S}]
    items: [{id: {S: "1"}, total: {N: "10.50"}}]
queues: [{name: jobs}, {name: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo", content_based_deduplication: true}]
topics: [{name: "arn:aws:sns:us-east-1:123456789012:alerts"}]
buses: [{name: orders}]
buckets: [{name: docs, objects: {"a.txt": {body: hello}}}]
lambdas: {echo: {kind: identity}, boom: {kind: raise, error_type: Oops}}
faults: [{service: sqs, action: sendMessage, nth: 2, fault: {kind: throttle}}]
callbacks: [{state: Wait, after_ms: 10, send: task_success, output: {ok: true}}]
"#;
        let s = parse_world(&PathBuf::from("w.yaml"), text).unwrap();
        let w = &s.world;
        assert_eq!(
            w.tables["orders"].items[0]["total"],
            serde_json::json!({"N": "10.5"})
        );
        assert!(w.queues["jobs.fifo"].fifo);
        assert!(w.topics.contains_key("alerts"));
        assert!(w.buses.contains_key("default") && w.buses.contains_key("orders"));
        assert_eq!(w.functions.len(), 2);
        assert_eq!(w.faults.len(), 1);
        assert_eq!(w.callbacks.len(), 1);
        assert!(!s.pinned_account);
    }

    #[test]
    fn seeds_the_job_and_configuration_services() {
        let text = r#"
secrets: [{name: db, secret_string: pw}]
parameters: [{name: /app/url, value: "u"}, {name: key, value: k, type: SecureString}]
athena_workgroups: [{name: analytics, output_location: "s3://r/"}]
batch_job_queues: [{name: "arn:aws:batch:us-east-1:123456789012:job-queue/high"}]
batch_job_definitions: [{name: "render:3"}, {name: plain}]
codebuild_projects: [{name: app}]
ecs_clusters: [{name: jobs}]
ecs_task_definitions: [{family: worker, containers: [worker]}]
glue_jobs: [{name: nightly}]
ses_identities: [{identity: Example.com}]
sdk_mocks: [{service: kms, action: decrypt, result: {}}]
"#;
        let s = parse_world(&PathBuf::from("w.yaml"), text).unwrap();
        let w = &s.world;
        assert_eq!(w.secrets["db"].secret_string.as_deref(), Some("pw"));
        assert_eq!(w.parameters["key"].parameter_type, "SecureString");
        assert_eq!(w.parameters["/app/url"].parameter_type, "String");
        assert!(w.workgroups.contains_key("primary") && w.workgroups.contains_key("analytics"));
        assert!(w.job_queues.contains("high"));
        assert_eq!(
            (
                w.job_definitions[0].name.as_str(),
                w.job_definitions[0].revision
            ),
            ("render", 3)
        );
        assert_eq!(w.job_definitions[1].revision, 1);
        assert!(
            w.build_projects.contains("app")
                && w.clusters.contains("jobs")
                && w.glue_jobs.contains("nightly")
        );
        assert_eq!(w.task_definitions[0].containers, vec!["worker".to_string()]);
        assert!(w.email_identities.contains("example.com"));
        assert_eq!(w.sdk_mocks.len(), 1);
        let e = parse_world(&PathBuf::from("w.yaml"), "secrets: [{name: x}]").unwrap_err();
        assert_eq!(e.location.pointer.as_deref(), Some("/secrets/0"));
        let e = parse_world(
            &PathBuf::from("w.yaml"),
            "parameters: [{name: x, value: y, type: Int}]",
        )
        .unwrap_err();
        assert!(e.message.contains("types are String"), "{}", e.message);
    }

    #[test]
    fn bad_input_names_the_place() {
        let p = PathBuf::from("w.json");
        let e = parse_world(&p, r#"{"tables": [{"name": "orders", "key_schema": [{"name": "id", "type": "S"}], "items": [{"x": {"S": "1"}}]}]}"#).unwrap_err();
        assert_eq!(e.location.pointer.as_deref(), Some("/tables/0/items/0"));
        assert!(
            e.message.contains("missing key attribute `id`"),
            "{}",
            e.message
        );
        let e = parse_world(&p, r#"{"tabels": []}"#).unwrap_err();
        assert!(e.message.contains("unknown key `tabels`"));
        let e = parse_world(
            &p,
            r#"{"tables": [{"name": "tbl1", "key_schema": [{"name": "id", "type": "X"}]}]}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("key types are S, N or B"));
        let e = parse_world(&p, "{\"seed\": 1,").unwrap_err();
        assert!(e.location.line.is_some());
        let e = parse_world(&p, r#"{"lambdas": {"f": {"kind": "explode"}}}"#).unwrap_err();
        assert_eq!(e.location.pointer.as_deref(), Some("/lambdas/f"));
        let e = parse_world(&PathBuf::from("w.yaml"), "seed: [").unwrap_err();
        assert!(e.message.starts_with("malformed YAML"));
    }
}
