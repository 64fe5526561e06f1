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
    /// The user's settings for the `reqwest` clients the SDK builds.
    pub http: Option<HttpSettings>,
    /// Where fetched tokens are kept between runs; none by default (each
    /// process logs in once).
    pub token_store: Option<std::sync::Arc<dyn crate::TokenStore>>,
}

/// A user's settings for the `reqwest` clients the SDK builds (a proxy, a
/// custom CA): applied to each client builder before the SDK's own.
#[derive(Clone)]
pub struct HttpSettings(
    std::sync::Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>,
);

impl HttpSettings {
    /// `configure` applied to a builder.
    pub fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        (self.0)(builder)
    }
}

impl std::fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpSettings(..)")
    }
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
            http: None,
            token_store: None,
        }
    }

    /// The same configuration with `configure` applied to every `reqwest`
    /// client builder the SDK makes (a proxy, a custom root certificate,
    /// TLS settings). What the SDK sets afterwards, on every client:
    /// redirects are never followed (a bearer token must not reach a host
    /// the SDK did not choose, and the Enterprise download's redirect is
    /// read, not followed), the connect timeout, the `User-Agent`; JSON
    /// clients also get the request timeout, and the download client has
    /// gzip decoding turned off (the SDK decodes, so that resume offsets
    /// count bytes as sent). A prebuilt `reqwest::Client` is not taken:
    /// its redirect policy could not be checked.
    pub fn http_client(
        mut self,
        configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.http = Some(HttpSettings(std::sync::Arc::new(configure)));
        self
    }

    /// A client builder with the user's settings, then the SDK's.
    fn client_builder(&self) -> reqwest::ClientBuilder {
        let builder = reqwest::Client::builder();
        let builder = match &self.http {
            Some(settings) => settings.apply(builder),
            None => builder,
        };
        crate::http::sdk_settings(builder, self.connect_timeout, self.user_agent.as_deref())
    }

    /// The HTTP client for JSON calls (token requests included).
    pub fn json_client(&self) -> reqwest::Result<reqwest::Client> {
        self.client_builder().timeout(self.request_timeout).build()
    }

    /// The downloader for object-store files.
    pub fn downloader(&self) -> reqwest::Result<Downloader> {
        let http = self.client_builder().no_gzip().build()?;
        Ok(Downloader::with_client(
            http,
            self.retry.clone(),
            self.idle_timeout,
            self.header_timeout,
        ))
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

/// Writes the setters every SDK client builder shares, as inherent methods
/// (no trait to import), over the [`ClientConfig`] the builder keeps in its
/// `config` field: `api_url`, the timeouts, `max_json_body`, `max_pages`,
/// `user_agent`, `retry`, `clock` and `http_client`; with `hub`, also
/// `hub_url`. `impl<C> Builder<C>` writes them for a generic builder.
/// Defined once here, expanded where each builder is defined.
#[macro_export]
macro_rules! builder_setters {
    (impl<$($generic:ident)?> $builder:ty, hub) => {
        $crate::builder_setters!(impl<$($generic)?> $builder);

        impl<$($generic)?> $builder {
            /// Docker Hub's base URL, where tokens come from (default
            /// `https://hub.docker.com`).
            pub fn hub_url(mut self, url: impl Into<String>) -> Self {
                self.config.hub_url = url.into();
                self
            }

            /// Keeps fetched tokens in `store` between runs (e.g. a
            /// [`FileTokenStore`](sdk_core::FileTokenStore) in the user's
            /// cache folder): the next process reuses a token until shortly
            /// before it expires, without logging in or asking for a
            /// one-time code. A token the API rejects is removed.
            pub fn token_store(mut self, store: impl $crate::TokenStore) -> Self {
                self.config.token_store = Some(std::sync::Arc::new(store));
                self
            }
        }
    };
    (impl<$($generic:ident)?> $builder:ty) => {
        impl<$($generic)?> $builder {
            /// The data API's base URL (default: Docker's production URL).
            pub fn api_url(mut self, url: impl Into<String>) -> Self {
                self.config.api_url = url.into();
                self
            }

            /// Time allowed to open a connection (default 10 s).
            pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.config.connect_timeout = timeout;
                self
            }

            /// Time allowed for one JSON call, retries not included
            /// (default 30 s).
            pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.config.request_timeout = timeout;
                self
            }

            /// Time a download (or a streamed body) may go without receiving
            /// a byte (default 30 s).
            pub fn idle_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.config.idle_timeout = timeout;
                self
            }

            /// Time a download may wait for the object store's response
            /// headers (default 30 s).
            pub fn header_timeout(mut self, timeout: std::time::Duration) -> Self {
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

            /// Retry policy of every request and transfer.
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

            /// Configures the `reqwest` clients the SDK builds (a proxy, a
            /// custom root certificate, TLS settings): `configure` gets each
            /// builder and returns it. The SDK's own settings come after
            /// (see [`ClientConfig::http_client`](sdk_core::ClientConfig::http_client)):
            /// redirects are never followed, whatever `configure` says.
            pub fn http_client(
                mut self,
                configure: impl Fn(
                    $crate::__private::reqwest::ClientBuilder,
                ) -> $crate::__private::reqwest::ClientBuilder
                + Send
                + Sync
                + 'static,
            ) -> Self {
                self.config = self.config.http_client(configure);
                self
            }
        }
    };
    ($builder:ty) => {
        $crate::builder_setters!(impl<> $builder);
    };
    ($builder:ty, hub) => {
        $crate::builder_setters!(impl<> $builder, hub);
    };
}
