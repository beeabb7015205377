//! A terminal event on the board: keys, pastes, mouse and focus either go to the attached
//! agent, encoded as it asked, or become the board's own actions.

use crossterm::event::{Event as TermEvent, KeyEventKind, MouseEventKind};

use crate::term::{encode_focus, encode_key, encode_mouse, encode_paste};
use crate::ui::board::model::BoardModel;
use crate::ui::board::panes::PaneSet;
use crate::ui::keys::controller::Controller;

pub async fn on_terminal_event(
    ev: TermEvent,
    ctl: &mut Controller,
    model: &mut BoardModel,
    panes: &PaneSet,
) -> Option<i32> {
    let attached = ctl.attached_name(model);
    match ev {
        TermEvent::Key(key) if key.kind != KeyEventKind::Release => {
            if let Some(name) = &attached {
                if !ctl.is_escape(&key) {
                    // Typing into a pane scrolled back into history shows the live screen again.
                    let modes = match panes.pane(name).lock() {
                        Ok(mut p) => {
                            p.scroll_to_bottom();
                            p.modes()
                        }
                        Err(_) => return None,
                    };
                    if let Some(bytes) = encode_key(&key, &modes) {
                        ctl.write(name, bytes);
                    }
                    return None;
                }
            }
            ctl.on_key(key, model, panes).await;
        }
        TermEvent::Paste(text) => match &attached {
            Some(name) => {
                let modes = panes.modes(name);
                ctl.write(name, encode_paste(&text, &modes));
            }
            None => ctl.on_paste(&text, model),
        },
        TermEvent::Mouse(m) => {
            if let Some(name) = &attached {
                let modes = panes.modes(name);
                if let Some(bytes) = encode_mouse(&m, &modes, ctl.attached_origin()) {
                    // A click may choose for the agent; scrolling and moving only look.
                    if matches!(m.kind, MouseEventKind::Down(_)) {
                        ctl.write(name, bytes);
                    } else {
                        ctl.write_unaudited(name, bytes);
                    }
                    return None;
                }
            }
            let lines = match m.kind {
                MouseEventKind::ScrollUp => 3,
                MouseEventKind::ScrollDown => -3,
                _ => 0,
            };
            if lines != 0 && ctl.on_wheel(model, lines < 0) {
                return None;
            }
            if lines != 0 {
                // The wheel scrolls the pane under the pointer (else the selected one).
                let under = crate::ui::views::pane_areas(ctl.area(), model)
                    .into_iter()
                    .find(|(_, r)| r.contains(ratatui::layout::Position::new(m.column, m.row)))
                    .map(|(i, _)| i);
                let target = under.or(model.selected_loop().map(|(i, _)| i));
                if let Some(c) = target.and_then(|i| model.loops.get(i)) {
                    if let Ok(mut p) = panes.pane(&c.name).lock() {
                        p.scroll(lines);
                    }
                }
            }
        }
        TermEvent::FocusGained | TermEvent::FocusLost => {
            if let Some(name) = &attached {
                let modes = panes.modes(name);
                if let Some(bytes) = encode_focus(matches!(ev, TermEvent::FocusGained), &modes) {
                    ctl.write_unaudited(name, bytes);
                }
            }
        }
        _ => {}
    }
    None
}
