//! Where a child's output goes besides the caller's callback: an append-only log file,
//! written chunk by chunk as it arrives, and a bounded tail kept for failure reports.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::PtyError;

/// Append-only log of raw output. A write failure (disk full) must not stop the child's
/// output from being drained, so it is remembered and logging stops instead.
pub(crate) struct LogFile {
    file: Option<File>,
    path: PathBuf,
    error: Option<String>,
}

impl LogFile {
    /// Opens `path` for appending, creating it and its parent directories.
    pub fn open(path: &Path) -> Result<Self, PtyError> {
        let log_err = |source| PtyError::Log {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::own_file::dir(parent).map_err(log_err)?;
        }
        // Private, and never through a link the child may have planted in its place.
        let file = crate::own_file::append(path).map_err(log_err)?;
        Ok(Self {
            file: Some(file),
            path: path.to_path_buf(),
            error: None,
        })
    }

    pub fn append(&mut self, chunk: &[u8]) {
        let Some(file) = &mut self.file else {
            return;
        };
        if let Err(err) = file.write_all(chunk) {
            self.error = Some(format!(
                "writing {} failed, the log is incomplete: {err}",
                self.path.display()
            ));
            self.file = None;
        }
    }

    /// Why the log stopped early, if it did.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// The last `cap` bytes of a stream.
pub(crate) struct Tail {
    bytes: VecDeque<u8>,
    cap: usize,
}

impl Tail {
    pub fn new(cap: usize) -> Self {
        Self {
            bytes: VecDeque::with_capacity(cap),
            cap,
        }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        let keep = &chunk[chunk.len().saturating_sub(self.cap)..];
        let overflow = (self.bytes.len() + keep.len()).saturating_sub(self.cap);
        self.bytes.drain(..overflow);
        self.bytes.extend(keep);
    }

    /// Lossy UTF-8; a character cut in half by the window's start is dropped rather than
    /// shown as a replacement character.
    pub fn to_string_lossy(&self) -> String {
        let bytes: Vec<u8> = self.bytes.iter().copied().collect();
        let start = bytes
            .iter()
            .take(3)
            .take_while(|&&b| b & 0b1100_0000 == 0b1000_0000)
            .count();
        String::from_utf8_lossy(&bytes[start..]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn tail_keeps_the_last_bytes() {
        let cases: [(usize, &[&str], &str); 5] = [
            (4, &["ab", "cd", "ef"], "cdef"),
            (4, &["abcdefgh"], "efgh"),
            (4, &["a"], "a"),
            (8, &[], ""),
            // "é" is two bytes; the window starts in its middle.
            (3, &["é", "ab"], "ab"),
        ];
        for (cap, chunks, want) in cases {
            let mut tail = Tail::new(cap);
            for chunk in chunks {
                tail.push(chunk.as_bytes());
            }
            assert_eq!(tail.to_string_lossy(), want, "{chunks:?}");
        }
    }

    #[test]
    fn log_appends_and_creates_parent_directories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("iter-1/nested/agent.log");
        for chunk in ["one ", "two"] {
            let mut log = LogFile::open(&path).unwrap();
            log.append(chunk.as_bytes());
            assert_eq!(log.error(), None);
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), "one two");
    }

    #[test]
    fn log_open_failure_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "").unwrap();
        let err = LogFile::open(&blocker.join("agent.log")).err().unwrap();
        assert!(err.to_string().contains("agent.log"), "{err}");
    }
}
