//! andon's configuration: built-in defaults, then the user config
//! (`~/.config/andon/config.toml`), then the repo's `andon.toml`, each layer overriding
//! what it sets; and the per-plan view of it (breakers, protected files, agent profile).

mod env_policy;
mod files;
mod floor;
mod layer;
mod profile;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use env_policy::{name_matches, EnvPolicy};
pub use files::{read_plan, read_text};
pub use floor::{patterns_overlap, Floor};
use floor::{FloorFrom, RepoContext};
pub use layer::{parse_layer, AgentLayer, ConfigLayer, Located};
pub use profile::{
    builtin_command, builtin_profiles, install_hint, AgentMode, AgentProfile, Family, PromptMode,
    TurnEnd,
};

use andon_core::breaker_overrides::BreakerOverrides;
use andon_core::file_error::FileError;
use andon_core::plan::Plan;
use andon_core::sandbox::{effective, SandboxSetting};
use andon_core::suggest::nearest;
use andon_core::template::{self, TemplateError, TemplateVars};

pub type ConfigError = FileError;

/// Lines of history a pane keeps in memory by default: a cell costs 24 bytes, so deeper
/// history is read from the iteration's `agent.log` instead.
pub const DEFAULT_SCROLLBACK: usize = 2_000;

/// The repo's config file, at its root.
pub const REPO_CONFIG: &str = "andon.toml";

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub agents: BTreeMap<String, AgentProfile>,
    /// The profile for plans that name none.
    pub default_agent: String,
    pub breakers: Breakers,
    pub guards: Guards,
    pub worktrees: Worktrees,
    pub ui: Ui,
    pub env: EnvPolicy,
    pub sandbox: Sandbox,
    /// Who is recorded in the audit table; `None` means the caller decides (e.g. `$USER`).
    pub actor: Option<String>,
    /// How an approved loop is merged.
    pub merge: Merge,
    /// `andon run --agent NAME`: this profile for every plan, whatever the plans name. Set by
    /// the command line only.
    pub agent_override: Option<String>,
    /// What andon's defaults and the user config protect: a repository may not loosen it.
    pub floor: Floor,
    /// Preventions adopted from the Kaizen board: every new loop gets them.
    pub standards: andon_core::standards::Standards,
    /// `[line]`: what holds across the loops.
    pub line: LineConfig,
    /// `[notify]`: the Andon call.
    pub notify: NotifyConfig,
    /// `[pr]`: following a loop's pull request.
    pub pr: PrConfig,
}

/// `[notify]`: which changes call a human, and the sinks the call goes to (the user's config
/// alone sets sinks: they run programs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    pub on: Vec<andon_core::notify::Call>,
    /// A command run per notification, and the file and line that set it.
    pub command: Option<(Vec<String>, PathBuf, usize)>,
    /// Desktop notifications through the board's terminal.
    pub terminal: bool,
    /// How long a sink may run before it is ended.
    pub timeout: Duration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            on: andon_core::notify::Call::ALL.to_vec(),
            command: None,
            terminal: false,
            timeout: Duration::from_secs(10),
        }
    }
}

/// `[pr] push`: who pushes a followed PR's green fix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PushMode {
    /// A human confirms each push (`andon approve LOOP --pr`, or the board).
    #[default]
    Ask,
    /// andon pushes it, and audits the push.
    Auto,
}

/// `[pr]`: following a loop's pull request after `approve --pr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrConfig {
    /// Follow the PR's CI and reviews, feeding failures and change requests back.
    pub follow: bool,
    pub push: PushMode,
    /// Reviewers whose change requests reach the agent besides those with write access.
    pub reviewers: Vec<String>,
    /// How often the PR is looked at.
    pub poll: Duration,
}

impl Default for PrConfig {
    fn default() -> Self {
        PrConfig {
            follow: false,
            push: PushMode::Ask,
            reviewers: Vec::new(),
            poll: Duration::from_secs(60),
        }
    }
}

