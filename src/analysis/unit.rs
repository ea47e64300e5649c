//! Parsed source units: the handler file and the helper modules of the same project it imports
//! (relative imports only), so that a helper function's SDK call is analysed where it is made.

use super::model::Language;
use super::source;
use crate::error::InputError;
use std::path::{Path, PathBuf};
use tree_sitter::Tree;

pub struct Unit {
    pub path: PathBuf,
    pub text: String,
    pub tree: Tree,
    pub language: Language,
}

/// How many helper modules one analysis loads at most.
const MAX_UNITS: usize = 12;

impl Unit {
    pub fn parse(path: &Path, text: String, language: Language) -> Result<Unit, InputError> {
        let tree = source::parse(language, &text)
            .ok_or_else(|| InputError::new(path, "the parser gave up on this file"))?;
        Ok(Unit {
            path: path.to_path_buf(),
            text,
            tree,
            language,
        })
    }
}

/// Loads the relative imports of `root` (transitively, bounded). Unreadable or unparsable helper
/// modules are skipped here; a call into them is then reported as not understood.
pub fn load_helpers(root: &Unit) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut queue: Vec<(PathBuf, Vec<String>, Language)> = vec![(
        root.path.clone(),
        relative_specifiers(&root.text, root.language),
        root.language,
    )];
    let mut seen: Vec<PathBuf> = vec![root.path.clone()];
    while let Some((from, specs, lang)) = queue.pop() {
        for spec in specs {
            if units.len() >= MAX_UNITS {
                return units;
            }
            let Some(path) = resolve(&from, &spec, lang) else {
                continue;
            };
            if seen.contains(&path) {
                continue;
            }
            seen.push(path.clone());
            let Ok(text) = InputError::read_text(&path) else {
                continue;
            };
            let language = source::detect_language(&path, &text).unwrap_or(lang);
            let Ok(unit) = Unit::parse(&path, text, language) else {
                continue;
            };
            if unit.tree.root_node().has_error() {
                continue;
            }
            queue.push((
                path.clone(),
                relative_specifiers(&unit.text, language),
                language,
            ));
            units.push(unit);
        }
    }
    units
}

/// The specifier a module is imported by, normalised for matching: `./lib/db`, `.helpers`, `helpers`.
pub fn relative_specifiers(text: &str, language: Language) -> Vec<String> {
    let mut out = Vec::new();
    match language {
        Language::Python => {
            for line in text.lines() {
                let l = line.trim_start();
                if let Some(rest) = l.strip_prefix("from ") {
                    if let Some((module, _)) = rest.split_once(" import ") {
                        out.push(module.trim().to_string());
                    }
                } else if let Some(rest) = l.strip_prefix("import ") {
                    for m in rest.split(',') {
                        let m = m.split_whitespace().next().unwrap_or("");
                        if !m.is_empty() {
                            out.push(m.to_string());
                        }
                    }
                }
            }
        }
        _ => {
            for quote in ['\'', '"'] {
                for part in text.split(quote).skip(1).step_by(2) {
                    if (part.starts_with("./") || part.starts_with("../")) && part.len() < 300 {
                        out.push(part.to_string());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Resolves an import specifier relative to the importing file.
pub fn resolve(from: &Path, spec: &str, language: Language) -> Option<PathBuf> {
    let dir = from.parent().unwrap_or(Path::new("."));
    match language {
        Language::Python => {
            // `from .helpers import x`, `from helpers import x`, `import helpers` (same folder or package).
            let trimmed = spec.trim_start_matches('.');
            let ups = spec.len() - trimmed.len();
            let mut base = dir.to_path_buf();
            for _ in 1..ups.max(1) {
                base = base.parent()?.to_path_buf();
            }
            let rel: PathBuf = trimmed.split('.').collect();
            if trimmed.is_empty() {
                return None;
            }
            let file = base.join(&rel).with_extension("py");
            if file.is_file() {
                return Some(file);
            }
            let init = base.join(&rel).join("__init__.py");
            init.is_file().then_some(init)
        }
        _ => {
            let base = dir.join(spec);
            if base.is_file() {
                return Some(base);
            }
            for ext in ["js", "ts", "mjs", "cjs"] {
                let with = PathBuf::from(format!("{}.{ext}", base.display()));
                if with.is_file() {
                    return Some(with);
                }
            }
            // TypeScript sources import "./x.js" for "./x.ts".
            if let Some(stem) = spec.strip_suffix(".js") {
                let ts = dir.join(format!("{stem}.ts"));
                if ts.is_file() {
                    return Some(ts);
                }
            }
            for index in ["index.js", "index.ts", "index.mjs"] {
                let i = base.join(index);
                if i.is_file() {
                    return Some(i);
                }
            }
            None
        }
    }
}
