//! `docker-data dvp ...`

use serde_json::json;

use futures::StreamExt;

use dvp_sdk::{Dataview, ExportFilter, ExportItem, Timespan};

use crate::args::{ConvertTarget, DvpCommand, DvpFilter, FormatArg, RowsKind};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Listing, RowWriter};
use dvp_sdk::columnar::ParquetOptions;

pub async fn run(context: &Context, command: DvpCommand) -> Result<(), CliError> {
    let format = context.global.output;
    match command {
        DvpCommand::Namespaces { limit } => {
            let client = context.dvp()?;
            let mut listing = Listing::new(&["namespace"]);
            for namespace in client.namespaces().await?.into_iter().take(limit.get()) {
                listing.push(vec![namespace.clone()], json!({"namespace": namespace}));
            }
            listing.print(format)
        }
        DvpCommand::Exports {
            namespace,
            filter,
            limit,
        } => {
            let filter = export_filter(&filter)?;
            let client = context.dvp()?;
            // Printed as found; parts without data and files with names
            // the SDK refuses are said on stderr as they come.
            let refused = std::cell::Cell::new(0);
            let files = client
                .export_walk(&namespace, filter)
                .filter_map(|item| {
                    futures::future::ready(match item {
                        Ok(ExportItem::File(file)) => match file.relative_path() {
                            Ok(path) => Some(Ok((path.display().to_string(), file))),
                            Err(unsafe_path) => {
                                eprintln!(
                                    "failed: {}/{}: {}",
                                    file.year,
                                    file.timespan,
                                    crate::output::visible(&unsafe_path.to_string())
                                );
                                refused.set(refused.get() + 1);
                                None
                            }
                        },
                        Ok(ExportItem::Unavailable(skipped)) => {
                            crate::progress::warn_unavailable(&[skipped]);
                            None
                        }
                        Ok(_) => None,
                        Err(err) => Some(Err(err)),
                    })
                })
                .take(limit.get());
            let columns = ["year", "timespan", "dataview", "size", "path"];
            crate::output::print_listing(format, &columns, files, |(path, file)| {
                let size = file.size.map(|s| s.to_string()).unwrap_or_default();
                (
                    vec![file.year.to_string(), file.timespan.to_string(), file.dataview.to_string(), size, path.clone()],
                    json!({"year": file.year, "timespan": file.timespan.to_string(), "dataview": file.dataview, "size": file.size, "path": path}),
                )
            })
            .await?;
            if refused.get() > 0 {
                return Err(CliError::failure(format!(
                    "{} files have names the SDK refuses (listed above)",
                    refused.get()
                )));
            }
            Ok(())
        }
        DvpCommand::Download {
            namespace,
            filter,
            all,
            format: FormatArg { format },
            dir,
        } => {
            let is_filtered = filter.year.is_some()
                || filter.month.is_some()
                || filter.week.is_some()
                || filter.dataview.is_some();
            if !all && !is_filtered {
                return Err(CliError::usage(
                    "say what to download: --all, or a filter (--year, --month/--week, --dataview)",
                ));
            }
            let filter = export_filter(&filter)?;
            let client = context.dvp()?;
            let (bar, bulk) = crate::progress::bulk_options(context.global.concurrency);
            let summary = client
                .download_all(&namespace, filter, &dir, bulk, format.into())
                .await;
            bar.finish_and_clear();
            crate::progress::print_summary(&summary?, "files", &dir)
        }
        DvpCommand::Pulls {
            namespace,
            repos,
            timespan,
            period,
            group,
            limit,
        } => {
            // The open enums read any string; clap already limits
            // --timespan and --group, --period is checked here.
            let mut query = dvp_sdk::PullsQuery::new();
            if let Some(timespan) = timespan {
                query = query.timespan(dvp_sdk::TimespanKind::from(timespan.as_str()));
            }
            if let Some(period) = period {
                let period = dvp_sdk::Period::from(period.as_str());
                if let dvp_sdk::Period::Other(other) = &period {
                    return Err(CliError::usage(format!(
                        "--period {other:?}: expected last-2-months, last-3-months, last-6-months or last-12-months"
                    )));
                }
                query = query.period(period);
            }
            if let Some(group) = group {
                query = query.group(dvp_sdk::GroupBy::from(group.as_str()));
            }
            let repos = repos
                .iter()
                .map(|repo| repo_in(&namespace, repo))
                .collect::<Result<Vec<_>, _>>()?;
            let client = context.dvp()?;
            let counts: Vec<(String, dvp_sdk::PullCount)> = match repos.as_slice() {
                [] => client
                    .namespace_pulls(&namespace, &query)
                    .await?
                    .into_iter()
                    .map(|c| (String::new(), c))
                    .collect(),
                [repo] => client
                    .repo_pulls(&namespace, repo, &query)
                    .await?
                    .into_iter()
                    .map(|c| (format!("{namespace}/{repo}"), c))
                    .collect(),
                many => {
                    let qualified: Vec<String> =
                        many.iter().map(|r| format!("{namespace}/{r}")).collect();
                    client
                        .repos_pulls(&qualified, &query)
                        .await?
                        .into_iter()
                        .flat_map(|(repo, counts)| {
                            counts.into_iter().map(move |c| (repo.clone(), c))
                        })
                        .collect()
                }
            };
            let mut listing = Listing::new(&["repo", "start", "end", "pulls", "ips", "country"]);
            for (asked, count) in counts.into_iter().take(limit.get()) {
                let repo = match (&count.repo, asked.is_empty()) {
                    (Some(repo), _) => format!(
                        "{}/{repo}",
                        count.namespace.as_deref().unwrap_or(&namespace)
                    ),
                    (None, false) => asked.clone(),
                    (None, true) => String::new(),
                };
                let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
                listing.push(
                    vec![
                        repo.clone(),
                        count.start.clone().unwrap_or_default(),
                        count.end.clone().unwrap_or_default(),
                        number(count.pull_count),
                        number(count.ip_count),
                        count.country.clone().unwrap_or_default(),
                    ],
                    json!({
                        "namespace": count.namespace.as_deref().unwrap_or(&namespace),
                        "repo": (!repo.is_empty()).then_some(&repo),
                        "start": count.start, "end": count.end,
                        "pulls": count.pull_count, "ips": count.ip_count,
                        "country": count.country,
                    }),
                );
            }
            listing.print(format)
        }
        DvpCommand::Rows { file, kind, limit } => print_rows(&file, kind, limit, format),
        DvpCommand::Convert {
            file,
            to: ConvertTarget::Parquet,
            dataview,
            out,
        } => {
            let dataview = match dataview {
                Some(name) => Dataview::from(name.as_str()),
                None => dataview_of(&file),
            };
            let rows = tokio::task::spawn_blocking(move || {
                dvp_sdk::columnar::convert_to_parquet(
                    &file,
                    &dataview,
                    &out,
                    &ParquetOptions::new(),
                )
                .map(|rows| (rows, out))
            })
            .await
            .map_err(|e| CliError::failure(e.to_string()))??;
            crate::output::note(format!("{} rows written to {}", rows.0, rows.1.display()));
            Ok(())
        }
    }
}

