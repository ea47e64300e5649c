//! `lambdaless rewrite`.

use crate::discover::model::Project;
use crate::error::exit;
use crate::rewrite::{self, pipeline, RewriteOptions, RewritePlan};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The rewritten Tasks with their notes, the diffs, IAM changes and unused functions.
    Diff,
    /// Only the unified diffs, ready for `git apply` (paths relative to PATH).
    Patch,
    /// The whole plan as JSON.
    Json,
}

/// Arguments of `lambdaless rewrite`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 done; 1 --write withheld Tasks that verify has not proven (use --force); \
1 --validate-remote: Step Functions reported an ERROR diagnostic for a rewritten definition (nothing is written); \
2 bad input (malformed template or definition, missing handler file, unparsable handler source), AWS access errors."
)]
pub struct Args {
    /// Project directory (or one template / ASL file).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Apply the edits to the files (atomically: all files or none are replaced).
    #[arg(long)]
    pub write: bool,
    /// With --write: also write Tasks that verify has not proven equivalent.
    #[arg(long, requires = "write")]
    pub force: bool,
    #[arg(long, value_enum, default_value_t = Format::Diff)]
    pub format: Format,
    /// Rewrite only this state (repeatable).
    #[arg(long, value_name = "STATE")]
    pub only: Vec<String>,
    /// Never rewrite the Tasks that call this function (logical id or FunctionName; repeatable).
    #[arg(long, value_name = "FUNCTION")]
    pub exclude: Vec<String>,
    /// Check each rewritten definition with Step Functions' ValidateStateMachineDefinition
    /// (read-only); an ERROR diagnostic fails the rewrite and nothing is written.
    #[arg(long)]
    pub validate_remote: bool,
    #[command(flatten)]
    pub connection: crate::cloud::client::Connection,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let options = RewriteOptions {
        only: args.only.clone(),
        exclude: args.exclude.clone(),
        withhold: Vec::new(),
    };
    let mut planned = match pipeline::plan_path(&args.path, &options) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::INPUT);
        }
    };
    for e in &planned.handler_errors {
        eprintln!("error: {e}");
    }
    let (out, code) = execute(&mut planned, &args, options)?;
    print!("{out}");
    Ok(code)
}

/// Renders the plan and, with --write, applies it. Returns the output and the exit code.
fn execute(
    planned: &mut pipeline::Planned,
    args: &Args,
    mut options: RewriteOptions,
) -> anyhow::Result<(String, i32)> {
    let mut code = exit::OK;
    // Withhold what verify does not prove, then prove the rest again: a Task whose rewrite
    // differs also makes the whole-machine run differ, so the proof of the others is only
    // known once it is left out. Each round withholds at least one Task, so this ends.
    while args.write && !args.force && !planned.plan.tasks.is_empty() {
        let unproven = match unproven_tasks(planned) {
            Ok(u) => u,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok((String::new(), exit::INPUT));
            }
        };
        if unproven.is_empty() {
            break;
        }
        options.withhold.extend(unproven);
        planned.plan = rewrite::plan(&planned.project, &planned.models, &options);
        code = exit::FINDINGS;
    }
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&planned.plan)? + "\n",
        Format::Patch => planned.plan.edits.iter().map(|e| e.diff.as_str()).collect(),
        Format::Diff => render_text(&planned.project, &planned.plan),
    };
    if args.validate_remote {
        if let Some(stop) = crate::cloud::validate::gate(
            &args.connection,
            &planned.project,
            &planned.plan,
            args.write,
        ) {
            return Ok((out, stop));
        }
    }
    if args.write {
        match rewrite::apply::write_all(&planned.plan.edits) {
            Ok(written) => {
                for p in written {
                    eprintln!("wrote {}", p.display());
                }
            }
            Err(e) => {
                eprintln!("error: nothing written: {e}");
                return Ok((out, exit::INPUT));
            }
        }
    }
    if !planned.handler_errors.is_empty() {
        return Ok((out, exit::INPUT));
    }
    Ok((out, code))
}

/// The Tasks `--write` must withhold because `verify` does not prove them equivalent, decided
/// exactly as `lambdaless verify` decides (same options, same simulation of the Lambda Tasks
/// left in place).
fn unproven_tasks(
    planned: &pipeline::Planned,
) -> Result<Vec<(usize, String, String)>, crate::error::InputError> {
    crate::verify::unproven_tasks(
        &planned.project,
        &planned.plan,
        &planned.models,
        &crate::verify::VerifyOptions::default(),
    )
}

