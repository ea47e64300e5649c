//! Lists the files of a project that may hold infrastructure, honouring .gitignore (also outside
//! a git repository), and sorts them into the formats discovery reads.

use ignore::WalkBuilder;
use std::path::{Path, PathBuf};

/// What a file may be, decided from its name before it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// `serverless.yml` / `serverless.yaml` / `serverless.json`.
    Serverless,
    /// `*.tf`.
    Terraform,
    /// `cdk.json`: its `cdk.out` holds the synthesized templates (usually git-ignored).
    CdkApp,
    /// `.json`, `.yaml`, `.yml`, `.template`: a template, an ASL file, or neither.
    JsonOrYaml,
}

/// Directories that hold copies or dependencies, never the project's own infrastructure.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    ".git",
    ".aws-sam",
    ".serverless",
    ".terraform",
    "cdk.out",
    "target",
    "__pycache__",
    ".venv",
    "venv",
];

pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "serverless.yml" | "serverless.yaml" | "serverless.json"
    ) {
        return Some(FileKind::Serverless);
    }
    if lower == "cdk.json" {
        return Some(FileKind::CdkApp);
    }
    if lower.ends_with(".tf") {
        return Some(FileKind::Terraform);
    }
    if matches!(
        lower.as_str(),
        "package.json" | "package-lock.json" | "tsconfig.json" | "composer.json"
    ) {
        return None;
    }
    if lower.ends_with(".json")
        || lower.ends_with(".yaml")
        || lower.ends_with(".yml")
        || lower.ends_with(".template")
    {
        return Some(FileKind::JsonOrYaml);
    }
    None
}

/// Every candidate file under `root` (or `root` itself when it is a file), in a stable order.
pub fn candidate_files(root: &Path) -> Vec<(PathBuf, FileKind)> {
    if root.is_file() {
        return classify(root)
            .map(|k| vec![(root.to_path_buf(), k)])
            .unwrap_or_default();
    }
    let mut out = Vec::new();
    let walker = WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .filter_entry(|e| {
            let skip = e.file_type().map(|t| t.is_dir()).unwrap_or(false)
                && e.file_name()
                    .to_str()
                    .map(|n| SKIPPED_DIRS.contains(&n))
                    .unwrap_or(false);
            !skip
        })
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            continue;
        }
        if let Some(kind) = classify(entry.path()) {
            out.push((entry.path().to_path_buf(), kind));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_name() {
        assert_eq!(
            classify(Path::new("a/serverless.yml")),
            Some(FileKind::Serverless)
        );
        assert_eq!(classify(Path::new("main.tf")), Some(FileKind::Terraform));
        assert_eq!(
            classify(Path::new("x.asl.json")),
            Some(FileKind::JsonOrYaml)
        );
        assert_eq!(classify(Path::new("package.json")), None);
        assert_eq!(classify(Path::new("index.js")), None);
    }

    #[test]
    fn honours_gitignore_outside_git() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "ignored/\n").unwrap();
        std::fs::create_dir(dir.path().join("ignored")).unwrap();
        std::fs::write(dir.path().join("ignored/t.yaml"), "a: 1").unwrap();
        std::fs::write(dir.path().join("t.yaml"), "a: 1").unwrap();
        let files = candidate_files(dir.path());
        assert_eq!(files.len(), 1);
        assert!(files[0].0.ends_with("t.yaml"));
    }
}
