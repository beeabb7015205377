//! andon never acts for the agent: a hostile shell-script agent plants links where andon writes
//! its own files next (the iteration's prompt, its agent log); andon refuses to write through
//! them, stops the line as a guard violation, and the file the link points at is untouched.
//! Under the sandbox the agent cannot even plant them: of `.andon/` it may write its own
//! folder only.

use crate::common;

use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

/// The user's file the agent wants andon to write: `~/.bashrc` in the issue.
const VICTIM_TEXT: &str = "# the user's shell profile\n";

fn victim(repo: &TestRepo) -> PathBuf {
    let path = repo.home.join(".bashrc");
    std::fs::write(&path, VICTIM_TEXT).unwrap();
    path
}

/// An agent that fails iteration 1 and plants, for iteration 2, a link named `file` (in the
/// next iteration's folder) pointing at `victim`.
fn planting_agent(repo: &TestRepo, file: &str, victim: &std::path::Path) {
    repo.agent(
        "planter",
        &format!(
            "next=\"$(dirname \"$ANDON_PROMPT_FILE\")/../iter-$((ANDON_ITERATION + 1))\"\n\
             mkdir -p \"$next\" && ln -sf '{}' \"$next/{file}\"\n\
             echo '# still broken' >> src/price.sh\n",
            victim.display()
        ),
    );
}

fn run(repo: &TestRepo, plan: &str) -> Output {
    repo.run_headless(plan, &[], LIMIT)
}

fn stop_reason(repo: &TestRepo, slug: &str) -> String {
    repo.store()
        .get_loop(slug)
        .unwrap()
        .unwrap()
        .reason
        .unwrap_or_default()
}

#[test]
fn a_link_planted_where_andon_writes_next_stops_the_line_and_its_target_is_untouched() {
    for file in ["prompt.md", "agent.log", "check-tests.log"] {
        let repo = TestRepo::new();
        repo.unconfined();
        let victim = victim(&repo);
        planting_agent(&repo, file, &victim);
        let plan = repo.plan("planted", "planter", "");
        repo.commit("plan");

        let out = run(&repo, &plan);
        expect_exit(&out, 3);
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            VICTIM_TEXT,
            "{file}: andon wrote through the agent's link"
        );
        let row = repo.store().get_loop("planted").unwrap().unwrap();
        assert_eq!(row.state, "stopped", "{file}");
        let reason = stop_reason(&repo, "planted");
        assert!(
            reason.contains("andon refused to act for the agent")
                && reason.contains(&format!("iter-2/{file} was replaced by a link")),
            "{file}: {reason}"
        );
        let incidents = repo.store().incidents(Some("planted")).unwrap();
        assert!(
            incidents
                .iter()
                .any(|i| i.iteration == 2 && i.category == "guard_violation"),
            "{file}: {incidents:?}"
        );
    }
}

#[test]
fn a_link_planted_where_andon_writes_the_reviewers_prompt_stops_the_line() {
    let repo = TestRepo::new();
    repo.unconfined();
    let victim = victim(&repo);
    repo.agent(
        "maker",
        &format!(
            "ln -sf '{}' \"$(dirname \"$ANDON_PROMPT_FILE\")/review-prompt.md\"\n\
             cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF",
            victim.display()
        ),
    );
    repo.agent("rev", "echo APPROVE");
    let plan = repo.plan("reviewed", "maker", "reviewer = \"rev\"");
    repo.commit("plan");
    expect_exit(&run(&repo, &plan), 3);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), VICTIM_TEXT);
    let reason = stop_reason(&repo, "reviewed");
    assert!(
        reason.contains("iter-1/review-prompt.md was replaced by a link"),
        "{reason}"
    );
}

