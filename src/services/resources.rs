//! What the job and configuration services need to exist before a call succeeds: secrets, SSM
//! parameters, Athena workgroups, Batch job queues and job definitions, CodeBuild projects, ECS
//! clusters and task definitions, Glue jobs and SES identities. Seeded from the world file, from the
//! project's templates (verify) or by tests; read by the simulators in this folder.

use super::world::World;
use serde::{Deserialize, Serialize};

/// A Secrets Manager secret with its current version (labelled `AWSCURRENT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    pub name: String,
    /// The six characters Secrets Manager appends to the name in the ARN.
    pub arn_suffix: String,
    pub version_id: String,
    pub secret_string: Option<String>,
    /// Base64 text of a binary secret.
    pub secret_binary: Option<String>,
    pub created_ms: i64,
}

/// An SSM parameter (`String`, `StringList` or `SecureString`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub parameter_type: String,
    pub value: String,
    pub version: u64,
    pub last_modified_ms: i64,
}

/// An Athena workgroup and the query-result location its configuration sets, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkGroup {
    pub name: String,
    pub output_location: Option<String>,
}

/// A Batch job definition revision (`name:revision`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDefinition {
    pub name: String,
    pub revision: u64,
}

/// An ECS task definition revision and the names of its containers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDefinition {
    pub family: String,
    pub revision: u64,
    pub containers: Vec<String>,
}

impl World {
    /// Seeds a secret holding `string` (or base64 `binary`), created at the epoch.
    pub fn add_secret(&mut self, name: &str, string: Option<String>, binary: Option<String>) {
        let arn_suffix = self.ids.alphanumeric("secret-arn-suffix", 6);
        let version_id = self.ids.uuid("secret-version-id");
        self.secrets.insert(
            name.to_string(),
            Secret {
                name: name.to_string(),
                arn_suffix,
                version_id,
                secret_string: string,
                secret_binary: binary,
                created_ms: 0,
            },
        );
    }

    /// `arn:aws:secretsmanager:<Region>:<AccountId>:secret:<SecretName>-<6 random characters>`
    /// ("Secrets Manager ... appends a hyphen and six random characters", Secrets Manager User
    /// Guide, reference_iam-permissions.html#iam-resources).
    pub fn secret_arn(&self, s: &Secret) -> String {
        format!(
            "arn:aws:secretsmanager:{}:{}:secret:{}-{}",
            self.region, self.account_id, s.name, s.arn_suffix
        )
    }

    pub fn add_parameter(&mut self, name: &str, parameter_type: &str, value: &str) {
        self.parameters.insert(
            name.to_string(),
            Parameter {
                name: name.to_string(),
                parameter_type: parameter_type.to_string(),
                value: value.to_string(),
                version: 1,
                last_modified_ms: 0,
            },
        );
    }

    /// `arn:aws:ssm:<Region>:<AccountId>:parameter/<name without its leading slash>` (Systems
    /// Manager User Guide, sysman-paramstore-access.html).
    pub fn parameter_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:ssm:{}:{}:parameter/{}",
            self.region,
            self.account_id,
            name.trim_start_matches('/')
        )
    }

    pub fn add_workgroup(&mut self, name: &str, output_location: Option<String>) {
        self.workgroups.insert(
            name.to_string(),
            WorkGroup {
                name: name.to_string(),
                output_location,
            },
        );
    }

    pub fn add_job_queue(&mut self, name: &str) {
        self.job_queues.insert(name.to_string());
    }

    pub fn add_job_definition(&mut self, name: &str, revision: u64) {
        self.job_definitions.push(JobDefinition {
            name: name.to_string(),
            revision,
        });
    }

    pub fn add_build_project(&mut self, name: &str) {
        self.build_projects.insert(name.to_string());
    }

    pub fn add_cluster(&mut self, name: &str) {
        self.clusters.insert(name.to_string());
    }

    pub fn add_task_definition(&mut self, family: &str, revision: u64, containers: Vec<String>) {
        self.task_definitions.push(TaskDefinition {
            family: family.to_string(),
            revision,
            containers,
        });
    }

    pub fn add_glue_job(&mut self, name: &str) {
        self.glue_jobs.insert(name.to_string());
    }

    /// A verified SES identity: an email address or a domain.
    pub fn add_email_identity(&mut self, identity: &str) {
        self.email_identities.insert(identity.to_ascii_lowercase());
    }
}

/// The last segment of an ARN resource (`arn:...:cluster/name` → `name`), or the text itself.
pub fn resource_name<'a>(id: &'a str, kind: &str) -> &'a str {
    match id.strip_prefix("arn:") {
        Some(_) => id
            .split_once(&format!(":{kind}/"))
            .map(|(_, n)| n)
            .unwrap_or(id),
        None => id,
    }
}
