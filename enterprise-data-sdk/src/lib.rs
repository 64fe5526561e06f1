#![warn(missing_docs)]
//! Typed client for Docker's Enterprise Data API: organization usage
//! reports.
//!
//! - [`EnterpriseClient`]: exchanges the organization access token (OAT) at
//!   Docker Hub for a short-lived JWT, caches it, refreshes it a minute
//!   before it expires, and re-exchanges once on a 401; or, with
//!   [`AuthMode::Direct`], sends the OAT itself as the bearer.
//! - [`reports`](EnterpriseClient::reports): every report of a type and
//!   cadence as a lazy stream over page tokens;
//!   [`reports_page`](EnterpriseClient::reports_page) for manual paging,
//!   [`latest`](EnterpriseClient::latest) for the newest.
//! - [`download`](EnterpriseClient::download): follows the API's redirect
//!   itself and fetches the pre-signed URL without the bearer token;
//!   [`download_range`](EnterpriseClient::download_range) for many.
//! - [`rows`]: rows typed by the report's [`schema`](EnterpriseClient::schema),
//!   in constant memory, from a file or straight from the network
//!   ([`stream_row_reader`](EnterpriseClient::stream_row_reader) lends
//!   them, [`stream_rows`](EnterpriseClient::stream_rows) owns them); the
//!   module's docs say what each way costs.
//!
//! ```no_run
//! use futures::TryStreamExt;
//!
//! # async fn run() -> enterprise_data_sdk::Result<()> {
//! let client = enterprise_data_sdk::EnterpriseClient::new("my-org", "dckr_oat_…")?;
//! if let Some(report) = client.latest("usage_pulls", "daily").await? {
//!     let path = std::path::Path::new("latest.csv");
//!     client.download(&report, path).await?;
//!     let schema = client.schema(&report).await?;
//!     for row in enterprise_data_sdk::rows::rows(path, &schema) {
//!         println!("{}", row?.to_json());
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! [`generated`] is the client of `openapi/enterprise-data.yaml`.

pub mod client;
#[cfg(feature = "arrow")]
pub mod columnar;
pub mod download;
pub mod error;
#[allow(missing_docs, clippy::all, clippy::pedantic)]
// Written by `cargo xtask generate` from openapi/enterprise-data.yaml; never
// edited by hand, so its style is progenitor's.
pub mod generated;
pub mod pagination;
pub mod report_id;
pub mod rows;
mod validate;

pub use client::{AuthMode, EnterpriseClient, EnterpriseClientBuilder};
/// The data engine (CSV rows, typed batches, cell parsers) and the
/// download [`Format`], for naming and implementing row decoders without a
/// second dependency.
pub use docker_data_csv::{self as csv, Format};
pub use generated::types::{Report, ReportSchema, ReportTypeInfo};
pub use pagination::ReportsPage;
pub use report_id::{Cadence, ReportId, ReportType};
// Everything a user names when configuring a client, reading a bulk
// summary or matching an error, so that no second crate is needed.
pub use sdk_core::common::*;

sdk_core::impl_client_hooks!(generated::Client);

/// Production base URL of the Enterprise Data API.
pub const DEFAULT_ENTERPRISE_URL: &str = "https://api.docker.com/enterprise-data/v1";
