//! Verification: runs the original and the rewritten state machine on many inputs and injected
//! faults, and compares status, output, error, and every side effect.
//!
//! For each rewritten Task, `prove` builds a hybrid machine (the original with only that Task
//! rewritten) and compares it with the original on the samples, generated inputs and every fault
//! the new integration can raise; then it compares the fully rewritten machine on all inputs.
//! The original's Lambda functions are simulated from their handler models (`lambda_sim`).

pub mod backend;
pub mod canon;
pub mod children;
pub mod compare;
pub mod faults;
pub mod input_files;
pub mod inputs;
pub mod lambda_sim;
pub mod lang;
pub mod marshal;
pub mod mock_file;
pub mod parallel;
pub mod partial_failure;
pub mod report;
pub mod seeding;
pub mod targets;
pub mod world;
pub mod world_jobs;

use crate::analysis::model::HandlerModel;
use crate::discover::model::Project;
use crate::error::InputError;
use crate::interp::{ExecutionContext, StateMachine};
use crate::rewrite::{RewritePlan, RewrittenTask};
use crate::services::mock_config::MockConfig;
use crate::services::simulated::SimulatedServices;
use crate::services::world::World;
use backend::{LambdaMock, MockLambdas, RunBackend};
use compare::{Context, Delta, Kind, RunOutcome};
use faults::{Fault, FaultState};
use inputs::{Input, Shape};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

/// How to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Seed of the input generator (same seed, same inputs).
    pub seed: u64,
    /// Number of generated inputs per rewritten Task.
    pub samples: usize,
    /// Extra input files (`--inputs DIR`), in addition to the project's sample inputs.
    pub input_files: Vec<PathBuf>,
    /// Inputs for one state machine only (index into `Project::state_machines`), such as the
    /// inputs of its recorded executions (`--replay-executions`).
    pub machine_inputs: Vec<(usize, Input)>,
    /// Inject the service faults of each rewritten Task.
    pub faults: bool,
    /// A Step Functions Local mock config answering the Tasks it names that are not rewritten,
    /// in both versions (`--mock-config FILE [--test-case NAME]`).
    pub mock_config: Option<mock_file::MockConfigFile>,
    /// Threads that run comparisons (0: one per core). The report does not depend on it.
    pub threads: usize,
    /// Count differences on inputs outside the samples' types as counterexamples too.
    pub strict_types: bool,
    pub context: ExecutionContext,
    /// What the Lambda Tasks that are not rewritten return, by state (identity when absent).
    pub lambda_mocks: HashMap<String, LambdaMock>,
    /// Handler models of Lambda Tasks that are not rewritten, by state: both versions simulate
    /// them alike (more faithful than a mock when later states read what they return). A model
    /// the analysis could not fully follow acts as a return-only mock: no calls, its return value
    /// with placeholders (0) where the data flow is unknown.
    pub simulate: HashMap<String, HandlerModel>,
    /// Handler models of the project's functions, by index into `Project::functions`: a call
    /// that invokes one of them (a Task, or a handler's Invoke) runs its model.
    pub functions: HashMap<usize, HandlerModel>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            seed: 1,
            samples: 200,
            input_files: Vec::new(),
            machine_inputs: Vec::new(),
            faults: true,
            threads: 0,
            mock_config: None,
            strict_types: false,
            context: ExecutionContext::default(),
            lambda_mocks: HashMap::new(),
            simulate: HashMap::new(),
            functions: HashMap::new(),
        }
    }
}

/// A minimal failing case, with both runs.
#[derive(Debug, Clone, Serialize)]
pub struct Counterexample {
    /// Which input (after shrinking: the input it was shrunk from).
    pub found_with: String,
    pub input: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    pub differences: Vec<Delta>,
    /// What probably needs to change, when the cause is recognisable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub original: RunOutcome,
    pub rewritten: RunOutcome,
}

/// A transient fault the handler's SDK retried on its own, which the rewritten Task lets fail.
fn retry_hint(fault: Option<&Fault>, a: &RunOutcome, b: &RunOutcome) -> Option<String> {
    let f = fault?;
    let op = format!("{}:{}", f.service, f.action);
    let mine = |c: &&backend::CallRecord| c.state == f.state && c.operation == op;
    let orig: Vec<_> = a.calls.iter().filter(mine).collect();
    let retried_inside = orig.len() >= 2 && orig[0].injected && orig[1].error.is_none();
    let new_name = b
        .calls
        .iter()
        .filter(mine)
        .find(|c| c.injected)?
        .error
        .clone()?;
    let retried_by_state = b.calls.iter().filter(mine).count() >= 2;
    (retried_inside && !retried_by_state).then(|| {
        format!(
            "the handler's SDK retries {} on its own; give state {} a Retry on \"{new_name}\"",
            f.error.name, f.state
        )
    })
}

