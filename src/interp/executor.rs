//! The state-by-state executor: one [`Engine`] per execution walks the states, applies the
//! JSONPath or JSONata input/output processing in AWS's order, handles Retry/Catch, and records history.
//!
//! Map and Parallel live in `branches.rs`, Task calls in `task.rs`; this file has the loop and the
//! simple states.

use super::clock::{format_iso, parse_wait_timestamp, Millis};
use super::errors::{error_equals_matches, retry_delay_ms, Failure, Jitter};
use super::history::{entered_details, exited_details, History};
use super::io::{self, bracket_notation, compact};
use super::{ExecuteOptions, ExecutionContext};
use crate::asl::{choice, intrinsics, AslError, Scope};
use crate::services::ServiceBackend;
use serde_json::{json, Map, Value};

/// Step Functions' payload limit for state input/output and task results (256 KiB).
pub const PAYLOAD_LIMIT_BYTES: usize = 256 * 1024;

/// lambdaless's own limit on how deeply a state's output may nest. AWS documents no depth limit,
/// but a loop such as a Pass state with `ResultPath: $.n` nests its input one level deeper on
/// every turn, and values that deep overflow the stack when they are copied or dropped. 512 is far
/// beyond real payloads (a JSON input is parsed with a limit of 128); past it the execution stops
/// with a `States.Runtime` that says the limit is ours, as `max_steps` does.
pub const MAX_NESTING: usize = 512;

/// Where a state goes after it ran.
pub enum Next {
    To(String),
    End,
}

/// What one state produced.
pub struct Step {
    pub output: Value,
    pub next: Next,
    /// Variables to assign (already evaluated) once the state is done.
    pub assigned: Option<Map<String, Value>>,
}

/// The state being run: its name and the id of its `*StateEntered` event (quoted in AWS's causes).
#[derive(Clone)]
pub struct Current {
    pub name: String,
    pub entered_id: u64,
}

pub struct Engine<'a> {
    pub services: &'a mut dyn ServiceBackend,
    pub exec: &'a ExecutionContext,
    pub opts: &'a ExecuteOptions,
    pub history: History,
    pub now_ms: Millis,
    pub deadline_ms: Millis,
    pub steps: u64,
    /// The context object (`$$`); `State`, `Map` and `Task` are updated in place as the run moves.
    pub ctx: Value,
    pub jitter: Jitter,
    pub top_jsonata: bool,
    pub tokens: u64,
    /// The previous event of the current thread (for `previousEventId`).
    pub prev_event: u64,
    /// TestState mode (None for executions).
    pub test: Option<TestMode>,
    /// The ISO form of `now_ms`, formatted once per clock value.
    iso_cache: (Millis, String),
}

/// How a TestState call changes the executor: no real retries (a matching retrier makes the call
/// RETRIABLE), mocked Map/Parallel results, and a caller-supplied context.
#[derive(Debug, Clone, Default)]
pub struct TestMode {
    /// `$$.State.Name` in TestState (AWS shows `StateName`).
    pub state_name: String,
    /// `stateConfiguration.retrierRetryCount`: retries already spent.
    pub retrier_retry_count: u32,
    /// `stateConfiguration.mapIterationFailureCount`.
    pub map_iteration_failure_count: u64,
    /// The mocked result (`mock.result`) or error (`mock.errorOutput`) of the tested state.
    pub mock: Option<Result<Value, Failure>>,
    /// The context object was given by the caller: leave it as it is.
    pub fixed_context: bool,
    /// Set when a retrier matched (status RETRIABLE).
    pub retriable: bool,
    /// Set when a catcher handled the error (status CAUGHT_ERROR).
    pub caught: Option<Failure>,
}

impl<'a> Engine<'a> {
    pub fn new(
        services: &'a mut dyn ServiceBackend,
        exec: &'a ExecutionContext,
        opts: &'a ExecuteOptions,
        start_ms: Millis,
        ctx: Value,
        top_jsonata: bool,
    ) -> Self {
        Engine {
            services,
            exec,
            opts,
            history: History::new(opts.record_history),
            now_ms: start_ms,
            deadline_ms: start_ms.saturating_add(opts.max_virtual_seconds.saturating_mul(1000)),
            steps: 0,
            ctx,
            jitter: Jitter::new(start_ms as u64 ^ 0x9e37_79b9_7f4a_7c15),
            top_jsonata,
            tokens: 0,
            prev_event: 0,
            test: None,
            iso_cache: (0, String::new()),
        }
    }

