//! The audit trail as a chain no agent can forge: each row carries an HMAC-SHA256 of the
//! previous row's MAC and its own fields, keyed with `.andon/audit.key` (random, 0600, out of
//! a sandboxed agent's view). The newest row's id and MAC are also kept, signed with the same
//! key, in `.andon/audit.head` (written with the key, before any row), so rows cut off the
//! end — or the whole trail — are missed as well. `andon audit --verify` walks the chain and
//! names the first row that does not hold.

use std::io::Read;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::AuditRow;

/// An audit row with the MAC stored beside it (none for rows older than the chain).
pub type ChainedRow = (AuditRow, Option<String>);
/// The newest row's id and MAC.
pub type Head = (i64, String);

/// Bytes of a fresh key.
const KEY_LEN: usize = 32;

/// The key's file beside the database.
pub fn key_path(db: &Path) -> PathBuf {
    db.with_file_name("audit.key")
}

/// The chain head's file beside the database.
pub fn head_path(db: &Path) -> PathBuf {
    db.with_file_name("audit.head")
}

/// The key of the store at `db`, made on first use (random bytes, a private file).
pub fn load_or_make_key(db: &Path) -> std::io::Result<Vec<u8>> {
    let path = key_path(db);
    match crate::own_file::read(&path) {
        Ok(key) if !key.is_empty() => return Ok(key),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut key = vec![0u8; KEY_LEN];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
    crate::own_file::write(&path, &key)?;
    // The genesis head: from now on a trail without a valid head has been tampered with.
    write_head(db, &key, 0, "")?;
    Ok(key)
}

/// The key of the store at `db`, when it has one.
pub fn read_key(db: &Path) -> std::io::Result<Vec<u8>> {
    crate::own_file::read(&key_path(db))
}

/// The MAC of `row` following `prev` (the previous row's MAC, empty for the first row).
pub fn mac(key: &[u8], prev: &str, row: &AuditRow) -> String {
    let fields = serde_json::json!([
        prev,
        row.at,
        row.actor,
        row.loop_name,
        row.iteration,
        row.commit_id,
        row.action,
        row.reason,
    ]);
    // HMAC takes a key of any length: this cannot fail.
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    m.update(fields.to_string().as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The signature of a head: the key's HMAC of the id and MAC it names.
fn head_signature(key: &[u8], id: i64, mac_of_row: &str) -> String {
    let row = AuditRow {
        id: None,
        at: id,
        actor: "head".into(),
        loop_name: None,
        iteration: None,
        commit_id: None,
        action: "head".into(),
        reason: None,
    };
    mac(key, mac_of_row, &row)
}

/// The newest row as the head file remembers it (its id and MAC, 0 and "" before any row),
/// or why the file cannot be trusted.
pub fn read_head(db: &Path, key: &[u8]) -> Result<Head, String> {
    let path = head_path(db);
    let text = crate::own_file::read_to_string(&path)
        .map_err(|e| format!("its head {} cannot be read ({e})", path.display()))?;
    let mut words = text.split_whitespace();
    let (Some(id), mac_of_row, Some(signature)) = (
        words.next().and_then(|w| w.parse::<i64>().ok()),
        words.next().filter(|w| *w != "-").unwrap_or(""),
        words.next(),
    ) else {
        return Err(format!("its head {} is not andon's", path.display()));
    };
    if signature != head_signature(key, id, mac_of_row) {
        return Err(format!(
            "its head {} was not written with the key",
            path.display()
        ));
    }
    Ok((id, mac_of_row.to_string()))
}

/// Records `id` and its `mac` as the newest row, signed with `key`.
pub fn write_head(db: &Path, key: &[u8], id: i64, mac_of_row: &str) -> std::io::Result<()> {
    let shown = if mac_of_row.is_empty() {
        "-"
    } else {
        mac_of_row
    };
    let signature = head_signature(key, id, mac_of_row);
    crate::own_file::write_atomic(
        &head_path(db),
        format!("{id} {shown} {signature}\n").as_bytes(),
    )
}

/// What a walk of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every row holds: `chained` rows, after `before` rows written before the chain began.
    Intact { chained: usize, before: usize },
    /// The first row that does not hold (or the place of missing ones), and why.
    Broken { id: i64, why: String },
}

/// Walks `rows` (with their stored MACs, in id order) against `key` and the `head` (which
/// may lag the last row by the rows of one interrupted write, never lead it).
pub fn verify(key: &[u8], rows: &[ChainedRow], head: Result<Head, String>) -> Verdict {
    let head = match head {
        Ok(head) => head,
        Err(why) => return Verdict::Broken { id: 0, why },
    };
    let before = rows.iter().take_while(|(_, mac)| mac.is_none()).count();
    let mut prev = String::new();
    let mut last: Option<i64> = None;
    let mut seen_head = head.0 == 0;
    for (row, stored) in &rows[before..] {
        let id = row.id.unwrap_or_default();
        let Some(stored) = stored else {
            return Verdict::Broken {
                id,
                why: "it has no MAC, though rows before it do: it was written without andon".into(),
            };
        };
        if let Some(last_id) = last {
            if id != last_id + 1 {
                return Verdict::Broken {
                    id,
                    why: format!("rows {} to {} are missing", last_id + 1, id - 1),
                };
            }
        }
        if *stored != mac(key, &prev, row) {
            return Verdict::Broken {
                id,
                why: "its MAC does not match: it was forged or edited, or a row before it was \
                      removed"
                    .into(),
            };
        }
        if id == head.0 {
            if *stored != head.1 {
                return Verdict::Broken {
                    id,
                    why: "it is not the row the trail's head recorded".into(),
                };
            }
            seen_head = true;
        }
        prev = stored.clone();
        last = Some(id);
    }
    if !seen_head {
        let why = match last {
            Some(id) => format!(
                "rows after {id} up to {} are missing: the trail was cut",
                head.0
            ),
            None => format!("every chained row up to {} is missing", head.0),
        };
        return Verdict::Broken { id: head.0, why };
    }
    Verdict::Intact {
        chained: rows.len() - before,
        before,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, actor: &str, action: &str) -> AuditRow {
        AuditRow {
            id: Some(id),
            at: 1_000 + id,
            actor: actor.into(),
            loop_name: Some("fix".into()),
            iteration: Some(2),
            commit_id: None,
            action: action.into(),
            reason: None,
        }
    }

    /// Three chained rows as andon writes them, and the head.
    fn chain(key: &[u8]) -> (Vec<ChainedRow>, Result<Head, String>) {
        let mut rows = Vec::new();
        let mut prev = String::new();
        for (id, action) in [(1, "stop"), (2, "resume"), (3, "approve_branch")] {
            let r = row(id, "ana", action);
            let m = mac(key, &prev, &r);
            prev = m.clone();
            rows.push((r, Some(m)));
        }
        (rows, Ok((3, prev)))
    }

    #[test]
    fn a_forged_edited_missing_or_cut_row_is_named() {
        let key = b"k".repeat(32);
        let (rows, head) = chain(&key);
        assert_eq!(
            verify(&key, &rows, head.clone()),
            Verdict::Intact {
                chained: 3,
                before: 0
            }
        );
        let broken =
            |rows: &[ChainedRow], head: Result<Head, String>| match verify(&key, rows, head) {
                Verdict::Broken { id, why } => (id, why),
                v => panic!("{v:?}"),
            };
        // A row inserted by someone without the key.
        let mut forged = rows.clone();
        forged.push((row(4, "alice", "approve_merge"), Some("00".repeat(32))));
        assert_eq!(broken(&forged, head.clone()).0, 4);
        // An edited actor.
        let mut edited = rows.clone();
        edited[1].0.actor = "alice".into();
        assert_eq!(broken(&edited, head.clone()).0, 2);
        // A row removed from the middle, and rows cut off the end.
        let mut gap = rows.clone();
        gap.remove(1);
        assert!(broken(&gap, head.clone())
            .1
            .contains("rows 2 to 2 are missing"));
        assert!(broken(&rows[..2], head.clone())
            .1
            .contains("the trail was cut"));
        assert!(broken(&[], head.clone()).1.contains("missing"));
        // Rows from before the chain began are told apart, not failed.
        let mut older = vec![(row(0, "ana", "stop"), None)];
        older.extend(rows);
        assert!(matches!(
            verify(&key, &older, head),
            Verdict::Intact { before: 1, .. }
        ));
        // A head the key did not sign, or none at all, is tampering too.
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("andon.db");
        let made = load_or_make_key(&db).unwrap();
        assert_eq!(read_head(&db, &made), Ok((0, String::new())));
        write_head(&db, &key, 7, "ab").unwrap();
        assert!(read_head(&db, &made)
            .unwrap_err()
            .contains("not written with the key"));
        std::fs::remove_file(head_path(&db)).unwrap();
        assert!(read_head(&db, &made)
            .unwrap_err()
            .contains("cannot be read"));
    }
}
