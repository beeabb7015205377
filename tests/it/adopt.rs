//! `andon kaizen adopt`: a prevention adopted from one loop's incident becomes standard work —
//! written to andon.toml or skills/, committed by andon, audited with who adopted what — and
//! the next loop runs the adopted check. Bad input names the fix and writes nothing.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

/// A repo whose loop `stuck` failed three times the same way, and that group's Kaizen id.
fn stuck() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let plan = repo.plan("stuck", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    let out = repo.andon(&["kaizen", "--json"], LIMIT);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let id = report["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 8);
    (repo, id)
}

/// The names of the checks loop `slug` ran in iteration 1, in order.
fn check_names(repo: &TestRepo, slug: &str) -> Vec<String> {
    repo.store()
        .check_runs(slug, Some(1))
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

#[test]
fn an_adopted_check_is_committed_audited_and_run_by_the_next_loop() {
    let (repo, id) = stuck();
    // (The harness writes andon.toml whole: the next loop's agent is set up first.)
    repo.agent(
        "fixer",
        r###"printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh"###,
    );
    repo.write(
        "tests/no_debug.sh",
        "#!/bin/sh\n! grep -rn 'echo DEBUG' src/\necho no debug output\n",
    );
    repo.commit("a lint the team wants");
    let before = git(&repo.root, &["rev-parse", "HEAD"]);
    // A unique prefix of the fingerprint names the group too.
    let out = repo.andon(
        &[
            "kaizen",
            "adopt",
            &id[..6],
            "--check",
            "sh tests/no_debug.sh",
        ],
        LIMIT,
    );
    expect_exit(&out, 0);
    let said = stdout(&out);
    assert!(
        said.contains(&format!(
            "adopted for {id} test_failure: L2 check `sh tests/no_debug.sh`"
        )),
        "{said}"
    );

    // Written to andon.toml and committed by andon alone, nothing else.
    let toml = std::fs::read_to_string(repo.path("andon.toml")).unwrap();
    assert!(toml.contains("[[standards.checks]]"), "{toml}");
    assert!(toml.contains(&format!("name = \"kaizen-{id}\"")), "{toml}");
    assert!(
        toml.contains("[agents.stubborn]"),
        "the rest is kept: {toml}"
    );
    let log = git(
        &repo.root,
        &["log", "--format=%s", &format!("{before}..HEAD")],
    );
    assert_eq!(
        log.trim(),
        format!("andon: adopt a Kaizen prevention for {id}")
    );
    let changed = git(&repo.root, &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(changed.trim(), "andon.toml");
    assert!(git(&repo.root, &["status", "--porcelain"])
        .trim()
        .is_empty());

    // Audited with who adopted what; the group is now L2, done.
    let audit = repo.store().audit().unwrap();
    let adopted = audit.iter().find(|a| a.action == "kaizen_adopt").unwrap();
    let who = std::env::var("USER").unwrap_or_else(|_| "human".into());
    assert_eq!(adopted.actor, who);
    assert_eq!(
        adopted.reason.as_deref(),
        Some(format!("{id} test_failure: L2 check `sh tests/no_debug.sh`").as_str())
    );
    let out = repo.andon(&["kaizen", "--json"], LIMIT);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["items"][0]["level"], "L2");
    assert_eq!(report["items"][0]["status"], "done");
    assert_eq!(
        report["items"][0]["adopted"],
        serde_json::json!(["L2 check `sh tests/no_debug.sh`"])
    );

    // The next loop runs it after the plan's own check (its plan says nothing of it).
    let plan = repo.plan("next", "fixer", "");
    repo.commit("next plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 0);
    let names = check_names(&repo, "next");
    assert_eq!(names, ["tests".to_string(), format!("kaizen-{id}")]);
    assert!(repo.prompt("next", 1).contains("sh tests/no_debug.sh"));
}

#[test]
fn a_note_goes_into_a_copy_of_the_built_in_skill_and_a_path_is_protected() {
    let (repo, id) = stuck();
    let out = repo.andon(
        &[
            "kaizen",
            "adopt",
            &id,
            "--skill",
            "tdd",
            "--note",
            "run the price test before editing",
        ],
        LIMIT,
    );
    expect_exit(&out, 0);
    let skill = std::fs::read_to_string(repo.path("skills/tdd.md")).unwrap();
    let built_in = include_str!("../../skills/tdd.md");
    assert!(
        skill.starts_with(built_in.trim_end()),
        "nothing of the built-in is lost"
    );
    assert!(skill.contains("## Standards from Kaizen"), "{skill}");
    assert!(
        skill.contains(&format!(
            "- run the price test before editing (Kaizen {id}, "
        )),
        "{skill}"
    );
    let out = repo.andon(
        &["kaizen", "adopt", &id, "--protect", "src/price.sh"],
        LIMIT,
    );
    expect_exit(&out, 0);
    let toml = std::fs::read_to_string(repo.path("andon.toml")).unwrap();
    assert!(
        toml.contains("[[standards.protected]]") && toml.contains("glob = \"src/price.sh\""),
        "{toml}"
    );
    assert!(git(&repo.root, &["status", "--porcelain"])
        .trim()
        .is_empty());
}

#[test]
fn bad_adoptions_name_the_fix_and_write_nothing() {
    let (repo, id) = stuck();
    let head = git(&repo.root, &["rev-parse", "HEAD"]);
    let toml = std::fs::read_to_string(repo.path("andon.toml")).unwrap();
    let audit = repo.audit_actions();
    for (args, says) in [
        (
            vec!["zzzz9999", "--check", "true"],
            "no Kaizen item with id `zzzz9999`",
        ),
        (vec![id.as_str(), "--check", "  "], "the check is empty"),
        (
            vec![id.as_str(), "--protect", "src/["],
            "is not a valid glob",
        ),
        (
            vec![id.as_str(), "--skill", "../evil", "--note", "x"],
            "cannot be a file name",
        ),
        (vec![id.as_str()], "what is adopted?"),
    ] {
        let mut all = vec!["kaizen", "adopt"];
        all.extend(args.iter().copied());
        let out = repo.andon(&all, LIMIT);
        expect_exit(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains(says) && err.contains("fix:"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(git(&repo.root, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        std::fs::read_to_string(repo.path("andon.toml")).unwrap(),
        toml
    );
    assert!(!repo.path("skills").exists());
    assert_eq!(repo.audit_actions(), audit);
}

/// Adopted through a running supervisor, the standard reaches the next loop it starts.
#[test]
fn a_running_supervisor_gives_the_next_loop_a_standard_adopted_meanwhile() {
    let (repo, id) = stuck();
    repo.agent(
        "fixer",
        r###"printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh"###,
    );
    let plan = repo.plan("later", "fixer", "");
    repo.commit("fixer and a plan");
    let server = repo.serve();
    let out = repo.andon(
        &["kaizen", "adopt", &id, "--check", "sh tests/test_price.sh"],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    eventually(LIMIT, "the later loop's checks", || {
        let names = check_names(&repo, "later");
        (names.len() == 2).then_some(names)
    });
    repo.end(server);
    let names = check_names(&repo, "later");
    assert_eq!(names, ["tests".to_string(), format!("kaizen-{id}")]);
}

/// `andon init`'s andon.toml (its commented `[[standards.checks]]` example included), with
/// a profile added below it, takes an adoption and still loads.
#[test]
fn adopting_into_the_andon_toml_init_wrote() {
    let repo = TestRepo::new();
    expect_exit(&repo.andon(&["init"], LIMIT), 0);
    let mut toml = std::fs::read_to_string(repo.path("andon.toml")).unwrap();
    toml.push_str("\n[agents.stubborn]\ncommand = [\"sh\", \"agents/stubborn.sh\", \"{prompt_file}\"]\nprompt = \"file\"\n");
    repo.write("andon.toml", &toml);
    repo.write(
        "agents/stubborn.sh",
        "#!/bin/sh\necho '# same again' >> src/price.sh\n",
    );
    let plan = repo.plan("stuck", "stubborn", "");
    repo.commit("init, an agent and a plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&repo.andon(&["kaizen", "--json"], LIMIT))).unwrap();
    let id = report["items"][0]["id"].as_str().unwrap().to_string();
    let out = repo.andon(
        &["kaizen", "adopt", &id, "--check", "sh tests/test_price.sh"],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = std::fs::read_to_string(repo.path("andon.toml")).unwrap();
    assert!(
        after.contains("# [[standards.checks]]"),
        "the example stays a comment"
    );
    assert_eq!(
        after.matches("\n[[standards.checks]]").count(),
        1,
        "{after}"
    );
    // It still loads: the next run reads it.
    expect_exit(&repo.andon(&["status"], LIMIT), 0);
}
