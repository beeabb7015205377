//! The outer shape of a plan file: its name (the loop's slug), the `+++`-delimited TOML
//! front matter and the Markdown body, with line numbers kept for error messages.

use std::path::Path;

use crate::file_error::FileError;

/// A plan file cut into its parts. Slices borrow from the file text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The TOML between the delimiters; it starts on file line 2.
    pub front: &'a str,
    /// The file line of the closing `+++`.
    pub closing_line: usize,
    /// Everything after the closing `+++` line.
    pub body: &'a str,
}

impl Frame<'_> {
    /// The file line of the front matter's first line.
    pub const FRONT_FIRST_LINE: usize = 2;

    /// The file line of the body's first line.
    pub fn body_first_line(&self) -> usize {
        self.closing_line + 1
    }
}

/// Splits a plan into front matter and body.
pub fn split<'a>(file: &Path, text: &'a str) -> Result<Frame<'a>, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = line_offsets(text);
    let first = lines.next().map(|(_, line)| line.trim_end());
    match first {
        Some("+++") => {}
        Some("---") => return Err(yaml_front_matter(file, text)),
        _ => return Err(missing_opening(file, text)),
    }
    let front_start = text.find('\n').map_or(text.len(), |nl| nl + 1);
    let closing = lines.find(|(_, line)| line.trim_end() == "+++");
    let Some((closing_start, closing_text)) = closing else {
        return Err(FileError::new(
            file,
            1,
            "the front matter opened by `+++` on line 1 is never closed",
            "add a line containing only `+++` after the last TOML line, before the Markdown \
             body",
        ));
    };
    let body_start = (closing_start + closing_text.len()).min(text.len());
    Ok(Frame {
        front: &text[front_start..closing_start],
        closing_line: text[..closing_start].matches('\n').count() + 1,
        body: &text[body_start..],
    })
}

/// `(byte offset, line including its newline)` for every line.
fn line_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line))
    })
}

fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end()))
}

fn yaml_front_matter(file: &Path, text: &str) -> FileError {
    let closing = numbered_lines(text)
        .skip(1)
        .find(|(_, line)| *line == "---")
        .map_or_else(
            || "add a closing `+++` line after the TOML".to_string(),
            |(n, _)| format!("replace `---` on line {n} with `+++`"),
        );
    FileError::new(
        file,
        1,
        "the plan starts with `---` (YAML front matter); andon plans use TOML between `+++` \
         lines",
        format!("replace `---` on line 1 with `+++` and {closing}; write the keys in TOML (key = \"value\")"),
    )
}

fn missing_opening(file: &Path, text: &str) -> FileError {
    match numbered_lines(text).find(|(_, line)| *line == "+++") {
        Some((n, _)) => FileError::new(
            file,
            1,
            format!("a plan must start with `+++` on line 1, but the first `+++` is on line {n}"),
            format!(
                "move lines 1-{} below the front matter (or delete them) so that `+++` is line 1",
                n - 1
            ),
        ),
        None => FileError::new(
            file,
            1,
            "the plan has no front matter",
            "add `+++` as line 1, then the TOML keys (goal = \"...\" and a [[checks]] table), \
             then a line `+++` before the Markdown body",
        ),
    }
}

/// The loop's slug: the file stem, which becomes the branch `loop/<slug>` and a directory
/// name, so it is held to what both accept.
pub fn slug(file: &Path) -> Result<String, FileError> {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let mut chars = stem.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
        && !stem.contains("..")
        && !stem.ends_with('.')
        && !stem.ends_with(".lock");
    if valid {
        return Ok(stem.to_string());
    }
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .map_or_else(String::new, |e| format!(".{e}"));
    let suggestion = suggest_slug(stem);
    let fix = if suggestion.is_empty() {
        "rename the file to lowercase letters, digits, '-', '_' and '.', e.g. `fix-pricing.md`"
            .to_string()
    } else {
        format!(
            "rename the file to `{suggestion}{extension}`: lowercase letters, digits, '-', '_' \
             and '.', starting with a letter or digit"
        )
    };
    Err(FileError::new(
        file,
        1,
        format!("the plan name `{stem}` cannot be a loop name (it becomes the branch loop/{stem})"),
        fix,
    ))
}

