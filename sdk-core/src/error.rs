//! The one error of every Docker data SDK.
//!
//! Every failure — a generated call's error status, a transport failure, an
//! answer that does not decode, a refused argument, a download, a bad CSV
//! cell — becomes an [`Error`] with a [`kind`](Error::kind) to match on, the
//! operation that failed, the HTTP status and the server's message.
//!
//! Server text reaches an `Error` only through its constructors, which
//! redact it once ([`crate::redact::tokens`]): a server that echoes the
//! caller's token, a JWT or a signed URL back in its error body gets `…` in
//! the message, whichever path built the error.

use std::borrow::Cow;
use std::time::Duration;

use serde::Serialize;

/// Result of an SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Longest server message kept in an error, in bytes.
const MAX_MESSAGE: usize = 512;

/// What kind of failure an [`Error`] is: what a caller matches on instead of
/// status numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument was refused before anything was sent.
    InvalidInput,
    /// The credentials were refused (`401`), or no token could be had.
    Unauthenticated,
    /// The credentials may not do this (`403`).
    PermissionDenied,
    /// Nothing at that name (`404`).
    NotFound,
    /// Too many requests (`429`); [`Error::retry_after`] says how long the
    /// server asked to wait, when it said.
    RateLimited,
    /// Any other error status (`400`, `5xx`, a redirect where none was
    /// expected, …).
    Api,
    /// A name from the server would have chosen where a file goes.
    UnsafeName,
    /// A listing went wrong: a page repeated, a token went backwards, too
    /// many pages.
    Paging,
    /// No usable answer: connection refused, reset, timed out.
    Transport,
    /// An answer or a file did not read as documented (a body that does not
    /// decode, a CSV cell that does not parse, a size that does not match).
    Decode,
    /// A local file or folder could not be used.
    Io,
}

impl ErrorKind {
    /// The kind an HTTP error status stands for.
    pub fn of_status(status: u16) -> Self {
        match status {
            401 => ErrorKind::Unauthenticated,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            _ => ErrorKind::Api,
        }
    }
}

/// What an SDK adds to an error of its API: a hint saying what to check.
/// Each SDK crate has one; [`CallExt::sdk`] applies it.
pub type HintFn = fn(ErrorKind, Option<u16>) -> Option<&'static str>;

/// A failed SDK call. The message says what failed, the HTTP status and the
/// server's message (redacted), and what to check; it never contains
/// passwords, tokens or signed URLs. The cause, when there is one (a
/// `reqwest::Error`, a download or CSV error), is the [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    operation: String,
    status: Option<u16>,
    message: String,
    hint: Option<Cow<'static, str>>,
    retry_after: Option<Duration>,
    source: Option<Source>,
}

/// The cause, shown redacted by `Debug`: a source's own `Debug` (an
/// `AuthError`, a CSV cell) may hold server text as it came.
struct Source(Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", crate::redact::tokens(&self.0.to_string()))
    }
}

