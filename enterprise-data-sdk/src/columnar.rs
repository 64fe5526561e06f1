//! Reports as Arrow record batches and Parquet files, typed by the report's
//! schema (feature `arrow`).
//!
//! Schema types map to Arrow as `date` → `Date32`, `timestamp` →
//! `Timestamp(Microsecond, UTC)`, `integer` → `Int64`, `float` →
//! `Float64`, `boolean` → `Boolean`, `string` and any unknown type →
//! `Utf8`; an empty cell is null, and each field's description is kept in
//! its Arrow metadata. A Parquet file carries the report's identity
//! (`docker.org`, `docker.report_type`, `docker.cadence`, `docker.date`) in
//! its key-value metadata.
//!
//! ```no_run
//! # async fn run(client: enterprise_data_sdk::EnterpriseClient) -> enterprise_data_sdk::Result<()> {
//! use enterprise_data_sdk::columnar::ParquetOptions;
//! use enterprise_data_sdk::ReportId;
//! let report = ReportId::parse("usage_pulls", "daily", "2026-06-30")?;
//! // Converted while the body arrives; no CSV is written.
//! client
//!     .download(&report, "out/2026-06-30.parquet")
//!     .format(enterprise_data_sdk::Format::Parquet(ParquetOptions::new()))
//!     .await?;
//! # Ok(()) }
//! ```

use std::path::Path;

use docker_data_csv::HeaderIndex;

pub use docker_data_csv::ColumnType;
pub use docker_data_csv::columnar::{
    BatchStream, Batches, ColumnSpec, ConvertError, ParquetOptions, arrow_array, arrow_schema,
    parquet,
};

use crate::client::EnterpriseClient;
use crate::error::{Error, Result};
use crate::generated::types;
use crate::report_id::ReportId;

/// The schema's columns found in a CSV header (exactly, else case- and
/// separator-insensitively; a field missing from the file is all null).
pub fn columns(schema: &types::ReportSchema, headers: &csv::StringRecord) -> Vec<ColumnSpec> {
    let index = HeaderIndex::new(headers);
    schema
        .fields
        .iter()
        .map(|field| {
            let position = headers
                .iter()
                .position(|h| h == field.name)
                .or_else(|| index.find(&[field.name.as_str()]));
            ColumnSpec::new(&field.name, ColumnType::from_schema(&field.type_), position)
                .description(&field.description)
        })
        .collect()
}

/// The Arrow schema of a report schema.
pub fn arrow_schema_of(schema: &types::ReportSchema) -> arrow_schema::Schema {
    let headers = csv::StringRecord::new();
    docker_data_csv::columnar::schema(&columns(schema, &headers))
}

/// Record batches of at most `batch_rows` rows of a report CSV (a path, a
/// reader or a response body; plain or gzip), typed by `schema`;
/// `source_name` names it in errors.
pub fn record_batches(
    source: impl Into<docker_data_csv::Source>,
    source_name: &str,
    schema: &types::ReportSchema,
    batch_rows: usize,
) -> Batches {
    let schema = schema.clone();
    docker_data_csv::columnar::batches(source, source_name, batch_rows, move |headers| {
        columns(&schema, headers)
    })
}

/// The key-value metadata naming a report in its Parquet file
/// (`docker.org`, `docker.report_type`, `docker.cadence`, `docker.date`).
pub fn parquet_metadata(org: &str, report: &ReportId) -> Vec<(&'static str, String)> {
    vec![
        ("docker.org", org.to_owned()),
        ("docker.report_type", report.report_type().to_string()),
        ("docker.cadence", report.cadence().to_string()),
        ("docker.date", report.date().to_string()),
    ]
}

/// Converts a report CSV already on disk to Parquet at `dest` (atomically),
/// typed by `schema`, with `org` and `report` in the file's metadata.
/// Blocking: call it from a blocking thread in async code. Returns the rows
/// written.
pub fn convert_to_parquet(
    csv: &Path,
    schema: &types::ReportSchema,
    org: &str,
    report: &ReportId,
    dest: &Path,
    options: &ParquetOptions,
) -> Result<u64> {
    let batches = record_batches(csv, &csv.display().to_string(), schema, options.batch_rows);
    Ok(docker_data_csv::columnar::write_parquet(
        batches,
        &parquet_metadata(org, report),
        dest,
        options,
    )?)
}

impl EnterpriseClient {
    /// [`download`](Self::download) with [`Format::Parquet`](crate::Format).
    pub(crate) async fn fetch_parquet(
        &self,
        report: &ReportId,
        dest: &Path,
        options: ParquetOptions,
    ) -> Result<u64> {
        let schema = self.schema(report).await?;
        let name = crate::client::describe(&self.org, report);
        docker_data_csv::columnar::body_to_parquet(
            || self.open(report),
            self.downloader.retry(),
            &name,
            move |headers| columns(&schema, headers),
            parquet_metadata(&self.org, report),
            dest,
            &options,
        )
        .await
    }

    /// A report's rows as Arrow record batches of at most `batch_rows` rows,
    /// read straight from the object store and typed by its schema while
    /// the body arrives, in constant memory. A dropped connection ends the
    /// stream with an error.
    pub async fn record_batch_stream(
        &self,
        report: impl Into<ReportId>,
        batch_rows: usize,
    ) -> Result<futures::stream::BoxStream<'static, Result<arrow_array::RecordBatch>>> {
        use futures::StreamExt;
        let report = report.into();
        let schema = self.schema(&report).await?;
        let body = self.open(&report).await?;
        let name = crate::client::describe(&self.org, &report);
        Ok(record_batches(
            docker_data_csv::Source::Body(body),
            &name,
            &schema,
            batch_rows,
        )
        .into_stream()
        .map(|batch| batch.map_err(Error::from))
        .boxed())
    }
}
