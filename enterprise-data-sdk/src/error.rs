//! What can go wrong in a Enterprise Data call: the one [`Error`] of every Docker
//! data SDK (match on its [`kind`](Error::kind)), and the hints this crate
//! adds to it.

pub use sdk_core::{Error, ErrorKind, Result};

/// What to check when a Enterprise Data call fails, by status.
pub(crate) fn hint(_: ErrorKind, status: Option<u16>) -> Option<&'static str> {
    match status {
        Some(400) => Some("check the organization, report type, cadence and date"),
        Some(401) => Some(
            "the token was refused: check the organization name and the organization access token",
        ),
        Some(403) => Some(
            "check that the organization access token has the Report Read scope and that the organization has an eligible subscription",
        ),
        Some(404) => Some("no such report: list what exists with report_types() and reports()"),
        Some(429) => Some("rate limited: retry later"),
        Some(500..=599) => Some("server error: retry later"),
        _ => None,
    }
}
