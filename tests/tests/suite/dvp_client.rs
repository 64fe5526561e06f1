//! The DVP SDK against httpmock (and a raw server for dropped connections):
//! login with 2FA, token caching and refresh, re-auth on 401, discovery and
//! downloads.

use std::sync::Arc;
use std::time::Duration;

use contract_tests::jwt;
use contract_tests::raw_server::{RawServer, Reply};
use dvp_sdk::{BulkOptions, Credentials, Dataview, DvpClient, ExportFilter, OtpProvider, Timespan};
use futures::TryStreamExt;
use httpmock::{Method::GET, Method::POST, MockServer};
use serde_json::json;

use contract_tests::fast_retry;

fn client(hub: &MockServer, api: &str, otp: Option<OtpProvider>) -> DvpClient {
    let mut builder = DvpClient::builder(Credentials::login("alice", "s3cret-password"))
        .hub_url(hub.base_url())
        .api_url(api)
        .retry(fast_retry());
    if let Some(otp) = otp {
        builder = builder.otp(otp);
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn login_with_two_factor_then_call_with_the_token() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let token = jwt("alice", Duration::from_secs(600));
    let login = hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/users/login")
            .json_body(json!({"username": "alice", "password": "s3cret-password"}));
        then.status(401).json_body(
            json!({"detail": "Require secondary authentication", "login_2fa_token": "challenge-1"}),
        );
    });
    let second = hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/users/2fa-login")
            .json_body(json!({"login_2fa_token": "challenge-1", "code": "123456"}));
        then.status(200).json_body(json!({"token": token}));
    });
    let namespaces = api.mock(|when, then| {
        when.method(GET)
            .path("/")
            .header("authorization", format!("Bearer {token}"));
        then.status(200).json_body(json!({"namespaces": ["acme"]}));
    });

    let client = client(&hub, &api.base_url(), Some(OtpProvider::fixed("123456")));
    assert_eq!(client.namespaces().await.unwrap(), ["acme"]);
    login.assert_async().await;
    second.assert_async().await;
    namespaces.assert_async().await;
}

#[tokio::test]
async fn two_factor_without_a_code_provider_says_what_to_do() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(401).json_body(
            json!({"detail": "Require secondary authentication", "login_2fa_token": "c"}),
        );
    });
    let data = api.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({"namespaces": []}));
    });
    let err = client(&hub, &api.base_url(), None)
        .namespaces()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("two-factor"), "{text}");
    assert!(
        text.contains("--otp") || text.contains("with_otp"),
        "{text}"
    );
    assert!(!text.contains("s3cret-password"), "{text}");
    assert_eq!(data.calls_async().await, 0);
}

/// A clock that moves only when the test says so.
fn test_clock() -> (sdk_core::Clock, Arc<std::sync::atomic::AtomicU64>) {
    let start = std::time::SystemTime::now();
    let offset = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let read = offset.clone();
    let clock = sdk_core::Clock::from_fn(move || {
        start + Duration::from_secs(read.load(std::sync::atomic::Ordering::SeqCst))
    });
    (clock, offset)
}

#[tokio::test]
async fn token_is_reused_until_the_refresh_margin_then_refreshed() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    // A real expiry ten minutes out; the default margin is 60 s.
    let token = jwt("alice", Duration::from_secs(600));
    let login = hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200).json_body(json!({"token": token}));
    });
    api.mock(|when, then| {
        when.method(GET).path("/");
        then.status(200).json_body(json!({"namespaces": []}));
    });
    let (clock, offset) = test_clock();
    let client = DvpClient::builder(Credentials::login("alice", "pw"))
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(fast_retry())
        .clock(clock)
        .build()
        .unwrap();
    client.namespaces().await.unwrap();
    // 530 s later: more than the margin is left, the token is reused.
    offset.store(530, std::sync::atomic::Ordering::SeqCst);
    client.namespaces().await.unwrap();
    assert_eq!(login.calls_async().await, 1, "logged in again too early");
    // 545 s later: less than 60 s is left, a new token is fetched.
    offset.store(545, std::sync::atomic::Ordering::SeqCst);
    client.namespaces().await.unwrap();
    assert_eq!(
        login.calls_async().await,
        2,
        "not refreshed within the margin"
    );
}

