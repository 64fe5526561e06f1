//! CSV records split exactly as the `csv` crate splits them, faster.
//!
//! `csv_core`'s state machine looks at every byte; in report files a field
//! ends at the next `,` and a record at the next `\n` or `\r`, and a quoted
//! field is quoted whole (`"a,b"`). Those are found here eight bytes at a
//! time. Any other record with a quote (a doubled quote, a line end inside
//! quotes, text after a closing quote) and the first record (where
//! `csv_core` strips a byte-order mark) go through a `csv_core` reader kept
//! from record to record, so every odd case is `csv_core`'s own. Positions, empty-line skipping and the field-count check follow
//! `csv::Reader` with its defaults and `flexible(false)`; the property test
//! `same_records_as_the_csv_crate` compares the two on fuzzed input.
//!
//! Unlike `csv::Reader`, a record is bounded: one longer than
//! [`MAX_RECORD`] (a hostile body without a newline) is an error, not a
//! buffer that grows until memory runs out.
//!
//! A reader's bytes are read into its own buffer, or, for a download's
//! body, scanned in the network's pieces where they are: only a record
//! that a piece's end cuts is put together in the buffer (the body's bytes
//! are then copied once fewer than with `Read`, BENCHMARKS.md).

use std::io::Read;

use bytes::Bytes;

use crate::CsvError;

/// Longest record accepted, in bytes.
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

/// Bytes read from the source at once: small enough that the buffer stays
/// in the core's cache while it is split.
const READ_SIZE: usize = 64 * 1024;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Bytes of `word` below `b'-'` (`,` `"` `\r` `\n` among them, and
/// space), as the high bit of each such byte. Exact per byte: the
/// subtraction cannot borrow across bytes, and bytes of 0x80 and above are
/// masked out.
fn below_dash(word: u64) -> u64 {
    !((word | HIGH).wrapping_sub(ONES * u64::from(b'-'))) & !word & HIGH
}

/// Records read as text: every record's fields in one buffer, so a batch
/// of records costs a few allocations, reused, however many fields it has.
/// A [`BatchDecoder`](crate::BatchDecoder) types them.
#[derive(Debug, Default)]
pub struct Records {
    /// Each record's fields, one separator byte between two fields (a
    /// field read on the fast path from quotes keeps them).
    text: String,
    /// Where each field ends in `text` (u32: less memory for the other
    /// thread to fetch; a batch's text stays far below 2 GiB), with
    /// `QUOTED_END` for a field kept with its quotes.
    ends: Vec<u32>,
    spans: Vec<Span>,
}

/// One record of [`Records`].
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    /// Its fields' ends are `ends[ends_from..ends_to]`.
    ends_from: u32,
    ends_to: u32,
    line: u64,
}

impl Records {
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.spans.clear();
    }

    /// Number of records.
    #[inline]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there is no record.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The records in order.
    #[inline]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Fields<'_>> + '_ {
        (0..self.len()).map(|i| self.at(i))
    }

    /// Bytes of text held.
    pub(crate) fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Record `i`, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Fields<'_>> {
        (i < self.len()).then(|| self.at(i))
    }

    /// Record `i` (which must exist).
    #[inline]
    pub(crate) fn at(&self, i: usize) -> Fields<'_> {
        let span = self.spans[i];
        Fields {
            text: &self.text,
            ends: &self.ends[span.ends_from as usize..span.ends_to as usize],
            start: span.start,
            line: span.line,
        }
    }

    /// Makes the text and ends appended since `text_start` and `ends_from`
    /// one record.
    fn push_span(&mut self, text_start: usize, ends_from: usize, line: u64) {
        self.spans.push(Span {
            start: text_start as u32,
            ends_from: ends_from as u32,
            ends_to: self.ends.len() as u32,
            line,
        });
    }
}

/// One record of a CSV source, borrowed while a decoder reads it.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    text: &'a str,
    ends: &'a [u32],
    start: u32,
    line: u64,
}

impl<'a> Fields<'a> {
    /// Field `i` (0-based), if the record has it.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = match i {
            0 => self.start,
            _ => (self.ends[i - 1] & !QUOTED_END) + 1,
        } as usize;
        if end & QUOTED_END != 0 {
            // Without its quotes.
            self.text.get(start + 1..(end & !QUOTED_END) as usize - 1)
        } else {
            self.text.get(start..end as usize)
        }
    }

    /// Number of fields.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no field (never, for a record read from CSV).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let fields = *self;
        (0..fields.len()).filter_map(move |i| fields.get(i))
    }

    /// 1-based line where the record starts, as the `csv` crate counts it.
    #[inline]
    pub fn line(&self) -> u64 {
        self.line
    }

    /// An owned copy of the record (one allocation for the text, one for
    /// the field bounds).
    pub fn to_owned_record(&self) -> OwnedFields {
        let end = self.ends.last().map_or(self.start, |e| e & !QUOTED_END);
        OwnedFields {
            text: self.text[self.start as usize..end as usize].into(),
            ends: self
                .ends
                .iter()
                .map(|e| ((e & !QUOTED_END) - self.start) | (e & QUOTED_END))
                .collect(),
            line: self.line,
        }
    }
}

