#![warn(missing_docs)]
//! Typed client for Docker's DVP Data API: image pull analytics of Docker
//! Verified Publisher namespaces.
//!
//! [`generated`] is the client of `openapi/dvp.yaml` with the patches in
//! `openapi/patches/dvp/`. Login is not part of it: it goes to Docker Hub
//! through the `hub-auth` crate.

#[allow(missing_docs, clippy::all, clippy::pedantic)]
// Written by `cargo xtask generate` from openapi/dvp.yaml; never edited by
// hand, so its style is progenitor's.
pub mod generated;

sdk_core::impl_client_hooks!(generated::Client);

/// Production base URL of the DVP Data API.
pub const DEFAULT_DVP_URL: &str = "https://hub.docker.com/api/publisher/analytics/v1";
