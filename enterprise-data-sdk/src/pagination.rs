//! Report listings: one page at a time, or every report as a lazy stream
//! that follows `next_page_token`.

use std::collections::HashSet;

use futures::Stream;

use crate::client::EnterpriseClient;
use crate::error::{Error, Result};
use crate::generated::types;
use crate::validate;

/// Empty pages in a row, each with a next-page token, after which a listing
/// stops with an error.
pub const MAX_EMPTY_PAGES: usize = 20;

/// One page of reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReportsPage {
    /// Reports of the page, newest first.
    pub reports: Vec<types::Report>,
    /// Token of the next page; `None` on the last page.
    pub next_page_token: Option<String>,
}

impl EnterpriseClient {
    /// One page of reports of a type and cadence, newest first.
    /// `page_size` is 1 to 100 (the server's default, 30, when `None`);
    /// `page_token` is the previous page's `next_page_token`.
    pub async fn reports_page(
        &self,
        report_type: &str,
        cadence: &str,
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<ReportsPage> {
        let report_type = validate::segment("report type", report_type)?;
        let cadence = validate::segment("cadence", cadence)?;
        let page_size = page_size.map(validate::page_size).transpose()?;
        let mut request = self
            .api
            .list_reports()
            .org_name(self.org.as_str())
            .type_(report_type)
            .cadence(cadence);
        if let Some(size) = page_size {
            request = request.page_size(size);
        }
        if let Some(token) = page_token {
            request = request.page_token(token);
        }
        match request.send().await {
            Ok(response) => {
                let page = response.into_inner();
                Ok(ReportsPage {
                    reports: page.reports,
                    next_page_token: Some(page.next_page_token).filter(|t| !t.is_empty()),
                })
            }
            Err(err) => Err(Error::from_generated(
                format!("listing {report_type}/{cadence} reports of {}", self.org),
                err,
            )
            .await),
        }
    }

    /// Every report of a type and cadence, newest first. Pages are fetched
    /// as the stream is read; it ends after the page whose
    /// `next_page_token` is empty, and fails (instead of looping) if the
    /// server hands out a token it already gave, keeps handing out new ones
    /// past the builder's `max_pages`, or sends [`MAX_EMPTY_PAGES`] empty
    /// pages in a row that still carry a token.
    ///
    /// The stream owns a clone of the client (cheap: clones share the
    /// connection pool and token cache), so it can be stored, returned or
    /// spawned.
    pub fn reports(
        &self,
        report_type: &str,
        cadence: &str,
    ) -> impl Stream<Item = Result<types::Report>> + Send + 'static {
        self.reports_with_page_size(report_type, cadence, None)
    }

    /// Like [`reports`](Self::reports) with a page size of 1 to 100.
    pub fn reports_with_page_size(
        &self,
        report_type: &str,
        cadence: &str,
        page_size: Option<u32>,
    ) -> impl Stream<Item = Result<types::Report>> + Send + 'static {
        let report_type = report_type.to_owned();
        let cadence = cadence.to_owned();
        let client = self.clone();
        async_stream::try_stream! {
            let this = &client;
            let mut seen = HashSet::new();
            let mut token: Option<String> = None;
            let mut pages = 0usize;
            let mut empty_in_a_row = 0usize;
            let what = || format!("{report_type}/{cadence} reports of {}", this.org);
            loop {
                pages += 1;
                if pages > this.max_pages {
                    Err::<(), _>(Error::TooManyPages {
                        what: what(),
                        pages: this.max_pages,
                        why: "the server kept sending next-page tokens (raise max_pages if the listing is really that long)",
                    })?;
                }
                let page = this.reports_page(&report_type, &cadence, page_size, token.as_deref()).await?;
                if page.reports.is_empty() && page.next_page_token.is_some() {
                    empty_in_a_row += 1;
                    if empty_in_a_row >= MAX_EMPTY_PAGES {
                        Err::<(), _>(Error::TooManyPages {
                            what: what(),
                            pages: empty_in_a_row,
                            why: "empty pages in a row still carried a next-page token",
                        })?;
                    }
                } else {
                    empty_in_a_row = 0;
                }
                for report in page.reports {
                    yield report;
                }
                match page.next_page_token {
                    None => break,
                    Some(next) => {
                        if !seen.insert(next.clone()) {
                            Err::<(), _>(Error::RepeatedPageToken {
                                what: what(),
                                token: next,
                            })?;
                            break;
                        }
                        token = Some(next);
                    }
                }
            }
        }
    }

    /// The newest report of a type and cadence, if there is one.
    pub async fn latest(&self, report_type: &str, cadence: &str) -> Result<Option<types::Report>> {
        let page = self
            .reports_page(report_type, cadence, Some(1), None)
            .await?;
        Ok(page.reports.into_iter().next())
    }
}
