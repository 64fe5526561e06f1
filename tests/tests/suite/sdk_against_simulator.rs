//! Both SDKs end to end against the simulator: real listeners, real tokens
//! with expiry, signed URLs, injected faults.

use std::time::Duration;

use dvp_sdk::{BulkOptions, Credentials, DvpClient, ExportFilter, OtpProvider, Timespan};
use enterprise_data_sdk::EnterpriseClient;
use enterprise_data_sdk::rows::ValueRef;
use futures::TryStreamExt;
use sdk_core::RetryPolicy;
use simulator::{Fault, Simulator, SimulatorConfig, accounts, route};

fn fast_retry() -> RetryPolicy {
    RetryPolicy::new()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(50))
}

fn dvp(sim: &Simulator, credentials: Credentials) -> dvp_sdk::DvpClientBuilder {
    DvpClient::builder(credentials)
        .hub_url(sim.hub_url())
        .api_url(sim.dvp_url())
        .retry(fast_retry())
}

fn enterprise(sim: &Simulator) -> EnterpriseClient {
    EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .retry(fast_retry())
        .build()
        .unwrap()
}

#[tokio::test]
async fn dvp_two_factor_login_discovery_and_download_of_one_month() {
    let sim = Simulator::start().await.unwrap();
    let client = dvp(
        &sim,
        Credentials::login(accounts::DVP_2FA_USER, accounts::DVP_2FA_PASSWORD),
    )
    .otp(OtpProvider::fixed(accounts::TOTP_CODE))
    .build()
    .unwrap();
    assert_eq!(client.namespaces().await.unwrap(), [accounts::NAMESPACE]);
    assert_eq!(
        client.years(accounts::NAMESPACE).await.unwrap(),
        [2025, 2026]
    );
    let weeks = client
        .timespans(accounts::NAMESPACE, 2026, dvp_sdk::TimespanKind::Weeks)
        .await
        .unwrap();
    assert!(weeks.iter().all(|w| matches!(w, Timespan::Week(_))) && weeks.len() == 22);

    let filter = ExportFilter::new().year(2026).timespan(Timespan::Month(3));
    let dir = tempfile::tempdir().unwrap();
    // The store drops the first connection mid-body: the download resumes.
    sim.inject(route::STORE, Fault::DropAfter(10_000), 1);
    let summary = client
        .download_all(
            accounts::NAMESPACE,
            filter.clone(),
            dir.path(),
            BulkOptions::new(),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        summary.downloaded.len(),
        4,
        "raw, summary, repo-summary and namespace-summary"
    );
    let raw = dir.path().join("sim-publisher/2026/month-03/raw.csv");
    let rows: Vec<_> = dvp_sdk::rows::raw_rows(&raw)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len() as u64, sim.config().dvp_raw_rows);
    assert!(
        rows.iter()
            .all(|r| r.timestamp().is_some() && r.namespace() == Some(accounts::NAMESPACE))
    );
    let summary_rows: Vec<_> =
        dvp_sdk::rows::summary_rows(&dir.path().join("sim-publisher/2026/month-03/summary.csv"))
            .collect::<Result<_, _>>()
            .unwrap();
    assert!(
        summary_rows
            .iter()
            .all(|r| r.pulls_by_tag.is_some() && r.reference.is_some())
    );
    // A namespace summary has no typed reader: generic records by header.
    let namespace_rows: Vec<_> = dvp_sdk::rows::records(
        &dir.path()
            .join("sim-publisher/2026/month-03/namespace-summary.csv"),
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(namespace_rows.len() as u64, sim.config().dvp_summary_rows);
    assert_eq!(
        namespace_rows[0].get("namespace"),
        Some(accounts::NAMESPACE)
    );

    let again = client
        .download_all(
            accounts::NAMESPACE,
            filter,
            dir.path(),
            BulkOptions::new(),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!((again.downloaded.len(), again.skipped.len()), (0, 4));
}

#[tokio::test]
async fn enterprise_pages_downloads_and_typed_rows() {
    let sim = Simulator::start().await.unwrap();
    let client = enterprise(&sim);
    let types = client.report_types().await.unwrap();
    assert!(
        types
            .iter()
            .any(|t| t.report_type == "usage_pulls" && t.cadence == "daily")
    );

    let reports: Vec<_> = client
        .reports("usage_pulls", "daily")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(reports.len() as u32, sim.config().enterprise_daily_reports);
    assert!(
        reports.windows(2).all(|w| w[0].date > w[1].date),
        "not newest first"
    );

    let from = reports[4].date;
    let to = reports[1].date;
    let dir = tempfile::tempdir().unwrap();
    sim.inject(route::STORE, Fault::DropAfter(5_000), 1);
    let summary = client
        .download_range(
            "usage_pulls",
            "daily",
            Some(from),
            Some(to),
            dir.path(),
            Default::default(),
            enterprise_data_sdk::Format::Csv,
        )
        .await
        .unwrap();
    assert_eq!(summary.downloaded.len(), 4);
    let path = dir.path().join(format!("usage_pulls/daily/{to}.csv"));
    assert_eq!(
        std::fs::metadata(&path).unwrap().len() as i64,
        reports[1].size_bytes
    );

    let schema = client.schema(&reports[1]).await.unwrap();
    let rows: Vec<_> = enterprise_data_sdk::rows::rows(&path, &schema)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len() as u64, sim.config().enterprise_rows);
    assert!(matches!(
        rows[0].get("pull_count"),
        Some(ValueRef::Integer(_))
    ));
    assert!(matches!(
        rows[0].get("automated"),
        Some(ValueRef::Boolean(_))
    ));
    assert!(matches!(rows[0].get("share"), Some(ValueRef::Float(_))));
    assert!(matches!(
        rows[0].get("first_pull_at"),
        Some(ValueRef::Timestamp(_))
    ));
    assert_eq!(rows[0].get("event_date"), Some(ValueRef::Date(to)));
}

