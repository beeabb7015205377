//! The user's protections as a floor. What andon's defaults and the user config
//! (`~/.config/andon/config.toml`) set — the Landlock sandbox, the variables kept from agents —
//! is the least every loop gets: a repository's `andon.toml` or a plan may tighten it, never
//! loosen it. A repository asking for less is refused with the setting that wins and where it
//! is, not obeyed in silence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::layer::{ConfigLayer, Located};
use crate::core::file_error::FileError;
use crate::core::sandbox::{SandboxMode, SandboxSetting};

/// Where a deny pattern of the floor comes from.
const DEFAULTS: &str = "andon's defaults";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Floor {
    /// `[sandbox] mode = "landlock"` in the user config: every loop is confined.
    pub sandbox: Option<SandboxSetting>,
    /// Profiles the user config confines (`sandbox = "landlock"` under `[agents.NAME]`).
    pub profile_sandbox: BTreeMap<String, SandboxSetting>,
    /// Variable patterns no repository may pass on, each with where it was set.
    pub deny: Vec<(String, String)>,
    /// The user config andon read (or would have read), for messages.
    pub user_config: Option<PathBuf>,
}

impl Floor {
    /// The floor after andon's defaults (`defaults_deny`) and the user config (`user`, with
    /// what it set) are applied.
    pub(super) fn new(
        defaults_deny: &[String],
        user_config: Option<&Path>,
        user_file_read: bool,
        deny: &[String],
        sandbox: Option<&SandboxSetting>,
        profiles: impl Iterator<Item = (String, Option<SandboxSetting>)>,
    ) -> Floor {
        let user_file = user_config
            .filter(|_| user_file_read)
            .map(|path| path.display().to_string());
        let deny = deny
            .iter()
            .map(|pattern| {
                let from = match (&user_file, defaults_deny.contains(pattern)) {
                    (Some(file), false) => file.clone(),
                    _ => DEFAULTS.to_string(),
                };
                (pattern.clone(), from)
            })
            .collect();
        let landlock = |s: &SandboxSetting| s.mode == SandboxMode::Landlock;
        Floor {
            sandbox: sandbox.filter(|s| landlock(s)).cloned(),
            profile_sandbox: profiles
                .filter_map(|(name, s)| s.filter(landlock).map(|s| (name, s)))
                .collect(),
            deny,
            user_config: user_config.map(Path::to_path_buf),
        }
    }

    /// The deny patterns, to add to whatever a repository lists.
    pub fn deny_patterns(&self) -> impl Iterator<Item = &String> {
        self.deny.iter().map(|(pattern, _)| pattern)
    }

    /// Refuses a repository layer that would loosen the floor: turn the sandbox off, or let
    /// through a variable the floor keeps from agents.
    pub(super) fn check(&self, layer: &ConfigLayer) -> Result<(), FileError> {
        if let Some(mode) = &layer.sandbox_mode {
            self.check_sandbox(&layer.path, mode, None)?;
        }
        for (name, agent) in &layer.agents {
            if let Some(mode) = &agent.sandbox {
                self.check_sandbox(&layer.path, mode, Some(name))?;
            }
            for pattern in &agent.env_allow_at {
                self.check_allow(&layer.path, pattern, &format!("[agents.{name}] env_allow"))?;
            }
        }
        for pattern in &layer.env_allow_at {
            self.check_allow(&layer.path, pattern, "[env] allow")?;
        }
        Ok(())
    }

    /// Where `var` may be allowed: the user config when the floor keeps it from agents, else
    /// the repository's `andon.toml`.
    pub fn allow_in(&self, var: &str) -> String {
        if self.deny_patterns().any(|p| super::name_matches(p, var)) {
            self.user_config().display().to_string()
        } else {
            super::REPO_CONFIG.to_string()
        }
    }

    /// The user config's path, for messages.
    fn user_config(&self) -> PathBuf {
        self.user_config.clone().unwrap_or_else(default_user_config)
    }

    /// The sandbox setting that confines `profile`, if the floor confines it.
    pub fn sandbox_for(&self, profile: &str) -> Option<&SandboxSetting> {
        self.profile_sandbox.get(profile).or(self.sandbox.as_ref())
    }

    /// Refuses `setting` (a plan's, a profile's) when it turns off a sandbox the floor asks
    /// for.
    pub fn refuse_sandbox(&self, setting: &SandboxSetting, profile: &str) -> Result<(), FileError> {
        let mode = Located {
            value: setting.mode,
            line: setting.line,
        };
        self.check_sandbox(&setting.file, &mode, Some(profile))
    }

    fn check_sandbox(
        &self,
        file: &Path,
        mode: &Located<SandboxMode>,
        profile: Option<&str>,
    ) -> Result<(), FileError> {
        if mode.value != SandboxMode::Off {
            return Ok(());
        }
        let wins = match profile {
            Some(name) => self.sandbox_for(name),
            None => self.sandbox.as_ref(),
        };
        let Some(wins) = wins else {
            return Ok(());
        };
        Err(FileError::new(
            file,
            mode.line,
            format!(
                "sandbox = \"off\" would turn off the Landlock sandbox your user config asks \
                 for ({})",
                wins.place()
            ),
            format!(
                "remove it: a repository or plan may tighten andon's protections, never loosen \
                 them; change {} if this repository must run unconfined",
                wins.file.display()
            ),
        ))
    }

    fn check_allow(
        &self,
        file: &Path,
        pattern: &Located<String>,
        key: &str,
    ) -> Result<(), FileError> {
        let Some((denied, from)) = self
            .deny
            .iter()
            .find(|(deny, _)| patterns_overlap(deny, &pattern.value))
        else {
            return Ok(());
        };
        let user_config = self.user_config().display().to_string();
        Err(FileError::new(
            file,
            pattern.line,
            format!(
                "{key} = [\"{}\"] would pass variables kept from agents by {from} (`{denied}`)",
                pattern.value
            ),
            format!(
                "a repository may not let secrets through: if this repository's agents need it, \
                 allow it in your user config ({user_config}, the same key), and remove it here"
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
