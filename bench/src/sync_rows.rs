//! Rows 10: `docker-data sync` of one large report (the simulator's API,
//! the body from nginx), a process end to end as a user runs it, against
//! `reports download --format parquet` of the same report; its peak memory;
//! and the same sync into moto's S3 server when the lake tests' venv has it.

use std::path::Path;

use crate::cli_process::CliTarget;
use crate::measure::{Error, Row};
use crate::pairs::paired;

/// The memory budget of a sync, whatever the report's size.
const RSS_BUDGET_MIB: f64 = 192.0;

pub async fn rows(
    target: &CliTarget<'_>,
    dir: &Path,
    mib: f64,
    pairs: usize,
) -> Result<Vec<Row>, Error> {
    let lake = dir.join("sync-lake");
    let out = dir.join("sync-download");
    let (lake_s, out_s) = (
        lake.to_str().ok_or("non-UTF-8 path")?.to_owned(),
        out.to_str().ok_or("non-UTF-8 path")?.to_owned(),
    );
    let sync = |dest: &str, env: &[(String, String)]| {
        let args = [
            "sync",
            "--reports",
            "usage_pulls/daily",
            "--from",
            target.date,
            "--to",
            target.date,
            dest,
        ];
        target.run(&args, env)
    };
    let sync_to_folder = || {
        let _ = std::fs::remove_dir_all(&lake);
        sync(&lake_s, &[])
    };
    let download = || {
        let _ = std::fs::remove_dir_all(&out);
        let args = [
            "reports",
            "download",
            "usage_pulls",
            "daily",
            "--date",
            target.date,
            "--format",
            "parquet",
            out_s.as_str(),
        ];
        target.run(&args, &[])
    };
    let mut rows = Vec::new();
    let folder = paired(pairs, sync_to_folder, download).await?;
    let peak_mib = folder.ours_peak_rss_kib().unwrap_or(0) as f64 / 1024.0;
    rows.push(folder.row(
        "10a. sync of one report to a folder (object_store, Parquet while the body arrives) vs reports download --format parquet",
        Some(mib),
        ">= 0.9",
        Some(0.9),
    ));
    rows.push(Row {
        name: "10b. sync's peak memory (highest of 10a's runs) vs the budget",
        ours: format!("peak RSS {peak_mib:.0} MiB for {mib:.0} MiB of CSV"),
        baseline: format!("{RSS_BUDGET_MIB:.0} MiB"),
        ratio: RSS_BUDGET_MIB / peak_mib.max(1.0),
        goal: ">= 1.0 (under 192 MiB)",
        met: peak_mib < RSS_BUDGET_MIB,
        spread: None,
    });
    let _ = std::fs::remove_dir_all(&lake);
    let _ = std::fs::remove_dir_all(&out);

    match Moto::start(dir)? {
        None => eprintln!(
            "moto_server not found in target/lake-venv (bash tests/lake/run.sh installs it): row 10c skipped"
        ),
        Some(moto) => {
            let env = moto.env();
            let s3 = |n: usize| sync(&format!("s3://lake/run-{n}"), &env);
            let runs = std::cell::Cell::new(0);
            let to_s3 = paired(
                pairs,
                || {
                    runs.set(runs.get() + 1);
                    s3(runs.get())
                },
                sync_to_folder,
            )
            .await?;
            rows.push(to_s3.row(
                "10c. sync to moto's S3 server (multipart upload; moto is Python and writes every part to memory) vs sync to a folder",
                Some(mib),
                "(reported: moto is the limit, not a real store)",
                None,
            ));
            let _ = std::fs::remove_dir_all(&lake);
        }
    }
    Ok(rows)
}

/// moto's S3 server on a free port with a bucket `lake`, from the lake
/// tests' venv; stopped on drop.
struct Moto {
    child: std::process::Child,
    port: u16,
}

impl Moto {
    fn start(dir: &Path) -> Result<Option<Self>, Error> {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
        let server = target.join("lake-venv/bin/moto_server");
        if !server.is_file() {
            return Ok(None);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::File::create(dir.join("moto.log"))?;
        let child = std::process::Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let moto = Self { child, port };
        for _ in 0..200 {
            let made = std::process::Command::new("curl")
                .args(["-sf", "-X", "PUT", &format!("http://127.0.0.1:{port}/lake")])
                .stdout(std::process::Stdio::null())
                .status()?;
            if made.success() {
                return Ok(Some(moto));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err("moto_server did not start".into())
    }

    fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            (
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
