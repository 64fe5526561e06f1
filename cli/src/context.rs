//! Turning the global options into SDK clients: base URLs, credentials, the
//! embedded simulator for `--demo`.

use std::io::IsTerminal;

use crate::demo::{Demo, accounts};
use dvp_sdk::{Credentials, DvpClient, OtpProvider};
use enterprise_data_sdk::EnterpriseClient;

use crate::args::Global;
use crate::error::CliError;

/// Everything a command needs to reach the APIs.
pub struct Context {
    pub global: Global,
    pub hub_url: String,
    pub dvp_url: String,
    pub enterprise_url: String,
    pub account_url: String,
    // Kept alive for the whole run: dropping it stops the listeners.
    _simulator: Option<Demo>,
}

impl Context {
    /// Resolves base URLs (flag or environment, else the simulator's with
    /// `--demo`, else Docker's production URLs).
    pub async fn new(global: Global) -> Result<Self, CliError> {
        let simulator = if global.demo {
            let sim = Demo::start().await?;
            crate::output::note("demo: using the built-in simulator (no network, no account)");
            Some(sim)
        } else {
            None
        };
        let pick = |flag: &Option<String>, demo: Option<String>, default: &str| {
            flag.clone().or(demo).unwrap_or_else(|| default.to_owned())
        };
        Ok(Self {
            hub_url: pick(
                &global.hub_url,
                simulator.as_ref().map(|s| s.hub_url()),
                hub_auth::DEFAULT_HUB_URL,
            ),
            dvp_url: pick(
                &global.dvp_url,
                simulator.as_ref().map(|s| s.dvp_url()),
                dvp_sdk::DEFAULT_DVP_URL,
            ),
            enterprise_url: pick(
                &global.enterprise_url,
                simulator.as_ref().map(|s| s.enterprise_url()),
                enterprise_data_sdk::DEFAULT_ENTERPRISE_URL,
            ),
            account_url: pick(
                &global.account_url,
                simulator.as_ref().map(|s| s.account_url()),
                account_sdk::DEFAULT_ACCOUNT_URL,
            ),
            global,
            _simulator: simulator,
        })
    }

    /// A DVP client logged in with the user name and PAT or password.
    pub fn dvp(&self) -> Result<DvpClient, CliError> {
        let g = &self.global;
        let demo = |value: &str| g.demo.then(|| value.to_owned());
        let username = g.username.clone().or_else(|| demo(accounts::DVP_USER));
        let secret = g
            .pat
            .clone()
            .or_else(|| g.password.clone())
            .or_else(|| demo(accounts::DVP_PASSWORD));
        let (Some(username), Some(secret)) = (username, secret) else {
            return Err(CliError::auth(
                "DVP credentials missing: set DOCKER_USERNAME and DOCKER_PAT (or DOCKER_PASSWORD), or pass --username and --pat; --demo uses the simulator's",
            ));
        };
        let mut builder = DvpClient::builder(Credentials::login(username, secret))
            .hub_url(&self.hub_url)
            .api_url(&self.dvp_url)
            .header_timeout(self.header_timeout())
            .idle_timeout(self.idle_timeout());
        if let Some(otp) = self.otp_provider() {
            builder = builder.otp(otp);
        }
        Ok(builder.build()?)
    }

    /// An Enterprise client exchanging the organization access token.
    pub fn enterprise(&self) -> Result<EnterpriseClient, CliError> {
        let g = &self.global;
        let org = g
            .org
            .clone()
            .or_else(|| g.demo.then(|| accounts::ORG.to_owned()));
        let oat = g
            .oat
            .clone()
            .or_else(|| g.demo.then(|| accounts::OAT.to_owned()));
        let (Some(org), Some(oat)) = (org, oat) else {
            return Err(CliError::auth(
                "Enterprise credentials missing: set DOCKER_ORG and DOCKER_OAT, or pass --org and --oat; --demo uses the simulator's",
            ));
        };
        // The SDK's own spelling of the modes; clap kept the value to them.
        let mode: enterprise_data_sdk::AuthMode = g.enterprise_auth.parse()?;
        Ok(EnterpriseClient::builder(org, oat)
            .hub_url(&self.hub_url)
            .api_url(&self.enterprise_url)
            .auth_mode(mode)
            .header_timeout(self.header_timeout())
            .idle_timeout(self.idle_timeout())
            .build()?)
    }

