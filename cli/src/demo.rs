//! `--demo`: the built-in simulator and its demo accounts, behind the
//! default `demo` feature (a build without it has no axum, and `--demo`
//! says so).

use crate::error::CliError;

#[cfg(feature = "demo")]
pub use simulator::accounts;

/// The running demo simulator; its listeners stop when it is dropped.
#[cfg(feature = "demo")]
pub struct Demo(simulator::Simulator);

#[cfg(feature = "demo")]
impl Demo {
    /// Starts the simulator on ephemeral loopback ports.
    pub async fn start() -> Result<Self, CliError> {
        let sim = simulator::Simulator::start()
            .await
            .map_err(|e| CliError::failure(format!("starting the demo simulator: {e}")))?;
        Ok(Self(sim))
    }

    pub fn hub_url(&self) -> String {
        self.0.hub_url()
    }

    pub fn dvp_url(&self) -> String {
        self.0.dvp_url()
    }

    pub fn enterprise_url(&self) -> String {
        self.0.enterprise_url()
    }

    pub fn account_url(&self) -> String {
        self.0.account_url()
    }
}

/// Without the feature there is no simulator: `--demo` is a usage error.
#[cfg(not(feature = "demo"))]
pub enum Demo {}

#[cfg(not(feature = "demo"))]
impl Demo {
    pub async fn start() -> Result<Self, CliError> {
        Err(CliError::usage(
            "this docker-data was built without the `demo` feature: --demo is not available",
        ))
    }

    pub fn hub_url(&self) -> String {
        match *self {}
    }

    pub fn dvp_url(&self) -> String {
        match *self {}
    }

    pub fn enterprise_url(&self) -> String {
        match *self {}
    }

    pub fn account_url(&self) -> String {
        match *self {}
    }
}

/// The demo accounts' names; never used without the feature (no `--demo`).
#[cfg(not(feature = "demo"))]
pub mod accounts {
    pub const DVP_USER: &str = "";
    pub const DVP_PASSWORD: &str = "";
    pub const ORG: &str = "";
    pub const OAT: &str = "";
    pub const ACCOUNT_USER: &str = "";
    pub const ACCOUNT_PASSWORD: &str = "";
    pub const TOTP_CODE: &str = "";
}
