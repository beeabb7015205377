use super::*;
use andon_core::plan::parse_plan;
use andon_core::sandbox::SandboxMode;
use std::fs;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

const USER_CONFIG: &str = r#"
default_agent = "codex"
actor = "ana"

[breakers]
max_iterations = 20
no_progress = "5m"

[ui]
theme = "dark"
scrollback = 10000

[env]
allow = ["AWS_REGION"]
"#;

const REPO_CONFIG_TEXT: &str = r#"
[agents.fixer]                      # a custom profile
command = ["bash", "agents/fixer.sh", "{prompt_file}"]
mode = "oneshot"

[agents.claude]
mode = "interactive"

[breakers]
max_iterations = 12

[guards]
protected = ["spec/**"]

[worktrees]
root = "../{repo}-trees"
setup = ["cp .env {worktree}/ 2>/dev/null || true"]
"#;

#[test]
fn layers_apply_defaults_then_user_then_repo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("shop");
    fs::create_dir(&repo).expect("repo dir");
    let user = dir.path().join("config.toml");
    fs::write(&user, USER_CONFIG).expect("user config");
    fs::write(repo.join("andon.toml"), REPO_CONFIG_TEXT).expect("repo config");

    let config = Config::load(&repo, Some(&user)).expect("valid config");

    let mut expected = Config::defaults();
    expected.floor.user_config = Some(user.clone());
    expected.default_agent = "codex".into();
    expected.actor = Some("ana".into());
    expected.breakers.max_iterations = 12;
    expected.breakers.no_progress = Duration::from_secs(300);
    expected.ui.theme = "dark".into();
    expected.ui.scrollback = 10_000;
    expected.env.allow = strings(&["AWS_REGION"]);
    expected.guards.protected = strings(&["spec/**"]);
    expected.worktrees = Worktrees {
        root: "../{repo}-trees".into(),
        setup: strings(&["cp .env {worktree}/ 2>/dev/null || true"]),
    };
    let claude = expected.agents.get_mut("claude").expect("built-in");
    claude.mode = AgentMode::Interactive;
    claude.command = builtin_command("claude", AgentMode::Interactive).expect("a TUI");
    expected.agents.insert(
        "fixer".into(),
        AgentProfile {
            name: "fixer".into(),
            command: strings(&["bash", "agents/fixer.sh", "{prompt_file}"]),
            prompt: PromptMode::File,
            mode: AgentMode::Oneshot,
            env: BTreeMap::new(),
            env_allow: vec![],
            sandbox: None,
            network: true,
            turn: TurnEnd::default(),
        },
    );
    assert_eq!(config, expected);
    // `mode` alone switched the built-in to its TUI and kept its other fields.
    assert_eq!(config.agents["claude"].command[0], "claude");
    assert!(!config.agents["claude"].command.contains(&"-p".to_string()));
    assert_eq!(
        config.agents["claude"].env_allow,
        builtin_profiles()["claude"].env_allow
    );
    assert_eq!(
        config.worktrees.root_for(&repo).expect("valid root"),
        repo.join("../shop-trees")
    );
}

#[test]
fn missing_files_leave_the_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let absent = dir.path().join("nope.toml");
    let config = Config::load(dir.path(), Some(&absent)).expect("no files is fine");
    let mut expected = Config::defaults();
    expected.floor.user_config = Some(absent.clone());
    assert_eq!(config, expected);
    assert_eq!(Config::load(dir.path(), None), Ok(Config::defaults()));
    let root = config
        .worktrees
        .root_for(Path::new("/src/shop"))
        .expect("root");
    assert_eq!(root, Path::new("/src/shop/../shop.worktrees"));
}

/// Parses one layer and applies it to the defaults.
fn apply(text: &str) -> Result<Config, ConfigError> {
    let mut config = Config::defaults();
    config.apply(parse_layer(Path::new("andon.toml"), text)?)?;
    Ok(config)
}

