//! The Enterprise Data SDK against httpmock: OAT exchange, paging, the
//! redirect download, error mapping and input checks.

use std::time::Duration;

use contract_tests::jwt;
use enterprise_data_sdk::{EnterpriseClient, Error, Report};
use futures::TryStreamExt;
use httpmock::{Method::GET, Method::POST, MockServer};
use serde_json::json;

use contract_tests::fast_retry;

fn client(hub: &MockServer, api: &MockServer) -> EnterpriseClient {
    EnterpriseClient::builder("my-org", "dckr_oat_SECRET")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(fast_retry())
        .build()
        .unwrap()
}

/// A hub that exchanges the OAT for a JWT living `lifetime`; the mock only
/// matches a body of exactly identifier + secret.
fn hub_exchanging(hub: &MockServer, lifetime: Duration) -> httpmock::Mock<'_> {
    let token = jwt("my-org", lifetime);
    hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/auth/token")
            .json_body(json!({"identifier": "my-org", "secret": "dckr_oat_SECRET"}));
        then.status(200).json_body(json!({"access_token": token}));
    })
}

fn report_json(date: &str, size: u64) -> serde_json::Value {
    json!({"ReportType": "usage_pulls", "Cadence": "daily", "Date": date, "SizeBytes": size, "Key": format!("my-org/usage_pulls/daily/{date}.csv")})
}

const LIST: &str = "/orgs/my-org/reports/usage_pulls/daily";

#[tokio::test]
async fn three_pages_are_followed_and_the_stream_ends_on_an_empty_token() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let exchange = hub_exchanging(&hub, Duration::from_secs(600));
    let first = api.mock(|when, then| {
        when.method(GET).path(LIST).query_param_missing("page_token").header_exists("authorization");
        then.status(200).json_body(json!({"reports": [report_json("2026-06-16", 10), report_json("2026-06-15", 10)], "next_page_token": "p2"}));
    });
    let second = api.mock(|when, then| {
        when.method(GET).path(LIST).query_param("page_token", "p2");
        then.status(200).json_body(
            json!({"reports": [report_json("2026-06-14", 10)], "next_page_token": "p3"}),
        );
    });
    let third = api.mock(|when, then| {
        when.method(GET).path(LIST).query_param("page_token", "p3");
        then.status(200)
            .json_body(json!({"reports": [report_json("2026-06-13", 10)], "next_page_token": ""}));
    });
    let client = client(&hub, &api);
    let reports: Vec<Report> = client
        .reports("usage_pulls", "daily")
        .try_collect()
        .await
        .unwrap();
    let dates: Vec<String> = reports.iter().map(|r| r.date.to_string()).collect();
    assert_eq!(
        dates,
        ["2026-06-16", "2026-06-15", "2026-06-14", "2026-06-13"]
    );
    assert_eq!(
        (
            first.calls_async().await,
            second.calls_async().await,
            third.calls_async().await
        ),
        (1, 1, 1)
    );
    // One exchange for all pages: the token is reused while fresh.
    assert_eq!(exchange.calls_async().await, 1);

    let latest = client
        .latest("usage_pulls", "daily")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.date.to_string(), "2026-06-16");
}

#[tokio::test]
async fn a_repeated_page_token_is_an_error_not_a_loop() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    hub_exchanging(&hub, Duration::from_secs(600));
    api.mock(|when, then| {
        when.method(GET).path(LIST);
        then.status(200).json_body(
            json!({"reports": [report_json("2026-06-16", 10)], "next_page_token": "same"}),
        );
    });
    let client = client(&hub, &api);
    let result: Result<Vec<Report>, Error> =
        client.reports("usage_pulls", "daily").try_collect().await;
    let err = result.unwrap_err();
    assert!(
        err.kind() == enterprise_data_sdk::ErrorKind::Paging
            && err.to_string().contains(r#""same" a second time"#),
        "{err}"
    );
}