/// `[line]`: what holds across the loops of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineConfig {
    /// The same failure in several loops this close together, green at their baselines,
    /// is a common cause.
    pub common_cause_window: Duration,
    /// At most this many loops work at once (`None`: no limit); more wait in the queue.
    pub max_running: Option<usize>,
    /// No new loop starts while this many diffs wait for a human (`None`: no limit).
    pub max_awaiting_review: Option<usize>,
}

impl Default for LineConfig {
    fn default() -> Self {
        LineConfig {
            common_cause_window: Duration::from_millis(
                andon_core::common_cause::WINDOW_MS.unsigned_abs(),
            ),
            max_running: None,
            max_awaiting_review: None,
        }
    }
}

/// `[merge]`: how an approved loop lands on the base branch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merge {
    /// Keep every iteration's commit (a merge commit) instead of one squashed commit.
    pub history: bool,
}

/// Breaker thresholds (DESIGN §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakers {
    /// Failed iterations in a row before Meta-Andon.
    pub consecutive_failures: u32,
    /// The same fingerprint this many times in a row is the Insanity Rule.
    pub repeat_fingerprint: u32,
    /// No file change and no output for this long aborts the iteration.
    pub no_progress: Duration,
    pub max_iterations: u32,
    /// This many out-of-scope files in one iteration stops the line.
    pub out_of_scope_stop: u32,
    pub iteration_timeout: Duration,
    /// The first wait after a rate limit; each further one doubles, up to 10 minutes.
    pub rate_limit_wait: Duration,
}

impl Default for Breakers {
    fn default() -> Self {
        Self {
            consecutive_failures: 3,
            repeat_fingerprint: 3,
            no_progress: Duration::from_secs(10 * 60),
            max_iterations: 10,
            out_of_scope_stop: 5,
            iteration_timeout: Duration::from_secs(30 * 60),
            rate_limit_wait: Duration::from_secs(30),
        }
    }
}

