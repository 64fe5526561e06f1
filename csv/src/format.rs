//! What a download writes: the CSV as sent, or (feature `arrow`) Parquet
//! converted while the body arrives.

/// The output format of a download, for one item, a range or everything.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub enum Format {
    /// The CSV as the server sent it (gzip decoded), size-checked and
    /// resumable.
    #[default]
    Csv,
    /// Parquet (zstd), typed by what the API says of the columns and
    /// converted while the body arrives: no CSV is written. A dropped
    /// connection starts the conversion over.
    #[cfg(feature = "arrow")]
    Parquet(crate::columnar::ParquetOptions),
}

impl Format {
    /// Parquet with the default options.
    #[cfg(feature = "arrow")]
    pub fn parquet() -> Self {
        Format::Parquet(crate::columnar::ParquetOptions::new())
    }

    /// The error for a format this build cannot write (a format behind a
    /// feature the SDK was built without).
    pub fn unavailable(&self) -> sdk_core::Error {
        sdk_core::Error::invalid_input(
            "format",
            format!("{self:?} needs the SDK's `arrow` feature"),
        )
    }

    /// The file extension of this format, without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Csv => "csv",
            #[cfg(feature = "arrow")]
            Format::Parquet(_) => "parquet",
        }
    }
}

impl Format {
    /// Whether a file written in this format is the source's bytes, so a
    /// bulk download can check its size (only the CSV): a converted file is
    /// kept when complete, whatever its size.
    pub fn keeps_size(&self) -> bool {
        matches!(self, Format::Csv)
    }
}

/// [`sdk_core::bulk::download_many`] in `format`: a converted file's size
/// says nothing of the source's, so sizes are checked only for the CSV, and
/// `fetch` gets the format with each item.
pub async fn download_many_as<T, F, Fut>(
    root: &std::path::Path,
    items: Vec<sdk_core::bulk::BulkItem<T>>,
    options: sdk_core::bulk::BulkOptions,
    summary: sdk_core::bulk::BulkSummary,
    format: &Format,
    fetch: F,
) -> sdk_core::bulk::BulkSummary
where
    T: Send,
    F: Fn(T, std::path::PathBuf, sdk_core::download::ProgressFn, Format) -> Fut,
    Fut: Future<Output = Result<u64, sdk_core::Error>>,
{
    let items = if format.keeps_size() {
        items
    } else {
        items
            .into_iter()
            .map(|item| sdk_core::bulk::BulkItem { size: None, ..item })
            .collect()
    };
    sdk_core::bulk::download_many(root, items, options, summary, |item, dest, progress| {
        fetch(item, dest, progress, format.clone())
    })
    .await
}
