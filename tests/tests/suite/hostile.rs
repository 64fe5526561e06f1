//! Servers that misbehave the way a broken, overloaded or compromised API or
//! object store can: names that try to leave the output folder, advertised
//! data that is not there, silence, endless pages, bodies larger than they
//! should be, objects that change between attempts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use contract_tests::raw_server::{RawServer, Reply};
use contract_tests::{downloader, gzip, jwt};
use dvp_sdk::{BulkOptions, Credentials, DvpClient, ExportFilter};
use futures::TryStreamExt;
use httpmock::{Method::GET, Method::POST, MockServer};
use sdk_core::RetryPolicy;
use serde_json::json;

fn fast_retry(max_attempts: u32) -> RetryPolicy {
    contract_tests::fast_retry().max_attempts(max_attempts)
}

/// Fails the test instead of hanging it when a timeout does not fire.
async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .unwrap_or_else(|_| panic!("{what} never finished"))
}

/// Every file under `dir`, recursively.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            found.extend(all_files(&path));
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}

const CSV: &str = "namespace,repository,unique_ip_count\nacme,acme/web,3\n";

/// A DVP API whose namespace `acme` advertises `views` for June 2026; each
/// view's listing points at one file on `store` (except those in
/// `missing`, which answer 404).
struct Dvp {
    _hub: MockServer,
    api: MockServer,
    store: MockServer,
    client: DvpClient,
}

impl Dvp {
    /// The store's one file; the mock counts its fetches.
    fn serve_file(&self) -> httpmock::Mock<'_> {
        self.store.mock(|when, then| {
            when.method(GET).path("/export.csv");
            then.status(200).body(CSV);
        })
    }
}

async fn dvp_advertising(views: &[&str], missing: &[&str]) -> Dvp {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let store = MockServer::start_async().await;
    contract_tests::hub_logging_in(&hub);
    api.mock(|when, then| {
        when.method(GET).path("/namespaces/acme");
        then.status(200).json_body(json!({
            "namespace": "acme",
            "extraRepos": [],
            "datasets": [{"name": "pulls", "views": views, "timespans": ["months"]}],
        }));
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
    for view in missing {
        let encoded = view.replace('/', "%2F");
        api.mock(|when, then| {
            when.method(GET).path(format!(
                "/namespaces/acme/pulls/exports/years/2026/months/6/{encoded}"
            ));
            then.status(404)
                .json_body(json!({"detail": "no such dataview"}));
        });
    }
    let url = format!("{}/export.csv?X-Amz-Signature=sig", store.base_url());
    api.mock(|when, then| {
        when.method(GET).path_matches(
            regex::Regex::new("^/namespaces/acme/pulls/exports/years/2026/months/6/.+$").unwrap(),
        );
        then.status(200)
            .json_body(json!({"data": [{"url": url, "size": CSV.len()}]}));
    });
    let client = DvpClient::builder(Credentials::login("alice", "pw"))
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(fast_retry(3))
        .build()
        .unwrap();
    Dvp {
        _hub: hub,
        api,
        store,
        client,
    }
}

#[tokio::test]
async fn view_names_from_the_server_never_choose_where_files_go() {
    let hostile = ["raw", "../x", "/abs/x", "a\\b", "sub/../../x", "raw"];
    let env = dvp_advertising(&hostile, &[]).await;
    let file = env.serve_file();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let summary = env
        .client
        .download_all(
            "acme",
            ExportFilter::new(),
            &out,
            BulkOptions::new(),
            Default::default(),
        )
        .await
        .unwrap();

    // Nothing anywhere in the temp tree but the one valid file.
    let raw = out.join("acme/2026/month-06/raw.csv");
    assert_eq!(all_files(tmp.path()), std::slice::from_ref(&raw));
    assert_eq!(std::fs::read_to_string(&raw).unwrap(), CSV);
    // The duplicate `raw` was fetched once.
    assert_eq!(summary.downloaded, [raw]);
    assert_eq!(file.calls_async().await, 1);
    // Each refused name is reported, by name.
    let reasons: Vec<&str> = summary.failed.iter().map(|f| f.reason.as_str()).collect();
    assert_eq!(reasons.len(), 4, "{summary:?}");
    for bad in ["../x", "/abs/x", "a\\b", "sub/../../x"] {
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("dataview") && r.contains(&format!("{bad:?}"))),
            "{bad} not reported: {reasons:?}"
        );
    }
    assert!(!summary.is_success());
    drop(env.api);
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlink_planted_at_the_part_name_is_not_followed() {
    let env = dvp_advertising(&["raw"], &[]).await;
    let _file = env.serve_file();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let folder = out.join("acme/2026/month-06");
    std::fs::create_dir_all(&folder).unwrap();
    let victim = tmp.path().join("precious.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, folder.join("raw.csv.part")).unwrap();

    let summary = env
        .client
        .download_all(
            "acme",
            ExportFilter::new(),
            &out,
            BulkOptions::new(),
            Default::default(),
        )
        .await
        .unwrap();
    assert!(summary.is_success(), "{summary:?}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(
        std::fs::read_to_string(folder.join("raw.csv")).unwrap(),
        CSV
    );
    assert!(!folder.join("raw.csv.part").exists());
}

#[tokio::test]
async fn an_advertised_view_without_data_is_skipped_not_fatal() {
    let env = dvp_advertising(&["raw", "namespace-summary"], &["namespace-summary"]).await;
    let _file = env.serve_file();
    let out = tempfile::tempdir().unwrap();
    let summary = env
        .client
        .download_all(
            "acme",
            ExportFilter::new(),
            out.path(),
            BulkOptions::new(),
            Default::default(),
        )
        .await
        .unwrap();
    assert!(summary.is_success(), "{summary:?}");
    assert_eq!(summary.downloaded.len(), 1);
    assert_eq!(summary.unavailable.len(), 1, "{summary:?}");
    assert_eq!(
        summary.unavailable[0].item,
        "acme/2026/month-06/namespace-summary"
    );
    assert!(summary.unavailable[0].reason.contains("404"));
    // The plain stream skips it too.
    let files: Vec<_> = env.client.exports("acme").try_collect().await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].dataview, dvp_sdk::Dataview::Raw);
}

