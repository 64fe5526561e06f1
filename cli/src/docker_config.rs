//! Docker's own stored credentials, read the way `docker` reads them:
//! `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`), its `auths`
//! entries, and its `credsStore` / `credHelpers` through the
//! credential-helper protocol (`docker-credential-<name> get|store|erase`).
//! Docker's file is read, never written.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use std::io::{Read as _, Write as _};

use crate::error::CliError;

/// The keys Docker Hub's credentials are stored under, most common first.
const HUB_SERVERS: [&str; 5] = [
    "https://index.docker.io/v1/",
    "index.docker.io",
    "docker.io",
    "registry-1.docker.io",
    "https://registry-1.docker.io",
];

/// Most bytes read from `config.json` or from a helper's answer.
const MAX_READ: u64 = 1024 * 1024;

/// Time a credential helper may take (it may show a keychain prompt).
const HELPER_TIMEOUT: Duration = Duration::from_secs(60);

/// A user name and its secret, as Docker keeps them.
pub struct Stored {
    pub username: String,
    pub secret: String,
}

/// The parts of Docker's `config.json` that hold credentials.
#[derive(Debug, Default, Deserialize)]
pub struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, AuthEntry>,
    #[serde(rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: std::collections::BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

/// Says which fields are set, never their values: `auth` and `password`
/// are secrets.
impl std::fmt::Debug for AuthEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthEntry")
            .field("auth", &self.auth.as_ref().map(|_| "…"))
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .finish()
    }
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
fn config_path() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir).join("config.json")),
        None => dirs::home_dir().map(|home| home.join(".docker").join("config.json")),
    }
}

impl DockerConfig {
    /// Docker's configuration; an empty one when there is no file.
    pub fn load() -> Result<Self, CliError> {
        let Some(path) = config_path() else {
            return Ok(Self::default());
        };
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(CliError::failure(format!("{}: {e}", path.display()))),
        };
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_READ), &mut text)
            .map_err(|e| CliError::failure(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|e| {
            CliError::failure(format!(
                "{}: not Docker's config format ({e}); fix or move it, or set DOCKER_CONFIG",
                path.display()
            ))
        })
    }

    /// The credential helper for everything not named in `credHelpers`.
    pub fn store_helper(&self) -> Option<&str> {
        self.creds_store.as_deref().filter(|name| !name.is_empty())
    }

    /// The Docker Hub credentials `docker login` stored, if any: through
    /// the helper named for Hub, else the default helper, else `auths`.
    pub fn docker_hub(&self) -> Result<Option<Stored>, CliError> {
        for server in HUB_SERVERS {
            if let Some(helper) = self.cred_helpers.get(server) {
                return helper_get(helper, server);
            }
        }
        if let Some(helper) = self.store_helper() {
            return helper_get(helper, HUB_SERVERS[0]);
        }
        Ok(HUB_SERVERS
            .iter()
            .find_map(|server| self.auths.get(*server))
            .and_then(AuthEntry::decode))
    }
}

impl AuthEntry {
    /// `auth` is base64 of `user:secret`; older files spell them out.
    fn decode(&self) -> Option<Stored> {
        use base64::Engine as _;
        if let Some(auth) = &self.auth {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()?;
            let text = String::from_utf8(bytes).ok()?;
            let (username, secret) = text.split_once(':')?;
            return usable(username, secret);
        }
        usable(self.username.as_deref()?, self.password.as_deref()?)
    }
}

