//! Handler expressions (`analysis::model::ValueExpr`) as ASL: event reads become paths through the
//! original Task's payload, string templates become `States.Format`, `JSON.stringify` becomes
//! `States.JsonToString`, environment variables become their IaC values.

use super::asl_value::{path_segment, Asl};
use crate::analysis::model::{
    DefaultWhen, JsonStyle, ObjectEntry, PathSeg, TemplatePart, ValueExpr,
};
use indexmap::IndexMap;
use serde_json::Value;

/// What the expressions may refer to.
pub struct ExprCtx<'a> {
    /// The handler's event as the original Task composed it; `None` where the state input is out of
    /// reach (ResultSelector sees only the task result).
    pub event: Option<&'a Asl>,
    /// Environment variable → how the new definition writes its value.
    pub env: &'a IndexMap<String, Asl>,
    /// In ResultSelector: how the SDK call's response is reached (`None` in Parameters).
    pub result: Option<ResultAccess>,
    /// Where the SDK call's response sits in what the expression reads: `$` in a ResultSelector,
    /// a field of the state input in a state after the Task (None: `$`).
    pub result_root: Option<String>,
    /// With PascalCase result keys: the result's map paths when the catalogue knows them (every
    /// member down to a map is PascalCased); None: only the first key is (deeper keys may be map
    /// keys the integration does not rename).
    pub result_maps: Option<Vec<String>>,
    pub notes: Vec<String>,
}

/// How `SdkResult` paths map onto the new task result.
#[derive(Debug, Clone, Copy)]
pub struct ResultAccess {
    /// The handler's whole response equals the new task result (no SDK metadata on either side).
    pub whole_result_matches: bool,
    /// The response's items are typed AttributeValues in the new result but plain in the handler
    /// (lib-dynamodb / boto3 resource): reading into them needs unmarshalling.
    pub typed_items: bool,
    /// The integration's result has PascalCase keys where the handler's SDK answered in camelCase
    /// (aws-sdk, `states:startExecution`; aws-facts §1.3): the first key read is PascalCased. Only
    /// the top level: deeper keys may be map keys the API does not rename.
    pub pascal_case_keys: bool,
}

