//! Rows 8: the SDK's download, `open` and streamed-rows paths against a
//! static file server (nginx, sendfile), where the server is not the limit.
//! Timed in alternating pairs with `sync` before each run; each ratio is the
//! median of the per-pair ratios, with their spread.

use std::path::Path;

use futures::TryStreamExt;

use crate::measure::{Error, Row};
use crate::nginx::{self, Nginx};
use crate::pairs::{curl_sample, current_thread_sample, paired, process_sample, sdk_sample};

/// The rows against nginx, or none (with a note on stderr) when nginx or
/// curl is missing. `report` is a usage_pulls CSV to serve (moved into the
/// served folder), `schema` its schema.
pub async fn rows(
    dir: &Path,
    report: &Path,
    schema: &enterprise_data_sdk::ReportSchema,
    pairs: usize,
    sim_rows: u64,
) -> Result<Vec<Row>, Error> {
    let Some(binary) = nginx::find() else {
        eprintln!(
            "nginx not found (on PATH or /usr/sbin): rows 8a-8f skipped. \
             Install it with `apt-get install nginx-light`."
        );
        return Ok(Vec::new());
    };
    eprintln!("static server: {}", binary.display());
    let www = dir.join("www");
    std::fs::create_dir_all(&www)?;
    let served = www.join("report.csv");
    std::fs::rename(report, &served)?;
    let server = Nginx::start(&binary, &www, &dir.join("nginx"))?;
    let url = server.url("report.csv");
    let size = std::fs::metadata(&served)?.len();
    let mib = size as f64 / 1048576.0;
    let downloader = crate::measure::url_downloader()?;
    let sdk_file = dir.join("nginx-sdk.csv");
    let curl_file = dir.join("nginx-curl.csv");
    let curl_path = curl_file
        .to_str()
        .ok_or("non-UTF-8 scratch path")?
        .to_owned();
    let mut rows = Vec::new();

    let download = || {
        let _ = std::fs::remove_file(&sdk_file);
        sdk_sample(|| async {
            downloader
                .download(&url, &sdk_file, Some(size), None)
                .await?;
            Ok(())
        })
    };
    let curl = |durable: bool| {
        let _ = std::fs::remove_file(&curl_file);
        let args = ["-s", "-f", "-o", curl_path.as_str(), url.as_str()];
        let curl_file = curl_file.clone();
        async move { curl_sample(&args, durable.then_some(curl_file.as_path())).await }
    };
    let plain = paired(pairs, download, || curl(false)).await?;
    rows.push(plain.row(
        "8a. download, nginx: SDK (fsync, rename) vs curl -s -o (no fsync)",
        Some(mib),
        ">= 1.0",
        Some(1.0),
    ));
    let durable = paired(pairs, download, || curl(true)).await?;
    rows.push(durable.row(
        "8b. download, nginx: SDK vs curl -s -o then sync FILE (both durable)",
        Some(mib),
        "(reported)",
        None,
    ));
    let _ = std::fs::remove_file(&sdk_file);
    let _ = std::fs::remove_file(&curl_file);

    rows.extend(cli_rows(dir, &www, &served, &server, size, sim_rows, pairs).await?);

    let open = || sdk_sample(|| read_to_end(downloader.clone(), url.clone(), size));
    let curl_null =
        || async { curl_sample(&["-s", "-f", "-o", "/dev/null", url.as_str()], None).await };
    let opened = paired(pairs, open, curl_null).await?;
    rows.push(opened.row(
        "8c. open (read to the end), nginx: SDK vs curl -s -o /dev/null",
        Some(mib),
        ">= 0.9",
        Some(0.9),
    ));
    let open_one_thread = || {
        let (downloader, url) = (downloader.clone(), url.clone());
        current_thread_sample(move || read_to_end(downloader, url, size))
    };
    let opened = paired(pairs, open_one_thread, curl_null).await?;
    rows.push(opened.row(
        "8c'. open (read to the end) on a current-thread runtime, as the CLI runs, vs curl -s -o /dev/null",
        Some(mib),
        ">= 0.9",
        Some(0.9),
    ));

    let streamed = || {
        sdk_sample(|| async {
            let body = downloader.open(&url).await?;
            let rows = enterprise_data_sdk::rows::RowReader::new(
                docker_data_csv::Source::Body(body),
                schema,
                "nginx",
            )
            .into_rows()
            .into_stream();
            rows.try_fold(0u64, |n, _| async move { Ok(n + 1) }).await?;
            Ok(())
        })
    };
    let from_disk = || {
        sdk_sample(|| async {
            crate::measure::typed_rows(&served, schema)?;
            Ok(())
        })
    };
    let rows_pair = paired(pairs, streamed, from_disk).await?;
    rows.push(rows_pair.row(
        "8d. typed rows streamed from nginx vs typed rows from the same file on disk",
        Some(mib),
        "(reported: 1 = the network costs nothing)",
        None,
    ));

    let lent_streamed = || {
        let (downloader, url, schema) = (downloader.clone(), url.clone(), schema.clone());
        sdk_sample(move || lent_rows_from(downloader, url, schema))
    };
    let lent_from_disk = || {
        sdk_sample(|| async {
            crate::measure::lent_rows(&served, schema)?;
            Ok(())
        })
    };
    let lent_pair = paired(pairs, lent_streamed, lent_from_disk).await?;
    rows.push(lent_pair.row(
        "8e. lent rows (every value read) streamed from nginx vs lent rows from the same file on disk",
        Some(mib),
        ">= 0.85",
        Some(0.85),
    ));
    let lent_one_thread = || {
        let (downloader, url, schema) = (downloader.clone(), url.clone(), schema.clone());
        current_thread_sample(move || lent_rows_from(downloader, url, schema))
    };
    let lent_pair = paired(pairs, lent_one_thread, lent_from_disk).await?;
    rows.push(lent_pair.row(
        "8e'. lent rows streamed from nginx on a current-thread runtime vs lent rows from the same file on disk",
        Some(mib),
        ">= 0.85",
        Some(0.85),
    ));

    // Row 3 with a source that is not the limit.
    let two_steps = || {
        let _ = std::fs::remove_file(&sdk_file);
        sdk_sample(|| async {
            downloader
                .download(&url, &sdk_file, Some(size), None)
                .await?;
            crate::measure::typed_rows(&sdk_file, schema)?;
            Ok(())
        })
    };
    let one_pass = paired(pairs, streamed, two_steps).await?;
    let _ = std::fs::remove_file(&sdk_file);
    rows.push(one_pass.row(
        "8f. one pass vs download, then parse, from nginx: typed rows streamed vs download + typed rows from the file",
        Some(mib),
        ">= 1.3",
        Some(1.3),
    ));
    drop(server);
    std::fs::rename(&served, report)?;
    Ok(rows)
}

