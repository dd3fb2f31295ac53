//! What every credential source reads: the environment, the shared files, HTTP, the clock.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html>

use std::fmt;
use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::imds_client::ImdsClient;
use crate::Error;
use crate::config;
use crate::env::{Env, Fs};
use crate::http::{self, HttpClient, HttpSettings, Transport};
use crate::profile::{self, LoadedProfiles};
use crate::query;
use crate::retry::{self, Attempt, Exhausted, Rand, Retrier, RetryConfig, Sleep};
use crate::timestamp::{self, Clock};

/// Resolves a host name to its addresses (the container source checks where a full URI points).
pub(crate) type Resolve = Arc<dyn Fn(&str, u16) -> io::Result<Vec<IpAddr>> + Send + Sync>;

/// How to build a [`Context`]: what the caller set, the rest comes from the environment.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub(crate) env: Env,
    pub(crate) fs: Fs,
    /// A profile named by the caller (builder, `--profile`); else `AWS_PROFILE`.
    pub(crate) profile: Option<String>,
    /// The region named by the caller; else the environment's or the profile's.
    pub(crate) region: Option<String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    /// Plain HTTP to a custom STS or SSO endpoint that is not this machine.
    pub(crate) allow_insecure_http: bool,
    /// The files as `env` and `fs` gave them, already read; else they are read here.
    pub(crate) profiles: Option<LoadedProfiles>,
}

impl Setup {
    /// The process environment and file system, the client's default timeouts.
    pub(crate) fn from_process() -> Self {
        Setup {
            env: Env::from_process(),
            fs: Fs::real(),
            profile: None,
            region: None,
            connect_timeout: http::DEFAULT_CONNECT_TIMEOUT,
            read_timeout: http::DEFAULT_READ_TIMEOUT,
            allow_insecure_http: false,
            profiles: None,
        }
    }
}

/// Shared by every source of one chain; cheap to clone.
#[derive(Clone)]
pub(crate) struct Context {
    pub(crate) env: Env,
    pub(crate) fs: Fs,
    pub(crate) profiles: Arc<LoadedProfiles>,
    /// The profile was named by the caller, not by `AWS_PROFILE`: as in botocore (`aws
    /// --profile`), the environment's keys are then not used.
    pub(crate) profile_explicit: bool,
    /// Where every request of the sources goes: [`HttpClient`], or a test's transport.
    pub(crate) http: Arc<dyn Transport>,
    pub(crate) settings: HttpSettings,
    pub(crate) imds: Arc<ImdsClient>,
    /// The region STS is called in; `None` when neither the caller, the environment nor the
    /// profile names one.
    pub(crate) region: Option<String>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) clock: Clock,
    pub(crate) sleep: Sleep,
    pub(crate) rand: Rand,
    pub(crate) resolve: Resolve,
    /// How long one walk of the chain may take, a `credential_process` included.
    pub(crate) load_timeout: Duration,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("profile", &self.profiles.selected)
            .field("region", &self.region)
            .field("imds", &self.imds)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Reads the files, checks the profile, the proxies, the CA bundle and the metadata
    /// endpoint. Configuration errors surface here; nothing is fetched yet.
    pub(crate) fn load(setup: Setup) -> Result<Context, Error> {
        let Setup { env, fs, profile, region, connect_timeout, read_timeout, allow_insecure_http, profiles } = setup;
        env.check()?;
        let mut profiles = match profiles {
            Some(p) => p,
            None => profile::load(&env, &fs)?,
        };
        let profile = profile.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
        let profile_explicit = profile.is_some();
        if let Some(name) = profile {
            profiles.selected = name;
            profiles.check_selected("named explicitly")?;
        } else if env.get("AWS_PROFILE").is_some() {
            profiles.check_selected("from AWS_PROFILE")?;
        }
        let settings = HttpSettings::from_env(&env, &fs, &profiles, connect_timeout, read_timeout)?;
        let http =
            Arc::new(HttpClient::new(http::agent(&settings, None, &query::user_agent(), None)?, settings.clone()));
        let imds = Arc::new(ImdsClient::from_env(&env, &profiles)?);
        let region = match region.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()) {
            Some(r) => Some(r),
            None => config::configured_region(&env, &profiles).map(|(r, _)| r),
        };
        if let Some(r) = &region {
            config::validate_region(r)?;
        }
        Ok(Context {
            env,
            fs,
            profiles: Arc::new(profiles),
            profile_explicit,
            http,
            settings,
            imds,
            region,
            allow_insecure_http,
            clock: timestamp::system_clock(),
            sleep: retry::thread_sleep(),
            rand: retry::system_rand(),
            resolve: Arc::new(dns_lookup),
            load_timeout: super::DEFAULT_CREDENTIALS_LOAD_TIMEOUT,
        })
    }

    pub(crate) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// Runs `attempt` under `policy` ([`retry::run`], no quota), waiting and drawing jitter
    /// as this context does.
    pub(crate) fn retry<T, E>(
        &self,
        policy: &RetryConfig,
        attempt: impl FnMut(u32) -> Attempt<T, E>,
    ) -> Result<T, Exhausted<E>> {
        let retrier = Retrier { policy, quota: None, sleep: &self.sleep, rand: &self.rand };
        retry::run(&retrier, |_, _, _| {}, attempt)
    }

    /// The region STS is called in: the configured one, else `us-east-1`, where the SDKs'
    /// global STS endpoint lives.
    pub(crate) fn sts_region(&self) -> &str {
        self.region.as_deref().unwrap_or("us-east-1")
    }
}

/// The addresses of `host`, from the system resolver.
fn dns_lookup(host: &str, port: u16) -> io::Result<Vec<IpAddr>> {
    Ok((host, port).to_socket_addrs()?.map(|a| a.ip()).collect())
}
