//! The client-side rate limiter: EC2's documented token bucket per action, and the SDKs'
//! adaptive mode (CUBIC on a measured send rate) on top of it.
//! <https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html>

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::Error;

/// A monotonic time: how long since some fixed start. Injected, so that tests pace on a fake
/// one; the wall clock ([`crate::timestamp::Clock`]) may jump, and a pace must not.
pub(crate) type Monotonic = Arc<dyn Fn() -> Duration + Send + Sync>;

/// The time since the client was built, by [`Instant`].
pub(crate) fn system_monotonic() -> Monotonic {
    let start = Instant::now();
    Arc::new(move || start.elapsed())
}

/// How a client retries: EC2's static buckets only, or also adapting to throttling responses.
/// Set with [`ClientBuilder::retry_mode`](crate::ClientBuilder::retry_mode), else
/// `AWS_RETRY_MODE`, else the profile's `retry_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RetryMode {
    /// The SDKs' standard mode: backoff and a retry quota. Requests are still paced to the
    /// client's [`RateLimits`].
    #[default]
    Standard,
    /// Standard, plus the SDKs' adaptive client-side rate limiter: after the first throttling
    /// response for an action, that action's requests are paced to a rate that backs off on
    /// each throttle (CUBIC) and grows back while calls succeed.
    Adaptive,
}

/// One token bucket: `capacity` requests at once, then `refill_per_second`.
///
/// ```
/// let replace = ec2_lite::RateLimit::new(50, 5.0);
/// assert_eq!((replace.capacity, replace.refill_per_second), (50, 5.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Tokens the bucket holds when full: the burst allowed. At least 1.
    pub capacity: u32,
    /// Tokens added per second: the sustained rate. Finite and above 0.
    pub refill_per_second: f64,
}

impl RateLimit {
    /// A bucket of `capacity` tokens refilled at `refill_per_second`. Checked when the client
    /// is built.
    pub const fn new(capacity: u32, refill_per_second: f64) -> RateLimit {
        RateLimit { capacity, refill_per_second }
    }

    fn check(&self, action: &str) -> Result<(), Error> {
        if self.capacity == 0 {
            return Err(Error::invalid_input(format!("rate limit of {action}: the capacity must be at least 1")));
        }
        if !(self.refill_per_second.is_finite() && self.refill_per_second > 0.0) {
            return Err(Error::invalid_input(format!(
                "rate limit of {action}: the refill rate must be a finite number above 0, not {}",
                self.refill_per_second
            )));
        }
        Ok(())
    }
}

/// EC2's documented buckets for the actions this crate models ("Request throttling for the
/// Amazon EC2 API", EC2 developer guide).
const DOCUMENTED: [(&str, RateLimit); 5] = [
    ("AssociateIamInstanceProfile", RateLimit::new(100, 5.0)),
    ("DisassociateIamInstanceProfile", RateLimit::new(100, 5.0)),
    ("ReplaceIamInstanceProfileAssociation", RateLimit::new(50, 5.0)),
    ("DescribeIamInstanceProfileAssociations", RateLimit::new(100, 20.0)),
    ("DescribeInstances", RateLimit::new(100, 20.0)),
];
/// The guide's category of the other non-mutating actions.
const NON_MUTATING: RateLimit = RateLimit::new(100, 20.0);
/// The guide's category of the other mutating actions.
const MUTATING: RateLimit = RateLimit::new(200, 10.0);

/// The guide's test for "non-mutating": the verbs that only read.
fn is_non_mutating(action: &str) -> bool {
    ["Describe", "Get", "List", "Search"].iter().any(|verb| action.starts_with(verb))
}

