//! The sandbox as a boundary, against the real binary, bubblewrap and a real kernel: a
//! sandboxed agent cannot approve its own work through andon, read the user's keys, see or
//! signal andon, and what it leaves running dies with its loop.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

/// A child killed when the test ends, passed or not.
struct Guard(std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every process whose command line holds `needle`.
fn processes_with(needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(needle))
        .collect()
}

#[test]
fn a_sandboxed_agent_cannot_approve_itself_read_keys_or_touch_andon() {
    if !landlock() || !namespaces() {
        return;
    }
    let repo = TestRepo::new();
    // The keys live elsewhere and ~/.ssh links to them, as with a dotfiles manager.
    std::fs::create_dir_all(repo.home.join("keys")).unwrap();
    std::fs::write(repo.home.join("keys/id_test"), "PRIVATE KEY\n").unwrap();
    std::os::unix::fs::symlink(repo.home.join("keys"), repo.home.join(".ssh")).unwrap();
    let pid_file = repo.home.join("andon.pid");
    let marker = format!("sleep {}", 3000 + std::process::id() % 1000);
    // Another repository's andon, with a loop waiting for approval, reachable by its path.
    let other = TestRepo::new();
    other.agent(
        "fixer",
        &format!("cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"),
    );
    let other_plan = other.plan("other", "fixer", "");
    other.commit("plan");
    expect_exit(&other.andon(&["run", "--headless", &other_plan], LIMIT), 0);
    let other_server = Guard(other.serve());
    let other_main = git(&other.root, &["rev-parse", "main"]);
    repo.agent(
        "escaper",
        &format!(
            "r=report.txt\n\
             for i in $(seq 300); do [ -s '{pid}' ] && break; sleep 0.1; done\n\
             pid=$(cat '{pid}'); echo \"pid:$pid\" >> $r\n\
             cat \"$HOME/.ssh/id_test\" >> $r 2>&1; echo \"ssh:$?\" >> $r\n\
             cat /proc/$pid/environ > /dev/null 2>&1; echo \"environ:$?\" >> $r\n\
             kill -0 $pid 2>/dev/null; echo \"kill:$?\" >> $r\n\
             setsid env -u ANDON_SUPERVISOR_TOKEN '{andon}' approve boundary --merge --yes \
             --reason ok >> $r 2>&1; echo \"approve:$?\" >> $r\n\
             (cd '{other}' && setsid env -u ANDON_SUPERVISOR_TOKEN '{andon}' abort other) \
             >> $r 2>&1; echo \"abort-other:$?\" >> $r\n\
             setsid env -u ANDON_SUPERVISOR_TOKEN {marker} > /dev/null 2>&1 < /dev/null &\n\
             cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF",
            pid = pid_file.display(),
            andon = ANDON,
            other = other.root.display(),
        ),
    );
    repo.write(".gitignore", "report.txt\n");
    let plan = repo.plan("boundary", "escaper", "sandbox = \"landlock\"");
    repo.commit("plan");
    let main_before = git(&repo.root, &["rev-parse", "main"]);

    let child = repo.spawn_headless(&plan, &[]);
    std::fs::write(&pid_file, child.id().to_string()).unwrap();
    let out = wait_output(child, LIMIT);
    expect_exit(&out, 0);

    let report = std::fs::read_to_string(repo.worktree("boundary").join("report.txt"))
        .unwrap_or_else(|e| panic!("no report ({e}): {}", stderr(&out)));
    let status = |what: &str| {
        report
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{what}:")))
            .unwrap_or_else(|| panic!("{what} not tried: {report}"))
            .to_string()
    };
    assert!(
        !report.contains("PRIVATE KEY"),
        "the agent read the key: {report}"
    );
    assert!(
        report.contains("runs inside an agent"),
        "the other andon heard the agent and refused it: {report}"
    );
    assert!(
        status("pid").parse::<u32>().is_ok(),
        "the agent knew andon's pid: {report}"
    );
    for what in ["ssh", "environ", "kill", "approve", "abort-other"] {
        assert_ne!(
            status(what),
            "0",
            "{what} succeeded from inside the sandbox: {report}"
        );
    }
    assert_eq!(
        git(&repo.root, &["rev-parse", "main"]),
        main_before,
        "main moved"
    );
    assert_eq!(
        git(&other.root, &["rev-parse", "main"]),
        other_main,
        "the other repository's main moved"
    );
    let other_row = other.store().get_loop("other").unwrap().unwrap();
    assert_eq!(
        other_row.state, "awaiting_approval",
        "the agent acted on another repository"
    );
    drop(other_server);
    let row = repo.store().get_loop("boundary").unwrap().unwrap();
    assert_eq!(row.state, "awaiting_approval", "{report}");
    // What the agent detached is gone with its run.
    let left = processes_with(&marker);
    assert!(left.is_empty(), "outlived its loop: {left:?}");
}

