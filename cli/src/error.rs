//! One-line errors with an exit code: 1 for API, network or file failures,
//! 2 for usage errors (bad arguments), 4 when authentication failed or no
//! credentials were given.

use std::fmt;

/// A failure to report to the user.
#[derive(Debug, Clone)]
pub struct CliError {
    /// What failed, with the server's message and a hint.
    pub message: String,
    /// Process exit code.
    pub code: u8,
}

impl CliError {
    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }

    /// Authentication failed, or no credentials were given (exit code 4):
    /// a script can tell "log in again" from any other failure.
    pub fn auth(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 4,
        }
    }

    /// An API, network or file failure (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }

    /// The reader of our output went away (`docker-data … | head -1`):
    /// stop quietly with success, as other tools in a pipe do.
    pub fn closed_pipe() -> Self {
        Self {
            message: String::new(),
            code: 0,
        }
    }

    /// Whether this is the quiet stop of a closed pipe.
    pub fn is_closed_pipe(&self) -> bool {
        self.code == 0
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every SDK's error is the one `sdk_core::Error`: its kind decides the
/// exit code; its text is already redacted.
impl From<sdk_core::Error> for CliError {
    fn from(error: sdk_core::Error) -> Self {
        match error.kind() {
            sdk_core::ErrorKind::InvalidInput => Self::usage(error.to_string()),
            sdk_core::ErrorKind::Unauthenticated => Self::auth(error.to_string()),
            _ => Self::failure(error.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Self::closed_pipe();
        }
        Self::failure(error.to_string())
    }
}

impl From<csv::Error> for CliError {
    fn from(error: csv::Error) -> Self {
        if let csv::ErrorKind::Io(io) = error.kind()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return Self::closed_pipe();
        }
        Self::failure(format!("writing output: {error}"))
    }
}

impl From<serde_json::Error> for CliError {
    fn from(error: serde_json::Error) -> Self {
        if error.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) {
            return Self::closed_pipe();
        }
        Self::failure(format!("writing output: {error}"))
    }
}
