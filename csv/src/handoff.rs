//! Bytes read on the async runtime, handed to a blocking thread in large
//! pieces.
//!
//! A blocking reader that polls a response body itself (tokio's
//! `SyncIoBridge`) crosses threads once per network frame, a few KiB: on
//! 2 cores that doubled the CPU time of parsing rows from the network. Here
//! a task on the runtime gathers whatever has arrived, up to [`PIECE`], and
//! sends it through a bounded channel, so the blocking side wakes once per
//! piece and memory stays at most `PIECES` pieces. Pieces read go back to
//! the task to be filled again: a fresh 256 KiB buffer per piece was
//! mapped and unmapped by the allocator each time (a quarter of the system
//! time of streaming rows went to page faults).

use std::io::Read;

use bytes::BytesMut;
use futures::FutureExt;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest piece handed over at once.
pub const PIECE: usize = 256 * 1024;
/// Pieces in flight between the runtime and the blocking reader.
const PIECES: usize = 4;

/// What the runtime side sends: a piece, the end, or the read error.
type Message = std::io::Result<Option<BytesMut>>;

/// The blocking end: a [`Read`] over the pieces of an async source.
pub struct HandoffReader {
    receiver: tokio::sync::mpsc::Receiver<Message>,
    /// Pieces read, back to the task.
    spent: tokio::sync::mpsc::Sender<BytesMut>,
    current: BytesMut,
    /// Bytes of `current` already read.
    taken: usize,
    ended: bool,
}

/// Starts reading `input` on the current runtime; returns the blocking
/// reader of its bytes. Dropping the reader stops the reading task.
///
/// Must be called within a tokio runtime; the reader must be read outside
/// of it (e.g. in `spawn_blocking`).
pub fn handoff<R: AsyncRead + Send + Unpin + 'static>(mut input: R) -> HandoffReader {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Message>(PIECES);
    // One piece comes back for each taken: two spares are enough.
    let (spent, mut spares) = tokio::sync::mpsc::channel::<BytesMut>(2);
    tokio::spawn(async move {
        loop {
            let mut piece = match spares.try_recv() {
                Ok(mut spare) => {
                    spare.clear();
                    spare
                }
                Err(_) => BytesMut::with_capacity(PIECE),
            };
            // Wait for the first bytes, then take whatever else is already
            // there without waiting: a trickle is handed over as it comes.
            let first = input.read_buf(&mut piece).await;
            let mut outcome = first.map(|n| n > 0);
            while matches!(outcome, Ok(true)) && piece.len() < PIECE {
                match input.read_buf(&mut piece).now_or_never() {
                    None => break,
                    Some(Ok(0)) => {
                        outcome = Ok(false);
                        break;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(err)) => outcome = Err(err),
                }
            }
            if !piece.is_empty() && sender.send(Ok(Some(piece))).await.is_err() {
                return; // the reader is gone
            }
            match outcome {
                Ok(true) => {}
                Ok(false) => {
                    let _ = sender.send(Ok(None)).await;
                    return;
                }
                Err(err) => {
                    let _ = sender.send(Err(err)).await;
                    return;
                }
            }
        }
    });
    HandoffReader {
        receiver,
        spent,
        current: BytesMut::new(),
        taken: 0,
        ended: false,
    }
}

impl Read for HandoffReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.taken == self.current.len() {
            if self.ended {
                return Ok(0);
            }
            match self.receiver.blocking_recv() {
                Some(Ok(Some(piece))) => {
                    let spent = std::mem::replace(&mut self.current, piece);
                    self.taken = 0;
                    if spent.capacity() >= PIECE {
                        let _ = self.spent.try_send(spent);
                    }
                }
                Some(Ok(None)) => self.ended = true,
                Some(Err(err)) => return Err(err),
                // The task ended without saying so (its runtime shut down):
                // never take that for the end of the data.
                None => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the reading task stopped before the end of the data",
                    ));
                }
            }
        }
        let rest = &self.current[self.taken..];
        let n = buf.len().min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.taken += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_byte_arrives_in_order_and_errors_are_kept() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        // Small frames, as a network body arrives.
        let (mut writer, reader) = tokio::io::duplex(8 * 1024);
        let sent = data.clone();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for frame in sent.chunks(5_000) {
                writer.write_all(frame).await.unwrap();
            }
        });
        let mut handed = handoff(reader);
        let received = tokio::task::spawn_blocking(move || {
            let mut all = Vec::new();
            handed.read_to_end(&mut all).map(|_| all)
        })
        .await
        .unwrap()
        .unwrap();
        assert_eq!(received.len(), data.len());
        assert!(received == data);

        let failing = tokio_util::io::StreamReader::new(futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::other("connection reset")),
        ]));
        let mut handed = handoff(failing);
        let err = tokio::task::spawn_blocking(move || {
            let mut all = Vec::new();
            handed.read_to_end(&mut all).map(|_| all)
        })
        .await
        .unwrap()
        .unwrap_err();
        assert!(err.to_string().contains("connection reset"), "{err}");
    }
}
