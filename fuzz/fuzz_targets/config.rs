//! The andon.toml parser on arbitrary text: an error with a line and a fix, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = andon::config::parse_layer(std::path::Path::new("andon.toml"), &text);
});
