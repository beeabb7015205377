//! The hook that lets an interactive agent say its turn is over: for Claude Code, a Stop hook
//! in the worktree's `.claude/settings.local.json` that runs `andon signal done`. (Codex's
//! built-in profile passes `-c notify=[...]` on its command line and needs no file.)
//!
//! The file is andon's, not the agent's work: it is excluded through the repository's
//! `info/exclude` so guards, diffs and snapshots never see it, and an existing settings file
//! keeps everything it had — the hook is merged in, once.

use std::path::Path;

use serde_json::{json, Value};

use crate::config::Family;
use crate::engine::loop_task::step_error::StepError;
use crate::engine::spec::LoopSpec;
use crate::engine::supervisor::shared::Shared;

/// Where Claude Code reads a worktree's local settings.
pub const CLAUDE_SETTINGS: &str = ".claude/settings.local.json";
/// The `info/exclude` line that keeps the file out of every worktree's status.
const EXCLUDE: &str = "/.claude/settings.local.json";

/// Files an agent keeps in its working directory that are its own, not the work: kept out
/// of every worktree's status (guards, diffs, snapshots) through `info/exclude`.
const AGENT_FILES: &[(Family, &str)] = &[
    (Family::Aider, "/.aider.chat.history.md"),
    (Family::Aider, "/.aider.input.history"),
    (Family::Aider, "/.aider.tags.cache.v*/"),
];

/// Before an agent starts: its own files excluded from git's view of the worktree.
pub fn exclude_agent_files(shared: &Shared, spec: &LoopSpec) -> Result<(), String> {
    let family = spec.profile.family();
    for (_, pattern) in AGENT_FILES.iter().filter(|(f, _)| Some(*f) == family) {
        shared
            .git()
            .add_info_exclude(pattern)
            .map_err(|e| format!("cannot exclude {pattern}: {e}"))?;
    }
    Ok(())
}

/// Installs the loop's turn hook before its agent starts (nothing for agents without one).
/// The worktree is the agent's: a `.claude` folder or settings file it replaced by a link is
/// refused, not written through.
pub fn install(shared: &Shared, spec: &LoopSpec) -> Result<(), StepError> {
    exclude_agent_files(shared, spec)?;
    if spec.profile.family() != Some(Family::Claude) {
        return Ok(());
    }
    let path = spec.worktree.join(CLAUDE_SETTINGS);
    if tracked_in_base(shared, spec)? {
        // The repository commits its own local settings: writing ours would be a change to
        // its file. The turn ends on idleness instead.
        tracing::info!(loop_name = %spec.name, "{CLAUDE_SETTINGS} is tracked; no Stop hook, idle detection ends turns");
        return Ok(());
    }
    shared
        .git()
        .add_info_exclude(EXCLUDE)
        .map_err(|e| format!("cannot exclude {CLAUDE_SETTINGS}: {e}"))?;
    for place in [path.parent(), Some(path.as_path())].into_iter().flatten() {
        if place
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(StepError::Tampered(format!(
                "{} was replaced by a link",
                place.display()
            )));
        }
    }
    let command = hook_command(shared.andon_exe());
    Ok(write_claude_hook(&path, &command)?)
}

fn tracked_in_base(shared: &Shared, spec: &LoopSpec) -> Result<bool, String> {
    shared
        .git()
        .path_in_commit(&spec.base, CLAUDE_SETTINGS)
        .map_err(|e| format!("cannot read the base commit: {e}"))
}

/// The hook's shell command: andon by absolute path (the agent's PATH may not have it).
fn hook_command(andon: &Path) -> String {
    format!("{} signal done", shell_quote(&andon.to_string_lossy()))
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Merges a Stop hook running `command` into the settings file at `path`, keeping what it
/// had; does nothing when the hook is already there.
pub fn write_claude_hook(path: &Path, command: &str) -> Result<(), String> {
    let shown = path.display();
    let mut settings: Value = match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => json!({}),
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            format!(
                "{shown} is not valid JSON ({e}); fix or remove it so andon can add its Stop hook"
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(format!("{shown}: {e}")),
    };
    let ours = json!({"type": "command", "command": command});
    let Some(root) = settings.as_object_mut() else {
        return Err(format!(
            "{shown} is not a JSON object; andon cannot add its Stop hook"
        ));
    };
    let hooks = root.entry("hooks").or_insert_with(|| json!({}));
    let stop = hooks
        .as_object_mut()
        .ok_or_else(|| format!("{shown}: `hooks` is not an object"))?
        .entry("Stop")
        .or_insert_with(|| json!([]));
    let entries = stop
        .as_array_mut()
        .ok_or_else(|| format!("{shown}: `hooks.Stop` is not a list"))?;
    let present = entries.iter().any(|entry| {
        entry["hooks"]
            .as_array()
            .is_some_and(|hs| hs.iter().any(|h| h["command"] == command))
    });
    if present {
        return Ok(());
    }
    entries.push(json!({"hooks": [ours]}));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&settings).map_err(|e| e.to_string())?;
    crate::atomic::write(path, &format!("{text}\n")).map_err(|e| format!("{shown}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hook_is_merged_once_and_keeps_other_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".claude/settings.local.json");
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(
            &path,
            r#"{"permissions":{"allow":["Bash(ls)"]},"hooks":{"Stop":[{"hooks":[{"type":"command","command":"say done"}]}]}}"#,
        )
        .expect("write");
        write_claude_hook(&path, "/bin/andon signal done").expect("merge");
        write_claude_hook(&path, "/bin/andon signal done").expect("again");
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(v["permissions"]["allow"][0], "Bash(ls)");
        let stop = v["hooks"]["Stop"].as_array().expect("list");
        assert_eq!(stop.len(), 2, "{v}");
        assert_eq!(stop[0]["hooks"][0]["command"], "say done");
        assert_eq!(stop[1]["hooks"][0]["command"], "/bin/andon signal done");
    }

    #[test]
    fn a_broken_settings_file_is_named_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.local.json");
        std::fs::write(&path, "{ not json").expect("write");
        let err = write_claude_hook(&path, "andon signal done").expect_err("refused");
        assert!(
            err.contains("settings.local.json is not valid JSON"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "{ not json");
    }

    #[test]
    fn paths_with_spaces_are_quoted() {
        assert_eq!(
            hook_command(Path::new("/usr/bin/andon")),
            "/usr/bin/andon signal done"
        );
        assert_eq!(
            hook_command(Path::new("/opt/my tools/andon")),
            "'/opt/my tools/andon' signal done"
        );
    }
}
