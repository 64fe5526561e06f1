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

/// A row that could not be read, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default(), column.as_ref().map(|c| format!("column {c}: ")).unwrap_or_default())]
#[non_exhaustive]
pub struct CsvError {
    /// 1-based line of the record, when known.
    pub line: Option<u64>,
    /// Column name, when one value was at fault.
    pub column: Option<String>,
    /// What was wrong.
    pub message: String,
}

impl CsvError {
    /// The SDK's [`Error`](crate::Error) for this row of `source_name` (a
    /// path, or a URL already without its query): a decode error, the cell's
    /// text redacted like any server text.
    pub fn reading(self, source_name: &str) -> crate::Error {
        crate::Error::new(
            crate::ErrorKind::Decode,
            format!("reading {source_name}"),
            self.to_string(),
        )
        .with_source(self)
    }

    /// An error at a line (and column).
    pub fn at(line: u64, column: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }

    /// The `csv` crate's error in our words: the record reader's tests
    /// compare the two readers' errors through it.
    #[cfg(test)]
    pub(crate) fn from_csv(error: &csv::Error) -> Self {
        let line = error.position().map(|p| p.line());
        let message = match error.kind() {
            csv::ErrorKind::Utf8 { err, .. } => {
                format!("invalid UTF-8 in field {}", err.field() + 1)
            }
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("{len} fields where the header has {expected_len}")
            }
            csv::ErrorKind::Io(err) => format!("read failed: {err}"),
            _ => error.to_string(),
        };
        Self {
            line,
            column: None,
            message,
        }
    }
}

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

/// `YYYY-MM-DD`, checked to be a real date.
#[inline]
pub fn parse_date(value: &str) -> Option<chrono::NaiveDate> {
    let b = value.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        // The common case without chrono's format interpreter.
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        return chrono::NaiveDate::from_ymd_opt(year as i32, month, day);
    }
    None
}

#[inline]
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// RFC 3339, or `YYYY-MM-DD HH:MM:SS[.fff]` (with `T` or a space, optionally
/// followed by ` UTC`) read as UTC.
pub fn parse_timestamp(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    DateCache::default().timestamp(value)
}

/// `true`/`false`, also `1`/`0`, `yes`/`no`, `t`/`f`, in any case.
#[inline]
pub fn parse_bool(value: &str) -> Option<bool> {
    match trim(value) {
        "true" => Some(true),
        "false" => Some(false),
        word => {
            let is = |words: &[&str]| words.iter().any(|w| word.eq_ignore_ascii_case(w));
            if is(&["true", "1", "yes", "t"]) {
                Some(true)
            } else if is(&["false", "0", "no", "f"]) {
                Some(false)
            } else {
                None
            }
        }
    }
}

/// An integer, read without the general parser when it is plain digits
/// (the common case), else as `str::parse` reads it (surrounding spaces
/// allowed).
#[inline]
pub fn parse_i64(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    // 18 digits cannot overflow an i64.
    if !digits.is_empty() && digits.len() <= 18 {
        let mut n = 0u64;
        let mut rest = digits;
        // Eight digits at a time, then one at a time.
        while let Some((eight, after)) = rest.split_first_chunk::<8>() {
            let Some(value) = eight_digits(*eight) else {
                return value.trim().parse().ok();
            };
            n = n * 100_000_000 + value;
            rest = after;
        }
        for &d in rest {
            let digit = d.wrapping_sub(b'0');
            if digit > 9 {
                return value.trim().parse().ok();
            }
            n = n * 10 + u64::from(digit);
        }
        let n = n as i64;
        return Some(if negative { -n } else { n });
    }
    value.trim().parse().ok()
}

/// Eight ASCII digits as their number, all at once (`None` unless every
/// byte is a digit): the bytes are read as one little-endian word and
/// combined pairwise in three multiplications.
#[inline]
fn eight_digits(bytes: [u8; 8]) -> Option<u64> {
    let word = u64::from_le_bytes(bytes);
    // A byte is a digit when it is at least `0` and at most `9`: the first
    // subtraction borrows below `0`, the addition carries above `9`.
    let below = word.wrapping_sub(0x3030_3030_3030_3030);
    let above = word.wrapping_add(0x4646_4646_4646_4646);
    if (below | above) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    // The first digit is the lowest byte: each step joins neighbours into
    // lanes twice as wide (2, 4, then 8 digits).
    let pairs = (below.wrapping_mul(10) + (below >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((quads.wrapping_mul(10_000) + (quads >> 32)) & 0xFFFF_FFFF)
}

/// A number as `str::parse::<f64>` reads it after [`trim`]; plain decimals
/// (`-12.345`, at most 15 digits) without the general parser.
///
/// Such a decimal is `m / 10^k` with `m < 2^53` and `k <= 22`: both are
/// exact doubles, so one IEEE division rounds correctly, which is the
/// general parser's own fast path (Clinger's), minus its parsing.
#[inline]
pub fn parse_f64(value: &str) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let b = value.as_bytes();
    let (negative, rest) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let mut mantissa = 0u64;
    let mut digits = 0usize;
    let mut fraction = None;
    for (i, &byte) in rest.iter().enumerate() {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                digits += 1;
            }
            b'.' if fraction.is_none() => fraction = Some(rest.len() - i - 1),
            _ => return trim(value).parse().ok(),
        }
        if digits > 15 {
            return trim(value).parse().ok();
        }
    }
    // "", "-", "." and "-." are not numbers; "1." and ".5" are.
    if digits == 0 {
        return trim(value).parse().ok();
    }
    let magnitude = mantissa as f64 / POW10[fraction.unwrap_or(0)];
    Some(if negative { -magnitude } else { magnitude })
}

