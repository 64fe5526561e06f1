//! Contract tests: for every operation and every documented status of every
//! spec, the SDK sends exactly what the spec describes (method, path with
//! encoded parameters, query, body, Authorization present or absent as the
//! spec's security says) and maps the documented answer: the success value,
//! or its error type with the HTTP status and the server's message.
//!
//! Response bodies come from the spec's examples or `tests/fixtures/`, and
//! are validated against the spec's schemas before use. Each test registers
//! the (spec, operation, status) it covers; `every_documented_response_is_covered`
//! reads the specs and names any pair no test covers, so deleting a test or
//! adding a status to a spec makes it fail.

use std::collections::BTreeSet;
use std::time::Duration;

use contract_tests::{jwt, spec};
use httpmock::{Method::GET, Method::POST, MockServer};
use sdk_core::{RetryPolicy, TokenSource};
use serde_json::{Value, json};

/// One (spec, operation, status) a contract test exercises.
struct Covered {
    spec: &'static str,
    operation: &'static str,
    status: &'static str,
}

inventory::collect!(Covered);

macro_rules! contract {
    ($spec:literal, $operation:literal, $status:literal, async fn $name:ident() $body:block) => {
        inventory::submit! { Covered { spec: $spec, operation: $operation, status: $status } }

        #[tokio::test]
        async fn $name() $body
    };
}

fn no_retry() -> RetryPolicy {
    RetryPolicy::none()
}

/// The spec's body for a response, validated against the spec.
fn body(spec_name: &str, operation: &str, status: &str) -> Value {
    spec::body(spec_name, operation, status)
}

/// The server's message in an error body, as the SDK should show it.
fn message(body: &Value) -> String {
    ["error", "detail", "message"]
        .iter()
        .find_map(|k| body[*k].as_str())
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------- hub-auth

fn token_cache(hub: &MockServer, credentials: hub_auth::Credentials) -> hub_auth::TokenCache {
    let http = sdk_core::http::client_builder().build().unwrap();
    hub_auth::TokenCache::new(&hub.base_url(), credentials, http, no_retry())
}

/// The exchange answering `status` on `hub`; the server goes back to
/// httpmock's pool when the test drops it.
fn exchange_answering(
    hub: &MockServer,
    status: u16,
) -> (hub_auth::TokenCache, httpmock::Mock<'_>, Value) {
    let body = body("hub-auth.yaml", "createAccessToken", &status.to_string());
    let mock = hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/auth/token")
            .query_param_count(".*", ".*", 0)
            .header("content-type", "application/json")
            .header_missing("authorization")
            .json_body(json!({"identifier": "my-org", "secret": "dckr_oat_x"}));
        then.status(status).json_body(body.clone());
    });
    (
        token_cache(
            hub,
            hub_auth::Credentials::organization("my-org", "dckr_oat_x"),
        ),
        mock,
        body,
    )
}

contract!(
    "hub-auth.yaml",
    "createAccessToken",
    "200",
    async fn create_access_token_200() {
        let hub = MockServer::start_async().await;
        let (cache, mock, body) = exchange_answering(&hub, 200);
        let token = cache.token().await.unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&token),
            body["access_token"].as_str().unwrap()
        );
        mock.assert_async().await;
    }
);

async fn exchange_error(status: u16) {
    let hub = MockServer::start_async().await;
    let (cache, mock, body) = exchange_answering(&hub, status);
    let err = cache.token().await.unwrap_err();
    assert_eq!(err.status, Some(status));
    assert!(err.message.contains(&message(&body)), "{}", err.message);
    assert!(!err.message.contains("dckr_oat_x"));
    mock.assert_async().await;
}

contract!(
    "hub-auth.yaml",
    "createAccessToken",
    "400",
    async fn create_access_token_400() {
        exchange_error(400).await;
    }
);
contract!(
    "hub-auth.yaml",
    "createAccessToken",
    "401",
    async fn create_access_token_401() {
        exchange_error(401).await;
    }
);
contract!(
    "hub-auth.yaml",
    "createAccessToken",
    "429",
    async fn create_access_token_429() {
        exchange_error(429).await;
    }
);

fn login_mock<'a>(hub: &'a MockServer, status: u16, body: &Value) -> httpmock::Mock<'a> {
    spec::validate("hub-auth.yaml", "postUsersLogin", &status.to_string(), body)
        .unwrap_or_else(|e| panic!("login body {body}: {e}"));
    hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/users/login")
            .query_param_count(".*", ".*", 0)
            .header("content-type", "application/json")
            .header_missing("authorization")
            .json_body(json!({"username": "alice", "password": "pw"}));
        then.status(status).json_body(body.clone());
    })
}

contract!(
    "hub-auth.yaml",
    "postUsersLogin",
    "200",
    async fn post_users_login_200() {
        let hub = MockServer::start_async().await;
        let body = body("hub-auth.yaml", "postUsersLogin", "200");
        let mock = login_mock(&hub, 200, &body);
        let token = token_cache(&hub, hub_auth::Credentials::login("alice", "pw"))
            .token()
            .await
            .unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&token),
            body["token"].as_str().unwrap()
        );
        mock.assert_async().await;
    }
);

