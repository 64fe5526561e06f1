//! CSV typed a batch at a time, by whichever of two threads has time.
//!
//! [`Rows`](crate::Rows) splits on one thread and types on the
//! consumer's. When typing costs more than splitting (every cell of a
//! schema-typed report parsed: dates, numbers), the consumer's thread is
//! the bottleneck while the splitting thread waits for room. Here the
//! splitting thread also types a batch whenever the consumer already has
//! one waiting, and the consumer types those that reach it untyped: the
//! work balances itself between the two, and no row is built per record.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::record_batches::{self, AsyncSplitter, Batch, Message, Splitter};
use crate::record_reader::Records;
use crate::{CsvError, Fields, MakeDecoder, open_csv};

/// Types a batch of records at once, into values of its own making (typed
/// columns, cells). A copy works on the splitting thread, so it must be
/// `Clone + Send`; each copy keeps its own state (caches).
///
/// ```
/// use docker_data_csv::{BatchDecoder, Records, StringRecord, typed_batches_from_reader};
///
/// /// The second column of every record, as a number.
/// #[derive(Clone)]
/// struct Pulls;
///
/// impl BatchDecoder for Pulls {
///     type Values = Vec<Option<u64>>;
///
///     fn decode_batch(&mut self, records: &Records, values: &mut Self::Values) {
///         values.clear();
///         values.extend(records.iter().map(|record| record.get(1)?.parse().ok()));
///     }
/// }
///
/// let csv = "repository,pulls\nacme/web,7\nacme/api,5\n";
/// let make = |_: &StringRecord| Ok(Pulls);
/// let mut batches = typed_batches_from_reader(std::io::Cursor::new(csv), make)?;
/// let mut total = 0;
/// while let Some(batch) = batches.next_batch() {
///     total += batch?.values().iter().flatten().sum::<u64>();
/// }
/// assert_eq!(total, 12);
/// # Ok::<(), docker_data_csv::CsvError>(())
/// ```
pub trait BatchDecoder: Clone + Send + 'static {
    /// One batch's typed values, reused from batch to batch.
    type Values: Default + Send + 'static;

    /// Types every record of `records`, replacing what `values` held. A
    /// bad record is for `values` to note (it cannot stop the batch).
    fn decode_batch(&mut self, records: &Records, values: &mut Self::Values);
}

/// The typed batches of a CSV source, in order. Made by
/// [`typed_batches_from_reader`]; dropping it stops the splitting thread.
pub struct TypedBatches<D: BatchDecoder> {
    splitter: Splitter<D::Values>,
    taker: Taker<D>,
}

impl<D: BatchDecoder> std::fmt::Debug for TypedBatches<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedBatches").finish_non_exhaustive()
    }
}

/// A batch of records and their typed values, lent by [`TypedBatches`].
#[derive(Debug)]
pub struct TypedBatch<'a, V> {
    records: &'a Records,
    values: &'a V,
}

impl<V> Clone for TypedBatch<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for TypedBatch<'_, V> {}

impl<'a, V> TypedBatch<'a, V> {
    /// The records as text.
    #[inline]
    pub fn records(&self) -> &'a Records {
        self.records
    }

    /// Record `i` of the batch, if there is one.
    #[inline]
    pub fn record(&self, i: usize) -> Option<Fields<'a>> {
        self.records.get(i)
    }

    /// The values the decoder typed.
    #[inline]
    pub fn values(&self) -> &'a V {
        self.values
    }

    /// Number of records.
    #[inline]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the batch has no record.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// The consumer's side, however batches reach it: the batch being read,
/// and typing those that arrive untyped.
struct Taker<D: BatchDecoder> {
    decoder: D,
    /// Batches sent and not yet taken: when there are any, the consumer
    /// has work and the splitting thread types the next batch itself.
    waiting: Arc<AtomicUsize>,
    current: Option<Batch<D::Values>>,
}

impl<D: BatchDecoder> Taker<D> {
    /// Done with the current batch: it goes to `recycle`, and the error
    /// that ended it, if any, is returned (it comes after its records).
    fn finish(&mut self, recycle: impl FnOnce(Batch<D::Values>)) -> Option<CsvError> {
        let mut batch = self.current.take()?;
        let failure = batch.failure.take();
        recycle(batch);
        failure
    }

    /// A batch just received: current now, typed here if the splitting
    /// thread did not; or, when it holds only the error that ended it
    /// (the splitter sends no batch that holds nothing), that error.
    fn take(
        &mut self,
        mut batch: Batch<D::Values>,
        recycle: impl FnOnce(Batch<D::Values>),
    ) -> Result<(), CsvError> {
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        if batch.records.is_empty()
            && let Some(failure) = batch.failure.take()
        {
            recycle(batch);
            return Err(failure);
        }
        if !batch.typed {
            type_batch(&mut self.decoder, &mut batch);
        }
        self.current = Some(batch);
        Ok(())
    }

