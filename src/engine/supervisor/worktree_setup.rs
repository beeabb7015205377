//! `[worktrees] setup`: the commands run in a new loop's worktree before its agent starts.
//! They are the repository's code, so they get what a check gets: the filtered environment,
//! the loop's sandbox, and placeholders filled in as quoted data.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::config::Config;
use crate::engine::input_error::InputError;
use crate::engine::sandbox::LoopSandbox;
use crate::engine::spec::LoopSpec;
use andon_core::shell_fill::{fill, variable, SETUP_PLACEHOLDERS};

/// Runs every setup command for `spec`'s new worktree; the first failure refuses the loop.
pub fn run(config: &Config, repo_root: &Path, spec: &LoopSpec) -> Result<(), InputError> {
    let worktree = spec.worktree.to_string_lossy();
    let repo = repo_root.to_string_lossy();
    let values = [
        ("worktree", worktree.as_ref()),
        ("repo", repo.as_ref()),
        ("loop", spec.name.as_str()),
    ];
    let sandbox = LoopSandbox::for_setup(config, repo_root, spec);
    let env = crate::engine::iteration::env::overlay(
        setup_env(config, &values, std::env::vars()),
        sandbox.as_ref().map(LoopSandbox::env).unwrap_or_default(),
    );
    for template in &config.worktrees.setup {
        let cmd = fill(template, SETUP_PLACEHOLDERS);
        let argv = vec!["sh".to_string(), "-c".into(), cmd.clone()];
        let argv = match &sandbox {
            Some(sandbox) => sandbox.wrap_setup(&argv),
            None => argv,
        };
        let status = Command::new(&argv[0])
            .args(&argv[1..])
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(&spec.worktree)
            .stdin(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                return Err(InputError::new(
                    Some((repo_root.join(crate::config::REPO_CONFIG), None)),
                    format!(
                        "worktree setup command `{template}` failed ({s}) for loop {}",
                        spec.name
                    ),
                    "fix the command in [worktrees] setup (it runs with sh -c inside the new \
                     worktree, with the agents' environment and sandbox)",
                ))
            }
            Err(e) => {
                return Err(InputError::new(
                    None,
                    format!("cannot run setup command `{template}`: {e}"),
                    "check that sh is installed",
                ))
            }
        }
    }
    Ok(())
}

/// The environment of a setup command: andon's own, less what the deny list keeps from
/// agents, plus the placeholders as `ANDON_WORKTREE`, `ANDON_REPO` and `ANDON_LOOP`.
fn setup_env(
    config: &Config,
    values: &[(&str, &str)],
    host: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = host
        .into_iter()
        .filter(|(k, v)| config.env.passes_var(k, v, &[]) && !k.starts_with("ANDON_"))
        .collect();
    for (name, value) in values {
        env.push((variable(name), value.to_string()));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_gets_the_filtered_environment_and_its_placeholders() {
        let config = Config::defaults();
        let host = [
            ("PATH", "/usr/bin"),
            ("GITHUB_TOKEN", "ghp_x"),
            ("MY_SECRET", "s"),
            ("ANDON_SUPERVISOR_TOKEN", "t"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let env = setup_env(&config, &[("worktree", "/w t"), ("loop", "l")], host);
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["PATH", "ANDON_WORKTREE", "ANDON_LOOP"]);
        assert_eq!(env[1].1, "/w t");
    }
}
