//! Fixture projects copied to a temporary directory, for tests that write into them.
//! Included with `#[path = "support/fixture.rs"] mod fixture;` by the tests that need it.

use std::path::Path;

/// A copy of `fixture` (a path below the crate root, e.g. `fixtures/order-service`).
pub fn fixture_copy(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture),
        dir.path(),
    );
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dst);
        } else {
            std::fs::copy(entry.path(), &dst).unwrap();
        }
    }
}
