//! Credentials that persist: Docker's stored logins (a credential helper
//! and `auths`), `docker-data login`/`logout`, profiles and their
//! precedence, and the token cache, each against the simulator.

use std::path::{Path, PathBuf};
use std::process::Output;

use simulator::{Simulator, accounts};

mod common;
use common::*;

/// A home folder with a fake `docker-credential-fake` on its PATH. The
/// helper keeps each server's JSON in a file and logs every action.
struct Home {
    dir: tempfile::TempDir,
}

const FAKE_HELPER: &str = r#"#!/bin/sh
# A credential helper as Docker's protocol has it: the server URL (get,
# erase) or a JSON body (store) on stdin.
dir="$FAKE_HELPER_DIR"
mkdir -p "$dir"
case "$1" in
  get|erase) read -r server ;;
  store) body=$(cat); server=$(printf %s "$body" | sed 's/.*"ServerURL":"\([^"]*\)".*/\1/') ;;
  *) exit 2 ;;
esac
echo "$1 $server" >> "$dir/log"
file="$dir/$(printf %s "$server" | tr -c 'A-Za-z0-9' '_')"
case "$1" in
  get) [ -f "$file" ] && cat "$file" || { echo "credentials not found in native keychain"; exit 1; } ;;
  store) printf %s "$body" > "$file" ;;
  erase) [ -f "$file" ] && rm "$file" || { echo "credentials not found in native keychain"; exit 1; } ;;
esac
"#;

impl Home {
    fn new() -> Self {
        let home = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let bin = home.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let helper = bin.join("docker-credential-fake");
        std::fs::write(&helper, FAKE_HELPER).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::create_dir_all(home.path().join("docker")).unwrap();
        home
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn helper_dir(&self) -> PathBuf {
        self.path().join("helper")
    }

    /// Docker's `config.json`.
    fn docker_config(&self, json: serde_json::Value) {
        std::fs::write(
            self.path().join("docker/config.json"),
            serde_json::to_vec(&json).unwrap(),
        )
        .unwrap();
    }

    /// What the helper keeps for `server`, as `docker login` would have
    /// stored it.
    fn helper_holds(&self, server: &str, username: &str, secret: &str) {
        std::fs::create_dir_all(self.helper_dir()).unwrap();
        let name: String = server
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let body = serde_json::json!({"ServerURL": server, "Username": username, "Secret": secret});
        std::fs::write(self.helper_dir().join(name), body.to_string()).unwrap();
    }

    fn helper_log(&self) -> String {
        std::fs::read_to_string(self.helper_dir().join("log")).unwrap_or_default()
    }

    fn credentials_file(&self) -> PathBuf {
        self.path().join("config/docker-data/credentials.json")
    }

    /// The binary in this home, pointed at `sim`.
    fn run(&self, sim: &Simulator, args: &[&str]) -> Output {
        self.command(sim, args).output().unwrap()
    }

    fn command(&self, sim: &Simulator, args: &[&str]) -> assert_cmd::Command {
        let path = format!(
            "{}:{}",
            self.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = in_home(self.path());
        command
            .env("PATH", path)
            .env("FAKE_HELPER_DIR", self.helper_dir())
            .args(["--hub-url", &sim.hub_url(), "--dvp-url", &sim.dvp_url()])
            .args(["--enterprise-url", &sim.enterprise_url()])
            .args(args);
        command
    }
}

fn simulator() -> (tokio::runtime::Runtime, Simulator) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(Simulator::start()).unwrap();
    (rt, sim)
}

fn namespaces_ok(output: Output) {
    assert_eq!(ok(output).lines().nth(1), Some(accounts::NAMESPACE));
}

#[test]
fn commands_log_in_with_what_docker_login_stored() {
    let (_rt, sim) = simulator();
    let home = Home::new();
    let nothing = home.run(&sim, &["dvp", "namespaces"]);
    assert_eq!(nothing.status.code(), Some(4));
    assert!(
        stderr(&nothing).contains("docker-data login"),
        "{}",
        stderr(&nothing)
    );

    // Through the helper named by credsStore.
    home.docker_config(serde_json::json!({"credsStore": "fake"}));
    home.helper_holds(
        "https://index.docker.io/v1/",
        accounts::DVP_USER,
        accounts::DVP_PASSWORD,
    );
    namespaces_ok(home.run(&sim, &["dvp", "namespaces"]));
    assert!(
        home.helper_log()
            .contains("get https://index.docker.io/v1/"),
        "{}",
        home.helper_log()
    );

    // Through credHelpers, which names a helper for the Hub alone.
    let other = Home::new();
    other.docker_config(serde_json::json!({"credHelpers": {"docker.io": "fake"}}));
    other.helper_holds("docker.io", accounts::DVP_USER, accounts::DVP_PASSWORD);
    namespaces_ok(other.run(&sim, &["dvp", "namespaces"]));

    // In `auths`, base64 of `user:secret`.
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        accounts::DVP_USER,
        accounts::DVP_PAT
    ));
    let auths = Home::new();
    auths.docker_config(
        serde_json::json!({"auths": {"https://index.docker.io/v1/": {"auth": auth}}}),
    );
    namespaces_ok(auths.run(&sim, &["dvp", "namespaces"]));

    // Docker's login of an organization with its access token serves
    // the Enterprise commands.
    let org = Home::new();
    org.docker_config(serde_json::json!({"credsStore": "fake"}));
    org.helper_holds("https://index.docker.io/v1/", accounts::ORG, accounts::OAT);
    assert!(ok(org.run(&sim, &["reports", "types"])).contains("usage_pulls"));
    // Docker's file is read, never written.
    let before = std::fs::read(org.path().join("docker/config.json")).unwrap();
    ok(org.run(&sim, &["reports", "types"]));
    assert_eq!(
        std::fs::read(org.path().join("docker/config.json")).unwrap(),
        before
    );
}