/// A warning or accepted difference, reported once with how often it occurred.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub at: String,
    pub note: String,
    pub original: Value,
    pub rewritten: Value,
    pub occurrences: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Proven,
    NotEquivalent,
    /// The simulation could not decide (unsupported handler construct, no input reached the state).
    Inconclusive,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskReport {
    pub state: String,
    pub function: String,
    /// The new Resource.
    pub integration: String,
    pub verdict: Verdict,
    /// Inputs run (samples + generated), and how many were within the samples' types.
    pub inputs: usize,
    pub inputs_in_domain: usize,
    /// Inputs on which the rewritten run read an item seeded into a table it reads (a DynamoDB
    /// hit; the other inputs ran on the project's empty tables).
    pub inputs_with_seeded_item: usize,
    pub fault_scenarios: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
    /// Inputs outside the samples' types on which the versions differ (type assumptions).
    pub out_of_domain_differences: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_of_domain_example: Option<Counterexample>,
    pub findings: Vec<Finding>,
    /// How each version behaves when PutEvents rejects entries (EventBridge Tasks only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_failure: Option<partial_failure::PartialFailure>,
    /// Faults only one version can meet, so not injected, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults_not_injected: Vec<faults::NotInjected>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MachineReport {
    pub state_machine: String,
    pub tasks: Vec<TaskReport>,
    /// The fully rewritten machine against the original on all inputs.
    pub whole_machine: TaskReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Every rewritten Task proven and every whole machine proven.
    pub equivalent: bool,
    pub seed: u64,
    pub generated_per_task: usize,
    pub machines: Vec<MachineReport>,
}

impl VerifyReport {
    pub fn equivalent(&self) -> bool {
        self.machines.iter().all(|m| {
            m.whole_machine.verdict == Verdict::Proven
                && m.tasks.iter().all(|t| t.verdict == Verdict::Proven)
        })
    }

    /// Is the rewrite of `state` in state machine `machine` (index into `Project::state_machines`)
    /// proven? `rewrite --write` refuses the Tasks for which this is false unless `--force`.
    pub fn is_proven(&self, project: &Project, machine: usize, state: &str) -> bool {
        let Some(sm) = project.state_machines.get(machine) else {
            return false;
        };
        self.machines.iter().any(|m| {
            m.state_machine == sm.name
                && m.whole_machine.verdict == Verdict::Proven
                && m.tasks
                    .iter()
                    .any(|t| t.state == state && t.verdict == Verdict::Proven)
        })
    }
}

/// The Tasks `rewrite --write` must withhold: (state machine index, state, why), for every
/// rewritten Task that `prove` did not prove. `models` are the handler models of the project's
/// functions (`rewrite::pipeline::Planned::models`); the Lambda Tasks that stay are simulated
/// from them.
pub fn unproven_tasks(
    project: &Project,
    plan: &RewritePlan,
    models: &[(usize, HandlerModel)],
    opts: &VerifyOptions,
) -> Result<Vec<(usize, String, String)>, InputError> {
    let mut opts = opts.clone();
    add_unrewritten_models(project, plan, models, &mut opts);
    let report = prove(project, plan, &opts)?;
    let mut out = Vec::new();
    for t in &plan.tasks {
        if report.is_proven(project, t.state_machine, &t.state) {
            continue;
        }
        let why = report
            .machines
            .iter()
            .flat_map(|m| m.tasks.iter().chain(std::iter::once(&m.whole_machine)))
            .find(|r| r.state == t.state && r.verdict != Verdict::Proven)
            .map(|r| match (&r.counterexample, &r.reason) {
                (Some(c), _) => format!(
                    "verify found a counterexample ({}), see `lambdaless verify`",
                    c.differences
                        .first()
                        .map(|d| d.at.as_str())
                        .unwrap_or("a difference")
                ),
                (None, Some(reason)) => format!("not proven by verify: {reason}"),
                (None, None) => "not proven equivalent by verify".to_string(),
            })
            .unwrap_or_else(|| {
                "the whole rewritten state machine is not proven equivalent by verify".to_string()
            });
        out.push((
            t.state_machine,
            t.state.clone(),
            format!("{why} (use --force to write it anyway)"),
        ));
    }
    Ok(out)
}