    /// Moves the virtual clock on; past the time limit the execution ends.
    pub fn advance(&mut self, ms: u64) -> Result<(), Failure> {
        self.now_ms = self.now_ms.saturating_add(ms.min(i64::MAX as u64) as i64);
        if self.now_ms > self.deadline_ms {
            return Err(Failure {
                error: Some("States.Timeout".into()),
                cause: Some(format!(
                    "lambdaless: the execution exceeded its virtual time limit of {} seconds",
                    self.opts.max_virtual_seconds
                )),
                terminal: true,
                fatal: true,
            });
        }
        Ok(())
    }

    pub fn push_event(
        &mut self,
        kind: &str,
        details: impl FnOnce() -> Option<(&'static str, Value)>,
    ) -> u64 {
        let id = self.history.push(kind, self.prev_event, details);
        self.prev_event = id;
        id
    }

    pub fn is_jsonata(&self, state: &Map<String, Value>) -> bool {
        match state.get("QueryLanguage").and_then(Value::as_str) {
            Some(ql) => ql == "JSONata",
            None => self.top_jsonata,
        }
    }

    /// The JSONata bindings for `state` on `input`, or `None` for a JSONPath state.
    pub fn jsonata_bindings(
        &self,
        state: &Map<String, Value>,
        vars: &Map<String, Value>,
        input: &Value,
    ) -> Option<Map<String, Value>> {
        self.is_jsonata(state)
            .then(|| self.bindings(vars, input, None, None))
    }

    /// A failure raised while processing the current state, with AWS's prefix.
    pub fn state_error(&self, cur: &Current, e: AslError) -> Failure {
        if self.test.is_some() {
            // TestState has no history to point into: its causes carry no prefix.
            return Failure::raised(e.error, e.cause);
        }
        Failure::raised(
            e.error,
            format!(
                "An error occurred while executing the state '{}' (entered at the event id #{}). {}",
                cur.name, cur.entered_id, e.cause
            ),
        )
    }

    pub fn runtime(&self, cur: &Current, msg: impl Into<String>) -> Failure {
        self.state_error(cur, AslError::runtime(msg))
    }

    /// A JSONata expression whose value is of the wrong kind.
    pub fn query_error(&self, cur: &Current, msg: impl Into<String>) -> Failure {
        self.state_error(cur, AslError::new("States.QueryEvaluationError", msg))
    }

    /// A field whose value is of the wrong kind: a query error in JSONata, else `States.Runtime`.
    pub fn bad_field(&self, cur: &Current, jsonata: bool, msg: impl Into<String>) -> Failure {
        if jsonata {
            self.query_error(cur, msg)
        } else {
            self.runtime(cur, msg)
        }
    }

    /// A field that is a literal in JSONPath and may hold expressions in JSONata (`bindings`).
    pub fn field_value(
        &self,
        value: &Value,
        cur: &Current,
        input: &Value,
        bindings: Option<&Map<String, Value>>,
        field: &str,
    ) -> Result<Value, Failure> {
        match bindings {
            Some(b) => self.jsonata_field(value, cur, input, b, field),
            None => Ok(value.clone()),
        }
    }

    /// What the reference path `p` selects from `input` (`None`: nothing).
    pub fn select(
        &self,
        p: &str,
        cur: &Current,
        input: &Value,
        vars: &Map<String, Value>,
    ) -> Result<Option<Value>, Failure> {
        io::select(p, &self.scope(input, vars)).map_err(|e| self.state_error(cur, e))
    }

    /// Runs a list of states from `start` until one ends the (sub-)machine.
    pub fn run_states(
        &mut self,
        states: &Map<String, Value>,
        start: &str,
        mut input: Value,
        vars: &mut Map<String, Value>,
        depth: usize,
    ) -> Result<Value, Failure> {
        if depth > self.opts.max_depth {
            return Err(Failure::fatal(format!(
                "lambdaless: Map/Parallel nesting deeper than {} levels",
                self.opts.max_depth
            )));
        }
        let mut name = start.to_string();
        loop {
            self.count_step()?;
            let Some(state) = states.get(&name).and_then(Value::as_object) else {
                return Err(Failure::raised(
                    "States.Runtime",
                    format!("lambdaless: state '{name}' is not defined"),
                ));
            };
            let step = self.run_one(&name, state, input, vars, depth)?;
            match step.next {
                Next::End => return Ok(step.output),
                Next::To(n) => {
                    name = n;
                    input = step.output;
                }
            }
        }
    }

    /// Runs one state: its entered/exited events, the state itself, then its variable assignments.
    pub fn run_one(
        &mut self,
        name: &str,
        state: &Map<String, Value>,
        input: Value,
        vars: &mut Map<String, Value>,
        depth: usize,
    ) -> Result<Step, Failure> {
        let ty = state.get("Type").and_then(Value::as_str).unwrap_or("");
        let entered_id = {
            let i = &input;
            let kind = if self.history.recording() {
                format!("{ty}StateEntered")
            } else {
                String::new()
            };
            self.push_event(&kind, || entered_details(name, i))
        };
        let cur = Current {
            name: name.to_string(),
            entered_id,
        };
        let ctx_name = self
            .test
            .as_ref()
            .map_or_else(|| name.to_string(), |t| t.state_name.clone());
        self.set_state_context(&ctx_name, ty == "Task");
        let step = self.run_state(ty, state, &cur, input, vars, depth)?;
        if ty != "Fail" {
            let (o, a) = (&step.output, step.assigned.as_ref());
            let kind = if self.history.recording() {
                format!("{ty}StateExited")
            } else {
                String::new()
            };
            self.push_event(&kind, || exited_details(name, o, a));
        }
        if let Some(assigned) = &step.assigned {
            vars.extend(assigned.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(step)
    }

    /// Counts a state transition or retry against the step limit.
    pub fn count_step(&mut self) -> Result<(), Failure> {
        self.steps += 1;
        if self.steps > self.opts.max_steps {
            return Err(Failure::fatal(format!(
                "lambdaless: the execution exceeded {} state transitions",
                self.opts.max_steps
            )));
        }
        Ok(())
    }

    fn set_state_context(&mut self, name: &str, is_task: bool) {
        if self.test.as_ref().is_some_and(|t| t.fixed_context) {
            return;
        }
        if self.iso_cache.0 != self.now_ms || self.iso_cache.1.is_empty() {
            self.iso_cache = (self.now_ms, format_iso(self.now_ms));
        }
        let entered = &self.iso_cache.1;
        let Some(obj) = self.ctx.as_object_mut() else {
            return;
        };
        // Update `$$.State` in place: this runs for every state of every iteration.
        if let Some(Value::Object(st)) = obj.get_mut("State") {
            if let Some(Value::String(n)) = st.get_mut("Name") {
                n.clear();
                n.push_str(name);
            }
            if let Some(Value::String(t)) = st.get_mut("EnteredTime") {
                t.clear();
                t.push_str(entered);
            }
            let has_retry = st.contains_key("RetryCount");
            if is_task {
                st.insert("RetryCount".into(), Value::from(0));
            } else if has_retry {
                st.shift_remove("RetryCount");
            }
            return;
        }
        let mut st = Map::with_capacity(3);
        st.insert("Name".into(), Value::String(name.to_string()));
        st.insert("EnteredTime".into(), Value::String(entered.clone()));
        if is_task {
            st.insert("RetryCount".into(), Value::from(0));
        }
        obj.insert("State".into(), Value::Object(st));
    }

    pub fn set_retry_count(&mut self, n: u32) {
        if let Some(st) = self.ctx.get_mut("State").and_then(Value::as_object_mut) {
            st.insert("RetryCount".into(), json!(n));
        }
    }

    fn run_state(
        &mut self,
        ty: &str,
        state: &Map<String, Value>,
        cur: &Current,
        input: Value,
        vars: &mut Map<String, Value>,
        depth: usize,
    ) -> Result<Step, Failure> {
        match ty {
            "Pass" => self.pass(state, cur, input, vars),
            "Succeed" => self.succeed(state, cur, input, vars),
            "Fail" => Err(self.fail(state, cur, &input, vars)),
            "Choice" => self.choice(state, cur, input, vars),
            "Wait" => self.wait(state, cur, input, vars),
            "Task" | "Map" | "Parallel" => self.with_retry(ty, state, cur, input, vars, depth),
            other => Err(self.runtime(cur, format!("lambdaless: unknown state type '{other}'"))),
        }
    }

    // ---------------------------------------------------------------- shared I/O processing

    pub fn scope<'s>(&'s self, input: &'s Value, vars: &'s Map<String, Value>) -> Scope<'s> {
        Scope {
            input,
            context: &self.ctx,
            variables: Some(vars),
        }
    }

    /// InputPath: `$` by default, `null` gives `{}`.
    pub fn input_path(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        vars: &Map<String, Value>,
    ) -> Result<Option<Value>, Failure> {
        match state.get("InputPath") {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(json!({}))),
            Some(Value::String(p)) if p == "$" => Ok(None),
            Some(Value::String(p)) => self.select_required(p, cur, input, vars).map(Some),
            Some(_) => Ok(None),
        }
    }

