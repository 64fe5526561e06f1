//! Faults injected into chosen routes, each used once in the order added.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// Names of the routes faults can target.
pub mod route {
    /// `POST /v2/users/login`.
    pub const HUB_LOGIN: &str = "hub.login";
    /// `POST /v2/users/2fa-login`.
    pub const HUB_2FA: &str = "hub.2fa";
    /// `POST /v2/auth/token`.
    pub const HUB_TOKEN: &str = "hub.token";
    /// Every DVP route.
    pub const DVP: &str = "dvp";
    /// `GET /orgs/{org}/reports`.
    pub const ENTERPRISE_TYPES: &str = "enterprise.types";
    /// `GET /orgs/{org}/reports/{type}/{cadence}`.
    pub const ENTERPRISE_LIST: &str = "enterprise.list";
    /// `GET .../{date}/download`.
    pub const ENTERPRISE_DOWNLOAD: &str = "enterprise.download";
    /// `GET .../{date}/schema`.
    pub const ENTERPRISE_SCHEMA: &str = "enterprise.schema";
    /// Object-store file fetches.
    pub const STORE: &str = "store";
    /// Every route of the legacy Account API.
    pub const ACCOUNT: &str = "account";
}

/// Something going wrong on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status (429, 500, 503, ...) with an error body, and a
    /// `Retry-After` header when given.
    Status {
        /// HTTP status.
        status: u16,
        /// `Retry-After` value (seconds or an HTTP date).
        retry_after: Option<String>,
    },
    /// Send this many body bytes, then drop the connection (file routes).
    DropAfter(u64),
    /// Wait this long before answering.
    Delay(Duration),
    /// Expire every token issued so far before answering.
    ExpireTokens,
}

impl Fault {
    /// `429 Too Many Requests` with `Retry-After: <seconds>`.
    pub fn rate_limited(seconds: u64) -> Self {
        Fault::Status {
            status: 429,
            retry_after: Some(seconds.to_string()),
        }
    }

    /// A bare error status.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
        }
    }
}

/// Queues of pending faults per route.
#[derive(Debug, Default)]
pub struct Faults {
    pending: Mutex<HashMap<String, VecDeque<Fault>>>,
}

impl Faults {
    /// Queues `fault` for the next `times` requests of `route`.
    pub fn add(&self, route: &str, fault: Fault, times: usize) {
        if let Ok(mut pending) = self.pending.lock() {
            let queue = pending.entry(route.to_owned()).or_default();
            queue.extend(std::iter::repeat_n(fault, times));
        }
    }

    /// The next fault of `route`, if any.
    pub fn take(&self, route: &str) -> Option<Fault> {
        self.pending.lock().ok()?.get_mut(route)?.pop_front()
    }

    /// Drops every pending fault.
    pub fn clear(&self) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.clear();
        }
    }
}
