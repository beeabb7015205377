//! `PaneWidget`: draws a pane's visible grid into a ratatui buffer.
//!
//! This is the only path from a child's screen to andon's terminal, so it writes nothing but
//! printable characters and styles mapped through andon's palette: control characters that slip
//! into a cell become spaces, and no escape sequence of the child's is ever passed on.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::{Cell as TermCell, Flags};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;

use super::style::CellStyler;
use super::{Pane, TermPalette};

/// Draws `pane` at its current scroll offset. The area clips a larger pane and is filled with
/// the palette's background where the pane is smaller.
pub struct PaneWidget<'a> {
    pub pane: &'a Pane,
    pub palette: &'a TermPalette,
    /// Draw the cursor (as a reversed cell) when the child shows it and the view is live.
    pub show_cursor: bool,
}

impl Widget for PaneWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        let styler = CellStyler::new(self.palette);
        let blank = styler.blank();
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                buf[(x, y)].reset();
                buf[(x, y)].set_style(blank);
            }
        }

        let grid = self.pane.term.grid();
        let offset = grid.display_offset();
        let rows = usize::from(area.height).min(grid.screen_lines());
        let cols = usize::from(area.width).min(grid.columns());
        let cursor = self.cursor_cell();

        for row in 0..rows {
            let line = &grid[Line(row as i32 - offset as i32)];
            let y = area.y + row as u16;
            for col in 0..cols {
                let cell = &line[Column(col)];
                let target = &mut buf[(area.x + col as u16, y)];
                let mut style = styler.style(cell);
                if cursor == Some((row, col)) {
                    style = toggle_reversed(style);
                }
                target.set_style(style);
                // The right half of a wide character stays blank so ratatui's diff skips it;
                // a wide character cut off by the area's edge is blanked rather than overflowing.
                let hidden = cell
                    .flags
                    .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
                    || (cell.flags.contains(Flags::WIDE_CHAR) && col + 1 >= cols);
                if hidden {
                    target.set_char(' ');
                } else {
                    set_symbol(target, cell);
                }
            }
        }
        if offset > 0 {
            draw_position(area, buf, offset, grid.history_size());
        }
    }
}

/// A view scrolled back into history says so, and where it is, as tmux's copy mode does:
/// `[offset/history]` in reverse video at the top right.
fn draw_position(area: Rect, buf: &mut Buffer, offset: usize, history: usize) {
    let text = format!("[{offset}/{history}]");
    let width = u16::try_from(text.chars().count()).unwrap_or(u16::MAX);
    if width > area.width || area.height == 0 {
        return;
    }
    let style = Style::default().add_modifier(Modifier::REVERSED);
    buf.set_string(area.right() - width, area.y, text, style);
}

impl PaneWidget<'_> {
    /// The viewport cell the cursor is drawn on, if any; on a wide character's right half it
    /// moves to the character itself.
    fn cursor_cell(&self) -> Option<(usize, usize)> {
        let term = &self.pane.term;
        let visible =
            self.show_cursor && self.pane.modes().show_cursor && self.pane.scroll_offset() == 0;
        if !visible {
            return None;
        }
        let point = term.grid().cursor.point;
        let row = usize::try_from(point.line.0).ok()?;
        let mut col = point.column.0;
        if col > 0
            && term.grid()[point.line][point.column]
                .flags
                .contains(Flags::WIDE_CHAR_SPACER)
        {
            col -= 1;
        }
        Some((row, col))
    }
}

fn toggle_reversed(style: Style) -> Style {
    if style.add_modifier.contains(Modifier::REVERSED) {
        style.remove_modifier(Modifier::REVERSED)
    } else {
        style.add_modifier(Modifier::REVERSED)
    }
}

