//! discover → analysis → plan, for the commands that need a rewrite plan (`rewrite`, `verify`).

use super::{plan, RewriteOptions, RewritePlan};
use crate::analysis::model::HandlerModel;
use crate::discover::{self, model::Project};
use crate::error::InputError;
use indexmap::IndexMap;
use std::path::Path;

/// A project, its plan, and the handler problems met on the way (a missing handler file,
/// unparsable source): the Tasks concerned are skipped, and the CLI exits 2 after reporting.
pub struct Planned {
    pub project: Project,
    pub models: Vec<(usize, HandlerModel)>,
    pub plan: RewritePlan,
    pub handler_errors: Vec<InputError>,
}

/// Analyses the handler of every function a Task calls.
pub fn analyse_called_functions(
    project: &Project,
) -> (Vec<(usize, HandlerModel)>, Vec<InputError>) {
    let mut called: Vec<usize> = project.links.iter().filter_map(|l| l.function).collect();
    called.sort();
    called.dedup();
    let mut models = Vec::new();
    let mut errors = Vec::new();
    for fi in called {
        let Some(f) = project.functions.get(fi) else {
            continue;
        };
        let Some(file) = &f.handler_file else {
            let note = f
                .handler_note
                .clone()
                .unwrap_or_else(|| "the handler source was not found".into());
            // Code kept elsewhere (S3, inline, images) is simply not analysed; a local code
            // directory without the handler file is an input error.
            if note.starts_with("no source file") {
                errors.push(InputError::new(
                    &f.template,
                    format!("function {}: {note}", f.id),
                ));
            }
            continue;
        };
        let env: IndexMap<String, String> = f
            .environment
            .iter()
            .map(|(k, v)| {
                let s = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                (k.clone(), s)
            })
            .collect();
        match crate::analysis::analyze_file(file, &f.handler_export, &env) {
            Ok(m) => models.push((fi, m)),
            Err(e) => errors.push(e),
        }
    }
    (models, errors)
}

/// Discovers `path`, analyses the called handlers and plans the rewrite.
pub fn plan_path(path: &Path, options: &RewriteOptions) -> Result<Planned, InputError> {
    let project = discover::discover(path)?;
    let (models, handler_errors) = analyse_called_functions(&project);
    let plan = plan(&project, &models, options);
    Ok(Planned {
        project,
        models,
        plan,
        handler_errors,
    })
}
