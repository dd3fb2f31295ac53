//! The blocking client: build, sign, POST with ureq, parse. The only file that
//! talks HTTP to EC2, and the only place the clock is read for signing.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

use crate::builder::ClientBuilder;
use crate::config::Endpoint;
use crate::credentials::ProvideCredentials;
use crate::http::transport_error;
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::retry::{self, RetryConfig, RetryQuota};

use crate::sigv4::{SignableRequest, Signer, SigningParams};
use crate::{Error, xml};

/// Content type of every Query request.
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Responses larger than this are refused rather than read into memory. EC2's
/// largest page of associations is far below it.
pub const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// Default connect timeout, the AWS SDKs' standard mode value.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Default read timeout (per read), botocore's value.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A callback that receives debug lines (the signed request, the response),
/// with the secret, the token and the signature already redacted.
pub type DebugHook = Arc<dyn Fn(&str) + Send + Sync>;

/// A blocking EC2 client. Cheap to clone: clones share one connection pool,
/// one signing-key cache and one credentials source.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    agent: ureq::Agent,
    region: String,
    endpoint: Endpoint,
    url: String,
    credentials: Arc<dyn ProvideCredentials>,
    signer: Signer,
    user_agent: String,
    debug: Option<DebugHook>,
    retry: RetryConfig,
    /// Shared by all clones: retries of one call spend what others earned.
    quota: RetryQuota,
    skew_correction: bool,
    /// The server's clock minus ours, learnt from a skew error.
    clock_offset_ms: AtomicI64,
    sleep: Sleep,
}

/// How the client waits between attempts.
pub(crate) type Sleep = Arc<dyn Fn(Duration) + Send + Sync>;

/// What one attempt produced.
struct Attempt {
    result: Result<RawResponse, Error>,
    /// The measured clock skew, when the response allows measuring it.
    skew_ms: Option<i64>,
    /// `x-amz-retry-after`, when the server sent one.
    retry_after: Option<Duration>,
}

const SKEW_THRESHOLD_MS: u64 = retry::SKEW_THRESHOLD.as_millis() as u64;