/// The bucket of each action a client paces itself to.
///
/// By default, EC2's documented buckets ([`RateLimits::ec2_documented`]):
///
/// | action | capacity | refill per second |
/// | --- | --- | --- |
/// | `AssociateIamInstanceProfile`, `DisassociateIamInstanceProfile` | 100 | 5 |
/// | `ReplaceIamInstanceProfileAssociation` | 50 | 5 |
/// | `DescribeIamInstanceProfileAssociations`, `DescribeInstances` | 100 | 20 |
/// | other non-mutating actions (`Describe*`, `Get*`, `List*`, `Search*`) | 100 | 20 |
/// | other (mutating) actions | 200 | 10 |
///
/// EC2 keeps these buckets per account and Region; each client keeps its own copy, shared by
/// its clones, so two clients (or two processes) on one account together can still be throttled.
///
/// ```
/// use ec2_lite::{Client, RateLimit, RateLimits};
///
/// // A stand-in EC2 that runs its buckets 20 times faster, and a tighter Replace.
/// let limits = RateLimits::ec2_documented()
///     .scaled(20.0)
///     .with("ReplaceIamInstanceProfileAssociation", RateLimit::new(10, 50.0));
/// assert_eq!(limits.get("DescribeInstances"), Some(RateLimit::new(100, 400.0)));
/// assert_eq!(RateLimits::none().get("DescribeInstances"), None);
/// let client = Client::builder().region("us-east-1").rate_limits(limits).build()?;
/// # let _ = client;
/// # Ok::<(), ec2_lite::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    /// Whether the documented buckets and categories apply to the actions not listed.
    documented: bool,
    /// How many times faster the documented buckets refill.
    scale: f64,
    /// Per-action settings over those, one per action (`None`: not paced).
    actions: Vec<(String, Option<RateLimit>)>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::ec2_documented()
    }
}

impl RateLimits {
    /// EC2's documented buckets, and its categories for the other actions (the table above).
    pub fn ec2_documented() -> RateLimits {
        RateLimits { documented: true, scale: 1.0, actions: Vec::new() }
    }

    /// No client-side pacing at all (adaptive mode still paces after a throttle).
    pub fn none() -> RateLimits {
        RateLimits { documented: false, scale: 1.0, actions: Vec::new() }
    }

    /// Every bucket set so far refilled `factor` times faster (same capacities), as an EC2
    /// stand-in that runs its clock faster needs. Checked when the client is built: a finite
    /// number above 0.
    pub fn scaled(mut self, factor: f64) -> RateLimits {
        self.scale *= factor;
        for (_, limit) in &mut self.actions {
            if let Some(l) = limit {
                l.refill_per_second *= factor;
            }
        }
        self
    }

    /// `action` paced to `limit`, whatever was set for it before.
    pub fn with(self, action: impl Into<String>, limit: RateLimit) -> RateLimits {
        self.set(action.into(), Some(limit))
    }

    /// `action` not paced.
    pub fn without(self, action: impl Into<String>) -> RateLimits {
        self.set(action.into(), None)
    }

    pub(crate) fn set(mut self, action: String, limit: Option<RateLimit>) -> RateLimits {
        self.actions.retain(|(a, _)| *a != action);
        self.actions.push((action, limit));
        self
    }

    /// The bucket `action` is paced to, `None` when it is not.
    pub fn get(&self, action: &str) -> Option<RateLimit> {
        if let Some((_, limit)) = self.actions.iter().find(|(a, _)| a == action) {
            return *limit;
        }
        if !self.documented {
            return None;
        }
        let limit = match DOCUMENTED.iter().find(|(a, _)| *a == action) {
            Some((_, limit)) => *limit,
            None if is_non_mutating(action) => NON_MUTATING,
            None => MUTATING,
        };
        Some(RateLimit { refill_per_second: limit.refill_per_second * self.scale, ..limit })
    }

    /// Every limit is usable: capacity at least 1, refill finite and above 0.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err(Error::invalid_input(format!(
                "rate limits: the scale must be a finite number above 0, not {}",
                self.scale
            )));
        }
        for (action, limit) in &self.actions {
            if let Some(l) = limit {
                l.check(action)?;
            }
        }
        Ok(())
    }
}

/// Nanoseconds of a [`Duration`], saturating (585 years).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Nanoseconds per token at `rate` tokens a second, at least 1.
fn interval_ns(rate: f64) -> u64 {
    // `as` saturates; a rate that is not finite never gets here (checked, or clamped).
    ((1e9 / rate).round() as u64).max(1)
}

/// A token bucket kept as its "theoretical arrival time" (GCRA): `tat` is when the bucket would
/// be full again. A token taken pushes it one interval further; a caller that finds the bucket
/// empty is given the time its token will exist and the push happens at once, so callers queue
/// in the order they came, each at its exact time, and the tokens "go negative" as reservations.
#[derive(Debug, Clone)]
struct Gcra {
    interval_ns: u64,
    /// capacity × interval: how far ahead of now `tat` may be with a token left.
    burst_ns: u64,
    tat_ns: u64,
}

impl Gcra {
    /// A full bucket.
    fn full(limit: RateLimit) -> Gcra {
        let interval_ns = interval_ns(limit.refill_per_second);
        Gcra { interval_ns, burst_ns: interval_ns.saturating_mul(u64::from(limit.capacity)), tat_ns: 0 }
    }

