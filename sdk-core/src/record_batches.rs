//! CSV split into records on a thread of its own, typed by the consumer.
//!
//! Splitting a CSV into fields (and checking its UTF-8) and typing the
//! fields overlap on two threads. Records travel in batches (one text
//! buffer each, `record_reader::Records`) that go back to the splitting
//! thread once consumed, so their buffers are reused and nothing is
//! allocated on one thread and freed on the other (glibc's allocator then
//! spends its time handing locks between threads).

use std::io::Read;

use crate::csv::{CsvError, RowDecoder};
use crate::record_reader::{RecordReader, Records};

/// Records per batch: each hand-over may wake the other thread (0.23 s
/// of futex wake-ups per GiB at 512 on a virtual machine); 512 also made
/// rows streamed from the network slower and the peak RSS higher.
const BATCH: usize = 2048;
/// Text per batch: a batch closes early when its records are long.
const BATCH_TEXT: usize = 1024 * 1024;
/// Batches in flight from the splitting thread; with the one being consumed
/// and the spares, at most `IN_FLIGHT + 3` batches exist at once.
pub(crate) const IN_FLIGHT: usize = 4;

/// Records read as text, not yet typed, and the error that ended the batch.
pub(crate) struct Batch {
    records: Records,
    failure: Option<CsvError>,
}

impl Batch {
    fn empty() -> Self {
        Self {
            records: Records::default(),
            failure: None,
        }
    }
}

/// The splitting thread's loop: fills batches from `reader` (reusing those
/// `spare` gives back) and hands each to `send`, until the data ends, an
/// error ends it, or `send` says the consumer is gone.
pub(crate) fn split<R: Read>(
    mut reader: RecordReader<R>,
    mut send: impl FnMut(Batch) -> bool,
    mut spare: impl FnMut() -> Option<Batch>,
) {
    loop {
        let mut batch = spare().unwrap_or_else(Batch::empty);
        batch.records.clear();
        batch.failure = None;
        let mut ended = false;
        while batch.records.len() < BATCH && batch.records.text_len() < BATCH_TEXT {
            match reader.read_into(&mut batch.records) {
                Ok(true) => {}
                Ok(false) => {
                    ended = true;
                    break;
                }
                Err(err) => {
                    // A broken stream would repeat its error forever; a bad
                    // record is reported and reading goes on.
                    ended = err.ends_reading();
                    batch.failure = Some(err.into_csv());
                    break;
                }
            }
        }
        let worth_sending = batch.records.len() > 0 || batch.failure.is_some();
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
        if *next < batch.records.len() {
            let record = batch.records.get(*next);
            *next += 1;
            return Some(decoder.decode(record));
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
