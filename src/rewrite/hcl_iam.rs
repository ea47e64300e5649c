//! The IAM change of a Terraform state machine written into the module: the policy attached to
//! the state machine's role by an `aws_iam_role_policy` gets the new statements and loses the
//! statements (or the list items) that only invoked the retired functions. The policy may be a
//! `data "aws_iam_policy_document"` (`statement { actions, resources }` blocks) or an inline
//! `jsonencode({ Statement = [...] })`.
//! https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document
//! and .../resources/iam_role_policy.

use super::files::{current_text, OpenFiles};
use super::hcl_edit::{self, Attr};
use super::json_span::Span;
use super::synth::Target;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Where the statements went (for the report), or why nothing was edited.
pub fn edit_role_policy(
    files: &mut OpenFiles,
    module_files: &[PathBuf],
    role: &str,
    targets: &[Target],
    retired: &[String],
) -> Result<String, String> {
    for tf in module_files {
        let text = current_text(files, tf)?;
        for (kind, labels, open) in hcl_edit::blocks(&text)? {
            if kind != "resource"
                || labels.first().map(String::as_str) != Some("aws_iam_role_policy")
            {
                continue;
            }
            let attrs = hcl_edit::attributes(&text, open)?;
            let value = |k: &str| {
                attrs
                    .iter()
                    .find(|a| a.key == k)
                    .map(|a| &text[a.value.start..a.value.end])
            };
            if !value("role").is_some_and(|r| r.starts_with(&format!("{role}."))) {
                continue;
            }
            let policy = value("policy").unwrap_or("").to_string();
            if let Some(doc) = policy
                .strip_prefix("data.aws_iam_policy_document.")
                .and_then(|r| r.strip_suffix(".json"))
            {
                return edit_policy_document(files, module_files, doc, targets, retired);
            }
            if policy.starts_with("jsonencode(") {
                let policy_attr = attrs
                    .iter()
                    .find(|a| a.key == "policy")
                    .cloned()
                    .expect("found");
                let new = edit_jsonencode_policy(&text, &policy_attr, targets, retired)?;
                files.get_mut(tf.as_path()).expect("loaded").1 = new;
                return Ok(format!(
                    "policy of aws_iam_role_policy.{} (jsonencode)",
                    labels.get(1).cloned().unwrap_or_default()
                ));
            }
            return Err(format!(
                "the role policy is `{policy}`, which is not edited"
            ));
        }
    }
    Err(format!("{NO_ROLE_POLICY} {role} in this module"))
}

/// The start of [`edit_role_policy`]'s error when the role has no policy to extend.
pub const NO_ROLE_POLICY: &str = "no aws_iam_role_policy attaches a policy to";

/// A role no `aws_iam_role_policy` of the module extends gets one, appended to `tf` (the file
/// that declares the state machine), with the statements as a `jsonencode` policy:
/// `resource "aws_iam_role_policy" "<name>" { role = <role>.id, policy = jsonencode({...}) }`.
pub fn add_role_policy(
    files: &mut OpenFiles,
    tf: &Path,
    role: &str,
    name: &str,
    targets: &[Target],
) -> Result<String, String> {
    let statements: Vec<Value> = grouped(targets)
        .into_iter()
        .map(|(res, actions)| {
            json!({"Effect": "Allow", "Action": actions, "Resource": [format!("${{{res}}}")]})
        })
        .collect();
    if statements.is_empty() {
        return Ok(String::new());
    }
    let text = current_text(files, tf)?;
    let taken = hcl_edit::blocks(&text)?
        .into_iter()
        .any(|(kind, labels, _)| kind == "resource" && labels == ["aws_iam_role_policy", name]);
    if taken {
        return Err(format!("aws_iam_role_policy.{name} exists already"));
    }
    let policy = json!({"Version": "2012-10-17", "Statement": statements});
    let body = hcl_edit::object(
        &[
            ("role".to_string(), format!("{role}.id")),
            (
                "policy".to_string(),
                format!("jsonencode({})", hcl_edit::render(&policy, 2)),
            ),
        ],
        0,
    );
    let sep = if text.ends_with("\n\n") || text.is_empty() {
        ""
    } else if text.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    };
    let new = format!("{text}{sep}resource \"aws_iam_role_policy\" \"{name}\" {body}\n");
    files.get_mut(tf).expect("loaded").1 = new;
    Ok(format!("new aws_iam_role_policy.{name}"))
}

