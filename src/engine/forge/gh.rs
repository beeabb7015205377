//! Running `gh`: found on PATH and logged in first, so a human hears how to install it or log
//! in rather than a failed command's output; its JSON read into andon's own types.

use std::path::Path;
use std::process::{Command, Stdio};

use andon_core::issue_draft::Issue;
use serde::Deserialize;

use crate::engine::input_error::InputError;
use crate::engine::iteration::env::find_program;

/// Why `gh` could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GhError {
    NotInstalled,
    NotLoggedIn(String),
    Failed { call: String, said: String },
    Unreadable { call: String, why: String },
}

impl GhError {
    /// What the human reads, with the fix.
    pub fn to_input_error(&self) -> InputError {
        match self {
            GhError::NotInstalled => InputError::new(
                None,
                "the GitHub CLI `gh` is not installed (not on PATH)",
                "install it (https://cli.github.com; on Debian `apt install gh`), then log in with `gh auth login`",
            ),
            GhError::NotLoggedIn(said) => InputError::new(
                None,
                format!("`gh` is not logged in: {said}"),
                "run `gh auth login` (or set GH_TOKEN), then try again",
            ),
            GhError::Failed { call, said } => InputError::new(
                None,
                format!("`{call}` failed: {said}"),
                "run it yourself to see why; `gh` needs a GitHub remote for this repository",
            ),
            GhError::Unreadable { call, why } => InputError::new(
                None,
                format!("`{call}` answered what andon cannot read: {why}"),
                "update gh (`gh --version`; andon reads its --json output)",
            ),
        }
    }
}

/// `gh` is on PATH and logged in.
pub fn ready(repo_root: &Path) -> Result<(), GhError> {
    if find_program("gh", repo_root).is_none() {
        return Err(GhError::NotInstalled);
    }
    let out = gh(repo_root, &["auth", "status"])?;
    if out.status.success() {
        return Ok(());
    }
    let said = first_line(&out.stderr).or_else(|| first_line(&out.stdout));
    Err(GhError::NotLoggedIn(
        said.unwrap_or_else(|| "`gh auth status` failed".into()),
    ))
}

#[derive(Deserialize)]
struct GhIssue {
    number: u64,
    title: String,
    #[serde(default)]
    body: Option<String>,
    url: String,
}

/// The repository's open issues (with `label`, when given), oldest first.
pub fn open_issues(repo_root: &Path, label: Option<&str>) -> Result<Vec<Issue>, GhError> {
    let mut args = vec![
        "issue",
        "list",
        "--state",
        "open",
        "--limit",
        "200",
        "--json",
        "number,title,body,url",
    ];
    if let Some(label) = label {
        args.extend(["--label", label]);
    }
    let call = format!("gh {}", args.join(" "));
    let out = gh(repo_root, &args)?;
    if !out.status.success() {
        let said = first_line(&out.stderr).unwrap_or_else(|| format!("exit {}", out.status));
        return Err(GhError::Failed { call, said });
    }
    let listed: Vec<GhIssue> =
        serde_json::from_slice(&out.stdout).map_err(|e| GhError::Unreadable {
            call: call.clone(),
            why: e.to_string(),
        })?;
    let mut issues: Vec<Issue> = listed
        .into_iter()
        .map(|i| Issue {
            number: i.number,
            title: i.title,
            body: i.body.unwrap_or_default(),
            url: i.url,
        })
        .collect();
    issues.sort_by_key(|i| i.number);
    Ok(issues)
}

fn gh(repo_root: &Path, args: &[&str]) -> Result<std::process::Output, GhError> {
    Command::new("gh")
        .args(args)
        .current_dir(repo_root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => GhError::NotInstalled,
            _ => GhError::Failed {
                call: format!("gh {}", args.join(" ")),
                said: e.to_string(),
            },
        })
}

fn first_line(bytes: &[u8]) -> Option<String> {
    let text = andon_core::sanitize::printable(&String::from_utf8_lossy(bytes), true);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}
