//! The transport: every request of this crate (EC2's, and the credential sources') goes
//! through one runner, [`HttpClient`], behind the crate-private [`Transport`] trait that tests
//! replace. `agent.rs` builds the ureq agent (timeouts, buffers), `proxy.rs` chooses a proxy
//! per request, `tls.rs` and `ca_bundle.rs` make the TLS connections and their trust roots,
//! `url.rs` is the one URL type.

mod agent;
mod ca_bundle;
mod proxy;
mod tls;
mod url;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{TransportError, TransportErrorKind};
use crate::{Error, xml};
pub use agent::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT};
pub(crate) use agent::{HttpSettings, agent, empty_ca_bundle};
pub(crate) use ca_bundle::TrustRoots;
pub(crate) use url::Url;

/// Sends one request and reads its response whole: the seam between the crate and the
/// network. [`HttpClient`] is the real one; tests put their own in its place (as ureq's test
/// connector does), to send every request to a loopback server.
pub(crate) trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the response, its body capped at the request's limit.
    fn send(&self, request: &Request<'_>) -> Result<Response, Error>;
}

/// The one request runner: an agent and its settings. The EC2 client's agent is built for its
/// endpoint (proxy included); the credential sources' chooses a proxy per request.
#[derive(Clone)]
pub(crate) struct HttpClient {
    agent: ureq::Agent,
    settings: Arc<HttpSettings>,
    /// Every request goes to the endpoint the agent was built for: its proxy and timeouts
    /// are the agent's, and no request needs configuring.
    one_endpoint: bool,
    /// The agent's bound on a whole exchange: a request asking for the same needs no
    /// configuring of its own.
    total: Option<Duration>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// One request. Headers may be borrowed (EC2's signed headers) or owned.
#[derive(Clone)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'static str,
    pub(crate) url: &'a str,
    /// Names lowercase. Values may be secrets: never print a request whole.
    pub(crate) headers: Vec<(&'static str, Cow<'a, str>)>,
    pub(crate) body: Option<&'a [u8]>,
    /// Connect and read timeouts, when not the client's.
    pub(crate) timeouts: Option<(Duration, Duration)>,
    /// The longest the whole exchange may take, body included: a server that trickles its
    /// body or sends `102 Processing` for ever is cut off at this.
    pub(crate) total: Option<Duration>,
    /// The largest body read; a larger one is refused.
    pub(crate) body_limit: u64,
}

impl<'a> Request<'a> {
    pub(crate) fn new(method: &'static str, url: &'a str) -> Self {
        Request {
            method,
            url,
            // An EC2 request has seven.
            headers: Vec::with_capacity(8),
            body: None,
            timeouts: None,
            total: None,
            body_limit: MAX_CREDENTIALS_RESPONSE_BYTES,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<Cow<'a, str>>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn body(mut self, body: &'a [u8]) -> Self {
        self.body = Some(body);
        self
    }

    pub(crate) fn timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.timeouts = Some((connect, read));
        self
    }

    pub(crate) fn total_timeout(mut self, total: Duration) -> Self {
        self.total = Some(total);
        self
    }

    pub(crate) fn body_limit(mut self, limit: u64) -> Self {
        self.body_limit = limit;
        self
    }
}

impl fmt::Debug for Request<'_> {
    // Header values and bodies carry tokens: names and sizes only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .field("body_bytes", &self.body.map(<[u8]>::len))
            .finish()
    }
}

/// A response, its body read whole (and capped).
#[derive(Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: ureq::http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl fmt::Debug for Response {
    // The body holds credentials: its size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response").field("status", &self.status).field("body_bytes", &self.body.len()).finish()
    }
}

impl Response {
    /// The first value of header `name` (lowercase), if it is text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The request id AWS sent in a header.
    pub(crate) fn request_id(&self) -> Option<&str> {
        use ureq::http::HeaderName;
        // Named once, not parsed from text on every response.
        static AMZN: HeaderName = HeaderName::from_static("x-amzn-requestid");
        static AMZ: HeaderName = HeaderName::from_static("x-amz-request-id");
        let text = |name| self.headers.get(name).and_then(|v: &ureq::http::HeaderValue| v.to_str().ok());
        text(&AMZN).or_else(|| text(&AMZ))
    }

