//! Errors a user can act on, and the process exit codes they map to.
//!
//! Exit codes (documented in README.md):
//! - 0: success (no findings, or equivalent);
//! - 1: findings, or not equivalent, where the command says so (audit --fail-on-findings, check, verify, validate);
//! - 2: usage error or bad input (malformed file, missing file, unparsable source).

use std::fmt;
use std::path::{Path, PathBuf};

/// Process exit codes.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FINDINGS: i32 = 1;
    pub const INPUT: i32 = 2;
}

/// Where in a file something went wrong. `line` and `column` are 1-based; `pointer` is a JSON pointer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub pointer: Option<String>,
}

/// A problem with the user's input: it names the file and, where known, the location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: PathBuf,
    pub location: Location,
    pub message: String,
}

impl InputError {
    pub fn new(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        InputError {
            file: file.as_ref().to_path_buf(),
            location: Location::default(),
            message: message.into(),
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.location.line = Some(line);
        self.location.column = Some(column);
        self
    }

    pub fn pointer(mut self, pointer: impl Into<String>) -> Self {
        self.location.pointer = Some(pointer.into());
        self
    }

    /// Reads a text file, with the errors a user needs: missing, a directory, binary, too large.
    pub fn read_text(path: &Path) -> Result<String, InputError> {
        const MAX_BYTES: u64 = 16 * 1024 * 1024;
        let meta = std::fs::metadata(path).map_err(|e| InputError::new(path, describe_io(&e)))?;
        if meta.is_dir() {
            return Err(InputError::new(path, "is a directory, expected a file"));
        }
        if meta.len() > MAX_BYTES {
            return Err(InputError::new(
                path,
                format!(
                    "file is too large ({} bytes, limit {MAX_BYTES})",
                    meta.len()
                ),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| InputError::new(path, describe_io(&e)))?;
        if bytes.contains(&0) {
            return Err(InputError::new(
                path,
                "binary file (contains NUL bytes), expected text",
            ));
        }
        String::from_utf8(bytes).map_err(|e| {
            InputError::new(
                path,
                format!("not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
            )
        })
    }

    /// Parses JSON text, mapping serde's line/column into the error.
    pub fn parse_json(path: &Path, text: &str) -> Result<serde_json::Value, InputError> {
        serde_json::from_str(text).map_err(|e| {
            InputError::new(path, format!("malformed JSON: {e}")).at(e.line(), e.column())
        })
    }

    /// Reads and parses a JSON file.
    pub fn read_json(path: &Path) -> Result<serde_json::Value, InputError> {
        let text = Self::read_text(path)?;
        Self::parse_json(path, &text)
    }
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.location.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.location.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(ptr) = &self.location.pointer {
            write!(f, " (at {ptr})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}
