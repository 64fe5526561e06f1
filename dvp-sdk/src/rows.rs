//! Typed rows of DVP CSV files, read in constant memory.
//!
//! Docker does not publish exact header names, so columns are found by name,
//! case- and separator-insensitively, under the names the documentation uses
//! for each data point; unknown columns are ignored and missing ones are
//! `None`. [`docker_data_csv::Record`] gives every column as text, for columns
//! no typed row knows yet.

pub use docker_data_csv::Source;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use docker_data_csv::{CsvError, Fields, FromHeaders, HeaderIndex, OwnedFields, RowDecoder};

use crate::error::Result;

/// One pull action of a raw export.
///
/// The row owns the CSV record it was read from (one allocation per row,
/// not one per field); the accessors return its cells, `None` when the file
/// has no such column or the cell is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    record: OwnedFields,
    columns: Arc<[Option<usize>; 12]>,
    timestamp: Option<DateTime<Utc>>,
}

impl RawRow {
    fn cell(&self, column: usize) -> Option<&str> {
        text(self.record.fields(), self.columns[column])
    }

    /// Type of the puller (industry).
    pub fn kind(&self) -> Option<&str> {
        self.cell(0)
    }
    /// Host (cloud provider) of the puller.
    pub fn host(&self) -> Option<&str> {
        self.cell(1)
    }
    /// Country (geolocation).
    pub fn country(&self) -> Option<&str> {
        self.cell(2)
    }
    /// When the action happened (checked when the row was read).
    pub fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.timestamp
    }
    /// Namespace.
    pub fn namespace(&self) -> Option<&str> {
        self.cell(4)
    }
    /// Repository.
    pub fn repository(&self) -> Option<&str> {
        self.cell(5)
    }
    /// Reference pulled (digest, or tag when there was one).
    pub fn reference(&self) -> Option<&str> {
        self.cell(6)
    }
    /// Digest.
    pub fn digest(&self) -> Option<&str> {
        self.cell(7)
    }
    /// Tag, when available.
    pub fn tag(&self) -> Option<&str> {
        self.cell(8)
    }
    /// HTTP request method.
    pub fn http_method(&self) -> Option<&str> {
        self.cell(9)
    }
    /// Pull by tag, pull by digest, or version check.
    pub fn action(&self) -> Option<&str> {
        self.cell(10)
    }
    /// User-Agent of the client.
    pub fn user_agent(&self) -> Option<&str> {
        self.cell(11)
    }
}

/// One line of a summary or repo-summary export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SummaryRow {
    /// Namespace.
    pub namespace: Option<String>,
    /// Repository.
    pub repository: Option<String>,
    /// Reference (tag or digest); absent in repository-level summaries.
    pub reference: Option<String>,
    /// Tag, when the file has a separate column for it.
    pub tag: Option<String>,
    /// Digest, when the file has a separate column for it.
    pub digest: Option<String>,
    /// Unique IP addresses.
    pub unique_ip_count: Option<u64>,
    /// Pulls by tag.
    pub pulls_by_tag: Option<u64>,
    /// Pulls by digest.
    pub pulls_by_digest: Option<u64>,
    /// Version checks.
    pub version_checks: Option<u64>,
}

/// Each raw column's names, the first being the canonical one.
pub(crate) const RAW_COLUMNS: [&[&str]; 12] = [
    &["type", "industry", "type_industry", "user_type"],
    &["host", "cloud_provider", "host_cloud_provider", "provider"],
    &["country", "geolocation", "country_code"],
    &["timestamp", "time", "datetime", "date"],
    &["namespace"],
    &["repository", "repo", "repository_name"],
    &["reference", "ref"],
    &["digest"],
    &["tag"],
    &[
        "http_method",
        "method",
        "request_method",
        "http_request_method",
    ],
    &["action", "pull_action"],
    &["user_agent", "useragent", "ua"],
];

