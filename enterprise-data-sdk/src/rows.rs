//! Report rows typed by the report's schema, read in constant memory.
//!
//! Each schema field's `type` decides how its column is read: `integer` →
//! `i64`, `float` → `f64`, `boolean` → `bool`, `date` → date, `timestamp` →
//! UTC date-time, `string` (and any type this SDK does not know) → text. An
//! empty cell of a non-string column is [`Value::Null`].
//!
//! # Cost
//!
//! Every reader here splits the CSV into records on a thread of its own.
//! The cheapest way to read every value is [`RowReader`] (a path, a
//! reader or a response body: one [`Source`]): it types a whole batch of
//! records at a time, on whichever of the two threads has time, and lends
//! each row as a [`RowRef`] (values as [`ValueRef`], text borrowed from the
//! batch), so no row allocates (BENCHMARKS.md, row 2a). [`rows`] gives the
//! same rows owned ([`TypedRows`] of [`TypedRow`]s, read the same way),
//! easiest to keep or send elsewhere, at the cost of two allocations per row
//! (row 2a''). [`usage_pulls_rows`] (four fields of a known report) types only
//! what it keeps. Read values by position ([`RowRef::value`],
//! [`TypedRow::values`], in schema order) rather than by name in a hot
//! loop. Without a file, rows are typed while the body arrives:
//! [`EnterpriseClient::stream_row_reader`](crate::EnterpriseClient::stream_row_reader)
//! lends them (a [`RowReader`], the cheapest),
//! [`EnterpriseClient::stream_rows`](crate::EnterpriseClient::stream_rows)
//! owns them (a `'static` stream of [`TypedRow`]s).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use std::task::{Context, Poll};

pub use docker_data_csv::Source;
use docker_data_csv::{
    BatchDecoder, DateCache, Fields, FromHeaders, HeaderIndex, Records, RowDecoder, TypedBatch,
    TypedBatches,
};
use futures::Stream;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::generated::types;
/// Named here for decoders' users: a bad row's error, and the header line
/// a [`SchemaDecoder`] is made from.
pub use docker_data_csv::{CsvError, StringRecord};

/// A typed cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Value {
    /// An empty cell of a non-string column.
    Null,
    /// `string`, or a type this SDK does not know.
    String(String),
    /// `integer`.
    Integer(i64),
    /// `float`.
    Float(f64),
    /// `boolean`.
    Boolean(bool),
    /// `date`.
    Date(NaiveDate),
    /// `timestamp`.
    Timestamp(DateTime<Utc>),
}

/// A typed cell borrowed from its row: what [`RowRef`] gives, without an
/// allocation. [`ValueRef::to_owned`] makes the [`Value`]; both serialize
/// alike.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ValueRef<'a> {
    /// An empty cell of a non-string column.
    Null,
    /// `string`, or a type this SDK does not know.
    String(&'a str),
    /// `integer`.
    Integer(i64),
    /// `float`.
    Float(f64),
    /// `boolean`.
    Boolean(bool),
    /// `date`.
    Date(NaiveDate),
    /// `timestamp`.
    Timestamp(DateTime<Utc>),
}

impl ValueRef<'_> {
    /// The owned value.
    pub fn to_owned(&self) -> Value {
        match *self {
            ValueRef::Null => Value::Null,
            ValueRef::String(text) => Value::String(text.to_owned()),
            ValueRef::Integer(n) => Value::Integer(n),
            ValueRef::Float(x) => Value::Float(x),
            ValueRef::Boolean(b) => Value::Boolean(b),
            ValueRef::Date(d) => Value::Date(d),
            ValueRef::Timestamp(t) => Value::Timestamp(t),
        }
    }
}

/// How a column is read, from the schema's `type`: the data engine's one
/// column-type enum, whose [`from_schema`](ColumnType::from_schema) is the
/// one mapping from schema type names.
pub use docker_data_csv::ColumnType;

/// Types `text`, field `position` of its record, as `kind` onto `cells`;
/// `dates` remembers the column's last day. Each arm pushes its cell
/// itself: a cell returned (inside a `Result`) was copied through
/// memory with loads wider than its stores, and the CPU stalled on
/// store-to-load forwarding for most of the time typing took.
#[inline(always)]
fn parse_cell(
    kind: ColumnType,
    text: &str,
    position: usize,
    dates: &mut DateCache,
    cells: &mut Vec<Cell>,
) -> Result<(), &'static str> {
    if text.is_empty() && kind != ColumnType::String {
        cells.push(Cell::Null);
        return Ok(());
    }
    match kind {
        // A record has far fewer than u32::MAX fields (`MAX_RECORD`).
        ColumnType::String => cells.push(Cell::Text(position as u32, 0)),
        ColumnType::Integer => cells.push(Cell::Integer(
            docker_data_csv::parse_i64(text).ok_or("an integer")?,
        )),
        ColumnType::Float => cells.push(Cell::Float(
            docker_data_csv::parse_f64(text).ok_or("a number")?,
        )),
        ColumnType::Boolean => cells.push(Cell::Boolean(
            docker_data_csv::parse_bool(text).ok_or("a boolean")?,
        )),
        ColumnType::Date => cells.push(Cell::Date(
            dates.date(docker_data_csv::trim(text)).ok_or("a date")?,
        )),
        ColumnType::Timestamp => cells.push(Cell::Timestamp(
            dates
                .timestamp(docker_data_csv::trim(text))
                .ok_or("a timestamp")?,
        )),
        // A type the engine adds later reads as text until typed here.
        _ => cells.push(Cell::Text(position as u32, 0)),
    }
    Ok(())
}

