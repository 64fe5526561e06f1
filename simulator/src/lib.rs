#![warn(missing_docs)]
// Handlers return `Err(Response)` to answer early, the usual axum idiom; the
// size of a Response does not matter on these paths.
#![allow(clippy::result_large_err)]
//! A simulator of the three services the Docker data SDKs talk to, plus the
//! object store their files live on, for tests, demos and benchmarks. No
//! network, no account.
//!
//! [`Simulator::start`] binds four loopback listeners on ephemeral ports:
//! Docker Hub's token endpoints, the DVP Data API, the Enterprise Data API
//! and the object store. Responses follow the vendored specs; CSV files are
//! generated from a seed as they are read, so a test can ask for a
//! gigabyte without storing it. Faults (429 with `Retry-After`, 5xx,
//! dropped connections, delays, token expiry) can be queued per route.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let sim = docker_data_simulator::Simulator::start().await?;
//! println!("hub {} dvp {} enterprise {}", sim.hub_url(), sim.dvp_url(), sim.enterprise_url());
//! // Credentials the simulator accepts:
//! let _ = (docker_data_simulator::accounts::DVP_USER, docker_data_simulator::accounts::DVP_PASSWORD);
//! let _ = (docker_data_simulator::accounts::ORG, docker_data_simulator::accounts::OAT);
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

mod account;
pub mod accounts;
pub mod csvgen;
mod dvp;
mod enterprise;
pub mod faults;
mod hub;
pub mod hub_data;
mod pulls;
mod store;
pub mod tokens;

pub use faults::{Fault, Route, route};

/// What the simulator serves.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// Lifetime of issued JWTs (Docker's are about ten minutes).
    pub token_lifetime: Duration,
    /// Lifetime of pre-signed object-store URLs (15 minutes at Docker).
    pub url_lifetime: Duration,
    /// Rows of each DVP raw file.
    pub dvp_raw_rows: u64,
    /// Rows of each DVP summary and repo-summary file.
    pub dvp_summary_rows: u64,
    /// Rows of each Enterprise report.
    pub enterprise_rows: u64,
    /// Daily `usage_pulls` reports (30 per page by default, so 75 make
    /// three pages).
    pub enterprise_daily_reports: u32,
    /// Varies the generated data.
    pub seed: u64,
    /// Ports of the listeners (0: any free).
    pub ports: Ports,
    /// Added before every answer, to stand for network latency.
    pub latency: Duration,
    /// Views the DVP namespace metadata advertises beyond the real ones,
    /// each listed with a file (a copy of `raw`): names a hostile server
    /// might send, such as `../x`.
    pub dvp_extra_views: Vec<String>,
    /// Views the metadata advertises that have no data: their listing
    /// answers 404.
    pub dvp_views_without_data: Vec<String>,
    /// The Account API answers adding and removing an email with `200`, the
    /// status its source lists, instead of `201`/`204` (its examples).
    pub account_statuses_as_listed: bool,
    /// Signed links point here instead of at the simulator's own store: a
    /// static server holding the same files at the same paths (the bench's
    /// nginx), so downloads are not limited by the CSV generator.
    pub store_url: Option<String>,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            token_lifetime: Duration::from_secs(600),
            url_lifetime: Duration::from_secs(900),
            dvp_raw_rows: 2_000,
            dvp_summary_rows: 200,
            enterprise_rows: 500,
            enterprise_daily_reports: 75,
            seed: 42,
            ports: Ports::default(),
            latency: Duration::ZERO,
            dvp_extra_views: Vec::new(),
            dvp_views_without_data: Vec::new(),
            account_statuses_as_listed: false,
            store_url: None,
        }
    }
}

/// The listeners' ports; 0 lets the system pick a free one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ports {
    /// Docker Hub (token endpoints, and the legacy Account API).
    pub hub: u16,
    /// The DVP Data API.
    pub dvp: u16,
    /// The Enterprise Data API.
    pub enterprise: u16,
    /// The object store.
    pub store: u16,
}

impl Ports {
    /// Four consecutive ports from `first`: Hub, DVP, Enterprise, store.
    pub fn consecutive(first: u16) -> Self {
        Self {
            hub: first,
            dvp: first.saturating_add(1),
            enterprise: first.saturating_add(2),
            store: first.saturating_add(3),
        }
    }
}

/// Shared by every handler.
#[derive(Debug)]
pub(crate) struct State {
    pub config: SimulatorConfig,
    pub tokens: tokens::TokenStore,
    pub faults: faults::Faults,
    pub store_url: String,
    pub challenges: std::sync::Mutex<std::collections::HashMap<String, String>>,
    pub requests: std::sync::atomic::AtomicU64,
    pub range_requests: std::sync::atomic::AtomicU64,
    /// Bumped by [`Simulator::replace_objects`]: every stored object's
    /// content (and ETag) changes, its size does not.
    pub object_generation: std::sync::atomic::AtomicU64,
    pub account: account::AccountStore,
    /// Hub data answers so far (for the rate-limit headers).
    pub hub_data_requests: std::sync::atomic::AtomicU64,
}

