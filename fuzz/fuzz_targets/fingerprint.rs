//! The fingerprint normalizer on arbitrary check output: stable, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let first = andon_core::failure::fingerprint::fingerprint(&text);
    // Deterministic: the same output always gives the same fingerprint.
    assert_eq!(first, andon_core::failure::fingerprint::fingerprint(&text));
    let _ = andon_core::failure::fingerprint::normalize(&text);
});
