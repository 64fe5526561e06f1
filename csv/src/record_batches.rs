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

use crate::channel;
use crate::record_reader::{RecordReader, Records};
use crate::{CsvError, MakeDecoder, RowDecoder, Source, open_csv};

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

/// What the splitting thread sends its consumer.
pub(crate) enum Message<D, T = ()> {
    /// The decoder made from the header, sent once before any batch.
    Decoder(D),
    Batch(Batch<T>),
    /// The source could not be opened as CSV, or reading it failed.
    Failed(CsvError),
}

/// The splitting thread, as its consumer sees it: messages to take (by
/// blocking or by polling), and the way back for used batches.
pub(crate) struct Splitter<D, T = ()> {
    messages: channel::Receiver<Message<D, T>>,
    recycle: std::sync::mpsc::SyncSender<Batch<T>>,
}

/// Starts reading `source` on a thread of its own: its header makes the
/// decoder (with `make`), sent first; `prepare_with` is given that decoder
/// and returns what sees each batch on that thread just before it is sent.
///
/// An async source starts its reading task on the current runtime.
pub(crate) fn start<D, T, P>(
    source: Source,
    make: impl MakeDecoder<D>,
    prepare_with: impl FnOnce(&D) -> P + Send + 'static,
) -> Splitter<D, T>
where
    D: Send + 'static,
    T: Default + Send + 'static,
    P: FnMut(&mut Batch<T>),
{
    let (sender, messages) = channel::channel(IN_FLIGHT);
    let (recycle, spares) = std::sync::mpsc::sync_channel(IN_FLIGHT + 2);
    let splitter = Splitter { messages, recycle };
    let source = match source.into_blocking() {
        Ok(source) => source,
        Err(err) => {
            sender.send(Message::Failed(err));
            return splitter;
        }
    };
    let run = move || {
        let body = std::panic::AssertUnwindSafe(|| {
            let opened = source.open().and_then(|input| open_csv(input, make));
            let (reader, decoder) = match opened {
                Ok(opened) => opened,
                Err(err) => {
                    sender.send(Message::Failed(err));
                    return;
                }
            };
            let mut prepare = prepare_with(&decoder);
            if sender.send(Message::Decoder(decoder)) {
                split(
                    reader,
                    |mut batch| {
                        prepare(&mut batch);
                        sender.send(Message::Batch(batch))
                    },
                    || spares.try_recv().ok(),
                );
            }
        });
        // A panic in a decoder is not the end of the data.
        if std::panic::catch_unwind(body).is_err() {
            sender.send(Message::Failed(CsvError::message(
                "the CSV reading thread failed",
            )));
        }
    };
    if let Err(err) = std::thread::Builder::new()
        .name("csv-split".to_owned())
        .spawn(run)
    {
        // The closure (and its sender) is gone with the failed spawn: the
        // consumer sees only the end. Say why through a fresh channel.
        let (sender, messages) = channel::channel(1);
        sender.send(Message::Failed(CsvError::message(format!(
            "starting the CSV reading thread: {err}"
        ))));
        return Splitter {
            messages,
            recycle: splitter.recycle,
        };
    }
    splitter
}

impl<D, T> Splitter<D, T> {
    /// The next message, waiting for it; `None` once reading has ended.
    pub(crate) fn recv(&mut self) -> Option<Message<D, T>> {
        self.messages.recv()
    }

    /// The next message if one has arrived; `None` once reading has ended.
    pub(crate) fn poll_recv(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Message<D, T>>> {
        self.messages.poll_recv(cx)
    }

    /// Gives a used batch back for its buffers to be reused.
    pub(crate) fn recycle(&self, batch: Batch<T>) {
        let _ = self.recycle.try_send(batch);
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