#[tokio::test]
async fn retries_honour_retry_after_and_expired_tokens_are_renewed() {
    let sim = Simulator::start_with(SimulatorConfig {
        token_lifetime: Duration::from_secs(600),
        ..Default::default()
    })
    .await
    .unwrap();
    let client = EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .retry(RetryPolicy::new().base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    client.report_types().await.unwrap();
    sim.inject(route::ENTERPRISE_TYPES, Fault::rate_limited(1), 1);
    sim.inject(route::ENTERPRISE_TYPES, Fault::status(503), 1);
    let (guard, captured) = contract_tests::logs::LogCapture::start();
    client.report_types().await.unwrap();
    drop(guard);
    let logs = captured.text();
    assert!(
        logs.contains("delay_ms=1000") && logs.contains("status 429"),
        "Retry-After: 1 was not honoured: {logs}"
    );

    sim.expire_tokens();
    let before = sim.tokens_issued();
    client.report_types().await.unwrap();
    assert_eq!(
        sim.tokens_issued(),
        before + 1,
        "one re-exchange after the 401"
    );
}

#[tokio::test]
async fn a_refused_store_link_is_replaced_once() {
    let sim = Simulator::start().await.unwrap();
    let client = enterprise(&sim);
    let report = client
        .latest("usage_pulls", "weekly")
        .await
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // One refusal (as for an expired link): a fresh link is asked for.
    sim.inject(route::STORE, Fault::status(403), 1);
    client
        .download(&report, dir.path().join("a.csv"))
        .await
        .unwrap();

    // Refused twice: the error says the store refused it, and no file stays.
    sim.inject(route::STORE, Fault::status(403), 2);
    let dest = dir.path().join("b.csv");
    let err = client.download(&report, &dest).await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(
        !err.to_string().contains("X-Sim-Signature="),
        "signed query leaked: {err}"
    );
    assert!(!dest.exists());
}

#[tokio::test]
async fn an_expired_link_is_refused_by_the_store() {
    let sim = Simulator::start_with(SimulatorConfig {
        url_lifetime: Duration::ZERO,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = enterprise(&sim);
    let report = client
        .latest("usage_pulls", "weekly")
        .await
        .unwrap()
        .unwrap();
    let url = client.download_url(&report).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("expired"));
    let with_auth = reqwest::Client::new()
        .get(client.download_url(&report).await.unwrap())
        .bearer_auth("x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_auth.status(),
        400,
        "the store must refuse an Authorization header"
    );
}

#[tokio::test]
async fn enterprise_auth_modes_exchange_and_direct_both_read_reports() {
    let sim = Simulator::start().await.unwrap();
    let exchange = enterprise(&sim);
    assert!(!exchange.report_types().await.unwrap().is_empty());
    assert_eq!(sim.tokens_issued(), 1, "exchange mode asks the Hub once");

    let direct = EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .auth_mode(enterprise_data_sdk::AuthMode::Direct)
        .retry(fast_retry())
        .build()
        .unwrap();
    assert!(direct.token_cache().is_none());
    let types = direct.report_types().await.unwrap();
    assert_eq!(types, exchange.report_types().await.unwrap());
    assert_eq!(sim.tokens_issued(), 1, "direct mode never asks the Hub");

    // A wrong OAT in direct mode: one request, the 401 comes back as is.
    let before = sim.requests();
    let wrong = EnterpriseClient::builder(accounts::ORG, "dckr_oat_wrong")
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .auth_mode(enterprise_data_sdk::AuthMode::Direct)
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = wrong.report_types().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert_eq!(
        sim.requests() - before,
        1,
        "no re-auth resend in direct mode"
    );
    assert!(!err.to_string().contains("dckr_oat_wrong"), "{err}");
}

#[tokio::test]
async fn dvp_pull_counts_from_the_simulator() {
    let sim = Simulator::start().await.unwrap();
    let client = dvp(
        &sim,
        Credentials::login(accounts::DVP_USER, accounts::DVP_PASSWORD),
    )
    .build()
    .unwrap();
    let namespaces = client.user_namespaces().await.unwrap();
    assert_eq!(namespaces.len(), 1);
    assert!(
        namespaces[0].datasets[0]
            .views
            .contains(&dvp_sdk::Dataview::NamespaceSummary)
    );
    let query = dvp_sdk::PullsQuery::new().period(dvp_sdk::Period::Last3Months);
    let monthly = client
        .namespace_pulls(accounts::NAMESPACE, &query)
        .await
        .unwrap();
    assert_eq!(monthly.len(), 3, "one total per month");
    let web = client
        .repo_pulls(accounts::NAMESPACE, "web-app", &query)
        .await
        .unwrap();
    assert_eq!(web.len(), 3);
    let repo = format!("{}/web-app", accounts::NAMESPACE);
    let many = client
        .repos_pulls([repo.as_str(), "someone-else/x"], &query)
        .await
        .unwrap();
    assert_eq!(many.keys().collect::<Vec<_>>(), [&repo]);
    assert_eq!(many[&repo], web, "the same counts by either call");
}

#[tokio::test]
async fn account_profile_and_emails_round_trip_through_the_simulator() {
    let sim = Simulator::start().await.unwrap();
    let basic = account_sdk::AccountClient::builder(account_sdk::AccountAuth::basic(
        accounts::ACCOUNT_USER,
        accounts::ACCOUNT_PASSWORD,
    ))
    .api_url(sim.account_url())
    .build()
    .unwrap();
    let bearer = account_sdk::AccountClient::builder(account_sdk::AccountAuth::bearer(
        accounts::ACCOUNT_TOKEN,
    ))
    .api_url(sim.account_url())
    .build()
    .unwrap();
    let user = basic.user(accounts::ACCOUNT_USER).await.unwrap();
    assert_eq!(user.username.as_deref(), Some(accounts::ACCOUNT_USER));

    let update = account_sdk::UserUpdate {
        location: Some("Hamburg".into()),
        ..Default::default()
    };
    let updated = bearer
        .update_user(accounts::ACCOUNT_USER, update)
        .await
        .unwrap();
    assert_eq!(updated.location.as_deref(), Some("Hamburg"));
    assert_eq!(
        basic.user(accounts::ACCOUNT_USER).await.unwrap().location,
        updated.location
    );

    let added = basic
        .add_email(accounts::ACCOUNT_USER, "second@example.org")
        .await
        .unwrap();
    assert_eq!(added.email.as_deref(), Some("second@example.org"));
    let emails = bearer.emails(accounts::ACCOUNT_USER).await.unwrap();
    assert_eq!(emails.len(), 2);
    bearer
        .delete_email(accounts::ACCOUNT_USER, "second@example.org")
        .await
        .unwrap();
    assert_eq!(basic.emails(accounts::ACCOUNT_USER).await.unwrap().len(), 1);
    let primary = emails[0].email.clone().unwrap();
    let err = basic
        .delete_email(accounts::ACCOUNT_USER, &primary)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
}

#[tokio::test]
async fn one_failed_report_does_not_stop_a_range_download() {
    let sim = Simulator::start().await.unwrap();
    let client = enterprise(&sim);
    // The first object-store request answers 404 (not retried).
    sim.inject(route::STORE, Fault::status(404), 1);
    let dir = tempfile::tempdir().unwrap();
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
    let options = enterprise_data_sdk::BulkOptions::new().concurrency(1);
    let summary = client
        .download_range(
            "usage_pulls",
            "daily",
            Some(day(28)),
            Some(day(30)),
            dir.path(),
            options,
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(summary.downloaded.len(), 2, "{summary:?}");
    assert_eq!(summary.failed.len(), 1, "{summary:?}");
    assert!(summary.failed[0].reason.contains("HTTP 404"), "{summary:?}");
    assert!(
        summary.failed[0]
            .item
            .contains("usage_pulls/daily/2026-06-")
    );
    assert!(!summary.is_success());
}

#[tokio::test]
async fn streams_own_their_client_and_open_reads_bytes_without_a_file() {
    use tokio::io::AsyncReadExt;
    let sim = Simulator::start().await.unwrap();
    let client = enterprise(&sim);
    let stream = client.reports("usage_pulls", "daily");
    let newest = client
        .latest("usage_pulls", "daily")
        .await
        .unwrap()
        .unwrap();
    let mut bytes = Vec::new();
    client
        .open(&newest)
        .await
        .unwrap()
        .read_to_end(&mut bytes)
        .await
        .unwrap();
    assert_eq!(bytes.len() as i64, newest.size_bytes);
    drop(client);
    // The stream outlives the client and runs on another task.
    let reports: Vec<_> = tokio::spawn(stream.try_collect::<Vec<_>>())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reports.len(), 75);

    let dvp = dvp(
        &sim,
        Credentials::login(accounts::DVP_USER, accounts::DVP_PASSWORD),
    )
    .build()
    .unwrap();
    let exports = dvp.exports_matching(
        accounts::NAMESPACE,
        ExportFilter::new().year(2026).timespan(Timespan::Month(1)),
    );
    let opener = dvp.clone();
    drop(dvp);
    let files: Vec<_> = tokio::spawn(exports.try_collect::<Vec<_>>())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(files.len(), 4);
    let mut raw = String::new();
    opener
        .open(&files[0])
        .await
        .unwrap()
        .read_to_string(&mut raw)
        .await
        .unwrap();
    assert_eq!(Some(raw.len() as u64), files[0].size);
    assert!(raw.starts_with("timestamp,namespace"));
}

#[tokio::test]
async fn one_download_call_shape_in_both_clients_with_progress() {
    use std::sync::{Arc, Mutex};
    let sim = Simulator::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    let enterprise = enterprise(&sim);
    let report = enterprise
        .latest("usage_pulls", "daily")
        .await
        .unwrap()
        .unwrap();
    let log = seen.clone();
    let bytes = enterprise
        .download(&report, dir.path().join("r.csv"))
        .progress(move |p| log.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(bytes as i64, report.size_bytes);
    let last = *seen.lock().unwrap().last().unwrap();
    assert_eq!((last.done, last.total), (bytes, Some(bytes)));

    let dvp = dvp(
        &sim,
        Credentials::login(accounts::DVP_USER, accounts::DVP_PASSWORD),
    )
    .build()
    .unwrap();
    let files: Vec<_> = dvp
        .exports_matching(
            accounts::NAMESPACE,
            ExportFilter::new().year(2026).timespan(Timespan::Week(3)),
        )
        .try_collect()
        .await
        .unwrap();
    seen.lock().unwrap().clear();
    let log = seen.clone();
    // A request is inert until awaited: nothing on disk yet.
    let request = dvp
        .download(&files[0], dir.path().join("w.csv"))
        .progress(move |p| log.lock().unwrap().push(p));
    assert!(!dir.path().join("w.csv").exists());
    let bytes = request.await.unwrap();
    assert_eq!(Some(bytes), files[0].size);
    assert_eq!(seen.lock().unwrap().last().unwrap().done, bytes);
}

#[tokio::test]
async fn a_report_id_names_a_report_without_fetching_it() {
    use enterprise_data_sdk::{Cadence, ReportId, ReportType};
    let sim = Simulator::start().await.unwrap();
    let client = enterprise(&sim);
    let listed = client
        .latest("usage_pulls", "daily")
        .await
        .unwrap()
        .unwrap();
    let id = ReportId::new(ReportType::UsagePulls, Cadence::Daily, listed.date);
    assert_eq!(id.size(), None);
    assert_eq!(
        ReportId::from(&listed).size(),
        Some(listed.size_bytes as u64)
    );
    assert_eq!(
        client.schema(&id).await.unwrap(),
        client.schema(&listed).await.unwrap()
    );
    assert!(
        client
            .download_url(&id)
            .await
            .unwrap()
            .contains("2026-06-30")
    );
    let dir = tempfile::tempdir().unwrap();
    let bytes = client.download(id, dir.path().join("r.csv")).await.unwrap();
    assert_eq!(bytes as i64, listed.size_bytes);
    // An unknown type is kept as it is and reaches the API by name.
    let other = ReportId::new("seat_usage", "quarterly", listed.date);
    assert_eq!(other.report_type(), &ReportType::Other("seat_usage".into()));
    let err = client.schema(&other).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.to_string().contains("seat_usage/quarterly"), "{err}");
}
