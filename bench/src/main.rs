//! `cargo run --release -p bench [-- --size-mib N --runs N --skip-build --static-only --parquet-only --parse-only --rss-only --cells-only]`
//!
//! Measures the SDKs against what a user would do by hand, each figure a
//! ratio of two timings taken in the same run on the same machine (the
//! median of several runs), and writes the table to `BENCHMARKS.md`'s data
//! file `target/bench/results.md`. See BENCHMARKS.md.

mod cells;
mod cli_process;
mod measure;
mod nginx;
mod pairs;
mod parquet_rows;
mod static_server;
mod sync_rows;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut options = measure::Options {
        size_mib: 1024,
        runs: 3,
        build: true,
        static_only: false,
        parquet_only: false,
        parse_only: false,
        rss_only: false,
        cells_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--size-mib" => {
                options.size_mib = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--size-mib N")?
            }
            "--runs" => {
                options.runs = args.next().and_then(|v| v.parse().ok()).ok_or("--runs N")?
            }
            "--skip-build" => options.build = false,
            "--static-only" => options.static_only = true,
            "--parquet-only" => options.parquet_only = true,
            "--parse-only" => options.parse_only = true,
            "--rss-only" => options.rss_only = true,
            "--cells-only" => options.cells_only = true,
            // Child mode for the memory measurement: a fresh process per size.
            "rss-probe" => {
                let (Some(hub), Some(api), Some(size)) = (args.next(), args.next(), args.next())
                else {
                    return Err("rss-probe HUB_URL API_URL SIZE_MIB".into());
                };
                let runtime = tokio::runtime::Runtime::new()?;
                let peak = runtime.block_on(measure::rss_probe(&hub, &api, size.parse()?))?;
                println!("{peak}");
                return Ok(());
            }
            // Profiling aid: parse a DVP raw file typed, nothing else.
            "raw-probe" => {
                let path = args.next().ok_or("raw-probe FILE")?;
                let mut n = 0u64;
                for row in dvp_sdk::rows::raw_rows(std::path::Path::new(&path)) {
                    row?;
                    n += 1;
                }
                println!("{n} rows");
                return Ok(());
            }
            // Child mode for row 9c: convert a usage_pulls CSV to Parquet,
            // print VmHWM in KiB.
            "convert-probe" => {
                let (Some(csv), Some(out)) = (args.next(), args.next()) else {
                    return Err("convert-probe CSV OUT".into());
                };
                let schema = measure::usage_pulls_schema()?;
                parquet_rows::convert(csv.as_ref(), &schema, out.as_ref())?;
                println!("{}", measure::peak_rss_kib()?);
                return Ok(());
            }
            // Baseline of the parse rows: a bare csv::ByteRecord loop.
            "count-probe" => {
                let path = args.next().ok_or("count-probe FILE")?;
                println!(
                    "{} records",
                    measure::byte_record_count(std::path::Path::new(&path))?
                );
                return Ok(());
            }
            // Profiling aid: typed usage_pulls rows streamed from a URL.
            "stream-probe" => {
                let url = args.next().ok_or("stream-probe URL")?;
                let runtime = tokio::runtime::Runtime::new()?;
                println!(
                    "{} rows",
                    runtime.block_on(measure::stream_usage_pulls(&url))?
                );
                return Ok(());
            }
            // Profiling aid: one download (fsync, rename) from a URL to a
            // file, on a current-thread runtime as the CLI runs it.
            "download-probe" => {
                let url = args.next().ok_or("download-probe URL FILE")?;
                let dest = args.next().ok_or("download-probe URL FILE")?;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                let bytes = runtime.block_on(measure::url_downloader()?.download(
                    &url,
                    std::path::Path::new(&dest),
                    None,
                    None,
                ))?;
                println!("{bytes} bytes");
                return Ok(());
            }
            // Profiling aid: lent typed rows streamed from a server, every
            // value read.
            "stream-lend-probe" => {
                let url = args.next().ok_or("stream-lend-probe URL")?;
                let runtime = tokio::runtime::Runtime::new()?;
                println!(
                    "checksum {}",
                    runtime.block_on(measure::stream_lent_usage_pulls(&url))?
                );
                return Ok(());
            }
            // Profiling aid: split a file into records and type nothing.
            "split-probe" => {
                let path = args.next().ok_or("split-probe FILE")?;
                println!(
                    "{} records",
                    measure::split_only(std::path::Path::new(&path))?
                );
                return Ok(());
            }
            // Profiling aid: lent typed rows of a usage_pulls file, every
            // value read.
            "lend-probe" => {
                let path = args.next().ok_or("lend-probe FILE")?;
                let schema = measure::usage_pulls_schema()?;
                println!(
                    "checksum {}",
                    measure::lent_rows(std::path::Path::new(&path), &schema)?
                );
                return Ok(());
            }
            // Profiling aid: owned typed rows of a usage_pulls file.
            "owned-probe" => {
                let path = args.next().ok_or("owned-probe FILE")?;
                let schema = measure::usage_pulls_schema()?;
                println!(
                    "{} rows",
                    measure::typed_rows(std::path::Path::new(&path), &schema)?
                );
                return Ok(());
            }
            // Profiling aid: parse a usage_pulls file typed, nothing else.
            "parse-probe" => {
                let path = args.next().ok_or("parse-probe FILE")?;
                println!(
                    "{} rows",
                    measure::parse_usage_pulls(std::path::Path::new(&path))?
                );
                return Ok(());
            }
            other => {
                return Err(format!(
                    "unknown argument {other}; see the doc comment of bench/src/main.rs"
                )
                .into());
            }
        }
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "machine: {cores} cores; file size {} MiB; median of {} runs",
        options.size_mib, options.runs
    );
    let runtime = tokio::runtime::Runtime::new()?;
    let rows = runtime.block_on(measure::all(&options))?;
    let table = measure::table(&rows, cores, &options);
    println!("\n{table}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("results.md"), &table)?;
    println!("written to target/bench/results.md (copy it into BENCHMARKS.md)");
    Ok(())
}