/// Adds the models of the Lambda Tasks the plan leaves in place to `opts.simulate`.
pub fn add_unrewritten_models(
    project: &Project,
    plan: &RewritePlan,
    models: &[(usize, HandlerModel)],
    opts: &mut VerifyOptions,
) {
    for (i, m) in models {
        opts.functions.entry(*i).or_insert_with(|| m.clone());
    }
    for link in &project.links {
        let rewritten = plan
            .tasks
            .iter()
            .any(|t| t.state_machine == link.state_machine && t.state == link.state);
        if rewritten || opts.simulate.contains_key(&link.state) {
            continue;
        }
        if let Some((_, m)) = link
            .function
            .and_then(|fi| models.iter().find(|(i, _)| *i == fi))
        {
            opts.simulate.insert(link.state.clone(), m.clone());
        }
    }
}

/// The inputs of the given files: each file is one input, or an export of recorded executions
/// whose inputs it yields (`input_files`).
pub fn read_inputs(files: &[PathBuf]) -> Result<Vec<Input>, InputError> {
    let mut out = Vec::new();
    for f in files {
        out.extend(input_files::read(f)?);
    }
    Ok(out)
}

/// The JSON files of a directory (`--inputs DIR`), sorted by name.
pub fn input_files_in(dir: &std::path::Path) -> Result<Vec<PathBuf>, InputError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| InputError::new(dir, format!("cannot read the inputs directory: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().map(|x| x == "json").unwrap_or(false))
        .collect();
    files.sort();
    Ok(files)
}

/// Proves every rewritten Task of `plan`. Bad sample files are an `InputError`; everything that
/// happens inside executions is part of the report.
pub fn prove(
    project: &Project,
    plan: &RewritePlan,
    opts: &VerifyOptions,
) -> Result<VerifyReport, InputError> {
    let mut files = project.sample_inputs.clone();
    files.extend(opts.input_files.iter().cloned());
    let samples = read_inputs(&files)?;
    let physical = world::Names::of(project);
    let mut function_models = opts.functions.clone();
    for t in &plan.tasks {
        function_models
            .entry(t.function)
            .or_insert_with(|| t.model.clone());
    }
    let targets = Arc::new(targets::Targets::of(project, &physical, &function_models));
    let mut machines = Vec::new();
    let mut by_machine: Vec<usize> = plan.tasks.iter().map(|t| t.state_machine).collect();
    by_machine.sort();
    by_machine.dedup();
    for sm_index in by_machine {
        let Some(sm) = project.state_machines.get(sm_index) else {
            continue;
        };
        let tasks: Vec<&RewrittenTask> = plan
            .tasks
            .iter()
            .filter(|t| t.state_machine == sm_index)
            .collect();
        let rewritten_def = plan
            .definitions
            .iter()
            .find(|(i, _)| *i == sm_index)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| apply_tasks(&sm.definition, &tasks, None));
        let names: Vec<String> = tasks
            .iter()
            .map(|t| {
                project
                    .functions
                    .get(t.function)
                    .map(|f| f.id.clone())
                    .unwrap_or_else(|| t.model.function.clone())
            })
            .collect();
        let config = match &opts.mock_config {
            Some(file) => file.for_machine(&sm.name)?,
            None => None,
        };
        machines.push(prove_machine(
            project,
            &physical,
            &targets,
            &function_timeouts(project, sm_index),
            &sm.name,
            &sm.definition,
            &rewritten_def,
            &tasks,
            &names,
            &with_machine_inputs(&samples, opts, sm_index),
            opts,
            config,
        ));
    }
    let mut report = VerifyReport {
        equivalent: false,
        seed: opts.seed,
        generated_per_task: opts.samples,
        machines,
    };
    report.equivalent = report.equivalent();
    Ok(report)
}

/// Lambda Task state of state machine `index` → the Timeout its function's IaC configures.
fn function_timeouts(project: &Project, index: usize) -> HashMap<String, u64> {
    project
        .links
        .iter()
        .filter(|l| l.state_machine == index)
        .filter_map(|l| {
            let f = project.functions.get(l.function?)?;
            Some((l.state.clone(), f.timeout_s?))
        })
        .collect()
}

/// The shared samples plus the inputs given for state machine `index` alone.
fn with_machine_inputs(samples: &[Input], opts: &VerifyOptions, index: usize) -> Vec<Input> {
    let mut all = samples.to_vec();
    all.extend(
        opts.machine_inputs
            .iter()
            .filter(|(i, _)| *i == index)
            .map(|(_, input)| input.clone()),
    );
    all
}

