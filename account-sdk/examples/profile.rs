//! Reads a user's profile and email addresses from the legacy Account API.
//!
//! Runs against the built-in simulator unless `DOCKER_ACCOUNT_URL`,
//! `DOCKER_USERNAME` and `DOCKER_PASSWORD` are set (the public host of this
//! API is retired, so there is no production default worth trying):
//!
//! ```text
//! cargo run -p account-sdk --example profile
//! ```

use account_sdk::{AccountAuth, AccountClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Kept alive until the end: dropping it stops the simulator.
    let mut _simulator = None;
    let (client, user) = match (
        std::env::var("DOCKER_ACCOUNT_URL"),
        std::env::var("DOCKER_USERNAME"),
        std::env::var("DOCKER_PASSWORD"),
    ) {
        (Ok(url), Ok(user), Ok(password)) => {
            let client = AccountClient::builder(AccountAuth::basic(user.clone(), password))
                .api_url(url)
                .build()?;
            (client, user)
        }
        _ => {
            let sim = simulator::Simulator::start().await?;
            let client = AccountClient::builder(AccountAuth::basic(
                simulator::accounts::ACCOUNT_USER,
                simulator::accounts::ACCOUNT_PASSWORD,
            ))
            .api_url(sim.account_url())
            .build()?;
            _simulator = Some(sim);
            (client, simulator::accounts::ACCOUNT_USER.to_owned())
        }
    };

    let profile = client.user(&user).await?;
    println!(
        "{} ({}), joined {}",
        profile.username.as_deref().unwrap_or("?"),
        profile.full_name.as_deref().unwrap_or("no name"),
        profile
            .date_joined
            .map(|d| d.date_naive().to_string())
            .unwrap_or_default()
    );
    for email in client.emails(&user).await? {
        let primary = if email.primary == Some(true) {
            " (primary)"
        } else {
            ""
        };
        println!("  {}{primary}", email.email.as_deref().unwrap_or("?"));
    }
    Ok(())
}
