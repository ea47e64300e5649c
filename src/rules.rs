//! The SDK operation → Step Functions integration catalogue, loaded from `rules/*.json`.
