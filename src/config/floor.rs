//! The user's protections as a floor. What andon's defaults and the user config
//! (`~/.config/andon/config.toml`) set — the Landlock sandbox, the variables kept from agents —
//! is the least every loop gets: a repository's `andon.toml` or a plan may tighten it, never
//! loosen it. A repository asking for less is refused with the setting that wins and where it
//! is, not obeyed in silence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::layer::{ConfigLayer, Located};
use super::Config;
use andon_core::file_error::FileError;
use andon_core::lexical_path::{expand_home, normalize};
use andon_core::sandbox::{SandboxMode, SandboxSetting};

/// Whether `path` (absolute or `~/...`) is one of `listed` or lies under one. A path that
/// names nothing (`~/` without a home) stands.
fn within(path: &str, listed: &[String]) -> bool {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let expand = |d: &str| expand_home(d, home.as_deref()).map(|p| normalize(&p));
    let Some(wanted) = expand(path) else {
        return true;
    };
    listed
        .iter()
        .filter_map(|d| expand(d))
        .any(|user| wanted.starts_with(&user))
}

/// A user list a repository may only narrow: its key, the user's entries, what an entry
/// beyond them would risk, and the rule, for the refusal.
struct Narrowing<'a> {
    key: &'a str,
    users: &'a [String],
    risk: &'a str,
    rule: &'a str,
}

/// Where a deny pattern of the floor comes from.
const DEFAULTS: &str = "andon's defaults";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Floor {
    /// `[sandbox] mode` in the user config. Loops are confined by default; `off` is the
    /// user's choice only, here or for one profile.
    pub sandbox: Option<SandboxSetting>,
    /// The user config's `sandbox` of each profile that sets one (`landlock` or `off`).
    pub profile_sandbox: BTreeMap<String, SandboxSetting>,
    /// Variable patterns no repository may pass on, each with where it was set.
    pub deny: Vec<(String, String)>,
    /// The user config's `[sandbox] cache_dirs`: a repository may list these or folders
    /// under them, nothing else.
    pub cache_dirs: Vec<String>,
    /// The user config's `[sandbox] allow_read`: a repository may list these or paths under
    /// them, nothing else.
    pub allow_read: Vec<String>,
    /// The user config andon read (or would have read), for messages.
    pub user_config: Option<PathBuf>,
}

/// What the floor is made from: the configuration after andon's defaults and the user config.
pub(super) struct FloorFrom<'a> {
    pub defaults_deny: &'a [String],
    /// The user config's path, and whether it was there to read.
    pub user_config: Option<&'a Path>,
    pub user_file_read: bool,
    pub config: &'a Config,
}

/// What a repository's layer is checked against besides the floor: where it is, and
/// andon's environment (a variable whose value carries a URL password is a secret).
pub(crate) struct RepoContext<'a> {
    pub repo_root: &'a Path,
    pub host: &'a [(String, String)],
}

impl Floor {
    pub(super) fn new(from: FloorFrom<'_>) -> Floor {
        let user_file = from
            .user_config
            .filter(|_| from.user_file_read)
            .map(|path| path.display().to_string());
        let deny = from
            .config
            .env
            .deny
            .iter()
            .map(|pattern| {
                let source = match (&user_file, from.defaults_deny.contains(pattern)) {
                    (Some(file), false) => file.clone(),
                    _ => DEFAULTS.to_string(),
                };
                (pattern.clone(), source)
            })
            .collect();
        Floor {
            sandbox: from.config.sandbox.mode.clone(),
            profile_sandbox: from
                .config
                .agents
                .iter()
                .filter_map(|(name, p)| p.sandbox.clone().map(|s| (name.clone(), s)))
                .collect(),
            deny,
            cache_dirs: from.config.sandbox.cache_dirs.clone(),
            allow_read: from.config.sandbox.allow_read.clone(),
            user_config: from.user_config.map(Path::to_path_buf),
        }
    }

    /// The deny patterns, to add to whatever a repository lists.
    pub fn deny_patterns(&self) -> impl Iterator<Item = &String> {
        self.deny.iter().map(|(pattern, _)| pattern)
    }

