//! `lambdaless explain`: the analysis of one handler file on its own.

use crate::analysis::describe::{describe, describe_condition, leaves, path_str};
use crate::analysis::model::{HandlerModel, Language};
use crate::analysis::verdict::severity;
use crate::error::{exit, InputError};
use crate::rules::Catalogue;
use indexmap::IndexMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `lambdaless explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The handler source file (.js, .mjs, .cjs, .ts, .py, or a file without extension).
    pub handler_file: PathBuf,
    /// The exported handler function (default: the first of handler, lambda_handler, lambdaHandler, main).
    #[arg(long = "function", value_name = "NAME")]
    pub function: Option<String>,
    /// An environment variable of the function, to resolve env reads (repeatable).
    #[arg(long = "env", value_name = "K=V")]
    pub env: Vec<String>,
    /// Extra rule files (one JSON file per service) added to the built-in catalogue.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Handler names tried, in order, when `--function` is not given.
const DEFAULT_EXPORTS: &[&str] = &["handler", "lambda_handler", "lambdaHandler", "main"];

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut env = IndexMap::new();
    for kv in &args.env {
        let Some((k, v)) = kv.split_once('=') else {
            eprintln!("error: --env expects K=V, got `{kv}`");
            return Ok(exit::INPUT);
        };
        env.insert(k.to_string(), v.to_string());
    }
    let catalogue = match &args.rules {
        Some(dir) => Catalogue::with_user_dir(dir)?,
        None => Catalogue::builtin().clone(),
    };
    let model = analyze(&args, &env, &catalogue)?;
    match args.format {
        Format::Json => write_stdout(&format!("{}\n", serde_json::to_string_pretty(&model)?)),
        Format::Text => write_stdout(&render_text(&model, &catalogue)),
    }
    Ok(exit::OK)
}

fn analyze(
    args: &Args,
    env: &IndexMap<String, String>,
    catalogue: &Catalogue,
) -> Result<HandlerModel, InputError> {
    if let Some(f) = &args.function {
        return crate::analysis::analyze_file_with(&args.handler_file, f, env, catalogue);
    }
    let mut first_err = None;
    for name in DEFAULT_EXPORTS {
        match crate::analysis::analyze_file_with(&args.handler_file, name, env, catalogue) {
            Ok(m) => return Ok(m),
            Err(e) if e.message.starts_with("no exported function") => {
                first_err.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(first_err
        .map(|e| {
            InputError::new(
                &e.file,
                format!(
                    "no handler found (tried {}); name it with --function",
                    DEFAULT_EXPORTS.join(", ")
                ),
            )
        })
        .unwrap_or_else(|| InputError::new(&args.handler_file, "no handler found")))
}

/// The text form of a model, for people.
pub fn render_text(m: &HandlerModel, catalogue: &Catalogue) -> String {
    let lang = m.language;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}, function `{}`)",
        m.file,
        lang.as_str(),
        m.function
    );
    let _ = writeln!(s, "verdict: {}", m.verdict.as_str());
    let _ = writeln!(s);
    let _ = writeln!(s, "reads from the event:");
    if m.event_reads.is_empty() {
        let _ = writeln!(s, "  nothing");
    }
    for p in &m.event_reads {
        let _ = writeln!(s, "  {}", path_str("event", p));
    }
    if !m.env_reads.is_empty() {
        let _ = writeln!(s, "environment:");
        for name in &m.env_reads {
            let _ = writeln!(s, "  {name}");
        }
    }
    let _ = writeln!(s, "SDK calls:");
    if m.calls.is_empty() {
        let _ = writeln!(s, "  none");
    }
    for (i, call) in m.calls.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {}. {}  ({}, line {})",
            i + 1,
            call.id(),
            serde_json::to_value(call.flavor)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            call.span.line
        );
        if let Some(rule) = catalogue.lookup(&call.service, &call.action) {
            let _ = writeln!(s, "     integration: {}", rule.integration);
        }
        for (name, value) in leaves(&call.params) {
            let _ = writeln!(s, "     {name} <- {}", describe(value, lang));
        }
    }
    let _ = writeln!(s, "returns:");
    match &m.returns {
        None => {
            let _ = writeln!(
                s,
                "  nothing ({})",
                if lang == Language::Python {
                    "None"
                } else {
                    "undefined"
                }
            );
        }
        Some(r) => {
            for (name, value) in leaves(r) {
                let _ = writeln!(s, "  {name} <- {}", describe(value, lang));
            }
        }
    }
    if !m.throws.is_empty() {
        let _ = writeln!(s, "throws:");
        for t in &m.throws {
            let when = match &t.condition {
                Some(c) => format!(" when {}", describe_condition(c, lang)),
                None => String::new(),
            };
            let msg = t
                .message
                .as_ref()
                .map(|m| format!(": {}", describe(m, lang)))
                .unwrap_or_default();
            let _ = writeln!(s, "  {}{msg}{when} (line {})", t.error, t.span.line);
        }
    }
    let _ = writeln!(s, "reasons:");
    for r in &m.reasons {
        let _ = writeln!(
            s,
            "  [{}] {} ({}:{}): {}",
            severity(&r.code).as_str(),
            r.code,
            r.file,
            r.line,
            r.message
        );
    }
    s
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub(crate) fn write_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}
