//! `docker-data reports ...`

use std::path::Path;

use futures::StreamExt;
use serde_json::json;

use enterprise_data_sdk::ReportId;

use crate::args::{ConvertTarget, FileReport, FormatArg, ReportsCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Listing, RowWriter};
use enterprise_data_sdk::columnar::ParquetOptions;

pub async fn run(context: &Context, command: ReportsCommand) -> Result<(), CliError> {
    let format = context.global.output;
    match command {
        ReportsCommand::Types { limit } => {
            let client = context.enterprise()?;
            let mut listing = Listing::new(&["report_type", "cadence"]);
            for pair in client.report_types().await?.into_iter().take(limit.get()) {
                listing.push(
                    vec![pair.report_type.clone(), pair.cadence.clone()],
                    json!({"ReportType": pair.report_type, "Cadence": pair.cadence}),
                );
            }
            listing.print(format)
        }
        ReportsCommand::List {
            report_type,
            cadence,
            limit,
        } => {
            let client = context.enterprise()?;
            let reports = client
                .reports_with_page_size(&report_type, &cadence, Some(100))
                .take(limit.unwrap_or(usize::MAX));
            let columns = ["date", "size_bytes", "key"];
            crate::output::print_listing(format, &columns, reports, |report| {
                let cells = vec![
                    report.date.to_string(),
                    report.size_bytes.to_string(),
                    report.key.clone(),
                ];
                (cells, serde_json::to_value(&report).unwrap_or_default())
            })
            .await
        }
        ReportsCommand::Download {
            report_type,
            cadence,
            date,
            from,
            to,
            all,
            format: FormatArg {
                format: file_format,
            },
            dir,
        } => {
            let (from, to) = match (date, from, to) {
                (Some(date), _, _) => {
                    let day = report_date(&report_type, &cadence, &date)?;
                    (Some(day), Some(day))
                }
                (None, from, to) => {
                    if from.is_none() && to.is_none() && !all {
                        return Err(CliError::usage(
                            "say what to download: --date, --from/--to, or --all",
                        ));
                    }
                    (
                        from.as_deref()
                            .map(|day| report_date(&report_type, &cadence, day))
                            .transpose()?,
                        to.as_deref()
                            .map(|day| report_date(&report_type, &cadence, day))
                            .transpose()?,
                    )
                }
            };
            let client = context.enterprise()?;
            let (bar, options) = crate::progress::bulk_options(context.global.concurrency);
            let summary = client
                .download_range(
                    &report_type,
                    &cadence,
                    from,
                    to,
                    &dir,
                    options,
                    file_format.into(),
                )
                .await;
            bar.finish_and_clear();
            let summary = summary?;
            if summary.downloaded.is_empty()
                && summary.skipped.is_empty()
                && summary.failed.is_empty()
            {
                return Err(CliError::failure(format!(
                    "no {report_type}/{cadence} report in that range"
                )));
            }
            crate::progress::print_summary(&summary, "reports", &dir)
        }
        ReportsCommand::Schema {
            report_type,
            cadence,
            date,
        } => {
            let report = report_ref(&report_type, &cadence, &date)?;
            let client = context.enterprise()?;
            let schema = client.schema(&report).await?;
            let mut listing = Listing::new(&["name", "type", "description"]);
            for field in &schema.fields {
                listing.push(
                    vec![
                        field.name.clone(),
                        field.type_.clone(),
                        field.description.clone(),
                    ],
                    serde_json::to_value(field).unwrap_or_default(),
                );
            }
            listing.print(format)
        }
        ReportsCommand::Convert {
            file,
            to: ConvertTarget::Parquet,
            report,
            out,
        } => {
            let report = file_report(&file, report)?;
            let client = context.enterprise()?;
            let schema = client.schema(&report).await?;
            let org = client.org().to_owned();
            let written = tokio::task::spawn_blocking(move || {
                enterprise_data_sdk::columnar::convert_to_parquet(
                    &file,
                    &schema,
                    &org,
                    &report,
                    &out,
                    &ParquetOptions::new(),
                )
                .map(|rows| (rows, out))
            })
            .await
            .map_err(|e| CliError::failure(e.to_string()))??;
            crate::output::note(format!(
                "{} rows written to {}",
                written.0,
                written.1.display()
            ));
            Ok(())
        }
        ReportsCommand::Rows {
            file,
            report,
            limit,
        } => {
            let report = file_report(&file, report)?;
            let client = context.enterprise()?;
            let schema = client.schema(&report).await?;
            let columns = schema.fields.iter().map(|f| f.name.clone()).collect();
            let mut out = RowWriter::new(format, columns);
            // Lent rows, written straight from their values: no row is
            // made owned or turned into a JSON tree.
            let name = file.display().to_string();
            let mut reader = enterprise_data_sdk::rows::RowReader::new(&file, &schema, &name);
            let mut left = limit.unwrap_or(u64::MAX);
            while left > 0
                && let Some(row) = reader.next_row()
            {
                let row = row?;
                out.write_row(&row, |cells| {
                    for value in row.values() {
                        cells.push_with(|text| cell_text(value, text));
                    }
                })?;
                left -= 1;
            }
            out.finish()
        }
    }
}