#[test]
fn under_the_sandbox_the_agent_cannot_plant_links_in_andons_folders() {
    if !landlock() {
        return;
    }
    let repo = TestRepo::new();
    let victim = victim(&repo);
    planting_agent(&repo, "agent.log", &victim);
    let plan = repo.plan(
        "planted",
        "planter",
        "sandbox = \"landlock\"\nmax_iterations = 2",
    );
    repo.commit("plan");

    run(&repo, &plan);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), VICTIM_TEXT);
    let log = std::fs::read_to_string(repo.root.join(".andon/loops/planted/iter-1/agent.log"))
        .unwrap_or_default();
    let refused = log.contains("Permission denied") || log.contains("Read-only file system");
    assert!(refused, "the agent tried: {log}");
    let planted = repo.root.join(".andon/loops/planted/iter-2/agent.log");
    assert!(
        !planted
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink()),
        "the sandbox let the agent plant a link in andon's folder"
    );
    assert!(
        !stop_reason(&repo, "planted").contains("refused to act"),
        "{}",
        stop_reason(&repo, "planted")
    );
}

/// A repository with plan `fix` whose agent fixes the price at once.
fn fixing_repo() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.agent(
        "fixer",
        &format!("cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"),
    );
    let plan = repo.plan("fix", "fixer", "");
    repo.commit("plan");
    (repo, plan)
}

