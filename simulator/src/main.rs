//! `simulator`: runs the simulator until Ctrl-C and prints its base URLs.

use std::time::Duration;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut config = docker_data_simulator::SimulatorConfig::default();
    let mut faults = Vec::new();
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
            "--fault" => {
                let spec = args.next().unwrap_or_default();
                faults.push(parse_fault(&spec).map_err(std::io::Error::other)?);
            }
            "--port" => {
                let base = u16::try_from(number("--port")?).map_err(std::io::Error::other)?;
                config.ports = docker_data_simulator::Ports::consecutive(base);
            }
            _ => {
                eprintln!(
                    "usage: simulator [--port BASE] [--raw-rows N] [--report-rows N] [--token-lifetime SECONDS] [--seed N] [--fault ROUTE=FAULT[xTIMES] ...]\n\
                     routes: hub.login hub.2fa hub.token dvp enterprise.types enterprise.list enterprise.download enterprise.schema store account\n\
                     faults: STATUS (503), STATUS:RETRY_AFTER (429:2), drop:BYTES, delay:MILLIS, expire"
                );
                std::process::exit(2);
            }
        }
    }
    let sim = docker_data_simulator::Simulator::start_with(config).await?;
    for (route, fault, times) in faults {
        sim.inject(route, fault, times);
    }
    println!("DOCKER_HUB_URL={}", sim.hub_url());
    println!("DOCKER_DVP_URL={}", sim.dvp_url());
    println!("DOCKER_ENTERPRISE_URL={}", sim.enterprise_url());
    println!("DOCKER_ACCOUNT_URL={}", sim.account_url());
    println!("# object store: {}", sim.store_url());
    println!(
        "# DVP user {} / {} (2FA user {} with code {}); org {} with OAT {}",
        docker_data_simulator::accounts::DVP_USER,
        docker_data_simulator::accounts::DVP_PASSWORD,
        docker_data_simulator::accounts::DVP_2FA_USER,
        docker_data_simulator::accounts::TOTP_CODE,
        docker_data_simulator::accounts::ORG,
        docker_data_simulator::accounts::OAT
    );
    println!(
        "# Account API user {} / {} (or bearer {})",
        docker_data_simulator::accounts::ACCOUNT_USER,
        docker_data_simulator::accounts::ACCOUNT_PASSWORD,
        docker_data_simulator::accounts::ACCOUNT_TOKEN
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// `ROUTE=FAULT[xTIMES]`, e.g. `store=drop:1000`, `enterprise.list=429:2x3`.
fn parse_fault(
    spec: &str,
) -> Result<
    (
        docker_data_simulator::Route,
        docker_data_simulator::Fault,
        usize,
    ),
    String,
> {
    use docker_data_simulator::Fault;
    let (route, rest) = spec
        .split_once('=')
        .ok_or_else(|| format!("--fault {spec}: expected ROUTE=FAULT"))?;
    let (fault, times) = match rest.rsplit_once('x') {
        Some((fault, times)) if times.chars().all(|c| c.is_ascii_digit()) && !times.is_empty() => (
            fault,
            times
                .parse()
                .map_err(|_| format!("--fault {spec}: bad count"))?,
        ),
        _ => (rest, 1),
    };
    let bad = || format!("--fault {spec}: unknown fault {fault:?}");
    let fault = match fault.split_once(':') {
        Some(("drop", bytes)) => Fault::DropAfter(bytes.parse().map_err(|_| bad())?),
        Some(("delay", millis)) => {
            Fault::Delay(Duration::from_millis(millis.parse().map_err(|_| bad())?))
        }
        Some((status, retry_after)) => Fault::Status {
            status: status.parse().map_err(|_| bad())?,
            retry_after: Some(retry_after.to_owned()),
        },
        None if fault == "expire" => Fault::ExpireTokens,
        None => Fault::status(fault.parse().map_err(|_| bad())?),
    };
    Ok((route.parse()?, fault, times))
}

#[cfg(test)]
mod tests {
    use super::parse_fault;
    use docker_data_simulator::{Fault, Route};
    use std::time::Duration;

    #[test]
    fn faults_parse_from_the_command_line() {
        assert_eq!(
            parse_fault("store=drop:1000").unwrap(),
            (Route::Store, Fault::DropAfter(1000), 1)
        );
        assert_eq!(
            parse_fault("enterprise.list=429:2x3").unwrap(),
            (Route::EnterpriseList, Fault::rate_limited(2), 3)
        );
        assert_eq!(
            parse_fault("dvp=503").unwrap(),
            (Route::Dvp, Fault::status(503), 1)
        );
        assert_eq!(
            parse_fault("hub.token=delay:250").unwrap().1,
            Fault::Delay(Duration::from_millis(250))
        );
        assert_eq!(parse_fault("dvp=expire").unwrap().1, Fault::ExpireTokens);
        assert!(parse_fault("dvp").is_err() && parse_fault("dvp=teapot").is_err());
        let unknown = parse_fault("nowhere=503").unwrap_err();
        assert!(
            unknown.contains("unknown route") && unknown.contains("store"),
            "{unknown}"
        );
        for route in Route::ALL {
            assert_eq!(route.name().parse::<Route>(), Ok(route));
        }
    }
}
