//! One configuration file (`andon.toml` or the user config) parsed into a [`ConfigLayer`]:
//! only what that file sets, validated, with lines kept for errors found when layering.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::env_policy::{valid_env_name, valid_env_pattern};
use super::profile::{AgentMode, PromptMode};
use super::ConfigError;
use andon_core::breaker_overrides::BreakerOverrides;
use andon_core::duration::parse_duration;
use andon_core::file_error::{check_text, FileError};
use andon_core::sandbox::SandboxMode;
use andon_core::standards::{Prevention, Standards};
use andon_core::template::{self, PLACEHOLDERS};
use andon_core::toml_errors::TomlSource;

/// A value and the file line it was set on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub line: usize,
}

/// What one configuration file sets; `None` (or an absent agent) means "keep the layer
/// below". Lists replace the lower layer's list rather than extending it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigLayer {
    pub path: PathBuf,
    pub default_agent: Option<Located<String>>,
    pub actor: Option<String>,
    pub agents: BTreeMap<String, AgentLayer>,
    pub breakers: BreakerOverrides,
    pub protected: Option<Vec<String>>,
    pub worktree_root: Option<String>,
    pub worktree_setup: Option<Vec<String>>,
    pub theme: Option<String>,
    pub escape: Option<String>,
    pub scrollback: Option<usize>,
    pub env_allow: Option<Vec<String>>,
    /// The lines of `[env] allow`'s patterns.
    pub env_allow_at: Vec<Located<String>>,
    pub env_deny: Option<Vec<String>>,
    pub sandbox_mode: Option<Located<SandboxMode>>,
    pub cache_dirs: Option<Vec<String>>,
    /// The lines of `cache_dirs`' entries.
    pub cache_dirs_at: Vec<Located<String>>,
    /// `[sandbox] allow_read`: credential stores sandboxed loops may read after all.
    pub allow_read: Option<Vec<String>>,
    pub allow_read_at: Vec<Located<String>>,
    /// The line of `[worktrees] root`.
    pub worktree_root_line: usize,
    /// `[merge] history`: a merge keeps the loop's iterations instead of squashing them.
    pub merge_history: Option<bool>,
    /// `[standards]`: preventions adopted from the Kaizen board.
    pub standards: Standards,
    /// `[line] common_cause_window`: how close together one failure in several loops is a
    /// common cause.
    pub common_cause_window: Option<Duration>,
    /// `[notify]`: what calls a human, and where the call goes.
    pub notify: NotifyLayer,
    /// `[line] max_running`: at most this many loops work at once.
    pub max_running: Option<usize>,
    /// `[line] max_awaiting_review`: no new loop starts while this many diffs wait for a human.
    pub max_awaiting_review: Option<usize>,
    /// `[pr]`: following a loop's pull request.
    pub pr: PrLayer,
}

/// `[pr]` as one file sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrLayer {
    pub follow: Option<bool>,
    /// Who pushes a green fix, with the line it is set on (a repository may not set `auto`).
    pub push: Option<Located<crate::config::PushMode>>,
    /// Whose change requests reach the agent, with the line (the user's config alone).
    pub reviewers: Option<Located<Vec<String>>>,
    pub poll: Option<Duration>,
}

/// `[notify]` as one file sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyLayer {
    pub on: Option<Vec<andon_core::notify::Call>>,
    /// A sink: the command run for each notification, with the line it is set on.
    pub command: Option<Located<Vec<String>>>,
    /// A sink: a desktop notification through the terminal the board runs in.
    pub terminal: Option<Located<bool>>,
    /// How long a sink may run before it is ended.
    pub timeout: Option<Duration>,
}

