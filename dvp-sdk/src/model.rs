//! The DVP vocabulary: dataviews, timespans and the files an export holds.

use std::fmt;

use chrono::{DateTime, Utc};

/// Generated from the spec's enums (`xtask/targets.yaml`, `open_enums`).
pub use crate::generated::{Dataset, Dataview, GroupBy, Period, TimespanKind};

/// One month or one week of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Timespan {
    /// Month 1 to 12.
    Month(u32),
    /// Week 1 to 53.
    Week(u32),
}

impl Timespan {
    /// Months or weeks.
    pub fn kind(self) -> TimespanKind {
        match self {
            Timespan::Month(_) => TimespanKind::Months,
            Timespan::Week(_) => TimespanKind::Weeks,
        }
    }

    /// The month or week number.
    pub fn number(self) -> u32 {
        match self {
            Timespan::Month(n) | Timespan::Week(n) => n,
        }
    }
}

impl fmt::Display for Timespan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timespan::Month(n) => write!(f, "month-{n:02}"),
            Timespan::Week(n) => write!(f, "week-{n:02}"),
        }
    }
}

/// A downloadable file of a namespace's export.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportFile {
    /// Namespace the data belongs to.
    pub namespace: String,
    /// Year of the data.
    pub year: i32,
    /// Month or week of the data.
    pub timespan: Timespan,
    /// Shape of the data.
    pub dataview: Dataview,
    /// Position of the file in the API's list (a view may span several files).
    pub index: usize,
    /// Where to fetch it: a pre-signed URL on another host, fetched without
    /// credentials. Treat it as a secret while it is valid.
    pub url: String,
    /// Size in bytes, when the API gave one.
    pub size: Option<u64>,
}

impl ExportFile {
    /// Where the file goes under a download folder:
    /// `<dir>/<namespace>/<year>/<month-06|week-23>/<dataview>[-<index>].<ext>`,
    /// where the extension (`csv`, `csv.gz`) comes from the URL. Every part
    /// is checked as a plain file name (the dataview comes from the
    /// server): a name such as `../x` is refused, never followed.
    pub fn destination(
        &self,
        dir: &std::path::Path,
    ) -> Result<std::path::PathBuf, sdk_core::safe_path::UnsafePath> {
        self.destination_as(dir, None)
    }

    /// Where the file goes when written in `format`: the CSV at
    /// [`destination`](Self::destination), a converted file there with its
    /// format's extension (`.parquet`).
    pub fn destination_for(
        &self,
        dir: &std::path::Path,
        format: &crate::Format,
    ) -> Result<std::path::PathBuf, sdk_core::safe_path::UnsafePath> {
        match format {
            crate::Format::Csv => self.destination(dir),
            other => self.destination_as(dir, Some(other.extension())),
        }
    }

    /// The destination with `extension`, or the URL's when `None`.
    fn destination_as(
        &self,
        dir: &std::path::Path,
        extension: Option<&str>,
    ) -> Result<std::path::PathBuf, sdk_core::safe_path::UnsafePath> {
        let (year, timespan, name) = self.path_parts(extension);
        sdk_core::safe_path::join_under(
            dir,
            &[
                ("namespace", &self.namespace),
                ("year", &year),
                ("timespan", &timespan),
                ("dataview", &name),
            ],
        )
    }

    /// How errors name the file: its relative path, or its namespace,
    /// timespan and view when the server's names make no safe path.
    pub(crate) fn display_name(&self) -> String {
        self.relative_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| format!("{} {} {}", self.namespace, self.timespan, self.dataview))
    }

    /// [`destination`](Self::destination) relative to the download folder.
    pub fn relative_path(&self) -> Result<std::path::PathBuf, sdk_core::safe_path::UnsafePath> {
        self.destination(std::path::Path::new(""))
    }

    fn path_parts(&self, extension: Option<&str>) -> (String, String, String) {
        let path = reqwest::Url::parse(&self.url)
            .map(|u| u.path().to_owned())
            .unwrap_or_default();
        let ext = if let Some(extension) = extension {
            extension
        } else if path.ends_with(".csv.gz") || path.ends_with(".gz") {
            "csv.gz"
        } else {
            "csv"
        };
        // The view alone is checked first, so that `..` is refused by name
        // rather than passing as `...csv`.
        let view = self.dataview.as_str();
        let name = if sdk_core::safe_path::segment("dataview", view).is_err() {
            view.to_owned()
        } else if self.index == 0 {
            format!("{view}.{ext}")
        } else {
            format!("{view}-{}.{ext}", self.index)
        };
        (self.year.to_string(), self.timespan.to_string(), name)
    }
}

impl fmt::Debug for ExportFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportFile")
            .field("namespace", &self.namespace)
            .field("year", &self.year)
            .field("timespan", &self.timespan)
            .field("dataview", &self.dataview)
            .field("index", &self.index)
            .field("url", &sdk_core::redact::url_str(&self.url))
            .field("size", &self.size)
            .finish()
    }
}

/// When a timestamp in the data was taken, as UTC.
pub type Timestamp = DateTime<Utc>;
