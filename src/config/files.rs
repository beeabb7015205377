//! Reading input files from disk with the same error shape as parsing them: a file that is
//! missing, unreadable, too large or not UTF-8 is reported with its path and a fix.

use std::io::{ErrorKind, Read};
use std::path::Path;

use andon_core::file_error::{line_at, FileError, MAX_INPUT_BYTES};
use andon_core::plan::{parse_plan, Plan, PlanError};

/// Reads a text file whole; `Ok(None)` when it does not exist.
pub fn read_text(path: &Path) -> Result<Option<String>, FileError> {
    let unreadable = |err: std::io::Error| {
        FileError::new(
            path,
            0,
            format!("cannot read the file: {err}"),
            "check that it is a readable regular file, or remove it",
        )
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(unreadable(err)),
    };
    // Read one byte past the limit so an oversized file is detected without reading it all.
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(FileError::new(
            path,
            0,
            format!("the file is larger than {} KiB", MAX_INPUT_BYTES / 1024),
            "keep it short and move long context into wiki/ pages that it links to",
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.as_bytes();
            // The valid prefix is UTF-8 by definition; count its lines for the location.
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let line = line_at(&prefix, prefix.len());
            Err(FileError::new(
                path,
                line,
                "the file is not valid UTF-8 text",
                format!("save it as UTF-8 (line {line} has the first invalid byte)"),
            ))
        }
    }
}

/// Reads and parses a plan file.
pub fn read_plan(path: &Path) -> Result<Plan, PlanError> {
    match read_text(path)? {
        Some(text) => parse_plan(path, &text),
        None => Err(FileError::new(
            path,
            0,
            "the plan file does not exist",
            "check the path; plans live in plans/<name>.md",
        )),
    }
}
