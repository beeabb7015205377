use super::view::program_prefix;
use super::*;
use crate::sandbox::LandlockStatus;
use andon_core::sandbox::SandboxSetting;

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
        let got = require(s.as_ref(), &unavailable(), true, repo, &config);
        assert_eq!(got, Ok(SandboxMode::Off));
    }
    let landlock = setting(SandboxMode::Landlock);
    assert_eq!(
        require(Some(&landlock), &AVAILABLE, false, repo, &config),
        Ok(SandboxMode::Landlock)
    );
}

#[test]
fn loops_are_confined_by_default_where_the_machine_can() {
    let config = Config::defaults();
    let elsewhere = Path::new("/srv/shop");
    let in_temp = std::env::temp_dir().join("shop");
    // (Landlock, namespaces, repository) → the default's mode.
    let rows = [
        (AVAILABLE, true, elsewhere, SandboxMode::Landlock),
        (AVAILABLE, false, elsewhere, SandboxMode::Landlock),
        // In namespaces the repository is kept read-only inside the temp dir.
        (AVAILABLE, true, in_temp.as_path(), SandboxMode::Landlock),
        // Each loop has a temp folder of its own: the system's is no loop's to write.
        (AVAILABLE, false, in_temp.as_path(), SandboxMode::Landlock),
        // On Landlock alone `/dev/shm` is everybody's: the default falls back.
        (
            AVAILABLE,
            false,
            Path::new("/dev/shm/shop"),
            SandboxMode::Off,
        ),
        (unavailable(), true, elsewhere, SandboxMode::Off),
    ];
    for (status, namespaces, repo, want) in rows {
        let got = require(None, &status, namespaces, repo, &config);
        assert_eq!(got, Ok(want), "{status:?} {namespaces} {}", repo.display());
    }
    let landlock = setting(SandboxMode::Landlock);
    assert_eq!(
        require(Some(&landlock), &AVAILABLE, true, &in_temp, &config),
        Ok(SandboxMode::Landlock)
    );
}

#[test]
fn landlock_on_a_kernel_without_it_is_refused_at_the_line_that_asked() {
    let landlock = setting(SandboxMode::Landlock);
    let err = require(
        Some(&landlock),
        &unavailable(),
        true,
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
        text.contains("set sandbox = \"off\" in your user config"),
        "{text}"
    );
}

#[test]
fn a_repository_inside_a_place_every_agent_may_write_is_refused() {
    let landlock = setting(SandboxMode::Landlock);
    let mut config = Config::defaults();
    config.sandbox.cache_dirs = vec!["/srv/cache".into()];
    for repo in [Path::new("/dev/shm/shop"), Path::new("/srv/cache/shop")] {
        let err = require(Some(&landlock), &AVAILABLE, false, repo, &config).expect_err("refused");
        assert_eq!(err.line, Some(4));
        assert!(
            err.message
                .contains("the sandbox cannot protect this repository: it lies inside"),
            "{err}"
        );
    }
}

#[test]
fn start_up_says_what_the_loops_fall_back_to() {
    let bwrap = Ok(PathBuf::from("/usr/bin/bwrap"));
    let no_bwrap = Err("bubblewrap (bwrap) is not installed".to_string());
    let mut config = Config::defaults();
    let default = startup_warning(&config, &unavailable(), &bwrap).expect("the default falls back");
    assert!(
        default.starts_with("loops run unconfined: this kernel has no Landlock"),
        "{default}"
    );
    let default = startup_warning(&config, &AVAILABLE, &no_bwrap).expect("Landlock alone");
    assert!(default.contains("andon's default"), "{default}");
    assert_eq!(startup_warning(&config, &AVAILABLE, &bwrap), None);
    // The user turned it off: their choice, nothing to say.
    let mut off = setting(SandboxMode::Off);
    off.file = "config.toml".into();
    config.sandbox.mode = Some(off);
    assert_eq!(startup_warning(&config, &unavailable(), &no_bwrap), None);
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
        private: Vec::new(),
        loop_dir: dir.path().join("loop"),
        temp: dir.path().join("loop/tmp"),
        namespaces: None,
        with_agent: false,
        caches: Vec::new(),
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
        sandbox.wrap(&["sh".into()], None, true)[..4],
        [
            "/usr/bin/andon".to_string(),
            "__sandbox".into(),
            "--write".into(),
            worktree.to_string_lossy().into_owned()
        ]
    );
}

#[test]
fn a_program_on_path_keeps_what_it_loads() {
    let rows = [
        ("/tmp/ci/node_modules/.bin", "/tmp/ci/node_modules"),
        (
            "/tmp/ci/node_modules/@openai/codex/bin",
            "/tmp/ci/node_modules",
        ),
        ("/tmp/venv/bin", "/tmp/venv"),
        ("/tmp/ci/target/debug", "/tmp/ci/target/debug"),
    ];
    for (dir, want) in rows {
        assert_eq!(program_prefix(Path::new(dir)), PathBuf::from(want), "{dir}");
    }
}
