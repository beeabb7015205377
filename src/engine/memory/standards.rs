//! Adopting a Kaizen prevention: written where every later loop picks it up — `andon.toml`
//! `[standards]` (an L2 check, an L1 protected path) or `skills/NAME.md` (an L3 note; a
//! built-in skill is copied first so nothing of it is lost) — committed by andon like its
//! other memory, then audited with the group's Kaizen decision (the prevention's level, done)
//! in one transaction. Running loops keep the standards they started with.

use std::path::{Path, PathBuf};

use andon_core::kaizen::{KaizenItem, KaizenStatus};
use andon_core::standards::{skill_with_note, Prevention};

use crate::clock::Clock;
use crate::engine::queries::kaizen::{find_item, report, ADOPT_ACTION};
use crate::error_chain::chain;
use crate::git::GitOwner;
use crate::store::{AuditRow, KaizenRow, Step, Store};
use crate::wiki::date::local_ymd;

/// Who adopts, where, and when.
pub struct Adoption<'a> {
    pub git: &'a GitOwner,
    pub store: &'a Store,
    pub actor: &'a str,
    pub clock: &'a Clock,
}

/// Adopts `prevention` for the incident group `id` (its Kaizen id, or a unique prefix of its
/// fingerprint). Bad input changes nothing; the answer says what was written and committed.
pub fn adopt(a: &Adoption<'_>, id: &str, prevention: &Prevention) -> Result<String, String> {
    prevention.validate()?;
    let report = report(a.store)?;
    let item = find_item(&report, id, None)?;
    let root = a.git.repo_root();
    let (path, text) = written(root, item, prevention, a.clock)?;
    let rel = path
        .strip_prefix(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string_lossy().into_owned());
    let dirty = a.git.dirty_tracked_paths().map_err(|e| chain(&e))?;
    if dirty.contains(&rel) {
        return Err(format!(
            "{rel} has changes you have not committed, and adopting commits it\n  fix: commit \
             or stash them, then adopt again"
        ));
    }
    crate::atomic::write(&path, &text).map_err(|e| format!("cannot write {rel}: {e}"))?;
    let described = prevention.describe();
    let message = format!(
        "andon: adopt a Kaizen prevention for {}\n\n{}{described} (from {} incident(s) in {}).\n",
        item.id,
        item.adoption_prefix(),
        item.count,
        item.loops.join(", ")
    );
    let committed = a.git.commit_memory(std::slice::from_ref(&rel), &message);
    let commit = committed.as_ref().ok().cloned().flatten();
    record(a, item, prevention, commit.clone())?;
    let tail = match (&committed, &commit) {
        (Ok(_), Some(c)) => format!("committed {}", c.get(..7).unwrap_or(c)),
        (Ok(_), None) => "nothing to commit (ignored by git)".to_string(),
        (Err(e), _) => format!("not committed ({}): commit it yourself", chain(e)),
    };
    Ok(format!(
        "adopted for {} {}: {described} — in {rel}, {tail}; new loops get it",
        item.id, item.category
    ))
}

/// The standards a loop started now gets: those the supervisor started with, and what was
/// adopted in `andon.toml` since (an adoption made while it runs reaches the next loop). An
/// unreadable `andon.toml` keeps what was loaded, and says why in the log.
pub fn current(
    repo_root: &Path,
    config: &crate::config::Config,
) -> andon_core::standards::Standards {
    let path = repo_root.join("andon.toml");
    let now = match std::fs::read_to_string(&path) {
        Ok(text) => match crate::config::parse_layer(&path, &text) {
            Ok(layer) => layer.standards,
            Err(e) => {
                tracing::warn!("andon.toml's standards unreadable, the loaded ones apply: {e}");
                return config.standards.clone();
            }
        },
        Err(_) => return config.standards.clone(),
    };
    config.standards.clone().merged(now)
}