/// `open` of `url`, its pieces read to the end (the cheapest way, no
/// copy); its length checked.
async fn read_to_end(
    downloader: sdk_core::download::Downloader,
    url: String,
    size: u64,
) -> Result<(), Error> {
    let mut body = downloader.open(&url).await?;
    let mut read = 0u64;
    while let Some(piece) = body.try_next().await? {
        read += piece.len() as u64;
    }
    if read != size {
        return Err(format!("open read {read} of {size} bytes").into());
    }
    Ok(())
}

/// Lent rows of `url`, every value read, as they arrive.
async fn lent_rows_from(
    downloader: sdk_core::download::Downloader,
    url: String,
    schema: enterprise_data_sdk::ReportSchema,
) -> Result<(), Error> {
    let body = downloader.open(&url).await?;
    let reader = enterprise_data_sdk::rows::RowReader::new(
        docker_data_csv::Source::Body(body),
        &schema,
        "nginx",
    );
    crate::measure::lent_rows_streamed(reader).await?;
    Ok(())
}

/// The `docker-data` binary beside this one (`cargo build --release -p
/// docker-data` first).
fn cli_binary() -> Result<std::path::PathBuf, Error> {
    let cli = std::env::current_exe()?.with_file_name("docker-data");
    if !cli.is_file() {
        let status = std::process::Command::new("cargo")
            .args(["build", "--release", "--quiet", "-p", "docker-data"])
            .status()?;
        if !status.success() || !cli.is_file() {
            return Err(format!(
                "{} is missing: cargo build --release -p docker-data",
                cli.display()
            )
            .into());
        }
    }
    Ok(cli)
}

