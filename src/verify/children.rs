//! Child executions of the project's own state machines: `states:startExecution` (and `.sync`,
//! `.sync:2`), `aws-sdk:sfn:startExecution` / `startSyncExecution`, and a handler's
//! StartExecution / StartSyncExecution reach a real execution of the child's definition, run by
//! the interpreter against the same world (its Lambda Tasks simulated from their handler models).

use super::backend::{Inconclusive, MockLambdas, RunBackend, Simulation};
use super::faults::FaultState;
use super::targets::Targets;
use crate::interp::{ExecutionContext, ExecutionResult};
use crate::services::errors::{AwsError, Service};
use crate::services::simulated::{ChildExecution, ExecutionHook, StartExecutionRequest};
use crate::services::SimulatedServices;
use serde_json::Value;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

/// A function or state machine that calls itself (directly or not) is cut off here; the run is
/// then inconclusive.
pub const MAX_DEPTH: u32 = 4;

/// What `StartExecution` answers for a state machine that does not exist (the same as
/// services/simulated.rs).
pub fn does_not_exist(arn: &str) -> AwsError {
    AwsError::modeled(
        Service::StepFunctions,
        "StateMachineDoesNotExist",
        400,
        format!("State Machine Does Not Exist: '{arn}'"),
    )
}

/// The context of a child execution started at `now_ms`.
fn child_context(
    sm_arn: &str,
    execution_arn: &str,
    name: &str,
    workflow_type: &str,
    now_ms: i64,
) -> ExecutionContext {
    let base = ExecutionContext::default();
    ExecutionContext {
        state_machine_name: sm_arn.rsplit(':').next().unwrap_or("").to_string(),
        state_machine_arn: sm_arn.to_string(),
        state_machine_type: workflow_type.to_string(),
        execution_name: name.to_string(),
        execution_arn: execution_arn.to_string(),
        clock: chrono::DateTime::from_timestamp_millis(now_ms)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or(base.clock.clone()),
        ..base
    }
}

/// Runs the project state machine `sm_arn` names on `input` against `services`. `None` when the
/// project does not declare it; `Err` when the run says nothing (it cannot be simulated).
#[allow(clippy::too_many_arguments)]
pub fn run_child(
    services: &mut dyn Simulation,
    targets: &Arc<Targets>,
    depth: u32,
    sm_arn: &str,
    execution_arn: &str,
    name: &str,
    input: &Value,
    now_ms: i64,
) -> Option<Result<ExecutionResult, Inconclusive>> {
    let (_, target) = targets.machine(sm_arn)?;
    let state = format!("(child execution of {})", target.name);
    let machine = match &target.machine {
        Ok(m) => m,
        Err(why) => {
            return Some(Err(Inconclusive {
                state,
                reason: why.clone(),
            }))
        }
    };
    if depth >= MAX_DEPTH {
        return Some(Err(Inconclusive {
            state,
            reason: format!(
                "executions nest more than {MAX_DEPTH} deep (a state machine or function that starts itself)"
            ),
        }));
    }
    let ctx = child_context(sm_arn, execution_arn, name, &target.workflow_type, now_ms);
    let mut mock = MockLambdas::new(HashMap::new());
    let mut be = RunBackend::borrowing(
        services,
        Cow::Owned(HashMap::new()),
        &mut mock,
        FaultState::new(None),
    )
    .with_targets(targets.clone(), Vec::new(), depth + 1);
    let result = machine.execute(input.clone(), &ctx, &mut be);
    Some(match be.inconclusive.take() {
        Some(inc) => Err(inc),
        None => Ok(result),
    })
}

/// The [`ExecutionHook`] the simulated services call for `states:startExecution` Tasks.
#[derive(Clone)]
pub struct ChildRunner {
    pub targets: Arc<Targets>,
    pub depth: u32,
    /// Why a child run said nothing, for the parent run.
    pub inconclusive: Rc<RefCell<Option<Inconclusive>>>,
}

