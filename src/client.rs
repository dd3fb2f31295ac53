//! The blocking client: build, sign, send through the transport, parse. Every EC2 call goes
//! through [`Client::send`]: one signed attempt after another under the retry driver, on the
//! clock, sleep and jitter the builder injected.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

use crate::credentials::ProvideCredentials;
use crate::http::Url;
use crate::http::{Request, Transport};
use crate::query::{EC2_API_VERSION, FORM_CONTENT_TYPE, QueryBody};
use crate::rate_limit::{ActionLimiter, Grant, Limiter, Monotonic, RateLimits, RetryMode};
use crate::retry::{self, Attempt, Rand, Retrier, RetryConfig, RetryQuota, Sleep};
use crate::sigv4::{SignableRequest, Signer, SigningParams};
use crate::timestamp::Clock;
use crate::{Error, xml};

/// Responses larger than this are refused rather than read into memory. EC2's
/// largest page of associations is far below it.
pub const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// A callback that receives debug lines (the signed request, the response),
/// with the secret, the token and the signature already redacted.
pub(crate) type DebugHook = Arc<dyn Fn(&str) + Send + Sync>;

/// A blocking EC2 client. Cheap to clone: clones share one connection pool,
/// one signing-key cache, one credentials source, and the rate limiter's buckets
/// ([`RateLimits`](crate::RateLimits)).
///
/// [`Client::from_env`] finds region, endpoint and credentials as the AWS CLI
/// does; [`Client::builder`] sets any of them. Every method is one blocking
/// call (or a loop of them) returning `Result<_, `[`Error`]`>`.
///
/// # Single calls
///
/// One method per operation, returning the operation's output struct:
/// [`disassociate_iam_instance_profile`](Client::disassociate_iam_instance_profile),
/// [`associate_iam_instance_profile`](Client::associate_iam_instance_profile),
/// [`replace_iam_instance_profile_association`](Client::replace_iam_instance_profile_association),
/// [`describe_iam_instance_profile_associations`](Client::describe_iam_instance_profile_associations),
/// [`describe_instances`](Client::describe_instances); and by instance id,
/// [`association_for_instance`](Client::association_for_instance) and
/// [`disassociate_instance`](Client::disassociate_instance).
///
/// ```no_run
/// use ec2_lite::{Client, IamInstanceProfileSpecification};
///
/// let client = Client::from_env()?;
/// let out = client.associate_iam_instance_profile("i-1234567890abcdef0", &IamInstanceProfileSpecification::name("web"))?;
/// let assoc = out.iam_instance_profile_association;
/// println!("{} {}", assoc.association_id, assoc.state); // iip-assoc-... associating
///
/// // The same instance, by its id: its association, if it has one.
/// if let Some(current) = client.association_for_instance("i-1234567890abcdef0")?.iam_instance_profile_association {
///     client.disassociate_iam_instance_profile(&current.association_id)?;
/// }
/// # Ok::<(), ec2_lite::Error>(())
/// ```
///
/// # Pages
///
/// The `_pages` methods return an iterator that fetches a page when the last
/// one is used up; `.items()` walks the entries of every page. The first error
/// ends the iteration.
///
/// ```no_run
/// use ec2_lite::{Client, DescribeIamInstanceProfileAssociations};
///
/// let client = Client::from_env()?;
/// let request = DescribeIamInstanceProfileAssociations::new().filter("state", ["associated"]).max_results(100);
/// for assoc in client.describe_iam_instance_profile_associations_pages(&request).items() {
///     let assoc = assoc?;
///     println!("{} {} {}", assoc.association_id, assoc.instance_id, assoc.iam_instance_profile.arn);
/// }
/// # Ok::<(), ec2_lite::Error>(())
/// ```
///
/// # Waiters
///
/// [`wait_until_associated`](Client::wait_until_associated) and
/// [`wait_until_disassociated`](Client::wait_until_disassociated) poll
/// Describe until the association reaches the state, fails or times out
/// ([`Error::WaitFailed`]). No AWS SDK has these waiters. After a replace, wait
/// on the association id the replace returned: EC2 gives the new association a
/// new id.
///
/// ```no_run
/// use std::time::Duration;
/// use ec2_lite::{Client, IamInstanceProfileSpecification, WaitOptions, WaitTarget};
///
/// let client = Client::from_env()?;
/// let new = client.replace_iam_instance_profile_association(
///     "iip-assoc-060bae234aac2e7fa",
///     &IamInstanceProfileSpecification::name("NewProfile"),
/// )?;
/// let target = WaitTarget::AssociationId(new.iam_instance_profile_association.association_id);
/// // Every 5 s, for at most 2 minutes.
/// let done = client.wait_until_associated(&target, &WaitOptions::new(Duration::from_secs(5), Duration::from_secs(120)))?;
/// println!("{}", done.iam_instance_profile_association.state); // associated
/// # Ok::<(), ec2_lite::Error>(())
/// ```
///
/// # Ensure
///
/// An extension of this crate: make instances run with a profile (or none)
/// whatever they have now. It describes, then associates, replaces,
/// disassociates or does nothing, and waits until the change took.
/// [`ensure_instance_profile`](Client::ensure_instance_profile) does one
/// instance, [`ensure_instance_profiles`](Client::ensure_instance_profiles) a
/// fleet with one profile, and
/// [`ensure_desired_profiles`](Client::ensure_desired_profiles) a fleet with a
/// profile per instance. [`EnsureOptions::dry_run`](crate::EnsureOptions::dry_run)
/// returns the plan and writes nothing.
///
/// ```no_run
/// use ec2_lite::{Client, EnsureOptions, IamInstanceProfileSpecification};
///
/// let client = Client::from_env()?;
/// let web = IamInstanceProfileSpecification::name("web");
/// let mut plan = EnsureOptions::default();
/// plan.dry_run = true;
/// let would = client.ensure_instance_profile("i-1234567890abcdef0", Some(&web), &plan)?;
/// println!("would be {}", would.action); // Associated, Replaced, Unchanged or Disassociated
/// let outcome = client.ensure_instance_profile("i-1234567890abcdef0", Some(&web), &EnsureOptions::default())?;
/// println!("{}", outcome.action);
/// # Ok::<(), ec2_lite::Error>(())
/// ```
///
/// # The generic call
///
/// [`call`](Client::call) sends any other EC2 Query action, signed, retried and
/// with errors parsed like every other call, and returns the XML text
/// ([`RawResponse`]).
///
/// ```no_run
/// let client = ec2_lite::Client::from_env()?;
/// let raw = client.call("DescribeInstances", &[("InstanceId.1", "i-1234567890abcdef0")])?;
/// println!("{} {:?}\n{}", raw.status, raw.request_id, raw.body);
/// # Ok::<(), ec2_lite::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// What a client is made of; the builder resolves it.
pub(crate) struct Parts {
    pub(crate) region: String,
    pub(crate) endpoint: Url,
    pub(crate) credentials: Arc<dyn ProvideCredentials>,
    pub(crate) http: Arc<dyn Transport>,
    pub(crate) debug: Option<DebugHook>,
    pub(crate) retry: RetryConfig,
    pub(crate) skew_correction: bool,
    pub(crate) clock: Clock,
    pub(crate) sleep: Sleep,
    pub(crate) rand: Rand,
    pub(crate) monotonic: Monotonic,
    pub(crate) rate_limits: RateLimits,
    pub(crate) retry_mode: RetryMode,
    pub(crate) timeouts: Timeouts,
}

