//! Reading a theme file: its sections and keys, color values, and errors that name the file,
//! the line and the fix.

use std::collections::BTreeMap;

use ratatui::style::Color;
use toml::Spanned;

use crate::ui::theme::{LampColors, Theme, ThemeError};

const LAMP_KEYS: [&str; 6] = ["green", "yellow", "red", "magenta", "blue", "gray"];
const BOARD_KEYS: [&str; 16] = [
    "background",
    "foreground",
    "dim",
    "accent",
    "border",
    "border_selected",
    "title",
    "banner_bg",
    "banner_fg",
    "toast_bg",
    "toast_fg",
    "dialog_bg",
    "dialog_border",
    "mark_pass",
    "mark_fail",
    "mark_other",
];
/// `fg`, `bg`, then ANSI colors 0-15 by their conventional names.
const PANE_KEYS: [&str; 18] = [
    "fg",
    "bg",
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "white",
    "bright-black",
    "bright-red",
    "bright-green",
    "bright-yellow",
    "bright-blue",
    "bright-magenta",
    "bright-cyan",
    "bright-white",
];
const SECTIONS: [(&str, &[&str]); 3] = [
    ("lamps", &LAMP_KEYS),
    ("board", &BOARD_KEYS),
    ("pane", &PANE_KEYS),
];

type Sections = BTreeMap<String, Spanned<BTreeMap<String, Spanned<toml::Value>>>>;

/// Parses a color: `#rrggbb`, an ANSI name, `reset`, or a 0-255 index.
pub fn parse_color(value: &toml::Value) -> Option<Color> {
    match value {
        toml::Value::Integer(i) => u8::try_from(*i).ok().map(Color::Indexed),
        toml::Value::String(s) => parse_color_str(s),
        _ => None,
    }
}

fn parse_color_str(s: &str) -> Option<Color> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        return Some(Color::Rgb(channel(0)?, channel(2)?, channel(4)?));
    }
    let color = match s.as_str() {
        "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        // ratatui names ANSI 7 "Gray" and ANSI 15 "White"; themes use the ANSI names.
        "white" => Color::Gray,
        "bright-black" => Color::DarkGray,
        "bright-red" => Color::LightRed,
        "bright-green" => Color::LightGreen,
        "bright-yellow" => Color::LightYellow,
        "bright-blue" => Color::LightBlue,
        "bright-magenta" => Color::LightMagenta,
        "bright-cyan" => Color::LightCyan,
        "bright-white" => Color::White,
        _ => return None,
    };
    Some(color)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

