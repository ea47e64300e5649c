//! A Task in a JSONata state machine, composed from the original Task and the handler model:
//! `Arguments` for the request and `Output` (and `Assign`) for what the handler returned, with the
//! states added before or after it (validation, KeyError checks); the expressions themselves come
//! from [`super::jsonata_synth`].

use super::asl_value::Asl;
use super::bindings::CfnRef;
use super::dynamodb;
use super::errors;
use super::integrations::Integration;
use super::synth::{
    callback_resource, camel_case_api, dedup, dropped_metadata_note, integration_notes,
    pascal_case_result, taken_names, taken_with, targets, whole_result_matches, Synthesized,
};
use super::validation;
use crate::analysis::model::{HandlerModel, ValueExpr};
use crate::discover::model::{Project, TaskLink};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};

/// Added states (name, state) and the notes that explain them.
type StatesAndNotes = (Vec<(String, Value)>, Vec<String>);

pub(super) struct SynthJsonata<'a> {
    pub(super) project: &'a Project,
    pub(super) state: &'a Map<String, Value>,
    pub(super) original: Value,
    pub(super) link: &'a TaskLink,
    pub(super) model: &'a HandlerModel,
    pub(super) call: &'a crate::analysis::model::SdkCall,
    pub(super) top: &'a [(String, &'a ValueExpr)],
    pub(super) env: &'a IndexMap<String, Asl>,
    pub(super) env_refs: &'a IndexMap<String, CfnRef>,
    pub(super) integ: Integration,
    pub(super) notes: Vec<String>,
    pub(super) substitutions: Vec<(String, CfnRef)>,
    pub(super) timeout: Option<u64>,
    pub(super) validation: Option<validation::Validation>,
    /// The handler's return value as analysed (before the API fields were selected from it).
    pub(super) original_returns: Option<ValueExpr>,
    /// `.waitForTaskToken`: the result is what the worker sends back.
    pub(super) callback: bool,
}

/// A JSONata Task: Arguments and Output instead of Parameters/ResultSelector/ResultPath.
pub(super) fn synthesize_jsonata(j: SynthJsonata) -> Result<Synthesized, String> {
    let SynthJsonata {
        project,
        state,
        original,
        link,
        model,
        call,
        top,
        env,
        env_refs,
        integ,
        mut notes,
        substitutions,
        timeout,
        validation,
        original_returns,
        callback,
    } = j;
    let whole_result_matches = whole_result_matches(&integ, call.flavor) && !camel_case_api(call);
    let result_case = if !pascal_case_result(&integ) && !camel_case_api(call) {
        super::member_case::ResultCase::AsIs
    } else {
        match crate::rules::Catalogue::builtin().lookup(&call.service, &call.action) {
            Some(r) => super::member_case::ResultCase::Members(r.result_maps),
            None => super::member_case::ResultCase::FirstKey,
        }
    };
    let f = super::jsonata_synth::fields(
        state,
        link.style,
        model,
        top,
        env,
        whole_result_matches,
        call.service == "dynamodb" && dynamodb::needs_marshalling(call.flavor),
        callback,
        result_case,
        &mut notes,
    )?;
    let mut integ = integ;
    if callback {
        integ.resource = callback_resource(&integ)?;
        // JSONata reads the token as $states.context.Task.Token
        // (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
        if !f
            .arguments
            .to_string()
            .contains("$states.context.Task.Token")
        {
            return Err(
                "the handler does not pass the task token on: the callback would never come".into(),
            );
        }
        notes.push(format!(
            "the handler only handed the task token on; {} sends it where the handler put it and waits for SendTaskSuccess/SendTaskFailure as before (TimeoutSeconds and HeartbeatSeconds kept)",
            integ.resource
        ));
    }
    if let Some(note) = original_returns
        .as_ref()
        .and_then(|r| dropped_metadata_note(r, call.flavor))
    {
        notes.push(note);
    }
    let retry = state
        .get("Retry")
        .and_then(|r| errors::rewrite_retry(r, &integ, &mut notes));
    let retry = errors::ensure_sdk_retry(retry, &integ, call.flavor, &call.service, &mut notes);
    let catch = state
        .get("Catch")
        .map(|c| errors::rewrite_catch(c, &integ, &Value::Null, &mut notes));
    if state.get("Catch").is_some() {
        notes.push("the Catch's $states.errorOutput.Cause is now the integration's error message, not the Lambda runtime's error JSON".into());
    }
    let mut new = Map::new();
    for (key, value) in state {
        match key.as_str() {
            "Resource" => {
                new.insert(key.clone(), Value::String(integ.resource.clone()));
                if !state.contains_key("Arguments") {
                    new.insert("Arguments".into(), f.arguments.clone());
                }
            }
            "Arguments" => {
                new.insert(key.clone(), f.arguments.clone());
            }
            "Output" => {
                if let Some(o) = &f.output {
                    new.insert(key.clone(), o.clone());
                }
            }
            "Assign" => {
                if let Some(a) = &f.assign {
                    new.insert(key.clone(), a.clone());
                }
            }
            "Retry" => {
                if let Some(r) = &retry {
                    new.insert(key.clone(), r.clone());
                }
            }
            "Catch" => {
                if let Some(Some(c)) = &catch {
                    new.insert(key.clone(), c.clone());
                }
            }
            _ => {
                new.insert(key.clone(), value.clone());
            }
        }
    }
    // Fields the original did not have go before Next/End.
    let mut extra = Vec::new();
    if let (Some(o), false) = (&f.output, state.contains_key("Output")) {
        extra.push(("Output".to_string(), o.clone()));
    }
    if let (Some(r), false) = (&retry, state.contains_key("Retry")) {
        extra.push(("Retry".to_string(), r.clone()));
    }
    if !extra.is_empty() {
        let mut ordered = Map::new();
        let mut pending = Some(extra);
        for (k, v) in std::mem::take(&mut new) {
            if matches!(k.as_str(), "Retry" | "Catch" | "Next" | "End") {
                for (ek, ev) in pending.take().into_iter().flatten() {
                    if !ordered.contains_key(&ek) {
                        ordered.insert(ek, ev);
                    }
                }
            }
            ordered.insert(k, v);
        }
        for (ek, ev) in pending.take().into_iter().flatten() {
            ordered.insert(ek, ev);
        }
        new = ordered;
    }
    if let Some(t) = timeout {
        if !state.contains_key("TimeoutSeconds") {
            notes.push(format!(
                "the function's {t} s timeout no longer bounds the call; the Task has no TimeoutSeconds"
            ));
        }
    }
    notes.extend(integration_notes(&integ, call.flavor));
    let targets = targets(project, call, &integ, top, env_refs, &mut notes);
    let mut added_states = validation
        .as_ref()
        .map(|v| v.states.clone())
        .unwrap_or_default();
    // Python's `return response["Item"]` raises KeyError when GetItem finds nothing.
    if let (
        crate::analysis::model::Language::Python,
        Some(ValueExpr::SdkResult { call: 0, path }),
        false,
    ) = (model.language, &model.returns, callback)
    {
        let dynamodb_plain = call.service == "dynamodb" && dynamodb::needs_marshalling(call.flavor);
        if dynamodb_plain
            && path.first() == Some(&crate::analysis::model::PathSeg::Field("Item".into()))
        {
            let taken = taken_with(&taken_names(project, link), validation.as_ref());
            let (states, more) = key_error_states(
                &link.state,
                state,
                &mut new,
                &taken,
                &project.state_machines[link.state_machine].raw_definition,
            )?;
            added_states.extend(states);
            notes.extend(more);
        }
    }
    dedup(&mut notes);
    Ok(Synthesized {
        original,
        rewritten: Value::Object(new),
        notes,
        integration: integ,
        targets,
        substitutions,
        added_states,
        entry: validation.map(|v| v.entry),
    })
}

