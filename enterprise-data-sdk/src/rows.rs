//! Report rows typed by the report's schema, read in constant memory.
//!
//! Each schema field's `type` decides how its column is read: `integer` →
//! `i64`, `float` → `f64`, `boolean` → `bool`, `date` → date, `timestamp` →
//! UTC date-time, `string` (and any type this SDK does not know) → text. An
//! empty cell of a non-string column is [`Value::Null`].
//!
//! # Cost
//!
//! Every reader here splits the CSV into records on a thread of its own
//! and types each row on the thread that takes it, so a file is read at
//! about the speed of the CSV splitter alone on two cores (BENCHMARKS.md,
//! row 2a). The cheapest typed path is the one that types only what you
//! use: [`usage_pulls_rows`] (four fields of a known report) costs less than
//! [`rows`] (every schema field as a [`Value`]). Read a row's values by
//! position ([`TypedRow::values`], in [`TypedRow::columns`] order) rather
//! than by name in a hot loop. [`EnterpriseClient::stream_rows`](crate::EnterpriseClient::stream_rows)
//! types rows while the body arrives, without a file.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures::Stream;
use sdk_core::csv::{CsvError, DateCache, FromHeaders, HeaderIndex, RowDecoder};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::generated::types;

/// A typed cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Value {
    /// An empty cell of a non-string column.
    Null,
    /// `string`, or a type this SDK does not know.
    String(String),
    /// `integer`.
    Integer(i64),
    /// `float`.
    Float(f64),
    /// `boolean`.
    Boolean(bool),
    /// `date`.
    Date(NaiveDate),
    /// `timestamp`.
    Timestamp(DateTime<Utc>),
}