#[test]
fn every_config_error_names_its_line_and_a_specific_fix() {
    // (text, line, message needle, fix needle)
    let cases: &[(&str, usize, &str, &str)] = &[
        ("[breaker]\nmax_iterations = 3\n", 1, "unknown key `breaker`", "did you mean `breakers`? Allowed keys: default_agent, actor, agents"),
        ("\n[agents.fixer]\ncomand = [\"x\"]\n", 3, "unknown key `comand` in [agents.fixer]", "did you mean `command`?"),
        ("[agents.claude]\nprompt = \"stdn\"\n", 2, "`prompt` cannot be \"stdn\"", "did you mean `stdin`? Allowed values: file, arg, stdin"),
        ("[agents.claude]\nmode = \"repl\"\n", 2, "`mode` cannot be \"repl\"", "oneshot, interactive"),
        ("\n\n[agents.fixer]\nprompt = \"file\"\n", 3, "`fixer` is new but has no `command`", "add command = [\"bash\", \"agents/fixer.sh\", \"{prompt_file}\"] below [agents.fixer]"),
        ("[agents.cluade]\nmode = \"interactive\"\n", 1, "`cluade` is new", "if you meant to change the built-in, write [agents.claude]"),
        ("[agents.x]\ncommand = [\"x\", \"{promt}\"]\n", 2, "unknown placeholder `{promt}`", "use only the placeholders {prompt_file}, {prompt}"),
        ("[agents.x]\ncommand = []\n", 2, "command of agent `x` is empty", "command = [\"bash\""),
        ("[agents.x]\ncommand = [\"x\"]\nprompt = \"arg\"\n", 1, "no {prompt}", "put \"{prompt}\" where the prompt goes"),
        ("[agents.aider]\ncommand = [\"aider\"]\n[agents.codex]\ncommand = [\"codex\", \"exec\"]\n", 3, "agent `codex` takes its prompt as an argument", "prompt = \"stdin\""),
        ("[agents.\"a b\"]\ncommand = [\"x\"]\n", 1, "profile name \"a b\"", "[agents.fixer]"),
        ("[agents.x]\ncommand = [\"x\"]\nenv = { ANDON_LOOP = \"y\" }\n", 3, "\"ANDON_LOOP\"", "andon sets the ANDON_* variables itself"),
        ("[agents.x]\ncommand = [\"x\"]\nenv = { \"A-B\" = \"y\" }\n", 3, "\"A-B\"", "letters, digits and '_'"),
        ("[agents.x]\ncommand = [\"x\"]\nenv_allow = [\"OK_*\", \"BAD-*\"]\n", 3, "\"BAD-*\"", "e.g. \"AWS_*\""),
        ("default_agent = \"cladue\"\n", 1, "unknown agent profile `cladue`", "did you mean `claude`? Known profiles: aider, claude, codex, gemini, opencode, sim"),
        ("[guards]\nprotected = [\n  \"tests/**\",\n  \"a[\",\n]\n", 4, "`[guards] protected` has an invalid glob \"a[\"", "escape a literal ["),
        ("[worktrees]\nroot = \"../{worktree}\"\n", 2, "`{worktree}` is not known when worktrees are placed", "use only {repo}"),
        ("[worktrees]\nsetup = [\"ok\", \"echo ${HOME}\"]\n", 2, "unknown placeholder `{HOME}`", "write {{ and }} for a literal brace"),
        ("[worktrees]\nsetup = [\"cat {prompt_file}\"]\n", 2, "`{prompt_file}` has no value before a loop starts", "may use {worktree}, {repo} and {loop}"),
        ("[env]\ndeny = [\"AWS *\"]\n", 2, "`deny` has the pattern \"AWS *\"", "e.g. \"AWS_*\""),
        ("[breakers]\nmax_iterations = \"ten\"\n", 2, "`max_iterations`", "whole number without quotes"),
        ("[breakers]\nout_of_scope_stop = 0\n", 2, "`out_of_scope_stop`", "1 or more"),
        ("[breakers]\niteration_timeout = \"30\"\nno_progress = \"ten minutes\"\n", 3, "`no_progress`", "duration such as \"30s\""),
        ("[ui]\ntheme = \"dark\"\ndefault_agent = \"codex\"\n", 3, "`default_agent` is inside the [ui] table", "move `default_agent` above line 1"),
        ("[ui]\ntheme = \"dark\n", 2, "", "fix the TOML on line 2"),
        ("actor = \"a\0b\"\n", 1, "NUL byte", "plain UTF-8"),
        ("[sandbox]\nmode = \"landlok\"\n", 2, "`mode` cannot be \"landlok\"", "did you mean `landlock`? Allowed values: off, landlock"),
        ("[agents.claude]\nsandbox = \"on\"\n", 2, "`sandbox` cannot be \"on\"", "Allowed values: off, landlock"),
        ("[sandbox]\ncache_dirs = [\"/opt/cache\", \".cache\"]\n", 2, "\".cache\", which is neither absolute nor under ~/", "cache_dirs = [\"~/.cargo/registry\""),
        ("[sandbox]\ncache_dirs = [\"~/.cache\",\n  \"~/.cargo\"]\n", 3, "\"~/.cargo\", but ~/.cargo holds programs or their config", "list its data folders instead: cache_dirs = [\"~/.cargo/registry\", \"~/.cargo/git\"]"),
        ("[sandbox]\ncache_dirs = [\"/tmp/app/node_modules/.bin\"]\n", 2, "a `node_modules` folder holds programs", "take it out of cache_dirs"),
        ("[sandbox]\ncache_dirs = [\"/tmp\"]\n", 2, "\"/tmp\", which holds /tmp: every program's sockets", "e.g. cache_dirs = [\"~/.cache/pip\"]"),
        ("[sandbox]\nallow_read = [\".ssh\"]\n", 2, "allow_read has \".ssh\", which is neither absolute nor under ~/", "allow_read = [\"~/.config/gh\"]"),
        ("[sandbox]\nmod = \"landlock\"\n", 2, "unknown key `mod` in [sandbox]", "did you mean `mode`?"),
    ];
    for (text, line, message, fix) in cases {
        let err = apply(text).expect_err(text);
        assert_eq!(err.line, *line, "{text:?}\n=> {err}");
        assert!(err.message.contains(message), "{text:?}\n=> {err}");
        assert!(err.fix.contains(fix), "{text:?}\n=> {err}");
        assert_eq!(err.file, Path::new("andon.toml"));
    }
}

