//! AWS CDK apps: the synthesized cloud assembly (`cdk.out`, or cdk.json's `output`) next to
//! `cdk.json`. Each stack artifact's template is read as CloudFormation; function code comes from
//! the `aws:asset:path` metadata (an asset directory in the assembly) and every resource maps
//! back to its construct through `aws:cdk:path`. cdk.out is usually git-ignored; it is read
//! all the same because it is the only place the synthesized infrastructure exists.
//! Cloud assembly manifest: https://docs.aws.amazon.com/cdk/v2/guide/apps.html (cloud assemblies).

use super::model::DefinitionOrigin;
use super::{cfn, Builder};
use crate::error::InputError;
use serde_json::Value;
use std::path::Path;

pub fn load_app(b: &mut Builder, cdk_json: &Path) -> Result<(), InputError> {
    let dir = cdk_json.parent().unwrap_or(Path::new("."));
    let config = InputError::read_json(cdk_json)?;
    let out = dir.join(
        config
            .get("output")
            .and_then(Value::as_str)
            .unwrap_or("cdk.out"),
    );
    if !out.join("manifest.json").is_file() {
        b.unresolved(
            cdk_json,
            "cdk.out",
            "no synthesized cloud assembly; run `cdk synth` to audit this CDK app",
        );
        return Ok(());
    }
    load_assembly(b, &out, 0)?;
    // Sample events live in the app's source tree (events/, inputs/), not in the generated
    // assembly the templates are read from.
    b.collect_sample_inputs(dir);
    Ok(())
}

fn load_assembly(b: &mut Builder, out: &Path, depth: usize) -> Result<(), InputError> {
    if depth > 8 {
        return Ok(());
    }
    let manifest = InputError::read_json(&out.join("manifest.json"))?;
    let Some(artifacts) = manifest.get("artifacts").and_then(Value::as_object) else {
        return Ok(());
    };
    for art in artifacts.values() {
        let props = art.get("properties");
        match art.get("type").and_then(Value::as_str) {
            Some("aws:cloudformation:stack") => {
                let Some(tf) = props
                    .and_then(|p| p.get("templateFile"))
                    .and_then(Value::as_str)
                else {
                    continue;
                };
                let path = out.join(tf);
                let text = InputError::read_text(&path)?;
                let doc = InputError::parse_json(&path, &text)?;
                let first = b.project.state_machines.len();
                cfn::load_template(b, &path, &text, &doc)?;
                for sm in &mut b.project.state_machines[first..] {
                    sm.origin = DefinitionOrigin::CdkOut {
                        template: path.clone(),
                        resource: sm.name.clone(),
                    };
                }
            }
            // Stages are nested assemblies.
            Some("cdk:cloud-assembly") => {
                if let Some(d) = props
                    .and_then(|p| p.get("directoryName"))
                    .and_then(Value::as_str)
                {
                    load_assembly(b, &out.join(d), depth + 1)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}
