//! Contract and integration tests of the Docker data SDKs live in
//! `tests/tests/`; this library holds what they share: the httpmock helpers
//! that `cargo xtask generate` writes from each spec, JWTs for tests, and a
//! raw HTTP server for faults httpmock cannot produce (a connection dropped
//! mid-body).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;

pub mod decoders;
pub mod logs;
pub mod raw_server;
pub mod spec;

/// Typed httpmock `when`/`then` helpers, one module per spec (generated
/// into the `docker-data-httpmock` crate).
pub use sdk_httpmock as mock;

/// An unsigned JWT whose `exp` is `lifetime` from now, with a marker in
/// `sub` so tests can tell tokens apart.
pub fn jwt(subject: &str, lifetime: Duration) -> String {
    let exp = (SystemTime::now() + lifetime)
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.c2ln",
        engine.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        engine.encode(format!(r#"{{"sub":"{subject}","exp":{exp}}}"#))
    )
}

/// Retries with tiny delays (5 to 20 ms), so retry tests stay fast;
/// `RetryPolicy`'s default number of attempts.
pub fn fast_retry() -> dvp_sdk::RetryPolicy {
    dvp_sdk::RetryPolicy::new()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

/// A Docker Hub mock that logs any user in with a ten-minute JWT.
pub fn hub_logging_in(hub: &httpmock::MockServer) -> httpmock::Mock<'_> {
    let token = jwt("alice", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(httpmock::Method::POST).path("/v2/users/login");
        then.status(200)
            .json_body(serde_json::json!({"token": token}));
    })
}

/// A Docker Hub mock that exchanges any OAT for a ten-minute JWT.
pub fn hub_exchanging(hub: &httpmock::MockServer) -> httpmock::Mock<'_> {
    let token = jwt("my-org", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(httpmock::Method::POST).path("/v2/auth/token");
        then.status(200)
            .json_body(serde_json::json!({"access_token": token}));
    })
}

/// `data` as one gzip member (fast compression).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// An object-store downloader with [`fast_retry`] limited to `attempts`,
/// and `wait` as both its header and idle timeout.
pub fn downloader(attempts: u32, wait: Duration) -> sdk_core::download::Downloader {
    sdk_core::download::Downloader::new(
        fast_retry().max_attempts(attempts),
        wait,
        wait,
        Duration::from_secs(5),
        None,
    )
    .expect("a TLS backend")
}
