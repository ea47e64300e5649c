//! `lambdaless run`: one execution (or one per line of `--inputs`) in the interpreter.
//!
//! Exit codes: 0 the execution SUCCEEDED (with `--inputs`: every execution did); 1 an execution
//! ended FAILED / TIMED_OUT (the result is still printed); 2 bad input (definition, input JSON,
//! context or mock config file).

use crate::error::{exit, InputError};
use crate::interp::{ExecuteOptions, ExecutionContext, ExecutionResult, StateMachine};
use crate::services::layered::MockFirst;
use crate::services::mock_config::MockConfig;
use crate::services::{load_world, NoServices, ServiceBackend};
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// Arguments of `lambdaless run`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 the execution succeeded; 1 it failed or timed out (the result is still printed); 2 bad input."
)]
pub struct Args {
    /// State machine definition (ASL JSON).
    pub definition: PathBuf,
    /// Execution input: JSON text, or @FILE to read it from a file (default {}).
    #[arg(long, conflicts_with = "inputs")]
    pub input: Option<String>,
    /// Run one execution per line of this JSON Lines file; prints one JSON result per line (no history).
    #[arg(long)]
    pub inputs: Option<PathBuf>,
    /// Execution context (JSON: account_id, region, state_machine_name, execution_name, clock, ...).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// AWS Step Functions Local MockConfigFile answering the Task states.
    #[arg(long, requires = "test_case")]
    pub mock_config: Option<PathBuf>,
    /// Test case of the mock config to use.
    #[arg(long, requires = "mock_config")]
    pub test_case: Option<String>,
    /// World file (JSON or YAML, see docs/world-file.md): Task states run against simulated
    /// DynamoDB, SQS, SNS, EventBridge, S3, Lambda and Step Functions. A --mock-config still
    /// answers the states its test case names.
    #[arg(long)]
    pub world: Option<PathBuf>,
    /// Print {"status","output","error","cause","history"} as JSON (with --world, also "world_diff").
    #[arg(long)]
    pub json: bool,
    /// Maximum state transitions per execution.
    #[arg(long, default_value_t = ExecuteOptions::default().max_steps)]
    pub max_steps: u64,
}

/// Reads and parses a definition file into a state machine (InputError on any problem).
pub fn load_definition(path: &Path) -> Result<StateMachine, InputError> {
    let def = InputError::read_json(path)?;
    StateMachine::parse(&def)
        .map_err(|e| InputError::new(path, format!("invalid state machine: {}", e.cause)))
}

/// `--input` text: inline JSON or `@FILE`.
pub fn parse_input_arg(arg: &str) -> Result<Value, InputError> {
    match arg.strip_prefix('@') {
        Some(file) => InputError::read_json(Path::new(file)),
        None => InputError::parse_json(Path::new("--input"), arg),
    }
}

pub fn load_context(path: Option<&Path>) -> Result<ExecutionContext, InputError> {
    match path {
        None => Ok(ExecutionContext::default()),
        Some(p) => {
            let v = InputError::read_json(p)?;
            let mut ctx = ExecutionContext::default();
            let obj = v
                .as_object()
                .ok_or_else(|| InputError::new(p, "expected a JSON object"))?;
            let mut merged = serde_json::to_value(&ctx).unwrap_or_default();
            if let Some(m) = merged.as_object_mut() {
                for (k, val) in obj {
                    if val.is_string() {
                        m.insert(k.clone(), val.clone());
                    }
                }
            }
            ctx = serde_json::from_value(merged).map_err(|e| InputError::new(p, e.to_string()))?;
            Ok(ctx)
        }
    }
}

