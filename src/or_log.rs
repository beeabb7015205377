//! Errors andon drops on purpose, each logged with the reason it may be dropped: a channel
//! whose reader has gone, a cleanup of something already gone, a terminal that closed. One
//! call instead of `let _ =`, so the log says what happened and the code says why it is fine.

use std::fmt::Display;

pub trait OrLog<T> {
    /// The value, or `None` after logging the error with `why` it is dropped (debug level:
    /// these are expected and change nothing the human sees).
    fn or_log(self, why: &str) -> Option<T>;
}

impl<T, E: Display> OrLog<T> for Result<T, E> {
    fn or_log(self, why: &str) -> Option<T> {
        match self {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::debug!("{why}: {e}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_value_and_drops_the_error() {
        let ok: Result<u8, String> = Ok(3);
        let err: Result<u8, String> = Err("gone".into());
        assert_eq!(ok.or_log("never"), Some(3));
        assert_eq!(err.or_log("the reader left"), None);
    }
}
