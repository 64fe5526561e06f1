//! The request every client's `download(item, dest)` returns: configure it
//! (`.progress(f)`), then `.await` it. One shape for every client.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use crate::download::{FileProgress, ProgressFn};

type Start<E> = Box<
    dyn FnOnce(Option<ProgressFn>) -> Pin<Box<dyn Future<Output = Result<u64, E>> + Send>> + Send,
>;

/// A download of one item to a file, not started until awaited. Resolves
/// to the number of bytes written.
///
/// ```ignore
/// let bytes = client
///     .download(&item, "out/file.csv")
///     .progress(|p| eprintln!("{} of {:?}", p.done, p.total))
///     .await?;
/// ```
#[must_use = "a download does nothing until it is awaited"]
pub struct DownloadRequest<E> {
    start: Start<E>,
    progress: Option<ProgressFn>,
}

impl<E> DownloadRequest<E> {
    /// A request that runs `start` with the progress callback when awaited.
    /// For SDK clients; users get one from `download`.
    pub fn new<F, Fut>(start: F) -> Self
    where
        F: FnOnce(Option<ProgressFn>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<u64, E>> + Send + 'static,
    {
        Self {
            start: Box::new(move |progress| Box::pin(start(progress))),
            progress: None,
        }
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

impl<E> std::fmt::Debug for DownloadRequest<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadRequest")
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl<E: 'static> IntoFuture for DownloadRequest<E> {
    type Output = Result<u64, E>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<u64, E>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        (self.start)(self.progress)
    }
}