    /// The earliest time, from `now`, a token can be taken.
    fn earliest(&self, now: u64) -> u64 {
        now.max(self.tat_ns.saturating_add(self.interval_ns).saturating_sub(self.burst_ns))
    }

    /// Takes a token at `at` (no earlier than [`Gcra::earliest`]).
    fn take(&mut self, at: u64) {
        self.tat_ns = self.tat_ns.max(at).saturating_add(self.interval_ns);
    }

    /// Tokens at `now`; below 0 when callers are waiting for theirs.
    fn tokens(&self, now: u64) -> f64 {
        (self.burst_ns as f64 - self.tat_ns.saturating_sub(now) as f64) / self.interval_ns as f64
    }
}

/// Seconds as the adaptive calculations use them.
fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// botocore's `CubicCalculator` (`botocore/retries/throttling.py`; smithy-rs has the same in
/// `rust-runtime/aws-smithy-runtime/src/client/retries/client_rate_limiter.rs`): after a throttle at rate `w_max`, the rate drops to
/// `beta × w_max` and grows back along a cubic that passes `w_max` again `k` seconds later.
#[derive(Debug, Clone)]
struct Cubic {
    w_max: f64,
    k: f64,
    last_fail: f64,
    beta: f64,
}

/// How much a throttle scales the rate down.
const BETA: f64 = 0.7;
/// How fast the rate grows back.
const SCALE_CONSTANT: f64 = 0.4;

impl Cubic {
    fn new(starting_max_rate: f64, start_time: f64, beta: f64) -> Cubic {
        let mut cubic = Cubic { w_max: starting_max_rate, k: 0.0, last_fail: start_time, beta };
        cubic.k = cubic.zero_point();
        cubic
    }

    fn zero_point(&self) -> f64 {
        (self.w_max * (1.0 - self.beta) / SCALE_CONSTANT).cbrt()
    }

    fn success(&self, t: f64) -> f64 {
        SCALE_CONSTANT * (t - self.last_fail - self.k).powi(3) + self.w_max
    }

    fn throttled(&mut self, rate: f64, t: f64) -> f64 {
        self.w_max = rate;
        self.k = self.zero_point();
        self.last_fail = t;
        rate * self.beta
    }
}

/// botocore's `RateClocker` (`botocore/retries/adaptive.py`): the send rate, counted per half
/// second and smoothed.
#[derive(Debug, Clone)]
struct RateClocker {
    measured: f64,
    last_bucket: f64,
    count: f64,
}

const SMOOTHING: f64 = 0.8;
/// Buckets per second (botocore's 0.5 s time bucket).
const TIME_BUCKET_SCALE: f64 = 2.0;

impl RateClocker {
    fn new(t: f64) -> RateClocker {
        // botocore starts from the whole second, not the half.
        RateClocker { measured: 0.0, last_bucket: t.floor(), count: 0.0 }
    }

    fn record(&mut self, t: f64) -> f64 {
        let bucket = (t * TIME_BUCKET_SCALE).floor() / TIME_BUCKET_SCALE;
        self.count += 1.0;
        if bucket > self.last_bucket {
            let current = self.count / (bucket - self.last_bucket);
            self.measured = current * SMOOTHING + self.measured * (1.0 - SMOOTHING);
            self.count = 0.0;
            self.last_bucket = bucket;
        }
        self.measured
    }
}

/// botocore's minimum fill rate (`bucket.py`'s `_MIN_RATE`).
const MIN_FILL_RATE: f64 = 0.5;
/// The fastest the adaptive bucket refills, so that its interval stays a whole nanosecond.
const MAX_FILL_RATE: f64 = 1e9;
/// botocore's `_MAX_RATE_ADJUST_SCALE`: never more than twice the measured rate.
const MAX_RATE_ADJUST_SCALE: f64 = 2.0;

/// botocore's `ClientRateLimiter` with its `TokenBucket` (`botocore/retries/adaptive.py`,
/// `bucket.py`), for one action. botocore and aws-sdk-rust keep one per client; EC2 keeps its
/// buckets per action, and a fleet run drives Describe, Associate and Replace at once: a
/// throttled Replace must not slow its Describes down.
#[derive(Debug, Clone)]
struct Adaptive {
    /// Off until the first throttling response, as in botocore.
    enabled: bool,
    /// When the rate was last lowered: a throttle answering a request sent before then is
    /// part of the same congestion event, and lowers it no further.
    last_decrease: Option<u64>,
    cubic: Cubic,
    clocker: RateClocker,
    fill_rate: f64,
    bucket: Gcra,
}

