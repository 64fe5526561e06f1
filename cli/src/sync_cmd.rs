//! `docker-data sync DEST`: the lake (`docker-data-lake`) kept up to date.

use docker_data_lake::{
    DvpSelection, EnterpriseSelection, Lake, LakeFormat, Sources, SyncOptions, SyncSummary,
};

use crate::args::{FileFormat, SyncArgs};
use crate::context::Context;
use crate::error::CliError;

pub async fn run(context: &Context, args: SyncArgs) -> Result<(), CliError> {
    let mut reports = EnterpriseSelection::all().dates(args.from, args.to);
    for pair in &args.reports {
        let Some((report_type, cadence)) = pair.split_once('/') else {
            return Err(CliError::usage(format!(
                "--reports {pair:?}: give TYPE/CADENCE, e.g. usage_pulls/daily"
            )));
        };
        reports = reports.report(report_type, cadence);
    }
    let exports = DvpSelection::namespaces(args.dvp.iter().cloned()).dates(args.from, args.to);
    let options = SyncOptions::new()
        .format(match args.format {
            FileFormat::Csv => LakeFormat::Csv,
            FileFormat::Parquet => LakeFormat::Parquet,
        })
        .concurrency(usize::from(context.global.concurrency))
        .dry_run(args.dry_run);
    let lake = if args.no_conditional_writes {
        Lake::open_without_conditional_writes(&args.dest, options)?
    } else {
        Lake::open(&args.dest, options)?
    };
    // Enterprise reports unless only DVP namespaces were asked for (and no
    // organization is configured).
    let with_enterprise = !args.reports.is_empty()
        || args.dvp.is_empty()
        || context.global.org.is_some()
        || context.global.demo;
    let enterprise = if with_enterprise {
        Some(context.enterprise()?)
    } else {
        None
    };
    let dvp = if args.dvp.is_empty() {
        None
    } else {
        Some(context.dvp()?)
    };
    let sources = Sources {
        enterprise: enterprise.as_ref().map(|client| (client, &reports)),
        dvp: dvp.as_ref().map(|client| (client, &exports)),
    };
    let summary = lake.sync(sources).await?;
    report(&lake, &summary, args.dry_run)?;
    if summary.has_failures() {
        return Err(CliError::failure(format!(
            "{} item(s) failed; rerun to retry them (what was written is kept)",
            summary.failed.len()
        )));
    }
    Ok(())
}

/// Written paths on stdout (one per line, for pipes), the rest on stderr.
fn report(lake: &Lake, summary: &SyncSummary, dry_run: bool) -> Result<(), CliError> {
    for written in &summary.written {
        crate::output::line(&written.path)?;
    }
    for (source, why) in &summary.unavailable {
        eprintln!("unavailable: {source}: {}", crate::output::visible(why));
    }
    for (source, err) in &summary.failed {
        eprintln!(
            "failed: {source}: {}",
            crate::output::visible(&err.to_string())
        );
    }
    let rows: u64 = summary.written.iter().map(|w| w.rows).sum();
    let bytes: u64 = summary.written.iter().map(|w| w.bytes).sum();
    crate::output::note(format!(
        "{}: {} {} ({rows} rows, {bytes} bytes), {} already there, {} unavailable, {} failed",
        lake.destination(),
        summary.written.len(),
        if dry_run { "to write" } else { "written" },
        summary.skipped.len(),
        summary.unavailable.len(),
        summary.failed.len()
    ));
    Ok(())
}
