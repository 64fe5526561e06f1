//! The DVP Data API: one namespace with two years of monthly and weekly
//! exports, each with raw, summary and repo-summary files on the store.

use std::sync::Arc;

use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde_json::json;

use crate::accounts::NAMESPACE;
use crate::csvgen::{CsvFile, RowKind};
use crate::faults::route;
use crate::tokens::Subject;
use crate::{State, apply_fault, bearer, json_error};

/// Years with data, and how many months and weeks each has.
const YEARS: [(i32, u32, u32); 2] = [(2025, 12, 52), (2026, 5, 22)];
const VIEWS: [&str; 4] = ["raw", "summary", "repo-summary", "namespace-summary"];

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/", get(namespaces))
        .route("/namespaces", get(user_namespaces))
        .route("/namespaces/{namespace}", get(namespace))
        .route(
            "/namespaces/{namespace}/pulls",
            get(crate::pulls::namespace_pulls),
        )
        .route(
            "/namespaces/{namespace}/repos/{repo}/pulls",
            get(crate::pulls::repo_pulls),
        )
        .route("/repos/pulls", get(crate::pulls::many_repos_pulls))
        .route("/namespaces/{namespace}/pulls/exports/years", get(years))
        .route(
            "/namespaces/{namespace}/pulls/exports/years/{year}/{kind}",
            get(timespans),
        )
        .route(
            "/namespaces/{namespace}/pulls/exports/years/{year}/{kind}/{number}",
            get(timespan),
        )
        .route(
            "/namespaces/{namespace}/pulls/exports/years/{year}/{kind}/{number}/{view}",
            get(files),
        )
        .with_state(state)
}

/// Fault, then a user token; namespace checks are the handler's.
pub(crate) async fn guard(state: &State, headers: &HeaderMap) -> Result<(), Response> {
    apply_fault(state, route::DVP, "detail").await?;
    match bearer(headers).and_then(|t| state.tokens.check(t)) {
        Some(Subject::User(_)) => Ok(()),
        Some(Subject::Org(_)) => Err(json_error(
            StatusCode::FORBIDDEN,
            "detail",
            "organization tokens cannot read DVP data",
        )),
        None => Err(json_error(
            StatusCode::UNAUTHORIZED,
            "detail",
            "authentication credentials were not provided or have expired",
        )),
    }
}

/// A request that passed [`guard`] for the namespace with data, which its
/// path names: the handlers' first extractor, so none can forget it.
struct KnownNamespace;

impl axum::extract::FromRequestParts<Arc<State>> for KnownNamespace {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<State>,
    ) -> Result<Self, Response> {
        let Path(params) =
            Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, state)
                .await
                .map_err(IntoResponse::into_response)?;
        guard(state, &parts.headers).await?;
        known_namespace(params.get("namespace").map_or("", String::as_str))?;
        Ok(KnownNamespace)
    }
}

pub(crate) fn known_namespace(namespace: &str) -> Result<(), Response> {
    if namespace == NAMESPACE {
        Ok(())
    } else {
        Err(json_error(
            StatusCode::NOT_FOUND,
            "detail",
            &format!("namespace {namespace} has no data"),
        ))
    }
}

fn count(year: i32, kind: &str) -> Option<u32> {
    let (_, months, weeks) = YEARS.iter().find(|(y, _, _)| *y == year)?;
    match kind {
        "months" => Some(*months),
        "weeks" => Some(*weeks),
        _ => None,
    }
}

async fn namespaces(AxumState(state): AxumState<Arc<State>>, headers: HeaderMap) -> Response {
    if let Err(response) = guard(&state, &headers).await {
        return response;
    }
    Json(json!({"namespaces": [NAMESPACE]})).into_response()
}

/// Metadata of the namespace with data: the real views, then the
/// configured extra ones.
fn metadata(state: &State) -> serde_json::Value {
    let views: Vec<&str> = VIEWS
        .iter()
        .copied()
        .chain(state.config.dvp_extra_views.iter().map(String::as_str))
        .chain(
            state
                .config
                .dvp_views_without_data
                .iter()
                .map(String::as_str),
        )
        .collect();
    json!({
        "namespace": NAMESPACE,
        "extraRepos": [format!("{NAMESPACE}-labs/tool")],
        "datasets": [{"name": "pulls", "views": views, "timespans": ["months", "weeks"]}],
    })
}

