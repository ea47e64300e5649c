//! Composes one new Task state from the original Task and the handler model.

use super::asl_value::Asl;
use super::bindings::{self, CfnRef};
use super::dynamodb::{self, TypeEvidence};
use super::errors;
use super::expr::{ExprCtx, ResultAccess};
use super::integrations::{self, Integration};
use super::jsonata_task::{synthesize_jsonata, SynthJsonata};
use super::results::{self, Field};
use super::validation;
use crate::analysis::model::{HandlerModel, ObjectEntry, SdkCall, SdkFlavor, ValueExpr};
use crate::discover::model::{InvocationStyle, Project, TaskLink};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};

/// Everything one rewritten Task brings with it.
#[derive(Debug, Clone)]
pub struct Synthesized {
    pub original: Value,
    pub rewritten: Value,
    pub notes: Vec<String>,
    pub integration: Integration,
    /// Resources the call targets, with the IAM action on each.
    pub targets: Vec<Target>,
    /// New DefinitionSubstitutions entries the state needs (name → reference).
    pub substitutions: Vec<(String, CfnRef)>,
    /// States added next to the Task, and the one transitions into the Task now go to.
    pub added_states: Vec<(String, Value)>,
    pub entry: Option<String>,
}

/// A resource the new Task calls, for IAM.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub action: String,
    /// The resource ARN in CloudFormation form (`{"Fn::GetAtt": ["OrdersTable", "Arn"]}`) or a
    /// literal ARN (pattern) when the target is not a template resource.
    pub arn: Value,
    /// The template resource, when known (for SAM policy templates).
    pub logical_id: Option<String>,
}

/// Inputs shared by all Tasks of a plan.
pub struct SynthInputs<'a> {
    pub project: &'a Project,
    /// Sample execution inputs, parsed.
    pub samples: &'a [Value],
    /// Substitutions the state machine already has plus those added by earlier Tasks.
    pub existing: &'a IndexMap<String, Value>,
    pub added: &'a IndexMap<String, Value>,
    /// Every analysed handler (function index, model): other writes to the same table.
    pub models: &'a [(usize, HandlerModel)],
}