contract!(
    "hub-auth.yaml",
    "postUsersLogin",
    "401",
    async fn post_users_login_401() {
        let hub = MockServer::start_async().await;
        let spec_name = "hub-auth.yaml";
        let document = spec::load(spec_name);
        let response = spec::responses(&document)
            .into_iter()
            .find(|r| r.operation == "postUsersLogin" && r.status == "401")
            .unwrap();
        // Both shapes the spec allows: wrong credentials, and a 2FA challenge.
        for (source, body) in spec::bodies(spec_name, &response) {
            spec::validate(spec_name, "postUsersLogin", "401", &body)
                .unwrap_or_else(|e| panic!("{source}: {e}"));
            let hub = MockServer::start_async().await;
            let mock = login_mock(&hub, 401, &body);
            let err = token_cache(&hub, hub_auth::Credentials::login("alice", "pw"))
                .token()
                .await
                .unwrap_err();
            assert_eq!(err.status, Some(401), "{source}");
            if body["login_2fa_token"].is_string() {
                assert!(
                    err.message.contains("two-factor"),
                    "{source}: {}",
                    err.message
                );
            } else {
                assert!(
                    err.message.contains(&message(&body)),
                    "{source}: {}",
                    err.message
                );
            }
            mock.assert_async().await;
        }
        drop(hub);
    }
);

async fn two_factor_answering(
    status: u16,
) -> (Result<secrecy::SecretString, sdk_core::AuthError>, Value) {
    let hub = MockServer::start_async().await;
    login_mock(
        &hub,
        401,
        &json!({"detail": "2FA required", "login_2fa_token": "challenge"}),
    );
    let body = body("hub-auth.yaml", "postUsers2FALogin", &status.to_string());
    let mock = hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/users/2fa-login")
            .query_param_count(".*", ".*", 0)
            .header_missing("authorization")
            .json_body(json!({"login_2fa_token": "challenge", "code": "654321"}));
        then.status(status).json_body(body.clone());
    });
    let http = sdk_core::http::client_builder().build().unwrap();
    let cache = hub_auth::TokenCache::builder(
        &hub.base_url(),
        hub_auth::Credentials::login("alice", "pw"),
        http,
    )
    .retry(no_retry())
    .otp(hub_auth::OtpProvider::fixed("654321"))
    .build();
    let result = cache.token().await;
    mock.assert_async().await;
    (result, body)
}

contract!(
    "hub-auth.yaml",
    "postUsers2FALogin",
    "200",
    async fn post_users_2fa_login_200() {
        let (result, body) = two_factor_answering(200).await;
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&result.unwrap()),
            body["token"].as_str().unwrap()
        );
    }
);

contract!(
    "hub-auth.yaml",
    "postUsers2FALogin",
    "401",
    async fn post_users_2fa_login_401() {
        let (result, body) = two_factor_answering(401).await;
        let err = result.unwrap_err();
        assert_eq!(err.status, Some(401));
        assert!(err.message.contains(&message(&body)), "{}", err.message);
    }
);

// --------------------------------------------------------------------- DVP

struct Dvp {
    _hub: MockServer,
    api: MockServer,
    client: dvp_sdk::DvpClient,
    bearer: String,
}

async fn dvp() -> Dvp {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let token = jwt("alice", Duration::from_secs(600));
    let login = json!({"token": token});
    spec::validate("hub-auth.yaml", "postUsersLogin", "200", &login).unwrap();
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200).json_body(login);
    });
    let client = dvp_sdk::DvpClient::builder(dvp_sdk::Credentials::login("alice", "pw"))
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(no_retry())
        .build()
        .unwrap();
    Dvp {
        _hub: hub,
        api,
        client,
        bearer: format!("Bearer {token}"),
    }
}

impl Dvp {
    /// A GET of exactly `path`, with the bearer token and no query.
    fn get(&self, path: &str, status: u16, body: Option<Value>) -> httpmock::Mock<'_> {
        self.api.mock(|when, then| {
            when.method(GET)
                .path(path)
                .header("authorization", &self.bearer)
                .query_param_count(".*", ".*", 0);
            let then = then.status(status);
            if let Some(body) = body {
                then.json_body(body);
            }
        })
    }
}

const NS: &str = "acme labs/é";
const NS_ENCODED: &str = "/namespaces/acme%20labs%2F%C3%A9";