/// The deadlines of a call, as aws-sdk-rust's `TimeoutConfig` has them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// The whole call, retries and their waits included.
    pub(crate) operation: Option<Duration>,
    /// One attempt: connecting, sending, and reading the whole response.
    pub(crate) attempt: Duration,
}

/// The longest one attempt may take by default: botocore's 60 s read timeout, applied to the
/// whole answer rather than to each read, so that a body trickled a byte at a time or an
/// endless run of `102 Processing` ends. See the README's Behaviour section.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

struct Inner {
    http: Arc<dyn Transport>,
    region: String,
    endpoint: Url,
    url: String,
    credentials: Arc<dyn ProvideCredentials>,
    signer: Signer,
    debug: Option<DebugHook>,
    retry: RetryConfig,
    /// Shared by all clones: retries of one call spend what others earned.
    quota: RetryQuota,
    skew_correction: bool,
    /// The server's clock minus ours, learnt from a skew error.
    clock_offset_ms: AtomicI64,
    clock: Clock,
    sleep: Sleep,
    rand: Rand,
    /// What the rate limiter and the operation timeout measure time by.
    monotonic: Monotonic,
    /// Shared by all clones: EC2's buckets are per account, not per handle.
    limiter: Limiter,
    /// Throttling answers received, all actions.
    throttled: AtomicU64,
    timeouts: Timeouts,
}

