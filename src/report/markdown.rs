//! Markdown for pull-request comments: a summary line, a table of replaceable Tasks, and the rest
//! folded away in `<details>`.

use super::{Audit, Finding};
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn row(out: &mut String, f: &Finding) {
    let reasons: Vec<String> = f
        .reasons
        .iter()
        .map(|r| format!("`{}`", esc(&r.code)))
        .collect();
    let _ = writeln!(
        out,
        "| {} | {} | `{}` | {} | {} | {} | {} | {} |",
        esc(&f.state_machine),
        esc(&f.state),
        esc(&f.function),
        f.verdict,
        if f.sdk_calls.is_empty() {
            "-".into()
        } else {
            format!("`{}`", f.sdk_calls.join("`, `"))
        },
        f.integration
            .as_deref()
            .map(|i| format!("`{i}`"))
            .unwrap_or_else(|| "-".into()),
        f.savings
            .as_ref()
            .map(|s| format!("${:.2}", s.monthly_usd))
            .unwrap_or_else(|| "-".into()),
        if reasons.is_empty() {
            "-".into()
        } else {
            reasons.join(", ")
        },
    );
}

const HEADER: &str = "| State machine | State | Function | Verdict | SDK call | Integration | Savings/month | Reasons |\n|---|---|---|---|---|---|---|---|\n";

pub fn render(audit: &Audit) -> String {
    let s = &audit.summary;
    let mut out = String::from("## lambdaless audit\n\n");
    let replaceable = s.replaceable + s.replaceable_with_transform;
    let _ = writeln!(
        out,
        "**{replaceable}** of {} Lambda Task(s) can become direct service integrations \
         ({} replaceable, {} with a transform); estimated savings **${:.2}/month** at {} executions/month.\n",
        s.lambda_tasks,
        s.replaceable,
        s.replaceable_with_transform,
        s.monthly_savings_usd,
        audit.cost_model.assumptions.invocations_per_month
    );
    let (yes, no): (Vec<&Finding>, Vec<&Finding>) =
        audit.findings.iter().partition(|f| f.is_replaceable());
    if !yes.is_empty() {
        out.push_str(HEADER);
        for f in &yes {
            row(&mut out, f);
        }
        out.push('\n');
    }
    if !no.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} Task(s) that stay on Lambda</summary>\n",
            no.len()
        );
        out.push_str(HEADER);
        for f in &no {
            row(&mut out, f);
        }
        out.push_str("\n</details>\n\n");
    }
    if !audit.unresolved.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} unresolved reference(s)</summary>\n",
            audit.unresolved.len()
        );
        for u in &audit.unresolved {
            let at = match (&u.state_machine, &u.state) {
                (Some(m), Some(st)) => format!("{m}/{st}"),
                _ => u.target.clone(),
            };
            let _ = writeln!(
                out,
                "- `{}` in `{}`: {}",
                esc(&at),
                esc(&u.file),
                esc(&u.reason)
            );
        }
        out.push_str("\n</details>\n\n");
    }
    let _ = writeln!(
        out,
        "<sub>Lambda prices as of {} ({}); {} ms per warm invocation assumed.</sub>",
        audit.cost_model.prices_as_of,
        audit.cost_model.region,
        audit.cost_model.assumptions.warm_duration_ms
    );
    out
}
