//! The Enterprise Data API: one organization with usage reports at three
//! cadences, paged with real page tokens, downloads redirected to the store.

use std::sync::Arc;

use axum::extract::{Path, Query, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use chrono::{Datelike, Duration as Days, NaiveDate};
use serde_json::{Value, json};

use crate::accounts::{OAT, ORG};
use crate::csvgen::{CsvFile, RowKind};
use crate::faults::route;
use crate::tokens::Subject;
use crate::{State, apply_fault, bearer, json_error};

/// Reports end on this date, so data does not depend on the day a test runs.
fn last_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default()
}

/// Report type and cadence pairs.
const PAIRS: [(&str, &str); 3] = [
    ("usage_pulls", "daily"),
    ("usage_pulls", "weekly"),
    ("active_users", "monthly"),
];

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/orgs/{org}/reports", get(report_types))
        .route("/orgs/{org}/reports/{kind}/{cadence}", get(list))
        .route(
            "/orgs/{org}/reports/{kind}/{cadence}/{date}/download",
            get(download),
        )
        .route(
            "/orgs/{org}/reports/{kind}/{cadence}/{date}/schema",
            get(schema),
        )
        .with_state(state)
}

fn valid_segment(value: &str) -> bool {
    let mut chars = value.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn error(status: StatusCode, message: &str) -> Response {
    json_error(status, "error", message)
}

/// Fault, path checks, token, organization: in the order the service applies them.
async fn guard(
    state: &State,
    route: crate::Route,
    headers: &HeaderMap,
    segments: &[&str],
) -> Result<(), Response> {
    apply_fault(state, route, "error").await?;
    if let Some(bad) = segments.iter().find(|s| !valid_segment(s)) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            &format!("invalid input: {bad:?} must match ^[a-z0-9][a-z0-9_-]*$"),
        ));
    }
    let org = segments.first().copied().unwrap_or_default();
    // Docker documents two bearers: the OAT itself, or the JWT the Hub
    // issues for it. Both are accepted.
    let subject = match bearer(headers) {
        Some(OAT) => Some(Subject::Org(ORG.to_owned())),
        Some(token) => state.tokens.check(token),
        None => None,
    };
    match subject {
        None => Err(error(StatusCode::UNAUTHORIZED, "unauthenticated")),
        Some(_) if org != ORG => Err(error(StatusCode::NOT_FOUND, "not found")),
        Some(Subject::User(_)) => Err(error(StatusCode::FORBIDDEN, "permission denied")),
        Some(Subject::Org(o)) if o != org => Err(error(StatusCode::FORBIDDEN, "permission denied")),
        Some(Subject::Org(_)) => Ok(()),
    }
}

/// Dates of a pair's reports, newest first.
fn dates(state: &State, kind: &str, cadence: &str) -> Option<Vec<NaiveDate>> {
    let last = last_date();
    Some(match (kind, cadence) {
        ("usage_pulls", "daily") => (0..i64::from(state.config.enterprise_daily_reports))
            .map(|d| last - Days::days(d))
            .collect(),
        ("usage_pulls", "weekly") => {
            let monday = last - Days::days(i64::from(last.weekday().num_days_from_monday()));
            (0..12).map(|w| monday - Days::weeks(w)).collect()
        }
        ("active_users", "monthly") => (0..6)
            .filter_map(|m| {
                let month0 = last.month0() as i32 - m;
                let (year, month0) = (last.year() + month0.div_euclid(12), month0.rem_euclid(12));
                NaiveDate::from_ymd_opt(year, month0 as u32 + 1, 1)
            })
            .collect(),
        _ => return None,
    })
}

/// The CSV of one report.
pub(crate) fn file(state: &State, kind: &str, cadence: &str, date: NaiveDate) -> Option<CsvFile> {
    if !dates(state, kind, cadence)?.contains(&date) {
        return None;
    }
    let row_kind = if kind == "active_users" {
        RowKind::ActiveUsers
    } else {
        RowKind::UsagePulls
    };
    let seed =
        state.config.seed ^ u64::from(date.num_days_from_ce() as u32) << 8 ^ cadence.len() as u64;
    Some(CsvFile {
        kind: row_kind,
        rows: state.config.enterprise_rows,
        seed,
        owner: ORG.into(),
        date: date.to_string(),
    })
}

/// The file behind a store path `/enterprise/{org}/{type}/{cadence}/{date}.csv`.
pub(crate) fn file_for(state: &State, path: &str) -> Option<CsvFile> {
    let parts: Vec<&str> = path.strip_prefix("/enterprise/")?.split('/').collect();
    let [org, kind, cadence, date] = parts.as_slice() else {
        return None;
    };
    let date = NaiveDate::parse_from_str(date.strip_suffix(".csv")?, "%Y-%m-%d").ok()?;
    (*org == ORG).then_some(())?;
    file(state, kind, cadence, date)
}

