//! CSV into Arrow record batches and Parquet files, typed by columns known in
//! advance (a report's schema, a DVP dataview's fixed columns), in constant
//! memory. Behind the `arrow` feature.
//!
//! An empty cell is null; a cell that does not parse as its column's type is
//! an error naming its line and column. A Parquet file is written like a
//! download: to `<dest>.part`, fsynced, then renamed, so a failed conversion
//! never leaves a file at the final name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::record_reader::Records;
use sdk_core::retry::{Attempts, Step};

use crate::channel;
use crate::source::Opened;
use crate::{BoxedRead, ColumnType, CsvError, DateCache, Source};

/// The Arrow crates' types a user of the conversion names.
pub use arrow_array;
pub use arrow_schema;
pub use parquet;

/// Default rows per record batch.
pub const DEFAULT_BATCH_ROWS: usize = 8 * 1024;
/// Default rows per Parquet row group: the writer holds one row group's
/// encoded pages in memory, so this bounds its memory.
pub const DEFAULT_ROW_GROUP_ROWS: usize = 1024 * 1024;

/// Largest Parquet data page, before compression.
const DATA_PAGE_BYTES: usize = 128 * 1024;

/// The Arrow type a column is written as.
fn data_type(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::String => DataType::Utf8,
        ColumnType::Integer => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Date => DataType::Date32,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    }
}

/// One column of the table: its name and type, its description (kept in
/// the Arrow field's metadata under `description`), and where the CSV
/// holds it (`None`: not in the file, every value null).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ColumnSpec {
    /// Column name.
    pub name: String,
    /// Type.
    pub kind: ColumnType,
    /// Description, if any.
    pub description: Option<String>,
    /// Index of the CSV field.
    pub position: Option<usize>,
}

impl ColumnSpec {
    /// A column read from CSV field `position`.
    pub fn new(name: impl Into<String>, kind: ColumnType, position: Option<usize>) -> Self {
        Self {
            name: name.into(),
            kind,
            description: None,
            position,
        }
    }

    /// With a description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        let description = description.into();
        self.description = (!description.is_empty()).then_some(description);
        self
    }
}

/// The Arrow schema of `columns`: every field nullable.
pub fn schema(columns: &[ColumnSpec]) -> Schema {
    Schema::new(
        columns
            .iter()
            .map(|column| {
                let field = Field::new(&column.name, data_type(column.kind), true);
                match &column.description {
                    Some(text) => field.with_metadata(std::collections::HashMap::from([(
                        "description".to_owned(),
                        text.clone(),
                    )])),
                    None => field,
                }
            })
            .collect::<Vec<_>>(),
    )
}

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// The CSV could not be read: a bad cell (line and column named) or a
    /// malformed record.
    #[error("{source_name}: {error}")]
    Csv {
        /// What was read.
        source_name: String,
        /// Where and what.
        error: CsvError,
    },
    /// The bytes stopped coming (a dropped connection): worth a retry.
    #[error("{source_name}: reading failed: {message}")]
    Read {
        /// What was read.
        source_name: String,
        /// The transport's message.
        message: String,
    },
    /// The CSV file could not be opened.
    #[error("opening {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The Parquet file could not be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl From<ConvertError> for sdk_core::Error {
    fn from(error: ConvertError) -> Self {
        let kind = match &error {
            ConvertError::Csv { .. } => sdk_core::ErrorKind::Decode,
            ConvertError::Read { .. } => sdk_core::ErrorKind::Transport,
            ConvertError::Open { .. } | ConvertError::Write { .. } => sdk_core::ErrorKind::Io,
        };
        sdk_core::Error::new(kind, "", error.to_string()).with_source(error)
    }
}

impl ConvertError {
    /// Whether starting the conversion over may succeed (the input was cut
    /// off, not wrong).
    pub fn is_transient(&self) -> bool {
        matches!(self, ConvertError::Read { .. })
    }
}

/// Record batches of at most `batch_rows` rows, read from a CSV as it comes
/// (on the reading thread of [`Batches`]).
struct BatchReader {
    reader: crate::record_reader::RecordReader<BoxedRead>,
    columns: Arc<[ColumnSpec]>,
    schema: SchemaRef,
    batch_rows: usize,
    records: crate::record_reader::Records,
    dates: Vec<DateCache>,
    source_name: String,
    done: bool,
}

