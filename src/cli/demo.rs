//! `andon demo [--dir PATH] [--headless]`: the main job on an embedded default. It writes the
//! example shop (a price function with a bug, a protected test, one plan per behaviour) into a
//! new git repository and supervises six loops of the scripted agent: one goes green and waits
//! for approval, one repeats itself into the Insanity Rule, one hits Meta-Andon, one is stopped
//! for spec drift, one has an out-of-scope file rolled back, one is killed for no progress.

use std::path::{Path, PathBuf};

use clap::Args;

use andon::git::GitOwner;

use super::repo::{EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK};
use super::run::{self, RunArgs};

/// The example shop, embedded so the demo needs nothing but the binary.
const FILES: [(&str, &str); 12] = [
    ("README.md", include_str!("../../examples/shop/README.md")),
    ("NOTES.md", include_str!("../../examples/shop/NOTES.md")),
    ("andon.toml", include_str!("../../examples/shop/andon.toml")),
    (
        "src/price.sh",
        include_str!("../../examples/shop/src/price.sh"),
    ),
    (
        "tests/test_price.sh",
        include_str!("../../examples/shop/tests/test_price.sh"),
    ),
    (
        ".sim/price.fixed",
        include_str!("../../examples/shop/.sim/price.fixed"),
    ),
    (
        "plans/fix-price.md",
        include_str!("../../examples/shop/plans/fix-price.md"),
    ),
    (
        "plans/repeat.md",
        include_str!("../../examples/shop/plans/repeat.md"),
    ),
    (
        "plans/vary.md",
        include_str!("../../examples/shop/plans/vary.md"),
    ),
    (
        "plans/spec-drift.md",
        include_str!("../../examples/shop/plans/spec-drift.md"),
    ),
    (
        "plans/out-of-scope.md",
        include_str!("../../examples/shop/plans/out-of-scope.md"),
    ),
    (
        "plans/no-progress.md",
        include_str!("../../examples/shop/plans/no-progress.md"),
    ),
];

/// Each demo loop and how it ends: (loop, state, words in its reason).
pub const EXPECTED: [(&str, &str, &str); 6] = [
    ("fix-price", "awaiting_approval", ""),
    ("out-of-scope", "awaiting_approval", ""),
    ("repeat", "stopped", "Insanity"),
    ("vary", "stopped", "Meta-Andon"),
    ("spec-drift", "stopped", "spec drift"),
    ("no-progress", "stopped", "no progress"),
];

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where to create the demo repository (a new or empty directory); default: a temp dir.
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// Run to the end without the board and print the outcome table.
    #[arg(long)]
    pub headless: bool,
    /// The board's theme.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
}

pub fn run(args: DemoArgs) -> i32 {
    let base = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!(
            "andon-demo-{}-{}",
            std::process::id(),
            andon::clock::wall_nanos()
        )),
    };
    let repo = base.join("shop");
    if let Err(e) = write_repo(&base, &repo) {
        eprintln!("andon demo: {e}");
        return EXIT_BAD_INPUT;
    }
    if let Err(e) = GitOwner::init_with_commit(&repo, "shop: prices can go negative") {
        eprintln!(
            "andon demo: cannot make {} a git repository: {}",
            repo.display(),
            andon::error_chain::chain(&e)
        );
        return EXIT_ERROR;
    }
    if let Err(e) = std::env::set_current_dir(&repo) {
        eprintln!("andon demo: cannot enter {}: {e}", repo.display());
        return EXIT_ERROR;
    }
    eprintln!("andon demo: repository {}", repo.display());
    let plans = FILES
        .iter()
        .filter(|(p, _)| p.starts_with("plans/"))
        .map(|(p, _)| PathBuf::from(p))
        .collect();
    let run_args = RunArgs {
        headless: args.headless,
        serve: false,
        agent: None,
        replace: false,
        theme: args.theme.clone(),
        plans,
    };
    let code = run::run(run_args);
    if !args.headless {
        return code;
    }
    report(&repo)
}

/// Compare every loop's outcome with what the demo promises.
fn report(repo: &Path) -> i32 {
    let store = match andon::store::Store::open_read_only(&repo.join(".andon/andon.db")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("andon demo: {}", andon::error_chain::chain(&e));
            return EXIT_ERROR;
        }
    };
    let mut all = true;
    for (name, state, reason) in EXPECTED {
        let row = store.get_loop(name).ok().flatten();
        let ok = row.as_ref().is_some_and(|r| {
            r.state == state && r.reason.clone().unwrap_or_default().contains(reason)
        });
        if !ok {
            all = false;
            let got = row
                .map(|r| format!("{} ({})", r.state, r.reason.unwrap_or_default()))
                .unwrap_or_else(|| "missing".into());
            eprintln!("andon demo: {name} ended {got}; expected {state} {reason}");
        }
    }
    if all {
        println!(
            "demo: all {} loops ended as expected; the repository is {}",
            EXPECTED.len(),
            repo.display()
        );
        EXIT_OK
    } else {
        EXIT_ERROR
    }
}

fn write_repo(base: &Path, repo: &Path) -> Result<(), String> {
    if repo.exists()
        && std::fs::read_dir(repo)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!(
            "{} already exists and is not empty\n  fix: pass another --dir, or remove it",
            repo.display()
        ));
    }
    std::fs::create_dir_all(repo).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
    for (path, text) in FILES {
        let target = repo.join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(())
}
