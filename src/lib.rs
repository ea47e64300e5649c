//! lambdaless: find Lambda functions in Step Functions workflows that only forward to one AWS API,
//! rewrite their Task states into direct service integrations, and prove each rewrite equivalent.
//!
//! Data flows one way: `discover` (IaC → state machines, functions, links) → `analysis` (handler
//! source → language-neutral model + verdict) → `rewrite` (new Task states, IAM, minimal edits) →
//! `verify` (original vs rewritten, run by `interp` against `services`) → `report`.

pub mod analysis;
pub mod asl;
pub mod cli;
pub mod cloud;
pub mod discover;
pub mod error;
pub mod interp;
pub mod report;
pub mod rewrite;
pub mod rules;
pub mod services;
pub mod verify;
