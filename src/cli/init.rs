//! `andon init`: scaffold a repository for andon — andon.toml with commented defaults,
//! plans/TEMPLATE.md, the built-in skills, the wiki skeleton — and keep `.andon/` out of git.
//! It never overwrites a file (it says what it skipped), so running it twice changes nothing.

use std::path::Path;

use super::repo::{self, bad_input, EXIT_ERROR, EXIT_OK};

const ANDON_TOML: &str = r#"# andon configuration. Every key is optional; the values shown are the defaults.
# Layering: this file, over ~/.config/andon/config.toml, over andon's built-in defaults.

# default_agent = "claude"          # claude, codex, aider, gemini, opencode, sim, or one below

# A custom agent profile: any command is an agent.
# [agents.fixer]
# command = ["bash", "agents/fixer.sh", "{prompt_file}"]   # placeholders: {prompt_file} {prompt}
# prompt = "file"                   # file | arg | stdin       {worktree} {repo} {loop} {iteration}
# mode = "oneshot"                  # oneshot | interactive (the agent's TUI stays in the pane)

# Claude Code's own TUI in the pane; a Stop hook ends each turn (claude, codex and sim have one).
# [agents.claude]
# mode = "interactive"
# idle = "5s"                       # no hook signal: quiet this long, and…
# busy_marker = "esc to interrupt"  # …this text gone from the screen, ends a turn
# idle_marker = ""                  # text the screen must show when idle (none by default)

[breakers]
# consecutive_failures = 3          # failed iterations in a row before Meta-Andon (plan mode)
# repeat_fingerprint = 3            # the same failure this many times: Insanity Rule, line stop
# no_progress = "10m"               # no output and no file change: line stop
# max_iterations = 10
# out_of_scope_stop = 5             # files outside scope in one iteration that stop the line
# iteration_timeout = "30m"
# rate_limit_wait = "30s"           # first wait after an agent hits a rate limit (then doubling)
# Not the agent's failures, and no breaker counts them: a second environment failure in a loop
# (connection refused, no space left…) stops it for your hypothesis (`andon resume LOOP --note`);
# the same failure in several loops within 10 minutes, green at their baselines, is one common
# cause, stopped once (resume one to resume them all).

[guards]
# protected = ["tests/**", "**/*_test.*", "**/*.test.*", "**/test_*.py"]

[worktrees]
# root = "../{repo}.worktrees"      # outside the repo: tools like cargo misread nested worktrees
# setup = ["cp .env {worktree}/ 2>/dev/null || true"]

[ui]
# theme = "default"                 # default, light, high-contrast, solarized-dark, themes/<name>.toml
# escape = "ctrl-g"                 # detaches from an attached agent
# scrollback = 2000                 # lines of history per pane in memory (all of it is in agent.log)

[env]
# Agents never inherit *TOKEN* *SECRET* *PASSWORD* *PASSWD* *_KEY *APIKEY* *API_KEY* *_DSN
# *CREDENTIAL* AWS_* GH_* GITHUB_* GITLAB_* NPM_TOKEN SSH_AUTH_SOCK, nor a URL with a password:
# this file adds to that list and cannot shorten it (only ~/.config/andon/config.toml can).
# deny = []                         # more names agents must not inherit, e.g. ["STRIPE_*"]
# allow = []                        # names of yours (not denied above) agents may inherit

[sandbox]
# Loops are sandboxed by default where the kernel allows (`andon doctor` says what holds):
# agents, checks and setup write only their worktree, checks run offline (a check's
# network = true gives it the network). "off" is yours alone, in ~/.config/andon/config.toml.
# mode = "landlock"                 # insist: refuse to run where Landlock is missing
# cache_dirs = []                   # data folders they may write too, listed in your user config

[merge]
# history = false                   # true: a merge keeps every iteration (a merge commit);
#                                   # false: one commit titled by the goal

[line]
# common_cause_window = "10m"       # the same failure in several loops this close together,
#                                   # green at their baselines, is one common cause
# max_running = 2                   # at most this many loops work at once (default: no limit)
# max_awaiting_review = 1           # no new loop while this many diffs wait for your review

# Notifications go in your user config (~/.config/andon/config.toml): sinks run programs.
# A repository may choose only which changes notify.
# [notify]
# on = ["red", "needs_human", "blue", "line_stopped"]

