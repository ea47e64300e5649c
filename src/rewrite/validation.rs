//! Validation throws (`if (!event.orderId) throw new Error("orderId is required")`) become a
//! Choice state in front of the new Task: each guarded throw is a Choice rule leading to a Fail
//! state with the same error name and the message as Cause, or, when the Task's Catch caught the
//! Lambda's error, to a Pass state that stores `{Error, Cause}` where the catcher did and goes on
//! to the catcher's Next. The Choice's Default is the Task.
//!
//! Choice semantics (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html): a
//! comparison on a value of another type is false; a Variable that selects nothing is a runtime
//! error except for IsPresent, so presence is tested first.

use super::asl_value::{self, Asl};
use crate::analysis::model::{Condition, Language, Throw, ValueExpr};
use serde_json::{json, Map, Value};

/// The states that check the input before the Task.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// The Choice first, then its targets, in the order they are written.
    pub states: Vec<(String, Value)>,
    /// The Choice: what every transition into the Task now goes to.
    pub entry: String,
    pub notes: Vec<String>,
}

/// Builds the Choice and its targets. `event` is the handler's event as the Task composed it
/// (paths over the Task's effective input); `taken` are the state names already in use.
pub fn states_for(
    task_name: &str,
    task: &Map<String, Value>,
    event: &Asl,
    throws: &[&Throw],
    language: Language,
    taken: &[String],
) -> Result<Validation, String> {
    let input_path = match task.get("InputPath") {
        None => "$".to_string(),
        Some(Value::String(p)) if asl_value::is_reference_path(p) && !p.starts_with("$$") => {
            p.clone()
        }
        Some(other) => {
            return Err(format!(
                "the Task's InputPath {other} leaves the validation nothing to test"
            ))
        }
    };
    let mut names = super::after_task::Names::new(taken);
    let mut fresh = |wanted: String| names.fresh(wanted);
    let entry = fresh(format!("Validate {task_name}"));
    let mut choices = Vec::new();
    let mut targets: Vec<(String, Value)> = Vec::new();
    let mut notes = Vec::new();
    for t in throws {
        let cond = t
            .condition
            .as_ref()
            .ok_or_else(|| format!("the handler always throws {}", t.error))?;
        let cause = match &t.message {
            Some(ValueExpr::Literal {
                value: Value::String(s),
            }) => s.clone(),
            None => String::new(),
            Some(_) => {
                return Err(format!(
                    "the message of {} is built at run time (not written as a Fail Cause yet)",
                    t.error
                ))
            }
        };
        let ctx = RuleCtx {
            event,
            input_path: &input_path,
            language,
        };
        let rules = match ctx.any_of(cond)? {
            Static::Always => {
                return Err(format!(
                    "the handler always throws {} for the payload this Task sends",
                    t.error
                ))
            }
            Static::Never => continue,
            Static::Rules(r) => r,
        };
        let target = match catcher_for(task, &t.error) {
            Some(c) => {
                let name = fresh(format!("{task_name} {} caught", t.error));
                let mut pass = Map::new();
                pass.insert("Type".into(), json!("Pass"));
                pass.insert(
                    "Parameters".into(),
                    json!({ "Error": t.error, "Cause": cause }),
                );
                if let Some(rp) = c.get("ResultPath") {
                    pass.insert("ResultPath".into(), rp.clone());
                }
                pass.insert("Next".into(), c.get("Next").cloned().unwrap_or(Value::Null));
                notes.push(format!(
                    "{}: the Task's Catch took the Lambda's {}; {name} stores the same Error with the message as Cause (the Lambda's Cause was its runtime's error JSON) and goes on to {}",
                    t.error,
                    t.error,
                    c.get("Next").and_then(Value::as_str).unwrap_or("?")
                ));
                (name, Value::Object(pass))
            }
            None => {
                let name = fresh(format!("{task_name} {}", t.error));
                (
                    name,
                    json!({ "Type": "Fail", "Error": t.error, "Cause": cause }),
                )
            }
        };
        for r in rules {
            let mut rule = r.as_object().cloned().unwrap_or_default();
            rule.insert("Next".into(), Value::String(target.0.clone()));
            choices.push(Value::Object(rule));
        }
        targets.push(target);
    }
    if choices.is_empty() {
        return Err("no validation is left to check".into());
    }
    notes.push(format!(
        "{entry} checks the input as the handler did before calling; a failed check ends in the same error name, with the message as Cause instead of the Lambda runtime's error JSON"
    ));
    if language == Language::Python {
        notes.push(
            "Python also treats an empty list or object as false; no Choice rule tells an empty one from a full one, so they pass the check"
                .into(),
        );
    }
    let mut states = vec![(
        entry.clone(),
        json!({ "Type": "Choice", "Choices": choices, "Default": task_name }),
    )];
    states.extend(targets);
    Ok(Validation {
        states,
        entry,
        notes,
    })
}

