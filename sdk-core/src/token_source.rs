//! Where bearer tokens come from.

use futures::future::BoxFuture;
use secrecy::SecretString;

/// Why no token could be had. Carries the HTTP status and the server's message
/// when the token endpoint answered, never the credentials themselves.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct AuthError {
    /// What failed, with the server's message when there was one.
    pub message: String,
    /// HTTP status of the token endpoint's answer, if it answered.
    pub status: Option<u16>,
    /// What kind of failure: the credentials refused (`Unauthenticated`),
    /// or the token endpoint out of reach (`Transport`), …
    pub kind: crate::ErrorKind,
}

impl AuthError {
    /// An error with a message and, if the server answered, its status;
    /// the credentials are taken as refused (see [`with_kind`](Self::with_kind)).
    pub fn new(message: impl Into<String>, status: Option<u16>) -> Self {
        Self {
            message: message.into(),
            status,
            kind: crate::ErrorKind::Unauthenticated,
        }
    }

    /// The same error of another kind (a token endpoint out of reach is
    /// `Transport`, not refused credentials).
    pub fn with_kind(mut self, kind: crate::ErrorKind) -> Self {
        self.kind = kind;
        self
    }
}

/// Gives bearer tokens to the request hooks.
///
/// Implementations cache the token and decide when to fetch a new one; the
/// hooks only ask for one before each request and report one the API
/// rejected.
pub trait TokenSource: Send + Sync + 'static {
    /// A token valid for at least the next request.
    fn token(&self) -> BoxFuture<'_, Result<SecretString, AuthError>>;

    /// The API answered `401` to `rejected`: the next [`token`](Self::token)
    /// call must not return it again. A token other than `rejected` that is
    /// already cached (another caller refreshed first) is kept.
    fn invalidate(&self, rejected: &SecretString);

    /// Whether a new token can be had after a `401`. A source that always
    /// gives the same token says `false`, and the hooks then return the
    /// `401` instead of resending the same request.
    fn can_refresh(&self) -> bool {
        true
    }
}

/// A token that never changes: an API key, an organization access token sent
/// as it is, an OAuth token obtained elsewhere. A `401` is returned to the
/// caller, since there is nothing to refresh.
#[derive(Clone, Debug)]
pub struct StaticToken(SecretString);

impl StaticToken {
    /// Wraps the token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }
}

impl TokenSource for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, AuthError>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }

    fn invalidate(&self, _rejected: &SecretString) {}

    fn can_refresh(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[tokio::test]
    async fn a_static_token_is_given_as_is_and_cannot_refresh() {
        let source = StaticToken::new("dckr_oat_secret");
        assert_eq!(
            source.token().await.unwrap().expose_secret(),
            "dckr_oat_secret"
        );
        source.invalidate(&SecretString::from("dckr_oat_secret"));
        assert_eq!(
            source.token().await.unwrap().expose_secret(),
            "dckr_oat_secret"
        );
        assert!(!source.can_refresh());
        assert!(!format!("{source:?}").contains("secret"));
    }
}