fn render_text(project: &Project, plan: &RewritePlan) -> String {
    let mut s = String::new();
    let sm_name = |i: usize| {
        project
            .state_machines
            .get(i)
            .map(|m| m.name.as_str())
            .unwrap_or("?")
    };
    let fn_id = |i: usize| {
        project
            .functions
            .get(i)
            .map(|f| f.id.as_str())
            .unwrap_or("?")
    };
    let _ = writeln!(s, "Rewritten Tasks ({}):", plan.tasks.len());
    for t in &plan.tasks {
        let resource = t
            .rewritten
            .get("Resource")
            .and_then(|r| r.as_str())
            .unwrap_or("?");
        let _ = writeln!(
            s,
            "  {} / {}: {} -> {}",
            sm_name(t.state_machine),
            t.state,
            fn_id(t.function),
            resource
        );
        for n in &t.notes {
            let _ = writeln!(s, "    - {n}");
        }
    }
    if !plan.skipped.is_empty() {
        let _ = writeln!(s, "\nNot rewritten ({}):", plan.skipped.len());
        for k in &plan.skipped {
            let f = k.function.map(fn_id).unwrap_or("?");
            let _ = writeln!(
                s,
                "  {} / {} ({f}): {}",
                sm_name(k.state_machine),
                k.state,
                k.reason
            );
        }
    }
    if !plan.edits.is_empty() {
        let _ = writeln!(s, "\nChanges:");
        for e in &plan.edits {
            s.push_str(&e.diff);
        }
    }
    if !plan.cdk.is_empty() {
        let _ = writeln!(
            s,
            "\nCDK app (cdk.out is generated, so it is not edited): replace each tasks.LambdaInvoke"
        );
        for c in &plan.cdk {
            let at = c
                .source
                .as_ref()
                .map(|(f, l)| format!(" at {}:{l}", f.display()))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {} / {}{at}: use {}",
                sm_name(c.state_machine),
                c.state,
                c.construct
            );
            for line in c.code.lines() {
                let _ = writeln!(s, "    {line}");
            }
        }
    }
    if !plan.iam_add.is_empty() || !plan.iam_remove.is_empty() {
        let _ = writeln!(s, "\nIAM statements for the state machine's role");
        let pretty = |v: &serde_json::Value| serde_json::to_string(v).unwrap_or_default();
        for st in &plan.iam_add {
            let _ = writeln!(s, "  add:    {}", pretty(st));
        }
        for st in &plan.iam_remove {
            let _ = writeln!(s, "  remove: {}", pretty(st));
        }
        for t in &plan.iam_template {
            let _ = writeln!(s, "  {}:", t.location);
            // Multi-line items (Terraform statement blocks) keep their shape under the marker.
            for a in &t.add {
                let _ = writeln!(s, "    + {}", a.replace('\n', "\n      "));
            }
            for r in &t.remove {
                let _ = writeln!(s, "    - {}", r.replace('\n', "\n      "));
            }
        }
    }
    if !plan.unused_resources.is_empty() {
        let _ = writeln!(
            s,
            "\nLeft unused (functions no Task calls any more, their roles and log groups):"
        );
        for r in &plan.unused_resources {
            let _ = writeln!(s, "  {} {}: {}", r.kind, r.id, r.note);
        }
    } else if !plan.unused_functions.is_empty() {
        let _ = writeln!(
            s,
            "\nFunctions no Task calls any more (delete them with their execution roles and log groups):"
        );
        for id in &plan.unused_functions {
            let name = project
                .functions
                .iter()
                .find(|f| &f.id == id)
                .and_then(|f| f.function_name.clone());
            let log = name
                .map(|n| format!("/aws/lambda/{n}"))
                .unwrap_or_else(|| "/aws/lambda/<its generated name>".into());
            let _ = writeln!(s, "  {id} (log group {log})");
        }
    }
    for w in &plan.warnings {
        let _ = writeln!(s, "\nwarning: {w}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::pipeline::{self, Planned};

    /// A copy of the order-service example in a temp dir, planned by the real pipeline.
    fn planned_copy() -> (tempfile::TempDir, Planned) {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/order-service");
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&src, dir.path());
        let planned = pipeline::plan_path(dir.path(), &RewriteOptions::default()).unwrap();
        assert!(planned.handler_errors.is_empty());
        (dir, planned)
    }

    fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let dst = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                std::fs::create_dir_all(&dst).unwrap();
                copy_dir(&entry.path(), &dst);
            } else {
                std::fs::copy(entry.path(), &dst).unwrap();
            }
        }
    }

    fn args(dir: &std::path::Path, write: bool, force: bool, format: Format) -> Args {
        Args {
            path: dir.to_path_buf(),
            write,
            force,
            format,
            only: vec![],
            exclude: vec![],
            validate_remote: false,
            connection: Default::default(),
        }
    }

    /// Without --force, --write applies only the Tasks verify proves; the others stay Lambda
    /// Tasks, are reported, and the exit code says so.
    #[test]
    fn write_applies_only_proven_tasks() {
        let (dir, mut planned) = planned_copy();
        let all: Vec<String> = planned.plan.tasks.iter().map(|t| t.state.clone()).collect();
        let a = args(dir.path(), true, false, Format::Diff);
        let (out, code) = execute(&mut planned, &a, RewriteOptions::default()).unwrap();
        let written: Vec<String> = planned.plan.tasks.iter().map(|t| t.state.clone()).collect();
        let withheld: Vec<String> = planned
            .plan
            .skipped
            .iter()
            .filter(|s| s.reason.contains("not proven equivalent by verify"))
            .map(|s| s.state.clone())
            .collect();
        assert_eq!(written.len() + withheld.len(), all.len(), "{out}");
        assert_eq!(
            code,
            if withheld.is_empty() {
                exit::OK
            } else {
                exit::FINDINGS
            }
        );
        // The file on disk holds exactly the written rewrites.
        let again = crate::discover::discover(dir.path()).unwrap();
        let still_lambda: Vec<&str> = again.links.iter().map(|l| l.state.as_str()).collect();
        for s in &written {
            assert!(
                !still_lambda.contains(&s.as_str()),
                "{s} should be rewritten"
            );
        }
        for s in &withheld {
            assert!(
                still_lambda.contains(&s.as_str()),
                "{s} should still call its Lambda"
            );
        }
        // SaveOrder is proven: lib-dynamodb's marshalling and the Retry that replaces the SDK's
        // own retries hold on every generated input and injected fault.
        assert!(written.contains(&"SaveOrder".to_string()), "{out}");
    }

    #[test]
    fn forced_write_applies_every_edit() {
        let (dir, mut planned) = planned_copy();
        let expected: Vec<(PathBuf, String)> = planned
            .plan
            .edits
            .iter()
            .map(|e| (e.path.clone(), e.new_text.clone()))
            .collect();
        assert_eq!(expected.len(), 2);
        let a = args(dir.path(), true, true, Format::Patch);
        let (out, code) = execute(&mut planned, &a, RewriteOptions::default()).unwrap();
        assert_eq!(code, exit::OK);
        assert!(
            out.starts_with("diff --git a/statemachine/order.asl.json"),
            "{out}"
        );
        for (path, text) in expected {
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
        // The written project is discovered again, and the rewritten Tasks no longer call Lambda.
        let again = crate::discover::discover(dir.path()).unwrap();
        let states: Vec<&str> = again.links.iter().map(|l| l.state.as_str()).collect();
        assert_eq!(states, ["PriceOrder"]);
    }

    #[test]
    fn text_output_lists_tasks_iam_and_unused_functions() {
        let (dir, mut planned) = planned_copy();
        let a = args(dir.path(), false, false, Format::Diff);
        let (out, code) = execute(&mut planned, &a, RewriteOptions::default()).unwrap();
        assert_eq!(code, exit::OK);
        for needle in [
            "OrderWorkflow / SaveOrder: SaveOrderFunction -> arn:aws:states:::dynamodb:putItem",
            "OrderWorkflow / PriceOrder (PriceOrderFunction): the handler is not-replaceable",
            "add:    {\"Effect\":\"Allow\",\"Action\":[\"dynamodb:PutItem\"]",
            "+ - DynamoDBWritePolicy: TableName: !Ref OrdersTable",
            "- - LambdaInvokePolicy: FunctionName: !Ref SaveOrderFunction",
            "  function EmitEventFunction: no Task calls it any more",
            "  role EmitEventFunctionRole: generated by SAM for the function: deleted with it",
            "  log group /aws/lambda/<generated name of EmitEventFunction>: created by Lambda",
        ] {
            assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
        }
    }
}
