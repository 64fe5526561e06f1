//! Reliability: retries and Retry-After, timeouts, redirects, secrets kept
//! out of logs, forward compatibility, concurrency with a token expiring.

use std::time::Duration;

use contract_tests::jwt;
use contract_tests::raw_server::{RawServer, Reply};
use enterprise_data_sdk::EnterpriseClient;
use futures::TryStreamExt;
use httpmock::{Method::GET, Method::POST, MockServer};
use sdk_core::RetryPolicy;
use serde_json::json;
use simulator::{Fault, Simulator, accounts, route};

fn hub_with_token(hub: &MockServer) {
    let token = jwt("my-org", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(POST).path("/v2/auth/token");
        then.status(200).json_body(json!({"access_token": token}));
    });
}

fn client(hub: &MockServer, api: &MockServer, retry: RetryPolicy) -> EnterpriseClient {
    EnterpriseClient::builder("my-org", "dckr_oat_SECRET")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(retry)
        .build()
        .unwrap()
}

fn quick() -> RetryPolicy {
    RetryPolicy::new()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_secs(5))
}

const TYPES: &str = "/orgs/my-org/reports";

#[tokio::test]
async fn a_429_with_retry_after_2_waits_2_seconds() {
    let (_guard, captured) = contract_tests::logs::LogCapture::start();
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    hub_with_token(&hub);
    let limited = api.mock(|when, then| {
        when.method(GET).path(TYPES);
        then.status(429)
            .header("retry-after", "2")
            .json_body(json!({"error": "slow down"}))
            .up_to_n_times(1);
    });
    let ok = api.mock(|when, then| {
        when.method(GET).path(TYPES);
        then.status(200).json_body(json!({"report_types": []}));
    });
    client(&hub, &api, quick()).report_types().await.unwrap();
    // The delay chosen is logged; no stopwatch (a loaded machine is slow).
    let logs = captured.text();
    assert!(
        logs.contains("delay_ms=2000") && logs.contains("status 429"),
        "{logs}"
    );
    assert_eq!(
        (limited.calls_async().await, ok.calls_async().await),
        (1, 1)
    );
}

#[tokio::test]
async fn two_503s_then_200_succeeds_and_404_is_not_retried() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    hub_with_token(&hub);
    let unavailable = api.mock(|when, then| {
        when.method(GET).path(TYPES);
        then.status(503)
            .json_body(json!({"error": "unavailable"}))
            .up_to_n_times(2);
    });
    let ok = api.mock(|when, then| {
        when.method(GET).path(TYPES);
        then.status(200).json_body(json!({"report_types": []}));
    });
    let client = client(&hub, &api, quick());
    client.report_types().await.unwrap();
    assert_eq!(
        (unavailable.calls_async().await, ok.calls_async().await),
        (2, 1)
    );

    let missing = api.mock(|when, then| {
        when.method(GET).path("/orgs/my-org/reports/nope/daily");
        then.status(404).json_body(json!({"error": "not found"}));
    });
    let err = client
        .reports_page("nope", "daily", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(missing.calls_async().await, 1);
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    hub_with_token(&hub);
    let always = api.mock(|when, then| {
        when.method(GET).path(TYPES);
        then.status(502).body("bad gateway");
    });
    let err = client(&hub, &api, quick().max_attempts(3))
        .report_types()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.to_string().contains("bad gateway"), "{err}");
    assert_eq!(always.calls_async().await, 3);
}

#[tokio::test]
async fn a_stalled_body_times_out_even_though_the_download_has_no_total_limit() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    hub_with_token(&hub);
    let store = RawServer::start(vec![Reply::Stall {
        body: b"event_date\n".to_vec(),
        announced: 1000,
    }])
    .await;
    api.mock(|when, then| {
        when.method(GET)
            .path_prefix("/orgs/my-org/reports/usage_pulls/daily/2026-06-16/download");
        then.status(302)
            .header("location", format!("{}/r.csv?sig=s", store.url));
    });
    let client = EnterpriseClient::builder("my-org", "dckr_oat_SECRET")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .idle_timeout(Duration::from_millis(300))
        .retry(quick().max_attempts(2))
        .build()
        .unwrap();
    let report: enterprise_data_sdk::Report = serde_json::from_value(json!({
        "ReportType": "usage_pulls", "Cadence": "daily", "Date": "2026-06-16", "SizeBytes": 1000, "Key": "k"
    }))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A stall that never times out hangs this test: the harness's bound
    // is generous, a loaded CI machine cannot break it.
    let err = tokio::time::timeout(
        Duration::from_secs(60),
        client.download(&report, dir.path().join("r.csv")),
    )
    .await
    .expect("the stalled body never timed out")
    .unwrap_err();
    assert!(err.to_string().contains("stalled"), "{err}");
    assert_eq!(store.seen().len(), 2, "one retry of the stalled body");
}

#[tokio::test]
async fn a_redirect_to_another_port_never_receives_the_bearer_token() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    hub_with_token(&hub);
    let trap = elsewhere.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({"report_types": []}));
    });
    api.mock(|when, then| {
        when.any_request();
        then.status(307).header("location", elsewhere.url(TYPES));
    });
    let err = client(&hub, &api, quick())
        .report_types()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(307), "{err}");
    assert_eq!(trap.calls_async().await, 0);

    // The DVP client is built the same way.
    let token = jwt("u", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200).json_body(json!({"token": token}));
    });
    let dvp = dvp_sdk::DvpClient::builder(dvp_sdk::Credentials::login("u", "p"))
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .build()
        .unwrap();
    let err = dvp.namespaces().await.unwrap_err();
    assert_eq!(err.status(), Some(307), "{err}");
    assert_eq!(trap.calls_async().await, 0);
}

