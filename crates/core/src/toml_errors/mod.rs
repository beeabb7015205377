//! Turns TOML parse and deserialization failures into [`FileError`]s that name the real line
//! in the file and say how to fix it. Shared by plan front matter and `andon.toml`.
//!
//! serde reports problems as text, so the messages of `serde::de::Error`'s standard
//! constructors (`unknown field`, `unknown variant`, `missing field`, `invalid type`,
//! `invalid value`) are recognised here; the tests pin those formats.

use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::file_error::{line_at, FileError};
use crate::suggest::suggestion;

/// TOML text that sits inside a file starting at `first_line` (plan front matter begins on
/// line 2; `andon.toml` on line 1).
#[derive(Debug, Clone, Copy)]
pub struct TomlSource<'a> {
    pub file: &'a Path,
    pub text: &'a str,
    pub first_line: usize,
    /// Keys of the top-level table, to spot one written below a `[table]` header by mistake.
    pub top_level_keys: &'a [&'a str],
    /// Example values by key, used in fixes: `("run", "\"cargo test\"")`.
    pub examples: &'a [(&'a str, &'a str)],
}

impl<'a> TomlSource<'a> {
    /// The file line of a byte offset into the TOML text.
    pub fn line_of(&self, offset: usize) -> usize {
        self.first_line + line_at(self.text, offset) - 1
    }

    pub fn line_of_span(&self, span: &Range<usize>) -> usize {
        self.line_of(span.start)
    }