/// `aws_sqs_queue.q.arn` for a target (its ARN reference), else the quoted literal.
fn resource_expr(arn: &Value) -> String {
    super::iam_template::terraform_resource(arn)
}

/// Targets grouped per resource: (resource expression, sorted actions).
fn grouped(targets: &[Target]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for t in targets {
        let r = resource_expr(&t.arn);
        match out.iter_mut().find(|(x, _)| *x == r) {
            Some((_, a)) if !a.contains(&t.action) => a.push(t.action.clone()),
            Some(_) => {}
            None => out.push((r, vec![t.action.clone()])),
        }
    }
    for (_, a) in &mut out {
        a.sort();
    }
    out
}

/// Mentions a retired function (`aws_lambda_function.f.arn`, `"${aws_lambda_function.f.arn}:*"`).
fn names_retired(item: &str, retired: &[String]) -> bool {
    retired.iter().any(|f| item.contains(&format!("{f}.")))
}

/// The items of a one-level list expression `[a, b, "c"]` at `span`.
fn list_items(text: &str, span: Span) -> Vec<String> {
    if text.as_bytes().get(span.start) != Some(&b'[') {
        return vec![text[span.start..span.end].to_string()];
    }
    let mut out = Vec::new();
    let mut i = 0;
    while let Ok(s) = hcl_edit::find_pointer(text, span.start, &format!("/{i}")) {
        out.push(text[s.start..s.end].to_string());
        i += 1;
    }
    out
}

fn unquote_all(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|s| s.trim_matches('"').to_string())
        .collect()
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0)
}

fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map(|i| offset + i + 1)
        .unwrap_or(text.len())
}