/// A schema column found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Name from the schema.
    pub name: String,
    /// How it is read.
    pub kind: ColumnType,
}

/// One row, owned: values in schema order. Its text cells share one
/// buffer, so a row costs two allocations however many text columns it
/// has. Read it like a lent [`RowRef`] ([`as_row_ref`](Self::as_row_ref)
/// gives one); it serializes alike, as a map of column name to value.
#[derive(Clone)]
pub struct TypedRow {
    columns: Arc<[Column]>,
    /// Text cells are `Cell::Text(start, end)`, a range of `text`.
    cells: Box<[Cell]>,
    text: Box<str>,
    line: u64,
}

impl TypedRow {
    /// The row, lent: what every reading method goes through.
    #[inline]
    pub fn as_row_ref(&self) -> RowRef<'_> {
        RowRef {
            columns: &self.columns,
            cells: &self.cells,
            texts: Texts::Own {
                text: &self.text,
                line: self.line,
            },
        }
    }

    /// Value of a column by its schema name.
    pub fn get(&self, name: &str) -> Option<ValueRef<'_>> {
        self.as_row_ref().get(name)
    }

    /// Value of the `i`-th schema column.
    #[inline]
    pub fn value(&self, i: usize) -> Option<ValueRef<'_>> {
        self.as_row_ref().value(i)
    }

    /// The values, in schema order ([`ValueRef::to_owned`] makes a
    /// [`Value`] of one).
    #[inline]
    pub fn values(&self) -> impl Iterator<Item = ValueRef<'_>> + '_ {
        self.as_row_ref().values()
    }

    /// The columns, in schema order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// 1-based line of the row in the file.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The row as a JSON object keyed by column name.
    pub fn to_json(&self) -> serde_json::Value {
        self.as_row_ref().to_json()
    }
}

/// Rows are equal when their columns and values are (wherever they were
/// in their files).
impl PartialEq for TypedRow {
    fn eq(&self, other: &Self) -> bool {
        self.columns == other.columns && self.values().eq(other.values())
    }
}

impl std::fmt::Debug for TypedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_row_ref().fmt(f)
    }
}

impl Serialize for TypedRow {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_row_ref().serialize(serializer)
    }
}

/// Decodes [`TypedRow`]s by a schema.
#[derive(Debug, Clone)]
pub struct SchemaDecoder {
    columns: Arc<[Column]>,
    positions: Vec<Option<usize>>,
    /// Per column: report files repeat one day on every row.
    dates: Vec<DateCache>,
    /// A row's cells, before they become values.
    scratch: Vec<Cell>,
}

impl SchemaDecoder {
    /// Matches the schema's fields to the file's header: exactly, else
    /// case- and separator-insensitively. A field missing from the file
    /// reads as [`Value::Null`]; columns the schema does not name are
    /// ignored.
    pub fn new(schema: &types::ReportSchema, headers: &csv::StringRecord) -> Self {
        let index = HeaderIndex::new(headers);
        let columns: Arc<[Column]> = schema
            .fields
            .iter()
            .map(|f| Column {
                name: f.name.clone(),
                kind: ColumnType::from_schema(&f.type_),
            })
            .collect();
        let positions = schema
            .fields
            .iter()
            .map(|f| {
                headers
                    .iter()
                    .position(|h| h == f.name)
                    .or_else(|| index.find(&[f.name.as_str()]))
            })
            .collect();
        Self {
            columns,
            positions,
            dates: vec![DateCache::default(); schema.fields.len()],
            scratch: Vec::new(),
        }
    }
}

impl SchemaDecoder {
    /// Types every schema column of `record` onto `cells`, in schema
    /// order; on an error, `cells` holds part of the row.
    #[inline]
    fn push_cells(&mut self, record: Fields<'_>, cells: &mut Vec<Cell>) -> Result<(), CsvError> {
        for ((column, position), dates) in self
            .columns
            .iter()
            .zip(&self.positions)
            .zip(&mut self.dates)
        {
            match position.and_then(|p| Some((p, record.get(p)?))) {
                Some((p, text)) => parse_cell(column.kind, text, p, dates, cells)
                    .map_err(|what| not_a(record.line(), &column.name, text, what))?,
                None => cells.push(Cell::Null),
            }
        }
        Ok(())
    }
}

/// A cell that does not read as its column's type.
#[cold]
fn not_a(line: u64, column: &str, text: &str, what: &str) -> CsvError {
    CsvError::at(line, Some(column), format!("{text:?} is not {what}"))
}

impl RowDecoder for SchemaDecoder {
    type Row = TypedRow;

