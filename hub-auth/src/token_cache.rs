//! A cached Docker Hub JWT, refreshed shortly before it expires, fetched once
//! however many requests ask at the same time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use sdk_core::{ApiContext, AuthError, RetryPolicy, TokenSource, TokenStore};
use secrecy::{ExposeSecret, SecretString};

use crate::credentials::{Credentials, OtpProvider};
use crate::generated::{self, types};

/// A token is replaced when less than this much of its life remains.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Assumed lifetime of a token whose `exp` cannot be read.
pub const LIFETIME_WITHOUT_EXP: Duration = Duration::from_secs(5 * 60);

/// Logs in to Docker Hub and caches the JWT. Cheap to clone; clones share
/// the cache.
///
/// Implements [`TokenSource`], so it plugs into every generated client of
/// the workspace.
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<Inner>,
}

struct Inner {
    hub: generated::Client,
    credentials: Credentials,
    otp: Option<OtpProvider>,
    margin: Duration,
    clock: sdk_core::Clock,
    // Tokens kept between runs, under `store_key`.
    store: Option<Arc<dyn TokenStore>>,
    store_key: String,
    cached: RwLock<Option<Cached>>,
    // Held while a token is fetched, so concurrent callers wait for that one
    // fetch instead of starting their own. It holds the last fetch's
    // failure, if it failed.
    refreshing: tokio::sync::Mutex<Option<AuthError>>,
    // Fetches finished so far (counted under the lock): a waiter that sees
    // it change while it waited shares that fetch's outcome.
    fetches_done: AtomicU64,
    token_requests: AtomicU64,
}

struct Cached {
    token: SecretString,
    refresh_at: SystemTime,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field(
                "hub",
                &progenitor_client::ClientInfo::baseurl(&self.inner.hub),
            )
            .field("credentials", &self.inner.credentials)
            .field("two_factor", &self.inner.otp.is_some())
            .field("refresh_margin", &self.inner.margin)
            .field("token_requests", &self.token_requests())
            .finish()
    }
}

/// Configures a [`TokenCache`]; every setting is fixed once it is built,
/// so all clones of the cache share the same ones.
pub struct TokenCacheBuilder {
    hub_url: String,
    credentials: Credentials,
    http: reqwest::Client,
    retry: RetryPolicy,
    otp: Option<OtpProvider>,
    margin: Duration,
    clock: sdk_core::Clock,
    store: Option<Arc<dyn TokenStore>>,
}

impl std::fmt::Debug for TokenCacheBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCacheBuilder")
            .field("hub_url", &self.hub_url)
            .field("credentials", &self.credentials)
            .field("two_factor", &self.otp.is_some())
            .field("refresh_margin", &self.margin)
            .field("store", &self.store)
            .finish()
    }
}

impl TokenCacheBuilder {
    /// Retry policy of the token requests (default: the SDK's default).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Answers Docker Hub's second-factor challenge with codes from `otp`.
    pub fn otp(mut self, otp: OtpProvider) -> Self {
        self.otp = Some(otp);
        self
    }

