//! Writes a plan's edits atomically: every new file is first written in full to a temporary file
//! in the same directory, and only when all of them are written are they renamed over the
//! originals. A failure before the renames leaves every original untouched.

use super::FileEdit;
use std::io::Write;
use std::path::PathBuf;

/// Applies all edits; returns the paths written.
pub fn write_all(edits: &[FileEdit]) -> std::io::Result<Vec<PathBuf>> {
    let mut staged = Vec::new();
    for edit in edits {
        let dir = edit
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut tmp = tempfile::Builder::new()
            .prefix(".lambdaless-")
            .suffix(".tmp")
            .tempfile_in(&dir)?;
        tmp.write_all(edit.new_text.as_bytes())?;
        tmp.as_file().sync_all()?;
        // Keep the original file's permissions.
        if let Ok(meta) = std::fs::metadata(&edit.path) {
            std::fs::set_permissions(tmp.path(), meta.permissions())?;
        }
        staged.push((tmp, edit.path.clone()));
    }
    let mut written = Vec::new();
    for (tmp, path) in staged {
        tmp.persist(&path).map_err(|e| e.error)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_file_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(&a, "old a").unwrap();
        let edits = vec![
            FileEdit {
                path: a.clone(),
                new_text: "new a".into(),
                diff: String::new(),
            },
            FileEdit {
                path: dir.path().join("missing-dir/b.json"),
                new_text: "new b".into(),
                diff: String::new(),
            },
        ];
        assert!(write_all(&edits).is_err());
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left behind"
        );
        write_all(&edits[..1]).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
    }
}
