//! Writing a file whole or not at all: the text goes to a temporary file beside it, which is
//! then renamed over it, so a reader (or a crash) never sees half a file.

use std::io;
use std::path::Path;

/// Writes `text` to `path`, creating its directory.
pub fn write(path: &Path, text: &str) -> io::Result<()> {
    write_bytes(path, text.as_bytes())
}

/// Writes `bytes` to `path`, creating its directory.
pub fn write_bytes(path: &Path, text: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".andon-tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
