//! The one path every generated operation takes: progenitor calls
//! [`pre`] and [`exec`] through the `ClientHooks` implementation that
//! [`impl_client_hooks!`](crate::impl_client_hooks) writes for a client.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use progenitor_client::OperationInfo;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::rate_limit::{RateLimit, RateLimitState};
use crate::retry::{Attempts, RetryPolicy, Step};
use crate::token_source::TokenSource;

/// One operation of a spec, as `cargo xtask generate` lists it in each
/// generated module's `OPERATIONS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The name progenitor gives the hooks (`OperationInfo::operation_id`).
    pub name: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template, e.g. `/orgs/{org_name}/reports`.
    pub path: &'static str,
    /// The media type the request body is sent as, when the spec names a
    /// JSON type under another name (`application/scim+json`): the
    /// generated code serializes JSON, and the request hook labels it so.
    pub request_content_type: Option<&'static str>,
}

/// Default most bytes of one JSON answer, after gzip decoding: far above any
/// real listing, far below what would exhaust memory.
pub const DEFAULT_MAX_JSON_BODY: usize = 64 * 1024 * 1024;

/// Per-client state the hooks need: the inner type of every generated client.
#[derive(Clone)]
pub struct ApiContext {
    token_source: Option<Arc<dyn TokenSource>>,
    basic: Option<SecretString>,
    retry: RetryPolicy,
    operations: &'static [Operation],
    max_body: usize,
    rate_limit: RateLimitState,
}

impl Default for ApiContext {
    fn default() -> Self {
        Self {
            token_source: None,
            basic: None,
            retry: RetryPolicy::default(),
            operations: &[],
            max_body: DEFAULT_MAX_JSON_BODY,
            rate_limit: RateLimitState::default(),
        }
    }
}

impl ApiContext {
    /// No Authorization header (the Hub token endpoints need none).
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// Every request carries `Authorization: Bearer <token>` from `source`.
    pub fn with_token_source(source: Arc<dyn TokenSource>) -> Self {
        Self {
            token_source: Some(source),
            ..Self::default()
        }
    }

    /// Every request carries HTTP Basic credentials (`Authorization: Basic`).
    /// A `401` is returned as it is: there is nothing to refresh.
    pub fn with_basic_auth(username: &str, password: &SecretString) -> Self {
        use base64::Engine as _;
        let pair = format!("{username}:{}", password.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        Self {
            basic: Some(SecretString::from(format!("Basic {encoded}"))),
            ..Self::default()
        }
    }

    /// The same context, naming path templates in request spans.
    pub fn with_operations(mut self, operations: &'static [Operation]) -> Self {
        self.operations = operations;
        self
    }

    /// The same context with another limit on answers' bodies (after gzip
    /// decoding); a longer success body fails the call with a clear error.
    /// Error bodies are always cut at [`MAX_ERROR_BODY`](crate::download::MAX_ERROR_BODY).
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The same context with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The retry policy applied to every request.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The server's rate limit as its last answer stated it
    /// (`X-RateLimit-*`), shared by every clone of the client.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit.last()
    }

    /// The token source, if requests are authenticated.
    pub fn token_source(&self) -> Option<&Arc<dyn TokenSource>> {
        self.token_source.as_ref()
    }
}

impl fmt::Debug for ApiContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiContext")
            .field(
                "authenticated",
                &(self.token_source.is_some() || self.basic.is_some()),
            )
            .field("retry", &self.retry)
            .finish()
    }
}

/// Builds the `Authorization` value for a token, marked sensitive so that
/// reqwest and hyper never print it.
pub fn bearer_header(
    token: &SecretString,
) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    secret_header(&format!("Bearer {}", token.expose_secret()))
}

/// `Authorization` with a secret value, marked sensitive.
fn secret_header(value: &str) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    let mut value = HeaderValue::from_str(value)?;
    value.set_sensitive(true);
    Ok(value)
}

