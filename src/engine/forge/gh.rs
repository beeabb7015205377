//! Running `gh`: found on PATH and logged in first, so a human hears how to install it or log
//! in rather than a failed command's output; its JSON read into andon's own types.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use andon_core::issue_draft::Issue;
use andon_core::pr_follow::{CiCheck, PrReview, PrStatus};
use serde::Deserialize;

use crate::engine::forge::bounded::{self, Ran};
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
    // `gh auth status` prints the host first; the line that says what is wrong is more use.
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let said = text
        .lines()
        .map(str::trim)
        .find(|l| l.contains("not logged") || l.contains("token") || l.contains("Failed"))
        .map(|l| andon_core::sanitize::one_line(l, 200))
        .or_else(|| first_line(&out.stderr))
        .unwrap_or_else(|| "`gh auth status` failed".into());
    Err(GhError::NotLoggedIn(said))
}

#[derive(Deserialize)]
struct GhIssue {
    number: u64,
    title: String,
    #[serde(default)]
    body: Option<String>,
    url: String,
}

/// The most open issues one import lists.
pub const ISSUE_LIMIT: usize = 200;
const ISSUE_LIMIT_ARG: &str = "200";

/// The repository's open issues (with `label`, when given), oldest first: the newest
/// [`ISSUE_LIMIT`] of them.
pub fn open_issues(repo_root: &Path, label: Option<&str>) -> Result<Vec<Issue>, GhError> {
    let mut args = vec![
        "issue",
        "list",
        "--state",
        "open",
        "--limit",
        ISSUE_LIMIT_ARG,
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

/// How long one `gh` call may take before it is ended: a forge that does not answer must not
/// hold a loop (its stop, its abort, the supervisor's shutdown) for longer.
const GH_TIMEOUT: Duration = Duration::from_secs(20);

fn gh(repo_root: &Path, args: &[&str]) -> Result<std::process::Output, GhError> {
    let call = || format!("gh {}", args.join(" "));
    let mut cmd = Command::new("gh");
    cmd.args(args).current_dir(repo_root);
    match bounded::run(cmd, GH_TIMEOUT) {
        Ok(Ran::Done(out)) => Ok(out),
        Ok(Ran::TimedOut) => Err(GhError::Failed {
            call: call(),
            said: format!("no answer in {}s; it was ended", GH_TIMEOUT.as_secs()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(GhError::NotInstalled),
        Err(e) => Err(GhError::Failed {
            call: call(),
            said: e.to_string(),
        }),
    }
}

fn first_line(bytes: &[u8]) -> Option<String> {
    let text = andon_core::sanitize::printable(&String::from_utf8_lossy(bytes), true);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GhPr {
    state: String,
    head_ref_oid: String,
    #[serde(default)]
    review_decision: Option<String>,
    #[serde(default)]
    reviews: Vec<GhReview>,
    #[serde(default)]
    comments: Vec<GhReview>,
}

#[derive(Deserialize)]
struct GhAuthor {
    login: String,
}

#[derive(Deserialize)]
struct GhReview {
    #[serde(default)]
    id: String,
    author: Option<GhAuthor>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    body: String,
}

#[derive(Deserialize)]
struct GhCheck {
    name: String,
    bucket: String,
    #[serde(default)]
    link: String,
}

/// The PR `pr` (its address, number or branch) as `gh pr view` and `gh pr checks` show it.
/// Reviews come untrusted: the caller decides whose words reach the agent.
pub fn pr_status(repo_root: &Path, pr: &str) -> Result<PrStatus, GhError> {
    let view = [
        "pr",
        "view",
        pr,
        "--json",
        "state,headRefOid,reviewDecision,reviews,comments",
    ];
    let call = format!("gh {}", view.join(" "));
    let out = gh(repo_root, &view)?;
    if !out.status.success() {
        let said = first_line(&out.stderr).unwrap_or_else(|| format!("exit {}", out.status));
        return Err(GhError::Failed { call, said });
    }
    let found: GhPr = serde_json::from_slice(&out.stdout).map_err(|e| GhError::Unreadable {
        call: call.clone(),
        why: e.to_string(),
    })?;
    let as_review = |r: GhReview, state: Option<&str>| PrReview {
        id: r.id,
        author: r.author.map(|a| a.login).unwrap_or_default(),
        state: state.map_or_else(|| r.state.unwrap_or_default(), str::to_string),
        body: r.body,
        trusted: false,
    };
    let mut reviews: Vec<PrReview> = found
        .reviews
        .into_iter()
        .map(|r| as_review(r, None))
        .collect();
    reviews.extend(
        found
            .comments
            .into_iter()
            .map(|c| as_review(c, Some("COMMENTED"))),
    );
    Ok(PrStatus {
        state: found.state,
        head: found.head_ref_oid,
        review_decision: found.review_decision.unwrap_or_default(),
        checks: pr_checks(repo_root, pr)?,
        reviews,
    })
}

/// `gh pr checks` answers with a non-zero exit while checks fail (1) or are pending (8): its
/// JSON is read whatever the exit; none reported yet is no checks.
fn pr_checks(repo_root: &Path, pr: &str) -> Result<Vec<CiCheck>, GhError> {
    let args = ["pr", "checks", pr, "--json", "name,bucket,link"];
    let call = format!("gh {}", args.join(" "));
    let out = gh(repo_root, &args)?;
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        let said = first_line(&out.stderr).unwrap_or_default();
        if out.status.success() || said.contains("no checks") {
            return Ok(Vec::new());
        }
        return Err(GhError::Failed { call, said });
    }
    let checks: Vec<GhCheck> =
        serde_json::from_slice(&out.stdout).map_err(|e| GhError::Unreadable {
            call: call.clone(),
            why: e.to_string(),
        })?;
    Ok(checks
        .into_iter()
        .map(|c| CiCheck {
            name: c.name,
            bucket: c.bucket,
            link: c.link,
        })
        .collect())
}

/// The failed steps' log of one job of a GitHub Actions run.
pub fn failed_job_log(repo_root: &Path, job_id: &str) -> Result<String, GhError> {
    log_of(repo_root, &["run", "view", "--job", job_id, "--log-failed"])
}

/// The failed steps' log of a GitHub Actions run.
pub fn failed_log(repo_root: &Path, run_id: &str) -> Result<String, GhError> {
    log_of(repo_root, &["run", "view", run_id, "--log-failed"])
}

fn log_of(repo_root: &Path, args: &[&str]) -> Result<String, GhError> {
    let out = gh(repo_root, args)?;
    if !out.status.success() {
        let said = first_line(&out.stderr).unwrap_or_else(|| format!("exit {}", out.status));
        return Err(GhError::Failed {
            call: format!("gh {}", args.join(" ")),
            said,
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `login` may write to the repository (admin, maintain or write), as the forge says.
pub fn can_write(repo_root: &Path, login: &str) -> bool {
    // A login is letters, digits and dashes (a bot's ends in `[bot]`): anything else is not
    // put in an API path.
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let name = login.strip_suffix("[bot]").unwrap_or(login);
    if name.is_empty() || !name.chars().all(plain) {
        return false;
    }
    let path = format!("repos/{{owner}}/{{repo}}/collaborators/{login}/permission");
    let Ok(out) = gh(repo_root, &["api", &path, "--jq", ".permission"]) else {
        return false;
    };
    out.status.success()
        && matches!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "admin" | "maintain" | "write"
        )
}
