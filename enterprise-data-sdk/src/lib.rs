#![warn(missing_docs)]
//! Typed client for Docker's Enterprise Data API: organization usage reports.
//!
//! [`generated`] is the client of `openapi/enterprise-data.yaml`.

#[allow(missing_docs, clippy::all, clippy::pedantic)]
// Written by `cargo xtask generate` from openapi/enterprise-data.yaml; never
// edited by hand, so its style is progenitor's.
pub mod generated;

sdk_core::impl_client_hooks!(generated::Client);

/// Production base URL of the Enterprise Data API.
pub const DEFAULT_ENTERPRISE_URL: &str = "https://api.docker.com/enterprise-data/v1";
