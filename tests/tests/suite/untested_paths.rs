//! Behaviour that had no test: downloads against odd servers, the bulk
//! concurrency bound, retry limits, re-auth under concurrency, and the SDK
//! paths that select what to fetch.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use contract_tests::raw_server::{RawServer, Reply};
use contract_tests::{gzip, jwt};
use dvp_sdk::{Credentials, DvpClient};
use futures::TryStreamExt;
use httpmock::{Method::GET, Method::POST, MockServer};
use sdk_core::download::Downloader;
use sdk_core::{RetryPolicy, TokenSource};
use serde_json::json;

fn fast_retry(max_attempts: u32) -> RetryPolicy {
    contract_tests::fast_retry().max_attempts(max_attempts)
}

fn downloader(attempts: u32) -> Downloader {
    contract_tests::downloader(attempts, Duration::from_secs(10))
}

#[tokio::test]
async fn a_server_that_ignores_range_is_read_again_from_zero() {
    let body: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let store = RawServer::start(vec![
        Reply::Truncated {
            body: body[..1200].to_vec(),
            missing: 1800,
        },
        // 200 with the whole object although Range was asked for.
        Reply::Full {
            status: 200,
            headers: vec![],
            body: body.clone(),
        },
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    let written = downloader(3)
        .download(&format!("{}/f", store.url), &dest, Some(3000), None)
        .await
        .unwrap();
    assert_eq!(written, 3000);
    assert_eq!(
        store.seen()[1].header("range").as_deref(),
        Some("bytes=1200-")
    );
    assert_eq!(std::fs::read(&dest).unwrap(), body, "no duplicated prefix");
}

#[tokio::test]
async fn a_416_on_resume_starts_the_object_over() {
    let body = vec![b'z'; 2000];
    let store = RawServer::start(vec![
        Reply::Truncated {
            body: body[..500].to_vec(),
            missing: 1500,
        },
        Reply::Full {
            status: 416,
            headers: vec![("content-range".into(), "bytes */100".into())],
            body: Vec::new(),
        },
        Reply::Full {
            status: 200,
            headers: vec![],
            body: body.clone(),
        },
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    downloader(4)
        .download(&format!("{}/f", store.url), &dest, Some(2000), None)
        .await
        .unwrap();
    let seen = store.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].header("range"), None);
    assert_eq!(std::fs::read(&dest).unwrap(), body);
}

#[tokio::test]
async fn a_gzip_body_cut_mid_way_is_fetched_again_whole_and_a_rerun_skips_it() {
    let plain = "a,b\n".repeat(500);
    let encoded = gzip(plain.as_bytes());
    let headers = vec![("content-encoding".to_owned(), "gzip".to_owned())];
    let store = RawServer::start(vec![
        Reply::TruncatedWith {
            headers: headers.clone(),
            body: encoded[..encoded.len() / 2].to_vec(),
            missing: encoded.len() - encoded.len() / 2,
        },
        Reply::Full {
            status: 200,
            headers,
            body: encoded.clone(),
        },
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    let size = encoded.len() as u64;
    downloader(3)
        .download(&format!("{}/f", store.url), &dest, Some(size), None)
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), plain);
    // A decoded stream cannot resume mid-way: the second request asks for all.
    assert_eq!(store.seen()[1].header("range"), None);
    // The file is complete although its size is the decoded one.
    assert_ne!(std::fs::metadata(&dest).unwrap().len(), size);
    assert!(sdk_core::download::is_complete(&dest, Some(size)).await);
    assert!(!sdk_core::download::is_complete(&dest, Some(size + 1)).await);
}

#[tokio::test]
async fn bulk_downloads_never_have_more_than_n_in_flight() {
    use sdk_core::bulk::{BulkItem, BulkOptions, BulkSummary, download_many};
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<_> = (0..12)
        .map(|i| BulkItem {
            dest: dir.path().join(format!("f{i}")),
            size: None,
            item: i,
        })
        .collect();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let options = BulkOptions::new().concurrency(3);
    let summary = download_many(
        dir.path(),
        items,
        options,
        BulkSummary::default(),
        |_, _dest, _progress| {
            let (in_flight, most) = (in_flight.clone(), most.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok::<u64, std::io::Error>(1)
            }
        },
    )
    .await;
    assert_eq!(summary.downloaded.len(), 12);
    assert_eq!(
        most.load(Ordering::SeqCst),
        3,
        "the bound was not reached or was passed"
    );
}

fn hub_with_token(hub: &MockServer) -> httpmock::Mock<'_> {
    contract_tests::hub_exchanging(hub)
}

#[tokio::test]
async fn retries_stop_when_max_elapsed_is_spent() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    hub_with_token(&hub);
    let unavailable = api.mock(|when, then| {
        when.any_request();
        then.status(503).json_body(json!({"error": "busy"}));
    });
    let client = enterprise_data_sdk::EnterpriseClient::builder("my-org", "dckr_oat_x")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(
            RetryPolicy::new()
                .max_attempts(1000)
                .base_delay(Duration::from_millis(50))
                .max_delay(Duration::from_millis(50))
                .max_elapsed(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    let err = client.report_types().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    let calls = unavailable.calls_async().await;
    assert!(
        calls > 1 && calls < 1000,
        "{calls} attempts: max_elapsed did not stop them"
    );
}

#[tokio::test]
async fn connect_errors_of_api_calls_are_retried() {
    // A port nothing listens on: every attempt is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (_guard, logs) = contract_tests::logs::LogCapture::start();
    let hub = MockServer::start_async().await;
    hub_with_token(&hub);
    let client = enterprise_data_sdk::EnterpriseClient::builder("my-org", "dckr_oat_x")
        .hub_url(hub.base_url())
        .api_url(url)
        .retry(fast_retry(3))
        .build()
        .unwrap();
    let err = client.report_types().await.unwrap_err();
    assert!(err.to_string().contains("network error"), "{err}");
    // The cause is kept along the chain, down to reqwest's error.
    let transport = std::error::Error::source(&err).expect("the transport error is kept");
    assert!(
        transport
            .downcast_ref::<reqwest::Error>()
            .is_some_and(|e| e.is_connect())
    );
    let text = logs.text();
    assert_eq!(text.matches("retrying").count(), 2, "{text}");
    assert!(text.contains("attempt=3"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_under_concurrency_makes_one_new_login_for_everyone() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let (old, new) = (
        jwt("old", Duration::from_secs(600)),
        jwt("new", Duration::from_secs(600)),
    );
    let first = hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200).json_body(json!({"token": old}));
    });
    api.mock(|when, then| {
        when.method(GET)
            .path("/")
            .header("authorization", format!("Bearer {old}"));
        then.status(401)
            .json_body(json!({"detail": "token revoked"}));
    });
    let fresh = api.mock(|when, then| {
        when.method(GET)
            .path("/")
            .header("authorization", format!("Bearer {new}"));
        then.status(200).json_body(json!({"namespaces": ["acme"]}));
    });
    let client = DvpClient::builder(Credentials::login("alice", "pw"))
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(fast_retry(3))
        .build()
        .unwrap();
    client.token_cache().token().await.unwrap();
    // From now on the Hub gives the new token.
    first.delete_async().await;
    let second = hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200)
            .delay(Duration::from_millis(50))
            .json_body(json!({"token": new}));
    });
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.namespaces().await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), ["acme"]);
    }
    assert_eq!(second.calls_async().await, 1, "one login for twenty 401s");
    assert_eq!(fresh.calls_async().await, 20);
}

