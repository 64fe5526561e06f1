//! Download of a file from an object store to disk, safely.
//!
//! The URL is fetched with a plain GET and no credentials (the store's URL is
//! pre-signed; a bearer token must never reach it). The body streams to
//! `<dest>.part` in constant memory; a dropped connection or a stalled body
//! is resumed with `Range` when the server honours it, else restarted, a
//! bounded number of times. The byte count is checked against the expected
//! size, the file is fsynced and renamed into place: a failed download never
//! leaves a file at the final name.
//!
//! Nothing waits forever and nothing grows without bound: the response
//! headers must arrive within the header timeout and the body may not go
//! silent for longer than the idle timeout (on every path: download,
//! [`Downloader::open`], resumes); an error body is read up to
//! [`MAX_ERROR_BODY`]; a body longer than the expected size stops at once.
//! An unfinished `.part` left by an earlier run (interrupted, or out of
//! attempts) is continued the same way, from its length, when its sidecar
//! (`resume.rs`) says which object it holds the start of.
//!
//! A resume sends `If-Range` with the first answer's `ETag` (or
//! `Last-Modified`) and checks `Content-Range`'s total, so a file that
//! changed between attempts is fetched again from the start.
//!
//! The body's pieces go to the `.part` file's own writer thread
//! (`part_writer.rs`), which writes them back to disk as they come, so
//! the closing fsync is short.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, ETAG, IF_RANGE, LAST_MODIFIED, RANGE};

use crate::part_writer::PartWriter;
use crate::redact;
use crate::retry::{Attempts, RetryPolicy, Step};

/// Default time a body may go without a byte before it counts as stalled.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Default time allowed between sending a request and its response headers.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Most bytes of an error body read for its message; the rest is dropped.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// Progress of one file: bytes on disk so far and the expected total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileProgress {
    /// Bytes written to the `.part` file so far (drops to 0 on a restart).
    pub done: u64,
    /// Expected size, when known.
    pub total: Option<u64>,
}

impl FileProgress {
    /// Bytes done of a total, when known.
    pub fn new(done: u64, total: Option<u64>) -> Self {
        Self { done, total }
    }
}

/// Called as bytes arrive.
pub type ProgressFn = Arc<dyn Fn(FileProgress) + Send + Sync>;

/// Why a download failed. URLs are shown without their (signed) query.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The store answered with an error status. A `403` usually means the
    /// pre-signed URL expired: ask the API for a fresh one.
    #[error("downloading {url}: HTTP {status}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Status {
        /// The URL, redacted.
        url: String,
        /// HTTP status code.
        status: u16,
        /// The store's message, if any.
        message: String,
    },
    /// The connection failed or dropped, and every attempt was used.
    #[error("downloading {url}: {message} (gave up after {attempts} attempts)")]
    Transport {
        /// The URL, redacted.
        url: String,
        /// What went wrong last.
        message: String,
        /// Attempts made.
        attempts: u32,
        /// The last transport error, when there was one (without its URL,
        /// which is signed).
        #[source]
        cause: Option<std::sync::Arc<reqwest::Error>>,
    },
    /// The body ended at another size than expected.
    #[error("downloading {url}: expected {expected} bytes, received {received}")]
    SizeMismatch {
        /// The URL, redacted.
        url: String,
        /// Size announced by the API.
        expected: u64,
        /// Bytes received.
        received: u64,
    },
    /// The local file could not be written.
    #[error("writing {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl DownloadError {
    /// The store's HTTP status, when it answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            DownloadError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// What kind of failure this is, as [`Error::kind`](crate::Error::kind)
    /// reports it (a store's `403`, an expired link, is
    /// [`PermissionDenied`](crate::ErrorKind::PermissionDenied)).
    pub fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind;
        match self {
            DownloadError::Status { status, .. } => ErrorKind::of_status(*status),
            DownloadError::Transport { .. } => ErrorKind::Transport,
            DownloadError::SizeMismatch { .. } => ErrorKind::Decode,
            DownloadError::Io { .. } => ErrorKind::Io,
        }
    }
}

