//! Small formatting helpers shared by the subcommands' human-readable output.

use andon_core::state::Lamp;

/// `HH:MM:SS` (UTC) of a unix-millisecond timestamp.
pub fn clock(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The lamp as a colored dot when stdout is a terminal (and NO_COLOR is unset), else its name.
pub fn lamp(l: Lamp, color: bool) -> String {
    if !color {
        // As wide as the colored "● green": the columns after it line up either way.
        return format!("{:<9}", l.as_str());
    }
    let code = match l {
        Lamp::Green => "32",
        Lamp::Yellow => "33",
        Lamp::Red => "31",
        Lamp::Magenta => "35",
        Lamp::Blue => "34",
        Lamp::Gray => "90",
    };
    format!("\x1b[{code}m●\x1b[0m {:<7}", l.as_str())
}

pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// A duration in ms as "1m05s" / "12s" / "850ms".
pub fn elapsed(ms: i64) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, s / 60 % 60)
    }
}

/// For commands that only print (status, log): end quietly when the reader goes away
/// (`andon status | head`) instead of panicking on a broken pipe. Not for the supervisor,
/// which must survive a client that hangs up on its control socket.
pub fn quiet_on_broken_pipe() {
    andon::sys::default_sigpipe();
}

/// Prints `andon: <message>` on stderr. Messages quote names as the user (or an agent) wrote
/// them — file names, branch names, titles — so control characters are written out visibly
/// rather than sent to the terminal.
pub fn error(message: impl std::fmt::Display) {
    eprintln!(
        "andon: {}",
        andon_core::sanitize::visible(&message.to_string())
    );
}