    /// InputPath/OutputPath `p` on `input`: a path that selects nothing is a `States.Runtime`.
    fn select_required(
        &self,
        p: &str,
        cur: &Current,
        input: &Value,
        vars: &Map<String, Value>,
    ) -> Result<Value, Failure> {
        self.select(p, cur, input, vars)?.ok_or_else(|| {
            self.runtime(
                cur,
                format!(
                    "Invalid path '{p}' : No results for path: {}",
                    bracket_notation(p)
                ),
            )
        })
    }

    /// Applies a payload template (Parameters, ResultSelector, ItemSelector) to `input`.
    pub fn template(
        &self,
        template: &Value,
        cur: &Current,
        input: &Value,
        vars: &Map<String, Value>,
    ) -> Result<Value, Failure> {
        if io::is_static(template) {
            return Ok(template.clone());
        }
        io::apply_template(template, &self.scope(input, vars)).map_err(|e| self.state_error(cur, e))
    }

    /// ResultPath then OutputPath, on the state's raw input.
    pub fn result_and_output_path(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        raw_input: Value,
        result: Value,
        vars: &Map<String, Value>,
    ) -> Result<Value, Failure> {
        let merged = self.result_path(state.get("ResultPath"), cur, raw_input, result)?;
        self.output_path(state, cur, merged, vars)
    }

