//! Logs in with a second factor and shows that the token is cached.
//!
//! Runs against the built-in simulator:
//!
//! ```text
//! cargo run -p hub-auth --example token
//! ```

use docker_hub_auth::{Credentials, OtpProvider, TokenCache};
use docker_hub_auth::{RetryPolicy, TokenSource};
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = simulator::Simulator::start().await?;
    let http = sdk_core::http::client_builder().build()?;
    let credentials = Credentials::login(
        simulator::accounts::DVP_2FA_USER,
        simulator::accounts::DVP_2FA_PASSWORD,
    );
    // In a real program the code comes from the user or a TOTP library.
    let cache = TokenCache::builder(&sim.hub_url(), credentials, http)
        .retry(RetryPolicy::default())
        .otp(OtpProvider::fixed(simulator::accounts::TOTP_CODE))
        .build();

    let token = cache.token().await?;
    let expires = docker_hub_auth::jwt::expiry(token.expose_secret());
    println!("logged in; token expires at {expires:?}");
    cache.token().await?;
    println!(
        "token requests after two calls: {} (login + second factor, then cached)",
        cache.token_requests()
    );
    println!("Debug output never shows secrets: {cache:?}");
    Ok(())
}
