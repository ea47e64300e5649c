//! A self-contained HTML report: per state machine, the workflow before and after (inline SVG,
//! no external assets, no network), and the findings table. Replaceable Lambda Tasks are drawn
//! orange before and green, labelled with their integration, after.

use super::{Audit, Finding};
use crate::discover::model::Project;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write;

const NODE_W: f64 = 230.0;
const LINE_H: f64 = 16.0;
const GAP_X: f64 = 30.0;
const GAP_Y: f64 = 42.0;
const MARGIN: f64 = 20.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Before,
    After,
}

/// How one state is drawn.
struct NodeView {
    name: String,
    lines: Vec<String>,
    class: &'static str,
}

/// Findings of one state machine by JSON pointer, and the pointers of Lambda Tasks whose
/// function discovery could not identify.
#[derive(Default)]
struct ByPointer<'a> {
    findings: HashMap<&'a str, &'a Finding>,
    unresolved: std::collections::HashSet<&'a str>,
}

fn task_line(
    pointer: &str,
    state: &Value,
    findings: &ByPointer,
    side: Side,
) -> (String, &'static str) {
    match findings.findings.get(pointer) {
        Some(f) if f.is_replaceable() && side == Side::After => (
            f.integration
                .as_deref()
                .unwrap_or("direct integration")
                .trim_start_matches("arn:aws:states:::")
                .to_string(),
            "replaced",
        ),
        Some(f) if f.is_replaceable() => (format!("λ {}", f.function), "replaceable"),
        Some(f) => (format!("λ {}", f.function), "lambda"),
        None => {
            let r = state.get("Resource").and_then(Value::as_str).unwrap_or("");
            let label = r.trim_start_matches("arn:aws:states:::");
            if r.contains(":lambda:") || findings.unresolved.contains(pointer) {
                // A Lambda Task whose function is not known.
                (format!("λ ? {label}"), "lambda")
            } else {
                (label.to_string(), "task")
            }
        }
    }
}