    pub fn result_path(
        &self,
        result_path: Option<&Value>,
        cur: &Current,
        raw_input: Value,
        result: Value,
    ) -> Result<Value, Failure> {
        match result_path {
            None => Ok(result),
            Some(Value::Null) => Ok(raw_input),
            Some(Value::String(p)) if p == "$" => Ok(result),
            Some(Value::String(p)) => {
                let mut target = raw_input;
                crate::asl::path::assign(&mut target, p, result)
                    .map_err(|e| self.state_error(cur, e))?;
                Ok(target)
            }
            Some(_) => Ok(result),
        }
    }

    pub fn output_path(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        value: Value,
        vars: &Map<String, Value>,
    ) -> Result<Value, Failure> {
        match state.get("OutputPath") {
            None => Ok(value),
            Some(Value::Null) => Ok(json!({})),
            Some(Value::String(p)) if p == "$" => Ok(value),
            Some(Value::String(p)) => self.select_required(p, cur, &value, vars),
            Some(_) => Ok(value),
        }
    }

    /// A JSONPath `Assign` block, evaluated against `input` (`$`) with the variables as they were.
    pub fn assign_jsonpath(
        &self,
        assign: Option<&Value>,
        cur: &Current,
        input: &Value,
        vars: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>, Failure> {
        let Some(assign) = assign else {
            return Ok(None);
        };
        match self.template(assign, cur, input, vars)? {
            Value::Object(m) => Ok(Some(m)),
            _ => Ok(None),
        }
    }

    /// The bindings JSONata expressions see: `$states` plus the workflow variables.
    pub fn bindings(
        &self,
        vars: &Map<String, Value>,
        input: &Value,
        result: Option<&Value>,
        error_output: Option<&Value>,
    ) -> Map<String, Value> {
        let mut states = Map::with_capacity(4);
        states.insert("input".into(), input.clone());
        states.insert("context".into(), self.ctx.clone());
        if let Some(r) = result {
            states.insert("result".into(), r.clone());
        }
        if let Some(e) = error_output {
            states.insert("errorOutput".into(), e.clone());
        }
        let mut b = vars.clone();
        b.insert("states".into(), Value::Object(states));
        b
    }

    /// Evaluates a JSONata-mode field (a `{% %}` string, or a value with such strings inside).
    pub fn jsonata_field(
        &self,
        value: &Value,
        cur: &Current,
        input: &Value,
        bindings: &Map<String, Value>,
        field: &str,
    ) -> Result<Value, Failure> {
        io::eval_jsonata_value(value, input, bindings, field).map_err(|e| self.state_error(cur, e))
    }

    /// JSONata `Assign`: every value evaluated with the same (old) bindings.
    pub fn assign_jsonata(
        &self,
        assign: Option<&Value>,
        cur: &Current,
        input: &Value,
        bindings: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>, Failure> {
        let Some(Value::Object(assign)) = assign else {
            return Ok(None);
        };
        let mut out = Map::with_capacity(assign.len());
        for (k, v) in assign {
            let field = format!("Assign/{k}");
            out.insert(
                k.clone(),
                self.jsonata_field(v, cur, input, bindings, &field)?,
            );
        }
        Ok(Some(out))
    }

    /// JSONata `Output`, or `default` when the state has none.
    pub fn output_jsonata(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        bindings: &Map<String, Value>,
        default: Value,
    ) -> Result<Value, Failure> {
        match state.get("Output") {
            Some(o) => self.jsonata_field(o, cur, input, bindings, "Output"),
            None => Ok(default),
        }
    }

    pub fn next_of(state: &Map<String, Value>) -> Next {
        match state.get("Next").and_then(Value::as_str) {
            Some(n) if state.get("End").and_then(Value::as_bool) != Some(true) => {
                Next::To(n.to_string())
            }
            _ => Next::End,
        }
    }

    /// The payload limit on a state's output (terminal `States.DataLimitExceeded`).
    pub fn check_size(&self, who: &str, v: &Value) -> Result<(), Failure> {
        match payload_exceeds(v, PAYLOAD_LIMIT_BYTES, MAX_NESTING) {
            None => Ok(()),
            Some(PayloadLimit::Nesting) => Err(Failure::fatal(format!(
                "lambdaless: the output of state '{who}' nests deeper than {MAX_NESTING} levels (a lambdaless limit, not an AWS one)"
            ))),
            Some(PayloadLimit::Size) => Err(Failure::raised(
                "States.DataLimitExceeded",
                format!(
                    "The state/task '{who}' returned a result with a size exceeding the maximum number of bytes service limit."
                ),
            )),
        }
    }

    /// What a Task or Parallel state passes on: its Arguments (JSONata), or InputPath then
    /// Parameters (JSONPath).
    pub fn effective_parameters(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        vars: &Map<String, Value>,
        bindings: Option<&Map<String, Value>>,
    ) -> Result<Value, Failure> {
        if let Some(b) = bindings {
            return match state.get("Arguments") {
                Some(a) => self.jsonata_field(a, cur, input, b, "Arguments"),
                None => Ok(input.clone()),
            };
        }
        let effective = self.input_path(state, cur, input, vars)?;
        let eff = effective.as_ref().unwrap_or(input);
        match state.get("Parameters") {
            Some(p) => self.template(p, cur, eff, vars),
            None => Ok(eff.clone()),
        }
    }

    /// The step after a JSONata state: its Assign and Output (`result` without an Output).
    pub fn jsonata_step(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        bindings: &Map<String, Value>,
        result: Value,
    ) -> Result<Step, Failure> {
        let assigned = self.assign_jsonata(state.get("Assign"), cur, input, bindings)?;
        let output = self.output_jsonata(state, cur, input, bindings, result)?;
        self.check_size(&cur.name, &output)?;
        Ok(Step {
            output,
            next: Self::next_of(state),
            assigned,
        })
    }

    /// The step after a JSONPath state: Assign over `result`, then ResultPath and OutputPath.
    pub fn jsonpath_step(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        input: Value,
        result: Value,
        vars: &Map<String, Value>,
    ) -> Result<Step, Failure> {
        let assigned = self.assign_jsonpath(state.get("Assign"), cur, &result, vars)?;
        let output = self.result_and_output_path(state, cur, input, result, vars)?;
        self.check_size(&cur.name, &output)?;
        Ok(Step {
            output,
            next: Self::next_of(state),
            assigned,
        })
    }

    /// The step after a state with a result (Task, Map, Parallel): ResultSelector → ResultPath →
    /// OutputPath (JSONPath), or Output/Assign with `$states.result` (JSONata).
    pub fn finish_with_result(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        vars: &Map<String, Value>,
        bindings: Option<&Map<String, Value>>,
        result: Value,
    ) -> Result<Step, Failure> {
        if let Some(b) = bindings {
            let mut b = b.clone();
            if let Some(Value::Object(st)) = b.get_mut("states") {
                st.insert("result".into(), result.clone());
            }
            return self.jsonata_step(state, cur, input, &b, result);
        }
        let selected = match state.get("ResultSelector") {
            Some(sel) => self.template(sel, cur, &result, vars)?,
            None => result,
        };
        self.jsonpath_step(state, cur, input.clone(), selected, vars)
    }

    // ---------------------------------------------------------------- simple states

    fn pass(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: Value,
        vars: &mut Map<String, Value>,
    ) -> Result<Step, Failure> {
        if let Some(b) = self.jsonata_bindings(state, vars, &input) {
            return self.jsonata_step(state, cur, &input, &b, input.clone());
        }
        let effective = self.input_path(state, cur, &input, vars)?;
        let eff = effective.as_ref().unwrap_or(&input);
        let result = match (state.get("Result"), state.get("Parameters")) {
            (Some(r), _) => r.clone(),
            (None, Some(p)) => self.template(p, cur, eff, vars)?,
            (None, None) => eff.clone(),
        };
        self.jsonpath_step(state, cur, input, result, vars)
    }

    fn succeed(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: Value,
        vars: &mut Map<String, Value>,
    ) -> Result<Step, Failure> {
        if let Some(b) = self.jsonata_bindings(state, vars, &input) {
            let output = self.output_jsonata(state, cur, &input, &b, input.clone())?;
            return Ok(Step {
                output,
                next: Next::End,
                assigned: None,
            });
        }
        let effective = self.input_path(state, cur, &input, vars)?;
        let eff = effective.unwrap_or(input);
        let output = self.output_path(state, cur, eff, vars)?;
        Ok(Step {
            output,
            next: Next::End,
            assigned: None,
        })
    }

    fn fail(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        vars: &Map<String, Value>,
    ) -> Failure {
        let text = |v: Value| match v {
            Value::String(s) => s,
            other => compact(&other),
        };
        if let Some(b) = self.jsonata_bindings(state, vars, input) {
            let field = |key: &str| -> Result<Option<String>, Failure> {
                match state.get(key) {
                    Some(v) => Ok(Some(text(self.jsonata_field(v, cur, input, &b, key)?))),
                    None => Ok(None),
                }
            };
            let error = match field("Error") {
                Ok(e) => e,
                Err(f) => return f,
            };
            let cause = match field("Cause") {
                Ok(c) => c,
                Err(f) => return f,
            };
            return Failure::bare(error, cause);
        }
        let resolve = |plain: &str, path_key: &str| -> Result<Option<String>, Failure> {
            if let Some(p) = state.get(path_key).and_then(Value::as_str) {
                let scope = self.scope(input, vars);
                let v = if intrinsics::is_intrinsic(p) {
                    intrinsics::evaluate(p, &scope).map_err(|e| self.state_error(cur, e))?
                } else {
                    match io::select(p, &scope).map_err(|e| self.state_error(cur, e))? {
                        Some(v) => v,
                        None => {
                            return Err(self.runtime(
                                cur,
                                format!(
                                    "The JSONPath '{p}' specified for the field '{path_key}' could not be found in the input '{}'",
                                    compact(input)
                                ),
                            ))
                        }
                    }
                };
                return Ok(Some(text(v)));
            }
            Ok(state.get(plain).and_then(Value::as_str).map(str::to_string))
        };
        let error = match resolve("Error", "ErrorPath") {
            Ok(e) => e,
            Err(f) => return f,
        };
        let cause = match resolve("Cause", "CausePath") {
            Ok(c) => c,
            Err(f) => return f,
        };
        Failure::bare(error, cause)
    }

    fn choice(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: Value,
        vars: &mut Map<String, Value>,
    ) -> Result<Step, Failure> {
        let empty = Vec::new();
        let rules = state
            .get("Choices")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        if let Some(b) = self.jsonata_bindings(state, vars, &input) {
            let mut matched: Option<&Map<String, Value>> = None;
            for rule in rules.iter().filter_map(Value::as_object) {
                let cond = match rule.get("Condition") {
                    Some(c) => self.jsonata_field(c, cur, &input, &b, "Condition")?,
                    None => Value::Bool(false),
                };
                match cond {
                    Value::Bool(true) => {
                        matched = Some(rule);
                        break;
                    }
                    Value::Bool(false) => {}
                    other => {
                        return Err(self.query_error(
                            cur,
                            format!(
                                "The JSONata expression specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '{}' for value: {}",
                                io::type_name(&other),
                                compact(&other)
                            ),
                        ))
                    }
                }
            }
            let (holder, next) = match matched {
                Some(rule) => (rule, rule.get("Next").and_then(Value::as_str)),
                None => (state, state.get("Default").and_then(Value::as_str)),
            };
            let Some(next) = next else {
                return Err(no_choice_matched());
            };
            let assigned = self.assign_jsonata(holder.get("Assign"), cur, &input, &b)?;
            let output = self.output_jsonata(holder, cur, &input, &b, input.clone())?;
            return Ok(Step {
                output,
                next: Next::To(next.to_string()),
                assigned,
            });
        }
        let effective = self.input_path(state, cur, &input, vars)?;
        let eff = effective.unwrap_or(input);
        let mut target: Option<(&Map<String, Value>, &str)> = None;
        {
            let scope = self.scope(&eff, vars);
            for rule in rules {
                if choice::evaluate(rule, &scope).map_err(|e| self.state_error(cur, e))? {
                    if let Some(obj) = rule.as_object() {
                        if let Some(n) = obj.get("Next").and_then(Value::as_str) {
                            target = Some((obj, n));
                        }
                    }
                    break;
                }
            }
        }
        let (holder, next) = match target {
            Some(t) => t,
            None => match state.get("Default").and_then(Value::as_str) {
                Some(d) => (state, d),
                None => return Err(no_choice_matched()),
            },
        };
        let assigned = self.assign_jsonpath(holder.get("Assign"), cur, &eff, vars)?;
        let output = self.output_path(state, cur, eff, vars)?;
        Ok(Step {
            output,
            next: Next::To(next.to_string()),
            assigned,
        })
    }

    fn wait(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: Value,
        vars: &mut Map<String, Value>,
    ) -> Result<Step, Failure> {
        let b = self.jsonata_bindings(state, vars, &input);
        let jsonata = b.is_some();
        let effective = if jsonata {
            None
        } else {
            self.input_path(state, cur, &input, vars)?
        };
        let eff = effective.as_ref().unwrap_or(&input);
        let until_ms: Millis = if let Some(s) = state.get("Seconds") {
            let v = self.field_value(s, cur, eff, b.as_ref(), "Seconds")?;
            let secs = v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
                self.bad_field(
                    cur,
                    jsonata,
                    format!(
                        "The Seconds field cannot be parsed as a non-negative integer: {}",
                        compact(&v)
                    ),
                )
            })?;
            self.now_ms.saturating_add(secs.saturating_mul(1000))
        } else if let Some(t) = state.get("Timestamp") {
            let v = self.field_value(t, cur, eff, b.as_ref(), "Timestamp")?;
            let text = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| compact(&v));
            parse_wait_timestamp(&text).ok_or_else(|| {
                self.bad_field(
                    cur,
                    jsonata,
                    format!(
                        "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"
                    ),
                )
            })?
        } else if let Some(p) = state.get("SecondsPath").and_then(Value::as_str) {
            let v = self.select(p, cur, eff, vars)?;
            let Some(v) = v else {
                return Err(self.runtime(
                    cur,
                    format!("The SecondsPath parameter does not reference an input value: {p}"),
                ));
            };
            let secs = v.as_i64().ok_or_else(|| {
                self.runtime(
                    cur,
                    format!(
                        "The SecondsPath parameter cannot be parsed as a long value: {p} == {}",
                        plain_text(&v)
                    ),
                )
            })?;
            // A negative SecondsPath waits for nothing in the recorded cases' neighbours; AWS rejects
            // non-integers only (test_base_wait_seconds_path[-1.5] fails on parsing, not on sign).
            self.now_ms.saturating_add(secs.max(0).saturating_mul(1000))
        } else if let Some(p) = state.get("TimestampPath").and_then(Value::as_str) {
            let v = self.select(p, cur, eff, vars)?;
            let Some(v) = v else {
                return Err(self.runtime(
                    cur,
                    format!("The TimestampPath parameter does not reference an input value: {p}"),
                ));
            };
            let parsed = v.as_str().and_then(parse_wait_timestamp);
            parsed.ok_or_else(|| {
                self.runtime(
                    cur,
                    format!(
                        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {p} == {}",
                        plain_text(&v)
                    ),
                )
            })?
        } else {
            self.now_ms
        };
        let delay_ms = until_ms.saturating_sub(self.now_ms).max(0);
        // AWS rejects waits beyond 2^31-1 seconds (test_timestamp_too_far_in_future_boundary[24856]).
        if delay_ms / 1000 > i32::MAX as i64 {
            return Err(self.runtime(cur, "Wait state delay is too long."));
        }
        self.advance(delay_ms as u64)?;
        let (assigned, output) = match &b {
            Some(b) => (
                self.assign_jsonata(state.get("Assign"), cur, &input, b)?,
                self.output_jsonata(state, cur, &input, b, input.clone())?,
            ),
            None => {
                let assigned = self.assign_jsonpath(state.get("Assign"), cur, eff, vars)?;
                let eff = effective.unwrap_or(input);
                (assigned, self.output_path(state, cur, eff, vars)?)
            }
        };
        Ok(Step {
            output,
            next: Self::next_of(state),
            assigned,
        })
    }

    // ---------------------------------------------------------------- Retry / Catch

    /// Runs a Task, Map or Parallel state with its retriers and catchers.
    fn with_retry(
        &mut self,
        ty: &str,
        state: &Map<String, Value>,
        cur: &Current,
        input: Value,
        vars: &mut Map<String, Value>,
        depth: usize,
    ) -> Result<Step, Failure> {
        let retriers = state.get("Retry").and_then(Value::as_array);
        let mut counts = vec![0u32; retriers.map_or(0, Vec::len)];
        let mut attempt = 0u32;
        loop {
            let res = match ty {
                "Task" => self.task(state, cur, &input, vars, attempt),
                "Map" => self.map(state, cur, &input, vars, depth),
                _ => self.parallel(state, cur, &input, vars, depth),
            };
            let failure = match res {
                Ok(step) => return Ok(step),
                Err(f) if f.fatal => return Err(f),
                Err(f) => f,
            };
            let retry = retriers.and_then(|rs| {
                rs.iter().enumerate().find(|(_, r)| {
                    r.get("ErrorEquals")
                        .is_some_and(|eq| error_equals_matches(eq, &failure))
                })
            });
            if let Some((i, retrier)) = retry {
                let max = retrier
                    .get("MaxAttempts")
                    .and_then(Value::as_u64)
                    .unwrap_or(3);
                if let Some(t) = &mut self.test {
                    // TestState does not retry: it reports whether a retry would happen.
                    if (t.retrier_retry_count as u64) < max {
                        t.retriable = true;
                        return Err(failure);
                    }
                    return self.catch(state, cur, input, vars, failure);
                }
                if (counts[i] as u64) < max {
                    self.count_step()?;
                    let delay = retry_delay_ms(retrier, counts[i], &mut self.jitter);
                    counts[i] += 1;
                    attempt += 1;
                    self.advance(delay)?;
                    if ty == "Task" {
                        self.set_retry_count(attempt);
                    }
                    continue;
                }
            }
            return self.catch(state, cur, input, vars, failure);
        }
    }

    fn catch(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: Value,
        vars: &mut Map<String, Value>,
        failure: Failure,
    ) -> Result<Step, Failure> {
        let catcher = state.get("Catch").and_then(Value::as_array).and_then(|cs| {
            cs.iter().find(|c| {
                c.get("ErrorEquals")
                    .is_some_and(|eq| error_equals_matches(eq, &failure))
            })
        });
        let Some(catcher) = catcher.and_then(Value::as_object) else {
            return Err(failure);
        };
        let Some(next) = catcher.get("Next").and_then(Value::as_str) else {
            return Err(failure);
        };
        let error_output = failure.error_output();
        if let Some(t) = &mut self.test {
            t.caught = Some(failure.clone());
        }
        if self.is_jsonata(state) {
            let b = self.bindings(vars, &input, None, Some(&error_output));
            let assigned = self.assign_jsonata(catcher.get("Assign"), cur, &input, &b)?;
            let output = match catcher.get("Output") {
                Some(o) => self.jsonata_field(o, cur, &input, &b, "Output")?,
                None => error_output,
            };
            return Ok(Step {
                output,
                next: Next::To(next.to_string()),
                assigned,
            });
        }
        let assigned = self.assign_jsonpath(catcher.get("Assign"), cur, &error_output, vars)?;
        let output = self.result_path(catcher.get("ResultPath"), cur, input, error_output)?;
        Ok(Step {
            output,
            next: Next::To(next.to_string()),
            assigned,
        })
    }
}