/// A wait for the rate limiter longer than this is worth a debug line.
const LONG_WAIT: Duration = Duration::from_secs(1);

const SKEW_THRESHOLD_MS: u64 = retry::SKEW_THRESHOLD.as_millis() as u64;

/// An `amz-sdk-invocation-id`: a random UUID v4, the same for every attempt
/// of one call, so the service can tell retries from new calls.
fn invocation_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    // 8-4-4-4-12 hex digits.
    const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for (i, b) in bytes.into_iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(char::from(HEX_LOWER[usize::from(b >> 4)]));
        id.push(char::from(HEX_LOWER[usize::from(b & 0x0f)]));
    }
    id
}

/// The `amz-sdk-request` value: `attempt=1; max=3`.
fn request_header(attempt: u32, max: u32) -> String {
    let mut s = String::with_capacity(24);
    s.push_str("attempt=");
    push_decimal(&mut s, attempt);
    s.push_str("; max=");
    push_decimal(&mut s, max);
    s
}

/// Appends `n` in decimal, as `{n}` would, without the formatting machinery.
fn push_decimal(s: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// The raw result of a Query call that succeeded (HTTP 2xx).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// The response body, XML text.
    pub body: String,
    /// The request id, from the `x-amzn-requestid` header, else from the body.
    pub request_id: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.region)
            .field("endpoint", &self.inner.url)
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client from resolved settings; the builder does the resolving.
    pub(crate) fn from_parts(parts: Parts) -> Client {
        let Parts {
            region,
            endpoint,
            credentials,
            http,
            debug,
            retry,
            skew_correction,
            clock,
            sleep,
            rand,
            monotonic,
            rate_limits,
            retry_mode,
            timeouts,
        } = parts;
        let url = endpoint.url();
        let limiter = Limiter::new(rate_limits, retry_mode, monotonic());
        Client {
            inner: Arc::new(Inner {
                http,
                region,
                endpoint,
                url,
                credentials,
                signer: Signer::new(),
                debug,
                retry,
                quota: RetryQuota::default(),
                skew_correction,
                clock_offset_ms: AtomicI64::new(0),
                clock,
                sleep,
                rand,
                monotonic,
                limiter,
                throttled: AtomicU64::new(0),
                timeouts,
            }),
        }
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// Tokens left in the retry quota shared by this client and its clones
    /// (500 when full; a retry spends 5 or 14, a success gives back).
    #[cfg(any(test, feature = "_test"))]
    #[doc(hidden)]
    pub fn retry_quota_tokens(&self) -> u32 {
        self.inner.quota.available()
    }

    /// Throttling answers (such as EC2's 503 `RequestLimitExceeded`) this client and its clones
    /// have received, all actions and attempts counted; each was retried while the retry policy
    /// and quota allowed.
    pub fn throttled_responses(&self) -> u64 {
        self.inner.throttled.load(Ordering::Relaxed)
    }

    /// The retry mode the client was built with.
    pub fn retry_mode(&self) -> RetryMode {
        self.inner.limiter.mode()
    }

    /// The offset, in milliseconds, applied to the local clock when signing,
    /// learnt from a clock-skew error (0 until one happens).
    #[cfg(any(test, feature = "_test"))]
    #[doc(hidden)]
    pub fn clock_offset_ms(&self) -> i64 {
        self.inner.clock_offset_ms.load(Ordering::Relaxed)
    }

    /// The URL requests are sent to.
    pub fn endpoint_url(&self) -> &str {
        &self.inner.url
    }

    /// Sends any EC2 Query action, signed like every other call, and returns
    /// the XML text. An error document from EC2 comes back as [`Error::Service`].
    /// This is the escape hatch for actions this crate does not model.
    ///
    /// ```no_run
    /// let client = ec2_lite::Client::from_env()?;
    /// let raw = client.call("DescribeRegions", &[("RegionName.1", "us-east-1")])?;
    /// println!("{}", raw.body);
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// See [`Error`]: service errors, transport failures, missing credentials.
    pub fn call(&self, action: &str, params: &[(&str, &str)]) -> Result<RawResponse, Error> {
        if action.is_empty() || !action.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid_input(format!("invalid action name {action:?}")));
        }
        let mut body = QueryBody::new(action, EC2_API_VERSION);
        for (k, v) in params {
            body.push(k, v);
        }
        let mut raw = self.send(body)?;
        // EC2 writes the id in the body too, the same as its header's: the body
        // is parsed for it only when the header is missing.
        if raw.request_id.is_none() {
            raw.request_id = xml::parse(&raw.body).ok().and_then(|d| xml::request_id(d.root_element()));
        }
        Ok(raw)
    }

    /// Signs and sends a Query body, retrying as the SDKs' standard mode does
    /// and correcting for a skewed clock; parses an error document on failure.
    pub(crate) fn send(&self, body: QueryBody) -> Result<RawResponse, Error> {
        let inner = &*self.inner;
        let started = (inner.monotonic)();
        let limiter = inner.limiter.for_action(body.action(), || started);
        let body = body.into_string();
        let max = inner.retry.max_attempts.max(1);
        let invocation_id = invocation_id();
        let mut skew_corrected = false;
        // With an operation timeout, a wait between attempts never runs past it either.
        let sleep = match inner.timeouts.operation {
            None => Arc::clone(&inner.sleep),
            Some(limit) => {
                let (sleep, monotonic) = (Arc::clone(&inner.sleep), Arc::clone(&inner.monotonic));
                Arc::new(move |d: Duration| sleep(d.min(limit.saturating_sub(monotonic().saturating_sub(started)))))
                    as Sleep
            }
        };
        let retrier = Retrier { policy: &inner.retry, quota: Some(&inner.quota), sleep: &sleep, rand: &inner.rand };
        let on_retry = |err: &Error, attempt: u32, delay: Option<Duration>| match delay {
            Some(delay) => {
                self.debug(|| format!("attempt {attempt} failed ({err}); retrying in {} ms", delay.as_millis()))
            }
            None => self.debug(|| "retry quota exhausted; not retrying".to_owned()),
        };
        retry::run(&retrier, on_retry, |attempt| {
            // The first attempt starts when the call did: one reading of the clock fewer.
            let mut now = if attempt == 1 || (limiter.is_none() && inner.timeouts.operation.is_none()) {
                started
            } else {
                (inner.monotonic)()
            };
            if let Some(limiter) = &limiter {
                match self.wait_for_token(limiter, now, started) {
                    Ok(waited) => now += waited,
                    Err(e) => return Attempt::Fail(e),
                }
            }
            // The operation's deadline bounds every attempt, and ends the call when it passes.
            let mut budget = inner.timeouts.attempt;
            if let Some(limit) = inner.timeouts.operation {
                let left = limit.saturating_sub(now.saturating_sub(started));
                if left.is_zero() {
                    return Attempt::Fail(operation_timed_out(limit));
                }
                budget = budget.min(left);
            }
            let (result, skew_ms, retry_after) = self.attempt(&body, &invocation_id, attempt, max, budget);
            // EC2's answers only: a credential source's own throttling never reached EC2.
            let throttled = matches!(&result, Err(e) if !matches!(e, Error::Credentials(_)) && e.is_throttling());
            if throttled {
                inner.throttled.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(limiter) = &limiter
                && limiter.is_adaptive()
                && !matches!(result, Err(Error::Credentials(_)))
                && let Some((rate, measured)) = limiter.on_response((inner.monotonic)(), now, throttled)
            {
                self.debug(|| {
                    format!(
                        "throttled on {}: adaptive send rate now {rate:.2}/s (measured {measured:.2}/s)",
                        limiter.action()
                    )
                });
            }
            let result = match (result, inner.timeouts.operation) {
                (Err(Error::Transport(t)), Some(limit))
                    if t.kind() == crate::TransportErrorKind::Timeout
                        && (inner.monotonic)().saturating_sub(started) >= limit =>
                {
                    return Attempt::Fail(operation_timed_out(limit));
                }
                (result, _) => result,
            };
            let err = match result {
                Ok(raw) => return Attempt::Done(raw),
                // The source retried already, as its own policy says.
                Err(e @ Error::Credentials(_)) => return Attempt::Fail(e),
                Err(e) => e,
            };
            // A clock off by minutes makes every signature stale: measure the
            // offset from the server's Date, re-sign and try once more.
            if inner.skew_correction
                && !skew_corrected
                && retry::is_skew_error(&err)
                && let Some(skew) = skew_ms
                && skew.abs_diff(inner.clock_offset_ms.load(Ordering::Relaxed)) >= SKEW_THRESHOLD_MS
            {
                inner.clock_offset_ms.store(skew, Ordering::Relaxed);
                skew_corrected = true;
                self.debug(|| format!("clock skew of {skew} ms detected; re-signing with the server's time"));
                return Attempt::Again;
            }
            retry::retry_if_retryable(err, retry_after)
        })
        .map_err(|e| e.error.with_attempts(e.attempts))
    }

    /// Takes the action's token, waiting for it when the bucket is empty: how long it waited.
    /// A token that would come after the operation's deadline fails the call at once.
    fn wait_for_token(&self, limiter: &ActionLimiter, now: Duration, started: Duration) -> Result<Duration, Error> {
        let inner = &*self.inner;
        let deadline = inner.timeouts.operation.map(|limit| started.saturating_add(limit));
        let mut waited = Duration::ZERO;
        loop {
            let grant = limiter.acquire(now + waited, deadline).map_err(|_| {
                let limit = inner.timeouts.operation.unwrap_or_default();
                self.debug(|| {
                    format!("the rate limit of {} has no token before the operation timeout", limiter.action())
                });
                operation_timed_out(limit)
            })?;
            let (wait, again) = match grant {
                Grant::At(wait) => (wait, false),
                Grant::Again(wait) => (wait, true),
            };
            if !again && wait > LONG_WAIT {
                self.debug(|| {
                    format!("waiting {} ms for the client-side rate limit of {}", wait.as_millis(), limiter.action())
                });
            }
            if !wait.is_zero() {
                (inner.sleep)(wait);
            }
            waited += wait;
            if !again {
                return Ok(waited);
            }
        }
    }

    fn debug(&self, line: impl FnOnce() -> String) {
        if let Some(debug) = &self.inner.debug {
            debug(&line());
        }
    }

    /// The time now, by the injected clock.
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from((self.inner.clock)())
    }

    /// The monotonic time, by the injected clock: what the waiters and ensure measure their
    /// delays and deadlines by, as the rate limiter and the retries do.
    pub(crate) fn monotonic_now(&self) -> Duration {
        (self.inner.monotonic)()
    }

    /// Waits `d` through the injected sleep.
    pub(crate) fn sleep(&self, d: Duration) {
        (self.inner.sleep)(d)
    }

    /// A number in [0, 1) for jitter, from the injected source.
    pub(crate) fn jitter(&self) -> f64 {
        (self.inner.rand)()
    }

    /// One signed request and its response; with a failure, the measured clock skew (when
    /// the response allows measuring it) and `x-amz-retry-after`.
    fn attempt(
        &self,
        body: &str,
        invocation_id: &str,
        attempt: u32,
        max: u32,
        budget: Duration,
    ) -> (Result<RawResponse, Error>, Option<i64>, Option<Duration>) {
        let inner = &*self.inner;
        let credentials = match inner.credentials.provide_credentials() {
            Ok(c) => c,
            Err(e) => return (Err(e), None, None),
        };
        let signable = SignableRequest::new("POST", &inner.endpoint.authority, &inner.endpoint.path)
            .borrowed_header("content-type", FORM_CONTENT_TYPE)
            .body(body.as_bytes());
        // Signed with the injected clock, corrected by any skew measured.
        let sent = self.now();
        let offset = time::Duration::milliseconds(inner.clock_offset_ms.load(Ordering::Relaxed));
        let signed =
            inner.signer.sign(&signable, &SigningParams::new(&credentials, &inner.region, "ec2", sent + offset));
        // No access key: `ClientBuilder::sign_requests(false)`, sent unsigned as botocore's UNSIGNED.
        let signed_headers = if credentials.access_key_id().is_empty() { &[][..] } else { signed.headers() };
        let request_header = request_header(attempt, max);

        if let Some(debug) = &inner.debug {
            debug(&format!("request: POST {}", inner.url));
            debug(&format!("  host: {}", inner.endpoint.authority));
            debug(&format!("  content-type: {FORM_CONTENT_TYPE}"));
            debug(&format!("  user-agent: {}", crate::query::user_agent()));
            debug(&format!("  amz-sdk-invocation-id: {invocation_id}"));
            debug(&format!("  amz-sdk-request: {request_header}"));
            for (name, value) in signed_headers {
                debug(&format!("  {name}: {}", redact_header(name, value)));
            }
            debug(&format!("  body: {body}"));
        }

        let mut request = Request::new("POST", &inner.url)
            // The host signed, sent as signed (ureq would otherwise format the same again).
            .header("host", inner.endpoint.authority.as_str())
            .header("content-type", FORM_CONTENT_TYPE)
            .header("amz-sdk-invocation-id", invocation_id)
            .header("amz-sdk-request", request_header.as_str())
            .body(body.as_bytes())
            .body_limit(MAX_RESPONSE_BYTES)
            .total_timeout(budget);
        for (name, value) in signed_headers {
            request = request.header(name, value.as_str());
        }
        let response = match inner.http.send(&request) {
            Ok(r) => r,
            Err(e) => return (Err(e), None, None),
        };
        let received = self.now();
        let status = response.status;
        let request_id = response.request_id().map(str::to_owned);
        if let Some(debug) = &inner.debug {
            debug(&format!("response: http {status}"));
            if let Some(id) = &request_id {
                debug(&format!("  x-amzn-requestid: {id}"));
            }
            if let Some(d) = response.header("date") {
                debug(&format!("  date: {d}"));
            }
            debug(&format!("  body: {}", crate::escape(&response.body)));
        }

        if response.is_success() {
            // The header's id for now: the operation's parser reads the body's
            // anyway, and parsing every body twice cost a third of a call.
            // A body that is not UTF-8 is refused, as the SDKs do, not patched with U+FFFD.
            return match String::from_utf8(response.body) {
                Ok(body) => (Ok(RawResponse { status, body, request_id }), None, None),
                Err(e) => {
                    let reason = format!("the body is not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to());
                    (Err(Error::malformed(status, &reason, e.as_bytes(), request_id)), None, None)
                }
            };
        }
        // What a failure carries for the retry loop: the server's clock and its own delay.
        let skew_ms =
            retry::measure_skew(response.header("date"), response.headers.contains_key("age"), sent, received);
        let retry_after =
            response.header("x-amz-retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_millis);
        let text = String::from_utf8_lossy(&response.body);
        let err = match xml::service_error(status, &text, request_id.as_deref()) {
            Some(e) => Error::Service(e),
            None => Error::unexpected(status, "not an AWS error document", &response.body, request_id),
        };
        (Err(err), skew_ms, retry_after)
    }

    /// Sends `body` and parses a 2xx answer with `parse`, wrapping a parse
    /// failure in [`Error::MalformedResponse`].
    pub(crate) fn send_and_parse<T>(
        &self,
        body: QueryBody,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, Error> {
        let raw = self.send(body)?;
        parse(&raw.body)
            .map_err(|reason| Error::malformed(raw.status, &reason, raw.body.as_bytes(), raw.request_id.clone()))
    }
}

/// The error of a call that passed its operation timeout.
fn operation_timed_out(limit: Duration) -> Error {
    let message = format!("the operation did not complete within its timeout of {:.1}s", limit.as_secs_f64());
    Error::Transport(crate::error::TransportError::new(crate::TransportErrorKind::Timeout, message))
}

/// Header values safe to print: the signature and the token are cut out.
pub(crate) fn redact_header(name: &str, value: &str) -> String {
    match name {
        "authorization" => match value.rfind("Signature=") {
            Some(i) => format!("{}Signature=** redacted **", &value[..i]),
            None => "** redacted **".to_owned(),
        },
        "x-amz-security-token" => "** redacted **".to_owned(),
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Response;
    use crate::{Credentials, RateLimit};
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    /// Answers request n (from 0) with `reply(n)`: a status and a body.
    struct Scripted {
        reply: Box<dyn Fn(usize) -> (u16, &'static str) + Send + Sync>,
        sent: AtomicUsize,
    }

    impl fmt::Debug for Scripted {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Scripted")
        }
    }

    impl Transport for Scripted {
        fn send(&self, _request: &Request<'_>) -> Result<crate::http::Response, Error> {
            let (status, body) = (self.reply)(self.sent.fetch_add(1, Ordering::SeqCst));
            Ok(Response { status, headers: Default::default(), body: body.as_bytes().to_vec() })
        }
    }

    const THROTTLED: &str = "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit \
                             exceeded.</Message></Error></Errors><RequestID>x</RequestID></Response>";

    /// A fake monotonic time that only the client's sleeps move, the sleeps (not the zero
    /// ones: a backoff jittered to nothing) and the debug lines.
    #[derive(Default)]
    struct Fake {
        now: Mutex<Duration>,
        sleeps: Mutex<Vec<Duration>>,
        lines: Mutex<Vec<String>>,
    }

    impl Fake {
        fn sleeps(&self) -> Vec<u128> {
            std::mem::take(&mut *self.sleeps.lock().unwrap()).iter().map(Duration::as_millis).collect()
        }
    }

    fn client(
        reply: impl Fn(usize) -> (u16, &'static str) + Send + Sync + 'static,
        limits: RateLimits,
        retry_mode: RetryMode,
        operation: Option<Duration>,
    ) -> (Client, Arc<Fake>, Arc<Scripted>) {
        let fake = Arc::new(Fake::default());
        let http = Arc::new(Scripted { reply: Box::new(reply), sent: AtomicUsize::new(0) });
        let (f1, f2, f3) = (Arc::clone(&fake), Arc::clone(&fake), Arc::clone(&fake));
        let client = Client::from_parts(Parts {
            region: "us-east-1".into(),
            endpoint: Url::endpoint("http://127.0.0.1:1").unwrap(),
            credentials: Arc::new(Credentials::new("AKIDEXAMPLE", "SECRET", None)),
            http: Arc::clone(&http) as Arc<dyn Transport>,
            debug: Some(Arc::new(move |line: &str| {
                if !line.starts_with(' ') && !line.starts_with("request") && !line.starts_with("response") {
                    f3.lines.lock().unwrap().push(line.to_owned());
                }
            })),
            retry: RetryConfig::default(),
            skew_correction: false,
            clock: Arc::new(|| std::time::UNIX_EPOCH + Duration::from_secs(1_795_608_000)),
            sleep: Arc::new(move |d: Duration| {
                if !d.is_zero() {
                    *f1.now.lock().unwrap() += d;
                    f1.sleeps.lock().unwrap().push(d);
                }
            }),
            rand: Arc::new(|| 0.0),
            monotonic: Arc::new(move || *f2.now.lock().unwrap()),
            rate_limits: limits,
            retry_mode,
            timeouts: Timeouts { operation, attempt: DEFAULT_ATTEMPT_TIMEOUT },
        });
        (client, fake, http)
    }

    const DISASSOCIATE: &str = "DisassociateIamInstanceProfile";
    const DESCRIBE: &str = "DescribeIamInstanceProfileAssociations";
    const OK: (u16, &str) = (200, "<DisassociateIamInstanceProfileResponse/>");

    fn disassociate(c: &Client) -> Result<RawResponse, Error> {
        c.call(DISASSOCIATE, &[("AssociationId", "iip-assoc-1")])
    }

    #[test]
    fn clones_share_the_bucket_and_wait_through_the_injected_sleep() {
        let limits = RateLimits::ec2_documented().with(DISASSOCIATE, RateLimit::new(2, 5.0));
        let (a, fake, _) = client(|_| OK, limits, RetryMode::Standard, None);
        let b = a.clone();
        for c in [&a, &b, &a, &b] {
            disassociate(c).unwrap();
        }
        // Two at once, then one every 200 ms, whichever clone asks.
        assert_eq!(fake.sleeps(), [200, 200]);
        // Describe has its own bucket: not held up by Disassociate's.
        b.call(DESCRIBE, &[]).unwrap();
        assert_eq!(fake.sleeps(), Vec::<u128>::new());
        assert!(fake.lines.lock().unwrap().is_empty(), "short waits are not worth a line");
    }

    #[test]
    fn retries_take_tokens_too_and_throttles_are_counted() {
        let limits = RateLimits::none().with(DISASSOCIATE, RateLimit::new(1, 1.0));
        let (c, fake, http) = client(|n| if n < 2 { (503, THROTTLED) } else { OK }, limits, RetryMode::Standard, None);
        disassociate(&c.clone()).unwrap();
        // Three attempts (the backoff jittered to 0): the second and third waited a token each.
        assert_eq!(http.sent.load(Ordering::SeqCst), 3);
        assert_eq!(fake.sleeps(), [1000, 1000]);
        assert_eq!(c.throttled_responses(), 2);
        // Pacing off: no wait, whatever the burst.
        let (c, fake, _) = client(|_| OK, RateLimits::none(), RetryMode::Standard, None);
        for _ in 0..1000 {
            disassociate(&c).unwrap();
        }
        assert_eq!((fake.sleeps().len(), c.throttled_responses()), (0, 0));
    }

    #[test]
    fn the_operation_timeout_bounds_the_wait_for_a_token() {
        let limits = RateLimits::none().with(DISASSOCIATE, RateLimit::new(1, 0.1));
        let (c, fake, http) = client(|_| OK, limits.clone(), RetryMode::Standard, Some(Duration::from_secs(5)));
        disassociate(&c).unwrap();
        // The next token is 10 s away: the call fails now, as past its timeout, without waiting.
        let e = disassociate(&c).unwrap_err();
        assert!(matches!(&e, Error::Transport(t) if t.kind() == crate::TransportErrorKind::Timeout), "{e}");
        assert!(e.to_string().contains("the operation did not complete within its timeout of 5.0s"), "{e}");
        assert_eq!((fake.sleeps().len(), http.sent.load(Ordering::SeqCst)), (0, 1));
        // Within a longer timeout it waits, and a wait over a second is a debug line.
        let (c, fake, _) = client(|_| OK, limits, RetryMode::Standard, Some(Duration::from_secs(20)));
        disassociate(&c).unwrap();
        disassociate(&c).unwrap();
        assert_eq!(fake.sleeps(), [10_000]);
        assert_eq!(
            *fake.lines.lock().unwrap(),
            ["waiting 10000 ms for the client-side rate limit of DisassociateIamInstanceProfile"]
        );
    }

    #[test]
    fn adaptive_mode_paces_an_action_after_its_first_throttle() {
        let (c, fake, _) =
            client(|n| if n == 3 { (503, THROTTLED) } else { OK }, RateLimits::none(), RetryMode::Adaptive, None);
        assert_eq!(c.retry_mode(), RetryMode::Adaptive);
        for _ in 0..3 {
            disassociate(&c).unwrap();
        }
        assert_eq!(fake.sleeps(), Vec::<u128>::new(), "off until a throttle");
        // Throttled with nothing measured yet (the clock has not moved): botocore's floor of
        // 0.5/s, capacity 1, from an empty bucket: the retry waits 2 s. Its success at 2 s
        // measures 5 calls in 2 s (2.5/s, smoothed to 2) and CUBIC grows to 0.4 × 2³ = 3.2/s,
        // under twice the measured rate: the next call waits 1/3.2 s. The adaptive bucket
        // books nothing ahead: a caller asks again at least every 250 ms, so that a rate grown
        // back meanwhile serves it sooner.
        disassociate(&c).unwrap();
        let first: Vec<Duration> = fake.sleeps.lock().unwrap().clone();
        disassociate(&c).unwrap();
        let all: Vec<Duration> = fake.sleeps.lock().unwrap().clone();
        assert!(all.iter().all(|d| *d <= crate::rate_limit::ADAPTIVE_RECHECK), "{all:?}");
        assert_eq!(first.iter().sum::<Duration>(), Duration::from_secs(2), "{first:?}");
        assert_eq!(all[first.len()..].iter().sum::<Duration>(), Duration::from_nanos(312_500_000), "{all:?}");
        fake.sleeps();
        assert_eq!(c.throttled_responses(), 1);
        // The retry's own line aside: what the limiter said.
        let lines = fake.lines.lock().unwrap().clone();
        let limiter_lines: Vec<&str> = lines.iter().map(String::as_str).filter(|l| !l.starts_with("attempt")).collect();
        assert_eq!(
            limiter_lines,
            ["throttled on DisassociateIamInstanceProfile: adaptive send rate now 0.50/s (measured 0.00/s)"]
        );
        // Describe has not been throttled: not paced.
        for _ in 0..3 {
            c.call(DESCRIBE, &[]).unwrap();
        }
        assert_eq!(fake.sleeps(), Vec::<u128>::new());
    }

    #[test]
    fn client_is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Client>();
    }

    #[test]
    fn redaction() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef";
        let r = redact_header("authorization", auth);
        assert!(!r.contains("abcdef") && r.contains("Credential=AKID"));
        assert_eq!(redact_header("x-amz-security-token", "tok"), "** redacted **");
    }

    #[test]
    fn invocation_ids_are_version_4_uuids() {
        let (a, b) = (invocation_id(), invocation_id());
        assert_ne!(a, b);
        for id in [a, b] {
            let groups: Vec<&str> = id.split('-').collect();
            assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{id}");
            assert!(id.bytes().all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)), "{id}");
            assert!(groups[2].starts_with('4'), "{id}");
            assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "{id}");
        }
    }

    #[test]
    fn request_header_counts_in_decimal() {
        assert_eq!(request_header(1, 3), "attempt=1; max=3");
        assert_eq!(request_header(10, 100), "attempt=10; max=100");
        assert_eq!(request_header(0, u32::MAX), "attempt=0; max=4294967295");
    }
}