impl std::fmt::Debug for BatchReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchReader")
            .field("source", &self.source_name)
            .field("batch_rows", &self.batch_rows)
            .finish_non_exhaustive()
    }
}

/// Reads `input` (gzip decoded when it starts like gzip) as batches typed
/// by the columns `plan` makes from the CSV header. `source_name` names the
/// input in errors.
fn read_batches(
    input: Opened,
    source_name: &str,
    batch_rows: usize,
    plan: impl FnOnce(&csv::StringRecord) -> Vec<ColumnSpec>,
) -> Result<BatchReader, ConvertError> {
    let (reader, columns) = crate::open_csv(input, |headers: &csv::StringRecord| Ok(plan(headers)))
        .map_err(|error| ConvertError::Csv {
            source_name: source_name.to_owned(),
            error,
        })?;
    let schema = Arc::new(schema(&columns));
    Ok(BatchReader {
        reader,
        dates: vec![DateCache::default(); columns.len()],
        columns: columns.into(),
        schema,
        batch_rows: batch_rows.max(1),
        records: Default::default(),
        source_name: source_name.to_owned(),
        done: false,
    })
}

/// What the reading thread of [`Batches`] sends.
enum Message {
    /// The schema, from the header: sent once, first.
    Schema(SchemaRef),
    Batch(Result<RecordBatch, ConvertError>),
}

fn ended_early() -> ConvertError {
    ConvertError::Csv {
        source_name: String::new(),
        error: CsvError::message("the CSV reading thread ended early"),
    }
}

/// Batches in flight between the reading thread and the consumer.
const BATCHES_IN_FLIGHT: usize = 2;

/// The Arrow record batches of a CSV [`Source`], read and typed on a thread
/// of their own while the consumer works on the previous ones: an
/// [`Iterator`] for blocking code, and a [`Stream`](futures::Stream) for
/// async code through [`into_stream`](Self::into_stream), whatever the
/// source. At most two batches wait for the consumer.
/// Dropping it stops the reading thread.
///
/// An error opening the source or reading its header is the first item; a
/// bad cell or a cut-off source is the last.
pub struct Batches {
    messages: channel::Receiver<Message>,
    schema: Option<SchemaRef>,
}

impl std::fmt::Debug for Batches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batches")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// Reads `source` as record batches of at most `batch_rows` rows, typed by
/// the columns `plan` makes from its header; `source_name` names it in
/// errors. Gzip is detected and decoded.
///
/// An async source must be read within a tokio runtime.
pub fn batches(
    source: impl Into<Source>,
    source_name: &str,
    batch_rows: usize,
    plan: impl FnOnce(&csv::StringRecord) -> Vec<ColumnSpec> + Send + 'static,
) -> Batches {
    let (sender, messages) = channel::channel(BATCHES_IN_FLIGHT);
    let batches = Batches {
        messages,
        schema: None,
    };
    let name = source_name.to_owned();
    let csv_error = |error| ConvertError::Csv {
        source_name: source_name.to_owned(),
        error,
    };
    let source = match source.into().into_blocking() {
        Ok(source) => source,
        Err(error) => {
            sender.send(Message::Batch(Err(csv_error(error))));
            return batches;
        }
    };
    let run = move || {
        let input = source.open_with(|path| match std::fs::File::open(&path) {
            Ok(file) => Ok(Box::new(file)),
            Err(source) => Err(ConvertError::Open { path, source }),
        });
        let reader = match input.and_then(|input| read_batches(input, &name, batch_rows, plan)) {
            Ok(reader) => reader,
            Err(err) => {
                sender.send(Message::Batch(Err(err)));
                return;
            }
        };
        if !sender.send(Message::Schema(reader.schema.clone())) {
            return;
        }
        for batch in reader {
            let failed = batch.is_err();
            // The consumer dropped the batches: stop reading.
            if !sender.send(Message::Batch(batch)) || failed {
                return;
            }
        }
    };
    if let Err(err) = std::thread::Builder::new()
        .name("csv-batches".to_owned())
        .spawn(run)
    {
        let (sender, messages) = channel::channel(1);
        sender.send(Message::Batch(Err(csv_error(CsvError::message(format!(
            "starting the CSV reading thread: {err}"
        ))))));
        return Batches {
            messages,
            schema: None,
        };
    }
    batches
}

