//! `lambdaless rules`: what the SDK operation → integration catalogue covers.

use crate::cli::explain::write_stdout;
use crate::error::exit;
use crate::rules::{Catalogue, Rule};
use std::path::PathBuf;

/// Arguments of `lambdaless rules`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Extra rule files (one JSON file per service) added to the built-in catalogue.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Only this service (catalogue key, e.g. `dynamodb`).
    #[arg(long)]
    pub service: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let catalogue = match &args.rules {
        Some(dir) => Catalogue::with_user_dir(dir)?,
        None => Catalogue::builtin().clone(),
    };
    let rules: Vec<Rule> = catalogue
        .all()
        .into_iter()
        .filter(|r| args.service.as_deref().is_none_or(|s| s == r.service))
        .collect();
    match args.format {
        Format::Json => write_stdout(&format!("{}\n", serde_json::to_string_pretty(&rules)?)),
        Format::Text => write_stdout(&table(&rules)),
    }
    Ok(exit::OK)
}

fn table(rules: &[Rule]) -> String {
    let header = ["SDK CALL", "INTEGRATION", "ERRORS", "IAM"];
    let rows: Vec<[String; 4]> = rules
        .iter()
        .map(|r| {
            let mut integration = r.integration.clone();
            if r.unsupported {
                integration = format!("(unsupported) {integration}");
            }
            [
                format!("{}:{}", r.service, r.action),
                integration,
                r.error_prefix
                    .as_deref()
                    .map(|p| format!("{p}.*"))
                    .unwrap_or_else(|| "?".into()),
                r.iam_actions.join(","),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.len());
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        s.push('\n');
        s
    };
    out.push_str(&line(&header.map(String::from)));
    for row in &rows {
        out.push_str(&line(row));
    }
    let services: std::collections::BTreeSet<&str> =
        rules.iter().map(|r| r.service.as_str()).collect();
    out.push_str(&format!(
        "\n{} operations in {} services\n",
        rules.len(),
        services.len()
    ));
    out
}
