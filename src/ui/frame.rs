//! Drawing one frame of the board: synchronized output around the views, each visible pane's
//! emulator drawn into its rect, and the PTYs resized to the panes as the layout moves.

use crate::engine::supervisor::Supervisor;
use crate::term::PaneWidget;
use crate::ui::app::BoardOptions;
use crate::ui::model::BoardModel;
use crate::ui::panes::PaneSet;
use crate::ui::terminal::Tui;
use crate::ui::views;

#[allow(clippy::too_many_arguments)]
/// Draw one frame; returns where the selected pane's screen starts (for attached mouse input).
pub fn draw(
    terminal: &mut Tui,
    model: &BoardModel,
    opts: &BoardOptions,
    palette: &crate::term::TermPalette,
    panes: &PaneSet,
    sup: &Supervisor,
    attached: Option<String>,
) -> (u16, u16) {
    let mut origin = (0, 0);
    let mut out = std::io::stdout();
    let _ = crossterm::queue!(out, crossterm::terminal::BeginSynchronizedUpdate);
    let _ = terminal.draw(|frame| {
        views::draw(
            frame,
            model,
            &opts.theme,
            &opts.keymap,
            &mut |i, inner, buf| {
                let Some(c) = model.loops.get(i) else { return };
                if i == model.selected {
                    origin = (inner.x, inner.y);
                }
                // The PTY follows the pane: the agent always sees the size it is drawn at.
                if inner.width > 0 && inner.height > 0 {
                    panes.resize(&c.name, inner.height, inner.width);
                    sup.shared()
                        .set_pane_size(&c.name, inner.height, inner.width);
                }
                let pane = panes.pane(&c.name);
                let Ok(p) = pane.lock() else { return };
                let show_cursor = attached.as_deref() == Some(c.name.as_str());
                ratatui::widgets::Widget::render(
                    PaneWidget {
                        pane: &p,
                        palette,
                        show_cursor,
                    },
                    inner,
                    buf,
                );
            },
        );
    });
    let _ = crossterm::execute!(out, crossterm::terminal::EndSynchronizedUpdate);
    origin
}
