//! Pull counts: per namespace, per repository, and for many repositories at
//! once (split into requests of at most [`MAX_REPOS_PER_REQUEST`]).

use std::collections::{BTreeMap, HashSet};

use futures::{StreamExt, TryStreamExt};

use crate::client::DvpClient;
use crate::error::{Error, Result, hint};
use crate::generated::types;
use crate::model::{GroupBy, Period, TimespanKind};
use crate::validate;
use sdk_core::CallExt as _;

/// The API's limit on repositories in one `getManyReposPulls` request.
pub const MAX_REPOS_PER_REQUEST: usize = 50;

/// How many `getManyReposPulls` requests run at once.
const REPOS_CONCURRENCY: usize = 4;

/// One pull count: a repository or namespace over a window, optionally per
/// country.
pub type PullCount = types::PullModel;

/// Optional query of every pull-count call: aggregation, window, grouping.
/// Unset fields are not sent, and the server applies its defaults.
///
/// ```
/// use dvp_sdk::{GroupBy, Period, PullsQuery, TimespanKind};
/// let query = PullsQuery::new()
///     .timespan(TimespanKind::Weeks)
///     .period(Period::Last3Months)
///     .group(GroupBy::Repo);
/// assert_eq!(query.period_value(), Some(&Period::Last3Months));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PullsQuery {
    timespan: Option<TimespanKind>,
    period: Option<Period>,
    group: Option<GroupBy>,
}

impl PullsQuery {
    /// No options: the server's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Aggregate by months or weeks.
    pub fn timespan(mut self, timespan: TimespanKind) -> Self {
        self.timespan = Some(timespan);
        self
    }

    /// Relative window of past data.
    pub fn period(mut self, period: Period) -> Self {
        self.period = Some(period);
        self
    }

    /// Group the counts by repository or namespace.
    pub fn group(mut self, group: GroupBy) -> Self {
        self.group = Some(group);
        self
    }

    /// The aggregation, if set.
    pub fn timespan_value(&self) -> Option<&TimespanKind> {
        self.timespan.as_ref()
    }

    /// The window, if set.
    pub fn period_value(&self) -> Option<&Period> {
        self.period.as_ref()
    }

    /// The grouping, if set.
    pub fn group_value(&self) -> Option<&GroupBy> {
        self.group.as_ref()
    }
}

/// Sets the query's options that are present on a generated request
/// builder (the three pull operations have distinct builder types).
macro_rules! with_query {
    ($request:expr, $query:expr) => {{
        let mut request = $request;
        if let Some(timespan) = &$query.timespan {
            request = request.timespan(timespan.clone());
        }
        if let Some(period) = &$query.period {
            request = request.period(period.clone());
        }
        if let Some(group) = &$query.group {
            request = request.group(group.clone());
        }
        request
    }};
}

impl DvpClient {
    /// Metadata of every namespace the caller can read (datasets, views,
    /// timespan types, extra repositories), in the server's order.
    pub async fn user_namespaces(&self) -> Result<Vec<types::NamespaceMetadata>> {
        self.api
            .get_user_namespaces()
            .send()
            .sdk(hint, "listing the caller's namespaces")
            .await
    }

    /// Pull counts of one namespace, in the server's order.
    pub async fn namespace_pulls(
        &self,
        namespace: &str,
        query: &PullsQuery,
    ) -> Result<Vec<PullCount>> {
        let namespace = validate::namespace(namespace)?;
        let request = with_query!(self.api.get_namespace_pulls().namespace(namespace), query);
        Ok(request
            .send()
            .sdk(hint, format!("getting pulls of {namespace}"))
            .await?
            .pulls)
    }

    /// Pull counts of one repository (`namespace/repo`), in the server's
    /// order.
    pub async fn repo_pulls(
        &self,
        namespace: &str,
        repo: &str,
        query: &PullsQuery,
    ) -> Result<Vec<PullCount>> {
        let namespace = validate::namespace(namespace)?;
        let repo = validate::repository(repo)?;
        let request = with_query!(
            self.api.get_repo_pulls().namespace(namespace).repo(repo),
            query
        );
        Ok(request
            .send()
            .sdk(hint, format!("getting pulls of {namespace}/{repo}"))
            .await?
            .pulls)
    }

    /// Pull counts of many repositories (`namespace/repo` each), any number
    /// of them: duplicates are dropped, the rest is sent in requests of at
    /// most [`MAX_REPOS_PER_REQUEST`] (a few at a time), and the answers are
    /// merged.
    ///
    /// The result is ordered by repository name (a `BTreeMap`), whatever
    /// order the requests finish in; a repository the server did not answer
    /// for is absent. Every name is checked before anything is sent, and an
    /// empty list is refused. The first failed request fails the call.
    pub async fn repos_pulls<I, S>(
        &self,
        repos: I,
        query: &PullsQuery,
    ) -> Result<BTreeMap<String, Vec<PullCount>>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut seen = HashSet::new();
        let mut unique = Vec::new();
        for repo in repos {
            let repo = repo.as_ref();
            validate::qualified_repository(repo)?;
            if seen.insert(repo.to_owned()) {
                unique.push(repo.to_owned());
            }
        }
        if unique.is_empty() {
            return Err(Error::invalid_input(
                "repositories",
                "the list is empty: give at least one namespace/repo",
            ));
        }
        let chunks: Vec<Vec<String>> = unique
            .chunks(MAX_REPOS_PER_REQUEST)
            .map(<[String]>::to_vec)
            .collect();
        let total = chunks.len();
        let answers: Vec<types::ReposPullData> = futures::stream::iter(chunks)
            .enumerate()
            .map(|(index, chunk)| async move {
                let request = with_query!(self.api.get_many_repos_pulls().repos(chunk), query);
                request
                    .send()
                    .sdk(
                        hint,
                        format!(
                            "getting pulls of many repositories (request {} of {total})",
                            index + 1
                        ),
                    )
                    .await
            })
            .buffer_unordered(REPOS_CONCURRENCY)
            .try_collect()
            .await?;
        let mut merged = BTreeMap::new();
        for answer in answers {
            for (repo, data) in answer.repos {
                merged.entry(repo).or_insert(data.pulls);
            }
        }
        Ok(merged)
    }
}