    /// Replaces tokens when less than `margin` of their life remains
    /// (default [`DEFAULT_REFRESH_MARGIN`]).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Reads the time from `clock` instead of the system clock, so tests
    /// can move time without sleeping.
    pub fn clock(mut self, clock: sdk_core::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Keeps tokens in `store` between runs, under a key naming the Hub
    /// URL and the identity ([`store_key`]): a fresh one found there is used
    /// without logging in, each new one is saved, a rejected one removed.
    pub fn store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Takes the retry policy, clock and token store of a client's
    /// configuration, and the one-time codes when there are any: what
    /// every SDK client's builder does.
    pub fn for_client(mut self, config: &sdk_core::ClientConfig, otp: Option<OtpProvider>) -> Self {
        self.retry = config.retry.clone();
        self.clock = config.clock.clone();
        if let Some(store) = &config.token_store {
            self.store = Some(store.clone());
        }
        if otp.is_some() {
            self.otp = otp;
        }
        self
    }

    /// The cache. Nothing is sent until the first token is asked for.
    pub fn build(self) -> TokenCache {
        let hub = generated::Client::new_with_client(
            self.hub_url.trim_end_matches('/'),
            self.http,
            ApiContext::anonymous()
                .with_retry(self.retry)
                .with_operations(generated::OPERATIONS),
        );
        let store_key = store_key(&self.hub_url, self.credentials.identity());
        TokenCache {
            inner: Arc::new(Inner {
                hub,
                store: self.store,
                store_key,
                credentials: self.credentials,
                otp: self.otp,
                margin: self.margin,
                clock: self.clock,
                cached: RwLock::new(None),
                refreshing: tokio::sync::Mutex::new(None),
                fetches_done: AtomicU64::new(0),
                token_requests: AtomicU64::new(0),
            }),
        }
    }
}

impl TokenCache {
    /// A cache with default settings that logs in at `hub_url` (e.g.
    /// [`crate::DEFAULT_HUB_URL`]) through `http` (build it with
    /// `sdk_core::http::client_builder`).
    pub fn new(
        hub_url: &str,
        credentials: Credentials,
        http: reqwest::Client,
        retry: RetryPolicy,
    ) -> Self {
        Self::builder(hub_url, credentials, http)
            .retry(retry)
            .build()
    }

    /// Starts configuring a cache (second factor, refresh margin, clock).
    pub fn builder(
        hub_url: &str,
        credentials: Credentials,
        http: reqwest::Client,
    ) -> TokenCacheBuilder {
        TokenCacheBuilder {
            hub_url: hub_url.to_owned(),
            credentials,
            http,
            retry: RetryPolicy::default(),
            otp: None,
            margin: DEFAULT_REFRESH_MARGIN,
            clock: sdk_core::Clock::system(),
            store: None,
        }
    }

    /// How many token requests (login, 2FA step, exchange) were sent so far.
    pub fn token_requests(&self) -> u64 {
        self.inner.token_requests.load(Ordering::Relaxed)
    }

    /// The cached token if it is still fresh.
    fn fresh(&self) -> Option<SecretString> {
        let cached = self.inner.cached.read().ok()?;
        let cached = cached.as_ref()?;
        (self.inner.clock.now() < cached.refresh_at).then(|| cached.token.clone())
    }

