//! `verify --remote`: each rewritten Task state run by Step Functions' TestState API and by the
//! local interpreter, on the same state input and the same mocked service result, and compared.
//!
//! The cases come from local runs of the rewritten machine on the verification inputs: for each
//! rewritten Task reached, the state's input and what the simulated service answered (result or
//! error). That answer is sent as TestState's `mock`, so Step Functions calls no service: nothing
//! in the account changes, and no execution role is needed (`roleArn` is optional with a mock;
//! https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html,
//! https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html).
//! Compared: status, next state, output, error and cause, and the effective parameters
//! (`inspectionData.afterParameters` / `afterArguments` at DEBUG level) against what the local
//! interpreter sent to its simulated service.

use super::client::explain;
use super::history::{self, Encoding, Recorded};
use super::replay::{diff_values, Difference};
use crate::discover::model::Project;
use crate::interp::test_state::run_request;
use crate::interp::StateMachine;
use crate::rewrite::RewritePlan;
use crate::verify::inputs::Input;
use crate::verify::{lambda_sim, VerifyOptions};
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{InspectionLevel, MockErrorOutput, MockInput, MockResponseValidationMode};
use aws_sdk_sfn::Client;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt::Write as _;

/// At most this many distinct (input, mock) cases per rewritten Task: each is one API call.
pub const MAX_CASES_PER_TASK: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseVerdict {
    Same,
    Differs,
    /// TestState refused the request (ValidationException, InvalidDefinition): the message says why.
    Rejected,
}

#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub state_machine: String,
    pub state: String,
    /// The verification input whose run reached the state.
    pub input: String,
    pub state_input: Value,
    pub mock: Value,
    pub verdict: CaseVerdict,
    pub differences: Vec<Difference>,
    pub aws: Value,
    pub local: Value,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RemoteTestReport {
    pub cases: Vec<Case>,
}

impl RemoteTestReport {
    pub fn has_differences(&self) -> bool {
        self.cases.iter().any(|c| c.verdict != CaseVerdict::Same)
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        if self.cases.is_empty() {
            return "TestState: no verification input reaches a rewritten Task state; nothing was sent\n"
                .to_string();
        }
        let same = self
            .cases
            .iter()
            .filter(|c| c.verdict == CaseVerdict::Same)
            .count();
        let _ = writeln!(
            s,
            "TestState (mocked service results, no execution role, nothing called): {same}/{} case(s) agree with the local interpreter",
            self.cases.len()
        );
        for c in self.cases.iter().filter(|c| c.verdict != CaseVerdict::Same) {
            let _ = writeln!(
                s,
                "  {} / {} on {}: {}",
                c.state_machine,
                c.state,
                c.input,
                match c.verdict {
                    CaseVerdict::Rejected => "TestState rejected the request",
                    _ => "differs",
                }
            );
            for d in &c.differences {
                let _ = writeln!(
                    s,
                    "    {}: Step Functions {}, lambdaless {}",
                    d.at, d.recorded, d.predicted
                );
            }
        }
        s
    }
}

/// A case before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub machine: usize,
    pub state: String,
    pub input: String,
    pub state_input: Value,
    /// TestState's `mock` member, in the API's JSON shape.
    pub mock: Value,
    /// The parameters the local interpreter sent to the service.
    pub local_parameters: Value,
}

/// Runs the rewritten machines locally on `inputs` and collects, for each rewritten Task reached,
/// its input and the simulated service's answer (distinct cases, at most [`MAX_CASES_PER_TASK`]).
pub fn plan_cases(
    project: &Project,
    plan: &RewritePlan,
    opts: &VerifyOptions,
    inputs: &[(Option<usize>, Input)],
) -> Vec<Planned> {
    let models: HashMap<String, (&crate::analysis::model::HandlerModel, bool)> = opts
        .simulate
        .iter()
        .map(|(state, m)| (state.clone(), (m, lambda_sim::is_simulable(m))))
        .collect();
    let mut out: Vec<Planned> = Vec::new();
    for (index, definition) in &plan.definitions {
        let Ok(machine) = StateMachine::parse(definition) else {
            continue;
        };
        let rewritten: Vec<&str> = plan
            .tasks
            .iter()
            .filter(|t| t.state_machine == *index)
            .map(|t| t.state.as_str())
            .collect();
        for (only, input) in inputs {
            if only.is_some_and(|i| i != *index) {
                continue;
            }
            let run = crate::verify::run_once(
                project,
                &machine,
                &input.value,
                &models,
                None,
                &opts.context,
                &opts.lambda_mocks,
            );
            for inv in history::task_invocations(&run.history, Encoding::Values) {
                if !rewritten.contains(&inv.state.as_str()) {
                    continue;
                }
                let mock = match &inv.recorded {
                    Recorded::Succeeded(v) => json!({"result": v.to_string()}),
                    // States.Runtime is Step Functions failing the state before any service
                    // answers (parameters it cannot send): there is no answer to mock.
                    Recorded::Failed { error, .. } if error == "States.Runtime" => continue,
                    Recorded::Failed { error, cause } => {
                        json!({"errorOutput": {"error": error, "cause": cause}})
                    }
                    Recorded::Truncated => continue,
                };
                let Some(state_input) = inv.state_input.clone() else {
                    continue;
                };
                let seen = out
                    .iter()
                    .filter(|c| c.machine == *index && c.state == inv.state);
                if seen.clone().count() >= MAX_CASES_PER_TASK
                    || seen
                        .clone()
                        .any(|c| c.state_input == state_input && c.mock == mock)
                {
                    continue;
                }
                out.push(Planned {
                    machine: *index,
                    state: inv.state.clone(),
                    input: input.name.clone(),
                    state_input,
                    mock,
                    local_parameters: inv.request.clone(),
                });
            }
        }
    }
    out
}

