//! Where a row failed, and how that becomes the SDKs' one error.

/// A row that could not be read, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default(), column.as_ref().map(|c| format!("column {c}: ")).unwrap_or_default())]
#[non_exhaustive]
pub struct CsvError {
    /// 1-based line of the record, when known.
    pub line: Option<u64>,
    /// Column name, when one value was at fault.
    pub column: Option<String>,
    /// What was wrong.
    pub message: String,
}

impl CsvError {
    /// The SDK's [`Error`](sdk_core::Error) for this row of `source_name` (a
    /// path, or a URL already without its query): a decode error, the cell's
    /// text redacted like any server text.
    pub fn reading(self, source_name: &str) -> sdk_core::Error {
        sdk_core::Error::new(
            sdk_core::ErrorKind::Decode,
            format!("reading {source_name}"),
            self.to_string(),
        )
        .with_source(self)
    }

    /// An error about the whole source (opening it, reading it), at no
    /// line.
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// An error at a line (and column).
    pub fn at(line: u64, column: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }

    /// The `csv` crate's error in our words: the record reader's tests
    /// compare the two readers' errors through it.
    #[cfg(test)]
    pub(crate) fn from_csv(error: &csv::Error) -> Self {
        let line = error.position().map(|p| p.line());
        let message = match error.kind() {
            csv::ErrorKind::Utf8 { err, .. } => {
                format!("invalid UTF-8 in field {}", err.field() + 1)
            }
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("{len} fields where the header has {expected_len}")
            }
            csv::ErrorKind::Io(err) => format!("read failed: {err}"),
            _ => error.to_string(),
        };
        Self {
            line,
            column: None,
            message,
        }
    }
}