impl Adaptive {
    fn new(now: u64) -> Adaptive {
        let t = secs(now);
        Adaptive::with_bucket(now, Cubic::new(0.0, t, BETA), 1.0)
    }

    /// botocore's `TokenBucket(max_rate)`: it starts empty and fills from `now`.
    fn with_bucket(now: u64, cubic: Cubic, max_rate: f64) -> Adaptive {
        let bucket = Gcra { interval_ns: 1, burst_ns: 0, tat_ns: now };
        let clocker = RateClocker::new(secs(now));
        let mut a = Adaptive { enabled: false, last_decrease: None, cubic, clocker, fill_rate: 0.0, bucket };
        a.set_max_rate(max_rate, now);
        a
    }

    /// botocore's `max_rate` setter: the tokens there are stay (at most the new capacity), the
    /// fill rate is at least 0.5/s, and the capacity is the rate asked for, at least 1.
    fn set_max_rate(&mut self, rate: f64, now: u64) {
        let tokens = self.bucket.tokens(now);
        self.fill_rate = rate.clamp(MIN_FILL_RATE, MAX_FILL_RATE);
        let capacity = if rate >= 1.0 { rate.min(MAX_FILL_RATE) } else { 1.0 };
        let interval = interval_ns(self.fill_rate);
        let burst = (capacity * interval as f64).round() as u64;
        let tokens = tokens.min(capacity);
        self.bucket = Gcra {
            interval_ns: interval,
            burst_ns: burst,
            tat_ns: now.saturating_add(((capacity - tokens) * interval as f64).round() as u64),
        };
    }

    /// botocore's `on_receiving_response` for the answer, at `now`, to a request sent at
    /// `sent`: measure, adjust the rate; with a throttle, the new rate and the measured one
    /// (for the debug line).
    ///
    /// One difference: a throttle answering a request sent before the rate was last lowered
    /// does not lower it again, as TCP's CUBIC lowers its window once per loss event. botocore
    /// lowers it for every throttle; with many requests in flight (a fleet run's workers), one
    /// empty bucket answers each of them with a throttle, and the rate falls by 0.7 per answer
    /// to the 0.5/s floor at once, where the bucket's refill allowed far more.
    fn on_response(&mut self, now: u64, sent: u64, throttled: bool) -> Option<(f64, f64)> {
        let t = secs(now);
        let measured = self.clocker.record(t);
        if throttled && self.enabled && self.last_decrease.is_some_and(|d| sent < d) {
            return None;
        }
        let (rate, report) = if throttled {
            self.last_decrease = Some(now);
            let current = if self.enabled { measured.min(self.fill_rate) } else { measured };
            let rate = self.cubic.throttled(current, t);
            self.enabled = true;
            (rate, true)
        } else {
            (self.cubic.success(t), false)
        };
        self.set_max_rate(rate.min(MAX_RATE_ADJUST_SCALE * measured), now);
        report.then_some((self.fill_rate, measured))
    }
}

/// What one action's requests are paced by.
#[derive(Debug)]
struct State {
    bucket: Option<Gcra>,
    adaptive: Option<Adaptive>,
}

/// One action's limiter, shared by all clones of a client.
#[derive(Debug)]
pub(crate) struct ActionLimiter {
    action: Box<str>,
    adaptive: bool,
    state: Mutex<State>,
}

/// What [`ActionLimiter::acquire`] answers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    /// The token is this caller's: send after this wait.
    At(Duration),
    /// No token yet: wait this long, then ask again.
    Again(Duration),
}

/// The longest a caller waits before asking the adaptive bucket again.
pub(crate) const ADAPTIVE_RECHECK: Duration = Duration::from_millis(250);

/// A token was not to be had before the operation's deadline.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PastDeadline;

