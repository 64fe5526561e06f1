//! The `docker-data` binary end to end against the simulator: every
//! subcommand, output formats, exit codes, a download through a dropped
//! connection.

use std::path::Path;
use std::process::Output;

use simulator::{Fault, Route, Simulator, accounts, route};

mod common;
use common::*;

#[test]
fn dvp_namespaces_as_table_and_json() {
    let table = ok(demo(&["dvp", "namespaces"]));
    assert_eq!(
        table.lines().collect::<Vec<_>>(),
        ["namespace", accounts::NAMESPACE]
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(demo(&["dvp", "namespaces", "-o", "json"]))).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{"namespace": accounts::NAMESPACE}])
    );
}

#[test]
fn dvp_exports_download_and_rows() {
    let exports = ok(demo(&[
        "dvp",
        "exports",
        accounts::NAMESPACE,
        "--year",
        "2026",
        "--week",
        "4",
        "-o",
        "csv",
    ]));
    let mut lines = exports.lines();
    assert_eq!(lines.next(), Some("year,timespan,dataview,size,path"));
    assert_eq!(lines.count(), 4, "{exports}");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    ok(demo(&[
        "dvp",
        "download",
        accounts::NAMESPACE,
        "--year",
        "2026",
        "--week",
        "4",
        "--dataview",
        "raw",
        out,
    ]));
    let raw = dir.path().join("sim-publisher/2026/week-04/raw.csv");
    assert!(raw.exists());
    assert!(!Path::new(&format!("{}.part", raw.display())).exists());

    let rows = ok(docker_data()
        .args([
            "dvp",
            "rows",
            raw.to_str().unwrap(),
            "--limit",
            "3",
            "-o",
            "json",
        ])
        .output()
        .unwrap());
    let rows: Vec<serde_json::Value> = rows
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["namespace"], accounts::NAMESPACE);
    assert!(
        rows[0]["timestamp"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-19"),
        "{}",
        rows[0]
    );
}

#[test]
fn dvp_download_without_a_selection_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = demo(&[
        "dvp",
        "download",
        accounts::NAMESPACE,
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--all"), "{}", stderr(&output));
}

#[test]
fn reports_types_list_schema_download_and_rows() {
    let types = ok(demo(&["reports", "types"]));
    assert!(
        types
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["usage_pulls", "daily"]),
        "{types}"
    );

    let list: serde_json::Value = serde_json::from_str(&ok(demo(&[
        "reports",
        "list",
        "usage_pulls",
        "daily",
        "-o",
        "json",
    ])))
    .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 75, "all three pages");
    assert_eq!(list[0]["Date"], "2026-06-30");

    let schema = ok(demo(&[
        "reports",
        "schema",
        "usage_pulls",
        "daily",
        "2026-06-30",
        "-o",
        "csv",
    ]));
    assert!(schema.contains("pull_count,integer,"), "{schema}");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    ok(demo(&[
        "reports",
        "download",
        "usage_pulls",
        "daily",
        "--all",
        out,
    ]));
    let files = std::fs::read_dir(dir.path().join("usage_pulls/daily"))
        .unwrap()
        .count();
    assert_eq!(files, 75);
    let again = demo(&["reports", "download", "usage_pulls", "daily", "--all", out]);
    assert!(
        stderr(&again).contains("0 reports") && stderr(&again).contains("75 already complete"),
        "{}",
        stderr(&again)
    );

    let file = dir.path().join("usage_pulls/daily/2026-06-30.csv");
    let rows = ok(demo(&[
        "reports",
        "rows",
        file.to_str().unwrap(),
        "--limit",
        "2",
        "-o",
        "json",
    ]));
    let first: serde_json::Value = serde_json::from_str(rows.lines().next().unwrap()).unwrap();
    assert!(
        first["pull_count"].is_i64() && first["automated"].is_boolean() && first["share"].is_f64(),
        "{first}"
    );
    assert_eq!(first["event_date"], "2026-06-30");
    assert_eq!(rows.lines().count(), 2, "{rows}");

    // Every row as CSV: the header, then one line per record of the file
    // (the simulator quotes nothing), each value as the file has it.
    let csv = ok(demo(&[
        "reports",
        "rows",
        file.to_str().unwrap(),
        "-o",
        "csv",
    ]));
    let original = std::fs::read_to_string(&file).unwrap();
    assert_eq!(csv.lines().count(), original.lines().count());
    assert_eq!(csv.lines().next(), original.lines().next());
    let fields = |text: &str| -> Vec<String> {
        text.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect()
    };
    let (shown, read) = (fields(&csv), fields(&original));
    // The float (`share`, last) is shown as the shortest text that reads
    // back the same.
    assert_eq!(shown[..7], read[..7]);
    assert_eq!(
        shown[7].parse::<f64>().unwrap(),
        read[7].parse::<f64>().unwrap()
    );
}

