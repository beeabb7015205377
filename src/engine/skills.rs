//! The skills composed into a prompt: the plan's skill in code mode, the line-stop and
//! diagnosis procedures in plan mode. A repo's own `skills/<name>.md` is used when present.

use std::path::Path;

use crate::core::plan::Plan;
use crate::core::state::Mode;

/// (name, text) pairs for the prompt; a skill with no file is left out.
pub fn load(repo_root: &Path, plan: &Plan, mode: Mode) -> Vec<(String, String)> {
    let names: Vec<String> = match mode {
        Mode::Plan => vec!["andon".into(), "diagnose".into()],
        Mode::Code => plan.skill.iter().cloned().collect(),
    };
    names
        .into_iter()
        .filter_map(|name| {
            let path = repo_root.join("skills").join(format!("{name}.md"));
            std::fs::read_to_string(path).ok().map(|text| (name, text))
        })
        .collect()
}