/// Rows 8g and 8h: the CLI as a user runs it, a process end to end (API
/// call, redirect to nginx, download, fsync, rename), against curl, on disk
/// and on tmpfs.
async fn cli_rows(
    dir: &Path,
    www: &Path,
    served: &Path,
    server: &Nginx,
    size: u64,
    sim_rows: u64,
    pairs: usize,
) -> Result<Vec<Row>, Error> {
    use simulator::{Simulator, SimulatorConfig, accounts};
    let cli = cli_binary()?;
    let sim = Simulator::start_with(SimulatorConfig {
        enterprise_rows: sim_rows,
        store_url: Some(server.url("").trim_end_matches('/').to_owned()),
        ..Default::default()
    })
    .await?;
    let client = enterprise_data_sdk::EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .build()?;
    let report = client
        .latest("usage_pulls", "daily")
        .await?
        .ok_or("no report")?;
    if u64::try_from(report.size_bytes).ok() != Some(size) {
        return Err("the simulator's report is not the served file".into());
    }
    // Where the signed link points, as the simulator names it.
    let rel = format!(
        "enterprise/{}/usage_pulls/daily/{}.csv",
        accounts::ORG,
        report.date
    );
    let at = www.join(&rel);
    std::fs::create_dir_all(at.parent().ok_or("no parent")?)?;
    let _ = std::fs::remove_file(&at);
    std::fs::hard_link(served, &at)?;
    let url = server.url(&rel);
    let mib = size as f64 / 1048576.0;
    let (hub, api, date) = (sim.hub_url(), sim.enterprise_url(), report.date.to_string());
    let cli_path = cli.to_str().ok_or("non-UTF-8 path")?.to_owned();
    let target = crate::cli_process::CliTarget {
        cli: &cli_path,
        hub: &hub,
        api: &api,
        date: &date,
    };
    // `reports download` of the report into `out`.
    let download_into = |out: &str| {
        let args = [
            "reports",
            "download",
            "usage_pulls",
            "daily",
            "--date",
            &date,
            out,
        ];
        target.run(&args, &[])
    };

    let mut rows = Vec::new();
    let tmpfs = Path::new("/dev/shm").join(format!("docker-data-bench-{}", std::process::id()));
    for (out, name, goal, want) in [
        (
            dir.join("cli-out"),
            "8g. CLI end to end on disk: docker-data reports download (API, redirect to nginx, fsync, rename) vs curl -s -o (no fsync)",
            ">= 1.0",
            1.0,
        ),
        (
            tmpfs.clone(),
            "8h. CLI end to end on tmpfs: docker-data reports download vs curl -s -o",
            ">= 1.1; faults < 5,000 and switches < 2,000 per GiB",
            1.1,
        ),
    ] {
        std::fs::create_dir_all(&out)?;
        let cli_out = out.join("cli");
        let curl_file = out.join("curl.csv");
        let (cli_out_s, curl_s) = (
            cli_out.to_str().ok_or("non-UTF-8 path")?.to_owned(),
            curl_file.to_str().ok_or("non-UTF-8 path")?.to_owned(),
        );
        let ours = || {
            let _ = std::fs::remove_dir_all(&cli_out);
            download_into(&cli_out_s)
        };
        let curl = || {
            let _ = std::fs::remove_file(&curl_file);
            let args = ["-s", "-f", "-o", curl_s.as_str(), url.as_str()];
            async move { curl_sample(&args, None).await }
        };
        let measured = paired(pairs, ours, curl).await?;
        rows.push(measured.row(name, Some(mib), goal, Some(want)));
        let _ = std::fs::remove_dir_all(&out);
    }
    // The disk's own speed in the same run, as 8g's limit.
    let out = dir.join("cli-out");
    std::fs::create_dir_all(&out)?;
    let (cli_out, dd_file) = (out.join("cli"), out.join("dd.bin"));
    let cli_out_s = cli_out.to_str().ok_or("non-UTF-8 path")?.to_owned();
    let (dd_of, dd_count) = (
        format!("of={}", dd_file.to_str().ok_or("non-UTF-8 path")?),
        format!("count={}", size.div_ceil(1 << 20)),
    );
    let ours = || {
        let _ = std::fs::remove_dir_all(&cli_out);
        download_into(&cli_out_s)
    };
    let dd = || {
        let _ = std::fs::remove_file(&dd_file);
        let args = [
            "if=/dev/zero",
            dd_of.as_str(),
            "bs=1M",
            dd_count.as_str(),
            "conv=fsync",
        ];
        async move { process_sample("dd", &args, &[], None).await }
    };
    let disk = paired(pairs, ours, dd).await?;
    rows.push(disk.row(
        "8i. CLI end to end on disk vs the disk itself: dd bs=1M conv=fsync of the same size (8g's limit)",
        Some(mib),
        "(reported: 1 = as fast as the disk takes it)",
        None,
    ));
    let _ = std::fs::remove_dir_all(&out);

    rows.extend(crate::sync_rows::rows(&target, dir, mib, pairs).await?);
    Ok(rows)
}