/// The original definition with the given Tasks replaced by their rewritten states (and the
/// helper states the rewrite added, taken from `full`).
pub fn apply_tasks(original: &Value, tasks: &[&RewrittenTask], full: Option<&Value>) -> Value {
    let mut def = original.clone();
    for t in tasks {
        // The plan's full definition has substitutions applied, like `original`; the task's own
        // copy keeps the file's `${...}` placeholders.
        let state = full
            .and_then(|f| f.pointer(&t.pointer))
            .cloned()
            .unwrap_or_else(|| t.rewritten.clone());
        if let Some(slot) = def.pointer_mut(&t.pointer) {
            *slot = state;
        }
        // The states the rewrite added next to the Task (validation Choice/Fail), and the
        // transitions into the Task moved to its new entry state.
        crate::rewrite::added_states::apply(&mut def, t, full);
    }
    if let (Some(full), Some(states)) = (
        full.and_then(|f| f.get("States"))
            .and_then(Value::as_object),
        def.get_mut("States").and_then(Value::as_object_mut),
    ) {
        for (name, state) in full {
            if !states.contains_key(name) && original["States"].get(name).is_none() {
                states.insert(name.clone(), state.clone());
            }
        }
    }
    def
}

/// Runs one execution of `machine` on `input` with a fresh world.
pub fn run_once(
    project: &Project,
    machine: &StateMachine,
    input: &Value,
    models: &HashMap<String, (&HandlerModel, bool)>,
    fault: Option<Fault>,
    context: &ExecutionContext,
    mocks: &HashMap<String, LambdaMock>,
) -> RunOutcome {
    let world = world::from_project(project, WORLD_SEED);
    let targets = Arc::new(targets::Targets::default());
    run_in(
        &world,
        machine,
        input,
        models,
        fault,
        context,
        mocks,
        None,
        (&targets, &[], &HashMap::new()),
    )
}

/// Runs one execution of `machine` on `input` in a copy of `world` (the world is built once per
/// comparison and copied per run: cheaper than reading the project's resources again).
#[allow(clippy::too_many_arguments)]
fn run_in(
    world: &World,
    machine: &StateMachine,
    input: &Value,
    models: &HashMap<String, (&HandlerModel, bool)>,
    fault: Option<Fault>,
    context: &ExecutionContext,
    mocks: &HashMap<String, LambdaMock>,
    config: Option<(&MockConfig, &[String])>,
    (targets, rewritten, timeouts): (&Arc<targets::Targets>, &[String], &HashMap<String, u64>),
) -> RunOutcome {
    let mut services = SimulatedServices::new(world.clone());
    // A child execution that cannot be simulated makes this run say nothing.
    let child_gap = Rc::new(RefCell::new(None));
    services.set_execution_hook(Box::new(children::ChildRunner {
        targets: targets.clone(),
        depth: 0,
        inconclusive: child_gap.clone(),
    }));
    let mut mock = MockLambdas::borrowing(Cow::Borrowed(mocks));
    let mut be = RunBackend::borrowing(
        &mut services,
        Cow::Borrowed(models),
        &mut mock,
        FaultState::new(fault),
    )
    .with_targets(targets.clone(), rewritten.to_vec(), 0)
    .with_function_timeouts(timeouts.clone());
    if let Some((config, rewritten)) = config {
        // A fresh copy per run: the mock counts each state's invocations from 0.
        be = be.with_mock_config(config.clone(), rewritten);
    }
    let result = machine.execute(input.clone(), context, &mut be);
    let effects = be.effects();
    let gap = be.inconclusive.take().or_else(|| child_gap.take());
    RunOutcome::new(result, std::mem::take(&mut be.log), effects, gap)
}

/// Both versions start from the same world, drawing the same ids.
const WORLD_SEED: u64 = 1;

/// Two parsed machines compared on inputs and faults.
struct Pair<'a> {
    /// The project's resources, built once; every run starts from a copy.
    world: World,
    /// Items put, per input, into the tables the rewritten Tasks read (before both runs).
    seeder: seeding::Seeder,
    /// The project's functions and state machines, reachable by name from both versions.
    targets: Arc<targets::Targets>,
    /// The states the rewritten version has rewritten.
    rewritten_here: Vec<String>,
    /// Lambda Task state → its function's configured Timeout (seconds).
    timeouts: HashMap<String, u64>,
    original: StateMachine,
    rewritten: StateMachine,
    models: HashMap<String, (&'a HandlerModel, bool)>,
    context: &'a ExecutionContext,
    mocks: &'a HashMap<String, LambdaMock>,
    /// The mock config for the Tasks it names, except `rewritten_states`.
    config: Option<MockConfig>,
    rewritten_states: &'a [String],
    /// States a rewrite added (validation Choice/Fail) → the Task they belong to: the rewritten
    /// run's path counts them as that Task.
    added: HashMap<String, String>,
}

