//! Downloading export files: one, or a whole namespace with bounded
//! concurrency and resumable reruns.

use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use sdk_core::bulk::{BulkItem, BulkOptions, BulkSummary, download_many};
use sdk_core::download::ProgressFn;

use crate::client::DvpClient;
use crate::discovery::ExportFilter;
use crate::error::{Error, Result};
use crate::model::ExportFile;

/// How [`DvpClient::download_all`] works.
#[derive(Clone, Debug, Default)]
pub struct DownloadOptions {
    /// Which files to take.
    pub filter: ExportFilter,
    /// Concurrency (default 4) and progress reporting.
    pub bulk: BulkOptions,
}

impl DvpClient {
    /// Downloads one file to `dest` (parent folders are created). The file
    /// host gets a plain GET without Authorization; the body goes to
    /// `<dest>.part`, is size-checked, fsynced and renamed.
    pub async fn download(
        &self,
        file: &ExportFile,
        dest: &Path,
        progress: Option<&ProgressFn>,
    ) -> Result<u64> {
        create_parent(dest).await?;
        Ok(self
            .downloader
            .download(&file.url, dest, file.size, progress)
            .await?)
    }

    /// Rows of an export file read straight from its host without a file,
    /// parsed while the body arrives, in constant memory (gzip is decoded).
    /// Use [`rows::RawDecoder`](crate::rows::RawDecoder),
    /// [`rows::SummaryDecoder`](crate::rows::SummaryDecoder) or
    /// [`sdk_core::csv::RecordDecoder`]. A dropped connection ends the
    /// stream with an error ([`download`](Self::download) resumes instead).
    pub async fn stream_rows<D: sdk_core::csv::FromHeaders>(
        &self,
        file: &ExportFile,
    ) -> Result<impl futures::Stream<Item = Result<D::Row>> + Send + 'static + use<D>> {
        use futures::StreamExt;
        let body = self.downloader.open(&file.url).await?;
        let name = file.relative_path().display().to_string();
        Ok(
            sdk_core::csv::rows_from_async(body, D::from_headers).map(move |row| {
                row.map_err(|error| Error::Csv {
                    source_name: name.clone(),
                    error,
                })
            }),
        )
    }

    /// Downloads every file of a namespace's export (or those `options`
    /// keeps) under `dir`, at [`ExportFile::relative_path`]. Files already
    /// complete are skipped, so a rerun fetches only what is missing.
    pub async fn download_all(
        &self,
        namespace: &str,
        dir: &Path,
        options: DownloadOptions,
    ) -> Result<BulkSummary> {
        let files: Vec<ExportFile> = self
            .exports_matching(namespace, options.filter.clone())
            .try_collect()
            .await?;
        let items = files
            .into_iter()
            .map(|file| BulkItem {
                dest: dir.join(file.relative_path()),
                size: file.size,
                item: file,
            })
            .collect();
        download_many(
            items,
            options.bulk,
            |file: ExportFile, dest: PathBuf, progress| async move {
                self.download(&file, &dest, Some(&progress)).await
            },
        )
        .await
    }
}

pub(crate) async fn create_parent(dest: &Path) -> Result<()> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|source| Error::Io {
                path: parent.to_owned(),
                source,
            })?;
    }
    Ok(())
}
