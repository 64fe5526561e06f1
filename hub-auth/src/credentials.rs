//! What the SDKs log in with. Secrets are held in `secrecy` types: `Debug`
//! prints `[REDACTED]`, and they are exposed only to build a request body.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use secrecy::SecretString;

/// How to obtain a Docker Hub JWT.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// User name and password or personal access token, sent to
    /// `POST /v2/users/login`; a second factor may be asked for.
    Login {
        /// Docker Hub user name.
        username: String,
        /// Password or personal access token.
        password: SecretString,
    },
    /// Identifier and secret exchanged at `POST /v2/auth/token`: a user name
    /// with a personal access token, or an organization name with an
    /// organization access token (OAT).
    Exchange {
        /// User name, or organization name for an OAT.
        identifier: String,
        /// PAT or OAT.
        secret: SecretString,
    },
}

impl Credentials {
    /// User name with a password or personal access token (DVP login).
    pub fn login(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials::Login {
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// An organization access token of `org` (Enterprise Data API).
    pub fn organization(org: impl Into<String>, oat: impl Into<String>) -> Self {
        Credentials::Exchange {
            identifier: org.into(),
            secret: SecretString::from(oat.into()),
        }
    }

    /// Any identifier and secret for the token exchange endpoint.
    pub fn exchange(identifier: impl Into<String>, secret: impl Into<String>) -> Self {
        Credentials::Exchange {
            identifier: identifier.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    /// The user or organization the credentials belong to.
    pub fn identity(&self) -> &str {
        match self {
            Credentials::Login { username, .. } => username,
            Credentials::Exchange { identifier, .. } => identifier,
        }
    }
}

/// Supplies the one-time code when Docker Hub asks for a second factor:
/// for example a closure that prompts on a terminal or computes a TOTP.
#[derive(Clone)]
pub struct OtpProvider(
    Arc<dyn Fn() -> BoxFuture<'static, Result<SecretString, String>> + Send + Sync>,
);

impl OtpProvider {
    /// Wraps an async function returning the code (or why there is none).
    pub fn new<F, Fut>(provide: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        Self(Arc::new(move || {
            let code = provide();
            Box::pin(async move { code.await.map(SecretString::from) })
        }))
    }

    /// A provider that always answers with the same code (e.g. `--otp`).
    pub fn fixed(code: impl Into<String>) -> Self {
        let code = code.into();
        Self::new(move || {
            let code = code.clone();
            async move { Ok(code) }
        })
    }

    pub(crate) async fn code(&self) -> Result<SecretString, String> {
        (self.0)().await
    }
}

impl fmt::Debug for OtpProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpProvider")
    }
}
