//! Lists a namespace's exports, downloads one month and sums its pulls.
//!
//! Runs against the built-in simulator unless `DOCKER_USERNAME` and
//! `DOCKER_PAT` are set (then against Docker's production API):
//!
//! ```text
//! cargo run -p dvp-sdk --example pull_analytics
//! ```

use dvp_sdk::{BulkOptions, Credentials, DvpClient, ExportFilter, Timespan};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Kept alive until the end: dropping it stops the simulator.
    let mut _simulator = None;
    let client = match (
        std::env::var("DOCKER_USERNAME"),
        std::env::var("DOCKER_PAT"),
    ) {
        (Ok(user), Ok(pat)) => DvpClient::new(user, pat)?,
        _ => {
            let sim = simulator::Simulator::start().await?;
            let client = DvpClient::builder(Credentials::login(
                simulator::accounts::DVP_USER,
                simulator::accounts::DVP_PASSWORD,
            ))
            .hub_url(sim.hub_url())
            .api_url(sim.dvp_url())
            .build()?;
            _simulator = Some(sim);
            client
        }
    };

    let namespace = client
        .namespaces()
        .await?
        .into_iter()
        .next()
        .ok_or("no namespace with data")?;
    let year = *client
        .years(&namespace)
        .await?
        .last()
        .ok_or("no year with data")?;
    let files: Vec<_> = client.exports(&namespace).try_collect().await?;
    println!(
        "{namespace}: {} export files, latest year {year}",
        files.len()
    );

    let dir = std::env::temp_dir().join("dvp-example");
    let filter = ExportFilter::new().year(year).timespan(Timespan::Month(1));
    let summary = client
        .download_all(
            &namespace,
            filter,
            &dir,
            BulkOptions::new(),
            Default::default(),
        )
        .await?;
    println!(
        "downloaded {} files, {} already there",
        summary.downloaded.len(),
        summary.skipped.len()
    );

    let raw = dir
        .join(&namespace)
        .join(year.to_string())
        .join("month-01/raw.csv");
    let mut by_action = std::collections::BTreeMap::<String, u64>::new();
    for row in dvp_sdk::rows::raw_rows(&raw) {
        *by_action
            .entry(row?.action().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    println!("pulls by action in January {year}: {by_action:?}");
    Ok(())
}
