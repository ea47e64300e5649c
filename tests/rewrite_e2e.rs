//! End to end, per IaC flavour: a copy of each fixture goes through `audit`, `verify`,
//! `rewrite --write` and `rewrite --format patch` (applied with `git apply`), and the result is
//! checked: every edited file still parses in its own format (and the project is discovered
//! again), no rewritten Task calls a Lambda any more, the patch gives the same files as --write,
//! and the lines removed from each file belong to the rewritten states or to the IAM and
//! substitution entries of the retired functions (every other line stays byte-identical).

#[path = "support/fixture.rs"]
mod fixture;
use fixture::fixture_copy;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

struct Flavour {
    fixture: &'static str,
    /// Files (relative to the fixture) the rewrite must edit.
    edited: &'static [&'static str],
    /// verify proves every rewritten Task, so `--write` applies them all without --force.
    proven: bool,
}

const FLAVOURS: &[Flavour] = &[
    Flavour {
        fixture: "fixtures/iac/asl-only",
        edited: &["workflows/refund.asl.json", "workflows/reconcile.asl.yaml"],
        proven: true,
    },
    Flavour {
        // Inline Definition with DefinitionSubstitutions and SAM Policies, and a
        // `DefinitionString: !Sub |` machine.
        fixture: "fixtures/iac/sam",
        edited: &["template.yaml"],
        proven: true,
    },
    Flavour {
        // SAM DefinitionUri (an .asl.json next to the template) with DefinitionSubstitutions.
        fixture: "fixtures/order-service",
        edited: &["statemachine/order.asl.json", "template.yaml"],
        proven: true,
    },
    Flavour {
        // DefinitionString as Fn::Sub and as Fn::Join; the role's inline policy.
        fixture: "fixtures/iac/cloudformation-json",
        edited: &["template.json"],
        proven: true,
    },
    Flavour {
        fixture: "fixtures/iac/serverless",
        edited: &["serverless.yml"],
        proven: true,
    },
    Flavour {
        // jsonencode, heredoc, templatefile and file().
        fixture: "fixtures/iac/terraform",
        edited: &[
            "stepfunctions.tf",
            "statemachines/recount.asl.json",
            "statemachines/restock-now.asl.json",
        ],
        proven: true,
    },
];

fn lambdaless() -> Command {
    Command::cargo_bin("lambdaless").unwrap()
}

/// Runs the CLI; returns (exit code, stdout).
fn run(args: &[&str], dir: &Path) -> (i32, String) {
    let out = lambdaless().args(args).arg(dir).output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code,
        2,
        "{args:?} {}: input error\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn json(args: &[&str], dir: &Path) -> (i32, Value) {
    let (code, out) = run(args, dir);
    (code, serde_json::from_str(&out).expect("JSON output"))
}

/// (state machine, state) of the audit findings that still call a Lambda, with file and line.
fn lambda_tasks(dir: &Path) -> Vec<(String, String, String, usize)> {
    let (code, v) = json(&["audit", "--format", "json"], dir);
    assert_eq!(code, 0);
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["state_machine"].as_str().unwrap().to_string(),
                f["state"].as_str().unwrap().to_string(),
                f["definition"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0) as usize,
            )
        })
        .collect()
}

