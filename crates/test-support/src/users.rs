//! Ordinary users for the tests that root would make meaningless: root reads every file
//! whatever its mode, so "another local user cannot read it" needs two users who are not root.
//! As root with `ANDON_TEST_SYSTEM=1` (`.ci/run` sets it) the users are created; otherwise the
//! test says it was skipped, where `cargo test` shows it.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// An ordinary user: the name and ids.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

impl User {
    /// `program args…` run as this user (its own uid and gid, no supplementary groups), with
    /// the caller's environment.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid",
            &self.uid.to_string(),
            "--regid",
            &self.gid.to_string(),
            "--clear-groups",
            "--",
            program,
        ]);
        c
    }

    /// Makes `dir` and everything under it this user's.
    pub fn own(&self, dir: &Path) {
        let status = Command::new("chown")
            .args(["-R", &format!("{}:{}", self.uid, self.gid)])
            .arg(dir)
            .status()
            .expect("chown runs");
        assert!(status.success(), "chown {}", dir.display());
    }
}

/// Says on the real stderr (not captured by the test harness) that `test` was skipped.
pub fn say_skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
}

/// Two ordinary users, `andon-test-a` (runs andon) and `andon-test-b` (the other local user),
/// or `None` (said as skipped) when this run may not create them.
pub fn two_users(test: &str) -> Option<(User, User)> {
    let asked = std::env::var("ANDON_TEST_SYSTEM").as_deref() == Ok("1");
    let root = rustix::process::geteuid().is_root();
    if !asked {
        say_skipped(
            test,
            "needs two ordinary users; run as root with ANDON_TEST_SYSTEM=1 (as .ci/run does)",
        );
        return None;
    }
    assert!(
        root,
        "ANDON_TEST_SYSTEM=1 but not root: cannot create test users"
    );
    Some((user("andon-test-a"), user("andon-test-b")))
}

/// The system user `name`, created when missing (tests run in parallel: a concurrent
/// `useradd` that holds the passwd lock is waited for).
fn user(name: &str) -> User {
    for _ in 0..100 {
        if let Some(user) = lookup(name) {
            return user;
        }
        let _ = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                name,
            ])
            .output();
        if lookup(name).is_none() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("cannot create the test user {name} (useradd)");
}

fn lookup(name: &str) -> Option<User> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, name]).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some(User {
        name: name.to_string(),
        uid: id("-u")?,
        gid: id("-g")?,
    })
}