impl<'a> ExprCtx<'a> {
    /// Converts `expr`; `json_object_ok` says the target parameter accepts a JSON object that
    /// Step Functions serializes (SQS MessageBody, SNS Message, EventBridge Detail).
    pub fn convert(&mut self, expr: &ValueExpr, json_object_ok: bool) -> Result<Asl, String> {
        match expr {
            ValueExpr::Literal { value } => Ok(Asl::Literal(value.clone())),
            ValueExpr::Event { path } => match self.event {
                Some(event) => event.select(path),
                None => Err(format!(
                    "the handler returns event data ({}), which a ResultSelector cannot reach: needs a Pass state",
                    display_path("event", path)
                )),
            },
            ValueExpr::Env { name, .. } => self.env.get(name).cloned().ok_or_else(|| {
                format!("environment variable {name} has no value in the infrastructure")
            }),
            ValueExpr::Object { entries } => {
                if let Some(merged) = self.merge_spreads(entries)? {
                    return Ok(merged);
                }
                let mut out: Vec<(String, Asl)> = Vec::new();
                for entry in entries {
                    match entry {
                        ObjectEntry::Field { key, value } => {
                            let v = self.convert(value, false)?;
                            out.retain(|(k, _)| k != key);
                            out.push((key.clone(), v));
                        }
                        ObjectEntry::Spread { value } => match self.convert(value, false)? {
                            Asl::Object(fields) => {
                                for (k, v) in fields {
                                    out.retain(|(existing, _)| *existing != k);
                                    out.push((k, v));
                                }
                            }
                            Asl::Literal(Value::Object(m)) => {
                                for (k, v) in m {
                                    out.retain(|(existing, _)| *existing != k);
                                    out.push((k, Asl::Literal(v)));
                                }
                            }
                            Asl::Absent => {}
                            _ => {
                                return Err(
                                    "spreads a value whose keys are only known at run time".into()
                                )
                            }
                        },
                    }
                }
                Ok(Asl::Object(out))
            }
            ValueExpr::Array { items } => Ok(Asl::Array(
                items
                    .iter()
                    .map(|i| self.convert(i, false))
                    .collect::<Result<_, _>>()?,
            )),
            ValueExpr::Template { parts } => self.format(parts),
            ValueExpr::ToString { value } => match self.convert(value, false)? {
                Asl::Literal(Value::String(s)) => Ok(Asl::Literal(Value::String(s))),
                Asl::Literal(v @ (Value::Number(_) | Value::Bool(_))) => {
                    Ok(Asl::Literal(Value::String(v.to_string())))
                }
                v @ Asl::Dynamic(_) => {
                    let arg = v.as_intrinsic_arg()?;
                    self.notes.push(format!(
                        "String({arg}) written as States.Format('{{}}', {arg}): same text for strings, integers and booleans; assumed {arg} is one of those"
                    ));
                    Ok(Asl::Dynamic(format!("States.Format('{{}}', {arg})")))
                }
                _ => Err("converts an object, array or undefined value to a string".into()),
            },
            ValueExpr::JsonStringify { value, style } => {
                if style.is_indented() {
                    if !json_object_ok {
                        return Err(
                            "serializes JSON with indentation, which no intrinsic function reproduces"
                                .into(),
                        );
                    }
                    // Where the API takes the JSON as an object, Step Functions serializes it
                    // compactly: same JSON value, other bytes (as the audit's note says).
                    self.notes.push(
                        "the handler indents its JSON text; the rewrite is compact: the text differs byte for byte (same JSON value)".into(),
                    );
                }
                let inner = self.convert(value, false)?;
                let python_note = |what: &str| {
                    format!(
                        "json.dumps puts a space after ',' and ':' and escapes non-ASCII characters; {what} is compact: the text differs byte for byte (same JSON value)"
                    )
                };
                match inner {
                    Asl::Dynamic(expr) => {
                        if *style == JsonStyle::PythonDefault {
                            self.notes.push(python_note("States.JsonToString"));
                        }
                        Ok(Asl::Dynamic(format!("States.JsonToString({expr})")))
                    }
                    Asl::Literal(v) => {
                        if *style == JsonStyle::PythonDefault {
                            self.notes.push(python_note("the rewritten literal"));
                        }
                        Ok(Asl::Literal(Value::String(v.to_string())))
                    }
                    obj @ (Asl::Object(_) | Asl::Array(_)) if json_object_ok => {
                        self.notes.push(
                            "a JSON object is passed where the API takes a string; Step Functions serializes it compactly, keys in the order written (aws-facts §1.4: exact bytes not documented)".into(),
                        );
                        if *style == JsonStyle::PythonDefault {
                            self.notes.push(python_note("Step Functions' serialization"));
                        }
                        if contains_absent(&obj) {
                            return Err("serializes an object with a field the Task input may not have (JSON.stringify drops undefined)".into());
                        }
                        let mut paths = Vec::new();
                        dynamic_paths(&obj, &mut paths);
                        if !paths.is_empty() {
                            self.notes.push(format!(
                                "assumed {} always present: a missing one fails the Task where JSON.stringify would have left the key out",
                                paths.join(", ")
                            ));
                        }
                        Ok(obj)
                    }
                    Asl::Absent => Err("serializes an undefined value".into()),
                    _ => Err(
                        "serializes an object built in the handler, which States.JsonToString cannot take"
                            .into(),
                    ),
                }
            }
            ValueExpr::JsonParse { value } => match self.convert(value, false)? {
                Asl::Dynamic(expr) => {
                    // AWS reads empty and blank text as null (recorded: intrinsic_functions
                    // test_string_to_json__0/__1 in ../shared/asl-cases).
                    self.notes.push(format!(
                        "JSON.parse/json.loads raised on text that is not JSON; States.StringToJson fails the state instead (and reads empty or blank text as null): assumed {expr} always holds JSON text"
                    ));
                    Ok(Asl::Dynamic(format!("States.StringToJson({expr})")))
                }
                Asl::Literal(Value::String(s)) => serde_json::from_str(&s)
                    .map(Asl::Literal)
                    .map_err(|e| format!("parses invalid JSON text: {e}")),
                _ => Err("parses a value that is not a string".into()),
            },
            ValueExpr::Default {
                value,
                default,
                when,
            } => {
                let v = self.convert(value, false)?;
                match v {
                    Asl::Absent | Asl::Literal(Value::Null) => self.convert(default, json_object_ok),
                    Asl::Literal(ref lit) if *when == DefaultWhen::Falsy && is_falsy(lit) => {
                        self.convert(default, json_object_ok)
                    }
                    Asl::Literal(_) | Asl::Object(_) | Asl::Array(_) => Ok(v),
                    Asl::Dynamic(_) => Err(
                        "uses a default for a value known only at run time: needs a Choice state"
                            .into(),
                    ),
                }
            }
            ValueExpr::SdkResult { call, path } => {
                let Some(access) = self.result else {
                    return Err("passes one SDK call's result into another".into());
                };
                if *call != 0 {
                    return Err("reads the result of a second SDK call".into());
                }
                if path.is_empty() && !access.whole_result_matches {
                    return Err("returns the whole SDK response, whose metadata fields the integration result does not have".into());
                }
                if access.typed_items
                    && matches!(path.first(), Some(PathSeg::Field(f)) if f == "Item" || f == "Items" || f == "Attributes")
                {
                    return Err("reads DynamoDB attributes the integration returns typed ({\"S\": ...}): unmarshalling is not built yet".into());
                }
                let mut out = self.result_root.clone().unwrap_or_else(|| "$".to_string());
                let cased;
                let path = match (&self.result_maps, access.pascal_case_keys) {
                    (Some(maps), true) => {
                        cased = super::member_case::result_path(path, maps);
                        cased.as_slice()
                    }
                    _ => path.as_slice(),
                };
                for (i, seg) in path.iter().enumerate() {
                    match seg {
                        PathSeg::Field(f) if i == 0 && access.pascal_case_keys => {
                            let mut c = f.chars();
                            let first = c.next().map(|x| x.to_ascii_uppercase().to_string());
                            let key = first.unwrap_or_default() + c.as_str();
                            out.push_str(&path_segment(&PathSeg::Field(key))?);
                        }
                        _ => out.push_str(&path_segment(seg)?),
                    }
                }
                Ok(Asl::Dynamic(out))
            }
            ValueExpr::Unrepresentable { what, span } => Err(format!(
                "uses {what} (line {}), which no ASL field reproduces",
                span.line
            )),
            ValueExpr::Unknown { construct, span } => Err(format!(
                "uses a construct the analysis does not understand: {construct} (line {})",
                span.line
            )),
        }
    }

