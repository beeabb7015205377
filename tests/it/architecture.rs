//! The layers hold by test, not by habit: the board reaches the engine only through its
//! port (`ui/port/`), and nothing below the UI and the CLI names them. (The pure core is a
//! crate of its own, guarded by its Cargo.toml and clippy.)

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The lines of code under `dir` (files in `except` left out, comments skipped) that name
/// one of `modules` as `crate::module`.
fn uses(dir: &str, except: &[&str], modules: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for file in sources(&root.join(dir)) {
        let shown = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        if except.iter().any(|e| shown.starts_with(e)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for module in modules {
                let named = format!("crate::{module}::");
                let bare = format!("crate::{module};");
                if line.contains(&named) || line.contains(&bare) {
                    found.push(format!("{shown}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn the_board_reaches_the_engine_only_through_its_port() {
    let found = uses(
        "src/ui",
        &["src/ui/port/"],
        &["engine", "store", "git", "pty", "sandbox", "watch", "cli"],
    );
    assert!(
        found.is_empty(),
        "the UI names the engine or its I/O outside ui/port/ (add what it needs to the port):\n{}",
        found.join("\n")
    );
}

#[test]
fn nothing_below_the_ui_names_the_ui_or_the_cli() {
    let mut found = Vec::new();
    for layer in [
        "engine", "store", "git", "pty", "term", "config", "sandbox", "watch", "wiki",
    ] {
        found.extend(uses(&format!("src/{layer}"), &[], &["ui", "cli"]));
    }
    assert!(
        found.is_empty(),
        "a lower layer names the UI or the CLI:\n{}",
        found.join("\n")
    );
}

/// The check itself sees a violation: a line naming the engine in a UI file is found.
#[test]
fn the_layer_check_finds_what_it_looks_for() {
    let port = uses("src/ui/port", &[], &["engine"]);
    assert!(
        port.iter()
            .any(|l| l.contains("crate::engine::supervisor::Supervisor")),
        "{port:?}"
    );
}
