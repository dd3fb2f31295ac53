//! Retrying: the AWS SDKs' "standard" retry mode and the 2026 clock-skew rules as pure
//! functions, and [`run`], the one loop every retried request goes through (EC2 calls and the
//! credential sources, each with its own policy).
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>

use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

use crate::Error;
use crate::timestamp::parse_http_date;

/// Waits between attempts. Injected, so that tests do not wait.
pub(crate) type Sleep = Arc<dyn Fn(Duration) + Send + Sync>;

/// A number in [0, 1), for jitter. Injected, so that tests know the delays.
pub(crate) type Rand = Arc<dyn Fn() -> f64 + Send + Sync>;

/// The thread's sleep.
pub(crate) fn thread_sleep() -> Sleep {
    Arc::new(std::thread::sleep)
}

/// [`random_fraction`], shared.
pub(crate) fn system_rand() -> Rand {
    Arc::new(random_fraction)
}

/// A number in [0, 1) for backoff and expiry jitter. std's `RandomState` is seeded from the
/// OS and differs per instance: plenty for jitter, and no dependency.
pub(crate) fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// How a client retries.
///
/// ```
/// use ec2_lite::{Client, RetryConfig};
///
/// let retry = RetryConfig::default().max_attempts(5);
/// assert_eq!(retry.max_attempts, 5);
/// let client = Client::builder().region("us-east-1").retry_config(retry).build()?;
/// # let _ = client;
/// # Ok::<(), ec2_lite::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in all, the first included. Default 3; 1 disables retries.
    pub max_attempts: u32,
    /// Backoff base for throttling errors. Default 1 s.
    pub throttling_base: Duration,
    /// Backoff base for transient errors (5xx, timeouts, broken connections).
    /// Default 50 ms.
    pub transient_base: Duration,
    /// Upper bound of any one backoff. Default 20 s.
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            throttling_base: Duration::from_secs(1),
            transient_base: Duration::from_millis(50),
            max_backoff: Duration::from_secs(20),
        }
    }
}

impl RetryConfig {
    /// A policy for sources whose failures are all transient (instance metadata, the container
    /// endpoint): `max_attempts` in all, full-jitter backoff from `base`, at most 20 s.
    pub(crate) const fn transient_only(max_attempts: u32, base: Duration) -> Self {
        RetryConfig { max_attempts, throttling_base: base, transient_base: base, max_backoff: Duration::from_secs(20) }
    }

    /// The standard mode with `max_attempts` attempts (at least 1).
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Other backoff bases.
    #[cfg(any(test, feature = "_test"))]
    #[doc(hidden)]
    pub fn backoff(mut self, throttling_base: Duration, transient_base: Duration, max_backoff: Duration) -> Self {
        self.throttling_base = throttling_base;
        self.transient_base = transient_base;
        self.max_backoff = max_backoff;
        self
    }
}

/// Why an error may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryKind {
    Throttling,
    Transient,
}

/// Whether and why `err` may be retried (`None`: never, as for auth,
/// validation and not-found errors).
pub(crate) fn classify(err: &Error) -> Option<RetryKind> {
    if err.is_throttling() {
        Some(RetryKind::Throttling)
    } else if err.is_retryable() {
        Some(RetryKind::Transient)
    } else {
        None
    }
}

/// The delay before attempt `attempt + 1`, after `attempt` failed attempts:
/// `rand * min(base * 2^(attempt - 1), max)`, `rand` in [0, 1).
///
/// With `x-amz-retry-after` (milliseconds) the delay is that value, clamped
/// to [computed, computed + 5 s].
pub(crate) fn backoff(
    config: &RetryConfig,
    kind: RetryKind,
    attempt: u32,
    rand: f64,
    retry_after: Option<Duration>,
) -> Duration {
    let base = match kind {
        RetryKind::Throttling => config.throttling_base,
        RetryKind::Transient => config.transient_base,
    };
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let computed = exp.min(config.max_backoff).mul_f64(rand.clamp(0.0, 1.0));
    match retry_after {
        Some(ra) => ra.clamp(computed, computed + Duration::from_secs(5)),
        None => computed,
    }
}