/// A record's fields, owned: [`Fields::to_owned_record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedFields {
    text: Box<str>,
    ends: Box<[u32]>,
    line: u64,
}

impl OwnedFields {
    /// The record as [`Fields`].
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            text: &self.text,
            ends: &self.ends,
            start: 0,
            line: self.line,
        }
    }
}

/// Why a record could not be read.
#[derive(Debug)]
pub(crate) enum RecordError {
    /// The source failed; reading is over.
    Io(std::io::Error),
    /// The data cannot be read further (a record past [`MAX_RECORD`]).
    Fatal(CsvError),
    /// This record is bad; the next one may be read.
    Record(CsvError),
}

impl RecordError {
    /// Whether reading is over.
    pub(crate) fn ends_reading(&self) -> bool {
        !matches!(self, RecordError::Record(_))
    }

    /// Field `field` (0-based) of the record at `line` is not UTF-8.
    fn bad_utf8(line: u64, field: usize) -> Self {
        RecordError::Record(CsvError::at(
            line,
            None,
            format!("invalid UTF-8 in field {}", field + 1),
        ))
    }

    pub(crate) fn into_csv(self) -> CsvError {
        match self {
            RecordError::Io(err) => CsvError {
                line: None,
                column: None,
                message: format!("read failed: {err}"),
            },
            RecordError::Fatal(err) | RecordError::Record(err) => err,
        }
    }
}

/// Where the fast scan of a record stopped.
enum Scan {
    /// The record ends at `at` (its terminator, `\n` or `\r`, or the end
    /// of the data); `ascii` if every byte before it is ASCII.
    Terminator { at: usize, ascii: bool },
    /// The data ends before a terminator.
    Unterminated,
    /// A quote: the record is `csv_core`'s.
    Quote,
}

/// Marks, in a batch's `u32` ends, a field that was quoted: its text,
/// quotes included, lies before the end.
const QUOTED_END: u32 = 1 << 31;

/// Whether the field being scanned is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Open,
    /// Closed by the quote at this index.
    Closed(usize),
}

/// The fast scan's place in a record. It takes plain fields and fields
/// quoted whole (`"a,b"`: a quote at the start, the closing one right
/// before the delimiter); anything else with a quote (a doubled quote, a
/// line end inside quotes, text after the closing quote, a quote inside a
/// field) is `csv_core`'s.
///
/// Field ends go straight into the batch's ends, as places in its text
/// (`to_text` is what to add to an index of the scanned bytes), so a
/// record is not gone over a second time.
struct FieldScan<'a> {
    start: usize,
    quote: Quote,
    ends: &'a mut Vec<u32>,
    to_text: usize,
}

impl FieldScan<'_> {
    /// One byte below `-` at `at`; `Some` when the scan of the record is
    /// over.
    #[inline(always)]
    fn step(&mut self, at: usize, byte: u8) -> Option<Scan> {
        if self.quote == Quote::Open {
            return match byte {
                b'"' => {
                    self.quote = Quote::Closed(at);
                    None
                }
                b'\n' | b'\r' => Some(Scan::Quote),
                _ => None,
            };
        }
        match byte {
            b'"' if at == self.start && self.quote == Quote::None => {
                self.quote = Quote::Open;
                None
            }
            b'"' => Some(Scan::Quote),
            b',' if self.end_field(at) => {
                self.start = at + 1;
                self.quote = Quote::None;
                None
            }
            b',' => Some(Scan::Quote),
            b'\n' | b'\r' if self.end_field(at) => Some(Scan::Terminator { at, ascii: false }),
            b'\n' | b'\r' => Some(Scan::Quote),
            _ => None,
        }
    }

    /// Ends the field at `at`; false when it cannot be taken as it is (a
    /// quote left open, or text after the closing one).
    #[inline(always)]
    fn end_field(&mut self, at: usize) -> bool {
        let flag = match self.quote {
            Quote::None => 0,
            Quote::Closed(close) if close + 1 == at => QUOTED_END,
            _ => return false,
        };
        // A batch's text stays far below 2 GiB (`Records`).
        self.ends.push(at.wrapping_add(self.to_text) as u32 | flag);
        true
    }
}

/// Pieces of bytes that a record reader scans where they are.
pub(crate) trait Pieces: Read + Send {
    /// The next piece; `None` at the end of the data.
    fn next_piece(&mut self) -> std::io::Result<Option<Bytes>>;

