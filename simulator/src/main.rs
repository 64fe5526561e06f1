//! `simulator`: runs the simulator until Ctrl-C and prints its base URLs.

use std::time::Duration;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut config = simulator::SimulatorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> std::io::Result<u64> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| std::io::Error::other(format!("{name} needs a number")))
        };
        match arg.as_str() {
            "--raw-rows" => config.dvp_raw_rows = number("--raw-rows")?,
            "--report-rows" => config.enterprise_rows = number("--report-rows")?,
            "--token-lifetime" => {
                config.token_lifetime = Duration::from_secs(number("--token-lifetime")?)
            }
            "--seed" => config.seed = number("--seed")?,
            "--port" => {
                let base = u16::try_from(number("--port")?).map_err(std::io::Error::other)?;
                config.ports = [base, base + 1, base + 2, base + 3];
            }
            _ => {
                eprintln!(
                    "usage: simulator [--port BASE] [--raw-rows N] [--report-rows N] [--token-lifetime SECONDS] [--seed N]"
                );
                std::process::exit(2);
            }
        }
    }
    let sim = simulator::Simulator::start_with(config).await?;
    println!("DOCKER_HUB_URL={}", sim.hub_url());
    println!("DOCKER_DVP_URL={}", sim.dvp_url());
    println!("DOCKER_ENTERPRISE_URL={}", sim.enterprise_url());
    println!("# object store: {}", sim.store_url());
    println!(
        "# DVP user {} / {} (2FA user {} with code {}); org {} with OAT {}",
        simulator::accounts::DVP_USER,
        simulator::accounts::DVP_PASSWORD,
        simulator::accounts::DVP_2FA_USER,
        simulator::accounts::TOTP_CODE,
        simulator::accounts::ORG,
        simulator::accounts::OAT
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
