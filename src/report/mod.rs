//! Reports for people (text tables, Markdown, HTML) and for tools (versioned JSON, SARIF).
//!
//! [`build_audit`] turns a discovered project into an [`Audit`]: one finding per Task state that
//! invokes a known function, with the handler analysis verdict, the SDK calls, the integration
//! that can replace it, the reasons and the estimated savings. The JSON form of `Audit` is the
//! contract documented in README.md ("audit --format json contract"); bump `SCHEMA_VERSION` on
//! any breaking change.

pub mod cost;
pub mod html;
pub mod integration;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::analysis::model::{HandlerModel, Verdict};
use crate::discover::model::{InvocationStyle, Project};
use crate::error::InputError;
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const SCHEMA_VERSION: u32 = 1;

/// Verdict of a finding: the analysis verdicts, plus `unknown` when the handler could not be read.
pub const VERDICT_UNKNOWN: &str = "unknown";

#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub schema_version: u32,
    pub root: String,
    pub findings: Vec<Finding>,
    pub functions_not_called: Vec<NotCalled>,
    pub unresolved: Vec<UnresolvedItem>,
    /// Input problems met on the way (missing handler file, unparsable source).
    pub errors: Vec<ErrorItem>,
    pub summary: Summary,
    pub cost_model: CostModel,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub state_machine: String,
    pub state: String,
    /// The file holding the definition, relative to the root, with the line of the state's key.
    pub definition: String,
    pub line: Option<usize>,
    pub pointer: String,
    /// `optimized_invoke`, `optimized_invoke_callback` or `bare_arn`.
    pub invocation: InvocationStyle,
    pub function: String,
    pub template: String,
    /// Handler source file relative to the root; null when not found.
    pub handler: Option<String>,
    pub export: String,
    pub runtime: Option<String>,
    /// CDK construct paths (`Stack/OrderFlow/Resource`), when the template carries them.
    pub state_machine_construct: Option<String>,
    pub function_construct: Option<String>,
    pub language: Option<String>,
    /// `replaceable`, `replaceable-with-transform`, `not-replaceable` or `unknown`.
    pub verdict: String,
    pub sdk_calls: Vec<String>,
    /// The integration resource that replaces the Task; null unless replaceable.
    pub integration: Option<String>,
    pub reasons: Vec<ReasonItem>,
    /// Estimated monthly savings; null unless replaceable.
    pub savings: Option<cost::Savings>,
}

