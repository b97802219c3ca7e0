//! The bounded queue between the callers' threads and the export thread. Unlike `SyncSender` it knows how full
//! it is, so a caller learns that a span will be dropped before copying it: with a collector that is down the
//! queue stays full, and a dropped span must cost the caller as little as possible. It is bounded twice: by
//! spans (`otel.bsp.max.queue.size`) and by their bytes (`otel.connect.spans.queue.bytes`), because one span
//! may be a few hundred bytes or several MiB.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::Arc;
use std::time::Duration;

pub struct SpanQueue {
    tx: SyncSender<Vec<u8>>,
    capacity: usize,
    max_bytes: usize,
    /// Spans sent and not yet received; may run ahead of the channel for a moment (never behind it).
    depth: Arc<AtomicUsize>,
    /// Their bytes, counted the same way.
    bytes: Arc<AtomicUsize>,
}

pub struct SpanReceiver {
    rx: mpsc::Receiver<Vec<u8>>,
    depth: Arc<AtomicUsize>,
    bytes: Arc<AtomicUsize>,
}

/// A queue of at most `capacity` encoded spans holding at most `max_bytes` bytes of them.
pub fn bounded(capacity: usize, max_bytes: usize) -> (SpanQueue, SpanReceiver) {
    let (tx, rx) = mpsc::sync_channel(capacity);
    let depth = Arc::new(AtomicUsize::new(0));
    let bytes = Arc::new(AtomicUsize::new(0));
    (
        SpanQueue {
            tx,
            capacity,
            max_bytes,
            depth: Arc::clone(&depth),
            bytes: Arc::clone(&bytes),
        },
        SpanReceiver { rx, depth, bytes },
    )
}

impl SpanQueue {
    /// Whether a span offered now would (most likely) be taken: false when full; a closed queue may still
    /// say true, and the offer then refuses.
    pub fn has_room(&self) -> bool {
        self.depth.load(Ordering::Relaxed) < self.capacity && self.bytes.load(Ordering::Relaxed) < self.max_bytes
    }

    /// Queues a span of `len` bytes, which `copy` writes into the buffer it is given; `copy` is only called
    /// when the queue has room for its spans and its bytes. Never blocks. `Ok(false)`: the queue is full or
    /// closed, or the span would take it past its bytes; `Err`: `copy` failed and nothing was queued.
    pub fn offer<E>(&self, len: usize, copy: impl FnOnce(&mut [u8]) -> Result<(), E>) -> Result<bool, E> {
        if self.depth.load(Ordering::Relaxed) >= self.capacity {
            return Ok(false);
        }
        // Reserved before copying (callers race for the same room), so the bound holds at every moment.
        if self.bytes.fetch_add(len, Ordering::Relaxed).saturating_add(len) > self.max_bytes {
            self.bytes.fetch_sub(len, Ordering::Relaxed);
            return Ok(false);
        }
        // Counted before sending, so the receiver's decrement can never come first.
        self.depth.fetch_add(1, Ordering::Relaxed);
        let undo = || {
            self.depth.fetch_sub(1, Ordering::Relaxed);
            self.bytes.fetch_sub(len, Ordering::Relaxed);
        };
        let mut span = vec![0; len];
        if let Err(e) = copy(&mut span) {
            undo();
            return Err(e);
        }
        match self.tx.try_send(span) {
            Ok(()) => Ok(true),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                undo();
                Ok(false)
            }
        }
    }
}

impl SpanReceiver {
    /// The next span; `Disconnected` once every sender is gone and the queue is empty.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Vec<u8>, RecvTimeoutError> {
        let span = self.rx.recv_timeout(timeout)?;
        self.taken(&span);
        Ok(span)
    }

    /// The next span if one is waiting.
    pub fn try_recv(&self) -> Result<Vec<u8>, TryRecvError> {
        let span = self.rx.try_recv()?;
        self.taken(&span);
        Ok(span)
    }

    fn taken(&self, span: &[u8]) {
        self.depth.fetch_sub(1, Ordering::Relaxed);
        self.bytes.fetch_sub(span.len(), Ordering::Relaxed);
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
        let (q, rx) = bounded(2, 1000);
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
        let (q, rx) = bounded(1, 1000);
        assert_eq!(q.offer(4, |_| Err("out of bounds")), Err("out of bounds"));
        assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Timeout));
        assert_eq!(q.offer::<()>(0, |_| Ok(())), Ok(true), "an empty span is still a span");
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(vec![]));
    }

    #[test]
    fn a_closed_queue_refuses_and_the_receiver_drains_then_ends() {
        let (q, rx) = bounded(4, 1000);
        assert_eq!(q.offer(1, fill(7)), Ok(true));
        drop(rx);
        assert_eq!(q.offer(1, fill(8)), Ok(false));
        let (q, rx) = bounded(4, 1000);
        assert_eq!(q.offer(1, fill(9)), Ok(true));
        drop(q);
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(vec![9]));
        assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Disconnected));
    }

    #[test]
    fn many_threads_never_overfill_or_lose_count() {
        let (q, rx) = bounded(64, 1 << 20);
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

    #[test]
    fn the_bytes_are_bounded_too() {
        let (q, rx) = bounded(100, 10);
        let never = |_: &mut [u8]| -> Result<(), ()> { panic!("copied past the byte bound") };
        assert_eq!(
            q.offer(11, never),
            Ok(false),
            "a span larger than the bound is never taken"
        );
        assert_eq!(q.offer(6, fill(1)), Ok(true));
        assert_eq!(q.offer(5, never), Ok(false), "6 + 5 bytes > 10");
        assert!(q.has_room(), "a smaller span still fits");
        assert_eq!(q.offer(4, fill(2)), Ok(true));
        assert!(!q.has_room(), "full by bytes");
        assert_eq!(q.offer(1, never), Ok(false));
        assert_eq!(rx.try_recv(), Ok(vec![1; 6]));
        assert_eq!(q.offer::<()>(1, |_| Err(())), Err(()));
        assert_eq!(q.bytes.load(Ordering::Relaxed), 4, "a failed copy gives its bytes back");
        assert_eq!(q.offer(6, fill(3)), Ok(true), "room again after a receive");
        assert_eq!(q.bytes.load(Ordering::Relaxed), 10);
        rx.try_recv().unwrap();
        rx.recv_timeout(Duration::ZERO).unwrap();
        assert_eq!(
            (q.depth.load(Ordering::Relaxed), q.bytes.load(Ordering::Relaxed)),
            (0, 0)
        );
    }

    #[test]
    fn racing_callers_never_pass_the_byte_bound() {
        let (q, rx) = bounded(1000, 1000);
        let q = Arc::new(q);
        let peak = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (q, peak) = (Arc::clone(&q), Arc::clone(&peak));
                std::thread::spawn(move || {
                    (0..2000)
                        .filter(|_| {
                            let ok = q.offer(30, fill(1)) == Ok(true);
                            peak.fetch_max(q.bytes.load(Ordering::Relaxed), Ordering::Relaxed);
                            ok
                        })
                        .count()
                })
            })
            .collect();
        let taken: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(taken, 1000 / 30);
        assert!(
            peak.load(Ordering::Relaxed) <= 1000 + 3 * 30,
            "only a refused reservation passes, for a moment"
        );
        while rx.try_recv().is_ok() {}
        assert_eq!(q.bytes.load(Ordering::Relaxed), 0);
    }
}
