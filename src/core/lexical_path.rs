//! Paths compared as text: `.` dropped and `..` applied without touching the disk (the path
//! may not exist yet, and a link on the way must not change what a rule says about it).

use std::path::{Component, Path, PathBuf};

/// `path` without `.` components and with `..` applied, as far as the text tells.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_are_folded_as_text() {
        for (path, want) in [
            ("/a/./b/../c", "/a/c"),
            ("/a/b/../../..", "/"),
            ("a/./b", "a/b"),
        ] {
            assert_eq!(normalize(Path::new(path)), Path::new(want), "{path}");
        }
    }
}
