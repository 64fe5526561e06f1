//! Bytes read on the async runtime, handed to a blocking thread in large
//! pieces.
//!
//! A blocking reader that polls a response body itself (tokio's
//! `SyncIoBridge`) crosses threads once per network frame, a few KiB: on
//! 2 cores that doubled the CPU time of parsing rows from the network. Here
//! a task on the runtime gathers whatever has arrived, up to [`PIECE`], and
//! sends it through a bounded channel, so the blocking side wakes once per
//! [`PIECE`] and memory stays at most `PIECES` of them.
//!
//! The reader is read into buffers that go back to the task once read: a
//! fresh 256 KiB buffer per piece was mapped and unmapped by the allocator
//! each time (a quarter of the system time of streaming rows went to page
//! faults). A download's plain body needs no task: the reading thread reads
//! its pieces itself ([`crate::body_reader`]).

use std::collections::VecDeque;
use std::io::Read;

use bytes::{Buf, Bytes, BytesMut};
use futures::{FutureExt, Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes gathered into one hand-over.
pub const PIECE: usize = 256 * 1024;
/// Hand-overs in flight between the runtime and the blocking reader.
const PIECES: usize = 4;

/// What the runtime side sends: pieces, the end, or the read error.
type Message = std::io::Result<Option<Vec<Bytes>>>;

/// The blocking end: a [`Read`] over the pieces of an async source.
pub struct HandoffReader {
    receiver: tokio::sync::mpsc::Receiver<Message>,
    /// Read buffers back to the task.
    spent: tokio::sync::mpsc::Sender<BytesMut>,
    current: VecDeque<Bytes>,
    ended: bool,
}

/// Starts reading `reader` on the current runtime; returns the blocking
/// reader of its bytes. Dropping the reader stops the reading task.
///
/// Must be called within a tokio runtime; the reader must be read outside
/// of it (e.g. in `spawn_blocking`).
pub(crate) fn handoff(reader: Box<dyn AsyncRead + Send + Unpin>) -> HandoffReader {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Message>(PIECES);
    // One buffer comes back for each read: two spares are enough.
    let (spent, spares) = tokio::sync::mpsc::channel::<BytesMut>(2);
    tokio::spawn(forward(read_pieces(reader, spares), sender));
    HandoffReader {
        receiver,
        spent,
        current: VecDeque::new(),
        ended: false,
    }
}

/// Sends `input`'s pieces: waits for the first, then takes whatever else
/// has already arrived, up to [`PIECE`], so a trickle is handed over as it
/// comes and a flood in few hand-overs.
async fn forward(
    mut input: impl Stream<Item = std::io::Result<Bytes>> + Unpin,
    sender: tokio::sync::mpsc::Sender<Message>,
) {
    loop {
        let mut gathered = Vec::new();
        let mut size = 0;
        let mut outcome = match input.next().await {
            Some(Ok(piece)) => {
                size += piece.len();
                gathered.push(piece);
                Ok(true)
            }
            None => Ok(false),
            Some(Err(err)) => Err(err),
        };
        while matches!(outcome, Ok(true)) && size < PIECE {
            match input.next().now_or_never() {
                None => break,
                Some(None) => outcome = Ok(false),
                Some(Some(Ok(piece))) => {
                    size += piece.len();
                    gathered.push(piece);
                }
                Some(Some(Err(err))) => outcome = Err(err),
            }
        }
        if size > 0 && sender.send(Ok(Some(gathered))).await.is_err() {
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
}

/// `reader` as pieces of up to [`PIECE`], each read into a spare buffer
/// when one has come back. A read error comes after the bytes read before
/// it.
fn read_pieces(
    reader: Box<dyn AsyncRead + Send + Unpin>,
    spares: tokio::sync::mpsc::Receiver<BytesMut>,
) -> impl Stream<Item = std::io::Result<Bytes>> + Unpin {
    /// The reader, its spare buffers, and an error to give after the piece
    /// that was read before it.
    type State = (
        Box<dyn AsyncRead + Send + Unpin>,
        tokio::sync::mpsc::Receiver<BytesMut>,
        Option<std::io::Error>,
    );
    Box::pin(futures::stream::unfold(
        (reader, spares, None),
        |(mut reader, mut spares, failed): State| async move {
            if let Some(err) = failed {
                return Some((Err(err), (reader, spares, None)));
            }
            let mut piece = match spares.try_recv() {
                Ok(mut spare) => {
                    spare.clear();
                    spare
                }
                Err(_) => BytesMut::with_capacity(PIECE),
            };
            // Whatever is already there beyond the first bytes, up to PIECE.
            let mut read = reader.read_buf(&mut piece).await;
            while matches!(read, Ok(n) if n > 0) && piece.len() < PIECE {
                match reader.read_buf(&mut piece).now_or_never() {
                    None | Some(Ok(0)) => break,
                    Some(Ok(_)) => {}
                    Some(Err(err)) => read = Err(err),
                }
            }
            match read {
                Err(err) if piece.is_empty() => Some((Err(err), (reader, spares, None))),
                Err(err) => Some((Ok(piece.freeze()), (reader, spares, Some(err)))),
                Ok(_) if piece.is_empty() => None,
                Ok(_) => Some((Ok(piece.freeze()), (reader, spares, None))),
            }
        },
    ))
}

impl HandoffReader {
    /// Gives a piece read to the end back to the task, when it is a buffer
    /// the task can fill again.
    fn recycle(&self, piece: Bytes) {
        if let Ok(buffer) = piece.try_into_mut()
            && buffer.capacity() >= PIECE
        {
            let _ = self.spent.try_send(buffer);
        }
    }
}

impl Read for HandoffReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.current.front_mut() {
                Some(piece) if !piece.is_empty() => {
                    let n = buf.len().min(piece.len());
                    buf[..n].copy_from_slice(&piece[..n]);
                    piece.advance(n);
                    return Ok(n);
                }
                Some(_) => {
                    if let Some(piece) = self.current.pop_front() {
                        self.recycle(piece);
                    }
                    continue;
                }
                None if self.ended => return Ok(0),
                None => {}
            }
            match self.receiver.blocking_recv() {
                Some(Ok(Some(pieces))) => self.current.extend(pieces),
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything `handed` gives, read on a blocking thread.
    async fn read_all(handed: HandoffReader) -> std::io::Result<Vec<u8>> {
        let (all, outcome) = read_until_error(handed).await;
        outcome.map(|_| all)
    }

    /// The bytes `handed` gives before it ends or fails, and how it ended.
    async fn read_until_error(mut handed: HandoffReader) -> (Vec<u8>, std::io::Result<usize>) {
        tokio::task::spawn_blocking(move || {
            let mut all = Vec::new();
            let outcome = handed.read_to_end(&mut all);
            (all, outcome)
        })
        .await
        .unwrap()
    }

    fn data() -> Vec<u8> {
        (0..3_000_000u32).map(|i| (i % 251) as u8).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_byte_of_a_reader_arrives_in_order_and_errors_are_kept() {
        let data = data();
        // Small frames, as a network body arrives.
        let (mut writer, reader) = tokio::io::duplex(8 * 1024);
        let sent = data.clone();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for frame in sent.chunks(5_000) {
                writer.write_all(frame).await.unwrap();
            }
        });
        let received = read_all(handoff(Box::new(reader))).await.unwrap();
        assert_eq!(received.len(), data.len());
        assert!(received == data);

        let failing = tokio_util::io::StreamReader::new(futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::other("connection reset")),
        ]));
        let (before, outcome) = read_until_error(handoff(Box::new(failing))).await;
        let err = outcome.unwrap_err();
        assert!(err.to_string().contains("connection reset"), "{err}");
        assert_eq!(before, b"abc", "the bytes before the error are read first");
    }
}
