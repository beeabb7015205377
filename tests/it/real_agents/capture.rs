//! tmux's `capture-pane -p -e -N` output read back into cells (character, foreground,
//! background, reverse video), to hold against andon's pane cell by cell.

use andon::term::CellColor;

pub const ROWS: u16 = 30;
pub const COLS: u16 = 100;

/// One cell as both sides report it: character, foreground, background, reverse video.
pub type Cell = (char, CellColor, CellColor, bool);
pub type Screen = Vec<Vec<Cell>>;

/// tmux's screen and, per row, how many columns capture-pane reported.
pub struct Captured {
    pub cells: Screen,
    pub reported: Vec<usize>,
}

/// `tmux capture-pane -p -e` output as cells: SGR state carries across lines; short lines
/// are padded with default blanks.
pub fn parse_capture(text: &str) -> Captured {
    let mut fg = CellColor::Default;
    let mut bg = CellColor::Default;
    let mut inverse = false;
    let mut screen = Vec::new();
    let mut reported = Vec::new();
    for line in text.split('\n').take(usize::from(ROWS)) {
        let mut row: Vec<Cell> = Vec::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' && chars.peek() == Some(&'[') {
                chars.next();
                let mut params = String::new();
                for p in chars.by_ref() {
                    if p == 'm' {
                        break;
                    }
                    params.push(p);
                }
                sgr(&params, &mut fg, &mut bg, &mut inverse);
                continue;
            }
            row.push((c, fg, bg, inverse));
            if wide(c) {
                row.push((' ', fg, bg, inverse));
            }
        }
        reported.push(row.len().min(usize::from(COLS)));
        row.resize(
            usize::from(COLS),
            (' ', CellColor::Default, CellColor::Default, false),
        );
        screen.push(row);
    }
    let blank = (' ', CellColor::Default, CellColor::Default, false);
    screen.resize(usize::from(ROWS), vec![blank; usize::from(COLS)]);
    reported.resize(usize::from(ROWS), 0);
    Captured {
        cells: screen,
        reported,
    }
}

/// Applies one SGR sequence's parameters (the ones tmux writes: colors, reverse, resets).
fn sgr(params: &str, fg: &mut CellColor, bg: &mut CellColor, inverse: &mut bool) {
    let nums: Vec<u16> = params
        .split([';', ':'])
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    let mut i = 0;
    while i < nums.len() {
        let n = nums[i];
        let extended = |i: &mut usize| -> CellColor {
            match nums.get(*i + 1) {
                Some(5) => {
                    *i += 2;
                    CellColor::Indexed(nums.get(*i).copied().unwrap_or(0) as u8)
                }
                Some(2) => {
                    *i += 4;
                    let c = |k: usize| nums.get(*i - 3 + k).copied().unwrap_or(0) as u8;
                    CellColor::Rgb(c(1), c(2), c(3))
                }
                _ => CellColor::Default,
            }
        };
        match n {
            0 => (*fg, *bg, *inverse) = (CellColor::Default, CellColor::Default, false),
            7 => *inverse = true,
            27 => *inverse = false,
            30..=37 => *fg = CellColor::Indexed((n - 30) as u8),
            90..=97 => *fg = CellColor::Indexed((n - 90 + 8) as u8),
            40..=47 => *bg = CellColor::Indexed((n - 40) as u8),
            100..=107 => *bg = CellColor::Indexed((n - 100 + 8) as u8),
            38 => *fg = extended(&mut i),
            48 => *bg = extended(&mut i),
            39 => *fg = CellColor::Default,
            49 => *bg = CellColor::Default,
            _ => {}
        }
        i += 1;
    }
}

/// `#rrggbb` of a palette color (the palette's default and background are RGB).
pub fn hex(color: ratatui::style::Color) -> String {
    match color {
        ratatui::style::Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        other => panic!("the default palette has RGB colors, not {other:?}"),
    }
}

/// East Asian wide and emoji code points: two columns.
fn wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD)
}
