//! YAML → JSON for infrastructure files. CloudFormation's short-form tags (`!Ref X`,
//! `!GetAtt A.B`, `!Sub ...`) become their long JSON forms (`{"Ref": "X"}`,
//! `{"Fn::GetAtt": ["A", "B"]}`, `{"Fn::Sub": ...}`), so the rest of discovery sees one shape.
//! Short forms: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html

use crate::error::InputError;
use serde_json::{Map, Number, Value};
use serde_yaml_ng::Value as Yaml;
use std::path::Path;

/// Parses YAML text into JSON, converting CloudFormation tags; errors carry line and column.
pub fn parse_yaml(path: &Path, text: &str) -> Result<Value, InputError> {
    let mut yaml: Yaml = serde_yaml_ng::from_str(text).map_err(|e| yaml_error(path, &e))?;
    // `<<: *anchor` merge keys are common in Serverless files.
    yaml.apply_merge().map_err(|e| yaml_error(path, &e))?;
    to_json(path, yaml)
}

fn yaml_error(path: &Path, e: &serde_yaml_ng::Error) -> InputError {
    let message = format!("malformed YAML: {e}");
    match e.location() {
        Some(loc) => InputError::new(path, message).at(loc.line(), loc.column()),
        None => InputError::new(path, message),
    }
}

fn to_json(path: &Path, yaml: Yaml) -> Result<Value, InputError> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(|v| to_json(path, v))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(key_string(k), to_json(path, v)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = to_json(path, tagged.value)?;
            cfn_tag(name, inner)
        }
    })
}

/// `!Ref X` → `{"Ref": "X"}`, `!Condition C` → `{"Condition": "C"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A","B"]}`,
/// every other `!Name v` → `{"Fn::Name": v}` (the documented long form of each short form).
fn cfn_tag(name: &str, inner: Value) -> Value {
    let mut out = Map::new();
    match name {
        "Ref" | "Condition" => {
            out.insert(name.to_string(), inner);
        }
        "GetAtt" => {
            let v = match inner {
                Value::String(s) => match s.split_once('.') {
                    Some((a, b)) => Value::Array(vec![a.into(), b.into()]),
                    None => Value::Array(vec![s.into()]),
                },
                other => other,
            };
            out.insert("Fn::GetAtt".to_string(), v);
        }
        _ => {
            out.insert(format!("Fn::{name}"), inner);
        }
    }
    Value::Object(out)
}

fn number(n: &serde_yaml_ng::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else if let Some(f) = n.as_f64() {
        Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string()))
    } else {
        Value::Null
    }
}

fn key_string(k: Yaml) -> String {
    match k {
        Yaml::String(s) => s,
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Null => "null".to_string(),
        other => serde_yaml_ng::to_string(&other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Parses a file as JSON or YAML by its extension (`.json` → JSON, else YAML).
pub fn parse_by_extension(path: &Path, text: &str) -> Result<Value, InputError> {
    let is_json = path
        .extension()
        .map(|e| e.eq_ignore_ascii_case("json"))
        .unwrap_or(false);
    if is_json {
        InputError::parse_json(path, text)
    } else {
        parse_yaml(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_form_tags_become_long_forms() {
        let text = "a: !Ref T\nb: !GetAtt F.Arn\nc: !Sub 'x-${T}'\nd: !Join ['', [a, !Ref T]]\ne: !GetAtt [F, Arn]\n";
        let v = parse_yaml(Path::new("t.yaml"), text).unwrap();
        assert_eq!(
            v,
            json!({
                "a": {"Ref": "T"},
                "b": {"Fn::GetAtt": ["F", "Arn"]},
                "c": {"Fn::Sub": "x-${T}"},
                "d": {"Fn::Join": ["", ["a", {"Ref": "T"}]]},
                "e": {"Fn::GetAtt": ["F", "Arn"]},
            })
        );
    }

    #[test]
    fn malformed_yaml_names_line_and_column() {
        let err = parse_yaml(Path::new("bad.yaml"), "a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert_eq!(err.file, Path::new("bad.yaml"));
        assert!(err.location.line.is_some());
        assert!(err.message.starts_with("malformed YAML"));
    }

    #[test]
    fn merge_keys_apply() {
        let v = parse_yaml(
            Path::new("m.yaml"),
            "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
        )
        .unwrap();
        assert_eq!(v["c"], json!({"x": 1, "y": 2}));
    }
}
