//! How fast a pane's emulator parses colored log output (the ceiling for a flooding agent),
//! at the demo's 200x50. Run: cargo bench --bench pane_feed

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::time::Instant;

use andon::term::Pane;

fn main() {
    let mut log = Vec::new();
    let mut i = 0u64;
    while log.len() < 50 * 1024 * 1024 {
        let c = 31 + i % 6;
        log.extend_from_slice(
            format!("\x1b[2m2026-11-21T12:{:02}:{:02}\x1b[0m \x1b[{c}mINFO\x1b[0m worker-{} processed request {i} in {}ms \x1b[1mstatus\x1b[0m=ok\r\n", i % 60, i % 59, i % 16, i % 999).as_bytes(),
        );
        i += 1;
    }
    for chunk in [4096usize, 65536] {
        let mut pane = Pane::new(50, 200, 2000, Box::new(|_| {}));
        let start = Instant::now();
        for part in log.chunks(chunk) {
            pane.feed(part);
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "pane_feed: {:.0} MB in {chunk}-byte chunks: {:.1} MB/s",
            log.len() as f64 / 1e6,
            log.len() as f64 / 1e6 / secs
        );
    }
}
