//! Rows 8: the SDK's download, `open` and streamed-rows paths against a
//! static file server (nginx, sendfile), where the server is not the limit.
//! Timed in alternating pairs with `sync` before each run; each ratio is the
//! median of the per-pair ratios, with their spread.

use std::path::Path;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use tokio::io::AsyncReadExt;

use crate::measure::{Error, Row};
use crate::nginx::{self, Nginx};

/// CPU time (user, system) of this process and of its waited-for children,
/// from `/proc/self/stat`, in clock ticks converted at 100 Hz.
#[derive(Clone, Copy, Default)]
struct Cpu {
    user: Duration,
    sys: Duration,
    child_user: Duration,
    child_sys: Duration,
}

fn cpu_now() -> Cpu {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let tick = |i: usize| Duration::from_millis(fields.get(i).copied().unwrap_or(0) * 10);
    Cpu {
        user: tick(10),
        sys: tick(11),
        child_user: tick(12),
        child_sys: tick(13),
    }
}

/// One timed run: wall time and CPU (user, sys) spent.
struct Sample {
    wall: Duration,
    user: Duration,
    sys: Duration,
}

fn sync_disk() {
    let _ = std::process::Command::new("sync").status();
}

async fn sdk_sample<F, Fut>(f: F) -> Result<Sample, Error>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let before = cpu_now();
    let started = Instant::now();
    f().await?;
    let wall = started.elapsed();
    let after = cpu_now();
    Ok(Sample {
        wall,
        user: after.user.saturating_sub(before.user),
        sys: after.sys.saturating_sub(before.sys),
    })
}

async fn curl_sample(args: &[&str], then_sync: Option<&Path>) -> Result<Sample, Error> {
    let before = cpu_now();
    let started = Instant::now();
    let status = tokio::process::Command::new("curl")
        .args(args)
        .status()
        .await?;
    if !status.success() {
        return Err("curl failed".into());
    }
    if let Some(file) = then_sync {
        let status = tokio::process::Command::new("sync")
            .arg(file)
            .status()
            .await?;
        if !status.success() {
            return Err("sync FILE failed".into());
        }
    }
    let wall = started.elapsed();
    let after = cpu_now();
    Ok(Sample {
        wall,
        user: after.child_user.saturating_sub(before.child_user),
        sys: after.child_sys.saturating_sub(before.child_sys),
    })
}

fn median<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

/// The medians of paired samples: (ours, baseline, per-pair ratio
/// baseline/ours, lowest ratio, highest ratio).
struct Paired {
    ours: Vec<Sample>,
    baseline: Vec<Sample>,
}

impl Paired {
    fn ratio(&self) -> (f64, f64, f64) {
        let ratios: Vec<f64> = self
            .ours
            .iter()
            .zip(&self.baseline)
            .map(|(o, b)| b.wall.as_secs_f64() / o.wall.as_secs_f64())
            .collect();
        let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let high = ratios.iter().copied().fold(0.0, f64::max);
        (median(ratios), low, high)
    }

    fn describe(samples: &[Sample], mib: f64) -> String {
        let wall = median(samples.iter().map(|s| s.wall).collect());
        let user = median(samples.iter().map(|s| s.user).collect());
        let sys = median(samples.iter().map(|s| s.sys).collect());
        format!(
            "{:.3} s ({:.0} MiB/s; cpu user {:.2} s, sys {:.2} s)",
            wall.as_secs_f64(),
            mib / wall.as_secs_f64(),
            user.as_secs_f64(),
            sys.as_secs_f64()
        )
    }

    fn row(&self, name: &'static str, mib: f64, goal: &'static str, want: Option<f64>) -> Row {
        let (ratio, low, high) = self.ratio();
        Row {
            name,
            ours: Self::describe(&self.ours, mib),
            baseline: Self::describe(&self.baseline, mib),
            ratio,
            goal,
            spread: Some((low, high)),
            met: want.is_none_or(|want| ratio >= want),
        }
    }
}

/// Runs `ours` and `baseline` alternately `pairs` times (the first of each
/// pair alternates too), with `sync` before each run.
async fn paired<O, OF, B, BF>(pairs: usize, mut ours: O, mut baseline: B) -> Result<Paired, Error>
where
    O: FnMut() -> OF,
    OF: std::future::Future<Output = Result<Sample, Error>>,
    B: FnMut() -> BF,
    BF: std::future::Future<Output = Result<Sample, Error>>,
{
    let mut result = Paired {
        ours: Vec::new(),
        baseline: Vec::new(),
    };
    for pair in 0..pairs {
        for first in [pair % 2 == 0, pair % 2 == 1] {
            sync_disk();
            if first {
                result.ours.push(ours().await?);
            } else {
                result.baseline.push(baseline().await?);
            }
        }
    }
    Ok(result)
}

/// The rows against nginx, or none (with a note on stderr) when nginx or
/// curl is missing. `report` is a usage_pulls CSV to serve (moved into the
/// served folder), `schema` its schema.
pub async fn rows(
    dir: &Path,
    report: &Path,
    schema: &enterprise_data_sdk::ReportSchema,
    pairs: usize,
) -> Result<Vec<Row>, Error> {
    let Some(binary) = nginx::find() else {
        eprintln!(
            "nginx not found (on PATH or /usr/sbin): rows 8a-8d skipped. \
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
    let downloader = sdk_core::ClientConfig::new("http://unused", "http://unused").downloader()?;
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
        mib,
        ">= 1.0",
        Some(1.0),
    ));
    let durable = paired(pairs, download, || curl(true)).await?;
    rows.push(durable.row(
        "8b. download, nginx: SDK vs curl -s -o then sync FILE (both durable)",
        mib,
        "(reported)",
        None,
    ));
    let _ = std::fs::remove_file(&sdk_file);
    let _ = std::fs::remove_file(&curl_file);

    let open = || {
        sdk_sample(|| async {
            let mut body = downloader.open(&url).await?;
            let mut buffer = vec![0u8; 256 * 1024];
            let mut read = 0u64;
            loop {
                match body.read(&mut buffer).await? {
                    0 => break,
                    n => read += n as u64,
                }
            }
            if read != size {
                return Err(format!("open read {read} of {size} bytes").into());
            }
            Ok(())
        })
    };
    let curl_null =
        || async { curl_sample(&["-s", "-f", "-o", "/dev/null", url.as_str()], None).await };
    let opened = paired(pairs, open, curl_null).await?;
    rows.push(opened.row(
        "8c. open (read to the end), nginx: SDK vs curl -s -o /dev/null",
        mib,
        ">= 0.9",
        Some(0.9),
    ));

    let streamed = || {
        sdk_sample(|| async {
            let body = downloader.open(&url).await?;
            let rows = enterprise_data_sdk::rows::rows_from_async(body, schema, "nginx");
            rows.try_fold(0u64, |n, _| async move { Ok(n + 1) }).await?;
            Ok(())
        })
    };
    let from_disk = || {
        sdk_sample(|| async {
            for row in enterprise_data_sdk::rows::rows(&served, schema)? {
                row?;
            }
            Ok(())
        })
    };
    let rows_pair = paired(pairs, streamed, from_disk).await?;
    rows.push(rows_pair.row(
        "8d. typed rows streamed from nginx vs typed rows from the same file on disk",
        mib,
        "(reported: 1 = the network costs nothing)",
        None,
    ));
    drop(server);
    std::fs::rename(&served, report)?;
    Ok(rows)
}
