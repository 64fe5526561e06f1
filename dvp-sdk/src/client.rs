//! The DVP client: construction and one typed call per operation.

use hub_auth::{Credentials, TokenCache};
use sdk_core::download::Downloader;

use crate::error::{Error, Result, hint};
use crate::generated::{self, types};
use crate::model::{Dataview, ExportFile, Timespan, TimespanKind};
use crate::validate;
use sdk_core::CallExt as _;

/// Client of the DVP Data API. Cheap to clone; clones share the token cache
/// and connection pool.
///
/// ```no_run
/// # async fn run() -> dvp_sdk::Result<()> {
/// let client = dvp_sdk::DvpClient::new("my-user", "dckr_pat_…")?;
/// for namespace in client.namespaces().await? {
///     println!("{namespace}: years {:?}", client.years(&namespace).await?);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct DvpClient {
    pub(crate) api: generated::Client,
    pub(crate) tokens: TokenCache,
    pub(crate) downloader: Downloader,
}

/// Configures a [`DvpClient`]: the login builder every client that logs
/// in at Docker Hub shares.
pub type DvpClientBuilder = hub_auth::LoginBuilder<DvpClient>;

impl hub_auth::FromLogin for DvpClient {
    const DEFAULT_API_URL: &'static str = crate::DEFAULT_DVP_URL;
    const OPERATIONS: &'static [sdk_core::hooks::Operation] = generated::OPERATIONS;

    fn from_login(login: hub_auth::LoggedIn) -> Result<Self> {
        let base = login.config.api_base();
        Ok(DvpClient {
            api: generated::Client::new_with_client(base, login.http, login.context),
            tokens: login.tokens,
            downloader: login.config.downloader()?,
        })
    }
}

impl DvpClient {
    /// A client for Docker's production APIs, logging in with a user name
    /// and a password or personal access token.
    pub fn new(username: impl Into<String>, password_or_pat: impl Into<String>) -> Result<Self> {
        Self::builder(Credentials::login(username, password_or_pat)).build()
    }

    /// Starts configuring a client.
    pub fn builder(credentials: Credentials) -> DvpClientBuilder {
        DvpClientBuilder::new(credentials)
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

    /// The token cache (to see how many logins were made, or to log in early).
    pub fn token_cache(&self) -> &TokenCache {
        &self.tokens
    }

    /// Namespaces (and repositories) the account has data for.
    pub async fn namespaces(&self) -> Result<Vec<String>> {
        Ok(self
            .api
            .get_namespaces()
            .send()
            .sdk(hint, "listing namespaces")
            .await?
            .namespaces)
    }

    /// Metadata of a namespace: datasets with their views and timespan
    /// types, and extra repositories.
    pub async fn namespace(&self, namespace: &str) -> Result<types::NamespaceMetadata> {
        let namespace = validate::namespace(namespace)?;
        self.api
            .get_namespace()
            .namespace(namespace)
            .send()
            .sdk(hint, format!("getting namespace {namespace}"))
            .await
    }

    /// Years with data for a namespace, ascending.
    pub async fn years(&self, namespace: &str) -> Result<Vec<i32>> {
        let namespace = validate::namespace(namespace)?;
        let operation = || format!("listing years of {namespace}");
        let data = self
            .api
            .get_namespace_years()
            .namespace(namespace)
            .send()
            .sdk(hint, operation())
            .await?;
        let mut years = data
            .years
            .iter()
            .filter_map(|y| y.year)
            .map(|y| {
                i32::try_from(y)
                    .map_err(|_| decode_error(operation(), format!("year {y} is out of range")))
            })
            .collect::<Result<Vec<_>>>()?;
        years.sort_unstable();
        Ok(years)
    }

    /// Months or weeks of a year with data, ascending.
    pub async fn timespans(
        &self,
        namespace: &str,
        year: i32,
        kind: TimespanKind,
    ) -> Result<Vec<Timespan>> {
        let namespace = validate::namespace(namespace)?;
        let year = validate::year(year)?;
        if let TimespanKind::Other(other) = &kind {
            return Err(Error::invalid_input(
                "timespan type",
                format!("{other:?}: this SDK knows months and weeks"),
            ));
        }
        let operation = || format!("listing {kind} of {namespace} {year}");
        let data = self
            .api
            .get_namespace_timespans()
            .namespace(namespace)
            .year(i64::from(year))
            .timespantype(kind.clone())
            .send()
            .sdk(hint, operation())
            .await?;
        let mut spans = match data {
            types::TimespanData::MonthData(months) => months
                .months
                .iter()
                .map(|m| number(m.month).map(Timespan::Month))
                .collect::<Option<Vec<_>>>(),
            types::TimespanData::WeekData(weeks) => weeks
                .weeks
                .iter()
                .map(|w| number(w.week).map(Timespan::Week))
                .collect::<Option<Vec<_>>>(),
        }
        .ok_or_else(|| decode_error(operation(), "a month or week number is out of range"))?;
        spans.sort_unstable();
        Ok(spans)
    }

    /// Metadata of one month or week.
    pub async fn timespan(
        &self,
        namespace: &str,
        year: i32,
        timespan: Timespan,
    ) -> Result<types::TimespanModel> {
        let namespace = validate::namespace(namespace)?;
        let year = validate::year(year)?;
        let timespan = validate::timespan(timespan)?;
        self.api
            .get_namespace_timespan_metadata()
            .namespace(namespace)
            .year(i64::from(year))
            .timespantype(timespan.kind())
            .timespan(i64::from(timespan.number()))
            .send()
            .sdk(hint, format!("getting {timespan} of {namespace} {year}"))
            .await
    }

    /// The files of one dataview of one month or week.
    pub async fn files(
        &self,
        namespace: &str,
        year: i32,
        timespan: Timespan,
        dataview: Dataview,
    ) -> Result<Vec<ExportFile>> {
        let namespace = validate::namespace(namespace)?;
        let year = validate::year(year)?;
        let timespan = validate::timespan(timespan)?;
        let data = self
            .api
            .get_namespace_data_by_timespan()
            .namespace(namespace)
            .year(i64::from(year))
            .timespantype(timespan.kind())
            .timespan(i64::from(timespan.number()))
            .dataview(dataview.clone())
            .send()
            .sdk(
                hint,
                format!("listing {dataview} files of {namespace} {year} {timespan}"),
            )
            .await?;
        Ok(data
            .data
            .into_iter()
            .enumerate()
            .filter_map(|(index, file)| {
                Some(ExportFile {
                    namespace: namespace.to_owned(),
                    year,
                    timespan,
                    dataview: dataview.clone(),
                    index,
                    url: file.url?,
                    size: file.size.and_then(|s| u64::try_from(s).ok()),
                })
            })
            .collect())
    }
}

fn number(value: i64) -> Option<u32> {
    u32::try_from(value).ok()
}

fn decode_error(operation: String, message: impl Into<String>) -> Error {
    Error::new(sdk_core::ErrorKind::Decode, operation, message.into())
}