    /// `{...event, k: v}` (or `{**event, "k": v}`) where a spread value is known only at run time:
    /// `States.JsonMerge` of the spread objects and the literal fields, left to right, so later
    /// keys win as they do in the object literal (a shallow merge, as the spread is:
    /// https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-json-manipulate,
    /// "States.JsonMerge ... merge two JSON objects into a single object", deep-merge flag false).
    /// None when no spread is dynamic (the object is built field by field).
    fn merge_spreads(&mut self, entries: &[ObjectEntry]) -> Result<Option<Asl>, String> {
        let mut parts: Vec<Asl> = Vec::new();
        let mut fields: Vec<(String, Asl)> = Vec::new();
        let mut dynamic = false;
        for entry in entries {
            match entry {
                ObjectEntry::Field { key, value } => {
                    let v = self.convert(value, false)?;
                    fields.retain(|(k, _)| k != key);
                    fields.push((key.clone(), v));
                }
                ObjectEntry::Spread { value } => match self.convert(value, false)? {
                    Asl::Absent => {}
                    d @ Asl::Dynamic(_) => {
                        dynamic = true;
                        if !fields.is_empty() {
                            parts.push(Asl::Object(std::mem::take(&mut fields)));
                        }
                        parts.push(d);
                    }
                    Asl::Object(f) => fields.extend(f),
                    Asl::Literal(Value::Object(m)) => {
                        fields.extend(m.into_iter().map(|(k, v)| (k, Asl::Literal(v))))
                    }
                    _ => return Err("spreads a value that is not an object".into()),
                },
            }
        }
        if !dynamic {
            return Ok(None);
        }
        if !fields.is_empty() {
            parts.push(Asl::Object(fields));
        }
        let mut args = Vec::new();
        for part in &parts {
            args.push(match part {
                Asl::Dynamic(expr) => expr.clone(),
                Asl::Object(fields) => {
                    // Only constant fields can be written as one JSON literal.
                    let mut m = serde_json::Map::new();
                    for (k, v) in fields {
                        match v {
                            Asl::Literal(lit) => {
                                m.insert(k.clone(), lit.clone());
                            }
                            Asl::Absent => {}
                            _ => return Err(format!(
                                "spreads a value and sets {k} from data known only at run time (no intrinsic builds that object)"
                            )),
                        }
                    }
                    format!(
                        "States.StringToJson('{}')",
                        super::asl_value::escape_intrinsic_string(&Value::Object(m).to_string())
                    )
                }
                _ => unreachable!("parts are objects or paths"),
            });
        }
        let merged = args
            .into_iter()
            .reduce(|a, b| format!("States.JsonMerge({a}, {b}, false)"))
            .unwrap_or_default();
        self.notes.push(
            "the object spread is written as States.JsonMerge (shallow, later keys win); assumed the spread value is an object (a missing or non-object value fails the state where the spread would have added nothing or its indices)".into(),
        );
        Ok(Some(Asl::Dynamic(merged)))
    }

