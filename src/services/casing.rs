//! Member-name casing between Step Functions and the APIs whose wire names are camelCase (Batch,
//! CodeBuild, ECS): a Task names every request member in PascalCase ("parameter names will be
//! Pascal case ... Even if the native service API is in camelCase", aws-facts §2) and gets the
//! result back with PascalCase keys (aws-facts §1.3; recorded `ecs:runTask` result: `Tasks`,
//! `Attachments[].Details[].Name`, `Overrides.ContainerOverrides`; LocalStack
//! test_ecs_task_service). The simulators speak the wire names; these functions translate.
//!
//! Map-valued members (Batch `parameters`, `tags`) hold the user's own keys, which no casing rule
//! touches: their contents are copied as they are.

use serde_json::{Map, Value};

fn first_with(s: &str, f: impl Fn(char) -> char) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(h) => f(h).to_string() + c.as_str(),
        None => String::new(),
    }
}

/// `JobQueue` → `jobQueue`.
pub fn camel(s: &str) -> String {
    first_with(s, |c| c.to_ascii_lowercase())
}

/// `jobQueue` → `JobQueue`.
pub fn pascal(s: &str) -> String {
    first_with(s, |c| c.to_ascii_uppercase())
}

fn rekey(v: &Value, maps: &[&str], key: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, val) in m {
                let wire = camel(k);
                let inner = if maps.contains(&wire.as_str()) {
                    val.clone()
                } else {
                    rekey(val, maps, key)
                };
                out.insert(key(k), inner);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| rekey(i, maps, key)).collect()),
        other => other.clone(),
    }
}

/// Step Functions' request (PascalCase members) in wire names; `maps` names the map-valued members
/// (by wire name), whose keys stay as given. Wire-named input is returned unchanged.
pub fn to_wire(params: &Value, maps: &[&str]) -> Value {
    rekey(params, maps, &camel)
}

/// A wire-named API output with PascalCase member names, as the integrations return it.
pub fn to_pascal(output: &Value, maps: &[&str]) -> Value {
    rekey(output, maps, &pascal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_recased_and_map_keys_kept() {
        let sfn = json!({"JobName": "n", "Parameters": {"Day": "1", "inputKey": "x"},
                         "ContainerOverrides": {"Environment": [{"Name": "A", "Value": "b"}]}});
        let wire = to_wire(&sfn, &["parameters"]);
        assert_eq!(
            wire,
            json!({"jobName": "n", "parameters": {"Day": "1", "inputKey": "x"},
                   "containerOverrides": {"environment": [{"name": "A", "value": "b"}]}})
        );
        // Already wire-named input is unchanged.
        assert_eq!(to_wire(&wire, &["parameters"]), wire);
        let out = to_pascal(
            &json!({"tasks": [{"taskArn": "a", "containers": [{"name": "w"}]}], "failures": []}),
            &[],
        );
        assert_eq!(
            out,
            json!({"Tasks": [{"TaskArn": "a", "Containers": [{"Name": "w"}]}], "Failures": []})
        );
    }
}
