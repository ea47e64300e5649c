//! State machine definitions embedded in templates: `DefinitionString` as a plain string,
//! `Fn::Sub` or `Fn::Join` (CDK output), `DefinitionSubstitutions`, and intrinsic functions in
//! inline `Definition` objects. The definition keeps `${Var}` as written (`raw_definition`);
//! the resolved copy (`definition`) has each variable rendered to its placeholder value.
//! DefinitionSubstitutions: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-stepfunctions-statemachine.html

use super::refs::{split_template, Piece, Scope};
use crate::error::InputError;
use indexmap::IndexMap;
use serde_json::Value;
use std::path::Path;

/// Definition text with `${Var}` placeholders, and what each variable stands for.
#[derive(Debug, Clone, Default)]
pub struct DefinitionText {
    pub text: String,
    pub vars: IndexMap<String, Value>,
}

/// Turns a `DefinitionString` expression into text and variables. `None` when the expression
/// is not one of the forms a template can hold.
pub fn from_expression(expr: &Value, scope: &Scope) -> Option<DefinitionText> {
    match expr {
        Value::String(s) => Some(DefinitionText {
            text: s.clone(),
            vars: IndexMap::new(),
        }),
        Value::Object(map) if map.len() == 1 => {
            let (k, arg) = map.iter().next()?;
            match k.as_str() {
                "Fn::Sub" => {
                    let (text, explicit) = super::refs::sub_parts(arg);
                    let text = text?;
                    let mut vars = explicit;
                    for name in super::refs::template_vars(&text) {
                        if !vars.contains_key(&name) {
                            let e = scope.var_expr(&name);
                            vars.insert(name, e);
                        }
                    }
                    Some(DefinitionText { text, vars })
                }
                "Fn::Join" => {
                    let arr = arg.as_array()?;
                    let sep = arr.first()?.as_str().unwrap_or("");
                    let parts = arr.get(1)?.as_array()?;
                    let mut out = DefinitionText::default();
                    for (i, part) in parts.iter().enumerate() {
                        if i > 0 {
                            out.text.push_str(sep);
                        }
                        match part {
                            Value::String(s) => out.text.push_str(s),
                            other => {
                                if let Some(inner) =
                                    from_expression(other, scope).filter(|_| is_sub(other))
                                {
                                    out.text.push_str(&inner.text);
                                    out.vars.extend(inner.vars);
                                } else {
                                    let name = variable_name(other, out.vars.len());
                                    out.text.push_str(&format!("${{{name}}}"));
                                    out.vars.insert(name, other.clone());
                                }
                            }
                        }
                    }
                    Some(out)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_sub(v: &Value) -> bool {
    v.as_object()
        .map(|m| m.contains_key("Fn::Sub"))
        .unwrap_or(false)
}

/// A readable variable name for a joined expression: `Fn.Arn`, `Table`, else `Join3`.
fn variable_name(expr: &Value, index: usize) -> String {
    if let Some(id) = expr.get("Ref").and_then(Value::as_str) {
        return id.to_string();
    }
    if let Some((id, attr)) = expr.get("Fn::GetAtt").and_then(super::refs::get_att_parts) {
        return format!("{id}.{attr}");
    }
    format!("Join{index}")
}

/// Parses definition text. The text is tried as written first (variables inside JSON strings
/// keep it valid), then with variables rendered (a variable standing for a number or an object).
pub fn parse_text(
    file: &Path,
    pointer: &str,
    def: &DefinitionText,
    scope: &Scope,
) -> Result<Value, InputError> {
    if let Ok(v) = serde_json::from_str::<Value>(&def.text) {
        return Ok(v);
    }
    let rendered = render_vars(&def.text, &def.vars, scope);
    serde_json::from_str::<Value>(&rendered).map_err(|e| {
        InputError::new(
            file,
            format!(
                "malformed JSON in the state machine definition at line {} column {} of the definition: {e}",
                e.line(),
                e.column()
            ),
        )
        .pointer(pointer)
    })
}

/// Replaces `${Var}` for the variables in `vars`; other `${...}` stay as written.
pub fn render_vars(text: &str, vars: &IndexMap<String, Value>, scope: &Scope) -> String {
    if !text.contains("${") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for piece in split_template(text) {
        match piece {
            Piece::Text(t) | Piece::Literal(t) => out.push_str(t),
            Piece::Var(name) => match vars.get(name) {
                Some(v) => out.push_str(&scope.render(v)),
                None => {
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    out
}

/// The resolved definition: variables rendered in every string, intrinsic functions in inline
/// definitions (`{"Fn::GetAtt": [...]}`) rendered to strings.
pub fn apply_substitutions(v: &Value, vars: &IndexMap<String, Value>, scope: &Scope) -> Value {
    match v {
        Value::String(s) => Value::String(render_vars(s, vars, scope)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| apply_substitutions(i, vars, scope))
                .collect(),
        ),
        Value::Object(map) => {
            if is_intrinsic(map) {
                return Value::String(scope.render(v));
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), apply_substitutions(v, vars, scope)))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

pub fn is_intrinsic(map: &serde_json::Map<String, Value>) -> bool {
    map.len() == 1
        && map
            .keys()
            .next()
            .map(|k| k == "Ref" || k.starts_with("Fn::"))
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::refs::{Flavour, ScopeResource};
    use serde_json::json;

    fn scope() -> Scope {
        let mut s = Scope::new(Flavour::Cfn, "t.json".into());
        s.resources.insert(
            "Fn".into(),
            ScopeResource {
                resource_type: "AWS::Lambda::Function".into(),
                properties: json!({"FunctionName": "save"}),
            },
        );
        s
    }

    #[test]
    fn join_parts_become_variables() {
        let s = scope();
        let expr = json!({"Fn::Join": ["", ["{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Task\",\"Resource\":\"", {"Fn::GetAtt": ["Fn", "Arn"]}, "\",\"End\":true}}}"]]});
        let d = from_expression(&expr, &s).unwrap();
        assert_eq!(d.vars.keys().collect::<Vec<_>>(), vec!["Fn.Arn"]);
        let raw = parse_text(Path::new("t.json"), "/x", &d, &s).unwrap();
        assert_eq!(raw["States"]["A"]["Resource"], "${Fn.Arn}");
        let resolved = apply_substitutions(&raw, &d.vars, &s);
        assert_eq!(
            resolved["States"]["A"]["Resource"],
            "arn:aws:lambda:us-east-1:123456789012:function:save"
        );
    }

    #[test]
    fn sub_with_unquoted_number_parses_after_rendering() {
        let s = scope();
        let expr = json!({"Fn::Sub": ["{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\",\"Seconds\":${N},\"End\":true}}}", {"N": 5}]});
        let d = from_expression(&expr, &s).unwrap();
        let raw = parse_text(Path::new("t.json"), "/x", &d, &s).unwrap();
        assert_eq!(raw["States"]["W"]["Seconds"], 5);
    }

    #[test]
    fn malformed_definition_string_names_the_template() {
        let s = scope();
        let d = DefinitionText {
            text: "{\"StartAt\": ".into(),
            vars: IndexMap::new(),
        };
        let err = parse_text(Path::new("t.json"), "/Resources/SM", &d, &s).unwrap_err();
        assert_eq!(err.file, Path::new("t.json"));
        assert!(err.message.contains("malformed JSON"));
    }
}
