//! What every SDK's user names — errors, retry policy, clock, bulk options
//! and summaries, download progress — re-exported whole by each SDK crate
//! (`pub use sdk_core::common::*;`), so one dependency is enough.

pub use crate::bulk::{BulkFailure, BulkOptions, BulkProgress, BulkSummary};
pub use crate::download::{DownloadError, FileProgress, ProgressFn};
pub use crate::safe_path::UnsafePath;
pub use crate::{
    AuthError, Body, ClientConfig, Clock, Error, ErrorKind, FileTokenStore, RateLimit, Result,
    RetryPolicy, TokenStore,
};
/// The HTTP client the SDKs are built on, for the builders' `http_client`
/// settings (`reqwest::Proxy`, `reqwest::Certificate`, …).
pub use reqwest;
