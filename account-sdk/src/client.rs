//! The Account client: construction and one call per operation.

use std::sync::Arc;

use sdk_core::{ApiContext, ClientConfig, StaticToken, TokenSource};
use secrecy::SecretString;

use crate::error::{Error, Result, hint};
use crate::generated::{self, types};
use sdk_core::CallExt as _;

/// How the client authenticates. Both forms are secrets: `Debug` never
/// shows them (`secrecy` prints `[REDACTED]`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AccountAuth {
    /// HTTP Basic: user name and password.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// An OAuth bearer token (needs the `profile_read` scope).
    Bearer(SecretString),
}

impl AccountAuth {
    /// HTTP Basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        AccountAuth::Basic {
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        AccountAuth::Bearer(SecretString::from(token.into()))
    }

    fn context(&self) -> ApiContext {
        match self {
            AccountAuth::Basic { username, password } => {
                ApiContext::with_basic_auth(username, password)
            }
            AccountAuth::Bearer(token) => {
                use secrecy::ExposeSecret;
                let source: Arc<dyn TokenSource> =
                    Arc::new(StaticToken::new(token.expose_secret()));
                ApiContext::with_token_source(source)
            }
        }
    }
}

/// Client of the legacy Account API. Cheap to clone; clones share the
/// connection pool.
#[derive(Clone, Debug)]
pub struct AccountClient {
    api: generated::Client,
}

/// Configures an [`AccountClient`].
#[derive(Debug)]
pub struct AccountClientBuilder {
    auth: AccountAuth,
    config: ClientConfig,
}

sdk_core::builder_setters!(AccountClientBuilder);

impl AccountClientBuilder {
    /// Builds the client. Nothing is sent until the first call.
    pub fn build(self) -> Result<AccountClient> {
        let http = self.config.json_client()?;
        let context = self
            .config
            .api_context(self.auth.context(), generated::OPERATIONS);
        Ok(AccountClient {
            api: generated::Client::new_with_client(self.config.api_base(), http, context),
        })
    }
}

impl AccountClient {
    /// A client with HTTP Basic credentials against
    /// [`DEFAULT_ACCOUNT_URL`](crate::DEFAULT_ACCOUNT_URL) (a retired host:
    /// use [`builder`](Self::builder) to point elsewhere).
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Result<Self> {
        Self::builder(AccountAuth::basic(username, password)).build()
    }

    /// Starts configuring a client.
    pub fn builder(auth: AccountAuth) -> AccountClientBuilder {
        AccountClientBuilder {
            auth,
            // The Account API takes no Hub token; only `api_url` is used.
            config: ClientConfig::new(crate::DEFAULT_ACCOUNT_URL, crate::DEFAULT_ACCOUNT_URL),
        }
    }

    /// The generated client, for calls this layer does not wrap. It carries
    /// the same auth, retries and tracing.
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// The rate limit as the API's last answer stated it
    /// (`X-RateLimit-Limit`, `-Remaining`, `-Reset`), to pace a long run;
    /// `None` until an answer carries the headers. When none remain, the
    /// next call waits for the reset by itself.
    pub fn rate_limit(&self) -> Option<sdk_core::RateLimit> {
        use generated::ClientInfo as _;
        self.api.inner().rate_limit()
    }

    /// The profile of `username`.
    pub async fn user(&self, username: &str) -> Result<types::User> {
        let username = check_username(username)?;
        self.api
            .get_user()
            .username(username)
            .send()
            .sdk(hint, format!("getting user {username}"))
            .await
    }

    /// Changes the fields of `username`'s profile that `update` sets, and
    /// returns the new profile.
    pub async fn update_user(
        &self,
        username: &str,
        update: types::UserUpdate,
    ) -> Result<types::User> {
        let username = check_username(username)?;
        self.api
            .update_user()
            .username(username)
            .body(update)
            .send()
            .sdk(hint, format!("updating user {username}"))
            .await
    }

    /// Every email address of `username`.
    pub async fn emails(&self, username: &str) -> Result<Vec<types::Email>> {
        let username = check_username(username)?;
        self.api
            .list_user_emails()
            .username(username)
            .send()
            .sdk(hint, format!("listing emails of {username}"))
            .await
    }

    /// Adds `email` to `username` (the server answers 201, or 200 on older
    /// deployments; both give the new address).
    pub async fn add_email(&self, username: &str, email: &str) -> Result<types::Email> {
        let username = check_username(username)?;
        let body = email_request(email)?;
        self.api
            .add_user_email()
            .username(username)
            .body(body)
            .send()
            .sdk(hint, format!("adding an email address to {username}"))
            .await
    }

    /// Removes `email` from `username` (204, or 200 on older deployments).
    /// The primary address cannot be removed.
    pub async fn delete_email(&self, username: &str, email: &str) -> Result<()> {
        let username = check_username(username)?;
        let body = email_request(email)?;
        match self
            .api
            .delete_user_email()
            .username(username)
            .body(body)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => Err(Error::from_generated(
                format!("removing an email address of {username}"),
                err,
            )
            .await
            .hinted(hint)),
        }
    }
}

/// A user name: one path segment (`sdk_core::runtime::names::segment`'s rules, the same
/// for every API).
fn check_username(value: &str) -> Result<&str> {
    sdk_core::runtime::names::segment("user name", value)
}

fn email_request(email: &str) -> Result<types::EmailRequest> {
    if email.is_empty() || !email.contains('@') || email.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            "email address",
            format!("{email:?} is not an address of the form name@domain"),
        ));
    }
    Ok(types::EmailRequest {
        email: email.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_user_names_and_addresses_are_refused() {
        for bad in ["", "a/b", "..", "a b", "a\n"] {
            assert!(check_username(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(check_username("jdoe").unwrap(), "jdoe");
        assert!(email_request("nobody").is_err());
        assert!(email_request("").is_err());
        assert_eq!(email_request("a@b.c").unwrap().email, "a@b.c");
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let basic = format!("{:?}", AccountAuth::basic("jdoe", "hunter2-canary"));
        let bearer = format!("{:?}", AccountAuth::bearer("tok-canary"));
        assert!(
            basic.contains("jdoe") && !basic.contains("canary"),
            "{basic}"
        );
        assert!(!bearer.contains("canary"), "{bearer}");
    }
}
