//! The environment handed to agents and checks: the host environment through the allow/deny
//! filter, the profile's own variables, and andon's contract variables (DESIGN §5).

use crate::config::{AgentProfile, EnvPolicy};
use crate::pty::reaper::TOKEN_VAR;
use andon_core::state::Mode;

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
    /// The supervisor's control socket, for `andon signal done` from an agent's hook.
    /// Agents only: checks have no business steering the supervisor.
    pub socket: Option<&'a str>,
}

/// Where an executable `program` is: a path (relative ones against `base`), or a name looked
/// up on PATH.
pub fn find_program(program: &str, base: &std::path::Path) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &std::path::Path| {
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if program.contains('/') {
        let p = std::path::Path::new(program);
        return [p.to_path_buf(), base.join(p)]
            .into_iter()
            .find(|p| executable(p));
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|p| executable(p))
}

/// The names of `host` variables the policy keeps from a child (with the profile's own
/// allowances): what an agent that fails naming one of them was not given.
pub fn withheld(
    policy: &EnvPolicy,
    profile: Option<&AgentProfile>,
    host: impl IntoIterator<Item = (String, String)>,
) -> Vec<String> {
    let allow: &[String] = profile.map(|p| p.env_allow.as_slice()).unwrap_or(&[]);
    host.into_iter()
        .filter(|(k, v)| !policy.passes_var(k, v, allow))
        .map(|(k, _)| k)
        .collect()
}

/// What andon redacts from text it did not write: the secret-looking values of the `host`
/// variables the policy keeps from children (a profile's own allowance does not make its key
/// public), and of the variables the profiles set themselves.
pub fn redactor<'a>(
    policy: &EnvPolicy,
    profiles: impl IntoIterator<Item = &'a AgentProfile>,
    host: impl IntoIterator<Item = (String, String)>,
) -> andon_core::redact::Redactor {
    use andon_core::redact::looks_secret;
    let withheld = host
        .into_iter()
        .filter(|(k, v)| !policy.passes_var(k, v, &[]));
    let set = profiles
        .into_iter()
        .flat_map(|p| p.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    andon_core::redact::Redactor::new(withheld.chain(set).filter(|(k, v)| looks_secret(k, v)))
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
        // andon's own contract variables are set below and win over inherited ones.
        .filter(|(k, v)| policy.passes_var(k, v, allow))
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
    if let Some(socket) = vars.socket {
        env.push(("ANDON_SOCKET".into(), socket.to_string()));
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

/// `env` with `extra` laid over it: a name in both takes `extra`'s value.
pub fn overlay(
    mut env: Vec<(String, String)>,
    extra: Vec<(String, String)>,
) -> Vec<(String, String)> {
    env.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    env.extend(extra);
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> AndonVars<'static> {
        AndonVars {
            loop_name: "l",
            iteration: 2,
            prompt_file: "/p",
            worktree: "/w",
            mode: Mode::Plan,
            base: "abc",
            fix_plan: "/f",
            supervisor_token: "tok",
            socket: Some("/r/.andon/control.sock"),
        }
    }

    #[test]
    fn secrets_are_filtered_and_contract_variables_win() {
        let host = [
            ("PATH", "/bin"),
            ("GITHUB_TOKEN", "secret"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("ANDON_LOOP", "stale"),
            ("ANDON_SIM_SPEED", "0"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let env = child_env(&crate::config::Config::defaults().env, None, &vars(), host);
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PATH"), Some("/bin"));
        assert_eq!(get("GITHUB_TOKEN"), None);
        assert_eq!(get("AWS_SECRET_ACCESS_KEY"), None);
        assert_eq!(get("ANDON_LOOP"), Some("l"));
        assert_eq!(get("ANDON_ITERATION"), Some("2"));
        assert_eq!(get("ANDON_MODE"), Some("plan"));
        assert_eq!(get("ANDON_SIM_SPEED"), Some("0"));
        assert_eq!(get("TERM"), Some("xterm-256color"));
        assert_eq!(env.iter().filter(|(k, _)| k == "ANDON_LOOP").count(), 1);
    }
}