async fn user_namespaces(AxumState(state): AxumState<Arc<State>>, headers: HeaderMap) -> Response {
    if let Err(response) = guard(&state, &headers).await {
        // The spec documents this operation's 401 without a body.
        if response.status() == StatusCode::UNAUTHORIZED {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        return response;
    }
    Json(json!([metadata(&state)])).into_response()
}

async fn namespace(_: KnownNamespace, AxumState(state): AxumState<Arc<State>>) -> Response {
    Json(metadata(&state)).into_response()
}

async fn years(_: KnownNamespace) -> Response {
    let years: Vec<_> = YEARS.iter().map(|(y, _, _)| json!({"year": y})).collect();
    Json(json!({"years": years})).into_response()
}

async fn timespans(
    _: KnownNamespace,
    Path((_, year, kind)): Path<(String, i32, String)>,
) -> Response {
    let Some(n) = count(year, &kind) else {
        return json_error(
            StatusCode::NOT_FOUND,
            "detail",
            "no such year or timespan type",
        );
    };
    let body = match kind.as_str() {
        "months" => json!({"months": (1..=n).map(|m| json!({"month": m})).collect::<Vec<_>>()}),
        _ => json!({"weeks": (1..=n).map(|w| json!({"week": w})).collect::<Vec<_>>()}),
    };
    Json(body).into_response()
}

async fn timespan(
    _: KnownNamespace,
    Path((_, year, kind, number)): Path<(String, i32, String, u32)>,
) -> Response {
    match count(year, &kind) {
        Some(n) if (1..=n).contains(&number) && kind == "months" => {
            Json(json!({"month": number})).into_response()
        }
        Some(n) if (1..=n).contains(&number) => Json(json!({"week": number})).into_response(),
        // The spec documents a bodiless 404 here.
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn files(
    _: KnownNamespace,
    AxumState(state): AxumState<Arc<State>>,
    Path((namespace, year, kind, number, view)): Path<(String, i32, String, u32, String)>,
) -> Response {
    if state.config.dvp_views_without_data.contains(&view) {
        return json_error(StatusCode::NOT_FOUND, "detail", "no data for this dataview");
    }
    // An extra view is served the raw file of the same timespan.
    let stored_view = if state.config.dvp_extra_views.contains(&view) {
        "raw"
    } else {
        view.as_str()
    };
    let path = format!("/dvp/{namespace}/{year}/{kind}/{number}/{stored_view}.csv");
    let Some(file) = file_for(&state, &path) else {
        return json_error(
            StatusCode::NOT_FOUND,
            "detail",
            "no such timespan or dataview",
        );
    };
    Json(json!({"data": [{"url": crate::store::signed_url(&state, &path), "size": file.size()}]}))
        .into_response()
}

/// The file behind a store path `/dvp/{ns}/{year}/{kind}/{n}/{view}.csv`.
pub(crate) fn file_for(state: &State, path: &str) -> Option<CsvFile> {
    let parts: Vec<&str> = path.strip_prefix("/dvp/")?.split('/').collect();
    let [namespace, year, kind, number, view] = parts.as_slice() else {
        return None;
    };
    let year: i32 = year.parse().ok()?;
    let number: u32 = number.parse().ok()?;
    if *namespace != NAMESPACE || !(1..=count(year, kind)?).contains(&number) {
        return None;
    }
    let (row_kind, rows) = match view.strip_suffix(".csv")? {
        "raw" => (RowKind::DvpRaw, state.config.dvp_raw_rows),
        "summary" => (RowKind::DvpSummary, state.config.dvp_summary_rows),
        "repo-summary" => (RowKind::DvpRepoSummary, state.config.dvp_summary_rows),
        "namespace-summary" => (RowKind::DvpNamespaceSummary, state.config.dvp_summary_rows),
        _ => return None,
    };
    let date = if *kind == "months" {
        NaiveDate::from_ymd_opt(year, number, 1)?
    } else {
        NaiveDate::from_isoywd_opt(year, number, chrono::Weekday::Mon)?
    };
    let seed = state.config.seed
        ^ (year as u64) << 20
        ^ u64::from(number) << 8
        ^ (row_kind as u64)
        ^ u64::from(*kind == "weeks") << 40;
    Some(CsvFile {
        kind: row_kind,
        rows,
        seed,
        owner: NAMESPACE.into(),
        date: date.to_string(),
    })
}
