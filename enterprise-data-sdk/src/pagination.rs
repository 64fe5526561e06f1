//! Report listings: one page at a time, or every report as a lazy stream
//! that follows `next_page_token`.

use futures::Stream;
use sdk_core::CallExt as _;
use sdk_core::runtime::{Page, paginate};

use crate::client::EnterpriseClient;
use crate::error::{Result, hint};
use crate::generated::types;
use crate::validate;

pub use sdk_core::runtime::paginate::MAX_EMPTY_PAGES;

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
        let page = request
            .send()
            .sdk(
                hint,
                format!("listing {report_type}/{cadence} reports of {}", self.org),
            )
            .await?;
        Ok(ReportsPage {
            reports: page.reports,
            next_page_token: Some(page.next_page_token).filter(|t| !t.is_empty()),
        })
    }

    /// Every report of a type and cadence, newest first. Pages are fetched
    /// as the stream is read; it ends after the page whose
    /// `next_page_token` is empty, and fails (instead of looping) with an
    /// [`ErrorKind::Paging`](crate::ErrorKind::Paging) error if the server
    /// hands out a token it already gave, keeps handing out new ones past
    /// the builder's `max_pages`, repeats a page, or sends
    /// [`MAX_EMPTY_PAGES`] empty pages in a row that still carry a token
    /// (the rules of every listing: [`sdk_core::runtime::paginate`](mod@sdk_core::runtime::paginate)).
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
        let (report_type, cadence) = (report_type.to_owned(), cadence.to_owned());
        let client = self.clone();
        let operation = format!("listing {report_type}/{cadence} reports of {}", self.org);
        // The first page has no token: the empty string stands for it.
        paginate(operation, self.max_pages, String::new(), move |token| {
            let (client, report_type, cadence) =
                (client.clone(), report_type.clone(), cadence.clone());
            async move {
                let token = Some(token.as_str()).filter(|t| !t.is_empty());
                let page = client
                    .reports_page(&report_type, &cadence, page_size, token)
                    .await?;
                Ok(Page::new(page.reports, page.next_page_token))
            }
        })
    }

    /// The newest report of a type and cadence, if there is one.
    pub async fn latest(&self, report_type: &str, cadence: &str) -> Result<Option<types::Report>> {
        let page = self
            .reports_page(report_type, cadence, Some(1), None)
            .await?;
        Ok(page.reports.into_iter().next())
    }
}