/// A user name and secret that can log in: an identity token (`<token>`,
/// from a browser login) cannot be exchanged here.
fn usable(username: &str, secret: &str) -> Option<Stored> {
    if username.is_empty() || secret.is_empty() || username == "<token>" {
        return None;
    }
    Some(Stored {
        username: username.to_owned(),
        secret: secret.to_owned(),
    })
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// `docker-credential-<helper> get` with `server` on stdin; `None` when the
/// helper has nothing for it.
pub fn helper_get(helper: &str, server: &str) -> Result<Option<Stored>, CliError> {
    let (ok, out) = run_helper(helper, "get", server.as_bytes())?;
    if !ok {
        // "credentials not found in native keychain": nothing stored.
        return Ok(None);
    }
    let answer: HelperAnswer = serde_json::from_slice(&out).map_err(|_| {
        CliError::failure(format!(
            "docker-credential-{helper} get answered something other than its JSON"
        ))
    })?;
    Ok(usable(&answer.username, &answer.secret))
}

/// `docker-credential-<helper> store` of `username` and `secret` under
/// `server`.
pub fn helper_store(
    helper: &str,
    server: &str,
    username: &str,
    secret: &str,
) -> Result<(), CliError> {
    let body = serde_json::json!({"ServerURL": server, "Username": username, "Secret": secret});
    let (ok, out) = run_helper(helper, "store", body.to_string().as_bytes())?;
    if ok {
        Ok(())
    } else {
        Err(CliError::failure(format!(
            "docker-credential-{helper} store failed: {}",
            crate::output::visible_lines(String::from_utf8_lossy(&out).trim())
        )))
    }
}

/// `docker-credential-<helper> erase` of `server`; `false` when it had
/// nothing stored.
pub fn helper_erase(helper: &str, server: &str) -> Result<bool, CliError> {
    let (ok, _) = run_helper(helper, "erase", server.as_bytes())?;
    Ok(ok)
}

/// A name that may become part of a program's name or a helper's key (a
/// credential helper, a profile): 1 to 64 of letters, digits, `-`, `_`
/// and `.`.
pub fn is_plain_name(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Runs a helper with `input` on stdin; whether it succeeded and its
/// standard output (bounded in size and time). The secret travels on
/// stdin, never in the arguments. Blocking: it runs before any request.
fn run_helper(helper: &str, action: &str, input: &[u8]) -> Result<(bool, Vec<u8>), CliError> {
    if !is_plain_name(helper) {
        return Err(CliError::failure(format!(
            "Docker's config names the credential helper {helper:?}, which is not a helper name"
        )));
    }
    let program = format!("docker-credential-{helper}");
    let mut child = std::process::Command::new(&program)
        .arg(action)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            CliError::failure(format!(
                "running {program} (named by Docker's config.json): {e}; install it or fix credsStore/credHelpers"
            ))
        })?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(CliError::failure(format!("{program}: no pipes")));
    };
    let input = input.to_vec();
    let (done, answer) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let talk = || {
            stdin.write_all(&input)?;
            drop(stdin); // end of input: the helper answers now
            let mut out = Vec::new();
            stdout.take(MAX_READ).read_to_end(&mut out)?;
            Ok::<_, std::io::Error>(out)
        };
        let _ = done.send(talk());
    });
    let deadline = std::time::Instant::now() + HELPER_TIMEOUT;
    let stop = |child: &mut std::process::Child, why: String| {
        let _ = child.kill();
        let _ = child.wait();
        Err(CliError::failure(format!("{program} {action}: {why}")))
    };
    let out = match answer.recv_timeout(HELPER_TIMEOUT) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return stop(&mut child, e.to_string()),
        Err(_) => {
            return stop(
                &mut child,
                format!("no answer in {} s", HELPER_TIMEOUT.as_secs()),
            );
        }
    };
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok((status.success(), out)),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(None) => return stop(&mut child, "did not exit".to_owned()),
            Err(e) => return stop(&mut child, e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_stored_secret() {
        let config: DockerConfig = serde_json::from_str(
            r#"{"auths": {"https://index.docker.io/v1/": {"auth": "amRvZTpzM2NyZXQ=", "username": "jdoe", "password": "s3cret"}}}"#,
        )
        .unwrap();
        let shown = format!("{config:?}");
        assert!(shown.contains("jdoe"), "{shown}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("amRvZTpzM2NyZXQ"),
            "{shown}"
        );
        // The `auth` field, base64 of `jdoe:s3cret`, is what is used.
        let stored = config.auths.values().next().unwrap().decode().unwrap();
        assert_eq!(
            (stored.username.as_str(), stored.secret.as_str()),
            ("jdoe", "s3cret")
        );
    }

    #[test]
    fn names_that_may_become_a_program_name() {
        assert!(is_plain_name("desktop") && is_plain_name("ecr-login") && is_plain_name("a.b_c"));
        for bad in ["", "../x", "a b", "x;rm", &"a".repeat(65)] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
    }
}
