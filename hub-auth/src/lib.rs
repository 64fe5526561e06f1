#![warn(missing_docs)]
//! Docker Hub authentication for the Docker data SDKs.
//!
//! [`generated`] is the typed client of `openapi/hub-auth.yaml`: user login
//! (with the 2FA step) and the token exchange for personal and organization
//! access tokens. Its base URL is Docker Hub, separate from the data APIs.

#[allow(missing_docs, clippy::all, clippy::pedantic)]
// Written by `cargo xtask generate` from openapi/hub-auth.yaml; never edited
// by hand, so its style is progenitor's.
pub mod generated;

sdk_core::impl_client_hooks!(generated::Client);

/// Docker Hub's production base URL.
pub const DEFAULT_HUB_URL: &str = "https://hub.docker.com";
