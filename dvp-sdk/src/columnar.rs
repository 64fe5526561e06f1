//! Export files as Arrow record batches and Parquet files (feature
//! `arrow`).
//!
//! Each known dataview has a fixed Arrow schema, its columns found in the
//! file by the same names the typed rows accept:
//! - `raw`: `type`, `host`, `country` (Utf8), `timestamp`
//!   (Timestamp(Microsecond, UTC)), `namespace`, `repository`, `reference`,
//!   `digest`, `tag`, `http_method`, `action`, `user_agent` (Utf8);
//! - `summary` and `repo-summary`: `namespace`, `repository`, `reference`,
//!   `tag`, `digest` (Utf8), `unique_ip_count`, `pulls_by_tag`,
//!   `pulls_by_digest`, `version_checks` (Int64);
//! - `namespace-summary`: `namespace` (Utf8) and the four counts (Int64).
//!
//! Any other dataview is read as all-Utf8 columns named from its header. An
//! empty cell is null. A Parquet file carries `docker.namespace`,
//! `docker.year`, `docker.timespan` and `docker.dataview` in its key-value
//! metadata.

use std::path::Path;

use docker_data_csv::HeaderIndex;

pub use docker_data_csv::ColumnType;
pub use docker_data_csv::columnar::{
    BatchStream, Batches, ColumnSpec, ConvertError, ParquetOptions, arrow_array, arrow_schema,
    parquet,
};

use crate::client::DvpClient;
use crate::error::{Error, Result};
use crate::model::{Dataview, ExportFile};
use crate::rows::{RAW_COLUMNS, SUMMARY_COLUMNS};

/// The summary columns a namespace summary has: namespace and the counts.
const NAMESPACE_SUMMARY: [usize; 5] = [0, 5, 6, 7, 8];

/// A dataview's columns found in a CSV header.
pub fn columns(dataview: &Dataview, headers: &csv::StringRecord) -> Vec<ColumnSpec> {
    let index = HeaderIndex::new(headers);
    let column = |aliases: &[&str], kind| ColumnSpec::new(aliases[0], kind, index.find(aliases));
    match dataview {
        Dataview::Raw => RAW_COLUMNS
            .iter()
            .map(|aliases| {
                let kind = if aliases[0] == "timestamp" {
                    ColumnType::Timestamp
                } else {
                    ColumnType::String
                };
                column(aliases, kind)
            })
            .collect(),
        Dataview::Summary | Dataview::RepoSummary => SUMMARY_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, aliases)| column(aliases, summary_kind(i)))
            .collect(),
        Dataview::NamespaceSummary => NAMESPACE_SUMMARY
            .iter()
            .map(|&i| column(SUMMARY_COLUMNS[i], summary_kind(i)))
            .collect(),
        _ => headers
            .iter()
            .enumerate()
            .map(|(i, name)| ColumnSpec::new(name, ColumnType::String, Some(i)))
            .collect(),
    }
}

/// Text for the names, Int64 for the counts.
fn summary_kind(column: usize) -> ColumnType {
    if column < 5 {
        ColumnType::String
    } else {
        ColumnType::Integer
    }
}

/// The fixed Arrow schema of a known dataview (`None` for another one,
/// whose columns come from its header).
pub fn arrow_schema_of(dataview: &Dataview) -> Option<arrow_schema::Schema> {
    match dataview {
        Dataview::Raw | Dataview::Summary | Dataview::RepoSummary | Dataview::NamespaceSummary => {
            Some(docker_data_csv::columnar::schema(&columns(
                dataview,
                &csv::StringRecord::new(),
            )))
        }
        _ => None,
    }
}

/// Record batches of at most `batch_rows` rows of an export file (a path,
/// a reader or a response body; plain or gzip); `source_name` names it in
/// errors.
pub fn record_batches(
    source: impl Into<docker_data_csv::Source>,
    source_name: &str,
    dataview: &Dataview,
    batch_rows: usize,
) -> Batches {
    let dataview = dataview.clone();
    docker_data_csv::columnar::batches(source, source_name, batch_rows, move |headers| {
        columns(&dataview, headers)
    })
}

/// Converts an export file already on disk to Parquet at `dest`
/// (atomically), with the dataview in the file's metadata. Blocking: call
/// it from a blocking thread in async code. Returns the rows written.
pub fn convert_to_parquet(
    csv: &Path,
    dataview: &Dataview,
    dest: &Path,
    options: &ParquetOptions,
) -> Result<u64> {
    let batches = record_batches(
        csv,
        &csv.display().to_string(),
        dataview,
        options.batch_rows,
    );
    Ok(docker_data_csv::columnar::write_parquet(
        batches,
        &[("docker.dataview", dataview.to_string())],
        dest,
        options,
    )?)
}

/// The key-value metadata naming an export file in its Parquet file
/// (`docker.namespace`, `docker.year`, `docker.timespan`, `docker.dataview`).
pub fn parquet_metadata(file: &ExportFile) -> Vec<(&'static str, String)> {
    vec![
        ("docker.namespace", file.namespace.clone()),
        ("docker.year", file.year.to_string()),
        ("docker.timespan", file.timespan.to_string()),
        ("docker.dataview", file.dataview.to_string()),
    ]
}

impl DvpClient {
    /// [`download`](Self::download) with [`Format::Parquet`](crate::Format).
    pub(crate) async fn fetch_parquet(
        &self,
        file: &ExportFile,
        dest: &Path,
        options: ParquetOptions,
    ) -> Result<u64> {
        let name = file.display_name();
        let dataview = file.dataview.clone();
        docker_data_csv::columnar::body_to_parquet(
            || self.open(file),
            self.downloader.retry(),
            &name,
            move |headers| columns(&dataview, headers),
            parquet_metadata(file),
            dest,
            &options,
        )
        .await
    }

    /// An export file's rows as Arrow record batches of at most
    /// `batch_rows` rows, read straight from its host while the body
    /// arrives, in constant memory. A dropped connection ends the stream
    /// with an error.
    pub async fn record_batch_stream(
        &self,
        file: &ExportFile,
        batch_rows: usize,
    ) -> Result<futures::stream::BoxStream<'static, Result<arrow_array::RecordBatch>>> {
        use futures::StreamExt;
        let body = self.open(file).await?;
        let name = file.display_name();
        let dataview = file.dataview.clone();
        Ok(record_batches(
            docker_data_csv::Source::Body(body),
            &name,
            &dataview,
            batch_rows,
        )
        .into_stream()
        .map(|batch| batch.map_err(Error::from))
        .boxed())
    }
}