/// The file a prevention goes into and its new text, checked before anything is written.
fn written(
    root: &Path,
    item: &KaizenItem,
    prevention: &Prevention,
    clock: &Clock,
) -> Result<(PathBuf, String), String> {
    match prevention {
        Prevention::Skill { name, note } => {
            let path = root.join("skills").join(format!("{name}.md"));
            // A repo without the file starts from the built-in skill of that name, if any.
            let skill = super::skills::find(root, name).unwrap_or_else(|| format!("# {name}\n"));
            let date = local_ymd(clock.now_ms());
            Ok((path, skill_with_note(&skill, note, &item.id, &date)))
        }
        Prevention::Check { run } => {
            let path = root.join("andon.toml");
            let text = with_standard(&path, |table, taken| {
                let mut entry = toml_edit::Table::new();
                entry["name"] = toml_edit::value(check_name(&item.id, taken));
                entry["run"] = toml_edit::value(run.trim());
                entry["from"] = toml_edit::value(item.id.as_str());
                array(table, "checks")?.push(entry);
                Ok(())
            })?;
            Ok((path, text))
        }
        Prevention::Protect { glob } => {
            let path = root.join("andon.toml");
            let text = with_standard(&path, |table, _| {
                let mut entry = toml_edit::Table::new();
                entry["glob"] = toml_edit::value(glob.as_str());
                entry["from"] = toml_edit::value(item.id.as_str());
                array(table, "protected")?.push(entry);
                Ok(())
            })?;
            Ok((path, text))
        }
    }
}

/// `andon.toml` with `add` applied to its `[standards]` table (comments and layout kept),
/// refused unless the result is still a valid configuration.
fn with_standard(
    path: &Path,
    add: impl FnOnce(&mut toml_edit::Table, &[String]) -> Result<(), String>,
) -> Result<String, String> {
    let shown = "andon.toml";
    let before = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {shown}: {e}")),
    };
    let mut doc: toml_edit::DocumentMut = before
        .parse()
        .map_err(|e| format!("{shown} is not valid TOML, so nothing was added: {e}"))?;
    let first = doc.get("standards").is_none();
    let standards = doc
        .entry("standards")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| {
            format!("`standards` in {shown} is not a table\n  fix: make it [standards]")
        })?;
    let taken: Vec<String> = standards
        .get("checks")
        .and_then(toml_edit::Item::as_array_of_tables)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.get("name")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    add(standards, &taken)?;
    let mut after = doc.to_string();
    if first {
        // The first standard says what the section is (the table itself is implicit).
        // The table's own line, not one in a comment (`andon init`'s template has one).
        let at = after
            .match_indices("[[standards.")
            .map(|(i, _)| i)
            .find(|&i| i == 0 || after[..i].ends_with('\n'));
        if let Some(at) = at {
            after.insert_str(
                at,
                "# Preventions adopted from the Kaizen board (`andon kaizen adopt`), committed by\n\
                 # andon: every new loop gets them; running loops keep theirs.\n",
            );
        }
    }
    // What is written must load: a broken andon.toml would stop every later run.
    crate::config::parse_layer(Path::new(shown), &after)
        .map_err(|e| format!("the standard would not load, so nothing was written: {e}"))?;
    Ok(after)
}

/// The `[[standards.NAME]]` array of tables, made when missing.
fn array<'t>(
    table: &'t mut toml_edit::Table,
    name: &str,
) -> Result<&'t mut toml_edit::ArrayOfTables, String> {
    table
        .entry(name)
        .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| format!("`standards.{name}` in andon.toml is not a list of tables"))
}

/// `kaizen-<id>`, or the next free `kaizen-<id>-2`, … among the names `taken`.
fn check_name(id: &str, taken: &[String]) -> String {
    let base = format!("kaizen-{id}");
    (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|name| !taken.contains(name))
        .unwrap_or(base)
}

/// The audit row and the group's Kaizen decision (the prevention's level, done), together.
fn record(
    a: &Adoption<'_>,
    item: &KaizenItem,
    prevention: &Prevention,
    commit: Option<String>,
) -> Result<(), String> {
    let described = prevention.describe();
    let level = prevention.level().as_str().to_string();
    let at = a.clock.now_ms();
    a.store
        .commit(&Step {
            audit: vec![AuditRow {
                id: None,
                at,
                actor: a.actor.to_string(),
                loop_name: None,
                iteration: None,
                commit_id: commit,
                action: ADOPT_ACTION.into(),
                reason: Some(format!("{}{described}", item.adoption_prefix())),
            }],
            kaizen: vec![KaizenRow {
                category: item.category.clone(),
                fingerprint: item.fingerprint.clone(),
                level: Some(level),
                status: KaizenStatus::Done.as_str().into(),
                updated_at: at,
            }],
            ..Step::default()
        })
        .map_err(|e| format!("written, but not audited: {}", chain(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_do_not_repeat() {
        assert_eq!(check_name("ab", &[]), "kaizen-ab");
        assert_eq!(
            check_name("ab", &["kaizen-ab".into(), "kaizen-ab-2".into()]),
            "kaizen-ab-3"
        );
    }
}