    fn decode(&mut self, record: Fields<'_>) -> Result<TypedRow, CsvError> {
        let mut cells = std::mem::take(&mut self.scratch);
        cells.clear();
        let typed = self.push_cells(record, &mut cells);
        let row = typed.map(|()| {
            RowRef {
                columns: &self.columns,
                cells: &cells,
                texts: Texts::Record(record),
            }
            .to_row()
        });
        self.scratch = cells;
        row
    }
}

/// A typed cell, as rows keep it. Flat, not a `ValueRef` inside: copying
/// the nested enum field by field stalled the CPU on store-to-load
/// forwarding.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Null,
    /// Where the text is, read by the row's [`Texts`].
    Text(u32, u32),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
}

/// Where a row's text cells are.
#[derive(Debug, Clone, Copy)]
enum Texts<'a> {
    /// A lent row: `Cell::Text(p, _)` is field `p` of the record.
    Record(Fields<'a>),
    /// An owned row: `Cell::Text(start, end)` is `text[start..end]`.
    Own { text: &'a str, line: u64 },
}

impl<'a> Texts<'a> {
    #[inline]
    fn get(self, a: u32, b: u32) -> Option<&'a str> {
        match self {
            Texts::Record(record) => record.get(a as usize),
            Texts::Own { text, .. } => text.get(a as usize..b as usize),
        }
    }

    fn line(self) -> u64 {
        match self {
            Texts::Record(record) => record.line(),
            Texts::Own { line, .. } => line,
        }
    }
}

impl Cell {
    /// The value, its text borrowed from `texts`.
    #[inline]
    fn value<'a>(self, texts: Texts<'a>) -> ValueRef<'a> {
        match self {
            Cell::Null => ValueRef::Null,
            Cell::Text(a, b) => texts.get(a, b).map_or(ValueRef::Null, ValueRef::String),
            Cell::Integer(n) => ValueRef::Integer(n),
            Cell::Float(x) => ValueRef::Float(x),
            Cell::Boolean(b) => ValueRef::Boolean(b),
            Cell::Date(d) => ValueRef::Date(d),
            Cell::Timestamp(t) => ValueRef::Timestamp(t),
        }
    }
}

/// One batch of records typed: `columns` cells per record, and the records
/// that could not be typed.
#[derive(Debug, Default)]
struct BatchCells {
    cells: Vec<Cell>,
    /// Record index in the batch, and why, in record order.
    errors: Vec<(usize, CsvError)>,
}

/// Types whole batches of records by a schema, on either thread.
#[derive(Debug, Clone)]
struct CellDecoder(SchemaDecoder);

impl BatchDecoder for CellDecoder {
    type Values = BatchCells;

    fn decode_batch(&mut self, records: &Records, values: &mut BatchCells) {
        let width = self.0.columns.len();
        values.cells.clear();
        values.errors.clear();
        values.cells.reserve(records.len() * width);
        for (i, record) in records.iter().enumerate() {
            let cells = &mut values.cells;
            let row_start = cells.len();
            if let Err(err) = self.0.push_cells(record, cells) {
                // The row keeps its place, so cells stay `width` per record.
                cells.truncate(row_start);
                cells.resize(row_start + width, Cell::Null);
                values.errors.push((i, err));
            }
        }
    }
}

/// Schema-typed rows of a report (a file, any reader, or a response body),
/// each lent until the next: the cheapest typed path (no allocation per
/// row). Taken blocking ([`next_row`](Self::next_row)) or in async code
/// ([`next_row_async`](Self::next_row_async)), whatever the source. Made by
/// [`RowReader::new`] or
/// [`EnterpriseClient::stream_row_reader`](crate::EnterpriseClient::stream_row_reader);
/// dropping it stops the reading.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let schema: enterprise_data_sdk::ReportSchema = unimplemented!();
/// use enterprise_data_sdk::rows::{RowReader, ValueRef};
/// let path = std::path::Path::new("2026-06-30.csv");
/// let mut reader = RowReader::new(path, &schema, "2026-06-30.csv");
/// let mut pulls = 0;
/// while let Some(row) = reader.next_row() {
///     if let Some(ValueRef::Integer(n)) = row?.get("pull_count") {
///         pulls += n;
///     }
/// }
/// # Ok(()) }
/// ```
pub struct RowReader {
    batches: TypedBatches<CellDecoder>,
    place: Place,
    /// An error that ended a batch (or the opening), to be given next.
    pending_error: Option<CsvError>,
    to_error: Box<dyn Fn(CsvError) -> Error + Send>,
    /// The columns rows name, copied on this thread with the first batch:
    /// each owned row counts a reference to them, and the decoder's copy
    /// shared a cache line with data the splitting thread wrote, which
    /// cost a fifth of the owned rows' time.
    columns: Option<Arc<[Column]>>,
}

/// A reader's place in its current batch.
#[derive(Debug, Default)]
struct Place {
    /// The next record, and the next of the batch's errors.
    next: usize,
    next_error: usize,
}

impl Place {
    /// Whether `batch` has a row left.
    #[inline]
    fn is_within(&self, batch: Option<TypedBatch<'_, BatchCells>>) -> bool {
        batch.is_some_and(|batch| self.next < batch.len())
    }

