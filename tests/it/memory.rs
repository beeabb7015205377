//! The repo's memory written by real runs: a Five Whys file and incidents at a Meta-Andon
//! (completed by the plan-mode agent), and a 90_LOG page with its log.md and index.md lines
//! when a loop ends.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

fn today_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn meta_andon_writes_a_five_whys_file_the_plan_mode_agent_completes() {
    let repo = TestRepo::new();
    repo.agent(
        "varied",
        r###"
if [ "$ANDON_MODE" = plan ]; then
  whys=$(grep -o '/[^`]*/five-whys-[0-9]*[.]md' "$ANDON_PROMPT_FILE" | head -n 1)
  printf '\nRoot cause (agent): each attempt guessed a word instead of computing\n' >> "$whys"
  echo "## Fix plan: compute the difference and clamp at zero" > "$ANDON_FIX_PLAN"
  exit 0
fi
words="alpha bravo charlie"
w=$(echo $words | cut -d' ' -f$ANDON_ITERATION)
printf 'price() { echo %s; }\n' "$w" > src/price.sh
"###,
    );
    let plan = repo.plan("varied", "varied", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);

    let incidents = repo.store().incidents(Some("varied")).unwrap();
    assert_eq!(incidents.len(), 3, "one incident per failed iteration");
    assert!(incidents.iter().all(|i| i.category == "test_failure"));
    // Evidence: the failing check's log, the agent's log, and what the loop had changed.
    let evidence: serde_json::Value = serde_json::from_str(&incidents[0].evidence_json).unwrap();
    assert!(evidence["check_logs"][0]
        .as_str()
        .unwrap()
        .ends_with("check-tests.log"));
    assert!(evidence["agent_log"]
        .as_str()
        .unwrap()
        .ends_with("iter-1/agent.log"));
    assert_eq!(evidence["diffstat"]["files"], 1, "{evidence}");

    let dir = repo.path("wiki/90_LOG/incidents");
    let files = today_files(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("-varied-4.md"), "{files:?}");
    let text = std::fs::read_to_string(dir.join(&files[0])).unwrap();
    let last = incidents.last().unwrap();
    for needle in [
        "# Five Whys — varied, iteration 4",
        "**Trigger:** Meta-Andon after 3 consecutive failed iterations",
        "**Classification:** test_failure",
        &format!("**Fingerprint:** `{}`", last.fingerprint),
        ".andon/loops/varied/iter-3/check-tests.log",
        ".andon/loops/varied/iter-3/agent.log",
        "FAIL: price 5 10 = charlie",
        "1. Why did iteration 3 fail?",
        "## The failures so far",
        "FAIL: price 5 10 = alpha",
        ".andon/loops/varied/iter-1/check-tests.log",
        "Written by the plan-mode agent to `.andon/loops/varied/agent/fix-plan-4.md`",
        "Root cause (agent): each attempt guessed a word",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from\n{text}");
    }
    // The agent completed its copy in its own folder (sandboxed, it cannot write the
    // repository); andon committed it to the wiki, that file alone: the main worktree is
    // clean, and nothing of andon's waits there for the human to commit.
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
    let completed = git(
        &repo.root,
        &[
            "log",
            "-1",
            "--format=%s",
            "--",
            &format!("wiki/90_LOG/incidents/{}", files[0]),
        ],
    );
    assert_eq!(
        completed.trim(),
        "andon: Five Whys for loop varied iteration 4, completed by the agent"
    );
    // The plan-mode prompt names the Five Whys file, carries the whole pattern (every failure
    // since the loop last passed) and the line-stop procedure and diagnosis skills.
    let prompt = repo.prompt("varied", 4);
    for needle in [
        ".andon/loops/varied/agent/five-whys-4.md",
        "- iteration 1: test_failure",
        "FAIL: price 5 10 = alpha",
        "FAIL: price 5 10 = bravo",
        "FAIL: price 5 10 = charlie",
        "## Skill: andon",
        "## Skill: diagnose",
    ] {
        assert!(prompt.contains(needle), "{needle:?} missing from\n{prompt}");
    }
    // The human sees the fix plan and the Five Whys file before accepting, and the trail
    // keeps what was accepted.
    let server = repo.serve();
    let out = repo.andon(&["resume", "varied"], LIMIT);
    expect_exit(&out, 0);
    let said = stdout(&out);
    assert!(
        said.contains("The fix plan of varied (iteration 4)"),
        "{said}"
    );
    assert!(
        said.contains("compute the difference and clamp at zero"),
        "{said}"
    );
    assert!(
        said.contains(&format!("Five Whys: wiki/90_LOG/incidents/{}", files[0])),
        "{said}"
    );
    let _ = repo.end(server);
    let audit = repo.store().audit().unwrap();
    let resume = audit.iter().find(|a| a.action == "resume").unwrap();
    assert!(
        resume
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("fix plan accepted:\n## Fix plan: compute")),
        "{resume:?}"
    );
}