fn report_json(state: &State, kind: &str, cadence: &str, date: NaiveDate) -> Value {
    let size = file(state, kind, cadence, date)
        .map(|f| f.size())
        .unwrap_or_default();
    json!({"ReportType": kind, "Cadence": cadence, "Date": date.to_string(), "SizeBytes": size, "Key": format!("{ORG}/{kind}/{cadence}/{date}.csv")})
}

async fn report_types(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    Path(org): Path<String>,
) -> Response {
    if let Err(response) = guard(&state, route::ENTERPRISE_TYPES, &headers, &[&org]).await {
        return response;
    }
    let pairs: Vec<_> = PAIRS
        .iter()
        .map(|(k, c)| json!({"ReportType": k, "Cadence": c}))
        .collect();
    Json(json!({"report_types": pairs})).into_response()
}

#[derive(serde::Deserialize)]
struct Paging {
    page_size: Option<String>,
    page_token: Option<String>,
}

async fn list(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    Path((org, kind, cadence)): Path<(String, String, String)>,
    Query(paging): Query<Paging>,
) -> Response {
    if let Err(response) = guard(
        &state,
        route::ENTERPRISE_LIST,
        &headers,
        &[&org, &kind, &cadence],
    )
    .await
    {
        return response;
    }
    let Some(all) = dates(&state, &kind, &cadence) else {
        return error(StatusCode::NOT_FOUND, "not found");
    };
    let size = match paging.page_size.as_deref().map(str::parse::<usize>) {
        None => 30,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid input: page_size must be 1 to 100",
            );
        }
    };
    // A page token is the date of the first report of its page.
    let start = match paging.page_token.as_deref().filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => {
            let date = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
            match date.and_then(|d| all.iter().position(|x| *x == d)) {
                Some(i) => i,
                None => return error(StatusCode::BAD_REQUEST, "invalid input: invalid page token"),
            }
        }
    };
    let page: Vec<_> = all
        .iter()
        .skip(start)
        .take(size)
        .map(|d| report_json(&state, &kind, &cadence, *d))
        .collect();
    let next = all
        .get(start + size)
        .map(|d| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d.to_string()))
        .unwrap_or_default();
    Json(json!({"reports": page, "next_page_token": next})).into_response()
}

fn report_date(date: &str) -> Result<NaiveDate, Response> {
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(d) if date.len() == 10 => Ok(d),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "invalid input: date must be YYYY-MM-DD",
        )),
    }
}

/// Checks a request for one report (fault, path, token, date) and finds its
/// file: what the download and schema routes share.
async fn one_report(
    state: &State,
    route: crate::Route,
    headers: &HeaderMap,
    (org, kind, cadence, date): &(String, String, String, String),
) -> Result<CsvFile, Response> {
    guard(state, route, headers, &[org, kind, cadence]).await?;
    let date = report_date(date)?;
    file(state, kind, cadence, date).ok_or_else(|| error(StatusCode::NOT_FOUND, "not found"))
}

async fn download(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    Path(report): Path<(String, String, String, String)>,
) -> Response {
    let file = match one_report(&state, route::ENTERPRISE_DOWNLOAD, &headers, &report).await {
        Ok(file) => file,
        Err(response) => return response,
    };
    let (org, kind, cadence, _) = &report;
    let location = crate::store::signed_url(
        &state,
        &format!("/enterprise/{org}/{kind}/{cadence}/{}.csv", file.date),
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

async fn schema(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    Path(report): Path<(String, String, String, String)>,
) -> Response {
    let file = match one_report(&state, route::ENTERPRISE_SCHEMA, &headers, &report).await {
        Ok(file) => file,
        Err(response) => return response,
    };
    let kind = &report.1;
    let fields = match file.kind {
        RowKind::ActiveUsers => json!([
            {"name": "month", "type": "date", "description": "First day of the month."},
            {"name": "user_id", "type": "string", "description": "Anonymised user."},
            {"name": "pulls", "type": "integer", "description": "Pulls by the user that month."},
            {"name": "last_seen_at", "type": "timestamp", "description": "Last pull (UTC)."},
        ]),
        _ => json!([
            {"name": "event_date", "type": "date", "description": "Day of the pull (UTC)."},
            {"name": "repository", "type": "string", "description": "Repository with its namespace."},
            {"name": "tag", "type": "string", "description": "Tag pulled."},
            {"name": "pull_count", "type": "integer", "description": "Pulls of that tag that day."},
            {"name": "unique_ips", "type": "integer", "description": "Distinct client addresses."},
            {"name": "first_pull_at", "type": "timestamp", "description": "First pull of the day (UTC)."},
            {"name": "automated", "type": "boolean", "description": "Pulled by automation."},
            {"name": "share", "type": "float", "description": "Share of the organization's pulls."},
        ]),
    };
    Json(json!({"category": kind, "fields": fields})).into_response()
}
