//! `lambdaless audit`.

use crate::discover::{self, model::Project};
use crate::error::{exit, InputError};
use crate::report::{self, cost, text, Audit, AuditOptions};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Sarif,
    Html,
}

/// Arguments of `lambdaless audit`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 done; 1 replaceable Tasks found (with --fail-on-findings); \
2 bad input (a malformed template or definition names file:line:column; a missing handler file or \
unparsable handler source is reported in the table and also gives 2)."
)]
pub struct Args {
    /// Project directory (or one template / ASL file) to scan; .gitignore is honoured.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub cost: CostArgs,
    /// Exit 1 when any Task is replaceable.
    #[arg(long)]
    pub fail_on_findings: bool,
    /// Audit the state machines deployed in the AWS account (read-only) instead of the project's.
    #[arg(long)]
    pub aws: bool,
    /// With --aws: local source tree whose functions the deployed Tasks are matched to (default PATH).
    #[arg(long, value_name = "DIR", requires = "aws")]
    pub source: Option<PathBuf>,
    #[command(flatten)]
    pub connection: crate::cloud::client::Connection,
}

/// The cost model's inputs that templates do not give.
#[derive(Debug, Clone, clap::Args)]
pub struct CostArgs {
    /// Executions per month of each state machine, for the savings estimate.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub invocations: u64,
    /// Assumed billed duration of one warm invocation of a forwarding Lambda, in ms.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub duration_ms: u64,
    /// Measured invocations per month (JSON or YAML): `{"functions": {ID: N}, "state_machines": {NAME: N}}`.
    #[arg(long, value_name = "FILE")]
    pub usage: Option<PathBuf>,
}

impl CostArgs {
    pub fn options(&self) -> Result<AuditOptions, InputError> {
        Ok(AuditOptions {
            assumptions: cost::Assumptions {
                invocations_per_month: self.invocations,
                warm_duration_ms: self.duration_ms,
                ..cost::Assumptions::default()
            },
            usage: match &self.usage {
                Some(p) => cost::Usage::read(p)?,
                None => cost::Usage::default(),
            },
        })
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let scanned = if args.aws {
        let source = args.source.as_deref().unwrap_or(&args.path);
        match crate::cloud::audit::scan_account(&args.connection, source, &args.cost) {
            Ok(a) => Ok(a),
            Err(e) => {
                eprintln!("error: {e:#}");
                return Ok(exit::INPUT);
            }
        }
    } else {
        scan(&args.path, &args.cost)
    };
    let (project, audit) = match scanned {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::INPUT);
        }
    };
    let rendered = render(&project, &audit, args.format, args.output.is_none());
    match &args.output {
        Some(file) => std::fs::write(file, rendered)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?,
        None => print!("{rendered}"),
    }
    Ok(exit_code(&audit, args.fail_on_findings))
}

/// Discovers and analyses a project, printing input errors on stderr as warnings.
pub fn scan(path: &Path, cost: &CostArgs) -> Result<(Project, Audit), InputError> {
    let options = cost.options()?;
    let bar = progress_bar();
    let project = discover::discover_with_progress(path, &mut |done, total| {
        if let Some(b) = &bar {
            // Message and position before length: a stage's first update never shows the
            // previous stage's position over the new length.
            b.set_message("reading infrastructure");
            b.set_position(done as u64);
            b.set_length(total as u64);
        }
    })?;
    let audit = report::build_audit(&project, &options, &mut |done, total| {
        if let Some(b) = &bar {
            // Message and position before length: a stage's first update never shows the
            // previous stage's position over the new length.
            b.set_message("analysing handlers");
            b.set_position(done as u64);
            b.set_length(total as u64);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let base = report::base_dir(path);
    for e in &audit.errors {
        let loc = match (e.line, e.column) {
            (Some(l), Some(c)) => format!(":{l}:{c}"),
            (Some(l), None) => format!(":{l}"),
            _ => String::new(),
        };
        let file = discover::normalize(&base.join(&e.file));
        eprintln!("error: {}{loc}: {}", file.display(), e.message);
    }
    Ok((project, audit))
}

/// A progress bar on stderr, only when stderr is a terminal.
fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    // Short scans finish before the bar would draw.
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

pub fn render(project: &Project, audit: &Audit, format: Format, to_stdout: bool) -> String {
    match format {
        Format::Text => {
            let tty = to_stdout && std::io::stdout().is_terminal();
            let color = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let width = if tty {
                terminal_size::terminal_size().map(|(w, _)| w.0 as usize)
            } else {
                std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
            };
            text::render(audit, text::TextOptions { width, color })
        }
        Format::Json => {
            let mut s = serde_json::to_string_pretty(audit).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Markdown => report::markdown::render(audit),
        Format::Html => report::html::render(project, audit),
        Format::Sarif => {
            let mut s =
                serde_json::to_string_pretty(&report::sarif::render(audit)).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

fn exit_code(audit: &Audit, fail_on_findings: bool) -> i32 {
    if !audit.errors.is_empty() {
        exit::INPUT
    } else if fail_on_findings && audit.findings.iter().any(|f| f.is_replaceable()) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