/// The file parses in its own format (and with the project's own readers).
fn assert_parses(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.to_string_lossy();
    if name.ends_with(".json") {
        serde_json::from_str::<Value>(&text)
            .unwrap_or_else(|e| panic!("{name} is not JSON: {e}\n{text}"));
    } else if name.ends_with(".yaml") || name.ends_with(".yml") {
        serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&text)
            .unwrap_or_else(|e| panic!("{name} is not YAML: {e}\n{text}"));
        lambdaless::discover::yaml::parse_yaml(path, &text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    } else if name.ends_with(".tf") {
        lambdaless::discover::hcl::parse(path, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        terraform_fmt_check(path);
    } else {
        panic!("unexpected edited file {name}");
    }
}

/// `terraform fmt -check` accepts the file (its own parser, and its canonical layout), when the
/// terraform binary is installed.
fn terraform_fmt_check(path: &Path) {
    let Ok(out) = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-diff"])
        .arg(path)
        .output()
    else {
        eprintln!(
            "terraform not installed: {} checked by the project's HCL reader only",
            path.display()
        );
        return;
    };
    assert!(
        out.status.success(),
        "terraform fmt -check {}:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// 1-based lines `[start, end]` of the state whose key is on line `start`: up to the line that
/// closes it (JSON `}`, HCL `}`) or before the next key at its indentation (YAML).
fn state_lines(text: &str, start: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let Some(key) = lines.get(start - 1) else {
        return (start, start);
    };
    let ind = indent(key);
    // A compact definition held in a JSON string (Fn::Join parts): the state may run on through
    // the following parts, up to the end of the parts list.
    let embedded = key.contains("\\\"");
    for (i, l) in lines.iter().enumerate().skip(start) {
        if embedded {
            if !l.trim().is_empty() && indent(l) < ind {
                return (start, i);
            }
            continue;
        }
        if l.trim().is_empty() || indent(l) > ind {
            continue;
        }
        let t = l.trim_start();
        return if t.starts_with('}') || t.starts_with(']') {
            (start, i + 1)
        } else {
            (start, i)
        };
    }
    (start, lines.len())
}

/// Lines removed from `old` in a change region (a run of changed lines) that
/// touches neither a rewritten state (an allowed line range) nor a retired function or the Lambda
/// permission.
fn stray_removals(
    old: &str,
    new: &str,
    allowed: &[(usize, usize)],
    retired: &[String],
) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(old, new);
    let old_lines: Vec<&str> = old.lines().collect();
    let anchored = |line: usize| {
        let text = old_lines[line - 1].trim();
        let in_state = allowed.iter().any(|(s, e)| (*s..=*e).contains(&line));
        let about_retired = retired.iter().any(|f| {
            let short = f.rsplit('.').next().unwrap_or(f);
            text.contains(f.as_str()) || text.contains(short)
        }) || text.contains("lambda:InvokeFunction")
            || text.contains("LambdaInvokePolicy");
        // A line that only gains a trailing comma (a member appended after it).
        let comma = new.lines().any(|l| l.trim() == format!("{text},"));
        in_state || about_retired || comma
    };
    let punctuation = |line: usize| {
        let text = old_lines[line - 1].trim();
        text.chars()
            .all(|c| "{}[](),\"".contains(c) || c.is_whitespace())
    };
    let mut stray = Vec::new();
    for group in diff.grouped_ops(0) {
        let removed: Vec<usize> = group
            .iter()
            .filter(|op| {
                op.tag() == similar::DiffTag::Delete || op.tag() == similar::DiffTag::Replace
            })
            .flat_map(|op| op.old_range())
            .map(|i| i + 1)
            .collect();
        if removed.iter().any(|&l| anchored(l)) {
            continue;
        }
        for l in removed.into_iter().filter(|&l| !punctuation(l)) {
            stray.push(format!("{l}: {}", old_lines[l - 1].trim()));
        }
    }
    stray
}

fn apply_patch(dir: &Path, patch: &str) {
    std::fs::write(dir.join("rewrite.patch"), patch).unwrap();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs")
    };
    let check = git(&["apply", "--check", "rewrite.patch"]);
    assert!(
        check.status.success(),
        "git apply --check in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(git(&["apply", "rewrite.patch"]).status.success());
    std::fs::remove_file(dir.join("rewrite.patch")).unwrap();
}

/// The (state machine, state) pairs a `rewrite --format json` plan rewrites.
fn rewritten_tasks(plan: &Value, root: &Path) -> BTreeSet<(String, String)> {
    let project = lambdaless::discover::discover(root).unwrap();
    plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let sm = t["state_machine"].as_u64().unwrap() as usize;
            (
                project.state_machines[sm].name.clone(),
                t["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The files a plan edits, relative to `root`.
fn edited_files(plan: &Value, root: &Path) -> BTreeSet<String> {
    plan["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let p = PathBuf::from(e["path"].as_str().unwrap());
            let rel = p.strip_prefix(root).unwrap_or(&p);
            rel.to_string_lossy().replace('\\', "/")
        })
        .collect()
}

fn unused_functions(plan: &Value) -> Vec<String> {
    plan["unused_functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// A project after `rewrite --write`, beside a copy the patch was applied to.
struct Written<'a> {
    root: &'a Path,
    patched: &'a Path,
    before: &'a [(String, String, String, usize)],
    rewritten: &'a BTreeSet<(String, String)>,
    retired: &'a [String],
}

impl Written<'_> {
    /// `rel` changed, still parses, equals the patched copy, and lost only lines of the rewritten
    /// states, of the retired functions' entries, or lines `also_changes` allows.
    fn check_file(&self, rel: &str, old: &str, also_changes: &dyn Fn(&str) -> bool) {
        let path = self.root.join(rel);
        let new = std::fs::read_to_string(&path).unwrap();
        assert_ne!(new, old, "{rel} unchanged");
        assert_parses(&path);
        assert_eq!(
            std::fs::read_to_string(self.patched.join(rel)).unwrap(),
            new,
            "{}: git apply and --write differ on {rel}",
            self.root.display()
        );
        let allowed: Vec<(usize, usize)> = self
            .before
            .iter()
            .filter(|(sm, st, file, _)| {
                file == rel && self.rewritten.contains(&(sm.clone(), st.clone()))
            })
            .map(|(_, _, _, line)| state_lines(old, *line))
            .collect();
        let stray: Vec<String> = stray_removals(old, &new, &allowed, self.retired)
            .into_iter()
            .filter(|l| !also_changes(l))
            .collect();
        assert!(
            stray.is_empty(),
            "{rel}: lines outside the rewritten states changed:\n{}\n{new}",
            stray.join("\n")
        );
    }
}

fn check_flavour(f: &Flavour) {
    let dir = fixture_copy(f.fixture);
    let root = dir.path();
    let before = lambda_tasks(root);

    // verify proves the rewrite (exit 0), or reports what it could not prove (exit 1).
    let (verify_code, text) = run(&["verify"], root);
    assert_eq!(
        verify_code,
        if f.proven { 0 } else { 1 },
        "{}: verify\n{text}",
        f.fixture
    );

    // The plan.
    let (code, plan) = json(&["rewrite", "--format", "json"], root);
    assert_eq!(code, 0);
    let rewritten = rewritten_tasks(&plan, root);
    assert!(!rewritten.is_empty(), "{}: nothing rewritten", f.fixture);
    let edited = edited_files(&plan, root);
    let expected: BTreeSet<String> = f.edited.iter().map(|s| s.to_string()).collect();
    assert_eq!(edited, expected, "{}: edited files", f.fixture);
    let retired = unused_functions(&plan);

    // The patch applies with git apply to a second copy.
    let (code, patch) = run(&["rewrite", "--format", "patch"], root);
    assert_eq!(code, 0);
    let patched = fixture_copy(f.fixture);
    apply_patch(patched.path(), &patch);

    // --write (without --force where verify proves everything).
    let originals: Vec<(String, String)> = f
        .edited
        .iter()
        .map(|p| {
            (
                p.to_string(),
                std::fs::read_to_string(root.join(p)).unwrap(),
            )
        })
        .collect();
    let write_args: &[&str] = if f.proven {
        &["rewrite", "--write"]
    } else {
        &["rewrite", "--write", "--force"]
    };
    let (code, _) = run(write_args, root);
    assert_eq!(code, 0, "{}: rewrite --write", f.fixture);

    for (rel, old) in &originals {
        let written = Written {
            root,
            patched: patched.path(),
            before: &before,
            rewritten: &rewritten,
            retired: &retired,
        };
        written.check_file(rel, old, &no_other_changes);
    }

    // The project is discovered again, and no rewritten Task calls a Lambda.
    let after = lambda_tasks(root);
    for (sm, st, _, _) in &after {
        assert!(
            !rewritten.contains(&(sm.clone(), st.clone())),
            "{}: {sm}/{st} still calls a Lambda",
            f.fixture
        );
    }
    assert_eq!(
        after.len(),
        before.len() - rewritten.len(),
        "{}: the other Lambda Tasks stay",
        f.fixture
    );
    // Nothing is left for verify to reject in what was written.
    let (code, _) = run(&["verify"], root);
    if f.proven {
        assert_eq!(code, 0, "{}: verify after --write", f.fixture);
    }
}

#[test]
fn asl_only_files_are_rewritten_end_to_end() {
    check_flavour(&FLAVOURS[0]);
}

#[test]
fn sam_inline_definition_and_definition_string_are_rewritten_end_to_end() {
    check_flavour(&FLAVOURS[1]);
}

#[test]
fn sam_definition_uri_is_rewritten_end_to_end() {
    check_flavour(&FLAVOURS[2]);
}

#[test]
fn cloudformation_json_definition_strings_are_rewritten_end_to_end() {
    check_flavour(&FLAVOURS[3]);
    // The Fn::Join form gets the queue as a part of its own; the role loses the retired
    // function's invoke statement and gains the queue's send statement.
    let dir = fixture_copy(FLAVOURS[3].fixture);
    run(&["rewrite", "--write"], dir.path());
    let t: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("template.json")).unwrap())
            .unwrap();
    let parts =
        &t["Resources"]["ReportsStateMachine"]["Properties"]["DefinitionString"]["Fn::Join"][1];
    assert!(parts
        .as_array()
        .unwrap()
        .contains(&serde_json::json!({"Ref": "NotificationsQueue"})));
    let statements = t["Resources"]["StatesRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"]
        .to_string();
    assert!(!statements.contains("NotifyFunction"), "{statements}");
    assert!(statements.contains("ChargeFunction"), "{statements}");
    assert!(statements.contains("sqs:SendMessage"), "{statements}");
    assert_eq!(
        statements.matches("sqs:SendMessage").count(),
        1,
        "{statements}"
    );
}

#[test]
fn serverless_definition_is_rewritten_end_to_end() {
    check_flavour(&FLAVOURS[4]);
}

#[test]
fn terraform_jsonencode_templatefile_and_file_are_rewritten_end_to_end() {
    check_flavour(&FLAVOURS[5]);
    let dir = fixture_copy(FLAVOURS[5].fixture);
    run(&["rewrite", "--write"], dir.path());
    let tf = std::fs::read_to_string(dir.path().join("stepfunctions.tf")).unwrap();
    // The queue is referred to in each file's own vocabulary.
    assert!(tf.contains("QueueUrl = aws_sqs_queue.restock.url"), "{tf}");
    assert!(
        tf.contains("restock_url = aws_sqs_queue.restock.url"),
        "{tf}"
    );
    assert!(
        tf.contains(
            "definition = templatefile(\"${path.module}/statemachines/restock-now.asl.json\""
        ),
        "{tf}"
    );
    assert!(!tf.contains("restock_arn"), "{tf}");
    // Inside a heredoc the reference is a template interpolation.
    assert!(
        tf.contains("            \"QueueUrl\": \"${aws_sqs_queue.restock.url}\",\n"),
        "{tf}"
    );
    // The role's policy document: the retired function leaves the invoke statement, the queue
    // gets a statement of its own.
    assert!(
        tf.contains("    resources = [aws_lambda_function.reserve.arn]\n"),
        "{tf}"
    );
    assert!(
        tf.contains("  statement {\n    actions   = [\"sqs:SendMessage\"]\n    resources = [aws_sqs_queue.restock.arn]\n  }\n"),
        "{tf}"
    );
    let recount =
        std::fs::read_to_string(dir.path().join("statemachines/recount.asl.json")).unwrap();
    assert!(
        recount.contains("\"QueueUrl\": \"${restock_url}\""),
        "{recount}"
    );
}

#[test]
fn cdk_apps_get_the_construct_to_use_instead_of_an_edit() {
    let dir = fixture_copy("fixtures/iac/cdk");
    let root = dir.path();
    let before = lambda_tasks(root);
    let (_, plan) = json(&["rewrite", "--format", "json"], root);
    assert_eq!(
        plan["edits"],
        serde_json::json!([]),
        "cdk.out is never edited"
    );
    let cdk = plan["cdk"].as_array().unwrap();
    assert_eq!(cdk.len(), 1);
    assert_eq!(cdk[0]["state"], "Archive");
    assert_eq!(cdk[0]["construct"], "tasks.DynamoPutItem");
    assert_eq!(
        cdk[0]["source"],
        serde_json::json!(["lib/orders-stack.ts", 40])
    );
    let code = cdk[0]["code"].as_str().unwrap();
    for needle in [
        "new tasks.DynamoPutItem(this, \"Archive\"",
        "table: table,",
        "orderId: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(\"$.orderId\"))",
        "resultPath: sfn.JsonPath.DISCARD",
        ".addRetry(",
    ] {
        assert!(code.contains(needle), "missing {needle:?} in\n{code}");
    }
    let (code, text) = run(&["rewrite"], root);
    assert_eq!(code, 0);
    assert!(
        text.contains("Archive at lib/orders-stack.ts:40: use tasks.DynamoPutItem"),
        "{text}"
    );
    let (code, patch) = run(&["rewrite", "--format", "patch"], root);
    assert_eq!((code, patch.as_str()), (0, ""));
    // verify proves the rewrite of the synthesized template (its events/ samples are used).
    let (code, text) = run(&["verify"], root);
    assert_eq!(code, 0, "cdk: verify\n{text}");
    assert!(text.contains("✔ Archive"), "{text}");
    let (code, _) = run(&["rewrite", "--write"], root);
    assert_eq!(code, 0, "cdk: rewrite --write without --force");
    assert_eq!(lambda_tasks(root), before, "nothing written for a CDK app");
}

#[test]
fn the_minimality_check_catches_a_change_outside_the_states() {
    let old = "{\n  \"Comment\": \"a\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\"\n    }\n  }\n}\n";
    let inside = old.replace("\"Task\"", "\"Pass\"");
    let outside = inside.replace("\"a\"", "\"b\"");
    let allowed = [state_lines(old, 4)];
    assert_eq!(allowed[0], (4, 6));
    assert!(stray_removals(old, &inside, &allowed, &[]).is_empty());
    assert_eq!(
        stray_removals(old, &outside, &allowed, &[]),
        vec!["2: \"Comment\": \"a\",".to_string()]
    );
}

/// A SAM template written in JSON, its definition in a DefinitionUri file: the new Task's topic
/// becomes a DefinitionSubstitutions member, the retired function's substitution and invoke
/// statement go, the topic's publish statement comes.
#[test]
fn json_sam_template_with_definition_uri_gets_its_substitutions_and_policy() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let template = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Transform": "AWS::Serverless-2016-10-31",
  "Resources": {
    "AlertsTopic": {
      "Type": "AWS::SNS::Topic",
      "Properties": {
        "TopicName": "alerts"
      }
    },
    "AlertFunction": {
      "Type": "AWS::Serverless::Function",
      "Properties": {
        "CodeUri": "alert/",
        "Handler": "index.handler",
        "Runtime": "nodejs20.x",
        "Environment": {
          "Variables": {
            "TOPIC_ARN": {
              "Ref": "AlertsTopic"
            }
          }
        }
      }
    },
    "FlowRole": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "AssumeRolePolicyDocument": {
          "Version": "2012-10-17",
          "Statement": []
        },
        "Policies": [
          {
            "PolicyName": "Invoke",
            "PolicyDocument": {
              "Version": "2012-10-17",
              "Statement": [
                {
                  "Effect": "Allow",
                  "Action": "lambda:InvokeFunction",
                  "Resource": {
                    "Fn::GetAtt": [
                      "AlertFunction",
                      "Arn"
                    ]
                  }
                }
              ]
            }
          }
        ]
      }
    },
    "Flow": {
      "Type": "AWS::Serverless::StateMachine",
      "Properties": {
        "DefinitionUri": "flow.asl.json",
        "DefinitionSubstitutions": {
          "AlertFunctionArn": {
            "Fn::GetAtt": [
              "AlertFunction",
              "Arn"
            ]
          }
        },
        "Role": {
          "Fn::GetAtt": [
            "FlowRole",
            "Arn"
          ]
        }
      }
    }
  }
}
"#;
    std::fs::write(root.join("template.json"), template).unwrap();
    std::fs::write(
        root.join("flow.asl.json"),
        "{\n  \"StartAt\": \"Alert\",\n  \"States\": {\n    \"Alert\": {\n      \"Type\": \"Task\",\n      \"Resource\": \"${AlertFunctionArn}\",\n      \"ResultPath\": null,\n      \"End\": true\n    }\n  }\n}\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("alert")).unwrap();
    std::fs::write(
        root.join("alert/index.js"),
        "const { SNSClient, PublishCommand } = require(\"@aws-sdk/client-sns\");\nconst sns = new SNSClient({});\nexports.handler = async (event) => {\n  await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: JSON.stringify(event) }));\n};\n",
    )
    .unwrap();
    let (code, _) = run(&["rewrite", "--write", "--force"], root);
    assert_eq!(code, 0);
    let t: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("template.json")).unwrap())
            .unwrap();
    let props = &t["Resources"]["Flow"]["Properties"];
    assert_eq!(
        props["DefinitionSubstitutions"],
        serde_json::json!({"AlertsTopicArn": {"Ref": "AlertsTopic"}})
    );
    let statements =
        &t["Resources"]["FlowRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    assert_eq!(
        statements,
        &serde_json::json!([{"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [{"Ref": "AlertsTopic"}]}])
    );
    let flow: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("flow.asl.json")).unwrap())
            .unwrap();
    assert_eq!(
        flow["States"]["Alert"]["Resource"],
        "arn:aws:states:::sns:publish"
    );
    assert_eq!(
        flow["States"]["Alert"]["Parameters"]["TopicArn"],
        "${AlertsTopicArn}"
    );
    // Discovery reads the result back: no Lambda Task left, the substitution resolves.
    let p = lambdaless::discover::discover(root).unwrap();
    assert!(p.links.is_empty());
    assert_eq!(
        p.state_machines[0].definition["States"]["Alert"]["Parameters"]["TopicArn"],
        "arn:aws:sns:us-east-1:123456789012:alerts"
    );
}

