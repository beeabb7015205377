//! One way to start a child in a loop's PTY, for the agent's one-shot run, its interactive
//! session and the reviewer alike: the profile's argv with the prompt where the profile wants
//! it, the filtered environment with andon's variables, a fresh copy of the CLI's state, the
//! sandbox around it all — and, for runs that end, the output sent to the pane while a tail
//! (and the sandbox's refusals) are kept for the verdict.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::config::{AgentProfile, PromptMode};
use crate::engine::iteration::argv::{absolutize_repo_paths, prompt_argument};
use crate::engine::iteration::env::{child_env, overlay, AndonVars};
use crate::engine::iteration::tail::Tail;
use crate::engine::sandbox::{Launch, LoopSandbox, StateCopy};
use crate::engine::spec::LoopSpec;
use crate::engine::supervisor::shared::{OutputHook, Shared};
use crate::pty::spawn::{PtyChild, PtySpec};
use crate::pty::PtyError;
use andon_core::failure::sandbox_denial::DenialLines;
use andon_core::template::{expand, TemplateVars};

/// The prompt a child is given, and the file it is also written to.
pub(crate) struct Prompt<'a> {
    pub text: &'a str,
    pub file: &'a Path,
    /// Passed as the profile says (`prompt = "arg"` or `"stdin"`); false for an interactive
    /// session, whose briefs are pasted into it turn by turn.
    pub passed: bool,
}

/// A command ready to spawn: argv (wrapped by the sandbox), environment, what its standard
/// input gets, and the copy of the CLI's state it runs with.
pub(crate) struct ChildCommand {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Option<Vec<u8>>,
    pub state: Option<StateCopy>,
}

/// The argv of `profile`'s command template for this run; with `prompt = "arg"` and no
/// `{prompt}` in the template, the prompt is appended.
pub(crate) fn argv(
    s: &Shared,
    spec: &LoopSpec,
    profile: &AgentProfile,
    iteration: u32,
    prompt: &Prompt,
) -> Result<Vec<String>, String> {
    let prompt_file = prompt.file.to_string_lossy().to_string();
    let vars = TemplateVars {
        prompt: prompt_argument(prompt.text, &prompt_file),
        prompt_file: prompt_file.clone(),
        worktree: spec.worktree.to_string_lossy().to_string(),
        repo: s.repo_root().to_string_lossy().to_string(),
        loop_name: spec.name.clone(),
        iteration,
        andon: s.andon_exe().to_string_lossy().to_string(),
    };
    let template = absolutize_repo_paths(&profile.command, s.repo_root());
    let mut argv = expand(&template, &vars).map_err(|e| e.to_string())?;
    let mentions_prompt = profile.command.iter().any(|a| a.contains("{prompt}"));
    if prompt.passed && profile.prompt == PromptMode::Arg && !mentions_prompt {
        argv.push(prompt_argument(prompt.text, &prompt_file));
    }
    Ok(argv)
}

/// The filtered environment with andon's variables, then the sandbox's own (the loop's temp
/// folder) and where the CLI keeps its state.
pub(crate) fn env(
    s: &Shared,
    profile: &AgentProfile,
    vars: &AndonVars,
    sandbox: Option<&LoopSandbox>,
    state: Option<&StateCopy>,
) -> Vec<(String, String)> {
    let env = child_env(&s.config().env, Some(profile), vars, std::env::vars());
    let mut ours = sandbox.map(LoopSandbox::env).unwrap_or_default();
    ours.extend(state.map(|c| c.env().to_vec()).unwrap_or_default());
    overlay(env, ours)
}

/// The whole command for `profile` in this loop: argv, environment, a fresh copy of the
/// CLI's state for `launch`, and the sandbox around them.
pub(crate) fn command(
    s: &Shared,
    spec: &LoopSpec,
    profile: &AgentProfile,
    launch: Launch,
    sandbox: Option<&LoopSandbox>,
    prompt: &Prompt,
    vars: &AndonVars,
) -> Result<ChildCommand, String> {
    let mut argv = argv(s, spec, profile, vars.iteration, prompt)?;
    let state = sandbox.and_then(|b| b.agent_state(profile.family(), launch));
    let env = env(s, profile, vars, sandbox, state.as_ref());
    if let Some(sandbox) = sandbox {
        argv = sandbox.wrap(&argv, state.as_ref(), profile.network);
    }
    let stdin = (prompt.passed && profile.prompt == PromptMode::Stdin)
        .then(|| prompt.text.as_bytes().to_vec());
    Ok(ChildCommand {
        argv,
        env,
        stdin,
        state,
    })
}

impl ChildCommand {
    /// The command in loop `spec`'s worktree, at the pane's size `(rows, cols)`, logging to
    /// `log_path`.
    pub fn in_pane(
        self,
        spec: &LoopSpec,
        (rows, cols): (u16, u16),
        log_path: std::path::PathBuf,
    ) -> (PtySpec, Option<StateCopy>) {
        let pty = PtySpec {
            argv: self.argv,
            cwd: spec.worktree.clone(),
            env: self.env,
            rows,
            cols,
            log_path,
            stdin_data: self.stdin,
        };
        (pty, self.state)
    }
}

/// What a run's output leaves behind: its last bytes, and the sandbox's refusals caught as
/// the bytes streamed (so a flood cannot push them out of the tail).
#[derive(Clone)]
pub(crate) struct Kept {
    tail: Arc<Mutex<Tail>>,
    denials: Option<Arc<Mutex<DenialLines>>>,
}

impl Kept {
    /// The last bytes of output, as text.
    pub fn text(&self) -> String {
        self.tail.lock().map(|t| t.text()).unwrap_or_default()
    }

    /// The lines the sandbox's refusals are read from.
    pub fn denial_lines(&self) -> Vec<String> {
        match &self.denials {
            Some(d) => d.lock().map(|d| d.lines()).unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

/// Spawns `pty` as loop `name`'s child: its output goes to `output` (the pane) and its log,
/// and the last `tail_bytes` (with the refusals, when `denials`) are kept.
pub(crate) fn spawn_kept(
    name: &str,
    pty: PtySpec,
    output: Option<OutputHook>,
    tail_bytes: usize,
    denials: bool,
) -> Result<(PtyChild, Kept), PtyError> {
    let kept = Kept {
        tail: Arc::new(Mutex::new(Tail::new(tail_bytes))),
        denials: denials.then(|| Arc::new(Mutex::new(DenialLines::new()))),
    };
    let sink = kept.clone();
    let name = name.to_string();
    let child = PtyChild::spawn(
        pty,
        Box::new(move |bytes: &[u8]| {
            if let Ok(mut t) = sink.tail.lock() {
                t.push(bytes);
            }
            if let Some(Ok(mut d)) = sink.denials.as_ref().map(|d| d.lock()) {
                d.push(bytes);
            }
            if let Some(out) = &output {
                out(&name, bytes);
            }
        }),
    )?;
    Ok((child, kept))
}
