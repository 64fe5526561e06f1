//! Parquet encoded on a thread of its own while the runtime uploads it.
//!
//! `parquet`'s `AsyncArrowWriter` encodes and compresses inside `write`, on
//! the runtime's thread. The CLI runs on one thread, which also runs the
//! body's connection, so while a row group was being encoded nothing was
//! read off the network. Here a blocking thread encodes into chunks sent
//! through a bounded channel; the runtime only moves them to the upload.

use std::io::Write;
use std::path::PathBuf;

use docker_data_csv::columnar::{Batches, ConvertError, encode_parquet};
use object_store::buffered::BufWriter;
use parquet::file::properties::WriterProperties;
use sdk_core::Result;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::sync::upload_error;

/// Bytes of one chunk handed to the upload.
const CHUNK: usize = 1024 * 1024;
/// Chunks between the encoder and the upload: memory stays bounded while
/// the store is slower than the encoder.
const CHUNKS_IN_FLIGHT: usize = 4;

/// What was written.
pub(crate) struct Encoded {
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
}

/// Encodes `batches` as Parquet with `properties` and writes the file's
/// bytes to `upload`, which is left for the caller to complete or abort.
/// `shown` names the object in errors.
pub(crate) async fn encode_into(
    batches: Batches,
    properties: WriterProperties,
    upload: &mut BufWriter,
    shown: &str,
) -> Result<Encoded> {
    let (sender, mut chunks) = mpsc::channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
    let target = PathBuf::from(shown);
    let encoder = tokio::task::spawn_blocking(move || {
        let out = Chunks {
            pending: Vec::with_capacity(CHUNK),
            sender,
            sent: 0,
        };
        let (rows, mut out) = encode_parquet(batches, properties, out, &target)?;
        out.finish().map_err(|source| ConvertError::Write {
            path: target,
            source,
        })?;
        Ok(Encoded {
            rows,
            bytes: out.sent,
        })
    });
    let mut uploaded = Ok(());
    while let Some(chunk) = chunks.recv().await {
        if let Err(err) = upload.write_all(&chunk).await {
            uploaded = Err(upload_error(shown, err));
            break;
        }
    }
    // A failed upload stops the encoder at its next chunk.
    drop(chunks);
    let encoded = encoder.await.unwrap_or_else(|join| {
        Err(ConvertError::Write {
            path: PathBuf::from(shown),
            source: std::io::Error::other(join.to_string()),
        })
    });
    uploaded?;
    match encoded {
        Ok(encoded) => Ok(encoded),
        Err(ConvertError::Write { source, .. }) => Err(upload_error(shown, source)),
        // An error of the source (the CSV, the network).
        Err(err) => Err(err.into()),
    }
}

/// The encoder's output: bytes gathered into chunks of [`CHUNK`] and sent
/// to the upload.
struct Chunks {
    pending: Vec<u8>,
    sender: mpsc::Sender<Vec<u8>>,
    sent: u64,
}

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
        self.sent += chunk.len() as u64;
        self.sender
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the upload stopped"))
    }

    /// Sends what is left.
    fn finish(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

impl Write for Chunks {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }

    /// Nothing: the writer flushes after every page, and chunks stay whole;
    /// [`Chunks::finish`] sends the rest.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