/// A CloudFormation YAML template with a plain `DefinitionString: |` block and
/// DefinitionSubstitutions, its role's inline policy in YAML.
#[test]
fn yaml_definition_string_block_and_role_policy_are_edited() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let template = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  JobsQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
  EnqueueFunction:
    Type: AWS::Lambda::Function
    Properties:
      Code: enqueue/
      Handler: index.handler
      Runtime: nodejs20.x
      Role: !GetAtt EnqueueRole.Arn
      Environment:
        Variables:
          QUEUE_URL: !Ref JobsQueue
  FlowRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: []
      Policies:
        - PolicyName: Invoke
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: lambda:InvokeFunction
                Resource: !GetAtt EnqueueFunction.Arn
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt FlowRole.Arn
      DefinitionSubstitutions:
        EnqueueArn: !GetAtt EnqueueFunction.Arn
      DefinitionString: |
        {
          "StartAt": "Enqueue",
          "States": {
            "Enqueue": {
              "Type": "Task",
              "Resource": "${EnqueueArn}",
              "ResultPath": null,
              "End": true
            }
          }
        }
"#;
    std::fs::write(root.join("template.yaml"), template).unwrap();
    std::fs::create_dir(root.join("enqueue")).unwrap();
    std::fs::write(
        root.join("enqueue/index.js"),
        "const { SQSClient, SendMessageCommand } = require(\"@aws-sdk/client-sqs\");\nconst sqs = new SQSClient({});\nexports.handler = async (event) => {\n  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(event) }));\n};\n",
    )
    .unwrap();
    let (code, _) = run(&["rewrite", "--write", "--force"], root);
    assert_eq!(code, 0);
    let path = root.join("template.yaml");
    assert_parses(&path);
    let new = std::fs::read_to_string(&path).unwrap();
    let v = lambdaless::discover::yaml::parse_yaml(&path, &new).unwrap();
    let props = &v["Resources"]["Flow"]["Properties"];
    assert_eq!(
        props["DefinitionSubstitutions"],
        serde_json::json!({"JobsQueueUrl": {"Ref": "JobsQueue"}})
    );
    let def: Value = serde_json::from_str(props["DefinitionString"].as_str().unwrap()).unwrap();
    assert_eq!(
        def["States"]["Enqueue"]["Parameters"]["QueueUrl"],
        "${JobsQueueUrl}"
    );
    let st =
        &v["Resources"]["FlowRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    assert_eq!(
        st,
        &serde_json::json!([{"Effect": "Allow", "Action": ["sqs:SendMessage"],
            "Resource": [{"Fn::GetAtt": ["JobsQueue", "Arn"]}]}])
    );
    // The lines before the state machine's properties are untouched.
    let head = template.find("      Policies:").unwrap();
    assert_eq!(&new[..head], &template[..head]);
    assert!(lambdaless::discover::discover(root)
        .unwrap()
        .links
        .is_empty());
}