    /// Refuses a repository layer that would loosen the floor: turn the sandbox off, let
    /// through a variable the floor keeps from agents, let agents write where the user config
    /// does not, or place the worktrees (which agents write) away from the repository.
    pub(crate) fn check(
        &self,
        layer: &ConfigLayer,
        repo: &RepoContext<'_>,
    ) -> Result<(), FileError> {
        if let Some(mode) = &layer.sandbox_mode {
            self.check_sandbox(&layer.path, mode, None)?;
        }
        // A notify sink runs a program on the user's machine outside any loop.
        let sink = [
            layer.notify.command.as_ref().map(|c| ("command", c.line)),
            layer.notify.terminal.as_ref().map(|t| ("terminal", t.line)),
        ];
        users_only(layer, &sink, |key| {
            format!("[notify] `{key}`: a repository may choose which events notify (`on`), not where they go")
        })?;
        // Who may instruct the agent through a PR, and pushing without a human, are the
        // user's to choose: a repository (whose andon.toml a loop's diff may change) may only
        // ask to follow PRs.
        let trust = [
            layer
                .pr
                .push
                .as_ref()
                .filter(|p| p.value == crate::config::PushMode::Auto)
                .map(|p| ("push = \"auto\"", p.line)),
            layer.pr.reviewers.as_ref().map(|r| ("reviewers", r.line)),
        ];
        users_only(layer, &trust, |key| {
            format!("[pr] {key}: a repository may choose to follow its PRs, not who instructs the agent or pushing without asking")
        })?;
        for (name, agent) in &layer.agents {
            if let Some(mode) = &agent.sandbox {
                self.check_sandbox(&layer.path, mode, Some(name))?;
            }
            for pattern in &agent.env_allow_at {
                let key = format!("[agents.{name}] env_allow");
                self.check_allow(&layer.path, pattern, &key, repo.host)?;
            }
        }
        for pattern in &layer.env_allow_at {
            self.check_allow(&layer.path, pattern, "[env] allow", repo.host)?;
        }
        for dir in &layer.cache_dirs_at {
            self.check_cache_dir(&layer.path, dir)?;
        }
        for path in &layer.allow_read_at {
            self.check_allow_read(&layer.path, path)?;
        }
        if let Some(root) = &layer.worktree_root {
            let root = Located {
                value: root.clone(),
                line: layer.worktree_root_line,
            };
            self.check_worktree_root(&layer.path, &root, repo.repo_root)?;
        }
        Ok(())
    }

    /// Where `var` (holding `value`) may be allowed: the user config when the floor keeps it
    /// from agents — by name, or because its value carries a URL password — else the
    /// repository's `andon.toml`.
    pub fn allow_in(&self, var: &str, value: &str) -> String {
        if self.deny_patterns().any(|p| super::name_matches(p, var))
            || andon_core::redact::carries_url_password(value)
        {
            self.user_config().display().to_string()
        } else {
            super::REPO_CONFIG.to_string()
        }
    }

    /// The user config's path, for messages.
    fn user_config(&self) -> PathBuf {
        self.user_config.clone().unwrap_or_else(default_user_config)
    }

    /// The user config's sandbox setting for `profile`: its own, else the global one.
    pub fn sandbox_for(&self, profile: &str) -> Option<&SandboxSetting> {
        self.profile_sandbox.get(profile).or(self.sandbox.as_ref())
    }

    /// Refuses `setting` (a plan's, a profile's) when it turns the sandbox off and the user
    /// did not.
    pub fn refuse_sandbox(&self, setting: &SandboxSetting, profile: &str) -> Result<(), FileError> {
        let mode = Located {
            value: setting.mode,
            line: setting.line,
        };
        self.check_sandbox(&setting.file, &mode, Some(profile))
    }

