//! What can go wrong in a Docker Hub call: the one [`Error`] of every Docker
//! data SDK (match on its [`kind`](Error::kind)), and the hints this crate
//! adds to it.

pub use sdk_core::{Error, ErrorKind, Result};

/// What to check when a Docker Hub call fails, by status.
pub(crate) fn hint(_: ErrorKind, status: Option<u16>) -> Option<&'static str> {
    match status {
        Some(401) => Some(
            "check the credentials: an organization access token, or a user name with a password or personal access token",
        ),
        Some(403) => Some("the account is not an owner of this organization or namespace"),
        Some(404) => Some("no such organization, namespace or repository"),
        Some(429) => Some("Docker Hub's rate limit: see the client's rate_limit() and retry later"),
        _ => None,
    }
}