/// The `--json` form of a result.
pub fn result_json(r: &ExecutionResult, with_history: bool) -> Value {
    let mut v = json!({"status": r.status, "output": r.output, "error": r.error, "cause": r.cause});
    if with_history {
        v["history"] = Value::Array(r.history.clone());
    }
    v
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let sm = load_definition(&args.definition)?;
    let ctx = load_context(args.context.as_deref())?;
    let mock = match (&args.mock_config, &args.test_case) {
        (Some(file), Some(tc)) => Some(MockConfig::load(file, Some(&ctx.state_machine_name), tc)?),
        _ => None,
    };
    let mut world = args.world.as_deref().map(load_world).transpose()?;
    let mut services: Box<dyn ServiceBackend + '_> = match (mock, world.as_mut()) {
        (Some(mock), Some(rest)) => Box::new(MockFirst { mock, rest }),
        (Some(mock), None) => Box::new(mock),
        (None, Some(world)) => Box::new(world),
        (None, None) => Box::new(NoServices),
    };
    let mut opts = ExecuteOptions {
        max_steps: args.max_steps,
        ..Default::default()
    };

    if let Some(path) = &args.inputs {
        opts.record_history = false;
        let file = std::fs::File::open(path).map_err(|e| InputError::new(path, e.to_string()))?;
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut all_ok = true;
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| InputError::new(path, e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let input: Value = serde_json::from_str(&line).map_err(|e| {
                InputError::new(path, format!("malformed JSON: {e}")).at(i + 1, e.column())
            })?;
            let r = sm.execute_with(input, &ctx, services.as_mut(), &opts);
            all_ok &= r.status == "SUCCEEDED";
            serde_json::to_writer(&mut out, &result_json(&r, false))?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(if all_ok { exit::OK } else { exit::FINDINGS });
    }

    let input = match &args.input {
        Some(a) => parse_input_arg(a)?,
        None => json!({}),
    };
    opts.record_history = args.json;
    let r = sm.execute_with(input, &ctx, services.as_mut(), &opts);
    drop(services);
    if args.json {
        let mut out = result_json(&r, true);
        if let Some(world) = &world {
            out["world_diff"] = serde_json::to_value(world.diff())?;
        }
        println!("{}", serde_json::to_string(&out)?);
    } else {
        println!("status: {}", r.status);
        if let Some(o) = &r.output {
            println!("{}", serde_json::to_string_pretty(o)?);
        }
        if let Some(e) = &r.error {
            println!("error: {e}");
        }
        if let Some(c) = &r.cause {
            println!("cause: {c}");
        }
        if let Some(world) = &world {
            println!("world diff:");
            println!("{}", serde_json::to_string_pretty(world.diff())?);
        }
    }
    Ok(if r.status == "SUCCEEDED" {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_inline_json_or_a_file() {
        assert_eq!(parse_input_arg("{\"a\": 1}").unwrap(), json!({"a": 1}));
        let err = parse_input_arg("{bad").unwrap_err();
        assert_eq!(err.location.line, Some(1));
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("in.json");
        std::fs::write(&f, "[1, 2]").unwrap();
        assert_eq!(
            parse_input_arg(&format!("@{}", f.display())).unwrap(),
            json!([1, 2])
        );
        assert!(parse_input_arg("@/no/such/file.json").is_err());
    }

    #[test]
    fn context_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("ctx.json");
        std::fs::write(&f, r#"{"account_id": "111111111111", "role_arn": null, "clock": "2025-01-01T00:00:00+00:00"}"#).unwrap();
        let ctx = load_context(Some(&f)).unwrap();
        assert_eq!(ctx.account_id, "111111111111");
        assert_eq!(ctx.region, "us-east-1");
        assert_eq!(ctx.clock, "2025-01-01T00:00:00+00:00");
        std::fs::write(&f, "[]").unwrap();
        assert!(load_context(Some(&f)).is_err());
    }

    #[test]
    fn definitions_that_cannot_run_are_input_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("def.json");
        std::fs::write(&f, r#"{"StartAt": "Nope", "States": {}}"#).unwrap();
        match load_definition(&f) {
            Err(e) => assert!(e.message.contains("StartAt")),
            Ok(_) => panic!("a dangling StartAt must be rejected"),
        }
    }
}
