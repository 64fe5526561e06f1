//! The writer of a download's `.part` file: one thread of its own per
//! download, fed the body's `Bytes` as they arrive.
//!
//! Why a thread: tokio's file writes each take a trip to the blocking pool
//! and copy the data into the file's own buffer. Here the body's pieces are
//! handed over without a copy, gathered into one vectored write, and, on
//! Linux, written back to disk while the body is still arriving
//! (`sync_file_range`), so the fsync that makes the file durable at the end
//! finds little left to do.

use std::io::{IoSlice, Seek, Write};

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

/// Bytes gathered into one write when several pieces are waiting.
const GATHER: usize = 1024 * 1024;
/// Pieces in flight between the download and its writer.
const IN_FLIGHT: usize = 64;
/// Bytes in flight at most: while the disk is slow the body waits. Counting
/// pieces alone let 64 of hyper's (up to a few hundred KiB each) pile up,
/// and a 1 GiB download's peak RSS doubled now and then (41 MiB, not 20);
/// 8 MiB still added up to 6 MiB to it, 2 MiB seemed to slow the download
/// (the body then waits out each writeback window).
const IN_FLIGHT_BYTES: usize = 4 * 1024 * 1024;

type Ack = oneshot::Sender<std::io::Result<()>>;

enum Command {
    /// Pieces, with their shares of the byte budget (given back once
    /// written).
    Write(Vec<Bytes>, Vec<OwnedSemaphorePermit>),
    /// Answered once every earlier write is in the file.
    Flush(Ack),
    /// Empties the file for a fresh start.
    Truncate(Ack),
    /// fsync.
    SyncAll(Ack),
}

/// Bytes gathered on the download's side before they are handed over: one
/// wake-up of the writer thread per piece (hyper's are a few dozen KiB) was
/// 18,000 context switches per GiB (BENCHMARKS.md, row 8h).
const HANDOFF: usize = 512 * 1024;

/// The async end of a `.part` file's writer thread.
pub(crate) struct PartWriter {
    sender: mpsc::Sender<Command>,
    thread: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    budget: Arc<Semaphore>,
    /// Pieces not handed over yet, their shares and their bytes.
    pending: Vec<Bytes>,
    shares: Vec<OwnedSemaphorePermit>,
    pending_bytes: usize,
}

impl PartWriter {
    /// Starts the writer of `file` (positioned at its start).
    pub(crate) fn new(file: std::fs::File) -> Self {
        Self::continuing(file, 0)
    }

    /// Starts the writer of `file`, positioned at `offset` (its end): an
    /// unfinished download continued.
    pub(crate) fn continuing(file: std::fs::File, offset: u64) -> Self {
        let (sender, receiver) = mpsc::channel(IN_FLIGHT);
        let thread = tokio::task::spawn_blocking(move || run(file, receiver, offset));
        Self {
            sender,
            thread: Some(thread),
            budget: Arc::new(Semaphore::new(IN_FLIGHT_BYTES)),
            pending: Vec::new(),
            shares: Vec::new(),
            pending_bytes: 0,
        }
    }

    /// Queues `bytes` for the file. A write error of an earlier piece is
    /// returned here as soon as the writer has stopped.
    pub(crate) async fn write(&mut self, bytes: Bytes) -> std::io::Result<()> {
        // A piece larger than the whole budget waits for all of it.
        let share = bytes.len().min(IN_FLIGHT_BYTES) as u32;
        // Pieces still held count against the budget: hand them over
        // rather than wait for room they hold themselves.
        if self.budget.available_permits() < share as usize {
            self.hand_over().await?;
        }
        let Ok(permit) = self.budget.clone().acquire_many_owned(share).await else {
            return Err(std::io::Error::other("the file writer's budget was closed"));
        };
        self.pending_bytes += bytes.len();
        self.pending.push(bytes);
        self.shares.push(permit);
        if self.pending_bytes >= HANDOFF {
            self.hand_over().await?;
        }
        Ok(())
    }

    /// Sends the pieces gathered so far to the writer thread.
    async fn hand_over(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pieces = std::mem::take(&mut self.pending);
        let shares = std::mem::take(&mut self.shares);
        self.pending_bytes = 0;
        if self
            .sender
            .send(Command::Write(pieces, shares))
            .await
            .is_err()
        {
            return Err(self.failure().await);
        }
        Ok(())
    }