impl Batches {
    /// [`schema`](Self::schema) for async code: waits without blocking the
    /// thread.
    pub async fn schema_async(&mut self) -> Result<SchemaRef, ConvertError> {
        std::future::poll_fn(|cx| self.schema_with(|messages| messages.poll_recv(cx))).await
    }

    /// The batches' schema, made from the header: waits until the header
    /// has been read (or reading failed, then the error).
    pub fn schema(&mut self) -> Result<SchemaRef, ConvertError> {
        match self.schema_with(|messages| std::task::Poll::Ready(messages.recv())) {
            std::task::Poll::Ready(schema) => schema,
            std::task::Poll::Pending => Err(ended_early()),
        }
    }

    /// The schema, the messages taken by `recv` until it arrives.
    fn schema_with(
        &mut self,
        mut recv: impl FnMut(&mut channel::Receiver<Message>) -> std::task::Poll<Option<Message>>,
    ) -> std::task::Poll<Result<SchemaRef, ConvertError>> {
        loop {
            if let Some(schema) = &self.schema {
                return std::task::Poll::Ready(Ok(schema.clone()));
            }
            match std::task::ready!(recv(&mut self.messages)) {
                Some(Message::Schema(schema)) => self.schema = Some(schema),
                Some(Message::Batch(Err(err))) => return std::task::Poll::Ready(Err(err)),
                Some(Message::Batch(Ok(_))) | None => {
                    return std::task::Poll::Ready(Err(ended_early()));
                }
            }
        }
    }

    fn next_with(
        &mut self,
        mut recv: impl FnMut(&mut channel::Receiver<Message>) -> std::task::Poll<Option<Message>>,
    ) -> std::task::Poll<Option<Result<RecordBatch, ConvertError>>> {
        loop {
            match std::task::ready!(recv(&mut self.messages)) {
                Some(Message::Schema(schema)) => self.schema = Some(schema),
                Some(Message::Batch(batch)) => return std::task::Poll::Ready(Some(batch)),
                None => return std::task::Poll::Ready(None),
            }
        }
    }
}

impl Iterator for Batches {
    type Item = Result<RecordBatch, ConvertError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_with(|messages| std::task::Poll::Ready(messages.recv())) {
            std::task::Poll::Ready(batch) => batch,
            std::task::Poll::Pending => None,
        }
    }
}

impl Batches {
    /// The batches as a [`Stream`](futures::Stream), for async code (an
    /// iterator's `next` waits by blocking the thread).
    pub fn into_stream(self) -> BatchStream {
        BatchStream(self)
    }
}

/// [`Batches`] as a [`Stream`](futures::Stream): taken without blocking the
/// thread. Made by [`Batches::into_stream`].
#[derive(Debug)]
pub struct BatchStream(Batches);

impl futures::Stream for BatchStream {
    type Item = Result<RecordBatch, ConvertError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.get_mut()
            .0
            .next_with(|messages| messages.poll_recv(cx))
    }
}

impl BatchReader {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>, ConvertError> {
        let mut builders: Vec<Builder> = self
            .columns
            .iter()
            .map(|c| Builder::new(c.kind, self.batch_rows))
            .collect();
        let mut rows = 0;
        while rows < self.batch_rows && !self.done {
            let read = self.read_chunk((self.batch_rows - rows).min(CHUNK_RECORDS));
            // A bad cell before a malformed record is the first error.
            self.append_chunk(&mut builders)?;
            read?;
            rows += self.records.len();
        }
        if rows == 0 {
            return Ok(None);
        }
        let arrays: Vec<ArrayRef> = builders.into_iter().map(Builder::finish).collect();
        RecordBatch::try_new(self.schema.clone(), arrays)
            .map(Some)
            .map_err(|err| ConvertError::Csv {
                source_name: self.source_name.clone(),
                error: CsvError::at(0, None, err.to_string()),
            })
    }

