//! `docker-data`: Docker usage data from the command line. See `--help`.

mod account_cmd;
mod api;
mod args;
mod context;
mod dvp_cmd;
mod error;
mod output;
mod progress;
mod reports_cmd;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::context::Context;
use crate::error::CliError;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let context = Context::new(cli.global).await?;
    match cli.command {
        Command::Dvp(command) => dvp_cmd::run(&context, command).await,
        Command::Reports(command) => reports_cmd::run(&context, command).await,
        Command::Account(command) => account_cmd::run(&context, command).await,
        Command::Api {
            spec,
            operation,
            args,
        } => api::run(&context, spec, operation, args).await,
    }
}

/// `-v`: one line per request from the SDKs' spans; `-vv`: everything at
/// debug. The SDKs never put secrets in their spans.
fn init_tracing(verbose: u8) {
    let filter = match verbose {
        0 => return,
        1 => {
            "sdk_core=debug,hub_auth=debug,dvp_sdk=debug,enterprise_data_sdk=debug,account_sdk=debug"
        }
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}
