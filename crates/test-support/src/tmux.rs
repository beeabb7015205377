//! A real terminal for end-to-end tests: a tmux server of the test's own, driven with
//! send-keys and read with capture-pane.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    session: String,
    socket: PathBuf,
}

impl Tmux {
    /// A detached tmux server of its own at 160x48 running a shell, which is given `command`.
    pub fn start(dir: &Path, command: &str) -> Tmux {
        Tmux::start_sized(dir, command, 160, 48)
    }

    pub fn start_sized(dir: &Path, command: &str, width: u16, height: u16) -> Tmux {
        let socket = dir.join("tmux.sock");
        let session = "andon-e2e".to_string();
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux runs");
        assert!(status.success());
        let t = Tmux { session, socket };
        // A plain shell first, so the test can look at the terminal after andon exits.
        t.keys(&[command, "Enter"]);
        t
    }

    pub fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut c = self.tmux();
        c.args(["send-keys", "-t", &self.session]);
        c.args(keys);
        assert!(c.status().unwrap().success());
    }

    pub fn literal(&self, text: &str) {
        assert!(self
            .tmux()
            .args(["send-keys", "-t", &self.session, "-l", text])
            .status()
            .unwrap()
            .success());
    }

    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    pub fn wait_for(&self, what: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(what) {
                return screen;
            }
            if start.elapsed() > limit {
                panic!("screen never showed {what:?}; last screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().args(["kill-server"]).status();
    }
}