#[tokio::test]
async fn a_store_that_never_answers_fails_within_the_timeouts_and_leaves_no_file() {
    let store = RawServer::start(vec![Reply::Silent]).await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    let loader = downloader(2, Duration::from_millis(300));
    let url = format!("{}/f.csv?sig=s", store.url);
    let err = bounded("download", loader.download(&url, &dest, Some(10), None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no response headers"), "{err}");
    assert_eq!(store.seen().len(), 2, "one retry");
    assert!(all_files(dir.path()).is_empty(), "a file was left behind");
    // `open` waits for headers the same way.
    let Err(err) = bounded("open", loader.open(&url)).await else {
        panic!("open succeeded against a silent store");
    };
    assert!(err.to_string().contains("no response headers"), "{err}");
}

/// A body from `open` whose store sends 8 bytes of 1000 and goes silent.
async fn stalled_body() -> (RawServer, sdk_core::Body) {
    let store = RawServer::start(vec![Reply::Stall {
        body: b"a,b\n1,2\n".to_vec(),
        announced: 1000,
    }])
    .await;
    let loader = downloader(1, Duration::from_millis(300));
    let body = bounded("open", loader.open(&format!("{}/f.csv", store.url)))
        .await
        .unwrap();
    (store, body)
}

#[tokio::test]
async fn a_stalled_body_under_open_fails_instead_of_hanging_read_either_way() {
    use futures::StreamExt;
    use tokio::io::AsyncReadExt;
    let (_store, mut reader) = stalled_body().await;
    let mut text = Vec::new();
    let err = bounded("read", reader.read_to_end(&mut text))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
    assert_eq!(text, b"a,b\n1,2\n");

    // As pieces (the `Stream` of `Bytes`).
    let (_store, mut body) = stalled_body().await;
    let mut text = Vec::new();
    let err = loop {
        match bounded("next piece", body.next()).await {
            Some(Ok(piece)) => text.extend_from_slice(&piece),
            Some(Err(err)) => break err,
            None => panic!("a stalled body ended cleanly after {text:?}"),
        }
    };
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
    assert_eq!(text, b"a,b\n1,2\n");
}

#[tokio::test]
async fn time_spent_between_reads_never_counts_as_the_body_stalling() {
    use futures::StreamExt;
    // The caller keeps the first piece for twice the idle timeout (a slow
    // disk, say); the rest arrives half an idle timeout after it asks again.
    let idle = Duration::from_secs(1);
    let store = RawServer::start(vec![Reply::Paused {
        first: b"a,b\n".to_vec(),
        pause: idle * 5 / 2,
        rest: b"1,2\n".to_vec(),
    }])
    .await;
    let loader = downloader(1, idle);
    let mut body = bounded("open", loader.open(&format!("{}/f.csv", store.url)))
        .await
        .unwrap();
    let first = bounded("first piece", body.next()).await.unwrap().unwrap();
    assert_eq!(&first[..], b"a,b\n");
    tokio::time::sleep(idle * 2).await;
    let mut rest = Vec::new();
    while let Some(piece) = bounded("next piece", body.next()).await {
        rest.extend_from_slice(&piece.expect("a wait of half the idle timeout failed"));
    }
    assert_eq!(rest, b"1,2\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_of_a_body_whose_runtime_shut_down_end_with_an_error_never_short() {
    // The body's connection runs on the client's own runtime, which the
    // caller shuts down after the first rows while the rest is on its way
    // (the first part is several batches, so rows come before the pause).
    let mut first = b"a,b\n".to_vec();
    for i in 0..400_000 {
        first.extend_from_slice(format!("{i},x\n").as_bytes());
    }
    let rest = b"last,x\n".to_vec();
    let store = RawServer::start(vec![Reply::Paused {
        first: first.clone(),
        pause: Duration::from_secs(2),
        rest,
    }])
    .await;
    let url = format!("{}/f.csv", store.url);
    let outcome = tokio::task::spawn_blocking(move || {
        use docker_data_csv::FromHeaders;
        let client_runtime = tokio::runtime::Runtime::new().unwrap();
        let mut rows = client_runtime.block_on(async {
            let body = downloader(1, Duration::from_secs(5))
                .open(&url)
                .await
                .unwrap();
            docker_data_csv::rows::<docker_data_csv::RecordDecoder>(
                docker_data_csv::Source::from(body),
                docker_data_csv::RecordDecoder::from_headers,
            )
        });
        let first_row = rows.next().unwrap().unwrap();
        assert_eq!(first_row.get("a"), Some("0"));
        client_runtime.shutdown_background();
        let rest: Result<Vec<_>, _> = rows.map(|row| row.map(|_| ())).collect();
        rest.map(|rows| rows.len() + 1)
    });
    let err = bounded("rows", outcome)
        .await
        .unwrap()
        .expect_err("the rows ended cleanly without the end of the body");
    // What happened, not only reqwest's "error decoding response body".
    assert!(err.message.contains("connection closed"), "{err}");
}

/// An Enterprise API whose listing answers page `tN` with token `tN+1`,
/// forever as far as the client can tell (`pages` mocks).
async fn enterprise_with_endless_pages(
    pages: usize,
    reports_per_page: usize,
) -> (MockServer, MockServer) {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let token = jwt("my-org", Duration::from_secs(600));
    hub.mock(|when, then| {
        when.method(POST).path("/v2/auth/token");
        then.status(200).json_body(json!({"access_token": token}));
    });
    for n in 0..pages {
        // Each page its own reports: a page repeating the one before is
        // another guard's case.
        let report = json!({"ReportType": "usage_pulls", "Cadence": "daily", "Date": "2026-06-16", "SizeBytes": 4, "Key": format!("k{n}")});
        let reports: Vec<_> = std::iter::repeat_n(report, reports_per_page).collect();
        api.mock(|when, then| {
            let when = when
                .method(GET)
                .path("/orgs/my-org/reports/usage_pulls/daily");
            if n == 0 {
                when.query_param_missing("page_token");
            } else {
                when.query_param("page_token", format!("t{n}"));
            }
            then.status(200)
                .json_body(json!({"reports": reports, "next_page_token": format!("t{}", n + 1)}));
        });
    }
    (hub, api)
}

#[tokio::test]
async fn endless_page_tokens_stop_at_the_page_limit() {
    let (hub, api) = enterprise_with_endless_pages(8, 1).await;
    let client = enterprise_data_sdk::EnterpriseClient::builder("my-org", "dckr_oat_x")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .max_pages(5)
        .build()
        .unwrap();
    let mut stream = std::pin::pin!(client.reports("usage_pulls", "daily"));
    let mut seen = 0;
    let err = loop {
        match stream.try_next().await {
            Ok(Some(_)) => seen += 1,
            Ok(None) => panic!("the listing ended"),
            Err(err) => break err,
        }
    };
    assert_eq!(seen, 5, "one report per page, five pages");
    assert!(
        err.kind() == enterprise_data_sdk::ErrorKind::Paging
            && err.to_string().contains("after 5 pages"),
        "{err}"
    );
    assert!(err.to_string().contains("max_pages"), "{err}");
}

#[tokio::test]
async fn a_run_of_empty_pages_with_tokens_stops() {
    let pages = enterprise_data_sdk::pagination::MAX_EMPTY_PAGES + 5;
    let (hub, api) = enterprise_with_endless_pages(pages, 0).await;
    let client = enterprise_data_sdk::EnterpriseClient::builder("my-org", "dckr_oat_x")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .build()
        .unwrap();
    let err = client
        .reports("usage_pulls", "daily")
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("empty pages"), "{err}");
}

#[tokio::test]
async fn a_gzip_json_bomb_fails_with_a_clear_error() {
    use std::io::Write;
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    contract_tests::hub_logging_in(&hub);
    // 16 MiB of JSON whitespace in a few KiB of gzip.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(b"{\"namespaces\": [").unwrap();
    encoder.write_all(&vec![b' '; 16 << 20]).unwrap();
    encoder.write_all(b"]}").unwrap();
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 100_000);
    api.mock(|when, then| {
        when.method(GET).path("/");
        then.status(200)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(bomb.clone());
    });
    let client = DvpClient::builder(Credentials::login("alice", "pw"))
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(RetryPolicy::none())
        .max_json_body(1 << 20)
        .build()
        .unwrap();
    let err = client.namespaces().await.unwrap_err();
    assert!(
        err.to_string().contains("larger than 1048576 bytes"),
        "{err}"
    );
}

#[tokio::test]
async fn a_body_longer_than_expected_stops_at_once() {
    let store = RawServer::start(vec![Reply::Huge {
        status: 200,
        len: 50 << 20,
    }])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    let err = downloader(1, Duration::from_secs(5))
        .download(&format!("{}/f.csv", store.url), &dest, Some(100), None)
        .await
        .unwrap_err();
    match err {
        sdk_core::download::DownloadError::SizeMismatch {
            expected, received, ..
        } => {
            assert_eq!(expected, 100);
            assert!(received < 1 << 20, "read {received} bytes before stopping");
        }
        other => panic!("{other}"),
    }
    assert!(all_files(dir.path()).is_empty());
}

#[tokio::test]
async fn a_multi_member_gzip_object_decodes_whole() {
    let mut body = gzip(b"a,b\n1,2\n");
    body.extend(gzip(b"3,4\n"));
    let store = RawServer::start(vec![Reply::Full {
        status: 200,
        headers: vec![("content-encoding".into(), "gzip".into())],
        body,
    }])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    downloader(1, Duration::from_secs(5))
        .download(&format!("{}/f.csv", store.url), &dest, None, None)
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "a,b\n1,2\n3,4\n");
}

