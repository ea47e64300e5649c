//! States a rewrite adds after its Task, where no field of the Task can compute the handler's
//! return value:
//! - a Pass that builds a return value mixing event data into the result (a ResultSelector sees
//!   only the task result, https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html#input-output-resultselector);
//! - a Choice on whether DynamoDB GetItem found the item (a miss returns no `Item`, aws-facts
//!   §1.3), then a Pass that unmarshals the typed attributes, and a Pass (null) or a Fail (the
//!   handler's KeyError/TypeError) for the miss.
//!
//! The Task's result then replaces its input (or is discarded), the added states build what the
//! handler returned and apply the original Task's OutputPath, and take over its Next/End.

use super::asl_value::{self, Asl};
use crate::analysis::model::{Language, PathSeg};
use crate::discover::model::InvocationStyle;
use serde_json::{json, Map, Value};

/// Where the handler's return value ended up in the original Task's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// The Task's InputPath (`$` when none): event paths are relative to the effective input,
    /// while a state after the Task sees the raw input.
    pub input_path: String,
    pub output: Output,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// The state output is `OutputPath` applied to the handler's value (`$`: the value itself).
    Value(String),
    /// lambda:invoke without an unwrapping OutputPath: the output was the Lambda envelope, of
    /// which the rewrite keeps `Payload`.
    Envelope,
}

/// How the original Task placed the handler's value, when its result replaced its input.
pub fn shape(state: &Map<String, Value>, style: InvocationStyle) -> Result<Shape, String> {
    if state.contains_key("ResultSelector") {
        return Err("the Task's ResultSelector reads the Lambda result (not combined with added states yet)".into());
    }
    match state.get("ResultPath") {
        None => {}
        Some(Value::String(p)) if p == "$" => {}
        Some(other) => {
            return Err(format!(
                "the Task keeps its input beside the result (ResultPath {other}); added states after it are built only where the result replaces the input"
            ))
        }
    }
    let input_path = match state.get("InputPath") {
        None => "$".to_string(),
        Some(Value::String(p)) if asl_value::is_reference_path(p) && !p.starts_with("$$") => {
            p.clone()
        }
        Some(other) => return Err(format!("the Task's InputPath {other} is not a plain path")),
    };
    let output_path = state.get("OutputPath").and_then(Value::as_str);
    let output = match style {
        InvocationStyle::BareArn => Output::Value(output_path.unwrap_or("$").to_string()),
        _ => match output_path {
            None => Output::Envelope,
            Some(op) => {
                let rest = op
                    .strip_prefix("$.Payload")
                    .filter(|r| r.is_empty() || r.starts_with('.') || r.starts_with('['))
                    .ok_or_else(|| {
                        format!("the OutputPath {op} reads the Lambda envelope beyond Payload")
                    })?;
                Output::Value(format!("${rest}"))
            }
        },
    };
    Ok(Shape { input_path, output })
}

