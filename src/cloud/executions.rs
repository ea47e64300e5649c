//! Reads a deployed state machine's recent executions and their histories (read-only calls).

use super::client::explain;
use aws_sdk_sfn::types::HistoryEvent;
use aws_sdk_sfn::Client;
use serde_json::{json, Map, Value};

/// One execution with its whole history, events as JSON in the API's shape.
#[derive(Debug, Clone)]
pub struct Execution {
    pub arn: String,
    pub name: String,
    pub status: String,
    pub events: Vec<Value>,
}

/// The deployed machine's name and definition (DescribeStateMachine).
pub async fn describe(client: &Client, arn: &str) -> anyhow::Result<(String, String)> {
    let d = client
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .map_err(|e| explain(e, "states:DescribeStateMachine"))?;
    Ok((d.name().to_string(), d.definition().to_string()))
}

/// The `n` most recent executions of `arn`. ListExecutions lists the most recent first
/// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html);
/// both it and GetExecutionHistory are paginated by nextToken (at most 1000 per page).
pub async fn recent(client: &Client, arn: &str, n: usize) -> anyhow::Result<Vec<Execution>> {
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    while listed.len() < n {
        let page = client
            .list_executions()
            .state_machine_arn(arn)
            .max_results((n - listed.len()).min(1000) as i32)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| explain(e, "states:ListExecutions"))?;
        for e in page.executions() {
            if listed.len() < n {
                listed.push((
                    e.execution_arn().to_string(),
                    e.name().to_string(),
                    e.status().as_str().to_string(),
                ));
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    let mut out = Vec::with_capacity(listed.len());
    for (arn, name, status) in listed {
        let events = history(client, &arn).await?;
        out.push(Execution {
            arn,
            name,
            status,
            events,
        });
    }
    Ok(out)
}

async fn history(client: &Client, execution_arn: &str) -> anyhow::Result<Vec<Value>> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_execution_history()
            .execution_arn(execution_arn)
            .max_results(1000)
            .include_execution_data(true)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| explain(e, "states:GetExecutionHistory"))?;
        events.extend(page.events().iter().map(event_json));
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(events)
}

fn data_details(truncated: Option<bool>) -> Value {
    json!({"truncated": truncated.unwrap_or(false)})
}

/// The parts of a HistoryEvent replay reads, under the API's JSON member names.
pub fn event_json(e: &HistoryEvent) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(e.id()));
    m.insert("previousEventId".into(), json!(e.previous_event_id()));
    m.insert("type".into(), json!(e.r#type().as_str()));
    let mut put = |k: &str, v: Value| {
        m.insert(k.into(), v);
    };
    if let Some(d) = e.execution_started_event_details() {
        put(
            "executionStartedEventDetails",
            json!({"input": d.input(), "inputDetails": data_details(d.input_details().map(|x| x.truncated()))}),
        );
    }
    if let Some(d) = e.state_entered_event_details() {
        put(
            "stateEnteredEventDetails",
            json!({"name": d.name(), "input": d.input()}),
        );
    }
    if let Some(d) = e.task_scheduled_event_details() {
        put(
            "taskScheduledEventDetails",
            json!({"resourceType": d.resource_type(), "resource": d.resource(), "region": d.region(), "parameters": d.parameters()}),
        );
    }
    if let Some(d) = e.task_succeeded_event_details() {
        put(
            "taskSucceededEventDetails",
            json!({"resourceType": d.resource_type(), "resource": d.resource(), "output": d.output(),
                   "outputDetails": data_details(d.output_details().map(|x| x.truncated()))}),
        );
    }
    if let Some(d) = e.task_failed_event_details() {
        put(
            "taskFailedEventDetails",
            json!({"resourceType": d.resource_type(), "resource": d.resource(), "error": d.error(), "cause": d.cause()}),
        );
    }
    if let Some(d) = e.task_timed_out_event_details() {
        put(
            "taskTimedOutEventDetails",
            json!({"resourceType": d.resource_type(), "resource": d.resource(), "error": d.error(), "cause": d.cause()}),
        );
    }
    if let Some(d) = e.lambda_function_scheduled_event_details() {
        put(
            "lambdaFunctionScheduledEventDetails",
            json!({"resource": d.resource(), "input": d.input(),
                   "inputDetails": data_details(d.input_details().map(|x| x.truncated()))}),
        );
    }
    if let Some(d) = e.lambda_function_succeeded_event_details() {
        put(
            "lambdaFunctionSucceededEventDetails",
            json!({"output": d.output(), "outputDetails": data_details(d.output_details().map(|x| x.truncated()))}),
        );
    }
    if let Some(d) = e.lambda_function_failed_event_details() {
        put(
            "lambdaFunctionFailedEventDetails",
            json!({"error": d.error(), "cause": d.cause()}),
        );
    }
    if let Some(d) = e.lambda_function_timed_out_event_details() {
        put(
            "lambdaFunctionTimedOutEventDetails",
            json!({"error": d.error(), "cause": d.cause()}),
        );
    }
    Value::Object(m)
}
