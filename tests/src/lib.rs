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
