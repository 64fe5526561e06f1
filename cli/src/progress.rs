//! Progress bars for bulk downloads: bytes, rate and ETA. Hidden when
//! stderr is not a terminal, and with `--quiet` or `--no-progress`.

use std::sync::Arc;

use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sdk_core::bulk::{BulkOptions, BulkProgress, BulkProgressFn, BulkSummary};

use crate::error::CliError;

/// A bar and the callback that drives it.
fn bar() -> (ProgressBar, BulkProgressFn) {
    let bar = if crate::output::progress_wanted() {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let driven = bar.clone();
    let update: BulkProgressFn = Arc::new(move |p: BulkProgress| {
        driven.set_length(p.bytes_total.max(p.bytes_done));
        driven.set_position(p.bytes_done);
        driven.set_message(format!("{}/{} files", p.files_done, p.files_total));
    });
    (bar, update)
}

/// Options for a bulk download at `concurrency`, driving a new bar.
pub fn bulk_options(concurrency: u16) -> (ProgressBar, BulkOptions) {
    let (bar, progress) = bar();
    let mut options = BulkOptions::new().concurrency(usize::from(concurrency));
    options.progress = Some(progress);
    (bar, options)
}

/// One warning line on stderr per advertised item that has no data.
pub fn warn_unavailable(items: &[sdk_core::bulk::BulkFailure]) {
    for skipped in items {
        eprintln!(
            "warning: skipped {}",
            crate::output::visible(&skipped.to_string())
        );
    }
}

/// What a bulk download did, on stderr: a warning per unavailable item, an
/// error line per failed one, then a summary line. A run with failures is
/// an error (exit 1) once everything else was done.
pub fn print_summary(summary: &BulkSummary, noun: &str, dir: &Path) -> Result<(), CliError> {
    use crate::output::visible;
    warn_unavailable(&summary.unavailable);
    for failed in &summary.failed {
        eprintln!("failed: {}", visible(&failed.to_string()));
    }
    let failed = if summary.failed.is_empty() {
        String::new()
    } else {
        format!(", {} failed", summary.failed.len())
    };
    crate::output::note(format!(
        "downloaded {} {noun} ({} bytes), {} already complete{failed}, into {}",
        summary.downloaded.len(),
        summary.bytes,
        summary.skipped.len(),
        dir.display()
    ));
    if summary.failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::failure(format!(
            "{} of the {noun} could not be downloaded (listed above)",
            summary.failed.len()
        )))
    }
}