/// How a column is read, from the schema's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnType {
    /// Text.
    String,
    /// 64-bit integer.
    Integer,
    /// 64-bit float.
    Float,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`).
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339 or `YYYY-MM-DD HH:MM:SS`, as UTC.
    Timestamp,
}

impl ColumnType {
    /// The type named by a schema field; unknown names read as text.
    pub fn from_schema(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "integer" | "int" | "long" | "bigint" => ColumnType::Integer,
            "float" | "double" | "number" | "decimal" => ColumnType::Float,
            "boolean" | "bool" => ColumnType::Boolean,
            "date" => ColumnType::Date,
            "timestamp" | "datetime" => ColumnType::Timestamp,
            _ => ColumnType::String,
        }
    }

    /// The value of a cell; `dates` remembers the column's last day.
    fn parse(
        self,
        text: &str,
        line: u64,
        column: &str,
        dates: &mut DateCache,
    ) -> Result<Value, CsvError> {
        if text.is_empty() && self != ColumnType::String {
            return Ok(Value::Null);
        }
        let bad = |what: &str| CsvError::at(line, Some(column), format!("{text:?} is not {what}"));
        Ok(match self {
            ColumnType::String => Value::String(text.to_owned()),
            ColumnType::Integer => {
                Value::Integer(sdk_core::csv::parse_i64(text).ok_or_else(|| bad("an integer"))?)
            }
            ColumnType::Float => Value::Float(
                sdk_core::csv::trim(text)
                    .parse()
                    .map_err(|_| bad("a number"))?,
            ),
            ColumnType::Boolean => {
                Value::Boolean(sdk_core::csv::parse_bool(text).ok_or_else(|| bad("a boolean"))?)
            }
            ColumnType::Date => Value::Date(
                dates
                    .date(sdk_core::csv::trim(text))
                    .ok_or_else(|| bad("a date"))?,
            ),
            ColumnType::Timestamp => Value::Timestamp(
                dates
                    .timestamp(sdk_core::csv::trim(text))
                    .ok_or_else(|| bad("a timestamp"))?,
            ),
        })
    }
}

/// A schema column found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Name from the schema.
    pub name: String,
    /// How it is read.
    pub kind: ColumnType,
}

/// One row: values in schema order.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedRow {
    columns: Arc<[Column]>,
    values: Vec<Value>,
}

impl TypedRow {
    /// Value of a column by its schema name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .and_then(|i| self.values.get(i))
    }

    /// The columns, in schema order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The values, in schema order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The row as a JSON object keyed by column name.
    pub fn to_json(&self) -> serde_json::Value {
        let map = self
            .columns
            .iter()
            .zip(&self.values)
            .map(|(c, v)| (c.name.clone(), serde_json::to_value(v).unwrap_or_default()))
            .collect();
        serde_json::Value::Object(map)
    }
}

/// Decodes [`TypedRow`]s by a schema.
#[derive(Debug)]
pub struct SchemaDecoder {
    columns: Arc<[Column]>,
    positions: Vec<Option<usize>>,
    /// Per column: report files repeat one day on every row.
    dates: Vec<DateCache>,
}

impl SchemaDecoder {
    /// Matches the schema's fields to the file's header: exactly, else
    /// case- and separator-insensitively. A field missing from the file
    /// reads as [`Value::Null`]; columns the schema does not name are
    /// ignored.
    pub fn new(schema: &types::ReportSchema, headers: &csv::StringRecord) -> Self {
        let index = HeaderIndex::new(headers);
        let columns: Arc<[Column]> = schema
            .fields
            .iter()
            .map(|f| Column {
                name: f.name.clone(),
                kind: ColumnType::from_schema(&f.type_),
            })
            .collect();
        let positions = schema
            .fields
            .iter()
            .map(|f| {
                headers
                    .iter()
                    .position(|h| h == f.name)
                    .or_else(|| index.find(&[f.name.as_str()]))
            })
            .collect();
        Self {
            columns,
            positions,
            dates: vec![DateCache::default(); schema.fields.len()],
        }
    }
}

impl RowDecoder for SchemaDecoder {
    type Row = TypedRow;

    fn decode(&mut self, record: &mut csv::StringRecord, line: u64) -> Result<TypedRow, CsvError> {
        let mut values = Vec::with_capacity(self.columns.len());
        for ((column, position), dates) in self
            .columns
            .iter()
            .zip(&self.positions)
            .zip(&mut self.dates)
        {
            let value = match position.and_then(|p| record.get(p)) {
                Some(text) => column.kind.parse(text, line, &column.name, dates)?,
                None => Value::Null,
            };
            values.push(value);
        }
        Ok(TypedRow {
            columns: self.columns.clone(),
            values,
        })
    }
}

/// A row of a `usage_pulls` report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsagePullsRow {
    /// Day of the pulls (UTC).
    pub event_date: Option<NaiveDate>,
    /// Repository with its namespace.
    pub repository: Option<String>,
    /// Tag pulled.
    pub tag: Option<String>,
    /// Pulls of that tag that day.
    pub pull_count: Option<i64>,
}

/// Decodes [`UsagePullsRow`]s.
#[derive(Debug)]
pub struct UsagePullsDecoder {
    columns: [Option<usize>; 4],
}

impl FromHeaders for UsagePullsDecoder {
    fn from_headers(headers: &csv::StringRecord) -> Result<Self, CsvError> {
        let index = HeaderIndex::new(headers);
        Ok(Self {
            columns: [
                index.find(&["event_date", "date", "day"]),
                index.find(&["repository", "repo", "repository_name"]),
                index.find(&["tag"]),
                index.find(&["pull_count", "pulls", "count"]),
            ],
        })
    }
}

impl RowDecoder for UsagePullsDecoder {
    type Row = UsagePullsRow;

    fn decode(
        &mut self,
        record: &mut csv::StringRecord,
        line: u64,
    ) -> Result<UsagePullsRow, CsvError> {
        let cell = |i: usize| {
            self.columns[i]
                .and_then(|p| record.get(p))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        Ok(UsagePullsRow {
            event_date: cell(0)
                .map(|v| {
                    sdk_core::csv::parse_date(v).ok_or_else(|| {
                        CsvError::at(line, Some("event_date"), format!("{v:?} is not a date"))
                    })
                })
                .transpose()?,
            repository: cell(1).map(str::to_owned),
            tag: cell(2).map(str::to_owned),
            pull_count: cell(3)
                .map(|v| {
                    v.parse().map_err(|_| {
                        CsvError::at(line, Some("pull_count"), format!("{v:?} is not an integer"))
                    })
                })
                .transpose()?,
        })
    }
}

fn csv_error(source_name: &str) -> impl Fn(CsvError) -> Error + Clone + use<> {
    let source_name = source_name.to_owned();
    move |error| Error::Csv {
        source_name: source_name.clone(),
        error,
    }
}

/// Rows of a downloaded report file, typed by its schema.
pub fn rows(
    path: &Path,
    schema: &types::ReportSchema,
) -> Result<impl Iterator<Item = Result<TypedRow>> + use<>> {
    let schema = schema.clone();
    let to_error = csv_error(&path.display().to_string());
    let rows = sdk_core::csv::rows_from_path_with(path, move |headers: &csv::StringRecord| {
        Ok(SchemaDecoder::new(&schema, headers))
    })
    .map_err(to_error.clone())?;
    Ok(rows.map(move |row| row.map_err(to_error.clone())))
}

/// Rows of a `usage_pulls` report file.
pub fn usage_pulls_rows(
    path: &Path,
) -> Result<impl Iterator<Item = Result<UsagePullsRow>> + use<>> {
    let to_error = csv_error(&path.display().to_string());
    let rows =
        sdk_core::csv::rows_from_path::<UsagePullsDecoder>(path).map_err(to_error.clone())?;
    Ok(rows.map(move |row| row.map_err(to_error.clone())))
}

/// Rows of an async byte source (e.g. a response body), typed by a schema,
/// parsed as they arrive.
pub fn rows_from_async<R: tokio::io::AsyncRead + Send + Unpin + 'static>(
    input: R,
    schema: &types::ReportSchema,
    source_name: &str,
) -> impl Stream<Item = Result<TypedRow>> + Send + 'static + use<R> {
    use futures::StreamExt;
    let schema = schema.clone();
    let to_error = csv_error(source_name);
    sdk_core::csv::rows_from_async(input, move |headers: &csv::StringRecord| {
        Ok(SchemaDecoder::new(&schema, headers))
    })
    .map(move |row| row.map_err(to_error.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(fields: &[(&str, &str)]) -> types::ReportSchema {
        types::ReportSchema {
            category: "usage_pulls".into(),
            fields: fields
                .iter()
                .map(|(n, t)| types::SchemaField {
                    name: (*n).into(),
                    type_: (*t).into(),
                    description: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn values_are_typed_by_the_schema_and_unknown_types_stay_text() {
        let schema = schema(&[
            ("event_date", "date"),
            ("pull_count", "integer"),
            ("ratio", "float"),
            ("private", "boolean"),
            ("seen_at", "timestamp"),
            ("geo", "geography"),
            ("missing", "integer"),
        ]);
        let data = "Event Date,pull_count,ratio,private,seen_at,geo,extra\n2026-06-16,42,0.5,true,2026-06-16T10:00:00Z,POINT(1 2),x\n2026-06-17,,1e3,0,2026-06-17 01:02:03,,y\n";
        let rows: Vec<TypedRow> = sdk_core::csv::rows_from_reader_with(
            std::io::Cursor::new(data),
            move |h: &csv::StringRecord| Ok(SchemaDecoder::new(&schema, h)),
        )
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
        assert_eq!(
            rows[0].get("event_date"),
            Some(&Value::Date(NaiveDate::from_ymd_opt(2026, 6, 16).unwrap()))
        );
        assert_eq!(rows[0].get("pull_count"), Some(&Value::Integer(42)));
        assert_eq!(rows[0].get("ratio"), Some(&Value::Float(0.5)));
        assert_eq!(rows[0].get("private"), Some(&Value::Boolean(true)));
        assert!(
            matches!(rows[0].get("seen_at"), Some(Value::Timestamp(t)) if t.to_rfc3339() == "2026-06-16T10:00:00+00:00")
        );
        assert_eq!(
            rows[0].get("geo"),
            Some(&Value::String("POINT(1 2)".into()))
        );
        assert_eq!(rows[0].get("missing"), Some(&Value::Null));
        assert_eq!(rows[1].get("pull_count"), Some(&Value::Null));
        assert_eq!(rows[1].get("ratio"), Some(&Value::Float(1000.0)));
        assert_eq!(rows[1].get("private"), Some(&Value::Boolean(false)));
        assert_eq!(rows[0].to_json()["pull_count"], 42);
    }

    #[test]
    fn a_bad_value_names_its_line_and_column() {
        let schema = schema(&[("pull_count", "integer")]);
        let data = "pull_count\n1\nmany\n";
        let mut rows = sdk_core::csv::rows_from_reader_with(
            std::io::Cursor::new(data),
            move |h: &csv::StringRecord| Ok(SchemaDecoder::new(&schema, h)),
        )
        .unwrap();
        assert!(rows.next().unwrap().is_ok());
        let err = rows.next().unwrap().unwrap_err();
        assert_eq!(
            (err.line, err.column.as_deref()),
            (Some(3), Some("pull_count")),
            "{err}"
        );
    }

    #[test]
    fn usage_pulls_rows_are_typed() {
        let data = "event_date,repository,tag,pull_count\n2026-06-16,acme/web,latest,7\n";
        let row = sdk_core::csv::rows_from_reader::<UsagePullsDecoder>(std::io::Cursor::new(data))
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(row.pull_count, Some(7));
        assert_eq!(row.repository.as_deref(), Some("acme/web"));
    }
}
