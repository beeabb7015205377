//! Live processes that work for andon: every agent and check carries `ANDON_LOOP` and
//! `ANDON_WORKTREE`, so what is left after a supervisor went away can be found. Shared by the
//! tests and the crash benchmark.

use std::path::Path;

/// Live (not zombie) processes whose `ANDON_WORKTREE` lies under `dir`.
pub fn processes_working_in(dir: &Path) -> usize {
    let prefix = format!("ANDON_WORKTREE={}", dir.display());
    with_env(|kv| kv.starts_with(prefix.as_bytes())).len()
}

/// Pids of live processes with exactly the environment entry `entry` (`NAME=value`).
pub fn matching(entry: &str) -> Vec<i32> {
    with_env(|kv| kv == entry.as_bytes())
}

/// Pids of live (not zombie) processes with an environment entry `wanted` accepts.
fn with_env(wanted: impl Fn(&[u8]) -> bool) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| {
            let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| s.contains(") Z "))
                .unwrap_or(true);
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            !zombie && env.split(|b| *b == 0).any(&wanted)
        })
        .collect()
}
