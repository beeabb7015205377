//! The environment handed to agents and checks: the host environment through the allow/deny
//! filter, the profile's own variables, and andon's contract variables (DESIGN §5).

use crate::config::{AgentProfile, EnvPolicy};
use crate::core::state::Mode;
use crate::pty::reaper::TOKEN_VAR;

/// andon's variables for one iteration.
pub struct AndonVars<'a> {
    pub loop_name: &'a str,
    pub iteration: u32,
    pub prompt_file: &'a str,
    pub worktree: &'a str,
    pub mode: Mode,
    pub base: &'a str,
    pub fix_plan: &'a str,
    pub supervisor_token: &'a str,
}

/// Build the complete environment for a child. `host` is andon's own environment.
pub fn child_env(
    policy: &EnvPolicy,
    profile: Option<&AgentProfile>,
    vars: &AndonVars,
    host: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String)> {
    let allow: &[String] = profile.map(|p| p.env_allow.as_slice()).unwrap_or(&[]);
    let mut env: Vec<(String, String)> = host
        .into_iter()
        .filter(|(k, _)| !k.starts_with("ANDON_") && policy.passes(k, allow))
        .collect();
    if let Some(p) = profile {
        for (k, v) in &p.env {
            env.push((k.clone(), v.clone()));
        }
    }
    let ours = [
        ("ANDON_LOOP", vars.loop_name.to_string()),
        ("ANDON_ITERATION", vars.iteration.to_string()),
        ("ANDON_PROMPT_FILE", vars.prompt_file.to_string()),
        ("ANDON_WORKTREE", vars.worktree.to_string()),
        ("ANDON_MODE", vars.mode.as_str().to_string()),
        ("ANDON_BASE", vars.base.to_string()),
        ("ANDON_FIX_PLAN", vars.fix_plan.to_string()),
        (TOKEN_VAR, vars.supervisor_token.to_string()),
    ];
    for (k, v) in ours {
        env.push((k.to_string(), v));
    }
    if !env.iter().any(|(k, _)| k == "TERM") {
        env.push(("TERM".into(), "xterm-256color".into()));
    }
    // Later entries win: dedupe keeping the last value of each name.
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<(String, String)> = env
        .into_iter()
        .rev()
        .filter(|(k, _)| seen.insert(k.clone()))
        .collect();
    out.reverse();
    out
}