#[test]
fn andons_folder_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let (repo, plan) = fixing_repo();
    expect_exit(&run(&repo, &plan), 0);
    let mode = |rel: &str| {
        std::fs::metadata(repo.root.join(rel))
            .unwrap_or_else(|e| panic!("{rel}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    for dir in [".andon", ".andon/loops/fix", ".andon/loops/fix/iter-1"] {
        assert_eq!(mode(dir), 0o700, "{dir}");
    }
    for file in [
        ".andon/andon.db",
        ".andon/andon.log",
        ".andon/lock",
        ".andon/loops/fix/iter-1/prompt.md",
        ".andon/loops/fix/iter-1/agent.log",
        ".andon/loops/fix/iter-1/check-tests.log",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
}

#[test]
fn another_local_user_cannot_read_andons_files() {
    let Some((owner, other)) = users::two_users("another_local_user_cannot_read_andons_files")
    else {
        return;
    };
    let (repo, plan) = fixing_repo();
    repo.give_to(&owner);
    // The owner runs andon with the most open umask there is.
    let mut andon = owner.command("sh");
    let umask = "umask 000; exec \"$0\" \"$@\"";
    andon.args(["-c", umask, ANDON, "run", "--headless", &plan]);
    let mut andon = repo.in_repo(andon);
    let child = andon.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let out = wait_output(child.unwrap(), LIMIT);
    expect_exit(&out, 0);

    let read_as_other = |rel: &str| {
        other
            .command("cat")
            .arg(repo.root.join(rel))
            .output()
            .unwrap()
    };
    // The other user reaches the repository: only andon's modes keep it out of .andon.
    assert!(read_as_other("README.md").status.success());
    for file in [
        ".andon/andon.db",
        ".andon/loops/fix/iter-1/prompt.md",
        ".andon/loops/fix/iter-1/agent.log",
    ] {
        let out = read_as_other(file);
        assert!(!out.status.success(), "{} read {file}", other.name);
        assert!(
            stderr(&out).contains("Permission denied"),
            "{}",
            stderr(&out)
        );
    }
}

/// A worktree of the user's own beside the loop's, with work in progress: an untracked note
/// and an uncommitted edit on branch `feature`.
fn users_other_worktree(repo: &TestRepo) -> PathBuf {
    let other = repo.root.parent().unwrap().join("feature-wt");
    git(
        &repo.root,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            &other.to_string_lossy(),
        ],
    );
    std::fs::write(other.join("notes.md"), "my notes\n").unwrap();
    std::fs::write(other.join("README.md"), "# shop, being rewritten\n").unwrap();
    other
}

#[test]
fn an_agent_that_points_its_worktree_elsewhere_stops_the_line_and_touches_nothing() {
    let retarget =
        "printf 'gitdir: %s\\n' \"$(git rev-parse --git-common-dir)/worktrees/feature-wt\" > .git";
    let mut cases = vec![
        // Its `.git` file names the user's other worktree's git dir.
        (
            "retarget",
            retarget,
            "its .git file points at the git dir of",
            "",
        ),
        // It checks out a branch of the user's.
        (
            "switch",
            "git checkout -q spare",
            "it is on spare instead of its branch loop/switch",
            "",
        ),
    ];
    // The worktree is the sandboxed agent's to write: its `.git` file too.
    if landlock() {
        cases.push((
            "retarget-jailed",
            retarget,
            "its .git file points at the git dir of",
            "sandbox = \"landlock\"",
        ));
    }
    for (slug, trick, said, sandbox) in cases {
        let repo = TestRepo::new();
        // Unconfined but for the case whose plan asks for the sandbox.
        repo.unconfined();
        let other = users_other_worktree(&repo);
        git(&repo.root, &["branch", "spare"]);
        let spare_before = git(&repo.root, &["rev-parse", "spare"]);
        let feature_before = git(&repo.root, &["rev-parse", "feature"]);
        // Out of scope and protected changes, which the guards would restore or drop.
        repo.agent(
            "trickster",
            &format!("echo 'pwned' > notes.md\necho '# still broken' >> src/price.sh\n{trick}\n"),
        );
        let plan = repo.plan(slug, "trickster", sandbox);
        repo.commit("plan");

        let out = run(&repo, &plan);
        expect_exit(&out, 3);
        let reason = stop_reason(&repo, slug);
        assert!(
            reason.contains("andon refused to act for the agent") && reason.contains(said),
            "{slug}: {reason}"
        );
        assert_eq!(
            std::fs::read_to_string(other.join("notes.md")).unwrap(),
            "my notes\n",
            "{slug}: the user's untracked note"
        );
        assert_eq!(
            std::fs::read_to_string(other.join("README.md")).unwrap(),
            "# shop, being rewritten\n",
            "{slug}: the user's uncommitted edit"
        );
        assert_eq!(
            git(&repo.root, &["rev-parse", "spare"]),
            spare_before,
            "{slug}"
        );
        assert_eq!(
            git(&repo.root, &["rev-parse", "feature"]),
            feature_before,
            "{slug}"
        );
        let incidents = repo.store().incidents(Some(slug)).unwrap();
        assert!(
            incidents.iter().any(|i| i.category == "guard_violation"),
            "{slug}: {incidents:?}"
        );
    }
}

#[test]
fn a_repository_cannot_switch_off_the_users_sandbox_or_deny_list() {
    let fix = format!("cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF");
    // A plan asking for no sandbox under the user's Landlock is refused before anything runs.
    let repo = TestRepo::new();
    let user = repo.user_config("[sandbox]\nmode = \"landlock\"\n");
    repo.agent("free", &fix);
    let plan = repo.plan("free", "free", "sandbox = \"off\"");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains(&format!("{plan}:5")), "{err}");
    assert!(err.contains(&format!("{}:2", user.display())), "{err}");
    assert!(err.contains("never loosen"), "{err}");
    assert!(
        !repo.worktree("free").exists(),
        "nothing is created for a refused plan"
    );

    // A repository's `[env] deny = []` keeps the defaults: the agent never sees the token.
    let repo = TestRepo::new();
    let seen = repo.root.join(".andon/loops/nosy/agent/seen-token");
    repo.agent(
        "nosy",
        &format!(
            "printf '%s' \"${{GITHUB_TOKEN:-}}\" > \"$(dirname \"$ANDON_FIX_PLAN\")/seen-token\"\n{fix}"
        ),
    );
    repo.config("[env]\ndeny = []\n");
    let plan = repo.plan("nosy", "nosy", "");
    repo.commit("plan");
    let out = repo.run_headless(&plan, &[("GITHUB_TOKEN", "ghp_secret")], LIMIT);
    expect_exit(&out, 0);
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap(),
        "",
        "the token leaked"
    );

    // And a repository that lets it through by name is refused, pointing at the user config.
    repo.config("allow = [\"GITHUB_TOKEN\"]\n");
    let plan = repo.plan("nosier", "nosy", "");
    repo.commit("allow");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("andon.toml:"), "{err}");
    assert!(
        err.contains("would pass variables kept from agents"),
        "{err}"
    );
    assert!(err.contains(".config/andon/config.toml"), "{err}");
}

