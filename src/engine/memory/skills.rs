//! The skills composed into a prompt: the plan's skill in code mode, the line-stop and
//! diagnosis procedures in plan mode. A repo's own `skills/<name>.md` overrides andon's
//! built-in one of the same name.

use std::path::Path;

use andon_core::plan::Plan;
use andon_core::state::Mode;

/// andon's own procedures, embedded in the binary (the files live in `skills/`).
const BUILT_IN: [(&str, &str); 4] = [
    ("tdd", include_str!("../../../skills/tdd.md")),
    ("diagnose", include_str!("../../../skills/diagnose.md")),
    ("andon", include_str!("../../../skills/andon.md")),
    (
        "improve-architecture",
        include_str!("../../../skills/improve-architecture.md"),
    ),
];

/// The text of skill `name`: the repo's file, else the built-in one.
pub fn find(repo_root: &Path, name: &str) -> Option<String> {
    let path = repo_root.join("skills").join(format!("{name}.md"));
    std::fs::read_to_string(path).ok().or_else(|| {
        BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
    })
}

/// Names a plan may use: the built-ins and the repo's `skills/*.md`.
pub fn known(repo_root: &Path) -> Vec<String> {
    let mut names: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
    if let Ok(dir) = std::fs::read_dir(repo_root.join("skills")) {
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(stem) = name.strip_suffix(".md") {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// (name, text) pairs for the prompt.
pub fn load(repo_root: &Path, plan: &Plan, mode: Mode) -> Vec<(String, String)> {
    let names: Vec<String> = match mode {
        Mode::Plan => vec!["andon".into(), "diagnose".into()],
        Mode::Code => plan.skill.iter().cloned().collect(),
    };
    names
        .into_iter()
        .filter_map(|name| find(repo_root, &name).map(|text| (name, text)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repo_overrides_a_built_in_skill() {
        let dir = tempfile::tempdir().unwrap();
        assert!(find(dir.path(), "tdd")
            .unwrap()
            .contains("red–green–refactor"));
        assert_eq!(find(dir.path(), "nope"), None);
        std::fs::create_dir(dir.path().join("skills")).unwrap();
        std::fs::write(dir.path().join("skills/tdd.md"), "our own tdd").unwrap();
        std::fs::write(dir.path().join("skills/review.md"), "review").unwrap();
        assert_eq!(find(dir.path(), "tdd").as_deref(), Some("our own tdd"));
        assert!(known(dir.path()).contains(&"review".to_string()));
    }
}