    /// Reads up to `want` records into `self.records`; on an error, those
    /// before it stay there.
    fn read_chunk(&mut self, want: usize) -> Result<(), ConvertError> {
        self.records.clear();
        while self.records.len() < want {
            match self.reader.read_into(&mut self.records) {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    break;
                }
                Err(err) => {
                    self.done = true;
                    return Err(match err {
                        crate::record_reader::RecordError::Io(io) => ConvertError::Read {
                            source_name: self.source_name.clone(),
                            message: io.to_string(),
                        },
                        other => ConvertError::Csv {
                            source_name: self.source_name.clone(),
                            error: other.into_csv(),
                        },
                    });
                }
            }
        }
        Ok(())
    }

    /// Types the records read, a column at a time (one type decision per
    /// column, not per cell). On bad cells, the error names the first in
    /// reading order: the earliest record, then the leftmost column.
    fn append_chunk(&mut self, builders: &mut [Builder]) -> Result<(), ConvertError> {
        let mut first_bad: Option<(usize, &ColumnSpec, &'static str)> = None;
        for ((column, builder), dates) in self.columns.iter().zip(builders).zip(&mut self.dates) {
            if let Err((record, what)) =
                builder.append_column(&self.records, column.position, dates)
                && first_bad.is_none_or(|(earliest, ..)| record < earliest)
            {
                first_bad = Some((record, column, what));
            }
        }
        let Some((record, column, what)) = first_bad else {
            return Ok(());
        };
        self.done = true;
        let fields = self.records.at(record);
        let cell = column.position.and_then(|p| fields.get(p)).unwrap_or("");
        Err(ConvertError::Csv {
            source_name: self.source_name.clone(),
            error: CsvError::at(
                fields.line(),
                Some(&column.name),
                format!("{cell:?} is not {what}"),
            ),
        })
    }
}

/// Records typed at once: a few hundred KiB of text, which stays in cache
/// while each column passes over it.
const CHUNK_RECORDS: usize = 2048;

impl Iterator for BatchReader {
    type Item = Result<RecordBatch, ConvertError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.next_batch().transpose()
    }
}

/// One column's values as they are read.
enum Builder {
    Utf8(StringBuilder),
    Int64(Int64Builder),
    Float64(Float64Builder),
    Boolean(BooleanBuilder),
    Date32(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
}

impl Builder {
    fn new(kind: ColumnType, rows: usize) -> Self {
        match kind {
            ColumnType::String => Builder::Utf8(StringBuilder::with_capacity(rows, rows * 16)),
            ColumnType::Integer => Builder::Int64(Int64Builder::with_capacity(rows)),
            ColumnType::Float => Builder::Float64(Float64Builder::with_capacity(rows)),
            ColumnType::Boolean => Builder::Boolean(BooleanBuilder::with_capacity(rows)),
            ColumnType::Date => Builder::Date32(Date32Builder::with_capacity(rows)),
            ColumnType::Timestamp => Builder::Timestamp(
                TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            ),
        }
    }

    /// Appends field `position` of every record (all null when the file
    /// has no such field); on a bad value, stops and gives its record's
    /// index and what it should have been.
    fn append_column(
        &mut self,
        records: &Records,
        position: Option<usize>,
        dates: &mut DateCache,
    ) -> Result<(), (usize, &'static str)> {
        let Some(position) = position else {
            for _ in 0..records.len() {
                self.append_null();
            }
            return Ok(());
        };
        let cells = records
            .iter()
            .map(move |fields| fields.get(position).unwrap_or(""));
        match self {
            Builder::Utf8(b) => {
                for cell in cells {
                    if cell.is_empty() {
                        b.append_null();
                    } else {
                        b.append_value(cell);
                    }
                }
                Ok(())
            }
            Builder::Int64(b) => append_typed(b, cells, crate::parse_i64, "an integer"),
            Builder::Float64(b) => append_typed(b, cells, crate::parse_f64, "a number"),
            Builder::Date32(b) => append_typed(
                b,
                cells,
                |cell| dates.days_since_epoch(crate::trim(cell)),
                "a date",
            ),
            Builder::Timestamp(b) => append_typed(
                b,
                cells,
                |cell| dates.timestamp_micros(crate::trim(cell)),
                "a timestamp",
            ),
            Builder::Boolean(b) => {
                for (record, cell) in cells.enumerate() {
                    if cell.is_empty() {
                        b.append_null();
                    } else {
                        b.append_value(crate::parse_bool(cell).ok_or((record, "a boolean"))?);
                    }
                }
                Ok(())
            }
        }
    }

