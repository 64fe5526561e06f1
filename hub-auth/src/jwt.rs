//! Reading the expiry of a JWT. The signature is not checked: the token is
//! only passed on to the API, which checks it; the SDK reads `exp` to know
//! when to fetch the next one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;

/// The `exp` claim of a JWT as a point in time, or `None` when the token is
/// not a JWT, its payload is not JSON, or it has no numeric `exp`.
pub fn expiry(token: &str) -> Option<SystemTime> {
    let payload = token.split('.').nth(1)?;
    let payload = payload.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?;
    let seconds = exp.as_u64().or_else(|| {
        exp.as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e12)
            .map(|f| f as u64)
    })?;
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            engine.encode(r#"{"alg":"HS256"}"#),
            engine.encode(payload)
        )
    }

    #[test]
    fn reads_exp_and_rejects_what_is_not_a_jwt() {
        assert_eq!(
            expiry(&jwt(r#"{"exp":1790000000}"#)),
            Some(UNIX_EPOCH + Duration::from_secs(1_790_000_000))
        );
        assert_eq!(
            expiry(&jwt(r#"{"exp":1790000000.5}"#)),
            Some(UNIX_EPOCH + Duration::from_secs(1_790_000_000))
        );
        assert_eq!(expiry(&jwt(r#"{"sub":"x"}"#)), None);
        assert_eq!(expiry(&jwt(r#"{"exp":"soon"}"#)), None);
        assert_eq!(expiry(&jwt(r#"{"exp":-5}"#)), None);
        assert_eq!(expiry(&jwt("not json")), None);
        assert_eq!(expiry("opaque-token"), None);
        assert_eq!(expiry("a.!!!.c"), None);
        assert_eq!(expiry(""), None);
    }
}