/// Fetches object-store URLs to files. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Downloader {
    http: reqwest::Client,
    retry: RetryPolicy,
    idle_timeout: Duration,
    header_timeout: Duration,
}

impl Downloader {
    /// A downloader with its own HTTP client: no redirects, no default
    /// headers, and gzip decoded here (not by reqwest) so that resume offsets
    /// always count bytes as the server sent them.
    pub fn new(
        retry: RetryPolicy,
        idle_timeout: Duration,
        header_timeout: Duration,
        connect_timeout: Duration,
        user_agent: Option<&str>,
    ) -> reqwest::Result<Self> {
        let http =
            crate::http::sdk_settings(reqwest::Client::builder(), connect_timeout, user_agent)
                .no_gzip()
                .build()?;
        Ok(Self::with_client(http, retry, idle_timeout, header_timeout))
    }

    /// A downloader over `http`, which must not follow redirects nor decode
    /// gzip itself ([`ClientConfig::downloader`](crate::ClientConfig::downloader)
    /// builds one so).
    pub fn with_client(
        http: reqwest::Client,
        retry: RetryPolicy,
        idle_timeout: Duration,
        header_timeout: Duration,
    ) -> Self {
        Self {
            http,
            retry,
            idle_timeout,
            header_timeout,
        }
    }