#[test]
fn login_keeps_the_credentials_in_a_private_file_and_logout_removes_them() {
    let (_rt, sim) = simulator();
    let home = Home::new();
    let refused = home
        .command(
            &sim,
            &["login", "--username", accounts::DVP_USER, "--pat-stdin"],
        )
        .write_stdin("wrong-secret\n")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(!home.credentials_file().exists(), "refused: nothing saved");

    let login = home
        .command(
            &sim,
            &["login", "--username", accounts::DVP_USER, "--pat-stdin"],
        )
        .write_stdin(format!("{}\n", accounts::DVP_PAT))
        .output()
        .unwrap();
    let said = stderr(&login);
    ok(login);
    assert!(said.contains("unencrypted"), "{said}");
    assert!(!said.contains(accounts::DVP_PAT), "{said}");
    // With a token cached for the user, a wrong secret is still refused:
    // login checks the secret, not the cache.
    let again = home
        .command(
            &sim,
            &["login", "--username", accounts::DVP_USER, "--pat-stdin"],
        )
        .write_stdin("wrong-secret\n")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(4), "{}", stderr(&again));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&home.credentials_file()), 0o600);
        namespaces_ok(home.run(&sim, &["dvp", "namespaces"]));
        // A file others can read is not used.
        std::fs::set_permissions(
            home.credentials_file(),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let open = home.run(&sim, &["dvp", "namespaces"]);
        assert_eq!(open.status.code(), Some(4));
        assert!(stderr(&open).contains("chmod 600"), "{}", stderr(&open));
        std::fs::set_permissions(
            home.credentials_file(),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    namespaces_ok(home.run(&sim, &["dvp", "namespaces", "--no-token-cache"]));
    // Another profile has no login of its own.
    let work = home.run(&sim, &["--profile", "work", "dvp", "namespaces"]);
    assert_eq!(work.status.code(), Some(4));
    assert!(
        stderr(&work).contains("docker-data login --profile work"),
        "{}",
        stderr(&work)
    );

    ok(home.run(&sim, &["logout"]));
    let after = home.run(&sim, &["dvp", "namespaces"]);
    assert_eq!(after.status.code(), Some(4), "{}", stderr(&after));
    assert!(
        !home
            .path()
            .join("cache/docker-data/tokens")
            .read_dir()
            .unwrap()
            .any(|e| { e.unwrap().path().extension().is_some_and(|x| x == "json") }),
        "logout removes the cached token too"
    );
}

#[test]
fn login_goes_through_the_credential_helper_when_docker_names_one() {
    let (_rt, sim) = simulator();
    let home = Home::new();
    home.docker_config(serde_json::json!({"credsStore": "fake"}));
    let login = home
        .command(
            &sim,
            &[
                "--profile",
                "acme",
                "login",
                "--org",
                accounts::ORG,
                "--oat-stdin",
            ],
        )
        .write_stdin(format!("{}\n", accounts::OAT))
        .output()
        .unwrap();
    let said = stderr(&login);
    ok(login);
    assert!(said.contains("docker-credential-fake"), "{said}");
    assert!(home.helper_log().contains("store docker-data://acme"));
    assert!(
        !home.credentials_file().exists(),
        "no file beside the helper"
    );
    // No organization given: the profile's saved login names it.
    let types = home.run(&sim, &["--profile", "acme", "reports", "types"]);
    assert!(ok(types).contains("usage_pulls"));
    ok(home.run(&sim, &["--profile", "acme", "logout"]));
    assert!(home.helper_log().contains("erase docker-data://acme"));
    let after = home.run(&sim, &["--profile", "acme", "reports", "types"]);
    assert_eq!(after.status.code(), Some(4));
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_profile() {
    let (_rt, sim) = simulator();
    let home = Home::new();
    let config = home.path().join("config/docker-data");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[profiles.default]\norg = \"{org}\"\noutput = \"json\"\nenterprise-url = \"{url}\"\n\n\
             [profiles.elsewhere]\norg = \"{org}\"\nenterprise-url = \"{url}/nowhere\"\n",
            org = accounts::ORG,
            url = sim.enterprise_url()
        ),
    )
    .unwrap();
    // No --enterprise-url here: the profile's applies.
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut command = in_home(home.path());
        command
            .env("DOCKER_OAT", accounts::OAT)
            .args(["--hub-url", &sim.hub_url()]);
        for (key, value) in env {
            command.env(key, value);
        }
        command.args(args).output().unwrap()
    };
    let from_profile = ok(run(&[], &["reports", "types"]));
    let json: serde_json::Value = serde_json::from_str(&from_profile).unwrap();
    assert!(json.as_array().is_some_and(|a| !a.is_empty()), "{json}");

    let bad_url = format!("{}/nowhere", sim.enterprise_url());
    let env_bad = [("DOCKER_ENTERPRISE_URL", bad_url.as_str())];
    assert_eq!(run(&env_bad, &["reports", "types"]).status.code(), Some(1));
    let flag = [
        "--enterprise-url",
        &sim.enterprise_url(),
        "reports",
        "types",
    ];
    ok(run(&env_bad, &flag));
    // The table, as the flag says, beats the profile's json.
    let table = ok(run(&[], &["-o", "table", "reports", "types"]));
    assert!(serde_json::from_str::<serde_json::Value>(&table).is_err());
    // Another profile, by flag or by environment.
    assert_eq!(
        run(&[], &["--profile", "elsewhere", "reports", "types"])
            .status
            .code(),
        Some(1)
    );
    let by_env = [("DOCKER_DATA_PROFILE", "elsewhere")];
    assert_eq!(run(&by_env, &["reports", "types"]).status.code(), Some(1));

    // A secret in the file is refused, and not repeated.
    std::fs::write(
        config.join("config.toml"),
        "[profiles.default]\noat = \"dckr_oat_in_a_file\"\n",
    )
    .unwrap();
    let refused = run(&[], &["reports", "types"]);
    assert_eq!(refused.status.code(), Some(2));
    let said = stderr(&refused);
    assert!(said.contains("docker-data login"), "{said}");
    assert!(!said.contains("dckr_oat_in_a_file"), "{said}");
    // DOCKER_DATA_CONFIG names another file.
    let elsewhere = home.path().join("other.toml");
    std::fs::write(&elsewhere, "[profiles.default]\noutput = \"csv\"\n").unwrap();
    let csv = ok(run(
        &[("DOCKER_DATA_CONFIG", elsewhere.to_str().unwrap())],
        &[
            "--enterprise-url",
            &sim.enterprise_url(),
            "--org",
            accounts::ORG,
            "reports",
            "types",
        ],
    ));
    assert!(csv.lines().next().is_some_and(|l| l.contains(',')), "{csv}");
}

