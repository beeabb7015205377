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
    // A later run calls for its own loop only: `fix`, still awaiting approval as the store
    // left it, is not called for again.
    repo.plan("other", "fixer", "");
    repo.commit("another plan");
    let out = repo.run_headless("plans/other.md", &[], LIMIT);
    expect_exit(&out, 0);
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls.matches("fix|blue").count(), 1, "{calls}");
    assert_eq!(calls.matches("other|blue").count(), 1, "{calls}");
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
        "[\"sh\", \"-c\", \"echo begun >> {}; sleep 613; echo done\"]",
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
        .args(["-f", "sleep 613"])
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

    let repo = TestRepo::new();
    repo.config("[notify]\nterminal = true\n");
    repo.plan("fix", "sim", "");
    repo.commit("plan");
    let out = repo.run_headless("plans/fix.md", &[], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("andon.toml:2"), "{err}");
    assert!(err.contains("[notify] `terminal`"), "{err}");
}

/// The board in a pseudo-terminal (the test plays the host terminal and reads what it is
/// sent), with `extra` in its environment; returns every byte once the call arrived.
fn board_in_a_pty(repo: &TestRepo, extra: &[(&str, &str)], call: &str) -> String {
    let dir = repo.root.parent().unwrap();
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let log = dir.join(format!("terminal-{}.log", extra.len()));
    let mut env: Vec<(String, String)> = [
        ("PATH", std::env::var("PATH").unwrap()),
        ("HOME", repo.home.display().to_string()),
        (
            "XDG_CONFIG_HOME",
            repo.home.join(".config").display().to_string(),
        ),
        ("TERM", "xterm-256color".to_string()),
        ("TMPDIR", tmp.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let child = andon::pty::PtyChild::spawn(
        andon::pty::PtySpec {
            argv: vec![ANDON.into(), "run".into(), "plans/fix.md".into()],
            cwd: repo.root.clone(),
            env,
            rows: 40,
            cols: 120,
            log_path: log.clone(),
            stdin_data: None,
        },
        Box::new(|_| {}),
    )
    .unwrap();
    let seen = eventually(LIMIT, "the Andon call on the board's terminal", || {
        let bytes = std::fs::read(&log).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        text.contains(call).then_some(text)
    });
    andon::pty::signal::kill_group(child.pid()).unwrap();
    seen
}

/// A repo whose `fix` plan goes green at once, with the terminal sink on for blue lamps;
/// and the title its call has.
fn repo_with_terminal_sink() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.agent(
        "fixer",
        &format!("printf '%s' '{FIXED_PRICE}' > src/price.sh"),
    );
    repo.plan("fix", "fixer", "");
    repo.commit("plan");
    repo.user_config("[sandbox]\nmode = \"off\"\n[notify]\non = [\"blue\"]\nterminal = true\n");
    let name = repo
        .root
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    (repo, format!("andon {name}: fix blue"))
}

#[test]
fn the_terminal_sink_reaches_the_host_terminal_only_while_the_board_runs() {
    // Headless: no terminal is the board's, so nothing is written to it.
    let (repo, _) = repo_with_terminal_sink();
    let out = repo.run_headless("plans/fix.md", &[], LIMIT);
    expect_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("\x1b]"), "{stdout:?}");

    // The board: OSC 777 on its terminal, once the loop waits for review.
    let (repo, title) = repo_with_terminal_sink();
    let call = format!("\x1b]777;notify;{title};awaiting approval\x1b\\");
    let seen = board_in_a_pty(&repo, &[], &call);
    assert_eq!(seen.matches("\x1b]777;").count(), 1, "one call: {seen:?}");

    // Inside tmux, wrapped for passthrough; iTerm2 (seen through tmux) reads OSC 9.
    let (repo, title) = repo_with_terminal_sink();
    let wrapped = format!("\x1bPtmux;\x1b\x1b]9;{title}: awaiting approval\x1b\x1b\\\x1b\\");
    board_in_a_pty(
        &repo,
        &[
            ("TMUX", "/tmp/tmux-1000/default,1,0"),
            ("LC_TERMINAL", "iTerm2"),
        ],
        &wrapped,
    );
}