    /// The retry policy of every transfer.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Downloads `url` to `dest` (its parent folders are created) and
    /// returns the number of bytes written.
    ///
    /// `expected_size`, when known, is checked for a plain body; a
    /// gzip-encoded body is decoded and cannot be checked against it.
    pub async fn download(
        &self,
        url: &str,
        dest: &Path,
        expected_size: Option<u64>,
        progress: Option<&ProgressFn>,
    ) -> Result<u64, DownloadError> {
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|source| DownloadError::Io {
                    path: parent.to_owned(),
                    source,
                })?;
        }
        let part = part_path(dest);
        let result = self
            .fetch_to_part(url, &part, expected_size, progress)
            .await;
        match result {
            Ok((written, decoded)) => {
                let io_err = |source| DownloadError::Io {
                    path: dest.to_owned(),
                    source,
                };
                // A gzip-encoded body is stored decoded, so its size on disk
                // is not the object's: a marker records that this file is
                // the whole object, so a rerun skips it.
                // Written after the rename: a crash in between costs a
                // refetch, never a stale file taken as complete.
                let marker = completion_marker(dest);
                let _ = tokio::fs::remove_file(&marker).await;
                tokio::fs::rename(&part, dest).await.map_err(io_err)?;
                crate::resume::forget(&part).await;
                if let (true, Some(size)) = (decoded, expected_size) {
                    write_marker(&marker, size).await.map_err(io_err)?;
                }
                sync_dir(dest).await;
                Ok(written)
            }
            Err(err) => {
                // A transfer cut off keeps what arrived for a rerun to
                // continue (when the object's identity is known); anything
                // else leaves nothing behind.
                let continuable = matches!(err, DownloadError::Transport { .. })
                    && crate::resume::exists(&part).await;
                if !continuable {
                    let _ = tokio::fs::remove_file(&part).await;
                    crate::resume::forget(&part).await;
                }
                Err(err)
            }
        }
    }

    /// Opens `url` as a byte stream (gzip decoded) for reading without a
    /// file, e.g. to parse rows as they arrive; the [`Body`](crate::Body)
    /// also tells the object's `ETag` and `Last-Modified`. Connect errors and retryable
    /// statuses are retried; a body cut mid-way is an error (it cannot be
    /// resumed transparently under a reader).
    pub async fn open(&self, url: &str) -> Result<crate::Body, DownloadError> {
        let mut attempts = Attempts::new(&self.retry, "download");
        let response = loop {
            let step = match self.send(url, None, attempts.number()).await {
                Ok(response) => Step::Done(Ok(response)),
                Err(step) => step,
            };
            if let Some(result) = attempts.after(step).await {
                break result?;
            }
        };
        Ok(crate::Body::new(response, self.idle_timeout))
    }

    /// One GET of `url` (from byte `offset` when resuming), waiting at most
    /// `header_timeout` for the headers. A success (or a `416`, which the
    /// resume reads) is the response; anything else is the step for the
    /// retry loop: a retryable status or transport failure to try again, or
    /// an error status to give up on.
    async fn send<T>(
        &self,
        url: &str,
        resume: Option<(u64, Option<&str>)>,
        attempt: u32,
    ) -> Result<reqwest::Response, Step<T, DownloadError>> {
        let mut request = self.http.get(url);
        if let Some((offset, validator)) = resume {
            request = request.header(RANGE, format!("bytes={offset}-"));
            if let Some(validator) = validator {
                request = request.header(IF_RANGE, validator);
            }
        }
        let transport = |message: String, cause: Option<reqwest::Error>| DownloadError::Transport {
            url: redact::url_str(url),
            message,
            attempts: attempt,
            cause: cause.map(|err| std::sync::Arc::new(err.without_url())),
        };
        let response = match tokio::time::timeout(self.header_timeout, request.send()).await {
            Ok(Ok(response)) => response,
            Ok(Err(err)) => {
                let message = redact::error_without_url(&err);
                return Err(if RetryPolicy::is_retryable_error(&err) {
                    Step::retry(Err(transport(message.clone(), Some(err))), message)
                } else {
                    Step::Done(Err(transport(message, Some(err))))
                });
            }
            Err(_) => {
                let message = format!(
                    "no response headers within {}s",
                    self.header_timeout.as_secs_f32()
                );
                return Err(Step::retry(Err(transport(message.clone(), None)), message));
            }
        };
        let status = response.status();
        if status.is_success() || status == StatusCode::RANGE_NOT_SATISFIABLE {
            return Ok(response);
        }
        if RetryPolicy::is_retryable_status(status) {
            let retry_after = crate::retry::retry_after_now(response.headers());
            return Err(Step::Retry {
                outcome: Err(status_error(url, response).await),
                retry_after,
                progressed: false,
                reason: format!("status {}", status.as_u16()),
            });
        }
        Err(Step::Done(Err(status_error(url, response).await)))
    }

    /// Fetches into `part`; returns the bytes written and whether the body
    /// was gzip-decoded on the way.
    async fn fetch_to_part(
        &self,
        url: &str,
        part: &Path,
        expected_size: Option<u64>,
        progress: Option<&ProgressFn>,
    ) -> Result<(u64, bool), DownloadError> {
        let shown = redact::url_str(url);
        let io_err = |source| DownloadError::Io {
            path: part.to_owned(),
            source,
        };
        // An unfinished `.part` of an earlier run is continued when its
        // sidecar says which object it holds the start of.
        let (mut file, mut written, mut validator, mut object_size) =
            match crate::resume::take_up(part, expected_size).await {
                Some(continued) => {
                    tracing::debug!(
                        bytes = continued.length,
                        "continuing the unfinished download of an earlier run"
                    );
                    (
                        PartWriter::continuing(continued.file, continued.length),
                        continued.length,
                        Some(continued.resume.validator),
                        Some(continued.resume.size),
                    )
                }
                None => {
                    crate::resume::forget(part).await;
                    let file = create_part(part).await.map_err(io_err)?;
                    (PartWriter::new(file), 0, None, expected_size)
                }
            };
        let mut gzip_seen = false;
        // `validator`: what the first answer said the object is; a resume
        // asks for the rest of that same object only.
        let report = |done| {
            if let Some(progress) = progress {
                progress(FileProgress {
                    done,
                    total: expected_size,
                });
            }
        };

        if written > 0 {
            report(written);
        }
        let mut attempts = Attempts::new(&self.retry, "download");
        loop {
            let attempt = attempts.number();
            let step = async {
                // A gzip-decoded stream cannot be resumed mid-way: start over.
                // Otherwise resume, with `If-Range` when the first answer gave
                // a validator; `Content-Range`'s total is checked either way.
                let resume = (written > 0 && !gzip_seen).then_some((written, validator.as_deref()));
                if resume.is_none()
                    && written > 0
                    && let Err(err) = restart(&mut file, &mut written, &report).await
                {
                    return Step::Done(Err(io_err(err)));
                }
                let response = match self.send(url, resume, attempt).await {
                    Ok(response) => response,
                    Err(step) => return step,
                };
                let status = response.status();
                if status == StatusCode::RANGE_NOT_SATISFIABLE {
                    if expected_size == Some(written) {
                        return Step::Done(Ok(())); // everything had arrived already
                    }
                    // The object is not what it was: fetch it whole, at once.
                    validator = None;
                    if let Err(err) = restart(&mut file, &mut written, &report).await {
                        return Step::Done(Err(io_err(err)));
                    }
                    return Step::Retry {
                        outcome: Err(status_error(url, response).await),
                        retry_after: Some(Duration::ZERO),
                        progressed: false,
                        reason: "416 on resume, starting over".to_owned(),
                    };
                }
                let range = content_range(response.headers())
                    .filter(|_| status == StatusCode::PARTIAL_CONTENT);
                // A partial answer for an object of another size: it changed.
                let changed = range.is_some_and(|(_, total)| {
                    total
                        .zip(object_size)
                        .is_some_and(|(total, size)| total != size)
                });
                let resumed =
                    !changed && written > 0 && range.is_some_and(|(start, _)| start == written);
                if changed {
                    validator = None;
                    if let Err(err) = restart(&mut file, &mut written, &report).await {
                        return Step::Done(Err(io_err(err)));
                    }
                    let message = "the object changed while it was downloaded";
                    return Step::Retry {
                        outcome: Err(DownloadError::Transport {
                            url: shown.clone(),
                            message: message.to_owned(),
                            attempts: attempt,
                            cause: None,
                        }),
                        retry_after: Some(Duration::ZERO),
                        progressed: false,
                        reason: format!("{message}: Content-Range total differs, starting over"),
                    };
                }
                if !resumed
                    && written > 0
                    && let Err(err) = restart(&mut file, &mut written, &report).await
                {
                    // The server ignored Range (or If-Range did not match): the
                    // body is the whole object, so start over.
                    return Step::Done(Err(io_err(err)));
                }
                let gzip = crate::body::is_gzip(response.headers());
                gzip_seen = gzip;
                if !resumed {
                    validator = validator_of(response.headers())
                        .filter(|v| crate::resume::usable_validator(v));
                    object_size = expected_size.or_else(|| response.content_length());
                    // Kept for a rerun: what this object is. A body stored
                    // decoded cannot be continued by its length.
                    match (&validator, object_size) {
                        (Some(validator), Some(size)) if !gzip => {
                            let resume = crate::resume::Resume {
                                validator: validator.clone(),
                                size,
                            };
                            if let Err(err) = crate::resume::save(part, &resume).await {
                                tracing::debug!("no resume sidecar: {err}");
                            }
                        }
                        _ => crate::resume::forget(part).await,
                    }
                }
                // A body that ends before its announced length fails in
                // `Body` itself, as a read error.
                let mut body = crate::Body::new(response, self.idle_timeout);

                let started_at = written;
                let limit = if gzip { None } else { expected_size };
                let outcome = self
                    .copy_body(&mut body, &mut file, &mut written, limit, &report)
                    .await;
                let size_mismatch = |written| DownloadError::SizeMismatch {
                    url: shown.clone(),
                    expected: expected_size.unwrap_or_default(),
                    received: written,
                };
                let message = match outcome {
                    Err(BodyError::Write(source)) => return Step::Done(Err(io_err(source))),
                    Err(BodyError::TooLong) => return Step::Done(Err(size_mismatch(written))),
                    Err(BodyError::Read(message)) => message,
                    Ok(()) if !gzip && expected_size.is_some_and(|size| written < size) => {
                        // Ended cleanly but short: when no attempt is left,
                        // that is a size mismatch, not a transport failure.
                        return Step::Retry {
                            outcome: Err(size_mismatch(written)),
                            retry_after: None,
                            progressed: written > started_at,
                            reason: "body ended before the announced size".to_owned(),
                        };
                    }
                    Ok(()) => return Step::Done(Ok(())),
                };
                // A decoded gzip stream cannot be resumed mid-way; the next
                // attempt starts it over (no validator is used for it).
                Step::Retry {
                    outcome: Err(DownloadError::Transport {
                        url: shown.clone(),
                        message: message.clone(),
                        attempts: attempt,
                        cause: None,
                    }),
                    retry_after: None,
                    progressed: written > started_at,
                    reason: format!("body interrupted at {written} bytes, resuming: {message}"),
                }
            }
            .await;
            if let Some(result) = attempts.after(step).await {
                break result;
            }
        }?;

        if let Some(expected) = expected_size
            && !gzip_seen
            && written > expected
        {
            return Err(DownloadError::SizeMismatch {
                url: shown,
                expected,
                received: written,
            });
        }
        file.sync_all().await.map_err(io_err)?;
        Ok((written, gzip_seen))
    }

    async fn copy_body(
        &self,
        body: &mut crate::Body,
        file: &mut PartWriter,
        written: &mut u64,
        limit: Option<u64>,
        report: &impl Fn(u64),
    ) -> Result<(), BodyError> {
        let result = loop {
            let piece = match body.next().await {
                None => break Ok(()),
                Some(Err(err)) => break Err(BodyError::Read(err.to_string())),
                Some(Ok(piece)) => piece,
            };
            let read = piece.len() as u64;
            if limit.is_some_and(|limit| *written + read > limit) {
                // More than the object's size: stop now, not at the end.
                *written += read;
                break Err(BodyError::TooLong);
            }
            if let Err(err) = file.write(piece).await {
                return Err(BodyError::Write(err));
            }
            *written += read;
            report(*written);
        };
        // Whatever was received is on disk before a resume asks for the rest.
        file.flush().await.map_err(BodyError::Write)?;
        result
    }
}

