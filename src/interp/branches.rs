//! Map (inline, legacy Iterator, distributed without ItemReader) and Parallel states. Iterations and
//! branches run one after the other on the shared virtual clock; each gets its own variable scope.

use super::errors::Failure;
use super::executor::{plain_text, Current, Engine, Step};
use super::io::{self, compact, type_name};
use serde_json::{json, Map, Value};

/// How many failed items a Map tolerates.
struct Tolerance {
    count: Option<u64>,
    percentage: Option<f64>,
}

impl Tolerance {
    fn is_set(&self) -> bool {
        self.count.is_some() || self.percentage.is_some()
    }
    fn exceeded(&self, failed: u64, total: u64) -> bool {
        if !self.is_set() {
            return failed > 0;
        }
        let over_count = self.count.is_none_or(|c| failed > c);
        let over_pct = self
            .percentage
            .is_none_or(|p| total == 0 || (failed as f64) * 100.0 / (total as f64) > p);
        over_count && over_pct
    }
}

fn total_items(items: &[Value]) -> u64 {
    items.len() as u64
}

impl Engine<'_> {
    /// A numeric Map setting (`MaxConcurrency`, `ToleratedFailureCount`, ...): literal, `...Path`
    /// or JSONata, validated with AWS's messages.
    #[allow(clippy::too_many_arguments)]
    fn map_number(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        key: &str,
        float: bool,
        input: &Value,
        vars: &Map<String, Value>,
        bindings: Option<&Map<String, Value>>,
    ) -> Result<Option<f64>, Failure> {
        let valid = |v: &Value| -> Option<f64> {
            // A path may point at a numeric string (variables assigned "1" in
            // test_reference_in_map_state[MAP_STATE_REFERENCE_IN_TOLERATED_FAILURE_PATH]).
            let n = match v {
                Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite())?,
                other => other.as_f64()?,
            };
            if !float && n.fract() != 0.0 {
                return None;
            }
            Some(n)
        };
        if let Some(v) = state.get(key) {
            let v = self.field_value(v, cur, input, bindings, key)?;
            return match valid(&v) {
                Some(n) => Ok(Some(n)),
                None => Err(self.bad_field(
                    cur,
                    bindings.is_some(),
                    format!(
                        "The {key} field refers to value \"{}\" which is not a valid {}",
                        plain_text(&v),
                        if float { "float" } else { "integer" }
                    ),
                )),
            };
        }
        let path_key = format!("{key}Path");
        if let Some(p) = state.get(&path_key).and_then(Value::as_str) {
            let v = self.select(p, cur, input, vars)?.unwrap_or(Value::Null);
            return match valid(&v) {
                Some(n) => Ok(Some(n)),
                None => Err(self.runtime(
                    cur,
                    format!(
                        "The {path_key} field refers to value \"{}\" which is not a valid {}: {p}",
                        plain_text(&v),
                        if float { "float" } else { "integer" }
                    ),
                )),
            };
        }
        Ok(None)
    }

    pub fn map(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        vars: &mut Map<String, Value>,
        depth: usize,
    ) -> Result<Step, Failure> {
        let bindings = self.jsonata_bindings(state, vars, input);
        let jsonata = bindings.is_some();
        let effective = if jsonata {
            None
        } else {
            self.input_path(state, cur, input, vars)?
        };
        let eff = effective.as_ref().unwrap_or(input);

        // The items.
        let not_an_array = |v: &Value| {
            self.query_error(
                cur,
                format!("Map state input must be an array but was: {}", compact(v)),
            )
        };
        let items: Vec<Value> = match &bindings {
            Some(b) => match state.get("Items") {
                Some(Value::String(s)) if io::jsonata_expr(s).is_some() => {
                    let expr = io::jsonata_expr(s).unwrap_or_default();
                    match io::eval_jsonata(expr, input, b, "Items").map_err(|e| self.state_error(cur, e))? {
                        Value::Array(a) => a,
                        other => {
                            return Err(self.query_error(
                                cur,
                                format!(
                                    "The JSONata expression '{expr}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                                    type_name(&other),
                                    compact(&other)
                                ),
                            ))
                        }
                    }
                }
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| self.jsonata_field(v, cur, input, b, "Items"))
                    .collect::<Result<_, _>>()?,
                Some(other) => return Err(not_an_array(other)),
                None => match input {
                    Value::Array(a) => a.clone(),
                    other => return Err(not_an_array(other)),
                },
            },
            None => {
                let items_path = state
                    .get("ItemsPath")
                    .and_then(Value::as_str)
                    .unwrap_or("$");
                let selected = if items_path == "$" {
                    Some(eff.clone())
                } else {
                    self.select(items_path, cur, eff, vars)?
                };
                match selected {
                    Some(Value::Array(a)) => a,
                    _ => {
                        // A context path is quoted relative to `$$` (TestState case ItemsPath "$$" → "$").
                        let shown = if items_path.starts_with("$$") {
                            &items_path[1..]
                        } else {
                            items_path
                        };
                        return Err(self.runtime(
                            cur,
                            format!("Reference path \"{shown}\" must point to array."),
                        ));
                    }
                }
            }
        };

        let b = bindings.as_ref();
        let _max_concurrency =
            self.map_number(state, cur, "MaxConcurrency", false, eff, vars, b)?;
        let count = self.map_number(state, cur, "ToleratedFailureCount", false, eff, vars, b)?;
        let percentage =
            self.map_number(state, cur, "ToleratedFailurePercentage", true, eff, vars, b)?;
        if let Some(p) = percentage {
            if !(0.0..=100.0).contains(&p) {
                return Err(
                    self.runtime(cur, "ToleratedFailurePercentage must be between 0 and 100.")
                );
            }
        }
        if let Some(c) = count {
            if c < 0.0 {
                return Err(self.runtime(cur, "ToleratedFailureCount cannot be negative."));
            }
        }
        let tolerance = Tolerance {
            count: count.map(|c| c as u64),
            percentage,
        };

        if depth == 0 {
            if let Some(test) = &self.test {
                // TestState: the mock stands for the whole Map result; a failure count checks the tolerance.
                if let Some(mock) = test.mock.clone() {
                    let failed = test.map_iteration_failure_count;
                    if tolerance.is_set()
                        && failed > 0
                        && tolerance.exceeded(failed, total_items(&items))
                    {
                        return Err(Failure::new(
                            "States.ExceedToleratedFailureThreshold",
                            "The specified tolerated failure threshold was exceeded",
                        ));
                    }
                    let result = mock?;
                    return self.finish_with_result(
                        state,
                        cur,
                        input,
                        vars,
                        bindings.as_ref(),
                        result,
                    );
                }
            }
        }
        let processor = state
            .get("ItemProcessor")
            .or_else(|| state.get("Iterator"))
            .and_then(Value::as_object);
        let Some(processor) = processor else {
            return Err(self.runtime(cur, "lambdaless: Map state has no ItemProcessor"));
        };
        let distributed = processor
            .get("ProcessorConfig")
            .and_then(|c| c.get("Mode"))
            .and_then(Value::as_str)
            == Some("DISTRIBUTED");
        let empty = Map::new();
        let inner_states = processor
            .get("States")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let start = processor
            .get("StartAt")
            .and_then(Value::as_str)
            .unwrap_or("");
        let selector = state
            .get("ItemSelector")
            .or_else(|| state.get("Parameters"));

        let total = items.len() as u64;
        self.push_event("MapStateStarted", || {
            Some(("mapStateStartedEventDetails", json!({"length": total})))
        });
        if distributed {
            let arn = format!(
                "{}/{}:{}",
                self.exec
                    .state_machine_arn
                    .replacen(":stateMachine:", ":mapRun:", 1),
                cur.name,
                cur.entered_id
            );
            self.push_event("MapRunStarted", || {
                Some(("mapRunStartedEventDetails", json!({ "mapRunArn": arn })))
            });
        }

        let saved_state = self.ctx.get("State").cloned();
        let saved_map = self.ctx.get("Map").cloned();
        let mut results = Vec::with_capacity(items.len());
        let mut failed = 0u64;
        let mut outcome: Result<(), Failure> = Ok(());
        for (index, item) in items.into_iter().enumerate() {
            if let Some(obj) = self.ctx.as_object_mut() {
                if let Some(s) = &saved_state {
                    obj.insert("State".into(), s.clone());
                }
                let mut it = Map::with_capacity(2);
                it.insert("Index".into(), Value::from(index));
                it.insert("Value".into(), item.clone());
                let mut m = Map::with_capacity(1);
                m.insert("Item".into(), Value::Object(it));
                obj.insert("Map".into(), Value::Object(m));
            }
            let iteration_input = match (selector, &bindings) {
                (None, _) => item,
                (Some(sel), None) => self.template(sel, cur, eff, vars)?,
                (Some(sel), Some(_)) => {
                    let b = self.bindings(vars, input, None, None);
                    self.jsonata_field(sel, cur, input, &b, "ItemSelector")?
                }
            };
            let name = if self.history.recording() {
                cur.name.clone()
            } else {
                String::new()
            };
            if !distributed {
                self.push_event("MapIterationStarted", || {
                    Some((
                        "mapIterationStartedEventDetails",
                        json!({"index": index, "name": name}),
                    ))
                });
            }
            let mut inner_vars = vars.clone();
            let saved_prev = self.prev_event;
            if distributed {
                // Child executions of a distributed Map have their own histories.
                self.history.pause();
            }
            let run = self.run_states(
                inner_states,
                start,
                iteration_input,
                &mut inner_vars,
                depth + 1,
            );
            if distributed {
                self.history.resume();
                self.prev_event = saved_prev;
            }
            match run {
                Ok(out) => {
                    if !distributed {
                        self.push_event("MapIterationSucceeded", || {
                            Some((
                                "mapIterationSucceededEventDetails",
                                json!({"index": index, "name": name}),
                            ))
                        });
                    }
                    results.push(out);
                }
                Err(f) if f.fatal => {
                    outcome = Err(f);
                    break;
                }
                Err(f) => {
                    if !distributed {
                        self.push_event("MapIterationFailed", || {
                            Some((
                                "mapIterationFailedEventDetails",
                                json!({"index": index, "name": name}),
                            ))
                        });
                    }
                    failed += 1;
                    if !tolerance.is_set() {
                        outcome = Err(f);
                        break;
                    }
                    if tolerance.exceeded(failed, total) {
                        outcome = Err(Failure::new(
                            "States.ExceedToleratedFailureThreshold",
                            "The specified tolerated failure threshold was exceeded",
                        ));
                        break;
                    }
                    results.push(f.error_output());
                }
            }
        }
        if let Some(obj) = self.ctx.as_object_mut() {
            if let Some(s) = saved_state {
                obj.insert("State".into(), s);
            }
            match saved_map {
                Some(m) => obj.insert("Map".into(), m),
                None => obj.remove("Map"),
            };
        }
        if let Err(f) = outcome {
            if distributed {
                self.push_event("MapRunFailed", || None);
            }
            self.push_event("MapStateFailed", || None);
            return Err(f);
        }
        if distributed {
            self.push_event("MapRunSucceeded", || None);
        }
        self.push_event("MapStateSucceeded", || None);
        self.finish_with_result(
            state,
            cur,
            input,
            vars,
            bindings.as_ref(),
            Value::Array(results),
        )
    }

    pub fn parallel(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        vars: &mut Map<String, Value>,
        depth: usize,
    ) -> Result<Step, Failure> {
        let bindings = self.jsonata_bindings(state, vars, input);
        let branch_input = self.effective_parameters(state, cur, input, vars, bindings.as_ref())?;
        if depth == 0 {
            if let Some(mock) = self.test.as_ref().and_then(|t| t.mock.clone()) {
                let result = mock?;
                return self.finish_with_result(state, cur, input, vars, bindings.as_ref(), result);
            }
        }
        self.push_event("ParallelStateStarted", || None);
        let saved_state = self.ctx.get("State").cloned();
        let empty_vec = Vec::new();
        let branches = state
            .get("Branches")
            .and_then(Value::as_array)
            .unwrap_or(&empty_vec);
        let mut results = Vec::with_capacity(branches.len());
        let empty = Map::new();
        let branch_prev = self.prev_event;
        for branch in branches {
            let states = branch
                .get("States")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let start = branch.get("StartAt").and_then(Value::as_str).unwrap_or("");
            let mut inner_vars = vars.clone();
            self.prev_event = branch_prev;
            let run = self.run_states(
                states,
                start,
                branch_input.clone(),
                &mut inner_vars,
                depth + 1,
            );
            if let (Some(s), Some(obj)) = (&saved_state, self.ctx.as_object_mut()) {
                obj.insert("State".into(), s.clone());
            }
            match run {
                Ok(out) => results.push(out),
                Err(f) => {
                    self.push_event("ParallelStateFailed", || None);
                    return Err(f);
                }
            }
        }
        self.push_event("ParallelStateSucceeded", || None);
        self.finish_with_result(
            state,
            cur,
            input,
            vars,
            bindings.as_ref(),
            Value::Array(results),
        )
    }
}