    /// Gives `piece` back: it comes first again, as a piece or read.
    fn unread(&mut self, piece: Bytes);
}

/// Where a record reader's bytes come from.
enum Input<R> {
    /// Read into the reader's buffer.
    Read(R),
    /// Scanned where they are (`in_piece`), or, around a record that a
    /// piece's end cuts, copied into the buffer.
    Pieces {
        pieces: Box<dyn Pieces>,
        /// The piece being read.
        piece: Bytes,
        /// Whether `start..end` index `piece` rather than the buffer.
        in_piece: bool,
        /// While in the buffer: the buffer's data ends with
        /// `piece[..copied]`.
        copied: usize,
        /// Fewest bytes of a piece copied after a cut record's start.
        least_copy: usize,
    },
}

/// The bytes `start..end` index: the buffer, or the piece scanned in place.
#[inline(always)]
fn active<'a, R>(input: &'a Input<R>, buf: &'a [u8]) -> &'a [u8] {
    match input {
        Input::Pieces {
            piece,
            in_piece: true,
            ..
        } => piece,
        _ => buf,
    }
}

/// Splits records from a byte source.
pub(crate) struct RecordReader<R> {
    input: Input<R>,
    buf: Vec<u8>,
    /// Next unread byte of the active bytes (`active`).
    start: usize,
    /// End of the data in the active bytes.
    end: usize,
    eof: bool,
    failed: bool,
    /// Refills so far (tests check that a long record takes few).
    #[cfg(test)]
    refills: usize,
    /// Where the next record starts, as `csv::Position` counts it.
    line: u64,
    expected_fields: Option<usize>,
    core: csv_core::Reader,
    /// The first record goes through `csv_core` (it strips a BOM).
    core_has_read: bool,
    /// Where the fields of the record `csv_core` reads end, in `core_out`
    /// (the fast path writes its ends into the batch).
    ends: Vec<usize>,
    core_out: Vec<u8>,
    max_record: usize,
}

impl<R: Read> RecordReader<R> {
    pub(crate) fn new(input: R) -> Self {
        Self::with_limits(input, READ_SIZE, MAX_RECORD)
    }

    /// With a small `read_size` the tests cross buffer ends everywhere.
    pub(crate) fn with_limits(input: R, read_size: usize, max_record: usize) -> Self {
        Self::with_input(Input::Read(input), vec![0; read_size.max(1)], max_record)
    }

    /// A reader that scans `pieces` where they are.
    pub(crate) fn pieces(pieces: Box<dyn Pieces>) -> Self {
        // A cut record is rarely longer: one copy puts most together.
        Self::pieces_with_limits(pieces, 4096, MAX_RECORD)
    }

    /// With a small `least_copy` the tests go back and forth between the
    /// buffer and the pieces everywhere.
    fn pieces_with_limits(pieces: Box<dyn Pieces>, least_copy: usize, max_record: usize) -> Self {
        let input = Input::Pieces {
            pieces,
            piece: Bytes::new(),
            in_piece: true,
            copied: 0,
            least_copy: least_copy.max(1),
        };
        Self::with_input(input, Vec::new(), max_record)
    }

    fn with_input(input: Input<R>, buf: Vec<u8>, max_record: usize) -> Self {
        Self {
            input,
            buf,
            start: 0,
            end: 0,
            eof: false,
            failed: false,
            #[cfg(test)]
            refills: 0,
            line: 1,
            expected_fields: None,
            core: csv_core::Reader::new(),
            core_has_read: false,
            ends: Vec::with_capacity(64),
            core_out: vec![0; 1024],
            max_record,
        }
    }

    /// Appends the next record to `records`; `Ok(false)` at the end. After
    /// an error that does not end reading, the next call reads the next
    /// record, as with `csv::Reader`; nothing is appended for a bad record.
    pub(crate) fn read_into(&mut self, records: &mut Records) -> Result<bool, RecordError> {
        if self.failed {
            return Ok(false);
        }
        let line = self.line;
        let found = if self.core_has_read {
            self.read_fast(records, line)
        } else {
            self.core_has_read = true;
            // `csv_core` strips a BOM only when its first input holds all
            // three bytes, and takes input left empty by that for the end.
            let mut filled = Ok(true);
            while filled.is_ok() && self.end - self.start < 4 && !self.eof {
                filled = self.refill();
            }
            filled.and_then(|_| self.read_core(records, line))
        };
        if let Err(err) = &found
            && err.ends_reading()
        {
            self.failed = true;
        }
        found
    }

