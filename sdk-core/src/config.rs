//! Settings shared by both SDK clients' builders.

use std::time::Duration;

use crate::download::{DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, Downloader};
use crate::http::DEFAULT_CONNECT_TIMEOUT;
use crate::retry::RetryPolicy;

/// Default limit for one JSON call, retries not included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Default most pages of one listing (a million reports at 100 a page).
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// Where the APIs are and how patient to be with them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Docker Hub, where tokens come from.
    pub hub_url: String,
    /// The data API's base URL.
    pub api_url: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one JSON call (downloads have no total limit).
    pub request_timeout: Duration,
    /// Time a download body may go without a byte.
    pub idle_timeout: Duration,
    /// Time a download may wait for the object store's response headers.
    pub header_timeout: Duration,
    /// Most bytes of a JSON answer (after gzip decoding).
    pub max_json_body: usize,
    /// Most pages a listing stream follows before it stops with an error.
    pub max_pages: usize,
    /// `User-Agent` of every request; the SDK's own when `None`.
    pub user_agent: Option<String>,
    /// Retries of every request.
    pub retry: RetryPolicy,
    /// Where token expiry is read against (the system clock by default).
    pub clock: crate::Clock,
}

impl ClientConfig {
    /// Defaults for the given base URLs.
    pub fn new(hub_url: impl Into<String>, api_url: impl Into<String>) -> Self {
        Self {
            hub_url: hub_url.into(),
            api_url: api_url.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_json_body: crate::hooks::DEFAULT_MAX_JSON_BODY,
            max_pages: DEFAULT_MAX_PAGES,
            user_agent: None,
            retry: RetryPolicy::default(),
            clock: crate::Clock::system(),
        }
    }

    /// The HTTP client for JSON calls (token requests included).
    pub fn json_client(&self) -> reqwest::Result<reqwest::Client> {
        let mut builder = crate::http::client_builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout);
        if let Some(agent) = &self.user_agent {
            builder = builder.user_agent(agent.as_str());
        }
        builder.build()
    }

    /// The downloader for object-store files.
    pub fn downloader(&self) -> reqwest::Result<Downloader> {
        Downloader::new(
            self.retry.clone(),
            self.idle_timeout,
            self.header_timeout,
            self.connect_timeout,
            self.user_agent.as_deref(),
        )
    }

    /// The hooks' context for a generated client: `auth` (a token source,
    /// Basic credentials or none) with this configuration's retry policy
    /// and body limit, naming `operations` in request spans.
    pub fn api_context(
        &self,
        auth: crate::ApiContext,
        operations: &'static [crate::hooks::Operation],
    ) -> crate::ApiContext {
        auth.with_retry(self.retry.clone())
            .with_max_body(self.max_json_body)
            .with_operations(operations)
    }

    /// `api_url` without a trailing slash, as the generated clients expect.
    pub fn api_base(&self) -> &str {
        self.api_url.trim_end_matches('/')
    }
}

/// Writes the setters every SDK client builder shares, for a builder with a
/// `config: ClientConfig` field. Used inside an `impl` block.
/// `client_config_setters!()` is for clients that get tokens from Docker Hub;
/// `client_config_setters!(api)` leaves out `hub_url`, for a client that
/// never talks to the Hub.
#[macro_export]
macro_rules! client_config_setters {
    () => {
        /// Docker Hub's base URL, where tokens come from (default
        /// `https://hub.docker.com`).
        pub fn hub_url(mut self, url: impl Into<String>) -> Self {
            self.config.hub_url = url.into();
            self
        }

        $crate::client_config_setters!(api);
    };
    (api) => {
        /// The data API's base URL (default: Docker's production URL).
        pub fn api_url(mut self, url: impl Into<String>) -> Self {
            self.config.api_url = url.into();
            self
        }

        /// Time allowed to open a connection.
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.config.connect_timeout = timeout;
            self
        }

        /// Time allowed for one JSON call.
        pub fn request_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.config.request_timeout = timeout;
            self
        }

        /// Time a download (or a streamed body) may go without receiving a
        /// byte (default 30 s).
        pub fn idle_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.config.idle_timeout = timeout;
            self
        }

        /// Time a download may wait for the object store's response
        /// headers (default 30 s).
        pub fn header_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.config.header_timeout = timeout;
            self
        }

        /// Most bytes of one JSON answer, after gzip decoding (default
        /// 64 MiB, far above any real listing); a larger answer fails.
        pub fn max_json_body(mut self, bytes: usize) -> Self {
            self.config.max_json_body = bytes;
            self
        }

        /// Most pages a listing stream follows before it stops with an
        /// error (default 10 000).
        pub fn max_pages(mut self, pages: usize) -> Self {
            self.config.max_pages = pages;
            self
        }

        /// `User-Agent` of every request.
        pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
            self.config.user_agent = Some(agent.into());
            self
        }

        /// Retry policy of every request.
        pub fn retry(mut self, retry: $crate::RetryPolicy) -> Self {
            self.config.retry = retry;
            self
        }

        /// Where token expiry is read against: the system clock by
        /// default; a test's clock moves time without sleeping.
        pub fn clock(mut self, clock: $crate::Clock) -> Self {
            self.config.clock = clock;
            self
        }
    };
}
