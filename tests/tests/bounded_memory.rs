//! A 500 whose body is 200 MB fails quickly and in little memory: error
//! bodies are read only up to a cap, for API calls and for the object
//! store alike. Alone in its test binary, so that the process's peak memory
//! (`VmHWM`) measures this test only.

use std::time::Duration;

use contract_tests::jwt;
use contract_tests::raw_server::{RawServer, Reply};
use httpmock::{Method::POST, MockServer};
use sdk_core::RetryPolicy;

/// Peak resident memory of this process, in bytes.
#[cfg(target_os = "linux")]
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_500_with_a_200_mb_body_is_read_only_up_to_the_cap() {
    const BODY: usize = 200 << 20;
    let hub = MockServer::start_async().await;
    let token = jwt("alice", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200)
            .json_body(serde_json::json!({"token": token}));
    });
    let api = RawServer::start(vec![Reply::Huge {
        status: 500,
        len: BODY,
    }])
    .await;
    let client = dvp_sdk::DvpClient::builder(dvp_sdk::Credentials::login("alice", "pw"))
        .hub_url(hub.base_url())
        .api_url(&api.url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let before = peak_memory();
    let err = client.namespaces().await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err}");

    // The object store's error answers are capped the same way.
    let store = RawServer::start(vec![Reply::Huge {
        status: 500,
        len: BODY,
    }])
    .await;
    let loader = contract_tests::downloader(1, Duration::from_secs(10));
    let dir = tempfile::tempdir().unwrap();
    let err = loader
        .download(
            &format!("{}/f.csv", store.url),
            &dir.path().join("f"),
            None,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500), "{err}");

    let grown = peak_memory().saturating_sub(before);
    assert!(
        grown < (BODY as u64) / 8,
        "peak memory grew by {grown} bytes for a {BODY}-byte error body"
    );
}