/// What one attempt of [`run`] came to.
#[derive(Debug)]
pub(crate) enum Attempt<T, E> {
    /// Success.
    Done(T),
    /// A failure that another attempt would not fix.
    Fail(E),
    /// A failure that may pass if tried again after a backoff (`retry_after`: the server's
    /// `x-amz-retry-after`).
    Retry { error: E, kind: RetryKind, retry_after: Option<Duration> },
    /// A failure the next attempt fixes without waiting (a request re-signed with a corrected
    /// clock): tried again at once, one attempt more than the policy allows.
    Again,
}

/// How [`run`] retries: the policy, the quota to spend (EC2 calls only), how to wait and
/// where the jitter comes from.
pub(crate) struct Retrier<'a> {
    pub(crate) policy: &'a RetryConfig,
    pub(crate) quota: Option<&'a RetryQuota>,
    pub(crate) sleep: &'a Sleep,
    pub(crate) rand: &'a Rand,
}

/// A failure after `attempts` attempts.
#[derive(Debug)]
pub(crate) struct Exhausted<E> {
    pub(crate) error: E,
    pub(crate) attempts: u32,
}

/// Runs `attempt(n)` for n = 1, 2, ... until it is done, fails for good, the policy's
/// attempts are spent or the quota refuses a retry; waits [`backoff`] between attempts.
/// `on_retry` hears of each retry and its delay, or `None` when the quota refused it.
pub(crate) fn run<T, E>(
    retrier: &Retrier<'_>,
    mut on_retry: impl FnMut(&E, u32, Option<Duration>),
    mut attempt: impl FnMut(u32) -> Attempt<T, E>,
) -> Result<T, Exhausted<E>> {
    let max = retrier.policy.max_attempts.max(1);
    let mut n = 0u32;
    let mut again = 0u32;
    let mut retry_cost: Option<u32> = None;
    loop {
        n += 1;
        let (error, kind, retry_after) = match attempt(n) {
            Attempt::Done(t) => {
                if let Some(quota) = retrier.quota {
                    quota.release(retry_cost);
                }
                return Ok(t);
            }
            Attempt::Fail(error) => return Err(Exhausted { error, attempts: n }),
            Attempt::Again => {
                again += 1;
                continue;
            }
            Attempt::Retry { error, kind, retry_after } => (error, kind, retry_after),
        };
        if n >= max + again {
            return Err(Exhausted { error, attempts: n });
        }
        if let Some(quota) = retrier.quota {
            let Some(cost) = quota.acquire(kind) else {
                on_retry(&error, n, None);
                return Err(Exhausted { error, attempts: n });
            };
            retry_cost = Some(cost);
        }
        let delay = backoff(retrier.policy, kind, n, (retrier.rand)(), retry_after);
        on_retry(&error, n, Some(delay));
        (retrier.sleep)(delay);
    }
}

/// [`Attempt::Retry`] for an [`Error`] [`classify`] allows to retry, else [`Attempt::Fail`].
pub(crate) fn retry_if_retryable<T>(error: Error, retry_after: Option<Duration>) -> Attempt<T, Error> {
    match classify(&error) {
        Some(kind) => Attempt::Retry { error, kind, retry_after },
        None => Attempt::Fail(error),
    }
}

/// The retry quota shared by all clones of a client: retries spend tokens,
/// successes give them back, so a failing service is not hammered.
#[derive(Debug)]
pub(crate) struct RetryQuota {
    tokens: Mutex<u32>,
}

/// Tokens the quota holds when full.
pub(crate) const QUOTA_CAPACITY: u32 = 500;
/// Cost of retrying a transient error (Retry 2.1).
pub(crate) const TRANSIENT_RETRY_COST: u32 = 14;
/// Cost of retrying a throttling error (Retry 2.1).
pub(crate) const THROTTLING_RETRY_COST: u32 = 5;
/// What a success without retries gives back.
const NO_RETRY_INCREMENT: u32 = 1;

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota { tokens: Mutex::new(QUOTA_CAPACITY) }
    }
}

impl RetryQuota {
    /// Takes the cost of one retry, or `None` when the quota is spent.
    pub(crate) fn acquire(&self, kind: RetryKind) -> Option<u32> {
        let cost = match kind {
            RetryKind::Throttling => THROTTLING_RETRY_COST,
            RetryKind::Transient => TRANSIENT_RETRY_COST,
        };
        // The count stays valid even if a holder panicked.
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if *tokens < cost {
            return None;
        }
        *tokens -= cost;
        Some(cost)
    }

