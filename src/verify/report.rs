//! Text rendering of a [`VerifyReport`] (the JSON form is its serde serialization).

use super::compare::{Kind, RunOutcome};
use super::{Counterexample, TaskReport, Verdict, VerifyReport};
use serde_json::Value;
use std::fmt::Write;

fn short(v: &Value, max: usize) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}

fn task_line(out: &mut String, t: &TaskReport) {
    let head = if t.function.is_empty() {
        t.state.clone()
    } else {
        format!("{} ({} → {})", t.state, t.function, t.integration)
    };
    match t.verdict {
        Verdict::Proven => {
            let _ = writeln!(
                out,
                "  ✔ {head}: proven on {} inputs ({} within the samples' types) and {} fault scenarios",
                t.inputs, t.inputs_in_domain, t.fault_scenarios
            );
            if t.inputs_with_seeded_item > 0 {
                let _ = writeln!(
                    out,
                    "      {} of those inputs read an item seeded into the table (a DynamoDB hit)",
                    t.inputs_with_seeded_item
                );
            }
        }
        Verdict::NotEquivalent => {
            let _ = writeln!(out, "  ✘ {head}: NOT EQUIVALENT");
        }
        Verdict::Inconclusive => {
            let _ = writeln!(out, "  ? {head}: inconclusive");
        }
    }
    if let Some(r) = &t.reason {
        let _ = writeln!(out, "      {r}");
    }
    if let Some(c) = &t.counterexample {
        counterexample(out, c);
    }
    if t.out_of_domain_differences > 0 {
        let _ = writeln!(
            out,
            "      assumes the types of the samples: {} generated inputs of other types behave differently, e.g.",
            t.out_of_domain_differences
        );
        if let Some(c) = &t.out_of_domain_example {
            let _ = writeln!(out, "        input {}", short(&c.input, 120));
            for d in c.differences.iter().take(2) {
                let _ = writeln!(
                    out,
                    "        {}: {} → {}",
                    d.at,
                    short(&d.original, 60),
                    short(&d.rewritten, 60)
                );
            }
        }
    }
    if let Some(p) = &t.partial_failure {
        let mark = if p.same {
            "same"
        } else if p.accepted {
            "accepted change"
        } else {
            "DIFFERENT"
        };
        let _ = writeln!(out, "      {} ({mark}):", p.scenario);
        let _ = writeln!(out, "        original:  {}", p.original);
        let _ = writeln!(out, "        rewritten: {}", p.rewritten);
        let _ = writeln!(out, "        {}", p.note);
    }
    for n in &t.faults_not_injected {
        let _ = writeln!(
            out,
            "      not injected: {}: {}",
            n.errors.join(", "),
            n.why
        );
    }
    for f in &t.findings {
        let label = match f.kind {
            Kind::Warning => "WARNING",
            Kind::Accepted => "accepted",
            Kind::Difference => "difference",
        };
        let _ = writeln!(
            out,
            "      {label} ({}×) at {}: {}",
            f.occurrences, f.at, f.note
        );
        if f.kind == Kind::Warning || f.at == "error" {
            let _ = writeln!(out, "        original:  {}", short(&f.original, 100));
            let _ = writeln!(out, "        rewritten: {}", short(&f.rewritten, 100));
        }
    }
}

fn counterexample(out: &mut String, c: &Counterexample) {
    let _ = writeln!(out, "      counterexample (shrunk from {}):", c.found_with);
    let _ = writeln!(out, "        input: {}", short(&c.input, 200));
    if let Some(f) = &c.fault {
        let _ = writeln!(out, "        fault: {}", f.describe());
    }
    if let Some(h) = &c.hint {
        let _ = writeln!(out, "        hint: {h}");
    }
    const SHOWN: usize = 4;
    for d in c.differences.iter().take(SHOWN) {
        let _ = writeln!(
            out,
            "        differs at {} ({:?}): {}",
            d.at, d.aspect, d.note
        );
        let _ = writeln!(out, "          original:  {}", short(&d.original, 160));
        let _ = writeln!(out, "          rewritten: {}", short(&d.rewritten, 160));
    }
    if c.differences.len() > SHOWN {
        let _ = writeln!(
            out,
            "        … and {} more differences (--format json lists them all)",
            c.differences.len() - SHOWN
        );
    }
    side_by_side(out, &c.original, &c.rewritten);
}

fn run_lines(r: &RunOutcome) -> Vec<String> {
    let mut lines = Vec::new();
    let mut calls = r.calls.iter().peekable();
    for state in &r.path {
        lines.push(format!("→ {state}"));
        while let Some(c) = calls.peek() {
            if &c.state != state {
                break;
            }
            let outcome = match &c.error {
                Some(e) if c.injected => format!(" ✗ {e} (injected)"),
                Some(e) => format!(" ✗ {e}"),
                None => String::new(),
            };
            lines.push(format!("    {}{}", c.operation, outcome));
            calls.next();
        }
    }
    lines.push(format!(
        "= {}{}",
        r.status,
        match &r.error {
            Some(e) => format!(" {e}"),
            None => format!(" {}", short(r.output.as_ref().unwrap_or(&Value::Null), 40)),
        }
    ));
    lines
}

fn side_by_side(out: &mut String, a: &RunOutcome, b: &RunOutcome) {
    let (la, lb) = (run_lines(a), run_lines(b));
    let width = 48;
    let _ = writeln!(out, "        {:<width$} | {}", "original", "rewritten");
    for i in 0..la.len().max(lb.len()) {
        let left = la.get(i).map(String::as_str).unwrap_or("");
        let left: String = left.chars().take(width).collect();
        let _ = writeln!(
            out,
            "        {:<width$} | {}",
            left,
            lb.get(i).map(String::as_str).unwrap_or("")
        );
    }
}

pub fn text(report: &VerifyReport) -> String {
    let mut out = String::new();
    if report.machines.is_empty() {
        out.push_str("No rewritten Tasks to verify.\n");
        return out;
    }
    for m in &report.machines {
        let _ = writeln!(out, "State machine {}", m.state_machine);
        for t in &m.tasks {
            task_line(&mut out, t);
        }
        task_line(&mut out, &m.whole_machine);
    }
    let _ = writeln!(
        out,
        "\n{} (seed {}, {} generated inputs per Task; rerun with --seed {} to reproduce)",
        if report.equivalent() {
            "EQUIVALENT"
        } else {
            "NOT EQUIVALENT"
        },
        report.seed,
        report.generated_per_task,
        report.seed
    );
    out
}
