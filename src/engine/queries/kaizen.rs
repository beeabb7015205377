//! The Kaizen board's data from the store (incidents, decisions, metrics), and a human's
//! decision about one group — audited like every human action.

use serde::Serialize;

use crate::clock::Clock;
use crate::error_chain::chain;
use crate::store::{AuditRow, KaizenRow, Step, Store};
use andon_core::failure::seen_before;
use andon_core::kaizen::{
    by_category, items, metrics, ActionFact, Decision, IncidentFact, IterationFact, KaizenItem,
    KaizenStatus, Level, LoopFact, Metrics,
};

/// The audit action of an adopted prevention.
pub const ADOPT_ACTION: &str = "kaizen_adopt";

/// Everything the Kaizen board and `andon kaizen` show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KaizenReport {
    pub items: Vec<KaizenItem>,
    /// Incidents per category, most first.
    pub by_category: Vec<(String, usize)>,
    pub metrics: Metrics,
}

pub fn report(store: &Store) -> Result<KaizenReport, String> {
    let err = |e: crate::store::StoreError| chain(&e);
    let incidents: Vec<IncidentFact> = store
        .incidents(None)
        .map_err(err)?
        .into_iter()
        .map(|i| IncidentFact {
            seen_before: !seen_before::from_evidence(&i.evidence_json).is_empty(),
            loop_name: i.loop_name,
            iteration: i.iteration,
            at: i.at,
            category: i.category,
            fingerprint: i.fingerprint,
            summary: i.summary,
        })
        .collect();
    let decisions: Vec<Decision> = store
        .kaizen()
        .map_err(err)?
        .into_iter()
        .map(|k| Decision {
            category: k.category,
            fingerprint: k.fingerprint,
            level: k.level.as_deref().and_then(Level::parse),
            status: KaizenStatus::parse(&k.status).unwrap_or_default(),
        })
        .collect();
    let loops = store.loops().map_err(err)?;
    let mut iterations = Vec::new();
    for l in &loops {
        iterations.extend(
            store
                .iterations(&l.name)
                .map_err(err)?
                .into_iter()
                .map(|i| IterationFact {
                    loop_name: i.loop_name,
                    n: i.n,
                    status: i.status,
                    ended_at: i.ended_at,
                }),
        );
    }
    let audit = store.audit().map_err(err)?;
    let actions: Vec<ActionFact> = audit
        .iter()
        .cloned()
        .filter_map(|a| {
            Some(ActionFact {
                loop_name: a.loop_name?,
                action: a.action,
            })
        })
        .collect();
    let loops: Vec<LoopFact> = loops
        .into_iter()
        .map(|l| LoopFact {
            name: l.name,
            state: l.state,
            created_at: l.created_at,
        })
        .collect();
    let mut items = items(&incidents, &decisions);
    // The preventions adopted for each group, as their audit rows say them.
    for item in &mut items {
        let prefix = item.adoption_prefix();
        item.adopted = audit
            .iter()
            .filter(|a| a.action == ADOPT_ACTION)
            .filter_map(|a| a.reason.as_deref()?.strip_prefix(&prefix))
            .map(str::to_string)
            .collect();
    }
    Ok(KaizenReport {
        by_category: by_category(&items),
        metrics: metrics(&loops, &iterations, &actions, &incidents),
        items,
    })
}

/// What a human changes about one group: `level` `Some(None)` clears it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Change {
    pub level: Option<Option<Level>>,
    pub status: Option<KaizenStatus>,
}

