//! Where bearer tokens come from.

use futures::future::BoxFuture;
use secrecy::SecretString;

/// Why no token could be had. Carries the HTTP status and the server's message
/// when the token endpoint answered, never the credentials themselves.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct AuthError {
    /// What failed, with the server's message when there was one.
    pub message: String,
    /// HTTP status of the token endpoint's answer, if it answered.
    pub status: Option<u16>,
}

impl AuthError {
    /// An error with a message and, if the server answered, its status.
    pub fn new(message: impl Into<String>, status: Option<u16>) -> Self {
        Self {
            message: message.into(),
            status,
        }
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
}