#[test]
fn what_a_sandboxed_agent_detaches_dies_when_andon_is_killed() {
    if !landlock() || !namespaces() {
        return;
    }
    let repo = TestRepo::new();
    let marker = format!("sleep {}", 4000 + std::process::id() % 1000);
    repo.agent(
        "lingerer",
        &format!("setsid env -u ANDON_SUPERVISOR_TOKEN {marker} > /dev/null 2>&1 < /dev/null &\nsleep 120"),
    );
    let plan = repo.plan("lingerer", "lingerer", "sandbox = \"landlock\"");
    repo.commit("plan");
    let andon = Guard(repo.spawn_headless(&plan, &[]));
    eventually(LIMIT, "the detached process", || {
        (!processes_with(&marker).is_empty()).then_some(())
    });
    // kill -9.
    drop(andon);
    eventually(LIMIT, "the detached process to die with andon", || {
        processes_with(&marker).is_empty().then_some(())
    });
}

/// A repository whose loop `audited` a human stopped, resumed and stopped (`actions`), then
/// aborted: that many audit rows, plus the abort.
fn audited_repo(actions: &[&str]) -> TestRepo {
    let repo = TestRepo::new();
    repo.agent("audited", "sleep 30");
    let plan = repo.plan("audited", "audited", "");
    repo.commit("plan");
    let child = repo.spawn(&["run", "--headless", &plan]);
    let socket = repo.root.join(".andon/control.sock");
    eventually(LIMIT, "the control socket", || {
        socket.exists().then_some(())
    });
    for action in actions {
        let out = repo.andon(&[action, "audited"], LIMIT);
        expect_exit(&out, 0);
    }
    expect_exit(&repo.andon(&["abort", "audited"], LIMIT), 0);
    wait_output(child, LIMIT);
    repo
}

