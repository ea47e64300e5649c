//! Handler analysis: tree-sitter front ends for JavaScript, TypeScript and Python that produce one
//! language-neutral [`model::HandlerModel`] per handler, with a verdict and reasons.
//!
//! Pipeline: [`source`] detects the language and parses; [`unit`] loads the project's helper
//! modules the handler imports; a front end ([`js`] or [`python`]) walks the handler, filling a
//! [`facts::Collector`]; [`verdict`] checks the result against the rules catalogue and decides.
//! The front ends share the walk itself ([`walk`]) and how values are built ([`expr`]); each
//! adds only what depends on its grammar.

pub mod describe;
pub mod expr;
pub mod facts;
pub mod js;
pub mod model;
pub mod python;
pub mod source;
pub mod unit;
pub mod verdict;
pub mod walk;

use crate::error::InputError;
use crate::rules::Catalogue;
use indexmap::IndexMap;
use model::{HandlerModel, Language};
use std::path::Path;

/// Analyses handler `export` in `file` (language from the extension, or sniffed for files
/// without one). `environment` is the function's IaC Environment, used to resolve env reads.
/// Unparsable source is an `InputError` naming the file and location.
pub fn analyze_file(
    file: &Path,
    export: &str,
    environment: &IndexMap<String, String>,
) -> Result<HandlerModel, InputError> {
    analyze_file_with(file, export, environment, Catalogue::builtin())
}

/// [`analyze_file`] with a given rules catalogue (built-in plus `--rules DIR`).
pub fn analyze_file_with(
    file: &Path,
    export: &str,
    environment: &IndexMap<String, String>,
    catalogue: &Catalogue,
) -> Result<HandlerModel, InputError> {
    let text = InputError::read_text(file)?;
    analyze_source(file, text, export, environment, catalogue)
}

/// Analyses source text already read from `file` (helper modules are still read from disk).
pub fn analyze_source(
    file: &Path,
    text: String,
    export: &str,
    environment: &IndexMap<String, String>,
    catalogue: &Catalogue,
) -> Result<HandlerModel, InputError> {
    let language = source::detect_language(file, &text)?;
    let root = unit::Unit::parse(file, text, language)?;
    check_syntax(&root, export)?;
    let mut units = vec![];
    let helpers = unit::load_helpers(&root);
    units.push(root);
    units.extend(helpers);
    let mut collector = facts::Collector::new(file.display().to_string(), environment, catalogue);
    let (function_span, returns, extra) = match language {
        Language::Javascript | Language::Typescript => {
            let out = js::Js::new(&units, &mut collector)
                .analyze(export)
                .map_err(|m| InputError::new(file, m))?;
            (out.function_span, out.returns, out.extra_event_reads)
        }
        Language::Python => {
            let out = python::Py::new(&units, &mut collector)
                .analyze(export)
                .map_err(|m| InputError::new(file, m))?;
            (out.function_span, out.returns, out.extra_event_reads)
        }
    };
    Ok(verdict::finish(
        collector,
        verdict::Finish {
            language,
            function: export.to_string(),
            handler_span: function_span,
            returns,
            extra_event_reads: extra,
        },
    ))
}

/// A syntax error anywhere in the file is an input error: tree-sitter recovers, but a verdict on
/// a half-parsed handler would not be trustworthy.
fn check_syntax(unit: &unit::Unit, _export: &str) -> Result<(), InputError> {
    match source::syntax_error(&unit.path, unit.tree.root_node(), &unit.text) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
