//! Which environment variables of andon's own environment pass to agents and checks:
//! credentials of other tools stay behind unless a profile or the config allows them.

/// Name patterns where `*` matches any run of characters (`AWS_*`, `*TOKEN*`).
///
/// Matching ignores ASCII case: a secret in `github_token` is as secret as in
/// `GITHUB_TOKEN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvPolicy {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
}

impl Default for EnvPolicy {
    fn default() -> Self {
        let deny = [
            "*TOKEN*",
            "*SECRET*",
            "*PASSWORD*",
            "*_KEY",
            "*APIKEY*",
            "*API_KEY*",
            "*_DSN",
            "*CREDENTIAL*",
            "*PASSWD*",
            "AWS_*",
            "GH_*",
            "GITHUB_*",
            "GITLAB_*",
            "NPM_TOKEN",
            "SSH_AUTH_SOCK",
        ];
        Self {
            allow: Vec::new(),
            deny: deny.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl EnvPolicy {
    /// Whether `name` may be passed on. An allow pattern (the policy's or the profile's)
    /// wins over a deny pattern, so a profile can receive its own API key.
    pub fn passes(&self, name: &str, profile_allow: &[String]) -> bool {
        let allowed = self
            .allow
            .iter()
            .chain(profile_allow)
            .any(|p| name_matches(p, name));
        allowed || !self.deny.iter().any(|p| name_matches(p, name))
    }

    /// Whether the variable `name=value` may be passed on: [`EnvPolicy::passes`], and a value
    /// carrying a URL password (`DATABASE_URL=postgres://app:pw@db/x`) is kept back whatever
    /// the name, unless an allow pattern names it.
    pub fn passes_var(&self, name: &str, value: &str, profile_allow: &[String]) -> bool {
        let allowed = self
            .allow
            .iter()
            .chain(profile_allow)
            .any(|p| name_matches(p, name));
        allowed
            || (self.passes(name, profile_allow)
                && !andon_core::redact::carries_url_password(value))
    }
}

/// Whether a pattern is made only of characters that can appear in a variable name, plus `*`.
pub fn valid_env_pattern(pattern: &str) -> bool {
    !pattern.is_empty()
        && pattern
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*')
}

/// Whether a variable name is one a POSIX shell accepts.
pub fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `*`-wildcard match, ASCII case-insensitive.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_uppercase();
    let name = name.to_ascii_uppercase();
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let mut pieces: Vec<&str> = parts.collect();
    let Some(last) = pieces.pop() else {
        // No `*`: the pattern is a plain name.
        return rest.is_empty();
    };
    for piece in pieces {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matching_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("AWS_*", "AWS_SECRET_ACCESS_KEY", true),
            ("AWS_*", "MY_AWS_X", false),
            ("*TOKEN*", "GITHUB_TOKEN", true),
            ("*TOKEN*", "TOKEN", true),
            ("*TOKEN*", "npm_token_x", true),
            ("*_KEY", "ANTHROPIC_API_KEY", true),
            ("*_KEY", "KEYBOARD", false),
            ("*_KEY", "_KEY", true),
            ("NPM_TOKEN", "NPM_TOKEN", true),
            ("NPM_TOKEN", "NPM_TOKENS", false),
            ("A*B*C", "AxxBxxC", true),
            ("A*B*C", "AxxC", false),
            ("A*A", "A", false),
            ("*", "ANYTHING", true),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(
                name_matches(pattern, name),
                *expected,
                "{pattern} vs {name}"
            );
        }
    }

    #[test]
    fn default_policy_keeps_credentials_unless_allowed() {
        let policy = EnvPolicy::default();
        let claude = vec!["ANTHROPIC_*".to_string()];
        let cases: &[(&str, &[String], bool)] = &[
            ("PATH", &[], true),
            ("HOME", &[], true),
            ("GITHUB_TOKEN", &[], false),
            ("AWS_REGION", &[], false),
            ("SSH_AUTH_SOCK", &[], false),
            ("DB_PASSWORD", &[], false),
            ("ANTHROPIC_API_KEY", &[], false),
            ("ANTHROPIC_API_KEY", &claude, true),
            ("OPENAI_API_KEY", &claude, false),
        ];
        for (name, allow, expected) in cases {
            assert_eq!(policy.passes(name, allow), *expected, "{name}");
        }
        let mut open = EnvPolicy::default();
        for (name, value, expected) in [
            ("MY_APIKEY", "k", false),
            ("SENTRY_DSN", "https://k@sentry.io/1", false),
            ("DATABASE_URL", "postgres://app:pw@db/x", false),
            ("DATABASE_URL", "postgres://db/x", true),
            ("HOMEPAGE_URL", "https://example.com", true),
        ] {
            assert_eq!(policy.passes_var(name, value, &[]), expected, "{name}");
        }
        let mut url = EnvPolicy::default();
        url.allow.push("DATABASE_URL".into());
        assert!(url.passes_var("DATABASE_URL", "postgres://app:pw@db/x", &[]));
        open.allow.push("AWS_REGION".into());
        assert!(open.passes("AWS_REGION", &[]));
        assert!(!open.passes("AWS_SECRET_ACCESS_KEY", &[]));
    }

    #[test]
    fn names_and_patterns_are_validated() {
        assert!(valid_env_pattern("AWS_*") && valid_env_pattern("*"));
        assert!(!valid_env_pattern("") && !valid_env_pattern("A-B") && !valid_env_pattern("A?"));
        assert!(valid_env_name("IS_SANDBOX") && valid_env_name("_x1"));
        assert!(!valid_env_name("1X") && !valid_env_name("A=B") && !valid_env_name(""));
    }
}
