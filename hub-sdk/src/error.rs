//! Everything that can go wrong in a Docker Hub call, with what to do about it.

use sdk_core::error::Failure;

/// Result of a Hub SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failed Hub SDK call. Messages say what failed, the HTTP status and the
/// server's message; they never contain passwords or tokens.
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
        /// error's `source()`).
        #[source]
        failure: Failure,
    },
    /// No token could be had from Docker Hub.
    #[error("authentication failed: {0}")]
    Auth(#[from] sdk_core::AuthError),
    /// A listing went wrong: a page repeated, or too many pages.
    #[error("{operation}: {why}")]
    Paging {
        /// What was being listed.
        operation: String,
        /// What the server did.
        why: String,
    },
    /// A download failed.
    #[error(transparent)]
    Download(#[from] sdk_core::download::DownloadError),
    /// A CSV row could not be read.
    #[error("reading {source_name}: {error}")]
    Csv {
        /// The file read.
        source_name: String,
        /// Where and what.
        error: sdk_core::csv::CsvError,
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
            Error::Auth(err) => err.status,
            Error::Download(err) => err.status(),
            _ => None,
        }
    }

    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        Error::InvalidInput {
            what,
            why: why.into(),
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
        Error::Auth(error)
    }
}

fn hint(failure: &Failure) -> &'static str {
    match failure.status() {
        Some(401) => {
            " (check the credentials: an organization access token, or a user name with a password or personal access token)"
        }
        Some(403) => " (the account is not an owner of this organization or namespace)",
        Some(404) => " (no such organization, namespace or repository)",
        Some(429) => " (Docker Hub's rate limit: see the client's rate_limit() and retry later)",
        _ => "",
    }
}
