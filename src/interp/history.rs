//! The execution history, in AWS's event vocabulary (`ExecutionStarted`, `PassStateEntered`, ...).
//!
//! Event ids are always counted (AWS error causes quote "entered at the event id #N"), but the
//! events themselves are only built when recording is on, so a benchmark run pays nothing for them.

use serde_json::{json, Map, Value};

pub struct History {
    record: bool,
    /// >0 while running something whose events belong to another history (distributed Map children).
    paused: usize,
    last_id: u64,
    events: Vec<Value>,
}

impl History {
    pub fn new(record: bool) -> Self {
        History {
            record,
            paused: 0,
            last_id: 0,
            events: Vec::new(),
        }
    }

    pub fn recording(&self) -> bool {
        self.record
    }

    /// Stops counting and recording until [`History::resume`].
    pub fn pause(&mut self) {
        self.paused += 1;
    }

    pub fn resume(&mut self) {
        self.paused = self.paused.saturating_sub(1);
    }

    /// Appends an event of `kind` whose details (built only when recording) go under `details_key`.
    pub fn push(
        &mut self,
        kind: &str,
        prev: u64,
        details: impl FnOnce() -> Option<(&'static str, Value)>,
    ) -> u64 {
        if self.paused > 0 {
            return self.last_id;
        }
        self.last_id += 1;
        if self.record {
            let mut ev = Map::new();
            ev.insert("id".into(), json!(self.last_id));
            ev.insert("previousEventId".into(), json!(prev));
            ev.insert("type".into(), json!(kind));
            if let Some((key, value)) = details() {
                ev.insert(key.into(), value);
            }
            self.events.push(Value::Object(ev));
        }
        self.last_id
    }

    pub fn into_events(self) -> Vec<Value> {
        self.events
    }
}

/// The `...Details` payload AWS attaches to a `*StateEntered` event.
pub fn entered_details(name: &str, input: &Value) -> Option<(&'static str, Value)> {
    Some((
        "stateEnteredEventDetails",
        json!({"input": input, "inputDetails": {"truncated": false}, "name": name}),
    ))
}

/// The payload of a `*StateExited` event, with the variables the state assigned (JSON-encoded, as AWS shows them).
pub fn exited_details(
    name: &str,
    output: &Value,
    assigned: Option<&Map<String, Value>>,
) -> Option<(&'static str, Value)> {
    let mut d = Map::new();
    if let Some(vars) = assigned.filter(|v| !v.is_empty()) {
        let encoded: Map<String, Value> = vars
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
            .collect();
        d.insert("assignedVariables".into(), Value::Object(encoded));
        d.insert(
            "assignedVariablesDetails".into(),
            json!({"truncated": false}),
        );
    }
    d.insert("name".into(), json!(name));
    d.insert("output".into(), output.clone());
    d.insert("outputDetails".into(), json!({"truncated": false}));
    Some(("stateExitedEventDetails", Value::Object(d)))
}
