//! CSV split into records on a thread of its own, typed by the consumer
//! (or, in `typed_batches.rs`, by either thread).
//!
//! Splitting a CSV into fields (and checking its UTF-8) and typing the
//! fields overlap on two threads. Records travel in batches (one text
//! buffer each, `record_reader::Records`) that go back to the splitting
//! thread once consumed, so their buffers are reused and nothing is
//! allocated on one thread and freed on the other (glibc's allocator then
//! spends its time handing locks between threads).

use std::io::Read;

use crate::record_reader::{RecordReader, Records};
use crate::{CsvError, MakeDecoder, RowDecoder, open_csv};

/// Records per batch: each hand-over may wake the other thread (0.23 s
/// of futex wake-ups per GiB at 512 on a virtual machine); 512 also made
/// rows streamed from the network slower and the peak RSS higher.
const BATCH: usize = 2048;
/// Text per batch: a batch closes early when its records are long.
const BATCH_TEXT: usize = 1024 * 1024;
/// Batches in flight from the splitting thread; with the one being consumed
/// and the spares, at most `IN_FLIGHT + 3` batches exist at once.
pub(crate) const IN_FLIGHT: usize = 4;

/// Records read as text, the error that ended the batch, and (for
/// `typed_batches.rs`) the records' typed values, once one thread has
/// typed them.
pub(crate) struct Batch<T = ()> {
    pub(crate) records: Records,
    pub(crate) failure: Option<CsvError>,
    /// Reused from batch to batch; holds this batch's values when `typed`.
    pub(crate) values: T,
    pub(crate) typed: bool,
}

impl<T: Default> Batch<T> {
    fn empty() -> Self {
        Self {
            records: Records::default(),
            failure: None,
            values: T::default(),
            typed: false,
        }
    }
}

/// The splitting thread's loop: fills batches from `reader` (reusing those
/// `spare` gives back) and hands each to `send`, until the data ends, an
/// error ends it, or `send` says the consumer is gone.
pub(crate) fn split<R: Read, T: Default>(
    mut reader: RecordReader<R>,
    mut send: impl FnMut(Batch<T>) -> bool,
    mut spare: impl FnMut() -> Option<Batch<T>>,
) {
    loop {
        let mut batch = spare().unwrap_or_else(Batch::empty);
        let ended = fill(&mut reader, &mut batch);
        let worth_sending = !batch.records.is_empty() || batch.failure.is_some();
        if (worth_sending && !send(batch)) || ended {
            return;
        }
    }
}

/// Fills `batch` afresh; true when reading has ended.
fn fill<R: Read, T>(reader: &mut RecordReader<R>, batch: &mut Batch<T>) -> bool {
    batch.records.clear();
    batch.failure = None;
    batch.typed = false;
    while batch.records.len() < BATCH && batch.records.text_len() < BATCH_TEXT {
        match reader.read_into(&mut batch.records) {
            Ok(true) => {}
            Ok(false) => return true,
            Err(err) => {
                // A broken stream would repeat its error forever; a bad
                // record is reported and reading goes on.
                let ended = err.ends_reading();
                batch.failure = Some(err.into_csv());
                return ended;
            }
        }
    }
    false
}

/// The splitting thread, as its consumer sees it: batches to take, and
/// the way back for used ones.
pub(crate) struct Splitter<T = ()> {
    batches: std::sync::mpsc::Receiver<Batch<T>>,
    recycle: std::sync::mpsc::SyncSender<Batch<T>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts splitting `reader` on a thread of its own; `prepare` sees each
/// batch on that thread just before it is sent.
pub(crate) fn start<R, T>(
    reader: RecordReader<R>,
    mut prepare: impl FnMut(&mut Batch<T>) + Send + 'static,
) -> Result<Splitter<T>, CsvError>
where
    R: Read + Send + 'static,
    T: Default + Send + 'static,
{
    let (sender, batches) = std::sync::mpsc::sync_channel(IN_FLIGHT);
    let (recycle, spares) = std::sync::mpsc::sync_channel(IN_FLIGHT + 2);
    let thread = std::thread::Builder::new()
        .name("csv-split".to_owned())
        .spawn(move || {
            split(
                reader,
                |mut batch| {
                    prepare(&mut batch);
                    sender.send(batch).is_ok()
                },
                || spares.try_recv().ok(),
            )
        })
        .map_err(|e| CsvError {
            line: None,
            column: None,
            message: format!("starting the CSV reading thread: {e}"),
        })?;
    Ok(Splitter {
        batches,
        recycle,
        thread: Some(thread),
    })
}

impl<T> Splitter<T> {
    /// The next batch; `None` once the data has ended.
    pub(crate) fn recv(&mut self) -> Option<Result<Batch<T>, CsvError>> {
        match self.batches.recv() {
            Ok(batch) => Some(Ok(batch)),
            Err(_) => {
                // The thread is done; a panic in it is not the end of the
                // data.
                let thread = self.thread.take()?;
                thread.join().err().map(|_| {
                    Err(CsvError {
                        line: None,
                        column: None,
                        message: "the CSV reading thread failed".to_owned(),
                    })
                })
            }
        }
    }

    /// Gives a used batch back for its buffers to be reused.
    pub(crate) fn recycle(&self, batch: Batch<T>) {
        let _ = self.recycle.try_send(batch);
    }
}

/// What the splitting thread sends to an async consumer.
pub(crate) enum Message<D, T = ()> {
    /// The decoder made from the header, sent once before any batch.
    Decoder(D),
    Batch(Batch<T>),
    /// The source could not be opened as CSV.
    Failed(CsvError),
}

/// The splitting thread of an async source, as its consumer sees it.
pub(crate) struct AsyncSplitter<D, T = ()> {
    pub(crate) messages: tokio::sync::mpsc::Receiver<Message<D, T>>,
    recycle: tokio::sync::mpsc::Sender<Batch<T>>,
}

impl<D, T> AsyncSplitter<D, T> {
    /// Gives a used batch back for its buffers to be reused.
    pub(crate) fn recycle(&self, batch: Batch<T>) {
        let _ = self.recycle.try_send(batch);
    }
}

/// Starts reading `input` (a response body) on the runtime and splitting
/// it on a blocking thread; `prepare_with` is given the decoder made from
/// the header and returns what sees each batch there before it is sent.
///
/// Must be called within a tokio runtime.
pub(crate) fn start_async<D, T, R, P>(
    input: R,
    make: impl MakeDecoder<D>,
    prepare_with: impl FnOnce(&D) -> P + Send + 'static,
) -> AsyncSplitter<D, T>
where
    D: Send + 'static,
    T: Default + Send + 'static,
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    P: FnMut(&mut Batch<T>),
{
    let (sender, messages) = tokio::sync::mpsc::channel(IN_FLIGHT);
    let (recycle, mut spares) = tokio::sync::mpsc::channel(IN_FLIGHT + 2);
    let input = crate::handoff::handoff(input);
    tokio::task::spawn_blocking(move || {
        let (reader, decoder) = match open_csv(input, make) {
            Ok(opened) => opened,
            Err(err) => {
                let _ = sender.blocking_send(Message::Failed(err));
                return;
            }
        };
        let mut prepare = prepare_with(&decoder);
        if sender.blocking_send(Message::Decoder(decoder)).is_ok() {
            split(
                reader,
                |mut batch| {
                    prepare(&mut batch);
                    sender.blocking_send(Message::Batch(batch)).is_ok()
                },
                || spares.try_recv().ok(),
            );
        }
    });
    AsyncSplitter { messages, recycle }
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
            let record = batch.records.at(*next);
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