/// A JSONata Task whose Python handler returned `response["Item"]`: the Task assigns whether
/// the result has an Item (Assign is evaluated on the task result, as Output is:
/// https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html), and a Choice
/// after it fails with the handler's KeyError when it has none.
fn key_error_states(
    task_name: &str,
    state: &Map<String, Value>,
    new: &mut Map<String, Value>,
    taken: &[String],
    definition: &Value,
) -> Result<StatesAndNotes, String> {
    use super::after_task;
    if after_task::catcher_for(state, "KeyError").is_some() {
        return Err("the Task's Catch takes the handler's KeyError when GetItem finds nothing; JSONata catchers are not rewritten into added states yet".into());
    }
    // A variable name the definition does not use yet.
    let text = definition.to_string();
    let mut var = "itemFound".to_string();
    let mut n = 2;
    while text.contains(&format!("${var}")) {
        var = format!("itemFound{n}");
        n += 1;
    }
    let mut names = after_task::Names::new(taken);
    let check = names.fresh(format!("{task_name} found an item?"));
    let fail = names.fresh(format!("{task_name} KeyError"));
    // Assign goes before the transition, where the fields the original had not go.
    let mut assigned = Map::new();
    for (k, v) in std::mem::take(new) {
        if matches!(k.as_str(), "Next" | "End") && !assigned.contains_key("Assign") {
            assigned.insert(
                "Assign".into(),
                json!({ var.clone(): "{% $exists($states.result.Item) %}" }),
            );
        }
        assigned.insert(k, v);
    }
    *new = assigned;
    let old = after_task::take_transition(new, &check);
    let mut states = Vec::new();
    let default = match old.get("Next").and_then(Value::as_str) {
        Some(next) => next.to_string(),
        None => {
            let done = names.fresh(format!("{task_name} done"));
            states.push((done.clone(), json!({"Type": "Succeed"})));
            done
        }
    };
    let mut choice = Map::new();
    choice.insert("Type".into(), json!("Choice"));
    if definition.get("QueryLanguage").and_then(Value::as_str) != Some("JSONata") {
        choice.insert("QueryLanguage".into(), json!("JSONata"));
    }
    choice.insert(
        "Choices".into(),
        json!([{ "Condition": format!("{{% $not(${var}) %}}"), "Next": fail }]),
    );
    choice.insert("Default".into(), json!(default));
    states.insert(0, (check.clone(), Value::Object(choice)));
    states.insert(
        1,
        (
            fail.clone(),
            json!({"Type": "Fail", "Error": "KeyError", "Cause": "'Item'"}),
        ),
    );
    Ok((
        states,
        vec![format!(
            "the handler's response[\"Item\"] raised KeyError when GetItem found nothing: the Task assigns ${var} (whether the result has an Item) and {check} fails with KeyError when it has none (the Cause is the message, not the Lambda runtime's error JSON)"
        )],
    ))
}
