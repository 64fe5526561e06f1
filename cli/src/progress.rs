//! Progress bars for bulk downloads: bytes, rate and ETA. Hidden when
//! stderr is not a terminal.

use std::sync::Arc;

use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sdk_core::bulk::{BulkOptions, BulkProgress, BulkProgressFn, BulkSummary};

/// A bar and the callback that drives it.
fn bar() -> (ProgressBar, BulkProgressFn) {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
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
    let options = BulkOptions {
        concurrency: usize::from(concurrency),
        progress: Some(progress),
    };
    (bar, options)
}

/// One line on stderr saying what a bulk download did.
pub fn print_summary(summary: &BulkSummary, noun: &str, dir: &Path) {
    eprintln!(
        "downloaded {} {noun} ({} bytes), {} already complete, into {}",
        summary.downloaded.len(),
        summary.bytes,
        summary.skipped.len(),
        dir.display()
    );
}
