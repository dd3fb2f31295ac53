//! The HTTP agent every request of this crate goes through (EC2, and the credential sources):
//! timeouts, proxies, the trusted roots of AWS_CA_BUNDLE, no redirects, error statuses returned as responses.
//! <https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-proxy.html>

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use crate::ca_bundle::TrustRoots;
use crate::config::Endpoint;
use crate::env::{Env, Fs};
use crate::error::{TransportError, TransportErrorKind};
use crate::profile::LoadedProfiles;
use crate::{Error, xml};

/// Default connect timeout, the AWS SDKs' standard mode value.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Default read timeout (per read), botocore's value.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Connection settings shared by all requests of a client.
#[derive(Clone)]
pub(crate) struct HttpSettings {
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) proxies: ProxySettings,
    /// `AWS_CA_BUNDLE` or the profile's `ca_bundle`: the roots to trust instead of the
    /// bundled Mozilla set, read by the first HTTPS connection.
    pub(crate) roots: TrustRoots,
}

impl HttpSettings {
    /// Timeouts as given, proxies from the environment, roots from `AWS_CA_BUNDLE` or the
    /// selected profile's `ca_bundle`.
    pub(crate) fn from_env(
        env: &Env,
        fs: &Fs,
        profiles: &LoadedProfiles,
        connect_timeout: Duration,
        read_timeout: Duration,
    ) -> Result<Self, Error> {
        let bundle = match env.get("AWS_CA_BUNDLE") {
            Some(path) => Some((path.trim().to_owned(), "AWS_CA_BUNDLE".to_owned())),
            None => profiles
                .profile()
                .and_then(|p| Some((p.ca_bundle()?.to_owned(), format!("ca_bundle of profile `{}`", p.name())))),
        };
        let roots = match bundle {
            None => TrustRoots::default(),
            Some((path, source)) => TrustRoots::bundle(fs, &path, source),
        };
        Ok(HttpSettings { connect_timeout, read_timeout, proxies: ProxySettings::from_env(env)?, roots })
    }
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSettings")
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("proxies", &self.proxies)
            .field("roots", &self.roots)
            .finish()
    }
}

/// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, as curl and botocore read them:
/// the lowercase name first, a proxy per scheme, `ALL_PROXY` for either.
///
/// ureq reads these variables by itself, but with one proxy for both schemes (`ALL_PROXY`,
/// then `HTTPS_PROXY`, then `HTTP_PROXY`), so an `HTTPS_PROXY` would carry plain-HTTP
/// instance metadata requests too. This crate sets the proxy of every request itself.
#[derive(Clone, Default)]
pub(crate) struct ProxySettings {
    http: Option<ProxyTarget>,
    https: Option<ProxyTarget>,
    no_proxy: Vec<NoProxyRule>,
}

#[derive(Clone)]
struct ProxyTarget {
    proxy: ureq::Proxy,
    /// `http://host:port`, without any user name or password.
    shown: String,
}

impl fmt::Debug for ProxySettings {
    // Proxy URLs may hold a password: show hosts only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxySettings")
            .field("http", &self.http.as_ref().map(|p| &p.shown))
            .field("https", &self.https.as_ref().map(|p| &p.shown))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxySettings {
    /// The proxies the environment names. A proxy URL ureq cannot use is an error naming the
    /// variable, not a silent direct connection.
    pub(crate) fn from_env(env: &Env) -> Result<Self, Error> {
        fn first<'e>(env: &'e Env, names: &[&'static str]) -> Option<(&'static str, &'e str)> {
            names.iter().find_map(|n| env.get(n).map(|v| (*n, v.trim())))
        }
        let all = first(env, &["all_proxy", "ALL_PROXY"]);
        let target = |names: &[&'static str]| -> Result<Option<ProxyTarget>, Error> {
            let Some((var, url)) = first(env, names).or(all) else { return Ok(None) };
            let bad = |why: &str| Error::config(format!("{var}: {why}"));
            let proxy = ureq::Proxy::new(url).map_err(|_| bad("not a proxy URL"))?;
            if !matches!(proxy.protocol(), ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https) {
                return Err(bad("only http:// and https:// proxies are supported"));
            }
            let scheme = if proxy.protocol() == ureq::ProxyProtocol::Https { "https" } else { "http" };
            let shown = format!("{scheme}://{}:{}", proxy.host(), proxy.port());
            Ok(Some(ProxyTarget { proxy, shown }))
        };
        let no_proxy = first(env, &["no_proxy", "NO_PROXY"]).map(|(_, v)| parse_no_proxy(v)).unwrap_or_default();
        Ok(ProxySettings {
            http: target(&["http_proxy", "HTTP_PROXY"])?,
            https: target(&["https_proxy", "HTTPS_PROXY"])?,
            no_proxy,
        })
    }

    /// The proxy for a request to `scheme://host:port`, if any. Loopback and link-local
    /// addresses (instance metadata, the container endpoints) never go through a proxy: a
    /// proxy on another machine would reach its own metadata, not this one's.
    pub(crate) fn for_target(&self, scheme: &str, host: &str, port: u16) -> Option<&ureq::Proxy> {
        let target = if scheme.eq_ignore_ascii_case("https") { &self.https } else { &self.http };
        let target = target.as_ref()?;
        if is_local(host) || self.no_proxy.iter().any(|r| r.matches(host, port)) {
            return None;
        }
        Some(&target.proxy)
    }

    /// [`ProxySettings::for_target`] for a URL.
    fn for_url(&self, url: &str) -> Option<&ureq::Proxy> {
        let parsed = Url::parse(url).ok()?;
        self.for_target(parsed.scheme, &parsed.host, parsed.port)
    }
}

/// Loopback, link-local, and the IPv6 addresses of instance metadata and EKS Pod Identity.
fn is_local(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => {
            let aws_local =
                [Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254), Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)];
            ip.is_loopback() || (ip.segments()[0] & 0xffc0) == 0xfe80 || aws_local.contains(&ip)
        }
        Err(_) => false,
    }
}

