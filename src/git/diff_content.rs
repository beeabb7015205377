//! Reading one side of a changed file for the diff — from the object database or from disk —
//! without ever loading an oversized one, and turning a libgit2 patch into hunks and lines.

use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use git2::{FileMode, Odb, Oid, Patch, Repository};

use super::diff::DiffLimits;
use super::{io_error, GitContext, GitError};
use andon_core::diff::{DiffLine, Hunk, LeadIn, LineKind, LEAD_IN};

/// How many leading bytes decide whether content is binary (git's own rule: a NUL among them).
const BINARY_PEEK: usize = 8000;

/// One side of a file's change as the listing described it.
#[derive(Debug, Clone)]
pub(super) struct Side {
    pub id: Oid,
    pub mode: FileMode,
    /// What the listing knew (the index records sizes; a tree does not: then 0).
    pub size: u64,
}

/// One side's content.
pub(super) enum Content<'r> {
    Absent,
    Blob(git2::Blob<'r>),
    Bytes(Vec<u8>),
    /// Over the size limit, or unreadable (permissions): not loaded, only its size known.
    NotLoaded(u64),
}

impl Content<'_> {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Content::Blob(blob) => blob.content(),
            Content::Bytes(bytes) => bytes,
            Content::Absent | Content::NotLoaded(_) => &[],
        }
    }

    pub fn size(&self) -> u64 {
        match self {
            Content::NotLoaded(size) => *size,
            other => other.bytes().len() as u64,
        }
    }

    pub fn loaded(&self) -> bool {
        !matches!(self, Content::NotLoaded(_))
    }
}

/// A side stored in the object database. An oversized blob is never inflated: its size comes
/// from the listing or else from the object's header.
pub(super) fn stored<'r>(
    repo: &'r Repository,
    odb: &Odb<'_>,
    side: &Side,
    limits: DiffLimits,
) -> Result<Content<'r>, GitError> {
    // A submodule: shown the way git shows it.
    if side.mode == FileMode::Commit {
        return Ok(Content::Bytes(
            format!("Subproject commit {}\n", side.id).into_bytes(),
        ));
    }
    let size = match side.size {
        0 => odb.read_header(side.id).op("read object header")?.0 as u64,
        known => known,
    };
    if size > limits.max_file_bytes {
        return Ok(Content::NotLoaded(size));
    }
    let blob = repo.find_blob(side.id).op("read blob")?;
    // The recorded size can be stale (a clean/smudge filter); the limit still holds.
    if blob.size() as u64 > limits.max_file_bytes {
        return Ok(Content::NotLoaded(blob.size() as u64));
    }
    Ok(Content::Blob(blob))
}

/// A side on disk: a symlink's content is its target, as git stores it.
pub(super) fn on_disk(path: &Path, limits: DiffLimits) -> Result<Content<'static>, GitError> {
    let meta = fs::symlink_metadata(path).map_err(io_error("inspect", path))?;
    if meta.file_type().is_symlink() {
        let target = fs::read_link(path).map_err(io_error("read link", path))?;
        return Ok(Content::Bytes(target.as_os_str().as_bytes().to_vec()));
    }
    if meta.len() > limits.max_file_bytes {
        return Ok(Content::NotLoaded(meta.len()));
    }
    match fs::read(path) {
        Ok(bytes) => Ok(Content::Bytes(bytes)),
        // Shown as binary (its first bytes cannot be read either) rather than failing the diff.
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Ok(Content::NotLoaded(meta.len())),
        Err(e) => Err(io_error("read", path)(e)),
    }
}

/// Whether an oversized side is binary, from its first bytes: `path` on disk, or else the blob
/// `id`. A side that cannot be read counts as binary.
pub(super) fn looks_binary(repo: &Repository, id: Oid, path: Option<&Path>) -> bool {
    let head = match path {
        Some(path) => file_head(path),
        None => repo.find_blob(id).ok().map(|blob| {
            let content = blob.content();
            content[..content.len().min(BINARY_PEEK)].to_vec()
        }),
    };
    head.is_none_or(|bytes| bytes.contains(&0))
}

fn file_head(path: &Path) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(BINARY_PEEK);
    File::open(path)
        .and_then(|file| file.take(BINARY_PEEK as u64).read_to_end(&mut head))
        .ok()?;
    Some(head)
}

pub(super) fn hunks(patch: &Patch<'_>) -> Result<Vec<Hunk>, GitError> {
    let mut hunks = Vec::with_capacity(patch.num_hunks());
    for h in 0..patch.num_hunks() {
        let (hunk, count) = patch.hunk(h).op("read diff hunk")?;
        let mut lines = Vec::with_capacity(count);
        for l in 0..count {
            let line = patch.line_in_hunk(h, l).op("read diff line")?;
            // The other origins mark a missing newline at the end of file.
            let kind = match line.origin() {
                ' ' => LineKind::Context,
                '+' => LineKind::Added,
                '-' => LineKind::Removed,
                _ => continue,
            };
            lines.push(DiffLine {
                kind,
                old_no: line.old_lineno(),
                new_no: line.new_lineno(),
                text: line_text(line.content()),
            });
        }
        hunks.push(Hunk {
            header: line_text(hunk.header()),
            old_start: hunk.old_start(),
            old_lines: hunk.old_lines(),
            new_start: hunk.new_start(),
            new_lines: hunk.new_lines(),
            lines,
            lead_in: LeadIn::default(),
        });
    }
    Ok(hunks)
}

/// Fills each hunk's lead-in from the file's two sides: the lines between the previous hunk
/// (or the top of the file) and this one, the nearest `LEAD_IN` of them.
pub(super) fn add_lead_ins(hunks: &mut [Hunk], old: &[u8], new: &[u8]) {
    let old_lines: Vec<&[u8]> = old.split(|b| *b == b'\n').collect();
    let new_lines: Vec<&[u8]> = new.split(|b| *b == b'\n').collect();
    let mut ends = (0, 0);
    for hunk in hunks.iter_mut() {
        let lead = |lines: &[&[u8]], from: usize, to: usize| -> Vec<String> {
            let to = to.min(lines.len());
            let from = from.max(to.saturating_sub(LEAD_IN)).min(to);
            lines[from..to].iter().map(|l| line_text(l)).collect()
        };
        hunk.lead_in = LeadIn {
            old: lead(&old_lines, ends.0, hunk.first_index(true)),
            new: lead(&new_lines, ends.1, hunk.first_index(false)),
        };
        ends = (hunk.end_index(true), hunk.end_index(false));
    }
}

/// Without the line's newline; invalid UTF-8 is replaced, never an error.
fn line_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}
