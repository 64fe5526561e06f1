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