#[test]
fn setup_commands_get_the_agents_environment_and_quoted_placeholders() {
    let repo = TestRepo::new();
    repo.agent("idle", "true");
    // A worktree path that breaks an unquoted `sh -c` and runs code in it.
    repo.config(
        "[worktrees]\nroot = \"../{repo} trees $(touch hacked)\"\n\
         setup = [\"printf '%s' \\\"${{GITHUB_TOKEN:-withheld}}\\\" > {worktree}/token.txt\"]\n",
    );
    repo.write(".gitignore", "token.txt\n");
    let plan = repo.plan("setup", "idle", "max_iterations = 1");
    repo.commit("plan");
    let out = repo.run_headless(&plan, &[("GITHUB_TOKEN", "ghp_secret")], LIMIT);
    let name = repo.root.file_name().unwrap().to_string_lossy();
    let worktree = repo
        .root
        .parent()
        .unwrap()
        .join(format!("{name} trees $(touch hacked)/setup"));
    assert!(worktree.is_dir(), "{}", stderr(&out));
    let token = std::fs::read_to_string(worktree.join("token.txt"))
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(token, "withheld", "setup saw the token");
    assert!(!worktree.join("hacked").exists(), "the path ran as code");
}

#[test]
fn setup_commands_run_in_the_loops_sandbox() {
    if !landlock() {
        return;
    }
    let repo = TestRepo::new();
    repo.agent("idle", "true");
    repo.config("[worktrees]\nsetup = [\"touch {worktree}/ok\", \"touch {repo}/escaped\"]\n");
    let plan = repo.plan("jailed", "idle", "sandbox = \"landlock\"");
    repo.commit("plan");
    let out = run(&repo, &plan);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("setup command `touch {repo}/escaped` failed"),
        "{err}"
    );
    assert!(
        !repo.root.join("escaped").exists(),
        "setup wrote the repository"
    );
    assert!(!repo.worktree("jailed").exists(), "nothing half-created");
}

#[test]
fn a_cache_dir_that_holds_programs_is_refused_and_its_data_folders_do_not() {
    // The README's old example: the agent wrote ~/.cargo/bin/cargo, a fake that passed checks.
    let repo = TestRepo::new();
    let user = repo.user_config("[sandbox]\nmode = \"landlock\"\ncache_dirs = [\"~/.cargo\"]\n");
    let fake = repo.home.join(".cargo/bin/cargo");
    repo.agent(
        "faker",
        &format!(
            "mkdir -p '{dir}' && printf '#!/bin/sh\\necho 42 passed\\n' > '{fake}'\n\
             echo '# tried' >> src/price.sh",
            dir = fake.parent().unwrap().display(),
            fake = fake.display()
        ),
    );
    let plan = repo.plan("faker", "faker", "max_iterations = 1");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:3", user.display())), "{err}");
    assert!(err.contains("~/.cargo holds programs"), "{err}");
    assert!(
        err.contains("cache_dirs = [\"~/.cargo/registry\", \"~/.cargo/git\"]"),
        "{err}"
    );

    // Its data folders are fine, and the agent still cannot write the programs beside them.
    if !landlock() {
        return;
    }
    repo.user_config(
        "[sandbox]\nmode = \"landlock\"\ncache_dirs = [\"~/.cargo/registry\", \"~/.cargo/git\"]\n",
    );
    expect_exit(&run(&repo, &plan), 3);
    let log = std::fs::read_to_string(repo.root.join(".andon/loops/faker/iter-1/agent.log"))
        .unwrap_or_default();
    let refused = log.contains("Permission denied") || log.contains("Read-only file system");
    assert!(refused, "the agent tried: {log}");
    assert!(
        !fake.exists(),
        "the agent planted a program on the user's PATH"
    );
    assert!(repo.home.join(".cargo/registry").is_dir());
}
