//! Where panes go: the board's grid, its pages, and the agent's screen inside a pane.
//!
//! Pure geometry on `Rect`s so the app can size each PTY before anything is drawn.

use ratatui::layout::Rect;

/// Panes on one page of the board; more loops than this are paged.
pub const PER_PAGE: usize = 16;

/// How many pages `n` loops fill (at least one, so an empty board is "page 1/1").
pub fn pages(n: usize) -> usize {
    n.div_ceil(PER_PAGE).max(1)
}

/// The loop indices shown on `page` (clamped to the last page).
pub fn page_range(n: usize, page: usize) -> std::ops::Range<usize> {
    let page = page.min(pages(n) - 1);
    let start = page * PER_PAGE;
    start..n.min(start + PER_PAGE)
}

/// Columns and rows for `n` panes: the smallest near-square grid, one more column than row
/// when it cannot be square, because terminal cells are about twice as tall as wide.
fn shape(n: usize) -> (usize, usize) {
    let mut cols = 1;
    while cols * cols < n {
        cols += 1;
    }
    (cols, n.div_ceil(cols))
}

/// Splits `len` cells into `parts` runs differing by at most one cell, larger runs first.
fn split(start: u16, len: u16, parts: usize) -> impl Iterator<Item = (u16, u16)> {
    let parts_u16 = u16::try_from(parts.max(1)).unwrap_or(u16::MAX);
    let (base, extra) = (len / parts_u16, len % parts_u16);
    let mut at = start;
    (0..parts_u16).map(move |i| {
        let size = base + u16::from(i < extra);
        let run = (at, size);
        at += size;
        run
    })
}

/// Rects of `n` panes filling `area` row by row, each including its border and title line.
///
/// 1: the whole area; 2: side by side; 3-4: 2x2; 5-6: 3x2; 7-9: 3x3; 10-12: 4x3; 13-16: 4x4.
/// A short last row shares its width among its panes instead of leaving a hole, as tmux's
/// tiled layout does.
pub fn grid(area: Rect, n: usize) -> Vec<Rect> {
    if n == 0 {
        return Vec::new();
    }
    let (cols, rows) = shape(n);
    let mut rects = Vec::with_capacity(n);
    for (row, (y, height)) in split(area.y, area.height, rows).enumerate() {
        let in_row = cols.min(n - row * cols);
        for (x, width) in split(area.x, area.width, in_row) {
            rects.push(Rect::new(x, y, width, height));
        }
    }
    rects
}

/// Where the agent's screen goes in a pane rect: inside its border, whose top line carries
/// the title line and bottom line the iteration strip. The app resizes the PTY to this.
pub fn pane_inner(rect: Rect) -> Rect {
    Rect::new(
        rect.x.saturating_add(1),
        rect.y.saturating_add(1),
        rect.width.saturating_sub(2),
        rect.height.saturating_sub(2),
    )
}

/// A direction to move the selection on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