#[test]
fn config_keys_match_the_top_level_fields() {
    let err = apply("zzz = 1\n").expect_err("unknown");
    assert!(err.fix.ends_with(&layer::CONFIG_KEYS.join(", ")), "{err}");
}

#[test]
fn user_default_agent_must_exist_by_its_layer() {
    let mut config = Config::defaults();
    let user = parse_layer(Path::new("user.toml"), "default_agent = \"fixer\"\n").expect("parses");
    let err = config.apply(user).expect_err("fixer unknown so far");
    assert_eq!((err.file.as_path(), err.line), (Path::new("user.toml"), 1));
    let ok = "default_agent = \"fixer\"\n[agents.fixer]\ncommand = [\"f\"]\n";
    let config = apply(ok).expect("defined in the same layer");
    assert_eq!(config.default_agent, "fixer");
}

fn plan(front: &str) -> Plan {
    let text = format!("+++\ngoal = \"g\"\n{front}[[checks]]\nname = \"t\"\nrun = \"true\"\n+++\n");
    parse_plan(Path::new("plans/p.md"), &text).expect("valid plan")
}

#[test]
fn plan_view_of_the_config() {
    let config = apply("[breakers]\nmax_iterations = 12\nconsecutive_failures = 4\n").expect("ok");
    let p = plan(
        "max_iterations = 8\niteration_timeout = \"20m\"\n[breakers]\nrepeat_fingerprint = 2\n",
    );
    let breakers = config.breakers_for(&p);
    assert_eq!(
        breakers,
        Breakers {
            consecutive_failures: 4,
            repeat_fingerprint: 2,
            max_iterations: 8,
            iteration_timeout: Duration::from_secs(20 * 60),
            ..Breakers::default()
        }
    );
    assert_eq!(config.breakers_for(&plan("")).max_iterations, 12);

    assert_eq!(
        config.protected_for(&plan("")),
        config.guards.protected.as_slice()
    );
    assert_eq!(
        config.protected_for(&plan("protected = []\n")),
        &[] as &[String]
    );

    assert_eq!(
        config.profile_for(&plan("")).map(|p| p.name.as_str()),
        Ok("claude")
    );
    assert_eq!(
        config
            .profile_for(&plan("agent = \"sim\"\n"))
            .map(|p| p.name.as_str()),
        Ok("sim")
    );
    let err = config
        .profile_for(&plan("\nagent = \"fixer\"\n"))
        .expect_err("unknown profile");
    assert_eq!((err.file.as_path(), err.line), (Path::new("plans/p.md"), 4));
    assert!(
        err.message.contains("unknown agent profile `fixer`"),
        "{err}"
    );
    assert!(
        err.fix
            .contains("add [agents.fixer] with a command to andon.toml"),
        "{err}"
    );
    assert!(err.fix.contains("Known profiles: aider, claude"), "{err}");
}