contract!(
    "dvp.yaml",
    "getNamespaces",
    "200",
    async fn get_namespaces_200() {
        let env = dvp().await;
        let body = body("dvp.yaml", "getNamespaces", "200");
        let mock = env.get("/", 200, Some(body.clone()));
        let namespaces = env.client.namespaces().await.unwrap();
        assert_eq!(json!(namespaces), body["namespaces"]);
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getNamespace",
    "200",
    async fn get_namespace_200() {
        let env = dvp().await;
        let body = body("dvp.yaml", "getNamespace", "200");
        let mock = env.get("/namespaces/acme", 200, Some(body.clone()));
        let metadata = env.client.namespace("acme").await.unwrap();
        assert_eq!(
            serde_json::to_value(&metadata).unwrap()["extraRepos"],
            body["extraRepos"]
        );
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getNamespaceYears",
    "200",
    async fn get_namespace_years_200() {
        let env = dvp().await;
        let body = body("dvp.yaml", "getNamespaceYears", "200");
        let mock = env.get(
            "/namespaces/acme/pulls/exports/years",
            200,
            Some(body.clone()),
        );
        let years = env.client.years("acme").await.unwrap();
        let expected: Vec<i64> = body["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y["year"].as_i64().unwrap())
            .collect();
        assert_eq!(
            years.iter().map(|y| i64::from(*y)).collect::<Vec<_>>(),
            expected
        );
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getNamespaceTimespans",
    "200",
    async fn get_namespace_timespans_200() {
        let env = dvp().await;
        let body = json!({"weeks": [{"week": 3}, {"week": 4}]});
        spec::validate("dvp.yaml", "getNamespaceTimespans", "200", &body).unwrap();
        let mock = env.get(
            "/namespaces/acme/pulls/exports/years/2026/weeks",
            200,
            Some(body),
        );
        let spans = env
            .client
            .timespans("acme", 2026, dvp_sdk::TimespanKind::Weeks)
            .await
            .unwrap();
        assert_eq!(
            spans,
            [dvp_sdk::Timespan::Week(3), dvp_sdk::Timespan::Week(4)]
        );
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getNamespaceTimespanMetadata",
    "200",
    async fn get_namespace_timespan_metadata_200() {
        let env = dvp().await;
        let body = json!({"month": 6});
        spec::validate("dvp.yaml", "getNamespaceTimespanMetadata", "200", &body).unwrap();
        let mock = env.get(
            "/namespaces/acme/pulls/exports/years/2026/months/6",
            200,
            Some(body),
        );
        let model = env
            .client
            .timespan("acme", 2026, dvp_sdk::Timespan::Month(6))
            .await
            .unwrap();
        assert!(
            matches!(model, dvp_sdk::generated::types::TimespanModel::MonthModel(m) if m.month == 6)
        );
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getNamespaceTimespanMetadata",
    "404",
    async fn get_namespace_timespan_metadata_404() {
        let env = dvp().await;
        let mock = env.get(
            "/namespaces/acme/pulls/exports/years/2026/weeks/9",
            404,
            None,
        );
        let err = env
            .client
            .timespan("acme", 2026, dvp_sdk::Timespan::Week(9))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(404), "{err}");
        assert!(err.to_string().contains("week-09 of acme 2026"), "{err}");
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getNamespaceDataByTimespan",
    "200",
    async fn get_namespace_data_by_timespan_200() {
        let env = dvp().await;
        let body = body("dvp.yaml", "getNamespaceDataByTimespan", "200");
        let mock = env.get(
            "/namespaces/acme/pulls/exports/years/2026/months/6/repo-summary",
            200,
            Some(body.clone()),
        );
        let files = env
            .client
            .files(
                "acme",
                2026,
                dvp_sdk::Timespan::Month(6),
                dvp_sdk::Dataview::RepoSummary,
            )
            .await
            .unwrap();
        assert_eq!(files[0].url, body["data"][0]["url"].as_str().unwrap());
        assert_eq!(files[0].size, body["data"][0]["size"].as_u64());
        mock.assert_async().await;

        // Every path parameter is percent-encoded as one segment (the wrapper
        // refuses such a namespace; the generated call shows the encoding).
        let encoded = env.get(
            &format!("{NS_ENCODED}/pulls/exports/years/2026/weeks/2/raw"),
            200,
            Some(body),
        );
        env.client
            .api()
            .get_namespace_data_by_timespan()
            .namespace(NS)
            .year(2026)
            .timespantype(dvp_sdk::TimespanKind::Weeks)
            .timespan(2)
            .dataview(dvp_sdk::Dataview::Raw)
            .send()
            .await
            .unwrap();
        encoded.assert_async().await;
    }
);

// ------------------------------------------------------- DVP pull counts

contract!(
    "dvp.yaml",
    "getUserNamespaces",
    "200",
    async fn get_user_namespaces_200() {
        let env = dvp().await;
        let body = body("dvp.yaml", "getUserNamespaces", "200");
        let mock = env.get("/namespaces", 200, Some(body.clone()));
        let namespaces = env.client.user_namespaces().await.unwrap();
        let names: Vec<_> = namespaces.iter().map(|m| json!(m.namespace)).collect();
        let expected: Vec<_> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["namespace"].clone())
            .collect();
        assert_eq!(names, expected);
        assert_eq!(
            json!(namespaces[0].datasets[0].views),
            body[0]["datasets"][0]["views"]
        );
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getUserNamespaces",
    "401",
    async fn get_user_namespaces_401() {
        let env = dvp().await;
        let mock = env.get("/namespaces", 401, None);
        let err = env.client.user_namespaces().await.unwrap_err();
        assert_eq!(err.status(), Some(401), "{err}");
        // One re-login and one resend, then the 401 is the caller's.
        mock.assert_calls_async(2).await;
    }
);

/// A GET of `path` with the bearer and exactly the pull-count query
/// `timespan=weeks&period=last-3-months&group=repo`.
fn pulls_mock<'a>(
    env: &'a Dvp,
    path: &str,
    status: u16,
    body: Option<Value>,
) -> httpmock::Mock<'a> {
    env.api.mock(|when, then| {
        when.method(GET)
            .path(path)
            .header("authorization", &env.bearer)
            .query_param("timespan", "weeks")
            .query_param("period", "last-3-months")
            .query_param("group", "repo")
            .query_param_count(".*", ".*", 3);
        let then = then.status(status);
        if let Some(body) = body {
            then.json_body(body);
        }
    })
}

fn weekly_by_repo() -> dvp_sdk::PullsQuery {
    dvp_sdk::PullsQuery::new()
        .timespan(dvp_sdk::TimespanKind::Weeks)
        .period(dvp_sdk::Period::Last3Months)
        .group(dvp_sdk::GroupBy::Repo)
}

contract!(
    "dvp.yaml",
    "getNamespacePulls",
    "200",
    async fn get_namespace_pulls_200() {
        let env = dvp().await;
        let body = body("dvp.yaml", "getNamespacePulls", "200");
        let mock = pulls_mock(&env, "/namespaces/acme/pulls", 200, Some(body.clone()));
        let pulls = env
            .client
            .namespace_pulls("acme", &weekly_by_repo())
            .await
            .unwrap();
        assert_eq!(serde_json::to_value(&pulls).unwrap(), body["pulls"]);
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getNamespacePulls",
    "404",
    async fn get_namespace_pulls_404() {
        let env = dvp().await;
        let mock = pulls_mock(&env, "/namespaces/acme/pulls", 404, None);
        let err = env
            .client
            .namespace_pulls("acme", &weekly_by_repo())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(404), "{err}");
        assert!(err.to_string().contains("pulls of acme"), "{err}");
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getRepoPulls",
    "200",
    async fn get_repo_pulls_200() {
        let env = dvp().await;
        let body = body("dvp.yaml", "getRepoPulls", "200");
        let mock = pulls_mock(
            &env,
            "/namespaces/acme/repos/web/pulls",
            200,
            Some(body.clone()),
        );
        let pulls = env
            .client
            .repo_pulls("acme", "web", &weekly_by_repo())
            .await
            .unwrap();
        assert_eq!(serde_json::to_value(&pulls).unwrap(), body["pulls"]);
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getRepoPulls",
    "404",
    async fn get_repo_pulls_404() {
        let env = dvp().await;
        let mock = pulls_mock(&env, "/namespaces/acme/repos/web/pulls", 404, None);
        let err = env
            .client
            .repo_pulls("acme", "web", &weekly_by_repo())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(404), "{err}");
        assert!(err.to_string().contains("acme/web"), "{err}");
        mock.assert_async().await;
    }
);

contract!(
    "dvp.yaml",
    "getManyReposPulls",
    "200",
    async fn get_many_repos_pulls_200() {
        use contract_tests::mock::dvp::MockServerExt as _;
        let env = dvp().await;
        let body = body("dvp.yaml", "getManyReposPulls", "200");
        let typed: dvp_sdk::generated::types::ReposPullData =
            serde_json::from_value(body.clone()).unwrap();
        let repos = vec!["acme/web".to_owned(), "acme/api".to_owned()];
        // The generated helper matches each repo and their exact count.
        let mock = env.api.get_many_repos_pulls(|when, then| {
            when.repos(&repos)
                .period(&dvp_sdk::Period::Last2Months)
                .timespan(None)
                .group(None)
                .into_inner()
                .header("authorization", &env.bearer)
                // The exact encoding: one `repos` key per repository, in
                // order, each value percent-encoded.
                .is_true(|req| {
                    req.uri().query()
                        == Some("period=last-2-months&repos=acme%2Fweb&repos=acme%2Fapi")
                });
            then.ok(&typed);
        });
        let query = dvp_sdk::PullsQuery::new().period(dvp_sdk::Period::Last2Months);
        let pulls = env.client.repos_pulls(&repos, &query).await.unwrap();
        assert_eq!(
            pulls.keys().collect::<Vec<_>>(),
            ["acme/api", "acme/web"],
            "ordered by name"
        );
        assert_eq!(json!(pulls["acme/web"]), body["repos"]["acme/web"]["pulls"]);
        mock.assert_async().await;
    }
);

// -------------------------------------------------------------- Enterprise

struct Enterprise {
    _hub: MockServer,
    api: MockServer,
    client: enterprise_data_sdk::EnterpriseClient,
    bearer: String,
}

async fn enterprise() -> Enterprise {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let token = jwt("my-org", Duration::from_secs(600));
    let exchanged = json!({"access_token": token});
    spec::validate("hub-auth.yaml", "createAccessToken", "200", &exchanged).unwrap();
    hub.mock(|when, then| {
        when.method(POST).path("/v2/auth/token");
        then.status(200).json_body(exchanged);
    });
    let client = enterprise_data_sdk::EnterpriseClient::builder("my-org", "dckr_oat_x")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(no_retry())
        .build()
        .unwrap();
    Enterprise {
        _hub: hub,
        api,
        client,
        bearer: format!("Bearer {token}"),
    }
}

const REPORTS: &str = "/orgs/my-org/reports/usage_pulls/daily";

fn report() -> enterprise_data_sdk::Report {
    serde_json::from_value(json!({
        "ReportType": "usage_pulls", "Cadence": "daily", "Date": "2026-06-16", "SizeBytes": 4, "Key": "k"
    }))
    .unwrap()
}

/// The request of each Enterprise operation, and the SDK call that sends it.
#[derive(Clone, Copy)]
enum Op {
    ListReportTypes,
    ListReports,
    GetReportDownloadUrl,
    GetReportSchema,
}

impl Op {
    fn id(self) -> &'static str {
        match self {
            Op::ListReportTypes => "listReportTypes",
            Op::ListReports => "listReports",
            Op::GetReportDownloadUrl => "getReportDownloadURL",
            Op::GetReportSchema => "getReportSchema",
        }
    }

    fn path(self) -> String {
        match self {
            Op::ListReportTypes => "/orgs/my-org/reports".into(),
            Op::ListReports => REPORTS.into(),
            Op::GetReportDownloadUrl => format!("{REPORTS}/2026-06-16/download"),
            Op::GetReportSchema => format!("{REPORTS}/2026-06-16/schema"),
        }
    }

    fn mock<'a>(
        self,
        env: &'a Enterprise,
        status: u16,
        body: Option<&Value>,
    ) -> httpmock::Mock<'a> {
        env.api.mock(|when, then| {
            let when = when
                .method(GET)
                .path(self.path())
                .header("authorization", &env.bearer);
            match self {
                // Paging parameters are sent as query parameters.
                Op::ListReports => {
                    when.query_param("page_size", "2")
                        .query_param("page_token", "tok")
                        .query_param_count(".*", ".*", 2);
                }
                _ => {
                    when.query_param_count(".*", ".*", 0);
                }
            }
            let then = then.status(status);
            match body {
                Some(body) => {
                    then.json_body(body.clone());
                }
                None => {
                    then.header("location", "https://store.example/r.csv?sig=s");
                }
            }
        })
    }

    /// Sends the operation through the SDK; `Ok` carries the decoded value as JSON.
    async fn send(self, env: &Enterprise) -> Result<Value, enterprise_data_sdk::Error> {
        match self {
            Op::ListReportTypes => env.client.report_types().await.map(|v| json!(v)),
            Op::ListReports => env
                .client
                .reports_page("usage_pulls", "daily", Some(2), Some("tok"))
                .await
                .map(|p| json!({"reports": p.reports, "next_page_token": p.next_page_token.unwrap_or_default()})),
            Op::GetReportDownloadUrl => env.client.download_url(&report()).await.map(Value::String),
            Op::GetReportSchema => env.client.schema(&report()).await.map(|s| json!(s)),
        }
    }
}

async fn enterprise_success(op: Op, status: u16) {
    let env = enterprise().await;
    let body = (status != 302).then(|| body("enterprise-data.yaml", op.id(), &status.to_string()));
    let mock = op.mock(&env, status, body.as_ref());
    let value = op.send(&env).await.unwrap();
    match (op, &body) {
        (Op::ListReportTypes, Some(body)) => assert_eq!(value, body["report_types"]),
        (Op::GetReportDownloadUrl, _) => assert_eq!(value, "https://store.example/r.csv?sig=s"),
        (_, Some(body)) => assert_eq!(&value, body),
        _ => unreachable!("every success but the redirect has a body"),
    }
    mock.assert_async().await;
}

async fn enterprise_error(op: Op, status: u16) {
    let env = enterprise().await;
    let body = body("enterprise-data.yaml", op.id(), &status.to_string());
    let mock = op.mock(&env, status, Some(&body));
    let err = op.send(&env).await.unwrap_err();
    assert_eq!(err.status(), Some(status), "{err}");
    let text = err.to_string();
    assert!(text.contains(&message(&body)), "{text}");
    if status == 403 {
        assert!(text.contains("Report Read scope"), "{text}");
    }
    if status == 404 && !matches!(op, Op::ListReportTypes) {
        assert!(
            text.contains("usage_pulls/daily"),
            "the 404 does not say which report: {text}"
        );
    }
    // A 401 is answered by one re-authentication and one resend.
    mock.assert_calls_async(if status == 401 { 2 } else { 1 })
        .await;
}

macro_rules! enterprise_contracts {
    ($($op:ident $id:literal: $($status:literal => $name:ident),+;)+) => {$($(
        contract!("enterprise-data.yaml", $id, $status, async fn $name() {
            let status: u16 = $status.parse().unwrap();
            if status < 400 {
                enterprise_success(Op::$op, status).await;
            } else {
                enterprise_error(Op::$op, status).await;
            }
        });
    )+)+};
}

enterprise_contracts! {
    ListReportTypes "listReportTypes":
        "200" => list_report_types_200, "401" => list_report_types_401, "403" => list_report_types_403,
        "404" => list_report_types_404, "500" => list_report_types_500;
    ListReports "listReports":
        "200" => list_reports_200, "400" => list_reports_400, "401" => list_reports_401, "403" => list_reports_403,
        "404" => list_reports_404, "500" => list_reports_500;
    GetReportDownloadUrl "getReportDownloadURL":
        "302" => get_report_download_url_302, "400" => get_report_download_url_400, "401" => get_report_download_url_401,
        "403" => get_report_download_url_403, "404" => get_report_download_url_404, "500" => get_report_download_url_500;
    GetReportSchema "getReportSchema":
        "200" => get_report_schema_200, "400" => get_report_schema_400, "401" => get_report_schema_401,
        "403" => get_report_schema_403, "404" => get_report_schema_404, "500" => get_report_schema_500;
}

// ----------------------------------------------------------------- Account

const ACCOUNT_USER: &str = "/api/v1.1/users/jdoe/";
const ACCOUNT_EMAILS: &str = "/api/v1.1/users/jdoe/emails/";

/// Each Account operation: method, path, the JSON body the SDK must send,
/// and the SDK call (its decoded value as JSON).
#[derive(Clone, Copy)]
enum AccountOp {
    GetUser,
    UpdateUser,
    ListUserEmails,
    AddUserEmail,
    DeleteUserEmail,
}

impl AccountOp {
    fn id(self) -> &'static str {
        match self {
            AccountOp::GetUser => "getUser",
            AccountOp::UpdateUser => "updateUser",
            AccountOp::ListUserEmails => "listUserEmails",
            AccountOp::AddUserEmail => "addUserEmail",
            AccountOp::DeleteUserEmail => "deleteUserEmail",
        }
    }

    fn request(self) -> (httpmock::Method, &'static str, Option<Value>) {
        use httpmock::Method::{DELETE, PATCH};
        match self {
            AccountOp::GetUser => (GET, ACCOUNT_USER, None),
            AccountOp::UpdateUser => (PATCH, ACCOUNT_USER, Some(json!({"location": "Hamburg"}))),
            AccountOp::ListUserEmails => (GET, ACCOUNT_EMAILS, None),
            AccountOp::AddUserEmail => (
                POST,
                ACCOUNT_EMAILS,
                Some(json!({"email": "new@example.org"})),
            ),
            AccountOp::DeleteUserEmail => (
                DELETE,
                ACCOUNT_EMAILS,
                Some(json!({"email": "old@example.org"})),
            ),
        }
    }

    async fn send(self, client: &account_sdk::AccountClient) -> Result<Value, account_sdk::Error> {
        match self {
            AccountOp::GetUser => client.user("jdoe").await.map(|v| json!(v)),
            AccountOp::UpdateUser => {
                let update = account_sdk::UserUpdate {
                    location: Some("Hamburg".into()),
                    ..Default::default()
                };
                client.update_user("jdoe", update).await.map(|v| json!(v))
            }
            AccountOp::ListUserEmails => client.emails("jdoe").await.map(|v| json!(v)),
            AccountOp::AddUserEmail => client
                .add_email("jdoe", "new@example.org")
                .await
                .map(|v| json!(v)),
            AccountOp::DeleteUserEmail => client
                .delete_email("jdoe", "old@example.org")
                .await
                .map(|()| Value::Null),
        }
    }
}

/// Basic credentials for odd cases, a bearer token for the others: both
/// forms the spec's security allows are exercised by every operation.
async fn account_contract(op: AccountOp, status: u16) {
    let server = MockServer::start_async().await;
    let (method, path, request_body) = op.request();
    let basic = status % 2 == 1;
    let auth = if basic {
        account_sdk::AccountAuth::basic("jdoe", "pw")
    } else {
        account_sdk::AccountAuth::bearer("oauth-tok")
    };
    let expected_auth = if basic {
        "Basic amRvZTpwdw==" // base64("jdoe:pw")
    } else {
        "Bearer oauth-tok"
    };
    let documented = spec::responses(&spec::load("account.yaml"))
        .into_iter()
        .find(|r| r.operation == op.id() && r.status == status.to_string())
        .unwrap();
    let response_body = documented
        .json_schema()
        .map(|_| body("account.yaml", op.id(), &status.to_string()));
    let mock = server.mock(|when, then| {
        let when = when
            .method(method)
            .path(path)
            .header("authorization", expected_auth)
            .query_param_count(".*", ".*", 0);
        match &request_body {
            Some(json_body) => {
                when.header("content-type", "application/json")
                    .json_body(json_body.clone());
            }
            None => {
                when.is_true(|req| req.body_ref().is_empty());
            }
        }
        let then = then.status(status);
        if let Some(body) = &response_body {
            then.json_body(body.clone());
        }
    });
    let client = account_sdk::AccountClient::builder(auth)
        .api_url(server.base_url())
        .retry(no_retry())
        .build()
        .unwrap();
    let result = op.send(&client).await;
    match status {
        200..=299 => {
            let value = result.unwrap();
            assert_eq!(value, response_body.unwrap_or(Value::Null));
        }
        _ => {
            let err = result.unwrap_err();
            assert_eq!(err.status(), Some(status), "{err}");
            let text = err.to_string();
            assert!(
                text.contains("jdoe"),
                "the error does not say whose: {text}"
            );
            assert!(
                !text.contains("pw") && !text.contains("oauth-tok"),
                "{text}"
            );
        }
    }
    // No re-authentication: a 401 is returned after one request.
    mock.assert_async().await;
}

macro_rules! account_contracts {
    ($($op:ident $id:literal: $($status:literal => $name:ident),+;)+) => {$($(
        contract!("account.yaml", $id, $status, async fn $name() {
            account_contract(AccountOp::$op, $status.parse().unwrap()).await;
        });
    )+)+};
}

account_contracts! {
    GetUser "getUser":
        "200" => get_user_200, "401" => get_user_401, "403" => get_user_403, "404" => get_user_404;
    UpdateUser "updateUser":
        "200" => update_user_200, "400" => update_user_400, "401" => update_user_401,
        "403" => update_user_403, "404" => update_user_404;
    ListUserEmails "listUserEmails":
        "200" => list_user_emails_200, "401" => list_user_emails_401, "403" => list_user_emails_403,
        "404" => list_user_emails_404;
    AddUserEmail "addUserEmail":
        "200" => add_user_email_200, "201" => add_user_email_201, "400" => add_user_email_400,
        "401" => add_user_email_401, "403" => add_user_email_403, "404" => add_user_email_404;
    DeleteUserEmail "deleteUserEmail":
        "200" => delete_user_email_200, "204" => delete_user_email_204, "400" => delete_user_email_400,
        "401" => delete_user_email_401, "403" => delete_user_email_403, "404" => delete_user_email_404;
}

// ---------------------------------------------------------------- coverage

#[test]
fn the_validator_rejects_a_body_that_breaks_the_schema() {
    // A report list whose entry lacks a required field and has a wrong type.
    let bad = json!({"reports": [{"ReportType": "usage_pulls", "SizeBytes": "four"}], "next_page_token": ""});
    let problems = spec::validate("enterprise-data.yaml", "listReports", "200", &bad).unwrap_err();
    assert!(problems.contains("/reports/0/SizeBytes"), "{problems}");
    assert!(problems.contains("Cadence"), "{problems}");
    let missing = spec::validate(
        "hub-auth.yaml",
        "postUsersLogin",
        "401",
        &json!({"login_2fa_token": "t"}),
    )
    .unwrap_err();
    assert!(missing.contains("detail"), "{missing}");
}

#[test]
fn every_documented_response_is_covered() {
    let covered: BTreeSet<(String, String, String)> = inventory::iter::<Covered>
        .into_iter()
        .map(|c| {
            (
                c.spec.to_owned(),
                c.operation.to_owned(),
                c.status.to_owned(),
            )
        })
        .collect();
    let mut documented = BTreeSet::new();
    for spec_name in &spec::specs() {
        for response in spec::responses(&spec::load(spec_name)) {
            documented.insert((spec_name.to_owned(), response.operation, response.status));
        }
    }
    let missing: Vec<_> = documented
        .difference(&covered)
        .map(|(s, o, c)| format!("{s} {o} {c}"))
        .collect();
    let stale: Vec<_> = covered
        .difference(&documented)
        .map(|(s, o, c)| format!("{s} {o} {c}"))
        .collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "no contract test for:\n  {}\ncontract tests for responses no spec documents:\n  {}",
        missing.join("\n  "),
        stale.join("\n  ")
    );
    assert_eq!(covered.len(), documented.len());
}

