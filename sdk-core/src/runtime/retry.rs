//! When and how long to wait before trying again, and the one loop that
//! does it.
//!
//! Every request of the SDKs is a GET or a token request, all safe to
//! repeat, so the policy applies to every operation: connect errors,
//! timeouts, 429, 502, 503 and 504 are retried with exponential backoff and
//! full jitter, and a `Retry-After` from the server is honoured up to a cap.
//!
//! [`Attempts`] is the one retry executor: generated calls (through the
//! hooks), downloads and their resume, opening a body, a conversion that
//! starts over, and asking again for a link the store refused all describe
//! one attempt as a [`Step`] and let it count, wait and log.

use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How often and how patiently a failed request is sent again.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// First backoff ceiling; it doubles with each retry.
    pub base_delay: Duration,
    /// Largest backoff ceiling, and largest `Retry-After` honoured.
    pub max_delay: Duration,
    /// No retry starts once this much time has passed since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The default policy: 4 attempts, backoff from 250 ms up to 30 s, no
    /// retry after 2 minutes.
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (1 disables retries).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// First backoff ceiling; it doubles with each retry.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Largest backoff ceiling, and largest `Retry-After` honoured.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// No retry starts once this much time has passed since the first
    /// attempt.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// Whether a response status is worth another attempt.
    pub fn is_retryable_status(status: StatusCode) -> bool {
        matches!(status.as_u16(), 429 | 502 | 503 | 504)
    }

    /// Whether a transport error is worth another attempt: the request may
    /// not have reached the server, or the answer did not arrive in time.
    pub fn is_retryable_error(error: &reqwest::Error) -> bool {
        error.is_connect() || error.is_timeout() || error.is_request()
    }

    /// The wait before attempt `attempt + 1` (attempts count from 1): the
    /// server's `Retry-After` if it sent one (capped at `max_delay`), else a
    /// random delay in `[0, min(max_delay, base_delay * 2^(attempt-1))]`.
    pub fn delay(&self, attempt: u32, headers: Option<&HeaderMap>) -> Duration {
        self.delay_after(attempt, headers.and_then(retry_after_now))
    }

    /// [`delay`](Self::delay) with the server's wait already read.
    pub fn delay_after(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_delay);
        }
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// What one attempt came to.
#[derive(Debug)]
#[non_exhaustive]
pub enum Step<T, E> {
    /// Finished: a success, or a failure not worth another attempt.
    Done(Result<T, E>),
    /// Worth another attempt, after the policy's wait. `outcome` is what
    /// the caller gets if none is left.
    Retry {
        /// The answer to return when the attempts run out (an error, or a
        /// response with a retryable status).
        outcome: Result<T, E>,
        /// The server's `Retry-After`, if it sent one; `Some(ZERO)` tries
        /// again at once (still counted).
        retry_after: Option<Duration>,
        /// Whether this attempt moved the work forward (bytes written): the
        /// time limit then counts from here, so a long transfer that keeps
        /// going is not cut off by `max_elapsed`.
        progressed: bool,
        /// What happened, for the log (no secrets: redacted text).
        reason: String,
    },
    /// Try again at once without counting an attempt: a fresh token after
    /// a `401`, a fresh link after the store refused one. The attempt
    /// itself allows this at most once.
    Again,
}

impl<T, E> Step<T, E> {
    /// Worth another attempt after the policy's wait.
    pub fn retry(outcome: Result<T, E>, reason: impl Into<String>) -> Self {
        Step::Retry {
            outcome,
            retry_after: None,
            progressed: false,
            reason: reason.into(),
        }
    }
}

/// The one retry executor: counts attempts against the policy, keeps its
/// time limit, waits (backoff with jitter, or the server's `Retry-After`)
/// and logs each retry at debug level as `retrying`. Each retrying place
/// runs its attempt and hands the [`Step`] to [`after`](Self::after):
///
/// ```
/// # async fn demo() -> Result<u32, String> {
/// use docker_data_core::retry::{Attempts, RetryPolicy, Step};
///
/// let policy = RetryPolicy::new();
/// let mut attempts = Attempts::new(&policy, "example");
/// loop {
///     let step = if attempts.number() < 2 {
///         Step::retry(Err("busy".to_owned()), "busy")
///     } else {
///         Step::Done(Ok(attempts.number()))
///     };
///     if let Some(result) = attempts.after(step).await {
///         return result;
///     }
/// }
/// # }
/// ```
///
/// (A driver rather than a function taking the attempt as a closure: an
/// attempt borrows its caller's state mutably, and such async closures'
/// futures cannot yet be shown to be `Send`.)
#[derive(Debug)]
pub struct Attempts<'p> {
    policy: &'p RetryPolicy,
    what: &'static str,
    number: u32,
    started: Instant,
}

