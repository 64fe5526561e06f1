//! Rows 9: CSV to Parquet, against typed-row parsing alone; the size of
//! the result; the peak memory of a conversion in a fresh process.

use std::io::{BufRead, Write};
use std::path::Path;

use enterprise_data_sdk::columnar::ParquetOptions;
use enterprise_data_sdk::{ReportId, ReportSchema};

use crate::measure::{Error, Row};
use crate::pairs::{median, paired, sdk_sample};

/// Converts a usage_pulls CSV to Parquet at `dest`; the rows written.
pub fn convert(csv: &Path, schema: &ReportSchema, dest: &Path) -> Result<u64, Error> {
    let report = ReportId::parse("usage_pulls", "daily", "2026-06-30")?;
    Ok(enterprise_data_sdk::columnar::convert_to_parquet(
        csv,
        schema,
        "bench",
        &report,
        dest,
        &ParquetOptions::new(),
    )?)
}

/// Peak RSS (KiB) of a fresh process converting `csv`.
async fn peak_rss_converting(csv: &Path, dest: &Path) -> Result<u64, Error> {
    let output = tokio::process::Command::new(std::env::current_exe()?)
        .arg("convert-probe")
        .arg(csv)
        .arg(dest)
        .output()
        .await?;
    if !output.status.success() {
        return Err(format!(
            "convert probe failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().parse()?)
}

/// The first `mib` MiB of `csv` (whole lines) in `dest`.
fn head(csv: &Path, dest: &Path, mib: u64) -> Result<(), Error> {
    let mut input = std::io::BufReader::new(std::fs::File::open(csv)?);
    let mut out = std::io::BufWriter::new(std::fs::File::create(dest)?);
    let mut line = String::new();
    let mut written = 0u64;
    while written < mib * 1024 * 1024 && input.read_line(&mut line)? > 0 {
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
        line.clear();
    }
    out.flush()?;
    Ok(())
}

/// Rows 9a-9c. 9a alternates conversion and typed-row parsing in pairs:
/// timed minutes apart, the ratio followed the machine's speed (0.65, and
/// 0.41 an hour later; BENCHMARKS.md).
pub async fn rows(
    dir: &Path,
    csv: &Path,
    schema: &ReportSchema,
    pairs: usize,
) -> Result<Vec<Row>, Error> {
    let dest = dir.join("sdk.parquet");
    let converting = || {
        sdk_sample(|| async {
            convert(csv, schema, &dest)?;
            Ok(())
        })
    };
    let parsing = || {
        sdk_sample(|| async {
            crate::measure::typed_rows(csv, schema)?;
            Ok(())
        })
    };
    let conversion = paired(pairs, converting, parsing).await?;
    let mut rows = vec![conversion.row(
        "9a. CSV to Parquet (zstd) vs typed-row parsing alone",
        None,
        ">= 0.6",
        Some(0.6),
    )];
    let (csv_size, parquet_size) = (
        std::fs::metadata(csv)?.len(),
        std::fs::metadata(&dest)?.len(),
    );
    rows.push(Row {
        name: "9b. Parquet size vs CSV size",
        ours: format!("{:.1} MiB", parquet_size as f64 / 1048576.0),
        baseline: format!("{:.1} MiB", csv_size as f64 / 1048576.0),
        ratio: parquet_size as f64 / csv_size as f64,
        goal: "(reported)",
        met: true,
        spread: None,
    });
    let small_csv = dir.join("sdk-100.csv");
    head(csv, &small_csv, 100)?;
    // The median of three processes at each size: one process's peak
    // moves by a few MiB from run to run, a tenth of the ratio's band.
    let (mut small, mut large) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        small.push(peak_rss_converting(&small_csv, &dest).await?);
        large.push(peak_rss_converting(csv, &dest).await?);
    }
    let (small, large) = (median(small), median(large));
    let _ = std::fs::remove_file(&small_csv);
    let _ = std::fs::remove_file(&dest);
    let flatness = large as f64 / small as f64;
    rows.push(Row {
        name: "9c. peak RSS converting to Parquet (full size vs 100 MiB)",
        ours: format!(
            "{:.1} MiB at {} MiB",
            large as f64 / 1024.0,
            csv_size / 1048576
        ),
        baseline: format!("{:.1} MiB at 100 MiB", small as f64 / 1024.0),
        ratio: flatness,
        goal: "< 128 MiB, ratio within 0.9-1.1",
        met: large < 128 * 1024 && (0.9..=1.1).contains(&flatness),
        spread: None,
    });
    Ok(rows)
}
