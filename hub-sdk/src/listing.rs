//! Listings as lazy, owned streams across pages: audit logs, members,
//! repositories and tags.
//!
//! Pages are asked for by number. Audit-log pages carry no `next`: a short
//! or empty page is the last. The other listings stop on a missing or empty
//! `next`, whose page number is read from it (the URL itself is never
//! followed, so a hostile `next` cannot send the token elsewhere). A page
//! identical to the one before, a `next` that does not move forward, and
//! more than `max_pages` pages end the stream with an error.

use futures::Stream;

use crate::client::HubClient;
use sdk_core::CallExt as _;
use sdk_core::runtime::paginate::{Page, checked_first, paginate};

use crate::error::{Error, ErrorKind, Result, hint};
use crate::generated::types;
use crate::validate;

pub use crate::generated::types::{
    ListNamespaceRepositoriesOrdering as RepoOrdering, ListOrgMembersRole as MemberRole,
    ListOrgMembersType as MemberType,
};

/// A builder-style setter of an optional query field.
macro_rules! setter {
    ($field:ident: impl Into<$value:ty>, $doc:literal) => {
        #[doc = $doc]
        pub fn $field(mut self, value: impl Into<$value>) -> Self {
            self.$field = Some(value.into());
            self
        }
    };
    ($field:ident: $value:ty, $doc:literal) => {
        #[doc = $doc]
        pub fn $field(mut self, value: $value) -> Self {
            self.$field = Some(value);
            self
        }
    };
}

/// Which audit events to list; `new()` lists all.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct AuditLogQuery {
    /// Only events at or after this instant.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Only events at or before this instant.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// Only this action, e.g. `repo.tag.push` (see `audit_actions`).
    pub action: Option<String>,
    /// Only events triggered by this user.
    pub actor: Option<String>,
    /// Only events about this repository, organization or member.
    pub name: Option<String>,
    /// Events per page (1-100; Hub's default 25 when `None`).
    pub page_size: Option<u32>,
}

impl AuditLogQuery {
    /// Every event.
    pub fn new() -> Self {
        Self::default()
    }
    setter!(from: chrono::DateTime<chrono::Utc>, "Only events at or after `from`.");
    setter!(to: chrono::DateTime<chrono::Utc>, "Only events at or before `to`.");
    setter!(action: impl Into<String>, "Only this action.");
    setter!(actor: impl Into<String>, "Only this actor.");
    setter!(name: impl Into<String>, "Only events about this name.");
    setter!(page_size: u32, "Events per page.");
}

/// Which members to list; `new()` lists all members.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct MemberQuery {
    /// Only members whose name or email matches.
    pub search: Option<String>,
    /// Members, invitees, or both.
    pub member_type: Option<MemberType>,
    /// Only this role.
    pub role: Option<MemberRole>,
    /// Include pending invites.
    pub invites: Option<bool>,
    /// Members per page (1-100).
    pub page_size: Option<u32>,
}

impl MemberQuery {
    /// Every member.
    pub fn new() -> Self {
        Self::default()
    }
    setter!(search: impl Into<String>, "Only members matching `search`.");
    setter!(member_type: MemberType, "Members, invitees, or all.");
    setter!(role: MemberRole, "Only this role.");
    setter!(invites: bool, "Include pending invites.");
    setter!(page_size: u32, "Members per page.");
}

/// Which repositories to list; `new()` lists all.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RepoQuery {
    /// Only repositories whose name contains this.
    pub name: Option<String>,
    /// Sort order.
    pub ordering: Option<RepoOrdering>,
    /// Repositories per page (1-100).
    pub page_size: Option<u32>,
}

impl RepoQuery {
    /// Every repository.
    pub fn new() -> Self {
        Self::default()
    }
    setter!(name: impl Into<String>, "Only names containing `name`.");
    setter!(ordering: RepoOrdering, "Sort order.");
    setter!(page_size: u32, "Repositories per page.");
}

