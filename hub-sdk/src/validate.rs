//! Argument checks run before any request: a bad value fails with a clear
//! error and nothing is sent.

use sdk_core::runtime::names;

use crate::error::{Error, Result};

/// Most items per page the SDK asks for (Docker Hub's own limit is 100).
pub const MAX_PAGE_SIZE: u32 = 100;

/// An organization, namespace, account or repository name: one path
/// segment ([`names::segment`]'s rules, the same for every API).
pub fn name<'a>(what: &'static str, value: &'a str) -> Result<&'a str> {
    names::segment(what, value)
}

/// A page size of 1 to [`MAX_PAGE_SIZE`].
pub fn page_size(value: u32) -> Result<u32> {
    names::page_size(value, MAX_PAGE_SIZE)
}

/// A time window whose start is not after its end.
pub fn window(
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<()> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(Error::invalid_input(
            "time window",
            format!("from {from} is after to {to}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sizes_and_windows_are_checked() {
        for ok in ["my-org", "acme_1", "a"] {
            assert!(name("org", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/b", "..", "a b", "x\n"] {
            assert!(name("org", bad).is_err(), "{bad:?}");
        }
        assert!(name("org", &"a".repeat(256)).is_err());
        assert!(page_size(0).is_err() && page_size(101).is_err() && page_size(100).is_ok());
        let t = |s: &str| Some(s.parse::<chrono::DateTime<chrono::Utc>>().unwrap());
        assert!(window(t("2026-01-02T00:00:00Z"), t("2026-01-01T00:00:00Z")).is_err());
        assert!(window(t("2026-01-01T00:00:00Z"), t("2026-01-01T00:00:00Z")).is_ok());
        assert!(window(None, t("2026-01-01T00:00:00Z")).is_ok());
    }
}