/// Each summary column's names, the first being the canonical one.
pub(crate) const SUMMARY_COLUMNS: [&[&str]; 9] = [
    &["namespace"],
    &["repository", "repo", "repository_name"],
    &["reference", "ref"],
    &["tag"],
    &["digest"],
    &[
        "unique_ip_count",
        "unique_ips",
        "unique_ip_address_count",
        "unique_ip_addresses",
        "ips",
    ],
    &[
        "pulls_by_tag",
        "pull_by_tag",
        "pulls_by_tag_count",
        "tag_pulls",
    ],
    &[
        "pulls_by_digest",
        "pull_by_digest",
        "pulls_by_digest_count",
        "digest_pulls",
    ],
    &["version_checks", "version_check", "version_check_count"],
];

/// Decodes [`RawRow`]s.
#[derive(Debug)]
pub struct RawDecoder {
    columns: Arc<[Option<usize>; 12]>,
}

impl FromHeaders for RawDecoder {
    fn from_headers(headers: &csv::StringRecord) -> Result<Self, CsvError> {
        let index = HeaderIndex::new(headers);
        Ok(Self {
            columns: Arc::new(RAW_COLUMNS.map(|aliases| index.find(aliases))),
        })
    }
}

impl RowDecoder for RawDecoder {
    type Row = RawRow;

    fn decode(&mut self, record: Fields<'_>) -> Result<RawRow, CsvError> {
        let timestamp = text(record, self.columns[3])
            .map(|t| parse_timestamp(t, record.line()))
            .transpose()?;
        // A copy made here, on the thread that takes the rows: the record
        // itself goes back to the splitting thread for reuse, so no memory
        // is allocated on one thread and freed on the other.
        Ok(RawRow {
            record: record.to_owned_record(),
            columns: self.columns.clone(),
            timestamp,
        })
    }
}

/// Decodes [`SummaryRow`]s.
#[derive(Debug)]
pub struct SummaryDecoder {
    columns: [Option<usize>; 9],
}

impl FromHeaders for SummaryDecoder {
    fn from_headers(headers: &csv::StringRecord) -> Result<Self, CsvError> {
        let index = HeaderIndex::new(headers);
        Ok(Self {
            columns: SUMMARY_COLUMNS.map(|aliases| index.find(aliases)),
        })
    }
}

impl RowDecoder for SummaryDecoder {
    type Row = SummaryRow;

    fn decode(&mut self, record: Fields<'_>) -> Result<SummaryRow, CsvError> {
        let line = record.line();
        let text = |i: usize| text(record, self.columns[i]).map(str::to_owned);
        let count = |i: usize, name: &str| -> Result<Option<u64>, CsvError> {
            text(i)
                .map(|v| {
                    v.parse::<u64>().map_err(|_| {
                        CsvError::at(line, Some(name), format!("{v:?} is not a count"))
                    })
                })
                .transpose()
        };
        Ok(SummaryRow {
            namespace: text(0),
            repository: text(1),
            reference: text(2),
            tag: text(3),
            digest: text(4),
            unique_ip_count: count(5, "unique_ip_count")?,
            pulls_by_tag: count(6, "pulls_by_tag")?,
            pulls_by_digest: count(7, "pulls_by_digest")?,
            version_checks: count(8, "version_checks")?,
        })
    }
}

fn text(record: Fields<'_>, column: Option<usize>) -> Option<&str> {
    let value = record.get(column?)?;
    // Trim only when needed: most cells have no surrounding space.
    let value = if value.starts_with(' ') || value.ends_with(' ') {
        value.trim()
    } else {
        value
    };
    (!value.is_empty()).then_some(value)
}

fn parse_timestamp(value: &str, line: u64) -> Result<DateTime<Utc>, CsvError> {
    docker_data_csv::parse_timestamp(value).ok_or_else(|| {
        CsvError::at(
            line,
            Some("timestamp"),
            format!("{value:?} is not a timestamp"),
        )
    })
}

