//! One sync: list what the sources have, skip what the manifest says is
//! there already, write the rest (each object whole or not at all), then
//! record them in the manifest.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use object_store::buffered::BufWriter;
use sdk_core::Body;
use tokio::io::AsyncWriteExt;

use docker_data_csv::Source;
use docker_data_csv::columnar::{Batches, ParquetOptions, writer_properties};
use dvp_sdk::{DvpClient, ExportFile, ExportFilter};
use enterprise_data_sdk::{EnterpriseClient, ReportId};
use sdk_core::{Error, ErrorKind, Result};

use crate::destination::Destination;
use crate::layout;
use crate::manifest::{self, Entry};

/// What the objects hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LakeFormat {
    /// Parquet (zstd), typed by the report's schema or the dataview's
    /// columns, converted while the body arrives.
    #[default]
    Parquet,
    /// The CSV as served.
    Csv,
}

impl LakeFormat {
    fn extension(self) -> &'static str {
        match self {
            LakeFormat::Parquet => "parquet",
            LakeFormat::Csv => "csv",
        }
    }
}

/// Which Enterprise reports to sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnterpriseSelection {
    /// (type, cadence) pairs; empty: every pair the API lists.
    pub reports: Vec<(String, String)>,
    /// Only reports dated on or after this day.
    pub from: Option<NaiveDate>,
    /// Only reports dated on or before this day.
    pub to: Option<NaiveDate>,
}

impl EnterpriseSelection {
    /// Every report the API lists.
    pub fn all() -> Self {
        Self::default()
    }
    /// Adds a report type and cadence (then only the pairs added are synced).
    pub fn report(mut self, report_type: impl Into<String>, cadence: impl Into<String>) -> Self {
        self.reports.push((report_type.into(), cadence.into()));
        self
    }
    /// Only reports dated `from..=to` (either bound may be open).
    pub fn dates(mut self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Self {
        self.from = from;
        self.to = to;
        self
    }
}

/// Which DVP exports to sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DvpSelection {
    /// Namespaces to sync.
    pub namespaces: Vec<String>,
    /// Only timespans that end on or after this day.
    pub from: Option<NaiveDate>,
    /// Only timespans that start on or before this day.
    pub to: Option<NaiveDate>,
}

impl DvpSelection {
    /// The exports of these namespaces.
    pub fn namespaces<S: Into<String>>(namespaces: impl IntoIterator<Item = S>) -> Self {
        Self {
            namespaces: namespaces.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }
    /// Only timespans that overlap `from..=to` (either bound may be open).
    pub fn dates(mut self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Self {
        self.from = from;
        self.to = to;
        self
    }
}

/// How a sync runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Parquet (default) or the CSV as served.
    pub format: LakeFormat,
    /// Objects written at once (default 4).
    pub concurrency: usize,
    /// List what would be written; write nothing.
    pub dry_run: bool,
    /// Parquet settings (row groups of [`LAKE_ROW_GROUP_ROWS`] by default,
    /// zstd level).
    pub parquet: ParquetOptions,
}

/// Rows per row group of the lake's Parquet objects (Polars' default).
/// A streamed upload holds a row group's encoding while it is sent: at the
/// SDK's 1 Mi rows, a 1 GiB report's sync peaked at 173-179 MiB; at 256 Ki
/// rows, 117-124 MiB.
pub const LAKE_ROW_GROUP_ROWS: usize = 256 * 1024;

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            format: LakeFormat::Parquet,
            concurrency: 4,
            dry_run: false,
            parquet: ParquetOptions::default().row_group_rows(LAKE_ROW_GROUP_ROWS),
        }
    }
}

impl SyncOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Parquet or CSV objects.
    pub fn format(mut self, format: LakeFormat) -> Self {
        self.format = format;
        self
    }
    /// Objects written at once (at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }
    /// List, do not write.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

/// An object written (or, in a dry run, to be written).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    /// Its path under the prefix.
    pub path: String,
    /// Rows (0 in a dry run).
    pub rows: u64,
    /// Bytes (0 in a dry run).
    pub bytes: u64,
}

/// What a sync did. A failed item does not stop the others.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct SyncSummary {
    /// Objects written (in a dry run: that would be).
    pub written: Vec<Written>,
    /// Objects already in the lake and in the manifest.
    pub skipped: Vec<String>,
    /// Sources the API lists without data (404 on fetching), with why.
    pub unavailable: Vec<(String, String)>,
    /// What failed, with why: a source, a listing, an unsafe name.
    pub failed: Vec<(String, Error)>,
}