#[tokio::test]
async fn the_token_is_exchanged_again_near_expiry_and_after_a_401() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    // Lives 100 s, less than twice the 60 s margin: reused for half of
    // that, then refreshed. The clock moves instead of the test sleeping.
    let exchange = hub_exchanging(&hub, Duration::from_secs(100));
    api.mock(|when, then| {
        when.method(GET).path("/orgs/my-org/reports");
        then.status(200).json_body(
            json!({"report_types": [{"ReportType": "usage_pulls", "Cadence": "daily"}]}),
        );
    });
    let start = std::time::SystemTime::now();
    let offset = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let read = offset.clone();
    let client = EnterpriseClient::builder("my-org", "dckr_oat_SECRET")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(fast_retry())
        .clock(sdk_core::Clock::from_fn(move || {
            start + Duration::from_secs(read.load(std::sync::atomic::Ordering::SeqCst))
        }))
        .build()
        .unwrap();
    client.report_types().await.unwrap();
    offset.store(40, std::sync::atomic::Ordering::SeqCst);
    client.report_types().await.unwrap();
    assert_eq!(
        exchange.calls_async().await,
        1,
        "refreshed before half-life"
    );
    offset.store(52, std::sync::atomic::Ordering::SeqCst);
    client.report_types().await.unwrap();
    assert_eq!(
        exchange.calls_async().await,
        2,
        "not refreshed after half-life"
    );

    // A 401 makes the client exchange once more and resend once.
    let api2 = MockServer::start_async().await;
    let unauthorized = api2.mock(|when, then| {
        when.method(GET).path("/orgs/my-org/reports");
        then.status(401)
            .json_body(json!({"error": "unauthenticated"}));
    });
    let client = EnterpriseClient::builder("my-org", "dckr_oat_SECRET")
        .hub_url(hub.base_url())
        .api_url(api2.base_url())
        .retry(fast_retry())
        .build()
        .unwrap();
    let before = exchange.calls_async().await;
    let err = client.report_types().await.unwrap_err();
    assert_eq!(
        exchange.calls_async().await - before,
        2,
        "one exchange, then one re-exchange"
    );
    assert_eq!(
        unauthorized.calls_async().await,
        2,
        "one send, then one resend"
    );
    assert_eq!(err.status(), Some(401));
    assert!(err.to_string().contains("unauthenticated"), "{err}");
}

#[tokio::test]
async fn download_fetches_the_location_without_authorization_and_checks_the_size() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let store = MockServer::start_async().await;
    hub_exchanging(&hub, Duration::from_secs(600));
    let body = "event_date,repository,tag,pull_count\n2026-06-16,my-org/web,latest,3\n";
    let location = format!(
        "{}/bucket/my-org/2026-06-16.csv?X-Amz-Signature=abc",
        store.base_url()
    );
    let redirect = api.mock(|when, then| {
        when.method(GET)
            .path(format!("{LIST}/2026-06-16/download"))
            .header_exists("authorization");
        then.status(302).header("location", &location);
    });
    let store_with_auth = store.mock(|when, then| {
        when.header_exists("authorization");
        then.status(400);
    });
    let object = store.mock(|when, then| {
        when.method(GET)
            .path("/bucket/my-org/2026-06-16.csv")
            .header_missing("authorization");
        then.status(200).body(body);
    });
    let client = client(&hub, &api);
    let report: Report =
        serde_json::from_value(report_json("2026-06-16", body.len() as u64)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("r.csv");
    let written = client.download(&report, &dest).await.unwrap();
    assert_eq!(written, body.len() as u64);
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), body);
    assert_eq!(
        (
            redirect.calls_async().await,
            object.calls_async().await,
            store_with_auth.calls_async().await
        ),
        (1, 1, 0)
    );

    let rows: Vec<_> = enterprise_data_sdk::rows::usage_pulls_rows(&dest)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows[0].pull_count, Some(3));

    // A SizeBytes the file does not match is an error, and no file is left.
    let wrong: Report =
        serde_json::from_value(report_json("2026-06-16", body.len() as u64 + 5)).unwrap();
    let dest2 = dir.path().join("wrong.csv");
    let err = client.download(&wrong, &dest2).await.unwrap_err();
    assert!(err.to_string().contains("expected"), "{err}");
    assert!(!dest2.exists());
}

#[tokio::test]
async fn an_expired_location_gets_one_fresh_redirect() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let store = MockServer::start_async().await;
    hub_exchanging(&hub, Duration::from_secs(600));
    let expired = format!("{}/old.csv?sig=old", store.base_url());
    let fresh = format!("{}/new.csv?sig=new", store.base_url());
    let redirects = api.mock(|when, then| {
        when.method(GET).path(format!("{LIST}/2026-06-16/download"));
        then.status(302)
            .header("location", &expired)
            .up_to_n_times(1);
    });
    let second_redirect = api.mock(|when, then| {
        when.method(GET).path(format!("{LIST}/2026-06-16/download"));
        then.status(302).header("location", &fresh);
    });
    store.mock(|when, then| {
        when.path("/old.csv");
        then.status(403)
            .body("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
    });
    store.mock(|when, then| {
        when.path("/new.csv");
        then.status(200).body("a\n1\n");
    });
    let client = client(&hub, &api);
    let report: Report = serde_json::from_value(report_json("2026-06-16", 4)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    client
        .download(&report, dir.path().join("r.csv"))
        .await
        .unwrap();
    assert_eq!(
        redirects.calls_async().await + second_redirect.calls_async().await,
        2
    );
}

#[tokio::test]
async fn each_error_status_carries_the_servers_message_and_a_hint() {
    let hub = MockServer::start_async().await;
    hub_exchanging(&hub, Duration::from_secs(600));
    for (status, message, hint) in [
        (
            400,
            "invalid input: invalid page token",
            "check the organization",
        ),
        (403, "permission denied", "Report Read scope"),
        (404, "not found", "no such report"),
        (500, "internal error", "server error"),
    ] {
        let api = MockServer::start_async().await;
        let calls = api.mock(|when, then| {
            when.method(GET).path(LIST);
            then.status(status).json_body(json!({"error": message}));
        });
        let client = client(&hub, &api);
        let err = client
            .reports_page("usage_pulls", "daily", None, None)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status), "{err}");
        let text = err.to_string();
        assert!(
            text.contains(message) && text.contains(hint),
            "{status}: {text}"
        );
        assert!(
            text.contains("usage_pulls/daily"),
            "the error does not name the report: {text}"
        );
        assert!(!text.contains("dckr_oat_SECRET"));
        assert_eq!(calls.calls_async().await, 1, "{status} must not be retried");
    }
}

