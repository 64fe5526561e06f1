//! Profiles: `[profiles.NAME]` tables of a TOML file whose keys are the
//! long flag names. A flag beats the environment, which beats the profile.
//!
//! The file is `$DOCKER_DATA_CONFIG`, else `<config dir>/docker-data/config.toml`
//! (`~/.config/docker-data/config.toml` on Linux). `--profile NAME` or
//! `DOCKER_DATA_PROFILE` selects a table; `[profiles.default]` applies when
//! none is named. Secrets never go in it: `docker-data login` keeps them.

use std::path::PathBuf;

use clap::ValueEnum as _;
use clap::parser::ValueSource;
use serde::Deserialize;

use crate::args::{Global, Output};
use crate::error::CliError;

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// Keys that would hold a secret: refused, with where secrets go instead.
const SECRET_KEYS: [&str; 7] = [
    "password",
    "pat",
    "oat",
    "account-token",
    "token",
    "secret",
    "otp",
];

/// One `[profiles.NAME]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Profile {
    org: Option<String>,
    username: Option<String>,
    enterprise_auth: Option<String>,
    hub_url: Option<String>,
    dvp_url: Option<String>,
    enterprise_url: Option<String>,
    account_url: Option<String>,
    output: Option<String>,
    concurrency: Option<u16>,
    header_timeout: Option<u64>,
    idle_timeout: Option<u64>,
}

/// The configuration file's path.
pub fn config_path() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_DATA_CONFIG").filter(|v| !v.is_empty()) {
        Some(path) => Some(PathBuf::from(path)),
        None => dirs::config_dir().map(|dir| dir.join("docker-data").join("config.toml")),
    }
}

/// The profile named `name` from the configuration file; an empty one when
/// there is no file or no such table.
pub fn load(name: &str) -> Result<Profile, CliError> {
    let Some(path) = config_path() else {
        return Ok(Profile::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profile::default()),
        Err(e) => return Err(CliError::usage(format!("{}: {e}", path.display()))),
    };
    parse(&text, name).map_err(|why| CliError::usage(format!("{}: {why}", path.display())))
}

/// `name`'s table of a configuration file's text.
fn parse(text: &str, name: &str) -> Result<Profile, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| e.message().to_owned())?;
    for key in table.keys() {
        if key != "profiles" {
            return Err(format!(
                "unknown table or key `{key}`: settings go under [profiles.NAME]"
            ));
        }
    }
    let Some(profiles) = table.get("profiles") else {
        return Ok(Profile::default());
    };
    let profiles = profiles
        .as_table()
        .ok_or("`profiles` must be a table of [profiles.NAME] tables")?;
    // Every profile is checked for secrets, not only the one in use.
    for (profile, values) in profiles {
        let values = values
            .as_table()
            .ok_or_else(|| format!("profiles.{profile} must be a table"))?;
        if let Some(key) = values.keys().find(|k| SECRET_KEYS.contains(&k.as_str())) {
            return Err(format!(
                "[profiles.{profile}] holds `{key}`, a secret, in a plain file: remove it, and run \
                 `docker-data login --profile {profile}` (kept by Docker's credential helper, or in a file only you can read) \
                 or set it in the environment"
            ));
        }
    }
    match profiles.get(name) {
        None => Ok(Profile::default()),
        Some(values) => values
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| format!("[profiles.{name}]: {}", e.message())),
    }
}

impl Profile {
    /// Fills in what neither a flag nor the environment set. `matches`
    /// tells where each value came from.
    pub fn apply(self, global: &mut Global, matches: &clap::ArgMatches) -> Result<(), CliError> {
        let unset = |id: &str| {
            !matches!(
                matches.value_source(id),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            )
        };
        let fill = |slot: &mut Option<String>, id: &str, value: Option<String>| {
            if value.is_some() && unset(id) {
                *slot = value;
            }
        };
        fill(&mut global.org, "org", self.org);
        fill(&mut global.username, "username", self.username);
        fill(&mut global.hub_url, "hub_url", self.hub_url);
        fill(&mut global.dvp_url, "dvp_url", self.dvp_url);
        fill(
            &mut global.enterprise_url,
            "enterprise_url",
            self.enterprise_url,
        );
        fill(&mut global.account_url, "account_url", self.account_url);
        let bad = |key: &str, why: &str| CliError::usage(format!("profile key `{key}`: {why}"));
        if let Some(mode) = self.enterprise_auth.filter(|_| unset("enterprise_auth")) {
            if !["exchange", "direct"].contains(&mode.as_str()) {
                return Err(bad("enterprise-auth", "`exchange` or `direct`"));
            }
            global.enterprise_auth = mode;
        }
        if let Some(output) = self.output.filter(|_| unset("output")) {
            global.output = Output::from_str(&output, true)
                .map_err(|_| bad("output", "`table`, `json`, `jsonl` or `csv`"))?;
        }
        if let Some(n) = self.concurrency.filter(|_| unset("concurrency")) {
            if !(1..=64).contains(&n) {
                return Err(bad("concurrency", "from 1 to 64"));
            }
            global.concurrency = n;
        }
        for (key, id, value, slot) in [
            (
                "header-timeout",
                "header_timeout",
                self.header_timeout,
                &mut global.header_timeout,
            ),
            (
                "idle-timeout",
                "idle_timeout",
                self.idle_timeout,
                &mut global.idle_timeout,
            ),
        ] {
            if let Some(secs) = value.filter(|_| unset(id)) {
                if secs == 0 {
                    return Err(bad(key, "at least 1 second"));
                }
                *slot = secs;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_table_is_read_and_a_missing_one_is_empty() {
        let text = "[profiles.work]\norg = \"acme\"\nconcurrency = 8\n[profiles.default]\nusername = \"jdoe\"\n";
        let work = parse(text, "work").unwrap();
        assert_eq!(work.org.as_deref(), Some("acme"));
        assert_eq!(work.concurrency, Some(8));
        assert_eq!(
            parse(text, "default").unwrap().username.as_deref(),
            Some("jdoe")
        );
        assert!(parse(text, "other").unwrap().org.is_none());
    }

    #[test]
    fn secrets_unknown_keys_and_bad_syntax_are_refused_with_a_reason() {
        let secret = parse("[profiles.other]\npat = \"dckr_pat_x\"\n", "default").unwrap_err();
        assert!(secret.contains("`pat`, a secret"), "{secret}");
        assert!(
            secret.contains("docker-data login --profile other"),
            "{secret}"
        );
        assert!(!secret.contains("dckr_pat_x"), "{secret}");
        let unknown = parse("[profiles.default]\norganisation = \"x\"\n", "default").unwrap_err();
        assert!(unknown.contains("organisation"), "{unknown}");
        assert!(
            parse("org = \"x\"\n", "default")
                .unwrap_err()
                .contains("[profiles.NAME]")
        );
        assert!(parse("[profiles.default\n", "default").is_err());
    }
}
