#![warn(missing_docs)]
//! Typed client for Docker's DVP Data API: image pull analytics of Docker
//! Verified Publisher namespaces.
//!
//! - [`DvpClient`]: logs in at Docker Hub (password or personal access token,
//!   with an optional second factor), caches the JWT, and offers one typed
//!   call per operation ([`namespaces`](DvpClient::namespaces),
//!   [`years`](DvpClient::years), [`timespans`](DvpClient::timespans),
//!   [`files`](DvpClient::files), ...).
//! - [`exports`](DvpClient::exports): every file of a namespace as a stream;
//!   [`download_all`](DvpClient::download_all) fetches them with bounded
//!   concurrency and skips what is already complete.
//! - [`rows`]: typed, streaming CSV rows of the downloaded files.
//! - Pull counts ([`pulls`]): [`namespace_pulls`](DvpClient::namespace_pulls),
//!   [`repo_pulls`](DvpClient::repo_pulls) and
//!   [`repos_pulls`](DvpClient::repos_pulls) for any number of repositories.
//!
//! ```no_run
//! use futures::TryStreamExt;
//!
//! # async fn run() -> dvp_sdk::Result<()> {
//! let client = dvp_sdk::DvpClient::new("my-user", "dckr_pat_…")?;
//! let files: Vec<_> = client.exports("my-namespace").try_collect().await?;
//! println!("{} files", files.len());
//! let (filter, options) = (dvp_sdk::ExportFilter::new(), dvp_sdk::BulkOptions::new());
//! let summary = client
//!     .download_all("my-namespace", filter, "./dvp", options, dvp_sdk::Format::Csv)
//!     .await?;
//! println!("fetched {} files, {} already there", summary.downloaded.len(), summary.skipped.len());
//! # Ok(()) }
//! ```
//!
//! [`generated`] is the client of `openapi/dvp.yaml` with the patches in
//! `openapi/patches/dvp/`; every call through it carries the same auth,
//! retries and tracing.

// The generated code names this crate's open enums by absolute path.
extern crate self as dvp_sdk;

pub mod client;
#[cfg(feature = "arrow")]
pub mod columnar;
pub mod discovery;
pub mod download;
pub mod error;
#[allow(missing_docs, clippy::all, clippy::pedantic)]
// Written by `cargo xtask generate` from openapi/dvp.yaml; never edited by
// hand, so its style is progenitor's.
pub mod generated;
pub mod model;
pub mod pulls;
pub mod rows;
mod validate;

pub use client::{DvpClient, DvpClientBuilder};
pub use discovery::{ExportFilter, ExportItem, ExportListing};
/// The data engine (CSV rows, typed batches, cell parsers) and the
/// download [`Format`], for naming and implementing row decoders without a
/// second dependency.
pub use docker_data_csv::{self as csv, Format};
pub use hub_auth::{Credentials, OtpProvider};
pub use model::{Dataset, Dataview, ExportFile, GroupBy, Period, Timespan, TimespanKind};
pub use pulls::{MAX_REPOS_PER_REQUEST, PullCount, PullsQuery};
// Everything a user names when configuring a client, reading a bulk
// summary or matching an error, so that no second crate is needed.
pub use sdk_core::common::*;

sdk_core::impl_client_hooks!(generated::Client);

/// Production base URL of the DVP Data API.
pub const DEFAULT_DVP_URL: &str = "https://hub.docker.com/api/publisher/analytics/v1";