impl ExecutionHook for ChildRunner {
    fn start_execution(
        &mut self,
        request: &StartExecutionRequest,
        services: &mut SimulatedServices,
    ) -> Result<ChildExecution, AwsError> {
        let now = services.world.ctx.now_ms;
        // The child's own startExecution Tasks run one level deeper.
        services.set_execution_hook(Box::new(ChildRunner {
            depth: self.depth + 1,
            ..self.clone()
        }));
        let run = run_child(
            services,
            &self.targets,
            self.depth,
            &request.state_machine_arn,
            &request.execution_arn,
            &request.name,
            &request.input,
            now,
        );
        match run {
            Some(Ok(r)) => Ok(ChildExecution {
                status: r.status,
                output: r.output,
                error: r.error,
                cause: r.cause,
                duration_ms: 0,
            }),
            Some(Err(inc)) => {
                self.inconclusive.borrow_mut().get_or_insert(inc);
                Ok(ChildExecution {
                    status: "FAILED".into(),
                    output: None,
                    error: Some("States.Runtime".into()),
                    cause: Some(
                        "lambdaless verify: the child execution cannot be simulated".into(),
                    ),
                    duration_ms: 0,
                })
            }
            // Not one of the project's state machines: only the world's entries exist.
            None => match services.world.state_machines.get(
                request
                    .state_machine_arn
                    .rsplit(':')
                    .next()
                    .unwrap_or_default(),
            ) {
                Some(_) => Ok(ChildExecution {
                    status: "SUCCEEDED".into(),
                    output: Some(serde_json::json!({})),
                    error: None,
                    cause: None,
                    duration_ms: 0,
                }),
                None => Err(does_not_exist(&request.state_machine_arn)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::{
        HandlerModel, Language, ObjectEntry, SdkCall, SdkFlavor, Span, ValueExpr, Verdict,
    };
    use crate::discover::model::{DefinitionOrigin, Function, Project, StateMachine as Sm};
    use crate::services::world::KeyAttr;
    use crate::verify::targets::Targets;
    use crate::verify::world::Names;
    use indexmap::IndexMap;
    use serde_json::json;
    use std::path::PathBuf;

    fn machine(name: &str, definition: Value) -> Sm {
        Sm {
            name: name.into(),
            origin: DefinitionOrigin::AslFile {
                path: PathBuf::from("x.asl.json"),
            },
            raw_definition: definition.clone(),
            definition,
            substitutions: IndexMap::new(),
            workflow_type: "STANDARD".into(),
            role: None,
            policies: None,
            definition_file: PathBuf::from("x.asl.json"),
            construct: None,
        }
    }

    fn function(id: &str) -> Function {
        Function {
            id: id.into(),
            function_name: None,
            handler: "index.handler".into(),
            runtime: None,
            code_dir: PathBuf::from("."),
            handler_file: None,
            handler_export: "handler".into(),
            environment: IndexMap::new(),
            memory_mb: None,
            timeout_s: None,
            architecture: None,
            template: PathBuf::from("template.yaml"),
            environment_source: IndexMap::new(),
            handler_note: Some("its code is in S3".into()),
            construct: None,
        }
    }

    /// A handler that puts `{id: event.id}` into table `Audit` and returns its event.
    fn audit_model() -> HandlerModel {
        let field = |k: &str, v: ValueExpr| ObjectEntry::Field {
            key: k.into(),
            value: v,
        };
        HandlerModel {
            file: "audit.js".into(),
            language: Language::Javascript,
            function: "handler".into(),
            event_reads: vec![],
            env_reads: vec![],
            calls: vec![SdkCall {
                service: "dynamodb".into(),
                action: "PutItem".into(),
                flavor: SdkFlavor::JsDocumentClient,
                params: ValueExpr::Object {
                    entries: vec![
                        field(
                            "TableName",
                            ValueExpr::Literal {
                                value: json!("Audit"),
                            },
                        ),
                        field(
                            "Item",
                            ValueExpr::Object {
                                entries: vec![field(
                                    "id",
                                    ValueExpr::Event {
                                        path: vec![crate::analysis::model::PathSeg::Field(
                                            "id".into(),
                                        )],
                                    },
                                )],
                            },
                        ),
                    ],
                },
                span: Span { line: 1, column: 1 },
            }],
            returns: Some(ValueExpr::Event { path: vec![] }),
            throws: vec![],
            verdict: Verdict::Replaceable,
            reasons: vec![],
        }
    }

    /// Parent starts the child (`.sync:2`); the child's Lambda Task runs the project function
    /// `Audit` from its handler model, which writes to the table.
    fn project() -> Project {
        let child = machine(
            "Child",
            json!({"StartAt": "Write", "States": {"Write": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "${AuditFn}", "Payload.$": "$"},
                "OutputPath": "$.Payload", "End": true}}}),
        );
        let parent = machine(
            "Parent",
            json!({"StartAt": "Start", "States": {"Start": {
                "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:${Child}", "Input.$": "$"},
                "End": true}}}),
        );
        Project {
            state_machines: vec![parent, child],
            functions: vec![function("AuditFn"), function("Opaque")],
            ..Default::default()
        }
    }

    fn run(
        project: &Project,
        models: HashMap<usize, HandlerModel>,
        rewritten: Vec<String>,
    ) -> (ExecutionResult, SimulatedServices, Option<Inconclusive>) {
        let names = Names::of(project);
        let targets = Arc::new(Targets::of(project, &names, &models));
        let mut world = crate::verify::world::from_project_named(project, &names, 1);
        world.add_table(
            "Audit",
            KeyAttr {
                name: "id".into(),
                attr_type: "S".into(),
            },
            None,
        );
        let mut services = SimulatedServices::new(world);
        let gap = Rc::new(RefCell::new(None));
        services.set_execution_hook(Box::new(ChildRunner {
            targets: targets.clone(),
            depth: 0,
            inconclusive: gap.clone(),
        }));
        let parent = crate::interp::StateMachine::parse(
            &names.resolve_json(&project.state_machines[0].definition),
        )
        .unwrap();
        let mut mock = MockLambdas::new(HashMap::new());
        let result = {
            let mut be = RunBackend::borrowing(
                &mut services,
                Cow::Owned(HashMap::new()),
                &mut mock,
                FaultState::new(None),
            )
            .with_targets(targets, rewritten, 0);
            let r = parent.execute(json!({"id": "a-1"}), &ExecutionContext::default(), &mut be);
            let inc = be.inconclusive.take();
            (r, inc)
        };
        let inc = result.1.or_else(|| gap.take());
        (result.0, services, inc)
    }

    #[test]
    fn a_start_execution_task_runs_the_child_and_its_functions_against_the_same_world() {
        let p = project();
        let (r, services, inc) = run(&p, HashMap::from([(0, audit_model())]), vec![]);
        assert_eq!(inc, None);
        assert_eq!(r.status, "SUCCEEDED", "{r:?}");
        // .sync:2 returns the child's output as JSON: the function returned its event.
        assert_eq!(r.output.as_ref().unwrap()["Output"], json!({"id": "a-1"}));
        let effects = serde_json::to_value(services.diff().effects()).unwrap();
        let kinds: Vec<&str> = effects
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["item_put", "execution_started"], "{effects}");
        assert_eq!(effects[0]["table"], "Audit");
        assert!(services.diff().changes.iter().any(|c| matches!(
            &c.change,
            crate::services::world::Change::LambdaInvoked { function, .. } if function == "AuditFn"
        )));
    }