// ---------------------------------------------------------------------------------------------
// IaC forms edited in place, each written as a small project: the rewrite --write result and the
// patch (applied with git apply) agree, every edited file parses in its own format, and the only
// lines removed belong to the rewritten states, the retired functions' entries, or what
// `also_changes` names (the StartAt a validation Choice takes over).

/// A temp dir holding `files` (path, text).
fn project_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Rewrites the project (--write --force) and checks it as above; returns the written copy and
/// the plan.
fn check_project(
    files: &[(&str, &str)],
    edited: &[&str],
    also_changes: &dyn Fn(&str) -> bool,
) -> (tempfile::TempDir, Value) {
    let dir = project_dir(files);
    let root = dir.path();
    let before = lambda_tasks(root);
    let (code, plan) = json(&["rewrite", "--format", "json"], root);
    assert_eq!(code, 0);
    let rewritten = rewritten_tasks(&plan, root);
    assert!(
        !rewritten.is_empty(),
        "nothing rewritten: {}",
        plan["skipped"]
    );
    for w in plan["warnings"].as_array().unwrap() {
        let w = w.as_str().unwrap();
        assert!(
            !w.contains("not edited") && !w.contains("by hand"),
            "an edit was left to the user: {w}"
        );
    }
    let edits = edited_files(&plan, root);
    let expected: BTreeSet<String> = edited.iter().map(|s| s.to_string()).collect();
    assert_eq!(edits, expected, "edited files");
    let retired = unused_functions(&plan);
    let (code, patch) = run(&["rewrite", "--format", "patch"], root);
    assert_eq!(code, 0);
    let patched = project_dir(files);
    apply_patch(patched.path(), &patch);
    let (code, _) = run(&["rewrite", "--write", "--force"], root);
    assert_eq!(code, 0);
    for rel in edited {
        let old = files.iter().find(|(p, _)| p == rel).unwrap().1;
        let written = Written {
            root,
            patched: patched.path(),
            before: &before,
            rewritten: &rewritten,
            retired: &retired,
        };
        written.check_file(rel, old, also_changes);
    }
    let after = lambda_tasks(root);
    for (sm, st, _, _) in &after {
        assert!(
            !rewritten.contains(&(sm.clone(), st.clone())),
            "{sm}/{st} still calls a Lambda"
        );
    }
    (dir, plan)
}