/// The TestState request for a case (also what the local interpreter is given).
fn request(definition: &Value, case: &Planned) -> Value {
    json!({
        "definition": definition.to_string(),
        "stateName": case.state,
        "input": case.state_input.to_string(),
        "inspectionLevel": "DEBUG",
        "mock": {
            "result": case.mock.get("result"),
            "errorOutput": case.mock.get("errorOutput"),
            "fieldValidationMode": "NONE"
        }
    })
}

fn parse_text(v: Option<&str>) -> Value {
    match v {
        None => Value::Null,
        Some(s) => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
    }
}

/// Sends every case to TestState and compares each answer with the local one.
pub async fn run_cases(
    client: &Client,
    project: &Project,
    plan: &RewritePlan,
    cases: &[Planned],
    skip_host_prefix: bool,
) -> anyhow::Result<RemoteTestReport> {
    let mut report = RemoteTestReport::default();
    for case in cases {
        let Some((_, definition)) = plan.definitions.iter().find(|(i, _)| *i == case.machine)
        else {
            continue;
        };
        let req = request(definition, case);
        let local = run_request(definition, &case.state_input, Some(&case.state), &req).to_json();
        let mock = match case.mock.get("result").and_then(Value::as_str) {
            Some(r) => MockInput::builder().result(r),
            None => {
                let e = &case.mock["errorOutput"];
                MockInput::builder().error_output(
                    MockErrorOutput::builder()
                        .set_error(e["error"].as_str().map(str::to_string))
                        .set_cause(e["cause"].as_str().map(str::to_string))
                        .build(),
                )
            }
        }
        // NONE: the mock is compared, not validated (the simulated services own result shapes).
        .field_validation_mode(MockResponseValidationMode::None)
        .build();
        let call = client
            .test_state()
            .definition(definition.to_string())
            .state_name(&case.state)
            .input(case.state_input.to_string())
            .inspection_level(InspectionLevel::Debug)
            .mock(mock);
        // TestState is served on the `sync-states` host: the SDK prefixes the endpoint.
        let sent = if skip_host_prefix {
            call.customize()
                .interceptor(super::client::NoHostPrefix)
                .send()
                .await
        } else {
            call.send().await
        };
        let machine = project
            .state_machines
            .get(case.machine)
            .map(|m| m.name.clone())
            .unwrap_or_default();
        let (aws, verdict, differences) = match sent {
            Ok(out) => {
                let inspection = out.inspection_data();
                let aws = json!({
                    "status": out.status().map(|s| s.as_str()),
                    "output": parse_text(out.output()),
                    "error": out.error(),
                    "cause": out.cause(),
                    "nextState": out.next_state(),
                    "parameters": parse_text(inspection.and_then(|i| i.after_parameters().or(i.after_arguments()))),
                });
                let d = differences(&aws, &local, &case.local_parameters);
                let v = if d.is_empty() {
                    CaseVerdict::Same
                } else {
                    CaseVerdict::Differs
                };
                (aws, v, d)
            }
            Err(e) if is_rejection(e.code()) => {
                let aws = json!({"error": e.code(), "message": e.message()});
                (aws, CaseVerdict::Rejected, Vec::new())
            }
            Err(e) => return Err(explain(e, "states:TestState")),
        };
        report.cases.push(Case {
            state_machine: machine,
            state: case.state.clone(),
            input: case.input.clone(),
            state_input: case.state_input.clone(),
            mock: case.mock.clone(),
            verdict,
            differences,
            aws,
            local,
        });
    }
    Ok(report)
}

/// TestState's answers about the request itself (API_TestState.html, Errors).
fn is_rejection(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("ValidationException" | "InvalidDefinition" | "InvalidExecutionInput" | "InvalidArn")
    )
}

