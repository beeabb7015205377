//! Themes: every color the board draws, read from `themes/<name>.toml`.
//!
//! The built-in themes are the crate's own `themes/*.toml`, embedded at compile time, so a
//! repository's `themes/<name>.toml` overrides one by simply existing. NO_COLOR turns any theme
//! into one where every color is the terminal default and the views tell lamps apart by text.

mod theme_file;

use std::path::{Path, PathBuf};

use ratatui::style::Color;

use crate::ui::board::model::Lamp;
use crate::ui::theme::theme_file::parse;
pub use crate::ui::theme::theme_file::parse_color;

/// The six lamp colors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LampColors {
    pub green: Color,
    pub yellow: Color,
    pub red: Color,
    pub magenta: Color,
    pub blue: Color,
    pub gray: Color,
}

/// Every color of the board. Field names are the theme file's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    /// Set by [`Theme::no_color`]: views must not rely on color to carry meaning.
    pub no_color: bool,
    pub lamps: LampColors,
    pub background: Color,
    pub foreground: Color,
    pub dim: Color,
    pub accent: Color,
    pub border: Color,
    pub border_selected: Color,
    pub title: Color,
    pub banner_bg: Color,
    pub banner_fg: Color,
    pub toast_bg: Color,
    pub toast_fg: Color,
    pub dialog_bg: Color,
    pub dialog_border: Color,
    pub mark_pass: Color,
    pub mark_fail: Color,
    pub mark_other: Color,
    /// The panes' 16-color palette: what a child's ANSI colors 0-15 are drawn as.
    pub ansi: [Color; 16],
    pub pane_fg: Color,
    pub pane_bg: Color,
}

/// A theme that cannot be used, with where and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("{}: cannot read the theme: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error(
        "{file}: missing {} {}; a theme defines every color \
         (copy the missing keys from the built-in themes/default.toml)",
        if keys.len() == 1 { "key" } else { "keys" },
        keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
    )]
    MissingKeys { file: String, keys: Vec<String> },
    #[error("{file}:{line}: unknown key `{key}`; expected one of: {expected}")]
    UnknownKey {
        file: String,
        line: usize,
        key: String,
        expected: String,
    },
    #[error(
        "{file}:{line}: `{key} = {value}` is not a color; write \"#rrggbb\", a name \
         (black, red, green, yellow, blue, magenta, cyan, white, bright-<name>, reset) \
         or an index 0-255"
    )]
    BadColor {
        file: String,
        line: usize,
        key: String,
        value: String,
    },
    #[error(
        "unknown theme `{name}`; built-in themes are {known}, \
         or add themes/{name}.toml to the repository"
    )]
    UnknownTheme { name: String, known: String },
    #[error("`{name}` is not a theme name; use letters, digits, `-` and `_` only")]
    BadName { name: String },
}

pub(super) const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../../../themes/default.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../../themes/high-contrast.toml"),
    ),
    (
        "solarized-dark",
        include_str!("../../../themes/solarized-dark.toml"),
    ),
];

impl Theme {
    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        let (name, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        // The built-ins are tested to parse; `ok()` only guards against a broken build.
        Theme::from_toml(name, text).ok()
    }

    /// The built-in theme names, the default first.
    pub fn names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// Parses a theme file's text; errors name `themes/<name>.toml`.
    pub fn from_toml(name: &str, text: &str) -> Result<Theme, ThemeError> {
        parse(&format!("themes/{name}.toml"), name, text)
    }

