//! [`Body`]: a download read as it arrives, with what the object store said
//! of the object (its `ETag`, `Last-Modified` and size), so a caller can
//! record which version of a file it read.
//!
//! A plain body is the network's pieces as received ([`Bytes`], no copy);
//! a gzip-encoded one is decoded on the way. Either way the body may not go
//! silent for longer than the idle timeout while it is being waited on.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, TryStreamExt};
use reqwest::header::{CONTENT_ENCODING, CONTENT_LENGTH, ETAG, LAST_MODIFIED};
use tokio::io::{AsyncRead, ReadBuf};

/// Longest header value kept: a validator is short; a longer one is not
/// kept rather than carried into a manifest.
const MAX_VALIDATOR: usize = 256;

/// Bytes decoded at a time from a gzip body read as a stream.
const DECODED_PIECE: usize = 256 * 1024;

/// The network's pieces of a plain body.
type Pieces = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// The bytes of a file read straight from its host (gzip decoded, idle
/// timeout applied).
///
/// Read it either way:
/// - as a [`Stream`] of [`Bytes`] (`futures::StreamExt::next`): a plain
///   body's pieces as they came off the network, without a copy, the
///   cheapest way to the end;
/// - as an [`AsyncRead`] (`tokio::io::AsyncReadExt`), copied into your
///   buffer.
///
/// A dropped connection ends it with an error, never with a short clean
/// end.
pub struct Body {
    inner: Inner,
    idle: Idle,
    etag: Option<String>,
    last_modified: Option<String>,
}

enum Inner {
    /// A plain body; `current` is what is left of the piece being read.
    Plain { network: Network, current: Bytes },
    /// A gzip-encoded body, decoded as it is read; `buffer` is where the
    /// pieces of a read as a stream are decoded into (kept between polls,
    /// so a poll that finds nothing allocates nothing).
    Decoded {
        decoder: Pin<Box<dyn AsyncRead + Send>>,
        buffer: BytesMut,
    },
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body")
            .field("etag", &self.etag)
            .field("last_modified", &self.last_modified)
            .field("size", &self.size())
            .finish_non_exhaustive()
    }
}

impl Body {
    /// The body of `response`, which may not go silent for longer than
    /// `idle` while it is being waited on.
    pub(crate) fn new(response: reqwest::Response, idle: Duration) -> Self {
        let headers = response.headers();
        let gzip = is_gzip(headers);
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .filter(|v| !v.is_empty() && v.len() <= MAX_VALIDATOR)
                .map(str::to_owned)
        };
        let (etag, last_modified) = (text(ETAG), text(LAST_MODIFIED));
        // Of the bytes as sent: not the decoded size of a gzip body.
        let size = (!gzip)
            .then(|| text(CONTENT_LENGTH)?.parse().ok())
            .flatten();
        let pieces: Pieces = Box::pin(response.bytes_stream());
        let inner = if gzip {
            let sent = tokio_util::io::StreamReader::new(pieces.map_err(network_error));
            let mut decoder = async_compression::tokio::bufread::GzipDecoder::new(
                tokio::io::BufReader::new(sent),
            );
            // Every member of a multi-member gzip, as `gzip -d` does.
            decoder.multiple_members(true);
            Inner::Decoded {
                decoder: Box::pin(decoder),
                buffer: BytesMut::new(),
            }
        } else {
            Inner::Plain {
                network: Network {
                    pieces,
                    received: 0,
                    size,
                },
                current: Bytes::new(),
            }
        };
        Self {
            inner,
            idle: Idle::new(idle),
            etag,
            last_modified,
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
        match &self.inner {
            Inner::Plain { network, .. } => network.size,
            Inner::Decoded { .. } => None,
        }
    }

    /// Whether the body is decoded from gzip on the way (its pieces are then
    /// the decoder's, not the network's).
    pub fn is_decoded(&self) -> bool {
        matches!(self.inner, Inner::Decoded { .. })
    }

    /// The body as a boxed reader, for APIs that take one.
    pub fn into_reader(self) -> Box<dyn AsyncRead + Send + Unpin> {
        Box::new(self)
    }
}

impl Stream for Body {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match &mut this.inner {
            Inner::Plain { network, current } => {
                if !current.is_empty() {
                    return Poll::Ready(Some(Ok(std::mem::take(current))));
                }
                network.poll_piece(&mut this.idle, cx)
            }
            Inner::Decoded { decoder, buffer } => {
                // A piece is split off the buffer; a new one is taken only
                // when little room is left.
                if buffer.capacity() < DECODED_PIECE / 4 {
                    buffer.reserve(DECODED_PIECE);
                }
                let read = ready!(this.idle.guard(cx, |cx| {
                    tokio_util::io::poll_read_buf(decoder.as_mut(), cx, buffer)
                }))
                .and_then(|read| read);
                Poll::Ready(match read {
                    Ok(0) => None,
                    Ok(_) => Some(Ok(buffer.split().freeze())),
                    Err(err) => Some(Err(err)),
                })
            }
        }
    }
}

