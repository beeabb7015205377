//! The colors a pane is drawn with, and the RGB answers to a child's color queries.
//!
//! A child names colors (ANSI 0-15, the default foreground/background, 256-color indexes); the
//! palette decides what those names look like inside andon, so every pane follows andon's theme.
//! The same palette answers `OSC 10/11/4 ?` so a child that picks its own theme from the
//! background (Claude Code, Codex) sees the colors it is really drawn on.

use alacritty_terminal::vte::ansi::{NamedColor, Rgb};
use ratatui::style::Color;

/// What a pane's named colors look like.
#[derive(Clone, Debug, PartialEq)]
pub struct TermPalette {
    pub foreground: Color,
    pub background: Color,
    pub cursor: Color,
    /// ANSI colors 0-15: black, red, green, yellow, blue, magenta, cyan, white, then the bright
    /// variants in the same order.
    pub ansi: [Color; 16],
    pub dim_foreground: Color,
}

const fn hex(rgb: u32) -> Color {
    Color::Rgb((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8)
}

impl TermPalette {
    /// Alacritty's default dark scheme (Tomorrow Night): readable on any dark host terminal.
    pub fn dark() -> Self {
        Self {
            foreground: hex(0xd8d8d8),
            background: hex(0x181818),
            cursor: hex(0xd8d8d8),
            ansi: [
                hex(0x181818),
                hex(0xac4242),
                hex(0x90a959),
                hex(0xf4bf75),
                hex(0x6a9fb5),
                hex(0xaa759f),
                hex(0x75b5aa),
                hex(0xd8d8d8),
                hex(0x6b6b6b),
                hex(0xc55555),
                hex(0xaac474),
                hex(0xfeca88),
                hex(0x82b8c8),
                hex(0xc28cb8),
                hex(0x93d3c3),
                hex(0xf8f8f8),
            ],
            dim_foreground: hex(0x828482),
        }
    }

    /// A light scheme whose colors keep enough contrast on white.
    pub fn light() -> Self {
        Self {
            foreground: hex(0x24292f),
            background: hex(0xffffff),
            cursor: hex(0x0969da),
            ansi: [
                hex(0x24292f),
                hex(0xcf222e),
                hex(0x116329),
                hex(0x4d2d00),
                hex(0x0969da),
                hex(0x8250df),
                hex(0x1b7c83),
                hex(0x6e7781),
                hex(0x57606a),
                hex(0xa40e26),
                hex(0x1a7f37),
                hex(0x633c01),
                hex(0x218bff),
                hex(0xa475f9),
                hex(0x3192aa),
                hex(0x8c959f),
            ],
            dim_foreground: hex(0x6e7781),
        }
    }

    /// For `NO_COLOR`: every color is the host terminal's default, and the widget passes none
    /// of the child's colors through either (attributes such as bold still show).
    pub fn monochrome() -> Self {
        Self {
            foreground: Color::Reset,
            background: Color::Reset,
            cursor: Color::Reset,
            ansi: [Color::Reset; 16],
            dim_foreground: Color::Reset,
        }
    }

    /// True when the palette assigns no color at all, which the widget takes as "draw no
    /// colors": a child's 256-color and RGB colors are dropped too.
    pub fn is_monochrome(&self) -> bool {
        [
            self.foreground,
            self.background,
            self.cursor,
            self.dim_foreground,
        ]
        .iter()
        .chain(self.ansi.iter())
        .all(|color| *color == Color::Reset)
    }

    /// The RGB a color query (`OSC 4;n`, `OSC 10/11/12`) for alacritty's color `index`
    /// should answer with: 0-255 are the indexed colors, 256.. the named roles.
    pub fn query_rgb(&self, index: usize) -> Rgb {
        let foreground = || to_rgb(self.foreground, FALLBACK_FOREGROUND);
        match index {
            0..=15 => to_rgb(self.ansi[index], xterm_rgb(index as u8)),
            16..=255 => xterm_rgb(index as u8),
            i if i == NamedColor::Foreground as usize => foreground(),
            i if i == NamedColor::Background as usize => {
                to_rgb(self.background, FALLBACK_BACKGROUND)
            }
            i if i == NamedColor::Cursor as usize => to_rgb(self.cursor, foreground()),
            i if i == NamedColor::BrightForeground as usize => foreground(),
            i if i == NamedColor::DimForeground as usize => {
                to_rgb(self.dim_foreground, dim(foreground()))
            }
            // DimBlack..=DimWhite follow Cursor in alacritty's numbering.
            i if (NamedColor::DimBlack as usize..=NamedColor::DimWhite as usize).contains(&i) => {
                let ansi = i - NamedColor::DimBlack as usize;
                dim(to_rgb(self.ansi[ansi], xterm_rgb(ansi as u8)))
            }
            _ => foreground(),
        }
    }
}

impl Default for TermPalette {
    fn default() -> Self {
        Self::dark()
    }
}

/// What a palette of `Color::Reset` answers to queries: the host's real colors are unknown,
/// and light text on black is the most common terminal setup.
const FALLBACK_FOREGROUND: Rgb = Rgb {
    r: 0xe5,
    g: 0xe5,
    b: 0xe5,
};
const FALLBACK_BACKGROUND: Rgb = Rgb { r: 0, g: 0, b: 0 };

/// Two thirds brightness, the factor alacritty uses for its dim colors.
fn dim(rgb: Rgb) -> Rgb {
    let scale = |c: u8| (u16::from(c) * 2 / 3) as u8;
    Rgb {
        r: scale(rgb.r),
        g: scale(rgb.g),
        b: scale(rgb.b),
    }
}

fn to_rgb(color: Color, fallback: Rgb) -> Rgb {
    let indexed = |i: u8| xterm_rgb(i);
    match color {
        Color::Rgb(r, g, b) => Rgb { r, g, b },
        Color::Indexed(i) => indexed(i),
        Color::Black => indexed(0),
        Color::Red => indexed(1),
        Color::Green => indexed(2),
        Color::Yellow => indexed(3),
        Color::Blue => indexed(4),
        Color::Magenta => indexed(5),
        Color::Cyan => indexed(6),
        Color::Gray => indexed(7),
        Color::DarkGray => indexed(8),
        Color::LightRed => indexed(9),
        Color::LightGreen => indexed(10),
        Color::LightYellow => indexed(11),
        Color::LightBlue => indexed(12),
        Color::LightMagenta => indexed(13),
        Color::LightCyan => indexed(14),
        Color::White => indexed(15),
        Color::Reset => fallback,
    }
}

/// xterm's default RGB for a 256-color index.
fn xterm_rgb(index: u8) -> Rgb {
    const ANSI: [u32; 16] = [
        0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5, 0x7f7f7f,
        0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
    ];
    let from_hex = |rgb: u32| Rgb {
        r: (rgb >> 16) as u8,
        g: (rgb >> 8) as u8,
        b: rgb as u8,
    };
    match index {
        0..=15 => from_hex(ANSI[usize::from(index)]),
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let i = index - 16;
            Rgb {
                r: level(i / 36),
                g: level((i / 6) % 6),
                b: level(i % 6),
            }
        }
        _ => {
            let gray = 8 + 10 * (index - 232);
            Rgb {
                r: gray,
                g: gray,
                b: gray,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_monochrome_palette_is_monochrome() {
        assert!(TermPalette::monochrome().is_monochrome());
        assert!(!TermPalette::dark().is_monochrome());
        assert!(!TermPalette::light().is_monochrome());
    }

    #[test]
    fn query_answers_follow_the_palette() {
        let dark = TermPalette::dark();
        let cases = [
            (
                NamedColor::Background as usize,
                Rgb {
                    r: 0x18,
                    g: 0x18,
                    b: 0x18,
                },
            ),
            (
                NamedColor::Foreground as usize,
                Rgb {
                    r: 0xd8,
                    g: 0xd8,
                    b: 0xd8,
                },
            ),
            (
                1,
                Rgb {
                    r: 0xac,
                    g: 0x42,
                    b: 0x42,
                },
            ),
            (16, Rgb { r: 0, g: 0, b: 0 }),
            (196, Rgb { r: 255, g: 0, b: 0 }),
            (
                231,
                Rgb {
                    r: 255,
                    g: 255,
                    b: 255,
                },
            ),
            (232, Rgb { r: 8, g: 8, b: 8 }),
            (
                255,
                Rgb {
                    r: 238,
                    g: 238,
                    b: 238,
                },
            ),
            (
                NamedColor::DimRed as usize,
                Rgb {
                    r: 0x72,
                    g: 0x2c,
                    b: 0x2c,
                },
            ),
        ];
        for (index, want) in cases {
            assert_eq!(dark.query_rgb(index), want, "index {index}");
        }
    }

    #[test]
    fn monochrome_answers_a_plausible_dark_terminal() {
        let mono = TermPalette::monochrome();
        assert_eq!(
            mono.query_rgb(NamedColor::Background as usize),
            FALLBACK_BACKGROUND
        );
        assert_eq!(
            mono.query_rgb(NamedColor::Foreground as usize),
            FALLBACK_FOREGROUND
        );
        assert_eq!(
            mono.query_rgb(1),
            Rgb {
                r: 0xcd,
                g: 0,
                b: 0
            }
        );
    }
}