fn edit_policy_document(
    files: &mut OpenFiles,
    module_files: &[PathBuf],
    name: &str,
    targets: &[Target],
    retired: &[String],
) -> Result<String, String> {
    for tf in module_files {
        let text = current_text(files, tf)?;
        let Some(open) = hcl_edit::blocks(&text)?.into_iter().find_map(|(k, l, o)| {
            (k == "data" && l == ["aws_iam_policy_document", name]).then_some(o)
        }) else {
            continue;
        };
        let mut edits: Vec<(Span, String)> = Vec::new();
        let mut existing: Vec<(Vec<String>, Vec<String>)> = Vec::new();
        for (block, body_open, span) in hcl_edit::nested_blocks(&text, open)? {
            if block != "statement" {
                continue;
            }
            let attrs = hcl_edit::attributes(&text, body_open)?;
            let get = |k: &str| attrs.iter().find(|a| a.key == k);
            let actions = get("actions")
                .map(|a| unquote_all(&list_items(&text, a.value)))
                .unwrap_or_default();
            let resources_attr = get("resources");
            let resources = resources_attr
                .map(|a| list_items(&text, a.value))
                .unwrap_or_default();
            existing.push((actions.clone(), resources.clone()));
            if actions.is_empty() || actions.iter().any(|a| a != "lambda:InvokeFunction") {
                continue;
            }
            let kept: Vec<&String> = resources
                .iter()
                .filter(|r| !names_retired(r, retired))
                .collect();
            if kept.len() == resources.len() {
                continue;
            }
            if kept.is_empty() {
                // The whole block goes, with its lines.
                let mut start = line_start(&text, span.start);
                let mut end = line_end(&text, span.end.saturating_sub(1));
                // The blank line that separated it from its neighbour goes too.
                if text[..start].ends_with("\n\n") {
                    start -= 1;
                } else if text[end..].starts_with('\n') {
                    end += 1;
                }
                edits.push((Span { start, end }, String::new()));
            } else if let Some(a) = resources_attr {
                let list = format!(
                    "[{}]",
                    kept.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                edits.push((a.value, list));
            }
        }
        // New statements go before the data block's closing brace.
        let close = hcl_edit::block_end(&text, open)?;
        let indent = " ".repeat(line_indent(&text, open) + 2);
        let mut added = String::new();
        for (res, actions) in grouped(targets) {
            let present = existing
                .iter()
                .any(|(a, r)| *a == actions && r.contains(&res));
            if present {
                continue;
            }
            let actions = actions
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ");
            added.push_str(&format!(
                "\n{indent}statement {{\n{indent}  actions   = [{actions}]\n{indent}  resources = [{res}]\n{indent}}}\n"
            ));
        }
        if !added.is_empty() {
            let at = line_start(&text, close);
            edits.push((Span { start: at, end: at }, added));
        }
        edits.sort_by_key(|(s, _)| std::cmp::Reverse(s.start));
        let mut new = text.clone();
        for (s, t) in edits {
            new.replace_range(s.start..s.end, &t);
        }
        files.get_mut(tf.as_path()).expect("loaded").1 = new;
        return Ok(format!("data.aws_iam_policy_document.{name}"));
    }
    Err(format!(
        "data.aws_iam_policy_document.{name} is not in this module"
    ))
}

fn line_indent(text: &str, offset: usize) -> usize {
    let s = line_start(text, offset);
    text[s..].len() - text[s..].trim_start_matches(' ').len()
}

/// `policy = jsonencode({ Version = ..., Statement = [ {...}, ... ] })`.
fn edit_jsonencode_policy(
    text: &str,
    policy: &Attr,
    targets: &[Target],
    retired: &[String],
) -> Result<String, String> {
    let (_, args) = hcl_edit::call_args(text, policy.value).ok_or("jsonencode has no argument")?;
    let obj = args.first().ok_or("jsonencode has no argument")?;
    let list = hcl_edit::find_pointer(text, obj.start, "/Statement")?;
    let mut items = Vec::new();
    let mut i = 0;
    while let Ok(s) = hcl_edit::find_pointer(text, list.start, &format!("/{i}")) {
        items.push(s);
        i += 1;
    }
    let mut edits: Vec<(Span, String)> = Vec::new();
    let mut present = Vec::new();
    for s in &items {
        let item = &text[s.start..s.end];
        present.push(item.to_string());
        if !item.contains("lambda:InvokeFunction") {
            continue;
        }
        let Ok(res) = hcl_edit::find_pointer(text, s.start, "/Resource") else {
            continue;
        };
        let resources = list_items(text, res);
        if !resources.is_empty() && resources.iter().all(|r| names_retired(r, retired)) {
            let start = line_start(text, s.start);
            let mut end = line_end(text, s.end);
            // The element's trailing comma.
            if text[s.end..end].trim_start().starts_with(',') {
                end = line_end(text, s.end);
            }
            edits.push((Span { start, end }, String::new()));
        }
    }
    let indent = line_indent(text, list.start) + 2;
    let pad = " ".repeat(indent);
    let mut added = String::new();
    for (res, actions) in grouped(targets) {
        if present
            .iter()
            .any(|p| p.contains(&res) && actions.iter().all(|a| p.contains(a.as_str())))
        {
            continue;
        }
        let statement =
            json!({"Effect": "Allow", "Action": actions, "Resource": format!("${{{res}}}")});
        added.push_str(&format!("{pad}{},\n", hcl_edit::render(&statement, indent)));
    }
    if !added.is_empty() {
        let at = line_start(text, list.end - 1);
        edits.push((Span { start: at, end: at }, added));
    }
    edits.sort_by_key(|(s, _)| std::cmp::Reverse(s.start));
    let mut new = text.to_string();
    for (s, t) in edits {
        new.replace_range(s.start..s.end, &t);
    }
    Ok(new)
}

/// The `.tf` files of the module holding `tf`.
pub fn module_files(tf: &Path) -> Vec<PathBuf> {
    let dir = tf.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut out: Vec<PathBuf> = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &dir
    })
    .map(|rd| {
        rd.flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "tf"))
            .collect()
    })
    .unwrap_or_default();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    fn target() -> Target {
        Target {
            action: "sqs:SendMessage".into(),
            arn: json!({"Fn::GetAtt": ["aws_sqs_queue.q", "arn"]}),
            logical_id: Some("aws_sqs_queue.q".into()),
        }
    }

    #[test]
    fn a_role_without_a_policy_gets_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.tf");
        let tf = "resource \"aws_iam_role\" \"sfn\" {\n  name = \"sfn\"\n}\n";
        std::fs::write(&path, tf).unwrap();
        let mut files: OpenFiles = IndexMap::new();
        let err = edit_role_policy(
            &mut files,
            std::slice::from_ref(&path),
            "aws_iam_role.sfn",
            &[target()],
            &[],
        )
        .unwrap_err();
        assert!(err.starts_with(NO_ROLE_POLICY), "{err}");
        let place = add_role_policy(
            &mut files,
            &path,
            "aws_iam_role.sfn",
            "flow_integrations",
            &[target()],
        )
        .unwrap();
        assert_eq!(place, "new aws_iam_role_policy.flow_integrations");
        let out = files[&path].1.clone();
        assert!(out.starts_with(tf), "{out}");
        let blocks = crate::discover::hcl::parse(&path, &out).unwrap();
        let policy = &blocks[1].body["policy"]["Fn::Call"]["args"][0];
        assert_eq!(policy["Statement"][0]["Action"], json!(["sqs:SendMessage"]));
        assert_eq!(
            policy["Statement"][0]["Resource"],
            json!(["${aws_sqs_queue.q.arn}"])
        );
        assert_eq!(blocks[1].body["role"], "${aws_iam_role.sfn.id}");
    }

    fn run(tf: &str) -> (String, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.tf");
        std::fs::write(&path, tf).unwrap();
        let mut files: OpenFiles = IndexMap::new();
        let place = edit_role_policy(
            &mut files,
            std::slice::from_ref(&path),
            "aws_iam_role.sfn",
            &[target()],
            &["aws_lambda_function.old".into()],
        )
        .unwrap();
        (place, files[&path].1.clone())
    }

    #[test]
    fn policy_document_statements_are_added_and_retired_invokes_removed() {
        let tf = r#"data "aws_iam_policy_document" "sfn" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.kept.arn, aws_lambda_function.old.arn]
  }

  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = ["${aws_lambda_function.old.arn}:*"]
  }
}

