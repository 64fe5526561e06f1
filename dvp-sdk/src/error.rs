//! What can go wrong in a DVP call: the one [`Error`] of every Docker
//! data SDK (match on its [`kind`](Error::kind)), and the hints this crate
//! adds to it.

pub use sdk_core::{Error, ErrorKind, Result};

/// What to check when a DVP call fails, by status.
pub(crate) fn hint(_: ErrorKind, status: Option<u16>) -> Option<&'static str> {
    match status {
        Some(401) => Some("check the user name and the password or personal access token"),
        Some(403) => Some(
            "the account needs access to this namespace's analytics: a Docker Verified Publisher namespace",
        ),
        Some(404) => {
            Some("no data there: list what exists with namespaces(), years() and timespans()")
        }
        Some(429) => Some("rate limited: retry later"),
        Some(500..=599) => Some("server error: retry later"),
        _ => None,
    }
}