/// What differs between Step Functions' answer and the local one.
fn differences(aws: &Value, local: &Value, local_parameters: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    for key in ["status", "nextState", "error", "cause"] {
        let a = aws.get(key).cloned().unwrap_or(Value::Null);
        let l = local.get(key).cloned().unwrap_or(Value::Null);
        if a != l {
            out.push(Difference {
                at: key.into(),
                recorded: a,
                predicted: l,
            });
        }
    }
    let a = aws.get("output").cloned().unwrap_or(Value::Null);
    let l = local.get("output").cloned().unwrap_or(Value::Null);
    diff_values("output", &a, &l, &l, &mut out);
    // The effective parameters, when Step Functions reports them.
    if let Some(p) = aws.get("parameters").filter(|p| !p.is_null()) {
        diff_values(
            "parameters",
            p,
            local_parameters,
            local_parameters,
            &mut out,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_come_from_local_runs_of_the_rewritten_machine() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/order-service");
        let planned = crate::rewrite::pipeline::plan_path(&root, &Default::default()).unwrap();
        let mut opts = VerifyOptions::default();
        crate::verify::add_unrewritten_models(
            &planned.project,
            &planned.plan,
            &planned.models,
            &mut opts,
        );
        let input = Input {
            name: "sample".into(),
            value: json!({"orderId": "o-1", "customer": {"id": "c-1", "email": "a@b.c"},
                          "items": [{"sku": "s", "price": 2, "quantity": 3}]}),
            in_domain: true,
        };
        let cases = plan_cases(
            &planned.project,
            &planned.plan,
            &opts,
            &[(None, input.clone())],
        );
        let states: Vec<&str> = cases.iter().map(|c| c.state.as_str()).collect();
        assert_eq!(
            states,
            [
                "SaveOrder",
                "NotifyWarehouse",
                "NotifyCustomer",
                "EmitOrderPlaced"
            ]
        );
        let warehouse = &cases[1];
        // The SQS answer the simulated service gave becomes the mock; the parameters are what
        // the local run sent.
        let result: Value =
            serde_json::from_str(warehouse.mock["result"].as_str().unwrap()).unwrap();
        assert!(result["MessageId"].is_string(), "{result}");
        assert!(warehouse.local_parameters["MessageBody"].is_string());
        assert_eq!(warehouse.state_input["orderId"], "o-1");
        // The same input twice gives no new case.
        let again = plan_cases(
            &planned.project,
            &planned.plan,
            &opts,
            &[(None, input.clone()), (None, input)],
        );
        assert_eq!(again.len(), cases.len());
        // The local answer to the same request agrees with itself through `differences`.
        let def = &planned.plan.definitions[0].1;
        let local = run_request(
            def,
            &warehouse.state_input,
            Some("NotifyWarehouse"),
            &request(def, warehouse),
        )
        .to_json();
        assert_eq!(local["status"], "SUCCEEDED");
        let mut aws = local.clone();
        aws["parameters"] = warehouse.local_parameters.clone();
        assert!(differences(&aws, &local, &warehouse.local_parameters).is_empty());
        aws["parameters"]["MessageBody"] = json!("{}");
        assert_eq!(
            differences(&aws, &local, &warehouse.local_parameters)[0].at,
            "parameters.MessageBody"
        );
    }

    #[test]
    fn a_failed_service_call_is_sent_as_an_error_output_mock() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/order-service");
        let planned = crate::rewrite::pipeline::plan_path(&root, &Default::default()).unwrap();
        let def = &planned.plan.definitions[0].1;
        let case = Planned {
            machine: 0,
            state: "NotifyWarehouse".into(),
            input: "sample".into(),
            state_input: json!({"orderId": "o-1"}),
            mock: json!({"errorOutput": {"error": "SQS.QueueDoesNotExistException",
                                         "cause": "The specified queue does not exist."}}),
            local_parameters: json!({}),
        };
        // The request carries the error and no result (TestState takes one or the other).
        let req = request(def, &case);
        assert!(req["mock"]["result"].is_null(), "{req}");
        assert_eq!(
            req["mock"]["errorOutput"]["error"],
            "SQS.QueueDoesNotExistException"
        );
        // Locally the mocked error fails the state (NotifyWarehouse has no Catch for it).
        let local = run_request(def, &case.state_input, Some("NotifyWarehouse"), &req).to_json();
        assert_eq!(local["status"], "FAILED", "{local}");
        assert_eq!(local["error"], "SQS.QueueDoesNotExistException");
        assert_eq!(local["cause"], "The specified queue does not exist.");
        // Step Functions' same answer agrees; a different error name does not.
        let mut aws = local.clone();
        assert!(differences(&aws, &local, &json!({})).is_empty());
        aws["error"] = json!("SQS.SdkClientException");
        assert_eq!(differences(&aws, &local, &json!({}))[0].at, "error");
    }
}