#[tokio::test]
async fn a_hundred_concurrent_calls_on_an_empty_cache_log_in_once() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let token = jwt("alice", Duration::from_secs(600));
    let login = hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200)
            .json_body(json!({"token": token}))
            .delay(Duration::from_millis(100));
    });
    let calls = api.mock(|when, then| {
        when.method(GET).path("/");
        then.status(200).json_body(json!({"namespaces": ["acme"]}));
    });
    let client = client(&hub, &api.base_url(), None);
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.namespaces().await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(login.calls_async().await, 1);
    assert_eq!(client.token_cache().token_requests(), 1);
    assert_eq!(calls.calls_async().await, 100);
}

#[tokio::test]
async fn a_401_drops_the_token_logs_in_again_and_resends_once() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let first = jwt("first", Duration::from_secs(600));
    let second = jwt("second", Duration::from_secs(600));
    // The first login answers `first`, every later one `second`.
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200)
            .json_body(json!({"token": first}))
            .up_to_n_times(1);
    });
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200).json_body(json!({"token": second}));
    });
    let rejected = api.mock(|when, then| {
        when.method(GET)
            .path("/")
            .header("authorization", format!("Bearer {first}"));
        then.status(401)
            .json_body(json!({"detail": "token revoked"}));
    });
    let accepted = api.mock(|when, then| {
        when.method(GET)
            .path("/")
            .header("authorization", format!("Bearer {second}"));
        then.status(200).json_body(json!({"namespaces": ["acme"]}));
    });
    let client = client(&hub, &api.base_url(), None);
    assert_eq!(client.namespaces().await.unwrap(), ["acme"]);
    assert_eq!(client.token_cache().token_requests(), 2);
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 1);
    // The fresh token is cached: no further login.
    client.namespaces().await.unwrap();
    assert_eq!(client.token_cache().token_requests(), 2);
}

/// Two clients in a row, as two runs of a command are: the second uses
/// the token the first saved, without logging in or asking for a code; a
/// saved token the API rejects is replaced, in the store too.
#[tokio::test]
async fn a_token_store_carries_the_token_to_the_next_run_and_drops_a_rejected_one() {
    use sdk_core::TokenStore as _;
    use secrecy::ExposeSecret as _;
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let first = jwt("first", Duration::from_secs(600));
    let second = jwt("second", Duration::from_secs(600));
    let login = hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(401).json_body(
            json!({"detail": "Require secondary authentication", "login_2fa_token": "c"}),
        );
    });
    let codes = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let otp = {
        let codes = codes.clone();
        OtpProvider::new(move || {
            let codes = codes.clone();
            async move {
                let n = codes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, String>(if n == 0 {
                    "111111".into()
                } else {
                    "222222".into()
                })
            }
        })
    };
    hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/users/2fa-login")
            .json_body_includes(r#"{"code":"111111"}"#);
        then.status(200).json_body(json!({"token": first}));
    });
    hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/users/2fa-login")
            .json_body_includes(r#"{"code":"222222"}"#);
        then.status(200).json_body(json!({"token": second}));
    });
    let with_first = api.mock(|when, then| {
        when.method(GET)
            .path("/")
            .header("authorization", format!("Bearer {first}"));
        then.status(200).json_body(json!({"namespaces": ["acme"]}));
    });
    let dir = tempfile::tempdir().unwrap();
    let store = sdk_core::FileTokenStore::new(dir.path());
    let run = || {
        DvpClient::builder(Credentials::login("alice", "s3cret-password"))
            .hub_url(hub.base_url())
            .api_url(api.base_url())
            .retry(fast_retry())
            .token_store(store.clone())
            .otp(otp.clone())
            .build()
            .unwrap()
    };
    assert_eq!(run().namespaces().await.unwrap(), ["acme"]);
    let next = run();
    assert_eq!(next.namespaces().await.unwrap(), ["acme"]);
    assert_eq!(
        next.token_cache().token_requests(),
        0,
        "no login in the second run"
    );
    assert_eq!(login.calls_async().await, 1);
    assert_eq!(
        codes.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one code asked for"
    );
    assert_eq!(with_first.calls_async().await, 2);

    // The saved token is revoked: the next run is refused once, logs in
    // again, and the store then holds the new token.
    with_first.delete_async().await;
    api.mock(|when, then| {
        when.method(GET)
            .path("/")
            .header("authorization", format!("Bearer {first}"));
        then.status(401)
            .json_body(json!({"detail": "token revoked"}));
    });
    api.mock(|when, then| {
        when.method(GET)
            .path("/")
            .header("authorization", format!("Bearer {second}"));
        then.status(200).json_body(json!({"namespaces": ["acme"]}));
    });
    let third = run();
    assert_eq!(third.namespaces().await.unwrap(), ["acme"]);
    assert_eq!(
        third.token_cache().token_requests(),
        2,
        "login and second factor"
    );
    let key = hub_auth::token_cache::store_key(&hub.base_url(), "alice");
    assert_eq!(store.load(&key).unwrap().expose_secret(), second);
}