#[tokio::test]
async fn unknown_fields_are_ignored_and_malformed_json_says_where() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    hub_with_token(&hub);
    api.mock(|when, then| {
        when.method(GET).path(TYPES);
        then.status(200).json_body(json!({
            "report_types": [{"ReportType": "usage_pulls", "Cadence": "hourly", "Region": "eu"}],
            "generated_at": "2026-06-16T00:00:00Z"
        }));
    });
    let types = client(&hub, &api, quick()).report_types().await.unwrap();
    assert_eq!(types[0].cadence, "hourly", "a new cadence is kept as it is");

    let broken = MockServer::start_async().await;
    broken.mock(|when, then| {
        when.method(GET).path(TYPES);
        then.status(200)
            .header("content-type", "application/json")
            .body("{\"report_types\": [}");
    });
    let err = client(&hub, &broken, quick())
        .report_types()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("line 1 column"), "{text}");
}

/// Collects everything tracing writes, at every level.
#[tokio::test]
async fn a_full_run_logs_no_secret() {
    let (_guard, captured) = contract_tests::logs::LogCapture::start();

    let sim = Simulator::start().await.unwrap();
    sim.inject(route::STORE, Fault::DropAfter(2_000), 1);
    sim.inject(route::ENTERPRISE_LIST, Fault::rate_limited(0), 1);
    let dvp = dvp_sdk::DvpClient::builder(dvp_sdk::Credentials::login(
        accounts::DVP_2FA_USER,
        accounts::DVP_2FA_PASSWORD,
    ))
    .otp(dvp_sdk::OtpProvider::fixed(accounts::TOTP_CODE))
    .hub_url(sim.hub_url())
    .api_url(sim.dvp_url())
    .build()
    .unwrap();
    let files: Vec<_> = dvp
        .exports_matching(
            accounts::NAMESPACE,
            dvp_sdk::ExportFilter::new()
                .year(2026)
                .timespan(dvp_sdk::Timespan::Week(2)),
        )
        .try_collect()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    dvp.download(&files[0], dir.path().join("f.csv"))
        .await
        .unwrap();

    let ent = EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .retry(quick())
        .build()
        .unwrap();
    let report = ent.latest("usage_pulls", "daily").await.unwrap().unwrap();
    ent.download(&report, dir.path().join("r.csv"))
        .await
        .unwrap();
    sim.expire_tokens();
    ent.report_types().await.unwrap();
    let debug = format!("{dvp:?} {ent:?} {:?}", files[0]);

    // An error that carries a signed URL and a request, shown with Debug.
    sim.inject(route::STORE, Fault::status(404), 1);
    let missing = dvp
        .download(&files[0], dir.path().join("g.csv"))
        .await
        .unwrap_err();
    sim.inject(route::STORE, Fault::status(500), 10);
    let report_error = ent
        .download(&report, dir.path().join("r2.csv"))
        .await
        .unwrap_err();
    let wrong = EnterpriseClient::builder(accounts::ORG, "dckr_oat_wrong_secret")
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let auth_error = wrong.report_types().await.unwrap_err();
    let debug = format!("{debug} {missing:?} {report_error:?} {auth_error:?} {wrong:?}");
    assert!(!debug.contains("dckr_oat_wrong_secret"), "{debug}");

    let logs = captured.text();
    assert!(
        logs.contains("request") && logs.contains("retrying"),
        "nothing was logged: {logs}"
    );
    // reqwest's own `log` records reach the capture too.
    assert!(
        logs.contains("reqwest"),
        "the log bridge captured nothing: {logs}"
    );
    for (what, secret) in [
        ("password", accounts::DVP_2FA_PASSWORD),
        ("OTP", accounts::TOTP_CODE),
        ("OAT", accounts::OAT),
        ("a JWT or 2FA token", "eyJ"),
        ("a signed URL", "X-Sim-Signature"),
    ] {
        assert!(!logs.contains(secret), "{what} in the logs:\n{logs}");
        assert!(!debug.contains(secret), "{what} in Debug output: {debug}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_with_a_token_expiring_mid_run() {
    let sim = Simulator::start().await.unwrap();
    let client = EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .retry(quick())
        .build()
        .unwrap();
    // The 50th request finds every token expired.
    sim.inject(route::ENTERPRISE_TYPES, Fault::Delay(Duration::ZERO), 49);
    sim.inject(route::ENTERPRISE_TYPES, Fault::ExpireTokens, 1);
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.report_types().await })
        })
        .collect();
    let all = tokio::time::timeout(Duration::from_secs(30), futures::future::join_all(tasks))
        .await
        .expect("deadlock: 200 calls did not finish in 30 s");
    for result in all {
        result.unwrap().unwrap();
    }
    let exchanges = client.token_cache().unwrap().token_requests();
    assert!((1..=2).contains(&exchanges), "{exchanges} token requests");
    assert_eq!(
        exchanges, 2,
        "the expiry mid-run must cause exactly one re-exchange"
    );
}
