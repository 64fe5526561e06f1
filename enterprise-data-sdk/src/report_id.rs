//! Naming a report without fetching it: type, cadence and date.

use std::fmt;

use chrono::NaiveDate;

use crate::generated::types;
/// Generated from `xtask/targets.yaml` (`open_enums`): the spec has them as
/// free strings.
pub use crate::generated::{Cadence, ReportType};

/// A report named by type, cadence and date: enough for
/// [`schema`](crate::EnterpriseClient::schema),
/// [`download_url`](crate::EnterpriseClient::download_url),
/// [`download`](crate::EnterpriseClient::download) and
/// [`open`](crate::EnterpriseClient::open). A `&Report` from a listing
/// converts into one and keeps its size, so downloads of it are
/// size-checked.
///
/// ```
/// use enterprise_data_sdk::{Cadence, ReportId, ReportType};
/// let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
/// let id = ReportId::new(ReportType::UsagePulls, Cadence::Daily, date);
/// assert_eq!(id.to_string(), "usage_pulls/daily/2026-06-30");
/// let custom = ReportId::new("image_access", "weekly", date);
/// assert_eq!(custom.report_type(), &ReportType::ImageAccess);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportId {
    report_type: ReportType,
    cadence: Cadence,
    date: NaiveDate,
    size: Option<u64>,
}

impl ReportId {
    /// A report of `report_type` and `cadence` dated `date` (its size is
    /// unknown, so a download of it is not size-checked).
    pub fn new(
        report_type: impl Into<ReportType>,
        cadence: impl Into<Cadence>,
        date: NaiveDate,
    ) -> Self {
        Self {
            report_type: report_type.into(),
            cadence: cadence.into(),
            date,
            size: None,
        }
    }

    /// A report named by strings, as a command line or a config file gives
    /// them: the type and cadence must match the API's pattern
    /// (`^[a-z0-9][a-z0-9_-]*$`) and the date must be a real day written
    /// `YYYY-MM-DD`. Nothing is sent.
    ///
    /// ```
    /// use enterprise_data_sdk::ReportId;
    /// let id = ReportId::parse("usage_pulls", "daily", "2026-06-30").unwrap();
    /// assert_eq!(id.to_string(), "usage_pulls/daily/2026-06-30");
    /// assert!(ReportId::parse("usage_pulls", "daily", "2026-02-30").is_err());
    /// assert!(ReportId::parse("Usage Pulls", "daily", "2026-06-30").is_err());
    /// ```
    pub fn parse(report_type: &str, cadence: &str, date: &str) -> crate::Result<Self> {
        let report_type = crate::validate::segment("report type", report_type)?;
        let cadence = crate::validate::segment("cadence", cadence)?;
        Ok(Self::new(
            report_type,
            cadence,
            crate::validate::date(date)?,
        ))
    }

    /// The report type.
    pub fn report_type(&self) -> &ReportType {
        &self.report_type
    }

    /// The cadence.
    pub fn cadence(&self) -> &Cadence {
        &self.cadence
    }

    /// The date.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The CSV's size in bytes, when the listing gave it.
    pub fn size(&self) -> Option<u64> {
        self.size
    }
}

impl From<&types::Report> for ReportId {
    fn from(report: &types::Report) -> Self {
        Self {
            report_type: report.report_type.as_str().into(),
            cadence: report.cadence.as_str().into(),
            date: report.date,
            size: u64::try_from(report.size_bytes).ok(),
        }
    }
}

impl From<types::Report> for ReportId {
    fn from(report: types::Report) -> Self {
        Self::from(&report)
    }
}

impl From<&ReportId> for ReportId {
    fn from(id: &ReportId) -> Self {
        id.clone()
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.report_type, self.cadence, self.date)
    }
}