    /// `sandbox = "off"` outside the user config stands only where the user config turned
    /// the sandbox off itself (for the profile, or everywhere).
    fn check_sandbox(
        &self,
        file: &Path,
        mode: &Located<SandboxMode>,
        profile: Option<&str>,
    ) -> Result<(), FileError> {
        if mode.value != SandboxMode::Off {
            return Ok(());
        }
        let user = match profile {
            Some(name) => self.sandbox_for(name),
            None => self.sandbox.as_ref(),
        };
        let (problem, wins) = match user {
            Some(user) if user.mode == SandboxMode::Off => return Ok(()),
            Some(user) => (
                format!(
                    "sandbox = \"off\" would turn off the sandbox your user config asks for ({})",
                    user.place()
                ),
                user.file.clone(),
            ),
            None => (
                "sandbox = \"off\" would run this repository's agents unconfined, and that is \
                 the user's choice only: andon confines every loop by default"
                    .to_string(),
                self.user_config(),
            ),
        };
        let scope = match profile {
            Some(name) => format!("sandbox = \"off\" in [agents.{name}] or "),
            None => String::new(),
        };
        Err(FileError::new(
            file,
            mode.line,
            problem,
            format!(
                "remove it: a repository or plan may tighten andon's protections, never loosen \
                 them; set {scope}[sandbox] mode = \"off\" in {} if this repository must run \
                 unconfined",
                wins.display()
            ),
        ))
    }

    fn check_allow(
        &self,
        file: &Path,
        pattern: &Located<String>,
        key: &str,
        host: &[(String, String)],
    ) -> Result<(), FileError> {
        let denied = self
            .deny
            .iter()
            .find(|(deny, _)| patterns_overlap(deny, &pattern.value))
            .map(|(deny, from)| format!("kept from agents by {from} (`{deny}`)"));
        let url_password = || {
            host.iter()
                .find(|(name, value)| {
                    super::name_matches(&pattern.value, name)
                        && andon_core::redact::carries_url_password(value)
                })
                .map(|(name, _)| format!("kept from agents: {name} carries a URL password"))
        };
        let Some(why) = denied.or_else(url_password) else {
            return Ok(());
        };
        Err(FileError::new(
            file,
            pattern.line,
            format!("{key} = [\"{}\"] would pass variables {why}", pattern.value),
            format!(
                "a repository may not let secrets through: if this repository's agents need it, \
                 allow it in your user config ({}, the same key), and remove it here",
                self.user_config().display()
            ),
        ))
    }

    /// A repository may narrow the user config's `allow_read`, not add to it: each of its
    /// entries is one of the user's or lies under one.
    fn check_allow_read(&self, file: &Path, path: &Located<String>) -> Result<(), FileError> {
        let narrowing = Narrowing {
            key: "allow_read",
            users: &self.allow_read,
            risk: "which would show sandboxed agents a credential store",
            rule: "a repository may not open your credentials to agents",
        };
        self.check_narrows(file, path, &narrowing)
    }

    /// A repository may narrow the user config's cache dirs, not add to them: each of its
    /// entries is one of the user's or lies under one.
    fn check_cache_dir(&self, file: &Path, dir: &Located<String>) -> Result<(), FileError> {
        let narrowing = Narrowing {
            key: "cache_dirs",
            users: &self.cache_dirs,
            risk: "which sandboxed agents could then write",
            rule: "a repository may only narrow the cache dirs of your user config",
        };
        self.check_narrows(file, dir, &narrowing)
    }

    /// Refuses `entry` of a repository's `[sandbox] key` unless it is one of the user's or
    /// lies under one.
    fn check_narrows(
        &self,
        file: &Path,
        entry: &Located<String>,
        narrowing: &Narrowing<'_>,
    ) -> Result<(), FileError> {
        let Narrowing {
            key,
            users,
            risk,
            rule,
        } = narrowing;
        if within(&entry.value, users) {
            return Ok(());
        }
        let listed = if users.is_empty() {
            "lists none".to_string()
        } else {
            format!("lists {}", users.join(", "))
        };
        Err(FileError::new(
            file,
            entry.line,
            format!(
                "{key} has {:?}, {risk}, but your user config {listed}",
                entry.value
            ),
            format!(
                "{rule}: add it to [sandbox] {key} in {} if this repository's loops need it, \
                 and remove it here",
                self.user_config().display()
            ),
        ))
    }

