//! Faults injected into chosen routes, each used once in the order added.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// A route (or group of routes) faults can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST /v2/users/login`.
    HubLogin,
    /// `POST /v2/users/2fa-login`.
    Hub2fa,
    /// `POST /v2/auth/token`.
    HubToken,
    /// Every DVP route.
    Dvp,
    /// `GET /orgs/{org}/reports`.
    EnterpriseTypes,
    /// `GET /orgs/{org}/reports/{type}/{cadence}`.
    EnterpriseList,
    /// `GET .../{date}/download`.
    EnterpriseDownload,
    /// `GET .../{date}/schema`.
    EnterpriseSchema,
    /// Object-store file fetches.
    Store,
    /// Every route of the legacy Account API.
    Account,
    /// Every Docker Hub data route (audit logs, members, repositories, tags).
    HubData,
}

impl Route {
    /// Every route, in the order `--help` lists them.
    pub const ALL: [Route; 11] = [
        Route::HubLogin,
        Route::Hub2fa,
        Route::HubToken,
        Route::Dvp,
        Route::EnterpriseTypes,
        Route::EnterpriseList,
        Route::EnterpriseDownload,
        Route::EnterpriseSchema,
        Route::Store,
        Route::Account,
        Route::HubData,
    ];

    /// The name used on the simulator's command line (`store`, `hub.token`).
    pub fn name(self) -> &'static str {
        match self {
            Route::HubLogin => "hub.login",
            Route::Hub2fa => "hub.2fa",
            Route::HubToken => "hub.token",
            Route::Dvp => "dvp",
            Route::EnterpriseTypes => "enterprise.types",
            Route::EnterpriseList => "enterprise.list",
            Route::EnterpriseDownload => "enterprise.download",
            Route::EnterpriseSchema => "enterprise.schema",
            Route::Store => "store",
            Route::Account => "account",
            Route::HubData => "hub.data",
        }
    }
}

impl std::str::FromStr for Route {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Route::ALL
            .into_iter()
            .find(|route| route.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Route::ALL.iter().map(|r| r.name()).collect();
                format!("unknown route {name:?}; known: {}", known.join(", "))
            })
    }
}

/// The routes by their old constant names, so `route::STORE` reads as
/// before and is typed.
pub mod route {
    use super::Route;
    /// `POST /v2/users/login`.
    pub const HUB_LOGIN: Route = Route::HubLogin;
    /// `POST /v2/users/2fa-login`.
    pub const HUB_2FA: Route = Route::Hub2fa;
    /// `POST /v2/auth/token`.
    pub const HUB_TOKEN: Route = Route::HubToken;
    /// Every DVP route.
    pub const DVP: Route = Route::Dvp;
    /// `GET /orgs/{org}/reports`.
    pub const ENTERPRISE_TYPES: Route = Route::EnterpriseTypes;
    /// `GET /orgs/{org}/reports/{type}/{cadence}`.
    pub const ENTERPRISE_LIST: Route = Route::EnterpriseList;
    /// `GET .../{date}/download`.
    pub const ENTERPRISE_DOWNLOAD: Route = Route::EnterpriseDownload;
    /// `GET .../{date}/schema`.
    pub const ENTERPRISE_SCHEMA: Route = Route::EnterpriseSchema;
    /// Object-store file fetches.
    pub const STORE: Route = Route::Store;
    /// Every Docker Hub data route.
    pub const HUB_DATA: Route = Route::HubData;
    /// Every route of the legacy Account API.
    pub const ACCOUNT: Route = Route::Account;
}

/// Something going wrong on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    /// Answer this status with this JSON body instead of the route's own
    /// answer: an error body that echoes secrets back, a success body that
    /// does not decode.
    Respond {
        /// HTTP status.
        status: u16,
        /// The body, sent as `application/json`.
        body: String,
    },
}

impl Fault {
    /// `429 Too Many Requests` with `Retry-After: <seconds>`.
    pub fn rate_limited(seconds: u64) -> Self {
        Fault::Status {
            status: 429,
            retry_after: Some(seconds.to_string()),
        }
    }

    /// `status` with `body` as the whole answer.
    pub fn respond(status: u16, body: impl Into<String>) -> Self {
        Fault::Respond {
            status,
            body: body.into(),
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
    pending: Mutex<HashMap<Route, VecDeque<Fault>>>,
}

impl Faults {
    /// Queues `fault` for the next `times` requests of `route`.
    pub fn add(&self, route: Route, fault: Fault, times: usize) {
        if let Ok(mut pending) = self.pending.lock() {
            let queue = pending.entry(route).or_default();
            queue.extend(std::iter::repeat_n(fault, times));
        }
    }

    /// The next fault of `route`, if any.
    pub fn take(&self, route: Route) -> Option<Fault> {
        self.pending.lock().ok()?.get_mut(&route)?.pop_front()
    }

    /// Drops every pending fault.
    pub fn clear(&self) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.clear();
        }
    }
}