impl<'p> Attempts<'p> {
    /// The first attempt of `what` (named in the log) under `policy`.
    pub fn new(policy: &'p RetryPolicy, what: &'static str) -> Self {
        Self {
            policy,
            what,
            number: 1,
            started: Instant::now(),
        }
    }

    /// The attempt under way, from 1.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// What the attempt came to: `Some(result)` to return, or `None` once
    /// the wait before the next attempt is over ([`Step::Again`] does not
    /// wait nor count).
    pub async fn after<T, E>(&mut self, step: Step<T, E>) -> Option<Result<T, E>> {
        match step {
            Step::Done(result) => Some(result),
            Step::Again => None,
            Step::Retry {
                outcome,
                retry_after,
                progressed,
                reason,
            } => {
                if progressed {
                    self.started = Instant::now();
                }
                let delay = self.policy.delay_after(self.number, retry_after);
                if self.number >= self.policy.max_attempts
                    || self.started.elapsed() + delay > self.policy.max_elapsed
                {
                    return Some(outcome);
                }
                tracing::debug!(
                    what = self.what,
                    attempt = self.number,
                    delay_ms = delay.as_millis() as u64,
                    outcome = %reason,
                    "retrying"
                );
                // An answer held open would keep its connection.
                drop(outcome);
                tokio::time::sleep(delay).await;
                self.number += 1;
                None
            }
        }
    }
}

/// The server's `Retry-After`, read against the system clock.
pub fn retry_after_now(headers: &HeaderMap) -> Option<Duration> {
    retry_after(headers, SystemTime::now())
}

/// Reads `Retry-After` as delta-seconds or as an HTTP date. A date in the
/// past means "now"; anything unreadable is ignored.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, now)
}

/// Parses a `Retry-After` value (seconds, or an IMF-fixdate/RFC 850/asctime
/// date) relative to `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn retry_after_is_capped_and_backoff_stays_under_its_ceiling() {
        let policy = RetryPolicy {
            max_delay: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(policy.delay(1, Some(&headers)), Duration::from_secs(5));
        for attempt in 1..10 {
            let ceiling = policy
                .base_delay
                .saturating_mul(1 << (attempt - 1))
                .min(policy.max_delay);
            assert!(policy.delay(attempt, None) <= ceiling);
        }
    }

    fn quick(attempts: u32) -> RetryPolicy {
        RetryPolicy::new()
            .max_attempts(attempts)
            .base_delay(Duration::from_millis(1))
    }

    /// Runs `attempt` under `policy` the way every retrying place does.
    async fn drive<T, E>(
        policy: &RetryPolicy,
        mut attempt: impl FnMut(u32) -> Step<T, E>,
    ) -> Result<T, E> {
        let mut attempts = Attempts::new(policy, "test");
        loop {
            let step = attempt(attempts.number());
            if let Some(result) = attempts.after(step).await {
                return result;
            }
        }
    }

    #[tokio::test]
    async fn attempts_are_counted_and_the_last_outcome_returned() {
        let mut calls = Vec::new();
        let result: Result<(), u32> = drive(&quick(3), |n| {
            calls.push(n);
            Step::retry(Err(n), "failed")
        })
        .await;
        assert_eq!(result, Err(3));
        assert_eq!(calls, [1, 2, 3]);
        // Done ends it at once; Again does not count an attempt.
        let mut again = true;
        let mut seen = Vec::new();
        let result: Result<u32, ()> = drive(&quick(1), |n| {
            seen.push(n);
            if std::mem::take(&mut again) {
                return Step::Again;
            }
            Step::Done(Ok(n))
        })
        .await;
        assert_eq!(result, Ok(1));
        assert_eq!(seen, [1, 1]);
    }

    #[tokio::test]
    async fn time_counts_from_the_last_progress() {
        // Each attempt outlasts max_elapsed: no retry without progress...
        let policy = quick(3).max_elapsed(Duration::from_millis(50));
        let slow_attempts = async |progressed: bool| {
            let mut attempts = Attempts::new(&policy, "test");
            let mut calls = 0;
            loop {
                calls += 1;
                tokio::time::sleep(Duration::from_millis(60)).await;
                let step: Step<(), ()> = Step::Retry {
                    outcome: Err(()),
                    retry_after: Some(Duration::ZERO),
                    progressed,
                    reason: "cut".into(),
                };
                if attempts.after(step).await.is_some() {
                    return calls;
                }
            }
        };
        assert_eq!(slow_attempts(false).await, 1);
        // ...and every attempt when each one moved the work forward.
        assert_eq!(slow_attempts(true).await, 3);
    }

    #[test]
    fn only_overload_and_gateway_statuses_are_retried() {
        for code in [429, 502, 503, 504] {
            assert!(RetryPolicy::is_retryable_status(
                StatusCode::from_u16(code).unwrap()
            ));
        }
        for code in [200, 400, 401, 403, 404, 500] {
            assert!(!RetryPolicy::is_retryable_status(
                StatusCode::from_u16(code).unwrap()
            ));
        }
    }
}