/// Writes a response body a generated client returned (`ByteStream`, e.g.
/// a `text/csv` export) to `dest` as a download is written: `<dest>.part`
/// through the writer thread, fsync, rename; the body may not go silent
/// longer than `idle`. `what` names the source in errors. Returns the bytes
/// written. A failure leaves nothing at `dest`.
pub async fn save_stream<S>(
    mut body: S,
    dest: &Path,
    what: &str,
    idle: Duration,
) -> Result<u64, DownloadError>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    let io_err = |path: &Path| {
        let path = path.to_owned();
        move |source| DownloadError::Io { path, source }
    };
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(io_err(parent))?;
    }
    let part = part_path(dest);
    let result = async {
        let mut file = PartWriter::new(create_part(&part).await.map_err(io_err(&part))?);
        let mut written = 0u64;
        loop {
            let piece = match tokio::time::timeout(idle, body.next()).await {
                Err(_) => Err(crate::body::stalled(idle)),
                Ok(None) => break,
                Ok(Some(Err(err))) => Err(crate::redact::error_without_url(&err)),
                Ok(Some(Ok(piece))) => Ok(piece),
            }
            .map_err(|message| DownloadError::Transport {
                url: what.to_owned(),
                message,
                attempts: 1,
                cause: None,
            })?;
            written += piece.len() as u64;
            file.write(piece).await.map_err(io_err(&part))?;
        }
        file.sync_all().await.map_err(io_err(&part))?;
        Ok(written)
    }
    .await;
    match result {
        Ok(written) => {
            tokio::fs::rename(&part, dest).await.map_err(io_err(dest))?;
            sync_dir(dest).await;
            Ok(written)
        }
        Err(err) => {
            let _ = tokio::fs::remove_file(&part).await;
            Err(err)
        }
    }
}

