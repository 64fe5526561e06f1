//! Docker Hub organization data (`openapi/hub.yaml`): audit logs, members
//! (and their CSV export), repositories and tags of the simulated
//! organization, deterministic. Served on the Hub listener; every answer
//! carries rate-limit headers.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Path, Query, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::ORG;
use crate::faults::route;
use crate::{State, apply_fault, bearer, json_error};

/// Audit events of the organization.
pub const AUDIT_EVENTS: usize = 300;
/// Requests per rate-limit window the simulator announces.
pub const RATE_LIMIT: u64 = 600;

const ACTIONS: [(&str, &str, &str); 4] = [
    ("repo", "repo.create", "Repository created"),
    ("repo", "repo.tag.push", "Tag pushed"),
    ("team", "team.member.add", "Member added to a team"),
    (
        "org",
        "org.settings.update",
        "Organization settings changed",
    ),
];
const ACTORS: [&str; 3] = ["alice", "bob", "carol"];
const REPOS: [(&str, u64, u64); 5] = [
    ("web-app", 1_204_331, 42),
    ("api-svc", 884_120, 17),
    ("cli-kit", 310_554, 9),
    ("db-tool", 77_001, 3),
    ("docs", 1_250, 1),
];

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v2/auditlogs/{account}", get(audit_logs))
        .route("/v2/auditlogs/{account}/actions", get(audit_actions))
        .route("/v2/orgs/{org}/members", get(members))
        .route("/v2/orgs/{org}/members/export", get(export_members))
        .route("/v2/namespaces/{namespace}/repositories", get(repositories))
        .route(
            "/v2/namespaces/{namespace}/repositories/{repository}/tags",
            get(tags),
        )
}

/// Fault, then a valid token, then the organization.
async fn guard(state: &State, headers: &HeaderMap, name: &str) -> Result<(), Response> {
    apply_fault(state, route::HUB_DATA, "detail").await?;
    let valid = bearer(headers).is_some_and(|token| state.tokens.check(token).is_some());
    if !valid {
        return Err(json_error(
            StatusCode::UNAUTHORIZED,
            "detail",
            "authentication required",
        ));
    }
    if name != ORG {
        return Err(json_error(StatusCode::NOT_FOUND, "detail", "not found"));
    }
    Ok(())
}

/// Adds the rate-limit headers: the count never reaches 0 on its own (a
/// client would then wait for the reset); tests that want 0 use a mock.
fn limited(state: &State, mut response: Response) -> Response {
    let used = state.hub_data_requests.fetch_add(1, Ordering::Relaxed);
    let remaining = RATE_LIMIT - 1 - used % (RATE_LIMIT - 1);
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + 60)
        .unwrap_or(0);
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", RATE_LIMIT),
        ("x-ratelimit-remaining", remaining),
        ("x-ratelimit-reset", reset),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(name, value);
        }
    }
    response
}

fn number(query: &HashMap<String, String>, key: &str, default: usize) -> Result<usize, Response> {
    match query.get(key) {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(json_error(
                StatusCode::BAD_REQUEST,
                "detail",
                &format!("{key} must be a positive integer"),
            )),
        },
    }
}

