//! `docker-data`: Docker usage data from the command line. See `--help`.

mod account_cmd;
mod api;
mod args;
mod context;
mod demo;
mod docker_config;
mod dvp_cmd;
mod error;
mod hub_cmd;
mod login;
mod login_cmd;
mod output;
mod profile;
mod progress;
mod reports_cmd;
mod sync_cmd;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::args::{Cli, Command};
use crate::context::Context;
use crate::error::CliError;

// The allocator keeps freed memory for reuse: with glibc's, every body
// piece received was fresh memory, faulted in and given back (BENCHMARKS.md,
// row 8h).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    warn_about_secrets_in_arguments(&matches);
    init_tracing(cli.global.verbose);
    output::set_verbosity(cli.global.quiet, cli.global.no_progress);
    let result = match apply_profile(&mut cli, &matches).and_then(|()| secrets_from_stdin(&mut cli))
    {
        Ok(()) => run(cli).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_closed_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", output::visible_lines(&error.message));
            ExitCode::from(error.code)
        }
    }
}

/// A secret given as a flag value shows in `ps` to every user of the
/// machine: say so, and name the safer ways.
fn warn_about_secrets_in_arguments(matches: &clap::ArgMatches) {
    for (id, flag, variable) in [
        ("password", "password", "DOCKER_PASSWORD"),
        ("pat", "pat", "DOCKER_PAT"),
        ("oat", "oat", "DOCKER_OAT"),
        ("account_token", "account-token", "DOCKER_ACCOUNT_TOKEN"),
    ] {
        if matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine) {
            let stdin = match id {
                "password" | "pat" | "oat" => format!(", or --{flag}-stdin"),
                _ => String::new(),
            };
            eprintln!(
                "warning: --{flag} on the command line is visible to other processes; prefer {variable}{stdin}"
            );
        }
    }
}

/// Fills in from the selected profile what neither a flag nor the
/// environment set (not for completions and man pages, which need none).
fn apply_profile(cli: &mut Cli, matches: &clap::ArgMatches) -> Result<(), CliError> {
    if matches!(
        cli.command,
        Command::Completions { .. } | Command::Man { .. }
    ) {
        return Ok(());
    }
    let name = cli
        .global
        .profile
        .clone()
        .unwrap_or_else(|| profile::DEFAULT_PROFILE.to_owned());
    login::check_profile_name(&name)?;
    profile::load(&name)?.apply(&mut cli.global, matches)?;
    output::set_verbosity(cli.global.quiet, cli.global.no_progress);
    Ok(())
}

/// `--password-stdin`, `--pat-stdin`, `--oat-stdin`: the secret is the
/// first line of standard input, as `docker login --password-stdin` reads it.
fn secrets_from_stdin(cli: &mut Cli) -> Result<(), CliError> {
    let g = &mut cli.global;
    let slot = match (g.password_stdin, g.pat_stdin, g.oat_stdin) {
        (false, false, false) => return Ok(()),
        (true, false, false) => &mut g.password,
        (false, true, false) => &mut g.pat,
        (false, false, true) => &mut g.oat,
        _ => {
            return Err(CliError::usage(
                "standard input holds one secret: give only one of --password-stdin, --pat-stdin, --oat-stdin",
            ));
        }
    };
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::usage(format!("reading the secret from standard input: {e}")))?;
    let secret = line.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(CliError::usage(
            "standard input is empty: pipe the secret in (e.g. `printenv DOCKER_PAT | docker-data --pat-stdin …`)",
        ));
    }
    *slot = Some(secret.to_owned());
    Ok(())
}

async fn run(cli: Cli) -> Result<(), CliError> {
    // Neither needs a client, a simulator or credentials.
    match &cli.command {
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics on a failed write,
            // and a closed pipe must end quietly.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "docker-data", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
            return Ok(());
        }
        Command::Man { dir } => return write_man_pages(dir),
        _ => {}
    }
    let context = Context::new(cli.global).await?;
    match cli.command {
        Command::Dvp(command) => dvp_cmd::run(&context, command).await,
        Command::Reports(command) => reports_cmd::run(&context, command).await,
        Command::Account(command) => account_cmd::run(&context, command).await,
        Command::Hub(command) => hub_cmd::run(&context, command).await,
        Command::Sync(args) => sync_cmd::run(&context, args).await,
        Command::Login => login_cmd::login(&context).await,
        Command::Logout => login_cmd::logout(&context),
        Command::Api {
            spec,
            operation,
            args,
        } => api::run(&context, spec, operation, args).await,
        Command::Completions { .. } | Command::Man { .. } => Ok(()),
    }
}

/// `docker-data.1` and a page per subcommand, from the same clap
/// definition as `--help`.
fn write_man_pages(dir: &std::path::Path) -> Result<(), CliError> {
    let fail = |err: std::io::Error| CliError::failure(format!("{}: {err}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(fail)?;
    let pages = std::fs::read_dir(dir).map_err(fail)?.count();
    output::note(format!("wrote {pages} man pages to {}", dir.display()));
    Ok(())
}

/// `-v`: one line per request from the SDKs' spans; `-vv`: everything at
/// debug; `RUST_LOG`, when set, chooses instead (`RUST_LOG=docker_data_core=trace`).
/// Colours only on a terminal and without `NO_COLOR`. The SDKs never put
/// secrets in their spans.
fn init_tracing(verbose: u8) {
    let from_env = std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty());
    let filter = match (from_env, verbose) {
        (Some(directives), _) => directives,
        (None, 0) => return,
        (None, 1) => [
            "docker_data_core",
            "docker_data_csv",
            "docker_hub_auth",
            "dvp_sdk",
            "enterprise_data_sdk",
            "account_sdk",
            "docker_hub_sdk",
        ]
        .map(|target| format!("{target}=debug"))
        .join(","),
        (None, _) => "debug".to_owned(),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(!no_color && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}