#[tokio::test]
async fn a_second_401_is_an_error_with_the_servers_message() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let token = jwt("only", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200).json_body(json!({"token": token}));
    });
    let rejected = api.mock(|when, then| {
        when.method(GET).path("/");
        then.status(401)
            .json_body(json!({"detail": "token revoked"}));
    });
    let client = client(&hub, &api.base_url(), None);
    let err = client.namespaces().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("token revoked") && text.contains("listing namespaces"),
        "{text}"
    );
    assert!(
        !text.contains(&token),
        "the token leaked into the error: {text}"
    );
    assert_eq!(
        client.token_cache().token_requests(),
        2,
        "exactly one re-login"
    );
    assert_eq!(rejected.calls_async().await, 2, "exactly one resend");
}

/// An API with one namespace, one year, one month and one raw file hosted
/// on `store`.
fn export_api(api: &MockServer, store_url: &str, size: usize) {
    api.mock(|when, then| {
        when.method(GET).path("/namespaces/acme");
        then.status(200).json_body(json!({"namespace": "acme", "datasets": [{"name": "pulls", "views": ["raw"], "timespans": ["months"]}]}));
    });
    api.mock(|when, then| {
        when.method(GET)
            .path("/namespaces/acme/pulls/exports/years");
        then.status(200)
            .json_body(json!({"years": [{"year": 2026}]}));
    });
    api.mock(|when, then| {
        when.method(GET)
            .path("/namespaces/acme/pulls/exports/years/2026/months");
        then.status(200)
            .json_body(json!({"months": [{"month": 6}]}));
    });
    api.mock(|when, then| {
        when.method(GET).path("/namespaces/acme/pulls/exports/years/2026/months/6/raw");
        then.status(200).json_body(json!({"data": [{"url": format!("{store_url}/files/acme-2026-06-raw.csv?X-Amz-Signature=sig"), "size": size}]}));
    });
}

fn logged_in_hub(hub: &MockServer) {
    let token = jwt("alice", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200).json_body(json!({"token": token}));
    });
}

const CSV: &str =
    "timestamp,namespace,repository,action\n2026-06-01T00:00:00Z,acme,web,pull_by_tag\n";

