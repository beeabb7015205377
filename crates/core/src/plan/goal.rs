//! The plan's `goal`: either a string (`goal = "..."`) or a `[goal]` table holding the text
//! and the goal check's commands (`text = "..."`, `run = [...]`).
//!
//! Both spellings exist because TOML cannot hold `goal = "..."` and a `[goal]` table in one
//! document, and a plan without goal checks should not need a table.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::file_error::FileError;
use crate::toml_errors::TomlSource;

/// The goal as written; `text` is `None` when a `[goal]` table leaves it out.
pub(super) struct RawGoal {
    pub text: Option<Spanned<String>>,
    pub run: Vec<Spanned<String>>,
    /// The goal commands keep the network in the sandbox (`network = true`).
    pub network: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [goal] table with text and run")]
struct GoalTable {
    text: Option<Spanned<String>>,
    #[serde(default)]
    run: Vec<Spanned<String>>,
    #[serde(default)]
    network: bool,
}

impl<'de> Deserialize<'de> for RawGoal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(GoalVisitor)
    }
}

struct GoalVisitor;

impl<'de> Visitor<'de> for GoalVisitor {
    type Value = RawGoal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, or a [goal] table with text and run")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawGoal, E> {
        // A plain string has no span of its own here; the caller's `Spanned<RawGoal>` has it.
        Ok(RawGoal {
            text: Some(Spanned::new(0..0, v.to_string())),
            run: Vec::new(),
            network: false,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawGoal, A::Error> {
        let table = GoalTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(RawGoal {
            text: table.text,
            run: table.run,
            network: table.network,
        })
    }
}

impl RawGoal {
    /// The span of the text when it has its own (written as `text =` in a `[goal]` table).
    pub fn text_span(&self) -> Option<std::ops::Range<usize>> {
        self.text
            .as_ref()
            .map(Spanned::span)
            .filter(|span| !span.is_empty())
    }

    /// The goal check's commands; each must be a non-empty command line.
    pub fn commands(&self, source: &TomlSource<'_>) -> Result<Vec<String>, FileError> {
        let mut commands = Vec::with_capacity(self.run.len());
        for command in &self.run {
            let text = command.get_ref().trim();
            if text.is_empty() {
                return Err(source.error_at(
                    &command.span(),
                    "a goal check command is empty",
                    "write the command that proves the goal, e.g. run = [\"cargo test \
                     pricing::never_negative\"], or remove the empty string",
                ));
            }
            commands.push(text.to_string());
        }
        Ok(commands)
    }
}
