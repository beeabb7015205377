//! The wiki's system pages and the README name source files and folders as they are: every
//! `path.rs` or `folder/` in backticks resolves in the workspace, so a move that forgets its
//! page fails here.

use std::path::Path;

const PAGES: &[&str] = &[
    "README.md",
    "wiki/20_SYSTEM",
    "wiki/10_DOMAIN",
    "crates/core/fixtures/failures/README.md",
];

/// Where a page's path may live: from the repo root, under `src/`, and `core/…`, `sim/…`,
/// `test-support/…` in their crates.
fn resolves(root: &Path, path: &str) -> bool {
    let path = path.trim_end_matches('/');
    if let Some(dir) = [("core", "crates/core"), ("sim", "crates/sim")]
        .iter()
        .find_map(|(name, dir)| (*name == path).then_some(dir))
    {
        return root.join(dir).exists();
    }
    let mut candidates = vec![root.join(path), root.join("src").join(path)];
    for (prefix, dir) in [
        ("core/", "crates/core/src"),
        ("sim/", "crates/sim/src"),
        ("test-support/", "crates/test-support/src"),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            candidates.push(root.join(dir).join(rest));
        }
    }
    candidates.iter().any(|c| c.exists())
}

/// The layers a one-word folder (`engine/`) may name; other one-word folders (`bin/`) are
/// not this project's.
const LAYERS: &[&str] = &[
    "cli", "config", "core", "engine", "git", "pty", "sandbox", "sim", "store", "term", "ui",
    "watch", "wiki",
];

/// Backticked spans that look like a source path: a `.rs` file or a folder ending in `/`,
/// with no spaces, globs or placeholders.
fn source_paths(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| {
            let folder = span.strip_suffix('/');
            !span.contains([' ', '*', '{', '<', '$', '~'])
                && span.contains('/')
                && !span.starts_with(['.', '/'])
                && (span.ends_with(".rs")
                    || folder.is_some_and(|f| f.contains('/') || LAYERS.contains(&f)))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_source_path_the_docs_name_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    let mut seen = 0;
    for page in PAGES {
        let at = root.join(page);
        let files: Vec<_> = if at.is_dir() {
            std::fs::read_dir(&at)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
                .collect()
        } else {
            vec![at]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for path in source_paths(&text) {
                seen += 1;
                if !resolves(root, &path) {
                    missing.push(format!("{}: `{path}`", file.display()));
                }
            }
        }
    }
    assert!(seen > 20, "the pages name only {seen} source paths");
    assert!(
        missing.is_empty(),
        "paths that do not exist:\n{}",
        missing.join("\n")
    );
}