/// The group whose fingerprint starts with `id` (and whose category is `category`, when
/// given): exactly one, or why not.
pub fn find_item<'r>(
    report: &'r KaizenReport,
    id: &str,
    category: Option<&str>,
) -> Result<&'r KaizenItem, String> {
    let id = id.trim();
    if id.is_empty() {
        return Err("name a Kaizen item by its id (the first characters of its fingerprint)\n  fix: `andon kaizen` lists them".into());
    }
    let matches: Vec<&KaizenItem> = report
        .items
        .iter()
        .filter(|i| i.fingerprint.starts_with(id))
        .filter(|i| category.is_none_or(|c| i.category == c))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "no Kaizen item with id `{id}`\n  fix: `andon kaizen` lists the ids"
        )),
        many => Err(format!(
            "`{id}` names {} items ({})\n  fix: give more characters of the fingerprint, or --category",
            many.len(),
            many.iter()
                .map(|i| format!("{} {}", i.id(), i.category))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Applies a change to the group whose fingerprint starts with `id` (and whose category is
/// `category`, when given), with its audit row, in one transaction.
pub fn decide(
    store: &Store,
    actor: &str,
    id: &str,
    category: Option<&str>,
    change: Change,
    clock: &Clock,
) -> Result<String, String> {
    let report = report(store)?;
    let item = find_item(&report, id, category)?;
    let level = change.level.unwrap_or(item.level);
    let status = change.status.unwrap_or(item.status);
    let describe = format!(
        "{} {}: level {}, status {}",
        item.id(),
        item.category,
        level.map_or("none", Level::as_str),
        status.as_str()
    );
    let at = clock.now_ms();
    store
        .commit(&Step {
            kaizen: vec![KaizenRow {
                category: item.category.clone(),
                fingerprint: item.fingerprint.clone(),
                level: level.map(|l| l.as_str().to_string()),
                status: status.as_str().to_string(),
                updated_at: at,
            }],
            audit: vec![AuditRow {
                id: None,
                at,
                actor: actor.to_string(),
                loop_name: None,
                iteration: None,
                commit_id: None,
                action: "kaizen".into(),
                reason: Some(describe.clone()),
            }],
            ..Step::default()
        })
        .map_err(|e| chain(&e))?;
    Ok(describe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::IncidentRow;

    fn incident(loop_name: &str, category: &str, fp: &str) -> IncidentRow {
        IncidentRow {
            id: None,
            loop_name: loop_name.into(),
            iteration: 1,
            at: 1,
            category: category.into(),
            confidence: 0.9,
            fingerprint: fp.into(),
            summary: "s".into(),
            evidence_json: "{}".into(),
            level: None,
            status: "open".into(),
        }
    }

    #[test]
    fn a_decision_is_stored_audited_and_shown() {
        let (_dir, _path, store) = crate::store::fixtures::temp_store();
        let clock = Clock::fixed(5_000);
        store
            .commit(&Step {
                upsert_loop: Some(crate::store::fixtures::loop_row("a", 1)),
                incidents: vec![
                    incident("a", "test_failure", "abcd1111"),
                    incident("a", "test_failure", "abcd1111"),
                    incident("a", "build_error", "abce2222"),
                ],
                ..Step::default()
            })
            .unwrap();
        let err = decide(&store, "alice", "abc", None, Change::default(), &clock).unwrap_err();
        assert!(err.contains("names 2 items"), "{err}");
        let said = decide(
            &store,
            "alice",
            "abcd",
            None,
            Change {
                level: Some(Some(Level::L2)),
                status: Some(KaizenStatus::Doing),
            },
            &clock,
        )
        .unwrap();
        assert_eq!(said, "abcd1111 test_failure: level L2, status doing");
        let r = report(&store).unwrap();
        assert_eq!(r.items[0].count, 2);
        assert_eq!(
            (r.items[0].level, r.items[0].status),
            (Some(Level::L2), KaizenStatus::Doing)
        );
        // A status-only change keeps the level.
        decide(
            &store,
            "alice",
            "abcd1",
            Some("test_failure"),
            Change {
                status: Some(KaizenStatus::Done),
                ..Change::default()
            },
            &clock,
        )
        .unwrap();
        let r = report(&store).unwrap();
        assert_eq!(
            (r.items[0].level, r.items[0].status),
            (Some(Level::L2), KaizenStatus::Done)
        );
        let audit = store.audit().unwrap();
        assert_eq!(audit.len(), 2);
        assert_eq!(audit[1].action, "kaizen");
        // Stamped by the clock it was given.
        assert_eq!(audit[1].at, 5_000);
        assert_eq!(
            audit[1].reason.as_deref(),
            Some("abcd1111 test_failure: level L2, status done")
        );
    }

    #[test]
    fn metrics_from_a_store_with_a_known_history() {
        use crate::store::fixtures::{audit_row, iteration_row, loop_row};
        let (_dir, _path, store) = crate::store::fixtures::temp_store();
        // a: merged, green at iteration 2 (ends at 2 900 ms, started at 0), no intervention.
        // b: aborted after a stop, never green.
        let mut a = loop_row("a", 0);
        a.state = "merged".into();
        let mut b = loop_row("b", 100);
        b.state = "aborted".into();
        let mut a2 = iteration_row("a", 2);
        a2.status = "passed".into();
        store
            .commit(&Step {
                upsert_loop: Some(a),
                upsert_iterations: vec![iteration_row("a", 1), a2],
                audit: vec![audit_row(Some("a"), 10, "approve_merge")],
                ..Step::default()
            })
            .unwrap();
        store
            .commit(&Step {
                upsert_loop: Some(b),
                upsert_iterations: vec![iteration_row("b", 1)],
                audit: vec![
                    audit_row(Some("b"), 20, "stop"),
                    audit_row(Some("b"), 30, "abort"),
                ],
                ..Step::default()
            })
            .unwrap();
        let m = report(&store).unwrap().metrics;
        assert_eq!((m.loops, m.loops_ended), (2, 2));
        assert_eq!(m.mean_iterations_to_green, Some(2.0));
        assert_eq!(m.mean_time_to_green_ms, Some(2_900.0));
        assert_eq!(m.autonomous_completion_rate, Some(0.5));
        assert_eq!(m.interventions_per_loop, Some(1.0));
    }
}