impl Breakers {
    /// Takes every threshold the overrides set.
    pub fn apply(&mut self, overrides: &BreakerOverrides) {
        let o = overrides;
        self.consecutive_failures = o.consecutive_failures.unwrap_or(self.consecutive_failures);
        self.repeat_fingerprint = o.repeat_fingerprint.unwrap_or(self.repeat_fingerprint);
        self.no_progress = o.no_progress.unwrap_or(self.no_progress);
        self.max_iterations = o.max_iterations.unwrap_or(self.max_iterations);
        self.out_of_scope_stop = o.out_of_scope_stop.unwrap_or(self.out_of_scope_stop);
        self.iteration_timeout = o.iteration_timeout.unwrap_or(self.iteration_timeout);
        self.rate_limit_wait = o.rate_limit_wait.unwrap_or(self.rate_limit_wait);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guards {
    /// Globs of files whose change is spec drift, for plans that do not set `protected`.
    pub protected: Vec<String>,
}

impl Default for Guards {
    fn default() -> Self {
        let protected = ["tests/**", "**/*_test.*", "**/*.test.*", "**/test_*.py"];
        Self {
            protected: protected.iter().map(|s| s.to_string()).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worktrees {
    /// Where loop worktrees live; `{repo}` is the repository's directory name and a
    /// relative path is relative to the repository root.
    pub root: String,
    /// Shell commands run in a new worktree (argv templates, e.g. `{worktree}`).
    pub setup: Vec<String>,
}

impl Default for Worktrees {
    fn default() -> Self {
        Self {
            root: "../{repo}.worktrees".into(),
            setup: Vec::new(),
        }
    }
}

impl Worktrees {
    /// The worktree root for a repository. Pure path arithmetic: nothing is created.
    pub fn root_for(&self, repo_root: &Path) -> Result<PathBuf, TemplateError> {
        let name = repo_root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let vars = TemplateVars {
            repo: name,
            ..TemplateVars::default()
        };
        let expanded = template::expand(std::slice::from_ref(&self.root), &vars)?;
        Ok(repo_root.join(expanded.concat()))
    }
}

/// `[sandbox]`: the mode for loops whose plan and profile say nothing, and the directories
/// every sandboxed agent and check may write besides its loop's own places.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sandbox {
    pub mode: Option<SandboxSetting>,
    /// Absolute or `~/...` paths of data only, e.g. `~/.cargo/registry`, `~/.cache`.
    pub cache_dirs: Vec<String>,
    /// Credential stores the sandbox hides that loops may read after all (absolute or `~/...`).
    pub allow_read: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ui {
    pub theme: String,
    /// Detaches from an attached agent.
    pub escape: String,
    /// Lines of history each pane keeps in memory (the whole output is in `agent.log`).
    pub scrollback: usize,
}

impl Default for Ui {
    fn default() -> Self {
        Self {
            theme: "default".into(),
            escape: "ctrl-g".into(),
            scrollback: DEFAULT_SCROLLBACK,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::defaults()
    }
}

impl Config {
    /// The built-in configuration, before any file.
    pub fn defaults() -> Self {
        let mut config = Self {
            agents: builtin_profiles(),
            default_agent: "claude".into(),
            breakers: Breakers::default(),
            guards: Guards::default(),
            worktrees: Worktrees::default(),
            ui: Ui::default(),
            env: EnvPolicy::default(),
            sandbox: Sandbox::default(),
            actor: None,
            merge: Merge::default(),
            agent_override: None,
            floor: Floor::default(),
            standards: andon_core::standards::Standards::default(),
            line: LineConfig::default(),
            notify: NotifyConfig::default(),
            pr: PrConfig::default(),
        };
        config.floor = Floor::new(FloorFrom {
            defaults_deny: &config.env.deny,
            user_config: None,
            user_file_read: false,
            config: &config,
        });
        config
    }

    /// Loads the defaults, then `user_config` (when given and present), then
    /// `<repo_root>/andon.toml` (when present).
    ///
    /// What the defaults and the user config protect is a floor: the repository's file may
    /// tighten it, and is refused where it would loosen it; its deny list adds to the floor's.
    pub fn load(repo_root: &Path, user_config: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = Self::defaults();
        let defaults_deny = config.env.deny.clone();
        let mut user_file_read = false;
        if let Some(path) = user_config {
            if let Some(text) = read_text(path)? {
                config.apply(parse_layer(path, &text)?)?;
                user_file_read = true;
            }
        }
        config.floor = Floor::new(FloorFrom {
            defaults_deny: &defaults_deny,
            user_config,
            user_file_read,
            config: &config,
        });
        let repo_config = repo_root.join(REPO_CONFIG);
        if let Some(text) = read_text(&repo_config)? {
            let layer = parse_layer(&repo_config, &text)?;
            let host: Vec<(String, String)> = std::env::vars().collect();
            let repo = RepoContext {
                repo_root,
                host: &host,
            };
            config.floor.check(&layer, &repo)?;
            config.apply(layer)?;
        }
        for pattern in config.floor.deny_patterns() {
            if !config.env.deny.contains(pattern) {
                config.env.deny.push(pattern.clone());
            }
        }
        Ok(config)
    }

    /// Applies one layer on top. A new `[agents.NAME]` needs a `command`; one naming an
    /// existing profile overrides only the fields it sets.
    pub fn apply(&mut self, layer: ConfigLayer) -> Result<(), ConfigError> {
        for (name, agent) in layer.agents {
            let line = agent.line;
            let profile = self.merge_agent(&layer.path, &name, agent)?;
            let uses_prompt = template::placeholders(&profile.command)
                .is_ok_and(|used| used.iter().any(|p| p == "prompt"));
            // An interactive agent gets its prompt pasted, whatever `prompt` says.
            let oneshot = profile.mode == AgentMode::Oneshot;
            if oneshot && profile.prompt == PromptMode::Arg && !uses_prompt {
                return Err(FileError::new(
                    &layer.path,
                    line,
                    format!("agent `{name}` takes its prompt as an argument but its command has no {{prompt}}"),
                    "put \"{prompt}\" where the prompt goes in `command`, or set prompt = \"file\" \
                     or prompt = \"stdin\"",
                ));
            }
            self.agents.insert(name, profile);
        }
        if let Some(default) = layer.default_agent {
            if !self.agents.contains_key(&default.value) {
                return Err(self.unknown_agent(&layer.path, default.line, &default.value));
            }
            self.default_agent = default.value;
        }
        replace(&mut self.actor, layer.actor.map(Some));
        self.breakers.apply(&layer.breakers);
        replace(&mut self.guards.protected, layer.protected);
        replace(&mut self.worktrees.root, layer.worktree_root);
        replace(&mut self.worktrees.setup, layer.worktree_setup);
        replace(&mut self.ui.theme, layer.theme);
        replace(&mut self.ui.escape, layer.escape);
        replace(&mut self.ui.scrollback, layer.scrollback);
        replace(&mut self.env.allow, layer.env_allow);
        replace(&mut self.env.deny, layer.env_deny);
        if let Some(mode) = layer.sandbox_mode {
            self.sandbox.mode = Some(SandboxSetting {
                mode: mode.value,
                file: layer.path.clone(),
                line: mode.line,
            });
        }
        replace(&mut self.sandbox.cache_dirs, layer.cache_dirs);
        replace(&mut self.sandbox.allow_read, layer.allow_read);
        replace(&mut self.merge.history, layer.merge_history);
        replace(
            &mut self.line.common_cause_window,
            layer.common_cause_window,
        );
        let notify = layer.notify;
        replace(&mut self.notify.on, notify.on);
        if let Some(c) = notify.command {
            self.notify.command = Some((c.value, layer.path.clone(), c.line));
        }
        if let Some(t) = notify.terminal {
            self.notify.terminal = t.value;
        }
        replace(&mut self.notify.timeout, notify.timeout);
        let pr = layer.pr;
        replace(&mut self.pr.follow, pr.follow);
        replace(&mut self.pr.push, pr.push.map(|p| p.value));
        replace(&mut self.pr.reviewers, pr.reviewers.map(|r| r.value));
        replace(&mut self.pr.poll, pr.poll);
        if layer.max_running.is_some() {
            self.line.max_running = layer.max_running;
        }
        if layer.max_awaiting_review.is_some() {
            self.line.max_awaiting_review = layer.max_awaiting_review;
        }
        // Standards add up: a user's and a repository's both apply.
        self.standards = std::mem::take(&mut self.standards).merged(layer.standards);
        Ok(())
    }

    fn merge_agent(
        &self,
        file: &Path,
        name: &str,
        agent: AgentLayer,
    ) -> Result<AgentProfile, ConfigError> {
        let mut profile = match self.agents.get(name) {
            Some(existing) => existing.clone(),
            None => {
                let Some(command) = agent.command.clone() else {
                    let hint = nearest(name, self.agents.keys().map(String::as_str))
                        .map(|n| {
                            format!("if you meant to change the built-in, write [agents.{n}]; ")
                        })
                        .unwrap_or_default();
                    return Err(FileError::new(
                        file,
                        agent.line,
                        format!("the agent profile `{name}` is new but has no `command`"),
                        format!(
                            "{hint}add command = [\"bash\", \"agents/{name}.sh\", \"{{prompt_file}}\"] \
                             below [agents.{name}]"
                        ),
                    ));
                };
                let mut profile = AgentProfile {
                    name: name.to_string(),
                    command,
                    prompt: PromptMode::File,
                    mode: AgentMode::Oneshot,
                    env: BTreeMap::new(),
                    env_allow: Vec::new(),
                    sandbox: None,
                    network: true,
                    turn: TurnEnd::default(),
                };
                // A custom profile that runs a known agent's TUI knows what its screen
                // looks like when idle.
                if let Some(builtin) = profile
                    .family()
                    .and_then(|f| self.agents.get(f.builtin_name()))
                {
                    profile.turn = builtin.turn.clone();
                }
                profile
            }
        };
        // `mode = "interactive"` alone switches a built-in to its own TUI command.
        if let (Some(mode), None) = (agent.mode, &agent.command) {
            if mode != profile.mode {
                match builtin_command(name, mode) {
                    Some(command) => profile.command = command,
                    None if mode == AgentMode::Interactive => {
                        return Err(FileError::new(
                            file,
                            agent.line,
                            format!("agent `{name}` has no built-in interactive command"),
                            format!(
                                "give its TUI command too: command = [...] below [agents.{name}], \
                                 or use claude, codex or sim, which have one"
                            ),
                        ));
                    }
                    None => {}
                }
            }
        }
        replace(&mut profile.command, agent.command);
        replace(&mut profile.prompt, agent.prompt);
        replace(&mut profile.mode, agent.mode);
        replace(&mut profile.env, agent.env);
        replace(&mut profile.env_allow, agent.env_allow);
        replace(&mut profile.turn.idle, agent.idle);
        replace(&mut profile.turn.idle_marker, agent.idle_marker.map(Some));
        replace(&mut profile.turn.busy_marker, agent.busy_marker.map(Some));
        replace(&mut profile.network, agent.network);
        if let Some(mode) = agent.sandbox {
            profile.sandbox = Some(SandboxSetting {
                mode: mode.value,
                file: file.to_path_buf(),
                line: mode.line,
            });
        }
        Ok(profile)
    }

    /// The plan's breakers: the config's, then the plan's `[breakers]`, then its top-level
    /// `max_iterations` and `iteration_timeout`.
    pub fn breakers_for(&self, plan: &Plan) -> Breakers {
        let mut breakers = self.breakers.clone();
        breakers.apply(&plan.breakers);
        breakers.apply(&BreakerOverrides {
            max_iterations: plan.max_iterations,
            iteration_timeout: plan.iteration_timeout,
            rate_limit_wait: None,
            ..BreakerOverrides::default()
        });
        breakers
    }

    /// The plan's protected globs: its own list, else the config's.
    pub fn protected_for<'a>(&'a self, plan: &'a Plan) -> &'a [String] {
        plan.protected.as_deref().unwrap_or(&self.guards.protected)
    }

    /// The sandbox setting that governs `plan` run by `profile`: the plan's, else the
    /// profile's, else `[sandbox] mode`; `None` means off.
    pub fn sandbox_for<'a>(
        &'a self,
        plan: &'a Plan,
        profile: &'a AgentProfile,
    ) -> Option<&'a SandboxSetting> {
        effective(
            plan.sandbox.as_ref(),
            profile.sandbox.as_ref(),
            self.sandbox.mode.as_ref(),
        )
    }

    /// The plan's agent profile: the one it names, else the default.
    pub fn profile_for(&self, plan: &Plan) -> Result<&AgentProfile, ConfigError> {
        let name = self
            .agent_override
            .as_deref()
            .or(plan.agent.as_deref())
            .unwrap_or(&self.default_agent);
        self.agents.get(name).ok_or_else(|| match plan.agent_line {
            Some(line) => self.unknown_agent(&plan.path, line, name),
            None => self.unknown_agent(Path::new(REPO_CONFIG), 0, name),
        })
    }

    fn unknown_agent(&self, file: &Path, line: usize, name: &str) -> ConfigError {
        let known: Vec<&str> = self.agents.keys().map(String::as_str).collect();
        let guess = nearest(name, known.iter().copied())
            .map(|n| format!("did you mean `{n}`? "))
            .unwrap_or_default();
        FileError::new(
            file,
            line,
            format!("unknown agent profile `{name}`"),
            format!(
                "{guess}Known profiles: {}; or add [agents.{name}] with a command to andon.toml",
                known.join(", ")
            ),
        )
    }
}

/// Overwrites `slot` when the layer set a value.
fn replace<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

#[cfg(test)]
mod tests;