#[test]
fn env_policy_comes_from_layers_and_profiles() {
    let config =
        apply("[env]\nallow = [\"GH_HOST\"]\ndeny = [\"*TOKEN*\", \"GH_*\"]\n").expect("ok");
    let claude = &config.agents["claude"];
    let cases: &[(&str, bool)] = &[
        ("GH_HOST", true),
        ("GH_TOKEN", false),
        ("AWS_SECRET_ACCESS_KEY", true), // the layer's deny list replaced the default one
        ("ANTHROPIC_AUTH_TOKEN", true),
        ("OPENAI_API_KEY", true),
    ];
    for (name, passes) in cases {
        assert_eq!(
            config.env.passes(name, &claude.env_allow),
            *passes,
            "{name}"
        );
    }
}

#[test]
fn reading_files_reports_problems_with_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.toml");
    assert_eq!(read_text(&missing), Ok(None));

    let latin1 = dir.path().join("latin1.toml");
    fs::write(&latin1, b"a = 1\nb = \"caf\xe9\"\n").expect("write");
    let err = read_text(&latin1).expect_err("not UTF-8");
    assert_eq!(err.line, 2);
    assert!(err.fix.contains("save it as UTF-8"), "{err}");

    let big = dir.path().join("big.md");
    fs::write(
        &big,
        vec![b'x'; andon_core::file_error::MAX_INPUT_BYTES + 1],
    )
    .expect("write");
    let err = read_text(&big).expect_err("too big");
    assert!(err.message.contains("larger than 1024 KiB"), "{err}");

    let err = read_text(dir.path()).expect_err("a directory");
    assert_eq!(err.line, 0);
    assert!(err
        .to_string()
        .starts_with(&format!("{}: cannot read", dir.path().display())));

    let plan_path = dir.path().join("fix-it.md");
    let err = read_plan(&plan_path).expect_err("missing plan");
    assert!(err.message.contains("does not exist"), "{err}");
    fs::write(
        &plan_path,
        "+++\ngoal = \"g\"\n+++\n- [Lint] Run `true` - must pass\n",
    )
    .expect("w");
    let plan = read_plan(&plan_path).expect("valid plan");
    assert_eq!((plan.slug.as_str(), plan.checks[0].line), ("fix-it", 4));

    let bad_repo = dir.path().join("repo");
    fs::create_dir(&bad_repo).expect("dir");
    fs::write(bad_repo.join("andon.toml"), "[ui]\nthemes = 1\n").expect("write");
    let err = Config::load(&bad_repo, None).expect_err("bad repo config");
    assert_eq!((err.file, err.line), (bad_repo.join("andon.toml"), 2));
}