#[tokio::test]
async fn exports_are_discovered_and_downloaded_without_authorization_and_reruns_fetch_nothing() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let store = MockServer::start_async().await;
    logged_in_hub(&hub);
    export_api(&api, &store.base_url(), CSV.len());
    let with_auth = store.mock(|when, then| {
        when.header_exists("authorization");
        then.status(400).body("credentials must not be sent here");
    });
    let file = store.mock(|when, then| {
        when.method(GET)
            .path("/files/acme-2026-06-raw.csv")
            .query_param("X-Amz-Signature", "sig")
            .header_missing("authorization");
        then.status(200).body(CSV);
    });
    let client = client(&hub, &api.base_url(), None);

    let files: Vec<_> = client.exports("acme").try_collect().await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(
        (files[0].year, files[0].timespan, files[0].dataview.clone()),
        (2026, Timespan::Month(6), Dataview::Raw)
    );
    assert!(
        !format!("{:?}", files[0]).contains("sig"),
        "signed query in Debug output"
    );

    let dir = tempfile::tempdir().unwrap();
    let progress = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = progress.clone();
    let options =
        sdk_core::bulk::BulkOptions::new().progress(move |p| seen.lock().unwrap().push(p));
    let summary = client
        .download_all(
            "acme",
            ExportFilter::new(),
            dir.path(),
            options.clone(),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(summary.downloaded.len(), 1);
    let path = dir.path().join("acme/2026/month-06/raw.csv");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CSV);
    let last = *progress.lock().unwrap().last().unwrap();
    assert_eq!(
        (last.files_done, last.bytes_done, last.bytes_total),
        (1, CSV.len() as u64, CSV.len() as u64)
    );
    assert_eq!(with_auth.calls_async().await, 0);
    assert_eq!(file.calls_async().await, 1);

    let rows: Vec<_> = dvp_sdk::rows::raw_rows(&path)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows[0].repository(), Some("web"));

    let again = client
        .download_all(
            "acme",
            ExportFilter::new(),
            dir.path(),
            options,
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!((again.downloaded.len(), again.skipped.len()), (0, 1));
    assert_eq!(
        file.calls_async().await,
        1,
        "the rerun fetched the file again"
    );
}

#[tokio::test]
async fn a_truncated_body_leaves_no_file_and_says_so() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let store = RawServer::start(vec![Reply::Truncated {
        body: b"timestamp,namespace\n2026".to_vec(),
        missing: 100,
    }])
    .await;
    logged_in_hub(&hub);
    export_api(&api, &store.url, 124);
    let client = DvpClient::builder(Credentials::login("alice", "pw"))
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(fast_retry().max_attempts(2))
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = client
        .download_all(
            "acme",
            ExportFilter::new(),
            dir.path(),
            BulkOptions::new(),
            Default::default(),
        )
        .await
        .unwrap();
    assert!(summary.downloaded.is_empty() && !summary.is_success());
    assert_eq!(summary.failed.len(), 1, "{summary:?}");
    assert_eq!(summary.failed[0].item, "acme/2026/month-06/raw.csv");
    let text = summary.failed[0].reason.clone();
    assert!(text.contains("gave up after 2 attempts"), "{text}");
    assert!(
        !text.contains("X-Amz-Signature=sig"),
        "signed URL in the error: {text}"
    );
    let final_path = dir.path().join("acme/2026/month-06/raw.csv");
    assert!(
        !final_path.exists(),
        "a partial file sits at the final name"
    );
    assert!(
        !sdk_core::download::part_path(&final_path).exists(),
        "the .part file was left behind"
    );
}

#[tokio::test]
async fn a_dropped_connection_is_resumed_with_range() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let body = CSV.repeat(50).into_bytes();
    let half = body[..body.len() / 2].to_vec();
    let store = RawServer::start(vec![
        Reply::Truncated {
            body: half.clone(),
            missing: body.len() - half.len(),
        },
        Reply::Ranged { body: body.clone() },
    ])
    .await;
    logged_in_hub(&hub);
    export_api(&api, &store.url, body.len());
    let client = client(&hub, &api.base_url(), None);
    let dir = tempfile::tempdir().unwrap();
    client
        .download_all(
            "acme",
            ExportFilter::new(),
            dir.path(),
            BulkOptions::new(),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("acme/2026/month-06/raw.csv")).unwrap(),
        body
    );
    let seen = store.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].header("range"),
        Some(format!("bytes={}-", half.len()))
    );
    assert!(seen.iter().all(|s| s.header("authorization").is_none()));
}