/// A repository of a namespace, with its counts as unsigned numbers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Repository {
    /// Namespace.
    pub namespace: String,
    /// Repository name.
    pub name: String,
    /// Pulls over its lifetime (0 when Hub does not say).
    pub pull_count: u64,
    /// Stars.
    pub star_count: u64,
    /// Whether it is private.
    pub is_private: bool,
    /// Last update.
    pub last_updated: Option<chrono::DateTime<chrono::Utc>>,
    /// Everything Hub said, as it said it.
    pub raw: types::RepositoryListEntry,
}

impl From<types::RepositoryListEntry> for Repository {
    fn from(raw: types::RepositoryListEntry) -> Self {
        let count = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        Self {
            namespace: raw.namespace.clone().unwrap_or_default(),
            name: raw.name.clone().unwrap_or_default(),
            pull_count: count(raw.pull_count),
            star_count: count(raw.star_count),
            is_private: raw.is_private.unwrap_or(false),
            last_updated: raw.last_updated,
            raw,
        }
    }
}

/// A tag of a repository, with its size as an unsigned number.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Tag {
    /// Tag name.
    pub name: String,
    /// Compressed size of all its images, in bytes (0 when Hub does not say).
    pub full_size: u64,
    /// Everything Hub said, as it said it.
    pub raw: types::Tag,
}

impl From<types::Tag> for Tag {
    fn from(raw: types::Tag) -> Self {
        Self {
            name: raw.name.clone().unwrap_or_default(),
            full_size: raw
                .full_size
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0),
            raw,
        }
    }
}

/// The page number a `next` URL asks for; a missing or empty `next` ends
/// the listing. The URL is read, never followed.
fn next_from_url(next: Option<&str>, operation: &str) -> Result<Option<u64>> {
    let Some(next) = next.filter(|n| !n.trim().is_empty()) else {
        return Ok(None);
    };
    reqwest::Url::parse(next)
        .or_else(|_| reqwest::Url::parse("http://relative.invalid/")?.join(next))
        .ok()
        .and_then(|url| {
            url.query_pairs()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse::<u64>().ok())
        })
        .map(Some)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Paging,
                operation,
                "the next page's link has no page number",
            )
        })
}

/// Hub's pages end on an empty page too, whatever its `next` says.
fn hub_page<T>(items: Vec<T>, next: Result<Option<u64>>) -> Page<T, u64> {
    let next = if items.is_empty() { Ok(None) } else { next };
    Page { items, next }
}

