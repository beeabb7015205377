//! Secrets kept out of what andon shows and stores. The values of the variables the deny list
//! keeps from agents, and the password of any `scheme://user:password@host` URL, are replaced
//! in text andon did not write itself — a human's note, an agent's or a check's output —
//! before it reaches the store, the board, a PR body or a wiki page.

use lazy_regex::{lazy_regex, Lazy};
use regex::Regex;
use std::borrow::Cow;

/// Values shorter than this are too common to be told from ordinary text (`1`, `true`).
const MIN_SECRET_LEN: usize = 6;

/// The password of a URL's user info: `https://ana:hunter2@host` → group 1 `https://ana:`.
/// (lazy-regex checks the pattern when andon is compiled.)
static URL_PASSWORD: Lazy<Regex> = lazy_regex!(r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)[^\s/@]+@");

/// The secrets of one environment, by the name of the variable that held each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// `(name, value)`, longest value first so a value inside another is not half-replaced.
    secrets: Vec<(String, String)>,
}

impl Redactor {
    /// A redactor for the values of `withheld`: the variables the deny list keeps back.
    pub fn new(withheld: impl IntoIterator<Item = (String, String)>) -> Redactor {
        let mut secrets: Vec<(String, String)> = withheld
            .into_iter()
            .filter(|(_, value)| value.trim().len() >= MIN_SECRET_LEN)
            .collect();
        secrets.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
        secrets.dedup_by(|a, b| a.1 == b.1);
        Redactor { secrets }
    }

    /// `text` with every secret value replaced by `[redacted $NAME]` and every URL password
    /// by `[redacted]`.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for (name, value) in &self.secrets {
            if out.contains(value.as_str()) {
                out = Cow::Owned(out.replace(value.as_str(), &format!("[redacted ${name}]")));
            }
        }
        if URL_PASSWORD.is_match(&out) {
            out = Cow::Owned(
                URL_PASSWORD
                    .replace_all(&out, "${1}[redacted]@")
                    .into_owned(),
            );
        }
        out
    }

    /// [`Redactor::redact`] into an owned string.
    pub fn clean(&self, text: &str) -> String {
        self.redact(text).into_owned()
    }
}

/// Words in a variable's name that say its value is a secret.
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "KEY",
    "CREDENTIAL",
    "DSN",
    "AUTH",
    "COOKIE",
    "SESSION",
];

/// Whether a withheld variable's value is worth redacting: its name says it is a secret, its
/// value carries a URL password, or the value looks random (long, one word, letters and
/// digits). `AWS_REGION=us-east-1` or `GITHUB_WORKSPACE=/home/runner/work/x` are withheld
/// from agents but are not secrets, and replacing them would garble the agent's feedback.
pub fn looks_secret(name: &str, value: &str) -> bool {
    let name = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| name.contains(w))
        || carries_url_password(value)
        || (value.len() >= 20
            && !value.contains(|c: char| c.is_whitespace() || c == '/')
            && value.chars().any(|c| c.is_ascii_digit())
            && value.chars().any(|c| c.is_ascii_alphabetic()))
}

/// Whether a variable's value carries a password in a URL (`postgres://app:pw@db/x`): such a
/// variable is kept from agents whatever its name.
pub fn carries_url_password(value: &str) -> bool {
    URL_PASSWORD.is_match(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure's stored normalized lines (which agents may query) are cleaned like its
    /// summary and output.
    #[test]
    fn a_failures_lines_are_redacted_too() {
        let r = Redactor::new([("API_TOKEN".to_string(), "tok_s3cr3tvalue".to_string())]);
        let f = crate::state::Failure {
            category: crate::failure::classify::Category::TestFailure,
            confidence: 1.0,
            fingerprint: "fp".into(),
            summary: "s".into(),
            checks: vec!["tests".into()],
            output_tail: String::new(),
            lines: vec![
                "E connect postgres://app:hunter2@db:N failed".into(),
                "E token tok_s3cr3tvalue refused".into(),
            ],
        }
        .redacted(&r);
        assert_eq!(
            f.lines,
            [
                "E connect postgres://app:[redacted]@db:N failed",
                "E token [redacted $API_TOKEN] refused"
            ]
        );
    }

    #[test]
    fn secret_values_and_url_passwords_are_replaced() {
        let r = Redactor::new([
            ("GITHUB_TOKEN".to_string(), "ghp_abcdef123456".to_string()),
            ("SHORT".into(), "1".into()),
            ("INNER".into(), "abcdef1234".into()),
        ]);
        let rows = [
            (
                "use ghp_abcdef123456 now",
                "use [redacted $GITHUB_TOKEN] now",
            ),
            ("abcdef1234!", "[redacted $INNER]!"),
            ("1 passed", "1 passed"),
            (
                "DATABASE_URL=postgres://app:s3cret@db:5432/x and https://h/a:b@c",
                "DATABASE_URL=postgres://app:[redacted]@db:5432/x and https://h/a:b@c",
            ),
            (
                "mailto a:b@c.d, ssh://git@host",
                "mailto a:b@c.d, ssh://git@host",
            ),
        ];
        for (text, want) in rows {
            assert_eq!(r.redact(text), want, "{text}");
        }
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
        assert!(carries_url_password("redis://:pw@localhost:6379"));
        for (name, value, secret) in [
            ("GITHUB_TOKEN", "abc", true),
            ("AWS_SECRET_ACCESS_KEY", "x/y+z", true),
            ("AWS_REGION", "us-east-1", false),
            ("AWS_PROFILE", "default", false),
            ("GITHUB_WORKSPACE", "/home/runner/work/x/x", false),
            ("GITHUB_SERVER_URL", "https://github.com", false),
            ("GITHUB_REPOSITORY", "octo-org/octo-repo", false),
            ("GH_HOST", "github.example.com", false),
            ("DATABASE_URL", "postgres://app:pw@db/x", true),
            ("GITHUB_RUN_NONCE", "a8f3k2m9q1z7x5c4v6b0", true),
        ] {
            assert_eq!(looks_secret(name, value), secret, "{name}");
        }
        assert!(!carries_url_password("https://example.com/a:b@c"));
    }
}