#[test]
fn a_forged_audit_row_is_found_by_audit_verify() {
    let repo = audited_repo(&["stop", "resume", "stop"]);
    let verify = |repo: &TestRepo| repo.andon(&["audit", "--verify"], LIMIT);
    let out = verify(&repo);
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("audit trail intact: 4 rows chained"),
        "{}",
        stdout(&out)
    );

    // What the agent did: drop the triggers, delete every row, write its own.
    let db = rusqlite::Connection::open(repo.root.join(".andon/andon.db")).unwrap();
    db.execute_batch(
        "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; DELETE FROM audit;
         INSERT INTO audit (at, actor, action, reason, mac)
         VALUES (1, 'alice', 'approve_merge', 'reviewed, ship it', NULL);",
    )
    .unwrap();
    drop(db);
    let out = verify(&repo);
    expect_exit(&out, 1);
    assert!(
        stdout(&out).contains("audit trail broken at row 4"),
        "{}",
        stdout(&out)
    );

    // A row forged with a made-up MAC after the real ones is named by its id.
    let repo = audited_repo(&["stop"]);
    let db = rusqlite::Connection::open(repo.root.join(".andon/andon.db")).unwrap();
    db.execute(
        "INSERT INTO audit (at, actor, action, reason, mac) VALUES (1, 'alice', 'approve_merge', \
         'reviewed, ship it', ?1)",
        ["ab".repeat(32)],
    )
    .unwrap();
    drop(db);
    let out = verify(&repo);
    expect_exit(&out, 1);
    assert!(
        stdout(&out).contains("audit trail broken at row 3"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("forged or edited"),
        "{}",
        stdout(&out)
    );
    // Nor can the trail's end, or the whole store, be taken away unseen.
    std::fs::remove_file(repo.root.join(".andon/audit.head")).unwrap();
    let out = verify(&repo);
    expect_exit(&out, 1);
    assert!(
        stdout(&out).contains("audit.head cannot be read"),
        "{}",
        stdout(&out)
    );
    for file in ["andon.db", "andon.db-wal", "andon.db-shm"] {
        let _ = std::fs::remove_file(repo.root.join(".andon").join(file));
    }
    let out = verify(&repo);
    expect_exit(&out, 1);
    assert!(
        stdout(&out).contains("audit trail broken"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn checks_run_offline_unless_they_need_the_network_and_agents_keep_it() {
    if !landlock() || !namespaces() {
        return;
    }
    // A service on the host's loopback, as a test that reaches out would find one.
    let service = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = service.local_addr().unwrap().port();
    let reach = format!("bash -c 'echo > /dev/tcp/127.0.0.1/{port}' 2>/dev/null");
    let repo = TestRepo::new();
    repo.agent(
        "online",
        &format!(
            "if {reach}; then echo reached > agent-net.txt; fi\n\
             cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"
        ),
    );
    repo.write(".gitignore", "agent-net.txt\n");
    // Passes only if the host is out of reach, and only if it is in reach.
    let checks = format!(
        "[[checks]]\nname = \"offline\"\nrun = \"! {reach}\"\n\n\
         [[checks]]\nname = \"online\"\nrun = \"{reach}\"\nnetwork = true\n"
    );
    let plan = repo.plan("net", "online", &checks);
    repo.commit("plan");
    let out = repo.run_headless(&plan, &[], LIMIT);
    expect_exit(&out, 0);
    let row = repo.store().get_loop("net").unwrap().unwrap();
    assert_eq!(row.state, "awaiting_approval");
    assert!(
        repo.worktree("net").join("agent-net.txt").exists(),
        "the agent lost the network"
    );

    // A profile that says `network = false` (a local agent) runs offline too.
    repo.agent(
        "local",
        &format!(
            "if {reach}; then echo reached > agent-net.txt; fi\n\
             cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"
        ),
    );
    repo.config("network = false\n");
    let plan = repo.plan("local", "local", "");
    repo.commit("local");
    expect_exit(&repo.run_headless(&plan, &[], LIMIT), 0);
    assert!(
        !repo.worktree("local").join("agent-net.txt").exists(),
        "the offline profile reached the host"
    );
    drop(service);
}

#[test]
fn an_offline_check_that_wanted_the_network_says_which_setting_gives_it() {
    if !landlock() || !namespaces() {
        return;
    }
    let repo = TestRepo::new();
    repo.agent(
        "fixer",
        &format!("cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"),
    );
    let resolve = "python3 -c 'import socket; socket.getaddrinfo(\\\"pypi.org\\\", 443)'";
    let plan = repo.plan(
        "resolver",
        "fixer",
        &format!("max_iterations = 1\n[[checks]]\nname = \"deps\"\nrun = \"{resolve}\"\n"),
    );
    repo.commit("plan");
    let out = repo.run_headless(&plan, &[], LIMIT);
    expect_exit(&out, 3);
    let incidents = repo.store().incidents(Some("resolver")).unwrap();
    let said = format!("{}{incidents:?}", stdout(&out));
    assert!(
        said.contains("add network = true to its [[checks]] table in plans/resolver.md"),
        "{said}"
    );
}

#[test]
fn an_agent_speaks_for_its_own_loop_only() {
    if !landlock() || !namespaces() {
        return;
    }
    let repo = TestRepo::new();
    // Both loops run at once; each agent says it started (in a cache dir the user shares
    // with every loop: nothing else is), waits for the other, signals the other loop
    // (claiming to be it, too) and its own, and reads the status the agents' socket gives it.
    let shared = repo.home.join("shared");
    repo.user_config(&format!(
        "[sandbox]\ncache_dirs = [\"{}\"]\n",
        shared.display()
    ));
    for (me, other) in [("alpha", "beta"), ("beta", "alpha")] {
        repo.agent(
            me,
            &format!(
                "r=report.txt\n\
                 touch '{shared}/{me}-started'\n\
                 for i in $(seq 100); do [ -e '{shared}/{other}-started' ] && break; sleep 0.1; done\n\
                 '{andon}' signal done >> $r 2>&1\n\
                 ANDON_LOOP={other} '{andon}' signal done >> $r 2>&1\n\
                 '{andon}' status --json >> $r 2>&1\n\
                 cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF",
                andon = ANDON,
                shared = shared.display(),
            ),
        );
        repo.plan(me, me, "");
    }
    repo.write(".gitignore", "report.txt\n");
    repo.commit("plans");
    let out = repo.andon(
        &["run", "--headless", "plans/alpha.md", "plans/beta.md"],
        LIMIT,
    );
    expect_exit(&out, 0);
    for (me, other) in [("alpha", "beta"), ("beta", "alpha")] {
        let report = std::fs::read_to_string(repo.worktree(me).join("report.txt")).unwrap();
        assert!(
            report.contains(&format!("this agent runs loop `{me}`, not `{other}`")),
            "{report}"
        );
        assert_eq!(
            report.matches("andon signal:").count(),
            1,
            "only the other loop's signal is refused: {report}"
        );
        assert!(report.contains(&format!("\"name\": \"{me}\"")), "{report}");
        assert!(
            !report.contains(&format!("\"name\": \"{other}\"")),
            "the agent read another loop's status: {report}"
        );
    }
}

#[test]
fn the_user_may_let_loops_read_a_credential_store_a_repository_may_not() {
    if !landlock() || !namespaces() {
        return;
    }
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.home.join(".ssh")).unwrap();
    std::fs::write(repo.home.join(".ssh/id_test"), "PRIVATE KEY\n").unwrap();
    std::fs::write(
        repo.home.join(".ssh/known_hosts"),
        "github.com ssh-ed25519 AAAA\n",
    )
    .unwrap();
    std::fs::create_dir_all(repo.home.join(".config/gh")).unwrap();
    std::fs::write(repo.home.join(".config/gh/hosts.yml"), "github.com: me\n").unwrap();
    repo.user_config("[sandbox]\nallow_read = [\"~/.ssh/known_hosts\", \"~/.config/gh\"]\n");
    repo.agent(
        "reader",
        &format!(
            "for f in .ssh/known_hosts .config/gh/hosts.yml .ssh/id_test; do \
             cat \"$HOME/$f\" >> read.txt 2>/dev/null || echo \"hidden $f\" >> read.txt; done\n\
             cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"
        ),
    );
    repo.write(".gitignore", "read.txt\n");
    let plan = repo.plan("reader", "reader", "");
    repo.commit("plan");
    expect_exit(&repo.run_headless(&plan, &[], LIMIT), 0);
    let read = std::fs::read_to_string(repo.worktree("reader").join("read.txt")).unwrap();
    assert_eq!(
        read,
        "github.com ssh-ed25519 AAAA\ngithub.com: me\nhidden .ssh/id_test\n"
    );

    // Without the user's word, the same stores are out of sight.
    repo.user_config("");
    let plan = repo.plan("blind", "reader", "");
    repo.commit("blind");
    expect_exit(&repo.run_headless(&plan, &[], LIMIT), 0);
    let read = std::fs::read_to_string(repo.worktree("blind").join("read.txt")).unwrap();
    assert_eq!(
        read,
        "hidden .ssh/known_hosts\nhidden .config/gh/hosts.yml\nhidden .ssh/id_test\n"
    );

    // A repository asking for more is refused at its line, pointing at the user config.
    repo.config("[sandbox]\nallow_read = [\"~/.ssh\"]\n");
    let plan = repo.plan("wider", "reader", "");
    repo.commit("wider");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("andon.toml:") && err.contains("allow_read has \"~/.ssh\""),
        "{err}"
    );
    assert!(err.contains(".config/andon/config.toml"), "{err}");
}

#[test]
fn an_agent_writes_only_its_launchs_copy_of_its_clis_state() {
    if !landlock() || !namespaces() {
        return;
    }
    let repo = TestRepo::new();
    let claude = repo.home.join(".claude");
    std::fs::create_dir_all(claude.join("commands")).unwrap();
    std::fs::write(claude.join("settings.json"), "{}\n").unwrap();
    let victim = repo.home.join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("keep"), "mine\n").unwrap();
    // A shell script run as the `claude` profile: iteration 1 plants a hook in the settings
    // it was given and swaps its copy for a link to the user's folder; iteration 2 reads
    // what it was given then, and fixes the price.
    repo.write(
        "agents/claude.sh",
        &format!(
            "#!/bin/sh\nd=\"$CLAUDE_CONFIG_DIR\"\n\
             if [ \"$ANDON_ITERATION\" = 1 ]; then\n\
             echo '{{\"hooks\": \"pwned\"}}' > \"$d/settings.json\"\n\
             ln -s '{victim}' \"$d/../../agent-0\" 2>/dev/null\n\
             rm -rf \"$d\" && ln -s '{victim}' \"$d\"\n\
             exit 1\nfi\n\
             cat \"$d/settings.json\" > given.txt\n\
             cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF\n",
            victim = victim.display()
        ),
    );
    repo.config("[agents.claude]\ncommand = [\"sh\", \"agents/claude.sh\"]\nprompt = \"file\"\n");
    repo.write(".gitignore", "given.txt\n");
    let plan = repo.plan("copy", "claude", "");
    repo.commit("plan");
    expect_exit(&repo.run_headless(&plan, &[], LIMIT), 0);
    assert_eq!(
        std::fs::read_to_string(claude.join("settings.json")).unwrap(),
        "{}\n",
        "the agent wrote the user's settings"
    );
    let listed: Vec<String> = std::fs::read_dir(&victim)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        listed,
        ["keep"],
        "andon removed or copied into what the agent's links point at"
    );
    assert!(
        !repo.root.join(".andon/loops/copy/state/agent-0").exists(),
        "the agent wrote beside its copy"
    );
    assert_eq!(
        std::fs::read_to_string(repo.worktree("copy").join("given.txt")).unwrap(),
        "{}\n",
        "iteration 2 got a fresh copy"
    );
}

