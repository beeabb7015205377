//! Cache directories are data only. A sandboxed loop may write its `[sandbox] cache_dirs`, and
//! whatever it writes there outlives the loop: a program or a tool's config planted in one
//! (`~/.cargo/bin/cargo`, `~/.cargo/config.toml`, `node_modules/.bin`) would later run
//! unconfined — in the user's shell, in andon's checks. So a cache dir that holds programs, or
//! sits on or above `PATH`, is refused, with the data folders to list instead.

use std::path::{Component, Path, PathBuf};

use crate::lexical_path::normalize;

/// Why a cache dir is refused, and the data folders to list in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub why: String,
    /// `~/…` folders that hold only data for the same tool; may be empty.
    pub instead: Vec<String>,
}

/// Tool homes under `~` that hold programs or their config, with the folders of theirs that
/// hold only downloaded data.
const TOOL_HOMES: &[(&str, &[&str])] = &[
    (".cargo", &[".cargo/registry", ".cargo/git"]),
    (".rustup", &[]),
    (".local", &[".local/share", ".local/state"]),
    ("go", &["go/pkg/mod"]),
    (".gradle", &[".gradle/caches"]),
    (".npm-global", &[]),
    (".nvm", &[]),
    (".pyenv", &[]),
    (".volta", &[]),
    (".bun", &[".bun/install/cache"]),
    (".deno", &[]),
    (".config", &[]),
];

/// Names of folders that hold programs.
const PROGRAM_FOLDERS: &[&str] = &["bin", ".bin", "node_modules"];

/// Why `dir` (with `~/` expanded against `home`) must not be a cache dir, if it must not.
/// `path` is the `PATH` list; `children` the names directly inside `dir` (empty when it does
/// not exist yet).
pub fn refusal(
    dir: &Path,
    home: Option<&Path>,
    path: &[PathBuf],
    children: &[String],
) -> Option<Refusal> {
    let dir = normalize(dir);
    let shown = |p: &Path| tilde(p, home);
    if let Some(home) = home {
        if home.starts_with(&dir) {
            return Some(Refusal {
                why: "it holds your home directory, with your shell's startup files".into(),
                instead: Vec::new(),
            });
        }
        for (tool, data) in TOOL_HOMES {
            let root = home.join(tool);
            let in_data = data.iter().any(|d| dir.starts_with(home.join(d)));
            if (root.starts_with(&dir) || dir.starts_with(&root)) && !in_data {
                return Some(Refusal {
                    why: format!("{} holds programs or their config", shown(&root)),
                    instead: data.iter().map(|d| format!("~/{d}")).collect(),
                });
            }
        }
    }
    if let Some(part) = dir.components().find_map(|c| match c {
        Component::Normal(name) => PROGRAM_FOLDERS.iter().find(|p| name.to_str() == Some(**p)),
        _ => None,
    }) {
        return Some(Refusal {
            why: format!("a `{part}` folder holds programs"),
            instead: Vec::new(),
        });
    }
    // An empty or relative PATH entry names the current directory, not a place to compare.
    if let Some(entry) = path
        .iter()
        .filter(|p| p.is_absolute())
        .map(|p| normalize(p))
        .find(|p| p.starts_with(&dir) || dir.starts_with(p))
    {
        return Some(Refusal {
            why: format!("{} is on your PATH", shown(&entry)),
            instead: Vec::new(),
        });
    }
    if let Some(child) = children
        .iter()
        .find(|c| PROGRAM_FOLDERS.contains(&c.as_str()))
    {
        return Some(Refusal {
            why: format!("it holds a `{child}` folder of programs"),
            instead: Vec::new(),
        });
    }
    None
}

/// `path` written with `~/` when it lies under `home`.
fn tilde(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) if rest.as_os_str().is_empty() => "~".into(),
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_that_hold_programs_or_sit_on_path_are_refused() {
        let home = Path::new("/home/ana");
        let path = [
            PathBuf::new(),
            PathBuf::from("."),
            PathBuf::from("/home/ana/.cargo/bin"),
            PathBuf::from("/home/ana/tools/current"),
            PathBuf::from("/usr/bin"),
        ];
        /// The refusal's reason (a part of it) and its data folders.
        type Want = Option<(&'static str, &'static [&'static str])>;
        let rows: &[(&str, &[&str], Want)] = &[
            (
                "/home/ana/.cargo",
                &[],
                Some((
                    "~/.cargo holds programs",
                    &["~/.cargo/registry", "~/.cargo/git"],
                )),
            ),
            (
                "/home/ana/.cargo/bin",
                &[],
                Some((
                    "~/.cargo holds programs",
                    &["~/.cargo/registry", "~/.cargo/git"],
                )),
            ),
            ("/home/ana/.cargo/registry", &[], None),
            ("/home/ana/.cargo/git/db", &[], None),
            (
                "/home/ana/.cargo/registry/../config.toml",
                &[],
                Some(("~/.cargo holds", &["~/.cargo/registry", "~/.cargo/git"])),
            ),
            ("/home/ana/.rustup", &[], Some(("~/.rustup holds", &[]))),
            ("/home/ana", &[], Some(("your home directory", &[]))),
            ("/", &[], Some(("your home directory", &[]))),
            ("/home/ana/.cache", &[], None),
            ("/home/ana/.npm", &[], None),
            ("/home/ana/.local/share/pnpm", &[], None),
            (
                "/home/ana/.local/bin",
                &[],
                Some(("~/.local holds", &["~/.local/share", "~/.local/state"])),
            ),
            (
                "/srv/app/node_modules/.bin",
                &[],
                Some(("a `node_modules` folder", &[])),
            ),
            (
                "/home/ana/tools",
                &[],
                Some(("~/tools/current is on your PATH", &[])),
            ),
            (
                "/home/ana/tools/current/x",
                &[],
                Some(("~/tools/current is on your PATH", &[])),
            ),
            ("/usr", &[], Some(("/usr/bin is on your PATH", &[]))),
            (
                "/opt/cache",
                &["bin"],
                Some(("a `bin` folder of programs", &[])),
            ),
            ("/opt/cache", &["pip"], None),
        ];
        for (dir, children, want) in rows {
            let children: Vec<String> = children.iter().map(|c| c.to_string()).collect();
            let got = refusal(Path::new(dir), Some(home), &path, &children);
            match (want, got) {
                (None, None) => {}
                (Some((why, instead)), Some(r)) => {
                    assert!(r.why.contains(why), "{dir}: {r:?}");
                    assert_eq!(&r.instead, instead, "{dir}");
                }
                (want, got) => panic!("{dir}: want {want:?}, got {got:?}"),
            }
        }
    }
}
