//! Download of a file from an object store to disk, safely.
//!
//! The URL is fetched with a plain GET and no credentials (the store's URL is
//! pre-signed; a bearer token must never reach it). The body streams to
//! `<dest>.part` in constant memory; a dropped connection or a stalled body
//! is resumed with `Range` when the server honours it, else restarted, a
//! bounded number of times. The byte count is checked against the expected
//! size, the file is fsynced and renamed into place: a failed download never
//! leaves a file at the final name.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_ENCODING, CONTENT_RANGE, RANGE};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader};

use crate::redact;
use crate::retry::RetryPolicy;

/// Default time a body may go without a byte before it counts as stalled.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Progress of one file: bytes on disk so far and the expected total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileProgress {
    /// Bytes written to the `.part` file so far (drops to 0 on a restart).
    pub done: u64,
    /// Expected size, when known.
    pub total: Option<u64>,
}

/// Called as bytes arrive.
pub type ProgressFn = Arc<dyn Fn(FileProgress) + Send + Sync>;

/// Why a download failed. URLs are shown without their (signed) query.
#[derive(Debug, thiserror::Error)]
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
}

/// Fetches object-store URLs to files. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Downloader {
    http: reqwest::Client,
    retry: RetryPolicy,
    idle_timeout: Duration,
}

impl Downloader {
    /// A downloader with its own HTTP client: no redirects, no default
    /// headers, and gzip decoded here (not by reqwest) so that resume offsets
    /// always count bytes as the server sent them.
    pub fn new(
        retry: RetryPolicy,
        idle_timeout: Duration,
        connect_timeout: Duration,
        user_agent: Option<&str>,
    ) -> reqwest::Result<Self> {
        let mut builder = crate::http::client_builder()
            .no_gzip()
            .connect_timeout(connect_timeout);
        if let Some(agent) = user_agent {
            builder = builder.user_agent(agent);
        }
        let http = builder.build()?;
        Ok(Self {
            http,
            retry,
            idle_timeout,
        })
    }