    /// The next row of `batch` (which [`is_within`](Self::is_within)).
    #[inline]
    fn take<'a>(
        &mut self,
        batch: TypedBatch<'a, BatchCells>,
        columns: &'a Arc<[Column]>,
    ) -> Option<Result<RowRef<'a>, CsvError>> {
        let (i, width) = (self.next, columns.len());
        self.next += 1;
        let values = batch.values();
        if let Some((bad, err)) = values.errors.get(self.next_error)
            && *bad == i
        {
            self.next_error += 1;
            return Some(Err(err.clone()));
        }
        Some(Ok(RowRef {
            columns,
            cells: values.cells.get(i * width..(i + 1) * width)?,
            texts: Texts::Record(batch.record(i)?),
        }))
    }
}

impl std::fmt::Debug for RowReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowReader").finish_non_exhaustive()
    }
}

impl RowReader {
    /// Rows of `source` (a path, a `Read`, or an `AsyncRead` such as a
    /// response body; plain or gzip CSV), typed by `schema`; `source_name`
    /// names the source in errors. A file that cannot be opened, a bad
    /// header, or a read that fails before it, is the first row's error.
    ///
    /// An async source must be read within a tokio runtime.
    pub fn new(source: impl Into<Source>, schema: &types::ReportSchema, source_name: &str) -> Self {
        RowReader {
            batches: docker_data_csv::typed_batches(source, cell_decoder(schema)),
            place: Place::default(),
            pending_error: None,
            to_error: Box::new(csv_error(source_name)),
            columns: None,
        }
    }

    /// The next row, borrowed until the next call, waiting for it by
    /// blocking the thread; `None` at the end. A bad row is an error and
    /// reading may go on past it.
    #[inline]
    pub fn next_row(&mut self) -> Option<Result<RowRef<'_>>> {
        let ready = match self
            .ready_with(|batches| Poll::Ready(batches.next_batch().map(|b| b.map(drop))))
        {
            Poll::Ready(ready) => ready,
            Poll::Pending => false,
        };
        if ready { self.lend_current() } else { None }
    }

    /// [`next_row`](Self::next_row) for async code: waits without blocking
    /// the thread.
    pub async fn next_row_async(&mut self) -> Option<Result<RowRef<'_>>> {
        // Waits without lending, then lends the row it found.
        std::future::poll_fn(|cx| self.poll_ready(cx).map(|ready| ready.then_some(()))).await?;
        self.lend_current()
    }

    /// [`next_row_async`](Self::next_row_async) for a hand-written `poll`.
    pub fn poll_next_row(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<RowRef<'_>>>> {
        match std::task::ready!(self.poll_ready(cx)) {
            true => Poll::Ready(self.lend_current()),
            false => Poll::Ready(None),
        }
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        self.ready_with(|batches| batches.poll_advance(cx))
    }

    /// Moves on until a row (or an error) is next in the current batch;
    /// `false` at the end of the data. An error ending a batch, or opening
    /// the source, is kept for [`lend_current`](Self::lend_current).
    #[inline]
    fn ready_with(
        &mut self,
        mut advance: impl FnMut(
            &mut TypedBatches<CellDecoder>,
        ) -> Poll<Option<std::result::Result<(), CsvError>>>,
    ) -> Poll<bool> {
        loop {
            if self.pending_error.is_some() || self.place.is_within(self.batches.current()) {
                return Poll::Ready(true);
            }
            self.place = Place::default();
            match std::task::ready!(advance(&mut self.batches)) {
                None => return Poll::Ready(false),
                Some(Err(err)) => self.pending_error = Some(err),
                Some(Ok(())) if self.columns.is_none() => {
                    self.columns = self
                        .batches
                        .decoder()
                        .map(|decoder| decoder.0.columns.iter().cloned().collect());
                }
                Some(Ok(())) => {}
            }
        }
    }

    /// The row [`ready_with`](Self::ready_with) found.
    #[inline]
    fn lend_current(&mut self) -> Option<Result<RowRef<'_>>> {
        if let Some(err) = self.pending_error.take() {
            return Some(Err((self.to_error)(err)));
        }
        let columns = self.columns.as_ref()?;
        let row = self.place.take(self.batches.current()?, columns)?;
        Some(row.map_err(&self.to_error))
    }

    /// The rows, each owned: [`TypedRows`].
    pub fn into_rows(self) -> TypedRows {
        TypedRows(self)
    }
}

/// Schema-typed rows, each owned (a [`RowReader`]'s rows, copied): an
/// [`Iterator`], or a `'static` [`Stream`] for async code through
/// [`into_stream`](Self::into_stream). Made by [`rows`] or
/// [`RowReader::into_rows`].
#[derive(Debug)]
pub struct TypedRows(RowReader);

impl Iterator for TypedRows {
    type Item = Result<TypedRow>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.0.next_row()?.map(|row| row.to_row()))
    }
}

impl TypedRows {
    /// The rows as a stream, for async code (an iterator's `next` waits by
    /// blocking the thread).
    pub fn into_stream(self) -> impl Stream<Item = Result<TypedRow>> + Send + 'static + use<> {
        let mut reader = self.0;
        // A hand-written poll: a future per row (`unfold`) cost more than
        // typing the row.
        futures::stream::poll_fn(move |cx| {
            reader
                .poll_next_row(cx)
                .map(|row| row.map(|row| row.map(|row| row.to_row())))
        })
    }
}

