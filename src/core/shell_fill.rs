//! Placeholders filled into a shell command as data, never as code: a `{worktree}` whose path
//! holds a space, a quote or `$(…)` reaches `sh -c` as one literal word, quoted for the spot
//! it stands in (bare, inside `"…"` or inside `'…'`).

/// Where a placeholder stands in the command text, as `sh` reads it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Bare,
    Double,
    Single,
}

/// The placeholders a setup command may use.
pub const SETUP_PLACEHOLDERS: &[&str] = &["worktree", "repo", "loop"];

/// `command` with each `{name}` of `values` replaced by its value quoted for its spot, and
/// `{{`/`}}` by a literal brace (the argv templates' escape). Placeholders not in `values` are
/// left as they are.
pub fn fill(command: &str, values: &[(&str, &str)]) -> String {
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
            if let Some((name, value)) = values.iter().find(|(name, _)| placeholder_at(rest, name))
            {
                out.push_str(&quoted(value, quoting));
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

/// `value` as literal text in its spot.
fn quoted(value: &str, quoting: Quoting) -> String {
    match quoting {
        Quoting::Bare => format!("'{}'", value.replace('\'', r"'\''")),
        Quoting::Single => value.replace('\'', r"'\''"),
        Quoting::Double => {
            let mut out = String::with_capacity(value.len());
            for c in value.chars() {
                if matches!(c, '$' | '`' | '"' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `sh` makes of the filled command: each argument on a line of its own.
    fn words(command: &str) -> Vec<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "for a in {command}; do printf '%s\\n' \"$a\"; done"
            ))
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
        let hostile = "/tmp/my trees/a'b\"c$(touch /tmp/pwned)`id`\\x";
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
            (
                "${{HOME}}x",
                vec![format!("{}x", std::env::var("HOME").unwrap_or_default())],
            ),
        ];
        for (command, want) in rows {
            let filled = fill(command, &values);
            assert_eq!(words(&filled), want, "{command} -> {filled}");
        }
        assert!(!std::path::Path::new("/tmp/pwned").exists());
    }
}
