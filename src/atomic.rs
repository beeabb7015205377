//! Writing a file whole or not at all: the text goes to a new temporary file beside it, which
//! is then renamed over it, so a reader (or a crash) never sees half a file. The temporary file
//! is always created anew (`O_EXCL`): a link planted at its name is removed, never followed, and
//! a link at the file's own name is replaced by the rename, not written through.

use crate::or_log::OrLog;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Mode of a file written for the repository (the umask applies, as to any editor's file).
const SHARED_MODE: u32 = 0o666;

/// Writes `text` to `path`, creating its directory.
pub fn write(path: &Path, text: &str) -> io::Result<()> {
    write_bytes(path, text.as_bytes())
}

/// Writes `bytes` to `path`, creating its directory.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, bytes, SHARED_MODE)
}

/// Writes `bytes` to `path` with a new file of `mode` (before the umask).
pub fn write_with(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".andon-tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .custom_flags(libc::O_CLOEXEC)
            .open(&tmp)
    };
    let mut file = match create() {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            // A crash's leftover, or something planted there: gone, never written through.
            std::fs::remove_file(&tmp)?;
            create()?
        }
        other => other?,
    };
    if let Err(e) = file.write_all(bytes) {
        std::fs::remove_file(&tmp)
            .or_log("the temporary file the failed write left; the write's own error is returned");
        return Err(e);
    }
    std::fs::rename(&tmp, path)
}