/// Added state → its Task, for every rewritten Task.
fn added_states_of(tasks: &[&RewrittenTask]) -> HashMap<String, String> {
    tasks
        .iter()
        .flat_map(|t| {
            t.added_states
                .iter()
                .map(|(n, _)| (n.clone(), t.state.clone()))
        })
        .collect()
}

impl Pair<'_> {
    fn run(&self, input: &Value, fault: Option<&Fault>) -> (RunOutcome, RunOutcome, Vec<Delta>) {
        self.run_from(&self.world_for(input), input, fault)
    }

    /// The world both versions start from on `input`: the project's, with items seeded for
    /// about half the inputs.
    fn world_for(&self, input: &Value) -> Cow<'_, World> {
        match self.seeder.world_for(&self.world, input) {
            Some(w) => Cow::Owned(w),
            None => Cow::Borrowed(&self.world),
        }
    }

    /// `run`, starting both versions from `world` instead of the project's.
    fn run_from(
        &self,
        world: &World,
        input: &Value,
        fault: Option<&Fault>,
    ) -> (RunOutcome, RunOutcome, Vec<Delta>) {
        let a = run_in(
            world,
            &self.original,
            input,
            &self.models,
            fault.cloned(),
            self.context,
            self.mocks,
            self.config.as_ref().map(|c| (c, self.rewritten_states)),
            (&self.targets, &[], &self.timeouts),
        );
        let mut b = run_in(
            world,
            &self.rewritten,
            input,
            &self.models,
            fault.cloned(),
            self.context,
            self.mocks,
            self.config.as_ref().map(|c| (c, self.rewritten_states)),
            (&self.targets, &self.rewritten_here, &self.timeouts),
        );
        if !self.added.is_empty() {
            let mut path: Vec<String> = Vec::new();
            for s in std::mem::take(&mut b.path) {
                let s = self.added.get(&s).cloned().unwrap_or(s);
                if path.last() != Some(&s) {
                    path.push(s);
                }
            }
            b.path = path;
        }
        let ctx = Context {
            fault,
            appended_resources: vec![
                self.context.state_machine_arn.clone(),
                self.context.execution_arn.clone(),
            ],
            input: Some(input),
        };
        let d = compare::compare(&a, &b, &ctx);
        (a, b, d)
    }
}

/// Accumulates one Task's (or the whole machine's) results.
struct Tally {
    report: TaskReport,
}

impl Tally {
    fn new(state: &str, function: &str, integration: &str) -> Self {
        Tally {
            report: TaskReport {
                state: state.into(),
                function: function.into(),
                integration: integration.into(),
                verdict: Verdict::Proven,
                inputs: 0,
                inputs_in_domain: 0,
                inputs_with_seeded_item: 0,
                fault_scenarios: 0,
                counterexample: None,
                out_of_domain_differences: 0,
                out_of_domain_example: None,
                findings: Vec::new(),
                faults_not_injected: Vec::new(),
                partial_failure: None,
                reason: None,
            },
        }
    }

    fn note(&mut self, deltas: &[Delta]) {
        for d in deltas.iter().filter(|d| d.kind != Kind::Difference) {
            let at = generic_at(&d.at);
            match self
                .report
                .findings
                .iter_mut()
                .find(|f| f.at == at && f.note == d.note)
            {
                Some(f) => f.occurrences += 1,
                None => self.report.findings.push(Finding {
                    kind: d.kind,
                    at,
                    note: d.note.clone(),
                    original: d.original.clone(),
                    rewritten: d.rewritten.clone(),
                    occurrences: 1,
                }),
            }
        }
    }

    fn done(&self) -> bool {
        self.report.counterexample.is_some() || self.report.verdict == Verdict::Inconclusive
    }
}

/// Array indices and call numbers vary between inputs; findings are grouped without them.
fn generic_at(at: &str) -> String {
    let mut out = String::new();
    let mut in_brackets = false;
    for c in at.chars() {
        match c {
            '[' => {
                in_brackets = true;
                out.push_str("[*]");
            }
            ']' => in_brackets = false,
            _ if in_brackets => {}
            _ => out.push(c),
        }
    }
    match out.split_once(' ') {
        Some((head, rest)) if head == "call" => rest
            .split_once(' ')
            .map(|(_, r)| format!("call {r}"))
            .unwrap_or(out),
        _ => out,
    }
}