fn suggest_slug(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || "_.".contains(c) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.contains("..") {
        out = out.replace("..", ".");
    }
    let out = out.trim_matches(|c| "-_.".contains(c));
    out.strip_suffix(".lock").unwrap_or(out).to_string()
}

/// Lines of a Markdown body that are not inside a fenced code block, with file line numbers.
pub fn prose_lines(body: &str, first_line: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut fence: Option<&str> = None;
    body.lines().enumerate().filter_map(move |(i, line)| {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            (None, None) => return Some((first_line + i, line)),
            _ => {}
        }
        None
    })
}

/// The first `# ` heading of the body, outside code blocks.
pub fn title(body: &str) -> Option<String> {
    prose_lines(body, 1).find_map(|(_, line)| {
        let heading = line
            .strip_prefix("# ")?
            .trim()
            .trim_end_matches('#')
            .trim_end();
        (!heading.is_empty()).then(|| heading.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let text = "+++\ngoal = \"g\"\n+++\n# Title\nbody\n";
        let frame = split(Path::new("p.md"), text).expect("valid");
        assert_eq!(frame.front, "goal = \"g\"\n");
        assert_eq!(frame.closing_line, 3);
        assert_eq!(frame.body, "# Title\nbody\n");
        assert_eq!(frame.body_first_line(), 4);

        let crlf = "\u{feff}+++\r\ngoal = 1\r\n+++  \r\n";
        let frame = split(Path::new("p.md"), crlf).expect("valid");
        assert_eq!(frame.front, "goal = 1\r\n");
        assert_eq!(frame.closing_line, 3);
        assert_eq!(frame.body, "");

        let empty = split(Path::new("p.md"), "+++\n+++").expect("valid");
        assert_eq!((empty.front, empty.closing_line, empty.body), ("", 2, ""));
    }

    #[test]
    fn delimiter_errors_say_what_to_add_where() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "# Plan\ngoal = 1\n",
                "has no front matter",
                "add `+++` as line 1",
            ),
            (
                "\n\n+++\ngoal = 1\n+++\n",
                "first `+++` is on line 3",
                "move lines 1-2",
            ),
            (
                "+++\ngoal = 1\n# Title\n",
                "never closed",
                "after the last TOML line",
            ),
            (
                "---\ngoal: 1\n---\n",
                "YAML",
                "replace `---` on line 3 with `+++`",
            ),
            ("", "has no front matter", "add `+++` as line 1"),
        ];
        for (text, message, fix) in cases {
            let err = split(Path::new("plans/p.md"), text).expect_err(text);
            assert_eq!(err.line, 1, "{text:?}");
            assert!(err.message.contains(message), "{text:?}: {err}");
            assert!(err.fix.contains(fix), "{text:?}: {err}");
        }
    }

    #[test]
    fn slugs_must_be_branch_and_directory_safe() {
        let ok = ["fix-pricing", "a", "0day", "v1.2_x"];
        for stem in ok {
            let path = format!("plans/{stem}.md");
            assert_eq!(slug(Path::new(&path)).as_deref(), Ok(stem));
        }
        let bad: &[(&str, &str)] = &[
            ("plans/Fix Pricing.md", "`fix-pricing.md`"),
            ("plans/-lead.md", "`lead.md`"),
            ("plans/a..b.md", "`a.b.md`"),
            ("plans/x.lock.md", "`x.md`"),
            ("plans/TEMPLATE.md", "`template.md`"),
            ("plans/ü.md", "e.g. `fix-pricing.md`"),
        ];
        for (path, fix) in bad {
            let err = slug(Path::new(path)).expect_err(path);
            assert_eq!(err.line, 1);
            assert!(err.fix.contains("rename the file"), "{err}");
            assert!(err.fix.contains(fix), "{path}: {err}");
        }
    }

    #[test]
    fn title_skips_code_blocks_and_prose_lines_keep_file_numbers() {
        let body = "intro\n```md\n# Not this\n```\n## Sub\n# Real title #\n";
        assert_eq!(title(body).as_deref(), Some("Real title"));
        assert_eq!(title("no heading\n"), None);
        let lines: Vec<_> = prose_lines(body, 10).map(|(n, _)| n).collect();
        assert_eq!(lines, [10, 14, 15]);
        let nested = "~~~\n```\n~~~\nafter\n";
        assert_eq!(prose_lines(nested, 1).collect::<Vec<_>>(), [(4, "after")]);
    }
}