    /// The body as text; bytes that are not UTF-8 are replaced.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The AWS error this response carries: the Query error document when there is one,
    /// else [`Error::UnexpectedResponse`] with the start of the body.
    pub(crate) fn to_error(&self) -> Error {
        let text = self.text();
        let request_id = self.request_id();
        match xml::service_error(self.status, &text, request_id) {
            Some(e) => Error::Service(e),
            None => {
                Error::unexpected(self.status, "not an AWS error document", &self.body, request_id.map(str::to_owned))
            }
        }
    }
}

/// Credential responses are small; anything near this is not what was asked for.
pub(crate) const MAX_CREDENTIALS_RESPONSE_BYTES: u64 = 1024 * 1024;

impl HttpClient {
    /// A runner for requests to any URL: each gets the proxy its URL calls for.
    pub(crate) fn new(agent: ureq::Agent, settings: HttpSettings) -> Self {
        HttpClient { agent, settings: Arc::new(settings), one_endpoint: false, total: None }
    }

    /// A runner for requests to the endpoint `agent` was built for ([`agent`] with `Some`),
    /// each bounded by `total` as the agent is.
    pub(crate) fn for_endpoint(agent: ureq::Agent, settings: HttpSettings, total: Option<Duration>) -> Self {
        HttpClient { agent, settings: Arc::new(settings), one_endpoint: true, total }
    }

    /// Runs one request, configured with these timeouts and this proxy unless the agent's
    /// own apply.
    fn run<B: ureq::AsSendBody>(
        &self,
        req: ureq::http::Request<B>,
        request: &Request<'_>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        if self.one_endpoint && request.timeouts.is_none() && request.total == self.total {
            return self.agent.run(req);
        }
        let (connect, read) = request.timeouts.unwrap_or((self.settings.connect_timeout, self.settings.read_timeout));
        let mut configured = self
            .agent
            .configure_request(req)
            .timeout_connect(Some(connect))
            .timeout_per_read(Some(read))
            .timeout_global(request.total);
        if !self.one_endpoint {
            configured = configured.proxy(self.settings.proxies.for_url(request.url).cloned());
        }
        self.agent.run(configured.build())
    }
}

impl Transport for HttpClient {
    /// Sends a request with the proxy its URL calls for, and reads the whole response.
    fn send(&self, request: &Request<'_>) -> Result<Response, Error> {
        let result = match request.body {
            Some(body) => self.run(to_ureq(request, body)?, request),
            None => self.run(to_ureq(request, ())?, request),
        };
        let response = result.map_err(transport_error)?;
        let (parts, mut body) = response.into_parts();
        // The body's announced length is reserved at once rather than grown into, up to
        // 64 KiB: a server cannot make the client set aside more than that before sending it.
        // One byte more lets the read that finds the end land in the buffer, not in a probe.
        let announced = body.content_length().filter(|&n| n > 0 && n <= request.body_limit).map_or(0, |n| n + 1);
        let mut bytes = Vec::with_capacity(usize::try_from(announced.min(64 * 1024)).unwrap_or(0));
        let mut reader = body.with_config().limit(request.body_limit).reader();
        // As ureq's `read_to_vec`: its own errors come back out of the I/O error.
        std::io::Read::read_to_end(&mut reader, &mut bytes).map_err(|e| transport_error(ureq::Error::from(e)))?;
        Ok(Response { status: parts.status.as_u16(), headers: parts.headers, body: bytes })
    }
}

/// `request` as ureq's, with `body`. The method, URL and header names are the crate's own
/// constants and URLs it built; a value HTTP does not allow is an error, never a panic.
fn to_ureq<B>(request: &Request<'_>, body: B) -> Result<ureq::http::Request<B>, Error> {
    use ureq::http::{HeaderName, HeaderValue, Method, Uri};
    let mut req = ureq::http::Request::new(body);
    *req.method_mut() = match request.method {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        other => Method::from_bytes(other.as_bytes()).map_err(|_| invalid(request.url))?,
    };
    *req.uri_mut() = Uri::try_from(request.url).map_err(|_| invalid(request.url))?;
    let headers = req.headers_mut();
    headers.reserve(request.headers.len());
    for (name, value) in &request.headers {
        let name = match known_header(name) {
            Some(known) => known,
            None => HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid(request.url))?,
        };
        let value = HeaderValue::from_str(value).map_err(|_| invalid(request.url))?;
        headers.append(name, value);
    }
    Ok(req)
}

