//! Many downloads at once: bounded concurrency, files already complete are
//! skipped, progress is summed over all files.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;

use crate::download::{FileProgress, ProgressFn, is_complete};

/// Default number of files fetched at the same time.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Progress over all files of a bulk download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkProgress {
    /// Files in the batch, skipped ones included.
    pub files_total: usize,
    /// Files finished or skipped.
    pub files_done: usize,
    /// Bytes on disk, skipped files included.
    pub bytes_done: u64,
    /// Sum of the expected sizes (files of unknown size count as 0).
    pub bytes_total: u64,
}

/// Called whenever a bulk download advances.
pub type BulkProgressFn = Arc<dyn Fn(BulkProgress) + Send + Sync>;

/// How a bulk download runs.
#[derive(Clone)]
#[non_exhaustive]
pub struct BulkOptions {
    /// Files fetched at the same time (default 4).
    pub concurrency: usize,
    /// Called as the batch advances.
    pub progress: Option<BulkProgressFn>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            progress: None,
        }
    }
}

impl BulkOptions {
    /// The defaults: 4 files at a time, no progress callback.
    pub fn new() -> Self {
        Self::default()
    }

    /// Files fetched at the same time (at least 1).
    pub fn concurrency(mut self, files: usize) -> Self {
        self.concurrency = files.max(1);
        self
    }

    /// Called as the batch advances.
    pub fn progress(mut self, progress: impl Fn(BulkProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}

impl std::fmt::Debug for BulkOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkOptions")
            .field("concurrency", &self.concurrency)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// An item of a bulk run that was not downloaded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkFailure {
    /// The item, as a user would name it (a relative path, a report).
    pub item: String,
    /// Why: the error message, secrets redacted.
    pub reason: String,
}

impl BulkFailure {
    /// An item and the reason it was not downloaded.
    pub fn new(item: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            item: item.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for BulkFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.item, self.reason)
    }
}

/// What a bulk download did. One failed item does not stop the others: it
/// is listed in `failed`, and the run goes on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkSummary {
    /// Files fetched by this run.
    pub downloaded: Vec<PathBuf>,
    /// Files already complete on disk, not fetched again.
    pub skipped: Vec<PathBuf>,
    /// Items the API advertised but holds no data for (it answered 404):
    /// skipped with a warning, not an error.
    pub unavailable: Vec<BulkFailure>,
    /// Items that failed, each with its reason.
    pub failed: Vec<BulkFailure>,
    /// Bytes fetched by this run.
    pub bytes: u64,
}

impl BulkSummary {
    /// Whether every item was downloaded, already there, or unavailable.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }
}

/// One file to fetch.
#[derive(Debug, Clone)]
pub struct BulkItem<T> {
    /// Final path of the file.
    pub dest: PathBuf,
    /// Expected size, when known (a file of that size on disk is skipped;
    /// of unknown size, any existing file is).
    pub size: Option<u64>,
    /// What the fetch function needs to know about the file.
    pub item: T,
}

/// Fetches every item with at most `options.concurrency` at a time, calling
/// `fetch` with the item, its destination and a per-file progress callback.
/// Two items with the same destination are fetched once. A failed item is
/// recorded in the summary's `failed` (named by its destination relative to
/// `root`) and the others go on; `summary` may already hold items refused
/// before the run.
pub async fn download_many<T, E, F, Fut>(
    root: &std::path::Path,
    items: Vec<BulkItem<T>>,
    options: BulkOptions,
    summary: BulkSummary,
    fetch: F,
) -> BulkSummary
where
    T: Send,
    E: std::fmt::Display,
    F: Fn(T, PathBuf, ProgressFn) -> Fut,
    Fut: Future<Output = Result<u64, E>>,
{
    let mut seen = std::collections::HashSet::new();
    let items: Vec<BulkItem<T>> = items
        .into_iter()
        .filter(|item| {
            let first = seen.insert(item.dest.clone());
            if !first {
                tracing::debug!(dest = %item.dest.display(), "bulk: duplicate destination, fetched once");
            }
            first
        })
        .collect();
    let state = Arc::new(Tally {
        files_total: items.len(),
        bytes_total: items
            .iter()
            .filter_map(|i| i.size)
            .fold(0u64, u64::saturating_add),
        files_done: AtomicUsize::new(0),
        bytes_done: AtomicU64::new(0),
        progress: options.progress,
    });
    let summary = Mutex::new(summary);
    let name = |dest: &std::path::Path| {
        dest.strip_prefix(root)
            .unwrap_or(dest)
            .display()
            .to_string()
    };

    let mut to_fetch = Vec::new();
    for item in items {
        if is_complete(&item.dest, item.size).await {
            let size = tokio::fs::metadata(&item.dest)
                .await
                .map(|m| m.len())
                .unwrap_or(0);
            state.add_bytes(size);
            state.files_done.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut s) = summary.lock() {
                s.skipped.push(item.dest);
            }
        } else {
            to_fetch.push(item);
        }
    }
    state.report();

    futures::stream::iter(to_fetch)
        .for_each_concurrent(options.concurrency.max(1), |item| {
            let state = state.clone();
            let summary = &summary;
            let fetch = &fetch;
            async move {
                let seen = Arc::new(AtomicU64::new(0));
                let file_progress: ProgressFn = {
                    let state = state.clone();
                    let seen = seen.clone();
                    Arc::new(move |p: FileProgress| {
                        let before = seen.swap(p.done, Ordering::Relaxed);
                        if p.done >= before {
                            state.add_bytes(p.done - before);
                        } else {
                            state.sub_bytes(before - p.done);
                        }
                        state.report();
                    })
                };
                let result = fetch(item.item, item.dest.clone(), file_progress).await;
                state.files_done.fetch_add(1, Ordering::Relaxed);
                state.report();
                if let Ok(mut s) = summary.lock() {
                    match result {
                        Ok(bytes) => {
                            s.downloaded.push(item.dest);
                            s.bytes = s.bytes.saturating_add(bytes);
                        }
                        Err(err) => {
                            tracing::warn!(item = %name(&item.dest), error = %err, "bulk: item failed, going on");
                            s.failed.push(BulkFailure::new(name(&item.dest), err.to_string()));
                        }
                    }
                }
            }
        })
        .await;

    let mut summary = summary.into_inner().unwrap_or_default();
    summary.downloaded.sort();
    summary.skipped.sort();
    summary
}

struct Tally {
    files_total: usize,
    bytes_total: u64,
    files_done: AtomicUsize,
    bytes_done: AtomicU64,
    progress: Option<BulkProgressFn>,
}

impl Tally {
    fn add_bytes(&self, n: u64) {
        let _ = self
            .bytes_done
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_add(n))
            });
    }

    fn sub_bytes(&self, n: u64) {
        let _ = self
            .bytes_done
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_sub(n))
            });
    }

    fn report(&self) {
        if let Some(progress) = &self.progress {
            progress(BulkProgress {
                files_total: self.files_total,
                files_done: self.files_done.load(Ordering::Relaxed),
                bytes_done: self.bytes_done.load(Ordering::Relaxed),
                bytes_total: self.bytes_total,
            });
        }
    }
}
