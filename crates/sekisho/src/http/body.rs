//! Reading a request body within bounds, before its signature can be checked: a small allowance per request,
//! and every byte beyond it taken from one budget shared by all requests not yet authenticated.

use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes of a body read without drawing on the budget: most AWS requests are a few kilobytes.
pub const UNMETERED_BODY_BYTES: usize = 64 * 1024;
/// Bytes of bodies held at once for requests whose signature is not verified yet. Never less than the
/// largest accepted body, so one such body always fits.
pub const UNVERIFIED_BODY_BUDGET: usize = 256 * 1024 * 1024;
/// Longest wait for the next piece of a body (data from the client, or room in the budget).
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest time a whole body may take to arrive: holding part of the budget has to end.
pub const BODY_DEADLINE: Duration = Duration::from_secs(300);

/// The shared budget for bodies of requests not yet authenticated.
#[derive(Clone)]
pub struct Budget {
    permits: Arc<Semaphore>,
    size: usize,
}

impl Budget {
    pub fn new(max_body: usize) -> Self {
        let size = UNVERIFIED_BODY_BUDGET.max(max_body).min(Semaphore::MAX_PERMITS);
        Budget { permits: Arc::new(Semaphore::new(size)), size }
    }
}

/// Budget held by a body until its request is authenticated (dropping it gives the bytes back).
pub struct Held {
    _permit: Option<OwnedSemaphorePermit>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The client stopped sending, or the budget stayed full.
    Timeout,
    /// The connection broke off.
    Broken,
}

/// Reads the whole body, at most `max` bytes. `declared` is the length the request announced, if any.
pub async fn read(body: Body, declared: Option<u64>, max: usize, budget: &Budget) -> Result<(Bytes, Held), BodyError> {
    let deadline = tokio::time::Instant::now() + BODY_DEADLINE;
    let step = |wait: tokio::time::Instant| (wait + BODY_IDLE_TIMEOUT).min(deadline);
    // A large allocation is mapped lazily: reserving the announced length costs memory only as it fills.
    let mut buf = Vec::with_capacity(declared.map_or(0, |n| n.min(max as u64) as usize));
    let mut held = None;
    let mut stream = body.into_data_stream();
    loop {
        let next = tokio::time::timeout_at(step(tokio::time::Instant::now()), stream.next()).await;
        let chunk = match next {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(chunk))) => chunk,
        };
        if buf.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        if held.is_none() && buf.len() + chunk.len() > UNMETERED_BODY_BYTES {
            // All the body may still need, at once: bodies taking the budget piecemeal could each hold part
            // of it and wait for the rest forever. Without a declared length that is the limit.
            let whole = declared.map_or(max, |n| n.min(max as u64) as usize);
            let want = whole.saturating_sub(UNMETERED_BODY_BYTES).min(budget.size);
            let n = u32::try_from(want).map_err(|_| BodyError::TooLarge)?;
            let acquire = budget.permits.clone().acquire_many_owned(n);
            match tokio::time::timeout_at(step(tokio::time::Instant::now()), acquire).await {
                Ok(Ok(permit)) => held = Some(permit),
                _ => return Err(BodyError::Timeout),
            }
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((Bytes::from(buf), Held { _permit: held }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(n: usize, size: usize) -> Body {
        let parts: Vec<Result<Bytes, std::convert::Infallible>> =
            (0..n).map(|_| Ok(Bytes::from(vec![7u8; size]))).collect();
        Body::from_stream(futures_util::stream::iter(parts))
    }

    #[tokio::test]
    async fn small_bodies_take_nothing_from_the_budget() {
        let budget = Budget::new(1024);
        let before = budget.permits.available_permits();
        let (bytes, _held) = read(chunks(4, 1024), Some(4096), 1 << 20, &budget).await.expect("read");
        assert_eq!(bytes.len(), 4096);
        assert_eq!(budget.permits.available_permits(), before);
    }

    #[tokio::test]
    async fn large_bodies_hold_their_whole_length_until_released() {
        let budget = Budget::new(1024);
        let before = budget.permits.available_permits();
        let (bytes, held) = read(chunks(10, 64 * 1024), Some(640 * 1024), 1 << 20, &budget).await.expect("read");
        assert_eq!(bytes.len(), 640 * 1024);
        assert_eq!(budget.permits.available_permits(), before - (640 * 1024 - UNMETERED_BODY_BYTES));
        drop(held);
        assert_eq!(budget.permits.available_permits(), before);
        // Without a declared length, room for the largest body is taken.
        let (_, held) = read(chunks(10, 64 * 1024), None, 1 << 20, &budget).await.expect("read");
        assert_eq!(budget.permits.available_permits(), before - ((1 << 20) - UNMETERED_BODY_BYTES));
        drop(held);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_large_bodies_never_wait_on_each_other_forever() {
        // A budget for two bodies and five readers that trickle: piecemeal, each would take a share and all
        // would wait for more until the timeout.
        let budget = Budget { permits: Arc::new(Semaphore::new(2 * 512 * 1024)), size: 2 * 512 * 1024 };
        let readers: Vec<_> = (0..5)
            .map(|_| {
                let budget = budget.clone();
                tokio::spawn(async move {
                    let parts = (0..8).map(|_| Ok::<_, std::convert::Infallible>(Bytes::from(vec![1u8; 80 * 1024])));
                    let body = Body::from_stream(futures_util::stream::iter(parts).then(|p| async move {
                        tokio::task::yield_now().await;
                        p
                    }));
                    read(body, Some(640 * 1024), 1 << 20, &budget).await.map(|(b, _)| b.len())
                })
            })
            .collect();
        for r in readers {
            assert_eq!(r.await.expect("joined"), Ok(640 * 1024));
        }
    }

    #[tokio::test]
    async fn over_the_limit_is_refused_and_gives_the_budget_back() {
        let budget = Budget::new(1024);
        let before = budget.permits.available_permits();
        let err = read(chunks(10, 64 * 1024), None, 300 * 1024, &budget).await.err();
        assert_eq!(err, Some(BodyError::TooLarge));
        assert_eq!(budget.permits.available_permits(), before);
    }
}
