//! Live processes that work in andon's worktrees: every agent and check carries
//! `ANDON_WORKTREE`, so what is left after a supervisor went away can be counted. Shared by
//! the tests and the crash benchmark.

use std::path::Path;

/// Live (not zombie) processes whose `ANDON_WORKTREE` lies under `dir`.
pub fn processes_working_in(dir: &Path) -> usize {
    let prefix = format!("ANDON_WORKTREE={}", dir.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            let pid = e.file_name().to_string_lossy().to_string();
            let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| s.contains(") Z "))
                .unwrap_or(true);
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            !zombie
                && env
                    .split(|b| *b == 0)
                    .any(|kv| kv.starts_with(prefix.as_bytes()))
        })
        .count()
}