#[tokio::test]
async fn bad_org_type_date_or_page_size_send_nothing() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let any_hub = hub.mock(|when, then| {
        when.any_request();
        then.status(500);
    });
    let any_api = api.mock(|when, then| {
        when.any_request();
        then.status(500);
    });
    let err = EnterpriseClient::builder("My Org", "x")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .build()
        .unwrap_err();
    assert!(
        err.kind() == enterprise_data_sdk::ErrorKind::InvalidInput
            && err.operation() == "invalid organization",
        "{err}"
    );
    let client = client(&hub, &api);
    for (kind, size) in [
        ("Usage", None),
        ("usage_pulls", Some(0)),
        ("usage_pulls", Some(101)),
        ("../x", None),
    ] {
        let err = client
            .reports_page(kind, "daily", size, None)
            .await
            .unwrap_err();
        assert!(
            err.kind() == enterprise_data_sdk::ErrorKind::InvalidInput,
            "{kind} {size:?}: {err}"
        );
    }
    assert!(enterprise_data_sdk::ReportId::parse("usage_pulls", "daily", "2026-02-30").is_err());
    assert_eq!(any_hub.calls_async().await, 0);
    assert_eq!(any_api.calls_async().await, 0);
}

#[tokio::test]
async fn rate_limit_headers_are_exposed_and_a_spent_budget_waits_for_the_reset() {
    use std::time::{SystemTime, UNIX_EPOCH};
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    hub_exchanging(&hub, Duration::from_secs(600));
    // The reset, a whole second from now at least (the header counts whole
    // seconds).
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let reset = now + 2;
    let limited = api.mock(|when, then| {
        when.method(GET).path(LIST);
        then.status(200)
            .header("X-RateLimit-Limit", "180")
            .header("X-RateLimit-Remaining", "0")
            .header("X-RateLimit-Reset", reset.to_string())
            .json_body(json!({"reports": [], "next_page_token": ""}));
    });
    let client = client(&hub, &api);
    assert_eq!(client.rate_limit(), None, "nothing known before an answer");
    client
        .reports_page("usage_pulls", "daily", None, None)
        .await
        .unwrap();
    let seen = client.clone().rate_limit().unwrap();
    assert_eq!((seen.limit, seen.remaining), (Some(180), Some(0)));
    assert_eq!(seen.reset, Some(UNIX_EPOCH + Duration::from_secs(reset)));
    // None remaining: the next call is sent only once the window reset.
    client
        .reports_page("usage_pulls", "daily", None, None)
        .await
        .unwrap();
    assert!(
        SystemTime::now() >= UNIX_EPOCH + Duration::from_secs(reset),
        "the second call went out before the reset"
    );
    assert_eq!(limited.calls_async().await, 2);
}

#[tokio::test]
async fn the_users_http_settings_apply_but_redirects_are_never_followed() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let store = MockServer::start_async().await;
    let exchange = hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/auth/token")
            .header("x-proxy-tag", "mine");
        then.status(200)
            .json_body(json!({"access_token": jwt("my-org", Duration::from_secs(600))}));
    });
    let signed = format!("{}/bucket/r.csv?X-Amz-Signature=s", store.base_url());
    let redirect = api.mock(|when, then| {
        when.method(GET)
            .path(format!("{LIST}/2026-06-16/download"))
            .header("x-proxy-tag", "mine");
        then.status(302).header("location", &signed);
    });
    let followed = store.mock(|when, then| {
        when.any_request();
        then.status(200).body("a,b\n");
    });
    let client = EnterpriseClient::builder("my-org", "dckr_oat_SECRET")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(fast_retry())
        // A user's settings: a header (as a proxy might need), and a
        // redirect policy that the SDK must override.
        .http_client(|builder| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("x-proxy-tag", "mine".parse().unwrap());
            builder
                .default_headers(headers)
                .redirect(reqwest::redirect::Policy::limited(5))
        })
        .build()
        .unwrap();
    let report =
        enterprise_data_sdk::ReportId::parse("usage_pulls", "daily", "2026-06-16").unwrap();
    let url = client.download_url(report).await.unwrap();
    assert_eq!(url, signed);
    assert_eq!(exchange.calls_async().await, 1);
    assert_eq!(redirect.calls_async().await, 1);
    assert_eq!(followed.calls_async().await, 0, "the redirect was followed");
}
