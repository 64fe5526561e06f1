//! The simulator answers as the specs say: every route is driven to every
//! status it can produce, and each JSON body is validated against the
//! spec's schema for that operation and status.

use std::collections::BTreeSet;

use contract_tests::spec;
use reqwest::StatusCode;
use serde_json::{Value, json};
use simulator::{Fault, Simulator, accounts, route};

struct Probe {
    http: reqwest::Client,
    checked: BTreeSet<(String, String, String)>,
}

impl Probe {
    fn new() -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            checked: BTreeSet::new(),
        }
    }

    /// Sends a request, checks the status, and validates a JSON body
    /// against the spec. Returns the body.
    async fn check(
        &mut self,
        spec_name: &str,
        operation: &str,
        request: reqwest::RequestBuilder,
        expected: u16,
    ) -> Value {
        let response = self.http.execute(request.build().unwrap()).await.unwrap();
        let status = response.status();
        assert_eq!(
            status,
            StatusCode::from_u16(expected).unwrap(),
            "{spec_name} {operation}"
        );
        let is_json = response.headers().get("content-type").is_some_and(|v| {
            v.to_str()
                .unwrap_or_default()
                .starts_with("application/json")
        });
        let text = response.text().await.unwrap();
        let body = if is_json {
            serde_json::from_str(&text).unwrap()
        } else {
            Value::Null
        };
        // A status the operation does not list is its `default` response.
        let responses: Vec<_> = spec::responses(&spec::load(spec_name))
            .into_iter()
            .filter(|r| r.operation == operation)
            .collect();
        let documented = responses
            .iter()
            .find(|r| r.status == expected.to_string())
            .or_else(|| responses.iter().find(|r| r.status == "default"))
            .cloned()
            .unwrap_or_else(|| panic!("the simulator answered {expected} to {operation}, which {spec_name} does not document"));
        match documented.json_schema() {
            Some(schema) => {
                assert!(
                    is_json,
                    "{operation} {expected}: the spec documents a JSON body, got {text:?}"
                );
                spec::validate_against(&spec::load(spec_name), schema, &body).unwrap_or_else(|e| {
                    panic!("simulator {operation} {expected}: {e}\nbody: {body}")
                });
            }
            None => assert!(
                text.is_empty() || !is_json,
                "{operation} {expected}: undocumented body {text}"
            ),
        }
        self.checked.insert((
            spec_name.to_owned(),
            operation.to_owned(),
            documented.status.clone(),
        ));
        body
    }
}

