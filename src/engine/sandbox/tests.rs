use super::*;

fn setting(mode: SandboxMode) -> SandboxSetting {
    SandboxSetting {
        mode,
        file: "plans/p.md".into(),
        line: 4,
    }
}

const AVAILABLE: LandlockStatus = LandlockStatus::Available { abi: 7 };

fn unavailable() -> LandlockStatus {
    LandlockStatus::Unavailable {
        why: "this kernel has no Landlock".into(),
    }
}

#[test]
fn off_or_unset_needs_no_landlock() {
    let config = Config::defaults();
    let repo = Path::new("/srv/shop");
    for s in [None, Some(setting(SandboxMode::Off))] {
        let got = require(s.as_ref(), &unavailable(), repo, &config);
        assert_eq!(got, Ok(SandboxMode::Off));
    }
    let landlock = setting(SandboxMode::Landlock);
    assert_eq!(
        require(Some(&landlock), &AVAILABLE, repo, &config),
        Ok(SandboxMode::Landlock)
    );
}

#[test]
fn landlock_on_a_kernel_without_it_is_refused_at_the_line_that_asked() {
    let landlock = setting(SandboxMode::Landlock);
    let err = require(
        Some(&landlock),
        &unavailable(),
        Path::new("/srv/shop"),
        &Config::defaults(),
    )
    .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "plans/p.md:4: sandbox = \"landlock\" is set here, but this kernel has no Landlock"
        ),
        "{text}"
    );
    assert!(
        text.contains("fix: run andon on a kernel with Landlock"),
        "{text}"
    );
    assert!(
        text.contains("set sandbox = \"off\" on this line"),
        "{text}"
    );
}

#[test]
fn a_repository_inside_a_place_every_agent_may_write_is_refused() {
    let landlock = setting(SandboxMode::Landlock);
    let mut config = Config::defaults();
    config.sandbox.cache_dirs = vec!["/srv/cache".into()];
    let in_temp = std::env::temp_dir().join("shop");
    for repo in [in_temp.as_path(), Path::new("/srv/cache/shop")] {
        let err = require(Some(&landlock), &AVAILABLE, repo, &config).expect_err("refused");
        assert_eq!(err.line, Some(4));
        assert!(
            err.message
                .contains("the sandbox cannot protect this repository: it lies inside"),
            "{err}"
        );
    }
}

#[test]
fn start_up_warns_only_when_the_config_asks_for_landlock() {
    let bwrap = Ok(PathBuf::from("/usr/bin/bwrap"));
    let no_bwrap = Err("bubblewrap (bwrap) is not installed".to_string());
    let mut config = Config::defaults();
    assert_eq!(startup_warning(&config, &unavailable(), &bwrap), None);
    assert_eq!(startup_warning(&config, &AVAILABLE, &no_bwrap), None);
    let mut profile = setting(SandboxMode::Landlock);
    profile.file = "andon.toml".into();
    if let Some(claude) = config.agents.get_mut("claude") {
        claude.sandbox = Some(profile);
    }
    let warning = startup_warning(&config, &unavailable(), &bwrap).expect("a warning");
    assert!(warning.contains("andon.toml:4"), "{warning}");
    assert!(warning.contains("this kernel has no Landlock"), "{warning}");
    assert_eq!(startup_warning(&config, &AVAILABLE, &bwrap), None);
    let warning = startup_warning(&config, &AVAILABLE, &no_bwrap).expect("a fallback");
    assert!(warning.contains("run on Landlock alone"), "{warning}");
}

#[test]
fn refused_writes_lie_outside_the_loop_places() {
    let dir = tempfile::tempdir().unwrap();
    let worktree = dir.path().join("repo.worktrees/fix");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&worktree).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let sandbox = LoopSandbox {
        andon_exe: "/usr/bin/andon".into(),
        worktree: worktree.clone(),
        writable: vec![worktree.clone()],
        namespaces: None,
    };
    let lines: Vec<String> = [
        format!(
            "sh: 1: cannot create {}/pwned: Permission denied",
            home.display()
        ),
        format!(
            "sh: 1: cannot create {}/ok: Permission denied",
            worktree.display()
        ),
        "bash: ../../home/rel: Permission denied".to_string(),
        "sh: 1: cannot create /dev/null: Permission denied".to_string(),
    ]
    .to_vec();
    let want: Vec<String> = [home.join("pwned"), home.join("rel")]
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(sandbox.refused_writes(&lines), want);
    assert_eq!(
        sandbox.wrap(&["sh".into()])[..4],
        [
            "/usr/bin/andon".to_string(),
            "__sandbox".into(),
            "--write".into(),
            worktree.to_string_lossy().into_owned()
        ]
    );
}
