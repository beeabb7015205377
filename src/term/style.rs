//! How a grid cell looks in andon: alacritty's colors mapped through the pane palette and
//! its flags turned into ratatui modifiers.

use alacritty_terminal::term::cell::{Cell as TermCell, Flags};
use alacritty_terminal::vte::ansi::{Color as TermColor, NamedColor};
use ratatui::style::{Color, Modifier, Style};

use super::TermPalette;

/// Maps alacritty's colors and flags through andon's palette.
pub(super) struct CellStyler<'a> {
    palette: &'a TermPalette,
    monochrome: bool,
}

impl<'a> CellStyler<'a> {
    pub(super) fn new(palette: &'a TermPalette) -> Self {
        Self {
            palette,
            monochrome: palette.is_monochrome(),
        }
    }

    /// An empty cell: default colors, no attributes.
    pub(super) fn blank(&self) -> Style {
        Style::new()
            .fg(self.color(TermColor::Named(NamedColor::Foreground)))
            .bg(self.color(TermColor::Named(NamedColor::Background)))
    }

    pub(super) fn style(&self, cell: &TermCell) -> Style {
        let flags = cell.flags;
        let mut modifier = Modifier::empty();
        let mut fg = self.color(cell.fg);
        if flags.contains(Flags::DIM) {
            // Default text has a dim color of its own in the palette; others dim in the host.
            if cell.fg == TermColor::Named(NamedColor::Foreground)
                && self.palette.dim_foreground != Color::Reset
            {
                fg = self.palette.dim_foreground;
            } else {
                modifier |= Modifier::DIM;
            }
        }
        let pairs = [
            (Flags::BOLD, Modifier::BOLD),
            (Flags::ITALIC, Modifier::ITALIC),
            (Flags::ALL_UNDERLINES, Modifier::UNDERLINED),
            (Flags::INVERSE, Modifier::REVERSED),
            (Flags::STRIKEOUT, Modifier::CROSSED_OUT),
            (Flags::HIDDEN, Modifier::HIDDEN),
        ];
        for (flag, add) in pairs {
            if flags.intersects(flag) {
                modifier |= add;
            }
        }
        Style::new()
            .fg(fg)
            .bg(self.color(cell.bg))
            .add_modifier(modifier)
    }

    fn color(&self, color: TermColor) -> Color {
        if self.monochrome {
            return Color::Reset;
        }
        let palette = self.palette;
        match color {
            TermColor::Spec(rgb) => Color::Rgb(rgb.r, rgb.g, rgb.b),
            TermColor::Indexed(index) if index < 16 => palette.ansi[usize::from(index)],
            TermColor::Indexed(index) => Color::Indexed(index),
            TermColor::Named(named) => match named {
                NamedColor::Foreground | NamedColor::BrightForeground => palette.foreground,
                NamedColor::Background => palette.background,
                NamedColor::Cursor => palette.cursor,
                NamedColor::DimForeground => palette.dim_foreground,
                NamedColor::DimBlack
                | NamedColor::DimRed
                | NamedColor::DimGreen
                | NamedColor::DimYellow
                | NamedColor::DimBlue
                | NamedColor::DimMagenta
                | NamedColor::DimCyan
                | NamedColor::DimWhite => {
                    palette.ansi[named as usize - NamedColor::DimBlack as usize]
                }
                // Black..=BrightWhite are numbered 0..=15.
                ansi => palette.ansi[(ansi as usize) & 0xf],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use alacritty_terminal::vte::ansi::Rgb;

    use super::*;

    fn cell(fg: TermColor, bg: TermColor, flags: Flags) -> TermCell {
        TermCell {
            fg,
            bg,
            flags,
            ..TermCell::default()
        }
    }

    #[test]
    fn cells_map_through_the_palette() {
        let p = TermPalette::dark();
        let named = TermColor::Named;
        let (fg, bg) = (named(NamedColor::Foreground), named(NamedColor::Background));
        let plain = |fg: Color, bg: Color| Style::new().fg(fg).bg(bg);
        let cases = [
            (
                cell(fg, bg, Flags::empty()),
                plain(p.foreground, p.background),
            ),
            (
                cell(named(NamedColor::Red), bg, Flags::empty()),
                plain(p.ansi[1], p.background),
            ),
            (
                cell(TermColor::Indexed(9), bg, Flags::empty()),
                plain(p.ansi[9], p.background),
            ),
            (
                cell(TermColor::Indexed(208), bg, Flags::empty()),
                plain(Color::Indexed(208), p.background),
            ),
            (
                cell(
                    TermColor::Spec(Rgb { r: 1, g: 2, b: 3 }),
                    named(NamedColor::Blue),
                    Flags::empty(),
                ),
                plain(Color::Rgb(1, 2, 3), p.ansi[4]),
            ),
            (
                cell(named(NamedColor::DimGreen), bg, Flags::empty()),
                plain(p.ansi[2], p.background),
            ),
            (
                cell(fg, bg, Flags::DIM),
                plain(p.dim_foreground, p.background),
            ),
            (
                cell(named(NamedColor::Red), bg, Flags::DIM),
                plain(p.ansi[1], p.background).add_modifier(Modifier::DIM),
            ),
            (
                cell(
                    fg,
                    bg,
                    Flags::BOLD | Flags::ITALIC | Flags::UNDERCURL | Flags::INVERSE,
                ),
                plain(p.foreground, p.background).add_modifier(
                    Modifier::BOLD | Modifier::ITALIC | Modifier::UNDERLINED | Modifier::REVERSED,
                ),
            ),
        ];
        let styler = CellStyler::new(&p);
        for (cell, want) in cases {
            assert_eq!(
                styler.style(&cell),
                want,
                "{:?} {:?} {:?}",
                cell.fg,
                cell.bg,
                cell.flags
            );
        }
    }

    #[test]
    fn monochrome_drops_every_color_but_keeps_attributes() {
        let mono = TermPalette::monochrome();
        let styler = CellStyler::new(&mono);
        let colors = [
            TermColor::Named(NamedColor::Red),
            TermColor::Indexed(208),
            TermColor::Spec(Rgb { r: 1, g: 2, b: 3 }),
        ];
        for color in colors {
            let style = styler.style(&cell(color, color, Flags::BOLD | Flags::DIM));
            let want = Style::new()
                .fg(Color::Reset)
                .bg(Color::Reset)
                .add_modifier(Modifier::BOLD | Modifier::DIM);
            assert_eq!(style, want, "{color:?}");
        }
        assert_eq!(
            styler.blank(),
            Style::new().fg(Color::Reset).bg(Color::Reset)
        );
    }
}
