//! Streaming CSV rows in constant memory, from a file or straight from a
//! response body.
//!
//! A [`RowDecoder`] is built from the header line and turns each record into
//! a typed row. [`rows`] reads any [`Source`] (gzip is detected and decoded)
//! on a thread of its own and hands records over a bounded channel, so a
//! multi-GB body is never held in memory; the rows are an `Iterator` and a
//! `Stream`. A [`BatchDecoder`] types a whole batch of [`Records`] at once
//! instead ([`typed_batches`]), on whichever of the two threads has time:
//! the fastest way to type every cell of a file.

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::task::Poll;

use futures::Stream;

use crate::CsvError;

use crate::Source;
use crate::record_batches::{self, Batch, Cursor, Message, Splitter};
use crate::record_reader::RecordReader;
pub use crate::record_reader::{Fields, MAX_RECORD, OwnedFields, Records};
use crate::source::Opened;
pub use crate::typed_batches::{BatchDecoder, TypedBatch, TypedBatches, typed_batches};
/// The header line decoders are made from (the `csv` crate's, named here
/// so no second crate is needed to implement one).
pub use csv::StringRecord;

/// Turns CSV records into typed rows. Built once from the header.
pub trait RowDecoder: Sized + Send + 'static {
    /// The typed row.
    type Row: Send + 'static;

    /// Decodes one record (its line is [`Fields::line`]). The record is
    /// borrowed from a reused buffer: a row that keeps it copies it
    /// ([`Fields::to_owned_record`]).
    fn decode(&mut self, record: Fields<'_>) -> Result<Self::Row, CsvError>;
}

/// A decoder that needs nothing but the header line to be built.
pub trait FromHeaders: RowDecoder {
    /// Prepares the decoder for a file with these column names.
    fn from_headers(headers: &csv::StringRecord) -> Result<Self, CsvError>;
}

/// Builds a decoder from the header line (a closure capturing, say, a schema).
pub trait MakeDecoder<D>:
    FnOnce(&csv::StringRecord) -> Result<D, CsvError> + Send + 'static
{
}
impl<D, F: FnOnce(&csv::StringRecord) -> Result<D, CsvError> + Send + 'static> MakeDecoder<D>
    for F
{
}

/// `Pulls By Tag`, `pulls_by_tag` and `pullsByTag` all become `pullsbytag`:
/// Docker does not publish exact header names, so columns are matched
/// case- and separator-insensitively.
pub fn normalize_header(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Column positions by normalized name.
#[derive(Debug, Clone, Default)]
pub struct HeaderIndex {
    positions: HashMap<String, usize>,
}

impl HeaderIndex {
    /// Indexes a header record; the first of two equal names wins.
    pub fn new(headers: &csv::StringRecord) -> Self {
        let mut positions = HashMap::new();
        for (i, name) in headers.iter().enumerate() {
            positions.entry(normalize_header(name)).or_insert(i);
        }
        Self { positions }
    }

    /// Position of the first alias present.
    pub fn find(&self, aliases: &[&str]) -> Option<usize> {
        aliases
            .iter()
            .find_map(|alias| self.positions.get(&normalize_header(alias)).copied())
    }
}

/// A row as header → value, for columns no typed row knows yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    headers: Arc<[String]>,
    values: Vec<String>,
}

impl Record {
    /// Value of a column, matched like [`normalize_header`].
    pub fn get(&self, column: &str) -> Option<&str> {
        let wanted = normalize_header(column);
        self.headers
            .iter()
            .position(|h| normalize_header(h) == wanted)
            .and_then(|i| self.values.get(i))
            .map(String::as_str)
    }

    /// (column, value) pairs in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(String::as_str)
            .zip(self.values.iter().map(String::as_str))
    }

    /// The column names.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The values in file order.
    pub fn values(&self) -> &[String] {
        &self.values
    }
}

/// Decoder of [`Record`]s.
#[derive(Debug)]
pub struct RecordDecoder {
    headers: Arc<[String]>,
}

impl FromHeaders for RecordDecoder {
    fn from_headers(headers: &csv::StringRecord) -> Result<Self, CsvError> {
        Ok(Self {
            headers: headers.iter().map(str::to_owned).collect(),
        })
    }
}

impl RowDecoder for RecordDecoder {
    type Row = Record;

    fn decode(&mut self, record: Fields<'_>) -> Result<Record, CsvError> {
        Ok(Record {
            headers: self.headers.clone(),
            values: record.iter().map(str::to_owned).collect(),
        })
    }
}

