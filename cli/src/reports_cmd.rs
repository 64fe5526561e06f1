//! `docker-data reports ...`

use std::path::Path;

use futures::{StreamExt, TryStreamExt};
use serde_json::json;

use enterprise_data_sdk::ReportId;

use crate::args::{ConvertTarget, FileFormat, FileReport, ReportsCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Listing, RowWriter};
use enterprise_data_sdk::columnar::ParquetOptions;

pub async fn run(context: &Context, command: ReportsCommand) -> Result<(), CliError> {
    let format = context.global.output;
    match command {
        ReportsCommand::Types => {
            let client = context.enterprise()?;
            let mut listing = Listing::new(&["report_type", "cadence"]);
            for pair in client.report_types().await? {
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
            let reports = client.reports_with_page_size(&report_type, &cadence, Some(100));
            let reports: Vec<_> = reports
                .take(limit.unwrap_or(usize::MAX))
                .try_collect()
                .await?;
            let mut listing = Listing::new(&["date", "size_bytes", "key"]);
            for report in reports {
                listing.push(
                    vec![
                        report.date.to_string(),
                        report.size_bytes.to_string(),
                        report.key.clone(),
                    ],
                    serde_json::to_value(&report).unwrap_or_default(),
                );
            }
            listing.print(format)
        }
        ReportsCommand::Download {
            report_type,
            cadence,
            date,
            from,
            to,
            all,
            format: file_format,
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
            let summary = match file_format {
                FileFormat::Csv => {
                    client
                        .download_range(&report_type, &cadence, from, to, &dir, options)
                        .await
                }
                FileFormat::Parquet => {
                    client
                        .download_range_parquet(
                            &report_type,
                            &cadence,
                            from,
                            to,
                            &dir,
                            options,
                            ParquetOptions::new(),
                        )
                        .await
                }
            };
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
            eprintln!("{} rows written to {}", written.0, written.1.display());
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
            for row in enterprise_data_sdk::rows::rows(&file, &schema)?
                .take(limit.unwrap_or(u64::MAX) as usize)
            {
                let row = row?;
                let json = row.to_json();
                let cells: Vec<String> = row
                    .columns()
                    .iter()
                    .map(|c| match &json[&c.name] {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    })
                    .collect();
                out.write(&cells, &json)?;
            }
            out.finish()
        }
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
