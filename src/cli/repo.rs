//! Finding the repo the command runs in, and its config, with exit-2 messages for bad input.

use andon::config::Config;
use andon::engine::input_error::InputError;
use andon::engine::paths::AndonDir;
use andon::git::GitOwner;

pub struct Repo {
    pub git: GitOwner,
    pub dirs: AndonDir,
}

/// Exit codes of DESIGN §5.
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
pub const EXIT_NEEDS_HUMAN: i32 = 3;
/// Every loop left waits on others: a followed PR's CI and reviewers.
pub const EXIT_WAITING_ON_OTHERS: i32 = 4;

pub fn open() -> Result<Repo, InputError> {
    let cwd = std::env::current_dir().map_err(|e| {
        InputError::new(
            None,
            format!("cannot read the current directory: {e}"),
            "cd into your repository",
        )
    })?;
    let git = GitOwner::open(&cwd).map_err(InputError::from_display)?;
    let dirs = AndonDir::new(git.repo_root());
    Ok(Repo { git, dirs })
}

pub fn config(repo: &Repo) -> Result<Config, InputError> {
    let user =
        directories::BaseDirs::new().map(|b| b.config_dir().join("andon").join("config.toml"));
    Config::load(repo.git.repo_root(), user.as_deref()).map_err(|e| {
        InputError::new(
            Some((e.file.clone(), Some(e.line))),
            e.message.clone(),
            e.fix.clone(),
        )
    })
}

/// Print an input error the way every subcommand does, and return exit 2.
pub fn bad_input(e: &InputError) -> i32 {
    super::output::error(e);
    EXIT_BAD_INPUT
}

/// Why loop `name` cannot be found when the repo has no store: none was made yet, or — inside
/// an agent andon started, which is handed `ANDON_SOCKET` — the store is out of its sight.
pub fn no_store(name: &str) -> String {
    if std::env::var_os("ANDON_SOCKET").is_some() {
        format!(
            "no loop named `{name}` in sight: this runs inside an agent andon started, which \
             may only signal its own loop (`andon signal done`) or read its status"
        )
    } else {
        format!("no loop named `{name}`: this repo has no loops yet")
    }
}
