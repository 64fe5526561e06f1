//! Argument checks run before any request: a bad value fails with a clear
//! error and nothing is sent.

use chrono::NaiveDate;

use sdk_core::runtime::names;

use crate::error::{Error, Result};

/// An organization name, report type or cadence: a path segment as the
/// spec writes them ([`names::lowercase_segment`]).
pub fn segment<'a>(what: &'static str, value: &'a str) -> Result<&'a str> {
    names::lowercase_segment(what, value)
}

/// A report date written `YYYY-MM-DD` that exists in the calendar.
pub fn date(value: &str) -> Result<NaiveDate> {
    let well_formed =
        value.len() == 10 && value.as_bytes()[4] == b'-' && value.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) if well_formed => Ok(date),
        _ => Err(Error::invalid_input(
            "date",
            format!("{value:?} is not a real date written YYYY-MM-DD"),
        )),
    }
}

/// A page size of 1 to 100.
pub fn page_size(value: u32) -> Result<std::num::NonZeroU32> {
    let value = names::page_size(value, 100)?;
    Ok(std::num::NonZeroU32::new(value).expect("checked to be at least 1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist_and_be_written_in_full() {
        assert!(date("2026-06-16").is_ok());
        for bad in [
            "2026-02-30",
            "2026-6-16",
            "16-06-2026",
            "2026/06/16",
            "",
            "2026-06-16T00:00",
        ] {
            assert!(date(bad).is_err(), "{bad:?}");
        }
        assert!(page_size(0).is_err() && page_size(101).is_err());
        assert_eq!(page_size(100).unwrap().get(), 100);
    }

    proptest::proptest! {
        #[test]
        fn validators_never_panic_and_keep_their_rules(text in "\\PC{0,24}", m in proptest::num::u32::ANY) {
            if let Ok(segment) = segment("type", &text) {
                proptest::prop_assert!(segment.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'));
            }
            if let Ok(day) = date(&text) {
                proptest::prop_assert_eq!(day.to_string(), text.clone());
            }
            proptest::prop_assert_eq!(page_size(m).is_ok(), (1..=100).contains(&m));
        }
    }
}
