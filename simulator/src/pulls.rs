//! DVP pull counts: per namespace, per repository, and for many
//! repositories. Counts are derived from the seed, the repository and the
//! span, so the same question always gets the same answer; windows end on
//! the same fixed day as the Enterprise reports.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::accounts::NAMESPACE;
use crate::csvgen::REPOS;
use crate::dvp::{guard, known_namespace};
use crate::{State, json_error};

/// Most repositories one many-repos request may name (the spec's limit).
pub const MAX_REPOS: usize = 50;

/// The last day with data.
fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default()
}

/// The optional query shared by the three operations, plus every `repos`.
struct PullsQuery {
    weeks: bool,
    months_back: u32,
    by_repo: bool,
    repos: Vec<String>,
}

fn parse_query(raw: Option<&str>) -> Result<PullsQuery, Response> {
    let mut query = PullsQuery {
        weeks: false,
        months_back: 2,
        by_repo: false,
        repos: Vec::new(),
    };
    let bad = |what: &str, value: &str| {
        json_error(
            StatusCode::BAD_REQUEST,
            "detail",
            &format!("invalid {what}: {value:?}"),
        )
    };
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match (key.as_ref(), value.as_ref()) {
            ("timespan", "months") => query.weeks = false,
            ("timespan", "weeks") => query.weeks = true,
            ("timespan", other) => return Err(bad("timespan", other)),
            ("period", period) => {
                query.months_back = match period {
                    "last-2-months" => 2,
                    "last-3-months" => 3,
                    "last-6-months" => 6,
                    "last-12-months" => 12,
                    other => return Err(bad("period", other)),
                }
            }
            ("group", "repo") => query.by_repo = true,
            ("group", "namespace") => query.by_repo = false,
            ("group", other) => return Err(bad("group", other)),
            ("repos", repo) => query.repos.push(repo.to_owned()),
            _ => {}
        }
    }
    Ok(query)
}

/// `(start, end)` of each month or week of the window, oldest first.
fn spans(query: &PullsQuery) -> Vec<(NaiveDate, NaiveDate)> {
    let last = last_day();
    if query.weeks {
        // Whole ISO weeks (Monday to Sunday) ending on or before `last`.
        let sunday = last - Duration::days(i64::from(last.weekday().num_days_from_sunday()));
        let count = i64::from(query.months_back) * 4;
        (0..count)
            .rev()
            .map(|back| {
                let end = sunday - Duration::weeks(back);
                (end - Duration::days(6), end)
            })
            .collect()
    } else {
        (0..query.months_back)
            .rev()
            .filter_map(|back| {
                let index = last.year() * 12 + last.month0() as i32 - back as i32;
                let start = NaiveDate::from_ymd_opt(index / 12, (index % 12) as u32 + 1, 1)?;
                let next =
                    NaiveDate::from_ymd_opt((index + 1) / 12, ((index + 1) % 12) as u32 + 1, 1)?;
                Some((start, next - Duration::days(1)))
            })
            .collect()
    }
}

fn count(seed: u64, key: &str, start: NaiveDate) -> (u64, u64) {
    let mut x = seed ^ u64::from(start.num_days_from_ce() as u32);
    for byte in key.bytes() {
        x = (x ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let pulls = x % 1_000_000;
    (pulls, pulls / 7 + 1)
}

/// Pull entries of `repos` of the namespace (one per repo and span when
/// grouped by repo, else one per span summing them).
fn entries(state: &State, repos: &[&str], query: &PullsQuery) -> Vec<Value> {
    let mut out = Vec::new();
    for (start, end) in spans(query) {
        let mut total = (0, 0);
        for repo in repos {
            let (pulls, ips) = count(state.config.seed, repo, start);
            if query.by_repo {
                out.push(json!({
                    "start": start.to_string(), "end": end.to_string(),
                    "namespace": NAMESPACE, "repo": repo,
                    "pullCount": pulls, "ipCount": ips,
                }));
            }
            total = (total.0 + pulls, total.1 + ips);
        }
        if !query.by_repo {
            out.push(json!({
                "start": start.to_string(), "end": end.to_string(),
                "namespace": NAMESPACE,
                "pullCount": total.0, "ipCount": total.1,
            }));
        }
    }
    out
}

pub(crate) async fn namespace_pulls(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    Path(namespace): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(response) = guard(&state, &headers).await {
        return response;
    }
    if known_namespace(&namespace).is_err() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let query = match parse_query(raw.as_deref()) {
        Ok(query) => query,
        Err(response) => return response,
    };
    Json(json!({"pulls": entries(&state, &REPOS, &query)})).into_response()
}

pub(crate) async fn repo_pulls(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    Path((namespace, repo)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(response) = guard(&state, &headers).await {
        return response;
    }
    if known_namespace(&namespace).is_err() || !REPOS.contains(&repo.as_str()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let query = match parse_query(raw.as_deref()) {
        Ok(query) => query,
        Err(response) => return response,
    };
    let query = PullsQuery {
        by_repo: true,
        ..query
    };
    Json(json!({"pulls": entries(&state, &[repo.as_str()], &query)})).into_response()
}

pub(crate) async fn many_repos_pulls(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(response) = guard(&state, &headers).await {
        return response;
    }
    let query = match parse_query(raw.as_deref()) {
        Ok(query) => query,
        Err(response) => return response,
    };
    if query.repos.is_empty() || query.repos.len() > MAX_REPOS {
        return json_error(
            StatusCode::BAD_REQUEST,
            "detail",
            &format!("give 1 to {MAX_REPOS} repos, not {}", query.repos.len()),
        );
    }
    let by_repo = PullsQuery {
        by_repo: true,
        repos: Vec::new(),
        ..query
    };
    let mut repos = serde_json::Map::new();
    for qualified in &query.repos {
        // Repositories the caller cannot read are left out of the map.
        let Some((namespace, repo)) = qualified.split_once('/') else {
            continue;
        };
        if namespace == NAMESPACE && REPOS.contains(&repo) {
            repos.insert(
                qualified.clone(),
                json!({"pulls": entries(&state, &[repo], &by_repo)}),
            );
        }
    }
    Json(json!({"repos": repos})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_have_the_asked_number_of_spans_ending_on_the_last_day() {
        let months = spans(&parse_query(Some("period=last-3-months")).unwrap());
        assert_eq!(months.len(), 3);
        assert_eq!(months[0].0.to_string(), "2026-04-01");
        assert_eq!(months[2].1.to_string(), "2026-06-30");
        let weeks = spans(&parse_query(Some("timespan=weeks&period=last-2-months")).unwrap());
        assert_eq!(weeks.len(), 8);
        assert!(weeks.iter().all(|(s, e)| (*e - *s).num_days() == 6));
        assert_eq!(weeks[7].1.weekday(), chrono::Weekday::Sun);
    }

    #[test]
    fn repeated_repos_keys_are_all_kept_and_bad_values_refused() {
        let query = parse_query(Some("repos=a%2Fb&repos=c/d&group=repo")).unwrap();
        assert_eq!(query.repos, ["a/b", "c/d"]);
        assert!(query.by_repo);
        assert!(parse_query(Some("period=last-year")).is_err());
    }
}
