//! Discovery: finds state machines and Lambda functions in a project's infrastructure files
//! (ASL, SAM/CloudFormation, Serverless Framework, CDK output, Terraform) and links each Task
//! state to the function it invokes.
//!
//! `discover(root)` walks the tree (honouring .gitignore), reads each format into the one
//! [`model::Project`], then links Tasks to functions ([`link`]).

pub mod asl_file;
pub mod cdk;
pub mod cfn;
pub mod definition;
pub mod handler;
pub mod hcl;
pub mod link;
pub mod locate;
pub mod model;
pub mod refs;
pub mod serverless;
pub mod terraform;
pub mod walk;
pub mod yaml;

use crate::error::InputError;
use model::{Project, Unresolved};
use refs::Scope;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Discovers everything under `root` (a directory, or one template / ASL file).
/// A malformed infrastructure file is an error naming file, line and column.
pub fn discover(root: &Path) -> Result<Project, InputError> {
    discover_with_progress(root, &mut |_, _| {})
}

/// As [`discover`], calling `progress(done, total)` as files are read.
pub fn discover_with_progress(
    root: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Project, InputError> {
    if !root.exists() {
        return Err(InputError::new(root, "no such file or directory"));
    }
    let mut b = Builder::new(root);
    let files = walk::candidate_files(root);
    let total = files.len();
    // Standalone ASL files are kept aside until the templates have claimed their definition files.
    let mut asl_candidates = Vec::new();
    for (i, (path, kind)) in files.into_iter().enumerate() {
        progress(i, total);
        match kind {
            walk::FileKind::Serverless => serverless::load(&mut b, &path)?,
            walk::FileKind::Terraform => b.terraform_files.push(path),
            walk::FileKind::CdkApp => cdk::load_app(&mut b, &path)?,
            walk::FileKind::JsonOrYaml => {
                if let Some(asl) = cfn::load_json_or_yaml(&mut b, &path)? {
                    asl_candidates.push(asl);
                }
            }
        }
    }
    progress(total, total);
    terraform::load_modules(&mut b)?;
    for (path, text, value) in asl_candidates {
        if !b.claimed_files.contains(&path) {
            asl_file::load(&mut b, &path, &text, value);
        }
    }
    b.project.sample_inputs.sort();
    b.project.sample_inputs.dedup();
    link::link_all(&mut b);
    Ok(b.project)
}

/// Discovery state shared by the format readers.
pub struct Builder {
    pub root: PathBuf,
    pub project: Project,
    /// One per template / serverless.yml / Terraform module.
    pub scopes: Vec<Scope>,
    /// Scope index of each state machine, parallel to `project.state_machines`.
    pub machine_scopes: Vec<usize>,
    /// Definition files that a template or module points at (not standalone state machines).
    pub claimed_files: HashSet<PathBuf>,
    pub terraform_files: Vec<PathBuf>,
}

impl Builder {
    pub fn new(root: &Path) -> Self {
        Builder {
            root: root.to_path_buf(),
            project: Project {
                root: root.to_path_buf(),
                ..Default::default()
            },
            scopes: Vec::new(),
            machine_scopes: Vec::new(),
            claimed_files: HashSet::new(),
            terraform_files: Vec::new(),
        }
    }

    /// The directory paths inside the project are relative to (`root` itself, or its parent
    /// when `root` is a file).
    pub fn base_dir(&self) -> PathBuf {
        if self.root.is_file() {
            self.root
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        } else {
            self.root.clone()
        }
    }

    /// `path` relative to the root (for `Function::code_dir`).
    pub fn relative(&self, path: &Path) -> PathBuf {
        let base = self.base_dir();
        path.strip_prefix(&base)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf())
    }

    pub fn unresolved(&mut self, file: &Path, subject: &str, reason: impl Into<String>) {
        self.project.unresolved.push(Unresolved {
            file: file.to_path_buf(),
            subject: subject.to_string(),
            reason: reason.into(),
        });
    }

    /// Records sample inputs next to a state machine's files: `events/`, `inputs/`, `*.input.json`.
    pub fn collect_sample_inputs(&mut self, dir: &Path) {
        for sub in ["events", "inputs"] {
            let d = dir.join(sub);
            if let Ok(entries) = std::fs::read_dir(&d) {
                for e in entries.flatten() {
                    let p = e.path();
                    if p.extension().map(|x| x == "json").unwrap_or(false)
                        && !self.project.sample_inputs.contains(&p)
                    {
                        self.project.sample_inputs.push(p);
                    }
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.ends_with(".input.json") && !self.project.sample_inputs.contains(&p) {
                    self.project.sample_inputs.push(p);
                }
            }
        }
    }
}

/// Lexically normalises `a/./b/../c` → `a/c` (paths need not exist).
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if out.file_name().is_some() {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::InvocationStyle;

    fn order_service() -> Project {
        discover(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/order-service")).unwrap()
    }

    #[test]
    fn order_service_links_every_task_to_its_function() {
        let p = order_service();
        assert_eq!(p.state_machines.len(), 1);
        let sm = &p.state_machines[0];
        assert_eq!(sm.name, "OrderWorkflow");
        assert!(matches!(
            sm.origin,
            model::DefinitionOrigin::SamDefinitionUri { .. }
        ));
        assert_eq!(p.functions.len(), 5);
        let linked: Vec<(String, String, InvocationStyle)> = p
            .links
            .iter()
            .map(|l| {
                (
                    l.state.clone(),
                    p.functions[l.function.expect("resolved")].id.clone(),
                    l.style,
                )
            })
            .collect();
        assert_eq!(
            linked,
            vec![
                (
                    "PriceOrder".into(),
                    "PriceOrderFunction".into(),
                    InvocationStyle::OptimizedInvoke
                ),
                (
                    "SaveOrder".into(),
                    "SaveOrderFunction".into(),
                    InvocationStyle::OptimizedInvoke
                ),
                (
                    "NotifyWarehouse".into(),
                    "NotifyWarehouseFunction".into(),
                    InvocationStyle::BareArn
                ),
                (
                    "NotifyCustomer".into(),
                    "NotifyCustomerFunction".into(),
                    InvocationStyle::OptimizedInvoke
                ),
                (
                    "EmitOrderPlaced".into(),
                    "EmitEventFunction".into(),
                    InvocationStyle::BareArn
                ),
            ]
        );
        let save = p.links.iter().find(|l| l.state == "SaveOrder").unwrap();
        assert_eq!(save.line, Some(44));
        assert_eq!(
            sm.definition["States"]["SaveOrder"]["Parameters"]["FunctionName"],
            "arn:aws:lambda:us-east-1:123456789012:function:${SaveOrderFunction}"
        );
        assert_eq!(
            sm.raw_definition["States"]["SaveOrder"]["Parameters"]["FunctionName"],
            "${SaveOrderFunctionArn}"
        );
    }

    #[test]
    fn order_service_functions_have_handlers_and_environment() {
        let p = order_service();
        let f = |id: &str| p.functions.iter().find(|f| f.id == id).unwrap();
        let save = f("SaveOrderFunction");
        assert!(save
            .handler_file
            .as_ref()
            .unwrap()
            .ends_with("src/save-order/index.js"));
        assert_eq!(save.code_dir, Path::new("src/save-order"));
        assert_eq!(save.environment["TABLE_NAME"], "orders");
        assert_eq!(save.memory_mb, Some(256));
        assert_eq!(save.timeout_s, Some(10));
        assert_eq!(save.architecture.as_deref(), Some("x86_64"));
        let warehouse = f("NotifyWarehouseFunction");
        assert!(warehouse
            .handler_file
            .as_ref()
            .unwrap()
            .ends_with("src/notify_warehouse/app.py"));
        assert_eq!(warehouse.handler_export, "lambda_handler");
        assert_eq!(
            warehouse.environment["QUEUE_URL"],
            "https://sqs.us-east-1.amazonaws.com/123456789012/warehouse-orders"
        );
        let customer = f("NotifyCustomerFunction");
        assert!(customer
            .handler_file
            .as_ref()
            .unwrap()
            .ends_with("src/notify-customer/app.ts"));
        assert_eq!(
            customer.environment["TOPIC_ARN"],
            "arn:aws:sns:us-east-1:123456789012:customer-notifications"
        );
        assert_eq!(f("EmitEventFunction").memory_mb, Some(128));
        assert_eq!(p.resources["OrdersTable"].name, "orders");
        assert_eq!(p.sample_inputs.len(), 4);
    }
}