#[test]
fn an_insanity_stop_writes_a_five_whys_file_too() {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let plan = repo.plan("stubborn", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    let files = today_files(&repo.path("wiki/90_LOG/incidents"));
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("-stubborn-3-insanity.md"), "{files:?}");
    let text = std::fs::read_to_string(repo.path("wiki/90_LOG/incidents").join(&files[0])).unwrap();
    assert!(
        text.contains("**Trigger:** line stop (the Insanity Rule):"),
        "{text}"
    );
    assert!(text.contains("- iteration 3: test_failure"), "{text}");
    // The stop's event names the file.
    let events = repo.store().events(Some("stubborn"), None).unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "five_whys" && e.detail.contains(&files[0])),
        "{events:?}"
    );
    assert!(
        !text.contains("## Fix plan"),
        "no fix plan is asked at a line stop"
    );
}

#[test]
fn an_ended_loop_gets_a_90_log_page_a_log_line_and_an_index_entry() {
    let repo = TestRepo::new();
    repo.agent(
        "fixer",
        r###"if [ "$ANDON_ITERATION" = 1 ]; then echo 'price() { echo -1; }' > src/price.sh; exit 0; fi
printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh"###,
    );
    let plan = repo.plan("fix", "fixer", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 0);
    let out = repo.andon(&["approve", "fix", "--merge", "--yes"], LIMIT);
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("logged in wiki/90_LOG/"),
        "{}",
        stdout(&out)
    );

    let pages: Vec<String> = today_files(&repo.path("wiki/90_LOG"))
        .into_iter()
        .filter(|n| n.ends_with(".md"))
        .collect();
    assert_eq!(pages.len(), 1, "{pages:?}");
    let name = &pages[0];
    let date = &name[..10];
    let page = std::fs::read_to_string(repo.path("wiki/90_LOG").join(name)).unwrap();
    // Dates, clock times, commits, fingerprints and the actor vary from run to run.
    let normal = normalise(&page, date);
    insta::assert_snapshot!(normal);

    let log = std::fs::read_to_string(repo.path("wiki/log.md")).unwrap();
    assert!(
        log.contains(&format!(
            "- {date} — loop fix merged: Fix negative prices ([page](90_LOG/{name}))"
        )),
        "{log}"
    );
    let index = std::fs::read_to_string(repo.path("wiki/index.md")).unwrap();
    assert!(
        index.contains(&format!(
            "## 90_LOG\n- [{date} fix: Fix negative prices](90_LOG/{name})"
        )),
        "{index}"
    );
}

fn normalise(text: &str, date: &str) -> String {
    let hex = regex::Regex::new(r"\b[0-9a-f]{8,40}\b").unwrap();
    let clock = regex::Regex::new(r"(?m)^- \d\d:\d\d \S+ ").unwrap();
    let text = text.replace(date, "YYYY-MM-DD");
    let text = hex.replace_all(&text, "<hex>");
    clock.replace_all(&text, "- HH:MM <actor> ").into_owned()
}

