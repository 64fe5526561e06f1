//! What every CLI test file uses: the binary in a home of its own, and
//! its output as text.
#![allow(dead_code)] // each test file uses its own share

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// The binary with no credentials or URLs leaking in from the environment,
/// and a home of its own: no profile, no saved login, no Docker login, an
/// empty token cache.
pub fn docker_data() -> Command {
    in_home(&fresh_home())
}

/// [`docker_data`] as a `std::process::Command`, for tests that read the
/// output while the process runs.
pub fn docker_data_std() -> std::process::Command {
    std_in_home(&fresh_home())
}

/// A home folder no other command has used (made when the binary writes).
pub fn fresh_home() -> std::path::PathBuf {
    static HOMES: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let homes = HOMES.get_or_init(|| {
        let homes = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-homes");
        let _ = std::fs::remove_dir_all(&homes);
        homes
    });
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    homes.join(n.to_string())
}

/// The binary with `home` as its home: config, cache and Docker folders
/// under it, so consecutive commands share them.
pub fn in_home(home: &Path) -> Command {
    Command::from_std(std_in_home(home))
}

fn std_in_home(home: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("docker-data"));
    set_home(&mut command, home);
    command
}

/// `home`'s folders, and nothing of this environment's credentials,
/// URLs, profile or logs.
fn set_home(command: &mut std::process::Command, home: &Path) {
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("DOCKER_CONFIG", home.join("docker"));
    for var in [
        "DOCKER_DATA_CONFIG",
        "DOCKER_DATA_PROFILE",
        "DOCKER_HUB_URL",
        "DOCKER_DVP_URL",
        "DOCKER_ENTERPRISE_URL",
        "DOCKER_USERNAME",
        "DOCKER_PASSWORD",
        "DOCKER_PAT",
        "DOCKER_ORG",
        "DOCKER_OAT",
        "DOCKER_ENTERPRISE_AUTH",
        "DOCKER_ACCOUNT_URL",
        "DOCKER_ACCOUNT_TOKEN",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
}

/// Runs `docker-data ARGS` (no spaces in them) on a pseudo-terminal, as
/// `script` (util-linux, on every Debian system) gives one, in `home` with
/// `env`, `typed` typed ahead (the terminal holds it until a prompt reads
/// it). Whether it succeeded, and the screen.
pub fn on_terminal(
    home: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    typed: &str,
) -> (bool, String) {
    use std::io::{Read as _, Write as _};
    let line = format!(
        "{} {}",
        assert_cmd::cargo::cargo_bin("docker-data").display(),
        args.join(" ")
    );
    let mut command = std::process::Command::new("script");
    command.args(["-qec", &line, "/dev/null"]);
    set_home(&mut command, home);
    let mut child = command
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs the CLI on a pseudo-terminal");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(typed.as_bytes()).unwrap();
    let mut screen = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut screen)
        .unwrap();
    drop(stdin);
    (child.wait().unwrap().success(), screen)
}

/// Standard output as one JSON value a line, the command having succeeded.
pub fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    assert!(output.status.success(), "{}", stderr(output));
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

pub fn demo(args: &[&str]) -> Output {
    docker_data().arg("--demo").args(args).output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}
