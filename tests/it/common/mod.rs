//! Test harness: real temp git repositories, shell-script agents, the real `andon` binary, and
//! the real SQLite store it writes.

#![allow(dead_code)]

pub mod gh;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use andon::store::Store;
pub use andon_test_support::{
    eventually, expect_exit, git, loop_processes, procs, run_to_end, stderr, stdout, tmux, users,
    wait_output,
};

pub const ANDON: &str = env!("CARGO_BIN_EXE_andon");

/// The shell project every test repo starts from: a price function with a bug (negative
/// prices) and a protected test that catches it.
pub const BUGGY_PRICE: &str = "price() { echo $(( $1 - $2 )); }\n";
pub const FIXED_PRICE: &str =
    "price() { r=$(( $1 - $2 )); [ \"$r\" -lt 0 ] && r=0; echo \"$r\"; }\n";
pub const PRICE_TEST: &str = "#!/bin/sh\n. ./src/price.sh\ngot=$(price 5 10)\nif [ \"$got\" != 0 ]; then echo \"FAIL: price 5 10 = $got, expected 0\"; exit 1; fi\necho ok\n";

pub struct TestRepo {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
    config: std::cell::RefCell<String>,
}

impl TestRepo {
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        std::fs::create_dir_all(&root).unwrap();
        let repo = TestRepo::init(dir, root);
        repo.write("src/price.sh", BUGGY_PRICE);
        repo.write("tests/test_price.sh", PRICE_TEST);
        repo.write("README.md", "# shop\n");
        repo.commit("initial");
        repo
    }

    /// A repository holding a real project from `tests/fixtures/<name>` (as its authors
    /// published it), committed, with `gitignore` as its .gitignore.
    pub fn from_fixture(name: &str, gitignore: &str) -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join(name);
        copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
            &root,
        );
        let repo = TestRepo::init(dir, root);
        repo.write(".gitignore", gitignore);
        repo.commit(&format!("{name}, as published"));
        repo
    }

    /// A git repository at `root` (inside `dir`), with a home of its own beside it.
    fn init(dir: tempfile::TempDir, root: PathBuf) -> TestRepo {
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        // andon commits as the user's git would: the repository has its user's identity.
        git(&root, &["config", "user.name", "Test User"]);
        git(&root, &["config", "user.email", "test@example.invalid"]);
        TestRepo {
            _dir: dir,
            root,
            home,
            config: std::cell::RefCell::new(String::new()),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, content: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn commit(&self, msg: &str) {
        git(&self.root, &["add", "-A"]);
        git(&self.root, &["commit", "-q", "-m", msg]);
    }

    /// A shell-script agent `agents/<name>.sh`, registered as profile `name` in andon.toml.
    pub fn agent(&self, name: &str, script: &str) {
        self.write(
            &format!("agents/{name}.sh"),
            &format!("#!/bin/sh\n{script}\n"),
        );
        self.config.borrow_mut().push_str(&format!(
            "[agents.{name}]\ncommand = [\"sh\", \"agents/{name}.sh\", \"{{prompt_file}}\"]\nprompt = \"file\"\n\n"
        ));
        self.write("andon.toml", &self.config.borrow());
    }

    /// `~/.config/andon/config.toml` of the test's user, with `toml`.
    pub fn user_config(&self, toml: &str) -> PathBuf {
        let path = self.home.join(".config/andon/config.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, toml).unwrap();
        path
    }

    /// The user turns the sandbox off (their choice only): agents get the user's full power,
    /// as a test of what andon does against an unconfined agent needs.
    pub fn unconfined(&self) {
        self.user_config("[sandbox]\nmode = \"off\"\n");
    }

    /// Append raw TOML to andon.toml.
    pub fn config(&self, toml: &str) {
        self.config.borrow_mut().push_str(toml);
        self.write("andon.toml", &self.config.borrow());
    }

    /// `plans/<slug>.md` with the price test as its check; `extra` is more front matter.
    pub fn plan(&self, slug: &str, agent: &str, extra: &str) -> String {
        let text = format!(
            "+++\ngoal = \"Prices are never negative\"\nagent = \"{agent}\"\nscope = [\"src/**\"]\n{extra}\n[[checks]]\nname = \"tests\"\nrun = \"sh tests/test_price.sh\"\ntimeout = \"30s\"\n+++\n# Fix negative prices\n\nClamp the price at zero.\n"
        );
        let rel = format!("plans/{slug}.md");
        self.write(&rel, &text);
        rel
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(ANDON);
        c.args(args);
        self.in_repo(c)
    }

    /// `c` run in the repository with the test's home and no user config of the machine's.
    pub fn in_repo(&self, mut c: Command) -> Command {
        c.current_dir(&self.root)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("ANDON_SIM_SPEED", "0")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        c
    }

    /// The repository, its home and its worktrees become `user`'s; the folder holding them
    /// is opened to every user (0755), so only andon's own modes keep another user out.
    pub fn give_to(&self, user: &users::User) {
        let dir = self.root.parent().unwrap();
        user.own(dir);
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }

    /// `andon run --headless PLAN` started with a temp dir of its own beside the repository
    /// (the sandbox lets agents write the temp dir; the repository lies in the system's), and
    /// `env` added to andon's environment; its output piped.
    pub fn spawn_headless(&self, plan: &str, env: &[(&str, &str)]) -> Child {
        let tmp = self.root.parent().unwrap().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        self.command(&["run", "--headless", plan])
            .env("TMPDIR", &tmp)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("andon starts")
    }

    /// [`TestRepo::spawn_headless`] run to its end.
    pub fn run_headless(&self, plan: &str, env: &[(&str, &str)], limit: Duration) -> Output {
        wait_output(self.spawn_headless(plan, env), limit)
    }

    /// Run andon to completion (panics after `limit`).
    pub fn andon(&self, args: &[&str], limit: Duration) -> Output {
        run_to_end(self.command(args), limit)
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("andon starts")
    }

    /// `andon run --headless --serve` in the background, once its control socket is up.
    pub fn serve(&self) -> Child {
        let server = self.spawn(&["run", "--headless", "--serve"]);
        let socket = self.root.join(".andon/control.sock");
        eventually(Duration::from_secs(60), "the control socket", || {
            socket.exists().then_some(())
        });
        server
    }

    /// SIGTERM a background supervisor and wait for it.
    pub fn end(&self, server: Child) -> Output {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(server.id().to_string())
            .status();
        wait_output(server, Duration::from_secs(60))
    }

    /// Rewrite a file of the repo: each (from, to) replaced in turn.
    pub fn edit(&self, rel: &str, replacements: &[(&str, &str)]) {
        let mut text = std::fs::read_to_string(self.path(rel)).unwrap();
        for (from, to) in replacements {
            assert!(text.contains(from), "{rel} has no {from:?}");
            text = text.replace(from, to);
        }
        self.write(rel, &text);
    }

    /// The audit trail's actions, oldest first.
    pub fn audit_actions(&self) -> Vec<String> {
        self.store()
            .audit()
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect()
    }

    pub fn store(&self) -> Store {
        Store::open_read_only(&self.root.join(".andon/andon.db")).expect("store exists")
    }

    pub fn worktree(&self, slug: &str) -> PathBuf {
        let name = self.root.file_name().unwrap().to_string_lossy();
        self.root
            .parent()
            .unwrap()
            .join(format!("{name}.worktrees"))
            .join(slug)
    }

    /// (lamp, state) after each transition of a loop, deduplicated in order.
    pub fn lamp_states(&self, slug: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for e in self.store().events(Some(slug), None).unwrap() {
            let pair = (e.lamp.clone(), e.state.clone());
            if out.last() != Some(&pair) {
                out.push(pair);
            }
        }
        out
    }

    /// Whether loop `slug`'s agent of iteration `n` runs: the iteration began (after the
    /// loop's baseline checks) and the loop has processes.
    pub fn agent_running(&self, slug: &str, n: u32) -> bool {
        let began = Store::open_read_only(&self.root.join(".andon/andon.db"))
            .ok()
            .and_then(|s| s.iterations(slug).ok())
            .is_some_and(|its| its.iter().any(|i| i.n == n && i.status == "running"));
        began && !loop_processes(slug).is_empty()
    }

    pub fn prompt(&self, slug: &str, n: u32) -> String {
        std::fs::read_to_string(
            self.root
                .join(format!(".andon/loops/{slug}/iter-{n}/prompt.md")),
        )
        .unwrap_or_default()
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The kernel must offer Landlock for these tests to mean anything; say so when it does not.
/// CI sets `ANDON_REQUIRE_LANDLOCK=1` where the kernel has it: there a missing Landlock fails.
pub fn landlock() -> bool {
    match andon::sandbox::landlock_status() {
        andon::sandbox::LandlockStatus::Available { .. } => true,
        andon::sandbox::LandlockStatus::Unavailable { why } => {
            assert!(
                std::env::var("ANDON_REQUIRE_LANDLOCK").as_deref() != Ok("1"),
                "ANDON_REQUIRE_LANDLOCK=1 but {why}"
            );
            users::say_skipped("a Landlock test", &why);
            false
        }
    }
}

/// Whether sandboxed loops run in namespaces here (bubblewrap works); says so when not.
/// CI sets `ANDON_REQUIRE_NAMESPACES=1` where bubblewrap is installed: there a missing one fails.
pub fn namespaces() -> bool {
    match andon::sandbox::namespaces::status() {
        Ok(_) => true,
        Err(why) => {
            assert!(
                std::env::var("ANDON_REQUIRE_NAMESPACES").as_deref() != Ok("1"),
                "ANDON_REQUIRE_NAMESPACES=1 but {why}"
            );
            users::say_skipped("a namespace test", why);
            false
        }
    }
}
