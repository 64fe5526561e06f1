//! Pages through an organization's daily `usage_pulls` reports, downloads
//! the newest and reads it typed by its schema, then reads it again straight
//! from the network, without a file.
//!
//! Runs against the built-in simulator unless `DOCKER_ORG` and `DOCKER_OAT`
//! are set (then against Docker's production API):
//!
//! ```text
//! cargo run -p enterprise-data-sdk --example usage_reports
//! ```

use enterprise_data_sdk::EnterpriseClient;
use enterprise_data_sdk::rows::ValueRef;
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut _simulator = None;
    let client = match (std::env::var("DOCKER_ORG"), std::env::var("DOCKER_OAT")) {
        (Ok(org), Ok(oat)) => EnterpriseClient::new(org, oat)?,
        _ => {
            let sim = simulator::Simulator::start().await?;
            let client =
                EnterpriseClient::builder(simulator::accounts::ORG, simulator::accounts::OAT)
                    .hub_url(sim.hub_url())
                    .api_url(sim.enterprise_url())
                    .build()?;
            _simulator = Some(sim);
            client
        }
    };

    for pair in client.report_types().await? {
        println!("available: {} {}", pair.report_type, pair.cadence);
    }
    let reports: Vec<_> = client.reports("usage_pulls", "daily").try_collect().await?;
    println!("{} daily reports", reports.len());
    let newest = reports.first().ok_or("no report yet")?;

    let path = std::env::temp_dir().join(format!("usage_pulls-{}.csv", newest.date));
    client.download(newest, &path).await?;
    let schema = client.schema(newest).await?;
    let mut total = 0i64;
    for row in enterprise_data_sdk::rows::rows(&path, &schema) {
        if let Some(ValueRef::Integer(pulls)) = row?.get("pull_count") {
            total += pulls;
        }
    }
    println!("{}: {total} pulls", newest.date);

    // The same rows typed while the body arrives, each lent until the next.
    let mut streamed = 0i64;
    let mut reader = client.stream_row_reader(newest, &schema).await?;
    while let Some(row) = reader.next_row_async().await {
        if let Some(ValueRef::Integer(pulls)) = row?.get("pull_count") {
            streamed += pulls;
        }
    }
    println!("{}: {streamed} pulls, streamed", newest.date);
    let _ = std::fs::remove_file(&path);
    Ok(())
}
