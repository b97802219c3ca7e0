//! The bounded queue between the callers' threads and the export thread. Unlike `SyncSender` it knows how full
//! it is, so a caller learns that a span will be dropped before copying it: with a collector that is down the
//! queue stays full, and a dropped span must cost the caller as little as possible.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::Arc;
use std::time::Duration;

pub struct SpanQueue {
    tx: SyncSender<Vec<u8>>,
    capacity: usize,
    /// Spans sent and not yet received; may run ahead of the channel for a moment (never behind it).
    depth: Arc<AtomicUsize>,
}

pub struct SpanReceiver {
    rx: mpsc::Receiver<Vec<u8>>,
    depth: Arc<AtomicUsize>,
}

/// A queue of at most `capacity` encoded spans.
pub fn bounded(capacity: usize) -> (SpanQueue, SpanReceiver) {
    let (tx, rx) = mpsc::sync_channel(capacity);
    let depth = Arc::new(AtomicUsize::new(0));
    (
        SpanQueue {
            tx,
            capacity,
            depth: Arc::clone(&depth),
        },
        SpanReceiver { rx, depth },
    )
}

impl SpanQueue {
    /// Whether a span offered now would (most likely) be taken: false when full; a closed queue may still
    /// say true, and the offer then refuses.
    pub fn has_room(&self) -> bool {
        self.depth.load(Ordering::Relaxed) < self.capacity
    }

    /// Queues a span of `len` bytes, which `copy` writes into the buffer it is given; `copy` is only called
    /// when the queue has room. Never blocks. `Ok(false)`: the queue is full or closed; `Err`: `copy` failed
    /// and nothing was queued.
    pub fn offer<E>(&self, len: usize, copy: impl FnOnce(&mut [u8]) -> Result<(), E>) -> Result<bool, E> {
        if !self.has_room() {
            return Ok(false);
        }
        // Counted before sending, so the receiver's decrement can never come first.
        self.depth.fetch_add(1, Ordering::Relaxed);
        let mut span = vec![0; len];
        if let Err(e) = copy(&mut span) {
            self.depth.fetch_sub(1, Ordering::Relaxed);
            return Err(e);
        }
        match self.tx.try_send(span) {
            Ok(()) => Ok(true),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.depth.fetch_sub(1, Ordering::Relaxed);
                Ok(false)
            }
        }
    }
}

impl SpanReceiver {
    /// The next span; `Disconnected` once every sender is gone and the queue is empty.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Vec<u8>, RecvTimeoutError> {
        let span = self.rx.recv_timeout(timeout)?;
        self.depth.fetch_sub(1, Ordering::Relaxed);
        Ok(span)
    }

    /// The next span if one is waiting.
    pub fn try_recv(&self) -> Result<Vec<u8>, TryRecvError> {
        let span = self.rx.try_recv()?;
        self.depth.fetch_sub(1, Ordering::Relaxed);
        Ok(span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(with: u8) -> impl FnOnce(&mut [u8]) -> Result<(), ()> {
        move |buf: &mut [u8]| {
            buf.fill(with);
            Ok(())
        }
    }

    #[test]
    fn a_full_queue_refuses_without_copying() {
        let (q, rx) = bounded(2);
        assert_eq!(q.offer(3, fill(1)), Ok(true));
        assert_eq!(q.offer(2, fill(2)), Ok(true));
        assert!(!q.has_room());
        let never = |_: &mut [u8]| -> Result<(), ()> { panic!("copied into a full queue") };
        assert_eq!(q.offer(5, never), Ok(false));
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(vec![1, 1, 1]));
        assert!(q.has_room());
        assert_eq!(q.offer(1, fill(3)), Ok(true), "room again after a receive");
        assert_eq!(rx.try_recv(), Ok(vec![2, 2]));
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(vec![3]));
        assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Timeout));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert!(q.has_room() && q.depth.load(Ordering::Relaxed) == 0);
    }

    #[test]
    fn a_failed_copy_queues_nothing_and_keeps_the_room() {
        let (q, rx) = bounded(1);
        assert_eq!(q.offer(4, |_| Err("out of bounds")), Err("out of bounds"));
        assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Timeout));
        assert_eq!(q.offer::<()>(0, |_| Ok(())), Ok(true), "an empty span is still a span");
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(vec![]));
    }

    #[test]
    fn a_closed_queue_refuses_and_the_receiver_drains_then_ends() {
        let (q, rx) = bounded(4);
        assert_eq!(q.offer(1, fill(7)), Ok(true));
        drop(rx);
        assert_eq!(q.offer(1, fill(8)), Ok(false));
        let (q, rx) = bounded(4);
        assert_eq!(q.offer(1, fill(9)), Ok(true));
        drop(q);
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(vec![9]));
        assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Disconnected));
    }

    #[test]
    fn many_threads_never_overfill_or_lose_count() {
        let (q, rx) = bounded(64);
        let q = Arc::new(q);
        let taken: usize = (0..4)
            .map(|_| {
                let q = Arc::clone(&q);
                std::thread::spawn(move || (0..1000).filter(|_| q.offer(8, fill(1)) == Ok(true)).count())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .sum();
        assert_eq!(taken, 64);
        for _ in 0..64 {
            rx.recv_timeout(Duration::ZERO).unwrap();
        }
        assert_eq!(q.depth.load(Ordering::Relaxed), 0);
        assert_eq!(q.offer(8, fill(1)), Ok(true));
    }
}
