//! Read-only work against a real AWS account with aws-sdk-sfn.

pub mod audit;
pub mod client;
pub mod executions;
pub mod history;
pub mod remote_test_state;
pub mod remote_verify;
pub mod replay;
pub mod validate;