#[tokio::test]
async fn every_simulator_route_conforms_to_the_specs() {
    let sim = Simulator::start().await.unwrap();
    let mut probe = Probe::new();
    let http = probe.http.clone();
    let hub = sim.hub_url();

    // Hub.
    let token_url = format!("{hub}/v2/auth/token");
    let oat = probe
        .check(
            "hub-auth.yaml",
            "createAccessToken",
            http.post(&token_url)
                .json(&json!({"identifier": accounts::ORG, "secret": accounts::OAT})),
            200,
        )
        .await;
    let org_token = oat["access_token"].as_str().unwrap().to_owned();
    probe
        .check(
            "hub-auth.yaml",
            "createAccessToken",
            http.post(&token_url)
                .json(&json!({"identifier": accounts::ORG})),
            400,
        )
        .await;
    probe
        .check(
            "hub-auth.yaml",
            "createAccessToken",
            http.post(&token_url)
                .json(&json!({"identifier": accounts::ORG, "secret": "x"})),
            401,
        )
        .await;
    sim.inject(route::HUB_TOKEN, Fault::rate_limited(1), 1);
    probe
        .check(
            "hub-auth.yaml",
            "createAccessToken",
            http.post(&token_url)
                .json(&json!({"identifier": accounts::ORG, "secret": accounts::OAT})),
            429,
        )
        .await;
    let login_url = format!("{hub}/v2/users/login");
    let login = probe
        .check(
            "hub-auth.yaml",
            "postUsersLogin",
            http.post(&login_url)
                .json(&json!({"username": accounts::DVP_USER, "password": accounts::DVP_PASSWORD})),
            200,
        )
        .await;
    let user_token = login["token"].as_str().unwrap().to_owned();
    probe
        .check(
            "hub-auth.yaml",
            "postUsersLogin",
            http.post(&login_url)
                .json(&json!({"username": accounts::DVP_USER, "password": "x"})),
            401,
        )
        .await;
    let challenge = probe
        .check(
            "hub-auth.yaml",
            "postUsersLogin",
            http.post(&login_url).json(&json!({"username": accounts::DVP_2FA_USER, "password": accounts::DVP_2FA_PASSWORD})),
            401,
        )
        .await;
    let challenge = challenge["login_2fa_token"].as_str().unwrap().to_owned();
    let two_fa_url = format!("{hub}/v2/users/2fa-login");
    probe
        .check(
            "hub-auth.yaml",
            "postUsers2FALogin",
            http.post(&two_fa_url)
                .json(&json!({"login_2fa_token": challenge, "code": "000000"})),
            401,
        )
        .await;
    let again = probe
        .check(
            "hub-auth.yaml",
            "postUsersLogin",
            http.post(&login_url).json(&json!({"username": accounts::DVP_2FA_USER, "password": accounts::DVP_2FA_PASSWORD})),
            401,
        )
        .await;
    probe
        .check(
            "hub-auth.yaml",
            "postUsers2FALogin",
            http.post(&two_fa_url).json(
                &json!({"login_2fa_token": again["login_2fa_token"], "code": accounts::TOTP_CODE}),
            ),
            200,
        )
        .await;

    // DVP.
    let dvp = sim.dvp_url();
    let ns = format!("{dvp}/namespaces/{}", accounts::NAMESPACE);
    let get = |url: String| http.get(url).bearer_auth(&user_token);
    probe
        .check("dvp.yaml", "getNamespaces", get(format!("{dvp}/")), 200)
        .await;
    probe
        .check("dvp.yaml", "getNamespace", get(ns.clone()), 200)
        .await;
    probe
        .check(
            "dvp.yaml",
            "getNamespaceYears",
            get(format!("{ns}/pulls/exports/years")),
            200,
        )
        .await;
    for kind in ["months", "weeks"] {
        probe
            .check(
                "dvp.yaml",
                "getNamespaceTimespans",
                get(format!("{ns}/pulls/exports/years/2025/{kind}")),
                200,
            )
            .await;
        probe
            .check(
                "dvp.yaml",
                "getNamespaceTimespanMetadata",
                get(format!("{ns}/pulls/exports/years/2025/{kind}/2")),
                200,
            )
            .await;
        for view in ["raw", "summary", "repo-summary", "namespace-summary"] {
            let files = probe
                .check(
                    "dvp.yaml",
                    "getNamespaceDataByTimespan",
                    get(format!("{ns}/pulls/exports/years/2025/{kind}/2/{view}")),
                    200,
                )
                .await;
            // The file is where the listing says, with the size it says.
            let url = files["data"][0]["url"].as_str().unwrap();
            let bytes = http.get(url).send().await.unwrap().bytes().await.unwrap();
            assert_eq!(Some(bytes.len() as u64), files["data"][0]["size"].as_u64());
        }
    }
    probe
        .check(
            "dvp.yaml",
            "getNamespaceTimespanMetadata",
            get(format!("{ns}/pulls/exports/years/2025/months/13")),
            404,
        )
        .await;

    // DVP pull counts.
    probe
        .check(
            "dvp.yaml",
            "getUserNamespaces",
            get(format!("{dvp}/namespaces")),
            200,
        )
        .await;
    probe
        .check(
            "dvp.yaml",
            "getUserNamespaces",
            http.get(format!("{dvp}/namespaces")),
            401,
        )
        .await;
    let query = "timespan=weeks&period=last-3-months&group=repo";
    let pulls = probe
        .check(
            "dvp.yaml",
            "getNamespacePulls",
            get(format!("{ns}/pulls?{query}")),
            200,
        )
        .await;
    assert_eq!(
        pulls["pulls"].as_array().unwrap().len(),
        4 * 12,
        "4 repos x 12 weeks"
    );
    probe
        .check(
            "dvp.yaml",
            "getNamespacePulls",
            get(format!("{dvp}/namespaces/nobody/pulls")),
            404,
        )
        .await;
    probe
        .check(
            "dvp.yaml",
            "getRepoPulls",
            get(format!("{ns}/repos/web-app/pulls?period=last-2-months")),
            200,
        )
        .await;
    probe
        .check(
            "dvp.yaml",
            "getRepoPulls",
            get(format!("{ns}/repos/no-such-repo/pulls")),
            404,
        )
        .await;
    let many = probe
        .check(
            "dvp.yaml",
            "getManyReposPulls",
            get(format!(
                "{dvp}/repos/pulls?repos={0}%2Fweb-app&repos={0}/api-svc&repos=other/x",
                accounts::NAMESPACE
            )),
            200,
        )
        .await;
    let answered: Vec<&String> = many["repos"].as_object().unwrap().keys().collect();
    assert_eq!(answered.len(), 2, "{many}");

    // Account (served by the Hub listener).
    let account = format!(
        "{}/api/v1.1/users/{}",
        sim.account_url(),
        accounts::ACCOUNT_USER
    );
    let user_url = format!("{account}/");
    let emails_url = format!("{account}/emails/");
    let basic = |request: reqwest::RequestBuilder| {
        request.basic_auth(accounts::ACCOUNT_USER, Some(accounts::ACCOUNT_PASSWORD))
    };
    let new_email = json!({"email": "second@example.org"});
    for (operation, method, url, body, success) in [
        ("getUser", reqwest::Method::GET, &user_url, None, 200),
        (
            "updateUser",
            reqwest::Method::PATCH,
            &user_url,
            Some(json!({"location": "Hamburg"})),
            200,
        ),
        (
            "listUserEmails",
            reqwest::Method::GET,
            &emails_url,
            None,
            200,
        ),
        (
            "addUserEmail",
            reqwest::Method::POST,
            &emails_url,
            Some(new_email.clone()),
            201,
        ),
        (
            "deleteUserEmail",
            reqwest::Method::DELETE,
            &emails_url,
            Some(new_email.clone()),
            204,
        ),
    ] {
        let request = |auth: &dyn Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
                       url: &str| {
            let request = auth(http.request(method.clone(), url));
            match &body {
                Some(body) => request.json(body),
                None => request,
            }
        };
        probe
            .check("account.yaml", operation, request(&basic, url), success)
            .await;
        probe
            .check("account.yaml", operation, request(&|r| r, url), 401)
            .await;
        probe
            .check(
                "account.yaml",
                operation,
                request(&|r| r.bearer_auth(accounts::ACCOUNT_TOKEN_NO_SCOPE), url),
                403,
            )
            .await;
        let other_user = url.replace(accounts::ACCOUNT_USER, "nobody");
        probe
            .check(
                "account.yaml",
                operation,
                request(&|r| r.bearer_auth(accounts::ACCOUNT_TOKEN), &other_user),
                404,
            )
            .await;
        if body.is_some() {
            probe
                .check(
                    "account.yaml",
                    operation,
                    basic(http.request(method.clone(), url))
                        .json(&json!({"email": 5, "location": 5})),
                    400,
                )
                .await;
        }
    }
    // The statuses the source lists beside its examples' 201 and 204.
    let listed = Simulator::start_with(simulator::SimulatorConfig {
        account_statuses_as_listed: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let listed_emails = format!(
        "{}/api/v1.1/users/{}/emails/",
        listed.account_url(),
        accounts::ACCOUNT_USER
    );
    for (operation, method) in [
        ("addUserEmail", reqwest::Method::POST),
        ("deleteUserEmail", reqwest::Method::DELETE),
    ] {
        probe
            .check(
                "account.yaml",
                operation,
                basic(http.request(method, &listed_emails)).json(&new_email),
                200,
            )
            .await;
    }

    // Enterprise.
    let api = format!("{}/orgs/{}/reports", sim.enterprise_url(), accounts::ORG);
    let as_org = |url: String| http.get(url).bearer_auth(&org_token);
    let ops = [
        ("listReportTypes", api.clone()),
        ("listReports", format!("{api}/usage_pulls/daily")),
        (
            "getReportDownloadURL",
            format!("{api}/usage_pulls/daily/2026-06-30/download"),
        ),
        (
            "getReportSchema",
            format!("{api}/usage_pulls/daily/2026-06-30/schema"),
        ),
    ];
    for (operation, url) in &ops {
        let success = if *operation == "getReportDownloadURL" {
            302
        } else {
            200
        };
        probe
            .check(
                "enterprise-data.yaml",
                operation,
                as_org(url.clone()),
                success,
            )
            .await;
        probe
            .check(
                "enterprise-data.yaml",
                operation,
                http.get(url.clone()),
                401,
            )
            .await;
        probe
            .check(
                "enterprise-data.yaml",
                operation,
                http.get(url.clone()).bearer_auth(&user_token),
                403,
            )
            .await;
        let fault_route = match *operation {
            "listReportTypes" => route::ENTERPRISE_TYPES,
            "listReports" => route::ENTERPRISE_LIST,
            "getReportDownloadURL" => route::ENTERPRISE_DOWNLOAD,
            _ => route::ENTERPRISE_SCHEMA,
        };
        sim.inject(fault_route, Fault::status(500), 1);
        probe
            .check("enterprise-data.yaml", operation, as_org(url.clone()), 500)
            .await;
    }
    probe
        .check(
            "enterprise-data.yaml",
            "listReportTypes",
            as_org(format!("{}/orgs/other-org/reports", sim.enterprise_url())),
            404,
        )
        .await;
    let all_pages = probe
        .check(
            "enterprise-data.yaml",
            "listReports",
            as_org(format!("{api}/usage_pulls/daily?page_size=100")),
            200,
        )
        .await;
    assert_eq!(all_pages["next_page_token"], "");
    probe
        .check(
            "enterprise-data.yaml",
            "listReports",
            as_org(format!("{api}/usage_pulls/daily?page_token=bogus")),
            400,
        )
        .await;
    probe
        .check(
            "enterprise-data.yaml",
            "listReports",
            as_org(format!("{api}/usage_pulls/daily?page_size=101")),
            400,
        )
        .await;
    probe
        .check(
            "enterprise-data.yaml",
            "listReports",
            as_org(format!("{api}/Usage/daily")),
            400,
        )
        .await;
    probe
        .check(
            "enterprise-data.yaml",
            "listReports",
            as_org(format!("{api}/nothing/daily")),
            404,
        )
        .await;
    probe
        .check(
            "enterprise-data.yaml",
            "getReportDownloadURL",
            as_org(format!("{api}/usage_pulls/daily/2026-13-01/download")),
            400,
        )
        .await;
    probe
        .check(
            "enterprise-data.yaml",
            "getReportDownloadURL",
            as_org(format!("{api}/usage_pulls/daily/2020-01-01/download")),
            404,
        )
        .await;
    probe
        .check(
            "enterprise-data.yaml",
            "getReportSchema",
            as_org(format!("{api}/usage_pulls/daily/2026-6-1/schema")),
            400,
        )
        .await;
    probe
        .check(
            "enterprise-data.yaml",
            "getReportSchema",
            as_org(format!("{api}/usage_pulls/weekly/2026-06-30/schema")),
            404,
        )
        .await;
    let types = probe
        .check(
            "enterprise-data.yaml",
            "listReportTypes",
            as_org(api.clone()),
            200,
        )
        .await;

    // The schema names exactly the columns of the CSV, for every pair.
    for pair in types["report_types"].as_array().unwrap() {
        let base = format!(
            "{api}/{}/{}",
            pair["ReportType"].as_str().unwrap(),
            pair["Cadence"].as_str().unwrap()
        );
        let page: Value = as_org(base.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let date = page["reports"][0]["Date"].as_str().unwrap();
        let schema: Value = as_org(format!("{base}/{date}/schema"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let redirect = as_org(format!("{base}/{date}/download"))
            .send()
            .await
            .unwrap();
        let location = redirect.headers()["location"].to_str().unwrap().to_owned();
        let csv = http
            .get(location)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let fields: Vec<&str> = schema["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(header, fields, "{base}");
        assert_eq!(
            csv.len() as u64,
            page["reports"][0]["SizeBytes"].as_u64().unwrap(),
            "{base}: SizeBytes"
        );
    }

    // Docker Hub data: every route answers its documented statuses; the
    // error statuses a real organization cannot be made to give come from
    // faults (whose body is `{"detail": …}`).
    let hub_get = |path: &str| http.get(format!("{hub}{path}")).bearer_auth(&org_token);
    for (operation, path, statuses) in [
        (
            "AuditLogs_ListAuditLogs",
            format!("/v2/auditlogs/{}", accounts::ORG),
            &[429u16, 500, 503][..],
        ),
        (
            "AuditLogs_ListAuditActions",
            format!("/v2/auditlogs/{}/actions", accounts::ORG),
            &[429, 500, 503],
        ),
        (
            "listOrgMembers",
            format!("/v2/orgs/{}/members", accounts::ORG),
            &[400, 403, 429],
        ),
        (
            "exportOrgMembers",
            format!("/v2/orgs/{}/members/export", accounts::ORG),
            &[400, 403, 429],
        ),
        (
            "listNamespaceRepositories",
            format!("/v2/namespaces/{}/repositories", accounts::ORG),
            &[400, 403, 429],
        ),
        (
            "ListRepositoryTags",
            format!("/v2/namespaces/{}/repositories/web-app/tags", accounts::ORG),
            &[403, 429],
        ),
    ] {
        let ok = probe
            .check("hub.yaml", operation, hub_get(&path), 200)
            .await;
        if operation == "listOrgMembers" || operation == "listNamespaceRepositories" {
            assert!(
                ok["results"].as_array().is_some_and(|r| !r.is_empty()),
                "{operation}: {ok}"
            );
        }
        for &status in statuses {
            let fault = if status == 429 {
                Fault::rate_limited(1)
            } else {
                Fault::status(status)
            };
            sim.inject(route::HUB_DATA, fault, 1);
            probe
                .check("hub.yaml", operation, hub_get(&path), status)
                .await;
        }
        if !operation.starts_with("AuditLogs") {
            let other = path.replacen(accounts::ORG, "nobody", 1);
            probe
                .check("hub.yaml", operation, hub_get(&other), 404)
                .await;
        }
        if operation != "ListRepositoryTags" && !operation.starts_with("AuditLogs") {
            probe
                .check("hub.yaml", operation, http.get(format!("{hub}{path}")), 401)
                .await;
        }
    }
    // Pages of 300 audit events, and a page size the Hub refuses.
    let events = probe
        .check(
            "hub.yaml",
            "AuditLogs_ListAuditLogs",
            hub_get(&format!(
                "/v2/auditlogs/{}?page=12&page_size=25",
                accounts::ORG
            )),
            200,
        )
        .await;
    assert_eq!(events["logs"].as_array().map(Vec::len), Some(25));
    probe
        .check(
            "hub.yaml",
            "listOrgMembers",
            hub_get(&format!("/v2/orgs/{}/members?page_size=0", accounts::ORG)),
            400,
        )
        .await;

    // Every documented response the simulator can produce was produced.
    let mut documented = BTreeSet::new();
    for spec_name in &spec::specs() {
        for response in spec::responses(&spec::load(spec_name)) {
            documented.insert((spec_name.to_owned(), response.operation, response.status));
        }
    }
    let missing: Vec<_> = documented.difference(&probe.checked).collect();
    assert!(missing.is_empty(), "simulator never produced: {missing:?}");
}
