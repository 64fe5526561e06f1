//! Turning a generated client's error into what failed, the HTTP status and
//! the server's message. Each SDK's `Error` enum builds on [`Failure`].

use serde::Serialize;

/// Longest server message kept in an error, in bytes.
const MAX_MESSAGE: usize = 512;

/// How a generated operation failed, without secrets. A transport failure
/// keeps the `reqwest::Error` as its [`source`](std::error::Error::source).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Failure {
    /// The server answered with an error status.
    Status {
        /// HTTP status code.
        status: u16,
        /// The server's message (`error`, `detail` or `message` field), or
        /// the start of the body when it had none.
        message: String,
    },
    /// No usable answer: connection refused, reset, timed out. The message
    /// is redacted (no signed query); the cause is kept.
    Transport(String, Option<std::sync::Arc<reqwest::Error>>),
    /// The answer did not decode as the spec says.
    Decode(String),
    /// The request was refused before sending (a parameter failed its check).
    InvalidRequest(String),
    /// No access token could be had.
    Auth(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status { status, message } if message.is_empty() => write!(f, "HTTP {status}"),
            Failure::Status { status, message } => write!(f, "HTTP {status}: {message}"),
            Failure::Transport(message, _) => write!(f, "network error: {message}"),
            Failure::Decode(message) => write!(f, "unexpected response: {message}"),
            Failure::InvalidRequest(message) => write!(f, "invalid request: {message}"),
            Failure::Auth(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Failure::Transport(_, Some(cause)) => Some(cause.as_ref()),
            _ => None,
        }
    }
}

impl Failure {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Classifies a generated client's error; reads the body of an
    /// undocumented response to find the server's message.
    pub async fn from_generated<E: Serialize>(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as G;
        match error {
            G::InvalidRequest(message) => Failure::InvalidRequest(message),
            G::Custom(message) => Failure::Auth(message),
            G::CommunicationError(e) | G::InvalidUpgrade(e) | G::ResponseBodyError(e) => {
                Failure::Transport(
                    crate::redact::error_without_url(&e),
                    // Without its URL: no query string travels in the chain.
                    Some(std::sync::Arc::new(e.without_url())),
                )
            }
            G::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let body = serde_json::to_value(response.into_inner()).unwrap_or_default();
                Failure::Status {
                    status,
                    message: message_of_json(&body).unwrap_or_default(),
                }
            }
            // The body is the server's text: token-like strings are hidden.
            G::InvalidResponsePayload(bytes, e) => {
                Failure::Decode(crate::redact::tokens(&format!(
                    "{e} in body starting {:?}",
                    truncate(&String::from_utf8_lossy(&bytes), 120)
                )))
            }
            G::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                let text = response.text().await.unwrap_or_default();
                Failure::Status {
                    status,
                    message: message_of_body(&text),
                }
            }
        }
    }
}

/// An SDK's error type, as far as failed generated calls go: each SDK
/// implements this once and [`from_generated`] maps every failure the same
/// way for all of them.
pub trait SdkError: Sized {
    /// The API answered with an error, or did not answer usably.
    fn api(operation: String, failure: Failure) -> Self;

    /// No access token could be had (the hooks' token source failed).
    fn auth(error: crate::AuthError) -> Self;
}

/// The SDK error for a failed generated call: a missing token becomes
/// [`SdkError::auth`], anything else [`SdkError::api`] with what was being
/// done.
pub async fn from_generated<E: SdkError, T: Serialize>(
    operation: impl Into<String>,
    error: progenitor_client::Error<T>,
) -> E {
    match Failure::from_generated(error).await {
        Failure::Auth(message) => E::auth(crate::AuthError::new(message, None)),
        failure => E::api(operation.into(), failure),
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
}