    async fn token_single_flight(&self) -> Result<SecretString, AuthError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let before = self.inner.fetches_done.load(Ordering::Acquire);
        let mut last_failure = self.inner.refreshing.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token); // another caller refreshed while we waited
        }
        if self.inner.fetches_done.load(Ordering::Acquire) != before
            && let Some(failure) = &*last_failure
        {
            // The fetch this caller waited for failed: share its answer
            // (one login, one OTP prompt per failure, not one per waiter).
            return Err(failure.clone());
        }
        if let Some(token) = self.saved_token() {
            return Ok(token);
        }
        let fetched = self.fetch().await;
        // Counted under the lock, so a waiter sees this fetch finished.
        self.inner.fetches_done.fetch_add(1, Ordering::AcqRel);
        let token = match fetched {
            Ok(token) => {
                *last_failure = None;
                token
            }
            Err(failure) => {
                *last_failure = Some(failure.clone());
                return Err(failure);
            }
        };
        self.keep(&token);
        Ok(token)
    }

    /// Asks Docker Hub for a new token even when one is cached (to check
    /// credentials), then keeps it as any fetched token is kept.
    pub async fn renew(&self) -> Result<SecretString, AuthError> {
        let token = self.fetch().await?;
        self.keep(&token);
        Ok(token)
    }

    /// Caches a fetched token in memory and in the store.
    fn keep(&self, token: &SecretString) {
        if let Some(store) = &self.inner.store
            && let Err(e) = store.save(&self.inner.store_key, token)
        {
            tracing::warn!("keeping the token for the next run: {e}");
        }
        self.remember(token, self.refresh_at(token));
    }

    /// A token saved by an earlier run that is still fresh, now cached in
    /// memory too.
    fn saved_token(&self) -> Option<SecretString> {
        let token = self.inner.store.as_ref()?.load(&self.inner.store_key)?;
        let now = self.inner.clock.now();
        let exp = crate::jwt::expiry(token.expose_secret())?;
        let refresh_at = refresh_time(Some(exp), self.inner.margin, now);
        (now < refresh_at).then(|| {
            self.remember(&token, refresh_at);
            token
        })
    }

    fn remember(&self, token: &SecretString, refresh_at: SystemTime) {
        if let Ok(mut cached) = self.inner.cached.write() {
            *cached = Some(Cached {
                token: token.clone(),
                refresh_at,
            });
        }
    }

    /// When a token just fetched is replaced.
    fn refresh_at(&self, token: &SecretString) -> SystemTime {
        let margin = self.inner.margin;
        let now = self.inner.clock.now();
        let exp = crate::jwt::expiry(token.expose_secret());
        match exp {
            Some(exp) if exp <= now => {
                // Clock skew, or a server that issues stale tokens: fetching
                // again would give the same. Use it until the API says 401.
                tracing::warn!(
                    "the new token's exp is already past (is this machine's clock right?); using it until the API rejects it"
                );
                now + LIFETIME_WITHOUT_EXP
            }
            exp => refresh_time(exp, margin, now),
        }
    }

    /// Asks Docker Hub for a new token, bypassing the cache.
    pub async fn fetch(&self) -> Result<SecretString, AuthError> {
        match &self.inner.credentials {
            Credentials::Login { username, password } => self.login(username, password).await,
            Credentials::Exchange { identifier, secret } => self.exchange(identifier, secret).await,
        }
    }

    async fn exchange(
        &self,
        identifier: &str,
        secret: &SecretString,
    ) -> Result<SecretString, AuthError> {
        self.inner.token_requests.fetch_add(1, Ordering::Relaxed);
        let body = types::CreateAccessTokenBody {
            identifier: identifier.to_owned(),
            secret: secret.expose_secret().to_owned(),
        };
        match self.inner.hub.create_access_token().body(body).send().await {
            Ok(response) => Ok(SecretString::from(response.into_inner().access_token)),
            Err(err) => Err(auth_error(
                sdk_core::Error::from_generated(
                    format!("exchanging the access token of {identifier}"),
                    err,
                )
                .await,
            )),
        }
    }

    async fn login(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<SecretString, AuthError> {
        self.inner.token_requests.fetch_add(1, Ordering::Relaxed);
        let body = types::PostUsersLoginBody {
            username: username.to_owned(),
            password: password.expose_secret().to_owned(),
        };
        let what = format!("logging in to Docker Hub as {username}");
        let challenge = match self.inner.hub.post_users_login().body(body).send().await {
            Ok(response) => return token_of(response.into_inner(), &what),
            Err(generated::Error::ErrorResponse(response)) if response.status() == 401 => {
                let body = response.into_inner();
                match body.login_2fa_token.filter(|t| !t.is_empty()) {
                    Some(challenge) => SecretString::from(challenge),
                    None => {
                        // Built through the one error, so an echoed secret
                        // in `detail` is redacted.
                        let error = sdk_core::Error::status_error(&*what, 401, &body.detail)
                            .with_hint(
                                "check the user name and the password or personal access token",
                            );
                        return Err(AuthError::new(error.to_string(), Some(401)));
                    }
                }
            }
            Err(err) => {
                return Err(auth_error(
                    sdk_core::Error::from_generated(&*what, err).await,
                ));
            }
        };

        let Some(otp) = &self.inner.otp else {
            return Err(AuthError::new(
                format!(
                    "{what}: the account requires two-factor authentication, and no one-time code provider was configured (pass --otp, or set one with the builder's otp())"
                ),
                Some(401),
            ));
        };
        let code = otp
            .code()
            .await
            .map_err(|why| AuthError::new(format!("{what}: no one-time code: {why}"), None))?;
        self.inner.token_requests.fetch_add(1, Ordering::Relaxed);
        let body = types::PostUsers2FaLoginBody {
            login_2fa_token: challenge.expose_secret().to_owned(),
            code: code.expose_secret().to_owned(),
        };
        let what = format!("{what} (second factor)");
        match self
            .inner
            .hub
            .post_users2_fa_login()
            .body(body)
            .send()
            .await
        {
            Ok(response) => token_of(response.into_inner(), &what),
            Err(err) => Err(auth_error(sdk_core::Error::from_generated(what, err).await)),
        }
    }
}