/// `value` without surrounding whitespace; free when there is none.
#[inline]
pub fn trim(value: &str) -> &str {
    match value.as_bytes() {
        // Both ends ASCII and not whitespace: nothing to trim (a non-ASCII
        // end may be Unicode whitespace, which `str::trim` removes).
        [first, .., last]
            if first.is_ascii()
                && last.is_ascii()
                && !first.is_ascii_whitespace()
                && !last.is_ascii_whitespace() =>
        {
            value
        }
        _ => value.trim(),
    }
}

/// Reads dates and timestamps, remembering the last day seen: report files
/// repeat one day on every row, so its calendar check runs once.
#[derive(Debug, Clone, Default)]
pub struct DateCache {
    last: Option<([u8; 10], chrono::NaiveDate)>,
}

impl DateCache {
    /// Like [`parse_date`].
    #[inline]
    pub fn date(&mut self, value: &str) -> Option<chrono::NaiveDate> {
        let b = value.as_bytes();
        if let Some((seen, date)) = &self.last
            && seen.as_slice() == b
        {
            return Some(*date);
        }
        let date = parse_date(value)?;
        let mut key = [0u8; 10];
        key.copy_from_slice(b);
        self.last = Some((key, date));
        Some(date)
    }

    /// Like [`parse_timestamp`].
    pub fn timestamp(&mut self, value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        if let Some(fixed) = FixedTimestamp::of(value) {
            let date = self.date(fixed.date)?;
            let (hour, minute, second) = fixed.time?;
            let time = chrono::NaiveTime::from_hms_opt(hour, minute, second)?;
            return Some(date.and_time(time).and_utc());
        }
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
            return Some(t.with_timezone(&chrono::Utc));
        }
        [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f UTC",
        ]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(value, format).ok())
        .map(|t| t.and_utc())
    }

    /// Like [`date`](Self::date), as days since 1970-01-01 (what Arrow's
    /// `Date32` holds).
    #[inline]
    pub fn days_since_epoch(&mut self, value: &str) -> Option<i32> {
        self.date(value).map(days_since_epoch)
    }

    /// Like [`timestamp`](Self::timestamp), as microseconds since the
    /// epoch (what Arrow's `Timestamp(Microsecond)` holds). The common
    /// `YYYY-MM-DDTHH:MM:SSZ` is counted without building a chrono value.
    #[inline]
    pub fn timestamp_micros(&mut self, value: &str) -> Option<i64> {
        let Some(fixed) = FixedTimestamp::of(value) else {
            return self.timestamp(value).map(|t| t.timestamp_micros());
        };
        let days = self.days_since_epoch(fixed.date)?;
        let (hour, minute, second) = fixed.time?;
        // chrono's `from_hms_opt` bounds, so both paths agree.
        if hour >= 24 || minute >= 60 || second >= 60 {
            return None;
        }
        let seconds = i64::from(days) * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        Some(seconds * 1_000_000)
    }
}

/// A timestamp in the fixed layout both fast paths read:
/// `YYYY-MM-DDTHH:MM:SSZ` (or a space for `T`, `Z` optional).
struct FixedTimestamp<'a> {
    date: &'a str,
    /// Hours, minutes, seconds; `None` if one is not two digits.
    time: Option<(u32, u32, u32)>,
}

/// `HH:MM:SS` as its three numbers, if each is two digits.
#[inline]
fn clock(b: &[u8]) -> Option<(u32, u32, u32)> {
    Some((digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?))
}

impl<'a> FixedTimestamp<'a> {
    /// `None` for any other layout (read by the general parsers).
    #[inline]
    fn of(value: &'a str) -> Option<Self> {
        let b = value.as_bytes();
        let fixed = (b.len() == 20 && b[19] == b'Z' || b.len() == 19)
            && (b[10] == b'T' || b[10] == b' ')
            && b[13] == b':'
            && b[16] == b':';
        fixed.then(|| Self {
            // `b[10]` is ASCII, so 10 is a character boundary.
            date: &value[..10],
            time: clock(&b[11..19]),
        })
    }
}

/// Days from 1970-01-01 to `date`.
#[inline]
pub fn days_since_epoch(date: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    // 1970-01-01 is day 719,163 counting 0001-01-01 as day 1.
    date.num_days_from_ce() - 719_163
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