fn no_other_changes(_: &str) -> bool {
    false
}

fn start_at_moves(line: &str) -> bool {
    line.contains("StartAt")
}

const VALIDATING_SQS_HANDLER: &str = "const { SQSClient, SendMessageCommand } = require(\"@aws-sdk/client-sqs\");\nconst sqs = new SQSClient({});\n\nexports.handler = async (event) => {\n  if (!event.sku) {\n    throw new Error(\"sku is required\");\n  }\n  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.sku }));\n};\n";

const TF_VALIDATING: &str = r#"resource "aws_sqs_queue" "restock" {
  name = "restock"
}

data "archive_file" "enqueue" {
  type        = "zip"
  source_dir  = "${path.module}/functions/enqueue"
  output_path = "${path.module}/build/enqueue.zip"
}

resource "aws_iam_role" "lambda" {
  name               = "lambda"
  assume_role_policy = "{}"
}

resource "aws_lambda_function" "enqueue" {
  function_name = "enqueue"
  filename      = data.archive_file.enqueue.output_path
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  role          = aws_iam_role.lambda.arn

  environment {
    variables = {
      QUEUE_URL = aws_sqs_queue.restock.url
    }
  }
}

resource "aws_iam_role" "sfn" {
  name               = "sfn"
  assume_role_policy = "{}"
}

data "aws_iam_policy_document" "sfn" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.enqueue.arn]
  }
}

resource "aws_iam_role_policy" "sfn" {
  role   = aws_iam_role.sfn.id
  policy = data.aws_iam_policy_document.sfn.json
}

resource "aws_sfn_state_machine" "flow" {
  name     = "flow"
  role_arn = aws_iam_role.sfn.arn

  definition = jsonencode({
    Comment = "Enqueue a restock."
    StartAt = "Enqueue"
    States = {
      Enqueue = {
        Type       = "Task"
        Resource   = aws_lambda_function.enqueue.arn
        ResultPath = null
        Next       = "Done"
      }
      Done = {
        Type = "Succeed"
      }
    }
  })
}
"#;