    /// Waits until every queued piece is in the file.
    pub(crate) async fn flush(&mut self) -> std::io::Result<()> {
        self.ask(Command::Flush).await
    }

    /// Empties the file; the next write goes to its start.
    pub(crate) async fn truncate(&mut self) -> std::io::Result<()> {
        self.ask(Command::Truncate).await
    }

    /// Writes every queued piece and fsyncs the file.
    pub(crate) async fn sync_all(&mut self) -> std::io::Result<()> {
        self.ask(Command::SyncAll).await
    }

    async fn ask(&mut self, command: impl FnOnce(Ack) -> Command) -> std::io::Result<()> {
        self.hand_over().await?;
        let (ack, answer) = oneshot::channel();
        if self.sender.send(command(ack)).await.is_err() {
            return Err(self.failure().await);
        }
        match answer.await {
            Ok(result) => result,
            Err(_) => Err(self.failure().await),
        }
    }

    /// Why the writer thread stopped.
    async fn failure(&mut self) -> std::io::Error {
        match self.thread.take() {
            Some(thread) => match thread.await {
                Ok(Err(err)) => err,
                Ok(Ok(())) => std::io::Error::other("the file writer stopped"),
                Err(join) => std::io::Error::other(format!("the file writer failed: {join}")),
            },
            None => std::io::Error::other("the file writer had already failed"),
        }
    }
}

