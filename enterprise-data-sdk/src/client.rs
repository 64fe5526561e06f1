//! The Enterprise Data client: construction and the single-call operations.

use std::sync::Arc;

use hub_auth::{Credentials, TokenCache};
use reqwest::header::LOCATION;
use sdk_core::download::Downloader;
use sdk_core::{ApiContext, ClientConfig, StaticToken, TokenSource};

use crate::error::{Error, ErrorKind, Result, hint};
use crate::generated::{self, types};
use crate::report_id::ReportId;
use crate::validate;
use sdk_core::CallExt as _;

/// Client of the Enterprise Data API for one organization. Cheap to clone;
/// clones share the token cache and connection pool.
///
/// ```no_run
/// use futures::TryStreamExt;
///
/// # async fn run() -> enterprise_data_sdk::Result<()> {
/// let client = enterprise_data_sdk::EnterpriseClient::new("my-org", "dckr_oat_…")?;
/// let reports: Vec<_> = client.reports("usage_pulls", "daily").try_collect().await?;
/// if let Some(newest) = reports.first() {
///     client.download(newest, "newest.csv").await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct EnterpriseClient {
    pub(crate) org: String,
    pub(crate) api: generated::Client,
    pub(crate) tokens: Option<TokenCache>,
    pub(crate) downloader: Downloader,
    pub(crate) max_pages: usize,
}

/// What the client sends as its bearer token. Docker documents both: the
/// API reference names the OAT itself, the usage-reports guide trades it
/// for a short-lived JWT at Docker Hub first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthMode {
    /// Exchange the OAT at Docker Hub (`POST /v2/auth/token`) for a JWT,
    /// cache it, refresh it before it expires and once on a 401.
    #[default]
    Exchange,
    /// Send the OAT itself; Docker Hub is never contacted, and a 401 is
    /// returned as it is.
    Direct,
}

impl AuthMode {
    /// `exchange` or `direct`, as the CLI and environment spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Exchange => "exchange",
            AuthMode::Direct => "direct",
        }
    }
}

impl std::fmt::Display for AuthMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AuthMode {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        match value {
            "exchange" => Ok(AuthMode::Exchange),
            "direct" => Ok(AuthMode::Direct),
            other => Err(Error::invalid_input(
                "auth mode",
                format!("{other:?}: expected exchange or direct"),
            )),
        }
    }
}

/// Configures an [`EnterpriseClient`].
#[derive(Debug)]
pub struct EnterpriseClientBuilder {
    org: String,
    oat: secrecy::SecretString,
    auth_mode: AuthMode,
    config: ClientConfig,
}

sdk_core::builder_setters!(EnterpriseClientBuilder, hub);

impl EnterpriseClientBuilder {
    /// How the OAT authenticates requests (default [`AuthMode::Exchange`]).
    pub fn auth_mode(mut self, mode: AuthMode) -> Self {
        self.auth_mode = mode;
        self
    }

    /// Builds the client; fails if the organization name is not valid.
    /// Nothing is sent until the first call.
    pub fn build(self) -> Result<EnterpriseClient> {
        use secrecy::ExposeSecret;
        validate::segment("organization", &self.org)?;
        let http = self.config.json_client()?;
        let (tokens, source): (Option<TokenCache>, Arc<dyn TokenSource>) = match self.auth_mode {
            AuthMode::Exchange => {
                let credentials =
                    Credentials::organization(self.org.clone(), self.oat.expose_secret());
                let tokens = TokenCache::builder(&self.config.hub_url, credentials, http.clone())
                    .for_client(&self.config, None)
                    .build();
                (Some(tokens.clone()), Arc::new(tokens))
            }
            AuthMode::Direct => (None, Arc::new(StaticToken::new(self.oat.expose_secret()))),
        };
        let context = self
            .config
            .api_context(ApiContext::with_token_source(source), generated::OPERATIONS);
        let api = generated::Client::new_with_client(self.config.api_base(), http, context);
        Ok(EnterpriseClient {
            org: self.org,
            api,
            tokens,
            downloader: self.config.downloader()?,
            max_pages: self.config.max_pages,
        })
    }
}

