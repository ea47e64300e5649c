//! `lambdaless validate`.

use crate::asl::validate::{validate, MachineType, Options, Problem};
use crate::error::{exit, InputError};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WorkflowType {
    #[value(name = "STANDARD", alias = "standard")]
    Standard,
    #[value(name = "EXPRESS", alias = "express")]
    Express,
}

/// Arguments of `lambdaless validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The state machine definition (Amazon States Language, JSON; YAML for .yaml/.yml files).
    pub file: PathBuf,
    /// Output format: one line per problem, or a JSON report.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Workflow type: EXPRESS rejects .sync, .waitForTaskToken and activities.
    #[arg(long = "type", value_enum, default_value = "STANDARD")]
    pub workflow_type: WorkflowType,
}

/// Exit 0 when the definition is valid, 1 when it has problems, 2 when it cannot be read.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let definition = read_definition(&args.file)?;
    let options = Options {
        machine_type: match args.workflow_type {
            WorkflowType::Standard => MachineType::Standard,
            WorkflowType::Express => MachineType::Express,
        },
    };
    let problems = validate(&definition, &options);
    print!("{}", render(&args.file, &problems, args.format));
    Ok(if problems.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

fn read_definition(path: &std::path::Path) -> Result<serde_json::Value, InputError> {
    let is_yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    if !is_yaml {
        return InputError::read_json(path);
    }
    let text = InputError::read_text(path)?;
    serde_yaml_ng::from_str(&text).map_err(|e| {
        let err = InputError::new(path, format!("malformed YAML: {e}"));
        match e.location() {
            Some(l) => err.at(l.line(), l.column()),
            None => err,
        }
    })
}

/// Text: `FILE: /States/X/Next: message` per problem (or `FILE: valid`); JSON: a report object.
pub fn render(file: &std::path::Path, problems: &[Problem], format: Format) -> String {
    match format {
        Format::Text => {
            if problems.is_empty() {
                return format!("{}: valid\n", file.display());
            }
            let mut out = String::new();
            for p in problems {
                let at = if p.pointer.is_empty() {
                    "/"
                } else {
                    &p.pointer
                };
                out.push_str(&format!("{}: {}: {}\n", file.display(), at, p.message));
            }
            out
        }
        Format::Json => {
            let report = serde_json::json!({
                "file": file.display().to_string(),
                "valid": problems.is_empty(),
                "problems": problems,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn text_and_json_rendering() {
        let ps = vec![Problem {
            pointer: "/States/X/Next".into(),
            message: "'B' is not a state".into(),
        }];
        assert_eq!(
            render(Path::new("sm.json"), &ps, Format::Text),
            "sm.json: /States/X/Next: 'B' is not a state\n"
        );
        assert_eq!(
            render(Path::new("sm.json"), &[], Format::Text),
            "sm.json: valid\n"
        );
        let j: serde_json::Value =
            serde_json::from_str(&render(Path::new("sm.json"), &ps, Format::Json)).unwrap();
        assert_eq!(j["valid"], false);
        assert_eq!(j["problems"][0]["pointer"], "/States/X/Next");
    }

    #[test]
    fn unreadable_files_name_the_location() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("bad.json");
        std::fs::write(&json, "{\"StartAt\": \"A\",\n  \"States\": [}\n").unwrap();
        let e = read_definition(&json).unwrap_err();
        assert_eq!(e.location.line, Some(2));
        let yaml = dir.path().join("bad.yaml");
        std::fs::write(&yaml, "StartAt: A\nStates: [\n  - : :\n").unwrap();
        let e = read_definition(&yaml).unwrap_err();
        assert!(e.location.line.is_some(), "{e}");
        assert!(read_definition(&dir.path().join("missing.json")).is_err());
        let ok = dir.path().join("ok.yml");
        std::fs::write(&ok, "StartAt: A\nStates:\n  A: {Type: Succeed}\n").unwrap();
        assert_eq!(
            validate(&read_definition(&ok).unwrap(), &Options::default()),
            vec![]
        );
    }
}