/// Shrinks a failing input while it stays in its domain and keeps failing on the same aspect.
fn minimize(
    pair: &Pair,
    shape: &Shape,
    input: &Input,
    fault: Option<&Fault>,
    first: &Delta,
) -> Counterexample {
    let aspect = first.aspect;
    let keep_domain = input.in_domain;
    let small = inputs::shrink(
        &input.value,
        |candidate| {
            if keep_domain && !shape.admits(candidate) {
                return false;
            }
            let (_, _, d) = pair.run(candidate, fault);
            d.iter()
                .any(|x| x.kind == Kind::Difference && x.aspect == aspect)
        },
        300,
    );
    let (a, b, d) = pair.run(&small, fault);
    Counterexample {
        found_with: input.name.clone(),
        input: small,
        fault: fault.cloned(),
        differences: d
            .into_iter()
            .filter(|x| x.kind == Kind::Difference)
            .collect(),
        hint: retry_hint(fault, &a, &b),
        original: a,
        rewritten: b,
    }
}

/// What one comparison found, without the runs themselves (they are run again, shrunk, for a
/// counterexample).
struct Checked {
    deltas: Vec<Delta>,
    /// The states the original run visited (for the reachability check).
    visited: Vec<String>,
    /// The states whose service call succeeded in the rewritten run: a Task none of whose runs
    /// got an answer was compared on failure paths only.
    answered: Vec<String>,
    inconclusive: Option<backend::Inconclusive>,
    /// The rewritten run read an item seeded for this input.
    read_seeded_item: bool,
}

/// Runs both versions on one input (and fault) and compares them.
fn evaluate(pair: &Pair, input: &Value, fault: Option<&Fault>) -> Checked {
    let world = pair.world_for(input);
    let (a, b, deltas) = pair.run_from(&world, input, fault);
    let read_seeded_item =
        matches!(world, Cow::Owned(_)) && pair.seeder.read_seeded_item(&world, &b.calls);
    let answered = b
        .calls
        .iter()
        .filter(|c| c.error.is_none())
        .map(|c| c.state.clone())
        .collect();
    Checked {
        deltas,
        visited: a.path,
        answered,
        inconclusive: a.inconclusive.or(b.inconclusive),
        read_seeded_item,
    }
}

