//! Rewriting: synthesizes direct-integration Task states from the handler model, the IAM changes,
//! and minimal textual edits of the files that hold the definitions.