/// Typed rows of a CSV [`Source`], owned, in order: an [`Iterator`] for
/// blocking code, and a [`Stream`] for async code through
/// [`into_stream`](Self::into_stream), whatever the source. The
/// source is split into records on a thread of its own
/// (`record_batches.rs`); rows are typed here, as they are taken. Dropping
/// the rows stops that thread.
///
/// An error opening the source or reading its header is the first item.
pub struct Rows<D: RowDecoder> {
    decoder: Option<D>,
    splitter: Splitter<D>,
    cursor: Cursor,
}

impl<D: RowDecoder> std::fmt::Debug for Rows<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows").finish_non_exhaustive()
    }
}

/// Reads typed rows from `source`, the decoder made from its header by
/// `make` (`D::from_headers` for a [`FromHeaders`] decoder). Gzip is
/// detected and decoded.
///
/// An async source must be read within a tokio runtime.
pub fn rows<D: RowDecoder>(source: impl Into<Source>, make: impl MakeDecoder<D>) -> Rows<D> {
    Rows {
        decoder: None,
        splitter: record_batches::start(source.into(), make, |_: &D| |_: &mut Batch| {}),
        cursor: Cursor::default(),
    }
}

impl<D: RowDecoder> Rows<D> {
    /// The decoder, as the last row left it (`None` before the header has
    /// been read): a decoder that types each record into buffers of its own
    /// (no row built) is read through this.
    pub fn decoder(&self) -> Option<&D> {
        self.decoder.as_ref()
    }

    /// The next row, the messages taken by `recv`.
    fn next_with(
        &mut self,
        mut recv: impl FnMut(&mut Splitter<D>) -> Poll<Option<Message<D>>>,
    ) -> Poll<Option<Result<D::Row, CsvError>>> {
        loop {
            let splitter = &self.splitter;
            if let Some(decoder) = self.decoder.as_mut()
                && let Some(row) = self
                    .cursor
                    .next_row(decoder, |batch| splitter.recycle(batch))
            {
                return Poll::Ready(Some(row));
            }
            match std::task::ready!(recv(&mut self.splitter)) {
                None => return Poll::Ready(None),
                Some(Message::Decoder(made)) => self.decoder = Some(made),
                Some(Message::Batch(batch)) => self.cursor.start(batch),
                Some(Message::Failed(err)) => return Poll::Ready(Some(Err(err))),
            }
        }
    }
}

impl<D: RowDecoder> Iterator for Rows<D> {
    type Item = Result<D::Row, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_with(|splitter| Poll::Ready(splitter.recv())) {
            Poll::Ready(row) => row,
            Poll::Pending => None,
        }
    }
}

/// [`Rows`] as a [`Stream`]: taken without blocking the thread. Made by
/// [`Rows::into_stream`].
pub struct RowStream<D: RowDecoder>(Box<Rows<D>>);

impl<D: RowDecoder> std::fmt::Debug for RowStream<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream").finish_non_exhaustive()
    }
}

impl<D: RowDecoder> Rows<D> {
    /// The rows as a [`Stream`], for async code (an iterator's `next`
    /// waits by blocking the thread).
    pub fn into_stream(self) -> RowStream<D> {
        RowStream(Box::new(self))
    }
}

impl<D: RowDecoder> Stream for RowStream<D> {
    type Item = Result<D::Row, CsvError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Option<Self::Item>> {
        self.get_mut()
            .0
            .next_with(|splitter| splitter.poll_recv(cx))
    }
}

/// The CSV reader of `input` (gzip decoded when it starts like gzip), past
/// its header, and the decoder made from that header.
pub(crate) fn open_csv<D>(
    input: Opened,
    make: impl FnOnce(&csv::StringRecord) -> Result<D, CsvError>,
) -> Result<(RecordReader<BoxedRead>, D), CsvError> {
    let mut reader = match input {
        Opened::Read(input) => RecordReader::new(plain_or_gzip(input)?),
        Opened::Pieces(mut pieces) => {
            let first = pieces.next_piece().map_err(read_failed)?;
            let plain = first
                .as_ref()
                .is_some_and(|first| first.len() >= GZIP.len() && !first.starts_with(&GZIP));
            if let Some(first) = first {
                pieces.unread(first);
            }
            if plain {
                // Pieces of plain text are scanned where they are.
                RecordReader::pieces(pieces)
            } else {
                // Gzip (or too short to tell): read as bytes.
                RecordReader::new(plain_or_gzip(pieces)?)
            }
        }
    };
    // An empty source has an empty header, as with `csv::Reader`.
    let mut first = Records::default();
    let headers = match reader.read_into(&mut first) {
        Ok(true) => first.at(0).iter().collect(),
        Ok(false) => csv::StringRecord::new(),
        Err(err) => return Err(err.into_csv()),
    };
    let decoder = make(&headers)?;
    Ok((reader, decoder))
}