/// The `n`th event, newest first: one an hour back from 2026-06-30 23:00.
fn event(n: usize) -> Value {
    let (_, action, description) = ACTIONS[n % ACTIONS.len()];
    let at = chrono::DateTime::parse_from_rfc3339("2026-06-30T23:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
        - chrono::Duration::hours(n as i64);
    json!({
        "account": ORG,
        "action": action,
        "name": format!("{ORG}/{}", REPOS[n % REPOS.len()].0),
        "actor": ACTORS[n % ACTORS.len()],
        "data": {"digest": format!("sha256:{n:064x}")},
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "action_description": description,
    })
}

async fn audit_logs(
    AxumState(state): AxumState<Arc<State>>,
    Path(account): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = guard(&state, &headers, &account).await {
        return response;
    }
    let (page, size) = match (number(&query, "page", 1), number(&query, "page_size", 25)) {
        (Ok(page), Ok(size)) => (page, size),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let time = |key: &str| {
        query
            .get(key)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let (from, to) = (time("from"), time("to"));
    let kept: Vec<Value> = (0..AUDIT_EVENTS)
        .map(event)
        .filter(|e| {
            let at = e["timestamp"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&chrono::Utc));
            from.is_none_or(|from| at.is_some_and(|at| at >= from))
                && to.is_none_or(|to| at.is_some_and(|at| at <= to))
                && ["action", "actor", "name"]
                    .iter()
                    .all(|key| query.get(*key).is_none_or(|want| e[*key] == *want))
        })
        .collect();
    let logs: Vec<Value> = kept
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    limited(&state, Json(json!({ "logs": logs })).into_response())
}

async fn audit_actions(
    AxumState(state): AxumState<Arc<State>>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = guard(&state, &headers, &account).await {
        return response;
    }
    let mut actions: HashMap<&str, Value> = HashMap::new();
    for (category, name, description) in ACTIONS {
        let entry = actions
            .entry(category)
            .or_insert_with(|| json!({"label": category, "actions": []}));
        if let Some(list) = entry["actions"].as_array_mut() {
            list.push(json!({"name": name, "description": description, "label": description}));
        }
    }
    limited(&state, Json(json!({ "actions": actions })).into_response())
}

/// Members and invitees: twelve members, three pending invites.
fn member(n: usize) -> Value {
    let invitee = n >= 12;
    let role = if invitee {
        "Invitee"
    } else if n == 0 {
        "Owner"
    } else {
        "Member"
    };
    json!({
        "id": format!("{n:08x}-0000-4000-8000-000000000000"),
        "username": if invitee { String::new() } else { format!("user{n:02}") },
        "full_name": if invitee { String::new() } else { format!("User {n:02}") },
        "email": format!("user{n:02}@example.org"),
        "role": role,
        "type": "User",
        "is_guest": false,
        "groups": if n == 0 { vec!["owners"] } else { vec!["developers"] },
        "date_joined": format!("2024-01-{:02}T10:00:00Z", n + 1),
    })
}

/// A page of `items` as Hub pages them: `count`, `next`, `previous`,
/// `results`; `next` and `previous` are absolute URLs of this listener.
fn page_of(items: Vec<Value>, page: usize, size: usize, headers: &HeaderMap, path: &str) -> Value {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let count = items.len();
    let link = |page: usize| format!("http://{host}{path}?page={page}&page_size={size}");
    let results: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    // Absent rather than null at the ends: the member page's spec does not
    // allow null.
    let mut body = json!({ "count": count, "results": results });
    if page * size < count {
        body["next"] = Value::from(link(page + 1));
    }
    if page > 1 {
        body["previous"] = Value::from(link(page - 1));
    }
    body
}

async fn members(
    AxumState(state): AxumState<Arc<State>>,
    Path(org): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = guard(&state, &headers, &org).await {
        return response;
    }
    let (page, size) = match (number(&query, "page", 1), number(&query, "page_size", 10)) {
        (Ok(page), Ok(size)) => (page, size),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let invites = query.get("invites").is_some_and(|v| v == "true");
    let kept: Vec<Value> = (0..15)
        .map(member)
        .filter(|m| invites || m["role"] != "Invitee")
        .filter(|m| {
            query.get("role").is_none_or(|role| {
                m["role"]
                    .as_str()
                    .is_some_and(|r| r.eq_ignore_ascii_case(role))
            })
        })
        .filter(|m| match query.get("type").map(String::as_str) {
            Some("invitee") => m["role"] == "Invitee",
            Some("member") => m["role"] != "Invitee",
            _ => true,
        })
        .filter(|m| {
            query.get("search").is_none_or(|s| {
                m["username"]
                    .as_str()
                    .is_some_and(|u| u.contains(s.as_str()))
                    || m["email"].as_str().is_some_and(|e| e.contains(s.as_str()))
            })
        })
        .collect();
    let body = page_of(
        kept,
        page,
        size,
        &headers,
        &format!("/v2/orgs/{org}/members"),
    );
    limited(&state, Json(body).into_response())
}

async fn export_members(
    AxumState(state): AxumState<Arc<State>>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = guard(&state, &headers, &org).await {
        return response;
    }
    let mut csv = String::from("Name,Username,Email,Type,Permission,Teams,Date Joined\n");
    for n in 0..15 {
        let m = member(n);
        let text = |key: &str| m[key].as_str().unwrap_or_default().to_owned();
        let kind = if m["role"] == "Invitee" {
            "Invitee"
        } else {
            "User"
        };
        let permission = if m["role"] == "Owner" {
            "Owner"
        } else {
            "Member"
        };
        let teams = m["groups"]
            .as_array()
            .map(|g| {
                g.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{kind},{permission},\"{teams}\",2024-01-{:02} 10:00:00.000000 +0000 UTC\n",
            text("full_name"),
            text("username"),
            text("email"),
            n + 1,
        ));
    }
    let response = (
        [
            (header::CONTENT_TYPE, "text/csv".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{org}-members-20260630.csv\""),
            ),
        ],
        csv,
    )
        .into_response();
    limited(&state, response)
}

fn repository(n: usize) -> Value {
    let (name, pulls, stars) = REPOS[n];
    json!({
        "name": name,
        "namespace": ORG,
        "repository_type": "image",
        "status": 1,
        "status_description": "active",
        "description": format!("The {name} image"),
        "is_private": n % 2 == 1,
        "star_count": stars,
        "pull_count": pulls,
        "last_updated": format!("2026-06-{:02}T12:00:00Z", 30 - n),
        "date_registered": "2024-01-01T00:00:00Z",
        "affiliation": "",
        "media_types": ["application/vnd.oci.image.index.v1+json"],
        "content_types": ["image"],
        "categories": [],
    })
}

async fn repositories(
    AxumState(state): AxumState<Arc<State>>,
    Path(namespace): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = guard(&state, &headers, &namespace).await {
        return response;
    }
    let (page, size) = match (number(&query, "page", 1), number(&query, "page_size", 2)) {
        (Ok(page), Ok(size)) => (page, size),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let mut kept: Vec<Value> = (0..REPOS.len())
        .map(repository)
        .filter(|r| {
            query.get("name").is_none_or(|n| {
                r["name"]
                    .as_str()
                    .is_some_and(|name| name.contains(n.as_str()))
            })
        })
        .collect();
    match query.get("ordering").map(String::as_str) {
        Some("name") => kept.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str())),
        Some("-pull_count") => kept.sort_by_key(|r| std::cmp::Reverse(r["pull_count"].as_u64())),
        _ => {}
    }
    let body = page_of(
        kept,
        page,
        size,
        &headers,
        &format!("/v2/namespaces/{namespace}/repositories"),
    );
    limited(&state, Json(body).into_response())
}

async fn tags(
    AxumState(state): AxumState<Arc<State>>,
    Path((namespace, repository)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = guard(&state, &headers, &namespace).await {
        return response;
    }
    let Some(index) = REPOS.iter().position(|(name, ..)| *name == repository) else {
        return json_error(StatusCode::NOT_FOUND, "detail", "no such repository");
    };
    let (page, size) = match (number(&query, "page", 1), number(&query, "page_size", 10)) {
        (Ok(page), Ok(size)) => (page, size),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let tags: Vec<Value> = (0..5)
        .map(|t| {
            let name = if t == 0 { "latest".to_owned() } else { format!("v1.{t}") };
            json!({
                "id": index * 100 + t,
                "name": name,
                "full_size": 50_000_000 + t * 1_000_000,
                "repository": index,
                "creator": 1,
                "last_updater": 1,
                "last_updater_username": "alice",
                "last_updated": format!("2026-06-{:02}T08:00:00Z", 28 - t),
                "tag_last_pushed": format!("2026-06-{:02}T08:00:00Z", 28 - t),
                "tag_last_pulled": "2026-06-30T09:00:00Z",
                "status": "active",
                "v2": true,
                "images": [{"architecture": "amd64", "os": "linux", "digest": format!("sha256:{t:064x}"), "size": 50_000_000, "status": "active"}],
            })
        })
        .collect();
    let body = page_of(
        tags,
        page,
        size,
        &headers,
        &format!("/v2/namespaces/{namespace}/repositories/{repository}/tags"),
    );
    limited(&state, Json(body).into_response())
}