#[test]
fn consecutive_commands_log_in_once_and_ask_for_the_code_once() {
    let (_rt, sim) = simulator();
    let home = Home::new();
    let run = |args: &[&str]| {
        home.command(&sim, args)
            .env("DOCKER_USERNAME", accounts::DVP_2FA_USER)
            .env("DOCKER_PASSWORD", accounts::DVP_2FA_PASSWORD)
            .output()
            .unwrap()
    };
    namespaces_ok(run(&["--otp", accounts::TOTP_CODE, "dvp", "namespaces"]));
    // The simulator counts the challenge and the token of one login.
    let login = sim.tokens_issued();
    assert!(login > 0);
    // No --otp and no terminal: had it logged in, it would have failed.
    namespaces_ok(run(&["dvp", "namespaces"]));
    assert!(ok(run(&["dvp", "namespaces", "-o", "json"])).contains(accounts::NAMESPACE));
    assert_eq!(sim.tokens_issued(), login, "one login for three commands");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let tokens = home.path().join("cache/docker-data/tokens");
        for entry in tokens.read_dir().unwrap() {
            let mode = entry.unwrap().metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    // The server rejects the cached token: it is replaced.
    sim.expire_tokens();
    namespaces_ok(run(&["--otp", accounts::TOTP_CODE, "dvp", "namespaces"]));
    assert_eq!(sim.tokens_issued(), 2 * login);
    namespaces_ok(run(&["dvp", "namespaces"]));
    assert_eq!(sim.tokens_issued(), 2 * login);

    // --no-token-cache logs in again.
    namespaces_ok(run(&[
        "--no-token-cache",
        "--otp",
        accounts::TOTP_CODE,
        "dvp",
        "namespaces",
    ]));
    assert_eq!(sim.tokens_issued(), 3 * login);
}

/// On a terminal, `login` asks for what it was not given. `script`
/// (util-linux) gives the program a pseudo-terminal.
#[test]
fn login_prompts_on_a_terminal_for_the_missing_secret() {
    let (_rt, sim) = simulator();
    let home = Home::new();
    let hub = sim.hub_url();
    let args = ["--hub-url", &hub, "login", "--username", accounts::DVP_USER];
    let (success, screen) =
        on_terminal(home.path(), &args, &[], &format!("{}\n", accounts::DVP_PAT));
    assert!(success, "{screen}");
    assert!(screen.contains("Personal access token"), "{screen}");
    assert!(home.credentials_file().exists(), "{screen}");
    namespaces_ok(home.run(&sim, &["dvp", "namespaces"]));
}
