//! The legacy docker.io Account API v1.1: one user's profile and email
//! addresses, kept per simulator (added and removed addresses stay until it
//! stops). Served on the Hub listener, under `/api/v1.1/`.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::accounts::{ACCOUNT_PASSWORD, ACCOUNT_TOKEN, ACCOUNT_TOKEN_NO_SCOPE, ACCOUNT_USER};
use crate::faults::route;
use crate::{State, apply_fault};

/// Profile fields and email addresses of the simulated user.
#[derive(Debug)]
pub(crate) struct AccountStore {
    profile: Mutex<Value>,
    emails: Mutex<Vec<Value>>,
}

impl Default for AccountStore {
    fn default() -> Self {
        Self {
            profile: Mutex::new(json!({
                "id": 7,
                "username": ACCOUNT_USER,
                "url": format!("/api/v1.1/users/{ACCOUNT_USER}/"),
                "date_joined": "2014-03-01T09:30:00.000000Z",
                "type": "User",
                "full_name": "Sim User",
                "location": "Berlin",
                "company": "Simulated GmbH",
                "profile_url": "https://sim.example/",
                "gravatar_url": "https://secure.gravatar.com/avatar/0.jpg",
                "email": "sim-user@example.org",
                "is_active": true,
            })),
            emails: Mutex::new(vec![
                json!({"email": "sim-user@example.org", "verified": true, "primary": true}),
            ]),
        }
    }
}

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route(
            "/api/v1.1/users/{username}/",
            get(get_user).patch(update_user),
        )
        .route(
            "/api/v1.1/users/{username}/emails/",
            get(list_emails).post(add_email).delete(delete_email),
        )
}

/// The spec documents the Account API's errors without a body: the status
/// alone answers, and the reason goes to the simulator's log.
fn error(status: StatusCode, reason: &str) -> Response {
    tracing::debug!(status = status.as_u16(), reason, "account API error");
    status.into_response()
}

/// Fault, credentials (Basic or bearer), then the user.
/// A request that passed [`guard`] for the user its path names: the
/// handlers' first extractor, so none can forget it.
struct SignedIn;

impl axum::extract::FromRequestParts<Arc<State>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<State>,
    ) -> Result<Self, Response> {
        let Path(username) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        guard(state, &parts.headers, &username).await?;
        Ok(SignedIn)
    }
}

async fn guard(state: &State, headers: &HeaderMap, username: &str) -> Result<(), Response> {
    apply_fault(state, route::ACCOUNT, "detail").await?;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let basic = authorization
        .strip_prefix("Basic ")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let authenticated = match (basic, authorization.strip_prefix("Bearer ")) {
        (Some(pair), _) => pair == format!("{ACCOUNT_USER}:{ACCOUNT_PASSWORD}"),
        (None, Some(ACCOUNT_TOKEN_NO_SCOPE)) => {
            return Err(error(
                StatusCode::FORBIDDEN,
                "the token lacks the profile_read scope",
            ));
        }
        (None, Some(token)) => token == ACCOUNT_TOKEN,
        (None, None) => false,
    };
    if !authenticated {
        return Err(error(StatusCode::UNAUTHORIZED, "authentication failed"));
    }
    if username != ACCOUNT_USER {
        return Err(error(StatusCode::NOT_FOUND, "no such user"));
    }
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The body as a JSON object, or a 400.
fn object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Response> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object",
        )),
    }
}

/// The `email` field of a request body, or a 400.
fn email_of(body: &[u8]) -> Result<String, Response> {
    let map = object(body)?;
    match map.get("email").and_then(Value::as_str) {
        Some(email) if email.contains('@') => Ok(email.to_owned()),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "email: a valid address is required",
        )),
    }
}

async fn get_user(_: SignedIn, AxumState(state): AxumState<Arc<State>>) -> Response {
    Json(lock(&state.account.profile).clone()).into_response()
}

async fn update_user(
    _: SignedIn,
    AxumState(state): AxumState<Arc<State>>,
    body: axum::body::Bytes,
) -> Response {
    let changes = match object(&body) {
        Ok(changes) => changes,
        Err(response) => return response,
    };
    const EDITABLE: [&str; 5] = [
        "full_name",
        "location",
        "company",
        "profile_url",
        "gravatar_email",
    ];
    if let Some((key, _)) = changes
        .iter()
        .find(|(k, v)| !EDITABLE.contains(&k.as_str()) || !v.is_string())
    {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("{key}: not an editable text field"),
        );
    }
    let mut profile = lock(&state.account.profile);
    for (key, value) in changes {
        // The Gravatar address is not part of the profile that is read back.
        if key != "gravatar_email" {
            profile[key] = value;
        }
    }
    Json(profile.clone()).into_response()
}

async fn list_emails(_: SignedIn, AxumState(state): AxumState<Arc<State>>) -> Response {
    Json(lock(&state.account.emails).clone()).into_response()
}

async fn add_email(
    _: SignedIn,
    AxumState(state): AxumState<Arc<State>>,
    body: axum::body::Bytes,
) -> Response {
    let email = match email_of(&body) {
        Ok(email) => email,
        Err(response) => return response,
    };
    let mut emails = lock(&state.account.emails);
    if emails.iter().any(|e| e["email"] == email.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            "email: this address is already there",
        );
    }
    let added = json!({"email": email, "verified": false, "primary": false});
    emails.push(added.clone());
    let status = if state.config.account_statuses_as_listed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (status, Json(added)).into_response()
}

async fn delete_email(
    _: SignedIn,
    AxumState(state): AxumState<Arc<State>>,
    body: axum::body::Bytes,
) -> Response {
    let email = match email_of(&body) {
        Ok(email) => email,
        Err(response) => return response,
    };
    let mut emails = lock(&state.account.emails);
    match emails.iter().position(|e| e["email"] == email.as_str()) {
        Some(i) if emails[i]["primary"] == true => error(
            StatusCode::BAD_REQUEST,
            "email: the primary address cannot be removed",
        ),
        Some(i) => {
            emails.remove(i);
            if state.config.account_statuses_as_listed {
                StatusCode::OK.into_response()
            } else {
                StatusCode::NO_CONTENT.into_response()
            }
        }
        None => error(
            StatusCode::BAD_REQUEST,
            "email: the user has no such address",
        ),
    }
}