    fn append_null(&mut self) {
        match self {
            Builder::Utf8(b) => b.append_null(),
            Builder::Int64(b) => b.append_null(),
            Builder::Float64(b) => b.append_null(),
            Builder::Boolean(b) => b.append_null(),
            Builder::Date32(b) => b.append_null(),
            Builder::Timestamp(b) => b.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Utf8(mut b) => Arc::new(b.finish()),
            Builder::Int64(mut b) => Arc::new(b.finish()),
            Builder::Float64(mut b) => Arc::new(b.finish()),
            Builder::Boolean(mut b) => Arc::new(b.finish()),
            Builder::Date32(mut b) => Arc::new(b.finish()),
            Builder::Timestamp(mut b) => Arc::new(b.finish()),
        }
    }
}

/// Appends each cell parsed by `parse` (an empty one as null); stops at the
/// first that does not parse.
#[inline]
fn append_typed<'a, T: arrow_array::types::ArrowPrimitiveType>(
    builder: &mut arrow_array::builder::PrimitiveBuilder<T>,
    cells: impl Iterator<Item = &'a str>,
    mut parse: impl FnMut(&str) -> Option<T::Native>,
    what: &'static str,
) -> Result<(), (usize, &'static str)> {
    for (record, cell) in cells.enumerate() {
        if cell.is_empty() {
            builder.append_null();
        } else {
            builder.append_value(parse(cell).ok_or((record, what))?);
        }
    }
    Ok(())
}

/// How a Parquet file is written.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ParquetOptions {
    /// Rows per record batch read from the CSV.
    pub batch_rows: usize,
    /// Rows per row group (bounds the writer's memory).
    pub row_group_rows: usize,
    /// zstd level (1-22; 1 by default: level 3 made files 3 % smaller and the
    /// conversion a third slower).
    pub zstd_level: i32,
}

impl Default for ParquetOptions {
    fn default() -> Self {
        Self {
            batch_rows: DEFAULT_BATCH_ROWS,
            row_group_rows: DEFAULT_ROW_GROUP_ROWS,
            zstd_level: 1,
        }
    }
}

impl ParquetOptions {
    /// The defaults: batches of 8 Ki rows, row groups of 1 Mi rows, zstd
    /// level 1.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rows per record batch.
    pub fn batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows.max(1);
        self
    }

    /// Rows per row group.
    pub fn row_group_rows(mut self, rows: usize) -> Self {
        self.row_group_rows = rows.max(1);
        self
    }

    /// zstd compression level.
    pub fn zstd_level(mut self, level: i32) -> Self {
        self.zstd_level = level;
        self
    }
}

/// Writes `batches` to `dest` as Parquet (zstd), with `metadata` in the
/// file's key-value metadata, atomically: `<dest>.part`, fsync, rename.
/// Returns the rows written. Blocking: call it from a blocking thread.
pub fn write_parquet(
    batches: Batches,
    metadata: &[(&str, String)],
    dest: &Path,
    options: &ParquetOptions,
) -> Result<u64, ConvertError> {
    let part = sdk_core::download::part_path(dest);
    let result = write_part(batches, metadata, &part, options);
    let finished = result.and_then(|rows| {
        std::fs::rename(&part, dest)
            .map(|()| rows)
            .map_err(|source| ConvertError::Write {
                path: dest.to_owned(),
                source,
            })
    });
    match finished {
        Ok(rows) => {
            sdk_core::download::sync_dir_blocking(dest);
            Ok(rows)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&part);
            Err(err)
        }
    }
}