/// An `[agents.NAME]` table: fields for a new profile, or overrides of an existing one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentLayer {
    /// The file line of the `[agents.NAME]` header.
    pub line: usize,
    pub command: Option<Vec<String>>,
    pub prompt: Option<PromptMode>,
    pub mode: Option<AgentMode>,
    pub env: Option<BTreeMap<String, String>>,
    pub env_allow: Option<Vec<String>>,
    /// The lines of `env_allow`'s patterns.
    pub env_allow_at: Vec<Located<String>>,
    pub sandbox: Option<Located<SandboxMode>>,
    pub network: Option<bool>,
    /// Interactive mode: quiet time that ends a turn, and the screen markers.
    pub idle: Option<Duration>,
    pub idle_marker: Option<String>,
    pub busy_marker: Option<String>,
}

/// Top-level keys, in [`RawLayer`]'s field order; a test keeps them in step.
pub(super) const CONFIG_KEYS: &[&str] = &[
    "default_agent",
    "actor",
    "agents",
    "breakers",
    "guards",
    "worktrees",
    "ui",
    "env",
    "sandbox",
    "merge",
    "standards",
    "line",
    "notify",
    "pr",
];

/// The most history lines a pane may keep (Alacritty's own limit); more is taken as this.
const MAX_SCROLLBACK: usize = 100_000;

const EXAMPLES: &[(&str, &str)] = &[
    ("command", "[\"my-agent\", \"{prompt_file}\"]"),
    ("default_agent", "\"claude\""),
    ("theme", "\"default\""),
    ("escape", "\"ctrl-g\""),
    ("root", "\"../{repo}.worktrees\""),
    ("protected", "[\"tests/**\"]"),
    ("sandbox", "\"landlock\""),
    ("cache_dirs", "[\"~/.cargo/registry\"]"),
    ("allow_read", "[\"~/.config/gh\"]"),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "the configuration")]
