//! The ASL interpreter: executes a state machine on a virtual clock against a
//! [`crate::services::ServiceBackend`], and records an AWS-style execution history.
