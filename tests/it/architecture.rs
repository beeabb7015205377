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

/// The places under `dir` (files in `except` left out, comments skipped) that name one of
/// `modules` as `crate::module`, also inside a `use crate::{…}` group; `allowed` are paths
/// that may be named all the same (`wiki::date` formats a date).
fn uses(dir: &str, except: &[&str], modules: &[&str], allowed: &[&str]) -> Vec<String> {
    uses_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        dir,
        except,
        modules,
        allowed,
    )
}

/// [`uses`] under `root` instead of the workspace.
fn uses_in(
    root: &Path,
    dir: &str,
    except: &[&str],
    modules: &[&str],
    allowed: &[&str],
) -> Vec<String> {
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
        let code: Vec<&str> = text
            .lines()
            .map(|l| {
                if l.trim_start().starts_with("//") {
                    ""
                } else {
                    l
                }
            })
            .collect();
        let joined = code.join("\n");
        for (at, _) in joined.match_indices("crate::") {
            let rest = &joined[at + "crate::".len()..];
            // `crate::{a, b::{c}}` names every path of the group.
            let paths: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(group.len())]
                    .split(',')
                    .map(str::trim)
                    .collect(),
                None => vec![rest],
            };
            for path in paths {
                let named = modules.iter().find(|m| {
                    path.strip_prefix(**m).is_some_and(|after| {
                        after.starts_with("::")
                            || after.starts_with(';')
                            || after.starts_with(',')
                            || after.is_empty()
                    })
                });
                if let Some(m) = named {
                    if allowed.iter().any(|a| path.starts_with(a)) {
                        continue;
                    }
                    let line = joined[..at].matches('\n').count() + 1;
                    found.push(format!("{shown}:{line}: crate::{m}"));
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
        &[
            "engine", "store", "git", "pty", "sandbox", "watch", "cli", "wiki",
        ],
        &["wiki::date::"],
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
        found.extend(uses(&format!("src/{layer}"), &[], &["ui", "cli"], &[]));
    }
    assert!(
        found.is_empty(),
        "a lower layer names the UI or the CLI:\n{}",
        found.join("\n")
    );
}

/// The check itself sees a violation: a path naming the engine, plain or inside a
/// `use crate::{…}` group; an allowed path is let through.
#[test]
fn the_layer_check_finds_what_it_looks_for() {
    let port = uses("src/ui/port", &[], &["engine"], &[]);
    assert!(
        port.iter().any(|l| l.starts_with("src/ui/port/mod.rs:")),
        "{port:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ui")).unwrap();
    std::fs::write(
        dir.path().join("ui/x.rs"),
        "// crate::engine in a comment\nuse crate::{\n    clock::Clock,\n    engine::spec::LoopSpec,\n};\nfn f() -> String { crate::wiki::date::utc_md(0) }\n",
    )
    .unwrap();
    let found = uses_in(
        dir.path(),
        "ui",
        &[],
        &["engine", "wiki"],
        &["wiki::date::"],
    );
    assert_eq!(found, ["ui/x.rs:2: crate::engine"]);
}
