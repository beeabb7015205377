//! Diffs (written the way `git diff` prints them) and a review for the diff view's and the
//! review screen's tests.

use crate::ui::review::{CheckSummary, Gate, IterationSummary, ReviewModel};
use andon_core::diff::{Diff, DiffFile, DiffLine, FileBody, FileStatus, Hunk, LineKind};

/// A hunk from `git diff`-style lines (` ` context, `-` removed, `+` added), the old and new
/// sides both starting at line `start`.
pub fn hunk(start: u32, text: &str) -> Hunk {
    let (mut old, mut new) = (start, start);
    let mut lines = Vec::new();
    for raw in text.lines() {
        let (sign, rest) = raw.split_at(raw.len().min(1));
        let (kind, old_no, new_no) = match sign {
            "-" => (LineKind::Removed, Some(old), None),
            "+" => (LineKind::Added, None, Some(new)),
            _ => (LineKind::Context, Some(old), Some(new)),
        };
        old += u32::from(old_no.is_some());
        new += u32::from(new_no.is_some());
        lines.push(DiffLine {
            kind,
            old_no,
            new_no,
            text: rest.to_string(),
        });
    }
    let old_lines = old - start;
    let new_lines = new - start;
    Hunk {
        header: format!("@@ -{start},{old_lines} +{start},{new_lines} @@"),
        old_start: start,
        old_lines,
        new_start: start,
        new_lines,
        lines,
        lead_in: Default::default(),
    }
}

/// A modified text file with hunks at the given start lines.
pub fn text_file(path: &str, hunks: &[(u32, &str)]) -> DiffFile {
    let hunks: Vec<Hunk> = hunks
        .iter()
        .map(|(start, text)| hunk(*start, text))
        .collect();
    let count = |kind| {
        let n = hunks
            .iter()
            .flat_map(|h| &h.lines)
            .filter(|l| l.kind == kind)
            .count();
        u32::try_from(n).unwrap_or(0)
    };
    DiffFile {
        path: path.into(),
        old_path: None,
        status: FileStatus::Modified,
        added: count(LineKind::Added),
        removed: count(LineKind::Removed),
        body: FileBody::Text { hunks },
    }
}

/// A new text file.
pub fn added_file(path: &str, text: &str) -> DiffFile {
    let body: String = text.lines().map(|l| format!("+{l}\n")).collect();
    let mut file = text_file(path, &[(1, &body)]);
    file.status = FileStatus::Added;
    if let FileBody::Text { hunks } = &mut file.body {
        for h in hunks.iter_mut() {
            h.old_start = 0;
            h.header = format!("@@ -0,0 +1,{} @@", h.new_lines);
        }
    }
    file
}

pub fn binary(path: &str) -> DiffFile {
    DiffFile {
        path: path.into(),
        old_path: None,
        status: FileStatus::Modified,
        added: 0,
        removed: 0,
        body: FileBody::Binary {
            old_size: 12_288,
            new_size: 14_540,
        },
    }
}

pub fn too_large(path: &str) -> DiffFile {
    DiffFile {
        path: path.into(),
        old_path: None,
        status: FileStatus::Modified,
        // Over the size limit the engine neither expands nor counts a file.
        added: 0,
        removed: 0,
        body: FileBody::TooLarge {
            old_size: 3_355_443,
            new_size: 3_401_120,
        },
    }
}

const TOKEN_RS: &str = r#" use std::time::{Duration, Instant};
 
 /// A bearer token and when it stops being valid.
 pub struct Token {
     value: String,
-    expires: Instant,
+    expires_at: Instant,
+    refresh: Option<String>,
 }
 
 impl Token {
-    pub fn is_valid(&self) -> bool {
-        Instant::now() < self.expires
+    /// Valid for at least `margin` more.
+    pub fn is_fresh(&self, margin: Duration) -> bool {
+        Instant::now() + margin < self.expires_at
     }
"#;

const TOKEN_RS_2: &str = r#"     pub fn refresh(&mut self, client: &Client) -> Result<(), AuthError> {
-        let body = client.post("/token", &self.value)?;
+        let Some(refresh) = &self.refresh else {
+            return Err(AuthError::NoRefreshToken);
+        };
+        let body = client.post("/token/refresh", refresh)?; // retries twice
         self.value = body.access_token;
-        Ok(())
+        todo!("store the new expiry")
     }
"#;

const CLIENT_PY: &str = r#"import time


class Client:
    """Talks to the auth server; retries on 503."""

    def post(self, path, body, retries=2):
        for attempt in range(retries + 1):
            reply = self._send(path, body)
            if reply.status != 503:
                return reply
            time.sleep(0.5 * attempt)
        raise NotImplementedError("give up politely")
"#;

/// A loop's realistic cumulative diff: a Rust change, a new Python file, a rename, a binary
/// and a generated file too large to show.
pub fn sample_diff() -> Diff {
    let mut renamed = text_file(
        "docs/auth.md",
        &[(
            3,
            " ## Tokens\n-Tokens expire.\n+Tokens expire; the client refreshes them.",
        )],
    );
    renamed.status = FileStatus::Renamed;
    renamed.old_path = Some("docs/tokens.md".into());
    let mut deleted = text_file(
        "src/auth/legacy.rs",
        &[(1, "-pub fn old() {}\n-\n-pub fn older() {}")],
    );
    deleted.status = FileStatus::Deleted;
    Diff {
        files: vec![
            binary("assets/logo.png"),
            added_file("clients/python/client.py", CLIENT_PY),
            renamed,
            too_large("fixtures/big.json"),
            deleted,
            text_file("src/auth/token.rs", &[(1, TOKEN_RS), (40, TOKEN_RS_2)]),
        ],
    }
}

/// A loop ready for review: two checks, two iterations, the sample diff.
pub fn review_model(gate: Option<Gate>) -> ReviewModel {
    let mut model = ReviewModel {
        loop_name: "api-auth".into(),
        branch: "loop/api-auth".into(),
        base: "main".into(),
        goal: "Refresh expired bearer tokens in the auth client instead of failing the \
               request; cover it with tests."
            .into(),
        // A gated review is of a loop still at work; a clean one waits for approval.
        state: if gate.is_some() {
            andon_core::state::State::Running
        } else {
            andon_core::state::State::AwaitingApproval
        },
        gate,
        last_checks: vec![
            CheckSummary {
                name: "cargo test".into(),
                passed: true,
                exit_code: Some(0),
                duration_ms: 41_200,
            },
            CheckSummary {
                name: "cargo clippy".into(),
                passed: true,
                exit_code: Some(0),
                duration_ms: 9_800,
            },
        ],
        timeline: vec![
            IterationSummary {
                n: 1,
                mode: "code".into(),
                status: "failed".into(),
                checks: Some((1, 2)),
                category: Some("test_failure".into()),
                fingerprint: Some("3fa9c2e1".into()),
            },
            IterationSummary {
                n: 2,
                mode: "code".into(),
                status: "passed".into(),
                checks: Some((2, 2)),
                category: None,
                fingerprint: None,
            },
        ],
        incidents: Vec::new(),
        notes: Vec::new(),
        gh_available: true,
        ..ReviewModel::default()
    };
    model.set_diff(&sample_diff());
    model
}