#[tokio::test]
async fn a_gzip_body_larger_than_a_decoded_piece_opens_whole_either_way() {
    use tokio::io::AsyncReadExt;
    // Several decoded pieces' worth (each 256 KiB at most), not all alike.
    let plain: Vec<u8> = (0..3_000_000u32)
        .flat_map(|i| (i % 1_000_003).to_le_bytes())
        .collect();
    let store = RawServer::start(vec![Reply::Full {
        status: 200,
        headers: vec![("content-encoding".into(), "gzip".into())],
        body: gzip(&plain),
    }])
    .await;
    let loader = downloader(1, Duration::from_secs(5));
    let url = format!("{}/f.csv", store.url);

    let body = bounded("open", loader.open(&url)).await.unwrap();
    assert!(body.is_decoded());
    let pieces: Vec<_> = bounded("pieces", body.try_collect()).await.unwrap();
    assert!(pieces.len() > 1, "{} pieces", pieces.len());
    assert!(pieces.iter().all(|piece| !piece.is_empty()));
    assert!(
        pieces.concat() == plain,
        "the pieces differ from the source"
    );

    let mut body = bounded("open", loader.open(&url)).await.unwrap();
    let mut read = Vec::new();
    bounded("read", body.read_to_end(&mut read)).await.unwrap();
    assert!(read == plain, "the reader differs from the source");
}

