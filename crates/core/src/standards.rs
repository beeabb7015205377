//! Standards: preventions a human adopted from the Kaizen board, which every later loop gets —
//! an L2 check each plan runs, an L1 protected path, an L3 line in a skill. Kept in
//! `andon.toml` `[standards]` (checks and paths) and `skills/` (notes), each naming the
//! incident group it came from. Pure: what a prevention is, whether it is valid, its words, and
//! a skill's text with a note added.

use serde::{Deserialize, Serialize};

use crate::kaizen::Level;
use crate::plan::CheckSpec;
use crate::scope::PathMatcher;

/// `[[standards.checks]]`: a check every later plan gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardCheck {
    pub name: String,
    pub run: String,
    /// The incident group it came from (its Kaizen id).
    pub from: String,
    /// Whether it keeps the network in the sandbox.
    #[serde(default)]
    pub network: bool,
}

/// `[[standards.protected]]`: a path every later loop protects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardPath {
    pub glob: String,
    /// The incident group it came from (its Kaizen id).
    pub from: String,
}

/// Every standard a repository adopted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standards {
    #[serde(default)]
    pub checks: Vec<StandardCheck>,
    #[serde(default)]
    pub protected: Vec<StandardPath>,
}

impl Standards {
    /// Both lists, each entry once (a user config's and a repo's standards add up).
    pub fn merged(mut self, other: Standards) -> Standards {
        for c in other.checks {
            if !self.checks.contains(&c) {
                self.checks.push(c);
            }
        }
        for p in other.protected {
            if !self.protected.contains(&p) {
                self.protected.push(p);
            }
        }
        self
    }

    /// The protected globs.
    pub fn globs(&self) -> impl Iterator<Item = &str> {
        self.protected.iter().map(|p| p.glob.as_str())
    }
}

/// A check a plan runs, from a standard (the plan's checks come first).
pub fn check_spec(c: &StandardCheck) -> CheckSpec {
    CheckSpec {
        name: c.name.clone(),
        run: c.run.clone(),
        timeout: crate::plan::checks::DEFAULT_CHECK_TIMEOUT,
        network: c.network,
        line: 0,
    }
}

/// What a human adopts for an incident group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Prevention {
    /// L2: a check every later plan gets.
    Check { run: String },
    /// L1: a path every later loop protects.
    Protect { glob: String },
    /// L3: a line added to a skill.
    Skill { name: String, note: String },
}

impl Prevention {
    /// The Kaizen level it is.
    pub fn level(&self) -> Level {
        match self {
            Prevention::Check { .. } => Level::L2,
            Prevention::Protect { .. } => Level::L1,
            Prevention::Skill { .. } => Level::L3,
        }
    }

    /// Why it cannot be adopted, with the fix; `Ok` when it can.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Prevention::Check { run } if run.trim().is_empty() => {
                Err("the check is empty\n  fix: --check \"the command that must exit 0\"".into())
            }
            Prevention::Check { .. } => Ok(()),
            Prevention::Protect { glob } => PathMatcher::new(std::slice::from_ref(glob))
                .map(|_| ())
                .map_err(|e| {
                    format!(
                        "--protect {glob:?} is not a valid glob: {}\n  fix: a path relative to \
                         the repository root with `*` (one level) or `**` (any depth), e.g. \
                         \"migrations/**\"",
                        e.message
                    )
                }),
            Prevention::Skill { name, .. } if !valid_skill_name(name) => Err(format!(
                "the skill name {name:?} cannot be a file name\n  fix: letters, digits, '-' or \
                 '_', e.g. --skill tdd"
            )),
            Prevention::Skill { note, .. } if note.trim().is_empty() => {
                Err("the skill's note is empty\n  fix: --note \"what to do from now on\"".into())
            }
            Prevention::Skill { .. } => Ok(()),
        }
    }

    /// A prevention as typed on the Kaizen board: `check CMD`, `protect GLOB` or
    /// `skill NAME NOTE`, validated.
    pub fn parse(text: &str) -> Result<Prevention, String> {
        let text = text.trim();
        let (kind, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim();
        let p = match kind {
            "check" => Prevention::Check { run: rest.into() },
            "protect" => Prevention::Protect { glob: rest.into() },
            "skill" => {
                let (name, note) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                Prevention::Skill {
                    name: name.into(),
                    note: note.trim().into(),
                }
            }
            _ => {
                return Err(format!(
                    "`{kind}` is not a prevention\n  fix: check CMD (L2), protect GLOB (L1), or \
                     skill NAME NOTE (L3)"
                ))
            }
        };
        p.validate()?;
        Ok(p)
    }

    /// In words, with its level: "L2 check `cargo clippy`".
    pub fn describe(&self) -> String {
        match self {
            Prevention::Check { run } => format!("L2 check `{}`", run.trim()),
            Prevention::Protect { glob } => format!("L1 protected path `{glob}`"),
            Prevention::Skill { name, note } => {
                format!(
                    "L3 skill `{name}`: {}",
                    crate::sanitize::one_line(note.trim(), 120)
                )
            }
        }
    }
}