/// Runs before a request is sent: drops progenitor's `api-version` header,
/// which none of Docker's specs define, and sets the bearer token (or the
/// Basic credentials).
pub async fn pre<E>(
    context: &ApiContext,
    request: &mut Request,
    info: &OperationInfo,
) -> Result<(), progenitor_client::Error<E>> {
    request.headers_mut().remove("api-version");
    if let Some(media) = context
        .operations
        .iter()
        .find(|op| op.name == info.operation_id)
        .and_then(|op| op.request_content_type)
        && request.body().is_some()
        && let Ok(value) = reqwest::header::HeaderValue::from_str(media)
    {
        request
            .headers_mut()
            .insert(reqwest::header::CONTENT_TYPE, value);
    }
    if let Some(basic) = &context.basic {
        let value = secret_header(basic.expose_secret()).map_err(|_| {
            progenitor_client::Error::Custom(format!(
                "{}: the user name or password contains characters not allowed in a header",
                info.operation_id
            ))
        })?;
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    if let Some(source) = &context.token_source {
        let token = source.token().await.map_err(|err| {
            progenitor_client::Error::Custom(crate::error::token_failure(
                err.kind,
                &format!(
                    "{}: could not get an access token: {err}",
                    info.operation_id
                ),
            ))
        })?;
        let value = bearer_header(&token).map_err(|_| {
            progenitor_client::Error::Custom(format!(
                "{}: the access token contains characters not allowed in a header",
                info.operation_id
            ))
        })?;
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    Ok(())
}

/// Sends a request through the retry policy. A `401` on an authenticated
/// request invalidates the token and resends once with a fresh one (this
/// re-auth does not count as a retry); a second `401` is returned as it is.
/// When the last answer said no request remains in the rate-limit window,
/// each send first waits for the window's reset (see [`crate::rate_limit`]).
pub async fn exec(
    context: &ApiContext,
    client: &reqwest::Client,
    request: Request,
    info: &OperationInfo,
) -> reqwest::Result<Response> {
    // The template, not the path: no parameter values in the logs.
    let path = context
        .operations
        .iter()
        .find(|op| op.name == info.operation_id)
        .map(|op| op.path)
        .unwrap_or("(unknown operation)");
    let span = tracing::debug_span!(
        "request",
        operation = info.operation_id,
        method = %request.method(),
        path,
        status = tracing::field::Empty,
        attempt = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    async move {
        let started = Instant::now();
        let mut attempts = Attempts::new(&context.retry, "request");
        let mut reauthenticated = false;
        let mut next = request;
        let result = loop {
            let attempt = attempts.number();
            // A body that cannot be cloned (a stream) is sent once only.
            let spare = next.try_clone();
            context.rate_limit.pace().await;
            let result = client.execute(next).await;
            if let Ok(response) = &result {
                context.rate_limit.observe(response.headers());
            }
            let Some(mut spare) = spare else { break result };

            if let (Ok(response), Some(source)) = (&result, &context.token_source)
                && response.status() == StatusCode::UNAUTHORIZED
                && !reauthenticated
                && source.can_refresh()
            {
                reauthenticated = true;
                // The copy carries the same header as what was sent.
                if let Some(rejected) = sent_bearer(&spare) {
                    source.invalidate(&rejected);
                }
                // Without a fresh token there is nothing to resend: the
                // caller gets the 401 and its message.
                let Ok(token) = source.token().await else {
                    break result;
                };
                let Ok(value) = bearer_header(&token) else {
                    break result;
                };
                tracing::debug!(attempt, "401: re-authenticating and resending once");
                spare.headers_mut().insert(AUTHORIZATION, value);
                // Resent at once: a re-auth is not one of the policy's
                // attempts.
                next = spare;
                continue;
            }
            let retry_after = match &result {
                Ok(response) if RetryPolicy::is_retryable_status(response.status()) => {
                    crate::retry::retry_after_now(response.headers())
                }
                Err(error) if RetryPolicy::is_retryable_error(error) => None,
                _ => break result,
            };
            let step = Step::Retry {
                reason: describe(&result),
                outcome: result,
                retry_after,
                progressed: false,
            };
            next = spare;
            if let Some(result) = attempts.after(step).await {
                break result;
            }
        };
        let attempt = attempts.number();

        let result = result.map(|response| bounded(response, context.max_body));
        let span = tracing::Span::current();
        span.record("attempt", attempt);
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        match &result {
            Ok(ok) => {
                span.record("status", ok.status().as_u16());
                tracing::debug!(status = ok.status().as_u16(), attempt, "response");
            }
            Err(err) => tracing::debug!(
                error = %crate::redact::error_without_url(err),
                attempt,
                "request failed"
            ),
        }
        result
    }
    .instrument(span)
    .await
}

/// The response with its body bounded: an error body (4xx, 5xx) is cut at
/// [`MAX_ERROR_BODY`](crate::download::MAX_ERROR_BODY) and the rest never
/// read, so its message is still found; any other body fails once it
/// passes `max` bytes, so a huge or endlessly inflating answer ends with an
/// error instead of exhausting memory.
fn bounded(response: Response, max: usize) -> Response {
    use futures::StreamExt;
    use reqwest::ResponseBuilderExt as _;

    let is_error = response.status().is_client_error() || response.status().is_server_error();
    let mut builder = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone());
    if let Some(headers) = builder.headers_mut() {
        *headers = response.headers().clone();
        if is_error {
            // The body may end early now; it no longer has that length.
            headers.remove(reqwest::header::CONTENT_LENGTH);
        }
    }
    let limit = if is_error {
        crate::download::MAX_ERROR_BODY
    } else {
        max
    };
    let mut seen = 0usize;
    let body = response.bytes_stream().scan(false, move |done, chunk| {
        let item = match chunk {
            _ if *done => None,
            Ok(bytes) if seen + bytes.len() > limit => {
                *done = true;
                if is_error {
                    Some(Ok(bytes.slice(..limit - seen)))
                } else {
                    Some(Err(BodyError::TooLarge(limit)))
                }
            }
            Ok(bytes) => {
                seen += bytes.len();
                Some(Ok(bytes))
            }
            Err(err) => Some(Err(BodyError::Transport(err))),
        };
        futures::future::ready(item)
    });
    match builder.body(reqwest::Body::wrap_stream(body)) {
        Ok(rebuilt) => Response::from(rebuilt),
        // Unreachable with parts copied from a valid response; answer
        // with an empty body rather than panic.
        Err(_) => Response::from(http::Response::new(reqwest::Body::from(Vec::<u8>::new()))),
    }
}

/// Why a bounded body stopped.
#[derive(Debug)]
enum BodyError {
    TooLarge(usize),
    Transport(reqwest::Error),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::TooLarge(limit) => write!(
                f,
                "the answer is larger than {limit} bytes (raise max_json_body if it is legitimate)"
            ),
            BodyError::Transport(err) => f.write_str(&crate::redact::error_without_url(err)),
        }
    }
}

