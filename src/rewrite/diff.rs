//! Unified diffs of edited files, in the form `git apply` accepts: `diff --git a/<p> b/<p>`,
//! `--- a/<p>`, `+++ b/<p>`, paths relative to the project root.

use similar::TextDiff;

/// The unified diff of `old` → `new` for `rel_path` (forward slashes); empty when equal.
pub fn unified(rel_path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let body = diff
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .header(&format!("a/{rel_path}"), &format!("b/{rel_path}"))
        .to_string();
    format!("diff --git a/{rel_path} b/{rel_path}\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_use_git_prefixes_and_only_changed_hunks() {
        let old = (1..=20).map(|i| format!("line {i}\n")).collect::<String>();
        let new = old.replace("line 10\n", "line ten\n");
        let d = unified("dir/f.json", &old, &new);
        assert!(d.starts_with("diff --git a/dir/f.json b/dir/f.json\n--- a/dir/f.json\n+++ b/dir/f.json\n@@ -7,7 +7,7 @@\n"));
        assert!(d.contains("-line 10\n+line ten\n"));
        assert_eq!(unified("x", "a", "a"), "");
    }
}