impl SyncSummary {
    /// Whether anything failed.
    pub fn has_failures(&self) -> bool {
        !self.failed.is_empty()
    }
}

/// What one object is made from, with the client that fetches it.
enum Fetch<'a> {
    Report {
        client: &'a EnterpriseClient,
        id: ReportId,
    },
    Export {
        client: &'a DvpClient,
        file: ExportFile,
    },
}

/// Which version of its source an object was made from, as the source's
/// store said (kept in the manifest).
struct SourceVersion {
    etag: Option<String>,
    last_modified: Option<String>,
}

impl SourceVersion {
    fn of(body: &Body) -> Self {
        Self {
            etag: body.etag().map(str::to_owned),
            last_modified: body.last_modified().map(str::to_owned),
        }
    }
}

impl Fetch<'_> {
    /// The source's body.
    async fn open(&self) -> Result<Body> {
        match self {
            Fetch::Report { client, id } => client.open(id.clone()).await,
            Fetch::Export { client, file } => client.open(file).await,
        }
    }

    /// The source's Arrow batches, typed by its schema or dataview, and
    /// the version read; `name` names it in errors.
    async fn batches(&self, name: &str) -> Result<(Batches, SourceVersion)> {
        let rows = docker_data_csv::columnar::DEFAULT_BATCH_ROWS;
        Ok(match self {
            Fetch::Report { client, id } => {
                let schema = client.schema(id.clone()).await?;
                let (body, version) = self.source().await?;
                let batches =
                    enterprise_data_sdk::columnar::record_batches(body, name, &schema, rows);
                (batches, version)
            }
            Fetch::Export { file, .. } => {
                let (body, version) = self.source().await?;
                let batches = dvp_sdk::columnar::record_batches(body, name, &file.dataview, rows);
                (batches, version)
            }
        })
    }

    /// The body as a CSV source, and the version it is.
    async fn source(&self) -> Result<(Source, SourceVersion)> {
        let body = self.open().await?;
        let version = SourceVersion::of(&body);
        Ok((Source::Body(body), version))
    }

    /// Identity of the source in the file's key-value metadata.
    fn metadata(&self) -> Vec<(&'static str, String)> {
        match self {
            Fetch::Report { client, id } => {
                enterprise_data_sdk::columnar::parquet_metadata(client.org(), id)
            }
            Fetch::Export { file, .. } => dvp_sdk::columnar::parquet_metadata(file),
        }
    }

    /// The partition keys of the source's table.
    fn keys(&self) -> &'static [&'static str] {
        match self {
            Fetch::Report { .. } => &layout::ENTERPRISE_KEYS,
            Fetch::Export { .. } => &layout::DVP_KEYS,
        }
    }
}

struct Item<'a> {
    /// The source's identity (for the manifest and the summary).
    source: String,
    /// The object's path under the prefix, as segments.
    object: Vec<String>,
    size: Option<u64>,
    fetch: Fetch<'a>,
}

/// The sources a sync reads.
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    /// Enterprise reports, when given.
    pub enterprise: Option<(&'a EnterpriseClient, &'a EnterpriseSelection)>,
    /// DVP exports, when given.
    pub dvp: Option<(&'a DvpClient, &'a DvpSelection)>,
}

impl std::fmt::Debug for Sources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("enterprise", &self.enterprise.map(|(_, s)| s))
            .field("dvp", &self.dvp.map(|(_, s)| s))
            .finish()
    }
}

