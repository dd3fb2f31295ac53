//! Building a [`Client`]: region, endpoint and credentials, from what the
//! caller set and, for the rest, from the environment as the AWS SDKs read it.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html>

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::client::{DebugHook, Parts};
use crate::config::{self, EndpointOptions};
use crate::credentials::{Context, DefaultCredentialsChain, ProvideCredentials, Setup};
use crate::env::{Env, Fs};
use crate::http::Url;
use crate::http::{self, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, HttpClient, TrustRoots};
use crate::profile::LoadedProfiles;
use crate::rate_limit::{Monotonic, RateLimit, RateLimits, RetryMode};
use crate::retry::{Rand, Sleep};
use crate::timestamp::Clock;
use crate::{Client, ConfigErrorKind, Credentials, Error, RetryConfig, query};

impl Client {
    /// A client configured the way the AWS SDKs configure one: credentials
    /// from the [`DefaultCredentialsChain`](crate::DefaultCredentialsChain)
    /// (environment, profile files, web identity, containers, IMDS); region
    /// from `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile, then IMDS;
    /// endpoint from `AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL`, the profile's
    /// settings, else the region's EC2 endpoint.
    ///
    /// It checks now: the shared `config` and `credentials` files, the
    /// profile named by `AWS_PROFILE`, the region (asking instance metadata
    /// when nothing else names one, which gives up within about a second off
    /// EC2), the endpoint, and the retry, proxy and CA bundle settings.
    /// It defers the credentials: they are looked up at the first call (and
    /// refreshed before they expire), so `from_env` succeeds without any, and
    /// that first call fails with an error saying what was tried.
    ///
    /// # Errors
    /// [`Error::Config`] when no region can be found, a named profile does not
    /// exist, or a file or variable holds a bad value; never for missing
    /// credentials.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::new().build()
    }

    /// A builder, to set credentials, region, endpoint or timeouts by hand.
    /// Whatever is not set is taken from the environment, as [`Client::from_env`] does.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }
}