/// The writer thread: runs until the download drops its end, or a write
/// fails (then the error is the thread's result).
fn run(
    mut file: std::fs::File,
    mut receiver: mpsc::Receiver<Command>,
    mut offset: u64,
) -> std::io::Result<()> {
    let mut writeback = Writeback::starting_at(offset);
    let mut next: Option<Command> = None;
    let mut batch: Vec<Bytes> = Vec::new();
    let mut shares: Vec<OwnedSemaphorePermit> = Vec::new();
    loop {
        let command = match next.take() {
            Some(command) => command,
            None => match receiver.blocking_recv() {
                Some(command) => command,
                None => return Ok(()),
            },
        };
        match command {
            Command::Write(pieces, held) => {
                let mut size: usize = pieces.iter().map(Bytes::len).sum();
                batch.extend(pieces);
                shares.extend(held);
                while size < GATHER {
                    match receiver.try_recv() {
                        Ok(Command::Write(pieces, held)) => {
                            size += pieces.iter().map(Bytes::len).sum::<usize>();
                            batch.extend(pieces);
                            shares.extend(held);
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                write_all_vectored(&mut file, &batch)?;
                batch.clear();
                shares.clear();
                offset += size as u64;
                writeback.written_up_to(&file, offset);
            }
            Command::Flush(ack) => {
                let _ = ack.send(Ok(()));
            }
            Command::Truncate(ack) => {
                let result = file.set_len(0).and_then(|()| file.rewind());
                offset = 0;
                writeback = Writeback::default();
                let _ = ack.send(result);
            }
            Command::SyncAll(ack) => {
                let _ = ack.send(file.sync_all());
            }
        }
    }
}

fn write_all_vectored(file: &mut std::fs::File, pieces: &[Bytes]) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = pieces.iter().map(|p| IoSlice::new(p)).collect();
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        match file.write_vectored(slices) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// Writeback while the body arrives: each [`WINDOW`] written is handed to
/// the disk at once, and the window before it is waited for, so at most two
/// windows are dirty in memory when the final fsync comes. Advisory: the
/// final fsync still decides durability and reports errors.
#[derive(Default)]
struct Writeback {
    /// Start of the bytes not yet handed to the disk.
    submitted_up_to: u64,
    /// The window handed over last, not yet waited for.
    in_progress: Option<(u64, u64)>,
}

/// Bytes per writeback window. Each window waits for the one before it,
/// and a wait empties the disk's queue: a 1 GiB download to disk took
/// 1.17x curl's time (no fsync) with 8 MiB windows, 1.09x with 32 and
/// 0.89x with 64 or 128 (no writeback until the final fsync: 1.18x). The
/// dirty bytes are the page cache's, not the process's memory.
#[cfg(target_os = "linux")]
const WINDOW: u64 = 64 * 1024 * 1024;

impl Writeback {
    /// Nothing handed over yet; the file's first `offset` bytes were
    /// written by an earlier run.
    fn starting_at(offset: u64) -> Self {
        Self {
            submitted_up_to: offset,
            in_progress: None,
        }
    }

    #[cfg(target_os = "linux")]
    fn written_up_to(&mut self, file: &std::fs::File, offset: u64) {
        use std::os::fd::AsRawFd;
        let length = offset - self.submitted_up_to;
        if length < WINDOW {
            return;
        }
        let fd = file.as_raw_fd();
        // SAFETY: `fd` is an open file descriptor owned by `file` for the
        // whole call; sync_file_range reads no memory of ours.
        unsafe {
            libc::sync_file_range(
                fd,
                self.submitted_up_to as libc::off64_t,
                length as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
            if let Some((start, length)) = self.in_progress {
                libc::sync_file_range(
                    fd,
                    start as libc::off64_t,
                    length as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WAIT_BEFORE
                        | libc::SYNC_FILE_RANGE_WRITE
                        | libc::SYNC_FILE_RANGE_WAIT_AFTER,
                );
            }
        }
        self.in_progress = Some((self.submitted_up_to, length));
        self.submitted_up_to = offset;
    }

    #[cfg(not(target_os = "linux"))]
    fn written_up_to(&mut self, _file: &std::fs::File, _offset: u64) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file whose writes block until its reader reads: a disk that is
    /// slower than the network.
    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_disk_holds_the_body_back_at_a_bounded_number_of_bytes() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("slow.part");
        let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo reads nothing else.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        let (drain, drained) = std::sync::mpsc::channel::<()>();
        let reader_path = path.clone();
        let reader = std::thread::spawn(move || {
            let mut fifo = std::fs::File::open(reader_path).unwrap();
            drained.recv().unwrap();
            let mut all = Vec::new();
            fifo.read_to_end(&mut all).unwrap();
            all
        });
        let mut writer =
            PartWriter::new(std::fs::OpenOptions::new().write(true).open(&path).unwrap());
        const PIECE: usize = 1024 * 1024;
        let mut accepted = 0;
        for i in 0..40u8 {
            let piece = Bytes::from(vec![i; PIECE]);
            // A write still waiting after a while is held back: the budget
            // is spent.
            match tokio::time::timeout(std::time::Duration::from_millis(300), writer.write(piece))
                .await
            {
                Ok(written) => written.unwrap(),
                Err(_) => break,
            }
            accepted += 1;
        }
        // The budget, plus at most one piece the pipe began to take.
        assert!(
            accepted >= 1 && accepted * PIECE <= IN_FLIGHT_BYTES + PIECE,
            "{accepted} pieces of 1 MiB taken in"
        );
        drain.send(()).unwrap();
        writer.flush().await.unwrap();
        drop(writer);
        let all = reader.join().unwrap();
        let expected: Vec<u8> = (0..accepted as u8).flat_map(|i| vec![i; PIECE]).collect();
        assert!(
            all == expected,
            "every piece taken in arrives once, in order"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pieces_land_in_order_and_truncate_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.part");
        let file = std::fs::File::create(&path).unwrap();
        let mut writer = PartWriter::new(file);
        writer.write(Bytes::from_static(b"stale")).await.unwrap();
        writer.truncate().await.unwrap();
        let mut expected = Vec::new();
        // More than two writeback windows, in uneven pieces.
        for i in 0..2_000u32 {
            let piece: Vec<u8> = (0..(9_000 + i % 7)).map(|j| (i + j) as u8).collect();
            expected.extend_from_slice(&piece);
            writer.write(Bytes::from(piece)).await.unwrap();
        }
        writer.flush().await.unwrap();
        writer.sync_all().await.unwrap();
        assert!(std::fs::read(&path).unwrap() == expected);
    }

    #[tokio::test]
    async fn a_failed_write_is_reported() {
        // A file opened read-only refuses writes.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ro");
        std::fs::write(&path, b"").unwrap();
        let mut writer = PartWriter::new(std::fs::File::open(&path).unwrap());
        let _ = writer.write(Bytes::from_static(b"data")).await;
        let err = writer.flush().await.unwrap_err();
        // The OS's own error (EBADF), not a generic "writer stopped".
        assert!(err.raw_os_error().is_some(), "{err}");
    }
}
