//! A repository of loops that never finish, for the crash and soak benchmarks: a price bug no
//! agent fixes, a check that catches it, breakers out of reach, and `loops` plans driven by
//! the given agent script.

use std::path::Path;
use std::process::Command;

/// Runs git in `dir` with a fixed identity; panics when it fails (a benchmark's setup).
pub fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@localhost")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@localhost")
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "git {args:?}");
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// Builds the repository at `root` with plans `plans/<prefix>NN.md`; returns their paths.
pub fn build(root: &Path, agent_script: &str, loops: usize, prefix: &str) -> Vec<String> {
    write(root, "src/price.sh", "price() { echo $(( $1 - $2 )); }\n");
    write(
        root,
        "check.sh",
        "#!/bin/sh\n. ./src/price.sh\n[ \"$(price 5 10)\" = 0 ] || { echo \"FAIL: price 5 10 = $(price 5 10) $(date +%N)\"; exit 1; }\n",
    );
    write(root, "agents/agent.sh", agent_script);
    write(
        root,
        "andon.toml",
        "[agents.endless]\ncommand = [\"sh\", \"agents/agent.sh\"]\nprompt = \"file\"\n\n[breakers]\nconsecutive_failures = 1000000\nrepeat_fingerprint = 1000000\nmax_iterations = 1000000\n",
    );
    let plans: Vec<String> = (0..loops)
        .map(|i| format!("plans/{prefix}{i:02}.md"))
        .collect();
    for plan in &plans {
        write(
            root,
            plan,
            "+++\ngoal = \"Prices are never negative\"\nagent = \"endless\"\nscope = [\"src/**\"]\n[[checks]]\nname = \"tests\"\nrun = \"sh check.sh\"\ntimeout = \"30s\"\n+++\n# Keep trying\n",
        );
    }
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "initial"]);
    plans
}
