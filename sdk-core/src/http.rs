//! The HTTP client every SDK request goes through.

use std::time::Duration;

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A `reqwest` client builder with the settings every SDK client needs.
///
/// Redirects are never followed: a bearer token must not travel to a host
/// the SDK did not choose. Operations that answer with a redirect (the
/// Enterprise report download) hand the `Location` to code that fetches it
/// without credentials.
pub fn client_builder() -> reqwest::ClientBuilder {
    sdk_settings(reqwest::Client::builder(), DEFAULT_CONNECT_TIMEOUT, None)
}

/// The SDK's settings on `builder`, applied last so that nothing before
/// them can turn redirects back on.
pub fn sdk_settings(
    builder: reqwest::ClientBuilder,
    connect_timeout: Duration,
    user_agent: Option<&str>,
) -> reqwest::ClientBuilder {
    builder
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .user_agent(user_agent.unwrap_or(concat!("docker-data-sdk/", env!("CARGO_PKG_VERSION"))))
}
