//! [`Body`]: a download read as it arrives, with what the object store said
//! of the object (its `ETag`, `Last-Modified` and size), so a caller can
//! record which version of a file it read.

use std::pin::Pin;
use std::task::{Context, Poll};

use reqwest::header::{CONTENT_LENGTH, ETAG, LAST_MODIFIED};
use tokio::io::{AsyncRead, ReadBuf};

/// Longest header value kept: a validator is short; a longer one is not
/// kept rather than carried into a manifest.
const MAX_VALIDATOR: usize = 256;

/// The bytes of a file read straight from its host (gzip decoded, idle
/// timeout applied). Implements [`AsyncRead`]; a dropped connection ends
/// it with an error.
pub struct Body {
    reader: Box<dyn AsyncRead + Send + Unpin>,
    etag: Option<String>,
    last_modified: Option<String>,
    size: Option<u64>,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body")
            .field("etag", &self.etag)
            .field("last_modified", &self.last_modified)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Body {
    /// `reader` with the headers of the response it reads.
    pub(crate) fn new(
        reader: Box<dyn AsyncRead + Send + Unpin>,
        headers: &reqwest::header::HeaderMap,
        gzip: bool,
    ) -> Self {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .filter(|v| !v.is_empty() && v.len() <= MAX_VALIDATOR)
                .map(str::to_owned)
        };
        Self {
            reader,
            etag: text(ETAG),
            last_modified: text(LAST_MODIFIED),
            // Of the bytes as sent: not the decoded size of a gzip body.
            size: (!gzip)
                .then(|| text(CONTENT_LENGTH)?.parse().ok())
                .flatten(),
        }
    }

    /// The object's `ETag` as the store sent it (quotes included), if any.
    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// The object's `Last-Modified` as the store sent it, if any.
    pub fn last_modified(&self) -> Option<&str> {
        self.last_modified.as_deref()
    }

    /// The body's length as the store announced it (`None` for a gzip
    /// body, whose decoded length is not known ahead).
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    /// The reader alone.
    pub fn into_reader(self) -> Box<dyn AsyncRead + Send + Unpin> {
        self.reader
    }
}

impl AsyncRead for Body {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.reader).poll_read(cx, buf)
    }
}
