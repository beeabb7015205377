//! Which mode a loop runs with: confined by default wherever the machine can confine, a
//! setting that asks for Landlock refused where it cannot be honoured (or where the repository
//! lies in a place every loop may write), and what start-up says the loops fall back to.

use std::path::{Path, PathBuf};

use super::shared_places;
use crate::config::Config;
use crate::engine::input_error::InputError;
use crate::sandbox::LandlockStatus;
use andon_core::sandbox::{SandboxMode, SandboxSetting};

/// The mode a loop runs with. Loops are confined by default wherever this machine can confine
/// them (`namespaces`: whether bubblewrap works here); only a setting that says `off` runs
/// one unconfined. A setting that asks for Landlock on a kernel without it, or a repository
/// the sandbox could not protect, refuses the plan at the line that asked.
pub fn require(
    setting: Option<&SandboxSetting>,
    status: &LandlockStatus,
    namespaces: bool,
    repo_root: &Path,
    config: &Config,
) -> Result<SandboxMode, InputError> {
    let unprotected = unprotected_by(repo_root, config, namespaces);
    let Some(setting) = setting else {
        // The default falls back (the board and `andon doctor` say so) rather than refuse.
        let confinable =
            matches!(status, LandlockStatus::Available { .. }) && unprotected.is_none();
        return Ok(if confinable {
            SandboxMode::Landlock
        } else {
            SandboxMode::Off
        });
    };
    if setting.mode == SandboxMode::Off {
        return Ok(SandboxMode::Off);
    }
    let at = Some((setting.file.clone(), Some(setting.line)));
    if let LandlockStatus::Unavailable { why } = status {
        return Err(InputError::new(
            at,
            format!("sandbox = \"landlock\" is set here, but {why}"),
            "run andon on a kernel with Landlock (`andon doctor` tells), or set sandbox = \"off\" \
             in your user config to run the agent with all of your user's write access",
        ));
    }
    if let Some(root) = unprotected {
        return Err(InputError::new(
            at,
            format!(
                "the sandbox cannot protect this repository: it lies inside {}, which every \
                 sandboxed agent may write",
                root.display()
            ),
            "move the repository elsewhere, or take that directory out of [sandbox] \
             cache_dirs",
        ));
    }
    Ok(SandboxMode::Landlock)
}

/// The place every sandboxed loop may write that holds the repository, if one does: the
/// sandbox could not keep an agent out of it.
fn unprotected_by(repo_root: &Path, config: &Config, namespaces: bool) -> Option<PathBuf> {
    let repo = repo_root
        .canonicalize()
        .unwrap_or_else(|_| repo_root.to_path_buf());
    shared_places(config, namespaces).into_iter().find(|root| {
        let canonical = root.canonicalize().unwrap_or_else(|_| root.clone());
        repo.starts_with(&canonical) || repo.starts_with(root)
    })
}

/// What start-up says when loops cannot be confined as they should: the kernel has no
/// Landlock (confined loops are then refused, default ones run unconfined), or no namespaces
/// can be made (`namespaces`: bubblewrap's, or why not) and loops run on Landlock alone.
/// Nothing when the user config turned the sandbox off everywhere: that was their choice.
pub fn startup_warning(
    config: &Config,
    status: &LandlockStatus,
    namespaces: &Result<PathBuf, String>,
) -> Option<String> {
    let chosen_off = config
        .sandbox
        .mode
        .as_ref()
        .is_some_and(|s| s.mode == SandboxMode::Off);
    let asked = config
        .sandbox
        .mode
        .iter()
        .chain(config.agents.values().filter_map(|a| a.sandbox.as_ref()))
        .find(|s| s.mode == SandboxMode::Landlock);
    if chosen_off && asked.is_none() {
        return None;
    }
    let by = asked.map_or("andon's default".to_string(), |s| s.place());
    match (status, namespaces) {
        (LandlockStatus::Unavailable { why }, _) => Some(match asked {
            Some(_) => format!(
                "sandbox = \"landlock\" ({by}) cannot be honoured: {why}; plans that need it \
                 will be refused"
            ),
            None => format!(
                "loops run unconfined: {why}, so andon cannot sandbox agents on this machine \
                 and approval is a guard, not a boundary"
            ),
        }),
        (_, Err(why)) => Some(format!(
            "sandbox ({by}): {why}, so sandboxed loops run on Landlock alone — they may write \
             only their places but can read your files, see andon's processes and reach its \
             control socket"
        )),
        _ => None,
    }
}
