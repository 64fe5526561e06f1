//! Everything that can go wrong in an Account API call.

use sdk_core::error::Failure;

/// Result of an Account SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failed Account API call. Messages never contain the password or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was refused before anything was sent.
    #[error("invalid {what}: {why}")]
    InvalidInput {
        /// Which argument.
        what: &'static str,
        /// Why it is refused.
        why: String,
    },
    /// The API answered with an error, or did not answer usably.
    #[error("{operation}: {failure}{}", hint(failure))]
    Api {
        /// What was being done.
        operation: String,
        /// Status and server message, or the transport failure (also the
        /// error's `source()`, so the chain reaches the `reqwest::Error`).
        #[source]
        failure: Failure,
    },
    /// The HTTP client could not be built (TLS backend missing).
    #[error("building the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

impl Error {
    /// The HTTP status behind the error, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { failure, .. } => failure.status(),
            _ => None,
        }
    }

    pub(crate) async fn from_generated<E: serde::Serialize>(
        operation: impl Into<String>,
        error: progenitor_client::Error<E>,
    ) -> Self {
        sdk_core::error::from_generated(operation, error).await
    }
}

impl sdk_core::error::SdkError for Error {
    fn api(operation: String, failure: Failure) -> Self {
        Error::Api { operation, failure }
    }

    fn auth(error: sdk_core::AuthError) -> Self {
        Error::Api {
            operation: "getting an access token".to_owned(),
            failure: Failure::Auth(error.message),
        }
    }
}

fn hint(failure: &Failure) -> &'static str {
    match failure.status() {
        Some(401) => " (check the user name and password, or the token)",
        Some(403) => {
            " (these credentials may not do this; an OAuth token needs the profile_read scope)"
        }
        Some(404) => " (no user with that name)",
        _ => "",
    }
}