    /// Checks the number of fields against the first record's, as
    /// `csv::Reader` does unless flexible.
    fn check_fields(&mut self, fields: usize, line: u64) -> Result<(), RecordError> {
        match self.expected_fields {
            None => self.expected_fields = Some(fields),
            Some(expected) if expected != fields => {
                return Err(RecordError::Record(CsvError::at(
                    line,
                    None,
                    format!("{fields} fields where the header has {expected}"),
                )));
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// Makes more data follow what is left. `Ok(false)` at the end of the
    /// data.
    ///
    /// A record not ended yet is scanned again from its start after each
    /// refill, so a refill brings at least as many bytes as are left (or a
    /// line end, where the record may end): a long record sent a byte at a
    /// time costs linear time, not quadratic.
    fn refill(&mut self) -> Result<bool, RecordError> {
        #[cfg(test)]
        {
            self.refills += 1;
        }
        if self.eof {
            return Ok(false);
        }
        let Input::Read(input) = &mut self.input else {
            return self.refill_pieces();
        };
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.end == self.buf.len() {
            if self.buf.len() >= self.max_record {
                return Err(too_long(self.line, self.max_record));
            }
            let grown = (self.buf.len() * 2).min(self.max_record);
            self.buf.resize(grown, 0);
        }
        let (left, mut read) = (self.end, 0);
        loop {
            match input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    let new = self.end..self.end + n;
                    (self.end, read) = (self.end + n, read + n);
                    // A file fills the buffer at once: nothing to look at.
                    if self.end == self.buf.len() || read >= left || has_line_end(&self.buf[new]) {
                        break;
                    }
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(RecordError::Io(err)),
            }
        }
        Ok(read > 0)
    }

    /// [`refill`](Self::refill) of pieces: the next piece is scanned where
    /// it is; a record cut by a piece's end is put together in the buffer,
    /// from what is left of the piece and the start of the next, and
    /// scanning goes back to the piece once the buffer's data is all the
    /// piece's.
    fn refill_pieces(&mut self) -> Result<bool, RecordError> {
        let Input::Pieces {
            pieces,
            piece,
            in_piece,
            copied,
            least_copy,
        } = &mut self.input
        else {
            unreachable!("called for pieces only")
        };
        let left = self.end - self.start;
        if *in_piece {
            if left == 0 {
                // Let go of the piece first: its memory is then free for
                // the next (hyper reads into the same buffer again).
                (*piece, self.start, self.end) = (Bytes::new(), 0, 0);
                return match next_piece(pieces.as_mut())? {
                    Some(next) => {
                        (self.start, self.end) = (0, next.len());
                        *piece = next;
                        Ok(true)
                    }
                    None => {
                        self.eof = true;
                        Ok(false)
                    }
                };
            }
            // A record cut by the piece's end: its start to the buffer.
            self.buf.clear();
            self.buf.extend_from_slice(&piece[self.start..self.end]);
            (*in_piece, *piece, *copied) = (false, Bytes::new(), 0);
        } else if *copied < piece.len() && self.start >= self.end - *copied {
            // What is left of the buffer is all the piece's: back to it.
            self.start -= self.end - *copied;
            self.end = piece.len();
            *in_piece = true;
            return Ok(true);
        } else {
            self.buf.copy_within(self.start..self.end, 0);
            self.buf.truncate(left);
        }
        (self.start, self.end) = (0, left);
        if left >= self.max_record {
            return Err(too_long(self.line, self.max_record));
        }
        // As many pieces as it takes (see `refill`).
        let want = left.max(*least_copy).min(self.max_record - left);
        let mut appended = 0;
        while appended < want {
            if *copied == piece.len() {
                *piece = Bytes::new();
                // Bytes gathered before an error hold no line end, so no
                // record is lost with them.
                match next_piece(pieces.as_mut())? {
                    Some(next) => (*piece, *copied) = (next, 0),
                    None => {
                        self.eof = true;
                        break;
                    }
                }
            }
            let more = (want - appended).min(piece.len() - *copied);
            let new = &piece[*copied..*copied + more];
            self.buf.extend_from_slice(new);
            (*copied, appended) = (*copied + more, appended + more);
            if has_line_end(new) {
                break;
            }
        }
        self.end += appended;
        Ok(appended > 0)
    }

    /// A record of plain or wholly quoted fields straight from the buffer;
    /// any other goes to `csv_core`.
    fn read_fast(&mut self, records: &mut Records, line: u64) -> Result<bool, RecordError> {
        loop {
            // Empty lines (and the `\n` of a `\r\n`) before a record are
            // skipped, as `csv_core` does at the start of a record; the
            // record keeps the line from before them, as in `csv`.
            let skipped = active(&self.input, &self.buf)[self.start..self.end]
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .fold(0, |n, &b| {
                    self.line += u64::from(b == b'\n');
                    n + 1
                });
            self.start += skipped;
            if self.start == self.end {
                if self.refill()? {
                    continue;
                }
                return Ok(false);
            }
            let record_start = self.start;
            let (text_start, ends_from) = (records.text.len(), records.ends.len());
            let scanned = self.scan(&mut records.ends, text_start.wrapping_sub(record_start));
            let (end, ascii) = match scanned {
                Scan::Terminator { at, ascii } => (at, ascii),
                Scan::Quote => {
                    records.ends.truncate(ends_from);
                    return self.read_core(records, line);
                }
                Scan::Unterminated => {
                    records.ends.truncate(ends_from);
                    if !self.refill()? && self.start == self.end {
                        return Ok(false);
                    }
                    continue;
                }
            };
            // Past the terminator (there is none at the end of the data).
            self.start = (end + 1).min(self.end);
            self.line += u64::from(end < self.end && active(&self.input, &self.buf)[end] == b'\n');
            let checked = self.check_fields(records.ends.len() - ends_from, line);
            let bytes = &active(&self.input, &self.buf)[record_start..end];
            let text = checked.and_then(|()| {
                if ascii {
                    debug_assert!(bytes.is_ascii());
                    // SAFETY: the scan saw every byte of `bytes` below 0x80,
                    // and ASCII is UTF-8.
                    return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
                }
                std::str::from_utf8(bytes).map_err(|err| {
                    // Commas and quotes are ASCII, so a field holds the bad
                    // byte whole.
                    let at = text_start + err.valid_up_to();
                    let field = records.ends[ends_from..]
                        .iter()
                        .take_while(|&&e| ((e & !QUOTED_END) as usize) < at)
                        .count();
                    RecordError::bad_utf8(line, field)
                })
            });
            let text = match text {
                Ok(text) => text,
                Err(err) => {
                    records.ends.truncate(ends_from);
                    return Err(err);
                }
            };
            // The line's own commas separate its fields in `records`.
            records.text.push_str(text);
            records.push_span(text_start, ends_from, line);
            return Ok(true);
        }
    }

    /// Finds where the fields of the record at `start` end (into `ends`,
    /// the last one's included, each plus `to_text`) and where the record
    /// ends.
    fn scan(&self, ends: &mut Vec<u32>, to_text: usize) -> Scan {
        let data = &active(&self.input, &self.buf)[..self.end];
        let mut field = FieldScan {
            start: self.start,
            quote: Quote::None,
            ends,
            to_text,
        };
        // The bytes looked at so far, OR-ed: a record of ASCII alone needs
        // no UTF-8 check (most reports are ASCII).
        let mut high = 0;
        let ascii = |high: u64, scan| match scan {
            Scan::Terminator { at, .. } => Scan::Terminator {
                at,
                ascii: high & HIGH == 0,
            },
            other => other,
        };
        let mut i = self.start;
        while i + 8 <= data.len() {
            let word = u64::from_le_bytes(data[i..i + 8].try_into().expect("8 bytes"));
            high |= word;
            let mut found = below_dash(word);
            while found != 0 {
                let at = i + (found.trailing_zeros() / 8) as usize;
                found &= found - 1;
                if let Some(scan) = field.step(at, data[at]) {
                    return ascii(high, scan);
                }
            }
            i += 8;
        }
        for (at, &byte) in data.iter().enumerate().skip(i) {
            high |= u64::from(byte);
            if let Some(scan) = field.step(at, byte) {
                return ascii(high, scan);
            }
        }
        if !self.eof {
            return Scan::Unterminated;
        }
        // The last record of the data may end without a terminator.
        if field.end_field(data.len()) {
            ascii(
                high,
                Scan::Terminator {
                    at: data.len(),
                    ascii: false,
                },
            )
        } else {
            Scan::Quote
        }
    }

    /// One record through `csv_core`, refilling as it asks.
    fn read_core(&mut self, records: &mut Records, line: u64) -> Result<bool, RecordError> {
        use csv_core::ReadRecordResult;
        self.core.set_line(self.line);
        self.ends.clear();
        let mut out_len = 0;
        let mut ends = [0usize; 64];
        loop {
            if self.start == self.end && !self.eof {
                self.refill()?;
            }
            let input = &active(&self.input, &self.buf)[self.start..self.end];
            let (result, read, written, ended) =
                self.core
                    .read_record(input, &mut self.core_out[out_len..], &mut ends);
            // `csv_core` counts the lines: the bytes it read may hold
            // quoted newlines.
            self.start += read;
            self.line = self.core.line();
            out_len += written;
            self.ends.extend_from_slice(&ends[..ended]);
            if out_len > self.max_record {
                return Err(too_long(self.line, self.max_record));
            }
            match result {
                ReadRecordResult::InputEmpty | ReadRecordResult::OutputEndsFull => {}
                ReadRecordResult::OutputFull => {
                    let grown = self.core_out.len() * 2;
                    self.core_out.resize(grown, 0);
                }
                ReadRecordResult::Record => break,
                ReadRecordResult::End => return Ok(false),
            }
        }
        self.check_fields(self.ends.len(), line)?;
        // Each field checked on its own, as `csv` does: a character cut by
        // a field's end is invalid even if the next field completes it.
        let (text_start, ends_from) = (records.text.len(), records.ends.len());
        let mut from = 0;
        for (i, &at) in self.ends.iter().enumerate() {
            let Ok(field) = std::str::from_utf8(&self.core_out[from..at]) else {
                records.text.truncate(text_start);
                records.ends.truncate(ends_from);
                return Err(RecordError::bad_utf8(line, i));
            };
            if i > 0 {
                records.text.push(',');
            }
            records.text.push_str(field);
            records.ends.push(records.text.len() as u32);
            from = at;
        }
        records.push_span(text_start, ends_from, line);
        Ok(true)
    }
}

/// A record at `line` that would be longer than `max_record` bytes.
fn too_long(line: u64, max_record: usize) -> RecordError {
    RecordError::Fatal(CsvError::at(
        line,
        None,
        format!(
            "a record longer than {} MiB; is this a CSV file?",
            max_record / (1024 * 1024)
        ),
    ))
}

/// Whether `bytes` hold a `\n` or `\r`, where a record may end.
fn has_line_end(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b == b'\n' || b == b'\r')
}

/// The next piece that is not empty; `None` at the end.
fn next_piece(pieces: &mut dyn Pieces) -> Result<Option<Bytes>, RecordError> {
    loop {
        match pieces.next_piece() {
            Ok(Some(piece)) if piece.is_empty() => {}
            Ok(next) => return Ok(next),
            Err(err) => return Err(RecordError::Io(err)),
        }
    }
}

/// The [`Read`] of any [`Pieces`]: the next piece's first bytes copied,
/// the rest given back.
pub(crate) fn read_pieces<P: Pieces + ?Sized>(
    pieces: &mut P,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    while let Some(mut piece) = pieces.next_piece()? {
        if piece.is_empty() {
            continue;
        }
        let n = buf.len().min(piece.len());
        buf[..n].copy_from_slice(&piece.split_to(n));
        if !piece.is_empty() {
            pieces.unread(piece);
        }
        return Ok(n);
    }
    Ok(0)
}

/// Pieces cut from data at given sizes (empty ones included), for tests.
#[cfg(test)]
pub(crate) struct Cut(std::collections::VecDeque<Bytes>);

#[cfg(test)]
impl Cut {
    pub(crate) fn new(data: &[u8], sizes: &[usize]) -> Self {
        assert!(sizes.iter().any(|&n| n > 0), "pieces of no bytes never end");
        let mut pieces = std::collections::VecDeque::new();
        let mut at = 0;
        for size in sizes.iter().cycle() {
            let end = (at + size).min(data.len());
            pieces.push_back(Bytes::copy_from_slice(&data[at..end]));
            at = end;
            if at == data.len() {
                break;
            }
        }
        Self(pieces)
    }