/// One row of a [`RowReader`]: values in schema order. It serializes as a
/// map of column name to value, in schema order, so
/// `serde_json::to_writer(&mut out, &row)` writes a row as one JSON object
/// without making it owned.
#[derive(Clone, Copy)]
pub struct RowRef<'a> {
    columns: &'a Arc<[Column]>,
    cells: &'a [Cell],
    texts: Texts<'a>,
}

impl Serialize for RowRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (column, value) in self.columns.iter().zip(self.values()) {
            map.serialize_entry(&column.name, &value)?;
        }
        map.end()
    }
}

/// Line, then column name → value.
impl std::fmt::Debug for RowRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Values<'a>(RowRef<'a>);
        impl std::fmt::Debug for Values<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let names = self.0.columns.iter().map(|c| &c.name);
                f.debug_map().entries(names.zip(self.0.values())).finish()
            }
        }
        f.debug_struct("Row")
            .field("line", &self.line())
            .field("values", &Values(*self))
            .finish()
    }
}

impl<'a> RowRef<'a> {
    /// Value of a column by its schema name.
    pub fn get(&self, name: &str) -> Option<ValueRef<'a>> {
        let i = self.columns.iter().position(|c| c.name == name)?;
        self.value(i)
    }

    /// Value of the `i`-th schema column.
    #[inline]
    pub fn value(&self, i: usize) -> Option<ValueRef<'a>> {
        Some(self.cells.get(i)?.value(self.texts))
    }

    /// The values, in schema order.
    #[inline]
    pub fn values(&self) -> impl Iterator<Item = ValueRef<'a>> + use<'a> {
        let texts = self.texts;
        self.cells.iter().map(move |cell| cell.value(texts))
    }

    /// The columns, in schema order.
    pub fn columns(&self) -> &'a [Column] {
        self.columns
    }

    /// 1-based line of the row in the file.
    pub fn line(&self) -> u64 {
        self.texts.line()
    }

    /// The row as a JSON object keyed by column name.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The row, owned: its cells copied as they are, its text cells' text
    /// gathered into one buffer (two allocations; a `String` per text cell
    /// cost more than typing the row).
    pub fn to_row(&self) -> TypedRow {
        // First: a locked increment waits for every store before it.
        let columns = self.columns.clone();
        let record = match self.texts {
            Texts::Own { text, line } => {
                return TypedRow {
                    columns,
                    cells: self.cells.into(),
                    text: text.into(),
                    line,
                };
            }
            Texts::Record(record) => record,
        };
        let mut cells: Box<[Cell]> = self.cells.into();
        let text_len = cells
            .iter()
            .map(|cell| match *cell {
                Cell::Text(p, _) => record.get(p as usize).map_or(0, str::len),
                _ => 0,
            })
            .sum();
        let mut text = String::with_capacity(text_len);
        for cell in cells.iter_mut() {
            if let Cell::Text(p, _) = *cell {
                *cell = match record.get(p as usize) {
                    // A row's text is part of one record, shorter than
                    // `MAX_RECORD`, so its offsets fit in u32.
                    Some(field) => {
                        let start = text.len() as u32;
                        text.push_str(field);
                        Cell::Text(start, text.len() as u32)
                    }
                    None => Cell::Null,
                };
            }
        }
        TypedRow {
            columns,
            cells,
            text: text.into_boxed_str(),
            line: record.line(),
        }
    }
}

/// A row of a `usage_pulls` report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsagePullsRow {
    /// Day of the pulls (UTC).
    pub event_date: Option<NaiveDate>,
    /// Repository with its namespace.
    pub repository: Option<String>,
    /// Tag pulled.
    pub tag: Option<String>,
    /// Pulls of that tag that day.
    pub pull_count: Option<i64>,
}

/// Decodes [`UsagePullsRow`]s.
#[derive(Debug)]
pub struct UsagePullsDecoder {
    columns: [Option<usize>; 4],
}

impl FromHeaders for UsagePullsDecoder {
    fn from_headers(headers: &csv::StringRecord) -> Result<Self, CsvError> {
        let index = HeaderIndex::new(headers);
        Ok(Self {
            columns: [
                index.find(&["event_date", "date", "day"]),
                index.find(&["repository", "repo", "repository_name"]),
                index.find(&["tag"]),
                index.find(&["pull_count", "pulls", "count"]),
            ],
        })
    }
}

impl RowDecoder for UsagePullsDecoder {
    type Row = UsagePullsRow;