/// The Parquet writer settings of every file this crate writes: zstd at
/// `options`' level, row groups of `options.row_group_rows`, pages of
/// 128 KiB, dictionaries for text and dates, delta-packed integers, and
/// `metadata` in the file's key-value metadata.
pub fn writer_properties(
    schema: &Schema,
    metadata: &[(&str, String)],
    options: &ParquetOptions,
) -> Result<parquet::file::properties::WriterProperties, parquet::errors::ParquetError> {
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;

    let level = ZstdLevel::try_new(options.zstd_level)?;
    let mut properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(options.row_group_rows))
        // Dictionaries pay off for text (repositories, tags, countries
        // repeat); for numbers and instants they rarely do, and building
        // them was a quarter of the conversion's time.
        .set_dictionary_enabled(false)
        // Pages of 128 KiB, not 1 MiB: the encoders grow a fresh buffer
        // per page, and buffers that large, once freed, made the allocator
        // keep more memory after the first row group (peak RSS 33 MiB at
        // 100 MiB of CSV, 40 MiB from 250 MiB up; 34-35 MiB at every size
        // with these). Files grow by 1 %.
        .set_data_page_size_limit(DATA_PAGE_BYTES)
        // Statistics per column chunk, not per page: the page index the
        // writer keeps for every row group until the footer grew the
        // memory of a 1 GiB conversion by a fifth.
        .set_statistics_enabled(parquet::file::properties::EnabledStatistics::Chunk);
    for field in schema.fields() {
        let column = || parquet::schema::types::ColumnPath::from(field.name().as_str());
        match field.data_type() {
            DataType::Utf8 | DataType::Date32 => {
                properties = properties.set_column_dictionary_enabled(column(), true);
            }
            // Differences bit-packed: a count takes 3-4 bytes instead of
            // 8 before zstd sees it, which made the conversion a fifth
            // faster and the file smaller. Timestamps stay plain: those of
            // one report share their high bytes, which zstd removes, and
            // delta-packed they came out twice the size.
            DataType::Int64 => {
                properties = properties
                    .set_column_encoding(column(), parquet::basic::Encoding::DELTA_BINARY_PACKED);
            }
            _ => {}
        }
    }
    Ok(properties
        .set_key_value_metadata(Some(
            metadata
                .iter()
                .map(|(key, value)| KeyValue::new((*key).to_owned(), value.clone()))
                .collect(),
        ))
        .build())
}

fn write_part(
    mut batches: Batches,
    metadata: &[(&str, String)],
    part: &Path,
    options: &ParquetOptions,
) -> Result<u64, ConvertError> {
    let write_err = |source: std::io::Error| ConvertError::Write {
        path: part.to_owned(),
        source,
    };
    if let Some(parent) = part.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_err)?;
    }
    let file = sdk_core::download::create_part_blocking(part).map_err(write_err)?;
    let schema = batches.schema()?;
    let properties = writer_properties(&schema, metadata, options)
        .map_err(|err| write_err(std::io::Error::other(err)))?;
    let (rows, file) = encode_parquet(batches, properties, file, part)?;
    file.sync_all().map_err(write_err)?;
    Ok(rows)
}

/// Encodes `batches` as Parquet with `properties` into `out`, blocking:
/// the rows written, and `out` once the whole file (footer included) is
/// written to it. `path` names the output in errors.
///
/// Reading and typing the CSV happen on the batches' own thread, encoding
/// and compressing on this one: the two halves overlap.
pub fn encode_parquet<W: std::io::Write + Send>(
    mut batches: Batches,
    properties: parquet::file::properties::WriterProperties,
    out: W,
    path: &Path,
) -> Result<(u64, W), ConvertError> {
    use parquet::arrow::ArrowWriter;

    let parquet_err = |err: parquet::errors::ParquetError| ConvertError::Write {
        path: path.to_owned(),
        source: std::io::Error::other(err),
    };
    let schema = batches.schema()?;
    let mut writer = ArrowWriter::try_new(out, schema, Some(properties)).map_err(parquet_err)?;
    let mut rows = 0u64;
    for batch in batches {
        // An error returns here, which drops the batches and so stops the
        // reading thread.
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer.write(&batch).map_err(parquet_err)?;
    }
    let out = writer.into_inner().map_err(parquet_err)?;
    Ok((rows, out))
}