    /// The pieces, in order.
    pub(crate) fn into_pieces(self) -> impl Iterator<Item = Bytes> {
        self.0.into_iter()
    }
}

#[cfg(test)]
impl std::io::Read for Cut {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        read_pieces(self, buf)
    }
}

#[cfg(test)]
impl Pieces for Cut {
    fn next_piece(&mut self) -> std::io::Result<Option<Bytes>> {
        Ok(self.0.pop_front())
    }

    fn unread(&mut self, piece: Bytes) {
        self.0.push_front(piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a reader gave: fields and line of each record, or an error's
    /// line and message.
    #[derive(Debug, PartialEq)]
    enum Read {
        Record(Vec<String>, u64),
        Error(Option<u64>, String),
    }

    fn ours(data: &[u8], read_size: usize) -> Vec<Read> {
        read_all(
            RecordReader::with_limits(data, read_size, MAX_RECORD),
            data.len(),
        )
    }

    fn read_all<R: std::io::Read>(mut reader: RecordReader<R>, len: usize) -> Vec<Read> {
        let mut records = Records::default();
        let mut out = Vec::new();
        for _ in 0..len + 2 {
            // Records pile up in one buffer, as in a batch.
            match reader.read_into(&mut records) {
                Ok(true) => {
                    let record = records.at(records.len() - 1);
                    out.push(Read::Record(
                        record.iter().map(str::to_owned).collect(),
                        record.line(),
                    ))
                }
                Ok(false) => break,
                Err(err) => {
                    let err = err.into_csv();
                    out.push(Read::Error(err.line, err.message))
                }
            }
        }
        out
    }

    /// As [`ours`], the data scanned in pieces of `sizes` (in turn), at
    /// least `least_copy` bytes copied after a cut record's start.
    fn ours_in_pieces(
        data: &[u8],
        sizes: &[usize],
        least_copy: usize,
        max_record: usize,
    ) -> Vec<Read> {
        let pieces = Box::new(Cut::new(data, sizes));
        let reader = RecordReader::<&[u8]>::pieces_with_limits(pieces, least_copy, max_record);
        read_all(reader, data.len())
    }

    fn theirs(data: &[u8]) -> Vec<Read> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .from_reader(data);
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        for _ in 0..data.len() + 2 {
            match reader.read_record(&mut record) {
                Ok(true) => out.push(Read::Record(
                    record.iter().map(str::to_owned).collect(),
                    record.position().map(|p| p.line()).unwrap_or(0),
                )),
                Ok(false) => break,
                Err(err) => {
                    let err = CsvError::from_csv(&err);
                    out.push(Read::Error(err.line, err.message))
                }
            }
        }
        out
    }

    fn fragment() -> impl Strategy<Value = &'static [u8]> {
        prop::sample::select(vec![
            &b"a"[..],
            b"bc",
            b"12345678",
            b",",
            b",",
            b"\"",
            b"\"\"",
            b"\n",
            b"\r\n",
            b"\r",
            b" ",
            "é".as_bytes(),
            // Its two bytes apart: a character cut at a field's end.
            b"\xc3",
            b"\xa9",
            b"\xff",
            b"\xef\xbb\xbf",
        ])
    }