/// Builds a [`Client`]; anything not set comes from the environment and the shared
/// `config` and `credentials` files, as in the AWS SDKs.
///
/// Besides what the methods below name, the builder reads the HTTP settings of the AWS CLI:
/// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (any case; never used for instance
/// metadata, the container endpoints or this machine), and `AWS_CA_BUNDLE` or the profile's
/// `ca_bundle`: a PEM file of the certificates to trust, instead of the bundled Mozilla roots,
/// as in botocore. The bundle is read by the first HTTPS request, which fails with
/// [`Error::Config`](crate::Error::Config) if it cannot be read or holds no certificate.
///
/// ```
/// use std::time::Duration;
/// use ec2_lite::{Client, Credentials, RetryConfig};
///
/// let client = Client::builder()
///     .region("eu-west-1")
///     .credentials(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None))
///     // A local emulator: plain HTTP is allowed to loopback addresses only.
///     .endpoint_url("http://127.0.0.1:5000")
///     .connect_timeout(Duration::from_secs(1))
///     .retry_config(RetryConfig::default().max_attempts(5))
///     .build()?;
/// assert_eq!(client.region(), "eu-west-1");
/// # Ok::<(), ec2_lite::Error>(())
/// ```
pub struct ClientBuilder {
    region: Option<String>,
    profile: Option<String>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    endpoint_url: Option<String>,
    connect_timeout: Duration,
    read_timeout: Duration,
    operation_timeout: Option<Duration>,
    attempt_timeout: Duration,
    credentials_load_timeout: Duration,
    allow_insecure_http: bool,
    use_fips: Option<bool>,
    use_dual_stack: Option<bool>,
    debug: Option<DebugHook>,
    retry: Option<RetryConfig>,
    retry_mode: Option<RetryMode>,
    rate_limits: RateLimits,
    clock_skew_correction: Option<bool>,
    env: Option<Env>,
    fs: Fs,
    /// The files as `env` and `fs` gave them ([`ProfileSettings::client_builder`]).
    profiles: Option<LoadedProfiles>,
    clock: Option<Clock>,
    sleep: Option<Sleep>,
    rand: Option<Rand>,
    monotonic: Option<Monotonic>,
    verify_tls: bool,
    ca_bundle: Option<String>,
    sign_requests: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("credentials", &self.credentials)
            .field("endpoint_url", &self.endpoint_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("credentials_load_timeout", &self.credentials_load_timeout)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("retry", &self.retry)
            .field("retry_mode", &self.retry_mode)
            .field("rate_limits", &self.rate_limits)
            .field("clock_skew_correction", &self.clock_skew_correction)
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
            profile: None,
            credentials: None,
            endpoint_url: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            operation_timeout: None,
            attempt_timeout: crate::client::DEFAULT_ATTEMPT_TIMEOUT,
            credentials_load_timeout: crate::DEFAULT_CREDENTIALS_LOAD_TIMEOUT,
            allow_insecure_http: false,
            use_fips: None,
            use_dual_stack: None,
            debug: None,
            retry: None,
            retry_mode: None,
            rate_limits: RateLimits::ec2_documented(),
            clock_skew_correction: None,
            env: None,
            fs: Fs::real(),
            profiles: None,
            clock: None,
            sleep: None,
            rand: None,
            monotonic: None,
            verify_tls: true,
            ca_bundle: None,
            sign_requests: true,
        }
    }

    /// The region to sign for and to pick the endpoint by. Else `AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, the profile's `region`, then the instance's region from
    /// instance metadata.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The profile of the shared `config` and `credentials` files to use, rather than
    /// `AWS_PROFILE` (else `default`): its credentials, region and endpoint settings. As with
    /// the AWS CLI's `--profile`, the environment's keys are then not used.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Fixed credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    /// A credentials source, asked before every call (it may cache). Without one, the
    /// [`DefaultCredentialsChain`] is used.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// A custom endpoint, such as a VPC endpoint or a local emulator. The URL
    /// is used as it is; requests are still signed for service `ec2` in the
    /// configured region. Else `AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL`, the
    /// profile's `[services]` section and `endpoint_url`, unless
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true.
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

    /// The longest a whole call may take, retries and the waits between them included, as
    /// aws-sdk-rust's `TimeoutConfig::operation_timeout`. None by default: each attempt is
    /// bounded ([`ClientBuilder::operation_attempt_timeout`]) and so is the number of attempts.
    /// A call past it fails with a [`TransportErrorKind::Timeout`](crate::TransportErrorKind::Timeout).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// The longest one attempt may take, from connecting to the last byte of the answer, as
    /// aws-sdk-rust's `TimeoutConfig::operation_attempt_timeout`. Default 60 s
    /// ([`DEFAULT_ATTEMPT_TIMEOUT`](crate::DEFAULT_ATTEMPT_TIMEOUT)): a body trickled a byte at a
    /// time, or `102 Processing` sent for ever, ends there.
    pub fn operation_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The longest the default credential chain may take to load credentials, a
    /// `credential_process` included (it is killed, with the processes it started, when this
    /// passes). Default 5 s, as aws-sdk-rust
    /// ([`DEFAULT_CREDENTIALS_LOAD_TIMEOUT`](crate::DEFAULT_CREDENTIALS_LOAD_TIMEOUT)).
    pub fn credentials_load_timeout(mut self, timeout: Duration) -> Self {
        self.credentials_load_timeout = timeout;
        self
    }

    /// Allows a plain-HTTP endpoint that is not on this machine (for EC2, and for STS and
    /// SSO endpoints the configuration names). Without it, credentials are sent only over
    /// HTTPS or to a loopback address.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Use the FIPS endpoint (else `AWS_USE_FIPS_ENDPOINT`, the profile's `use_fips_endpoint`).
    pub fn use_fips(mut self, fips: bool) -> Self {
        self.use_fips = Some(fips);
        self
    }

    /// Use the dual-stack (IPv6) endpoint (else `AWS_USE_DUALSTACK_ENDPOINT`, the profile's
    /// `use_dualstack_endpoint`).
    pub fn use_dual_stack(mut self, dual_stack: bool) -> Self {
        self.use_dual_stack = Some(dual_stack);
        self
    }

    /// How to retry (default: 3 attempts). Without it, `AWS_MAX_ATTEMPTS` or the profile's
    /// `max_attempts` set the attempts. The mode is set apart ([`ClientBuilder::retry_mode`]).
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Attempts per call, the first included (1 turns retries off).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry = Some(self.retry.unwrap_or_default().max_attempts(attempts));
        self
    }

    /// The retry mode, instead of `AWS_RETRY_MODE` or the profile's `retry_mode` (default
    /// [`RetryMode::Standard`]). [`RetryMode::Adaptive`] also paces each action to a rate
    /// learnt from EC2's throttling responses, on top of its [`RateLimits`].
    pub fn retry_mode(mut self, mode: RetryMode) -> Self {
        self.retry_mode = Some(mode);
        self
    }

    /// The buckets requests are paced to before they are sent, per action (default
    /// [`RateLimits::ec2_documented`]; [`RateLimits::none`] turns pacing off). Replaces what
    /// [`ClientBuilder::rate_limit`] set before it.
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = limits;
        self
    }

    /// The bucket one action is paced to; `None`: that action is not paced.
    ///
    /// ```
    /// use ec2_lite::{Client, RateLimit};
    ///
    /// let client = Client::builder()
    ///     .region("us-east-1")
    ///     .rate_limit("ReplaceIamInstanceProfileAssociation", Some(RateLimit::new(10, 1.0)))
    ///     .rate_limit("DescribeInstances", None)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    pub fn rate_limit(mut self, action: &str, limit: Option<RateLimit>) -> Self {
        self.rate_limits = self.rate_limits.set(action.to_owned(), limit);
        self
    }

    /// Whether a request refused for a skewed clock is signed again with the
    /// server's time (default on; also `AWS_DISABLE_CLOCK_SKEW_CORRECTION`).
    pub fn clock_skew_correction(mut self, enabled: bool) -> Self {
        self.clock_skew_correction = Some(enabled);
        self
    }

    /// Receives debug lines: each signed request and each response, with the
    /// signature, the secret and the session token redacted.
    pub fn on_debug(mut self, hook: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.debug = Some(Arc::new(hook));
        self
    }

    /// `false` turns off the checks of EC2's TLS certificate (the AWS CLI's
    /// `--no-verify-ssl`): anyone on the path can then read and change the traffic.
    pub fn verify_tls(mut self, verify: bool) -> Self {
        self.verify_tls = verify;
        self
    }

    /// A PEM file of the certificates to trust for EC2, instead of `AWS_CA_BUNDLE`, the
    /// profile's `ca_bundle` or the bundled roots (the AWS CLI's `--ca-bundle`). A blank path
    /// fails [`build`](Self::build) with [`ConfigErrorKind::EmptyCaBundle`](crate::ConfigErrorKind::EmptyCaBundle).
    pub fn ca_bundle(mut self, path: impl Into<String>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// `false` sends requests unsigned, and loads no credentials (the AWS CLI's
    /// `--no-sign-request`).
    pub fn sign_requests(mut self, sign: bool) -> Self {
        self.sign_requests = sign;
        self
    }

    /// The environment and files of a [`ProfileSettings`](crate::ProfileSettings) snapshot.
    pub(crate) fn snapshot(mut self, env: Env, fs: Fs, profiles: LoadedProfiles) -> Self {
        self.env = Some(env);
        self.fs = fs;
        self.profiles = Some(profiles);
        self
    }

    /// The environment variables to read instead of the process's.
    #[cfg(any(test, feature = "_test"))]
    #[doc(hidden)]
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self.profiles = None;
        self
    }

    /// The files to read the configuration and credentials from instead of the real ones.
    #[cfg(any(test, feature = "_test"))]
    #[doc(hidden)]
    pub fn fs(mut self, fs: Fs) -> Self {
        self.fs = fs;
        self.profiles = None;
        self
    }

    /// The clock to sign with and to measure skew by, instead of the system's (tests).
    #[cfg(any(test, feature = "_test"))]
    #[doc(hidden)]
    pub fn clock(mut self, clock: impl Fn() -> std::time::SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// How to wait between attempts, instead of sleeping (tests).
    #[cfg(any(test, feature = "_test"))]
    #[doc(hidden)]
    pub fn sleep(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleep = Some(Arc::new(sleep));
        self
    }

    /// Where backoff jitter comes from: numbers in [0, 1) (tests).
    #[cfg(any(test, feature = "_test"))]
    #[doc(hidden)]
    pub fn random(mut self, random: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.rand = Some(Arc::new(random));
        self
    }

    /// The monotonic time the rate limiter and the operation timeout go by: the time since
    /// some fixed start (tests).
    #[cfg(any(test, feature = "_test"))]
    #[doc(hidden)]
    pub fn monotonic_clock(mut self, now: impl Fn() -> Duration + Send + Sync + 'static) -> Self {
        self.monotonic = Some(Arc::new(now));
        self
    }

    /// Builds the client. Credentials are looked up at the first call, not here.
    ///
    /// # Errors
    /// [`Error::Config`] when no region can be found, a setting is malformed (naming the
    /// variable, or the file and line), a named profile does not exist, the endpoint URL is
    /// invalid, or the endpoint is plain HTTP to another machine without
    /// [`ClientBuilder::allow_insecure_http`]. [`Error::InvalidInput`] for a rate limit that
    /// cannot be kept (a capacity of 0, a refill rate or scale that is not a finite number above 0).
    pub fn build(self) -> Result<Client, Error> {
        self.rate_limits.check()?;
        let setup = Setup {
            env: self.env.unwrap_or_else(Env::from_process),
            fs: self.fs,
            profile: self.profile,
            region: self.region,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            allow_insecure_http: self.allow_insecure_http,
            profiles: self.profiles,
        };
        let mut ctx = Context::load(setup)?;
        // The credential sources wait and tell the time as the client does.
        if let Some(clock) = &self.clock {
            ctx.clock = Arc::clone(clock);
        }
        if let Some(sleep) = &self.sleep {
            ctx.sleep = Arc::clone(sleep);
        }
        ctx.load_timeout = self.credentials_load_timeout;
        if let Some(rand) = &self.rand {
            ctx.rand = Arc::clone(rand);
        }
        let region = match ctx.region.clone() {
            Some(r) => r,
            None => ctx.imds.region(&ctx).ok_or_else(|| no_region(&ctx))?,
        };
        config::validate_region(&region)?;
        ctx.region = Some(region.clone());

        let endpoint = match self.endpoint_url {
            Some(url) => Url::endpoint(url.trim())?,
            None => match config::configured_endpoint("EC2", &ctx.env, &ctx.profiles)? {
                // As botocore does, FIPS and dual-stack settings do not apply to a
                // custom endpoint: the URL is used as given.
                Some(configured) => configured.parse()?,
                None => {
                    let fips = match self.use_fips {
                        Some(v) => v,
                        None => config::use_fips(&ctx.env, &ctx.profiles)?,
                    };
                    let dual_stack = match self.use_dual_stack {
                        Some(v) => v,
                        None => config::use_dual_stack(&ctx.env, &ctx.profiles)?,
                    };
                    let options = EndpointOptions::default().fips(fips).dual_stack(dual_stack);
                    Url::endpoint(&config::default_endpoint("ec2", &region, options))?
                }
            },
        };
        if endpoint.scheme == "http" && !endpoint.is_loopback() && !self.allow_insecure_http {
            return Err(Error::configuration(
                ConfigErrorKind::InsecureEndpoint,
                format!(
                    "refusing to send credentials over plain http to {}: use https, a loopback endpoint, \
                     or allow insecure http explicitly",
                    endpoint.authority
                ),
            ));
        }

        let retry = match self.retry {
            Some(r) => r,
            None => match config::max_attempts(&ctx.env, &ctx.profiles)? {
                Some(n) => RetryConfig::default().max_attempts(n),
                None => RetryConfig::default(),
            },
        };
        // Resolved apart from `retry_config`: setting the attempts keeps the configured mode.
        let retry_mode = match self.retry_mode {
            Some(m) => m,
            None => config::retry_mode(&ctx.env, &ctx.profiles)?.unwrap_or_default(),
        };
        let skew_correction = match self.clock_skew_correction {
            Some(v) => v,
            None => config::clock_skew_correction(&ctx.env, &ctx.profiles)?,
        };

        let mut ec2_settings = ctx.settings.clone();
        if let Some(path) = &self.ca_bundle {
            // The same empty `verify` value to botocore as a blank `AWS_CA_BUNDLE`.
            if path.trim().is_empty() {
                return Err(http::empty_ca_bundle("--ca-bundle"));
            }
            ec2_settings.roots = TrustRoots::bundle(&ctx.fs, path, "--ca-bundle".to_owned());
        }
        if !self.verify_tls {
            ec2_settings.roots = TrustRoots::unverified();
        }
        // Each attempt is bounded by the attempt timeout: the agent's own, so that a request
        // needs no configuring of its own unless an operation timeout shortens it.
        let total = Some(self.attempt_timeout);
        let agent = http::agent(&ec2_settings, Some(&endpoint), &query::user_agent(), total)?;
        let http = Arc::new(HttpClient::for_endpoint(agent, ec2_settings, total));
        let (clock, sleep, rand) = (Arc::clone(&ctx.clock), Arc::clone(&ctx.sleep), Arc::clone(&ctx.rand));
        let credentials: Arc<dyn ProvideCredentials> = match self.credentials {
            // Empty keys: the client then sends no signature.
            _ if !self.sign_requests => Arc::new(Credentials::new("", "", None)),
            Some(c) => c,
            None => Arc::new(DefaultCredentialsChain::from_context(ctx)),
        };
        Ok(Client::from_parts(Parts {
            region,
            endpoint,
            credentials,
            http,
            debug: self.debug,
            retry,
            skew_correction,
            clock,
            sleep,
            rand,
            monotonic: self.monotonic.unwrap_or_else(crate::rate_limit::system_monotonic),
            rate_limits: self.rate_limits,
            retry_mode,
            timeouts: crate::client::Timeouts { operation: self.operation_timeout, attempt: self.attempt_timeout },
        }))
    }
}