/// The same for a JSONata Task: each throw's `condition` (a JSONata expression, see
/// `jsonata_synth::throw_condition`) becomes a Choice rule `Condition`. `machine_jsonata` says
/// the whole machine is JSONata; otherwise the added states say so themselves (a JSONPath machine
/// may hold JSONata states, not the reverse:
/// https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
pub fn jsonata_states_for(
    task_name: &str,
    task: &Map<String, Value>,
    throws: &[(&Throw, String)],
    taken: &[String],
    machine_jsonata: bool,
) -> Result<Validation, String> {
    let mut names = super::after_task::Names::new(taken);
    let mut fresh = |wanted: String| names.fresh(wanted);
    let entry = fresh(format!("Validate {task_name}"));
    let mut choices = Vec::new();
    let mut states = Vec::new();
    let mut notes = Vec::new();
    for (t, condition) in throws {
        let cause = match &t.message {
            Some(ValueExpr::Literal {
                value: Value::String(s),
            }) => s.clone(),
            None => String::new(),
            Some(_) => {
                return Err(format!(
                    "the message of {} is built at run time (not written as a Fail Cause yet)",
                    t.error
                ))
            }
        };
        let target = match catcher_for(task, &t.error) {
            Some(c) => {
                let name = fresh(format!("{task_name} {} caught", t.error));
                let pass = jsonata_caught(c, &t.error, &cause, machine_jsonata)?;
                notes.push(format!(
                    "{}: the Task's Catch took the Lambda's {}; {name} gives the catcher's Output and Assign the same Error with the message as Cause (the Lambda's Cause was its runtime's error JSON) and goes on to {}",
                    t.error,
                    t.error,
                    c.get("Next").and_then(Value::as_str).unwrap_or("?")
                ));
                (name, pass)
            }
            None => (
                fresh(format!("{task_name} {}", t.error)),
                json!({ "Type": "Fail", "Error": t.error, "Cause": cause }),
            ),
        };
        choices.push(json!({ "Condition": format!("{{% {condition} %}}"), "Next": target.0 }));
        states.push(target);
    }
    let mut choice = Map::new();
    choice.insert("Type".into(), json!("Choice"));
    if !machine_jsonata {
        choice.insert("QueryLanguage".into(), json!("JSONata"));
    }
    choice.insert("Choices".into(), Value::Array(choices));
    choice.insert("Default".into(), json!(task_name));
    let mut all = vec![(entry.clone(), Value::Object(choice))];
    all.extend(states);
    notes.push(format!(
        "{entry} checks the input as the handler did before calling; a failed check ends in the same error name, with the message as Cause instead of the Lambda runtime's error JSON"
    ));
    Ok(Validation {
        states: all,
        notes,
        entry,
    })
}

/// A JSONata Pass doing what the catcher `c` did with the Lambda's error: its Output and Assign
/// read `$states.errorOutput`, which becomes the literal `{Error, Cause}`; without an Output the
/// catcher's output was the error output itself
/// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html, "Catch"
/// with JSONata: Output and Assign in a catcher).
fn jsonata_caught(
    c: &Map<String, Value>,
    error: &str,
    cause: &str,
    machine_jsonata: bool,
) -> Result<Value, String> {
    if c.contains_key("ResultPath") {
        return Err("a JSONata Task's catcher has a ResultPath".into());
    }
    let error_output = json!({ "Error": error, "Cause": cause });
    let literal = format!("({error_output})");
    fn replace(v: &Value, with: &str) -> Value {
        match v {
            Value::String(s) => Value::String(s.replace("$states.errorOutput", with)),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), replace(x, with)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|x| replace(x, with)).collect()),
            other => other.clone(),
        }
    }
    let mut pass = Map::new();
    pass.insert("Type".into(), json!("Pass"));
    if !machine_jsonata {
        pass.insert("QueryLanguage".into(), json!("JSONata"));
    }
    pass.insert(
        "Output".into(),
        match c.get("Output") {
            Some(o) => replace(o, &literal),
            None => error_output,
        },
    );
    if let Some(a) = c.get("Assign") {
        pass.insert("Assign".into(), replace(a, &literal));
    }
    pass.insert("Next".into(), c.get("Next").cloned().unwrap_or(Value::Null));
    Ok(Value::Object(pass))
}

