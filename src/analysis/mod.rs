//! Handler analysis: tree-sitter front ends for JavaScript, TypeScript and Python that produce one
//! language-neutral [`model::HandlerModel`] per handler, with a verdict and reasons.

pub mod model;

use crate::error::InputError;
use indexmap::IndexMap;
use std::path::Path;

/// Analyses handler `export` in `file` (language from the extension, or sniffed for files
/// without one). `environment` is the function's IaC Environment, used to resolve env reads.
/// Unparsable source is an `InputError` naming the file and location.
pub fn analyze_file(
    file: &Path,
    export: &str,
    environment: &IndexMap<String, String>,
) -> Result<model::HandlerModel, InputError> {
    let _ = (export, environment);
    Err(InputError::new(
        file,
        "handler analysis is not implemented yet",
    ))
}
