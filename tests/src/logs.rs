//! Everything the SDKs log during a test, as text: `tracing` events and, via
//! a bridge, the `log` records of reqwest and other dependencies.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Captured log lines; clones share the buffer.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// Starts capturing everything (TRACE and up) logged on this thread
    /// until the guard is dropped.
    pub fn start() -> (tracing::subscriber::DefaultGuard, Self) {
        // `log` records (reqwest's) go to whatever `tracing` subscriber is
        // current; set once per process.
        let _ = tracing_log::LogTracer::init();
        let capture = Self::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(capture.clone())
            .with_ansi(false)
            .without_time()
            .finish();
        (tracing::subscriber::set_default(subscriber), capture)
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
