//! A partial `[breakers]` table: the thresholds one plan or one config layer sets, each
//! falling back to the layer below when absent.

use std::num::NonZeroU32;
use std::time::Duration;

use serde::Deserialize;

/// The `[breakers]` keys, in a plan or in `andon.toml`. `None` means "not set here".
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "RawBreakerOverrides")]
pub struct BreakerOverrides {
    pub consecutive_failures: Option<u32>,
    pub repeat_fingerprint: Option<u32>,
    pub no_progress: Option<Duration>,
    pub max_iterations: Option<u32>,
    pub out_of_scope_stop: Option<u32>,
    pub iteration_timeout: Option<Duration>,
    /// The first wait after an agent hits a rate limit (each further one doubles).
    pub rate_limit_wait: Option<Duration>,
}

/// Zero thresholds are refused while deserializing, so the error carries the value's line:
/// a breaker that fires on zero failures would stop every loop before it starts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [breakers] table")]
struct RawBreakerOverrides {
    consecutive_failures: Option<NonZeroU32>,
    repeat_fingerprint: Option<NonZeroU32>,
    #[serde(default, with = "crate::duration::serde_opt")]
    no_progress: Option<Duration>,
    max_iterations: Option<NonZeroU32>,
    out_of_scope_stop: Option<NonZeroU32>,
    #[serde(default, with = "crate::duration::serde_opt")]
    iteration_timeout: Option<Duration>,
    #[serde(default, with = "crate::duration::serde_opt")]
    rate_limit_wait: Option<Duration>,
}

impl From<RawBreakerOverrides> for BreakerOverrides {
    fn from(raw: RawBreakerOverrides) -> Self {
        Self {
            consecutive_failures: raw.consecutive_failures.map(NonZeroU32::get),
            repeat_fingerprint: raw.repeat_fingerprint.map(NonZeroU32::get),
            no_progress: raw.no_progress,
            max_iterations: raw.max_iterations.map(NonZeroU32::get),
            out_of_scope_stop: raw.out_of_scope_stop.map(NonZeroU32::get),
            iteration_timeout: raw.iteration_timeout,
            rate_limit_wait: raw.rate_limit_wait,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        breakers: BreakerOverrides,
    }

    #[test]
    fn reads_every_key_and_leaves_the_rest_unset() {
        let doc: Doc = toml::from_str(
            "[breakers]\nconsecutive_failures = 4\nno_progress = \"2m\"\nmax_iterations = 6\n",
        )
        .expect("valid");
        assert_eq!(
            doc.breakers,
            BreakerOverrides {
                consecutive_failures: Some(4),
                no_progress: Some(Duration::from_secs(120)),
                max_iterations: Some(6),
                ..BreakerOverrides::default()
            }
        );
    }

    #[test]
    fn rejects_zero_and_unknown_keys_at_their_span() {
        let cases: &[(&str, &str, &str)] = &[
            ("[breakers]\nrepeat_fingerprint = 0\n", "nonzero", "0"),
            (
                "[breakers]\nno_progres = \"1m\"\n",
                "unknown field `no_progres`",
                "no_progres",
            ),
            ("[breakers]\nno_progress = \"0s\"\n", "zero", "\"0s\""),
        ];
        for (text, needle, spanned) in cases {
            let err = toml::from_str::<Doc>(text).err().expect(text);
            assert!(err.message().contains(needle), "{}", err.message());
            assert_eq!(err.span().map(|s| &text[s]), Some(*spanned));
        }
    }
}
