//! What can go wrong in a Account API call: the one [`Error`] of every Docker
//! data SDK (match on its [`kind`](Error::kind)), and the hints this crate
//! adds to it.

pub use sdk_core::{Error, ErrorKind, Result};

/// What to check when a Account API call fails, by status.
pub(crate) fn hint(_: ErrorKind, status: Option<u16>) -> Option<&'static str> {
    match status {
        Some(401) => Some("check the user name and password, or the token"),
        Some(403) => {
            Some("these credentials may not do this; an OAuth token needs the profile_read scope")
        }
        Some(404) => Some("no user with that name"),
        _ => None,
    }
}