// ------------------------------------------------------------------- Hub data

/// Each Hub data operation: its path on the mock and how the SDK calls it.
#[derive(Clone, Copy)]
enum HubOp {
    ListAuditLogs,
    ListAuditActions,
    ListMembers,
    ExportMembers,
    ListRepositories,
    ListTags,
}

impl HubOp {
    fn id(self) -> &'static str {
        match self {
            HubOp::ListAuditLogs => "AuditLogs_ListAuditLogs",
            HubOp::ListAuditActions => "AuditLogs_ListAuditActions",
            HubOp::ListMembers => "listOrgMembers",
            HubOp::ExportMembers => "exportOrgMembers",
            HubOp::ListRepositories => "listNamespaceRepositories",
            HubOp::ListTags => "ListRepositoryTags",
        }
    }

    fn path(self) -> &'static str {
        match self {
            HubOp::ListAuditLogs => "/v2/auditlogs/acme",
            HubOp::ListAuditActions => "/v2/auditlogs/acme/actions",
            HubOp::ListMembers => "/v2/orgs/acme/members",
            HubOp::ExportMembers => "/v2/orgs/acme/members/export",
            HubOp::ListRepositories => "/v2/namespaces/acme/repositories",
            HubOp::ListTags => "/v2/namespaces/acme/repositories/web/tags",
        }
    }

    /// The call, and its result as JSON (the export: the file's text).
    async fn send(
        self,
        client: &hub_sdk::HubClient,
        dir: &std::path::Path,
    ) -> Result<Value, hub_sdk::Error> {
        use futures::TryStreamExt;
        match self {
            HubOp::ListAuditLogs => client
                .audit_logs("acme", hub_sdk::AuditLogQuery::new())
                .try_collect::<Vec<_>>()
                .await
                .map(|logs| json!({ "logs": logs })),
            HubOp::ListAuditActions => client.audit_actions("acme").await.map(|v| json!(v)),
            HubOp::ListMembers => client
                .members("acme", hub_sdk::MemberQuery::new())
                .try_collect::<Vec<_>>()
                .await
                .map(|members| json!(members)),
            HubOp::ExportMembers => {
                let dest = dir.join("members.csv");
                client.export_members("acme", &dest).await?;
                Ok(Value::String(std::fs::read_to_string(dest).unwrap()))
            }
            HubOp::ListRepositories => client
                .repositories("acme", hub_sdk::RepoQuery::new())
                .try_collect::<Vec<_>>()
                .await
                .map(|repos| json!(repos.into_iter().map(|r| r.raw).collect::<Vec<_>>())),
            HubOp::ListTags => client
                .tags("acme", "web")
                .try_collect::<Vec<_>>()
                .await
                .map(|tags| json!(tags.into_iter().map(|t| t.raw).collect::<Vec<_>>())),
        }
    }
}