/// An event value as a state after the Task reads it from the raw input: paths over the
/// effective input get the InputPath in front.
pub fn rebase(event: &Asl, input_path: &str) -> Result<Asl, String> {
    if input_path == "$" {
        return Ok(event.clone());
    }
    Ok(match event {
        Asl::Dynamic(p) if asl_value::is_reference_path(p) && !p.starts_with("$$") => {
            Asl::Dynamic(format!("{input_path}{}", &p[1..]))
        }
        Asl::Dynamic(p) if p.starts_with("$$") => Asl::Dynamic(p.clone()),
        Asl::Dynamic(p) => {
            return Err(format!(
                "the payload computes `{p}` from the effective input, which a state after the Task cannot recompute under InputPath {input_path}"
            ))
        }
        Asl::Object(fields) => Asl::Object(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), rebase(v, input_path)?)))
                .collect::<Result<_, String>>()?,
        ),
        Asl::Array(items) => Asl::Array(
            items
                .iter()
                .map(|v| rebase(v, input_path))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// The field a ResultSelector-less state uses to carry a value that is not an object.
const WRAPPED: &str = "value";

/// A Pass that outputs `value` the way the original Task output the handler's value.
pub fn value_pass(value: &Asl, shape: &Shape) -> Result<Map<String, Value>, String> {
    let value = match value {
        Asl::Absent => Asl::Literal(Value::Null),
        v => v.clone(),
    };
    let mut pass = Map::new();
    pass.insert("Type".into(), json!("Pass"));
    match &shape.output {
        Output::Envelope => {
            let mut params = Map::new();
            value.write_field(&mut params, "Payload")?;
            pass.insert("Parameters".into(), Value::Object(params));
        }
        Output::Value(op) => match &value {
            Asl::Object(_) => {
                pass.insert("Parameters".into(), value.to_template()?);
                if op != "$" {
                    pass.insert("OutputPath".into(), json!(op));
                }
            }
            _ => {
                let mut params = Map::new();
                value.write_field(&mut params, WRAPPED)?;
                pass.insert("Parameters".into(), Value::Object(params));
                pass.insert(
                    "OutputPath".into(),
                    json!(format!("$.{WRAPPED}{}", &op[1..])),
                );
            }
        },
    }
    Ok(pass)
}

/// Moves the Task's `Next`/`End` to `first` (in place, keeping the key order) and returns what
/// the Task had, for the last added states.
pub fn take_transition(task: &mut Map<String, Value>, first: &str) -> Map<String, Value> {
    let mut old = Map::new();
    let mut out = Map::new();
    for (k, v) in std::mem::take(task) {
        match k.as_str() {
            "Next" | "End" => {
                if !out.contains_key("Next") {
                    out.insert("Next".into(), json!(first));
                }
                old.insert(k, v);
            }
            _ => {
                out.insert(k, v);
            }
        }
    }
    if !out.contains_key("Next") {
        out.insert("Next".into(), json!(first));
    }
    *task = out;
    old
}

/// Unique state names next to `taken`.
pub struct Names(Vec<String>);

impl Names {
    pub fn new(taken: &[String]) -> Self {
        Names(taken.to_vec())
    }
    pub fn fresh(&mut self, wanted: String) -> String {
        let mut name = wanted.clone();
        let mut n = 2;
        while self.0.contains(&name) {
            name = format!("{wanted} {n}");
            n += 1;
        }
        self.0.push(name.clone());
        name
    }
}

/// What a DynamoDB GetItem read looks like to the handler when no item matched.
#[derive(Debug, Clone, PartialEq)]
pub enum Miss {
    /// `result.Item` is undefined (JavaScript): the handler returns undefined, the Payload null.
    Null,
    /// The handler raises: (error name, message).
    Raise(String, String),
}

/// The handler's behaviour on a miss when it returns `Item` (path `["Item"]`) or one attribute of
/// it (`["Item", attr]`): Python's `response["Item"]` raises KeyError('Item') (its message is the
/// key's repr); JavaScript's `result.Item.attr` reads a property of undefined, a TypeError.
pub fn miss_of(path: &[PathSeg], language: Language) -> Miss {
    match (language, path) {
        (Language::Python, _) => Miss::Raise("KeyError".into(), "'Item'".into()),
        (_, [_]) => Miss::Null,
        (_, [_, PathSeg::Field(attr), ..]) => Miss::Raise(
            "TypeError".into(),
            format!("Cannot read properties of undefined (reading '{attr}')"),
        ),
        _ => Miss::Raise(
            "TypeError".into(),
            "Cannot read properties of undefined".into(),
        ),
    }
}

/// The first catcher of the Task that takes `error`.
pub fn catcher_for<'a>(
    task: &'a Map<String, Value>,
    error: &str,
) -> Option<&'a Map<String, Value>> {
    task.get("Catch")?.as_array()?.iter().find_map(|c| {
        let obj = c.as_object()?;
        obj.get("ErrorEquals")?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .any(|n| n == error || n == "States.ALL" || n == "States.TaskFailed")
            .then_some(obj)
    })
}

/// A state for the handler raising `error` with `message` after the call: a Fail, or, when the
/// Task's Catch took the Lambda's error and replaced the state input with the error object
/// (ResultPath `$`, the default), a Pass that writes the same `{Error, Cause}` and goes on to the
/// catcher's Next. A catcher that kept the input is not reproduced: the added states no longer
/// see the Task's input.
pub fn raise_state(
    task: &Map<String, Value>,
    error: &str,
    message: &str,
) -> Result<(Value, Option<String>), String> {
    match catcher_for(task, error) {
        None => Ok((
            json!({"Type": "Fail", "Error": error, "Cause": message}),
            None,
        )),
        Some(c) => {
            if c.get("ResultPath").is_some_and(|p| p != "$") {
                return Err(format!(
                    "the Task's Catch takes the handler's {error} and keeps the state input beside it, which the states after the call no longer have"
                ));
            }
            let next = c.get("Next").cloned().unwrap_or(Value::Null);
            Ok((
                json!({"Type": "Pass", "Parameters": {"Error": error, "Cause": message}, "Next": next}),
                next.as_str().map(String::from),
            ))
        }
    }
}

