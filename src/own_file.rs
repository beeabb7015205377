//! Files andon keeps for itself under `.andon/` — prompts, logs, the PR body, the lock — and
//! reads back. They are private to the user (folders 0700, files 0600, whatever the umask) and
//! never reached through a link: an agent that plants `agent.log -> ~/.bashrc` gets a refusal,
//! not andon appending its output to the user's shell profile.
//!
//! Only the last component is opened no-follow; the folders above it are andon's own, made by
//! [`dir`], which refuses a folder that is a link. An opened file must be a plain file with
//! one name: a hard link to the user's file, or a FIFO that would hang andon, is refused too.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode of the files andon writes for itself.
const FILE_MODE: u32 = 0o600;
/// Mode of its folders.
const DIR_MODE: u32 = 0o700;

/// Whether `e` is the refusal of a path that was a link where andon expected its own file or
/// folder.
pub fn is_link(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}

fn linked(path: &Path) -> io::Error {
    io::Error::from_raw_os_error(libc::ELOOP).with_path(path)
}

/// Adds the path to an error's text, keeping its kind and OS code.
trait WithPath {
    fn with_path(self, path: &Path) -> io::Error;
}

impl WithPath for io::Error {
    fn with_path(self, path: &Path) -> io::Error {
        match self.raw_os_error() {
            Some(libc::ELOOP) => io::Error::new(
                self.kind(),
                LinkRefused {
                    path: path.display().to_string(),
                    what: "a link",
                },
            ),
            _ => io::Error::new(self.kind(), format!("{}: {self}", path.display())),
        }
    }
}

/// The error of a link (or another file that is not andon's) where andon's own file was: its
/// text names the path and what was there.
#[derive(Debug)]
struct LinkRefused {
    path: String,
    what: &'static str,
}

impl std::fmt::Display for LinkRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} was replaced by {}", self.path, self.what)
    }
}

/// Largest file andon reads back whole (a prompt, a fix plan).
const MAX_READ: u64 = 16 * 1024 * 1024;

impl std::error::Error for LinkRefused {}

/// Whether `e` is a link refusal made by this module (its OS code is gone once wrapped).
pub fn refused_link(e: &io::Error) -> bool {
    is_link(e)
        || e.get_ref()
            .is_some_and(|inner| inner.downcast_ref::<LinkRefused>().is_some())
}

/// Creates folder `path` and its missing parents (0700); refuses when `path` is a link.
pub fn dir(path: &Path) -> io::Result<()> {
    if let Ok(meta) = path.symlink_metadata() {
        if meta.file_type().is_symlink() {
            return Err(linked(path));
        }
        if meta.is_dir() {
            return Ok(());
        }
    }
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
        .map_err(|e| e.with_path(path))?;
    if path.symlink_metadata()?.file_type().is_symlink() {
        return Err(linked(path));
    }
    Ok(())
}

/// Makes an existing folder of andon's private (0700), as an older andon may have left it
/// readable by everyone.
pub fn make_private(path: &Path) -> io::Result<()> {
    let meta = path.symlink_metadata()?;
    if meta.file_type().is_symlink() {
        return Err(linked(path));
    }
    let mode = if meta.is_dir() { DIR_MODE } else { FILE_MODE };
    if meta.permissions().mode() & 0o777 != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    // Non-blocking: opening a FIFO planted in andon's place must not hang it.
    o.mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK);
    o
}

/// Opens `path` with `o` and makes sure it is andon's: a plain file with one name.
fn open_own(o: &OpenOptions, path: &Path) -> io::Result<File> {
    let file = o.open(path).map_err(|e| e.with_path(path))?;
    let meta = file.metadata().map_err(|e| e.with_path(path))?;
    let what = if !meta.is_file() {
        "something that is not a plain file"
    } else if std::os::unix::fs::MetadataExt::nlink(&meta) != 1 {
        "a hard link"
    } else {
        return Ok(file);
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        LinkRefused {
            path: path.display().to_string(),
            what,
        },
    ))
}

/// Opens `path` for appending, creating it (0600) in an existing folder.
pub fn append(path: &Path) -> io::Result<File> {
    open_own(options().create(true).append(true), path)
}

/// Writes `bytes` to `path` whole, replacing what it held (truncated only once it is known
/// to be andon's).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = open_own(options().create(true).write(true), path)?;
    file.set_len(0).map_err(|e| e.with_path(path))?;
    file.write_all(bytes).map_err(|e| e.with_path(path))
}

/// Opens `path` for reading; a link is refused, not followed.
pub fn open(path: &Path) -> io::Result<File> {
    open_own(options().read(true), path)
}

/// Reads `path` whole (at most 16 MiB); a link is refused, not followed.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let file = open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_READ + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.with_path(path))?;
    if bytes.len() as u64 > MAX_READ {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: larger than {} MiB", path.display(), MAX_READ >> 20),
        ));
    }
    Ok(bytes)
}

/// Reads `path` as text (invalid UTF-8 replaced); a link is refused, not followed.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    read(path).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Writes `bytes` to `path` whole or not at all: a new private file beside it (never one that
/// is already there, link or not), renamed over it. A link at `path` itself is replaced, not
/// followed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    crate::atomic::write_with(path, bytes, FILE_MODE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_link_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "the user's file\n").unwrap();
        let planted = dir.path().join("agent.log");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();

        let err = append(&planted).unwrap_err();
        assert!(refused_link(&err), "{err}");
        assert!(
            err.to_string().contains("agent.log was replaced by a link"),
            "{err}"
        );
        assert!(refused_link(&write(&planted, b"x").unwrap_err()));
        assert!(refused_link(&read(&planted).unwrap_err()));
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "the user's file\n"
        );

        // An atomic write replaces the link itself.
        write_atomic(&planted, b"andon's\n").unwrap();
        assert!(!planted.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "the user's file\n"
        );

        // A hard link to the user's file, or a FIFO, is not andon's file either.
        let hard = dir.path().join("prompt.md");
        std::fs::hard_link(&victim, &hard).unwrap();
        let err = write(&hard, b"andon's prompt").unwrap_err();
        assert!(
            refused_link(&err) && err.to_string().contains("a hard link"),
            "{err}"
        );
        assert!(refused_link(&append(&hard).unwrap_err()));
        let fifo = dir.path().join("fix-plan.md");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        assert!(
            refused_link(&read(&fifo).unwrap_err()),
            "a FIFO read would hang"
        );
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "the user's file\n"
        );

        let linked_dir = dir.path().join("iter-2");
        std::os::unix::fs::symlink(dir.path(), &linked_dir).unwrap();
        assert!(refused_link(&super::dir(&linked_dir).unwrap_err()));
    }

    #[test]
    fn files_and_folders_are_private_whatever_the_umask() {
        // The modes are explicit: a umask can only take bits away from them.
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("a/b");
        super::dir(&folder).unwrap();
        let file = folder.join("f");
        write(&file, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&file), 0o600);

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        make_private(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
    }
}