impl ActionLimiter {
    fn new(action: &str, limit: Option<RateLimit>, adaptive: bool, now: u64) -> Option<ActionLimiter> {
        if limit.is_none() && !adaptive {
            return None;
        }
        let state = State { bucket: limit.map(Gcra::full), adaptive: adaptive.then(|| Adaptive::new(now)) };
        Some(ActionLimiter { action: action.into(), adaptive, state: Mutex::new(state) })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The buckets stay consistent even if a holder panicked: every update is one assignment.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The action.
    pub(crate) fn action(&self) -> &str {
        &self.action
    }

    /// Asks for this caller's token at `now`. The static bucket reserves it: the time is
    /// fixed under the lock, the wait happens outside it, and callers are served in order at
    /// exact times. The adaptive bucket, once on, reserves nothing ahead: while it has no
    /// token, the caller is told to ask again (at most [`ADAPTIVE_RECHECK`] later), as
    /// botocore's `TokenBucket.acquire` waits and checks again. Its rate moves with every
    /// answer; a slot booked far ahead at a rate that has since grown back would keep a thread
    /// asleep for nothing, and with all workers asleep nothing is measured to grow it by.
    /// A token that would come at or after `deadline` is not taken: the call would have no
    /// time left to use it.
    pub(crate) fn acquire(&self, now: Duration, deadline: Option<Duration>) -> Result<Grant, PastDeadline> {
        let now = nanos(now);
        let past = |at: u64| deadline.is_some_and(|d| at >= nanos(d));
        let mut state = self.lock();
        let state = &mut *state;
        let adaptive = state.adaptive.as_mut().filter(|a| a.enabled);
        if let Some(a) = &adaptive {
            let at = a.bucket.earliest(now);
            if past(at) {
                return Err(PastDeadline);
            }
            if at > now {
                return Ok(Grant::Again(Duration::from_nanos(at - now).min(ADAPTIVE_RECHECK)));
            }
        }
        let mut at = now;
        if let Some(b) = &state.bucket {
            at = at.max(b.earliest(now));
        }
        if past(at) {
            return Err(PastDeadline);
        }
        if let Some(b) = &mut state.bucket {
            b.take(at);
        }
        if let Some(a) = adaptive {
            a.bucket.take(now);
        }
        Ok(Grant::At(Duration::from_nanos(at - now)))
    }

    /// How long a caller asking at `now` waits in all for its token, asking again as
    /// [`ActionLimiter::acquire`] says, with time passing only by those waits.
    #[cfg(test)]
    pub(crate) fn reserve(&self, now: Duration, deadline: Option<Duration>) -> Result<Duration, PastDeadline> {
        let mut t = now;
        loop {
            match self.acquire(t, deadline)? {
                Grant::At(wait) => return Ok(t + wait - now),
                Grant::Again(wait) => t += wait,
            }
        }
    }

    /// Whether [`ActionLimiter::on_response`] has anything to do (adaptive mode).
    pub(crate) fn is_adaptive(&self) -> bool {
        self.adaptive
    }

    /// An attempt sent at `sent` ended at `now` (an answer or a failure to get one): adaptive
    /// mode adjusts the action's rate. With a throttle that lowered it, the new rate and the
    /// measured one.
    pub(crate) fn on_response(&self, now: Duration, sent: Duration, throttled: bool) -> Option<(f64, f64)> {
        self.lock().adaptive.as_mut()?.on_response(nanos(now), nanos(sent), throttled)
    }
}

/// The limiters of a client, one per action.
pub(crate) struct Limiter {
    limits: RateLimits,
    mode: RetryMode,
    /// The actions known when the client was built: found without a lock.
    known: Box<[Arc<ActionLimiter>]>,
    /// Others (through [`Client::call`](crate::Client::call)), made at their first call.
    others: Mutex<Vec<Arc<ActionLimiter>>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter").field("limits", &self.limits).field("mode", &self.mode).finish_non_exhaustive()
    }
}

impl Limiter {
    /// Limiters for `limits` (already checked), starting at `now`.
    pub(crate) fn new(limits: RateLimits, mode: RetryMode, now: Duration) -> Limiter {
        let adaptive = mode == RetryMode::Adaptive;
        let now = nanos(now);
        let mut names: Vec<&str> = DOCUMENTED.iter().map(|(a, _)| *a).collect();
        names.extend(limits.actions.iter().map(|(a, _)| a.as_str()));
        names.sort_unstable();
        names.dedup();
        let known = names
            .into_iter()
            .filter_map(|a| ActionLimiter::new(a, limits.get(a), adaptive, now))
            .map(Arc::new)
            .collect();
        Limiter { limits, mode, known, others: Mutex::new(Vec::new()) }
    }

    /// The retry mode.
    pub(crate) fn mode(&self) -> RetryMode {
        self.mode
    }

