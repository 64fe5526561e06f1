//! A download's body read by the reading thread itself.
//!
//! The reading thread polls the body's pieces (a plain
//! [`sdk_core::Body`], a `Stream` of [`Bytes`]) with the caller's runtime
//! entered, for the idle timeout's timer; no task or channel sits between.
//! hyper reads the next piece off the socket only when this one is taken,
//! so:
//! - a piece is dropped before the next is read, and hyper fills the same
//!   buffer again (a task reading ahead held every piece while hyper read
//!   the next into fresh memory: ~65,000 page faults per GiB of streamed
//!   rows against ~300–600 here, BENCHMARKS.md);
//! - the socket fills while a piece is split, so pieces are large (~400
//!   KiB, hyper's largest read) and the reading thread wakes once per
//!   piece.
//!
//! The record reader scans the pieces where they are
//! ([`Pieces`](crate::record_reader::Pieces)); a body whose bytes are gzip
//! is read as a [`Read`] into the decoder's buffer.
//!
//! The connection itself still runs on the caller's runtime, which must
//! keep running until the body is read.

use std::io::Read;
use std::pin::Pin;

use bytes::Bytes;
use futures::{Stream, StreamExt};

/// Pieces of a body, as the reading thread polls them.
pub(crate) type Pieces = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// A body's pieces, taken blocking; or a blocking [`Read`] of them.
pub(crate) struct BodyReader {
    runtime: tokio::runtime::Handle,
    pieces: Pieces,
    /// What is left of the piece being read.
    current: Bytes,
    ended: bool,
}

impl BodyReader {
    /// Reads `pieces` on whatever thread reads the reader, with `runtime`
    /// (the one the body's connection runs on) entered.
    pub(crate) fn new(runtime: tokio::runtime::Handle, pieces: Pieces) -> Self {
        Self {
            runtime,
            pieces,
            current: Bytes::new(),
            ended: false,
        }
    }
}

impl crate::record_reader::Pieces for BodyReader {
    fn next_piece(&mut self) -> std::io::Result<Option<Bytes>> {
        if !self.current.is_empty() {
            return Ok(Some(std::mem::take(&mut self.current)));
        }
        if self.ended {
            return Ok(None);
        }
        let _entered = self.runtime.enter();
        match futures::executor::block_on(self.pieces.next()) {
            Some(piece) => piece.map(Some),
            None => {
                self.ended = true;
                Ok(None)
            }
        }
    }

    fn unread(&mut self, piece: Bytes) {
        debug_assert!(self.current.is_empty(), "one piece given back at a time");
        self.current = piece;
    }
}

/// The pieces copied, for a reader that needs its bytes in a buffer of its
/// own (a gzip decoder).
impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        crate::record_reader::read_pieces(self, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Vec<u8> {
        (0..3_000_000u32).map(|i| (i % 251) as u8).collect()
    }

    /// Everything `reader` gives before it ends or fails, read on a thread
    /// outside the runtime, as the reading thread reads it.
    async fn read_until_error(mut reader: BodyReader) -> (Vec<u8>, std::io::Result<usize>) {
        let (done, result) = tokio::sync::oneshot::channel();
        // Not a blocking-pool thread: those have the runtime entered already.
        std::thread::spawn(move || {
            let mut all = Vec::new();
            let outcome = reader.read_to_end(&mut all);
            let _ = done.send((all, outcome));
        });
        result.await.unwrap()
    }

    fn reader(pieces: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static) -> BodyReader {
        BodyReader::new(tokio::runtime::Handle::current(), Box::pin(pieces))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_piece_arrives_in_order_and_errors_come_after_the_bytes_before_them() {
        let data = data();
        // Pieces of every size, empty ones included, some arriving only
        // after the runtime has run other work (a wake-up from the runtime).
        let sizes = [1, 0, 7, 4096, 300_000, 17, 65_536, 1];
        let pieces = crate::record_reader::Cut::new(&data, &sizes).into_pieces();
        let stream = futures::stream::iter(pieces.enumerate()).then(|(i, piece)| async move {
            if i % 5 == 0 {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            Ok(piece)
        });
        let (received, outcome) = read_until_error(reader(stream)).await;
        assert_eq!(outcome.unwrap(), data.len());
        assert!(received == data);

        let failing = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::other("connection reset")),
            Ok(Bytes::from_static(b"never read")),
        ]);
        let (before, outcome) = read_until_error(reader(failing)).await;
        let err = outcome.unwrap_err();
        assert!(err.to_string().contains("connection reset"), "{err}");
        assert_eq!(before, b"abc", "the bytes before the error are read first");
    }
}