/// A typed value as CSV and tables show it: the text of its JSON form
/// (strings, dates and timestamps without quotes, null and non-finite
/// numbers empty), appended to `text`.
fn cell_text(value: enterprise_data_sdk::rows::ValueRef<'_>, text: &mut Vec<u8>) {
    use enterprise_data_sdk::rows::ValueRef;
    use std::io::Write;
    match value {
        ValueRef::String(s) => text.extend_from_slice(s.as_bytes()),
        ValueRef::Null => {}
        ValueRef::Float(x) if !x.is_finite() => {}
        ValueRef::Integer(_) | ValueRef::Float(_) | ValueRef::Boolean(_) => {
            // Writing to a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *text, &value);
        }
        // chrono's serialized forms are these `Debug` texts.
        ValueRef::Date(date) => {
            let _ = write!(text, "{date:?}");
        }
        ValueRef::Timestamp(at) => {
            let _ = write!(text, "{at:?}");
        }
        other => match serde_json::to_value(other) {
            Ok(serde_json::Value::String(s)) => text.extend_from_slice(s.as_bytes()),
            Ok(serde_json::Value::Null) | Err(_) => {}
            Ok(json) => {
                let _ = write!(text, "{json}");
            }
        },
    }
}

/// The report a downloaded file is: from `--type/--cadence/--date`, else
/// from a path ending in `<type>/<cadence>/<date>.csv`.
fn file_report(file: &Path, given: FileReport) -> Result<ReportId, CliError> {
    let (report_type, cadence, date) = match (given.report_type, given.cadence, given.date) {
        (Some(t), Some(c), Some(d)) => (t, c, d),
        (t, c, d) => {
            let (pt, pc, pd) = from_path(file).ok_or_else(|| {
                CliError::usage(format!(
                    "{} does not name its report (<type>/<cadence>/<date>.csv): pass --type, --cadence and --date",
                    file.display()
                ))
            })?;
            (t.unwrap_or(pt), c.unwrap_or(pc), d.unwrap_or(pd))
        }
    };
    report_ref(&report_type, &cadence, &date)
}

/// A report named by type, cadence and date, checked before any request.
fn report_ref(report_type: &str, cadence: &str, date: &str) -> Result<ReportId, CliError> {
    Ok(ReportId::parse(report_type, cadence, date)?)
}

/// A `--date`, `--from` or `--to` day, checked with its type and cadence.
fn report_date(
    report_type: &str,
    cadence: &str,
    date: &str,
) -> Result<chrono::NaiveDate, CliError> {
    Ok(report_ref(report_type, cadence, date)?.date())
}

/// `.../<type>/<cadence>/<date>.csv`.
fn from_path(file: &Path) -> Option<(String, String, String)> {
    let date = file.file_stem()?.to_str()?.to_owned();
    let cadence = file.parent()?.file_name()?.to_str()?.to_owned();
    let report_type = file.parent()?.parent()?.file_name()?.to_str()?.to_owned();
    Some((report_type, cadence, date))
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use enterprise_data_sdk::rows::Value;

    /// How cells were written before: the JSON of the owned value.
    fn through_json(value: &Value) -> String {
        match serde_json::to_value(value).unwrap_or_default() {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    #[test]
    fn a_cell_is_the_text_of_its_json_form() {
        let at = |s, nanos| Utc.timestamp_opt(s, nanos).single().unwrap();
        let mut values = vec![
            Value::Null,
            Value::String("plain".into()),
            Value::String("a,b \"quoted\"\nline é".into()),
            Value::String(String::new()),
            Value::Boolean(true),
            Value::Boolean(false),
            Value::Date(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
            Value::Date(NaiveDate::from_ymd_opt(1, 1, 1).unwrap()),
            Value::Date(NaiveDate::from_ymd_opt(12345, 12, 31).unwrap()),
            Value::Timestamp(at(1_782_000_000, 0)),
            Value::Timestamp(at(1_782_000_000, 120_000_000)),
            Value::Timestamp(at(1_782_000_000, 123_456_000)),
            Value::Timestamp(at(-1, 1)),
        ];
        for n in [0, 7, -5, i64::MAX, i64::MIN] {
            values.push(Value::Integer(n));
        }
        for x in [
            0.747428,
            1000.0,
            1e20,
            1e-7,
            -0.0,
            0.1 + 0.2,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            values.push(Value::Float(x));
        }
        for value in &values {
            let lent = lend(value);
            let mut text = Vec::new();
            super::cell_text(lent, &mut text);
            assert_eq!(
                String::from_utf8(text).unwrap(),
                through_json(value),
                "{value:?}"
            );
        }
    }

    /// The borrowed form of `value`.
    fn lend(value: &Value) -> enterprise_data_sdk::rows::ValueRef<'_> {
        use enterprise_data_sdk::rows::ValueRef;
        match value {
            Value::Null => ValueRef::Null,
            Value::String(s) => ValueRef::String(s),
            Value::Integer(n) => ValueRef::Integer(*n),
            Value::Float(x) => ValueRef::Float(*x),
            Value::Boolean(b) => ValueRef::Boolean(*b),
            Value::Date(d) => ValueRef::Date(*d),
            Value::Timestamp(t) => ValueRef::Timestamp(*t),
            other => panic!("a value this test does not know: {other:?}"),
        }
    }
}
