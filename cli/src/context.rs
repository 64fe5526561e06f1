//! Turning the global options into SDK clients: base URLs, credentials, the
//! embedded simulator for `--demo`.

use std::io::IsTerminal;
use std::sync::OnceLock;

use crate::demo::{Demo, accounts};
use dvp_sdk::{DvpClient, OtpProvider};
use enterprise_data_sdk::EnterpriseClient;

use crate::args::Global;
use crate::docker_config::DockerConfig;
use crate::error::CliError;
use crate::login::Login;

/// What kind of login a client takes.
#[derive(Clone, Copy)]
enum Need {
    /// A user (DVP).
    User,
    /// An organization (Enterprise).
    Org,
    /// Either (Docker Hub data): an organization's when both are given.
    Either,
}

/// The simulator's accounts, with what flags or the environment gave.
fn demo_login(g: &Global, need: Need) -> Login {
    let secret = g.pat.clone().or_else(|| g.password.clone());
    match (need, &g.username) {
        (Need::User, _) | (Need::Either, Some(_)) => Login::User {
            username: g
                .username
                .clone()
                .unwrap_or_else(|| accounts::DVP_USER.to_owned()),
            secret: secret.unwrap_or_else(|| accounts::DVP_PASSWORD.to_owned()),
        },
        (Need::Org | Need::Either, _) => Login::Org {
            org: g.org.clone().unwrap_or_else(|| accounts::ORG.to_owned()),
            oat: g.oat.clone().unwrap_or_else(|| accounts::OAT.to_owned()),
        },
    }
}

/// `<cache dir>/docker-data/tokens` (`~/.cache/docker-data/tokens` on Linux).
pub fn token_cache_dir() -> Option<std::path::PathBuf> {
    dirs::cache_dir().map(|dir| dir.join("docker-data").join("tokens"))
}

