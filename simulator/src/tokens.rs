//! JWTs the simulated Hub issues and the simulated APIs check.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;

/// Who a token was issued to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A user (DVP).
    User(String),
    /// An organization, through its access token (Enterprise).
    Org(String),
}

/// Issued tokens and their expiry.
#[derive(Debug, Default)]
pub struct TokenStore {
    issued: Mutex<HashMap<String, (Subject, SystemTime)>>,
    counter: Mutex<u64>,
}

impl TokenStore {
    /// Issues a JWT (unsigned: `alg` none) with an `exp` claim.
    pub fn issue(&self, subject: Subject, lifetime: Duration) -> String {
        let exp = SystemTime::now() + lifetime;
        let serial = {
            let mut counter = self.counter.lock().unwrap_or_else(|e| e.into_inner());
            *counter += 1;
            *counter
        };
        let sub = match &subject {
            Subject::User(u) => format!("user:{u}"),
            Subject::Org(o) => format!("org:{o}"),
        };
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let claims = serde_json::json!({
            "sub": sub,
            "jti": serial,
            "iat": SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs(),
            "exp": exp.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs(),
        });
        let token = format!(
            "{}.{}.c2ltdWxhdG9y",
            engine.encode(r#"{"alg":"none","typ":"JWT"}"#),
            engine.encode(claims.to_string())
        );
        if let Ok(mut issued) = self.issued.lock() {
            issued.insert(token.clone(), (subject, exp));
        }
        token
    }

    /// The subject of a valid, unexpired token.
    pub fn check(&self, token: &str) -> Option<Subject> {
        let issued = self.issued.lock().ok()?;
        let (subject, exp) = issued.get(token)?;
        (SystemTime::now() < *exp).then(|| subject.clone())
    }

    /// Makes every issued token expired.
    pub fn expire_all(&self) {
        if let Ok(mut issued) = self.issued.lock() {
            for (_, exp) in issued.values_mut() {
                *exp = UNIX_EPOCH;
            }
        }
    }

    /// How many tokens were issued.
    pub fn issued_count(&self) -> u64 {
        *self.counter.lock().unwrap_or_else(|e| e.into_inner())
    }
}