fn node_view(
    name: &str,
    pointer: &str,
    state: &Value,
    findings: &ByPointer,
    side: Side,
) -> NodeView {
    let ty = state.get("Type").and_then(Value::as_str).unwrap_or("?");
    let mut lines = Vec::new();
    let class = match ty {
        "Task" => {
            let (l, c) = task_line(pointer, state, findings, side);
            lines.push(short(&l, 34));
            c
        }
        "Parallel" | "Map" => {
            lines.push(ty.to_string());
            let inner: Vec<(String, &Value)> = if ty == "Parallel" {
                state
                    .get("Branches")
                    .and_then(Value::as_array)
                    .map(|b| {
                        b.iter()
                            .enumerate()
                            .map(|(i, br)| (format!("{pointer}/Branches/{i}"), br))
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                ["ItemProcessor", "Iterator"]
                    .iter()
                    .filter_map(|k| state.get(*k).map(|v| (format!("{pointer}/{k}"), v)))
                    .collect()
            };
            let mut any_replaced = false;
            for (prefix, sub) in inner {
                if let Some(states) = sub.get("States").and_then(Value::as_object) {
                    for (n, s) in states {
                        let p = format!(
                            "{prefix}/States/{}",
                            n.replace('~', "~0").replace('/', "~1")
                        );
                        let t = s.get("Type").and_then(Value::as_str).unwrap_or("?");
                        let label = if t == "Task" {
                            let (l, c) = task_line(&p, s, findings, side);
                            any_replaced |= c == "replaced" || c == "replaceable";
                            l
                        } else {
                            t.to_string()
                        };
                        lines.push(short(&format!("• {n}: {label}"), 34));
                    }
                }
            }
            if any_replaced {
                if side == Side::After {
                    "replaced"
                } else {
                    "replaceable"
                }
            } else {
                "group"
            }
        }
        "Choice" => {
            lines.push("Choice".into());
            "choice"
        }
        "Succeed" | "Fail" => {
            lines.push(ty.into());
            "end"
        }
        other => {
            lines.push(other.into());
            "other"
        }
    };
    NodeView {
        name: name.to_string(),
        lines,
        class,
    }
}

/// Successors of a state: Next, Default, Choices[].Next, Catch[].Next.
fn successors(state: &Value) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if let Some(n) = state.get("Next").and_then(Value::as_str) {
        out.push((n.to_string(), false));
    }
    if let Some(d) = state.get("Default").and_then(Value::as_str) {
        out.push((d.to_string(), true));
    }
    for key in ["Choices", "Catch"] {
        if let Some(arr) = state.get(key).and_then(Value::as_array) {
            for c in arr {
                if let Some(n) = c.get("Next").and_then(Value::as_str) {
                    out.push((n.to_string(), true));
                }
            }
        }
    }
    out
}

/// One diagram: states in levels by distance from StartAt.
fn diagram(def: &Value, findings: &ByPointer, side: Side, id: &str) -> String {
    let empty = Map::new();
    let states = def
        .get("States")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let start = def.get("StartAt").and_then(Value::as_str).unwrap_or("");
    let mut level: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut queue = VecDeque::new();
    if states.contains_key(start) {
        level.insert(start, 0);
        queue.push_back(start);
    }
    while let Some(n) = queue.pop_front() {
        order.push(n);
        let l = level[n];
        for (next, _) in successors(&states[n]) {
            if let Some((k, _)) = states.get_key_value(&next) {
                if !level.contains_key(k.as_str()) {
                    level.insert(k.as_str(), l + 1);
                    queue.push_back(k.as_str());
                }
            }
        }
    }
    let mut max_level = level.values().copied().max().unwrap_or(0);
    for k in states.keys() {
        if !level.contains_key(k.as_str()) {
            max_level += 1;
            level.insert(k.as_str(), max_level);
            order.push(k.as_str());
        }
    }
    let views: HashMap<&str, NodeView> = order
        .iter()
        .map(|n| {
            let p = format!("/States/{}", n.replace('~', "~0").replace('/', "~1"));
            (*n, node_view(n, &p, &states[*n], findings, side))
        })
        .collect();
    let height = |v: &NodeView| 24.0 + LINE_H * v.lines.len() as f64 + 8.0;
    let mut rows: Vec<Vec<&str>> = vec![Vec::new(); max_level + 1];
    for n in &order {
        rows[level[n]].push(n);
    }
    let width_cols = rows.iter().map(Vec::len).max().unwrap_or(1).max(1) as f64;
    let total_w = MARGIN * 2.0 + width_cols * NODE_W + (width_cols - 1.0) * GAP_X;
    let mut pos: HashMap<&str, (f64, f64, f64)> = HashMap::new();
    let mut y = MARGIN;
    for row in &rows {
        let row_w = row.len() as f64 * NODE_W + (row.len().max(1) as f64 - 1.0) * GAP_X;
        let mut x = (total_w - row_w) / 2.0;
        let mut row_h: f64 = 0.0;
        for n in row {
            let h = height(&views[n]);
            pos.insert(n, (x, y, h));
            x += NODE_W + GAP_X;
            row_h = row_h.max(h);
        }
        y += row_h + GAP_Y;
    }
    let total_h = y - GAP_Y + MARGIN;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="diagram" id="{id}" width="{total_w:.0}" height="{total_h:.0}" viewBox="0 0 {total_w:.0} {total_h:.0}" role="img" aria-label="{}">"#,
        if side == Side::Before {
            "before"
        } else {
            "after"
        }
    );
    let _ = write!(
        svg,
        r##"<defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>"##
    );
    for n in &order {
        let (x, y, h) = pos[n];
        for (next, dashed) in successors(&states[*n]) {
            let Some(&(nx, ny, nh)) = pos.get(next.as_str()) else {
                continue;
            };
            let (x1, y1) = (x + NODE_W / 2.0, y + h);
            let (x2, y2) = (nx + NODE_W / 2.0, ny);
            let dash = if dashed {
                r#" stroke-dasharray="5,4""#
            } else {
                ""
            };
            if ny > y {
                let _ = write!(
                    svg,
                    r##"<path d="M{x1:.0},{y1:.0} C{x1:.0},{:.0} {x2:.0},{:.0} {x2:.0},{y2:.0}" fill="none" stroke="#555"{dash} marker-end="url(#{id}-arrow)"/>"##,
                    y1 + GAP_Y / 2.0,
                    y2 - GAP_Y / 2.0
                );
            } else {
                // A loop back up: around the right side.
                let side_x = total_w - MARGIN / 2.0;
                let _ = write!(
                    svg,
                    r##"<path d="M{:.0},{:.0} C{side_x:.0},{:.0} {side_x:.0},{:.0} {:.0},{:.0}" fill="none" stroke="#555"{dash} marker-end="url(#{id}-arrow)"/>"##,
                    x + NODE_W,
                    y + h / 2.0,
                    y + h / 2.0,
                    ny + nh / 2.0,
                    nx + NODE_W,
                    ny + nh / 2.0
                );
            }
        }
    }
    for n in &order {
        let (x, y, h) = pos[n];
        let v = &views[n];
        let _ = write!(
            svg,
            r#"<g class="node {}"><rect x="{x:.0}" y="{y:.0}" width="{NODE_W:.0}" height="{h:.0}" rx="8"/><text x="{:.0}" y="{:.0}" class="title">{}</text>"#,
            v.class,
            x + 10.0,
            y + 18.0,
            esc(&short(&v.name, 30))
        );
        for (i, l) in v.lines.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<text x="{:.0}" y="{:.0}">{}</text>"#,
                x + 10.0,
                y + 18.0 + LINE_H * (i as f64 + 1.0),
                esc(l)
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; }
.summary { background: #f5f5f5; padding: .8rem 1rem; border-radius: 6px; }
.pair { display: flex; gap: 2rem; flex-wrap: wrap; align-items: flex-start; }
.pair figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: .5rem; overflow: auto; max-width: 100%; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.diagram text { font-size: 12px; fill: #222; }
svg.diagram text.title { font-weight: 700; }
.node rect { stroke: #777; stroke-width: 1; fill: #eef1f5; }
.node.task rect { fill: #dbe8f7; }
.node.lambda rect { fill: #f3d9c4; }
.node.replaceable rect { fill: #f4a261; stroke: #b5651d; stroke-width: 2; }
.node.replaced rect { fill: #8fd3c7; stroke: #2a7f72; stroke-width: 2; }
.node.choice rect { fill: #fff3bf; }
.node.end rect { fill: #e9ecef; }
.node.group rect { fill: #f8f9fa; stroke-dasharray: 4,3; }
table { border-collapse: collapse; margin-top: 1rem; font-size: .85rem; width: 100%; }
td:last-child { min-width: 16rem; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.v-replaceable { color: #1b7f3b; font-weight: 600; } .v-replaceable-with-transform { color: #9a6700; font-weight: 600; }
.v-not-replaceable { color: #b42318; } .v-unknown { color: #666; }
.legend span { display: inline-block; padding: .1rem .5rem; margin-right: .5rem; border-radius: 4px; border: 1px solid #999; }
"#;

pub fn render(project: &Project, audit: &Audit) -> String {
    let s = &audit.summary;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>lambdaless audit: {}</title><style>{STYLE}</style></head><body>",
        esc(&audit.root)
    );
    let _ = write!(
        out,
        "<h1>lambdaless audit: {}</h1><p class=\"summary\">{} state machine(s), {} Lambda Task(s): <b>{}</b> replaceable, <b>{}</b> replaceable with a transform, {} not replaceable, {} unknown, {} unresolved. Estimated savings <b>${:.2}/month</b> at {} executions/month (Lambda prices as of {}, {}).</p>",
        esc(&audit.root),
        s.state_machines,
        s.lambda_tasks,
        s.replaceable,
        s.replaceable_with_transform,
        s.not_replaceable,
        s.unknown,
        s.unresolved,
        s.monthly_savings_usd,
        audit.cost_model.assumptions.invocations_per_month,
        esc(&audit.cost_model.prices_as_of),
        esc(&audit.cost_model.region)
    );
    out.push_str("<p class=\"legend\"><span style=\"background:#f4a261\">Lambda that can go</span><span style=\"background:#8fd3c7\">direct integration</span><span style=\"background:#f3d9c4\">Lambda that stays</span><span style=\"background:#dbe8f7\">other Task</span></p>");
    for (i, sm) in project.state_machines.iter().enumerate() {
        let file = super::relative(&super::base_dir(&project.root), &sm.definition_file);
        // Names repeat across projects of a monorepo; the definition file tells them apart.
        let findings: Vec<&Finding> = audit
            .findings
            .iter()
            .filter(|f| f.state_machine == sm.name && f.definition == file)
            .collect();
        let by_pointer = ByPointer {
            findings: findings.iter().map(|f| (f.pointer.as_str(), *f)).collect(),
            unresolved: audit
                .unresolved
                .iter()
                .filter(|u| u.state_machine.as_deref() == Some(sm.name.as_str()) && u.file == file)
                .filter_map(|u| u.pointer.as_deref())
                .collect(),
        };
        let _ = write!(
            out,
            "<section class=\"workflow\"><h2>{} <small>({}, {})</small></h2><div class=\"pair\"><figure><figcaption>Before</figcaption>{}</figure><figure><figcaption>After</figcaption>{}</figure></div>",
            esc(&sm.name),
            esc(&sm.workflow_type),
            esc(&file),
            diagram(&sm.definition, &by_pointer, Side::Before, &format!("sm{i}-before")),
            diagram(&sm.definition, &by_pointer, Side::After, &format!("sm{i}-after")),
        );
        if !findings.is_empty() {
            out.push_str("<table><tr><th>State</th><th>Function</th><th>Handler</th><th>Verdict</th><th>SDK call</th><th>Integration</th><th>Savings/month</th><th>Reasons</th></tr>");
            for f in findings {
                let reasons: Vec<String> = f
                    .reasons
                    .iter()
                    .map(|r| format!("<code>{}</code> {}", esc(&r.code), esc(&r.message)))
                    .collect();
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"v-{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f.state),
                    esc(&f.function),
                    esc(f.handler.as_deref().unwrap_or("-")),
                    esc(&f.verdict),
                    esc(&f.verdict),
                    esc(&f.sdk_calls.join(", ")),
                    esc(f.integration.as_deref().unwrap_or("-")),
                    f.savings.as_ref().map(|s| format!("${:.2}", s.monthly_usd)).unwrap_or_else(|| "-".into()),
                    reasons.join("<br>")
                );
            }
            out.push_str("</table>");
        }
        out.push_str("</section>");
    }
    if !audit.unresolved.is_empty() {
        out.push_str("<h2>Unresolved</h2><ul>");
        for u in &audit.unresolved {
            let at = match (&u.state_machine, &u.state) {
                (Some(m), Some(st)) => format!("{m}/{st}"),
                _ => u.target.clone(),
            };
            let _ = write!(
                out,
                "<li><b>{}</b> ({}): {}</li>",
                esc(&at),
                esc(&u.file),
                esc(&u.reason)
            );
        }
        out.push_str("</ul>");
    }
    // Marks the page once the browser has laid out both diagrams of every workflow; tests read it.
    out.push_str("<script>window.addEventListener('load',function(){var d=document.querySelectorAll('svg.diagram');var ok=0;d.forEach(function(s){var r=s.getBoundingClientRect();if(r.width>0&&r.height>0&&s.querySelectorAll('g.node').length>0){ok++;}});document.body.setAttribute('data-diagrams-rendered',ok+'/'+d.length);});</script>");
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn levels_follow_transitions_and_mark_replacements() {
        let def = json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Next": "A"}], "Default": "D"},
            "D": {"Type": "Succeed"}
        }});
        let f = Finding {
            state_machine: "M".into(),
            state: "A".into(),
            definition: "d.json".into(),
            line: None,
            pointer: "/States/A".into(),
            invocation: crate::discover::model::InvocationStyle::OptimizedInvoke,
            function: "Fn".into(),
            template: "t".into(),
            handler: None,
            export: "handler".into(),
            runtime: None,
            state_machine_construct: None,
            function_construct: None,
            language: None,
            verdict: "replaceable".into(),
            sdk_calls: vec!["sqs:SendMessage".into()],
            integration: Some("arn:aws:states:::sqs:sendMessage".into()),
            reasons: vec![],
            savings: None,
        };
        let by = ByPointer {
            findings: [("/States/A", &f)].into_iter().collect(),
            ..Default::default()
        };
        let before = diagram(&def, &by, Side::Before, "b");
        let after = diagram(&def, &by, Side::After, "a");
        assert!(before.contains("class=\"node replaceable\""));
        assert!(before.contains("λ Fn"));
        assert!(after.contains("class=\"node replaced\""));
        assert!(after.contains("sqs:sendMessage"));
        assert_eq!(before.matches("<g class=\"node").count(), 3);
        // Two forward edges and one loop back.
        assert_eq!(before.matches("marker-end=").count(), 3);
    }
}