/// The names of the headers an EC2 request carries, made at compile time rather than
/// parsed (and the custom ones copied) for every request.
fn known_header(name: &str) -> Option<ureq::http::HeaderName> {
    use ureq::http::{HeaderName, header};
    Some(match name {
        "host" => header::HOST,
        "content-type" => header::CONTENT_TYPE,
        "authorization" => header::AUTHORIZATION,
        "x-amz-date" => const { HeaderName::from_static("x-amz-date") },
        "x-amz-security-token" => const { HeaderName::from_static("x-amz-security-token") },
        "amz-sdk-invocation-id" => const { HeaderName::from_static("amz-sdk-invocation-id") },
        "amz-sdk-request" => const { HeaderName::from_static("amz-sdk-request") },
        _ => return None,
    })
}

fn invalid(url: &str) -> Error {
    Error::config(format!(
        "cannot send a request to {url}: the URL or a header value has characters HTTP does not allow"
    ))
}

/// A transport failure, described without the URL's secrets (there are none in the URLs this
/// crate builds, but the message stays generic like the EC2 client's).
pub(crate) fn transport_error(e: ureq::Error) -> Error {
    use TransportErrorKind as K;
    if let Some(config) = tls::config_error(&e) {
        return config;
    }
    if let Some(reason) = tls::reason(&e) {
        let message = format!("tls handshake failed: {reason}");
        return Error::Transport(TransportError::new(K::Tls(reason), message).with_source(e));
    }
    let (kind, message) = match &e {
        // Which timeout (connect, global) is in the source, not repeated here.
        ureq::Error::Timeout(_) => (K::Timeout, "request timed out".to_owned()),
        ureq::Error::HostNotFound => (K::Connect, "host not found".to_owned()),
        ureq::Error::ConnectionFailed => (K::Connect, "connection failed".to_owned()),
        ureq::Error::BodyExceedsLimit(n) => (K::BodyTooLarge, format!("response body larger than {n} bytes, refused")),
        ureq::Error::LargeResponseHeader(_, limit) => {
            (K::BodyTooLarge, format!("response headers larger than {limit} bytes, refused"))
        }
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => (K::Connect, "connection refused".to_owned()),
            std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::HostUnreachable => {
                (K::Connect, "network unreachable".to_owned())
            }
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                (K::Timeout, "request timed out".to_owned())
            }
            std::io::ErrorKind::UnexpectedEof => {
                (K::Io, "connection closed before the response was complete".to_owned())
            }
            _ => (K::Io, "i/o error".to_owned()),
        },
        ureq::Error::Protocol(_) => (K::Io, "malformed http response".to_owned()),
        _ => (K::Other, "http error".to_owned()),
    };
    Error::Transport(TransportError::new(kind, message).with_source(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_header_names_are_the_parsed_ones() {
        for name in [
            "host",
            "content-type",
            "authorization",
            "x-amz-date",
            "x-amz-security-token",
            "amz-sdk-invocation-id",
            "amz-sdk-request",
        ] {
            let parsed = ureq::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            assert_eq!(known_header(name), Some(parsed), "{name}");
        }
        assert_eq!(known_header("x-aws-ec2-metadata-token"), None);
        assert_eq!(known_header("Host"), None);
    }

    #[test]
    fn requests_and_responses_hide_their_contents() {
        let r =
            Request::new("GET", "http://169.254.170.2/v2").header("authorization", "pod-token").body(b"secret-body");
        let shown = format!("{r:?}");
        assert!(
            shown.contains("authorization") && !shown.contains("pod-token") && !shown.contains("secret"),
            "{shown}"
        );
        let r = Response {
            status: 200,
            headers: ureq::http::HeaderMap::new(),
            body: b"{\"SecretAccessKey\":\"s3cr3t\"}".to_vec(),
        };
        assert!(!format!("{r:?}").contains("s3cr3t"));
    }
}
