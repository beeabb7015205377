//! The Andon call: a `[notify] command` sink runs once per transition that needs a human, with
//! its placeholders filled; a sink that hangs or fails never holds a loop up; a sink that
//! cannot run is named at start-up; a repository cannot set one.

use std::time::Duration;

use andon::store::Store;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(120);

/// A repo whose `fix` plan goes green at once, and a user config whose notify command is
/// `command` (TOML array text) with `extra` lines.
fn repo_with_sink(command: &str, extra: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.agent(
        "fixer",
        &format!("printf '%s' '{FIXED_PRICE}' > src/price.sh"),
    );
    repo.plan("fix", "fixer", "");
    repo.commit("plan");
    repo.user_config(&format!(
        "[sandbox]\nmode = \"off\"\n[notify]\ncommand = {command}\n{extra}"
    ));
    repo
}

fn recorder(repo: &TestRepo) -> (String, std::path::PathBuf) {
    let dir = repo.root.parent().unwrap();
    let log = dir.join("calls.log");
    let script = dir.join("record.sh");
    std::fs::write(
        &script,
        format!(
            "printf '%s|' \"$@\" >> {log}\nprintf 'env:%s\\n' \"$ANDON_REASON$ANDON_STATE\" >> {log}\n",
            log = log.display()
        ),
    )
    .unwrap();
    (
        format!(
            "[\"sh\", \"{}\", \"{{loop}}\", \"{{lamp}}\", \"{{state}}\", \"{{title}}\", \"{{body}}\"]",
            script.display()
        ),
        log,
    )
}

#[test]
fn one_call_per_transition_with_the_placeholders_filled() {
    let probe = TestRepo::new();
    let (command, log) = recorder(&probe);
    let repo = repo_with_sink(&command, "");
    // The recorder lives beside the probe's repo; the calls land in its log.
    let out = repo.run_headless("plans/fix.md", &[], LIMIT);
    expect_exit(&out, 0);
    let calls = std::fs::read_to_string(&log).unwrap();
    let name = repo
        .root
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        calls,
        format!("fix|blue|awaiting_approval|andon {name}: fix blue|awaiting approval|env:awaiting_approval\n"),
        "one call: the diff awaits its human"
    );
    // `andon notify test` sends a sample through the same command.
    let out = repo.andon(&["notify", "test"], LIMIT);
    expect_exit(&out, 0);
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.contains(&format!("||andon {name}: test|a sample notification")),
        "{calls}"
    );
}

#[test]
fn a_sink_that_hangs_or_fails_never_holds_a_loop_up() {
    let probe = TestRepo::new();
    let marker = probe.root.parent().unwrap().join("begun");
    let hang = format!(
        "[\"sh\", \"-c\", \"echo begun >> {}; exec sleep 600\"]",
        marker.display()
    );
    let repo = repo_with_sink(&hang, "timeout = \"1s\"\n");
    let out = repo.run_headless("plans/fix.md", &[], LIMIT);
    expect_exit(&out, 0);
    assert!(marker.exists(), "the sink ran");
    let store = Store::open_read_only(&repo.root.join(".andon/andon.db")).unwrap();
    assert_eq!(
        store.get_loop("fix").unwrap().unwrap().state,
        "awaiting_approval"
    );
    // Ended after its timeout: no sleeper is left behind.
    let left = std::process::Command::new("pgrep")
        .args(["-f", &format!("echo begun >> {}", marker.display())])
        .output()
        .unwrap();
    assert!(left.stdout.is_empty(), "the hung sink was ended");

    let failing = repo_with_sink("[\"false\"]", "");
    let out = failing.run_headless("plans/fix.md", &[], LIMIT);
    expect_exit(&out, 0);
    let log = std::fs::read_to_string(failing.root.join(".andon/andon.log")).unwrap_or_default();
    assert!(log.contains("the notify command failed"), "{log}");
}

#[test]
fn a_sink_that_cannot_run_is_named_at_start_up_and_a_repo_cannot_set_one() {
    let repo = repo_with_sink("[\"no-such-notifier-xyz\", \"{title}\"]", "");
    let out = repo.run_headless("plans/fix.md", &[], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("config.toml:4"), "{err}");
    assert!(
        err.contains("`no-such-notifier-xyz` is not installed"),
        "{err}"
    );
    assert!(
        !repo.root.join(".andon/andon.db").exists() || repo.store().loops().unwrap().is_empty()
    );

    let repo = TestRepo::new();
    repo.config("[notify]\non = [\"red\"]\ncommand = [\"curl\", \"{body}\"]\n");
    repo.plan("fix", "sim", "");
    repo.commit("plan");
    let out = repo.run_headless("plans/fix.md", &[], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("andon.toml:3"), "{err}");
    assert!(err.contains("not where they go"), "{err}");
    assert!(err.contains("~/.config/andon/config.toml"), "{err}");
}
