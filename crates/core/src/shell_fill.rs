//! Placeholders in a shell command become references to variables, never pasted text: a
//! `{worktree}` whose path holds a space, a quote or `$(…)` reaches `sh -c` as the expansion of
//! `$ANDON_WORKTREE`, which the shell never reads as code. The reference is quoted for the spot
//! it stands in (bare, inside `"…"` or inside `'…'`) so the value stays one word; a spot the
//! scanner misjudges (inside `$(…)`, after a comment) at worst splits the word.

/// Where a placeholder stands in the command text, as `sh` reads it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Bare,
    Double,
    Single,
}

/// The placeholders a setup command may use.
pub const SETUP_PLACEHOLDERS: &[&str] = &["worktree", "repo", "loop"];

/// The variable a placeholder's value is passed in: `worktree` → `ANDON_WORKTREE`.
pub fn variable(name: &str) -> String {
    format!("ANDON_{}", name.to_ascii_uppercase())
}

/// `command` with each `{name}` of `names` replaced by a reference to [`variable`]`(name)`
/// quoted for its spot, and `{{`/`}}` by a literal brace (the argv templates' escape).
/// Placeholders not in `names` are left as they are.
pub fn fill(command: &str, names: &[&str]) -> String {
    let mut out = String::with_capacity(command.len());
    let mut quoting = Quoting::Bare;
    let mut rest = command;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("{{").or_else(|| rest.strip_prefix("}}")) {
            out.push(c);
            rest = after;
            continue;
        }
        if c == '{' {
            if let Some(name) = names.iter().find(|name| placeholder_at(rest, name)) {
                out.push_str(&reference(&variable(name), quoting));
                rest = &rest[name.len() + 2..];
                continue;
            }
        }
        let len = c.len_utf8();
        match (quoting, c) {
            (Quoting::Bare | Quoting::Double, '\\') => {
                // The escaped character is taken as it is, whatever it is.
                let escaped = rest[1..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&rest[..1 + escaped]);
                rest = &rest[1 + escaped..];
                continue;
            }
            (Quoting::Bare, '\'') => quoting = Quoting::Single,
            (Quoting::Bare, '"') => quoting = Quoting::Double,
            (Quoting::Single, '\'') | (Quoting::Double, '"') => quoting = Quoting::Bare,
            _ => {}
        }
        out.push_str(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

fn placeholder_at(text: &str, name: &str) -> bool {
    text.strip_prefix('{')
        .and_then(|t| t.strip_prefix(name))
        .is_some_and(|t| t.starts_with('}'))
}

/// A reference to `$var` that expands to one word in its spot.
fn reference(var: &str, quoting: Quoting) -> String {
    match quoting {
        Quoting::Bare => format!("\"${{{var}}}\""),
        Quoting::Double => format!("${{{var}}}"),
        // Close the single quotes, expand in double quotes, reopen.
        Quoting::Single => format!("'\"${{{var}}}\"'"),
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "the test checks the quoting against a real shell; the code under test runs none"
)]
mod tests {
    use super::*;

    /// What `sh` makes of the filled command, with the placeholders' values in the
    /// environment: each argument on a line of its own.
    fn words(command: &str, values: &[(&str, &str)]) -> Vec<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "for a in {command}; do printf '%s\\n' \"$a\"; done"
            ))
            .envs(values.iter().map(|(name, value)| (variable(name), *value)))
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "{command}: {out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_placeholder_is_one_literal_word_wherever_it_stands() {
        let hostile = "/tmp/my trees/a'b\"c$(touch /tmp/pwned)`id`;touch /tmp/pwned;\\x";
        let values = [("worktree", hostile), ("loop", "fix-1")];
        let rows = [
            ("{worktree}", vec![hostile.to_string()]),
            ("\"{worktree}/src\"", vec![format!("{hostile}/src")]),
            ("'{worktree}'", vec![hostile.to_string()]),
            (
                "x{loop}y {worktree}",
                vec!["xfix-1y".into(), hostile.into()],
            ),
            ("\\\"{loop}", vec!["\"fix-1".into()]),
            ("'a\"' {loop}", vec!["a\"".into(), "fix-1".into()]),
            ("{other} {loop}", vec!["{other}".into(), "fix-1".into()]),
            ("{{loop}}", vec!["{loop}".into()]),
        ];
        for (command, want) in rows {
            let filled = fill(command, &["worktree", "loop"]);
            assert_eq!(words(&filled, &values), want, "{command} -> {filled}");
        }
        // Spots the scanner misjudges split the value at worst; they never run it.
        for command in ["\"$(printf %s {worktree})\"", "x # don't\n{worktree}"] {
            let filled = fill(command, &["worktree", "loop"]);
            let script = format!("{filled}; true");
            let _ = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .envs(values.iter().map(|(name, value)| (variable(name), *value)))
                .output()
                .expect("sh runs");
        }
        assert!(!std::path::Path::new("/tmp/pwned").exists());
    }
}