#[tokio::test]
async fn an_object_that_changed_before_the_resume_is_fetched_again_whole() {
    let old: Vec<u8> = (0..4000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let new: Vec<u8> = (0..4000u32).map(|i| b'A' + (i % 26) as u8).collect();
    let store = RawServer::start(vec![
        Reply::TruncatedWith {
            headers: vec![("etag".into(), "\"v1\"".into())],
            body: old[..1500].to_vec(),
            missing: 2500,
        },
        // If-Range does not match the current object: the whole new one.
        Reply::Full {
            status: 200,
            headers: vec![("etag".into(), "\"v2\"".into())],
            body: new.clone(),
        },
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    downloader(3, Duration::from_secs(5))
        .download(&format!("{}/f.csv", store.url), &dest, Some(4000), None)
        .await
        .unwrap();
    let seen = store.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].header("range").as_deref(), Some("bytes=1500-"));
    assert_eq!(seen[1].header("if-range").as_deref(), Some("\"v1\""));
    assert_eq!(std::fs::read(&dest).unwrap(), new, "no mix of old and new");
}

#[tokio::test]
async fn a_partial_answer_for_an_object_of_another_size_starts_over() {
    let old = vec![b'o'; 1000];
    let other = vec![b'x'; 1200];
    let new = vec![b'n'; 1000];
    let store = RawServer::start(vec![
        Reply::Truncated {
            body: old[..500].to_vec(),
            missing: 500,
        },
        // 206 for bytes 500-1199 of a 1200-byte object: not ours.
        Reply::Ranged { body: other },
        Reply::Full {
            status: 200,
            headers: vec![],
            body: new.clone(),
        },
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    downloader(4, Duration::from_secs(5))
        .download(&format!("{}/f.csv", store.url), &dest, Some(1000), None)
        .await
        .unwrap();
    let seen = store.seen();
    assert_eq!(seen.len(), 3, "truncated, refused partial, whole");
    assert_eq!(
        seen[2].header("range"),
        None,
        "the restart asks for everything"
    );
    assert_eq!(std::fs::read(&dest).unwrap(), new);
}

#[tokio::test]
async fn bulk_size_sums_saturate_instead_of_overflowing() {
    use sdk_core::bulk::{BulkItem, BulkOptions, BulkSummary, download_many};
    let dir = tempfile::tempdir().unwrap();
    let items = vec![
        BulkItem {
            dest: dir.path().join("a"),
            size: Some(u64::MAX),
            item: (),
        },
        BulkItem {
            dest: dir.path().join("b"),
            size: Some(u64::MAX),
            item: (),
        },
    ];
    let summary = download_many(
        dir.path(),
        items,
        BulkOptions::default(),
        BulkSummary::default(),
        |(), _dest, progress| async move {
            progress(sdk_core::download::FileProgress::new(
                u64::MAX,
                Some(u64::MAX),
            ));
            Ok::<u64, std::io::Error>(u64::MAX)
        },
    )
    .await;
    assert_eq!(summary.bytes, u64::MAX);
    assert_eq!(summary.downloaded.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_callers_waiting_on_a_failed_exchange_share_its_one_failure() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let exchange = hub.mock(|when, then| {
        when.method(POST).path("/v2/auth/token");
        // Long enough that all fifty callers are waiting on this one
        // exchange even on a loaded machine.
        then.status(401)
            .delay(Duration::from_millis(1000))
            .json_body(json!({"detail": "invalid credentials"}));
    });
    let reports = api.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({"report_types": []}));
    });
    let client = enterprise_data_sdk::EnterpriseClient::builder("my-org", "dckr_oat_wrong")
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.report_types().await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("invalid credentials"), "{err}");
    }
    assert_eq!(
        exchange.calls_async().await,
        1,
        "one exchange for 50 waiters"
    );
    assert_eq!(reports.calls_async().await, 0);
}

