//! The accounts the simulator knows. Only these credentials are accepted.

/// A DVP user without two-factor authentication.
pub const DVP_USER: &str = "sim-user";
/// Its password.
pub const DVP_PASSWORD: &str = "sim-password";
/// Its personal access token (accepted by login and by the token exchange).
pub const DVP_PAT: &str = "dckr_pat_simulator";
/// A DVP user with two-factor authentication.
pub const DVP_2FA_USER: &str = "sim-2fa-user";
/// Its password.
pub const DVP_2FA_PASSWORD: &str = "sim-password";
/// The one-time code the simulator accepts for it.
pub const TOTP_CODE: &str = "123456";
/// The DVP namespace both users can read.
pub const NAMESPACE: &str = "sim-publisher";
/// An Enterprise organization.
pub const ORG: &str = "sim-org";
/// Its organization access token.
pub const OAT: &str = "dckr_oat_simulator";
/// A user of the legacy Account API (HTTP Basic with [`ACCOUNT_PASSWORD`],
/// or bearer [`ACCOUNT_TOKEN`]).
pub const ACCOUNT_USER: &str = "sim-user";
/// Its password for the Account API.
pub const ACCOUNT_PASSWORD: &str = "sim-password";
/// An OAuth token of [`ACCOUNT_USER`] with the `profile_read` scope.
pub const ACCOUNT_TOKEN: &str = "sim-oauth-token";
/// An OAuth token of [`ACCOUNT_USER`] without the `profile_read` scope:
/// authenticated, but every Account call answers 403.
pub const ACCOUNT_TOKEN_NO_SCOPE: &str = "sim-oauth-token-no-scope";
