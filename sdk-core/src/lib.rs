#![warn(missing_docs)]
//! Shared plumbing of the Docker data SDKs.
//!
//! Every generated operation of every client passes through [`hooks`]: the
//! bearer token comes from a [`TokenSource`], a `401` triggers one re-auth and
//! one resend, and each request gets a tracing span. The SDK crates wire their
//! generated `Client` to these hooks with [`impl_client_hooks!`], so no
//! wrapper repeats auth logic.

pub mod body;
pub mod bulk;
pub mod clock;
pub mod common;
pub mod config;
pub mod download;
pub mod error;
pub mod hooks;
pub mod http;
pub mod open_enum;
mod part_writer;
// Continuing an unfinished download across runs.
pub mod rate_limit;
pub mod redact;
pub mod request;
mod resume;
pub mod runtime;
/// The retry policy and the one retry loop ([`runtime::retry`], under its
/// former path).
pub use runtime::retry;
pub mod safe_path;
pub mod token_source;
pub mod token_store;

pub use body::Body;
pub use clock::Clock;
pub use config::{ClientConfig, HttpSettings};
pub use error::{CallExt, Error, ErrorKind, HintFn, Result};
pub use hooks::ApiContext;
pub use rate_limit::RateLimit;
pub use retry::RetryPolicy;
pub use token_source::{AuthError, StaticToken, TokenSource};
pub use token_store::{FileTokenStore, TokenStore};

#[doc(hidden)]
pub mod __private {
    // Re-exported for `impl_client_hooks!`, so the SDK crates need not name
    // these crates themselves to expand it.
    pub use progenitor_client;
    pub use reqwest;
    pub use schemars;
    pub use serde;
}
