//! The object store: serves generated CSV files at pre-signed URLs. Like a
//! real store it refuses an Authorization header (400), refuses an expired
//! or forged link (403), and honours `Range`.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Query, State as AxumState};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;

use crate::faults::route;
use crate::{State, apply_fault};

/// Signs links; a test cannot forge one without it.
const SIGNING_KEY: &str = "simulator-signing-key";

pub(crate) fn router(state: Arc<State>) -> axum::Router {
    axum::Router::new()
        .route("/{*path}", get(object))
        .with_state(state)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// FNV-1a: enough to tell a link the simulator made from one it did not.
fn signature(path: &str, expires: u64) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("{SIGNING_KEY}\n{path}\n{expires}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// A link to `path` valid for the configured URL lifetime.
pub(crate) fn signed_url(state: &State, path: &str) -> String {
    let expires = now() + state.config.url_lifetime.as_secs();
    format!(
        "{}{path}?X-Sim-Expires={expires}&X-Sim-Signature={}",
        state.store_url,
        signature(path, expires)
    )
}

#[derive(serde::Deserialize)]
struct Signed {
    #[serde(rename = "X-Sim-Expires")]
    expires: Option<u64>,
    #[serde(rename = "X-Sim-Signature")]
    signature: Option<String>,
}

fn xml_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/xml")],
        format!(
            "<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        ),
    )
        .into_response()
}

async fn object(
    AxumState(state): AxumState<Arc<State>>,
    uri: Uri,
    headers: HeaderMap,
    Query(signed): Query<Signed>,
) -> Response {
    let drop_after = match apply_fault(&state, route::STORE, "error").await {
        Ok(drop_after) => drop_after,
        Err(response) => return response,
    };
    if headers.contains_key(header::AUTHORIZATION) {
        return xml_error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Only one auth mechanism allowed; the signed URL already authenticates the request",
        );
    }
    let path = uri.path();
    let (Some(expires), Some(sig)) = (signed.expires, signed.signature) else {
        return xml_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request is not signed",
        );
    };
    if sig != signature(path, expires) {
        return xml_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature does not match",
        );
    }
    if expires < now() {
        return xml_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    }
    let Some(file) =
        crate::dvp::file_for(&state, path).or_else(|| crate::enterprise::file_for(&state, path))
    else {
        return xml_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist",
        );
    };
    let mut file = file;
    let generation = state
        .object_generation
        .load(std::sync::atomic::Ordering::Relaxed);
    // A replaced object: other values, the same size.
    file.seed = file
        .seed
        .wrapping_add(generation.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let size = file.size();
    let etag = format!("\"{}\"", signature(&format!("{path}#{}", file.seed), size));
    // `If-Range` naming another version: the whole object, as S3 answers.
    let range_applies = headers
        .get(header::IF_RANGE)
        .is_none_or(|validator| validator.as_bytes() == etag.as_bytes());
    if headers.contains_key(header::RANGE) {
        state
            .range_requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let start = headers
        .get(header::RANGE)
        .filter(|_| range_applies)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.split('-').next())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(start) = start
        && start >= size
    {
        return (
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(header::CONTENT_RANGE, format!("bytes */{size}"))],
        )
            .into_response();
    }
    let offset = start.unwrap_or(0);
    // `DropAfter(n)`: send n bytes of the body, then fail the connection,
    // even when n falls inside the last (or only) chunk.
    let mut budget = drop_after.unwrap_or(u64::MAX);
    let cut = drop_after.is_some();
    let chunks = file
        .chunks_from(offset)
        .map(Some)
        .chain(std::iter::once(None))
        .map_while(move |chunk| match chunk {
            _ if budget == 0 && cut => {
                budget = u64::MAX; // one error, then the end
                Some(Err(std::io::Error::other(
                    "connection dropped (injected fault)",
                )))
            }
            None => None,
            Some(chunk) => {
                let keep = chunk
                    .len()
                    .min(usize::try_from(budget).unwrap_or(usize::MAX));
                budget -= keep as u64;
                Some(Ok::<Bytes, std::io::Error>(chunk.slice(..keep)))
            }
        })
        .take_while({
            // Stop after the error instead of polling the generator further.
            let mut failed = false;
            move |item: &Result<Bytes, std::io::Error>| {
                let keep = !failed;
                failed |= item.is_err();
                keep
            }
        });
    let body = Body::from_stream(futures::StreamExt::then(
        futures::stream::iter(chunks),
        |item| async move {
            if item.is_err() {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            item
        },
    ));
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, "text/csv")
        .header(header::CONTENT_LENGTH, size - offset)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, etag);
    response = if start.is_some() {
        response.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!("bytes {offset}-{}/{size}", size - 1),
        )
    } else {
        response.status(StatusCode::OK)
    };
    response
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