#[test]
fn the_hosts_temp_dir_is_out_of_a_sandboxed_agents_sight() {
    if !landlock() || !namespaces() {
        return;
    }
    // What another program keeps in /tmp (a file here, a socket in real life), one beside
    // the repository (which lies in /tmp too and is shown again, alone).
    let secret = std::path::PathBuf::from(format!("/tmp/andon-test-{}-secret", std::process::id()));
    std::fs::write(&secret, "not yours\n").unwrap();
    let repo = TestRepo::new();
    let beside = repo.root.parent().unwrap().join("beside.txt");
    std::fs::write(&beside, "not yours either\n").unwrap();
    repo.agent(
        "peeker",
        &format!(
            "cat '{secret}' '{beside}' > seen.txt 2>&1; echo \"tmp:$TMPDIR\" >> seen.txt\n\
             echo mine > /tmp/scratch && cat /tmp/scratch >> seen.txt\n\
             cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF",
            secret = secret.display(),
            beside = beside.display()
        ),
    );
    repo.write(".gitignore", "seen.txt\n");
    let plan = repo.plan("peek", "peeker", "");
    repo.commit("plan");
    let out = repo.run_headless(&plan, &[], LIMIT);
    let _ = std::fs::remove_file(&secret);
    expect_exit(&out, 0);
    let seen = std::fs::read_to_string(repo.worktree("peek").join("seen.txt")).unwrap();
    assert!(!seen.contains("not yours"), "{seen}");
    // Its /tmp is the loop's temp folder.
    assert!(seen.contains("tmp:/tmp\nmine\n"), "{seen}");
    assert!(repo.root.join(".andon/loops/peek/tmp/scratch").exists());
}

#[test]
fn a_sandboxed_agent_cannot_read_another_loops_worktree() {
    if !landlock() || !namespaces() {
        return;
    }
    let repo = TestRepo::new();
    repo.agent(
        "first",
        &format!(
            "echo 'first loop notes' > notes.txt\ncat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"
        ),
    );
    let first = repo.worktree("first");
    repo.agent(
        "second",
        &format!(
            "cat '{}/notes.txt' > seen.txt 2>&1; ls '{}' >> seen.txt 2>&1\n\
             cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF",
            first.display(),
            first.parent().unwrap().display()
        ),
    );
    repo.write(".gitignore", "seen.txt\nnotes.txt\n");
    repo.plan("first", "first", "");
    repo.plan("second", "second", "");
    repo.commit("plans");
    expect_exit(&repo.run_headless("plans/first.md", &[], LIMIT), 0);
    assert!(first.join("notes.txt").exists());
    expect_exit(&repo.run_headless("plans/second.md", &[], LIMIT), 0);
    let seen = std::fs::read_to_string(repo.worktree("second").join("seen.txt")).unwrap();
    assert!(!seen.contains("first loop notes"), "{seen}");
    assert!(
        !seen.contains("first\n"),
        "the other worktree is listed: {seen}"
    );
}
