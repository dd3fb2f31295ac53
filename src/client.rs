//! The blocking client: build, sign, POST with ureq, parse. The only file that
//! talks HTTP to EC2, and the only place the clock is read for signing.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::config::{self, Endpoint, Env};
use crate::credentials::{self, ProvideCredentials};
use crate::error::{TransportError, TransportErrorKind};
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::sigv4::{SignableRequest, Signer, SigningParams};
use crate::{Credentials, Error, xml};

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
    /// A client configured from the environment, as the AWS SDKs do:
    /// credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    /// `AWS_SESSION_TOKEN`; region from `AWS_REGION`, then `AWS_DEFAULT_REGION`;
    /// endpoint from `AWS_ENDPOINT_URL_EC2`, then `AWS_ENDPOINT_URL`, else the
    /// region's EC2 endpoint.
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

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.inner.region
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
        self.send(body)
    }

    /// Signs and sends a Query body; parses an error document on failure.
    pub(crate) fn send(&self, body: QueryBody) -> Result<RawResponse, Error> {
        let inner = &*self.inner;
        let credentials = inner.credentials.provide_credentials()?;
        let body = body.into_string();
        let headers = [("content-type", FORM_CONTENT_TYPE)];
        let request = SignableRequest::new("POST", &inner.endpoint.authority, &inner.endpoint.path)
            .headers(&headers)
            .body(body.as_bytes());
        // The one place the clock is read.
        let now = OffsetDateTime::now_utc();
        let signed = inner.signer.sign(&request, &SigningParams::new(&credentials, &inner.region, "ec2", now));

        if let Some(debug) = &inner.debug {
            debug(&format!("request: POST {}", inner.url));
            debug(&format!("  host: {}", inner.endpoint.authority));
            debug(&format!("  content-type: {FORM_CONTENT_TYPE}"));
            debug(&format!("  user-agent: {}", inner.user_agent));
            for (name, value) in signed.headers() {
                debug(&format!("  {name}: {}", redact_header(name, value)));
            }
            debug(&format!("  body: {body}"));
        }

        let mut req = inner.agent.post(&inner.url).header("content-type", FORM_CONTENT_TYPE);
        for (name, value) in signed.headers() {
            req = req.header(*name, value.as_str());
        }
        let response = req.send(body.as_bytes()).map_err(transport_error)?;
        let status = response.status().as_u16();
        let header_request_id = response
            .headers()
            .get("x-amzn-requestid")
            .or_else(|| response.headers().get("x-amz-request-id"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes =
            response.into_body().with_config().limit(MAX_RESPONSE_BYTES).read_to_vec().map_err(transport_error)?;
        let text = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        if let Some(debug) = &inner.debug {
            debug(&format!("response: http {status}"));
            if let Some(id) = &header_request_id {
                debug(&format!("  x-amzn-requestid: {id}"));
            }
            debug(&format!("  body: {text}"));
        }

        if (200..300).contains(&status) {
            let request_id =
                xml::parse(&text).ok().and_then(|d| xml::request_id(d.root_element())).or(header_request_id);
            return Ok(RawResponse { status, body: text, request_id });
        }
        match xml::service_error(status, &text, header_request_id.as_deref()) {
            Some(e) => Err(Error::Service(e)),
            None => Err(unexpected(status, "not an AWS error document", &text, header_request_id)),
        }
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
    Error::UnexpectedResponse { status, reason: reason.to_owned(), body_start: body[..end].to_owned(), request_id }
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

fn transport_error(e: ureq::Error) -> Error {
    use TransportErrorKind as K;
    let (kind, message) = match &e {
        ureq::Error::Timeout(t) => (K::Timeout, format!("request timed out ({t})")),
        ureq::Error::HostNotFound => (K::Connect, "host not found".to_owned()),
        ureq::Error::ConnectionFailed => (K::Connect, "connection failed".to_owned()),
        ureq::Error::BodyExceedsLimit(n) => (K::BodyTooLarge, format!("response body larger than {n} bytes, refused")),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => (K::Connect, "connection refused".to_owned()),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                (K::Timeout, "request timed out".to_owned())
            }
            std::io::ErrorKind::UnexpectedEof => {
                (K::Io, "connection closed before the response was complete".to_owned())
            }
            _ => (K::Io, "i/o error while talking to the endpoint".to_owned()),
        },
        ureq::Error::Tls(_) => (K::Other, "tls error".to_owned()),
        ureq::Error::Protocol(_) => (K::Io, "malformed http response".to_owned()),
        _ => (K::Other, "http error".to_owned()),
    };
    Error::Transport(TransportError::new(kind, message).with_source(e))
}

/// Builds a [`Client`]; anything not set comes from the environment.
pub struct ClientBuilder {
    region: Option<String>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    endpoint_url: Option<String>,
    connect_timeout: Duration,
    read_timeout: Duration,
    allow_insecure_http: bool,
    use_fips: Option<bool>,
    use_dual_stack: Option<bool>,
    debug: Option<DebugHook>,
    env: Option<Env>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("endpoint_url", &self.endpoint_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// A builder with the defaults: 3.1 s connect timeout, 60 s read timeout.
    pub fn new() -> Self {
        ClientBuilder {
            region: None,
            credentials: None,
            endpoint_url: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            allow_insecure_http: false,
            use_fips: None,
            use_dual_stack: None,
            debug: None,
            env: None,
        }
    }

    /// The region to sign for and to pick the endpoint by.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Fixed credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    /// A credentials source, asked before every call (it may cache).
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// A custom endpoint, such as a VPC endpoint or a local emulator. The URL
    /// is used as it is; requests are still signed for service `ec2` in the
    /// configured region.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Connect timeout (TCP and TLS).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Read timeout: the longest wait for any one read from the server.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Allows a plain-HTTP endpoint that is not on this machine. Without it,
    /// credentials are sent only over HTTPS or to a loopback address.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Use the FIPS endpoint (also `AWS_USE_FIPS_ENDPOINT`).
    pub fn use_fips(mut self, fips: bool) -> Self {
        self.use_fips = Some(fips);
        self
    }

    /// Use the dual-stack (IPv6) endpoint (also `AWS_USE_DUALSTACK_ENDPOINT`).
    pub fn use_dual_stack(mut self, dual_stack: bool) -> Self {
        self.use_dual_stack = Some(dual_stack);
        self
    }

    /// Receives debug lines: each signed request and each response, with the
    /// signature, the secret and the session token redacted.
    pub fn on_debug(mut self, hook: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.debug = Some(Arc::new(hook));
        self
    }

    #[cfg(test)]
    pub(crate) fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] when no region or no credentials can be found, the
    /// endpoint URL is invalid, or the endpoint is plain HTTP to another
    /// machine without [`ClientBuilder::allow_insecure_http`].
    pub fn build(self) -> Result<Client, Error> {
        let env = self.env.unwrap_or_else(Env::from_process);
        let region = match self.region.filter(|r| !r.trim().is_empty()) {
            Some(r) => r.trim().to_owned(),
            None => config::region_from_env(&env)
                .ok_or_else(|| Error::config("no region: set AWS_REGION or AWS_DEFAULT_REGION, or pass --region"))?,
        };
        config::validate_region(&region)?;

        let custom = match self.endpoint_url {
            Some(u) => Some(u),
            None => config::endpoint_from_env(&env, "AWS_ENDPOINT_URL_EC2")?,
        };
        let url = match custom {
            // As botocore does, FIPS and dual-stack settings do not apply to a
            // custom endpoint: the URL is used as given.
            Some(u) => u,
            None => {
                let fips = match self.use_fips {
                    Some(v) => v,
                    None => env.get_bool("AWS_USE_FIPS_ENDPOINT")?.unwrap_or(false),
                };
                let dual_stack = match self.use_dual_stack {
                    Some(v) => v,
                    None => env.get_bool("AWS_USE_DUALSTACK_ENDPOINT")?.unwrap_or(false),
                };
                config::default_endpoint("ec2", &region, fips, dual_stack)
            }
        };
        let endpoint = Endpoint::parse(&url)?;
        if endpoint.scheme == "http" && !endpoint.is_loopback() && !self.allow_insecure_http {
            return Err(Error::config(format!(
                "refusing to send credentials over plain http to {}: use https, a loopback endpoint, \
                 or allow insecure http explicitly",
                endpoint.authority
            )));
        }

        let credentials: Arc<dyn ProvideCredentials> = match self.credentials {
            Some(c) => c,
            None => match credentials::from_env(&env)? {
                Some(c) => Arc::new(c),
                None => {
                    return Err(Error::config(
                        "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
                         (and AWS_SESSION_TOKEN for temporary credentials)",
                    ));
                }
            },
        };

        let user_agent = format!(
            "ec2-lite/{} ua/2.1 api/ec2/{EC2_API_VERSION} os/{} lang/rust",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS
        );
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(user_agent.as_str())
            .timeout_connect(Some(self.connect_timeout))
            .timeout_per_read(Some(self.read_timeout))
            .timeout_per_write(Some(self.read_timeout))
            .build()
            .into();
        let url = endpoint.url();
        Ok(Client {
            inner: Arc::new(Inner {
                agent,
                region,
                endpoint,
                url,
                credentials,
                signer: Signer::new(),
                user_agent,
                debug: self.debug,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder(pairs: &[(&str, &str)]) -> ClientBuilder {
        ClientBuilder::new().env(Env::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn client_is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Client>();
    }

    #[test]
    fn from_env_reads_region_endpoint_and_keys() {
        let c = builder(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
        ])
        .build()
        .unwrap();
        assert_eq!((c.region(), c.endpoint_url()), ("eu-west-1", "https://ec2.eu-west-1.amazonaws.com/"));
        assert!(!format!("{c:?}").contains("SECRET"));
        let c = builder(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_REGION", "cn-north-1"),
            ("AWS_ENDPOINT_URL", "http://localhost:1"),
        ])
        .build()
        .unwrap();
        assert_eq!(c.endpoint_url(), "http://localhost:1/");
    }

    #[test]
    fn missing_region_and_credentials_are_config_errors() {
        let e = builder(&[("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "S")]).build().unwrap_err();
        assert!(matches!(&e, Error::Config(m) if m.contains("region")), "{e}");
        let e = builder(&[("AWS_REGION", "us-east-1")]).build().unwrap_err();
        assert!(matches!(&e, Error::Config(m) if m.contains("AWS_ACCESS_KEY_ID")), "{e}");
    }

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        let b = || builder(&[]).region("us-east-1").credentials(Credentials::new("a", "b", None));
        let e = b().endpoint_url("http://ec2.example.com").build().unwrap_err();
        assert!(e.to_string().contains("plain http"), "{e}");
        assert!(b().endpoint_url("http://ec2.example.com").allow_insecure_http(true).build().is_ok());
        assert!(b().endpoint_url("http://127.0.0.1:5000").build().is_ok());
    }

    #[test]
    fn redaction() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef";
        let r = redact_header("authorization", auth);
        assert!(!r.contains("abcdef") && r.contains("Credential=AKID"));
        assert_eq!(redact_header("x-amz-security-token", "tok"), "** redacted **");
    }
}
