//! The guards (DESIGN §2 step 3): which changed files lie outside the plan's scope, and which
//! protected files that existed in the base were changed or deleted (spec drift).

use crate::core::event::GuardReport;
use crate::core::scope::{GlobError, Protected, Scope};

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