/// `default` is tried with a status no operation documents.
const UNDOCUMENTED_STATUS: u16 = 418;

async fn hub_contract(op: HubOp, status: &str) {
    let server = MockServer::start_async().await;
    let exchange = contract_tests::hub_exchanging(&server);
    let code: u16 = status.parse().unwrap_or(UNDOCUMENTED_STATUS);
    let csv = "Name,Username,Email,Type,Permission,Teams,Date Joined\nJane,jdoe,j@example.org,User,Owner,owners,2020-01-01 15:00:51 +0000 UTC\n";
    let response_body = match (op, code) {
        (HubOp::ExportMembers, 200) => None,
        _ => Some(body("hub.yaml", op.id(), status)),
    };
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(op.path())
            .header_exists("authorization");
        let then = then.status(code);
        match &response_body {
            Some(body) => {
                then.json_body(body.clone());
            }
            None => {
                then.header("content-type", "text/csv").body(csv);
            }
        }
    });
    let client = hub_sdk::HubClient::builder(hub_sdk::Credentials::organization(
        "acme",
        "dckr_oat_SECRET",
    ))
    .hub_url(server.base_url())
    .api_url(server.base_url())
    .retry(no_retry())
    .build()
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let result = op.send(&client, dir.path()).await;
    match code {
        200..=299 => {
            let value = result.unwrap();
            let body = response_body.unwrap_or(Value::Null);
            let expected = match op {
                HubOp::ExportMembers => Value::String(csv.to_owned()),
                HubOp::ListAuditLogs | HubOp::ListAuditActions => body,
                _ => body["results"].clone(),
            };
            assert_eq!(
                contract_tests::decoders::normalized(&value),
                contract_tests::decoders::normalized(&expected)
            );
        }
        _ => {
            let err = result.unwrap_err();
            assert_eq!(err.status(), Some(code), "{err}");
            let text = err.to_string();
            let server_message = response_body.as_ref().map(message).unwrap_or_default();
            assert!(
                text.contains(&server_message),
                "the server's message is lost: {text}"
            );
            assert!(!text.contains("dckr_oat_SECRET"), "{text}");
            // Nothing is left behind by a failed export.
            assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
        }
    }
    // A 401 is answered by one fresh exchange and one resend.
    let sends = if code == 401 { 2 } else { 1 };
    assert_eq!(mock.calls_async().await, sends);
    assert_eq!(exchange.calls_async().await, sends);
}

