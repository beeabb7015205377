//! One supervisor per repo: an advisory `flock` on `.andon/lock` holding the owner's pid. The
//! kernel drops the lock when the process dies, even by SIGKILL, so a stale file never blocks.

use crate::or_log::OrLog;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another andon supervisor (pid {pid}) is running on this repo\n  fix: use `andon status`, `andon stop`, `andon redirect` … (they talk to it), or stop it first")]
    Held { pid: String },
    #[error("cannot open the repo lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Held for the life of a supervisor; dropping it releases the lock.
#[derive(Debug)]
pub struct RepoLock {
    _file: File,
}

impl RepoLock {
    pub fn acquire(path: &Path) -> Result<RepoLock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            // `.andon/` is private from its first creation, whichever command makes it.
            crate::own_file::dir(dir)
                .and_then(|()| crate::own_file::make_private(dir))
                .map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(io)?;
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
            let mut pid = String::new();
            file.read_to_string(&mut pid)
                .or_log("the holder's pid is only shown, and an empty one says unknown");
            let pid = pid.trim().to_string();
            return Err(LockError::Held {
                pid: if pid.is_empty() {
                    "unknown".into()
                } else {
                    pid
                },
            });
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(RepoLock { _file: file })
    }

    /// Whether a live supervisor holds the lock (without taking it).
    pub fn is_held(path: &Path) -> bool {
        match RepoLock::acquire(path) {
            Ok(_) => false,
            Err(LockError::Held { .. }) => true,
            Err(LockError::Io { .. }) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_with_the_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".andon/lock");
        let held = RepoLock::acquire(&path).unwrap();
        // flock locks belong to the open file description: a second open in the same process
        // conflicts just like another process would.
        match RepoLock::acquire(&path) {
            Err(LockError::Held { pid }) => assert_eq!(pid, std::process::id().to_string()),
            other => panic!("expected Held, got {other:?}"),
        }
        assert!(RepoLock::is_held(&path));
        drop(held);
        assert!(!RepoLock::is_held(&path));
        assert!(RepoLock::acquire(&path).is_ok());
    }
}