impl Error {
    /// An error of `kind` while doing `operation` (`"listing namespaces"`;
    /// may be empty). `message` may be server text: it is redacted here.
    pub fn new(kind: ErrorKind, operation: impl Into<String>, message: impl AsRef<str>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                operation: operation.into(),
                status: None,
                message: crate::redact::tokens(message.as_ref()),
                hint: None,
                retry_after: None,
                source: None,
            }),
        }
    }

    /// The server answered `status` with `message` (its text, redacted here)
    /// while doing `operation`; the kind follows from the status.
    pub fn status_error(
        operation: impl Into<String>,
        status: u16,
        message: impl AsRef<str>,
    ) -> Self {
        Self::new(ErrorKind::of_status(status), operation, message).with_status(status)
    }

    /// An argument (`what`) refused before sending, and why.
    pub fn invalid_input(what: &str, why: impl AsRef<str>) -> Self {
        Self::new(ErrorKind::InvalidInput, format!("invalid {what}"), why)
    }

    /// The same error with the HTTP status the server answered.
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// The same error with what to check or do about it (replacing any
    /// hint it had).
    pub fn with_hint(mut self, hint: impl Into<Cow<'static, str>>) -> Self {
        self.inner.hint = Some(hint.into());
        self
    }

    /// The same error with its cause, for [`source`](std::error::Error::source).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Source(Box::new(source)));
        self
    }

    /// The same error with how long the server asked to wait.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.inner.retry_after = Some(wait);
        self
    }

    /// The SDK's hint for this error, when it has none yet.
    pub fn hinted(mut self, hint: HintFn) -> Self {
        if self.inner.hint.is_none() {
            self.inner.hint = hint(self.inner.kind, self.inner.status).map(Cow::Borrowed);
        }
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status behind the error, if the server answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// What was being done (`"listing namespaces"`); may be empty.
    pub fn operation(&self) -> &str {
        &self.inner.operation
    }

    /// The server's message or the failure's description, redacted.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// What to check or do, when the SDK knows.
    pub fn hint(&self) -> Option<&str> {
        self.inner.hint.as_deref()
    }

    /// How long the server asked to wait (`Retry-After`), when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The error of a generated call, reading the body of an undocumented
    /// answer to find the server's message.
    pub async fn from_generated<E: Serialize>(
        operation: impl Into<String>,
        error: progenitor_client::Error<E>,
    ) -> Self {
        match error {
            progenitor_client::Error::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                let retry_after = crate::retry::retry_after_now(response.headers());
                // The hooks cut every error body at MAX_ERROR_BODY.
                let text = response.text().await.unwrap_or_default();
                let mut error = Self::status_error(operation, status, message_of_body(&text));
                error.inner.retry_after = retry_after;
                error
            }
            progenitor_client::Error::CommunicationError(e)
            | progenitor_client::Error::InvalidUpgrade(e)
            | progenitor_client::Error::ResponseBodyError(e) => Self::transport(operation, e),
            other => Self::from_generated_ref(operation, &other),
        }
    }

    /// The error of a generated call seen by reference (as progenitor's CLI
    /// hands it over); an undocumented answer's body cannot be read this
    /// way, so such an error has its status alone.
    pub fn from_generated_ref<E: Serialize>(
        operation: impl Into<String>,
        error: &progenitor_client::Error<E>,
    ) -> Self {
        use progenitor_client::Error as G;
        match error {
            G::InvalidRequest(message) => Self::new(ErrorKind::InvalidInput, operation, message),
            // The hooks' way of saying that no token could be had.
            G::Custom(message) => {
                let (kind, message) = read_token_failure(message);
                Self::new(kind, operation, message)
            }
            G::CommunicationError(e) | G::InvalidUpgrade(e) | G::ResponseBodyError(e) => {
                Self::new(ErrorKind::Transport, operation, network_message(e))
            }
            G::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let body = serde_json::to_value(response.as_ref()).unwrap_or_default();
                let mut error = Self::status_error(
                    operation,
                    status,
                    message_of_json(&body).unwrap_or_default(),
                );
                error.inner.retry_after = crate::retry::retry_after_now(response.headers());
                error
            }
            // serde's message quotes the value it choked on: server text.
            G::InvalidResponsePayload(bytes, e) => Self::new(
                ErrorKind::Decode,
                operation,
                format!(
                    "unexpected response: {e} in body starting {:?}",
                    truncate(&String::from_utf8_lossy(bytes), 120)
                ),
            ),
            G::UnexpectedResponse(response) => {
                Self::status_error(operation, response.status().as_u16(), "")
            }
        }
    }

    /// A request that got no usable answer. The message has the URL without
    /// its query; the cause is kept as the source, without its URL (no
    /// signed query travels in the chain).
    pub fn transport(operation: impl Into<String>, error: reqwest::Error) -> Self {
        Self::new(ErrorKind::Transport, operation, network_message(&error))
            .with_source(error.without_url())
    }
}

/// A transport failure's message, its URL without the query.
fn network_message(error: &reqwest::Error) -> String {
    format!("network error: {}", crate::redact::error_without_url(error))
}