/// A Terraform `jsonencode` definition whose rewritten Task gains a validation Choice and Fail:
/// the states are written in HCL next to the Task and StartAt moves to the Choice.
#[test]
fn terraform_jsonencode_gets_the_added_validation_states() {
    let files = [
        ("main.tf", TF_VALIDATING),
        ("functions/enqueue/index.js", VALIDATING_SQS_HANDLER),
    ];
    let (dir, plan) = check_project(&files, &["main.tf"], &start_at_moves);
    let task = &plan["tasks"][0];
    assert!(
        !task["added_states"].as_array().unwrap().is_empty(),
        "{task}"
    );
    let entry = task["entry"].as_str().unwrap();
    let tf = std::fs::read_to_string(dir.path().join("main.tf")).unwrap();
    assert!(tf.contains(&format!("    StartAt = \"{entry}\"\n")), "{tf}");
    // Discovery reads the states back from the HCL.
    let p = lambdaless::discover::discover(dir.path()).unwrap();
    let def = &p.state_machines[0].raw_definition;
    assert_eq!(def["StartAt"], entry);
    assert_eq!(def["States"][entry]["Type"], "Choice");
    assert_eq!(
        def["States"]["Done"],
        serde_json::json!({"Type": "Succeed"})
    );
    for (name, state) in task["added_states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap(), &p[1]))
    {
        assert_eq!(&def["States"][name], state, "{name}");
    }
    // The Lambda's invoke statement goes, the queue's send statement comes.
    assert!(
        !tf.contains("resources = [aws_lambda_function.enqueue.arn]"),
        "{tf}"
    );
    assert!(
        tf.contains("resources = [aws_sqs_queue.restock.arn]"),
        "{tf}"
    );
}

/// `definition = "{...}"`: the JSON inside the quoted string is edited; the string stays one line.
#[test]
fn terraform_quoted_string_definition_is_edited() {
    let tf = TF_VALIDATING.replace(
        "  definition = jsonencode({\n    Comment = \"Enqueue a restock.\"\n    StartAt = \"Enqueue\"\n    States = {\n      Enqueue = {\n        Type       = \"Task\"\n        Resource   = aws_lambda_function.enqueue.arn\n        ResultPath = null\n        Next       = \"Done\"\n      }\n      Done = {\n        Type = \"Succeed\"\n      }\n    }\n  })\n",
        "  definition = \"{\\\"StartAt\\\":\\\"Enqueue\\\",\\\"States\\\":{\\\"Enqueue\\\":{\\\"Type\\\":\\\"Task\\\",\\\"Resource\\\":\\\"${aws_lambda_function.enqueue.arn}\\\",\\\"ResultPath\\\":null,\\\"End\\\":true}}}\"\n",
    );
    assert_ne!(tf, TF_VALIDATING);
    let handler = "const { SQSClient, SendMessageCommand } = require(\"@aws-sdk/client-sqs\");\nconst sqs = new SQSClient({});\n\nexports.handler = async (event) => {\n  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.sku }));\n};\n";
    let files = [
        ("main.tf", tf.as_str()),
        ("functions/enqueue/index.js", handler),
    ];
    let (dir, _) = check_project(&files, &["main.tf"], &no_other_changes);
    let out = std::fs::read_to_string(dir.path().join("main.tf")).unwrap();
    let line = out
        .lines()
        .find(|l| l.starts_with("  definition = \""))
        .unwrap();
    assert!(line.contains("arn:aws:states:::sqs:sendMessage"), "{line}");
    assert!(line.contains("${aws_sqs_queue.restock.url}"), "{line}");
    // The definition stays one line, in the same place of the resource.
    let after = |t: &str| {
        let at = t.find("  definition = \"").unwrap();
        t[at..].lines().skip(1).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(after(&out), after(&tf));
}

const ENQUEUE_HANDLER: &str = "const { SQSClient, SendMessageCommand } = require(\"@aws-sdk/client-sqs\");\nconst sqs = new SQSClient({});\n\nexports.handler = async (event) => {\n  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(event) }));\n};\n";

/// A CloudFormation YAML template with `JobsQueue`, `EnqueueFunction` (sends to it), a role
/// `FlowRole` (its Properties given) and the state machine `Flow` whose DefinitionString is
/// `definition_string`.
fn cfn_yaml(role_properties: &str, definition_string: &str) -> String {
    format!(
        r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  JobsQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
  EnqueueFunction:
    Type: AWS::Lambda::Function
    Properties:
      Code: enqueue/
      Handler: index.handler
      Runtime: nodejs20.x
      Role: !GetAtt EnqueueRole.Arn
      Environment:
        Variables:
          QUEUE_URL: !Ref JobsQueue
  EnqueueRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: []
  EnqueueLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${{EnqueueFunction}}
  FlowRole:
    Type: AWS::IAM::Role
    Properties:
{role_properties}  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt FlowRole.Arn
      DefinitionString:{definition_string}
"#
    )
}

const ROLE_WITH_INVOKE_POLICY: &str = "      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement: []\n      Policies:\n        - PolicyName: Invoke\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: lambda:InvokeFunction\n                Resource: !GetAtt EnqueueFunction.Arn\n";

const ENQUEUE_DEFINITION_BODY: &str = "{\n  \"StartAt\": \"Enqueue\",\n  \"States\": {\n    \"Enqueue\": {\n      \"Type\": \"Task\",\n      \"Resource\": \"${EnqueueArn}\",\n      \"ResultPath\": null,\n      \"End\": true\n    }\n  }\n}";

fn indented(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(by)))
        .collect()
}

/// `DefinitionString: !Sub` in its block-list form: the definition is edited inside the `- |`
/// scalar, the queue becomes a variable of the map (as the template names its variables), and
/// the retired function's variable goes.
#[test]
fn yaml_sub_block_list_gets_its_variables() {
    let ds = format!(
        " !Sub\n        - |\n{}        - EnqueueArn: !GetAtt EnqueueFunction.Arn\n",
        indented(ENQUEUE_DEFINITION_BODY, 10)
    );
    let template = cfn_yaml(ROLE_WITH_INVOKE_POLICY, ds.trim_end_matches('\n'));
    let files = [
        ("template.yaml", template.as_str()),
        ("enqueue/index.js", ENQUEUE_HANDLER),
    ];
    let (dir, _) = check_project(&files, &["template.yaml"], &no_other_changes);
    let path = dir.path().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let v = lambdaless::discover::yaml::parse_yaml(&path, &text).unwrap();
    let sub = &v["Resources"]["Flow"]["Properties"]["DefinitionString"]["Fn::Sub"];
    assert_eq!(
        sub[1],
        serde_json::json!({"JobsQueueUrl": {"Ref": "JobsQueue"}}),
        "{text}"
    );
    let def: Value = serde_json::from_str(sub[0].as_str().unwrap()).unwrap();
    assert_eq!(
        def["States"]["Enqueue"]["Parameters"]["QueueUrl"],
        "${JobsQueueUrl}"
    );
    let st =
        &v["Resources"]["FlowRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    assert_eq!(
        st,
        &serde_json::json!([{"Effect": "Allow", "Action": ["sqs:SendMessage"],
            "Resource": [{"Fn::GetAtt": ["JobsQueue", "Arn"]}]}])
    );
}

