//! Downloading export files: one, or a whole namespace with bounded
//! concurrency and resumable reruns.

use std::future::IntoFuture;
use std::path::{Path, PathBuf};

use sdk_core::bulk::{BulkFailure, BulkItem, BulkOptions, BulkSummary};

use crate::Format;
use crate::client::DvpClient;
use crate::discovery::ExportFilter;
use crate::error::{Error, Result};
use crate::model::ExportFile;

impl DvpClient {
    /// Downloads one file to `dest` (parent folders are created). The file
    /// host gets a plain GET without Authorization; the body goes to
    /// `<dest>.part`, is size-checked, fsynced and renamed. Configure the
    /// request (`.progress(f)`, `.format(Format::parquet())`), then
    /// `.await` it for the bytes written.
    ///
    /// With [`Format::Parquet`](crate::Format) (feature `arrow`) the CSV
    /// body is converted while it arrives (no CSV is written), typed by the
    /// dataview's columns, then fsynced and renamed into place; a dropped
    /// connection starts the conversion over (within the retry policy); it
    /// resolves to the Parquet file's size.
    pub fn download(
        &self,
        file: &ExportFile,
        dest: impl AsRef<Path>,
    ) -> sdk_core::request::DownloadRequest<Error, Format> {
        let (client, file, dest) = (self.clone(), file.clone(), dest.as_ref().to_owned());
        sdk_core::request::DownloadRequest::new(move |progress, format| async move {
            match format {
                Format::Csv => Ok(client
                    .downloader
                    .download(&file.url, &dest, file.size, progress.as_ref())
                    .await?),
                #[cfg(feature = "arrow")]
                Format::Parquet(options) => client.fetch_parquet(&file, &dest, options).await,
                #[allow(unreachable_patterns)]
                other => Err(other.unavailable()),
            }
        })
    }

    /// The bytes of an export file, read straight from its host without a
    /// file (gzip decoded; header and idle timeouts apply). A dropped
    /// connection ends the reader with an error: use
    /// [`download`](Self::download) for resumable transfers. The
    /// [`Body`](crate::Body) also tells the object's `ETag` and
    /// `Last-Modified`.
    pub async fn open(&self, file: &ExportFile) -> Result<sdk_core::Body> {
        Ok(self.downloader.open(&file.url).await?)
    }

    /// Rows of an export file read straight from its host without a file,
    /// parsed while the body arrives, in constant memory (gzip is decoded).
    /// Use [`rows::RawDecoder`](crate::rows::RawDecoder),
    /// [`rows::SummaryDecoder`](crate::rows::SummaryDecoder) or
    /// [`docker_data_csv::RecordDecoder`]. A dropped connection ends the
    /// stream with an error ([`download`](Self::download) resumes instead).
    pub async fn stream_rows<D: docker_data_csv::FromHeaders>(
        &self,
        file: &ExportFile,
    ) -> Result<impl futures::Stream<Item = Result<D::Row>> + Send + 'static + use<D>> {
        use futures::StreamExt;
        let body = self.open(file).await?;
        let name = file.display_name();
        Ok(
            docker_data_csv::rows(docker_data_csv::Source::Body(body), D::from_headers)
                .into_stream()
                .map(move |row| row.map_err(|error| error.reading(&name))),
        )
    }

    /// Downloads every file of a namespace's export that `filter` keeps
    /// (`ExportFilter::new()`: all) under `dir` in `format`, at
    /// [`ExportFile::destination`] (with `.parquet` for Parquet). Files
    /// already complete are skipped, so a rerun fetches only what is
    /// missing.
    ///
    /// One item does not sink the run: a view the metadata advertises but
    /// the API has no data for is listed in the summary's `unavailable`
    /// (with a `tracing` warning); a file whose name the server made unsafe,
    /// or whose download failed, in `failed`. The error is for failures of
    /// the listing itself.
    pub async fn download_all(
        &self,
        namespace: &str,
        filter: ExportFilter,
        dir: impl AsRef<Path>,
        options: BulkOptions,
        format: Format,
    ) -> Result<BulkSummary> {
        let dir = dir.as_ref();
        let (items, summary) = self
            .export_items(namespace, filter, dir, |file, dir| {
                file.destination_for(dir, &format)
            })
            .await?;
        let fetch = |file: ExportFile, dest: PathBuf, progress, format| {
            self.download(&file, &dest)
                .format(format)
                .progress_fn(progress)
                .into_future()
        };
        Ok(docker_data_csv::download_many_as(dir, items, options, summary, &format, fetch).await)
    }

    /// The files `filter` keeps, each with its destination under `dir`; a
    /// file whose destination would leave `dir` is recorded as failed.
    pub(crate) async fn export_items(
        &self,
        namespace: &str,
        filter: ExportFilter,
        dir: &Path,
        destination: impl Fn(
            &ExportFile,
            &Path,
        ) -> std::result::Result<PathBuf, sdk_core::safe_path::UnsafePath>,
    ) -> Result<(Vec<BulkItem<ExportFile>>, BulkSummary)> {
        let listing = self.export_listing(namespace, filter).await?;
        let mut summary = BulkSummary::default();
        summary.unavailable = listing.unavailable;
        let mut items = Vec::new();
        for file in listing.files {
            match destination(&file, dir) {
                Ok(dest) => items.push(BulkItem {
                    dest,
                    size: file.size,
                    item: file,
                }),
                Err(unsafe_path) => summary.failed.push(BulkFailure::new(
                    format!("{}/{}/{}", file.namespace, file.year, file.timespan),
                    unsafe_path.to_string(),
                )),
            }
        }
        Ok((items, summary))
    }
}