    /// A template string as `States.Format`, or a plain string when it has no dynamic part.
    fn format(&mut self, parts: &[TemplatePart]) -> Result<Asl, String> {
        let mut template = String::new();
        let mut args = Vec::new();
        for part in parts {
            match part {
                TemplatePart::Text { text } => {
                    template.push_str(&super::asl_value::escape_intrinsic_string(text))
                }
                TemplatePart::Expr { value } => match self.convert(value, false)? {
                    Asl::Literal(Value::String(s)) => {
                        template.push_str(&super::asl_value::escape_intrinsic_string(&s))
                    }
                    Asl::Literal(v @ (Value::Number(_) | Value::Bool(_))) => {
                        template.push_str(&v.to_string())
                    }
                    Asl::Dynamic(expr) => {
                        template.push_str("{}");
                        args.push(expr);
                    }
                    Asl::Absent => {
                        return Err(
                            "formats a field the Task does not pass to the handler (it would print `undefined`)"
                                .into(),
                        )
                    }
                    _ => return Err("formats an object or array into a string".into()),
                },
            }
        }
        if args.is_empty() {
            // Undo the escaping: no intrinsic, so the text is literal.
            let mut plain = String::new();
            let mut chars = template.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        plain.push(n);
                    }
                } else {
                    plain.push(c);
                }
            }
            return Ok(Asl::Literal(Value::String(plain)));
        }
        self.notes.push(format!(
            "States.Format renders {} as the handler's template string did for strings and integers; assumed {} of those types",
            args.join(", "),
            if args.len() == 1 { "it is one" } else { "each is one" }
        ));
        Ok(Asl::Dynamic(format!(
            "States.Format('{template}', {})",
            args.join(", ")
        )))
    }
}

fn contains_absent(v: &Asl) -> bool {
    match v {
        Asl::Absent => true,
        Asl::Object(e) => e.iter().any(|(_, v)| contains_absent(v)),
        Asl::Array(i) => i.iter().any(contains_absent),
        _ => false,
    }
}

