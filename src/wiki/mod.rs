//! The repo's memory (DESIGN §1): andon writes a `wiki/90_LOG/` page when a loop ends, a Five
//! Whys file under `wiki/90_LOG/incidents/` at a Meta-Andon or a line stop, a line in
//! `wiki/log.md`, and the page's entry in `wiki/index.md`. Files are written in the main
//! worktree and committed by andon (a merged loop's in its merge commit); nothing a human
//! wrote is overwritten.

pub mod date;
pub mod pages;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Paths andon writes in the main worktree (repo-relative). andon commits what it writes
/// there; uncommitted changes to them (a refused commit, an older andon) never block a merge
/// or the next run.
pub const OWNED: &[&str] = &["wiki/90_LOG/", "wiki/log.md", "wiki/index.md"];

const INDEX_HEAD: &str = "# Wiki\n\nThe repository's memory. See 00_SCHEMA.md for the format.\n";
const LOG_HEAD: &str = "# Log\n";
const SECTION: &str = "## 90_LOG";

pub struct Wiki {
    dir: PathBuf,
}

impl Wiki {
    pub fn new(repo_root: &Path) -> Wiki {
        Wiki {
            dir: repo_root.join("wiki"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files every loop page also touches: the log's line and the index's entry.
    pub fn bookkeeping(&self) -> [PathBuf; 2] {
        [self.dir.join("log.md"), self.dir.join("index.md")]
    }

    /// Writes `90_LOG/<name>`, adds `log_line` to log.md and the page to index.md (each only
    /// once, so a repeated call changes nothing more). Returns the page's path.
    pub fn write_loop_page(
        &self,
        name: &str,
        text: &str,
        link_text: &str,
        log_line: &str,
    ) -> io::Result<PathBuf> {
        let page = self.dir.join("90_LOG").join(name);
        crate::atomic::write(&page, text)?;
        let rel = format!("90_LOG/{name}");
        append_line(
            &self.dir.join("log.md"),
            LOG_HEAD,
            &format!("- {log_line} ([page]({rel}))"),
        )?;
        index_entry(
            &self.dir.join("index.md"),
            &format!("- [{link_text}]({rel})"),
        )?;
        Ok(page)
    }

    /// Writes a Five Whys file unless one of that name exists (the agent or a human may have
    /// filled it in already). Returns its path either way.
    pub fn write_five_whys(&self, name: &str, text: &str) -> io::Result<PathBuf> {
        let path = self.dir.join("90_LOG").join("incidents").join(name);
        if !path.exists() {
            crate::atomic::write(&path, text)?;
        }
        Ok(path)
    }
}

fn read_or(path: &Path, default: &str) -> io::Result<String> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(default.to_string()),
        Err(e) => Err(e),
    }
}

/// Appends `line` unless the file already has it.
fn append_line(path: &Path, head: &str, line: &str) -> io::Result<()> {
    let mut text = read_or(path, head)?;
    if text.lines().any(|l| l == line) {
        return Ok(());
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if text.trim_end() == head.trim_end() {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    crate::atomic::write(path, &text)
}

/// Adds `entry` as the last line of the index's 90_LOG section (made when missing), replacing
/// a lone placeholder line such as "(one page per ended loop, written by andon)".
fn index_entry(path: &Path, entry: &str) -> io::Result<()> {
    let text = read_or(path, INDEX_HEAD)?;
    if text.lines().any(|l| l == entry) {
        return Ok(());
    }
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let start = match lines.iter().position(|l| l.trim() == SECTION) {
        Some(i) => i,
        None => {
            if lines.last().is_some_and(|l| !l.is_empty()) {
                lines.push(String::new());
            }
            lines.push(SECTION.to_string());
            lines.len() - 1
        }
    };
    let section_end = |lines: &[String]| {
        lines[start + 1..]
            .iter()
            .position(|l| l.starts_with("## "))
            .map_or(lines.len(), |i| start + 1 + i)
    };
    // A parenthesised placeholder line goes once the section has a real entry.
    let mut i = start + 1;
    while i < section_end(&lines) {
        let l = lines[i].trim();
        if l.starts_with('(') && l.ends_with(')') {
            lines.remove(i);
        } else {
            i += 1;
        }
    }
    let end = section_end(&lines);
    // After the section's last non-empty line.
    let at = (start + 1..end)
        .rev()
        .find(|&i| !lines[i].trim().is_empty())
        .map_or(start + 1, |i| i + 1);
    lines.insert(at, entry.to_string());
    let mut out = lines.join("\n");
    out.push('\n');
    crate::atomic::write(path, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_page_is_listed_once_in_log_and_index() {
        let tmp = tempfile::tempdir().unwrap();
        let wiki = Wiki::new(tmp.path());
        fs::create_dir_all(wiki.dir()).unwrap();
        fs::write(
            wiki.dir().join("index.md"),
            "# w\n\n## 90_LOG\n(one page per ended loop, written by andon)\n\n## Other\n- x\n",
        )
        .unwrap();
        for _ in 0..2 {
            wiki.write_loop_page(
                "2026-11-22-a.md",
                "# page\n",
                "2026-11-22 a: Fix",
                "2026-11-22 — loop a merged: Fix",
            )
            .unwrap();
        }
        wiki.write_loop_page("2026-11-22-b.md", "# b\n", "2026-11-22 b", "b aborted")
            .unwrap();
        assert_eq!(
            fs::read_to_string(wiki.dir().join("index.md")).unwrap(),
            "# w\n\n## 90_LOG\n- [2026-11-22 a: Fix](90_LOG/2026-11-22-a.md)\n- [2026-11-22 b](90_LOG/2026-11-22-b.md)\n\n## Other\n- x\n"
        );
        assert_eq!(
            fs::read_to_string(wiki.dir().join("log.md")).unwrap(),
            "# Log\n\n- 2026-11-22 — loop a merged: Fix ([page](90_LOG/2026-11-22-a.md))\n- b aborted ([page](90_LOG/2026-11-22-b.md))\n"
        );
        assert_eq!(
            fs::read_to_string(wiki.dir().join("90_LOG/2026-11-22-a.md")).unwrap(),
            "# page\n"
        );
    }

    #[test]
    fn five_whys_never_overwrites() {
        let tmp = tempfile::tempdir().unwrap();
        let wiki = Wiki::new(tmp.path());
        let path = wiki.write_five_whys("x-1.md", "draft\n").unwrap();
        fs::write(&path, "completed by the agent\n").unwrap();
        wiki.write_five_whys("x-1.md", "draft\n").unwrap();
        assert_eq!(
            fs::read_to_string(path).unwrap(),
            "completed by the agent\n"
        );
    }
}
