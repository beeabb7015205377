use super::*;

fn roots() -> Vec<PathBuf> {
    [
        "/work/repo.worktrees/fix",
        "/work/repo/.andon/loops/fix",
        "/tmp",
    ]
    .iter()
    .map(PathBuf::from)
    .collect()
}

fn outside(line: &str) -> Vec<String> {
    let cwd = Path::new("/work/repo.worktrees/fix");
    paths_outside(&[line.to_string()], cwd, &roots())
        .iter()
        .map(|p| p.to_string_lossy().to_string())
        .collect()
}

#[test]
fn the_refused_path_is_read_from_each_tools_message() {
    let rows: &[(&str, &[&str])] = &[
        // dash, bash (the script's own path comes first and is not the refused one)
        (
            "sh: 1: cannot create /work/repo/pwned: Permission denied",
            &["/work/repo/pwned"],
        ),
        (
            "/work/repo/agents/a.sh: line 3: /home/ana/pwned: Permission denied",
            &["/home/ana/pwned"],
        ),
        (
            "touch: cannot touch '/home/ana/x': Permission denied",
            &["/home/ana/x"],
        ),
        (
            "mkdir: cannot create directory ‘/etc/andon’: Permission denied",
            &["/etc/andon"],
        ),
        (
            "PermissionError: [Errno 13] Permission denied: '/home/ana/.bashrc'",
            &["/home/ana/.bashrc"],
        ),
        (
            "Error: EACCES: permission denied, open '/usr/lib/x.js'",
            &["/usr/lib/x.js"],
        ),
        (
            "fatal: Unable to create '/work/repo/.git/index.lock': Permission denied",
            &["/work/repo/.git/index.lock"],
        ),
        (
            "bash: ../../repo/pwned: Permission denied",
            &["/work/repo/pwned"],
        ),
        (
            "rm: cannot remove \"/srv/data\": Operation not permitted",
            &["/srv/data"],
        ),
        // Inside a writable root: whatever refused it, it was not the sandbox's rule.
        ("sh: 1: cannot create /tmp/x: Permission denied", &[]),
        ("touch: cannot touch 'src/a.rs': Permission denied", &[]),
        ("bash: ./build/out: Permission denied", &[]),
        // No path, or no denial.
        ("Error: Permission denied (os error 13)", &[]),
        (
            "cannot create /work/repo/pwned: No such file or directory",
            &[],
        ),
        ("see https://example.com/eacces-help for EACCES", &[]),
    ];
    for (line, want) in rows {
        assert_eq!(outside(line), *want, "{line}");
    }
}

