//! An unfinished download continues in the next run, like `curl -C -`: the
//! `.part` from its length, `If-Range` with the first answer's validator
//! (kept in a hidden sidecar), and a fresh start whenever that is not safe.

use std::path::{Path, PathBuf};
use std::time::Duration;

use contract_tests::gzip;
use contract_tests::raw_server::{RawServer, Reply};

const ETAG: &str = "\"object-v1\"";

fn body() -> Vec<u8> {
    (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect()
}

fn downloader(attempts: u32) -> sdk_core::download::Downloader {
    contract_tests::downloader(attempts, Duration::from_secs(10))
}

fn part(dest: &Path) -> PathBuf {
    sdk_core::download::part_path(dest)
}

fn sidecar(dest: &Path) -> PathBuf {
    dest.with_file_name(".f.csv.part.resume")
}

fn etag(value: &str) -> Vec<(String, String)> {
    vec![("etag".to_owned(), value.to_owned())]
}

/// A first run whose only attempt is cut off after 1,200 bytes: it fails
/// and leaves the `.part` and its sidecar behind.
async fn interrupted_run(dest: &Path, headers: Vec<(String, String)>) {
    let body = body();
    let store = RawServer::start(vec![Reply::TruncatedWith {
        headers,
        body: body[..1200].to_vec(),
        missing: 1800,
    }])
    .await;
    let err = downloader(1)
        .download(&format!("{}/f?sig=run1", store.url), dest, Some(3000), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), sdk_core::ErrorKind::Transport, "{err}");
    assert!(!dest.exists(), "nothing at the final name");
}

#[tokio::test]
async fn an_interrupted_download_continues_in_the_next_run_with_one_range_request() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    interrupted_run(&dest, etag(ETAG)).await;
    assert_eq!(std::fs::metadata(part(&dest)).unwrap().len(), 1200);
    assert!(sidecar(&dest).is_file());

    // The next run gets a new signed URL for the same object.
    let body = body();
    let store = RawServer::start(vec![Reply::Full {
        status: 206,
        headers: vec![
            ("etag".to_owned(), ETAG.to_owned()),
            (
                "content-range".to_owned(),
                "bytes 1200-2999/3000".to_owned(),
            ),
        ],
        body: body[1200..].to_vec(),
    }])
    .await;
    let written = downloader(3)
        .download(
            &format!("{}/f?sig=run2", store.url),
            &dest,
            Some(3000),
            None,
        )
        .await
        .unwrap();
    assert_eq!(written, 3000);
    let seen = store.seen();
    assert_eq!(seen.len(), 1, "one request");
    assert_eq!(seen[0].header("range").as_deref(), Some("bytes=1200-"));
    assert_eq!(seen[0].header("if-range").as_deref(), Some(ETAG));
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert!(!part(&dest).exists() && !sidecar(&dest).exists());
}

#[tokio::test]
async fn an_object_replaced_between_runs_is_fetched_again_whole() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    interrupted_run(&dest, etag(ETAG)).await;

    // The store's object changed: `If-Range` does not match, so it answers
    // with the whole new object.
    let replaced: Vec<u8> = (0..3000u32).map(|i| b'A' + (i % 26) as u8).collect();
    let store = RawServer::start(vec![Reply::Full {
        status: 200,
        headers: etag("\"object-v2\""),
        body: replaced.clone(),
    }])
    .await;
    downloader(3)
        .download(
            &format!("{}/f?sig=run2", store.url),
            &dest,
            Some(3000),
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.seen()[0].header("if-range").as_deref(), Some(ETAG));
    assert_eq!(std::fs::read(&dest).unwrap(), replaced, "no stale prefix");
}

#[tokio::test]
async fn a_missing_or_corrupt_sidecar_starts_the_download_over() {
    for spoil in ["missing", "corrupt", "another size"] {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f.csv");
        interrupted_run(&dest, etag(ETAG)).await;
        match spoil {
            "missing" => std::fs::remove_file(sidecar(&dest)).unwrap(),
            "corrupt" => {
                std::fs::write(sidecar(&dest), b"docker-data resume 1\nsize \xff").unwrap()
            }
            _ => {
                let text = std::fs::read_to_string(sidecar(&dest)).unwrap();
                std::fs::write(sidecar(&dest), text.replace("size 3000", "size 4000")).unwrap();
            }
        }
        let store = RawServer::start(vec![Reply::Ranged { body: body() }]).await;
        downloader(3)
            .download(&format!("{}/f", store.url), &dest, Some(3000), None)
            .await
            .unwrap();
        assert_eq!(
            store.seen()[0].header("range"),
            None,
            "{spoil}: from byte 0"
        );
        assert_eq!(std::fs::read(&dest).unwrap(), body(), "{spoil}");
    }
}

#[tokio::test]
async fn a_gzip_encoded_body_cut_off_is_not_kept_and_the_rerun_starts_over() {
    let plain = "a,b\n".repeat(500);
    let encoded = gzip(plain.as_bytes());
    let mut headers = etag(ETAG);
    headers.push(("content-encoding".to_owned(), "gzip".to_owned()));
    let store = RawServer::start(vec![Reply::TruncatedWith {
        headers: headers.clone(),
        body: encoded[..encoded.len() / 2].to_vec(),
        missing: encoded.len() - encoded.len() / 2,
    }])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    let size = encoded.len() as u64;
    downloader(1)
        .download(&format!("{}/f", store.url), &dest, Some(size), None)
        .await
        .unwrap_err();
    // Stored decoded: its length is no offset into the object.
    assert!(!part(&dest).exists() && !sidecar(&dest).exists());

    let store = RawServer::start(vec![Reply::Full {
        status: 200,
        headers,
        body: encoded.clone(),
    }])
    .await;
    downloader(1)
        .download(&format!("{}/f", store.url), &dest, Some(size), None)
        .await
        .unwrap();
    assert_eq!(store.seen()[0].header("range"), None);
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), plain);
}

#[tokio::test]
async fn a_failure_that_is_not_a_cut_off_transfer_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.csv");
    interrupted_run(&dest, etag(ETAG)).await;
    // The link is refused in the next run: nothing to continue any more.
    let store = RawServer::start(vec![Reply::Full {
        status: 404,
        headers: vec![],
        body: b"<Error><Code>NoSuchKey</Code></Error>".to_vec(),
    }])
    .await;
    downloader(1)
        .download(&format!("{}/f", store.url), &dest, Some(3000), None)
        .await
        .unwrap_err();
    assert!(!part(&dest).exists() && !sidecar(&dest).exists() && !dest.exists());
}