    proptest! {
        #[test]
        fn same_records_as_the_csv_crate(
            parts in prop::collection::vec(fragment(), 0..60),
            read_size in 1usize..40,
        ) {
            let data = parts.concat();
            prop_assert_eq!(ours(&data, read_size), theirs(&data));
        }

        #[test]
        fn same_records_as_the_csv_crate_in_pieces(
            parts in prop::collection::vec(fragment(), 0..60),
            sizes in prop::collection::vec(0usize..40, 1..6)
                .prop_filter("a piece with bytes", |sizes| sizes.iter().any(|&n| n > 0)),
            least_copy in 1usize..8,
        ) {
            let data = parts.concat();
            prop_assert_eq!(ours_in_pieces(&data, &sizes, least_copy, MAX_RECORD), theirs(&data));
        }

        #[test]
        fn same_records_as_the_csv_crate_for_report_like_data(
            rows in prop::collection::vec(
                prop::collection::vec(prop::sample::select(vec![
                    "", "x", "web-app", "2026-06-30", "12", "0.5", "\"q,uoted\"", "\"a\"\"b\"", "é",
                ]), 3),
                0..30,
            ),
            crlf in any::<bool>(),
            read_size in prop::sample::select(vec![7usize, 64, 4096]),
        ) {
            let newline = if crlf { "\r\n" } else { "\n" };
            let data: String = rows.iter().map(|row| row.join(",") + newline).collect();
            let theirs = theirs(data.as_bytes());
            prop_assert_eq!(&ours(data.as_bytes(), read_size), &theirs);
            // Pieces of one size, then of that size and a few bytes.
            let sizes = [read_size, read_size + 3];
            for least_copy in [1, 5, 4096] {
                prop_assert_eq!(
                    &ours_in_pieces(data.as_bytes(), &sizes, least_copy, MAX_RECORD),
                    &theirs
                );
            }
        }
    }

