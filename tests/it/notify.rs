//! The Andon call: a `[notify] command` sink runs once per transition that needs a human, with
//! its placeholders filled; a sink that hangs or fails never holds a loop up; a sink that
//! cannot run is named at start-up; a repository cannot set one.

use std::time::Duration;

use andon::store::Store;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(120);

/// A repo whose `fix` plan goes green at once, and a user config (sandbox off) whose
/// `[notify]` table holds `notify`.
fn repo_notifying(notify: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.agent(
        "fixer",
        &format!("printf '%s' '{FIXED_PRICE}' > src/price.sh"),
    );
    repo.plan("fix", "fixer", "");
    repo.commit("plan");
    repo.user_config(&format!("[sandbox]\nmode = \"off\"\n[notify]\n{notify}"));
    repo
}

/// [`repo_notifying`] through the command `command` (TOML array text), with `extra` lines.
fn repo_with_sink(command: &str, extra: &str) -> TestRepo {
    repo_notifying(&format!("command = {command}\n{extra}"))
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
    let name = repo_name(&repo);
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
    let pidfile = probe.root.parent().unwrap().join("sleeper.pid");
    // The sink starts a sleeper of its own and waits for it: ending the sink alone would
    // leave the sleeper behind.
    let hang = format!(
        "[\"sh\", \"-c\", \"echo begun >> {}; sleep 600 & echo $! > {}; wait\"]",
        marker.display(),
        pidfile.display()
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
    // Ended after its timeout, with what it started: no sleeper is left behind.
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let proc = std::path::PathBuf::from(format!("/proc/{}", pid.trim()));
    eventually(LIMIT, "the sink's sleeper ended", || {
        (!proc.exists()).then_some(())
    });

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

    // A repository may choose what notifies, never a sink.
    for (toml, line, key) in [
        (
            "[notify]\non = [\"red\"]\ncommand = [\"curl\", \"{body}\"]\n",
            "andon.toml:3",
            "[notify] `command`",
        ),
        (
            "[notify]\nterminal = true\n",
            "andon.toml:2",
            "[notify] `terminal`",
        ),
    ] {
        let repo = TestRepo::new();
        repo.config(toml);
        repo.plan("fix", "sim", "");
        repo.commit("plan");
        let out = repo.run_headless("plans/fix.md", &[], LIMIT);
        expect_exit(&out, 2);
        let err = stderr(&out);
        assert!(err.contains(line), "{err}");
        assert!(err.contains(key), "{err}");
        assert!(err.contains("not where they go"), "{err}");
        assert!(err.contains("~/.config/andon/config.toml"), "{err}");
    }
}

/// andon in a pseudo-terminal, as the host terminal sees it: every byte it writes lands in
/// `log`. The child's process group is ended when this is dropped, however the test ends.
struct InAPty {
    child: andon::pty::PtyChild,
    log: std::path::PathBuf,
}

impl InAPty {
    fn start(repo: &TestRepo, args: &[&str], extra: &[(&str, &str)], name: &str) -> InAPty {
        let dir = repo.root.parent().unwrap();
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let log = dir.join(format!("terminal-{name}.log"));
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
        let mut argv = vec![ANDON.to_string()];
        argv.extend(args.iter().map(|a| a.to_string()));
        let child = andon::pty::PtyChild::spawn(
            andon::pty::PtySpec {
                argv,
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
        InAPty { child, log }
    }

    fn seen(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }

    fn wait_for(&self, what: &str, text: &str) {
        eventually(LIMIT, what, || self.seen().contains(text).then_some(()));
    }

    /// Everything it wrote, once it has exited.
    fn ended(&self) -> String {
        eventually(LIMIT, "andon exited", || self.child.try_exit());
        self.seen()
    }
}

impl Drop for InAPty {
    fn drop(&mut self) {
        if self.child.try_exit().is_none() {
            andon::pty::signal::kill_group(self.child.pid()).ok();
        }
    }
}

/// The board sends the call to its terminal; quit, every call it made is in the log.
fn board_in_a_pty(repo: &TestRepo, extra: &[(&str, &str)], call: &str) -> String {
    let board = InAPty::start(
        repo,
        &["run", "plans/fix.md"],
        extra,
        &extra.len().to_string(),
    );
    board.wait_for("the Andon call on the board's terminal", call);
    // Quitting flushes any call still held back: a second one would show by then.
    board.child.write(b"q".to_vec()).unwrap();
    board.wait_for("the quit question", "y/Enter");
    board.child.write(b"y".to_vec()).unwrap();
    board.ended()
}

/// A repo whose `fix` plan goes green at once, with the terminal sink on for blue lamps;
/// and the title its call has.
fn repo_with_terminal_sink() -> (TestRepo, String) {
    let repo = repo_notifying("on = [\"blue\"]\nterminal = true\n");
    let name = repo_name(&repo);
    (repo, format!("andon {name}: fix blue"))
}

/// The repository's name, as its calls say it.
fn repo_name(repo: &TestRepo) -> String {
    repo.root
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn the_terminal_sink_reaches_the_host_terminal_only_while_the_board_runs() {
    // Headless, even in a terminal: the board owns no terminal, so nothing is written to it.
    let (repo, _) = repo_with_terminal_sink();
    let headless = InAPty::start(
        &repo,
        &["run", "--headless", "plans/fix.md"],
        &[],
        "headless",
    );
    let seen = headless.ended();
    assert!(seen.contains("awaiting approval"), "{seen:?}");
    for osc in ["\x1b]777;", "\x1b]9;", "\x1bPtmux;"] {
        assert!(!seen.contains(osc), "{osc:?} in {seen:?}");
    }

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

#[test]
fn notify_test_writes_the_terminal_sink_to_the_terminal_it_runs_in() {
    let (repo, _) = repo_with_terminal_sink();
    let name = repo_name(&repo);
    let run = InAPty::start(&repo, &["notify", "test"], &[], "notify-test");
    let seen = run.ended();
    assert!(
        seen.contains(&format!(
            "\x1b]777;notify;andon {name}: test;a sample notification"
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains("written to this terminal (OSC 777)"),
        "{seen:?}"
    );
}