/// A random number in [0, 1) for backoff jitter. std's `RandomState` is
/// seeded from the OS once and varies per instance; plenty for jitter.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// An `amz-sdk-invocation-id`: a random UUID v4, the same for every attempt
/// of one call, so the service can tell retries from new calls.
fn invocation_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The raw result of a Query call that succeeded (HTTP 2xx).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// The response body, XML text.
    pub body: String,
    /// The request id, from the body or the `x-amzn-requestid` header.
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
    /// A client configured the way the AWS SDKs configure one: credentials
    /// from the [`DefaultCredentialsChain`](crate::DefaultCredentialsChain)
    /// (environment, profile files, web identity, containers, IMDS); region
    /// from `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile, then IMDS;
    /// endpoint from `AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL`, the profile's
    /// settings, else the region's EC2 endpoint.
    ///
    /// # Errors
    /// [`Error::Config`] when the region or the credentials cannot be found,
    /// or a variable holds a bad value.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::new().build()
    }

    /// A builder, to set credentials, region, endpoint or timeouts by hand.
    /// Whatever is not set is taken from the environment, as [`Client::from_env`] does.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client from resolved settings; the builder does the resolving.
    pub(crate) fn from_parts(
        region: String,
        endpoint: Endpoint,
        credentials: Arc<dyn ProvideCredentials>,
        agent: ureq::Agent,
        debug: Option<DebugHook>,
        retry: RetryConfig,
        skew_correction: bool,
    ) -> Client {
        let url = endpoint.url();
        Client {
            inner: Arc::new(Inner {
                agent,
                region,
                endpoint,
                url,
                credentials,
                signer: Signer::new(),
                user_agent: crate::http::user_agent(),
                debug,
                retry,
                quota: RetryQuota::default(),
                skew_correction,
                clock_offset_ms: AtomicI64::new(0),
                sleep: Arc::new(std::thread::sleep),
            }),
        }
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// Tokens left in the retry quota shared by this client and its clones
    /// (500 when full; a retry spends 5 or 14, a success gives back).
    pub fn retry_quota_tokens(&self) -> u32 {
        self.inner.quota.available()
    }

    /// The offset, in milliseconds, applied to the local clock when signing,
    /// learnt from a clock-skew error (0 until one happens).
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
        // EC2 writes the id in the body too; it is the one AWS support knows.
        if let Some(id) = xml::parse(&raw.body).ok().and_then(|d| xml::request_id(d.root_element())) {
            raw.request_id = Some(id);
        }
        Ok(raw)
    }

    /// Signs and sends a Query body, retrying as the SDKs' standard mode does
    /// and correcting for a skewed clock; parses an error document on failure.
    pub(crate) fn send(&self, body: QueryBody) -> Result<RawResponse, Error> {
        let inner = &*self.inner;
        let body = body.into_string();
        let max = inner.retry.max_attempts.max(1);
        let invocation_id = invocation_id();
        let mut attempt = 0u32;
        let mut skew_corrected = false;
        let mut retry_cost: Option<u32> = None;
        loop {
            attempt += 1;
            let outcome = self.attempt(&body, &invocation_id, attempt, max);
            let err = match outcome.result {
                Ok(raw) => {
                    inner.quota.release(retry_cost);
                    return Ok(raw);
                }
                Err(e) => e,
            };
            // A clock off by minutes makes every signature stale: measure the
            // offset from the server's Date, re-sign and try once more.
            if inner.skew_correction
                && !skew_corrected
                && retry::is_skew_error(&err)
                && let Some(skew) = outcome.skew_ms
                && skew.abs_diff(inner.clock_offset_ms.load(Ordering::Relaxed)) >= SKEW_THRESHOLD_MS
            {
                inner.clock_offset_ms.store(skew, Ordering::Relaxed);
                skew_corrected = true;
                self.debug(|| format!("clock skew of {skew} ms detected; re-signing with the server's time"));
                continue;
            }
            let Some(kind) = retry::classify(&err) else {
                return Err(err.with_attempts(attempt));
            };
            if attempt >= max + u32::from(skew_corrected) {
                return Err(err.with_attempts(attempt));
            }
            let Some(cost) = inner.quota.acquire(kind) else {
                self.debug(|| "retry quota exhausted; not retrying".to_owned());
                return Err(err.with_attempts(attempt));
            };
            retry_cost = Some(cost);
            let delay = retry::backoff(&inner.retry, kind, attempt, jitter(), outcome.retry_after);
            self.debug(|| format!("attempt {attempt} failed ({err}); retrying in {} ms", delay.as_millis()));
            (inner.sleep)(delay);
        }
    }

    fn debug(&self, line: impl FnOnce() -> String) {
        if let Some(debug) = &self.inner.debug {
            debug(&line());
        }
    }

    /// One signed request and its response.
    fn attempt(&self, body: &str, invocation_id: &str, attempt: u32, max: u32) -> Attempt {
        let inner = &*self.inner;
        let mut outcome = Attempt { result: Err(Error::config("")), skew_ms: None, retry_after: None };
        let credentials = match inner.credentials.provide_credentials() {
            Ok(c) => c,
            Err(e) => {
                outcome.result = Err(e);
                return outcome;
            }
        };
        let headers = [("content-type", FORM_CONTENT_TYPE)];
        let request = SignableRequest::new("POST", &inner.endpoint.authority, &inner.endpoint.path)
            .headers(&headers)
            .body(body.as_bytes());
        // The one place the clock is read, corrected by any skew measured.
        let sent = OffsetDateTime::now_utc();
        let offset = time::Duration::milliseconds(inner.clock_offset_ms.load(Ordering::Relaxed));
        let signed =
            inner.signer.sign(&request, &SigningParams::new(&credentials, &inner.region, "ec2", sent + offset));
        // No access key: `ClientBuilder::sign_requests(false)`, sent unsigned as botocore's UNSIGNED.
        let signed_headers = if credentials.access_key_id().is_empty() { &[][..] } else { signed.headers() };
        let request_header = format!("attempt={attempt}; max={max}");

        if let Some(debug) = &inner.debug {
            debug(&format!("request: POST {}", inner.url));
            debug(&format!("  host: {}", inner.endpoint.authority));
            debug(&format!("  content-type: {FORM_CONTENT_TYPE}"));
            debug(&format!("  user-agent: {}", inner.user_agent));
            debug(&format!("  amz-sdk-invocation-id: {invocation_id}"));
            debug(&format!("  amz-sdk-request: {request_header}"));
            for (name, value) in signed_headers {
                debug(&format!("  {name}: {}", redact_header(name, value)));
            }
            debug(&format!("  body: {body}"));
        }

        let mut req = inner
            .agent
            .post(&inner.url)
            .header("content-type", FORM_CONTENT_TYPE)
            .header("amz-sdk-invocation-id", invocation_id)
            .header("amz-sdk-request", &request_header);
        for (name, value) in signed_headers {
            req = req.header(*name, value.as_str());
        }
        let response = match req.send(body.as_bytes()) {
            Ok(r) => r,
            Err(e) => {
                outcome.result = Err(transport_error(e));
                return outcome;
            }
        };
        let received = OffsetDateTime::now_utc();
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let header_request_id = header("x-amzn-requestid").or_else(|| header("x-amz-request-id"));
        let date = header("date");
        let has_age = response.headers().contains_key("age");
        outcome.retry_after =
            header("x-amz-retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_millis);
        let bytes = match response.into_body().with_config().limit(MAX_RESPONSE_BYTES).read_to_vec() {
            Ok(b) => b,
            Err(e) => {
                outcome.result = Err(transport_error(e));
                return outcome;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        if let Some(debug) = &inner.debug {
            debug(&format!("response: http {status}"));
            if let Some(id) = &header_request_id {
                debug(&format!("  x-amzn-requestid: {id}"));
            }
            if let Some(d) = &date {
                debug(&format!("  date: {d}"));
            }
            debug(&format!("  body: {text}"));
        }

        if (200..300).contains(&status) {
            // The header's id for now: the operation's parser reads the body's
            // anyway, and parsing every body twice cost a third of a call.
            outcome.result = Ok(RawResponse { status, body: text, request_id: header_request_id });
            return outcome;
        }
        outcome.skew_ms = retry::measure_skew(date.as_deref(), has_age, sent, received);
        outcome.result = match xml::service_error(status, &text, header_request_id.as_deref()) {
            Some(e) => Err(Error::Service(e)),
            None => Err(unexpected(status, "not an AWS error document", &text, header_request_id)),
        };
        outcome
    }

    /// Sends `body` and parses a 2xx answer with `parse`, wrapping a parse
    /// failure in [`Error::UnexpectedResponse`].
    pub(crate) fn send_and_parse<T>(
        &self,
        body: QueryBody,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, Error> {
        let raw = self.send(body)?;
        parse(&raw.body).map_err(|reason| unexpected(raw.status, &reason, &raw.body, raw.request_id.clone()))
    }
}

/// An [`Error::UnexpectedResponse`] holding the start of the body.
pub(crate) fn unexpected(status: u16, reason: &str, body: &str, request_id: Option<String>) -> Error {
    let mut end = body.len().min(512);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    Error::UnexpectedResponse {
        status,
        reason: reason.to_owned(),
        body_start: body[..end].to_owned(),
        request_id,
        attempts: 1,
    }
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
}