/// The error for a store's error answer, with its message (read from at
/// most [`MAX_ERROR_BODY`] bytes of the body).
async fn status_error(url: &str, response: reqwest::Response) -> DownloadError {
    let status = response.status().as_u16();
    let prefix = read_prefix(response, MAX_ERROR_BODY).await;
    let message = crate::error::message_of_body(&String::from_utf8_lossy(&prefix));
    DownloadError::Status {
        url: redact::url_str(url),
        status,
        message,
    }
}

/// Up to `max` bytes of a body; the rest is never read.
pub async fn read_prefix(response: reqwest::Response, max: usize) -> Vec<u8> {
    use futures::StreamExt;
    let mut prefix = Vec::new();
    let mut body = response.bytes_stream();
    while prefix.len() < max {
        match body.next().await {
            Some(Ok(chunk)) => {
                let room = max - prefix.len();
                prefix.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            _ => break,
        }
    }
    prefix
}

/// Empties the `.part` file for a fresh start of the transfer.
async fn restart(
    file: &mut PartWriter,
    written: &mut u64,
    report: &impl Fn(u64),
) -> std::io::Result<()> {
    file.truncate().await?;
    *written = 0;
    report(0);
    Ok(())
}

/// Creates the `.part` file without following anything planted at its
/// name: a leftover (or a symlink) is removed first (removing a link never
/// touches its target), then the file is created with `create_new`, which
/// fails rather than open an existing path.
async fn create_part(part: &Path) -> std::io::Result<std::fs::File> {
    let part = part.to_owned();
    tokio::task::spawn_blocking(move || create_part_blocking(&part))
        .await
        .map_err(std::io::Error::other)?
}

/// Creates the `.part` file fresh (`create_new`): anything already at its
/// name, a symlink included, is removed, never followed. Blocking.
pub fn create_part_blocking(part: &Path) -> std::io::Result<std::fs::File> {
    match std::fs::symlink_metadata(part) {
        Ok(_) => std::fs::remove_file(part)?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(part)
}

/// `ETag` (a strong one) or `Last-Modified`: what `If-Range` sends back.
fn validator_of(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let etag = headers
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.starts_with("W/"));
    etag.or_else(|| headers.get(LAST_MODIFIED).and_then(|v| v.to_str().ok()))
        .map(str::to_owned)
}

enum BodyError {
    Read(String),
    Write(std::io::Error),
    /// More bytes than the expected size.
    TooLong,
}

/// `<dest>.part`: where a download lives until it is complete.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}

/// Whether `dest` already holds a complete copy: it exists and, when the
/// size is known, has exactly that size, or was stored gzip-decoded from an
/// object of that size (its completion marker says so).
pub async fn is_complete(dest: &Path, expected_size: Option<u64>) -> bool {
    let Ok(meta) = tokio::fs::metadata(dest).await else {
        return false;
    };
    let Some(size) = expected_size else {
        return meta.is_file();
    };
    if !meta.is_file() {
        return false;
    }
    if meta.len() == size {
        return true;
    }
    tokio::fs::read_to_string(completion_marker(dest))
        .await
        .is_ok_and(|text| text.trim() == size.to_string())
}

/// `.<name>.complete` beside `dest`: written for a file stored decoded
/// from a gzip-encoded object, holding the object's size.
pub fn completion_marker(dest: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(dest.file_name().unwrap_or_default());
    name.push(".complete");
    dest.with_file_name(name)
}

async fn write_marker(marker: &Path, size: u64) -> std::io::Result<()> {
    let marker = marker.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut file = create_part_blocking(&marker)?;
        file.write_all(size.to_string().as_bytes())?;
        file.sync_all()
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Start and total of `Content-Range: bytes 100-199/200` (total `None` for
/// `*`); `None` when the header is missing or malformed.
pub fn content_range(headers: &reqwest::header::HeaderMap) -> Option<(u64, Option<u64>)> {
    parse_content_range(headers.get(CONTENT_RANGE)?.to_str().ok()?)
}

/// [`content_range`] of a header value.
pub fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let range = value.trim().strip_prefix("bytes ")?;
    let (span, total) = range.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    if end < start {
        return None;
    }
    let total = match total.trim() {
        "*" => None,
        n => {
            let total: u64 = n.parse().ok()?;
            if end >= total {
                return None;
            }
            Some(total)
        }
    };
    Some((start, total))
}

/// Makes the rename durable; best effort (not every platform can open a
/// directory).
async fn sync_dir(dest: &Path) {
    let dest = dest.to_owned();
    let _ = tokio::task::spawn_blocking(move || sync_dir_blocking(&dest)).await;
}

/// Makes a rename into `dest`'s folder durable (best effort).
pub fn sync_dir_blocking(dest: &Path) {
    if let Some(dir) = dest.parent()
        && let Ok(handle) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = handle.sync_all();
    }
}
