//! The pane emulator's input path on arbitrary child bytes (escape sequences, UTF-8 pieces,
//! queries), with a resize in between: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut pane = andon::term::Pane::new(24, 80, 200, Box::new(|_reply: Vec<u8>| {}));
    let (head, tail) = data.split_at(data.len() / 2);
    pane.feed(head);
    pane.resize(7, 13);
    pane.feed(tail);
});
