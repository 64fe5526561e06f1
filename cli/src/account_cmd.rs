//! `docker-data account ...`: the legacy docker.io Account API.

use serde_json::json;

use crate::args::AccountCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Listing;

pub async fn run(context: &Context, command: AccountCommand) -> Result<(), CliError> {
    let format = context.global.output;
    let client = context.account()?;
    match command {
        AccountCommand::Show { user } => {
            let profile = client.user(&user).await?;
            let value = serde_json::to_value(&profile)?;
            // One object, as the API gives it, is what a script wants.
            match format {
                crate::args::Output::Json => {
                    return crate::output::line(serde_json::to_string_pretty(&value)?);
                }
                crate::args::Output::Jsonl => {
                    return crate::output::line(serde_json::to_string(&value)?);
                }
                _ => {}
            }
            let mut listing = Listing::new(&["field", "value"]);
            for (field, value) in value.as_object().into_iter().flatten() {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                listing.push(
                    vec![field.clone(), text],
                    json!({"field": field, "value": value}),
                );
            }
            listing.print(format)
        }
        AccountCommand::Emails { user } => {
            let mut listing = Listing::new(&["email", "primary", "verified"]);
            for email in client.emails(&user).await? {
                let flag = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
                listing.push(
                    vec![
                        email.email.clone().unwrap_or_default(),
                        flag(email.primary),
                        flag(email.verified),
                    ],
                    json!(email),
                );
            }
            listing.print(format)
        }
    }
}
