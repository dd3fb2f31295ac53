//! Building a [`Client`]: region, endpoint and credentials, from what the
//! caller set and, for the rest, from the environment as the AWS SDKs read it.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html>

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::client::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DebugHook};
use crate::config::{self, Endpoint, Env};
use crate::credentials::{self, ProvideCredentials};
use crate::http::{self, HttpSettings};
use crate::{Client, Credentials, Error};

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

        let http = HttpSettings { connect_timeout: self.connect_timeout, read_timeout: self.read_timeout };
        let agent = http::agent(&http)?;
        Ok(Client::from_parts(region, endpoint, credentials, agent, self.debug))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder(pairs: &[(&str, &str)]) -> ClientBuilder {
        ClientBuilder::new().env(Env::from_pairs(pairs.iter().copied()))
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
}
