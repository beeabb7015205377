//! Paths taken as text: `.` dropped and `..` applied without touching the disk (the path
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

/// `dir` with a leading `~/` taken from `home`; `None` when it needs a home and there is none.
pub fn expand_home(dir: &str, home: Option<&Path>) -> Option<PathBuf> {
    match dir.strip_prefix("~/") {
        Some(rest) => home.map(|h| h.join(rest)),
        None => Some(PathBuf::from(dir)),
    }
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
        let home = Path::new("/home/ana");
        assert_eq!(
            expand_home("~/.cache", Some(home)),
            Some(home.join(".cache"))
        );
        assert_eq!(expand_home("/opt/c", None), Some(PathBuf::from("/opt/c")));
        assert_eq!(expand_home("~/.cache", None), None);
    }
}
