//! The text `audit` prints: a table with one row per Task when it fits the terminal width, else one
//! short block per Task wrapped to the width (so nothing is cut off); verdicts in colour on a
//! terminal (never when NO_COLOR is set, https://no-color.org).

use super::{Audit, Finding};
use std::fmt::Write;

#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    /// Maximum line width; `None` prints full cells.
    pub width: Option<usize>,
    pub color: bool,
}

const HEADERS: [&str; 9] = [
    "STATE MACHINE",
    "STATE",
    "FUNCTION",
    "LANGUAGE",
    "VERDICT",
    "SDK CALL",
    "TARGET INTEGRATION",
    "SAVINGS/MO",
    "REASONS",
];

/// Columns that give up width first when the table is too wide, most expendable first.
const SHRINK_ORDER: [usize; 6] = [8, 6, 0, 2, 5, 1];
const MIN_WIDTH: usize = 6;
const GAP: usize = 2;

fn cells(f: &Finding) -> [String; 9] {
    let mut codes: Vec<&str> = Vec::new();
    for r in &f.reasons {
        if !codes.contains(&r.code.as_str()) {
            codes.push(&r.code);
        }
    }
    let reasons = codes.join(", ");
    [
        f.state_machine.clone(),
        f.state.clone(),
        f.function.clone(),
        f.language.clone().unwrap_or_else(|| "-".into()),
        f.verdict.clone(),
        if f.sdk_calls.is_empty() {
            "-".into()
        } else {
            f.sdk_calls.join(", ")
        },
        f.integration
            .as_deref()
            .map(|i| i.trim_start_matches("arn:aws:states:::").to_string())
            .unwrap_or_else(|| "-".into()),
        f.savings
            .as_ref()
            .map(|s| format!("${:.2}", s.monthly_usd))
            .unwrap_or_else(|| "-".into()),
        if reasons.is_empty() {
            "-".into()
        } else {
            reasons
        },
    ]
}