#[test]
fn api_runs_any_operation_by_operation_id() {
    let page: serde_json::Value = serde_json::from_str(&ok(demo(&[
        "api",
        "enterprise-data",
        "listReports",
        "--org-name",
        accounts::ORG,
        "--type",
        "usage_pulls",
        "--cadence",
        "weekly",
        "--page-size",
        "2",
    ])))
    .unwrap();
    assert_eq!(page["reports"].as_array().unwrap().len(), 2);
    assert!(!page["next_page_token"].as_str().unwrap().is_empty());

    let weeks: serde_json::Value = serde_json::from_str(&ok(demo(&[
        "api",
        "dvp",
        "getNamespaceTimespans",
        "--namespace",
        accounts::NAMESPACE,
        "--year",
        "2025",
        "--timespantype",
        "weeks",
    ])))
    .unwrap();
    assert_eq!(weeks["weeks"].as_array().unwrap().len(), 52);

    let listing = ok(demo(&["api", "hub-auth"]));
    assert!(listing.contains("create_access_token"), "{listing}");

    let refused = demo(&[
        "api",
        "hub-auth",
        "createAccessToken",
        "--identifier",
        accounts::ORG,
        "--secret",
        "wrong",
    ]);
    // Refused credentials: exit 4, as in every command.
    assert_eq!(refused.status.code(), Some(4));
    assert!(
        stderr(&refused).contains("HTTP 401"),
        "{}",
        stderr(&refused)
    );

    let bad = demo(&["api", "dvp", "getNamespaces", "--bogus"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn bad_org_name_exits_2_with_a_clear_message() {
    let output = demo(&["--org", "Bad Org", "--oat", "x", "reports", "types"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("invalid organization") && err.contains("\"Bad Org\""),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
}

#[test]
fn missing_credentials_say_which_variables_to_set_and_exit_4() {
    let output = docker_data().args(["reports", "types"]).output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(
        stderr(&output).contains("DOCKER_OAT"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn refused_credentials_exit_4_with_a_hint() {
    let output = demo(&["--org", "other-org", "--oat", "wrong", "reports", "types"]);
    assert_eq!(output.status.code(), Some(4));
    let err = stderr(&output);
    assert!(err.contains("HTTP 401") && err.contains("check"), "{err}");
    assert!(!err.contains("wrong\""), "the secret was echoed: {err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_still_gives_a_complete_size_checked_file() {
    let sim = Simulator::start().await.unwrap();
    sim.inject(route::STORE, Fault::DropAfter(3_000), 1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap().to_owned();
    let (hub, api) = (sim.hub_url(), sim.enterprise_url());
    let output = tokio::task::spawn_blocking(move || {
        docker_data()
            .args([
                "--hub-url",
                &hub,
                "--enterprise-url",
                &api,
                "--org",
                accounts::ORG,
            ])
            .env("DOCKER_OAT", accounts::OAT)
            .args([
                "reports",
                "download",
                "usage_pulls",
                "daily",
                "--date",
                "2026-06-30",
                &out,
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    ok(output);
    let file = dir.path().join("usage_pulls/daily/2026-06-30.csv");
    let expected = simulator::csvgen::CsvFile {
        kind: simulator::csvgen::RowKind::UsagePulls,
        rows: sim.config().enterprise_rows,
        seed: 0,
        owner: accounts::ORG.into(),
        date: "2026-06-30".into(),
    }
    .size();
    assert_eq!(std::fs::metadata(&file).unwrap().len(), expected);
    assert_eq!(
        sim.range_requests(),
        1,
        "the drop was not resumed with Range"
    );
}

/// `reports download usage_pulls daily --date 2026-06-30 DIR` against `sim`.
async fn download_report(sim: &Simulator, dir: &Path) -> Output {
    let out = dir.to_str().unwrap().to_owned();
    let (hub, api) = (sim.hub_url(), sim.enterprise_url());
    tokio::task::spawn_blocking(move || {
        docker_data()
            .args(["--hub-url", &hub, "--enterprise-url", &api])
            .args(["--org", accounts::ORG])
            .env("DOCKER_OAT", accounts::OAT)
            .args(["reports", "download", "usage_pulls", "daily"])
            .args(["--date", "2026-06-30", &out])
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// A first run whose every attempt is cut off: it fails, keeping the
/// `.part` for the next run.
async fn download_cut_off(sim: &Simulator, dir: &Path) -> u64 {
    // More drops than the default four attempts.
    sim.inject(route::STORE, Fault::DropAfter(2_000), 6);
    let output = download_report(sim, dir).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let part = dir.join("usage_pulls/daily/2026-06-30.csv.part");
    assert!(!dir.join("usage_pulls/daily/2026-06-30.csv").exists());
    sim.clear_faults();
    std::fs::metadata(part).unwrap().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_that_ended_the_process_continues_in_the_next_run() {
    let sim = Simulator::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kept = download_cut_off(&sim, dir.path()).await;
    assert!(kept >= 2_000, "{kept} bytes kept");

    let ranges_before = sim.range_requests();
    ok(download_report(&sim, dir.path()).await);
    assert_eq!(sim.range_requests() - ranges_before, 1, "one Range request");
    let fresh = tempfile::tempdir().unwrap();
    ok(download_report(&sim, fresh.path()).await);
    let file = "usage_pulls/daily/2026-06-30.csv";
    assert_eq!(
        std::fs::read(dir.path().join(file)).unwrap(),
        std::fs::read(fresh.path().join(file)).unwrap(),
        "the continued file equals the object"
    );
    assert!(!dir.path().join(format!("{file}.part")).exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_object_replaced_between_runs_is_downloaded_again_whole() {
    let sim = Simulator::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    download_cut_off(&sim, dir.path()).await;
    sim.replace_objects();

    ok(download_report(&sim, dir.path()).await);
    let fresh = tempfile::tempdir().unwrap();
    ok(download_report(&sim, fresh.path()).await);
    let file = "usage_pulls/daily/2026-06-30.csv";
    assert_eq!(
        std::fs::read(dir.path().join(file)).unwrap(),
        std::fs::read(fresh.path().join(file)).unwrap(),
        "no byte of the old object is kept"
    );
}

#[test]
fn verbose_logs_requests_without_secrets() {
    for verbosity in ["-v", "-vv"] {
        // A working run: the simulator's OAT and JWTs stay out of the logs.
        let output = demo(&[
            verbosity,
            "--org",
            accounts::ORG,
            "--oat",
            accounts::OAT,
            "reports",
            "types",
        ]);
        let err = stderr(&ok_output(output));
        assert!(
            err.contains("list_report_types") && err.contains("status=200"),
            "{err}"
        );
        assert!(!err.contains(accounts::OAT), "{verbosity}: OAT in the logs");
        assert!(!err.contains("eyJ"), "{verbosity}: a JWT in the logs");

        // A failing run with distinctive canaries as secrets.
        const CANARY_OAT: &str = "dckr_oat_CANARY7f3a9";
        const CANARY_PASSWORD: &str = "pw-CANARY-51c2e";
        let output = demo(&[
            verbosity,
            "--org",
            accounts::ORG,
            "--oat",
            CANARY_OAT,
            "--username",
            accounts::DVP_USER,
            "--password",
            CANARY_PASSWORD,
            "reports",
            "types",
        ]);
        // Refused credentials.
        assert_eq!(output.status.code(), Some(4));
        let dvp = demo(&[
            verbosity,
            "--username",
            accounts::DVP_USER,
            "--password",
            CANARY_PASSWORD,
            "dvp",
            "namespaces",
        ]);
        assert_eq!(dvp.status.code(), Some(4));
        for text in [stderr(&output), stdout(&output), stderr(&dvp), stdout(&dvp)] {
            assert!(
                !text.contains("CANARY"),
                "{verbosity}: a secret leaked:\n{text}"
            );
        }
    }
}

fn ok_output(output: Output) -> Output {
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

#[test]
fn dvp_pulls_in_each_output_format() {
    let table = ok(demo(&[
        "dvp",
        "pulls",
        accounts::NAMESPACE,
        "--period",
        "last-3-months",
    ]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["repo", "start", "end", "pulls", "ips", "country"]
    );
    assert_eq!(
        lines.len(),
        1 + 3,
        "a header and one total per month:\n{table}"
    );

    let csv = ok(demo(&[
        "dvp",
        "pulls",
        accounts::NAMESPACE,
        "--repo",
        "web-app",
        "--repo",
        "api-svc",
        "--timespan",
        "weeks",
        "--period",
        "last-2-months",
        "-o",
        "csv",
    ]));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2 * 8, "two repos, eight weeks each");
    let repo_column: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(
        repo_column.into_iter().collect::<Vec<_>>(),
        [
            format!("{}/api-svc", accounts::NAMESPACE),
            format!("{}/web-app", accounts::NAMESPACE)
        ]
    );

    let json: serde_json::Value = serde_json::from_str(&ok(demo(&[
        "dvp",
        "pulls",
        accounts::NAMESPACE,
        "--repo",
        "web-app",
        "-o",
        "json",
    ])))
    .unwrap();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 2, "default window: two months");
    assert!(entries.iter().all(|e| e["repo"] == format!("{}/web-app", accounts::NAMESPACE) && e["pulls"].is_u64()));

    let bad = demo(&["dvp", "pulls", accounts::NAMESPACE, "--period", "last-year"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("last-3-months"), "{}", stderr(&bad));
}

#[test]
fn account_show_and_emails_against_the_simulator() {
    let table = ok(demo(&["account", "show", accounts::ACCOUNT_USER]));
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["username", accounts::ACCOUNT_USER]),
        "{table}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(demo(&[
        "account",
        "show",
        accounts::ACCOUNT_USER,
        "-o",
        "json",
    ])))
    .unwrap();
    assert_eq!(json["username"], accounts::ACCOUNT_USER);
    // jsonl: the same object on one line.
    let line = ok(demo(&[
        "account",
        "show",
        accounts::ACCOUNT_USER,
        "-o",
        "jsonl",
    ]));
    assert_eq!(line.lines().count(), 1, "{line}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&line).unwrap(),
        json
    );
    let emails: serde_json::Value = serde_json::from_str(&ok(demo(&[
        "account",
        "emails",
        accounts::ACCOUNT_USER,
        "-o",
        "json",
    ])))
    .unwrap();
    assert_eq!(emails[0]["primary"], true);
    let missing = demo(&["account", "show", "nobody"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("HTTP 404"),
        "{}",
        stderr(&missing)
    );
    // The generated commands reach the same API (`--` keeps `--username`
    // from being read as the global flag).
    let raw: serde_json::Value = serde_json::from_str(&ok(demo(&[
        "api",
        "account",
        "listUserEmails",
        "--",
        "--username",
        accounts::ACCOUNT_USER,
    ])))
    .unwrap();
    assert_eq!(raw, emails);
}

#[test]
fn enterprise_auth_modes_from_flag_and_environment() {
    let exchange = ok(demo(&["reports", "types", "-o", "json"]));
    let direct = ok(demo(&[
        "--enterprise-auth",
        "direct",
        "reports",
        "types",
        "-o",
        "json",
    ]));
    assert_eq!(exchange, direct);
    let from_env = docker_data()
        .env("DOCKER_ENTERPRISE_AUTH", "direct")
        .args(["--demo", "-v", "reports", "types"])
        .output()
        .unwrap();
    let log = stderr(&from_env);
    assert!(from_env.status.success(), "{log}");
    // Direct mode never asks the Hub for a token; exchange mode does.
    assert!(!log.contains("create_access_token"), "{log}");
    let exchange_log = stderr(&ok_output(demo(&["-v", "reports", "types"])));
    assert!(
        exchange_log.contains("create_access_token"),
        "{exchange_log}"
    );
    let bad = demo(&["--enterprise-auth", "sideways", "reports", "types"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Runs the binary against a running simulator (DVP user credentials from
/// the environment, as a user would set them).
async fn against(sim: &Simulator, args: &[&str]) -> Output {
    let (hub, dvp) = (sim.hub_url(), sim.dvp_url());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        docker_data()
            .args(["--hub-url", &hub, "--dvp-url", &dvp])
            .env("DOCKER_USERNAME", accounts::DVP_USER)
            .env("DOCKER_PASSWORD", accounts::DVP_PASSWORD)
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn dvp_download_skips_views_without_data_and_refuses_hostile_names() {
    let sim = Simulator::start_with(simulator::SimulatorConfig {
        dvp_views_without_data: vec!["daily-summary".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = [
        "dvp",
        "download",
        accounts::NAMESPACE,
        "--year",
        "2026",
        "--month",
        "3",
        out.to_str().unwrap(),
    ];
    // A view with no data: a warning, the rest downloaded, exit 0.
    let output = against(&sim, &args).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: skipped") && err.contains("daily-summary"),
        "{err}"
    );
    assert!(out.join("sim-publisher/2026/month-03/raw.csv").exists());

    // A name that would leave the folder: refused, reported, exit 1; the
    // other files are there and nothing is outside `out`.
    let hostile = Simulator::start_with(simulator::SimulatorConfig {
        dvp_extra_views: vec!["../escaped".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let out2 = tmp.path().join("out2");
    let mut args2 = args;
    args2[7] = out2.to_str().unwrap();
    let output = against(&hostile, &args2).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("failed:") && err.contains("../escaped"),
        "{err}"
    );
    assert!(
        out2.join("sim-publisher/2026/month-03/summary.csv")
            .exists()
    );
    let outside: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut outside = outside;
    outside.sort();
    assert_eq!(outside, ["out", "out2"]);
    assert!(!out2.join("sim-publisher/2026/escaped.csv").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_failed_file_does_not_stop_the_others_and_exits_1() {
    let sim = Simulator::start().await.unwrap();
    // The first store request fails with a status that is not retried.
    sim.inject(route::STORE, Fault::status(404), 1);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    let output = against(
        &sim,
        &[
            "--concurrency",
            "1",
            "dvp",
            "download",
            accounts::NAMESPACE,
            "--year",
            "2026",
            "--month",
            "3",
            out,
        ],
    )
    .await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("failed:") && err.contains("HTTP 404"), "{err}");
    assert!(err.contains("downloaded 3 files"), "{err}");
}

#[test]
fn a_closed_pipe_ends_quietly_with_success_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    ok(demo(&[
        "dvp",
        "download",
        accounts::NAMESPACE,
        "--year",
        "2026",
        "--month",
        "3",
        "--dataview",
        "raw",
        dir.path().to_str().unwrap(),
    ]));
    let raw = dir.path().join("sim-publisher/2026/month-03/raw.csv");
    for format in ["table", "json", "csv"] {
        // The reader takes one line and closes the pipe.
        let mut child = docker_data_std()
            .args(["dvp", "rows", raw.to_str().unwrap(), "-o", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let output = child.wait_with_output().unwrap();
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(0), "{format}: {err}");
        assert!(err.is_empty(), "{format}: {err}");
    }
}

#[test]
fn api_json_body_that_is_missing_or_invalid_exits_1() {
    let missing = demo(&[
        "api",
        "account",
        "updateUser",
        "--",
        "--json-body",
        "/nonexistent/body.json",
        "--username",
        accounts::ACCOUNT_USER,
    ]);
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("/nonexistent/body.json"),
        "{}",
        stderr(&missing)
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"location": 5}"#).unwrap();
    let invalid = demo(&[
        "api",
        "account",
        "updateUser",
        "--",
        "--json-body",
        bad.to_str().unwrap(),
        "--username",
        accounts::ACCOUNT_USER,
    ]);
    assert_eq!(invalid.status.code(), Some(1), "{}", stderr(&invalid));
    assert!(
        stderr(&invalid).contains("failed to parse"),
        "{}",
        stderr(&invalid)
    );
}

#[test]
fn secrets_come_from_stdin_and_a_secret_flag_warns() {
    let mut command = docker_data();
    command
        .args([
            "--demo",
            "--username",
            accounts::DVP_USER,
            "--password-stdin",
            "dvp",
            "namespaces",
        ])
        .write_stdin(format!("{}\n", accounts::DVP_PASSWORD));
    let output = command.output().unwrap();
    assert_eq!(
        stdout(&ok_output(output)).lines().nth(1),
        Some(accounts::NAMESPACE)
    );

    let flagged = demo(&[
        "--pat",
        accounts::DVP_PASSWORD,
        "--username",
        accounts::DVP_USER,
        "dvp",
        "namespaces",
    ]);
    let err = stderr(&flagged);
    assert!(
        err.contains("warning: --pat on the command line is visible"),
        "{err}"
    );
    // The same secret from the environment draws no warning.
    let from_env = docker_data()
        .args(["--demo", "dvp", "namespaces"])
        .env("DOCKER_PAT", accounts::DVP_PASSWORD)
        .output()
        .unwrap();
    assert!(
        !stderr(&from_env).contains("warning"),
        "{}",
        stderr(&from_env)
    );

    let empty = docker_data()
        .args(["--demo", "--oat-stdin", "reports", "types"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("standard input is empty"));
}

#[test]
fn two_factor_with_otp_and_without_a_code() {
    let with_code = demo(&[
        "--username",
        accounts::DVP_2FA_USER,
        "--password",
        accounts::DVP_2FA_PASSWORD,
        "--otp",
        accounts::TOTP_CODE,
        "dvp",
        "namespaces",
    ]);
    assert_eq!(
        stdout(&ok_output(with_code)).lines().nth(1),
        Some(accounts::NAMESPACE)
    );
    let wrong_code = demo(&[
        "--username",
        accounts::DVP_2FA_USER,
        "--password",
        accounts::DVP_2FA_PASSWORD,
        "--otp",
        "000000",
        "dvp",
        "namespaces",
    ]);
    assert_eq!(wrong_code.status.code(), Some(4));
    // Not --demo (which answers the challenge itself) and no terminal: the
    // error says how to give a code.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(Simulator::start()).unwrap();
    let output = docker_data()
        .args(["--hub-url", &sim.hub_url(), "--dvp-url", &sim.dvp_url()])
        .env("DOCKER_USERNAME", accounts::DVP_2FA_USER)
        .env("DOCKER_PASSWORD", accounts::DVP_2FA_PASSWORD)
        .args(["dvp", "namespaces"])
        .output()
        .unwrap();
    // A code is required: authentication, exit 4.
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("--otp"), "{}", stderr(&output));
    drop(sim);
}

#[test]
fn exit_code_1_for_network_io_403_and_5xx_failures_and_4_for_a_refused_login() {
    // Network: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let network = docker_data()
        .args([
            "--hub-url",
            &nowhere,
            "--org",
            accounts::ORG,
            "--oat",
            accounts::OAT,
            "reports",
            "types",
        ])
        .output()
        .unwrap();
    assert_eq!(network.status.code(), Some(1), "{}", stderr(&network));
    // IO: the output folder is a file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let io = demo(&[
        "reports",
        "download",
        "usage_pulls",
        "daily",
        "--date",
        "2026-06-30",
        file.to_str().unwrap(),
    ]);
    assert_eq!(io.status.code(), Some(1), "{}", stderr(&io));
    // An organization's name and token are no user login: refused, exit 4.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(Simulator::start()).unwrap();
    let refused = docker_data()
        .args(["--hub-url", &sim.hub_url(), "--dvp-url", &sim.dvp_url()])
        .args([
            "--username",
            accounts::ORG,
            "--pat",
            accounts::OAT,
            "dvp",
            "namespaces",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    // 403: logged in, but not allowed there.
    sim.inject(route::DVP, Fault::status(403), 1);
    let forbidden = docker_data()
        .args(["--hub-url", &sim.hub_url(), "--dvp-url", &sim.dvp_url()])
        .env("DOCKER_USERNAME", accounts::DVP_USER)
        .env("DOCKER_PASSWORD", accounts::DVP_PASSWORD)
        .args(["dvp", "namespaces"])
        .output()
        .unwrap();
    assert_eq!(forbidden.status.code(), Some(1), "{}", stderr(&forbidden));
    assert!(
        stderr(&forbidden).contains("HTTP 403"),
        "{}",
        stderr(&forbidden)
    );
    // 5xx: the simulator fails every DVP call.
    sim.inject(route::DVP, Fault::status(500), 100);
    let server = docker_data()
        .args(["--hub-url", &sim.hub_url(), "--dvp-url", &sim.dvp_url()])
        .env("DOCKER_USERNAME", accounts::DVP_USER)
        .env("DOCKER_PASSWORD", accounts::DVP_PASSWORD)
        .args(["dvp", "namespaces"])
        .output()
        .unwrap();
    assert_eq!(server.status.code(), Some(1), "{}", stderr(&server));
    assert!(stderr(&server).contains("HTTP 500"), "{}", stderr(&server));
    drop(sim);
}

#[test]
fn exit_code_2_for_each_kind_of_bad_input() {
    for args in [
        &["dvp", "exports", "acme/web"][..], // namespace
        &["dvp", "exports", accounts::NAMESPACE, "--month", "13"], // month
        &["dvp", "exports", accounts::NAMESPACE, "--year", "1999"], // year
        &["dvp", "pulls", accounts::NAMESPACE, "--repo", "a b"], // repository
        &["reports", "schema", "usage_pulls", "daily", "2026-02-30"], // date
        &["reports", "list", "Usage Pulls", "daily"], // report type
        &["reports", "frobnicate"],          // subcommand
        &["--concurrency", "0", "reports", "types"], // option range
        &["api", "nospec"],                  // spec name
        &["api", "dvp", "noSuchOperation"],  // operation
    ] {
        let output = demo(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    // Missing credentials (no --demo) are not a usage error: exit 4, so a
    // script can tell "log in" apart.
    let output = docker_data().args(["reports", "types"]).output().unwrap();
    assert_eq!(output.status.code(), Some(4));
}

#[tokio::test(flavor = "multi_thread")]
async fn urls_from_the_environment_and_concurrency_work_and_no_bar_without_a_terminal() {
    let sim = Simulator::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap().to_owned();
    let (hub, api) = (sim.hub_url(), sim.enterprise_url());
    let output = tokio::task::spawn_blocking(move || {
        docker_data()
            .env("DOCKER_HUB_URL", hub)
            .env("DOCKER_ENTERPRISE_URL", api)
            .env("DOCKER_ORG", accounts::ORG)
            .env("DOCKER_OAT", accounts::OAT)
            .args([
                "--concurrency",
                "2",
                "reports",
                "download",
                "usage_pulls",
                "daily",
            ])
            .args(["--from", "2026-06-20", "--to", "2026-06-30", &out])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let err = stderr(&ok_output(output));
    assert!(err.contains("downloaded 11 reports"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path().join("usage_pulls/daily"))
            .unwrap()
            .count(),
        11
    );
    // stderr is a pipe here: no progress bar, no carriage returns.
    assert!(!err.contains('\r') && !err.contains("ETA"), "{err:?}");
}

/// The one-time code is asked for on the terminal when none was given.
/// `script` (util-linux, on every Debian system) gives the program a
/// pseudo-terminal as stdin and stderr.
#[test]
fn the_one_time_code_is_prompted_for_on_a_terminal() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(Simulator::start()).unwrap();
    let (hub, dvp) = (sim.hub_url(), sim.dvp_url());
    let args = ["--hub-url", &hub, "--dvp-url", &dvp, "dvp", "namespaces"];
    let env = [
        ("DOCKER_USERNAME", accounts::DVP_2FA_USER),
        ("DOCKER_PASSWORD", accounts::DVP_2FA_PASSWORD),
    ];
    let typed = format!("{}\n", accounts::TOTP_CODE);
    let (success, screen) = on_terminal(&fresh_home(), &args, &env, &typed);
    assert!(success, "{screen}");
    assert!(screen.contains("One-time code:"), "no prompt: {screen}");
    assert!(screen.contains(accounts::NAMESPACE), "{screen}");
    drop(sim);
}

#[test]
fn table_rows_are_aligned_and_long_cells_cut() {
    let dir = tempfile::tempdir().unwrap();
    ok(demo(&[
        "dvp",
        "download",
        accounts::NAMESPACE,
        "--year",
        "2026",
        "--month",
        "3",
        "--dataview",
        "raw",
        dir.path().to_str().unwrap(),
    ]));
    let raw = dir.path().join("sim-publisher/2026/month-03/raw.csv");
    let table = ok(docker_data()
        .args(["dvp", "rows", raw.to_str().unwrap(), "--limit", "5"])
        .output()
        .unwrap());
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 6);
    // Every line has its columns at the same offsets as the header.
    let starts = |line: &str| -> Vec<usize> {
        let bytes: Vec<char> = line.chars().collect();
        (1..bytes.len())
            .filter(|&i| bytes[i] != ' ' && bytes[i - 1] == ' ' && i >= 2 && bytes[i - 2] == ' ')
            .collect()
    };
    let header = starts(lines[0]);
    assert!(header.len() >= 10, "{table}");
    for line in &lines[1..] {
        assert_eq!(starts(line)[..3], header[..3], "{table}");
        assert!(!line.contains('\t'), "{line}");
    }
    // The 64-hex digests are cut to the widest a cell is shown.
    assert!(lines[1].contains('…'), "{table}");
}

/// Rows and key-value metadata of a Parquet file.
fn parquet_rows(path: &Path) -> (usize, Vec<(String, Option<String>)>) {
    use enterprise_data_sdk::columnar::parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let meta = reader.metadata().file_metadata();
    let kv = meta
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|kv| (kv.key.clone(), kv.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    (meta.num_rows() as usize, kv)
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn parquet_downloads_convert_while_the_body_arrives_even_through_a_dropped_connection() {
    let sim = Simulator::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (parquet_dir, csv_dir) = (dir.path().join("pq"), dir.path().join("csv"));
    let (hub, api) = (sim.hub_url(), sim.enterprise_url());
    let run = move |args: Vec<String>| {
        docker_data()
            .env("DOCKER_HUB_URL", &hub)
            .env("DOCKER_ENTERPRISE_URL", &api)
            .env("DOCKER_ORG", accounts::ORG)
            .env("DOCKER_OAT", accounts::OAT)
            .args(args)
            .output()
            .unwrap()
    };
    let download = |format: &str, out: &Path| {
        [
            "reports",
            "download",
            "usage_pulls",
            "daily",
            "--from",
            "2026-06-29",
            "--to",
            "2026-06-30",
            "--format",
            format,
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([out.display().to_string()])
        .collect::<Vec<_>>()
    };
    // The first body is cut off after 10,000 bytes: the conversion starts over.
    sim.inject(route::STORE, Fault::DropAfter(10_000), 1);
    let args = download("parquet", &parquet_dir);
    let run2 = run.clone();
    let err = stderr(&ok_output(
        tokio::task::spawn_blocking(move || run2(args))
            .await
            .unwrap(),
    ));
    assert!(err.contains("downloaded 2 reports"), "{err}");
    assert_eq!(
        files_under(&parquet_dir),
        [
            "usage_pulls/daily/2026-06-29.parquet",
            "usage_pulls/daily/2026-06-30.parquet"
        ],
        "no CSV and no .part on disk"
    );
    // The same reports as CSV: as many rows as the Parquet files hold.
    let args = download("csv", &csv_dir);
    let run2 = run.clone();
    ok_output(
        tokio::task::spawn_blocking(move || run2(args))
            .await
            .unwrap(),
    );
    let csv = csv_dir.join("usage_pulls/daily/2026-06-30.csv");
    let csv_rows = std::fs::read_to_string(&csv).unwrap().lines().count() - 1;
    let (rows, metadata) = parquet_rows(&parquet_dir.join("usage_pulls/daily/2026-06-30.parquet"));
    assert_eq!(rows, csv_rows);
    assert!(metadata.contains(&("docker.date".to_owned(), Some("2026-06-30".to_owned()))));
    assert!(metadata.contains(&("docker.org".to_owned(), Some(accounts::ORG.to_owned()))));

    // A rerun skips the complete files.
    let args = download("parquet", &parquet_dir);
    let run2 = run.clone();
    let err = stderr(&ok_output(
        tokio::task::spawn_blocking(move || run2(args))
            .await
            .unwrap(),
    ));
    assert!(err.contains("2 already complete"), "{err}");

    // `reports convert` does the same from the CSV on disk.
    let converted = dir.path().join("converted.parquet");
    let args = vec![
        "reports".to_owned(),
        "convert".to_owned(),
        csv.display().to_string(),
        "--to".to_owned(),
        "parquet".to_owned(),
        converted.display().to_string(),
    ];
    ok_output(
        tokio::task::spawn_blocking(move || run(args))
            .await
            .unwrap(),
    );
    assert_eq!(parquet_rows(&converted).0, csv_rows);
}

#[test]
fn dvp_parquet_download_and_convert() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dvp");
    let out_s = out.display().to_string();
    let err = stderr(&ok_output(demo(&[
        "dvp",
        "download",
        accounts::NAMESPACE,
        "--year",
        "2026",
        "--month",
        "3",
        "--format",
        "parquet",
        &out_s,
    ])));
    assert!(err.contains("downloaded"), "{err}");
    let files = files_under(&out);
    assert!(
        !files.is_empty() && files.iter().all(|f| f.ends_with(".parquet")),
        "{files:?}"
    );
    let raw = out.join(format!("{}/2026/month-03/raw.parquet", accounts::NAMESPACE));
    let (rows, metadata) = parquet_rows(&raw);
    assert!(rows > 0);
    assert!(metadata.contains(&("docker.dataview".to_owned(), Some("raw".to_owned()))));
    assert!(metadata.contains(&(
        "docker.namespace".to_owned(),
        Some(accounts::NAMESPACE.to_owned())
    )));

    // The CSV of the same file, converted on disk: the same rows, the
    // dataview read from the file name.
    let csv_dir = dir.path().join("csv");
    let csv_s = csv_dir.display().to_string();
    ok_output(demo(&[
        "dvp",
        "download",
        accounts::NAMESPACE,
        "--year",
        "2026",
        "--month",
        "3",
        "--dataview",
        "raw",
        &csv_s,
    ]));
    let csv = csv_dir.join(format!("{}/2026/month-03/raw.csv", accounts::NAMESPACE));
    let converted = dir.path().join("raw.parquet");
    ok_output(
        docker_data()
            .args([
                "dvp",
                "convert",
                &csv.display().to_string(),
                "--to",
                "parquet",
            ])
            .arg(&converted)
            .output()
            .unwrap(),
    );
    assert_eq!(parquet_rows(&converted).0, rows);
    // A bad cell: exit 1, the line and column named, nothing written.
    std::fs::create_dir(dir.path().join("bad")).unwrap();
    let bad = dir.path().join("bad/raw-1.csv");
    std::fs::write(&bad, "timestamp,namespace\nyesterday,acme\n").unwrap();
    let output = docker_data()
        .args([
            "dvp",
            "convert",
            &bad.display().to_string(),
            "--to",
            "parquet",
        ])
        .arg(dir.path().join("bad.parquet"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("line 2") && stderr(&output).contains("timestamp"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("bad.parquet").exists());
}

#[test]
fn hub_commands_in_every_output_format() {
    let org = accounts::ORG;
    for (args, rows) in [
        (
            vec!["hub", "audit-logs", org],
            simulator::hub_data::AUDIT_EVENTS,
        ),
        (
            vec![
                "hub",
                "audit-logs",
                org,
                "--from",
                "2026-06-30T00:00:00Z",
                "--to",
                "2026-06-30T11:59:59Z",
                "--action",
                "repo.create",
            ],
            3,
        ),
        (vec!["hub", "members", org], 15),
        (vec!["hub", "repos", org], 5),
        (vec!["hub", "tags", org, "web-app"], 5),
    ] {
        let table = ok(demo(&args));
        assert_eq!(
            table.lines().count(),
            rows + 1,
            "{args:?}: header and rows\n{table}"
        );
        let mut with_csv = args.clone();
        with_csv.extend(["-o", "csv"]);
        let csv = ok(demo(&with_csv));
        assert_eq!(csv.lines().count(), rows + 1, "{args:?}");
        assert!(csv.lines().next().unwrap().contains(','), "{csv}");
        let mut with_json = args.clone();
        with_json.extend(["-o", "json"]);
        let json: serde_json::Value = serde_json::from_str(&ok(demo(&with_json))).unwrap();
        assert_eq!(json.as_array().map(Vec::len), Some(rows), "{args:?}");
    }
    // A bad window is a usage error, before any request.
    let bad = demo(&[
        "hub",
        "audit-logs",
        org,
        "--from",
        "2026-07-01T00:00:00Z",
        "--to",
        "2026-06-01T00:00:00Z",
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[test]
fn hub_members_export_writes_the_csv_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("members.csv");
    let err = stderr(&ok_output(demo(&[
        "hub",
        "members",
        accounts::ORG,
        "--export",
        &file.display().to_string(),
    ])));
    assert!(err.contains("exported"), "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("Name,Username,Email,Type"), "{text}");
    assert_eq!(text.lines().count(), 16);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no .part left"
    );
    // An organization the Hub does not know: exit 1, nothing written.
    let missing = dir.path().join("none.csv");
    let output = demo(&[
        "hub",
        "members",
        "nobody",
        "--export",
        &missing.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("404"), "{}", stderr(&output));
    assert!(!missing.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Secrets a hostile server echoes back: the caller's OAT, a JWT, a signed
/// URL.
const ECHOED: [&str; 3] = [
    accounts::OAT,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaW0ifQ.c2lnbmF0dXJl",
    "X-Amz-Signature=s3cr3t",
];

/// An error body with the secrets in every field a server's message is
/// read from, and in one it is not.
fn echoing_error_body() -> String {
    let text = format!(
        "token {} jwt {} url https://store.example/r.csv?{}",
        ECHOED[0], ECHOED[1], ECHOED[2]
    );
    serde_json::json!({"message": text, "detail": text, "error": text, "errinfo": {"text": text}})
        .to_string()
}

#[test]
fn no_command_prints_a_secret_that_the_server_echoes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(Simulator::start()).unwrap();
    let echo = echoing_error_body();
    // A success whose body does not decode: serde's message quotes it.
    let quoted = serde_json::json!({"reports": echo, "report_types": echo, "results": echo, "next_page_token": ""})
        .to_string();
    let reports_list = &["reports", "list", "usage_pulls", "daily"][..];
    let reports_types = &["reports", "types"][..];
    let api_list = &[
        "api",
        "enterprise-data",
        "listReports",
        "--org-name",
        accounts::ORG,
        "--type",
        "usage_pulls",
        "--cadence",
        "daily",
    ][..];
    let api_tags = &[
        "api",
        "hub",
        "ListRepositoryTags",
        "--namespace",
        accounts::ORG,
        "--repository",
        "web-app",
    ][..];
    let hub_tags = &["hub", "tags", accounts::ORG, "web-app"][..];
    let cases: Vec<(&[&str], Route, Fault)> = vec![
        // Documented error statuses (decoded by the generated code).
        (
            reports_list,
            route::ENTERPRISE_LIST,
            Fault::respond(403, &echo),
        ),
        (
            reports_types,
            route::ENTERPRISE_TYPES,
            Fault::respond(403, &echo),
        ),
        (api_list, route::ENTERPRISE_LIST, Fault::respond(400, &echo)),
        (api_tags, route::HUB_DATA, Fault::respond(403, &echo)),
        (hub_tags, route::HUB_DATA, Fault::respond(403, &echo)),
        // Statuses the spec does not describe.
        (
            reports_list,
            route::ENTERPRISE_LIST,
            Fault::respond(418, &echo),
        ),
        (api_list, route::ENTERPRISE_LIST, Fault::respond(418, &echo)),
        (hub_tags, route::HUB_DATA, Fault::respond(418, &echo)),
        // Successes that do not decode.
        (
            reports_list,
            route::ENTERPRISE_LIST,
            Fault::respond(200, &quoted),
        ),
        (
            reports_types,
            route::ENTERPRISE_TYPES,
            Fault::respond(200, &quoted),
        ),
        (
            api_list,
            route::ENTERPRISE_LIST,
            Fault::respond(200, &quoted),
        ),
        (api_tags, route::HUB_DATA, Fault::respond(200, &quoted)),
    ];
    for (args, route, fault) in cases {
        let shown = format!("{args:?} {fault:?}");
        sim.inject(route, fault, 1);
        let output = docker_data()
            .args(["--hub-url", &sim.hub_url()])
            .args(["--enterprise-url", &sim.enterprise_url()])
            .env("DOCKER_ORG", accounts::ORG)
            .env("DOCKER_OAT", accounts::OAT)
            .args(args)
            .output()
            .unwrap();
        let printed = format!("{}{}", stdout(&output), stderr(&output));
        assert_eq!(output.status.code(), Some(1), "{shown}: {printed}");
        for secret in ECHOED {
            assert!(
                !printed.contains(secret),
                "{shown} printed {secret}: {printed}"
            );
        }
        // The failure is still told: the status, or what did not decode.
        assert!(
            printed.contains("HTTP 4") || printed.contains("unexpected response"),
            "{shown}: {printed}"
        );
        sim.clear_faults();
    }
}

#[test]
fn repo_may_be_given_with_its_namespace_and_another_namespace_is_named() {
    let alone = ok(demo(&[
        "dvp",
        "pulls",
        accounts::NAMESPACE,
        "--repo",
        "web-app",
        "-o",
        "csv",
    ]));
    let qualified = format!("{}/web-app", accounts::NAMESPACE);
    let pasted = ok(demo(&[
        "dvp",
        "pulls",
        accounts::NAMESPACE,
        "--repo",
        &qualified,
        "-o",
        "csv",
    ]));
    assert_eq!(alone, pasted);
    assert!(alone.lines().count() > 1, "{alone}");
    // Two repositories, one of them written with its namespace.
    let mixed = ok(demo(&[
        "dvp",
        "pulls",
        accounts::NAMESPACE,
        "--repo",
        &qualified,
        "--repo",
        "api-svc",
        "-o",
        "csv",
    ]));
    assert!(
        mixed.contains(&qualified) && mixed.contains("api-svc"),
        "{mixed}"
    );

    let other = demo(&[
        "dvp",
        "pulls",
        accounts::NAMESPACE,
        "--repo",
        "elsewhere/web-app",
    ]);
    assert_eq!(other.status.code(), Some(2));
    let err = stderr(&other);
    assert!(
        err.contains("\"elsewhere\"") && err.contains(accounts::NAMESPACE),
        "{err}"
    );
}

#[test]
fn logs_follow_rust_log_even_without_v() {
    // RUST_LOG chooses the logs even without -v.
    let output = docker_data()
        .arg("--demo")
        .env("RUST_LOG", "docker_data_core=debug")
        .args(["dvp", "namespaces"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(stderr(&output).contains("request"), "{}", stderr(&output));
    // Without it and without -v: no logs.
    let quiet = docker_data()
        .arg("--demo")
        .args(["dvp", "namespaces"])
        .output()
        .unwrap();
    assert!(!stderr(&quiet).contains("request"), "{}", stderr(&quiet));
}

#[tokio::test(flavor = "multi_thread")]
async fn hub_listings_stream_their_pages_and_stop_asking_at_the_limit() {
    use std::io::BufRead;
    let sim = Simulator::start().await.unwrap();
    let hub = sim.hub_url();
    let command = move |args: &[&str]| {
        let mut command = docker_data_std();
        command
            .args(["--hub-url", &hub])
            .env("DOCKER_ORG", accounts::ORG)
            .env("DOCKER_OAT", accounts::OAT)
            .env_remove("RUST_LOG")
            .args(args);
        command
    };
    let run = |args: Vec<&'static str>| {
        let mut command = command(&args);
        async move {
            tokio::task::spawn_blocking(move || command.output().unwrap())
                .await
                .unwrap()
        }
    };

    // 25 events a page: --limit 30 asks for two pages (and the token), not
    // the twelve the whole log takes.
    let before = sim.requests();
    let output = run(vec![
        "hub",
        "audit-logs",
        accounts::ORG,
        "--limit",
        "30",
        "-o",
        "jsonl",
    ])
    .await;
    let events = json_lines(&output);
    assert_eq!(events.len(), 30);
    assert!(events.iter().all(|e| e["action"].is_string()), "{events:?}");
    assert_eq!(
        sim.requests() - before,
        1 + 2,
        "token exchange and two pages"
    );

    // -o jsonl: one object per line, for every listing.
    for args in [
        vec!["hub", "members", accounts::ORG, "-o", "jsonl"],
        vec!["hub", "repos", accounts::ORG, "-o", "jsonl"],
        vec!["hub", "tags", accounts::ORG, "web-app", "-o", "jsonl"],
    ] {
        let listed = json_lines(&run(args.clone()).await);
        assert!(
            !listed.is_empty() && listed.iter().all(|o| o.is_object()),
            "{args:?}"
        );
    }

    // The second page held back (every attempt at it): the first page's
    // events are printed while the listing waits. Without that, the first
    // line would come only after the held request timed out and was sent
    // again, which the request count would show.
    sim.inject(route::HUB_DATA, Fault::Delay(std::time::Duration::ZERO), 1);
    sim.inject(
        route::HUB_DATA,
        Fault::Delay(std::time::Duration::from_secs(600)),
        4,
    );
    let before = sim.requests();
    let mut child = command(&["hub", "audit-logs", accounts::ORG, "-o", "jsonl"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        line
    })
    .await
    .unwrap();
    let asked = sim.requests() - before;
    let event: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(event["action"].is_string(), "{first}");
    assert!(
        asked <= 3,
        "{asked} requests before the first line: token, page 1 and at most the held page 2"
    );
    assert!(child.try_wait().unwrap().is_none(), "the listing ended");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn reports_list_streams_as_jsonl_and_json_stays_one_array() {
    let lines = ok(demo(&[
        "reports",
        "list",
        "usage_pulls",
        "daily",
        "--limit",
        "3",
        "-o",
        "jsonl",
    ]));
    let reports: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 3);
    assert!(reports.iter().all(|r| r["Date"].is_string()), "{lines}");
    let array: serde_json::Value = serde_json::from_str(&ok(demo(&[
        "reports",
        "list",
        "usage_pulls",
        "daily",
        "-o",
        "json",
    ])))
    .unwrap();
    assert_eq!(array.as_array().unwrap().len(), 75);
    let none: serde_json::Value = serde_json::from_str(&ok(demo(&[
        "reports",
        "list",
        "usage_pulls",
        "daily",
        "--limit",
        "0",
        "-o",
        "json",
    ])))
    .unwrap();
    assert_eq!(none, serde_json::json!([]));
}

#[test]
fn completions_for_every_shell_and_man_pages() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = ok(docker_data().args(["completions", shell]).output().unwrap());
        // Every subcommand is offered.
        for name in ["reports", "dvp", "hub", "account", "api", "completions"] {
            assert!(script.contains(name), "{shell}: no {name}");
        }
    }
    // The bash script is valid bash.
    let dir = tempfile::tempdir().unwrap();
    let bash = dir.path().join("docker-data.bash");
    let script = ok(docker_data()
        .args(["completions", "bash"])
        .output()
        .unwrap());
    std::fs::write(&bash, script).unwrap();
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&bash)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );

    let man = dir.path().join("man1");
    ok(docker_data().arg("man").arg(&man).output().unwrap());
    let page = std::fs::read_to_string(man.join("docker-data.1")).unwrap();
    assert!(
        page.contains(".TH") && page.contains("Exit codes"),
        "{page}"
    );
    assert!(man.join("docker-data-reports-list.1").exists());
}

#[test]
fn completions_into_a_closed_pipe_end_quietly() {
    use std::io::Read;
    let mut child = docker_data_std()
        .args(["completions", "zsh"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read nothing: the pipe closes before the script is written.
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn sync_writes_a_lake_once_and_a_rerun_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let lake = lake.to_str().unwrap();
    let args = ["sync", lake, "--reports", "active_users/monthly"];
    let first = demo(&args);
    let written = ok(first);
    let paths: Vec<&str> = written.lines().collect();
    assert_eq!(paths.len(), 6, "{written}");
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("enterprise/active_users/monthly/org=sim-org/report_date=")),
        "{written}"
    );
    assert!(dir.path().join("lake").join(paths[0]).is_file());

    let again = demo(&args);
    let err = stderr(&again);
    assert_eq!(ok(again), "", "a rerun wrote objects");
    assert!(
        err.contains("0 written") && err.contains("6 already there"),
        "{err}"
    );
}

#[test]
fn sync_exits_1_naming_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().to_str().unwrap();
    let output = demo(&["sync", lake, "--reports", "no_such_report/daily"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("failed: enterprise:sim-org/no_such_report/daily"),
        "{err}"
    );

    let usage = demo(&["sync", lake, "--reports", "usage_pulls"]);
    assert_eq!(usage.status.code(), Some(2), "{}", stderr(&usage));
}

#[test]
fn quiet_leaves_stderr_to_warnings_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().to_str().unwrap();
    let quiet = demo(&["--quiet", "sync", lake, "--reports", "active_users/monthly"]);
    let err = stderr(&quiet);
    assert_eq!(
        ok(quiet).lines().count(),
        6,
        "the data still goes to stdout"
    );
    assert_eq!(err, "", "no note, no summary");
    // Without it, the notes are there.
    let loud = demo(&["sync", lake, "--reports", "active_users/monthly"]);
    assert!(stderr(&loud).contains("6 already there"));
    // A failure still says why.
    let failed = demo(&["-q", "sync", lake, "--reports", "nope/daily"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(stderr(&failed).contains("failed:"), "{}", stderr(&failed));
    // -q and -v say opposite things.
    assert_eq!(
        demo(&["-q", "-v", "dvp", "namespaces"]).status.code(),
        Some(2)
    );
}

/// DVP listings take --limit and print one object per line with -o jsonl;
/// the export walk stops asking once it has the files it needs.
#[tokio::test(flavor = "multi_thread")]
async fn dvp_listings_take_a_limit_and_print_jsonl() {
    let sim = Simulator::start().await.unwrap();
    let exports = ["dvp", "exports", accounts::NAMESPACE, "-o", "jsonl"];
    let before = sim.requests();
    let all = json_lines(&against(&sim, &exports).await);
    let walk = sim.requests() - before;
    assert!(all.len() > 4, "{all:?}");
    assert!(all.iter().all(|o| o["path"].is_string()), "{all:?}");

    let before = sim.requests();
    let limited = [&exports[..], &["--limit", "2"]].concat();
    let first = json_lines(&against(&sim, &limited).await);
    assert_eq!(first, all[..2]);
    assert!(
        sim.requests() - before < walk,
        "--limit stops the walk: {} requests of {walk}",
        sim.requests() - before
    );

    for args in [
        vec!["dvp", "namespaces", "-o", "jsonl", "--limit", "1"],
        vec![
            "dvp",
            "pulls",
            accounts::NAMESPACE,
            "-o",
            "jsonl",
            "--limit",
            "1",
        ],
    ] {
        let listed = json_lines(&against(&sim, &args).await);
        assert_eq!(listed.len(), 1, "{args:?}: {listed:?}");
        assert!(listed[0].is_object());
    }
}
