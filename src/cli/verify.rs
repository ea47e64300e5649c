//! `lambdaless verify`: discover, analyse, plan the rewrite, and prove each rewritten Task
//! equivalent by running the original and the rewritten state machines side by side.

use crate::error::{exit, InputError};
use crate::rewrite::{pipeline, RewriteOptions};
use crate::verify::{self, backend::LambdaMock, VerifyOptions};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Arguments of `lambdaless verify`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 every rewritten Task proven equivalent; 1 a Task is not equivalent or could not be \
proven, a replayed Lambda answer differs from the handler model's (--replay-executions), or TestState differs \
from the local interpreter (--remote); 2 bad input (malformed template, definition or input file, missing or \
unparsable handler), AWS access errors."
)]
pub struct Args {
    /// Project directory (or one template / ASL file).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Execution inputs to verify with, besides the project's samples: a directory of JSON inputs,
    /// or a file: an input, or the JSON output of `aws stepfunctions get-execution-history`,
    /// `describe-execution`, or `{"executions": [<describe-execution output>, ...]}`.
    #[arg(long, value_name = "DIR|FILE")]
    pub inputs: Option<PathBuf>,
    /// Seed of the input generator: the same seed gives the same inputs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Generated inputs per rewritten Task (and for the whole state machine).
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Skip the fault scenarios (service errors injected into both versions).
    #[arg(long)]
    pub no_faults: bool,
    /// Count differences on inputs whose types the samples never show as counterexamples too.
    #[arg(long)]
    pub strict_types: bool,
    /// Verify only this state's rewrite (repeatable).
    #[arg(long, value_name = "STATE")]
    pub only: Vec<String>,
    /// `STATE=JSON`: the Lambda Task STATE (not rewritten) returns its event with these fields set,
    /// in both versions (repeatable).
    #[arg(long, value_name = "STATE=JSON")]
    pub mock: Vec<String>,
    /// A Step Functions Local mock config (as `run --mock-config`): it answers the Tasks it names
    /// that are not rewritten, the same in both versions.
    #[arg(long, value_name = "FILE")]
    pub mock_config: Option<PathBuf>,
    /// The mock config's test case (default: the state machine's only one).
    #[arg(long, value_name = "NAME", requires = "mock_config")]
    pub test_case: Option<String>,
    #[command(flatten)]
    pub cloud: crate::cloud::remote_verify::RemoteArgs,
}

fn parse_mock(spec: &str) -> Result<(String, LambdaMock), String> {
    let (state, json) = spec
        .split_once('=')
        .ok_or_else(|| format!("--mock {spec}: expected STATE=JSON"))?;
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("--mock {state}: malformed JSON: {e}"))?;
    if !value.is_object() {
        return Err(format!(
            "--mock {state}: expected a JSON object of fields to set"
        ));
    }
    Ok((state.to_string(), LambdaMock::Merge(value)))
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut opts = VerifyOptions {
        seed: args.seed,
        samples: args.samples,
        faults: !args.no_faults,
        strict_types: args.strict_types,
        ..Default::default()
    };
    for spec in &args.mock {
        match parse_mock(spec) {
            Ok((state, mock)) => {
                opts.lambda_mocks.insert(state, mock);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(exit::INPUT);
            }
        }
    }
    if let Some(file) = &args.mock_config {
        match verify::mock_file::MockConfigFile::read(file, args.test_case.clone()) {
            Ok(m) => opts.mock_config = Some(m),
            Err(e) => return input_error(e),
        }
    }
    if let Some(file) = args.inputs.as_ref().filter(|p| p.is_file()) {
        opts.input_files = vec![file.clone()];
    } else if let Some(dir) = &args.inputs {
        match verify::input_files_in(dir) {
            Ok(files) => opts.input_files = files,
            Err(e) => return input_error(e),
        }
    }
    let options = RewriteOptions {
        only: args.only.clone(),
        ..Default::default()
    };
    let planned = match pipeline::plan_path(&args.path, &options) {
        Ok(p) => p,
        Err(e) => return input_error(e),
    };
    if !planned.handler_errors.is_empty() {
        for e in &planned.handler_errors {
            eprintln!("error: {e}");
        }
        return Ok(exit::INPUT);
    }
    verify::add_unrewritten_models(&planned.project, &planned.plan, &planned.models, &mut opts);
    let remote = match crate::cloud::remote_verify::prepare(
        &args.cloud,
        &planned.project,
        &planned.plan,
        &mut opts,
    ) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::INPUT);
        }
    };
    let report = match verify::prove(&planned.project, &planned.plan, &opts) {
        Ok(r) => r,
        Err(e) => return input_error(e),
    };
    match args.format {
        Format::Text => print!("{}{}", verify::report::text(&report), remote.text()),
        Format::Json => {
            let mut json = serde_json::to_value(&report)?;
            remote.add_to_json(&mut json);
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
    }
    Ok(if report.equivalent && !remote.failed() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

fn input_error(e: InputError) -> anyhow::Result<i32> {
    eprintln!("error: {e}");
    Ok(exit::INPUT)
}