impl EnterpriseClient {
    /// A client for Docker's production APIs: `org` and one of its
    /// organization access tokens (with the Report Read scope).
    pub fn new(org: impl Into<String>, oat: impl Into<String>) -> Result<Self> {
        Self::builder(org, oat).build()
    }

    /// Starts configuring a client.
    pub fn builder(org: impl Into<String>, oat: impl Into<String>) -> EnterpriseClientBuilder {
        EnterpriseClientBuilder {
            org: org.into(),
            oat: secrecy::SecretString::from(oat.into()),
            auth_mode: AuthMode::default(),
            config: ClientConfig::new(hub_auth::DEFAULT_HUB_URL, crate::DEFAULT_ENTERPRISE_URL),
        }
    }

    /// The organization.
    pub fn org(&self) -> &str {
        &self.org
    }

    /// The generated client, for calls this layer does not wrap. It carries
    /// the same auth, retries and tracing.
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// The rate limit as the API's last answer stated it
    /// (`X-RateLimit-Limit`, `-Remaining`, `-Reset`), to pace a long run;
    /// `None` until an answer carries the headers. When none remain, the
    /// next call waits for the reset by itself.
    pub fn rate_limit(&self) -> Option<sdk_core::RateLimit> {
        use generated::ClientInfo as _;
        self.api.inner().rate_limit()
    }

    /// The token cache (to see how many exchanges were made); `None` in
    /// [`AuthMode::Direct`], where no token is fetched.
    pub fn token_cache(&self) -> Option<&TokenCache> {
        self.tokens.as_ref()
    }

    /// Report type and cadence pairs available to the organization.
    pub async fn report_types(&self) -> Result<Vec<types::ReportTypeInfo>> {
        Ok(self
            .api
            .list_report_types()
            .org_name(self.org.as_str())
            .send()
            .sdk(hint, format!("listing report types of {}", self.org))
            .await?
            .report_types)
    }

    /// The columns of a report's CSV (`&Report` or a [`ReportId`]).
    pub async fn schema(&self, report: impl Into<ReportId>) -> Result<types::ReportSchema> {
        let report = report.into();
        let report = &report;
        let (kind, cadence) = self.report_path(report)?;
        self.api
            .get_report_schema()
            .org_name(self.org.as_str())
            .type_(kind)
            .cadence(cadence)
            .date(report.date())
            .send()
            .sdk(
                hint,
                format!("getting the schema of {}", describe(&self.org, report)),
            )
            .await
    }

    /// The pre-signed URL of a report's CSV, valid about 15 minutes. The API
    /// answers with a redirect that the client does not follow, so the bearer
    /// token never reaches the object store.
    pub async fn download_url(&self, report: impl Into<ReportId>) -> Result<String> {
        let report = report.into();
        let report = &report;
        let (kind, cadence) = self.report_path(report)?;
        let operation = || {
            format!(
                "getting the download link of {}",
                describe(&self.org, report)
            )
        };
        let result = self
            .api
            .get_report_download_url()
            .org_name(self.org.as_str())
            .type_(kind)
            .cadence(cadence)
            .date(report.date())
            .send()
            .await;
        match result {
            Err(generated::Error::UnexpectedResponse(response))
                if response.status().is_redirection() =>
            {
                response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::Decode,
                            operation(),
                            format!(
                                "HTTP {} without a Location header",
                                response.status().as_u16()
                            ),
                        )
                    })
            }
            Ok(response) => Err(Error::new(
                ErrorKind::Decode,
                operation(),
                format!(
                    "HTTP {} where a redirect was expected",
                    response.status().as_u16()
                ),
            )),
            Err(err) => Err(Error::from_generated(operation(), err).await.hinted(hint)),
        }
    }

    pub(crate) fn report_path<'a>(&self, report: &'a ReportId) -> Result<(&'a str, &'a str)> {
        Ok((
            validate::segment("report type", report.report_type().as_str())?,
            validate::segment("cadence", report.cadence().as_str())?,
        ))
    }
}

/// `report usage_pulls/daily/2026-06-16 of my-org`, for messages.
pub(crate) fn describe(org: &str, report: &ReportId) -> String {
    format!("report {report} of {org}")
}