/// One `NO_PROXY` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NoProxyRule {
    /// `*`: no proxy at all.
    All,
    /// `example.com`, `.example.com`, `*.example.com`: the domain and every name under it, as
    /// curl and Python's `urllib` match it; with `:port`, only that port.
    Domain { name: String, port: Option<u16> },
    /// `10.0.0.0/8`, `::1`: addresses, as Python's `requests` matches them.
    Network { ip: IpAddr, prefix: u8 },
}

fn parse_no_proxy(value: &str) -> Vec<NoProxyRule> {
    value
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .filter_map(|entry| {
            if entry == "*" {
                return Some(NoProxyRule::All);
            }
            let (addr, prefix) = match entry.split_once('/') {
                Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
                None => (entry, None),
            };
            if let Ok(ip) = addr.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                return Some(NoProxyRule::Network { ip, prefix: prefix.unwrap_or(max).min(max) });
            }
            let name = entry.trim_start_matches('*').trim_start_matches('.').to_ascii_lowercase();
            let (name, port) = match name.rsplit_once(':') {
                Some((n, p)) => (n.to_owned(), Some(p.parse::<u16>().ok()?)),
                None => (name, None),
            };
            (!name.is_empty()).then_some(NoProxyRule::Domain { name, port })
        })
        .collect()
}

impl NoProxyRule {
    fn matches(&self, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        match self {
            NoProxyRule::All => true,
            NoProxyRule::Domain { name, port: want } => {
                want.is_none_or(|p| p == port)
                    && (host == *name || host.strip_suffix(name.as_str()).is_some_and(|rest| rest.ends_with('.')))
            }
            NoProxyRule::Network { ip, prefix } => host.parse::<IpAddr>().is_ok_and(|h| in_network(h, *ip, *prefix)),
        }
    }
}

