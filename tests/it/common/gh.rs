//! A scripted `gh` on PATH: the forge is an external service, so tests serve its answers
//! from files and record every call. `logged_in` creates the file that makes `gh auth
//! status` pass; `serve` sets the JSON one call answers.

use std::path::{Path, PathBuf};

pub struct FakeGh {
    /// Where its answers and its call log live.
    pub dir: PathBuf,
    /// The folder holding the `gh` script, first on the PATH the tests give andon.
    pub bin: PathBuf,
}

impl FakeGh {
    pub fn new(beside: &Path) -> FakeGh {
        let dir = beside.join("fake-gh");
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let script = format!(
            r#"#!/bin/sh
d='{dir}'
printf '%s\n' "$*" >> "$d/calls.log"
case "$1 $2" in
  "auth status")
    if [ -e "$d/logged-in" ]; then echo "Logged in to github.com account test"; exit 0; fi
    echo "You are not logged into any GitHub hosts. To log in, run: gh auth login" >&2
    exit 1 ;;
  "issue list")
    label=all
    while [ $# -gt 0 ]; do [ "$1" = "--label" ] && label="$2"; shift; done
    cat "$d/issue-list-$label.json" ;;
  *)
    echo "fake gh: no answer for: $*" >&2
    exit 1 ;;
esac
"#,
            dir = dir.display()
        );
        let gh = bin.join("gh");
        std::fs::write(&gh, script).unwrap();
        std::fs::set_permissions(&gh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        FakeGh { dir, bin }
    }

    pub fn logged_in(&self) {
        std::fs::write(self.dir.join("logged-in"), "").unwrap();
    }

    /// What `gh issue list` answers (with `--label label`, or with none for `all`).
    pub fn serve_issues(&self, label: &str, json: &serde_json::Value) {
        std::fs::write(
            self.dir.join(format!("issue-list-{label}.json")),
            json.to_string(),
        )
        .unwrap();
    }

    /// Every call so far, one line of arguments each.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// PATH with this `gh` first.
    pub fn path(&self) -> String {
        format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }
}

/// PATH without any folder holding a `gh`, for "gh is not installed".
pub fn path_without_gh() -> String {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|dir| !Path::new(dir).join("gh").exists())
        .collect::<Vec<_>>()
        .join(":")
}