resource "aws_iam_role_policy" "sfn" {
  role   = aws_iam_role.sfn.id
  policy = data.aws_iam_policy_document.sfn.json
}
"#;
        let (place, out) = run(tf);
        assert_eq!(place, "data.aws_iam_policy_document.sfn");
        let expected = r#"data "aws_iam_policy_document" "sfn" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.kept.arn]
  }

  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.q.arn]
  }
}
"#;
        assert!(out.starts_with(expected), "{out}");
        crate::discover::hcl::parse(Path::new("main.tf"), &out).unwrap();
    }

    #[test]
    fn jsonencode_policy_gets_a_statement_object() {
        let tf = r#"resource "aws_iam_role_policy" "sfn" {
  role = aws_iam_role.sfn.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "lambda:InvokeFunction"
        Resource = [aws_lambda_function.old.arn]
      },
    ]
  })
}
"#;
        let (_, out) = run(tf);
        assert!(!out.contains("aws_lambda_function.old"), "{out}");
        assert!(
            out.contains("      {\n        Effect   = \"Allow\"\n        Action   = [\"sqs:SendMessage\"]\n        Resource = aws_sqs_queue.q.arn\n      },\n    ]"),
            "{out}"
        );
        crate::discover::hcl::parse(Path::new("main.tf"), &out).unwrap();
    }
}
