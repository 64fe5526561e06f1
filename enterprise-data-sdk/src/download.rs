//! Downloading report CSVs: the API redirects to a pre-signed object-store
//! URL, which is fetched without credentials.

use std::future::IntoFuture;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use futures::TryStreamExt;
use sdk_core::bulk::{BulkFailure, BulkItem, BulkOptions, BulkSummary};
use sdk_core::download::ProgressFn;
use sdk_core::retry::{Attempts, Step};

use crate::Format;
use crate::client::EnterpriseClient;
use crate::error::{Error, ErrorKind, Result};
use crate::generated::types;
use crate::report_id::ReportId;

impl EnterpriseClient {
    /// Downloads a report's CSV to `dest` (parent folders are created):
    /// asks the API for the redirect without following it, GETs the
    /// `Location` without Authorization, streams to `<dest>.part`, checks
    /// `SizeBytes`, fsyncs and renames. If the object store refuses the link
    /// (403: expired), a fresh link is asked for once. Configure the request
    /// (`.progress(f)`, `.format(Format::parquet())`), then `.await` it for
    /// the bytes written.
    ///
    /// With [`Format::Parquet`](crate::Format) (feature `arrow`) the CSV
    /// body is converted while it arrives, typed by the report's
    /// [`schema`](Self::schema) (no CSV is written), then fsynced and
    /// renamed into place; a dropped connection starts the conversion over
    /// (within the retry policy); it resolves to the Parquet file's size.
    pub fn download(
        &self,
        report: impl Into<ReportId>,
        dest: impl AsRef<Path>,
    ) -> sdk_core::request::DownloadRequest<Error, Format> {
        let (client, report, dest) = (self.clone(), report.into(), dest.as_ref().to_owned());
        sdk_core::request::DownloadRequest::new(move |progress, format| async move {
            match format {
                Format::Csv => client.fetch(&report, &dest, progress.as_ref()).await,
                #[cfg(feature = "arrow")]
                Format::Parquet(options) => client.fetch_parquet(&report, &dest, options).await,
                #[allow(unreachable_patterns)]
                other => Err(other.unavailable()),
            }
        })
    }

    async fn fetch(
        &self,
        report: &ReportId,
        dest: &Path,
        progress: Option<&ProgressFn>,
    ) -> Result<u64> {
        let size = report.size();
        let mut attempts = Attempts::new(self.downloader.retry(), "report download");
        let mut asked_again = false;
        loop {
            // Asked first: it validates the report's type and cadence, which
            // may name folders under the destination.
            let url = self.download_url(report).await?;
            let step = match self.downloader.download(&url, dest, size, progress).await {
                // The store refused the link (expired?): ask for a fresh one,
                // once. The transfer's own retries are the downloader's.
                Err(err) if err.kind() == ErrorKind::PermissionDenied && !asked_again => {
                    tracing::debug!("object store refused the link: asking for a fresh one");
                    asked_again = true;
                    Step::Again
                }
                other => Step::Done(other.map_err(Error::from)),
            };
            if let Some(result) = attempts.after(step).await {
                return result;
            }
        }
    }

    /// The bytes of a report's CSV, read straight from the object store
    /// without a file (gzip decoded; header and idle timeouts apply). A
    /// dropped connection ends the reader with an error: use
    /// [`download`](Self::download) for resumable transfers. The
    /// [`Body`](crate::Body) also tells the object's `ETag` and
    /// `Last-Modified`.
    pub async fn open(&self, report: impl Into<ReportId>) -> Result<sdk_core::Body> {
        let url = self.download_url(report).await?;
        Ok(self.downloader.open(&url).await?)
    }

    /// Rows of a report read straight from the object store, typed by its
    /// schema, without a file: parsing runs while the body arrives, in
    /// constant memory. A dropped connection ends the stream with an error
    /// (use [`download`](Self::download) for resumable transfers).
    pub async fn stream_rows(
        &self,
        report: impl Into<ReportId>,
        schema: &types::ReportSchema,
    ) -> Result<futures::stream::BoxStream<'static, Result<crate::rows::TypedRow>>> {
        use futures::StreamExt;
        Ok(self
            .stream_row_reader(report, schema)
            .await?
            .into_rows()
            .into_stream()
            .boxed())
    }

    /// Like [`stream_rows`](Self::stream_rows), each row lent until the
    /// next instead of owned: a [`RowReader`](crate::rows::RowReader) (take
    /// rows with `next_row_async`), the cheapest way to read every value of
    /// a report without a file (no allocation per row).
    pub async fn stream_row_reader(
        &self,
        report: impl Into<ReportId>,
        schema: &types::ReportSchema,
    ) -> Result<crate::rows::RowReader> {
        let report = report.into();
        let body = self.open(&report).await?;
        let name = crate::client::describe(&self.org, &report);
        Ok(crate::rows::RowReader::new(
            crate::rows::Source::Body(body),
            schema,
            &name,
        ))
    }

    /// Downloads every report of a type and cadence dated `from..=to`
    /// (either bound may be open) into `dir` as
    /// `<type>/<cadence>/<date>.<csv|parquet>`, in `format`. Complete files
    /// are skipped, so a rerun fetches only what is missing.
    #[allow(clippy::too_many_arguments)]
    pub async fn download_range(
        &self,
        report_type: &str,
        cadence: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        dir: &Path,
        options: BulkOptions,
        format: Format,
    ) -> Result<BulkSummary> {
        let mut selected = Vec::new();
        let mut reports =
            std::pin::pin!(self.reports_with_page_size(report_type, cadence, Some(100)));
        while let Some(report) = reports.try_next().await? {
            if to.is_some_and(|to| report.date > to) {
                continue;
            }
            // Newest first: once past `from`, every later report is older.
            if from.is_some_and(|from| report.date < from) {
                break;
            }
            selected.push(report);
        }
        let mut summary = BulkSummary::default();
        let mut items = Vec::new();
        for report in selected {
            match destination_with_extension(dir, &report, format.extension()) {
                Ok(dest) => items.push(BulkItem {
                    dest,
                    size: u64::try_from(report.size_bytes).ok(),
                    item: report,
                }),
                Err(unsafe_path) => summary.failed.push(BulkFailure::new(
                    crate::client::describe(&self.org, &ReportId::from(&report)),
                    unsafe_path.to_string(),
                )),
            }
        }
        let fetch = |report: types::Report, dest: PathBuf, progress, format| {
            let request = self.download(&report, &dest).format(format);
            request.progress_fn(progress).into_future()
        };
        Ok(docker_data_csv::download_many_as(dir, items, options, summary, &format, fetch).await)
    }
}

/// `<dir>/<type>/<cadence>/<date>.csv`: where a report goes under a folder.
/// The type and cadence come from the server and are checked as plain
/// file names: a value such as `../x` is refused, never followed.
pub fn report_destination(
    dir: &Path,
    report: &types::Report,
) -> std::result::Result<PathBuf, sdk_core::safe_path::UnsafePath> {
    destination_with_extension(dir, report, "csv")
}

/// `<dir>/<type>/<cadence>/<date>.<extension>`, each part checked
/// ([`Format::extension`] names it).
pub fn destination_with_extension(
    dir: &Path,
    report: &types::Report,
    extension: &str,
) -> std::result::Result<PathBuf, sdk_core::safe_path::UnsafePath> {
    sdk_core::safe_path::join_under(
        dir,
        &[
            ("report type", &report.report_type),
            ("cadence", &report.cadence),
            ("date", &format!("{}.{extension}", report.date)),
        ],
    )
}
