//! Limited power for agents, against the real binary and a real kernel: a sandboxed agent (and
//! a sandboxed check) that writes into the main repository or `$HOME` is refused, the refusal
//! becomes a `guard_violation` incident naming the path, and writes in the worktree succeed.

use crate::common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

const FIX: &str = r###"printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh"###;

/// `andon run --headless PLAN` with a temp dir of its own.
fn run(repo: &TestRepo, plan: &str) -> Output {
    repo.run_headless(plan, &[], LIMIT)
}

fn incidents(repo: &TestRepo, slug: &str) -> Vec<(u32, String, String)> {
    repo.store()
        .incidents(Some(slug))
        .unwrap()
        .into_iter()
        .map(|i| (i.iteration, i.category, i.summary))
        .collect()
}

fn shown(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[test]
fn a_sandboxed_agent_writes_its_worktree_and_is_refused_the_repo_and_home() {
    if !landlock() {
        return;
    }
    let repo = TestRepo::new();
    let in_repo = repo.root.join("pwned");
    let in_home = repo.home.join("pwned");
    // Iteration 1 fixes the code and tries to escape; iteration 2 only fixes the code.
    repo.agent(
        "jail",
        &format!(
            "{FIX}\nif [ \"$ANDON_ITERATION\" = 1 ]; then\n  echo x > '{}'\n  echo x > \"$HOME/pwned\"\nfi\nmkdir -p \"$TMPDIR/scratch\" && echo ok > \"$TMPDIR/scratch/f\"\n",
            shown(&in_repo)
        ),
    );
    let plan = repo.plan("jail", "jail", "sandbox = \"landlock\"");
    repo.commit("plan");

    let out = run(&repo, &plan);
    expect_exit(&out, 0);

    assert!(!in_repo.exists(), "the main repository was written");
    assert!(!in_home.exists(), "$HOME was written");
    let worktree = repo.worktree("jail");
    assert_eq!(
        std::fs::read_to_string(worktree.join("src/price.sh")).unwrap(),
        FIXED_PRICE,
        "the write in the worktree went through"
    );
    assert!(
        repo.root.join(".andon/loops/jail/tmp/scratch/f").exists(),
        "the loop's temp folder, its TMPDIR, is writable"
    );

    let incidents = incidents(&repo, "jail");
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let (iteration, category, summary) = &incidents[0];
    assert_eq!((*iteration, category.as_str()), (1, "guard_violation"));
    assert!(summary.contains(&shown(&in_repo)), "{summary}");
    assert!(summary.contains(&shown(&in_home)), "{summary}");

    // The agent heard what was refused, and the checks saw the worktree's change.
    assert!(
        repo.prompt("jail", 2).contains("sandbox denied"),
        "{}",
        repo.prompt("jail", 2)
    );
    let runs = repo.store().check_runs("jail", None).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].iteration == 2 && runs[0].passed, "{runs:?}");
    let log = std::fs::read_to_string(repo.root.join(".andon/loops/jail/iter-1/agent.log"))
        .unwrap_or_default();
    // Landlock says "Permission denied"; in namespaces the system is also read-only.
    let refused = log.contains("Permission denied") || log.contains("Read-only file system");
    assert!(refused, "{log}");
}

#[test]
fn a_sandboxed_check_that_writes_home_fails_as_a_guard_violation() {
    if !landlock() {
        return;
    }
    let repo = TestRepo::new();
    repo.agent("fixer", FIX);
    // Only the [sandbox] table asks for Landlock: the global setting reaches checks too.
    repo.config("[sandbox]\nmode = \"landlock\"\n");
    let plan = repo.plan("cache", "fixer", "max_iterations = 1");
    repo.edit(
        &plan,
        &[(
            "run = \"sh tests/test_price.sh\"",
            "run = \"echo warm > $HOME/.cache-file && sh tests/test_price.sh\"",
        )],
    );
    repo.commit("plan");

    let out = run(&repo, &plan);
    expect_exit(&out, 3);

    let refused = repo.home.join(".cache-file");
    assert!(!refused.exists());
    let incidents = incidents(&repo, "cache");
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let (_, category, summary) = &incidents[0];
    assert_eq!(category, "guard_violation");
    assert!(summary.contains(&shown(&refused)), "{summary}");
    assert!(summary.contains("tests failed"), "{summary}");
}

#[test]
fn an_unknown_sandbox_value_in_a_plan_names_the_line_and_the_fix() {
    let repo = TestRepo::new();
    repo.agent("ok", "true");
    let plan = repo.plan("bad", "ok", "sandbox = \"landlok\"");
    repo.commit("plan");

    let out = run(&repo, &plan);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("plans/bad.md:5"), "{err}");
    assert!(err.contains("`sandbox` cannot be \"landlok\""), "{err}");
    assert!(err.contains("fix: did you mean `landlock`?"), "{err}");
    assert!(!repo.worktree("bad").exists(), "nothing was created");
}

#[test]
fn where_no_namespaces_can_be_made_the_default_runs_on_landlock_alone_and_says_so() {
    if !landlock() {
        return;
    }
    let repo = TestRepo::new();
    // A bubblewrap that cannot make namespaces, as where user namespaces are disabled.
    let bin = repo.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let bwrap = bin.join("bwrap");
    std::fs::write(
        &bwrap,
        "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&bwrap, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(repo.home.join(".ssh")).unwrap();
    std::fs::write(repo.home.join(".ssh/id_test"), "PRIVATE KEY\n").unwrap();
    let in_home = repo.home.join("pwned");
    repo.agent(
        "alone",
        &format!(
            "{FIX}\nif [ \"$ANDON_ITERATION\" = 1 ]; then\n  echo x > \"$HOME/pwned\"\n  \
             cat \"$HOME/.ssh/id_test\" > read.txt\nfi\n\
             (setsid env -u ANDON_SUPERVISOR_TOKEN '{andon}' stop alone > stop.txt 2>&1 &)\n\
             for i in $(seq 300); do [ -s stop.txt ] && break; sleep 0.1; done\n",
            andon = ANDON,
        ),
    );
    repo.write(".gitignore", "read.txt\nstop.txt\n");
    // Nothing asks for a sandbox: andon's default.
    let plan = repo.plan("alone", "alone", "");
    repo.commit("plan");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = repo.run_headless(&plan, &[("PATH", &path)], LIMIT);
    expect_exit(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("sandbox (andon's default): bwrap cannot make namespaces here")
            && err.contains("run on Landlock alone"),
        "{err}"
    );
    // Writes are still filtered; reads are not (the README says so).
    assert!(!in_home.exists(), "$HOME was written");
    let incidents = incidents(&repo, "alone");
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert!(incidents[0].2.contains(&shown(&in_home)), "{incidents:?}");
    // A human-only action from a process the agent detached, out of its session and without
    // the token: still the agent's, refused (the loop would be stopped, exit 3, otherwise).
    let said = std::fs::read_to_string(repo.worktree("alone").join("stop.txt")).unwrap();
    assert!(said.contains("runs inside an agent"), "{said}");
    let read = std::fs::read_to_string(repo.worktree("alone").join("read.txt")).unwrap();
    assert_eq!(read, "PRIVATE KEY\n", "Landlock alone does not hide reads");
}