impl AsyncRead for Body {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        match &mut this.inner {
            Inner::Plain { network, current } => {
                while current.is_empty() {
                    match ready!(network.poll_piece(&mut this.idle, cx)) {
                        Some(Ok(piece)) => *current = piece,
                        Some(Err(err)) => return Poll::Ready(Err(err)),
                        None => return Poll::Ready(Ok(())),
                    }
                }
                let n = buf.remaining().min(current.len());
                buf.put_slice(&current[..n]);
                current.advance(n);
                Poll::Ready(Ok(()))
            }
            Inner::Decoded { decoder, .. } => {
                let read = ready!(
                    this.idle
                        .guard(cx, |cx| decoder.as_mut().poll_read(cx, buf))
                );
                Poll::Ready(read.and_then(|read| read))
            }
        }
    }
}

/// A plain body's pieces as they come off the network, counted against the
/// size the response announced.
struct Network {
    pieces: Pieces,
    received: u64,
    size: Option<u64>,
}

impl Network {
    /// The next piece, under the idle timeout (what both ways of reading a
    /// plain body read). An end before the announced size is an error
    /// whatever the stream below says: a short body never passes for the
    /// whole file, and downloads need no check of their own.
    fn poll_piece(
        &mut self,
        idle: &mut Idle,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::io::Result<Bytes>>> {
        let next = ready!(idle.guard(cx, |cx| self.pieces.as_mut().poll_next(cx)))?;
        Poll::Ready(match next {
            Some(Ok(piece)) => {
                self.received += piece.len() as u64;
                Some(Ok(piece))
            }
            Some(Err(err)) => Some(Err(network_error(err))),
            None => match self.size {
                Some(size) if self.received < size => Some(Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("the body ended after {} of {size} bytes", self.received),
                ))),
                _ => None,
            },
        })
    }
}

/// A network error as an I/O error, its text through the one redaction:
/// without the URL (a signed URL is a secret), and with its causes (its own
/// text is often only "error decoding response body"; what happened, a
/// connection closed early, is in its sources).
fn network_error(err: reqwest::Error) -> std::io::Error {
    std::io::Error::other(crate::redact::error_without_url(&err))
}

/// Whether a response says its body is gzip-encoded (and so is decoded on
/// the way).
pub(crate) fn is_gzip(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"))
}

/// Why a body that went silent failed.
pub(crate) fn stalled(idle: Duration) -> String {
    format!("no data for {}s (stalled)", idle.as_secs_f32())
}

/// The idle timeout: a wait for the body's next bytes fails after `idle`
/// without one. The clock starts when a wait begins, so time the caller
/// spends between reads (writing to a slow disk, say) never counts.
struct Idle {
    idle: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
    waiting: bool,
}

impl Idle {
    fn new(idle: Duration) -> Self {
        Self {
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            waiting: false,
        }
    }

    /// `poll`, failing with `TimedOut` once it has been pending for `idle`.
    fn guard<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<std::io::Result<T>> {
        use std::future::Future;
        if let Poll::Ready(value) = poll(cx) {
            self.waiting = false;
            return Poll::Ready(Ok(value));
        }
        if !self.waiting {
            self.waiting = true;
            let deadline = tokio::time::Instant::now() + self.idle;
            self.deadline.as_mut().reset(deadline);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                stalled(self.idle),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    /// A body that announces `announced` bytes and ends cleanly after
    /// `sent` (its stream gives no error of its own).
    fn short_body(sent: &'static [u8], announced: usize) -> Body {
        let pieces = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(sent))]);
        let response = http::Response::builder()
            .header(CONTENT_LENGTH, announced)
            .body(reqwest::Body::wrap_stream(pieces))
            .unwrap();
        Body::new(response.into(), Duration::from_secs(5))
    }

    #[tokio::test]
    async fn a_body_that_ends_before_its_announced_size_fails_either_way() {
        let mut body = short_body(b"a,b\n1,2\n", 12);
        assert_eq!(&body.next().await.unwrap().unwrap()[..], b"a,b\n1,2\n");
        let err = body.next().await.unwrap().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        assert!(
            err.to_string().contains("ended after 8 of 12 bytes"),
            "{err}"
        );

        let mut read = Vec::new();
        let err = tokio::io::AsyncReadExt::read_to_end(&mut short_body(b"a,b\n", 9), &mut read)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!(read, b"a,b\n");

        // The announced size reached is the end.
        let mut whole = short_body(b"a,b\n", 4);
        assert!(whole.next().await.unwrap().is_ok());
        assert!(whole.next().await.is_none());
    }
}
