//! Docker Hub's token endpoints.

use std::sync::Arc;

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::*;
use crate::faults::route;
use crate::tokens::Subject;
use crate::{State, apply_fault, json_error};

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/v2/users/login", post(login))
        .route("/v2/users/2fa-login", post(two_factor))
        .route("/v2/auth/token", post(exchange))
        .merge(crate::account::routes())
        .merge(crate::hub_data::routes())
        .with_state(state)
}

fn field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name)?.as_str()
}

fn token(state: &State, subject: Subject) -> String {
    state.tokens.issue(subject, state.config.token_lifetime)
}

async fn login(AxumState(state): AxumState<Arc<State>>, body: axum::body::Bytes) -> Response {
    if let Err(fault) = apply_fault(&state, route::HUB_LOGIN, "detail").await {
        return fault;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let (Some(username), Some(password)) = (field(&body, "username"), field(&body, "password"))
    else {
        return wrong_credentials();
    };
    if username == DVP_USER && (password == DVP_PASSWORD || password == DVP_PAT) {
        return Json(json!({"token": token(&state, Subject::User(username.into()))}))
            .into_response();
    }
    if username == DVP_2FA_USER && password == DVP_2FA_PASSWORD {
        let challenge = state.tokens.issue(
            Subject::User(format!("2fa-challenge:{username}")),
            state.config.token_lifetime,
        );
        if let Ok(mut challenges) = state.challenges.lock() {
            challenges.insert(challenge.clone(), username.to_owned());
        }
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"detail": "Require secondary authentication on MFA enabled account", "login_2fa_token": challenge})),
        )
            .into_response();
    }
    wrong_credentials()
}

fn wrong_credentials() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"detail": "Incorrect authentication credentials", "login_2fa_token": null})),
    )
        .into_response()
}

async fn two_factor(AxumState(state): AxumState<Arc<State>>, body: axum::body::Bytes) -> Response {
    if let Err(fault) = apply_fault(&state, route::HUB_2FA, "detail").await {
        return fault;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let challenge = field(&body, "login_2fa_token").unwrap_or_default();
    let user = state
        .challenges
        .lock()
        .ok()
        .and_then(|mut c| c.remove(challenge));
    match user {
        Some(user) if field(&body, "code") == Some(TOTP_CODE) => {
            Json(json!({"token": token(&state, Subject::User(user))})).into_response()
        }
        _ => json_error(
            StatusCode::UNAUTHORIZED,
            "detail",
            "Incorrect authentication credentials",
        ),
    }
}

async fn exchange(AxumState(state): AxumState<Arc<State>>, body: axum::body::Bytes) -> Response {
    if let Err(fault) = apply_fault(&state, route::HUB_TOKEN, "detail").await {
        return fault;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "detail",
            "request body is not JSON",
        );
    };
    let (Some(identifier), Some(secret)) = (field(&body, "identifier"), field(&body, "secret"))
    else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "detail",
            "identifier and secret are required",
        );
    };
    let subject = match (identifier, secret) {
        (ORG, OAT) => Subject::Org(ORG.into()),
        (DVP_USER, DVP_PAT) => Subject::User(DVP_USER.into()),
        _ => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"detail": "Incorrect authentication credentials", "message": "incorrect identifier or secret"})),
            )
                .into_response();
        }
    };
    Json(json!({"access_token": token(&state, subject)})).into_response()
}
