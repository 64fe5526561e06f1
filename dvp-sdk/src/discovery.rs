//! Walking the API to find every file of a namespace's export.

use futures::{Stream, StreamExt, TryStreamExt};
use sdk_core::bulk::BulkFailure;

use crate::client::DvpClient;
use crate::error::{Error, Result};
use crate::generated::types;
use crate::model::{Dataset, Dataview, ExportFile, TimespanKind};

/// Which files of an export to take; `None` takes all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportFilter {
    /// Only this year.
    pub year: Option<i32>,
    /// Only this month or week.
    pub timespan: Option<crate::Timespan>,
    /// Only months, or only weeks.
    pub kind: Option<TimespanKind>,
    /// Only this dataview.
    pub dataview: Option<Dataview>,
}

impl ExportFilter {
    /// Everything: no filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this year.
    pub fn year(mut self, year: i32) -> Self {
        self.year = Some(year);
        self
    }

    /// Only this month or week (which also selects its kind).
    pub fn timespan(mut self, timespan: crate::Timespan) -> Self {
        self.timespan = Some(timespan);
        self
    }

    /// Only months, or only weeks.
    pub fn kind(mut self, kind: TimespanKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Only this dataview.
    pub fn dataview(mut self, dataview: Dataview) -> Self {
        self.dataview = Some(dataview);
        self
    }
}

/// What a walk of a namespace's export found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportListing {
    /// Every file, in walk order.
    pub files: Vec<ExportFile>,
    /// Views or timespan types the metadata advertised but the API holds
    /// no data for (it answered 404), e.g. `2026/month-03/namespace-summary`.
    pub unavailable: Vec<BulkFailure>,
}

/// One thing a walk of an export finds, as it finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportItem {
    /// A file of the export.
    File(ExportFile),
    /// A view or timespan type the metadata advertised that the API holds
    /// no data for (it answered 404).
    Unavailable(BulkFailure),
}

impl DvpClient {
    /// Every file of a namespace's pull export, found lazily: years, then
    /// months and weeks, then each dataview's file list. The timespan types
    /// and views come from the namespace's metadata (all known ones when it
    /// lists none); a type this SDK does not know is skipped, a new view is
    /// requested like the others. A view or timespan type the metadata
    /// advertises but the API has no data for (404) is skipped with a
    /// `tracing` warning; [`export_listing`](Self::export_listing) reports
    /// those too.
    ///
    /// The stream owns a clone of the client (cheap: clones share the
    /// connection pool and token cache), so it can be stored, returned or
    /// spawned.
    pub fn exports(
        &self,
        namespace: &str,
    ) -> impl Stream<Item = Result<ExportFile>> + Send + 'static {
        self.exports_matching(namespace, ExportFilter::default())
    }

    /// Like [`exports`](Self::exports), but only walks the parts of the
    /// export that `filter` keeps.
    pub fn exports_matching(
        &self,
        namespace: &str,
        filter: ExportFilter,
    ) -> impl Stream<Item = Result<ExportFile>> + Send + 'static {
        self.export_walk(namespace, filter)
            .filter_map(|found| async move {
                match found {
                    Ok(ExportItem::File(file)) => Some(Ok(file)),
                    // Logged by the walk.
                    Ok(ExportItem::Unavailable(_)) => None,
                    Err(err) => Some(Err(err)),
                }
            })
    }

    /// The files of a namespace's export that `filter` keeps, and the parts
    /// the metadata advertised that have no data.
    pub async fn export_listing(
        &self,
        namespace: &str,
        filter: ExportFilter,
    ) -> Result<ExportListing> {
        let mut listing = ExportListing::default();
        let mut walk = std::pin::pin!(self.export_walk(namespace, filter));
        while let Some(found) = walk.try_next().await? {
            match found {
                ExportItem::File(file) => listing.files.push(file),
                ExportItem::Unavailable(skipped) => listing.unavailable.push(skipped),
            }
        }
        Ok(listing)
    }

    /// The walk of [`exports_matching`](Self::exports_matching) with the
    /// parts that have no data as items too, so a caller can report them
    /// as they are found (a listing printed while it is walked).
    pub fn export_walk(
        &self,
        namespace: &str,
        filter: ExportFilter,
    ) -> impl Stream<Item = Result<ExportItem>> + Send + 'static {
        let namespace = namespace.to_owned();
        let client = self.clone();
        async_stream::try_stream! {
            let this = &client;
            // A year or timespan no export can have is a mistake, not an
            // empty result: say so before any request.
            if let Some(year) = filter.year {
                crate::validate::year(year)?;
            }
            if let Some(timespan) = filter.timespan {
                crate::validate::timespan(timespan)?;
            }
            let metadata = this.namespace(&namespace).await?;
            let (kinds, views) = kinds_and_views(&metadata);
            let years = this.years(&namespace).await?;
            for year in years.into_iter().filter(|y| filter.year.is_none_or(|want| want == *y)) {
                for kind in kinds.iter().filter(|k| filter.kind.as_ref().is_none_or(|want| want == *k)) {
                    if let Some(want) = filter.timespan && want.kind() != *kind {
                        continue;
                    }
                    let spans = match this.timespans(&namespace, year, kind.clone()).await {
                        Err(err) if is_not_found(&err) => {
                            yield unavailable(format!("{namespace}/{year}/{kind}"), &err);
                            continue;
                        }
                        other => other?,
                    };
                    for timespan in spans.into_iter().filter(|t| filter.timespan.is_none_or(|want| want == *t)) {
                        for view in views.iter().filter(|v| filter.dataview.as_ref().is_none_or(|want| want == *v)) {
                            match this.files(&namespace, year, timespan, view.clone()).await {
                                Err(err) if is_not_found(&err) => {
                                    yield unavailable(format!("{namespace}/{year}/{timespan}/{view}"), &err);
                                }
                                files => {
                                    for file in files? {
                                        yield ExportItem::File(file);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An advertised part with no data: skipped, with a warning.
fn unavailable(item: String, err: &Error) -> ExportItem {
    tracing::warn!(%item, reason = %err, "skipping an export part with no data");
    ExportItem::Unavailable(BulkFailure::new(item, err.to_string()))
}

fn is_not_found(err: &Error) -> bool {
    err.kind() == crate::ErrorKind::NotFound
}

/// Timespan types and views of the pulls dataset, defaulting to all known.
fn kinds_and_views(metadata: &types::NamespaceMetadata) -> (Vec<TimespanKind>, Vec<Dataview>) {
    let pulls = metadata
        .datasets
        .iter()
        .find(|d| d.name.as_ref().is_none_or(|n| *n == Dataset::Pulls));
    let mut kinds: Vec<TimespanKind> = pulls.map(|d| d.timespans.clone()).unwrap_or_default();
    kinds.retain(|k| {
        let known = !matches!(k, TimespanKind::Other(_));
        if !known {
            tracing::debug!(kind = %k, "skipping a timespan type this SDK does not know");
        }
        known
    });
    if kinds.is_empty() {
        kinds = TimespanKind::KNOWN.to_vec();
    }
    let mut views: Vec<Dataview> = pulls.map(|d| d.views.clone()).unwrap_or_default();
    if views.is_empty() {
        views = Dataview::KNOWN.to_vec();
    }
    (kinds, views)
}
