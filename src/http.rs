//! The HTTP agent every request of this crate goes through (EC2, and the credential sources):
//! timeouts, proxies, the trusted roots of AWS_CA_BUNDLE, no redirects, error statuses returned as responses.
//! <https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-proxy.html>

use std::fmt;
use std::io::Read;
use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use crate::config::{Endpoint, Env, Fs};
use crate::error::{TransportError, TransportErrorKind};
use crate::profile::LoadedProfiles;
use crate::{Error, xml};

/// Connection settings shared by all requests of a client.
#[derive(Clone)]
pub(crate) struct HttpSettings {
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) proxies: ProxySettings,
    /// `AWS_CA_BUNDLE` or the profile's `ca_bundle`: the roots to trust instead of the
    /// bundled Mozilla set.
    pub(crate) roots: Option<Arc<Vec<Certificate<'static>>>>,
    /// `false` turns certificate checks off (the AWS CLI's `--no-verify-ssl`); EC2's agent only.
    pub(crate) verify: bool,
    /// Tests send every request to this loopback server, the original URL in `x-replay-url`,
    /// so that the URLs the crate computes (`https://sts-fips.us-east-1.api.aws/`) are
    /// compared whole rather than overridden by configuration.
    #[cfg(test)]
    pub(crate) redirect: Option<String>,
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
            None => None,
            Some((path, source)) => Some(Arc::new(read_ca_bundle(fs, &path, &source)?)),
        };
        Ok(HttpSettings {
            connect_timeout,
            read_timeout,
            proxies: ProxySettings::from_env(env)?,
            roots,
            verify: true,
            #[cfg(test)]
            redirect: None,
        })
    }
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSettings")
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("proxies", &self.proxies)
            .field("extra_roots", &self.roots.as_ref().map(|r| r.len()))
            .finish()
    }
}

/// The certificates of a PEM bundle. A bundle with none is an error: trusting nothing would
/// fail every HTTPS request with a less helpful message.
pub(crate) fn read_ca_bundle(fs: &Fs, path: &str, source: &str) -> Result<Vec<Certificate<'static>>, Error> {
    let bytes = fs
        .read(Path::new(path))
        .map_err(|e| Error::config(format!("{source}: could not read the CA bundle {path}: {e}")))?;
    parse_ca_bundle(&bytes).map_err(|why| Error::config(format!("{source}: the CA bundle {path} {why}")))
}

/// The certificates of PEM text; keys and other sections are skipped.
pub(crate) fn parse_ca_bundle(pem: &[u8]) -> Result<Vec<Certificate<'static>>, String> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(format!("is not valid PEM ({e})")),
        }
    }
    if certs.is_empty() { Err("holds no PEM certificates".to_owned()) } else { Ok(certs) }
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

/// The `User-Agent` of every request: ours, in the SDKs' ua/2.1 layout
/// without claiming to be an AWS SDK.
pub(crate) fn user_agent() -> String {
    format!(
        "ec2-lite/{} ua/2.1 api/ec2/{} os/{} lang/rust",
        env!("CARGO_PKG_VERSION"),
        crate::query::EC2_API_VERSION,
        std::env::consts::OS
    )
}

/// A ureq agent with these settings. Its own proxy is the one for `endpoint` (EC2's); the
/// credential sources choose theirs per request in [`HttpClient::send`].
pub(crate) fn agent(settings: &HttpSettings, endpoint: Option<&Endpoint>) -> Result<ureq::Agent, Error> {
    let proxy = endpoint.and_then(|e| settings.proxies.for_url(&e.url())).cloned();
    let mut tls = TlsConfig::builder().disable_verification(!settings.verify);
    if let Some(roots) = &settings.roots {
        tls = tls.root_certs(RootCerts::Specific(Arc::clone(roots)));
    }
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        // AWS APIs do not redirect; following one would send a signed
        // request somewhere it was not signed for.
        .max_redirects(0)
        .user_agent(user_agent())
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
        .tls_config(tls.build())
        .proxy(proxy)
        .build()
        .into())
}

/// The agent and settings the credential sources send their requests with.
#[derive(Clone)]
pub(crate) struct HttpClient {
    agent: ureq::Agent,
    settings: Arc<HttpSettings>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// One request of a credential source.
#[derive(Clone)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'static str,
    pub(crate) url: &'a str,
    /// Names lowercase. Values may be secrets: never print a request whole.
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<&'a [u8]>,
    /// Connect and read timeouts, when not the client's.
    pub(crate) timeouts: Option<(Duration, Duration)>,
}

impl<'a> Request<'a> {
    pub(crate) fn new(method: &'static str, url: &'a str) -> Self {
        Request { method, url, headers: Vec::new(), body: None, timeouts: None }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
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
    /// Names lowercase.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl fmt::Debug for Response {
    // The body holds credentials: its size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response").field("status", &self.status).field("body_bytes", &self.body.len()).finish()
    }
}

