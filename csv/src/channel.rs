//! A bounded channel from a reading thread that its consumer takes from
//! either way: blocking (an `Iterator`) or polled (a `Stream`).
//!
//! One reading mode then serves blocking and async callers alike, whatever
//! the source. `std`'s channel does the queueing; an `AtomicWaker` wakes a
//! polling consumer after each send and when the sender is gone. Blocking
//! receives never panic inside a runtime (tokio's `blocking_recv` would).

use std::sync::Arc;
use std::sync::mpsc::{Receiver as StdReceiver, SyncSender, TryRecvError};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;

/// The reading thread's end.
pub(crate) struct Sender<T> {
    inner: Option<SyncSender<T>>,
    waker: Arc<AtomicWaker>,
}

/// The consumer's end.
pub(crate) struct Receiver<T> {
    inner: StdReceiver<T>,
    waker: Arc<AtomicWaker>,
}

/// A channel holding at most `bound` messages.
pub(crate) fn channel<T>(bound: usize) -> (Sender<T>, Receiver<T>) {
    let (sender, receiver) = std::sync::mpsc::sync_channel(bound);
    let waker = Arc::new(AtomicWaker::new());
    (
        Sender {
            inner: Some(sender),
            waker: waker.clone(),
        },
        Receiver {
            inner: receiver,
            waker,
        },
    )
}

impl<T> Sender<T> {
    /// Sends `message`, waiting for room; false once the consumer is gone.
    pub(crate) fn send(&self, message: T) -> bool {
        let sent = self
            .inner
            .as_ref()
            .is_some_and(|inner| inner.send(message).is_ok());
        self.waker.wake();
        sent
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // Disconnect first, then wake: the consumer sees the end.
        drop(self.inner.take());
        self.waker.wake();
    }
}

impl<T> Receiver<T> {
    /// The next message, waiting for it; `None` once the sender is gone.
    pub(crate) fn recv(&mut self) -> Option<T> {
        self.inner.recv().ok()
    }

    /// The next message if there is one; `None` once the sender is gone.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.inner.try_recv() {
            Ok(message) => return Poll::Ready(Some(message)),
            Err(TryRecvError::Disconnected) => return Poll::Ready(None),
            Err(TryRecvError::Empty) => {}
        }
        self.waker.register(cx.waker());
        // A send between the first look and the registration woke no one:
        // look again.
        match self.inner.try_recv() {
            Ok(message) => Poll::Ready(Some(message)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[test]
    fn blocking_receiver_gets_every_message_then_the_end() {
        let (sender, mut receiver) = channel(1);
        let thread = std::thread::spawn(move || {
            for i in 0..100 {
                assert!(sender.send(i));
            }
        });
        let got: Vec<i32> = std::iter::from_fn(|| receiver.recv()).collect();
        thread.join().unwrap();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn polling_receiver_is_woken_for_each_message_and_for_the_end() {
        let (sender, mut receiver) = channel(1);
        let thread = std::thread::spawn(move || {
            for i in 0..1000 {
                assert!(sender.send(i));
            }
        });
        let got: Vec<i32> = futures::stream::poll_fn(|cx| receiver.poll_recv(cx))
            .collect()
            .await;
        thread.join().unwrap();
        assert_eq!(got, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn sender_learns_that_the_consumer_is_gone() {
        let (sender, receiver) = channel(1);
        drop(receiver);
        assert!(!sender.send(1));
    }
}