/// Converts a CSV body to a Parquet file at `dest` while it arrives: no CSV
/// is written. Parquet cannot be written from the middle of the CSV, so
/// unlike a download, a conversion cut off starts over in the next run. `open` GETs the body; a body cut off mid-way (a dropped
/// connection) starts the conversion over, as many times as `retry`
/// allows. `plan` types the columns from the header.
#[allow(clippy::too_many_arguments)]
pub async fn body_to_parquet<E, O, Fut, R>(
    mut open: O,
    retry: &sdk_core::RetryPolicy,
    source_name: &str,
    plan: impl Fn(&csv::StringRecord) -> Vec<ColumnSpec> + Send + Sync + Clone + 'static,
    metadata: Vec<(&'static str, String)>,
    dest: &Path,
    options: &ParquetOptions,
) -> Result<u64, E>
where
    E: From<ConvertError>,
    O: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<R, E>>,
    R: Into<Source>,
{
    let mut attempts = Attempts::new(retry, "conversion");
    loop {
        let body: Source = open().await?.into();
        let batches = batches(body, source_name, options.batch_rows, plan.clone());
        let (metadata, target, options) = (metadata.clone(), dest.to_owned(), options.clone());
        let converted = tokio::task::spawn_blocking(move || {
            write_parquet(batches, &metadata, &target, &options)
        })
        .await
        .unwrap_or_else(|join| {
            Err(ConvertError::Write {
                path: dest.to_owned(),
                source: std::io::Error::other(join.to_string()),
            })
        });
        let step = match converted {
            // A body cut off mid-way: the conversion starts over, however
            // long the cut attempt ran.
            Err(err) if err.is_transient() => Step::Retry {
                reason: err.to_string(),
                outcome: Err(err.into()),
                retry_after: None,
                progressed: true,
            },
            // The file's size, as a download reports its bytes.
            Ok(_) => Step::Done(Ok(std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0))),
            Err(err) => Step::Done(Err(err.into())),
        };
        if let Some(result) = attempts.after(step).await {
            return result;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    fn plan(headers: &csv::StringRecord) -> Vec<ColumnSpec> {
        let at = |name: &str| headers.iter().position(|h| h == name);
        vec![
            ColumnSpec::new("day", ColumnType::Date, at("day")).description("the day"),
            ColumnSpec::new("n", ColumnType::Integer, at("n")),
            ColumnSpec::new("share", ColumnType::Float, at("share")),
            ColumnSpec::new("ok", ColumnType::Boolean, at("ok")),
            ColumnSpec::new("at", ColumnType::Timestamp, at("at")),
            ColumnSpec::new("name", ColumnType::String, at("name")),
            ColumnSpec::new("missing", ColumnType::Integer, None),
        ]
    }

    /// Every batch of `data` read with [`plan`].
    fn read_all(data: impl AsRef<[u8]> + Send + 'static, batch_rows: usize) -> Vec<RecordBatch> {
        batches(
            Source::reader(std::io::Cursor::new(data)),
            "t",
            batch_rows,
            plan,
        )
        .collect::<Result<_, _>>()
        .unwrap()
    }

    #[test]
    fn cells_are_typed_empty_ones_are_null_and_batches_are_bounded() {
        let data = "day,n,share,ok,at,name\n\
                    2026-06-30,5,0.5,true,2026-06-30T10:00:00Z,a\n\
                    2026-06-30,,,,,\n\
                    2026-07-01,-7,1e3,no,2026-07-01 00:00:01,b\n";
        let batches = read_all(data, 2);
        assert_eq!(
            batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(),
            [2, 1]
        );
        let first = &batches[0];
        let schema = first.schema();
        assert_eq!(
            schema
                .field(0)
                .metadata()
                .get("description")
                .map(String::as_str),
            Some("the day")
        );
        let n = first
            .column(1)
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>()
            .unwrap();
        assert_eq!((n.value(0), n.is_null(1)), (5, true));
        let day = first
            .column(0)
            .as_any()
            .downcast_ref::<arrow_array::Date32Array>()
            .unwrap();
        assert_eq!(day.value(0), 20634); // 2026-06-30
        let at = batches[1]
            .column(4)
            .as_any()
            .downcast_ref::<arrow_array::TimestampMicrosecondArray>()
            .unwrap();
        assert_eq!(at.value(0), 1_782_864_001_000_000);
        let name = first
            .column(5)
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        assert!(name.is_null(1), "an empty text cell is null");
        assert_eq!(
            first.column(6).null_count(),
            2,
            "a column not in the file is null"
        );
    }

    #[test]
    fn a_bad_cell_names_its_line_and_column_and_no_file_is_left() {
        let data = "day,n\n2026-06-30,1\n2026-06-31,2\n";
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.parquet");
        let read = batches(
            Source::reader(std::io::Cursor::new(data)),
            "t.csv",
            10,
            plan,
        );
        let err = write_parquet(read, &[], &dest, &ParquetOptions::new()).unwrap_err();
        let ConvertError::Csv { error, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(
            (error.line, error.column.as_deref()),
            (Some(3), Some("day")),
            "{err}"
        );
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    /// The line and column of the error a conversion of `data` ends with.
    fn first_error(data: String, batch_rows: usize) -> (Option<u64>, Option<String>) {
        let mut read = batches(
            Source::reader(std::io::Cursor::new(data)),
            "t",
            batch_rows,
            plan,
        );
        match read.find_map(Result::err) {
            Some(ConvertError::Csv { error, .. }) => (error.line, error.column),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn typed_a_column_at_a_time_the_error_is_still_the_first_in_reading_order() {
        let good = "2026-06-30,1,0.5,true,2026-06-30T10:00:00Z,a\n";
        let file = |bad: &[(usize, &str)]| {
            let mut data = String::from("day,n,share,ok,at,name\n");
            for row in 0..5000 {
                match bad.iter().find(|(at, _)| *at == row) {
                    Some((_, record)) => data.push_str(record),
                    None => data.push_str(good),
                }
            }
            data
        };
        // Row 10's last typed column comes before row 20's first; the header
        // is line 1, so row r is line r + 2.
        let later_column_first = file(&[
            (10, "2026-06-30,1,0.5,maybe,2026-06-30T10:00:00Z,a\n"),
            (20, "x,1,0.5,true,2026-06-30T10:00:00Z,a\n"),
        ]);
        let two_in_one_row = file(&[(30, "2026-06-30,one,half,true,2026-06-30T10:00:00Z,a\n")]);
        let past_a_chunk = file(&[(4000, "2026-06-30,1,0.5,true,noon,a\n")]);
        let before_a_short_record = file(&[
            (7, "2026-06-30,1,x,true,2026-06-30T10:00:00Z,a\n"),
            (9, "2026-06-30,1\n"),
        ]);
        let short_record_first = file(&[
            (7, "2026-06-30,1\n"),
            (9, "2026-06-30,1,x,true,2026-06-30T10:00:00Z,a\n"),
        ]);
        let cases = [
            (&later_column_first, 12, Some("ok")),
            (&two_in_one_row, 32, Some("n")),
            (&past_a_chunk, 4002, Some("at")),
            (&before_a_short_record, 9, Some("share")),
            // A field-count error names no column.
            (&short_record_first, 9, None),
        ];
        for batch_rows in [8192, 3000, 7] {
            for (data, line, column) in &cases {
                assert_eq!(
                    first_error((*data).clone(), batch_rows),
                    (Some(*line), column.map(str::to_owned)),
                    "batches of {batch_rows}"
                );
            }
        }
    }

    #[test]
    fn batches_hold_every_row_in_order_across_chunks() {
        let mut data = String::from("day,n,share,ok,at,name\n");
        for row in 0..5000 {
            data.push_str(&format!(
                "2026-06-30,{row},,,2026-06-30T00:00:{:02}Z,r{row}\n",
                row % 60
            ));
        }
        let batches = read_all(data, 3000);
        assert_eq!(
            batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(),
            [3000, 2000]
        );
        let mut row = 0i64;
        for batch in &batches {
            let n = batch
                .column(1)
                .as_any()
                .downcast_ref::<arrow_array::Int64Array>()
                .unwrap();
            let at = batch
                .column(4)
                .as_any()
                .downcast_ref::<arrow_array::TimestampMicrosecondArray>()
                .unwrap();
            let name = batch
                .column(5)
                .as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .unwrap();
            for i in 0..batch.num_rows() {
                assert_eq!(n.value(i), row);
                assert_eq!(at.value(i), 1_782_777_600_000_000 + (row % 60) * 1_000_000);
                assert_eq!(name.value(i), format!("r{row}"));
                row += 1;
            }
            assert_eq!(batch.column(2).null_count(), batch.num_rows());
        }
    }
}