#[test]
fn sandbox_comes_from_the_plan_then_the_profile_then_the_config() {
    let mut config = Config::defaults();
    let user = "[sandbox]\nmode = \"landlock\"\ncache_dirs = [\"~/.cargo/registry\"]\n";
    config
        .apply(parse_layer(Path::new("user.toml"), user).expect("parses"))
        .expect("applies");
    let repo = "[agents.sim]\nsandbox = \"off\"\n\n[sandbox]\ncache_dirs = [\"/opt/cache\"]\n";
    config
        .apply(parse_layer(Path::new("andon.toml"), repo).expect("parses"))
        .expect("applies");
    // A later layer that sets only cache_dirs keeps the earlier mode.
    assert_eq!(config.sandbox.cache_dirs, strings(&["/opt/cache"]));
    let place = |s: Option<&SandboxSetting>| s.map(|s| (s.mode, s.place()));

    let claude = &config.agents["claude"];
    let sim = &config.agents["sim"];
    assert_eq!(
        place(config.sandbox_for(&plan(""), claude)),
        Some((SandboxMode::Landlock, "user.toml:2".to_string()))
    );
    assert_eq!(
        place(config.sandbox_for(&plan(""), sim)),
        Some((SandboxMode::Off, "andon.toml:2".to_string()))
    );
    assert_eq!(
        place(config.sandbox_for(&plan("sandbox = \"landlock\"\n"), sim)),
        Some((SandboxMode::Landlock, "plans/p.md:3".to_string()))
    );
    assert_eq!(
        Config::defaults().sandbox_for(&plan(""), claude),
        None,
        "nobody asked: andon's default (confined where the machine can) decides"
    );
}

#[test]
fn a_repository_may_tighten_the_users_protections_never_loosen_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("shop");
    fs::create_dir(&repo).expect("repo dir");
    let user = dir.path().join("config.toml");
    fs::write(
        &user,
        "[sandbox]\nmode = \"landlock\"\n\n[env]\ndeny = [\"*TOKEN*\", \"STRIPE_*\"]\n",
    )
    .expect("user config");
    let load = |text: &str| {
        fs::write(repo.join("andon.toml"), text).expect("repo config");
        Config::load(&repo, Some(&user))
    };

    let err = load("[sandbox]\nmode = \"off\"\n").expect_err("sandbox off refused");
    assert_eq!((err.file.clone(), err.line), (repo.join("andon.toml"), 2));
    assert!(
        err.message.contains(&format!("{}:2", user.display())),
        "{err}"
    );
    assert!(err.fix.contains(&user.display().to_string()), "{err}");

    let err = load("[agents.claude]\nsandbox = \"off\"\n").expect_err("profile off refused");
    assert_eq!(err.line, 2, "{err}");

    let err = load("[env]\nallow = [\"LANG\",\n  \"GITHUB_TOKEN\"]\n").expect_err("allow refused");
    assert_eq!(err.line, 3, "{err}");
    assert!(err.message.contains("`*TOKEN*`"), "{err}");
    assert!(err.message.contains("andon's defaults"), "{err}");
    assert!(err.fix.contains(&user.display().to_string()), "{err}");

    let err = load("[agents.claude]\nenv_allow = [\"STRIPE_LIVE\"]\n").expect_err("refused");
    assert!(err.message.contains("[agents.claude] env_allow"), "{err}");
    assert!(err.message.contains(&user.display().to_string()), "{err}");

    // An emptied deny list keeps the floor's; a repository's own patterns add to it.
    let config = load("[env]\ndeny = [\"SHOP_*\"]\n").expect("tightening is fine");
    for name in ["GITHUB_TOKEN", "STRIPE_API", "SHOP_DB"] {
        assert!(!config.env.passes(name, &[]), "{name} kept back");
    }
    let config =
        load("[env]\ndeny = []\nallow = [\"LANG\"]\n[agents.claude]\nsandbox = \"landlock\"\n")
            .expect("an empty deny list and a confined profile are fine");
    assert!(!config.env.passes("GITHUB_TOKEN", &[]));
    assert!(config.env.passes("LANG", &[]));

    // The user's own config may do what the repository may not.
    fs::write(&user, "[env]\nallow = [\"GITHUB_TOKEN\"]\n").expect("user config");
    let config = load("").expect("the user's choice");
    assert!(config.env.passes("GITHUB_TOKEN", &[]));

    // Off is the user's choice only: a user config that says nothing leaves andon's default.
    let err = load("[sandbox]\nmode = \"off\"\n").expect_err("off is the user's choice");
    assert!(err.message.contains("the user's choice only"), "{err}");
    assert!(err.fix.contains(&user.display().to_string()), "{err}");
    let err = load("[agents.claude]\nsandbox = \"off\"\n").expect_err("refused");
    assert!(
        err.fix.contains("sandbox = \"off\" in [agents.claude] or"),
        "{err}"
    );
    // Once the user turned it off, a repository saying so too is no loosening.
    fs::write(&user, "[agents.claude]\nsandbox = \"off\"\n").expect("user config");
    load("[agents.claude]\nsandbox = \"off\"\n").expect("the user chose off for claude");
    load("[sandbox]\nmode = \"off\"\n").expect_err("but not for every profile");
}