#[tokio::test]
async fn bad_arguments_are_refused_before_anything_is_sent() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let anything_hub = hub.mock(|when, then| {
        when.any_request();
        then.status(200)
            .json_body(json!({"token": jwt("x", Duration::from_secs(600))}));
    });
    let anything_api = api.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({}));
    });
    let client = client(&hub, &api.base_url(), None);
    for namespace in ["", "acme/web", "../etc", "ac me"] {
        let err = client.years(namespace).await.unwrap_err();
        assert!(
            err.kind() == dvp_sdk::ErrorKind::InvalidInput
                && err.operation() == "invalid namespace",
            "{namespace:?}: {err}"
        );
    }
    let err = client
        .files("acme", 2026, Timespan::Month(13), Dataview::Raw)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("month"), "{err}");
    let err = client
        .timespan("acme", 2026, Timespan::Week(0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("week"), "{err}");
    // A filter no export can match is refused, not walked to an empty list.
    for filter in [
        dvp_sdk::ExportFilter::new().year(1999),
        dvp_sdk::ExportFilter::new().timespan(Timespan::Month(13)),
    ] {
        let err = client.export_listing("acme", filter).await.unwrap_err();
        assert!(err.kind() == dvp_sdk::ErrorKind::InvalidInput, "{err}");
    }
    assert_eq!(anything_hub.calls_async().await, 0);
    assert_eq!(anything_api.calls_async().await, 0);
}

#[tokio::test]
async fn path_segments_are_percent_encoded_and_a_new_dataview_is_kept() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    logged_in_hub(&hub);
    let meta = api.mock(|when, then| {
        when.method(GET).path("/namespaces/caf%C3%A9");
        then.status(200).json_body(json!({"namespace": "café", "datasets": [{"name": "pulls", "views": ["raw", "hourly"], "timespans": ["months", "days"]}]}));
    });
    let client = client(&hub, &api.base_url(), None);
    let metadata = client.namespace("café").await.unwrap();
    meta.assert_async().await;
    let views = &metadata.datasets[0].views;
    assert_eq!(views[1], Dataview::Other("hourly".into()));
    assert_eq!(
        serde_json::to_value(views).unwrap(),
        json!(["raw", "hourly"])
    );
}

#[tokio::test]
async fn a_gzip_encoded_body_is_decoded_on_disk_and_in_streamed_rows() {
    use std::io::Write as _;
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let (header, row) = CSV.split_at(CSV.find('\n').unwrap() + 1);
    let plain = format!("{header}{}", row.repeat(20));
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(plain.as_bytes()).unwrap();
    let gz = encoder.finish().unwrap();
    let store = RawServer::start(vec![Reply::Full {
        status: 200,
        headers: vec![("content-encoding".into(), "gzip".into())],
        body: gz.clone(),
    }])
    .await;
    logged_in_hub(&hub);
    // The API announces the stored (compressed) size.
    export_api(&api, &store.url, gz.len());
    let client = client(&hub, &api.base_url(), None);
    let files: Vec<_> = client.exports("acme").try_collect().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("raw.csv");
    client.download(&files[0], &dest).await.unwrap();
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), plain);

    let rows: Vec<_> = client
        .stream_rows::<dvp_sdk::rows::RawDecoder>(&files[0])
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|r| r.repository() == Some("web")));
}

