//! Where each dataset goes: one table per dataset, hive-style partitions.
//!
//! - Enterprise: `enterprise/<report_type>/<cadence>/org=<org>/report_date=<YYYY-MM-DD>/data.parquet`
//! - DVP: `dvp/<dataview>/publisher=<namespace>/timespan=<YYYY-MM | YYYY-Www>/data.parquet`
//!   (`data-<n>.parquet` for the n-th file of a view that spans several).
//!
//! A partition key never has the name of a column in the file: engines
//! silently replace the file's column with the folder's value. DVP files
//! carry a `namespace` column, so the namespace's key is `publisher`;
//! a file whose columns include a key's name (in any case) is refused.
//! Every key value and folder name is checked as one safe path segment
//! (no `/`, `\`, `..`, `=`, …), so no name chosen by the server leaves the
//! prefix.

use chrono::NaiveDate;
use sdk_core::runtime::names;
use sdk_core::{Error, ErrorKind, Result};

use dvp_sdk::{ExportFile, Timespan};

/// The Enterprise partition keys, outermost first.
pub const ENTERPRISE_KEYS: [&str; 2] = ["org", "report_date"];
/// The DVP partition keys, outermost first.
pub const DVP_KEYS: [&str; 2] = ["publisher", "timespan"];

/// A name from the server as one folder name (or key value).
fn segment<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    let value = names::segment(what, value)?;
    if value.contains('=') {
        return Err(Error::new(
            ErrorKind::UnsafeName,
            format!("invalid {what}"),
            format!("{value:?} contains '=', which would read as a partition key"),
        ));
    }
    Ok(value)
}

/// The folders of a report, relative to the prefix (the file name last).
pub fn enterprise_object(
    report_type: &str,
    cadence: &str,
    org: &str,
    date: NaiveDate,
    extension: &str,
) -> Result<Vec<String>> {
    Ok(vec![
        "enterprise".to_owned(),
        segment("report type", report_type)?.to_owned(),
        segment("cadence", cadence)?.to_owned(),
        format!("org={}", segment("organization", org)?),
        format!("report_date={date}"),
        format!("data.{extension}"),
    ])
}

/// `YYYY-MM` for a month, `YYYY-Www` (ISO week) for a week.
pub fn timespan_value(year: i32, timespan: Timespan) -> String {
    match timespan {
        Timespan::Month(month) => format!("{year:04}-{month:02}"),
        Timespan::Week(week) => format!("{year:04}-W{week:02}"),
        other => format!("{year:04}-{other}"),
    }
}

/// The first day of a timespan (`None` for one that does not exist).
pub fn timespan_start(year: i32, timespan: Timespan) -> Option<NaiveDate> {
    match timespan {
        Timespan::Month(month) => NaiveDate::from_ymd_opt(year, month, 1),
        Timespan::Week(week) => NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon),
        _ => None,
    }
}

/// The last day of a timespan.
pub fn timespan_end(year: i32, timespan: Timespan) -> Option<NaiveDate> {
    match timespan {
        Timespan::Month(month) => {
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)
            };
            next?.pred_opt()
        }
        Timespan::Week(week) => NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Sun),
        _ => None,
    }
}

/// The folders of a DVP export file, relative to the prefix.
pub fn dvp_object(file: &ExportFile, extension: &str) -> Result<Vec<String>> {
    let name = if file.index == 0 {
        format!("data.{extension}")
    } else {
        format!("data-{}.{extension}", file.index)
    };
    Ok(vec![
        "dvp".to_owned(),
        segment("dataview", file.dataview.as_str())?.to_owned(),
        format!("publisher={}", segment("namespace", &file.namespace)?),
        format!("timespan={}", timespan_value(file.year, file.timespan)),
        name,
    ])
}

/// Refuses a file whose columns include a partition key's name.
pub fn check_keys(columns: &[String], keys: &[&str]) -> Result<()> {
    for key in keys {
        if let Some(column) = columns.iter().find(|c| c.eq_ignore_ascii_case(key)) {
            return Err(Error::new(
                ErrorKind::Decode,
                "laying out the lake",
                format!(
                    "the file has a column {column:?}, the name of a partition key: engines \
                     would replace its values with the folder's"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_that_would_leave_the_prefix_or_read_as_keys_are_refused() {
        let date = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        for (kind, cadence, org) in [
            ("../x", "daily", "acme"),
            ("usage", "a/b", "acme"),
            ("usage", "daily", ".."),
            ("usage", "daily", "a=b"),
            ("", "daily", "acme"),
        ] {
            let err = enterprise_object(kind, cadence, org, date, "parquet").unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::InvalidInput | ErrorKind::UnsafeName),
                "{err}"
            );
        }
        assert_eq!(
            enterprise_object("usage_pulls", "daily", "acme", date, "parquet")
                .unwrap()
                .join("/"),
            "enterprise/usage_pulls/daily/org=acme/report_date=2026-06-30/data.parquet"
        );
    }

    #[test]
    fn timespans_have_sortable_values_and_their_days() {
        assert_eq!(timespan_value(2026, Timespan::Month(3)), "2026-03");
        assert_eq!(timespan_value(2026, Timespan::Week(7)), "2026-W07");
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            timespan_start(2026, Timespan::Month(2)),
            Some(day(2026, 2, 1))
        );
        assert_eq!(
            timespan_end(2026, Timespan::Month(2)),
            Some(day(2026, 2, 28))
        );
        assert_eq!(
            timespan_end(2026, Timespan::Month(12)),
            Some(day(2026, 12, 31))
        );
        assert_eq!(
            timespan_start(2026, Timespan::Week(1)),
            Some(day(2025, 12, 29))
        );
        assert_eq!(timespan_end(2026, Timespan::Week(1)), Some(day(2026, 1, 4)));
        assert_eq!(timespan_start(2026, Timespan::Month(13)), None);
    }

    #[test]
    fn a_column_named_like_a_key_is_refused_in_any_case() {
        let columns = vec!["Namespace".to_owned(), "pulls".to_owned()];
        assert!(check_keys(&columns, &DVP_KEYS).is_ok());
        assert!(check_keys(&columns, &["namespace"]).is_err());
    }
}