    /// Downloads `url` to `dest` and returns the number of bytes written.
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
        let part = part_path(dest);
        let result = self
            .fetch_to_part(url, &part, expected_size, progress)
            .await;
        match result {
            Ok(written) => {
                tokio::fs::rename(&part, dest)
                    .await
                    .map_err(|source| DownloadError::Io {
                        path: dest.to_owned(),
                        source,
                    })?;
                sync_dir(dest).await;
                Ok(written)
            }
            Err(err) => {
                let _ = tokio::fs::remove_file(&part).await;
                Err(err)
            }
        }
    }

    /// Opens `url` as a byte stream (gzip decoded) for reading without a
    /// file, e.g. to parse rows as they arrive. Connect errors and retryable
    /// statuses are retried; a body cut mid-way is an error (it cannot be
    /// resumed transparently under a reader).
    pub async fn open(
        &self,
        url: &str,
    ) -> Result<Box<dyn AsyncRead + Send + Unpin>, DownloadError> {
        let mut attempt = 0;
        let response = self.send(url, 0, &mut attempt).await?;
        if !response.status().is_success() {
            return Err(status_error(url, response).await);
        }
        Ok(body_reader(response))
    }

    /// GETs `url` (from byte `offset` when not 0) until an answer that is
    /// not worth retrying, or the attempts run out. `attempt` counts every
    /// try of the caller's transfer, so body failures and these share one
    /// budget.
    async fn send(
        &self,
        url: &str,
        offset: u64,
        attempt: &mut u32,
    ) -> Result<reqwest::Response, DownloadError> {
        loop {
            *attempt += 1;
            let can_retry = *attempt < self.retry.max_attempts;
            let mut request = self.http.get(url);
            if offset > 0 {
                request = request.header(RANGE, format!("bytes={offset}-"));
            }
            match request.send().await {
                Err(err) if can_retry && RetryPolicy::is_retryable_error(&err) => {
                    tracing::debug!(attempt = *attempt, error = %redact::error_without_url(&err), "download: retrying");
                    tokio::time::sleep(self.retry.delay(*attempt, None)).await;
                }
                Err(err) => {
                    return Err(DownloadError::Transport {
                        url: redact::url_str(url),
                        message: redact::error_without_url(&err),
                        attempts: *attempt,
                    });
                }
                Ok(response)
                    if can_retry && RetryPolicy::is_retryable_status(response.status()) =>
                {
                    tracing::debug!(
                        attempt = *attempt,
                        status = response.status().as_u16(),
                        "download: retrying"
                    );
                    tokio::time::sleep(self.retry.delay(*attempt, Some(response.headers()))).await;
                }
                Ok(response) => return Ok(response),
            }
        }
    }

    async fn fetch_to_part(
        &self,
        url: &str,
        part: &Path,
        expected_size: Option<u64>,
        progress: Option<&ProgressFn>,
    ) -> Result<u64, DownloadError> {
        let shown = redact::url_str(url);
        let io_err = |source| DownloadError::Io {
            path: part.to_owned(),
            source,
        };
        let mut file = tokio::fs::File::create(part).await.map_err(io_err)?;
        let mut written: u64 = 0;
        let mut attempt: u32 = 0;
        let mut gzip_seen = false;
        let report = |done| {
            if let Some(progress) = progress {
                progress(FileProgress {
                    done,
                    total: expected_size,
                });
            }
        };

        loop {
            let response = self.send(url, written, &mut attempt).await?;
            let can_retry = attempt < self.retry.max_attempts;
            let status = response.status();
            let resumed = status == StatusCode::PARTIAL_CONTENT
                && written > 0
                && range_start(response.headers()) == Some(written);
            if status == StatusCode::RANGE_NOT_SATISFIABLE && expected_size == Some(written) {
                break; // everything had arrived already
            }
            if !status.is_success() {
                return Err(status_error(url, response).await);
            }
            if !resumed && written > 0 {
                // The server ignored Range: start over.
                file.set_len(0).await.map_err(io_err)?;
                file.rewind().await.map_err(io_err)?;
                written = 0;
                report(0);
            }
            let gzip = response
                .headers()
                .get(CONTENT_ENCODING)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
            gzip_seen = gzip;
            let announced = if gzip {
                None
            } else {
                response.content_length()
            };
            let mut reader = body_reader(response);

            let started_at = written;
            let outcome = self
                .copy_body(&mut reader, &mut file, &mut written, &report)
                .await;
            let short = announced.is_some_and(|len| written - started_at < len);
            let ended_cleanly = outcome.is_ok();
            let failure = match outcome {
                Err(BodyError::Write(source)) => return Err(io_err(source)),
                Err(BodyError::Read(message)) => Some(message),
                Ok(()) if short => Some("connection closed before the end of the body".to_owned()),
                Ok(()) if !gzip && expected_size.is_some_and(|size| written < size) => {
                    Some("body ended before the announced size".to_owned())
                }
                Ok(()) => None,
            };
            match failure {
                None => break,
                Some(message) if can_retry => {
                    tracing::debug!(attempt, written, %message, "download: body interrupted, resuming");
                    if gzip {
                        // A decoded stream cannot be resumed mid-way.
                        file.set_len(0).await.map_err(io_err)?;
                        file.rewind().await.map_err(io_err)?;
                        written = 0;
                        report(0);
                    }
                    tokio::time::sleep(self.retry.delay(attempt, None)).await;
                }
                Some(_)
                    if ended_cleanly
                        && !gzip
                        && expected_size.is_some_and(|size| written < size) =>
                {
                    return Err(DownloadError::SizeMismatch {
                        url: shown,
                        expected: expected_size.unwrap_or_default(),
                        received: written,
                    });
                }
                Some(message) => {
                    return Err(DownloadError::Transport {
                        url: shown,
                        message,
                        attempts: attempt,
                    });
                }
            }
        }

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
        file.flush().await.map_err(io_err)?;
        file.sync_all().await.map_err(io_err)?;
        Ok(written)
    }

    async fn copy_body(
        &self,
        reader: &mut (dyn AsyncRead + Unpin + Send),
        file: &mut tokio::fs::File,
        written: &mut u64,
        report: &impl Fn(u64),
    ) -> Result<(), BodyError> {
        // A body arrives in frames of a few KiB; gathering them into large
        // writes saves a trip to the blocking pool per frame.
        let mut out = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file);
        let mut buffer = vec![0u8; 64 * 1024];
        let result = loop {
            let read = match tokio::time::timeout(self.idle_timeout, reader.read(&mut buffer)).await
            {
                Err(_) => {
                    break Err(BodyError::Read(format!(
                        "no data for {}s (stalled)",
                        self.idle_timeout.as_secs_f32()
                    )));
                }
                Ok(Err(err)) => break Err(BodyError::Read(err.to_string())),
                Ok(Ok(0)) => break Ok(()),
                Ok(Ok(n)) => n,
            };
            if let Err(err) = out.write_all(&buffer[..read]).await {
                return Err(BodyError::Write(err));
            }
            *written += read as u64;
            report(*written);
        };
        // Whatever was received is on disk before a resume asks for the rest.
        out.flush().await.map_err(BodyError::Write)?;
        result
    }
}

/// Bytes gathered before each write to the `.part` file.
const WRITE_BUFFER: usize = 1024 * 1024;

/// The error for a store's error answer, with its message.
async fn status_error(url: &str, response: reqwest::Response) -> DownloadError {
    let status = response.status().as_u16();
    let message = crate::error::message_of_body(&response.text().await.unwrap_or_default());
    DownloadError::Status {
        url: redact::url_str(url),
        status,
        message,
    }
}

/// The body of a response as a reader, gzip decoded when the server says
/// it is gzip-encoded.
fn body_reader(response: reqwest::Response) -> Box<dyn AsyncRead + Send + Unpin> {
    let gzip = response
        .headers()
        .get(CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let body =
        tokio_util::io::StreamReader::new(response.bytes_stream().map_err(std::io::Error::other));
    if gzip {
        Box::new(async_compression::tokio::bufread::GzipDecoder::new(
            BufReader::new(body),
        ))
    } else {
        Box::new(body)
    }
}

enum BodyError {
    Read(String),
    Write(std::io::Error),
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
/// size is known, has exactly that size.
pub async fn is_complete(dest: &Path, expected_size: Option<u64>) -> bool {
    match tokio::fs::metadata(dest).await {
        Ok(meta) => meta.is_file() && expected_size.is_none_or(|size| meta.len() == size),
        Err(_) => false,
    }
}

fn range_start(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    // "bytes 100-199/200"
    let value = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let range = value.strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
}

/// Makes the rename durable; best effort (not every platform can open a
/// directory).
async fn sync_dir(dest: &Path) {
    if let Some(dir) = dest.parent()
        && let Ok(handle) = tokio::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
        .await
    {
        let _ = handle.sync_all().await;
    }
}