/// `DefinitionString: !Sub [ "...", { ... } ]`: the flow form, the definition a double-quoted
/// string on one line.
#[test]
fn yaml_sub_flow_list_gets_its_variables() {
    let compact =
        serde_json::to_string(&serde_json::from_str::<Value>(ENQUEUE_DEFINITION_BODY).unwrap())
            .unwrap();
    let ds = format!(
        " !Sub [ {}, {{ EnqueueArn: !GetAtt EnqueueFunction.Arn, Stage: dev }} ]",
        serde_json::to_string(&compact).unwrap()
    );
    let template = cfn_yaml(ROLE_WITH_INVOKE_POLICY, &ds);
    let files = [
        ("template.yaml", template.as_str()),
        ("enqueue/index.js", ENQUEUE_HANDLER),
    ];
    let (dir, _) = check_project(&files, &["template.yaml"], &no_other_changes);
    let path = dir.path().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let v = lambdaless::discover::yaml::parse_yaml(&path, &text).unwrap();
    let sub = &v["Resources"]["Flow"]["Properties"]["DefinitionString"]["Fn::Sub"];
    assert_eq!(
        sub[1]["JobsQueueUrl"],
        serde_json::json!({"Ref": "JobsQueue"}),
        "{text}"
    );
    assert_eq!(sub[1]["Stage"], "dev");
    assert!(sub[1].get("EnqueueArn").is_none(), "{text}");
    let def: Value = serde_json::from_str(sub[0].as_str().unwrap()).unwrap();
    assert_eq!(
        def["States"]["Enqueue"]["Parameters"]["QueueUrl"],
        "${JobsQueueUrl}"
    );
}

/// A role with no policy at all gets one inline policy holding the new statement; the unused
/// function, its role and its declared log group are reported.
#[test]
fn yaml_role_without_a_policy_gets_one_and_unused_resources_are_named() {
    let role =
        "      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement: []\n";
    let ds = format!(" |\n{}", indented(ENQUEUE_DEFINITION_BODY, 8));
    let template = cfn_yaml(role, ds.trim_end_matches('\n'))
        .replace("      RoleArn: !GetAtt FlowRole.Arn\n", "      RoleArn: !GetAtt FlowRole.Arn\n      DefinitionSubstitutions:\n        EnqueueArn: !GetAtt EnqueueFunction.Arn\n");
    let files = [
        ("template.yaml", template.as_str()),
        ("enqueue/index.js", ENQUEUE_HANDLER),
    ];
    let (dir, plan) = check_project(&files, &["template.yaml"], &no_other_changes);
    let path = dir.path().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let v = lambdaless::discover::yaml::parse_yaml(&path, &text).unwrap();
    let policies = &v["Resources"]["FlowRole"]["Properties"]["Policies"];
    assert_eq!(policies[0]["PolicyName"], "FlowIntegrations", "{text}");
    assert_eq!(
        policies[0]["PolicyDocument"]["Statement"],
        serde_json::json!([{"Effect": "Allow", "Action": ["sqs:SendMessage"],
            "Resource": [{"Fn::GetAtt": ["JobsQueue", "Arn"]}]}])
    );
    let unused: Vec<(String, String)> = plan["unused_resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("function", "EnqueueFunction"),
        ("role", "EnqueueRole"),
        ("log group", "EnqueueLogs"),
    ] {
        assert!(
            unused.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {unused:?}"
        );
    }
    let fresh = project_dir(&files);
    let (_, text_out) = run(&["rewrite"], fresh.path());
    assert!(text_out.contains("role EnqueueRole"), "{text_out}");
}

/// SAM `Policies` in a JSON template: the queue's policy template is appended, the retired
/// function's LambdaInvokePolicy removed.
#[test]
fn json_sam_policies_get_policy_templates() {
    check_json_sam_policies(JSON_SAM_WITH_POLICIES, &no_other_changes);
}

/// One managed policy given alone (`"Policies": "Name"`) becomes a list holding it and the
/// queue's policy template.
#[test]
fn a_single_json_sam_policy_becomes_a_list() {
    let start = JSON_SAM_WITH_POLICIES
        .find("        \"Policies\": [")
        .unwrap();
    let end = JSON_SAM_WITH_POLICIES[start..].find("        ]\n").unwrap() + start + 10;
    let template = format!(
        "{}        \"Policies\": \"AWSXrayWriteOnlyAccess\"\n{}",
        &JSON_SAM_WITH_POLICIES[..start],
        &JSON_SAM_WITH_POLICIES[end..]
    );
    serde_json::from_str::<Value>(&template).unwrap();
    // The one line `"Policies": "..."` becomes the list.
    check_json_sam_policies(&template, &|l: &str| l.contains("\"Policies\""));
}

const JSON_SAM_WITH_POLICIES: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Transform": "AWS::Serverless-2016-10-31",
  "Resources": {
    "JobsQueue": {
      "Type": "AWS::SQS::Queue"
    },
    "EnqueueFunction": {
      "Type": "AWS::Serverless::Function",
      "Properties": {
        "CodeUri": "enqueue/",
        "Handler": "index.handler",
        "Runtime": "nodejs20.x",
        "Environment": {
          "Variables": {
            "QUEUE_URL": {
              "Ref": "JobsQueue"
            }
          }
        }
      }
    },
    "Flow": {
      "Type": "AWS::Serverless::StateMachine",
      "Properties": {
        "DefinitionUri": "flow.asl.json",
        "DefinitionSubstitutions": {
          "EnqueueArn": {
            "Fn::GetAtt": [
              "EnqueueFunction",
              "Arn"
            ]
          }
        },
        "Policies": [
          {
            "LambdaInvokePolicy": {
              "FunctionName": {
                "Ref": "EnqueueFunction"
              }
            }
          },
          "AWSXrayWriteOnlyAccess"
        ]
      }
    }
  }
}
"#;

fn check_json_sam_policies(template: &str, also_changes: &dyn Fn(&str) -> bool) {
    let flow = format!("{ENQUEUE_DEFINITION_BODY}\n");
    let files = [
        ("template.json", template),
        ("flow.asl.json", flow.as_str()),
        ("enqueue/index.js", ENQUEUE_HANDLER),
    ];
    let (dir, plan) = check_project(&files, &["template.json", "flow.asl.json"], also_changes);
    let t: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("template.json")).unwrap())
            .unwrap();
    assert_eq!(
        t["Resources"]["Flow"]["Properties"]["Policies"],
        serde_json::json!([
            "AWSXrayWriteOnlyAccess",
            {"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["JobsQueue", "QueueName"]}}}
        ])
    );
    let iam = plan["iam_template"].to_string();
    assert!(iam.contains("SAM Policies of Flow"), "{iam}");
}

