#![warn(missing_docs)]
//! Shared plumbing of the Docker data SDKs.
//!
//! Every generated operation of every client passes through [`hooks`]: the
//! bearer token comes from a [`TokenSource`], a `401` triggers one re-auth and
//! one resend, and each request gets a tracing span. The SDK crates wire their
//! generated `Client` to these hooks with [`impl_client_hooks!`], so no
//! wrapper repeats auth logic.

pub mod hooks;
pub mod http;
pub mod token_source;

pub use hooks::ApiContext;
pub use token_source::{AuthError, TokenSource};

#[doc(hidden)]
pub mod __private {
    // Re-exported for `impl_client_hooks!`, so the SDK crates need not name
    // these crates themselves to expand it.
    pub use progenitor_client;
    pub use reqwest;
}
