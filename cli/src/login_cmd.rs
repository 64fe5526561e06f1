//! `docker-data login` and `logout`: check credentials with one token
//! exchange, then keep them for a profile (see [`crate::login`]).

use std::io::IsTerminal;

use hub_auth::TokenCache;
use sdk_core::TokenStore as _;

use crate::context::Context;
use crate::docker_config::DockerConfig;
use crate::error::CliError;
use crate::login::{self, Login, SavedIn};

/// `docker-data login`.
pub async fn login(context: &Context) -> Result<(), CliError> {
    // The name was checked with the profile, before any command ran.
    let profile = context.profile();
    let login = login_to_check(context)?;
    check(context, &login).await?;
    if context.global.demo {
        crate::output::note(format!(
            "demo: the simulator accepted {}; nothing saved",
            login.describe()
        ));
        return Ok(());
    }
    let docker = DockerConfig::load()?;
    match login::save(profile, &login, &docker)? {
        SavedIn::Helper(helper) => crate::output::note(format!(
            "logged in as {}; saved for profile `{profile}` by docker-credential-{helper}",
            login.describe()
        )),
        SavedIn::File(path) => {
            crate::output::note(format!(
                "logged in as {}; saved for profile `{profile}`",
                login.describe()
            ));
            eprintln!(
                "warning: the secret is stored unencrypted in {} (readable only by you); \
                 set a credential helper (\"credsStore\" in Docker's config.json) to keep it in the system's keychain",
                path.display()
            );
        }
    }
    Ok(())
}

/// `docker-data logout`.
pub fn logout(context: &Context) -> Result<(), CliError> {
    // The name was checked with the profile, before any command ran.
    let profile = context.profile();
    let docker = DockerConfig::load()?;
    let Some(removed) = login::remove(profile, &docker)? else {
        crate::output::note(format!("no saved login for profile `{profile}`"));
        return Ok(());
    };
    if let Some(dir) = crate::context::token_cache_dir() {
        let identity = removed.credentials();
        let key = hub_auth::token_cache::store_key(&context.hub_url, identity.identity());
        sdk_core::FileTokenStore::new(dir)
            .remove(&key)
            .map_err(|e| CliError::failure(format!("removing the cached token: {e}")))?;
    }
    crate::output::note(format!(
        "logged out {} (profile `{profile}`)",
        removed.describe()
    ));
    Ok(())
}

/// What to log in with: flags, the environment, `--*-stdin`, else a
/// prompt on the terminal. An OAT (or `--org` alone) means an
/// organization; otherwise a user.
fn login_to_check(context: &Context) -> Result<Login, CliError> {
    let g = &context.global;
    let organization = g.oat.is_some() || (g.org.is_some() && g.username.is_none());
    if organization {
        let org = match &g.org {
            Some(org) => org.clone(),
            None => prompt("Organization: ", false)?,
        };
        let oat = match &g.oat {
            Some(oat) => oat.clone(),
            None => prompt("Organization access token: ", true)?,
        };
        return Ok(Login::Org { org, oat });
    }
    let username = match &g.username {
        Some(username) => username.clone(),
        None => prompt("Docker Hub user name: ", false)?,
    };
    let secret = match g.pat.clone().or_else(|| g.password.clone()) {
        Some(secret) => secret,
        None => prompt("Personal access token (or password): ", true)?,
    };
    Ok(Login::User { username, secret })
}

/// One line from the terminal; a secret is not echoed.
fn prompt(label: &str, secret: bool) -> Result<String, CliError> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(CliError::usage(format!(
            "{} needed and no terminal to ask on: give --username with --pat-stdin (or --password-stdin), \
             or --org with --oat-stdin, or set them in the environment",
            label.trim_end_matches([':', ' '])
        )));
    }
    let line = if secret {
        rpassword::prompt_password(label)
    } else {
        eprint!("{label}");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    }
    .map_err(|e| CliError::usage(format!("reading from the terminal: {e}")))?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        return Err(CliError::usage(format!(
            "{}: nothing given",
            label.trim_end_matches([':', ' '])
        )));
    }
    Ok(line)
}

/// One token exchange (a login, with its second factor when asked); the
/// token is kept for the next commands unless `--no-token-cache`.
async fn check(context: &Context, login: &Login) -> Result<(), CliError> {
    let http = sdk_core::ClientConfig::new(&context.hub_url, &context.hub_url)
        .json_client()
        .map_err(|e| CliError::failure(e.to_string()))?;
    let mut tokens = TokenCache::builder(&context.hub_url, login.credentials(), http);
    if let Some(otp) = context.otp_provider() {
        tokens = tokens.otp(otp);
    }
    if let Some(store) = context.token_store() {
        tokens = tokens.store(std::sync::Arc::new(store));
    }
    // Renewed, not taken from the token cache: a cached token would say
    // nothing of the secret being checked.
    tokens
        .build()
        .renew()
        .await
        .map_err(|e| CliError::from(sdk_core::Error::from(e)))?;
    Ok(())
}
