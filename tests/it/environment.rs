//! The environment's failures are not the agent's: a check that cannot reach the service it
//! talks to (a real refused connection) stops the line on the second time, asking a human for
//! a hypothesis; `andon resume` without one is refused and says how to give it, and the
//! note given joins the next prompt.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

#[test]
fn a_service_down_twice_stops_for_a_hypothesis_and_resume_needs_one() {
    let repo = TestRepo::new();
    repo.agent("tinkerer", "echo '# tried' >> src/price.sh");
    // The check talks to a service on a port where nothing listens.
    repo.write(
        "tests/service.sh",
        "#!/bin/bash\nexec 3<>/dev/tcp/127.0.0.1/9 || exit 1\necho service up\n",
    );
    repo.write(
        "plans/svc.md",
        "+++\ngoal = \"The health endpoint answers\"\nagent = \"tinkerer\"\n\
         [[checks]]\nname = \"service\"\nrun = \"bash tests/service.sh\"\n+++\n# Health\n",
    );
    repo.commit("plan");
    expect_exit(
        &repo.andon(&["run", "--headless", "plans/svc.md"], LIMIT),
        3,
    );

    let store = repo.store();
    let row = store.get_loop("svc").unwrap().unwrap();
    assert_eq!(row.state, "stopped");
    let reason = row.reason.unwrap_or_default();
    assert!(
        reason.starts_with("the environment failed 2 times")
            && reason.contains("Connection refused"),
        "{reason}"
    );
    let categories: Vec<String> = store
        .incidents(Some("svc"))
        .unwrap()
        .into_iter()
        .map(|i| i.category)
        .collect();
    assert_eq!(categories, ["environment", "environment"]);
    // No breaker of the agent's was charged.
    assert_eq!(row.consecutive_failures, 0);

    let server = repo.serve();
    let refused = repo.andon(&["resume", "svc"], LIMIT);
    assert_ne!(refused.status.code(), Some(0));
    let said = stderr(&refused);
    assert!(
        said.contains("hypothesis") && said.contains("andon resume svc --note"),
        "{said}"
    );
    let hypothesis = "the test service was not started; started it";
    let out = repo.andon(&["resume", "svc", "--note", hypothesis], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    eventually(LIMIT, "iteration 3's prompt", || {
        repo.prompt("svc", 3).contains(hypothesis).then_some(())
    });
    repo.end(server);
    let resumed = store
        .audit()
        .unwrap()
        .into_iter()
        .find(|a| a.action == "resume")
        .expect("the resume is audited");
    assert_eq!(resumed.reason.as_deref(), Some(hypothesis));
}