/// A running simulator. Its listeners stop when it is dropped.
#[derive(Debug)]
pub struct Simulator {
    state: Arc<State>,
    addrs: [SocketAddr; 4],
    shutdown: Option<tokio::sync::watch::Sender<()>>,
}

impl Simulator {
    /// Starts with the default configuration on ephemeral loopback ports.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(SimulatorConfig::default()).await
    }

    /// Starts with `config`.
    pub async fn start_with(config: SimulatorConfig) -> std::io::Result<Self> {
        let mut listeners = Vec::new();
        let ports = config.ports;
        for port in [ports.hub, ports.dvp, ports.enterprise, ports.store] {
            listeners.push(TcpListener::bind(("127.0.0.1", port)).await?);
        }
        let addrs = [
            listeners[0].local_addr()?,
            listeners[1].local_addr()?,
            listeners[2].local_addr()?,
            listeners[3].local_addr()?,
        ];
        let store_url = config
            .store_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", addrs[3]));
        let state = Arc::new(State {
            config,
            tokens: tokens::TokenStore::default(),
            faults: faults::Faults::default(),
            store_url,
            challenges: Default::default(),
            requests: Default::default(),
            range_requests: Default::default(),
            object_generation: Default::default(),
            account: Default::default(),
            hub_data_requests: Default::default(),
        });
        let routers = [
            hub::router(state.clone()),
            dvp::router(state.clone()),
            enterprise::router(state.clone()),
            store::router(state.clone()),
        ];
        let (shutdown, watch) = tokio::sync::watch::channel(());
        for (listener, router) in listeners.into_iter().zip(routers) {
            let mut stop = watch.clone();
            tokio::spawn(async move {
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stop.changed().await;
                    })
                    .await;
            });
        }
        Ok(Self {
            state,
            addrs,
            shutdown: Some(shutdown),
        })
    }

    /// Base URL of the simulated Docker Hub.
    pub fn hub_url(&self) -> String {
        format!("http://{}", self.addrs[0])
    }

    /// Base URL of the simulated DVP Data API.
    pub fn dvp_url(&self) -> String {
        format!("http://{}", self.addrs[1])
    }

    /// Base URL of the simulated Enterprise Data API.
    pub fn enterprise_url(&self) -> String {
        format!("http://{}", self.addrs[2])
    }

    /// Base URL of the simulated legacy Account API (served by the Hub
    /// listener, under `/api/v1.1/`).
    pub fn account_url(&self) -> String {
        self.hub_url()
    }

    /// Base URL of the simulated object store.
    pub fn store_url(&self) -> String {
        self.state.store_url.clone()
    }

    /// Queues `fault` for the next `times` requests of `route` (see
    /// [`route`]).
    pub fn inject(&self, route: Route, fault: Fault, times: usize) {
        self.state.faults.add(route, fault, times);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Expires every token issued so far: the next API call gets a 401.
    pub fn expire_tokens(&self) {
        self.state.tokens.expire_all();
    }

    /// How many tokens the Hub has issued.
    pub fn tokens_issued(&self) -> u64 {
        self.state.tokens.issued_count()
    }

    /// How many requests all listeners have received.
    pub fn requests(&self) -> u64 {
        self.state
            .requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many object-store requests carried a `Range` header (resumes).
    pub fn range_requests(&self) -> u64 {
        self.state
            .range_requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Replaces every object in the store with new content of the same
    /// size (and a new ETag), as a re-generated report would be.
    pub fn replace_objects(&self) {
        self.state
            .object_generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The configuration in force.
    pub fn config(&self) -> &SimulatorConfig {
        &self.state.config
    }

    /// Stops the listeners (also done on drop).
    pub fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A JSON error body with `key` (`error` for Enterprise, `detail` for Hub
/// and DVP) and the status.
pub(crate) fn json_error(status: StatusCode, key: &str, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ key: message }))).into_response()
}

/// Applies the next fault queued for `route`, if it ends the request.
/// `DropAfter` faults are returned for the body writer to apply.
pub(crate) async fn apply_fault(
    state: &State,
    route: Route,
    error_key: &str,
) -> Result<Option<u64>, Response> {
    state
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if !state.config.latency.is_zero() {
        tokio::time::sleep(state.config.latency).await;
    }
    match state.faults.take(route) {
        None => Ok(None),
        Some(Fault::Delay(wait)) => {
            tokio::time::sleep(wait).await;
            Ok(None)
        }
        Some(Fault::ExpireTokens) => {
            state.tokens.expire_all();
            Ok(None)
        }
        Some(Fault::DropAfter(bytes)) => Ok(Some(bytes)),
        Some(Fault::Respond { status, body }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
            Err((code, json, body).into_response())
        }
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = json_error(
                code,
                error_key,
                code.canonical_reason().unwrap_or("injected fault"),
            );
            if let Some(value) = retry_after.and_then(|v| v.parse().ok()) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            Err(response)
        }
    }
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}
