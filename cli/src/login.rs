//! Saved logins: what `docker-data login` keeps for a profile, and where.
//!
//! Through the credential helper Docker's `config.json` names (`credsStore`)
//! when there is one, under the server `docker-data://<profile>` (so
//! Docker's own login is left alone); otherwise in
//! `<config dir>/docker-data/credentials.json`, readable only by the user
//! (mode 0600, checked on every read).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::docker_config::{self, DockerConfig};
use crate::error::CliError;

/// Credentials that log in at Docker Hub.
#[derive(Clone, PartialEq, Eq)]
pub enum Login {
    /// A user name with a personal access token or a password.
    User { username: String, secret: String },
    /// An organization with an organization access token.
    Org { org: String, oat: String },
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Login({})", self.describe())
    }
}

impl Login {
    /// The credentials to log in with. An OAT given as a user's secret
    /// (Docker accepts `docker login -u ORG` with one) is an organization's.
    pub fn credentials(&self) -> hub_auth::Credentials {
        match self {
            Login::User { username, secret } => hub_auth::Credentials::login(username, secret),
            Login::Org { org, oat } => hub_auth::Credentials::organization(org, oat),
        }
    }

    /// `user jdoe` or `organization acme`.
    pub fn describe(&self) -> String {
        match self {
            Login::User { username, .. } => format!("user {username}"),
            Login::Org { org, .. } => format!("organization {org}"),
        }
    }

    /// A login from Docker's stored Hub credentials: an organization when
    /// the secret is an organization access token.
    pub fn from_docker(stored: docker_config::Stored) -> Self {
        if stored.secret.starts_with("dckr_oat_") {
            Login::Org {
                org: stored.username,
                oat: stored.secret,
            }
        } else {
            Login::User {
                username: stored.username,
                secret: stored.secret,
            }
        }
    }

    /// How a helper keeps the kind: in the user name (`user:jdoe`,
    /// `org:acme`).
    fn helper_username(&self) -> String {
        match self {
            Login::User { username, .. } => format!("user:{username}"),
            Login::Org { org, .. } => format!("org:{org}"),
        }
    }

    fn from_parts(kind: &str, name: String, secret: String) -> Option<Self> {
        match kind {
            "user" => Some(Login::User {
                username: name,
                secret,
            }),
            "org" => Some(Login::Org {
                org: name,
                oat: secret,
            }),
            _ => None,
        }
    }

    fn parts(&self) -> (&'static str, &str, &str) {
        match self {
            Login::User { username, secret } => ("user", username, secret),
            Login::Org { org, oat } => ("org", org, oat),
        }
    }
}

/// A profile name: it becomes part of a helper's server name and a key.
pub fn check_profile_name(name: &str) -> Result<(), CliError> {
    if docker_config::is_plain_name(name) {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "profile name {name:?}: use letters, digits, `-`, `_` or `.` (at most 64)"
        )))
    }
}

fn helper_server(profile: &str) -> String {
    format!("docker-data://{profile}")
}

/// `<config dir>/docker-data/credentials.json`.
pub fn file_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("docker-data").join("credentials.json"))
}

#[derive(Default, Serialize, Deserialize)]
struct SavedFile {
    #[serde(default)]
    profiles: BTreeMap<String, Saved>,
}

#[derive(Serialize, Deserialize)]
struct Saved {
    kind: String,
    name: String,
    secret: String,
}

/// The saved logins of every profile, in the file.
fn read_file() -> Result<SavedFile, CliError> {
    use sdk_core::token_store::{PrivateFile, read_private};
    let Some(path) = file_path() else {
        return Ok(SavedFile::default());
    };
    let fail = |e: String| CliError::failure(format!("{}: {e}", path.display()));
    match read_private(&path, 1024 * 1024).map_err(|e| fail(e.to_string()))? {
        PrivateFile::Text(text) => {
            serde_json::from_str(&text).map_err(|e| fail(format!("not a credentials file ({e})")))
        }
        PrivateFile::Exposed(why) => Err(CliError::auth(format!(
            "{}: not used, {why}; or run `docker-data logout` and log in again",
            path.display()
        ))),
        _ => Ok(SavedFile::default()),
    }
}

/// Writes the file whole and private (see
/// [`write_private`](sdk_core::token_store::write_private)).
fn write_file(saved: &SavedFile) -> Result<PathBuf, CliError> {
    let Some(path) = file_path() else {
        return Err(CliError::failure(
            "no configuration folder for this user (is HOME set?)",
        ));
    };
    let body = serde_json::to_vec_pretty(saved).map_err(|e| CliError::failure(e.to_string()))?;
    sdk_core::token_store::write_private(&path, &body)
        .map_err(|e| CliError::failure(format!("{}: {e}", path.display())))?;
    Ok(path)
}

/// The login saved for `profile`, if any: the helper's first, then the
/// file's.
pub fn saved(profile: &str, docker: &DockerConfig) -> Result<Option<Login>, CliError> {
    if let Some(helper) = docker.store_helper()
        && let Some(stored) = docker_config::helper_get(helper, &helper_server(profile))?
    {
        let login = stored
            .username
            .split_once(':')
            .and_then(|(kind, name)| Login::from_parts(kind, name.to_owned(), stored.secret));
        return Ok(login);
    }
    Ok(read_file()?
        .profiles
        .remove(profile)
        .and_then(|saved| Login::from_parts(&saved.kind, saved.name, saved.secret)))
}

/// Where a login was saved.
pub enum SavedIn {
    /// Through `docker-credential-<name>`.
    Helper(String),
    /// In the private file.
    File(PathBuf),
}

/// Saves `login` for `profile`.
pub fn save(profile: &str, login: &Login, docker: &DockerConfig) -> Result<SavedIn, CliError> {
    if let Some(helper) = docker.store_helper() {
        let (_, _, secret) = login.parts();
        docker_config::helper_store(
            helper,
            &helper_server(profile),
            &login.helper_username(),
            secret,
        )?;
        // An older copy in the file would be found if the helper goes.
        forget_in_file(profile)?;
        return Ok(SavedIn::Helper(helper.to_owned()));
    }
    let mut file = read_file()?;
    let (kind, name, secret) = login.parts();
    file.profiles.insert(
        profile.to_owned(),
        Saved {
            kind: kind.to_owned(),
            name: name.to_owned(),
            secret: secret.to_owned(),
        },
    );
    Ok(SavedIn::File(write_file(&file)?))
}

/// Removes `profile`'s login wherever it is; the login it was, if any.
pub fn remove(profile: &str, docker: &DockerConfig) -> Result<Option<Login>, CliError> {
    let found = saved(profile, docker)?;
    if let Some(helper) = docker.store_helper() {
        docker_config::helper_erase(helper, &helper_server(profile))?;
    }
    forget_in_file(profile)?;
    Ok(found)
}

fn forget_in_file(profile: &str) -> Result<(), CliError> {
    let mut file = read_file()?;
    if file.profiles.remove(profile).is_some() {
        write_file(&file)?;
    }
    Ok(())
}
