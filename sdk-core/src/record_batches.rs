//! CSV split into records on a thread of its own, typed by the consumer.
//!
//! Splitting a CSV into fields (and checking its UTF-8) costs about as much
//! as typing the fields; on two threads the two halves overlap. Records
//! travel in batches that go back to the splitting thread once consumed, so
//! their buffers are reused and nothing is allocated on one thread and freed
//! on the other (glibc's allocator then spends its time handing locks
//! between threads).

use std::io::Read;

use crate::csv::{CsvError, RowDecoder};

/// Records per batch.
const BATCH: usize = 512;
/// Batches in flight from the splitting thread; with the one being consumed
/// and the spares, at most `BATCH * (IN_FLIGHT + 3)` records exist at once.
pub(crate) const IN_FLIGHT: usize = 4;

/// Records read as text, not yet typed, and the error that ended the batch.
pub(crate) struct Batch {
    records: Vec<csv::StringRecord>,
    filled: usize,
    failure: Option<CsvError>,
}

impl Batch {
    fn empty() -> Self {
        Self {
            records: Vec::with_capacity(BATCH),
            filled: 0,
            failure: None,
        }
    }
}

/// The splitting thread's loop: fills batches from `reader` (reusing those
/// `spare` gives back) and hands each to `send`, until the data ends, an
/// I/O error ends it, or `send` says the consumer is gone.
pub(crate) fn split<R: Read>(
    mut reader: csv::Reader<R>,
    mut send: impl FnMut(Batch) -> bool,
    mut spare: impl FnMut() -> Option<Batch>,
) {
    loop {
        let mut batch = spare().unwrap_or_else(Batch::empty);
        batch.filled = 0;
        batch.failure = None;
        let mut ended = false;
        while batch.filled < BATCH {
            if batch.records.len() == batch.filled {
                batch.records.push(csv::StringRecord::new());
            }
            match reader.read_record(&mut batch.records[batch.filled]) {
                Ok(true) => batch.filled += 1,
                Ok(false) => {
                    ended = true;
                    break;
                }
                Err(err) => {
                    // A broken stream would repeat its error forever; a bad
                    // record is reported and reading goes on.
                    ended = matches!(err.kind(), csv::ErrorKind::Io(_));
                    batch.failure = Some(CsvError::from_csv(&err));
                    break;
                }
            }
        }
        let worth_sending = batch.filled > 0 || batch.failure.is_some();
        if (worth_sending && !send(batch)) || ended {
            return;
        }
    }
}

/// The consumer's place in the batch being typed.
#[derive(Default)]
pub(crate) struct Cursor {
    current: Option<(Batch, usize)>,
}

impl Cursor {
    /// The next row of the current batch, typed by `decoder`; `None` when
    /// the batch is used up (it is then given to `recycle`).
    pub(crate) fn next_row<D: RowDecoder>(
        &mut self,
        decoder: &mut D,
        recycle: impl FnOnce(Batch),
    ) -> Option<Result<D::Row, CsvError>> {
        let (batch, next) = self.current.as_mut()?;
        if *next < batch.filled {
            let record = &mut batch.records[*next];
            *next += 1;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            return Some(decoder.decode(record, line));
        }
        if let Some(failure) = batch.failure.take() {
            return Some(Err(failure));
        }
        if let Some((batch, _)) = self.current.take() {
            recycle(batch);
        }
        None
    }

    /// Starts on a new batch (the current one must be used up).
    pub(crate) fn start(&mut self, batch: Batch) {
        self.current = Some((batch, 0));
    }
}