/// Marks the hooks' message when no token could be had: progenitor's
/// `Error::Custom` carries a string only, so the kind travels in it.
const TOKEN_FAILURE: char = '\u{1}';

/// The hooks' message for a token that could not be had, with its kind.
pub(crate) fn token_failure(kind: ErrorKind, message: &str) -> String {
    let code = match kind {
        ErrorKind::Transport => 'T',
        ErrorKind::RateLimited => 'R',
        ErrorKind::PermissionDenied => 'P',
        _ => 'U',
    };
    format!("{TOKEN_FAILURE}{code}{message}")
}

/// The kind and message of a `Custom` error: the hooks' token failure, or
/// (any other text) refused credentials.
fn read_token_failure(message: &str) -> (ErrorKind, &str) {
    let mut chars = message.chars();
    if chars.next() == Some(TOKEN_FAILURE) {
        let kind = match chars.next() {
            Some('T') => ErrorKind::Transport,
            Some('R') => ErrorKind::RateLimited,
            Some('P') => ErrorKind::PermissionDenied,
            _ => ErrorKind::Unauthenticated,
        };
        return (kind, chars.as_str());
    }
    (ErrorKind::Unauthenticated, message)
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = &self.inner;
        if !inner.operation.is_empty() {
            write!(f, "{}: ", inner.operation)?;
        }
        match (inner.status, inner.message.is_empty()) {
            (Some(status), true) => write!(f, "HTTP {status}")?,
            (Some(status), false) => write!(f, "HTTP {status}: {}", inner.message)?,
            (None, _) => f.write_str(&inner.message)?,
        }
        if let Some(hint) = &inner.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|source| source.0.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// A generated call's future, turned into the SDK's result in one step:
/// `self.api.get_namespaces().send().sdk(hint, "listing namespaces").await?`
/// gives the decoded body, or the one [`Error`] with the server's message
/// redacted and the SDK's hint.
pub trait CallExt<T, E>:
    Future<Output = Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>>
    + Sized
    + Send
where
    T: Send,
    E: Serialize + Send,
{
    /// The decoded body, or the error of `operation` with `hint` applied.
    fn sdk(
        self,
        hint: HintFn,
        operation: impl Into<String> + Send,
    ) -> impl Future<Output = Result<T>> + Send {
        async move {
            match self.await {
                Ok(response) => Ok(response.into_inner()),
                Err(error) => Err(Error::from_generated(operation, error).await.hinted(hint)),
            }
        }
    }
}

impl<F, T, E> CallExt<T, E> for F
where
    F: Future<Output = Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>>
        + Send,
    T: Send,
    E: Serialize + Send,
{
}

impl From<crate::AuthError> for Error {
    fn from(error: crate::AuthError) -> Self {
        let mut built = Self::new(error.kind, "authentication failed", &error.message);
        // Kept for matching; the token endpoint's message already names it.
        built.inner.status = error.status;
        built.with_source(error)
    }
}

impl From<crate::download::DownloadError> for Error {
    fn from(error: crate::download::DownloadError) -> Self {
        let mut built = Self::new(error.kind(), "", error.to_string());
        built.inner.status = error.status();
        built.with_source(error)
    }
}

impl From<crate::safe_path::UnsafePath> for Error {
    fn from(error: crate::safe_path::UnsafePath) -> Self {
        Self::new(ErrorKind::UnsafeName, "", error.to_string()).with_source(error)
    }
}

impl From<reqwest::Error> for Error {
    /// Building the HTTP client failed (TLS backend missing).
    fn from(error: reqwest::Error) -> Self {
        Self::transport("building the HTTP client", error)
    }
}

/// The server's message in an error body: the `error`, `detail` or `message`
/// field of a JSON object (also in a body cut short), else the body's first
/// line. Token-like strings in it are hidden.
pub fn message_of_body(body: &str) -> String {
    let message = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(json) => message_of_json(&json).unwrap_or_else(|| truncate(body.trim(), MAX_MESSAGE)),
        Err(_) => message_in_prefix(body)
            .unwrap_or_else(|| truncate(body.lines().next().unwrap_or("").trim(), MAX_MESSAGE)),
    };
    crate::redact::tokens(&message)
}

