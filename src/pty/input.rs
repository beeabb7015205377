//! Bytes going into an agent's terminal: a writer thread behind a bounded queue, so a child
//! that stops reading can fill its own buffers but never block andon, and the encoding that
//! delivers a prompt literally through the terminal's line discipline.

use std::io::Write;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread;

use super::PtyError;

/// Chunks that may wait for a child that is not reading before writes are refused.
pub(crate) const QUEUE_CHUNKS: usize = 64;

/// Ctrl-D: ends a partial line, or signals end of input on an empty one.
const VEOF: u8 = 0x04;
/// Ctrl-V: the next byte is taken literally instead of as a control character.
const VLNEXT: u8 = 0x16;
/// Linux keeps at most 4095 bytes of one unfinished line and silently drops the rest, so a
/// long line is handed over in pieces (Ctrl-D mid-line delivers what is typed so far).
const LINE_PIECE: usize = 4000;

pub(crate) struct Input {
    queue: SyncSender<Vec<u8>>,
}

impl Input {
    /// Starts the writer thread. It ends when the [`Input`] is dropped or a write fails
    /// (the child side of the terminal is gone).
    pub fn start(mut writer: Box<dyn Write + Send>) -> Result<Self, PtyError> {
        let (queue, chunks) = mpsc::sync_channel::<Vec<u8>>(QUEUE_CHUNKS);
        thread::Builder::new()
            .name("andon-pty-writer".into())
            .spawn(move || {
                for chunk in chunks {
                    if writer
                        .write_all(&chunk)
                        .and_then(|()| writer.flush())
                        .is_err()
                    {
                        break;
                    }
                }
            })
            .map_err(|source| PtyError::Io {
                context: "cannot start the PTY writer thread",
                source,
            })?;
        Ok(Self { queue })
    }

    pub fn send(&self, bytes: Vec<u8>) -> Result<(), PtyError> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.queue.try_send(bytes).map_err(|err| match err {
            TrySendError::Full(_) => PtyError::InputBacklog {
                queued: QUEUE_CHUNKS,
            },
            TrySendError::Disconnected(_) => PtyError::Closed,
        })
    }
}

/// Encodes `data` to be typed into a terminal in its default (canonical) mode so that a
/// line-reading child receives exactly `data` followed by end of input: control bytes are
/// quoted with Ctrl-V (a Ctrl-C in a prompt must not interrupt the agent), long lines are
/// handed over in pieces, and the input ends with Ctrl-D on an empty line.
pub(crate) fn encode_stdin(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / LINE_PIECE + 4);
    let mut line = 0;
    for &byte in data {
        if byte == b'\n' {
            out.push(byte);
            line = 0;
            continue;
        }
        if line + 2 > LINE_PIECE {
            out.push(VEOF);
            line = 0;
        }
        if is_special(byte) {
            out.push(VLNEXT);
            line += 1;
        }
        out.push(byte);
        line += 1;
    }
    if line > 0 {
        // Deliver the unfinished last line; only the next Ctrl-D is end of input.
        out.push(VEOF);
    }
    out.push(VEOF);
    out
}

/// Bytes the line discipline would act on instead of passing through (interrupt, erase,
/// end of file, CR to NL translation, ...). Tab is harmless.
fn is_special(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') || byte == 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_encoding_is_literal_and_ends_with_eof() {
        let cases: [(&[u8], &[u8]); 6] = [
            (b"", b"\x04"),
            (b"hi\n", b"hi\n\x04"),
            (b"hi", b"hi\x04\x04"),
            (b"a\x03b\n", b"a\x16\x03b\n\x04"),
            (b"\r\x7f\x04\t\n", b"\x16\r\x16\x7f\x16\x04\t\n\x04"),
            (b"\n\n", b"\n\n\x04"),
        ];
        for (data, want) in cases {
            assert_eq!(encode_stdin(data), want, "{data:?}");
        }
    }

    #[test]
    fn long_lines_are_handed_over_in_pieces() {
        let encoded = encode_stdin(&[b'x'; 10_000]);
        let pieces: Vec<&[u8]> = encoded.split(|&b| b == VEOF).collect();
        // 10 000 bytes in pieces below the kernel's line limit, then the final EOF.
        assert!(pieces.iter().all(|p| p.len() < 4095));
        let payload: usize = pieces.iter().map(|p| p.len()).sum();
        assert_eq!(payload, 10_000);
        assert!(encoded.ends_with(&[VEOF, VEOF]));
    }
}