fn dynamic_paths(v: &Asl, out: &mut Vec<String>) {
    match v {
        Asl::Dynamic(p) => out.push(p.clone()),
        Asl::Object(e) => e.iter().for_each(|(_, v)| dynamic_paths(v, out)),
        Asl::Array(i) => i.iter().for_each(|v| dynamic_paths(v, out)),
        _ => {}
    }
}

fn is_falsy(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

pub fn display_path(root: &str, path: &[PathSeg]) -> String {
    let mut s = root.to_string();
    for seg in path {
        match seg {
            PathSeg::Field(f) => {
                s.push('.');
                s.push_str(f);
            }
            PathSeg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::Span;
    use serde_json::json;

    fn ev(path: &[&str]) -> ValueExpr {
        ValueExpr::Event {
            path: path.iter().map(|s| PathSeg::Field(s.to_string())).collect(),
        }
    }

    #[test]
    fn result_reads_take_the_integration_pascal_case_top_key() {
        let env = IndexMap::new();
        let read = ValueExpr::SdkResult {
            call: 0,
            path: vec![
                PathSeg::Field("executionArn".into()),
                PathSeg::Field("innerKey".into()),
            ],
        };
        for (pascal, want) in [
            (true, "$.ExecutionArn.innerKey"),
            (false, "$.executionArn.innerKey"),
        ] {
            let mut ctx = ExprCtx {
                event: None,
                env: &env,
                result: Some(ResultAccess {
                    whole_result_matches: false,
                    typed_items: false,
                    pascal_case_keys: pascal,
                }),
                result_root: None,
                result_maps: None,
                notes: vec![],
            };
            assert_eq!(
                ctx.convert(&read, false).unwrap(),
                Asl::Dynamic(want.into())
            );
        }
    }

    #[test]
    fn template_strings_become_states_format_with_escaping() {
        let event = Asl::Dynamic("$".into());
        let env = IndexMap::new();
        let mut ctx = ExprCtx {
            event: Some(&event),
            env: &env,
            result: None,
            result_root: None,
            result_maps: None,
            notes: vec![],
        };
        let t = ValueExpr::Template {
            parts: vec![
                TemplatePart::Text {
                    text: "Order {".into(),
                },
                TemplatePart::Expr {
                    value: ev(&["orderId"]),
                },
                TemplatePart::Text {
                    text: "}'s here".into(),
                },
            ],
        };
        assert_eq!(
            ctx.convert(&t, false).unwrap(),
            Asl::Dynamic("States.Format('Order \\{{}\\}\\'s here', $.orderId)".into())
        );
        let plain = ValueExpr::Template {
            parts: vec![TemplatePart::Text {
                text: "a{b}".into(),
            }],
        };
        assert_eq!(
            ctx.convert(&plain, false).unwrap(),
            Asl::Literal(json!("a{b}"))
        );
    }

    #[test]
    fn stringify_of_built_object_only_where_a_json_object_is_accepted() {
        let event = Asl::Dynamic("$".into());
        let env = IndexMap::new();
        let mut ctx = ExprCtx {
            event: Some(&event),
            env: &env,
            result: None,
            result_root: None,
            result_maps: None,
            notes: vec![],
        };
        let obj = ValueExpr::JsonStringify {
            value: Box::new(ValueExpr::Object {
                entries: vec![ObjectEntry::Field {
                    key: "orderId".into(),
                    value: ev(&["orderId"]),
                }],
            }),
            style: JsonStyle::Compact,
        };
        assert!(ctx.convert(&obj, false).is_err());
        assert_eq!(
            ctx.convert(&obj, true).unwrap(),
            Asl::Object(vec![("orderId".into(), Asl::Dynamic("$.orderId".into()))])
        );
        let date = ValueExpr::Unrepresentable {
            what: "Date.now()".into(),
            span: Span { line: 3, column: 1 },
        };
        assert!(ctx
            .convert(&date, false)
            .unwrap_err()
            .contains("Date.now()"));
    }
}
