//! Retry decisions and clock-skew correction, as pure functions: the AWS SDKs'
//! "standard" retry mode and the 2026 clock-skew rules.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>

use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use crate::Error;

/// How a client retries.
///
/// ```
/// use std::time::Duration;
/// use ec2_lite::{Client, RetryConfig};
///
/// let retry = RetryConfig::default()
///     .with_max_attempts(5)
///     // throttling base, transient-error base, longest single wait
///     .with_backoff(Duration::from_millis(500), Duration::from_millis(20), Duration::from_secs(5));
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
    /// The standard mode with `max_attempts` attempts (at least 1).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Other backoff bases (tests use tiny ones to run fast).
    pub fn with_backoff(mut self, throttling_base: Duration, transient_base: Duration, max_backoff: Duration) -> Self {
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

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the `Date` format.
pub(crate) fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    let (_, rest) = s.split_once(", ")?;
    let mut parts = rest.split(' ');
    let day: u8 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => time::Month::January,
        "Feb" => time::Month::February,
        "Mar" => time::Month::March,
        "Apr" => time::Month::April,
        "May" => time::Month::May,
        "Jun" => time::Month::June,
        "Jul" => time::Month::July,
        "Aug" => time::Month::August,
        "Sep" => time::Month::September,
        "Oct" => time::Month::October,
        "Nov" => time::Month::November,
        "Dec" => time::Month::December,
        _ => return None,
    };
    let year: i32 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let (h, m, sec): (u8, u8, u8) = (hms.next()?.parse().ok()?, hms.next()?.parse().ok()?, hms.next()?.parse().ok()?);
    if hms.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = time::Time::from_hms(h, m, sec).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc())
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

    #[test]
    fn http_dates() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(datetime!(1994-11-06 08:49:37 UTC)));
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "06 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }
}