/// What to set when no region is found, naming the files and the profile looked in.
fn no_region(ctx: &Context) -> Error {
    Error::configuration(
        ConfigErrorKind::NoRegion,
        format!(
            "no region: set one with ClientBuilder::region, AWS_REGION or AWS_DEFAULT_REGION, or add `region` to \
             profile `{}` in {}",
            ctx.profiles.selected,
            ctx.profiles.describe_files()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A builder that reads only `pairs` (no files: no `HOME`; no instance metadata).
    fn builder(pairs: &[(&str, &str)]) -> ClientBuilder {
        let mut env = pairs.to_vec();
        env.push(("AWS_EC2_METADATA_DISABLED", "true"));
        ClientBuilder::new().env(Env::from_pairs(env))
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
        assert!(e.is_no_region(), "{e:?}");
        assert!(e.to_string().contains("ClientBuilder::region") && !e.to_string().contains("--region"), "{e}");
        // Credentials are looked up at the first call; with none anywhere, that says where it looked.
        let c = builder(&[("AWS_REGION", "us-east-1")]).build().unwrap();
        let e = c.call("DescribeRegions", &[]).unwrap_err();
        let m = e.to_string();
        assert!(matches!(&e, Error::Config(_)), "{e}");
        for part in ["no credentials found", "AWS_ACCESS_KEY_ID is not set", "AWS_EC2_METADATA_DISABLED is true"] {
            assert!(m.contains(part), "{m}");
        }
    }

    fn files(config: &str) -> (std::path::PathBuf, Fs) {
        let dir = std::env::temp_dir().join(format!("ec2-lite-builder-{}-{}", std::process::id(), config.len()));
        std::fs::create_dir_all(dir.join("h/.aws")).unwrap();
        std::fs::write(dir.join("h/.aws/config"), config).unwrap();
        let fs = Fs::rooted(&dir);
        (dir, fs)
    }

    #[test]
    fn region_endpoint_and_profile_from_the_files() {
        let config = "[default]\nregion = eu-west-1\n[profile gov]\nregion = us-gov-west-1\nuse_fips_endpoint = true\n\
                      [profile local]\nregion = us-east-1\nservices = loc\n[services loc]\nec2 =\n  endpoint_url = http://127.0.0.1:5000\n";
        let (dir, fs) = files(config);
        let b = |pairs: &[(&str, &str)]| {
            let mut env = pairs.to_vec();
            env.push(("HOME", "/h"));
            builder(&env).fs(fs.clone())
        };
        let c = b(&[]).build();
        let gov = b(&[("AWS_PROFILE", "gov")]).build();
        let named = b(&[("AWS_PROFILE", "gov")]).profile("local").build();
        let region_env = b(&[("AWS_DEFAULT_REGION", "ap-south-1")]).build();
        let missing = b(&[("AWS_PROFILE", "nope")]).build();
        let missing_named = b(&[]).profile("nope").build();
        std::fs::remove_dir_all(&dir).unwrap();
        let c = c.unwrap();
        assert_eq!((c.region(), c.endpoint_url()), ("eu-west-1", "https://ec2.eu-west-1.amazonaws.com/"));
        let gov = gov.unwrap();
        assert_eq!((gov.region(), gov.endpoint_url()), ("us-gov-west-1", "https://ec2.us-gov-west-1.amazonaws.com/"));
        let named = named.unwrap();
        assert_eq!((named.region(), named.endpoint_url()), ("us-east-1", "http://127.0.0.1:5000/"));
        assert_eq!(region_env.unwrap().region(), "ap-south-1");
        let e = missing.unwrap_err().to_string();
        assert!(
            e.contains("the profile `nope` (from AWS_PROFILE) is not defined in /h/.aws/config or /h/.aws/credentials"),
            "{e}"
        );
        let e = missing_named.unwrap_err().to_string();
        assert!(e.contains("the profile `nope` (named explicitly) is not defined"), "{e}");
    }

    #[test]
    fn bad_settings_name_their_source() {
        for (pairs, want) in [
            (
                vec![("AWS_REGION", "us-east-1"), ("AWS_USE_FIPS_ENDPOINT", "yes")],
                "AWS_USE_FIPS_ENDPOINT must be true or false",
            ),
            (
                vec![("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_EC2", "ec2.local")],
                "AWS_ENDPOINT_URL_EC2: invalid endpoint url",
            ),
            (vec![("AWS_REGION", "us east")], "invalid region name"),
            (
                vec![("AWS_REGION", "us-east-1"), ("HTTPS_PROXY", "socks5://p:1")],
                "HTTPS_PROXY: only http:// and https://",
            ),
        ] {
            let e = builder(&pairs).build().unwrap_err().to_string();
            assert!(e.contains(want), "{pairs:?}: {e}");
        }
    }

    #[test]
    fn retry_mode_from_the_builder_the_environment_or_the_profile() {
        let (dir, fs) = files(
            "[default]\nregion = eu-west-1\nretry_mode = Adaptive\n[profile std]\nregion = us-east-1\nretry_mode = standard\n",
        );
        let b = |pairs: &[(&str, &str)]| {
            let mut env = pairs.to_vec();
            env.push(("HOME", "/h"));
            builder(&env).fs(fs.clone())
        };
        let mode = |b: ClientBuilder| b.build().map(|c| c.retry_mode());
        let profile = mode(b(&[]));
        let env_wins = mode(b(&[("AWS_RETRY_MODE", "STANDARD")]));
        let env_adaptive = mode(b(&[("AWS_PROFILE", "std"), ("AWS_RETRY_MODE", "adaptive")]));
        let named = mode(b(&[]).profile("std"));
        let builder_wins = mode(b(&[("AWS_RETRY_MODE", "adaptive")]).retry_mode(RetryMode::Standard));
        // Setting the attempts by hand keeps the configured mode.
        let attempts_kept = mode(b(&[]).max_attempts(5));
        let bad = mode(b(&[("AWS_RETRY_MODE", "legacy")]));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(profile.unwrap(), RetryMode::Adaptive);
        assert_eq!(env_wins.unwrap(), RetryMode::Standard);
        assert_eq!(env_adaptive.unwrap(), RetryMode::Adaptive);
        assert_eq!(named.unwrap(), RetryMode::Standard);
        assert_eq!(builder_wins.unwrap(), RetryMode::Standard);
        assert_eq!(attempts_kept.unwrap(), RetryMode::Adaptive);
        let e = bad.unwrap_err().to_string();
        assert!(e.contains("AWS_RETRY_MODE must be standard or adaptive, not \"legacy\""), "{e}");
        assert_eq!(mode(builder(&[("AWS_REGION", "us-east-1")])).unwrap(), RetryMode::Standard, "the default");
    }

    #[test]
    fn rate_limits_that_cannot_be_kept_are_refused_at_build() {
        let b = || builder(&[]).region("us-east-1").credentials(Credentials::new("a", "b", None));
        let e = b().rate_limit("DescribeInstances", Some(RateLimit::new(100, 0.0))).build().unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput(m) if m == "rate limit of DescribeInstances: the refill rate must be a finite number above 0, not 0"),
            "{e}"
        );
        let e = b().rate_limits(RateLimits::ec2_documented().scaled(f64::NAN)).build().unwrap_err();
        assert!(matches!(&e, Error::InvalidInput(m) if m.contains("the scale must be a finite number above 0")), "{e}");
        assert!(b().rate_limit("DescribeInstances", None).rate_limits(RateLimits::none().scaled(20.0)).build().is_ok());
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