/// Defaults the handler applied to a field of its event (`event.x ?? d`, `event.get("x", d)`,
/// `event.x || d`) become a Choice and a Pass per field before the Task: when the field is
/// missing (or null / false-y, as the operator has it) the Pass writes the default into the state
/// input, so the Task reads the field plainly. Only where the Task's result replaces its input
/// (no ResultPath, or `$`), so the defaulted input never reaches the output, and no catcher keeps
/// it; `defaults` are (top-level path such as `$.body`, default value, when).
pub fn default_states(
    task_name: &str,
    task: &Map<String, Value>,
    defaults: &[(String, Value, crate::analysis::model::DefaultWhen)],
    language: Language,
    taken: &[String],
) -> Result<Validation, String> {
    use crate::analysis::model::DefaultWhen;
    if !matches!(task.get("ResultPath"), None | Some(Value::String(_)))
        || task
            .get("ResultPath")
            .and_then(Value::as_str)
            .is_some_and(|p| p != "$")
    {
        return Err(
            "the Task keeps its input in its output, where the defaulted input would show".into(),
        );
    }
    if task.get("InputPath").is_some_and(|p| p != "$") {
        return Err("the Task has an InputPath".into());
    }
    let keeps_input = task
        .get("Catch")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.get("ResultPath").is_some_and(|p| p != "$"))
        });
    if keeps_input {
        return Err("a catcher keeps the state input, where the defaulted input would show".into());
    }
    let mut names = super::after_task::Names::new(taken);
    let mut fresh = |wanted: String| names.fresh(wanted);
    let mut checks = Vec::new();
    for (path, default, when) in defaults {
        // A nested field (`$.detail.message`): where the raw input has no such field, ResultPath
        // creates it "with intervening fields constructed as necessary" (Amazon States Language
        // spec, https://states-language.net/spec.html, "Using Paths"), so the fill works when the
        // parent is missing too.
        let field = path
            .strip_prefix("$.")
            .filter(|f| {
                !f.is_empty()
                    && !f.contains(['[', ' ', '*', '@', '?'])
                    && f.split('.').all(|seg| !seg.is_empty())
            })
            .ok_or_else(|| format!("the default is for {path}, not a plain field path"))?;
        let check = fresh(format!("Check {field} for {task_name}"));
        let fill = fresh(format!("Default {field} for {task_name}"));
        checks.push((check, fill, path.clone(), default.clone(), *when));
    }
    let ctx = RuleCtx {
        event: &Asl::Dynamic("$".into()),
        input_path: "$",
        language,
    };
    let mut states = Vec::new();
    for (i, (check, fill, path, default, when)) in checks.iter().enumerate() {
        let next = checks
            .get(i + 1)
            .map(|c| c.0.clone())
            .unwrap_or_else(|| task_name.to_string());
        let mut rules = vec![not_present(path)];
        match (when, language) {
            (DefaultWhen::Missing, Language::Python) => {}
            // JavaScript `??` also takes null.
            (DefaultWhen::Missing, _) => rules.push(json!({ "Variable": path, "IsNull": true })),
            (DefaultWhen::Falsy, _) => rules.push(json!({ "Or": ctx.falsy_rules(path) })),
        }
        let choices: Vec<Value> = rules
            .into_iter()
            .map(|r| {
                let mut r = r.as_object().cloned().unwrap_or_default();
                r.insert("Next".into(), Value::String(fill.clone()));
                Value::Object(r)
            })
            .collect();
        states.push((
            check.clone(),
            json!({ "Type": "Choice", "Choices": choices, "Default": next }),
        ));
        states.push((
            fill.clone(),
            json!({ "Type": "Pass", "Result": default, "ResultPath": path, "Next": next }),
        ));
    }
    let entry = checks
        .first()
        .map(|c| c.0.clone())
        .ok_or("no default to apply")?;
    Ok(Validation {
        notes: vec![format!(
            "{entry} and the states after it put the handler's defaults into the state input before the Task; the Task's result replaces its input, so they do not show in the output"
        )],
        states,
        entry,
    })
}

/// The first catcher of the Task that matches `error`.
fn catcher_for<'a>(task: &'a Map<String, Value>, error: &str) -> Option<&'a Map<String, Value>> {
    task.get("Catch")?.as_array()?.iter().find_map(|c| {
        let obj = c.as_object()?;
        let names = obj.get("ErrorEquals")?.as_array()?;
        names
            .iter()
            .filter_map(Value::as_str)
            .any(|n| n == error || n == "States.ALL" || n == "States.TaskFailed")
            .then_some(obj)
    })
}

enum Static {
    Always,
    Never,
    /// Any of these rules being true means the handler throws.
    Rules(Vec<Value>),
}

struct RuleCtx<'a> {
    event: &'a Asl,
    input_path: &'a str,
    language: Language,
}