    /// A call succeeded: refund what its last retry cost, or one token.
    pub(crate) fn release(&self, retry_cost: Option<u32>) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        *tokens = (*tokens + retry_cost.unwrap_or(NO_RETRY_INCREMENT)).min(QUOTA_CAPACITY);
    }

    /// Tokens left.
    #[cfg(any(test, feature = "_test"))]
    pub(crate) fn available(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Error codes that may mean the request was signed with a wrong clock.
const SKEW_CODES: &[&str] = &[
    "RequestExpired",
    "AuthFailure",
    "SignatureDoesNotMatch",
    "RequestTimeTooSkewed",
    "RequestInTheFuture",
    "InvalidSignatureException",
];

/// Beyond this, a difference with the server's clock is skew, not noise.
pub(crate) const SKEW_THRESHOLD: Duration = Duration::from_secs(240);

/// Whether `err` is one of the errors a skewed clock produces.
pub(crate) fn is_skew_error(err: &Error) -> bool {
    err.code().is_some_and(|c| SKEW_CODES.contains(&c))
}

/// The server's clock minus ours, in milliseconds: `Date` against the
/// midpoint of sending and receiving. `None` when the sample is unusable
/// (no or bad `Date`, an `Age` header from a cache, a round trip over 15 min).
pub(crate) fn measure_skew(
    date_header: Option<&str>,
    has_age: bool,
    sent: OffsetDateTime,
    received: OffsetDateTime,
) -> Option<i64> {
    if has_age {
        return None;
    }
    let round_trip = received - sent;
    if round_trip.is_negative() || round_trip > time::Duration::minutes(15) {
        return None;
    }
    let server = parse_http_date(date_header?)?;
    let midpoint = sent + round_trip / 2i32;
    i64::try_from((server - midpoint).whole_milliseconds()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServiceError;
    use time::macros::datetime;

    fn service(code: &str, status: u16) -> Error {
        Error::Service(ServiceError {
            code: code.into(),
            message: String::new(),
            request_id: None,
            status,
            attempts: 1,
        })
    }

    #[test]
    fn classification() {
        assert_eq!(classify(&service("RequestLimitExceeded", 503)), Some(RetryKind::Throttling));
        assert_eq!(classify(&service("EC2ThrottledException", 400)), Some(RetryKind::Throttling));
        assert_eq!(classify(&service("Anything", 429)), Some(RetryKind::Throttling));
        assert_eq!(classify(&service("InternalError", 500)), Some(RetryKind::Transient));
        assert_eq!(classify(&service("Unavailable", 503)), Some(RetryKind::Transient));
        assert_eq!(classify(&service("RequestTimeout", 400)), Some(RetryKind::Transient));
        for code in ["AuthFailure", "InvalidParameterValue", "InvalidAssociationID.NotFound", "IncorrectState"] {
            assert_eq!(classify(&service(code, 400)), None, "{code}");
        }
    }

    #[test]
    fn backoff_is_capped_full_jitter() {
        let c = RetryConfig::default();
        assert_eq!(backoff(&c, RetryKind::Transient, 1, 1.0, None), Duration::from_millis(50));
        assert_eq!(backoff(&c, RetryKind::Transient, 3, 1.0, None), Duration::from_millis(200));
        assert_eq!(backoff(&c, RetryKind::Throttling, 2, 0.5, None), Duration::from_secs(1));
        assert_eq!(backoff(&c, RetryKind::Throttling, 10, 1.0, None), Duration::from_secs(20));
        assert_eq!(backoff(&c, RetryKind::Throttling, 64, 1.0, None), Duration::from_secs(20));
        assert_eq!(backoff(&c, RetryKind::Throttling, 1, 0.0, None), Duration::ZERO);
        // x-amz-retry-after is honoured within [computed, computed + 5 s].
        let ra = |ms| Some(Duration::from_millis(ms));
        assert_eq!(backoff(&c, RetryKind::Throttling, 1, 0.5, ra(2000)), Duration::from_millis(2000));
        assert_eq!(backoff(&c, RetryKind::Throttling, 1, 0.5, ra(100)), Duration::from_millis(500));
        assert_eq!(backoff(&c, RetryKind::Throttling, 1, 0.5, ra(60_000)), Duration::from_millis(5500));
    }

    #[test]
    fn run_retries_within_the_policy_and_the_quota() {
        let waits = Arc::new(Mutex::new(Vec::new()));
        let w = Arc::clone(&waits);
        let sleep: Sleep = Arc::new(move |d| w.lock().unwrap().push(d));
        let rand: Rand = Arc::new(|| 1.0);
        let policy = RetryConfig::default();
        let quota = RetryQuota::default();
        let retrier = Retrier { policy: &policy, quota: Some(&quota), sleep: &sleep, rand: &rand };
        fn transient<T>(n: u32) -> Attempt<T, u32> {
            Attempt::Retry { error: n, kind: RetryKind::Transient, retry_after: None }
        }
        // Three attempts, two waits, the quota spent twice.
        let err = run(&retrier, |_, _, _| {}, transient::<()>).unwrap_err();
        assert_eq!((err.error, err.attempts), (3, 3));
        assert_eq!(*waits.lock().unwrap(), [Duration::from_millis(50), Duration::from_millis(100)]);
        assert_eq!(quota.available(), QUOTA_CAPACITY - 2 * TRANSIENT_RETRY_COST);
        // A failure for good stops at once; `Again` adds one attempt without waiting.
        waits.lock().unwrap().clear();
        let err = run(&retrier, |_, _, _| {}, |n| if n == 1 { Attempt::<(), u32>::Again } else { Attempt::Fail(n) })
            .unwrap_err();
        assert_eq!((err.error, err.attempts), (2, 2));
        let err =
            run(&retrier, |_, _, _| {}, |n| if n == 1 { Attempt::Again } else { transient::<()>(n) }).unwrap_err();
        assert_eq!(err.attempts, 4);
        assert_eq!(waits.lock().unwrap().len(), 2);
        // A success after a retry gives its cost back.
        let before = quota.available();
        let out = run(&retrier, |_, _, _| {}, |n| if n < 2 { transient(n) } else { Attempt::Done(n) });
        assert_eq!(out.unwrap(), 2);
        assert_eq!(quota.available(), before);
        // An empty quota refuses the retry, and says so.
        let empty = RetryQuota::default();
        while empty.acquire(RetryKind::Transient).is_some() {}
        let retrier = Retrier { quota: Some(&empty), ..retrier };
        let mut refused = false;
        let err = run(&retrier, |_, _, d| refused = d.is_none(), transient::<()>).unwrap_err();
        assert!(refused && err.attempts == 1);
    }

    #[test]
    fn quota_spends_and_refunds() {
        let q = RetryQuota::default();
        let mut spent = 0;
        while q.acquire(RetryKind::Transient).is_some() {
            spent += 1;
        }
        assert_eq!(spent, QUOTA_CAPACITY / TRANSIENT_RETRY_COST);
        assert_eq!(q.available(), QUOTA_CAPACITY % TRANSIENT_RETRY_COST);
        assert!(q.acquire(RetryKind::Throttling).is_some(), "a throttled retry costs less");
        q.release(Some(TRANSIENT_RETRY_COST));
        q.release(None);
        assert_eq!(
            q.available(),
            QUOTA_CAPACITY % TRANSIENT_RETRY_COST - THROTTLING_RETRY_COST + TRANSIENT_RETRY_COST + 1
        );
        for _ in 0..1000 {
            q.release(None);
        }
        assert_eq!(q.available(), QUOTA_CAPACITY);
    }

    #[test]
    fn skew_from_date_header() {
        let sent = datetime!(2026-11-25 12:00:00 UTC);
        let received = datetime!(2026-11-25 12:00:02 UTC);
        assert_eq!(measure_skew(Some("Wed, 25 Nov 2026 12:10:01 GMT"), false, sent, received), Some(600_000));
        assert_eq!(measure_skew(Some("Wed, 25 Nov 2026 11:50:01 GMT"), false, sent, received), Some(-600_000));
        assert_eq!(measure_skew(Some("Wed, 25 Nov 2026 12:10:01 GMT"), true, sent, received), None, "Age: cached");
        assert_eq!(measure_skew(None, false, sent, received), None);
        assert_eq!(measure_skew(Some("garbage"), false, sent, received), None);
        assert!(is_skew_error(&service("RequestExpired", 400)));
        assert!(!is_skew_error(&service("IncorrectState", 400)));
    }
}