    /// The limiter of `action`, `None` when nothing paces it. `now` dates an action's first.
    pub(crate) fn for_action(&self, action: &str, now: impl FnOnce() -> Duration) -> Option<Arc<ActionLimiter>> {
        if let Some(l) = self.known.iter().find(|l| &*l.action == action) {
            return Some(Arc::clone(l));
        }
        let adaptive = self.mode == RetryMode::Adaptive;
        let limit = self.limits.get(action);
        if limit.is_none() && !adaptive {
            return None;
        }
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = others.iter().find(|l| &*l.action == action) {
            return Some(Arc::clone(l));
        }
        let l = Arc::new(ActionLimiter::new(action, limit, adaptive, nanos(now()))?);
        others.push(Arc::clone(&l));
        Some(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn limiter(capacity: u32, rate: f64) -> ActionLimiter {
        ActionLimiter::new("X", Some(RateLimit::new(capacity, rate)), false, 0).unwrap()
    }

    fn at(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn a_full_bucket_bursts_then_paces_at_the_refill_rate() {
        // Replace's bucket: 50 at once, then one every 200 ms.
        let l = limiter(50, 5.0);
        for _ in 0..50 {
            assert_eq!(l.reserve(at(0), None), Ok(Duration::ZERO));
        }
        assert_eq!(l.reserve(at(0), None), Ok(200 * MS));
        assert_eq!(l.reserve(at(0), None), Ok(400 * MS));
        // A caller that comes later waits only for what is left of its turn.
        assert_eq!(l.reserve(at(500), None), Ok(100 * MS));
        // An idle bucket refills, up to its capacity and no more.
        for _ in 0..50 {
            assert_eq!(l.reserve(at(60_000), None), Ok(Duration::ZERO));
        }
        assert_eq!(l.reserve(at(60_000), None), Ok(200 * MS));
    }

    #[test]
    fn many_threads_on_one_bucket_get_their_tokens_in_order_at_the_exact_times() {
        let l = Arc::new(limiter(2, 5.0));
        let order = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (l, order) = (Arc::clone(&l), Arc::clone(&order));
                std::thread::spawn(move || {
                    // The lock that reserves is the lock that records: the order of arrival.
                    let mut order = order.lock().unwrap();
                    order.push(l.reserve(at(1000), None).unwrap());
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let waits = order.lock().unwrap().clone();
        let want: Vec<Duration> = [0, 0, 200, 400, 600, 800, 1000, 1200].iter().map(|&ms| at(ms)).collect();
        assert_eq!(waits, want);
    }

    #[test]
    fn the_reservation_is_not_taken_past_the_deadline() {
        let l = limiter(1, 5.0);
        assert_eq!(l.reserve(at(0), Some(at(100))), Ok(Duration::ZERO));
        assert_eq!(l.reserve(at(0), Some(at(100))), Err(PastDeadline));
        // Nor at the deadline itself: no time would be left to send.
        assert_eq!(l.reserve(at(0), Some(at(200))), Err(PastDeadline));
        // The refused callers left no reservation behind.
        assert_eq!(l.reserve(at(0), Some(at(201))), Ok(200 * MS));
    }

    #[test]
    fn actions_have_buckets_of_their_own() {
        let limiter = Limiter::new(RateLimits::ec2_documented(), RetryMode::Standard, Duration::ZERO);
        let replace = limiter.for_action("ReplaceIamInstanceProfileAssociation", || at(0)).unwrap();
        for _ in 0..50 {
            replace.reserve(at(0), None).unwrap();
        }
        assert_eq!(replace.reserve(at(0), None), Ok(200 * MS));
        let describe = limiter.for_action("DescribeIamInstanceProfileAssociations", || at(0)).unwrap();
        assert_eq!(describe.reserve(at(0), None), Ok(Duration::ZERO));
        // Actions outside the table: a bucket each, made at the first call, by the guide's category.
        let regions = limiter.for_action("DescribeRegions", || at(0)).unwrap();
        assert!(Arc::ptr_eq(&regions, &limiter.for_action("DescribeRegions", || at(0)).unwrap()));
        for _ in 0..100 {
            regions.reserve(at(0), None).unwrap();
        }
        assert_eq!(regions.reserve(at(0), None), Ok(50 * MS));
        let tags = limiter.for_action("CreateTags", || at(0)).unwrap();
        for _ in 0..200 {
            tags.reserve(at(0), None).unwrap();
        }
        assert_eq!(tags.reserve(at(0), None), Ok(100 * MS));
        let none = Limiter::new(RateLimits::none(), RetryMode::Standard, Duration::ZERO);
        assert!(none.for_action("DescribeInstances", || at(0)).is_none());
        assert!(none.for_action("CreateTags", || at(0)).is_none());
    }

    #[test]
    fn limits_scale_override_and_are_checked() {
        let limits = RateLimits::ec2_documented();
        assert_eq!(limits.get("AssociateIamInstanceProfile"), Some(RateLimit::new(100, 5.0)));
        assert_eq!(limits.get("ReplaceIamInstanceProfileAssociation"), Some(RateLimit::new(50, 5.0)));
        assert_eq!(limits.get("GetConsoleOutput"), Some(RateLimit::new(100, 20.0)));
        assert_eq!(limits.get("RunInstances"), Some(RateLimit::new(200, 10.0)));
        let limits = limits.with("DescribeInstances", RateLimit::new(10, 1.0)).scaled(20.0).without("RunInstances");
        assert_eq!(limits.get("DescribeInstances"), Some(RateLimit::new(10, 20.0)));
        assert_eq!(limits.get("DisassociateIamInstanceProfile"), Some(RateLimit::new(100, 100.0)));
        assert_eq!(limits.get("RunInstances"), None);
        assert_eq!(RateLimits::none().with("X", RateLimit::new(1, 2.0)).get("X"), Some(RateLimit::new(1, 2.0)));
        assert!(limits.check().is_ok());
        for (bad, want) in [
            (RateLimits::ec2_documented().scaled(0.0), "rate limits: the scale must be a finite number above 0, not 0"),
            (RateLimits::none().scaled(f64::NAN), "the scale must be a finite number above 0, not NaN"),
            (RateLimits::ec2_documented().scaled(-2.0), "the scale must be a finite number above 0, not -2"),
            (
                RateLimits::none().with("DescribeInstances", RateLimit::new(10, f64::INFINITY)),
                "rate limit of DescribeInstances: the refill rate must be a finite number above 0, not inf",
            ),
            (
                RateLimits::none().with("DescribeInstances", RateLimit::new(10, -1.0)),
                "the refill rate must be a finite number above 0, not -1",
            ),
            (RateLimits::none().with("X", RateLimit::new(0, 1.0)), "rate limit of X: the capacity must be at least 1"),
        ] {
            let e = bad.check().unwrap_err();
            assert!(matches!(&e, Error::InvalidInput(m) if m.contains(want)), "{e}");
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    // The CUBIC numbers of botocore's tests/unit/retries/test_throttling.py.
    #[test]
    fn cubic_matches_botocore() {
        let cubic = Cubic::new(10.0, 0.0, 0.7);
        assert!(close(cubic.k, 1.9574338205844317), "{}", cubic.k);
        let k = cubic.k;
        for t in [k / 3.0, k / 2.0, k / 1.1] {
            assert!(cubic.success(t) <= 10.0);
        }
        assert!(close(cubic.success(k), 10.0));
        for t in [k * 1.1, k * 2.0] {
            assert!(cubic.success(t) >= 10.0);
        }
        let mut cubic = Cubic::new(10.0, 0.0, 0.7);
        assert!(close(cubic.throttled(8.0, 1.0), 8.0 * 0.7));
        assert_eq!((cubic.w_max, cubic.last_fail), (8.0, 1.0));
        assert!(close(cubic.k, 1.8171205928321397), "{}", cubic.k);
        let mut cubic = Cubic::new(10.0, 0.0, 0.6);
        assert_eq!(cubic.throttled(10.0, 1.0), 6.0);
        assert!(close(cubic.success(1.0), 6.0));
    }

    // The measured rates of botocore's tests/unit/retries/test_adaptive.py (TestRateClocker).
    #[test]
    fn rate_clocker_matches_botocore() {
        assert_eq!(RateClocker::new(0.0).record(1.0), 0.8);
        let mut c = RateClocker::new(0.0);
        for t in 1..=20 {
            c.record(f64::from(t));
        }
        assert!((c.measured - 1.0).abs() < 1e-7, "{}", c.measured);
        let mut c = RateClocker::new(0.0);
        for t in [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0] {
            c.record(t);
        }
        assert!((1.99..=2.0).contains(&c.measured), "{}", c.measured);
        c.record(14.0);
        assert!((0.1..=2.0).contains(&c.measured), "{}", c.measured);
        let mut c = RateClocker::new(0.0);
        for t in [1.0, 1.0, 1.0, 2.0, 3.0] {
            c.record(t);
        }
        assert!(c.measured >= 1.0);
        // Times are grouped per half second: the rate is the previous bucket's.
        let mut c = RateClocker::new(0.0);
        for t in [0.1, 0.2, 0.3, 0.4, 0.49] {
            c.record(t);
        }
        assert_eq!(c.measured, 0.0);
        assert_eq!(c.record(0.5), 12.0 * 0.8);
    }

    fn ns(s: f64) -> u64 {
        (s * 1e9).round() as u64
    }

    // botocore's tests/unit/retries/test_bucket.py, on the adaptive bucket.
    #[test]
    fn adaptive_bucket_matches_botocore() {
        let mut a = Adaptive::with_bucket(0, Cubic::new(0.0, 0.0, BETA), 10.0);
        a.enabled = true;
        let l = ActionLimiter {
            action: "X".into(),
            adaptive: true,
            state: Mutex::new(State { bucket: None, adaptive: Some(a) }),
        };
        let when = |t: f64| Duration::from_nanos(ns(t));
        // test_acquiring_blocks_when_capacity_reached: 10/s from empty at 0.
        assert_eq!(l.reserve(when(0.1), None), Ok(Duration::ZERO));
        assert_eq!(l.reserve(when(0.15), None), Ok(50 * MS));
        assert_eq!(l.reserve(when(0.300001), None), Ok(Duration::ZERO));
        // test_max_capacity_is_at_least_one, test_rate_cant_go_below_min (botocore's minimum, 0.5).
        let mut a = Adaptive::with_bucket(0, Cubic::new(0.0, 0.0, BETA), 10.0);
        a.set_max_rate(0.5, ns(1.0));
        assert_eq!((a.fill_rate, a.bucket.burst_ns), (0.5, ns(2.0)));
        a.set_max_rate(0.1, ns(1.0));
        assert_eq!((a.fill_rate, a.bucket.burst_ns), (0.5, ns(2.0)), "capacity 1 at 0.5/s");
        // test_can_change_max_capacity_lower: a full bucket of 10 keeps 1 when the rate drops to 1.
        let mut a = Adaptive::with_bucket(0, Cubic::new(0.0, 0.0, BETA), 10.0);
        a.set_max_rate(1.0, ns(5.0));
        assert_eq!(a.bucket.tokens(ns(5.0)), 1.0);
    }

    // botocore's TestClientRateLimiter: off until a throttle; a success sets the cubic rate,
    // at most twice the measured one.
    #[test]
    fn adaptive_is_off_until_the_first_throttle_then_follows_cubic() {
        let l = ActionLimiter::new("X", None, true, 0).unwrap();
        for i in 0..100 {
            assert_eq!(l.reserve(at(i), None), Ok(Duration::ZERO), "not enabled yet");
            assert_eq!(l.on_response(at(i), at(i), false), None);
        }
        // 100 calls in the first 100 ms: the first half-second bucket closes at 0.5 s.
        let (rate, measured) = l.on_response(at(500), at(500), true).unwrap();
        assert_eq!(measured, 101.0 / 0.5 * 0.8);
        assert!(close(rate, measured * 0.7), "{rate}");
        // From now on the bucket paces, one token per 1/rate s; it held less than one token, as
        // in botocore: before the throttle its capacity was the cubic rate from 0, at least 1.
        let first = l.reserve(at(500), None).unwrap();
        let second = l.reserve(at(500), None).unwrap();
        assert_eq!(second - first, Duration::from_nanos(interval_ns(rate)));
        // The rate never drops below 0.5/s, whatever is measured.
        let l = ActionLimiter::new("X", None, true, 0).unwrap();
        let (rate, measured) = l.on_response(at(10_000), at(10_000), true).unwrap();
        assert_eq!((rate, measured), (MIN_FILL_RATE, 1.0 / 10.0 * 0.8));
        assert_eq!(l.reserve(at(10_000), None), Ok(Duration::ZERO), "capacity 1");
        assert_eq!(l.reserve(at(10_000), None), Ok(2000 * MS), "then 0.5/s");
    }

    #[test]
    fn throttles_of_requests_sent_before_a_decrease_do_not_lower_the_rate_again() {
        let l = ActionLimiter::new("X", None, true, 0).unwrap();
        for i in 0..100 {
            l.on_response(at(i), at(i), false);
        }
        // Thirty requests were in flight when the bucket ran dry: all are throttled.
        let (rate, _) = l.on_response(at(500), at(400), true).unwrap();
        for i in 0..29 {
            assert_eq!(l.on_response(at(501 + i), at(400 + i), true), None, "the same congestion event");
        }
        assert_eq!(l.lock().adaptive.as_ref().map(|a| a.fill_rate), Some(rate), "the rate of the first throttle");
        // A request sent after the decrease and throttled again lowers it again.
        let (lower, _) = l.on_response(at(700), at(650), true).unwrap();
        assert!(lower < rate, "{lower} < {rate}");
    }
}
