#![warn(missing_docs)]
//! The data engine of the Docker data SDKs: CSV read in constant memory
//! and typed, and (feature `arrow`) turned into Arrow record batches and
//! Parquet files.
//!
//! One [`Source`] (a file, a `Read`, an `AsyncRead` such as a response
//! body) serves every reading mode; each mode is one function, read
//! blocking or in async code alike:
//! - [`rows`]: owned typed rows, one [`RowDecoder`] per kind of row; gzip
//!   is detected and decoded. Records are split by our own reader
//!   ([`Records`], [`Fields`]), which gives the same records and errors as
//!   the `csv` crate, faster.
//! - [`typed_batches`] with a [`BatchDecoder`]: a whole batch of records
//!   typed at once and lent, on whichever of two threads has time: the
//!   fastest way to read every cell of a file.
//! - Cell parsers ([`parse_i64`], [`parse_f64`], [`DateCache`], …) that the
//!   decoders and the Arrow conversion share.
//! - `columnar` (feature `arrow`): CSV into Arrow and zstd Parquet, typed by
//!   [`ColumnType`], the one column-type enum (with the one mapping from
//!   schema type names, [`ColumnType::from_schema`]).
//!
//! A row that cannot be read is a [`CsvError`] naming its line and column;
//! [`CsvError::reading`] makes it the SDKs' one [`sdk_core::Error`].
//!
//! ```
//! use docker_data_csv::{FromHeaders, RecordDecoder, Source, rows};
//!
//! let data = "repository,pull_count\nweb,7\n";
//! let mut rows = rows(Source::reader(std::io::Cursor::new(data)), RecordDecoder::from_headers);
//! let row = rows.next().unwrap().unwrap();
//! assert_eq!(row.get("pull_count"), Some("7"));
//! ```

mod cells;
mod channel;
#[cfg(feature = "arrow")]
pub mod columnar;
mod error;
mod format;
// The bytes of an async source given to the blocking parser: internal.
mod body_reader;
mod handoff;
mod record_batches;
mod record_reader;
mod rows;
mod schema;
mod source;
mod typed_batches;

pub use cells::*;
pub use error::CsvError;
pub use format::{Format, download_many_as};
pub use rows::*;
pub use schema::ColumnType;
pub use source::Source;