pub(super) fn parse(file: &str, name: &str, text: &str) -> Result<Theme, ThemeError> {
    let sections: Sections = toml::from_str(text).map_err(|e| ThemeError::Syntax {
        file: file.into(),
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let mut reader = Reader {
        file,
        text,
        sections,
        missing: Vec::new(),
    };
    reader.reject_unknown_keys()?;
    let theme = Theme {
        name: name.to_string(),
        no_color: false,
        lamps: LampColors {
            green: reader.color("lamps", "green")?,
            yellow: reader.color("lamps", "yellow")?,
            red: reader.color("lamps", "red")?,
            magenta: reader.color("lamps", "magenta")?,
            blue: reader.color("lamps", "blue")?,
            gray: reader.color("lamps", "gray")?,
        },
        background: reader.color("board", "background")?,
        foreground: reader.color("board", "foreground")?,
        dim: reader.color("board", "dim")?,
        accent: reader.color("board", "accent")?,
        border: reader.color("board", "border")?,
        border_selected: reader.color("board", "border_selected")?,
        title: reader.color("board", "title")?,
        banner_bg: reader.color("board", "banner_bg")?,
        banner_fg: reader.color("board", "banner_fg")?,
        toast_bg: reader.color("board", "toast_bg")?,
        toast_fg: reader.color("board", "toast_fg")?,
        dialog_bg: reader.color("board", "dialog_bg")?,
        dialog_border: reader.color("board", "dialog_border")?,
        mark_pass: reader.color("board", "mark_pass")?,
        mark_fail: reader.color("board", "mark_fail")?,
        mark_other: reader.color("board", "mark_other")?,
        ansi: {
            let mut ansi = [Color::Reset; 16];
            for (slot, key) in ansi.iter_mut().zip(&PANE_KEYS[2..]) {
                *slot = reader.color("pane", key)?;
            }
            ansi
        },
        pane_fg: reader.color("pane", "fg")?,
        pane_bg: reader.color("pane", "bg")?,
    };
    if reader.missing.is_empty() {
        Ok(theme)
    } else {
        Err(ThemeError::MissingKeys {
            file: file.into(),
            keys: reader.missing,
        })
    }
}

/// Reads colors out of the parsed sections, collecting every missing key so one error lists
/// them all instead of making the user fix them one run at a time.
struct Reader<'a> {
    file: &'a str,
    text: &'a str,
    sections: Sections,
    missing: Vec<String>,
}

impl Reader<'_> {
    fn reject_unknown_keys(&self) -> Result<(), ThemeError> {
        for (section, table) in &self.sections {
            let Some((_, known)) = SECTIONS.iter().find(|(s, _)| s == section) else {
                return Err(ThemeError::UnknownKey {
                    file: self.file.into(),
                    line: line_of(self.text, table.span().start),
                    key: format!("[{section}]"),
                    expected: "[lamps], [board], [pane]".into(),
                });
            };
            for (key, value) in table.get_ref() {
                if !known.contains(&key.as_str()) {
                    return Err(ThemeError::UnknownKey {
                        file: self.file.into(),
                        line: line_of(self.text, value.span().start),
                        key: format!("{section}.{key}"),
                        expected: known.join(", "),
                    });
                }
            }
        }
        Ok(())
    }

    fn color(&mut self, section: &str, key: &str) -> Result<Color, ThemeError> {
        let Some(value) = self
            .sections
            .get(section)
            .and_then(|table| table.get_ref().get(key))
        else {
            self.missing.push(format!("{section}.{key}"));
            return Ok(Color::Reset);
        };
        parse_color(value.get_ref()).ok_or_else(|| ThemeError::BadColor {
            file: self.file.into(),
            line: line_of(self.text, value.span().start),
            key: format!("{section}.{key}"),
            value: value.get_ref().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::theme::BUILTIN;

    #[test]
    fn builtin_files_spell_out_every_key() {
        // Defaults would hide a forgotten key in a built-in file, so each file must list all.
        for (name, text) in BUILTIN {
            let sections: Sections = toml::from_str(text).unwrap_or_default();
            for (section, keys) in SECTIONS {
                for key in keys {
                    assert!(
                        sections
                            .get(section)
                            .is_some_and(|t| t.get_ref().contains_key(*key)),
                        "{name}: missing {section}.{key}"
                    );
                }
            }
        }
    }

    fn default_text_without(lines: &[&str]) -> String {
        BUILTIN[0]
            .1
            .lines()
            .filter(|l| !lines.iter().any(|drop| l.trim_start().starts_with(drop)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_missing_key_is_named() {
        let err = Theme::from_toml("mine", &default_text_without(&["red ="])).unwrap_err();
        // Both lamps.red and pane.red start with `red =`.
        let msg = err.to_string();
        assert!(
            msg.starts_with("themes/mine.toml: missing keys `lamps.red`, `pane.red`;"),
            "{msg}"
        );

        let err = Theme::from_toml("mine", &default_text_without(&["banner_fg"])).unwrap_err();
        assert!(
            matches!(&err, ThemeError::MissingKeys { keys, .. } if keys == &["board.banner_fg"])
        );
        assert!(err.to_string().contains("missing key `board.banner_fg`"));
    }

    #[test]
    fn errors_name_the_line_and_the_fix() {
        let base = BUILTIN[0].1;
        let cases: [(String, &str); 4] = [
            (
                base.replacen("red = ", "red = \"rd\" # ", 1),
                "`lamps.red = \"rd\"` is not a color; write \"#rrggbb\"",
            ),
            (
                base.replacen("gray = ", "grey = ", 1),
                "unknown key `lamps.grey`; expected one of: green, yellow",
            ),
            (
                format!("{base}\n[colours]\nx = 1\n"),
                "unknown key `[colours]`",
            ),
            (base.replacen("[board]", "[board", 1), ""),
        ];
        for (text, expected) in cases {
            let err = Theme::from_toml("t", &text).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(expected), "{msg}");
            let line: usize = msg
                .strip_prefix("themes/t.toml:")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no line number in {msg}"));
            assert!(line > 1, "{msg}");
        }
    }

    #[test]
    fn color_forms() {
        let cases: [(toml::Value, Option<Color>); 9] = [
            ("#1a2B3c".into(), Some(Color::Rgb(0x1a, 0x2b, 0x3c))),
            ("#12345".into(), None),
            ("#gg0000".into(), None),
            ("bright-blue".into(), Some(Color::LightBlue)),
            ("white".into(), Some(Color::Gray)),
            ("Reset".into(), Some(Color::Reset)),
            (toml::Value::Integer(208), Some(Color::Indexed(208))),
            (toml::Value::Integer(256), None),
            (toml::Value::Boolean(true), None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_color(&value), expected, "{value}");
        }
    }
}
