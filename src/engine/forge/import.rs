//! `andon queue import --gh`: each open issue not imported yet becomes a plan draft under
//! `plans/` (see `andon_core::issue_draft`), written only where no file is — a human's plan is
//! never overwritten — or, on a dry run, only shown.

use std::io::Write;
use std::path::{Path, PathBuf};

use andon_core::issue_draft::{self, Issue};

use crate::engine::input_error::InputError;

/// The template `andon init` writes, for a repository with no `plans/TEMPLATE.md` of its own.
const BUILT_IN_TEMPLATE: &str = include_str!("../../../plans/TEMPLATE.md");

/// What became of one issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The draft was written.
    Written,
    /// A dry run: the draft that would be written.
    WouldWrite,
    /// A plan carries this issue's link already (the path of that plan).
    Imported(PathBuf),
    /// Another file has the draft's name; nothing was written.
    NameTaken,
}

/// One issue and its draft, at `path` (relative to the repository).
#[derive(Debug, Clone)]
pub struct Draft {
    pub issue: Issue,
    pub path: PathBuf,
    pub text: String,
    pub outcome: Outcome,
}

/// Drafts for `issues` under `repo_root/plans`, written unless `dry_run`.
pub fn import(
    repo_root: &Path,
    issues: Vec<Issue>,
    dry_run: bool,
) -> Result<Vec<Draft>, InputError> {
    let plans_dir = repo_root.join("plans");
    let defaults = issue_draft::template_defaults(&template_front(&plans_dir)?);
    let existing = existing_plans(&plans_dir)?;
    let mut out = Vec::new();
    for issue in issues {
        let path = PathBuf::from("plans").join(format!("{}.md", issue_draft::slug(&issue)));
        let text = issue_draft::draft(&issue, &defaults, &path.display().to_string());
        let outcome = match existing
            .iter()
            .find(|(_, t)| issue_draft::imported_in(t, &issue))
        {
            Some((found, _)) => Outcome::Imported(found.clone()),
            // A dry run says what the real one would do: never write over a file.
            None if dry_run && repo_root.join(&path).exists() => Outcome::NameTaken,
            None if dry_run => Outcome::WouldWrite,
            None => write_new(&repo_root.join(&path), &text)?,
        };
        out.push(Draft {
            issue,
            path,
            text,
            outcome,
        });
    }
    Ok(out)
}

/// The front matter of the repository's template, else of the built-in one. A template
/// that cannot be read or split is bad input naming it: drafts would quietly lose its policy.
fn template_front(plans_dir: &Path) -> Result<String, InputError> {
    let file = plans_dir.join("TEMPLATE.md");
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BUILT_IN_TEMPLATE.to_string(),
        Err(e) => {
            return Err(InputError::new(
                Some((file, None)),
                format!("cannot read the plan template: {e}"),
                "check the file's permissions, or remove it to use the built-in template",
            ))
        }
    };
    andon_core::plan::frame::split(&file, &text)
        .map(|f| f.front.to_string())
        .map_err(|e| InputError::new(Some((file, Some(e.line))), e.message, e.fix))
}

/// Every `plans/*.md` with its text (as `plans/<name>.md`).
fn existing_plans(plans_dir: &Path) -> Result<Vec<(PathBuf, String)>, InputError> {
    let entries = match std::fs::read_dir(plans_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(InputError::new(
                Some((plans_dir.to_path_buf(), None)),
                format!("cannot read plans/: {e}"),
                "check the folder's permissions",
            ))
        }
    };
    let mut plans = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "md") {
            if let (Ok(text), Some(name)) = (std::fs::read_to_string(&path), path.file_name()) {
                plans.push((PathBuf::from("plans").join(name), text));
            }
        }
    }
    plans.sort();
    Ok(plans)
}

/// Writes `text` to `path` only when no file is there.
fn write_new(path: &Path, text: &str) -> Result<Outcome, InputError> {
    let fail = |e: std::io::Error| {
        InputError::new(
            Some((path.to_path_buf(), None)),
            format!("cannot write the draft: {e}"),
            "check that plans/ is writable",
        )
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    match file {
        Ok(mut f) => {
            f.write_all(text.as_bytes()).map_err(fail)?;
            Ok(Outcome::Written)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Outcome::NameTaken),
        Err(e) => Err(fail(e)),
    }
}
