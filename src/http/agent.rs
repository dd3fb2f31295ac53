//! The ureq agent every request goes out on: timeouts, no redirects, error statuses returned
//! as responses, small buffers, the proxy of its endpoint and the trust roots of the
//! settings.

use std::fmt;
use std::time::Duration;

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

/// A ureq agent with these settings. Its own proxy is the one for `endpoint` (EC2's); the
/// credential sources choose theirs per request in [`HttpClient::send`](super::HttpClient).
pub(crate) fn agent(settings: &HttpSettings, endpoint: Option<&Url>, user_agent: &str) -> Result<ureq::Agent, Error> {
    let proxy = endpoint.and_then(|e| settings.proxies.for_target(e.scheme, &e.host, e.port)).cloned();
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
    Ok(super::tls::agent(config, &settings.roots))
}
