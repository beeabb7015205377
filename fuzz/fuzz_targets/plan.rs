//! The plan parser on arbitrary text: an error with a line and a fix, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = andon_core::plan::parse_plan(std::path::Path::new("plans/fuzz.md"), &text);
});
