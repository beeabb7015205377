//! The guards (DESIGN §2 step 3): which changed files lie outside the plan's scope, and which
//! protected files that existed in the base were changed or deleted (spec drift).

use crate::event::GuardReport;
use crate::failure::classify::Category;
use crate::scope::{GlobError, Protected, Scope};
use crate::state::Failure;

/// The keys under an incident's `restored` evidence: files restored because they lay outside
/// the plan's scope, and protected files restored after the agent changed them.
pub const OUT_OF_SCOPE: &str = "out_of_scope";
pub const SPEC_DRIFT: &str = "spec_drift";

/// The `restored` evidence of a guard incident: which files the guards put back, and why.
pub fn restored_evidence(out_of_scope: &[String], spec_drift: &[String]) -> serde_json::Value {
    serde_json::json!({ OUT_OF_SCOPE: out_of_scope, SPEC_DRIFT: spec_drift })
}

/// The files an incident's evidence says the guards restored for `kind` (`OUT_OF_SCOPE` or
/// `SPEC_DRIFT`); `None` when it says nothing of them.
pub fn restored_paths(evidence_json: &str, kind: &str) -> Option<Vec<String>> {
    let evidence: serde_json::Value = serde_json::from_str(evidence_json).ok()?;
    let paths = evidence.get("restored")?.get(kind)?.as_array()?;
    Some(
        paths
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect(),
    )
}

/// The incident for files restored from outside the plan's scope in an iteration that goes
/// on (too many stop the line instead): not a failure of the iteration, but an abnormality a
/// reviewer must see and Kaizen may count.
pub fn out_of_scope_restored(paths: &[String]) -> Failure {
    let files = if paths.len() == 1 {
        "1 file".to_string()
    } else {
        format!("{} files", paths.len())
    };
    Failure {
        category: Category::GuardViolation,
        confidence: 1.0,
        fingerprint: "guard:out_of_scope".into(),
        summary: format!(
            "restored {files} changed outside the plan's scope: {}",
            paths.join(", ")
        ),
        checks: Vec::new(),
        output_tail: String::new(),
        lines: Vec::new(),
    }
}

/// A file that differs between the worktree and the loop's base commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedPath {
    pub path: String,
    /// The path exists in the base commit (an existing file was changed or deleted).
    pub in_base: bool,
}

pub struct Guards {
    scope: Scope,
    protected: Protected,
}

impl Guards {
    pub fn new(scope: &[String], protected: &[String]) -> Result<Guards, GlobError> {
        Ok(Guards {
            scope: Scope::new(scope)?,
            protected: Protected::new(protected)?,
        })
    }

    pub fn evaluate(&self, changes: &[ChangedPath]) -> GuardReport {
        let mut report = GuardReport::default();
        for c in changes {
            if c.in_base && self.protected.contains(&c.path) {
                report.spec_drift.push(c.path.clone());
            } else if !self.scope.contains(&c.path) {
                report.out_of_scope.push(c.path.clone());
            }
        }
        report.spec_drift.sort();
        report.out_of_scope.sort();
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(path: &str, in_base: bool) -> ChangedPath {
        ChangedPath {
            path: path.into(),
            in_base,
        }
    }

    #[test]
    fn restored_files_round_trip_through_the_evidence() {
        let evidence = serde_json::json!({
            "summary": "x",
            "restored": restored_evidence(&["README.md".into()], &["tests/t.sh".into()]),
        })
        .to_string();
        assert_eq!(
            restored_paths(&evidence, OUT_OF_SCOPE),
            Some(vec!["README.md".to_string()])
        );
        assert_eq!(
            restored_paths(&evidence, SPEC_DRIFT),
            Some(vec!["tests/t.sh".to_string()])
        );
        assert_eq!(restored_paths("{}", OUT_OF_SCOPE), None);
        assert_eq!(restored_paths("not json", OUT_OF_SCOPE), None);
    }

    #[test]
    fn guard_table() {
        let scope = vec![
            "src/pricing/**".to_string(),
            "tests/pricing_new_*.rs".to_string(),
        ];
        let protected = vec!["tests/**".to_string()];
        let g = Guards::new(&scope, &protected).unwrap();
        let rows = [
            (changed("src/pricing/mod.rs", true), false, false),
            (changed("src/pricing/deep/x.rs", false), false, false),
            (changed("tests/pricing_new_neg.rs", false), false, false),
            (changed("tests/pricing.rs", true), true, false),
            (changed("tests/other_new.rs", false), false, true),
            (changed("README.md", true), false, true),
            (changed("src/main.rs", true), false, true),
        ];
        for (c, drift, oos) in rows {
            let r = g.evaluate(std::slice::from_ref(&c));
            assert_eq!(!r.spec_drift.is_empty(), drift, "{c:?}");
            assert_eq!(!r.out_of_scope.is_empty(), oos, "{c:?}");
        }
    }

    #[test]
    fn empty_scope_means_everything_in_scope() {
        let g = Guards::new(&[], &["tests/**".to_string()]).unwrap();
        let r = g.evaluate(&[
            changed("anything/at/all.txt", true),
            changed("tests/t.sh", true),
        ]);
        assert!(r.out_of_scope.is_empty());
        assert_eq!(r.spec_drift, vec!["tests/t.sh".to_string()]);
    }
}
