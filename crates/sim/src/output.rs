//! How the scripted `sim` agent looks in a pane: colored, paced, agent-like lines (header,
//! thinking, `Read`/`Edit` tool calls with a small diff, summary), a flood of log lines and a
//! crash trace. It only formats and writes; what to print is decided by `scenario`.

use std::io::{self, Write};
use std::time::Duration;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const DIM_ITALIC: &str = "\x1b[2;3m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const BOLD_MAGENTA: &str = "\x1b[1;35m";
const BOLD_RED: &str = "\x1b[1;31m";

/// Nominal pauses at speed 1.0, chosen so a normal iteration takes about 3 s: slow enough to
/// watch in a pane, fast enough that a demo shows every lamp within a minute.
const HEADER_PAUSE: Duration = Duration::from_millis(250);
const THINK_PAUSE: Duration = Duration::from_millis(550);
const READ_PAUSE: Duration = Duration::from_millis(300);
const EDIT_PAUSE: Duration = Duration::from_millis(600);
const SUMMARY_PAUSE: Duration = Duration::from_millis(200);

/// Diff lines shown per side of an edit; an agent pane shows a glimpse, not the whole file.
const DIFF_LINES_SHOWN: usize = 6;

/// Flood output is written in chunks of this size so a full PTY buffer, not our own
/// formatting, is what limits the rate.
const FLOOD_CHUNK: usize = 64 * 1024;

/// Sleeps scaled by the speed factor, and keeps the nominal total so tests can check the
/// length of a run at speed 1 without waiting for it.
#[derive(Debug, Clone)]
pub(crate) struct Pace {
    factor: f64,
    nominal: Duration,
}

impl Pace {
    /// `factor` multiplies every pause: 1.0 is normal, 0 means no pauses, 2.0 twice as slow.
    pub(crate) fn new(factor: f64) -> Self {
        Self {
            factor,
            nominal: Duration::ZERO,
        }
    }

    /// The sum of pauses this run would have taken at speed 1.0.
    #[cfg(test)]
    pub(crate) fn nominal(&self) -> Duration {
        self.nominal
    }

    fn pause(&mut self, base: Duration) {
        self.nominal += base;
        if !(self.factor.is_finite() && self.factor > 0.0) {
            return;
        }
        // An absurd factor would overflow Duration; skipping the pause beats panicking.
        if let Ok(scaled) = Duration::try_from_secs_f64(base.as_secs_f64() * self.factor) {
            std::thread::sleep(scaled);
        }
    }
}

/// One side of a small line diff: 1-based line number and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiffLine {
    pub(crate) number: usize,
    pub(crate) text: String,
}

/// The changed middle of two texts (common leading and trailing lines trimmed), capped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SmallDiff {
    pub(crate) removed: Vec<DiffLine>,
    pub(crate) added: Vec<DiffLine>,
    /// Changed lines left out to keep the diff small.
    pub(crate) hidden: usize,
}