/// What a value of the event is at the Choice: a path over the state input, or known statically.
enum Operand {
    Path(String),
    Known(Option<Value>),
}

impl RuleCtx<'_> {
    fn operand(&self, value: &ValueExpr) -> Result<Operand, String> {
        let ValueExpr::Event { path } = value else {
            return Err("the validation tests something other than the event".into());
        };
        match self.event.select(path)? {
            Asl::Dynamic(p) if asl_value::is_reference_path(&p) && !p.starts_with("$$") => {
                Ok(Operand::Path(format!("{}{}", self.input_path, &p[1..])))
            }
            Asl::Literal(v) => Ok(Operand::Known(Some(v))),
            Asl::Absent => Ok(Operand::Known(None)),
            _ => Err("the validation tests a value the Task computes (not a plain path)".into()),
        }
    }

    /// The rules, any of which true means the condition holds (Choice entries are tried in
    /// order, so a presence test can go first).
    fn any_of(&self, cond: &Condition) -> Result<Static, String> {
        match cond {
            Condition::Or { conditions } => {
                let mut rules = Vec::new();
                for c in conditions {
                    match self.any_of(c)? {
                        Static::Always => return Ok(Static::Always),
                        Static::Never => {}
                        Static::Rules(r) => rules.extend(r),
                    }
                }
                Ok(if rules.is_empty() {
                    Static::Never
                } else {
                    Static::Rules(rules)
                })
            }
            Condition::Falsy { value } => match self.operand(value)? {
                Operand::Known(v) => Ok(static_of(v.as_ref().is_none_or(|v| self.falsy(v)))),
                Operand::Path(p) => Ok(Static::Rules(vec![
                    not_present(&p),
                    json!({ "Or": self.falsy_rules(&p) }),
                ])),
            },
            other => Ok(match self.single(other)? {
                Some(rule) => Static::Rules(vec![rule]),
                None => Static::Never,
            }),
        }
    }

    /// One rule for the condition (short-circuit And/Or keep the presence test first); None when
    /// it is statically false; an error when statically true is not expressible here.
    fn single(&self, cond: &Condition) -> Result<Option<Value>, String> {
        Ok(Some(match cond {
            Condition::Missing { value } => match self.operand(value)? {
                Operand::Known(v) => return static_rule(v.is_none()),
                Operand::Path(p) => not_present(&p),
            },
            Condition::Falsy { value } => match self.operand(value)? {
                Operand::Known(v) => return static_rule(v.as_ref().is_none_or(|v| self.falsy(v))),
                Operand::Path(p) => json!({ "Or": [
                    not_present(&p),
                    { "And": [ { "Variable": p, "IsPresent": true }, { "Or": self.falsy_rules(&p) } ] }
                ]}),
            },
            Condition::Not { condition } => match self.single(condition)? {
                Some(r) => json!({ "Not": r }),
                None => return Err("the check is always true".into()),
            },
            Condition::And { conditions } | Condition::Or { conditions } => {
                let mut rules = Vec::new();
                for c in conditions {
                    match self.single(c)? {
                        Some(r) => rules.push(r),
                        None if matches!(cond, Condition::And { .. }) => return Ok(None),
                        None => {}
                    }
                }
                if rules.is_empty() {
                    return Ok(None);
                }
                if matches!(cond, Condition::And { .. }) {
                    json!({ "And": rules })
                } else {
                    json!({ "Or": rules })
                }
            }
            Condition::Other { source } => {
                return Err(format!("`{source}` is not expressible as a Choice rule"))
            }
        }))
    }

    /// JavaScript `!v` / Python `not v` for a present value.
    fn falsy_rules(&self, p: &str) -> Vec<Value> {
        vec![
            json!({ "Variable": p, "IsNull": true }),
            json!({ "Variable": p, "BooleanEquals": false }),
            json!({ "Variable": p, "NumericEquals": 0 }),
            json!({ "Variable": p, "StringEquals": "" }),
        ]
    }

    fn falsy(&self, v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Bool(b) => !b,
            Value::Number(n) => n.as_f64() == Some(0.0),
            Value::String(s) => s.is_empty(),
            Value::Array(a) => self.language == Language::Python && a.is_empty(),
            Value::Object(o) => self.language == Language::Python && o.is_empty(),
        }
    }
}

fn not_present(p: &str) -> Value {
    json!({ "Not": { "Variable": p, "IsPresent": true } })
}

fn static_of(b: bool) -> Static {
    if b {
        Static::Always
    } else {
        Static::Never
    }
}

fn static_rule(b: bool) -> Result<Option<Value>, String> {
    if b {
        Err("the check is always true for the payload this Task sends".into())
    } else {
        Ok(None)
    }
}
