//! `docker-data hub ...`: Docker Hub organization data.

use futures::TryStreamExt;
use serde_json::json;

use crate::args::HubCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Listing;

pub async fn run(context: &Context, command: HubCommand) -> Result<(), CliError> {
    let format = context.global.output;
    let client = context.hub()?;
    let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
    match command {
        HubCommand::AuditLogs {
            account,
            from,
            to,
            action,
            actor,
        } => {
            let mut query = hub_sdk::AuditLogQuery::new();
            if let Some(from) = from {
                query = query.from(from);
            }
            if let Some(to) = to {
                query = query.to(to);
            }
            if let Some(action) = action {
                query = query.action(action);
            }
            if let Some(actor) = actor {
                query = query.actor(actor);
            }
            let events: Vec<_> = client.audit_logs(&account, query).try_collect().await?;
            let mut listing = Listing::new(&["timestamp", "action", "actor", "name"]);
            for event in events {
                listing.push(
                    vec![
                        event.timestamp.map(|t| t.to_rfc3339()).unwrap_or_default(),
                        text(event.action.as_deref()),
                        text(event.actor.as_deref()),
                        text(event.name.as_deref()),
                    ],
                    json!(event),
                );
            }
            listing.print(format)
        }
        HubCommand::Members { org, export } => {
            if let Some(file) = export {
                let bytes = client.export_members(&org, &file).await?;
                eprintln!("exported {bytes} bytes to {}", file.display());
                return Ok(());
            }
            let query = hub_sdk::MemberQuery::new().invites(true);
            let members: Vec<_> = client.members(&org, query).try_collect().await?;
            let mut listing = Listing::new(&["username", "full_name", "role", "email"]);
            for member in members {
                let value = json!(member);
                let role = value["role"].as_str().unwrap_or_default().to_owned();
                listing.push(
                    vec![
                        text(member.username.as_deref()),
                        text(member.full_name.as_deref()),
                        role,
                        text(member.email.as_deref()),
                    ],
                    value,
                );
            }
            listing.print(format)
        }
        HubCommand::Repos { namespace } => {
            let repos: Vec<_> = client
                .repositories(&namespace, hub_sdk::RepoQuery::new())
                .try_collect()
                .await?;
            let mut listing = Listing::new(&["name", "pull_count", "star_count", "private"]);
            for repo in repos {
                listing.push(
                    vec![
                        repo.name.clone(),
                        repo.pull_count.to_string(),
                        repo.star_count.to_string(),
                        repo.is_private.to_string(),
                    ],
                    json!(repo.raw),
                );
            }
            listing.print(format)
        }
        HubCommand::Tags { namespace, repo } => {
            let tags: Vec<_> = client.tags(&namespace, &repo).try_collect().await?;
            let mut listing = Listing::new(&["name", "full_size", "last_updated"]);
            for tag in tags {
                listing.push(
                    vec![
                        tag.name.clone(),
                        tag.full_size.to_string(),
                        text(tag.raw.last_updated.as_deref()),
                    ],
                    json!(tag.raw),
                );
            }
            listing.print(format)
        }
    }
}
