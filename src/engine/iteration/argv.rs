//! An agent's command line: the profile's argv template with a relative program made
//! absolute, and the prompt as an argument when it fits in one.

use std::path::Path;

/// Linux refuses a single argument over 128 KiB (E2BIG); a prompt that long goes as a
/// pointer to its file instead.
const ARG_PROMPT_MAX: usize = 100 * 1024;

/// The prompt as one command-line argument: itself, or — past [`ARG_PROMPT_MAX`] — the
/// instruction to read it from its file.
pub(crate) fn prompt_argument(prompt: &str, prompt_file: &str) -> String {
    if prompt.len() <= ARG_PROMPT_MAX {
        prompt.to_string()
    } else {
        format!("Read {prompt_file} and do what it says: it is your whole brief.")
    }
}

/// A relative program path (e.g. `agents/fixer.sh`) names a file under the repo root
/// (DESIGN §5), so it is made absolute; the other arguments stay relative to the worktree,
/// which holds the same committed files — so `sh agents/fixer.sh` works either way.
pub(crate) fn absolutize_repo_paths(argv: &[String], repo_root: &Path) -> Vec<String> {
    let mut out = argv.to_vec();
    if let Some(program) = out.first_mut() {
        let relative_path =
            program.contains('/') && !program.starts_with('/') && !program.contains('{');
        if relative_path && repo_root.join(&*program).exists() {
            *program = repo_root.join(&*program).to_string_lossy().to_string();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompt_too_long_for_one_argument_goes_by_its_file() {
        assert_eq!(prompt_argument("fix it", "/p.md"), "fix it");
        let huge = "x".repeat(ARG_PROMPT_MAX + 1);
        assert_eq!(
            prompt_argument(&huge, "/l/iter-1/prompt.md"),
            "Read /l/iter-1/prompt.md and do what it says: it is your whole brief."
        );
    }
}
