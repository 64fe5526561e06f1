//! Pacing by the server's rate-limit headers.
//!
//! Docker Hub limits requests per account and says where the caller stands
//! on each answer: `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (a Unix time in seconds). The hooks remember the last
//! answer's values for every clone of a client; a caller can read them to
//! pace itself, and when none remain the next request waits until the reset
//! instead of being refused (up to [`MAX_WAIT`]; a later reset is left to
//! the server's `429` and its `Retry-After`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// Longest wait for a reset before a request; a reset further away is not
/// waited for.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// Where the caller stands against the server's rate limit, from the last
/// answer that said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed per window (`X-RateLimit-Limit`).
    pub limit: Option<u64>,
    /// Requests left in this window (`X-RateLimit-Remaining`).
    pub remaining: Option<u64>,
    /// When the window starts over (`X-RateLimit-Reset`).
    pub reset: Option<SystemTime>,
}

impl RateLimit {
    /// The rate limit an answer's headers state, if they state any. A
    /// reset below 10^9 is read as seconds from `now` rather than a Unix
    /// time (some servers send a delay).
    pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> Option<Self> {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let limit = number("x-ratelimit-limit");
        let remaining = number("x-ratelimit-remaining");
        let reset = number("x-ratelimit-reset").and_then(|seconds| {
            if seconds < 1_000_000_000 {
                now.checked_add(Duration::from_secs(seconds))
            } else {
                UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
            }
        });
        (limit.is_some() || remaining.is_some() || reset.is_some()).then_some(Self {
            limit,
            remaining,
            reset,
        })
    }

    /// How long to wait before the next request: until the reset when
    /// none remain and it is at most `max` away.
    pub fn wait_before_next(&self, now: SystemTime, max: Duration) -> Option<Duration> {
        if self.remaining != Some(0) {
            return None;
        }
        let wait = self.reset?.duration_since(now).ok()?;
        (wait <= max).then_some(wait)
    }
}

/// The last rate limit seen, shared by a client's clones.
#[derive(Debug, Clone, Default)]
pub struct RateLimitState {
    last: Arc<Mutex<Option<RateLimit>>>,
}

impl RateLimitState {
    /// The last answer's rate limit, if any answer stated one.
    pub fn last(&self) -> Option<RateLimit> {
        self.last.lock().ok().and_then(|last| *last)
    }

    /// Remembers what an answer's headers say (answers without the headers
    /// leave the last values).
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        if let Some(seen) = RateLimit::from_headers(headers, SystemTime::now())
            && let Ok(mut last) = self.last.lock()
        {
            *last = Some(seen);
        }
    }

    /// Waits until the reset when no request remains. The budget is then
    /// taken as spent until the next answer says otherwise.
    pub(crate) async fn pace(&self) {
        let wait = self
            .last()
            .and_then(|last| last.wait_before_next(SystemTime::now(), MAX_WAIT));
        if let Some(wait) = wait {
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "rate limit: none remaining, waiting for the reset"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    reqwest::header::HeaderName::from_static(k),
                    v.parse().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn headers_are_read_and_a_spent_budget_waits_for_the_reset() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let seen = RateLimit::from_headers(
            &headers(&[
                ("x-ratelimit-limit", "180"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1800000030"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!((seen.limit, seen.remaining), (Some(180), Some(0)));
        assert_eq!(
            seen.wait_before_next(now, MAX_WAIT),
            Some(Duration::from_secs(30))
        );
        // Too far away: left to the server's 429.
        assert_eq!(seen.wait_before_next(now, Duration::from_secs(10)), None);
        // A reset in the past, or some budget left: no wait.
        assert_eq!(
            seen.wait_before_next(now + Duration::from_secs(31), MAX_WAIT),
            None
        );
        let left = RateLimit {
            remaining: Some(3),
            ..seen
        };
        assert_eq!(left.wait_before_next(now, MAX_WAIT), None);
        // A small reset is a delay in seconds.
        let delay = RateLimit::from_headers(&headers(&[("x-ratelimit-reset", "5")]), now).unwrap();
        assert_eq!(delay.reset, Some(now + Duration::from_secs(5)));
        assert!(RateLimit::from_headers(&headers(&[("x-other", "1")]), now).is_none());
        // Garbage is ignored, never a panic.
        assert!(RateLimit::from_headers(&headers(&[("x-ratelimit-reset", "soon")]), now).is_none());
        assert!(
            RateLimit::from_headers(
                &headers(&[("x-ratelimit-reset", "18446744073709551615")]),
                now
            )
            .is_none()
        );
    }
}