    #[test]
    fn a_record_without_end_is_refused_at_the_limit() {
        let data = vec![b'x'; 10_000];
        let mut reader = RecordReader::with_limits(&data[..], 64, 1024);
        let mut records = Records::default();
        let err = reader.read_into(&mut records).unwrap_err();
        assert!(err.ends_reading());
        let err = err.into_csv();
        assert!(err.message.contains("a record longer than"), "{err}");
        assert!(!reader.read_into(&mut records).unwrap());

        // A quoted field that never closes, past the first record.
        let data = [&b"a\n\""[..], &vec![b'x'; 10_000]].concat();
        let mut reader = RecordReader::with_limits(&data[..], 64, 1024);
        assert!(reader.read_into(&mut records).unwrap());
        let err = reader.read_into(&mut records).unwrap_err().into_csv();
        assert!(err.message.contains("a record longer than"), "{err}");
    }

    #[test]
    fn a_record_without_end_is_refused_at_the_limit_in_pieces() {
        let data = vec![b'x'; 10_000];
        for sizes in [&[64][..], &[10_000], &[1, 3000]] {
            let out = ours_in_pieces(&data, sizes, 4096, 1024);
            assert!(
                matches!(&out[..], [Read::Error(_, message)] if message.contains("a record longer than")),
                "{sizes:?}: {out:?}"
            );
        }
        // Records around it, each cut by pieces' ends, read as they are.
        let data = [&b"a,b\n"[..], &vec![b'x'; 500], b",y\nc,d\n"].concat();
        let expected = theirs(&data);
        for size in [1, 2, 7, 64, 499, 501, 2048] {
            for least_copy in [1, 4096] {
                let out = ours_in_pieces(&data, &[size], least_copy, 1024);
                assert_eq!(out, expected, "pieces of {size}, copies of {least_copy}");
            }
        }
    }

