//! A loop's pane rebuilt from what its last iteration left on disk, for a board that opens on
//! loops an earlier run (headless, or a board since quit) supervised: the iteration's banner,
//! the tail of the agent's log, the guards' notes and each check with its output and verdict —
//! the lines the live pane showed, written by the same `pane_text` functions.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::engine::iteration::pane_text;
use crate::engine::paths::AndonDir;
use crate::or_log::OrLog;
use crate::store::Store;
use andon_core::failure::classify::Category;
use andon_core::state::Mode;

/// The most of an agent log replayed: a screenful and its scrollback, not a whole flood.
const AGENT_TAIL: u64 = 64 * 1024;
/// The most of one check's log replayed.
const CHECK_TAIL: u64 = 16 * 1024;

/// What loop `name`'s pane showed at the end of its iteration `iteration` (or the one before,
/// when that one never started an agent). Empty when nothing was kept.
pub fn last_output(store: &Store, dirs: &AndonDir, name: &str, iteration: u32) -> Vec<u8> {
    let iterations = store
        .iterations(name)
        .or_log("a pane with no iterations to replay starts empty")
        .unwrap_or_default();
    let Some(it) = iterations
        .iter()
        .rev()
        .find(|it| it.n <= iteration && dirs.agent_log(name, it.n).exists())
    else {
        return Vec::new();
    };
    let mode = if it.mode == Mode::Plan.as_str() {
        Mode::Plan
    } else {
        Mode::Code
    };
    // The pane is empty: its first row is the banner, not the blank line that parts it from
    // earlier output.
    let banner = pane_text::iteration_banner(name, it.n, mode);
    let mut out = banner.trim_start_matches("\r\n").as_bytes().to_vec();
    out.extend(tail(&dirs.agent_log(name, it.n), AGENT_TAIL));
    out.extend(guard_notes(store, name, it.n).into_bytes());
    for run in store.check_runs(name, Some(it.n)).unwrap_or_default() {
        out.extend(pane_text::check_header(&run.command, &run.kind, &run.name).into_bytes());
        let log = tail(Path::new(&run.log_path), CHECK_TAIL);
        let at_line_start = log.last().is_none_or(|b| *b == b'\n');
        out.extend_from_slice(&pane_text::as_terminal_output(&log));
        out.extend(
            pane_text::check_verdict(&run.kind, &run.name, run.passed, at_line_start).into_bytes(),
        );
    }
    out
}

/// The guards' notes of iteration `n`, from the incidents that recorded what they restored.
fn guard_notes(store: &Store, name: &str, n: u32) -> String {
    let incidents = store
        .incidents(Some(name))
        .or_log("a replayed pane goes without the guards' notes")
        .unwrap_or_default();
    let restored = |kind: &str| -> Vec<String> {
        incidents
            .iter()
            .filter(|i| i.iteration == n && i.category == Category::GuardViolation.as_str())
            .filter_map(|i| andon_core::guard::restored_paths(&i.evidence_json, kind))
            .flatten()
            .collect()
    };
    pane_text::guard_note(
        &restored(andon_core::guard::OUT_OF_SCOPE),
        &restored(andon_core::guard::SPEC_DRIFT),
    )
}

/// The last `cap` bytes of a file, starting at a line so no escape sequence is cut in half.
fn tail(path: &Path, cap: u64) -> Vec<u8> {
    let Ok(mut file) = crate::own_file::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let from = len.saturating_sub(cap);
    if file.seek(SeekFrom::Start(from)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    if file.read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    if from > 0 {
        let start = bytes.iter().position(|b| *b == b'\n').map_or(0, |i| i + 1);
        bytes.drain(..start);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_tail_starts_at_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "first line\nsecond\nthird\n").unwrap();
        assert_eq!(tail(&path, 100), b"first line\nsecond\nthird\n");
        assert_eq!(tail(&path, 10), b"third\n");
        assert!(tail(&dir.path().join("none"), 10).is_empty());
    }
}