/// Runs one sync into `dest`.
pub(crate) async fn run(
    dest: &Destination,
    sources: Sources<'_>,
    options: &SyncOptions,
) -> Result<SyncSummary> {
    let mut summary = SyncSummary::default();
    let mut items = Vec::new();
    if let Some((client, selection)) = sources.enterprise {
        plan_enterprise(client, selection, options, &mut items, &mut summary).await;
    }
    if let Some((client, selection)) = sources.dvp {
        plan_dvp(client, selection, options, &mut items, &mut summary).await;
    }

    let (manifest, _) = manifest::read(dest).await?;
    let present = present_objects(dest).await?;
    let mut todo = Vec::new();
    for item in items {
        let rel = item.object.join("/");
        let recorded = manifest.objects.get(&rel).is_some_and(|entry| {
            entry.source == item.source && (item.size.is_none() || entry.source_size == item.size)
        });
        if recorded && present.contains(&rel) {
            summary.skipped.push(rel);
        } else {
            todo.push(item);
        }
    }
    if options.dry_run {
        summary.written = todo
            .iter()
            .map(|item| Written {
                path: item.object.join("/"),
                rows: 0,
                bytes: 0,
            })
            .collect();
        return Ok(summary);
    }

    let results: Vec<_> = futures::stream::iter(todo)
        .map(|item| async move {
            let outcome = write_object(dest, &item, options).await;
            (item, outcome)
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    let mut new = BTreeMap::new();
    for (item, outcome) in results {
        let rel = item.object.join("/");
        match outcome {
            Ok(entry) => {
                summary.written.push(Written {
                    path: rel.clone(),
                    rows: entry.rows,
                    bytes: entry.bytes,
                });
                new.insert(rel, entry);
            }
            Err(err) if err.kind() == ErrorKind::NotFound => {
                summary.unavailable.push((item.source, err.to_string()));
            }
            Err(err) => summary.failed.push((item.source, err)),
        }
    }
    summary.written.sort_by(|a, b| a.path.cmp(&b.path));
    // The data objects first, the manifest after: an object it lists is
    // whole.
    manifest::record(dest, &new).await?;
    Ok(summary)
}

/// Paths (under the prefix) of the objects in the lake.
async fn present_objects(dest: &Destination) -> Result<BTreeSet<String>> {
    let prefix = dest.prefix.clone();
    let listed: Vec<_> = dest
        .store
        .list(if prefix.as_ref().is_empty() {
            None
        } else {
            Some(&prefix)
        })
        .try_collect()
        .await
        .map_err(|err| {
            Error::new(ErrorKind::Io, format!("listing {dest}"), err.to_string()).with_source(err)
        })?;
    Ok(listed
        .into_iter()
        .filter_map(|meta| {
            meta.location.prefix_match(&prefix).map(|parts| {
                parts
                    .map(|p| p.as_ref().to_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
        })
        .collect())
}

fn in_range(date: NaiveDate, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
    from.is_none_or(|from| date >= from) && to.is_none_or(|to| date <= to)
}

async fn plan_enterprise<'a>(
    client: &'a EnterpriseClient,
    selection: &EnterpriseSelection,
    options: &SyncOptions,
    items: &mut Vec<Item<'a>>,
    summary: &mut SyncSummary,
) {
    let org = client.org().to_owned();
    let pairs = if selection.reports.is_empty() {
        match client.report_types().await {
            Ok(types) => types
                .into_iter()
                .map(|t| (t.report_type, t.cadence))
                .collect(),
            Err(err) => {
                summary.failed.push((format!("enterprise:{org}"), err));
                return;
            }
        }
    } else {
        selection.reports.clone()
    };
    for (report_type, cadence) in pairs {
        let listed: Result<Vec<_>> = client.reports(&report_type, &cadence).try_collect().await;
        let reports = match listed {
            Ok(reports) => reports,
            Err(err) => {
                summary
                    .failed
                    .push((format!("enterprise:{org}/{report_type}/{cadence}"), err));
                continue;
            }
        };
        for report in reports {
            if !in_range(report.date, selection.from, selection.to) {
                continue;
            }
            let source = format!(
                "enterprise:{org}/{}/{}/{}",
                report.report_type, report.cadence, report.date
            );
            match layout::enterprise_object(
                &report.report_type,
                &report.cadence,
                &org,
                report.date,
                options.format.extension(),
            ) {
                Ok(object) => items.push(Item {
                    source,
                    object,
                    size: u64::try_from(report.size_bytes).ok(),
                    fetch: Fetch::Report {
                        client,
                        id: ReportId::from(&report),
                    },
                }),
                Err(err) => summary.failed.push((source, err)),
            }
        }
    }
}

async fn plan_dvp<'a>(
    client: &'a DvpClient,
    selection: &DvpSelection,
    options: &SyncOptions,
    items: &mut Vec<Item<'a>>,
    summary: &mut SyncSummary,
) {
    for namespace in &selection.namespaces {
        let listed: Result<Vec<ExportFile>> = client
            .exports_matching(namespace, ExportFilter::new())
            .try_collect()
            .await;
        let files = match listed {
            Ok(files) => files,
            Err(err) => {
                summary.failed.push((format!("dvp:{namespace}"), err));
                continue;
            }
        };
        for file in files {
            let (Some(start), Some(end)) = (
                layout::timespan_start(file.year, file.timespan),
                layout::timespan_end(file.year, file.timespan),
            ) else {
                continue;
            };
            // Overlapping the range.
            if selection.from.is_some_and(|from| end < from)
                || selection.to.is_some_and(|to| start > to)
            {
                continue;
            }
            let source = format!(
                "dvp:{}/{}/{}/{}/{}",
                file.namespace,
                file.year,
                layout::timespan_value(file.year, file.timespan),
                file.dataview,
                file.index
            );
            match layout::dvp_object(&file, options.format.extension()) {
                Ok(object) => items.push(Item {
                    source,
                    object,
                    size: file.size,
                    fetch: Fetch::Export { client, file },
                }),
                Err(err) => summary.failed.push((source, err)),
            }
        }
    }
}

pub(crate) fn upload_error(path: &str, err: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Io, format!("writing {path}"), err.to_string())
}

/// Bytes of one upload part (and of the buffer before a multipart upload
/// starts).
const UPLOAD_PART: usize = 10 * 1024 * 1024;

/// Parts uploading at once.
const UPLOAD_PARTS_IN_FLIGHT: usize = 2;

/// Writes one object; its manifest entry.
async fn write_object(dest: &Destination, item: &Item<'_>, options: &SyncOptions) -> Result<Entry> {
    let rel: Vec<&str> = item.object.iter().map(String::as_str).collect();
    // Parts of 10 MiB, at most UPLOAD_PARTS_IN_FLIGHT at once: object_store
    // allows 8, 80 MiB held when the store is slower than the encoder.
    // (Handing the encoder's row groups over as `Bytes` without a copy,
    // parquet's ParquetObjectWriter, measured higher peaks: 183-218 MiB
    // against 150-173 for a 1 GiB report.)
    let upload = BufWriter::with_capacity(dest.store.clone(), dest.path(&rel), UPLOAD_PART)
        .with_max_concurrency(UPLOAD_PARTS_IN_FLIGHT);
    let shown = item.object.join("/");
    match options.format {
        LakeFormat::Csv => write_csv(item.fetch.open().await?, upload, item, &shown).await,
        LakeFormat::Parquet => {
            let (batches, version) = item.fetch.batches(&item.source).await?;
            write_parquet(batches, version, upload, item, options, &shown).await
        }
    }
}

/// The CSV body as it is.
async fn write_csv(
    mut body: Body,
    mut upload: BufWriter,
    item: &Item<'_>,
    shown: &str,
) -> Result<Entry> {
    let version = SourceVersion::of(&body);
    let copied = match tokio::io::copy(&mut body, &mut upload).await {
        Ok(bytes) => upload.shutdown().await.map(|()| bytes),
        Err(err) => Err(err),
    };
    match copied {
        Ok(bytes) => Ok(entry(item, version, 0, bytes, String::new())),
        Err(err) => {
            let _ = upload.abort().await;
            Err(upload_error(shown, err))
        }
    }
}

async fn write_parquet(
    batches: Batches,
    version: SourceVersion,
    mut upload: BufWriter,
    item: &Item<'_>,
    options: &SyncOptions,
    shown: &str,
) -> Result<Entry> {
    let written = encode_and_complete(batches, version, &mut upload, item, options, shown).await;
    if written.is_err() {
        // Nothing appears: a multipart upload is aborted, a single PUT
        // never sent.
        let _ = upload.abort().await;
    }
    written
}

/// The Parquet file of `batches` written to `upload` and the upload
/// completed (the object appears now, whole); on an error the caller
/// aborts it.
async fn encode_and_complete(
    mut batches: Batches,
    version: SourceVersion,
    upload: &mut BufWriter,
    item: &Item<'_>,
    options: &SyncOptions,
    shown: &str,
) -> Result<Entry> {
    let schema = batches.schema_async().await?;
    let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    layout::check_keys(&columns, item.fetch.keys())?;
    let described: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| format!("{}:{}:{}", f.name(), f.data_type(), f.is_nullable()))
        .collect();
    let schema_hash = manifest::fnv1a(described.join("\n").as_bytes());
    let properties = writer_properties(&schema, &item.fetch.metadata(), &options.parquet)
        .map_err(|err| upload_error(shown, err))?;
    let encoded = crate::encode::encode_into(batches, properties, upload, shown).await?;
    upload
        .shutdown()
        .await
        .map_err(|err| upload_error(shown, err))?;
    Ok(entry(
        item,
        version,
        encoded.rows,
        encoded.bytes,
        schema_hash,
    ))
}

fn entry(
    item: &Item<'_>,
    version: SourceVersion,
    rows: u64,
    bytes: u64,
    schema_hash: String,
) -> Entry {
    Entry {
        source: item.source.clone(),
        source_size: item.size,
        source_etag: version.etag,
        source_last_modified: version.last_modified,
        rows,
        bytes,
        schema_hash,
        tool: format!("docker-data-lake {}", env!("CARGO_PKG_VERSION")),
        written_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    }
}
