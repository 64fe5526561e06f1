//! `docker-data hub ...`: Docker Hub organization data. Every listing
//! prints its items as pages arrive (a large organization's audit log is
//! never held in memory) and stops asking for pages at `--limit`.

use futures::StreamExt;
use serde_json::json;

use crate::args::HubCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::print_listing;

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
            limit,
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
            let events = client.audit_logs(&account, query).take(limit.get());
            let columns = ["timestamp", "action", "actor", "name"];
            print_listing(format, &columns, events, |event| {
                let cells = vec![
                    event.timestamp.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    text(event.action.as_deref()),
                    text(event.actor.as_deref()),
                    text(event.name.as_deref()),
                ];
                (cells, json!(event))
            })
            .await
        }
        HubCommand::Members { org, export, limit } => {
            if let Some(file) = export {
                let bytes = client.export_members(&org, &file).await?;
                crate::output::note(format!("exported {bytes} bytes to {}", file.display()));
                return Ok(());
            }
            let query = hub_sdk::MemberQuery::new().invites(true);
            let members = client.members(&org, query).take(limit.get());
            let columns = ["username", "full_name", "role", "email"];
            print_listing(format, &columns, members, |member| {
                let value = json!(member);
                let role = value["role"].as_str().unwrap_or_default().to_owned();
                let cells = vec![
                    text(member.username.as_deref()),
                    text(member.full_name.as_deref()),
                    role,
                    text(member.email.as_deref()),
                ];
                (cells, value)
            })
            .await
        }
        HubCommand::Repos { namespace, limit } => {
            let repos = client
                .repositories(&namespace, hub_sdk::RepoQuery::new())
                .take(limit.get());
            let columns = ["name", "pull_count", "star_count", "private"];
            print_listing(format, &columns, repos, |repo| {
                let cells = vec![
                    repo.name.clone(),
                    repo.pull_count.to_string(),
                    repo.star_count.to_string(),
                    repo.is_private.to_string(),
                ];
                (cells, json!(repo.raw))
            })
            .await
        }
        HubCommand::Tags {
            namespace,
            repo,
            limit,
        } => {
            let tags = client.tags(&namespace, &repo).take(limit.get());
            let columns = ["name", "full_size", "last_updated"];
            print_listing(format, &columns, tags, |tag| {
                let cells = vec![
                    tag.name.clone(),
                    tag.full_size.to_string(),
                    text(tag.raw.last_updated.as_deref()),
                ];
                (cells, json!(tag.raw))
            })
            .await
        }
    }
}