pub fn render(audit: &Audit, opts: TextOptions) -> String {
    let mut out = String::new();
    let rows: Vec<[String; 9]> = audit.findings.iter().map(cells).collect();
    if rows.is_empty() {
        out.push_str(
            "No Task state in the scanned infrastructure invokes a known Lambda function.\n",
        );
    } else {
        let mut widths: Vec<usize> = (0..9)
            .map(|c| {
                rows.iter()
                    .map(|r| r[c].chars().count())
                    .chain(std::iter::once(HEADERS[c].len()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let natural = widths.iter().sum::<usize>() + GAP * (widths.len() - 1);
        match opts.width {
            Some(limit) if natural > limit && limit >= MIN_BLOCK_WIDTH => {
                for r in &rows {
                    block(&mut out, r, limit, opts.color);
                }
                return finish(out, audit, opts.width);
            }
            Some(limit) => fit(&mut widths, limit),
            None => {}
        }
        line(
            &mut out,
            &HEADERS.map(str::to_string),
            &widths,
            None,
            opts.color,
        );
        for r in &rows {
            line(&mut out, r, &widths, Some(4), opts.color);
        }
    }
    finish(out, audit, opts.width)
}

/// The summary, unresolved links and uncalled functions after the findings, wrapped to `width`.
fn finish(mut out: String, audit: &Audit, width: Option<usize>) -> String {
    let findings_end = out.len();
    out.push('\n');
    let s = &audit.summary;
    let _ = writeln!(
        out,
        "{} state machine(s), {} Lambda Task(s): {} replaceable, {} replaceable with transform, {} not replaceable, {} unknown.",
        s.state_machines, s.lambda_tasks, s.replaceable, s.replaceable_with_transform, s.not_replaceable, s.unknown
    );
    if s.replaceable + s.replaceable_with_transform > 0 {
        let a = &audit.cost_model.assumptions;
        let _ = writeln!(
            out,
            "Estimated savings: ${:.2}/month at {} executions/month (Lambda prices as of {}, {}).",
            s.monthly_savings_usd,
            a.invocations_per_month,
            audit.cost_model.prices_as_of,
            audit.cost_model.region
        );
    }
    if !audit.unresolved.is_empty() {
        let _ = writeln!(out, "\nUnresolved ({}):", audit.unresolved.len());
        for u in &audit.unresolved {
            let at = match (&u.state_machine, &u.state) {
                (Some(m), Some(st)) => format!("{m}/{st}"),
                _ => u.target.clone(),
            };
            let loc = match u.line {
                Some(l) => format!("{}:{l}", u.file),
                None => u.file.clone(),
            };
            let _ = writeln!(out, "  {at} ({loc}): {}", u.reason);
        }
    }
    if !audit.functions_not_called.is_empty() {
        let names: Vec<&str> = audit
            .functions_not_called
            .iter()
            .map(|f| f.function.as_str())
            .collect();
        let _ = writeln!(
            out,
            "\nFunctions no Task calls (not candidates): {}",
            names.join(", ")
        );
    }
    if let Some(w) = width.filter(|w| *w >= MIN_BLOCK_WIDTH) {
        let tail = out.split_off(findings_end);
        for l in tail.lines() {
            if l.chars().count() > w {
                let indent = " ".repeat(l.len() - l.trim_start().len());
                wrap(&mut out, l.trim_start(), &indent, &format!("{indent}  "), w);
            } else {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

/// Below this width even blocks cannot be laid out: the table is truncated instead.
const MIN_BLOCK_WIDTH: usize = 40;

/// One Task as a block for narrow terminals:
/// ```text
/// OrderWorkflow / SaveOrder → SaveOrderFunction (javascript)
///   replaceable-with-transform: dynamodb:PutItem → dynamodb:putItem, $0.63/month
///   reasons: single-sdk-call, intrinsic-json-to-string,
///     dynamodb-marshalling, returns-nothing
/// ```
fn block(out: &mut String, c: &[String; 9], width: usize, color: bool) {
    let head = format!("{} / {} → {} ({})", c[0], c[1], c[2], c[3]);
    wrap(out, &head, "", "    ", width);
    let verdict = if color {
        format!("\x1b[{}m{}\x1b[0m", verdict_colour(&c[4]), c[4])
    } else {
        c[4].clone()
    };
    let mut detail = format!("{}: {}", c[4], c[5]);
    if c[6] != "-" {
        detail.push_str(&format!(" → {}", c[6]));
    }
    if c[7] != "-" {
        detail.push_str(&format!(", {}/month", c[7]));
    }
    // Wrapped without colour codes (they have no width), then the verdict is coloured.
    let mut wrapped = String::new();
    wrap(&mut wrapped, &detail, "  ", "    ", width);
    out.push_str(&wrapped.replacen(&c[4], &verdict, 1));
    wrap(out, &format!("reasons: {}", c[8]), "  ", "    ", width);
}

/// Appends `text` word-wrapped to `width`: `first` indents the first line, `rest` the others. A
/// word longer than a line is kept whole rather than cut.
fn wrap(out: &mut String, text: &str, first: &str, rest: &str, width: usize) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split(' ') {
        let used = line.chars().count();
        if !empty && used + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

fn verdict_colour(verdict: &str) -> &'static str {
    match verdict {
        "replaceable" => "32",
        "replaceable-with-transform" => "33",
        "not-replaceable" => "31",
        _ => "2",
    }
}

/// Shrinks columns until the row fits `limit` (or every shrinkable column is at its minimum).
fn fit(widths: &mut [usize], limit: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * (w.len() - 1);
    for &c in &SHRINK_ORDER {
        let over = total(widths).saturating_sub(limit);
        if over == 0 {
            return;
        }
        let floor = MIN_WIDTH.max(HEADERS[c].len().min(10));
        let room = widths[c].saturating_sub(floor);
        widths[c] -= room.min(over);
    }
}

fn truncate(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut t: String = s.chars().take(width - 1).collect();
    t.push('…');
    t
}

fn line(
    out: &mut String,
    cells: &[String; 9],
    widths: &[usize],
    verdict_col: Option<usize>,
    color: bool,
) {
    let last = cells.len() - 1;
    for (i, cell) in cells.iter().enumerate() {
        let text = truncate(cell, widths[i]);
        let pad = widths[i].saturating_sub(text.chars().count());
        if color && verdict_col == Some(i) {
            let _ = write!(out, "\x1b[{}m{text}\x1b[0m", verdict_colour(cell));
        } else {
            out.push_str(&text);
        }
        if i < last {
            out.push_str(&" ".repeat(pad + GAP));
        }
    }
    // No trailing spaces.
    while out.ends_with(' ') {
        out.pop();
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_shrinks_expendable_columns_first() {
        let mut w = vec![10, 10, 10, 10, 10, 10, 40, 10, 60];
        fit(&mut w, 120);
        assert!(w.iter().sum::<usize>() + GAP * 8 <= 120);
        assert_eq!(w[4], 10, "verdict keeps its width");
    }

    #[test]
    fn narrow_terminals_get_wrapped_blocks_with_every_word() {
        let c = [
            "OrderWorkflow",
            "SaveOrder",
            "SaveOrderFunction",
            "javascript",
            "replaceable-with-transform",
            "dynamodb:PutItem",
            "dynamodb:putItem",
            "$0.63",
            "single-sdk-call, intrinsic-json-to-string, dynamodb-marshalling, returns-nothing",
        ]
        .map(str::to_string);
        let mut out = String::new();
        block(&mut out, &c, 60, false);
        for l in out.lines() {
            assert!(l.chars().count() <= 60, "{l:?} is wider than 60");
        }
        for word in c.iter().flat_map(|s| s.split(", ")) {
            assert!(out.contains(word), "{word} lost from {out}");
        }
        assert!(out.starts_with("OrderWorkflow / SaveOrder → SaveOrderFunction (javascript)\n"));
        assert!(
            out.contains("\n  replaceable-with-transform: dynamodb:PutItem →"),
            "{out}"
        );
        assert!(out.contains("\n  reasons: single-sdk-call,"), "{out}");
        // Colour wraps only the verdict.
        let mut coloured = String::new();
        block(&mut coloured, &c, 60, true);
        assert!(coloured.contains("\x1b[33mreplaceable-with-transform\x1b[0m: "));
    }

    #[test]
    fn truncates_with_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