    fn current(&self) -> Option<TypedBatch<'_, D::Values>> {
        let batch = self.current.as_ref()?;
        Some(TypedBatch {
            records: &batch.records,
            values: &batch.values,
        })
    }
}

fn type_batch<D: BatchDecoder>(decoder: &mut D, batch: &mut Batch<D::Values>) {
    decoder.decode_batch(&batch.records, &mut batch.values);
    batch.typed = true;
}

/// The splitting thread's side: types `batch` itself when the consumer
/// already has one waiting, then counts it as sent.
fn prepare<D: BatchDecoder>(waiting: &AtomicUsize, fork: &mut D, batch: &mut Batch<D::Values>) {
    if waiting.load(Ordering::Acquire) > 0 && !batch.records.is_empty() {
        type_batch(fork, batch);
    }
    // Counted before it is sent, so the consumer never takes it first.
    waiting.fetch_add(1, Ordering::AcqRel);
}

impl<D: BatchDecoder> TypedBatches<D> {
    /// Moves on to the next batch: `None` at the end of the data. A record
    /// that could not be read as CSV (a wrong number of fields) is an
    /// error after the batch it ended, and reading goes on past it.
    pub fn next_batch(&mut self) -> Option<Result<TypedBatch<'_, D::Values>, CsvError>> {
        let splitter = &self.splitter;
        if let Some(failure) = self.taker.finish(|batch| splitter.recycle(batch)) {
            return Some(Err(failure));
        }
        let batch = match self.splitter.recv()? {
            Ok(batch) => batch,
            Err(err) => return Some(Err(err)),
        };
        let splitter = &self.splitter;
        match self.taker.take(batch, |batch| splitter.recycle(batch)) {
            Ok(()) => self.current().map(Ok),
            Err(failure) => Some(Err(failure)),
        }
    }

    /// The batch the last [`next_batch`](Self::next_batch) gave, if any.
    #[inline]
    pub fn current(&self) -> Option<TypedBatch<'_, D::Values>> {
        self.taker.current()
    }

    /// The consumer's decoder (the one made from the header).
    pub fn decoder(&self) -> &D {
        &self.taker.decoder
    }
}

/// Typed batches of `input` (gzip decoded when it starts like gzip), the
/// decoder made by `make` from the header.
pub fn typed_batches_from_reader<D: BatchDecoder>(
    input: impl Read + Send + 'static,
    make: impl MakeDecoder<D>,
) -> Result<TypedBatches<D>, CsvError> {
    let (reader, decoder) = open_csv(input, make)?;
    let waiting = Arc::new(AtomicUsize::new(0));
    let mut fork = decoder.clone();
    let sent = waiting.clone();
    let splitter = record_batches::start(reader, move |batch: &mut Batch<D::Values>| {
        prepare(&sent, &mut fork, batch)
    })?;
    Ok(TypedBatches {
        splitter,
        taker: Taker {
            decoder,
            waiting,
            current: None,
        },
    })
}

/// Typed batches of a file (plain or gzip).
pub fn typed_batches_from_path<D: BatchDecoder>(
    path: &std::path::Path,
    make: impl MakeDecoder<D>,
) -> Result<TypedBatches<D>, CsvError> {
    typed_batches_from_reader(crate::open_file(path)?, make)
}

/// [`TypedBatches`] of an async byte source (a response body), typed while
/// it arrives, in constant memory. Made by [`typed_batches_from_async`];
/// dropping it stops the reading.
pub struct AsyncTypedBatches<D: BatchDecoder> {
    splitter: AsyncSplitter<D, D::Values>,
    waiting: Arc<AtomicUsize>,
    /// `None` until the header has been read.
    taker: Option<Taker<D>>,
}

impl<D: BatchDecoder> std::fmt::Debug for AsyncTypedBatches<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncTypedBatches").finish_non_exhaustive()
    }
}

