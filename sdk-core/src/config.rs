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

/// The setters every SDK client builder shares, defined once over the
/// [`ClientConfig`] the builder embeds. Bring it into scope with the SDK
/// crate's prelude (`use dvp_sdk::prelude::*;`) to call them:
///
/// ```
/// use docker_data_core::{ClientConfig, ConfigureClient, RetryPolicy};
/// use std::time::Duration;
///
/// struct Builder { config: ClientConfig }
/// impl ConfigureClient for Builder {
///     fn config_mut(&mut self) -> &mut ClientConfig { &mut self.config }
/// }
///
/// let builder = Builder { config: ClientConfig::new("https://hub", "https://api") }
///     .request_timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::none());
/// assert_eq!(builder.config.request_timeout, Duration::from_secs(5));
/// ```
pub trait ConfigureClient: Sized {
    /// The configuration this builder embeds.
    fn config_mut(&mut self) -> &mut ClientConfig;

    /// The data API's base URL (default: Docker's production URL).
    fn api_url(mut self, url: impl Into<String>) -> Self {
        self.config_mut().api_url = url.into();
        self
    }

    /// Time allowed to open a connection.
    fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config_mut().connect_timeout = timeout;
        self
    }

    /// Time allowed for one JSON call.
    fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config_mut().request_timeout = timeout;
        self
    }

    /// Time a download (or a streamed body) may go without receiving a
    /// byte (default 30 s).
    fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config_mut().idle_timeout = timeout;
        self
    }

    /// Time a download may wait for the object store's response headers
    /// (default 30 s).
    fn header_timeout(mut self, timeout: Duration) -> Self {
        self.config_mut().header_timeout = timeout;
        self
    }

    /// Most bytes of one JSON answer, after gzip decoding (default 64 MiB,
    /// far above any real listing); a larger answer fails.
    fn max_json_body(mut self, bytes: usize) -> Self {
        self.config_mut().max_json_body = bytes;
        self
    }

    /// Most pages a listing stream follows before it stops with an error
    /// (default 10 000).
    fn max_pages(mut self, pages: usize) -> Self {
        self.config_mut().max_pages = pages;
        self
    }

    /// `User-Agent` of every request.
    fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.config_mut().user_agent = Some(agent.into());
        self
    }

    /// Retry policy of every request.
    fn retry(mut self, retry: RetryPolicy) -> Self {
        self.config_mut().retry = retry;
        self
    }

    /// Where token expiry is read against: the system clock by default; a
    /// test's clock moves time without sleeping.
    fn clock(mut self, clock: crate::Clock) -> Self {
        self.config_mut().clock = clock;
        self
    }
}

/// The setter of builders whose clients get tokens from Docker Hub.
pub trait ConfigureHub: ConfigureClient {
    /// Docker Hub's base URL, where tokens come from (default
    /// `https://hub.docker.com`).
    fn hub_url(mut self, url: impl Into<String>) -> Self {
        self.config_mut().hub_url = url.into();
        self
    }
}