impl Response {
    /// The first value of header `name` (lowercase).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
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
        let request_id = self.header("x-amzn-requestid").or_else(|| self.header("x-amz-request-id"));
        match xml::service_error(self.status, &text, request_id) {
            Some(e) => Error::Service(e),
            None => unexpected(self.status, "not an AWS error document", &text),
        }
    }
}

/// An [`Error::UnexpectedResponse`] quoting the start of `body`.
pub(crate) fn unexpected(status: u16, reason: &str, body: &str) -> Error {
    let mut end = body.len().min(256);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    Error::UnexpectedResponse {
        status,
        reason: reason.to_owned(),
        body_start: body.get(..end).unwrap_or_default().to_owned(),
        request_id: None,
        attempts: 1,
    }
}

/// Credential responses are small; anything near this is not what was asked for.
pub(crate) const MAX_CREDENTIALS_RESPONSE_BYTES: u64 = 1024 * 1024;

impl HttpClient {
    pub(crate) fn new(agent: ureq::Agent, settings: HttpSettings) -> Self {
        HttpClient { agent, settings: Arc::new(settings) }
    }

    /// Runs one request with these timeouts and this proxy.
    fn run<B: ureq::AsSendBody>(
        &self,
        req: ureq::http::Request<B>,
        connect: Duration,
        read: Duration,
        proxy: Option<ureq::Proxy>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let req = self
            .agent
            .configure_request(req)
            .timeout_connect(Some(connect))
            .timeout_per_read(Some(read))
            .proxy(proxy)
            .build();
        self.agent.run(req)
    }

    /// Sends a request with the proxy its URL calls for, and reads the whole response.
    pub(crate) fn send(&self, request: &Request<'_>) -> Result<Response, Error> {
        #[cfg(test)]
        let redirected = self.settings.redirect.as_deref().map(|base| {
            let path = Url::parse(request.url).map(|u| u.path_and_query).unwrap_or_else(|_| "/".to_owned());
            format!("{base}{path}")
        });
        #[cfg(not(test))]
        let redirected: Option<String> = None;
        let url = redirected.as_deref().unwrap_or(request.url);

        let mut builder = ureq::http::Request::builder().method(request.method).uri(url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        if redirected.is_some() {
            builder = builder.header("x-replay-url", request.url);
        }
        let (connect, read) = request.timeouts.unwrap_or((self.settings.connect_timeout, self.settings.read_timeout));
        let proxy = if redirected.is_some() { None } else { self.settings.proxies.for_url(request.url).cloned() };
        let result = match request.body {
            Some(body) => self.run(builder.body(body).map_err(|_| invalid(request.url))?, connect, read, proxy),
            None => self.run(builder.body(()).map_err(|_| invalid(request.url))?, connect, read, proxy),
        };
        let response = result.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned())))
            .collect();
        let mut body = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_CREDENTIALS_RESPONSE_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| transport_error(ureq::Error::Io(e)))?;
        if body.len() as u64 > MAX_CREDENTIALS_RESPONSE_BYTES {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::BodyTooLarge,
                format!("response body larger than {MAX_CREDENTIALS_RESPONSE_BYTES} bytes, refused"),
            )));
        }
        Ok(Response { status, headers, body })
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
        let r = Response { status: 200, headers: Vec::new(), body: b"{\"SecretAccessKey\":\"s3cr3t\"}".to_vec() };
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

    #[test]
    fn ca_bundles() {
        let ca = include_bytes!("../tests/fixtures/tls/ca.pem");
        assert_eq!(parse_ca_bundle(ca).unwrap().len(), 1);
        let key = include_bytes!("../tests/fixtures/tls/localhost.key");
        assert_eq!(parse_ca_bundle(key).unwrap_err(), "holds no PEM certificates");
        assert_eq!(parse_ca_bundle(b"").unwrap_err(), "holds no PEM certificates");
        let garbage = b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(parse_ca_bundle(garbage).unwrap_err().starts_with("is not valid PEM"));
        let env = Env::from_pairs([("AWS_CA_BUNDLE", "/nope/ca.pem")]);
        let err = HttpSettings::from_env(&env, &Fs::real(), &LoadedProfiles::default(), Duration::ZERO, Duration::ZERO)
            .unwrap_err()
            .to_string();
        assert!(err.contains("AWS_CA_BUNDLE: could not read the CA bundle /nope/ca.pem"), "{err}");
        let profiles = LoadedProfiles::from_text("[default]\nca_bundle = /nope/profile.pem\n", "default");
        let err = HttpSettings::from_env(&Env::from_pairs([]), &Fs::real(), &profiles, Duration::ZERO, Duration::ZERO)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ca_bundle of profile `default`: could not read the CA bundle /nope/profile.pem"),
            "{err}"
        );
    }
}
