//! CSV typed a batch at a time, by whichever of two threads has time.
//!
//! [`Rows`](crate::Rows) splits on one thread and types on the
//! consumer's. When typing costs more than splitting (every cell of a
//! schema-typed report parsed: dates, numbers), the consumer's thread is
//! the bottleneck while the splitting thread waits for room. Here the
//! splitting thread also types a batch whenever the consumer already has
//! two waiting, and the consumer types those that reach it untyped: the
//! work balances itself between the two, and no row is built per record.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use crate::record_batches::{self, Batch, Message, Splitter};
use crate::record_reader::Records;
use crate::{CsvError, Fields, MakeDecoder, Source};

/// Types a batch of records at once, into values of its own making (typed
/// columns, cells). A copy works on the splitting thread, so it must be
/// `Clone + Send`; each copy keeps its own state (caches).
///
/// ```
/// use docker_data_csv::{BatchDecoder, Records, Source, StringRecord, typed_batches};
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
/// let mut batches = typed_batches(Source::reader(std::io::Cursor::new(csv)), make);
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

/// The typed batches of a CSV [`Source`], in order, each lent until the
/// next: taken blocking ([`next_batch`](Self::next_batch)) or in async code
/// ([`next_batch_async`](Self::next_batch_async)), whatever the source.
/// Made by [`typed_batches`]; dropping it stops the splitting thread.
pub struct TypedBatches<D: BatchDecoder> {
    splitter: Splitter<D, D::Values>,
    waiting: Arc<AtomicUsize>,
    /// Made once the decoder has arrived from the splitting thread.
    taker: Option<Taker<D>>,
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
    /// Batches sent and not yet taken: when there are enough, the consumer
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

/// Batches the consumer has waiting when the splitting thread starts
/// typing them itself. Two, not one: with one, a consumer often ran dry
/// while the splitting thread waited for a network read, and lent rows
/// streamed took about 5 % longer (BENCHMARKS.md).
const TYPE_WHEN_WAITING: usize = 2;

/// The splitting thread's side: types `batch` itself when the consumer
/// already has enough waiting, then counts it as sent.
fn prepare<D: BatchDecoder>(waiting: &AtomicUsize, fork: &mut D, batch: &mut Batch<D::Values>) {
    if waiting.load(Ordering::Acquire) >= TYPE_WHEN_WAITING && !batch.records.is_empty() {
        type_batch(fork, batch);
    }
    // Counted before it is sent, so the consumer never takes it first.
    waiting.fetch_add(1, Ordering::AcqRel);
}

impl<D: BatchDecoder> TypedBatches<D> {
    /// The next batch, waiting for it; `None` at the end. An error opening
    /// the source or reading its header comes first; a malformed record
    /// comes after the records before it, and reading goes on.
    pub fn next_batch(&mut self) -> Option<Result<TypedBatch<'_, D::Values>, CsvError>> {
        let advanced = match self.advance_with(|splitter| Poll::Ready(splitter.recv())) {
            Poll::Ready(advanced) => advanced,
            Poll::Pending => None,
        };
        match advanced? {
            Ok(()) => self.current().map(Ok),
            Err(err) => Some(Err(err)),
        }
    }

    /// [`next_batch`](Self::next_batch) for async code: waits without
    /// blocking the thread.
    pub async fn next_batch_async(
        &mut self,
    ) -> Option<Result<TypedBatch<'_, D::Values>, CsvError>> {
        match std::future::poll_fn(|cx| self.poll_advance(cx)).await? {
            Ok(()) => self.current().map(Ok),
            Err(err) => Some(Err(err)),
        }
    }

    /// Moves to the next batch once it has arrived (then read it with
    /// [`current`](Self::current)): the building block of a poll-based
    /// reader. `None` at the end.
    pub fn poll_advance(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<(), CsvError>>> {
        self.advance_with(|splitter| splitter.poll_recv(cx))
    }

    fn advance_with(
        &mut self,
        mut recv: impl FnMut(&mut Splitter<D, D::Values>) -> Poll<Option<Message<D, D::Values>>>,
    ) -> Poll<Option<Result<(), CsvError>>> {
        let splitter = &self.splitter;
        if let Some(failure) = self
            .taker
            .as_mut()
            .and_then(|t| t.finish(|batch| splitter.recycle(batch)))
        {
            return Poll::Ready(Some(Err(failure)));
        }
        loop {
            let Some(message) = std::task::ready!(recv(&mut self.splitter)) else {
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
                    let Some(taker) = self.taker.as_mut() else {
                        return Poll::Ready(None);
                    };
                    let splitter = &self.splitter;
                    return Poll::Ready(Some(taker.take(batch, |batch| splitter.recycle(batch))));
                }
            }
        }
    }

    /// The batch [`next_batch`](Self::next_batch) or
    /// [`poll_advance`](Self::poll_advance) moved to, until the next call.
    #[inline]
    pub fn current(&self) -> Option<TypedBatch<'_, D::Values>> {
        self.taker.as_ref()?.current()
    }

    /// The decoder made from the header (`None` before it arrived).
    pub fn decoder(&self) -> Option<&D> {
        Some(&self.taker.as_ref()?.decoder)
    }
}

/// Reads `source` as typed batches: records split and, when the consumer
/// is busy, typed on a thread of their own; the decoder is made from the
/// header by `make`. Gzip is detected and decoded.
///
/// An async source must be read within a tokio runtime.
pub fn typed_batches<D: BatchDecoder>(
    source: impl Into<Source>,
    make: impl MakeDecoder<D>,
) -> TypedBatches<D> {
    let waiting = Arc::new(AtomicUsize::new(0));
    let sent = waiting.clone();
    let splitter = record_batches::start(source.into(), make, move |decoder: &D| {
        let mut fork = decoder.clone();
        move |batch: &mut Batch<D::Values>| prepare(&sent, &mut fork, batch)
    });
    TypedBatches {
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
        let mut batches = typed_batches(
            Source::reader(std::io::Cursor::new(data)),
            |_: &csv::StringRecord| Ok(Numbers),
        );
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
