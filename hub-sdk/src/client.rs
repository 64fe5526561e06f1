//! The Hub client: construction, the action catalogue and the member export.

use std::path::Path;
use std::sync::Arc;

use hub_auth::{Credentials, TokenCache};
use sdk_core::ClientConfig;

use crate::error::{Error, Result, hint};
use crate::generated::{self, types};
use sdk_core::CallExt as _;

/// Client of Docker Hub's organization data. Cheap to clone; clones share
/// the token cache, the connection pool and the rate-limit state.
///
/// ```no_run
/// # async fn run() -> docker_hub_sdk::Result<()> {
/// use futures::TryStreamExt;
/// let client = docker_hub_sdk::HubClient::new(docker_hub_sdk::Credentials::organization("my-org", "dckr_oat_…"))?;
/// let events: Vec<_> = client
///     .audit_logs("my-org", docker_hub_sdk::AuditLogQuery::new().action("repo.tag.push"))
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct HubClient {
    pub(crate) api: generated::Client,
    pub(crate) tokens: TokenCache,
    pub(crate) config: Arc<ClientConfig>,
}

/// Configures a [`HubClient`]: the login builder every client that logs
/// in at Docker Hub shares.
pub type HubClientBuilder = hub_auth::LoginBuilder<HubClient>;

impl hub_auth::FromLogin for HubClient {
    // The data lives on the Hub itself.
    const DEFAULT_API_URL: &'static str = hub_auth::DEFAULT_HUB_URL;
    const OPERATIONS: &'static [sdk_core::hooks::Operation] = generated::OPERATIONS;

    fn from_login(login: hub_auth::LoggedIn) -> Result<Self> {
        let base = login.config.api_base();
        Ok(HubClient {
            api: generated::Client::new_with_client(base, login.http, login.context),
            tokens: login.tokens,
            config: Arc::new(login.config),
        })
    }
}

impl HubClient {
    /// A client for Docker Hub with an organization access token
    /// (`Credentials::organization`) or a user's password or personal
    /// access token (`Credentials::login`).
    pub fn new(credentials: Credentials) -> Result<Self> {
        Self::builder(credentials).build()
    }

    /// Starts configuring a client.
    pub fn builder(credentials: Credentials) -> HubClientBuilder {
        HubClientBuilder::new(credentials)
    }

    /// The generated client, for calls this layer does not wrap. It carries
    /// the same auth, retries, rate-limit pacing and tracing.
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// The token cache.
    pub fn token_cache(&self) -> &TokenCache {
        &self.tokens
    }

    /// The rate limit as Docker Hub's last answer stated it
    /// (`X-RateLimit-Limit`, `-Remaining`, `-Reset`), to pace a long run;
    /// `None` until an answer carries the headers. When none remain, the
    /// next call waits for the reset by itself.
    pub fn rate_limit(&self) -> Option<sdk_core::RateLimit> {
        use generated::ClientInfo as _;
        self.api.inner().rate_limit()
    }

    /// The catalogue of audit-log actions of `account`, by category.
    pub async fn audit_actions(&self, account: &str) -> Result<types::GetAuditActionsResponse> {
        let account = crate::validate::name("account", account)?;
        self.api
            .audit_logs_list_audit_actions()
            .account(account)
            .send()
            .sdk(hint, "listing audit actions")
            .await
    }

    /// Exports the members of `org` as CSV to `dest`, atomically (`.part`,
    /// fsync, rename); returns the bytes written. Read it back with
    /// [`rows::member_rows`](crate::rows::member_rows).
    pub async fn export_members(&self, org: &str, dest: impl AsRef<Path>) -> Result<u64> {
        let org = crate::validate::name("organization", org)?;
        let body = match self.api.export_org_members().org_name(org).send().await {
            Ok(response) => response.into_inner().into_inner(),
            Err(err) => {
                return Err(Error::from_generated("exporting members", err)
                    .await
                    .hinted(hint));
            }
        };
        Ok(sdk_core::download::save_stream(
            body,
            dest.as_ref(),
            &format!("the member export of {org}"),
            self.config.idle_timeout,
        )
        .await?)
    }
}