/// serverless-step-functions makes the state machine's role; the new statements go to the state
/// machine's own `iamRoleStatements`, each scoped to one resource.
#[test]
fn serverless_statements_go_to_the_state_machine() {
    let dir = fixture_copy("fixtures/iac/serverless");
    let (code, _) = run(&["rewrite", "--write", "--force"], dir.path());
    assert_eq!(code, 0);
    let path = dir.path().join("serverless.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let v = lambdaless::discover::yaml::parse_yaml(&path, &text).unwrap();
    let st = v["stepFunctions"]["stateMachines"]["paymentFlow"]["iamRoleStatements"]
        .as_array()
        .unwrap_or_else(|| panic!("no iamRoleStatements:\n{text}"));
    assert!(!st.is_empty());
    for s in st {
        for r in s["Resource"].as_array().unwrap() {
            assert_ne!(r, "*", "{s}");
        }
    }
}

const SLS_WITH_ROLE: &str = r#"service: jobs
frameworkVersion: "3"

plugins:
  - serverless-step-functions

provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1

functions:
  enqueue:
    handler: src/enqueue.handler
    environment:
      QUEUE_URL: !Ref JobsQueue
  other:
    handler: src/other.handler

stepFunctions:
  stateMachines:
    flow:
      role: !GetAtt FlowRole.Arn
      definition:
        StartAt: Enqueue
        States:
          Enqueue:
            Type: Task
            Resource: !GetAtt EnqueueLambdaFunction.Arn
            ResultPath: null
            End: true

resources:
  Resources:
    JobsQueue:
      Type: AWS::SQS::Queue
    FlowRole:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument:
          Version: "2012-10-17"
          Statement: []
        Policies:
          - PolicyName: flow
            PolicyDocument:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Action: lambda:InvokeFunction
                  Resource: !GetAtt EnqueueLambdaFunction.Arn
                - Effect: Allow
                  Action: lambda:InvokeFunction
                  Resource: !GetAtt OtherLambdaFunction.Arn
"#;

/// A serverless.yml state machine with its own `role`: that role's policy gets the statement
/// and loses the invoke statement of the retired function (the other function's stays).
#[test]
fn serverless_role_under_resources_is_edited() {
    let files = [
        ("serverless.yml", SLS_WITH_ROLE),
        ("src/enqueue.js", ENQUEUE_HANDLER),
        (
            "src/other.js",
            "exports.handler = async () => ({ ok: true });\n",
        ),
    ];
    let (dir, _) = check_project(&files, &["serverless.yml"], &no_other_changes);
    let path = dir.path().join("serverless.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let v = lambdaless::discover::yaml::parse_yaml(&path, &text).unwrap();
    let st = &v["resources"]["Resources"]["FlowRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]["Statement"];
    assert_eq!(
        st,
        &serde_json::json!([
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": ["OtherLambdaFunction", "Arn"]}},
            {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [{"Fn::GetAtt": ["JobsQueue", "Arn"]}]}
        ]),
        "{text}"
    );
}

/// An S3 PutObject handler: the role gets s3:PutObject on the bucket's objects under the key's
/// literal prefix, nothing wider.
#[test]
fn s3_targets_get_scoped_statements() {
    let role =
        "      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement: []\n";
    let ds = format!(" |\n{}", indented(ENQUEUE_DEFINITION_BODY, 8));
    let template = cfn_yaml(role, ds.trim_end_matches('\n'))
        .replace("  JobsQueue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: jobs\n", "  Receipts:\n    Type: AWS::S3::Bucket\n")
        .replace("          QUEUE_URL: !Ref JobsQueue\n", "          BUCKET: !Ref Receipts\n")
        .replace("      RoleArn: !GetAtt FlowRole.Arn\n", "      RoleArn: !GetAtt FlowRole.Arn\n      DefinitionSubstitutions:\n        EnqueueArn: !GetAtt EnqueueFunction.Arn\n");
    let handler = "const { S3Client, PutObjectCommand } = require(\"@aws-sdk/client-s3\");\nconst s3 = new S3Client({});\n\nexports.handler = async (event) => {\n  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: `receipts/${event.id}.json`, Body: JSON.stringify(event) }));\n};\n";
    let files = [
        ("template.yaml", template.as_str()),
        ("enqueue/index.js", handler),
    ];
    let (_, plan) = check_project(&files, &["template.yaml"], &no_other_changes);
    assert_eq!(
        plan["iam_add"],
        serde_json::json!([{"Effect": "Allow", "Action": ["s3:PutObject"],
            "Resource": [{"Fn::Sub": "${Receipts.Arn}/receipts/*"}]}])
    );
}

/// A Terraform role with no policy in the module gets an `aws_iam_role_policy` of its own,
/// appended to the file (terraform fmt accepts it).
#[test]
fn terraform_role_without_a_policy_gets_one() {
    let start = TF_VALIDATING
        .find("data \"aws_iam_policy_document\" \"sfn\"")
        .unwrap();
    let end = TF_VALIDATING
        .find("resource \"aws_sfn_state_machine\"")
        .unwrap();
    let tf = format!("{}{}", &TF_VALIDATING[..start], &TF_VALIDATING[end..]);
    let files = [
        ("main.tf", tf.as_str()),
        ("functions/enqueue/index.js", VALIDATING_SQS_HANDLER),
    ];
    let (dir, _) = check_project(&files, &["main.tf"], &start_at_moves);
    let out = std::fs::read_to_string(dir.path().join("main.tf")).unwrap();
    assert!(
        out.contains("resource \"aws_iam_role_policy\" \"flow_integrations\" {\n  role = aws_iam_role.sfn.id\n"),
        "{out}"
    );
    assert!(
        out.contains("Resource = [aws_sqs_queue.restock.arn]"),
        "{out}"
    );
}