pub fn synthesize(
    inputs: &SynthInputs,
    link: &TaskLink,
    model: &HandlerModel,
) -> Result<Synthesized, String> {
    let project = inputs.project;
    let sm = project
        .state_machines
        .get(link.state_machine)
        .ok_or("the link names no state machine")?;
    let function = link
        .function
        .and_then(|i| project.functions.get(i))
        .ok_or("the Task's function did not resolve")?;
    let original = sm
        .raw_definition
        .pointer(&link.pointer)
        .cloned()
        .ok_or_else(|| format!("no state at {}", link.pointer))?;
    let state = original.as_object().ok_or("the state is not an object")?;

    let jsonata = is_jsonata(&sm.raw_definition, state);
    let callback = link.style == InvocationStyle::OptimizedInvokeCallback;
    if state.contains_key("Assign") {
        return Err(
            "the Task assigns variables from its result (Assign is not rewritten yet)".into(),
        );
    }
    if !model.verdict.is_replaceable() {
        return Err(format!("the handler is {}", model.verdict.as_str()));
    }
    let [call] = model.calls.as_slice() else {
        return Err(format!(
            "the handler makes {} SDK calls, not one",
            model.calls.len()
        ));
    };
    let original_returns = model.returns.clone();
    let event = if jsonata {
        // Only validation reads it below; JSONata Tasks are composed by jsonata_synth.
        Asl::Dynamic("$".into())
    } else {
        event_view(state, link.style)?
    };
    let mut notes = Vec::new();

    // Validation throws become a Choice in front of the Task.
    let deliberate: Vec<&crate::analysis::model::Throw> = model
        .throws
        .iter()
        .filter(|t| errors::deliberate_throws(model).contains(&t.error))
        .collect();
    let taken: Vec<String> = link
        .pointer
        .rsplit_once('/')
        .and_then(|(states, _)| sm.raw_definition.pointer(states))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut validation = if deliberate.is_empty() {
        None
    } else if jsonata {
        let mut conditions = Vec::new();
        for t in &deliberate {
            let cond = t
                .condition
                .as_ref()
                .ok_or_else(|| format!("the handler always throws {}", t.error))?;
            let c = super::jsonata_synth::throw_condition(state, link.style, cond, model.language)
                .map_err(|e| format!("the handler throws on purpose: {e}"))?;
            conditions.push((*t, c));
        }
        let machine_jsonata = sm
            .raw_definition
            .get("QueryLanguage")
            .and_then(Value::as_str)
            == Some("JSONata");
        let v = validation::jsonata_states_for(
            &link.state,
            state,
            &conditions,
            &taken,
            machine_jsonata,
        )
        .map_err(|e| format!("the handler throws on purpose: {e}"))?;
        notes.extend(v.notes.iter().cloned());
        Some(v)
    } else {
        let v = validation::states_for(
            &link.state,
            state,
            &event,
            &deliberate,
            model.language,
            &taken,
        )
        .map_err(|e| format!("the handler throws on purpose: {e}"))?;
        notes.extend(v.notes.iter().cloned());
        Some(v)
    };

    // Environment variables → how the new definition writes them, in the vocabulary of the file
    // that holds it (DefinitionSubstitutions, Fn::Sub variables, intrinsics, Terraform expressions
    // or templatefile variables; literals only in a standalone ASL file).
    let style = super::refer::style(sm);
    let mut env = IndexMap::new();
    let mut env_refs: IndexMap<String, CfnRef> = IndexMap::new();
    let mut substitutions: Vec<(String, CfnRef)> = Vec::new();
    let mut added_here = inputs.added.clone();
    for name in env_names(&call.params) {
        // `environment_source` is the IaC expression (`{"Ref": "OrdersTable"}`), `environment`
        // what discovery resolved it to.
        let source = function
            .environment_source
            .get(&name)
            .or_else(|| function.environment.get(&name));
        let reference = match source {
            Some(v) => super::refer::normalize(CfnRef::parse(v), project),
            None => match find_env_value(&call.params, &name) {
                Some(v) => CfnRef::Literal(v),
                None => {
                    return Err(format!(
                        "environment variable {name} is not set in the function's Environment"
                    ))
                }
            },
        };
        let asl =
            match super::refer::write(style, &reference, project, inputs.existing, &added_here) {
                Some((value, new_sub)) => {
                    if let Some((sub, r)) = new_sub {
                        added_here.insert(sub.clone(), r.to_json());
                        substitutions.push((sub, r));
                    }
                    Asl::Literal(value)
                }
                None => {
                    return Err(format!(
                    "environment variable {name} is {}, which this definition file cannot refer to",
                    reference.to_json()
                ))
                }
            };
        env.insert(name.clone(), asl);
        env_refs.insert(name, reference);
    }

    // Request parameters.
    let params = nested_member_names(call);
    let ValueExpr::Object { entries } = params.as_ref() else {
        return Err("the SDK call's parameters are not an object literal".into());
    };
    // A camelCase native API (Step Functions, ECS, ...): its response keys are camelCase too, while
    // the integration answers in PascalCase (aws-facts §1.3), so the whole response never matches.
    let camel_case_api = camel_case_api(call);
    let rule = crate::rules::Catalogue::builtin().lookup(&call.service, &call.action);
    let mut owned_top: Vec<(String, ValueExpr)> = Vec::new();
    for e in entries {
        match e {
            ObjectEntry::Field { key, value } => {
                owned_top.push((integration_param_name(call, key), value.clone()))
            }
            ObjectEntry::Spread { .. } => {
                return Err("the SDK call's parameters spread a value built at run time".into())
            }
        }
    }
    if camel_case_api && rule.is_none() && owned_top.iter().any(|(_, v)| has_nested_members(v)) {
        notes.push(format!(
            "{} is not in the rules catalogue: nested member names are kept as the handler wrote them (which are maps is not known); Step Functions expects PascalCase members",
            call.id()
        ));
    }
    let top: Vec<(String, &ValueExpr)> = owned_top.iter().map(|(k, v)| (k.clone(), v)).collect();
    let result_maps: Option<Vec<String>> = rule.map(|r| r.result_maps);
    let names: Vec<String> = top.iter().map(|(k, _)| k.clone()).collect();
    let mut integ = integrations::for_call(call, &names)?;
    if integ.resource.ends_with(":::events:putEvents")
        && !is_discarded(state)
        && reads_failed_entries(model)
    {
        if let Some(i) = integrations::aws_sdk_for_call(call) {
            notes.push(format!(
                "the handler reads FailedEntryCount/Entries, which {} turns into an EventBridge.FailedEntry failure (aws-facts §8.4); {} returns them as the SDK did",
                integ.resource, i.resource
            ));
            integ = i;
        }
    }
    // Only what the handler's SDK retried on its own gets a Retry.
    integ
        .transient_errors
        .retain(|name| errors::sdk_retried(call.flavor, name));
    if let Some(why) = &integ.fallback_reason {
        notes.push(why.clone());
    }
    // `return response` where the integration adds its own metadata: select the API fields.
    let selected_model;
    let model = match &model.returns {
        Some(ValueExpr::SdkResult { call: 0, path })
            if path.is_empty()
                && integ.result_has_metadata
                && !is_discarded(state)
                && !callback =>
        {
            let fifo = target_is_fifo(project, call, &top, &env_refs);
            let fields =
                super::api_fields::response_fields(&call.service, &call.action, &top, fifo)
                    .map_err(|e| {
                        format!("returns the whole SDK response, which {} wraps in SdkHttpMetadata/SdkResponseMetadata; its API fields cannot be selected: {e}", integ.resource)
                    })?;
            notes.push(format!(
                "the handler returned the whole {} response: the new result selects its API fields ({}) and leaves out the SdkHttpMetadata and SdkResponseMetadata the integration adds",
                call.action,
                if fields.is_empty() { "none for this request".to_string() } else { fields.join(", ") }
            ));
            selected_model = HandlerModel {
                returns: Some(super::api_fields::selected(&fields)),
                ..model.clone()
            };
            &selected_model
        }
        _ => model,
    };
    if jsonata {
        return synthesize_jsonata(SynthJsonata {
            project,
            state,
            original: original.clone(),
            link,
            model,
            call,
            top: &top,
            env: &env,
            env_refs: &env_refs,
            integ,
            notes,
            substitutions,
            timeout: function.timeout_s,
            validation,
            original_returns,
            callback,
        });
    }
    // Defaults the handler applied to event fields: a Choice and a Pass per field before the Task
    // put them into the input; the parameters then read the fields plainly.
    let mut defaults: Vec<(String, Value, crate::analysis::model::DefaultWhen)> = Vec::new();
    let mut lifted: Vec<(String, ValueExpr)> =
        top.iter().map(|(k, v)| (k.clone(), (*v).clone())).collect();
    for (_, v) in lifted.iter_mut() {
        lift_defaults(v, &event, &mut defaults);
    }
    if !defaults.is_empty() {
        if validation.is_some() {
            return Err(
                "the handler both validates and defaults its input (not combined yet)".into(),
            );
        }
        // A read of the defaulted field itself or of an object holding it, elsewhere in the
        // request or in the return value, would see the default the Pass wrote.
        let mut plain_reads = Vec::new();
        for (_, v) in &top {
            event_reads_outside_defaults(v, &mut plain_reads);
        }
        if let Some(r) = &model.returns {
            event_reads_outside_defaults(r, &mut plain_reads);
        }
        for path in plain_reads {
            if let Ok(Asl::Dynamic(p)) = event.select(&path) {
                if let Some((d, _, _)) = defaults.iter().find(|(d, _, _)| {
                    *d == p
                        || p == "$"
                        || d.starts_with(&format!("{p}."))
                        || d.starts_with(&format!("{p}["))
                }) {
                    return Err(format!(
                        "uses a default for a value known only at run time, and also reads {p}, where the default written into the input for {d} would show"
                    ));
                }
            }
        }
        let v = validation::default_states(&link.state, state, &defaults, model.language, &taken)
            .map_err(|e| format!("uses a default for a value known only at run time: {e}"))?;
        notes.extend(v.notes.iter().cloned());
        validation = Some(v);
    }
    let top: Vec<(String, &ValueExpr)> = lifted.iter().map(|(k, v)| (k.clone(), v)).collect();
    let mut ctx = ExprCtx {
        event: Some(&event),
        env: &env,
        result: None,
        result_root: None,
        result_maps: None,
        notes: Vec::new(),
    };
    let mut params: Vec<(String, Asl)> = Vec::new();
    for (key, value) in &top {
        let asl = convert_tree(&mut ctx, value, key, &integ).map_err(|e| format!("{key}: {e}"))?;
        params.push((key.clone(), asl));
    }
    notes.append(&mut ctx.notes);

    let table = top
        .iter()
        .find(|(k, _)| k == "TableName")
        .and_then(|(_, v)| env_of(v))
        .and_then(|n| env_refs.get(&n))
        .and_then(|r| resource_id(project, r));
    let table_keys = table
        .as_deref()
        .map(|t| key_types(project, t))
        .unwrap_or_default();
    if call.service == "dynamodb" && dynamodb::needs_marshalling(call.flavor) {
        let evidence = TypeEvidence {
            key_types: table_keys.clone(),
            samples: inputs.samples,
            table: table.clone(),
        };
        for (key, value) in params.iter_mut() {
            if dynamodb::ITEM_PARAMS.contains(&key.as_str()) {
                *value = dynamodb::marshal_map(value, key, &evidence, &mut notes)?;
            }
        }
        notes.push(format!(
            "{}: plain values marshalled into DynamoDB AttributeValues, as {} did client-side",
            call.id(),
            match call.flavor {
                SdkFlavor::Boto3Resource => "boto3's Table resource",
                _ => "lib-dynamodb",
            }
        ));
    }
    let parameters = Asl::Object(params).to_template()?;
    if callback {
        integ.resource = callback_resource(&integ)?;
        if !parameters.to_string().contains("$$.Task.Token") {
            return Err(
                "the handler does not pass the task token on: the callback would never come".into(),
            );
        }
        notes.push(format!(
            "the handler only handed the task token on; {} sends it where the handler put it and waits for SendTaskSuccess/SendTaskFailure as before (TimeoutSeconds and HeartbeatSeconds kept)",
            integ.resource
        ));
    }

    // Result.
    let access = ResultAccess {
        whole_result_matches: whole_result_matches(&integ, call.flavor) && !camel_case_api,
        typed_items: dynamodb::needs_marshalling(call.flavor),
        // A camelCase API's result comes back PascalCase from every integration (the optimized
        // states:startExecution too, aws-facts §1.3).
        pascal_case_keys: pascal_case_result(&integ) || camel_case_api,
    };
    let payload = match &model.returns {
        None => Ok(Asl::Literal(Value::Null)),
        Some(expr) => {
            let mut rctx = ExprCtx {
                event: None,
                env: &env,
                result: Some(access),
                result_root: None,
                result_maps: result_maps.clone(),
                notes: Vec::new(),
            };
            let r = rctx.convert(expr, false);
            if r.is_ok() && !is_discarded(state) {
                notes.append(&mut rctx.notes);
                if let Some(note) = original_returns
                    .as_ref()
                    .and_then(|r| dropped_metadata_note(r, call.flavor))
                {
                    notes.push(note);
                }
            }
            r
        }
    };
    if model.returns.is_none() && !is_discarded(state) && !callback {
        notes.push("the handler returns nothing: the Lambda's Payload was null".into());
    }
    let passthrough = match &model.returns {
        Some(ValueExpr::Event { path }) if !is_discarded(state) => match event.select(path) {
            Ok(Asl::Dynamic(p)) => results::passthrough(state, link.style, &p),
            _ => None,
        },
        _ => None,
    };
    // States after the Task where no field of it computes the return value: unmarshalling a
    // GetItem result (with its miss), a return value that reads the event.
    let after = match &model.returns {
        Some(expr) if !callback && !is_discarded(state) && passthrough.is_none() => {
            let taken = taken_with(&taken, validation.as_ref());
            if access.typed_items && reads_typed_items(expr) {
                let written = table.as_deref().and_then(|t| {
                    super::table_writes::attributes_written(
                        project,
                        inputs.models,
                        t,
                        inputs.samples,
                    )
                });
                Some(unmarshal_after(
                    &link.state,
                    state,
                    link.style,
                    expr,
                    &table_keys,
                    written.as_ref(),
                    table.as_deref(),
                    model.language,
                    &taken,
                )?)
            } else if payload.is_err() && reads_event(expr) {
                Some(event_after(
                    &link.state,
                    state,
                    link.style,
                    &event,
                    expr,
                    &env,
                    access,
                    result_maps.clone(),
                    &taken,
                )?)
            } else {
                None
            }
        }
        _ => None,
    };
    let mut result = match (&after, passthrough) {
        // A callback Task's result is what SendTaskSuccess sends, in both versions.
        _ if callback => results::ResultFields {
            result_selector: Field::Keep,
            result_path: Field::Keep,
            output_path: Field::Keep,
            notes: vec![],
        },
        (Some(a), _) => results::ResultFields {
            result_selector: Field::Remove,
            result_path: match &a.task_result_path {
                Some(p) => Field::Set(p.clone()),
                None => Field::Keep,
            },
            output_path: Field::Remove,
            notes: a.notes.clone(),
        },
        (None, Some(r)) => r,
        (None, None) => results::compose(state, link.style, payload)?,
    };
    notes.append(&mut result.notes);

    // Errors.
    let retry = state
        .get("Retry")
        .and_then(|r| errors::rewrite_retry(r, &integ, &mut notes));
    let retry = errors::ensure_sdk_retry(retry, &integ, call.flavor, &call.service, &mut notes);
    let catch = state
        .get("Catch")
        .map(|c| errors::rewrite_catch(c, &integ, &sm.raw_definition, &mut notes));

    // Assemble, keeping the original key order.
    let mut new = Map::new();
    let mut placed_params = false;
    let mut placed_selector = false;
    let selector = match &result.result_selector {
        Field::Set(v) => Some(v.clone()),
        Field::Keep => state.get("ResultSelector").cloned(),
        Field::Remove => None,
    };
    for (key, value) in state {
        match key.as_str() {
            "Resource" => {
                new.insert(key.clone(), Value::String(integ.resource.clone()));
                if !state.contains_key("Parameters") {
                    new.insert("Parameters".into(), parameters.clone());
                    placed_params = true;
                    if !state.contains_key("ResultSelector") {
                        if let Some(s) = &selector {
                            new.insert("ResultSelector".into(), s.clone());
                            placed_selector = true;
                        }
                    }
                }
            }
            "Parameters" => {
                new.insert(key.clone(), parameters.clone());
                placed_params = true;
                if !state.contains_key("ResultSelector") {
                    if let Some(s) = &selector {
                        new.insert("ResultSelector".into(), s.clone());
                        placed_selector = true;
                    }
                }
            }
            "ResultSelector" => {
                if let Some(s) = &selector {
                    new.insert(key.clone(), s.clone());
                    placed_selector = true;
                }
            }
            "ResultPath" => match &result.result_path {
                Field::Keep => {
                    new.insert(key.clone(), value.clone());
                }
                Field::Set(v) => {
                    new.insert(key.clone(), v.clone());
                }
                Field::Remove => {}
            },
            "OutputPath" => match &result.output_path {
                Field::Keep => {
                    new.insert(key.clone(), value.clone());
                }
                Field::Set(v) => {
                    new.insert(key.clone(), v.clone());
                }
                Field::Remove => {}
            },
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
    if !placed_params {
        new.insert("Parameters".into(), parameters);
    }
    if !placed_selector {
        if let Some(s) = selector {
            new.insert("ResultSelector".into(), s);
        }
    }
    // Fields the original did not have go before Next/End, where people put them.
    let mut extra = Vec::new();
    if let Some(r) = &retry {
        if !state.contains_key("Retry") {
            extra.push(("Retry".to_string(), r.clone()));
        }
    }
    if let Field::Set(v) = &result.result_path {
        if !state.contains_key("ResultPath") {
            extra.push(("ResultPath".to_string(), v.clone()));
        }
    }
    if let Field::Set(v) = &result.output_path {
        if !state.contains_key("OutputPath") {
            extra.push(("OutputPath".to_string(), v.clone()));
        }
    }
    if !extra.is_empty() {
        let mut ordered = Map::new();
        let mut pending = Some(extra);
        for (k, v) in std::mem::take(&mut new) {
            if matches!(k.as_str(), "Retry" | "Catch" | "Next" | "End")
                && !extra_is_after(&k, &pending)
            {
                for (ek, ev) in pending.take().into_iter().flatten() {
                    ordered.insert(ek, ev);
                }
            }
            ordered.insert(k, v);
        }
        for (ek, ev) in pending.take().into_iter().flatten() {
            ordered.insert(ek, ev);
        }
        new = ordered;
    }

    if let Some(t) = function.timeout_s {
        if !state.contains_key("TimeoutSeconds") {
            notes.push(format!(
                "the function's {t} s timeout no longer bounds the call; the Task has no TimeoutSeconds"
            ));
        }
    }
    notes.extend(integration_notes(&integ, call.flavor));

    let targets = targets(project, call, &integ, &top, &env_refs, &mut notes);
    let mut added_states = validation
        .as_ref()
        .map(|v| v.states.clone())
        .unwrap_or_default();
    if let Some(a) = after {
        added_states.extend(a.attach(&mut new));
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

/// States added after the Task, and what the Task's ResultPath becomes (None: kept).
struct After {
    states: Vec<(String, Value)>,
    /// The added states that go on where the Task went (they get its Next/End).
    continuing: Vec<String>,
    first: String,
    task_result_path: Option<Value>,
    notes: Vec<String>,
}

impl After {
    /// Points the Task at the first added state and hands its Next/End to the continuing ones.
    fn attach(self, task: &mut Map<String, Value>) -> Vec<(String, Value)> {
        let old = super::after_task::take_transition(task, &self.first);
        self.states
            .into_iter()
            .map(|(name, mut s)| {
                if self.continuing.contains(&name) {
                    if let Some(m) = s.as_object_mut() {
                        for (k, v) in &old {
                            m.insert(k.clone(), v.clone());
                        }
                    }
                }
                (name, s)
            })
            .collect()
    }
}

/// State names in use, with the ones a validation adds.
pub(super) fn taken_with(
    taken: &[String],
    validation: Option<&validation::Validation>,
) -> Vec<String> {
    let mut all = taken.to_vec();
    if let Some(v) = validation {
        all.extend(v.states.iter().map(|(n, _)| n.clone()));
    }
    all
}

fn reads_event(expr: &ValueExpr) -> bool {
    let mut found = false;
    walk(expr, &mut |e| found |= matches!(e, ValueExpr::Event { .. }));
    found
}

fn reads_result(expr: &ValueExpr) -> bool {
    let mut found = false;
    walk(expr, &mut |e| {
        found |= matches!(e, ValueExpr::SdkResult { .. })
    });
    found
}

/// Whether the return value reads DynamoDB attributes (typed in the integration's result).
fn reads_typed_items(expr: &ValueExpr) -> bool {
    let mut found = false;
    walk(expr, &mut |e| {
        if let ValueExpr::SdkResult { path, .. } = e {
            found |= matches!(path.first(), Some(crate::analysis::model::PathSeg::Field(f)) if f == "Item" || f == "Items" || f == "Attributes");
        }
    });
    found
}

/// The handler returns a value built from its event (and maybe the response): the Task keeps
/// the state input (ResultPath null, or the response in a field of it) and a Pass after it
/// builds the value, as the original output it.
#[allow(clippy::too_many_arguments)]
fn event_after(
    task_name: &str,
    state: &Map<String, Value>,
    style: InvocationStyle,
    event: &Asl,
    expr: &ValueExpr,
    env: &IndexMap<String, Asl>,
    access: ResultAccess,
    result_maps: Option<Vec<String>>,
    taken: &[String],
) -> Result<After, String> {
    use super::after_task;
    let shape = after_task::shape(state, style)
        .map_err(|e| format!("returns event data, which needs a Pass state after the Task: {e}"))?;
    let raw_event = after_task::rebase(event, &shape.input_path)?;
    // The response goes into a field of the input the event reads do not touch.
    let result_field = reads_result(expr).then(|| {
        let event_text = format!("{raw_event:?}");
        let mut name = "callResult".to_string();
        let mut n = 2;
        while event_text.contains(&format!("$.{name}")) {
            name = format!("callResult{n}");
            n += 1;
        }
        format!("$.{name}")
    });
    let mut ctx = ExprCtx {
        event: Some(&raw_event),
        env,
        result: Some(access),
        result_root: result_field.clone(),
        result_maps,
        notes: Vec::new(),
    };
    let value = ctx.convert(expr, false)?;
    let mut names = after_task::Names::new(taken);
    let name = names.fresh(format!("{task_name} return value"));
    let pass = after_task::value_pass(&value, &shape)?;
    let mut notes = ctx.notes;
    notes.push(format!(
        "the handler's return value reads its event: {name}, a Pass after the Task, builds it from the state input{}",
        match &result_field {
            Some(f) => format!(" and the call's result, which the Task puts at {f}"),
            None => " (the Task's ResultPath null keeps the input)".to_string(),
        }
    ));
    if result_field.is_some() {
        notes.push("assumed the state input is an object: ResultPath puts the call's result into a field of it".into());
    }
    Ok(After {
        states: vec![(name.clone(), Value::Object(pass))],
        continuing: vec![name.clone()],
        first: name,
        task_result_path: Some(result_field.map(Value::String).unwrap_or(Value::Null)),
        notes,
    })
}

/// The handler returns the item (or one attribute of it) that its GetItem read, unmarshalled by
/// its SDK: a Choice on whether the integration's result has an Item (a miss returns none,
/// aws-facts §1.3), a Pass that unmarshals the attributes whose types the table's key schema
/// gives, and for a miss what the handler did (a Pass of null, or a Fail with its error).
#[allow(clippy::too_many_arguments)]
fn unmarshal_after(
    task_name: &str,
    state: &Map<String, Value>,
    style: InvocationStyle,
    expr: &ValueExpr,
    key_types: &[(String, String)],
    written: Option<&super::table_writes::Written>,
    table: Option<&str>,
    language: crate::analysis::model::Language,
    taken: &[String],
) -> Result<After, String> {
    use super::after_task::{self, Miss};
    // The attributes an item holds: its keys, and what every PutItem of the project writes.
    let mut known: Vec<(String, String)> = key_types.to_vec();
    if let Some(w) = written {
        for (n, t) in &w.attributes {
            match known.iter().find(|(k, _)| k == n) {
                Some((_, kt)) if kt != t => {
                    return Err(format!(
                        "the project writes attribute {n} as {t} where the key schema says {kt}"
                    ))
                }
                Some(_) => {}
                None => known.push((n.clone(), t.clone())),
            }
        }
    }
    let key_types = known.as_slice();
    use crate::analysis::model::PathSeg;
    let ValueExpr::SdkResult { call: 0, path } = expr else {
        return Err("reads DynamoDB attributes the integration returns typed ({\"S\": ...}) inside a value it builds: unmarshalling is not built for that".into());
    };
    if path.first() != Some(&PathSeg::Field("Item".into())) || path.len() > 2 {
        return Err("reads DynamoDB attributes the integration returns typed ({\"S\": ...}) other than a GetItem Item or one of its attributes: unmarshalling is not built for that".into());
    }
    let shape = after_task::shape(state, style).map_err(|e| {
        format!("reads DynamoDB attributes, which need unmarshalling after the Task: {e}")
    })?;
    let table_name = table.unwrap_or("the table");
    let typed = |name: &str, t: &str| -> Result<Asl, String> {
        if t == "N" && language == crate::analysis::model::Language::Python {
            return Err(format!(
                "returns the number attribute {name}, which boto3 gives as a Decimal the Lambda runtime cannot serialize"
            ));
        }
        after_task::unmarshalled_attribute(
            &format!(
                "$.Item{}",
                super::asl_value::path_segment(&PathSeg::Field(name.into()))?
            ),
            t,
        )
    };
    let mut notes = Vec::new();
    let found_value = match path.as_slice() {
        [_] => {
            if key_types.is_empty() {
                return Err(format!(
                    "returns the whole item, and no attribute type of {table_name} is known (unmarshalling is not built without a key schema)"
                ));
            }
            let mut fields = Vec::new();
            for (name, t) in key_types {
                fields.push((name.clone(), typed(name, t)?));
            }
            let listed = key_types
                .iter()
                .map(|(n, t)| format!("{n} ({t})"))
                .collect::<Vec<_>>()
                .join(", ");
            match written {
                Some(w) => {
                    notes.push(format!(
                        "assumed the items of {table_name} hold exactly the attributes {listed}: its key schema and what every PutItem in the project writes to it ({}); the Pass unmarshals those, and an attribute written from outside the project would be left out where the handler returned it",
                        w.writers.join(", ")
                    ));
                    notes.extend(w.notes.iter().map(|n| format!("{table_name}: {n}")));
                }
                None => notes.push(format!(
                    "assumed the items of {table_name} hold only their key attributes {listed} (types from its key schema; no fixed set of attributes written in the project): the Pass unmarshals those; any other attribute an item has would be left out where the handler returned it"
                )),
            }
            Asl::Object(fields)
        }
        [_, PathSeg::Field(attr)] => {
            let (_, t) = key_types
                .iter()
                .find(|(n, _)| n == attr)
                .ok_or_else(|| {
                    format!("returns attribute {attr}, whose DynamoDB type nothing in the project says (neither a key of {table_name} nor written to it by every PutItem)")
                })?;
            notes.push(format!(
                "{attr} unmarshalled as type {t} (from {table_name}'s key schema)"
            ));
            typed(attr, t)?
        }
        _ => {
            return Err(
                "reads into a DynamoDB attribute by index: unmarshalling is not built for that"
                    .into(),
            )
        }
    };
    let mut names = after_task::Names::new(taken);
    let check = names.fresh(format!("{task_name} found an item?"));
    let found = names.fresh(format!("{task_name} item"));
    let mut states = vec![];
    let mut continuing = vec![found.clone()];
    let miss = after_task::miss_of(path, language);
    let miss_name = match &miss {
        Miss::Null => names.fresh(format!("{task_name} no item")),
        Miss::Raise(error, _) => names.fresh(format!("{task_name} {error}")),
    };
    states.push((
        check.clone(),
        json!({
            "Type": "Choice",
            "Choices": [{"Variable": "$.Item", "IsPresent": true, "Next": found}],
            "Default": miss_name
        }),
    ));
    states.push((
        found.clone(),
        Value::Object(after_task::value_pass(&found_value, &shape)?),
    ));
    match miss {
        Miss::Null => {
            states.push((
                miss_name.clone(),
                Value::Object(after_task::value_pass(&Asl::Literal(Value::Null), &shape)?),
            ));
            continuing.push(miss_name.clone());
            notes.push(format!(
                "GetItem returns no Item when nothing matches the key: {check} sends that to {miss_name}, which outputs null as the handler's undefined did"
            ));
        }
        Miss::Raise(error, message) => {
            let (s, caught) = after_task::raise_state(state, &error, &message)?;
            states.push((miss_name.clone(), s));
            notes.push(format!(
                "GetItem returns no Item when nothing matches the key, where the handler raised {error}: {check} sends that to {miss_name}, {} (the Cause is the message, not the Lambda runtime's error JSON)",
                match caught {
                    Some(next) => format!("which stores the same Error and goes on to the catcher's {next}"),
                    None => "which fails with the same error name".to_string(),
                }
            ));
        }
    }
    Ok(After {
        states,
        continuing,
        first: check,
        task_result_path: None,
        notes,
    })
}

/// Names of the states next to the Task.
pub(super) fn taken_names(project: &Project, link: &TaskLink) -> Vec<String> {
    link.pointer
        .rsplit_once('/')
        .and_then(|(states, _)| {
            project
                .state_machines
                .get(link.state_machine)?
                .raw_definition
                .pointer(states)
        })
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The callback form of the integration: the optimized integrations that take a task token
/// (SQS, SNS, EventBridge, Lambda, Step Functions, ECS) and every aws-sdk integration, in
/// Standard workflows (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html,
/// "Wait for a Callback with Task Token").
pub(super) fn callback_resource(integ: &Integration) -> Result<String, String> {
    const CALLBACK: &[&str] = &[
        "arn:aws:states:::sqs:sendMessage",
        "arn:aws:states:::sns:publish",
        "arn:aws:states:::events:putEvents",
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::states:startExecution",
        "arn:aws:states:::ecs:runTask",
    ];
    if !integ.optimized || CALLBACK.contains(&integ.resource.as_str()) {
        Ok(format!("{}.waitForTaskToken", integ.resource))
    } else {
        Err(format!("{} has no .waitForTaskToken form", integ.resource))
    }
}

/// Replaces `event.x ?? d` (d a constant, `event.x` a plain path of the state input) by
/// `event.x`, recording (path, d, when) in `out`.
fn lift_defaults(
    expr: &mut ValueExpr,
    event: &Asl,
    out: &mut Vec<(String, Value, crate::analysis::model::DefaultWhen)>,
) {
    if let ValueExpr::Default {
        value,
        default,
        when,
    } = expr
    {
        // `event.get("x") or d`: a missing field is None, which `or` treats as false too.
        let inner = match value.as_ref() {
            ValueExpr::Default {
                value: v,
                default: n,
                when: crate::analysis::model::DefaultWhen::Missing,
            } if *when == crate::analysis::model::DefaultWhen::Falsy
                && matches!(n.as_ref(), ValueExpr::Literal { value: Value::Null }) =>
            {
                v.as_ref()
            }
            v => v,
        };
        if let (ValueExpr::Event { path }, ValueExpr::Literal { value: d }) =
            (inner, default.as_ref())
        {
            if let Ok(Asl::Dynamic(p)) = event.select(path) {
                if super::asl_value::is_reference_path(&p) && !p.starts_with("$$") {
                    if !out.iter().any(|(q, _, _)| *q == p) {
                        out.push((p, d.clone(), *when));
                    }
                    *expr = ValueExpr::Event { path: path.clone() };
                    return;
                }
            }
        }
    }
    match expr {
        ValueExpr::Object { entries } => {
            for e in entries {
                match e {
                    ObjectEntry::Field { value, .. } | ObjectEntry::Spread { value } => {
                        lift_defaults(value, event, out)
                    }
                }
            }
        }
        ValueExpr::Array { items } => items.iter_mut().for_each(|i| lift_defaults(i, event, out)),
        ValueExpr::Template { parts } => {
            for p in parts {
                if let crate::analysis::model::TemplatePart::Expr { value } = p {
                    lift_defaults(value, event, out)
                }
            }
        }
        ValueExpr::JsonStringify { value, .. }
        | ValueExpr::JsonParse { value }
        | ValueExpr::ToString { value } => lift_defaults(value, event, out),
        _ => {}
    }
}

/// Whether the queue or topic the call targets is FIFO: from its template resource (FifoQueue,
/// FifoTopic) or its literal URL/ARN, whose name ends in `.fifo` for FIFO queues and topics
/// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues.html,
/// https://docs.aws.amazon.com/sns/latest/dg/fifo-topic-code-examples.html). None: not known.
fn target_is_fifo(
    project: &Project,
    call: &SdkCall,
    top: &[(String, &ValueExpr)],
    env_refs: &IndexMap<String, CfnRef>,
) -> Option<bool> {
    let (param, flag) = match call.service.as_str() {
        "sqs" => ("QueueUrl", "FifoQueue"),
        "sns" => ("TopicArn", "FifoTopic"),
        _ => return None,
    };
    let reference = match top.iter().find(|(k, _)| k == param).map(|(_, v)| *v)? {
        ValueExpr::Env { name, .. } => env_refs.get(name)?.clone(),
        ValueExpr::Literal {
            value: Value::String(s),
        } => CfnRef::Literal(s.clone()),
        _ => return None,
    };
    match &reference {
        CfnRef::Ref(id) | CfnRef::GetAtt(id, _) => {
            let r = project.resources.get(id)?;
            Some(
                r.properties
                    .get(flag)
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                    || r.name.ends_with(".fifo"),
            )
        }
        CfnRef::Literal(s) => Some(s.trim_end_matches('/').ends_with(".fifo")),
        CfnRef::Other(_) => None,
    }
}

/// Event paths read outside `a ?? d` defaults (whose reads the default states take over).
fn event_reads_outside_defaults(
    expr: &ValueExpr,
    out: &mut Vec<Vec<crate::analysis::model::PathSeg>>,
) {
    match expr {
        ValueExpr::Default { default, .. }
            if matches!(default.as_ref(), ValueExpr::Literal { .. }) => {}
        ValueExpr::Event { path } => out.push(path.clone()),
        ValueExpr::Object { entries } => {
            for e in entries {
                match e {
                    ObjectEntry::Field { value, .. } | ObjectEntry::Spread { value } => {
                        event_reads_outside_defaults(value, out)
                    }
                }
            }
        }
        ValueExpr::Array { items } => items
            .iter()
            .for_each(|i| event_reads_outside_defaults(i, out)),
        ValueExpr::Template { parts } => {
            for p in parts {
                if let crate::analysis::model::TemplatePart::Expr { value } = p {
                    event_reads_outside_defaults(value, out)
                }
            }
        }
        ValueExpr::JsonStringify { value, .. }
        | ValueExpr::JsonParse { value }
        | ValueExpr::ToString { value } => event_reads_outside_defaults(value, out),
        ValueExpr::Default { value, default, .. } => {
            event_reads_outside_defaults(value, out);
            event_reads_outside_defaults(default, out);
        }
        _ => {}
    }
}

/// Does the handler's return value read PutEvents' failure report (or the whole response)?
fn reads_failed_entries(model: &HandlerModel) -> bool {
    let mut found = false;
    if let Some(r) = &model.returns {
        walk(r, &mut |e| {
            if let ValueExpr::SdkResult { path, .. } = e {
                found |= match path.first() {
                    None => true,
                    Some(crate::analysis::model::PathSeg::Field(f)) => {
                        f == "FailedEntryCount" || f == "Entries"
                    }
                    _ => false,
                };
            }
        });
    }
    found
}

/// Keeps an added `Retry` before `Catch`/`Next`, but never before an existing `Retry`.
fn extra_is_after(key: &str, pending: &Option<Vec<(String, Value)>>) -> bool {
    key == "Retry"
        && pending
            .as_ref()
            .is_some_and(|p| p.iter().any(|(k, _)| k == "Retry"))
}

pub(super) fn dedup(notes: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    notes.retain(|n| seen.insert(n.clone()));
}

fn is_discarded(state: &Map<String, Value>) -> bool {
    matches!(state.get("ResultPath"), Some(Value::Null)) && !state.contains_key("ResultSelector")
}

fn is_jsonata(definition: &Value, state: &Map<String, Value>) -> bool {
    let ql = |v: Option<&Value>| v.and_then(|x| x.as_str()) == Some("JSONata");
    ql(state.get("QueryLanguage")) || ql(definition.get("QueryLanguage"))
}

/// The handler's event as the original Task composed it (aws-facts §1.3: lambda:invoke passes
/// `Payload`; a bare function ARN passes the effective input after InputPath/Parameters).
/// InputPath stays on the new Task, so paths here are relative to the same effective input.
fn event_view(state: &Map<String, Value>, style: InvocationStyle) -> Result<Asl, String> {
    match style {
        InvocationStyle::BareArn => Ok(match state.get("Parameters") {
            Some(p) => Asl::from_template(p),
            None => Asl::Dynamic("$".into()),
        }),
        _ => {
            let params = state
                .get("Parameters")
                .and_then(|p| p.as_object())
                .ok_or("the lambda:invoke Task has no Parameters")?;
            if let Some(t) = params.get("InvocationType").and_then(|v| v.as_str()) {
                if t != "RequestResponse" {
                    return Err(format!(
                        "the Lambda is invoked with InvocationType {t}: its result is not the handler's"
                    ));
                }
            }
            if let Some(Value::String(expr)) = params.get("Payload.$") {
                return Ok(Asl::Dynamic(expr.clone()));
            }
            match params.get("Payload") {
                Some(Value::String(_)) => Err(
                    "the Payload is a string; the handler would see it parsed or as text (not modelled)"
                        .into(),
                ),
                Some(p) => Ok(Asl::from_template(p)),
                // aws-facts §1.3: behaviour without Payload is an open item [?].
                None => Err("the lambda:invoke Task sends no Payload (what the handler sees is not documented)".into()),
            }
        }
    }
}

/// Converts a parameter tree, letting JSON objects through where the API serializes them.
/// The name a Step Functions integration takes for the handler's top-level request member `key`.
/// "parameter names will be Pascal case ... Even if the native service API is in camelCase"
/// (aws-facts §2, AWS `supported-services-awssdk`); the optimized integrations name them as the
/// rules catalogue lists them (`states:startExecution` takes `StateMachineArn`, `Input`). Top-level
/// request keys are always members of the API's request shape, never map keys, so this is safe here.
fn integration_param_name(call: &SdkCall, key: &str) -> String {
    let rule = crate::rules::Catalogue::builtin().lookup(&call.service, &call.action);
    if let Some(name) = rule
        .iter()
        .flat_map(|r| r.parameters.iter())
        .find(|p| p.eq_ignore_ascii_case(key))
    {
        return name.clone();
    }
    pascal_case(key)
}

/// The call's parameters with nested request members named as Step Functions takes them:
/// PascalCase at every level ("parameter names will be Pascal case ... Even if the native service
/// API is in camelCase", aws-facts §2; the recorded `ecs:runTask` parameters nest
/// `NetworkConfiguration.AwsvpcConfiguration.Subnets`, LocalStack test_ecs_task_service). Keys
/// inside map members (the catalogue's `request_maps`, e.g. Batch `Parameters`) are the caller's
/// own and stay; top-level names are `integration_param_name`'s. An operation the catalogue does
/// not know keeps its nested names (which members are maps is not known; noted).
fn nested_member_names(call: &SdkCall) -> std::borrow::Cow<'_, ValueExpr> {
    use std::borrow::Cow;
    if !camel_case_api(call) {
        return Cow::Borrowed(&call.params);
    }
    let Some(rule) = crate::rules::Catalogue::builtin().lookup(&call.service, &call.action) else {
        return Cow::Borrowed(&call.params);
    };
    let ValueExpr::Object { entries } = &call.params else {
        return Cow::Borrowed(&call.params);
    };
    Cow::Owned(ValueExpr::Object {
        entries: entries
            .iter()
            .map(|e| match e {
                ObjectEntry::Field { key, value } => ObjectEntry::Field {
                    key: key.clone(),
                    value: super::member_case::request_value(
                        value,
                        &integration_param_name(call, key),
                        &rule.request_maps,
                    ),
                },
                other => other.clone(),
            })
            .collect(),
    })
}

/// Whether a request value holds objects the handler wrote (nested member names).
fn has_nested_members(v: &ValueExpr) -> bool {
    match v {
        ValueExpr::Object { .. } => true,
        ValueExpr::Literal { value } => value.is_object() || value.is_array(),
        ValueExpr::Array { items } => items.iter().any(has_nested_members),
        _ => false,
    }
}

/// Whether the handler names request members in camelCase (a camelCase native API).
pub(super) fn camel_case_api(call: &SdkCall) -> bool {
    matches!(&call.params, ValueExpr::Object { entries } if entries.iter().any(|e| {
        matches!(e, ObjectEntry::Field { key, .. } if key.starts_with(|c: char| c.is_ascii_lowercase()))
    }))
}

fn pascal_case(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// aws-sdk results have PascalCase keys, and so do the optimized integrations, whatever the
/// native API's casing: `states:startExecution` (`ExecutionArn`, `StartDate`; aws-facts §1.3) and
/// `ecs:runTask` (`Tasks[].TaskArn`, recorded against AWS in LocalStack test_ecs_task_service), the
/// Java SDK v1 result serialized with PascalCase property names; for PascalCase APIs (DynamoDB,
/// SQS, SNS, Lambda) the rule changes nothing.
pub(super) fn pascal_case_result(integ: &Integration) -> bool {
    let _ = integ;
    true
}

fn convert_tree(
    ctx: &mut ExprCtx,
    expr: &ValueExpr,
    key: &str,
    integ: &Integration,
) -> Result<Asl, String> {
    match expr {
        ValueExpr::Object { entries }
            if entries
                .iter()
                .all(|e| matches!(e, ObjectEntry::Field { .. })) =>
        {
            let mut out = Vec::new();
            for e in entries {
                if let ObjectEntry::Field { key, value } = e {
                    out.push((key.clone(), convert_tree(ctx, value, key, integ)?));
                }
            }
            Ok(Asl::Object(out))
        }
        ValueExpr::Array { items } => Ok(Asl::Array(
            items
                .iter()
                .map(|i| convert_tree(ctx, i, key, integ))
                .collect::<Result<_, _>>()?,
        )),
        other => ctx.convert(other, integ.accepts_json_object(key)),
    }
}

fn env_names(expr: &ValueExpr) -> Vec<String> {
    let mut out = Vec::new();
    walk(expr, &mut |e| {
        if let ValueExpr::Env { name, .. } = e {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
    });
    out
}

fn find_env_value(expr: &ValueExpr, wanted: &str) -> Option<String> {
    let mut found = None;
    walk(expr, &mut |e| {
        if let ValueExpr::Env {
            name,
            value: Some(v),
        } = e
        {
            if name == wanted {
                found = Some(v.clone());
            }
        }
    });
    found
}

fn env_of(expr: &ValueExpr) -> Option<String> {
    match expr {
        ValueExpr::Env { name, .. } => Some(name.clone()),
        _ => None,
    }
}

fn walk(expr: &ValueExpr, f: &mut dyn FnMut(&ValueExpr)) {
    f(expr);
    match expr {
        ValueExpr::Object { entries } => {
            for e in entries {
                match e {
                    ObjectEntry::Field { value, .. } | ObjectEntry::Spread { value } => {
                        walk(value, f)
                    }
                }
            }
        }
        ValueExpr::Array { items } => items.iter().for_each(|i| walk(i, f)),
        ValueExpr::Template { parts } => {
            for p in parts {
                if let crate::analysis::model::TemplatePart::Expr { value } = p {
                    walk(value, f)
                }
            }
        }
        ValueExpr::JsonStringify { value, .. }
        | ValueExpr::JsonParse { value }
        | ValueExpr::ToString { value } => walk(value, f),
        ValueExpr::Default { value, default, .. } => {
            walk(value, f);
            walk(default, f);
        }
        _ => {}
    }
}

/// The template resource a reference names: its logical id, or the resource whose name, Ref
/// value or ARN a literal is.
fn resource_id(project: &Project, reference: &CfnRef) -> Option<String> {
    match reference {
        CfnRef::Literal(s) => project
            .resources
            .iter()
            .find(|(_, r)| r.ref_value == *s || r.name == *s || r.arn == *s)
            .map(|(id, _)| id.clone()),
        other => other.logical_id().map(String::from),
    }
}

/// Key attribute types from a table's AttributeDefinitions (restricted to KeySchema names).
fn key_types(project: &Project, table: &str) -> Vec<(String, String)> {
    let Some(res) = project.resources.get(table) else {
        return vec![];
    };
    let keys: Vec<&str> = res
        .properties
        .get("KeySchema")
        .and_then(|k| k.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|k| k.get("AttributeName")?.as_str())
                .collect()
        })
        .unwrap_or_default();
    res.properties
        .get("AttributeDefinitions")
        .and_then(|a| a.as_array())
        .map(|defs| {
            defs.iter()
                .filter_map(|d| {
                    let n = d.get("AttributeName")?.as_str()?;
                    let t = d.get("AttributeType")?.as_str()?;
                    keys.contains(&n).then(|| (n.to_string(), t.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Behaviour differences of the integration a reviewer should know (aws-facts §8).
pub(super) fn integration_notes(integ: &Integration, flavor: SdkFlavor) -> Vec<String> {
    let mut notes = Vec::new();
    if integ.resource.contains(":::events:putEvents") {
        notes.push("events:putEvents fails the Task with EventBridge.FailedEntry when FailedEntryCount > 0 (the handler ignored partial failures) and appends the state machine and execution ARNs to each entry's Resources (aws-facts §1.3, §8.4)".into());
    }
    let retries = match flavor {
        SdkFlavor::Boto3Client | SdkFlavor::Boto3Resource => {
            "boto3 retried throttling up to 5 attempts"
        }
        SdkFlavor::JsV2 => "the v2 SDK retried throttling client-side",
        _ => "the v3 SDK retried throttling up to 3 attempts",
    };
    notes.push(format!(
        "{retries} inside the Lambda; the Task's Retry now has to cover it (aws-facts §3.4)"
    ));
    notes
}

/// The resources the call targets, for IAM (aws-facts §4).
pub(super) fn targets(
    project: &Project,
    call: &crate::analysis::model::SdkCall,
    integ: &Integration,
    top: &[(String, &ValueExpr)],
    env_refs: &IndexMap<String, CfnRef>,
    notes: &mut Vec<String>,
) -> Vec<Target> {
    let actions = integ.iam_actions.clone();
    let mut out = Vec::new();
    let mut add = |reference: Option<&CfnRef>, kind: &str, default_name: Option<&str>| {
        let found: Option<(Value, Option<String>)> = match reference {
            Some(r @ (CfnRef::Ref(_) | CfnRef::GetAtt(_, _))) => {
                let id = r.logical_id().unwrap_or_default().to_string();
                bindings::arn_reference(&id, project).map(|arn| (arn.to_json(), Some(id)))
            }
            Some(CfnRef::Literal(s)) => literal_arn(kind, s).map(|arn| (arn, None)),
            Some(CfnRef::Other(_)) => None,
            None => default_name
                .and_then(|n| literal_arn(kind, n))
                .map(|arn| (arn, None)),
        };
        match found {
            Some((arn, logical_id)) => {
                for action in &actions {
                    out.push(Target {
                        action: action.clone(),
                        arn: arn.clone(),
                        logical_id: logical_id.clone(),
                    });
                }
                // The template resource, also when the handler named it literally.
                let resource = logical_id.clone().or_else(|| match reference {
                    Some(CfnRef::Literal(s)) => project
                        .resources
                        .iter()
                        .find(|(_, r)| r.ref_value == *s || r.name == *s || r.arn == *s)
                        .map(|(id, _)| id.clone()),
                    _ => None,
                });
                if let Some(id) = &resource {
                    out.extend(super::iam::kms_targets(project, &call.service, id, notes));
                }
            }
            None => notes.push(format!(
                "IAM: the {kind} is chosen at run time or not a template resource; scope {} by hand (AWS accepts a resource here, so avoid \"*\")",
                actions.join(", ")
            )),
        }
    };
    let param_ref = |name: &str| {
        top.iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| match v {
                ValueExpr::Env { name, .. } => env_refs.get(name).cloned(),
                ValueExpr::Literal {
                    value: Value::String(s),
                } => Some(CfnRef::Literal(s.clone())),
                _ => None,
            })
    };
    match call.service.as_str() {
        "dynamodb" => {
            add(param_ref("TableName").as_ref(), "table", None);
            super::iam_targets::scope_to_index(&mut out, top);
        }
        "sqs" => add(param_ref("QueueUrl").as_ref(), "queue", None),
        "sns" => add(
            param_ref("TopicArn")
                .or_else(|| param_ref("TargetArn"))
                .as_ref(),
            "topic",
            None,
        ),
        "events" => {
            let mut buses: Vec<Option<CfnRef>> = Vec::new();
            if let Some((_, ValueExpr::Array { items })) = top.iter().find(|(k, _)| k == "Entries")
            {
                for item in items {
                    let r = match item {
                        ValueExpr::Object { entries } => entries.iter().find_map(|e| match e {
                            ObjectEntry::Field { key, value } if key == "EventBusName" => {
                                Some(match value {
                                    ValueExpr::Env { name, .. } => env_refs.get(name).cloned(),
                                    ValueExpr::Literal {
                                        value: Value::String(s),
                                    } => Some(CfnRef::Literal(s.clone())),
                                    _ => Some(CfnRef::Other(Value::Null)),
                                })
                            }
                            _ => None,
                        }),
                        _ => None,
                    };
                    let r = r.unwrap_or(None);
                    if !buses.contains(&r) {
                        buses.push(r);
                    }
                }
            }
            for b in buses {
                // No EventBusName: the account's default bus.
                add(b.as_ref(), "event bus", Some("default"));
            }
        }
        // S3, Lambda, Step Functions, Secrets Manager, SSM: scoped in iam_targets.
        _ => out.extend(super::iam_targets::aws_sdk_targets(
            project, call, integ, top, env_refs, notes,
        )),
    }
    out
}

/// The ARN (as `Fn::Sub`) of a target given literally.
fn literal_arn(kind: &str, value: &str) -> Option<Value> {
    if value.starts_with("arn:") {
        return Some(Value::String(value.to_string()));
    }
    let sub = |s: String| Some(json!({ "Fn::Sub": s }));
    match kind {
        "table" => sub(format!(
            "arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{value}"
        )),
        "queue" => {
            // https://sqs.<region>.amazonaws.com/<account>/<name>
            let parts: Vec<&str> = value.trim_end_matches('/').rsplitn(3, '/').collect();
            if parts.len() == 3 && parts[1].chars().all(|c| c.is_ascii_digit()) {
                let region = parts[2].split('.').nth(1).unwrap_or("${AWS::Region}");
                sub(format!(
                    "arn:${{AWS::Partition}}:sqs:{region}:{}:{}",
                    parts[1], parts[0]
                ))
            } else {
                None
            }
        }
        "event bus" => sub(format!(
            "arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:event-bus/{value}"
        )),
        _ => None,
    }
}

/// Whether a handler that returns the SDK response whole returns what the integration returns.
/// SDK v2 responses carry no request metadata; v3 (`$metadata`) and boto3 (`ResponseMetadata`)
/// responses do, which no integration returns (verify accepts exactly that difference, named). An
/// integration that adds its own metadata (SdkHttpMetadata, aws-facts §1.3) does not match.
pub(super) fn whole_result_matches(integ: &Integration, flavor: SdkFlavor) -> bool {
    !integ.result_has_metadata
        && matches!(
            flavor,
            SdkFlavor::JsV2 | SdkFlavor::JsV3 | SdkFlavor::Boto3Client
        )
}

/// The reviewer's note when the Lambda's result carried the SDK's request metadata.
pub(super) fn dropped_metadata_note(returns: &ValueExpr, flavor: SdkFlavor) -> Option<String> {
    let field = match flavor {
        SdkFlavor::JsV3 => "$metadata",
        SdkFlavor::Boto3Client => "ResponseMetadata",
        _ => return None,
    };
    matches!(returns, ValueExpr::SdkResult { path, .. } if path.is_empty()).then(|| {
        format!("the handler returned the SDK response whole: the integration's result has the same API fields but not the SDK's {field} (request id, HTTP status, retries); a state that reads {field} must change")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::integrations::tests::call;

    #[test]
    fn parameter_names_follow_the_catalogue_else_pascal_case() {
        let sfn = call("states", "StartExecution");
        assert_eq!(
            integration_param_name(&sfn, "stateMachineArn"),
            "StateMachineArn"
        );
        assert_eq!(integration_param_name(&sfn, "input"), "Input");
        assert_eq!(integration_param_name(&sfn, "name"), "Name");
        let ddb = call("dynamodb", "PutItem");
        assert_eq!(integration_param_name(&ddb, "TableName"), "TableName");
        // Not in the catalogue: the aws-sdk rule (PascalCase).
        assert_eq!(
            integration_param_name(&call("kafka", "ListClusters"), "maxResults"),
            "MaxResults"
        );
    }

    fn object(fields: Vec<(&str, ValueExpr)>) -> ValueExpr {
        ValueExpr::Object {
            entries: fields
                .into_iter()
                .map(|(k, v)| ObjectEntry::Field {
                    key: k.into(),
                    value: v,
                })
                .collect(),
        }
    }

    fn lit(v: Value) -> ValueExpr {
        ValueExpr::Literal { value: v }
    }

    #[test]
    fn nested_members_of_a_camel_case_api_are_pascal_cased_except_map_keys() {
        let mut ecs = call("ecs", "RunTask");
        ecs.params = object(vec![
            ("cluster", lit(json!("c"))),
            (
                "overrides",
                object(vec![(
                    "containerOverrides",
                    ValueExpr::Array {
                        items: vec![object(vec![("name", lit(json!("w")))])],
                    },
                )]),
            ),
        ]);
        let renamed = nested_member_names(&ecs);
        let ValueExpr::Object { entries } = renamed.as_ref() else {
            panic!()
        };
        // The top level keeps the handler's names (integration_param_name renames them).
        assert!(matches!(&entries[0], ObjectEntry::Field { key, .. } if key == "cluster"));
        let ObjectEntry::Field { value, .. } = &entries[1] else {
            panic!()
        };
        assert_eq!(
            value,
            &object(vec![(
                "ContainerOverrides",
                ValueExpr::Array {
                    items: vec![object(vec![("Name", lit(json!("w")))])]
                }
            )])
        );
        let mut batch = call("batch", "SubmitJob");
        batch.params = object(vec![
            ("jobName", lit(json!("j"))),
            ("parameters", object(vec![("inputKey", lit(json!("v")))])),
        ]);
        assert_eq!(nested_member_names(&batch).as_ref(), &batch.params);
        // A PascalCase API is left as it is.
        let mut ddb = call("dynamodb", "PutItem");
        ddb.params = object(vec![("Item", object(vec![("id", lit(json!({"S": "1"})))]))]);
        assert_eq!(nested_member_names(&ddb).as_ref(), &ddb.params);
    }
}