#[test]
fn the_readmes_config_examples_load_where_they_belong() {
    let readme = include_str!("../../README.md");
    let block_after = |marker: &str| {
        let start = readme.find(marker).expect("the README shows it");
        let block = &readme[start..];
        let block = &block[block.find("```toml\n").expect("a toml block") + 8..];
        block[..block.find("```").expect("the block ends")].to_string()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("shop");
    fs::create_dir(&repo).expect("repo dir");
    // The repository's example loads on its own: it asks for nothing only a user may grant.
    fs::write(
        repo.join("andon.toml"),
        block_after("`andon.toml` at the repo root"),
    )
    .expect("write");
    let config = Config::load(&repo, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.sandbox.mode, None, "andon's default sandbox");
    // The user config's example grants what the repository may not, and passes the checks
    // every cache dir gets.
    let user = dir.path().join("config.toml");
    fs::write(
        &user,
        block_after("What loosens a protection is yours to set"),
    )
    .expect("write");
    let config = Config::load(&repo, Some(&user)).unwrap_or_else(|e| panic!("{e}"));
    assert!(config.env.passes("DATABASE_URL", &[]));
    assert_eq!(config.sandbox.cache_dirs.len(), 2);
}

#[test]
fn standards_add_checks_and_paths_and_bad_ones_name_their_line() {
    let config = apply(
        "[[standards.checks]]\nname = \"kaizen-abcd1234\"\nrun = \"make lint\"\nfrom = \"abcd1234\"\n\n[[standards.protected]]\nglob = \"db/**\"\nfrom = \"ef012345\"\n",
    )
    .expect("parses");
    assert_eq!(config.standards.checks[0].run, "make lint");
    assert_eq!(config.standards.globs().collect::<Vec<_>>(), ["db/**"]);
    let err =
        apply("[[standards.protected]]\nglob = \"src/[\"\nfrom = \"a\"\n").expect_err("bad glob");
    assert!(err.message.contains("is not a valid glob"), "{err}");
    assert!(err.line >= 1, "{err}");
    let err =
        apply("[[standards.checks]]\nname = \"k\"\nrun = \"\"\nfrom = \"a\"\n").expect_err("empty");
    assert!(err.message.contains("the check is empty"), "{err}");
    let err = apply("[standards]\ncheck = []\n").expect_err("unknown key");
    assert!(err.to_string().contains("check"), "{err}");
}

#[test]
fn the_common_cause_window_is_set_in_the_line_table() {
    assert_eq!(
        Config::defaults().line.common_cause_window,
        Duration::from_secs(600)
    );
    let config = apply("[line]\ncommon_cause_window = \"2m\"\n").expect("parses");
    assert_eq!(config.line.common_cause_window, Duration::from_secs(120));
    let err = apply("[line]\ncommon_cause_window = \"soon\"\n").expect_err("not a duration");
    assert_eq!(err.line, 2, "{err}");
    assert!(err.fix.contains("common_cause_window = \"10m\""), "{err}");
}

#[test]
fn the_line_limits_are_counts_of_at_least_one() {
    let defaults = Config::defaults().line;
    assert_eq!(
        (defaults.max_running, defaults.max_awaiting_review),
        (None, None)
    );
    let config = apply("[line]\nmax_running = 2\nmax_awaiting_review = 1\n").expect("parses");
    assert_eq!(config.line.max_running, Some(2));
    assert_eq!(config.line.max_awaiting_review, Some(1));
    let err = apply("[line]\nmax_running = 0\n").expect_err("zero starts nothing");
    assert_eq!(err.line, 2, "{err}");
    assert!(err.message.contains("at least 1"), "{err}");
    assert!(err.fix.contains("leave the key out"), "{err}");
}

#[test]
fn notify_names_its_events_and_placeholders() {
    let config =
        apply("[notify]\non = [\"red\"]\ncommand = [\"ntfy\", \"{title}\"]\ntimeout = \"3s\"\n")
            .expect("parses");
    assert_eq!(config.notify.on, vec![andon_core::notify::Call::Red]);
    assert_eq!(config.notify.timeout, Duration::from_secs(3));
    assert_eq!(config.notify.command.as_ref().map(|c| c.2), Some(3));
    assert!(
        !config.notify.terminal,
        "the terminal sink is chosen, not assumed"
    );
    assert!(
        apply("[notify]\nterminal = true\n")
            .expect("parses")
            .notify
            .terminal
    );
    assert_eq!(
        Config::defaults().notify.on.len(),
        4,
        "everything that needs a human"
    );
    let err = apply("[notify]\non = [\"green\"]\n").expect_err("no such event");
    assert_eq!(err.line, 2, "{err}");
    assert!(
        err.fix.contains("red, needs_human, blue, line_stopped"),
        "{err}"
    );
    let err = apply("[notify]\ncommand = [\"ntfy\", \"{titel}\"]\n").expect_err("typo");
    assert!(
        err.message.contains("unknown placeholder `{titel}`"),
        "{err}"
    );
    assert!(err.fix.contains("{title}"), "{err}");
}

#[test]
fn pr_follow_is_chosen_and_its_values_are_checked() {
    let config =
        apply("[pr]\nfollow = true\npush = \"auto\"\nreviewers = [\"alice\"]\npoll = \"30s\"\n")
            .expect("parses");
    assert!(config.pr.follow);
    assert_eq!(config.pr.push, super::PushMode::Auto);
    assert_eq!(config.pr.reviewers, ["alice"]);
    assert_eq!(config.pr.poll, Duration::from_secs(30));
    let defaults = Config::defaults().pr;
    assert!(!defaults.follow, "following is chosen, not assumed");
    assert_eq!(defaults.push, super::PushMode::Ask);
    let err = apply("[pr]\npush = \"always\"\n").expect_err("no such mode");
    assert_eq!(err.line, 2, "{err}");
    assert!(err.fix.contains("push = \"ask\""), "{err}");
    let err = apply("[pr]\npoll = \"100ms\"\n").expect_err("too often");
    assert!(err.message.contains("at most once a second"), "{err}");
}
