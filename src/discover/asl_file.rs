//! Standalone ASL files (`*.asl.json`, `*.asl.yaml`, any JSON/YAML with `StartAt` and `States`)
//! that no template points at. Their Tasks link to functions by literal ARN or name only.

use super::model::{DefinitionOrigin, StateMachine};
use super::refs::{Flavour, Scope};
use super::Builder;
use indexmap::IndexMap;
use serde_json::Value;
use std::path::Path;

pub fn load(b: &mut Builder, path: &Path, _text: &str, value: Value) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("definition")
        .split('.')
        .next()
        .unwrap_or("definition")
        .to_string();
    let scope_idx = b.scopes.len();
    b.scopes.push(Scope::new(Flavour::Cfn, path.to_path_buf()));
    b.project.state_machines.push(StateMachine {
        name,
        origin: DefinitionOrigin::AslFile {
            path: path.to_path_buf(),
        },
        definition: value.clone(),
        raw_definition: value,
        substitutions: IndexMap::new(),
        workflow_type: "STANDARD".to_string(),
        role: None,
        policies: None,
        definition_file: path.to_path_buf(),
        construct: None,
    });
    b.machine_scopes.push(scope_idx);
    if let Some(dir) = path.parent() {
        b.collect_sample_inputs(dir);
    }
}
