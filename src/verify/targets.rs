//! The project's own Lambda functions and state machines as call targets inside the simulated
//! world: a Task or a handler that invokes one of the project's functions runs that function's
//! handler model; one that starts one of the project's state machines runs a real child execution
//! in the interpreter, against the same world. Both are found by their physical names (the way the
//! templates wire them: `Ref`, `Fn::GetAtt`, `Fn::Sub`, environment variables).

use super::world::Names;
use crate::analysis::model::HandlerModel;
use crate::discover::model::Project;
use crate::interp::StateMachine;
use std::collections::HashMap;

/// One of the project's functions.
#[derive(Debug, Clone)]
pub struct FunctionTarget {
    /// Logical id / function key, for messages.
    pub id: String,
    /// The handler model with its environment resolved, when it can be simulated exactly.
    pub model: Result<HandlerModel, String>,
    /// The function's configured Timeout in seconds, when the IaC sets it.
    pub timeout_s: Option<u64>,
}

/// One of the project's state machines.
pub struct MachineTarget {
    pub name: String,
    /// STANDARD or EXPRESS.
    pub workflow_type: String,
    /// The original definition (names resolved), parsed; or why it cannot run.
    pub machine: Result<StateMachine, String>,
}

/// Everything a call can reach by name.
#[derive(Default)]
pub struct Targets {
    pub functions: HashMap<String, FunctionTarget>,
    pub machines: HashMap<String, MachineTarget>,
}

impl Targets {
    /// The project's functions (with the handler models given by function index) and state
    /// machines, by physical name. Children run their original definitions: the rewrite of a
    /// child is proven on its own.
    pub fn of(project: &Project, names: &Names, models: &HashMap<usize, HandlerModel>) -> Self {
        let mut t = Targets::default();
        for (i, f) in project.functions.iter().enumerate() {
            let model = match models.get(&i) {
                Some(m) if super::lambda_sim::is_simulable(m) => Ok(names.resolve_model(m)),
                Some(_) => Err(format!(
                    "the analysis could not follow every value of function {}'s handler, so it cannot be simulated",
                    f.id
                )),
                None => Err(match &f.handler_note {
                    Some(note) => format!("function {} has no handler model: {note}", f.id),
                    None => format!("function {} has no handler model", f.id),
                }),
            };
            t.functions.insert(
                names.function_name(f),
                FunctionTarget {
                    id: f.id.clone(),
                    model,
                    timeout_s: f.timeout_s,
                },
            );
        }
        for sm in &project.state_machines {
            let def = names.resolve_json(&sm.definition);
            for name in names.state_machine_names(project, sm) {
                t.machines.insert(
                    name,
                    MachineTarget {
                        name: sm.name.clone(),
                        workflow_type: sm.workflow_type.clone(),
                        machine: StateMachine::parse(&def)
                            .map_err(|e| format!("state machine {} does not parse: {e}", sm.name)),
                    },
                );
            }
        }
        t
    }

    /// The project function a FunctionName (name, `name:qualifier`, full or partial ARN) names.
    pub fn function(&self, function_name: &str) -> Option<(&str, &FunctionTarget)> {
        let name = function_of(function_name);
        self.functions
            .get_key_value(name)
            .map(|(k, v)| (k.as_str(), v))
    }

    /// The project state machine a state machine ARN names.
    pub fn machine(&self, arn: &str) -> Option<(&str, &MachineTarget)> {
        if !arn.starts_with("arn:") {
            return None;
        }
        let name = arn.rsplit(':').next()?;
        self.machines
            .get_key_value(name)
            .map(|(k, v)| (k.as_str(), v))
    }
}

/// The function name inside a FunctionName value (Lambda accepts a name, `name:qualifier`, a full
/// ARN or a partial ARN `account:function:name`).
pub fn function_of(function_name: &str) -> &str {
    if let Some(rest) = function_name.strip_prefix("arn:") {
        return rest.split(':').nth(5).unwrap_or("");
    }
    if let Some((_, after)) = function_name.split_once(":function:") {
        return after.split(':').next().unwrap_or("");
    }
    function_name.split(':').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_resolve_from_every_form_lambda_accepts() {
        assert_eq!(function_of("save"), "save");
        assert_eq!(function_of("save:live"), "save");
        assert_eq!(
            function_of("arn:aws:lambda:us-east-1:123456789012:function:save:3"),
            "save"
        );
        assert_eq!(function_of("123456789012:function:save"), "save");
    }
}
