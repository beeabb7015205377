//! The whole board in process, without tmux: keys go in, the controller turns them into
//! requests on a fake engine port, the fake's answers come back through the inbox, and each
//! frame is drawn into a test backend and compared with its snapshot. Covers stop, redirect
//! (typed into the note box), zoom and approve (review, merge, confirm, the screen closing on
//! the engine's answer).

use std::sync::Arc;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::*;
use crate::ui::keys::key_chord::KeyChord;
use crate::ui::keys::keymap::Keymap;
use crate::ui::port::fake::{view, FakePort};
use crate::ui::port::EnginePort;
use andon_core::state::{Lamp as LampState, State};

/// 2026-12-07 09:00 UTC: the fixed moment the board's clock stands at.
pub(crate) const T0: i64 = 1_796_634_000_000;

fn key(code: KeyCode) -> TermEvent {
    TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> TermEvent {
    key(KeyCode::Char(c))
}

fn ctrl(c: char) -> TermEvent {
    TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

struct Rig {
    board: Board,
    inbox: Inbox,
    port: Arc<FakePort>,
    terminal: Terminal<TestBackend>,
}

/// A board on `port`, its clock standing at [`T0`], with the default theme and keys and two
/// panes that already showed some output.
pub(crate) fn board_on(port: &Arc<FakePort>) -> (Board, Inbox) {
    let panes = PaneSet::new(Arc::new(|_: &str, _: Vec<u8>| {}), 100);
    let hook = panes.hook();
    hook(
        "fix-price",
        b"$ sh tests/test_price.sh\r\nFAIL: price 5 10 = -5, expected 0\r\n",
    );
    hook("add-tax", b"ok: 14 passed\r\n");
    let opts = BoardOptions {
        theme: Theme::builtin("default").expect("the default theme"),
        keymap: Keymap::default_keymap(KeyChord::ctrl('g')),
        repo: "shop".into(),
        panic_after: None,
        theme_source: None,
        supervised_by: None,
        desktop: None,
    };
    let engine: Port = Arc::clone(port) as Port;
    Board::new(engine, panes, opts, Clock::fixed(T0))
}

impl Rig {
    fn new() -> Rig {
        let port = Arc::new(FakePort::new(vec![
            view("add-tax", State::AwaitingApproval, LampState::Blue, 2, T0),
            view("fix-price", State::Running, LampState::Green, 3, T0),
        ]));
        let (board, inbox) = board_on(&port);
        let terminal = Terminal::new(TestBackend::new(100, 24)).expect("a test terminal");
        Rig {
            board,
            inbox,
            port,
            terminal,
        }
    }

    async fn keys(&mut self, keys: Vec<TermEvent>) {
        assert_eq!(self.board.on_input(keys).await, None);
    }

    /// The engine's answer to the last action, handed to the board as the event loop would.
    async fn answer(&mut self) {
        let answer = self.inbox.answers.recv().await.expect("an answer");
        self.board.on_answer(answer);
    }

    /// The engine's update for loop `name`, as it broadcasts one after every change.
    fn update(&mut self, name: &str) {
        let view = self
            .port
            .board()
            .into_iter()
            .find(|v| v.name == name)
            .expect("a loop of the fake engine");
        let update = crate::ui::port::Update {
            view,
            message: None,
            alert: None,
        };
        assert!(!self.board.on_update(&update), "no bell for {name}");
    }

    fn frame(&mut self) -> String {
        self.board
            .draw(&mut self.terminal)
            .unwrap_or_else(|e| match e {});
        crate::ui::views::snapshot_support::text(&self.terminal)
    }

    /// The requests since the last look, resizes left out.
    fn requests(&self, since: usize) -> Vec<String> {
        self.port.requests()[since..]
            .iter()
            .filter(|r| !r.starts_with("resize"))
            .cloned()
            .collect()
    }
}

#[tokio::test]
async fn keys_drive_the_whole_board_through_the_engine_port() {
    let mut rig = Rig::new();
    insta::assert_snapshot!("board_first_frame", rig.frame());
    // Drawing sized every visible pane's PTY, through the port.
    assert!(rig
        .port
        .requests()
        .iter()
        .any(|r| r.starts_with("resize fix-price ")));

    // Stop the loop to the right (fix-price): sent at once (a stop needs no "yes"), and the
    // engine's answer is said in the status line.
    let seen = rig.port.requests().len();
    rig.keys(vec![ch('l'), ch('s')]).await;
    rig.answer().await;
    assert_eq!(rig.requests(seen), ["act fix-price stop"]);
    insta::assert_snapshot!("board_stopped", rig.frame());

    // Redirect it with a note typed into the box.
    let seen = rig.port.requests().len();
    let mut typing = vec![ch('i')];
    typing.extend("use max(0, p - d)".chars().map(ch));
    rig.keys(typing).await;
    insta::assert_snapshot!("board_redirect_box", rig.frame());
    rig.keys(vec![ctrl('s')]).await;
    rig.answer().await;
    assert_eq!(
        rig.requests(seen),
        [r#"act fix-price redirect "use max(0, p - d)""#]
    );

    // Zoom the pane and back.
    rig.keys(vec![key(KeyCode::Enter)]).await;
    insta::assert_snapshot!("board_zoomed", rig.frame());
    rig.keys(vec![key(KeyCode::Enter)]).await;

    // Approve add-tax: its review, merge, the confirmation, and the engine's answer
    // closing the review.
    let seen = rig.port.requests().len();
    rig.keys(vec![ch('h'), ch('a')]).await;
    insta::assert_snapshot!("board_review", rig.frame());
    rig.keys(vec![ch('m')]).await;
    rig.keys(vec![ch('y')]).await;
    let event = rig
        .inbox
        .reviews
        .recv()
        .await
        .expect("the approval's answer");
    rig.board.on_review_event(event);
    rig.update("add-tax");
    assert_eq!(
        rig.requests(seen),
        [
            "review add-tax",
            "diff add-tax Cumulative",
            "act add-tax approve_squash Squash"
        ]
    );
    insta::assert_snapshot!("board_approved", rig.frame());
}

/// `r` on a loop the environment stopped twice asks for the hypothesis it needs, and sends the
/// resume with it; a loop stopped by a human resumes at once.
#[tokio::test]
async fn resume_after_the_environment_failed_asks_for_a_hypothesis() {
    let mut down = view("svc", State::Stopped, LampState::Red, 2, T0);
    down.state.stop = Some(andon_core::state::Stop {
        cause: andon_core::state::StopCause::Hypothesis,
        reason: "the environment failed 2 times (Connection refused)".into(),
        resume_to: None,
        frozen: false,
        human_hold: false,
    });
    let port = Arc::new(FakePort::new(vec![down]));
    let (mut board, mut inbox) = board_on(&port);
    let mut typing = vec![ch('r')];
    typing.extend("db was down".chars().map(ch));
    assert_eq!(board.on_input(typing).await, None);
    assert!(
        matches!(board.model.dialog, Some(Dialog::Hypothesis { .. })),
        "{:?}",
        board.model.dialog
    );
    assert!(port.requests().iter().all(|r| !r.starts_with("act")));
    assert_eq!(board.on_input(vec![ctrl('s')]).await, None);
    let answer = inbox.answers.recv().await.expect("an answer");
    board.on_answer(answer);
    let acts: Vec<String> = port
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("act"))
        .collect();
    assert_eq!(acts, [r#"act svc resume "db was down""#]);
}

/// On the Kaizen board, `a` asks which prevention to adopt; a typo keeps the box open and says
/// the fix, and what parses goes to the engine and shows at once.
#[tokio::test]
async fn the_kaizen_board_adopts_a_prevention() {
    let mut rig = Rig::new();
    let mut typing = vec![ch('K'), ch('a')];
    typing.extend("chek make lint".chars().map(ch));
    typing.push(ctrl('s'));
    rig.keys(typing).await;
    assert!(
        matches!(rig.board.model.dialog, Some(Dialog::Adopt { .. })),
        "a typo keeps the box open"
    );
    rig.answer().await;
    let said: Vec<&str> = rig
        .board
        .model
        .messages
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert!(
        said.iter()
            .any(|m| m.contains("`chek` is not a prevention")),
        "{said:?}"
    );
    // Fix the word: back to the start of the line, drop "chek", type "check".
    let mut fixing = vec![key(KeyCode::Home)];
    fixing.extend(std::iter::repeat_n(key(KeyCode::Delete), 4));
    fixing.extend("check".chars().map(ch));
    fixing.push(ctrl('s'));
    let seen = rig.port.requests().len();
    rig.keys(fixing).await;
    rig.answer().await;
    // Adopted, then the report read again: the board shows what the engine recorded.
    assert_eq!(
        rig.requests(seen),
        ["adopt 9f2c41d0 L2 check `make lint`", "kaizen"]
    );
    let frame = rig.frame();
    assert!(frame.contains("✓ L2 check `make"), "{frame}");
    insta::assert_snapshot!("kaizen_adopted", frame);
}
