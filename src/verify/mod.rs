//! Verification: runs the original and the rewritten state machine on many inputs and injected
//! faults, and compares status, output, error, and every side effect.

pub mod lambda_sim;
pub mod lang;
pub mod marshal;