fn valid_skill_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
}

/// The heading notes from the Kaizen board are kept under in a skill.
const NOTES_HEADING: &str = "## Standards from Kaizen";

/// `skill` with `note` added under its Kaizen heading (made when missing), naming the incident
/// group and the day.
pub fn skill_with_note(skill: &str, note: &str, from: &str, date: &str) -> String {
    let mut text = skill.trim_end().to_string();
    if !text.lines().any(|l| l.trim() == NOTES_HEADING) {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(NOTES_HEADING);
        text.push('\n');
    }
    let note = note.split_whitespace().collect::<Vec<_>>().join(" ");
    text.push_str(&format!("\n- {note} (Kaizen {from}, {date})"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preventions_are_validated_with_a_fix() {
        let cases = [
            (
                Prevention::Check {
                    run: "cargo clippy".into(),
                },
                None,
            ),
            (
                Prevention::Check { run: "  ".into() },
                Some("the check is empty"),
            ),
            (
                Prevention::Protect {
                    glob: "migrations/**".into(),
                },
                None,
            ),
            (
                Prevention::Protect {
                    glob: "src/[".into(),
                },
                Some("is not a valid glob"),
            ),
            (
                Prevention::Skill {
                    name: "tdd".into(),
                    note: "test first".into(),
                },
                None,
            ),
            (
                Prevention::Skill {
                    name: "../x".into(),
                    note: "n".into(),
                },
                Some("cannot be a file name"),
            ),
            (
                Prevention::Skill {
                    name: "tdd".into(),
                    note: " ".into(),
                },
                Some("the skill's note is empty"),
            ),
        ];
        for (p, want) in cases {
            match (p.validate(), want) {
                (Ok(()), None) => {}
                (Err(e), Some(w)) => assert!(e.contains(w) && e.contains("fix:"), "{p:?}: {e}"),
                (got, want) => panic!("{p:?}: {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn typed_preventions_parse() {
        assert_eq!(
            Prevention::parse(" check cargo clippy -- -D warnings "),
            Ok(Prevention::Check {
                run: "cargo clippy -- -D warnings".into()
            })
        );
        assert_eq!(
            Prevention::parse("protect db/migrations/**"),
            Ok(Prevention::Protect {
                glob: "db/migrations/**".into()
            })
        );
        assert_eq!(
            Prevention::parse("skill tdd mock the clock, never sleep"),
            Ok(Prevention::Skill {
                name: "tdd".into(),
                note: "mock the clock, never sleep".into()
            })
        );
        for (text, why) in [
            ("fix it", "is not a prevention"),
            ("check", "the check is empty"),
            ("skill tdd", "note is empty"),
            ("protect src/[", "not a valid glob"),
        ] {
            let err = Prevention::parse(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn levels_and_words() {
        let check = Prevention::Check {
            run: " make lint ".into(),
        };
        assert_eq!(
            (check.level(), check.describe()),
            (Level::L2, "L2 check `make lint`".into())
        );
        let path = Prevention::Protect {
            glob: "db/**".into(),
        };
        assert_eq!(path.level(), Level::L1);
        let skill = Prevention::Skill {
            name: "tdd".into(),
            note: "mock\nthe clock".into(),
        };
        assert_eq!(skill.describe(), "L3 skill `tdd`: mock the clock");
    }

    #[test]
    fn a_note_goes_under_one_heading_kept_at_the_end() {
        let once = skill_with_note(
            "# TDD\n\nWrite the test first.\n",
            "mock the clock",
            "abcd1234",
            "2026-12-07",
        );
        assert_eq!(
            once,
            "# TDD\n\nWrite the test first.\n\n## Standards from Kaizen\n\n- mock the clock (Kaizen abcd1234, 2026-12-07)\n"
        );
        let twice = skill_with_note(&once, "no sleeps", "ef567890", "2026-12-08");
        assert!(twice.ends_with(
            "- mock the clock (Kaizen abcd1234, 2026-12-07)\n- no sleeps (Kaizen ef567890, 2026-12-08)\n"
        ), "{twice}");
        assert_eq!(twice.matches("## Standards from Kaizen").count(), 1);
        assert_eq!(
            skill_with_note("", "x", "a", "d"),
            "## Standards from Kaizen\n\n- x (Kaizen a, d)\n"
        );
    }

    #[test]
    fn standards_add_up_without_repeats() {
        let c = |run: &str| StandardCheck {
            name: "k".into(),
            run: run.into(),
            from: "a".into(),
            network: false,
        };
        let a = Standards {
            checks: vec![c("x")],
            protected: Vec::new(),
        };
        let b = Standards {
            checks: vec![c("x"), c("y")],
            protected: vec![StandardPath {
                glob: "db/**".into(),
                from: "b".into(),
            }],
        };
        let m = a.merged(b);
        assert_eq!(m.checks.len(), 2);
        assert_eq!(m.globs().collect::<Vec<_>>(), ["db/**"]);
        assert_eq!(check_spec(&m.checks[1]).run, "y");
    }
}