/// The filter of `--year`, `--month`, `--week` and `--view`; the SDK checks
/// the year and timespan before any request.
fn export_filter(filter: &DvpFilter) -> Result<ExportFilter, CliError> {
    let timespan = match (filter.month, filter.week) {
        (Some(m), _) => Some(Timespan::Month(m)),
        (None, Some(w)) => Some(Timespan::Week(w)),
        _ => None,
    };
    let mut selected = ExportFilter::new();
    if let Some(year) = filter.year {
        selected = selected.year(year);
    }
    if let Some(timespan) = timespan {
        selected = selected.timespan(timespan);
    }
    if let Some(dataview) = filter.dataview.as_deref() {
        selected = selected.dataview(Dataview::from(dataview));
    }
    Ok(selected)
}

/// The dataview a downloaded file's name says: `<view>[-<index>].csv[.gz]`.
fn dataview_of(file: &std::path::Path) -> Dataview {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    let view = match stem.rsplit_once('-') {
        Some((view, index)) if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) => {
            view
        }
        _ => stem,
    };
    Dataview::from(view)
}

fn guess_kind(file: &std::path::Path) -> RowsKind {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.starts_with("raw") {
        RowsKind::Raw
    } else if name.starts_with("namespace-summary") {
        // No typed reader: every column as text.
        RowsKind::Records
    } else if name.contains("summary") {
        RowsKind::Summary
    } else {
        RowsKind::Records
    }
}