fn in_network(host: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (host, net) {
        (IpAddr::V4(h), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(h) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(h), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(h) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The parts of an `http(s)://` URL that decide where a request goes. Unlike
/// [`Endpoint`], a query is allowed (the container credential URIs may have one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    pub(crate) scheme: &'static str,
    /// Lowercase; an IPv6 address in brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// The path and the query, `/` when empty.
    pub(crate) path_and_query: String,
}

impl Url {
    /// Parses `scheme://host[:port][/path][?query]`; user info and fragments are refused.
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        let (scheme, rest) = url.split_once("://").ok_or("the URL has no scheme://")?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => "http",
            "https" => "https",
            _ => return Err("the scheme must be http or https".into()),
        };
        if rest.contains('#') {
            return Err("a fragment is not allowed".into());
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        let path_and_query = match path {
            "" => "/".to_owned(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_owned(),
        };
        if path_and_query.chars().any(|c| c.is_control() || c == ' ') {
            return Err("the path has spaces or control characters".into());
        }
        let endpoint = Endpoint::parse(&format!("{scheme}://{authority}")).map_err(|e| match e {
            Error::Config(m) => m.rsplit_once(": ").map_or(m.clone(), |(_, why)| why.to_owned()),
            other => other.to_string(),
        })?;
        let default_port = if scheme == "https" { 443 } else { 80 };
        let port = endpoint
            .authority
            .strip_prefix(endpoint.host.as_str())
            .and_then(|p| p.strip_prefix(':'))
            .and_then(|p| p.parse().ok())
            .unwrap_or(default_port);
        Ok(Url { scheme, host: endpoint.host, port, path_and_query })
    }

    /// The host as an address, when it is one.
    pub(crate) fn ip(&self) -> Option<IpAddr> {
        self.host.trim_start_matches('[').trim_end_matches(']').parse().ok()
    }

    /// Whether the host is this machine.
    pub(crate) fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.ip().is_some_and(|ip| ip.is_loopback())
    }
}

/// A ureq agent with these settings. Its own proxy is the one for `endpoint` (EC2's); the
/// credential sources choose theirs per request in [`HttpClient::send`].
pub(crate) fn agent(
    settings: &HttpSettings,
    endpoint: Option<&Endpoint>,
    user_agent: &str,
) -> Result<ureq::Agent, Error> {
    let proxy = endpoint.and_then(|e| settings.proxies.for_url(&e.url())).cloned();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // AWS APIs do not redirect; following one would send a signed
        // request somewhere it was not signed for.
        .max_redirects(0)
        .user_agent(user_agent)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_per_read(Some(settings.read_timeout))
        .timeout_per_write(Some(settings.read_timeout))
        // Clones of a client share this pool; botocore keeps 10 connections
        // too, where ureq's default of 3 per host makes threads reconnect.
        .max_idle_connections(10)
        .max_idle_connections_per_host(10)
        // ureq's 128 KiB buffers are zero-filled for each connection: a
        // quarter of a one-call process. Query bodies are small, and headers
        // fit in 32 KiB (the input buffer must hold the largest header).
        .output_buffer_size(16 * 1024)
        .input_buffer_size(32 * 1024)
        .max_response_header_size(32 * 1024)
        .proxy(proxy)
        .build();
    Ok(crate::tls::agent(config, &settings.roots))
}

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
    /// The largest body read; a larger one is refused.
    pub(crate) body_limit: u64,
}

impl<'a> Request<'a> {
    pub(crate) fn new(method: &'static str, url: &'a str) -> Self {
        Request {
            method,
            url,
            headers: Vec::new(),
            body: None,
            timeouts: None,
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
        self.header("x-amzn-requestid").or_else(|| self.header("x-amz-request-id"))
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
        HttpClient { agent, settings: Arc::new(settings), one_endpoint: false }
    }

    /// A runner for requests to the endpoint `agent` was built for ([`agent`] with `Some`).
    pub(crate) fn for_endpoint(agent: ureq::Agent, settings: HttpSettings) -> Self {
        HttpClient { agent, settings: Arc::new(settings), one_endpoint: true }
    }

    /// Runs one request, configured with these timeouts and this proxy unless the agent's
    /// own apply.
    fn run<B: ureq::AsSendBody>(
        &self,
        req: ureq::http::Request<B>,
        request: &Request<'_>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        if self.one_endpoint && request.timeouts.is_none() {
            return self.agent.run(req);
        }
        let (connect, read) = request.timeouts.unwrap_or((self.settings.connect_timeout, self.settings.read_timeout));
        let mut configured =
            self.agent.configure_request(req).timeout_connect(Some(connect)).timeout_per_read(Some(read));
        if !self.one_endpoint {
            configured = configured.proxy(self.settings.proxies.for_url(request.url).cloned());
        }
        self.agent.run(configured.build())
    }
}