    fn decode(&mut self, record: Fields<'_>) -> Result<UsagePullsRow, CsvError> {
        let line = record.line();
        let cell = |i: usize| {
            self.columns[i]
                .and_then(|p| record.get(p))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        Ok(UsagePullsRow {
            event_date: cell(0)
                .map(|v| {
                    docker_data_csv::parse_date(v).ok_or_else(|| {
                        CsvError::at(line, Some("event_date"), format!("{v:?} is not a date"))
                    })
                })
                .transpose()?,
            repository: cell(1).map(str::to_owned),
            tag: cell(2).map(str::to_owned),
            pull_count: cell(3)
                .map(|v| {
                    v.parse().map_err(|_| {
                        CsvError::at(line, Some("pull_count"), format!("{v:?} is not an integer"))
                    })
                })
                .transpose()?,
        })
    }
}

fn csv_error(source_name: &str) -> impl Fn(CsvError) -> Error + Clone + use<> {
    let source_name = source_name.to_owned();
    move |error: CsvError| error.reading(&source_name)
}

/// Rows of `source` (a path, a reader or a response body), typed by its
/// schema, each owned: [`TypedRows`]. A file that cannot be opened is the
/// first item's error.
pub fn rows(source: impl Into<Source>, schema: &types::ReportSchema) -> TypedRows {
    let source = source.into();
    let name = source.name_or("report");
    RowReader::new(source, schema, &name).into_rows()
}

/// What makes a [`CellDecoder`] from a file's header.
fn cell_decoder(
    schema: &types::ReportSchema,
) -> impl FnOnce(&csv::StringRecord) -> std::result::Result<CellDecoder, CsvError> + Send + 'static
{
    let schema = schema.clone();
    move |headers| Ok(CellDecoder(SchemaDecoder::new(&schema, headers)))
}

/// Rows of a `usage_pulls` report (a path, a reader or a response body). A
/// file that cannot be opened is the first item's error.
pub fn usage_pulls_rows(source: impl Into<Source>) -> impl Iterator<Item = Result<UsagePullsRow>> {
    let source = source.into();
    let to_error = csv_error(&source.name_or("report"));
    docker_data_csv::rows(source, UsagePullsDecoder::from_headers)
        .map(move |row| row.map_err(&to_error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(fields: &[(&str, &str)]) -> types::ReportSchema {
        types::ReportSchema {
            category: "usage_pulls".into(),
            fields: fields
                .iter()
                .map(|(n, t)| types::SchemaField {
                    name: (*n).into(),
                    type_: (*t).into(),
                    description: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn values_are_typed_by_the_schema_and_unknown_types_stay_text() {
        let schema = schema(&[
            ("event_date", "date"),
            ("pull_count", "integer"),
            ("ratio", "float"),
            ("private", "boolean"),
            ("seen_at", "timestamp"),
            ("geo", "geography"),
            ("missing", "integer"),
        ]);
        let data = "Event Date,pull_count,ratio,private,seen_at,geo,extra\n2026-06-16,42,0.5,true,2026-06-16T10:00:00Z,POINT(1 2),x\n2026-06-17,,1e3,0,2026-06-17 01:02:03,,y\n";
        let rows: Vec<TypedRow> = docker_data_csv::rows(
            Source::reader(std::io::Cursor::new(data)),
            move |h: &csv::StringRecord| Ok(SchemaDecoder::new(&schema, h)),
        )
        .collect::<Result<_, _>>()
        .unwrap();
        assert_eq!(
            rows[0].get("event_date"),
            Some(ValueRef::Date(
                NaiveDate::from_ymd_opt(2026, 6, 16).unwrap()
            ))
        );
        assert_eq!(rows[0].get("pull_count"), Some(ValueRef::Integer(42)));
        assert_eq!(rows[0].get("ratio"), Some(ValueRef::Float(0.5)));
        assert_eq!(rows[0].get("private"), Some(ValueRef::Boolean(true)));
        assert!(
            matches!(rows[0].get("seen_at"), Some(ValueRef::Timestamp(t)) if t.to_rfc3339() == "2026-06-16T10:00:00+00:00")
        );
        assert_eq!(rows[0].get("geo"), Some(ValueRef::String("POINT(1 2)")));
        assert_eq!(rows[0].get("missing"), Some(ValueRef::Null));
        assert_eq!(rows[1].get("pull_count"), Some(ValueRef::Null));
        assert_eq!(rows[1].get("ratio"), Some(ValueRef::Float(1000.0)));
        assert_eq!(rows[1].get("private"), Some(ValueRef::Boolean(false)));
        assert_eq!(rows[0].to_json()["pull_count"], 42);
    }

    #[test]
    fn an_owned_row_gathers_its_text_cells_and_reads_like_the_lent_one() {
        let schema = schema(&[
            ("repository", "string"),
            ("pull_count", "integer"),
            ("tag", "string"),
            ("note", "string"),
            ("gone", "string"),
        ]);
        let data = "note,tag,pull_count,repository\n\"a,\"\"b\"\"\",,7,acme/wéb\n";
        let mut reader =
            RowReader::new(Source::reader(std::io::Cursor::new(data)), &schema, "test");
        let lent = reader.next_row().unwrap().unwrap();
        let owned = lent.to_row();
        let expected = [
            ValueRef::String("acme/wéb"),
            ValueRef::Integer(7),
            ValueRef::String(""),
            ValueRef::String("a,\"b\""),
            // A column missing from the file.
            ValueRef::Null,
        ];
        assert_eq!(owned.values().collect::<Vec<_>>(), expected);
        assert_eq!(lent.values().collect::<Vec<_>>(), expected);
        assert_eq!(owned.value(3), Some(ValueRef::String("a,\"b\"")));
        assert_eq!(owned.value(5), None);
        assert_eq!((owned.line(), lent.line()), (2, 2));
        // Its text is the text cells' only, in one buffer.
        assert_eq!(&*owned.text, "acme/wéba,\"b\"");
        assert_eq!(
            serde_json::to_string(&owned).unwrap(),
            serde_json::to_string(&lent).unwrap()
        );
        // An owned row made owned again, or cloned, is equal.
        assert_eq!(owned.as_row_ref().to_row(), owned);
        assert_eq!(owned.clone(), owned);
        let debug = format!("{owned:?}");
        assert!(
            debug.contains("line: 2") && debug.contains(r#""tag": String("")"#),
            "{debug}"
        );
    }

    #[test]
    fn a_bad_value_names_its_line_and_column() {
        let schema = schema(&[("pull_count", "integer")]);
        let data = "pull_count\n1\nmany\n";
        let mut rows = docker_data_csv::rows(
            Source::reader(std::io::Cursor::new(data)),
            move |h: &csv::StringRecord| Ok(SchemaDecoder::new(&schema, h)),
        );
        assert!(rows.next().unwrap().is_ok());
        let err = rows.next().unwrap().unwrap_err();
        assert_eq!(
            (err.line, err.column.as_deref()),
            (Some(3), Some("pull_count")),
            "{err}"
        );
    }

    #[test]
    fn the_row_reader_lends_the_same_rows_and_names_a_bad_cell() {
        let schema = schema(&[
            ("event_date", "date"),
            ("repository", "string"),
            ("pull_count", "integer"),
            ("share", "float"),
            ("seen_at", "timestamp"),
            ("private", "boolean"),
        ]);
        let data = "event_date,repository,pull_count,share,seen_at,private\n\
            2026-06-16,acme/web,42,0.5,2026-06-16T10:00:00Z,true\n\
            2026-06-16,\"acme/a,b\",,1e3,2026-06-16 01:02:03,no\n\
            2026-06-17,acme/api,many,0.25,2026-06-17T00:00:00Z,false\n\
            ,acme/db,7,-2.5,,1\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        std::fs::write(&path, data).unwrap();

        let lent = lent_rows(data, &schema);
        assert_eq!(lent.len(), 4);
        assert_eq!(without_lines(&lent), per_row(data, &schema));
        // From a file, and owned: the same rows.
        let mut from_file = RowReader::new(&path, &schema, &path.display().to_string());
        let owned: Vec<_> = rows(&path, &schema).collect();
        for (lent, owned) in lent.iter().zip(owned) {
            let from_file = from_file.next_row().unwrap();
            match (lent, owned, from_file) {
                (Ok((line, lent)), Ok(owned), Ok(from_file)) => {
                    assert_eq!((*line, lent), (from_file.line(), &owned));
                    assert_eq!(from_file.values().count(), 6);
                    assert_eq!(from_file.to_row(), owned);
                    // A lent row serializes as its owned row's JSON, keys
                    // in schema order.
                    let text = serde_json::to_string(&from_file).unwrap();
                    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(parsed, owned.to_json());
                    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
                    assert!(at("event_date") < at("repository") && at("seen_at") < at("private"));
                }
                (Err(lent), Err(owned), Err(from_file)) => {
                    assert!(owned.to_string().ends_with(lent.as_str()), "{owned}");
                    assert_eq!(owned.to_string(), from_file.to_string());
                }
                other => panic!("the readers disagree: {other:?}"),
            }
        }
        assert!(from_file.next_row().is_none());
        let (line, second) = lent[1].as_ref().unwrap();
        assert_eq!(*line, 3);
        assert_eq!(second.get("repository"), Some(ValueRef::String("acme/a,b")));
        assert_eq!(second.get("pull_count"), Some(ValueRef::Null));
        let err = lent[2].as_ref().unwrap_err().to_string();
        assert!(
            err.contains("line 4") && err.contains("pull_count"),
            "{err}"
        );
        let (_, last) = lent[3].as_ref().unwrap();
        assert_eq!(last.get("share"), Some(ValueRef::Float(-2.5)));
        assert_eq!(last.get("event_date"), Some(ValueRef::Null));
    }

    /// Rows through the per-row decoder (as streamed rows are typed);
    /// errors as text.
    fn per_row(data: &str, schema: &types::ReportSchema) -> Vec<Result<TypedRow, String>> {
        let schema = schema.clone();
        docker_data_csv::rows(
            Source::reader(std::io::Cursor::new(data.to_owned())),
            move |h: &csv::StringRecord| Ok(SchemaDecoder::new(&schema, h)),
        )
        .map(|row| row.map_err(|e| e.to_string()))
        .collect()
    }

    /// `rows` without their lines.
    fn without_lines(rows: &[Result<(u64, TypedRow), String>]) -> Vec<Result<TypedRow, String>> {
        rows.iter()
            .map(|row| row.clone().map(|(_, row)| row))
            .collect()
    }

    /// Rows through [`RowReader`], owned, with their lines; errors as the
    /// CSV error's text.
    fn lent_rows(data: &str, schema: &types::ReportSchema) -> Vec<Result<(u64, TypedRow), String>> {
        let mut reader = RowReader::new(
            Source::reader(std::io::Cursor::new(data.to_owned())),
            schema,
            "report",
        );
        let mut rows = Vec::new();
        while let Some(row) = reader.next_row() {
            rows.push(match row {
                Ok(row) => Ok((row.line(), row.to_row())),
                Err(error) if error.kind() == crate::ErrorKind::Decode => {
                    Err(error.message().to_owned())
                }
                Err(other) => panic!("{other}"),
            });
        }
        rows
    }

    #[test]
    fn lent_rows_over_many_batches_match_the_per_row_decoder_errors_included() {
        let schema = schema(&[
            ("event_date", "date"),
            ("repository", "string"),
            ("pull_count", "integer"),
            ("share", "float"),
        ]);
        let mut data = String::from("event_date,repository,pull_count,share\n");
        for i in 0..9_000 {
            match i {
                // A record with a field too many, a bad integer, a quoted
                // name with a comma and a doubled quote.
                1_000 | 7_000 => data.push_str("2026-06-16,acme/web,1,0.5,extra\n"),
                4_500 => data.push_str("2026-06-16,acme/web,lots,0.5\n"),
                6_000 => data.push_str("2026-06-17,\"acme/a,\"\"b\"\"\",6000,0.25\n"),
                _ => data.push_str(&format!("2026-06-16,acme/repo-{i},{i},0.{i}\n")),
            }
        }
        let lent = lent_rows(&data, &schema);
        assert_eq!(lent.len(), 9_000);
        assert_eq!(lent.iter().filter(|r| r.is_err()).count(), 3);
        let (line, row) = lent[6_000].as_ref().unwrap();
        assert_eq!(*line, 6_002);
        assert_eq!(
            row.get("repository"),
            Some(ValueRef::String("acme/a,\"b\""))
        );
        let (_, row) = lent[8_999].as_ref().unwrap();
        assert_eq!(row.get("pull_count"), Some(ValueRef::Integer(8_999)));
        assert!(
            lent[4_500].as_ref().unwrap_err().contains("line 4502"),
            "{:?}",
            lent[4_500]
        );
        assert_eq!(without_lines(&lent), per_row(&data, &schema));
        // Streamed (the async batches), in small reads as from a socket.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let streamed: Vec<Result<TypedRow, String>> = runtime.block_on(async {
            use futures::StreamExt;
            rows(Source::async_reader(trickle(&data)), &schema)
                .into_stream()
                .map(|row| match row {
                    Ok(row) => Ok(row),
                    Err(error) if error.kind() == crate::ErrorKind::Decode => {
                        Err(error.message().to_owned())
                    }
                    Err(other) => panic!("{other}"),
                })
                .collect()
                .await
        });
        assert_eq!(streamed, without_lines(&lent));
        // Lent from the network, lines included.
        let lent_streamed = runtime.block_on(async {
            let mut reader =
                RowReader::new(Source::async_reader(trickle(&data)), &schema, "report");
            let mut rows = Vec::new();
            while let Some(row) = reader.next_row_async().await {
                rows.push(match row {
                    Ok(row) => Ok((row.line(), row.to_row())),
                    Err(error) if error.kind() == crate::ErrorKind::Decode => {
                        Err(error.message().to_owned())
                    }
                    Err(other) => panic!("{other}"),
                });
            }
            rows
        });
        assert_eq!(lent_streamed, lent);
    }

    /// `data` in small writes, as a body arrives from a socket. Must be
    /// called within a tokio runtime.
    fn trickle(data: &str) -> tokio::io::DuplexStream {
        let (mut writer, reader) = tokio::io::duplex(4096);
        let sent = data.to_owned();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for piece in sent.as_bytes().chunks(1000) {
                writer.write_all(piece).await.unwrap();
            }
        });
        reader
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_source_failing_before_the_header_is_the_first_rows_error_then_the_end() {
        let schema = schema(&[("pull_count", "integer")]);
        let failing = || {
            tokio_util::io::StreamReader::new(futures::stream::iter(vec![
                Ok(bytes::Bytes::from_static(b"pull_co")),
                Err(std::io::Error::other("connection reset")),
            ]))
        };
        let mut reader = RowReader::new(
            Source::async_reader(failing()),
            &schema,
            "usage_pulls 2026-06-30",
        );
        let err = reader
            .next_row_async()
            .await
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(err.contains("connection reset"), "{err}");
        assert!(err.contains("usage_pulls 2026-06-30"), "{err}");
        assert!(reader.next_row_async().await.is_none());
        // The owned stream says the same.
        use futures::StreamExt;
        let owned: Vec<_> = rows(Source::async_reader(failing()), &schema)
            .into_stream()
            .collect()
            .await;
        assert_eq!(owned.len(), 1);
        assert!(
            owned[0]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("connection reset")
        );
    }

    #[test]
    fn usage_pulls_rows_are_typed() {
        let data = "event_date,repository,tag,pull_count\n2026-06-16,acme/web,latest,7\n";
        let row = usage_pulls_rows(Source::reader(std::io::Cursor::new(data)))
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(row.pull_count, Some(7));
        assert_eq!(row.repository.as_deref(), Some("acme/web"));
    }
}