fn print_rows(
    file: &std::path::Path,
    kind: Option<RowsKind>,
    limit: Option<u64>,
    format: crate::args::Output,
) -> Result<(), CliError> {
    let limit = limit.unwrap_or(u64::MAX);
    match kind.unwrap_or_else(|| guess_kind(file)) {
        RowsKind::Raw => {
            let columns = [
                "timestamp",
                "namespace",
                "repository",
                "reference",
                "tag",
                "digest",
                "http_method",
                "action",
                "type",
                "host",
                "country",
                "user_agent",
            ];
            let mut out = RowWriter::new(format, columns.iter().map(|c| c.to_string()).collect());
            for row in dvp_sdk::rows::raw_rows(file).take(limit as usize) {
                let r = row?;
                let text = |v: Option<&str>| v.map(str::to_owned);
                let cells = [
                    r.timestamp().map(|t| t.to_rfc3339()),
                    text(r.namespace()),
                    text(r.repository()),
                    text(r.reference()),
                    text(r.tag()),
                    text(r.digest()),
                    text(r.http_method()),
                    text(r.action()),
                    text(r.kind()),
                    text(r.host()),
                    text(r.country()),
                    text(r.user_agent()),
                ];
                let json: serde_json::Map<_, _> = columns
                    .iter()
                    .zip(&cells)
                    .map(|(c, v)| (c.to_string(), json!(v)))
                    .collect();
                let cells: Vec<String> = cells.into_iter().map(Option::unwrap_or_default).collect();
                out.write(&cells, &serde_json::Value::Object(json))?;
            }
            out.finish()
        }
        RowsKind::Summary => {
            let columns = [
                "namespace",
                "repository",
                "reference",
                "tag",
                "digest",
                "unique_ip_count",
                "pulls_by_tag",
                "pulls_by_digest",
                "version_checks",
            ];
            let mut out = RowWriter::new(format, columns.iter().map(|c| c.to_string()).collect());
            for row in dvp_sdk::rows::summary_rows(file).take(limit as usize) {
                let r = row?;
                let json = json!({
                    "namespace": r.namespace, "repository": r.repository, "reference": r.reference, "tag": r.tag,
                    "digest": r.digest, "unique_ip_count": r.unique_ip_count, "pulls_by_tag": r.pulls_by_tag,
                    "pulls_by_digest": r.pulls_by_digest, "version_checks": r.version_checks,
                });
                let text = |v: Option<String>| v.unwrap_or_default();
                let count = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
                let cells = vec![
                    text(r.namespace),
                    text(r.repository),
                    text(r.reference),
                    text(r.tag),
                    text(r.digest),
                    count(r.unique_ip_count),
                    count(r.pulls_by_tag),
                    count(r.pulls_by_digest),
                    count(r.version_checks),
                ];
                out.write(&cells, &json)?;
            }
            out.finish()
        }
        RowsKind::Records => {
            let mut rows = dvp_sdk::rows::records(file).take(limit as usize).peekable();
            let columns = match rows.peek() {
                Some(Ok(first)) => first.headers().to_vec(),
                _ => Vec::new(),
            };
            let mut out = RowWriter::new(format, columns);
            for row in rows {
                let record = row?;
                let json: serde_json::Map<_, _> = record
                    .iter()
                    .map(|(k, v)| (k.to_owned(), json!(v)))
                    .collect();
                out.write(record.values(), &serde_json::Value::Object(json))?;
            }
            out.finish()
        }
    }
}

/// A `--repo` value as the repository's name in `namespace`: `web` or
/// `NAMESPACE/web` (the API's own form, which users paste); a repository
/// of another namespace is refused, naming both.
fn repo_in<'a>(namespace: &str, repo: &'a str) -> Result<&'a str, CliError> {
    match repo.split_once('/') {
        None => Ok(repo),
        Some((owner, name)) if owner == namespace => Ok(name),
        Some((owner, _)) => Err(CliError::usage(format!(
            "--repo {repo:?} is in namespace {owner:?}, but this command reads {namespace:?}: give the repository as REPO or {namespace}/REPO, or run the command for {owner:?}"
        ))),
    }
}
