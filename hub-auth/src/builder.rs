//! The one builder of every client that logs in at Docker Hub with a user's
//! password or PAT, or an organization access token (DVP, Docker Hub
//! data): the credentials, an optional one-time-code provider, and the
//! settings every client shares.

use std::marker::PhantomData;

use sdk_core::ClientConfig;

use crate::{Credentials, OtpProvider, TokenCache};

/// A client built by [`LoginBuilder`].
pub trait FromLogin: Sized {
    /// Production base URL of the client's API.
    const DEFAULT_API_URL: &'static str;

    /// The operations of the client's spec, named in request spans.
    const OPERATIONS: &'static [sdk_core::hooks::Operation];

    /// The client from what the builder prepared.
    fn from_login(login: LoggedIn) -> sdk_core::Result<Self>;
}

/// What a [`FromLogin`] client is made of.
#[derive(Debug)]
#[non_exhaustive]
pub struct LoggedIn {
    /// The HTTP client for JSON calls (token requests included).
    pub http: reqwest::Client,
    /// The token cache the requests' bearer comes from.
    pub tokens: TokenCache,
    /// The hooks' context: the token cache, retries, limits.
    pub context: sdk_core::ApiContext,
    /// The settings the client was built with.
    pub config: ClientConfig,
}

/// Configures a client that logs in at Docker Hub (`DvpClientBuilder`,
/// `HubClientBuilder`). Nothing is sent until the client's first call.
#[derive(Debug)]
pub struct LoginBuilder<C> {
    config: ClientConfig,
    credentials: Credentials,
    otp: Option<OtpProvider>,
    client: PhantomData<fn() -> C>,
}

sdk_core::builder_setters!(impl<C> LoginBuilder<C>, hub);

impl<C: FromLogin> LoginBuilder<C> {
    /// A builder logging in with `credentials`, against Docker's production
    /// URLs.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            config: ClientConfig::new(crate::DEFAULT_HUB_URL, C::DEFAULT_API_URL),
            credentials,
            otp: None,
            client: PhantomData,
        }
    }

    /// Answers a second-factor challenge at login with codes from `otp`.
    pub fn otp(mut self, otp: OtpProvider) -> Self {
        self.otp = Some(otp);
        self
    }

    /// Builds the client.
    pub fn build(self) -> sdk_core::Result<C> {
        let (http, tokens, context) =
            crate::logged_in_context(&self.config, self.credentials, self.otp, C::OPERATIONS)?;
        C::from_login(LoggedIn {
            http,
            tokens,
            context,
            config: self.config,
        })
    }
}