macro_rules! hub_contracts {
    ($($op:ident $id:literal: $($status:literal => $name:ident),+;)+) => {$($(
        contract!("hub.yaml", $id, $status, async fn $name() {
            hub_contract(HubOp::$op, $status).await;
        });
    )+)+};
}

hub_contracts! {
    ListAuditLogs "AuditLogs_ListAuditLogs":
        "200" => hub_list_audit_logs_200, "429" => hub_list_audit_logs_429,
        "500" => hub_list_audit_logs_500, "default" => hub_list_audit_logs_default;
    ListAuditActions "AuditLogs_ListAuditActions":
        "200" => hub_list_audit_actions_200, "429" => hub_list_audit_actions_429,
        "500" => hub_list_audit_actions_500, "default" => hub_list_audit_actions_default;
    ListMembers "listOrgMembers":
        "200" => hub_list_members_200, "400" => hub_list_members_400, "401" => hub_list_members_401,
        "403" => hub_list_members_403, "404" => hub_list_members_404, "429" => hub_list_members_429;
    ExportMembers "exportOrgMembers":
        "200" => hub_export_members_200, "400" => hub_export_members_400,
        "401" => hub_export_members_401, "403" => hub_export_members_403,
        "404" => hub_export_members_404, "429" => hub_export_members_429;
    ListRepositories "listNamespaceRepositories":
        "200" => hub_list_repositories_200, "400" => hub_list_repositories_400,
        "401" => hub_list_repositories_401, "403" => hub_list_repositories_403,
        "404" => hub_list_repositories_404, "429" => hub_list_repositories_429;
    ListTags "ListRepositoryTags":
        "200" => hub_list_tags_200, "403" => hub_list_tags_403, "404" => hub_list_tags_404,
        "429" => hub_list_tags_429;
}