#[tokio::test]
async fn settings_made_on_the_builder_serve_every_clone() {
    use sdk_core::TokenSource;
    let hub = MockServer::start_async().await;
    let token = jwt("alice", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(401)
            .json_body(json!({"detail": "2FA", "login_2fa_token": "c"}));
    });
    hub.mock(|when, then| {
        when.method(POST)
            .path("/v2/users/2fa-login")
            .json_body(json!({"login_2fa_token": "c", "code": "111111"}));
        then.status(200).json_body(json!({"token": token}));
    });
    let http = sdk_core::http::client_builder().build().unwrap();
    let cache =
        hub_auth::TokenCache::builder(&hub.base_url(), Credentials::login("alice", "pw"), http)
            .retry(fast_retry())
            .otp(OtpProvider::fixed("111111"))
            .build();
    let clone = cache.clone();
    assert!(clone.token().await.is_ok(), "the clone lost the provider");
    assert_eq!(cache.token_requests(), 2, "login and second factor, shared");
}

/// A hub that logs `alice` in, and the client for it.
async fn logged_in(api: &MockServer) -> (MockServer, DvpClient) {
    let hub = MockServer::start_async().await;
    let token = jwt("alice", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200).json_body(json!({"token": token}));
    });
    let client = client(&hub, &api.base_url(), None);
    (hub, client)
}

#[tokio::test]
async fn fifty_one_repos_take_exactly_two_requests_and_merge() {
    let api = MockServer::start_async().await;
    let (_hub, client) = logged_in(&api).await;
    let repos: Vec<String> = (0..51).map(|i| format!("acme/repo-{i:02}")).collect();
    // Each request answers for the repos it named, so the merge is visible.
    let mut mocks = Vec::new();
    for chunk in repos.chunks(dvp_sdk::MAX_REPOS_PER_REQUEST) {
        let answer: serde_json::Map<String, serde_json::Value> = chunk
            .iter()
            .map(|r| (r.clone(), json!({"pulls": [{"repo": r, "pullCount": 1}]})))
            .collect();
        let chunk = chunk.to_vec();
        mocks.push(api.mock(|when, then| {
            let when = when.method(GET).path("/repos/pulls").query_param_count(
                "^repos$",
                ".*",
                chunk.len(),
            );
            chunk
                .iter()
                .fold(when, |when, r| when.query_param("repos", r));
            then.status(200).json_body(json!({"repos": answer}));
        }));
    }
    // Duplicates are dropped before splitting: still two requests.
    let mut asked = repos.clone();
    asked.extend(repos.iter().take(5).cloned());
    let pulls = client
        .repos_pulls(&asked, &dvp_sdk::PullsQuery::new())
        .await
        .unwrap();
    assert_eq!(mocks[0].calls_async().await, 1);
    assert_eq!(mocks[1].calls_async().await, 1);
    let mut expected = repos.clone();
    expected.sort();
    assert_eq!(pulls.keys().cloned().collect::<Vec<_>>(), expected);
    assert_eq!(pulls["acme/repo-50"][0].pull_count, Some(1));
}

#[tokio::test]
async fn no_repos_or_a_bad_name_fails_before_any_request() {
    let api = MockServer::start_async().await;
    let (_hub, client) = logged_in(&api).await;
    let any = api.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({"repos": {}}));
    });
    let none: [&str; 0] = [];
    let err = client
        .repos_pulls(none, &dvp_sdk::PullsQuery::new())
        .await
        .unwrap_err();
    assert!(err.kind() == dvp_sdk::ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("empty"), "{err}");
    let err = client
        .repos_pulls(["acme/web", "no-namespace"], &dvp_sdk::PullsQuery::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no-namespace"), "{err}");
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn a_failed_chunk_fails_the_call_and_says_which_request() {
    let api = MockServer::start_async().await;
    let (_hub, client) = logged_in(&api).await;
    api.mock(|when, then| {
        when.method(GET).path("/repos/pulls");
        then.status(403)
            .json_body(json!({"detail": "not a publisher"}));
    });
    let err = client
        .repos_pulls(["acme/web"], &dvp_sdk::PullsQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("request 1 of 1"), "{err}");
    assert!(err.to_string().contains("not a publisher"), "{err}");
}
