#![warn(missing_docs)]
//! Typed client for Docker's legacy `docker.io` Account API v1.1: one user's
//! profile and email addresses.
//!
//! This API predates Docker Hub's `/v2` API and its host
//! ([`DEFAULT_ACCOUNT_URL`], `https://www.docker.io`) is retired: point
//! [`AccountClientBuilder::api_url`] at a server that still speaks it (the
//! workspace's simulator does). The crate exists so that tools that still
//! talk to such a server share the same auth, retries, tracing and
//! redaction as the other Docker data SDKs.
//!
//! - [`AccountClient`]: HTTP Basic credentials or a bearer (OAuth) token,
//!   both held as secrets; [`user`](AccountClient::user),
//!   [`update_user`](AccountClient::update_user),
//!   [`emails`](AccountClient::emails), [`add_email`](AccountClient::add_email),
//!   [`delete_email`](AccountClient::delete_email).
//! - [`generated`]: the client of `openapi/account.yaml` (JSON request
//!   bodies only, see `openapi/patches/account/`).
//!
//! ```no_run
//! // The builder setters are the builder's own methods: nothing to import.
//! # async fn run() -> account_sdk::Result<()> {
//! let client = account_sdk::AccountClient::builder(account_sdk::AccountAuth::basic("jdoe", "secret"))
//!     .api_url("http://127.0.0.1:8080")
//!     .build()?;
//! let user = client.user("jdoe").await?;
//! println!("{:?} joined {:?}", user.full_name, user.date_joined);
//! for email in client.emails("jdoe").await? {
//!     println!("{:?} primary={:?}", email.email, email.primary);
//! }
//! # Ok(()) }
//! ```

pub mod client;
pub mod error;
#[allow(missing_docs, clippy::all, clippy::pedantic)]
// Written by `cargo xtask generate` from openapi/account.yaml; never edited
// by hand, so its style is progenitor's.
pub mod generated;

pub use client::{AccountAuth, AccountClient, AccountClientBuilder};
pub use generated::types::{Email, User, UserUpdate};
// Everything a user names when configuring a client, reading a bulk
// summary or matching an error, so that no second crate is needed.
pub use sdk_core::common::*;

sdk_core::impl_client_hooks!(generated::Client);

/// The spec's base URL. The legacy host is retired: set your own with
/// [`AccountClientBuilder::api_url`].
pub const DEFAULT_ACCOUNT_URL: &str = "https://www.docker.io";
