//! CSV typed a batch at a time, by whichever of two threads has time.
//!
//! [`Rows`](crate::csv::Rows) splits on one thread and types on the
//! consumer's. When typing costs more than splitting (every cell of a
//! schema-typed report parsed: dates, numbers), the consumer's thread is
//! the bottleneck while the splitting thread waits for room. Here the
//! splitting thread also types a batch whenever the consumer already has
//! one waiting, and the consumer types those that reach it untyped: the
//! work balances itself between the two, and no row is built per record.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::csv::{CsvError, Fields, MakeDecoder, open_csv};
use crate::record_batches::{self, Batch, Splitter};
use crate::record_reader::Records;

/// Types a batch of records at once, into values of its own making (typed
/// columns, cells). A copy works on the splitting thread, so it must be
/// `Clone + Send`; each copy keeps its own state (caches).
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
    decoder: D,
    splitter: Splitter<D::Values>,
    /// Batches sent and not yet taken: when there are any, the consumer
    /// has work and the splitting thread types the next batch itself.
    waiting: Arc<AtomicUsize>,
    current: Option<Batch<D::Values>>,
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
        (i < self.records.len()).then(|| self.records.get(i))
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

impl<D: BatchDecoder> TypedBatches<D> {
    /// Moves on to the next batch: `None` at the end of the data. A record
    /// that could not be read as CSV (a wrong number of fields) is an
    /// error after the batch it ended, and reading goes on past it.
    pub fn next_batch(&mut self) -> Option<Result<TypedBatch<'_, D::Values>, CsvError>> {
        if let Some(mut batch) = self.current.take() {
            let failure = batch.failure.take();
            self.splitter.recycle(batch);
            if let Some(failure) = failure {
                return Some(Err(failure));
            }
        }
        loop {
            let mut batch = match self.splitter.recv()? {
                Ok(batch) => batch,
                Err(err) => return Some(Err(err)),
            };
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            if batch.records.is_empty() {
                let failure = batch.failure.take();
                self.splitter.recycle(batch);
                match failure {
                    Some(failure) => return Some(Err(failure)),
                    None => continue,
                }
            }
            if !batch.typed {
                self.decoder.decode_batch(&batch.records, &mut batch.values);
                batch.typed = true;
            }
            self.current = Some(batch);
            return self.current().map(Ok);
        }
    }

    /// The batch the last [`next_batch`](Self::next_batch) gave, if any.
    #[inline]
    pub fn current(&self) -> Option<TypedBatch<'_, D::Values>> {
        let batch = self.current.as_ref()?;
        Some(TypedBatch {
            records: &batch.records,
            values: &batch.values,
        })
    }

    /// The consumer's decoder (the one made from the header).
    pub fn decoder(&self) -> &D {
        &self.decoder
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
        if sent.load(Ordering::Acquire) > 0 && !batch.records.is_empty() {
            fork.decode_batch(&batch.records, &mut batch.values);
            batch.typed = true;
        }
        // Counted before it is sent, so the consumer never takes it first.
        sent.fetch_add(1, Ordering::AcqRel);
    })?;
    Ok(TypedBatches {
        decoder,
        splitter,
        waiting,
        current: None,
    })
}

/// Typed batches of a file (plain or gzip).
pub fn typed_batches_from_path<D: BatchDecoder>(
    path: &std::path::Path,
    make: impl MakeDecoder<D>,
) -> Result<TypedBatches<D>, CsvError> {
    typed_batches_from_reader(crate::csv::open_file(path)?, make)
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
