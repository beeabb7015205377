//! The agent CLIs' own state under the sandbox. Claude Code and Codex keep their login,
//! settings, hooks and MCP servers in `~/.claude` (with `~/.claude.json`) and `~/.codex`, and
//! write there as they run. A confined agent must not write the user's copy — a hook or an MCP
//! server planted there would run unconfined the next time the user starts the CLI — so each
//! launch gets a fresh copy, made by andon in a new folder of the loop's own folder before the
//! CLI starts, and pointed at by `CLAUDE_CONFIG_DIR` or `CODEX_HOME`. History and caches are not
//! copied. What the CLI writes there (a refreshed login too) stays in that copy.

use std::path::{Path, PathBuf};

use crate::config::Family;

/// Files and folders of a CLI's state that are history or cache, not settings: left out of
/// the copy (they can be large, and the agent does not need the user's past sessions).
const CLAUDE_SKIPPED: &[&str] = &[
    "projects",
    "todos",
    "shell-snapshots",
    "statsig",
    "logs",
    "debug",
    "file-history",
    "session-env",
    "ide",
    "local",
    "history.jsonl",
];
const CODEX_SKIPPED: &[&str] = &["sessions", "archived_sessions", "log", "history.jsonl"];

/// More than this is not copied: settings are small.
const COPY_LIMIT: u64 = 64 * 1024 * 1024;
/// Folders deeper than this are not copied.
const DEPTH_LIMIT: usize = 8;

/// One CLI's state: where the user keeps it, where the launch's copy goes, and how the CLI
/// is told.
struct State {
    /// The user's folder.
    source: PathBuf,
    /// A file kept beside the folder that belongs in it (`~/.claude.json`), and its name there.
    beside: Option<(PathBuf, &'static str)>,
    skipped: &'static [&'static str],
    var: &'static str,
    copy: PathBuf,
}

fn state_of(family: Family, launch_dir: &Path) -> Option<State> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let from_env = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    match family {
        Family::Claude => {
            let (source, beside) = match from_env("CLAUDE_CONFIG_DIR") {
                Some(dir) => (dir, None),
                None => {
                    let home = home?;
                    (
                        home.join(".claude"),
                        Some((home.join(".claude.json"), ".claude.json")),
                    )
                }
            };
            Some(State {
                source,
                beside,
                skipped: CLAUDE_SKIPPED,
                var: "CLAUDE_CONFIG_DIR",
                copy: launch_dir.join("claude"),
            })
        }
        Family::Codex => Some(State {
            source: from_env("CODEX_HOME").or_else(|| home.map(|h| h.join(".codex")))?,
            beside: None,
            skipped: CODEX_SKIPPED,
            var: "CODEX_HOME",
            copy: launch_dir.join("codex"),
        }),
        _ => None,
    }
}

/// Copies `family`'s state into `launch_dir` (a new folder of andon's) and returns the
/// variables that point the CLI at the copy. Nothing for a CLI without a known state folder,
/// or when the copy cannot be made (the CLI then reads the user's, read-only).
pub fn prepare(family: Family, launch_dir: &Path) -> Vec<(String, String)> {
    let Some(state) = state_of(family, launch_dir) else {
        return Vec::new();
    };
    if std::fs::create_dir(&state.copy).is_err() {
        return Vec::new();
    }
    let mut budget = COPY_LIMIT;
    if state.source.is_dir() {
        copy_tree(&state.source, &state.copy, state.skipped, 0, &mut budget);
    }
    if let Some((file, name)) = &state.beside {
        copy_file(file, &state.copy.join(name), &mut budget);
    }
    vec![(
        state.var.to_string(),
        state.copy.to_string_lossy().into_owned(),
    )]
}

/// Copies the settings under `from` into `to`, following links the user made (a dotfiles
/// checkout), leaving out `skipped` names at the top and anything past the limits.
fn copy_tree(from: &Path, to: &Path, skipped: &[&str], depth: usize, budget: &mut u64) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if depth == 0 && skipped.iter().any(|s| name == **s) {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&name));
        let Ok(meta) = std::fs::metadata(&source) else {
            continue;
        };
        if meta.is_dir() && depth < DEPTH_LIMIT && std::fs::create_dir(&target).is_ok() {
            copy_tree(&source, &target, skipped, depth + 1, budget);
        } else if meta.is_file() {
            copy_file(&source, &target, budget);
        }
    }
}

/// Copies one regular file, within the budget; a new file, never through an existing one.
fn copy_file(from: &Path, to: &Path, budget: &mut u64) {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let Ok(meta) = std::fs::metadata(from) else {
        return;
    };
    if !meta.is_file() || meta.len() > *budget {
        return;
    }
    let Ok(mut source) = std::fs::File::open(from) else {
        return;
    };
    let Ok(mut target) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(meta.permissions().mode() & 0o700)
        .open(to)
    else {
        return;
    };
    if let Ok(n) = std::io::copy(&mut source, &mut target) {
        *budget = budget.saturating_sub(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_leaves_history_out_and_never_writes_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("claude");
        std::fs::create_dir_all(source.join("projects/p")).unwrap();
        std::fs::create_dir_all(source.join("commands")).unwrap();
        std::fs::write(source.join("settings.json"), "{}").unwrap();
        std::fs::write(source.join("commands/fix.md"), "fix it").unwrap();
        std::fs::write(source.join("projects/p/s.jsonl"), "history").unwrap();
        let copy = dir.path().join("copy");
        std::fs::create_dir_all(&copy).unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "untouched").unwrap();
        let mut budget = COPY_LIMIT;
        copy_tree(&source, &copy, CLAUDE_SKIPPED, 0, &mut budget);
        assert_eq!(
            std::fs::read_to_string(copy.join("settings.json")).unwrap(),
            "{}"
        );
        assert_eq!(
            std::fs::read_to_string(copy.join("commands/fix.md")).unwrap(),
            "fix it"
        );
        assert!(!copy.join("projects").exists(), "history is not copied");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");

        // A file that is already there (a link the agent planted) is not written through.
        let planted = dir.path().join("planted");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        copy_file(&source.join("settings.json"), &planted, &mut budget);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    }
}
