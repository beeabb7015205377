//! The agent CLIs' own state under the sandbox. Claude Code and Codex keep their login,
//! settings, hooks and MCP servers in `~/.claude` (with `~/.claude.json`) and `~/.codex`, and
//! write there as they run. A confined agent must not write the user's copy — a hook or an MCP
//! server planted there would run unconfined the next time the user starts the CLI — so each
//! launch gets a fresh copy, made by andon in a new folder of the loop's own folder before the
//! CLI starts, and pointed at by `CLAUDE_CONFIG_DIR` or `CODEX_HOME`. History and caches are not
//! copied, and what the CLI writes there stays in that copy — but for its login: a refresh
//! token the CLI rotated must reach the user's file, or the user's own login breaks. When the
//! run is over andon writes the copy's login back, read no-follow, only when the user's file
//! is as it was copied and the new one is the same account's (see [`Login::write_back`]).

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
    /// The login file's name in the folder.
    login: &'static str,
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
                login: ".credentials.json",
                copy: launch_dir.join("claude"),
            })
        }
        Family::Codex => Some(State {
            source: from_env("CODEX_HOME").or_else(|| home.map(|h| h.join(".codex")))?,
            beside: None,
            skipped: CODEX_SKIPPED,
            var: "CODEX_HOME",
            login: "auth.json",
            copy: launch_dir.join("codex"),
        }),
        _ => None,
    }
}

/// Copies `family`'s state into `launch_dir` (a new folder of andon's) and returns the
/// variables that point the CLI at the copy, with the login to write back after the run.
/// Nothing for a CLI without a known state folder, or when the copy cannot be made (the CLI
/// then reads the user's, read-only).
pub fn prepare(family: Family, launch_dir: &Path) -> Option<Prepared> {
    let state = state_of(family, launch_dir)?;
    std::fs::create_dir(&state.copy).ok()?;
    let mut budget = COPY_LIMIT;
    if state.source.is_dir() {
        copy_tree(&state.source, &state.copy, state.skipped, 0, &mut budget);
    }
    if let Some((file, name)) = &state.beside {
        copy_file(file, &state.copy.join(name), &mut budget);
    }
    let user = state.source.join(state.login);
    let login = std::fs::symlink_metadata(&user)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .and_then(|_| std::fs::read(&user).ok())
        .map(|copied| Login {
            family,
            user,
            copy: state.copy.join(state.login),
            copied: std::sync::Mutex::new(copied),
        });
    let env = vec![(
        state.var.to_string(),
        state.copy.to_string_lossy().into_owned(),
    )];
    Some(Prepared { env, login })
}

/// A launch's copy: the variables that point the CLI at it, and the login to write back.
pub struct Prepared {
    pub env: Vec<(String, String)>,
    pub login: Option<Login>,
}

/// The user's login file as a launch's copy of it began (or as andon last wrote it back).
pub struct Login {
    family: Family,
    user: PathBuf,
    copy: PathBuf,
    copied: std::sync::Mutex<Vec<u8>>,
}

impl Login {
    /// After the run: the copy's login, when the CLI refreshed it, replaces the user's — read
    /// no-follow and capped, only while the user's file is still the one copied, and only
    /// for the same account (Codex's `account_id`; Claude Code's subscription and scopes), so
    /// an agent can neither plant another account nor undo the user's own new login. Returns
    /// whether it wrote.
    pub fn write_back(&self) -> bool {
        let Ok(new) = crate::own_file::read(&self.copy) else {
            return false;
        };
        let mut copied = self.copied.lock().unwrap_or_else(|e| e.into_inner());
        let current = std::fs::symlink_metadata(&self.user)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|_| std::fs::read(&self.user).ok());
        if new == *copied || current.as_deref() != Some(copied.as_slice()) {
            return false;
        }
        if !same_account(self.family, &copied, &new)
            || crate::atomic::write_with(&self.user, &new, 0o600).is_err()
        {
            return false;
        }
        *copied = new;
        true
    }
}

/// Whether `new` is a login of the same account as `old`, as `family` writes it.
fn same_account(family: Family, old: &[u8], new: &[u8]) -> bool {
    let parse = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).ok();
    let (Some(old), Some(new)) = (parse(old), parse(new)) else {
        return false;
    };
    let refreshable =
        |v: &serde_json::Value, at: &str| v.pointer(at).is_some_and(|t| t.is_string());
    match family {
        Family::Codex => {
            let account = "/tokens/account_id";
            refreshable(&new, "/tokens/refresh_token")
                && old.pointer(account).is_some_and(|a| a.is_string())
                && old.pointer(account) == new.pointer(account)
        }
        Family::Claude => {
            let oauth = "/claudeAiOauth";
            refreshable(&new, "/claudeAiOauth/refreshToken")
                && ["/subscriptionType", "/scopes"].iter().all(|k| {
                    let at = format!("{oauth}{k}");
                    old.pointer(&at) == new.pointer(&at)
                })
        }
        _ => false,
    }
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
    fn a_login_goes_back_only_for_the_same_account() {
        let codex = |account: &str, refresh: &str| {
            format!(r#"{{"tokens": {{"account_id": "{account}", "refresh_token": "{refresh}"}}}}"#)
        };
        let old = codex("acct-1", "r1");
        assert!(same_account(
            Family::Codex,
            old.as_bytes(),
            codex("acct-1", "r2").as_bytes()
        ));
        assert!(!same_account(
            Family::Codex,
            old.as_bytes(),
            codex("acct-2", "r2").as_bytes()
        ));
        assert!(!same_account(Family::Codex, old.as_bytes(), b"{}"));
        let claude = |sub: &str, refresh: &str| {
            format!(
                r#"{{"claudeAiOauth": {{"refreshToken": "{refresh}", "subscriptionType": "{sub}", "scopes": ["a"]}}}}"#
            )
        };
        let old = claude("max", "r1");
        assert!(same_account(
            Family::Claude,
            old.as_bytes(),
            claude("max", "r2").as_bytes()
        ));
        assert!(!same_account(
            Family::Claude,
            old.as_bytes(),
            claude("pro", "r2").as_bytes()
        ));
        assert!(!same_account(Family::Sim, old.as_bytes(), old.as_bytes()));
    }

    #[test]
    fn a_refreshed_login_replaces_the_users_while_theirs_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("auth.json");
        let copy = dir.path().join("copy.json");
        let old = br#"{"tokens": {"account_id": "a", "refresh_token": "r1"}}"#.to_vec();
        let new = br#"{"tokens": {"account_id": "a", "refresh_token": "r2"}}"#.to_vec();
        std::fs::write(&user, &old).unwrap();
        std::fs::write(&copy, &new).unwrap();
        let login = Login {
            family: Family::Codex,
            user: user.clone(),
            copy: copy.clone(),
            copied: std::sync::Mutex::new(old.clone()),
        };
        // The user logged in again meanwhile: theirs stands.
        std::fs::write(&user, b"{}").unwrap();
        assert!(!login.write_back());
        assert_eq!(std::fs::read(&user).unwrap(), b"{}");
        std::fs::write(&user, &old).unwrap();
        // A link in the copy's place is not read through.
        std::fs::remove_file(&copy).unwrap();
        std::os::unix::fs::symlink(&user, &copy).unwrap();
        assert!(!login.write_back());
        std::fs::remove_file(&copy).unwrap();
        std::fs::write(&copy, &new).unwrap();
        assert!(login.write_back());
        assert_eq!(std::fs::read(&user).unwrap(), new);
        assert!(!login.write_back(), "nothing new to write");
    }

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