#[tokio::test]
async fn a_token_already_expired_on_arrival_is_used_until_rejected() {
    let hub = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    // `exp` an hour ago: the machine's clock and the Hub's disagree.
    let stale = {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            - 3600;
        format!(
            "{}.{}.c2ln",
            engine.encode(r#"{"alg":"HS256"}"#),
            engine.encode(format!(r#"{{"sub":"alice","exp":{exp}}}"#))
        )
    };
    let login = hub.mock(|when, then| {
        when.method(POST).path("/v2/users/login");
        then.status(200).json_body(json!({"token": stale}));
    });
    let namespaces = api.mock(|when, then| {
        when.method(GET)
            .path("/")
            .header("authorization", format!("Bearer {stale}"));
        then.status(200).json_body(json!({"namespaces": ["acme"]}));
    });
    let client = DvpClient::builder(Credentials::login("alice", "pw"))
        .hub_url(hub.base_url())
        .api_url(api.base_url())
        .build()
        .unwrap();
    for _ in 0..5 {
        assert_eq!(client.namespaces().await.unwrap(), ["acme"]);
    }
    assert_eq!(login.calls_async().await, 1, "not one login per request");
    assert_eq!(namespaces.calls_async().await, 5);
}

/// Secrets a hostile server echoes back in its answers.
const ECHOED: [&str; 3] = [
    "dckr_oat_simulator",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaW0ifQ.c2lnbmF0dXJl",
    "X-Amz-Signature=s3cr3t",
];

/// Neither the message, the `Debug` form nor any error down the source
/// chain shows a secret.
fn assert_no_secret(what: &str, err: &sdk_core::Error) {
    let mut shown = format!("{err} {err:?}");
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        shown.push_str(&format!(" {inner}"));
        cause = inner.source();
    }
    for secret in ECHOED {
        assert!(!shown.contains(secret), "{what} shows {secret}: {shown}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_sdk_error_carries_a_secret_that_the_server_echoes() {
    use simulator::{Fault, Simulator, accounts, route};
    let text = format!(
        "token {} jwt {} url https://store.example/r.csv?{}",
        ECHOED[0], ECHOED[1], ECHOED[2]
    );
    let echo = json!({"message": text, "detail": text, "error": text}).to_string();
    // serde quotes the value it could not decode.
    let quoted =
        json!({"reports": text, "namespaces": text, "results": text, "next_page_token": ""})
            .to_string();
    let sim = Simulator::start().await.unwrap();
    let enterprise = enterprise_data_sdk::EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .retry(fast_retry(1))
        .build()
        .unwrap();
    let dvp = DvpClient::builder(Credentials::login(
        accounts::DVP_USER,
        accounts::DVP_PASSWORD,
    ))
    .hub_url(sim.hub_url())
    .api_url(sim.dvp_url())
    .retry(fast_retry(1))
    .build()
    .unwrap();
    let hub = hub_sdk::HubClient::builder(hub_sdk::Credentials::organization(
        accounts::ORG,
        accounts::OAT,
    ))
    .hub_url(sim.hub_url())
    .retry(fast_retry(1))
    .build()
    .unwrap();
    for (status, body) in [(403, &echo), (418, &echo), (200, &quoted)] {
        let what = format!("HTTP {status}");
        sim.inject(route::ENTERPRISE_LIST, Fault::respond(status, body), 1);
        let err = enterprise
            .reports("usage_pulls", "daily")
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert_no_secret(&format!("enterprise reports, {what}"), &err);
        sim.inject(route::DVP, Fault::respond(status, body), 1);
        let err = dvp.namespaces().await.unwrap_err();
        assert_no_secret(&format!("dvp namespaces, {what}"), &err);
        sim.inject(route::HUB_DATA, Fault::respond(status, body), 1);
        let err = hub
            .tags(accounts::ORG, "web-app")
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert_no_secret(&format!("hub tags, {what}"), &err);
    }
    // The token exchange's own error, echoed back on a refused login.
    let fresh = enterprise_data_sdk::EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .retry(fast_retry(1))
        .build()
        .unwrap();
    sim.inject(route::HUB_TOKEN, Fault::respond(401, &echo), 1);
    let err = fresh.report_types().await.unwrap_err();
    assert_eq!(err.kind(), sdk_core::ErrorKind::Unauthenticated, "{err}");
    assert_no_secret("token exchange, HTTP 401", &err);
}
