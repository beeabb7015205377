//! A check that failed for want of the network it runs without. Checks run offline in the
//! sandbox (a network namespace with loopback only) unless their `[[checks]]` table says
//! `network = true`; one that tried to reach out fails with the resolver's or the socket's
//! words, and that is the plan's setting to fix, not the agent's code. andon adds a line
//! saying so to the failure's output, which the human and the agent both read.

use lazy_regex::{lazy_regex, Lazy};
use regex::Regex;

/// What programs print when there is no network: resolvers, sockets, package managers.
/// (lazy-regex checks the pattern when andon is compiled.)
static OFFLINE: Lazy<Regex> = lazy_regex!(
    r"(?i)network is unreachable|temporary failure in name resolution|could not resolve host|name or service not known|nodename nor servname|failed to lookup address|getaddrinfo (?:enotfound|eai_again)|no address associated with hostname|dns error"
);

/// The note for a failed offline check whose output says the network was missing, naming
/// the check and the plan that can give it the network.
pub fn offline_note(output: &str, check: &str, plan: &str) -> Option<String> {
    OFFLINE.is_match(output).then(|| {
        format!(
            "andon: the check `{check}` ran without the network (checks are offline in the \
             sandbox); if it needs the network, add network = true to its [[checks]] table in \
             {plan}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_failures_get_a_note_naming_the_setting() {
        let rows = [
            ("curl: (6) Could not resolve host: pypi.org", true),
            (
                "socket.gaierror: [Errno -3] Temporary failure in name resolution",
                true,
            ),
            ("connect: Network is unreachable", true),
            ("npm ERR! getaddrinfo ENOTFOUND registry.npmjs.org", true),
            (
                "error: failed to lookup address information: Name or service not known",
                true,
            ),
            ("FAIL: price 5 10 = -5, expected 0", false),
            ("connection refused", false),
        ];
        for (output, noted) in rows {
            let note = offline_note(output, "tests", "plans/p.md");
            assert_eq!(note.is_some(), noted, "{output}");
        }
        let note = offline_note("Could not resolve host", "tests", "plans/p.md").unwrap();
        assert!(note.contains("add network = true to its [[checks]] table in plans/p.md"));
    }
}
