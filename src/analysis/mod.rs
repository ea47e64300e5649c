//! Handler analysis: tree-sitter front ends for JavaScript, TypeScript and Python that produce one
//! language-neutral [`model::HandlerModel`] per handler, with a verdict and reasons.

pub mod model;
