//! Read-only work against a real AWS account with aws-sdk-sfn.

pub mod audit;
pub mod client;
pub mod validate;
pub mod executions;
pub mod history;
pub mod replay;