/// The first bytes of gzip.
const GZIP: [u8; 2] = [0x1f, 0x8b];

fn read_failed(err: std::io::Error) -> CsvError {
    CsvError::message(format!("read failed: {err}"))
}

/// `input`, gzip decoded when it starts like gzip.
fn plain_or_gzip(mut input: impl Read + Send + 'static) -> Result<BoxedRead, CsvError> {
    // Gzip's first two bytes, however few bytes each read gives.
    let mut head = Vec::with_capacity(GZIP.len());
    (&mut input)
        .take(GZIP.len() as u64)
        .read_to_end(&mut head)
        .map_err(read_failed)?;
    let is_gzip = head == GZIP;
    // The bytes looked at, then the source itself: the record reader has a
    // buffer of its own, and a second one would copy every byte once more.
    let input = std::io::Cursor::new(head).chain(input);
    Ok(if is_gzip {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(64 * 1024, input)),
        ))
    } else {
        Box::new(input)
    })
}

/// A source's bytes as the record reader reads them.
pub(crate) type BoxedRead = Box<dyn Read + Send>;

pub(crate) fn open_file(path: &Path) -> Result<std::fs::File, CsvError> {
    std::fs::File::open(path)
        .map_err(|e| CsvError::message(format!("opening {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_whatever_their_case_and_separators() {
        let headers = csv::StringRecord::from(vec!["Pulls By Tag", "user-agent", "HTTP_METHOD"]);
        let index = HeaderIndex::new(&headers);
        assert_eq!(index.find(&["pulls_by_tag"]), Some(0));
        assert_eq!(index.find(&["UserAgent"]), Some(1));
        assert_eq!(index.find(&["method", "http method"]), Some(2));
        assert_eq!(index.find(&["country"]), None);
    }

    #[test]
    fn records_keep_every_column_and_errors_say_where() {
        let data = "a,B c\n1,2\n3\n";
        let mut rows = rows(
            Source::reader(std::io::Cursor::new(data)),
            RecordDecoder::from_headers,
        );
        let first = rows.next().unwrap().unwrap();
        assert_eq!(first.get("b_c"), Some("2"));
        assert_eq!(first.iter().collect::<Vec<_>>(), [("a", "1"), ("B c", "2")]);
        let err = rows.next().unwrap().unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(
            err.to_string()
                .starts_with("line 3: 1 fields where the header has 2"),
            "{err}"
        );
        assert!(rows.next().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn streamed_rows_come_in_order_across_batches_and_past_a_bad_row() {
        use futures::StreamExt;
        let mut data = String::from("n,text\n");
        for i in 0..(3 * 512 + 7) {
            if i == 512 + 3 {
                data.push_str("only-one-field\n");
            }
            data.push_str(&format!("{i},row {i}\n"));
        }
        let items: Vec<_> = rows(
            Source::async_reader(std::io::Cursor::new(data)),
            RecordDecoder::from_headers,
        )
        .into_stream()
        .collect()
        .await;
        assert_eq!(items.len(), 3 * 512 + 8);
        let mut expected = 0;
        for item in &items {
            match item {
                Ok(record) => {
                    assert_eq!(record.get("n"), Some(expected.to_string().as_str()));
                    expected += 1;
                }
                // Header on line 1, so the bad row is on line BATCH + 5.
                Err(err) => assert_eq!(err.line, Some(512 + 5), "{err}"),
            }
        }
        assert_eq!(expected, 3 * 512 + 7);
    }

    /// Every record `open_csv` reads from pieces of `data` cut at `sizes`.
    fn records_of_pieces(data: &[u8], sizes: &[usize]) -> Vec<Vec<String>> {
        let pieces = Box::new(crate::record_reader::Cut::new(data, sizes));
        let (mut reader, headers) =
            open_csv(Opened::Pieces(pieces), |headers| Ok(headers.clone())).unwrap();
        let mut out = vec![headers.iter().map(str::to_owned).collect()];
        let mut records = crate::record_reader::Records::default();
        while reader.read_into(&mut records).unwrap() {}
        out.extend(
            records
                .iter()
                .map(|record| record.iter().map(str::to_owned).collect()),
        );
        out
    }

    #[test]
    fn pieces_are_read_whether_plain_gzip_or_too_short_to_tell() {
        use std::io::Write;
        let data = "a,b\n1,x\n2,\"y,z\"\n3,\n";
        let expected: Vec<Vec<String>> = [["a", "b"], ["1", "x"], ["2", "y,z"], ["3", ""]]
            .iter()
            .map(|r| r.iter().map(|f| f.to_string()).collect())
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(data.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        // A first piece of one byte cannot show gzip's two: read as bytes.
        for sizes in [&[3][..], &[1, 5], &[0, 1, 2], &[1000]] {
            assert_eq!(
                records_of_pieces(data.as_bytes(), sizes),
                expected,
                "{sizes:?}"
            );
            assert_eq!(records_of_pieces(&gz, sizes), expected, "gzip in {sizes:?}");
        }
        assert_eq!(records_of_pieces(b"", &[1]), [Vec::<String>::new()]);
    }

    #[test]
    fn gzip_is_detected_and_decoded() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"x\n1\n2\n").unwrap();
        let gz = encoder.finish().unwrap();
        let rows: Vec<_> = rows(
            Source::reader(std::io::Cursor::new(gz)),
            RecordDecoder::from_headers,
        )
        .map(|r| r.unwrap().values()[0].clone())
        .collect();
        assert_eq!(rows, ["1", "2"]);
    }

    fn numbered(n: usize) -> String {
        let mut data = String::from("n\n");
        for i in 0..n {
            data.push_str(&format!("{i}\n"));
        }
        data
    }

    fn values(items: Vec<Result<Record, CsvError>>) -> Vec<String> {
        items
            .into_iter()
            .map(|r| r.unwrap().values()[0].clone())
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_source_reads_the_same_rows_blocking_or_polled() {
        use futures::StreamExt;
        let data = numbered(5000);
        let expected: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.csv");
        std::fs::write(&path, &data).unwrap();

        // Polled: a file, a blocking reader, an async reader.
        let polled = rows(path.as_path(), RecordDecoder::from_headers)
            .into_stream()
            .collect()
            .await;
        assert_eq!(values(polled), expected);
        let polled = rows(
            Source::reader(std::io::Cursor::new(data.clone())),
            RecordDecoder::from_headers,
        )
        .into_stream()
        .collect()
        .await;
        assert_eq!(values(polled), expected);
        // Blocking over an async source, started on the runtime and read
        // on a blocking thread.
        let started = rows(
            Source::async_reader(std::io::Cursor::new(data.clone())),
            RecordDecoder::from_headers,
        );
        let blocking = tokio::task::spawn_blocking(move || started.collect::<Vec<_>>())
            .await
            .unwrap();
        assert_eq!(values(blocking), expected);
    }

    #[test]
    fn an_async_source_outside_a_runtime_is_an_error_not_a_panic() {
        let mut read = rows(
            Source::async_reader(std::io::Cursor::new("a\n1\n")),
            RecordDecoder::from_headers,
        );
        let err = read.next().unwrap().unwrap_err();
        assert!(err.message.contains("tokio runtime"), "{err}");
        assert!(read.next().is_none());
    }

    #[test]
    fn a_missing_file_or_a_refused_header_is_the_first_item() {
        let mut missing = rows(
            Source::path("/nonexistent/x.csv"),
            RecordDecoder::from_headers,
        );
        let err = missing.next().unwrap().unwrap_err();
        assert!(err.message.contains("/nonexistent/x.csv"), "{err}");
        assert!(missing.next().is_none());

        let refuse = |_: &csv::StringRecord| -> Result<RecordDecoder, CsvError> {
            Err(CsvError::message("no such column"))
        };
        let mut refused = rows(Source::reader(std::io::Cursor::new("a\n1\n")), refuse);
        assert_eq!(
            refused.next().unwrap().unwrap_err().message,
            "no such column"
        );
        assert!(refused.next().is_none());
    }

    #[test]
    fn a_panicking_decoder_ends_reading_with_an_error() {
        #[derive(Debug)]
        struct Panics;
        impl RowDecoder for Panics {
            type Row = ();
            fn decode(&mut self, _: Fields<'_>) -> Result<(), CsvError> {
                Ok(())
            }
        }
        let make = |_: &csv::StringRecord| -> Result<Panics, CsvError> { panic!("bad decoder") };
        let mut read = rows(Source::reader(std::io::Cursor::new("a\n1\n")), make);
        let err = read.next().unwrap().unwrap_err();
        assert!(err.message.contains("thread failed"), "{err}");
    }
}