    /// Deserializes the whole text, mapping any failure to a located, fixable error.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, FileError> {
        toml::from_str(self.text).map_err(|err| self.explain(&err))
    }

    fn error(&self, line: usize, message: String, fix: String) -> FileError {
        FileError::new(self.file, line, message, fix)
    }

    fn explain(&self, err: &toml::de::Error) -> FileError {
        let span = err.span().unwrap_or(0..0);
        let line = self.line_of_span(&span);
        let message = err.message().lines().next().unwrap_or_default().trim();
        if let Some(rest) = message.strip_prefix("unknown field `") {
            return self.unknown_key(line, rest);
        }
        if let Some(rest) = message.strip_prefix("unknown variant `") {
            let (value, allowed) = split_unknown(rest);
            let key = self
                .key_near(span.start)
                .unwrap_or_else(|| "the value".into());
            return self.error(
                line,
                format!("`{key}` cannot be \"{value}\""),
                suggestion(&value, &allowed, "values"),
            );
        }
        if let Some(rest) = message.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or_default();
            let table = self
                .text
                .get(span.clone())
                .filter(|t| t.starts_with('['))
                .map_or_else(|| "table".to_string(), |t| format!("{t} table"));
            return self.error(
                line,
                format!("the {table} on line {line} has no `{field}`"),
                format!(
                    "add `{field} = {}` to the table that starts on line {line}",
                    self.example(field)
                ),
            );
        }
        if message == "duplicate key" {
            let key = self.text.get(span.clone()).unwrap_or("this key").trim();
            return self.error(
                line,
                format!("`{key}` is set more than once"),
                format!("keep one `{key}`: delete line {line} or the earlier one"),
            );
        }
        let is_value_error = message.starts_with("invalid type:")
            || message.starts_with("wanted ")
            || message.starts_with("invalid value:")
            || message.contains("duration");
        if is_value_error {
            if let Some(key) = self.key_near(span.start) {
                let on_header = self
                    .text
                    .get(span.clone())
                    .is_some_and(|t| t.starts_with('['));
                if on_header && message.ends_with("expected a sequence") {
                    return self.error(
                        line,
                        format!("[{key}] is a single table, but `{key}` is a list of tables"),
                        format!(
                            "write [[{key}]] with double brackets; each [[{key}]] block adds \
                             one entry"
                        ),
                    );
                }
                return self.error(
                    line,
                    format!("`{key}`: {message}"),
                    self.value_fix(&key, message),
                );
            }
        }
        if message.contains("must be quoted") || message.starts_with("unexpected key or value") {
            if let Some(err) = self.extra_value(line) {
                return err;
            }
        }
        self.error(line, message.to_string(), syntax_fix(message, line))
    }

    /// `key = 5 5` or `key = "a" b`: a value followed by more on the line reads to TOML as an
    /// unquoted string, but quoting is not the fix — one value is.
    fn extra_value(&self, line: usize) -> Option<FileError> {
        let text = self.text.lines().nth(line.checked_sub(self.first_line)?)?;
        let (key, value) = text.split_once('=')?;
        let (key, value) = (key.trim(), value.trim());
        let first = first_value(value)?;
        let rest = value[first.len()..].trim();
        if rest.is_empty() || rest.starts_with('#') {
            return None;
        }
        // `key = "a "b" c"`: quotes inside a string end it early.
        let quote = first.chars().next().filter(|q| *q == '"' || *q == '\'');
        if let Some(q) = quote.filter(|q| rest.ends_with(*q)) {
            let inner = &value[1..value.len() - 1];
            let other = if q == '"' { '\'' } else { '"' };
            let fix = if inner.contains(other) {
                format!("escape the {q} inside the string as \\{q}")
            } else {
                format!("put the string in {other} quotes, which may hold {q}: `{key} = {other}{inner}{other}`")
            };
            return Some(self.error(
                line,
                format!(
                    "`{key}`'s string ends early: the {q} before `{}` closes it",
                    one_word(rest)
                ),
                fix,
            ));
        }
        Some(self.error(
            line,
            format!("`{key}` has more than one value: `{value}`"),
            format!("a key takes one value: write `{key} = {first}` (or a list: `{key} = [{first}, ...]`)"),
        ))
    }

    fn unknown_key(&self, line: usize, rest: &str) -> FileError {
        let (key, allowed) = split_unknown(rest);
        let header = self.header_above(line);
        let misplaced = self.top_level_keys.contains(&key.as_str());
        if let Some((header_line, header)) = header.as_ref().filter(|_| misplaced) {
            return self.error(
                line,
                format!("`{key}` is inside the {header} table"),
                format!(
                    "`{key}` is a top-level key, and every key below the {header} line \
                     ({header_line}) belongs to that table: move `{key}` above line {header_line}"
                ),
            );
        }
        let place = header
            .as_ref()
            .map_or_else(String::new, |(_, h)| format!(" in {h}"));
        self.error(
            line,
            format!("unknown key `{key}`{place}"),
            suggestion(&key, &allowed, "keys"),
        )
    }

    fn value_fix(&self, key: &str, message: &str) -> String {
        if message.contains("duration") {
            return format!(
                "write `{key}` as a duration such as \"30s\", \"5m\" or \"1h30m\" \
                 (units ms, s, m, h; a bare number means seconds)"
            );
        }
        if message.contains("nonzero") && message.starts_with("invalid value") {
            return format!("set `{key}` to 1 or more, or delete the line to use the default");
        }
        let expected = match message.strip_prefix("wanted ") {
            Some(wanted) => wanted,
            None => message.rsplit("expected ").next().unwrap_or_default(),
        };
        let kinds: &[(&str, &str, &str)] = &[
            ("string or table", "a string in double quotes", "\"...\""),
            ("u32", "a whole number without quotes", "3"),
            ("u64", "a whole number without quotes", "3"),
            ("integer", "a whole number without quotes", "3"),
            ("a string", "a string in double quotes", "\"...\""),
            ("a sequence", "a list", "[\"...\"]"),
            ("a boolean", "true or false without quotes", "true"),
        ];
        for (needle, description, fallback) in kinds {
            if expected.contains(needle) {
                let example = self.example_or(key, fallback);
                return format!("write `{key}` as {description}, e.g. `{key} = {example}`");
            }
        }
        if expected.contains("table") || expected.contains("map") {
            return format!(
                "`{key}` is a table: write a [{key}] line (or [section.{key}]) and put its \
                 keys below it"
            );
        }
        format!("change the value of `{key}` on this line to {expected}")
    }

    fn example(&self, key: &str) -> &str {
        self.example_or(key, "\"...\"")
    }

    fn example_or<'s>(&'s self, key: &str, fallback: &'s str) -> &'s str {
        self.examples
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(fallback, |(_, example)| example)
    }

    /// The key being assigned at `offset`: the nearest `key =` line at or above it (a
    /// multi-line list's key is on its first line), or the table named by a header there.
    fn key_near(&self, offset: usize) -> Option<String> {
        let end = self.text[offset.min(self.text.len())..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        for (i, line) in self.text[..end].lines().rev().enumerate() {
            let line = line.trim_start();
            if let Some(header) = header_name(line) {
                return (i == 0).then(|| header.to_string());
            }
            let Some((key, _)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim().trim_matches('"');
            let is_key = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if is_key {
                return Some(key.rsplit('.').next().unwrap_or(key).to_string());
            }
        }
        None
    }

    /// The nearest `[table]` or `[[table]]` header at or above a file line.
    fn header_above(&self, line: usize) -> Option<(usize, String)> {
        let index = line.checked_sub(self.first_line)?;
        let lines: Vec<&str> = self.text.lines().take(index + 1).collect();
        lines.iter().enumerate().rev().find_map(|(i, text)| {
            header_name(text.trim_start())?;
            let header = text.split('#').next().unwrap_or_default().trim();
            Some((self.first_line + i, header.to_string()))
        })
    }

    /// An error at a value's span, for checks done after deserializing.
    pub fn error_at(
        &self,
        span: &Range<usize>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> FileError {
        FileError::new(self.file, self.line_of_span(span), message, fix)
    }
}

/// The last segment of a `[a.b]` or `[[a]]` header line.
fn header_name(line: &str) -> Option<&str> {
    let line = line.split('#').next().unwrap_or_default().trim();
    let inner = line.strip_prefix('[')?.strip_suffix(']')?;
    let inner = inner.trim_start_matches('[').trim_end_matches(']').trim();
    Some(
        inner
            .rsplit('.')
            .next()
            .unwrap_or(inner)
            .trim()
            .trim_matches('"'),
    )
}

/// Splits "name`, expected one of `a`, `b`" into ("name", ["a", "b"]).
fn split_unknown(rest: &str) -> (String, Vec<String>) {
    let mut parts = rest.split('`');
    let name = parts.next().unwrap_or_default().to_string();
    // After the name, every odd piece is a backquoted allowed name.
    let allowed = parts.skip(1).step_by(2).map(str::to_string).collect();
    (name, allowed)
}

/// The first word of `text` (up to whitespace or a quote), for naming where a string broke.
fn one_word(text: &str) -> &str {
    let end = text
        .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .unwrap_or(text.len());
    &text[..end]
}

/// The first whole value at the start of `value`: a number, a boolean or a quoted string.
fn first_value(value: &str) -> Option<&str> {
    if let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = value[1..].find(quote)? + 2;
        return Some(&value[..end]);
    }
    let token = value.split_whitespace().next()?;
    let number = token.replace('_', "").parse::<f64>().is_ok();
    (number || token == "true" || token == "false").then_some(token)
}

fn syntax_fix(message: &str, line: usize) -> String {
    let hints: &[(&str, &str)] = &[
        (
            "must be quoted",
            "put the value in double quotes, e.g. key = \"value\"",
        ),
        (
            "unclosed array",
            "close the list with `]` (items are separated by commas)",
        ),
        (
            "unclosed table",
            "close the table header with `]`, e.g. [breakers]",
        ),
        (
            "string",
            "close the string with the same quote it starts with",
        ),
        (
            "key with no value",
            "write it as key = value, or comment the line out with #",
        ),
        (
            "keys cannot be empty",
            "write a key before `=`, e.g. goal = \"...\"",
        ),
    ];
    let hint = hints
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or("see https://toml.io for the syntax", |(_, hint)| hint);
    format!("fix the TOML on line {line}: {hint}")
}

#[cfg(test)]
mod tests;
