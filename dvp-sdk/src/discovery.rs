//! Walking the API to find every file of a namespace's export.

use futures::Stream;

use crate::client::DvpClient;
use crate::error::Result;
use crate::generated::types;
use crate::model::{Dataset, Dataview, ExportFile, TimespanKind};

/// Which files of an export to take; `None` takes all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

impl DvpClient {
    /// Every file of a namespace's pull export, found lazily: years, then
    /// months and weeks, then each dataview's file list. The timespan types
    /// and views come from the namespace's metadata (all known ones when it
    /// lists none); a type this SDK does not know is skipped, a new view is
    /// requested like the others.
    pub fn exports(&self, namespace: &str) -> impl Stream<Item = Result<ExportFile>> + Send + '_ {
        self.exports_matching(namespace, ExportFilter::default())
    }

    /// Like [`exports`](Self::exports), but only walks the parts of the
    /// export that `filter` keeps.
    pub fn exports_matching(
        &self,
        namespace: &str,
        filter: ExportFilter,
    ) -> impl Stream<Item = Result<ExportFile>> + Send + '_ {
        let namespace = namespace.to_owned();
        async_stream::try_stream! {
            let metadata = self.namespace(&namespace).await?;
            let (kinds, views) = kinds_and_views(&metadata);
            let years = self.years(&namespace).await?;
            for year in years.into_iter().filter(|y| filter.year.is_none_or(|want| want == *y)) {
                for kind in kinds.iter().filter(|k| filter.kind.as_ref().is_none_or(|want| want == *k)) {
                    if let Some(want) = filter.timespan && want.kind() != *kind {
                        continue;
                    }
                    let spans = self.timespans(&namespace, year, kind.clone()).await?;
                    for timespan in spans.into_iter().filter(|t| filter.timespan.is_none_or(|want| want == *t)) {
                        for view in views.iter().filter(|v| filter.dataview.as_ref().is_none_or(|want| want == *v)) {
                            for file in self.files(&namespace, year, timespan, view.clone()).await? {
                                yield file;
                            }
                        }
                    }
                }
            }
        }
    }
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