#[tokio::test]
async fn an_export_filter_walks_only_what_it_keeps() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    contract_tests::hub_logging_in(&hub);
    api.mock(|when, then| {
        when.method(GET).path("/namespaces/acme");
        // An unknown timespan type is skipped, never requested.
        then.status(200)
            .json_body(json!({"namespace": "acme", "datasets": [
                {"name": "pulls", "views": ["raw", "summary"], "timespans": ["months", "quarters"]}
            ]}));
    });
    api.mock(|when, then| {
        when.method(GET)
            .path("/namespaces/acme/pulls/exports/years");
        then.status(200)
            .json_body(json!({"years": [{"year": 2025}, {"year": 2026}]}));
    });
    let months_2026 = api.mock(|when, then| {
        when.method(GET)
            .path("/namespaces/acme/pulls/exports/years/2026/months");
        then.status(200)
            .json_body(json!({"months": [{"month": 1}, {"month": 2}]}));
    });
    let other_year = api.mock(|when, then| {
        when.method(GET)
            .path_matches(regex::Regex::new("^/namespaces/acme/pulls/exports/years/2025").unwrap());
        then.status(200)
            .json_body(json!({"months": [{"month": 1}]}));
    });
    let quarters = api.mock(|when, then| {
        when.method(GET)
            .path_matches(regex::Regex::new("quarters").unwrap());
        then.status(200).json_body(json!({}));
    });
    let summary_feb = api.mock(|when, then| {
        when.method(GET)
            .path("/namespaces/acme/pulls/exports/years/2026/months/2/summary");
        then.status(200)
            .json_body(json!({"data": [{"url": "https://store.example/s.csv?sig=x", "size": 10}]}));
    });
    let other_files = api.mock(|when, then| {
        when.method(GET).path_matches(
            regex::Regex::new("^/namespaces/acme/pulls/exports/years/2026/months/(1/|2/raw)")
                .unwrap(),
        );
        then.status(200).json_body(json!({"data": []}));
    });
    let client = DvpClient::builder(Credentials::login("alice", "pw"))
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(fast_retry(1))
        .build()
        .unwrap();
    let filter = dvp_sdk::ExportFilter::new()
        .year(2026)
        .timespan(dvp_sdk::Timespan::Month(2))
        .dataview(dvp_sdk::Dataview::Summary);
    let files: Vec<_> = client
        .exports_matching("acme", filter)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(
        (files[0].year, files[0].timespan, files[0].dataview.clone()),
        (
            2026,
            dvp_sdk::Timespan::Month(2),
            dvp_sdk::Dataview::Summary
        )
    );
    assert_eq!(months_2026.calls_async().await, 1);
    assert_eq!(summary_feb.calls_async().await, 1);
    assert_eq!(
        other_year.calls_async().await,
        0,
        "a filtered-out year was walked"
    );
    assert_eq!(
        other_files.calls_async().await,
        0,
        "a filtered-out month or view was listed"
    );
    assert_eq!(
        quarters.calls_async().await,
        0,
        "an unknown timespan type was requested"
    );
}

