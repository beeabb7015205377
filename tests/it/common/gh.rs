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
  "pr create")
    echo "Creating pull request for loop/fix into main"
    echo "https://github.com/o/shop/pull/7" ;;
  "pr view") cat "$d/pr-view.json" ;;
  "pr checks")
    cat "$d/pr-checks.json"
    exit "$(cat "$d/pr-checks.exit" 2>/dev/null || echo 0)" ;;
  "run view")
    if [ "$3" = "--job" ]; then cat "$d/run-$4.log"; else cat "$d/run-$3.log"; fi ;;
  "api repos/{{owner}}/{{repo}}/collaborators/"*)
    login=$(echo "$2" | cut -d/ -f5)
    cat "$d/permission-$login" 2>/dev/null || {{ echo "HTTP 404" >&2; exit 1; }} ;;
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

    /// What `gh pr view` answers: the PR's state, its head commit, the review decision and
    /// the reviews (`[(id, login, state, body)]`).
    pub fn serve_pr(&self, head: &str, decision: &str, reviews: &[(&str, &str, &str, &str)]) {
        let reviews: Vec<serde_json::Value> = reviews
            .iter()
            .map(|(id, login, state, body)| {
                serde_json::json!({
                    "id": id,
                    "author": {"login": login},
                    "state": state,
                    "body": body,
                })
            })
            .collect();
        let view = serde_json::json!({
            "state": "OPEN",
            "headRefOid": head,
            "reviewDecision": decision,
            "reviews": reviews,
            "comments": [],
        });
        std::fs::write(self.dir.join("pr-view.json"), view.to_string()).unwrap();
    }

    /// What `gh pr checks` answers: `[(name, bucket, run id)]`, with gh's exit code for it
    /// (1 while a check fails, 8 while one is pending).
    pub fn serve_checks(&self, checks: &[(&str, &str, &str)]) {
        let list: Vec<serde_json::Value> = checks
            .iter()
            .map(|(name, bucket, run)| {
                serde_json::json!({
                    "name": name,
                    "bucket": bucket,
                    "link": format!("https://github.com/o/shop/actions/runs/{run}/job/{run}"),
                })
            })
            .collect();
        let exit = if checks.iter().any(|c| c.1 == "fail") {
            1
        } else if checks.iter().any(|c| c.1 == "pending") {
            8
        } else {
            0
        };
        std::fs::write(
            self.dir.join("pr-checks.json"),
            serde_json::Value::from(list).to_string(),
        )
        .unwrap();
        std::fs::write(self.dir.join("pr-checks.exit"), exit.to_string()).unwrap();
    }

    /// What `gh run view --job RUN --log-failed` prints (each run here has one job, of the
    /// same number).
    pub fn serve_log(&self, run: &str, log: &str) {
        std::fs::write(self.dir.join(format!("run-{run}.log")), log).unwrap();
    }

    /// `login`'s permission on the repository, as the forge's API answers it.
    pub fn permission(&self, login: &str, permission: &str) {
        std::fs::write(self.dir.join(format!("permission-{login}")), permission).unwrap();
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