#[test]
fn andon_kaizen_groups_incidents_and_records_a_decision() {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let plan = repo.plan("stubborn", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);

    let json = |repo: &TestRepo| -> serde_json::Value {
        let out = repo.andon(&["kaizen", "--json"], LIMIT);
        expect_exit(&out, 0);
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    let report = json(&repo);
    let items = report["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one failure, repeated: one group");
    assert_eq!(items[0]["count"], 3);
    assert_eq!(items[0]["category"], "test_failure");
    assert_eq!(items[0]["status"], "open");
    assert_eq!(report["metrics"]["loops"], 1);
    assert_eq!(report["by_category"][0][0], "test_failure");

    let id: String = items[0]["fingerprint"].as_str().unwrap()[..8].to_string();
    let out = repo.andon(
        &["kaizen", "set", &id, "--level", "L2", "--status", "doing"],
        LIMIT,
    );
    expect_exit(&out, 0);
    let item = &json(&repo)["items"][0];
    assert_eq!(
        (item["level"].as_str(), item["status"].as_str()),
        (Some("L2"), Some("doing"))
    );
    assert_eq!(repo.audit_actions(), vec!["kaizen"]);

    let bad = repo.andon(&["kaizen", "set", &id, "--level", "L9"], LIMIT);
    expect_exit(&bad, 2);
    assert!(stderr(&bad).contains("L1 (poka-yoke)"), "{}", stderr(&bad));
    let table = stdout(&repo.andon(&["kaizen"], LIMIT));
    assert!(
        table.contains("incidents per category") && table.contains("█"),
        "{table}"
    );
    assert!(
        table.contains(&id) && table.contains("L2 auto-detect"),
        "{table}"
    );
    // Categories in words, as on the board; either form names one.
    assert!(
        table.contains("test failure") && !table.contains("test_failure"),
        "{table}"
    );
    let out = repo.andon(
        &[
            "kaizen",
            "set",
            &id,
            "--category",
            "test failure",
            "--status",
            "done",
        ],
        LIMIT,
    );
    expect_exit(&out, 0);
    assert_eq!(json(&repo)["items"][0]["status"], "done");
}

#[test]
fn a_store_from_before_kaizen_is_migrated_by_the_read_commands() {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let plan = repo.plan("old", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    // Turn the store back into version 1 (no kaizen table), as an older andon left it.
    {
        let db = rusqlite::Connection::open(repo.path(".andon/andon.db")).unwrap();
        db.execute_batch(
            "DROP TABLE queue; DROP TABLE kaizen; ALTER TABLE audit DROP COLUMN mac; \
             DROP INDEX iterations_by_fingerprint; DROP INDEX iterations_by_category; \
             ALTER TABLE iterations DROP COLUMN failure_lines; PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let out = repo.andon(&["kaizen", "--json"], LIMIT);
    expect_exit(&out, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        report["items"][0]["count"], 3,
        "the old incidents are all there"
    );
    expect_exit(&repo.andon(&["audit"], LIMIT), 0);
    // And the migrated store takes a decision.
    let id = report["items"][0]["fingerprint"].as_str().unwrap()[..8].to_string();
    expect_exit(
        &repo.andon(&["kaizen", "set", &id, "--status", "done"], LIMIT),
        0,
    );
    let bad = repo.andon(&["kaizen", "set", "zzzz", "--status", "done"], LIMIT);
    expect_exit(&bad, 2);
}

/// The loop's 90_LOG page (read), found by its name's suffix.
fn page_of(repo: &TestRepo, loop_name: &str) -> Option<String> {
    let dir = repo.path("wiki/90_LOG");
    let name = today_files(&dir)
        .into_iter()
        .find(|n| n.ends_with(&format!("-{loop_name}.md")))?;
    std::fs::read_to_string(dir.join(name)).ok()
}

#[test]
fn every_ending_gets_its_page_approved_and_aborted_too() {
    let repo = TestRepo::new();
    repo.agent(
        "fixer",
        r###"printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh"###,
    );
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let kept = repo.plan("kept", "fixer", "");
    let doomed = repo.plan("doomed", "stubborn", "");
    repo.commit("plans");
    expect_exit(
        &repo.andon(&["run", "--headless", &kept, &doomed], LIMIT),
        3,
    );
    expect_exit(
        &repo.andon(&["approve", "kept", "--branch", "--yes"], LIMIT),
        0,
    );
    let server = repo.serve();
    expect_exit(&repo.andon(&["abort", "doomed"], LIMIT), 0);
    let _ = repo.end(server);

    let kept_page = page_of(&repo, "kept").expect("a page for the approved loop");
    assert!(kept_page.contains("- **Outcome:** approved"), "{kept_page}");
    assert!(kept_page.contains("approve_branch"), "{kept_page}");
    let doomed_page = page_of(&repo, "doomed").expect("a page for the aborted loop");
    assert!(
        doomed_page.contains("- **Outcome:** aborted"),
        "{doomed_page}"
    );
    // Its line stop's Five Whys file is linked from the page.
    assert!(doomed_page.contains("## Five Whys"), "{doomed_page}");
    assert!(
        doomed_page.contains("-doomed-3-insanity.md](incidents/"),
        "{doomed_page}"
    );
    let log = std::fs::read_to_string(repo.path("wiki/log.md")).unwrap();
    assert!(
        log.contains("loop kept approved") && log.contains("loop doomed aborted"),
        "{log}"
    );
}