impl SmallDiff {
    pub(crate) fn between(old: &str, new: &str) -> Self {
        let old: Vec<&str> = old.lines().collect();
        let new: Vec<&str> = new.lines().collect();
        let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
        let suffix = old[prefix..]
            .iter()
            .rev()
            .zip(new[prefix..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let pick = |lines: &[&str]| -> (Vec<DiffLine>, usize) {
            let changed = &lines[prefix..lines.len() - suffix];
            let shown = changed
                .iter()
                .take(DIFF_LINES_SHOWN)
                .enumerate()
                .map(|(i, text)| DiffLine {
                    number: prefix + i + 1,
                    text: (*text).to_string(),
                })
                .collect();
            (shown, changed.len().saturating_sub(DIFF_LINES_SHOWN))
        };
        let (removed, hidden_removed) = pick(&old);
        let (added, hidden_added) = pick(&new);
        Self {
            removed,
            added,
            hidden: hidden_removed + hidden_added,
        }
    }
}

/// Writes the agent's transcript: progress to `out`, the crash trace to `err`.
pub(crate) struct Printer<O: Write, E: Write> {
    out: O,
    err: E,
    pace: Pace,
}

impl<O: Write, E: Write> Printer<O, E> {
    pub(crate) fn new(out: O, err: E, pace: Pace) -> Self {
        Self { out, err, pace }
    }

    #[cfg(test)]
    pub(crate) fn pace(&self) -> &Pace {
        &self.pace
    }

    #[cfg(test)]
    pub(crate) fn into_parts(self) -> (O, E) {
        (self.out, self.err)
    }

    pub(crate) fn header(&mut self, scenario: &str, iteration: u32, mode: &str) -> io::Result<()> {
        self.line(format_args!(
            "{BOLD_MAGENTA}▌ sim-agent{RESET} {DIM}·{RESET} scenario {BOLD}{scenario}{RESET} \
             {DIM}·{RESET} iteration {BOLD}{iteration}{RESET} {DIM}({mode} mode){RESET}"
        ))?;
        self.pace.pause(HEADER_PAUSE);
        Ok(())
    }

    pub(crate) fn thinking(&mut self, thought: &str) -> io::Result<()> {
        self.line(format_args!("{DIM_ITALIC}✻ thinking… {thought}{RESET}"))?;
        self.pace.pause(THINK_PAUSE);
        Ok(())
    }

    pub(crate) fn read(&mut self, path: &str, lines: usize) -> io::Result<()> {
        self.line(format_args!(
            "{CYAN}● Read{RESET} {path} {DIM}({lines} lines){RESET}"
        ))?;
        self.pace.pause(READ_PAUSE);
        Ok(())
    }

    /// An `Edit` (or `Write` for a new file) tool call followed by its small colored diff.
    pub(crate) fn edit(&mut self, path: &str, old: Option<&str>, new: &str) -> io::Result<()> {
        let verb = if old.is_some() { "Edit" } else { "Write" };
        self.line(format_args!("{YELLOW}● {verb}{RESET} {path}"))?;
        let diff = SmallDiff::between(old.unwrap_or(""), new);
        let mut lead = format!("  {DIM}⎿{RESET} ");
        for line in &diff.removed {
            self.line(format_args!(
                "{lead}{DIM}{:>4}{RESET} {RED}- {}{RESET}",
                line.number, line.text
            ))?;
            lead = "    ".to_string();
        }
        for line in &diff.added {
            self.line(format_args!(
                "{lead}{DIM}{:>4}{RESET} {GREEN}+ {}{RESET}",
                line.number, line.text
            ))?;
            lead = "    ".to_string();
        }
        if diff.hidden > 0 {
            self.line(format_args!(
                "{lead}{DIM}… {} more changed lines{RESET}",
                diff.hidden
            ))?;
        }
        self.pace.pause(EDIT_PAUSE);
        Ok(())
    }

    /// A plain progress remark, such as a command the agent pretends to run.
    pub(crate) fn note(&mut self, text: &str) -> io::Result<()> {
        self.line(format_args!("{DIM}  {text}{RESET}"))
    }

    pub(crate) fn summary(&mut self, text: &str) -> io::Result<()> {
        self.pace.pause(SUMMARY_PAUSE);
        self.line(format_args!("{GREEN}✓{RESET} {BOLD}{text}{RESET}"))
    }

    /// Writes at least `bytes` bytes of colored log lines as fast as the writer accepts them.
    pub(crate) fn flood(&mut self, bytes: u64) -> io::Result<u64> {
        const STAGES: [(&str, &str); 4] = [
            (CYAN, "stream"),
            (YELLOW, "tool"),
            (GREEN, "test"),
            (DIM, "debug"),
        ];
        let mut written = 0u64;
        let mut line_no = 0u64;
        let mut chunk = Vec::with_capacity(FLOOD_CHUNK + 256);
        while written < bytes {
            chunk.clear();
            while chunk.len() < FLOOD_CHUNK && written + (chunk.len() as u64) < bytes {
                // The remainder is below 4, so the cast cannot truncate.
                let (color, stage) = STAGES[(line_no % 4) as usize];
                writeln!(
                    chunk,
                    "{DIM}[{line_no:08}]{RESET} {color}{stage:<6}{RESET} shard {}/16 \
                     replaying cached step {} … {GREEN}ok{RESET} {DIM}({} ms){RESET}",
                    line_no % 16 + 1,
                    line_no * 7 % 1000,
                    line_no % 97
                )?;
                line_no += 1;
            }
            self.out.write_all(&chunk)?;
            written += chunk.len() as u64;
        }
        self.out.flush()?;
        Ok(written)
    }

    /// What a crashing agent CLI leaves on stderr.
    pub(crate) fn crash_trace(&mut self) -> io::Result<()> {
        let trace = [
            format!("{BOLD_RED}Error: API request failed: 529 overloaded{RESET}"),
            format!(
                "{DIM}    at ApiClient.request (file:///opt/agent/dist/client.js:412:17){RESET}"
            ),
            format!(
                "{DIM}    at async Session.turn (file:///opt/agent/dist/session.js:188:22){RESET}"
            ),
            format!("{DIM}    at async Agent.loop (file:///opt/agent/dist/agent.js:97:9){RESET}"),
            format!("{DIM}    at async main (file:///opt/agent/dist/cli.js:31:3){RESET}"),
            format!(
                "{RED}  caused by: {{\"type\":\"error\",\"error\":{{\"type\":\"overloaded_error\",\
                 \"message\":\"Overloaded\"}}}}{RESET}"
            ),
        ];
        for line in trace {
            writeln!(self.err, "{line}")?;
        }
        self.err.flush()
    }

    fn line(&mut self, args: std::fmt::Arguments<'_>) -> io::Result<()> {
        self.out.write_fmt(args)?;
        self.out.write_all(b"\n")?;
        // Flushed per line so a pane shows progress as it happens, not in one burst at exit.
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printer() -> Printer<Vec<u8>, Vec<u8>> {
        Printer::new(Vec::new(), Vec::new(), Pace::new(0.0))
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("utf-8 output")
    }

    #[test]
    fn small_diff_keeps_only_the_changed_middle() {
        let cases = [
            ("a\nb\nc\n", "a\nB\nc\n", vec![(2, "b")], vec![(2, "B")], 0),
            ("a\n", "a\n# attempt\n", vec![], vec![(2, "# attempt")], 0),
            ("", "x\ny\n", vec![], vec![(1, "x"), (2, "y")], 0),
            ("a\nb\n", "a\nb\n", vec![], vec![], 0),
        ];
        for (old, new, removed, added, hidden) in cases {
            let diff = SmallDiff::between(old, new);
            let lines = |v: Vec<(usize, &str)>| {
                v.into_iter()
                    .map(|(number, text)| DiffLine {
                        number,
                        text: text.to_string(),
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(diff.removed, lines(removed), "{old:?} -> {new:?}");
            assert_eq!(diff.added, lines(added), "{old:?} -> {new:?}");
            assert_eq!(diff.hidden, hidden, "{old:?} -> {new:?}");
        }
    }

    #[test]
    fn small_diff_caps_long_changes() {
        let new: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let diff = SmallDiff::between("", &new);
        assert_eq!(diff.added.len(), DIFF_LINES_SHOWN);
        assert_eq!(diff.hidden, 20 - DIFF_LINES_SHOWN);
    }

    #[test]
    fn edit_prints_a_colored_diff() {
        let mut p = printer();
        p.edit("src/price.sh", Some("echo 1\n"), "echo 2\n")
            .expect("write");
        let out = text(p.into_parts().0);
        assert!(out.contains("● Edit\x1b[0m src/price.sh"), "{out}");
        assert!(out.contains(&format!("{RED}- echo 1")), "{out}");
        assert!(out.contains(&format!("{GREEN}+ echo 2")), "{out}");
    }

    #[test]
    fn new_file_is_a_write() {
        let mut p = printer();
        p.edit("NOTES.md", None, "# Notes\n").expect("write");
        assert!(text(p.into_parts().0).contains("● Write\x1b[0m NOTES.md"));
    }

    #[test]
    fn flood_writes_at_least_the_requested_bytes() {
        let mut p = printer();
        let written = p.flood(200_000).expect("write");
        let out = p.into_parts().0;
        assert_eq!(written, out.len() as u64);
        assert!(out.len() >= 200_000 && out.len() < 200_000 + FLOOD_CHUNK);
        assert!(text(out).lines().all(|l| l.starts_with(DIM)));
    }

    #[test]
    fn crash_trace_goes_to_stderr() {
        let mut p = printer();
        p.crash_trace().expect("write");
        let (out, err) = p.into_parts();
        assert!(out.is_empty());
        assert!(text(err).contains("Error: API request failed: 529 overloaded"));
    }

    #[test]
    fn pace_counts_nominal_time_even_without_sleeping() {
        let mut p = printer();
        p.thinking("x").expect("write");
        p.read("a", 1).expect("write");
        assert_eq!(p.pace().nominal(), THINK_PAUSE + READ_PAUSE);
    }
}