/// Raw rows of an export file (a path, a reader or a response body;
/// plain or gzip).
pub fn raw_rows(source: impl Into<Source>) -> impl Iterator<Item = Result<RawRow>> {
    rows::<RawDecoder>(source)
}

/// Summary rows of a summary or repo-summary file.
pub fn summary_rows(source: impl Into<Source>) -> impl Iterator<Item = Result<SummaryRow>> {
    rows::<SummaryDecoder>(source)
}

/// Any file as header → value records.
pub fn records(source: impl Into<Source>) -> impl Iterator<Item = Result<docker_data_csv::Record>> {
    rows::<docker_data_csv::RecordDecoder>(source)
}

/// Rows of a file with any decoder. A file that cannot be opened is the
/// first item's error.
pub fn rows<D: FromHeaders>(source: impl Into<Source>) -> impl Iterator<Item = Result<D::Row>> {
    let source = source.into();
    let name = source.name_or("export file");
    docker_data_csv::rows(source, D::from_headers)
        .map(move |row| row.map_err(|error| error.reading(&name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_from_reader<D: FromHeaders>(
        data: std::io::Cursor<&'static str>,
    ) -> Result<docker_data_csv::Rows<D>, CsvError> {
        Ok(docker_data_csv::rows(Source::reader(data), D::from_headers))
    }

    #[test]
    fn raw_columns_are_found_by_any_spelling_and_extra_columns_ignored() {
        let data = "Timestamp,Namespace,Repository,Reference,Tag,Digest,HTTP Method,Action,User-Agent,Type,Host,Country,New Column\n\
                    2026-06-01T10:00:00Z,acme,web,sha256:ab,latest,sha256:ab,GET,pull_by_tag,docker/27,commercial,aws,DE,x\n\
                    2026-06-01 11:00:00,acme,web,,,,HEAD,version_check,,,,,\n";
        let rows: Vec<RawRow> = rows_from_reader::<RawDecoder>(std::io::Cursor::new(data))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows[0].timestamp().unwrap().to_rfc3339(),
            "2026-06-01T10:00:00+00:00"
        );
        assert_eq!(rows[0].http_method(), Some("GET"));
        assert_eq!(rows[0].user_agent(), Some("docker/27"));
        assert_eq!(rows[0].kind(), Some("commercial"));
        assert_eq!(rows[0].country(), Some("DE"));
        assert_eq!(
            rows[1].timestamp().unwrap().to_rfc3339(),
            "2026-06-01T11:00:00+00:00"
        );
        assert_eq!(rows[1].tag(), None);
        assert_eq!(rows[1].action(), Some("version_check"));
    }

    #[test]
    fn summary_counts_parse_and_a_bad_count_names_line_and_column() {
        let data = "namespace,repository,unique_ip_count,pulls_by_tag,pulls_by_digest,version_checks\nacme,web,3,10,2,7\nacme,api,x,1,1,1\n";
        let mut rows = rows_from_reader::<SummaryDecoder>(std::io::Cursor::new(data)).unwrap();
        let first = rows.next().unwrap().unwrap();
        assert_eq!(
            (
                first.unique_ip_count,
                first.pulls_by_tag,
                first.pulls_by_digest,
                first.version_checks
            ),
            (Some(3), Some(10), Some(2), Some(7))
        );
        assert_eq!(first.reference, None);
        let err = rows.next().unwrap().unwrap_err();
        assert_eq!(
            (err.line, err.column.as_deref()),
            (Some(3), Some("unique_ip_count")),
            "{err}"
        );
    }

    #[test]
    fn a_bad_timestamp_is_an_error_not_a_panic() {
        let data = "timestamp\nyesterday\n";
        let err = rows_from_reader::<RawDecoder>(std::io::Cursor::new(data))
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(err.column.as_deref(), Some("timestamp"));
    }
}