/// `States.NoChoiceMatched`: a Choice state without a matching rule or Default.
fn no_choice_matched() -> Failure {
    Failure::bare(Some("States.NoChoiceMatched".into()), None)
}

/// A value as AWS quotes it in path errors: strings bare, everything else as compact JSON.
pub fn plain_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => compact(other),
    }
}

/// A payload limit a value breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadLimit {
    Size,
    Nesting,
}

/// The first limit `v` breaks, in one walk: its compact JSON encoding longer than `max_bytes`, or
/// arrays/objects nested more than `max_depth` levels. The walk stops at the first one it meets,
/// so its recursion is never deeper than `max_depth` (it cannot overflow on the values it guards
/// against).
pub fn payload_exceeds(v: &Value, max_bytes: usize, max_depth: usize) -> Option<PayloadLimit> {
    fn walk(v: &Value, acc: &mut usize, max: (usize, usize), depth: usize) -> Option<PayloadLimit> {
        let children = match v {
            Value::Null => {
                *acc += 4;
                None
            }
            Value::Bool(b) => {
                *acc += if *b { 4 } else { 5 };
                None
            }
            Value::Number(n) => {
                *acc += match n.as_i64() {
                    Some(i) => {
                        i.unsigned_abs().checked_ilog10().unwrap_or(0) as usize
                            + 1
                            + usize::from(i < 0)
                    }
                    None => 24,
                };
                None
            }
            Value::String(s) => {
                *acc += s.len() + 2;
                None
            }
            Value::Array(items) => {
                *acc += 2 + items.len();
                Some(items.len())
            }
            Value::Object(obj) => {
                *acc += 2 + obj.len() * 2;
                Some(obj.len())
            }
        };
        if children.is_some() && depth >= max.1 {
            return Some(PayloadLimit::Nesting);
        }
        match v {
            Value::Array(items) => {
                for it in items {
                    if let Some(limit) = walk(it, acc, max, depth + 1) {
                        return Some(limit);
                    }
                }
            }
            Value::Object(obj) => {
                for (k, it) in obj {
                    *acc += k.len() + 2;
                    if let Some(limit) = walk(it, acc, max, depth + 1) {
                        return Some(limit);
                    }
                }
            }
            _ => {}
        }
        (*acc > max.0).then_some(PayloadLimit::Size)
    }
    let mut acc = 0;
    walk(v, &mut acc, (max_bytes, max_depth), 0)
}

/// Whether `v` nests arrays/objects more than `limit` levels deep (the nesting limit alone).
#[cfg(test)]
pub fn json_depth_exceeds(v: &Value, limit: usize) -> bool {
    payload_exceeds(v, usize::MAX, limit) == Some(PayloadLimit::Nesting)
}

/// Whether the compact JSON encoding of `v` is longer than `limit` bytes (stops counting early).
pub fn json_size_exceeds(v: &Value, limit: usize) -> bool {
    payload_exceeds(v, limit, MAX_NESTING) == Some(PayloadLimit::Size)
}
