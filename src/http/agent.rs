//! The ureq agent every request goes out on: timeouts, no redirects, error statuses returned
//! as responses, small buffers, the proxy of its endpoint and the trust roots of the
//! settings.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ureq::config::{AutoHeaderValue, Config};
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use super::Url;
use super::ca_bundle::TrustRoots;
use super::proxy::ProxySettings;
use crate::Error;
use crate::env::{Env, Fs};
use crate::profile::LoadedProfiles;

/// Default connect timeout, the AWS SDKs' standard mode value.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Default read timeout (per read), botocore's value.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest response head (status line and headers) accepted: 12 KiB, more than EC2,
/// IMDS or a proxy sends, and under the 16 KiB input buffer that must hold it.
const MAX_RESPONSE_HEAD: usize = 12 * 1024;

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
        // Set but blank is not unset: botocore refuses it when a client is made, whatever the
        // endpoint's scheme (`botocore/endpoint.py`, `_validate_verify_value`).
        let bundle = match env.raw("AWS_CA_BUNDLE") {
            Some(path) => Some((path.trim().to_owned(), "AWS_CA_BUNDLE".to_owned())),
            None => profiles
                .profile()
                .and_then(|p| Some((p.ca_bundle()?.to_owned(), format!("ca_bundle of profile `{}`", p.name())))),
        };
        let roots = match bundle {
            None => TrustRoots::default(),
            Some((path, source)) if path.is_empty() => return Err(empty_ca_bundle(&source)),
            Some((path, source)) => TrustRoots::bundle(fs, &path, source),
        };
        Ok(HttpSettings { connect_timeout, read_timeout, proxies: ProxySettings::from_env(env)?, roots })
    }
}

/// The error of a CA bundle setting (`source`) that is set but blank.
pub(crate) fn empty_ca_bundle(source: &str) -> Error {
    Error::configuration(
        crate::ConfigErrorKind::EmptyCaBundle,
        format!("{source} is set but empty: name a PEM file of certificates, or unset it"),
    )
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

/// A ureq agent with these settings. Its own proxy is the one for `endpoint` (EC2's); the
/// credential sources choose theirs per request in [`HttpClient::send`](super::HttpClient).
/// `total` bounds each whole exchange unless a request says otherwise.
pub(crate) fn agent(
    settings: &HttpSettings,
    endpoint: Option<&Url>,
    user_agent: &str,
    total: Option<Duration>,
) -> Result<ureq::Agent, Error> {
    let proxy = endpoint.and_then(|e| settings.proxies.for_target(e.scheme, &e.host, e.port)).cloned();
    // EC2 answers in XML whatever is asked; the SDKs send no `Accept`. The credential
    // sources keep ureq's `*/*` (their recorded exchanges carry it) or set their own.
    let accept = if endpoint.is_some() { AutoHeaderValue::None } else { AutoHeaderValue::Default };
    let config = ureq::Agent::config_builder()
        .accept(accept)
        .http_status_as_error(false)
        // AWS APIs do not redirect; following one would send a signed
        // request somewhere it was not signed for.
        .max_redirects(0)
        .user_agent(user_agent)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_per_read(Some(settings.read_timeout))
        .timeout_per_write(Some(settings.read_timeout))
        .timeout_global(total)
        // Clones of a client share this pool; botocore keeps 10 connections
        // too, where ureq's default of 3 per host makes threads reconnect.
        .max_idle_connections(10)
        .max_idle_connections_per_host(10)
        // ureq zero-fills both buffers for each connection (its defaults, 128 KiB
        // each, were a quarter of a one-call process). The output buffer holds the
        // request's head (a session token is 1-3 KiB); the input buffer holds the
        // response's head and then the body a piece at a time. The head's limit must
        // be below the input buffer's size: ureq refuses a head only once more than
        // the limit is buffered, and a full buffer would wait for the server instead.
        .output_buffer_size(8 * 1024)
        .input_buffer_size(16 * 1024)
        .max_response_header_size(MAX_RESPONSE_HEAD)
        .proxy(proxy)
        .build();
    Ok(super::tls::agent(config, &settings.roots))
}

/// ureq's resolver, except that an address written as one (`127.0.0.1`, `[::1]`, IMDS's
/// `169.254.169.254`) is used as it is: ureq's own spawns a thread to look up any host under a
/// timeout, even one that needs no lookup.
#[derive(Debug, Default)]
pub(crate) struct LiteralFirst(DefaultResolver);

impl Resolver for LiteralFirst {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        // The host and the port (else the scheme's): an address parses, a name does not.
        let literal = uri.scheme().zip(uri.authority()).and_then(|(scheme, authority)| {
            let port = authority.port_u16().or(match scheme.as_str() {
                "http" => Some(80),
                "https" => Some(443),
                _ => None,
            })?;
            let host = authority.host();
            let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
            Some(SocketAddr::new(host.parse::<IpAddr>().ok()?, port))
        });
        match literal {
            Some(addr) => {
                let mut out = self.0.empty();
                out.push(addr);
                Ok(out)
            }
            None => self.0.resolve(uri, config, timeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = url.parse().expect("uri");
        let config = ureq::Agent::config_builder().build();
        let timeout = NextTimeout::default();
        LiteralFirst::default().resolve(&uri, &config, timeout).map(|a| a.iter().copied().collect())
    }

    #[test]
    fn addresses_are_used_as_written_with_the_scheme_s_port() {
        assert_eq!(resolve("http://127.0.0.1:8080/").unwrap(), ["127.0.0.1:8080".parse().unwrap()]);
        assert_eq!(resolve("https://169.254.169.254/").unwrap(), ["169.254.169.254:443".parse().unwrap()]);
        assert_eq!(resolve("http://[::1]/latest").unwrap(), ["[::1]:80".parse().unwrap()]);
        // A name goes to the system's resolver.
        let local = resolve("http://localhost:9/").unwrap();
        assert!(!local.is_empty() && local.iter().all(|a| a.ip().is_loopback() && a.port() == 9), "{local:?}");
    }
}
