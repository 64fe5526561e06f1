//! Syncs from the simulator into a local folder: the layout, the manifest,
//! reruns that write nothing or only what is new, a failed upload that
//! leaves nothing, and names from the server that try to leave the prefix.

use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use docker_data_lake::{DvpSelection, EnterpriseSelection, Lake, Sources, SyncOptions};
use dvp_sdk::{Credentials, DvpClient};
use enterprise_data_sdk::EnterpriseClient;
use simulator::{Fault, Simulator, accounts, route};

fn quick() -> sdk_core::RetryPolicy {
    sdk_core::RetryPolicy::new()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
        .max_attempts(2)
}

fn enterprise(sim: &Simulator) -> EnterpriseClient {
    EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .retry(quick())
        .build()
        .unwrap()
}

fn dvp(sim: &Simulator) -> DvpClient {
    DvpClient::builder(Credentials::login(accounts::DVP_USER, accounts::DVP_PAT))
        .hub_url(sim.hub_url())
        .api_url(sim.dvp_url())
        .retry(quick())
        .build()
        .unwrap()
}

fn parquet_rows(path: &Path) -> u64 {
    let file = std::fs::File::open(path).unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    reader.metadata().file_metadata().num_rows() as u64
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn modified(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_lays_out_the_lake_and_a_second_writes_nothing() {
    let sim = Simulator::start().await.unwrap();
    let (ent, dvp) = (enterprise(&sim), dvp(&sim));
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap(), SyncOptions::new()).unwrap();
    let reports = EnterpriseSelection::all().report("usage_pulls", "weekly");
    let exports = DvpSelection::namespaces([accounts::NAMESPACE]).dates(
        NaiveDate::from_ymd_opt(2026, 3, 1),
        NaiveDate::from_ymd_opt(2026, 3, 31),
    );
    let sources = Sources {
        enterprise: Some((&ent, &reports)),
        dvp: Some((&dvp, &exports)),
    };
    let first = lake.sync(sources).await.unwrap();
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    // 12 weekly reports; 4 dataviews of March 2026: the month and the six
    // ISO weeks that overlap it (W09-W14).
    assert_eq!(first.written.len(), 12 + 4 * 7, "{:#?}", first.written);

    let all = files(dir.path());
    let weekly: Vec<_> = all
        .iter()
        .filter(|f| f.starts_with("enterprise/usage_pulls/weekly/org=sim-org/report_date="))
        .collect();
    assert_eq!(weekly.len(), 12, "{all:#?}");
    for timespan in ["2026-03", "2026-W09", "2026-W14"] {
        let object = format!("dvp/raw/publisher=sim-publisher/timespan={timespan}/data.parquet");
        assert!(all.contains(&object), "{object}: {all:#?}");
    }
    assert!(all.contains(&"_docker_data/manifest.json".to_owned()));
    assert_eq!(
        parquet_rows(&dir.path().join(weekly[0])),
        sim.config().enterprise_rows
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("_docker_data/manifest.json")).unwrap(),
    )
    .unwrap();
    let entry = &manifest["objects"][weekly[0].as_str()];
    assert_eq!(entry["rows"], sim.config().enterprise_rows);
    assert!(
        entry["source"]
            .as_str()
            .unwrap()
            .starts_with("enterprise:sim-org/usage_pulls/weekly/")
    );
    assert!(entry["source_size"].as_u64().unwrap() > 0);
    assert_eq!(entry["schema_hash"].as_str().unwrap().len(), 16);
    // The version read, as the simulator's store named it.
    let etag = entry["source_etag"].as_str().unwrap();
    assert!(etag.starts_with('"') && etag.len() > 2, "{etag}");
    let objects = manifest["objects"].as_object().unwrap();
    let etags: std::collections::BTreeSet<_> = objects
        .values()
        .map(|e| e["source_etag"].as_str().unwrap())
        .collect();
    assert_eq!(etags.len(), objects.len(), "one version per source");

    // Nothing new: no object and no manifest is written again.
    let before = modified(&dir.path().join("_docker_data/manifest.json"));
    let object_before = modified(&dir.path().join(weekly[0]));
    let second = lake.sync(sources).await.unwrap();
    assert!(second.written.is_empty(), "{:#?}", second.written);
    assert_eq!(second.skipped.len(), 40);
    assert_eq!(
        modified(&dir.path().join("_docker_data/manifest.json")),
        before
    );
    assert_eq!(modified(&dir.path().join(weekly[0])), object_before);

    // An object whose manifest entry is missing is written again; so is
    // one that disappeared.
    std::fs::remove_file(dir.path().join(weekly[1])).unwrap();
    let third = lake.sync(sources).await.unwrap();
    assert_eq!(third.written.len(), 1);
    assert_eq!(third.written[0].path, *weekly[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_full_sync_writes_only_the_missing_day() {
    let sim = Simulator::start().await.unwrap();
    let ent = enterprise(&sim);
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap(), SyncOptions::new()).unwrap();
    let latest = ent.latest("usage_pulls", "daily").await.unwrap().unwrap();
    let all = EnterpriseSelection::all().report("usage_pulls", "daily");
    let but_last = all.clone().dates(None, latest.date.pred_opt());
    let first = lake
        .sync(Sources {
            enterprise: Some((&ent, &but_last)),
            ..Sources::default()
        })
        .await
        .unwrap();
    assert!(!first.written.is_empty());
    let full = lake
        .sync(Sources {
            enterprise: Some((&ent, &all)),
            ..Sources::default()
        })
        .await
        .unwrap();
    assert_eq!(full.written.len(), 1, "{:#?}", full.written);
    assert!(
        full.written[0]
            .path
            .contains(&format!("report_date={}", latest.date))
    );
    assert_eq!(full.skipped.len(), first.written.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_off_leaves_no_object_and_the_rerun_completes() {
    let sim = Simulator::start().await.unwrap();
    let ent = enterprise(&sim);
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(
        dir.path().to_str().unwrap(),
        SyncOptions::new().concurrency(1),
    )
    .unwrap();
    let selection = EnterpriseSelection::all().report("active_users", "monthly");
    // The body of one report drops mid-way.
    sim.inject(route::STORE, Fault::DropAfter(1_000), 1);
    let sources = Sources {
        enterprise: Some((&ent, &selection)),
        ..Sources::default()
    };
    let first = lake.sync(sources).await.unwrap();
    assert_eq!(first.failed.len(), 1, "{:#?}", first.failed);
    let objects = |dir: &Path| {
        files(dir)
            .into_iter()
            .filter(|f| f.ends_with(".parquet"))
            .count()
    };
    assert_eq!(
        objects(dir.path()),
        first.written.len(),
        "no partial object"
    );
    assert!(
        files(dir.path())
            .iter()
            .all(|f| !f.contains("tmp") && !f.contains("#"))
    );

    let rerun = lake.sync(sources).await.unwrap();
    assert!(rerun.failed.is_empty(), "{:?}", rerun.failed);
    assert_eq!(rerun.written.len(), 1);
    assert_eq!(objects(dir.path()), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_names_that_try_to_leave_the_prefix_are_refused_and_listed() {
    let sim = Simulator::start().await.unwrap();
    let ent = enterprise(&sim);
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap(), SyncOptions::new()).unwrap();
    let hostile = serde_json::json!({
        "reports": [
            {"ReportType": "../../escape", "Cadence": "daily", "Date": "2026-06-30", "SizeBytes": 10, "Key": "k"},
            {"ReportType": "usage_pulls", "Cadence": "a/b", "Date": "2026-06-29", "SizeBytes": 10, "Key": "k"}
        ],
        "next_page_token": ""
    });
    sim.inject(
        route::ENTERPRISE_LIST,
        Fault::respond(200, hostile.to_string()),
        1,
    );
    let selection = EnterpriseSelection::all().report("usage_pulls", "daily");
    let summary = lake
        .sync(Sources {
            enterprise: Some((&ent, &selection)),
            ..Sources::default()
        })
        .await
        .unwrap();
    assert_eq!(summary.failed.len(), 2, "{:#?}", summary.failed);
    assert!(summary.written.is_empty());
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
    assert!(!dir.path().parent().unwrap().join("escape").exists());
}
