//! Uses the SDK crates as a dependency would: lists DVP namespaces, streams
//! Enterprise report pages from a stream stored on another task, and
//! downloads one report, all against the simulator. Every type named here
//! comes from the SDK crate it belongs to; no second crate is needed.

use docker_data_simulator::{Simulator, accounts};
use dvp_sdk::{Credentials, DvpClient, RetryPolicy};
use enterprise_data_sdk::EnterpriseClient;
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;

    let dvp = DvpClient::builder(Credentials::login(accounts::DVP_USER, accounts::DVP_PASSWORD))
        .hub_url(sim.hub_url())
        .api_url(sim.dvp_url())
        .retry(RetryPolicy::new().max_attempts(3))
        .build()?;
    let namespaces = dvp.namespaces().await?;
    println!("DVP namespaces: {namespaces:?}");
    assert_eq!(namespaces, [accounts::NAMESPACE]);

    let enterprise = EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .build()?;
    // The stream owns its client: it runs on another task.
    let stream = enterprise.reports("usage_pulls", "daily");
    let reports = tokio::spawn(stream.try_collect::<Vec<_>>()).await??;
    println!("{} daily usage reports", reports.len());

    let dir = std::env::temp_dir().join(format!("downstream-example-{}", std::process::id()));
    let dest = dir.join("newest.csv");
    let bytes = enterprise.download(&reports[0], &dest).await?;
    println!("downloaded {} ({bytes} bytes)", reports[0].date);
    assert_eq!(std::fs::metadata(&dest)?.len(), bytes);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
