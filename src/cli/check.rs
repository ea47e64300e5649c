//! `lambdaless check`: a CI gate. Fails when the project has replaceable Lambdas that the
//! baseline file does not list; prints a GitHub Actions annotation per finding on GitHub.

use super::audit::{scan, CostArgs};
use crate::discover::normalize;
use crate::error::{exit, InputError};
use crate::report::{self, Finding};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Arguments of `lambdaless check`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 no new replaceable Lambda; 1 replaceable Lambdas not in the \
baseline; 2 bad input. With GITHUB_ACTIONS set, each new finding is also a `::warning` annotation."
)]
pub struct Args {
    /// Project directory to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Baseline of accepted findings [default: PATH/.lambdaless-baseline.json].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the current replaceable findings to the baseline and exit 0.
    #[arg(long)]
    pub update_baseline: bool,
    /// Ignore findings whose estimated monthly savings are below USD.
    #[arg(long, value_name = "USD", default_value_t = 0.0)]
    pub min_savings: f64,
    #[command(flatten)]
    pub cost: CostArgs,
}

/// The baseline file: findings a team has seen and accepted for now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub schema_version: u32,
    pub accepted: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// The definition file, relative to the scanned root.
    pub definition: String,
    pub state_machine: String,
    pub state: String,
    pub function: String,
    /// JSON pointer of the state in its definition.
    pub pointer: String,
}

impl BaselineEntry {
    fn of(f: &Finding) -> Self {
        BaselineEntry {
            definition: f.definition.clone(),
            state_machine: f.state_machine.clone(),
            state: f.state.clone(),
            function: f.function.clone(),
            pointer: f.pointer.clone(),
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    match check(&args) {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(exit::INPUT)
        }
    }
}

fn check(args: &Args) -> Result<i32, InputError> {
    let (_, audit) = scan(&args.path, &args.cost)?;
    let base = report::base_dir(&args.path);
    let baseline_path = args
        .baseline
        .clone()
        .unwrap_or_else(|| base.join(".lambdaless-baseline.json"));
    let candidates: Vec<&Finding> = audit
        .findings
        .iter()
        .filter(|f| f.is_replaceable())
        .filter(|f| {
            f.savings
                .as_ref()
                .map(|s| s.monthly_usd >= args.min_savings)
                .unwrap_or(args.min_savings <= 0.0)
        })
        .collect();
    if args.update_baseline {
        let baseline = Baseline {
            schema_version: 1,
            accepted: candidates.iter().map(|f| BaselineEntry::of(f)).collect(),
        };
        let text = serde_json::to_string_pretty(&baseline).unwrap_or_default() + "\n";
        std::fs::write(&baseline_path, text)
            .map_err(|e| InputError::new(&baseline_path, format!("cannot write: {e}")))?;
        eprintln!(
            "wrote {} accepted finding(s) to {}",
            baseline.accepted.len(),
            baseline_path.display()
        );
        return Ok(if audit.errors.is_empty() {
            exit::OK
        } else {
            exit::INPUT
        });
    }
    let baseline = if baseline_path.exists() {
        let v = InputError::read_json(&baseline_path)?;
        serde_json::from_value::<Baseline>(v).map_err(|e| {
            InputError::new(&baseline_path, format!("not a lambdaless baseline: {e}"))
        })?
    } else if args.baseline.is_some() {
        return Err(InputError::new(&baseline_path, "no such file"));
    } else {
        Baseline::default()
    };
    let new: Vec<&Finding> = candidates
        .into_iter()
        .filter(|f| !baseline.accepted.contains(&BaselineEntry::of(f)))
        .collect();
    let github = std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| !v.is_empty());
    for f in &new {
        let file = display_path(&base, &f.definition);
        let message = describe(f);
        println!("{file}:{}: {message}", f.line.unwrap_or(1));
        if github {
            // https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#setting-a-warning-message
            println!(
                "::warning file={},line={},title=Replaceable Lambda::{}",
                escape_property(&file),
                f.line.unwrap_or(1),
                escape_data(&message)
            );
        }
    }
    let accepted = audit.findings.iter().filter(|f| f.is_replaceable()).count() - new.len();
    eprintln!(
        "{} new replaceable Lambda Task(s); {accepted} accepted or below --min-savings.",
        new.len()
    );
    Ok(if !audit.errors.is_empty() {
        exit::INPUT
    } else if new.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

fn describe(f: &Finding) -> String {
    let savings = f
        .savings
        .as_ref()
        .map(|s| format!(", about ${:.2}/month", s.monthly_usd))
        .unwrap_or_default();
    format!(
        "Task {} of {} invokes Lambda {} that only calls {}; replace it with {} ({}{savings})",
        f.state,
        f.state_machine,
        f.function,
        f.sdk_calls.join(", "),
        f.integration.as_deref().unwrap_or("a direct integration"),
        f.verdict
    )
}

/// The path as seen from the working directory (what GitHub annotations need).
fn display_path(base: &Path, rel: &str) -> String {
    let p = normalize(&base.join(rel));
    p.to_string_lossy().replace('\\', "/")
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