    /// The base URL of a spec's API for its `api` commands:
    /// `DOCKER_DATA_<NAME>_URL` when set, else `default`. Used by the
    /// default client of a spec that `xtask/targets.yaml` gives none (one
    /// added with `cargo xtask add-spec`).
    #[allow(dead_code)]
    pub fn api_url(&self, name: &str, default: &str) -> String {
        let variable = format!(
            "DOCKER_DATA_{}_URL",
            name.to_uppercase().replace(['-', '.'], "_")
        );
        std::env::var(variable).unwrap_or_else(|_| default.to_owned())
    }

    /// The auth of a spec without a client of its own: the Docker Hub login
    /// when credentials are configured (its JWT, refreshed), else none.
    /// Used like [`api_url`](Self::api_url).
    #[allow(dead_code)]
    pub fn login_context(&self) -> sdk_core::ApiContext {
        use progenitor_client::ClientInfo as _;
        match self.hub() {
            Ok(hub) => hub.api().inner().clone(),
            Err(_) => sdk_core::ApiContext::anonymous(),
        }
    }

    /// A Docker Hub client: the organization access token when given
    /// (`--org`/`--oat`), else the user name with a PAT or password.
    pub fn hub(&self) -> Result<hub_sdk::HubClient, CliError> {
        let g = &self.global;
        let credentials = match (&g.org, &g.oat, &g.username) {
            (Some(org), Some(oat), _) => Credentials::organization(org.clone(), oat.clone()),
            (_, _, Some(username)) => {
                let Some(secret) = g.pat.clone().or_else(|| g.password.clone()) else {
                    return Err(CliError::auth(
                        "Docker Hub credentials missing: with DOCKER_USERNAME, set DOCKER_PAT or DOCKER_PASSWORD",
                    ));
                };
                Credentials::login(username.clone(), secret)
            }
            _ if g.demo => Credentials::organization(accounts::ORG, accounts::OAT),
            _ => {
                return Err(CliError::auth(
                    "Docker Hub credentials missing: set DOCKER_ORG and DOCKER_OAT (or DOCKER_USERNAME and DOCKER_PAT); --demo uses the simulator's",
                ));
            }
        };
        let mut builder = hub_sdk::HubClient::builder(credentials)
            .hub_url(&self.hub_url)
            .api_url(&self.hub_url)
            .idle_timeout(self.idle_timeout());
        if let Some(otp) = self.otp_provider() {
            builder = builder.otp(otp);
        }
        Ok(builder.build()?)
    }

    /// A legacy Account API client: the OAuth token if given, else HTTP
    /// Basic with the user name and password.
    pub fn account(&self) -> Result<account_sdk::AccountClient, CliError> {
        let g = &self.global;
        let demo = |value: &str| g.demo.then(|| value.to_owned());
        let auth = match &g.account_token {
            Some(token) => account_sdk::AccountAuth::bearer(token.clone()),
            None => {
                let username = g.username.clone().or_else(|| demo(accounts::ACCOUNT_USER));
                let password = g
                    .password
                    .clone()
                    .or_else(|| demo(accounts::ACCOUNT_PASSWORD));
                let (Some(username), Some(password)) = (username, password) else {
                    return Err(CliError::auth(
                        "Account API credentials missing: set DOCKER_USERNAME and DOCKER_PASSWORD, or DOCKER_ACCOUNT_TOKEN; --demo uses the simulator's",
                    ));
                };
                account_sdk::AccountAuth::basic(username, password)
            }
        };
        Ok(account_sdk::AccountClient::builder(auth)
            .api_url(&self.account_url)
            .build()?)
    }

    fn header_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.global.header_timeout)
    }

    fn idle_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.global.idle_timeout)
    }

    /// `--otp`, or a prompt on the terminal, or nothing.
    fn otp_provider(&self) -> Option<OtpProvider> {
        if let Some(code) = &self.global.otp {
            return Some(OtpProvider::fixed(code.clone()));
        }
        if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            return Some(OtpProvider::new(|| async {
                tokio::task::spawn_blocking(|| {
                    eprint!("One-time code: ");
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .map_err(|e| e.to_string())?;
                    Ok(line.trim().to_owned())
                })
                .await
                .map_err(|e| e.to_string())?
            }));
        }
        if self.global.demo {
            return Some(OtpProvider::fixed(accounts::TOTP_CODE));
        }
        None
    }
}