/// `"error": "…"` (or `detail`, `message`) found by scanning text that may
/// not be whole JSON, e.g. the first 64 KiB of a huge error body.
fn message_in_prefix(body: &str) -> Option<String> {
    ["error", "detail", "message"].iter().find_map(|key| {
        let quoted = format!("\"{key}\"");
        let after_key = &body[body.find(&quoted)? + quoted.len()..];
        let after_colon = after_key.trim_start().strip_prefix(':')?.trim_start();
        let text = after_colon.strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(truncate(&value, MAX_MESSAGE)).filter(|v| !v.is_empty()),
                '\\' => value.push(chars.next()?),
                c => value.push(c),
            }
        }
        None
    })
}

fn message_of_json(json: &serde_json::Value) -> Option<String> {
    ["error", "detail", "message"]
        .iter()
        .find_map(|key| json.get(key)?.as_str().filter(|s| !s.is_empty()))
        .map(|message| truncate(message, MAX_MESSAGE))
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_message_is_found_in_each_error_shape() {
        assert_eq!(
            message_of_body(r#"{"error":"permission denied"}"#),
            "permission denied"
        );
        assert_eq!(
            message_of_body(r#"{"detail":"Incorrect authentication credentials"}"#),
            "Incorrect authentication credentials"
        );
        assert_eq!(
            message_of_body(r#"{"message":"too many requests"}"#),
            "too many requests"
        );
        assert_eq!(
            message_of_body("<html>Bad Gateway</html>\nmore"),
            "<html>Bad Gateway</html>"
        );
        assert_eq!(message_of_body(&"é".repeat(600)).chars().count(), 257);
        // The first 64 KiB of a huge body still gives the message.
        let cut = format!(
            r#"{{"error": "quota \"exceeded\"", "junk": "{}"#,
            "x".repeat(100)
        );
        assert_eq!(message_of_body(&cut), r#"quota "exceeded""#);
        assert_eq!(
            message_of_body(r#"{"detail":"bad token eyJa.eyJb.c2ln"}"#),
            "bad token …"
        );
    }

    #[test]
    fn every_constructor_redacts_server_text() {
        let echoed =
            "token dckr_oat_abc and eyJa.eyJb.c2ln at https://s.example/k?X-Amz-Signature=zz";
        for error in [
            Error::new(ErrorKind::Api, "op", echoed),
            Error::status_error("op", 403, echoed),
            Error::invalid_input("name", echoed),
            Error::from(crate::AuthError::new(echoed, Some(401))),
        ] {
            let shown = format!("{error} {error:?}");
            for secret in ["dckr_oat_abc", "eyJa", "X-Amz-Signature"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }

    #[test]
    fn kinds_follow_the_status_and_display_names_operation_status_and_hint() {
        fn hint(kind: ErrorKind, _: Option<u16>) -> Option<&'static str> {
            (kind == ErrorKind::PermissionDenied).then_some("check the scope")
        }
        let error = Error::status_error("listing reports", 403, "denied").hinted(hint);
        assert_eq!(error.kind(), ErrorKind::PermissionDenied);
        assert_eq!(error.status(), Some(403));
        assert_eq!(
            error.to_string(),
            "listing reports: HTTP 403: denied (check the scope)"
        );
        assert_eq!(
            Error::status_error("x", 404, "").kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            Error::status_error("x", 401, "").kind(),
            ErrorKind::Unauthenticated
        );
        assert_eq!(
            Error::status_error("x", 429, "").kind(),
            ErrorKind::RateLimited
        );
        assert_eq!(Error::status_error("x", 500, "").to_string(), "x: HTTP 500");
        assert_eq!(Error::status_error("x", 500, "").hinted(hint).hint(), None);
    }
}