# Preventions adopted from the Kaizen board (`andon kaizen adopt ID --check CMD`, `--protect
# GLOB`, or `K` then `a` on the board) land here, committed by andon: every new loop gets them.
# [[standards.checks]]
# name = "kaizen-9f2c41d0"          # a check every later plan runs after its own
# run = "cargo clippy -- -D warnings"
# from = "9f2c41d0"                 # the incident group it came from
# [[standards.protected]]
# glob = "migrations/**"            # a path every later loop protects
# from = "41aa07c3"
"#;

const WIKI_INDEX: &str = "# Wiki\n\nThis repository's memory. See [00_SCHEMA](00_SCHEMA.md) for the format.\n\n## 10_DOMAIN\n\n## 20_SYSTEM\n\n## 90_LOG\n(one page per ended loop, written by andon)\n";
const WIKI_LOG: &str = "# Log\n\n";

/// Every file `andon init` writes: (path in the repo, content).
fn files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("andon.toml", ANDON_TOML),
        ("plans/TEMPLATE.md", include_str!("../../plans/TEMPLATE.md")),
        ("skills/tdd.md", include_str!("../../skills/tdd.md")),
        (
            "skills/diagnose.md",
            include_str!("../../skills/diagnose.md"),
        ),
        ("skills/andon.md", include_str!("../../skills/andon.md")),
        (
            "skills/improve-architecture.md",
            include_str!("../../skills/improve-architecture.md"),
        ),
        ("wiki/00_SCHEMA.md", include_str!("../../wiki/00_SCHEMA.md")),
        ("wiki/index.md", WIKI_INDEX),
        ("wiki/log.md", WIKI_LOG),
        ("wiki/10_DOMAIN/.gitkeep", ""),
        ("wiki/20_SYSTEM/.gitkeep", ""),
        ("wiki/90_LOG/.gitkeep", ""),
    ]
}

pub fn run() -> i32 {
    // A repository with no commit yet is fine here: init only writes files.
    let (root, git) = match repo::open() {
        Ok(r) => (r.git.repo_root().to_path_buf(), Some(r.git)),
        Err(e) => match fresh_repo_root() {
            Some(root) => (root, None),
            None => return bad_input(&e),
        },
    };
    let mut wrote = Vec::new();
    let mut skipped = Vec::new();
    for (path, text) in files() {
        match write_new(&root, path, text) {
            Ok(true) => wrote.push(path),
            Ok(false) => skipped.push(path),
            Err(e) => {
                eprintln!("andon init: {path}: {e}");
                return EXIT_ERROR;
            }
        }
    }
    let excluded = match &git {
        Some(git) => git
            .add_info_exclude(".andon/")
            .map_err(|e| andon::error_chain::chain(&e)),
        None => exclude_in(&root).map_err(|e| e.to_string()),
    };
    let excluded = match excluded {
        Ok(added) => added,
        Err(e) => {
            eprintln!("andon init: cannot add .andon/ to .git/info/exclude: {e}");
            return EXIT_ERROR;
        }
    };
    for path in &wrote {
        println!("wrote   {path}");
    }
    for path in &skipped {
        println!("skipped {path} (already there; not touched)");
    }
    if excluded {
        println!("added   .andon/ to .git/info/exclude");
    }
    if wrote.is_empty() && !excluded {
        println!("nothing to do: andon is already set up here");
    } else {
        println!("\nnext: copy plans/TEMPLATE.md to plans/<slug>.md, commit, then `andon run plans/<slug>.md`");
    }
    EXIT_OK
}

/// Write `text` to `root/path` unless something is there already. True when written.
fn write_new(root: &Path, path: &str, text: &str) -> std::io::Result<bool> {
    let target = root.join(path);
    if target.symlink_metadata().is_ok() {
        return Ok(false);
    }
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // create_new: never clobber a file that appeared in the meantime.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
    {
        Ok(mut f) => {
            std::io::Write::write_all(&mut f, text.as_bytes())?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// The current directory's repository root when it has a `.git` folder but no commit yet.
fn fresh_repo_root() -> Option<std::path::PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find(|d| d.join(".git").is_dir())
        .map(Path::to_path_buf)
}

/// Append `.andon/` to `.git/info/exclude` unless present; true when added.
fn exclude_in(root: &Path) -> std::io::Result<bool> {
    let path = root.join(".git/info/exclude");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current.lines().any(|l| l.trim() == ".andon/") {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let sep = if current.is_empty() || current.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    std::fs::write(&path, format!("{current}{sep}.andon/\n"))?;
    Ok(true)
}
