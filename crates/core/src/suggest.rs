//! "Did you mean ...?": the nearest known name to a mistyped one, by edit distance (strsim's
//! Levenshtein).

/// "did you mean `x`? Allowed keys: a, b, c".
pub fn suggestion(word: &str, allowed: &[String], kind: &str) -> String {
    if allowed.is_empty() {
        return format!("remove `{word}`: nothing is allowed here");
    }
    let list = allowed.join(", ");
    match nearest(word, allowed.iter().map(String::as_str)) {
        Some(best) => format!("did you mean `{best}`? Allowed {kind}: {list}"),
        None => format!("remove `{word}` or use one of the allowed {kind}: {list}"),
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
pub fn nearest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&lower, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_suggests_only_likely_typos() {
        let keys = ["goal", "scope", "max_iterations", "protected"];
        let cases: &[(&str, Option<&str>)] = &[
            ("max_iteration", Some("max_iterations")),
            ("scopes", Some("scope")),
            ("Goal", Some("goal")),
            ("protect", Some("protected")),
            ("banana", None),
        ];
        for (word, best) in cases {
            assert_eq!(nearest(word, keys), *best, "{word}");
        }
    }

    #[test]
    fn suggestion_lists_the_allowed_names() {
        let allowed: Vec<String> = ["file", "arg", "stdin"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            suggestion("stdn", &allowed, "values"),
            "did you mean `stdin`? Allowed values: file, arg, stdin"
        );
        assert_eq!(
            suggestion("zzz", &allowed, "values"),
            "remove `zzz` or use one of the allowed values: file, arg, stdin"
        );
        assert_eq!(
            suggestion("x", &[], "keys"),
            "remove `x`: nothing is allowed here"
        );
    }
}
