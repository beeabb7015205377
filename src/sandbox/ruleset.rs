//! The Landlock ruleset of a confined process: every write right handled, and granted only
//! beneath the writable places. Read rights are left unhandled, so reading stays unrestricted.

use std::path::PathBuf;

use landlock::{
    path_beneath_rules, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
    ABI,
};

use super::{landlock_status, LandlockStatus, SandboxError};

/// The ABI whose write rights are asked for. V5 adds `IoctlDev`, so a confined process cannot
/// drive a terminal it opens by name (e.g. push keystrokes into the user's shell with TIOCSTI);
/// later ABIs add no write right (V9's `ResolveUnix` would confine socket connects instead).
/// On an older kernel the rights it lacks are dropped and the rest still enforced.
const ABI_USED: ABI = ABI::V5;

/// Confines the calling thread and every process it starts from now on to writing, creating,
/// renaming and removing only beneath `writable` (directories or single files; missing ones
/// are skipped). Also sets no_new_privs, so a setuid program cannot lift the confinement.
/// Where the kernel has Landlock ABI 6 it is also scoped: no signal reaches a process outside
/// the sandbox (andon, the user's shell) and no abstract Unix socket made outside it (X11,
/// a session bus) can be connected to; older kernels skip the scopes.
pub fn restrict_writes(writable: &[PathBuf]) -> Result<(), SandboxError> {
    if let LandlockStatus::Unavailable { why } = landlock_status() {
        return Err(SandboxError::Unavailable { why });
    }
    let write = AccessFs::from_write(ABI_USED);
    let status = Ruleset::default()
        .handle_access(write)?
        .scope(Scope::AbstractUnixSocket | Scope::Signal)?
        .create()?
        .add_rules(path_beneath_rules(writable, write))?
        .restrict_self()?;
    match status.ruleset {
        RulesetStatus::NotEnforced => Err(SandboxError::NotEnforced),
        RulesetStatus::FullyEnforced | RulesetStatus::PartiallyEnforced => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;
    use andon_core::failure::sandbox_denial::{paths_outside, DenialLines};

    #[test]
    fn a_confined_child_writes_inside_and_is_refused_outside() {
        if let LandlockStatus::Unavailable { why } = landlock_status() {
            eprintln!("skipped: {why}");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("in");
        let outside = dir.path().join("out");
        std::fs::create_dir_all(inside.join("sub")).unwrap();
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("kept"), "original").unwrap();
        let script = format!(
            "cd '{i}' && echo ok > f && mkdir d && mv f sub/f && echo x > /dev/null; \
             echo x > '{o}/new'; touch '{o}/kept'; echo x >> '{o}/kept'; mkdir '{o}/d'; \
             rm -f '{o}/kept'; exit 0",
            i = inside.display(),
            o = outside.display()
        );
        let writable = vec![inside.clone(), PathBuf::from("/dev/null")];
        // Only this new thread (and what it starts) is confined, never the test process.
        let output = std::thread::spawn(move || {
            restrict_writes(&writable).unwrap();
            Command::new("sh").arg("-c").arg(script).output().unwrap()
        })
        .join()
        .unwrap();

        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(
            std::fs::read_to_string(inside.join("sub/f")).unwrap(),
            "ok\n"
        );
        assert!(inside.join("d").is_dir(), "{stderr}");
        assert!(!outside.join("new").exists(), "{stderr}");
        assert!(!outside.join("d").exists(), "{stderr}");
        assert_eq!(
            std::fs::read_to_string(outside.join("kept")).unwrap(),
            "original",
            "neither appended to nor removed"
        );
        // What the shell printed names each refused write.
        let mut lines = DenialLines::new();
        lines.push(stderr.as_bytes());
        let refused = paths_outside(&lines.lines(), Path::new("/"), &[inside]);
        let want: Vec<PathBuf> = ["new", "kept", "d"]
            .iter()
            .map(|name| outside.join(name))
            .collect();
        assert_eq!(refused, want, "{stderr}");
        // The test process itself was never confined.
        std::fs::write(outside.join("after"), "x").unwrap();
    }
}
