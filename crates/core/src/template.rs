//! Argv templates: `{placeholder}` substitution in an agent's command (and other argv-like
//! settings), one argument at a time. No shell is involved, so a value with spaces or
//! quotes stays inside the single argument it was placed in.

/// The placeholders a template may use, in the order they are documented.
pub const PLACEHOLDERS: &[&str] = &[
    "prompt_file",
    "prompt",
    "worktree",
    "repo",
    "loop",
    "iteration",
    "andon",
];

/// The values substituted into a template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateVars {
    /// `{prompt_file}`: path of this iteration's `prompt.md`.
    pub prompt_file: String,
    /// `{prompt}`: the prompt text itself.
    pub prompt: String,
    /// `{worktree}`: the loop's worktree directory.
    pub worktree: String,
    /// `{repo}`: the repository root.
    pub repo: String,
    /// `{loop}`: the loop's name.
    pub loop_name: String,
    /// `{iteration}`: the 1-based iteration number.
    pub iteration: u32,
    /// `{andon}`: path of the running andon executable.
    pub andon: String,
}

impl TemplateVars {
    fn value(&self, name: &str) -> Option<String> {
        Some(match name {
            "prompt_file" => self.prompt_file.clone(),
            "prompt" => self.prompt.clone(),
            "worktree" => self.worktree.clone(),
            "repo" => self.repo.clone(),
            "loop" => self.loop_name.clone(),
            "iteration" => self.iteration.to_string(),
            "andon" => self.andon.clone(),
            _ => return None,
        })
    }
}

/// Why a template could not be expanded. `argument` is the 0-based index in the argv.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "unknown placeholder `{{{name}}}` in argument {argument} ({text:?}); known: {known}",
        known = known_list()
    )]
    Unknown {
        argument: usize,
        text: String,
        name: String,
    },
    #[error("unclosed `{{` in argument {argument} ({text:?}); write `{{{{` for a literal brace")]
    Unclosed { argument: usize, text: String },
    #[error("unmatched `}}` in argument {argument} ({text:?}); write `}}}}` for a literal brace")]
    Unmatched { argument: usize, text: String },
}

fn known_list() -> String {
    PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{p}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Expands every placeholder in every argument; `{{` and `}}` stand for literal braces.
pub fn expand(argv: &[String], vars: &TemplateVars) -> Result<Vec<String>, TemplateError> {
    argv.iter()
        .enumerate()
        .map(|(argument, text)| render(argument, text, |name| vars.value(name)))
        .collect()
}

/// Expands `argv` with `values` by name: a template of another kind than an agent's (a notify
/// command). An unknown placeholder is an error (its `known` list names the agent's; the
/// caller says its own).
pub fn expand_with(argv: &[String], values: &[(&str, &str)]) -> Result<Vec<String>, TemplateError> {
    argv.iter()
        .enumerate()
        .map(|(argument, text)| {
            render(argument, text, |name| {
                values
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_string())
            })
        })
        .collect()
}

/// Checks a template without values: every placeholder known, every brace matched.
/// Used when a configuration is loaded, so a typo fails before any loop starts.
pub fn validate(argv: &[String]) -> Result<(), TemplateError> {
    placeholders(argv).map(|_| ())
}

/// The placeholders an argv uses, in order of appearance (with repeats).
pub fn placeholders(argv: &[String]) -> Result<Vec<String>, TemplateError> {
    let mut used = Vec::new();
    for (argument, text) in argv.iter().enumerate() {
        render(argument, text, |name| {
            let known = PLACEHOLDERS.contains(&name);
            if known {
                used.push(name.to_string());
            }
            known.then(String::new)
        })?;
    }
    Ok(used)
}

fn render(
    argument: usize,
    text: &str,
    mut lookup: impl FnMut(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if tail.starts_with('}') {
            return Err(TemplateError::Unmatched {
                argument,
                text: text.to_string(),
            });
        } else {
            let Some(close) = tail.find('}') else {
                return Err(TemplateError::Unclosed {
                    argument,
                    text: text.to_string(),
                });
            };
            let name = &tail[1..close];
            let value = lookup(name).ok_or_else(|| TemplateError::Unknown {
                argument,
                text: text.to_string(),
                name: name.to_string(),
            })?;
            out.push_str(&value);
            rest = &tail[close + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> TemplateVars {
        TemplateVars {
            prompt_file: "/w/.andon/loops/l/iter-2/prompt.md".into(),
            prompt: "fix it; rm -rf / \"quoted\" {not a placeholder}".into(),
            worktree: "/w/wt dir".into(),
            repo: "/w/repo".into(),
            loop_name: "pricing".into(),
            iteration: 2,
            andon: "/usr/bin/andon".into(),
        }
    }

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn expands_every_placeholder_inside_arguments() {
        let cases: &[(&[&str], &[&str])] = &[
            (
                &["agent", "--file", "{prompt_file}"],
                &["agent", "--file", "/w/.andon/loops/l/iter-2/prompt.md"],
            ),
            (
                &["{andon}", "sim-agent", "--loop={loop}", "#{iteration}"],
                &["/usr/bin/andon", "sim-agent", "--loop=pricing", "#2"],
            ),
            (
                &["cd {worktree} && ls {repo}"],
                &["cd /w/wt dir && ls /w/repo"],
            ),
            (
                &["-p", "{prompt}"],
                &["-p", "fix it; rm -rf / \"quoted\" {not a placeholder}"],
            ),
            (&["{{literal}}", "a}}b{{c"], &["{literal}", "a}b{c"]),
            (&["{{{loop}}}"], &["{pricing}"]),
            (&[], &[]),
        ];
        for (template, expected) in cases {
            let out = expand(&argv(template), &vars()).expect("valid template");
            assert_eq!(out, argv(expected), "{template:?}");
        }
    }

    #[test]
    fn rejects_bad_templates_naming_the_problem() {
        let cases: &[(&[&str], TemplateError, &str)] = &[
            (
                &["ok", "--x={promt}"],
                TemplateError::Unknown {
                    argument: 1,
                    text: "--x={promt}".into(),
                    name: "promt".into(),
                },
                "known: {prompt_file}, {prompt}, {worktree}, {repo}, {loop}, {iteration}, {andon}",
            ),
            (
                &["sh", "-c", "echo ${HOME}"],
                TemplateError::Unknown {
                    argument: 2,
                    text: "echo ${HOME}".into(),
                    name: "HOME".into(),
                },
                "unknown placeholder `{HOME}`",
            ),
            (
                &["f() { x; }"],
                TemplateError::Unknown {
                    argument: 0,
                    text: "f() { x; }".into(),
                    name: " x; ".into(),
                },
                "`{ x; }`",
            ),
            (
                &["{loop"],
                TemplateError::Unclosed {
                    argument: 0,
                    text: "{loop".into(),
                },
                "write `{{`",
            ),
            (
                &["a}b"],
                TemplateError::Unmatched {
                    argument: 0,
                    text: "a}b".into(),
                },
                "write `}}`",
            ),
        ];
        for (template, expected, needle) in cases {
            let err = expand(&argv(template), &vars()).expect_err("invalid");
            assert_eq!(&err, expected);
            assert!(err.to_string().contains(needle), "{err}");
            assert_eq!(validate(&argv(template)), Err(err));
        }
    }

    #[test]
    fn placeholders_lists_what_is_used() {
        let used = placeholders(&argv(&["{andon}", "{{x}}", "{loop}-{iteration}"])).expect("ok");
        assert_eq!(used, ["andon", "loop", "iteration"]);
    }
}
