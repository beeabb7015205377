//! The visible screen as data: each cell's character and the colors the child gave it, before
//! andon's palette. For comparing a pane with another terminal (tests/real_agents.rs holds
//! Claude Code's and Codex's screens against tmux's).

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::vte::ansi::{Color as TermColor, NamedColor};

use super::Pane;

/// A color as the child named it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CellColor {
    /// The terminal's default foreground or background.
    Default,
    /// A palette index: 0-15 are the ANSI colors (SGR 30-37, 90-97, ...), 16-255 `38;5;N`.
    Indexed(u8),
    /// `38;2;R;G;B`.
    Rgb(u8, u8, u8),
}

impl From<TermColor> for CellColor {
    fn from(color: TermColor) -> Self {
        match color {
            TermColor::Spec(rgb) => CellColor::Rgb(rgb.r, rgb.g, rgb.b),
            TermColor::Indexed(index) => CellColor::Indexed(index),
            TermColor::Named(named) => match named {
                NamedColor::Foreground
                | NamedColor::Background
                | NamedColor::BrightForeground
                | NamedColor::DimForeground
                | NamedColor::Cursor => CellColor::Default,
                // DimBlack..=DimWhite follow the sixteen ANSI colors.
                dim if dim as usize >= NamedColor::DimBlack as usize => {
                    CellColor::Indexed((dim as usize - NamedColor::DimBlack as usize) as u8)
                }
                ansi => CellColor::Indexed(ansi as u8),
            },
        }
    }
}

/// One visible cell. The right half of a wide character is a `' '` with its colors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellView {
    pub c: char,
    pub fg: CellColor,
    pub bg: CellColor,
    /// SGR 7 (reverse video): the colors are shown swapped.
    pub inverse: bool,
}

impl Pane {
    /// The visible screen (at the current scroll offset), row by row, every column.
    pub fn cells(&self) -> Vec<Vec<CellView>> {
        let grid = self.term.grid();
        let offset = self.scroll_offset() as i32;
        (0..grid.screen_lines())
            .map(|row| {
                let line = &grid[Line(row as i32 - offset)];
                (0..grid.columns())
                    .map(|col| {
                        let cell = &line[Column(col)];
                        let spacer = cell
                            .flags
                            .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER);
                        CellView {
                            c: if spacer { ' ' } else { cell.c },
                            fg: cell.fg.into(),
                            bg: cell.bg.into(),
                            inverse: cell.flags.contains(Flags::INVERSE),
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_the_colors_the_child_named() {
        let mut pane = Pane::new(2, 6, 0, Box::new(|_| {}));
        pane.feed(b"a\x1b[31mb\x1b[38;5;208;48;2;1;2;3mc\x1b[0;7;94md\x1b[0m\r\n\xe7\x95\x8c");
        let cells = pane.cells();
        let got: Vec<(char, CellColor, CellColor, bool)> = cells[0][..5]
            .iter()
            .map(|c| (c.c, c.fg, c.bg, c.inverse))
            .collect();
        use CellColor::*;
        assert_eq!(
            got,
            [
                ('a', Default, Default, false),
                ('b', Indexed(1), Default, false),
                ('c', Indexed(208), Rgb(1, 2, 3), false),
                ('d', Indexed(12), Default, true),
                (' ', Default, Default, false),
            ]
        );
        // A wide character and its spacer: two columns.
        assert_eq!(
            (cells[1][0].c, cells[1][1].c, cells[1][2].c),
            ('界', ' ', ' ')
        );
        assert_eq!(cells.len(), 2);
        assert!(cells.iter().all(|row| row.len() == 6));
    }
}
