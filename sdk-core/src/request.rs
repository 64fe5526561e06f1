//! The request every client's `download(item, dest)` returns: configure it
//! (`.progress(f)`), then `.await` it. One shape for every client.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use crate::download::{FileProgress, ProgressFn};

type Start<E, F> = Box<
    dyn FnOnce(Option<ProgressFn>, F) -> Pin<Box<dyn Future<Output = Result<u64, E>> + Send>>
        + Send,
>;

/// A download of one item to a file, not started until awaited. Resolves
/// to the number of bytes written. `F` is the output format the SDK offers
/// (`docker_data_csv::Format`: CSV, or Parquet converted on the way).
///
/// ```ignore
/// let bytes = client
///     .download(&item, "out/file.csv")
///     .progress(|p| eprintln!("{} of {:?}", p.done, p.total))
///     .await?;
/// ```
#[must_use = "a download does nothing until it is awaited"]
pub struct DownloadRequest<E, F = ()> {
    start: Start<E, F>,
    progress: Option<ProgressFn>,
    format: F,
}

impl<E, F: Default> DownloadRequest<E, F> {
    /// A request that runs `start` with the progress callback and the
    /// format when awaited. For SDK clients; users get one from `download`.
    pub fn new<S, Fut>(start: S) -> Self
    where
        S: FnOnce(Option<ProgressFn>, F) -> Fut + Send + 'static,
        Fut: Future<Output = Result<u64, E>> + Send + 'static,
    {
        Self {
            start: Box::new(move |progress, format| Box::pin(start(progress, format))),
            progress: None,
            format: F::default(),
        }
    }
}

impl<E, F> DownloadRequest<E, F> {
    /// What the file is written as (the default: the CSV as sent).
    pub fn format(mut self, format: F) -> Self {
        self.format = format;
        self
    }

    /// Calls `progress` as bytes arrive (it restarts from 0 when the file
    /// has to be fetched again from the start).
    pub fn progress(mut self, progress: impl Fn(FileProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// [`progress`](Self::progress) with a callback already shared.
    pub fn progress_fn(mut self, progress: ProgressFn) -> Self {
        self.progress = Some(progress);
        self
    }
}

impl<E, F: std::fmt::Debug> std::fmt::Debug for DownloadRequest<E, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadRequest")
            .field("progress", &self.progress.is_some())
            .field("format", &self.format)
            .finish()
    }
}

impl<E: 'static, F> IntoFuture for DownloadRequest<E, F> {
    type Output = Result<u64, E>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<u64, E>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        (self.start)(self.progress, self.format)
    }
}
