//! The Enterprise Data client: construction and the single-call operations.

use std::sync::Arc;

use hub_auth::{Credentials, TokenCache};
use reqwest::header::LOCATION;
use sdk_core::download::Downloader;
use sdk_core::error::Failure;
use sdk_core::{ApiContext, ClientConfig, TokenSource};

use crate::error::{Error, Result};
use crate::generated::{self, types};
use crate::validate;

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
///     client.download(newest, "newest.csv".as_ref()).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct EnterpriseClient {
    pub(crate) org: String,
    pub(crate) api: generated::Client,
    pub(crate) tokens: TokenCache,
    pub(crate) downloader: Downloader,
}

/// Configures an [`EnterpriseClient`].
#[derive(Debug)]
pub struct EnterpriseClientBuilder {
    org: String,
    oat: secrecy::SecretString,
    config: ClientConfig,
}

impl EnterpriseClientBuilder {
    sdk_core::client_config_setters!();

    /// Builds the client; fails if the organization name is not valid.
    /// Nothing is sent until the first call.
    pub fn build(self) -> Result<EnterpriseClient> {
        use secrecy::ExposeSecret;
        validate::segment("organization", &self.org)?;
        let http = self.config.json_client()?;
        let credentials = Credentials::organization(self.org.clone(), self.oat.expose_secret());
        let tokens = TokenCache::new(
            &self.config.hub_url,
            credentials,
            http.clone(),
            self.config.retry.clone(),
        );
        let source: Arc<dyn TokenSource> = Arc::new(tokens.clone());
        let context = ApiContext::with_token_source(source)
            .with_retry(self.config.retry.clone())
            .with_operations(generated::OPERATIONS);
        let api = generated::Client::new_with_client(self.config.api_base(), http, context);
        Ok(EnterpriseClient {
            org: self.org,
            api,
            tokens,
            downloader: self.config.downloader()?,
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

    /// The token cache (to see how many exchanges were made).
    pub fn token_cache(&self) -> &TokenCache {
        &self.tokens
    }

    /// Report type and cadence pairs available to the organization.
    pub async fn report_types(&self) -> Result<Vec<types::ReportTypeInfo>> {
        match self
            .api
            .list_report_types()
            .org_name(self.org.as_str())
            .send()
            .await
        {
            Ok(response) => Ok(response.into_inner().report_types),
            Err(err) => Err(Error::from_generated(
                format!("listing report types of {}", self.org),
                err,
            )
            .await),
        }
    }

    /// The columns of a report's CSV.
    pub async fn schema(&self, report: &types::Report) -> Result<types::ReportSchema> {
        let (kind, cadence) = self.report_path(report)?;
        match self
            .api
            .get_report_schema()
            .org_name(self.org.as_str())
            .type_(kind)
            .cadence(cadence)
            .date(report.date)
            .send()
            .await
        {
            Ok(response) => Ok(response.into_inner()),
            Err(err) => Err(Error::from_generated(
                format!("getting the schema of {}", describe(&self.org, report)),
                err,
            )
            .await),
        }
    }

    /// The pre-signed URL of a report's CSV, valid about 15 minutes. The API
    /// answers with a redirect that the client does not follow, so the bearer
    /// token never reaches the object store.
    pub async fn download_url(&self, report: &types::Report) -> Result<String> {
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
            .date(report.date)
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
                    .ok_or_else(|| Error::Api {
                        operation: operation(),
                        failure: Failure::Decode(format!(
                            "HTTP {} without a Location header",
                            response.status().as_u16()
                        )),
                    })
            }
            Ok(response) => Err(Error::Api {
                operation: operation(),
                failure: Failure::Decode(format!(
                    "HTTP {} where a redirect was expected",
                    response.status().as_u16()
                )),
            }),
            Err(err) => Err(Error::from_generated(operation(), err).await),
        }
    }

    pub(crate) fn report_path<'a>(&self, report: &'a types::Report) -> Result<(&'a str, &'a str)> {
        Ok((
            validate::segment("report type", &report.report_type)?,
            validate::segment("cadence", &report.cadence)?,
        ))
    }
}

/// `usage_pulls/daily/2026-06-16 of my-org`, for messages.
pub(crate) fn describe(org: &str, report: &types::Report) -> String {
    format!(
        "report {}/{}/{} of {org}",
        report.report_type, report.cadence, report.date
    )
}