impl std::error::Error for BodyError {}

fn describe(result: &reqwest::Result<Response>) -> String {
    match result {
        Ok(response) => format!("status {}", response.status().as_u16()),
        // reqwest's message names the URL; strip it, a signed query may be in it.
        Err(error) => crate::redact::error_without_url(error),
    }
}

fn sent_bearer(request: &Request) -> Option<SecretString> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .map(|token| SecretString::from(token.to_owned()))
}

/// Implements progenitor's `ClientHooks` for a generated client whose inner
/// type is [`ApiContext`], delegating to [`pre`] and [`exec`].
///
/// ```ignore
/// sdk_core::impl_client_hooks!(generated::Client);
/// ```
#[macro_export]
macro_rules! impl_client_hooks {
    ($client:ty) => {
        impl $crate::__private::progenitor_client::ClientHooks<$crate::ApiContext> for $client {
            async fn pre<E>(
                &self,
                request: &mut $crate::__private::reqwest::Request,
                info: &$crate::__private::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), $crate::__private::progenitor_client::Error<E>> {
                let context = <Self as $crate::__private::progenitor_client::ClientInfo<
                    $crate::ApiContext,
                >>::inner(self);
                $crate::hooks::pre(context, request, info).await
            }

            async fn exec(
                &self,
                request: $crate::__private::reqwest::Request,
                info: &$crate::__private::progenitor_client::OperationInfo,
            ) -> $crate::__private::reqwest::Result<$crate::__private::reqwest::Response> {
                let context = <Self as $crate::__private::progenitor_client::ClientInfo<
                    $crate::ApiContext,
                >>::inner(self);
                let client = <Self as $crate::__private::progenitor_client::ClientInfo<
                    $crate::ApiContext,
                >>::client(self);
                $crate::hooks::exec(context, client, request, info).await
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    static OPERATIONS: &[Operation] = &[
        Operation {
            name: "create_user",
            method: "POST",
            path: "/scim/v2/Users",
            request_content_type: Some("application/scim+json"),
        },
        Operation {
            name: "list_users",
            method: "GET",
            path: "/scim/v2/Users",
            request_content_type: None,
        },
    ];

    async fn content_type_after_pre(operation: &'static str, body: bool) -> Option<String> {
        let context = ApiContext::anonymous().with_operations(OPERATIONS);
        let mut request = reqwest::Request::new(
            reqwest::Method::POST,
            "http://localhost/scim/v2/Users".parse().unwrap(),
        );
        request.headers_mut().insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if body {
            *request.body_mut() = Some("{}".into());
        }
        let info = OperationInfo {
            operation_id: operation,
        };
        pre::<()>(&context, &mut request, &info).await.unwrap();
        request
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    #[tokio::test]
    async fn a_body_of_a_suffixed_json_type_is_sent_labelled_as_the_spec_says() {
        assert_eq!(
            content_type_after_pre("create_user", true).await.as_deref(),
            Some("application/scim+json")
        );
        // Other operations, and requests without a body, are left alone.
        assert_eq!(
            content_type_after_pre("list_users", true).await.as_deref(),
            Some("application/json")
        );
        assert_eq!(
            content_type_after_pre("create_user", false)
                .await
                .as_deref(),
            Some("application/json")
        );
    }
}
