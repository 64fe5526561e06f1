//! Where CSV bytes come from. Every reading mode ([`rows`](crate::rows),
//! [`typed_batches`](crate::typed_batches) and, with feature `arrow`,
//! [`columnar::batches`](crate::columnar::batches)) takes a [`Source`] and
//! reads it the same way, on a thread of its own: a file, a blocking
//! reader, or an async reader such as a response body.

use std::io::Read;
use std::path::{Path, PathBuf};

use tokio::io::AsyncRead;

use crate::CsvError;

/// The bytes of a CSV, plain or gzip (recognised by its first bytes).
///
/// ```
/// use docker_data_csv::{RecordDecoder, Source, rows};
///
/// let from_text = Source::reader(std::io::Cursor::new("a,b\n1,2\n"));
/// let from_file = Source::path("report.csv"); // or `Source::from(path)`
/// # drop(from_file);
/// let mut records = rows::<RecordDecoder>(from_text, RecordDecoder::from_headers);
/// # use docker_data_csv::FromHeaders;
/// assert_eq!(records.next().unwrap()?.get("b"), Some("2"));
/// # Ok::<(), docker_data_csv::CsvError>(())
/// ```
#[non_exhaustive]
pub enum Source {
    /// A file, opened when reading starts.
    Path(PathBuf),
    /// A blocking reader, read on the reading thread.
    Read(Box<dyn Read + Send>),
    /// An async reader, read on the tokio runtime that is current when
    /// reading starts, and handed to the reading thread in large pieces.
    AsyncRead(Box<dyn AsyncRead + Send + Unpin>),
    /// A download opened with `open` (`From<Body>`): as [`AsyncRead`](Self::AsyncRead),
    /// but the reading thread takes the network's pieces itself, with no
    /// task or copy between (the connection still runs on the runtime that
    /// is current when reading starts, which must keep running).
    Body(sdk_core::Body),
}

impl Source {
    /// A file on disk.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Self::Path(path.into())
    }

    /// Any blocking reader.
    pub fn reader(reader: impl Read + Send + 'static) -> Self {
        Self::Read(Box::new(reader))
    }

    /// Any async reader. Reading it needs a tokio runtime: the reading mode
    /// must be started within one. A download's [`Body`](sdk_core::Body)
    /// is cheaper as `Source::from(body)`.
    pub fn async_reader(reader: impl AsyncRead + Send + Unpin + 'static) -> Self {
        Self::AsyncRead(Box::new(reader))
    }

    /// What errors call the source: a path as it was given, else `what`.
    pub fn name_or(&self, what: &str) -> String {
        match self {
            Self::Path(path) => path.display().to_string(),
            _ => what.to_owned(),
        }
    }

    /// The blocking reader the reading thread reads. An async reader starts
    /// its reading task here, on the caller's runtime; a plain body is read
    /// by the reading thread itself, with that runtime entered.
    pub(crate) fn into_blocking(self) -> Result<Blocking, CsvError> {
        Ok(match self {
            Self::Path(path) => Blocking::Path(path),
            Self::Read(reader) => Blocking::Read(reader),
            Self::AsyncRead(reader) => handed_over(reader)?,
            // A decoded body's pieces are fresh buffers: read it as a reader
            // into buffers that are used again.
            Self::Body(body) if body.is_decoded() => handed_over(body.into_reader())?,
            Self::Body(body) => Blocking::Pieces(crate::body_reader::BodyReader::new(
                runtime()?,
                Box::pin(body),
            )),
        })
    }
}

/// The blocking reader of an async reader, read by a task on the current
/// runtime.
fn handed_over(reader: Box<dyn AsyncRead + Send + Unpin>) -> Result<Blocking, CsvError> {
    runtime()?;
    Ok(Blocking::Read(Box::new(crate::handoff::handoff(reader))))
}

/// The runtime an async source is read on: the current one.
fn runtime() -> Result<tokio::runtime::Handle, CsvError> {
    tokio::runtime::Handle::try_current().map_err(|_| {
        CsvError::message("an async source is read on a tokio runtime: start reading it within one")
    })
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(path) => f.debug_tuple("Path").field(path).finish(),
            Self::Read(_) => f.write_str("Read(..)"),
            Self::AsyncRead(_) => f.write_str("AsyncRead(..)"),
            Self::Body(body) => f.debug_tuple("Body").field(body).finish(),
        }
    }
}

impl From<sdk_core::Body> for Source {
    fn from(body: sdk_core::Body) -> Self {
        Self::Body(body)
    }
}

impl From<PathBuf> for Source {
    fn from(path: PathBuf) -> Self {
        Self::Path(path)
    }
}

impl From<&PathBuf> for Source {
    fn from(path: &PathBuf) -> Self {
        Self::Path(path.clone())
    }
}

impl From<&Path> for Source {
    fn from(path: &Path) -> Self {
        Self::Path(path.to_owned())
    }
}

/// A source as the reading thread takes it.
pub(crate) enum Blocking {
    Path(PathBuf),
    Read(Box<dyn Read + Send>),
    /// A plain body, its pieces scanned where they are.
    Pieces(crate::body_reader::BodyReader),
}

impl Blocking {
    /// Opens the source (a file is opened here, on the reading thread).
    pub(crate) fn open(self) -> Result<Opened, CsvError> {
        self.open_with(|path| Ok(Box::new(crate::open_file(&path)?)))
    }

    /// [`open`](Self::open), a file opened by `open_path`: a caller with
    /// an error type of its own says how a file fails to open.
    pub(crate) fn open_with<E>(
        self,
        open_path: impl FnOnce(PathBuf) -> Result<Box<dyn Read + Send>, E>,
    ) -> Result<Opened, E> {
        match self {
            Self::Path(path) => open_path(path).map(Opened::Read),
            Self::Read(reader) => Ok(Opened::Read(reader)),
            Self::Pieces(pieces) => Ok(Opened::Pieces(Box::new(pieces))),
        }
    }
}

/// An opened source: bytes to read, or pieces to scan where they are.
pub(crate) enum Opened {
    Read(Box<dyn Read + Send>),
    Pieces(Box<dyn crate::record_reader::Pieces>),
}