struct RawLayer {
    default_agent: Option<Spanned<String>>,
    actor: Option<String>,
    #[serde(default)]
    agents: BTreeMap<String, Spanned<RawAgent>>,
    #[serde(default)]
    breakers: BreakerOverrides,
    guards: Option<RawGuards>,
    worktrees: Option<RawWorktrees>,
    ui: Option<RawUi>,
    env: Option<RawEnv>,
    sandbox: Option<RawSandbox>,
    merge: Option<RawMerge>,
    standards: Option<Spanned<Standards>>,
    line: Option<RawLine>,
    notify: Option<RawNotify>,
    pr: Option<RawPr>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [pr] table")]
struct RawPr {
    /// After `approve --pr`, follow the PR's CI and reviews.
    follow: Option<bool>,
    /// `ask` (a human confirms each push of a green fix) or `auto`.
    push: Option<Spanned<String>>,
    /// Reviewers whose change requests reach the agent besides those with write access.
    reviewers: Option<Spanned<Vec<String>>>,
    /// How often the PR is looked at.
    poll: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [notify] table")]
struct RawNotify {
    /// What calls a human: red, needs_human, blue, line_stopped.
    on: Option<Vec<Spanned<String>>>,
    /// A command run for each notification (`{title}`, `{body}`, … filled in).
    command: Option<Spanned<Vec<String>>>,
    /// A desktop notification through the board's terminal (OSC 777 / OSC 9).
    terminal: Option<Spanned<bool>>,
    /// How long a sink may run.
    timeout: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [agents.NAME] table")]
struct RawAgent {
    command: Option<Spanned<Vec<String>>>,
    prompt: Option<PromptMode>,
    mode: Option<AgentMode>,
    env: Option<Spanned<BTreeMap<String, String>>>,
    env_allow: Option<Vec<Spanned<String>>>,
    sandbox: Option<Spanned<SandboxMode>>,
    network: Option<bool>,
    idle: Option<Spanned<String>>,
    idle_marker: Option<String>,
    busy_marker: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [guards] table")]
struct RawGuards {
    protected: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [worktrees] table")]
struct RawWorktrees {
    root: Option<Spanned<String>>,
    setup: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [ui] table")]
struct RawUi {
    theme: Option<String>,
    /// The key that detaches from an attached agent, e.g. "ctrl-g".
    escape: Option<String>,
    /// Lines of history per pane kept in memory.
    scrollback: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [env] table")]
struct RawEnv {
    allow: Option<Vec<Spanned<String>>>,
    deny: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [line] table")]
struct RawLine {
    /// The same failure in several loops this close together is a common cause.
    common_cause_window: Option<Spanned<String>>,
    /// At most this many loops work at once; more wait in the queue.
    max_running: Option<Spanned<i64>>,
    /// No new loop starts while this many diffs wait for a human.
    max_awaiting_review: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [merge] table")]
struct RawMerge {
    /// Keep every iteration's commit (a merge commit) instead of one squashed commit.
    history: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [sandbox] table")]
struct RawSandbox {
    mode: Option<Spanned<SandboxMode>>,
    /// Directories the sandbox lets agents and checks write besides their loop's own places.
    cache_dirs: Option<Vec<Spanned<String>>>,
    /// Credential stores the sandbox hides that loops may read after all.
    allow_read: Option<Vec<Spanned<String>>>,
}

/// Parses one configuration file. Unknown keys, wrong types, bad globs, bad templates and
/// bad variable patterns are errors naming the line.
pub fn parse_layer(path: &Path, text: &str) -> Result<ConfigLayer, ConfigError> {
    check_text(path, text, "the configuration")?;
    let source = TomlSource {
        file: path,
        text,
        first_line: 1,
        top_level_keys: CONFIG_KEYS,
        examples: EXAMPLES,
    };
    let raw: RawLayer = source.parse()?;
    let mut agents = BTreeMap::new();
    for (name, agent) in raw.agents {
        agents.insert(name.clone(), agent_layer(&source, &name, agent)?);
    }
    let guards = raw.guards.and_then(|g| g.protected);
    let (root, setup) = raw.worktrees.map_or((None, None), |w| (w.root, w.setup));
    let (allow, deny) = raw.env.map_or((None, None), |e| (e.allow, e.deny));
    let (sandbox_mode, cache_dirs, allow_read) = raw
        .sandbox
        .map_or((None, None, None), |s| (s.mode, s.cache_dirs, s.allow_read));
    Ok(ConfigLayer {
        path: path.to_path_buf(),
        default_agent: raw.default_agent.map(|d| Located {
            line: source.line_of_span(&d.span()),
            value: d.into_inner(),
        }),
        actor: raw.actor,
        agents,
        breakers: raw.breakers,
        protected: guards
            .map(|g| andon_core::plan::globs(&source, "[guards] protected", g))
            .transpose()?,
        worktree_root_line: root.as_ref().map_or(0, |r| source.line_of_span(&r.span())),
        worktree_root: root.map(|r| worktree_root(&source, r)).transpose()?,
        worktree_setup: setup.map(|s| setup_commands(&source, s)).transpose()?,
        theme: raw.ui.as_ref().and_then(|u| u.theme.clone()),
        escape: raw.ui.as_ref().and_then(|u| u.escape.clone()),
        scrollback: raw
            .ui
            .and_then(|u| u.scrollback)
            .map(|lines| lines.min(MAX_SCROLLBACK)),
        env_allow_at: allow
            .as_ref()
            .map(|a| a.iter().map(|p| located(&source, p.clone())).collect())
            .unwrap_or_default(),
        env_allow: allow
            .map(|a| env_patterns(&source, "allow", a))
            .transpose()?,
        env_deny: deny.map(|d| env_patterns(&source, "deny", d)).transpose()?,
        sandbox_mode: sandbox_mode.map(|m| located(&source, m)),
        cache_dirs_at: cache_dirs
            .as_ref()
            .map(|d| d.iter().map(|p| located(&source, p.clone())).collect())
            .unwrap_or_default(),
        cache_dirs: cache_dirs.map(|d| cache_dirs_of(&source, d)).transpose()?,
        allow_read_at: allow_read
            .as_ref()
            .map(|d| d.iter().map(|p| located(&source, p.clone())).collect())
            .unwrap_or_default(),
        allow_read: allow_read
            .map(|d| {
                check_home_paths(&source, "allow_read", "[\"~/.config/gh\"]", &d)?;
                Ok::<_, FileError>(d.into_iter().map(Spanned::into_inner).collect())
            })
            .transpose()?,
        merge_history: raw.merge.and_then(|m| m.history),
        notify: raw
            .notify
            .map(|n| notify_layer(&source, n))
            .transpose()?
            .unwrap_or_default(),
        pr: raw
            .pr
            .map(|p| pr_layer(&source, p))
            .transpose()?
            .unwrap_or_default(),
        max_running: line_limit(&source, raw.line.as_ref(), "max_running")?,
        max_awaiting_review: line_limit(&source, raw.line.as_ref(), "max_awaiting_review")?,
        common_cause_window: raw
            .line
            .and_then(|l| l.common_cause_window)
            .map(|w| {
                parse_duration(w.get_ref()).map_err(|e| {
                    source.error_at(
                        &w.span(),
                        format!("[line] `common_cause_window`: {e}"),
                        "write a duration such as common_cause_window = \"10m\"",
                    )
                })
            })
            .transpose()?,
        standards: raw
            .standards
            .map(|s| standards(&source, s))
            .transpose()?
            .unwrap_or_default(),
    })
}

/// `[notify]`, every event known and the command a valid template.
fn notify_layer(source: &TomlSource<'_>, raw: RawNotify) -> Result<NotifyLayer, FileError> {
    use andon_core::notify::{Call, PLACEHOLDERS as KNOWN};
    let known = || Call::ALL.map(Call::as_str).join(", ");
    let on = raw
        .on
        .map(|list| {
            list.into_iter()
                .map(|c| {
                    Call::parse(c.get_ref()).ok_or_else(|| {
                        source.error_at(
                            &c.span(),
                            format!("[notify] on: unknown event `{}`", c.get_ref()),
                            format!("use some of: {}", known()),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let command = raw
        .command
        .map(|c| {
            let empty: Vec<(&str, &str)> = KNOWN.iter().map(|k| (*k, "")).collect();
            let fail = |what: String| {
                source.error_at(
                    &c.span(),
                    format!("[notify] command: {what}"),
                    format!(
                        "write command = [\"notify-send\", \"{{title}}\", \"{{body}}\"]; placeholders: {}",
                        KNOWN.iter().map(|k| format!("{{{k}}}")).collect::<Vec<_>>().join(", ")
                    ),
                )
            };
            if c.get_ref().is_empty() {
                return Err(fail("the command is empty".into()));
            }
            match template::expand_with(c.get_ref(), &empty) {
                Err(template::TemplateError::Unknown { name, .. }) => {
                    Err(fail(format!("unknown placeholder `{{{name}}}`")))
                }
                Err(e) => Err(fail(e.to_string())),
                Ok(_) => Ok(located(source, c)),
            }
        })
        .transpose()?;
    let timeout = raw
        .timeout
        .map(|t| {
            parse_duration(t.get_ref()).map_err(|e| {
                source.error_at(
                    &t.span(),
                    format!("[notify] `timeout`: {e}"),
                    "write a duration such as timeout = \"10s\"",
                )
            })
        })
        .transpose()?;
    Ok(NotifyLayer {
        on,
        command,
        terminal: raw.terminal.map(|t| located(source, t)),
        timeout,
    })
}

/// The shortest `[pr] poll`: the forge is asked gently.
const MIN_PR_POLL: Duration = Duration::from_secs(1);

/// `[pr]`, its push mode known and its poll a duration of a second or more.
fn pr_layer(source: &TomlSource<'_>, raw: RawPr) -> Result<PrLayer, FileError> {
    let push =
        raw.push
            .map(|p| {
                match p.get_ref().as_str() {
            "ask" => Ok(located(source, Spanned::new(p.span(), crate::config::PushMode::Ask))),
            "auto" => Ok(located(source, Spanned::new(p.span(), crate::config::PushMode::Auto))),
            other => Err(source.error_at(
                &p.span(),
                format!("[pr] `push` cannot be {other:?}"),
                "write push = \"ask\" (you confirm each push of a green fix) or push = \"auto\"",
            )),
        }
            })
            .transpose()?;
    let poll = raw
        .poll
        .map(|p| {
            let fail = |what: String| {
                source.error_at(
                    &p.span(),
                    format!("[pr] `poll`: {what}"),
                    "write a duration such as poll = \"60s\"",
                )
            };
            let d = parse_duration(p.get_ref()).map_err(|e| fail(e.to_string()))?;
            if d < MIN_PR_POLL {
                return Err(fail("the forge is asked at most once a second".into()));
            }
            Ok(d)
        })
        .transpose()?;
    Ok(PrLayer {
        follow: raw.follow,
        push,
        reviewers: raw.reviewers.map(|r| located(source, r)),
        poll,
    })
}

/// `[line] key`, when set.
fn line_limit(
    source: &TomlSource<'_>,
    line: Option<&RawLine>,
    key: &str,
) -> Result<Option<usize>, FileError> {
    let value = line.and_then(|l| match key {
        "max_running" => l.max_running.as_ref(),
        _ => l.max_awaiting_review.as_ref(),
    });
    value.map(|n| at_least_one(source, key, n)).transpose()
}

/// A `[line]` limit: a count of at least one (leaving the key out is no limit).
fn at_least_one(source: &TomlSource<'_>, key: &str, n: &Spanned<i64>) -> Result<usize, FileError> {
    usize::try_from(*n.get_ref())
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            source.error_at(
                &n.span(),
                format!("[line] `{key}` is {}: it must be at least 1", n.get_ref()),
                format!("write {key} = 2, say, or leave the key out for no limit"),
            )
        })
}

/// `[standards]`, with every check a command and every path a glob.
fn standards(source: &TomlSource<'_>, s: Spanned<Standards>) -> Result<Standards, FileError> {
    let span = s.span();
    let s = s.into_inner();
    for check in &s.checks {
        Prevention::Check {
            run: check.run.clone(),
        }
        .validate()
        .map_err(|e| invalid_standard(source, &span, &check.name, &e))?;
    }
    for path in &s.protected {
        Prevention::Protect {
            glob: path.glob.clone(),
        }
        .validate()
        .map_err(|e| invalid_standard(source, &span, &path.glob, &e))?;
    }
    Ok(s)
}

fn invalid_standard(
    source: &TomlSource<'_>,
    span: &std::ops::Range<usize>,
    what: &str,
    why: &str,
) -> FileError {
    let (what_is_wrong, fix) = why.split_once("\n  fix: ").unwrap_or((why, "correct it"));
    source.error_at(span, format!("[standards] {what}: {what_is_wrong}"), fix)
}

fn agent_layer(
    source: &TomlSource<'_>,
    name: &str,
    agent: Spanned<RawAgent>,
) -> Result<AgentLayer, FileError> {
    let span = agent.span();
    let agent = agent.into_inner();
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
    if !valid_name {
        return Err(source.error_at(
            &span,
            format!("the agent profile name {name:?} cannot be used in a plan's `agent =`"),
            "name it with letters, digits, '-' or '_', e.g. [agents.fixer]",
        ));
    }
    let command = agent
        .command
        .map(|command| {
            let span = command.span();
            let command = command.into_inner();
            if command
                .first()
                .is_none_or(|program| program.trim().is_empty())
            {
                return Err(source.error_at(
                    &span,
                    format!("the command of agent `{name}` is empty"),
                    "give the program and its arguments, e.g. command = [\"bash\", \
                     \"agents/fixer.sh\", \"{prompt_file}\"]",
                ));
            }
            template::validate(&command).map_err(|err| {
                source.error_at(&span, format!("agent `{name}`: {err}"), template_fix())
            })?;
            Ok(command)
        })
        .transpose()?;
    let env = agent
        .env
        .map(|env| {
            let bad = env
                .get_ref()
                .keys()
                .find(|k| !valid_env_name(k) || k.starts_with("ANDON_"));
            match bad {
                Some(key) => Err(source.error_at(
                    &env.span(),
                    format!("agent `{name}` sets the variable {key:?}"),
                    if key.starts_with("ANDON_") {
                        "remove it: andon sets the ANDON_* variables itself".to_string()
                    } else {
                        "variable names are letters, digits and '_', not starting with a digit"
                            .to_string()
                    },
                )),
                None => Ok(env.into_inner()),
            }
        })
        .transpose()?;
    Ok(AgentLayer {
        line: source.line_of_span(&span),
        command,
        prompt: agent.prompt,
        mode: agent.mode,
        env,
        env_allow_at: agent
            .env_allow
            .as_ref()
            .map(|a| a.iter().map(|p| located(source, p.clone())).collect())
            .unwrap_or_default(),
        env_allow: agent
            .env_allow
            .map(|a| env_patterns(source, "env_allow", a))
            .transpose()?,
        sandbox: agent.sandbox.map(|s| located(source, s)),
        network: agent.network,
        idle: agent
            .idle
            .map(|idle| {
                parse_duration(idle.get_ref()).map_err(|e| {
                    source.error_at(
                        &idle.span(),
                        format!("agent `{name}`, `idle`: {e}"),
                        "write a duration such as idle = \"5s\" or \"1m\"",
                    )
                })
            })
            .transpose()?,
        idle_marker: agent.idle_marker.filter(|m| !m.is_empty()),
        busy_marker: agent.busy_marker.filter(|m| !m.is_empty()),
    })
}

fn located<T>(source: &TomlSource<'_>, value: Spanned<T>) -> Located<T> {
    Located {
        line: source.line_of_span(&value.span()),
        value: value.into_inner(),
    }
}

/// Refuses a path `[sandbox] key` lists that is neither absolute nor under the home
/// directory (`~/...`); `example` shows the form in the fix.
fn check_home_paths(
    source: &TomlSource<'_>,
    key: &str,
    example: &str,
    paths: &[Spanned<String>],
) -> Result<(), FileError> {
    if let Some(bad) = paths
        .iter()
        .find(|d| !(d.get_ref().starts_with('/') || d.get_ref().starts_with("~/")))
    {
        return Err(source.error_at(
            &bad.span(),
            format!(
                "[sandbox] {key} has {:?}, which is neither absolute nor under ~/",
                bad.get_ref()
            ),
            format!("write an absolute path or one starting with ~/, e.g. {key} = {example}"),
        ));
    }
    Ok(())
}

/// The system's shared folder (`/tmp`, `/run`, the temp dir, the session's runtime folder)
/// that `dir` is or holds, if any: the sandbox keeps those out of sight.
fn shared_system_dir(dir: &Path) -> Option<std::path::PathBuf> {
    let mut shared = vec![
        std::path::PathBuf::from("/tmp"),
        std::path::PathBuf::from("/run"),
        std::path::PathBuf::from("/var/run"),
        std::env::temp_dir(),
    ];
    shared.extend(std::env::var_os("XDG_RUNTIME_DIR").map(std::path::PathBuf::from));
    shared.into_iter().find(|s| s.starts_with(dir))
}

/// Cache directories are absolute or under the home directory (`~/...`): a relative one
/// would mean a different place in every worktree. They are data only: one that holds
/// programs or sits on `PATH` is refused (see [`andon_core::cache_dir`]).
fn cache_dirs_of(
    source: &TomlSource<'_>,
    dirs: Vec<Spanned<String>>,
) -> Result<Vec<String>, FileError> {
    let example = "[\"~/.cargo/registry\", \"~/.cargo/git\"]";
    check_home_paths(source, "cache_dirs", example, &dirs)?;
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let path: Vec<std::path::PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for dir in &dirs {
        let text = dir.get_ref();
        let Some(expanded) = andon_core::lexical_path::expand_home(text, home.as_deref()) else {
            continue;
        };
        let expanded = andon_core::lexical_path::normalize(&expanded);
        if let Some(shared) = shared_system_dir(&expanded) {
            return Err(source.error_at(
                &dir.span(),
                format!(
                    "[sandbox] cache_dirs has {text:?}, which holds {}: every program's sockets \
                     and files there would be in a sandboxed agent's reach",
                    shared.display()
                ),
                "list the data folder your tools need under it instead, e.g. \
                 cache_dirs = [\"~/.cache/pip\"]",
            ));
        }
        let children: Vec<String> = std::fs::read_dir(&expanded)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let Some(refusal) =
            andon_core::cache_dir::refusal(&expanded, home.as_deref(), &path, &children)
        else {
            continue;
        };
        let fix = if refusal.instead.is_empty() {
            "take it out of cache_dirs (sandboxed agents still read it); list only the \
             folders of downloaded data your tools need, e.g. \"~/.cargo/registry\""
                .to_string()
        } else {
            let list: Vec<String> = refusal.instead.iter().map(|d| format!("{d:?}")).collect();
            format!(
                "list its data folders instead: cache_dirs = [{}]",
                list.join(", ")
            )
        };
        return Err(source.error_at(
            &dir.span(),
            format!(
                "[sandbox] cache_dirs has {text:?}, but {}: a sandboxed agent could plant a \
                 program there that your shell and andon's checks would later run unconfined",
                refusal.why
            ),
            fix,
        ));
    }
    Ok(dirs.into_iter().map(Spanned::into_inner).collect())
}

fn template_fix() -> String {
    let known: Vec<String> = PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect();
    format!(
        "use only the placeholders {}; write {{{{ and }}}} for a literal brace",
        known.join(", ")
    )
}

fn worktree_root(source: &TomlSource<'_>, root: Spanned<String>) -> Result<String, FileError> {
    let used = template::placeholders(std::slice::from_ref(root.get_ref()));
    let problem = match used {
        Err(err) => Some(err.to_string()),
        Ok(used) => used
            .into_iter()
            .find(|p| p != "repo")
            .map(|p| format!("`{{{p}}}` is not known when worktrees are placed")),
    };
    match problem {
        Some(problem) => Err(source.error_at(
            &root.span(),
            format!("[worktrees] root: {problem}"),
            "use only {repo} (the repository's directory name), e.g. root = \
             \"../{repo}.worktrees\"",
        )),
        None => Ok(root.into_inner()),
    }
}

fn setup_commands(
    source: &TomlSource<'_>,
    commands: Vec<Spanned<String>>,
) -> Result<Vec<String>, FileError> {
    use andon_core::shell_fill::SETUP_PLACEHOLDERS;
    for command in &commands {
        let used = match template::placeholders(std::slice::from_ref(command.get_ref())) {
            Ok(used) => used,
            Err(err) => {
                return Err(source.error_at(
                    &command.span(),
                    format!("[worktrees] setup: {err}"),
                    template_fix(),
                ))
            }
        };
        if let Some(name) = used
            .iter()
            .find(|p| !SETUP_PLACEHOLDERS.contains(&p.as_str()))
        {
            return Err(source.error_at(
                &command.span(),
                format!("[worktrees] setup: `{{{name}}}` has no value before a loop starts"),
                "a setup command may use {worktree}, {repo} and {loop} (also as \
                 $ANDON_WORKTREE, $ANDON_REPO, $ANDON_LOOP); write {{ and }} for a literal brace",
            ));
        }
    }
    Ok(commands.into_iter().map(Spanned::into_inner).collect())
}

fn env_patterns(
    source: &TomlSource<'_>,
    key: &str,
    patterns: Vec<Spanned<String>>,
) -> Result<Vec<String>, FileError> {
    if let Some(bad) = patterns.iter().find(|p| !valid_env_pattern(p.get_ref())) {
        return Err(source.error_at(
            &bad.span(),
            format!(
                "`{key}` has the pattern {:?}, which no variable name can match",
                bad.get_ref()
            ),
            "use letters, digits, '_' and `*` for any run of characters, e.g. \"AWS_*\"",
        ));
    }
    Ok(patterns.into_iter().map(Spanned::into_inner).collect())
}
