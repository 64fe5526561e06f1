//! The Hub client's streams, paging guards, rate limits and export, against
//! httpmock and the simulator.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use contract_tests::{fast_retry, hub_exchanging};
use futures::TryStreamExt;
use httpmock::{Method::GET, MockServer};
use hub_sdk::{AuditLogQuery, Credentials, HubClient, MemberQuery, RepoQuery};
use serde_json::json;

fn client(server: &MockServer) -> HubClient {
    HubClient::builder(Credentials::organization("acme", "dckr_oat_SECRET"))
        .hub_url(server.base_url())
        .api_url(server.base_url())
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn member(name: &str) -> serde_json::Value {
    json!({"username": name, "role": "Member", "type": "User"})
}

#[tokio::test]
async fn three_member_pages_are_streamed_once_each() {
    let server = MockServer::start_async().await;
    hub_exchanging(&server);
    let next = |page: u32| format!("{}/v2/orgs/acme/members?page={page}", server.base_url());
    let pages: Vec<_> = [
        (
            1,
            json!({"count": 5, "next": next(2), "results": [member("a"), member("b")]}),
        ),
        (
            2,
            json!({"count": 5, "next": next(3), "results": [member("c"), member("d")]}),
        ),
        (3, json!({"count": 5, "next": "", "results": [member("e")]})),
    ]
    .into_iter()
    .map(|(page, body)| {
        server.mock(|when, then| {
            when.method(GET)
                .path("/v2/orgs/acme/members")
                .query_param("page", page.to_string());
            then.status(200).json_body(body);
        })
    })
    .collect();
    let names: Vec<String> = client(&server)
        .members("acme", MemberQuery::new())
        .map_ok(|m| m.username.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    for page in &pages {
        assert_eq!(page.calls_async().await, 1);
    }
}

#[tokio::test]
async fn a_next_that_does_not_move_forward_stops_with_an_error() {
    let server = MockServer::start_async().await;
    hub_exchanging(&server);
    let again = format!(
        "{}/v2/namespaces/acme/repositories?page=1",
        server.base_url()
    );
    let page = server.mock(|when, then| {
        when.method(GET).path("/v2/namespaces/acme/repositories");
        then.status(200).json_body(
            json!({"count": 9, "next": again, "results": [{"name": "web", "pull_count": 7}]}),
        );
    });
    let mut stream = std::pin::pin!(client(&server).repositories("acme", RepoQuery::new()));
    let first = stream.try_next().await.unwrap().unwrap();
    assert_eq!((first.name.as_str(), first.pull_count), ("web", 7));
    let err = stream.try_next().await.unwrap_err();
    assert!(err.to_string().contains("points back"), "{err}");
    assert_eq!(page.calls_async().await, 1);

    // A page repeating the page before it (numbers moving on, content
    // not) stops too.
    let server = MockServer::start_async().await;
    hub_exchanging(&server);
    let logs = json!({"logs": [{"action": "repo.create", "actor": "alice"}]});
    let same = server.mock(|when, then| {
        when.method(GET).path("/v2/auditlogs/acme");
        then.status(200).json_body(logs);
    });
    let err = client(&server)
        .audit_logs("acme", AuditLogQuery::new().page_size(1))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("repeats the page before it"),
        "{err}"
    );
    assert_eq!(same.calls_async().await, 2);
}

#[tokio::test]
async fn bad_names_windows_and_page_sizes_send_nothing() {
    let server = MockServer::start_async().await;
    let anything = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({}));
    });
    let client = client(&server);
    let t = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    for query in [
        AuditLogQuery::new()
            .from(t("2026-02-01T00:00:00Z"))
            .to(t("2026-01-01T00:00:00Z")),
        AuditLogQuery::new().page_size(0),
        AuditLogQuery::new().page_size(101),
    ] {
        let err = client
            .audit_logs("acme", query)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(err.kind() == hub_sdk::ErrorKind::InvalidInput, "{err}");
    }
    for name in ["", "a/b", "..", "a b"] {
        let err = client
            .members(name, MemberQuery::new())
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(err.kind() == hub_sdk::ErrorKind::InvalidInput, "{err}");
    }
    assert!(
        client
            .tags("acme", "../x")
            .try_collect::<Vec<_>>()
            .await
            .is_err()
    );
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn a_spent_rate_limit_waits_for_the_reset_and_a_429_is_retried_once() {
    let server = MockServer::start_async().await;
    hub_exchanging(&server);
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2;
    let actions = server.mock(|when, then| {
        when.method(GET).path("/v2/auditlogs/acme/actions");
        then.status(200)
            .header("X-RateLimit-Limit", "180")
            .header("X-RateLimit-Remaining", "0")
            .header("X-RateLimit-Reset", reset.to_string())
            .json_body(json!({"actions": {}}));
    });
    let client = client(&server);
    client.audit_actions("acme").await.unwrap();
    let seen = client.rate_limit().unwrap();
    assert_eq!((seen.limit, seen.remaining), (Some(180), Some(0)));
    client.audit_actions("acme").await.unwrap();
    assert!(
        SystemTime::now() >= UNIX_EPOCH + Duration::from_secs(reset),
        "the second call went out before the reset"
    );
    assert_eq!(actions.calls_async().await, 2);

    // A 429 with Retry-After: one wait, one resend.
    let server = MockServer::start_async().await;
    hub_exchanging(&server);
    let client = self::client(&server);
    let limited = server.mock(|when, then| {
        when.method(GET)
            .path("/v2/namespaces/acme/repositories/web/tags");
        then.status(429)
            .header("Retry-After", "0")
            .json_body(json!({"detail": "slow down", "error": true}));
    });
    let err = client
        .tags("acme", "web")
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert!(err.to_string().contains("slow down"), "{err}");
    assert_eq!(
        limited.calls_async().await,
        fast_retry().max_attempts as usize
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn against_the_simulator_windows_filter_and_the_export_reads_back() {
    let sim = simulator::Simulator::start().await.unwrap();
    let client = HubClient::builder(Credentials::organization(
        simulator::accounts::ORG,
        simulator::accounts::OAT,
    ))
    .hub_url(sim.hub_url())
    .api_url(sim.hub_url())
    .retry(fast_retry())
    .build()
    .unwrap();
    let org = simulator::accounts::ORG;
    let all: Vec<_> = client
        .audit_logs(org, AuditLogQuery::new().page_size(100))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), simulator::hub_data::AUDIT_EVENTS);
    let t = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let (from, to) = (t("2026-06-30T00:00:00Z"), t("2026-06-30T11:59:59Z"));
    let window: Vec<_> = client
        .audit_logs(org, AuditLogQuery::new().from(from).to(to))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(window.len(), 12);
    assert!(
        window
            .iter()
            .all(|e| e.timestamp.is_some_and(|at| at >= from && at <= to))
    );
    assert!(
        client
            .rate_limit()
            .is_some_and(|r| r.limit == Some(simulator::hub_data::RATE_LIMIT))
    );

    // A 429 with Retry-After: waited for, sent once more, then answered.
    sim.inject(
        simulator::route::HUB_DATA,
        simulator::Fault::rate_limited(1),
        1,
    );
    let before = sim.requests();
    let actions = client.audit_actions(org).await.unwrap();
    assert!(!actions.actions.is_empty());
    assert_eq!(sim.requests() - before, 2, "one refused request, one retry");

    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("members.csv");
    client.export_members(org, &dest).await.unwrap();
    let rows: Vec<_> = hub_sdk::rows::member_rows(&dest)
        .collect::<Result<_, _>>()
        .unwrap();
    let members: Vec<_> = client
        .members(org, MemberQuery::new().invites(true))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), members.len());
    assert_eq!(
        rows.iter()
            .filter(|r| r.member_type.as_deref() == Some("Invitee"))
            .count(),
        3
    );
    // Nothing but the file: no `.part` left.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn a_role_or_status_docker_adds_later_is_kept_not_fatal() {
    let server = MockServer::start_async().await;
    hub_exchanging(&server);
    server.mock(|when, then| {
        when.method(GET).path("/v2/orgs/acme/members");
        then.status(200).json_body(json!({"count": 2, "results": [
            {"username": "ed", "role": "Editor", "type": "Team"},
            {"username": "own", "role": "Owner", "type": "User"},
        ]}));
    });
    let members: Vec<_> = client(&server)
        .members("acme", MemberQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members[0].role, Some(hub_sdk::Role::Other("Editor".into())));
    assert_eq!(
        members[0].type_,
        Some(hub_sdk::AccountKind::Other("Team".into()))
    );
    assert_eq!(members[1].role, Some(hub_sdk::Role::Owner));
    // Sent back as received.
    assert_eq!(serde_json::to_value(&members[0]).unwrap()["role"], "Editor");
}