/// The typed attribute `path` (`$.Item.customerId`) read as the handler's SDK unmarshalled it:
/// S as the string, N as a number (`States.StringToJson("12.5")` is 12.5, as lib-dynamodb's
/// default unmarshall converts N with Number(), https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-aws-sdk-util-dynamodb/,
/// `wrapNumbers` false), BOOL as the boolean.
pub fn unmarshalled_attribute(path: &str, attr_type: &str) -> Result<Asl, String> {
    match attr_type {
        "S" => Ok(Asl::Dynamic(format!("{path}.S"))),
        "N" => Ok(Asl::Dynamic(format!("States.StringToJson({path}.N)"))),
        "BOOL" => Ok(Asl::Dynamic(format!("{path}.BOOL"))),
        other => Err(format!(
            "{path} is of type {other}, which no intrinsic function unmarshals as the SDK did"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_shape_follows_the_unwrapping_output_path() {
        let s = state(json!({"OutputPath": "$.Payload.order", "InputPath": "$.in"}));
        assert_eq!(
            shape(&s, InvocationStyle::OptimizedInvoke).unwrap(),
            Shape {
                input_path: "$.in".into(),
                output: Output::Value("$.order".into())
            }
        );
        let s = state(json!({}));
        assert_eq!(
            shape(&s, InvocationStyle::OptimizedInvoke).unwrap().output,
            Output::Envelope
        );
        assert_eq!(
            shape(&s, InvocationStyle::BareArn).unwrap().output,
            Output::Value("$".into())
        );
        assert!(shape(
            &state(json!({"ResultPath": "$.r"})),
            InvocationStyle::BareArn
        )
        .is_err());
        assert!(shape(
            &state(json!({"OutputPath": "$.StatusCode"})),
            InvocationStyle::OptimizedInvoke
        )
        .is_err());
    }

    #[test]
    fn value_passes_wrap_what_is_not_an_object() {
        let obj = Asl::Object(vec![(
            "accepted".into(),
            Asl::Dynamic("States.StringToJson($.body)".into()),
        )]);
        let whole = Shape {
            input_path: "$".into(),
            output: Output::Value("$".into()),
        };
        assert_eq!(
            Value::Object(value_pass(&obj, &whole).unwrap()),
            json!({"Type": "Pass", "Parameters": {"accepted.$": "States.StringToJson($.body)"}})
        );
        let sub = Shape {
            input_path: "$".into(),
            output: Output::Value("$.x".into()),
        };
        assert_eq!(
            Value::Object(value_pass(&Asl::Absent, &sub).unwrap()),
            json!({"Type": "Pass", "Parameters": {"value": null}, "OutputPath": "$.value.x"})
        );
        let env = Shape {
            input_path: "$".into(),
            output: Output::Envelope,
        };
        assert_eq!(
            Value::Object(value_pass(&Asl::Dynamic("$.a".into()), &env).unwrap()),
            json!({"Type": "Pass", "Parameters": {"Payload.$": "$.a"}})
        );
    }

    #[test]
    fn the_transition_moves_to_the_added_state_in_place() {
        let mut t = state(json!({"Type": "Task", "End": true, "Comment": "c"}));
        let old = take_transition(&mut t, "After");
        assert_eq!(Value::Object(old), json!({"End": true}));
        assert_eq!(
            t.keys().collect::<Vec<_>>(),
            vec!["Type", "Next", "Comment"]
        );
        assert_eq!(t["Next"], "After");
    }

    #[test]
    fn event_paths_are_rebased_under_the_input_path() {
        let ev = Asl::Object(vec![
            ("a".into(), Asl::Dynamic("$.x".into())),
            ("t".into(), Asl::Dynamic("$$.Task.Token".into())),
        ]);
        assert_eq!(
            rebase(&ev, "$.in").unwrap(),
            Asl::Object(vec![
                ("a".into(), Asl::Dynamic("$.in.x".into())),
                ("t".into(), Asl::Dynamic("$$.Task.Token".into())),
            ])
        );
        assert!(rebase(&Asl::Dynamic("States.Format('{}', $.x)".into()), "$.in").is_err());
    }

    #[test]
    fn misses_raise_what_the_runtime_raised() {
        let item = [PathSeg::Field("Item".into())];
        assert_eq!(miss_of(&item, Language::Javascript), Miss::Null);
        assert_eq!(
            miss_of(&item, Language::Python),
            Miss::Raise("KeyError".into(), "'Item'".into())
        );
        let attr = [PathSeg::Field("Item".into()), PathSeg::Field("name".into())];
        assert!(
            matches!(miss_of(&attr, Language::Javascript), Miss::Raise(e, _) if e == "TypeError")
        );
        let t = state(json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops"}]}));
        let (s, next) = raise_state(&t, "KeyError", "'Item'").unwrap();
        assert_eq!(s["Type"], "Pass");
        assert_eq!(next.as_deref(), Some("Oops"));
        let keep = state(
            json!({"Catch": [{"ErrorEquals": ["KeyError"], "ResultPath": "$.e", "Next": "Oops"}]}),
        );
        assert!(raise_state(&keep, "KeyError", "'Item'").is_err());
        assert_eq!(
            raise_state(&state(json!({})), "KeyError", "'Item'")
                .unwrap()
                .0,
            json!({"Type": "Fail", "Error": "KeyError", "Cause": "'Item'"})
        );
    }
}
