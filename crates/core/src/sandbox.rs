//! Which sandbox confines a loop's agent and checks: the `sandbox` setting of the plan, of its
//! agent profile or of `andon.toml`'s `[sandbox]`, the most specific one winning, remembered
//! with the file line that set it so a refusal can point there.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How an agent and its checks are confined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SandboxMode {
    /// No confinement beyond the user's own permissions.
    #[default]
    Off,
    /// Linux Landlock: reads everywhere, writes only where the loop may write.
    Landlock,
}

impl SandboxMode {
    /// The value written in plans and `andon.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            SandboxMode::Off => "off",
            SandboxMode::Landlock => "landlock",
        }
    }
}

impl fmt::Display for SandboxMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sandbox mode and the file line that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxSetting {
    pub mode: SandboxMode,
    pub file: PathBuf,
    pub line: usize,
}

impl SandboxSetting {
    /// `file:line`, for messages.
    pub fn place(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }
}

/// The setting that governs a loop: the plan's, else its agent profile's, else the global
/// one; `None` means nobody asked, and the sandbox is off.
pub fn effective<'a>(
    plan: Option<&'a SandboxSetting>,
    profile: Option<&'a SandboxSetting>,
    global: Option<&'a SandboxSetting>,
) -> Option<&'a SandboxSetting> {
    plan.or(profile).or(global)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(mode: SandboxMode, file: &str) -> SandboxSetting {
        SandboxSetting {
            mode,
            file: file.into(),
            line: 3,
        }
    }

    #[test]
    fn plan_over_profile_over_global() {
        let plan = set(SandboxMode::Off, "plans/p.md");
        let profile = set(SandboxMode::Landlock, "andon.toml");
        let global = set(SandboxMode::Landlock, "config.toml");
        let rows = [
            (
                Some(&plan),
                Some(&profile),
                Some(&global),
                Some("plans/p.md"),
            ),
            (None, Some(&profile), Some(&global), Some("andon.toml")),
            (None, None, Some(&global), Some("config.toml")),
            (None, None, None, None),
        ];
        for (p, a, g, want) in rows {
            let got = effective(p, a, g).map(|s| s.file.to_string_lossy().to_string());
            assert_eq!(got.as_deref(), want);
        }
        // A plan that says "off" wins over a profile that says "landlock".
        assert_eq!(
            effective(Some(&plan), Some(&profile), None).map(|s| s.mode),
            Some(SandboxMode::Off)
        );
        assert_eq!(profile.place(), "andon.toml:3");
    }

    #[test]
    fn modes_read_and_print_as_written() {
        #[derive(Deserialize)]
        struct Doc {
            sandbox: SandboxMode,
        }
        for mode in [SandboxMode::Off, SandboxMode::Landlock] {
            let doc: Doc = toml::from_str(&format!("sandbox = \"{mode}\"")).expect("valid");
            assert_eq!(doc.sandbox, mode);
        }
        assert!(toml::from_str::<Doc>("sandbox = \"bwrap\"").is_err());
    }
}