impl Finding {
    pub fn is_replaceable(&self) -> bool {
        self.verdict == Verdict::Replaceable.as_str()
            || self.verdict == Verdict::ReplaceableWithTransform.as_str()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonItem {
    pub code: String,
    pub message: String,
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotCalled {
    pub function: String,
    pub template: String,
    pub handler: Option<String>,
    pub runtime: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnresolvedItem {
    /// `task-link` (a Task whose function is not known) or `definition`.
    pub kind: String,
    pub file: String,
    pub line: Option<usize>,
    pub state_machine: Option<String>,
    pub state: Option<String>,
    /// JSON pointer of the Task state (task links only).
    pub pointer: Option<String>,
    /// What the Task named, or the resource concerned.
    pub target: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorItem {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub state_machines: usize,
    pub functions: usize,
    pub lambda_tasks: usize,
    pub findings: usize,
    pub replaceable: usize,
    pub replaceable_with_transform: usize,
    pub not_replaceable: usize,
    pub unknown: usize,
    pub unresolved: usize,
    pub functions_not_called: usize,
    pub monthly_savings_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CostModel {
    pub prices_as_of: String,
    pub source: String,
    pub region: String,
    pub assumptions: cost::Assumptions,
}

#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    pub assumptions: cost::Assumptions,
    /// Per-function / per-state-machine invocations (`--usage FILE`).
    pub usage: cost::Usage,
}

/// The outcome of reading one function's handler.
enum Analysed {
    Model(Box<HandlerModel>),
    /// Not read, with a reason code and message; `error` when it is an input error.
    Skipped {
        code: &'static str,
        message: String,
        error: Option<InputError>,
    },
}

/// Builds the audit: analyses each linked function once, then one finding per Task.
/// `progress(done, total)` is called per analysed function.
pub fn build_audit(
    project: &Project,
    options: &AuditOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Audit {
    let base = base_dir(&project.root);
    let rel = |p: &Path| relative(&base, p);
    let called: Vec<usize> = {
        let mut v: Vec<usize> = project.links.iter().filter_map(|l| l.function).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut analyses: HashMap<usize, Analysed> = HashMap::new();
    for (done, &fi) in called.iter().enumerate() {
        progress(done, called.len());
        analyses.insert(fi, analyse(project, fi));
    }
    progress(called.len(), called.len());

    let mut findings = Vec::new();
    let mut unresolved = Vec::new();
    let mut errors: Vec<ErrorItem> = Vec::new();
    let mut reported_errors = std::collections::HashSet::new();
    for link in &project.links {
        let sm = &project.state_machines[link.state_machine];
        let Some(fi) = link.function else {
            unresolved.push(UnresolvedItem {
                kind: "task-link".into(),
                file: rel(&link.file),
                line: link.line,
                state_machine: Some(sm.name.clone()),
                state: Some(link.state.clone()),
                pointer: Some(link.pointer.clone()),
                target: link.target.clone(),
                reason: link
                    .unresolved
                    .clone()
                    .unwrap_or_else(|| "unresolved".into()),
            });
            continue;
        };
        let f = &project.functions[fi];
        let handler = f.handler_file.as_deref().map(&rel);
        let mut finding = Finding {
            state_machine: sm.name.clone(),
            state: link.state.clone(),
            definition: rel(&link.file),
            line: link.line,
            pointer: link.pointer.clone(),
            invocation: link.style,
            function: f.id.clone(),
            template: rel(&f.template),
            handler: handler.clone(),
            export: f.handler_export.clone(),
            runtime: f.runtime.clone(),
            state_machine_construct: sm.construct.clone(),
            function_construct: f.construct.clone(),
            language: None,
            verdict: VERDICT_UNKNOWN.into(),
            sdk_calls: Vec::new(),
            integration: None,
            reasons: Vec::new(),
            savings: None,
        };
        match analyses.get(&fi) {
            Some(Analysed::Model(m)) => {
                finding.language = Some(m.language.as_str().to_string());
                finding.verdict = m.verdict.as_str().to_string();
                finding.sdk_calls = m.calls.iter().map(|c| c.id()).collect();
                finding.reasons = m
                    .reasons
                    .iter()
                    .map(|r| ReasonItem {
                        code: r.code.clone(),
                        message: r.message.clone(),
                        file: rel(Path::new(&r.file)),
                        line: r.line,
                    })
                    .collect();
                if m.verdict.is_replaceable() && m.calls.len() == 1 {
                    let c = &m.calls[0];
                    finding.integration = integration::integration_for(&c.service, &c.action);
                    // Callback Tasks wait for a token: the Lambda is not the whole cost; still
                    // the invocation itself goes away.
                    let mut assumptions = options.assumptions.clone();
                    if let Some(n) = options.usage.invocations(&sm.name, &f.id) {
                        assumptions.invocations_per_month = n;
                    }
                    finding.savings = Some(cost::estimate(
                        cost::FunctionConfig {
                            memory_mb: f.memory_mb,
                            timeout_s: f.timeout_s,
                            architecture: f.architecture.as_deref(),
                            express: sm.workflow_type.eq_ignore_ascii_case("EXPRESS"),
                        },
                        &assumptions,
                    ));
                }
            }
            Some(Analysed::Skipped {
                code,
                message,
                error,
            }) => {
                finding.reasons.push(ReasonItem {
                    code: code.to_string(),
                    message: message.clone(),
                    file: handler.clone().unwrap_or_else(|| rel(&f.template)),
                    line: error.as_ref().and_then(|e| e.location.line).unwrap_or(0),
                });
                if let Some(e) = error {
                    if reported_errors.insert(fi) {
                        errors.push(ErrorItem {
                            file: rel(&e.file),
                            line: e.location.line,
                            column: e.location.column,
                            message: e.message.clone(),
                        });
                    }
                }
            }
            None => {}
        }
        findings.push(finding);
    }
    for u in &project.unresolved {
        unresolved.push(UnresolvedItem {
            kind: "definition".into(),
            file: rel(&u.file),
            line: None,
            state_machine: None,
            state: None,
            pointer: None,
            target: u.subject.clone(),
            reason: u.reason.clone(),
        });
    }
    let functions_not_called: Vec<NotCalled> = project
        .functions
        .iter()
        .enumerate()
        .filter(|(i, _)| called.binary_search(i).is_err())
        .map(|(_, f)| NotCalled {
            function: f.id.clone(),
            template: rel(&f.template),
            handler: f.handler_file.as_deref().map(&rel),
            runtime: f.runtime.clone(),
        })
        .collect();
    let count = |v: &str| findings.iter().filter(|f| f.verdict == v).count();
    let summary = Summary {
        state_machines: project.state_machines.len(),
        functions: project.functions.len(),
        lambda_tasks: project.links.len(),
        findings: findings.len(),
        replaceable: count(Verdict::Replaceable.as_str()),
        replaceable_with_transform: count(Verdict::ReplaceableWithTransform.as_str()),
        not_replaceable: count(Verdict::NotReplaceable.as_str()),
        unknown: count(VERDICT_UNKNOWN),
        unresolved: unresolved.len(),
        functions_not_called: functions_not_called.len(),
        monthly_savings_usd: cost::round_cents(
            findings
                .iter()
                .filter_map(|f| f.savings.as_ref())
                .map(|s| s.monthly_usd)
                .sum(),
        ),
    };
    Audit {
        schema_version: SCHEMA_VERSION,
        root: project.root.display().to_string(),
        findings,
        functions_not_called,
        unresolved,
        errors,
        summary,
        cost_model: CostModel {
            prices_as_of: cost::PRICES_AS_OF.into(),
            source: cost::PRICES_SOURCE.into(),
            region: crate::discover::refs::REGION.into(),
            assumptions: options.assumptions.clone(),
        },
    }
}

fn analyse(project: &Project, fi: usize) -> Analysed {
    let f = &project.functions[fi];
    let Some(file) = &f.handler_file else {
        let note = f
            .handler_note
            .clone()
            .unwrap_or_else(|| "the handler source was not found".into());
        // A local code directory without the handler's file is an input error; code kept
        // elsewhere (S3, inline, images, other runtimes) is simply not analysed.
        let local_missing = note.starts_with("no source file");
        return Analysed::Skipped {
            code: if local_missing {
                "handler-not-found"
            } else {
                "handler-not-analysed"
            },
            message: note.clone(),
            error: local_missing
                .then(|| InputError::new(f.template.clone(), format!("function {}: {note}", f.id))),
        };
    };
    let env: IndexMap<String, String> = f
        .environment
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect();
    match crate::analysis::analyze_file(file, &f.handler_export, &env) {
        Ok(m) => Analysed::Model(Box::new(m)),
        Err(e) => Analysed::Skipped {
            code: "analysis-failed",
            message: e.message.clone(),
            error: Some(e),
        },
    }
}

/// The directory report paths are relative to.
pub fn base_dir(root: &Path) -> PathBuf {
    if root.is_file() {
        root.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        root.to_path_buf()
    }
}

/// `path` relative to `base`, with `/` separators.
pub fn relative(base: &Path, path: &Path) -> String {
    let p = path.strip_prefix(base).unwrap_or(path);
    let s = p.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}