impl HubClient {
    /// Audit events of `account` (an organization or a user), newest first,
    /// as a lazy stream across pages. Names, page size and the time window
    /// are checked before any request.
    pub fn audit_logs(
        &self,
        account: &str,
        query: AuditLogQuery,
    ) -> impl Stream<Item = Result<types::AuditLog>> + Send + 'static {
        let client = self.clone();
        let account = account.to_owned();
        let max_pages = self.config.max_pages;
        let checked = validate::name("account", &account)
            .map(|_| ())
            .and_then(|()| validate::window(query.from, query.to))
            .and_then(|()| {
                query
                    .page_size
                    .map(validate::page_size)
                    .transpose()
                    .map(|_| ())
            });
        let size = u64::from(query.page_size.unwrap_or(25));
        let query = std::sync::Arc::new(query);
        let pages = paginate("listing audit logs", max_pages, 1, move |page| {
            let (client, account, query) = (client.clone(), account.clone(), query.clone());
            async move {
                let mut call = client
                    .api
                    .audit_logs_list_audit_logs()
                    .account(&account)
                    .page(page as i64);
                if let Some(size) = query.page_size {
                    call = call.page_size(i64::from(size));
                }
                if let Some(from) = query.from {
                    call = call.from(from);
                }
                if let Some(to) = query.to {
                    call = call.to(to);
                }
                if let Some(action) = &query.action {
                    call = call.action(action.clone());
                }
                if let Some(actor) = &query.actor {
                    call = call.actor(actor.clone());
                }
                if let Some(name) = &query.name {
                    call = call.name(name.clone());
                }
                let logs = call.send().sdk(hint, "listing audit logs").await?.logs;
                // No `next` here: a short page is the last.
                let next = ((logs.len() as u64) >= size).then_some(page + 1);
                Ok(hub_page(logs, Ok(next)))
            }
        });
        checked_first(checked, pages)
    }

    /// Members of `org` (with invitees when the query asks), as a lazy
    /// stream across pages.
    pub fn members(
        &self,
        org: &str,
        query: MemberQuery,
    ) -> impl Stream<Item = Result<types::OrgMember>> + Send + 'static {
        let client = self.clone();
        let org = org.to_owned();
        let max_pages = self.config.max_pages;
        let checked = validate::name("organization", &org)
            .map(|_| ())
            .and_then(|()| {
                query
                    .page_size
                    .map(validate::page_size)
                    .transpose()
                    .map(|_| ())
            });
        let query = std::sync::Arc::new(query);
        let pages = paginate("listing members", max_pages, 1, move |page| {
            let (client, org, query) = (client.clone(), org.clone(), query.clone());
            async move {
                let mut call = client
                    .api
                    .list_org_members()
                    .org_name(&org)
                    .page(page as i64);
                if let Some(size) = query.page_size {
                    call = call.page_size(i64::from(size));
                }
                if let Some(search) = &query.search {
                    call = call.search(search.clone());
                }
                if let Some(member_type) = query.member_type {
                    call = call.type_(member_type);
                }
                if let Some(role) = query.role {
                    call = call.role(role);
                }
                if let Some(invites) = query.invites {
                    call = call.invites(invites);
                }
                let body = call.send().sdk(hint, "listing members").await?;
                let next = next_from_url(body.next.as_deref(), "listing members");
                Ok(hub_page(body.results, next))
            }
        });
        checked_first(checked, pages)
    }

    /// Repositories of `namespace`, as a lazy stream across pages.
    pub fn repositories(
        &self,
        namespace: &str,
        query: RepoQuery,
    ) -> impl Stream<Item = Result<Repository>> + Send + 'static {
        use futures::StreamExt;
        let client = self.clone();
        let namespace = namespace.to_owned();
        let max_pages = self.config.max_pages;
        let checked = validate::name("namespace", &namespace)
            .map(|_| ())
            .and_then(|()| {
                query
                    .page_size
                    .map(validate::page_size)
                    .transpose()
                    .map(|_| ())
            });
        let query = std::sync::Arc::new(query);
        let pages = paginate("listing repositories", max_pages, 1, move |page| {
            let (client, namespace, query) = (client.clone(), namespace.clone(), query.clone());
            async move {
                let mut call = client
                    .api
                    .list_namespace_repositories()
                    .namespace(&namespace)
                    .page(page);
                if let Some(size) = query.page_size {
                    call = call.page_size(u64::from(size));
                }
                if let Some(name) = &query.name {
                    call = call.name(name.clone());
                }
                if let Some(ordering) = query.ordering {
                    call = call.ordering(ordering);
                }
                let body = call.send().sdk(hint, "listing repositories").await?;
                let next = next_from_url(body.next.as_deref(), "listing repositories");
                Ok(hub_page(body.results, next))
            }
        });
        checked_first(checked, pages).map(|entry| entry.map(Repository::from))
    }

    /// Tags of `namespace/repository`, as a lazy stream across pages.
    pub fn tags(
        &self,
        namespace: &str,
        repository: &str,
    ) -> impl Stream<Item = Result<Tag>> + Send + 'static {
        use futures::StreamExt;
        let client = self.clone();
        let (namespace, repository) = (namespace.to_owned(), repository.to_owned());
        let max_pages = self.config.max_pages;
        let checked = validate::name("namespace", &namespace)
            .and_then(|_| validate::name("repository", &repository))
            .map(|_| ());
        let pages = paginate("listing tags", max_pages, 1, move |page| {
            let (client, namespace, repository) =
                (client.clone(), namespace.clone(), repository.clone());
            async move {
                let call = client
                    .api
                    .list_repository_tags()
                    .namespace(&namespace)
                    .repository(&repository)
                    .page(page)
                    .page_size(100u64);
                let body = call.send().sdk(hint, "listing tags").await?;
                let next = next_from_url(body.next.as_deref(), "listing tags");
                Ok(hub_page(body.results, next))
            }
        });
        checked_first(checked, pages).map(|tag| tag.map(Tag::from))
    }
}