impl TokenSource for TokenCache {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, AuthError>> {
        Box::pin(self.token_single_flight())
    }

    fn invalidate(&self, rejected: &SecretString) {
        if let Ok(mut cached) = self.inner.cached.write()
            && cached
                .as_ref()
                .is_some_and(|c| c.token.expose_secret() == rejected.expose_secret())
        {
            *cached = None;
        }
        // The saved copy goes too, unless another run already replaced it.
        if let Some(store) = &self.inner.store
            && store
                .load(&self.inner.store_key)
                .is_some_and(|saved| saved.expose_secret() == rejected.expose_secret())
            && let Err(e) = store.remove(&self.inner.store_key)
        {
            tracing::warn!("removing a rejected token from the token store: {e}");
        }
    }
}

/// The key a [`TokenStore`] keeps the token of `identity` (a user name or
/// an organization) at `hub_url` under: never the secret.
pub fn store_key(hub_url: &str, identity: &str) -> String {
    format!("{}\n{identity}", hub_url.trim_end_matches('/'))
}

/// When to replace a token that expires at `exp`: `margin` before it, but
/// never later than half-way through what is left, so a token that lives
/// less than the margin is still reused for a while.
pub fn refresh_time(exp: Option<SystemTime>, margin: Duration, now: SystemTime) -> SystemTime {
    let exp = exp.unwrap_or(now + LIFETIME_WITHOUT_EXP);
    let left = exp.duration_since(now).unwrap_or(Duration::ZERO);
    if left > margin.saturating_mul(2) {
        exp - margin
    } else {
        now + left / 2
    }
}

fn token_of(body: types::LoginResponse, what: &str) -> Result<SecretString, AuthError> {
    body.token
        .filter(|t| !t.is_empty())
        .map(SecretString::from)
        .ok_or_else(|| {
            AuthError::new(
                format!("{what}: Docker Hub answered 200 without a token"),
                Some(200),
            )
        })
}

/// A failed token request as an [`AuthError`], its text already redacted
/// by the one [`sdk_core::Error`].
fn auth_error(error: sdk_core::Error) -> AuthError {
    let error = error.hinted(|_, status| match status {
        Some(401) => Some(
            "check the identifier and the secret: organization access tokens need the organization name",
        ),
        Some(429) => Some("too many attempts: wait before retrying"),
        _ => None,
    });
    AuthError::new(error.to_string(), error.status()).with_kind(match error.kind() {
        // A refused request of the token endpoint is refused credentials.
        sdk_core::ErrorKind::InvalidInput | sdk_core::ErrorKind::NotFound => {
            sdk_core::ErrorKind::Unauthenticated
        }
        kind => kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_is_a_margin_before_expiry_or_half_way_for_short_tokens() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let margin = Duration::from_secs(60);
        assert_eq!(
            refresh_time(Some(now + Duration::from_secs(600)), margin, now),
            now + Duration::from_secs(540)
        );
        assert_eq!(
            refresh_time(Some(now + Duration::from_secs(100)), margin, now),
            now + Duration::from_secs(50)
        );
        assert_eq!(
            refresh_time(Some(now - Duration::from_secs(5)), margin, now),
            now
        );
        assert_eq!(
            refresh_time(None, margin, now),
            now + Duration::from_secs(240)
        );
    }
}