/// Runs both versions on each of `all` (in parallel, taken in order) until `tally` is done:
/// counts the input, records the comparison and shows `seen` the input with the states its
/// original run visited.
fn check_inputs<'a>(
    tally: &mut Tally,
    pair: &Pair,
    shape: &Shape,
    all: &[&'a Input],
    strict: bool,
    threads: usize,
    mut seen: impl FnMut(&'a Input, &[String], &[String]),
) {
    parallel::in_order(
        all,
        threads,
        |_, input| evaluate(pair, &input.value, None),
        |i, mut checked| {
            let input = all[i];
            tally.report.inputs += 1;
            tally.report.inputs_in_domain += input.in_domain as usize;
            tally.report.inputs_with_seeded_item += checked.read_seeded_item as usize;
            let answered = std::mem::take(&mut checked.answered);
            let visited = absorb(tally, pair, shape, input, None, strict, checked);
            seen(input, &visited, &answered);
            !tally.done()
        },
    );
}

/// Records one comparison: a counterexample or findings. Returns the states the original run
/// visited.
fn absorb(
    tally: &mut Tally,
    pair: &Pair,
    shape: &Shape,
    input: &Input,
    fault: Option<&Fault>,
    strict: bool,
    checked: Checked,
) -> Vec<String> {
    if let Some(inc) = checked.inconclusive {
        tally.report.verdict = Verdict::Inconclusive;
        tally.report.reason = Some(format!(
            "cannot simulate the Lambda of state {}: {}",
            inc.state, inc.reason
        ));
        return Vec::new();
    }
    let deltas = checked.deltas;
    let first = deltas.iter().find(|d| d.kind == Kind::Difference).cloned();
    match first {
        None => tally.note(&deltas),
        Some(first) if input.in_domain || strict => {
            tally.report.verdict = Verdict::NotEquivalent;
            tally.report.counterexample = Some(minimize(pair, shape, input, fault, &first));
        }
        Some(first) => {
            tally.report.out_of_domain_differences += 1;
            if tally.report.out_of_domain_example.is_none() {
                tally.report.out_of_domain_example =
                    Some(minimize(pair, shape, input, fault, &first));
            }
        }
    }
    checked.visited
}

fn resource_of(state: &Value) -> String {
    state
        .get("Resource")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

#[allow(clippy::too_many_arguments)]
fn prove_machine(
    project: &Project,
    names: &world::Names,
    targets: &Arc<targets::Targets>,
    timeouts: &HashMap<String, u64>,
    name: &str,
    original: &Value,
    rewritten: &Value,
    tasks: &[&RewrittenTask],
    functions: &[String],
    samples: &[Input],
    opts: &VerifyOptions,
    config: Option<MockConfig>,
) -> MachineReport {
    let rewritten_states: Vec<String> = tasks.iter().map(|t| t.state.clone()).collect();
    // Names the stack generates, as the deployed definitions and environments hold them.
    let original = &names.resolve_json(original);
    let rewritten = &names.resolve_json(rewritten);
    let resolved: Vec<(String, HandlerModel, bool)> = opts
        .simulate
        .iter()
        .map(|(s, m)| {
            (
                s.clone(),
                names.resolve_model(m),
                lambda_sim::is_simulable(m),
            )
        })
        .chain(
            tasks
                .iter()
                .map(|t| (t.state.clone(), names.resolve_model(&t.model), true)),
        )
        .collect();
    let models: HashMap<String, (&HandlerModel, bool)> = resolved
        .iter()
        .map(|(s, m, exact)| (s.clone(), (m, *exact)))
        .collect();
    let shape = Shape::infer(samples.iter().map(|s| &s.value));
    let sample_values: Vec<Value> = samples.iter().map(|s| s.value.clone()).collect();
    let parse = |def: &Value| StateMachine::parse(def);
    let threads = match opts.threads {
        0 => parallel::threads(),
        n => n,
    };
    let base_world = world::from_project_named(project, names, WORLD_SEED);
    // The project's handlers: what their PutItem calls write gives seeded items their attributes.
    let mut handler_models: Vec<(usize, HandlerModel)> = opts
        .functions
        .iter()
        .map(|(i, m)| (*i, m.clone()))
        .chain(tasks.iter().map(|t| (t.function, t.model.clone())))
        .collect();
    handler_models.sort_by_key(|(i, _)| *i);
    handler_models.dedup_by_key(|(i, _)| *i);
    let mut task_reports = Vec::new();
    for (i, task) in tasks.iter().enumerate() {
        let integration = resource_of(&task.rewritten);
        let mut tally = Tally::new(&task.state, &functions[i], &integration);
        let hybrid = names.resolve_json(&apply_tasks(original, &[*task], Some(rewritten)));
        let pair = match (parse(original), parse(&hybrid)) {
            (Ok(o), Ok(h)) => Pair {
                seeder: seeding::Seeder::of(
                    project,
                    names,
                    &base_world,
                    &[hybrid.pointer(&task.pointer).unwrap_or(&task.rewritten)],
                    &handler_models,
                    &sample_values,
                    opts.seed,
                ),
                world: base_world.clone(),
                targets: targets.clone(),
                rewritten_here: vec![task.state.clone()],
                timeouts: timeouts.clone(),
                original: o,
                rewritten: h,
                models: models.clone(),
                context: &opts.context,
                mocks: &opts.lambda_mocks,
                added: added_states_of(tasks),
                config: config.clone(),
                rewritten_states: &rewritten_states,
            },
            (Err(e), _) => {
                tally.report.verdict = Verdict::Inconclusive;
                tally.report.reason = Some(format!("the original definition does not parse: {e}"));
                task_reports.push(tally.report);
                continue;
            }
            (_, Err(e)) => {
                tally.report.verdict = Verdict::NotEquivalent;
                tally.report.reason = Some(format!("the rewritten definition is invalid: {e}"));
                task_reports.push(tally.report);
                continue;
            }
        };
        let mut focus = inputs::paths_read(&task.rewritten);
        focus.extend(inputs::paths_read(original));
        focus.dedup();
        let generated = inputs::generate(
            &sample_values,
            &shape,
            opts.samples,
            opts.seed ^ (i as u64).wrapping_mul(0x9E37),
            &focus,
        );
        let all: Vec<&Input> = samples.iter().chain(generated.iter()).collect();
        let mut reaching: Vec<&Input> = Vec::new();
        let mut ever_answered = false;
        check_inputs(
            &mut tally,
            &pair,
            &shape,
            &all,
            opts.strict_types,
            threads,
            |input, visited, answered| {
                if visited.contains(&task.state) && input.in_domain && reaching.len() < 2 {
                    reaching.push(input);
                }
                ever_answered |= answered.contains(&task.state);
            },
        );
        if !tally.done() && reaching.is_empty() {
            tally.report.verdict = Verdict::Inconclusive;
            tally.report.reason = Some(format!("no input reached state {}", task.state));
        } else if !tally.done() && !ever_answered {
            // Both versions failing alike (say, a target missing from the simulated world) says
            // nothing about the runs where the call succeeds.
            tally.report.verdict = Verdict::Inconclusive;
            tally.report.reason = Some(format!(
                "the new call of state {} failed on every input, so only failure paths were compared (the simulated world has no resource it can succeed on)",
                task.state
            ));
        }
        if opts.faults && backend::is_lambda_resource(&resource_of(&task.original)) {
            tally
                .report
                .faults_not_injected
                .push(faults::lambda_only_faults());
        }
        if opts.faults && !tally.done() {
            if let Some((service, action, _)) = backend::parse_resource(&integration) {
                let mut scenarios = faults::scenarios(&task.state, &service, &action);
                let null = Value::Null;
                scenarios.extend(faults::timeout_scenarios(
                    &task.state,
                    &service,
                    &action,
                    original.pointer(&task.pointer).unwrap_or(&null),
                    hybrid.pointer(&task.pointer).unwrap_or(&task.rewritten),
                ));
                let jobs: Vec<(usize, &Input)> = (0..scenarios.len())
                    .flat_map(|f| reaching.iter().map(move |input| (f, *input)))
                    .collect();
                let mut counted = None;
                parallel::in_order(
                    &jobs,
                    threads,
                    |_, (f, input)| evaluate(&pair, &input.value, Some(&scenarios[*f])),
                    |i, checked| {
                        let (f, input) = jobs[i];
                        if counted != Some(f) {
                            counted = Some(f);
                            tally.report.fault_scenarios += 1;
                        }
                        let fault = Some(&scenarios[f]);
                        absorb(
                            &mut tally,
                            &pair,
                            &shape,
                            input,
                            fault,
                            opts.strict_types,
                            checked,
                        );
                        !tally.done()
                    },
                );
            }
        }
        if opts.faults && !tally.done() && resource_of(&task.rewritten).contains("putEvents") {
            if let Some(input) = reaching.first() {
                let observed = partial_failure::observe(&pair, &task.state, &input.value);
                if !observed.same && !observed.accepted {
                    tally.report.verdict = Verdict::NotEquivalent;
                    tally.report.reason = Some(format!(
                        "under a PutEvents partial failure the versions differ: original {}; rewritten {}",
                        observed.original, observed.rewritten
                    ));
                }
                tally.report.partial_failure = Some(observed);
            }
        }
        task_reports.push(tally.report);
    }

    let mut whole = Tally::new("(whole state machine)", "", "");
    match (parse(original), parse(rewritten)) {
        (Ok(o), Ok(r)) => {
            let pair = Pair {
                seeder: seeding::Seeder::of(
                    project,
                    names,
                    &base_world,
                    &tasks
                        .iter()
                        .filter_map(|t| rewritten.pointer(&t.pointer))
                        .collect::<Vec<_>>(),
                    &handler_models,
                    &sample_values,
                    opts.seed,
                ),
                world: base_world.clone(),
                targets: targets.clone(),
                rewritten_here: rewritten_states.clone(),
                timeouts: timeouts.clone(),
                original: o,
                rewritten: r,
                models: models.clone(),
                context: &opts.context,
                mocks: &opts.lambda_mocks,
                added: added_states_of(tasks),
                config: config.clone(),
                rewritten_states: &rewritten_states,
            };
            let generated = inputs::generate(
                &sample_values,
                &shape,
                opts.samples,
                opts.seed.wrapping_add(0xA5A5),
                &inputs::paths_read(rewritten),
            );
            let mut unreached: Vec<&str> = tasks.iter().map(|t| t.state.as_str()).collect();
            let all: Vec<&Input> = samples.iter().chain(generated.iter()).collect();
            check_inputs(
                &mut whole,
                &pair,
                &shape,
                &all,
                opts.strict_types,
                threads,
                |_, visited, _| unreached.retain(|s| !visited.iter().any(|v| v == s)),
            );
            // Two runs that never reach a rewritten state agree trivially; that proves nothing.
            if !whole.done() && !unreached.is_empty() {
                whole.report.verdict = Verdict::Inconclusive;
                whole.report.reason = Some(format!("no input reached {}", unreached.join(", ")));
            }
        }
        (_, Err(e)) | (Err(e), _) => {
            whole.report.verdict = Verdict::NotEquivalent;
            whole.report.reason = Some(format!("a definition does not parse: {e}"));
        }
    }
    MachineReport {
        state_machine: name.to_string(),
        tasks: task_reports,
        whole_machine: whole.report,
    }
}