/// Writes the cell's character and any combining marks, dropping control characters. vte lets
/// a C1 code point split across two reads through as a printable character and only
/// alacritty's input path drops it today; the firewall must not rest on that detail.
fn set_symbol(target: &mut ratatui::buffer::Cell, cell: &TermCell) {
    // Control characters and bidi overrides/isolates (which could reorder what the host
    // terminal shows around the pane) are drawn as spaces.
    let printable = |c: char| {
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            ' '
        } else {
            c
        }
    };
    match cell.zerowidth() {
        None => {
            target.set_char(printable(cell.c));
        }
        Some(marks) => {
            let mut symbol = String::with_capacity(4 * (marks.len() + 1));
            symbol.push(printable(cell.c));
            symbol.extend(marks.iter().copied().filter(|c| {
                !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            }));
            target.set_symbol(&symbol);
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;
    use ratatui::Terminal;

    use super::*;

    fn pane_with(rows: u16, cols: u16, bytes: &[u8]) -> Pane {
        let mut pane = Pane::new(rows, cols, 100, Box::new(|_| {}));
        pane.feed(bytes);
        pane
    }

    /// Renders through a real ratatui `Terminal`, as andon's UI does.
    fn render(
        pane: &Pane,
        palette: &TermPalette,
        show_cursor: bool,
        size: (u16, u16),
    ) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
        terminal
            .draw(|frame| {
                frame.render_widget(
                    PaneWidget {
                        pane,
                        palette,
                        show_cursor,
                    },
                    frame.area(),
                )
            })
            .unwrap();
        terminal
    }

    fn cell(terminal: &Terminal<TestBackend>, x: u16, y: u16) -> &ratatui::buffer::Cell {
        &terminal.backend().buffer()[(x, y)]
    }

    fn row(terminal: &Terminal<TestBackend>, y: u16) -> String {
        let buf = terminal.backend().buffer();
        (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
    }

    #[test]
    fn a_view_scrolled_into_history_says_where_it_is() {
        let palette = TermPalette::dark();
        let lines: Vec<String> = (1..=30).map(|i| format!("line {i}")).collect();
        let mut pane = pane_with(5, 30, lines.join("\r\n").as_bytes());
        let live = render(&pane, &palette, false, (30, 5));
        assert!(!row(&live, 0).contains('['), "{}", row(&live, 0));
        pane.scroll(3);
        let scrolled = render(&pane, &palette, false, (30, 5));
        let top = row(&scrolled, 0);
        assert!(top.starts_with("line 23"), "{top}");
        assert!(top.ends_with("[3/25]"), "tmux's copy-mode position: {top}");
        assert!(cell(&scrolled, 29, 0).modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn colors_and_attributes_render() {
        let palette = TermPalette::dark();
        let pane = pane_with(
            2,
            16,
            b"\x1b[31mR\x1b[38;5;208mO\x1b[38;2;1;2;3mG\x1b[44mb\x1b[0m\
              \x1b[1mB\x1b[0m\x1b[3mI\x1b[0m\x1b[4mU\x1b[0m\x1b[7mV\x1b[0m\
              \x1b[9mS\x1b[0m\x1b[2mD\x1b[0m\x1b[2;31md\x1b[0m\x1b[8mH\x1b[0m\x1b[95mP",
        );
        let terminal = render(&pane, &palette, false, (16, 2));
        let want = [
            ("R", palette.ansi[1], palette.background, Modifier::empty()),
            (
                "O",
                Color::Indexed(208),
                palette.background,
                Modifier::empty(),
            ),
            (
                "G",
                Color::Rgb(1, 2, 3),
                palette.background,
                Modifier::empty(),
            ),
            ("b", Color::Rgb(1, 2, 3), palette.ansi[4], Modifier::empty()),
            ("B", palette.foreground, palette.background, Modifier::BOLD),
            (
                "I",
                palette.foreground,
                palette.background,
                Modifier::ITALIC,
            ),
            (
                "U",
                palette.foreground,
                palette.background,
                Modifier::UNDERLINED,
            ),
            (
                "V",
                palette.foreground,
                palette.background,
                Modifier::REVERSED,
            ),
            (
                "S",
                palette.foreground,
                palette.background,
                Modifier::CROSSED_OUT,
            ),
            (
                "D",
                palette.dim_foreground,
                palette.background,
                Modifier::empty(),
            ),
            ("d", palette.ansi[1], palette.background, Modifier::DIM),
            (
                "H",
                palette.foreground,
                palette.background,
                Modifier::HIDDEN,
            ),
            ("P", palette.ansi[13], palette.background, Modifier::empty()),
            (
                " ",
                palette.foreground,
                palette.background,
                Modifier::empty(),
            ),
        ];
        for (x, (symbol, fg, bg, modifier)) in want.into_iter().enumerate() {
            let cell = cell(&terminal, x as u16, 0);
            assert_eq!(cell.symbol(), symbol, "column {x}");
            assert_eq!(
                (cell.fg, cell.bg, cell.modifier),
                (fg, bg, modifier),
                "column {x} {symbol}"
            );
        }
        insta::assert_snapshot!(terminal.backend());
    }

    #[test]
    fn wide_characters_do_not_shift_the_line() {
        let pane = pane_with(2, 12, "a中b😀c|\r\n中中中中中中".as_bytes());
        let terminal = render(&pane, &TermPalette::dark(), false, (12, 2));
        let symbols: Vec<&str> = (0..7).map(|x| cell(&terminal, x, 0).symbol()).collect();
        assert_eq!(symbols, ["a", "中", " ", "b", "😀", " ", "c"]);
        assert_eq!(cell(&terminal, 7, 0).symbol(), "|");
        insta::assert_snapshot!(terminal.backend());
    }

    #[test]
    fn wide_character_cut_by_the_area_is_blanked() {
        let pane = pane_with(1, 6, "ab中".as_bytes());
        let terminal = render(&pane, &TermPalette::dark(), false, (3, 1));
        let symbols: Vec<&str> = (0..3).map(|x| cell(&terminal, x, 0).symbol()).collect();
        assert_eq!(symbols, ["a", "b", " "]);
    }

    #[test]
    fn cursor_is_a_reversed_cell_when_shown() {
        let reversed = |bytes: &[u8], show_cursor: bool, scroll: i32| {
            let mut pane = pane_with(3, 10, bytes);
            pane.scroll(scroll);
            let terminal = render(&pane, &TermPalette::dark(), show_cursor, (10, 3));
            let buffer = terminal.backend().buffer();
            buffer
                .content()
                .iter()
                .position(|c| c.modifier.contains(Modifier::REVERSED))
        };
        assert_eq!(reversed(b"ab", true, 0), Some(2));
        assert_eq!(reversed(b"ab\r\ncd", true, 0), Some(12));
        assert_eq!(reversed("a中".as_bytes(), true, 0), Some(3));
        assert_eq!(
            reversed(b"\x1b[7mab\x1b[D", true, 0),
            Some(0),
            "reversed text under the cursor flips back"
        );
        assert_eq!(reversed(b"ab", false, 0), None, "andon hides it");
        assert_eq!(
            reversed(b"ab\x1b[?25l", true, 0),
            None,
            "the child hides it"
        );
        // Scrolled back, the only reversed cells are the position in the top row.
        assert_eq!(
            reversed(b"1\r\n2\r\n3\r\n4\r\n5", true, 1),
            Some(5),
            "scrolled back: no cursor, the [1/2] position instead"
        );
    }

    #[test]
    fn smaller_area_clips_and_larger_area_fills_with_background() {
        let palette = TermPalette::dark();
        let pane = pane_with(3, 6, b"abcdef\r\nghijkl\r\nmnopqr");
        let small = render(&pane, &palette, false, (4, 2));
        insta::assert_snapshot!("clipped", small.backend());

        let large = render(&pane, &palette, false, (9, 5));
        insta::assert_snapshot!("filled", large.backend());
        for (x, y) in [(8, 0), (0, 4), (8, 4)] {
            let cell = cell(&large, x, y);
            assert_eq!(
                (cell.symbol(), cell.bg),
                (" ", palette.background),
                "({x}, {y})"
            );
        }
    }

    #[test]
    fn renders_at_an_offset_area_and_scroll_position() {
        let mut pane = pane_with(2, 6, b"one\r\ntwo\r\nthree");
        pane.scroll(1);
        let mut buffer = Buffer::empty(Rect::new(0, 0, 10, 4));
        PaneWidget {
            pane: &pane,
            palette: &TermPalette::dark(),
            show_cursor: true,
        }
        .render(Rect::new(2, 1, 6, 2), &mut buffer);
        let row = |y: u16| (0..10).map(|x| buffer[(x, y)].symbol()).collect::<String>();
        // The position overlays the area's top right: [1/1] on a six-column area.
        assert_eq!(
            [row(0), row(1), row(2), row(3)],
            ["          ", "  o[1/1]  ", "  two     ", "          "]
        );
    }

    #[test]
    fn no_control_character_reaches_the_buffer() {
        // A C1 CSI split across two reads gets past vte's ground-state filter; alacritty drops
        // it on input today, and the widget must not depend on that.
        let mut pane = pane_with(1, 8, b"a\xc2");
        pane.feed(b"\x9b31mb\x7f");
        let terminal = render(&pane, &TermPalette::dark(), false, (8, 1));
        let buffer = terminal.backend().buffer();
        assert!(buffer
            .content()
            .iter()
            .all(|c| !c.symbol().chars().any(char::is_control)));
        assert_eq!(pane.text(), "a31mb");

        let mut cell = TermCell {
            c: '\u{9b}',
            ..TermCell::default()
        };
        let mut target = ratatui::buffer::Cell::default();
        set_symbol(&mut target, &cell);
        assert_eq!(target.symbol(), " ");
        cell.c = 'e';
        cell.push_zerowidth('\u{301}');
        cell.push_zerowidth('\u{1b}');
        set_symbol(&mut target, &cell);
        assert_eq!(target.symbol(), "e\u{301}");
    }
}