    #[test]
    fn a_function_without_a_model_is_mocked_when_kept_and_inconclusive_when_a_rewrite_calls_it() {
        let mut p = project();
        // The child's Lambda Task is the same in both versions: the shared mock returns its event.
        let (r, _, inc) = run(&p, HashMap::new(), vec![]);
        assert_eq!(inc, None);
        assert_eq!(r.output.unwrap()["Output"], json!({"id": "a-1"}));
        // A rewritten Task that now invokes the function needs the function itself.
        p.state_machines[0] = machine(
            "Parent",
            json!({"StartAt": "Notify", "States": {"Notify": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "${AuditFn}", "Payload.$": "$"}, "End": true}}}),
        );
        let (_, _, inc) = run(&p, HashMap::new(), vec!["Notify".into()]);
        let inc = inc.expect("inconclusive");
        assert!(
            inc.reason
                .contains("function AuditFn has no handler model: its code is in S3"),
            "{}",
            inc.reason
        );
    }

    /// A handler (state `Call`) that invokes function AuditFn with `{"id": "x"}`.
    fn invoker() -> HandlerModel {
        let mut m = audit_model();
        m.calls[0] = SdkCall {
            service: "lambda".into(),
            action: "Invoke".into(),
            flavor: SdkFlavor::JsV3,
            params: ValueExpr::Object {
                entries: vec![
                    ObjectEntry::Field {
                        key: "FunctionName".into(),
                        value: ValueExpr::Literal {
                            value: json!("AuditFn"),
                        },
                    },
                    ObjectEntry::Field {
                        key: "Payload".into(),
                        value: ValueExpr::Literal {
                            value: json!("{\"id\": \"x\"}"),
                        },
                    },
                ],
            },
            span: Span { line: 1, column: 1 },
        };
        m
    }

    fn run_invoker(
        models: HashMap<usize, HandlerModel>,
    ) -> (SimulatedServices, Option<Inconclusive>) {
        let p = project();
        let names = Names::of(&p);
        let targets = Arc::new(Targets::of(&p, &names, &models));
        let mut world = crate::verify::world::from_project_named(&p, &names, 1);
        world.add_table(
            "Audit",
            KeyAttr {
                name: "id".into(),
                attr_type: "S".into(),
            },
            None,
        );
        let mut services = SimulatedServices::new(world);
        let model = names.resolve_model(&invoker());
        let def = json!({"StartAt": "Call", "States": {"Call": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "invoker", "Payload.$": "$"}, "End": true}}});
        let machine = crate::interp::StateMachine::parse(&def).unwrap();
        let mut mock = MockLambdas::new(HashMap::new());
        let inc = {
            let mut be = RunBackend::new(
                &mut services,
                HashMap::from([("Call".to_string(), (&model, true))]),
                &mut mock,
                FaultState::new(None),
            )
            .with_targets(targets, Vec::new(), 0);
            machine.execute(json!({}), &ExecutionContext::default(), &mut be);
            be.inconclusive.take()
        };
        (services, inc)
    }

    #[test]
    fn a_handler_invoking_a_project_function_runs_it_or_says_why_it_cannot() {
        let (services, inc) = run_invoker(HashMap::from([(0, audit_model())]));
        assert_eq!(inc, None);
        let effects = serde_json::to_value(services.diff().effects()).unwrap();
        assert_eq!(effects[0]["key"], json!({"id": {"S": "x"}}), "{effects}");
        let (_, inc) = run_invoker(HashMap::new());
        let reason = inc.expect("inconclusive").reason;
        assert!(
            reason.contains(
                "its handler invokes function AuditFn: function AuditFn has no handler model"
            ),
            "{reason}"
        );
    }
}
