//! From a function's `Handler` string and code directory to its source file and export.
//!
//! Node.js: `path/to/module.export` → `path/to/module` + `.js`/`.mjs`/`.cjs` (or `.ts` before a
//! bundler builds it); Python: `pkg.module.function` → `pkg/module.py`.
//! Handler naming: https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html and
//! https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html

use std::path::{Path, PathBuf};

/// The module path and export named by a handler string, for the given runtime.
pub fn split_handler(handler: &str, runtime: Option<&str>) -> (String, String) {
    let Some((module, export)) = handler.rsplit_once('.') else {
        return (handler.to_string(), "handler".to_string());
    };
    let python = runtime.map(|r| r.starts_with("python")).unwrap_or(false);
    let module = if python && !module.contains('/') {
        module.replace('.', "/")
    } else {
        module.to_string()
    };
    (module, export.to_string())
}

/// Extensions to try for a runtime, in order.
fn extensions(runtime: Option<&str>) -> &'static [&'static str] {
    match runtime {
        Some(r) if r.starts_with("python") => &[".py"],
        Some(r) if r.starts_with("nodejs") => &[".js", ".mjs", ".cjs", ".ts", ".mts", ""],
        _ => &[".js", ".mjs", ".cjs", ".ts", ".py", ""],
    }
}

/// Whether the runtime is one the analysis reads (Node.js, Python, or unknown).
pub fn runtime_is_analysable(runtime: Option<&str>) -> bool {
    match runtime {
        None => true,
        Some(r) => r.starts_with("nodejs") || r.starts_with("python"),
    }
}

/// Finds the handler source under `code_dir`. `entry_points` are esbuild `EntryPoints`
/// (SAM `Metadata.BuildProperties`), relative to `code_dir`; they win when one matches the module.
pub fn resolve_handler_file(
    code_dir: &Path,
    handler: &str,
    runtime: Option<&str>,
    entry_points: &[String],
) -> Option<PathBuf> {
    let (module, _) = split_handler(handler, runtime);
    let module_stem = Path::new(&module)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    for ep in entry_points {
        let p = code_dir.join(ep);
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem == module_stem && p.is_file() {
            return Some(p);
        }
    }
    for ext in extensions(runtime) {
        let p = code_dir.join(format!("{module}{ext}"));
        if p.is_file() {
            return Some(p);
        }
    }
    // A single entry point is the handler whatever its name (esbuild renames it).
    if entry_points.len() == 1 {
        let p = code_dir.join(&entry_points[0]);
        if p.is_file() {
            return Some(p);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_node_and_python_handlers() {
        assert_eq!(
            split_handler("src/index.handler", Some("nodejs20.x")),
            ("src/index".into(), "handler".into())
        );
        assert_eq!(
            split_handler("pkg.module.handler", Some("python3.12")),
            ("pkg/module".into(), "handler".into())
        );
        assert_eq!(
            split_handler("app.lambda_handler", Some("python3.12")),
            ("app".into(), "lambda_handler".into())
        );
    }

    #[test]
    fn resolves_files_by_extension_and_entry_point() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.ts"), "").unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/mod.py"), "").unwrap();
        assert_eq!(
            resolve_handler_file(dir.path(), "app.handler", Some("nodejs20.x"), &[]),
            Some(dir.path().join("app.ts"))
        );
        assert_eq!(
            resolve_handler_file(dir.path(), "pkg.mod.h", Some("python3.12"), &[]),
            Some(dir.path().join("pkg/mod.py"))
        );
        assert_eq!(
            resolve_handler_file(
                dir.path(),
                "index.handler",
                Some("nodejs20.x"),
                &["app.ts".into()]
            ),
            Some(dir.path().join("app.ts"))
        );
        assert_eq!(
            resolve_handler_file(dir.path(), "missing.handler", Some("nodejs20.x"), &[]),
            None
        );
    }
}
