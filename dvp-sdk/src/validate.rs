//! Argument checks run before any request: a bad value fails with a clear
//! error and nothing is sent.

use sdk_core::runtime::names;

use crate::error::{Error, Result};

/// A namespace: one path segment ([`names::segment`]'s rules, the same
/// for every API); a `/` gets a hint of its own, since `namespace/repo` is
/// what users paste.
pub fn namespace(value: &str) -> Result<&str> {
    if value.contains('/') {
        return Err(Error::invalid_input(
            "namespace",
            format!("{value:?} contains '/': give the namespace alone, without a repository"),
        ));
    }
    names::segment("namespace", value)
}

/// A repository name without its namespace.
pub fn repository(value: &str) -> Result<&str> {
    names::segment("repository", value)
}

/// `namespace/repo`: both parts valid, one `/` between them.
pub fn qualified_repository(value: &str) -> Result<&str> {
    match value.split_once('/') {
        Some((namespace_part, repo)) => {
            namespace(namespace_part)
                .and(repository(repo))
                .map_err(|err| {
                    Error::invalid_input("repository", format!("{value:?}: {}", err.message()))
                })?;
            Ok(value)
        }
        None => Err(Error::invalid_input(
            "repository",
            format!("{value:?} must be written namespace/repo"),
        )),
    }
}

/// A year the API could hold data for.
pub fn year(value: i32) -> Result<i32> {
    if (2000..=9999).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid_input(
            "year",
            format!("{value} is not a year between 2000 and 9999"),
        ))
    }
}

/// A month 1–12 or a week 1–53.
pub fn timespan(value: crate::Timespan) -> Result<crate::Timespan> {
    match value {
        crate::Timespan::Month(n) if !(1..=12).contains(&n) => Err(Error::invalid_input(
            "month",
            format!("{n} is outside 1-12"),
        )),
        crate::Timespan::Week(n) if !(1..=53).contains(&n) => {
            Err(Error::invalid_input("week", format!("{n} is outside 1-53")))
        }
        ok => Ok(ok),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timespan;

    #[test]
    fn bad_namespaces_are_refused_with_the_reason() {
        for bad in ["", "a/b", "..", "a..b", "a b", "a\tb", "a\n"] {
            assert!(namespace(bad).is_err(), "{bad:?} accepted");
        }
        assert!(namespace("docker").is_ok());
        assert!(namespace("my-org_1").is_ok());
        let err = namespace("acme/web").unwrap_err().to_string();
        assert!(err.contains("'/'"), "{err}");
    }

    #[test]
    fn qualified_repositories_need_exactly_one_slash_and_valid_parts() {
        assert!(qualified_repository("acme/web").is_ok());
        for bad in ["web", "acme/", "/web", "acme/web/x", "acme/we b", "../x"] {
            assert!(qualified_repository(bad).is_err(), "{bad:?} accepted");
        }
        let err = qualified_repository("acme").unwrap_err().to_string();
        assert!(err.contains("namespace/repo"), "{err}");
    }

    #[test]
    fn months_and_weeks_are_range_checked() {
        assert!(timespan(Timespan::Month(0)).is_err());
        assert!(timespan(Timespan::Month(13)).is_err());
        assert!(timespan(Timespan::Week(54)).is_err());
        assert!(timespan(Timespan::Month(12)).is_ok());
        assert!(timespan(Timespan::Week(53)).is_ok());
        assert!(year(1999).is_err() && year(2026).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn validators_never_panic_and_keep_their_rules(text in "\\PC{0,24}", n in proptest::num::i32::ANY, m in proptest::num::u32::ANY) {
            if let Ok(ns) = namespace(&text) {
                proptest::prop_assert!(!ns.is_empty() && !ns.contains('/') && !ns.contains("..") && !ns.chars().any(char::is_whitespace));
            }
            if qualified_repository(&text).is_ok() {
                proptest::prop_assert_eq!(text.matches('/').count(), 1);
            }
            proptest::prop_assert_eq!(year(n).is_ok(), (2000..=9999).contains(&n));
            proptest::prop_assert_eq!(timespan(Timespan::Month(m)).is_ok(), (1..=12).contains(&m));
            proptest::prop_assert_eq!(timespan(Timespan::Week(m)).is_ok(), (1..=53).contains(&m));
        }
    }
}
