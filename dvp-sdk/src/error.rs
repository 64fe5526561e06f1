//! Everything that can go wrong in a DVP call, with what to do about it.

use sdk_core::error::Failure;

/// Result of a DVP SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failed DVP SDK call. Messages say what failed, the HTTP status and the
/// server's message; they never contain passwords, tokens or signed URLs.
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
    /// No token could be had from Docker Hub.
    #[error("authentication failed: {0}")]
    Auth(#[from] sdk_core::AuthError),
    /// A file download failed.
    #[error(transparent)]
    Download(#[from] sdk_core::download::DownloadError),
    /// A CSV row could not be read.
    #[error("reading {source_name}: {error}")]
    Csv {
        /// The file or URL (redacted) read.
        source_name: String,
        /// Where and what.
        error: sdk_core::csv::CsvError,
    },
    /// A name from the server would have chosen where a file goes.
    #[error(transparent)]
    UnsafePath(#[from] sdk_core::safe_path::UnsafePath),
    /// A CSV could not be converted to Arrow or Parquet (a bad cell names
    /// its line and column).
    #[cfg(feature = "arrow")]
    #[error(transparent)]
    Convert(#[from] sdk_core::columnar::ConvertError),
    /// The HTTP client could not be built (TLS backend missing).
    #[error("building the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// A local file or folder could not be used.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
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
        Some(401) => " (check the user name and the password or personal access token)",
        Some(403) => {
            " (the account needs access to this namespace's analytics: a Docker Verified Publisher namespace)"
        }
        Some(404) => {
            " (no data there: list what exists with namespaces(), years() and timespans())"
        }
        Some(429) => " (rate limited: retry later)",
        Some(500..=599) => " (server error: retry later)",
        _ => "",
    }
}