    /// A repository's worktree root stays beside the repository: in a folder below the one
    /// that holds it, and nowhere on PATH or in a tool's home (agents write the worktrees).
    fn check_worktree_root(
        &self,
        file: &Path,
        root: &Located<String>,
        repo_root: &Path,
    ) -> Result<(), FileError> {
        let worktrees = super::Worktrees {
            root: root.value.clone(),
            setup: Vec::new(),
        };
        let Ok(resolved) = worktrees.root_for(repo_root) else {
            return Ok(());
        };
        let resolved = normalize(&resolved);
        let parent = normalize(repo_root).parent().map(Path::to_path_buf);
        let beside = parent
            .as_ref()
            .is_some_and(|p| resolved.starts_with(p) && resolved != *p);
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let path: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        let refusal = andon_core::cache_dir::refusal(&resolved, home.as_deref(), &path, &[]);
        let why = match (beside, refusal) {
            (true, None) => return Ok(()),
            (false, _) => format!(
                "puts the loops' worktrees, which agents write, at {} — outside the folder that \
                 holds this repository",
                resolved.display()
            ),
            (true, Some(r)) => format!(
                "puts the loops' worktrees, which agents write, at {}, but {}",
                resolved.display(),
                r.why
            ),
        };
        Err(FileError::new(
            file,
            root.line,
            format!("[worktrees] root = {:?} {why}", root.value),
            format!(
                "keep them beside the repository (root = \"../{{repo}}.worktrees\"), or set the \
                 root in your user config ({})",
                self.user_config().display()
            ),
        ))
    }
}

/// Where the user config lives when andon was given none, for messages.
fn default_user_config() -> PathBuf {
    directories::BaseDirs::new()
        .map(|b| b.config_dir().join("andon").join("config.toml"))
        .unwrap_or_else(|| PathBuf::from("~/.config/andon/config.toml"))
}

/// Whether some variable name matches both `*`-patterns (ASCII case-insensitive).
pub fn patterns_overlap(a: &str, b: &str) -> bool {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_uppercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_uppercase()).collect();
    // seen[i][j]: the suffixes a[i..] and b[j..] were already found not to overlap.
    let mut seen = vec![vec![false; b.len() + 1]; a.len() + 1];
    fn go(a: &[u8], b: &[u8], i: usize, j: usize, seen: &mut Vec<Vec<bool>>) -> bool {
        if seen[i][j] {
            return false;
        }
        let found = match (a.get(i), b.get(j)) {
            (None, None) => true,
            (Some(b'*'), _) => {
                go(a, b, i + 1, j, seen) || (j < b.len() && go(a, b, i, j + 1, seen))
            }
            (_, Some(b'*')) => {
                go(a, b, i, j + 1, seen) || (i < a.len() && go(a, b, i + 1, j, seen))
            }
            (Some(x), Some(y)) => x == y && go(a, b, i + 1, j + 1, seen),
            _ => false,
        };
        if !found {
            seen[i][j] = true;
        }
        found
    }
    go(&a, &b, 0, 0, &mut seen)
}

/// The first of `keys` (a key set, and its line) a repository's layer sets that only the
/// user's own config may: refused, naming the line, with `message` for the key.
fn users_only(
    layer: &ConfigLayer,
    keys: &[Option<(&str, usize)>],
    message: impl Fn(&str) -> String,
) -> Result<(), FileError> {
    match keys.iter().flatten().next() {
        Some((key, line)) => Err(FileError::new(
            &layer.path,
            *line,
            message(key),
            "set it in your user config, ~/.config/andon/config.toml",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_overlap_when_one_name_matches_both() {
        let rows = [
            ("*TOKEN*", "GITHUB_TOKEN", true),
            ("*TOKEN*", "GITHUB_*", true),
            ("*_KEY", "MOCK_API_KEY", true),
            ("*_KEY", "KEYBOARD", false),
            ("AWS_*", "MY_AWS", false),
            ("AWS_*", "*", true),
            ("*PASSWORD*", "DB_PASS", false),
            ("github_*", "GITHUB_X", true),
            ("A*B", "*C", false),
            ("A*B", "A*", true),
        ];
        for (a, b, want) in rows {
            assert_eq!(patterns_overlap(a, b), want, "{a} ~ {b}");
            assert_eq!(patterns_overlap(b, a), want, "{b} ~ {a}");
        }
    }
}