#[test]
fn paths_are_deduplicated_in_order_of_first_mention() {
    let lines: Vec<String> = [
        "sh: 1: cannot create /home/ana/b: Permission denied",
        "sh: 2: cannot create /home/ana/a: Permission denied",
        "sh: 3: cannot create /home/ana/b: Permission denied",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let got = paths_outside(&lines, Path::new("/w"), &roots());
    assert_eq!(
        got,
        vec![PathBuf::from("/home/ana/b"), PathBuf::from("/home/ana/a")]
    );
}

#[test]
fn denial_lines_survive_chunking_escapes_and_floods() {
    let mut lines = DenialLines::new();
    // Split mid-line, with colour codes and CRLF as a PTY delivers them.
    lines.push(b"building...\r\n\x1b[31msh: 1: cannot cr");
    lines.push(b"eate /home/ana/pwned: Permission den");
    lines.push(b"ied\x1b[0m\r\n");
    // A flood after the refusal, including one overlong line that itself mentions a denial.
    for _ in 0..1000 {
        lines.push(b"ok ok ok ok ok ok ok ok\n");
    }
    let mut long = vec![b'x'; MAX_LINE_BYTES + 10];
    long.extend_from_slice(b" Permission denied /etc/x\n");
    lines.push(&long);
    lines.push(b"touch: cannot touch '/etc/y': Permission denied");
    let got = lines.lines();
    assert_eq!(
        got,
        vec![
            "sh: 1: cannot create /home/ana/pwned: Permission denied".to_string(),
            "touch: cannot touch '/etc/y': Permission denied".to_string(),
        ]
    );
}

#[test]
fn denial_lines_are_capped() {
    let mut lines = DenialLines::new();
    for i in 0..(MAX_LINES + 20) {
        lines.push(format!("cannot create /x/{i}: Permission denied\n").as_bytes());
    }
    assert_eq!(lines.lines().len(), MAX_LINES);
}

#[test]
fn a_denial_is_a_guard_violation_naming_the_paths() {
    let paths = vec![
        "/work/repo/pwned".to_string(),
        "/home/ana/pwned".to_string(),
    ];
    let f = denial_failure(&paths, "tail");
    assert_eq!(f.category, Category::GuardViolation);
    assert_eq!(f.confidence, 1.0);
    assert!(
        f.summary.contains("/work/repo/pwned, /home/ana/pwned"),
        "{}",
        f.summary
    );
    assert!(f.fingerprint.starts_with("guard:sandbox:"));
    assert_ne!(
        f.fingerprint,
        denial_failure(&paths[..1], "tail").fingerprint,
        "other paths, other failure"
    );
    assert_eq!(f.output_tail, "tail");
}

#[test]
fn a_failing_check_with_a_denial_becomes_a_guard_violation() {
    let failing = ChecksReport {
        passed: 0,
        total: 1,
        failure: Some(Failure {
            category: Category::Environment,
            confidence: 0.85,
            fingerprint: "abc".into(),
            summary: "tests failed (exit 2): cannot create /home/ana/.cache/x".into(),
            checks: vec!["tests".into()],
            output_tail: String::new(),
            lines: Vec::new(),
        }),
    };
    let paths = vec!["/home/ana/.cache/x".to_string()];
    let judged = with_denied_writes(failing.clone(), &paths);
    let f = judged.failure.expect("still failing");
    assert_eq!(f.category, Category::GuardViolation);
    assert!(
        f.summary.starts_with(
            "sandbox denied writing outside the loop's worktree: /home/ana/.cache/x — tests failed"
        ),
        "{}",
        f.summary
    );
    assert_eq!(f.fingerprint, "abc", "the check's own fingerprint stays");
    // No denial, or nothing failing: unchanged.
    assert_eq!(with_denied_writes(failing.clone(), &[]), failing);
    let green = ChecksReport {
        passed: 1,
        total: 1,
        failure: None,
    };
    assert_eq!(with_denied_writes(green.clone(), &paths), green);
}

#[test]
fn the_reducer_fails_an_iteration_whose_writes_were_refused() {
    use crate::event::{AgentReport, Effect, Event, GuardReport};
    use crate::reducer::reduce;
    use crate::state::{Lamp, Limits, LoopState, State};

    let (s, _) = reduce(&LoopState::new(Limits::default()), &Event::Start);
    let (s, _) = reduce(
        &s,
        &Event::BaselineFinished(crate::event::ChecksReport {
            passed: 1,
            total: 1,
            failure: None,
        }),
    );
    let paths = vec!["/home/ana/pwned".to_string()];
    let report = AgentReport {
        fix_plan_written: false,
        exit_code: Some(0),
        no_progress: false,
        timed_out: false,
        changed_since_last: 1,
        guards: GuardReport {
            sandbox_denied: paths.clone(),
            ..GuardReport::default()
        },
        failure: Some(denial_failure(&paths, "sh: 1: cannot create ...")),
        condition: None,
        usage: None,
    };
    let (s, t) = reduce(&s, &Event::AgentFinished(report));
    assert_eq!(
        (s.state, s.lamp, s.iteration),
        (State::Running, Lamp::Yellow, 2)
    );
    assert_eq!(s.last_category, Some(Category::GuardViolation));
    let incident = t.effects.iter().find_map(|e| match e {
        Effect::RaiseIncident {
            iteration: 1,
            failure,
        } => Some(failure),
        _ => None,
    });
    let incident = incident.expect("an incident for iteration 1");
    assert_eq!(incident.category, Category::GuardViolation);
    assert!(incident.summary.contains("/home/ana/pwned"));
    // Nothing to restore (the write never happened), no checks on this run.
    assert!(!t
        .effects
        .iter()
        .any(|e| matches!(e, Effect::RestorePaths { .. } | Effect::RunChecks)));
    // The next prompt tells the agent what was refused.
    let feedback = s.feedback.expect("feedback for the next iteration");
    assert!(feedback.summary.contains("/home/ana/pwned"));
}
