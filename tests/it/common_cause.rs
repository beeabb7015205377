//! The baseline and the common cause, on real runs: a loop first runs its checks on the
//! untouched worktree (recorded, in the first prompt when red, in `andon log`); two loops of
//! different plans whose check was green at their baselines and then fails the same way (the
//! shared service they talk to went away) stop once, with one `common cause:` incident and no
//! breaker charged, and resuming one resumes both; two loops on the same bug (red at their
//! baselines) never trip it.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

/// A "service" both loops' checks talk to: a file outside the repository, up while it
/// exists. Each agent waits for `go` (iteration 1) or `go2` (later) before changing anything.
fn service_repo(dir: &Path) -> TestRepo {
    let repo = TestRepo::new();
    // The service and the gates live outside the repository, where a sandboxed check could
    // not look: the sandbox is not what this test is about.
    repo.unconfined();
    let service = dir.join("service");
    std::fs::write(&service, "up").unwrap();
    repo.write(
        "tests/service.sh",
        &format!(
            "#!/bin/sh\ncat '{}' >/dev/null 2>&1 || {{ echo 'FAIL: the price service answered no rows'; exit 1; }}\necho service ok\n",
            service.display()
        ),
    );
    let (go, go2) = (dir.join("go"), dir.join("go2"));
    repo.agent(
        "waiter",
        &format!(
            "gate='{}'; [ \"$ANDON_ITERATION\" -gt 1 ] && gate='{}'\nwhile [ ! -f \"$gate\" ]; do sleep 0.05; done\necho \"# $ANDON_LOOP $ANDON_ITERATION\" >> README.md",
            go.display(),
            go2.display()
        ),
    );
    for slug in ["orders", "invoices"] {
        repo.write(
            &format!("plans/{slug}.md"),
            &format!(
                "+++\ngoal = \"{slug} read the price service\"\nagent = \"waiter\"\n[[checks]]\nname = \"service\"\nrun = \"sh tests/service.sh\"\n+++\n# {slug}\n"
            ),
        );
    }
    repo.commit("plans");
    repo
}

#[test]
fn a_shared_service_going_away_is_one_common_cause_and_one_resume_resumes_both() {
    let dir = tempfile::tempdir().unwrap();
    let repo = service_repo(dir.path());
    let child = repo.spawn(&["run", "--headless", "plans/orders.md", "plans/invoices.md"]);
    // Both baselines green, both agents at work: the service goes away, then they finish.
    eventually(LIMIT, "both agents at work", || {
        (repo.agent_running("orders", 1) && repo.agent_running("invoices", 1)).then_some(())
    });
    std::fs::remove_file(dir.path().join("service")).unwrap();
    std::fs::write(dir.path().join("go"), "").unwrap();
    let out = wait_output(child, LIMIT);
    expect_exit(&out, 3);

    let store = repo.store();
    for slug in ["orders", "invoices"] {
        let row = store.get_loop(slug).unwrap().unwrap();
        let reason = row.reason.clone().unwrap_or_default();
        assert_eq!(row.state, "stopped", "{slug}: {reason}");
        assert!(
            reason.starts_with("common cause: invoices, orders failed the same way"),
            "{slug}: {reason}"
        );
        // No breaker of theirs was charged: no Meta-Andon, no Insanity Rule.
        assert_eq!(row.consecutive_failures, 0, "{slug}");
        let p: andon::engine::spec::Persisted = serde_json::from_str(&row.state_json).unwrap();
        assert_eq!(p.state.baseline.map(|b| (b.passed, b.total)), Some((1, 1)));
    }
    let incidents = store.incidents(None).unwrap();
    let common: Vec<_> = incidents
        .iter()
        .filter(|i| i.summary.starts_with("common cause:"))
        .collect();
    assert_eq!(common.len(), 1, "one incident: {incidents:?}");
    // The loop charged before the cause was known has its incident marked as the common
    // cause's, not left open against its agent.
    assert!(
        incidents
            .iter()
            .filter(|i| !i.summary.starts_with("common cause:"))
            .all(|i| i.status == "common_cause"),
        "{incidents:?}"
    );
    let log = stdout(&repo.andon(&["log", "orders"], LIMIT));
    assert!(log.contains("baseline: 1/1 checks pass"), "{log}");

    // The service is back; resuming one resumes both, and both go green.
    std::fs::write(dir.path().join("service"), "up").unwrap();
    std::fs::write(dir.path().join("go2"), "").unwrap();
    let server = repo.serve();
    let out = repo.andon(&["resume", "orders"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("resumed with it (the same common cause): invoices"),
        "{}",
        stdout(&out)
    );
    eventually(LIMIT, "both loops green", || {
        let s = repo.store();
        let done = |slug| s.get_loop(slug).unwrap().unwrap().state == "awaiting_approval";
        (done("orders") && done("invoices")).then_some(())
    });
    repo.end(server);
}

#[test]
fn loops_on_the_same_bug_are_no_common_cause_and_the_first_prompt_says_what_was_red() {
    let repo = TestRepo::new();
    // Two plans on the same bug: the price test is red before anything changes; the agents
    // never fix it, so both fail the same way.
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let a = repo.plan("first", "stubborn", "");
    let b = repo.plan("second", "stubborn", "");
    repo.commit("plans");
    expect_exit(&repo.andon(&["run", "--headless", &a, &b], LIMIT), 3);
    let store = repo.store();
    for slug in ["first", "second"] {
        let row = store.get_loop(slug).unwrap().unwrap();
        let reason = row.reason.unwrap_or_default();
        assert!(reason.starts_with("Insanity Rule"), "{slug}: {reason}");
        assert_eq!(row.consecutive_failures, 3, "{slug}");
    }
    assert!(!store
        .incidents(None)
        .unwrap()
        .iter()
        .any(|i| i.summary.starts_with("common cause")));
    let prompt = repo.prompt("first", 1);
    assert!(prompt.contains("## Failing before you started"), "{prompt}");
    assert!(
        prompt.contains("FAIL: price 5 10 = -5, expected 0"),
        "{prompt}"
    );
    let log = stdout(&repo.andon(&["log", "first"], LIMIT));
    assert!(log.contains("baseline: 0/1 checks pass"), "{log}");
}
