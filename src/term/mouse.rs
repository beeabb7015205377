//! Encoding mouse events for an attached pane, as the child asked through its mouse modes:
//! which events (`?1000`/`?1002`/`?1003`) and which encoding (SGR `?1006`, else X10).

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::{Modes, MouseMode};

const ESC: u8 = 0x1b;
/// X10 mouse coordinates travel as one byte offset by 32, so 223 is the last encodable cell.
const X10_MAX_COORD: u32 = 223;

/// A mouse event at host-screen cell `(ev.column, ev.row)` for a pane whose top-left cell is
/// at `origin = (column, row)`. `None` when the child did not ask for this kind of event, the
/// event lies left of or above the pane, or X10 encoding cannot express the position.
pub fn encode_mouse(ev: &MouseEvent, modes: &Modes, origin: (u16, u16)) -> Option<Vec<u8>> {
    let reported = match ev.kind {
        MouseEventKind::Down(_)
        | MouseEventKind::Up(_)
        | MouseEventKind::ScrollUp
        | MouseEventKind::ScrollDown
        | MouseEventKind::ScrollLeft
        | MouseEventKind::ScrollRight => modes.mouse != MouseMode::Off,
        MouseEventKind::Drag(_) => matches!(modes.mouse, MouseMode::Drag | MouseMode::Motion),
        MouseEventKind::Moved => modes.mouse == MouseMode::Motion,
    };
    if !reported {
        return None;
    }
    let column = u32::from(ev.column.checked_sub(origin.0)?) + 1;
    let row = u32::from(ev.row.checked_sub(origin.1)?) + 1;

    let button = |b: MouseButton| -> u32 {
        match b {
            MouseButton::Left => 0,
            MouseButton::Middle => 1,
            MouseButton::Right => 2,
        }
    };
    let (mut code, released) = match ev.kind {
        MouseEventKind::Down(b) => (button(b), false),
        MouseEventKind::Up(b) => (button(b), true),
        MouseEventKind::Drag(b) => (button(b) + 32, false),
        MouseEventKind::Moved => (3 + 32, false),
        MouseEventKind::ScrollUp => (64, false),
        MouseEventKind::ScrollDown => (65, false),
        MouseEventKind::ScrollLeft => (66, false),
        MouseEventKind::ScrollRight => (67, false),
    };
    if ev.modifiers.contains(KeyModifiers::SHIFT) {
        code += 4;
    }
    if ev.modifiers.contains(KeyModifiers::ALT) {
        code += 8;
    }
    if ev.modifiers.contains(KeyModifiers::CONTROL) {
        code += 16;
    }

    if modes.sgr_mouse {
        let end = if released { 'm' } else { 'M' };
        return Some(format!("\x1b[<{code};{column};{row}{end}").into_bytes());
    }
    if column > X10_MAX_COORD || row > X10_MAX_COORD {
        return None;
    }
    // X10 cannot say which button was released.
    let code = if released { 3 | (code & !3) } else { code };
    let byte = |v: u32| (v + 32) as u8;
    Some(vec![ESC, b'[', b'M', byte(code), byte(column), byte(row)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mouse_sgr_x10_and_off() {
        let ev =
            |kind: MouseEventKind, column: u16, row: u16, modifiers: KeyModifiers| MouseEvent {
                kind,
                column,
                row,
                modifiers,
            };
        let none = KeyModifiers::NONE;
        let modes = |mouse: MouseMode, sgr_mouse: bool| Modes {
            mouse,
            sgr_mouse,
            ..Modes::default()
        };
        let origin = (10, 5);
        let left = MouseButton::Left;
        let cases: Vec<(MouseEvent, Modes, Option<&[u8]>)> = vec![
            (
                ev(MouseEventKind::Down(left), 10, 5, none),
                modes(MouseMode::Off, true),
                None,
            ),
            (
                ev(MouseEventKind::Down(left), 10, 5, none),
                modes(MouseMode::Click, true),
                Some(b"\x1b[<0;1;1M"),
            ),
            (
                ev(MouseEventKind::Up(left), 12, 7, none),
                modes(MouseMode::Click, true),
                Some(b"\x1b[<0;3;3m"),
            ),
            (
                ev(
                    MouseEventKind::Down(MouseButton::Right),
                    14,
                    6,
                    KeyModifiers::CONTROL,
                ),
                modes(MouseMode::Click, true),
                Some(b"\x1b[<18;5;2M"),
            ),
            (
                ev(MouseEventKind::ScrollUp, 10, 5, none),
                modes(MouseMode::Click, true),
                Some(b"\x1b[<64;1;1M"),
            ),
            (
                ev(MouseEventKind::ScrollDown, 10, 5, none),
                modes(MouseMode::Click, false),
                Some(b"\x1b[Ma!!"),
            ),
            (
                ev(MouseEventKind::Drag(left), 11, 5, none),
                modes(MouseMode::Click, true),
                None,
            ),
            (
                ev(MouseEventKind::Drag(left), 11, 5, none),
                modes(MouseMode::Drag, true),
                Some(b"\x1b[<32;2;1M"),
            ),
            (
                ev(MouseEventKind::Moved, 11, 5, none),
                modes(MouseMode::Drag, true),
                None,
            ),
            (
                ev(MouseEventKind::Moved, 11, 5, none),
                modes(MouseMode::Motion, true),
                Some(b"\x1b[<35;2;1M"),
            ),
            (
                ev(MouseEventKind::Down(left), 10, 5, none),
                modes(MouseMode::Click, false),
                Some(b"\x1b[M !!"),
            ),
            (
                ev(MouseEventKind::Up(MouseButton::Middle), 11, 6, none),
                modes(MouseMode::Click, false),
                Some(b"\x1b[M#\"\""),
            ),
            (
                ev(MouseEventKind::Down(left), 9, 5, none),
                modes(MouseMode::Click, true),
                None,
            ),
            (
                ev(MouseEventKind::Down(left), 10 + 222, 5, none),
                modes(MouseMode::Click, false),
                Some(b"\x1b[M \xff!"),
            ),
            (
                ev(MouseEventKind::Down(left), 10 + 223, 5, none),
                modes(MouseMode::Click, false),
                None,
            ),
            (
                ev(MouseEventKind::Down(left), 10 + 300, 5, none),
                modes(MouseMode::Click, true),
                Some(b"\x1b[<0;301;1M"),
            ),
        ];
        for (event, modes, want) in cases {
            assert_eq!(
                encode_mouse(&event, &modes, origin).as_deref(),
                want,
                "{event:?} {modes:?}"
            );
        }
    }
}
