//! Streaming CSV rows in constant memory, from a file or straight from a
//! response body.
//!
//! A [`RowDecoder`] is built from the header line and turns each record into
//! a typed row. [`rows_from_reader`] iterates a `Read` (gzip is detected and
//! decoded); [`rows_from_async`] runs the same parser on a blocking thread
//! over an async byte source and hands rows over a bounded channel, so a
//! multi-GB body is never held in memory. A [`BatchDecoder`] types a
//! whole batch of [`Records`] at once instead ([`typed_batches_from_path`]),
//! on whichever of the two threads has time: the fastest way to type every
//! cell of a file.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::task::Poll;

use futures::Stream;

use crate::CsvError;

use crate::record_batches::{self, Batch, Cursor, Message, Splitter};
use crate::record_reader::RecordReader;
pub use crate::record_reader::{Fields, MAX_RECORD, OwnedFields, Records};
pub use crate::typed_batches::{
    AsyncTypedBatches, BatchDecoder, TypedBatch, TypedBatches, typed_batches_from_async,
    typed_batches_from_path, typed_batches_from_reader,
};
/// The header line decoders are made from (the `csv` crate's, named here
/// so no second crate is needed to implement one).
pub use csv::StringRecord;
use tokio::io::AsyncRead;

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

/// Typed rows of a CSV source. The source is split into records on a
/// thread of its own (`record_batches.rs`); rows are typed here,
/// as they are taken. Dropping the iterator stops that thread.
pub struct Rows<D: RowDecoder> {
    decoder: D,
    splitter: Splitter,
    cursor: Cursor,
}

impl<D: RowDecoder> Rows<D> {
    /// The decoder, as the last row left it: a decoder that types each
    /// record into buffers of its own (no row built) is read through this.
    pub fn decoder(&self) -> &D {
        &self.decoder
    }
}

impl<D: RowDecoder> Iterator for Rows<D> {
    type Item = Result<D::Row, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let splitter = &self.splitter;
            if let Some(row) = self
                .cursor
                .next_row(&mut self.decoder, |batch| splitter.recycle(batch))
            {
                return Some(row);
            }
            match self.splitter.recv()? {
                Ok(batch) => self.cursor.start(batch),
                Err(err) => return Some(Err(err)),
            }
        }
    }
}

/// Source of rows: gzip (recognised by its magic bytes) is decoded.
pub type Source = Box<dyn Read + Send>;

/// Reads rows from `input`, decoding gzip when the data starts with it.
pub fn rows_from_reader<D: FromHeaders>(
    input: impl Read + Send + 'static,
) -> Result<Rows<D>, CsvError> {
    rows_from_reader_with(input, D::from_headers)
}

/// Like [`rows_from_reader`], with the decoder built by `make`.
pub fn rows_from_reader_with<D: RowDecoder>(
    input: impl Read + Send + 'static,
    make: impl MakeDecoder<D>,
) -> Result<Rows<D>, CsvError> {
    let (reader, decoder) = open_csv(input, make)?;
    Ok(Rows {
        decoder,
        splitter: record_batches::start(reader, |_| {})?,
        cursor: Cursor::default(),
    })
}

/// The CSV reader of `input` (gzip decoded when it starts like gzip), past
/// its header, and the decoder made from that header.
pub(crate) fn open_csv<D>(
    input: impl Read + Send + 'static,
    make: impl FnOnce(&csv::StringRecord) -> Result<D, CsvError>,
) -> Result<(RecordReader<Source>, D), CsvError> {
    let mut buffered = BufReader::with_capacity(64 * 1024, input);
    let head = buffered.fill_buf().map_err(|e| CsvError {
        line: None,
        column: None,
        message: format!("read failed: {e}"),
    })?;
    let source: Source = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(buffered),
        ))
    } else {
        // The bytes looked at, then the source itself: the record reader
        // has a buffer of its own, and a second one would copy every byte
        // once more.
        let head = std::io::Cursor::new(head.to_vec());
        Box::new(head.chain(buffered.into_inner()))
    };
    let mut reader = RecordReader::new(source);
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

/// Reads rows from a file (plain or gzip).
pub fn rows_from_path<D: FromHeaders>(path: &Path) -> Result<Rows<D>, CsvError> {
    rows_from_path_with(path, D::from_headers)
}

/// Like [`rows_from_path`], with the decoder built by `make`.
pub fn rows_from_path_with<D: RowDecoder>(
    path: &Path,
    make: impl MakeDecoder<D>,
) -> Result<Rows<D>, CsvError> {
    rows_from_reader_with(open_file(path)?, make)
}

pub(crate) fn open_file(path: &Path) -> Result<std::fs::File, CsvError> {
    std::fs::File::open(path).map_err(|e| CsvError {
        line: None,
        column: None,
        message: format!("opening {}: {e}", path.display()),
    })
}

/// Reads rows from an async byte source (a response body) without storing
/// it: a blocking thread splits the CSV into records, the consumer types
/// them as it takes them, and memory stays constant.
pub fn rows_from_async<D: RowDecoder, R: AsyncRead + Send + Unpin + 'static>(
    input: R,
    make: impl MakeDecoder<D>,
) -> impl Stream<Item = Result<D::Row, CsvError>> + Send + 'static {
    let mut splitter = record_batches::start_async(input, make, |_: &D| |_: &mut Batch| {});
    let mut decoder: Option<D> = None;
    let mut cursor = Cursor::default();
    futures::stream::poll_fn(move |cx| {
        loop {
            if let Some(decoder) = decoder.as_mut()
                && let Some(row) = cursor.next_row(decoder, |batch| splitter.recycle(batch))
            {
                return Poll::Ready(Some(row));
            }
            match std::task::ready!(splitter.messages.poll_recv(cx)) {
                None => return Poll::Ready(None),
                Some(Message::Decoder(made)) => decoder = Some(made),
                Some(Message::Batch(batch)) => cursor.start(batch),
                Some(Message::Failed(err)) => return Poll::Ready(Some(Err(err))),
            }
        }
    })
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
        let mut rows = rows_from_reader::<RecordDecoder>(std::io::Cursor::new(data)).unwrap();
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
        let items: Vec<_> = rows_from_async::<RecordDecoder, _>(
            std::io::Cursor::new(data),
            RecordDecoder::from_headers,
        )
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

    #[test]
    fn gzip_is_detected_and_decoded() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"x\n1\n2\n").unwrap();
        let gz = encoder.finish().unwrap();
        let rows: Vec<_> = rows_from_reader::<RecordDecoder>(std::io::Cursor::new(gz))
            .unwrap()
            .map(|r| r.unwrap().values()[0].clone())
            .collect();
        assert_eq!(rows, ["1", "2"]);
    }
}