/// Everything a command needs to reach the APIs.
pub struct Context {
    pub global: Global,
    pub hub_url: String,
    pub dvp_url: String,
    pub enterprise_url: String,
    pub account_url: String,
    // Kept alive for the whole run: dropping it stops the listeners.
    _simulator: Option<Demo>,
    // Read once a run, when first needed: a credential helper may ask the
    // user's keychain, and `sync` builds two clients.
    docker: OnceLock<Result<DockerConfig, CliError>>,
    saved_login: OnceLock<Result<Option<Login>, CliError>>,
    docker_login: OnceLock<Result<Option<Login>, CliError>>,
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
            docker: OnceLock::new(),
            saved_login: OnceLock::new(),
            docker_login: OnceLock::new(),
        })
    }

    /// A DVP client logged in with a user name and PAT or password.
    pub fn dvp(&self) -> Result<DvpClient, CliError> {
        let Some(login) = self.login(Need::User)? else {
            return Err(self.missing(
                "DVP",
                "DOCKER_USERNAME and DOCKER_PAT (or DOCKER_PASSWORD), or pass --username and --pat-stdin",
            ));
        };
        let mut builder = DvpClient::builder(login.credentials())
            .hub_url(&self.hub_url)
            .api_url(&self.dvp_url)
            .header_timeout(self.header_timeout())
            .idle_timeout(self.idle_timeout());
        if let Some(otp) = self.otp_provider() {
            builder = builder.otp(otp);
        }
        if let Some(store) = self.token_store() {
            builder = builder.token_store(store);
        }
        Ok(builder.build()?)
    }

    /// An Enterprise client exchanging the organization access token.
    pub fn enterprise(&self) -> Result<EnterpriseClient, CliError> {
        let Some(Login::Org { org, oat }) = self.login(Need::Org)? else {
            return Err(self.missing(
                "Enterprise",
                "DOCKER_ORG and DOCKER_OAT, or pass --org and --oat-stdin",
            ));
        };
        // The SDK's own spelling of the modes; clap kept the value to them.
        let mode: enterprise_data_sdk::AuthMode = self.global.enterprise_auth.parse()?;
        let mut builder = EnterpriseClient::builder(org, oat)
            .hub_url(&self.hub_url)
            .api_url(&self.enterprise_url)
            .auth_mode(mode)
            .header_timeout(self.header_timeout())
            .idle_timeout(self.idle_timeout());
        if let Some(store) = self.token_store() {
            builder = builder.token_store(store);
        }
        Ok(builder.build()?)
    }

    /// The credentials a command logs in with, first found wins: flags and
    /// the environment; the simulator's with `--demo`; the profile's saved
    /// login; what `docker login` stored for Docker Hub. A saved login for
    /// another user or organization than the one named is passed over.
    fn login(&self, need: Need) -> Result<Option<Login>, CliError> {
        let g = &self.global;
        let user = |username: &String| {
            g.pat
                .clone()
                .or_else(|| g.password.clone())
                .map(|secret| Login::User {
                    username: username.clone(),
                    secret,
                })
        };
        let org = |org: &String| {
            g.oat.clone().map(|oat| Login::Org {
                org: org.clone(),
                oat,
            })
        };
        let given = match need {
            Need::User => g.username.as_ref().and_then(user),
            Need::Org => g.org.as_ref().and_then(org),
            Need::Either => g
                .org
                .as_ref()
                .and_then(org)
                .or_else(|| g.username.as_ref().and_then(user)),
        };
        if given.is_some() {
            return Ok(given);
        }
        if g.demo {
            return Ok(Some(demo_login(g, need)));
        }
        let docker = || {
            self.docker
                .get_or_init(DockerConfig::load)
                .as_ref()
                .map_err(Clone::clone)
        };
        let saved = self
            .saved_login
            .get_or_init(|| crate::login::saved(self.profile(), docker()?))
            .clone()?;
        if let Some(saved) = saved.filter(|login| self.fits(login, need)) {
            return Ok(Some(saved));
        }
        let stored = self
            .docker_login
            .get_or_init(|| Ok(docker()?.docker_hub()?.map(Login::from_docker)))
            .clone()?;
        Ok(stored.filter(|login| self.fits(login, need)))
    }

    /// Whether a saved login serves `need` and is the user or organization
    /// the flags, environment or profile name (when they name one).
    fn fits(&self, login: &Login, need: Need) -> bool {
        let g = &self.global;
        let named = |given: &Option<String>, name: &str| given.as_deref().is_none_or(|g| g == name);
        match login {
            Login::User { username, .. } => {
                matches!(need, Need::User | Need::Either) && named(&g.username, username)
            }
            Login::Org { org, .. } => {
                matches!(need, Need::Org | Need::Either) && named(&g.org, org)
            }
        }
    }

    /// The selected profile's name.
    pub fn profile(&self) -> &str {
        self.global
            .profile
            .as_deref()
            .unwrap_or(crate::profile::DEFAULT_PROFILE)
    }

    /// No credentials anywhere: say every way to give them (exit 4).
    fn missing(&self, api: &str, variables: &str) -> CliError {
        CliError::auth(format!(
            "{api} credentials missing: set {variables}; or run `docker-data login{}` once; --demo uses the simulator's",
            match self.global.profile.as_deref() {
                Some(name) => format!(" --profile {name}"),
                None => String::new(),
            }
        ))
    }

    /// Where tokens are kept between runs: the user's cache folder, unless
    /// `--no-token-cache` or `--demo` (whose simulator is new each run).
    pub fn token_store(&self) -> Option<sdk_core::FileTokenStore> {
        if self.global.no_token_cache || self.global.demo {
            return None;
        }
        token_cache_dir().map(sdk_core::FileTokenStore::new)
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

    /// A Docker Hub client: an organization with its access token, or a
    /// user name with a PAT or password.
    pub fn hub(&self) -> Result<hub_sdk::HubClient, CliError> {
        let Some(login) = self.login(Need::Either)? else {
            return Err(self.missing(
                "Docker Hub",
                "DOCKER_ORG and DOCKER_OAT (or DOCKER_USERNAME and DOCKER_PAT)",
            ));
        };
        let mut builder = hub_sdk::HubClient::builder(login.credentials())
            .hub_url(&self.hub_url)
            .api_url(&self.hub_url)
            .idle_timeout(self.idle_timeout());
        if let Some(otp) = self.otp_provider() {
            builder = builder.otp(otp);
        }
        if let Some(store) = self.token_store() {
            builder = builder.token_store(store);
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
    pub fn otp_provider(&self) -> Option<OtpProvider> {
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
