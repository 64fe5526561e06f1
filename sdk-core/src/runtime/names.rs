//! The one check of a name sent as a URL path segment — an organization,
//! namespace, repository, user name, report type or cadence — with the
//! same rules for every API. A refused name fails before anything is sent,
//! as an [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error
//! that names the argument.

use crate::error::{Error, Result};

/// Longest name accepted, in bytes (Docker Hub's own limit).
pub const MAX_NAME: usize = 255;

/// `value` if it can be one path segment of a request: not empty, at most
/// [`MAX_NAME`] bytes, no `/`, `\`, `?`, `#` or `%`, not `.`, no `..`, no whitespace
/// or control character. `what` names the argument in the error
/// (`"namespace"`).
pub fn segment<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    let why = if value.is_empty() {
        "it is empty".to_owned()
    } else if value.len() > MAX_NAME {
        format!("it is longer than {MAX_NAME} bytes")
    } else if let Some(c) = value
        .chars()
        .find(|c| matches!(c, '/' | '\\' | '?' | '#' | '%'))
    {
        format!("{value:?} contains {c:?}")
    } else if value == "." {
        "it is a relative path segment".to_owned()
    } else if value.contains("..") {
        format!("{value:?} contains '..'")
    } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        format!("{value:?} contains whitespace or a control character")
    } else {
        return Ok(value);
    };
    Err(Error::invalid_input(what, why))
}

/// [`segment`], and also what the Enterprise Data API's spec allows for its
/// names (`^[a-z0-9][a-z0-9_-]*$`): checked here so that the error names
/// the argument and the rule, not a generated type.
pub fn lowercase_segment<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    let value = segment(what, value)?;
    let mut chars = value.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if first_ok && rest_ok {
        Ok(value)
    } else {
        Err(Error::invalid_input(
            what,
            format!(
                "{value:?} must be lowercase letters, digits, '_' or '-', starting with a letter or digit"
            ),
        ))
    }
}

/// A page size of 1 to `max`.
pub fn page_size(value: u32, max: u32) -> Result<u32> {
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid_input(
            "page size",
            format!("{value} is outside 1-{max}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn one_rule_set_for_every_name() {
        for ok in ["my-org", "acme_1", "a", "web.app", "0rg", "Sim-Org"] {
            assert_eq!(segment("org", ok).unwrap(), ok);
        }
        for bad in [
            "", "a/b", "..", "a..b", ".", "a b", "x\n", "a\\b", "a?b", "a#b", "a%2fb",
        ] {
            let err = segment("namespace", bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
            assert_eq!(err.operation(), "invalid namespace", "{bad:?}");
        }
        assert!(segment("org", &"a".repeat(MAX_NAME)).is_ok());
        assert!(segment("org", &"a".repeat(MAX_NAME + 1)).is_err());
    }

    #[test]
    fn lowercase_names_follow_the_enterprise_pattern() {
        for ok in ["my-org", "usage_pulls", "daily", "0rg"] {
            assert!(lowercase_segment("org", ok).is_ok(), "{ok}");
        }
        for bad in ["", "My-Org", "-org", "_x", "a b", "a/b", "a.b", "ü"] {
            assert!(lowercase_segment("org", bad).is_err(), "{bad:?}");
        }
        assert!(page_size(0, 100).is_err() && page_size(101, 100).is_err());
        assert_eq!(page_size(100, 100).unwrap(), 100);
    }
}
