//! Durations as people write them in plans and `andon.toml`: `"500ms"`, `"30s"`, `"5m"`,
//! `"1h30m"`, or a bare number of seconds.
//!
//! Every duration andon reads is a timeout or a wait, so zero is rejected here once rather
//! than by every caller: a zero timeout would fire before the agent even starts.

use std::time::Duration;

/// The units accepted after a number, longest first so `ms` wins over `m`.
const UNITS: &[(&str, u64)] = &[("ms", 1), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)];

/// Parses `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"1h30m"` (components may be separated by
/// spaces) or `"90"` (seconds). The error is a sentence fit to show a user.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let text = s.trim();
    if text.is_empty() {
        return Err("a duration cannot be empty; write e.g. \"30s\", \"5m\" or \"1h30m\"".into());
    }
    let millis = if text.bytes().all(|b| b.is_ascii_digit()) {
        number(text, s)?
            .checked_mul(1_000)
            .ok_or_else(|| too_long(s))?
    } else {
        parse_components(text, s)?
    };
    if millis == 0 {
        return Err(format!(
            "duration {s:?} is zero; it must be longer than zero"
        ));
    }
    Ok(Duration::from_millis(millis))
}

fn parse_components(text: &str, original: &str) -> Result<u64, String> {
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!(
                "invalid duration {original:?}: expected a number at {rest:?}; \
                 write e.g. \"30s\", \"5m\" or \"1h30m\""
            ));
        }
        let value = number(&rest[..digits], original)?;
        rest = &rest[digits..];
        let Some(&(unit, scale)) = UNITS.iter().find(|(unit, _)| rest.starts_with(unit)) else {
            let found: String = rest.chars().take_while(|c| !c.is_ascii_digit()).collect();
            let hint = if found.starts_with('.') {
                "use whole numbers, e.g. \"1h30m\" instead of \"1.5h\""
            } else {
                "the units are ms, s, m and h"
            };
            return Err(format!(
                "invalid duration {original:?}: unknown unit {:?}; {hint}",
                found.trim()
            ));
        };
        rest = rest[unit.len()..].trim_start();
        total = value
            .checked_mul(scale)
            .and_then(|ms| total.checked_add(ms))
            .ok_or_else(|| too_long(original))?;
    }
    Ok(total)
}

fn number(digits: &str, original: &str) -> Result<u64, String> {
    digits.parse().map_err(|_| too_long(original))
}

fn too_long(original: &str) -> String {
    format!("duration {original:?} is too long")
}

/// Formats a duration the way [`parse_duration`] reads it: `"45s"`, `"5m"`, `"1h30m"`,
/// `"500ms"`. Sub-millisecond precision is dropped.
pub fn humanize(d: Duration) -> String {
    let mut millis = d.as_millis();
    if millis == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, scale) in [("h", 3_600_000u128), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        let count = millis / scale;
        if count > 0 {
            out.push_str(&format!("{count}{unit}"));
            millis %= scale;
        }
    }
    out
}

/// A duration deserialized from a string (`"5m"`) or an integer number of seconds.
fn deserialize_duration<'de, D>(deserializer: D) -> Result<Duration, D::Error>
where
    D: serde::Deserializer<'de>,
{
    deserializer.deserialize_any(DurationVisitor)
}

struct DurationVisitor;

impl serde::de::Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a duration such as \"30s\", \"5m\" or \"1h30m\"")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
        parse_duration(v).map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
        self.visit_str(&v.to_string())
    }
}

/// `#[serde(with = "crate::duration::serde_req")]` for a `Duration` field.
pub mod serde_req {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::humanize(*d))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        super::deserialize_duration(d)
    }
}

/// `#[serde(default, with = "crate::duration::serde_opt")]` for an
/// `Option<Duration>` field; a missing key is `None`.
pub mod serde_opt {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&super::humanize(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        super::deserialize_duration(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[test]
    fn parses_every_documented_form() {
        let cases: &[(&str, u64)] = &[
            ("500ms", 500),
            ("30s", 30_000),
            ("5m", 300_000),
            ("1h", 3_600_000),
            ("1h30m", 5_400_000),
            ("1h 30m", 5_400_000),
            ("90", 90_000),
            (" 2m ", 120_000),
            ("1m500ms", 60_500),
        ];
        for (text, millis) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(*millis)),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_bad_durations_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            ("", "cannot be empty"),
            ("5x", "unknown unit \"x\""),
            ("1.5h", "whole numbers"),
            ("m", "expected a number"),
            ("0", "zero"),
            ("0s", "zero"),
            ("99999999999999999999", "too long"),
            ("9999999999999999h", "too long"),
            ("-5m", "expected a number"),
        ];
        for (text, reason) in cases {
            let err = parse_duration(text).expect_err(text);
            assert!(err.contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn humanize_round_trips() {
        let cases: &[(u64, &str)] = &[
            (45_000, "45s"),
            (300_000, "5m"),
            (5_400_000, "1h30m"),
            (500, "500ms"),
            (3_661_001, "1h1m1s1ms"),
            (0, "0s"),
        ];
        for (millis, text) in cases {
            let d = Duration::from_millis(*millis);
            assert_eq!(humanize(d), *text);
            if *millis > 0 {
                assert_eq!(parse_duration(text), Ok(d));
            }
        }
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Holder {
        #[serde(default, with = "serde_opt")]
        timeout: Option<Duration>,
        #[serde(with = "serde_req")]
        wait: Duration,
    }

    #[test]
    fn serde_helpers_read_strings_and_integers() {
        let h: Holder = toml::from_str("timeout = \"5m\"\nwait = 90\n").expect("valid");
        assert_eq!(h.timeout, Some(Duration::from_secs(300)));
        assert_eq!(h.wait, Duration::from_secs(90));
        let h: Holder = toml::from_str("wait = \"1s\"\n").expect("valid");
        assert_eq!(h.timeout, None);
        let back: Holder = toml::from_str(&toml::to_string(&h).expect("serialize")).expect("re");
        assert_eq!(back, h);
        let err = toml::from_str::<Holder>("wait = \"5x\"\n").expect_err("bad unit");
        assert!(err.message().contains("unknown unit"), "{}", err.message());
        assert_eq!(err.span(), Some(7..11));
    }
}