#[tokio::test]
async fn a_date_range_downloads_only_its_reports_and_stops_paging_past_it() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let store = MockServer::start_async().await;
    hub_with_token(&hub);
    let report = |date: &str| json!({"ReportType": "usage_pulls", "Cadence": "daily", "Date": date, "SizeBytes": 4, "Key": "k"});
    const LIST: &str = "/orgs/my-org/reports/usage_pulls/daily";
    api.mock(|when, then| {
        when.method(GET).path(LIST).query_param_missing("page_token");
        then.status(200).json_body(json!({"reports": [report("2026-06-30"), report("2026-06-29"), report("2026-06-28")], "next_page_token": "p2"}));
    });
    let page2 = api.mock(|when, then| {
        when.method(GET).path(LIST).query_param("page_token", "p2");
        then.status(200).json_body(json!({"reports": [report("2026-06-27"), report("2026-06-26")], "next_page_token": "p3"}));
    });
    let page3 = api.mock(|when, then| {
        when.method(GET).path(LIST).query_param("page_token", "p3");
        then.status(200)
            .json_body(json!({"reports": [report("2026-06-25")], "next_page_token": ""}));
    });
    let redirects = api.mock(|when, then| {
        when.method(GET)
            .path_matches(regex::Regex::new("/download$").unwrap());
        then.status(302)
            .header("location", format!("{}/r.csv?sig=x", store.base_url()));
    });
    store.mock(|when, then| {
        when.method(GET).path("/r.csv");
        then.status(200).body("a,b\n");
    });
    let client = enterprise_data_sdk::EnterpriseClient::builder("my-org", "dckr_oat_x")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(fast_retry(1))
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
    let summary = client
        .download_range(
            "usage_pulls",
            "daily",
            Some(day(27)),
            Some(day(29)),
            dir.path(),
            Default::default(),
            enterprise_data_sdk::Format::Csv,
        )
        .await
        .unwrap();
    let names: Vec<String> = summary
        .downloaded
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["2026-06-27.csv", "2026-06-28.csv", "2026-06-29.csv"]
    );
    assert_eq!(redirects.calls_async().await, 3);
    assert_eq!(page2.calls_async().await, 1);
    assert_eq!(
        page3.calls_async().await,
        0,
        "paging went on past a date before `from`"
    );
}

#[tokio::test]
async fn enterprise_stream_rows_and_stream_row_reader_type_each_row_from_the_network() {
    let sim = simulator::Simulator::start().await.unwrap();
    let client = enterprise_data_sdk::EnterpriseClient::builder(
        simulator::accounts::ORG,
        simulator::accounts::OAT,
    )
    .hub_url(sim.hub_url())
    .api_url(sim.enterprise_url())
    .build()
    .unwrap();
    let report = client
        .latest("usage_pulls", "daily")
        .await
        .unwrap()
        .unwrap();
    let schema = client.schema(&report).await.unwrap();
    let rows: Vec<_> = client
        .stream_rows(&report, &schema)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len() as u64, sim.config().enterprise_rows);
    use enterprise_data_sdk::rows::ValueRef;
    assert!(rows.iter().all(|r| matches!(r.get("event_date"), Some(ValueRef::Date(d)) if d.to_string() == report.date.to_string())));
    assert!(
        rows.iter()
            .all(|r| matches!(r.get("pull_count"), Some(ValueRef::Integer(n)) if n >= 0))
    );

    // The same rows lent, one at a time.
    let mut reader = client.stream_row_reader(&report, &schema).await.unwrap();
    // Spawned: the reader and its futures are Send.
    let lent = tokio::spawn(async move {
        let mut lent = Vec::new();
        while let Some(row) = reader.next_row_async().await {
            let row = row.unwrap();
            lent.push((row.line(), row.to_row()));
        }
        lent
    })
    .await
    .unwrap();
    assert!(lent.iter().map(|(_, row)| row).eq(rows.iter()));
    // Lines count from the header's.
    assert!(
        lent.iter()
            .enumerate()
            .all(|(i, (line, _))| *line == i as u64 + 2)
    );
}