impl Transport for HttpClient {
    /// Sends a request with the proxy its URL calls for, and reads the whole response.
    fn send(&self, request: &Request<'_>) -> Result<Response, Error> {
        let mut builder = ureq::http::Request::builder().method(request.method).uri(request.url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_ref());
        }
        let result = match request.body {
            Some(body) => self.run(builder.body(body).map_err(|_| invalid(request.url))?, request),
            None => self.run(builder.body(()).map_err(|_| invalid(request.url))?, request),
        };
        let response = result.map_err(transport_error)?;
        let (parts, body) = response.into_parts();
        let body = body.into_with_config().limit(request.body_limit).read_to_vec().map_err(transport_error)?;
        Ok(Response { status: parts.status.as_u16(), headers: parts.headers, body })
    }
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
    if let Some(config) = crate::tls::config_error(&e) {
        return config;
    }
    let (kind, message) = match &e {
        ureq::Error::Timeout(t) => (K::Timeout, format!("request timed out ({t})")),
        ureq::Error::HostNotFound => (K::Connect, "host not found".to_owned()),
        ureq::Error::ConnectionFailed => (K::Connect, "connection failed".to_owned()),
        ureq::Error::BodyExceedsLimit(n) => (K::BodyTooLarge, format!("response body larger than {n} bytes, refused")),
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
        ureq::Error::Tls(_) => (K::Other, "tls error".to_owned()),
        ureq::Error::Protocol(_) => (K::Io, "malformed http response".to_owned()),
        _ => (K::Other, "http error".to_owned()),
    };
    Error::Transport(TransportError::new(kind, message).with_source(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(pairs: &[(&str, &str)]) -> ProxySettings {
        ProxySettings::from_env(&Env::from_pairs(pairs.iter().copied())).unwrap()
    }

    fn via(p: &ProxySettings, url: &str) -> Option<String> {
        p.for_url(url).map(|p| format!("{}:{}", p.host(), p.port()))
    }

    #[test]
    fn a_proxy_per_scheme_and_lowercase_first() {
        let p = proxies(&[("HTTPS_PROXY", "http://secure:3128"), ("http_proxy", "plain:8080"), ("HTTP_PROXY", "x:1")]);
        assert_eq!(via(&p, "https://ec2.us-east-1.amazonaws.com/").as_deref(), Some("secure:3128"));
        assert_eq!(via(&p, "http://ec2.example.com/").as_deref(), Some("plain:8080"));
        let p = proxies(&[("ALL_PROXY", "http://all:1"), ("https_proxy", "http://s:2")]);
        assert_eq!(via(&p, "https://a/").as_deref(), Some("s:2"));
        assert_eq!(via(&p, "http://a/").as_deref(), Some("all:1"));
        assert_eq!(via(&proxies(&[]), "https://a/"), None);
        let err = ProxySettings::from_env(&Env::from_pairs([("HTTPS_PROXY", "socks5://s:1080")])).unwrap_err();
        assert!(err.to_string().contains("HTTPS_PROXY: only http:// and https:// proxies"), "{err}");
    }

    #[test]
    fn metadata_and_loopback_never_go_through_a_proxy() {
        let p = proxies(&[("ALL_PROXY", "http://all:1")]);
        for url in [
            "http://169.254.169.254/latest/api/token",
            "http://169.254.170.2/v2/credentials",
            "http://[fd00:ec2::254]/latest/api/token",
            "http://[fd00:ec2::23]/v1/credentials",
            "http://127.0.0.1:8080/",
            "http://localhost/",
            "http://[::1]/",
        ] {
            assert_eq!(via(&p, url), None, "{url}");
        }
    }

    #[test]
    fn no_proxy_rules() {
        let p = proxies(&[
            ("HTTPS_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                "example.com, .corp.internal,*.wild.test, 10.0.0.0/8, 192.168.1.7, ec2.eu-west-1.amazonaws.com:8443",
            ),
        ]);
        for (url, bypass) in [
            ("https://example.com/", true),
            ("https://a.example.com/", true),
            ("https://notexample.com/", false),
            ("https://x.corp.internal/", true),
            ("https://corp.internal/", true),
            ("https://a.b.wild.test/", true),
            ("https://10.1.2.3/", true),
            ("https://11.1.2.3/", false),
            ("https://192.168.1.7/", true),
            ("https://ec2.eu-west-1.amazonaws.com:8443/", true),
            ("https://ec2.eu-west-1.amazonaws.com/", false),
        ] {
            assert_eq!(via(&p, url).is_none(), bypass, "{url}");
        }
        assert_eq!(via(&proxies(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]), "https://a/"), None);
        assert_eq!(
            parse_no_proxy("::1/128, [fd00::1]"),
            vec![
                NoProxyRule::Network { ip: "::1".parse().unwrap(), prefix: 128 },
                NoProxyRule::Network { ip: "fd00::1".parse().unwrap(), prefix: 128 },
            ]
        );
    }

    #[test]
    fn debug_hides_proxy_passwords() {
        let p = proxies(&[("HTTPS_PROXY", "http://user:hunter2@proxy.corp:3128")]);
        let shown = format!("{p:?}");
        assert!(shown.contains("http://proxy.corp:3128") && !shown.contains("hunter2"), "{shown}");
        assert_eq!(p.for_url("https://a/").and_then(|p| p.password()), Some("hunter2"));
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

    #[test]
    fn urls() {
        let u = Url::parse("http://169.254.170.2/credentials?a=1").unwrap();
        assert_eq!(
            (u.scheme, u.host.as_str(), u.port, u.path_and_query.as_str()),
            ("http", "169.254.170.2", 80, "/credentials?a=1")
        );
        let u = Url::parse("https://[FD00:EC2::23]:8443").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path_and_query.as_str()), ("[fd00:ec2::23]", 8443, "/"));
        assert!(Url::parse("http://localhost:1/x").unwrap().is_loopback());
        assert!(Url::parse("http://127.0.0.2/").unwrap().is_loopback());
        for bad in ["/credentials", "ftp://a/", "http://", "http://u@h/", "http://h/#f", "http://h/a b"] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }
}