impl<D: BatchDecoder> AsyncTypedBatches<D> {
    /// Like [`TypedBatches::next_batch`]; an error opening the source (a
    /// bad header, a failed read before it) is the first item.
    pub async fn next_batch(&mut self) -> Option<Result<TypedBatch<'_, D::Values>, CsvError>> {
        match std::future::poll_fn(|cx| self.poll_advance(cx)).await? {
            Ok(()) => self.current().map(Ok),
            Err(err) => Some(Err(err)),
        }
    }

    /// [`next_batch`](Self::next_batch) for a hand-written `poll`: moves on
    /// to the next batch, then [`current`](Self::current) lends it.
    pub fn poll_advance(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<(), CsvError>>> {
        use std::task::Poll;
        let splitter = &self.splitter;
        // Done with the current batch at most once: after a `Pending`,
        // there is none.
        if let Some(failure) = self
            .taker
            .as_mut()
            .and_then(|t| t.finish(|batch| splitter.recycle(batch)))
        {
            return Poll::Ready(Some(Err(failure)));
        }
        loop {
            let Some(message) = std::task::ready!(self.splitter.messages.poll_recv(cx)) else {
                return Poll::Ready(None);
            };
            match message {
                Message::Decoder(decoder) => {
                    self.taker = Some(Taker {
                        decoder,
                        waiting: self.waiting.clone(),
                        current: None,
                    })
                }
                Message::Failed(err) => return Poll::Ready(Some(Err(err))),
                Message::Batch(batch) => {
                    // The decoder is always sent before the first batch.
                    let Some(taker) = self.taker.as_mut() else {
                        return Poll::Ready(None);
                    };
                    let splitter = &self.splitter;
                    return Poll::Ready(Some(taker.take(batch, |batch| splitter.recycle(batch))));
                }
            }
        }
    }

    /// The batch the last [`next_batch`](Self::next_batch) gave, if any.
    #[inline]
    pub fn current(&self) -> Option<TypedBatch<'_, D::Values>> {
        self.taker.as_ref()?.current()
    }

    /// The consumer's decoder, once the header has been read.
    pub fn decoder(&self) -> Option<&D> {
        Some(&self.taker.as_ref()?.decoder)
    }
}

/// Typed batches of an async byte source (gzip decoded when it starts like
/// gzip), read without storing it: a blocking thread splits (and types
/// when the consumer is busy), the consumer types the rest.
///
/// Must be called within a tokio runtime.
pub fn typed_batches_from_async<D, R>(input: R, make: impl MakeDecoder<D>) -> AsyncTypedBatches<D>
where
    D: BatchDecoder,
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
{
    let waiting = Arc::new(AtomicUsize::new(0));
    let sent = waiting.clone();
    let splitter = record_batches::start_async(input, make, move |decoder: &D| {
        let mut fork = decoder.clone();
        move |batch: &mut Batch<D::Values>| prepare(&sent, &mut fork, batch)
    });
    AsyncTypedBatches {
        splitter,
        waiting,
        taker: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads each record's first field as a number, and says which thread
    /// typed the batch.
    #[derive(Clone)]
    struct Numbers;

    impl BatchDecoder for Numbers {
        type Values = (Vec<u64>, Option<String>);

        fn decode_batch(&mut self, records: &Records, values: &mut Self::Values) {
            values.0.clear();
            values.0.extend(
                records
                    .iter()
                    .map(|r| r.get(0).unwrap().parse::<u64>().unwrap()),
            );
            values.1 = std::thread::current().name().map(str::to_owned);
        }
    }

    #[test]
    fn batches_come_in_order_typed_by_both_threads_and_a_bad_record_is_an_error_in_place() {
        let mut data = String::from("n,text\n");
        for i in 0..20_000u64 {
            if i == 10_000 {
                data.push_str("10000,one,too many\n");
            } else {
                data.push_str(&format!("{i},some text to type\n"));
            }
        }
        let mut batches =
            typed_batches_from_reader(std::io::Cursor::new(data), |_: &csv::StringRecord| {
                Ok(Numbers)
            })
            .unwrap();
        let (mut numbers, mut errors, mut threads) = (Vec::new(), Vec::new(), Vec::new());
        while let Some(batch) = batches.next_batch() {
            match batch {
                Ok(batch) => {
                    assert_eq!(batch.values().0.len(), batch.len());
                    numbers.extend_from_slice(&batch.values().0);
                    threads.push(batch.values().1.clone());
                    // A slow consumer: the splitting thread gets ahead and
                    // types batches itself.
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(err) => errors.push((numbers.len(), err)),
            }
        }
        let expected: Vec<u64> = (0..20_000).filter(|&i| i != 10_000).collect();
        assert_eq!(numbers, expected);
        assert_eq!(errors.len(), 1, "{errors:?}");
        // The error comes where the bad record was, with its line.
        assert_eq!(errors[0].0, 10_000);
        assert_eq!(errors[0].1.line, Some(10_002));
        let here = std::thread::current().name().map(str::to_owned);
        assert!(threads.contains(&here), "{threads:?}");
        assert!(
            threads.contains(&Some("csv-split".to_owned())),
            "{threads:?}"
        );
    }
}
