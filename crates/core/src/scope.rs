//! Path matching for the guards: which repo-relative paths a plan may change (its scope)
//! and which it must not (protected files, where an edit is spec drift).

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// A glob that did not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid glob {pattern:?}: {message}")]
pub struct GlobError {
    pub pattern: String,
    pub message: String,
}

/// A set of globs over repo-relative `/`-separated paths.
///
/// `*` stays within one directory (`src/*` does not match `src/a/b.rs`) and `**` crosses
/// directories, as in `.gitignore`. A pattern ending in `/` means everything below it.
#[derive(Debug, Clone)]
pub struct PathMatcher {
    patterns: Vec<String>,
    set: GlobSet,
}

impl PathMatcher {
    pub fn new(patterns: &[String]) -> Result<Self, GlobError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            builder.add(compile(pattern)?);
        }
        let set = builder.build().map_err(|e| GlobError {
            pattern: patterns.join(", "),
            message: e.kind().to_string(),
        })?;
        Ok(Self {
            patterns: patterns.to_vec(),
            set,
        })
    }

    pub fn matches(&self, rel_path: &str) -> bool {
        self.set.is_match(normalize(rel_path))
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

fn compile(pattern: &str) -> Result<globset::Glob, GlobError> {
    let error = |message: String| GlobError {
        pattern: pattern.to_string(),
        message,
    };
    if pattern.trim().is_empty() {
        return Err(error("the pattern is empty".into()));
    }
    if pattern.starts_with('/') {
        return Err(error(
            "patterns are relative to the repository root and must not start with `/`".into(),
        ));
    }
    let expanded = match pattern.strip_suffix('/') {
        Some(dir) => format!("{dir}/**"),
        None => pattern.to_string(),
    };
    GlobBuilder::new(normalize(&expanded))
        .literal_separator(true)
        .build()
        .map_err(|e| error(e.kind().to_string()))
}

/// Git reports `a/b`, a user may write `./a/b`; both mean the same file.
fn normalize(path: &str) -> &str {
    path.strip_prefix("./").unwrap_or(path)
}

/// The files a plan may change. No patterns means the whole repo is in scope.
#[derive(Debug, Clone)]
pub struct Scope(PathMatcher);

impl Scope {
    pub fn new(patterns: &[String]) -> Result<Self, GlobError> {
        PathMatcher::new(patterns).map(Self)
    }

    pub fn contains(&self, rel_path: &str) -> bool {
        self.0.is_empty() || self.0.matches(rel_path)
    }

    pub fn matcher(&self) -> &PathMatcher {
        &self.0
    }
}

/// The files whose change is spec drift. No patterns means nothing is protected.
#[derive(Debug, Clone)]
pub struct Protected(PathMatcher);

impl Protected {
    pub fn new(patterns: &[String]) -> Result<Self, GlobError> {
        PathMatcher::new(patterns).map(Self)
    }

    pub fn contains(&self, rel_path: &str) -> bool {
        self.0.matches(rel_path)
    }

    pub fn matcher(&self) -> &PathMatcher {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(list: &[&str]) -> Vec<String> {
        list.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn matching_table() {
        // (patterns, path, matches)
        let cases: &[(&[&str], &str, bool)] = &[
            (&["src/pricing/**"], "src/pricing/discount.rs", true),
            (&["src/pricing/**"], "src/pricing/deep/nested/x.rs", true),
            (&["src/pricing/**"], "src/pricingx/a.rs", false),
            (&["src/pricing/**"], "src/billing/a.rs", false),
            (&["src/pricing/"], "src/pricing/deep/x.rs", true),
            (&["tests/**"], "tests/pricing.rs", true),
            (&["tests/**"], "tests/a/b/c.py", true),
            (&["tests/**"], "src/tests/a.rs", false),
            (&["**/*_test.*"], "pkg/price_test.go", true),
            (&["**/*_test.*"], "price_test.go", true),
            (&["**/*_test.*"], "pkg/price.go", false),
            (&["src/*"], "src/lib.rs", true),
            (&["src/*"], "src/a/b.rs", false),
            (&["src/*.rs"], "src/a/b.rs", false),
            (
                &["tests/pricing_new_*.rs"],
                "tests/pricing_new_zero.rs",
                true,
            ),
            (&["tests/pricing_new_*.rs"], "tests/pricing_old.rs", false),
            (&["README.md", "docs/**"], "docs/x/y.md", true),
            (&["README.md", "docs/**"], "./README.md", true),
            (&["README.md"], "readme.md", false),
        ];
        for (list, path, expected) in cases {
            let matcher = PathMatcher::new(&patterns(list)).expect("valid globs");
            assert_eq!(matcher.matches(path), *expected, "{list:?} vs {path}");
        }
    }

    #[test]
    fn empty_scope_is_everything_and_empty_protected_is_nothing() {
        let scope = Scope::new(&[]).expect("empty");
        let protected = Protected::new(&[]).expect("empty");
        assert!(scope.contains("any/file.rs"));
        assert!(!protected.contains("tests/a.rs"));
        let scope = Scope::new(&patterns(&["src/**"])).expect("valid");
        assert!(scope.contains("src/a.rs"));
        assert!(!scope.contains("tests/a.rs"));
        assert!(!scope.matcher().is_empty());
    }

    #[test]
    fn invalid_globs_name_the_pattern() {
        let cases: &[(&str, &str)] = &[
            ("src/[a", "unclosed character class"),
            ("", "empty"),
            ("/etc/**", "must not start with `/`"),
            ("src/{a,b", "unclosed alternate group"),
        ];
        for (pattern, needle) in cases {
            let err = PathMatcher::new(&patterns(&["ok/**", pattern])).expect_err(pattern);
            assert_eq!(err.pattern, *pattern);
            assert!(err.message.contains(needle), "{pattern}: {}", err.message);
        }
    }
}
