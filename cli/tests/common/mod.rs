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
fn fresh_home() -> std::path::PathBuf {
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
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("DOCKER_CONFIG", home.join("docker"))
        .env_remove("DOCKER_DATA_CONFIG")
        .env_remove("DOCKER_DATA_PROFILE");
    for var in [
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
    command
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