/// The pane next to `from` in `direction`, by geometry so uneven last rows behave: the
/// nearest pane whose span overlaps on the other axis, else `from` itself.
pub fn neighbour(rects: &[Rect], from: usize, direction: Direction) -> usize {
    let Some(origin) = rects.get(from) else {
        return from;
    };
    let center = |r: &Rect| {
        (
            i32::from(r.x) * 2 + i32::from(r.width),
            i32::from(r.y) * 2 + i32::from(r.height),
        )
    };
    let (ox, oy) = center(origin);
    rects
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != from)
        .filter_map(|(i, r)| {
            let (x, y) = center(r);
            let overlaps_x = r.x < origin.right() && origin.x < r.right();
            let overlaps_y = r.y < origin.bottom() && origin.y < r.bottom();
            let (ahead, along, across) = match direction {
                Direction::Left => (x < ox && overlaps_y, ox - x, (oy - y).abs()),
                Direction::Right => (x > ox && overlaps_y, x - ox, (oy - y).abs()),
                Direction::Up => (y < oy && overlaps_x, oy - y, (ox - x).abs()),
                Direction::Down => (y > oy && overlaps_x, y - oy, (ox - x).abs()),
            };
            ahead.then_some(((along, across, i), i))
        })
        .min()
        .map_or(from, |(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_shapes_follow_the_table() {
        let cases = [
            (1, (1, 1)),
            (2, (2, 1)),
            (3, (2, 2)),
            (4, (2, 2)),
            (5, (3, 2)),
            (6, (3, 2)),
            (7, (3, 3)),
            (9, (3, 3)),
            (10, (4, 3)),
            (12, (4, 3)),
            (13, (4, 4)),
            (16, (4, 4)),
        ];
        for (n, expected) in cases {
            assert_eq!(shape(n), expected, "{n} panes");
        }
    }

    #[test]
    fn grid_tiles_the_area_without_overlap_for_1_to_16() {
        for area in [Rect::new(0, 0, 80, 24), Rect::new(3, 2, 120, 39)] {
            for n in 1..=PER_PAGE {
                let rects = grid(area, n);
                assert_eq!(rects.len(), n);
                for (i, r) in rects.iter().enumerate() {
                    assert!(
                        r.width >= 3 && r.height >= 3,
                        "{n}: pane {i} too small: {r:?}"
                    );
                    assert!(
                        !pane_inner(*r).is_empty(),
                        "{n}: pane {i} has no inner area"
                    );
                    assert_eq!(area.intersection(*r), *r, "{n}: pane {i} outside {area:?}");
                    for (j, other) in rects.iter().enumerate().skip(i + 1) {
                        assert!(!r.intersects(*other), "{n}: panes {i} and {j} overlap");
                    }
                }
                let covered: u32 = rects.iter().map(|r| r.area()).sum();
                assert_eq!(covered, area.area(), "{n}: panes leave a hole");
            }
        }
        assert!(grid(Rect::new(0, 0, 80, 24), 0).is_empty());
    }

    #[test]
    fn wide_panes_are_favoured_and_a_short_last_row_is_filled() {
        let area = Rect::new(0, 0, 120, 40);
        assert_eq!(
            grid(area, 2),
            vec![Rect::new(0, 0, 60, 40), Rect::new(60, 0, 60, 40)]
        );
        let three = grid(area, 3);
        assert_eq!(three[2], Rect::new(0, 20, 120, 20));
        let eleven = grid(Rect::new(0, 0, 81, 24), 11);
        assert_eq!(eleven[0], Rect::new(0, 0, 21, 8));
        assert_eq!(eleven[10], Rect::new(54, 16, 27, 8));
    }

    #[test]
    fn pane_inner_sits_inside_the_border() {
        assert_eq!(
            pane_inner(Rect::new(10, 5, 40, 12)),
            Rect::new(11, 6, 38, 10)
        );
        assert!(pane_inner(Rect::new(0, 0, 1, 1)).is_empty());
    }

    #[test]
    fn pages_and_ranges() {
        let cases = [
            (0, 0, 1, 0..0),
            (16, 0, 1, 0..16),
            (17, 0, 2, 0..16),
            (17, 1, 2, 16..17),
            (40, 9, 3, 32..40),
        ];
        for (n, page, expected_pages, range) in cases {
            assert_eq!(pages(n), expected_pages, "{n}");
            assert_eq!(page_range(n, page), range, "{n} page {page}");
        }
    }

    #[test]
    fn neighbours_follow_geometry() {
        // 3 panes: two on top, one wide below.
        let rects = grid(Rect::new(0, 0, 120, 40), 3);
        let cases = [
            (0, Direction::Right, 1),
            (1, Direction::Left, 0),
            (0, Direction::Left, 0),
            (0, Direction::Down, 2),
            (1, Direction::Down, 2),
            (2, Direction::Up, 0),
            (2, Direction::Down, 2),
        ];
        for (from, direction, expected) in cases {
            assert_eq!(
                neighbour(&rects, from, direction),
                expected,
                "{from} {direction:?}"
            );
        }
        let nine = grid(Rect::new(0, 0, 120, 40), 9);
        assert_eq!(neighbour(&nine, 4, Direction::Up), 1);
        assert_eq!(neighbour(&nine, 4, Direction::Right), 5);
        assert_eq!(neighbour(&nine, 4, Direction::Down), 7);
    }
}
