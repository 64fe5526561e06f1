#![warn(missing_docs)]
//! Docker Hub authentication for the Docker data SDKs.
//!
//! - [`Credentials`]: user name + password/PAT (login, with an optional
//!   second factor through an [`OtpProvider`]), or identifier + secret for
//!   the token exchange (personal or organization access tokens).
//! - [`TokenCache`]: fetches the JWT, reads its `exp` ([`jwt::expiry`]),
//!   refreshes it 60 s before expiry, and makes one request however many
//!   callers ask at once. It implements [`sdk_core::TokenSource`], which the
//!   request hooks of every generated client use.
//! - [`generated`]: the typed client of `openapi/hub-auth.yaml`; its base URL
//!   is Docker Hub, separate from the data APIs.
//!
//! ```no_run
//! use docker_hub_auth::{Credentials, RetryPolicy, TokenCache, TokenSource, DEFAULT_HUB_URL};
//!
//! # async fn run() -> Result<(), docker_hub_auth::AuthError> {
//! let http = sdk_core::http::client_builder().build().expect("TLS backend");
//! let cache = TokenCache::new(DEFAULT_HUB_URL, Credentials::organization("my-org", "dckr_oat_…"), http, RetryPolicy::default());
//! let jwt = cache.token().await?; // cached until a minute before it expires
//! # drop(jwt); Ok(()) }
//! ```

pub mod builder;
pub mod credentials;
#[allow(missing_docs, clippy::all, clippy::pedantic)]
// Written by `cargo xtask generate` from openapi/hub-auth.yaml; never edited
// by hand, so its style is progenitor's.
pub mod generated;
pub mod jwt;
pub mod token_cache;

pub use builder::{FromLogin, LoggedIn, LoginBuilder};
pub use credentials::{Credentials, OtpProvider};
pub use sdk_core::{AuthError, Clock, FileTokenStore, RetryPolicy, TokenSource, TokenStore};
pub use token_cache::{TokenCache, TokenCacheBuilder};

sdk_core::impl_client_hooks!(generated::Client);

/// Docker Hub's production base URL.
pub const DEFAULT_HUB_URL: &str = "https://hub.docker.com";

/// What a client whose bearer comes from Docker Hub is built from: the
/// HTTP client for JSON calls, a token cache logging in with `credentials`
/// (answering 2FA with `otp`) under `config`'s retry policy and clock, and
/// the hooks' context carrying that cache for `operations`.
pub fn logged_in_context(
    config: &sdk_core::ClientConfig,
    credentials: Credentials,
    otp: Option<OtpProvider>,
    operations: &'static [sdk_core::hooks::Operation],
) -> reqwest::Result<(reqwest::Client, TokenCache, sdk_core::ApiContext)> {
    let http = config.json_client()?;
    let tokens = TokenCache::builder(&config.hub_url, credentials, http.clone())
        .for_client(config, otp)
        .build();
    let source: std::sync::Arc<dyn TokenSource> = std::sync::Arc::new(tokens.clone());
    let context = config.api_context(sdk_core::ApiContext::with_token_source(source), operations);
    Ok((http, tokens, context))
}
