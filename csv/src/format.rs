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

    /// The file extension of this format, without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Csv => "csv",
            #[cfg(feature = "arrow")]
            Format::Parquet(_) => "parquet",
        }
    }
}