    /// `<dir>/themes/<name>.toml` when it exists (a repository or config directory overriding
    /// or adding a theme), else the built-in theme of that name.
    pub fn load(dir: &Path, name: &str) -> Result<Theme, ThemeError> {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(ThemeError::BadName { name: name.into() });
        }
        let path = dir.join("themes").join(format!("{name}.toml"));
        match std::fs::read_to_string(&path) {
            Ok(text) => parse(&path.display().to_string(), name, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Theme::builtin(name).ok_or_else(|| ThemeError::UnknownTheme {
                    name: name.into(),
                    known: Theme::names().join(", "),
                })
            }
            Err(source) => Err(ThemeError::Io { path, source }),
        }
    }

    /// The NO_COLOR variant: every color is the terminal's default.
    pub fn no_color(self) -> Theme {
        let r = Color::Reset;
        Theme {
            name: self.name,
            no_color: true,
            lamps: LampColors {
                green: r,
                yellow: r,
                red: r,
                magenta: r,
                blue: r,
                gray: r,
            },
            background: r,
            foreground: r,
            dim: r,
            accent: r,
            border: r,
            border_selected: r,
            title: r,
            banner_bg: r,
            banner_fg: r,
            toast_bg: r,
            toast_fg: r,
            dialog_bg: r,
            dialog_border: r,
            mark_pass: r,
            mark_fail: r,
            mark_other: r,
            ansi: [r; 16],
            pane_fg: r,
            pane_bg: r,
        }
    }

    pub fn lamp(&self, lamp: Lamp) -> Color {
        match lamp {
            Lamp::Green => self.lamps.green,
            Lamp::Yellow => self.lamps.yellow,
            Lamp::Red => self.lamps.red,
            Lamp::Magenta => self.lamps.magenta,
            Lamp::Blue => self.lamps.blue,
            Lamp::Gray => self.lamps.gray,
        }
    }
}

/// Whether the NO_COLOR convention (no-color.org) asks for no color: set and not empty.
/// Takes the variable's value so the caller owns the environment read.
pub fn no_color_requested(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_and_defines_distinct_lamps() {
        assert_eq!(
            Theme::names(),
            vec!["default", "light", "high-contrast", "solarized-dark"]
        );
        for name in Theme::names() {
            let text = BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
            let theme = Theme::from_toml(name, text.unwrap_or_default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(theme.name, name);
            let lamps: Vec<Color> = Lamp::ALL.iter().map(|l| theme.lamp(*l)).collect();
            for (i, a) in lamps.iter().enumerate() {
                for b in &lamps[i + 1..] {
                    assert_ne!(a, b, "{name}: two lamps share a color");
                }
            }
            assert_eq!(Theme::builtin(name), Some(theme));
        }
        assert_eq!(Theme::builtin("nope"), None);
    }

    #[test]
    fn load_prefers_the_repository_file_then_the_builtin() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("themes")).unwrap();
        let custom = BUILTIN[0]
            .1
            .replacen("accent = ", "accent = \"#010203\" # ", 1);
        std::fs::write(dir.join("themes/default.toml"), custom).unwrap();
        std::fs::write(dir.join("themes/broken.toml"), "[lamps\n").unwrap();

        let overridden = Theme::load(dir, "default").unwrap();
        assert_eq!(overridden.accent, Color::Rgb(1, 2, 3));
        assert_eq!(
            Theme::load(dir, "light").unwrap(),
            Theme::builtin("light").unwrap()
        );
        let broken = Theme::load(dir, "broken").unwrap_err().to_string();
        assert!(broken.contains("themes/broken.toml:1:"), "{broken}");
        let unknown = Theme::load(dir, "neon").unwrap_err().to_string();
        assert!(
            unknown.contains("built-in themes are default, light"),
            "{unknown}"
        );
        assert!(matches!(
            Theme::load(dir, "../etc/passwd"),
            Err(ThemeError::BadName { .. })
        ));
    }

    #[test]
    fn no_color_resets_everything() {
        let theme = Theme::builtin("default").unwrap().no_color();
        assert!(theme.no_color);
        assert!(theme.ansi.iter().all(|c| *c == Color::Reset));
        assert!(Lamp::ALL.iter().all(|l| theme.lamp(*l) == Color::Reset));
        assert_eq!(theme.banner_bg, Color::Reset);
    }

    #[test]
    fn no_color_convention() {
        use std::ffi::OsStr;
        assert!(!no_color_requested(None));
        assert!(!no_color_requested(Some(OsStr::new(""))));
        assert!(no_color_requested(Some(OsStr::new("1"))));
    }
}