    #[test]
    fn a_long_record_cut_by_many_pieces_is_put_together_whole() {
        // Longer than the first copy (4 KiB) and than many pieces: the
        // buffer grows with it, then scanning goes back to the pieces.
        let long = "x".repeat(50_000);
        let data = format!("a,b\n{long},1\n\"q,{long}\",2\nlast,3\n");
        let expected = theirs(data.as_bytes());
        assert_eq!(expected.len(), 4);
        for sizes in [&[1000][..], &[65_536], &[3, 70_000], &[0, 4096, 1]] {
            assert_eq!(
                ours_in_pieces(data.as_bytes(), sizes, 4096, MAX_RECORD),
                expected,
                "{sizes:?}"
            );
        }
    }

    /// A reader that gives one byte per read.
    struct ByteAtATime<'a>(&'a [u8]);

    impl std::io::Read for ByteAtATime<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&byte, rest)), Some(slot)) => {
                    *slot = byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// Every record of `reader` as text, and the refills it took.
    fn records_and_refills<R: std::io::Read>(mut reader: RecordReader<R>) -> (Vec<String>, usize) {
        let mut records = Records::default();
        while reader.read_into(&mut records).unwrap() {}
        let text = records
            .iter()
            .map(|r| r.iter().collect::<Vec<_>>().join("|"));
        (text.collect(), reader.refills)
    }

    #[test]
    fn a_long_record_sent_a_byte_at_a_time_takes_few_refills() {
        // Scanned again from its start after each refill: one byte per
        // refill would be ~16 K rescans of up to 16 KiB.
        let long = "x".repeat(1 << 14);
        let data = format!("a,b\n{long},1\nc,d\n");
        let expected = vec!["a|b".to_owned(), format!("{long}|1"), "c|d".to_owned()];

        let pieces = Box::new(Cut::new(data.as_bytes(), &[1]));
        let (records, refills) = records_and_refills(RecordReader::<&[u8]>::pieces(pieces));
        assert_eq!(records, expected);
        assert!(refills < 100, "{refills} refills of pieces");

        let reader = RecordReader::new(ByteAtATime(data.as_bytes()));
        let (records, refills) = records_and_refills(reader);
        assert_eq!(records, expected);
        assert!(refills < 100, "{refills} refills of reads");
    }

    /// Pieces, then a failure.
    struct ThenFails(Cut);

    impl std::io::Read for ThenFails {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            read_pieces(self, buf)
        }
    }

    impl Pieces for ThenFails {
        fn next_piece(&mut self) -> std::io::Result<Option<Bytes>> {
            match self.0.next_piece()? {
                Some(piece) => Ok(Some(piece)),
                None => Err(std::io::Error::other("connection reset")),
            }
        }

        fn unread(&mut self, piece: Bytes) {
            self.0.unread(piece);
        }
    }

    #[test]
    fn the_records_before_a_failure_come_before_it() {
        // The failure comes while a cut record is put together from small
        // pieces, or read in small reads.
        let data = b"a,b\nc,d\ne,";
        for size in [1, 3, 5] {
            let pieces = Box::new(ThenFails(Cut::new(data, &[size])));
            let readers = [
                RecordReader::<Box<dyn std::io::Read>>::pieces(pieces),
                RecordReader::new(Box::new(ThenFails(Cut::new(data, &[size])))),
            ];
            for mut reader in readers {
                let mut records = Records::default();
                assert!(reader.read_into(&mut records).unwrap());
                assert!(reader.read_into(&mut records).unwrap());
                let err = reader.read_into(&mut records).unwrap_err().into_csv();
                assert!(err.message.contains("connection reset"), "{err}");
                let text: Vec<_> = records
                    .iter()
                    .map(|r| r.iter().collect::<Vec<_>>())
                    .collect();
                assert_eq!(text, [["a", "b"], ["c", "d"]], "pieces of {size}");
            }
        }
    }

    #[test]
    fn below_dash_marks_exactly_the_low_ascii_bytes() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[lane] = b;
                let mask = below_dash(u64::from_le_bytes(bytes));
                let expected = if b < b'-' { 0x80u64 << (8 * lane) } else { 0 };
                assert_eq!(mask, expected, "byte {b:#x} in lane {lane}");
            }
        }
    }
}
